/*
 * The outbox: one delivery worker thread per peer that has a URL.  Each
 * worker keeps one pinned, kept-alive HTTPS connection (net/client.h),
 * sends the peer every undelivered message as a signed bundle (at most
 * PX_OUTBOX_BATCH at a time, in seq order), and imports the receipt
 * bundle it gets back.  While one bundle is on its way the worker exports
 * the next, and sends it as soon as the peer has taken the whole of the
 * one before, importing that one's receipts meanwhile (docs/transport.md
 * section 5.1).  A failure backs off exponentially with jitter
 * (1 s doubling to 5 min); a retried bundle is answered with the same
 * receipts (import is idempotent), so nothing is lost or applied twice.
 * A peer that answers 503 with Retry-After is busy, not failing: the
 * worker waits as asked, without doubling its backoff or logging.
 *
 * Per-peer gauges (node/metrics.h): outbox depth, delivery failing and
 * delivery deferred, kept fresh by the workers so that /metrics never
 * scans the store.
 */
#ifndef PX_OUTBOX_H
#define PX_OUTBOX_H

#include <stdint.h>

#include "util/err.h"

#define PX_OUTBOX_BATCH 512

struct px_outbox;
struct px_metrics;
struct px_node;
struct px_client;

/* Starts workers for every peer of the node in `dir` that has a URL;
 * peers added later are picked up within a few seconds.  `m` (may be NULL)
 * receives delivery counters and per-peer gauges; it must outlive the
 * outbox. */
PX_MUST_CHECK int px_outbox_start(
    struct px_outbox **out, const char *dir, struct px_metrics *m);
/* Wakes every worker now (a message was queued). */
void px_outbox_kick(struct px_outbox *o);
/* Stops the workers, letting an exchange in flight finish. */
void px_outbox_stop(struct px_outbox *o);

/* Cuts the backoff of `peer`'s worker (every worker if NULL) short and
 * wakes it: an operator mended the cause (`parley channel retry`). */
void px_outbox_retry(struct px_outbox *o, const char *peer);

/* One delivery attempt to `peer` from this process, with its own
 * connection: sends what is undelivered (up to PX_OUTBOX_BATCH messages),
 * imports the receipts and records the channel's state (node/channel.h).
 * Returns the number of messages delivered, or a negative code with the
 * peer's answer or the transport's error. */
PX_MUST_CHECK int px_outbox_deliver_now(struct px_node *n, const char *peer);

/* A pinned connection to `peer` (its card's URL and certificate, our
 * node certificate), or NULL when it has no URL or cannot be set up.
 * Free with px_client_free. */
struct px_client *px_outbox_client(struct px_node *n, const char *peer);

#endif
