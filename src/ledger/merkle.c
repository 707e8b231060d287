/*
 * RFC 9162 Merkle trees from stored complete subtrees.
 *
 * The tree of n leaves in RFC 9162 splits at the largest power of two below
 * n, recursively.  Seen from the bottom, that tree is exactly the set of
 * COMPLETE aligned subtrees (level L, index i covering leaves [i*2^L,
 * (i+1)*2^L)) plus, along the right edge, a few "partial" nodes whose hash
 * is the right-to-left fold of the complete subtrees that make up their
 * range (one per set bit of the range's length).  A partial node with only
 * a left child does not exist in the RFC tree: it is its left child.
 *
 * So a log only ever stores complete nodes, which never change once
 * written, and any older tree (a root, a proof for a size the log had last
 * year) is rebuilt from them: every node an older tree needs is either one
 * of its complete nodes (the same node, with the same hash, in every later
 * tree) or a partial node folded from at most 64 complete ones.  A proof
 * touches one partial node at most, so it costs O(log n) reads.
 */
#include <assert.h>

#include <nettle/sha2.h>

#include "crypto/sign.h"
#include "ledger/merkle.h"
#include "util/util.h"

void
px_merkle_leaf_hash(uint8_t out[32], const void *data, size_t len)
{
	static const uint8_t prefix = 0x00;
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, 1, &prefix);
	sha256_update(&c, len, data);
	sha256_digest(&c, 32, out);
}

void
px_merkle_node_hash(uint8_t out[32], const uint8_t l[32], const uint8_t r[32])
{
	static const uint8_t prefix = 0x01;
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, 1, &prefix);
	sha256_update(&c, 32, l);
	sha256_update(&c, 32, r);
	sha256_digest(&c, 32, out);
}

/* Number of bits needed to write x (0 for 0). */
static unsigned
bit_len(uint64_t x)
{
	return x ? 64u - (unsigned)__builtin_clzll(x) : 0;
}

/* Height of the RFC tree of n >= 1 leaves: its root is at this level. */
static unsigned
tree_height(uint64_t n)
{
	return bit_len(n - 1);
}

/*
 * Hash of the leaves [start, start + count), where start is a multiple of
 * a power of two larger than count (or count is the whole tree from 0):
 * the complete subtrees for the set bits of count, folded right to left.
 * Walking the bits from the lowest keeps the fold in one variable; each
 * piece ends where the previous (smaller) one starts, so each is aligned.
 */
static int
fold_range(uint8_t out[32], uint64_t start, uint64_t count,
    px_merkle_get_fn get, void *ctx)
{
	uint8_t piece[32], acc[32];
	uint64_t end = start + count;
	int have = 0, rc;

	assert(count > 0);
	for (unsigned b = 0; b < 64 && count >> b; b++) {
		if (!((count >> b) & 1))
			continue;
		end -= (uint64_t)1 << b;
		if ((rc = get(ctx, b, end >> b, piece)) < 0)
			return rc;
		if (have)
			px_merkle_node_hash(acc, piece, acc);
		else
			memcpy(acc, piece, 32);
		have = 1;
	}
	memcpy(out, acc, 32);
	return 0;
}

/*
 * Hash of node (level, index) of the RFC tree of `size` leaves: a stored
 * read when it is complete within size, else the fold of its range.  The
 * caller makes sure the node starts below size.
 */
static int
node_at(uint8_t out[32], unsigned level, uint64_t index, uint64_t size,
    px_merkle_get_fn get, void *ctx)
{
	uint64_t start = index << level;

	if (index < size >> level)
		return get(ctx, level, index, out);
	return fold_range(out, start, size - start, get, ctx);
}

int
px_merkle_append(struct px_merkle_node out[64], unsigned *n, uint64_t size,
    const uint8_t leaf_hash[32], px_merkle_get_fn get, void *ctx)
{
	uint8_t left[32];
	unsigned k = 0;
	int rc = 0;

	*n = 0;
	if (size == UINT64_MAX)
		return px_error_set(
		    PX_EINVAL, "the log is full: it holds 2^64 - 1 entries");
	out[0].level = 0;
	out[0].index = size;
	memcpy(out[0].hash, leaf_hash, 32);
	/* Node (k, size >> k) completes when the leaf fills the last slot of
	 * its range, i.e. when 2^k divides size + 1; size + 1 < 2^64 keeps k
	 * at 63 or below, so at most 64 nodes. */
	for (k = 1; k < 64 && ((size + 1) & (((uint64_t)1 << k) - 1)) == 0;
	     k++) {
		uint64_t idx = size >> k;

		if ((rc = get(ctx, k - 1, 2 * idx, left)) < 0)
			return rc;
		out[k].level = k;
		out[k].index = idx;
		px_merkle_node_hash(out[k].hash, left, out[k - 1].hash);
	}
	*n = k;
	return 0;
}

