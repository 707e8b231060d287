/*
 * The HTTPS transport end to end: a real px_http server on 127.0.0.1 (a
 * port the kernel picks), real px_client peers, certificates made by
 * px_tls_generate.  Every request has a 5 s timeout, so a hang fails the
 * test instead of stalling it.
 *
 * Three identities: the server's, peer A's (pinned by the server) and B's
 * (a valid certificate nobody pinned).
 */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <jansson.h>

#include "crypto/sign.h"
#include "crypto/tls.h"
#include "net/client.h"
#include "net/http.h"
#include "net/problem.h"
#include "util/util.h"

#define TMO 5000L

static char dir[64];
static char stream_dir[96]; /* where PX_ROUTE_STREAM bodies go */
static char *srv_crt, *srv_key, *a_crt, *a_key, *b_crt, *b_key;
static char fp_srv[PX_TLS_FP_LEN], fp_a[PX_TLS_FP_LEN], fp_b[PX_TLS_FP_LEN];
static struct px_http_server *srv;
static char base[64];

/* What the handlers saw; written on server threads. */
static struct {
	atomic_int peer_calls, case_calls, items_calls, slow_started, slow_done;
	pthread_mutex_t mu;
	char peer_fp[PX_TLS_FP_LEN];
	char query[256];
	char params[2][64];
	size_t nparams;
	size_t body_len;
	int body_nul;
	atomic_int stream_calls;
	char stream_path[300]; /* the file a streamed body was in */
	char stream_head[8];   /* its first bytes */
} seen = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* ------------------------------------------------------------------ */
/* Handlers                                                            */

static int
h_peer_post(const struct px_http_req *req, struct px_http_resp *resp)
{
	atomic_fetch_add(&seen.peer_calls, 1);
	pthread_mutex_lock(&seen.mu);
	snprintf(seen.peer_fp, sizeof(seen.peer_fp), "%s",
	    req->peer_fp ? req->peer_fp : "");
	seen.body_len = req->body_len;
	seen.body_nul = req->body != NULL && req->body[req->body_len] == '\0';
	pthread_mutex_unlock(&seen.mu);
	resp->status = 200;
	return px_buf_printf(&resp->body, "{\"len\":%zu}", req->body_len);
}

static int
h_case_get(const struct px_http_req *req, struct px_http_resp *resp)
{
	atomic_fetch_add(&seen.case_calls, 1);
	resp->status = 200;
	snprintf(resp->etag, sizeof(resp->etag), "case-v1");
	if (px_buf_adds(&resp->body, "{\"id\":") < 0 ||
	    px_json_put_string(
	        &resp->body, req->params[0], strlen(req->params[0])) < 0 ||
	    px_buf_adds(&resp->body, "}") < 0)
		return -1;
	return 0;
}

static int
h_case_delete(const struct px_http_req *req, struct px_http_resp *resp)
{
	(void)req;
	resp->status = 204;
	return 0;
}

static int
h_health(const struct px_http_req *req, struct px_http_resp *resp)
{
	pthread_mutex_lock(&seen.mu);
	snprintf(seen.query, sizeof(seen.query), "%s",
	    req->query ? req->query : "(null)");
	pthread_mutex_unlock(&seen.mu);
	resp->status = 200;
	return px_buf_adds(&resp->body, "{\"status\":\"ok\"}");
}

static int
h_items(const struct px_http_req *req, struct px_http_resp *resp)
{
	atomic_fetch_add(&seen.items_calls, 1);
	pthread_mutex_lock(&seen.mu);
	seen.nparams = req->nparams;
	for (size_t i = 0; i < 2 && i < req->nparams; i++)
		snprintf(seen.params[i], sizeof(seen.params[i]), "%s",
		    req->params[i]);
	pthread_mutex_unlock(&seen.mu);
	resp->status = 200;
	return px_buf_adds(&resp->body, "{}");
}

static int
h_slow(const struct px_http_req *req, struct px_http_resp *resp)
{
	struct timespec ts = { 0, 600 * 1000 * 1000 };

	(void)req;
	atomic_store(&seen.slow_started, 1);
	nanosleep(&ts, NULL);
	atomic_store(&seen.slow_done, 1);
	resp->status = 200;
	return px_buf_adds(&resp->body, "{\"slow\":true}");
}

static int
h_fail(const struct px_http_req *req, struct px_http_resp *resp)
{
	(void)req;
	(void)resp;
	return px_error_set(PX_ERR, "database is locked");
}

static int
h_zero(const struct px_http_req *req, struct px_http_resp *resp)
{
	(void)req;
	return px_buf_adds(&resp->body, "{\"forgot\":\"status\"}");
}

static int
h_badheader(const struct px_http_req *req, struct px_http_resp *resp)
{
	(void)req;
	resp->status = 200;
	resp->extra_headers = px_strdup("No Colon Here\r\n");
	return 0;
}

/* Holds its body's share of the upload budget for 600 ms. */
static int
h_slow_post(const struct px_http_req *req, struct px_http_resp *resp)
{
	struct timespec ts = { 0, 600 * 1000 * 1000 };

	atomic_store(&seen.slow_started, 1);
	nanosleep(&ts, NULL);
	resp->status = 200;
	return px_buf_printf(&resp->body, "{\"len\":%zu}", req->body_len);
}

/* A streamed body: reads its file, remembers where it was. */
static int
h_stream(const struct px_http_req *req, struct px_http_resp *resp)
{
	struct stat sb;
	FILE *f;

	atomic_fetch_add(&seen.stream_calls, 1);
	if (req->body_path == NULL || req->body != NULL ||
	    stat(req->body_path, &sb) != 0 ||
	    (size_t)sb.st_size != req->body_len)
		return px_error_set(PX_ERR, "no body file of the right size");
	snprintf(
	    seen.stream_path, sizeof(seen.stream_path), "%s", req->body_path);
	memset(seen.stream_head, 0, sizeof(seen.stream_head));
	if ((f = fopen(req->body_path, "rb")) != NULL) {
		if (fread(seen.stream_head, 1, sizeof(seen.stream_head) - 1,
		        f) == 0)
			seen.stream_head[0] = '\0';
		fclose(f);
	}
	resp->status = 200;
	return px_buf_printf(&resp->body, "{\"len\":%zu}", req->body_len);
}

static int
h_created(const struct px_http_req *req, struct px_http_resp *resp)
{
	(void)req;
	resp->status = 201;
	resp->location = "/api/v1/cases/42";
	resp->extra_headers = px_strdup("X-Parley-Test: yes\r\n"
	                                "Cache-Control: no-store\r\n");
	return px_buf_adds(&resp->body, "{\"id\":42}");
}

/* Answers the SHA-256 of the body, and whether the body ends in a NUL
 * just past its length. */
static int
h_blob(const struct px_http_req *req, struct px_http_resp *resp)
{
	uint8_t h[32];
	char hex[65];

	px_sha256(h, req->body ? req->body : "", req->body_len);
	px_hex_encode(hex, h, 32);
	resp->status = 200;
	return px_buf_printf(&resp->body,
	    "{\"len\":%zu,\"sha\":\"%s\",\"nul\":%s}", req->body_len, hex,
	    req->body && req->body[req->body_len] == '\0' ? "true" : "false");
}

static const struct px_route routes[] = {
	{ "POST", "/api/v1/peer/messages", h_peer_post, PX_AUTH_PEER, 1024,
	    "application/json" },
	{ "GET", "/api/v1/cases/{id}", h_case_get, PX_AUTH_TOKEN, 0, NULL },
	{ "DELETE", "/api/v1/cases/{id}", h_case_delete, PX_AUTH_TOKEN, 0,
	    NULL },
	{ "GET", "/api/v1/health", h_health, PX_AUTH_NONE, 0, NULL },
	{ "GET", "/api/v1/items/{a}/sub/{b}", h_items, PX_AUTH_NONE, 0, NULL },
	{ "GET", "/api/v1/slow", h_slow, PX_AUTH_NONE, 0, NULL },
	{ "GET", "/api/v1/fail", h_fail, PX_AUTH_NONE, 0, NULL },
	{ "GET", "/api/v1/zero", h_zero, PX_AUTH_NONE, 0, NULL },
	{ "GET", "/api/v1/badheader", h_badheader, PX_AUTH_NONE, 0, NULL },
	{ "POST", "/api/v1/created", h_created, PX_AUTH_NONE, 64, NULL },
	{ "PUT", "/api/v1/blob", h_blob, PX_AUTH_NONE, 2u << 20, NULL },
	{ "POST", "/api/v1/stream", h_stream, PX_AUTH_NONE, 300000, NULL,
	    PX_ROUTE_STREAM },
};

