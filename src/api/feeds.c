/*
 * /api/v1/feeds: routine sharing (docs/feeds.md) for the console's Feeds
 * page and for automation.
 *
 *   GET  /api/v1/feeds                    overview: input files, the
 *        queue's counts, digests, delegation files, overrides
 *   GET  /api/v1/feeds/files/{id}         one input file, its bad records
 *   GET  /api/v1/feeds/queue[?status=S]   events waiting for a person
 *   POST /api/v1/feeds/queue/{id}/route   {"peer", "reason"?}: a person
 *                                         sends a queued event to a peer
 *   POST /api/v1/feeds/queue/{id}/dismiss {"reason"}: takes it out
 *   GET  /api/v1/feeds/actions[?event=ID] what was done with queued
 *                                         events, newest first
 *   GET  /api/v1/feeds/digests/{peer}/{day}?dir=in|out
 *                                         a digest as signed, and the
 *                                         receiver's check of it
 *   POST /api/v1/feeds/digests/{peer}/{day}/verify
 *                                         recompute and compare (analyst)
 *   GET  /api/v1/feeds/events/{id}        follow a received event: its
 *                                         line, route and delegation line
 *   GET  /api/v1/feeds/explain?ip=A[&asn=N&type=T&tlp=L]
 *                                         where an event would go, and why
 *   POST /api/v1/feeds/flush[?all=1]      send due batches now (analyst)
 *   GET  /api/v1/attachments/{sha256}[?format=csv]
 *                                         an attachment, checked
 *   GET  /api/v1/attachments/{sha256}/events[?from=N&limit=M]
 *                                         its lines, for a list
 *   GET  /api/v1/attachments/{sha256}/events/{line}
 *                                         one line, whether it still
 *                                         matches its id, and the
 *                                         delegation line that routed it
 *   POST /api/v1/feeds/{name}[?format=F&feed=N&tlp=L]
 *                                         ingest an uploaded feed file
 *                                         (admin; the body is the file)
 *
 * The upload streams (net/http.h PX_ROUTE_STREAM): the server writes the
 * body to a file as it arrives, at most PX_FEED_FILE_MAX bytes, and the
 * handler ingests that file, streaming, like any other; memory stays
 * bounded whatever the size.  An upload that stops short never reaches
 * the handler: nothing of it is ingested.
 */
#include <unistd.h>

#include "api/json.h"
#include "api/routes.h"
#include "model/canon.h"
#include "net/problem.h"
#include "node/attach.h"
#include "node/feedrun.h"
#include "node/feeds.h"
#include "node/outbox.h"
#include "node/override.h"
#include "util/util.h"

static int
list_file(const struct px_feed_file_row *r, void *arg)
{
	json_array_append_new(arg, px_feed_file_json(r));
	return 0;
}

static int
list_digest(const struct px_digest_row *r, void *arg)
{
	json_t *o = json_pack("{sssssssssssI}", "peer", r->peer, "dir", r->dir,
	    "day", r->day, "msg", r->msg_hash, "root", r->root, "events",
	    (json_int_t)r->events);

	json_object_set_new(
	    o, "verdict", r->verdict ? json_string(r->verdict) : json_null());
	json_object_set_new(o, "time", px_json_time(r->time_ms));
	json_object_set_new(o, "checked", px_json_time(r->checked_ms));
	json_array_append_new(arg, o);
	return 0;
}

static int
list_rfile(const struct px_routing_file_row *r, void *arg)
{
	json_t *o = json_pack("{sssssssIsIsb}", "registry", r->registry,
	    "serial", r->serial, "sha256", r->sha256, "records",
	    (json_int_t)r->records, "lines", (json_int_t)r->lines, "active",
	    r->active);

	json_object_set_new(o, "loaded", px_json_time(r->loaded_ms));
	json_array_append_new(arg, o);
	return 0;
}

static int
count_queue(const struct px_feed_event_row *r, void *arg)
{
	json_t *o = arg;
	const char *k = px_rt_status_names[r->status];

	json_object_set_new(
	    o, k, json_integer(json_integer_value(json_object_get(o, k)) + 1));
	return 0;
}

