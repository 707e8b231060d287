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

#endif
