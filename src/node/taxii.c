/*
 * The TAXII 2.1 client (node/taxii.h).
 */
#include "formats/stix.h"
#include "formats/taxii.h"
#include "net/client.h"
#include "node/feeds.h"
#include "node/interop.h"
#include "node/taxii.h"
#include "util/util.h"

#define PAGE           100
#define RESP_CAP       (32u << 20)
#define MAX_PAGES      100000
#define PULL_TIMEOUTMS 60000

static int
taxii_connect(
    struct px_client **out, struct px_node *n, const struct px_taxii_remote *r)
{
	struct px_peer_row row = { 0 };
	char *cert = px_asprintf("%s/tls/cert.pem", n->dir);
	char *key = px_asprintf("%s/tls/key.pem", n->dir);
	char *base = px_strdup(r->api_root), *hdr = NULL;
	size_t len = strlen(base);
	int rc;

	*out = NULL;
	while (len > 0 && base[len - 1] == '/')
		base[--len] = '\0';
	if ((rc = PX_STORE_CALL(n->store, peer_get, r->peer, &row)) < 0)
		goto out;
	if ((rc = px_client_new(
	         out, base, r->pin ? r->pin : row.tls_fp, cert, key)) < 0)
		goto out;
	if ((rc = px_client_header_add(*out, "Accept: " PX_TAXII_MEDIA)) < 0)
		goto out;
	if (r->token != NULL) {
		char *user = px_asprintf("parley:%s", r->token);
		char *b64 = px_b64_encode((const uint8_t *)user, strlen(user));

		hdr = px_asprintf("Authorization: Basic %s", b64);
		free(user);
		free(b64);
		rc = px_client_header_add(*out, hdr);
	}
out:
	if (rc < 0) {
		px_client_free(*out);
		*out = NULL;
	}
	px_peer_row_dispose(&row);
	free(hdr);
	free(base);
	free(cert);
	free(key);
	return rc;
}

/* The answer's JSON, or PX_EINVAL naming the status and the server's
 * error description. */
static int
answer_json(json_t **out, long status, long want, const struct px_buf *b,
    const char *what)
{
	json_t *o = json_loadb(b->data ? b->data : "", b->len, 0, NULL);
	const char *d = json_string_value(json_object_get(o, "description"));

	if (status != want || !json_is_object(o)) {
		px_error_set(PX_EINVAL, "%s: the server answered %ld%s%s", what,
		    status, d ? ": " : "", d ? d : "");
		json_decref(o);
		return PX_EINVAL;
	}
	*out = o;
	return 0;
}

/* Every object of the collection that `filter` (NULL, or "&name=value"
 * already encoded) selects, following next: a new array.  `last` (may be
 * NULL; at least PX_TAXII_CURSOR_LEN bytes, "" for none yet) keeps the
 * latest X-TAXII-Date-Added-Last the server answered. */
static int
fetch_all(json_t **all, struct px_client *c, const char *coll,
    const char *filter, char *last)
{
	char *next = NULL;
	int rc = 0;

	*all = json_array();
	for (int page = 0; page < MAX_PAGES; page++) {
		char *path = next ? px_asprintf("/collections/%s/objects/"
		                                "?limit=%d%s&next=%s",
		                        coll, PAGE, filter ? filter : "", next)
		                  : px_asprintf("/collections/%s/objects/"
		                                "?limit=%d%s",
		                        coll, PAGE, filter ? filter : "");
		struct px_buf b;
		json_t *env = NULL;
		long status = 0;
		const char *hl;

		px_buf_init(&b, RESP_CAP);
		rc = px_client_request(
		    c, "GET", path, NULL, NULL, 0, &status, &b, PULL_TIMEOUTMS);
		free(path);
		if (rc == 0)
			rc = answer_json(&env, status, 200, &b, "pulling");
		px_buf_dispose(&b);
		if (rc < 0)
			break;
		hl = px_client_response_header(c, "X-TAXII-Date-Added-Last");
		if (last && hl && strlen(hl) < PX_TAXII_CURSOR_LEN &&
		    strspn(hl, "0123456789-:.TZ") == strlen(hl) &&
		    strcmp(hl, last) > 0)
			snprintf(last, PX_TAXII_CURSOR_LEN, "%s", hl);
		json_array_extend(*all, json_object_get(env, "objects"));
		free(next);
		next = NULL;
		if (json_is_true(json_object_get(env, "more"))) {
			const char *nx =
			    json_string_value(json_object_get(env, "next"));

			if (nx == NULL || strpbrk(nx, "&#? %") != NULL)
				rc = px_error_set(PX_EINVAL,
				    "pulling: more objects but no usable "
				    "next cursor");
			else
				next = px_strdup(nx);
		}
		json_decref(env);
		if (rc < 0 || next == NULL)
			break;
	}
	free(next);
	if (rc < 0) {
		json_decref(*all);
		*all = NULL;
	}
	return rc;
}

