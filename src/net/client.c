/*
 * The pinned HTTPS client (see client.h; docs/transport.md explains the
 * choices).
 *
 * libcurl's GnuTLS backend offers no hook into certificate verification
 * (CURLOPT_SSL_CTX_FUNCTION is OpenSSL/wolfSSL/mbedTLS only), and
 * CURLOPT_PINNEDPUBLICKEY pins a public key, while a node card pins the
 * whole certificate.  So libcurl is told to verify nothing (no CA file, no
 * CA path, no peer or host check) and the pin is checked by us in the
 * CURLOPT_PREREQFUNCTION callback: libcurl calls it for every request once
 * the connection is established or picked for reuse and before it sends
 * the first byte of the request.  There CURLINFO_TLS_SSL_PTR gives the
 * GnuTLS session, gnutls_certificate_get_peers() the DER of the
 * certificate the server sent in this handshake (and proved it holds the
 * key of, by CertificateVerify), and we compare SHA-256 of that DER with
 * the pin.  Returning CURL_PREREQFUNC_ABORT stops the transfer with
 * nothing written.  TLS session resumption is turned off so that every
 * connection carries a full handshake with a certificate to look at.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include <string.h>

#include <curl/curl.h>
#include <gnutls/gnutls.h>

#include "crypto/sign.h"
#include "crypto/tls.h"
#include "net/client.h"
#include "util/util.h"

#if LIBCURL_VERSION_NUM < 0x075400
#error "parley needs libcurl >= 7.84 (CURLOPT_PREREQFUNCTION, curl_easy_header)"
#endif

#define TIMEOUT_DEFAULT_MS 30000L
#define CONNECT_MAX_MS     10000L
/* Below the server's idle timeout (60 s), so a connection the server is
 * about to close is not picked for reuse. */
#define MAXAGE_CONN_S 50L
#define URL_MAX       8192

enum pin_state {
	PIN_UNCHECKED,
	PIN_OK,
	PIN_MISMATCH,
	PIN_NO_CERT,
	PIN_NO_SESSION,
	PIN_NOT_TLS13,
};

