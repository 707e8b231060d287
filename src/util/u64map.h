/*
 * A hash map from 64-bit keys to 32-bit values (open addressing, linear
 * probing), for the ingest pipeline's small per-run tables: callers keep
 * their records in an array and map a key (often px_hash64 of a string,
 * checked against the record) to the record's index.
 * Embed it; px_u64map_init / px_u64map_dispose.
 */
#ifndef PX_U64MAP_H
#define PX_U64MAP_H

#include <stddef.h>
#include <stdint.h>

struct px_u64map {
	uint64_t *keys; /* 0 marks an empty slot (key 0 is stored as 1) */
	uint32_t *vals;
	size_t cap, n;
};

void px_u64map_init(struct px_u64map *m);
void px_u64map_dispose(struct px_u64map *m);
/* Empties the map, keeping its storage. */
void px_u64map_clear(struct px_u64map *m);
/* The value for `key`, or -1.  With `probe` (may be NULL), iterates the
 * values of keys that collide on the slot: pass *probe = 0 first, and
 * again while the returned value is not the record wanted. */
int64_t px_u64map_get(const struct px_u64map *m, uint64_t key, size_t *probe);
/* Adds key -> val (a key may be added more than once: collisions of
 * string hashes are told apart by the caller). */
void px_u64map_put(struct px_u64map *m, uint64_t key, uint32_t val);

/* A 64-bit hash of bytes (not cryptographic; spreads well), for keys of
 * these maps and of the deduplication index. */
uint64_t px_hash64(const void *p, size_t n, uint64_t seed);

#endif
