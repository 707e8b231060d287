/*
 * This node's Merkle log: every message it sends and every receipt it
 * issues is one leaf, whose bytes are the canonical signed envelope.  The
 * tree is kept as its complete subtree nodes (docs/ledger.md), so roots
 * and proofs for any size are a few lookups.  A checkpoint (C2SP
 * tlog-checkpoint, signed note with origin = node name) is signed after
 * every batch of appends.
 */
#ifndef PX_NODE_LOG_H
#define PX_NODE_LOG_H

#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "node/node.h"

#define PX_LOG_MAX_PROOF 64

/* Appends an entry inside the caller's transaction; *idx gets its index. */
PX_MUST_CHECK int px_log_append(struct px_node *n, const char *kind,
    const char *obj_hash, const char *peer, int64_t time_ms, const void *entry,
    size_t len, int64_t *idx);
/* The next index an append would use. */
PX_MUST_CHECK int px_log_size(struct px_node *n, int64_t *size);
/* Signs and stores the checkpoint of the current size, inside the
 * caller's transaction (a no-op if it exists). */
PX_MUST_CHECK int px_log_checkpoint(struct px_node *n, int64_t now_ms);
/* The signed checkpoint of `size` (latest if < 0) with every
 * cosignature we hold appended; *out is heap text. */
PX_MUST_CHECK int px_log_checkpoint_note(
    struct px_node *n, int64_t size, char **out, int64_t *size_out);
PX_MUST_CHECK int px_log_root(
    struct px_node *n, int64_t size, uint8_t root[32]);
PX_MUST_CHECK int px_log_inclusion(struct px_node *n, int64_t idx, int64_t size,
    uint8_t out[][32], size_t *np);
PX_MUST_CHECK int px_log_consistency(struct px_node *n, int64_t size1,
    int64_t size2, uint8_t out[][32], size_t *np);
/* Writes a C2SP tlog-proof for entry `idx` at checkpoint `size` (latest
 * if < 0). */
PX_MUST_CHECK int px_log_proof_text(
    struct px_node *n, int64_t idx, int64_t size, struct px_buf *out);
/* Re-verifies the whole log from the stored entries: every leaf's bytes
 * parse as our own signed object, every stored node and checkpoint
 * matches the recomputed tree, every checkpoint signature verifies.
 * Appends a human report to `report`; PX_EINVAL names the first
 * failure. */
PX_MUST_CHECK int px_log_verify(struct px_node *n, struct px_buf *report);
/* C2SP verifier keys: the log's (Ed25519, type 0x01) and this node's
 * witness key (cosignature/v1, type 0x04).  Heap strings. */
char *px_node_log_vkey(const struct px_node *n);
char *px_node_witness_vkey(const struct px_node *n);
/* Where one message of a case sits in this node's log: our own message
 * is a leaf itself; a received one is covered by the receipt we issued
 * for it, which is the leaf. */
struct px_msg_entry {
	int64_t log;            /* leaf index */
	bool receipt;           /* the leaf is the receipt we issued for it */
	char hash[PX_HASH_HEX]; /* the leaf's object hash (message or
	                           receipt) */
};

/* The object hash of the receipt stored for message `msg` (ours for a
 * message we received, the peer's for one we sent); PX_ENOTFOUND if none
 * is stored. */
PX_MUST_CHECK int px_log_receipt_hash(
    char out[PX_HASH_HEX], struct px_node *n, const char *msg);
/* The leaf index of the signed object `env` (a message or receipt
 * envelope of ours) whose object hash is `hash`; PX_ENOTFOUND if it is
 * not in the log. */
PX_MUST_CHECK int px_log_find(
    struct px_node *n, const json_t *env, const char *hash, int64_t *idx);
/* Finds the leaf of message `m` (ours or received).  PX_ENOTFOUND (the
 * message names what is missing) when we hold no receipt for a received
 * message, or the leaf is not in the log. */
PX_MUST_CHECK int px_log_msg_entry(
    struct px_msg_entry *out, struct px_node *n, const struct px_msg *m);
/* Base64 hashes separated by spaces (heap), and back. */
char *px_path_encode(const uint8_t path[][32], size_t n);
PX_MUST_CHECK int px_path_decode(uint8_t out[][32], size_t *n, const char *s);

#endif
