/*
 * The feed case with each peer, and the routing overrides signed in it
 * (docs/routing.md).
 *
 * Routine sharing between two parties lives in a case of kind "feed",
 * opened by the sharing party the first time it sends the peer a batch,
 * a digest or an override: its messages are the daily digests, the
 * receiver's verdicts on them, and routing overrides.  An override (a
 * network or AS number -> one of the two parties, until a time) is
 * proposed by either party and binds once the other accepts it; either
 * may revoke it.  Both parties hold the same messages, so both derive the
 * same overrides (model/feedmsg.h) and can recompute a routing decision
 * that cites one.
 */
#ifndef PX_NODE_OVERRIDE_H
#define PX_NODE_OVERRIDE_H

#include <jansson.h>
#include <stdbool.h>

#include "model/routing.h"
#include "node/node.h"

/* The id of this node's open feed case with `peer` (opening one, signed
 * and queued, if `create`); PX_ENOTFOUND if none and !create. */
PX_MUST_CHECK int px_feed_case(
    char out[PX_UUID_STRLEN], struct px_node *n, const char *peer, bool create);
/* Adds every override in effect at some time (accepted) from the feed
 * cases with all peers to `t`; parties must be in `t` already. */
PX_MUST_CHECK int px_override_add_all(struct px_node *n, struct px_rtable *t);
/* Proposes an override to `peer`: `match` ("192.0.2.0/24" or "AS64500")
 * goes to party `to` (this node or the peer) until `until_ms`.  *hash
 * gets the proposal's hash (its id). */
PX_MUST_CHECK int px_override_propose(struct px_node *n, const char *peer,
    const char *match, const char *to, int64_t until_ms, const char *text,
    char hash[65]);
/* Accepts or revokes the override whose proposal has hash (or unique
 * prefix) `id`. */
PX_MUST_CHECK int px_override_answer(
    struct px_node *n, const char *id, bool accept, const char *text);
/* Every override with `peer` (all peers if NULL) as JSON objects
 * {"id", "peer", "case", "proposer", "to", "match", "proposed",
 * "accepted", "revoked", "until", "state"}; a new reference. */
PX_MUST_CHECK int px_override_list(
    json_t **out, struct px_node *n, const char *peer, int64_t now);

#endif
