// The console's shell: sign-in (a person's name, password and one-time
// code, or an API token), the router, the header, the
// language switch, the hotline banner and the polling that keeps every
// page current without a reload.
import { t, lang, setLang, applyStatic } from "./i18n.js";
import { h, api, session, can, say, errorBox, errorLine, fill, fmtTime } from "./util.js";
import { hotlineBanner } from "./hotline.js";
import { arrivals, seen, resetAlerts } from "./alerts.js";
import { channelBanner } from "./channels.js";
import * as inbox from "./inbox.js";
import * as caseView from "./case.js";
import * as compose from "./compose.js";
import * as contacts from "./contacts.js";
import * as review from "./review.js";
import * as record from "./record.js";
import * as exercises from "./exercises.js";
import * as feeds from "./feeds.js";
import * as password from "./password.js";

const POLL_MS = 3000;
const main = () => document.getElementById("main");
let view = null; // the current view's {poll, stop}
let timer = null;
let navSeq = 0;
let offlineSince = null; // when the node stopped answering, or null
let langChosen = false;  // the language was switched on the login page
let ended = false;       // the session ended by a 401 (not by "Log out")

const routes = [
	[/^#\/(inbox)?$/, inbox],
	[/^#\/case\/([^/]+)$/, caseView],
	[/^#\/compose(?:\/(report|request|hotline))?$/, compose],
	[/^#\/contacts$/, contacts],
	[/^#\/review$/, review],
	[/^#\/record\/([0-9a-f]+)$/, record],
	[/^#\/password$/, password],
	[/^#\/exercises$/, exercises],
	[/^#\/exercise\/([0-9a-f-]+)$/, exercises],
	[/^#\/feeds(?:\/(file|queue|digest|att))?(?:\/([^/]+))?(?:\/([^/]+))?(?:\/([^/]+))?$/, feeds],
];

function store() {
	return localStorage.getItem("parley.token") ? localStorage : sessionStorage;
}

async function route() {
	const seq = ++navSeq;
	if (view && view.stop) view.stop();
	view = null;
	if (!session.me) return loginView();
	const hash = location.hash || "#/inbox";
	const opened = /^#\/case\/([0-9a-f-]+)$/.exec(hash);
	if (opened) seen(opened[1]);
	let mod = null, m = null;
	for (const [re, v] of routes) if ((m = re.exec(hash))) { mod = v; break; }
	for (const a of document.querySelectorAll("#nav a")) {
		if (hash.startsWith(a.getAttribute("href"))) a.setAttribute("aria-current", "page");
		else a.removeAttribute("aria-current");
	}
	const el = main();
	fill(el, h("p", { class: "loading" }, t("loading")));
	if (!mod) {
		fill(el, h("h1", {}, t("notfound")), h("p", {}, h("a", { href: "#/inbox" }, t("nav.inbox"))));
		return;
	}
	try {
		const v = await mod.render(el, m.slice(1));
		if (seq !== navSeq) { if (v && v.stop) v.stop(); return; }
		view = v || null;
	} catch (e) {
		if (seq === navSeq) fill(el, errorBox(e));
	}
}

// The connection banner: shown from the first poll the node does not
// answer until one it does; the page below is dimmed as possibly stale.
function connection(ok) {
	const box = document.getElementById("conn");
	const now = new Date().toISOString();
	if (ok) {
		if (offlineSince) say(t("online", { t: fmtTime(now, session.me.timezone) }));
		offlineSince = null;
		box.hidden = true;
		document.body.classList.remove("offline");
		return;
	}
	if (!offlineSince) offlineSince = now;
	box.textContent = t("offline", { t: fmtTime(offlineSince, session.me ? session.me.timezone : "UTC") });
	box.hidden = false;
	document.body.classList.add("offline");
}

async function tick() {
	clearTimeout(timer);
	const live = document.getElementById("live");
	if (session.me) {
		try {
			await hotlineBanner();
			await channelBanner();
			await exercises.exerciseBanner();
			await arrivals();
			if (view && view.poll) await view.poll();
			connection(true);
			live.textContent = t("live", { t: fmtTime(new Date().toISOString(), session.me.timezone) });
		} catch (e) {
			if (e.status === 0) connection(false);
			else if (session.me) live.textContent = t("err.poll", { e: errorLine(e) });
		}
	} else {
		live.textContent = "";
	}
	timer = setTimeout(tick, POLL_MS);
}

function showShell() {
	const me = session.me;
	document.getElementById("nav").hidden = !me;
	document.getElementById("logout").hidden = !me;
	document.getElementById("passwd").hidden = !me || !me.session;
	document.getElementById("who").textContent = me
		? t("who", { node: me.node, token: me.token, role: t(`role.${me.role}`) }) : "";
	for (const el of document.querySelectorAll("[data-role]"))
		el.hidden = !me || !can(el.dataset.role);
}

function loginView() {
	showShell();
	fill(document.getElementById("hotlines"));
	fill(document.getElementById("channels"));
	fill(document.getElementById("exercises"));
	document.getElementById("exercises").hidden = true;

	document.getElementById("channels").hidden = true;
	connection(true);
	fill(main(), personForm(), tokenForm());
	document.getElementById("user").focus();
	performance.mark("login-rendered");
}

// A person signs in with their name, password and the code of their
// authenticator app: the node answers with a session for one shift.
function personForm() {
	const err = h("div", { id: "signin-error" });
	const input = (id, key, attrs) => [h("label", { for: id }, t(key)), h("input", { id, name: id, required: true, ...attrs })];
	const form = h("form", { class: "panel login", id: "signin-form", "aria-labelledby": "login-title" },
		h("h1", { id: "login-title" }, t("login.title")),
		ended ? h("p", { class: "notice", role: "status" }, t("session.ended")) : null,
		...input("user", "login.user", { autocomplete: "username", spellcheck: "false", autocapitalize: "off" }),
		...input("password", "login.password", { type: "password", autocomplete: "current-password" }),
		...input("code", "login.code", { inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}",
			maxlength: 6, "aria-describedby": "code-help" }),
		h("p", { class: "help", id: "code-help" }, t("login.codehelp")),
		err,
		h("button", { type: "submit" }, t("login.go")));
	const val = (id) => form.querySelector(`#${id}`).value;
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		fill(err);
		let s;
		try {
			s = await api("POST", "/api/v1/session", { user: val("user").trim(), password: val("password"), code: val("code").trim() },
				{ login: true });
		} catch (e) {
			fill(err, errorBox(e.status === 401 || e.status === 429 ? new Error(password.refusal(e)) : e));
			form.querySelector("#password").value = "";
			form.querySelector("#code").value = "";
			form.querySelector("#password").focus();
			return;
		}
		await enter(s.token, false, err);
	});
	return form;
}

// An API token (`parley token create`): for scripts, and for a node with
// no people yet.
function tokenForm() {
	const err = h("div", { id: "login-error" });
	const input = h("input", {
		id: "token", type: "password", name: "token", autocomplete: "off", required: true,
		"aria-describedby": "token-help", spellcheck: "false",
	});
	const remember = h("input", { id: "remember", type: "checkbox" });
	const form = h("form", { class: "panel login", id: "token-form", "aria-labelledby": "token-title" },
		h("h2", { id: "token-title" }, t("login.bytoken")),
		h("label", { for: "token" }, t("login.token")),
		input,
		h("p", { class: "help", id: "token-help" }, t("login.help")),
		h("p", {}, remember, " ", h("label", { for: "remember", style: "display:inline" }, t("login.remember"))),
		err,
		h("button", { type: "submit" }, t("login.go")));
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		fill(err);
		if (!(await enter(input.value.trim(), remember.checked, err))) {
			input.setAttribute("aria-invalid", "true");
			input.focus();
		}
	});
	return form;
}

// Signs in with `tok`; false (the reason in `err`) if the node refuses it.
async function enter(tok, remember, err) {
	try {
		await login(tok, remember);
	} catch (e) {
		fill(err, errorBox(e.status === 401 ? new Error(t("login.bad")) : e));
		return false;
	}
	ended = false;
	await route();
	main().focus();
	return true;
}

async function login(tok, remember) {
	session.token = tok;
	let me;
	try {
		me = await api("GET", "/api/v1/me", undefined, { login: true });
	} catch (e) {
		session.token = null;
		throw e;
	}
	session.me = me;
	(remember ? localStorage : sessionStorage).setItem("parley.token", tok);
	// The language the token keeps, unless the user just chose one on
	// the sign-in page: then that choice is what it keeps from now on.
	if (langChosen || !me.lang) api("PUT", "/api/v1/me", { lang: lang() }).catch(() => {});
	else if (me.lang !== lang()) setLang(me.lang);
	langChosen = false;
	showShell();
	tick();
}

// "Log out" ends a person's session on the node too, and goes back to
// the inbox; a session the node ended (a 401 on any call) keeps the page,
// so signing in again returns to it.
async function logout(why) {
	const expired = why === "expired";
	if (!expired && session.me && session.me.session) {
		try {
			await api("DELETE", "/api/v1/session", undefined, { login: true });
		} catch (e) {
			// Ended already, or the node is away: the session expires
			// by itself within its shift.
			say(errorLine(e));
		}
	}
	localStorage.removeItem("parley.token");
	sessionStorage.removeItem("parley.token");
	session.token = null;
	session.me = null;
	resetAlerts();
	if (view && view.stop) view.stop();
	view = null;
	ended = expired;
	if (!expired) location.hash = "#/inbox";
	loginView();
}

async function switchLang() {
	setLang(lang() === "en" ? "zh" : "en");
	if (!session.me) {
		langChosen = true;
	} else {
		try {
			session.me = await api("PUT", "/api/v1/me", { lang: lang() });
		} catch (e) {
			say(errorLine(e));
		}
	}
	showShell();
	tick();
	route();
}

async function boot() {
	applyStatic();
	document.getElementById("lang").addEventListener("click", switchLang);
	document.getElementById("logout").addEventListener("click", () => logout("user"));
	// The skip link moves focus without touching the route in the hash.
	document.querySelector(".skip").addEventListener("click", (ev) => {
		ev.preventDefault();
		main().focus();
	});
	document.addEventListener("px-logout", () => { if (session.me) logout("expired"); });
	window.addEventListener("hashchange", () => { route(); main().focus(); });
	const tok = store().getItem("parley.token");
	if (tok) {
		try {
			await login(tok, store() === localStorage);
		} catch (e) {
			localStorage.removeItem("parley.token");
			sessionStorage.removeItem("parley.token");
		}
	}
	route();
}

export function refresh() { tick(); }
boot();
