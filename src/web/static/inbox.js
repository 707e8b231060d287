// The inbox: open cases, the clock that matters most now, sorted by
// urgency (overdue first, then the least time left); filters; new and
// changed cases arrive by polling with an ETag (a 304 costs nothing).
import { t } from "./i18n.js";
import { h, api, urgentClock, urgencyText, tlpBadge, fmtTime, session, say, fill } from "./util.js";

const PAGE = 200;
const PRIO = { P1: 0, P2: 1, P3: 2, P4: 3 };
const filters = { peer: "", kind: "", category: "", state: "", overdue: false, q: "" };

function sortKey(c, now) {
	const u = urgentClock(c, now);
	const rank = u ? u.rank : 3;
	const dl = u && u.deadline !== Infinity ? u.deadline : Number.MAX_SAFE_INTEGER;
	return [rank, dl, PRIO[c.priority] ?? 9, c.ref];
}

function cmp(a, b) {
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
	return 0;
}

function select(id, label, values, cur, name) {
	const s = h("select", { id, name: id },
		h("option", { value: "" }, t("f.all")),
		values.map((v) => h("option", { value: v, selected: v === cur }, name ? name(v) : v)));
	return h("div", {}, h("label", { for: id }, label), s);
}

export async function render(main) {
	let cases = [], etag = null, shown = PAGE, seen = null, stopped = false;
	const table = h("table", { "aria-describedby": "inbox-count" });
	const count = h("p", { class: "count", id: "inbox-count", "aria-live": "polite" });
	const more = h("button", { type: "button", class: "ghost", hidden: true }, "");
	const bar = h("form", { class: "filters", role: "search", "aria-label": t("f.title") });
	more.addEventListener("click", () => { shown += PAGE; draw(); });

	function buildFilters() {
		const uniq = (k) => [...new Set(cases.map((c) => c[k]))].sort();
		fill(bar, 
			select("f-peer", t("f.peer"), uniq("peer"), filters.peer),
			select("f-kind", t("f.kind"), uniq("kind"), filters.kind, (v) => t(`kind.${v}`)),
			select("f-category", t("f.category"), uniq("category"), filters.category, (v) => t(`cat.${v}`)),
			select("f-state", t("f.state"), uniq("state"), filters.state, (v) => t(`state.${v}`)),
			h("div", {}, h("label", { for: "f-q" }, t("f.search")),
				h("input", { id: "f-q", type: "search", value: filters.q, placeholder: t("f.searchph") })),
			h("div", {}, h("input", { id: "f-overdue", type: "checkbox", checked: filters.overdue }), " ",
				h("label", { for: "f-overdue", style: "display:inline" }, t("f.overdue"))));
	}
	bar.addEventListener("input", (ev) => {
		const id = ev.target.id.slice(2);
		filters[id] = ev.target.type === "checkbox" ? ev.target.checked : ev.target.value;
		shown = PAGE;
		draw();
	});
	bar.addEventListener("submit", (ev) => ev.preventDefault());

	function row(c, now, fresh) {
		const u = urgentClock(c, now);
		const tr = h("tr", { class: `row${fresh ? " fresh" : ""}`, dataset: { ref: c.ref } },
			h("td", { class: `urg ${u ? u.state : ""}` }, urgencyText(u, now) || t(`state.${c.state}`)),
			h("td", {}, h("span", { class: `prio prio-${c.priority}` }, c.priority)),
			h("td", {}, tlpBadge(c.tlp)),
			h("td", {}, h("a", { href: `#/case/${c.ref}` }, c.title || c.ref),
				fresh ? [" ", h("span", { class: "badge new" }, t("new"))] : null,
				h("div", { class: "muted mono" }, c.ref)),
			h("td", {}, t(`kind.${c.kind}`), h("div", { class: "muted" }, t(`cat.${c.category}`))),
			h("td", {}, h("span", { class: `badge ${c.direction === "out" ? "out" : ""}` },
				t(c.direction === "out" ? "dir.out" : "dir.in")), " ", c.peer),
			h("td", { class: "nowrap" }, t(`state.${c.state}`)),
			h("td", { class: "muted" }, c.updated ? fmtTime(c.updated, session.me.timezone) : ""));
		tr.addEventListener("click", (ev) => {
			if (ev.target.tagName !== "A") location.hash = `#/case/${c.ref}`;
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
			(!q || `${c.title} ${c.ref} ${c.peer}`.toLowerCase().includes(q)));
		const keyed = list.map((c) => [sortKey(c, now), c]).sort((a, b) => cmp(a[0], b[0]));
		const head = h("thead", {}, h("tr", {},
			["h.clock", "h.prio", "h.tlp", "h.title", "h.kind", "h.peer", "h.state", "h.updated"]
				.map((k) => h("th", { scope: "col" }, t(k)))));
		const body = h("tbody", {}, keyed.slice(0, shown).map(([, c]) => row(c, now, freshRefs.has(c.ref))));
		fill(table, h("caption", { class: "muted", style: "text-align:left" }, t("inbox.caption")), head, body);
		count.textContent = t("inbox.count", { n: list.length, all: cases.length, shown: Math.min(shown, list.length) });
		more.hidden = list.length <= shown;
		more.textContent = t("inbox.more", { n: Math.min(PAGE, list.length - shown) });
		table.dataset.rendered = String(Math.min(shown, list.length));
	}

	async function load() {
		const r = await api("GET", "/api/v1/cases?open=1", undefined, { etag, withTag: true });
		if (stopped || r.status === 304) return;
		etag = r.etag;
		const before = seen;
		cases = r.data;
		seen = new Map(cases.map((c) => [c.ref, c.updated]));
		const fresh = new Set();
		if (before) for (const c of cases) if (before.get(c.ref) !== c.updated) fresh.add(c.ref);
		if (fresh.size) say(t("inbox.fresh", { n: fresh.size }));
		const focus = document.activeElement && bar.contains(document.activeElement)
			? document.activeElement.id : null;
		buildFilters();
		if (focus) document.getElementById(focus).focus();
		draw(fresh);
	}

	fill(main, 
		h("h1", {}, t("inbox.title")), bar, count, table, h("p", {}, more),
		h("p", { class: "muted" }, t("inbox.zone", { zone: session.me.timezone })));
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
