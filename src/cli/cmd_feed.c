/*
 * parley feed: ingest feed files, see what came in and where it went,
 * the queue of events waiting for a person, sending the batches as
 * cases, and the daily digests (docs/feeds.md).
 */
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "node/interop.h"
#include "model/canon.h"
#include "node/attach.h"
#include "node/feeds.h"
#include "util/util.h"

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct prog {
	double t0, last;
	bool tty;
};

static void
progress(const struct px_feed_file_row *r, void *arg)
{
	struct prog *p = arg;
	double now = mono();

	if (!p->tty || now - p->last < 0.5)
		return;
	p->last = now;
	fprintf(stderr,
	    "\r  %s: %.1f of %.1f MB, line %lld, %lld events, %lld "
	    "duplicates, %lld bad (%.0f records/s)   ",
	    r->name, (double)r->offset / 1e6, (double)r->size / 1e6,
	    (long long)r->line, (long long)r->events, (long long)r->duplicates,
	    (long long)r->bad,
	    (double)r->records / (now - p->t0 > 0 ? now - p->t0 : 1));
}

struct bad_ctx {
	json_t *a;
};

static int
bad_one(int64_t line, const char *why, const char *unused, void *arg)
{
	(void)unused;
	json_array_append_new(((struct bad_ctx *)arg)->a,
	    json_pack("{sIss}", "line", (json_int_t)line, "reason", why));
	return 0;
}

static json_t *
bad_rows(struct px_node *n, int64_t file, int64_t limit)
{
	struct bad_ctx c = { .a = json_array() };

	if (PX_STORE_CALL(n->store, feed_bad_list, file, limit, bad_one, &c) <
	    0) {
		json_decref(c.a);
		return json_array();
	}
	return c.a;
}

static void
print_summary(struct px_node *n, const struct px_feed_file_row *r, double s)
{
	json_t *bad;
	size_t i;
	json_t *v;

	printf("%s %s (%s%s%s): %lld records in %.1f s\n",
	    strcmp(r->state, "done") == 0 ? "Ingested" : "Stopped in", r->name,
	    r->format, r->feed ? ", " : "", r->feed ? r->feed : "",
	    (long long)r->records, s);
	printf("  %lld events, %lld duplicates, %lld bad records\n",
	    (long long)r->events, (long long)r->duplicates, (long long)r->bad);
	printf("  routed %lld, ours %lld, unroutable %lld, disputed %lld, "
	       "withheld %lld\n",
	    (long long)r->routed, (long long)r->own, (long long)r->unroutable,
	    (long long)r->disputed, (long long)r->withheld);
	if (r->unroutable + r->disputed + r->withheld > 0)
		printf("  %lld events wait for a person: 'parley feed queue'\n",
		    (long long)(r->unroutable + r->disputed + r->withheld));
	if (r->bad == 0)
		return;
	bad = bad_rows(n, r->id, 20);
	json_array_foreach(bad, i, v) printf("    line %lld: %s\n",
	    (long long)json_integer_value(json_object_get(v, "line")),
	    json_string_value(json_object_get(v, "reason")));
	if (r->bad > 20)
		printf("    ... and %lld more ('parley feed bad %lld')\n",
		    (long long)(r->bad - 20), (long long)r->id);
	json_decref(bad);
}

