/*
 * parley audit: export a self-contained audit bundle of the exchange with
 * a peer, and verify one with no node directory at all.
 */
#include <errno.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/common.h"
#include "cli/commands.h"
#include "model/canon.h"
#include "node/audit.h"
#include "report/aar.h"
#include "report/verify.h"
#include "util/util.h"

static const struct px_opt export_opts[] = {
	{ "peer", "NAME", "the peer whose exchange to export",
	    PX_OPT_REQUIRED },
	{ "from", "TIME", "only entries at or after (RFC 3339 or a date)", 0 },
	{ "to", "TIME", "only entries at or before", 0 },
	{ "output", "FILE", "where to write it", PX_OPT_REQUIRED, 'o' },
	{ "progress", NULL,
	    "show progress on stderr even when it is not a terminal", 0 },
	{ 0 },
};

/* Progress of a long run on stderr, when it is a terminal or asked for;
 * a line rewritten in place, at most a few times a second. */
struct progress {
	bool show, shown;
	const char *doing;
	double last;
};

static void
progress(uint64_t done, uint64_t total, uint64_t entries, void *arg)
{
	struct progress *pr = arg;
	struct timespec ts;
	double now;

	if (!pr->show)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	if (pr->shown && now - pr->last < 0.2)
		return;
	pr->last = now;
	pr->shown = true;
	if (total > 0)
		fprintf(stderr, "\rparley: %s: %llu entries, %3.0f%%   ",
		    pr->doing, (unsigned long long)entries,
		    100.0 * (double)done / (double)total);
	else
		fprintf(stderr, "\rparley: %s: %llu   ", pr->doing,
		    (unsigned long long)entries);
	fflush(stderr);
}

static void
progress_end(struct progress *pr)
{
	if (pr->shown)
		fputc('\n', stderr);
	pr->shown = false;
}

static int
write_out(const void *data, size_t len, void *arg)
{
	return px_file_out_write(arg, data, len);
}

