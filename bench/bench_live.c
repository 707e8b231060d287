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

#include "crypto/sign.h"
#include "crypto/tls.h"
#include "net/client.h"
#include "util/util.h"

#define SUBMIT_CAP_MS  30000.0 /* phase (b): stop submitting after this */
#define DRAIN_CAP_MS   30000.0 /* ... and wait at most this for delivery */
#define LATENCY_CAP_MS 15000.0 /* phase (c) as a whole */
#define FLOOR_MS       2000.0  /* phase (a) */

struct node {
	const char *key; /* "a" or "b" */
	const char *name;
	char *dir, *url, *listen, *log;
	char fp[PX_TLS_FP_LEN];
	unsigned port;
	pid_t pid;
};

static char bin[4096];
static char tmpl[] = "/tmp/px-bench-live-XXXXXX";
static struct node nodes[2] = {
	{ .key = "a", .name = "cert-beijing.example" },
	{ .key = "b", .name = "cert-washington.example" },
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Runs `bin argv...` to completion; its stdout goes to `out` (may be
 * NULL: discarded), its stderr to /dev/null.  Returns the exit status, or
 * -1 if it did not exit normally. */
static int
run(struct px_buf *out, char *const argv[])
{
	int fds[2], st = 0;
	pid_t pid;

	if (pipe(fds) < 0)
		return -1;
	if ((pid = fork()) == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(fds[1], STDOUT_FILENO);
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		close(fds[0]);
		execv(bin, argv);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		char b[512];
		ssize_t n = read(fds[0], b, sizeof(b));

		if (n <= 0)
			break;
		if (out && px_buf_add(out, b, (size_t)n) < 0)
			break;
	}
	close(fds[0]);
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int
get(struct px_client *c, const char *path, long *status, struct px_buf *body)
{
	px_buf_reset(body);
	return px_client_request(
	    c, "GET", path, NULL, NULL, 0, status, body, 10000);
}

/* Starts `parley serve` for n (output to n->log) and waits for /healthz. */
static int
serve(struct node *n)
{
	struct px_client *c = NULL;
	struct px_buf b;
	double t0 = now_ms();
	int rc = -1;

	if ((n->pid = fork()) == 0) {
		int fd = open(n->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execl(bin, bin, "serve", "--dir", n->dir, (char *)NULL);
		_exit(127);
	}
	if (n->pid < 0 || px_client_new(&c, n->url, n->fp, NULL, NULL) < 0)
		return -1;
	px_buf_init(&b, 1 << 16);
	while (now_ms() - t0 < 15000) {
		long status = 0;

		if (get(c, "/healthz", &status, &b) == 0 && status == 200) {
			rc = 0;
			break;
		}
		if (waitpid(n->pid, NULL, WNOHANG) == n->pid) {
			n->pid = 0;
			break;
		}
		usleep(5000);
	}
	if (rc < 0)
		fprintf(stderr, "bench_live: %s did not come up (see %s)\n",
		    n->name, n->log);
	px_buf_dispose(&b);
	px_client_free(c);
	return rc;
}

/* SIGTERM, up to 10 s to exit, then SIGKILL. */
static void
stop(struct node *n)
{
	double t0 = now_ms();
	int st;

	if (n->pid <= 0)
		return;
	kill(n->pid, SIGTERM);
	while (waitpid(n->pid, &st, WNOHANG) == 0) {
		if (now_ms() - t0 > 10000) {
			fprintf(stderr, "bench_live: %s ignored SIGTERM\n",
			    n->name);
			kill(n->pid, SIGKILL);
			waitpid(n->pid, &st, 0);
			break;
		}
		usleep(10000);
	}
	n->pid = 0;
}

static void
on_signal(int sig)
{
	for (size_t i = 0; i < PX_ARRAY_LEN(nodes); i++)
		if (nodes[i].pid > 0)
			kill(nodes[i].pid, SIGKILL);
	_exit(128 + sig);
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
setup(char token[128])
{
	struct px_buf out;
	int rc = -1;

	for (size_t i = 0; i < 2; i++) {
		struct node *n = &nodes[i];
		char *cert, *card;

		n->port = px_loopback_free_port();
		n->dir = px_asprintf("%s/%s", tmpl, n->key);
		n->log = px_asprintf("%s/%s.log", tmpl, n->key);
		n->url = px_asprintf("https://127.0.0.1:%u", n->port);
		n->listen = px_asprintf("127.0.0.1:%u", n->port);
		card = px_asprintf("%s.card", n->dir);
		{
			char *init[] = { bin, (char *)"init", (char *)"--dir",
				n->dir, (char *)"--name", (char *)n->name,
				(char *)"--url", n->url, (char *)"--listen",
				n->listen, NULL };
			char *cardv[] = { bin, (char *)"card", (char *)"--dir",
				n->dir, (char *)"-o", card, NULL };

			if (n->port == 0 || run(NULL, init) != 0 ||
			    run(NULL, cardv) != 0) {
				fprintf(stderr,
				    "bench_live: parley init/card "
				    "failed (%s)\n",
				    bin);
				free(card);
				return -1;
			}
		}
		free(card);
		cert = px_asprintf("%s/tls/cert.pem", n->dir);
		rc = px_tls_fingerprint_file(n->fp, cert);
		free(cert);
		if (rc < 0)
			return -1;
	}
	for (size_t i = 0; i < 2; i++) {
		char *card = px_asprintf("%s.card", nodes[1 - i].dir);
		char *add[] = { bin, (char *)"peer", (char *)"add",
			(char *)"--dir", nodes[i].dir, card, NULL };

		rc = run(NULL, add);
		free(card);
		if (rc != 0) {
			fprintf(stderr, "bench_live: parley peer add failed\n");
			return -1;
		}
	}
	px_buf_init(&out, 4096);
	{
		char *tok[] = { bin, (char *)"token", (char *)"create",
			(char *)"--dir", nodes[0].dir, (char *)"--role",
			(char *)"analyst", NULL };

		rc = run(&out, tok);
	}
	if (rc != 0 || out.len < 8 || out.len >= 128) {
		fprintf(stderr, "bench_live: parley token create failed\n");
		px_buf_dispose(&out);
		return -1;
	}
	snprintf(token, 128, "%.*s", (int)strcspn(out.data, "\r\n"), out.data);
	px_buf_dispose(&out);
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(double *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

/* An API client of A: pinned to A's certificate, with the token. */
static struct px_client *
api_client(const char *token)
{
	struct px_client *c = NULL;
	char *h = px_asprintf("Authorization: Bearer %s", token);

	if (px_client_new(&c, nodes[0].url, nodes[0].fp, NULL, NULL) < 0 ||
	    px_client_header_add(c, h) < 0) {
		px_client_free(c);
		c = NULL;
	}
	free(h);
	return c;
}

static int
post_case(struct px_client *c, long i, struct px_buf *resp, long *status)
{
	char body[512];
	int len = snprintf(body, sizeof(body),
	    "{\"to\":\"%s\",\"kind\":\"request\",\"category\":\"botnet\","
	    "\"priority\":\"P3\",\"tlp\":\"green\",\"title\":\"bench %ld\","
	    "\"text\":\"Message %ld of the benchmark\"}",
	    nodes[1].name, i, i);

	px_buf_reset(resp);
	return px_client_request(c, "POST", "/api/v1/cases", "application/json",
	    body, (size_t)len, status, resp, 30000);
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

		if (get(c, "/healthz", &status, &b) < 0 || status != 200)
			rc = -1;
	}
	t0 = now_ms();
	while (rc == 0 && (t = now_ms()) - t0 < FLOOR_MS && n < cap) {
		long status = 0;

		if (get(c, "/healthz", &status, &b) < 0 || status != 200)
			rc = -1;
		lat[n++] = now_ms() - t;
	}
	t = now_ms() - t0;
	qsort(lat, n, sizeof(double), cmp_double);
	*rps = (double)n / (t / 1e3);
	*p50 = pct(lat, n, 0.50);
	*p99 = pct(lat, n, 0.99);
	if (px_client_connects(c) != 1)
		fprintf(stderr, "bench_live: floor used %ld connections\n",
		    px_client_connects(c));
	px_buf_dispose(&b);
	px_client_free(c);
	free(lat);
	return rc;
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

		if (now_ms() - s->t0 > SUBMIT_CAP_MS) {
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
	if (get(m, "/metrics", &status, b) < 0 || status != 200 ||
	    (p = strstr(b->data, key)) == NULL)
		return -1;
	return strtol(p + strlen(key), NULL, 10);
}

struct rate {
	long submitted, delivered, bad;
	double submit_ms, total_ms;
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
	    (base = held_by_b(db)) < 0 ||
	    px_client_new(&m, nodes[0].url, nodes[0].fp, NULL, NULL) < 0)
		goto out;
	for (int i = 0; i < k; i++)
		if ((cs[i] = api_client(token)) == NULL)
			goto out;
	t0 = now_ms();
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
	out->submit_ms = now_ms() - t0;
	out->submitted = atomic_load(&ok);
	out->bad = atomic_load(&bad);
	out->capped = atomic_load(&capped) != 0;
	/* Delivered: B holds every accepted message and A's outbox for B is
	 * empty, i.e. A has imported B's receipts for all of them. */
	tdrain = now_ms();
	for (;;) {
		held = held_by_b(db) - base;
		if (held >= out->submitted && depth_at_a(m, &mb) == 0)
			break;
		if (now_ms() - tdrain > DRAIN_CAP_MS) {
			out->capped = true;
			break;
		}
		usleep(2000);
	}
	out->total_ms = now_ms() - t0;
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

/* ---- (c) submit-to-receipt latency ------------------------------------- */

static int
latency_phase(const char *token, long samples, double *p50, double *p99,
    long *done, long *polls)
{
	struct px_client *c = api_client(token);
	struct px_buf b;
	double *lat = px_calloc((size_t)samples, sizeof(double));
	double start = now_ms();
	long n = 0;
	int rc = 0;

	*polls = 0;
	if (c == NULL) {
		free(lat);
		return -1;
	}
	px_buf_init(&b, 1 << 20);
	for (long i = 0; i < samples && rc == 0; i++) {
		char path[128], id[64] = "";
		double t0 = now_ms();
		long status = 0;
		json_t *j;

		if (now_ms() - start > LATENCY_CAP_MS)
			break;
		if (post_case(c, 1000000 + i, &b, &status) < 0 ||
		    status != 201 ||
		    (j = json_loadb(b.data, b.len, 0, NULL)) == NULL) {
			rc = -1;
			break;
		}
		snprintf(id, sizeof(id), "%s",
		    json_string_value(json_object_get(j, "case")) ?: "");
		json_decref(j);
		snprintf(path, sizeof(path), "/api/v1/cases/%s", id);
		for (;;) {
			const char *st;
			bool sent;

			if (get(c, path, &status, &b) < 0 || status != 200 ||
			    (j = json_loadb(b.data, b.len, 0, NULL)) == NULL) {
				rc = -1;
				break;
			}
			(*polls)++;
			st = json_string_value(json_object_get(j, "state"));
			sent = st == NULL || strcmp(st, "sent") == 0;
			json_decref(j);
			if (!sent) {
				lat[n++] = now_ms() - t0;
				break;
			}
			if (now_ms() - t0 > 10000) {
				fprintf(stderr,
				    "bench_live: case %s still "
				    "'sent' after 10 s\n",
				    id);
				rc = -1;
				break;
			}
			usleep(1000);
		}
	}
	qsort(lat, (size_t)n, sizeof(double), cmp_double);
	*p50 = pct(lat, (size_t)n, 0.50);
	*p99 = pct(lat, (size_t)n, 0.99);
	*done = n;
	px_buf_dispose(&b);
	px_client_free(c);
	free(lat);
	return rc;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 5000;
	int k = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 8;
	long samples = argc > 3 ? strtol(argv[3], NULL, 10) : 200;
	const char *env = getenv("PARLEY");
	char self[4096], token[128];
	double f_rps = 0, f50 = 0, f99 = 0, l50 = 0, l99 = 0;
	struct rate r = { 0 };
	long lat_n = 0, polls = 0;
	ssize_t len;
	int rc = 1;

	if (n < 1 || k < 1 || k > 256 || samples < 1) {
		fprintf(stderr,
		    "usage: bench_live [messages] [clients 1..256] "
		    "[latency samples]\n");
		return 2;
	}
	if (px_crypto_init() < 0 || mkdtemp(tmpl) == NULL) {
		fprintf(stderr, "bench_live: cannot start\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[len > 0 ? len : 0] = '\0';
	if (env)
		snprintf(bin, sizeof(bin), "%s", env);
	else
		snprintf(bin, sizeof(bin), "%.*s/../parley",
		    (int)(strrchr(self, '/') - self), self);
	if (access(bin, X_OK) != 0) {
		fprintf(stderr,
		    "bench_live: no parley binary at %s (set "
		    "PARLEY)\n",
		    bin);
		goto out;
	}
	if (setup(token) < 0 || serve(&nodes[0]) < 0 || serve(&nodes[1]) < 0)
		goto out;
	printf("bench_live: 2 nodes serving on loopback (TLS 1.3, pinned "
	       "mTLS between them), %s\n",
	    bin);
	fflush(stdout);
	if (floor_phase(&f_rps, &f50, &f99) < 0) {
		fprintf(stderr, "bench_live: floor phase failed: %s\n",
		    px_error_last());
		goto out;
	}
	printf("  floor  TLS round trips, GET /healthz on B, 1 client   "
	       "%9.0f req/s   p50 %6.2f ms  p99 %6.2f ms\n",
	    f_rps, f50, f99);
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
	fflush(stdout);
	if (latency_phase(token, samples, &l50, &l99, &lat_n, &polls) < 0) {
		fprintf(stderr, "bench_live: latency phase failed: %s\n",
		    px_error_last());
		goto out;
	}
	printf("  parley submit-to-receipt, %ld sent one at a time       "
	       "p50 %6.2f ms  p99 %6.2f ms   (target p99 <= 20 ms; floor "
	       "p99 %.2f ms)%s\n",
	    lat_n, l50, l99, f99,
	    lat_n < samples ? "  [CAPPED: phase hit its time limit]" : "");
	rc = r.delivered >= r.submitted && r.bad == 0 ? 0 : 1;
	if (rc)
		fprintf(stderr,
		    "bench_live: %ld submitted, %ld delivered, "
		    "%ld failed\n",
		    r.submitted, r.delivered, r.bad);
out:
	for (size_t i = 0; i < PX_ARRAY_LEN(nodes); i++)
		stop(&nodes[i]);
	if (rc != 0)
		fprintf(stderr, "bench_live: node logs were in %s (removed)\n",
		    tmpl);
	if (nftw(tmpl, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "bench_live: could not remove %s\n", tmpl);
	for (size_t i = 0; i < PX_ARRAY_LEN(nodes); i++) {
		free(nodes[i].dir);
		free(nodes[i].url);
		free(nodes[i].listen);
		free(nodes[i].log);
	}
	return rc;
}
