/*
 * The peer protocol (docs/protocol.md, "Peer protocol"): what one node's
 * outbox and witness ask another.  Every route needs a client certificate
 * pinned from a peer's card; the transport refuses anything else before
 * these handlers run.
 *
 *   POST /peer/v1/bundles         deliver a bundle; 200 with the receipt
 *                                 bundle, 204 when there is nothing to
 *                                 receipt, 422 when it is refused
 *   GET  /peer/v1/card            this node's signed card
 *   PUT  /peer/v1/card            the caller publishes a new version of its
 *                                 own card (node/cardpush.h); pinned if
 *                                 signed by the key pinned for it
 *   GET  /peer/v1/checkpoint      the latest checkpoint (signed note)
 *   GET  /peer/v1/entries?start=N&end=M
 *                                 log entries [N, M) for the asking peer;
 *                                 entries about other peers are given as
 *                                 their leaf hash only
 *   POST /peer/v1/add-checkpoint  C2SP tlog-witness: cosign the caller's
 *                                 checkpoint given a consistency proof
 */
#include "api/json.h"
#include "api/routes.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "model/bundle.h"
#include "model/canon.h"
#include "model/card.h"
#include "net/problem.h"
#include "node/log.h"
#include "node/transfer.h"
#include "node/witness.h"
#include "util/util.h"

static int
bundles_post(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_app *app = req->app;
	struct px_node *n;
	struct px_import_report rep;
	struct px_buf reply;
	char *peer;
	int rc;

	if ((n = px_api_node(req, r)) == NULL)
		return 0;
	if ((peer = px_api_peer_caller(req, r)) == NULL)
		return 0;
	px_import_report_init(&rep);
	/* The TLS identity must be the bundle's signer. */
	rep.expect_from = peer;
	px_buf_init(&reply, PX_BUNDLE_MAX_BYTES);
	rc =
	    px_node_import(n, req->body, req->body_len, "bundle", &rep, &reply);
	px_metrics_add(app->metrics, PX_C_MSGS_IN, rep.applied + rep.no_effect);
	if (rc < 0 && rep.wrong_sender) {
		px_metrics_add(app->metrics, PX_C_BUNDLES_REFUSED, 1);
		px_problem(r, 403, NULL, "%s", px_error_last());
	} else if (rc < 0 && reply.len > 0) {
		/* Part was applied before a message was refused: the sender
		 * must get the receipts for that part, or it resends it
		 * forever.  The refusal travels in a header. */
		char why[512];

		px_metrics_add(app->metrics, PX_C_BUNDLES_REFUSED, 1);
		snprintf(why, sizeof(why), "%s", px_error_last());
		for (char *c = why; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = ' ';
		r->status = 200;
		r->content_type = "application/json";
		r->extra_headers = px_asprintf("Parley-Refused: %s\r\n", why);
		if (px_buf_add(&r->body, reply.data, reply.len) < 0)
			px_problem(r, 500, NULL, "reply too large");
	} else if (rc < 0) {
		px_metrics_add(app->metrics, PX_C_BUNDLES_REFUSED, 1);
		px_api_fail(r, rc);
	} else {
		px_metrics_add(app->metrics, PX_C_BUNDLES_IN, 1);
		/* An offer, a decision or a receipt may have come: the
		 * evidence worker looks at once (node/transfer.h). */
		px_xfer_kick(app->xfer);
		if (reply.len == 0) {
			r->status = 204;
		} else {
			r->status = 200;
			r->content_type = "application/json";
			if (px_buf_add(&r->body, reply.data, reply.len) < 0)
				px_problem(r, 500, NULL, "reply too large");
		}
	}
	/* Our clock as we answer, so the sender sees a skew between us
	 * before it makes either side refuse the other's messages. */
	{
		char now[PX_TIME_STRLEN], *h;

		px_time_format(now, px_time_now_ms());
		h = px_asprintf("%sParley-Time: %s\r\n",
		    r->extra_headers ? r->extra_headers : "", now);
		free(r->extra_headers);
		r->extra_headers = h;
	}
	px_buf_dispose(&reply);
	px_import_report_dispose(&rep);
	free(peer);
	return 0;
}

static int
card_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	json_t *card = NULL;
	int rc;

	if (n == NULL)
		return 0;
	if ((rc = px_node_card(&card, n)) < 0)
		return px_api_fail(r, rc);
	return px_api_json(r, 200, card);
}

