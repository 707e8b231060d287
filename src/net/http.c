/*
 * The HTTPS server core (see http.h for the contract, docs/transport.md
 * for the wire behaviour): libmicrohttpd's callbacks, request bodies,
 * answers, start and stop.  The request checks are in http_check.c, paths
 * in http_path.c, the connection gate in gate.c.
 *
 * libmicrohttpd (MHD) does the HTTP/1.1 and GnuTLS does the TLS; parley
 * adds routing, the pinned-peer and bearer checks, body limits, the gate
 * and problem+json answers.  Seven things about MHD shape this file:
 *
 *   - MHD asks GnuTLS for a client certificate only when given a trust
 *     list (MHD_OPTION_HTTPS_MEM_TRUST), and a trust list makes GnuTLS
 *     announce its subject names in the CertificateRequest, after which a
 *     GnuTLS client whose self-signed certificate was issued by none of
 *     them sends no certificate at all.  Peers are pinned, not issued, so
 *     we give no trust list and instead turn the request on ourselves in
 *     the connection-started notification, which MHD calls after
 *     gnutls_init() and before the handshake.  Nothing is verified by
 *     GnuTLS: TLS proves the client holds the key of the certificate it
 *     sent (CertificateVerify), and we decide what that certificate is
 *     worth by its SHA-256 fingerprint, asking the application each time.
 *
 *   - In the same notification a verify function is set on the session.
 *     GnuTLS calls it in the handshake once the client's CertificateVerify
 *     has been checked (TLS 1.3, server side), so a pinned peer's
 *     connection leaves the gate's pool before it sends a byte of HTTP:
 *     a flood of anonymous connections from the same address cannot evict
 *     it while it is still on its way to its first request.  MHD sets the
 *     session's user pointer to its connection; if it ever did not, the
 *     peer is recognised on its first request instead.
 *
 *   - The access handler is called once when the headers are in, once per
 *     piece of body, and once more at the end.  Answering on the first
 *     call while a body is still unread makes MHD close the connection
 *     after the answer.  A refused body the client will send anyway (no
 *     Expect: 100-continue) is therefore read and dropped up to
 *     PX_HTTP_DISCARD_MAX and answered at the end; MHD 0.9.75 cannot
 *     queue an answer in the middle of a body.
 *
 *   - MHD percent-decodes the path before we see it, which would turn
 *     "%2F" into a segment separator.  The unescape callback is therefore
 *     the identity, and the raw request-target (path and query) is taken
 *     from the URI-log callback into the per-connection context; paths are
 *     decoded per segment by px_http_match.
 *
 *   - MHD reports a connection closed (NOTIFY_CLOSED) before it closes
 *     its socket (MHD_cleanup_connections in daemon.c), so the gate can
 *     shutdown(2) a socket under its lock without ever touching a reused
 *     descriptor.
 *
 *   - The event loop is poll(2) (asked for explicitly): no FD_SETSIZE
 *     limit as with select, and no busy loop as with MHD 0.9.75's epoll,
 *     which keeps a socket whose TLS handshake waits for the client on
 *     its ready list and spins a thread at 100 % per such client.
 *
 *   - Requests in flight are counted (first access-handler call to the
 *     completed notification) so that px_http_stop can drain them.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <sodium.h>

#include "crypto/tls.h"
#include "net/http.h"
#include "net/http_internal.h"
#include "net/problem.h"
#include "util/util.h"

/* TLS 1.3 only: both ends are parley, so there is no older peer to
 * accommodate. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3"
#define CONN_MEMORY    (64 * 1024) /* request line + headers + body chunk */
#define PEM_MAX        (64 * 1024)
#define DRAIN_DEFAULT  10000
/* Descriptors kept for everything but connections (store, logs, ...). */
#define FD_SPARE 128

