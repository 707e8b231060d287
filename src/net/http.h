/*
 * The HTTPS server: libmicrohttpd over GnuTLS, TLS 1.3 only, with client
 * certificates requested and checked against pinned fingerprints by parley
 * itself.  It knows nothing of parley's domain: an application hands it a
 * table of routes and two callbacks that decide who is allowed.
 *
 * How to add an endpoint: write a handler that reads a `struct px_http_req`
 * and fills a `struct px_http_resp` (status, body, maybe an ETag), and add
 * one `struct px_route` line to the table of the resource it belongs to:
 *
 *     static const struct px_route case_routes[] = {
 *         { "GET", "/api/v1/cases/{id}", case_get, PX_AUTH_TOKEN, 0, NULL },
 *         { "POST", "/api/v1/cases", case_post, PX_AUTH_TOKEN, 65536,
 *           "application/json" },
 *     };
 *
 * Handlers never touch the socket and never write an error body by hand:
 * `return px_problem(resp, 404, NULL, "no case %s", id);` (net/problem.h).
 * Before a handler runs, the server has already answered, with an RFC 9457
 * problem+json body:
 *     400 a malformed path (bad percent-encoding, control characters,
 *         "." or ".." segments),
 *     404 no route has this path, 405 (with Allow) one has but not for this
 *         method,
 *     403 a PX_AUTH_PEER route and no pinned client certificate,
 *     401 (with WWW-Authenticate: Bearer) / 403 a PX_AUTH_TOKEN route and a
 *         missing, invalid or insufficient bearer token,
 *     415 a body whose Content-Type is not the route's accept_type,
 *     413 a body larger than the route's max_body (refused from the
 *         Content-Length, or as soon as a chunked upload passes it),
 *     414 a request-target longer than PX_HTTP_TARGET_MAX,
 *     503 (with Retry-After) a body that does not fit the upload budget,
 * and after it, 500 if it failed (returned nonzero, or left no valid
 * status).  docs/transport.md lists the exact answers.
 *
 * Connections that are not a pinned peer's pass a gate (net/gate.h):
 * bounded in number, per address, and in time, so that a flood of
 * half-open or slow clients never takes a peer's place.
 *
 * Threads: handlers and the two callbacks run on the server's worker
 * threads, several at once; they must be thread-safe.  A request is served
 * by one thread from start to end, so the thread-local px_error message is
 * the request's own.
 */
#ifndef PX_HTTP_H
#define PX_HTTP_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

#define PX_HTTP_MAX_PARAMS 8
/* Longest request-target (path and query) served; longer is 414. */
#define PX_HTTP_TARGET_MAX 4096
/* The cap of a response body a handler builds. */
#define PX_HTTP_RESP_MAX (64u << 20)

/*
 * One request as a handler sees it.  Every pointer is borrowed and valid
 * only during the handler call.  Strings are NUL-terminated.
 */
struct px_http_req {
	const char *method; /* "GET", "POST", ... */
	const char *path;   /* as received, still percent-encoded, no query */
	const char *query;  /* raw text after '?', or NULL */
	const char *params[PX_HTTP_MAX_PARAMS]; /* {x} captures, decoded */
	size_t nparams;
	const char *body; /* the whole request body (NUL after it), or NULL */
	size_t body_len;
	/* PX_ROUTE_STREAM routes: the file holding the body (body_len
	 * bytes; body is NULL), or NULL when there was none.  The server
	 * removes it after the handler unless the handler renamed it. */
	const char *body_path;
	const char *content_type; /* request Content-Type header, or NULL */
	/* "sha256:..." of the client certificate, set only when the client
	 * presented one AND peer_allowed() says it is a pinned peer; on any
	 * route, so NULL always means "not an authenticated peer". */
	const char *peer_fp;
	const char *bearer; /* the token of "Authorization: Bearer <t>" */
	const char *if_none_match; /* the raw If-None-Match header */
	/* Raw headers, NULL when absent, for handlers that negotiate or
	 * authenticate by their own rules (TAXII: Accept with 406, HTTP
	 * Basic as well as Bearer on PX_AUTH_NONE routes). */
	const char *accept;
	const char *authorization;
	const char *host;
	void *app; /* px_http_config.app */
};

