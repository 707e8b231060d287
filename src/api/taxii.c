/*
 * TAXII 2.1 server at /taxii2/ (OASIS TAXII 2.1; docs/interop.md, "TAXII
 * 2.1", says what is served and to whom).
 *
 *   GET  /taxii2/                                   discovery
 *   GET  /taxii2/api/                               the one API root
 *   GET  /taxii2/api/collections/                   those the caller may see
 *   GET  /taxii2/api/collections/{c}/               one
 *   GET  /taxii2/api/collections/{c}/objects/       envelope, paged
 *   POST /taxii2/api/collections/{c}/objects/       202 with a status
 *   GET  /taxii2/api/collections/{c}/objects/{o}/   one object
 *   GET  /taxii2/api/collections/{c}/objects/{o}/versions/
 *   GET  /taxii2/api/collections/{c}/manifest/
 *   GET  /taxii2/api/status/{s}/
 *
 * Collections: one per enrolled peer ("cases with PEER": every case with
 * that peer, read by that peer and this node's token holders) and one per
 * community marking (TLP:CLEAR and TLP:GREEN cases, read by every pinned
 * peer and token holder).  Cases enter them through the choke point
 * (px_node_taxii_objects, PX_OUT_TAXII), so a TLP:RED case is only ever
 * in the collection of its other party.  A collection is brought up to
 * date when it is read: the objects of cases changed since its last sync
 * are added at the next log positions.  Pages are cut by log position
 * (`next` is "p" and the last position served), never by time.
 *
 * Authentication is the handler's (the routes are PX_AUTH_NONE): a pinned
 * peer's certificate, or an analyst token as "Bearer TOKEN" or HTTP Basic
 * with the token as the password (TAXII clients speak Basic).  Errors are
 * TAXII error objects, not problem+json.
 */
#include "api/collections.h"
#include "api/json.h"
#include "api/routes.h"
#include "formats/stix.h"
#include "formats/taxii.h"
#include "node/interop.h"
#include "util/util.h"

#define TAXII_NS       "5ee0a7c4-6b1d-4c1e-9f37-7061726c6579"
#define DEFAULT_PAGE   100
#define POST_MAX_BYTES (16u << 20)

/* Who asks: a pinned peer, or a token holder with its role. */
struct who {
	char *peer; /* heap, or NULL */
	int role;   /* -1: no token */
};

/* A collection as this request sees it. */
struct coll {
	char id[PX_UUID_STRLEN];
	char *title, *desc;
	char *peer;       /* a per-peer collection's peer (heap), or NULL */
	enum px_tlp tlp;  /* a community collection's marking */
	bool read, write; /* for the asker */
};

static void
coll_dispose(struct coll *c)
{
	free(c->title);
	free(c->desc);
	free(c->peer);
}