int
px_merkle_root(uint8_t out[32], uint64_t size, px_merkle_get_fn get, void *ctx)
{
	if (size == 0) {
		px_sha256(out, "", 0);
		return 0;
	}
	return fold_range(out, 0, size, get, ctx);
}

/*
 * Appends to out[*k] the siblings on the path from node (level, index) up
 * to the root of the tree of `size` leaves.  A right sibling that starts at
 * or past size does not exist in the RFC tree (the node is its parent), so
 * it is skipped; a right sibling that straddles size is the one partial
 * node of the path.
 */
static int
path_up(uint8_t out[][32], size_t *k, unsigned level, uint64_t index,
    uint64_t size, px_merkle_get_fn get, void *ctx)
{
	unsigned top = tree_height(size);
	int rc;

	for (unsigned l = level; l < top; l++, index >>= 1) {
		uint64_t sib = index ^ 1;

		if (sib > index && sib << l >= size)
			continue;
		if (*k >= PX_MERKLE_MAX_PROOF)
			return px_error_set(PX_ETOOBIG,
			    "proof longer than %d hashes", PX_MERKLE_MAX_PROOF);
		if ((rc = node_at(out[*k], l, sib, size, get, ctx)) < 0)
			return rc;
		(*k)++;
	}
	return 0;
}

int
px_merkle_inclusion_proof(uint8_t out[][32], size_t *n, uint64_t index,
    uint64_t size, px_merkle_get_fn get, void *ctx)
{
	size_t k = 0;
	int rc;

	*n = 0;
	if (index >= size)
		return px_error_set(PX_EINVAL,
		    "leaf %llu is not in a tree of %llu leaves",
		    (unsigned long long)index, (unsigned long long)size);
	if ((rc = path_up(out, &k, 0, index, size, get, ctx)) < 0)
		return rc;
	*n = k;
	return 0;
}

int
px_merkle_consistency_proof(uint8_t out[][32], size_t *n, uint64_t size1,
    uint64_t size2, px_merkle_get_fn get, void *ctx)
{
	unsigned level;
	uint64_t index;
	size_t k = 0;
	int rc;

	*n = 0;
	if (size1 > size2)
		return px_error_set(PX_EINVAL,
		    "no consistency proof from %llu leaves to fewer (%llu)",
		    (unsigned long long)size1, (unsigned long long)size2);
	if (size1 == 0 || size1 == size2)
		return 0;
	/* The old tree's last complete subtree, the largest one ending at
	 * size1, is a node of both trees; the proof is that node (unless it
	 * is the whole old tree, whose root the verifier has) and its path
	 * up the new tree (RFC 9162 SUBPROOF, read bottom-up). */
	level = (unsigned)__builtin_ctzll(size1);
	index = (size1 - 1) >> level;
	if (index != 0) {
		if ((rc = get(ctx, level, index, out[k])) < 0)
			return rc;
		k++;
	}
	if ((rc = path_up(out, &k, level, index, size2, get, ctx)) < 0)
		return rc;
	*n = k;
	return 0;
}

/* The length of a correct inclusion proof for leaf index in size leaves:
 * the levels below where the paths to index and to the last leaf meet,
 * plus a left sibling for each 1 bit above. */
static size_t
inclusion_len(uint64_t index, uint64_t size)
{
	unsigned inner = bit_len(index ^ (size - 1));

	return inner + (inner < 64 ? __builtin_popcountll(index >> inner) : 0);
}

