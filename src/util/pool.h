/*
 * An ordered pool of threads for work in batches (the audit verifier's
 * lines and cases): the caller fills one batch while the threads work on
 * the others, and takes them back in the order it handed them over, so
 * what the threads found is judged in the order of the input.  At most
 * `nslot` batches exist, so memory stays bounded whatever the input.
 * With one CPU (or threads = 1) there are no threads: each batch is
 * worked on, in the caller's thread, when it is handed over.
 *
 *   px_pool_start(&p, 0, work, ctx, make);
 *   for each item: b = px_pool_filling(&p); add to b;
 *       when b is full: px_pool_submit(&p);
 *           if (px_pool_full(&p)) { use px_pool_back(&p); px_pool_release(&p);
 * } at the end: submit, then take back while px_pool_has_back(&p)
 *   px_pool_stop(&p, dispose);
 */
#ifndef PX_POOL_H
#define PX_POOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct px_pool {
	pthread_t th[64];
	int nth;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	void **slot;
	int *state; /* 0 free, 1 queued, 2 done */
	size_t nslot;
	uint64_t head, tail, next; /* filling, oldest not taken back, next
	                              to work on */
	void (*fn)(void *batch, void *ctx);
	void *ctx;
	bool stop;
};

/* Starts the threads (threads 0: one per CPU, at most 64; 1: none),
 * and makes the batches with make().  fn(batch, ctx) is the work, done
 * by a thread. */
void px_pool_start(struct px_pool *p, int threads, void (*fn)(void *, void *),
    void *ctx, void *(*make)(void));
/* Lets the threads finish what was handed over, stops them and frees
 * the batches with dispose(). */
void px_pool_stop(struct px_pool *p, void (*dispose)(void *));
/* The batch to fill. */
void *px_pool_filling(struct px_pool *p);
/* Hands the batch being filled over. */
void px_pool_submit(struct px_pool *p);
/* Whether every batch is handed over: the oldest must be taken back
 * before the next one is filled. */
bool px_pool_full(const struct px_pool *p);
/* Whether a batch handed over is not taken back yet. */
bool px_pool_has_back(const struct px_pool *p);
/* The oldest batch handed over, once worked on (waits for it). */
void *px_pool_back(struct px_pool *p);
/* Frees the slot of the batch px_pool_back gave (its contents are the
 * caller's to clear). */
void px_pool_release(struct px_pool *p);

#endif
