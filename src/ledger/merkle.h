/*
 * RFC 9162 (RFC 6962) Merkle trees over stored complete subtrees.
 *
 * A log keeps only the hashes of COMPLETE subtrees: node (level L, index i)
 * covers leaves [i*2^L, (i+1)*2^L) and is stored once all of those leaves
 * exist; it never changes afterwards.  Everything else (roots of any size,
 * inclusion and consistency proofs for any older size) is derived from
 * those nodes, reading O(log n) of them through a caller-supplied callback,
 * so this module never knows where nodes live (store, memory, a bundle).
 * docs/ledger.md describes the layout for reimplementers.
 *
 * Nothing here allocates; errors come back as px_err codes with a message.
 */
#ifndef PX_LEDGER_MERKLE_H
#define PX_LEDGER_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define PX_MERKLE_HASH_LEN 32
/* Longest inclusion proof (a tree below 2^64 leaves is 64 levels high), and
 * the room callers give the proof generators. */
#define PX_MERKLE_MAX_PROOF 64
/* Longest consistency proof a verifier accepts: the inclusion path plus the
 * old tree's last subtree.  The generator refuses proofs that would need
 * more than PX_MERKLE_MAX_PROOF (only trees above 2^63 leaves). */
#define PX_MERKLE_MAX_CONSISTENCY 65

/* A complete subtree node: what px_merkle_append asks the caller to store. */
struct px_merkle_node {
	unsigned level;
	uint64_t index;
	uint8_t hash[32];
};

/*
 * Supplies the stored hash of the COMPLETE node (level, index) into out.
 * Returns 0, or a negative px_err code (with a message) that the caller of
 * the px_merkle_* function gets back unchanged.
 */
typedef int (*px_merkle_get_fn)(
    void *ctx, unsigned level, uint64_t index, uint8_t out[32]);

/* out = SHA-256(0x00 || data): the hash of a leaf's bytes. */
void px_merkle_leaf_hash(uint8_t out[32], const void *data, size_t len);
/* out = SHA-256(0x01 || l || r): an interior node.  out may alias l or r. */
void px_merkle_node_hash(
    uint8_t out[32], const uint8_t l[32], const uint8_t r[32]);

/*
 * Appends leaf number `size` (0-based, so the tree grows to size + 1
 * leaves).  The leaf completes 1 + (trailing zero bits of size + 1) nodes:
 * (0, size), and (k, size >> k) for each k while 2^k divides size + 1.
 * They are written to out[] (level order, lowest first) and their count to
 * *n; the caller stores them all, in the same transaction as the leaf.
 * `get` is asked for the left siblings, which are already stored.
 * Returns 0, PX_EINVAL if the tree is full (size == UINT64_MAX), or what
 * `get` returned.
 */
PX_MUST_CHECK int px_merkle_append(struct px_merkle_node out[64], unsigned *n,
    uint64_t size, const uint8_t leaf_hash[32], px_merkle_get_fn get,
    void *ctx);

/*
 * Root hash of the first `size` leaves, from popcount(size) stored nodes.
 * size 0 gives SHA-256 of the empty string.  Returns 0 or what `get`
 * returned.
 */
PX_MUST_CHECK int px_merkle_root(
    uint8_t out[32], uint64_t size, px_merkle_get_fn get, void *ctx);

/*
 * The RFC 9162 inclusion proof (leaf's sibling first, up to the root's
 * child) for leaf `index` in the tree of `size` leaves, which may be any
 * size up to the current one.  out has room for PX_MERKLE_MAX_PROOF hashes;
 * *n gets the count.  Only nodes complete within `size` are read, at most
 * about 2 log2(size) of them.  Returns 0, PX_EINVAL if index >= size, or
 * what `get` returned.
 */
PX_MUST_CHECK int px_merkle_inclusion_proof(uint8_t out[][32], size_t *n,
    uint64_t index, uint64_t size, px_merkle_get_fn get, void *ctx);

/*
 * The RFC 9162 consistency proof from the tree of size1 leaves to the tree
 * of size2 >= size1 leaves.  Empty when size1 == 0 or size1 == size2.  out
 * has room for PX_MERKLE_MAX_PROOF hashes.  Returns 0, PX_EINVAL if
 * size1 > size2, PX_ETOOBIG for a proof longer than the room (only above
 * 2^63 leaves), or what `get` returned.
 */
