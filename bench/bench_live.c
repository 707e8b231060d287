/*
 * Two serving nodes on loopback, measured end to end, beside the floor of
 * the same transport in the same run:
 *
 *   floor   bare TLS round trips: one px_client, one keep-alive connection,
 *           GET /healthz on B one after another (no store work): req/s and
 *           p50/p99;
 *   (b)     messages/s: N requests submitted at A's API from K concurrent
 *           px_client connections (one thread each), timed until B holds
 *           all of them and A's outbox is empty (A has B's receipts);
 *   (c)     submit-to-receipt latency: S messages sent one at a time, each
 *           timed from its POST until A's GET /api/v1/cases/{id} no longer
 *           says "sent" (polled every 1 ms).
 *
 * A message is not delivered until two durable commits have happened one
 * after the other: the sender's (the API answers 201 only once the signed
 * message is on disk) and the receiver's (a receipt is signed only for what
 * B has on disk).  So (c) has a second floor, the disk's: fdatasync of a
 * 4 KiB write in the nodes' directory, timed in the same run; two of them
 * in a row bound submit-to-receipt from below whatever the code does.  And
 * because a shared machine's wall clock says little, (b) also reports the
 * CPU time both serving processes spent per message (utime + stime from
 * /proc), which load on other processes does not inflate.
 *
 * DESIGN.md targets: >= 1,000 messages/s, p99 submit-to-receipt <= 20 ms.
 *
 * The nodes are real `parley serve` processes (fork + exec of PARLEY, by
 * default ../parley next to this binary) in a temporary directory, on free
 * loopback ports, enrolled with each other; the bench stops them by PID and
 * removes the directory.  Each phase has a time cap so the whole run takes
 * about a minute; a capped phase says so and reports what it measured.
 *
 * Usage: bench_live [messages (5000)] [clients (8)] [latency samples (200)]
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "live.h"

#define SUBMIT_CAP_MS  30000.0 /* phase (b): stop submitting after this */
#define DRAIN_CAP_MS   30000.0 /* ... and wait at most this for delivery */
#define LATENCY_CAP_MS 15000.0 /* phase (c) as a whole */
#define FLOOR_MS       2000.0  /* phase (a) */
#define FSYNC_SAMPLES  200     /* the disk's floor */

static struct live_node nodes[2] = {
	{ .key = "a", .name = "cert-beijing.example" },
	{ .key = "b", .name = "cert-washington.example" },
};

static struct px_client *
api_client(const char *token)
{
	return live_api_client(&nodes[0], token);
}

static int
post_case(struct px_client *c, long i, struct px_buf *resp, long *status)
{
	return live_post_case(c, nodes[1].name, i, resp, status);
}

static int
setup(char token[128])
{
	for (size_t i = 0; i < 2; i++)
		if (live_init(&nodes[i]) < 0)
			return -1;
	if (live_pin(&nodes[0], &nodes[1]) < 0 ||
	    live_pin(&nodes[1], &nodes[0]) < 0)
		return -1;
	return live_token(&nodes[0], "analyst", token);
}

/* ---- (a) floor ---------------------------------------------------------- */

static int
floor_phase(double *rps, double *p50, double *p99)
{
	struct px_client *c = NULL;
	struct px_buf b;
	size_t cap = 1 << 20, n = 0;
	double *lat = px_calloc(cap, sizeof(double)), t0, t;
	int rc = 0;

	if (px_client_new(&c, nodes[1].url, nodes[1].fp, NULL, NULL) < 0) {
		free(lat);
		return -1;
	}
	px_buf_init(&b, 1 << 16);
	for (int i = 0; i < 50; i++) { /* warm up: connection, caches */
		long status;

		if (live_get(c, "/healthz", &status, &b) < 0 || status != 200)
			rc = -1;
	}
	t0 = live_now_ms();
	while (rc == 0 && (t = live_now_ms()) - t0 < FLOOR_MS && n < cap) {
		long status = 0;

		if (live_get(c, "/healthz", &status, &b) < 0 || status != 200)
			rc = -1;
		lat[n++] = live_now_ms() - t;
	}
	t = live_now_ms() - t0;
	qsort(lat, n, sizeof(double), live_cmp_double);
	*rps = (double)n / (t / 1e3);
	*p50 = live_pct(lat, n, 0.50);
	*p99 = live_pct(lat, n, 0.99);
	if (px_client_connects(c) != 1)
		fprintf(stderr, "bench_live: floor used %ld connections\n",
		    px_client_connects(c));
	px_buf_dispose(&b);
	px_client_free(c);
	free(lat);
	return rc;
}

/* The disk's floor: FSYNC_SAMPLES writes of 4 KiB, each followed by
 * fdatasync, in DIR (where the nodes' stores are); p50 and p99 in ms. */