static int
run_ingest(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_buf map;
	struct px_ingest_opts o = { .fmt = -1, .tlp = -1, .source = "cli" };
	json_t *res = json_array();
	const char *v;
	int rc = 0, worst = 0;
	bool stix = false;

	px_buf_init(&map, 64 * 1024);
	if ((v = px_arg(a, "format")) && strcmp(v, "stix") == 0) {
		stix = true;
	} else if (v) {
		enum px_fmt f;

		if (px_fmt_lookup(&f, v) < 0) {
			/* The CLI reads STIX too (the API does not). */
			rc = px_cli_usage(a,
			    "unknown feed format '%s' (expected one of: "
			    "shadowserver, intelmq, xarf, csv, stix)",
			    v);
			goto out;
		}
		o.fmt = (int)f;
	}
	if ((v = px_arg(a, "tlp")) &&
	    px_ev_parse_tlp(&o.tlp, v, strlen(v), "--tlp") < 0) {
		rc = px_cli_usage(a, "%s", px_error_last());
		goto out;
	}
	if ((v = px_arg(a, "mapping"))) {
		if ((rc = px_cli_read(&map, v, 64 * 1024)) < 0) {
			rc = px_cli_fail(a, rc);
			goto out;
		}
		o.mapping = map.data;
		o.mlen = map.len;
		if (o.fmt < 0)
			o.fmt = PX_FMT_CSV;
	}
	if (o.fmt == PX_FMT_CSV && o.mapping == NULL) {
		rc = px_cli_usage(a, "--format csv needs --mapping FILE");
		goto out;
	}
	o.feed = px_arg(a, "feed");
	o.provider = px_arg(a, "provider");
	o.again = px_flag(a, "again");
	if ((rc = px_cli_open(&n, a)) != 0)
		goto out;
	for (size_t i = 0; i < px_npos(a); i++) {
		struct px_feed_file_row row = { 0 };
		struct prog p = { .t0 = mono(),
			.tty =
			    !px_json(a) && isatty(2) && !px_flag(a, "quiet") };

		o.path = px_pos(a, i);
		o.progress = progress;
		o.arg = &p;
		rc = stix ? px_feed_ingest_stix(n, &o, &row)
		          : px_feed_ingest(n, &o, &row);
		if (p.tty && p.last > 0)
			fprintf(stderr, "\r%*s\r", 100, "");
		if (rc < 0) {
			int code = px_exit_for(rc);

			if (row.id == 0) {
				fprintf(
				    stderr, "parley: %s\n", px_error_last());
				json_array_append_new(res,
				    json_pack("{ssss}", "file", o.path, "error",
				        px_error_last()));
			} else {
				fprintf(
				    stderr, "parley: %s\n", px_error_last());
				json_array_append_new(
				    res, px_feed_file_json(&row));
			}
			if (code > worst)
				worst = code;
			px_feed_file_row_dispose(&row);
			continue;
		}
		if (px_json(a)) {
			json_t *o2 = px_feed_file_json(&row);

			json_object_set_new(
			    o2, "bad_rows", bad_rows(n, row.id, 1000));
			json_array_append_new(res, o2);
		} else {
			print_summary(n, &row, mono() - p.t0);
		}
		px_feed_file_row_dispose(&row);
	}
	if (px_json(a))
		px_cli_print_json(res);
	rc = worst;
out:
	json_decref(res);
	px_buf_dispose(&map);
	px_node_free(n);
	return rc;
}

static int
list_file(const struct px_feed_file_row *r, void *arg)
{
	json_array_append_new(arg, px_feed_file_json(r));
	return 0;
}

static int
run_status(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *files = json_array(), *v;
	size_t i;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0) {
		json_decref(files);
		return rc;
	}
	if ((rc = PX_STORE_CALL(
	         n->store, feed_file_list, 50, list_file, files)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		px_cli_print_json(files);
		goto out;
	}
	if (json_array_size(files) == 0)
		printf("No feed file ingested yet ('parley feed ingest FILE', "
		       "or drop one into the spool of a serving node).\n");
	json_array_foreach(files, i, v)
	{
#define N(k) (long long)json_integer_value(json_object_get(v, k))
		printf("%4lld %-8s %-40.40s %lld events, %lld dup, %lld bad; "
		       "routed %lld, unroutable %lld, disputed %lld, "
		       "withheld %lld\n",
		    N("id"), json_string_value(json_object_get(v, "state")),
		    json_string_value(json_object_get(v, "name")), N("events"),
		    N("duplicates"), N("bad"), N("routed"), N("unroutable"),
		    N("disputed"), N("withheld"));
#undef N
	}
out:
	json_decref(files);
	px_node_free(n);
	return rc;
}

static int
run_bad(struct px_args *a)
{
	struct px_node *n = NULL;
	char *end = NULL;
	long long id = strtoll(px_pos(a, 0), &end, 10);
	json_t *bad, *v;
	size_t i;
	int rc;

	if (end == px_pos(a, 0) || *end || id <= 0)
		return px_cli_usage(a,
		    "FILE-ID must be a number (see 'parley "
		    "feed status')");
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	bad = bad_rows(n, id, 1000);
	if (px_json(a))
		px_cli_print_json(bad);
	else
		json_array_foreach(bad, i, v) printf("line %lld: %s\n",
		    (long long)json_integer_value(json_object_get(v, "line")),
		    json_string_value(json_object_get(v, "reason")));
	json_decref(bad);
	px_node_free(n);
	return rc;
}

