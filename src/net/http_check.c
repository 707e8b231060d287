/*
 * Everything the HTTPS server decides from a request line and its headers
 * before a handler runs, in the order of docs/transport.md section 2, and
 * the checks of a handler's answer (http_internal.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "crypto/sign.h"
#include "net/http_internal.h"
#include "net/problem.h"
#include "util/util.h"

#define WHY_MAX 256

/* ------------------------------------------------------------------ */
/* Small parsers for header values                                     */

/* Content-Length as an unsigned number; garbage or overflow is "huge". */
uint64_t
px_http_parse_length(const char *s)
{
	uint64_t v = 0;

	if (*s == '\0')
		return UINT64_MAX;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return UINT64_MAX;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	return v;
}

static int
ieq_n(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y + 32);
		if (x != y)
			return 0;
	}
	return 1;
}

/* True if the media type of Content-Type `ct` (parameters ignored, case
 * insensitive) is `want`. */
static int
media_type_is(const char *ct, const char *want)
{
	size_t n = 0, w = strlen(want);

	while (ct[n] && ct[n] != ';' && ct[n] != ' ' && ct[n] != '\t')
		n++;
	if (n != w || !ieq_n(ct, want, n))
		return 0;
	while (ct[n] == ' ' || ct[n] == '\t')
		n++;
	return ct[n] == '\0' || ct[n] == ';';
}

/*
 * The token of "Bearer <token68>" (scheme case-insensitive, RFC 6750), or
 * NULL if `auth` is some other or a malformed credential.  Points into
 * `auth`.
 */
static int
is_token68(unsigned char c)
{
	return is_alnum(c) || (c != '\0' && strchr("-._~+/", c));
}

static const char *
parse_bearer(const char *auth)
{
	const char *t;
	size_t i = 0;

	/* ieq_n stops at the first difference, so a short value is safe. */
	if (!ieq_n(auth, "Bearer", 6) || (auth[6] != ' ' && auth[6] != '\t'))
		return NULL;
	for (t = auth + 6; *t == ' ' || *t == '\t'; t++)
		;
	while (is_token68((unsigned char)t[i]))
		i++;
	if (i == 0)
		return NULL;
	while (t[i] == '=')
		i++;
	return t[i] == '\0' ? t : NULL;
}

/* The entity-tag value a handler may set: etagc without '"'. */
int
px_http_etag_valid(const char *e)
{
	if (*e == '\0')
		return 0;
	for (; *e; e++) {
		if ((unsigned char)*e <= 0x20 || *e == '"' ||
		    (unsigned char)*e >= 0x7f)
			return 0;
	}
	return 1;
}

/* True if If-None-Match `inm` is "*" or lists `etag` (weak comparison,
 * RFC 9110 section 13.1.2).  A malformed list matches nothing. */
int
px_http_etag_listed(const char *inm, const char *etag)
{
	size_t elen = strlen(etag);
	const char *p = inm;

	for (;;) {
		const char *q;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			return 0;
		if (*p == '*')
			return 1;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (*p != '"')
			return 0;
		q = strchr(p + 1, '"');
		if (q == NULL)
			return 0;
		if ((size_t)(q - p - 1) == elen &&
		    memcmp(p + 1, etag, elen) == 0)
			return 1;
		p = q + 1;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != ',' && *p != '\0')
			return 0;
	}
}

