/*
 * The feeds thread (feedrun.h).
 */
#include "node/feedrun.h"
#include "node/feeds.h"
#include "node/worker.h"
#include "util/util.h"

#define SPOOL_EVERY_MS 2000
#define FLUSH_EVERY_MS 30000

struct px_feedrun {
	struct px_worker *w;
	int64_t last_flush;
	void (*after)(void *);
	void *arg;
};

static void
step(void *arg, struct px_node *n)
{
	struct px_feedrun *r = arg;
	int64_t now = px_time_now_ms();
	size_t files = 0;

	if (px_feed_spool(n, &files) < 0)
		fprintf(
		    stderr, "parley serve: feed spool: %s\n", px_error_last());
	if (files > 0 || now - r->last_flush >= FLUSH_EVERY_MS) {
		struct px_flush_report rep;

		r->last_flush = now;
		if (px_feed_flush(n, now, false, &rep) < 0)
			fprintf(stderr, "parley serve: feed flush: %s\n",
			    px_error_last());
		else if (rep.parts + rep.closed + rep.digests > 0 && r->after)
			r->after(r->arg);
	}
}

int
px_feedrun_start(struct px_feedrun **out, const char *dir,
    void (*after)(void *arg), void *arg)
{
	struct px_feedrun *r = px_calloc(1, sizeof(*r));
	int rc;

	r->after = after;
	r->arg = arg;
	if ((rc = px_worker_start(
	         &r->w, dir, SPOOL_EVERY_MS, step, r, "feeds")) < 0) {
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void
px_feedrun_kick(struct px_feedrun *r)
{
	if (r != NULL)
		px_worker_kick(r->w);
}

void
px_feedrun_stop(struct px_feedrun *r)
{
	if (r == NULL)
		return;
	px_worker_stop(r->w);
	free(r);
}
