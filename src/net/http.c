/*
 * The HTTPS server (see http.h for the contract, docs/transport.md for the
 * wire behaviour).
 *
 * libmicrohttpd (MHD) does the HTTP/1.1 and GnuTLS does the TLS; parley
 * adds routing, the pinned-peer and bearer checks, body limits and
 * problem+json answers.  Four things about MHD shape this file:
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
 *   - The access handler is called once when the headers are in, once per
 *     piece of body, and once more at the end.  Answering on the first
 *     call while a body is still unread makes MHD close the connection
 *     after the answer, which is what we want when refusing an upload
 *     (413, or a 401/403 on a POST) and nothing else: every other answer
 *     is queued on a later call, so keep-alive survives.
 *
 *   - MHD percent-decodes the path before we see it, which would turn
 *     "%2F" into a segment separator.  The unescape callback is therefore
 *     the identity, and the raw request-target (path and query) is taken
 *     from the URI-log callback into the per-connection context; paths are
 *     decoded per segment by px_http_match.
 *
 *   - Requests in flight are counted (first access-handler call to the
 *     completed notification) so that px_http_stop can drain them.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <sodium.h>

#include "crypto/sign.h"
#include "crypto/tls.h"
#include "net/http.h"
#include "net/problem.h"
#include "util/util.h"

/* TLS 1.3 only: both ends are parley, so there is no older peer to
 * accommodate. */
#define TLS_PRIORITIES  "NORMAL:-VERS-ALL:+VERS-TLS1.3"
#define CONN_MEMORY     (64 * 1024) /* request line + headers + body chunk */
#define PEM_MAX         (64 * 1024)
#define IDLE_DEFAULT    60
#define DRAIN_DEFAULT   10000
#define MAXCONN_DEFAULT 256
#define WHY_MAX         256

enum fp_state { FP_UNKNOWN, FP_NONE, FP_HAVE };
enum target_state { TARGET_NONE, TARGET_OK, TARGET_TOO_LONG };

struct px_http_server {
	struct MHD_Daemon *d;
	struct px_http_config c; /* a copy; pointers in it are borrowed */
	unsigned port;
	struct px_buf cert, key;
	char start_msg[256]; /* MHD's last message while starting */
	atomic_int started;  /* start_msg is no longer written */
	atomic_ulong connections, requests, inflight;
	atomic_int draining;
};

/* One per TLS connection (MHD's socket context). */
struct conn {
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
	int decided;  /* resp is the answer; the handler does not run */
	int has_body; /* the client announced a body */
	char *mem;    /* path, query and decoded captures */
};

static void say(struct px_http_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(struct px_http_server *s, const char *fmt, ...)
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

/* ------------------------------------------------------------------ */
/* Paths and patterns                                                  */

static int
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* RFC 3986 pchar without pct-encoded: unreserved / sub-delims / ":" "@" */
static int
is_pchar(unsigned char c)
{
	return is_alnum(c) || (c != '\0' && strchr("-._~!$&'()*+,;=:@", c));
}

static int
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/*
 * Decodes the raw segment s[0..n) into out (room for n bytes; no NUL is
 * written).  A '%' must be followed by two hex digits, and neither raw nor
 * decoded bytes may be control characters (NUL included).
 */
static int
seg_decode(const char *s, size_t n, char *out, size_t *outlen)
{
	size_t i, j = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (n - i < 3 || (hi = px_hex_digit(s[i + 1])) < 0 ||
			    (lo = px_hex_digit(s[i + 2])) < 0)
				return px_error_set(PX_EINVAL,
				    "'%%' at byte %zu of a path segment is not "
				    "followed by two hex digits",
				    i);
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
			if (is_ctl(c))
				return px_error_set(PX_EINVAL,
				    "a path segment encodes the control "
				    "character 0x%02x",
				    c);
		} else if (is_ctl(c)) {
			return px_error_set(PX_EINVAL,
			    "a path segment holds the control character "
			    "0x%02x",
			    c);
		}
		out[j++] = (char)c;
	}
	*outlen = j;
	return 0;
}

