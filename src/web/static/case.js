// One case: its header, clock bars, observables, the signed timeline with
// both parties' local times and UTC, texts beside their translations, and
// the actions the case's state allows us now.
import { t, lang } from "./i18n.js";
import { moveWords } from "./inbox.js";
import { h, api, can, fmtTime, fmtDuration, tlpBadge, session, say, errorBox, errorLine, fill, ApiError, channels } from "./util.js";
import { actionsPanel } from "./actions.js";
import { evidencePanel, attribPanel, verifierPanel, completenessPanel } from "./evidence.js";

const CLOCKS = ["acknowledge", "triage", "first_response", "resolution"];
// The states a triage decision explains; after them it is history.
const DECIDED = new Set(["needs-info", "declined", "forwarded"]);

// A deadline in the responder's zone (the clocks count there), in ours
// when it differs, and in UTC.
function dueTimes(iso, zone) {
	const ours = session.me.timezone;
	return [fmtTime(iso, zone), ours !== zone ? fmtTime(iso, ours) : null, fmtTime(iso)]
		.filter(Boolean).join(" · ");
}

function clockBar(name, k, zone, now) {
	if (!k || k.state === "n/a") return null;
	const start = Date.parse(k.start), dl = k.deadline ? Date.parse(k.deadline) : null;
	const end = k.stopped ? Date.parse(k.stopped) : now;
	let state = k.state === "running" && dl !== null && dl <= now ? "overdue" : k.state;
	let frac = dl && dl > start ? (end - start) / (dl - start) : 0;
	frac = Math.max(0, Math.min(1, frac));
	if (state === "overdue" || state === "breached") frac = 1;
	let what;
	if (state === "running") what = t("ck.left", { d: fmtDuration(dl - now) });
	else if (state === "overdue") what = t("ck.over", { d: fmtDuration(now - dl) });
	else if (state === "paused") what = t("ck.paused");
	else if (state === "met") what = t("ck.met", { at: fmtTime(k.stopped, session.me.timezone) });
	else if (state === "breached") what = t("ck.breached", { d: fmtDuration(Date.parse(k.stopped) - dl) });
	else what = t(`cs.${state}`);
	// A sliver even for a clock stopped at once, so the bar is seen.
	const pct = Math.max(2, Math.round(frac * 100));
	return h("div", { class: "clock" },
		h("div", { class: "label" },
			h("span", {}, h("strong", {}, t(`clock.${name}`)), " ",
				h("span", { class: `state-${state}` }, what)),
			h("span", { class: "muted" }, t("ck.budget", { b: k.budget, basis: t(`basis.${k.basis}`) }),
				dl ? [" · ", t("ck.due"), " ", dueTimes(k.deadline, zone)] : null)),
		h("div", {
			class: `bar ${state}`, role: "progressbar", "aria-label": t(`clock.${name}`),
			"aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(pct),
			"aria-valuetext": what,
		}, h("span", { style: `width:${pct}%` })));
}

function textBlock(txt) {
	if (!txt || !txt.value) return null;
	const blocks = [h("div", { class: "text", lang: txt.lang === "zh" ? "zh-CN" : txt.lang },
		h("span", { class: "lang" }, t("tx.original", { l: txt.lang })), txt.value)];
	if (txt.translation && txt.translation.value)
		blocks.push(h("div", { class: "text", lang: txt.translation.lang === "zh" ? "zh-CN" : txt.translation.lang },
			h("span", { class: "lang" }, t("tx.translation", {
				l: txt.translation.lang, by: t(`tx.by.${txt.translation.by || "human"}`),
			})), txt.translation.value));
	return h("div", { class: `texts${blocks.length === 1 ? " one" : ""}` }, blocks);
}

// What a message is, in words: a page or a ladder step rather than a bare
// "escalated", and a hotline's opening message as the call it is.
function typeLabel(m, c) {
	const b = m.body || {};
	if (m.type === "escalate" && b.page) return t("msg.page");
	if (m.type === "escalate" && b.ladder) return t("msg.ladder");
	if (m.type === "request" && c.kind === "hotline") return t("msg.hotline");
	return t(`msg.${m.type}`);
}