static int
is_tchar(unsigned char c)
{
	return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

/* Headers the transport manages itself are refused. */
int
px_http_extra_headers(const char *h, struct MHD_Response *m)
{
	static const char *const managed[] = { "content-length",
		"transfer-encoding", "connection", "date", "content-type",
		"etag", "location" };
	char name[128], value[1024];

	while (*h) {
		const char *colon = h, *eol, *v;
		size_t n;

		while (is_tchar((unsigned char)*colon))
			colon++;
		n = (size_t)(colon - h);
		if (n == 0 || n >= sizeof(name) || *colon != ':')
			return px_error_set(PX_EINVAL,
			    "extra header line without a valid name");
		eol = strstr(colon, "\r\n");
		if (eol == NULL)
			return px_error_set(
			    PX_EINVAL, "extra header line not ended by CRLF");
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		for (const char *x = v; x < eol; x++) {
			if (is_ctl((unsigned char)*x) && *x != '\t')
				return px_error_set(PX_EINVAL,
				    "extra header value with a control "
				    "character");
		}
		if ((size_t)(eol - v) >= sizeof(value))
			return px_error_set(
			    PX_EINVAL, "extra header value too long");
		memcpy(name, h, n);
		name[n] = '\0';
		for (size_t i = 0; i < PX_ARRAY_LEN(managed); i++) {
			if (strlen(managed[i]) == n &&
			    ieq_n(name, managed[i], n))
				return px_error_set(PX_EINVAL,
				    "extra header %s is set by the transport "
				    "or by its own response field",
				    name);
		}
		memcpy(value, v, (size_t)(eol - v));
		value[eol - v] = '\0';
		if (m != NULL &&
		    MHD_add_response_header(m, name, value) != MHD_YES)
			return px_error_set(
			    PX_EINVAL, "libmicrohttpd refused header %s", name);
		h = eol + 2;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The client certificate                                              */

struct conn *
px_http_conn_of(struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

const char *
px_http_conn_fp(struct MHD_Connection *mc, struct conn *cn)
{
	const union MHD_ConnectionInfo *ci;

	if (cn->fp_state != FP_UNKNOWN)
		return cn->fp_state == FP_HAVE ? cn->fp : NULL;
	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci == NULL || ci->tls_session == NULL) {
		cn->fp_state = FP_NONE;
		return NULL;
	}
	return px_http_session_fp(cn, (gnutls_session_t)ci->tls_session);
}

const char *
px_http_session_fp(struct conn *cn, gnutls_session_t ts)
{
	const gnutls_datum_t *peers;
	unsigned n = 0;
	uint8_t d[PX_SHA256_LEN];

	if (cn->fp_state != FP_UNKNOWN)
		return cn->fp_state == FP_HAVE ? cn->fp : NULL;
	cn->fp_state = FP_NONE;
	if (gnutls_certificate_type_get2(ts, GNUTLS_CTYPE_PEERS) !=
	    GNUTLS_CRT_X509)
		return NULL;
	peers = gnutls_certificate_get_peers(ts, &n);
	if (peers == NULL || n == 0)
		return NULL;
	px_sha256(d, peers[0].data, peers[0].size);
	memcpy(cn->fp, "sha256:", 7);
	px_hex_encode(cn->fp + 7, d, sizeof(d));
	cn->fp_state = FP_HAVE;
	return cn->fp;
}

/* ------------------------------------------------------------------ */
/* Deciding and answering                                              */

static void
reset_resp(struct px_http_resp *r)
{
	px_buf_dispose(&r->body);
	px_buf_init(&r->body, PX_HTTP_RESP_MAX);
	free(r->extra_headers);
	r->extra_headers = NULL;
	r->status = 0;
	r->content_type = NULL;
	r->etag[0] = '\0';
	r->location = NULL;
}

void
px_http_decide(
    struct request *rq, int status, const char *extra, const char *fmt, ...)
{
	va_list ap;

	reset_resp(&rq->resp);
	va_start(ap, fmt);
	(void)px_problem_v(&rq->resp, status, NULL, NULL, fmt, ap);
	va_end(ap);
	if (extra != NULL)
		rq->resp.extra_headers = px_strdup(extra);
	rq->decided = true;
}

static int
method_matches(const struct px_route *r, const char *method)
{
	return strcmp(r->method, method) == 0 ||
	    (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0);
}

/* Finds the route, or decides 404 / 405.  The path is already checked. */
static void
route(struct px_http_server *s, struct request *rq, const char *method,
    char *scratch, size_t scratch_len)
{
	const char *path = rq->req.path;
	size_t len = strlen(path);
	char allow[256] = "";
	size_t alen = 0;

	for (size_t i = 0; i < s->c.nroutes; i++) {
		const struct px_route *r = &s->c.routes[i];
		size_t np = 0;
		int m = px_http_match(r->pattern, path, len, scratch,
		    scratch_len, rq->req.params, &np);

		if (m < 0) {
			px_http_decide(rq, 400, NULL, "malformed path %s: %s",
			    path, px_error_last());
			return;
		}
		if (m == 0)
			continue;
		if (method_matches(r, method)) {
			rq->route = r;
			rq->req.nparams = np;
			return;
		}
		/* Same resource, other method: remember it for Allow. */
		if (strstr(allow, r->method) == NULL) {
			int k = snprintf(allow + alen, sizeof(allow) - alen,
			    "%s%s%s", alen ? ", " : "", r->method,
			    strcmp(r->method, "GET") == 0 ? ", HEAD" : "");

			if (k > 0 && (size_t)k < sizeof(allow) - alen)
				alen += (size_t)k;
		}
	}
	if (alen == 0) {
		px_http_decide(rq, 404, NULL,
		    "no resource at %s; check the path against the API "
		    "documentation",
		    path);
	} else {
		char hdr[300];

		snprintf(hdr, sizeof(hdr), "Allow: %s\r\n", allow);
		px_http_decide(rq, 405, hdr,
		    "%s is not allowed on %s; allowed: %s", method, path,
		    allow);
	}
}

static void
check_auth(struct px_http_server *s, struct MHD_Connection *mc, struct conn *cn,
    struct request *rq)
{
	const struct px_route *r = rq->route;
	const char *fp = cn ? px_http_conn_fp(mc, cn) : NULL;
	const char *auth = MHD_lookup_connection_value(
	    mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	char why[WHY_MAX] = "";
	int rc;

	if (fp != NULL && s->c.peer_allowed != NULL &&
	    s->c.peer_allowed(s->c.app, fp) == 1) {
		rq->req.peer_fp = fp;
		rq->authed = true;
	}
	if (auth != NULL)
		rq->req.bearer = parse_bearer(auth);

	switch (r->auth) {
	case PX_AUTH_NONE:
		return;
	case PX_AUTH_PEER:
		if (fp == NULL)
			px_http_decide(rq, 403, NULL,
			    "%s %s is for pinned peers: present the client "
			    "certificate enrolled with this node (none was "
			    "presented)",
			    rq->req.method, rq->req.path);
		else if (rq->req.peer_fp == NULL)
			px_http_decide(rq, 403, NULL,
			    "%s %s is for pinned peers: the client "
			    "certificate %s is not pinned by this node",
			    rq->req.method, rq->req.path, fp);
		return;
	case PX_AUTH_TOKEN:
		break;
	}
	if (auth == NULL) {
		px_http_decide(rq, 401,
		    "WWW-Authenticate: Bearer realm=\"parley\"\r\n",
		    "%s %s needs an \"Authorization: Bearer <token>\" header",
		    rq->req.method, rq->req.path);
		return;
	}
	if (rq->req.bearer == NULL) {
		px_http_decide(rq, 401,
		    "WWW-Authenticate: Bearer realm=\"parley\", "
		    "error=\"invalid_request\"\r\n",
		    "the Authorization header is not \"Bearer <token>\" "
		    "with a token68 token");
		return;
	}
	rc = s->c.token_ok(s->c.app, &rq->req, r, why, sizeof(why));
	why[sizeof(why) - 1] = '\0';
	if (rc == 0) {
		rq->authed = true;
		return;
	}
	if (rc == 401)
		px_http_decide(rq, 401,
		    "WWW-Authenticate: Bearer realm=\"parley\", "
		    "error=\"invalid_token\"\r\n",
		    "the bearer token was not accepted%s%s; present a valid "
		    "token",
		    why[0] ? ": " : "", why);
	else if (rc == 403)
		px_http_decide(rq, 403,
		    "WWW-Authenticate: Bearer realm=\"parley\", "
		    "error=\"insufficient_scope\"\r\n",
		    "the bearer token may not %s %s%s%s", rq->req.method,
		    rq->req.path, why[0] ? ": " : "", why);
	else
		px_http_decide(rq, 500, NULL,
		    "the token check failed (it answered %d, not 0, 401 or "
		    "403)",
		    rc);
}

static void
check_body(struct request *rq)
{
	const struct px_route *r = rq->route;

	if (!rq->has_body)
		return;
	if (r->max_body == 0) {
		px_http_decide(rq, 413, NULL, "%s %s takes no request body",
		    rq->req.method, rq->req.path);
		return;
	}
	if (r->accept_type != NULL &&
	    (rq->req.content_type == NULL ||
	        !media_type_is(rq->req.content_type, r->accept_type))) {
		px_http_decide(rq, 415, NULL,
		    "%s %s takes a body of type %s, not %s", rq->req.method,
		    rq->req.path, r->accept_type,
		    rq->req.content_type ? rq->req.content_type
		                         : "(no Content-Type)");
		return;
	}
	if (rq->clen != UINT64_MAX && rq->clen > r->max_body) {
		px_http_decide(rq, 413, NULL,
		    "the body of %s %s may be at most %zu bytes; "
		    "Content-Length says %llu",
		    rq->req.method, rq->req.path, r->max_body,
		    (unsigned long long)rq->clen);
		return;
	}
}

/* A streamed body goes to a new file in the stream directory (on disk,
 * not from the memory budget). */
static void
open_stream(struct px_http_server *s, struct request *rq)
{
	if (s->c.stream_dir == NULL) {
		px_http_decide(rq, 500, NULL,
		    "%s %s streams its body but the server has no directory "
		    "for it",
		    rq->req.method, rq->req.path);
		return;
	}
	rq->spath = px_asprintf("%s/body-XXXXXX", s->c.stream_dir);
	if ((rq->sfd = mkstemp(rq->spath)) >= 0)
		(void)fcntl(rq->sfd, F_SETFD, FD_CLOEXEC);
	if (rq->sfd < 0) {
		px_http_decide(rq, 507, NULL,
		    "cannot keep the body of %s %s: %s", rq->req.method,
		    rq->req.path, strerror(errno));
		free(rq->spath);
		rq->spath = NULL;
	}
}

/*
 * Reserves the body's bytes from the upload budget: all of Content-Length
 * now, or a first piece of a chunked body (the rest as it comes).  A body
 * that does not fit is answered 503 with Retry-After: the client comes
 * back when other uploads are done.
 */
static void
check_budget(struct px_http_server *s, struct conn *cn, struct request *rq)
{
	size_t want;

	if (!rq->has_body)
		return;
	if (rq->route->flags & PX_ROUTE_STREAM) {
		open_stream(s, rq);
		return;
	}
	want =
	    rq->clen != UINT64_MAX ? (size_t)rq->clen : PX_HTTP_CHUNK_RESERVE;
	rq->budget_key = rq->req.peer_fp
	    ? px_strdup(rq->req.peer_fp)
	    : px_asprintf("addr:%s", cn && cn->gc ? px_gate_addr(cn->gc) : "?");
	if (px_uploads_take(s->uploads, rq->budget_key, want) < 0) {
		char hdr[64];

		atomic_fetch_add(&s->busy, 1);
		snprintf(hdr, sizeof(hdr), "Retry-After: %d\r\n",
		    PX_HTTP_RETRY_AFTER_S);
		px_http_decide(rq, 503, hdr,
		    "the server holds as many uploads as it allows now (at "
		    "most %zu bytes in all, %zu per client); send again after "
		    "%d s",
		    s->c.upload_total, s->c.upload_per_client,
		    PX_HTTP_RETRY_AFTER_S);
		return;
	}
	rq->reserved = want;
	px_buf_init(&rq->body, rq->route->max_body);
	/* One buffer of the announced size, not a doubling series. */
	if (rq->clen != UINT64_MAX)
		px_http_body_take(s, &rq->body, (size_t)rq->clen);
}

/*
 * How a refusal of a request that announced a body is sent: a body the
 * client will not send (Expect: 100-continue), or one too large to read
 * through, is answered at once and the connection closed; a smaller one is
 * read and dropped first, so that a client that sends its whole body
 * before reading (most do) sees the answer rather than a reset.
 */
static void
plan_refusal(struct request *rq)
{
	if (!rq->decided || !rq->has_body)
		return;
	rq->close = true;
	rq->discard = !rq->expect && rq->clen != UINT64_MAX &&
	    rq->clen <= PX_HTTP_DISCARD_MAX;
}

struct request *
px_http_begin(struct px_http_server *s, struct MHD_Connection *mc,
    const char *url, const char *method)
{
	struct request *rq = px_calloc(1, sizeof(*rq));
	struct conn *cn = px_http_conn_of(mc);
	const char *target = url, *q, *te, *cl, *ex;
	size_t tlen, plen, qlen, slen;
	char *path, *query, *scratch;

	rq->sfd = -1;
	px_buf_init(&rq->body, 0);
	px_buf_init(&rq->resp.body, PX_HTTP_RESP_MAX);
	rq->req.method = method;
	rq->req.app = s->c.app;
	rq->req.content_type = MHD_lookup_connection_value(
	    mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	rq->req.if_none_match = MHD_lookup_connection_value(
	    mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	rq->req.accept = MHD_lookup_connection_value(
	    mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	rq->req.authorization = MHD_lookup_connection_value(
	    mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	rq->req.host = MHD_lookup_connection_value(
	    mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	te = MHD_lookup_connection_value(
	    mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	cl = MHD_lookup_connection_value(
	    mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	ex = MHD_lookup_connection_value(
	    mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
	rq->clen = cl ? px_http_parse_length(cl) : UINT64_MAX;
	rq->has_body = te != NULL || (cl != NULL && rq->clen > 0);
	rq->expect =
	    ex != NULL && ieq_n(ex, "100-continue", 12) && ex[12] == '\0';

	if (cn != NULL && cn->target_state == TARGET_TOO_LONG) {
		cn->target_state = TARGET_NONE;
		rq->req.path = "";
		px_http_decide(rq, 414, NULL,
		    "the request-target is %zu bytes; at most %d are served",
		    cn->target_len, PX_HTTP_TARGET_MAX);
		goto out;
	}
	if (cn != NULL && cn->target_state == TARGET_OK) {
		target = cn->target;
		cn->target_state = TARGET_NONE;
	}
	tlen = strlen(target);
	if (tlen > PX_HTTP_TARGET_MAX) {
		rq->req.path = "";
		px_http_decide(rq, 414, NULL,
		    "the request-target is %zu bytes; at most %d are served",
		    tlen, PX_HTTP_TARGET_MAX);
		goto out;
	}
	q = memchr(target, '?', tlen);
	plen = q ? (size_t)(q - target) : tlen;
	qlen = q ? tlen - plen - 1 : 0;
	slen = plen + PX_HTTP_MAX_PARAMS + 1;
	rq->mem = px_malloc(plen + 1 + qlen + 1 + slen);
	path = rq->mem;
	query = path + plen + 1;
	scratch = query + qlen + 1;
	memcpy(path, target, plen);
	path[plen] = '\0';
	memcpy(query, q ? q + 1 : "", qlen);
	query[qlen] = '\0';
	rq->req.path = path;
	rq->req.query = q ? query : NULL;

	if (px_http_path_check(path, plen) < 0) {
		px_http_decide(rq, 400, NULL,
		    "malformed path: %s; expected an absolute path of RFC "
		    "3986 characters",
		    px_error_last());
		goto out;
	}
	route(s, rq, method, scratch, slen);
	if (rq->decided)
		goto out;
	check_auth(s, mc, cn, rq);
	if (rq->decided)
		goto out;
	check_body(rq);
	if (!rq->decided)
		check_budget(s, cn, rq);
out:
	plan_refusal(rq);
	return rq;
}
