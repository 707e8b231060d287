/*
 * Serving nodes for the live benchmarks (bench_live.c, bench_flood.c):
 * real `parley serve` processes (fork + exec of PARLEY, by default
 * ../parley next to the benchmark) in a temporary directory, on free
 * loopback ports.  The benchmark sets live_bench and live_nodes first,
 * then live_start(); live_finish() stops every node by PID and removes
 * the directory, whatever happened.
 *
 * Include after defining _XOPEN_SOURCE 700 (nftw).
 */
#ifndef PX_BENCH_LIVE_H
#define PX_BENCH_LIVE_H

#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "crypto/sign.h"
#include "crypto/tls.h"
#include "net/client.h"
#include "util/util.h"

struct live_node {
	const char *key; /* its directory under the scratch directory */
	const char *name;
	char *dir, *url, *listen, *log;
	char fp[PX_TLS_FP_LEN];
	unsigned port;
	pid_t pid;
};

static const char *live_bench = "bench";
static char live_bin[4096];
static char live_root[] = "/tmp/px-bench-XXXXXX";
static struct live_node *live_nodes;
static size_t live_nnodes;

static inline double
live_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static inline void
live_sleep_ms(double ms)
{
	struct timespec ts = { (time_t)(ms / 1000),
		(long)((ms - (double)(time_t)(ms / 1000) * 1000) * 1e6) };

	nanosleep(&ts, NULL);
}

/* Runs `live_bin argv...` to completion; its stdout goes to `out` (may be
 * NULL: discarded), its stderr to /dev/null.  Returns the exit status, or
 * -1 if it did not exit normally. */
static inline int
live_run(struct px_buf *out, char *const argv[])
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
		execv(live_bin, argv);
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

static inline int
live_get(
    struct px_client *c, const char *path, long *status, struct px_buf *body)
{
	px_buf_reset(body);
	return px_client_request(
	    c, "GET", path, NULL, NULL, 0, status, body, 10000);
}

