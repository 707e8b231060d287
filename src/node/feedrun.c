/*
 * The feeds thread (feedrun.h).
 */
#include <pthread.h>
#include <time.h>

#include "node/feedrun.h"
#include "node/feeds.h"
#include "util/util.h"

#define SPOOL_EVERY_MS 2000
#define FLUSH_EVERY_MS 30000

struct px_feedrun {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, kicked;
	struct px_node *n;
	void (*after)(void *);
	void *arg;
};

/* Waits up to `ms`, or until kicked or stopped; true when stopping. */
static bool
wait_ms(struct px_feedrun *r, int64_t ms)
{
	struct timespec ts;
	bool stop;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&r->mu);
	while (!r->stop && !r->kicked)
		if (pthread_cond_timedwait(&r->cv, &r->mu, &ts) != 0)
			break;
	r->kicked = false;
	stop = r->stop;
	pthread_mutex_unlock(&r->mu);
	return stop;
}

static void *
run(void *arg)
{
	struct px_feedrun *r = arg;
	int64_t last_flush = 0;

	while (!wait_ms(r, SPOOL_EVERY_MS)) {
		int64_t now = px_time_now_ms();
		size_t n = 0;

		if (px_feed_spool(r->n, &n) < 0)
			fprintf(stderr, "parley serve: feed spool: %s\n",
			    px_error_last());
		if (n > 0 || now - last_flush >= FLUSH_EVERY_MS) {
			struct px_flush_report rep;

			last_flush = now;
			if (px_feed_flush(r->n, now, false, &rep) < 0)
				fprintf(stderr,
				    "parley serve: feed flush: %s\n",
				    px_error_last());
			else if (rep.parts + rep.closed + rep.digests > 0 &&
			    r->after)
				r->after(r->arg);
		}
	}
	return NULL;
}

int
px_feedrun_start(struct px_feedrun **out, const char *dir,
    void (*after)(void *arg), void *arg)
{
	struct px_feedrun *r = px_calloc(1, sizeof(*r));
	int rc;

	if ((rc = px_node_open(&r->n, dir)) < 0) {
		free(r);
		return rc;
	}
	r->after = after;
	r->arg = arg;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (pthread_create(&r->thread, NULL, run, r) != 0) {
		px_node_free(r->n);
		free(r);
		return px_error_set(PX_ERR, "cannot start the feeds thread");
	}
	*out = r;
	return 0;
}

void
px_feedrun_kick(struct px_feedrun *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	r->kicked = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

void
px_feedrun_stop(struct px_feedrun *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	px_node_free(r->n);
	free(r);
}
