/*
 * parley feed flush|digest|attachment|event|spool: the sharing half of
 * `parley feed` (cmd_feed.c has the ingesting half).
 */
#include <unistd.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "model/canon.h"
#include "node/attach.h"
#include "node/feeds.h"
#include "util/util.h"

static int
run_flush(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_flush_report r;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_feed_flush(n, px_time_now_ms(), px_flag(a, "all"), &r)) <
	    0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		json_t *o = json_pack("{sIsIsIsIsIsI}", "opened",
		    (json_int_t)r.opened, "updates", (json_int_t)r.updates,
		    "messages", (json_int_t)r.parts, "closed",
		    (json_int_t)r.closed, "digests", (json_int_t)r.digests,
		    "events", (json_int_t)r.events);

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("Shared %zu events: %zu case%s opened, %zu updated (%zu "
		       "message%s), %zu closed as resolved, %zu digest%s "
		       "signed.\n",
		    r.events, r.opened, r.opened == 1 ? "" : "s", r.updates,
		    r.parts, r.parts == 1 ? "" : "s", r.closed, r.digests,
		    r.digests == 1 ? "" : "s");
		if (r.parts + r.closed + r.digests > 0)
			fprintf(stderr,
			    "All signed and queued; the serving "
			    "node's outbox delivers them.\n");
	}
out:
	px_node_free(n);
	return rc;
}

static int
digest_one(const struct px_digest_row *r, void *arg)
{
	json_t *o =
	    json_pack("{sssssssssssIss}", "peer", r->peer, "dir", r->dir, "day",
	        r->day, "msg", r->msg_hash, "root", r->root, "events",
	        (json_int_t)r->events, "verdict", r->verdict ? r->verdict : "");

	if (r->verdict == NULL)
		json_object_set_new(o, "verdict", json_null());
	json_object_set_new(o, "time", px_json_time(r->time_ms));
	json_object_set_new(o, "checked", px_json_time(r->checked_ms));
	json_array_append_new(arg, o);
	return 0;
}

static int
run_digests(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *l = json_array(), *v;
	size_t i;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0) {
		json_decref(l);
		return rc;
	}
	if ((rc = PX_STORE_CALL(n->store, digest_list, px_arg(a, "peer"), NULL,
	         digest_one, l)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		px_cli_print_json(l);
		goto out;
	}
	if (json_array_size(l) == 0)
		printf("No digest signed or received yet.\n");
	json_array_foreach(l, i, v)
	{
		const char *ver =
		    json_string_value(json_object_get(v, "verdict"));

		printf("%s %-4s %-24s %8lld events  root %.16s...  %s\n",
		    json_string_value(json_object_get(v, "day")),
		    strcmp(json_string_value(json_object_get(v, "dir")), "out")
		        ? "from"
		        : "to",
		    json_string_value(json_object_get(v, "peer")),
		    (long long)json_integer_value(json_object_get(v, "events")),
		    json_string_value(json_object_get(v, "root")),
		    ver ? ver
		        : strcmp(json_string_value(json_object_get(v, "dir")),
		              "in")
		        ? ""
		        : "not checked ('parley feed verify')");
	}
out:
	json_decref(l);
	px_node_free(n);
	return rc;
}

