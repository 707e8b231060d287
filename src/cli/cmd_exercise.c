/*
 * parley exercise: scenarios, proposal and acceptance, the control cell,
 * a real-world stop, evaluation and the after-action report
 * (docs/exercises.md).
 */
#include <unistd.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "formats/cexf.h"
#include "model/agreement.h"
#include "model/canon.h"
#include "node/actions.h"
#include "node/exercise.h"
#include "report/aar.h"
#include "util/util.h"

#define MAX_FILE (8 * 1024 * 1024)

/* Prints a message just signed in an exercise, and what happens next. */
static void
said(struct px_args *a, struct px_node *n, const struct px_msg *m,
    const char *what)
{
	char ref[12];
	const char *ex = json_string_value(
	    json_object_get(json_object_get(m->body, "exercise"), "id"));

	px_exercise_ref(ref,
	    m->type == PX_MSG_EXERCISE ? m->case_id
	        : ex                   ? ex
	                               : m->case_id);
	if (px_json(a)) {
		json_t *o = json_pack("{ss ss ss ss ss sI}", "exercise",
		    m->type == PX_MSG_EXERCISE ? m->case_id
		        : ex                   ? ex
		                               : m->case_id,
		    "ref", ref, "type", px_msg_type_names[m->type].wire,
		    "message", m->hash, "to", m->to, "seq", (json_int_t)m->seq);

		px_cli_print_json(o);
		json_decref(o);
		return;
	}
	printf("%s %s: signed and queued for %s.\n", what, ref, m->to);
	px_cli_queued(n, m->to);
}

/* Sends control `body` (stolen) into exercise pos 0. */
static int
control(struct px_args *a, json_t *body, const char *what)
{
	struct px_node *n = NULL;
	struct px_msg *m = NULL;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		goto out;
	if ((rc = px_exercise_control(n, px_pos(a, 0), body, &m)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	said(a, n, m, what);
out:
	px_msg_free(m);
	px_node_free(n);
	json_decref(body);
	return rc;
}

/* The free text of --text and --lang, or NULL. */
static json_t *
text_of(struct px_args *a)
{
	const char *t = px_arg(a, "text");

	return t ? px_text_new(t, px_arg(a, "lang") ? px_arg(a, "lang") : "en",
	               NULL, NULL, NULL)
	         : NULL;
}

static json_t *
action(struct px_args *a, const char *act)
{
	json_t *b = json_pack("{ss}", "action", act), *t = text_of(a);

	if (t)
		json_object_set_new(b, "text", t);
	return b;
}

static int
run_accept(struct px_args *a)
{
	return control(a, action(a, "accept"), "Acceptance of exercise");
}
static int
run_decline(struct px_args *a)
{
	return control(a, action(a, "decline"), "Decline of exercise");
}
static int
run_withdraw(struct px_args *a)
{
	return control(a, action(a, "withdraw"), "Withdrawal of exercise");
}
static int
run_start(struct px_args *a)
{
	return control(a, action(a, "start"), "Start of exercise");
}
static int
run_pause(struct px_args *a)
{
	return control(a, action(a, "pause"), "Pause of exercise");
}
static int
run_resume(struct px_args *a)
{
	return control(a, action(a, "resume"), "Resumption of exercise");
}
static int
run_end(struct px_args *a)
{
	return control(a, action(a, "end"), "End of exercise");
}
static int
run_reveal(struct px_args *a)
{
	return control(a, action(a, "reveal"), "Scenario of exercise");
}

static int
run_schedule(struct px_args *a)
{
	json_t *b = action(a, "schedule");
	int64_t t;

	if (px_time_parse(&t, px_arg(a, "start"), 0) < 0) {
		json_decref(b);
		return px_cli_usage(a, "--start: %s", px_error_last());
	}
	json_object_set_new(b, "start", px_json_time(t));
	return control(a, b, "New start of exercise");
}

static int
run_inject(struct px_args *a, const char *act, const char *what)
{
	json_t *b = action(a, act);

	json_object_set_new(b, "inject", json_string(px_pos(a, 1)));
	if (px_arg(a, "by"))
		json_object_set_new(b, "by", json_string(px_arg(a, "by")));
	return control(a, b, what);
}
static int
run_fire(struct px_args *a)
{
	return run_inject(a, "fire", "Fire (inject now) in exercise");
}
static int
run_skip(struct px_args *a)
{
	return run_inject(a, "skip", "Skip of an inject in exercise");
}
static int
run_delay(struct px_args *a)
{
	return run_inject(a, "delay", "Delay of an inject in exercise");
}

static int
run_stop(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *list = NULL;
	size_t i;
	int rc;

	if (px_npos(a) == 1) {
		json_t *b = action(a, "stop");

		if (!json_object_get(b, "text")) {
			json_decref(b);
			return px_cli_usage(a,
			    "a real-world stop says why: --text \"This is a "
			    "real-world emergency: ...\"");
		}
		return control(a, b, "REAL-WORLD STOP of exercise");
	}
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_exercise_stop_all(
	         n, px_arg(a, "text"), px_arg(a, "lang"), &list)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a))
		px_cli_print_json(list);
	else if (json_array_size(list) == 0)
		printf("No exercise was running, scheduled or proposed.\n");
	for (i = 0; !px_json(a) && i < json_array_size(list); i++) {
		char ref[12];

		px_exercise_ref(
		    ref, json_string_value(json_array_get(list, i)));
		printf("REAL-WORLD STOP of exercise %s: signed and queued.\n",
		    ref);
	}
out:
	json_decref(list);
	px_node_free(n);
	return rc;
}

