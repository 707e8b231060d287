// Small helpers shared by every view: building DOM safely, calling the
// analyst API, and formatting times in named zones.
import { t, lang } from "./i18n.js";

// h("a", {href: "#/x", class: "c"}, "text", child...): an element whose text
// children are text nodes, never parsed as HTML (peers' words are data).
export function h(tag, attrs, ...kids) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false) continue;
		if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
		else if (k === "class") el.className = v;
		else if (k === "dataset") Object.assign(el.dataset, v);
		else if (v === true) el.setAttribute(k, "");
		else el.setAttribute(k, v);
	}
	for (const kid of kids.flat(Infinity)) {
		if (kid === undefined || kid === null || kid === false) continue;
		el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
	}
	return el;
}

// fill(el, kids...): replaces el's children; arrays are flattened and
// null/false skipped, as in h().
export function fill(el, ...kids) {
	el.replaceChildren(...kids.flat(Infinity).filter((k) => k !== undefined && k !== null && k !== false)
		.map((k) => (k instanceof Node ? k : document.createTextNode(String(k)))));
	return el;
}

// The session: the token and what the node says about it (GET /api/v1/me).
export const session = { token: null, me: null };

export class ApiError extends Error {
	constructor(status, problem) {
		super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
		this.status = status;
		this.problem = problem;
	}
}

// api(method, path, body?, {etag, raw, binary}) -> parsed JSON, or
// {status: 304} when `etag` still matches, or the Response itself when
// raw.  With `binary` the body (a Blob) is sent as it is.
export async function api(method, path, body, opts = {}) {
	const headers = session.token ? { Authorization: `Bearer ${session.token}` } : {};
	if (body !== undefined) headers["Content-Type"] = opts.binary ? "application/octet-stream" : "application/json";
	if (opts.etag) headers["If-None-Match"] = opts.etag;
	let res;
	try {
		res = await fetch(path, {
			method, headers, cache: "no-store",
			body: body === undefined ? undefined : opts.binary ? body : JSON.stringify(body),
		});
	} catch (e) {
		throw new ApiError(0, { detail: t("err.network") });
	}
	if (res.status === 304) return { status: 304, etag: opts.etag };
	if (!res.ok) {
		let p = null;
		try { p = await res.json(); } catch (e) { /* not problem+json */ }
		if (res.status === 401 && !opts.login) document.dispatchEvent(new Event("px-logout"));
		throw new ApiError(res.status, p);
	}
	if (opts.raw) return res;
	const data = res.status === 204 ? null : await res.json();
	if (opts.withTag) return { data, etag: res.headers.get("ETag") };
	return data;
}

export function can(role) {
	const order = ["viewer", "analyst", "duty", "admin"];
	return session.me && order.indexOf(session.me.role) >= order.indexOf(role);
}

const fmtCache = new Map();
function formatter(zone) {
	const key = `${lang()}|${zone}`;
	if (!fmtCache.has(key)) {
		fmtCache.set(key, new Intl.DateTimeFormat("en-CA", {
			timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
			hour: "2-digit", minute: "2-digit", hourCycle: "h23",
			timeZoneName: "longOffset",
		}));
	}
	return fmtCache.get(key);
}

