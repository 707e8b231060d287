// The duty desk's rough edges (issue 17) in the console, in Debian's
// chromium against two live nodes that tests/integration/t_desk_console.sh
// starts: A (NAME_A, Asia/Shanghai, "zh, en") and B (NAME_B,
// America/New_York).  Environment: URL_A, URL_B, TOKEN_A, TOKEN_B (duty),
// NAME_A, NAME_B, ARTIFACTS, PARLEY and DIR_B (the CLI reads what the
// console typed, to show both take the same input).
import { execFileSync } from "node:child_process";
import assert from "node:assert/strict";
import { harness, env, WAIT } from "./harness.mjs";

const A = env("URL_A"), B = env("URL_B"), NA = env("NAME_A"), NB = env("NAME_B");
const TA = env("TOKEN_A"), TB = env("TOKEN_B");
const H = harness(env("ARTIFACTS"));
await H.start();
const { step } = H;
const a = await H.open("A", A), b = await H.open("B", B);
let ref = null;

// Opens the action form named `label` (the first one starts open; a click
// on its summary would close it).
async function openAction(page, label) {
	await page.waitForSelector("section.actions details summary", WAIT);
	await page.$$eval("section.actions details", (ds, l) => {
		for (const d of ds) if (d.querySelector("summary").textContent === l) d.open = true;
	}, label);
	return page.locator(`form[aria-label='${label}']`);
}

// The observables typed into the form, as people paste them.
const PASTED = ["hxxps://bank-login[.]example/verify", "例子.中国", "203.0.113.7"];

await step("sign in at both nodes", async () => {
	await H.login(a.page, TA);
	await H.login(b.page, TB);
});