static int
run_say(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_msg *m = NULL;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_exercise_say(n, px_pos(a, 0), px_arg(a, "inject"),
	         px_arg(a, "as"), px_arg(a, "text"), px_arg(a, "lang"), &m)) <
	    0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	said(a, n, m, "Message of a simulated party in exercise");
out:
	px_msg_free(m);
	px_node_free(n);
	return rc;
}

/* "O1=P" pairs (and "O1=text" comments) into the ratings array. */
static int
run_evaluate(struct px_args *a)
{
	size_t nr = 0, nc = 0;
	const char *const *r = px_arg_all(a, "rating", &nr);
	const char *const *c = px_arg_all(a, "comment", &nc);
	json_t *b = json_pack("{ss ss s[]}", "action", "evaluate", "by",
	    px_arg(a, "by"), "ratings");

	for (size_t i = 0; i < nr; i++) {
		const char *eq = strchr(r[i], '=');
		json_t *o;

		if (eq == NULL || eq == r[i]) {
			json_decref(b);
			return px_cli_usage(a,
			    "--rating '%s': expected OBJECTIVE=P, S, M or U",
			    r[i]);
		}
		o = json_pack("{s s% ss}", "objective", r[i],
		    (size_t)(eq - r[i]), "rating", eq + 1);
		for (size_t k = 0; k < nc; k++) {
			const char *ce = strchr(c[k], '=');

			if (ce && (size_t)(ce - c[k]) == (size_t)(eq - r[i]) &&
			    strncmp(c[k], r[i], (size_t)(eq - r[i])) == 0)
				json_object_set_new(
				    o, "comment", json_string(ce + 1));
		}
		json_array_append_new(json_object_get(b, "ratings"), o);
	}
	return control(a, b, "Evaluation of exercise");
}

static int
run_sign(struct px_args *a)
{
	json_t *b = json_pack("{ss}", "action", "sign");

	if (px_arg(a, "by"))
		json_object_set_new(b, "by", json_string(px_arg(a, "by")));
	return control(a, b, "Signature of the scores of exercise");
}

static int
run_plan(struct px_args *a)
{
	json_t *b = json_pack("{ss ss ss ss ss}", "action", "plan", "item",
	    px_arg(a, "item"), "owner", px_arg(a, "owner"), "due",
	    px_arg(a, "due"), "status",
	    px_arg(a, "status") ? px_arg(a, "status") : "open");

	if (b == NULL)
		return px_cli_usage(a,
		    "a plan item needs --item, --owner and "
		    "--due");
	json_object_set_new(b, "text", text_of(a));
	if (json_is_null(json_object_get(b, "text")) ||
	    !json_object_get(b, "text")) {
		json_decref(b);
		return px_cli_usage(a, "a plan item needs --text");
	}
	return control(a, b, "Improvement plan item of exercise");
}