static int
run_export(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_file_out f;
	struct progress pr = { .show = px_flag(a, "progress") ||
		    isatty(STDERR_FILENO),
		.doing = "exporting" };
	int64_t from = INT64_MIN, to = INT64_MAX;
	size_t count = 0, withheld = 0;
	int rc;

	if ((px_arg(a, "from") &&
	        (rc = px_time_parse(&from, px_arg(a, "from"), 1)) < 0) ||
	    (px_arg(a, "to") &&
	        (rc = px_time_parse(&to, px_arg(a, "to"), 1)) < 0))
		return px_cli_fail(a, rc);
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_file_out_open(&f, px_arg(a, "output"), 0644)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	rc = px_audit_export(n, px_arg(a, "peer"), from, to, write_out, &f,
	    progress, &pr, &count, &withheld);
	progress_end(&pr);
	if (rc < 0) {
		px_file_out_abort(&f);
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if ((rc = px_file_out_commit(&f)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		json_t *o = json_pack("{sssssIsI}", "peer", px_arg(a, "peer"),
		    "file", px_arg(a, "output"), "entries", (json_int_t)count,
		    "withheld", (json_int_t)withheld);

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("Wrote an audit bundle of %zu log entries (both logs) "
		       "to %s.\nAnyone can check it: parley audit verify %s\n",
		    count, px_arg(a, "output"), px_arg(a, "output"));
		if (withheld)
			printf("%zu message%s of TLP:RED and TLP:AMBER+STRICT "
			       "cases left out (a neutral verifier may not "
			       "read them); their receipts and their places "
			       "in the logs are still proven.\n",
			    withheld, withheld == 1 ? "" : "s");
	}
out:
	px_node_free(n);
	return rc;
}

static void
print_case(const json_t *c)
{
	const json_t *m, *ck = json_object_get(c, "clocks");
	const char *k;
	json_t *v;
	size_t i;

	printf("\nCase %s  %s %s  \"%s\"\n  %s -> %s, state %s\n",
	    json_string_value(json_object_get(c, "ref")),
	    json_string_value(json_object_get(c, "priority")),
	    json_string_value(json_object_get(c, "kind")),
	    json_string_value(json_object_get(c, "title")),
	    json_string_value(json_object_get(c, "requester")),
	    json_string_value(json_object_get(c, "responder")),
	    json_string_value(json_object_get(c, "state")));
	if (json_string_value(json_object_get(c, "exercise"))) {
		const char *x =
		    json_string_value(json_object_get(c, "exercise"));

		printf("  EXERCISE EX-%s: not a real incident\n",
		    strlen(x) >= 8 ? x + strlen(x) - 8 : x);
	}
	json_array_foreach(json_object_get(c, "messages"), i, m)
	{
		const char *recv =
		    json_string_value(json_object_get(m, "received"));

		printf("  %-11s %s -> %s  sent %.19sZ  received %s%s  "
		       "(%s's log #%lld)\n",
		    json_string_value(json_object_get(m, "type")),
		    json_string_value(json_object_get(m, "from")),
		    json_string_value(json_object_get(m, "to")),
		    json_string_value(json_object_get(m, "sent")),
		    recv ? "" : "(no receipt in the bundle)", recv ? recv : "",
		    json_string_value(json_object_get(m, "log")),
		    (long long)json_integer_value(json_object_get(m, "index")));
	}
	json_object_foreach((json_t *)ck, k, v)
	{
		const char *st = json_string_value(json_object_get(v, "state"));

		if (strcmp(st, "n/a") == 0)
			continue;
		printf("  clock %-15s %-9s budget %-5s deadline %s\n", k, st,
		    json_string_value(json_object_get(v, "budget")),
		    json_string_value(json_object_get(v, "deadline")) ?: "-");
	}
}

/* A review report (docs/report.md) is checked against a node's record,
 * so unlike an audit bundle it needs --dir. */
static int
verify_report(struct px_args *a, const json_t *doc)
{
	struct px_report_verdict res = { 0 };
	struct px_node *n = NULL;
	const json_t *v;
	size_t i;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	/* An exercise's after-action report (docs/exercises.md) is checked
	 * the same way, against its own recomputed scores. */
	rc = px_aar_is(doc) ? px_aar_verify(&res, n, doc)
	                    : px_report_verify(&res, n, doc);
	if (rc < 0 && rc != PX_EINVAL) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		json_t *o = json_pack("{sb ss sb sI sI sO sO}", "ok", rc == 0,
		    "kind", px_aar_is(doc) ? "aar" : "report", "own", res.own,
		    "cases", (json_int_t)res.cases, "entries",
		    (json_int_t)res.entries, "checked", res.checked,
		    "mismatches", res.mismatches);

		json_object_set_new(
		    o, "failed", json_integer((json_int_t)res.nmismatches));
		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("%s %s:\n",
		    px_aar_is(doc) ? "After-action report" : "Review report",
		    px_pos(a, 0));
		json_array_foreach(res.checked, i, v)
		    printf("  checked: %s\n", json_string_value(v));
		json_array_foreach(res.mismatches, i, v)
		    printf("  MISMATCH: %s\n", json_string_value(v));
		if (res.nmismatches > json_array_size(res.mismatches))
			printf("  ... and %zu more\n",
			    res.nmismatches - json_array_size(res.mismatches));
		if (rc == 0)
			printf("OK: the checkpoint, every entry and every "
			       "figure of %s hold.\n",
			    px_pos(a, 0));
	}
	if (rc < 0)
		fprintf(stderr, "parley: %s: %zu check(s) failed\n",
		    px_pos(a, 0), res.nmismatches);
	rc = rc == 0 ? PX_EXIT_OK : PX_EXIT_INVALID;
out:
	px_report_verdict_dispose(&res);
	px_node_free(n);
	return rc;
}

/* An audit bundle starts with {"audit": (version 1 is one canonical
 * object, version 2 a first line {"audit": {...}}); anything else that
 * parses as a review report or an after-action report goes to
 * verify_report.  Reports are small and read whole. */
static int
maybe_report(struct px_args *a, FILE *f, int *exit_code)
{
	static const char audit_start[] = "{\"audit\":";
	char start[sizeof(audit_start) - 1];
	struct px_buf b;
	json_t *doc = NULL;
	size_t got = fread(start, 1, sizeof(start), f);
	int is = 0;

	rewind(f);
	if (got == sizeof(start) && memcmp(start, audit_start, got) == 0)
		return 0;
	px_buf_init(&b, PX_AUDIT_MAX_LINE);
	if (px_file_read(&b, px_pos(a, 0), PX_AUDIT_MAX_LINE) == 0 &&
	    px_json_parse(
	        &doc, b.data, b.len, PX_AUDIT_MAX_LINE, px_pos(a, 0)) == 0 &&
	    (px_report_is_report(doc) || px_aar_is(doc))) {
		*exit_code = verify_report(a, doc);
		is = 1;
	}
	json_decref(doc);
	px_buf_dispose(&b);
	return is;
}

/* Streaming the verdict: notes and cases are printed as they are found
 * (with --json, cases as they are found and notes at the end), so a
 * bundle of any size is shown in bounded memory. */
struct show {
	struct px_args *a;
	struct progress pr;
	size_t cases;
	bool tty; /* stdout is a terminal: output and progress share it */
};

static void
show_note(const char *text, void *arg)
{
	struct show *s = arg;

	if (s->tty)
		progress_end(&s->pr);
	printf("  %s\n", text);
}

static void
show_case(const json_t *c, void *arg)
{
	struct show *s = arg;

	if (s->tty)
		progress_end(&s->pr);
	if (px_json(s->a)) {
		fputs(s->cases ? ",\n" : "\n", stdout);
		json_dumpf(c, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	} else {
		print_case(c);
	}
	s->cases++;
}

static void
show_progress(uint64_t done, uint64_t total, uint64_t entries, void *arg)
{
	struct show *s = arg;

	s->pr.doing = total ? "verifying" : "cases shown";
	progress(done, total, entries, &s->pr);
}

static int
run_verify(struct px_args *a)
{
	struct px_audit_result res;
	struct show sh = { .a = a,
		.pr = { .show =
		            px_flag(a, "progress") || isatty(STDERR_FILENO) },
		.tty = isatty(STDOUT_FILENO) };
	struct px_audit_verify_opts o = { .threads = 0,
		.note = px_json(a) ? NULL : show_note,
		.on_case = show_case,
		.progress = show_progress,
		.arg = &sh };
	struct stat st;
	FILE *f;
	int rc;

	if ((f = fopen(px_pos(a, 0), "rb")) == NULL)
		return px_cli_fail(a,
		    px_error_set(errno == ENOENT ? PX_ENOTFOUND : PX_ERR,
		        "cannot read %s: %s", px_pos(a, 0), strerror(errno)));
	if (maybe_report(a, f, &rc)) {
		fclose(f);
		return rc;
	}
	if (px_json(a))
		printf("{\"cases\": [");
	rc = px_audit_verify_file(&res, f,
	    fstat(fileno(f), &st) == 0 ? (uint64_t)st.st_size : 0, px_pos(a, 0),
	    &o);
	progress_end(&sh.pr);
	fclose(f);
	if (px_json(a)) {
		/* The members after "cases", in key order. */
		printf("%s],\n  \"checkpoints\": %zu,\n  \"entries\": %zu,\n",
		    sh.cases ? "\n" : "", res.checkpoints, res.entries);
		if (rc < 0) {
			json_t *e = json_string(px_error_last());

			fputs("  \"error\": ", stdout);
			json_dumpf(e, stdout, JSON_ENCODE_ANY);
			fputs(",\n", stdout);
			json_decref(e);
		}
		fputs("  \"notes\": ", stdout);
		json_dumpf(res.notes, stdout, JSON_INDENT(2));
		printf(",\n  \"ok\": %s,\n  \"version\": %d\n}\n",
		    rc == 0 ? "true" : "false", res.version);
		if (rc < 0)
			fprintf(stderr, "parley: %s\n", px_error_last());
		rc = px_exit_for(rc);
	} else if (rc < 0) {
		rc = px_cli_fail(a, rc);
	} else {
		printf("\nVerified %zu entries against %zu signed "
		       "checkpoints.\nOK: every signature, proof and sequence "
		       "in %s holds.\n",
		    res.entries, res.checkpoints, px_pos(a, 0));
	}
	px_audit_result_dispose(&res);
	return rc;
}

static const struct px_cmd c_export = {
	.name = "export",
	.summary = "write a self-contained, signed audit bundle for a peer",
	.opts = export_opts,
	.run = run_export,
};
static const struct px_opt verify_opts[] = {
	{ "progress", NULL,
	    "show progress on stderr even when it is not a terminal", 0 },
	{ 0 },
};
static const struct px_cmd c_verify = {
	.name = "verify",
	.opts = verify_opts,
	.summary = "verify an audit bundle offline (no node directory needed), "
	           "or a review report against this node's record",
	.usage = "FILE",
	.min_pos = 1,
	.max_pos = 1,
	.run = run_verify,
};
static const struct px_cmd *const subs[] = { &c_export, &c_verify, NULL };

const struct px_cmd px_cmd_audit = {
	.name = "audit",
	.summary = "evidence for a dispute: export and verify audit bundles",
	.subs = subs,
};
