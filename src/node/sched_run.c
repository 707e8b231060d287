/*
 * The scheduler thread of `parley serve` (sched.h).
 */
#include "node/sched.h"
#include "node/worker.h"
#include "util/util.h"

struct px_sched_runner {
	struct px_worker *w;
	int64_t last_checks;
	void (*after)(void *, struct px_node *, const struct px_sched_stats *);
	void *arg;
};

/* Notification delivery, when the notify module is linked in: weak, so
 * the scheduler does not depend on it. */
int px_sched_deliver_hook(struct px_node *n, int64_t now) __attribute__((weak));

static void
step(void *arg, struct px_node *n)
{
	struct px_sched_runner *r = arg;
	struct px_sched_stats st = { 0 };
	int64_t now = px_time_now_ms();

	if (px_sched_tick(n, now, 0, &st) < 0)
		fprintf(
		    stderr, "parley serve: scheduler: %s\n", px_error_last());
	/* Messages stored since the last tick into the search index, a
	 * batch per transaction (store.h, search_drain). */
	if (PX_STORE_CALL(n->store, search_drain, true) < 0)
		fprintf(stderr, "parley serve: search index: %s\n",
		    px_error_last());
	/* The write-ahead log into the database, off the commits' path. */
	if (PX_STORE_CALL0(n->store, checkpoint) < 0)
		fprintf(
		    stderr, "parley serve: checkpoint: %s\n", px_error_last());
	if (now - r->last_checks >= 60000) {
		r->last_checks = now;
		if (px_sched_checks(n, now, &st) < 0)
			fprintf(stderr, "parley serve: scheduled checks: %s\n",
			    px_error_last());
	}
	if (r->after)
		r->after(r->arg, n, &st);
}

int
px_sched_start(struct px_sched_runner **out, const char *dir, int64_t tick_ms,
    void (*after_tick)(
        void *arg, struct px_node *n, const struct px_sched_stats *st),
    void *arg)
{
	struct px_sched_runner *r = px_calloc(1, sizeof(*r));
	int rc;

	r->after = after_tick;
	r->arg = arg;
	if ((rc = px_worker_start(&r->w, dir, tick_ms > 0 ? tick_ms : 1000,
	         step, r, "scheduler")) < 0) {
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void
px_sched_stop(struct px_sched_runner *r)
{
	if (r == NULL)
		return;
	px_worker_stop(r->w);
	free(r);
}