static bool
is_case_object(const char *type)
{
	return type &&
	    (strcmp(type, "grouping") == 0 || strcmp(type, "report") == 0 ||
	        strcmp(type, "incident") == 0);
}

/* The bundle of case object `g`: it, the objects it names, and every
 * marking-definition pulled. */
static json_t *
case_bundle(const json_t *g, json_t *by_id, const json_t *all)
{
	json_t *objs = json_pack("[O]", g), *ref, *o;
	size_t i;

	json_array_foreach(json_object_get(g, "object_refs"), i, ref)
	{
		json_t *x = json_object_get(by_id, json_string_value(ref));

		if (x != NULL && x != g &&
		    !is_case_object(
		        json_string_value(json_object_get(x, "type"))))
			json_array_append(objs, x);
	}
	json_array_foreach(all, i, o)
	{
		const char *t = json_string_value(json_object_get(o, "type"));

		if (t && strcmp(t, "marking-definition") == 0)
			json_array_append(objs, o);
	}
	return json_pack("{ss ss so}", "type", "bundle", "id",
	    "bundle--00000000-0000-4000-8000-000000000000", "objects", objs);
}

/* Fetches the objects the case objects of `all` reference that a pull
 * since a cursor did not bring (they were added before it), by id, in
 * groups, into `all` and `by_id`. */
static int
fetch_refs(struct px_client *c, const char *coll, json_t *all, json_t *by_id)
{
	json_t *missing = json_array(), *asked = json_object(), *o, *ref;
	size_t i, k;
	int rc = 0;

	json_array_foreach(all, i, o)
	{
		if (!is_case_object(
		        json_string_value(json_object_get(o, "type"))))
			continue;
		json_array_foreach(json_object_get(o, "object_refs"), k, ref)
		{
			const char *id = json_string_value(ref);

			/* Ids go into the query as they are: only those made of
			 * a type, "--" and a UUID. */
			if (id && !json_object_get(by_id, id) &&
			    !json_object_get(asked, id) &&
			    strspn(
			        id, "abcdefghijklmnopqrstuvwxyz0123456789-") ==
			        strlen(id)) {
				json_object_set_new(asked, id, json_true());
				json_array_append(missing, ref);
			}
		}
	}
	for (i = 0; i < json_array_size(missing) && rc == 0; i += 20) {
		struct px_buf q;
		json_t *got = NULL;

		px_buf_init(&q, PX_BUF_NOCAP);
		px_buf_puts(&q, "&match%5Bid%5D=");
		for (k = i; k < i + 20 && k < json_array_size(missing); k++)
			px_buf_putf(&q, "%s%s", k > i ? "," : "",
			    json_string_value(json_array_get(missing, k)));
		px_buf_put(&q, "", 1);
		rc = fetch_all(&got, c, coll, q.data, NULL);
		px_buf_dispose(&q);
		json_array_foreach(got, k, o)
		{
			const char *id =
			    json_string_value(json_object_get(o, "id"));

			if (id != NULL) {
				json_object_set(by_id, id, o);
				json_array_append(all, o);
			}
		}
		json_decref(got);
	}
	json_decref(missing);
	json_decref(asked);
	return rc;
}

int
px_node_taxii_pull(json_t **ids, struct px_node *n,
    const struct px_taxii_remote *r, const char *tlp)
{
	/* A case this node holds already (one it exchanged with the
	 * server's node, shared back in "Cases with PEER") is never opened
	 * again: that would echo it to the peer as a new case. */
	return px_node_taxii_pull_since(ids, n, r, tlp, NULL, true);
}

int
px_node_taxii_pull_events(struct px_node *n, const struct px_taxii_remote *r,
    struct px_feed_file_row *out)
{
	struct px_client *c = NULL;
	struct px_ingest_opts o = {
		.fmt = -1, .tlp = -1, .source = "taxii", .again = true
	};
	json_t *all = NULL, *b;
	char *text = NULL, *name = px_asprintf("taxii-%s", r->coll);
	int rc;

	o.name = name;
	o.path = name;
	if ((rc = taxii_connect(&c, n, r)) < 0 ||
	    (rc = fetch_all(&all, c, r->coll, NULL, NULL)) < 0)
		goto out;
	b = json_pack("{ss ss sO}", "type", "bundle", "id",
	    "bundle--00000000-0000-4000-8000-000000000000", "objects", all);
	text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	rc = px_feed_ingest_stix_text(n, &o, text, strlen(text), out);
out:
	free(text);
	free(name);
	json_decref(all);
	px_client_free(c);
	return rc;
}

/* Whether case object g stands for a case this node holds already (its
 * x_parley_case id, else its parley external reference). */
