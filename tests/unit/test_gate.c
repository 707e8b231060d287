/*
 * The connection gate (net/gate.h), the upload budget (net/uploads.h) and
 * the metrics module (node/metrics.h), without a server: each
 * "connection" is a socketpair whose far end the test holds, so a
 * connection the gate shuts down reads as EOF there; the clock is the
 * test's, and the watchdog is driven by px_gate_tick.  Deterministic:
 * nothing here sleeps.  tests/unit/test_http.c checks the same gate in a
 * live server.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/gate.h"
#include "net/uploads.h"
#include "node/metrics.h"
#include "util/util.h"

static int64_t clock_ms;

static int64_t
fake_now(void *arg)
{
	(void)arg;
	return clock_ms;
}

/* What the gate logged. */
static struct {
	int n;
	char last[1024];
	char all[16384];
} logged;

static void
capture(void *arg, const char *msg)
{
	size_t used;

	(void)arg;
	logged.n++;
	snprintf(logged.last, sizeof(logged.last), "%s", msg);
	used = strlen(logged.all);
	snprintf(logged.all + used, sizeof(logged.all) - used, "%s\n", msg);
}

struct tconn {
	int mine, theirs; /* the gate's end, the client's end */
	struct px_gate_conn *gc;
	bool reported; /* px_gate_close called */
};

static struct px_gate *
gate(unsigned total, unsigned per_addr, unsigned peer_conns)
{
	struct px_gate_config c = { .unauth_max = total,
		.unauth_per_addr = per_addr,
		.peer_conns = peer_conns,
		.header_ms = 10000,
		.idle_ms = 60000,
		.log = capture,
		.now_ms = fake_now,
		.no_thread = 1 };
	struct px_gate *g = NULL;

	clock_ms = 1000000;
	memset(&logged, 0, sizeof(logged));
	assert_int_equal(px_gate_new(&g, &c), 0);
	return g;
}

static struct sockaddr_in
v4(const char *ip)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
		.sin_port = htons(40000) };

	assert_int_equal(inet_pton(AF_INET, ip, &sa.sin_addr), 1);
	return sa;
}

static void
open_from(struct px_gate *g, struct tconn *t, const char *ip)
{
	struct sockaddr_in sa = v4(ip);
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	t->mine = sv[0];
	t->theirs = sv[1];
	t->reported = false;
	t->gc = px_gate_open(
	    g, t->mine, (struct sockaddr *)&sa, (socklen_t)sizeof(sa));
	assert_non_null(t->gc);
}

/* The client's end sees EOF: the gate shut the connection down. */
static bool
shut(const struct tconn *t)
{
	struct pollfd p = { .fd = t->theirs, .events = POLLIN };
	char c;

	return poll(&p, 1, 0) == 1 && read(t->theirs, &c, 1) == 0;
}

/* What the server's library does for a connection it closes. */
static void
finish(struct px_gate *g, struct tconn *t)
{
	if (!t->reported)
		px_gate_close(g, t->gc);
	t->reported = true;
	close(t->mine);
	close(t->theirs);
}

static void
finish_all(struct px_gate *g, struct tconn *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		finish(g, &t[i]);
}

/* Reports the closes of shut connections, as the server would. */
static void
reap(struct px_gate *g, struct tconn *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!t[i].reported && shut(&t[i])) {
			px_gate_close(g, t[i].gc);
			t[i].reported = true;
		}
}

static void
test_per_address_cap_evicts_oldest(void **state)
{
	struct px_gate *g = gate(64, 3, 4);
	struct tconn t[5];
	struct px_gate_stats st;

	(void)state;
	for (int i = 0; i < 3; i++) {
		open_from(g, &t[i], "203.0.113.7");
		clock_ms += 10;
	}
	for (int i = 0; i < 3; i++)
		assert_false(shut(&t[i]));
	/* The 4th from the same address takes the place of the 1st. */
	open_from(g, &t[3], "203.0.113.7");
	assert_true(shut(&t[0]));
	assert_false(shut(&t[1]));
	assert_false(shut(&t[2]));
	assert_false(shut(&t[3]));
	reap(g, t, 4);
	/* Another address is not affected by this one's cap. */
	open_from(g, &t[4], "198.51.100.1");
	assert_false(shut(&t[1]));
	assert_false(shut(&t[4]));
	px_gate_stats(g, &st);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.unauth, 4);
	assert_int_equal(st.open, 4);
	finish_all(g, t, 5);
	px_gate_stats(g, &st);
	assert_int_equal(st.open, 0);
	assert_int_equal(st.unauth, 0);
	px_gate_free(g);
}

