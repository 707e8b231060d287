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
// Observables are read by the node itself (POST /api/v1/observables/check,
// the parser the command line uses), so the form takes exactly what the
// CLI takes: bare values, defanged forms, internationalised names (shown
// with their xn-- form).  Answers are kept per line as one types.
const obsSeen = new Map();
let obsPending = null;
async function readObservables(lines, then) {
	const todo = [...new Set(lines.filter((l) => !obsSeen.has(l)))];
	if (!todo.length) return;
	const p = api("POST", "/api/v1/observables/check", { observables: todo }).then((res) => {
		res.forEach((r, i) => obsSeen.set(todo[i], r));
	}).catch((e) => {
		// Not read (the node did not answer): said on the line, and asked
		// again at the next keystroke.
		todo.forEach((l) => obsSeen.set(l, { error: e.message, again: true }));
	}).finally(() => { if (obsPending === p) obsPending = null; then(); });
	obsPending = p;
	await p;
}
// One line's reading: {value: "type:value", shown} or {error} or null
// while the node has not answered.
function obsLine(line) {
	const r = obsSeen.get(line);
	if (!r) return null;
	if (r.error) return { error: t("obs.bad", { v: line, why: r.error }) };
	return { value: `${r.type}:${r.value}`, shown: `${r.type} ${r.value}${r.unicode ? ` (${r.unicode})` : ""}` };
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
		// Limits are in characters, as the node counts them (docs/protocol.md).
		const xlen = [...f.text.value].length;
		const xerr = !f.text.value.trim() ? t("c.err.text") : xlen > 65536 ? t("c.err.textlen", { n: xlen }) : "";
		if (touched(f.text) || xlen > 65536) ok = setErr(f.text, xerr) && ok;
		else ok = ok && !xerr;
		document.getElementById("c-tlp-help").textContent = t(`tlp.help.${f.tlp.value}`);
		if (!hot) document.getElementById("c-priority-help").textContent = t(`prio.help.${f.priority.value}`);
		const lines = f.observables.value.split("\n").map((l) => l.trim()).filter(Boolean);
		if (lines.some((l) => !obsSeen.has(l))) readObservables(lines, () => validate(false));
		const res = lines.map(obsLine);
		const bad = res.filter((r) => r && r.error);
		obsValues = res.filter((r) => r && r.value).map((r) => r.value);
		fill(preview, ...res.map((r) => h("li", {},
			!r ? h("span", { class: "muted" }, "…") : r.error ? h("span", { class: "bad" }, "✗ ", r.error)
				: h("span", { class: "ok" }, "✓ ", r.shown))));
		ok = setErr(f.observables, bad.length ? t("c.err.obs", { n: bad.length }) : "") && ok;
		if (res.some((r) => !r)) ok = false;
		if (lines.length > 256) { setErr(f.observables, t("c.err.obsmax")); ok = false; }
		return ok;
	}
	form.addEventListener("input", (ev) => {
		for (const [k, v] of obsSeen) if (v.again) obsSeen.delete(k); if (ev.target.id) ev.target.dataset.touched = "1"; validate(false); });
	form.addEventListener("change", () => validate(false));
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		fill(err);
		const lines = f.observables.value.split("\n").map((l) => l.trim()).filter(Boolean);
		await readObservables(lines, () => {});
		if (obsPending) await obsPending;
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
