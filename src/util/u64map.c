#include "util/u64map.h"
#include "util/util.h"

void
px_u64map_init(struct px_u64map *m)
{
	memset(m, 0, sizeof(*m));
}

void
px_u64map_dispose(struct px_u64map *m)
{
	free(m->keys);
	free(m->vals);
	px_u64map_init(m);
}

void
px_u64map_clear(struct px_u64map *m)
{
	if (m->keys)
		memset(m->keys, 0, m->cap * sizeof(*m->keys));
	m->n = 0;
}

static inline uint64_t
norm(uint64_t k)
{
	return k ? k : 1;
}

int64_t
px_u64map_get(const struct px_u64map *m, uint64_t key, size_t *probe)
{
	size_t i;

	if (m->cap == 0)
		return -1;
	key = norm(key);
	/* *probe holds the slot to go on from, plus one (0: start). */
	i = probe && *probe ? *probe - 1 : (size_t)(key & (m->cap - 1));
	for (;; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == 0)
			return -1;
		if (m->keys[i] == key) {
			if (probe)
				*probe = ((i + 1) & (m->cap - 1)) + 1;
			return m->vals[i];
		}
	}
}

static void
insert(uint64_t *keys, uint32_t *vals, size_t cap, uint64_t key, uint32_t v)
{
	size_t i = (size_t)(key & (cap - 1));

	while (keys[i] != 0)
		i = (i + 1) & (cap - 1);
	keys[i] = key;
	vals[i] = v;
}

void
px_u64map_put(struct px_u64map *m, uint64_t key, uint32_t val)
{
	/* At most half full: most lookups of the ingest miss, and a miss
	 * walks to an empty slot (2.5 slots on average at one half, 8.5 at
	 * three quarters). */
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		uint64_t *k = px_calloc(cap, sizeof(*k));
		uint32_t *v = px_calloc(cap, sizeof(*v));

		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i])
				insert(k, v, cap, m->keys[i], m->vals[i]);
		free(m->keys);
		free(m->vals);
		m->keys = k;
		m->vals = v;
		m->cap = cap;
	}
	insert(m->keys, m->vals, m->cap, norm(key), val);
	m->n++;
}

static inline uint64_t
rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t
mix(uint64_t z)
{
	/* The splitmix64 finaliser: every input bit reaches every output
	 * bit. */
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint64_t
px_hash64(const void *data, size_t n, uint64_t seed)
{
	const uint8_t *p = data;
	uint64_t h = seed ^ (n * UINT64_C(0x9e3779b97f4a7c15));

	while (n >= 8) {
		uint64_t k;

		memcpy(&k, p, 8);
		h = rotl(h ^ mix(k), 29) * UINT64_C(0xff51afd7ed558ccd);
		p += 8;
		n -= 8;
	}
	if (n) {
		uint64_t k = 0;

		memcpy(&k, p, n);
		h = rotl(h ^ mix(k ^ n), 29) * UINT64_C(0xff51afd7ed558ccd);
	}
	return mix(h);
}
