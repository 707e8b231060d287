// People signing in to the console (issue 17), in Debian's chromium
// against the node tests/integration/t_signin_console.sh starts, with two
// people: alice (duty) and carol (analyst), both with the password
// "correct horse battery".  Environment: URL, SECRET_ALICE and
// SECRET_CAROL (their TOTP secrets, base32), ARTIFACTS.
import { createHmac } from "node:crypto";
import assert from "node:assert/strict";
import { harness, env, WAIT } from "./harness.mjs";

const URL = env("URL"), SA = env("SECRET_ALICE"), SC = env("SECRET_CAROL");
const PW = "correct horse battery", NEWPW = "battery staple horse";
const H = harness(env("ARTIFACTS"), { limitMs: 180000 });

// The TOTP code (RFC 6238: HMAC-SHA1, 30 s, six digits) of a base32
// secret at time step `step`.
function code(secret, step) {
	const A = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	let bits = "";
	for (const c of secret.replace(/=+$/, "")) bits += A.indexOf(c).toString(2).padStart(5, "0");
	const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
	const msg = Buffer.alloc(8);
	msg.writeBigUInt64BE(BigInt(step));
	const h = createHmac("sha1", key).update(msg).digest();
	const o = h[19] & 15;
	return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, "0");
}

async function signIn(page, user, password, otp) {
	await page.fill("#user", user);
	await page.fill("#password", password);
	await page.fill("#code", otp);
	await page.click("#signin-form button[type=submit]");
}

await H.start();
const { step } = H;
const a = await H.open("alice", URL);
// Each code is taken once, and the node takes one step either side of
// now: start early in a step so that the previous, this and the next one
// all hold while the test runs.
while (Math.floor(Date.now() / 1000) % 30 > 8) await new Promise((r) => setTimeout(r, 500));
const ST = Math.floor(Date.now() / 30000);

await step("the sign-in page asks for name, password and one-time code; a wrong password is refused", async () => {
	await a.page.waitForSelector("#signin-form #user", WAIT);
	assert.ok(await a.page.isVisible("#token-form #token"), "the API token form is there too");
	assert.equal(await a.page.getAttribute("#code", "autocomplete"), "one-time-code");
	await H.axe(a.page, "sign-in page");
	await H.shot(a.page, "signin-en");
	await signIn(a.page, "alice", "wrong password", code(SA, ST - 1));
	await a.page.waitForSelector("#signin-error .error", WAIT);
	assert.equal(await a.page.textContent("#signin-error"),
		"Wrong name, password or one-time code (a code is taken once, and your device's clock must be within 30 seconds).");
	assert.equal(await a.page.inputValue("#password"), "", "the wrong password is cleared");
});

await step("alice signs in with her password and code; the console acts as her", async () => {
	await signIn(a.page, "alice", PW, code(SA, ST - 1));
	await a.page.waitForSelector("#nav:not([hidden])", WAIT);
	assert.match(await a.page.textContent("#who"), /alice \(duty officer\)/);
	assert.ok(await a.page.isVisible("#passwd"), "a person's session may change its password");
	const tok = await a.page.evaluate(() => sessionStorage.getItem("parley.token"));
	assert.match(tok, /^pxs_/, "the session is kept for this tab only");
	await H.shot(a.page, "signin-alice-en");
});

await step("alice changes her password: the new one twice, the old one and a fresh code", async () => {
	await a.page.click("#passwd");
	await a.page.waitForSelector("#pw-form", WAIT);
	await H.axe(a.page, "password page");
	const fillPw = async (old, nw, again, otp) => {
		await a.page.fill("#pw-old", old);
		await a.page.fill("#pw-new", nw);
		await a.page.fill("#pw-again", again);
		await a.page.fill("#pw-code", otp);
		await a.page.click("#pw-form button[type=submit]");
	};
	await fillPw(PW, NEWPW, "battery staple horsy", code(SA, ST));
	await a.page.waitForSelector("#pw-error .error", WAIT);
	assert.equal(await a.page.textContent("#pw-error"), "The two new passwords differ.");
	await fillPw("wrong password", NEWPW, NEWPW, code(SA, ST));
	await a.page.waitForFunction(() => /Wrong name, password or one-time code/.test(document.querySelector("#pw-error").textContent), null, WAIT);
	await fillPw(PW, NEWPW, NEWPW, code(SA, ST));
	await a.page.waitForSelector("#pw-error .notice", WAIT);
	assert.equal(await a.page.textContent("#pw-error"), "Your password is changed. Your other sessions have ended.");
	assert.match(await a.page.textContent("#who"), /alice/, "this session goes on");
	await H.shot(a.page, "password-en");
});

await step("Log out ends the session on the node: its token is refused at once", async () => {
	const tok = await a.page.evaluate(() => sessionStorage.getItem("parley.token"));
	await a.page.click("#logout");
	await a.page.waitForSelector("#signin-form #user", WAIT);
	assert.equal(await a.page.evaluate(() => sessionStorage.getItem("parley.token")), null);
	const status = await a.page.evaluate(async (t) =>
		(await fetch("/api/v1/me", { headers: { Authorization: `Bearer ${t}` } })).status, tok);
	assert.equal(status, 401);
});

await step("alice signs in with the new password, and out again", async () => {
	await signIn(a.page, "alice", NEWPW, code(SA, ST + 1));
	await a.page.waitForSelector("#nav:not([hidden])", WAIT);
	assert.match(await a.page.textContent("#who"), /alice/);
	await a.page.click("#logout");
	await a.page.waitForSelector("#signin-form #user", WAIT);
});

const c = await H.open("carol", URL, { width: 400, height: 800 });

await step("in Chinese at 400 px: a wrong code is refused in Chinese, then carol signs in", async () => {
	await c.page.waitForSelector("#signin-form #user", WAIT);
	await c.page.click("#lang");
	await c.page.waitForFunction(() => document.querySelector("label[for=user]").textContent === "用户名", null, WAIT);
	assert.equal(await c.page.textContent("label[for=code]"), "一次性验证码");
	assert.equal(await c.page.textContent("#token-title"), "或使用 API 令牌登录");
	await signIn(c.page, "carol", PW, code(SC, ST + 9));
	await c.page.waitForSelector("#signin-error .error", WAIT);
	assert.match(await c.page.textContent("#signin-error"), /^用户名、密码或一次性验证码错误/);
	await H.axe(c.page, "sign-in page (zh, 400 px)");
	await H.shot(c.page, "signin-zh-400");
	await signIn(c.page, "carol", PW, code(SC, ST));
	await c.page.waitForSelector("#nav:not([hidden])", WAIT);
	assert.match(await c.page.textContent("#who"), /carol（分析员）/);
});

await step("carol's password page in Chinese at 400 px; she logs out", async () => {
	await c.page.click("#passwd");
	await c.page.waitForSelector("#pw-form", WAIT);
	assert.equal(await c.page.textContent("#pw-title"), "修改密码");
	assert.equal(await c.page.textContent("label[for=pw-old]"), "当前密码");
	await H.axe(c.page, "password page (zh, 400 px)");
	await H.shot(c.page, "password-zh-400");
	await c.page.click("#logout");
	await c.page.waitForSelector("#signin-form #user", WAIT);
	assert.equal(await c.page.textContent("#login-title"), "登录本 parley 节点");
});

await H.finish();