static int
run_verify(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *res = NULL, *v;
	size_t i;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_digest_verify(&res, n, px_arg(a, "peer"), px_pos(a, 0))) <
	    0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		px_cli_print_json(res);
	} else if (json_is_true(json_object_get(res, "agree"))) {
		printf("The digest of %s from %s agrees with what this node "
		       "received: %lld events, root %s.\n",
		    px_pos(a, 0), px_arg(a, "peer"),
		    (long long)json_integer_value(json_object_get(
		        json_object_get(res, "recomputed"), "events")),
		    json_string_value(json_object_get(
		        json_object_get(res, "recomputed"), "root")));
	} else {
		printf("The digest of %s from %s DISAGREES with what this "
		       "node received.\n",
		    px_pos(a, 0), px_arg(a, "peer"));
		json_array_foreach(json_object_get(res, "tampered"), i, v)
		{
			const char *ev =
			    json_string_value(json_object_get(v, "event"));

			printf("  attachment %.16s... line %lld: %s%s\n",
			    json_string_value(json_object_get(v, "attachment")),
			    (long long)json_integer_value(
			        json_object_get(v, "line")),
			    ev ? "event " : "",
			    ev ? ev
			       : json_string_value(
			             json_object_get(v, "problem")));
			if (ev)
				printf("    its content hashes to %s, not to "
				       "the id it carries: it was changed\n",
				    json_string_value(
				        json_object_get(v, "recomputed")));
		}
		json_array_foreach(json_object_get(res, "missing"), i, v)
		    printf("  attachment %.16s... is missing\n",
		        json_string_value(v));
		json_array_foreach(json_object_get(res, "differences"), i, v)
		{
			char *s1 = json_dumps(json_object_get(v, "signed"),
			    JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
			char *s2 = json_dumps(json_object_get(v, "recomputed"),
			    JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

			printf("  %s: signed %.200s, recomputed %.200s\n",
			    json_string_value(json_object_get(v, "member")), s1,
			    s2);
			free(s1);
			free(s2);
		}
	}
	if (rc == 0 && !json_is_true(json_object_get(res, "agree")))
		rc = PX_EXIT_INVALID;
out:
	json_decref(res);
	px_node_free(n);
	return rc;
}

static int
run_attachment(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_buf b, csv;
	const char *path = px_arg(a, "output");
	int rc;

	px_buf_init(&b, PX_BUF_NOCAP);
	px_buf_init(&csv, PX_BUF_NOCAP);
	if ((rc = px_cli_open(&n, a)) != 0)
		goto out0;
	if ((rc = px_attach_read(&b, n, px_pos(a, 0), true)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_flag(a, "csv") &&
	    (rc = px_attach_csv(&csv, b.data, b.len)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	{
		const struct px_buf *o = px_flag(a, "csv") ? &csv : &b;

		if (path) {
			if ((rc = px_file_write(path, o->data, o->len, 0600)) <
			    0)
				rc = px_cli_fail(a, rc);
		} else if (fwrite(o->data, 1, o->len, stdout) != o->len) {
			rc = px_cli_fail(
			    a, px_error_set(PX_ERR, "cannot write stdout"));
		}
	}
out:
	px_node_free(n);
out0:
	px_buf_dispose(&b);
	px_buf_dispose(&csv);
	return rc;
}

/* Follows a received event: its attachment line, the route it carries,
 * and the delegation line that decided (if this node holds the file). */
/* An event stored here, by the number `parley feed queue` shows: its
 * status, route and content. */
static int
stored_event(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_feed_event_row r = { 0 };
	json_t *o = NULL, *ev = NULL, *rt = NULL;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = PX_STORE_CALL(n->store, feed_event_get,
	         strtoll(px_pos(a, 0), NULL, 10), &r)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json_parse(&ev, r.event, strlen(r.event), 1 << 20, "event") <
	        0 ||
	    px_json_parse(&rt, r.route_json, strlen(r.route_json), 1 << 20,
	        "route") < 0) {
		rc = px_cli_fail(a, PX_ERR);
		goto out;
	}
	o = json_pack("{sIsssIsIsOsOsIso}", "id", (json_int_t)r.id, "status",
	    px_rt_status_names[r.status], "file", (json_int_t)r.file, "line",
	    (json_int_t)r.line, "event", ev, "route", rt, "count",
	    (json_int_t)r.count, "routed", px_json_time(r.routed_ms));
	if (px_json(a)) {
		px_cli_print_json(o);
	} else {
		char *e = json_dumps(ev, JSON_INDENT(2) | JSON_SORT_KEYS);
		char *t = json_dumps(rt, JSON_COMPACT | JSON_SORT_KEYS);

		printf("Event %lld (%s), file %lld line %lld, seen %lld "
		       "times\n  route: %s\n%s\n",
		    (long long)r.id, px_rt_status_names[r.status],
		    (long long)r.file, (long long)r.line, (long long)r.count, t,
		    e);
		free(e);
		free(t);
	}
out:
	json_decref(o);
	json_decref(ev);
	json_decref(rt);
	px_feed_event_row_dispose(&r);
	px_node_free(n);
	return rc;
}

static int
run_event(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *o = NULL;
	int rc;

	if (strspn(px_pos(a, 0), "0123456789") == strlen(px_pos(a, 0)) &&
	    strlen(px_pos(a, 0)) < 19)
		return stored_event(a);
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_attach_event(&o, n, px_pos(a, 0))) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		px_cli_print_json(o);
	} else {
		const json_t *line = json_object_get(o, "entry");
		const char *dl =
		    json_string_value(json_object_get(o, "delegation_line"));
		char *ev = json_dumps(json_object_get(line, "event"),
		    JSON_INDENT(2) | JSON_SORT_KEYS);
		char *rt = json_dumps(json_object_get(line, "route"),
		    JSON_COMPACT | JSON_SORT_KEYS);

		printf("Event %s\n  in attachment %s, line %lld\n  routed %s "
		       "by: %s\n",
		    px_pos(a, 0),
		    json_string_value(json_object_get(o, "attachment")),
		    (long long)json_integer_value(json_object_get(o, "line")),
		    json_string_value(json_object_get(line, "routed")), rt);
		if (dl)
			printf("  the delegation line that decided: %s\n", dl);
		else if (json_object_get(
		             json_object_get(
		                 json_object_get(line, "route"), "file"),
		             "sha256"))
			printf("  (the delegation file it cites is not loaded "
			       "here; load the same file to see its line)\n");
		if (json_is_false(json_object_get(o, "id_matches")))
			printf("  its content no longer hashes to its id: it "
			       "was changed\n");
		printf("%s\n", ev);
		free(ev);
		free(rt);
	}
out:
	json_decref(o);
	px_node_free(n);
	return rc;
}

static int
run_spool(struct px_args *a)
{
	struct px_node *n = NULL;
	size_t count = 0;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_feed_spool(n, &count)) < 0)
		rc = px_cli_fail(a, rc);
	else if (!px_json(a))
		printf("Ingested %zu spool file%s.\n", count,
		    count == 1 ? "" : "s");
	px_node_free(n);
	return rc;
}