int
px_merkle_verify_inclusion(const uint8_t leaf[32], uint64_t index,
    uint64_t size, const uint8_t proof[][32], size_t n, const uint8_t root[32])
{
	uint64_t fn = index, sn;
	uint8_t r[32];
	size_t want;

	if (index >= size)
		return px_error_set(PX_EINVAL,
		    "leaf index %llu is not below the tree size %llu",
		    (unsigned long long)index, (unsigned long long)size);
	want = inclusion_len(index, size);
	if (n != want)
		return px_error_set(PX_EINVAL,
		    "inclusion proof has %zu hashes; leaf %llu of a tree of "
		    "%llu needs %zu",
		    n, (unsigned long long)index, (unsigned long long)size,
		    want);
	/* RFC 9162 section 2.1.3.2, step by step. */
	sn = size - 1;
	memcpy(r, leaf, 32);
	for (size_t i = 0; i < n; i++) {
		if (sn == 0)
			return px_error_set(
			    PX_EINVAL, "inclusion proof is too long");
		if ((fn & 1) || fn == sn) {
			px_merkle_node_hash(r, proof[i], r);
			if (!(fn & 1))
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			px_merkle_node_hash(r, r, proof[i]);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return px_error_set(PX_EINVAL, "inclusion proof is too short");
	if (memcmp(r, root, 32) != 0)
		return px_error_set(PX_EINVAL,
		    "inclusion proof for leaf %llu leads to another root than "
		    "the tree of %llu leaves has",
		    (unsigned long long)index, (unsigned long long)size);
	return 0;
}

/* The length of a correct consistency proof for 0 < size1 < size2 (the
 * transparency-dev/merkle decomposition, RFC 9162 section 2.1.4.1). */
static size_t
consistency_len(uint64_t size1, uint64_t size2)
{
	unsigned shift = (unsigned)__builtin_ctzll(size1);
	size_t inner = bit_len((size1 - 1) ^ (size2 - 1));
	size_t border =
	    inner < 64 ? (size_t)__builtin_popcountll((size1 - 1) >> inner) : 0;

	return (size1 == (uint64_t)1 << shift ? 0 : 1) + (inner - shift) +
	    border;
}

int
px_merkle_verify_consistency(uint64_t size1, uint64_t size2,
    const uint8_t root1[32], const uint8_t root2[32], const uint8_t proof[][32],
    size_t n)
{
	uint64_t fn, sn;
	uint8_t fr[32], sr[32];
	size_t i = 0, want;

	if (size1 > size2)
		return px_error_set(PX_EINVAL,
		    "the new tree (%llu leaves) is smaller than the old (%llu)",
		    (unsigned long long)size2, (unsigned long long)size1);
	if (size1 == 0)
		return px_error_set(PX_EINVAL,
		    "a consistency proof from the empty tree proves nothing");
	if (size1 == size2) {
		if (n != 0)
			return px_error_set(PX_EINVAL,
			    "trees of equal size need an empty consistency "
			    "proof, not %zu hashes",
			    n);
		if (memcmp(root1, root2, 32) != 0)
			return px_error_set(PX_EINVAL,
			    "two different roots for the same tree size %llu",
			    (unsigned long long)size1);
		return 0;
	}
	want = consistency_len(size1, size2);
	if (n != want)
		return px_error_set(PX_EINVAL,
		    "consistency proof has %zu hashes; %llu to %llu leaves "
		    "needs %zu",
		    n, (unsigned long long)size1, (unsigned long long)size2,
		    want);
	/* RFC 9162 section 2.1.4.2; when size1 is a power of two the old
	 * root is the proof's implicit first element. */
	if ((size1 & (size1 - 1)) == 0) {
		memcpy(fr, root1, 32);
	} else {
		memcpy(fr, proof[0], 32);
		i = 1;
	}
	memcpy(sr, fr, 32);
	fn = size1 - 1;
	sn = size2 - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < n; i++) {
		if (sn == 0)
			return px_error_set(
			    PX_EINVAL, "consistency proof is too long");
		if ((fn & 1) || fn == sn) {
			px_merkle_node_hash(fr, proof[i], fr);
			px_merkle_node_hash(sr, proof[i], sr);
			if (!(fn & 1))
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			px_merkle_node_hash(sr, sr, proof[i]);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return px_error_set(
		    PX_EINVAL, "consistency proof is too short");
	if (memcmp(fr, root1, 32) != 0)
		return px_error_set(PX_EINVAL,
		    "consistency proof does not lead to the old root (%llu "
		    "leaves)",
		    (unsigned long long)size1);
	if (memcmp(sr, root2, 32) != 0)
		return px_error_set(PX_EINVAL,
		    "consistency proof does not lead to the new root (%llu "
		    "leaves): the new tree does not extend the old one",
		    (unsigned long long)size2);
	return 0;
}

/* The largest complete node that starts at p and ends at or before end:
 * its level. */
static unsigned
fit_level(uint64_t p, uint64_t end)
{
	unsigned l = p ? (unsigned)__builtin_ctzll(p) : 63;

	while (l > 0 && (end - p) < ((uint64_t)1 << l))
		l--;
	return l;
}

size_t
px_merkle_cover(
    struct px_merkle_span out[], uint64_t from, uint64_t to, uint64_t size)
{
	uint64_t p = from, stop = to;
	size_t n = 0;

	assert(from <= to && to <= size);
	if (to == size && from < size) {
		/* Where the root's decomposition starts a subtree: size with
		 * the bits below one of its set bits cleared.  The smallest
		 * such place at or after `from` starts the right-edge node. */
		for (int b = 63; b >= 0; b--) {
			uint64_t start;

			if (!((size >> b) & 1))
				continue;
			start = b == 63 ? 0 : size & ~(((uint64_t)2 << b) - 1);
			if (start >= from) {
				stop = start;
				break;
			}
		}
	}
	while (p < stop) {
		uint64_t len = (uint64_t)1 << fit_level(p, stop);

		out[n].start = p;
		out[n].end = p + len;
		n++;
		p += len;
	}
	if (to == size && p < size) {
		out[n].start = p;
		out[n].end = size;
		n++;
	}
	return n;
}

size_t
px_merkle_path_spans(struct px_merkle_span out[], uint64_t index, uint64_t size)
{
	unsigned top = tree_height(size);
	size_t k = 0;

	for (unsigned l = 0; l < top; l++, index >>= 1) {
		uint64_t sib = index ^ 1, start = sib << l;

		if (sib > index && start >= size)
			continue;
		out[k].start = start;
		out[k].end = size - start < ((uint64_t)1 << l)
		    ? size
		    : start + ((uint64_t)1 << l);
		k++;
	}
	return k;
}

/* Whether sp is a complete node: a power of two long, aligned to it. */
static bool
span_complete(struct px_merkle_span sp, unsigned *level)
{
	uint64_t len = sp.end - sp.start;

	if (len == 0 || (len & (len - 1)) != 0 || (sp.start & (len - 1)) != 0)
		return false;
	*level = (unsigned)__builtin_ctzll(len);
	return true;
}

int
px_merkle_span_hash(uint8_t out[32], struct px_merkle_span sp, uint64_t size,
    px_merkle_get_fn get, void *ctx)
{
	unsigned level;

	if (span_complete(sp, &level))
		return get(ctx, level, sp.start >> level, out);
	return fold_range(out, sp.start, size - sp.start, get, ctx);
}

void
px_merkle_acc_init(struct px_merkle_acc *a, uint64_t size)
{
	memset(a, 0, sizeof(*a));
	a->size = size;
}

int
px_merkle_acc_add(
    struct px_merkle_acc *a, struct px_merkle_span sp, const uint8_t hash[32])
{
	unsigned level;

	if (a->edge || sp.start != a->at || sp.end <= sp.start ||
	    sp.end > a->size)
		return px_error_set(PX_EINVAL,
		    "leaves [%llu, %llu) do not follow the %llu before them in "
		    "a tree of %llu",
		    (unsigned long long)sp.start, (unsigned long long)sp.end,
		    (unsigned long long)a->at, (unsigned long long)a->size);
	if (!span_complete(sp, &level)) {
		/* The right-edge node: it must end the tree, and start where
		 * the root's decomposition starts a subtree, which the stack
		 * then holds exactly (the binary digits of sp.start above
		 * those of the rest). */
		unsigned h = tree_height(sp.end - sp.start);

		if (sp.end != a->size ||
		    (h < 64 ? sp.start & (((uint64_t)1 << h) - 1) : sp.start) !=
		        0)
			return px_error_set(PX_EINVAL,
			    "leaves [%llu, %llu) are not a node of the tree of "
			    "%llu",
			    (unsigned long long)sp.start,
			    (unsigned long long)sp.end,
			    (unsigned long long)a->size);
		memcpy(a->h[a->n], hash, 32);
		a->edge = true;
		a->at = sp.end;
		return 0;
	}
	memcpy(a->h[a->n], hash, 32);
	a->level[a->n++] = level;
	/* Binary addition: two complete siblings of one level make their
	 * parent. */
	while (a->n >= 2 && a->level[a->n - 1] == a->level[a->n - 2]) {
		px_merkle_node_hash(
		    a->h[a->n - 2], a->h[a->n - 2], a->h[a->n - 1]);
		a->level[a->n - 2]++;
		a->n--;
	}
	a->at = sp.end;
	return 0;
}

int
px_merkle_acc_root(struct px_merkle_acc *a, uint8_t out[32])
{
	uint8_t r[32];
	unsigned i;

	if (a->at != a->size || a->size == 0)
		return px_error_set(PX_EINVAL,
		    "the leaves and nodes given end at %llu, not at the "
		    "tree's size %llu",
		    (unsigned long long)a->at, (unsigned long long)a->size);
	/* Right to left, as the RFC tree splits: the right-edge node (or
	 * the last complete one) is the innermost right child. */
	i = a->edge ? a->n : a->n - 1;
	memcpy(r, a->h[i], 32);
	while (i-- > 0)
		px_merkle_node_hash(r, a->h[i], r);
	memcpy(out, r, 32);
	return 0;
}
