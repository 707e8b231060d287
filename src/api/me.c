/*
 * /api/v1/me: who is asking, and their own preferences.
 *
 *   GET /api/v1/me    {"node", "timezone", "languages", "token", "role",
 *                      "lang", "person"}; person: the contact id the
 *                      token acts as (a token named after one of our
 *                      contacts), or null; session: true when the
 *                      token is a session from a person's sign-in
 *                      (api/users.h), which they may end and whose
 *                      password they may change
 *   PUT /api/v1/me    {"lang": "en"|"zh"}: the token's language for the
 *                     console; answers as GET
 *
 * Every token may set its own preference, so PUT needs only the viewer
 * role (routes.c).  A preference belongs to the token's name and is kept
 * in the store's meta table under "pref.lang.<name>": no schema of its
 * own, and a token re-created under the same name keeps it.
 */
#include "api/json.h"
#include "api/routes.h"
#include "net/problem.h"
#include "node/desk.h"
#include "util/util.h"

static const char *const langs[] = { "en", "zh" };

static char *
pref_key(const char *token_name)
{
	return px_asprintf("pref.lang.%s", token_name);
}

/* The answer of GET and PUT for the token `bearer` named `name` with
 * `role`. */
static int
answer(struct px_http_resp *r, struct px_node *n, const char *bearer,
    const char *name, int role)
{
	char *key = pref_key(name), *lang = NULL, hex[65];
	bool session;
	json_t *o;
	int rc;

	px_app_token_hash(hex, bearer);
	session = PX_STORE_CALL(n->store, session_get, hex, px_time_now_ms(),
	              NULL, NULL) == 0;

	if ((rc = PX_STORE_CALL(n->store, meta_get, key, &lang)) < 0 &&
	    rc != PX_ENOTFOUND) {
		free(key);
		return px_api_fail(r, rc);
	}
	o = json_pack("{ss ss so ss ss so so}", "node", n->name, "timezone",
	    px_tz_name(n->tz), "languages", px_node_languages(n), "token", name,
	    "role", px_role_names[role], "lang",
	    lang ? json_string(lang) : json_null(), "person",
	    px_desk_token_person(n, name) ? json_string(name) : json_null());
	json_object_set_new(o, "session", json_boolean(session));
	free(key);
	free(lang);
	return px_api_json(r, 200, o);
}

static int
me_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *name = NULL;
	int role, rc;

	if (n == NULL)
		return 0;
	if ((rc = px_app_token(req->app, req->bearer, &name, &role)) < 0)
		return px_problem(r, 401, NULL, "%s", px_error_last());
	rc = answer(r, n, req->bearer, name, role);
	free(name);
	return rc;
}

static int
me_put(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	const char *lang;
	char *name = NULL, *key = NULL;
	json_t *b = NULL;
	bool known = false;
	int role, rc = 0;

	if (n == NULL)
		return 0;
	if (px_app_token(req->app, req->bearer, &name, &role) < 0) {
		px_problem(r, 401, NULL, "%s", px_error_last());
		goto out;
	}
	if ((b = px_api_body(req, r)) == NULL)
		goto out;
	lang = json_string_value(json_object_get(b, "lang"));
	for (size_t i = 0; lang && i < PX_ARRAY_LEN(langs); i++)
		known = known || strcmp(lang, langs[i]) == 0;
	if (!known) {
		px_error_set(PX_EINVAL,
		    "lang '%s' is not a language the console speaks "
		    "(expected en or zh)",
		    lang ? lang : "(missing or not a string)");
		px_api_fail(r, PX_EINVAL);
		goto out;
	}
	key = pref_key(name);
	if ((rc = PX_STORE_CALL(n->store, meta_set, key, lang)) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	rc = answer(r, n, req->bearer, name, role);
out:
	json_decref(b);
	free(key);
	free(name);
	return rc;
}

const struct px_route px_routes_me[] = {
	{ "GET", "/api/v1/me", me_get, PX_AUTH_TOKEN, 0, NULL },
	{ "PUT", "/api/v1/me", me_put, PX_AUTH_TOKEN, 4096,
	    "application/json" },
};
const size_t px_routes_me_n = PX_ARRAY_LEN(px_routes_me);
