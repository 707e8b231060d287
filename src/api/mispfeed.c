/*
 * The MISP feed a MISP instance subscribes to (docs/interop.md, "Serving
 * the MISP feed"), read-only, one per TAXII collection the caller may
 * read:
 *
 *   GET /misp/                      the feeds the caller may read
 *   GET /misp/{c}/manifest.json     each event's uuid to its summary
 *   GET /misp/{c}/hashes.csv        MD5 of each attribute value, event uuid
 *   GET /misp/{c}/{uuid}.json       one event, {"Event": {...}}
 *
 * Credentials are TAXII's (a pinned peer certificate, an analyst token
 * as HTTP Basic password or Bearer: MISP sends a feed's configured
 * headers), and so is the choke point: a case enters a feed as it enters
 * the collection (PX_OUT_TAXII), exercises never.  The files are the
 * bytes `parley export --format misp-feed` writes for the same cases.
 */
#include "api/collections.h"
#include "api/json.h"
#include "api/routes.h"
#include "formats/misp.h"
#include "node/interop.h"
#include "util/util.h"

static int
answer_text(
    struct px_http_resp *r, const char *type, const char *text, size_t len)
{
	px_buf_reset(&r->body);
	px_buf_put(&r->body, text, len);
	r->status = 200;
	r->content_type = type;
	return 0;
}

static int
answer_json_file(struct px_http_resp *r, const json_t *v)
{
	char *text = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
	char *line = px_asprintf("%s\n", text);

	answer_text(r, "application/json", line, strlen(line));
	free(text);
	free(line);
	return 0;
}

/* A 404 as the API answers it. */
static int
not_found(struct px_http_resp *r, const char *what)
{
	px_error_set(PX_ENOTFOUND, "%s", what);
	return px_api_fail(r, PX_ENOTFOUND);
}

static int
feeds(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_api_coll *cs;
	size_t n;
	json_t *arr;

	if (px_api_colls_for(req, r, &cs, &n) == NULL) {
		r->content_type = "application/json";
		return 0;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		char *url = req->host
		    ? px_asprintf("https://%s/misp/%s", req->host, cs[i].id)
		    : px_asprintf("/misp/%s", cs[i].id);

		json_array_append_new(arr,
		    json_pack("{ss ss ss* so}", "id", cs[i].id, "title",
		        cs[i].title, "peer", cs[i].peer, "url",
		        json_string(url)));
		free(url);
	}
	px_api_colls_free(cs, n);
	return px_api_json(r, 200, json_pack("{so}", "feeds", arr));
}

static int
feed_file(const struct px_http_req *req, struct px_http_resp *r)
{
	const char *f = req->params[1];
	struct px_api_coll *cs, *c = NULL;
	struct px_node *n;
	json_t *evs = NULL;
	size_t nc, i;
	const json_t *ev;

	if ((n = px_api_colls_for(req, r, &cs, &nc)) == NULL) {
		r->content_type = "application/json";
		return 0;
	}
	for (i = 0; i < nc; i++)
		if (strcmp(cs[i].id, req->params[0]) == 0)
			c = &cs[i];
	/* A feed not shared with the caller is not there for it. */
	if (c == NULL) {
		not_found(r, "no MISP feed here by that id");
		goto out;
	}
	if (px_node_misp_feed_events(&evs, n, c->peer, c->tlp) < 0) {
		px_api_fail(r, PX_ERR);
		goto out;
	}
	if (strcmp(f, "manifest.json") == 0) {
		json_t *m = json_object();

		json_array_foreach(evs, i, ev)
		{
			json_object_set_new(m,
			    json_string_value(json_object_get(
			        json_object_get(ev, "Event"), "uuid")),
			    px_misp_manifest_entry(ev));
		}
		answer_json_file(r, m);
		json_decref(m);
	} else if (strcmp(f, "hashes.csv") == 0) {
		struct px_buf b;

		px_buf_init(&b, PX_BUF_NOCAP);
		json_array_foreach(evs, i, ev) px_misp_hashes(&b, ev);
		answer_text(r, "text/csv", b.data ? b.data : "", b.len);
		px_buf_dispose(&b);
	} else {
		size_t fl = strlen(f);
		bool done = false;

		json_array_foreach(evs, i, ev)
		{
			const char *u = json_string_value(json_object_get(
			    json_object_get(ev, "Event"), "uuid"));

			if (!done && fl == strlen(u) + 5 &&
			    strncmp(f, u, strlen(u)) == 0 &&
			    strcmp(f + strlen(u), ".json") == 0) {
				answer_json_file(r, ev);
				done = true;
			}
		}
		if (!done)
			not_found(r,
			    "no such file in this MISP feed (manifest.json, "
			    "hashes.csv or EVENT-UUID.json of an event "
			    "in the manifest)");
	}
out:
	json_decref(evs);
	px_api_colls_free(cs, nc);
	return 0;
}

const struct px_route px_routes_mispfeed[] = {
	{ "GET", "/misp/", feeds, PX_AUTH_NONE, 0, NULL, 0 },
	{ "GET", "/misp/{c}/{f}", feed_file, PX_AUTH_NONE, 0, NULL, 0 },
};
const size_t px_routes_mispfeed_n = PX_ARRAY_LEN(px_routes_mispfeed);
