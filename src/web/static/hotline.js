// The hotline banner: every open hotline not yet acknowledged, on every
// page, with the roster walk (who was paged, how, when) as it happens.
import { setTitle } from "./alerts.js";
import { t, lang } from "./i18n.js";
import { h, api, can, fmtTime, fmtDuration, session, say, errorLine, fill, channels } from "./util.js";

let lastKey = "";

// Whether a page reached the person, per channel: the paging node signs
// a delivery report into the case as each notification goes out, fails
// or is retried, so both sides read the same account; the paging node
// adds what its own queue knows and has not reported yet.
function delivery(hl, p) {
	if (!p.delivery || !p.delivery.length) return t("hl.dl.unknown", { p: hl.responder });
	return p.delivery.map((d) => {
		const ch = t(`ch.${d.channel}`);
		if (d.status === "delivered") return `${ch} ${t("hl.dl.sent", { at: d.at ? fmtTime(d.at, session.me.timezone).slice(11, 16) : "" })}`;
		const known = ["pending", "retrying", "failed", "manual", "unreported"];
		const what = t(`hl.dl.${known.includes(d.status) ? d.status : "pending"}`);
		return `${ch} ${what}${d.detail && d.status !== "manual" ? ` (${d.detail})` : ""}`;
	}).join("; ");
}

function walk(hl) {
	const steps = (hl.pages || []).map((p) => {
		const failed = p.delivery && p.delivery.some((d) => d.status === "failed" || d.status === "retrying") &&
			!p.delivery.some((d) => d.status === "delivered");
		return h("span", { class: `step${p.answered ? " answered" : ""}${failed ? " undelivered" : ""}` },
			t("hl.page", {
				n: p.attempt, who: p.name || p.contact,
				how: channels(p.channels) || t("hl.manual"),
				at: p.at ? fmtTime(p.at, session.me.timezone).slice(11) : "—",
			}), " · ", h("span", { class: "dl" }, delivery(hl, p)));
	});
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
		say(errorLine(e));
	}
}

export async function hotlineBanner() {
	const box = document.getElementById("hotlines");
	if (!session.me) { fill(box); return; }
	const list = await api("GET", "/api/v1/hotlines");
	const open = list.filter((x) => !x.acknowledged);
	const now = Date.now();
	setTitle(open.length);
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