const OBS_TYPES = ["ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "file", "vulnerability", "autonomous-system"];
const obsType = (x) => (OBS_TYPES.includes(x) ? t(`ot.${x}`) : x);

// "Business time is Mon–Fri 09:00–17:00 in Asia/Shanghai, except 3
// holidays": what the clocks of this case count.
function calendarLine(cal) {
	if (!cal) return null;
	const d = cal.workdays || [];
	const run = d.length > 2 && d.every((x, i) => i === 0 || x === d[i - 1] + 1);
	const days = run ? `${t(`day.${d[0]}`)}–${t(`day.${d[d.length - 1]}`)}` : d.map((x) => t(`day.${x}`)).join(", ");
	return [t("cal.line", { days, hours: cal.hours.replace("-", "–"), zone: cal.timezone }),
		(cal.holidays || []).length ? t("cal.holidays", { n: cal.holidays.length }) : "", lang() === "zh" ? "。" : "."].join("");
}

function detail(m) {
	const b = m.body || {}, out = [];
	// A custody event: what happened, by whom, and the receipt's status.
	if (m.type === "evidence") {
		out.push(t(`evt.${b.event}`));
		if (b.status) out.push(t(`ev.st.${b.status}`));
		if (b.by) out.push(b.by);
		return out.join(" · ");
	}
	if (b.decision) out.push(t(`dec.${b.decision}`));
	if (b.reason) out.push(t(`reason.${b.reason}`));
	if (b.outcome) out.push(t(`outcome.${b.outcome}`));
	if (b.score) out.push(t("score", { n: b.score }));
	if (b.by) out.push(t("ackby", { who: b.by }));
	if (b.page) out.push(t("page", { n: b.page.attempt, who: b.page.name || b.page.contact, how: channels(b.page.channels) }));
	if (b.ladder) out.push(t("ladder", { clock: t(`clock.${b.ladder.clock}`), level: b.ladder.level, who: b.ladder.notify }));
	return out.join(" · ");
}

function timeline(c, now) {
	const ours = session.me.node;
	const zr = (c.parties && c.parties.requester && c.parties.requester.timezone) || null;
	const zs = (c.parties && c.parties.responder && c.parties.responder.timezone) || null;
	const msgs = [...(c.messages || [])].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
	const other = c.our_role === "requester" ? c.responder : c.requester;
	// Internal notes are ours alone: marked apart, and never links to a
	// record (they are in our log, not in the exchange).
	const internal = (x) => h("li", { class: "internal" },
		h("div", { class: "head" },
			h("span", { class: "type" }, t("in.label")),
			h("span", { class: "badge internal" }, t("in.badge", { who: other })),
			x.by ? h("span", { class: "muted" }, t("in.by", { by: x.by })) : null),
		h("div", { class: "times" }, h("span", {}, fmtTime(x.time))),
		textBlock(x.text));
	const items = [...msgs.map((m) => [m.time, m]), ...(c.internal_notes || []).map((x) => [x.time, x, true])]
		.sort((a, b) => Date.parse(a[0]) - Date.parse(b[0]));
	return h("ol", { class: "timeline", "aria-label": t("case.timeline") }, items.map(([, m, inote]) => inote ? internal(m) : h("li", {
		class: m.from === ours ? "ours" : "theirs",
	},
	h("div", { class: "head" },
		h("span", { class: "type" }, typeLabel(m, c)),
		h("span", {}, detail(m)),
		h("span", { class: "muted" }, t("fromto", { from: m.from, to: m.to })),
		h("a", { href: `#/record/${m.hash}`, class: "mono", title: t("rec.link") },
			t("seqhash", { seq: m.seq, hash: m.hash.slice(0, 12) }),
			m.log_index !== undefined && m.log_index !== null ? ` · ${t("rec.idx", { i: m.log_index })}` : "")),
	h("div", { class: "times" },
		h("span", {}, fmtTime(m.time)),
		zr ? h("span", {}, t("tz.requester"), " ", fmtTime(m.time, zr)) : null,
		zs && zs !== zr ? h("span", {}, t("tz.responder"), " ", fmtTime(m.time, zs)) : null,
		m.received && m.from !== ours ? h("span", {}, t("received", { at: fmtTime(m.received, session.me.timezone) })) : null),
	textBlock(m.body && m.body.text),
	m.effect ? h("p", { class: "muted" }, t("effect", { e: m.effect })) : null)));
}

// An unknown or malformed reference gets a page that says so in the
// user's language and leads back; any other failure, the node's words.
function notFound(e, ref) {
	const back = h("p", {}, h("a", { href: "#/inbox" }, "← ", t("nav.inbox")));
	if (e instanceof ApiError && e.status === 404)
		return [back, h("h1", {}, t("case.notfound", { ref })), h("p", {}, t("case.notfound.help"))];
	if (e instanceof ApiError && e.status === 422)
		return [back, h("h1", {}, t("case.notfound", { ref })), h("p", {}, t("case.badref", { ref }))];
	return [back, errorBox(e)];
}

export async function render(main, [ref]) {
	let etag = null, c = null, stopped = false, actionsKey = "", flash = null;
	const head = h("div"), clocks = h("section", { class: "panel", "aria-labelledby": "clocks-h" });
	const obs = h("section", { class: "panel", "aria-labelledby": "obs-h" });
	const tl = h("section", { class: "panel", "aria-labelledby": "tl-h" });
	const acts = h("section", { class: "panel actions", "aria-labelledby": "act-h" });
	const evid = h("section", { class: "panel evidence", "aria-labelledby": "ev-h" });
	const attr = h("section", { class: "panel attrib", "aria-labelledby": "at-h" });
	const verif = h("section", { class: "panel verifier", "aria-labelledby": "vf-h" });
	const compl = h("section", { class: "panel completeness", "aria-labelledby": "cp-h" });
	let evKey = "";

	// Evidence and findings change rarely; a form being filled in (an
	// upload under way) is never replaced by a poll.
	function drawEvidence() {
		const key = JSON.stringify([c.evidence, c.findings, c.assessments, c.disclosure, c.review, c.completeness, lang()]);
		if (key === evKey || evid.querySelector("form.dirty")) return;
		evKey = key;
		fill(evid, h("h2", { id: "ev-h" }, t("ev.title")), evidencePanel(c, async (msg) => {
			say(msg);
			etag = null;
			evKey = "";
			await load();
		}));
		const at = attribPanel(c);
		fill(attr, at ? [h("h2", { id: "at-h" }, t("at.title")), at] : null);
		attr.hidden = !at;
		const vf = verifierPanel(c);
		fill(verif, vf ? [h("h2", { id: "vf-h" }, t("vf.title")), vf] : null);
		verif.hidden = !vf;
		const cp = completenessPanel(c);
		fill(compl, cp ? [h("h2", { id: "cp-h" }, t("cp.title")), cp] : null);
		compl.hidden = !cp;
	}

	function draw() {
		const now = Date.now();
		const zone = (c.parties && c.parties.responder && c.parties.responder.timezone) || "UTC";
		const p = c.parties || {};
		fill(head,
			c.exercise ? h("p", { class: "exband", role: "note" }, h("a", { href: `#/exercise/${c.exercise.id}` },
				t("x.case", { ref: `EX-${c.exercise.id.slice(-8)}`, i: c.exercise.inject || "—" }))) : null,
			h("h1", {}, tlpBadge(c.tlp), " ", c.title || c.ref),

			h("p", {},
				h("span", { class: `prio prio-${c.priority}` }, t(`prio.${c.priority}`)), " · ",
				t(`kind.${c.kind}`), " · ", t(`cat.${c.category}`),
				c.kind === "request" && c.request_type ? [" · ", t(`rq.${c.request_type}`)] : null, " · ",
				h("strong", {}, t(`state.${c.state}`)),
				c.decision && DECIDED.has(c.state) ? [" ", t("paren", { x: [t(`dec.${c.decision}`),
					c.reason ? t(`reason.${c.reason}`) : null].filter(Boolean).join(lang() === "zh" ? "：" : ": ") })] : null,
				c.score ? [" · ", t("score", { n: c.score })] : null),
			h("p", { class: "muted" },
				t("parties", {
					req: c.requester, rz: (p.requester && p.requester.timezone) || "?",
					res: c.responder, sz: (p.responder && p.responder.timezone) || "?",
				}), " · ", h("span", { class: "mono" }, c.ref), " · ",
				c.our_role ? t(`role.we.${c.our_role}`) : ""),
			// Whose move it is, as the inbox says it.
			(() => { const m = moveWords(c, now); return m.who ? h("p", { class: `move move-${m.who}`, id: "move" }, m.text) : null; })(),
			deskLine());
		const bars = CLOCKS.map((k) => clockBar(k, c.clocks && c.clocks[k], zone, now)).filter(Boolean);
		const business = bars.length && Object.values(c.clocks || {}).some((k) => k && k.basis === "business");
		const ag = c.agreement;
		fill(clocks, h("h2", { id: "clocks-h" }, t("case.clocks", { who: c.responder })),
			business ? h("p", { class: "help" }, calendarLine(c.calendar)) : null,
			ag && bars.length ? h("p", { class: "help" }, t("case.agreement", { v: ag.version })) : null,
			// The node's own words after a headline in the user's language.
			ag && ag.disagreement ? h("p", { class: "notice", role: "note" },
				h("strong", {}, t("case.disagree")), " ", ag.disagreement) : null,
			bars.length ? bars : h("p", { class: "muted" }, t("case.noclocks")));
		fill(obs, h("h2", { id: "obs-h" }, t("case.observables")),
			(c.observables || []).length
				? h("ul", { class: "obs" }, c.observables.map((o) =>
					h("li", {}, h("span", { class: "t", title: obsType(o.type) }, o.type), h("code", {}, o.value),
						o.unicode ? [" ", h("span", { class: "idn" }, `(${o.unicode})`)] : null)))
				: h("p", { class: "muted" }, t("case.noobs")),
			// Have we seen these before, and with whom?
			(c.related || []).length ? [h("h3", {}, t("case.related")),
				h("ul", { class: "related" }, c.related.map((r) => h("li", {},
					h("code", {}, r.observable.value), " ",
					t("case.related.in", { peer: r.peer, when: fmtTime(r.opened, session.me.timezone).slice(0, 10), state: t(`state.${r.state}`) }), " ",
					h("a", { href: `#/case/${r.ref}` }, r.title || r.ref))))] : null);
		fill(tl, h("h2", { id: "tl-h" }, t("case.timeline")), timeline(c, now));
		const key = JSON.stringify([c.actions, c.state, c.score, lang(), flash]);
		const dirty = acts.querySelector("form.dirty");
		if (key !== actionsKey && !dirty) {
			actionsKey = key;
			const other = c.our_role === "requester" ? c.responder : c.requester;
			const done = flash ? h("p", { class: "notice done", role: "status", tabindex: "-1" }, flash) : null;
			fill(acts, h("h2", { id: "act-h" }, t("case.actions")), done,
				c.state === "needs-info" ? h("p", { class: "notice" },
					t(c.our_role === "requester" ? "ni.requester" : "ni.responder", { who: other })) : null,
				actionsPanel(c, async (msg) => {
					say(msg);
					flash = msg;
					etag = null;
					await load();
					const n = acts.querySelector(".done");
					if (n) n.focus();
				}));
		}
		acts.hidden = !can("analyst");
		drawEvidence();
	}

	// Who on our desk holds the case (kept here, never sent), and a list
	// to give it to one of our people or take it back.
	function deskLine() {
		const d = c.desk || { assignee: null, watchers: [] };
		const line = h("p", { id: "desk", class: "desk" },
			h("strong", {}, d.assignee ? t("desk.held", { who: d.assignee }) : t("desk.none")),
			d.watchers.length ? [" · ", t("desk.watch", { who: d.watchers.join(", ") })] : null);
		if (!can("analyst") || !people) return line;
		const s = h("select", { id: "desk-assign", "aria-label": t("desk.assign") },
			h("option", { value: "" }, t("desk.nobody")),
			people.map((p) => h("option", { value: p, selected: p === d.assignee }, p === session.me.person ? t("desk.me", { who: p }) : p)));
		s.addEventListener("change", async () => {
			try {
				await api("POST", `/api/v1/cases/${encodeURIComponent(c.ref)}/assign`, { person: s.value || null });
				say(s.value ? t("desk.done", { who: s.value }) : t("desk.undone"));
				etag = null;
				await load();
			} catch (e) { say(errorLine(e)); }
		});
		line.append(" ", h("label", { for: "desk-assign", class: "muted" }, t("desk.assign")), " ", s);
		return line;
	}
	let people = null;
	api("GET", "/api/v1/contacts").then((ds) => {
		const self = (ds || []).find((x) => x.self);
		people = self ? (self.contacts || []).map((x) => x.id) : [];
		if (c) draw();
	}).catch(() => {});

	async function load() {
		const r = await api("GET", `/api/v1/cases/${encodeURIComponent(ref)}`, undefined, { etag, withTag: true });
		if (stopped || r.status === 304) return;
		etag = r.etag;
		c = r.data;
		draw();
	}

	fill(main, h("p", {}, h("a", { href: "#/inbox" }, "← ", t("nav.inbox"))), head,
		h("div", { class: "grid2" }, h("div", {}, tl, evid, attr, verif, obs), h("div", {}, clocks, acts, compl)));
	try {
		await load();
	} catch (e) {
		fill(main, notFound(e, ref));
		return null;
	}
	let n = 0;
	return {
		poll: async () => { await load(); if (++n % 10 === 0 && c) draw(); },
		stop: () => { stopped = true; },
	};
}
