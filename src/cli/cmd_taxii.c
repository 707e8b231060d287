/*
 * parley taxii pull / push: a partner's TAXII 2.1 collection into cases,
 * and cases into it (docs/interop.md, "TAXII 2.1").  Pushing passes the
 * TLP choke point for the partner before anything is sent.
 */
#include <stdlib.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "node/feeds.h"
#include "node/interop.h"
#include "node/taxii.h"
#include "node/taxiipoll.h"
#include "util/util.h"

#define TAXII_OPTS                                                               \
	{ "to", "PEER",                                                          \
		"the partner (an enrolled peer): its pinned certificate is the " \
		"server's, and the cases are with it",                           \
		PX_OPT_REQUIRED },                                               \
	    { "token", "TOKEN",                                                  \
		    "the partner's token, sent as the HTTP Basic password "      \
		    "(default: $PARLEY_TAXII_TOKEN; none: our node certificate " \
		    "is the credential)",                                        \
		    0 },                                                         \
	{                                                                        \
		"pin", "sha256:HEX",                                             \
		    "the server certificate's fingerprint, when it is not "      \
		    "the peer's",                                                \
		    0                                                            \
	}

static const struct px_opt pull_opts[] = {
	TAXII_OPTS,
	{ "tlp", "MARKING",
	    "the cases' marking (default: each grouping's, else amber)", 0 },
	{ "as", "cases|events",
	    "cases (default): one case per grouping; events: the "
	    "sightings and simple indicators into the feed pipeline",
	    0 },
	{ 0 },
};

static const struct px_opt push_opts[] = {
	TAXII_OPTS,
	{ "exercise", "EX-ID",
	    "the cases of this exercise may go too (exercises stay on the "
	    "node unless named)",
	    0 },
	{ 0 },
};

static struct px_taxii_remote
remote_of(const struct px_args *a)
{
	const char *tok = px_arg(a, "token");

	return (struct px_taxii_remote){ .api_root = px_pos(a, 0),
		.coll = px_pos(a, 1),
		.peer = px_arg(a, "to"),
		.pin = px_arg(a, "pin"),
		.token = tok ? tok : getenv("PARLEY_TAXII_TOKEN") };
}

/* taxii pull --as events: the collection into the feed pipeline. */
static int
pull_events(struct px_args *a, const struct px_taxii_remote *r)
{
	struct px_node *n = NULL;
	struct px_feed_file_row row = { 0 };
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_node_taxii_pull_events(n, r, &row)) < 0) {
		rc = px_cli_fail(a, rc);
	} else if (px_json(a)) {
		json_t *o = px_feed_file_json(&row);

		json_object_set_new(o, "collection", json_string(r->coll));
		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("Pulled collection %s into the feed pipeline: %lld "
		       "records, %lld new events (%lld routed), %lld "
		       "duplicates, %lld bad.\n",
		    r->coll, (long long)row.records, (long long)row.events,
		    (long long)row.routed, (long long)row.duplicates,
		    (long long)row.bad);
	}
	px_feed_file_row_dispose(&row);
	px_node_free(n);
	return rc;
}

static int
run_pull(struct px_args *a)
{
	struct px_taxii_remote r = remote_of(a);
	struct px_node *n = NULL;
	json_t *ids = NULL, *id;
	size_t i;
	int rc;

	if (px_arg(a, "as") && strcmp(px_arg(a, "as"), "cases") != 0) {
		if (strcmp(px_arg(a, "as"), "events") != 0 || px_arg(a, "tlp"))
			return px_cli_usage(a,
			    "--as takes cases or events (and --tlp goes with "
			    "cases: events keep their own markings)");
		return pull_events(a, &r);
	}
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	rc = px_node_taxii_pull(&ids, n, &r, px_arg(a, "tlp"));
	if (rc < 0) {
		if (json_array_size(ids) > 0)
			fprintf(stderr, "Opened %zu case%s before the error.\n",
			    json_array_size(ids),
			    json_array_size(ids) == 1 ? "" : "s");
		rc = px_cli_fail(a, rc);
	} else if (px_json(a)) {
		json_t *o = json_pack("{sO ss ss}", "cases", ids, "peer",
		    r.peer, "collection", r.coll);

		px_cli_print_json(o);
		json_decref(o);
	} else {
		json_array_foreach(ids, i, id)
		    printf("%s\n", json_string_value(id));
		fprintf(stderr,
		    "Opened %zu case%s with %s from collection %s (groupings "
		    "pulled before are skipped).\n",
		    json_array_size(ids), json_array_size(ids) == 1 ? "" : "s",
		    r.peer, r.coll);
		if (json_array_size(ids) > 0)
			px_cli_queued(n, r.peer);
	}
	json_decref(ids);
	px_node_free(n);
	return rc;
}

