// Exercises (docs/exercises.md): the list and the proposal form, and one
// exercise with its state, the control cell's buttons (duty and admin),
// the live inject timeline with expectations turning met or missed, the
// objectives' ratings, the improvement plan and the after-action report.
// Everything here is marked EXERCISE: nothing can be taken for real.
import { t, lang } from "./i18n.js";
import { h, api, can, fmtTime, fmtDuration, session, say, errorBox, errorLine, fill, download } from "./util.js";

const RUNNING = new Set(["running", "paused", "scheduled", "agreed", "proposed"]);
const ENDED = new Set(["ended", "evaluated", "signed"]);

// A scenario text in the console's language ({"en", "zh"} or a string).
export function txt(v) {
	if (!v) return "";
	if (typeof v === "string") return v;
	return v[lang()] || v.en || Object.values(v)[0] || "";
}

const zone = () => session.me.timezone;
const when = (iso) => (iso ? fmtTime(iso, zone()) : "—");
const band = () => h("p", { class: "exband", role: "note" }, t("x.band"));

function stateBadge(s, stopped) {
	return h("span", { class: `badge xs-${s}` }, t(`xs.${s}`), stopped ? [" · ", t("x.stopped")] : null);
}

function status(e) {
	if (!e.status) return h("span", { class: "muted" }, "—");
	return h("span", { class: `xst xst-${e.status}` }, t(`xst.${e.status}`), e.late ? ` (${t("x.late")})` : "");
}

// ---- The list ----

async function list(main) {
	let etag = null;
	const body = h("div");
	const form = can("duty") ? await proposeForm() : null;
	const stop = can("duty") ? stopForm(null, () => load()) : null;

	async function load() {
		const r = await api("GET", "/api/v1/exercises", undefined, { etag, withTag: true });
		if (r.status === 304) return;
		etag = r.etag;
		const xs = r.data || [];
		if (!xs.length) { fill(body, h("p", { class: "muted" }, t("x.none"))); return; }
		fill(body, h("table", { class: "list" },
			h("thead", {}, h("tr", {}, [t("x.col.ref"), t("x.col.name"), t("x.col.peer"), t("x.col.state"), t("x.col.when")]
				.map((c) => h("th", { scope: "col" }, c)))),
			h("tbody", {}, xs.map((x) => h("tr", {},
				h("td", { class: "mono" }, x.ref ? h("a", { href: `#/exercise/${x.id}` }, x.ref) : t("x.draft")),
				h("td", {}, txt(x.name) || x.title),
				h("td", {}, x.peer || "—"),
				h("td", {}, stateBadge(x.state, x.stopped)),
				h("td", { class: "muted" }, when(x.proposed || x.created)))))));
	}
	fill(main, band(), h("h1", {}, t("x.title")), h("p", { class: "muted" }, t("x.help")), body, form, stop);
	await load();
	return { poll: load };
}

async function proposeForm() {
	const [shipped, peers, xs] = await Promise.all([api("GET", "/api/v1/exercises/scenarios"),
		api("GET", "/api/v1/peers"), api("GET", "/api/v1/exercises")]);
	const out = h("div", { "aria-live": "polite" });
	const f = {
		scenario: h("select", { id: "x-scenario", required: true },
			shipped.map((s) => h("option", { value: s.name }, txt(s.title))),
			xs.filter((x) => x.state === "draft").map((x) => h("option", { value: x.id }, `${t("x.draft")}: ${x.name}`))),
		peer: h("select", { id: "x-peer", required: true }, peers.map((p) => h("option", { value: p.name }, p.name))),
		scale: h("input", { id: "x-scale", type: "number", min: 1, max: 10000, value: 1, "aria-describedby": "x-scale-help" }),
		start: h("input", { id: "x-start", type: "number", min: 0, value: "", placeholder: t("x.start.ph"), "aria-describedby": "x-start-help" }),
		control: h("input", { id: "x-control", type: "text", value: session.me.token, "aria-describedby": "x-control-help" }),
	};
	async function submit(ev) {
		ev.preventDefault();
		const body = { scenario: f.scenario.value, peer: f.peer.value, time_scale: Number(f.scale.value) || 1,
			control: f.control.value.split(",").map((s) => s.trim()).filter(Boolean) };
		if (f.start.value !== "") body.start = new Date(Date.now() + Number(f.start.value) * 60000).toISOString();
		try {
			const x = await api("POST", "/api/v1/exercises", body);
			say(t("x.proposed", { ref: x.ref, p: x.peer }));
			location.hash = `#/exercise/${x.id}`;
		} catch (e) {
			fill(out, errorBox(e));
		}
	}
	return h("form", { class: "panel", "aria-labelledby": "x-propose-h", onsubmit: submit },
		h("h2", { id: "x-propose-h" }, t("x.propose")),
		h("div", { class: "grid2" },
			h("div", {}, h("label", { for: "x-scenario" }, t("x.scenario")), f.scenario),
			h("div", {}, h("label", { for: "x-peer" }, t("x.peer")), f.peer),
			h("div", {}, h("label", { for: "x-scale" }, t("x.scale")), f.scale,
				h("p", { class: "help", id: "x-scale-help" }, t("x.scale.help"))),
			h("div", {}, h("label", { for: "x-start" }, t("x.start")), f.start,
				h("p", { class: "help", id: "x-start-help" }, t("x.start.help"))),
			h("div", {}, h("label", { for: "x-control" }, t("x.control")), f.control,
				h("p", { class: "help", id: "x-control-help" }, t("x.control.help")))),
		out, h("button", { type: "submit" }, t("x.propose.go")));
}

