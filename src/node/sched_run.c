/*
 * The scheduler thread of `parley serve` (sched.h).
 */
#include <pthread.h>
#include <time.h>

#include "node/sched.h"
#include "util/util.h"

struct px_sched_runner {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	struct px_node *n;
	int64_t tick_ms;
	void (*after)(void *, struct px_node *, const struct px_sched_stats *);
	void *arg;
};

/* Notification delivery, when the notify module is linked in: weak, so
 * the scheduler does not depend on it. */
int px_sched_deliver_hook(struct px_node *n, int64_t now) __attribute__((weak));

static bool
sleep_ms(struct px_sched_runner *r, int64_t ms)
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
	while (!r->stop)
		if (pthread_cond_timedwait(&r->cv, &r->mu, &ts) != 0)
			break;
	stop = r->stop;
	pthread_mutex_unlock(&r->mu);
	return stop;
}

static void *
run(void *arg)
{
	struct px_sched_runner *r = arg;
	int64_t last_checks = 0;

	while (!sleep_ms(r, r->tick_ms)) {
		struct px_sched_stats st = { 0 };
		int64_t now = px_time_now_ms();

		if (px_sched_tick(r->n, now, 0, &st) < 0)
			fprintf(stderr, "parley serve: scheduler: %s\n",
			    px_error_last());
		if (now - last_checks >= 60000) {
			last_checks = now;
			if (px_sched_checks(r->n, now, &st) < 0)
				fprintf(stderr,
				    "parley serve: scheduled checks: %s\n",
				    px_error_last());
		}
		if (r->after)
			r->after(r->arg, r->n, &st);
	}
	return NULL;
}

int
px_sched_start(struct px_sched_runner **out, const char *dir, int64_t tick_ms,
    void (*after_tick)(
        void *arg, struct px_node *n, const struct px_sched_stats *st),
    void *arg)
{
	struct px_sched_runner *r = px_calloc(1, sizeof(*r));
	int rc;

	if ((rc = px_node_open(&r->n, dir)) < 0) {
		free(r);
		return rc;
	}
	r->tick_ms = tick_ms > 0 ? tick_ms : 1000;
	r->after = after_tick;
	r->arg = arg;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (pthread_create(&r->thread, NULL, run, r) != 0) {
		px_node_free(r->n);
		free(r);
		return px_error_set(
		    PX_ERR, "cannot start the scheduler thread");
	}
	*out = r;
	return 0;
}

void
px_sched_stop(struct px_sched_runner *r)
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
