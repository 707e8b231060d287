/*
 * Health, metrics, peers, the log and audit bundles.
 *
 *   GET /healthz                    liveness and store check (no auth)
 *   GET /metrics                    Prometheus text format (a viewer
 *                                   token: it names every peer)
 *   GET /api/v1/peers               pinned peers
 *   GET /api/v1/peers/{name}        a peer's card and agreement
 *   GET /api/v1/log/checkpoint      this node's latest checkpoint
 *   GET /api/v1/log/proof/{index}   a C2SP tlog-proof
 *   GET /api/v1/log/alerts          forks and inconsistencies seen
 *   GET /api/v1/audit?peer=P[&from=T&to=T]   an audit bundle
 *   GET /api/v1/record/{hash}       the record of one message: its log
 *                                   entry, proof, witnesses, peer entry
 */
#include "api/json.h"
#include "api/routes.h"
#include "model/canon.h"
#include "net/problem.h"
#include "node/audit.h"
#include "node/log.h"
#include "node/record.h"
#include "node/channel.h"
#include "util/util.h"

static int
healthz(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_app_node(req->app);
	struct px_app *a = req->app;
	int64_t size = 0;

	if (n == NULL || px_log_size(n, &size) < 0)
		return px_problem(
		    r, 503, NULL, "store unavailable: %s", px_error_last());
	return px_api_json(r, 200,
	    json_pack("{sssssIsI}", "status", "ok", "node", a->name, "log_size",
	        (json_int_t)size, "uptime_s",
	        (json_int_t)((px_time_now_ms() - a->started_ms) / 1000)));
}

struct wit {
	struct px_node *n;
	struct px_buf *b;
};

static int
witness_line(const struct px_peer_row *p, void *arg)
{
	struct wit *w = arg;
	int64_t size = 0;

	if (PX_STORE_CALL(w->n->store, witness_get, p->name, &size, NULL) < 0)
		size = 0;
	px_metrics_peer_line(
	    w->b, "parley_witness_cosigned_size", p->name, (long long)size);
	return 0;
}

/* Channel problems (node/channel.h): a gauge per peer and direction,
 * 0 while it flows, so an alert can fire on the change.  A handful of
 * rows, whatever the backlog. */
static int
chan_row(const struct px_channel_row *c, void *arg)
{
	json_t *o = arg;
	char *k = px_asprintf("%s\n%s", c->peer, c->dir);

	json_object_set_new(o, k,
	    json_pack("{sssI}", "state", c->state, "seq", (json_int_t)c->seq));
	free(k);
	return 0;
}

static int
chan_peer(const struct px_peer_row *p, void *arg)
{
	struct wit *w = arg;
	json_t *rows = json_object();

	(void)PX_STORE_CALL(w->n->store, channel_list, p->name, chan_row, rows);
	for (int d = 0; d < 2; d++) {
		char *k = px_asprintf("%s\n%s", p->name, px_chan_dir_names[d]);
		const json_t *c = json_object_get(rows, k);
		const char *st = json_string_value(json_object_get(c, "state"));
		bool refused = st && strcmp(st, "refused") == 0;

		px_buf_putf(w->b,
		    "parley_channel_blocked{peer=\"%s\",direction=\"%s\"} "
		    "%d\n",
		    p->name, px_chan_dir_names[d], refused);
		if (refused)
			px_buf_putf(w->b,
			    "parley_channel_blocked_seq{peer=\"%s\","
			    "direction=\"%s\"} %lld\n",
			    p->name, px_chan_dir_names[d],
			    (long long)json_integer_value(
			        json_object_get(c, "seq")));
		if (d == PX_CHAN_OUT)
			px_buf_putf(w->b,
			    "parley_channel_unreachable{peer=\"%s\"} %d\n",
			    p->name, st && !refused);
		free(k);
	}
	json_decref(rows);
	return 0;
}

static void
channel_lines(struct px_node *n, struct px_buf *b)
{
	struct wit w = { n, b };

	px_buf_puts(b,
	    "# HELP parley_channel_blocked 1 while the peer refuses our "
	    "messages (out) or we refuse its (in): every later message "
	    "waits (docs/channel.md).\n# TYPE parley_channel_blocked "
	    "gauge\n# HELP parley_channel_blocked_seq The seq held up.\n"
	    "# TYPE parley_channel_blocked_seq gauge\n# HELP "
	    "parley_channel_unreachable 1 while the peer's node does not "
	    "answer.\n# TYPE parley_channel_unreachable gauge\n");
	(void)PX_STORE_CALL(n->store, peer_list, chan_peer, &w);
}

/* The HTTPS server's own figures: who holds connections, what the gate
 * closed, the upload budget. */
