// One accessibility check for every browser test.
//
// axe reads the page while the console may re-render it (it polls every
// few seconds); nodes replaced during a run are reported against ":root"
// or a selector that no longer exists.  A run during which the DOM changed
// is not trusted: it is run again, and only a run over a still page (or
// the last of five) decides.  A violation that stays on a still page fails.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import assert from "node:assert/strict";

const source = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export async function axe(page, what) {
	await page.evaluate(source);
	for (let i = 0; ; i++) {
		const { v, moved } = await page.evaluate(async () => {
			let moved = 0;
			const mo = new MutationObserver((l) => { moved += l.length; });
			mo.observe(document, { subtree: true, childList: true, characterData: true });
			const r = await globalThis.axe.run(document, {
				runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
			});
			moved += mo.takeRecords().length;
			mo.disconnect();
			return {
				v: r.violations.map((x) => `${x.id} (${x.impact}): ${x.nodes.slice(0, 3).map((nd) => nd.target.join(" ")).join(", ")}`),
				moved,
			};
		});
		if (v.length === 0 || moved === 0 || i === 4) {
			assert.deepEqual(v, [], `${what}: accessibility violations${moved ? " (the page kept changing during the check)" : ""}`);
			return;
		}
		await page.waitForTimeout(300);
	}
}
