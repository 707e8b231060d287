// End-to-end tests of the web console in Debian's chromium, against two
// live nodes that tests/integration/t_console.sh starts on 127.0.0.1:
//   A (cert-beijing, Asia/Shanghai) and B (cert-washington, America/New_York).
// Environment: URL_A, URL_B, TOKEN_A (duty at A), TOKEN_B (duty at B),
// TOKEN_AV (viewer at A), NAME_A, NAME_B, ARTIFACTS (screenshots go there).
// Prints one "ok"/"not ok" line per step and exits 1 if any step failed.
import { chromium } from "playwright-core";
import { readFileSync, writeFileSync, readdirSync, existsSync, mkdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import assert from "node:assert/strict";
import { axe } from "./axe.mjs";

const env = (k) => { if (!process.env[k]) throw new Error(`${k} is not set`); return process.env[k]; };
const A = env("URL_A"), B = env("URL_B"), NA = env("NAME_A"), NB = env("NAME_B");
const TA = env("TOKEN_A"), TB = env("TOKEN_B"), TAV = env("TOKEN_AV"), TAT = env("TOKEN_AT");
const ART = env("ARTIFACTS");
mkdirSync(ART, { recursive: true });
const WAIT = { timeout: 30000 };

let failed = 0, n = 0, a = null, b = null;
const problems = []; // console errors and missing strings, per page
async function step(name, fn) {
	n++;
	try {
		await fn();
		console.log(`ok ${n} - ${name}`);
	} catch (e) {
		failed++;
		console.log(`not ok ${n} - ${name}\n  ${String(e.stack || e).split("\n").slice(0, 6).join("\n  ")}`);
		// What each browser showed when the step failed.
		for (const [who, p] of [["A", a && a.page], ["B", b && b.page]]) {
			if (!p) continue;
			await p.screenshot({ path: `${ART}/failed-${n}-${who}.png`, fullPage: true }).catch(() => {});
			console.log(`  ${who} at ${p.url()}`);
		}
	}
}

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
	args: ["--no-sandbox", "--disable-gpu", "--lang=en-US"],
	timeout: 60000,
});
const kill = setTimeout(() => { console.log("not ok - the whole run took over 5 minutes"); process.exit(1); }, 300000);

async function open(who, url, viewport = { width: 1280, height: 860 }) {
	const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport, acceptDownloads: true });
	const page = await ctx.newPage();
	page.on("console", (m) => {
		const txt = m.text();
		// The browser itself logs the refusals this test provokes: a wrong
		// or revoked token (401), a wrong check token (422), an unknown
		// case (404) and the requests cut off to play a node down.
		if ((m.type() === "error" && !/status of (401|404|422)|ERR_FAILED/.test(txt)) || /missing (en|zh) string/.test(txt))
			problems.push(`${who}: ${m.type()}: ${txt}`);
	});
	page.on("pageerror", (e) => problems.push(`${who}: page error: ${e.message}`));
	await page.goto(url);
	return { ctx, page };
}

async function login(page, token) {
	await page.fill("#token", token);
	await page.click("#token-form button[type=submit]");
	await page.waitForSelector("#nav:not([hidden])", WAIT);
}

// The check token e-mailed to `to` (waits for the mail to arrive).
async function mailedToken(to) {
	const dir = `${env("MAILDIR")}/new`;
	for (let i = 0; i < 60; i++) {
		for (const f of existsSync(dir) ? readdirSync(dir) : []) {
			const m = readFileSync(`${dir}/${f}`, "utf8");
			const tok = /Your token: ([0-9A-Z-]+)/.exec(m);
			if (tok && new RegExp(`^To: ${to}`, "m").test(m)) return tok[1];
		}
		await new Promise((r) => setTimeout(r, 500));
	}
	return "";
}

async function shot(page, name) {
	await page.screenshot({ path: `${ART}/${name}.png`, fullPage: true });
}

a = await open("A", A);
b = await open("B", B);
let ref = null;

await step("the node serves the console with a strict CSP and the assets from itself", async () => {
	const res = await a.ctx.request.get(`${A}/`);
	assert.equal(res.status(), 200);
	const csp = res.headers()["content-security-policy"];
	assert.match(csp, /script-src 'self'/);
	assert.match(await res.text(), /<script type="module" src="\/static\/app.js">/);
	const js = await a.ctx.request.get(`${A}/static/app.js`);
	assert.equal(js.headers()["content-type"], "text/javascript; charset=utf-8");
	const etag = js.headers()["etag"];
	const again = await a.ctx.request.get(`${A}/static/app.js`, { headers: { "If-None-Match": etag } });
	assert.equal(again.status(), 304);
	const missing = await a.ctx.request.get(`${A}/static/nope.js`);
	assert.equal(missing.status(), 404);
	assert.equal(missing.headers()["content-type"], "application/problem+json");
});

await step("English and Chinese string tables have the same keys", async () => {
	const diff = await a.page.evaluate(async () => {
		const m = await import("/static/i18n.js");
		const en = Object.keys(m.tables.en), zh = Object.keys(m.tables.zh);
		return { onlyEn: en.filter((k) => !zh.includes(k)), onlyZh: zh.filter((k) => !en.includes(k)) };
	});
	assert.deepEqual(diff, { onlyEn: [], onlyZh: [] });
});