static void
http_lines(struct px_http_server *h, struct px_buf *b)
{
	struct px_http_stats st;

	px_http_stats(h, &st);
#define L(name, type, help, v)                                               \
	px_buf_putf(b,                                                       \
	    "# HELP parley_http_" name " " help "\n# TYPE parley_http_" name \
	    " " type "\nparley_http_" name " %lu\n",                         \
	    (unsigned long)(v))
	L("connections_total", "counter", "TCP connections accepted.",
	    st.connections);
	L("requests_total", "counter", "Requests received.", st.requests);
	L("connections_open", "gauge", "Connections open now.", st.open);
	L("connections_unauthenticated", "gauge",
	    "Open connections neither a pinned peer's nor in a token "
	    "request (the bounded pool).",
	    st.unauth);
	L("connections_peer", "gauge", "Open connections of pinned peers.",
	    st.peers);
	L("evicted_total", "counter",
	    "Unauthenticated connections closed to make room for newer "
	    "ones.",
	    st.evicted);
	L("timed_out_total", "counter",
	    "Connections closed at the header or idle deadline.", st.timed_out);
	L("early_closed_total", "counter",
	    "Connections the client ended before a request (failed TLS "
	    "handshakes included).",
	    st.early_closed);
	L("busy_total", "counter",
	    "Requests answered 503: the upload budget was exhausted.", st.busy);
	L("upload_bytes", "gauge", "Request body bytes held now.",
	    st.upload_bytes);
#undef L
}

/* Everything comes from counters and gauges kept up to date by whoever
 * changes them; the store is read once per peer (witness sizes, channel
 * problems: at most two rows) and once for the log size, whatever the
 * backlog. */
static int
metrics(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_app *a = req->app;
	struct px_node *n = px_app_node(a);
	struct px_http_server *h = atomic_load(&a->http);
	struct px_buf *b = &r->body;
	int64_t size = 0;

	px_metrics_render(a->metrics, b);
	if (h != NULL)
		http_lines(h, b);
	if (n) {
		struct wit w = { n, b };

		px_buf_puts(b,
		    "# HELP parley_witness_cosigned_size Size of "
		    "the last checkpoint of each peer's log this "
		    "node cosigned.\n# TYPE "
		    "parley_witness_cosigned_size gauge\n");
		(void)PX_STORE_CALL(n->store, peer_list, witness_line, &w);
		channel_lines(n, b);
		if (px_log_size(n, &size) == 0)
			px_buf_putf(b,
			    "# HELP parley_log_size Entries in "
			    "this node's log.\n# TYPE parley_log_size "
			    "gauge\nparley_log_size %lld\n",
			    (long long)size);
	}
	r->status = 200;
	r->content_type = "text/plain; version=0.0.4";
	return 0;
}

static int
peer_row(const struct px_peer_row *p, void *arg)
{
	json_t *card = NULL, *body;

	if (px_json_parse(&card, p->card, strlen(p->card), 1 << 20, "card") < 0)
		return 0;
	body = json_object_get(card, "card");
	/* O* packs null for a member the card lacks. */
	json_array_append_new(arg,
	    json_pack("{ss sO* sO* ss sI}", "name", p->name, "url",
	        json_object_get(body, "url"), "timezone",
	        json_object_get(body, "timezone"), "tls", p->tls_fp,
	        "card_version", (json_int_t)p->card_version));
	json_decref(card);
	return 0;
}

static int
peers_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	json_t *a = json_array();
	int rc;

	if (n == NULL) {
		json_decref(a);
		return 0;
	}
	if ((rc = PX_STORE_CALL(n->store, peer_list, peer_row, a)) < 0) {
		json_decref(a);
		return px_api_fail(r, rc);
	}
	return px_api_json(r, 200, a);
}

static int
peer_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	struct px_peer *p = NULL;
	char fp[45];
	json_t *o, *chan = NULL;
	int rc;

	if (n == NULL)
		return 0;
	if ((rc = px_peer_load(&p, n, req->params[0])) < 0)
		return px_api_fail(r, rc);
	px_key_fingerprint(fp, p->card.sign_pk);
	o = json_pack("{sssssOsosI}", "name", p->row.name, "fingerprint", fp,
	    "card", p->card.env, "agreement",
	    px_agreement_to_json(&p->agreement), "agreement_version",
	    (json_int_t)p->version);
	if (px_channel_status(&chan, n, p->row.name, px_time_now_ms()) == 0)
		json_object_set(o, "channel", json_array_get(chan, 0));
	json_decref(chan);
	px_peer_free(p);
	return px_api_json(r, 200, o);
}

