/*
 * The log's tree as the SQLite store keeps it: complete nodes in
 * log_nodes, complete tiles in log_tiles, and each connection's tile
 * cache (store_sqlite_log.c).  Every answer read through the cache
 * (tree_get) must be the one an in-memory tree of the same leaves gives,
 * across commits, rollbacks of transactions and savepoints that wrote
 * nodes, a second connection appending behind the first one's back, and
 * a log whose tiles were never stored (schema 5).
 */
#include <sqlite3.h>
#include <unistd.h>

#include "helpers.h"
#include "ledger/merkle.h"
#include "store/store.h"

#define MAXN 5000

/* The reference: every complete node, recomputed from the leaves. */
struct ref {
	uint8_t (*lv[64])[32];
	uint64_t n;
};

static int
ref_get(void *ctx, unsigned level, uint64_t idx, uint8_t out[32])
{
	struct ref *r = ctx;

	if (level >= 64 || idx >= r->n >> level)
		return px_error_set(PX_ERR, "not complete");
	memcpy(out, r->lv[level][idx], 32);
	return 0;
}

static void
ref_leaf(uint8_t out[32], uint64_t i, int variant)
{
	char text[48];

	snprintf(text, sizeof(text), "entry %llu/%d", (unsigned long long)i,
	    variant);
	px_merkle_leaf_hash(out, text, strlen(text));
}

/* Leaves [0, n): variant 0 below `from`, `variant` from there on. */
static void
ref_init_from(struct ref *r, uint64_t n, int variant, uint64_t from)
{
	memset(r, 0, sizeof(*r));
	for (unsigned l = 0; l < 64; l++)
		r->lv[l] = px_calloc(MAXN + 1, 32);
	for (uint64_t i = 0; i < n; i++) {
		struct px_merkle_node nodes[64];
		unsigned nn;
		uint8_t leaf[32];

		ref_leaf(leaf, i, i < from ? 0 : variant);
		assert_int_equal(
		    px_merkle_append(nodes, &nn, i, leaf, ref_get, r), 0);
		for (unsigned k = 0; k < nn; k++)
			memcpy(r->lv[nodes[k].level][nodes[k].index],
			    nodes[k].hash, 32);
		r->n = i + 1;
	}
}

static void
ref_init(struct ref *r, uint64_t n, int variant)
{
	ref_init_from(r, n, variant, 0);
}

static void
ref_free(struct ref *r)
{
	for (unsigned l = 0; l < 64; l++)
		free(r->lv[l]);
}

static int
cached_get(void *ctx, unsigned level, uint64_t idx, uint8_t out[32])
{
	struct px_store *s = ctx;

	return PX_STORE_CALL(s, tree_get, level, idx, out);
}

/* Appends leaves [from, to) of `variant` through the store. */
static void
append(struct px_store *s, uint64_t from, uint64_t to, int variant)
{
	for (uint64_t i = from; i < to; i++) {
		struct px_merkle_node nodes[64];
		unsigned nn;
		uint8_t leaf[32];

		ref_leaf(leaf, i, variant);
		assert_int_equal(
		    px_merkle_append(nodes, &nn, i, leaf, cached_get, s), 0);
		for (unsigned k = 0; k < nn; k++)
			assert_int_equal(
			    PX_STORE_CALL(s, node_put, nodes[k].level,
			        nodes[k].index, nodes[k].hash),
			    0);
	}
}

/* Every inclusion proof at a few sizes up to r->n, and the roots, read
 * through the store equal the reference's; so does every node. */
