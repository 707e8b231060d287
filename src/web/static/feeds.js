// Routine sharing (docs/feeds.md): what came in, where it was routed and
// why, what waits for a person, and the daily digests — followed down to
// the delegation line that routed one event.
//   #/feeds                          overview
//   #/feeds/file/ID                  one input file and its bad records
//   #/feeds/digest/PEER/DAY/DIR      a digest, its check, its day's parts
//   #/feeds/att/SHA                  the events of an attachment
//   #/feeds/att/SHA/LINE             one event and what routed it
import { t } from "./i18n.js";
import { h, api, fmtTime, session, fill, can, errorLine, say } from "./util.js";

const num = (n) => (n ?? 0).toLocaleString();
const short = (x) => (x ? x.slice(0, 16) + "…" : "—");
const z = () => session.me.timezone;

function table(head, rows) {
	return h("table", { class: "list" },
		h("thead", {}, h("tr", {}, head.map((x) => h("th", { scope: "col" }, x)))),
		h("tbody", {}, rows));
}

function routeText(r) {
	if (!r) return "—";
	const by = r.by ? t(`fd.by.${r.by}`) : "";
	if (r.status) return `${t(`fd.st.${r.status}`)}${r.reason ? ": " + r.reason : ""}`;
	if (r.by === "country") return t("fd.why.country", { cc: r.cc, reg: r.file.registry, serial: r.file.serial, line: r.line });
	if (r.by === "network") return t("fd.why.network", { net: r.network });
	if (r.by === "asn") return t("fd.why.asn", { asn: r.asn });
	if (r.by === "override") return t("fd.why.override", { id: short(r.override) });
	if (r.by === "person") return t("fd.why.person", { was: t(`fd.st.${r.was}`), reason: r.reason || "—" });
	return by;
}

async function overview(main) {
	const d = await api("GET", "/api/v1/feeds");
	const files = d.files.map((f) => h("tr", {},
		h("td", {}, h("a", { href: `#/feeds/file/${f.id}` }, f.name)),
		h("td", {}, t(`fd.src.${f.source}`)), h("td", {}, f.format),
		h("td", {}, t(`fd.state.${f.state}`)),
		h("td", { class: "num" }, num(f.records)), h("td", { class: "num" }, num(f.events)),
		h("td", { class: "num" }, num(f.duplicates)), h("td", { class: "num" }, num(f.bad)),
		h("td", { class: "num" }, num(f.routed)),
		h("td", { class: "num" }, num(f.unroutable + f.disputed + f.withheld)),
		h("td", {}, fmtTime(f.started, z()))));
	const digests = d.digests.map((g) => h("tr", {},
		h("td", {}, h("a", { href: `#/feeds/digest/${encodeURIComponent(g.peer)}/${g.day}/${g.dir}` }, g.day)),
		h("td", {}, t(g.dir === "out" ? "fd.dir.out" : "fd.dir.in", { p: g.peer })),
		h("td", { class: "num" }, num(g.events)), h("td", {}, h("code", {}, short(g.root))),
		h("td", {}, g.dir === "in"
			? (g.verdict ? h("span", { class: g.verdict === "agree" ? "ok" : "bad" }, t(`fd.v.${g.verdict}`)) : t("fd.v.unchecked"))
			: "")));
	const deleg = d.delegation.map((f) => h("li", {},
		`${f.registry} · ${t("fd.serial", { s: f.serial })} · ${num(f.records)} · `, h("code", {}, short(f.sha256)),
		f.active ? "" : ` (${t("fd.replaced")})`));
	const ovr = d.overrides.map((o) => h("li", {},
		`${o.match} → ${o.to} · ${t(`fd.ovr.${o.state}`)} · ${t("fd.until", { at: fmtTime(o.until, z()) })}`));
	const q = d.queue;
	const explainOut = h("div", { id: "explain-out", "aria-live": "polite" });
	const ip = h("input", { id: "explain-ip", type: "text", size: 30, placeholder: "192.0.2.1", spellcheck: "false" });
	const explain = h("form", { class: "row", onsubmit: async (ev) => {
		ev.preventDefault();
		try {
			const r = await api("GET", `/api/v1/feeds/explain?ip=${encodeURIComponent(ip.value.trim())}`);
			fill(explainOut, h("p", {}, h("strong", {}, t(`fd.st.${r.status}`)),
				r.route.to ? ` → ${r.route.to}` : "", " · ", routeText(r.route)),
				r.line ? h("p", {}, t("fd.line"), " ", h("code", {}, r.line)) : null);
		} catch (e) { fill(explainOut, errorLine(e)); }
	} }, h("label", { for: "explain-ip" }, t("fd.explain.ip")), ip, h("button", { type: "submit" }, t("fd.explain.go")));
	fill(main,
		h("h1", {}, t("fd.title")),
		h("section", { class: "panel", "aria-labelledby": "fd-in" },
			h("h2", { id: "fd-in" }, t("fd.in")),
			files.length ? table([t("fd.file"), t("fd.source"), t("fd.format"), t("fd.state"), t("fd.records"),
				t("fd.events"), t("fd.dups"), t("fd.bad"), t("fd.routed"), t("fd.waiting"), t("fd.started")], files)
				: h("p", {}, t("fd.nofiles"))),
		h("section", { class: "panel", "aria-labelledby": "fd-q" },
			h("h2", { id: "fd-q" }, t("fd.queue")),
			h("p", {}, t("fd.queue.counts", { u: num(q.unroutable), d: num(q.disputed), w: num(q.withheld) }),
				" ", h("a", { href: "#/feeds/queue" }, t("fd.queue.open")))),
		h("section", { class: "panel", "aria-labelledby": "fd-dg" },
			h("h2", { id: "fd-dg" }, t("fd.digests")),
			digests.length ? table([t("fd.day"), t("fd.with"), t("fd.events"), t("fd.root"), t("fd.verdict")], digests)
				: h("p", {}, t("fd.nodigests"))),
		h("section", { class: "panel", "aria-labelledby": "fd-rt" },
			h("h2", { id: "fd-rt" }, t("fd.routing")),
			h("h3", {}, t("fd.deleg")), deleg.length ? h("ul", {}, deleg) : h("p", {}, t("fd.nodeleg")),
			h("h3", {}, t("fd.ovr")), ovr.length ? h("ul", {}, ovr) : h("p", {}, t("fd.noovr")),
			h("h3", {}, t("fd.explain")), explain, explainOut));
	return { poll: null };
}

