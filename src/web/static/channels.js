// The channel banner: a peer that refuses our messages, whose messages we
// refuse, or that does not answer, on every page until the channel flows
// again (docs/channel.md).  A blocked channel must never be silent: every
// later message waits behind the refused one.
import { t } from "./i18n.js";
import { h, api, can, fmtTime, session, say, errorLine, fill } from "./util.js";

let lastKey = "";

// An unreachable peer is shown after a minute: one failed connection is
// the network's ordinary weather, not news.
const UNREACHABLE_AFTER_MS = 60 * 1000;

function problems(list) {
	const out = [];
	const now = Date.now();
	for (const c of list) {
		for (const dir of ["out", "in"]) {
			const p = c[dir];
			if (!p) continue;
			if (p.state === "unreachable" && now - Date.parse(p.since) < UNREACHABLE_AFTER_MS) continue;
			out.push({ peer: c.peer, dir, p });
		}
	}
	return out;
}

async function retry(peer, btn) {
	btn.disabled = true;
	try {
		await api("POST", `/api/v1/channels/${encodeURIComponent(peer)}/retry`);
		say(t("chan.retried", { peer }));
	} catch (e) {
		say(errorLine(e));
	} finally {
		btn.disabled = false;
	}
}

export async function channelBanner() {
	const box = document.getElementById("channels");
	if (!session.me) { fill(box); box.hidden = true; return; }
	const list = problems(await api("GET", "/api/v1/channels"));
	const key = JSON.stringify([list, t("chan.title")]);
	if (key === lastKey) return;
	lastKey = key;
	box.hidden = list.length === 0;
	fill(box, ...list.map(({ peer, dir, p }) => {
		const head = p.state === "unreachable"
			? t("chan.unreachable", { peer, since: fmtTime(p.since, session.me.timezone) })
			: t(`chan.${dir}`, { peer, seq: p.seq, since: fmtTime(p.since, session.me.timezone) });
		const btn = dir === "out" && can("duty")
			? h("button", { type: "button", onclick: (ev) => retry(peer, ev.target) }, t("chan.retry"))
			: null;
		return h("section", { class: `channel ${p.state}`, "aria-label": t("chan.title") },
			h("strong", {}, head),
			h("span", { lang: "en" }, p.reason),
			h("span", { class: "advice", lang: "en" }, p.advice),
			h("span", {}, p.notified ? t("chan.told") : ""),
			btn);
	}));
}