/* A TAXII error object (section 3.6.1) with `status`. */
static int terr(struct px_http_resp *r, int status, const char *title,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
terr(
    struct px_http_resp *r, int status, const char *title, const char *fmt, ...)
{
	char desc[600], code[8];
	va_list ap;
	json_t *o;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	snprintf(code, sizeof(code), "%d", status);
	o = json_pack("{ss ss ss}", "title", title, "description", desc,
	    "http_status", code);
	px_buf_reset(&r->body);
	(void)px_api_json(r, status, o);
	r->content_type = PX_TAXII_MEDIA;
	return 0;
}

static int
answer(struct px_http_resp *r, int status, json_t *o)
{
	int rc = px_api_json(r, status, o);

	r->content_type = PX_TAXII_MEDIA;
	return rc;
}

/* The token in "Bearer T" or "Basic base64(user:T)", heap, or NULL. */
static char *
token_of(const char *auth)
{
	uint8_t raw[512];
	size_t n = 0;
	const char *colon;

	if (auth == NULL)
		return NULL;
	if (strncasecmp(auth, "Bearer ", 7) == 0)
		return px_strdup(auth + 7 + strspn(auth + 7, " "));
	if (strncasecmp(auth, "Basic ", 6) != 0 ||
	    px_b64_decode(
	        raw, sizeof(raw) - 1, &n, auth + 6 + strspn(auth + 6, " ")) < 0)
		return NULL;
	raw[n] = '\0';
	if (memchr(raw, '\0', n) != NULL ||
	    (colon = strchr((char *)raw, ':')) == NULL)
		return NULL;
	return px_strdup(colon + 1);
}

/*
 * The common start of every handler: the Accept header, this thread's
 * node, who asks.  Returns the node, or NULL having answered (406, 503,
 * 401).
 */
static struct px_node *
begin_as(const struct px_http_req *req, struct px_http_resp *r, struct who *w,
    bool taxii)
{
	struct px_node *n;
	char *tok = NULL, *name = NULL;

	w->peer = NULL;
	w->role = -1;
	if (taxii && !px_taxii_accepts(req->accept, PX_TAXII_MEDIA)) {
		terr(r, 406, "Not Acceptable",
		    "this endpoint answers %s only; the Accept header was '%s'",
		    PX_TAXII_MEDIA, req->accept);
		return NULL;
	}
	if ((n = px_app_node(req->app)) == NULL) {
		terr(r, 503, "Unavailable", "the node store cannot be opened");
		return NULL;
	}
	if (req->peer_fp != NULL)
		w->peer = px_app_peer_by_fp(req->app, req->peer_fp);
	/* Both may be presented (a peer's tool with an analyst token of
	 * ours): the asker may then do what either allows. */
	if ((tok = token_of(req->authorization)) != NULL) {
		if (px_app_token(req->app, tok, &name, &w->role) < 0)
			w->role = -1;
		free(name);
		free(tok);
	}
	if (w->peer == NULL && w->role < 0) {
		terr(r, 401, "Unauthorized",
		    "present an analyst token (HTTP Basic with the token as "
		    "the password, or Bearer) or a pinned peer certificate");
		free(r->extra_headers);
		r->extra_headers = px_strdup(
		    "WWW-Authenticate: Basic realm=\"parley TAXII\"\r\n");
		return NULL;
	}
	return n;
}

static struct px_node *
begin(const struct px_http_req *req, struct px_http_resp *r, struct who *w)
{
	return begin_as(req, r, w, true);
}

static void
who_dispose(struct who *w)
{
	free(w->peer);
}

/* --- collections --------------------------------------------------------- */

struct colls {
	struct coll *v;
	size_t n;
	const struct who *w;
};

static void
colls_dispose(struct colls *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		coll_dispose(&cs->v[i]);
	free(cs->v);
}

static struct coll *
colls_add(struct colls *cs)
{
	cs->v = px_realloc(cs->v, (cs->n + 1) * sizeof(*cs->v));
	memset(&cs->v[cs->n], 0, sizeof(cs->v[0]));
	return &cs->v[cs->n++];
}

static int
add_peer_coll(const struct px_peer_row *p, void *arg)
{
	struct colls *cs = arg;
	const struct who *w = cs->w;
	bool theirs = w->peer != NULL && strcmp(w->peer, p->name) == 0;
	struct coll *c;
	char *name;

	if (!theirs && w->role < 0)
		return 0;
	c = colls_add(cs);
	name = px_asprintf("taxii|peer|%s", p->name);
	px_uuid5(c->id, TAXII_NS, name);
	free(name);
	c->peer = px_strdup(p->name);
	c->tlp = PX_TLP_RED;
	c->title = px_asprintf("Cases with %s", p->name);
	c->desc = px_asprintf("The cases this node shares with %s, every "
	                      "marking, as STIX 2.1; read by %s and this "
	                      "node's analysts",
	    p->name, p->name);
	c->read = true;
	c->write = theirs || w->role >= PX_ROLE_ANALYST;
	return 0;
}

/* The collections the asker may see, in a fixed order. */
static int
colls_load(struct colls *cs, struct px_node *n, const struct who *w)
{
	static const enum px_tlp community[] = { PX_TLP_CLEAR, PX_TLP_GREEN };

	memset(cs, 0, sizeof(*cs));
	cs->w = w;
	for (size_t i = 0; i < PX_ARRAY_LEN(community); i++) {
		struct coll *c = colls_add(cs);
		char *name = px_asprintf(
		    "taxii|tlp|%s", px_tlp_names[community[i]].wire);

		px_uuid5(c->id, TAXII_NS, name);
		free(name);
		c->tlp = community[i];
		c->title =
		    px_asprintf("%s cases", px_tlp_names[community[i]].label);
		c->desc = px_asprintf("The community's share: every case "
		                      "marked %s, as STIX 2.1",
		    px_tlp_names[community[i]].label);
		c->read = true;
		c->write = w->role >= PX_ROLE_ANALYST;
	}
	return PX_STORE_CALL(n->store, peer_list, add_peer_coll, cs);
}

static json_t *
coll_json(const struct coll *c)
{
	return json_pack("{ss ss ss sb sb s[s]}", "id", c->id, "title",
	    c->title, "description", c->desc, "can_read", c->read, "can_write",
	    c->write, "media_types", PX_STIX_MEDIA);
}

/* The collection `id` if the asker may see it (its copy in *out), else
 * a 404 answered (one not shared with the asker is not there for it). */
static int
coll_find(struct coll *out, struct px_http_resp *r, struct px_node *n,
    const struct who *w, const char *id)
{
	struct colls cs;
	int rc;

	if ((rc = colls_load(&cs, n, w)) < 0) {
		colls_dispose(&cs);
		return terr(r, 500, "Server error", "%s", px_error_last()), -1;
	}
	for (size_t i = 0; i < cs.n; i++)
		if (strcmp(cs.v[i].id, id) == 0) {
			*out = cs.v[i];
			cs.v[i] = cs.v[--cs.n];
			colls_dispose(&cs);
			return 0;
		}
	colls_dispose(&cs);
	terr(r, 404, "Not Found", "no collection %s here", id);
	return -1;
}

/* --- sync: cases into collections ---------------------------------------- */

struct pick {
	const struct coll *c;
	int64_t since;
	char **ids;
	size_t n;
	int64_t top;
};

static int
pick_case(const struct px_case_row *row, void *arg)
{
	struct pick *p = arg;

	/* Exercises stay out of every collection (docs/exercises.md). */
	if (row->updated_ms <= p->since || row->exercise != NULL)
		return 0;
	if (p->c->peer == NULL &&
	    strcmp(row->tlp, px_tlp_names[p->c->tlp].wire) != 0)
		return 0;
	p->ids = px_realloc(p->ids, (p->n + 1) * sizeof(*p->ids));
	p->ids[p->n++] = px_strdup(row->id);
	if (row->updated_ms > p->top)
		p->top = row->updated_ms;
	return 0;
}

static int
put_object(struct px_node *n, const char *coll, json_t *o, int64_t now,
    char ver[PX_TIME_STRLEN], bool *added)
{
	const char *id = json_string_value(json_object_get(o, "id"));
	const char *type = json_string_value(json_object_get(o, "type"));
	const char *spec =
	    json_string_value(json_object_get(o, "spec_version"));
	char *body;
	int rc;

	if (id == NULL || type == NULL ||
	    strncmp(id, type, strlen(type)) != 0 ||
	    strncmp(id + strlen(type), "--", 2) != 0 ||
	    !px_uuid_valid(id + strlen(type) + 2))
		return px_error_set(
		    PX_EINVAL, "an object needs a type and an id TYPE--UUID");
	if ((rc = px_taxii_version(ver, o, now)) < 0)
		return rc;
	body = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	rc = PX_STORE_CALL(n->store, taxii_put,
	    &(struct px_taxii_row){ .coll = coll,
	        .id = id,
	        .type = type,
	        .version = ver,
	        .spec_version = spec ? spec : "2.1",
	        .added_ms = now,
	        .body = body },
	    added);
	free(body);
	return rc;
}

/*
 * Adds the objects of the collection's cases changed since its last sync
 * (kept in meta as taxii.sync.ID).  The cases are exported first and the
 * objects written after, in one short transaction, so a sync of many
 * cases does not hold the store's write lock while it replays them.  A
 * case the choke point keeps out is skipped.  The mark kept is below the
 * time the cases were listed, so a case changed while this runs is
 * picked up by the next read (re-adding what it holds is a no-op).
 */
static int
coll_sync(struct px_node *n, const struct coll *c)
{
	struct pick p = { .c = c };
	struct px_case_filter f = { .peer = c->peer };
	char *key = px_asprintf("taxii.sync.%s", c->id), *v = NULL;
	int64_t now = px_time_now_ms();
	json_t *all = json_array(), *o;
	bool began = false;
	size_t k;
	int rc;

	if ((rc = PX_STORE_CALL(n->store, meta_get, key, &v)) == 0)
		p.since = strtoll(v, NULL, 10);
	else if (rc != PX_ENOTFOUND)
		goto out;
	p.top = p.since;
	if ((rc = PX_STORE_CALL(n->store, case_list, &f, pick_case, &p)) < 0)
		goto out;
	if (p.n == 0) {
		rc = 0;
		goto out;
	}
	for (size_t i = 0; i < p.n && rc == 0; i++) {
		json_t *objs = NULL;

		rc = px_node_taxii_objects(&objs, n, p.ids[i],
		    c->peer ? PX_AUD_PARTY : PX_AUD_COMMUNITY, c->peer, NULL);
		if (rc == PX_EPERM)
			rc = 0;
		else if (rc == 0)
			json_array_extend(all, objs);
		json_decref(objs);
	}
	if (rc < 0 || (rc = PX_STORE_CALL0(n->store, begin)) < 0)
		goto out;
	began = true;
	json_array_foreach(all, k, o)
	{
		char ver[PX_TIME_STRLEN];
		bool added;

		if (rc == 0)
			rc = put_object(n, c->id, o, now, ver, &added);
	}
	if (rc == 0) {
		char top[24];

		snprintf(top, sizeof(top), "%lld",
		    (long long)(p.top < now ? p.top : now - 1));
		rc = PX_STORE_CALL(n->store, meta_set, key, top);
	}
out:
	if (began && rc == 0)
		rc = PX_STORE_CALL0(n->store, commit);
	else if (began)
		PX_STORE_CALL0(n->store, rollback);
	json_decref(all);
	for (size_t i = 0; i < p.n; i++)
		free(p.ids[i]);
	free(p.ids);
	free(key);
	free(v);
	return rc;
}

/* --- what the MISP feed shares (api/collections.h) ----------------------- */

struct px_node *
px_api_colls_for(const struct px_http_req *req, struct px_http_resp *r,
    struct px_api_coll **out, size_t *nout)
{
	struct who w;
	struct px_node *n = begin_as(req, r, &w, false);
	struct colls cs;

	*out = NULL;
	*nout = 0;
	if (n == NULL)
		return NULL;
	if (colls_load(&cs, n, &w) < 0) {
		terr(r, 500, "Server error", "%s", px_error_last());
		n = NULL;
		goto out;
	}
	*out = px_calloc(cs.n ? cs.n : 1, sizeof(**out));
	for (size_t i = 0; i < cs.n; i++) {
		struct px_api_coll *c = &(*out)[(*nout)++];

		memcpy(c->id, cs.v[i].id, PX_UUID_STRLEN);
		c->title = px_strdup(cs.v[i].title);
		c->peer = cs.v[i].peer ? px_strdup(cs.v[i].peer) : NULL;
		c->tlp = cs.v[i].tlp;
	}
out:
	colls_dispose(&cs);
	who_dispose(&w);
	return n;
}

void
px_api_colls_free(struct px_api_coll *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].title);
		free(v[i].peer);
	}
	free(v);
}

