/*
 * parley case: open cases and act on them.  Every action is a signed
 * message appended to the outbox; `parley outbox export` (or, later, the
 * serving node) carries it to the peer.
 */
#include "cli/commands.h"
#include "cli/common.h"
#include "model/observable.h"
#include "node/actions.h"
#include "node/desk.h"
#include "node/exercise.h"
#include "node/inote.h"
#include "node/interop.h"
#include "node/search.h"
#include "node/view.h"
#include "util/util.h"

#define TEXT_OPTS                                                              \
	{ "lang", "TAG", "language of --text (default: the node's first)",     \
		0 },                                                           \
	    { "translation", "TEXT", "a translation of --text", 0 },           \
	    { "translation-lang", "TAG", "language of --translation", 0 },     \
	{                                                                      \
		"translation-by", "WHO", "human or machine (default human)", 0 \
	}

/* An observable as people paste it; the same input the console takes
 * (model/observable.h px_obs_parse_cli). */
#define OBSERVABLE_OPT                                                           \
	{                                                                        \
		"observable", "VALUE",                                           \
		    "an indicator as pasted (203.0.113.7, evil[.]example, "      \
		    "hxxps://..., an IDN) or TYPE:VALUE with TYPE a STIX name "  \
		    "(ipv4-addr, ipv6-addr, domain-name, url, email-addr, "      \
		    "file, vulnerability, autonomous-system) or shorthand (ip, " \
		    "cidr, domain, email, hash, cve, asn)",                      \
		    PX_OPT_MULTI                                                 \
	}
/* The free-text options of the running command. */
static struct px_text_in
text_args(const struct px_args *a, const char *key)
{
	struct px_text_in t = {
		.text = px_arg(a, key),
		.lang = px_arg(a, "lang"),
		.translation = px_arg(a, "translation"),
		.translation_lang = px_arg(a, "translation-lang"),
		.translation_by = px_arg(a, "translation-by"),
		.prefix = "--",
	};

	return t;
}

static void
report_sent(const struct px_args *a, struct px_node *n, const struct px_msg *m,
    bool id_only)
{
	struct px_case c;
	char ref[9];

	px_case_ref(ref, m->case_id);
	px_case_init(&c);
	if (px_node_case_load(&c, n, m->case_id, NULL) < 0) {
		px_case_dispose(&c);
		c.state = PX_ST_SENT;
	}
	if (px_json(a)) {
		json_t *o = json_pack("{ss ss ss ss sI ss}", "case", m->case_id,
		    "ref", ref, "message", m->hash, "type",
		    px_msg_type_names[m->type].wire, "seq", (json_int_t)m->seq,
		    "state", px_state_names[c.state].wire);

		px_cli_print_json(o);
		json_decref(o);
	} else if (id_only) {
		printf("%s\n", m->case_id);
		fprintf(stderr,
		    "Opened case %s (%s) with %s: signed and queued as seq "
		    "%lld.\n",
		    ref, m->case_id, m->to, (long long)m->seq);
		px_cli_queued(n, m->to);
	} else {
		printf("Case %s: %s to %s signed and queued (seq %lld); state "
		       "now %s.\n",
		    ref, px_msg_type_names[m->type].wire, m->to,
		    (long long)m->seq, px_state_names[c.state].label);
		px_cli_queued(n, m->to);
	}
	px_case_dispose(&c);
}

static const struct px_opt new_opts[] = {
	{ "to", "PEER", "the peer to send it to", PX_OPT_REQUIRED },
	{ "kind", "KIND", "report, request, hotline or inject",
	    PX_OPT_REQUIRED },
	{ "category", "CAT", PX_CATEGORY_LIST, PX_OPT_REQUIRED },
	{ "priority", "P",
	    "P1 (crisis) .. P4 (routine); default P3, "
	    "hotline P1",
	    0 },
	{ "tlp", "T",
	    "clear, green, amber, amber+strict, red (default: the "
	    "agreement's)",
	    0 },
	{ "title", "TEXT", "one-line summary", PX_OPT_REQUIRED },
	{ "text", "TEXT", "the report or request itself", PX_OPT_REQUIRED },
	{ "request-type", "T",
	    "information, investigation, evidence, mitigation (requests; "
	    "default information)",
	    0 },
	OBSERVABLE_OPT,
	{ "preserve", "KEY=TEXT",
	    "a preservation request's fields (Budapest Art. 29(2)): "
	    "authority, offence, facts, data, relation, custodian, "
	    "necessity, mla_intent",
	    PX_OPT_MULTI },
	{ "want", "FIELD",
	    "what an evidence request wants: log-excerpts, packet-capture, "
	    "netflow, disk-image, memory-image, malware-sample, server-logs, "
	    "subscriber-data, account-data, configuration, hashes, "
	    "times-with-zones, observables, acquisition-tool",
	    PX_OPT_MULTI },
	{ "excerpt", "SOURCE=TEXT",
	    "a log excerpt and where it comes from (TEXT @FILE reads a file)",
	    PX_OPT_MULTI },
	{ "excerpt-tool", "TOOL", "the tool that produced the excerpts", 0 },
	{ "check", NULL, "show what the receiver would miss, and send nothing",
	    0 },
	TEXT_OPTS,
	{ 0 },
};

