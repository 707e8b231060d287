// Driven by bench_console: times the console's inbox in Debian's chromium
// against a serving node with N open cases.  Usage: URL TOKEN N.
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";

const require = createRequire(new URL("../tests/e2e/package.json", import.meta.url));
const { chromium } = require("playwright-core");
const [url, token, n] = process.argv.slice(2);
const RUNS = 5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 860 } });
const page = await ctx.newPage();

// Wait until the node answers (serve was just started).
for (let i = 0; ; i++) {
	try { if ((await ctx.request.get(`${url}/healthz`)).ok()) break; } catch (e) { /* not yet */ }
	if (i > 300) throw new Error("the node did not come up");
	await new Promise((r) => setTimeout(r, 100));
}

async function markAfter(target, mark) {
	await page.goto(target);
	const h = await page.waitForFunction((m) => performance.getEntriesByName(m)[0]?.startTime, mark, { timeout: 120000, polling: 20 });
	return h.jsonValue();
}

// Floor 1: the console with no data (the login form), from navigation.
const empty = [];
for (let i = 0; i < RUNS; i++) empty.push(await markAfter(`${url}/?r=${i}`, "login-rendered"));

await page.evaluate((t) => localStorage.setItem("parley.token", t), token);
const inbox = [], fetchParse = [];
let rows = 0, bytes = 0;
for (let i = 0; i < RUNS; i++) {
	inbox.push(await markAfter(`${url}/?r=${i}#/inbox`, "inbox-rendered"));
	rows = await page.$eval("table[data-rendered]", (el) => el.dataset.rendered);
	// Floor 2: fetching and parsing the same list, drawing nothing.
	const [ms, len, size] = await page.evaluate(async (t) => {
		const t0 = performance.now();
		const r = await fetch("/api/v1/cases?open=1", { headers: { Authorization: `Bearer ${t}` }, cache: "no-store" });
		const text = await r.text();
		const j = JSON.parse(text);
		return [performance.now() - t0, j.length, text.length];
	}, token);
	fetchParse.push(ms);
	bytes = size;
	if (len !== Number(n)) throw new Error(`the API listed ${len} open cases, not ${n}`);
}
const total = await page.evaluate(() => document.querySelector("#inbox-count").textContent);

// What the browser fetched to show the console, and gzip'd.
const files = await page.evaluate(() => [location.pathname, ...performance.getEntriesByType("resource")
	.map((e) => new URL(e.name).pathname).filter((p) => p.startsWith("/static/"))]);
let raw = 0, gz = 0;
for (const f of [...new Set(files)]) {
	const body = await (await ctx.request.get(`${url}${f}`)).body();
	raw += body.length;
	gz += gzipSync(body, { level: 9 }).length;
}

const f = (x) => `${x.toFixed(0)} ms`;
// The first load after the node starts replays every case (the node's
// row cache is cold); later loads are what a duty officer sees all day.
const cold = inbox.shift();
console.log(`bench_console: inbox with ${n} open cases (median of ${RUNS - 1} loads after the first; "${total}")`);
console.log(`  first render of the inbox        ${f(median(inbox))}   (runs: ${inbox.map((x) => x.toFixed(0)).join(", ")} ms)`);
console.log(`  the same, first load after start ${f(cold)}   (the node replays every case once)`);
console.log(`  floor: console with no data      ${f(median(empty))}`);
console.log(`  floor: fetch + parse the list    ${f(median(fetchParse))}   (${(bytes / 1048576).toFixed(1)} MiB JSON, ${n} cases)`);
console.log(`  rows drawn at first render       ${rows} (the rest behind "Show more")`);
console.log(`  inbox / (no data + fetch+parse)  ${(median(inbox) / (median(empty) + median(fetchParse))).toFixed(2)}x`);
console.log(`bench_console: the console's files fetched by the browser: ${raw} bytes, ${gz} gzip'd (${files.length} files, served uncompressed)`);
await browser.close();