/* Progress (a TLS message, headers, an answer) moves a connection behind
 * the stalled ones: the one evicted is the one stalled longest. */
static void
test_eviction_order_follows_progress(void **state)
{
	struct px_gate *g = gate(64, 3, 4);
	struct tconn t[5];

	(void)state;
	for (int i = 0; i < 3; i++) {
		open_from(g, &t[i], "203.0.113.7");
		clock_ms += 10;
	}
	px_gate_progress(g, t[0].gc);
	open_from(g, &t[3], "203.0.113.7");
	assert_false(shut(&t[0]));
	assert_true(shut(&t[1]));
	reap(g, t, 4);
	/* A request and its answer also count. */
	px_gate_request(g, t[2].gc, false);
	px_gate_done(g, t[2].gc);
	open_from(g, &t[4], "203.0.113.7");
	assert_true(shut(&t[0]));
	assert_false(shut(&t[2]));
	assert_false(shut(&t[3]));
	assert_false(shut(&t[4]));
	finish_all(g, t, 5);
	px_gate_free(g);
}

/* The pool is full: a newcomer from another address takes the place of
 * the oldest connection of the address that holds most. */
static void
test_full_pool_takes_from_biggest(void **state)
{
	struct px_gate *g = gate(4, 4, 4);
	struct tconn t[6];

	(void)state;
	open_from(g, &t[0], "198.51.100.1"); /* the oldest of all */
	clock_ms += 10;
	for (int i = 1; i < 4; i++) {
		open_from(g, &t[i], "203.0.113.7");
		clock_ms += 10;
	}
	open_from(g, &t[4], "192.0.2.9");
	assert_false(shut(&t[0]));
	assert_true(shut(&t[1]));
	reap(g, t, 5);
	/* Token-authenticated requests are out of the pool while they
	 * last: not evicted. */
	px_gate_request(g, t[4].gc, true);
	open_from(g, &t[5], "192.0.2.10");
	assert_false(shut(&t[4]));
	assert_false(shut(&t[0]));
	for (int i = 2; i < 4; i++)
		assert_false(shut(&t[i]));
	finish_all(g, t, 6);
	px_gate_free(g);
}

static void
test_peers_never_evicted(void **state)
{
	struct px_gate *g = gate(4, 2, 2);
	struct tconn p[3], t[40];
	struct px_gate_stats st;

	(void)state;
	open_from(g, &p[0], "127.0.0.1");
	assert_true(px_gate_peer(g, p[0].gc, "sha256:aa"));
	open_from(g, &p[1], "127.0.0.1");
	assert_true(px_gate_peer(g, p[1].gc, "sha256:aa"));
	/* At most peer_conns per certificate: the third stays in the pool. */
	open_from(g, &p[2], "127.0.0.1");
	assert_false(px_gate_peer(g, p[2].gc, "sha256:aa"));
	px_gate_request(g, p[0].gc, true);
	px_gate_done(g, p[0].gc);
	/* A flood from the peers' own address. */
	for (int i = 0; i < 40; i++) {
		open_from(g, &t[i], "127.0.0.1");
		reap(g, t, (size_t)i + 1);
	}
	assert_false(shut(&p[0]));
	assert_false(shut(&p[1]));
	assert_true(shut(&p[2]));
	px_gate_stats(g, &st);
	assert_int_equal(st.peers, 2);
	assert_int_equal(st.unauth, 2);
	/* Hours later, still there: a peer has no gate deadline after its
	 * first request.  p[1] never sent one: the header deadline holds. */
	clock_ms += 4 * 3600 * 1000LL;
	px_gate_tick(g);
	assert_false(shut(&p[0]));
	assert_true(shut(&p[1]));
	finish_all(g, p, 3);
	finish_all(g, t, 40);
	px_gate_free(g);
}