/* Starts `parley serve` for n (output to n->log) and waits for /healthz. */
static inline int
live_serve(struct live_node *n)
{
	struct px_client *c = NULL;
	struct px_buf b;
	double t0 = live_now_ms();
	int rc = -1;

	if ((n->pid = fork()) == 0) {
		int fd = open(n->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execl(
		    live_bin, live_bin, "serve", "--dir", n->dir, (char *)NULL);
		_exit(127);
	}
	if (n->pid < 0 || px_client_new(&c, n->url, n->fp, NULL, NULL) < 0)
		return -1;
	px_buf_init(&b, 1 << 16);
	while (live_now_ms() - t0 < 15000) {
		long status = 0;

		if (live_get(c, "/healthz", &status, &b) == 0 &&
		    status == 200) {
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
		fprintf(stderr, "%s: %s did not come up (see %s)\n", live_bench,
		    n->name, n->log);
	px_buf_dispose(&b);
	px_client_free(c);
	return rc;
}

/* SIGTERM, up to 10 s to exit, then SIGKILL. */
static inline void
live_stop(struct live_node *n)
{
	double t0 = live_now_ms();
	int st;

	if (n->pid <= 0)
		return;
	kill(n->pid, SIGTERM);
	while (waitpid(n->pid, &st, WNOHANG) == 0) {
		if (live_now_ms() - t0 > 10000) {
			fprintf(stderr, "%s: %s ignored SIGTERM\n", live_bench,
			    n->name);
			kill(n->pid, SIGKILL);
			waitpid(n->pid, &st, 0);
			break;
		}
		usleep(10000);
	}
	n->pid = 0;
}

static inline void
live_on_signal(int sig)
{
	for (size_t i = 0; i < live_nnodes; i++)
		if (live_nodes[i].pid > 0)
			kill(live_nodes[i].pid, SIGKILL);
	_exit(128 + sig);
}

static inline int
live_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A fresh node n under the scratch directory: parley init (URL and listen
 * address on a free port) and parley card; n->fp is its TLS fingerprint. */
static inline int
live_init(struct live_node *n)
{
	char *card, *cert;
	int rc;

	n->port = px_loopback_free_port();
	n->dir = px_asprintf("%s/%s", live_root, n->key);
	n->log = px_asprintf("%s/%s.log", live_root, n->key);
	n->url = px_asprintf("https://127.0.0.1:%u", n->port);
	n->listen = px_asprintf("127.0.0.1:%u", n->port);
	card = px_asprintf("%s.card", n->dir);
	{
		char *init[] = { live_bin, (char *)"init", (char *)"--dir",
			n->dir, (char *)"--name", (char *)n->name,
			(char *)"--url", n->url, (char *)"--listen", n->listen,
			NULL };
		char *cardv[] = { live_bin, (char *)"card", (char *)"--dir",
			n->dir, (char *)"-o", card, NULL };

		rc = n->port == 0 || live_run(NULL, init) != 0 ||
		        live_run(NULL, cardv) != 0
		    ? -1
		    : 0;
	}
	free(card);
	if (rc < 0) {
		fprintf(stderr, "%s: parley init/card failed (%s)\n",
		    live_bench, live_bin);
		return -1;
	}
	cert = px_asprintf("%s/tls/cert.pem", n->dir);
	rc = px_tls_fingerprint_file(n->fp, cert);
	free(cert);
	return rc;
}

/* `at` pins `other`'s card. */
static inline int
live_pin(const struct live_node *at, const struct live_node *other)
{
	char *card = px_asprintf("%s.card", other->dir);
	char *add[] = { live_bin, (char *)"peer", (char *)"add",
		(char *)"--dir", at->dir, card, NULL };
	int rc = live_run(NULL, add);

	free(card);
	if (rc != 0)
		fprintf(stderr, "%s: parley peer add failed\n", live_bench);
	return rc == 0 ? 0 : -1;
}

/* A new API token of `role` at n. */
static inline int
live_token(const struct live_node *n, const char *role, char token[128])
{
	struct px_buf out;
	char *tok[] = { live_bin, (char *)"token", (char *)"create",
		(char *)"--dir", n->dir, (char *)"--role", (char *)role, NULL };
	int rc;

	px_buf_init(&out, 4096);
	rc = live_run(&out, tok);
	if (rc != 0 || out.len < 8 || out.len >= 128) {
		fprintf(stderr, "%s: parley token create failed\n", live_bench);
		px_buf_dispose(&out);
		return -1;
	}
	snprintf(token, 128, "%.*s", (int)strcspn(out.data, "\r\n"), out.data);
	px_buf_dispose(&out);
	return 0;
}

/* The parley binary: $PARLEY, else ../parley next to this program. */
static inline void
live_find_bin(char *out, size_t n)
{
	const char *env = getenv("PARLEY");
	char self[4096];
	ssize_t len;

	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[len > 0 ? len : 0] = '\0';
	if (env)
		snprintf(out, n, "%s", env);
	else
		snprintf(out, n, "%.*s/../parley",
		    (int)(strrchr(self, '/') - self), self);
}

/* A figure of /proc/PID/status in kB ("VmRSS:", "VmHWM:"), or -1. */
static inline long
live_proc_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0)
			kb = strtol(line + klen, NULL, 10);
	fclose(f);
	return kb;
}

/* CPU seconds (user + system) PID has used so far, from /proc, or -1. */
static inline double
live_cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	/* After the command's closing parenthesis come the fields from the
	 * 3rd (state) on; utime is the 14th and stime the 15th.  Each step
	 * lands on the space before the next field: the first on the one
	 * before the 3rd, the twelfth on the one before utime. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	for (int field = 2; field < 14 && p; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL)
		return -1;
	ut = strtoul(p + 1, &p, 10);
	st = strtoul(p, NULL, 10);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* The resident memory of process pid in kB, or -1. */
static inline long
live_rss_kb(pid_t pid)
{
	return live_proc_kb(pid, "VmRSS:");
}

/* Finds the parley binary, makes the scratch directory and handles
 * signals; live_nodes must be set. */
static inline int
live_start(void)
{
	if (px_crypto_init() < 0 || mkdtemp(live_root) == NULL) {
		fprintf(stderr, "%s: cannot start\n", live_bench);
		return -1;
	}
	signal(SIGINT, live_on_signal);
	signal(SIGTERM, live_on_signal);
	signal(SIGPIPE, SIG_IGN);
	live_find_bin(live_bin, sizeof(live_bin));
	if (access(live_bin, X_OK) != 0) {
		fprintf(stderr, "%s: no parley binary at %s (set PARLEY)\n",
		    live_bench, live_bin);
		return -1;
	}
	return 0;
}

/* Stops every node, removes the scratch directory, frees the nodes'
 * strings.  `failed`: say where the logs were. */
static inline void
live_finish(bool failed)
{
	for (size_t i = 0; i < live_nnodes; i++)
		live_stop(&live_nodes[i]);
	if (failed)
		fprintf(stderr, "%s: node logs were in %s (removed)\n",
		    live_bench, live_root);
	if (nftw(live_root, live_rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(
		    stderr, "%s: could not remove %s\n", live_bench, live_root);
	for (size_t i = 0; i < live_nnodes; i++) {
		free(live_nodes[i].dir);
		free(live_nodes[i].url);
		free(live_nodes[i].listen);
		free(live_nodes[i].log);
	}
}

static inline int
live_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The p-quantile of the sorted v[0..n). */
static inline double
live_pct(const double *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

/* An API client of n: pinned to n's certificate, with the token. */
static inline struct px_client *
live_api_client(const struct live_node *n, const char *token)
{
	struct px_client *c = NULL;
	char *h = px_asprintf("Authorization: Bearer %s", token);

	if (px_client_new(&c, n->url, n->fp, NULL, NULL) < 0 ||
	    px_client_header_add(c, h) < 0) {
		px_client_free(c);
		c = NULL;
	}
	free(h);
	return c;
}

/* Opens a P3 request case to `to` through the API client c. */
static inline int
live_post_case(struct px_client *c, const char *to, long i, struct px_buf *resp,
    long *status)
{
	char body[512];
	int len = snprintf(body, sizeof(body),
	    "{\"to\":\"%s\",\"kind\":\"request\",\"category\":\"botnet\","
	    "\"priority\":\"P3\",\"tlp\":\"green\",\"title\":\"bench %ld\","
	    "\"text\":\"Message %ld of the benchmark\"}",
	    to, i, i);

	px_buf_reset(resp);
	return px_client_request(c, "POST", "/api/v1/cases", "application/json",
	    body, (size_t)len, status, resp, 30000);
}

/*
 * Submit-to-receipt latency: `samples` cases opened one at a time at
 * `from`'s API for peer `to`, each timed from its POST until `from`'s GET
 * /api/v1/cases/{id} no longer says "sent" (polled every 1 ms), i.e. the
 * peer's receipt is back.  Stops after cap_ms; *done says how many were
 * timed.  Returns 0, or -1 if a request failed or a case stayed "sent"
 * for 10 s.
 */
static inline int
live_latency(const struct live_node *from, const char *to, const char *token,
    long samples, double cap_ms, double *p50, double *p99, long *done,
    long *polls)
{
	struct px_client *c = live_api_client(from, token);
	struct px_buf b;
	double *lat = px_calloc((size_t)samples, sizeof(double));
	double start = live_now_ms();
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
		double t0 = live_now_ms();
		long status = 0;
		json_t *j;

		if (live_now_ms() - start > cap_ms)
			break;
		if (live_post_case(c, to, 1000000 + i, &b, &status) < 0 ||
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

			if (live_get(c, path, &status, &b) < 0 ||
			    status != 200 ||
			    (j = json_loadb(b.data, b.len, 0, NULL)) == NULL) {
				rc = -1;
				break;
			}
			(*polls)++;
			st = json_string_value(json_object_get(j, "state"));
			sent = st == NULL || strcmp(st, "sent") == 0;
			json_decref(j);
			if (!sent) {
				lat[n++] = live_now_ms() - t0;
				break;
			}
			if (live_now_ms() - t0 > 10000) {
				fprintf(stderr,
				    "%s: case %s still 'sent' after 10 s\n",
				    live_bench, id);
				rc = -1;
				break;
			}
			usleep(1000);
		}
	}
	qsort(lat, (size_t)n, sizeof(double), live_cmp_double);
	*p50 = live_pct(lat, (size_t)n, 0.50);
	*p99 = live_pct(lat, (size_t)n, 0.99);
	*done = n;
	px_buf_dispose(&b);
	px_client_free(c);
	free(lat);
	return rc;
}

#endif
