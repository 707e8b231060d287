/*
 * Evidence, findings, assessments and the verifier for analysts
 * (docs/api.md): the same as the CLI's parley evidence, attribution and
 * verifier.
 *
 *   GET  /api/v1/evidence[?case=&state=]       the evidence index
 *   GET  /api/v1/cases/{id}/evidence           the case's items
 *   GET  /api/v1/cases/{id}/evidence/{item}    one item with its custody
 *   POST /api/v1/cases/{id}/evidence           add an uploaded file
 *   POST /api/v1/cases/{id}/evidence/{item}/{action}
 *        offer, accept, decline, accessed, sealed, released, destroyed,
 *        incomplete
 *   POST /api/v1/uploads                       start an upload {size}
 *   PUT  /api/v1/uploads/{id}/{index}          one piece of 1 MiB
 *   POST /api/v1/cases/{id}/findings           a finding
 *   POST /api/v1/cases/{id}/assessments        an assessment
 *   POST /api/v1/cases/{id}/disclose           disclose to a verifier
 *   POST /api/v1/cases/{id}/review             the verifier's review
 *
 * A browser cannot send 4 GiB in one request (and the server holds each
 * body in memory): an upload is a file under DIR/evidence/uploads filled
 * piece by piece, at most 1 MiB a request, then added as an item.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "api/json.h"
#include "api/routes.h"
#include "model/attrib.h"
#include "net/problem.h"
#include "node/attrib.h"
#include "node/evidence.h"
#include "node/transfer.h"
#include "util/util.h"

#define UPLOAD_PIECE (1u << 20)

static const char *
jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A free text given as a string (with "<key>_lang") or as
 * {"lang", "value", "translation": {"lang", "value", "by"}}. */
static struct px_text_in
text_of(const json_t *b, const char *key)
{
	const json_t *v = json_object_get(b, key), *tr;
	struct px_text_in t = { .prefix = "" };
	char k[64];

	if (json_is_string(v)) {
		snprintf(k, sizeof(k), "%s_lang", key);
		t.text = json_string_value(v);
		t.lang = jstr(b, k);
		return t;
	}
	tr = json_object_get(v, "translation");
	t.text = jstr(v, "value");
	t.lang = jstr(v, "lang");
	t.translation = jstr(tr, "value");
	t.translation_lang = jstr(tr, "lang");
	t.translation_by = jstr(tr, "by");
	return t;
}

/* The strings of array member `k` (borrowed from `b`); heap array. */
static const char **
str_list(const json_t *b, const char *k, size_t *n)
{
	const json_t *a = json_object_get(b, k), *v;
	const char **out = px_calloc(json_array_size(a) + 1, sizeof(char *));
	size_t i;

	*n = 0;
	json_array_foreach(a, i, v) if (json_is_string(v)) out[(*n)++] =
	    json_string_value(v);
	return out;
}

/* Who acts, for custody: the body's "by", else the token's name. */
static char *
actor(const struct px_http_req *req, const json_t *b)
{
	char *name = NULL;
	int role;

	if (jstr(b, "by"))
		return px_strdup(jstr(b, "by"));
	if (req->bearer &&
	    px_app_token(req->app, req->bearer, &name, &role) == 0)
		return name;
	return px_strdup("api");
}

static int
sent(struct px_http_resp *r, const struct px_msg *m, int status)
{
	char ref[9];

	px_case_ref(ref, m->case_id);
	return px_api_json(r, status,
	    json_pack("{ss ss ss ss sI}", "case", m->case_id, "ref", ref,
	        "message", m->hash, "type", px_msg_type_names[m->type].wire,
	        "seq", (json_int_t)m->seq));
}

/* --- reading ----------------------------------------------------------- */

static int
index_row(const struct px_evidence_row *r, void *arg)
{
	json_array_append_new(arg, px_ev_row_json(r));
	return 0;
}

static int
index_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *cs = px_api_query(req, "case"), *st = px_api_query(req, "state");
	char *id = NULL;
	struct px_evidence_filter f = { .state = st };
	json_t *a = json_array();
	int rc = 0;

	if (n == NULL)
		goto out;
	if (cs && (rc = PX_STORE_CALL(n->store, case_find, cs, &id)) < 0)
		goto fail;
	f.case_id = id;
	if ((rc = PX_STORE_CALL(n->store, evidence_list, &f, index_row, a)) < 0)
		goto fail;
	px_api_json(r, 200, a);
	a = NULL;
	goto out;
