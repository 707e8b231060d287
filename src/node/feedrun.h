/*
 * The feeds thread of `parley serve`: ingests what lands in the spool
 * directory, and sends the batches whose interval ended and the digests
 * of days that ended (node/feeds.h), with its own node handle.
 */
#ifndef PX_NODE_FEEDRUN_H
#define PX_NODE_FEEDRUN_H

#include "node/node.h"

struct px_feedrun;

/* Starts the thread for the node in `dir`; `after` (may be NULL) is
 * called after anything was signed (to kick the outbox). */
PX_MUST_CHECK int px_feedrun_start(struct px_feedrun **out, const char *dir,
    void (*after)(void *arg), void *arg);
/* Looks at the spool now (after an upload). */
void px_feedrun_kick(struct px_feedrun *r);
/* Stops it after the file in progress (NULL is a no-op). */
void px_feedrun_stop(struct px_feedrun *r);

#endif