/* The peer's own new card: pinned as `parley peer add` would, but only
 * a card naming the caller, signed by the key pinned for it, at a
 * higher version (px_peer_add without replace).  What changed goes to
 * the log, where the operator sees contacts and roster move. */
static int
card_put(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	struct px_card card = { 0 };
	struct px_peer *old = NULL;
	enum px_peer_added how = PX_PEER_SAME;
	json_t *diff = NULL;
	char fp[45], *peer = NULL, *name = NULL, *what = NULL;
	int rc;

	if (n == NULL || (peer = px_api_peer_caller(req, r)) == NULL)
		return 0;
	what = px_asprintf("the card %s published", peer);
	if ((rc = px_card_parse(
	         &card, req->body ? req->body : "", req->body_len, what)) < 0) {
		rc = px_api_fail(r, rc);
		goto out;
	}
	if (strcmp(card.name, peer) != 0) {
		rc = px_problem_type(r, 403, "urn:parley:problem:forbidden",
		    "Not your card",
		    "the card names %s; %s may publish only its own card",
		    card.name, peer);
		goto out;
	}
	if (px_peer_load(&old, n, peer) < 0) {
		px_error_clear();
		old = NULL;
	}
	if ((rc = px_peer_add(n, req->body, req->body_len, what, false, &how,
	         fp, &name)) < 0) {
		rc = px_api_fail(r, rc);
		goto out;
	}
	if (how == PX_PEER_UPDATED) {
		char *d;

		if (old)
			diff = px_card_contacts_diff(old->card.c, card.c);
		d = diff ? px_canon_string(diff) : NULL;
		fprintf(stderr,
		    "parley: %s published its card version %lld (was %lld); "
		    "pinned%s%s\n",
		    peer, (long long)card.version,
		    old ? (long long)old->card.version : 0LL, d ? ": " : "",
		    d ? d : "");
		free(d);
	}
	rc = px_api_json(r, 200,
	    json_pack("{sI sb}", "card_version", (json_int_t)card.version,
	        "updated", how == PX_PEER_UPDATED));
out:
	json_decref(diff);
	px_peer_free(old);
	if (card.env)
		px_card_dispose(&card);
	free(name);
	free(what);
	free(peer);
	return rc;
}

static int
checkpoint_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *note = NULL;
	int64_t size;
	int rc;

	if (n == NULL)
		return 0;
	if ((rc = px_log_checkpoint_note(n, -1, &note, &size)) < 0)
		return px_api_fail(r, rc);
	r->status = 200;
	r->content_type = "text/plain; charset=utf-8";
	rc = px_buf_adds(&r->body, note);
	snprintf(r->etag, sizeof(r->etag), "ckpt-%lld", (long long)size);
	free(note);
	return rc < 0 ? px_problem(r, 500, NULL, "answer too large") : 0;
}

static int
entries_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *peer, *s1 = NULL, *s2 = NULL;
	int64_t start = 0, end = 0, size = 0;
	json_t *arr;

	if (n == NULL || (peer = px_api_peer_caller(req, r)) == NULL)
		return 0;
	s1 = px_api_query(req, "start");
	s2 = px_api_query(req, "end");
	if (s1)
		start = strtoll(s1, NULL, 10);
	if (px_log_size(n, &size) < 0)
		size = 0;
	end = s2 ? strtoll(s2, NULL, 10) : size;
	free(s1);
	free(s2);
	if (start < 0 || end < start || end > size || end - start > 1000) {
		free(peer);
		return px_problem(r, 400, NULL,
		    "start and end must satisfy 0 <= start <= end <= %lld "
		    "(the log size), at most 1000 entries",
		    (long long)size);
	}
	arr = json_array();
	for (int64_t i = start; i < end; i++) {
		struct px_log_row row = { 0 };
		json_t *env = NULL;

		if (PX_STORE_CALL(n->store, log_get, i, &row) < 0)
			break;
		if (strcmp(row.peer, peer) == 0 &&
		    px_json_parse(&env, (const char *)row.entry, row.len,
		        row.len + 1, "entry") == 0) {
			json_array_append_new(arr,
			    json_pack("{sIso}", "index", (json_int_t)i, "entry",
			        env));
		} else {
			uint8_t h[32];
			char *b;

			px_merkle_leaf_hash(h, row.entry, row.len);
			b = px_b64_encode(h, 32);
			json_array_append_new(arr,
			    json_pack("{sIss}", "index", (json_int_t)i,
			        "leaf_hash", b));
			free(b);
		}
		px_log_row_dispose(&row);
	}
	free(peer);
	return px_api_json(r, 200, arr);
}

