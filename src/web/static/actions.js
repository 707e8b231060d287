// The actions a case allows us now (the node says which: case.actions),
// each a small form that explains itself.  A form being typed into is
// marked dirty so that polling does not replace it.
import { t, lang } from "./i18n.js";
import { h, api, errorBox, fill } from "./util.js";

const DECISIONS = ["accepted", "needs-info", "declined", "forwarded"];
const REASONS = ["not-permitted-by-law", "no-data-held", "out-of-scope", "insufficient-information",
	"duplicate", "competent-authority", "no-resources", "other"];
const OUTCOMES = ["resolved", "partial", "unable"];

let uid = 0;

function field(label, input, help) {
	const id = input.id || (input.id = `f${++uid}`);
	const hid = `${id}-help`;
	if (help) input.setAttribute("aria-describedby", hid);
	return h("div", {}, h("label", { for: id }, label), input, help ? h("p", { class: "help", id: hid }, help) : null);
}

// A list of choices: "Choose…" first when one is required, "—" when none
// is needed, or no blank at all when `preset` names the usual one.
function choice(name, values, prefix, required, preset) {
	return h("select", { name, required },
		preset ? null : h("option", { value: "" }, t(required ? "choose" : "none")),
		values.map((v) => h("option", { value: v, selected: v === preset }, t(`${prefix}.${v}`))));
}

// A reason code explains a case not taken up as asked: it is offered with
// needs-info, declined and forwarded, and not with accepted.
const REASONED = new Set(["needs-info", "declined", "forwarded"]);
function triageFields() {
	const decision = choice("decision", DECISIONS, "dec", true);
	const reason = choice("reason", REASONS, "reason", false);
	const help = h("p", { class: "help", "aria-live": "polite" });
	const sync = () => {
		const on = REASONED.has(decision.value);
		reason.disabled = !on;
		if (!on) reason.value = "";
		help.textContent = on || !decision.value ? "" : t("a.reason.na");
	};
	decision.addEventListener("change", sync);
	sync();
	return [field(t("a.decision"), decision, t("a.decision.help")),
		field(t("a.reason"), reason, t("a.reason.help")), help, ...textFields(false)];
}

function langSelect() {
	return h("select", { name: "lang" },
		h("option", { value: "en", selected: lang() === "en" }, "English"),
		h("option", { value: "zh", selected: lang() === "zh" }, "简体中文"));
}

function textFields(required, help) {
	return [
		field(t("a.text"), h("textarea", { name: "text", required, maxlength: "20000" }), help),
		field(t("a.lang"), langSelect(), t("a.lang.help")),
	];
}

const SPECS = {
	ack: () => [...textFields(false, t("a.ack.help")),
		field(t("a.by"), h("input", { name: "by", autocomplete: "off" }), t("a.by.help"))],
	triage: triageFields,
	update: () => [...textFields(true, t("a.update.help")),
		field(t("a.obs"), h("textarea", { name: "observables", class: "mono", spellcheck: "false", rows: "2" }), t("a.obs.help"))],
	result: () => [field(t("a.outcome"), choice("outcome", OUTCOMES, "outcome", true, "resolved"), t("a.outcome.help")),
		...textFields(true, t("a.result.help"))],
	close: () => textFields(false, t("a.close.help")),
	withdraw: () => textFields(false, t("a.withdraw.help")),
	rate: (c) => [field(t("a.score"), h("select", { name: "score", required: true },
		h("option", { value: "" }, t("choose")),
		[5, 4, 3, 2, 1].map((n) => h("option", { value: String(n) }, t(`a.score.${n}`)))),
	c.score ? t("a.rerate.help") : t("a.score.help")),
	field(t("a.comment"), h("textarea", { name: "comment" }))],
	// Internal unless the box is ticked: what officers write about a case
	// is for their own desk unless they choose to tell the peer.
	note: (c) => {
		const other = c.our_role === "requester" ? c.responder : c.requester;
		const share = h("input", { type: "checkbox", name: "share", id: `f${++uid}` });
		return [...textFields(true, t("a.note.help")),
			h("div", { class: "sharebox" }, share, h("label", { for: share.id }, t("a.note.share", { who: other })))];
	},
	escalate: () => textFields(true, t("a.escalate.help")),
};

function body(form, action) {
	const fd = new FormData(form), b = {};
	for (const [k, v] of fd.entries()) if (String(v).trim() !== "") b[k] = String(v).trim();
	if (b.score) b.score = Number(b.score);
	// One observable a line, read by the node as the compose form's are.
	if (b.observables) b.observables = b.observables.split("\n").map((l) => l.trim()).filter(Boolean);
	if (b.comment) b.lang = b.lang || lang();
	if (action === "triage" && b.decision === "declined" && !b.reason) return null;
	if (action === "triage" && !REASONED.has(b.decision)) delete b.reason;
	return b;
}

export function actionsPanel(c, done) {
	const actions = (c.actions || []).filter((a) => SPECS[a]);
	if (!actions.length) return h("p", { class: "muted" }, t("a.none", { state: t(`state.${c.state}`) }));
	// The first action starts open, unless it is changing a rating already
	// given: that is rarely what one came for.
	const rerate = (a) => a === "rate" && c.score;
	const label = (a) => (rerate(a) ? t("a.rerate", { n: c.score }) : t(`act.${a}`));
	return actions.map((a, i) => {
		const err = h("div", { "aria-live": "assertive" });
		const form = h("form", { "aria-label": t(`act.${a}`) }, SPECS[a](c), err,
			h("p", {}, h("button", { type: "submit", class: a === "withdraw" ? "danger" : "" }, label(a))));
		form.addEventListener("input", () => form.classList.add("dirty"));
		form.addEventListener("submit", async (ev) => {
			ev.preventDefault();
			fill(err);
			const b = body(form, a);
			if (b === null) {
				fill(err, errorBox(new Error(t("a.reason.needed"))));
				return;
			}
			const btn = form.querySelector("button[type=submit]");
			btn.disabled = true;
			try {
				const internal = a === "note" && !b.share;
				delete b.share;
				await api("POST", `/api/v1/cases/${encodeURIComponent(c.ref)}/${internal ? "internal-note" : a}`, b);
				form.classList.remove("dirty");
				await done(t("a.done", { a: t(`act.${a}`), ref: c.ref }));
			} catch (e) {
				fill(err, errorBox(e));
				btn.disabled = false;
			}
		});
		return h("details", { open: i === 0 && !rerate(a) }, h("summary", {}, label(a)), form);
	});
}