static int
peer_allowed(void *app, const char *fp)
{
	(void)app;
	return strcmp(fp, fp_a) == 0;
}

static int
token_ok(void *app, const struct px_http_req *req, const struct px_route *r,
    char *why, size_t whylen)
{
	(void)app;
	if (strcmp(req->bearer, "good-token") == 0)
		return 0;
	if (strcmp(req->bearer, "readonly-token") == 0) {
		if (strcmp(r->method, "GET") == 0)
			return 0;
		snprintf(why, whylen, "this token is read-only");
		return 403;
	}
	snprintf(why, whylen, "unknown token");
	return 401;
}

static struct px_http_config
config(void)
{
	struct px_http_config c = { 0 };

	c.addr = "127.0.0.1";
	c.port = 0;
	c.cert_pem_path = srv_crt;
	c.key_pem_path = srv_key;
	c.routes = routes;
	c.nroutes = PX_ARRAY_LEN(routes);
	c.peer_allowed = peer_allowed;
	c.token_ok = token_ok;
	c.threads = 4;
	c.stream_dir = stream_dir;
	return c;
}

/* ------------------------------------------------------------------ */
/* Setup                                                               */

static char *
tmp_path(const char *file)
{
	return px_asprintf("%s/%s", dir, file);
}

static int
group_setup(void **state)
{
	struct px_http_config c;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/px-test-http-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(stream_dir, sizeof(stream_dir), "%s/stream", dir);
	srv_crt = tmp_path("srv.crt");
	srv_key = tmp_path("srv.key");
	a_crt = tmp_path("a.crt");
	a_key = tmp_path("a.key");
	b_crt = tmp_path("b.crt");
	b_key = tmp_path("b.key");
	if (px_tls_generate(srv_crt, srv_key, "cert-s.example", 30) < 0 ||
	    px_tls_generate(a_crt, a_key, "cert-a.example", 30) < 0 ||
	    px_tls_generate(b_crt, b_key, "cert-b.example", 30) < 0 ||
	    px_tls_fingerprint_file(fp_srv, srv_crt) < 0 ||
	    px_tls_fingerprint_file(fp_a, a_crt) < 0 ||
	    px_tls_fingerprint_file(fp_b, b_crt) < 0)
		return -1;
	c = config();
	if (px_http_start(&srv, &c) < 0) {
		fprintf(stderr, "start: %s\n", px_error_last());
		return -1;
	}
	snprintf(base, sizeof(base), "https://127.0.0.1:%u", px_http_port(srv));
	return 0;
}

