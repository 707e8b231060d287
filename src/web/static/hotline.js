// The hotline banner: every open hotline not yet acknowledged, on every
// page, with the roster walk (who was paged, how, when) as it happens.
import { t, lang } from "./i18n.js";
import { h, api, can, fmtTime, fmtDuration, session, say, fill } from "./util.js";

let lastKey = "";

function walk(hl) {
	const steps = (hl.pages || []).map((p) =>
		h("span", { class: `step${p.answered ? " answered" : ""}` },
			t("hl.page", {
				n: p.attempt, who: p.name || p.contact,
				how: (p.channels || []).join("+") || t("hl.manual"),
				at: p.at ? fmtTime(p.at, session.me.timezone).slice(11) : "—",
			})));
	if (!steps.length) steps.push(h("span", { class: "step" }, t("hl.nopages")));
	return h("div", { class: "walk", "aria-label": t("hl.walk") }, steps);
}

async function ack(hl, btn) {
	btn.disabled = true;
	try {
		await api("POST", `/api/v1/cases/${hl.ref}/ack`, { text: t("hl.acktext"), lang: lang() });
		say(t("hl.acked", { ref: hl.ref }));
		lastKey = "";
		await hotlineBanner();
	} catch (e) {
		btn.disabled = false;
		say(e.message);
	}
}

export async function hotlineBanner() {
	const box = document.getElementById("hotlines");
	if (!session.me) { fill(box); return; }
	const list = await api("GET", "/api/v1/hotlines");
	const open = list.filter((x) => !x.acknowledged);
	const now = Date.now();
	document.title = open.length ? `(${open.length}) ${t("hl.title")} — parley` : "parley";
	// Re-render only when something changed (keeps keyboard focus).
	const key = JSON.stringify([open, Math.floor(now / 30000), t("hl.title")]);
	if (key === lastKey) return;
	lastKey = key;
	fill(box, ...open.map((hl) => {
		const inbound = hl.direction === "inbound";
		const dl = hl.ack_deadline ? Date.parse(hl.ack_deadline) : null;
		const due = dl === null ? "" : dl < now
			? t("hl.overdue", { d: fmtDuration(now - dl) }) : t("hl.due", { d: fmtDuration(dl - now) });
		const btn = inbound && can("analyst")
			? h("button", { type: "button", onclick: (ev) => ack(hl, ev.target) }, t("hl.ack"))
			: null;
		return h("section", { class: `hotline${inbound ? "" : " out"}`, "aria-label": t("hl.title") },
			h("strong", {}, inbound ? t("hl.in", { peer: hl.requester }) : t("hl.out", { peer: hl.responder })),
			h("a", { href: `#/case/${hl.ref}` }, hl.title || hl.ref),
			h("span", {}, t("hl.raised", { at: fmtTime(hl.raised, session.me.timezone) }), " · ", due),
			walk(hl), btn);
	}));
}