PX_MUST_CHECK int px_merkle_consistency_proof(uint8_t out[][32], size_t *n,
    uint64_t size1, uint64_t size2, px_merkle_get_fn get, void *ctx);

/*
 * Checks that `leaf` (a leaf hash) is at `index` in the tree of `size`
 * leaves whose root is `root`, using the RFC 9162 section 2.1.3.2
 * algorithm.  Returns 0, or PX_EINVAL with a message saying why (index out
 * of range, wrong number of hashes, root mismatch).
 */
PX_MUST_CHECK int px_merkle_verify_inclusion(const uint8_t leaf[32],
    uint64_t index, uint64_t size, const uint8_t proof[][32], size_t n,
    const uint8_t root[32]);

/*
 * Checks that the tree of size2 leaves with root2 extends the tree of size1
 * leaves with root1 (RFC 9162 section 2.1.4.2).  Equal sizes need an empty
 * proof and equal roots.  size1 == 0 is refused: the empty tree is a
 * prefix of every tree, so a proof from it proves nothing, and a caller
 * that meets it decides for itself (a witness accepts it with no proof).
 * Returns 0, or PX_EINVAL with a message saying why.
 */
PX_MUST_CHECK int px_merkle_verify_consistency(uint64_t size1, uint64_t size2,
    const uint8_t root1[32], const uint8_t root2[32], const uint8_t proof[][32],
    size_t n);

/*
 * Multiproofs (docs/audit.md section 3): many leaves proven against one
 * root share the nodes between them.  A span is a subtree of the RFC
 * 9162 tree of some size, covering leaves [start, end): a complete node
 * (end - start a power of two that divides start) or a node of the right
 * edge [start, size), whose hash is the fold of its complete parts.
 */
struct px_merkle_span {
	uint64_t start, end;
};

#define PX_MERKLE_MAX_COVER 128

/*
 * The fewest subtrees of the tree of `size` leaves that cover leaves
 * [from, to) exactly, left to right, into out (room for
 * PX_MERKLE_MAX_COVER); returns their count.  Below `size` each is the
 * largest complete node that starts where the previous one ended and fits;
 * when to == size, the leaves from the first place at or after `from`
 * where the root's own decomposition starts a subtree (size with its low
 * bits cleared) to `size` are one node.  Needs from <= to <= size.
 */
size_t px_merkle_cover(
    struct px_merkle_span out[], uint64_t from, uint64_t to, uint64_t size);

/*
 * The spans of the hashes of leaf `index`'s inclusion proof in the tree
 * of `size` leaves, in proof order (what px_merkle_inclusion_proof
 * returns, position by position); returns their count.  out has room for
 * PX_MERKLE_MAX_PROOF.  Needs index < size.
 */
size_t px_merkle_path_spans(
    struct px_merkle_span out[], uint64_t index, uint64_t size);

/* The hash of span sp of the tree of `size` leaves, from stored complete
 * nodes.  Returns 0 or what `get` returned. */
PX_MUST_CHECK int px_merkle_span_hash(uint8_t out[32], struct px_merkle_span sp,
    uint64_t size, px_merkle_get_fn get, void *ctx);

/*
 * Rebuilds the root of the tree of `size` leaves from the hashes of
 * spans that cover [0, size) left to right, in one pass and 64 hashes of
 * memory: leaves and the nodes between them.  px_merkle_acc_add refuses
 * (PX_EINVAL) a span that does not start where the previous one ended, is
 * not a node of the tree, or follows the right-edge node;
 * px_merkle_acc_root refuses when the spans stop before `size`.
 */
struct px_merkle_acc {
	uint64_t size, at;
	unsigned n; /* complete nodes on the stack */
	unsigned level[65];
	uint8_t h[65][32];
	bool edge; /* the right-edge node came: h[n] holds it */
};

void px_merkle_acc_init(struct px_merkle_acc *a, uint64_t size);
PX_MUST_CHECK int px_merkle_acc_add(
    struct px_merkle_acc *a, struct px_merkle_span sp, const uint8_t hash[32]);
PX_MUST_CHECK int px_merkle_acc_root(struct px_merkle_acc *a, uint8_t out[32]);

#endif
