/*
 * Witnessing, over bundles (and later over the network).
 *
 * Every bundle carries a "log" section from its sender:
 *   {"checkpoint": NOTE,          the sender's latest signed checkpoint
 *    "consistency": [{"from": N, "path": [B64...]}...],
 *                                 proofs that it extends each checkpoint
 *                                 the recipient may have cosigned last:
 *                                 the last one the sender knows was
 *                                 cosigned, and every one shown since
 *                                 (the recipient's cosignature may still
 *                                 be on its way back)
 *    "proofs": [{"hash": HEX, "index": N, "path": [B64...]}],
 *                                 inclusion of every message and receipt
 *                                 of the bundle in that checkpoint
 *    "cosignatures": [{"size": N, "line": "— name B64\n"}]}
 *                                 the sender's cosignatures of the
 *                                 recipient's own checkpoints
 * The recipient checks all of it before applying anything, keeps every
 * checkpoint it was shown, cosigns (C2SP tlog-cosignature) only after the
 * consistency proof from the size it last cosigned verifies, saving that
 * state in the same transaction, and answers with the cosignature in its
 * next bundle.  Two checkpoints that cannot be joined are saved as
 * evidence under DIR/evidence/ and raise an alert.  docs/ledger.md.
 */
#ifndef PX_WITNESS_H
#define PX_WITNESS_H

#include <jansson.h>

#include "node/node.h"

/* Builds the log section for a bundle to `peer` carrying `items` (an array
 * of our own signed envelopes, all already in our log).  New ref. */
PX_MUST_CHECK int px_log_section(json_t **out, struct px_node *n,
    const char *peer, const json_t *const *items, size_t nitems);

struct px_witness_in {
	char *note; /* the peer's checkpoint note */
	uint64_t size;
	uint8_t root[32];
	char root_b64[48];
	const json_t *consistency; /* borrowed: [{from, path}] */
	int64_t from;              /* the proof chosen when applying */
	uint8_t path[64][32];
	size_t npath;
	const json_t *proofs;    /* borrowed from the bundle */
	const json_t *cosigs;    /* borrowed */
	const json_t **items;    /* owned array of borrowed envelopes */
	char (*item_hashes)[65]; /* their object hashes, computed once */
	size_t nitems;
};

/* Verifies a peer's log section: the checkpoint's signature with the
 * peer's log key and its origin; the inclusion of each item (envelopes of
 * `items`) in it.  Nothing is stored.  *w is disposed by the caller. */
PX_MUST_CHECK int px_log_section_check(struct px_witness_in *w,
    struct px_node *n, const struct px_peer *p, const json_t *section,
    const json_t *const *items, size_t nitems, const char *what);
void px_witness_in_dispose(struct px_witness_in *w);

/* Applies a checked section: records the checkpoint, witnesses it
 * (consistency from our last cosigned size, cosign, save state) and keeps
 * the peer's cosignatures of our checkpoints.  A
 * fork or an inconsistency saves evidence, raises an alert and returns
 * PX_EINVAL.  Appends human lines to `log`. */
PX_MUST_CHECK int px_witness_apply(struct px_node *n, const struct px_peer *p,
    struct px_witness_in *w, int64_t now_ms, struct px_buf *log);

/* Stores the inclusion proof of the item `hash` from the section, inside
 * the caller's transaction (called when the item itself is stored). */
PX_MUST_CHECK int px_witness_store_proof(struct px_node *n,
    const struct px_peer *p, const struct px_witness_in *w, const char *hash,
    int64_t now);

/* Appends our cosignature line of the peer's checkpoint of `size` to
 * `out`; PX_ENOTFOUND if we did not cosign it. */
PX_MUST_CHECK int px_witness_cosignature(
    struct px_node *n, const char *peer, int64_t size, struct px_buf *out);

#endif
