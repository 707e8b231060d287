/* Shared between the node/ files only. */
#ifndef PX_NODE_INTERNAL_H
#define PX_NODE_INTERNAL_H

#include "node/node.h"

/* Stores a message and refreshes its case's index row; the caller holds
 * the transaction.  received_ms is -1 for our own messages. */
PX_MUST_CHECK int px_node_store_msg(struct px_node *n, const struct px_msg *m,
    const struct px_case *c, int64_t received_ms);

/* Writes the case's row in the case index (state, title, peer). */
PX_MUST_CHECK int px_node_index_case(
    struct px_node *n, const struct px_case *c, int64_t now);

#endif