await step("a wrong token is refused with a clear message; the login page is accessible", async () => {
	await a.page.waitForSelector("#token", WAIT);
	await axe(a.page, "login");
	await shot(a.page, "01-login");
	await a.page.fill("#token", "pxt_not_a_real_token");
	await a.page.click("#token-form button[type=submit]");
	await a.page.waitForSelector("#login-error .error", WAIT);
	assert.match(await a.page.textContent("#login-error"), /not valid here/);
	assert.equal(await a.page.getAttribute("#token", "aria-invalid"), "true");
});

await step("duty officers log in at both nodes; the header names node, token and role", async () => {
	await login(a.page, TA);
	await login(b.page, TB);
	assert.match(await a.page.textContent("#who"), new RegExp(`${NA}.*duty officer`));
	// Nothing yet: the inbox says so, and how cases will arrive.
	await a.page.waitForSelector(".empty .notice", WAIT);
	assert.match(await a.page.textContent(".empty"), /No open cases\. New reports and requests from peers appear here by themselves/);
});

await step("compose at B validates as you type, then sends a request to A", async () => {
	await b.page.goto(`${B}/#/compose/request`);
	await b.page.waitForSelector("#c-to", WAIT);
	await axe(b.page, "compose");
	await b.page.selectOption("#c-to", NA);
	await b.page.fill("#c-obs", "ip:300.1.2.3\nhxxps://bank-login[.]example/verify");
	await b.page.waitForSelector("#c-obs[aria-invalid=true]", WAIT);
	assert.match(await b.page.textContent("#c-obs-err"), /1 line/);
	// The node reads each line (the CLI's parser) and says what it is.
	await b.page.waitForFunction(() => /✓ url https:\/\/bank-login\.example\/verify/.test(document.querySelector("ul.obs").textContent), null, WAIT);
	assert.match(await b.page.textContent("ul.obs"), /'300\.1\.2\.3' is not an IPv4 address: 300 is larger than 255/);
	// A network with host bits set is refused as the node would.
	await b.page.fill("#c-obs", "198.51.100.5/24\n2001:db8::/32");
	await b.page.waitForFunction(() => /host bits are set \(did you mean 198\.51\.100\.0\/24\?\)/.test(document.querySelector("ul.obs").textContent), null, WAIT);
	await b.page.waitForFunction(() => /✓ ipv6-addr 2001:db8::\/32/.test(document.querySelector("ul.obs").textContent), null, WAIT);
	await b.page.fill("#c-title", "x".repeat(301));
	assert.match(await b.page.textContent("#c-title-err"), /At most 300 characters \(301 now\)/);
	await b.page.fill("#c-title", "");
	await b.page.fill("#c-obs", "ip:300.1.2.3\nhxxps://bank-login[.]example/verify");
	await b.page.selectOption("#c-tlp", "red");
	assert.match(await b.page.textContent("#c-tlp-help"), /named recipients only/);
	await b.page.click("form button[type=submit]");
	assert.match(await b.page.textContent("#c-title-err"), /title is required/);
	await shot(b.page, "03-compose-errors");
	await b.page.fill("#c-obs", "ip:203.0.113.7\nhxxps://bank-login[.]example/verify");
	await b.page.selectOption("#c-priority", "P2");
	await b.page.selectOption("#c-category", "phishing");
	await b.page.selectOption("#c-rq", "mitigation");
	await b.page.selectOption("#c-tlp", "amber");
	await b.page.fill("#c-title", "Counterfeit bank login hosted in your network");
	await b.page.fill("#c-text", "Please take the page down; customers are losing money.");
	await b.page.fill("#c-tr", "请下线该页面；客户正在蒙受损失。");
	await b.page.click("form button[type=submit]");
	await b.page.waitForURL(/#\/case\/[0-9a-f]+$/, { ...WAIT, waitUntil: "commit" });
	ref = b.page.url().split("/").pop();
	await b.page.waitForSelector("ol.timeline li", WAIT);
});

await step("A's inbox shows the request without a reload, most urgent first", async () => {
	const row = a.page.locator(`tr[data-ref="${ref}"]`);
	await row.waitFor(WAIT);
	assert.match(await row.textContent(), /Counterfeit bank login/);
	assert.match(await row.locator("td.urg").textContent(), /Acknowledge: .* left/);
	assert.match(await row.textContent(), /TLP:AMBER/);
	await axe(a.page, "inbox");
	await shot(a.page, "02-inbox");
	// Typing in the search box survives the polls in between.
	await a.page.click("#f-q");
	await a.page.keyboard.type("Counter");
	await a.page.waitForTimeout(3500);
	await a.page.keyboard.type("feit");
	assert.equal(await a.page.$eval("#f-q", (e) => e.value), "Counterfeit");
	assert.equal(await a.page.locator("tbody tr").count(), 1);
	await a.page.fill("#f-q", "");
});

await step("the keyboard reaches the skip link first and opens a case from the inbox", async () => {
	await a.page.goto(`${A}/#/inbox`);
	await a.page.reload();
	await a.page.waitForSelector(`tr[data-ref="${ref}"]`, WAIT);
	await a.page.keyboard.press("Tab");
	assert.equal(await a.page.evaluate(() => document.activeElement.className), "skip");
	await a.page.keyboard.press("Enter");
	assert.equal(await a.page.evaluate(() => document.activeElement.id), "main");
	// Tab through the filters to the first case's link, then open it.
	for (let i = 0; i < 30; i++) {
		await a.page.keyboard.press("Tab");
		if (await a.page.evaluate(() => (document.activeElement.getAttribute("href") || "").startsWith("#/case/"))) break;
	}
	await a.page.keyboard.press("Enter");
	await a.page.waitForURL(new RegExp(`#/case/${ref}$`), { ...WAIT, waitUntil: "commit" });
});

await step("the case shows both parties' local times and UTC, the TLP colour, clocks and observables", async () => {
	if (!a.page.url().endsWith(`#/case/${ref}`)) await a.page.goto(`${A}/#/case/${ref}`);
	await a.page.waitForSelector("ol.timeline li", WAIT);
	const times = await a.page.textContent("ol.timeline li .times");
	assert.match(times, /UTC/);
	assert.match(times, /Asia\/Shanghai \(UTC\+08:00\)/);
	assert.match(times, /America\/New_York \(UTC-0[45]:00\)/);
	const color = await a.page.$eval("h1 .tlp", (el) => getComputedStyle(el).color);
	assert.equal(color, "rgb(255, 192, 0)"); // FIRST TLP 2.0 amber on black
	assert.match(await a.page.textContent(".clock"), /Acknowledge.*left/s);
	assert.match(await a.page.textContent("ul.obs"), /203\.0\.113\.7/);
	// The original beside its translation.
	const texts = await a.page.$$eval("ol.timeline li:first-child .texts .text", (els) => els.map((e) => e.textContent));
	assert.deepEqual(texts, ["original (en)Please take the page down; customers are losing money.",
		"translation (zh, by a person)请下线该页面；客户正在蒙受损失。"]);
	const acts = await a.page.$$eval(".actions summary", (els) => els.map((e) => e.textContent));
	assert.ok(acts.includes("Acknowledge"), `actions: ${acts}`);
	assert.ok(!acts.includes("Rate the answer"), `a responder cannot rate: ${acts}`);
	await axe(a.page, "case");
	await shot(a.page, "04-case-new");
});

async function act(page, summary, fill) {
	// Open the action's section (the first one starts open).
	const d = page.locator(`.actions details:has(> summary:text-is("${summary}"))`);
	await d.waitFor(WAIT);
	if ((await d.getAttribute("open")) === null) await d.locator("summary").click();
	const form = page.locator(`.actions form[aria-label="${summary}"]`);
	if (fill) await fill(form);
	await form.locator("button[type=submit]").click();
}

await step("A acknowledges: the acknowledge clock stops (met); the confirmation takes the focus", async () => {
	await act(a.page, "Acknowledge", (f) => f.locator("textarea[name=text]").fill("Received; contacting the host."));
	await a.page.waitForSelector(`.clock:has-text("Acknowledge") .state-met`, WAIT);
	assert.match(await a.page.textContent("h1 + p"), /acknowledged/);
	await a.page.waitForFunction(() => document.activeElement.classList.contains("done"), null, WAIT);
	assert.match(await a.page.textContent(".actions .done"), new RegExp(`Acknowledge: done for ${ref}`));
});

await step("A asks for information: declining without a reason is stopped; the clocks pause; B is told how to answer", async () => {
	await act(a.page, "Triage", async (f) => { await f.locator("select[name=decision]").selectOption("declined"); });
	await a.page.waitForSelector(`.actions form[aria-label="Triage"] .error`, WAIT);
	assert.match(await a.page.textContent(`.actions form[aria-label="Triage"] .error`), /reason code/);
	const f = a.page.locator(`.actions form[aria-label="Triage"]`);
	await f.locator("select[name=decision]").selectOption("needs-info");
	assert.equal(await f.locator("select[name=reason]").isDisabled(), false);
	await f.locator("select[name=reason]").selectOption("insufficient-information");
	await f.locator("textarea[name=text]").fill("Which URL paths, and since when?");
	await f.locator("button[type=submit]").click();
	await a.page.waitForFunction(() => /waiting for information \(needs more information: insufficient information\)/
		.test(document.querySelector("h1 + p").textContent), null, WAIT);
	await a.page.waitForSelector(`.clock:has-text("First response") .state-paused`, WAIT);
	assert.match(await a.page.textContent(".actions"), new RegExp(`Waiting for ${NB.replace(/\./g, "\\.")} to answer your question`));
	await shot(a.page, "04b-needs-info");
	await b.page.goto(`${B}/#/case/${ref}`);
	await b.page.waitForSelector(".actions .notice", { timeout: 45000 });
	await b.page.waitForFunction(() => /needs more information\. Answer with “Send an update”/.test(document.querySelector(".actions").textContent), null, { timeout: 45000 });
	await act(b.page, "Send an update", (x) => x.locator("textarea[name=text]").fill("/verify since 2026-11-30 08:00 UTC."));
	// B's answer resumes the clocks at A: the case is triaged again.
	await a.page.waitForFunction(() => /· triaged$/.test(document.querySelector("h1 + p").textContent.trim()), null, { timeout: 45000 });
});

await step("A accepts: the reason code is not offered with accepted; the header drops the old decision", async () => {
	await act(a.page, "Triage", async (x) => {
		await x.locator("select[name=decision]").selectOption("accepted");
		assert.equal(await x.locator("select[name=reason]").isDisabled(), true);
	});
	await a.page.waitForFunction(() =>
		[...document.querySelectorAll("ol.timeline li .type")].filter((e) => e.textContent === "Triaged").length === 2, null, WAIT);
	await a.page.waitForSelector(`.clock:has-text("Triage") .state-met`, WAIT);
	assert.doesNotMatch(await a.page.textContent("h1 + p"), /\(/);
});

await step("A answers with a result: the state is resolved and the clocks change", async () => {
	await act(a.page, "Send the result", async (f) => {
		await f.locator("select[name=outcome]").selectOption("resolved");
		await f.locator("textarea[name=text]").fill("The page was suspended by the hosting provider.");
	});
	await a.page.waitForFunction(() => /resolved/.test(document.querySelector("h1 + p").textContent), null, WAIT);
	await a.page.waitForSelector(`.clock:has-text("Resolution") .state-met`, WAIT);
	await shot(a.page, "05-case-resolved");
});

await step("B sees the result arrive without a reload and rates it", async () => {
	await b.page.waitForFunction(() => /resolved/.test(document.querySelector("h1 + p")?.textContent || ""), null, { timeout: 45000 });
	assert.match(await b.page.textContent("ol.timeline"), /suspended by the hosting provider/);
	await act(b.page, "Rate the answer", async (f) => {
		await f.locator("select[name=score]").selectOption("5");
		await f.locator("textarea[name=comment]").fill("Fast and complete.");
	});
	await b.page.waitForFunction(() => /rated 5\/5/.test(document.querySelector("h1 + p").textContent), null, WAIT);
	// Rating again is offered as a change, closed by default.
	const again = b.page.locator(`.actions details:has(> summary:text-is("Change the rating (now 5/5)"))`);
	await again.waitFor(WAIT);
	assert.equal(await again.getAttribute("open"), null);
	await act(b.page, "Close", (f) => f.locator("textarea[name=text]").fill("Thank you; closing."));
	await b.page.waitForFunction(() => /· closed/.test(document.querySelector("h1 + p").textContent), null, WAIT);
});

await step("A's inbox: an ended case leaves the open list and is found under all cases; a filter never hides itself", async () => {
	await a.page.goto(`${A}/#/inbox`);
	await a.page.waitForSelector(`#inbox-count`, WAIT);
	await a.page.waitForFunction((r) => !document.querySelector(`tr[data-ref="${r}"]`), ref, { timeout: 45000 });
	await a.page.selectOption("#f-scope", "all");
	const row = a.page.locator(`tr.ended[data-ref="${ref}"]`);
	await row.waitFor(WAIT);
	assert.match(await row.textContent(), /closed/);
	await a.page.selectOption("#f-state", "closed");
	assert.match(await a.page.textContent("#inbox-count"), /^1 of \d+ cases match/);
	// Back to open cases: no case is closed there, but the filter still
	// shows "closed", and the page says nothing matches.
	await a.page.selectOption("#f-scope", "open");
	await a.page.waitForSelector(".empty .notice", WAIT);
	assert.equal(await a.page.$eval("#f-state", (e) => e.value), "closed");
	assert.match(await a.page.textContent(".empty"), /No case matches these filters/);
	await a.page.click(".empty button");
	assert.equal(await a.page.$eval("#f-state", (e) => e.value), "");
	await a.page.waitForSelector(".empty .notice:has-text('No open cases')", WAIT);
});

await step("a node that stops answering: a banner says since when, the page is dimmed, and it clears when the node is back", async () => {
	await a.page.goto(`${A}/#/case/${ref}`);
	await a.page.waitForSelector("ol.timeline li", WAIT);
	await a.page.route("**/api/**", (r) => r.abort());
	await a.page.waitForSelector("#conn:not([hidden])", WAIT);
	assert.match(await a.page.textContent("#conn"), /Not connected to this node since \d{4}-\d\d-\d\d \d\d:\d\d Asia\/Shanghai/);
	assert.equal(await a.page.evaluate(() => document.body.classList.contains("offline")), true);
	await shot(a.page, "12-offline");
	await a.page.unroute("**/api/**");
	await a.page.waitForSelector("#conn", { state: "hidden", timeout: 30000 });
	assert.match(await a.page.textContent("#status"), /Connected to the node again/);
});

await step("an unknown case says so in words and leads back", async () => {
	await a.page.goto(`${A}/#/case/deadbeef`);
	await a.page.waitForSelector("main h1", WAIT);
	assert.equal(await a.page.textContent("main h1"), "No case deadbeef on this node.");
	assert.equal(await a.page.getAttribute("main a", "href"), "#/inbox");
});

await step("record view: log position, verified inclusion proof, witnessed by the peer", async () => {
	await a.page.goto(`${A}/#/case/${ref}`);
	await a.page.waitForSelector("ol.timeline li", WAIT);
	// Our acknowledgement; the peer cosigns our checkpoint when it takes
	// our next bundle, so wait for the witness line.
	const href = await a.page.$eval("ol.timeline li.ours a.mono", (el) => el.getAttribute("href"));
	let text = "";
	for (let i = 0; i < 40; i++) {
		await a.page.goto(`${A}/${href}`);
		await a.page.waitForSelector("dl.kv", WAIT);
		text = await a.page.textContent("dl.kv");
		if (/witnessed by/.test(text)) break;
		await a.page.waitForTimeout(500);
	}
	assert.match(text, /entry \d+ \(the message we signed\)/);
	assert.match(text, /✓ verified/);
	assert.match(text, new RegExp(`witnessed by ${NB.replace(/\./g, "\\.")} at`));
	await axe(a.page, "record");
	await shot(a.page, "06-record");
});

await step("A raises a hotline; B's banner shows on every page with the roster walk; B acknowledges", async () => {
	await a.page.goto(`${A}/#/compose/hotline`);
	await a.page.waitForSelector("#c-to", WAIT);
	await a.page.selectOption("#c-to", NB);
	await a.page.fill("#c-title", "DDoS on the national payment gateway");
	await a.page.fill("#c-text", "Traffic from your networks; we need filtering now.");
	await a.page.click("form button[type=submit]");
	await a.page.waitForURL(/#\/case\//, { ...WAIT, waitUntil: "commit" });
	await a.page.waitForSelector(".hotline.out", WAIT);
	await b.page.goto(`${B}/#/contacts`);
	const banner = b.page.locator(".hotline:not(.out)");
	await banner.waitFor({ timeout: 45000 });
	assert.match(await banner.textContent(), new RegExp(`HOTLINE from ${NA.replace(/\./g, "\\.")}`));
	await b.page.waitForSelector(".hotline .walk .step:has-text('#1 ')", { timeout: 45000 });
	// B's node paged its duty officer by e-mail (the SMTP server above).
	await b.page.waitForSelector(".hotline .walk .dl:has-text('e-mail delivered')", { timeout: 45000 });
	await b.page.goto(`${B}/#/review`);
	await banner.waitFor(WAIT); // still there on another page
	await shot(b.page, "07-hotline-banner");
	await axe(b.page, "hotline banner");
	await banner.locator("button").click();
	await b.page.waitForSelector(".hotline:not(.out)", { state: "detached", timeout: 30000 });
	// The requester's banner goes once the acknowledgement arrives.
	await a.page.waitForSelector(".hotline.out", { state: "detached", timeout: 45000 });
});

await step("contacts and checks: directory with stale flags; a check is answered with its token", async () => {
	// A check from B to A's duty contact; the token goes by e-mail through
	// the SMTP server t_console.sh runs, into the maildir $MAILDIR.
	await b.page.goto(`${B}/#/contacts`);
	await b.page.waitForSelector("section.panel table", WAIT);
	assert.match(await b.page.textContent("main"), /stale/);
	await b.page.click(`button:has-text("Check duty")`);
	await b.page.waitForSelector("td:has-text('we check')", WAIT);
	await a.page.goto(`${A}/#/contacts`);
	const answerBtn = a.page.locator("button:has-text('Answer')").first();
	await answerBtn.waitFor({ timeout: 45000 });
	await axe(a.page, "contacts");
	await answerBtn.click();
	// No token: the answer would not count, so it is not sent.
	await a.page.click("#answer button[type=submit]");
	assert.match(await a.page.textContent("#answer .error"), /12-character token/);
	await a.page.fill("#ck-token", "ZZZZ-ZZZZ-ZZZZ");
	await a.page.click("#answer button[type=submit]");
	await a.page.waitForSelector("#answer .error", WAIT);
	assert.match(await a.page.textContent("#answer .error"), /token/i);
	const token = await mailedToken(`duty@${NA}`);
	assert.match(token, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/, "the e-mailed token");
	await a.page.fill("#ck-token", token);
	await a.page.click("#answer button[type=submit]");
	await a.page.waitForSelector("#answer .notice", WAIT);
	await shot(a.page, "08-contacts");
	await b.page.waitForSelector("td.ok:has-text('answered')", { timeout: 45000 });
});

await step("review: the report with its charts, and a CSV export", async () => {
	await b.page.goto(`${B}/#/review`);
	await b.page.waitForSelector("#r-peer", WAIT);
	await axe(b.page, "review");
	assert.match(await b.page.textContent("#r-period"), /00:00 to the end of .* in America\/New_York, this node's time zone: both days are included/);
	await b.page.click("form button[type=submit]");
	const frame = b.page.frameLocator("iframe.report");
	await frame.locator("svg").first().waitFor({ timeout: 60000 });
	const text = await frame.locator("body").textContent();
	assert.match(text, new RegExp(NA.replace(/\./g, "\\.")));
	assert.match(text, /Period\d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d, both days included, America\/New_York time/);
	assert.match(text, /Period in UTC/);
	await shot(b.page, "09-review");
	const [dl] = await Promise.all([b.page.waitForEvent("download", WAIT), b.page.click("button:has-text('Export CSV')")]);
	assert.match(dl.suggestedFilename(), /\.csv$/);
	const body = readFileSync(await dl.path(), "utf8");
	assert.match(body.split("\n")[0], /,/);
	// The period includes today (the "To" day is included): the request
	// worked above is in the signed JSON export, closed, rated 5.
	const [js] = await Promise.all([b.page.waitForEvent("download", WAIT), b.page.click("button:has-text('Export signed JSON')")]);
	const rep = JSON.parse(readFileSync(await js.path(), "utf8"));
	const row = rep.cases.find((c) => c.id.endsWith(ref));
	assert.ok(row, `case ${ref} in the report: ${rep.cases.map((c) => c.id)}`);
	assert.equal(row.score, 5);
});

await step("evidence: B uploads a file with progress, A's policy accepts it, the nodes move it; custody, findings and assessments in words", async () => {
	await b.page.goto(`${B}/#/case/${ref}`);
	await b.page.waitForSelector("section.evidence h2", WAIT);
	await b.page.click('section.evidence summary:text-is("Add evidence")');
	const buf = Buffer.alloc(3 * 1048576 + 17);
	for (let i = 0; i < buf.length; i++) buf[i] = (i * 2654435761) >>> 24;
	const sha = createHash("sha256").update(buf).digest("hex");
	const form = b.page.locator('section.evidence form[aria-label="Add evidence"]');
	await form.locator("input[type=file]").setInputFiles({ name: "relay.pcap", mimeType: "application/vnd.tcpdump.pcap", buffer: buf });
	await form.locator("input[name=exhibit]").fill("B-7");
	await form.locator("input[name=tool]").fill("tcpdump");
	await form.locator("input[name=tool_version]").fill("4.99.4");
	await form.locator("input[name=why]").fill("capture of the phishing host");
	await form.locator("button[type=submit]").click();
	// Progress is shown as the pieces go, then the item with its hash.
	await b.page.waitForSelector('section.evidence [role=progressbar][aria-valuenow="100"], section.evidence li.item', WAIT);
	await b.page.waitForSelector(`section.evidence li.item:has-text("B-7")`, WAIT);
	assert.match(await b.page.textContent("section.evidence li.item"), new RegExp(`SHA-256 ${sha}`));
	await axe(b.page, "case with evidence");
	await b.page.click(`section.evidence li.item button:text-is("Offer to ${NA}")`);
	// A's policy accepts, B's node pushes the chunks, A signs its receipt.
	await a.page.goto(`${A}/#/case/${ref}`);
	await a.page.waitForSelector(`section.evidence li.item:has-text("received and verified")`, { timeout: 60000 });
	await a.page.click('section.evidence li.item button:text-is("Chain of custody")');
	await a.page.waitForSelector("table.custody tbody tr", WAIT);
	const events = await a.page.$$eval("table.custody tbody tr td:nth-child(2)", (els) => els.map((e) => e.textContent));
	assert.deepEqual(events.slice(0, 4).map((e) => e.replace(/ \(.*\)$/, "")), ["acquired", "offered", "offer accepted", "received"]);
	assert.match(events[3], /accepted/);
	assert.match(await a.page.textContent("table.custody"), /witnessed by/);
	// A finding and an assessment (through the API), shown in words.
	const post = (path, data) => b.ctx.request.post(`${B}${path}`, { headers: { Authorization: `Bearer ${TB}` }, data });
	let r = await post(`/api/v1/cases/${ref}/findings`, { statement: "The page probably copies the bank's login.", method: "visual comparison" });
	assert.equal(r.status(), 422);
	r = await post(`/api/v1/cases/${ref}/findings`, { statement: "The page posts the login form to 203.0.113.7.", method: "capture review",
		tool: "tcpdump", tool_version: "4.99.4", steps: "tcpdump -r relay.pcap host 203.0.113.7", evidence: ["B-7"] });
	assert.equal(r.status(), 201);
	const f1 = (await r.json()).message;
	r = await post(`/api/v1/cases/${ref}/assessments`, { kind: "technical", claim: "The kit is the one seen in case 2026-118.",
		supporting: [f1.slice(0, 12)], likelihood: "likely", confidence: "moderate", source_reliability: "B",
		information_credibility: "2", would_change: "A different kit hash" });
	assert.equal(r.status(), 201);
	await a.page.waitForSelector("section.attrib li", { timeout: 45000 });
	const at = await a.page.textContent("section.attrib");
	assert.match(at, /likely \(55–80%\)/);
	assert.match(at, /moderate confidence/);
	assert.match(at, /usually reliable/);
	assert.match(at, /Supports at most: high confidence/);
	await axe(a.page, "case with findings");
	await shot(a.page, "09b-evidence");
});

await step("language switch: Chinese everywhere, remembered for this user in a new browser", async () => {
	await a.page.goto(`${A}/#/case/${ref}`);
	await a.page.waitForSelector("ol.timeline li", WAIT);
	await a.page.click("#lang");
	await a.page.waitForFunction(() => document.documentElement.lang === "zh-CN", null, WAIT);
	await a.page.waitForSelector(`.actions h2:text-is("操作"), h2:text-is("签名时间线")`, WAIT);
	assert.match(await a.page.textContent("#nav"), /收件箱/);
	assert.match(await a.page.textContent("ol.timeline"), /已确认/);
	await a.page.waitForSelector(`section.evidence li.item:has-text("已接收并核验")`, WAIT);
	assert.match(await a.page.textContent("section.attrib"), /可能（55–80%）/);
	assert.match(await a.page.textContent("section.attrib"), /中等置信度/);
	await axe(a.page, "case (zh)");
	await shot(a.page, "10-case-zh");
	await a.page.goto(`${A}/#/inbox`);
	await a.page.waitForSelector("table[data-rendered]", WAIT);
	await shot(a.page, "11-inbox-zh");
	// A new browser (no local storage) with the same token comes up in Chinese.
	const fresh = await open("A2", A);
	await login(fresh.page, TA);
	await fresh.page.waitForFunction(() => document.documentElement.lang === "zh-CN", null, WAIT);
	assert.match(await fresh.page.textContent("#nav"), /收件箱/);
	await fresh.ctx.close();
	await a.page.click("#lang"); // back to English for the others
	await a.page.waitForFunction(() => document.documentElement.lang === "en", null, WAIT);
	// Chosen on the sign-in page, a language is kept over the saved one.
	const pick = await open("A3", A);
	await pick.page.waitForSelector("#token", WAIT);
	await pick.page.click("#lang");
	await login(pick.page, TA);
	await pick.page.waitForTimeout(500);
	assert.equal(await pick.page.evaluate(() => document.documentElement.lang), "zh-CN");
	const me = await pick.page.evaluate(async (tok) => (await fetch("/api/v1/me", { headers: { Authorization: `Bearer ${tok}` } })).json(), TA);
	assert.equal(me.lang, "zh");
	await pick.page.click("#lang");
	await pick.page.waitForFunction(() => document.documentElement.lang === "en", null, WAIT);
	await pick.ctx.close();
});

await step("a token revoked mid-session: the sign-in page says why, and signing in again returns to the page", async () => {
	const s = await open("revoked", A);
	await login(s.page, TAT);
	await s.page.goto(`${A}/#/case/${ref}`);
	await s.page.waitForSelector("ol.timeline li", WAIT);
	execFileSync(env("PARLEY"), ["token", "revoke", "--dir", env("DIR_A"), "tempo"], { stdio: "ignore" });
	await s.page.waitForSelector("#token", WAIT);
	assert.match(await s.page.textContent(".login .notice"), /Your session ended: this node no longer accepts the token/);
	assert.ok(s.page.url().endsWith(`#/case/${ref}`), s.page.url());
	await login(s.page, TA);
	await s.page.waitForSelector("ol.timeline li", WAIT);
	assert.ok(s.page.url().endsWith(`#/case/${ref}`));
	await s.ctx.close();
});

await step("a narrow window: the header wraps, nothing is out of reach, wide tables scroll in place", async () => {
	const s = await open("narrow", A, { width: 400, height: 800 });
	await login(s.page, TA);
	for (const page of ["#/inbox", "#/contacts", `#/case/${ref}`]) {
		await s.page.goto(`${A}/${page}`);
		await s.page.waitForSelector("main h1", WAIT);
		await s.page.waitForTimeout(500);
		const box = await s.page.locator("#logout").boundingBox();
		assert.ok(box && box.x + box.width <= 400, `${page}: Log out at ${JSON.stringify(box)}`);
		const [w, wide] = await s.page.evaluate(() => [document.documentElement.scrollWidth,
			[...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > 401 &&
				!(e.parentElement && e.parentElement.getBoundingClientRect().right > 401))
				.slice(0, 3).map((e) => `${e.tagName}.${e.className} in ${e.parentElement.tagName}.${e.parentElement.className}`)]);
		assert.ok(w <= 401, `${page}: the page is ${w}px wide in a 400px window (${wide})`);
	}
	await s.page.goto(`${A}/#/inbox`);
	await s.page.waitForSelector("main h1", WAIT);
	await shot(s.page, "13-narrow");
	await s.ctx.close();
});

await step("a viewer sees no buttons it cannot use", async () => {
	const v = await open("viewer", A);
	await login(v.page, TAV);
	assert.equal(await v.page.isVisible("#nav a[href='#/compose']"), false);
	await v.page.goto(`${A}/#/case/${ref}`);
	await v.page.waitForSelector("ol.timeline li", WAIT);
	assert.equal(await v.page.isVisible(".actions"), false);
	await v.page.goto(`${A}/#/contacts`);
	await v.page.waitForSelector("section.panel table", WAIT);
	assert.equal(await v.page.locator("button:has-text('Answer'), button:has-text('Check ')").count(), 0);
	await v.ctx.close();
});

await step("feeds: B follows A's digest down to the delegation line that routed one event, in English and Chinese", async () => {
	const DAY = env("FEED_DAY");
	const href = `#/feeds/digest/${encodeURIComponent(NA)}/${DAY}/in`;
	// A ingests yesterday's report as of yesterday, and shares it today.
	const run = (args, extra = {}) => JSON.parse(execFileSync(env("PARLEY"),
		[...args, "--dir", env("DIR_A"), "--json"], { env: { ...process.env, ...extra } }).toString());
	const ing = run(["feed", "ingest", env("FEED_CSV")], { PARLEY_FAKE_NOW: `${DAY}T12:00:00Z` });
	assert.equal(ing[0].routed, 80);
	const fl = run(["feed", "flush"]);
	assert.equal(fl.digests, 1);
	// Delivered now (A's outbox may be waiting out a backoff from the
	// step that stopped B).
	assert.equal(run(["channel", "retry", NB]).delivered_ok, true);
	// The digest arrives through A's outbox; the page shows it once here.
	for (let i = 0; i < 60; i++) {
		await b.page.goto(`${B}/#/feeds`);
		await b.page.waitForSelector("#fd-dg", WAIT);
		if (await b.page.locator(`a[href="${href}"]`).count()) break;
		await new Promise((r) => setTimeout(r, 500));
	}
	assert.match(await b.page.textContent("#main"), new RegExp(`from ${NA.replace(/\./g, "\\.")}`));
	await axe(b.page, "feeds");
	await shot(b.page, "15-feeds");
	await b.page.click(`a[href="${href}"]`);
	await b.page.click("button:has-text('Check it now')");
	await b.page.waitForSelector("p.ok", WAIT);
	assert.match(await b.page.textContent("p.ok"), /the digest agrees/);
	await axe(b.page, "digest");
	await b.page.click("#fd-parts ~ table a[href^='#/feeds/att/']");
	await b.page.waitForSelector("table.list td a[href*='/feeds/att/']", WAIT);
	await b.page.click("table.list td a[href*='/feeds/att/']");
	await b.page.waitForSelector("#fd-delegation-line", WAIT);
	assert.match(await b.page.textContent("#fd-delegation-line"), /^arin\|US\|ipv4\|(198\.51\.100\.0\|256|203\.0\.113\.0\|200)\|20100101\|allocated$/);
	assert.match(await b.page.textContent("#main"), /matches its content/);
	await axe(b.page, "feed event");
	await shot(b.page, "16-feed-event");
	await b.page.click("#lang");
	await b.page.waitForFunction(() => document.documentElement.lang === "zh-CN", null, WAIT);
	await b.page.waitForSelector("h1:text-is('单个事件及其路由依据')", WAIT);
	assert.match(await b.page.textContent("#main"), /作出决定的那一行/);
	await axe(b.page, "feed event (zh)");
	await b.page.goto(`${B}/#/feeds`);
	await b.page.waitForSelector("h2:text-is('每日摘要')", WAIT);
	assert.match(await b.page.textContent("#nav"), /数据源/);
	await axe(b.page, "feeds (zh)");
	await shot(b.page, "17-feeds-zh");
	await b.page.click("#lang");
	await b.page.waitForFunction(() => document.documentElement.lang === "en", null, WAIT);
});

await step("a blocked channel: both consoles say which seq is held up and why; Deliver now clears it", async () => {
	// B's clock runs 10 minutes fast: A refuses B's next message.
	writeFileSync(env("STEP_B"), "600000");
	execFileSync(env("PARLEY"), ["case", "note", "--dir", env("DIR_B"), ref, "--text", "From a fast clock"],
		{ stdio: "ignore", env: { ...process.env, PARLEY_CLOCK_STEP_FILE: env("STEP_B") } });
	await a.page.goto(`${A}/#/inbox`);
	const atA = a.page.locator("#channels .channel.refused");
	await atA.waitFor({ timeout: 45000 });
	assert.match(await atA.textContent(), new RegExp(NB.replace(/\./g, "\\.")));
	assert.match(await atA.textContent(), /the sender's clock is wrong/);
	await b.page.goto(`${B}/#/inbox`);
	const atB = b.page.locator("#channels .channel.refused");
	await atB.waitFor({ timeout: 45000 });
	assert.match(await atB.textContent(), /BLOCKED at our message seq \d+/);
	assert.match(await atB.textContent(), /What to do|correct the clock/);
	await shot(b.page, "14-channel-blocked");
	await axe(b.page, "channel banner");
	// The clocks are put right (A's a little ahead stands in for the
	// time passing), and the duty officer delivers at once.
	writeFileSync(env("STEP_B"), "180000");
	writeFileSync(env("STEP_A"), "360000");
	await atB.locator("button").click();
	await b.page.waitForSelector("#channels .channel", { state: "detached", timeout: 45000 });
	await a.page.waitForSelector("#channels .channel", { state: "detached", timeout: 45000 });
	assert.equal(await a.page.isVisible("#channels"), false);
});

await step("no console errors and no missing strings on any page", async () => {
	assert.deepEqual(problems, []);
});

clearTimeout(kill);
await browser.close();
console.log(`${n - failed}/${n} steps passed; screenshots in ${ART}`);
process.exit(failed ? 1 : 0);