static int
overview(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	json_t *files = json_array(), *digests = json_array();
	json_t *rfiles = json_array(), *ovr = NULL;
	json_t *queue = json_pack(
	    "{sisisi}", "unroutable", 0, "disputed", 0, "withheld", 0);
	int rc;

	if (n == NULL)
		goto fail0;
	if ((rc = PX_STORE_CALL(
	         n->store, feed_file_list, 50, list_file, files)) < 0 ||
	    (rc = PX_STORE_CALL(n->store, digest_list, NULL, NULL, list_digest,
	         digests)) < 0 ||
	    (rc = PX_STORE_CALL(
	         n->store, routing_file_list, false, list_rfile, rfiles)) < 0 ||
	    (rc = PX_STORE_CALL(n->store, feed_queue, -1, 0, 100000,
	         count_queue, queue)) < 0 ||
	    (rc = px_override_list(&ovr, n, NULL, px_time_now_ms())) < 0) {
		px_api_fail(r, rc);
		goto fail;
	}
	return px_api_json(r, 200,
	    json_pack("{sososososo}", "files", files, "queue", queue, "digests",
	        digests, "delegation", rfiles, "overrides", ovr));
fail:
	json_decref(ovr);
fail0:
	json_decref(files);
	json_decref(digests);
	json_decref(rfiles);
	json_decref(queue);
	return 0;
}

static int
bad_one(int64_t line, const char *why, const char *unused, void *arg)
{
	(void)unused;
	json_array_append_new(
	    arg, json_pack("{sIss}", "line", (json_int_t)line, "reason", why));
	return 0;
}

static int
file_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	struct px_feed_file_row row = { 0 };
	char *end = NULL;
	long long id = strtoll(req->params[0], &end, 10);
	json_t *o, *bad = json_array();
	int rc;

	if (n == NULL) {
		json_decref(bad);
		return 0;
	}
	if (end == req->params[0] || *end || id <= 0) {
		json_decref(bad);
		return px_api_fail(r,
		    px_error_set(
		        PX_EINVAL, "'%s' is not a file id", req->params[0]));
	}
	if ((rc = PX_STORE_CALL(n->store, feed_file_get, id, &row)) < 0 ||
	    (rc = PX_STORE_CALL(
	         n->store, feed_bad_list, id, 1000, bad_one, bad)) < 0) {
		json_decref(bad);
		px_feed_file_row_dispose(&row);
		return px_api_fail(r, rc);
	}
	o = px_feed_file_json(&row);
	json_object_set_new(o, "bad_rows", bad);
	px_feed_file_row_dispose(&row);
	return px_api_json(r, 200, o);
}

static int
queue_one(const struct px_feed_event_row *e, void *arg)
{
	json_t *o = json_pack("{sIsssIsI}", "id", (json_int_t)e->id, "status",
	    px_rt_status_names[e->status], "file", (json_int_t)e->file, "line",
	    (json_int_t)e->line);
	json_t *ev = NULL, *route = NULL;

	json_object_set_new(
	    o, "host", e->host ? json_string(e->host) : json_null());
	if (px_json_parse(&ev, e->event, strlen(e->event), 1 << 20, "event") ==
	    0)
		json_object_set_new(o, "event", ev);
	if (px_json_parse(&route, e->route_json, strlen(e->route_json), 1 << 20,
	        "route") == 0)
		json_object_set_new(o, "route", route);
	json_object_set_new(o, "routed", px_json_time(e->routed_ms));
	json_array_append_new(arg, o);
	return 0;
}

static int
queue_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *st = px_api_query(req, "status");
	json_t *q = json_array();
	int status = -1, rc;

	if (n == NULL)
		goto out;
	if (st) {
		for (int k = PX_RT_UNROUTABLE; k < PX_RT__N; k++)
			if (strcmp(st, px_rt_status_names[k]) == 0)
				status = k;
		if (status < 0) {
			px_api_fail(r,
			    px_error_set(PX_EINVAL,
			        "status '%s' is not unroutable, disputed or "
			        "withheld",
			        st));
			goto out;
		}
	}
	if ((rc = PX_STORE_CALL(
	         n->store, feed_queue, status, 0, 500, queue_one, q)) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	free(st);
	return px_api_json(r, 200, q);
out:
	free(st);
	json_decref(q);
	return 0;
}