void
px_http_say(struct px_http_server *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (s->c.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->c.log(s->c.app, msg);
}

#define say px_http_say

static void say_often(struct px_http_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A line a client can cause again and again (a handler failure, a body
 * dropped): the first of its format is logged, repeats are summed up once
 * a minute (gate.h). */
static void
say_often(struct px_http_server *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	px_gate_say_kind(s->gate, fmt, msg);
}

/* ------------------------------------------------------------------ */
/* Connections                                                         */

/* GnuTLS's verify callback: the client's certificate is in and proven
 * (CertificateVerify checked); a pinned peer's connection leaves the
 * gate's pool now.  Never refuses: clients without a pinned certificate
 * may still use other routes. */
static int
on_cert(gnutls_session_t ts)
{
	struct MHD_Connection *mc = gnutls_session_get_ptr(ts);
	struct conn *cn = mc ? px_http_conn_of(mc) : NULL;
	struct px_http_server *s;
	const char *fp;

	if (cn == NULL || cn->mc != mc || cn->gc == NULL)
		return 0;
	s = cn->s;
	fp = px_http_session_fp(cn, ts);
	if (fp != NULL && s->c.peer_allowed != NULL &&
	    s->c.peer_allowed(s->c.app, fp) == 1)
		(void)px_gate_peer(s->gate, cn->gc, fp);
	return 0;
}

/* GnuTLS's handshake hook: a complete ClientHello or Finished from the
 * client is progress that a half-open or stalled client never makes. */
static int
on_hs_msg(gnutls_session_t ts, unsigned htype, unsigned when, unsigned incoming,
    const gnutls_datum_t *msg)
{
	struct MHD_Connection *mc = gnutls_session_get_ptr(ts);
	struct conn *cn = mc ? px_http_conn_of(mc) : NULL;

	(void)when;
	(void)msg;
	if (incoming && cn != NULL && cn->mc == mc && cn->gc != NULL &&
	    (htype == GNUTLS_HANDSHAKE_CLIENT_HELLO ||
	        htype == GNUTLS_HANDSHAKE_FINISHED))
		px_gate_progress(cn->s->gate, cn->gc);
	return 0;
}

static void
on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct px_http_server *s = cls;
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa = NULL;
	struct conn *cn;
	socklen_t salen = 0;
	int fd = -1;

	if (code != MHD_CONNECTION_NOTIFY_STARTED) {
		/* MHD closes the socket after this returns. */
		cn = *socket_context;
		if (cn != NULL)
			px_gate_close(s->gate, cn->gc);
		free(cn);
		*socket_context = NULL;
		return;
	}
	atomic_fetch_add(&s->connections, 1);
	cn = px_calloc(1, sizeof(*cn));
	cn->s = s;
	cn->mc = mc;
	*socket_context = cn;
	if ((ci = MHD_get_connection_info(
	         mc, MHD_CONNECTION_INFO_CONNECTION_FD)) != NULL)
		fd = ci->connect_fd;
	if ((ci = MHD_get_connection_info(
	         mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS)) != NULL &&
	    ci->client_addr != NULL) {
		sa = ci->client_addr;
		salen = sa->sa_family == AF_INET6
		    ? (socklen_t)sizeof(struct sockaddr_in6)
		    : (socklen_t)sizeof(struct sockaddr_in);
	}
	cn->gc = px_gate_open(s->gate, fd, sa, salen);
	/* Ask for a client certificate, but let GnuTLS judge nothing: a
	 * client without one may still use PX_AUTH_NONE/TOKEN routes. */
	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci != NULL && ci->tls_session != NULL) {
		gnutls_session_t ts = (gnutls_session_t)ci->tls_session;

		gnutls_certificate_server_set_request(ts, GNUTLS_CERT_REQUEST);
		gnutls_session_set_verify_function(ts, on_cert);
		gnutls_handshake_set_hook_function(
		    ts, GNUTLS_HANDSHAKE_ANY, GNUTLS_HOOK_POST, on_hs_msg);
	} else {
		say_often(s,
		    "no TLS session at connection start: client "
		    "certificates cannot be requested");
	}
}

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *mc)
{
	struct px_http_server *s = cls;
	struct conn *cn = px_http_conn_of(mc);
	size_t n = strlen(uri);

	atomic_fetch_add(&s->requests, 1);
	if (cn == NULL)
		return NULL;
	if (n > PX_HTTP_TARGET_MAX) {
		cn->target_state = TARGET_TOO_LONG;
		cn->target_len = n;
		return NULL;
	}
	memcpy(cn->target, uri, n + 1);
	cn->target_len = n;
	cn->target_state = TARGET_OK;
	return NULL;
}