// "2026-11-22 17:04 Asia/Shanghai (UTC+08:00)": the zone is always named.
export function fmtTime(iso, zone = "UTC") {
	if (!iso) return "—";
	const d = new Date(iso);
	if (isNaN(d)) return iso;
	let parts;
	try {
		parts = Object.fromEntries(formatter(zone).formatToParts(d).map((p) => [p.type, p.value]));
	} catch (e) {
		return fmtTime(iso, "UTC");
	}
	const off = (parts.timeZoneName || "GMT").replace("GMT", "UTC");
	const base = `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
	if (zone === "UTC") return `${base} UTC`;
	return `${base} ${zone} (${off === "UTC" ? "UTC+00:00" : off})`;
}

// 3d 4h, 2h 05m, 12m, 40s: the two largest units.
export function fmtDuration(ms) {
	const s = Math.max(0, Math.round(Math.abs(ms) / 1000));
	const d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600);
	const mm = Math.floor((s % 3600) / 60), ss = s % 60;
	const u = (n, k) => `${n}${t(k)}`;
	if (d) return `${u(d, "u.d")} ${u(hh, "u.h")}`;
	if (hh) return `${u(hh, "u.h")} ${u(String(mm).padStart(2, "0"), "u.m")}`;
	if (mm) return u(mm, "u.m");
	return u(ss, "u.s");
}

// Notification channels by name, joined: "e-mail+webhook".
export function channels(list) {
	const known = ["email", "webhook", "phone", "sms"];
	return (list || []).map((c) => (known.includes(c) ? t(`ch.${c}`) : c)).join("+");
}

export function tlpBadge(tlp) {
	const name = `TLP:${String(tlp || "clear").toUpperCase()}`;
	return h("span", { class: `tlp tlp-${tlp}`, title: t(`tlp.help.${tlp}`) }, name);
}

// The clock that matters most now: the most overdue, else the running one
// due soonest, else a paused one.  {name, state, deadline, rank}.
export function urgentClock(c, now = Date.now()) {
	let best = null;
	for (const [name, k] of Object.entries(c.clocks || {})) {
		if (!["running", "overdue", "paused"].includes(k.state)) continue;
		const dl = k.deadline ? Date.parse(k.deadline) : Infinity;
		const state = k.state === "running" && dl <= now ? "overdue" : k.state;
		const rank = state === "overdue" ? 0 : state === "running" ? 1 : 2;
		if (!best || rank < best.rank || (rank === best.rank && dl < best.deadline))
			best = { name, state, deadline: dl, rank };
	}
	return best;
}

export function urgencyText(u, now = Date.now()) {
	if (!u) return "";
	const clock = t(`clock.${u.name}`);
	if (u.state === "paused") return t("urg.paused", { clock });
	if (u.deadline === Infinity) return clock;
	const left = u.deadline - now;
	if (left < 0) return t("urg.overdue", { clock, d: fmtDuration(-left) });
	return t("urg.left", { clock, d: fmtDuration(left) });
}

// The footer's message line: what the user last did, with the time, kept
// until the next one (the live line beside it is separate).
export function say(msg) {
	const s = document.getElementById("status");
	if (!s) return;
	const at = session.me ? fmtTime(new Date().toISOString(), session.me.timezone).slice(11, 16) : "";
	s.textContent = msg ? (at ? `${at} ${msg}` : msg) : "";
}

// Saves a Response body as a download named by the server (or `name`).
export async function download(res, name) {
	const cd = res.headers.get("Content-Disposition") || "";
	const m = /filename="([^"]+)"/.exec(cd);
	const blob = await res.blob();
	const a = h("a", { href: URL.createObjectURL(blob), download: m ? m[1] : name });
	document.body.append(a);
	a.click();
	setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

// What the node said, for people: the node's details are in English, so a
// headline in the user's language names the kind of refusal first, and
// hints aimed at the command line are dropped.  {head, detail} for an
// answer of the node, else a plain string.
const KNOWN = new Set([400, 401, 403, 404, 409, 413, 422, 500, 503]);
export function errorText(e) {
	if (!(e instanceof ApiError) || !e.status) return e.message || String(e);
	const head = KNOWN.has(e.status) ? t(`err.s.${e.status}`) : t("err.http", { s: e.status });
	const detail = (e.message || "").replace(/\s*\(see 'parley [^)]*\)/g, "");
	return { head, detail };
}

// The same as one line of text, for the footer.
export function errorLine(e) {
	const x = errorText(e);
	return typeof x === "string" ? x : x.detail ? `${x.head}: ${x.detail}` : x.head;
}

export function errorBox(e) {
	const x = errorText(e);
	if (typeof x === "string") return h("p", { class: "error", role: "alert" }, x);
	const zh = lang() === "zh";
	return h("p", { class: "error", role: "alert" }, h("strong", {}, x.head), x.detail
		? [zh ? `。${t("err.nodesays")}：` : ": ", h("span", { lang: "en" }, x.detail)] : null);
}