static int
group_teardown(void **state)
{
	DIR *d;
	struct dirent *e;

	(void)state;
	px_http_stop(srv);
	rmdir(stream_dir);
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char *p;

		if (e->d_name[0] == '.')
			continue;
		p = tmp_path(e->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
	free(srv_crt);
	free(srv_key);
	free(a_crt);
	free(a_key);
	free(b_crt);
	free(b_key);
	return rmdir(dir);
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static struct px_client *
client(const char *pin, const char *crt, const char *key)
{
	struct px_client *c = NULL;

	assert_int_equal(px_client_new(&c, base, pin, crt, key), 0);
	return c;
}

/* One request that must complete; returns the status. */
static long
req(struct px_client *c, const char *method, const char *path, const char *ct,
    const char *body, struct px_buf *out)
{
	long status = 0;
	int rc;

	px_buf_reset(out);
	rc = px_client_request(c, method, path, ct, body,
	    body ? strlen(body) : 0, &status, out, TMO);
	if (rc != 0)
		fail_msg("%s %s: %s", method, path, px_error_last());
	return status;
}

/* The last answer was a problem document for `status` whose detail holds
 * `needle`. */
static void
assert_problem(
    struct px_client *c, const struct px_buf *b, int status, const char *needle)
{
	json_error_t err;
	json_t *j = json_loadb(b->data, b->len, 0, &err);
	const char *ct = px_client_response_header(c, "Content-Type");

	assert_non_null(ct);
	assert_string_equal(ct, "application/problem+json");
	if (j == NULL)
		fail_msg("not JSON (%s): %s", err.text, b->data);
	assert_int_equal(json_object_size(j), 4);
	assert_string_equal(
	    json_string_value(json_object_get(j, "type")), "about:blank");
	assert_string_equal(json_string_value(json_object_get(j, "title")),
	    px_http_reason(status));
	assert_int_equal(
	    json_integer_value(json_object_get(j, "status")), status);
	assert_non_null(json_string_value(json_object_get(j, "detail")));
	if (needle != NULL &&
	    strstr(json_string_value(json_object_get(j, "detail")), needle) ==
	        NULL)
		fail_msg("detail %s lacks \"%s\"",
		    json_string_value(json_object_get(j, "detail")), needle);
	json_decref(j);
}

static size_t
discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

struct chunker {
	size_t left;
};

static size_t
read_chunk(char *buf, size_t size, size_t n, void *ud)
{
	struct chunker *ch = ud;
	size_t k = size * n < 100 ? size * n : 100;

	if (k > ch->left)
		k = ch->left;
	memset(buf, ' ', k);
	ch->left -= k;
	return k;
}

/* A bare libcurl handle with peer A's certificate and no pinning, for
 * what px_client deliberately cannot do (chunked bodies, TLS 1.2). */
static CURL *
raw_handle(const char *path)
{
	CURL *h = curl_easy_init();
	char url[256];

	assert_non_null(h);
	snprintf(url, sizeof(url), "%s%s", base, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(h, CURLOPT_SSLCERT, a_crt);
	curl_easy_setopt(h, CURLOPT_SSLKEY, a_key);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, TMO);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	return h;
}

static void
stats(struct px_http_stats *st)
{
	px_http_stats(srv, st);
}

/* ------------------------------------------------------------------ */
/* Peer authentication                                                 */

static void
test_pinned_peer_ok(void **state)
{
	struct px_client *c = client(fp_srv, a_crt, a_key);
	struct px_buf out;
	int before = atomic_load(&seen.peer_calls);

	(void)state;
	px_buf_init(&out, 4096);
	assert_int_equal(
	    req(c, "POST", "/api/v1/peer/messages",
	        "application/json; charset=utf-8", "{\"hello\":1}", &out),
	    200);
	assert_string_equal(out.data, "{\"len\":11}");
	assert_string_equal(
	    px_client_response_header(c, "Content-Type"), "application/json");
	assert_int_equal(atomic_load(&seen.peer_calls), before + 1);
	assert_string_equal(seen.peer_fp, fp_a);
	assert_int_equal(seen.body_len, 11);
	assert_true(seen.body_nul);
	px_buf_dispose(&out);
	px_client_free(c);
}

static void
test_unpinned_peer_403(void **state)
{
	struct px_client *c = client(fp_srv, b_crt, b_key);
	struct px_buf out;
	int before = atomic_load(&seen.peer_calls);

	(void)state;
	px_buf_init(&out, 4096);
	assert_int_equal(req(c, "POST", "/api/v1/peer/messages",
	                     "application/json", "{}", &out),
	    403);
	assert_problem(c, &out, 403, fp_b);
	assert_problem(c, &out, 403, "is not pinned");
	assert_int_equal(atomic_load(&seen.peer_calls), before);
	/* Also without a body, and B may still use public routes. */
	assert_int_equal(
	    req(c, "POST", "/api/v1/peer/messages", NULL, NULL, &out), 403);
	assert_int_equal(
	    req(c, "GET", "/api/v1/health", NULL, NULL, &out), 200);
	assert_int_equal(atomic_load(&seen.peer_calls), before);
	px_buf_dispose(&out);
	px_client_free(c);
}

static void
test_no_client_cert_403(void **state)
{
	struct px_client *c = client(fp_srv, NULL, NULL);
	struct px_buf out;
	int before = atomic_load(&seen.peer_calls);

	(void)state;
	px_buf_init(&out, 4096);
	assert_int_equal(req(c, "POST", "/api/v1/peer/messages",
	                     "application/json", "{}", &out),
	    403);
	assert_problem(c, &out, 403, "none was presented");
	assert_int_equal(atomic_load(&seen.peer_calls), before);
	assert_int_equal(
	    req(c, "GET", "/api/v1/health", NULL, NULL, &out), 200);
	px_buf_dispose(&out);
	px_client_free(c);
}

/* A client pinning another certificate stops after the handshake: the
 * server accepted a connection but never saw a request line. */
static void
test_wrong_pin_sends_nothing(void **state)
{
	struct px_client *c = client(fp_b, a_crt, a_key);
	struct px_http_stats st0, st1;
	struct px_buf out;
	long status = -1;
	char *want;
	int before = atomic_load(&seen.peer_calls);

	(void)state;
	px_buf_init(&out, 4096);
	stats(&st0);
	assert_int_equal(px_client_request(c, "POST", "/api/v1/peer/messages",
	                     "application/json", "{}", 2, &status, &out, TMO),
	    PX_EINVAL);
	want = px_asprintf("peer at %s presented certificate %s but %s is "
	                   "pinned",
	    base, fp_srv, fp_b);
	assert_non_null(strstr(px_error_last(), want));
	free(want);
	assert_int_equal(status, 0);
	assert_int_equal(out.len, 0);
	/* Again, to be sure a second attempt does not slip through. */
	assert_int_equal(px_client_request(c, "GET", "/api/v1/health", NULL,
	                     NULL, 0, &status, &out, TMO),
	    PX_EINVAL);
	stats(&st1);
	assert_true(st1.connections >= st0.connections + 1);
	assert_int_equal(st1.requests, st0.requests);
	assert_int_equal(atomic_load(&seen.peer_calls), before);
	px_buf_dispose(&out);
	px_client_free(c);
}

static void
test_tls12_refused(void **state)
{
	CURL *h = raw_handle("/api/v1/health");
	struct px_http_stats st0, st1;

	(void)state;
	stats(&st0);
	curl_easy_setopt(h, CURLOPT_SSLVERSION,
	    (long)(CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2));
	assert_int_not_equal(curl_easy_perform(h), CURLE_OK);
	curl_easy_cleanup(h);
	stats(&st1);
	assert_int_equal(st1.requests, st0.requests);
}

/* ------------------------------------------------------------------ */
/* Routing and refusals                                                */

static void
test_404_405(void **state)
{
	struct px_client *c = client(fp_srv, a_crt, a_key);
	struct px_buf out;

	(void)state;
	px_buf_init(&out, 4096);
	assert_int_equal(req(c, "GET", "/api/v1/nope", NULL, NULL, &out), 404);
	assert_problem(c, &out, 404, "/api/v1/nope");
	assert_int_equal(
	    req(c, "GET", "/api/v1/health/", NULL, NULL, &out), 404);
	assert_int_equal(
	    req(c, "GET", "/api/v1/cases/", NULL, NULL, &out), 404);

	assert_int_equal(
	    req(c, "PUT", "/api/v1/cases/7", "application/json", "{}", &out),
	    405);
	assert_problem(c, &out, 405, "PUT");
	assert_string_equal(
	    px_client_response_header(c, "Allow"), "GET, HEAD, DELETE");
	assert_int_equal(
	    req(c, "DELETE", "/api/v1/health", NULL, NULL, &out), 405);
	assert_string_equal(px_client_response_header(c, "Allow"), "GET, HEAD");
	/* The refusals above kept the connection (the POSTs are not
	 * counted: a refused body closes it, see test_keepalive). */
	px_buf_dispose(&out);
	px_client_free(c);
}

static void
test_413_415(void **state)
{
	struct px_client *c = client(fp_srv, a_crt, a_key);
	struct px_buf out;
	char *big = px_malloc(2001);
	int before = atomic_load(&seen.peer_calls);

	(void)state;
	px_buf_init(&out, 4096);
	memset(big, ' ', 2000);
	big[0] = '{';
	big[1] = '}';
	big[2000] = '\0';
	assert_int_equal(req(c, "POST", "/api/v1/peer/messages",
	                     "application/json", big, &out),
	    413);
	assert_problem(c, &out, 413, "at most 1024 bytes");
	/* Exactly at the limit is fine. */
	big[1024] = '\0';
	assert_int_equal(req(c, "POST", "/api/v1/peer/messages",
	                     "application/json", big, &out),
	    200);
	assert_int_equal(atomic_load(&seen.peer_calls), before + 1);

	assert_int_equal(
	    req(c, "POST", "/api/v1/peer/messages", "text/plain", "{}", &out),
	    415);
	assert_problem(c, &out, 415, "application/json, not text/plain");
	assert_int_equal(
	    req(c, "POST", "/api/v1/peer/messages", NULL, "{}", &out), 415);
	assert_problem(c, &out, 415, "(no Content-Type)");
	assert_int_equal(req(c, "POST", "/api/v1/peer/messages",
	                     "application/jsonx", "{}", &out),
	    415);
	/* A body on a route that takes none. */
	assert_int_equal(
	    req(c, "GET", "/api/v1/health", "text/plain", "x", &out), 413);
	assert_problem(c, &out, 413, "takes no request body");
	assert_int_equal(atomic_load(&seen.peer_calls), before + 1);
	free(big);
	px_buf_dispose(&out);
	px_client_free(c);
}

/* Large bodies one after another, each of another size and byte: the
 * server reuses the buffers of finished bodies, and each handler must
 * still see exactly its own body (length, bytes, the NUL after it). */
static void
test_body_reuse(void **state)
{
	static const size_t sizes[] = { 1u << 20, 100000, 1u << 20, 300000,
		(3u << 20) / 2, 70000, 5, (2u << 20) };
	struct px_client *c = client(fp_srv, a_crt, a_key);
	struct px_buf out;
	char *body = px_malloc(2u << 20);

	(void)state;
	px_buf_init(&out, 4096);
	for (size_t i = 0; i < PX_ARRAY_LEN(sizes); i++) {
		char want[200], hex[65];
		uint8_t h[32];
		long status = 0;

		memset(body, 'a' + (int)i, sizes[i]);
		px_sha256(h, body, sizes[i]);
		px_hex_encode(hex, h, 32);
		snprintf(want, sizeof(want),
		    "{\"len\":%zu,\"sha\":\"%s\",\"nul\":true}", sizes[i], hex);
		px_buf_reset(&out);
		assert_int_equal(px_client_request(c, "PUT", "/api/v1/blob",
		                     "application/octet-stream", body, sizes[i],
		                     &status, &out, TMO),
		    0);
		assert_int_equal(status, 200);
		assert_string_equal(out.data, want);
	}
	free(body);
	px_buf_dispose(&out);
	px_client_free(c);
}

/* A chunked upload has no Content-Length: when it passes max_body the
 * connection is dropped (libmicrohttpd cannot answer mid-body), long
 * before the upload is read. */
static void
test_413_chunked(void **state)
{
	CURL *h = raw_handle("/api/v1/peer/messages");
	struct curl_slist *hd = NULL;
	struct chunker ch = { 1 << 20 };
	long code = 0;
	int before = atomic_load(&seen.peer_calls);
	CURLcode e;

	(void)state;
	hd = curl_slist_append(hd, "Content-Type: application/json");
	hd = curl_slist_append(hd, "Transfer-Encoding: chunked");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_chunk);
	curl_easy_setopt(h, CURLOPT_READDATA, &ch);
	e = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	assert_int_not_equal(e, CURLE_OK);
	assert_true(code == 0 || code == 100);
	assert_true(ch.left > (1 << 19)); /* most of the 1 MiB never left */
	assert_int_equal(atomic_load(&seen.peer_calls), before);
	curl_slist_free_all(hd);
	curl_easy_cleanup(h);

	/* A small chunked body is read whole and reaches the handler. */
	h = raw_handle("/api/v1/peer/messages");
	hd = curl_slist_append(NULL, "Content-Type: application/json");
	hd = curl_slist_append(hd, "Transfer-Encoding: chunked");
	ch.left = 300;
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_chunk);
	curl_easy_setopt(h, CURLOPT_READDATA, &ch);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	assert_int_equal(code, 200);
	assert_int_equal(seen.body_len, 300);
	curl_slist_free_all(hd);
	curl_easy_cleanup(h);
}