static size_t
unescape_none(void *cls, struct MHD_Connection *mc, char *s)
{
	(void)cls;
	(void)mc;
	return strlen(s);
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct px_http_server *s = cls;
	char msg[256];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	if (!atomic_load(&s->started)) {
		snprintf(s->start_msg, sizeof(s->start_msg), "%s", msg);
		say(s, "libmicrohttpd: %s", msg);
		return;
	}
	/* Per connection, MHD says things like "received handshake message
	 * out of context" for every client that fails a handshake: the gate
	 * sums them up. */
	px_gate_say_lib(s->gate, fmt, msg);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

void
px_http_body_take(struct px_http_server *s, struct px_buf *b, size_t len)
{
	pthread_mutex_lock(&s->pool_mu);
	for (size_t i = 0; i < s->npool; i++)
		if (s->pool[i].alloc > len) {
			b->data = s->pool[i].data;
			b->alloc = s->pool[i].alloc;
			b->len = 0;
			b->data[0] = '\0';
			s->pool[i] = s->pool[--s->npool];
			break;
		}
	pthread_mutex_unlock(&s->pool_mu);
	px_buf_reserve(b, len);
}

void
px_http_body_keep(struct px_http_server *s, struct px_buf *b)
{
	bool kept = false;

	if (b->alloc >= PX_HTTP_BODY_POOL_MIN &&
	    b->alloc <= PX_HTTP_BODY_POOL_MAX) {
		pthread_mutex_lock(&s->pool_mu);
		if (s->npool < PX_HTTP_BODY_POOL) {
			s->pool[s->npool++] = *b;
			kept = true;
		}
		pthread_mutex_unlock(&s->pool_mu);
	}
	if (kept)
		px_buf_init(b, b->cap);
	else
		px_buf_dispose(b);
}

static void
pool_free(struct px_http_server *s)
{
	for (size_t i = 0; i < s->npool; i++)
		px_buf_dispose(&s->pool[i]);
	s->npool = 0;
	pthread_mutex_destroy(&s->pool_mu);
}

/* Closes and removes a streamed body's file (the handler may have
 * renamed it away: then there is nothing to remove). */
static void
release_stream(struct request *rq)
{
	if (rq->sfd >= 0)
		close(rq->sfd);
	rq->sfd = -1;
	if (rq->spath != NULL)
		unlink(rq->spath);
	free(rq->spath);
	rq->spath = NULL;
}

static void
release_body(struct px_http_server *s, struct request *rq)
{
	release_stream(rq);
	px_http_body_keep(s, &rq->body);
	if (rq->reserved > 0)
		px_uploads_give(s->uploads, rq->budget_key, rq->reserved);
	rq->reserved = 0;
}

static void
request_free(struct px_http_server *s, struct request *rq)
{
	release_body(s, rq);
	px_buf_dispose(&rq->resp.body);
	free(rq->resp.extra_headers);
	free(rq->budget_key);
	free(rq->mem);
	free(rq);
}

static void
on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct px_http_server *s = cls;
	struct request *rq = *con_cls;
	struct conn *cn = px_http_conn_of(mc);

	(void)toe;
	if (rq == NULL)
		return;
	if (cn != NULL && cn->gc != NULL)
		px_gate_done(s->gate, cn->gc);
	request_free(s, rq);
	*con_cls = NULL;
	atomic_fetch_sub(&s->inflight, 1);
}

