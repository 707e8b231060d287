// The Exercises page in Debian's chromium (tests/integration/t_console_exercise.sh
// starts two live nodes on 127.0.0.1): A's duty officer proposes the
// shipped botnet scenario at time scale 60 and runs the control cell in
// English; B's duty officer reads it in Chinese, accepts, and plays (the
// inject arrives as a case marked EXERCISE, acknowledged on its page);
// the timeline turns met at A; pause, resume, end; the evaluator's
// ratings, both signatures, the after-action report in a frame and as a
// download; axe (WCAG 2.1 A/AA) on the page in both languages.
// Environment: URL_A, URL_B, NAME_A, NAME_B, TOKEN_A, TOKEN_B (duty),
// TOKEN_BV (viewer at B), ARTIFACTS.
import { chromium } from "playwright-core";
import { readFileSync, mkdirSync } from "node:fs";
import assert from "node:assert/strict";
import { axe } from "./axe.mjs";

const env = (k) => { if (!process.env[k]) throw new Error(`${k} is not set`); return process.env[k]; };
const A = env("URL_A"), B = env("URL_B"), NB = env("NAME_B");
const TA = env("TOKEN_A"), TB = env("TOKEN_B"), TBV = env("TOKEN_BV");
const ART = env("ARTIFACTS");
mkdirSync(ART, { recursive: true });
const WAIT = { timeout: 30000 };

let failed = 0, n = 0, a = null, b = null, id = null;
const problems = [];
async function step(name, fn) {
	n++;
	try {
		await fn();
		console.log(`ok ${n} - ${name}`);
	} catch (e) {
		failed++;
		console.log(`not ok ${n} - ${name}\n  ${String(e.stack || e).split("\n").slice(0, 6).join("\n  ")}`);
		for (const [who, p] of [["A", a && a.page], ["B", b && b.page]]) {
			if (!p) continue;
			await p.screenshot({ path: `${ART}/xfailed-${n}-${who}.png`, fullPage: true }).catch(() => {});
			console.log(`  ${who} at ${p.url()}`);
		}
	}
}

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
	args: ["--no-sandbox", "--disable-gpu", "--lang=en-US"],
	timeout: 60000,
});
const kill = setTimeout(() => { console.log("not ok - the whole run took over 4 minutes"); process.exit(1); }, 240000);

async function open(who, url) {
	const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 }, acceptDownloads: true });
	const page = await ctx.newPage();
	page.on("console", (m) => {
		const txt = m.text();
		if ((m.type() === "error" && !/status of (401|403|404|409|422)/.test(txt)) || /missing (en|zh) string/.test(txt))
			problems.push(`${who}: ${m.type()}: ${txt}`);
	});
	page.on("pageerror", (e) => problems.push(`${who}: page error: ${e.message}`));
	page.on("dialog", (d) => d.accept());
	await page.goto(url);
	return { ctx, page };
}

async function login(page, token) {
	await page.fill("#token", token);
	await page.click("#token-form button[type=submit]");
	await page.waitForSelector("#nav:not([hidden])", WAIT);
}

const state = (page) => page.textContent("#main h1 + p .badge");

a = await open("A", A);
b = await open("B", B);

