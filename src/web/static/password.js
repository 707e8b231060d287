// Changing one's own password: a person signed in with their password
// gives the old one, the new one twice and a fresh one-time code.  The
// node ends their other sessions; this one goes on.
import { t } from "./i18n.js";
import { h, api, session, say, errorBox, fill } from "./util.js";

// The node's refusal in the user's language, by what it names.
export function refusal(e) {
	const d = (e.problem && e.problem.detail) || e.message || "";
	if (/wrong user name, password or one-time code/.test(d)) return t("login.badpw");
	const wait = /try again in (\d+) s/.exec(d);
	if (wait) return t("login.locked", { s: wait[1] });
	if (/8 to 1024 bytes/.test(d)) return t("pw.length");
	return d;
}

export async function render(el) {
	if (!session.me.session) {
		fill(el, h("h1", {}, t("pw.title")), h("p", { class: "notice" }, t("pw.token")));
		return null;
	}
	const field = (id, key, auto, extra = {}) => [
		h("label", { for: id }, t(key)),
		h("input", { id, type: "password", autocomplete: auto, required: true, ...extra }),
	];
	const err = h("div", { id: "pw-error" });
	const form = h("form", { class: "panel login", id: "pw-form", "aria-labelledby": "pw-title" },
		h("h1", { id: "pw-title" }, t("pw.title")),
		h("p", { class: "help" }, t("pw.help", { who: session.me.person || session.me.token })),
		...field("pw-old", "pw.old", "current-password"),
		...field("pw-new", "pw.new", "new-password", { minlength: 8, "aria-describedby": "pw-rule" }),
		h("p", { class: "help", id: "pw-rule" }, t("pw.rule")),
		...field("pw-again", "pw.again", "new-password"),
		h("label", { for: "pw-code" }, t("login.code")),
		h("input", { id: "pw-code", inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}",
			maxlength: 6, required: true, "aria-describedby": "pw-codehelp" }),
		h("p", { class: "help", id: "pw-codehelp" }, t("login.codehelp")),
		err,
		h("button", { type: "submit" }, t("pw.go")));
	const val = (id) => form.querySelector(`#${id}`).value;
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		fill(err);
		if (val("pw-new") !== val("pw-again")) {
			fill(err, errorBox(new Error(t("pw.differ"))));
			form.querySelector("#pw-again").focus();
			return;
		}
		try {
			await api("PUT", "/api/v1/me/password", { old: val("pw-old"), new: val("pw-new"), code: val("pw-code").trim() });
		} catch (e) {
			fill(err, errorBox(new Error(refusal(e))));
			return;
		}
		for (const i of form.querySelectorAll("input")) i.value = "";
		fill(err, h("p", { class: "notice", role: "status" }, t("pw.done")));
		say(t("pw.done"));
	});
	fill(el, form);
	return null;
}