// The real-world stop: one exercise, or every one (id null).
function stopForm(id, done) {
	const text = h("input", { id: `x-stop-text${id ? "" : "-all"}`, type: "text", required: true,
		value: t("x.stop.default"), "aria-describedby": `x-stop-help${id ? "" : "-all"}` });
	const out = h("div", { "aria-live": "assertive" });
	async function submit(ev) {
		ev.preventDefault();
		if (!window.confirm(t("x.stop.confirm"))) return;
		try {
			if (id) await api("POST", `/api/v1/exercises/${id}/stop`, { text: text.value });
			else await api("POST", "/api/v1/exercises/stop", { text: text.value });
			say(t("x.stop.done"));
			await done();
		} catch (e) {
			fill(out, errorBox(e));
		}
	}
	return h("form", { class: "panel stop", "aria-labelledby": `x-stop-h${id ? "" : "-all"}`, onsubmit: submit },
		h("h2", { id: `x-stop-h${id ? "" : "-all"}` }, t(id ? "x.stop" : "x.stop.all")),
		h("p", { class: "help", id: `x-stop-help${id ? "" : "-all"}` }, t("x.stop.help")),
		h("label", { for: text.id }, t("x.stop.why")), text, out,
		h("button", { type: "submit", class: "danger" }, t("x.stop.go")));
}

// ---- One exercise ----

function timeline(x, act) {
	const ctl = x.control && x.state !== "ended";
	return h("table", { class: "list xt" },
		h("thead", {}, h("tr", {}, [t("x.col.inject"), t("x.col.channel"), t("x.col.state"), t("x.col.sent"),
			t("x.col.expect"), ctl ? t("x.col.control") : null].filter(Boolean).map((c) => h("th", { scope: "col" }, c)))),
		h("tbody", {}, x.injects.map((i) => h("tr", { class: `xi xi-${i.state}`, dataset: { inject: i.id } },
			h("th", { scope: "row" }, h("span", { class: "mono" }, i.id),
				i.scenario_time ? h("div", { class: "muted" }, i.scenario_time) : null,
				i.title ? h("div", {}, txt(i.title)) : null,
				i.hidden ? h("div", { class: "muted" }, t("x.hidden")) : null),
			h("td", {}, i.channel ? t(`xch.${i.channel}`) : "—",
				i.from ? h("div", { class: "muted" }, `${i.from} → ${i.to}`, i.persona ? ` (${i.persona})` : "") : null),
			h("td", {}, t(`xi.${i.state}`), i.contingency ? h("div", { class: "muted" }, t("x.contingency")) : null),
			h("td", { class: "nowrap" }, i.sent ? when(i.sent) : i.due ? [t("x.due"), " ", when(i.due)] : "—",
				i.ref ? h("div", {}, h("a", { href: `#/case/${i.ref}` }, i.ref)) : null),
			h("td", {}, h("ul", { class: "xe" }, (i.expectations || []).map((e) => h("li", {},
				h("span", { class: "mono" }, e.id), " ", t(`xw.${e.what}`), " ",
				h("span", { class: "muted" }, t("x.within", { d: fmtDuration(e.within_ms) })), " ", status(e),
				e.deadline && e.status === "pending" ? h("span", { class: "muted" }, " ", t("x.by", { t: when(e.deadline).slice(11) })) : null)))),
			ctl ? h("td", {}, i.state === "waiting" || i.state === "due" ? [
				h("button", { type: "button", class: "ghost", onclick: () => act("fire", { inject: i.id }) }, t("x.fire")), " ",
				h("button", { type: "button", class: "ghost", onclick: () => act("skip", { inject: i.id }) }, t("x.skip")), " ",
				h("button", { type: "button", class: "ghost", onclick: () => act("delay", { inject: i.id, by: "10m" }) }, t("x.delay")),
			] : null) : null))));
}

