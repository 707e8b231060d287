// Compose a report, a request or a hotline.  Every field says what it is
// for, and the form checks as you type (observable syntax, TLP, priority)
// before the node, which checks again and has the last word.
import { t, lang } from "./i18n.js";
import { h, api, can, errorBox, say, session, fill } from "./util.js";

const CATS = ["botnet", "phishing", "vulnerable-website", "intrusion", "ddos", "malware", "other"];
const TLPS = ["clear", "green", "amber", "amber+strict", "red"];
const PRIOS = ["P1", "P2", "P3", "P4"];
const RQ = ["information", "investigation", "evidence", "mitigation", "preservation"];
// Budapest Convention Art. 29(2): what a preservation request states.
const PRES = ["authority", "offence", "facts", "data", "relation", "custodian", "necessity", "mla_intent"];
// The technical detail an evidence request can ask for.
const WANTED = ["log-excerpts", "times-with-zones", "hashes", "observables", "acquisition-tool", "packet-capture",
	"netflow", "disk-image", "memory-image", "malware-sample", "server-logs", "subscriber-data", "account-data", "configuration"];
const ALIASES = ["ip", "ipv4", "ipv6", "cidr", "domain", "url", "email", "md5", "sha1", "sha256",
	"sha512", "hash", "cve", "asn"];

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const DOMAIN = /^(?=.{1,253}\.?$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]\.?$/i;
const HEX = (n) => new RegExp(`^[0-9a-f]{${n}}$`, "i");

function isV6(s) {
	if (!/^[0-9a-f:.]+$/i.test(s) || !s.includes(":")) return false;
	try { new URL(`http://[${s}]/`); return true; } catch (e) { return false; }
}

// Undoes the usual defanging ([.] (.) [dot] [@] hxxp) as the node does.
export function refang(s) {
	return s.replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]/gi, ".").replace(/\[@\]|\[at\]/gi, "@")
		.replace(/\[:\]/g, ":").replace(/^hxxp/i, "http");
}

// IPv6 text to its eight 16-bit groups, or null.
function v6groups(s) {
	if (!isV6(s)) return null;
	let tail = [];
	const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
	if (m) {
		if (!V4.test(m[2])) return null;
		const b = m[2].split(".").map(Number);
		tail = [(b[0] << 8) | b[1], (b[2] << 8) | b[3]];
		s = m[1].endsWith("::") ? m[1] : m[1].slice(0, -1);
	}
	const halves = s.split("::");
	if (halves.length > 2) return null;
	const part = (x) => (x === "" ? [] : x.split(":").map((y) => parseInt(y, 16)));
	const head = part(halves[0]);
	if (halves.length === 1) {
		const g = [...head, ...tail];
		return g.length === 8 ? g : null;
	}
	const rest = part(halves[1]);
	const n = 8 - head.length - rest.length - tail.length;
	return n < 1 ? null : [...head, ...Array(n).fill(0), ...rest, ...tail];
}

// A network written with host bits set (198.51.100.5/24) names no network:
// the node refuses it, so say so here, with the network it meant.
function networkOf(addr, bits) {
	if (V4.test(addr)) {
		const n = addr.split(".").reduce((x, o) => x * 256 + Number(o), 0);
		const size = 2 ** (32 - bits), net = n - (n % size);
		if (net === n) return null;
		return [24, 16, 8, 0].map((sh) => Math.floor(net / 2 ** sh) % 256).join(".") + `/${bits}`;
	}
	const g = v6groups(addr);
	if (!g) return null;
	let changed = false;
	const out = g.map((x, i) => {
		const keep = Math.max(0, Math.min(16, bits - i * 16));
		const y = keep === 0 ? 0 : x & ~((1 << (16 - keep)) - 1) & 0xffff;
		if (y !== x) changed = true;
		return y;
	});
	if (!changed) return null;
	// The URL parser writes the shortest form (RFC 5952).
	const hex = new URL(`http://[${out.map((x) => x.toString(16)).join(":")}]/`).hostname.slice(1, -1);
	return `${hex}/${bits}`;
}

// Non-ASCII host names must come as punycode (the node keeps one form).
const nonAscii = (x) => /[^\x00-\x7f]/.test(x);

