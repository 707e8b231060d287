/*
 * Sign-in (api/users.h), and its API:
 *
 *   POST /api/v1/session {"user", "password", "code"}
 *        201 {"token", "expires", "person", "role"}; 401 otherwise
 *   DELETE /api/v1/session  ends the bearer's session (204)
 *   PUT  /api/v1/me/password {"old", "new", "code"}: the session's person
 *        changes their password; their other sessions end (204)
 *   GET  /api/v1/signins  admin: the audit, newest first
 */
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "api/app.h"
#include "api/json.h"
#include "api/routes.h"
#include "api/users.h"
#include "crypto/sign.h"
#include "crypto/totp.h"
#include "net/problem.h"
#include "node/desk.h"
#include "util/util.h"

int
px_user_add(struct px_node *n, const char *name, const char *role,
    const char *password, int64_t now, char **totp)
{
	struct px_user_row u = { 0 };
	uint8_t secret[PX_TOTP_SECRET_LEN];
	char hash[crypto_pwhash_STRBYTES], b32[64];
	size_t plen = password ? strlen(password) : 0;
	bool known = false;
	int rc;

	*totp = NULL;
	for (int i = 0; i < PX_ROLE__N; i++)
		known |= strcmp(role, px_role_names[i]) == 0;
	if (!known)
		return px_error_set(PX_EINVAL,
		    "unknown role '%s' (expected viewer, analyst, duty or "
		    "admin)",
		    role);
	if (!px_desk_is_person(n, name))
		return px_error_set(PX_ENOTFOUND,
		    "'%s' is not one of this node's people: a user is named "
		    "after their [contact \"%s\"] in parley.conf (add it "
		    "first)",
		    name, name);
	if (plen < 8 || plen > 1024)
		return px_error_set(PX_EINVAL,
		    "a password is 8 to 1024 bytes (this one has %zu)", plen);
	if (crypto_pwhash_str(hash, password, plen,
	        crypto_pwhash_OPSLIMIT_INTERACTIVE,
	        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return px_error_set(PX_ERR, "out of memory hashing a password");
	randombytes_buf(secret, sizeof(secret));
	px_base32_encode(b32, secret, sizeof(secret));
	u.name = (char *)name;
	u.role = (char *)role;
	u.pwhash = hash;
	u.totp = b32;
	u.created_ms = now;
	if ((rc = PX_STORE_CALL(n->store, user_put, &u)) == 0)
		*totp = px_strdup(b32);
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(b32, sizeof(b32));
	return rc;
}

/* Records one attempt; a failure to record fails the sign-in too. */
static int
audit(
    struct px_node *n, int64_t now, const char *name, bool ok, const char *why)
{
	return PX_STORE_CALL(n->store, signin_put, now, name, ok, why);
}

/* One password check at a time in this process, from the lock's reading
 * of the streak to the audit row that lengthens it: parallel attempts
 * cannot slip more guesses past the lock than it allows, and a flood
 * holds one Argon2id buffer (64 MiB), not one per connection. */
static pthread_mutex_t check_mu = PTHREAD_MUTEX_INITIALIZER;

/* An Argon2id hash (of a password no one uses) with the cost users' hashes
 * have: an unknown name is checked against it, so that it costs what a
 * known one does and the time of the answer does not tell them apart. */
static const char decoy_hash[crypto_pwhash_STRBYTES] =
    "$argon2id$v=19$m=65536,t=2,p=1$xiGTRXbR/Y3Dt/jxF7ZNlw$"
    "SjqTmAhkd/hTz4N5ELm84uRNIKT8qzqyHt1tLg+ViE8";

int
px_user_locked(
    struct px_node *n, const char *name, int64_t now, int64_t *wait_ms)
{
	int64_t fails = 0, last = 0, lock = PX_SIGNIN_LOCK_MS;
	int rc;

	*wait_ms = 0;
	if ((rc = PX_STORE_CALL(n->store, signin_streak, name, PX_AUDIT_LOCKED,
	         &fails, &last)) < 0)
		return rc;
	if (fails < PX_SIGNIN_FREE)
		return 0;
	for (int64_t i = PX_SIGNIN_FREE;
	     i < fails && lock < PX_SIGNIN_LOCK_MAX_MS; i++)
		lock *= 2;
	if (lock > PX_SIGNIN_LOCK_MAX_MS)
		lock = PX_SIGNIN_LOCK_MAX_MS;
	if (last + lock > now)
		*wait_ms = last + lock - now;
	return 0;
}

/* Checks `name`'s `password` and one-time `code` at `now` into *u (the
 * caller disposes of it) and *step (the code's step, to record).  The
 * error says what was wrong, for the audit only; the caller answers
 * PX_SIGNIN_REFUSED whatever it was.  *wait_ms > 0 when `name` is locked
 * (px_user_locked): nothing secret was checked. */
static int
check(struct px_node *n, const char *name, const char *password,
    const char *code, int64_t now, struct px_user_row *u, int64_t *step,
    int64_t *wait_ms)
{
	uint8_t key[64];
	size_t klen = 0;
	bool known;
	int rc;

	*wait_ms = 0;
	if (name == NULL || password == NULL || code == NULL)
		return px_error_set(
		    PX_EINVAL, "a sign-in needs user, password and code");
	if ((rc = px_user_locked(n, name, now, wait_ms)) < 0)
		return rc;
	if (*wait_ms > 0)
		return px_error_set(PX_EINVAL, PX_AUDIT_LOCKED);
	known = PX_STORE_CALL(n->store, user_get, name, u) == 0;
	/* The hash is checked for an unknown name too (see decoy_hash). */
	if (crypto_pwhash_str_verify(known ? u->pwhash : decoy_hash, password,
	        strlen(password)) != 0 ||
	    !known)
		return px_error_set(
		    PX_EINVAL, known ? "wrong password" : "unknown user");
	*step = u->totp_step;
	if ((rc = px_base32_decode(key, sizeof(key), &klen, u->totp)) == 0)
		rc = px_totp_check(key, klen, code, now / 1000, step);
	sodium_memzero(key, sizeof(key));
	return rc;
}

/* Audits a refused attempt (prefix: what was tried, then the true
 * reason) and sets the one error every refusal has: PX_SIGNIN_REFUSED,
 * or PX_ECONFLICT saying how long to wait when the name is locked. */
static int
refuse(struct px_node *n, int64_t now, const char *name, const char *prefix,
    int64_t wait_ms)
{
	char why[200];
	int rc;

	snprintf(why, sizeof(why), "%s%s", prefix, px_error_last());
	if ((rc = audit(n, now, name ? name : "", false, why)) < 0)
		return rc;
	if (wait_ms > 0)
		return px_error_set(PX_ECONFLICT,
		    "too many failed sign-ins for this user: try again in "
		    "%lld s",
		    (long long)((wait_ms + 999) / 1000));
	return px_error_set(PX_EINVAL, PX_SIGNIN_REFUSED);
}

int
px_user_signin(struct px_node *n, const char *name, const char *password,
    const char *code, int64_t now, char **token, int64_t *expires,
    int64_t *wait_ms)
{
	struct px_user_row u = { 0 };
	uint8_t raw[24];
	char hex[49], hhex[65];
	int64_t step;
	int rc;

	*token = NULL;
	pthread_mutex_lock(&check_mu);
	if (check(n, name, password, code, now, &u, &step, wait_ms) < 0) {
		rc = refuse(n, now, name, "", *wait_ms);
		goto out;
	}
	randombytes_buf(raw, sizeof(raw));
	px_hex_encode(hex, raw, sizeof(raw));
	*token = px_asprintf("pxs_%s", hex);
	px_app_token_hash(hhex, *token);
	*expires = now + PX_SESSION_MS;
	if ((rc = PX_STORE_CALL0(n->store, begin)) < 0)
		goto out;
	if ((rc = PX_STORE_CALL(n->store, user_step, name, step)) < 0 ||
	    (rc = PX_STORE_CALL(n->store, session_put, hhex, name, u.role, now,
	         *expires)) < 0 ||
	    (rc = audit(n, now, name, true, NULL)) < 0 ||
	    (rc = PX_STORE_CALL0(n->store, commit)) < 0)
		PX_STORE_CALL0(n->store, rollback);
out:
	pthread_mutex_unlock(&check_mu);
	if (rc < 0 && *token) {
		sodium_memzero(*token, strlen(*token));
		free(*token);
		*token = NULL;
	}
	sodium_memzero(hex, sizeof(hex));
	px_user_row_dispose(&u);
	return rc;
}

int
px_user_signout(struct px_node *n, const char *token)
{
	char hex[65];

	px_app_token_hash(hex, token);
	return PX_STORE_CALL(n->store, session_del, hex);
}

int
px_user_password(struct px_node *n, const char *name, const char *old,
    const char *code, const char *password, const char *keep, int64_t now,
    int64_t *wait_ms)
{
	static const char what[] = "password change refused: ";
	struct px_user_row u = { 0 };
	char hash[crypto_pwhash_STRBYTES], hex[65];
	size_t plen = password ? strlen(password) : 0;
	int64_t step;
	int rc;

	pthread_mutex_lock(&check_mu);
	if (check(n, name, old, code, now, &u, &step, wait_ms) < 0) {
		rc = refuse(n, now, name, what, *wait_ms);
		goto out;
	}
	if (plen < 8 || plen > 1024) {
		rc = px_error_set(PX_EINVAL,
		    "a password is 8 to 1024 bytes (this one has %zu)", plen);
		goto out;
	}
	if (crypto_pwhash_str(hash, password, plen,
	        crypto_pwhash_OPSLIMIT_INTERACTIVE,
	        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		rc = px_error_set(PX_ERR, "out of memory hashing a password");
		goto out;
	}
	if (keep)
		px_app_token_hash(hex, keep);
	if ((rc = PX_STORE_CALL0(n->store, begin)) < 0)
		goto out;
	if ((rc = PX_STORE_CALL(n->store, user_step, name, step)) < 0 ||
	    (rc = PX_STORE_CALL(
	         n->store, user_password, name, hash, keep ? hex : NULL)) < 0 ||
	    (rc = audit(n, now, name, true, PX_AUDIT_PASSWORD)) < 0 ||
	    (rc = PX_STORE_CALL0(n->store, commit)) < 0)
		PX_STORE_CALL0(n->store, rollback);
out:
	pthread_mutex_unlock(&check_mu);
	sodium_memzero(hash, sizeof(hash));
	px_user_row_dispose(&u);
	return rc;
}

/* Answers a refused sign-in or password change: 429 with Retry-After
 * while the name is locked, else 401 (the error says the same whatever
 * was wrong), or the store's failure. */
static int
refused(struct px_http_resp *r, int rc, int64_t wait_ms)
{
	if (wait_ms > 0) {
		r->extra_headers = px_asprintf("Retry-After: %lld\r\n",
		    (long long)((wait_ms + 999) / 1000));
		return px_problem_type(r, 429, "urn:parley:problem:locked",
		    NULL, "%s", px_error_last());
	}
	if (rc != PX_EINVAL)
		return px_api_fail(r, rc);
	return px_problem_type(
	    r, 401, "urn:parley:problem:signin", NULL, "%s", px_error_last());
}

/* The members `names` of `b` that must be strings: 0, or a 422 naming
 * the first missing one.  Checked before anything secret, so that the
 * answer cannot depend on a password. */
static int
want_strings(json_t *b, const char *const *names, struct px_http_resp *r)
{
	for (; *names; names++)
		if (!json_is_string(json_object_get(b, *names))) {
			px_problem_type(r, 422, "urn:parley:problem:invalid",
			    "Invalid input",
			    "member '%s' is missing or not a string", *names);
			return -1;
		}
	return 0;
}

static int
session_post(const struct px_http_req *req, struct px_http_resp *r)
{
	static const char *const members[] = { "user", "password", "code",
		NULL };
	struct px_node *n = px_api_node(req, r);
	const char *user, *pw, *code, *role;
	char *token = NULL, tm[PX_TIME_STRLEN];
	struct px_user_row u = { 0 };
	int64_t expires = 0, wait_ms = 0, now = px_time_now_ms();
	json_t *b;
	int rc;

	if (n == NULL || (b = px_api_body(req, r)) == NULL)
		return 0;
	if (want_strings(b, members, r) < 0)
		goto out;
	user = json_string_value(json_object_get(b, "user"));
	pw = json_string_value(json_object_get(b, "password"));
	code = json_string_value(json_object_get(b, "code"));
	if ((rc = px_user_signin(
	         n, user, pw, code, now, &token, &expires, &wait_ms)) < 0) {
		refused(r, rc, wait_ms);
		goto out;
	}
	role = PX_STORE_CALL(n->store, user_get, user, &u) == 0 ? u.role : "";
	px_time_format(tm, expires);
	px_api_json(r, 201,
	    json_pack("{ss ss ss ss}", "token", token, "expires", tm, "person",
	        user, "role", role));
out:
	if (token) {
		sodium_memzero(token, strlen(token));
		free(token);
	}
	px_user_row_dispose(&u);
	json_decref(b);
	return 0;
}

static int
signin_row(int64_t t, const char *name, const char *detail, void *arg)
{
	char tm[PX_TIME_STRLEN];

	px_time_format(tm, t);
	json_array_append_new(arg,
	    json_pack("{ss ss sb ss}", "time", tm, "user", name, "ok",
	        strcmp(detail, "ok") == 0 ||
	            strcmp(detail, PX_AUDIT_PASSWORD) == 0,
	        "detail", detail));
	return 0;
}

static int
signins_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	json_t *a = json_array();
	int rc;

	if (n == NULL ||
	    (rc = PX_STORE_CALL(n->store, signin_list, signin_row, a)) < 0) {
		json_decref(a);
		return n ? px_api_fail(r, rc) : 0;
	}
	return px_api_json(r, 200, a);
}

static int
session_delete(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	int rc;

	if (n == NULL)
		return 0;
	if ((rc = px_user_signout(n, req->bearer)) < 0)
		return px_api_fail(r, rc);
	px_app_revoked(req->app);
	r->status = 204;
	return 0;
}

static int
password_put(const struct px_http_req *req, struct px_http_resp *r)
{
	static const char *const members[] = { "old", "new", "code", NULL };
	struct px_node *n = px_api_node(req, r);
	char *name = NULL, hex[65];
	int64_t wait_ms = 0;
	json_t *b = NULL;
	int rc;

	if (n == NULL)
		return 0;
	px_app_token_hash(hex, req->bearer);
	/* Only a session is a person's own: an API token has no password. */
	if (PX_STORE_CALL(n->store, session_get, hex, px_time_now_ms(), &name,
	        NULL) < 0) {
		px_error_set(PX_ENOTFOUND,
		    "only a person signed in with their password may change it "
		    "(this is an API token)");
		rc = px_api_fail(r, PX_ENOTFOUND);
		goto out;
	}
	if ((b = px_api_body(req, r)) == NULL) {
		rc = 0;
		goto out;
	}
	if (want_strings(b, members, r) < 0) {
		rc = 0;
		goto out;
	}
	if ((rc = px_user_password(n, name,
	         json_string_value(json_object_get(b, "old")),
	         json_string_value(json_object_get(b, "code")),
	         json_string_value(json_object_get(b, "new")), req->bearer,
	         px_time_now_ms(), &wait_ms)) < 0) {
		/* A wrong password or code is 422 here, as before: the
		 * session is signed in already. */
		rc = wait_ms > 0 ? refused(r, rc, wait_ms) : px_api_fail(r, rc);
		goto out;
	}
	px_app_revoked(req->app);
	r->status = 204;
out:
	json_decref(b);
	free(name);
	return rc;
}

const struct px_route px_routes_users[] = {
	{ "POST", "/api/v1/session", session_post, PX_AUTH_NONE, 4096,
	    "application/json" },
	{ "GET", "/api/v1/signins", signins_get, PX_AUTH_TOKEN, 0, NULL },
	{ "DELETE", "/api/v1/session", session_delete, PX_AUTH_TOKEN, 0, NULL },
	{ "PUT", "/api/v1/me/password", password_put, PX_AUTH_TOKEN, 4096,
	    "application/json" },
};
const size_t px_routes_users_n = PX_ARRAY_LEN(px_routes_users);
