// Contacts and checks: our own and each peer's points of contact (who is
// on call, when each was last verified, stale flags), the communication
// checks sent and received, and the form to answer one with its token.
import { t } from "./i18n.js";
import { h, api, can, fmtTime, fmtDuration, session, say, errorBox, errorLine, fill } from "./util.js";

function party(p, onCheck) {
	// The last column holds "Check" buttons: only for those who may send.
	const act = !p.self && can("duty");
	return h("section", { class: "panel", "aria-labelledby": `p-${p.party}` },
		h("h2", { id: `p-${p.party}` }, p.self ? t("ct.own", { p: p.party }) : p.party,
			" ", h("span", { class: "muted" }, t("ct.card", { v: p.card_version }))),
		h("p", {}, p.on_call ? t("ct.oncall", { who: p.on_call }) : t("ct.nooncall")),
		// Scrolls sideways on a narrow screen: reachable by keyboard.
		h("div", { class: "scroll", tabindex: "0", role: "region", "aria-labelledby": `p-${p.party}` }, h("table", {},
			h("thead", {}, h("tr", {}, ["ct.id", "ct.name", "ct.role", "ct.reach", "ct.verified", "ct.checks", act ? "" : null]
				.filter((k) => k !== null)
				.map((k) => h("th", { scope: "col" }, k ? t(k) : h("span", { class: "sr" }, t("ct.act")))))),
			h("tbody", {}, (p.contacts || []).map((c) => h("tr", {},
				h("td", { class: "mono" }, c.id, c.on_call ? [" ", h("span", { class: "badge new" }, t("ct.now"))] : null),
				h("td", {}, c.name || "", c.title ? h("div", { class: "muted" }, c.title) : null),
				h("td", {}, c.role ? t(`crole.${c.role}`) : ""),
				h("td", {}, [c.email, c.phone, c.webhook ? t("ch.webhook") : null].filter(Boolean).join(" · "),
					c.hours ? h("div", { class: "muted" }, c.hours, c.timezone ? ` ${c.timezone}` : "") : null),
				h("td", {}, c.last_verified ? fmtTime(c.last_verified, session.me.timezone) : t("ct.never"),
					c.stale ? [" ", h("span", { class: "stale" }, t("ct.stale"))] : null),
				h("td", {}, `${c.checks_answered || 0}/${c.checks_sent || 0}`),
				act ? h("td", {}, c.email
					? h("button", { type: "button", class: "ghost", onclick: (ev) => onCheck(p.party, c.id, ev.target) },
						t("ct.send", { who: c.id }))
					: null) : null))))));
}

function checksTable(list, onAnswer) {
	if (!list.length) return h("p", { class: "muted" }, t("ck.none"));
	const act = can("duty");
	return h("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": t("ck.title") }, h("table", {},
		h("thead", {}, h("tr", {}, ["ck.ref", "ck.dir", "ck.contact", "ck.sent", "ck.due", "ck.status", "ck.resp", act ? "ct.act" : null]
			.filter(Boolean).map((k) => h("th", { scope: "col" }, t(k))))),
		h("tbody", {}, list.map((c) => h("tr", {},
			h("td", { class: "mono" }, h("a", { href: `#/case/${c.ref}` }, c.ref)),
			h("td", {}, c.direction === "outbound" ? t("ck.out", { p: c.checked }) : t("ck.in", { p: c.checker })),
			h("td", {}, c.contact),
			h("td", {}, fmtTime(c.sent, session.me.timezone)),
			h("td", {}, fmtTime(c.due, session.me.timezone)),
			h("td", { class: c.status === "answered" ? "ok" : c.status === "overdue" ? "bad" : "" }, t(`cks.${c.status}`)),
			h("td", {}, c.response_ms !== null && c.response_ms !== undefined ? fmtDuration(c.response_ms) : "—"),
			act ? h("td", {}, c.direction === "inbound" && c.status !== "answered"
				? h("button", { type: "button", onclick: () => onAnswer(c) }, t("ck.answer")) : null) : null)))));
}

