/* Shared between the node/ files only. */
#ifndef PX_NODE_INTERNAL_H
#define PX_NODE_INTERNAL_H

#include "node/node.h"

/* Stores a message and refreshes its case's index row; the caller holds
 * the transaction.  received_ms is -1 for our own messages.  `p` is the
 * case's peer (may be NULL), as for px_node_index_case. */
PX_MUST_CHECK int px_node_store_msg(struct px_node *n, const struct px_msg *m,
    const struct px_case *c, int64_t received_ms, const struct px_peer *p);

/* Writes the case's row in the case index (state, title, peer) and when
 * the scheduler must look at it next: computed from the case's clocks
 * when `p`, the case's peer, is given (borrowed), else now. */
PX_MUST_CHECK int px_node_index_case(struct px_node *n, const struct px_case *c,
    int64_t now, const struct px_peer *p);

#endif