await step("A proposes the shipped botnet scenario from the Exercises page", async () => {
	await login(a.page, TA);
	await a.page.click("#nav a[href='#/exercises']");
	await a.page.waitForSelector("#x-scenario", WAIT);
	await a.page.selectOption("#x-scenario", "botnet-c2-takedown");
	await a.page.selectOption("#x-peer", NB);
	await a.page.fill("#x-scale", "60");
	await a.page.fill("#x-control", "Alice (director)");
	await a.page.click("form[aria-labelledby=x-propose-h] button[type=submit]");
	await a.page.waitForURL(/#\/exercise\/[0-9a-f-]+$/, WAIT);
	id = a.page.url().split("/").pop();
	assert.match(await a.page.textContent(".exband"), /EXERCISE/);
	assert.match(await state(a.page), /proposed/);
	// The control cell sees the contingency and its notes.
	assert.match(await a.page.textContent("tr[data-inject=C1]"), /Hospital portal down/);
	await axe(a.page, "exercise page, en");
	await a.page.screenshot({ path: `${ART}/x1-proposed.png`, fullPage: true });
});

await step("B reads it in Chinese, the hidden inject only as hidden, and accepts", async () => {
	await b.page.click("#lang");
	await login(b.page, TB);
	await b.page.goto(`${B}/#/exercise/${id}`);
	await b.page.waitForSelector("#main h1", WAIT);
	assert.match(await b.page.textContent(".exband"), /演练/);
	assert.match(await state(b.page), /已提议/);
	assert.match(await b.page.textContent("tr[data-inject=C1]"), /未公开/);
	await b.page.click("button:has-text('接受')");
	await b.page.waitForFunction(() => /已商定/.test((document.querySelector("#main h1 + p .badge") || {}).textContent), null, WAIT);
	await axe(b.page, "exercise page, zh");
});

await step("a viewer sees the exercise but no control cell buttons", async () => {
	const v = await open("BV", B);
	await login(v.page, TBV);
	await v.page.goto(`${B}/#/exercise/${id}`);
	await v.page.waitForSelector("#main h1", WAIT);
	assert.equal(await v.page.locator("#main .xbtns button:has-text('Accept'), form.stop").count(), 0);
	await v.ctx.close();
});

await step("A starts it: the banner says EXERCISE on every page while it runs", async () => {
	await a.page.waitForFunction(() => /agreed/.test((document.querySelector("#main h1 + p .badge") || {}).textContent), null, WAIT);
	await a.page.click("button:has-text('Start now')");
	await a.page.waitForFunction(() => /running/.test((document.querySelector("#main h1 + p .badge") || {}).textContent), null, WAIT);
	await a.page.goto(`${A}/#/inbox`);
	await a.page.waitForSelector("#exercises .exband", WAIT);
	assert.match(await a.page.textContent("#exercises"), /EXERCISE EX-.* running/);
});

await step("B plays: the inject is a case marked EXERCISE, acknowledged on its page", async () => {
	await b.page.goto(`${B}/#/inbox`);
	// The inject I1 by its title: the exercise's other cases carry the
	// same badge and may be listed above it.
	const row = b.page.locator("tr.row:has(.badge.exercise)")
		.filter({ hasText: /Botnet C2 servers in your territory|贵方境内的僵尸网络控制服务器/ }).first();
	await row.waitFor(WAIT);
	await row.locator("a").click();
	await b.page.waitForSelector("#main .exband", WAIT);
	assert.match(await b.page.textContent("#main .exband"), /I1/);
	assert.match(await b.page.textContent("#main h1"), /\[EXERCISE\]/);
	const d = b.page.locator(".actions details:has(> summary:text-is('确认收到')), .actions details").first();
	if ((await d.getAttribute("open")) === null) await d.locator("summary").click();
	await d.locator("form button[type=submit]").click();
	await b.page.waitForSelector(".actions .done", WAIT);
	await b.page.screenshot({ path: `${ART}/x2-inject-at-b.png`, fullPage: true });
});

await step("A's timeline turns I1's acknowledgement met", async () => {
	await a.page.goto(`${A}/#/exercise/${id}`);
	await a.page.waitForSelector("tr[data-inject=I1] .xst-met", { timeout: 45000 });
	assert.match(await a.page.textContent("tr[data-inject=I1]"), /E1 acknowledged/);
});

await step("A pauses, resumes and ends it", async () => {
	await a.page.click(".xbtns button:has-text('Pause')");
	await a.page.waitForFunction(() => /paused/.test((document.querySelector("#main h1 + p .badge") || {}).textContent), null, WAIT);
	await a.page.click(".xbtns button:has-text('Resume')");
	await a.page.waitForFunction(() => /running/.test((document.querySelector("#main h1 + p .badge") || {}).textContent), null, WAIT);
	assert.match(await a.page.textContent("dl.meta"), /Pauses/);
	await a.page.click(".xbtns button:has-text('End')");
	await a.page.waitForFunction(() => /ended/.test((document.querySelector("#main h1 + p .badge") || {}).textContent), null, WAIT);
});

await step("the evaluator confirms the ratings; both parties sign the same scores", async () => {
	await a.page.waitForSelector("form[aria-labelledby=x-eval-h]", WAIT);
	await a.page.selectOption("#x-rate-O1", "S");
	await a.page.fill("#x-eval-comment", "Quick acknowledgement, slow triage");
	await a.page.fill("#x-eval-by", "Eva");
	await a.page.click("form[aria-labelledby=x-eval-h] button[type=submit]");
	await a.page.waitForFunction(() => /evaluated/.test((document.querySelector("#main h1 + p .badge") || {}).textContent), null, WAIT);
	await a.page.click(".xbtns button:has-text('Sign the scores')");
	await b.page.goto(`${B}/#/exercise/${id}`);
	// B signs what it holds: once A's ratings and the reveal have reached it
	// (the sign button waits for the reveal).
	await b.page.waitForFunction(() => /已评估/.test((document.querySelector("#main h1 + p .badge") || {}).textContent), null, { timeout: 45000 });
	await b.page.waitForSelector(".xbtns button:has-text('签署评分')", { timeout: 45000 });
	await b.page.click(".xbtns button:has-text('签署评分')");
	// Both compute the same scores from the same record.
	const scores = async (p, url, tok) => (await (await p.context().request.get(`${url}/api/v1/exercises/${id}/report`,
		{ headers: { Authorization: `Bearer ${tok}` } })).json()).scores;
	const diff = (x, y, path = "") => {
		if (JSON.stringify(x) === JSON.stringify(y)) return [];
		if (x && y && typeof x === "object" && typeof y === "object")
			return [...new Set([...Object.keys(x), ...Object.keys(y)])].flatMap((k) => diff(x[k], y[k], `${path}.${k}`));
		return [`${path}: B ${JSON.stringify(x)} A ${JSON.stringify(y)}`];
	};
	assert.deepEqual(diff(await scores(b.page, B, TB), await scores(a.page, A, TA)), []);
	await b.page.waitForFunction(() => /双方已签署/.test((document.querySelector("#main h1 + p .badge") || {}).textContent), null, WAIT);
	await a.page.waitForFunction(() => /signed by both/.test((document.querySelector("#main h1 + p .badge") || {}).textContent), null, { timeout: 45000 });
	assert.match(await a.page.textContent("tr:has-text('O1')"), /confirmed by Eva/);
});

await step("the after-action report: shown in a sandboxed frame, exported as JSON", async () => {
	await a.page.click("button:has-text('Show the report')");
	const frame = a.page.locator("#main iframe.report");
	await frame.waitFor(WAIT);
	assert.equal(await frame.getAttribute("sandbox"), "");
	assert.match(await frame.getAttribute("src"), /^blob:/);
	await axe(a.page, "exercise page ended, en");
	const [dl] = await Promise.all([a.page.waitForEvent("download", WAIT), a.page.click("button:has-text('Export signed JSON')")]);
	assert.match(dl.suggestedFilename(), /^parley-exercise-EX-[0-9a-f]{8}\.json$/);
	const aar = JSON.parse(readFileSync(await dl.path(), "utf8"));
	assert.equal(aar.marking, "EXERCISE");
	assert.equal(aar.aar.exercise, id);
	await a.page.screenshot({ path: `${ART}/x3-ended-a.png`, fullPage: true });
	await b.page.screenshot({ path: `${ART}/x4-ended-b.png`, fullPage: true });
	await axe(b.page, "exercise page ended, zh");
});

await step("no console errors and no missing strings", async () => {
	assert.deepEqual(problems, []);
});

clearTimeout(kill);
await browser.close();
console.log(`${n - failed}/${n} steps passed; screenshots in ${ART}`);
process.exit(failed ? 1 : 0);