/* Runs the handler and turns any failure of its into a 500. */
static void
run_handler(struct px_http_server *s, struct request *rq)
{
	struct px_http_resp *r = &rq->resp;
	const char *bad = NULL;
	int rc;

	bool serial = (rq->route->flags & PX_ROUTE_SERIAL) &&
	    rq->body.len > PX_HTTP_SERIAL_MIN;

	rq->req.body = rq->body.data;
	rq->req.body_len = rq->body.len;
	if (rq->spath != NULL) {
		/* The whole body is in its file (MHD calls the handler only
		 * once the body is complete). */
		close(rq->sfd);
		rq->sfd = -1;
		rq->req.body = NULL;
		rq->req.body_len = (size_t)rq->sbytes;
		rq->req.body_path = rq->spath;
	}
	px_error_clear();
	/* A handler that parses its body whole needs several times its size
	 * while it runs: large ones take turns. */
	if (serial)
		pthread_mutex_lock(&s->serial);
	rc = rq->route->fn(&rq->req, r);
	if (serial)
		pthread_mutex_unlock(&s->serial);
	/* The body is not needed to send the answer. */
	rq->req.body = NULL;
	rq->req.body_len = 0;
	rq->req.body_path = NULL;
	release_body(s, rq);
	if (rc != 0) {
		char why[256];

		snprintf(why, sizeof(why), "%s",
		    px_error_last()[0] ? px_error_last() : "no reason given");
		say_often(s, "%s %s: handler failed: %s", rq->req.method,
		    rq->req.path, why);
		px_http_decide(rq, 500, NULL, "%s %s failed: %s",
		    rq->req.method, rq->req.path, why);
		return;
	}
	if (r->status < 200 || r->status > 599)
		bad = "no valid status (200..599)";
	else if (r->etag[0] != '\0' &&
	    (memchr(r->etag, '\0', sizeof(r->etag)) == NULL ||
	        !px_http_etag_valid(r->etag)))
		bad = "an invalid ETag";
	else if (r->location != NULL && strpbrk(r->location, "\r\n") != NULL)
		bad = "a Location with a line break";
	else if (r->content_type != NULL &&
	    strpbrk(r->content_type, "\r\n") != NULL)
		bad = "a Content-Type with a line break";
	else if (r->extra_headers != NULL &&
	    px_http_extra_headers(r->extra_headers, NULL) < 0)
		bad = px_error_last();
	if (bad != NULL) {
		char why[256];

		snprintf(why, sizeof(why), "%s", bad);
		say_often(s, "%s %s: handler answered %s", rq->req.method,
		    rq->req.path, why);
		px_http_decide(rq, 500, NULL,
		    "%s %s failed: its handler answered %s", rq->req.method,
		    rq->req.path, why);
	}
}

static enum MHD_Result
respond(struct px_http_server *s, struct MHD_Connection *mc, struct request *rq)
{
	struct px_http_resp *r = &rq->resp;
	struct MHD_Response *m;
	enum MHD_Result ret;
	int status = r->status;
	size_t len;
	char *data;

	if (r->etag[0] && status >= 200 && status < 300 &&
	    rq->req.if_none_match != NULL &&
	    (strcmp(rq->req.method, "GET") == 0 ||
	        strcmp(rq->req.method, "HEAD") == 0) &&
	    px_http_etag_listed(rq->req.if_none_match, r->etag)) {
		status = 304;
		px_buf_reset(&r->body);
	}
	data = px_buf_detach(&r->body, &len);
	m = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	if (m == NULL) {
		free(data);
		return MHD_NO;
	}
	if (status != 304 && (len > 0 || r->content_type != NULL))
		MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE,
		    r->content_type ? r->content_type : "application/json");
	if (r->etag[0]) {
		char tag[sizeof(r->etag) + 2];

		snprintf(tag, sizeof(tag), "\"%s\"", r->etag);
		MHD_add_response_header(m, MHD_HTTP_HEADER_ETAG, tag);
	}
	if (r->location != NULL)
		MHD_add_response_header(
		    m, MHD_HTTP_HEADER_LOCATION, r->location);
	if (r->extra_headers != NULL &&
	    px_http_extra_headers(r->extra_headers, m) < 0)
		say_often(s, "%s %s: %s", rq->req.method, rq->req.path,
		    px_error_last());
	MHD_add_response_header(m, "X-Content-Type-Options", "nosniff");
	if (rq->close || atomic_load(&s->draining))
		MHD_add_response_header(m, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(mc, (unsigned)status, m);
	MHD_destroy_response(m);
	return ret;
}

