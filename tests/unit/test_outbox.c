/*
 * The outbox against a stand-in for the peer: a px_http server on
 * 127.0.0.1 with the peer's certificate, answering POST /peer/v1/bundles
 * as the test says.  What is checked is how a delivery worker takes the
 * answers (node/outbox.h): "busy" (503 with Retry-After) is waited out as
 * asked, counted as deferred, never as an error and without the backoff
 * of a failure; a 503 without Retry-After is a failure like any other.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"
#include "model/canon.h"
#include "net/client.h"
#include "net/http.h"
#include "net/problem.h"
#include "node/metrics.h"
#include "node/node.h"
#include "node/outbox.h"
#include "util/util.h"

static struct {
	atomic_int calls;
	atomic_int busy_left;     /* answer 503 this many times more */
	atomic_int retry_after;   /* with this Retry-After; 0: none */
	atomic_llong t_first_ms;  /* monotonic ms of the first and the */
	atomic_llong t_second_ms; /* second call */
} peer;

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
bundles(const struct px_http_req *req, struct px_http_resp *resp)
{
	int n = atomic_fetch_add(&peer.calls, 1);

	(void)req;
	if (n == 0)
		atomic_store(&peer.t_first_ms, mono_ms());
	else if (n == 1)
		atomic_store(&peer.t_second_ms, mono_ms());
	if (atomic_load(&peer.busy_left) > 0) {
		atomic_fetch_sub(&peer.busy_left, 1);
		if (atomic_load(&peer.retry_after) > 0)
			resp->extra_headers = px_asprintf("Retry-After: %d\r\n",
			    atomic_load(&peer.retry_after));
		return px_problem(resp, 503, NULL, "busy");
	}
	/* Nothing to receipt: the worker counts a delivery. */
	resp->status = 204;
	return 0;
}

static const struct px_route routes[] = {
	{ "POST", "/peer/v1/bundles", bundles, PX_AUTH_NONE, 16u << 20,
	    "application/json" },
};

struct fx {
	char root[64];
	char *da, *db;
	struct px_http_server *srv;
	struct px_metrics *m;
	struct px_outbox *o;
};

/* A queues one request for B, whose URL is the stand-in's. */
static void
start(struct fx *f, int busy, int retry_after)
{
	unsigned port = px_loopback_free_port();
	char *url = px_asprintf("https://127.0.0.1:%u", port);
	char *crt, *key;
	struct px_node_params pa = { .name = "cert-a.example" };
	struct px_node_params pb = { .name = "cert-b.example", .url = url };
	struct px_http_config c = { 0 };
	struct px_node *a = NULL, *b = NULL;
	struct px_msg *msg = NULL;
	json_t *body = open_body("request", "P2");

	atomic_store(&peer.calls, 0);
	atomic_store(&peer.busy_left, busy);
	atomic_store(&peer.retry_after, retry_after);
	snprintf(f->root, sizeof(f->root), "/tmp/px-test-outbox-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	f->da = px_asprintf("%s/a", f->root);
	f->db = px_asprintf("%s/b", f->root);
	pa.dir = f->da;
	pb.dir = f->db;
	assert_int_equal(px_node_create(&pa), 0);
	assert_int_equal(px_node_create(&pb), 0);
	assert_int_equal(px_node_open(&a, f->da), 0);
	assert_int_equal(px_node_open(&b, f->db), 0);
	enrol(b, a);
	enrol(a, b);
	assert_int_equal(
	    px_node_send(a, "cert-b.example", NULL, PX_MSG_REQUEST, body, &msg),
	    0);
	json_decref(body);
	px_msg_free(msg);
	px_node_free(a);
	px_node_free(b);

	crt = px_asprintf("%s/tls/cert.pem", f->db);
	key = px_asprintf("%s/tls/key.pem", f->db);
	c.addr = "127.0.0.1";
	c.port = port;
	c.cert_pem_path = crt;
	c.key_pem_path = key;
	c.routes = routes;
	c.nroutes = PX_ARRAY_LEN(routes);
	c.threads = 2;
	assert_int_equal(px_http_start(&f->srv, &c), 0);
	free(crt);
	free(key);
	free(url);
	f->m = px_metrics_new();
	assert_int_equal(px_outbox_start(&f->o, f->da, f->m), 0);
}

static void
stop(struct fx *f)
{
	char *cmd = px_asprintf("rm -rf '%s'", f->root);

	px_outbox_stop(f->o);
	px_http_stop(f->srv);
	px_metrics_free(f->m);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f->da);
	free(f->db);
}

/* Waits up to ms for the stand-in to have been called n times. */
static void
await_calls(int n, int ms)
{
	int64_t t0 = mono_ms();

	while (atomic_load(&peer.calls) < n && mono_ms() - t0 < ms) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	assert_true(atomic_load(&peer.calls) >= n);
}

static void
test_busy_is_waited_out(void **state)
{
	struct fx f;
	int64_t gap;

	(void)state;
	start(&f, 1, 2);
	await_calls(2, 10000);
	gap = atomic_load(&peer.t_second_ms) - atomic_load(&peer.t_first_ms);
	/* Retry-After: 2, plus at most a quarter of it in jitter: not the
	 * first backoff (at most 1.1 s).  The upper bound only catches a
	 * wait far off the one asked for; a loaded machine (CI shares its
	 * cores) may add a few seconds of scheduling. */
	assert_true(gap >= 1900);
	assert_true(gap <= 8000);
	/* The stand-in has answered the second call; the worker counts the
	 * delivery and lowers the "deferred" gauge once it has read that
	 * answer, a moment later. */
	for (int i = 0; i < 1000 &&
	     (px_metrics_get(f.m, PX_C_DELIVERIES) == 0 ||
	         px_metrics_peer_get(
	             f.m, PX_PG_DELIVERY_DEFERRED, "cert-b.example", -1) != 0);
	     i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	assert_true(px_metrics_get(f.m, PX_C_DELIVERIES_DEFERRED) == 1);
	assert_true(px_metrics_get(f.m, PX_C_DELIVERY_ERRORS) == 0);
	assert_true(px_metrics_get(f.m, PX_C_DELIVERIES) >= 1);
	assert_int_equal(px_metrics_peer_get(
	                     f.m, PX_PG_DELIVERY_FAILING, "cert-b.example", -1),
	    0);
	assert_int_equal(px_metrics_peer_get(f.m, PX_PG_DELIVERY_DEFERRED,
	                     "cert-b.example", -1),
	    0);
	stop(&f);
}

/* Without Retry-After a 503 is a failure: counted, the failing gauge up,
 * and the first backoff (up to 1 s) before the next attempt. */
static void
test_503_without_retry_after_fails(void **state)
{
	struct fx f;
	int64_t t0 = mono_ms();

	(void)state;
	start(&f, 1000, 0);
	await_calls(1, 10000);
	while (px_metrics_get(f.m, PX_C_DELIVERY_ERRORS) == 0 &&
	    mono_ms() - t0 < 10000) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	assert_true(px_metrics_get(f.m, PX_C_DELIVERY_ERRORS) >= 1);
	assert_true(px_metrics_get(f.m, PX_C_DELIVERIES_DEFERRED) == 0);
	assert_int_equal(px_metrics_peer_get(
	                     f.m, PX_PG_DELIVERY_FAILING, "cert-b.example", -1),
	    1);
	assert_int_equal(
	    px_metrics_peer_get(f.m, PX_PG_OUTBOX_DEPTH, "cert-b.example", -1),
	    1);
	stop(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_busy_is_waited_out),
		cmocka_unit_test(test_503_without_retry_after_fails),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