/* --- handlers ------------------------------------------------------------ */

static char *
base_url(const struct px_http_req *req)
{
	return req->host ? px_asprintf("https://%s/taxii2/", req->host)
	                 : px_strdup("/taxii2/");
}

static int
discovery(const struct px_http_req *req, struct px_http_resp *r)
{
	struct who w;
	struct px_node *n = begin(req, r, &w);
	char *base, *api;
	json_t *o;

	if (n == NULL)
		return 0;
	base = base_url(req);
	api = px_asprintf("%sapi/", base);
	o = json_pack("{s:s, s:s, s:s, s:[s]}", "title",
	    "parley TAXII 2.1 server", "description",
	    "The cases of this parley node that their markings let the asker "
	    "read, as STIX 2.1",
	    "default", api, "api_roots", api);
	free(base);
	free(api);
	who_dispose(&w);
	return answer(r, 200, o);
}

static int
api_root(const struct px_http_req *req, struct px_http_resp *r)
{
	struct who w;
	struct px_node *n = begin(req, r, &w);
	json_t *o;

	if (n == NULL)
		return 0;
	o = json_pack("{s:s, s:s, s:[s], s:i}", "title", "parley cases",
	    "description", "Collections per peer and per community marking",
	    "versions", PX_TAXII_MEDIA, "max_content_length",
	    (json_int_t)POST_MAX_BYTES);
	who_dispose(&w);
	return answer(r, 200, o);
}

