/*
 * Background threads of `parley serve` (worker.h).
 */
#include <pthread.h>
#include <time.h>

#include "node/worker.h"
#include "util/util.h"

struct px_worker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, kicked;
	struct px_node *n;
	int64_t every_ms;
	void (*step)(void *, struct px_node *);
	void *arg;
};

/* Waits up to `ms`, or until kicked or stopped; true when stopping. */
static bool
wait_ms(struct px_worker *w, int64_t ms)
{
	struct timespec ts;
	bool stop;

	px_time_deadline(&ts, ms);
	pthread_mutex_lock(&w->mu);
	while (!w->stop && !w->kicked)
		if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) != 0)
			break;
	w->kicked = false;
	stop = w->stop;
	pthread_mutex_unlock(&w->mu);
	return stop;
}

static void *
run(void *arg)
{
	struct px_worker *w = arg;

	while (!wait_ms(w, w->every_ms))
		w->step(w->arg, w->n);
	return NULL;
}

int
px_worker_start(struct px_worker **out, const char *dir, int64_t every_ms,
    void (*step)(void *arg, struct px_node *n), void *arg, const char *what)
{
	struct px_worker *w = px_calloc(1, sizeof(*w));
	int rc;

	if ((rc = px_node_open(&w->n, dir)) < 0) {
		free(w);
		return rc;
	}
	w->every_ms = every_ms > 0 ? every_ms : 1000;
	w->step = step;
	w->arg = arg;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thread, NULL, run, w) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		px_node_free(w->n);
		free(w);
		return px_error_set(PX_ERR, "cannot start the %s thread", what);
	}
	*out = w;
	return 0;
}

void
px_worker_kick(struct px_worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->kicked = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void
px_worker_stop(struct px_worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	px_node_free(w->n);
	free(w);
}