static int
stream_dir_empty(void)
{
	DIR *d = opendir(stream_dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n == 0;
}

/* A streamed body reaches its handler as a file, far above the memory
 * budget of an ordinary route, and the file goes after the answer;
 * past max_body it is refused (413 by Content-Length, a dropped
 * connection when chunked), the handler never runs and no file stays. */
static void
test_stream(void **state)
{
	struct px_client *c = client(fp_srv, a_crt, a_key);
	struct px_buf out;
	char *big = px_malloc(300001);
	int before = atomic_load(&seen.stream_calls);
	CURL *h;
	struct curl_slist *hd;
	/* Far more than socket buffers hold: the server must drop the
	 * connection before the client is done writing. */
	struct chunker ch = { (size_t)64 << 20 };
	long code = 0;

	(void)state;
	px_buf_init(&out, 4096);
	memset(big, 'x', 300000);
	memcpy(big, "stream", 6);
	big[300000] = '\0';
	assert_int_equal(
	    req(c, "POST", "/api/v1/stream", "text/csv", big, &out), 200);
	assert_string_equal(out.data, "{\"len\":300000}");
	assert_string_equal(seen.stream_head, "streamx");
	assert_int_equal(
	    strncmp(seen.stream_path, stream_dir, strlen(stream_dir)), 0);
	assert_int_equal(access(seen.stream_path, F_OK), -1);
	assert_true(stream_dir_empty());
	/* One byte over, announced: 413, the handler does not run. */
	big[300000] = 'x';
	big = px_realloc(big, 300002);
	big[300001] = '\0';
	assert_int_equal(
	    req(c, "POST", "/api/v1/stream", "text/csv", big, &out), 413);
	assert_problem(c, &out, 413, "at most 300000 bytes");
	assert_int_equal(atomic_load(&seen.stream_calls), before + 1);
	/* Chunked past the limit: the connection is dropped. */
	h = raw_handle("/api/v1/stream");
	hd = curl_slist_append(NULL, "Transfer-Encoding: chunked");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_chunk);
	curl_easy_setopt(h, CURLOPT_READDATA, &ch);
	assert_int_not_equal(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	assert_true(code == 0 || code == 100);
	assert_true(ch.left > 0);
	assert_int_equal(atomic_load(&seen.stream_calls), before + 1);
	curl_slist_free_all(hd);
	curl_easy_cleanup(h);
	for (int i = 0; i < 50 && !stream_dir_empty(); i++)
		usleep(20000);
	assert_true(stream_dir_empty());
	free(big);
	px_buf_dispose(&out);
	px_client_free(c);
}

static void
test_token_auth(void **state)
{
	struct px_client *c = client(fp_srv, NULL, NULL);
	struct px_buf out;
	int before = atomic_load(&seen.case_calls);
	const char *wa;

	(void)state;
	px_buf_init(&out, 4096);
	assert_int_equal(
	    req(c, "GET", "/api/v1/cases/7", NULL, NULL, &out), 401);
	assert_problem(c, &out, 401, "Authorization: Bearer");
	wa = px_client_response_header(c, "WWW-Authenticate");
	assert_non_null(wa);
	assert_string_equal(wa, "Bearer realm=\"parley\"");

	assert_int_equal(
	    px_client_header_add(c, "Authorization: Basic eDp5"), 0);
	assert_int_equal(
	    req(c, "GET", "/api/v1/cases/7", NULL, NULL, &out), 401);
	assert_non_null(strstr(px_client_response_header(c, "WWW-Authenticate"),
	    "invalid_request"));
	px_client_headers_clear(c);

	assert_int_equal(
	    px_client_header_add(c, "Authorization: Bearer wrong-token"), 0);
	assert_int_equal(
	    req(c, "GET", "/api/v1/cases/7", NULL, NULL, &out), 401);
	assert_problem(c, &out, 401, "unknown token");
	assert_non_null(strstr(px_client_response_header(c, "WWW-Authenticate"),
	    "error=\"invalid_token\""));
	px_client_headers_clear(c);

	assert_int_equal(
	    px_client_header_add(c, "Authorization: bearer readonly-token"), 0);
	assert_int_equal(
	    req(c, "GET", "/api/v1/cases/7", NULL, NULL, &out), 200);
	assert_int_equal(
	    req(c, "DELETE", "/api/v1/cases/7", NULL, NULL, &out), 403);
	assert_problem(c, &out, 403, "read-only");
	px_client_headers_clear(c);

	assert_int_equal(
	    px_client_header_add(c, "Authorization: Bearer good-token"), 0);
	assert_int_equal(
	    req(c, "DELETE", "/api/v1/cases/7", NULL, NULL, &out), 204);
	assert_int_equal(out.len, 0);
	assert_int_equal(atomic_load(&seen.case_calls), before + 1);
	assert_int_equal(
	    px_client_header_add(c, "Bad\r\nHeader: x"), PX_EINVAL);
	px_buf_dispose(&out);
	px_client_free(c);
}

static void
test_etag_304(void **state)
{
	struct px_client *c = client(fp_srv, NULL, NULL);
	struct px_buf out;

	(void)state;
	px_buf_init(&out, 4096);
	assert_int_equal(
	    px_client_header_add(c, "Authorization: Bearer good-token"), 0);
	assert_int_equal(
	    req(c, "GET", "/api/v1/cases/7", NULL, NULL, &out), 200);
	assert_string_equal(out.data, "{\"id\":\"7\"}");
	assert_string_equal(
	    px_client_response_header(c, "ETag"), "\"case-v1\"");

	assert_int_equal(
	    px_client_header_add(c, "If-None-Match: \"other\", W/\"case-v1\""),
	    0);
	assert_int_equal(
	    req(c, "GET", "/api/v1/cases/7", NULL, NULL, &out), 304);
	assert_int_equal(out.len, 0);
	assert_string_equal(
	    px_client_response_header(c, "ETag"), "\"case-v1\"");
	assert_null(px_client_response_header(c, "Content-Type"));
	/* HEAD follows GET. */
	assert_int_equal(
	    req(c, "HEAD", "/api/v1/cases/7", NULL, NULL, &out), 304);
	px_client_headers_clear(c);

	assert_int_equal(
	    px_client_header_add(c, "Authorization: Bearer good-token"), 0);
	assert_int_equal(
	    px_client_header_add(c, "If-None-Match: \"case-v0\""), 0);
	assert_int_equal(
	    req(c, "GET", "/api/v1/cases/7", NULL, NULL, &out), 200);
	assert_int_equal(
	    req(c, "HEAD", "/api/v1/cases/7", NULL, NULL, &out), 200);
	assert_int_equal(out.len, 0);
	px_buf_dispose(&out);
	px_client_free(c);
}

static void
test_paths_and_params(void **state)
{
	struct px_client *c = client(fp_srv, NULL, NULL);
	struct px_buf out;
	char *longpath;

	(void)state;
	px_buf_init(&out, 4096);
	assert_int_equal(req(c, "GET", "/api/v1/items/a%20b/sub/%E2%9C%93",
	                     NULL, NULL, &out),
	    200);
	assert_int_equal(seen.nparams, 2);
	assert_string_equal(seen.params[0], "a b");
	assert_string_equal(seen.params[1], "\xe2\x9c\x93");
	/* %2F is data inside a segment, not a separator. */
	assert_int_equal(
	    req(c, "GET", "/api/v1/items/x%2Fy/sub/z", NULL, NULL, &out), 200);
	assert_string_equal(seen.params[0], "x/y");
	/* Literal segments are compared decoded. */
	assert_int_equal(
	    req(c, "GET", "/api/v1/it%65ms/1/sub/2", NULL, NULL, &out), 200);

	assert_int_equal(
	    req(c, "GET", "/api/v1/health?x=1&y=%20&z", NULL, NULL, &out), 200);
	assert_string_equal(seen.query, "x=1&y=%20&z");
	assert_int_equal(
	    req(c, "GET", "/api/v1/health", NULL, NULL, &out), 200);
	assert_string_equal(seen.query, "(null)");

	assert_int_equal(
	    req(c, "GET", "/api/v1/items/%zz/sub/1", NULL, NULL, &out), 400);
	assert_problem(c, &out, 400, "two hex digits");
	assert_int_equal(
	    req(c, "GET", "/api/v1/items/%00/sub/1", NULL, NULL, &out), 400);
	assert_problem(c, &out, 400, "control character");
	assert_int_equal(
	    req(c, "GET", "/api/v1/items/../sub/1", NULL, NULL, &out), 400);
	assert_int_equal(
	    req(c, "GET", "/api/v1/items/%2e%2E/sub/1", NULL, NULL, &out), 400);
	assert_problem(c, &out, 400, "\"..\"");
	assert_int_equal(
	    req(c, "GET", "/api/v1/items/a%/sub/1", NULL, NULL, &out), 400);
	assert_int_equal(
	    req(c, "GET", "/api/v1/items/a\"b/sub/1", NULL, NULL, &out), 400);

	longpath = px_malloc(PX_HTTP_TARGET_MAX + 100);
	memcpy(longpath, "/api/v1/health?q=", 17);
	memset(longpath + 17, 'a', PX_HTTP_TARGET_MAX + 100 - 18);
	longpath[PX_HTTP_TARGET_MAX + 99] = '\0';
	assert_int_equal(req(c, "GET", longpath, NULL, NULL, &out), 414);
	assert_problem(c, &out, 414, "at most 4096");
	free(longpath);
	/* Everything above was a GET: one connection throughout. */
	assert_int_equal(px_client_connects(c), 1);
	px_buf_dispose(&out);
	px_client_free(c);
}

static void
test_handler_failures_500(void **state)
{
	struct px_client *c = client(fp_srv, NULL, NULL);
	struct px_buf out;

	(void)state;
	px_buf_init(&out, 4096);
	assert_int_equal(req(c, "GET", "/api/v1/fail", NULL, NULL, &out), 500);
	assert_problem(c, &out, 500, "database is locked");
	assert_int_equal(req(c, "GET", "/api/v1/zero", NULL, NULL, &out), 500);
	assert_problem(c, &out, 500, "no valid status");
	assert_int_equal(
	    req(c, "GET", "/api/v1/badheader", NULL, NULL, &out), 500);
	assert_problem(c, &out, 500, "valid name");
	assert_int_equal(
	    req(c, "GET", "/api/v1/health", NULL, NULL, &out), 200);
	assert_int_equal(px_client_connects(c), 1);
	px_buf_dispose(&out);
	px_client_free(c);
}

static void
test_location_and_extra_headers(void **state)
{
	struct px_client *c = client(fp_srv, NULL, NULL);
	struct px_buf out;

	(void)state;
	px_buf_init(&out, 4096);
	assert_int_equal(
	    req(c, "POST", "/api/v1/created", NULL, "{}", &out), 201);
	assert_string_equal(
	    px_client_response_header(c, "Location"), "/api/v1/cases/42");
	assert_string_equal(
	    px_client_response_header(c, "X-Parley-Test"), "yes");
	assert_string_equal(
	    px_client_response_header(c, "Cache-Control"), "no-store");
	assert_string_equal(
	    px_client_response_header(c, "Content-Type"), "application/json");
	assert_string_equal(
	    px_client_response_header(c, "X-Content-Type-Options"), "nosniff");
	px_buf_dispose(&out);
	px_client_free(c);
}

/* A response larger than the caller's cap is an error, not a cut. */
static void
test_client_cap(void **state)
{
	struct px_client *c = client(fp_srv, NULL, NULL);
	struct px_buf out;
	long status = 0;

	(void)state;
	px_buf_init(&out, 4);
	assert_int_equal(px_client_request(c, "GET", "/api/v1/health", NULL,
	                     NULL, 0, &status, &out, TMO),
	    PX_ETOOBIG);
	assert_non_null(strstr(px_error_last(), "larger than 4 bytes"));
	px_buf_dispose(&out);
	px_client_free(c);
}

static void
test_client_arguments(void **state)
{
	struct px_client *c = NULL;
	char *missing = tmp_path("missing.crt");

	(void)state;
	assert_int_equal(
	    px_client_new(&c, "http://127.0.0.1:1", fp_srv, NULL, NULL),
	    PX_EINVAL);
	assert_int_equal(
	    px_client_new(&c, "https://127.0.0.1:1", "sha256:00", NULL, NULL),
	    PX_EINVAL);
	assert_int_equal(
	    px_client_new(&c, "https://127.0.0.1:1", fp_srv, a_crt, NULL),
	    PX_EINVAL);
	assert_int_equal(
	    px_client_new(&c, "https://127.0.0.1:1", fp_srv, missing, a_key),
	    PX_ENOTFOUND);
	assert_null(c);
	free(missing);
}

/* Nobody listening: a clear error, quickly. */
static void
test_client_unreachable(void **state)
{
	struct px_client *c = NULL;
	struct px_buf out;
	long status = 0;

	(void)state;
	px_buf_init(&out, 64);
	/* Port 1 on loopback: nothing listens there in a test box. */
	assert_int_equal(
	    px_client_new(&c, "https://127.0.0.1:1/", fp_srv, NULL, NULL), 0);
	assert_int_equal(px_client_request(c, "GET", "/x", NULL, NULL, 0,
	                     &status, &out, 2000),
	    PX_ERR);
	assert_non_null(strstr(px_error_last(), "GET https://127.0.0.1:1/x"));
	px_buf_dispose(&out);
	px_client_free(c);
}

/* ------------------------------------------------------------------ */
/* Connections                                                         */

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
test_keepalive(void **state)
{
	struct px_client *c = client(fp_srv, a_crt, a_key);
	struct px_http_stats st0, st1;
	struct px_buf out;
	int64_t t0, t1;
	const int n = 200;

	(void)state;
	px_buf_init(&out, 4096);
	stats(&st0);
	t0 = now_us();
	for (int i = 0; i < n; i++)
		assert_int_equal(
		    req(c, "GET", "/api/v1/health", NULL, NULL, &out), 200);
	t1 = now_us();
	/* Refusals answered after the headers keep the connection too. */
	assert_int_equal(req(c, "GET", "/api/v1/nope", NULL, NULL, &out), 404);
	assert_int_equal(
	    req(c, "GET", "/api/v1/cases/1", NULL, NULL, &out), 401);
	assert_int_equal(req(c, "POST", "/api/v1/peer/messages",
	                     "application/json", "{}", &out),
	    200);
	stats(&st1);
	assert_int_equal(px_client_connects(c), 1);
	assert_int_equal(st1.connections - st0.connections, 1);
	assert_int_equal(st1.requests - st0.requests, n + 3);
	print_message("keep-alive: %d GETs in %.1f ms, %.0f requests/s "
	              "(one connection, mTLS, %s build)\n",
	    n, (double)(t1 - t0) / 1000.0, (double)n * 1e6 / (double)(t1 - t0),
#ifdef __SANITIZE_ADDRESS__
	    "ASan"
#else
	    "plain"
#endif
	);
	/* A refused upload closes the connection (its body is not read);
	 * the client reconnects transparently. */
	assert_int_equal(
	    req(c, "POST", "/api/v1/peer/messages", "text/plain", "{}", &out),
	    415);
	assert_int_equal(
	    req(c, "GET", "/api/v1/health", NULL, NULL, &out), 200);
	assert_int_equal(px_client_connects(c), 2);
	px_buf_dispose(&out);
	px_client_free(c);
}

struct slow_call {
	const char *base;
	long status;
	int rc;
	char body[64];
};

static void *
slow_client(void *arg)
{
	struct slow_call *sc = arg;
	struct px_client *c = NULL;
	struct px_buf out;

	px_buf_init(&out, 64);
	sc->rc = px_client_new(&c, sc->base, fp_srv, a_crt, a_key);
	if (sc->rc == 0)
		sc->rc = px_client_request(c, "GET", "/api/v1/slow", NULL, NULL,
		    0, &sc->status, &out, TMO);
	snprintf(sc->body, sizeof(sc->body), "%s", out.data ? out.data : "");
	px_buf_dispose(&out);
	px_client_free(c);
	return NULL;
}

/* px_http_stop waits for a request in progress and delivers its answer. */
static void
test_stop_drains(void **state)
{
	struct px_http_config cfg = config();
	struct px_http_server *s = NULL;
	struct slow_call sc = { 0 };
	char b[64];
	pthread_t t;
	int64_t t0;

	(void)state;
	cfg.drain_ms = 4000;
	assert_int_equal(px_http_start(&s, &cfg), 0);
	snprintf(b, sizeof(b), "https://127.0.0.1:%u", px_http_port(s));
	sc.base = b;
	atomic_store(&seen.slow_started, 0);
	atomic_store(&seen.slow_done, 0);
	assert_int_equal(pthread_create(&t, NULL, slow_client, &sc), 0);
	t0 = now_us();
	while (!atomic_load(&seen.slow_started) && now_us() - t0 < 5000000) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
	assert_true(atomic_load(&seen.slow_started));
	assert_false(atomic_load(&seen.slow_done));
	px_http_stop(s);
	assert_true(atomic_load(&seen.slow_done));
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(sc.rc, 0);
	assert_int_equal(sc.status, 200);
	assert_string_equal(sc.body, "{\"slow\":true}");
}

/* ------------------------------------------------------------------ */
/* Start-up checks                                                     */

static void
test_start_refuses_bad_config(void **state)
{
	struct px_http_config c = config();
	struct px_http_server *s = NULL;
	struct px_route bad[1] = { routes[0] };
	char *missing = tmp_path("none.crt");

	(void)state;
	c.routes = bad;
	c.nroutes = 1;
	bad[0].pattern = "/api/{unterminated";
	assert_int_equal(px_http_start(&s, &c), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "invalid pattern"));
	bad[0].pattern = "/a/{1}/{2}/{3}/{4}/{5}/{6}/{7}/{8}/{9}";
	assert_int_equal(px_http_start(&s, &c), PX_EINVAL);
	bad[0] = routes[0];
	bad[0].method = "post";
	assert_int_equal(px_http_start(&s, &c), PX_EINVAL);
	bad[0] = routes[0];
	c.peer_allowed = NULL;
	assert_int_equal(px_http_start(&s, &c), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "peer_allowed"));
	c = config();
	c.token_ok = NULL;
	assert_int_equal(px_http_start(&s, &c), PX_EINVAL);
	c = config();
	c.cert_pem_path = missing;
	assert_int_equal(px_http_start(&s, &c), PX_ENOTFOUND);
	c = config();
	c.addr = "localhost";
	assert_int_equal(px_http_start(&s, &c), PX_EINVAL);
	/* The port the shared server holds. */
	c = config();
	c.port = px_http_port(srv);
	assert_int_equal(px_http_start(&s, &c), PX_ERR);
	assert_non_null(strstr(px_error_last(), "cannot serve HTTPS"));
	assert_null(s);
	free(missing);
}