static void
test_deadlines_absolute(void **state)
{
	struct px_gate *g = gate(64, 64, 4);
	struct tconn t[4];
	struct px_gate_stats st;

	(void)state;
	open_from(g, &t[0], "203.0.113.7");  /* stalls */
	open_from(g, &t[1], "203.0.113.8");  /* trickles */
	open_from(g, &t[2], "203.0.113.9");  /* a request, then idle */
	open_from(g, &t[3], "203.0.113.10"); /* a token request */
	px_gate_request(g, t[2].gc, false);
	px_gate_request(g, t[3].gc, true);
	clock_ms += 5000;
	px_gate_progress(g, t[1].gc);
	px_gate_done(g, t[2].gc);
	clock_ms += 4999;
	px_gate_tick(g);
	for (int i = 0; i < 4; i++)
		assert_false(shut(&t[i]));
	clock_ms += 1;
	px_gate_tick(g);
	/* 10 s from accept, progress or not. */
	assert_true(shut(&t[0]));
	assert_true(shut(&t[1]));
	assert_false(shut(&t[2]));
	assert_false(shut(&t[3]));
	/* Idle keep-alive: 60 s from the end of its request. */
	clock_ms += 54999;
	px_gate_tick(g);
	assert_false(shut(&t[2]));
	clock_ms += 1;
	px_gate_tick(g);
	assert_true(shut(&t[2]));
	/* A token request has no gate deadline while it runs. */
	assert_false(shut(&t[3]));
	px_gate_stats(g, &st);
	assert_int_equal(st.timed_out, 3);
	finish_all(g, t, 4);
	px_gate_free(g);
}

/* One line per source address a minute, at most five sources a minute;
 * an idle keep-alive connection closed is not worth a line. */
static void
test_log_rate_limited(void **state)
{
	struct px_gate *g = gate(4, 2, 4);
	struct tconn t[200];
	int n = 0, lines;

	(void)state;
	for (; n < 100; n++) {
		open_from(g, &t[n], "203.0.113.7");
		reap(g, t, (size_t)n + 1);
	}
	px_gate_tick(g);
	assert_int_equal(logged.n, 1);
	assert_non_null(strstr(logged.last,
	    "connections from 203.0.113.7: 98 "
	    "closed"));
	assert_non_null(strstr(logged.last, "98 closed to make room"));
	assert_non_null(strstr(logged.last, "TLS 1.3"));
	for (; n < 150; n++) {
		open_from(g, &t[n], "203.0.113.7");
		reap(g, t, (size_t)n + 1);
	}
	/* Told what to do once, the address is then counted hourly. */
	assert_non_null(strstr(logged.last,
	    "What to do: if 203.0.113.7 is a "
	    "browser"));
	clock_ms += 60000;
	px_gate_tick(g);
	assert_int_equal(logged.n, 1);
	clock_ms += 3600000 - 60000 - 1;
	px_gate_tick(g);
	assert_int_equal(logged.n, 1);
	clock_ms += 1;
	px_gate_tick(g);
	assert_int_equal(logged.n, 2);
	assert_non_null(strstr(logged.last,
	    "connections from 203.0.113.7: 52 "
	    "more closed before completing a "
	    "request in the last 60 min"));
	assert_non_null(strstr(logged.last, "50 to make room"));
	assert_null(strstr(logged.last, "browser"));
	finish_all(g, t, (size_t)n);
	/* Ten addresses, each ending its connection during the handshake,
	 * in a fresh minute: five lines, then one for the others. */
	clock_ms += 60000;
	px_gate_tick(g);
	clock_ms += 60000;
	px_gate_tick(g);
	lines = logged.n;
	for (int i = 0; i < 10; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "192.0.2.%d", i + 1);
		open_from(g, &t[i], ip);
		finish(g, &t[i]);
	}
	px_gate_tick(g);
	assert_int_equal(logged.n - lines, 6);
	assert_non_null(strstr(logged.last, "5 other addresses"));
	assert_non_null(strstr(logged.all, "1 ended by the client"));
	px_gate_free(g);
}

