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

function choice(name, values, prefix, required) {
	return h("select", { name, required },
		required ? h("option", { value: "" }, t("choose")) : h("option", { value: "" }, t("none")),
		values.map((v) => h("option", { value: v }, t(`${prefix}.${v}`))));
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
	triage: () => [
		field(t("a.decision"), choice("decision", DECISIONS, "dec", true), t("a.decision.help")),
		field(t("a.reason"), choice("reason", REASONS, "reason", false), t("a.reason.help")),
		...textFields(false)],
	update: () => textFields(true, t("a.update.help")),
	result: () => [field(t("a.outcome"), choice("outcome", OUTCOMES, "outcome", false), t("a.outcome.help")),
		...textFields(true, t("a.result.help"))],
	close: () => textFields(false, t("a.close.help")),
	withdraw: () => textFields(false, t("a.withdraw.help")),
	rate: () => [field(t("a.score"), h("select", { name: "score", required: true },
		h("option", { value: "" }, t("choose")),
		[5, 4, 3, 2, 1].map((n) => h("option", { value: String(n) }, t(`a.score.${n}`)))), t("a.score.help")),
	field(t("a.comment"), h("textarea", { name: "comment" }))],
	note: () => textFields(true, t("a.note.help")),
	escalate: () => textFields(true, t("a.escalate.help")),
};

function body(form, action) {
	const fd = new FormData(form), b = {};
	for (const [k, v] of fd.entries()) if (String(v).trim() !== "") b[k] = String(v).trim();
	if (b.score) b.score = Number(b.score);
	if (b.comment) b.lang = b.lang || lang();
	if (action === "triage" && b.decision === "declined" && !b.reason) return null;
	return b;
}

export function actionsPanel(c, done) {
	const actions = (c.actions || []).filter((a) => SPECS[a]);
	if (!actions.length) return h("p", { class: "muted" }, t("a.none", { state: t(`state.${c.state}`) }));
	return actions.map((a, i) => {
		const err = h("div", { "aria-live": "assertive" });
		const form = h("form", { "aria-label": t(`act.${a}`) }, SPECS[a](), err,
			h("p", {}, h("button", { type: "submit", class: a === "withdraw" ? "danger" : "" }, t(`act.${a}`))));
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
				await api("POST", `/api/v1/cases/${encodeURIComponent(c.ref)}/${a}`, b);
				form.classList.remove("dirty");
				await done(t("a.done", { a: t(`act.${a}`), ref: c.ref }));
			} catch (e) {
				fill(err, errorBox(e));
				btn.disabled = false;
			}
		});
		return h("details", { open: i === 0 }, h("summary", {}, t(`act.${a}`)), form);
	});
}
