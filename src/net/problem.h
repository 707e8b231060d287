/*
 * RFC 9457 problem details: the one shape every error answer of the HTTP
 * server takes, whether the transport refused the request (404, 413, ...)
 * or a handler did (`return px_problem(resp, 409, NULL, "case %s is
 * closed", id);`).
 *
 * The body is a JSON object with exactly these members, in this order:
 *
 *     {"type":"about:blank","title":"Not Found","status":404,
 *      "detail":"no resource at /api/v1/nope; see docs/transport.md"}
 *
 * "type" is "about:blank" unless the caller names a problem type (parley's
 * own are URNs, "urn:parley:problem:<slug>"); "title" defaults to the
 * status's reason phrase, as RFC 9457 asks for "about:blank"; "detail" says
 * what was wrong and what was expected.  Strings are escaped so that the
 * body is valid JSON whatever bytes the detail carries (a request path, a
 * header value): control characters become \u00xx, and bytes that are not
 * well-formed UTF-8 become U+FFFD.  The detail is cut (on a character
 * boundary) at PX_PROBLEM_DETAIL_MAX bytes so that an attacker-sized input
 * cannot make an attacker-sized answer.
 */
#ifndef PX_PROBLEM_H
#define PX_PROBLEM_H

#include <stdarg.h>
#include <stddef.h>

#include "net/http.h"
#include "util/buf.h"

#define PX_PROBLEM_TYPE_DEFAULT "about:blank"
#define PX_PROBLEM_CONTENT_TYPE "application/problem+json"
#define PX_PROBLEM_DETAIL_MAX   1024

/*
 * Makes `r` an error answer: sets r->status, r->content_type (a static
 * string) and replaces r->body with the problem document (the body's cap is
 * raised if it was too small to hold one, so this cannot fail).  `title`
 * NULL means the standard reason phrase of `status`.  Returns 0, so that a
 * handler can `return px_problem(...)`.
 */
int px_problem(struct px_http_resp *r, int status, const char *title,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The same with a problem type URI (NULL means "about:blank"). */
int px_problem_type(struct px_http_resp *r, int status, const char *type,
    const char *title, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

int px_problem_v(struct px_http_resp *r, int status, const char *type,
    const char *title, const char *fmt, va_list ap);

/* The reason phrase of an HTTP status ("Not Found"), or "Error" for one
 * this table does not know.  Static storage. */
const char *px_http_reason(int status);

/*
 * Appends `s` (`n` bytes, not necessarily NUL-terminated) to `b` as a JSON
 * string with its quotes, escaped as described above.  Returns 0 or
 * PX_ETOOBIG if `b`'s cap is hit (the buffer may then hold part of it).
 */
PX_MUST_CHECK int px_json_put_string(struct px_buf *b, const char *s, size_t n);

#endif