int
px_http_path_check(const char *path, size_t len)
{
	size_t i, start;

	if (len == 0 || path[0] != '/')
		return px_error_set(PX_EINVAL, "the path must start with '/'");
	for (i = 1, start = 1; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)path[i] : '/';
		size_t dlen, n;

		if (c != '/') {
			if (c == '%') {
				if (len - i < 3 ||
				    px_hex_digit(path[i + 1]) < 0 ||
				    px_hex_digit(path[i + 2]) < 0)
					return px_error_set(PX_EINVAL,
					    "'%%' at byte %zu of the path is "
					    "not followed by two hex digits",
					    i);
				i += 2;
			} else if (!is_pchar(c)) {
				return px_error_set(PX_EINVAL,
				    "byte %zu of the path (0x%02x) is not "
				    "allowed in a path; percent-encode it",
				    i, c);
			}
			continue;
		}
		/* A whole segment path[start..i): decodes cleanly and is not
		 * a dot segment.  Only short segments can be dots. */
		n = i - start;
		if (n <= 9) {
			char tmp[9];
			int rc = seg_decode(path + start, n, tmp, &dlen);

			if (rc < 0)
				return rc;
			if ((dlen == 1 && tmp[0] == '.') ||
			    (dlen == 2 && tmp[0] == '.' && tmp[1] == '.'))
				return px_error_set(PX_EINVAL,
				    "the path has a \".\" or \"..\" segment");
		} else {
			for (size_t k = start; k + 2 < i; k++) {
				int hi, lo;

				if (path[k] != '%')
					continue;
				hi = px_hex_digit(path[k + 1]);
				lo = px_hex_digit(path[k + 2]);
				if (is_ctl((unsigned char)(hi << 4 | lo)))
					return px_error_set(PX_EINVAL,
					    "the path encodes the control "
					    "character 0x%02x",
					    hi << 4 | lo);
			}
		}
		start = i + 1;
	}
	return 0;
}

/* Length of the pattern segment at p (up to '/' or the end). */
static size_t
pseg_len(const char *p)
{
	const char *e = strchr(p, '/');

	return e ? (size_t)(e - p) : strlen(p);
}

static int
is_capture(const char *p, size_t n)
{
	return n >= 3 && p[0] == '{' && p[n - 1] == '}';
}

int
px_http_pattern_valid(const char *pattern)
{
	const char *p = pattern;
	size_t ncap = 0;

	if (p == NULL || *p != '/')
		return 0;
	while (*p == '/') {
		size_t n = pseg_len(++p);

		if (is_capture(p, n)) {
			for (size_t i = 1; i + 1 < n; i++) {
				if (!is_alnum((unsigned char)p[i]) &&
				    p[i] != '_')
					return 0;
			}
			if (++ncap > PX_HTTP_MAX_PARAMS)
				return 0;
		} else {
			/* A dot segment would never be reached: the path
			 * check refuses it. */
			if ((n == 1 && p[0] == '.') ||
			    (n == 2 && p[0] == '.' && p[1] == '.'))
				return 0;
			for (size_t i = 0; i < n; i++) {
				if (!is_pchar((unsigned char)p[i]))
					return 0;
			}
		}
		p += n;
	}
	return *p == '\0';
}