static int
queue_one(const struct px_feed_event_row *r, void *arg)
{
	json_t *o = json_pack("{sIsssIsIss}", "id", (json_int_t)r->id, "status",
	    px_rt_status_names[r->status], "file", (json_int_t)r->file, "line",
	    (json_int_t)r->line, "host", r->host ? r->host : "");
	json_t *ev = NULL, *route = NULL;

	if (px_json_parse(&ev, r->event, strlen(r->event), 1 << 20, "event") ==
	    0)
		json_object_set_new(o, "event", ev);
	if (px_json_parse(&route, r->route_json, strlen(r->route_json), 1 << 20,
	        "route") == 0)
		json_object_set_new(o, "route", route);
	json_object_set_new(o, "routed", px_json_time(r->routed_ms));
	json_object_set_new(o, "seen",
	    json_pack("{sIsoso}", "count", (json_int_t)r->count, "first",
	        px_json_time(r->seen_first), "last",
	        px_json_time(r->seen_last)));
	json_array_append_new(arg, o);
	return 0;
}

static void print_events(const struct px_args *a, json_t *q, const char *none);

static int
run_queue(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *q = json_array();
	const char *st = px_arg(a, "status");
	int status = -1, rc;

	if (st) {
		for (int k = PX_RT_UNROUTABLE; k < PX_RT__N; k++)
			if (strcmp(st, px_rt_status_names[k]) == 0)
				status = k;
		if (status < 0) {
			json_decref(q);
			return px_cli_usage(a,
			    "--status must be unroutable, disputed or withheld");
		}
	}
	if ((rc = px_cli_open(&n, a)) != 0) {
		json_decref(q);
		return rc;
	}
	if ((rc = PX_STORE_CALL(
	         n->store, feed_queue, status, 0, 200, queue_one, q)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	print_events(a, q, "Nothing waits for a person.");
out:
	json_decref(q);
	px_node_free(n);
	return rc;
}

/* Lists events (queue_one's objects) as JSON or one line each. */
static void
print_events(const struct px_args *a, json_t *q, const char *none)
{
	json_t *v;
	size_t i;

	if (px_json(a)) {
		px_cli_print_json(q);
		return;
	}
	if (json_array_size(q) == 0)
		printf("%s\n", none);
	json_array_foreach(q, i, v)
	{
		const json_t *r = json_object_get(v, "route");
		const char *why =
		    json_string_value(json_object_get(r, "reason"));

		printf("%8lld %-10s %-39s file %lld line %lld: %s\n",
		    (long long)json_integer_value(json_object_get(v, "id")),
		    json_string_value(json_object_get(v, "status")),
		    json_string_value(json_object_get(v, "host")),
		    (long long)json_integer_value(json_object_get(v, "file")),
		    (long long)json_integer_value(json_object_get(v, "line")),
		    why ? why : "");
	}
}

/* A number option: *out keeps its value when absent; 2 on a bad one. */
static int
num_opt(const struct px_args *a, const char *name, int64_t *out)
{
	const char *v = px_arg(a, name);
	char *end = NULL;
	long long x;

	if (v == NULL)
		return 0;
	x = strtoll(v, &end, 10);
	if (end == v || *end || x <= 0)
		return px_cli_usage(a, "--%s must be a positive number", name);
	*out = x;
	return 0;
}

static int
run_events(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_feed_event_filter f = { .status = -2, .limit = 200 };
	json_t *q;
	const char *st = px_arg(a, "status");
	int rc;

	if (st) {
		f.status = -3;
		for (int k = 0; k < PX_RT__N; k++)
			if (strcmp(st, px_rt_status_names[k]) == 0)
				f.status = k;
		if (f.status == -3)
			return px_cli_usage(a,
			    "--status must be routed, own, unroutable, "
			    "disputed, withheld or dismissed");
	}
	if ((rc = num_opt(a, "file", &f.file)) != 0 ||
	    (rc = num_opt(a, "limit", &f.limit)) != 0 ||
	    (rc = num_opt(a, "before", &f.before)) != 0)
		return rc;
	f.host = px_arg(a, "host");
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	q = json_array();
	if ((rc = PX_STORE_CALL(n->store, feed_events, &f, queue_one, q)) < 0)
		rc = px_cli_fail(a, rc);
	else
		print_events(a, q, "No such events.");
	json_decref(q);
	px_node_free(n);
	return rc;
}

/* Who acts from the command line, for the record: the login name. */
static char *
cli_who(void)
{
	const char *u = getenv("USER");

	return px_asprintf("cli:%s", u && *u ? u : "unknown");
}

static int
event_id(int64_t *out, const struct px_args *a, const char *s)
{
	char *end = NULL;
	long long v = strtoll(s, &end, 10);

	if (end == s || *end || v <= 0)
		return px_cli_usage(a, "'%s' is not an event id", s);
	*out = v;
	return 0;
}

/* route and dismiss: each id in turn; the first failure stops. */
static int
act(struct px_args *a, bool route)
{
	struct px_node *n = NULL;
	const char *peer = px_arg(a, "to"), *reason = px_arg(a, "reason");
	char *who = NULL;
	json_t *done = json_array();
	int64_t id;
	int rc = 0;

	if (route && (peer == NULL || *peer == '\0'))
		rc = px_cli_usage(a, "--to PEER is required");
	if (!route && (reason == NULL || *reason == '\0'))
		rc = px_cli_usage(a, "--reason is required");
	for (size_t i = 0; rc == 0 && i < px_npos(a); i++)
		rc = event_id(&id, a, px_pos(a, i));
	if (rc != 0 || (rc = px_cli_open(&n, a)) != 0)
		goto out;
	who = cli_who();
	for (size_t i = 0; i < px_npos(a); i++) {
		id = strtoll(px_pos(a, i), NULL, 10);
		rc = route ? px_feed_route_to(n, id, peer, who, reason)
		           : px_feed_dismiss(n, id, who, reason);
		if (rc < 0) {
			rc = px_cli_fail(a, rc);
			goto out;
		}
		json_array_append_new(done, json_integer((json_int_t)id));
		if (!px_json(a)) {
			if (route)
				printf("Event %lld routed to %s; it goes out "
				       "with its group's next batch.\n",
				    (long long)id, peer);
			else
				printf(
				    "Event %lld dismissed.\n", (long long)id);
		}
	}
	if (px_json(a)) {
		json_t *o = json_pack(
		    "{sOss}", route ? "routed" : "dismissed", done, "who", who);

		if (route)
			json_object_set_new(o, "to", json_string(peer));
		px_cli_print_json(o);
		json_decref(o);
	}
out:
	json_decref(done);
	free(who);
	px_node_free(n);
	return rc;
}

static int
run_route(struct px_args *a)
{
	return act(a, true);
}

static int
run_dismiss(struct px_args *a)
{
	return act(a, false);
}

static int
action_one(const struct px_feed_action_row *r, void *arg)
{
	json_array_append_new(arg, px_feed_action_json(r));
	return 0;
}

static int
run_actions(struct px_args *a)
{
	struct px_node *n = NULL;
	const char *ev = px_arg(a, "event");
	json_t *list = json_array(), *v;
	int64_t id = 0;
	size_t i;
	int rc = 0;

	if (ev && (rc = event_id(&id, a, ev)) != 0)
		goto out;
	if ((rc = px_cli_open(&n, a)) != 0)
		goto out;
	if ((rc = PX_STORE_CALL(
	         n->store, feed_actions, id, 500, action_one, list)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		px_cli_print_json(list);
		goto out;
	}
	if (json_array_size(list) == 0)
		printf("No event was acted on.\n");
	json_array_foreach(list, i, v)
	{
		const char *peer =
		    json_string_value(json_object_get(v, "peer"));
		const char *why =
		    json_string_value(json_object_get(v, "reason"));
		const char *who = json_string_value(json_object_get(v, "who"));

		printf("%s  event %lld  %s (was %s)%s%s  by %s%s%s\n",
		    px_cli_str(v, "time"),
		    (long long)json_integer_value(json_object_get(v, "event")),
		    px_cli_str(v, "action"), px_cli_str(v, "was"),
		    peer ? " -> " : "", peer ? peer : "", who ? who : "?",
		    why ? ": " : "", why ? why : "");
	}
out:
	json_decref(list);
	px_node_free(n);
	return rc;
}

static const struct px_opt ingest_opts[] = {
	{ "format", "FORMAT",
	    "shadowserver, intelmq, xarf, csv or stix (a STIX 2.1 bundle: its "
	    "sightings and simple indicators; default: guessed from the "
	    "name and the first bytes, never stix)",
	    0, 'f' },
	{ "mapping", "FILE", "the mapping file of a CSV feed (docs/feeds.md)",
	    0, 'm' },
	{ "feed", "NAME", "feed name for events that carry none", 0, 0 },
	{ "provider", "NAME", "provider for events that carry none", 0, 0 },
	{ "tlp", "TLP", "TLP for events that carry none (default [feeds] tlp)",
	    0, 0 },
	{ "again", NULL, "ingest a file that was ingested before", 0, 0 },
	{ "quiet", NULL, "no progress line", 0, 'q' },
	{ 0 },
};
static const struct px_opt queue_opts[] = {
	{ "status", "STATUS",
	    "only unroutable, disputed or withheld (or dismissed, the "
	    "events taken out)",
	    0, 0 },
	{ 0 },
};
static const struct px_opt events_opts[] = {
	{ "status", "STATUS",
	    "only routed, own, unroutable, disputed, withheld or dismissed "
	    "events",
	    0, 0 },
	{ "file", "FILE-ID", "only the events of that input file", 0, 0 },
	{ "host", "HOST", "only the events about that host", 0, 0 },
	{ "before", "ID", "only events numbered below ID (the next page)", 0,
	    0 },
	{ "limit", "N", "at most N events (200)", 0, 0 },
	{ 0 },
};
static const struct px_opt route_opts[] = {
	{ "to", "PEER", "the pinned peer to send the events to", 0, 0 },
	{ "reason", "TEXT", "why (kept with the action, sent with the event)",
	    0, 0 },
	{ 0 },
};
static const struct px_opt dismiss_opts[] = {
	{ "reason", "TEXT", "why the events are not shared (required)", 0, 0 },
	{ 0 },
};
static const struct px_opt actions_opts[] = {
	{ "event", "ID", "only this event's", 0, 0 },
	{ 0 },
};

static const struct px_cmd ingest = {
	.name = "ingest",
	.summary = "ingest feed files (Shadowserver CSV, IntelMQ JSON Lines, "
	           "X-ARF v4, CSV with a mapping, STIX 2.1 bundles)",
	.usage = "FILE...",
	.min_pos = 1,
	.max_pos = 1024,
	.opts = ingest_opts,
	.run = run_ingest,
	.details = "Files of any size are read as a stream.  Each event is "
	           "deduplicated, routed and stored; bad records are counted "
	           "and reported with their line and reason, and never stop "
	           "the file.  An ingest that stops (a crash, Ctrl-C) resumes "
	           "where it stopped when the same file is ingested again.  "
	           "Exit code 0 when every file was read (bad records "
	           "included), 3 when a file could not be read at all, 5 when "
	           "it was ingested before.",
};
static const struct px_cmd status = {
	.name = "status",
	.summary = "the last input files: progress, counts, where events went",
	.run = run_status,
};
static const struct px_cmd bad = {
	.name = "bad",
	.summary = "the bad records of an input file, with line and reason",
	.usage = "FILE-ID",
	.min_pos = 1,
	.max_pos = 1,
	.run = run_bad,
};
static const struct px_cmd queue = {
	.name = "queue",
	.summary = "events waiting for a person: unroutable, disputed, "
	           "withheld",
	.opts = queue_opts,
	.run = run_queue,
};
static const struct px_cmd events = {
	.name = "events",
	.summary = "stored events, newest first: status, route, file and line",
	.opts = events_opts,
	.run = run_events,
	.details = "Events are numbered as they are stored; each shows its "
	           "status, host, input file and line, the event and its "
	           "route explanation ('parley feed event ID' for one, with "
	           "the deciding delegation line).",
};

static const struct px_cmd route = {
	.name = "route",
	.summary = "send queued events to a peer (a person's decision)",
	.usage = "EVENT-ID... --to PEER [--reason TEXT]",
	.min_pos = 1,
	.max_pos = 1024,
	.opts = route_opts,
	.run = run_route,
	.details = "Each event leaves the queue and joins its group's batch "
	           "of the current interval, so it reaches the peer in a "
	           "report case like any routed event; its explanation says "
	           "a person routed it (\"by\": \"person\"), from what status, "
	           "and why.  TLP:RED and AMBER+STRICT events are never "
	           "routed by hand (exit 3).  Exit 4: no such event or peer; "
	           "5: the event is not in the queue.",
};
static const struct px_cmd dismiss = {
	.name = "dismiss",
	.summary = "take queued events out of the queue, with a reason",
	.usage = "EVENT-ID... --reason TEXT",
	.min_pos = 1,
	.max_pos = 1024,
	.opts = dismiss_opts,
	.run = run_dismiss,
	.details = "The events stay stored with status \"dismissed\" ('parley "
	           "feed queue --status dismissed'); who dismissed them, when "
	           "and why is kept ('parley feed actions').",
};
static const struct px_cmd actions = {
	.name = "actions",
	.summary = "what was done with queued events: routed, dismissed, "
	           "re-routed by an override",
	.opts = actions_opts,
	.run = run_actions,
};

static const struct px_cmd *const subs[] = { &ingest, &status, &bad, &queue,
	&events, &route, &dismiss, &actions, &px_feed_flush_cmd,
	&px_feed_digest_cmd, &px_feed_verify_cmd, &px_feed_attachment_cmd,
	&px_feed_event_cmd, &px_feed_spool_cmd, NULL };

const struct px_cmd px_cmd_feed = {
	.name = "feed",
	.summary = "routine sharing: ingest feeds, route, aggregate, digests",
	.subs = subs,
};
