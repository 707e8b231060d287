/*
 * Webhooks: a JSON POST to an operator's own endpoint (a pager gateway, a
 * chat bridge), signed with a shared secret so the endpoint can tell a
 * notification from parley from anything else that reaches the URL.
 *
 * These are not peers: the URL may be http:// or https://, and an https
 * certificate is checked against the system CA store, with no pinning.
 *
 * Signature (docs/notify.md has a worked example):
 *
 *   X-Parley-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
 *                       "<t>.<body>")>
 *
 * t is when the request was made, so a receiver can refuse old replays;
 * v1 is lowercase hex; the body is the exact bytes POSTed.
 */
#ifndef PX_WEBHOOK_H
#define PX_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* "t=" + up to 20 digits + ",v1=" + 64 hex digits + NUL. */
#define PX_WEBHOOK_SIG_MAX 96

/*
 * Writes the value of X-Parley-Signature for `len` bytes of `body` sent at
 * unix time `t` (seconds) with `secret` (its bytes as given) into `out`.
 */
void px_webhook_signature(char out[PX_WEBHOOK_SIG_MAX], const char *secret,
    int64_t t, const void *body, size_t len);

/* One request.  Strings are borrowed for the call. */
struct px_webhook {
	const char *url;    /* http:// or https:// */
	const char *event;  /* X-Parley-Event, e.g. "escalate" */
	const char *secret; /* NULL or "": no X-Parley-Signature */
	const char *body;   /* JSON text */
	size_t len;
	int64_t time_s;  /* t of the signature */
	long timeout_ms; /* the whole exchange; <= 0 means 10 s */
};

/*
 * Checks that `url` can be used as a webhook: http:// or https://, a host,
 * no spaces or control characters.  Returns 0 or PX_EINVAL naming `what`.
 */
PX_MUST_CHECK int px_webhook_url_check(const char *url, const char *what);

/*
 * POSTs the body with Content-Type: application/json, User-Agent:
 * parley/VERSION, X-Parley-Event and (with a secret) X-Parley-Signature.
 * Redirects are not followed.  *status (may be NULL) gets the HTTP status,
 * 0 when there was none.  Returns 0 for a 2xx answer; PX_EINVAL for a
 * URL or event name that can never work; PX_ERR for no answer or any
 * other status, with a message naming the URL, the status and the start
 * of the answer's body.
 */
PX_MUST_CHECK int px_webhook_post(const struct px_webhook *w, long *status);

#endif
