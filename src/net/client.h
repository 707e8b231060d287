/*
 * The HTTPS client for talking to one peer: libcurl (GnuTLS flavour), TLS
 * 1.3 only, our node certificate as the client certificate, and the
 * server's certificate pinned by its SHA-256 fingerprint.  No certificate
 * authority is loaded or consulted.
 *
 * Pinning is enforced before the request leaves: once a connection is up
 * (new or reused) and before libcurl writes the request line, the
 * certificate the server presented in the TLS handshake is hashed and
 * compared with the pinned fingerprint; on a mismatch the transfer is
 * aborted and nothing of the request (line, headers or body) is sent.  See
 * docs/transport.md.
 *
 * One px_client per peer; it keeps its connection alive between requests.
 * A client is used by one thread at a time.
 */
#ifndef PX_CLIENT_H
#define PX_CLIENT_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

struct px_client;

/*
 * Makes a client for the server at `base_url` ("https://host:port", an
 * optional path prefix allowed, no trailing '/' needed) whose certificate
 * has fingerprint `pinned_fp` ("sha256:" + 64 lowercase hex digits).
 * `cert_pem_path` / `key_pem_path` are our client certificate and key,
 * both NULL to present none.  The strings are copied.  PX_EINVAL for a
 * malformed URL or fingerprint, PX_ENOTFOUND for a missing file.  The
 * caller frees *out with px_client_free.
 */
PX_MUST_CHECK int px_client_new(struct px_client **out, const char *base_url,
    const char *pinned_fp, const char *cert_pem_path, const char *key_pem_path);

/*
 * Sends `method` `path` (appended to the base URL; starts with '/', may
 * carry a query) with `len` bytes of `body` (NULL and 0 for none) typed
 * `content_type` (NULL for none), and waits at most `timeout_ms` (<= 0 is
 * 30 s) for the whole exchange.  On return 0, *status is the HTTP status
 * (any, 4xx and 5xx included) and `resp_body` has the response body
 * appended, within its cap (NULL discards the body).  Errors, with a
 * message naming the peer:
 *   PX_EINVAL   the server's certificate is not the pinned one (nothing
 *               was sent), or a bad argument;
 *   PX_ETOOBIG  the response body passed resp_body's cap;
 *   PX_ERR      could not connect, TLS failed, timed out, or the
 *               connection broke.
 */
PX_MUST_CHECK int px_client_request(struct px_client *c, const char *method,
    const char *path, const char *content_type, const void *body, size_t len,
    long *status, struct px_buf *resp_body, long timeout_ms);

/*
 * Adds a request header ("Name: value", copied) sent with every later
 * request, e.g. "Authorization: Bearer ..." or "If-None-Match: \"v1\"".
 * PX_EINVAL if it is not one header line.
 */
PX_MUST_CHECK int px_client_header_add(struct px_client *c, const char *line);
/* Forgets every header added with px_client_header_add. */
void px_client_headers_clear(struct px_client *c);

/*
 * The value of response header `name` (case-insensitive) of the last
 * request, or NULL.  Borrowed until the next request on `c`.
 */
const char *px_client_response_header(struct px_client *c, const char *name);

/* How many connections `c` has opened so far (1 while keep-alive holds). */
long px_client_connects(const struct px_client *c);

/* A TCP port on 127.0.0.1 that was free a moment ago (0 if none): for
 * demos, tests and benchmarks that start servers on loopback.  Another
 * process may take it before it is used. */
unsigned px_loopback_free_port(void);

/* Closes the connection and frees the client; px_client_free(NULL) is a
 * no-op. */
void px_client_free(struct px_client *c);

#endif