int
px_http_match(const char *pattern, const char *path, size_t len, char *scratch,
    size_t scratch_len, const char *params[PX_HTTP_MAX_PARAMS], size_t *nparams)
{
	const char *p = pattern;
	size_t i = 0, used = 0, np = 0;

	*nparams = 0;
	if (len > SIZE_MAX - PX_HTTP_MAX_PARAMS - 1 ||
	    scratch_len < len + PX_HTTP_MAX_PARAMS + 1)
		return px_error_set(PX_ETOOBIG,
		    "route matching needs %zu bytes of scratch space",
		    len + PX_HTTP_MAX_PARAMS + 1);
	if (len == 0 || path[0] != '/' || p[0] != '/')
		return 0;
	for (;;) {
		size_t plen, j, dlen;
		int rc;

		/* Both are at a '/'. */
		p++;
		i++;
		plen = pseg_len(p);
		for (j = i; j < len && path[j] != '/'; j++)
			;
		if ((rc = seg_decode(path + i, j - i, scratch + used, &dlen)) <
		    0)
			return rc;
		if (is_capture(p, plen)) {
			if (dlen == 0)
				return 0;
			if (np == PX_HTTP_MAX_PARAMS)
				return px_error_set(PX_EINVAL,
				    "pattern %s has more than %d captures",
				    pattern, PX_HTTP_MAX_PARAMS);
			scratch[used + dlen] = '\0';
			params[np++] = scratch + used;
			used += dlen + 1;
		} else if (dlen != plen ||
		    memcmp(scratch + used, p, plen) != 0) {
			return 0;
		}
		p += plen;
		i = j;
		if (*p == '\0' || i == len) {
			if (*p != '\0' || i != len)
				return 0;
			*nparams = np;
			return 1;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Small parsers for header values                                     */

/* Content-Length as an unsigned number; garbage or overflow is "huge". */
static uint64_t
parse_length(const char *s)
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
static int
etag_valid(const char *e)
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
static int
etag_listed(const char *inm, const char *etag)
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

/*
 * Walks "Name: value\r\n" lines.  With m NULL it only checks them; else it
 * adds each to the response.  Headers the transport manages itself are
 * refused.  Returns 0 or PX_EINVAL with a message.
 */
static int
extra_headers(const char *h, struct MHD_Response *m)
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
/* MHD callbacks                                                       */

static struct conn *
conn_of(struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static void
on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct px_http_server *s = cls;
	const union MHD_ConnectionInfo *ci;

	if (code != MHD_CONNECTION_NOTIFY_STARTED) {
		free(*socket_context);
		*socket_context = NULL;
		return;
	}
	atomic_fetch_add(&s->connections, 1);
	*socket_context = px_calloc(1, sizeof(struct conn));
	/* Ask for a client certificate, but let GnuTLS judge nothing: a
	 * client without one may still use PX_AUTH_NONE/TOKEN routes. */
	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci != NULL && ci->tls_session != NULL)
		gnutls_certificate_server_set_request(
		    (gnutls_session_t)ci->tls_session, GNUTLS_CERT_REQUEST);
	else
		say(s,
		    "no TLS session at connection start: client "
		    "certificates cannot be requested");
}

/* The client certificate's fingerprint, worked out once per connection. */
static const char *
conn_fp(struct MHD_Connection *mc, struct conn *cn)
{
	const union MHD_ConnectionInfo *ci;
	const gnutls_datum_t *peers;
	gnutls_session_t ts;
	unsigned n = 0;
	uint8_t d[PX_SHA256_LEN];

	if (cn->fp_state != FP_UNKNOWN)
		return cn->fp_state == FP_HAVE ? cn->fp : NULL;
	cn->fp_state = FP_NONE;
	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci == NULL || ci->tls_session == NULL)
		return NULL;
	ts = (gnutls_session_t)ci->tls_session;
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

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *mc)
{
	struct px_http_server *s = cls;
	struct conn *cn = conn_of(mc);
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
	if (!atomic_load(&s->started))
		snprintf(s->start_msg, sizeof(s->start_msg), "%s", msg);
	say(s, "libmicrohttpd: %s", msg);
}

static void
request_free(struct request *rq)
{
	px_buf_dispose(&rq->body);
	px_buf_dispose(&rq->resp.body);
	free(rq->resp.extra_headers);
	free(rq->mem);
	free(rq);
}

static void
on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct px_http_server *s = cls;
	struct request *rq = *con_cls;

	(void)mc;
	(void)toe;
	if (rq == NULL)
		return;
	request_free(rq);
	*con_cls = NULL;
	atomic_fetch_sub(&s->inflight, 1);
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

static void decide(struct request *rq, int status, const char *extra,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Makes the answer a problem; the handler will not run. */
static void
decide(struct request *rq, int status, const char *extra, const char *fmt, ...)
{
	va_list ap;

	reset_resp(&rq->resp);
	va_start(ap, fmt);
	(void)px_problem_v(&rq->resp, status, NULL, NULL, fmt, ap);
	va_end(ap);
	if (extra != NULL)
		rq->resp.extra_headers = px_strdup(extra);
	rq->decided = 1;
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
			decide(rq, 400, NULL, "malformed path %s: %s", path,
			    px_error_last());
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
		decide(rq, 404, NULL,
		    "no resource at %s; check the path against the API "
		    "documentation",
		    path);
	} else {
		char hdr[300];

		snprintf(hdr, sizeof(hdr), "Allow: %s\r\n", allow);
		decide(rq, 405, hdr, "%s is not allowed on %s; allowed: %s",
		    method, path, allow);
	}
}

static void
check_auth(struct px_http_server *s, struct MHD_Connection *mc, struct conn *cn,
    struct request *rq)
{
	const struct px_route *r = rq->route;
	const char *fp = cn ? conn_fp(mc, cn) : NULL;
	const char *auth = MHD_lookup_connection_value(
	    mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	char why[WHY_MAX] = "";
	int rc;

	if (fp != NULL && s->c.peer_allowed != NULL &&
	    s->c.peer_allowed(s->c.app, fp) == 1)
		rq->req.peer_fp = fp;
	if (auth != NULL)
		rq->req.bearer = parse_bearer(auth);

	switch (r->auth) {
	case PX_AUTH_NONE:
		return;
	case PX_AUTH_PEER:
		if (fp == NULL)
			decide(rq, 403, NULL,
			    "%s %s is for pinned peers: present the client "
			    "certificate enrolled with this node (none was "
			    "presented)",
			    rq->req.method, rq->req.path);
		else if (rq->req.peer_fp == NULL)
			decide(rq, 403, NULL,
			    "%s %s is for pinned peers: the client "
			    "certificate %s is not pinned by this node",
			    rq->req.method, rq->req.path, fp);
		return;
	case PX_AUTH_TOKEN:
		break;
	}
	if (auth == NULL) {
		decide(rq, 401, "WWW-Authenticate: Bearer realm=\"parley\"\r\n",
		    "%s %s needs an \"Authorization: Bearer <token>\" header",
		    rq->req.method, rq->req.path);
		return;
	}
	if (rq->req.bearer == NULL) {
		decide(rq, 401,
		    "WWW-Authenticate: Bearer realm=\"parley\", "
		    "error=\"invalid_request\"\r\n",
		    "the Authorization header is not \"Bearer <token>\" "
		    "with a token68 token");
		return;
	}
	rc = s->c.token_ok(s->c.app, &rq->req, r, why, sizeof(why));
	why[sizeof(why) - 1] = '\0';
	if (rc == 0)
		return;
	if (rc == 401)
		decide(rq, 401,
		    "WWW-Authenticate: Bearer realm=\"parley\", "
		    "error=\"invalid_token\"\r\n",
		    "the bearer token was not accepted%s%s; present a valid "
		    "token",
		    why[0] ? ": " : "", why);
	else if (rc == 403)
		decide(rq, 403,
		    "WWW-Authenticate: Bearer realm=\"parley\", "
		    "error=\"insufficient_scope\"\r\n",
		    "the bearer token may not %s %s%s%s", rq->req.method,
		    rq->req.path, why[0] ? ": " : "", why);
	else
		decide(rq, 500, NULL,
		    "the token check failed (it answered %d, not 0, 401 or "
		    "403)",
		    rc);
}

static void
check_body(struct MHD_Connection *mc, struct request *rq)
{
	const struct px_route *r = rq->route;
	const char *cl = MHD_lookup_connection_value(
	    mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	uint64_t n = cl ? parse_length(cl) : 0;

	if (!rq->has_body)
		return;
	if (r->max_body == 0) {
		decide(rq, 413, NULL, "%s %s takes no request body",
		    rq->req.method, rq->req.path);
		return;
	}
	if (r->accept_type != NULL &&
	    (rq->req.content_type == NULL ||
	        !media_type_is(rq->req.content_type, r->accept_type))) {
		decide(rq, 415, NULL, "%s %s takes a body of type %s, not %s",
		    rq->req.method, rq->req.path, r->accept_type,
		    rq->req.content_type ? rq->req.content_type
		                         : "(no Content-Type)");
		return;
	}
	if (cl != NULL && n > r->max_body) {
		decide(rq, 413, NULL,
		    "the body of %s %s may be at most %zu bytes; "
		    "Content-Length says %s",
		    rq->req.method, rq->req.path, r->max_body, cl);
		return;
	}
	px_buf_init(&rq->body, r->max_body);
}

/* Everything decided from the request line and headers. */
static struct request *
begin(struct px_http_server *s, struct MHD_Connection *mc, const char *url,
    const char *method)
{
	struct request *rq = px_calloc(1, sizeof(*rq));
	struct conn *cn = conn_of(mc);
	const char *target = url, *q, *te, *cl;
	size_t tlen, plen, qlen, slen;
	char *path, *query, *scratch;

	px_buf_init(&rq->body, 0);
	px_buf_init(&rq->resp.body, PX_HTTP_RESP_MAX);
	rq->req.method = method;
	rq->req.app = s->c.app;
	rq->req.content_type = MHD_lookup_connection_value(
	    mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	rq->req.if_none_match = MHD_lookup_connection_value(
	    mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	te = MHD_lookup_connection_value(
	    mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	cl = MHD_lookup_connection_value(
	    mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	rq->has_body = te != NULL || (cl != NULL && parse_length(cl) > 0);

	if (cn != NULL && cn->target_state == TARGET_TOO_LONG) {
		cn->target_state = TARGET_NONE;
		rq->req.path = "";
		decide(rq, 414, NULL,
		    "the request-target is %zu bytes; at most %d are served",
		    cn->target_len, PX_HTTP_TARGET_MAX);
		return rq;
	}
	if (cn != NULL && cn->target_state == TARGET_OK) {
		target = cn->target;
		cn->target_state = TARGET_NONE;
	}
	tlen = strlen(target);
	if (tlen > PX_HTTP_TARGET_MAX) {
		rq->req.path = "";
		decide(rq, 414, NULL,
		    "the request-target is %zu bytes; at most %d are served",
		    tlen, PX_HTTP_TARGET_MAX);
		return rq;
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
		decide(rq, 400, NULL,
		    "malformed path: %s; expected an absolute path of RFC "
		    "3986 characters",
		    px_error_last());
		return rq;
	}
	route(s, rq, method, scratch, slen);
	if (rq->decided)
		return rq;
	check_auth(s, mc, cn, rq);
	if (rq->decided)
		return rq;
	check_body(mc, rq);
	return rq;
}

/* Runs the handler and turns any failure of its into a 500. */
static void
run_handler(struct px_http_server *s, struct request *rq)
{
	struct px_http_resp *r = &rq->resp;
	const char *bad = NULL;
	int rc;

	rq->req.body = rq->body.data;
	rq->req.body_len = rq->body.len;
	px_error_clear();
	rc = rq->route->fn(&rq->req, r);
	if (rc != 0) {
		char why[256];

		snprintf(why, sizeof(why), "%s",
		    px_error_last()[0] ? px_error_last() : "no reason given");
		say(s, "%s %s: handler failed: %s", rq->req.method,
		    rq->req.path, why);
		decide(rq, 500, NULL, "%s %s failed: %s", rq->req.method,
		    rq->req.path, why);
		return;
	}
	if (r->status < 200 || r->status > 599)
		bad = "no valid status (200..599)";
	else if (r->etag[0] != '\0' &&
	    (memchr(r->etag, '\0', sizeof(r->etag)) == NULL ||
	        !etag_valid(r->etag)))
		bad = "an invalid ETag";
	else if (r->location != NULL && strpbrk(r->location, "\r\n") != NULL)
		bad = "a Location with a line break";
	else if (r->content_type != NULL &&
	    strpbrk(r->content_type, "\r\n") != NULL)
		bad = "a Content-Type with a line break";
	else if (r->extra_headers != NULL &&
	    extra_headers(r->extra_headers, NULL) < 0)
		bad = px_error_last();
	if (bad != NULL) {
		char why[256];

		snprintf(why, sizeof(why), "%s", bad);
		say(s, "%s %s: handler answered %s", rq->req.method,
		    rq->req.path, why);
		decide(rq, 500, NULL, "%s %s failed: its handler answered %s",
		    rq->req.method, rq->req.path, why);
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
	    etag_listed(rq->req.if_none_match, r->etag)) {
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
	if (r->extra_headers != NULL && extra_headers(r->extra_headers, m) < 0)
		say(s, "%s %s: %s", rq->req.method, rq->req.path,
		    px_error_last());
	MHD_add_response_header(m, "X-Content-Type-Options", "nosniff");
	if (atomic_load(&s->draining))
		MHD_add_response_header(m, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(mc, (unsigned)status, m);
	MHD_destroy_response(m);
	return ret;
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
		atomic_fetch_add(&s->inflight, 1);
		rq = begin(s, mc, url, method);
		*con_cls = rq;
		/* A refused upload is refused now, before it is read. */
		if (rq->decided && rq->has_body)
			return respond(s, mc, rq);
		return MHD_YES;
	}
	if (*upload_size != 0) {
		if (!rq->decided &&
		    px_buf_add(&rq->body, upload, *upload_size) < 0) {
			/* Only a body without Content-Length gets here.
			 * MHD 0.9.75 cannot queue an answer in the middle of
			 * a body, and reading the rest to be able to answer
			 * is what the limit exists to avoid: drop the
			 * connection. */
			say(s,
			    "%s %s: body passed %zu bytes; connection "
			    "closed",
			    rq->req.method, rq->req.path, rq->route->max_body);
			return MHD_NO;
		}
		*upload_size = 0;
		return MHD_YES;
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
		if (r->auth == PX_AUTH_TOKEN && c->token_ok == NULL)
			return px_error_set(PX_EINVAL,
			    "route %zu (%s) needs a token but no token_ok "
			    "callback is set",
			    i, pat);
	}
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

int
px_http_start(struct px_http_server **out, const struct px_http_config *c)
{
	struct px_http_server *s = NULL;
	struct sockaddr_storage ss;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	const char *addr = c->addr ? c->addr : "127.0.0.1";
	unsigned flags = MHD_USE_TLS | MHD_USE_AUTO_INTERNAL_THREAD |
	    MHD_USE_ITC | MHD_USE_ERROR_LOG;
	unsigned threads = c->threads ? c->threads : default_threads();
	const union MHD_DaemonInfo *di;
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
	if (s->c.idle_timeout_s == 0)
		s->c.idle_timeout_s = IDLE_DEFAULT;
	if (s->c.drain_ms == 0)
		s->c.drain_ms = DRAIN_DEFAULT;
	if (s->c.max_connections == 0)
		s->c.max_connections = MAXCONN_DEFAULT;
	px_buf_init(&s->cert, PEM_MAX);
	px_buf_init(&s->key, PEM_MAX);
	if ((rc = px_file_read(&s->cert, c->cert_pem_path, PEM_MAX)) < 0 ||
	    (rc = px_file_read(&s->key, c->key_pem_path, PEM_MAX)) < 0) {
		px_error_prefix("HTTPS server");
		goto out;
	}

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

	out->connections = atomic_load(&m->connections);
	out->requests = atomic_load(&m->requests);
	out->inflight = atomic_load(&m->inflight);
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
	sodium_memzero(s->key.data, s->key.alloc);
	px_buf_dispose(&s->key);
	px_buf_dispose(&s->cert);
	free(s);
}
