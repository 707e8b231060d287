/*
 * The ordered pool of threads (pool.h).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/mem.h"
#include "util/pool.h"

static void *
pool_thread(void *arg)
{
	struct px_pool *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		size_t i;

		while (!p->stop && p->next == p->head)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->next == p->head)
			break;
		i = p->next++ % p->nslot;
		pthread_mutex_unlock(&p->mu);
		p->fn(p->slot[i], p->ctx);
		pthread_mutex_lock(&p->mu);
		p->state[i] = 2;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

void
px_pool_start(struct px_pool *p, int threads, void (*fn)(void *, void *),
    void *ctx, void *(*make)(void))
{
	memset(p, 0, sizeof(*p));
	if (threads <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		threads = n > 1 ? (int)(n > 64 ? 64 : n) : 1;
	}
	p->fn = fn;
	p->ctx = ctx;
	p->nth = threads > 1 ? threads : 0;
	p->nslot = p->nth ? 2 * (size_t)p->nth + 2 : 1;
	p->slot = px_calloc(p->nslot, sizeof(*p->slot));
	p->state = px_calloc(p->nslot, sizeof(*p->state));
	for (size_t i = 0; i < p->nslot; i++)
		p->slot[i] = make();
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	for (int i = 0; i < p->nth; i++)
		if (pthread_create(&p->th[i], NULL, pool_thread, p) != 0) {
			p->nth = i; /* fewer threads: still right */
			break;
		}
}

void
px_pool_stop(struct px_pool *p, void (*dispose)(void *))
{
	if (p->slot == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nth; i++)
		pthread_join(p->th[i], NULL);
	for (size_t i = 0; i < p->nslot; i++)
		dispose(p->slot[i]);
	free(p->slot);
	free(p->state);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	memset(p, 0, sizeof(*p));
}

/* The batch to fill. */
void *
px_pool_filling(struct px_pool *p)
{
	return p->slot[p->head % p->nslot];
}

/* Whether a batch is back to be taken. */
bool
px_pool_has_back(const struct px_pool *p)
{
	return p->tail < p->head;
}

/* Hands the batch being filled over; false if the ring is full, and the
 * oldest must be taken back (px_pool_back) first. */
void
px_pool_submit(struct px_pool *p)
{
	size_t i = p->head % p->nslot;

	if (p->nth == 0) {
		p->fn(p->slot[i], p->ctx);
		p->state[i] = 2;
		p->head++;
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->state[i] = 1;
	p->head++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
}

/* The oldest batch handed over, once worked on; px_pool_release frees its
 * slot. */
void *
px_pool_back(struct px_pool *p)
{
	size_t i = p->tail % p->nslot;

	pthread_mutex_lock(&p->mu);
	while (p->state[i] != 2)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
	return p->slot[i];
}

void
px_pool_release(struct px_pool *p)
{
	p->state[p->tail++ % p->nslot] = 0;
}

/* Whether the next batch to fill is still in the ring (must be taken
 * back before it is filled). */
bool
px_pool_full(const struct px_pool *p)
{
	return p->head - p->tail == p->nslot;
}