static int
run_push(struct px_args *a)
{
	struct px_taxii_remote r = remote_of(a);
	struct px_node *n = NULL;
	const char **refs;
	json_t *st = NULL;
	char ex[PX_UUID_STRLEN];
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if (px_arg(a, "exercise") != NULL) {
		if ((rc = px_node_exercise_id(ex, n, px_arg(a, "exercise"))) <
		    0) {
			rc = px_cli_fail(a, rc);
			px_node_free(n);
			return rc;
		}
		r.exercise = ex;
	}
	refs = px_calloc(px_npos(a), sizeof(*refs));
	for (size_t i = 2; i < px_npos(a); i++)
		refs[i - 2] = px_pos(a, i);
	rc = px_node_taxii_push(&st, n, &r, refs, px_npos(a) - 2);
	if (rc < 0) {
		rc = px_cli_fail(a, rc);
	} else if (px_json(a)) {
		px_cli_print_json(st);
	} else {
		printf("%s\n", json_string_value(json_object_get(st, "id")));
		fprintf(stderr,
		    "Pushed %lld object%s to collection %s at %s: %lld "
		    "stored, %lld refused (status %s).\n",
		    (long long)json_integer_value(
		        json_object_get(st, "total_count")),
		    json_integer_value(json_object_get(st, "total_count")) == 1
		        ? ""
		        : "s",
		    r.coll, r.api_root,
		    (long long)json_integer_value(
		        json_object_get(st, "success_count")),
		    (long long)json_integer_value(
		        json_object_get(st, "failure_count")),
		    json_string_value(json_object_get(st, "status")));
	}
	if (rc == 0 && json_integer_value(json_object_get(st, "failure_count")))
		rc = 3;
	json_decref(st);
	free(refs);
	px_node_free(n);
	return rc;
}

static const struct px_cmd pull = {
	.name = "pull",
	.summary = "open cases from a partner's TAXII 2.1 collection",
	.usage = "API-ROOT-URL COLLECTION-ID",
	.min_pos = 2,
	.max_pos = 2,
	.opts = pull_opts,
	.run = run_pull,
	.details = "Every page of the collection is read (following next); "
	           "each grouping,\nreport or incident opens one case with "
	           "--to, from it and the objects\nit references, as `parley "
	           "import` does.  A grouping version pulled\nbefore is "
	           "skipped.  Prints the new cases' ids.",
};

static const struct px_cmd push = {
	.name = "push",
	.summary = "post cases to a partner's TAXII 2.1 collection",
	.usage = "API-ROOT-URL COLLECTION-ID CASE...",
	.min_pos = 3,
	.max_pos = 1000,
	.opts = push_opts,
	.run = run_push,
	.details = "The cases' STIX 2.1 objects (as `parley export --format "
	           "stix`) go to the\ncollection in one POST.  Each case "
	           "passes the TLP choke point for\n--to first: a case its "
	           "marking keeps from the partner stops the push\n(exit 5) "
	           "and nothing is sent.  Prints the status id; exit 3 when "
	           "the\nserver refused some objects.",
};

static int
run_status(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *st = NULL, *p;
	size_t i;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_taxii_poll_status(&st, n)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		px_cli_print_json(st);
		goto out;
	}
	if (json_array_size(st) == 0)
		printf("No scheduled TAXII pull ([taxii_pull \"NAME\"] in "
		       "parley.conf).\n");
	json_array_foreach(st, i, p)
	{
#define S(k)                                               \
	(json_string_value(json_object_get(p, k))          \
	        ? json_string_value(json_object_get(p, k)) \
	        : "-")
		printf("%s  every %s  %s  collection %s  with %s\n", S("name"),
		    S("interval"), S("url"), S("collection"), S("peer"));
		printf("  %s; last run %s, last success %s, next %s; %lld "
		       "run%s, %lld failed, %lld case%s opened; cursor %s\n",
		    json_is_true(json_object_get(p, "failing")) ? "FAILING"
		                                                : "ok",
		    S("last_run"), S("last_ok"), S("next_run"),
		    (long long)json_integer_value(json_object_get(p, "runs")),
		    json_integer_value(json_object_get(p, "runs")) == 1 ? ""
		                                                        : "s",
		    (long long)json_integer_value(
		        json_object_get(p, "failures")),
		    (long long)json_integer_value(json_object_get(p, "cases")),
		    json_integer_value(json_object_get(p, "cases")) == 1 ? ""
		                                                         : "s",
		    S("cursor"));
		if (json_object_get(p, "last_error") &&
		    !json_is_null(json_object_get(p, "last_error")))
			printf("  last error at %s: %s\n", S("last_error_at"),
			    S("last_error"));
#undef S
	}
out:
	json_decref(st);
	px_node_free(n);
	return rc;
}

static const struct px_cmd status = {
	.name = "status",
	.summary = "the scheduled pulls of parley serve and how they fare",
	.usage = "",
	.min_pos = 0,
	.max_pos = 0,
	.run = run_status,
	.details = "Each [taxii_pull \"NAME\"] of parley.conf: its last run, "
	           "last success,\nnext run, cursor (the server's last "
	           "date-added), runs, failures, cases\nopened, and the last "
	           "error with its time.  FAILING while the last run\nfailed.  "
	           "See docs/interop.md, \"Scheduled pulls\".",
};

static const struct px_cmd *const subs[] = { &pull, &push, &status, NULL };

const struct px_cmd px_cmd_taxii = {
	.name = "taxii",
	.summary = "TAXII 2.1 client: pull a partner's collection, push cases, "
	           "the scheduled pulls' status",
	.subs = subs,
};