/* ---- Scenarios ---- */

/* A scenario named on the command line: a file, a draft or a shipped
 * scenario.  *draft (may be NULL) gets the draft's id. */
static int
scenario_arg(json_t **out, char **draft, struct px_node *n, const char *arg,
    const char *format)
{
	struct px_buf b;
	int rc;

	*out = NULL;
	if (draft)
		*draft = NULL;
	if (access(arg, R_OK) == 0 || strcmp(arg, "-") == 0) {
		px_buf_init(&b, MAX_FILE);
		if ((rc = px_cli_read(&b, arg, MAX_FILE)) == 0)
			rc = px_exercise_read(out, b.data, b.len, format, arg);
		px_buf_dispose(&b);
		return rc;
	}
	return px_exercise_find(out, draft, n, arg);
}

static int
run_import(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *doc = NULL;
	char id[PX_UUID_STRLEN];
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = scenario_arg(
	         &doc, NULL, n, px_pos(a, 0), px_arg(a, "format"))) < 0 ||
	    (rc = px_exercise_draft(n, doc, id)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		json_t *o = json_pack("{ss sO sI}", "draft", id, "name",
		    json_object_get(doc, "name"), "injects",
		    (json_int_t)json_array_size(
		        json_object_get(doc, "injects")));

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("Draft %s: %s (%zu injects).  Propose it with: parley "
		       "exercise propose --peer PEER %s\n",
		    id, px_xtext(json_object_get(doc, "name"), "en"),
		    json_array_size(json_object_get(doc, "injects")), id);
	}
out:
	json_decref(doc);
	px_node_free(n);
	return rc;
}