struct px_client {
	CURL *h;
	char *base; /* no trailing '/' */
	char pinned[PX_TLS_FP_LEN];
	char seen[PX_TLS_FP_LEN]; /* what the server presented last */
	enum pin_state pin;
	struct curl_slist *user_headers;
	struct px_buf *out;
	int too_big;
	long connects;
	int have_response;
	char errbuf[CURL_ERROR_SIZE];
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void
global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Called by libcurl before it writes the request: the pin check. */
static int
on_prereq(void *clientp, char *primary_ip, char *local_ip, int primary_port,
    int local_port)
{
	struct px_client *c = clientp;
	struct curl_tlssessioninfo *ti = NULL;
	const gnutls_datum_t *peers;
	gnutls_session_t ts;
	unsigned n = 0;
	uint8_t d[PX_SHA256_LEN];

	(void)primary_ip;
	(void)local_ip;
	(void)primary_port;
	(void)local_port;
	c->seen[0] = '\0';
	if (curl_easy_getinfo(c->h, CURLINFO_TLS_SSL_PTR, &ti) != CURLE_OK ||
	    ti == NULL || ti->backend != CURLSSLBACKEND_GNUTLS ||
	    ti->internals == NULL) {
		c->pin = PIN_NO_SESSION;
		return CURL_PREREQFUNC_ABORT;
	}
	ts = (gnutls_session_t)ti->internals;
	if (gnutls_protocol_get_version(ts) != GNUTLS_TLS1_3) {
		c->pin = PIN_NOT_TLS13;
		return CURL_PREREQFUNC_ABORT;
	}
	peers = gnutls_certificate_get_peers(ts, &n);
	if (gnutls_certificate_type_get2(ts, GNUTLS_CTYPE_SERVER) !=
	        GNUTLS_CRT_X509 ||
	    peers == NULL || n == 0) {
		c->pin = PIN_NO_CERT;
		return CURL_PREREQFUNC_ABORT;
	}
	px_sha256(d, peers[0].data, peers[0].size);
	memcpy(c->seen, "sha256:", 7);
	px_hex_encode(c->seen + 7, d, sizeof(d));
	if (strcmp(c->seen, c->pinned) != 0) {
		c->pin = PIN_MISMATCH;
		return CURL_PREREQFUNC_ABORT;
	}
	c->pin = PIN_OK;
	return CURL_PREREQFUNC_OK;
}

static size_t
on_data(char *p, size_t size, size_t nmemb, void *ud)
{
	struct px_client *c = ud;
	size_t n = size * nmemb;

	if (c->out == NULL)
		return n;
	if (px_buf_add(c->out, p, n) < 0) {
		c->too_big = 1;
		return 0; /* libcurl stops with CURLE_WRITE_ERROR */
	}
	return n;
}

static int
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

/* "Name: value" with a token name and no control characters. */
static int
header_line_valid(const char *l)
{
	const char *p = l;

	while (is_tchar((unsigned char)*p))
		p++;
	if (p == l || *p != ':')
		return 0;
	for (p++; *p; p++) {
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 0;
	}
	return 1;
}

int
px_client_new(struct px_client **out, const char *base_url,
    const char *pinned_fp, const char *cert_pem_path, const char *key_pem_path)
{
	struct px_client *c = NULL;
	size_t n;
	int rc = PX_ERR;

	*out = NULL;
	if (base_url == NULL || strncmp(base_url, "https://", 8) != 0 ||
	    (n = strlen(base_url)) <= 8 || n > URL_MAX / 2 ||
	    strpbrk(base_url, " \t\r\n?#") != NULL)
		return px_error_set(PX_EINVAL,
		    "peer URL %s is not https://host[:port][/prefix]",
		    base_url ? base_url : "(none)");
	if (!px_tls_fingerprint_valid(pinned_fp))
		return px_error_set(PX_EINVAL,
		    "pinned fingerprint for %s is not \"sha256:\" + 64 "
		    "lowercase hex digits",
		    base_url);
	if ((cert_pem_path == NULL) != (key_pem_path == NULL))
		return px_error_set(PX_EINVAL,
		    "a client certificate needs its key, and a key its "
		    "certificate");
	if (cert_pem_path != NULL && !px_file_exists(cert_pem_path))
		return px_error_set(PX_ENOTFOUND,
		    "client certificate %s does not exist", cert_pem_path);
	if (key_pem_path != NULL && !px_file_exists(key_pem_path))
		return px_error_set(
		    PX_ENOTFOUND, "client key %s does not exist", key_pem_path);
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK)
		return px_error_set(PX_ERR, "cannot initialise libcurl: %s",
		    curl_easy_strerror(global_rc));

