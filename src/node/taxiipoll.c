/*
 * Scheduled TAXII pulls (taxiipoll.h).  The state of pull NAME is one
 * JSON object in meta under taxii.poll.NAME: cursor, next_ms, last_ms,
 * ok_ms, error, error_ms, runs, failures, streak, cases.
 */
#include "model/agreement.h"
#include "node/taxii.h"
#include "node/taxiipoll.h"
#include "util/util.h"

#define MIN_EVERY_MS     10000
#define DEFAULT_EVERY_MS (15 * 60 * 1000)

int
px_taxii_polls(struct px_taxii_poll **out, size_t *count, struct px_node *n)
{
	const char *sub;
	int rc = 0;

	*out = NULL;
	*count = 0;
	for (size_t i = 0;
	     rc == 0 && (sub = px_conf_sub(&n->conf, "taxii_pull", i)); i++) {
		struct px_taxii_poll p = { .name = sub };
		struct px_peer_row row = { 0 };
		const char *iv;

#define GET(k) px_conf_get(&n->conf, "taxii_pull", sub, k)
		p.url = GET("url");
		p.coll = GET("collection");
		p.peer = GET("peer");
		p.pin = GET("pin");
		p.tlp = GET("tlp");
		p.token_file = GET("token_file");
		iv = GET("interval");
#undef GET
		p.every_ms = DEFAULT_EVERY_MS;
		if (p.url == NULL || p.coll == NULL || p.peer == NULL)
			rc = px_error_set(
			    PX_EINVAL, "needs url, collection and peer");
		else if (strncmp(p.url, "https://", 8) != 0)
			rc = px_error_set(
			    PX_EINVAL, "url '%s' is not https://...", p.url);
		else if (iv && px_duration_parse(&p.every_ms, iv, 0) < 0)
			rc = px_error_set(PX_EINVAL,
			    "interval '%s' is not a duration (30s, 15m, 1h)",
			    iv);
		else if (p.every_ms < MIN_EVERY_MS)
			rc = px_error_set(
			    PX_EINVAL, "interval '%s' is under 10s", iv);
		else if (p.tlp && PX_WIRE(px_tlp_names, p.tlp) < 0)
			rc = px_error_set(
			    PX_EINVAL, "tlp '%s' is not a marking", p.tlp);
		else if ((rc = PX_STORE_CALL(n->store, peer_get, p.peer,
		              &row)) == PX_ENOTFOUND)
			rc = px_error_set(
			    PX_EINVAL, "peer %s is not enrolled", p.peer);
		px_peer_row_dispose(&row);
		if (rc < 0) {
			px_error_prefix("parley.conf [taxii_pull \"%s\"]", sub);
			break;
		}
		*out = px_realloc(*out, (*count + 1) * sizeof(**out));
		(*out)[(*count)++] = p;
	}
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*count = 0;
	}
	return rc;
}

static char *
state_key(const char *name)
{
	return px_asprintf("taxii.poll.%s", name);
}

/* The pull's state, a new object ({} when it never ran). */
static json_t *
state_load(struct px_node *n, const char *name)
{
	char *key = state_key(name), *v = NULL;
	json_t *st = NULL;

	if (PX_STORE_CALL(n->store, meta_get, key, &v) == 0)
		st = json_loads(v, 0, NULL);
	free(key);
	free(v);
	return json_is_object(st) ? st : (json_decref(st), json_object());
}

static int
state_save(struct px_node *n, const char *name, const json_t *st)
{
	char *key = state_key(name);
	char *v = json_dumps(st, JSON_COMPACT | JSON_SORT_KEYS);
	int rc = PX_STORE_CALL(n->store, meta_set, key, v);

	free(key);
	free(v);
	return rc;
}

static int64_t
num(const json_t *st, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(st, k));
}

/* The token in the file (its first line), heap, or NULL (error set). */
static char *
read_token(struct px_node *n, const char *file)
{
	struct px_buf b;
	char *path = file[0] == '/' ? px_strdup(file)
	                            : px_asprintf("%s/%s", n->dir, file);
	char *t = NULL;

	px_buf_init(&b, 4096);
	if (px_file_read(&b, path, 4096) == 0) {
		size_t len = 0;

		while (
		    len < b.len && b.data[len] != '\n' && b.data[len] != '\r')
			len++;
		t = px_strndup(b.data, len);
	}
	px_buf_dispose(&b);
	free(path);
	return t;
}

