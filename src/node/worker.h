/*
 * A background thread of `parley serve` with its own node handle, that
 * runs a step every so often or when kicked (the scheduler, the feeds).
 */
#ifndef PX_NODE_WORKER_H
#define PX_NODE_WORKER_H

#include "node/node.h"

struct px_worker;

/* Opens the node in `dir` and starts a thread that calls step(arg, n)
 * every `every_ms`, or sooner when kicked, until stopped.  `what` names
 * the thread in errors. */
PX_MUST_CHECK int px_worker_start(struct px_worker **out, const char *dir,
    int64_t every_ms, void (*step)(void *arg, struct px_node *n), void *arg,
    const char *what);
/* Runs the step now (the wait in progress ends). */
void px_worker_kick(struct px_worker *w);
/* Stops it after the step in progress, closes its node and frees it
 * (NULL is a no-op). */
void px_worker_stop(struct px_worker *w);

#endif
