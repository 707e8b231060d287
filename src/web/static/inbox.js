// The inbox: open cases (or all of them), the clock that matters most now,
// sorted by urgency (overdue first, then the least time left); filters;
// new and changed cases arrive by polling with an ETag (a 304 costs
// nothing).
import { t } from "./i18n.js";
import { h, api, urgentClock, urgencyText, tlpBadge, fmtTime, session, say, errorLine, fill } from "./util.js";

const PAGE = 200;
const PRIO = { P1: 0, P2: 1, P3: 2, P4: 3 };
// Kept while the console is open, so coming back to the inbox keeps them.
const filters = { scope: "open", peer: "", kind: "", category: "", state: "", holder: "", overdue: false, ours: false, q: "" };
const ENDED = new Set(["closed", "declined", "forwarded", "withdrawn", "accepted"]);

// Whose move an open case is, and what is owed.  The clocks count the
// responder's promises: on a case we answer ("in") a running clock is
// ours to beat; on one we asked ("out") it is theirs.  After needs-info the
// requester owes the information (the clocks are paused for it); after a
// result the requester rates and closes.  {who: "us"|"them"|null, what, u}.
export function whoseMove(c, now) {
	const u = urgentClock(c, now);
	const weAnswer = c.direction !== "out";
	if (ENDED.has(c.state)) return { who: null, what: "ended", u };
	if (c.state === "needs-info") return { who: weAnswer ? "them" : "us", what: "info", u };
	if (c.state === "resolved") return { who: weAnswer ? "them" : "us", what: "close", u };
	return { who: weAnswer ? "us" : "them", what: "clock", u };
}

// Who owes what by when, in words, for a case view (the case page's
// header says what the inbox row says).  {who, text}.
export function moveWords(view, now = Date.now()) {
	const c = { ...view, direction: view.our_role === "requester" ? "out" : "in",
		peer: view.our_role === "requester" ? view.responder : view.requester };
	const m = whoseMove(c, now);
	return { who: m.who, text: moveText(c, m, now) };
}

// What the first column says, in words: who owes what by when.
function moveText(c, m, now) {
	if (m.who === null) return t(`state.${c.state}`);
	const who = m.who === "us" ? t("move.us") : t("move.them", { peer: c.peer });
	if (m.what === "info") return t(m.who === "us" ? "move.info.us" : "move.info.them", { peer: c.peer });
	if (m.what === "close") return `${who} — ${quietText(c)}`;
	if (!m.u) return `${who} — ${t(`state.${c.state}`)}`;
	const by = m.u.deadline !== Infinity && m.u.state !== "paused"
		? ` ${t("move.by", { at: fmtTime(new Date(m.u.deadline).toISOString(), session.me.timezone).slice(5, 16) })}` : "";
	return `${who} — ${urgencyText(m.u, now)}${by}`;
}

// Open cases waiting on us first, then those waiting on them; each group
// by urgency (overdue, least time left, paused, no clock); ended ones
// after them, the most recent first.
function sortKey(c, now) {
	const m = whoseMove(c, now), u = m.u;
	const group = m.who === "us" ? 0 : m.who === "them" ? 1 : 2;
	const rank = ENDED.has(c.state) ? 4 : u ? u.rank : 3;
	const dl = u && u.deadline !== Infinity ? u.deadline : Number.MAX_SAFE_INTEGER;
	const recent = -(Date.parse(c.updated || 0) || 0);
	return rank >= 3 ? [group, rank, recent, PRIO[c.priority] ?? 9, c.ref] : [group, rank, dl, PRIO[c.priority] ?? 9, c.ref];
}

function cmp(a, b) {
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
	return 0;
}

// What the first column says of a case with no clock running.
function quietText(c) {
	if (c.state === "resolved") return t(c.direction === "out" ? "urg.res.out" : "urg.res.in");
	return t(`state.${c.state}`);
}

