/*
 * parley audit: export a self-contained audit bundle of the exchange with
 * a peer, and verify one with no node directory at all.
 */
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
	{ 0 },
};

static int
run_export(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_buf b;
	int64_t from = INT64_MIN, to = INT64_MAX;
	size_t count = 0;
	int rc;

	if ((px_arg(a, "from") &&
	        (rc = px_time_parse(&from, px_arg(a, "from"), 1)) < 0) ||
	    (px_arg(a, "to") &&
	        (rc = px_time_parse(&to, px_arg(a, "to"), 1)) < 0))
		return px_cli_fail(a, rc);
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	px_buf_init(&b, PX_AUDIT_MAX_BYTES);
	if ((rc = px_audit_export(n, px_arg(a, "peer"), from, to, &b, &count)) <
	        0 ||
	    (rc = px_file_write(px_arg(a, "output"), b.data, b.len, 0644)) <
	        0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		json_t *o = json_pack("{sssssI}", "peer", px_arg(a, "peer"),
		    "file", px_arg(a, "output"), "entries", (json_int_t)count);

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("Wrote an audit bundle of %zu log entries (both logs) "
		       "to %s.\nAnyone can check it: parley audit verify %s\n",
		    count, px_arg(a, "output"), px_arg(a, "output"));
	}
out:
	px_buf_dispose(&b);
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

/* An audit bundle is canonical JSON and so starts with its one member;
 * anything else that parses as a report goes to verify_report. */
static int
maybe_report(struct px_args *a, const struct px_buf *b, int *exit_code)
{
	static const char audit_start[] = "{\"audit\":";
	json_t *doc = NULL;

	if (b->len >= sizeof(audit_start) - 1 &&
	    memcmp(b->data, audit_start, sizeof(audit_start) - 1) == 0)
		return 0;
	if (px_json_parse(
	        &doc, b->data, b->len, PX_AUDIT_MAX_BYTES, px_pos(a, 0)) < 0 ||
	    (!px_report_is_report(doc) && !px_aar_is(doc))) {
		json_decref(doc);
		return 0;
	}
	*exit_code = verify_report(a, doc);
	json_decref(doc);
	return 1;
}

static int
run_verify(struct px_args *a)
{
	struct px_audit_result res;
	struct px_buf b;
	const json_t *v;
	size_t i;
	int rc;

	px_buf_init(&b, PX_AUDIT_MAX_BYTES);
	if ((rc = px_file_read(&b, px_pos(a, 0), PX_AUDIT_MAX_BYTES)) < 0) {
		px_buf_dispose(&b);
		return px_cli_fail(a, rc);
	}
	if (maybe_report(a, &b, &rc)) {
		px_buf_dispose(&b);
		return rc;
	}
	rc = px_audit_verify(&res, b.data, b.len, px_pos(a, 0));
	if (px_json(a)) {
		json_t *o = json_pack("{sbsIsIsOsO}", "ok", rc == 0, "entries",
		    (json_int_t)res.entries, "checkpoints",
		    (json_int_t)res.checkpoints, "cases", res.cases, "notes",
		    res.notes);

		if (rc < 0)
			json_object_set_new(
			    o, "error", json_string(px_error_last()));
		px_cli_print_json(o);
		json_decref(o);
		if (rc < 0)
			fprintf(stderr, "parley: %s\n", px_error_last());
		rc = px_exit_for(rc);
	} else if (rc < 0) {
		rc = px_cli_fail(a, rc);
	} else {
		printf("Verified %zu entries against %zu signed checkpoints.\n",
		    res.entries, res.checkpoints);
		json_array_foreach(res.notes, i, v)
		    printf("  %s\n", json_string_value(v));
		json_array_foreach(res.cases, i, v) print_case(v);
		printf("\nOK: every signature, proof and sequence in %s "
		       "holds.\n",
		    px_pos(a, 0));
	}
	px_audit_result_dispose(&res);
	px_buf_dispose(&b);
	return rc;
}

static const struct px_cmd c_export = {
	.name = "export",
	.summary = "write a self-contained, signed audit bundle for a peer",
	.opts = export_opts,
	.run = run_export,
};
static const struct px_cmd c_verify = {
	.name = "verify",
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