/* ------------------------------------------------------------------ */
/* Pieces without sockets                                              */

static void
test_match(void **state)
{
	const char *p[PX_HTTP_MAX_PARAMS];
	char scratch[128];
	size_t n = 99;

	(void)state;
#define M(pat, path) \
	px_http_match(pat, path, strlen(path), scratch, sizeof(scratch), p, &n)
	assert_int_equal(M("/a/{x}/c", "/a/b/c"), 1);
	assert_int_equal(n, 1);
	assert_string_equal(p[0], "b");
	assert_int_equal(M("/a/{x}/c", "/a//c"), 0);
	assert_int_equal(M("/a/{x}/c", "/a/b/c/"), 0);
	assert_int_equal(M("/a/{x}/c", "/a/b"), 0);
	assert_int_equal(M("/a/{x}", "/a/b%2Fc"), 1);
	assert_string_equal(p[0], "b/c");
	assert_int_equal(M("/", "/"), 1);
	assert_int_equal(n, 0);
	assert_int_equal(M("/a", "/A"), 0);
	assert_int_equal(M("/a/{x}", "/a/%4"), PX_EINVAL);
	assert_int_equal(M("/a/{x}", "/a/%0a"), PX_EINVAL);
	assert_int_equal(
	    M("/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", "/1/2/3/4/5/6/7/8"), 1);
	assert_int_equal(n, 8);
	assert_string_equal(p[7], "8");
	assert_int_equal(
	    px_http_match("/a", "/a", 2, scratch, 5, p, &n), PX_ETOOBIG);
#undef M
	assert_true(px_http_pattern_valid("/api/v1/cases/{id}"));
	assert_true(px_http_pattern_valid("/"));
	assert_false(px_http_pattern_valid("api"));
	assert_false(px_http_pattern_valid("/a/{}"));
	assert_false(px_http_pattern_valid("/a/{x-y}"));
	assert_false(px_http_pattern_valid("/a/%20"));
	assert_false(px_http_pattern_valid(NULL));

	assert_int_equal(px_http_path_check("/a/b", 4), 0);
	assert_int_equal(px_http_path_check("/a/%41", 6), 0);
	assert_int_equal(px_http_path_check("/a/.x", 5), 0);
	assert_int_equal(px_http_path_check("/a/.", 4), PX_EINVAL);
	assert_int_equal(px_http_path_check("/%2E/b", 6), PX_EINVAL);
	assert_int_equal(px_http_path_check("a/b", 3), PX_EINVAL);
	assert_int_equal(px_http_path_check("/a b", 4), PX_EINVAL);
	assert_int_equal(px_http_path_check("/a%7f", 5), PX_EINVAL);
	assert_int_equal(
	    px_http_path_check("/aaaaaaaaaaaaa%01", 17), PX_EINVAL);
	assert_int_equal(px_http_path_check("/\xc3\xa9", 3), PX_EINVAL);
}