/* A piece of a streamed body: appended to its file.  Past max_body
 * (a chunked body: Content-Length was checked before) or when the disk
 * refuses, the connection is dropped; the file goes with the request. */
static enum MHD_Result
stream_body(
    struct px_http_server *s, struct request *rq, const char *data, size_t n)
{
	if (rq->sbytes + n > rq->route->max_body) {
		say_often(s, "%s %s: body passed %zu bytes; connection closed",
		    rq->req.method, rq->req.path, rq->route->max_body);
		return MHD_NO;
	}
	while (n > 0) {
		ssize_t w = write(rq->sfd, data, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			say_often(s,
			    "%s %s: cannot write the body to %s: %s; "
			    "connection closed",
			    rq->req.method, rq->req.path, rq->spath,
			    w < 0 ? strerror(errno) : "no progress");
			return MHD_NO;
		}
		data += w;
		n -= (size_t)w;
		rq->sbytes += (uint64_t)w;
	}
	return MHD_YES;
}

/* A piece of body: kept for the handler, or dropped (a refusal being
 * read through).  MHD_NO drops the connection. */
static enum MHD_Result
on_body(
    struct px_http_server *s, struct request *rq, const char *data, size_t n)
{
	if (rq->decided)
		return MHD_YES; /* a refused body read through: dropped */
	if (rq->sfd >= 0)
		return stream_body(s, rq, data, n);
	if (rq->body.len + n > rq->reserved) {
		/* A chunked body (no Content-Length): its budget grows as it
		 * comes, and when there is no more, MHD can neither answer
		 * mid-body nor should the rest be read. */
		size_t more = rq->body.len + n - rq->reserved;

		more = (more + PX_HTTP_CHUNK_RESERVE - 1) /
		    PX_HTTP_CHUNK_RESERVE * PX_HTTP_CHUNK_RESERVE;
		if (px_uploads_take(s->uploads, rq->budget_key, more) < 0) {
			atomic_fetch_add(&s->busy, 1);
			say_often(s,
			    "%s %s: a chunked body passed the upload budget "
			    "at %zu bytes; connection closed",
			    rq->req.method, rq->req.path, rq->body.len);
			return MHD_NO;
		}
		rq->reserved += more;
	}
	if (px_buf_add(&rq->body, data, n) < 0) {
		/* Only a body without Content-Length gets here: one past
		 * max_body.  Reading the rest to be able to answer is what
		 * the limit exists to avoid: drop the connection. */
		say_often(s, "%s %s: body passed %zu bytes; connection closed",
		    rq->req.method, rq->req.path, rq->route->max_body);
		return MHD_NO;
	}
	return MHD_YES;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *mc, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct px_http_server *s = cls;
	struct request *rq = *con_cls;

	(void)version;
	if (rq == NULL) {
		struct conn *cn = px_http_conn_of(mc);

		atomic_fetch_add(&s->inflight, 1);
		rq = px_http_begin(s, mc, url, method);
		*con_cls = rq;
		if (cn != NULL && cn->gc != NULL) {
			if (rq->req.peer_fp != NULL)
				(void)px_gate_peer(
				    s->gate, cn->gc, rq->req.peer_fp);
			px_gate_request(s->gate, cn->gc, rq->authed);
		}
		/* A refused body that will not be read through is refused
		 * now, before it is sent. */
		if (rq->decided && rq->has_body && !rq->discard)
			return respond(s, mc, rq);
		return MHD_YES;
	}
	if (*upload_size != 0) {
		enum MHD_Result ret = on_body(s, rq, upload, *upload_size);

		*upload_size = 0;
		return ret;
	}
	if (!rq->decided)
		run_handler(s, rq);
	return respond(s, mc, rq);
}

/* ------------------------------------------------------------------ */
/* Start and stop                                                      */

static int
method_valid(const char *m)
{
	if (m == NULL || *m == '\0')
		return 0;
	for (; *m; m++) {
		if (*m < 'A' || *m > 'Z')
			return 0;
	}
	return 1;
}