/* The queue's actions are recorded under the token's name. */
static int
queue_act(const struct px_http_req *req, struct px_http_resp *r, bool route)
{
	struct px_node *n = px_api_node(req, r);
	const char *s = req->params[0];
	char *end = NULL, *who = NULL;
	long long id = strtoll(s, &end, 10);
	json_t *b;
	const char *peer, *reason;
	int role, rc;

	if (n == NULL)
		return 0;
	if (end == s || *end || id <= 0)
		return px_api_fail(
		    r, px_error_set(PX_EINVAL, "'%s' is not an event id", s));
	if ((b = px_api_body(req, r)) == NULL)
		return 0;
	peer = json_string_value(json_object_get(b, "peer"));
	reason = json_string_value(json_object_get(b, "reason"));
	if (route && peer == NULL) {
		json_decref(b);
		return px_api_fail(r,
		    px_error_set(PX_EINVAL,
		        "the body needs \"peer\": the pinned peer to send the "
		        "event to"));
	}
	if (req->bearer && px_app_token(req->app, req->bearer, &who, &role) < 0)
		who = NULL;
	rc = route ? px_feed_route_to(n, id, peer, who, reason)
	           : px_feed_dismiss(n, id, who, reason);
	if (rc < 0)
		px_api_fail(r, rc);
	else
		px_api_json(r, 200,
		    json_pack("{sIssso}", "event", (json_int_t)id, "status",
		        route ? "routed" : "dismissed", "peer",
		        peer ? json_string(peer) : json_null()));
	free(who);
	json_decref(b);
	return 0;
}

static int
queue_route(const struct px_http_req *req, struct px_http_resp *r)
{
	return queue_act(req, r, true);
}

static int
queue_dismiss(const struct px_http_req *req, struct px_http_resp *r)
{
	return queue_act(req, r, false);
}

static int
action_one(const struct px_feed_action_row *a, void *arg)
{
	json_array_append_new(arg, px_feed_action_json(a));
	return 0;
}

static int
actions_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *ev = px_api_query(req, "event"), *end = NULL;
	json_t *list = json_array();
	long long id = 0;
	int rc;

	if (n == NULL)
		goto out;
	if (ev && ((id = strtoll(ev, &end, 10)) <= 0 || *end)) {
		px_api_fail(
		    r, px_error_set(PX_EINVAL, "'%s' is not an event id", ev));
		goto out;
	}
	if ((rc = PX_STORE_CALL(
	         n->store, feed_actions, id, 500, action_one, list)) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	free(ev);
	return px_api_json(r, 200, list);
out:
	free(ev);
	json_decref(list);
	return 0;
}

static int
list_part(const struct px_feed_part_row *p, void *arg)
{
	char ref[9];
	json_t *o;

	px_case_ref(ref, p->case_id);
	o = json_pack("{sssssssIsIsI}", "msg", p->msg_hash, "case", p->case_id,
	    "ref", ref, "part", (json_int_t)p->part, "parts",
	    (json_int_t)p->parts, "events", (json_int_t)p->events);
	json_object_set_new(o, "attachment",
	    p->attachment ? json_string(p->attachment) : json_null());
	json_object_set_new(o, "start", px_json_time(p->start_ms));
	json_object_set_new(o, "end", px_json_time(p->end_ms));
	json_array_append_new(arg, o);
	return 0;
}

