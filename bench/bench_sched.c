/*
 * The scheduler's cost per tick with many open cases (issue 5), beside
 * floors measured in the same run:
 *
 *   1. N open cases (default 100,000 requests from A to B, P2, so no
 *      ladder step falls due for hours) are created on a real node with
 *      the node API in batches.  Every new case is marked due, so the
 *      first ticks look at each one: the full sweep, in cases per second,
 *      beside the floor of merely replaying each case from the store
 *      (px_node_case_load), which the scheduler must do to decide.
 *   2. Then the steady state: a tick when nothing is due, in
 *      microseconds, beside a bare SQLite round trip (SELECT 1) on the
 *      same database.  This is the per-second cost of a serving node with
 *      N open cases.
 *   3. A tick with K cases due (their step time passed): the cost per
 *      case that does owe a step (escalate message signed and stored,
 *      notifications queued).
 *
 * Usage: bench_sched [N] [--dir D].  The directory is removed at the end.
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include <ftw.h>
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include "model/canon.h"
#include "node/node.h"
#include "node/sched.h"
#include "util/util.h"

#define H (3600 * 1000LL)

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_sched: %s: %s\n", what, px_error_last());
	exit(1);
}

static struct px_node *
make_node(const char *dir, const char *name)
{
	struct px_node_params p = { .dir = dir,
		.name = name,
		.timezone = "UTC",
		.email = "duty@example.org" };
	struct px_node *n = NULL;

	if (px_node_create(&p) < 0 || px_node_open(&n, dir) < 0)
		die("node");
	return n;
}

static void
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

struct ids {
	char **v;
	size_t n;
};

static int
collect(const struct px_case_row *r, void *arg)
{
	struct ids *l = arg;

	l->v = px_realloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = px_strdup(r->id);
	return 0;
}

int
main(int argc, char **argv)
{
	size_t n = 100000, swept = 0;
	char tmpl[] = "/tmp/px-bench-sched-XXXXXX";
	const char *dir = NULL;
	char *da, *db, *dbfile;
	struct px_node *a, *b;
	struct px_sched_stats st = { 0 };
	struct ids ids = { 0 };
	struct px_case_filter f = { 0 };
	json_t *body;
	double t0, t, sweep_rate, replay_rate, idle_us, floor_us, due_ms_case;
	int64_t base;
	sqlite3 *sq;
	sqlite3_stmt *one;
	int ticks = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else
			n = strtoul(argv[i], NULL, 10);
	}
	if (px_crypto_init() < 0)
		return 1;
	if (dir == NULL && (dir = mkdtemp(tmpl)) == NULL)
		return 1;
	da = px_asprintf("%s/a", dir);
	db = px_asprintf("%s/b", dir);
	a = make_node(da, "bench-a.example");
	b = make_node(db, "bench-b.example");
	pin(a, b);
	pin(b, a);
	base = px_time_now_ms();
	body = json_pack("{s{ssssssssss}s{ssss}}", "case", "kind", "request",
	    "category", "botnet", "priority", "P2", "tlp", "amber", "title",
	    "C2 at 203.0.113.7", "text", "lang", "en", "value",
	    "Please investigate");
	printf("bench_sched: creating %zu open cases...\n", n);
	fflush(stdout);
	t0 = now_s();
	for (size_t i = 0; i < n;) {
		if (px_node_batch_begin(a) < 0)
			die("begin");
		for (size_t k = 0; k < 2048 && i < n; k++, i++)
			if (px_node_send(a, "bench-b.example", NULL,
			        PX_MSG_REQUEST, body, NULL) < 0)
				die("send");
		if (px_node_batch_end(a, true) < 0)
			die("commit");
		if (isatty(2))
			fprintf(stderr, "\r  %zu / %zu", i, n);
	}
	if (isatty(2))
		fprintf(stderr, "\n");
	printf("  made in %.1f s\n", now_s() - t0);
	json_decref(body);

	/* Floor 1: replaying every case from the store. */
	if (PX_STORE_CALL(a->store, case_list, &f, collect, &ids) < 0)
		die("list");
	t0 = now_s();
	for (size_t i = 0; i < ids.n && i < 20000; i++) {
		struct px_case c;

		if (px_node_case_load(&c, a, ids.v[i], NULL) < 0)
			die("load");
		px_case_dispose(&c);
	}
	replay_rate = (double)(ids.n < 20000 ? ids.n : 20000) / (now_s() - t0);

	/* 1: the full sweep (each case was marked due when made). */
	t0 = now_s();
	do {
		size_t before = st.cases;

		if (px_sched_tick(a, base + 60000, 5000, &st) < 0)
			die("tick");
		swept = st.cases;
		if (swept == before)
			break;
	} while (1);
	t = now_s();
	sweep_rate = (double)swept / (t - t0);

	/* 2: the idle tick, beside SELECT 1 on the same database. */
	t0 = now_s();
	do {
		struct px_sched_stats s2 = { 0 };

		if (px_sched_tick(a, base + 120000, 0, &s2) < 0)
			die("tick");
		if (s2.cases)
			die("idle tick found work");
		ticks++;
	} while ((t = now_s()) - t0 < 1.5);
	idle_us = (t - t0) * 1e6 / ticks;
	dbfile = px_asprintf("%s/parley.db", da);
	sqlite3_open(dbfile, &sq);
	sqlite3_prepare_v2(sq, "SELECT 1", -1, &one, NULL);
	ticks = 0;
	t0 = now_s();
	do {
		for (int k = 0; k < 256; k++, ticks++) {
			sqlite3_step(one);
			sqlite3_reset(one);
		}
	} while ((t = now_s()) - t0 < 0.5);
	floor_us = (t - t0) * 1e6 / ticks;
	sqlite3_finalize(one);
	sqlite3_close(sq);

	/* 3: 2,000 cases owe a step: the requester's (A's) first is at the
	 * acknowledge deadline, 100% of 4 h. */
	{
		struct px_sched_stats s3 = { 0 };
		size_t k = ids.n < 2000 ? ids.n : 2000;

		for (size_t i = 0; i < k; i++)
			if (PX_STORE_CALL(a->store, case_set_due, ids.v[i], 0) <
			    0)
				die("due");
		t0 = now_s();
		if (px_sched_tick(a, base + 4 * H + 120000, k, &s3) < 0)
			die("tick");
		due_ms_case = (now_s() - t0) * 1e3 / (double)k;
		printf("  %zu due cases: %zu ladder steps, %zu notifications "
		       "queued\n",
		    k, s3.ladder, s3.notices);
	}

	printf("scheduler, %zu open cases:\n", n);
	printf("  full sweep (every case due)   %9.0f cases/s   floor: "
	       "replay from store %9.0f cases/s\n",
	    sweep_rate, replay_rate);
	printf("  idle tick (nothing due)       %9.1f us/tick   floor: "
	       "SQLite SELECT 1     %9.2f us\n",
	    idle_us, floor_us);
	printf("  tick with steps due           %9.2f ms/case   (escalate "
	       "signed + stored + notifications, one commit per tick)\n",
	    due_ms_case);
	printf("  serve ticks once a second: at %zu open cases the idle "
	       "cost is %.4f%% of one core\n",
	    n, idle_us / 1e4);

	for (size_t i = 0; i < ids.n; i++)
		free(ids.v[i]);
	free(ids.v);
	free(dbfile);
	px_node_free(a);
	px_node_free(b);
	if (strcmp(dir, tmpl) == 0)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(da);
	free(db);
	return 0;
}