static const struct px_opt flush_opts[] = {
	{ "all", NULL,
	    "send the batches of intervals still running too (their later "
	    "events go in the next batch)",
	    0, 0 },
	{ 0 },
};
static const struct px_opt peer_opt[] = {
	{ "peer", "PEER", "only this peer's", 0, 0 },
	{ 0 },
};
static const struct px_opt verify_opts[] = {
	{ "peer", "PEER", "the peer that signed the digest", PX_OPT_REQUIRED,
	    0 },
	{ 0 },
};
static const struct px_opt att_opts[] = {
	{ "csv", NULL, "render the events as CSV", 0, 0 },
	{ "output", "FILE", "write to FILE instead of stdout", 0, 'o' },
	{ 0 },
};

const struct px_cmd px_feed_flush_cmd = {
	.name = "flush",
	.summary = "send the batches whose interval ended as cases, and sign "
	           "the digests of days that ended",
	.opts = flush_opts,
	.run = run_flush,
	.details = "A serving node does this by itself as intervals end.",
};
const struct px_cmd px_feed_digest_cmd = {
	.name = "digests",
	.summary = "the daily digests signed and received",
	.opts = peer_opt,
	.run = run_digests,
};
const struct px_cmd px_feed_verify_cmd = {
	.name = "verify",
	.summary = "recompute a received digest from the events received, "
	           "and compare",
	.usage = "DAY",
	.min_pos = 1,
	.max_pos = 1,
	.opts = verify_opts,
	.run = run_verify,
	.details = "Names every event whose content no longer matches its id "
	           "and every attachment missing or altered.  Exit code 0 "
	           "when the digest agrees, 3 when it does not.",
};
const struct px_cmd px_feed_attachment_cmd = {
	.name = "attachment",
	.summary = "an attachment's bytes, checked against its name, or as "
	           "CSV",
	.usage = "SHA256",
	.min_pos = 1,
	.max_pos = 1,
	.opts = att_opts,
	.run = run_attachment,
};
const struct px_cmd px_feed_event_cmd = {
	.name = "event",
	.summary = "follow a received event: its line, its route, the "
	           "delegation line that decided; or show an event stored "
	           "here by its number",
	.usage = "EVENT-ID|NUMBER",
	.min_pos = 1,
	.max_pos = 1,
	.run = run_event,
	.details = "Events are indexed when their day's digest is checked.",
};
const struct px_cmd px_feed_spool_cmd = {
	.name = "spool",
	.summary = "ingest the files in the spool directory now",
	.run = run_spool,
};
