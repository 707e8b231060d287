/*
 * A node under connection and memory floods, beside the same node quiet,
 * in the same run (issue 12, items 3 and 4):
 *
 *   (a) GET /healthz at A, each on a fresh TLS connection as a monitor
 *       makes it: p50/p99 quiet, then while 500 half-open TCP connections
 *       (3 bytes of a ClientHello each) and 256 slow TLS clients (one
 *       header line every 3 s) are held against A and reopened as soon as
 *       A closes them.  Target: p99 under 100 ms.
 *   (b) a peer's delivery latency into A: cases opened one at a time at
 *       B's API for A, submit to receipt (B's view leaves "sent"), quiet
 *       and under the same attack.  Target: unaffected.
 *   (c) A's RSS while 30 connections with a pinned certificate (C's) each
 *       POST 16 MiB bodies to /peer/v1/bundles over and over, beside A's
 *       idle RSS.  Target: under 64 MB above idle.
 *
 * The attacks are tests/integration/flood.py (python3), bounded in time
 * and stopped by PID; everything stays on 127.0.0.1.  The nodes are real
 * `parley serve` processes (bench/live.h).
 *
 * Usage: bench_flood [probes (200)] [deliveries (50)] [upload seconds (15)]
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <sys/resource.h>

#include "live.h"

#define PROBE_GAP_MS 20.0
#define LAT_CAP_MS   30000.0

static struct live_node nodes[3] = {
	{ .key = "a", .name = "cert-beijing.example" },
	{ .key = "b", .name = "cert-washington.example" },
	{ .key = "c", .name = "cert-brussels.example" },
};
static pid_t flood_pid;

static void
on_signal(int sig)
{
	if (flood_pid > 0)
		kill(flood_pid, SIGKILL);
	live_on_signal(sig);
}

/* The flood helper, next to the sources this was built from. */
static char *
flood_script(void)
{
	const char *here = __FILE__;
	const char *slash = strrchr(here, '/');

	return px_asprintf("%.*s/../tests/integration/flood.py",
	    slash ? (int)(slash - here) : 1, slash ? here : ".");
}

/* Starts flood.py with `args` (NULL-terminated) against A; waits until
 * its connections are open (the file `ready` appears). */
static int
flood_start(char *const args[], const char *out)
{
	char *script = flood_script(), *ready, port[16];
	char *argv[32];
	int n = 0;
	double t0 = live_now_ms();

	ready = px_asprintf("%s/ready", live_root);
	unlink(ready);
	snprintf(port, sizeof(port), "%u", nodes[0].port);
	argv[n++] = (char *)"python3";
	argv[n++] = script;
	argv[n++] = (char *)"--port";
	argv[n++] = port;
	argv[n++] = (char *)"--ready";
	argv[n++] = ready;
	for (int i = 0; args[i] && n < 30; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if ((flood_pid = fork()) == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0)
			dup2(fd, STDOUT_FILENO);
		execvp("python3", argv);
		_exit(127);
	}
	while (flood_pid > 0 && access(ready, F_OK) != 0) {
		if (waitpid(flood_pid, NULL, WNOHANG) == flood_pid ||
		    live_now_ms() - t0 > 60000) {
			fprintf(
			    stderr, "bench_flood: %s did not start\n", script);
			flood_pid = 0;
			break;
		}
		live_sleep_ms(50);
	}
	free(script);
	free(ready);
	return flood_pid > 0 ? 0 : -1;
}

static void
flood_stop(void)
{
	if (flood_pid <= 0)
		return;
	kill(flood_pid, SIGTERM);
	waitpid(flood_pid, NULL, 0);
	flood_pid = 0;
}

/* (a): n GET /healthz at A, each on a new connection (handshake
 * included), PROBE_GAP_MS apart.  *failed counts those that got no 200
 * within 10 s. */
static int
probe_phase(long n, double *p50, double *p99, double *max, long *failed)
{
	double *lat = px_calloc((size_t)n, sizeof(double));
	struct px_buf b;
	long k = 0;

	*failed = 0;
	px_buf_init(&b, 1 << 16);
	for (long i = 0; i < n; i++) {
		struct px_client *c = NULL;
		long status = 0;
		double t0 = live_now_ms();

		if (px_client_new(&c, nodes[0].url, nodes[0].fp, NULL, NULL) <
		    0) {
			free(lat);
			px_buf_dispose(&b);
			return -1;
		}
		if (live_get(c, "/healthz", &status, &b) == 0 && status == 200)
			lat[k++] = live_now_ms() - t0;
		else
			(*failed)++;
		px_client_free(c);
		live_sleep_ms(PROBE_GAP_MS);
	}
	qsort(lat, (size_t)k, sizeof(double), live_cmp_double);
	*p50 = live_pct(lat, (size_t)k, 0.50);
	*p99 = live_pct(lat, (size_t)k, 0.99);
	*max = k ? lat[k - 1] : 0;
	free(lat);
	px_buf_dispose(&b);
	return 0;
}

struct figures {
	double h50, h99, hmax, d50, d99;
	long hfail, dn;
};

static int
measure(const char *token_b, long probes, long deliveries, struct figures *f)
{
	long polls = 0;

	if (probe_phase(probes, &f->h50, &f->h99, &f->hmax, &f->hfail) < 0)
		return -1;
	return live_latency(&nodes[1], nodes[0].name, token_b, deliveries,
	    LAT_CAP_MS, &f->d50, &f->d99, &f->dn, &polls);
}