static void
test_problem_json(void **state)
{
	struct px_http_resp r = { 0 };
	json_error_t err;
	json_t *j;
	char big[3000];

	(void)state;
	px_buf_init(&r.body, 16); /* too small: raised to fit */
	assert_int_equal(
	    px_problem(&r, 409, NULL,
	        "q\"b\\s\x01\n\t \xff\xc3\x28 \xe2\x82 ok \xf0\x9f\x98\x80"),
	    0);
	assert_int_equal(r.status, 409);
	assert_string_equal(r.content_type, "application/problem+json");
	assert_non_null(strstr(r.body.data,
	    "\"detail\":\"q\\\"b\\\\s\\u0001\\n\\t \xef\xbf\xbd\xef\xbf\xbd( "
	    "\xef\xbf\xbd ok \xf0\x9f\x98\x80\""));
	j = json_loadb(r.body.data, r.body.len, 0, &err);
	assert_non_null(j);
	assert_string_equal(
	    json_string_value(json_object_get(j, "title")), "Conflict");
	json_decref(j);

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[PX_PROBLEM_DETAIL_MAX - 1] = '\xc3'; /* split sequence: dropped */
	big[PX_PROBLEM_DETAIL_MAX] = '\xa9';
	assert_int_equal(px_problem_type(&r, 422, "urn:parley:problem:test",
	                     "Bad thing", "%s", big),
	    0);
	j = json_loadb(r.body.data, r.body.len, 0, &err);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "type")),
	    "urn:parley:problem:test");
	assert_int_equal(
	    strlen(json_string_value(json_object_get(j, "detail"))),
	    PX_PROBLEM_DETAIL_MAX - 1);
	json_decref(j);
	px_buf_dispose(&r.body);
}

/* ------------------------------------------------------------------ */
/* Refused bodies, read through                                        */

struct capture {
	char data[2048];
	size_t len;
};

static size_t
capture_body(char *p, size_t size, size_t n, void *ud)
{
	struct capture *c = ud;
	size_t k = size * n;

	if (k > sizeof(c->data) - 1 - c->len)
		k = sizeof(c->data) - 1 - c->len;
	memcpy(c->data + c->len, p, k);
	c->len += k;
	c->data[c->len] = '\0';
	return size * n;
}

