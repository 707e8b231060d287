// The review report for a chosen peer and period: shown with its charts
// in a sandboxed frame (the node renders the one offline page that
// `parley report` writes), and exported as HTML, CSV or signed JSON.
import { t, lang } from "./i18n.js";
import { h, api, download, errorBox, fill, session } from "./util.js";

const iso = (d) => d.toISOString().slice(0, 10);
// Today's date where the node counts its periods (its time zone), not the
// browser's UTC date: at 06:32 in Beijing, "today" is Beijing's today.
const today = (zone) => {
	try { return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date()); } catch (e) { return iso(new Date()); }
};

export async function render(main) {
	const peers = await api("GET", "/api/v1/peers");
	const to = today(session.me.timezone), from = new Date(`${to}T00:00:00Z`);
	from.setUTCMonth(from.getUTCMonth() - 6);
	const f = {
		peer: h("select", { id: "r-peer", required: true }, peers.map((p) => h("option", { value: p.name }, p.name))),
		from: h("input", { id: "r-from", type: "date", value: iso(from), required: true }),
		to: h("input", { id: "r-to", type: "date", value: to, required: true }),
		lang: h("select", { id: "r-lang" }, h("option", { value: "en", selected: lang() === "en" }, "English"),
			h("option", { value: "zh", selected: lang() === "zh" }, "简体中文")),
	};
	const out = h("div", { "aria-live": "polite" });
	let url = null;
	// Both days are included, here as in `parley report` (docs/report.md).
	const q = (fmt, dl) => `/api/v1/reports?peer=${encodeURIComponent(f.peer.value)}&from=${f.from.value}` +
		`&to=${f.to.value}&lang=${f.lang.value}&format=${fmt}${dl ? "&download=1" : ""}`;
	function valid() {
		if (!f.peer.value) return t("r.err.peer");
		if (!f.from.value || !f.to.value || f.from.value > f.to.value) return t("r.err.dates");
		return null;
	}
	async function show(ev) {
		ev.preventDefault();
		const bad = valid();
		if (bad) { fill(out, errorBox(new Error(bad))); return; }
		fill(out, h("p", { class: "loading", role: "status" }, h("progress", { "aria-label": t("r.computing") }), " ", t("r.computing")));
		try {
			const res = await api("GET", q("html"), undefined, { raw: true });
			const blob = await res.blob();
			if (url) URL.revokeObjectURL(url);
			url = URL.createObjectURL(blob);
			fill(out, h("iframe", { class: "report", src: url, sandbox: "", title: t("r.frame", { p: f.peer.value }) }));
		} catch (e) {
			fill(out, errorBox(e));
		}
	}
	async function exp(fmt) {
		const bad = valid();
		if (bad) { fill(out, errorBox(new Error(bad))); return; }
		try {
			const res = await api("GET", q(fmt, true), undefined, { raw: true });
			await download(res, `parley-report.${fmt}`);
		} catch (e) {
			fill(out, errorBox(e));
		}
	}
	// The dates are days in the node's zone, whatever the browser writes
	// them as: say so in ISO form, which both parties read the same way.
	const period = h("p", { class: "help", id: "r-period", "aria-live": "polite" });
	const explain = () => {
		period.textContent = valid() ? "" : t("r.period", { from: f.from.value, to: f.to.value, zone: session.me.timezone });
	};
	for (const x of [f.from, f.to]) {
		x.setAttribute("aria-describedby", "r-period");
		x.addEventListener("input", explain);
		x.addEventListener("change", explain);
	}
	const form = h("form", { class: "panel filters", "aria-labelledby": "r-h", onsubmit: show },
		h("div", {}, h("label", { for: "r-peer" }, t("r.peer")), f.peer),
		h("div", {}, h("label", { for: "r-from" }, t("r.from")), f.from),
		h("div", {}, h("label", { for: "r-to" }, t("r.to")), f.to),
		h("div", {}, h("label", { for: "r-lang" }, t("r.lang")), f.lang),
		h("div", {}, h("button", { type: "submit" }, t("r.show"))),
		h("div", {}, ["html", "csv", "json"].map((fmt) =>
			[h("button", { type: "button", class: "ghost", onclick: () => exp(fmt) }, t(`r.export.${fmt}`)), " "])));
	fill(main, h("h1", { id: "r-h" }, t("r.title")), h("p", { class: "muted" }, t("r.help")), form, period, out);
	explain();
	if (!peers.length) fill(out, h("p", { class: "notice" }, t("r.nopeers")));
	return { stop: () => { if (url) URL.revokeObjectURL(url); } };
}
