/*
 * An audit bundle of a million entries (issue 18), exported and verified
 * by the real binary, each figure beside its floor measured in the same
 * run:
 *
 *   - export: `parley audit export` to a file: time, and the bundle's size
 *     beside the entries' own bytes (what it cannot be smaller than);
 *   - verify: `parley audit verify` of that file: entries per second
 *     beside raw libsodium Ed25519 verification of messages of the same
 *     size, on one core and on every core (the verifier checks
 *     signatures in parallel), and the peak RSS of each process.
 *
 * The log is what two busy nodes hold: A sent B N/2 requests (each
 * opening a case), B's receipt for each is in B's log, proven to A in
 * batches of 256 the way bundles carry them: one checkpoint of B's per
 * batch, the consistency proof from the one before, an inclusion proof
 * per receipt.  So A's bundle has both logs, many peer checkpoints, and
 * half of its entries proven against checkpoints it only received.
 *
 * Usage: bench_audit [--entries N] [--dir D]   (PARLEY=path/to/parley,
 * default ../parley next to this binary).  Default N = 1,000,000.
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <sys/wait.h>

#include "bench.h"

#include "audit_fill.h"

static char bin[4096];

/* Runs the binary with argv (output to /dev/null); seconds, the
 * child's peak RSS in MB and its CPU seconds.  Dies unless it exits 0. */
static double
run(char *const argv[], long *rss_mb, double *cpu)
{
	struct rusage ru;
	double t0 = now_s();
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execv(bin, argv);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_audit: %s %s failed\n", bin, argv[1]);
		cleanup();
		exit(1);
	}
	*rss_mb = ru.ru_maxrss / 1024;
	*cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	return now_s() - t0;
}

/* ---- floors ---- */

struct vfloor {
	size_t len;
	double secs, cpu; /* wall and this thread's CPU seconds */
	long n;
};

static double
thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* libsodium's own verify of distinct messages of `len` bytes. */
static void *
verify_loop(void *arg)
{
	enum { NMSG = 64 };
	struct vfloor *f = arg;
	unsigned char pk[32], sk[64], sig[NMSG][64];
	unsigned char(*msg)[2048] = px_calloc(NMSG, sizeof(*msg));
	double t0, c0;

	crypto_sign_keypair(pk, sk);
	for (int i = 0; i < NMSG; i++) {
		randombytes_buf(msg[i], f->len);
		crypto_sign_detached(sig[i], NULL, msg[i], f->len, sk);
	}
	t0 = now_s();
	c0 = thread_cpu_s();
	do {
		for (int i = 0; i < NMSG; i++, f->n++)
			if (crypto_sign_verify_detached(
			        sig[i], msg[i], f->len, pk) != 0)
				die("verify floor");
	} while (now_s() - t0 < f->secs);
	f->secs = now_s() - t0;
	f->cpu = thread_cpu_s() - c0;
	free(msg);
	return NULL;
}

/* Verifications per second on `threads` threads at once; *cpu_each
 * gets the CPU seconds one verification takes. */
static double
verify_rate(int threads, size_t len, double secs, double *cpu_each)
{
	pthread_t th[64];
	struct vfloor f[64];
	double rate = 0, cpu = 0;
	long n = 0;

	for (int i = 0; i < threads; i++) {
		f[i] = (struct vfloor){ .len = len, .secs = secs };
		pthread_create(&th[i], NULL, verify_loop, &f[i]);
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		rate += (double)f[i].n / f[i].secs;
		cpu += f[i].cpu;
		n += f[i].n;
	}
	*cpu_each = cpu / (double)n;
	return rate;
}

static void
show_fill(int64_t entries)
{
	fprintf(stderr, "\r  filling: %lld entries", (long long)entries);
}