/* --excerpt SOURCE=@FILE reads the text from FILE; *owned keeps the
 * joined strings alive. */
static int
read_excerpts(const char *const *in, size_t n, char ***owned)
{
	*owned = px_calloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(in[i], '=');
		struct px_buf b;
		int rc;

		if (eq == NULL || eq[1] != '@') {
			(*owned)[i] = px_strdup(in[i]);
			continue;
		}
		px_buf_init(&b, 65536);
		if ((rc = px_cli_read(&b, eq + 2, 65536)) < 0) {
			px_buf_dispose(&b);
			return rc;
		}
		(*owned)[i] = px_asprintf(
		    "%.*s=%s", (int)(eq - in[i]), in[i], b.data ? b.data : "");
		px_buf_dispose(&b);
	}
	return 0;
}

/* Prints on stderr what a receiver will miss (model/complete.h). */
static void
print_completeness(const json_t *miss)
{
	const json_t *v;
	size_t i;

	if (json_array_size(miss) == 0)
		return;
	fprintf(stderr, "The receiver will miss:\n");
	json_array_foreach(miss, i, v) fprintf(stderr, "  %-24s %s%s\n",
	    json_string_value(json_object_get(v, "field")),
	    json_string_value(json_object_get(v, "detail")),
	    json_is_true(json_object_get(v, "required")) ? " (required)" : "");
}