fail:
	px_api_fail(r, rc);
out:
	json_decref(a);
	free(cs);
	free(st);
	free(id);
	return 0;
}

static int
case_items_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	struct px_case c;
	int rc;

	if (n == NULL)
		return 0;
	px_case_init(&c);
	if ((rc = px_node_case_load(&c, n, req->params[0], NULL)) < 0)
		px_api_fail(r, rc);
	else
		px_api_json(r, 200, px_ev_view(n, &c));
	px_case_dispose(&c);
	return 0;
}

static int
item_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	const struct px_ev_item *it = NULL;
	struct px_case c;
	json_t *all = NULL, *cu = NULL, *v = NULL;
	int rc;

	if (n == NULL)
		return 0;
	if ((rc = px_ev_load(&c, &it, n, req->params[0], req->params[1])) < 0 ||
	    (rc = px_ev_custody(&cu, n, &c, it)) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	all = px_ev_view(n, &c);
	for (size_t i = 0; i < json_array_size(all); i++)
		if (strcmp(jstr(json_array_get(all, i), "item"),
		        it->man.item) == 0)
			v = json_incref(json_array_get(all, i));
	json_object_set(v, "custody", cu);
	px_api_json(r, 200, v);
	v = NULL;
out:
	json_decref(all);
	json_decref(cu);
	json_decref(v);
	px_case_dispose(&c);
	return 0;
}

/* --- acting on an item ------------------------------------------------- */

static int
item_action(const struct px_http_req *req, struct px_http_resp *r)
{
	static const struct {
		const char *name;
		enum px_ev_event ev;
	} acts[] = {
		{ "offer", PX_EV_OFFERED },
		{ "accept", PX_EV_ACCEPTED },
		{ "decline", PX_EV_DECLINED },
		{ "accessed", PX_EV_ACCESSED },
		{ "sealed", PX_EV_SEALED },
		{ "released", PX_EV_RELEASED },
		{ "destroyed", PX_EV_DESTROYED },
		{ "incomplete", PX_EV_RECEIVED },
	};
	struct px_node *n = px_api_node(req, r);
	struct px_msg *m = NULL;
	json_t *b;
	char *by = NULL;
	int k = -1, rc;

	if (n == NULL)
		return 0;
	for (size_t i = 0; i < PX_ARRAY_LEN(acts); i++)
		if (strcmp(acts[i].name, req->params[2]) == 0)
			k = (int)i;
	if (k < 0)
		return px_problem(r, 404, NULL,
		    "no evidence action '%s' (expected offer, accept, "
		    "decline, accessed, sealed, released, destroyed, "
		    "incomplete)",
		    req->params[2]);
	if ((b = req->body_len ? px_api_body(req, r) : json_object()) == NULL)
		return 0;
	by = actor(req, b);
	{
		struct px_ev_act act = { .by = by,
			.why = jstr(b, "why"),
			.to = jstr(b, "to"),
			.reason = jstr(b, "reason"),
			.status = acts[k].ev == PX_EV_RECEIVED ? "incomplete"
			                                       : NULL };
		bool needs_why = acts[k].ev == PX_EV_ACCESSED ||
		    acts[k].ev == PX_EV_SEALED ||
		    acts[k].ev == PX_EV_RELEASED ||
		    acts[k].ev == PX_EV_DESTROYED;

		if (needs_why && (act.why == NULL || *act.why == '\0'))
			rc = px_error_set(PX_EINVAL,
			    "say why (\"why\"): the chain of custody records "
			    "it");
		else if (acts[k].ev == PX_EV_DECLINED && act.reason == NULL)
			rc = px_error_set(
			    PX_EINVAL, "a decline says why (\"reason\")");
		else
			rc = px_ev_event(n, req->params[0], req->params[1],
			    acts[k].ev, &act, &m);
	}
	if (rc < 0)
		px_api_fail(r, rc);
	else
		sent(r, m, 200);
	px_msg_free(m);
	json_decref(b);
	free(by);
	return 0;
}

