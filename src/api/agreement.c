/*
 * The agreement with a peer (docs/api.md, docs/protocol.md "Agreements"):
 *
 *   GET  /api/v1/peers/{name}/agreement   the version in force, every
 *                                         proposal, what is pending each
 *                                         way, and the disagreements
 *   POST /api/v1/peers/{name}/agreement   one of
 *        {"set": {"P3.acknowledge": "2h", ...}, "note"?}  propose
 *        {"accept": V} | {"decline": V, "reason"?}        answer theirs
 *        {"withdraw": V, "reason"?}                       withdraw ours
 *        {"local": {"default_tlp": "red"}}                our own setting
 *
 * Proposing and answering is the duty desk's or an admin's (routes.c).
 * Messages go through the API's writer like every other send.
 */
#include "api/app.h"
#include "api/json.h"
#include "api/routes.h"
#include "net/problem.h"
#include "node/agreement.h"
#include "util/util.h"

static int
agreement_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	struct px_peer *p = NULL;
	json_t *v;
	int rc;

	if (n == NULL)
		return 0;
	if ((rc = px_peer_load(&p, n, req->params[0])) < 0)
		return px_api_fail(r, rc);
	v = px_view_accord(n, p);
	px_peer_free(p);
	if (v == NULL)
		return px_api_fail(r, PX_ERR);
	return px_api_json(r, 200, v);
}

/* "KEY=VALUE" strings from {"KEY": "VALUE", ...}; NULL with a 422 when a
 * value is not a string. */
static char **
settings(const json_t *o, size_t *n, struct px_http_resp *r, const char *what)
{
	char **kv = px_calloc(json_object_size(o) + 1, sizeof(*kv));
	const char *k;
	json_t *v;

	*n = 0;
	json_object_foreach((json_t *)o, k, v)
	{
		if (!json_is_string(v)) {
			px_problem(r, 422, NULL,
			    "'%s.%s' must be a string (like \"2h\")", what, k);
			for (size_t i = 0; i < *n; i++)
				free(kv[i]);
			free(kv);
			return NULL;
		}
		kv[(*n)++] = px_asprintf("%s=%s", k, json_string_value(v));
	}
	return kv;
}

static void
free_kv(char **kv, size_t n)
{
	for (size_t i = 0; kv && i < n; i++)
		free(kv[i]);
	free(kv);
}

/* Which of set/accept/decline/withdraw the body asks for; -1 with a
 * 400 when not exactly one. */
static int
which(const json_t *b, struct px_http_resp *r, int64_t *v)
{
	static const char *const ops[] = { "set", "accept", "decline",
		"withdraw" };
	int op = -1, count = 0;

	for (int i = 0; i < 4; i++)
		if (json_object_get(b, ops[i])) {
			op = i;
			count++;
		}
	if (count > 1 || (count == 0 && !json_object_get(b, "local"))) {
		px_problem(r, 400, NULL,
		    "give one of 'set' (propose), 'accept', 'decline' or "
		    "'withdraw' (or 'local' for this node's own settings)");
		return -2;
	}
	if (op == 0 && !json_is_object(json_object_get(b, "set"))) {
		px_problem(r, 422, NULL,
		    "'set' must be an object of settings, like "
		    "{\"P3.acknowledge\": \"2h\"}");
		return -2;
	}
	if (op > 0) {
		const json_t *x = json_object_get(b, ops[op]);

		if (!json_is_integer(x) || json_integer_value(x) < 1) {
			px_problem(r, 422, NULL,
			    "'%s' must be a version number (1, 2, ...)",
			    ops[op]);
			return -2;
		}
		*v = json_integer_value(x);
	}
	return op;
}

static int
agreement_post(const struct px_http_req *req, struct px_http_resp *r)
{
	static const enum px_answer how[] = { PX_ANSWER_ACCEPT,
		PX_ANSWER_DECLINE, PX_ANSWER_WITHDRAW };
	struct px_node *n = px_api_node(req, r);
	struct px_peer *p = NULL;
	struct px_msg *m = NULL;
	json_t *b = NULL, *body = NULL, *changes = NULL, *v = NULL;
	const json_t *local;
	char **kv = NULL, case_id[PX_UUID_STRLEN], ref[9];
	enum px_msg_type type = PX_MSG_PROPOSE;
	size_t nkv = 0;
	int64_t ver = 0;
	int op, rc;

	if (n == NULL || (b = px_api_body(req, r)) == NULL)
		return 0;
	if ((op = which(b, r, &ver)) < -1)
		goto out;
	if ((local = json_object_get(b, "local")) != NULL) {
		if (!json_is_object(local)) {
			px_problem(r, 422, NULL,
			    "'local' must be an object, like {\"default_tlp\": "
			    "\"red\"}");
			goto out;
		}
		if ((kv = settings(local, &nkv, r, "local")) == NULL)
			goto out;
		if ((rc = px_peer_set_local(n, req->params[0],
		         (const char *const *)kv, nkv)) < 0) {
			px_api_fail(r, rc);
			goto out;
		}
		free_kv(kv, nkv);
		kv = NULL;
	}
	if ((rc = px_peer_load(&p, n, req->params[0])) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	if (op == 0) {
		if ((kv = settings(
		         json_object_get(b, "set"), &nkv, r, "set")) == NULL)
			goto out;
		ver = px_accord_next_version(&p->accord);
		rc = px_body_propose(&body, &changes, n, p,
		    (const char *const *)kv, nkv,
		    json_string_value(json_object_get(b, "note")));
		if (rc == 0)
			rc = px_app_send(
			    req->app, p->row.name, NULL, type, body, &m);
	} else if (op > 0) {
		rc = px_body_answer(&body, &type, case_id, n, p, ver,
		    how[op - 1],
		    json_string_value(json_object_get(b, "reason")));
		if (rc == 0)
			rc = px_app_send(
			    req->app, NULL, case_id, type, body, &m);
	} else {
		rc = 0;
	}
	if (rc < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	/* The agreement as it stands now, with what was sent. */
	px_peer_free(p);
	p = NULL;
	if ((rc = px_peer_load(&p, n, req->params[0])) < 0 ||
	    (v = px_view_accord(n, p)) == NULL) {
		px_api_fail(r, rc < 0 ? rc : PX_ERR);
		goto out;
	}
	if (m) {
		px_case_ref(ref, m->case_id);
		json_object_set_new(v, "sent",
		    json_pack("{ss sI ss ss ss sI so}", "type",
		        px_msg_type_names[m->type].wire, "version",
		        (json_int_t)ver, "case", m->case_id, "ref", ref,
		        "message", m->hash, "seq", (json_int_t)m->seq,
		        "changes",
		        changes ? json_incref(changes) : json_null()));
	} else {
		json_object_set_new(v, "sent", json_null());
	}
	px_api_json(r, m ? 201 : 200, v);
out:
	free_kv(kv, nkv);
	px_msg_free(m);
	px_peer_free(p);
	json_decref(changes);
	json_decref(body);
	json_decref(b);
	return 0;
}

const struct px_route px_routes_agreement[] = {
	{ "GET", "/api/v1/peers/{name}/agreement", agreement_get, PX_AUTH_TOKEN,
	    0, NULL },
	{ "POST", "/api/v1/peers/{name}/agreement", agreement_post,
	    PX_AUTH_TOKEN, 1 << 16, "application/json" },
};
const size_t px_routes_agreement_n = PX_ARRAY_LEN(px_routes_agreement);