/* POSTs `len` bytes typed `type` the way most clients do (the whole body
 * before reading, no Expect: 100-continue unless `expect`); returns the
 * status curl read (0 if it read none) and the body in *cap. */
static long
post_whole(const char *path, const char *type, size_t len, bool expect,
    bool with_cert, struct capture *cap, curl_off_t *sent)
{
	CURL *h = raw_handle(path);
	struct curl_slist *hd = NULL;
	char *body = px_malloc(len + 1), ct[128];
	long code = 0;

	memset(body, ' ', len);
	body[len] = '\0';
	snprintf(ct, sizeof(ct), "Content-Type: %s", type);
	hd = curl_slist_append(hd, ct);
	hd = curl_slist_append(hd, expect ? "Expect: 100-continue" : "Expect:");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_EXPECT_100_TIMEOUT_MS, 3000L);
	if (!with_cert) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, NULL);
		curl_easy_setopt(h, CURLOPT_SSLKEY, NULL);
	}
	memset(cap, 0, sizeof(*cap));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, capture_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, cap);
	(void)curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (sent)
		curl_easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, sent);
	curl_slist_free_all(hd);
	curl_easy_cleanup(h);
	free(body);
	return code;
}

/*
 * A body refused from its headers (too long, wrongly typed, no
 * certificate) and sent whole anyway is read through and the answer
 * arrives, every time: before, the server answered and closed while the
 * client was still sending, and the client saw a reset ("000").  The
 * detail names the check that refused, in the documented order: the type
 * (415) before the length (413).
 */
static void
test_refusals_read_through(void **state)
{
	struct capture cap;
	curl_off_t sent = 0;
	int before = atomic_load(&seen.peer_calls);

	(void)state;
	for (int i = 0; i < 20; i++) {
		assert_int_equal(
		    post_whole("/api/v1/peer/messages", "application/json",
		        512 * 1024, false, true, &cap, NULL),
		    413);
		assert_non_null(strstr(cap.data,
		    "may be at most 1024 bytes; Content-Length says 524288"));
		assert_int_equal(
		    post_whole("/api/v1/peer/messages", "text/plain",
		        512 * 1024, false, true, &cap, NULL),
		    415);
		assert_non_null(strstr(cap.data,
		    "takes a body of type application/json, not text/plain"));
		assert_int_equal(
		    post_whole("/api/v1/peer/messages", "application/json",
		        512 * 1024, false, false, &cap, NULL),
		    403);
		assert_non_null(strstr(cap.data, "none was presented"));
	}
	/* With Expect: 100-continue the answer comes before the body, which
	 * is never sent. */
	assert_int_equal(post_whole("/api/v1/peer/messages", "application/json",
	                     4 << 20, true, true, &cap, &sent),
	    413);
	assert_true(sent < (1 << 20));
	/* Larger than the server reads through: answered at once, the
	 * connection closed; whether the client reads the answer depends on
	 * how much it sent by then, but nothing reaches the handler and the
	 * server goes on. */
	(void)post_whole("/api/v1/peer/messages", "application/json", 6 << 20,
	    false, true, &cap, NULL);
	assert_int_equal(atomic_load(&seen.peer_calls), before);
	assert_int_equal(post_whole("/api/v1/peer/messages", "application/json",
	                     2, false, true, &cap, NULL),
	    200);
}

/* ------------------------------------------------------------------ */
/* The connection gate and the upload budget, live                     */

static const struct px_route groutes[] = {
	{ "GET", "/api/v1/health", h_health, PX_AUTH_NONE, 0, NULL },
	{ "POST", "/api/v1/slow", h_slow_post, PX_AUTH_NONE, 4096, NULL },
	{ "POST", "/api/v1/peer/messages", h_peer_post, PX_AUTH_PEER, 1024,
	    "application/json" },
};

/* A server with a small gate: 8 unauthenticated connections (all from
 * 127.0.0.1 here), `header_s` for the handshake and headers, 2
 * connections per peer, 2 KiB of uploads per client and 4 KiB in all. */
static struct px_http_server *
small_server(char *url, size_t urllen, unsigned header_s)
{
	struct px_http_config c = config();
	struct px_http_server *s = NULL;

	c.routes = groutes;
	c.nroutes = PX_ARRAY_LEN(groutes);
	c.threads = 2;
	c.max_connections = 64;
	c.unauth_max = 8;
	c.unauth_per_addr = 8;
	c.peer_conns = 2;
	c.header_timeout_s = header_s;
	c.idle_timeout_s = 3;
	c.upload_total = 4096;
	c.upload_per_client = 2048;
	assert_int_equal(px_http_start(&s, &c), 0);
	snprintf(url, urllen, "https://127.0.0.1:%u", px_http_port(s));
	return s;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A TCP connection to the server that sends the first 3 bytes of a TLS
 * ClientHello and nothing more. */
static int
half_open(unsigned port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
		.sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, "\x16\x03\x01", 3), 3);
	return fd;
}

/* 1 if the server closed fd (EOF or reset), 0 if not within ms. */
static int
closed_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[4096];

	for (;;) {
		ssize_t n;

		if (poll(&p, 1, ms) != 1)
			return 0;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return 1;
		/* TLS records from the server: keep waiting for the end. */
	}
}

/* A TLS 1.3 client session, with A's certificate if `cert`. */
struct tls {
	int fd;
	gnutls_session_t s;
	gnutls_certificate_credentials_t cred;
};

