// A case's evidence items (upload with progress, manifest, transfer state,
// custody chain), its findings and assessments with their scales in
// words, a neutral verifier's disclosure or review, and what the opening
// message lacks.  docs/evidence.md, docs/attribution.md.
import { t, lang } from "./i18n.js";
import { h, api, can, fmtTime, errorBox, fill, session } from "./util.js";

const PIECE = 1 << 20;
let uid = 0;

function field(label, input, help) {
	const id = input.id || (input.id = `ev${++uid}`);
	if (help) input.setAttribute("aria-describedby", `${id}-help`);
	return h("div", {}, h("label", { for: id }, label), input,
		help ? h("p", { class: "help", id: `${id}-help` }, help) : null);
}

function size(n) {
	if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
	if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
	if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
	return t("ev.bytes", { n });
}

function bar(label, have, total) {
	const pct = total ? Math.round((100 * have) / total) : 100;
	return h("div", {
		class: "bar running", role: "progressbar", "aria-label": label,
		"aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(pct),
		"aria-valuetext": t("ev.progress", { have, chunks: total }),
	}, h("span", { style: `width:${Math.max(2, pct)}%` }));
}

// The file in pieces of 1 MiB, then added as an item: progress as it goes.
async function upload(c, form, status) {
	const fd = new FormData(form);
	const file = fd.get("file");
	if (!file || !file.size) throw new Error(t("ev.nofile"));
	const up = await api("POST", "/api/v1/uploads", { size: file.size });
	for (let i = 0; i < up.pieces; i++) {
		const piece = file.slice(i * PIECE, Math.min(file.size, (i + 1) * PIECE));
		await api("PUT", `/api/v1/uploads/${up.upload}/${i}`, piece, { binary: true });
		fill(status, h("p", {}, t("ev.uploading", { p: Math.round((100 * (i + 1)) / up.pieces), n: i + 1, m: up.pieces })),
			bar(t("ev.upload"), i + 1, up.pieces));
	}
	const b = { upload: up.upload, name: file.name };
	for (const k of ["exhibit", "tool", "tool_version", "media_type", "why"]) {
		const v = String(fd.get(k) || "").trim();
		if (v) b[k] = v;
	}
	if (!b.media_type && file.type) b.media_type = file.type;
	return api("POST", `/api/v1/cases/${encodeURIComponent(c.ref)}/evidence`, b);
}

function addForm(c, done) {
	const status = h("div", { "aria-live": "polite" }), err = h("div", { "aria-live": "assertive" });
	const form = h("form", { "aria-label": t("ev.add") },
		field(t("ev.file"), h("input", { type: "file", name: "file", required: true })),
		field(t("ev.exhibit"), h("input", { name: "exhibit", required: true, maxlength: "64", autocomplete: "off" }), t("ev.exhibit.help")),
		field(t("ev.tool"), h("input", { name: "tool", required: true, maxlength: "100", autocomplete: "off" })),
		field(t("ev.toolv"), h("input", { name: "tool_version", required: true, maxlength: "100", autocomplete: "off" })),
		field(t("ev.media"), h("input", { name: "media_type", maxlength: "127", autocomplete: "off" })),
		field(t("ev.why"), h("input", { name: "why", maxlength: "4000", autocomplete: "off" })),
		status, err, h("p", {}, h("button", { type: "submit" }, t("ev.upload"))));
	form.addEventListener("input", () => form.classList.add("dirty"));
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		fill(err);
		const btn = form.querySelector("button[type=submit]");
		btn.disabled = true;
		try {
			const r = await upload(c, form, status);
			form.classList.remove("dirty");
			await done(t("ev.added", { x: r.manifest.exhibit, sha: r.manifest.hashes.sha256.slice(0, 16) }));
		} catch (e) {
			fill(err, errorBox(e));
			btn.disabled = false;
		}
	});
	return h("details", {}, h("summary", {}, t("ev.add")), form);
}

async function act(c, it, action, body, done, err) {
	fill(err);
	try {
		await api("POST", `/api/v1/cases/${encodeURIComponent(c.ref)}/evidence/${it.item}/${action}`, body || {});
		await done(t(`ev.did.${action}`, { x: it.exhibit }));
	} catch (e) {
		fill(err, errorBox(e));
	}
}