/* --- uploads ------------------------------------------------------------- */

static char *
upload_path(const struct px_node *n, const char *id)
{
	return px_asprintf("%s/evidence/uploads/%s", n->dir, id);
}

static int
upload_id_ok(const char *id)
{
	uint8_t b[16];

	return strlen(id) == 32 && px_hex_decode(b, 16, id) == 0;
}

static int
uploads_post(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	struct px_ev_policy pol;
	json_t *b;
	uint8_t raw[16];
	char id[33], *dir = NULL, *path = NULL;
	int64_t size;
	int fd, rc;

	if (n == NULL || (b = px_api_body(req, r)) == NULL)
		return 0;
	if ((rc = px_ev_policy_load(&pol, n)) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	size = json_integer_value(json_object_get(b, "size"));
	if (!json_is_integer(json_object_get(b, "size")) || size < 0 ||
	    size > pol.max_item) {
		px_problem(r, 413, NULL,
		    "\"size\" must be a number of bytes up to %lld (parley.conf "
		    "[evidence] max_item)",
		    (long long)pol.max_item);
		goto out;
	}
	randombytes_buf(raw, sizeof(raw));
	px_hex_encode(id, raw, sizeof(raw));
	dir = px_asprintf("%s/evidence/uploads", n->dir);
	path = upload_path(n, id);
	if ((rc = px_mkdir_p(dir, 0700)) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, size) < 0) {
		if (fd >= 0)
			close(fd);
		px_problem(r, 500, NULL, "cannot create %s: %s", path,
		    strerror(errno));
		goto out;
	}
	close(fd);
	px_api_json(r, 201,
	    json_pack("{ss sI sI sI}", "upload", id, "size", (json_int_t)size,
	        "piece", (json_int_t)UPLOAD_PIECE, "pieces",
	        (json_int_t)((size + UPLOAD_PIECE - 1) / UPLOAD_PIECE)));
out:
	px_ev_policy_dispose(&pol);
	free(dir);
	free(path);
	json_decref(b);
	return 0;
}

