/*
 * Publishing this node's card to a peer (docs/protocol.md, "Card
 * updates").  When the node re-signs its card at a higher version (its
 * contacts, roster or hours changed: the console's publishing card, or
 * parley.conf and a restart), each outbox worker sends the new card to
 * its peer over the pinned channel, once, and the peer pins it if it is
 * signed by the key it has pinned for us.  Nobody has to carry the card
 * by hand for the peer to page the right person.
 */
#ifndef PX_CARDPUSH_H
#define PX_CARDPUSH_H

#include "node/node.h"

struct px_client;

/* Sends this node's card to `peer` over `c` (PUT /peer/v1/card) unless
 * the peer was already given this version (the store's meta
 * "card_pushed.PEER").  A peer that takes it, or holds it already, or
 * refuses it for good (an older parley without the route, a key it does
 * not pin) marks the version done; a refusal is said once on stderr with
 * what to do.  0 when done or nothing to do; a negative code (transport
 * failure, 5xx) leaves it for the next run. */
PX_MUST_CHECK int px_card_push(
    struct px_node *n, struct px_client *c, const char *peer);

#endif