function custodyTable(cu) {
	return h("table", { class: "custody" },
		h("caption", {}, t("ev.custody"), cu.chain_ok ? "" : [" — ", h("strong", { class: "state-overdue" }, t("ev.broken", { p: cu.problem }))]),
		h("thead", {}, h("tr", {}, [t("ev.c.time"), t("ev.c.event"), t("ev.c.who"), t("ev.c.hashes"), t("ev.c.log")].map((x) => h("th", { scope: "col" }, x)))),
		h("tbody", {}, cu.events.map((e) => h("tr", {},
			h("td", {}, fmtTime(e.time, session.me.timezone)),
			h("td", {}, t(`evt.${e.event}`), e.status ? [" (", t(`ev.st.${e.status}`), ")"] : null,
				e.reason ? h("div", { class: "muted" }, e.reason) : null,
				e.effect ? h("div", { class: "muted" }, t("effect", { e: e.effect })) : null),
			h("td", {}, e.from, e.by ? ` · ${e.by}` : "", e.why ? h("div", { class: "muted" }, e.why) : null,
				e.third_party ? h("div", {}, t("ev.to", { who: e.third_party })) : null),
			h("td", { class: "mono" }, e.hash_before ? `${e.hash_before.slice(0, 12)}…` : "—", " → ", e.hash_after ? `${e.hash_after.slice(0, 12)}…` : "—"),
			h("td", {}, e.log ? t("ev.logat", { node: e.log.node, i: e.log.index }) : t("ev.notproven"),
				(e.witnesses || []).length ? h("div", { class: "muted" }, t("ev.witnessed", { who: e.witnesses.map((w) => w.peer).join(", ") })) : null)))));
}

function itemBlock(c, it, done) {
	const err = h("div", { "aria-live": "assertive" }), cus = h("div");
	const other = c.our_role === "requester" ? c.responder : c.requester;
	const buttons = [];
	if (can("analyst")) {
		if (it.state === "held" && !(it.holders || []).includes(other))
			buttons.push(h("button", { type: "button", onclick: () => act(c, it, "offer", {}, done, err) }, t("ev.offer", { peer: other })));
		if (it.state === "to-decide") {
			buttons.push(h("button", { type: "button", onclick: () => act(c, it, "accept", {}, done, err) }, t("ev.accept")));
			const reason = h("input", { "aria-label": t("ev.reason"), placeholder: t("ev.reason") });
			buttons.push(reason, h("button", { type: "button", class: "danger", onclick: () => act(c, it, "decline", { reason: reason.value }, done, err) }, t("ev.decline")));
		}
	}
	const show = h("button", { type: "button", "aria-expanded": "false" }, t("ev.custody"));
	show.addEventListener("click", async () => {
		if (show.getAttribute("aria-expanded") === "true") {
			fill(cus);
			show.setAttribute("aria-expanded", "false");
			return;
		}
		try {
			const r = await api("GET", `/api/v1/cases/${encodeURIComponent(c.ref)}/evidence/${it.item}`);
			fill(cus, custodyTable(r.custody));
			show.setAttribute("aria-expanded", "true");
		} catch (e) {
			fill(err, errorBox(e));
		}
	});
	const acq = (it.manifest && it.manifest.acquisition) || {};
	const tool = acq.tool || {};
	return h("li", { class: "item", "data-item": it.item },
		h("div", { class: "head" },
			h("strong", {}, it.exhibit), " ", it.name ? h("span", {}, it.name) : null, " ",
			h("span", { class: `ev-state ev-${it.state}` }, t(`ev.state.${it.state}`)),
			it.local ? h("span", { class: "muted" }, ` · ${t("ev.local")}`) : null),
		h("p", { class: "muted" }, size(it.size), " · ", it.media_type, " · TLP:", String(it.tlp).toUpperCase(), " · ",
			t("ev.acq", { tool: `${tool.name || "?"} ${tool.version || ""}`, who: acq.operator || "?", at: fmtTime(acq.time, session.me.timezone) })),
		h("p", { class: "mono" }, "SHA-256 ", it.sha256),
		it.progress ? [h("p", {}, t("ev.progress", it.progress)), bar(t("ev.transfer"), it.progress.have, it.progress.chunks)] : null,
		it.status ? h("p", {}, t("ev.receipt", { s: t(`ev.st.${it.status}`) }), it.reason ? `: ${it.reason}` : "") : null,
		it.custody_ok ? null : h("p", { class: "notice" }, t("ev.broken", { p: "" })),
		h("p", { class: "buttons" }, show, buttons), err, cus);
}

export function evidencePanel(c, done) {
	const items = c.evidence || [];
	return [
		items.length ? h("ul", { class: "items" }, items.map((it) => itemBlock(c, it, done))) : h("p", { class: "muted" }, t("ev.none")),
		can("analyst") && c.kind !== "check" && c.kind !== "agreement" ? addForm(c, done) : null,
	];
}

// ---- findings and assessments ------------------------------------------

function text(x) {
	if (!x) return "";
	if (lang() === "zh" && x.translation && x.translation.lang && x.translation.lang.startsWith("zh")) return x.translation.value;
	if (lang() === "en" && x.lang && x.lang.startsWith("zh") && x.translation && x.translation.lang === "en") return x.translation.value;
	return x.value;
}

