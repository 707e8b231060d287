/*
 * What the files of the HTTPS server share (not for use outside
 * src/net/): the server, the per-connection and per-request state, and
 * the request checks of http_check.c.
 *
 *   http.c        the server core: libmicrohttpd callbacks, bodies,
 *                 answers, start and stop
 *   http_check.c  everything decided from the request line and headers
 *                 (the order of docs/transport.md section 2), and the
 *                 checks of a handler's answer
 *   http_path.c   paths and route patterns
 *   gate.c        the connection gate (who may hold a connection, how
 *                 long; rate-limited log lines)
 *   uploads.c     the upload budget
 */
#ifndef PX_HTTP_INTERNAL_H
#define PX_HTTP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "crypto/tls.h"
#include "net/gate.h"
#include "net/http.h"
#include "net/uploads.h"

/* Refused bodies up to this size are read and dropped so that the client
 * reads the answer; larger ones are answered at once and the connection
 * closed (docs/transport.md section 2). */
#define PX_HTTP_DISCARD_MAX (4u << 20)
/* Bodies larger than this of a PX_ROUTE_SERIAL route are handled one at
 * a time. */
#define PX_HTTP_SERIAL_MIN (256u << 10)
/* The first reservation of a chunked body (no Content-Length); each
 * further piece is reserved as it arrives. */
#define PX_HTTP_CHUNK_RESERVE (64u << 10)
/* Retry-After of a 503 "busy" answer, in seconds. */
#define PX_HTTP_RETRY_AFTER_S 3

/* How many large body buffers a server keeps for reuse, and the sizes it
 * keeps: a stream of 1 MiB bodies (evidence chunks) then costs no fresh
 * pages per request, and the server holds at most 4 x 2 MiB idle. */
#define PX_HTTP_BODY_POOL     4
#define PX_HTTP_BODY_POOL_MIN (64 * 1024)
#define PX_HTTP_BODY_POOL_MAX (2 * 1024 * 1024 + 4096)

struct px_http_server {
	struct MHD_Daemon *d;
	struct px_http_config c; /* a copy with defaults; pointers borrowed */
	unsigned port;
	struct px_buf cert, key;
	char start_msg[256]; /* MHD's last message while starting */
	atomic_int started;  /* start_msg is no longer written */
	atomic_ulong connections, requests, inflight, busy;
	atomic_int draining;
	struct px_gate *gate;
	struct px_uploads *uploads;
	pthread_mutex_t serial; /* PX_ROUTE_SERIAL handlers of large bodies */
	/* Body buffers of finished requests, kept mapped for the next
	 * (see px_http_body_take). */
	pthread_mutex_t pool_mu;
	struct px_buf pool[PX_HTTP_BODY_POOL];
	size_t npool;
};

enum fp_state { FP_UNKNOWN, FP_NONE, FP_HAVE };
enum target_state { TARGET_NONE, TARGET_OK, TARGET_TOO_LONG };

/* One per TLS connection (MHD's socket context). */
struct conn {
	struct px_http_server *s;
	struct MHD_Connection *mc;
	struct px_gate_conn *gc;
	enum fp_state fp_state;
	char fp[PX_TLS_FP_LEN];
	/* The raw request-target of the request being read; requests on a
	 * connection are strictly one after another. */
	enum target_state target_state;
	size_t target_len;
	char target[PX_HTTP_TARGET_MAX + 1];
};

/* One per request (MHD's con_cls). */
struct request {
	struct px_http_req req;
	struct px_http_resp resp;
	const struct px_route *route;
	struct px_buf body;
	bool decided;    /* resp is the answer; the handler does not run */
	bool has_body;   /* the client announced a body */
	bool expect;     /* ... with Expect: 100-continue */
	bool authed;     /* a pinned peer or an accepted token */
	bool discard;    /* a refused body is read and dropped */
	bool close;      /* answer with Connection: close */
	uint64_t clen;   /* Content-Length; UINT64_MAX if none */
	size_t reserved; /* bytes of the upload budget held */
	char *budget_key;
	char *mem; /* path, query and decoded captures */
	/* A streamed body (PX_ROUTE_STREAM): its file, open while it comes,
	 * and the bytes written. */
	int sfd;
	char *spath;
	uint64_t sbytes;
};

static inline int
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static inline int
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* The connection's context (NULL if it has none). */
struct conn *px_http_conn_of(struct MHD_Connection *mc);

/* The client certificate's fingerprint, worked out once per connection
 * (NULL if the client presented none). */
const char *px_http_conn_fp(struct MHD_Connection *mc, struct conn *cn);

/* The fingerprint of the certificate the client presented in session
 * `ts`, kept in cn (NULL if none). */
const char *px_http_session_fp(struct conn *cn, gnutls_session_t ts);

/* Content-Length as a number; garbage or overflow is UINT64_MAX. */
uint64_t px_http_parse_length(const char *s);

/* Makes the answer a problem; the handler will not run.  `extra` is
 * header lines ("Name: value\r\n"), or NULL. */
/*
 * Gives `b` (initialised, empty) room for `len` bytes of body, from a
 * kept buffer when one is large enough, else newly allocated.  The
 * buffer goes back with px_http_body_keep.
 */
void px_http_body_take(struct px_http_server *s, struct px_buf *b, size_t len);

/*
 * Keeps the storage of body `b` for a later request if the pool has room
 * and it is of a size worth keeping, else frees it; `b` is left empty.
 */
void px_http_body_keep(struct px_http_server *s, struct px_buf *b);

void px_http_decide(struct request *rq, int status, const char *extra,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Everything decided from the request line and headers, in the order of
 * docs/transport.md section 2; returns the request (never NULL). */
struct request *px_http_begin(struct px_http_server *s,
    struct MHD_Connection *mc, const char *url, const char *method);

/* Checks of a handler's answer. */
int px_http_etag_valid(const char *e);
int px_http_etag_listed(const char *inm, const char *etag);
/* Walks "Name: value\r\n" lines: with m NULL only checks them, else adds
 * each to m.  PX_EINVAL with a message for a bad or a managed header. */
int px_http_extra_headers(const char *h, struct MHD_Response *m);

void px_http_say(struct px_http_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