static int
collections(const struct px_http_req *req, struct px_http_resp *r)
{
	struct who w;
	struct px_node *n = begin(req, r, &w);
	struct colls cs;
	json_t *arr;
	int rc;

	if (n == NULL)
		return 0;
	if ((rc = colls_load(&cs, n, &w)) < 0) {
		terr(r, 500, "Server error", "%s", px_error_last());
		goto out;
	}
	arr = json_array();
	for (size_t i = 0; i < cs.n; i++)
		json_array_append_new(arr, coll_json(&cs.v[i]));
	answer(r, 200, json_pack("{s:o}", "collections", arr));
out:
	colls_dispose(&cs);
	who_dispose(&w);
	return 0;
}

static int
collection(const struct px_http_req *req, struct px_http_resp *r)
{
	struct who w;
	struct px_node *n = begin(req, r, &w);
	struct coll c;

	if (n == NULL)
		return 0;
	if (coll_find(&c, r, n, &w, req->params[0]) == 0) {
		answer(r, 200, coll_json(&c));
		coll_dispose(&c);
	}
	who_dispose(&w);
	return 0;
}

/* What one page of a listing gathers. */
enum listing { L_OBJECTS, L_MANIFEST, L_VERSIONS };

struct page {
	enum listing kind;
	const struct px_taxii_query *q;
	int64_t limit;
	json_t *items;
	int64_t first_ms, last_ms, last_pos;
	bool more;
};

