/*
 * The serving node's counters and gauges, rendered by GET /metrics in the
 * Prometheus text format (docs/api.md lists them).
 *
 * Why here: the outbox (node/) and the API handlers (api/) both count, and
 * node/ is the lowest layer that knows what a message, a bundle or a peer
 * is; neither has to include the other to reach the numbers.  The module
 * knows nothing of HTTP or the store: whoever sees an event counts it,
 * and the /metrics handler renders everything in one call.
 *
 * How to add a counter: one line in enum px_counter and one in the table
 * in metrics.c (name and help); count with px_metrics_add.
 *
 * How to add a per-peer gauge (a family with one sample per peer, e.g.
 * parley_channel_blocked{peer="cert-b.example"}): one line in enum
 * px_peer_gauge and one in its table in metrics.c; set the value with
 * px_metrics_peer_set(m, PX_PG_..., peer, value) wherever it changes.  A
 * peer's sample appears once it has been set and stays until
 * px_metrics_peer_forget.
 *
 * Threads: every function may be called from any thread.  Counters are
 * relaxed atomics; the per-peer table is under a mutex (set is O(peers),
 * for a handful of peers).  Every function accepts m == NULL and then does
 * nothing, so code that runs outside `parley serve` need not check.
 */
#ifndef PX_METRICS_H
#define PX_METRICS_H

#include <stdint.h>

#include "util/buf.h"

enum px_counter {
	PX_C_MSGS_OUT,            /* messages this node signed (API) */
	PX_C_MSGS_IN,             /* peer messages applied */
	PX_C_BUNDLES_IN,          /* bundles accepted from peers */
	PX_C_BUNDLES_REFUSED,     /* bundles refused */
	PX_C_DELIVERIES,          /* bundles delivered by the outbox */
	PX_C_DELIVERY_ERRORS,     /* failed delivery attempts */
	PX_C_DELIVERIES_DEFERRED, /* the peer answered "busy, retry later" */
	PX_C_API_SENDS,           /* sends through the group-commit writer */
	PX_C_TAXII_PULLS,         /* scheduled TAXII pulls run */
	PX_C_TAXII_PULL_ERRORS,   /* ... of which failed */
	PX_C_PIPELINED,           /* bundles sent pipelined (outbox.h) */
	PX_C__N
};

enum px_peer_gauge {
	PX_PG_OUTBOX_DEPTH,      /* our undelivered messages to the peer */
	PX_PG_DELIVERY_FAILING,  /* 1 while delivery to the peer fails */
	PX_PG_DELIVERY_DEFERRED, /* 1 while the peer asks us to wait */
	PX_PG__N
};

/* Bounds of the delivery latency histogram, in ms (the last bucket is
 * +Inf). */
#define PX_METRICS_LAT_BUCKETS 11
extern const double px_metrics_lat_bounds_ms[PX_METRICS_LAT_BUCKETS];

/* At most this many peers have per-peer samples; later ones are not
 * shown (a node pins tens of peers, not thousands). */
#define PX_METRICS_PEERS_MAX 1024

struct px_metrics;

/* A fresh set, all zero; free with px_metrics_free (NULL is a no-op). */
struct px_metrics *px_metrics_new(void);
void px_metrics_free(struct px_metrics *m);

/* Adds n to counter c. */
void px_metrics_add(struct px_metrics *m, enum px_counter c, unsigned long n);
/* The current value of counter c (0 for m == NULL). */
unsigned long px_metrics_get(const struct px_metrics *m, enum px_counter c);

/* Records one delivery's submit-to-receipt time for the histogram. */
void px_metrics_latency(struct px_metrics *m, int64_t us);

/* Sets gauge g of `peer` (copied) to v. */
void px_metrics_peer_set(
    struct px_metrics *m, enum px_peer_gauge g, const char *peer, long v);
/* Gauge g of `peer`, or `dflt` if it was never set. */
long px_metrics_peer_get(const struct px_metrics *m, enum px_peer_gauge g,
    const char *peer, long dflt);
/* Drops every sample of `peer` (e.g. when it is removed). */
void px_metrics_peer_forget(struct px_metrics *m, const char *peer);

/*
 * Appends every counter, the latency histogram and every per-peer gauge
 * family to `out`, with HELP and TYPE lines.  The cost is O(counters +
 * peers): nothing is read from the store.
 */
void px_metrics_render(const struct px_metrics *m, struct px_buf *out);

/*
 * Appends one sample line `name{peer="<peer>"} <v>` to `out`, the label
 * value escaped as the text format wants (backslash, quote, line feed).
 * For handlers that render their own per-peer samples.
 */
void px_metrics_peer_line(
    struct px_buf *out, const char *name, const char *peer, long long v);

#endif
