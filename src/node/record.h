/*
 * The record of one message, for the console's "record" panel and
 * `parley log record`: docs/api.md (GET /api/v1/record/{hash}) lists the
 * members.
 */
#ifndef PX_RECORD_H
#define PX_RECORD_H

#include <jansson.h>

#include "node/node.h"

/*
 * Builds the record of the message whose hash is `hash` (the full hash or
 * a unique prefix of at least 12 lowercase hex digits): the message's
 * header, our log entry for it (the message, or our receipt of theirs),
 * our latest checkpoint and the inclusion proof of the entry in it
 * (verified by recomputing the root), the earliest cosignature by each
 * peer of a checkpoint covering the entry, and the peer's own entry for it
 * when we hold its proof.  *out is a new object.  PX_EINVAL for a
 * malformed or ambiguous hash, PX_ENOTFOUND for no such message.
 */
PX_MUST_CHECK int px_node_record(
    json_t **out, struct px_node *n, const char *hash);

#endif