await step("compose reads observables with the node's parser: defanged, bare and IDN (shown in both forms)", async () => {
	await b.page.goto(`${B}/#/compose/request`);
	await b.page.waitForSelector("#c-to", WAIT);
	await b.page.fill("#c-obs", [...PASTED, "198.51.100.5/24", "hello"].join("\n"));
	const obs = b.page.locator("ul.obs");
	await b.page.waitForFunction(() => !/…/.test(document.querySelector("ul.obs").textContent), null, WAIT);
	const text = await obs.textContent();
	assert.match(text, /✓ url https:\/\/bank-login\.example\/verify/);
	assert.match(text, /✓ domain-name xn--fsqu00a\.xn--fiqs8s \(例子\.中国\)/);
	assert.match(text, /✓ ipv4-addr 203\.0\.113\.7/);
	assert.match(text, /host bits are set \(did you mean 198\.51\.100\.0\/24\?\)/);
	assert.match(text, /'hello' is not an observable parley recognises/);
	assert.match(await b.page.textContent("#c-obs-err"), /2 line/);
	// The command line takes the same lines and refuses the same ones.
	for (const [line, ok] of [...PASTED.map((l) => [l, true]), ["198.51.100.5/24", false], ["hello", false]]) {
		let rc = 0;
		try {
			execFileSync(env("PARLEY"), ["case", "new", "--dir", env("DIR_B"), "--to", "cert-nowhere.example",
				"--kind", "request", "--category", "other", "--title", "t", "--text", "t", "--observable", line], { stdio: "pipe" });
		} catch (e) { rc = e.status; }
		// 4: the unknown peer, reached only once the observable was read.
		assert.equal(rc, ok ? 4 : 3, `parley case new --observable '${line}' exited ${rc}`);
	}
	await b.page.fill("#c-obs", PASTED.join("\n"));
	await b.page.selectOption("#c-to", NA);
	await b.page.fill("#c-title", "Counterfeit bank login");
	await b.page.fill("#c-text", "Please take it down.");
	await H.axe(b.page, "compose with observables");
	await b.page.click("form button[type=submit]");
	await b.page.waitForURL(/#\/case\/[0-9a-f]+$/, { ...WAIT, waitUntil: "commit" });
	ref = b.page.url().split("/").pop();
	await b.page.waitForSelector("ul.obs li", WAIT);
	const shown = await b.page.textContent("ul.obs");
	assert.match(shown, /domain-name\s*xn--fsqu00a\.xn--fiqs8s\s*\(例子\.中国\)/);
	// One name per type: the STIX name, as the CLI and the API say it.
	assert.deepEqual(await b.page.$$eval("ul.obs li span.t", (x) => x.map((e) => e.textContent)),
		["url", "domain-name", "ipv4-addr"]);
});

await step("before an answer, close and rate are not offered; withdraw is", async () => {
	await b.page.waitForSelector("section.actions details summary", WAIT);
	const acts = await b.page.$$eval("section.actions details summary", (x) => x.map((e) => e.textContent));
	assert.ok(acts.includes("Withdraw"), acts.join(", "));
	// The page says whose move it is, as the inbox does.
	assert.match(await b.page.textContent("#move"), new RegExp(`^${NA.replace(/\./g, "\\.")} owes — Acknowledge: .* left \\(by `));
	assert.ok(!acts.includes("Close") && !acts.some((x) => /Rate/.test(x)), acts.join(", "));
});

await step("an update adds an observable; the peer's case lists it", async () => {
	const form = await openAction(b.page, "Send an update");
	await form.locator("textarea[name=text]").fill("One more address.");
	await form.locator("textarea[name=observables]").fill("198.51.100[.]0/24");
	await form.locator("button[type=submit]").click();
	await b.page.waitForFunction(() => /198\.51\.100\.0\/24/.test(document.querySelector("ul.obs").textContent), null, WAIT);
	await a.page.goto(`${A}/#/case/${ref}`);
	await a.page.waitForSelector("#move", WAIT);
	assert.match(await a.page.textContent("#move"), /^We owe — Acknowledge: .* left/);
	await a.page.waitForFunction(() => document.querySelector("ul.obs") &&
		/198\.51\.100\.0\/24/.test(document.querySelector("ul.obs").textContent), null, { timeout: 45000 });
});

await step("a note is internal by default: marked here, never at the peer (its view and its page)", async () => {
	await b.page.goto(`${B}/#/case/${ref}`);
	let form = await openAction(b.page, "Add a note");
	assert.equal(await form.locator("input[name=share]").isChecked(), false);
	assert.match(await form.textContent(), new RegExp(`Send it to ${NA.replace(/\./g, "\\.")}`));
	await form.locator("textarea[name=text]").fill("INTERNAL-ONLY: legal says wait");
	await form.locator("button[type=submit]").click();
	const li = b.page.locator("ol.timeline li.internal");
	await li.waitFor(WAIT);
	assert.match(await li.textContent(), /Internal note.*not sent to cert-beijing\.example.*by bob/s);
	assert.match(await li.textContent(), /INTERNAL-ONLY: legal says wait/);
	await H.axe(b.page, "case with an internal note");
	await H.shot(b.page, "desk-internal-note");
	// A note sent on purpose reaches the peer; the internal one never does.
	form = await openAction(b.page, "Add a note");
	await form.locator("textarea[name=text]").fill("Shared: we are on it");
	await form.locator("input[name=share]").check();
	await form.locator("button[type=submit]").click();
	await a.page.goto(`${A}/#/case/${ref}`);
	await a.page.waitForFunction(() => /Shared: we are on it/.test(document.querySelector("ol.timeline").textContent), null, { timeout: 45000 });
	assert.doesNotMatch(await a.page.textContent("main"), /INTERNAL-ONLY/);
	assert.equal(await a.page.locator("ol.timeline li.internal").count(), 0);
	const view = await a.page.evaluate(async (r) => {
		const { api } = await import("/static/util.js");
		return api("GET", `/api/v1/cases/${r}`);
	}, ref);
	assert.deepEqual(view.internal_notes, []);
	assert.doesNotMatch(JSON.stringify(view), /INTERNAL-ONLY/);
});

await step("assignment: the case page names who holds it; the inbox filters mine and unassigned; the peer sees nothing", async () => {
	await a.page.goto(`${A}/#/case/${ref}`);
	await a.page.waitForSelector("#desk-assign", WAIT);
	assert.match(await a.page.textContent("#desk strong"), /^Unassigned$/);
	assert.deepEqual(await a.page.$$eval("#desk-assign option", (x) => x.map((o) => o.textContent)),
		["nobody", "duty", "alice (me)", "carol"]);
	await a.page.selectOption("#desk-assign", "alice");
	await a.page.waitForFunction(() => document.querySelector("#desk strong").textContent === "Assigned to alice", null, WAIT);
	await H.axe(a.page, "case with an assignee");
	await a.page.goto(`${A}/#/inbox`);
	await a.page.reload();
	await a.page.waitForSelector("table.inbox tr.row", WAIT);
	const all = await a.page.locator("table.inbox tr.row").count();
	await a.page.selectOption("#f-holder", "mine");
	await a.page.waitForFunction(() => document.querySelectorAll("table.inbox tr.row").length === 1, null, WAIT);
	assert.equal(await a.page.getAttribute("table.inbox tr.row", "data-ref"), ref);
	assert.match(await a.page.textContent("table.inbox tr.row td.peer"), /Assigned to alice/);
	await a.page.selectOption("#f-holder", "none");
	await a.page.waitForFunction((n) => document.querySelectorAll("table.inbox tr.row").length === n - 1, all, WAIT);
	assert.equal(await a.page.locator(`table.inbox tr.row[data-ref='${ref}']`).count(), 0);
	await a.page.selectOption("#f-holder", "");
	// Kept at A only: B's view of the case names nobody.
	const view = await b.page.evaluate(async (r) => {
		const { api } = await import("/static/util.js");
		return api("GET", `/api/v1/cases/${r}`);
	}, ref);
	assert.deepEqual(view.desk, { assignee: null, since: null, watchers: [] });
});

await step("in Chinese, a 129-character Chinese title is sent (limits count characters), a text too long is said in Chinese", async () => {
	await a.page.click("#lang");
	await a.page.waitForFunction(() => document.documentElement.lang === "zh-CN", null, WAIT);
	await a.page.goto(`${A}/#/compose/report`);
	await a.page.waitForSelector("#c-to", WAIT);
	await a.page.selectOption("#c-to", NB);
	await a.page.fill("#c-text", "字".repeat(65537));
	await a.page.waitForFunction(() => /最多 65,536 个字符（当前 65537 个）/.test(document.querySelector("#c-text-err").textContent), null, WAIT);
	await a.page.fill("#c-text", "见附件。");
	await a.page.fill("#c-title", "钓".repeat(129));
	assert.equal(await a.page.textContent("#c-title-err"), "");
	await a.page.click("form button[type=submit]");
	await a.page.waitForURL(/#\/case\/[0-9a-f]+$/, { ...WAIT, waitUntil: "commit" });
	await a.page.waitForSelector("main h1", WAIT);
	assert.match(await a.page.textContent("main h1"), /钓{129}/);
});

for (const [lang, who] of [["en", "B"], ["zh", "A"]]) {
	await step(`at 400 px (${lang}) each case is a card that starts with its title and peer`, async () => {
		const url = who === "A" ? A : B;
		const s = await H.open(`narrow-${lang}`, url, { width: 400, height: 800 });
		await H.login(s.page, who === "A" ? TA : TB);
		await s.page.goto(`${url}/#/inbox`);
		await s.page.waitForSelector("table.inbox tr.row", WAIT);
		assert.equal(await s.page.evaluate(() => document.documentElement.lang), lang === "zh" ? "zh-CN" : "en");
		for (const row of await s.page.locator("table.inbox tr.row").all()) {
			const title = await row.locator("td.title a").boundingBox();
			const peer = await row.locator("td.peer").boundingBox();
			const card = await row.boundingBox();
			assert.ok(title && peer && card, "title, peer and card are shown");
			assert.ok(title.x >= 0 && title.x + title.width <= 400, `title at ${JSON.stringify(title)}`);
			assert.ok(peer.x + peer.width <= 400, `peer at ${JSON.stringify(peer)}`);
			// Title first, then the peer, at the top of the card.
			assert.ok(title.y < peer.y && title.y - card.y < 30, `title ${JSON.stringify(title)} card ${JSON.stringify(card)}`);
			assert.match(await row.locator("td.peer").textContent(), /cert-/);
			// Who owes what by when wraps inside the card.
			const urg = await row.locator("td.urg").evaluate((e) => { const r = document.createRange(); r.selectNodeContents(e); return r.getBoundingClientRect().right; });
			assert.ok(urg <= card.x + card.width, `the clock's words end at ${urg}, past the card`);
		}
		const w = await s.page.evaluate(() => document.documentElement.scrollWidth);
		assert.ok(w <= 401, `the inbox is ${w}px wide in a 400px window`);
		await H.axe(s.page, `narrow inbox (${lang})`);
		await H.shot(s.page, `desk-narrow-inbox-${lang}`);
		await s.ctx.close();
	});
}

await step("the review's default period ends today in the node's zone; To is included", async () => {
	// A is in Asia/Shanghai; the browser's clock is read in that zone.
	const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
	await a.page.goto(`${A}/#/review`);
	await a.page.waitForSelector("#r-to", WAIT);
	assert.equal(await a.page.inputValue("#r-to"), today);
	// A period of today alone holds today's cases, as `parley report
	// --from D --to D` does.
	const n = await a.page.evaluate(async ([peer, d]) => {
		const { api } = await import("/static/util.js");
		return (await api("GET", `/api/v1/reports?peer=${peer}&from=${d}&to=${d}`)).cases.length;
	}, [NB, today]);
	assert.ok(n >= 2, `today's report at A holds ${n} cases`);
	await a.page.click("#lang"); // back to English
	await a.page.waitForFunction(() => document.documentElement.lang === "en", null, WAIT);
});

await step("the inbox leads with what waits on us and says in words who owes what by when", async () => {
	await a.page.goto(`${A}/#/inbox`);
	await a.page.reload();
	await a.page.waitForSelector("table.inbox tr.row", WAIT);
	const rows = await a.page.$$eval("table.inbox tr.row", (x) => x.map((r) => [r.dataset.move, r.querySelector("td.urg").textContent]));
	const moves = rows.map((r) => r[0]);
	// B's request waits on us (our clocks run); our report waits on B.
	assert.deepEqual([...moves].sort((p, q) => (p === "us" ? 0 : 1) - (q === "us" ? 0 : 1)), moves, `order: ${moves}`);
	const ours = rows.find((r) => r[0] === "us"), theirs = rows.find((r) => r[0] === "them");
	assert.ok(ours && theirs, JSON.stringify(rows));
	assert.match(ours[1], /^We owe — (Acknowledge|Triage|First response|Resolution): .* left \(by \d\d-\d\d \d\d:\d\d\)/);
	assert.match(theirs[1], new RegExp(`^${NB.replace(/\./g, "\\.")} owes — `));
	await a.page.check("#f-ours");
	await a.page.waitForFunction(() => [...document.querySelectorAll("table.inbox tr.row")].every((r) => r.dataset.move === "us"), null, WAIT);
	assert.ok(await a.page.locator("table.inbox tr.row").count() >= 1);
	await H.axe(a.page, "inbox, waiting on us");
	await a.page.uncheck("#f-ours");
});

await step("search by an observable finds a closed case; the case page says where it was seen before", async () => {
	// The request is answered at A and closed at B: it leaves the inbox.
	const post = (page, path, body) => page.evaluate(async ([p, b]) => {
		const { api } = await import("/static/util.js");
		return api("POST", p, b);
	}, [path, body]);
	await post(a.page, `/api/v1/cases/${ref}/result`, { text: "Taken down", outcome: "resolved" });
	await b.page.goto(`${B}/#/case/${ref}`);
	await b.page.waitForFunction(() => /resolved/.test(document.querySelector("h1 + p")?.textContent || ""), null, { timeout: 45000 });
	await post(b.page, `/api/v1/cases/${ref}/close`, {});
	// A new report from B names the same address, defanged.
	const r = await post(b.page, "/api/v1/cases", { to: NA, kind: "report", category: "botnet", title: "Beacon again",
		text: "Seen again today", observables: ["203.0.113[.]7"] });
	await b.page.goto(`${B}/#/case/${r.ref}`);
	await b.page.waitForSelector("ul.related li", WAIT);
	const rel = await b.page.textContent("ul.related");
	assert.match(rel, new RegExp(`203\\.0\\.113\\.7 also in a case with ${NA.replace(/\./g, "\\.")}, opened \\d{4}-\\d\\d-\\d\\d \\(closed\\): Counterfeit bank login`));
	await b.page.goto(`${B}/#/inbox`);
	await b.page.reload();
	await b.page.waitForSelector("#f-q", WAIT);
	await b.page.fill("#f-q", "203.0.113[.]7");
	await b.page.waitForSelector("section.found li", WAIT);
	const found = await b.page.textContent("section.found");
	assert.match(found, /Read as the observable ipv4-addr 203\.0\.113\.7/);
	assert.match(found, /Counterfeit bank login.*\(closed\)/s);
	assert.match(found, /Beacon again/);
	await H.axe(b.page, "inbox search over all cases");
	await H.shot(b.page, "desk-search");
});

await step("alerts on arrival: a new case and an awaited answer are counted in the tab title and notified", async () => {
	// The browser's notifications, recorded (permission granted).
	const init = () => {
		window.__notes = [];
		window.Notification = class {
			constructor(title, o) { window.__notes.push([title, o && o.body]); }
			static get permission() { return "granted"; }
			static requestPermission() { return Promise.resolve("granted"); }
		};
	};
	const a2 = await H.open("A-alerts", A, undefined, { init });
	const b2 = await H.open("B-alerts", B, undefined, { init });
	await H.login(a2.page, TA);
	await H.login(b2.page, TB);
	await a2.page.waitForSelector("table.inbox", WAIT);
	await b2.page.waitForSelector("table.inbox", WAIT);
	await a2.page.waitForTimeout(3500); // one poll: what is there now is known
	const r = await b2.page.evaluate(async (to) => {
		const { api } = await import("/static/util.js");
		return api("POST", "/api/v1/cases", { to, kind: "request", category: "phishing", priority: "P2",
			title: "Urgent: new kit", text: "Please look", request_type: "information" });
	}, NA);
	await a2.page.waitForFunction(() => /^\(1\) 1 new — parley$/.test(document.title), null, { timeout: 45000 });
	const notes = await a2.page.evaluate(() => window.__notes);
	assert.deepEqual(notes, [[`Request from ${NB} (${r.ref}): new`, "P2 · Urgent: new kit"]]);
	// Opening the case is seeing it.
	await a2.page.goto(`${A}/#/case/${r.ref}`);
	await a2.page.waitForFunction(() => document.title === "parley", null, WAIT);
	// A asks for information: at B the case now waits on B, an answer.
	await b2.page.waitForTimeout(3500);
	await a2.page.evaluate(async (ref) => {
		const { api } = await import("/static/util.js");
		await api("POST", `/api/v1/cases/${ref}/triage`, { decision: "needs-info", reason: "insufficient-information", text: "Which URL?" });
	}, r.ref);
	await b2.page.waitForFunction(() => /^\(1\) 1 new — parley$/.test(document.title), null, { timeout: 45000 });
	assert.deepEqual(await b2.page.evaluate(() => window.__notes.map((x) => x[0])),
		[`${NA} answered: Request ${r.ref} now waits on us`]);
	await a2.ctx.close();
	await b2.ctx.close();
});

await H.finish();