function objectives(x, act) {
	const rows = x.objectives.map((o) => h("tr", {},
		h("th", { scope: "row" }, h("span", { class: "mono" }, o.id), " ", txt(o.text),
			o.capability ? h("div", { class: "muted" }, o.capability) : null),
		h("td", { class: "n" }, String(o.met)), h("td", { class: "n" }, String(o.partial)),
		h("td", { class: "n" }, String(o.missed)), h("td", { class: "n" }, String(o.pending)),
		h("td", { class: "n" }, o.permille === null ? "—" : `${(o.permille / 10).toFixed(1)}%`),
		h("td", {}, o.computed ? t(`hseep.${o.computed}`) : "—"),
		h("td", {}, h("strong", {}, o.rating ? t(`hseep.${o.rating}`) : "—"),
			o.confirmed ? h("div", { class: "muted" }, t("x.confirmed", { by: o.confirmed.by || o.confirmed.party }),
				o.confirmed.comment ? `: ${o.confirmed.comment}` : "") : null)));
	const table = h("table", { class: "list" },
		h("thead", {}, h("tr", {}, [t("x.col.objective"), t("xst.met"), t("xst.partial"), t("xst.missed"), t("xst.pending"),
			t("x.col.score"), t("x.col.computed"), t("x.col.rating")].map((c) => h("th", { scope: "col" }, c)))),
		h("tbody", {}, rows));
	if (!can("duty") || !ENDED.has(x.state)) return table;
	// The evaluator confirms or changes the computed ratings.
	const sel = x.objectives.map((o) => h("select", { id: `x-rate-${o.id}`, "aria-label": t("x.rate", { o: o.id }) },
		["P", "S", "M", "U"].map((r) => h("option", { value: r, selected: (o.rating || o.computed) === r }, t(`hseep.${r}`)))));
	const by = h("input", { id: "x-eval-by", type: "text", required: true, value: session.me.token });
	const comment = h("input", { id: "x-eval-comment", type: "text" });
	const form = h("form", { class: "panel", "aria-labelledby": "x-eval-h", onsubmit: (ev) => {
		ev.preventDefault();
		act("evaluate", { by: by.value, ratings: x.objectives.map((o, k) => Object.assign({ objective: o.id, rating: sel[k].value },
			comment.value ? { comment: comment.value } : {})) });
	} },
	h("h3", { id: "x-eval-h" }, t("x.evaluate")),
	x.objectives.map((o, k) => h("div", {}, h("label", { for: `x-rate-${o.id}` }, o.id), sel[k])),
	h("label", { for: "x-eval-comment" }, t("x.comment")), comment,
	h("label", { for: "x-eval-by" }, t("x.evaluator")), by,
	h("button", { type: "submit" }, t("x.evaluate.go")));
	return [table, form];
}

function plan(x, act) {
	const items = x.plan.length ? h("table", { class: "list" },
		h("thead", {}, h("tr", {}, [t("x.col.item"), t("x.col.text"), t("x.col.owner"), t("x.col.due"), t("x.col.state")]
			.map((c) => h("th", { scope: "col" }, c)))),
		h("tbody", {}, x.plan.map((p) => h("tr", {}, h("td", { class: "mono" }, p.item), h("td", {}, p.text),
			h("td", {}, p.owner), h("td", {}, p.due), h("td", {}, t(`xp.${p.status}`))))))
		: h("p", { class: "muted" }, t("x.noplan"));
	if (!can("duty") || !ENDED.has(x.state)) return items;
	const f = {
		item: h("input", { id: "xp-item", required: true, value: `IP${x.plan.length + 1}` }),
		text: h("input", { id: "xp-text", required: true }),
		owner: h("input", { id: "xp-owner", required: true }),
		due: h("input", { id: "xp-due", type: "date", required: true }),
		status: h("select", { id: "xp-status" }, ["open", "in-progress", "done", "cancelled"].map((s) => h("option", { value: s }, t(`xp.${s}`)))),
	};
	return [items, h("form", { class: "panel filters", "aria-label": t("x.plan.add"), onsubmit: (ev) => {
		ev.preventDefault();
		act("plan", { item: f.item.value, text: f.text.value, owner: f.owner.value, due: f.due.value, status: f.status.value });
	} }, Object.entries(f).map(([k, el]) => h("div", {}, h("label", { for: el.id }, t(`x.col.${k === "status" ? "state" : k}`)), el)),
	h("div", {}, h("button", { type: "submit" }, t("x.plan.add"))))];
}

