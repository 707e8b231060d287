/*
 * Footprint of a serving node: cold start (exec of `parley serve` until
 * /healthz answers over TLS) and idle resident memory, beside their floors
 * measured in the same run: the start of `parley version` (exec, dynamic
 * linking, no node) and the RSS of that process at exit.
 * DESIGN.md targets: cold start <= 100 ms, idle RSS <= 16 MB.
 * Usage: bench_footprint [runs]   (PARLEY=path/to/parley, default
 * ../parley next to this binary)
 */
#define _XOPEN_SOURCE 700 /* nftw, for live.h */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "live.h"
#include "node/node.h"

static pid_t
spawn(const char *bin, char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execv(bin, argv);
		_exit(127);
	}
	return pid;
}

int
main(int argc, char **argv)
{
	int runs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 5;
	char bin[4096], tmpl[] = "/tmp/px-foot-XXXXXX";
	char *dir, *url, *listen, *cert, fp[PX_TLS_FP_LEN];
	double best_serve = 1e9, best_floor = 1e9;
	long rss = -1, floor_rss = -1;
	struct rusage ru;
	unsigned port;

	if (px_crypto_init() < 0 || mkdtemp(tmpl) == NULL)
		return 1;
	live_find_bin(bin, sizeof(bin));
	port = px_loopback_free_port();
	dir = px_asprintf("%s/node", tmpl);
	url = px_asprintf("https://127.0.0.1:%u", port);
	listen = px_asprintf("127.0.0.1:%u", port);
	{
		char *a[] = { bin, (char *)"init", (char *)"--dir", dir,
			(char *)"--name", (char *)"bench.example",
			(char *)"--url", url, (char *)"--listen", listen,
			NULL };
		pid_t p = spawn(bin, a);
		int st;

		waitpid(p, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(
			    stderr, "bench: parley init failed (%s)\n", bin);
			return 1;
		}
	}
	cert = px_asprintf("%s/tls/cert.pem", dir);
	if (px_tls_fingerprint_file(fp, cert) < 0)
		return 1;
	for (int r = 0; r < runs; r++) {
		/* Floor: exec + link + exit of the same binary. */
		char *v[] = { bin, (char *)"version", NULL };
		char *s[] = { bin, (char *)"serve", (char *)"--dir", dir,
			NULL };
		struct px_client *c = NULL;
		double t0 = live_now_ms(), t;
		pid_t p = spawn(bin, v);
		int st;

		wait4(p, &st, 0, &ru);
		t = live_now_ms() - t0;
		if (t < best_floor)
			best_floor = t;
		floor_rss = ru.ru_maxrss;
		if (px_client_new(&c, url, fp, NULL, NULL) < 0)
			return 1;
		t0 = live_now_ms();
		p = spawn(bin, s);
		for (;;) {
			struct px_buf b;
			long status = 0;
			int rc;

			px_buf_init(&b, 4096);
			rc = px_client_request(c, "GET", "/healthz", NULL, NULL,
			    0, &status, &b, 1000);
			px_buf_dispose(&b);
			if (rc == 0 && status == 200)
				break;
			if (live_now_ms() - t0 > 10000) {
				fprintf(
				    stderr, "bench: serve did not answer\n");
				kill(p, SIGKILL);
				return 1;
			}
			usleep(1000);
		}
		t = live_now_ms() - t0;
		if (t < best_serve)
			best_serve = t;
		px_client_free(c);
		if (r == runs - 1) {
			usleep(1000000); /* idle */
			rss = live_rss_kb(p);
		}
		kill(p, SIGTERM);
		waitpid(p, &st, 0);
	}
	printf("bench_footprint: %d runs, best of each\n", runs);
	printf("  floor  exec of `parley version`       %8.1f ms   max RSS "
	       "%ld kB\n",
	    best_floor, floor_rss);
	printf("  parley cold start to /healthz (TLS)  %8.1f ms   (target "
	       "<= 100 ms)\n",
	    best_serve);
	printf("  parley idle RSS of serve             %8ld kB   (target "
	       "<= 16384 kB)\n",
	    rss);
	{
		char *cmd = px_asprintf("rm -rf '%s'", tmpl);

		if (system(cmd) != 0)
			fprintf(stderr, "bench: could not remove %s\n", tmpl);
		free(cmd);
	}
	free(dir);
	free(url);
	free(listen);
	free(cert);
	return 0;
}