static int
check_config(const struct px_http_config *c)
{
	if (c->cert_pem_path == NULL || c->key_pem_path == NULL)
		return px_error_set(PX_EINVAL,
		    "the HTTPS server needs a certificate and a key file");
	if (c->routes == NULL || c->nroutes == 0)
		return px_error_set(
		    PX_EINVAL, "the HTTPS server has no routes");
	for (size_t i = 0; i < c->nroutes; i++) {
		const struct px_route *r = &c->routes[i];
		const char *pat = r->pattern ? r->pattern : "(null)";

		if (!method_valid(r->method))
			return px_error_set(PX_EINVAL,
			    "route %zu (%s): method must be upper-case "
			    "letters",
			    i, pat);
		if (!px_http_pattern_valid(r->pattern))
			return px_error_set(PX_EINVAL,
			    "route %zu: invalid pattern %s (expected "
			    "/literal/{name}/..., at most %d captures)",
			    i, pat, PX_HTTP_MAX_PARAMS);
		if (r->fn == NULL)
			return px_error_set(
			    PX_EINVAL, "route %zu (%s): no handler", i, pat);
		if (r->auth != PX_AUTH_NONE && r->auth != PX_AUTH_PEER &&
		    r->auth != PX_AUTH_TOKEN)
			return px_error_set(PX_EINVAL,
			    "route %zu (%s): unknown auth %d", i, pat,
			    (int)r->auth);
		if (r->auth == PX_AUTH_PEER && c->peer_allowed == NULL)
			return px_error_set(PX_EINVAL,
			    "route %zu (%s) is for peers but no peer_allowed "
			    "callback is set",
			    i, pat);
		if ((r->flags & PX_ROUTE_STREAM) && c->stream_dir == NULL)
			return px_error_set(PX_EINVAL,
			    "route %zu (%s) streams its body but no stream_dir "
			    "is set",
			    i, pat);
		if (r->auth == PX_AUTH_TOKEN && c->token_ok == NULL)
			return px_error_set(PX_EINVAL,
			    "route %zu (%s) needs a token but no token_ok "
			    "callback is set",
			    i, pat);
	}
	return 0;
}

/* Makes the directory of streamed bodies, and removes the bodies a
 * crash left there (their requests never reached a handler, or their
 * handler never finished: nothing refers to them). */
static int
stream_dir_ready(struct px_http_server *s)
{
	const char *dir = s->c.stream_dir;
	DIR *d;
	struct dirent *e;
	int rc;

	if (dir == NULL)
		return 0;
	if ((rc = px_mkdir_p(dir, 0700)) < 0)
		return rc;
	if ((d = opendir(dir)) == NULL)
		return px_error_set(
		    PX_ERR, "cannot read %s: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "body-", 5) == 0)
			(void)unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	return 0;
}

static unsigned
default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 2)
		return 2;
	return n > 16 ? 16 : (unsigned)n;
}

/* Sets the defaults and checks that the gate leaves room for peers. */
static int
check_limits(struct px_http_config *c)
{
#define DFLT(f, v)     \
	if (c->f == 0) \
		c->f = (v);
	DFLT(idle_timeout_s, PX_HTTP_IDLE_TIMEOUT_S);
	DFLT(drain_ms, DRAIN_DEFAULT);
	DFLT(max_connections, PX_HTTP_MAX_CONNECTIONS);
	DFLT(unauth_max, PX_HTTP_UNAUTH_MAX);
	DFLT(unauth_per_addr, PX_HTTP_UNAUTH_PER_ADDR);
	DFLT(peer_conns, PX_HTTP_PEER_CONNS);
	DFLT(header_timeout_s, PX_HTTP_HEADER_TIMEOUT_S);
	DFLT(upload_total, PX_HTTP_UPLOAD_TOTAL);
	DFLT(upload_per_client, PX_HTTP_UPLOAD_PER_CLIENT);
#undef DFLT
	if (c->unauth_max > c->max_connections / 2)
		return px_error_set(PX_EINVAL,
		    "unauthenticated connections (%u) may be at most half of "
		    "all connections (%u), so that peers always have room",
		    c->unauth_max, c->max_connections);
	if (c->unauth_per_addr > c->unauth_max)
		return px_error_set(PX_EINVAL,
		    "unauthenticated connections per address (%u) cannot be "
		    "more than in all (%u)",
		    c->unauth_per_addr, c->unauth_max);
	if (c->upload_per_client > c->upload_total)
		return px_error_set(PX_EINVAL,
		    "the upload budget per client (%zu bytes) cannot be more "
		    "than in all (%zu)",
		    c->upload_per_client, c->upload_total);
	return 0;
}

