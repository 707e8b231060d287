/*
 * The web console: static files served by the node itself.
 *
 *   GET /                  the console (index.html)
 *   GET /static/{name}     its scripts, style sheet and icon
 *
 * No token is needed to fetch the files: they hold no data.  Everything
 * the console shows comes from the analyst API with the user's token.
 * Every answer carries an ETag (the file's hash at build time) and is
 * revalidated on each load, so a new binary is picked up at once.  The
 * Content-Security-Policy allows scripts and styles from this origin only
 * (inline styles are allowed for the review report, which is one offline
 * page shown in a sandboxed frame from a blob: URL).
 */
#include <string.h>

#include "api/routes.h"
#include "net/problem.h"
#include "util/util.h"
#include "web/assets.h"

#define SECURITY_HEADERS                                                   \
	"Content-Security-Policy: default-src 'none'; script-src 'self'; " \
	"style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "   \
	"connect-src 'self'; frame-src blob:; form-action 'none'; "        \
	"base-uri 'none'; frame-ancestors 'none'\r\n"                      \
	"X-Content-Type-Options: nosniff\r\n"                              \
	"Referrer-Policy: no-referrer\r\n"                                 \
	"Cache-Control: no-cache\r\n"

const struct px_web_asset *
px_web_asset(const char *name)
{
	for (size_t i = 0; i < px_web_assets_n; i++)
		if (strcmp(px_web_assets[i].name, name) == 0)
			return &px_web_assets[i];
	return NULL;
}

static int
answer(struct px_http_resp *r, const struct px_web_asset *a)
{
	px_buf_put(&r->body, a->data, a->len);
	r->content_type = a->type;
	snprintf(r->etag, sizeof(r->etag), "%s", a->etag);
	r->extra_headers = px_strdup(SECURITY_HEADERS);
	r->status = 200;
	return 0;
}

static int
index_get(const struct px_http_req *req, struct px_http_resp *r)
{
	const struct px_web_asset *a = px_web_asset("index.html");

	(void)req;
	if (a == NULL)
		return px_problem(
		    r, 404, NULL, "this build has no web console");
	return answer(r, a);
}

static int
static_get(const struct px_http_req *req, struct px_http_resp *r)
{
	const struct px_web_asset *a = px_web_asset(req->params[0]);

	if (a == NULL)
		return px_problem(
		    r, 404, NULL, "no console file '%s'", req->params[0]);
	return answer(r, a);
}

const struct px_route px_routes_web[] = {
	{ "GET", "/", index_get, PX_AUTH_NONE, 0, NULL },
	{ "GET", "/static/{name}", static_get, PX_AUTH_NONE, 0, NULL },
};
const size_t px_routes_web_n = PX_ARRAY_LEN(px_routes_web);