int
main(int argc, char **argv)
{
	int64_t n = 1000000;
	const char *dir = NULL, *env = getenv("PARLEY");
	char tmpl[] = "/tmp/px-bench-audit-XXXXXX", self[4096];
	struct audit_fill x = { .seq = 0 };
	double t0, t_fill, t_exp, t_ver, f1, fall, c_exp, c_ver, cpu1, cpun;
	long rss_exp, rss_ver;
	int cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	struct stat st;
	char *file, *adir;
	ssize_t sl;

	bench_name = "bench_audit";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--entries") == 0 && i + 1 < argc)
			n = strtoll(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else {
			fprintf(stderr,
			    "usage: bench_audit [--entries N] "
			    "[--dir D]\n");
			return 2;
		}
	}
	if (n < 2 || cpus < 1 || px_crypto_init() < 0)
		return 2;
	if (cpus > 64)
		cpus = 64;
	sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[sl > 0 ? sl : 0] = '\0';
	if (env)
		snprintf(bin, sizeof(bin), "%s", env);
	else
		snprintf(bin, sizeof(bin), "%.*s/../parley",
		    (int)(strrchr(self, '/') - self), self);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (dir == NULL) {
		if ((dir = mkdtemp(tmpl)) == NULL) {
			perror(tmpl);
			return 1;
		}
		temp_dir = dir;
	}
	printf("bench_audit: %lld entries, nodes in %s\n", (long long)n, dir);
	x.a = make_node(dir, "bench-a.example", "UTC");
	x.b = make_node(dir, "bench-b.example", "UTC");
	pin(x.a, x.b);
	pin(x.b, x.a);
	snprintf(x.prev, sizeof(x.prev), "%s", PX_ZERO_HASH);
	x.t0 = px_time_now_ms() - 2 * n - 60000;
	t0 = now_s();
	if (audit_fill(&x, n, show_fill) < 0)
		die("fill");
	t_fill = now_s() - t0;
	fprintf(stderr, "\n");
	printf("  (filled: %lld entries, %.1f MB of entries, %.0f B each, in "
	       "%.0f s)\n",
	    (long long)x.entries, (double)x.own_bytes / 1e6,
	    (double)x.own_bytes / (double)x.entries, t_fill);
	adir = px_asprintf("%s/bench-a.example", dir);
	file = px_asprintf("%s/audit.jsonl", dir);
	px_node_free(x.a);
	px_node_free(x.b);

	/* Export. */
	{
		char *a[] = { bin, (char *)"audit", (char *)"export",
			(char *)"--dir", adir, (char *)"--peer",
			(char *)"bench-b.example", (char *)"-o", file, NULL };

		t_exp = run(a, &rss_exp, &c_exp);
	}
	if (stat(file, &st) < 0)
		die("bundle");
	printf("export (parley audit export, to a file)\n");
	printf("  parley export                          %8.1f s   (%.0f "
	       "entries/s, %.1f s CPU, peak RSS %ld MB)\n",
	    t_exp, (double)x.entries / t_exp, c_exp, rss_exp);
	printf("  floor  the entries' own bytes          %8.1f MB\n",
	    (double)x.own_bytes / 1e6);
	printf("  parley bundle                          %8.1f MB  (%.2f x "
	       "the entries; %.0f B per entry)\n",
	    (double)st.st_size / 1e6, (double)st.st_size / (double)x.own_bytes,
	    (double)st.st_size / (double)x.entries);

	/* Verify, beside raw verification of entries of the same size. */
	f1 = verify_rate(
	    1, (size_t)(x.own_bytes / (uint64_t)x.entries), 2.0, &cpu1);
	fall = verify_rate(
	    cpus, (size_t)(x.own_bytes / (uint64_t)x.entries), 2.0, &cpun);
	{
		char *a[] = { bin, (char *)"audit", (char *)"verify", file,
			NULL };

		t_ver = run(a, &rss_ver, &c_ver);
	}
	printf("verify (parley audit verify of that file, %d CPUs)\n", cpus);
	printf("  floor  ed25519 verify, 1 thread        %8.0f /s\n", f1);
	printf(
	    "  floor  ed25519 verify, %d threads      %8.0f /s\n", cpus, fall);
	printf("  parley audit verify                    %8.0f entries/s  "
	       "(%.0f%% of the 1-thread floor, %.0f%% of the %d-thread "
	       "floor; %.1f s; peak RSS %ld MB; target >= 80%%)\n",
	    (double)x.entries / t_ver, 100.0 * (double)x.entries / t_ver / f1,
	    100.0 * (double)x.entries / t_ver / fall, cpus, t_ver, rss_ver);
	/* The same in CPU time, which a busy machine does not change: what
	 * one entry costs, in Ed25519 verifications. */
	printf(
	    "  floor  CPU of one ed25519 verify        %8.1f us\n", cpu1 * 1e6);
	printf("  parley CPU per entry, all threads      %8.1f us  (%.2f "
	       "verifications' worth: on k idle CPUs, %.0f%% x k of the "
	       "1-thread floor)\n",
	    c_ver / (double)x.entries * 1e6, c_ver / (double)x.entries / cpu1,
	    100.0 * cpu1 / (c_ver / (double)x.entries));

	/* Linear: the first quarter of the record (--to a quarter of the
	 * way through), exported and verified the same way.  CPU per MB of
	 * bundle should not grow with the size (the unit test only prints
	 * its own small figures: a timing ratio is no test on a shared
	 * machine). */
	{
		char to[PX_TIME_STRLEN];
		char *qfile = px_asprintf("%s/audit-quarter.jsonl", dir);
		char *a[] = { bin, (char *)"audit", (char *)"export",
			(char *)"--dir", adir, (char *)"--peer",
			(char *)"bench-b.example", (char *)"--to", to,
			(char *)"-o", qfile, NULL };
		char *v[] = { bin, (char *)"audit", (char *)"verify", qfile,
			NULL };
		struct stat qs;
		long rss_q;
		double c_qe, c_qv;

		px_time_format(
		    to, x.t0 + x.entries / 4); /* A entry i at t0 + 2i */
		(void)run(a, &rss_q, &c_qe);
		if (stat(qfile, &qs) < 0 || qs.st_size <= 0)
			die("quarter bundle");
		(void)run(v, &rss_q, &c_qv);
		printf("linear (a quarter of the record, to %s, against the "
		       "whole)\n",
		    to);
		printf("  quarter: %.1f MB, verify CPU %.2f s (%.3f s per "
		       "MB); whole: %.1f MB, %.2f s (%.3f s per MB); whole/"
		       "quarter per MB %.2f (linear: ~1)\n",
		    (double)qs.st_size / 1e6, c_qv,
		    c_qv / ((double)qs.st_size / 1e6), (double)st.st_size / 1e6,
		    c_ver, c_ver / ((double)st.st_size / 1e6),
		    (c_ver / (double)st.st_size) / (c_qv / (double)qs.st_size));
		free(qfile);
	}
	free(adir);
	free(file);
	cleanup();
	return 0;
}