/* C2SP tlog-witness add-checkpoint:
 *   old <size>\n
 *   <base64 consistency proof hash>\n ...
 *   \n
 *   <checkpoint signed note>
 */
static int
add_checkpoint(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	struct px_peer *p = NULL;
	struct px_witness_in w = { 0 };
	json_t *sec = NULL, *path = json_array();
	const char *b = req->body, *end = b ? b + req->body_len : NULL;
	const char *line, *note;
	char *peer = NULL, *txt = NULL;
	int64_t old = -1, wsize = 0;
	int rc;

	if (n == NULL || (peer = px_api_peer_caller(req, r)) == NULL)
		goto out;
	if (b == NULL || req->body_len < 6 || strncmp(b, "old ", 4) != 0) {
		px_problem(r, 400, NULL, "expected 'old <size>' first");
		goto out;
	}
	old = strtoll(b + 4, NULL, 10);
	line = memchr(b, '\n', req->body_len);
	while (line && line + 1 < end && line[1] != '\n') {
		const char *nl =
		    memchr(line + 1, '\n', (size_t)(end - line - 1));
		char *h;

		if (nl == NULL)
			break;
		h = px_strndup(line + 1, (size_t)(nl - line - 1));
		json_array_append_new(path, json_string(h));
		free(h);
		line = nl;
	}
	if (line == NULL || line + 2 > end) {
		px_problem(r, 400, NULL,
		    "expected a blank line before the checkpoint");
		goto out;
	}
	note = line + 2;
	txt = px_strndup(note, (size_t)(end - note));
	if ((rc = px_peer_load(&p, n, peer)) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	if (PX_STORE_CALL(n->store, witness_get, peer, &wsize, NULL) < 0)
		wsize = 0;
	if (old != wsize) {
		r->status = 409;
		r->content_type = "text/x.tlog.size";
		px_buf_putf(&r->body, "%lld\n", (long long)wsize);
		goto out;
	}
	sec = json_pack("{sss[{sIsO}]s[]s[]}", "checkpoint", txt, "consistency",
	    "from", (json_int_t)old, "path", path, "proofs", "cosignatures");
	if ((rc = px_log_section_check(
	         &w, n, p, sec, NULL, 0, "add-checkpoint")) < 0) {
		px_problem(r, 403, NULL, "%s", px_error_last());
		goto out;
	}
	{
		struct px_buf log;

		px_buf_init(&log, PX_BUF_NOCAP);
		rc = px_witness_apply(n, p, &w, px_time_now_ms(), &log);
		px_buf_dispose(&log);
	}
	if (rc < 0) {
		px_problem(r, 422, NULL, "%s", px_error_last());
		goto out;
	}
	rc = px_witness_cosignature(n, peer, (int64_t)w.size, &r->body);
	if (rc < 0) {
		px_problem(r, 409, NULL, "not cosigned: %s", px_error_last());
		goto out;
	}
	r->status = 200;
	r->content_type = "text/plain; charset=utf-8";
out:
	px_witness_in_dispose(&w);
	px_peer_free(p);
	json_decref(sec);
	json_decref(path);
	free(peer);
	free(txt);
	return 0;
}

const struct px_route px_routes_peer[] = {
	/* The outbox sends at most PX_OUTBOX_BATCH messages a bundle;
	 * 16 MiB leaves room without letting one request claim GBs.  A
	 * bundle is parsed whole (several times its size in memory): large
	 * ones are imported one at a time. */
	{ "POST", "/peer/v1/bundles", bundles_post, PX_AUTH_PEER, 16u << 20,
	    "application/json", PX_ROUTE_SERIAL },
	{ "GET", "/peer/v1/card", card_get, PX_AUTH_PEER, 0, NULL },
	{ "PUT", "/peer/v1/card", card_put, PX_AUTH_PEER, PX_CARD_MAX_BYTES,
	    "application/json" },
	{ "GET", "/peer/v1/checkpoint", checkpoint_get, PX_AUTH_PEER, 0, NULL },
	{ "GET", "/peer/v1/entries", entries_get, PX_AUTH_PEER, 0, NULL },
	{ "POST", "/peer/v1/add-checkpoint", add_checkpoint, PX_AUTH_PEER,
	    1 << 20, NULL },
};
const size_t px_routes_peer_n = PX_ARRAY_LEN(px_routes_peer);
