// The publishing card (issue 17, item 6): an administrator of node A
// adds a contact and an on-call roster in the console; A re-signs its
// card.  tests/integration/t_publish_console.sh starts A and B and
// checks, after this run, that B pins the new card and sees them.
// Environment: URL_A, TOKEN_A (admin), ARTIFACTS.
import assert from "node:assert/strict";
import { harness, env, WAIT } from "./harness.mjs";

const H = harness(env("ARTIFACTS"), { limitMs: 150000 });
await H.start();
const { step } = H;
const a = await H.open("A", env("URL_A"));

async function published(page, v) {
	await page.waitForFunction((n) => (document.querySelector("#pub-error") || {}).textContent === `Published: card version ${n}. Peers pin it with parley peer add.`, v, WAIT);
}

await step("the publishing card is on the contacts page for an administrator", async () => {
	await H.login(a.page, env("TOKEN_A"));
	await a.page.goto(`${env("URL_A")}/#/contacts`);
	await a.page.waitForSelector("#publishing #pub-roster", WAIT);
	assert.equal(await a.page.inputValue("#pub-roster"), "", "no roster yet");
	await H.axe(a.page, "contacts with the publishing card");
});

await step("a new contact is published: the card goes to version 2 and the table lists her", async () => {
	await a.page.fill("#pub-id", "night");
	await a.page.fill("#pub-name", "Zhang Min");
	await a.page.selectOption("#pub-role", "technical");
	await a.page.fill("#pub-email", "night@beijing.example");
	await a.page.fill("#pub-hours", "18:00-09:00");
	await a.page.click("#pub-contact-go");
	await published(a.page, 2);
	await a.page.waitForFunction(() => /Zhang Min/.test(document.querySelector("section.panel table").textContent), null, WAIT);
	assert.match(await a.page.textContent("section.panel h2 .muted"), /card v2/);
});

await step("a roster naming an unknown contact is refused, and nothing changes", async () => {
	await a.page.fill("#pub-roster", "Mon 09:00 duty, Fri 18:00 nobody");
	await a.page.click("#pub-roster-go");
	await a.page.waitForSelector("#pub-error .error", WAIT);
	assert.match(await a.page.textContent("#pub-error"), /nobody/);
	assert.match(await a.page.textContent("section.panel h2 .muted"), /card v2/);
});

await step("the roster is published: version 3, and the page says who is on call", async () => {
	await a.page.fill("#pub-roster", "Mon 09:00 duty, Fri 18:00 night");
	await a.page.click("#pub-roster-go");
	await published(a.page, 3);
	await a.page.waitForFunction(() => /card v3/.test(document.querySelector("section.panel h2 .muted").textContent), null, WAIT);
	assert.match(await a.page.textContent("section.panel"), /On call now: (night|duty)/);
	await H.shot(a.page, "publish-en");
});

await step("the publishing card in Chinese at 400 px", async () => {
	const z = await H.open("A-zh", env("URL_A"), { width: 400, height: 800 });
	await H.login(z.page, env("TOKEN_A"));
	await z.page.click("#lang");
	await z.page.goto(`${env("URL_A")}/#/contacts`);
	await z.page.waitForSelector("#publishing", WAIT);
	await z.page.waitForFunction(() => document.querySelector("#pub-h").textContent === "发布名片", null, WAIT);
	assert.equal(await z.page.textContent("#pub-roster-go"), "发布值班表");
	assert.equal(await z.page.inputValue("#pub-roster"), "Mon 09:00 duty, Fri 18:00 night");
	await H.axe(z.page, "publishing card (zh, 400 px)");
	await H.shot(z.page, "publish-zh-400");
});

await H.finish();