static int
fsync_floor(const char *dir, double *p50, double *p99)
{
	char *path = px_asprintf("%s/fsync-floor", dir);
	double lat[FSYNC_SAMPLES];
	char page[4096];
	int fd, rc = -1;

	memset(page, 'x', sizeof(page));
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		goto out;
	for (int i = 0; i < FSYNC_SAMPLES; i++) {
		double t = live_now_ms();

		if (pwrite(fd, page, sizeof(page), (off_t)i * 4096) !=
		        (ssize_t)sizeof(page) ||
		    fdatasync(fd) < 0)
			goto out;
		lat[i] = live_now_ms() - t;
	}
	qsort(lat, FSYNC_SAMPLES, sizeof(double), live_cmp_double);
	*p50 = live_pct(lat, FSYNC_SAMPLES, 0.50);
	*p99 = live_pct(lat, FSYNC_SAMPLES, 0.99);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	unlink(path);
	free(path);
	return rc;
}

static double
serving_cpu(void)
{
	double a = live_cpu_s(nodes[0].pid), b = live_cpu_s(nodes[1].pid);

	return a < 0 || b < 0 ? -1 : a + b;
}

/* ---- (b) messages per second ------------------------------------------- */

struct submit {
	struct px_client *c;
	atomic_long *next;
	long n;
	double t0;
	atomic_long *ok, *bad;
	atomic_int *capped;
};

static void *
submitter(void *arg)
{
	struct submit *s = arg;
	struct px_buf resp;
	long i;

	px_buf_init(&resp, 1 << 16);
	while ((i = atomic_fetch_add(s->next, 1)) < s->n) {
		long status = 0;

		if (live_now_ms() - s->t0 > SUBMIT_CAP_MS) {
			atomic_store(s->capped, 1);
			break;
		}
		if (post_case(s->c, i, &resp, &status) == 0 && status == 201)
			atomic_fetch_add(s->ok, 1);
		else if (atomic_fetch_add(s->bad, 1) < 3)
			fprintf(stderr, "bench_live: POST %ld: status %ld %s\n",
			    i, status, resp.data ? resp.data : px_error_last());
	}
	px_buf_dispose(&resp);
	return NULL;
}

/* Messages from A held by B, read from B's store (WAL: a reader does not
 * disturb the writer). */