static int
digest_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *dir = px_api_query(req, "dir");
	struct px_digest_row row = { 0 };
	struct px_msg_row mrow = { 0 };
	struct px_msg *m = NULL;
	json_t *o = NULL, *detail = NULL;
	int rc;

	if (n == NULL)
		goto out;
	if ((rc = PX_STORE_CALL(n->store, digest_get, req->params[0],
	         dir ? dir : "in", req->params[1], &row)) < 0 ||
	    (rc = PX_STORE_CALL(n->store, msg_get, row.msg_hash, &mrow)) < 0 ||
	    (rc = px_node_msg_from_row(&m, &mrow)) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	o = json_pack("{sssssssssO}", "peer", row.peer, "dir", row.dir, "day",
	    row.day, "msg", row.msg_hash, "signed",
	    json_object_get(m->body, "digest"));
	json_object_set_new(
	    o, "verdict", row.verdict ? json_string(row.verdict) : json_null());
	if (row.detail &&
	    px_json_parse(&detail, row.detail, strlen(row.detail), 64 << 20,
	        "check") == 0)
		json_object_set_new(o, "check", detail);
	json_object_set_new(o, "checked", px_json_time(row.checked_ms));
	{
		/* The parts of the day: where its events are. */
		int64_t start;
		struct px_feed_cfg cfg;
		json_t *parts = json_array();

		if (px_feed_cfg_load(&cfg, n) == 0 &&
		    px_feed_day_start(&start, &cfg, row.day) == 0)
			(void)PX_STORE_CALL(n->store, feed_parts, row.peer,
			    row.dir, start, start + INT64_C(86400000),
			    list_part, parts);
		px_feed_cfg_dispose(&cfg);
		json_object_set_new(o, "parts", parts);
	}
	rc = px_api_json(r, 200, o);
	o = NULL;
out:
	json_decref(o);
	px_msg_free(m);
	px_msg_row_dispose(&mrow);
	px_digest_row_dispose(&row);
	free(dir);
	return 0;
}

static int
digest_verify(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	json_t *res = NULL;
	int rc;

	if (n == NULL)
		return 0;
	if ((rc = px_digest_verify(&res, n, req->params[0], req->params[1])) <
	    0)
		return px_api_fail(r, rc);
	return px_api_json(r, 200, res);
}

static int
event_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	json_t *o = NULL;
	int rc;

	if (n == NULL)
		return 0;
	if ((rc = px_attach_event(&o, n, req->params[0])) < 0)
		return px_api_fail(r, rc);
	return px_api_json(r, 200, o);
}

static int
explain(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *ip = px_api_query(req, "ip"), *asn = px_api_query(req, "asn");
	char *type = px_api_query(req, "type"), *tlp = px_api_query(req, "tlp");
	json_t *o = NULL;
	int rc;

	if (n == NULL)
		rc = 0;
	else if (ip == NULL)
		rc =
		    px_api_fail(r, px_error_set(PX_EINVAL, "give ?ip=ADDRESS"));
	else if ((rc = px_route_explain(
	              &o, n, ip, asn, type, tlp, px_time_now_ms())) < 0)
		rc = px_api_fail(r, rc);
	else
		rc = px_api_json(r, 200, o);
	free(ip);
	free(asn);
	free(type);
	free(tlp);
	return rc;
}

static int
flush(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_app *a = req->app;
	struct px_node *n = px_api_node(req, r);
	char *all = px_api_query(req, "all");
	struct px_flush_report rep;
	int rc;

	if (n == NULL) {
		free(all);
		return 0;
	}
	rc = px_feed_flush(
	    n, px_time_now_ms(), all && strcmp(all, "1") == 0, &rep);
	free(all);
	if (rc < 0)
		return px_api_fail(r, rc);
	if (a->outbox)
		px_outbox_kick(a->outbox);
	return px_api_json(r, 200,
	    json_pack("{sIsIsIsIsIsI}", "opened", (json_int_t)rep.opened,
	        "updates", (json_int_t)rep.updates, "messages",
	        (json_int_t)rep.parts, "closed", (json_int_t)rep.closed,
	        "digests", (json_int_t)rep.digests, "events",
	        (json_int_t)rep.events));
}

static int
attachment(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *fmt = px_api_query(req, "format");
	struct px_buf b;
	int rc;

	if (n == NULL) {
		free(fmt);
		return 0;
	}
	px_buf_init(&b, PX_BUF_NOCAP);
	if ((rc = px_attach_read(&b, n, req->params[0], true)) < 0)
		goto fail;
	if (fmt && strcmp(fmt, "csv") == 0) {
		if ((rc = px_attach_csv(&r->body, b.data, b.len)) < 0)
			goto fail;
		r->content_type = "text/csv; charset=utf-8";
		r->extra_headers =
		    px_asprintf("Content-Disposition: attachment; "
		                "filename=\"events-%.16s.csv\"\r\n",
		        req->params[0]);
	} else {
		if ((rc = px_buf_add(&r->body, b.data, b.len)) < 0)
			goto fail;
		r->content_type = "application/x-ndjson";
	}
	r->status = 200;
	free(fmt);
	px_buf_dispose(&b);
	return 0;
fail:
	free(fmt);
	px_buf_dispose(&b);
	return px_api_fail(r, rc);
}