static void
tls_open(struct tls *t, unsigned port, bool cert)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
		.sin_port = htons((uint16_t)port) };
	int rc;

	t->fd = socket(AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	assert_int_equal(connect(t->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(gnutls_certificate_allocate_credentials(&t->cred), 0);
	if (cert)
		assert_int_equal(gnutls_certificate_set_x509_key_file(t->cred,
		                     a_crt, a_key, GNUTLS_X509_FMT_PEM),
		    0);
	assert_int_equal(gnutls_init(&t->s, GNUTLS_CLIENT), 0);
	assert_int_equal(gnutls_priority_set_direct(
	                     t->s, "NORMAL:-VERS-ALL:+VERS-TLS1.3", NULL),
	    0);
	gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, t->cred);
	gnutls_transport_set_int(t->s, t->fd);
	gnutls_handshake_set_timeout(t->s, TMO);
	do
		rc = gnutls_handshake(t->s);
	while (rc < 0 && !gnutls_error_is_fatal(rc));
	if (rc < 0)
		fail_msg("TLS handshake: %s", gnutls_strerror(rc));
}

static void
tls_send(struct tls *t, const char *text)
{
	assert_int_equal(gnutls_record_send(t->s, text, strlen(text)),
	    (ssize_t)strlen(text));
}

/* The status of the answer on the session, or 0 if it ended first. */
static int
tls_status(struct tls *t)
{
	char buf[512];
	ssize_t n;

	do
		n = gnutls_record_recv(t->s, buf, sizeof(buf) - 1);
	while (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED);
	if (n < 12 || strncmp(buf, "HTTP/1.1 ", 9) != 0)
		return 0;
	return (int)strtol(buf + 9, NULL, 10);
}

static void
tls_close(struct tls *t)
{
	gnutls_deinit(t->s);
	gnutls_certificate_free_credentials(t->cred);
	close(t->fd);
}

/* The header deadline counts from accept and no trickle of bytes
 * extends it: a half-open TCP client and a TLS client sending one header
 * line every 200 ms are both closed after 1 s. */
static void
test_gate_deadline(void **state)
{
	char url[64];
	struct px_http_server *s = small_server(url, sizeof(url), 1);
	unsigned port = px_http_port(s);
	struct px_http_stats st;
	struct tls t;
	int fd, i;
	int64_t t0, took;

	(void)state;
	t0 = now_us();
	fd = half_open(port);
	assert_int_equal(closed_within(fd, 3000), 1);
	took = (now_us() - t0) / 1000;
	assert_true(took >= 900 && took <= 2500);
	close(fd);

	t0 = now_us();
	tls_open(&t, port, false);
	tls_send(&t, "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n");
	for (i = 0; i < 20; i++) {
		char line[64];

		sleep_ms(200);
		snprintf(line, sizeof(line), "X-Trickle-%d: %d\r\n", i, i);
		if (gnutls_record_send(t.s, line, strlen(line)) < 0)
			break;
		if (closed_within(t.fd, 0))
			break;
	}
	took = (now_us() - t0) / 1000;
	assert_true(i < 20);
	assert_true(took >= 900 && took <= 2500);
	tls_close(&t);
	px_http_stats(s, &st);
	assert_int_equal(st.timed_out, 2);
	px_http_stop(s);
}

/* With the pool full, a new connection from the same address takes the
 * place of the one stalled longest; a client that completes its
 * request is served. */
static void
test_gate_eviction(void **state)
{
	char url[64];
	struct px_http_server *s = small_server(url, sizeof(url), 10);
	unsigned port = px_http_port(s);
	struct px_client *c;
	struct px_http_stats st;
	struct px_buf out;
	int fd[10];

	(void)state;
	px_buf_init(&out, 4096);
	for (int i = 0; i < 8; i++) {
		fd[i] = half_open(port);
		sleep_ms(20);
	}
	for (int i = 0; i < 8; i++)
		assert_int_equal(closed_within(fd[i], 0), 0);
	fd[8] = half_open(port);
	assert_int_equal(closed_within(fd[0], 5000), 1);
	for (int i = 1; i < 9; i++)
		assert_int_equal(closed_within(fd[i], 0), 0);
	/* A non-peer that completes a request gets in and is served. */
	assert_int_equal(px_client_new(&c, url, fp_srv, NULL, NULL), 0);
	assert_int_equal(
	    req(c, "GET", "/api/v1/health", NULL, NULL, &out), 200);
	assert_int_equal(closed_within(fd[1], 5000), 1);
	px_client_free(c);
	px_http_stats(s, &st);
	assert_int_equal(st.evicted, 2);
	for (int i = 0; i < 9; i++)
		close(fd[i]);
	px_buf_dispose(&out);
	px_http_stop(s);
}

/* A pinned peer's connection leaves the pool in the TLS handshake, before
 * it sends a byte of HTTP: a flood from its own address does not evict
 * it.  The same without a certificate is evicted (so the flood is big
 * enough to matter). */
static void
test_gate_peer_never_evicted(void **state)
{
	char url[64];
	struct px_http_server *s = small_server(url, sizeof(url), 10);
	unsigned port = px_http_port(s);
	struct px_http_stats st;
	struct tls peer, anon;
	int fd[24];

	(void)state;
	tls_open(&peer, port, true);
	tls_open(&anon, port, false);
	/* The gate counts the peer once its handshake is seen (a loaded
	 * machine may take a while); the waits below end as soon as the
	 * event happens. */
	for (int i = 0; i < 100; i++) {
		px_http_stats(s, &st);
		if (st.peers == 1)
			break;
		sleep_ms(50);
	}
	assert_int_equal(st.peers, 1);
	for (int i = 0; i < 24; i++)
		fd[i] = half_open(port);
	assert_int_equal(closed_within(anon.fd, 5000), 1);
	tls_send(&peer, "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_int_equal(tls_status(&peer), 200);
	for (int i = 0; i < 24; i++)
		close(fd[i]);
	tls_close(&peer);
	tls_close(&anon);
	px_http_stop(s);
}

struct slow_post {
	const char *url;
	char *body;
	long status;
};

static void *
slow_post_client(void *arg)
{
	struct slow_post *sp = arg;
	struct px_client *c = NULL;
	struct px_buf out;

	px_buf_init(&out, 4096);
	if (px_client_new(&c, sp->url, fp_srv, a_crt, a_key) == 0 &&
	    px_client_request(c, "POST", "/api/v1/slow", "text/plain", sp->body,
	        strlen(sp->body), &sp->status, &out, TMO) < 0)
		sp->status = -1;
	px_buf_dispose(&out);
	px_client_free(c);
	return NULL;
}

/* While one client's upload holds its share of the budget, its next one
 * is answered 503 with Retry-After (before the body is read); another
 * client still has room. */
static void
test_upload_budget_503(void **state)
{
	char url[64], body[1501];
	struct px_http_server *s = small_server(url, sizeof(url), 10);
	struct px_client *a = NULL, *b = NULL;
	struct px_http_stats st;
	struct px_buf out;
	struct slow_post sp = { url, NULL, 0 };
	pthread_t t;
	int64_t t0;

	(void)state;
	px_buf_init(&out, 4096);
	memset(body, 'x', 1500);
	body[1500] = '\0';
	sp.body = px_strdup(body);
	atomic_store(&seen.slow_started, 0);
	assert_int_equal(pthread_create(&t, NULL, slow_post_client, &sp), 0);
	t0 = now_us();
	while (!atomic_load(&seen.slow_started) && now_us() - t0 < 5000000)
		sleep_ms(1);
	assert_true(atomic_load(&seen.slow_started));
	/* A again (pinned: its share is by certificate): 1500 + 1000 bytes
	 * is more than 2 KiB. */
	assert_int_equal(px_client_new(&a, url, fp_srv, a_crt, a_key), 0);
	body[1000] = '\0';
	assert_int_equal(
	    req(a, "POST", "/api/v1/slow", "text/plain", body, &out), 503);
	assert_problem(a, &out, 503, "holds as many uploads as it allows");
	assert_string_equal(px_client_response_header(a, "Retry-After"), "3");
	/* B (not pinned: its share is by address) has room. */
	assert_int_equal(px_client_new(&b, url, fp_srv, b_crt, b_key), 0);
	assert_int_equal(
	    req(b, "POST", "/api/v1/slow", "text/plain", body, &out), 200);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(sp.status, 200);
	/* Given back: A is served again. */
	assert_int_equal(
	    req(a, "POST", "/api/v1/slow", "text/plain", body, &out), 200);
	px_http_stats(s, &st);
	assert_int_equal(st.busy, 1);
	assert_int_equal(st.upload_bytes, 0);
	px_client_free(a);
	px_client_free(b);
	free(sp.body);
	px_buf_dispose(&out);
	px_http_stop(s);
}

/* The server's sockets above FD_SETSIZE work (poll, not select). */
static void
test_fd_above_setsize(void **state)
{
	int fds[FD_SETSIZE + 64], n = 0;
	struct px_client *c = client(fp_srv, a_crt, a_key);
	struct px_buf out;

	(void)state;
	px_buf_init(&out, 4096);
	while (n < (int)PX_ARRAY_LEN(fds)) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd < 0)
			break;
		fds[n++] = fd;
		if (fd > FD_SETSIZE + 16)
			break;
	}
	assert_true(fds[n - 1] > FD_SETSIZE);
	assert_int_equal(
	    req(c, "GET", "/api/v1/health", NULL, NULL, &out), 200);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	px_buf_dispose(&out);
	px_client_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_problem_json),
		cmocka_unit_test(test_body_reuse),
		cmocka_unit_test(test_pinned_peer_ok),
		cmocka_unit_test(test_unpinned_peer_403),
		cmocka_unit_test(test_no_client_cert_403),
		cmocka_unit_test(test_wrong_pin_sends_nothing),
		cmocka_unit_test(test_tls12_refused),
		cmocka_unit_test(test_404_405),
		cmocka_unit_test(test_413_415),
		cmocka_unit_test(test_413_chunked),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_token_auth),
		cmocka_unit_test(test_etag_304),
		cmocka_unit_test(test_paths_and_params),
		cmocka_unit_test(test_handler_failures_500),
		cmocka_unit_test(test_location_and_extra_headers),
		cmocka_unit_test(test_client_cap),
		cmocka_unit_test(test_client_arguments),
		cmocka_unit_test(test_client_unreachable),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_stop_drains),
		cmocka_unit_test(test_start_refuses_bad_config),
		cmocka_unit_test(test_refusals_read_through),
		cmocka_unit_test(test_gate_deadline),
		cmocka_unit_test(test_gate_eviction),
		cmocka_unit_test(test_gate_peer_never_evicted),
		cmocka_unit_test(test_upload_budget_503),
		cmocka_unit_test(test_fd_above_setsize),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
