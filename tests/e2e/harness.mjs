// What a browser test of the console needs around its steps: chromium
// (Debian's, through playwright-core), one context per person, sign-in,
// screenshots, axe (WCAG 2.1 A/AA), and "ok"/"not ok" lines per step.
// console.test.mjs predates it and carries its own copy.
import { chromium } from "playwright-core";
import { readFileSync, mkdirSync } from "node:fs";
import assert from "node:assert/strict";
import { axe } from "./axe.mjs";

export const WAIT = { timeout: 30000 };

export function env(k) {
	if (!process.env[k]) throw new Error(`${k} is not set`);
	return process.env[k];
}

// A run: start() launches the browser; step(name, fn) runs and reports one
// step (a screenshot of every open page when it fails); finish() closes and
// exits 1 if a step failed or a page logged an error or a missing string.
export function harness(art, { limitMs = 300000 } = {}) {
	mkdirSync(art, { recursive: true });
	const pages = new Map(); // who -> page
	const problems = [];
	let browser = null, failed = 0, n = 0, kill = null;
	const h = {
		problems,
		async start() {
			browser = await chromium.launch({
				executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
				args: ["--no-sandbox", "--disable-gpu", "--lang=en-US"],
				timeout: 60000,
			});
			kill = setTimeout(() => { console.log(`not ok - the whole run took over ${limitMs / 1000} s`); process.exit(1); }, limitMs);
		},
		// A person's browser at `url`; the page is kept under `who`.
		// `init` (optional) runs in every page before the console's code.
		async open(who, url, viewport = { width: 1280, height: 860 }, { init, ...extra } = {}) {
			const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport, ...extra });
			if (init) await ctx.addInitScript(init);
			const page = await ctx.newPage();
			page.on("console", (m) => {
				const txt = m.text();
				if ((m.type() === "error" && !/status of (401|404|409|422)|ERR_FAILED/.test(txt)) || /missing (en|zh) string/.test(txt))
					problems.push(`${who}: ${m.type()}: ${txt}`);
			});
			page.on("pageerror", (e) => problems.push(`${who}: page error: ${e.message}`));
			await page.goto(url);
			pages.set(who, page);
			return { ctx, page };
		},
		async login(page, token) {
			await page.fill("#token", token);
			await page.click("#token-form button[type=submit]");
			await page.waitForSelector("#nav:not([hidden])", WAIT);
		},
		async shot(page, name) {
			await page.screenshot({ path: `${art}/${name}.png`, fullPage: true });
		},
		axe,
		async step(name, fn) {
			n++;
			try {
				await fn();
				console.log(`ok ${n} - ${name}`);
			} catch (e) {
				failed++;
				console.log(`not ok ${n} - ${name}\n  ${String(e.stack || e).split("\n").slice(0, 6).join("\n  ")}`);
				for (const [who, p] of pages) {
					if (p.isClosed()) continue;
					await p.screenshot({ path: `${art}/failed-${n}-${who}.png`, fullPage: true }).catch(() => {});
					console.log(`  ${who} at ${p.url()}`);
				}
			}
		},
		async finish() {
			await h.step("no console errors and no missing strings on any page", async () => {
				assert.deepEqual(problems, []);
			});
			clearTimeout(kill);
			await browser.close();
			console.log(`${n - failed}/${n} steps passed; screenshots in ${art}`);
			process.exit(failed ? 1 : 0);
		},
	};
	return h;
}
