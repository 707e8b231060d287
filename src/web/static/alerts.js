// Alerts on arrival: a new case from a peer, or an answer we waited for (a
// case that turns from waiting on the peer to waiting on us: a result, a
// triage, the information asked for).  Each is counted in the tab title
// until its case is opened, and shown as a browser notification when the
// user allowed them ("Desktop alerts" in the inbox asks, from a click, as
// browsers require).  Open hotlines are counted in the title too.
import { t } from "./i18n.js";
import { api, session } from "./util.js";
import { whoseMove } from "./inbox.js";

let known = null, etag = null, hotlines = 0;
const unseen = new Map(); // ref -> what arrived

export function setTitle(openHotlines = hotlines) {
	hotlines = openHotlines;
	const parts = [];
	if (hotlines) parts.push(t("hl.title"));
	if (unseen.size) parts.push(t("al.title", { n: unseen.size }));
	const n = hotlines + unseen.size;
	document.title = n ? `(${n}) ${parts.join(" · ")} — parley` : "parley";
}

// Called when a case page opens: what arrived on it is seen.
export function seen(ref) {
	if (unseen.delete(ref)) setTitle();
}

function notify(c, what) {
	const title = t(`al.${what}`, { peer: c.peer, kind: t(`kind.${c.kind}`), ref: c.ref });
	unseen.set(c.ref, title);
	if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
	try {
		const n = new Notification(title, { body: `${c.priority} · ${c.title || c.ref}`, tag: `parley-${c.ref}` });
		n.onclick = () => { window.focus(); location.hash = `#/case/${c.ref}`; };
	} catch (e) { /* a browser that refuses: the title still counts it */ }
}

export async function arrivals() {
	if (!session.me) return;
	const r = await api("GET", "/api/v1/cases?open=1", undefined, { etag, withTag: true });
	if (r.status !== 304) {
		etag = r.etag;
		const now = Date.now();
		const next = new Map(r.data.map((c) => [c.ref, c]));
		if (known) {
			for (const c of r.data) {
				const before = known.get(c.ref);
				const here = location.hash === `#/case/${c.ref}`;
				if (here) continue;
				if (!before && c.direction === "in") notify(c, "new");
				else if (before && before.updated !== c.updated && whoseMove(c, now).who === "us" &&
					whoseMove(before, now).who !== "us") notify(c, "answer");
			}
		}
		known = next;
	}
	setTitle();
}

// Forgets everything (log out).
export function resetAlerts() {
	known = null;
	etag = null;
	unseen.clear();
	hotlines = 0;
	setTitle();
}