// The publishing card (administrators): our contacts and on-call roster
// as the card publishes them.  The node writes parley.conf, re-signs the
// card with a higher version and peers pin it as any new card.  Drawn
// once with what `own` holds, so polling never wipes what is typed.
function publishing(own, reload) {
	const err = h("div", { id: "pub-error" });
	const handover = (own.roster || []).map((r) => `${r.at} ${r.contact}`).join(", ");
	const roster = h("input", { id: "pub-roster", value: handover, spellcheck: "false", "aria-describedby": "pub-roster-help" });
	const field = (id, key, attrs = {}) => [h("label", { for: id }, t(key)), h("input", { id, spellcheck: "false", ...attrs })];
	const role = h("select", { id: "pub-role" }, ["technical", "policy", "law-enforcement"]
		.map((r) => h("option", { value: r }, t(`crole.${r}`))));
	const val = (id) => panel.querySelector(`#${id}`).value.trim();
	async function send(method, path, body) {
		fill(err);
		try {
			const r = await api(method, path, body);
			fill(err, h("p", { class: "notice", role: "status" }, t("pub.done", { v: r.card_version })));
			say(t("pub.done", { v: r.card_version }));
			await reload();
		} catch (e) {
			fill(err, errorBox(e));
		}
	}
	const rosterForm = h("form", { "aria-labelledby": "pub-roster-h" },
		h("h3", { id: "pub-roster-h" }, t("pub.roster")),
		h("label", { for: "pub-roster" }, t("pub.handover")), roster,
		h("p", { class: "help", id: "pub-roster-help" }, t("pub.roster.help")),
		h("p", {}, h("button", { type: "submit", id: "pub-roster-go" }, t("pub.roster.go"))));
	rosterForm.addEventListener("submit", (ev) => {
		ev.preventDefault();
		send("PUT", "/api/v1/roster", { handover: roster.value.trim() });
	});
	const contactForm = h("form", { "aria-labelledby": "pub-contact-h" },
		h("h3", { id: "pub-contact-h" }, t("pub.contact")),
		...field("pub-id", "ct.id", { required: true, pattern: "[a-z0-9._\\-]{1,64}", "aria-describedby": "pub-id-help" }),
		h("p", { class: "help", id: "pub-id-help" }, t("pub.id.help")),
		...field("pub-name", "ct.name", { required: true }),
		h("label", { for: "pub-role" }, t("ct.role")), role,
		...field("pub-email", "pub.email", { type: "email" }),
		...field("pub-phone", "pub.phone"),
		...field("pub-hours", "pub.hours", { placeholder: "24x7" }),
		h("p", {}, h("button", { type: "submit", id: "pub-contact-go" }, t("pub.contact.go"))));
	contactForm.addEventListener("submit", (ev) => {
		ev.preventDefault();
		send("PUT", `/api/v1/contacts/own/${encodeURIComponent(val("pub-id"))}`, {
			role: role.value, name: val("pub-name"), email: val("pub-email") || undefined,
			phone: val("pub-phone") || undefined, hours: val("pub-hours") || undefined,
		});
	});
	const panel = h("section", { class: "panel", id: "publishing", "aria-labelledby": "pub-h" },
		h("h2", { id: "pub-h" }, t("pub.title")),
		h("p", { class: "help" }, t("pub.help")),
		err, rosterForm, contactForm);
	return panel;
}

export async function render(main) {
	const dir = h("div"), checks = h("div"), answer = h("div", { id: "answer" }), pub = h("div");
	let stopped = false, key = "";

	function answerForm(c) {
		const err = h("div");
		const tok = h("input", { id: "ck-token", autocomplete: "off", spellcheck: "false", class: "mono",
			placeholder: "K7QF-2M9X-HC4T", "aria-describedby": "ck-token-help" });
		const by = h("input", { id: "ck-by", autocomplete: "off", value: c.contact || "" });
		const form = h("form", { class: "panel", "aria-labelledby": "ck-h" },
			h("h2", { id: "ck-h" }, t("ck.answerof", { ref: c.ref, p: c.checker })),
			h("label", { for: "ck-token" }, t("ck.token")), tok,
			h("p", { class: "help", id: "ck-token-help" }, t("ck.token.help", { who: c.contact })),
			h("label", { for: "ck-by" }, t("ck.by")), by, err,
			h("p", {}, h("button", { type: "submit" }, t("ck.reply")), " ",
				h("button", { type: "button", class: "ghost", onclick: () => fill(answer) }, t("cancel"))));
		// The token is what makes the answer count (a person read the
		// mail), so the form does not send without one that looks right.
		const shape = () => /^[0-9a-z]{4}-?[0-9a-z]{4}-?[0-9a-z]{4}$/i.test(tok.value.trim());
		tok.addEventListener("input", () => {
			if (tok.value && !shape()) tok.setAttribute("aria-invalid", "true"); else tok.removeAttribute("aria-invalid");
		});
		form.addEventListener("submit", async (ev) => {
			ev.preventDefault();
			fill(err);
			if (!shape()) {
				tok.setAttribute("aria-invalid", "true");
				fill(err, errorBox(new Error(t("ck.err.token"))));
				tok.focus();
				return;
			}
			try {
				const b = { by: by.value.trim() || undefined, token: tok.value.trim() };
				await api("POST", `/api/v1/checks/${c.ref}/reply`, b);
				fill(answer, h("p", { class: "notice", role: "status" }, t("ck.replied", { ref: c.ref })));
				key = "";
				await load();
			} catch (e) {
				fill(err, errorBox(e));
			}
		});
		fill(answer, form);
		tok.focus();
	}

	async function sendCheck(peer, contact, btn) {
		btn.disabled = true;
		try {
			const r = await api("POST", "/api/v1/checks", { peer, contact });
			say(t("ck.sentto", { who: contact, p: peer, ref: r.ref }));
			key = "";
			await load();
		} catch (e) {
			say(errorLine(e));
			btn.disabled = false;
		}
	}

	async function load() {
		const [cs, ks] = await Promise.all([api("GET", "/api/v1/contacts"), api("GET", "/api/v1/checks")]);
		if (stopped) return;
		const k = JSON.stringify([cs, ks]);
		if (k === key) return;
		key = k;
		fill(dir, ...cs.map((p) => party(p, sendCheck)));
		fill(checks, h("h2", {}, t("ck.title")), checksTable(ks, answerForm));
		const own = cs.find((p) => p.self);
		if (own && can("admin") && !pub.firstChild) fill(pub, publishing(own, () => { key = ""; return load(); }));
	}
	fill(main, h("h1", {}, t("ct.title")), answer, checks, h("h2", {}, t("ct.dir")), dir, pub);
	await load();
	return { poll: load, stop: () => { stopped = true; } };
}