static bool
held_here(struct px_node *n, const json_t *g)
{
	const char *id = json_string_value(
	    json_object_get(json_object_get(g, "x_parley_case"), "id"));
	const json_t *x;
	char *found = NULL;
	size_t i;
	bool held;

	json_array_foreach(json_object_get(g, "external_references"), i, x)
	{
		const char *src =
		    json_string_value(json_object_get(x, "source_name"));

		if (id == NULL && src && strcmp(src, "parley") == 0)
			id = json_string_value(
			    json_object_get(x, "external_id"));
	}
	if (id == NULL || !px_uuid_valid(id))
		return false;
	held = PX_STORE_CALL(n->store, case_find, id, &found) == 0 && found &&
	    strcmp(found, id) == 0;
	free(found);
	return held;
}

int
px_node_taxii_pull_since(json_t **ids, struct px_node *n,
    const struct px_taxii_remote *r, const char *tlp, char *cursor,
    bool skip_held)
{
	struct px_client *c = NULL;
	json_t *all = NULL, *by_id = json_object(), *o;
	char *filter = NULL;
	size_t i;
	int rc;

	*ids = json_array();
	if (cursor && *cursor)
		filter = px_asprintf("&added_after=%s", cursor);
	if ((rc = taxii_connect(&c, n, r)) < 0 ||
	    (rc = fetch_all(&all, c, r->coll, filter, cursor)) < 0)
		goto out;
	json_array_foreach(all, i, o)
	{
		const char *id = json_string_value(json_object_get(o, "id"));

		if (id != NULL)
			json_object_set(by_id, id, o);
	}
	if (filter && (rc = fetch_refs(c, r->coll, all, by_id)) < 0)
		goto out;
	json_array_foreach(all, i, o)
	{
		const char *t = json_string_value(json_object_get(o, "type"));
		const char *gid = json_string_value(json_object_get(o, "id"));
		char ver[PX_TIME_STRLEN], id[PX_UUID_STRLEN], *key,
		    *seen = NULL, *text;
		json_t *b;
		bool held;

		if (!is_case_object(t) || gid == NULL ||
		    px_taxii_version(ver, o, 0) < 0 ||
		    (skip_held && held_here(n, o)))
			continue;
		key = px_asprintf("taxii.pulled.%s.%s.%s", r->coll, gid, ver);
		if (PX_STORE_CALL(n->store, meta_get, key, &seen) == 0) {
			free(seen);
			free(key);
			continue;
		}
		b = case_bundle(o, by_id, all);
		text = json_dumps(b, JSON_COMPACT);
		json_decref(b);
		rc = px_node_import_stix(
		    id, n, r->peer, text, strlen(text), tlp);
		free(text);
		held =
		    rc == PX_ECONFLICT; /* the same bundle, imported before */
		if (held) {
			px_error_clear();
			rc = 0;
		}
		if (rc == 0)
			rc = PX_STORE_CALL(n->store, meta_set, key, id);
		free(key);
		if (rc < 0) {
			px_error_prefix("importing %s", gid);
			goto out;
		}
		if (!held)
			json_array_append_new(*ids, json_string(id));
	}
out:
	free(filter);
	json_decref(all);
	json_decref(by_id);
	px_client_free(c);
	return rc;
}

int
px_node_taxii_push(json_t **status, struct px_node *n,
    const struct px_taxii_remote *r, const char *const *refs, size_t nrefs)
{
	struct px_client *c = NULL;
	json_t *objs = json_array(), *env;
	char *path = NULL, *text = NULL;
	struct px_buf b;
	long code = 0;
	int rc = 0;

	*status = NULL;
	px_buf_init(&b, RESP_CAP);
	/* Every case passes the choke point before anything is sent. */
	for (size_t i = 0; i < nrefs && rc == 0; i++) {
		json_t *one = NULL;
		char *id = NULL;

		if ((rc = PX_STORE_CALL(n->store, case_find, refs[i], &id)) < 0)
			break;
		rc = px_node_taxii_objects(
		    &one, n, id, PX_AUD_PARTY, r->peer, r->exercise);
		free(id);
		if (rc == 0)
			json_array_extend(objs, one);
		json_decref(one);
	}
	if (rc < 0)
		goto out;
	env = json_pack("{so}", "objects", objs);
	objs = NULL;
	text = json_dumps(env, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(env);
	path = px_asprintf("/collections/%s/objects/", r->coll);
	if ((rc = taxii_connect(&c, n, r)) < 0 ||
	    (rc = px_client_request(c, "POST", path, PX_TAXII_MEDIA, text,
	         strlen(text), &code, &b, PULL_TIMEOUTMS)) < 0)
		goto out;
	rc = answer_json(status, code, 202, &b, "pushing");
out:
	json_decref(objs);
	px_buf_dispose(&b);
	px_client_free(c);
	free(path);
	free(text);
	return rc;
}