/* One run of pull p: its state updated in st. */
static void
run_one(
    struct px_node *n, const struct px_taxii_poll *p, json_t *st, int64_t now)
{
	char cursor[PX_TAXII_CURSOR_LEN];
	char *token = NULL;
	json_t *ids = NULL;
	int rc = 0;

	snprintf(cursor, sizeof(cursor), "%s",
	    json_string_value(json_object_get(st, "cursor")) ?: "");
	if (p->token_file && (token = read_token(n, p->token_file)) == NULL) {
		px_error_prefix("token_file %s", p->token_file);
		rc = PX_EINVAL;
	}
	if (rc == 0) {
		struct px_taxii_remote r = { .api_root = p->url,
			.coll = p->coll,
			.peer = p->peer,
			.pin = p->pin,
			.token = token };

		rc =
		    px_node_taxii_pull_since(&ids, n, &r, p->tlp, cursor, true);
	}
	json_object_set_new(st, "last_ms", json_integer(now));
	json_object_set_new(st, "runs", json_integer(num(st, "runs") + 1));
	/* What was opened before an error stays opened, and counts. */
	json_object_set_new(st, "cases",
	    json_integer(num(st, "cases") + (json_int_t)json_array_size(ids)));
	if (rc == 0) {
		json_object_set_new(st, "cursor", json_string(cursor));
		json_object_set_new(st, "ok_ms", json_integer(now));
		json_object_set_new(st, "streak", json_integer(0));
	} else {
		json_object_set_new(st, "error", json_string(px_error_last()));
		json_object_set_new(st, "error_ms", json_integer(now));
		json_object_set_new(
		    st, "failures", json_integer(num(st, "failures") + 1));
		json_object_set_new(
		    st, "streak", json_integer(num(st, "streak") + 1));
	}
	json_object_set_new(st, "next_ms", json_integer(now + p->every_ms));
	json_decref(ids);
	free(token);
}

int
px_taxii_poll_due(struct px_node *n, int64_t now, size_t *ran, size_t *failed)
{
	struct px_taxii_poll *ps = NULL;
	size_t np = 0;
	int rc;

	*ran = *failed = 0;
	if ((rc = px_taxii_polls(&ps, &np, n)) < 0)
		return rc;
	for (size_t i = 0; i < np && rc == 0; i++) {
		json_t *st = state_load(n, ps[i].name);
		int64_t fails = num(st, "failures");

		if (num(st, "next_ms") <= now) {
			run_one(n, &ps[i], st, now);
			(*ran)++;
			if (num(st, "failures") > fails)
				(*failed)++;
			rc = state_save(n, ps[i].name, st);
		}
		json_decref(st);
	}
	free(ps);
	return rc;
}

static json_t *
time_or_null(const json_t *st, const char *k)
{
	char t[PX_TIME_STRLEN];

	if (!json_is_integer(json_object_get(st, k)))
		return json_null();
	px_time_format(t, num(st, k));
	return json_string(t);
}

int
px_taxii_poll_status(json_t **out, struct px_node *n)
{
	struct px_taxii_poll *ps = NULL;
	size_t np = 0;
	int rc;

	*out = NULL;
	if ((rc = px_taxii_polls(&ps, &np, n)) < 0)
		return rc;
	*out = json_array();
	for (size_t i = 0; i < np; i++) {
		json_t *st = state_load(n, ps[i].name);
		char iv[32];
		const char *cur =
		    json_string_value(json_object_get(st, "cursor"));
		const char *err =
		    json_string_value(json_object_get(st, "error"));

		px_duration_unparse(iv, sizeof(iv), ps[i].every_ms, 0);
		json_array_append_new(*out,
		    json_pack("{ss ss ss ss ss s:s? so so so so s:s? so sI sI "
		              "sI sI}",
		        "name", ps[i].name, "url", ps[i].url, "collection",
		        ps[i].coll, "peer", ps[i].peer, "interval", iv,
		        "cursor", cur && *cur ? cur : NULL, "next_run",
		        time_or_null(st, "next_ms"), "last_run",
		        time_or_null(st, "last_ms"), "last_ok",
		        time_or_null(st, "ok_ms"), "last_error_at",
		        time_or_null(st, "error_ms"), "last_error", err,
		        "failing", json_boolean(num(st, "streak") > 0), "runs",
		        (json_int_t)num(st, "runs"), "failures",
		        (json_int_t)num(st, "failures"), "consecutive_failures",
		        (json_int_t)num(st, "streak"), "cases",
		        (json_int_t)num(st, "cases")));
		json_decref(st);
	}
	free(ps);
	return 0;
}