static void
check(struct px_store *s, struct ref *r)
{
	uint64_t sizes[] = { 1, 63, 64, 65, 4095, 4096, 4097, r->n - 1, r->n };

	for (size_t k = 0; k < PX_ARRAY_LEN(sizes); k++) {
		uint64_t size = sizes[k];
		uint8_t a[32], b[32];

		if (size == 0 || size > r->n)
			continue;
		assert_int_equal(px_merkle_root(a, size, cached_get, s), 0);
		assert_int_equal(px_merkle_root(b, size, ref_get, r), 0);
		assert_memory_equal(a, b, 32);
		for (uint64_t i = 0; i < size; i += 1 + size / 97) {
			uint8_t pa[64][32], pb[64][32];
			size_t na, nb;

			assert_int_equal(px_merkle_inclusion_proof(
			                     pa, &na, i, size, cached_get, s),
			    0);
			assert_int_equal(px_merkle_inclusion_proof(
			                     pb, &nb, i, size, ref_get, r),
			    0);
			assert_int_equal(na, nb);
			assert_memory_equal(pa, pb, na * 32);
		}
	}
	for (unsigned l = 0; l < 13; l++)
		for (uint64_t i = 0; i < r->n >> l; i++) {
			uint8_t h[32];

			assert_int_equal(
			    PX_STORE_CALL(s, tree_get, l, i, h), 0);
			assert_memory_equal(h, r->lv[l][i], 32);
		}
}

struct fx {
	char dir[64], *path;
};