static int
log_checkpoint(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *note = NULL, *lk, *wk;
	int64_t size;
	int rc;

	if (n == NULL)
		return 0;
	if ((rc = px_log_checkpoint_note(n, -1, &note, &size)) < 0)
		return px_api_fail(r, rc);
	lk = px_node_log_vkey(n);
	wk = px_node_witness_vkey(n);
	rc = px_api_json(r, 200,
	    json_pack("{sssIssssss}", "origin", n->name, "size",
	        (json_int_t)size, "note", note, "log_key", lk, "witness_key",
	        wk));
	free(note);
	free(lk);
	free(wk);
	return rc;
}

static int
log_proof(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *end = NULL, *sz = px_api_query(req, "size");
	long long idx = strtoll(req->params[0], &end, 10);
	int64_t size = sz ? strtoll(sz, NULL, 10) : -1;
	int rc;

	free(sz);
	if (n == NULL)
		return 0;
	if (end == NULL || *end != '\0' || idx < 0)
		return px_problem(r, 400, NULL,
		    "'%s' is not a log index (expected a whole number)",
		    req->params[0]);
	if ((rc = px_log_proof_text(n, idx, size, &r->body)) < 0) {
		px_buf_reset(&r->body);
		return px_api_fail(r, rc);
	}
	r->status = 200;
	r->content_type = "text/plain; charset=utf-8";
	return 0;
}

static int
alert_row(int64_t t, const char *kind, const char *detail, void *arg)
{
	char tm[PX_TIME_STRLEN];

	px_time_format(tm, t);
	json_array_append_new(arg,
	    json_pack("{ssssss}", "time", tm, "kind", kind, "detail", detail));
	return 0;
}

static int
log_alerts(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	json_t *a = json_array();

	if (n == NULL ||
	    PX_STORE_CALL(n->store, alert_list, NULL, alert_row, a) < 0) {
		json_decref(a);
		return n ? px_api_fail(r, PX_ERR) : 0;
	}
	return px_api_json(r, 200, a);
}

/* The bundle goes into the response body (held to the body's cap, so
 * an audit too large for memory fails here; the CLI streams to a file). */
static int
body_write(const void *data, size_t len, void *arg)
{
	return px_buf_add(arg, data, len);
}

static int
audit_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *peer = px_api_query(req, "peer"), *f = px_api_query(req, "from");
	char *t = px_api_query(req, "to");
	int64_t from = INT64_MIN, to = INT64_MAX;
	size_t count;
	int rc;

	if (n == NULL)
		goto out;
	if (peer == NULL) {
		px_problem(r, 400, NULL, "give ?peer=NAME");
		goto out;
	}
	if ((f && (rc = px_time_parse(&from, f, 1)) < 0) ||
	    (t && (rc = px_time_parse(&to, t, 1)) < 0)) {
		px_problem(r, 400, NULL, "%s", px_error_last());
		goto out;
	}
	if ((rc = px_audit_export(n, peer, from, to, body_write, &r->body, NULL,
	         NULL, &count, NULL)) < 0) {
		px_buf_reset(&r->body);
		px_api_fail(r, rc);
		goto out;
	}
	r->status = 200;
	r->content_type = "application/jsonl";
out:
	free(peer);
	free(f);
	free(t);
	return 0;
}

static int
record_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	json_t *o = NULL;
	int rc;

	if (n == NULL)
		return 0;
	if ((rc = px_node_record(&o, n, req->params[0])) < 0)
		return px_api_fail(r, rc);
	return px_api_json(r, 200, o);
}

const struct px_route px_routes_misc[] = {
	{ "GET", "/healthz", healthz, PX_AUTH_NONE, 0, NULL },
	{ "GET", "/metrics", metrics, PX_AUTH_TOKEN, 0, NULL },
	{ "GET", "/api/v1/peers", peers_get, PX_AUTH_TOKEN, 0, NULL },
	{ "GET", "/api/v1/peers/{name}", peer_get, PX_AUTH_TOKEN, 0, NULL },
	{ "GET", "/api/v1/log/checkpoint", log_checkpoint, PX_AUTH_TOKEN, 0,
	    NULL },
	{ "GET", "/api/v1/log/proof/{index}", log_proof, PX_AUTH_TOKEN, 0,
	    NULL },
	{ "GET", "/api/v1/log/alerts", log_alerts, PX_AUTH_TOKEN, 0, NULL },
	{ "GET", "/api/v1/audit", audit_get, PX_AUTH_TOKEN, 0, NULL },
	{ "GET", "/api/v1/record/{hash}", record_get, PX_AUTH_TOKEN, 0, NULL },
};
const size_t px_routes_misc_n = PX_ARRAY_LEN(px_routes_misc);