async function fileView(main, id) {
	const f = await api("GET", `/api/v1/feeds/files/${id}`);
	fill(main,
		h("p", {}, h("a", { href: "#/feeds" }, "← ", t("fd.back"))),
		h("h1", {}, f.name),
		h("section", { class: "panel" }, h("dl", { class: "kv" }, [
			[t("fd.state"), t(`fd.state.${f.state}`) + (f.error ? ` — ${f.error}` : "")],
			[t("fd.format"), `${f.format}${f.feed ? " · " + f.feed : ""}`],
			[t("fd.records"), t("fd.counts", { r: num(f.records), e: num(f.events), d: num(f.duplicates), b: num(f.bad) })],
			[t("fd.routed"), t("fd.whereto", { r: num(f.routed), o: num(f.own), u: num(f.unroutable), d: num(f.disputed), w: num(f.withheld) })],
		].map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]))),
		h("section", { class: "panel", "aria-labelledby": "fd-bad" },
			h("h2", { id: "fd-bad" }, t("fd.badrows")),
			f.bad_rows.length
				? table([t("fd.lineno"), t("fd.reason")], f.bad_rows.map((b) => h("tr", {},
					h("td", { class: "num" }, String(b.line)), h("td", {}, b.reason))))
				: h("p", {}, t("fd.nobad"))));
	return null;
}

// A person acts on a queued event: route it to a peer, or dismiss it
// with a reason (both recorded: "fd.actions" below lists who did what).
function queueActions(e, peers, reload) {
	if (!can("analyst") || e.status === "dismissed") return "";
	const out = h("span", { "aria-live": "polite" });
	const reason = h("input", { type: "text", "aria-label": t("fd.q.reason"), placeholder: t("fd.q.reason"), maxlength: "1000" });
	const to = h("select", { "aria-label": t("fd.q.to") },
		h("option", { value: "" }, t("choose")),
		peers.map((p) => h("option", { value: p.name }, p.name)));
	const act = (what) => async () => {
		const body = { reason: reason.value || undefined };
		if (what === "route") {
			if (!to.value) { fill(out, t("fd.q.needpeer")); return; }
			body.peer = to.value;
		} else if (!reason.value) { fill(out, t("fd.q.needreason")); return; }
		try {
			await api("POST", `/api/v1/feeds/queue/${e.id}/${what}`, body);
			say(t(`fd.q.done.${what}`, { id: e.id, p: body.peer || "" }));
			await reload();
		} catch (x) { fill(out, errorLine(x)); }
	};
	const strict = e.event?.tlp === "red" || e.event?.tlp === "amber+strict";
	return h("div", { class: "inline" }, reason,
		strict ? null : to,
		strict ? null : h("button", { type: "button", onclick: act("route") }, t("fd.q.route")),
		h("button", { type: "button", class: "ghost", onclick: act("dismiss") }, t("fd.q.dismiss")), out);
}

