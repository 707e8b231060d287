// Compose a report, a request or a hotline.  Every field says what it is
// for, and the form checks as you type (observable syntax, TLP, priority)
// before the node, which checks again and has the last word.
import { t, lang } from "./i18n.js";
import { h, api, can, errorBox, say, session, fill } from "./util.js";

const CATS = ["botnet", "phishing", "vulnerable-website", "intrusion", "ddos", "malware", "other"];
const TLPS = ["clear", "green", "amber", "amber+strict", "red"];
const PRIOS = ["P1", "P2", "P3", "P4"];
const RQ = ["information", "investigation", "evidence", "mitigation"];
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

function guess(v) {
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
	if (!ok()) return { error: t("obs.bad", { type: alias, v }) };
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
		title: h("input", { name: "title", maxlength: "300", required: true, autocomplete: "off" }),
		text: h("textarea", { name: "text", required: true }),
		lang: h("select", { name: "lang" }, h("option", { value: "en", selected: lang() === "en" }, "English"),
			h("option", { value: "zh", selected: lang() === "zh" }, "简体中文")),
		translation: h("textarea", { name: "translation" }),
		observables: h("textarea", { name: "observables", class: "mono", spellcheck: "false",
			placeholder: "ip:198.51.100.23\ndomain:c2-update.example\nhxxps://bad[.]example/login" }),
	};
	const err = h("div");
	const preview = h("ul", { class: "obs", "aria-label": t("c.obsparsed") });
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
		hot ? null : field("c-obs", t("c.obs"), f.observables, t("c.obs.help")),
		hot ? null : preview,
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
		if (touched(f.title)) ok = setErr(f.title, f.title.value.trim() ? "" : t("c.err.title")) && ok;
		else ok = ok && !!f.title.value.trim();
		if (touched(f.text)) ok = setErr(f.text, f.text.value.trim() ? "" : t("c.err.text")) && ok;
		else ok = ok && !!f.text.value.trim();
		document.getElementById("c-tlp-help").textContent = t(`tlp.help.${f.tlp.value}`);
		if (!hot) {
			document.getElementById("c-priority-help").textContent = t(`prio.help.${f.priority.value}`);
			const lines = f.observables.value.split("\n").filter((l) => l.trim());
			const res = lines.map(checkObservable);
			const bad = res.filter((r) => r.error);
			obsValues = res.filter((r) => r.value).map((r) => r.value);
			fill(preview, ...res.map((r) => h("li", {},
				r.error ? h("span", { class: "bad" }, "✗ ", r.error) : h("span", { class: "ok" }, "✓ ", r.value))));
			ok = setErr(f.observables, bad.length ? t("c.err.obs", { n: bad.length }) : "") && ok;
			if (lines.length > 256) { setErr(f.observables, t("c.err.obsmax")); ok = false; }
		}
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
			if (hot) {
				r = await api("POST", "/api/v1/hotlines", {
					peer: f.to.value, title: f.title.value.trim(), text: f.text.value.trim(),
					category: f.category.value, tlp: f.tlp.value, lang: f.lang.value,
				});
			} else {
				const b = {
					to: f.to.value, kind: type, category: f.category.value, priority: f.priority.value,
					tlp: f.tlp.value, title: f.title.value.trim(), text: f.text.value.trim(),
					lang: f.lang.value, observables: obsValues,
				};
				if (type === "request") b.request_type = f.request_type.value;
				// A translation by the sender, into the other language.
				if (f.translation.value.trim())
					b.translation = { lang: f.lang.value === "zh" ? "en" : "zh", value: f.translation.value.trim(), by: "human" };
				r = await api("POST", "/api/v1/cases", b);
			}
			say(t("c.sent", { ref: r.ref }));
			location.hash = `#/case/${r.ref}`;
		} catch (e) {
			fill(err, errorBox(e));
			submit.disabled = false;
		}
	});
	fill(main, form);
	validate(false);
	f.to.focus();
	return null;
}