static void
test_library_messages_summed(void **state)
{
	struct px_gate *g = gate(4, 2, 4);
	static const char *const fmt = "Failed to create error response.\n";
	static const char *const tls =
	    "Error: received handshake message out of context.\n";
	struct px_gate_stats st;

	(void)state;
	for (int i = 0; i < 100; i++) {
		px_gate_say_lib(g, fmt, "Failed to create error response.");
		px_gate_say_lib(g, tls,
		    "Error: received handshake message out of context.");
	}
	/* The first of a kind, at once; TLS handshake failures never one
	 * by one. */
	assert_int_equal(logged.n, 1);
	assert_non_null(strstr(logged.last, "Failed to create error response"));
	clock_ms += 60000;
	px_gate_tick(g);
	assert_int_equal(logged.n, 3);
	assert_non_null(strstr(logged.all, "99 more times"));
	assert_non_null(strstr(logged.all, "100 connection errors"));
	assert_non_null(strstr(logged.all, "say from where and what to do"));
	/* After that first explanation, an hourly count. */
	px_gate_say_lib(g, tls,
	    "Error: received handshake message out of "
	    "context.");
	clock_ms += 60000;
	px_gate_tick(g);
	assert_int_equal(logged.n, 3);
	clock_ms += 3600000;
	px_gate_tick(g);
	assert_int_equal(logged.n, 4);
	assert_non_null(strstr(logged.last, "1 connection errors"));
	assert_null(strstr(logged.last, "what to do"));
	px_gate_stats(g, &st);
	assert_int_equal(st.lib_messages, 200);
	/* The server's own repeatable lines share the limit. */
	px_gate_say_kind(g, fmt, "POST /x: handler failed: locked");
	px_gate_say_kind(g, fmt, "POST /y: handler failed: locked");
	assert_int_equal(logged.n, 4);
	px_gate_say_kind(g, "other kind", "POST /z: body passed 1024 bytes");
	assert_int_equal(logged.n, 5);
	assert_string_equal(logged.last,
	    "POST /z: body passed 1024 bytes "
	    "(repeats are summed up once a "
	    "minute)");
	clock_ms += 60000;
	px_gate_tick(g);
	assert_int_equal(logged.n, 6);
	assert_non_null(strstr(logged.last, "2 more times"));
	px_gate_free(g);
}

/* An IPv6 /64 is one address; an IPv4-mapped address is its IPv4. */
static void
test_address_grouping(void **state)
{
	struct px_gate *g = gate(64, 2, 4);
	struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
	struct tconn t[4];
	int sv[2];

	(void)state;
	for (int i = 0; i < 3; i++) {
		char ip[64];

		snprintf(ip, sizeof(ip), "2001:db8:1:2::%d", i + 1);
		assert_int_equal(inet_pton(AF_INET6, ip, &a.sin6_addr), 1);
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		t[i].mine = sv[0];
		t[i].theirs = sv[1];
		t[i].reported = false;
		t[i].gc = px_gate_open(
		    g, sv[0], (struct sockaddr *)&a, (socklen_t)sizeof(a));
		clock_ms += 10;
	}
	assert_true(shut(&t[0]));
	assert_false(shut(&t[2]));
	reap(g, t, 3);
	assert_int_equal(
	    inet_pton(AF_INET6, "::ffff:203.0.113.7", &a.sin6_addr), 1);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	t[3] = (struct tconn){ sv[0], sv[1], NULL, false };
	t[3].gc =
	    px_gate_open(g, sv[0], (struct sockaddr *)&a, (socklen_t)sizeof(a));
	assert_string_equal(px_gate_addr(t[3].gc), "203.0.113.7");
	finish_all(g, t, 4);
	px_gate_free(g);
}

static void
test_gate_config_checked(void **state)
{
	struct px_gate_config c = { .unauth_max = 4,
		.unauth_per_addr = 8,
		.peer_conns = 1,
		.header_ms = 1,
		.idle_ms = 1,
		.no_thread = 1 };
	struct px_gate *g = NULL;

	(void)state;
	assert_int_equal(px_gate_new(&g, &c), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "per address (8)"));
	c.unauth_per_addr = 4;
	c.header_ms = 0;
	assert_int_equal(px_gate_new(&g, &c), PX_EINVAL);
	assert_null(g);
}