static int
setup(void **state)
{
	struct fx *f = px_calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/px-logtree-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->path = px_asprintf("%s/t.db", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char *wal = px_asprintf("%s-wal", f->path);
	char *shm = px_asprintf("%s-shm", f->path);

	unlink(f->path);
	unlink(wal);
	unlink(shm);
	rmdir(f->dir);
	free(wal);
	free(shm);
	free(f->path);
	free(f);
	return 0;
}

/* Appends in commits of various sizes: the cache and the stored tiles
 * agree with the reference, and every complete tile was stored. */
static void
test_tiles_match(void **state)
{
	struct fx *f = *state;
	struct px_store *s = NULL;
	struct ref r;
	uint64_t n = 0;

	assert_int_equal(px_store_open_sqlite(&s, f->path, true), 0);
	while (n < MAXN) {
		uint64_t to = n + 1 + (n * 7919 % 700);

		if (to > MAXN)
			to = MAXN;
		assert_int_equal(PX_STORE_CALL0(s, begin), 0);
		append(s, n, to, 0);
		assert_int_equal(PX_STORE_CALL0(s, commit), 0);
		n = to;
	}
	ref_init(&r, n, 0);
	check(s, &r);
	/* Tiles: level 0 covers 64 leaves, level 1 4096. */
	for (unsigned k = 0; k < 2; k++)
		for (uint64_t t = 0;; t++) {
			uint8_t tile[PX_TILE_NODES][32];
			unsigned slot = 0;
			int rc = PX_STORE_CALL(s, tile_get, k, t, tile);

			if (((t + 1) << (6 * (k + 1))) > n) {
				assert_int_equal(rc, PX_ENOTFOUND);
				break;
			}
			assert_int_equal(rc, 0);
			for (unsigned l = 0; l < 6; l++)
				for (uint64_t j = 0; j < (64u >> l); j++)
					assert_memory_equal(tile[slot++],
					    r.lv[6 * k + l][(t << (6 - l)) + j],
					    32);
		}
	px_store_close(s);
	ref_free(&r);
}

/* Nodes written and rolled back (whole transaction, then a savepoint)
 * are forgotten: the other leaves written at the same places win, also
 * when another connection writes them. */
static void
test_rollback(void **state)
{
	struct fx *f = *state;
	struct px_store *s = NULL;
	struct ref r;

	struct px_store *o = NULL;

	assert_int_equal(px_store_open_sqlite(&s, f->path, true), 0);
	assert_int_equal(px_store_open_sqlite(&o, f->path, false), 0);
	assert_int_equal(PX_STORE_CALL0(s, begin), 0);
	append(s, 0, 1000, 0);
	assert_int_equal(PX_STORE_CALL0(s, commit), 0);
	/* Variant 3 over 1000..4200 read back and rolled back; then the
	 * other connection writes variant 0 there. */
	assert_int_equal(PX_STORE_CALL0(s, begin), 0);
	append(s, 1000, 4200, 3);
	ref_init_from(&r, 4200, 3, 1000);
	check(s, &r);
	ref_free(&r);
	PX_STORE_CALL0(s, rollback);
	assert_int_equal(PX_STORE_CALL0(o, begin), 0);
	append(o, 1000, 4200, 0);
	assert_int_equal(PX_STORE_CALL0(o, commit), 0);
	ref_init(&r, 4200, 0);
	check(s, &r);
	ref_free(&r);
	px_store_close(o);
	/* Variant 1 over 4200..4500 here, read back, rolled back. */
	assert_int_equal(PX_STORE_CALL0(s, begin), 0);
	append(s, 4200, 4500, 1);
	{
		uint8_t p[64][32];
		size_t np;

		assert_int_equal(
		    px_merkle_inclusion_proof(p, &np, 5, 4500, cached_get, s),
		    0);
	}
	PX_STORE_CALL0(s, rollback);
	/* A savepoint inside a transaction, rolled back the same way. */
	assert_int_equal(PX_STORE_CALL0(s, begin), 0);
	append(s, 4200, 4300, 0);
	assert_int_equal(PX_STORE_CALL0(s, begin), 0);
	append(s, 4300, 4450, 2);
	PX_STORE_CALL0(s, rollback);
	append(s, 4300, 4600, 0);
	assert_int_equal(PX_STORE_CALL0(s, commit), 0);
	ref_init(&r, 4600, 0);
	check(s, &r);
	px_store_close(s);
	ref_free(&r);
}

/* A second connection appends; the first, whose cache holds the right
 * edge in part, reads the new nodes right. */
static void
test_two_connections(void **state)
{
	struct fx *f = *state;
	struct px_store *a = NULL, *b = NULL;
	struct ref r;

	assert_int_equal(px_store_open_sqlite(&a, f->path, true), 0);
	assert_int_equal(px_store_open_sqlite(&b, f->path, false), 0);
	assert_int_equal(PX_STORE_CALL0(a, begin), 0);
	append(a, 0, 700, 0);
	assert_int_equal(PX_STORE_CALL0(a, commit), 0);
	ref_init(&r, 700, 0);
	check(b, &r);
	ref_free(&r);
	assert_int_equal(PX_STORE_CALL0(a, begin), 0);
	append(a, 700, 4500, 0);
	assert_int_equal(PX_STORE_CALL0(a, commit), 0);
	ref_init(&r, 4500, 0);
	check(b, &r);
	/* b appends too, after what a wrote; a follows. */
	assert_int_equal(PX_STORE_CALL0(b, begin), 0);
	append(b, 4500, 4700, 0);
	assert_int_equal(PX_STORE_CALL0(b, commit), 0);
	ref_free(&r);
	ref_init(&r, 4700, 0);
	check(a, &r);
	px_store_close(a);
	px_store_close(b);
	ref_free(&r);
}

/* A log from before tiles (log_tiles empty, or some missing) answers
 * the same, from log_nodes; a damaged stored tile is refused, not used. */
static void
test_no_tiles(void **state)
{
	struct fx *f = *state;
	struct px_store *s = NULL;
	struct ref r;
	sqlite3 *db;
	uint8_t h[32];

	assert_int_equal(px_store_open_sqlite(&s, f->path, true), 0);
	assert_int_equal(PX_STORE_CALL0(s, begin), 0);
	append(s, 0, 4200, 0);
	assert_int_equal(PX_STORE_CALL0(s, commit), 0);
	px_store_close(s);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(
	        db, "DELETE FROM log_tiles WHERE id % 2 = 0", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_true(sqlite3_changes(db) > 30);
	sqlite3_close(db);
	assert_int_equal(px_store_open_sqlite(&s, f->path, false), 0);
	ref_init(&r, 4200, 0);
	check(s, &r);
	px_store_close(s);
	ref_free(&r);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db, "UPDATE log_tiles SET hashes = x'00' WHERE id = 1",
	        NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(px_store_open_sqlite(&s, f->path, false), 0);
	/* Node (0, 64) is in tile 1. */
	assert_int_equal(PX_STORE_CALL(s, tree_get, 0, 64, h), PX_ERR);
	assert_non_null(strstr(px_error_last(), "tile"));
	px_store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_tiles_match, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_two_connections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_tiles, setup, teardown),
	};

	if (px_crypto_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