	c = px_calloc(1, sizeof(*c));
	c->base = px_strdup(base_url);
	while (n > 8 && c->base[n - 1] == '/')
		c->base[--n] = '\0';
	memcpy(c->pinned, pinned_fp, PX_TLS_FP_LEN);
	if ((c->h = curl_easy_init()) == NULL) {
		rc = px_error_set(PX_ERR, "cannot make a libcurl handle");
		goto out;
	}
#define SET(opt, val)                                                       \
	do {                                                                \
		CURLcode e_ = curl_easy_setopt(c->h, opt, val);             \
		if (e_ != CURLE_OK) {                                       \
			rc = px_error_set(PX_ERR, "libcurl refused %s: %s", \
			    #opt, curl_easy_strerror(e_));                  \
			goto out;                                           \
		}                                                           \
	} while (0)
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROTOCOLS_STR, "https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	/* Never a proxy, whatever the environment says. */
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_NOPROXY, "*");
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	/* The path goes out as the caller wrote it ("/../" included). */
	SET(CURLOPT_PATH_AS_IS, 1L);
	SET(CURLOPT_SSLVERSION,
	    (long)(CURL_SSLVERSION_TLSv1_3 | CURL_SSLVERSION_MAX_TLSv1_3));
	/* No authority is trusted or even loaded: the pin decides. */
	SET(CURLOPT_SSL_VERIFYPEER, 0L);
	SET(CURLOPT_SSL_VERIFYHOST, 0L);
	SET(CURLOPT_CAINFO, (char *)NULL);
	SET(CURLOPT_CAPATH, (char *)NULL);
	/* A resumed session presents no certificate; always shake hands in
	 * full so there is one to check. */
	SET(CURLOPT_SSL_SESSIONID_CACHE, 0L);
	if (cert_pem_path != NULL) {
		SET(CURLOPT_SSLCERT, cert_pem_path);
		SET(CURLOPT_SSLCERTTYPE, "PEM");
		SET(CURLOPT_SSLKEY, key_pem_path);
		SET(CURLOPT_SSLKEYTYPE, "PEM");
	}
	SET(CURLOPT_PREREQFUNCTION, on_prereq);
	SET(CURLOPT_PREREQDATA, c);
	SET(CURLOPT_WRITEFUNCTION, on_data);
	SET(CURLOPT_WRITEDATA, c);
	SET(CURLOPT_ERRORBUFFER, c->errbuf);
	SET(CURLOPT_MAXAGE_CONN, MAXAGE_CONN_S);
	SET(CURLOPT_TCP_NODELAY, 1L);
#undef SET
	*out = c;
	c = NULL;
	rc = 0;
out:
	px_client_free(c);
	return rc;
}

int
px_client_header_add(struct px_client *c, const char *line)
{
	struct curl_slist *l;

	if (line == NULL || !header_line_valid(line))
		return px_error_set(PX_EINVAL,
		    "request header is not one \"Name: value\" line");
	if ((l = curl_slist_append(c->user_headers, line)) == NULL)
		abort();
	c->user_headers = l;
	return 0;
}

void
px_client_headers_clear(struct px_client *c)
{
	curl_slist_free_all(c->user_headers);
	c->user_headers = NULL;
}

static struct curl_slist *
add_header(struct curl_slist *l, const char *line)
{
	struct curl_slist *n = curl_slist_append(l, line);

	if (n == NULL)
		abort(); /* only allocation fails here */
	return n;
}

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

/* The error for a transfer that did not complete. */
static int
failure(struct px_client *c, CURLcode e, const char *method, const char *path,
    long timeout_ms)
{
	switch (c->pin) {
	case PIN_MISMATCH:
		return px_error_set(PX_EINVAL,
		    "peer at %s presented certificate %s but %s is pinned; "
		    "nothing was sent",
		    c->base, c->seen, c->pinned);
	case PIN_NO_CERT:
		return px_error_set(PX_EINVAL,
		    "peer at %s presented no X.509 certificate; nothing was "
		    "sent",
		    c->base);
	case PIN_NOT_TLS13:
		return px_error_set(PX_EINVAL,
		    "peer at %s did not negotiate TLS 1.3; nothing was sent",
		    c->base);
	case PIN_NO_SESSION:
		return px_error_set(PX_ERR,
		    "cannot inspect the TLS session with %s (libcurl is not "
		    "the GnuTLS flavour?); nothing was sent",
		    c->base);
	case PIN_UNCHECKED:
	case PIN_OK:
		break;
	}
	if (c->too_big)
		return px_error_set(PX_ETOOBIG,
		    "the answer of %s to %s %s is larger than %zu bytes",
		    c->base, method, path, c->out->cap);
	if (e == CURLE_OPERATION_TIMEDOUT)
		return px_error_set(PX_ERR,
		    "%s %s%s timed out after %ld ms: %s", method, c->base, path,
		    timeout_ms, c->errbuf[0] ? c->errbuf : "no answer");
	return px_error_set(PX_ERR, "%s %s%s failed: %s", method, c->base, path,
	    c->errbuf[0] ? c->errbuf : curl_easy_strerror(e));
}

int
px_client_request(struct px_client *c, const char *method, const char *path,
    const char *content_type, const void *body, size_t len, long *status,
    struct px_buf *resp_body, long timeout_ms)
{
	struct curl_slist *hdrs = NULL;
	char *url = NULL;
	int has_body, rc;
	CURLcode e;
	long code = 0, connects = 0;