function findingBlock(f) {
	const b = f.body || {};
	return h("li", {},
		h("p", {}, h("span", { class: "mono" }, f.hash.slice(0, 12)), " ", t("at.by", { who: f.from, at: fmtTime(f.time, session.me.timezone) })),
		h("p", {}, h("strong", {}, text(b.statement))),
		h("p", { class: "muted" }, t("at.method", { m: b.method }),
			b.tool ? [" · ", t("at.tool", { t: `${b.tool.name} ${b.tool.version}` })] : null,
			" · ", t("at.evidence", { n: (b.evidence || []).length }),
			b.reproduction ? [" · ", t("at.steps")] : null),
		h("p", {}, t("at.ceiling", { c: t(`conf.${f.ceiling}`) })),
		f.effect ? h("p", { class: "notice" }, t("at.noeffect", { e: f.effect })) : null);
}

function assessmentBlock(a) {
	const b = a.body || {};
	return h("li", { class: a.superseded ? "superseded" : "" },
		h("p", {}, h("span", { class: "mono" }, a.hash.slice(0, 12)), " ", t("at.v", { v: b.version }), " ",
			t("at.by", { who: a.from, at: fmtTime(a.time, session.me.timezone) }),
			a.superseded ? [" · ", h("em", {}, t("at.superseded"))] : null),
		h("p", {}, h("strong", {}, t(`ak.${b.kind}`)), ": ", text(b.claim)),
		h("dl", { class: "scales" },
			h("dt", {}, t("at.likelihood")), h("dd", {}, t(`lk.${b.likelihood}`)),
			h("dt", {}, t("at.confidence")), h("dd", {}, t(`conf.${b.confidence}`)),
			h("dt", {}, t("at.source")), h("dd", {}, `${b.source_reliability} — ${t(`rel.${b.source_reliability}`)}`),
			h("dt", {}, t("at.info")), h("dd", {}, `${b.information_credibility} — ${t(`cred.${b.information_credibility}`)}`)),
		h("p", { class: "muted" }, t("at.supporting", { n: (b.supporting || []).length, m: (b.contrary || []).length })),
		(b.assumptions || []).map((x) => h("p", { class: "muted" }, t("at.assume", { x }))),
		(b.alternatives || []).map((x) => h("p", { class: "muted" }, t("at.alt", { x }))),
		h("p", {}, t("at.wouldchange", { x: text(b.would_change) })),
		a.effect ? h("p", { class: "notice" }, t("effect", { e: a.effect })) : null);
}

export function attribPanel(c) {
	const f = c.findings || [], a = c.assessments || [];
	if (!f.length && !a.length) return null;
	return [
		h("h3", {}, t("at.findings")),
		f.length ? h("ul", { class: "findings" }, f.map(findingBlock)) : h("p", { class: "muted" }, t("at.none")),
		h("h3", {}, t("at.assessments")),
		a.length ? h("ul", { class: "assessments" }, a.map(assessmentBlock)) : h("p", { class: "muted" }, t("at.none")),
	];
}

// ---- the verifier -------------------------------------------------------

export function verifierPanel(c) {
	if (c.disclosure) {
		const d = c.disclosure;
		return [
			h("p", {}, t("vf.of", { id: d.case.slice(-8), a: d.parties[0], b: d.parties[1] })),
			h("ul", {}, d.messages.map((m) => h("li", {},
				h("span", { class: "mono" }, m.hash.slice(0, 12)), " ", t(`msg.${m.type}`), " ", t("at.by", { who: m.from, at: "" }),
				h("div", { class: "muted" }, t("vf.sig", { a: t(`vf.sig.${m.with_pinned_key}`), b: t(`vf.sig.${m.with_disclosed_card}`) }))))),
			h("p", {}, t("vf.withheld", { n: (d.withheld || []).length })),
		];
	}
	if (c.review) {
		const r = c.review.review;
		return [
			h("p", {}, t("vf.review", { v: r.verifier, h: c.review.hash.slice(0, 16) })),
			h("ul", {}, (r.items || []).map((x) => h("li", {}, t("vf.itemline", { i: x.item.slice(0, 12), s: t(`vf.item.${x.status}`) })))),
			h("ul", {}, (r.findings || []).map((x) => h("li", {},
				h("span", { class: "mono" }, x.finding.slice(0, 12)), " ", h("strong", {}, t(`vf.verdict.${x.verdict}`)),
				x.comment ? ` — ${x.comment}` : ""))),
			h("ul", {}, (r.assessments || []).map((x) => h("li", {},
				h("span", { class: "mono" }, x.assessment.slice(0, 12)), " ", h("strong", {}, t(`vf.opinion.${x.opinion}`)),
				x.comment ? ` — ${x.comment}` : ""))),
			h("p", {}, t("vf.withheld", { n: (r.withheld || []).length })),
		];
	}
	return null;
}

// ---- what a receiver will miss ---------------------------------------------

export function completenessPanel(c) {
	const miss = c.completeness;
	if (!miss) return null;
	if (!miss.length) return h("p", { class: "muted" }, t("cp.none"));
	return h("ul", {}, miss.map((m) => h("li", {}, h("strong", {}, t(`cf.${m.field}`)), m.required ? ` (${t("cp.req")})` : "")));
}