static int
page_row(const struct px_taxii_row *row, void *arg)
{
	struct page *p = arg;
	char added[PX_TIME_STRLEN];
	json_t *item;

	if (!px_taxii_match(p->q, row))
		return 0;
	if ((int64_t)json_array_size(p->items) == p->limit) {
		p->more = true;
		return 1;
	}
	px_time_format(added, row->added_ms);
	if (p->kind == L_OBJECTS) {
		if ((item = json_loads(row->body, 0, NULL)) == NULL)
			return px_error_set(PX_ERR,
			    "stored TAXII object %s is not JSON", row->id);
	} else if (p->kind == L_MANIFEST)
		item = json_pack("{ss ss ss ss}", "id", row->id, "date_added",
		    added, "version", row->version, "media_type",
		    PX_STIX_MEDIA);
	else
		item = json_string(row->version);
	json_array_append_new(p->items, item);
	if (json_array_size(p->items) == 1)
		p->first_ms = row->added_ms;
	p->last_ms = row->added_ms;
	p->last_pos = row->pos;
	return 0;
}

/* The objects, manifest and versions endpoints, and one object: `oid`
 * NULL for the whole collection. */
static int
listing(const struct px_http_req *req, struct px_http_resp *r,
    enum listing kind, const char *oid)
{
	struct who w;
	struct px_node *n = begin(req, r, &w);
	struct px_taxii_query q;
	struct coll c;
	struct page p = { .kind = kind, .q = &q };
	const char *key = kind == L_OBJECTS ? "objects"
	    : kind == L_MANIFEST            ? "objects"
	                                    : "versions";
	json_t *env;
	int rc;

