/*
 * GET /api/v1/search?q=TEXT: cases, open and ended, whose title, texts or
 * translations hold TEXT (3 characters at least), or that name TEXT as an
 * observable (read as `--observable` reads it: bare, defanged or typed),
 * newest first (node/search.h).  Viewer role.
 */
#include "api/json.h"
#include "api/routes.h"
#include "net/problem.h"
#include "node/search.h"
#include "util/util.h"

static int
search_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *q = px_api_query(req, "q");
	json_t *out = NULL;
	int rc;

	if (n == NULL)
		goto done;
	if ((rc = px_search(n, q, &out)) < 0)
		px_api_fail(r, rc);
	else
		px_api_json(r, 200, out);
done:
	free(q);
	return 0;
}

const struct px_route px_routes_search[] = {
	{ "GET", "/api/v1/search", search_get, PX_AUTH_TOKEN, 0, NULL },
};
const size_t px_routes_search_n = PX_ARRAY_LEN(px_routes_search);