function guess(v) {
	if (/^[0-9a-f:.]+\/\d{1,3}$/i.test(v)) return "cidr";
	if (nonAscii(v) && /^[^\s/@:]+\.[^\s/@:]+$/.test(v)) return "domain";
	if (V4.test(v)) return "ip";
	if (isV6(v)) return "ip";
	if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return "url";
	if (/^[^@\s]+@[^@\s]+$/.test(v)) return "email";
	if (/^cve-\d{4}-\d{4,}$/i.test(v)) return "cve";
	if (/^as\d+$/i.test(v)) return "asn";
	if (/^[0-9a-f]+$/i.test(v) && [32, 40, 64, 128].includes(v.length)) return "hash";
	if (DOMAIN.test(v)) return "domain";
	return null;
}

// One observable line -> {value: "alias:value"} or {error}.
export function checkObservable(line) {
	let s = refang(line.trim());
	let alias = null, v = s;
	const m = /^([a-z0-9]+):(.*)$/i.exec(s);
	if (m && ALIASES.includes(m[1].toLowerCase())) { alias = m[1].toLowerCase(); v = m[2].trim(); }
	if (!alias) alias = guess(v);
	if (!alias) return { error: t("obs.unknown", { v: line.trim() }) };
	const ok = {
		ip: () => V4.test(v) || isV6(v), ipv4: () => V4.test(v), ipv6: () => isV6(v),
		cidr: () => { const [a, p] = v.split("/"); return p !== undefined && /^\d+$/.test(p) &&
			((V4.test(a) && +p <= 32) || (isV6(a) && +p <= 128)); },
		domain: () => DOMAIN.test(v),
		url: () => { try { const u = new URL(v); return /^(https?|ftps?):$/.test(u.protocol) && !!u.hostname; } catch (e) { return false; } },
		email: () => /^[^@\s]{1,64}@[^@\s]+$/.test(v) && DOMAIN.test(v.split("@")[1]),
		md5: () => HEX(32).test(v), sha1: () => HEX(40).test(v), sha256: () => HEX(64).test(v),
		sha512: () => HEX(128).test(v),
		hash: () => /^((md5|sha1|sha256|sha512):)?[0-9a-f]+$/i.test(v) && [32, 40, 64, 128].includes(v.replace(/^[a-z0-9]+:/i, "").length),
		cve: () => /^cve-\d{4}-\d{4,}$/i.test(v),
		asn: () => /^(as)?\d{1,10}$/i.test(v) && Number(v.replace(/^as/i, "")) < 2 ** 32,
	}[alias];
	if (["domain", "url", "email"].includes(alias) && nonAscii(v)) return { error: t("obs.idn", { v }) };
	if (!ok()) return { error: t("obs.bad", { type: alias, v }) };
	if (alias === "cidr") {
		const [a, p] = v.split("/");
		const net = networkOf(a, Number(p));
		if (net) return { error: t("obs.hostbits", { v, net }) };
	}
	return { value: `${alias}:${v}`, alias };
}

function field(id, label, input, help) {
	input.id = id;
	input.setAttribute("aria-describedby", `${id}-help ${id}-err`);
	return h("div", { class: "fld" }, h("label", { for: id }, label), input,
		h("p", { class: "help", id: `${id}-help` }, help),
		h("p", { class: "field-error", id: `${id}-err`, "aria-live": "polite" }));
}
function options(values, prefix, cur) {
	return values.map((v) => h("option", { value: v, selected: v === cur }, prefix ? t(`${prefix}.${v}`) : v));
}