static void
show(const char *what, const struct figures *f, long probes, long deliveries)
{
	printf("  %-8s GET /healthz (new connection each) p50 %6.1f ms  p99 "
	       "%6.1f ms  max %6.1f ms  (%ld/%ld without 200)\n"
	       "  %-8s B->A submit-to-receipt, one at a time p50 %6.1f ms  "
	       "p99 %6.1f ms  (%ld/%ld timed)\n",
	    what, f->h50, f->h99, f->hmax, f->hfail, probes, "", f->d50, f->d99,
	    f->dn, deliveries);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	long probes = argc > 1 ? strtol(argv[1], NULL, 10) : 200;
	long deliveries = argc > 2 ? strtol(argv[2], NULL, 10) : 50;
	long upload_s = argc > 3 ? strtol(argv[3], NULL, 10) : 15;
	char token_b[128], secs[32], *out = NULL, *cert = NULL, *key = NULL;
	struct figures quiet = { 0 }, attack = { 0 };
	long idle_kb, peak_kb = 0;
	double t0;
	int rc = 1;

	if (probes < 10 || deliveries < 1 || upload_s < 2 || upload_s > 300) {
		fprintf(stderr,
		    "usage: bench_flood [probes >= 10] "
		    "[deliveries] [upload seconds 2..300]\n");
		return 2;
	}
	live_bench = "bench_flood";
	live_nodes = nodes;
	live_nnodes = PX_ARRAY_LEN(nodes);
	if (live_start() < 0)
		return 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (size_t i = 0; i < PX_ARRAY_LEN(nodes); i++)
		if (live_init(&nodes[i]) < 0)
			goto out;
	if (live_pin(&nodes[0], &nodes[1]) < 0 ||
	    live_pin(&nodes[1], &nodes[0]) < 0 ||
	    live_pin(&nodes[0], &nodes[2]) < 0 ||
	    live_token(&nodes[1], "analyst", token_b) < 0 ||
	    live_serve(&nodes[0]) < 0 || live_serve(&nodes[1]) < 0)
		goto out;
	out = px_asprintf("%s/flood.json", live_root);
	cert = px_asprintf("%s/tls/cert.pem", nodes[2].dir);
	key = px_asprintf("%s/tls/key.pem", nodes[2].dir);
	printf("bench_flood: A and B serving on loopback, %s\n", live_bin);
	fflush(stdout);

	/* Quiet first: the floor. */
	if (measure(token_b, probes, deliveries, &quiet) < 0) {
		fprintf(stderr, "bench_flood: quiet phase failed: %s\n",
		    px_error_last());
		goto out;
	}
	show("quiet", &quiet, probes, deliveries);

	/* The same under the connection flood (a cap on its duration only:
	 * it is stopped as soon as the figures are in). */
	{
		char *args[] = { (char *)"--seconds", (char *)"600",
			(char *)"--half-open", (char *)"500",
			(char *)"--slow-tls", (char *)"256", NULL };

		if (flood_start(args, out) < 0)
			goto out;
	}
	rc = measure(token_b, probes, deliveries, &attack);
	flood_stop();
	if (rc < 0) {
		fprintf(stderr, "bench_flood: attack phase failed: %s\n",
		    px_error_last());
		rc = 1;
		goto out;
	}
	rc = 1;
	show("attack", &attack, probes, deliveries);
	printf("  ratio    /healthz p99 %.2fx the quiet one (target: under "
	       "100 ms)  delivery p99 %.2fx\n",
	    quiet.h99 > 0 ? attack.h99 / quiet.h99 : 0,
	    quiet.d99 > 0 ? attack.d99 / quiet.d99 : 0);
	fflush(stdout);

	/* (c) Memory: idle, then the upload flood. */
	live_sleep_ms(2000);
	idle_kb = live_rss_kb(nodes[0].pid);
	snprintf(secs, sizeof(secs), "%ld", upload_s);
	{
		char *args[] = { (char *)"--seconds", secs, (char *)"--uploads",
			(char *)"30", (char *)"--cert", cert, (char *)"--key",
			key, NULL };

		if (flood_start(args, out) < 0)
			goto out;
	}
	t0 = live_now_ms();
	while (waitpid(flood_pid, NULL, WNOHANG) == 0 &&
	    live_now_ms() - t0 < (double)(upload_s + 30) * 1000) {
		long kb = live_rss_kb(nodes[0].pid);

		if (kb > peak_kb)
			peak_kb = kb;
		live_sleep_ms(100);
	}
	flood_pid = 0;
	printf("  memory   A's RSS idle %ld MB, peak %ld MB while 30 "
	       "connections pushed 16 MiB each for %ld s: +%ld MB (target: "
	       "under 64 MB above idle)\n",
	    idle_kb / 1024, peak_kb / 1024, upload_s,
	    (peak_kb - idle_kb) / 1024);
	{
		struct px_buf b;

		px_buf_init(&b, 1 << 16);
		if (px_file_read(&b, out, 1 << 16) == 0)
			printf("           the flood's own count: %s", b.data);
		px_buf_dispose(&b);
	}
	rc = quiet.hfail == 0 && attack.hfail == 0 ? 0 : 1;
out:
	flood_stop();
	live_finish(rc != 0);
	free(out);
	free(cert);
	free(key);
	return rc;
}
