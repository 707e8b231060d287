/*
 * What holds a channel up (docs/channel.md).
 *
 * A channel is one direction between two nodes, a chain of messages in
 * seq order: a message the receiver refuses stops every later one.  Such
 * a block must never be silent, so both ends record it: the receiver when
 * it refuses (and it says so, signed, in the reply bundle), the sender
 * when the refusal reaches it.  A peer that cannot be reached at all is
 * recorded too.  Each record names the seq held up, the reason as said,
 * since when and how often; the node's duty people are told once per
 * block (a refusal at once, an unreachable peer after
 * PX_CHANNEL_UNREACHABLE_NOTICE_MS), and the record goes away when the
 * channel moves past it.  `parley channel show`, `peer show`, the API,
 * the console's banner and /metrics read it.
 */
#ifndef PX_CHANNEL_H
#define PX_CHANNEL_H

#include <jansson.h>

#include "node/node.h"

enum px_chan_dir {
	PX_CHAN_OUT, /* our messages to the peer */
	PX_CHAN_IN,  /* the peer's messages to us */
};
extern const char *const px_chan_dir_names[2];

/* An unreachable peer is reported to people after this long. */
#define PX_CHANNEL_UNREACHABLE_NOTICE_MS (10 * 60 * 1000)

/*
 * Records that the message at `seq` (hash `msg_hash`, may be NULL; seq 0
 * when the whole bundle was refused) was refused on the channel `d` with
 * `peer`, and why.  The first record of a block queues a notice to this
 * node's duty people.  Store writes only: call it inside the transaction
 * of the import that refused, or alone.
 */
PX_MUST_CHECK int px_channel_refused(struct px_node *n, const char *peer,
    enum px_chan_dir d, int64_t seq, const char *msg_hash, const char *reason,
    int64_t now);
/* Records that `peer` could not be reached (`reason`: the transport's
 * error), unless a refusal of our messages is already recorded, which
 * says more.  Notices people once it has lasted the notice delay. */
PX_MUST_CHECK int px_channel_unreachable(
    struct px_node *n, const char *peer, const char *reason, int64_t now);
/* The channel moved: forgets a problem on `d` at seq <= `through` (any
 * seq if through < 0). */
PX_MUST_CHECK int px_channel_clear(
    struct px_node *n, const char *peer, enum px_chan_dir d, int64_t through);
/* Remembers how far the peer's clock is from ours (its answer's Date
 * header less our clock), for the status. */
void px_channel_clock(
    struct px_node *n, const char *peer, int64_t offset_ms, int64_t now);

/*
 * The status of every channel (or `peer`'s), a new JSON array of
 * {"peer", "out": PROBLEM|null, "in": PROBLEM|null, "sent": N (our last
 * seq), "delivered": N (our last seq with a receipt), "received": N
 * (their last seq we hold), "undelivered": N, "clock_offset_ms": N|null,
 * "clock_seen": TIME|null, "blocked": bool}, PROBLEM being {"state",
 * "seq", "msg", "reason", "since", "last", "count", "notified", "advice"}.
 * "advice" says in a sentence what an operator can do.
 */
PX_MUST_CHECK int px_channel_status(
    json_t **out, struct px_node *n, const char *peer, int64_t now);

#endif