	if (n == NULL)
		return 0;
	if (px_taxii_query_parse(&q, req->query) < 0) {
		terr(r, 400, "Bad Request", "%s", px_error_last());
		goto out_q;
	}
	if (coll_find(&c, r, n, &w, req->params[0]) < 0)
		goto out_q;
	if (!c.read) {
		terr(r, 403, "Forbidden",
		    "collection %s is not readable by "
		    "you",
		    c.id);
		goto out;
	}
	if (kind == L_VERSIONS)
		q.version_all = true;
	if ((rc = coll_sync(n, &c)) < 0) {
		terr(r, 500, "Server error", "%s", px_error_last());
		goto out;
	}
	p.limit = q.limit ? q.limit : DEFAULT_PAGE;
	p.items = json_array();
	rc = PX_STORE_CALL(n->store, taxii_scan, c.id, q.after,
	    q.added_after_ms, oid, page_row, &p);
	if (rc < 0) {
		json_decref(p.items);
		terr(r, 500, "Server error", "%s", px_error_last());
		goto out;
	}
	if (oid != NULL && json_array_size(p.items) == 0 && q.after == 0) {
		json_decref(p.items);
		terr(r, 404, "Not Found", "no object %s in collection %s", oid,
		    c.id);
		goto out;
	}
	env = json_pack("{sb}", "more", p.more);
	if (json_array_size(p.items) > 0) {
		char first[PX_TIME_STRLEN], last[PX_TIME_STRLEN], next[24];

		json_object_set(env, key, p.items);
		px_time_format(first, p.first_ms);
		px_time_format(last, p.last_ms);
		if (p.more) {
			px_taxii_cursor(next, sizeof(next), p.last_pos);
			json_object_set_new(env, "next", json_string(next));
		}
		r->extra_headers = px_asprintf("X-TAXII-Date-Added-First: "
		                               "%s\r\nX-TAXII-Date-Added-Last: "
		                               "%s\r\n",
		    first, last);
	}
	json_decref(p.items);
	answer(r, 200, env);
out:
	coll_dispose(&c);
out_q:
	px_taxii_query_dispose(&q);
	who_dispose(&w);
	return 0;
}

static int
objects_get(const struct px_http_req *req, struct px_http_resp *r)
{
	return listing(req, r, L_OBJECTS, NULL);
}

static int
manifest_get(const struct px_http_req *req, struct px_http_resp *r)
{
	return listing(req, r, L_MANIFEST, NULL);
}

static int
object_get(const struct px_http_req *req, struct px_http_resp *r)
{
	return listing(req, r, L_OBJECTS, req->params[1]);
}

static int
versions_get(const struct px_http_req *req, struct px_http_resp *r)
{
	return listing(req, r, L_VERSIONS, req->params[1]);
}

static int
objects_post(const struct px_http_req *req, struct px_http_resp *r)
{
	struct who w;
	struct px_node *n = begin(req, r, &w);
	struct coll c;
	json_t *env = NULL, *objs, *o, *ok = json_array(), *bad = json_array();
	char sid[PX_UUID_STRLEN], ts[PX_TIME_STRLEN];
	int64_t now = px_time_now_ms();
	json_error_t jerr;
	char *text = NULL;
	size_t i;
	int rc;

	memset(&c, 0, sizeof(c));
	if (n == NULL)
		goto out_w;
	if (!px_taxii_content_is(req->content_type, PX_TAXII_MEDIA)) {
		terr(r, 415, "Unsupported Media Type",
		    "objects are posted as %s, not %s", PX_TAXII_MEDIA,
		    req->content_type ? req->content_type : "(none)");
		goto out_w;
	}
	if (coll_find(&c, r, n, &w, req->params[0]) < 0)
		goto out_w;
	if (!c.write) {
		terr(r, 403, "Forbidden",
		    "collection %s is not writable by you", c.id);
		goto out;
	}
	env = json_loadb(req->body ? req->body : "", req->body_len,
	    JSON_REJECT_DUPLICATES, &jerr);
	objs = json_object_get(env, "objects");
	if (!json_is_array(objs)) {
		terr(r, 422, "Unprocessable Entity",
		    "the body must be a TAXII envelope {\"objects\": [...]}%s%s",
		    env ? "" : ": ", env ? "" : jerr.text);
		goto out;
	}
	if ((rc = PX_STORE_CALL0(n->store, begin)) < 0) {
		terr(r, 500, "Server error", "%s", px_error_last());
		goto out;
	}
	json_array_foreach(objs, i, o)
	{
		const char *id = json_string_value(json_object_get(o, "id"));
		char ver[PX_TIME_STRLEN] = "";
		bool added = false;
		int t = px_taxii_tlp(o);

		/* What peers will read must be STIX 2.1; the most
		 * restrictive TLP the object names, on the whole or on a
		 * property, decides whether it may enter. */
		rc = px_taxii_object_check(o);
		if (rc == 0 && c.peer == NULL && t > (int)c.tlp)
			rc = px_error_set(PX_EPERM,
			    "%s may not enter the %s collection",
			    px_tlp_names[t].label, px_tlp_names[c.tlp].label);
		if (rc == 0)
			rc = put_object(n, c.id, o, now, ver, &added);
		if (rc == 0)
			json_array_append_new(
			    ok, json_pack("{ss ss}", "id", id, "version", ver));
		else if (rc == PX_EINVAL || rc == PX_EPERM)
			json_array_append_new(bad,
			    json_pack("{s:s, s:s}", "id", id ? id : "",
			        "message", px_error_last()));
		else
			break;
	}
	if (rc < 0 && rc != PX_EINVAL && rc != PX_EPERM) {
		PX_STORE_CALL0(n->store, rollback);
		terr(r, 500, "Server error", "%s", px_error_last());
		goto out;
	}
	px_uuid7(sid, now);
	px_time_format(ts, now);
	o = json_pack("{ss ss ss sI sI sO sI sO sI s[]}", "id", sid, "status",
	    "complete", "request_timestamp", ts, "total_count",
	    (json_int_t)json_array_size(objs), "success_count",
	    (json_int_t)json_array_size(ok), "successes", ok, "failure_count",
	    (json_int_t)json_array_size(bad), "failures", bad, "pending_count",
	    (json_int_t)0, "pendings");
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	if ((rc = PX_STORE_CALL(
	         n->store, taxii_status_put, sid, c.id, now, text)) < 0 ||
	    (rc = PX_STORE_CALL0(n->store, commit)) < 0) {
		PX_STORE_CALL0(n->store, rollback);
		json_decref(o);
		terr(r, 500, "Server error", "%s", px_error_last());
		goto out;
	}
	answer(r, 202, o);
out:
	coll_dispose(&c);
out_w:
	free(text);
	json_decref(env);
	json_decref(ok);
	json_decref(bad);
	who_dispose(&w);
	return 0;
}