/* The lines of an attachment, each with what a list shows, from line
 * `from` (1-based), at most `limit`. */
static int
att_events(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *f = px_api_query(req, "from"), *l = px_api_query(req, "limit");
	long long from = f ? strtoll(f, NULL, 10) : 1;
	long long limit = l ? strtoll(l, NULL, 10) : 100;
	struct px_buf b;
	json_t *list = json_array();
	size_t pos = 0;
	long long line = 0;
	int rc;

	free(f);
	free(l);
	if (n == NULL) {
		json_decref(list);
		return 0;
	}
	if (from < 1)
		from = 1;
	if (limit < 1 || limit > 1000)
		limit = 100;
	px_buf_init(&b, PX_BUF_NOCAP);
	if ((rc = px_attach_read(&b, n, req->params[0], false)) < 0) {
		px_buf_dispose(&b);
		json_decref(list);
		return px_api_fail(r, rc);
	}
	while (pos < b.len) {
		const char *nl = memchr(b.data + pos, '\n', b.len - pos);
		size_t end = nl ? (size_t)(nl - b.data) : b.len;
		json_t *j = NULL;

		line++;
		if (line >= from && line < from + limit &&
		    px_json_parse(&j, b.data + pos, end - pos, end - pos + 1,
		        "line") == 0) {
			const json_t *e = json_object_get(j, "event");
			const json_t *rt = json_object_get(j, "route");
			const char *side =
			    json_string_value(json_object_get(rt, "side"));
			const json_t *sd = json_object_get(e,
			    side && strcmp(side, "destination") == 0
			        ? "destination"
			        : "source");
			json_t *o = json_pack("{sI}", "line", (json_int_t)line);

			json_object_set(o, "id", json_object_get(j, "id"));
			json_object_set(o, "type",
			    json_object_get(
			        json_object_get(e, "classification"), "type"));
			json_object_set(o, "host",
			    json_object_get(sd, "ip")
			        ? json_object_get(sd, "ip")
			        : json_object_get(sd, "fqdn"));
			json_object_set(o, "by", json_object_get(rt, "by"));
			json_array_append_new(list, o);
		}
		json_decref(j);
		pos = end + 1;
	}
	px_buf_dispose(&b);
	return px_api_json(r, 200,
	    json_pack("{sososI}", "attachment", json_string(req->params[0]),
	        "events", list, "lines", (json_int_t)line));
}

/* One line of an attachment: the entry, whether its content still
 * matches its id, and the delegation line that routed it. */
static int
att_line(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	json_t *o = NULL;
	int rc;

	if (n == NULL)
		return 0;
	if ((rc = px_attach_line(
	         &o, n, req->params[0], strtoll(req->params[1], NULL, 10))) < 0)
		return px_api_fail(r, rc);
	return px_api_json(r, 200, o);
}

