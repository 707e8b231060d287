/* Small helpers shared by the API resources. */
#ifndef PX_API_JSON_H
#define PX_API_JSON_H

#include <jansson.h>

#include "api/app.h"
#include "net/http.h"

/* Writes a JSON value (stolen) as the 200 body, or `status` if not 0. */
int px_api_json(struct px_http_resp *r, int status, json_t *v);
/* Maps a px_err code and the current error message to a problem answer. */
int px_api_fail(struct px_http_resp *r, int err);
/* This thread's node, or a 503 problem. */
struct px_node *px_api_node(
    const struct px_http_req *req, struct px_http_resp *r);
/* Parses the request body as a JSON object; NULL after writing a 400. */
json_t *px_api_body(const struct px_http_req *req, struct px_http_resp *r);
/* The value of `key` in the query string (decoded, heap), or NULL. */
char *px_api_query(const struct px_http_req *req, const char *key);

#endif