/*
 * Every connection is a descriptor: the soft RLIMIT_NOFILE (often 1024)
 * is raised towards the hard one when it would not hold max_connections,
 * and max_connections lowered if even that is too few, so that accept()
 * never fails for want of descriptors while the gate thinks there is room.
 */
static void
fit_descriptors(struct px_http_server *s)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)s->c.max_connections + FD_SPARE;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want) {
		rlim_t old = rl.rlim_cur;

		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0) {
			say(s,
			    "raised the open-file limit from %llu to %llu for "
			    "%u connections",
			    (unsigned long long)old, (unsigned long long)want,
			    s->c.max_connections);
			return;
		}
	}
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max > rl.rlim_cur) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want &&
	    rl.rlim_cur > 4 * FD_SPARE) {
		unsigned n = (unsigned)(rl.rlim_cur - FD_SPARE);

		say(s,
		    "the open-file limit is %llu: serving at most %u "
		    "connections instead of %u (raise the limit, e.g. "
		    "LimitNOFILE= in a systemd unit)",
		    (unsigned long long)rl.rlim_cur, n, s->c.max_connections);
		s->c.max_connections = n;
		if (s->c.unauth_max > n / 2)
			s->c.unauth_max = n / 2;
		if (s->c.unauth_per_addr > s->c.unauth_max)
			s->c.unauth_per_addr = s->c.unauth_max;
	}
}

static void
gate_log(void *arg, const char *msg)
{
	struct px_http_server *s = arg;

	if (s->c.log)
		s->c.log(s->c.app, msg);
}

int
px_http_start(struct px_http_server **out, const struct px_http_config *c)
{
	struct px_http_server *s = NULL;
	struct sockaddr_storage ss;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	const char *addr = c->addr ? c->addr : "127.0.0.1";
	/* poll, not select: descriptors above FD_SETSIZE must work; and not
	 * epoll: with epoll, MHD 0.9.75 spins a worker thread on every TLS
	 * handshake that waits for the client (the socket stays on its
	 * ready list), so a few clients that stall mid-handshake would keep
	 * every core busy. */
	unsigned flags = MHD_USE_TLS | MHD_USE_POLL_INTERNAL_THREAD |
	    MHD_USE_ITC | MHD_USE_ERROR_LOG;
	unsigned threads = c->threads ? c->threads : default_threads();
	const union MHD_DaemonInfo *di;
	struct px_gate_config gc = { 0 };
	int rc;

	*out = NULL;
	if ((rc = check_config(c)) < 0)
		return rc;
	if (c->port > 65535)
		return px_error_set(
		    PX_EINVAL, "port %u is out of range", c->port);
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)c->port);
	} else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)c->port);
		flags |= MHD_USE_IPv6;
	} else {
		return px_error_set(PX_EINVAL,
		    "listen address %s is not an IPv4 or IPv6 literal", addr);
	}

	s = px_calloc(1, sizeof(*s));
	s->c = *c;
	pthread_mutex_init(&s->serial, NULL);
	pthread_mutex_init(&s->pool_mu, NULL);
	px_buf_init(&s->cert, PEM_MAX);
	px_buf_init(&s->key, PEM_MAX);
	if ((rc = check_limits(&s->c)) < 0 || (rc = stream_dir_ready(s)) < 0)
		goto out;
	fit_descriptors(s);
	if ((rc = px_file_read(&s->cert, c->cert_pem_path, PEM_MAX)) < 0 ||
	    (rc = px_file_read(&s->key, c->key_pem_path, PEM_MAX)) < 0) {
		px_error_prefix("HTTPS server");
		goto out;
	}
	gc.unauth_max = s->c.unauth_max;
	gc.unauth_per_addr = s->c.unauth_per_addr;
	gc.peer_conns = s->c.peer_conns;
	gc.header_ms = s->c.header_timeout_s * 1000;
	gc.idle_ms = s->c.idle_timeout_s * 1000;
	gc.log = gate_log;
	gc.log_arg = s;
	if ((rc = px_gate_new(&s->gate, &gc)) < 0)
		goto out;
	s->uploads = px_uploads_new(s->c.upload_total, s->c.upload_per_client);

	s->d = MHD_start_daemon(flags, (uint16_t)c->port, NULL, NULL,
	    &on_request, s, MHD_OPTION_EXTERNAL_LOGGER, &on_mhd_log, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_HTTPS_MEM_CERT, s->cert.data, MHD_OPTION_HTTPS_MEM_KEY,
	    s->key.data, MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES,
	    MHD_OPTION_THREAD_POOL_SIZE, threads > 1 ? threads : 0u,
	    MHD_OPTION_CONNECTION_TIMEOUT, s->c.idle_timeout_s,
	    MHD_OPTION_CONNECTION_LIMIT, s->c.max_connections,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
	    MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_NOTIFY_CONNECTION,
	    &on_connection, s, MHD_OPTION_NOTIFY_COMPLETED, &on_completed, s,
	    MHD_OPTION_URI_LOG_CALLBACK, &on_uri, s,
	    MHD_OPTION_UNESCAPE_CALLBACK, &unescape_none, NULL, MHD_OPTION_END);
	if (s->d == NULL) {
		rc = px_error_set(PX_ERR,
		    "cannot serve HTTPS on %s port %u: %s", addr, c->port,
		    s->start_msg[0] ? s->start_msg
		                    : "libmicrohttpd refused to start");
		goto out;
	}
	atomic_store(&s->started, 1);
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : c->port;
	*out = s;
	s = NULL;
	rc = 0;