function controls(x, act) {
	const b = (a, extra = {}, cls = "") => h("button", { type: "button", class: cls, onclick: () => act(a, extra) }, t(`xa.${a}`));
	const btns = [];
	if (x.state === "proposed" && x.our_party === "b") btns.push(b("accept"), b("decline", {}, "ghost"));
	if (x.state === "proposed" && x.our_party === "a") btns.push(b("withdraw", {}, "ghost"));
	if (x.control) {
		if (x.state === "agreed" || x.state === "scheduled") btns.push(b("start"));
		if (x.state === "running") btns.push(b("pause"), b("end", {}, "ghost"));
		if (x.state === "paused") btns.push(b("resume"), b("end", {}, "ghost"));
	}
	if (ENDED.has(x.state) && x.our_party === "a" && !x.scenario.revealed) btns.push(b("reveal", {}, "ghost"));
	const ours = x.signatures && x.signatures[x.our_party];
	// Before the reveal the peer's scores leave the controller-only
	// injects out: the node refuses to sign them, so no button is offered.
	const unrevealed = !x.scenario.revealed && x.injects.some((i) => i.hidden);
	const note = ENDED.has(x.state) && unrevealed ? h("span", { class: "muted" }, t("x.sign.wait")) : null;
	if (ENDED.has(x.state) && !unrevealed && (!ours || ours.report !== x.scores_hash)) btns.push(b("sign", { by: session.me.token }));
	return btns.length || note ? h("p", { class: "xbtns" }, btns.flatMap((e) => [e, " "]), note) : null;
}