/*
 * What a handler fills in.  The server prepares it before the call: status
 * 0, an empty body capped at PX_HTTP_RESP_MAX, everything else NULL/empty.
 */
struct px_http_resp {
	int status;         /* 200..599; 0 (left unset) is a handler bug */
	struct px_buf body; /* the server owns and frees it */
	const char *content_type; /* default application/json (if body) */
	/* The entity-tag's opaque value WITHOUT quotes (the server adds
	 * them): printable ASCII except '"' and space.  When set, the answer
	 * carries ETag and a GET whose If-None-Match lists it gets 304. */
	char etag[80];
	const char *location; /* Location header; must outlive the call
	                         (static, or in app memory) */
	/* Optional further headers, "Name: value\r\n" lines in one heap
	 * string the server frees.  A malformed line is a 500. */
	char *extra_headers;
};

/* Returns 0 having set resp (status and body); nonzero is a 500. */
typedef int (*px_http_handler)(
    const struct px_http_req *req, struct px_http_resp *resp);

enum px_http_auth {
	PX_AUTH_NONE,
	PX_AUTH_PEER,  /* a client certificate that peer_allowed() accepts */
	PX_AUTH_TOKEN, /* a bearer token that token_ok() accepts */
};

/* px_route.flags */
enum {
	/* The handler's memory grows with its body (it parses it whole):
	 * requests with a body above 256 KiB run one at a time. */
	PX_ROUTE_SERIAL = 1,
	/* The body is written to a file in px_http_config.stream_dir as it
	 * arrives (req->body_path), never held in memory: max_body may be
	 * far above the memory budget, which such bodies do not use.  A
	 * Content-Length above max_body is answered 413 before the body is
	 * read; a chunked body that passes it, or a body that stops short
	 * (the client went away), closes the connection, the handler does
	 * not run and the file is removed. */
	PX_ROUTE_STREAM = 2,
};

struct px_route {
	const char *method;  /* exact, e.g. "GET"; a GET route answers HEAD */
	const char *pattern; /* "/api/v1/cases/{id}": {name} captures one
	                        non-empty segment; at most 8 */
	px_http_handler fn;
	enum px_http_auth auth;
	size_t max_body;         /* 0: the route takes no body */
	const char *accept_type; /* media type a body must have; NULL any */
	unsigned flags;          /* PX_ROUTE_*; 0 for none */
};

struct px_http_config {
	const char *addr; /* IPv4 or IPv6 literal; NULL is 127.0.0.1 */
	unsigned port;    /* 0 picks a free port (see px_http_port) */
	const char *cert_pem_path, *key_pem_path;
	/* The table is borrowed: it must outlive the server.  The first
	 * route whose method and pattern match serves the request. */
	const struct px_route *routes;
	size_t nroutes;
	/* 1 if `fp` ("sha256:<hex>") is a pinned peer's certificate, else 0.
	 * Asked on every request (a peer may be revoked at any time), and
	 * once in each TLS handshake that presents a certificate (a peer's
	 * connection is then kept out of the gate's pool).  Required when a
	 * route is PX_AUTH_PEER. */
	int (*peer_allowed)(void *app, const char *fp);
	/* 0 if req->bearer (never NULL here) may use `route`; else 401
	 * (unknown or expired token) or 403 (known, not allowed), with a
	 * reason in `why` for the problem detail.  Required when a route is
	 * PX_AUTH_TOKEN. */
	int (*token_ok)(void *app, const struct px_http_req *req,
	    const struct px_route *route, char *why, size_t whylen);
	void *app;
	unsigned threads; /* worker threads; 0 is one per CPU (2..16) */
	/* Optional, 0 / NULL for the default (docs/transport.md section 6
	 * says what each protects): */
	unsigned idle_timeout_s;   /* keep-alive of anyone, and of a
	                              non-peer absolute; 60 */
	unsigned drain_ms;         /* px_http_stop waits this long; 10000 */
	unsigned max_connections;  /* open at once, in all; 4096 */
	unsigned unauth_max;       /* of them not a pinned peer's nor in a
	                              token request; 2048 */
	unsigned unauth_per_addr;  /* of those, from one address; 1024 */
	unsigned peer_conns;       /* kept per pinned certificate; 16 */
	unsigned header_timeout_s; /* accept to complete headers; 10 */
	size_t upload_total;       /* request bodies held at once; 32 MiB */
	size_t upload_per_client;  /* of them per peer or address; 20 MiB */
	void (*log)(void *app, const char *msg); /* transport messages */
	/* Where PX_ROUTE_STREAM bodies are written (created, mode 0700;
	 * files left there by a crash are removed at start).  Required when
	 * a route streams. */
	const char *stream_dir;
};