static void
test_upload_budget(void **state)
{
	struct px_uploads *u = px_uploads_new(100, 60);
	size_t held;
	unsigned long refused;

	(void)state;
	assert_int_equal(px_uploads_take(u, "peer-a", 60), 0);
	/* Over the key's share, then over the total. */
	assert_int_equal(px_uploads_take(u, "peer-a", 1), PX_ETOOBIG);
	assert_int_equal(px_uploads_take(u, "peer-b", 41), PX_ETOOBIG);
	assert_int_equal(px_uploads_take(u, "peer-b", 40), 0);
	px_uploads_stats(u, &held, &refused);
	assert_int_equal(held, 100);
	assert_int_equal(refused, 2);
	px_uploads_give(u, "peer-a", 60);
	assert_int_equal(px_uploads_take(u, "peer-a", 60), 0);
	px_uploads_give(u, "peer-a", 60);
	px_uploads_give(u, "peer-b", 40);
	px_uploads_stats(u, &held, &refused);
	assert_int_equal(held, 0);
	px_uploads_free(u);
}

static void
test_metrics_module(void **state)
{
	struct px_metrics *m = px_metrics_new();
	struct px_buf b;

	(void)state;
	px_buf_init(&b, 1 << 20);
	px_metrics_add(m, PX_C_MSGS_IN, 3);
	px_metrics_add(m, PX_C_DELIVERIES_DEFERRED, 2);
	px_metrics_latency(m, 3000);  /* 3 ms: the 5 ms bucket */
	px_metrics_latency(m, 40000); /* 40 ms: the 50 ms bucket */
	px_metrics_peer_set(m, PX_PG_OUTBOX_DEPTH, "cert-b.example", 17);
	px_metrics_peer_set(m, PX_PG_OUTBOX_DEPTH, "we\"ird\\", 1);
	px_metrics_peer_set(m, PX_PG_DELIVERY_FAILING, "cert-b.example", 1);
	assert_int_equal(px_metrics_get(m, PX_C_MSGS_IN), 3);
	assert_int_equal(
	    px_metrics_peer_get(m, PX_PG_OUTBOX_DEPTH, "cert-b.example", -1),
	    17);
	assert_int_equal(px_metrics_peer_get(
	                     m, PX_PG_DELIVERY_DEFERRED, "cert-b.example", -1),
	    -1);
	px_metrics_render(m, &b);
	assert_non_null(strstr(b.data, "\nparley_messages_in_total 3\n"));
	assert_non_null(
	    strstr(b.data, "\nparley_deliveries_deferred_total 2\n"));
	assert_non_null(
	    strstr(b.data, "parley_delivery_seconds_bucket{le=\"0.002\"} 0\n"));
	assert_non_null(
	    strstr(b.data, "parley_delivery_seconds_bucket{le=\"0.005\"} 1\n"));
	assert_non_null(
	    strstr(b.data, "parley_delivery_seconds_bucket{le=\"0.05\"} 2\n"));
	assert_non_null(strstr(b.data, "parley_delivery_seconds_count 2\n"));
	assert_non_null(strstr(
	    b.data, "parley_outbox_depth{peer=\"cert-b.example\"} 17\n"));
	assert_non_null(
	    strstr(b.data, "parley_outbox_depth{peer=\"we\\\"ird\\\\\"} 1\n"));
	assert_non_null(strstr(
	    b.data, "parley_delivery_failing{peer=\"cert-b.example\"} 1\n"));
	/* Not set, not shown. */
	assert_null(strstr(b.data, "parley_delivery_deferred{"));
	assert_non_null(
	    strstr(b.data, "# TYPE parley_delivery_deferred gauge"));
	px_metrics_peer_forget(m, "cert-b.example");
	px_buf_reset(&b);
	px_metrics_render(m, &b);
	assert_null(strstr(b.data, "cert-b.example"));
	/* NULL is accepted everywhere. */
	px_metrics_add(NULL, PX_C_MSGS_IN, 1);
	px_metrics_peer_set(NULL, PX_PG_OUTBOX_DEPTH, "x", 1);
	assert_int_equal(px_metrics_get(NULL, PX_C_MSGS_IN), 0);
	px_buf_dispose(&b);
	px_metrics_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_address_cap_evicts_oldest),
		cmocka_unit_test(test_eviction_order_follows_progress),
		cmocka_unit_test(test_full_pool_takes_from_biggest),
		cmocka_unit_test(test_peers_never_evicted),
		cmocka_unit_test(test_deadlines_absolute),
		cmocka_unit_test(test_log_rate_limited),
		cmocka_unit_test(test_library_messages_summed),
		cmocka_unit_test(test_address_grouping),
		cmocka_unit_test(test_gate_config_checked),
		cmocka_unit_test(test_upload_budget),
		cmocka_unit_test(test_metrics_module),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