async function detail(main, id) {
	let x = null, key = "", stopped = false, url = null;
	const head = h("div"), ctl = h("section", { class: "panel", "aria-labelledby": "xc-h" });
	const tl = h("section", { class: "panel", "aria-labelledby": "xt-h" });
	const obj = h("section", { class: "panel", "aria-labelledby": "xo-h" });
	const pl = h("section", { class: "panel", "aria-labelledby": "xp-h" });
	const rep = h("section", { class: "panel", "aria-labelledby": "xr-h" });
	const out = h("div", { "aria-live": "polite" });

	async function act(a, extra) {
		fill(out);
		try {
			x = await api("POST", `/api/v1/exercises/${id}/${a}`, extra || {});
			say(t("x.done", { a: t(`xa.${a}`), ref: x.ref }));
			// What was typed is sent: the page follows the node again.
			for (const f of main.querySelectorAll("form.dirty")) f.classList.remove("dirty");
			key = "";
			draw();
		} catch (e) {
			fill(out, errorBox(e));
		}
	}

	async function showReport(ev) {
		ev.preventDefault();
		try {
			const res = await api("GET", `/api/v1/exercises/${id}/report?format=html&lang=${lang()}`, undefined, { raw: true });
			if (url) URL.revokeObjectURL(url);
			url = URL.createObjectURL(await res.blob());
			fill(rep.querySelector(".frame"), h("iframe", { class: "report", src: url, sandbox: "", title: t("x.report") }));
		} catch (e) {
			fill(rep.querySelector(".frame"), errorBox(e));
		}
	}
	async function exp(fmt) {
		try {
			const res = await api("GET", `/api/v1/exercises/${id}/report?format=${fmt}&lang=${lang()}&download=1`, undefined, { raw: true });
			await download(res, `parley-exercise.${fmt}`);
		} catch (e) {
			fill(out, errorBox(e));
		}
	}

	function draw() {
		// Forms being typed into are not replaced by polling.
		const k = JSON.stringify([x, lang()]);
		if (k === key || main.querySelector("form.dirty")) return;
		key = k;
		fill(head, band(),
			x.stopped && x.stop ? h("p", { class: "xstop", role: "alert" },
				t("x.stopbanner", { by: x.stop.by, at: when(x.stop.time) }), " ", x.stop.text || "") : null,
			h("h1", {}, h("span", { class: "mono" }, x.ref), " ", txt(x.name)),
			h("p", {}, stateBadge(x.state, x.stopped), " · ", t("x.parties", { a: x.proposer, b: x.proposer === session.me.node ? x.peer : session.me.node }),
				" · ", t("x.scale.is", { n: x.time_scale })),
			h("dl", { class: "meta" },
				h("dt", {}, t("x.started")), h("dd", {}, when(x.started)),
				h("dt", {}, t("x.ended")), h("dd", {}, when(x.ended)),
				x.pauses.length ? [h("dt", {}, t("x.pauses")), h("dd", {}, x.pauses.map((p) => `${when(p.from).slice(11)}–${p.to ? when(p.to).slice(11) : "…"}`).join(", "))] : null,
				h("dt", {}, t("x.scores")), h("dd", { class: "mono" }, x.scores_hash.slice(0, 16))),
			x.readable ? null : h("p", { class: "error" }, t("x.unreadable"), " ", h("span", { lang: "en" }, x.why || "")));
		fill(ctl, h("h2", { id: "xc-h" }, t("x.controlcell")), can("duty") ? controls(x, act) : h("p", { class: "muted" }, t("x.viewonly")),
			out, can("duty") && !ENDED.has(x.state) && !["declined", "withdrawn"].includes(x.state) ? stopForm(id, async () => { key = ""; await load(); }) : null);
		fill(tl, h("h2", { id: "xt-h" }, t("x.timeline")), timeline(x, act));
		fill(obj, h("h2", { id: "xo-h" }, t("x.objectives")), objectives(x, act));
		fill(pl, h("h2", { id: "xp-h" }, t("x.plan")), plan(x, act));
		fill(rep, h("h2", { id: "xr-h" }, t("x.report")), h("p", { class: "xbtns" },
			h("button", { type: "button", onclick: showReport }, t("x.report.show")), " ",
			["html", "csv", "json"].map((fmt) => [h("button", { type: "button", class: "ghost", onclick: () => exp(fmt) }, t(`r.export.${fmt}`)), " "])),
		h("div", { class: "frame" }));
		for (const f of main.querySelectorAll("form")) f.addEventListener("input", () => f.classList.add("dirty"), { once: true });
	}

	async function load() {
		const v = await api("GET", `/api/v1/exercises/${id}`);
		if (stopped) return;
		x = v;
		draw();
	}
	fill(main, h("p", {}, h("a", { href: "#/exercises" }, "← ", t("nav.exercises"))), head, ctl, tl, obj, pl, rep);
	try {
		await load();
	} catch (e) {
		fill(main, h("p", {}, h("a", { href: "#/exercises" }, "← ", t("nav.exercises"))), errorBox(e));
		return null;
	}
	return {
		poll: async () => { try { await load(); } catch (e) { say(errorLine(e)); } },
		stop: () => { stopped = true; if (url) URL.revokeObjectURL(url); },
	};
}

export async function render(main, [id]) {
	return id ? detail(main, id) : list(main);
}

// The banner on every page while an exercise runs (or a real-world stop
// is fresh): nobody in the room should forget which cases are not real.
let lastBanner = "";
export async function exerciseBanner() {
	const el = document.getElementById("exercises");
	if (!el) return;
	const xs = await api("GET", "/api/v1/exercises");
	const day = Date.now() - 24 * 3600 * 1000;
	const live = xs.filter((x) => ["running", "paused", "scheduled"].includes(x.state));
	const stops = xs.filter((x) => x.stopped && x.ended && Date.parse(x.ended) > day);
	const key = JSON.stringify([live.map((x) => [x.ref, x.state]), stops.map((x) => x.ref), lang()]);
	if (key === lastBanner) return;
	lastBanner = key;
	el.hidden = !live.length && !stops.length;
	fill(el, live.map((x) => h("p", { class: "exband" }, h("a", { href: `#/exercise/${x.id}` },
		t("x.banner", { ref: x.ref, p: x.peer, s: t(`xs.${x.state}`) })))),
	stops.map((x) => h("p", { class: "xstop" }, h("a", { href: `#/exercise/${x.id}` }, t("x.banner.stop", { ref: x.ref, p: x.peer })))));
}

export { RUNNING };