/* The defaults of px_http_config, for documentation and configuration. */
#define PX_HTTP_MAX_CONNECTIONS   4096
#define PX_HTTP_UNAUTH_MAX        2048
#define PX_HTTP_UNAUTH_PER_ADDR   1024
#define PX_HTTP_PEER_CONNS        16
#define PX_HTTP_HEADER_TIMEOUT_S  10
#define PX_HTTP_IDLE_TIMEOUT_S    60
#define PX_HTTP_UPLOAD_TOTAL      (32u << 20)
#define PX_HTTP_UPLOAD_PER_CLIENT (20u << 20)

struct px_http_server;

/* Counters since start and current figures (approximate while busy). */
struct px_http_stats {
	unsigned long connections;  /* TCP connections accepted */
	unsigned long requests;     /* request lines received */
	unsigned long inflight;     /* requests started and not finished */
	unsigned long open;         /* connections open now */
	unsigned long unauth;       /* of them in the unauthenticated pool */
	unsigned long peers;        /* of them a pinned peer's */
	unsigned long evicted;      /* closed to make room for newer ones */
	unsigned long timed_out;    /* closed at the header or idle deadline */
	unsigned long early_closed; /* ended by the client before a request */
	unsigned long busy;         /* 503 answers: upload budget exhausted */
	unsigned long upload_bytes; /* request body bytes held now */
	unsigned long log_lines;    /* transport lines logged */
};

/*
 * Starts serving on the configured address with its own threads.  Checks
 * the route table first (patterns, methods, callbacks present): a bad table
 * is PX_EINVAL naming the route.  PX_ENOTFOUND if the certificate or key
 * file is missing; PX_ERR if the address cannot be bound.  On success *out
 * is the server, to be stopped with px_http_stop.
 */
PX_MUST_CHECK int px_http_start(
    struct px_http_server **out, const struct px_http_config *c);

/* The port the server listens on (the chosen one if port was 0). */
unsigned px_http_port(const struct px_http_server *s);

void px_http_stats(const struct px_http_server *s, struct px_http_stats *out);

/*
 * Stops accepting connections, lets requests already started finish (up to
 * drain_ms; their answers say "Connection: close"), then closes everything
 * and frees the server.  px_http_stop(NULL) is a no-op.
 */
void px_http_stop(struct px_http_server *s);

/*
 * Checks a raw request path (`len` bytes, no query): it must start with
 * '/', hold only RFC 3986 path characters, use %XX escapes with two hex
 * digits that decode to no control character, and have no "." or ".."
 * segment (encoded or not).  Returns 0, or PX_EINVAL with a message saying
 * what is wrong.
 */
PX_MUST_CHECK int px_http_path_check(const char *path, size_t len);

/*
 * Matches the raw path (`len` bytes, need not be NUL-terminated) against
 * `pattern`, segment by segment; path segments are percent-decoded before
 * they are compared with the pattern's literal segments or captured by its
 * {name} segments.  On a match, returns 1 and sets params[0..*nparams) to
 * the decoded captures, NUL-terminated strings stored in `scratch` (which
 * needs len + PX_HTTP_MAX_PARAMS + 1 bytes; less is PX_ETOOBIG).  Returns 0
 * if the path does not match (params then hold nothing useful), PX_EINVAL
 * if a segment it had to decode is malformed or decodes to a control
 * character, or if the pattern has more than PX_HTTP_MAX_PARAMS captures.
 */
PX_MUST_CHECK int px_http_match(const char *pattern, const char *path,
    size_t len, char *scratch, size_t scratch_len,
    const char *params[PX_HTTP_MAX_PARAMS], size_t *nparams);

/* Returns 1 if `pattern` is one px_http_start accepts, else 0. */
int px_http_pattern_valid(const char *pattern);

#endif