static int
status_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct who w;
	struct px_node *n = begin(req, r, &w);
	char *coll = NULL, *body = NULL;
	struct coll c;
	json_t *o;
	int rc;

	if (n == NULL)
		return 0;
	rc = PX_STORE_CALL(
	    n->store, taxii_status_get, req->params[0], &coll, &body);
	if (rc == PX_ENOTFOUND) {
		terr(r, 404, "Not Found", "no status %s", req->params[0]);
		goto out;
	}
	if (rc < 0) {
		terr(r, 500, "Server error", "%s", px_error_last());
		goto out;
	}
	/* A status is as private as the collection it was posted to. */
	if (coll_find(&c, r, n, &w, coll) < 0) {
		px_buf_reset(&r->body);
		terr(r, 404, "Not Found", "no status %s", req->params[0]);
		goto out;
	}
	coll_dispose(&c);
	o = json_loads(body, 0, NULL);
	answer(r, 200, o ? o : json_object());
out:
	free(coll);
	free(body);
	who_dispose(&w);
	return 0;
}

#define C "/taxii2/api/collections/{c}"
const struct px_route px_routes_taxii[] = {
	{ "GET", "/taxii2/", discovery, PX_AUTH_NONE, 0, NULL, 0 },
	{ "GET", "/taxii2/api/", api_root, PX_AUTH_NONE, 0, NULL, 0 },
	{ "GET", "/taxii2/api/collections/", collections, PX_AUTH_NONE, 0, NULL,
	    0 },
	{ "GET", C "/", collection, PX_AUTH_NONE, 0, NULL, 0 },
	{ "GET", C "/objects/", objects_get, PX_AUTH_NONE, 0, NULL, 0 },
	{ "POST", C "/objects/", objects_post, PX_AUTH_NONE, POST_MAX_BYTES,
	    NULL, PX_ROUTE_SERIAL },
	{ "GET", C "/objects/{o}/", object_get, PX_AUTH_NONE, 0, NULL, 0 },
	{ "GET", C "/objects/{o}/versions/", versions_get, PX_AUTH_NONE, 0,
	    NULL, 0 },
	{ "GET", C "/manifest/", manifest_get, PX_AUTH_NONE, 0, NULL, 0 },
	{ "GET", "/taxii2/api/status/{s}/", status_get, PX_AUTH_NONE, 0, NULL,
	    0 },
};
#undef C
const size_t px_routes_taxii_n = PX_ARRAY_LEN(px_routes_taxii);