	*status = 0;
	c->have_response = 0;
	if (!method_valid(method))
		return px_error_set(
		    PX_EINVAL, "HTTP method must be upper-case letters");
	if (path == NULL || path[0] != '/' || strpbrk(path, " \t\r\n#"))
		return px_error_set(PX_EINVAL,
		    "request path must start with '/' and hold no spaces, "
		    "line breaks or '#'");
	if (content_type != NULL && strpbrk(content_type, "\r\n"))
		return px_error_set(PX_EINVAL, "Content-Type has a line break");
	if (strlen(path) > URL_MAX - strlen(c->base))
		return px_error_set(PX_EINVAL,
		    "URL %s%.32s... is longer than %d bytes", c->base, path,
		    URL_MAX);
	if (timeout_ms <= 0)
		timeout_ms = TIMEOUT_DEFAULT_MS;
	has_body = body != NULL || strcmp(method, "POST") == 0 ||
	    strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0;

	for (struct curl_slist *u = c->user_headers; u; u = u->next)
		hdrs = add_header(hdrs, u->data);
	hdrs = add_header(hdrs,
	    "Accept: application/json, "
	    "application/problem+json;q=0.9, */*;q=0.1");
	if (content_type != NULL) {
		char *ct = px_asprintf("Content-Type: %s", content_type);

		hdrs = add_header(hdrs, ct);
		free(ct);
	} else if (has_body) {
		/* Not libcurl's form-encoded default. */
		hdrs = add_header(hdrs, "Content-Type:");
	}

	/* Each request sets every per-request option, so nothing leaks
	 * from the previous one. */
	url = px_asprintf("%s%s", c->base, path);
	curl_easy_setopt(c->h, CURLOPT_URL, url);
	curl_easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c->h, CURLOPT_NOBODY, 0L);
	curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, (char *)NULL);
	if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(c->h, CURLOPT_NOBODY, 1L);
	} else if (has_body) {
		curl_easy_setopt(
		    c->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body ? body : "");
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, method);
	} else if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, method);
	}
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT_MS,
	    timeout_ms < CONNECT_MAX_MS ? timeout_ms : CONNECT_MAX_MS);

	c->pin = PIN_UNCHECKED;
	c->seen[0] = '\0';
	c->errbuf[0] = '\0';
	c->out = resp_body;
	c->too_big = 0;
	e = curl_easy_perform(c->h);
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, (char *)NULL);
	curl_slist_free_all(hdrs);
	if (curl_easy_getinfo(c->h, CURLINFO_NUM_CONNECTS, &connects) ==
	    CURLE_OK)
		c->connects += connects;

	if (e != CURLE_OK) {
		rc = failure(c, e, method, path, timeout_ms);
		goto out;
	}
	if (c->pin != PIN_OK) {
		/* Cannot happen with libcurl >= 7.80: the callback runs
		 * before every request.  Refuse rather than trust. */
		rc = px_error_set(PX_ERR,
		    "the certificate of %s was not checked before the "
		    "request went out",
		    c->base);
		goto out;
	}
	curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &code);
	*status = code;
	c->have_response = 1;
	rc = 0;
out:
	c->out = NULL;
	free(url);
	return rc;
}

const char *
px_client_response_header(struct px_client *c, const char *name)
{
	struct curl_header *h = NULL;

	if (!c->have_response ||
	    curl_easy_header(c->h, name, 0, CURLH_HEADER, -1, &h) !=
	        CURLHE_OK ||
	    h == NULL)
		return NULL;
	return h->value;
}

long
px_client_connects(const struct px_client *c)
{
	return c->connects;
}

void
px_client_free(struct px_client *c)
{
	if (c == NULL)
		return;
	if (c->h != NULL)
		curl_easy_cleanup(c->h);
	curl_slist_free_all(c->user_headers);
	free(c->base);
	free(c);
}

unsigned
px_loopback_free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	unsigned port = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}
