/* Small helpers shared by the API resources. */
#ifndef PX_API_JSON_H
#define PX_API_JSON_H

#include <jansson.h>

#include "api/app.h"
#include "node/actions.h"
#include "net/http.h"

/* Writes a JSON value (stolen) as the 200 body, or `status` if not 0. */
int px_api_json(struct px_http_resp *r, int status, json_t *v);
/* Maps a px_err code and the current error message to a problem answer. */
int px_api_fail(struct px_http_resp *r, int err);
/* This thread's node, or a 503 problem. */
struct px_node *px_api_node(
    const struct px_http_req *req, struct px_http_resp *r);
/* The pinned peer the client certificate belongs to (heap), or NULL
 * after writing a 403. */
char *px_api_peer_caller(const struct px_http_req *req, struct px_http_resp *r);
/* Parses the request body as a JSON object; NULL after writing a 400. */
json_t *px_api_body(const struct px_http_req *req, struct px_http_resp *r);
/* Checks a request body against the members its route takes: `members`
 * is a NULL-ended list of "T:name", T the type a present member must
 * have ('s' string, 'S' string or null, 'a' array, 'o' object, 'b'
 * boolean, '*' any).  A member not in the list (a misspelt one would
 * otherwise be dropped unseen) or of the wrong type is a 422
 * urn:parley:problem:invalid naming it; returns -1 after writing it,
 * 0 when the body is well-formed. */
int px_api_members(struct px_http_resp *r, const json_t *b,
    const char *const *members, const char *what);
/* The members of a free text (px_api_text_in), to add to a list. */
#define PX_API_TEXT_MEMBERS(key)                                   \
	"s:" key, "s:lang", "*:translation", "s:translation_lang", \
	    "s:translation_by"

/* The value of `key` in the query string (decoded, heap), or NULL. */
char *px_api_query(const struct px_http_req *req, const char *key);

/* The free text at `key` of a request body with its "lang" and
 * "translation" (a string, or {"lang", "value", "by"}); every pointer is
 * borrowed from `b`. */
struct px_text_in px_api_text_in(const json_t *b, const char *key);

/* The observables of a request body ("observables": an array of
 * "type:value" strings or {"type", "value"} objects), in the CLI form
 * px_new_case takes.  Embedded by the caller: _init, _read, _dispose. */
#define PX_API_MAX_OBS 256
struct px_api_obs {
	const char *v[PX_API_MAX_OBS]; /* borrowed from the body or tmp */
	char *tmp[PX_API_MAX_OBS];     /* owned: joined type:value */
	size_t n;
};
void px_api_obs_init(struct px_api_obs *o);
/* Reads b's observables into o; PX_EINVAL with a message naming the
 * first bad one.  o stays valid while b lives. */
PX_MUST_CHECK int px_api_obs_read(struct px_api_obs *o, const json_t *b);
void px_api_obs_dispose(struct px_api_obs *o);

#endif