out:
	if (s != NULL) {
		px_gate_free(s->gate);
		px_uploads_free(s->uploads);
		pthread_mutex_destroy(&s->serial);
		pool_free(s);
		sodium_memzero(s->key.data, s->key.alloc);
		px_buf_dispose(&s->key);
		px_buf_dispose(&s->cert);
		free(s);
	}
	return rc;
}

unsigned
px_http_port(const struct px_http_server *s)
{
	return s->port;
}

void
px_http_stats(const struct px_http_server *s, struct px_http_stats *out)
{
	struct px_http_server *m = (struct px_http_server *)(uintptr_t)s;

	struct px_gate_stats g;
	size_t held = 0;
	unsigned long refused = 0;

	px_gate_stats(m->gate, &g);
	px_uploads_stats(m->uploads, &held, &refused);
	memset(out, 0, sizeof(*out));
	out->connections = atomic_load(&m->connections);
	out->requests = atomic_load(&m->requests);
	out->inflight = atomic_load(&m->inflight);
	out->open = g.open;
	out->unauth = g.unauth;
	out->peers = g.peers;
	out->evicted = g.evicted;
	out->timed_out = g.timed_out;
	out->early_closed = g.early_closed;
	out->busy = atomic_load(&m->busy);
	out->upload_bytes = held;
	out->log_lines = g.log_lines;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
px_http_stop(struct px_http_server *s)
{
	MHD_socket lfd;
	int64_t deadline;

	if (s == NULL)
		return;
	atomic_store(&s->draining, 1);
	lfd = MHD_quiesce_daemon(s->d);
	deadline = mono_ms() + s->c.drain_ms;
	while (atomic_load(&s->inflight) > 0 && mono_ms() < deadline) {
		struct timespec ts = { 0, 2 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	if (atomic_load(&s->inflight) > 0)
		say(s, "stopping with %lu requests unfinished after %u ms",
		    atomic_load(&s->inflight), s->c.drain_ms);
	MHD_stop_daemon(s->d);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	/* Every connection has been reported closed. */
	px_gate_free(s->gate);
	px_uploads_free(s->uploads);
	pthread_mutex_destroy(&s->serial);
	pool_free(s);
	sodium_memzero(s->key.data, s->key.alloc);
	px_buf_dispose(&s->key);
	px_buf_dispose(&s->cert);
	free(s);
}