async function queueView(main) {
	const [q, peers, acts] = await Promise.all([api("GET", "/api/v1/feeds/queue"), api("GET", "/api/v1/peers"),
		api("GET", "/api/v1/feeds/actions")]);
	const reload = () => queueView(main);
	fill(main,
		h("p", {}, h("a", { href: "#/feeds" }, "← ", t("fd.back"))),
		h("h1", {}, t("fd.queue")),
		q.length ? table([t("fd.st"), t("fd.host"), t("fd.type"), t("fd.why"), t("fd.file"), t("fd.q.act")], q.map((e) => h("tr", {},
			h("td", {}, t(`fd.st.${e.status}`)), h("td", {}, h("code", {}, e.host || "—")),
			h("td", {}, e.event?.classification?.type || ""),
			h("td", {}, routeText(e.route)),
			h("td", {}, h("a", { href: `#/feeds/file/${e.file}` }, t("fd.fileline", { f: e.file, l: e.line }))),
			h("td", {}, queueActions(e, peers, reload)))))
			: h("p", {}, t("fd.queue.empty")),
		h("section", { class: "panel", "aria-labelledby": "fd-acts" },
			h("h2", { id: "fd-acts" }, t("fd.actions")),
			acts.length ? table([t("fd.q.when"), t("fd.q.event"), t("fd.q.act"), t("fd.to"), t("fd.q.who"), t("fd.reason")], acts.map((a) => h("tr", {},
				h("td", {}, fmtTime(a.time, z())), h("td", { class: "num" }, String(a.event)),
				h("td", {}, t(`fd.q.a.${a.action}`, { was: t(`fd.st.${a.was}`) })),
				h("td", {}, a.peer || "—"), h("td", {}, a.who || "—"), h("td", {}, a.reason || "—"))))
				: h("p", {}, t("fd.noactions"))));
	return null;
}

function members(obj) {
	return h("ul", { class: "obs" }, Object.entries(obj || {}).sort((a, b) => b[1] - a[1]).slice(0, 12)
		.map(([k, v]) => h("li", {}, `${k}: ${num(v)}`)));
}

async function digestView(main, [peer, day, dir]) {
	peer = decodeURIComponent(peer);
	const load = () => api("GET", `/api/v1/feeds/digests/${encodeURIComponent(peer)}/${day}?dir=${dir}`);
	let d = await load();
	const out = h("div", { "aria-live": "polite" });
	const show = () => {
		const s = d.signed, c = d.check;
		const verdict = dir === "in"
			? (d.verdict ? h("p", { class: d.verdict === "agree" ? "ok" : "bad" }, t(`fd.v.long.${d.verdict}`)) : h("p", {}, t("fd.v.unchecked")))
			: null;
		const problems = c && !c.agree ? h("div", {},
			c.tampered.length ? h("ul", { class: "bad" }, c.tampered.map((x) => h("li", {},
				x.event
					? h("span", {}, t("fd.tampered", { l: x.line }), " ", h("a", { href: `#/feeds/att/${x.attachment}/${x.line}` }, h("code", {}, x.event)))
					: `${short(x.attachment)} — ${x.problem}`))) : null,
			c.missing.length ? h("p", { class: "bad" }, t("fd.missing", { n: c.missing.length })) : null,
			c.differences.length ? h("ul", {}, c.differences.map((x) => h("li", {}, t("fd.differs", { m: x.member })))) : null) : null;
		const check = dir === "in" && can("analyst") ? h("button", { type: "button", onclick: async () => {
			try {
				const r = await api("POST", `/api/v1/feeds/digests/${encodeURIComponent(peer)}/${day}/verify`);
				say(r.agree ? t("fd.v.long.agree") : t("fd.v.long.disagree"));
				d = await load();
				show();
			} catch (e) { fill(out, errorLine(e)); }
		} }, t("fd.check")) : null;
		fill(out,
			h("section", { class: "panel" }, verdict, check, problems,
				h("dl", { class: "kv" }, [
					[t("fd.events"), num(s.events)],
					[t("fd.root"), h("code", {}, s.root)],
					[t("fd.hosts"), t("fd.hostsis", { n: num(s.hosts.new), r: num(s.hosts.recurring) })],
					[t("fd.cases"), t("fd.casesis", { o: num(s.cases.opened), u: num(s.cases.updated), c: num(s.cases.closed) })],
					[t("fd.notrouted"), t("fd.notroutedis", { u: num(s.unroutable), d: num(s.disputed), w: num(s.withheld) })],
					[t("fd.deleg"), s.delegation.map((f) => `${f.registry} ${f.serial}`).join(", ") || "—"],
					[t("fd.bytype"), members(s.by_type)],
					[t("fd.byasn"), members(s.by_asn)],
					[t("fd.bysev"), members(s.by_severity)],
				].map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]))),
			h("section", { class: "panel", "aria-labelledby": "fd-parts" },
				h("h2", { id: "fd-parts" }, t("fd.parts")),
				d.parts.length ? table([t("fd.case"), t("fd.part"), t("fd.events"), t("fd.attachment")], d.parts.map((p) => h("tr", {},
					h("td", {}, h("a", { href: `#/case/${p.ref}` }, p.ref)),
					h("td", {}, `${p.part}/${p.parts}`), h("td", { class: "num" }, num(p.events)),
					h("td", {}, p.attachment ? h("a", { href: `#/feeds/att/${p.attachment}` }, short(p.attachment)) : "—")))) : h("p", {}, t("fd.noparts"))));
	};
	fill(main,
		h("p", {}, h("a", { href: "#/feeds" }, "← ", t("fd.back"))),
		h("h1", {}, t(dir === "out" ? "fd.digest.out" : "fd.digest.in", { day, p: peer })),
		out);
	show();
	return null;
}

