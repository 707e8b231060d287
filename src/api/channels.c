/*
 * What holds the channels with peers up (docs/channel.md), for the
 * console's banner and for monitoring.
 *
 *   GET  /api/v1/channels               every peer's channel status
 *   GET  /api/v1/channels/{peer}        one peer's
 *   POST /api/v1/channels/{peer}/retry  cut the outbox's wait short and
 *                                       deliver now (duty role); 202
 */
#include "api/app.h"
#include "api/json.h"
#include "api/routes.h"
#include "net/problem.h"
#include "node/channel.h"
#include "node/outbox.h"
#include "util/util.h"

static int
channels_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	const char *peer = req->nparams ? req->params[0] : NULL;
	json_t *st = NULL;
	int rc;

	if (n == NULL)
		return 0;
	if ((rc = px_channel_status(&st, n, peer, px_time_now_ms())) < 0)
		return px_api_fail(r, rc);
	if (peer) {
		json_t *one = json_incref(json_array_get(st, 0));

		json_decref(st);
		return px_api_json(r, 200, one);
	}
	return px_api_json(r, 200, st);
}

static int
channel_retry(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_app *a = req->app;
	struct px_node *n = px_api_node(req, r);
	json_t *st = NULL;
	int rc;

	if (n == NULL)
		return 0;
	if ((rc = px_channel_status(&st, n, req->params[0], px_time_now_ms())) <
	    0)
		return px_api_fail(r, rc);
	if (a->outbox)
		px_outbox_retry(a->outbox, req->params[0]);
	{
		json_t *one = json_incref(json_array_get(st, 0));

		json_decref(st);
		return px_api_json(r, 202, one);
	}
}

const struct px_route px_routes_channels[] = {
	{ "GET", "/api/v1/channels", channels_get, PX_AUTH_TOKEN, 0, NULL },
	{ "GET", "/api/v1/channels/{peer}", channels_get, PX_AUTH_TOKEN, 0,
	    NULL },
	{ "POST", "/api/v1/channels/{peer}/retry", channel_retry, PX_AUTH_TOKEN,
	    0, NULL },
};
const size_t px_routes_channels_n = PX_ARRAY_LEN(px_routes_channels);