static int
upload_put(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *path = NULL, *end = NULL;
	long long index = strtoll(req->params[1], &end, 10);
	struct stat st;
	off_t at;
	int fd = -1;

	if (n == NULL)
		return 0;
	if (!upload_id_ok(req->params[0]) || *end != '\0' || index < 0) {
		px_problem(r, 404, NULL, "no upload '%s' piece '%s'",
		    req->params[0], req->params[1]);
		goto out;
	}
	path = upload_path(n, req->params[0]);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		px_problem(r, 404, NULL,
		    "no upload %s (start one with POST /api/v1/uploads)",
		    req->params[0]);
		goto out;
	}
	at = (off_t)index * UPLOAD_PIECE;
	/* Every piece but the last is exactly 1 MiB, and none passes the
	 * size declared. */
	if (at >= st.st_size ||
	    (at + (off_t)req->body_len != st.st_size &&
	        req->body_len != UPLOAD_PIECE) ||
	    at + (off_t)req->body_len > st.st_size) {
		px_problem(r, 422, NULL,
		    "piece %lld of upload %s: %zu bytes at offset %lld do not "
		    "fit a file of %lld bytes in pieces of %u",
		    index, req->params[0], req->body_len, (long long)at,
		    (long long)st.st_size, UPLOAD_PIECE);
		goto out;
	}
	if (pwrite(fd, req->body, req->body_len, at) !=
	    (ssize_t)req->body_len) {
		px_problem(
		    r, 500, NULL, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	px_api_json(r, 200, json_pack("{sI}", "piece", (json_int_t)index));
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return 0;
}

static int
evidence_post(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	struct px_msg *m = NULL;
	json_t *b;
	char *path = NULL, *by = NULL;
	const char **der = NULL;
	size_t nder = 0;
	int rc;

	if (n == NULL || (b = px_api_body(req, r)) == NULL)
		return 0;
	if (jstr(b, "upload") == NULL || !upload_id_ok(jstr(b, "upload"))) {
		px_problem(r, 422, NULL,
		    "\"upload\" names a finished upload (POST /api/v1/uploads)");
		goto out;
	}
	path = upload_path(n, jstr(b, "upload"));
	by = actor(req, b);
	der = str_list(b, "derived_from", &nder);
	{
		struct px_ev_add a = {
			.case_ref = req->params[0],
			.path = path,
			.exhibit = jstr(b, "exhibit"),
			.root_exhibit = jstr(b, "root_exhibit"),
			/* The upload's file name is ours, not the
			 * item's. */
			.name = jstr(b, "name") ? jstr(b, "name") : "",
			.description = jstr(b, "description"),
			.media_type = jstr(b, "media_type"),
			.tlp = jstr(b, "tlp"),
			.derived_from = der,
			.nderived = nder,
			.method = jstr(b, "method"),
			.tool = jstr(b, "tool"),
			.tool_version = jstr(b, "tool_version"),
			.tool_args = jstr(b, "tool_args"),
			.operator_ = jstr(b, "operator"),
			.place = jstr(b, "place"),
			.acquired = jstr(b, "acquired"),
			.legal_type = jstr(b, "legal"),
			.legal_ref = jstr(b, "legal_ref"),
			.by = by,
			.why = jstr(b, "why"),
		};

		if (!px_file_exists(path))
			rc = px_error_set(
			    PX_ENOTFOUND, "no upload %s", jstr(b, "upload"));
		else
			rc = px_ev_add_file(n, &a, &m);
	}
	if (rc < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	unlink(path);
	px_api_json(r, 201,
	    json_pack("{ss ss ss sO}", "case", m->case_id, "item",
	        jstr(m->body, "item"), "message", m->hash, "manifest",
	        json_object_get(m->body, "manifest")));
out:
	free(der);
	free(path);
	free(by);
	px_msg_free(m);
	json_decref(b);
	return 0;
}

/* --- findings, assessments, verifier -------------------------------------- */

static int
finding_post(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	struct px_case c;
	struct px_msg *m = NULL;
	json_t *b, *body = NULL;
	const char **ev = NULL;
	int rc;

	if (n == NULL || (b = px_api_body(req, r)) == NULL)
		return 0;
	px_case_init(&c);
	{
		struct px_finding_in in = {
			.statement = text_of(b, "statement"),
			.method = jstr(b, "method"),
			.tool = jstr(b, "tool"),
			.tool_version = jstr(b, "tool_version"),
			.tool_args = jstr(b, "tool_args"),
			.steps = text_of(b, "steps"),
		};

		ev = str_list(b, "evidence", &in.nevidence);
		in.evidence = ev;
		if ((rc = px_node_case_load(&c, n, req->params[0], NULL)) ==
		        0 &&
		    (rc = px_finding_body(&body, n, &c, &in)) == 0)
			rc = px_app_send(
			    req->app, NULL, c.id, PX_MSG_FINDING, body, &m);
	}
	if (rc < 0)
		px_api_fail(r, rc);
	else
		sent(r, m, 201);
	free(ev);
	px_msg_free(m);
	json_decref(body);
	json_decref(b);
	px_case_dispose(&c);
	return 0;
}

static int
assessment_post(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	struct px_case c;
	struct px_msg *m = NULL;
	json_t *b, *body = NULL;
	const char **l[4] = { NULL };
	int rc;

	if (n == NULL || (b = px_api_body(req, r)) == NULL)
		return 0;
	px_case_init(&c);
	{
		struct px_assessment_in in = {
			.kind = jstr(b, "kind"),
			.claim = text_of(b, "claim"),
			.would_change = text_of(b, "would_change"),
			.likelihood = jstr(b, "likelihood"),
			.confidence = jstr(b, "confidence"),
			.reliability = jstr(b, "source_reliability"),
			.credibility = jstr(b, "information_credibility"),
			.supersedes = jstr(b, "supersedes"),
		};

		in.supporting = l[0] =
		    str_list(b, "supporting", &in.nsupporting);
		in.contrary = l[1] = str_list(b, "contrary", &in.ncontrary);
		in.assumptions = l[2] =
		    str_list(b, "assumptions", &in.nassumptions);
		in.alternatives = l[3] =
		    str_list(b, "alternatives", &in.nalternatives);
		if ((rc = px_node_case_load(&c, n, req->params[0], NULL)) ==
		        0 &&
		    (rc = px_assessment_body(&body, n, &c, &in)) == 0)
			rc = px_app_send(
			    req->app, NULL, c.id, PX_MSG_ASSESSMENT, body, &m);
	}
	if (rc < 0)
		px_api_fail(r, rc);
	else
		sent(r, m, 201);
	for (int i = 0; i < 4; i++)
		free(l[i]);
	px_msg_free(m);
	json_decref(body);
	json_decref(b);
	px_case_dispose(&c);
	return 0;
}

static int
disclose_post(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	struct px_msg *m = NULL;
	const char **l[3] = { NULL };
	json_t *b;
	int rc;

	if (n == NULL || (b = px_api_body(req, r)) == NULL)
		return 0;
	{
		struct px_disclose_in in = {
			.case_ref = req->params[0],
			.verifier = jstr(b, "to"),
			.text = text_of(b, "text"),
		};

		in.items = l[0] = str_list(b, "items", &in.nitems);
		in.findings = l[1] = str_list(b, "findings", &in.nfindings);
		in.assessments = l[2] =
		    str_list(b, "assessments", &in.nassessments);
		rc = in.verifier
		    ? px_attrib_disclose(n, &in, &m)
		    : px_error_set(PX_EINVAL, "\"to\" names the verifier");
	}
	if (rc < 0)
		px_api_fail(r, rc);
	else
		sent(r, m, 201);
	for (int i = 0; i < 3; i++)
		free(l[i]);
	px_msg_free(m);
	json_decref(b);
	return 0;
}

static int
review_post(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	const char **l[2] = { NULL };
	json_t *b, *rv = NULL;
	int rc;

	if (n == NULL || (b = px_api_body(req, r)) == NULL)
		return 0;
	{
		struct px_review_in in = {
			.case_ref = req->params[0],
			.text = text_of(b, "text"),
		};

		in.findings = l[0] = str_list(b, "findings", &in.nfindings);
		in.assessments = l[1] =
		    str_list(b, "assessments", &in.nassessments);
		rc = px_attrib_review(n, &in, &rv);
	}
	if (rc < 0) {
		px_api_fail(r, rc);
	} else {
		char h[PX_HASH_HEX];

		px_review_hash(h, rv);
		px_api_json(
		    r, 201, json_pack("{ss sO}", "hash", h, "review", rv));
	}
	for (int i = 0; i < 2; i++)
		free(l[i]);
	json_decref(rv);
	json_decref(b);
	return 0;
}

const struct px_route px_routes_evidence[] = {
	{ "GET", "/api/v1/evidence", index_get, PX_AUTH_TOKEN, 0, NULL },
	{ "GET", "/api/v1/cases/{id}/evidence", case_items_get, PX_AUTH_TOKEN,
	    0, NULL },
	{ "POST", "/api/v1/cases/{id}/evidence", evidence_post, PX_AUTH_TOKEN,
	    65536, "application/json" },
	{ "GET", "/api/v1/cases/{id}/evidence/{item}", item_get, PX_AUTH_TOKEN,
	    0, NULL },
	{ "POST", "/api/v1/cases/{id}/evidence/{item}/{action}", item_action,
	    PX_AUTH_TOKEN, 65536, "application/json" },
	{ "POST", "/api/v1/uploads", uploads_post, PX_AUTH_TOKEN, 4096,
	    "application/json" },
	{ "PUT", "/api/v1/uploads/{id}/{index}", upload_put, PX_AUTH_TOKEN,
	    UPLOAD_PIECE, "application/octet-stream" },
	{ "POST", "/api/v1/cases/{id}/findings", finding_post, PX_AUTH_TOKEN,
	    1 << 20, "application/json" },
	{ "POST", "/api/v1/cases/{id}/assessments", assessment_post,
	    PX_AUTH_TOKEN, 1 << 20, "application/json" },
	{ "POST", "/api/v1/cases/{id}/disclose", disclose_post, PX_AUTH_TOKEN,
	    65536, "application/json" },
	{ "POST", "/api/v1/cases/{id}/review", review_post, PX_AUTH_TOKEN,
	    1 << 20, "application/json" },
};
const size_t px_routes_evidence_n = PX_ARRAY_LEN(px_routes_evidence);