export async function render(main, [type = "report"]) {
	if (!can(type === "hotline" ? "duty" : "analyst")) {
		fill(main, h("h1", {}, t("c.title")), h("p", { class: "notice" },
			t("c.norole", { role: t(`role.${session.me.role}`) })));
		return null;
	}
	const peers = await api("GET", "/api/v1/peers");
	const tabs = h("nav", { class: "inline", "aria-label": t("c.kinds") }, ["report", "request", "hotline"]
		.filter((k) => k !== "hotline" || can("duty"))
		.map((k) => h("a", { href: `#/compose/${k}`, class: "button ghost", "aria-current": k === type ? "page" : null }, t(`c.${k}`))));
	const hot = type === "hotline";
	const f = {
		to: h("select", { name: "to", required: true }, h("option", { value: "" }, t("choose")),
			peers.map((p) => h("option", { value: p.name }, `${p.name} (${p.timezone || "?"})`))),
		category: h("select", { name: "category" }, options(CATS, "cat", hot ? "ddos" : "other")),
		priority: h("select", { name: "priority" }, options(PRIOS, "prio", "P3")),
		tlp: h("select", { name: "tlp" }, options(TLPS, "tlpname", "amber")),
		request_type: h("select", { name: "request_type" }, options(RQ, "rq", "information")),
		title: h("input", { name: "title", required: true, autocomplete: "off" }),
		text: h("textarea", { name: "text", required: true }),
		lang: h("select", { name: "lang" }, h("option", { value: "en", selected: lang() === "en" }, "English"),
			h("option", { value: "zh", selected: lang() === "zh" }, "简体中文")),
		translation: h("textarea", { name: "translation" }),
		observables: h("textarea", { name: "observables", class: "mono", spellcheck: "false",
			placeholder: "ip:198.51.100.23\ndomain:c2-update.example\nhxxps://bad[.]example/login" }),
	};
	const err = h("div");
	const preview = h("ul", { class: "obs", "aria-label": t("c.obsparsed") });
	const pres = Object.fromEntries(PRES.map((k) => [k, h("textarea", { name: `pres-${k}`, id: `c-pres-${k}`, rows: "2" })]));
	const presFields = h("fieldset", { class: "pres" }, h("legend", {}, t("c.pres")),
		h("p", { class: "help" }, t("c.pres.help")),
		PRES.map((k) => h("div", {}, h("label", { for: `c-pres-${k}` }, t(`cf.preservation.${k}`)), pres[k])));
	const wanted = WANTED.map((k) => h("input", { type: "checkbox", name: "wanted", value: k, id: `c-want-${k}` }));
	const wantFields = h("fieldset", { class: "want" }, h("legend", {}, t("c.want")),
		wanted.map((cb) => h("div", { class: "check" }, cb, h("label", { for: cb.id }, t(`wf.${cb.value}`)))));
	const syncRq = () => {
		presFields.hidden = f.request_type.value !== "preservation";
		wantFields.hidden = f.request_type.value !== "evidence";
	};
	f.request_type.addEventListener("change", syncRq);
	syncRq();
	const rows = [
		field("c-to", t("c.to"), f.to, t("c.to.help")),
		hot ? null : h("div", { class: "inline" },
			field("c-priority", t("c.priority"), f.priority, t("c.priority.help")),
			field("c-category", t("c.category"), f.category, t("c.category.help"))),
		hot ? field("c-category", t("c.category"), f.category, t("c.category.help")) : null,
		type === "request" ? field("c-rq", t("c.rq"), f.request_type, t("c.rq.help")) : null,
		field("c-tlp", t("c.tlp"), f.tlp, t("tlp.help.amber")),
		field("c-title", t("c.titlef"), f.title, t(hot ? "c.title.hot" : "c.title.help")),
		field("c-text", t("c.text"), f.text, t(hot ? "c.text.hot" : "c.text.help")),
		field("c-lang", t("c.lang"), f.lang, t("c.lang.help")),
		field("c-tr", t("c.tr"), f.translation, t("c.tr.help")),
		field("c-obs", t("c.obs"), f.observables, t("c.obs.help")),
		preview,
		type === "request" ? presFields : null,
		type === "request" ? wantFields : null,
	];
	const submit = h("button", { type: "submit", class: hot ? "danger" : "" }, t(hot ? "c.raise" : "c.send"));
	const form = h("form", { class: "panel", novalidate: true, "aria-labelledby": "c-h" },
		h("h1", { id: "c-h" }, t(`c.${type}.title`)), tabs,
		hot ? h("p", { class: "notice" }, t("c.hot.notice")) : null,
		rows, err, h("p", {}, submit));

	function setErr(input, msg) {
		const e = document.getElementById(`${input.id}-err`);
		if (e) e.textContent = msg || "";
		if (msg) input.setAttribute("aria-invalid", "true");
		else input.removeAttribute("aria-invalid");
		return !msg;
	}
	let obsValues = [];
	function validate(all) {
		let ok = true;
		const touched = (el) => all || el.dataset.touched;
		if (touched(f.to)) ok = setErr(f.to, f.to.value ? "" : t("c.err.to")) && ok;
		else ok = ok && !!f.to.value;
		const tlen = [...f.title.value.trim()].length;
		const terr = !f.title.value.trim() ? t("c.err.title") : tlen > 300 ? t("c.err.titlelen", { n: tlen }) : "";
		if (touched(f.title) || tlen > 300) ok = setErr(f.title, terr) && ok;
		else ok = ok && !terr;
		if (touched(f.text)) ok = setErr(f.text, f.text.value.trim() ? "" : t("c.err.text")) && ok;
		else ok = ok && !!f.text.value.trim();
		document.getElementById("c-tlp-help").textContent = t(`tlp.help.${f.tlp.value}`);
		if (!hot) document.getElementById("c-priority-help").textContent = t(`prio.help.${f.priority.value}`);
		const lines = f.observables.value.split("\n").filter((l) => l.trim());
		const res = lines.map(checkObservable);
		const bad = res.filter((r) => r.error);
		obsValues = res.filter((r) => r.value).map((r) => r.value);
		fill(preview, ...res.map((r) => h("li", {},
			r.error ? h("span", { class: "bad" }, "✗ ", r.error) : h("span", { class: "ok" }, "✓ ", r.value))));
		ok = setErr(f.observables, bad.length ? t("c.err.obs", { n: bad.length }) : "") && ok;
		if (lines.length > 256) { setErr(f.observables, t("c.err.obsmax")); ok = false; }
		return ok;
	}
	form.addEventListener("input", (ev) => { if (ev.target.id) ev.target.dataset.touched = "1"; validate(false); });
	form.addEventListener("change", () => validate(false));
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		fill(err);
		if (!validate(true)) {
			const first = form.querySelector("[aria-invalid=true]");
			if (first) first.focus();
			fill(err, errorBox(new Error(t("c.err.fix"))));
			return;
		}
		submit.disabled = true;
		try {
			let r;
			// A translation by the sender, into the other language.
			const tr = f.translation.value.trim()
				? { lang: f.lang.value === "zh" ? "en" : "zh", value: f.translation.value.trim(), by: "human" } : undefined;
			if (hot) {
				r = await api("POST", "/api/v1/hotlines", {
					peer: f.to.value, title: f.title.value.trim(), text: f.text.value.trim(),
					category: f.category.value, tlp: f.tlp.value, lang: f.lang.value,
					observables: obsValues, translation: tr,
				});
			} else {
				const b = {
					to: f.to.value, kind: type, category: f.category.value, priority: f.priority.value,
					tlp: f.tlp.value, title: f.title.value.trim(), text: f.text.value.trim(),
					lang: f.lang.value, observables: obsValues,
				};
				if (type === "request") b.request_type = f.request_type.value;
				if (b.request_type === "preservation")
					b.preservation = Object.fromEntries(PRES.map((k) => [k, pres[k].value.trim()]).filter(([, v]) => v));
				if (b.request_type === "evidence") b.wanted = wanted.filter((cb) => cb.checked).map((cb) => cb.value);
				if (tr) b.translation = tr;
				r = await api("POST", "/api/v1/cases", b);
			}
			say(t("c.sent", { ref: r.ref }));
			location.hash = `#/case/${r.ref}`;
		} catch (e) {
			// The node has the last word on observables: when its refusal
			// quotes one of them, mark that field with its words.
			const bad = e.status === 422 && obsValues.find((o) => e.message.includes(`'${o.slice(o.indexOf(":") + 1)}'`));
			if (bad) {
				setErr(f.observables, e.message);
				f.observables.focus();
			}
			fill(err, errorBox(e));
			submit.disabled = false;
		}
	});
	fill(main, form);
	validate(false);
	f.to.focus();
	return null;
}