// New cases and awaited answers are counted in the tab title; a browser
// notification needs the user's leave, asked from a click.
function alertsOffer() {
	if (typeof Notification === "undefined" || Notification.permission !== "default") return null;
	const btn = h("button", { type: "button", class: "ghost", id: "alerts-allow" }, t("al.allow"));
	const p = h("p", { class: "muted" }, t("al.offer"), " ", btn);
	btn.addEventListener("click", async () => {
		const r = await Notification.requestPermission();
		p.textContent = t(r === "granted" ? "al.on" : "al.off");
	});
	return p;
}

export async function render(main) {
	let cases = [], etag = null, shown = PAGE, seen = null, stopped = false;
	// The order and what "open" means are said above the table (a caption
	// would be as wide as the table, which scrolls on a narrow screen).
	const caption = h("p", { class: "muted", id: "inbox-caption" });
	const table = h("table", { class: "inbox", "aria-describedby": "inbox-caption inbox-count" });
	const count = h("p", { class: "count", id: "inbox-count", "aria-live": "polite" });
	const empty = h("div", { class: "empty" });
	// The search box also asks the node, over every case, open and ended,
	// by text (titles, texts, translations) and by observable.
	const found = h("section", { class: "found", "aria-live": "polite", hidden: true });
	let foundQ = "", foundTimer = null;
	function searchAll() {
		const q = filters.q.trim();
		if (q === foundQ) return;
		foundQ = q;
		clearTimeout(foundTimer);
		if ([...q].length < 2) { found.hidden = true; fill(found); return; }
		foundTimer = setTimeout(async () => {
			let r;
			try { r = await api("GET", `/api/v1/search?q=${encodeURIComponent(q)}`); } catch (e) { return; }
			if (q !== foundQ) return;
			found.hidden = false;
			fill(found, h("h2", {}, t("search.all", { n: r.cases.length, q })),
				r.observable ? h("p", { class: "muted" }, t("search.obs", { type: r.observable.type, value: r.observable.value })) : null,
				r.cases.length ? h("ul", { class: "found-list" }, r.cases.map((c) => h("li", {},
					h("a", { href: `#/case/${c.ref}` }, c.title || c.ref), " ",
					h("span", { class: "muted" }, t("search.row", { peer: c.peer, when: fmtTime(c.opened, session.me.timezone).slice(0, 10), state: t(`state.${c.state}`) })))))
					: h("p", { class: "muted" }, t("search.none")));
		}, 400);
	}
	const more = h("button", { type: "button", class: "ghost", hidden: true }, "");
	more.addEventListener("click", () => { shown += PAGE; draw(); });

	// The filter bar is built once: polling only refreshes the options, so
	// typing in the search box or choosing in a list is never disturbed.
	// A chosen value stays listed even when no case has it any more, so
	// the bar always shows what the table is filtered by.
	const sel = {};
	function select(key, label, name) {
		const s = h("select", { id: `f-${key}`, name: key });
		sel[key] = { el: s, name, values: null };
		return h("div", {}, h("label", { for: s.id }, label), s);
	}
	function options(key, values) {
		const x = sel[key];
		const vals = [...new Set([...values, ...(filters[key] ? [filters[key]] : [])])].sort();
		const sig = vals.join("\n");
		if (x.values === sig) return;
		x.values = sig;
		fill(x.el, h("option", { value: "" }, t("f.all")),
			vals.map((v) => h("option", { value: v, selected: v === filters[key] }, x.name ? x.name(v) : v)));
		x.el.value = filters[key];
	}
	const scope = h("select", { id: "f-scope", name: "scope" },
		h("option", { value: "open", selected: filters.scope === "open" }, t("f.scope.open")),
		h("option", { value: "all", selected: filters.scope === "all" }, t("f.scope.all")));
	const search = h("input", { id: "f-q", type: "search", value: filters.q, placeholder: t("f.searchph") });
	const overdue = h("input", { id: "f-overdue", type: "checkbox", checked: filters.overdue });
	const ours = h("input", { id: "f-ours", type: "checkbox", checked: filters.ours });
	// Who on our desk holds a case: mine (the person this sign-in acts
	// as), or nobody.
	const holder = h("select", { id: "f-holder", name: "holder" },
		h("option", { value: "" }, t("f.all")),
		session.me.person ? h("option", { value: "mine", selected: filters.holder === "mine" }, t("f.mine")) : null,
		h("option", { value: "none", selected: filters.holder === "none" }, t("f.unassigned")));
	const clear = h("button", { type: "button", class: "ghost", id: "f-clear" }, t("f.clear"));
	const bar = h("form", { class: "filters", role: "search", "aria-label": t("f.title") },
		h("div", {}, h("label", { for: "f-scope" }, t("f.scope")), scope),
		select("peer", t("f.peer")),
		select("kind", t("f.kind"), (v) => t(`kind.${v}`)),
		select("category", t("f.category"), (v) => t(`cat.${v}`)),
		select("state", t("f.state"), (v) => t(`state.${v}`)),
		h("div", {}, h("label", { for: "f-holder" }, t("f.holder")), holder),
		h("div", {}, h("label", { for: "f-q" }, t("f.search")), search),
		h("div", { class: "check" }, overdue, " ", h("label", { for: "f-overdue", style: "display:inline" }, t("f.overdue"))),
		h("div", { class: "check" }, ours, " ", h("label", { for: "f-ours", style: "display:inline" }, t("f.ours"))),
		h("div", {}, clear));
	const filtered = () => filters.peer || filters.kind || filters.category || filters.state || filters.holder || filters.overdue || filters.ours || filters.q.trim();
	bar.addEventListener("input", (ev) => {
		const id = ev.target.id.slice(2);
		if (!(id in filters)) return;
		filters[id] = ev.target.type === "checkbox" ? ev.target.checked : ev.target.value;
		if (id === "q") searchAll();
		shown = PAGE;
		if (id === "scope") { etag = null; seen = null; load().catch((e) => say(errorLine(e))); return; }
		draw();
	});
	bar.addEventListener("submit", (ev) => ev.preventDefault());
	clear.addEventListener("click", () => {
		Object.assign(filters, { peer: "", kind: "", category: "", state: "", holder: "", overdue: false, ours: false, q: "" });
		holder.value = "";
		search.value = "";
		overdue.checked = false;
		ours.checked = false;
		for (const k of Object.keys(sel)) sel[k].values = null;
		refreshOptions();
		draw();
		search.focus();
	});
	function refreshOptions() {
		const uniq = (k) => [...new Set(cases.map((c) => c[k]))];
		for (const k of Object.keys(sel)) options(k, uniq(k));
	}

	function row(c, now, fresh) {
		const m = whoseMove(c, now), u = m.u;
		const tr = h("tr", { class: `row${fresh ? " fresh" : ""}${ENDED.has(c.state) ? " ended" : ""}`, dataset: { ref: c.ref, move: m.who || "" } },
			h("td", { class: `urg ${u ? u.state : ""} move-${m.who || "none"}` }, moveText(c, m, now)),
			h("td", {}, h("span", { class: `prio prio-${c.priority}` }, c.priority)),
			h("td", {}, tlpBadge(c.tlp)),
			h("td", { class: "title" }, h("a", { href: c.kind === "exercise" ? `#/exercise/${c.id}` : `#/case/${c.ref}` }, c.title || c.ref),
				fresh ? [" ", h("span", { class: "badge new" }, t("new"))] : null,
				c.exercise ? [" ", h("span", { class: "badge exercise" }, t("x.tag"))] : null,
				h("div", { class: "muted mono" }, c.ref)),
			h("td", {}, t(`kind.${c.kind}`), h("div", { class: "muted" }, t(`cat.${c.category}`))),
			h("td", { class: "peer" }, h("span", { class: `badge ${c.direction === "out" ? "out" : ""}` },
				t(c.direction === "out" ? "dir.out" : "dir.in")), " ", c.peer,
				c.assignee ? h("div", { class: "muted holder" }, t("desk.held", { who: c.assignee })) : null),
			h("td", { class: "nowrap" }, t(`state.${c.state}`)),
			h("td", { class: "muted" }, c.updated ? fmtTime(c.updated, session.me.timezone) : ""));
		tr.addEventListener("click", (ev) => {
			if (ev.target.tagName !== "A")
				location.hash = c.kind === "exercise" ? `#/exercise/${c.id}` : `#/case/${c.ref}`;
		});

		return tr;
	}

	function draw(freshRefs = new Set()) {
		const now = Date.now();
		const q = filters.q.trim().toLowerCase();
		const list = cases.filter((c) =>
			(!filters.peer || c.peer === filters.peer) &&
			(!filters.kind || c.kind === filters.kind) &&
			(!filters.category || c.category === filters.category) &&
			(!filters.state || c.state === filters.state) &&
			(!filters.overdue || (urgentClock(c, now) || {}).state === "overdue") &&
			(!filters.ours || whoseMove(c, now).who === "us") &&
			(!filters.holder || (filters.holder === "none" ? !c.assignee : c.assignee && c.assignee === session.me.person)) &&
			(!q || `${c.title} ${c.ref} ${c.peer}`.toLowerCase().includes(q)));
		const keyed = list.map((c) => [sortKey(c, now), c]).sort((a, b) => cmp(a[0], b[0]));
		const all = filters.scope === "all";
		const head = h("thead", {}, h("tr", {},
			["h.clock", "h.prio", "h.tlp", "h.title", "h.kind", "h.peer", "h.state", "h.updated"]
				.map((k) => h("th", { scope: "col" }, t(k)))));
		const body = h("tbody", {}, keyed.slice(0, shown).map(([, c]) => row(c, now, freshRefs.has(c.ref))));
		caption.textContent = `${t(all ? "inbox.caption.all" : "inbox.caption")}${all ? "" : ` ${t("inbox.open")}`}`;
		fill(table, head, body);
		table.hidden = !list.length;
		caption.hidden = !list.length;
		count.textContent = t(all ? "inbox.count.all" : "inbox.count",
			{ n: list.length, all: cases.length, shown: Math.min(shown, list.length) });
		if (!list.length)
			fill(empty, h("p", { class: "notice" }, filtered() ? t("inbox.nomatch") : t("inbox.none"),
				filtered() ? [" ", h("button", { type: "button", class: "ghost", onclick: () => clear.click() }, t("f.clear"))] : null));
		else fill(empty);
		clear.hidden = !filtered();
		more.hidden = list.length <= shown;
		if (!more.hidden) more.textContent = t("inbox.more", { n: Math.min(PAGE, list.length - shown) });
		table.dataset.rendered = String(Math.min(shown, list.length));
	}

	async function load() {
		const path = filters.scope === "all" ? "/api/v1/cases" : "/api/v1/cases?open=1";
		const r = await api("GET", path, undefined, { etag, withTag: true });
		if (stopped || r.status === 304) return;
		etag = r.etag;
		const before = seen;
		cases = r.data;
		seen = new Map(cases.map((c) => [c.ref, c.updated]));
		const fresh = new Set();
		if (before) for (const c of cases) if (before.get(c.ref) !== c.updated) fresh.add(c.ref);
		if (fresh.size) say(t("inbox.fresh", { n: fresh.size }));
		refreshOptions();
		draw(fresh);
	}

	fill(main,
		h("h1", {}, t("inbox.title")), bar, count, empty, caption, h("div", { class: "scroll" }, table), h("p", {}, more), found,
		h("p", { class: "muted" }, t("inbox.zone", { zone: session.me.timezone })), alertsOffer());
	await load();
	performance.mark("inbox-rendered");
	let minute = 0;
	return {
		poll: async () => {
			await load();
			// Time left changes by itself: redraw once a minute anyway.
			if (++minute % 20 === 0) draw();
		},
		stop: () => { stopped = true; },
	};
}
