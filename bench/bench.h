/*
 * What the benchmarks share: wall time, peak memory, a scratch directory
 * removed when the run ends, and two nodes that have pinned each other's
 * cards.  A benchmark has nobody to hand an error to, so failures print
 * "NAME: what: error", remove the scratch directory and exit.
 *
 * Include after defining _XOPEN_SOURCE 700 (nftw), and set bench_name
 * first thing in main.
 */
#ifndef PX_BENCH_H
#define PX_BENCH_H

#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model/canon.h"
#include "node/node.h"
#include "util/util.h"

static const char *bench_name = "bench";
static const char *temp_dir; /* removed on exit, when we made it */

static inline double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline long
peak_rss_mb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024;
}

static inline int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static inline void
cleanup(void)
{
	if (temp_dir && nftw(temp_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(
		    stderr, "%s: could not remove %s\n", bench_name, temp_dir);
	temp_dir = NULL;
}

static inline void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", bench_name, what, px_error_last());
	cleanup();
	exit(1);
}

/* A fresh node ROOT/NAME in time zone `zone`. */
static inline struct px_node *
make_node(const char *root, const char *name, const char *zone)
{
	char *dir = px_asprintf("%s/%s", root, name);
	struct px_node_params p = {
		.dir = dir, .name = name, .timezone = zone
	};
	struct px_node *n = NULL;

	if (px_node_create(&p) < 0 || px_node_open(&n, dir) < 0)
		die(dir);
	free(dir);
	return n;
}

/* `at` pins `other`'s card. */
static inline void
pin(struct px_node *at, struct px_node *other)
{
	json_t *card = NULL;
	char *text, fp[45];
	enum px_peer_added how;

	if (px_node_card(&card, other) < 0)
		die("card");
	text = px_canon_string(card);
	if (px_peer_add(at, text, strlen(text), "card", false, &how, fp, NULL) <
	    0)
		die("peer add");
	free(text);
	json_decref(card);
}

/* Carries everything `f` has not delivered to `t`, in bundles of at most
 * `items` messages, each imported in one batch, with the receipts back. */
static inline void
bench_carry(struct px_node *f, struct px_node *t, size_t items)
{
	for (;;) {
		struct px_import_report r1, r2;
		struct px_buf b, reply, none;
		size_t count = 0;

		px_buf_init(&b, PX_BUF_NOCAP);
		px_buf_init(&reply, PX_BUF_NOCAP);
		px_buf_init(&none, PX_BUF_NOCAP);
		px_import_report_init(&r1);
		px_import_report_init(&r2);
		if (px_node_export_limit(f, t->name, &b, &count, items) < 0)
			die("export");
		if (count > 0) {
			if (px_node_batch_begin(t) < 0 ||
			    px_node_import(
			        t, b.data, b.len, "bundle", &r1, &reply) < 0 ||
			    px_node_batch_end(t, true) < 0)
				die("import");
			if (px_node_batch_begin(f) < 0 ||
			    px_node_import(f, reply.data, reply.len, "receipts",
			        &r2, &none) < 0 ||
			    px_node_batch_end(f, true) < 0)
				die("receipts");
		}
		px_import_report_dispose(&r1);
		px_import_report_dispose(&r2);
		px_buf_dispose(&b);
		px_buf_dispose(&reply);
		px_buf_dispose(&none);
		if (count == 0)
			break;
	}
}

/* `parley serve` of a benchmark (bench_serve), stopped at exit. */
static pid_t bench_serve_pid = -1;

static inline void
bench_stop_serve(void)
{
	int st;

	if (bench_serve_pid > 0) {
		kill(bench_serve_pid, SIGTERM);
		waitpid(bench_serve_pid, &st, 0);
		bench_serve_pid = -1;
	}
}

/* Starts `parley serve --dir DIR --listen LISTEN` (the binary `parley`),
 * its output discarded; bench_stop_serve (also run at exit) stops it. */
static inline void
bench_serve(const char *parley, const char *dir, const char *listen)
{
	if ((bench_serve_pid = fork()) == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execl(parley, parley, "serve", "--dir", dir, "--listen", listen,
		    (char *)NULL);
		_exit(127);
	}
	if (bench_serve_pid < 0)
		die("fork");
	atexit(bench_stop_serve);
}

#endif