static long
held_by_b(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	long n = -1;

	if (sqlite3_prepare_v2(db,
	        "SELECT count(*) FROM messages WHERE sender = ?1", -1, &st,
	        NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, nodes[0].name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* A's outbox depth for B from /metrics, or -1. */
static long
depth_at_a(struct px_client *m, struct px_buf *b)
{
	char key[128];
	const char *p;
	long status = 0;

	snprintf(key, sizeof(key), "parley_outbox_depth{peer=\"%s\"} ",
	    nodes[1].name);
	if (live_get(m, "/metrics", &status, b) < 0 || status != 200 ||
	    (p = strstr(b->data, key)) == NULL)
		return -1;
	return strtol(p + strlen(key), NULL, 10);
}

struct rate {
	long submitted, delivered, bad;
	double submit_ms, total_ms, cpu_s;
	bool capped;
};

static int
rate_phase(const char *token, long n, int k, struct rate *out)
{
	struct px_client **cs = px_calloc((size_t)k, sizeof(*cs));
	struct submit *ss = px_calloc((size_t)k, sizeof(*ss));
	pthread_t *th = px_calloc((size_t)k, sizeof(*th));
	atomic_long next = 0, ok = 0, bad = 0;
	atomic_int capped = 0;
	struct px_client *m = NULL;
	struct px_buf mb;
	sqlite3 *db = NULL;
	char *dbpath = px_asprintf("%s/parley.db", nodes[1].dir);
	long base, held = 0;
	double t0, tdrain = 0;
	int rc = -1;

	px_buf_init(&mb, 1 << 20);
	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) !=
	        SQLITE_OK ||
	    (base = held_by_b(db)) < 0 || (m = api_client(token)) == NULL)
		goto out;
	for (int i = 0; i < k; i++)
		if ((cs[i] = api_client(token)) == NULL)
			goto out;
	out->cpu_s = serving_cpu();
	t0 = live_now_ms();
	for (int i = 0; i < k; i++) {
		ss[i] =
		    (struct submit){ cs[i], &next, n, t0, &ok, &bad, &capped };
		if (pthread_create(&th[i], NULL, submitter, &ss[i]) != 0) {
			fprintf(stderr, "bench_live: pthread_create failed\n");
			abort();
		}
	}
	for (int i = 0; i < k; i++)
		pthread_join(th[i], NULL);
	out->submit_ms = live_now_ms() - t0;
	out->submitted = atomic_load(&ok);
	out->bad = atomic_load(&bad);
	out->capped = atomic_load(&capped) != 0;
	/* Delivered: B holds every accepted message and A's outbox for B is
	 * empty, i.e. A has imported B's receipts for all of them. */
	tdrain = live_now_ms();
	for (;;) {
		held = held_by_b(db) - base;
		if (held >= out->submitted && depth_at_a(m, &mb) == 0)
			break;
		if (live_now_ms() - tdrain > DRAIN_CAP_MS) {
			out->capped = true;
			break;
		}
		usleep(2000);
	}
	out->total_ms = live_now_ms() - t0;
	out->cpu_s = out->cpu_s < 0 || serving_cpu() < 0
	    ? -1
	    : serving_cpu() - out->cpu_s;
	out->delivered = held < 0 ? 0 : held;
	rc = 0;
out:
	for (int i = 0; i < k; i++)
		px_client_free(cs[i]);
	px_client_free(m);
	px_buf_dispose(&mb);
	sqlite3_close(db);
	free(dbpath);
	free(cs);
	free(ss);
	free(th);
	return rc;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 5000;
	int k = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 8;
	long samples = argc > 3 ? strtol(argv[3], NULL, 10) : 200;
	char token[128];
	double f_rps = 0, f50 = 0, f99 = 0, l50 = 0, l99 = 0, d50 = 0, d99 = 0;
	struct rate r = { 0 };
	long lat_n = 0, polls = 0;
	int rc = 1;

	if (n < 1 || k < 1 || k > 256 || samples < 1) {
		fprintf(stderr,
		    "usage: bench_live [messages] [clients 1..256] "
		    "[latency samples]\n");
		return 2;
	}
	live_bench = "bench_live";
	live_nodes = nodes;
	live_nnodes = PX_ARRAY_LEN(nodes);
	if (live_start() < 0)
		return 1;
	if (setup(token) < 0 || live_serve(&nodes[0]) < 0 ||
	    live_serve(&nodes[1]) < 0)
		goto out;
	printf("bench_live: 2 nodes serving on loopback (TLS 1.3, pinned "
	       "mTLS between them), %s\n",
	    live_bin);
	fflush(stdout);
	if (floor_phase(&f_rps, &f50, &f99) < 0) {
		fprintf(stderr, "bench_live: floor phase failed: %s\n",
		    px_error_last());
		goto out;
	}
	printf("  floor  TLS round trips, GET /healthz on B, 1 client   "
	       "%9.0f req/s   p50 %6.2f ms  p99 %6.2f ms\n",
	    f_rps, f50, f99);
	if (fsync_floor(nodes[1].dir, &d50, &d99) < 0) {
		fprintf(
		    stderr, "bench_live: fsync floor: %s\n", strerror(errno));
		goto out;
	}
	printf("  floor  the disk: 4 KiB write + fdatasync in the nodes' "
	       "directory    p50 %6.2f ms  p99 %6.2f ms\n",
	    d50, d99);
	fflush(stdout);
	if (rate_phase(token, n, k, &r) < 0) {
		fprintf(stderr, "bench_live: rate phase failed: %s\n",
		    px_error_last());
		goto out;
	}
	printf("  parley messages A->B, %ld via the API from %d clients "
	       "%9.0f msg/s   (target >= 1,000 msg/s; %.1f%% of the floor's "
	       "req/s)\n",
	    r.submitted, k, (double)r.delivered / (r.total_ms / 1e3),
	    100.0 * ((double)r.delivered / (r.total_ms / 1e3)) / f_rps);
	printf("         API accepted %ld in %.1f s (%.0f/s), all at B with "
	       "receipts back after %.1f s%s%s\n",
	    r.submitted, r.submit_ms / 1e3,
	    (double)r.submitted / (r.submit_ms / 1e3), r.total_ms / 1e3,
	    r.capped ? "  [CAPPED: phase hit its time limit]" : "",
	    r.bad ? "  [some POSTs failed]" : "");
	if (r.cpu_s >= 0 && r.delivered > 0)
		printf("         both serving processes used %.2f CPU-s: "
		       "%.2f CPU-ms per message (2 cores: at most %.0f "
		       "msg/s if nothing else ran)\n",
		    r.cpu_s, 1e3 * r.cpu_s / (double)r.delivered,
		    2.0 * (double)r.delivered / r.cpu_s);
	fflush(stdout);
	if (live_latency(&nodes[0], nodes[1].name, token, samples,
	        LATENCY_CAP_MS, &l50, &l99, &lat_n, &polls) < 0) {
		fprintf(stderr, "bench_live: latency phase failed: %s\n",
		    px_error_last());
		goto out;
	}
	printf("  parley submit-to-receipt, %ld sent one at a time       "
	       "p50 %6.2f ms  p99 %6.2f ms   (target p99 <= 20 ms; floors: "
	       "TLS p99 %.2f ms, two fdatasyncs in a row p50 %.2f ms "
	       "p99 ~%.2f ms)%s\n",
	    lat_n, l50, l99, f99, 2 * d50, d50 + d99,
	    lat_n < samples ? "  [CAPPED: phase hit its time limit]" : "");
	rc = r.delivered >= r.submitted && r.bad == 0 ? 0 : 1;
	if (rc)
		fprintf(stderr,
		    "bench_live: %ld submitted, %ld delivered, "
		    "%ld failed\n",
		    r.submitted, r.delivered, r.bad);
out:
	live_finish(rc != 0);
	return rc;
}
