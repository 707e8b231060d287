/*
 * The chunk store: content-addressed storage of large objects (evidence
 * items today; any content a module wants to keep by its hash, such as a
 * batch of feed events) under the node directory:
 *
 *   DIR/evidence/chunks/ab/<sha256>   one chunk, named by the SHA-256 of
 *                                     its bytes (ab: its first two digits)
 *   DIR/evidence/items/<root>         an object: the digests of its chunks
 *                                     in order, 32 bytes each
 *   DIR/evidence/staging/<key>/       an object arriving: "list" (its
 *                                     digests, once checked), and each
 *                                     chunk received so far, named by its
 *                                     index (8 decimal digits)
 *
 * Directories are mode 0700 and files 0600, like the rest of a node
 * directory.  A chunk is written to a temporary name and renamed, so a
 * chunk file that exists holds its whole content (or, after a power
 * loss, what the disk kept: readers check digests, px_chunks_get with
 * `verify`).  An object is visible (its list under items/) only once all
 * its chunks are in; a staged one never is.  Chunks are shared between
 * objects that hold the same bytes.
 *
 * The store knows bytes and digests only; what a root is (a Merkle tree
 * hash for evidence, model/evidence.h) is for its users to compute.
 * Everything here is safe for several threads and processes at once, as
 * long as they do not stage the same key.
 *
 * How to reuse it: px_chunks_put_file (or px_chunks_put for each piece),
 * compute the root over the digests, px_chunks_list_put; read it back
 * with px_chunks_list_get and px_chunks_get, or px_chunks_read.
 */
#ifndef PX_CHUNKS_H
#define PX_CHUNKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

#define PX_CHUNK_SIZE (1u << 20) /* the size of every chunk but the last */

typedef uint8_t px_digest[32];

struct px_chunks;

/* Opens (creating the directories) the store of the node in `node_dir`;
 * free with px_chunks_free. */
PX_MUST_CHECK int px_chunks_open(struct px_chunks **out, const char *node_dir);
void px_chunks_free(struct px_chunks *s);
/* The store's directory (DIR/evidence); borrowed. */
const char *px_chunks_dir(const struct px_chunks *s);

/* Stores `len` bytes as one chunk (already stored: nothing written);
 * `digest` gets its SHA-256. */
PX_MUST_CHECK int px_chunks_put(
    struct px_chunks *s, const void *data, size_t len, px_digest digest);
/* Reads chunk `digest` into `out` (reset first).  With `verify`, its
 * bytes are hashed: PX_EINVAL if they no longer match.  PX_ENOTFOUND if
 * it is missing. */
PX_MUST_CHECK int px_chunks_get(struct px_chunks *s, const px_digest digest,
    struct px_buf *out, bool verify);

/* What px_chunks_put_file made: the digests of the chunks (heap, the
 * caller frees), the file's size and its SHA-256. */
struct px_chunks_file {
	px_digest *digests;
	size_t n;
	int64_t size;
	px_digest sha256;
};
/* Reads the file at `path` (at most `max` bytes) in chunks of
 * PX_CHUNK_SIZE, stores each, and fills *out; the caller then stores the
 * list under its root.  Holds one chunk in memory. */
PX_MUST_CHECK int px_chunks_put_file(struct px_chunks *s, const char *path,
    int64_t max, struct px_chunks_file *out);
/* Makes everything written so far durable (one syncfs of the store's
 * file system: cheaper than an fsync per chunk). */
PX_MUST_CHECK int px_chunks_sync(struct px_chunks *s);

/* An object's chunk list under `root` (64 hex digits). */
PX_MUST_CHECK int px_chunks_list_put(
    struct px_chunks *s, const char *root, const px_digest *digests, size_t n);
/* *out (heap, caller frees) gets the list, *n its length; PX_ENOTFOUND if
 * no object has this root. */
PX_MUST_CHECK int px_chunks_list_get(
    struct px_chunks *s, const char *root, px_digest **out, size_t *n);
/* Forgets the object (its chunks stay while another object shares them;
 * px_chunks_gc removes the rest). */
PX_MUST_CHECK int px_chunks_list_remove(struct px_chunks *s, const char *root);
/* Removes chunks that no object lists and no staging area holds. */
PX_MUST_CHECK int px_chunks_gc(struct px_chunks *s, size_t *removed);

/* Reads object `root` in order, giving each chunk's bytes to `cb` (a
 * non-zero return stops and is returned), checking each against its
 * digest when `verify` (PX_EINVAL naming the chunk's index if one
 * differs; PX_ENOTFOUND if one is missing, always); *sha256 (may be
 * NULL) gets the SHA-256 of the whole as read.  Holds one chunk in
 * memory. */
PX_MUST_CHECK int px_chunks_read(struct px_chunks *s, const char *root,
    bool verify, int (*cb)(void *arg, const void *data, size_t len), void *arg,
    px_digest sha256);

/* Staging: an object arriving in pieces under `key` (64 hex digits). */
/* Records the object's checked chunk list (once; again is a no-op). */
PX_MUST_CHECK int px_chunks_stage_list_put(
    struct px_chunks *s, const char *key, const px_digest *digests, size_t n);
/* The recorded list; PX_ENOTFOUND before px_chunks_stage_list_put. */
PX_MUST_CHECK int px_chunks_stage_list_get(
    struct px_chunks *s, const char *key, px_digest **out, size_t *n);
/* Keeps chunk `index` (its bytes already checked by the caller). */
PX_MUST_CHECK int px_chunks_stage_put(struct px_chunks *s, const char *key,
    size_t index, const void *data, size_t len);
/* Reads staged chunk `index` into `out` (reset first); PX_ENOTFOUND. */
PX_MUST_CHECK int px_chunks_stage_get(
    struct px_chunks *s, const char *key, size_t index, struct px_buf *out);
/* 1 if chunk `index` is staged, else 0. */
int px_chunks_stage_has(struct px_chunks *s, const char *key, size_t index);
/* Checks every staged chunk against the list (`size` is the object's
 * size, giving the last chunk's length), removing any that no longer
 * matches (a torn write); *have gets how many are staged, *next the
 * first index missing (n when complete). */
PX_MUST_CHECK int px_chunks_stage_scan(struct px_chunks *s, const char *key,
    int64_t size, size_t *have, size_t *next);
/* Moves every staged chunk into the store, records the list under
 * `root`, makes it durable, and removes the staging area.  Every chunk
 * must be staged. */
PX_MUST_CHECK int px_chunks_stage_commit(
    struct px_chunks *s, const char *key, const char *root);
/* Removes the staging area of `key` and what it holds. */
PX_MUST_CHECK int px_chunks_stage_discard(struct px_chunks *s, const char *key);
/* 1 if a staging area exists for `key`. */
int px_chunks_stage_exists(struct px_chunks *s, const char *key);

#endif
