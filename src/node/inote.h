/*
 * Internal notes: a desk's own words on a case ("called their duty
 * officer, no answer"; "legal says wait").  They are never sent: not in a
 * bundle, not in the peer's view, not in an audit export for the peer.
 * Each is signed by this node and kept as a leaf of its own log (kind
 * "internal", peer empty), so our history is complete and tamper-evident
 * (docs/protocol.md, "Internal notes").
 *
 * The leaf, canonical JSON:
 *   {"internal_note": {"v": 1, "node": NAME, "case": ID, "time": T,
 *                      "by": WHO (or absent), "text": {"lang", "value"}},
 *    "sig": base64(Ed25519 over the canonical bytes of internal_note)}
 * and its hash is the hex SHA-256 of those same canonical bytes.
 */
#ifndef PX_NODE_INOTE_H
#define PX_NODE_INOTE_H

#include <jansson.h>

#include "node/node.h"

/* Signs, stores and logs a note on the case `ref` (id, prefix or
 * reference), in its own transaction.  `by` (may be NULL) is who wrote
 * it, as the node knows them (a token's name); `lang` NULL is the node's
 * first language.  *hash (may be NULL) gets the note's hash. */
PX_MUST_CHECK int px_inote_add(struct px_node *n, const char *ref,
    const char *by, const char *text, const char *lang, int64_t now,
    char hash[65]);
/* The case's notes, oldest first, as [{"hash", "time", "by", "text"}]
 * (heap array; NULL with the error set on failure). */
json_t *px_inote_list(struct px_node *n, const char *case_id);
/* Checks a log leaf of kind "internal" against our key: it parses, is
 * signed by us, and has `hash`. */
PX_MUST_CHECK int px_inote_check(
    struct px_node *n, const json_t *entry, const char *hash);

#endif