async function attView(main, [sha]) {
	const d = await api("GET", `/api/v1/attachments/${sha}/events?limit=500`);
	fill(main,
		h("p", {}, h("a", { href: "#/feeds" }, "← ", t("fd.back"))),
		h("h1", {}, t("fd.att", { s: short(sha) })),
		h("p", {}, t("fd.attn", { n: num(d.lines) }), " ",
			h("a", { href: "#", onclick: async (ev) => {
				ev.preventDefault();
				const { download } = await import("./util.js");
				const res = await fetch(`/api/v1/attachments/${sha}?format=csv`, { headers: { Authorization: `Bearer ${session.token}` } });
				await download(res, `events-${sha.slice(0, 16)}.csv`);
			} }, t("fd.csv"))),
		table([t("fd.lineno"), t("fd.id"), t("fd.host"), t("fd.type"), t("fd.by")], d.events.map((e) => h("tr", {},
			h("td", { class: "num" }, String(e.line)),
			h("td", {}, h("a", { href: `#/feeds/att/${sha}/${e.line}` }, h("code", {}, short(e.id)))),
			h("td", {}, h("code", {}, e.host || "—")), h("td", {}, e.type || ""),
			h("td", {}, e.by ? t(`fd.by.${e.by}`) : "")))));
	return null;
}

async function lineView(main, [sha, line]) {
	const d = await api("GET", `/api/v1/attachments/${sha}/events/${line}`);
	const e = d.entry, r = e.route;
	fill(main,
		h("p", {}, h("a", { href: `#/feeds/att/${sha}` }, "← ", t("fd.backatt"))),
		h("h1", {}, t("fd.event")),
		h("section", { class: "panel" }, h("dl", { class: "kv" }, [
			[t("fd.id"), h("span", {}, h("code", {}, e.id), " ",
				d.id_matches ? h("span", { class: "ok" }, t("fd.idok")) : h("span", { class: "bad" }, t("fd.idbad")))],
			[t("fd.where"), t("fd.attline", { s: short(sha), l: d.line })],
			[t("fd.routedat"), fmtTime(e.routed, z())],
			[t("fd.to"), r.to || "—"],
			[t("fd.why"), routeText(r)],
			[t("fd.line"), d.delegation_line ? h("code", { id: "fd-delegation-line" }, d.delegation_line)
				: (r.file ? t("fd.noline") : "—")],
			[t("fd.seen"), t("fd.seenis", { c: num(e.seen.count), f: fmtTime(e.seen.first, z()), l: fmtTime(e.seen.last, z()) })],
		].map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]))),
		h("details", { class: "panel", open: "" }, h("summary", {}, t("fd.json")),
			h("pre", { class: "mono" }, JSON.stringify(e.event, null, 2))));
	return null;
}

export async function render(main, args) {
	const [what, ...rest] = args;
	if (!what) return overview(main);
	if (what === "file") return fileView(main, rest[0]);
	if (what === "queue") return queueView(main);
	if (what === "digest") return digestView(main, rest);
	if (what === "att" && rest[1]) return lineView(main, rest);
	if (what === "att") return attView(main, rest);
	fill(main, h("h1", {}, t("notfound")));
	return null;
}
