/*
 * The peer protocol's evidence routes (node/transfer.h,
 * docs/evidence.md "Transfer"): a pinned peer pushing the chunks of an
 * item this node accepted from it.
 *
 *   GET /peer/v1/evidence/{item}                where the transfer stands
 *   PUT /peer/v1/evidence/{item}/list           the chunk digests
 *   PUT /peer/v1/evidence/{item}/chunks/{n}     one chunk frame
 *
 * A chunk is one request of at most 1 MiB and a header, held in memory
 * only while it is checked and written; the upload budget (net/uploads.h)
 * answers 503 with Retry-After when the node holds too many bodies,
 * which the sender takes as backpressure.
 */
#include "api/json.h"
#include "api/routes.h"
#include "model/evidence.h"
#include "net/problem.h"
#include "node/transfer.h"
#include "util/util.h"

static int
item_ok(const char *item, struct px_http_resp *r)
{
	uint8_t h[32];

	if (strlen(item) != 64 || px_hex_decode(h, 32, item) < 0)
		return px_problem(r, 400, NULL,
		    "an item is named by its hash: 64 lowercase hex digits, "
		    "not '%.80s'",
		    item);
	return 0;
}

static int
status_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *peer;
	json_t *st = NULL;
	int rc;

	if (n == NULL || (peer = px_api_peer_caller(req, r)) == NULL)
		return 0;
	if (item_ok(req->params[0], r) == 0) {
		if ((rc = px_xfer_status(&st, n, peer, req->params[0])) < 0)
			px_api_fail(r, rc);
		else
			px_api_json(r, 200, st);
	}
	free(peer);
	return 0;
}

static int
list_put(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *peer;
	int rc;

	if (n == NULL || (peer = px_api_peer_caller(req, r)) == NULL)
		return 0;
	if (item_ok(req->params[0], r) == 0) {
		rc = px_xfer_put_list(
		    n, peer, req->params[0], req->body, req->body_len);
		if (rc < 0)
			px_api_fail(r, rc);
		else
			px_api_json(r, 200, json_pack("{sb}", "ok", 1));
	}
	free(peer);
	return 0;
}

static int
chunk_put(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	const char *ix = req->params[1];
	char *peer, *end = NULL;
	json_t *st = NULL;
	long long index;
	int rc;

	if (n == NULL || (peer = px_api_peer_caller(req, r)) == NULL)
		return 0;
	index = strtoll(ix, &end, 10);
	if (item_ok(req->params[0], r) < 0) {
		/* answered */
	} else if (*ix < '0' || *ix > '9' || *end != '\0' || index < 0) {
		px_problem(r, 400, NULL,
		    "a chunk index is a decimal number, not '%.40s'", ix);
	} else if ((rc = px_xfer_put_chunk(&st, n, peer, req->params[0], index,
	                req->body, req->body_len)) < 0) {
		px_api_fail(r, rc);
	} else {
		px_api_json(r, 200, st);
	}
	free(peer);
	return 0;
}

const struct px_route px_routes_evidence_peer[] = {
	{ "GET", "/peer/v1/evidence/{item}", status_get, PX_AUTH_PEER, 0,
	    NULL },
	/* 32 bytes per chunk: 4 MiB holds the list of a 128 GiB item. */
	{ "PUT", "/peer/v1/evidence/{item}/list", list_put, PX_AUTH_PEER,
	    4u << 20, "application/octet-stream" },
	{ "PUT", "/peer/v1/evidence/{item}/chunks/{index}", chunk_put,
	    PX_AUTH_PEER, PX_EV_CHUNK + PX_EV_FRAME_MAX_HEADER,
	    "application/octet-stream" },
};
const size_t px_routes_evidence_peer_n = PX_ARRAY_LEN(px_routes_evidence_peer);