static bool
safe_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 200 || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		        (s[i] >= 'A' && s[i] <= 'Z') ||
		        (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		        s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

static int
upload(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	const char *name = req->params[0];
	char *fmt = px_api_query(req, "format"),
	     *feed = px_api_query(req, "feed");
	char *tlp = px_api_query(req, "tlp"), *dir = NULL, *path = NULL;
	struct px_ingest_opts o = { .fmt = -1, .tlp = -1, .source = "api" };
	struct px_feed_file_row row = { 0 };
	struct px_feed_cfg cfg = { 0 };
	json_t *res;
	int rc = 0;

	if (n == NULL)
		goto out;
	if (!safe_name(name))
		rc = px_error_set(PX_EINVAL,
		    "'%s' is not a usable file name (letters, digits, '.', "
		    "'_', '-'; e.g. 2026-12-01-event4_sinkhole-de.csv)",
		    name);
	if (rc == 0 && fmt) {
		enum px_fmt f;

		if ((rc = px_fmt_lookup(&f, fmt)) == 0)
			o.fmt = (int)f;
		if (rc == 0 && f == PX_FMT_CSV)
			rc = px_error_set(PX_EINVAL,
			    "a CSV with a mapping file goes through the spool "
			    "(NAME and NAME.mapping.json) or 'parley feed "
			    "ingest --mapping'");
	}
	if (rc == 0 && tlp)
		rc = px_ev_parse_tlp(&o.tlp, tlp, strlen(tlp), "tlp");
	if (rc == 0 && req->body_len == 0)
		rc =
		    px_error_set(PX_EINVAL, "the body is empty: send the file");
	if (rc == 0)
		rc = px_feed_cfg_load(&cfg, n);
	if (rc < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	if (req->body_path == NULL) {
		/* A body held in memory (a caller without streaming): into
		 * the spool under a dot name (the feeds thread skips
		 * those) first. */
		dir = px_asprintf("%s/uploads", cfg.spool);
		path = px_asprintf(
		    "%s/.%lld-%s", dir, (long long)px_time_now_ms(), name);
		if ((rc = px_mkdir_p(dir, 0700)) < 0 ||
		    (rc = px_file_write(path, req->body, req->body_len, 0600)) <
		        0) {
			px_api_fail(r, rc);
			goto out;
		}
	}
	o.path = path ? path : req->body_path;
	o.name = name;
	o.feed = feed;
	rc = px_feed_ingest(n, &o, &row);
	if (path)
		unlink(path);
	if (rc < 0 && row.id == 0) {
		px_api_fail(r, rc);
		goto out;
	}
	res = px_feed_file_json(&row);
	if (rc < 0)
		json_object_set_new(
		    res, "problem", json_string(px_error_last()));
	{
		json_t *bad = json_array();

		if (PX_STORE_CALL(n->store, feed_bad_list, row.id, 1000,
		        bad_one, bad) < 0)
			json_array_clear(bad);
		json_object_set_new(res, "bad_rows", bad);
	}
	px_api_json(r, rc < 0 ? 422 : 200, res);
out:
	px_feed_file_row_dispose(&row);
	px_feed_cfg_dispose(&cfg);
	free(fmt);
	free(feed);
	free(tlp);
	free(dir);
	free(path);
	return 0;
}

const struct px_route px_routes_feeds[] = {
	{ "GET", "/api/v1/feeds", overview, PX_AUTH_TOKEN, 0, NULL },
	{ "GET", "/api/v1/feeds/files/{id}", file_get, PX_AUTH_TOKEN, 0, NULL },
	{ "GET", "/api/v1/feeds/queue", queue_get, PX_AUTH_TOKEN, 0, NULL },
	{ "POST", "/api/v1/feeds/queue/{id}/route", queue_route, PX_AUTH_TOKEN,
	    16384, "application/json" },
	{ "POST", "/api/v1/feeds/queue/{id}/dismiss", queue_dismiss,
	    PX_AUTH_TOKEN, 16384, "application/json" },
	{ "GET", "/api/v1/feeds/actions", actions_get, PX_AUTH_TOKEN, 0, NULL },
	{ "GET", "/api/v1/feeds/explain", explain, PX_AUTH_TOKEN, 0, NULL },
	{ "GET", "/api/v1/feeds/digests/{peer}/{day}", digest_get,
	    PX_AUTH_TOKEN, 0, NULL },
	{ "POST", "/api/v1/feeds/digests/{peer}/{day}/verify", digest_verify,
	    PX_AUTH_TOKEN, 0, NULL },
	{ "GET", "/api/v1/feeds/events/{id}", event_get, PX_AUTH_TOKEN, 0,
	    NULL },
	{ "POST", "/api/v1/feeds/flush", flush, PX_AUTH_TOKEN, 0, NULL },
	{ "GET", "/api/v1/attachments/{sha}", attachment, PX_AUTH_TOKEN, 0,
	    NULL },
	{ "GET", "/api/v1/attachments/{sha}/events", att_events, PX_AUTH_TOKEN,
	    0, NULL },
	{ "GET", "/api/v1/attachments/{sha}/events/{line}", att_line,
	    PX_AUTH_TOKEN, 0, NULL },
	{ "POST", "/api/v1/feeds/{name}", upload, PX_AUTH_TOKEN,
	    PX_FEED_FILE_MAX, NULL, PX_ROUTE_STREAM },
};
const size_t px_routes_feeds_n = PX_ARRAY_LEN(px_routes_feeds);