static int
run_new(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_msg *m = NULL;
	json_t *body = NULL;
	enum px_msg_type type;
	struct px_new_case nc = {
		.to = px_arg(a, "to"),
		.kind = px_arg(a, "kind"),
		.category = px_arg(a, "category"),
		.priority = px_arg(a, "priority"),
		.tlp = px_arg(a, "tlp"),
		.title = px_arg(a, "title"),
		.request_type = px_arg(a, "request-type"),
		.text = text_args(a, "text"),
	};
	int rc;

	char **excerpts = NULL;
	json_t *miss = NULL;

	nc.observables = px_arg_all(a, "observable", &nc.nobservables);
	nc.preserve = px_arg_all(a, "preserve", &nc.npreserve);
	nc.wanted = px_arg_all(a, "want", &nc.nwanted);
	nc.excerpt_tool = px_arg(a, "excerpt-tool");
	{
		size_t ne = 0;
		const char *const *ex = px_arg_all(a, "excerpt", &ne);

		if ((rc = read_excerpts(ex, ne, &excerpts)) < 0) {
			rc = px_cli_fail(a, rc);
			goto out;
		}
		nc.excerpts = (const char *const *)excerpts;
		nc.nexcerpts = ne;
	}
	if ((rc = px_cli_open(&n, a)) != 0)
		goto out;
	if ((rc = px_body_new_case(&body, &type, n, &nc)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	miss = px_case_completeness(body, NULL);
	if (px_flag(a, "check")) {
		if (px_json(a))
			px_cli_print_json(miss);
		else if (json_array_size(miss) == 0)
			printf("Nothing a receiver needs is missing.\n");
		else
			print_completeness(miss);
		goto out;
	}
	if ((rc = px_node_send(n, nc.to, NULL, type, body, &m)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	report_sent(a, n, m, true);
	if (!px_json(a))
		print_completeness(miss);
out:
	for (size_t i = 0; excerpts && excerpts[i]; i++)
		free(excerpts[i]);
	free(excerpts);
	json_decref(miss);
	json_decref(body);
	px_msg_free(m);
	px_node_free(n);
	return rc;
}

/* One action on an existing case. */
struct action {
	enum px_msg_type type;
	bool text_required;
};

/* triage --decision forwarded --to PEER: the linked case at the third
 * party and the triage, through the choke point (docs/interop.md). */
static int
forward(struct px_args *a, struct px_node *n, const struct px_action *in)
{
	struct px_msg *t = NULL, *o = NULL;
	char ref[9], nref[9];
	int rc;

	if ((rc = px_node_forward(
	         &t, &o, n, px_pos(a, 0), px_arg(a, "to"), in)) < 0)
		return px_cli_fail(a, rc);
	px_case_ref(ref, t->case_id);
	px_case_ref(nref, o->case_id);
	if (px_json(a)) {
		json_t *j = json_pack("{ss ss ss ss}", "case", t->case_id,
		    "message", t->hash, "forwarded_to", o->to, "linked_case",
		    o->case_id);

		px_cli_print_json(j);
		json_decref(j);
	} else {
		printf("Case %s forwarded to %s as case %s (%s); the triage to "
		       "%s and the new case are signed and queued.\n",
		    ref, o->to, nref, o->case_id, t->to);
		px_cli_queued(n, t->to);
		px_cli_queued(n, o->to);
	}
	px_msg_free(t);
	px_msg_free(o);
	return 0;
}

static int
act(struct px_args *a, const struct action *ac)
{
	struct px_node *n = NULL;
	struct px_msg *m = NULL;
	json_t *body = NULL;
	struct px_action in = {
		.text = text_args(
		    a, ac->type == PX_MSG_FEEDBACK ? "comment" : "text"),
		.decision = px_arg(a, "decision"),
		.reason = px_arg(a, "reason"),
		.outcome = px_arg(a, "outcome"),
		.score = px_arg(a, "score"),
		.by = px_arg(a, "by"),
	};
	int rc;

	in.missing = px_arg_all(a, "missing", &in.nmissing);
	in.observables = px_arg_all(a, "observable", &in.nobservables);

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if (ac->type == PX_MSG_NOTE && px_flag(a, "internal")) {
		char hash[65];

		if ((rc = px_inote_add(n, px_pos(a, 0), NULL, in.text.text,
		         in.text.lang, px_time_now_ms(), hash)) < 0)
			rc = px_cli_fail(a, rc);
		else if (px_json(a)) {
			json_t *o =
			    json_pack("{sssb}", "hash", hash, "internal", 1);

			px_cli_print_json(o);
			json_decref(o);
		} else
			fprintf(stderr,
			    "Internal note %.12s kept on case %s: it stays "
			    "here, never sent to the peer.\n",
			    hash, px_pos(a, 0));
		goto out;
	}
	if (ac->type == PX_MSG_TRIAGE && px_arg(a, "to")) {
		rc = forward(a, n, &in);
		goto out;
	}
	if ((rc = px_body_action(&body, n, ac->type, &in)) < 0 ||
	    (rc = px_node_send(n, NULL, px_pos(a, 0), ac->type, body, &m)) <
	        0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	report_sent(a, n, m, false);
out:
	json_decref(body);
	px_msg_free(m);
	px_node_free(n);
	return rc;
}

#define ACTION(fn, t, req)                                  \
	static int fn(struct px_args *a)                    \
	{                                                   \
		static const struct action ac = { t, req }; \
		return act(a, &ac);                         \
	}
ACTION(run_ack, PX_MSG_ACK, false)
ACTION(run_triage, PX_MSG_TRIAGE, false)
ACTION(run_update, PX_MSG_UPDATE, true)
ACTION(run_result, PX_MSG_RESULT, true)
ACTION(run_close, PX_MSG_CLOSE, false)
ACTION(run_withdraw, PX_MSG_WITHDRAW, false)
ACTION(run_rate, PX_MSG_FEEDBACK, false)
ACTION(run_note, PX_MSG_NOTE, true)

static const struct px_opt text_opts[] = {
	{ "text", "TEXT", "free text to go with it", 0 },
	TEXT_OPTS,
	{ 0 },
};
static const struct px_opt ack_opts[] = {
	{ "by", "CONTACT",
	    "who answered: one of this node's contacts (a hotline records "
	    "it)",
	    0 },
	{ "text", "TEXT", "free text to go with it", 0 },
	TEXT_OPTS,
	{ 0 },
};
static const struct px_opt note_opts[] = {
	{ "text", "TEXT", "the text of the note", PX_OPT_REQUIRED },
	TEXT_OPTS,
	{ "internal", NULL,
	    "keep it here only: signed into our own log, never sent, not in "
	    "the peer's view or any export for it",
	    0 },
	{ 0 },
};
static const struct px_opt update_opts[] = {
	{ "text", "TEXT", "the text of the message", PX_OPT_REQUIRED },
	TEXT_OPTS,
	OBSERVABLE_OPT,
	{ 0 },
};
static const struct px_opt triage_opts[] = {
	{ "decision", "D", "accepted, needs-info, declined or forwarded",
	    PX_OPT_REQUIRED },
	{ "reason", "CODE",
	    "not-permitted-by-law, no-data-held, out-of-scope, "
	    "insufficient-information, duplicate, competent-authority, "
	    "no-resources, other",
	    0 },
	{ "text", "TEXT", "explanation (what information is needed, ...)", 0 },
	{ "missing", "FIELD",
	    "needs-info: a field the request lacks (times-with-zones, "
	    "log-excerpts, preservation.necessity, ...; docs/evidence.md)",
	    PX_OPT_MULTI },
	{ "to", "PEER",
	    "with forwarded: open a linked case with this third party, as "
	    "far as the case's TLP marking allows (docs/interop.md)",
	    0 },
	TEXT_OPTS,
	{ 0 },
};
static const struct px_opt result_opts[] = {
	{ "text", "TEXT", "the answer", PX_OPT_REQUIRED },
	{ "outcome", "O", "resolved, partial or unable", 0 },
	TEXT_OPTS,
	{ 0 },
};
static const struct px_opt rate_opts[] = {
	{ "score", "N", "quality of the answer, 1 (poor) to 5 (excellent)",
	    PX_OPT_REQUIRED },
	{ "comment", "TEXT", "why", 0 },
	TEXT_OPTS,
	{ 0 },
};

#define CASE_CMD(var, nm, sum, o, fn)                  \
	static const struct px_cmd var = { .name = nm, \
		.summary = sum,                        \
		.usage = "ID",                         \
		.min_pos = 1,                          \
		.max_pos = 1,                          \
		.opts = o,                             \
		.run = fn }

CASE_CMD(c_ack, "ack", "acknowledge receipt of a case (responder)", ack_opts,
    run_ack);
CASE_CMD(c_triage, "triage",
    "accept, ask for information, decline or forward (responder)", triage_opts,
    run_triage);
CASE_CMD(c_update, "update", "send progress, or the information asked for",
    update_opts, run_update);
CASE_CMD(
    c_result, "result", "send the answer (responder)", result_opts, run_result);
CASE_CMD(c_close, "close", "close the case (requester)", text_opts, run_close);
CASE_CMD(c_withdraw, "withdraw", "withdraw the request (requester)", text_opts,
    run_withdraw);
CASE_CMD(c_rate, "rate", "rate the answer's quality (requester)", rate_opts,
    run_rate);
CASE_CMD(c_note, "note",
    "add a note: to the peer, or with --internal kept here only", note_opts,
    run_note);

/* ---- list and show ---- */

/* The clock that matters most now: the running or overdue one with the
 * earliest deadline. */
static int
urgent_clock(const struct px_clock_status s[PX_CLK__N])
{
	int best = -1;

	for (int k = 0; k < PX_CLK__N; k++) {
		if (s[k].state != PX_CS_RUNNING &&
		    s[k].state != PX_CS_OVERDUE && s[k].state != PX_CS_PAUSED)
			continue;
		if (best < 0 || s[k].deadline < s[best].deadline)
			best = k;
	}
	return best;
}

static void
clock_phrase(char *out, size_t n, const struct px_clock_status *s, int64_t now)
{
	char d[32];

	if (s->state == PX_CS_PAUSED) {
		snprintf(out, n, "paused (needs info)");
		return;
	}
	px_duration_format(d, sizeof(d), s->deadline - now);
	if (s->state == PX_CS_OVERDUE)
		snprintf(out, n, "OVERDUE by %s", d);
	else
		snprintf(out, n, "%s left", d);
}

struct list_ctx {
	struct px_node *n;
	json_t *rows;
	bool overdue_only;
	const char *assignee; /* a person, "" for nobody, NULL for all */
	int64_t now;
	int rc;
};

static int
list_one(const struct px_case_row *r, void *arg)
{
	struct list_ctx *lc = arg;
	struct px_case c;
	struct px_peer *p = NULL;
	struct px_clock_status s[PX_CLK__N];
	json_t *row, *desk;
	const char *who;
	int k, rc;
	bool overdue = false;

	if ((rc = px_node_case_load(&c, lc->n, r->id, &p)) < 0)
		return rc;
	px_case_clocks(s, &c, px_peer_case_terms(p, &c, NULL),
	    px_node_case_calendar(lc->n, &c, p), lc->now);
	for (k = 0; k < PX_CLK__N; k++)
		overdue |= s[k].state == PX_CS_OVERDUE;
	desk = px_desk_people(lc->n, c.id);
	who =
	    desk ? json_string_value(json_object_get(desk, "assignee")) : NULL;
	if ((!lc->overdue_only || overdue) &&
	    (lc->assignee == NULL ||
	        (*lc->assignee ? who && strcmp(who, lc->assignee) == 0
	                       : who == NULL))) {
		char ref[9], phrase[64] = "";
		int u = urgent_clock(s);

		px_case_ref(ref, c.id);
		if (u >= 0)
			clock_phrase(phrase, sizeof(phrase), &s[u], lc->now);
		row = json_pack("{ss ss ss ss ss ss ss ss ss ss sb}", "id",
		    c.id, "ref", ref, "kind", px_kind_names[c.kind].wire,
		    "priority", px_priority_names[c.priority].wire, "tlp",
		    px_tlp_names[c.tlp].wire, "state",
		    px_state_names[c.state].wire, "peer", r->peer, "direction",
		    strcmp(c.requester, lc->n->name) == 0 ? "out" : "in",
		    "title", c.title, "category",
		    px_category_names[c.category].wire, "overdue", overdue);
		json_object_set_new(
		    row, "assignee", who ? json_string(who) : json_null());
		json_object_set_new(row, "next_clock",
		    u >= 0 ? json_pack("{ss ss s s}", "clock",
		                 px_clock_names[u].wire, "state",
		                 px_clock_state_names[s[u].state], "phrase",
		                 phrase)
		           : json_null());
		if (u >= 0 && s[u].deadline != INT64_MAX) {
			char tm[PX_TIME_STRLEN];

			px_time_format(tm, s[u].deadline);
			json_object_set_new(json_object_get(row, "next_clock"),
			    "deadline", json_string(tm));
		}
		json_array_append_new(lc->rows, row);
	}
	json_decref(desk);
	px_peer_free(p);
	px_case_dispose(&c);
	return 0;
}

static const struct px_opt list_opts[] = {
	{ "state", "S", "only cases in this state", 0 },
	{ "peer", "P", "only cases with this peer", 0 },
	{ "overdue", NULL, "only cases with an overdue clock", 0 },
	{ "open", NULL, "only cases that have not ended", 0 },
	{ "assignee", "PERSON", "only cases this person holds", 0 },
	{ "unassigned", NULL, "only cases nobody holds", 0 },
	{ 0 },
};

static int
run_list(struct px_args *a)
{
	struct px_node *n = NULL;
	struct list_ctx lc = { .rows = json_array() };
	struct px_case_filter f = { .peer = px_arg(a, "peer"),
		.state = px_arg(a, "state"),
		.open_only = px_flag(a, "open") };
	json_t *v;
	size_t i;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		goto out;
	if (f.state && (rc = PX_LOOKUP(px_state_names, "state", f.state)) < 0)
		goto fail;
	lc.n = n;
	lc.now = px_time_now_ms();
	lc.overdue_only = px_flag(a, "overdue");
	lc.assignee = px_flag(a, "unassigned") ? "" : px_arg(a, "assignee");
	if (px_flag(a, "unassigned") && px_arg(a, "assignee")) {
		rc = px_cli_usage(
		    a, "give --assignee PERSON or --unassigned, not both");
		goto out;
	}
	if (lc.assignee && *lc.assignee && !px_desk_is_person(n, lc.assignee)) {
		rc = px_cli_fail(a,
		    px_error_set(PX_ENOTFOUND,
		        "'%s' is not one of this node's people (a [contact] in "
		        "parley.conf)",
		        lc.assignee));
		goto out;
	}
	if ((rc = PX_STORE_CALL(n->store, case_list, &f, list_one, &lc)) < 0)
		goto fail;
	if (px_json(a)) {
		px_cli_print_json(lc.rows);
	} else if (json_array_size(lc.rows) == 0) {
		printf("No cases%s.\n",
		    lc.overdue_only || f.peer || f.state || lc.assignee
		        ? " match"
		        : " yet");
	} else {
		printf("%-8s %-3s %-2s %-8s %-13s %-20s %-28s %s\n", "REF",
		    "PRI", "", "KIND", "STATE", "PEER", "NEXT DEADLINE",
		    "TITLE");
		json_array_foreach(lc.rows, i, v)
		{
			const json_t *nc = json_object_get(v, "next_clock");
			char next[64] = "";

			if (json_is_object(nc))
				snprintf(next, sizeof(next), "%s %s",
				    json_string_value(
				        json_object_get(nc, "clock")),
				    json_string_value(
				        json_object_get(nc, "phrase")));
			printf("%-8s %-3s %-2s %-8s %-13s %-20.20s %-28s %s\n",
			    json_string_value(json_object_get(v, "ref")),
			    json_string_value(json_object_get(v, "priority")),
			    strcmp(json_string_value(
			               json_object_get(v, "direction")),
			        "out")
			        ? "<-"
			        : "->",
			    json_string_value(json_object_get(v, "kind")),
			    json_string_value(json_object_get(v, "state")),
			    json_string_value(json_object_get(v, "peer")), next,
			    json_string_value(json_object_get(v, "title")));
		}
	}
	rc = 0;
	goto out;
fail:
	rc = px_cli_fail(a, rc);
out:
	json_decref(lc.rows);
	px_node_free(n);
	return rc;
}

/* A peer's text on the terminal, bidirectional controls written out
 * visibly (a terminal would reorder what follows them). */
static void
print_value(const char *pre, const char *lang, const char *by, const char *v)
{
	char *shown = v ? px_bidi_visible(v) : NULL;

	if (by)
		printf("%s[%s, %s translation] %s\n", pre, lang, by,
		    shown ? shown : v);
	else
		printf("%s[%s] %s\n", pre, lang, shown ? shown : v);
	free(shown);
}

static void
print_text(const json_t *t, const char *indent)
{
	const json_t *tr = json_object_get(t, "translation");

	if (t == NULL)
		return;
	print_value(indent, json_string_value(json_object_get(t, "lang")), NULL,
	    json_string_value(json_object_get(t, "value")));
	if (tr)
		print_value(indent,
		    json_string_value(json_object_get(tr, "lang")),
		    json_string_value(json_object_get(tr, "by")),
		    json_string_value(json_object_get(tr, "value")));
}

/* Other cases naming the same observables: who else, and when. */
static void
show_related(struct px_node *n, const struct px_case *c)
{
	json_t *rel = px_search_related(n, c->observables, c->id);
	const json_t *x;
	size_t i;

	if (json_array_size(rel))
		printf("Seen before (other cases with these observables):\n");
	json_array_foreach(rel, i, x)
	{
		const json_t *o = json_object_get(x, "observable");

		printf("  %s  in %s  with %s, opened %.10s (%s): %s\n",
		    json_string_value(json_object_get(o, "value")),
		    json_string_value(json_object_get(x, "ref")),
		    json_string_value(json_object_get(x, "peer")),
		    json_string_value(json_object_get(x, "opened")),
		    json_string_value(json_object_get(x, "state")),
		    json_string_value(json_object_get(x, "title")));
	}
	json_decref(rel);
}

/* Our internal notes, set apart from the exchange: never sent. */
static void
show_internal(struct px_node *n, const struct px_case *c)
{
	json_t *notes = px_inote_list(n, c->id);
	const json_t *x;
	size_t i;

	if (notes && json_array_size(notes)) {
		printf("Internal notes (kept here only, never sent):\n");
		json_array_foreach(notes, i, x)
		{
			const char *by =
			    json_string_value(json_object_get(x, "by"));

			printf("  %.16s  [INTERNAL]%s%s  (%.12s)\n",
			    json_string_value(json_object_get(x, "time")),
			    by ? " by " : "", by ? by : "",
			    json_string_value(json_object_get(x, "hash")));
			print_text(json_object_get(x, "text"), "      ");
		}
	}
	json_decref(notes);
}

/* "assigned to PERSON; watched by P, Q" from the desk's JSON
 * (node/desk.h), `nobody` when no one holds the case. */
static void
desk_words(const json_t *d, const char *nobody)
{
	const json_t *w;
	size_t i;

	printf("assigned to %s",
	    json_is_string(json_object_get(d, "assignee"))
	        ? json_string_value(json_object_get(d, "assignee"))
	        : nobody);
	json_array_foreach(json_object_get(d, "watchers"), i, w)
	    printf("%s%s", i ? ", " : "; watched by ", json_string_value(w));
}

/* Who on our desk holds the case (ours alone, node/desk.h). */
static void
show_desk(struct px_node *n, const struct px_case *c)
{
	json_t *d = px_desk_people(n, c->id);

	if (d == NULL)
		return;
	printf("  ");
	desk_words(d, "nobody (unassigned)");
	printf("\n");
	json_decref(d);
}

static void
show_human(
    struct px_node *n, const struct px_case *c, struct px_peer *p, int64_t now)
{
	const struct px_tz *req_tz, *resp_tz;
	struct px_clock_status s[PX_CLK__N];
	const struct px_calendar *cal = px_node_case_calendar(n, c, p);
	const struct px_agreement *ag;
	struct px_case_terms t;
	char ref[9], t1[64], t2[64], t3[64];
	const json_t *o;
	size_t i;

	req_tz = strcmp(c->requester, n->name) == 0 ? n->tz : p->tz;
	resp_tz = strcmp(c->responder, n->name) == 0 ? n->tz : p->tz;
	px_case_ref(ref, c->id);
	printf("Case %s  %s  %s %s%s%s  %s\n", ref, px_tlp_names[c->tlp].label,
	    px_priority_names[c->priority].label, px_kind_names[c->kind].wire,
	    c->request_type >= 0 ? " for " : "",
	    c->request_type >= 0 ? px_request_type_names[c->request_type].wire
	                         : "",
	    px_category_names[c->category].label);
	printf("  \"%s\"\n  id %s\n", c->title, c->id);
	printf("  %s (requester, %s) -> %s (responder, %s)\n", c->requester,
	    px_tz_name(req_tz), c->responder, px_tz_name(resp_tz));
	printf("  state: %s%s", px_state_names[c->state].label,
	    c->escalated ? " [ESCALATED]" : "");
	if (c->reason >= 0)
		printf(" (reason: %s)", px_reason_names[c->reason].label);
	if (c->score)
		printf("; rated %d/5", c->score);
	printf("\n");
	show_desk(n, c);
	if (c->observables && json_array_size(c->observables)) {
		printf("Observables:\n");
		json_array_foreach(c->observables, i, o)
		{
			const char *ty =
			    json_string_value(json_object_get(o, "type"));
			const char *v =
			    json_string_value(json_object_get(o, "value"));
			char *u = px_obs_unicode(ty, v);

			printf("  %-18s %s%s%s%s\n", ty, v, u ? " (" : "",
			    u ? u : "", u ? ")" : "");
			free(u);
		}
	}
	show_related(n, c);
	ag = px_peer_case_terms(p, c, &t);
	px_case_clocks(s, c, ag, cal, now);
	if (c->kind == PX_KIND_AGREEMENT) {
		printf("Agreement version %lld proposed by %s: see 'parley "
		       "peer agreement %s'\n",
		    (long long)c->proposal_version, c->requester, p->row.name);
	} else {
		printf("Agreement: version %lld\n", (long long)t.used);
		if (t.disagree) {
			char why[512];

			px_case_terms_explain(why, sizeof(why), &t, &p->accord);
			printf("  DISAGREEMENT: %s\n", why);
		}
		printf("Clocks (%s, counted in %s's %s):\n",
		    px_priority_names[c->priority].wire, c->responder,
		    ag->basis[c->priority] == PX_BASIS_BUSINESS
		        ? "business hours"
		        : "calendar time");
	}
	for (int k = 0; k < PX_CLK__N; k++) {
		char budget[16], phrase[64] = "";

		if (s[k].state == PX_CS_NA)
			continue;
		px_duration_unparse(
		    budget, sizeof(budget), s[k].budget, s[k].basis);
		px_cli_time(t1, sizeof(t1), resp_tz, s[k].deadline);
		if (s[k].state == PX_CS_RUNNING || s[k].state == PX_CS_OVERDUE)
			clock_phrase(phrase, sizeof(phrase), &s[k], now);
		else if (s[k].stopped >= 0)
			px_cli_time(
			    phrase, sizeof(phrase), resp_tz, s[k].stopped);
		printf("  %-15s %-5s %-10s due %-30s %s%s\n",
		    px_clock_names[k].label, budget,
		    px_clock_state_names[s[k].state], t1,
		    s[k].state == PX_CS_MET || s[k].state == PX_CS_BREACHED
		        ? "done "
		        : s[k].state == PX_CS_CANCELLED ? "ended "
		                                        : "",
		    phrase);
	}
	printf("Timeline (UTC | %s | %s):\n", px_tz_name(req_tz),
	    px_tz_name(resp_tz));
	for (i = 0; i < c->n; i++) {
		const struct px_msg *m = c->msgs[i];
		char utc[PX_TIME_STRLEN];

		px_time_format(utc, m->time_ms);
		px_cli_time(t2, sizeof(t2), req_tz, m->time_ms);
		px_cli_time(t3, sizeof(t3), resp_tz, m->time_ms);
		printf("  %.16s | %s | %s\n", utc, t2, t3);
		printf("    %s -> %s  %s", m->from, m->to,
		    px_msg_type_names[m->type].label);
		if (m->type == PX_MSG_TRIAGE)
			printf(": %s%s%s",
			    json_string_value(
			        json_object_get(m->body, "decision")),
			    json_object_get(m->body, "reason") ? ", " : "",
			    json_object_get(m->body, "reason")
			        ? json_string_value(
			              json_object_get(m->body, "reason"))
			        : "");
		if (m->type == PX_MSG_FEEDBACK)
			printf(": %lld/5",
			    (long long)json_integer_value(
			        json_object_get(m->body, "score")));
		printf("  (seq %lld, %.12s)\n", (long long)m->seq, m->hash);
		print_text(json_object_get(m->body, "text"), "      ");
		if (c->why[i])
			printf("      (no effect: %s)\n", c->why[i]);
	}
	show_internal(n, c);
	(void)t3;
}

static int
run_show(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_peer *p = NULL;
	struct px_case c;
	int64_t now = px_time_now_ms();
	int rc;

	px_case_init(&c);
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_node_case_load(&c, n, px_pos(a, 0), &p)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		json_t *j = px_view_case(n, &c, p, now);

		px_cli_print_json(j);
		json_decref(j);
	} else if (c.exercise_id) {
		/* Above and below: no one reads this as a real incident. */
		char line[160], ref[12];

		px_exercise_ref(ref, c.exercise_id);
		snprintf(line, sizeof(line),
		    "EXERCISE EXERCISE EXERCISE -- %s%s%s -- not a real "
		    "incident\n",
		    ref, c.inject_id ? ", inject " : "",
		    c.inject_id ? c.inject_id : "");
		fputs(line, stdout);
		show_human(n, &c, p, now);
		fputs(line, stdout);
	} else {
		show_human(n, &c, p, now);
	}
out:
	px_case_dispose(&c);

	px_peer_free(p);
	px_node_free(n);
	return rc;
}

static const struct px_cmd c_new = {
	.name = "new",
	.summary = "open a case: send a report or a request to a peer",
	.opts = new_opts,
	.run = run_new,
	.details =
	    "Prints the new case id on stdout.  Example:\n"
	    "  parley case new --to cert-b.example --kind request "
	    "--category botnet \\\n"
	    "    --priority P2 --tlp amber --title \"C2 at 203.0.113.7\" "
	    "\\\n"
	    "    --text \"Please investigate\" --observable ip:203.0.113.7",
};
static const struct px_cmd c_list = {
	.name = "list",
	.summary = "list cases with the deadline that matters most",
	.opts = list_opts,
	.run = run_list,
};
static const struct px_cmd c_show = {
	.name = "show",
	.summary = "show a case: clocks and timeline in both local times",
	.usage = "ID",
	.min_pos = 1,
	.max_pos = 1,
	.run = run_show,
};

/* Cases, open and ended, holding a text or naming an observable. */
static int
run_search(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *r = NULL;
	const json_t *x;
	size_t i;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_search(n, px_pos(a, 0), &r)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		px_cli_print_json(r);
		goto out;
	}
	if (json_is_object(json_object_get(r, "observable")))
		printf("Observable %s %s, and the text \"%s\":\n",
		    json_string_value(json_object_get(
		        json_object_get(r, "observable"), "type")),
		    json_string_value(json_object_get(
		        json_object_get(r, "observable"), "value")),
		    px_pos(a, 0));
	json_array_foreach(json_object_get(r, "cases"), i, x)
	{
		printf("%s  %.10s  %-22s %-12s %s\n",
		    json_string_value(json_object_get(x, "ref")),
		    json_string_value(json_object_get(x, "opened")),
		    json_string_value(json_object_get(x, "peer")),
		    json_string_value(json_object_get(x, "state")),
		    json_string_value(json_object_get(x, "title")));
	}
	if (json_array_size(json_object_get(r, "cases")) == 0)
		printf("No case holds '%s'.\n", px_pos(a, 0));
out:
	json_decref(r);
	px_node_free(n);
	return rc;
}

static const struct px_cmd c_search = {
	.name = "search",
	.summary = "find cases, open and ended, by text (title, texts, "
	           "translations) or by an observable",
	.usage = "TEXT",
	.min_pos = 1,
	.max_pos = 1,
	.run = run_search,
};

/* The end of `case assign` and `case watch`: the failure of `rc`, or
 * who holds the case now (or its JSON); frees `id` and `n`. */
static int
desk_done(struct px_args *a, struct px_node *n, int rc, char *id)
{
	json_t *d;
	char ref[9];

	if (rc < 0) {
		rc = px_cli_fail(a, rc);
	} else if ((d = px_desk_people(n, id)) == NULL) {
		rc = px_cli_fail(a, PX_ERR);
	} else if (px_json(a)) {
		px_cli_print_json(d);
		json_decref(d);
	} else {
		px_case_ref(ref, id);
		printf("Case %s: ", ref);
		desk_words(d, "nobody");
		printf(" (kept here, never sent to the peer)\n");
		json_decref(d);
	}
	free(id);
	px_node_free(n);
	return rc;
}

static const struct px_opt assign_opts[] = {
	{ "none", NULL, "take the case from whoever holds it", 0 },
	{ 0 },
};

static int
run_assign(struct px_args *a)
{
	struct px_node *n = NULL;
	const char *person = px_pos(a, 1);
	char *id = NULL;
	int rc;

	if ((person == NULL) == !px_flag(a, "none"))
		return px_cli_usage(
		    a, "case assign: give a PERSON or --none (not both)");
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	rc = px_desk_assign(n, px_pos(a, 0), person, px_time_now_ms(), &id);
	return desk_done(a, n, rc, id);
}

static const struct px_opt watch_opts[] = {
	{ "off", NULL, "stop watching", 0 },
	{ 0 },
};

static int
run_watch(struct px_args *a)
{
	struct px_node *n = NULL;
	char *id = NULL;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	rc = px_desk_watch(n, px_pos(a, 0), px_pos(a, 1), !px_flag(a, "off"),
	    px_time_now_ms(), &id);
	return desk_done(a, n, rc, id);
}

static const struct px_cmd c_assign = {
	.name = "assign",
	.summary = "give a case to one of our people, or take it back "
	           "(kept here, never sent)",
	.usage = "ID (PERSON | --none)",
	.opts = assign_opts,
	.min_pos = 1,
	.max_pos = 2,
	.run = run_assign,
	.details = "PERSON is the id of a [contact \"ID\"] in parley.conf.  "
	           "Alerts about the case go to its assignee and watchers "
	           "(docs/desk.md).",
};
static const struct px_cmd c_watch = {
	.name = "watch",
	.summary = "add one of our people as a watcher of a case, or with "
	           "--off remove them",
	.usage = "ID PERSON",
	.opts = watch_opts,
	.min_pos = 2,
	.max_pos = 2,
	.run = run_watch,
};

static const struct px_cmd *const subs[] = { &c_new, &c_list, &c_show, &c_ack,
	&c_triage, &c_update, &c_result, &c_close, &c_withdraw, &c_rate,
	&c_note, &c_search, &c_assign, &c_watch, NULL };

const struct px_cmd px_cmd_case = {
	.name = "case",
	.summary = "open, list, show and act on cases",
	.subs = subs,
	.details = "ID is the case id, a unique prefix of it, or the 8-digit "
	           "reference shown by 'case list'.",
};