static int
run_export(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_xctx x;
	json_t *doc = NULL, *outdoc = NULL;
	const char *fmt = px_arg(a, "format") ? px_arg(a, "format") : "parley";
	const char *file = px_arg(a, "output");
	char *s = NULL;
	bool loaded = false;
	int rc;

	if (strcmp(fmt, "parley") && strcmp(fmt, "cexf"))
		return px_cli_usage(a, "--format must be parley or cexf");
	/* A file or a shipped scenario needs no node. */
	if (px_arg_dir(a) && (rc = px_cli_open(&n, a)) != 0)
		return rc;
	/* An exercise: the full scenario where held or revealed, else the
	 * public form. */
	if (n && px_xctx_load(&x, n, px_pos(a, 0)) == 0) {
		loaded = true;
		doc = json_incref(x.full ? x.full
		        : x.ex.have_full ? x.ex.full.doc
		                         : x.ex.pub.doc);
		if (doc == NULL) {
			rc = px_cli_fail(a,
			    px_error_set(PX_EINVAL,
			        "the exercise's proposal cannot be read"));
			goto out;
		}
	} else if ((rc = scenario_arg(&doc, NULL, n, px_pos(a, 0), NULL)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (strcmp(fmt, "cexf") == 0) {
		if ((rc = px_cexf_export(&outdoc, doc)) < 0) {
			rc = px_cli_fail(a, rc);
			goto out;
		}
	} else {
		outdoc = json_incref(doc);
	}
	s = json_dumps(outdoc, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (file == NULL) {
		puts(s);
	} else if ((rc = px_file_write(file, s, strlen(s), 0644)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	} else if (!px_json(a)) {
		printf("Wrote the scenario as %s to %s.\n", fmt, file);
	}
out:
	free(s);
	if (loaded)
		px_xctx_dispose(&x);
	json_decref(doc);
	json_decref(outdoc);
	px_node_free(n);
	return rc;
}

static int
run_scenarios(struct px_args *a)
{
	json_t *l = px_exercise_shipped(), *v;
	size_t i;

	if (px_json(a)) {
		px_cli_print_json(l);
	} else {
		json_array_foreach(l, i, v)
		{
			printf("%-34s %3lld injects  %s\n",
			    json_string_value(json_object_get(v, "name")),
			    (long long)json_integer_value(
			        json_object_get(v, "injects")),
			    px_xtext(json_object_get(v, "title"), "en"));
		}
	}
	json_decref(l);
	return 0;
}

static int
run_propose(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_msg *m = NULL;
	json_t *doc = NULL;
	char *draft = NULL;
	size_t nctl = 0;
	const char *st = px_arg(a, "start"), *sc = px_arg(a, "time-scale");
	struct px_xpropose o = { .peer = px_arg(a, "peer"), .start = -1 };
	int rc;

	o.control = px_arg_all(a, "control", &nctl);
	o.ncontrol = nctl;
	o.text = px_arg(a, "text");
	o.lang = px_arg(a, "lang");
	if (st && st[0] == '+') {
		if (px_duration_parse(&o.start, st + 1, PX_BASIS_CALENDAR) < 0)
			return px_cli_usage(a, "--start: %s", px_error_last());
		o.start += px_time_now_ms();
	} else if (st && px_time_parse(&o.start, st, 0) < 0) {
		return px_cli_usage(a,
		    "--start: '%s' is neither an RFC 3339 time nor +DURATION "
		    "(+10m)",
		    st);
	}
	if (sc) {
		int64_t v = 0;

		for (const char *p = sc; *p; p++)
			v = (*p >= '0' && *p <= '9' && v < 100000)
			    ? v * 10 + (*p - '0')
			    : 100000;
		if (*sc == '\0' || v < 1 || v > 10000)
			return px_cli_usage(a,
			    "--time-scale: a whole number 1 to 10000 (60 "
			    "plays an hour in a minute)");
		o.scale = v;
	}
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = scenario_arg(
	         &doc, &draft, n, px_pos(a, 0), px_arg(a, "format"))) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	o.scenario = doc;
	o.draft = draft;
	if ((rc = px_exercise_propose(n, &o, &m)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	said(a, n, m, "Proposal of exercise");
out:
	free(draft);
	px_msg_free(m);
	json_decref(doc);
	px_node_free(n);
	return rc;
}

/* ---- Views ---- */

static void
print_time(struct px_node *n, const char *label, const json_t *t)
{
	char s[PX_TZ_FORMAT_MAX];
	int64_t ms;

	if (px_time_parse(&ms, json_string_value(t), 0) < 0)
		return;
	px_cli_time(s, sizeof(s), n->tz, ms);
	printf("%-14s %s\n", label, s);
}

static void
print_view(struct px_node *n, const json_t *v)
{
	const json_t *i, *e, *o;
	size_t k, j;

	printf("EXERCISE %s  %s\n",
	    json_string_value(json_object_get(v, "ref")),
	    px_xtext(json_object_get(v, "name"), px_node_lang(n)));
	printf("%-14s %s%s\n",
	    "State:", json_string_value(json_object_get(v, "state")),
	    json_is_true(json_object_get(v, "stopped")) ? "  (REAL-WORLD STOP)"
	                                                : "");
	if ((o = json_object_get(v, "stop")) && json_is_object(o))
		printf("%-14s by %s: %s\n",
		    "Stop:", json_string_value(json_object_get(o, "by")),
		    json_string_value(json_object_get(o, "text")));
	printf("%-14s %s proposed to %s; scale %lld\n",
	    "Parties:", json_string_value(json_object_get(v, "proposer")),
	    strcmp(
	        json_string_value(json_object_get(v, "proposer")), n->name) == 0
	        ? json_string_value(json_object_get(v, "peer"))
	        : n->name,
	    (long long)json_integer_value(json_object_get(v, "time_scale")));
	print_time(n, "Start:", json_object_get(v, "started"));
	if (json_is_null(json_object_get(v, "started")) &&
	    json_is_string(json_object_get(v, "ended")))
		printf("%-14s never: it ended before it started\n", "Start:");
	print_time(n, "Planned:", json_object_get(v, "planned_start"));
	print_time(n, "Ended:", json_object_get(v, "ended"));
	printf("\n%-4s %-10s %-8s %-10s %-26s %s\n", "", "INJECT", "CHANNEL",
	    "STATE", "SENT / DUE", "EXPECTATIONS");
	json_array_foreach(json_object_get(v, "injects"), k, i)
	{
		char t[PX_TZ_FORMAT_MAX] = "-", ex[512] = "";
		int64_t ms;
		size_t off = 0;

		if (px_time_parse(&ms,
		        json_string_value(json_object_get(i, "sent")),
		        0) == 0 ||
		    px_time_parse(&ms,
		        json_string_value(json_object_get(i, "due")), 0) == 0)
			px_cli_time(t, sizeof(t), n->tz, ms);
		json_array_foreach(json_object_get(i, "expectations"), j, e)
		{
			const char *s =
			    json_string_value(json_object_get(e, "status"));

			off += (size_t)snprintf(ex + off,
			    off < sizeof(ex) ? sizeof(ex) - off : 0, "%s%s %s",
			    j ? ", " : "",
			    json_string_value(json_object_get(e, "id")),
			    s ? s : "-");
			if (off >= sizeof(ex))
				break;
		}
		printf("%-4lld %-10s %-8s %-10s %-26s %s\n",
		    (long long)json_integer_value(json_object_get(i, "serial")),
		    json_string_value(json_object_get(i, "id")),
		    json_string_value(json_object_get(i, "channel"))
		        ? json_string_value(json_object_get(i, "channel"))
		        : "?",
		    json_string_value(json_object_get(i, "state")), t, ex);
	}
	printf("\n%-6s %-6s %-7s %s\n", "OBJ", "RATING", "SCORE", "");
	json_array_foreach(json_object_get(v, "objectives"), k, o)
	{
		const json_t *pm = json_object_get(o, "permille");

		printf("%-6s %-6s %-7s met %lld, partial %lld, missed %lld, "
		       "pending %lld%s\n",
		    json_string_value(json_object_get(o, "id")),
		    json_string_value(json_object_get(o, "rating"))
		        ? json_string_value(json_object_get(o, "rating"))
		        : "-",
		    json_is_integer(pm) ? "" : "-",
		    (long long)json_integer_value(json_object_get(o, "met")),
		    (long long)json_integer_value(
		        json_object_get(o, "partial")),
		    (long long)json_integer_value(json_object_get(o, "missed")),
		    (long long)json_integer_value(
		        json_object_get(o, "pending")),
		    json_is_object(json_object_get(o, "confirmed"))
		        ? "  (confirmed)"
		        : "");
		if (json_is_integer(pm))
			printf("%13s %lld.%lld%%\n", "",
			    (long long)json_integer_value(pm) / 10,
			    (long long)json_integer_value(pm) % 10);
	}
	printf("\nEXERCISE %s -- not a real incident.\n",
	    json_string_value(json_object_get(v, "ref")));
}

/* A scenario not yet proposed (a draft, a file, a shipped one) as its
 * author checks it: the objectives and each inject's timing, channel,
 * parties and expectations, as parsed. */
static int
show_scenario(struct px_args *a, struct px_node *n, const char *arg)
{
	struct px_scenario sc;
	json_t *doc = NULL;
	char *draft = NULL, d[32];
	const char *lang = px_node_lang(n);
	int rc;

	px_scenario_init(&sc);
	if ((rc = scenario_arg(&doc, &draft, n, arg, NULL)) < 0 ||
	    (rc = px_scenario_parse(&sc, doc, false)) < 0)
		goto out;
	if (px_json(a)) {
		json_t *o = json_pack("{so? sO}", "draft",
		    draft ? json_string(draft) : NULL, "scenario", doc);

		px_cli_print_json(o);
		json_decref(o);
		goto out;
	}
	printf("%s %s  %s\n", draft ? "DRAFT" : "SCENARIO",
	    draft ? draft : sc.id, px_xtext(sc.name, lang));
	for (size_t i = 0; i < sc.nobjectives; i++)
		printf("  objective %s: %s\n", sc.objectives[i].id,
		    px_xtext(sc.objectives[i].text, lang));
	for (size_t i = 0; i < sc.ninjects; i++) {
		const struct px_xinject *in = &sc.injects[i];

		px_duration_format(d, sizeof(d), in->offset);
		printf("  %-8s +%-6s %-8s %s -> %s%s  %s\n", in->id, d,
		    px_xchan_names[in->channel], in->party ? "b" : "a",
		    in->to_party ? "b" : "a",
		    in->contingency ? "  (contingency)" : "",
		    in->title ? px_xtext(in->title, lang) : "");
		for (size_t k = 0; k < in->nexpect; k++) {
			px_duration_format(d, sizeof(d), in->expect[k].within);
			printf("           expects %s: %s within %s\n",
			    in->expect[k].id,
			    px_xwhat_names[in->expect[k].what], d);
		}
	}
out:
	px_scenario_dispose(&sc);
	json_decref(doc);
	free(draft);
	return rc;
}

static int
run_show(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_xctx x;
	json_t *v;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_xctx_load(&x, n, px_pos(a, 0))) < 0) {
		/* Not an exercise: perhaps a scenario not proposed yet. */
		char *first = px_strdup(px_error_last());
		int r = show_scenario(a, n, px_pos(a, 0));

		if (r == PX_ENOTFOUND)
			rc = px_cli_fail(a,
			    px_error_set(PX_ENOTFOUND,
			        "%s; nor is it a draft, a scenario file or a "
			        "shipped scenario (parley exercise list, "
			        "parley exercise scenarios)",
			        first));
		else
			rc = r < 0 ? px_cli_fail(a, r) : 0;
		free(first);
		goto out;
	}
	v = px_exercise_view(n, &x, px_time_now_ms(), true);
	if (px_json(a))
		px_cli_print_json(v);
	else
		print_view(n, v);
	json_decref(v);
	px_xctx_dispose(&x);
out:
	px_node_free(n);
	return rc;
}

static int
run_list(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *l = NULL, *v;
	size_t i;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_exercise_list(&l, n, px_time_now_ms())) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		px_cli_print_json(l);
		goto out;
	}
	if (json_array_size(l) == 0)
		printf("No exercises and no drafts.\n");
	json_array_foreach(l, i, v)
	{
		const char *ref = json_string_value(json_object_get(v, "ref"));

		printf("%-12s %-10s %-20s %s\n",
		    ref ? ref : json_string_value(json_object_get(v, "id")),
		    json_string_value(json_object_get(v, "state")),
		    json_string_value(json_object_get(v, "peer"))
		        ? json_string_value(json_object_get(v, "peer"))
		        : "-",
		    px_xtext(json_object_get(v, "name"), px_node_lang(n)));
	}
out:
	json_decref(l);
	px_node_free(n);
	return rc;
}

static int
run_report(struct px_args *a)
{
	struct px_node *n = NULL;
	const char *out = px_arg(a, "output"), *format = px_arg(a, "format");
	const char *lang = px_arg(a, "lang") ? px_arg(a, "lang") : "en";
	json_t *rep = NULL;
	struct px_buf b;
	int rc;

	px_buf_init(&b, PX_BUF_NOCAP);
	if ((rc = px_cli_report_format(&format, format, out)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if ((rc = px_cli_open(&n, a)) != 0)
		goto out;
	if ((rc = px_aar_make(&b, &rep, n, px_pos(a, 0), px_time_now_ms(),
	         format, lang)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (out == NULL) {
		fwrite(b.data, 1, b.len, stdout);
	} else if ((rc = px_file_write(out, b.data, b.len, 0644)) < 0) {
		rc = px_cli_fail(a, rc);
	} else if (px_json(a)) {
		json_t *o = json_pack("{ss ss sO}", "file", out, "format",
		    format, "scores_hash", json_object_get(rep, "scores_hash"));

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("Wrote the after-action report of exercise %s as %s to "
		       "%s.\n",
		    json_string_value(
		        json_object_get(json_object_get(rep, "aar"), "ref")),
		    format, out);
		if (strcmp(format, "json") == 0)
			printf("Check it: parley audit verify %s\n", out);
	}
out:
	px_buf_dispose(&b);
	json_decref(rep);
	px_node_free(n);
	return rc;
}

/* ---- The table ---- */

static const struct px_opt text_opts[] = {
	{ "text", "TEXT", "a note to go with it", 0 },
	{ "lang", "TAG", "its language (default en)", 0 },
	{ 0 },
};
static const struct px_opt stop_opts[] = {
	{ "text", "TEXT",
	    "why: \"This is a real-world emergency: ...\" (required)",
	    PX_OPT_REQUIRED },
	{ "lang", "TAG", "its language (default en)", 0 },
	{ 0 },
};
static const struct px_opt schedule_opts[] = {
	{ "start", "TIME", "the new start (RFC 3339)", PX_OPT_REQUIRED },
	{ "text", "TEXT", "a note", 0 },
	{ 0 },
};
static const struct px_opt delay_opts[] = {
	{ "by", "DURATION", "how much later, in scenario time (10m)",
	    PX_OPT_REQUIRED },
	{ "text", "TEXT", "a note", 0 },
	{ 0 },
};
static const struct px_opt say_opts[] = {
	{ "inject", "ID", "the inject whose case it speaks in",
	    PX_OPT_REQUIRED },
	{ "as", "PERSONA", "the persona (a simulated third party) speaking",
	    0 },
	{ "text", "TEXT", "what it says", PX_OPT_REQUIRED },
	{ "lang", "TAG", "its language (default: the node's)", 0 },
	{ 0 },
};
static const struct px_opt evaluate_opts[] = {
	{ "rating", "OBJ=R",
	    "an objective's rating: P (performed without challenges), S "
	    "(with some), M (with major challenges), U (unable to be "
	    "performed)",
	    PX_OPT_REQUIRED | PX_OPT_MULTI },
	{ "comment", "OBJ=TEXT", "the evaluator's comment on an objective",
	    PX_OPT_MULTI },
	{ "by", "NAME", "the evaluator", PX_OPT_REQUIRED },
	{ 0 },
};
static const struct px_opt sign_opts[] = {
	{ "by", "NAME", "who signs for this party", 0 },
	{ 0 },
};
static const struct px_opt plan_opts[] = {
	{ "item", "ID", "the item (IP1, ...): the same id updates it",
	    PX_OPT_REQUIRED },
	{ "text", "TEXT", "what is to improve", PX_OPT_REQUIRED },
	{ "lang", "TAG", "its language (default en)", 0 },
	{ "owner", "NAME", "who owns it", PX_OPT_REQUIRED },
	{ "due", "DATE", "by when (YYYY-MM-DD)", PX_OPT_REQUIRED },
	{ "status", "S", "open, in-progress, done or cancelled (default open)",
	    0 },
	{ 0 },
};
static const struct px_opt format_opts[] = {
	{ "format", "F", "parley or cexf (default: told by its members)", 0 },
	{ 0 },
};
static const struct px_opt export_opts[] = {
	{ "format", "F", "parley (default) or cexf", 0 },
	{ "output", "FILE", "where to write it (default: standard output)", 0,
	    'o' },
	{ 0 },
};
static const struct px_opt propose_opts[] = {
	{ "peer", "NAME", "the peer to exercise with", PX_OPT_REQUIRED },
	{ "start", "TIME",
	    "planned start: RFC 3339 or +DURATION from now (default: when "
	    "the control cell starts it)",
	    0 },
	{ "time-scale", "N",
	    "play N times faster than written (60: an hour in a minute)", 0 },
	{ "control", "NAME", "a member of the control cell at this node",
	    PX_OPT_MULTI },
	{ "format", "F", "of a scenario file: parley or cexf", 0 },
	{ "text", "TEXT", "a note to the peer", 0 },
	{ "lang", "TAG", "its language", 0 },
	{ 0 },
};
static const struct px_opt report_opts[] = {
	{ "format", "F", "html, csv or json (default: from -o, else json)", 0 },
	{ "lang", "L", "en or zh (default en)", 0 },
	{ "output", "FILE", "where to write it (default: standard output)", 0,
	    'o' },
	{ 0 },
};

#define SUB(n, s, u, mn, mx, o, r)                         \
	static const struct px_cmd n##_cmd = { .name = #n, \
		.summary = s,                              \
		.usage = u,                                \
		.min_pos = mn,                             \
		.max_pos = mx,                             \
		.opts = o,                                 \
		.run = r }

SUB(scenarios, "the scenarios shipped with parley", NULL, 0, 0, NULL,
    run_scenarios);
SUB(import, "keep a scenario file (parley JSON or CEXF) as a draft", "FILE", 1,
    1, format_opts, run_import);
SUB(export,
    "write a scenario (a draft, a shipped one or an exercise's) as "
    "parley JSON or CEXF",
    "SCENARIO|EXERCISE", 1, 1, export_opts, run_export);
SUB(propose,
    "propose an exercise to a peer: a signed proposal carrying "
    "the scenario's hash",
    "SCENARIO", 1, 1, propose_opts, run_propose);
SUB(accept, "accept a proposed exercise", "EXERCISE", 1, 1, text_opts,
    run_accept);
SUB(decline, "decline a proposed exercise", "EXERCISE", 1, 1, text_opts,
    run_decline);
SUB(withdraw, "withdraw this node's proposal", "EXERCISE", 1, 1, text_opts,
    run_withdraw);
SUB(schedule, "move the planned start (control cell)", "EXERCISE", 1, 1,
    schedule_opts, run_schedule);
SUB(start, "start now (control cell)", "EXERCISE", 1, 1, text_opts, run_start);
SUB(pause, "pause: no inject is played and deadlines stop (control cell)",
    "EXERCISE", 1, 1, text_opts, run_pause);
SUB(resume, "resume after a pause (control cell)", "EXERCISE", 1, 1, text_opts,
    run_resume);
SUB(end, "end the exercise (control cell)", "EXERCISE", 1, 1, text_opts,
    run_end);
SUB(fire, "play an inject now (control cell)", "EXERCISE INJECT", 2, 2,
    text_opts, run_fire);
SUB(skip, "never play an inject (control cell)", "EXERCISE INJECT", 2, 2,
    text_opts, run_skip);
SUB(delay, "play an inject later (control cell)", "EXERCISE INJECT", 2, 2,
    delay_opts, run_delay);
SUB(stop, "REAL-WORLD STOP: end one exercise, or every one, at once",
    "[EXERCISE]", 0, 1, stop_opts, run_stop);
SUB(say,
    "speak as a simulated third party in an inject's case (control "
    "cell)",
    "EXERCISE", 1, 1, say_opts, run_say);
SUB(reveal,
    "reveal the full scenario once ended (the proposer's node does "
    "it by itself)",
    "EXERCISE", 1, 1, text_opts, run_reveal);
SUB(evaluate, "confirm or change the objectives' ratings, with comments",
    "EXERCISE", 1, 1, evaluate_opts, run_evaluate);
SUB(sign, "sign the scores as this node computes them", "EXERCISE", 1, 1,
    sign_opts, run_sign);
SUB(plan, "add or update an improvement plan item", "EXERCISE", 1, 1, plan_opts,
    run_plan);
SUB(show,
    "the exercise: state, injects, expectations, objectives (or a "
    "scenario not proposed yet, as parsed)",
    "EXERCISE|SCENARIO", 1, 1, NULL, run_show);
SUB(list, "exercises and drafts", NULL, 0, 0, NULL, run_list);
SUB(report, "the after-action report (html, json or csv; en or zh)", "EXERCISE",
    1, 1, report_opts, run_report);

static const struct px_cmd *const subs[] = { &scenarios_cmd, &import_cmd,
	&export_cmd, &propose_cmd, &accept_cmd, &decline_cmd, &withdraw_cmd,
	&schedule_cmd, &start_cmd, &pause_cmd, &resume_cmd, &end_cmd, &fire_cmd,
	&skip_cmd, &delay_cmd, &stop_cmd, &say_cmd, &reveal_cmd, &evaluate_cmd,
	&sign_cmd, &plan_cmd, &show_cmd, &list_cmd, &report_cmd, NULL };

const struct px_cmd px_cmd_exercise = { .name = "exercise",
	.summary = "exercises over the real channel: scenarios, control, "
	           "scores, after-action report",
	.subs = subs,
	.details = "EXERCISE is an id, a unique prefix, the 8-digit reference "
	           "or EX-xxxxxxxx.\nSCENARIO is a file (parley JSON or "
	           "CEXF), a draft's id or a shipped\nscenario's name.  See "
	           "docs/exercises.md." };
