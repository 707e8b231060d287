/*
 * SQLite backend, part two: the node's Merkle log (entries, complete tree
 * nodes, signed checkpoints) and what witnessing keeps (peers'
 * checkpoints, cosignatures, proofs, alerts).  See docs/ledger.md.
 */
#include "store/sqlite_internal.h"
#include "util/util.h"

enum lq {
	L_SIZE = PX_SQ_FIRST_LOG_STMT,
	L_PUT,
	L_GET,
	L_FIND,
	L_LIST,
	N_PUT,
	N_GET,
	C_PUT,
	C_GET,
	C_LATEST,
	CS_PUT,
	CS_LIST,
	PC_PUT,
	PC_LIST,
	W_GET,
	W_PUT,
	P_PUT,
	P_GET,
	P_LIST,
	K_PUT,
	K_LIST,
	A_PUT,
	A_LIST,
	S_PUT,
	S_LIST,
	T_PUT,
	T_GET,
	T_LIST,
	T_REV,
	CS_FIRST,
	C_TIME,
	L__END
};
_Static_assert(L__END <= PX_SQ_FIRST_SCHED_STMT, "statement slots");

static const char *const lsql[] = {
	[L_SIZE - PX_SQ_FIRST_LOG_STMT] =
	    /* By key, not count(*): an append must not scan the log. */
	"SELECT coalesce(max(idx) + 1, 0) FROM log_entries",
	[L_PUT - PX_SQ_FIRST_LOG_STMT] =
	    "INSERT INTO log_entries (idx, kind, obj_hash, peer, time_ms, "
	    "entry) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[L_GET - PX_SQ_FIRST_LOG_STMT] =
	    "SELECT idx, kind, obj_hash, peer, time_ms, entry FROM "
	    "log_entries WHERE idx = ?1",
	[L_FIND - PX_SQ_FIRST_LOG_STMT] =
	    "SELECT idx FROM log_entries WHERE peer = ?1 AND time_ms = ?2 "
	    "AND obj_hash = ?3",
	[L_LIST - PX_SQ_FIRST_LOG_STMT] =
	    "SELECT idx, kind, obj_hash, peer, time_ms, entry FROM "
	    "log_entries WHERE (?1 IS NULL OR peer = ?1) AND time_ms >= ?2 "
	    "AND time_ms <= ?3 ORDER BY idx",
	[N_PUT - PX_SQ_FIRST_LOG_STMT] =
	    "INSERT INTO log_nodes (level, idx, hash) VALUES (?1, ?2, ?3)",
	[N_GET - PX_SQ_FIRST_LOG_STMT] =
	    "SELECT hash FROM log_nodes WHERE level = ?1 AND idx = ?2",
	[C_PUT - PX_SQ_FIRST_LOG_STMT] =
	    "INSERT OR IGNORE INTO log_checkpoints (size, note, time_ms) "
	    "VALUES (?1, ?2, ?3)",
	[C_GET - PX_SQ_FIRST_LOG_STMT] =
	    "SELECT note, size FROM log_checkpoints WHERE size = ?1",
	[C_LATEST - PX_SQ_FIRST_LOG_STMT] =
	    "SELECT note, size FROM log_checkpoints ORDER BY size DESC LIMIT 1",
	[CS_PUT - PX_SQ_FIRST_LOG_STMT] =
	    "INSERT OR IGNORE INTO cosignatures (origin, size, witness, line, "
	    "time_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
	/* SQLite takes the bare columns from the row of min(time_ms). */
	[CS_FIRST - PX_SQ_FIRST_LOG_STMT] =
	    "SELECT witness, size, min(time_ms) FROM cosignatures WHERE "
	    "origin = ?1 AND size > ?2 GROUP BY witness ORDER BY 3, witness",
	[C_TIME - PX_SQ_FIRST_LOG_STMT] =
	    "SELECT time_ms FROM log_checkpoints WHERE size = ?1",
	[CS_LIST - PX_SQ_FIRST_LOG_STMT] =
	    "SELECT size, witness, line FROM cosignatures WHERE origin = ?1 "
	    "AND (?2 < 0 OR size = ?2) ORDER BY size DESC, witness",
	[PC_PUT - PX_SQ_FIRST_LOG_STMT] =
	    "INSERT OR IGNORE INTO peer_checkpoints (peer, size, root, note, "
	    "seen_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
	[PC_LIST - PX_SQ_FIRST_LOG_STMT] =
	    "SELECT size, root, note FROM peer_checkpoints WHERE peer = ?1 "
	    "ORDER BY size, seen_ms",
	[W_GET - PX_SQ_FIRST_LOG_STMT] =
	    "SELECT size, root FROM witness WHERE peer = ?1",
	[W_PUT - PX_SQ_FIRST_LOG_STMT] =
	    "INSERT INTO witness (peer, size, root, updated_ms) VALUES (?1, "
	    "?2, ?3, ?4) ON CONFLICT (peer) DO UPDATE SET size = ?2, root = "
	    "?3, updated_ms = ?4",
	[P_PUT - PX_SQ_FIRST_LOG_STMT] =
	    "INSERT OR IGNORE INTO entry_proofs (obj_hash, peer, idx, size, "
	    "root, path, entry, time_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
	    "?8)",
	[P_GET - PX_SQ_FIRST_LOG_STMT] =
	    "SELECT obj_hash, peer, idx, size, root, path, entry, time_ms "
	    "FROM entry_proofs WHERE obj_hash = ?1",
	[P_LIST - PX_SQ_FIRST_LOG_STMT] =
	    "SELECT obj_hash, peer, idx, size, root, path, entry, time_ms "
	    "FROM entry_proofs WHERE peer = ?1 AND time_ms >= ?2 AND "
	    "time_ms <= ?3 ORDER BY size, idx",
	[K_PUT - PX_SQ_FIRST_LOG_STMT] =
	    "INSERT OR IGNORE INTO consistency (peer, size1, size2, path) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[K_LIST - PX_SQ_FIRST_LOG_STMT] =
	    "SELECT size1, size2, path FROM consistency WHERE peer = ?1 "
	    "ORDER BY size2, size1",
	[A_PUT - PX_SQ_FIRST_LOG_STMT] =
	    "INSERT INTO alerts (peer, kind, detail, evidence, time_ms) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_PUT - PX_SQ_FIRST_LOG_STMT] =
	    "INSERT OR IGNORE INTO sent_checkpoints (peer, size) VALUES (?1, "
	    "?2)",
	[S_LIST - PX_SQ_FIRST_LOG_STMT] =
	    "SELECT size, '', '' FROM sent_checkpoints WHERE peer = ?1 AND "
	    "size >= ?2 ORDER BY size DESC LIMIT 16",
	[T_PUT - PX_SQ_FIRST_LOG_STMT] =
	    "INSERT INTO tokens (hash, name, role, created_ms) VALUES (?1, "
	    "?2, ?3, ?4)",
	[T_GET - PX_SQ_FIRST_LOG_STMT] =
	    "SELECT name, role FROM tokens WHERE hash = ?1 AND revoked = 0",
	[T_LIST - PX_SQ_FIRST_LOG_STMT] =
	    "SELECT created_ms, name, role FROM tokens WHERE revoked = 0 "
	    "ORDER BY created_ms",
	[T_REV - PX_SQ_FIRST_LOG_STMT] =
	    "UPDATE tokens SET revoked = 1 WHERE name = ?1 AND revoked = 0",
	[A_LIST - PX_SQ_FIRST_LOG_STMT] =
	    "SELECT time_ms, kind, detail FROM alerts WHERE (?1 IS NULL OR "
	    "peer = ?1) ORDER BY id",
};

static sqlite3_stmt *
lprep(struct sq *s, enum lq q)
{
	return px_sq_prep(s, q, lsql[q - PX_SQ_FIRST_LOG_STMT]);
}

/* Runs a one-row query; returns SQLITE_ROW with the statement positioned,
 * or an error code (and resets). */
static int
one_row(struct sq *s, sqlite3_stmt *st, const char *doing, const char *nf)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 0;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return px_error_set(PX_ENOTFOUND, "%s", nf);
	return px_sq_fail(s, doing);
}

int
px_sq_log_size(struct px_store *b, int64_t *n)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, L_SIZE);
	int rc;

	if (st == NULL)
		return PX_ERR;
	if ((rc = one_row(s, st, "count log", "empty")) < 0)
		return rc;
	*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

int
px_sq_log_put(struct px_store *b, const struct px_log_row *r)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, L_PUT);

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, r->idx);
	px_sq_bind_text(st, 2, r->kind);
	px_sq_bind_text(st, 3, r->obj_hash);
	px_sq_bind_text(st, 4, r->peer);
	sqlite3_bind_int64(st, 5, r->time_ms);
	sqlite3_bind_blob(st, 6, r->entry, (int)r->len, SQLITE_STATIC);
	return px_sq_step_done(s, st, "append to log");
}

static void
read_log(sqlite3_stmt *st, struct px_log_row *r)
{
	const void *p = sqlite3_column_blob(st, 5);

	r->idx = sqlite3_column_int64(st, 0);
	r->kind = px_sq_col_dup(st, 1);
	r->obj_hash = px_sq_col_dup(st, 2);
	r->peer = px_sq_col_dup(st, 3);
	r->time_ms = sqlite3_column_int64(st, 4);
	r->len = (size_t)sqlite3_column_bytes(st, 5);
	r->entry = px_malloc(r->len + 1);
	if (r->len)
		memcpy(r->entry, p, r->len);
	r->entry[r->len] = 0;
}

int
px_sq_log_get(struct px_store *b, int64_t idx, struct px_log_row *out)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, L_GET);
	char nf[64];
	int rc;

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, idx);
	snprintf(nf, sizeof(nf), "no log entry %lld", (long long)idx);
	if ((rc = one_row(s, st, "read log", nf)) < 0)
		return rc;
	memset(out, 0, sizeof(*out));
	read_log(st, out);
	sqlite3_reset(st);
	return 0;
}

int
px_sq_log_find(struct px_store *b, const char *obj_hash, const char *peer,
    int64_t time_ms, int64_t *idx)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, L_FIND);
	int rc;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, peer);
	sqlite3_bind_int64(st, 2, time_ms);
	px_sq_bind_text(st, 3, obj_hash);
	if ((rc = one_row(s, st, "find log entry", "not in the log")) < 0)
		return rc;
	*idx = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

int
px_sq_log_list(struct px_store *b, const char *peer, int64_t from_ms,
    int64_t to_ms, px_log_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, L_LIST);
	struct px_log_row row;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, peer);
	sqlite3_bind_int64(st, 2, from_ms);
	sqlite3_bind_int64(st, 3, to_ms);
	FOREACH_ROW(
	    s, st, row, read_log, px_log_row_dispose, cb, arg, "list log");
}

/* A stored-node read from log_nodes alone. */
static int
node_read(struct sq *s, unsigned level, uint64_t idx, uint8_t hash[32])
{
	sqlite3_stmt *st = lprep(s, N_GET);
	int rc;

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int(st, 1, (int)level);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)idx);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
		memcpy(hash, sqlite3_column_blob(st, 0), 32);
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return px_error_set(PX_ERR,
		    "tree node (level %u, index %llu): stored hash is not 32 "
		    "bytes",
		    level, (unsigned long long)idx);
	if (rc == SQLITE_DONE)
		return px_error_set(PX_ENOTFOUND,
		    "tree node (level %u, index %llu) missing", level,
		    (unsigned long long)idx);
	return px_sq_fail(s, "read tree node");
}

int
px_sq_node_get(
    struct px_store *b, unsigned level, uint64_t idx, uint8_t hash[32])
{
	return node_read((struct sq *)b, level, idx, hash);
}

/*
 * The tile cache.  A proof reads one node per level; reading each with
 * its own SQL lookup (about 20 for a million entries, plus a fold on the
 * right edge) is what made proofs slow.  So complete nodes are also kept
 * by tile (docs/ledger.md section 2): tile (k, t) is the 126 complete
 * nodes of levels 6k .. 6k+5 under node (6k+6, t), stored as one
 * 4032-byte row when that node completes, and read back whole.  Each
 * connection keeps the tiles it used in a set-associative cache of
 * CACHE_SETS x CACHE_WAYS tiles (2 MB, whatever the size of the log).  A
 * proof touches one tile per 6 levels and the few upper ones stay
 * cached, so it costs one store read (two beyond 2^23 entries) and
 * memory reads.
 *
 * A tile not complete yet (the right edge at each tile level) or not
 * stored (a log from before schema 6) is held in part: `have` says which
 * nodes, each read from log_nodes once.  node_put writes through.  Nodes
 * never change once complete, so what is cached stays true, with one
 * exception: nodes written by a transaction or savepoint that is rolled
 * back.  A rollback therefore empties the cache (px_sq_tree_rollback);
 * rollbacks are rare.  Other connections only add nodes, which a partial
 * tile reads when asked for them.
 */
#define TILE_H         PX_TILE_HEIGHT
#define CACHE_SETS     128
#define CACHE_WAYS     4
#define TILE_LEVEL(id) ((unsigned)((id) >> 58))
#define TILE_INDEX(id) ((id) & (((uint64_t)1 << 58) - 1))

struct tile {
	uint64_t key;     /* (level << 58 | index) + 1, or 0: empty, so
	                     that a fresh cache is all zero pages */
	uint64_t used;    /* tick of the last use, for eviction */
	uint64_t have[2]; /* bit i: hash i is held */
	uint8_t h[PX_TILE_NODES][32];
};

struct px_sq_tree {
	sqlite3_stmt *get, *put;
	uint64_t tick;
	struct tile t[CACHE_SETS * CACHE_WAYS];
};

static void
tree_forget(struct px_sq_tree *c)
{
	for (size_t i = 0; i < PX_ARRAY_LEN(c->t); i++)
		if (c->t[i].key != 0)
			c->t[i].key = 0;
}

static struct px_sq_tree *
tree_of(struct sq *s)
{
	if (s->tree == NULL)
		s->tree = px_calloc(1, sizeof(*s->tree));
	return s->tree;
}

void
px_sq_tree_rollback(struct sq *s)
{
	if (s->tree)
		tree_forget(s->tree);
}

void
px_sq_tree_close(struct sq *s)
{
	if (s->tree == NULL)
		return;
	sqlite3_finalize(s->tree->get);
	sqlite3_finalize(s->tree->put);
	free(s->tree);
	s->tree = NULL;
}

static sqlite3_stmt *
tree_prep(struct sq *s, sqlite3_stmt **st, const char *text)
{
	if (*st == NULL &&
	    sqlite3_prepare_v3(s->db, text, -1, SQLITE_PREPARE_PERSISTENT, st,
	        NULL) != SQLITE_OK) {
		px_sq_fail(s, "prepare");
		return NULL;
	}
	sqlite3_reset(*st);
	return *st;
}

/* First slot of relative level l in a tile: 0, 64, 96, 112, 120, 124. */
static unsigned
level_start(unsigned l)
{
	return 128u - (128u >> l);
}

/* Where node (level, idx) lives: its tile's id, and the slot in it. */
static uint64_t
tile_slot(unsigned level, uint64_t idx, unsigned *slot)
{
	unsigned l = level % TILE_H, shift = TILE_H - l;

	*slot = level_start(l) + (unsigned)(idx & ((1u << shift) - 1));
	return (uint64_t)(level / TILE_H) << 58 | idx >> shift;
}

static bool
tile_has(const struct tile *t, unsigned slot)
{
	return (t->have[slot / 64] >> (slot % 64)) & 1;
}

static void
tile_set(struct tile *t, unsigned slot, const uint8_t hash[32])
{
	if (hash != t->h[slot])
		memcpy(t->h[slot], hash, 32);
	t->have[slot / 64] |= (uint64_t)1 << (slot % 64);
}

static void
tile_set_full(struct tile *t)
{
	t->have[0] = UINT64_MAX;
	t->have[1] = UINT64_MAX >> (128 - PX_TILE_NODES);
}

static struct tile *
tile_set_of(struct px_sq_tree *c, uint64_t id)
{
	return &c->t[(id ^ id >> 58) % CACHE_SETS * CACHE_WAYS];
}

/* The cached tile `id`, or NULL. */
static struct tile *
tile_find(struct px_sq_tree *c, uint64_t id)
{
	struct tile *set = tile_set_of(c, id);

	for (int w = 0; w < CACHE_WAYS; w++)
		if (set[w].key == id + 1) {
			set[w].used = ++c->tick;
			return &set[w];
		}
	return NULL;
}

/* An empty slot for tile `id`, in place of the least recently used. */
static struct tile *
tile_new(struct px_sq_tree *c, uint64_t id)
{
	struct tile *set = tile_set_of(c, id), *v = &set[0];

	for (int w = 1; w < CACHE_WAYS && v->key != 0; w++)
		if (set[w].key == 0 || set[w].used < v->used)
			v = &set[w];
	v->key = id + 1;
	v->used = ++c->tick;
	v->have[0] = v->have[1] = 0;
	return v;
}

/* Stored tile `id` into out; PX_ENOTFOUND (no message) if not stored. */
static int
tile_read(struct sq *s, uint64_t id, uint8_t out[][32])
{
	sqlite3_stmt *st = tree_prep(
	    s, &tree_of(s)->get, "SELECT hashes FROM log_tiles WHERE id = ?1");
	int rc;

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 0) == PX_TILE_NODES * 32) {
		memcpy(out, sqlite3_column_blob(st, 0), PX_TILE_NODES * 32);
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return px_error_set(PX_ERR,
		    "stored tile (level %u, index %llu) is not %d bytes",
		    TILE_LEVEL(id), (unsigned long long)TILE_INDEX(id),
		    PX_TILE_NODES * 32);
	if (rc == SQLITE_DONE)
		return PX_ENOTFOUND;
	return px_sq_fail(s, "read tile");
}

int
px_sq_tree_get(
    struct px_store *b, unsigned level, uint64_t idx, uint8_t hash[32])
{
	struct sq *s = (struct sq *)b;
	struct px_sq_tree *c = tree_of(s);
	unsigned slot;
	uint64_t id = tile_slot(level, idx, &slot);
	struct tile *t = tile_find(c, id);
	int rc;

	if (t == NULL) {
		t = tile_new(c, id);
		if ((rc = tile_read(s, id, t->h)) == 0) {
			tile_set_full(t);
		} else if (rc != PX_ENOTFOUND) {
			t->key = 0;
			return rc;
		}
	}
	if (!tile_has(t, slot)) {
		if ((rc = node_read(s, level, idx, t->h[slot])) < 0)
			return rc;
		tile_set(t, slot, t->h[slot]);
	}
	memcpy(hash, t->h[slot], 32);
	return 0;
}

int
px_sq_tile_get(
    struct px_store *b, unsigned level, uint64_t idx, uint8_t hashes[][32])
{
	return tile_read((struct sq *)b, (uint64_t)level << 58 | idx, hashes);
}

/* Tile `id` is complete (its parent was just stored): store it whole,
 * reading from log_nodes what the cache does not hold. */
static int
tile_store(struct sq *s, uint64_t id)
{
	struct px_sq_tree *c = tree_of(s);
	struct tile *t = tile_find(c, id);
	unsigned l = 0;
	sqlite3_stmt *st;
	int rc;

	if (t == NULL)
		t = tile_new(c, id);
	for (unsigned slot = 0; slot < PX_TILE_NODES; slot++) {
		if (slot == level_start(l + 1))
			l++;
		if (tile_has(t, slot))
			continue;
		if ((rc = node_read(s, TILE_LEVEL(id) * TILE_H + l,
		         (TILE_INDEX(id) << (TILE_H - l)) +
		             (slot - level_start(l)),
		         t->h[slot])) < 0)
			return rc;
		tile_set(t, slot, t->h[slot]);
	}
	if ((st = tree_prep(s, &c->put,
	         "INSERT INTO log_tiles (id, hashes) VALUES (?1, ?2)")) == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	sqlite3_bind_blob(st, 2, t->h, PX_TILE_NODES * 32, SQLITE_STATIC);
	return px_sq_step_done(s, st, "store tile");
}

int
px_sq_node_put(
    struct px_store *b, unsigned level, uint64_t idx, const uint8_t hash[32])
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, N_PUT);
	struct px_sq_tree *c;
	struct tile *t;
	unsigned slot;
	uint64_t id;
	int rc;

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int(st, 1, (int)level);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)idx);
	sqlite3_bind_blob(st, 3, hash, 32, SQLITE_STATIC);
	if ((rc = px_sq_step_done(s, st, "store tree node")) < 0)
		return rc;
	/* Write through: the tiles of the right edge, where appends read
	 * their left siblings, stay cached. */
	c = tree_of(s);
	id = tile_slot(level, idx, &slot);
	if ((t = tile_find(c, id)) == NULL)
		t = tile_new(c, id);
	tile_set(t, slot, hash);
	if (level > 0 && level % TILE_H == 0)
		return tile_store(
		    s, (uint64_t)(level / TILE_H - 1) << 58 | idx);
	return 0;
}

int
px_sq_ckpt_put(
    struct px_store *b, int64_t size, const char *note, int64_t time_ms)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, C_PUT);

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, size);
	px_sq_bind_text(st, 2, note);
	sqlite3_bind_int64(st, 3, time_ms);
	return px_sq_step_done(s, st, "store checkpoint");
}

int
px_sq_ckpt_get(struct px_store *b, int64_t size, char **note, int64_t *size_out)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, size < 0 ? C_LATEST : C_GET);
	char nf[64];
	int rc;

	if (st == NULL)
		return PX_ERR;
	if (size >= 0)
		sqlite3_bind_int64(st, 1, size);
	snprintf(nf, sizeof(nf),
	    size < 0 ? "no checkpoint yet" : "no checkpoint of size %lld",
	    (long long)size);
	if ((rc = one_row(s, st, "read checkpoint", nf)) < 0)
		return rc;
	if (note)
		*note = px_sq_col_dup(st, 0);
	if (size_out)
		*size_out = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return 0;
}

int
px_sq_cosig_put(struct px_store *b, const char *origin, int64_t size,
    const char *witness, const char *line, int64_t time_ms)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, CS_PUT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, origin);
	sqlite3_bind_int64(st, 2, size);
	px_sq_bind_text(st, 3, witness);
	px_sq_bind_text(st, 4, line);
	sqlite3_bind_int64(st, 5, time_ms);
	return px_sq_step_done(s, st, "store cosignature");
}

int
px_sq_each_text(
    struct sq *s, sqlite3_stmt *st, px_text_cb cb, void *arg, const char *doing)
{
	int rc, c = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		c = cb(sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2), arg);
		if (c != 0)
			break;
	}
	sqlite3_reset(st);
	if (c != 0)
		return c;
	return rc == SQLITE_DONE ? 0 : px_sq_fail(s, doing);
}

int
px_sq_cosig_list(struct px_store *b, const char *origin, int64_t size,
    px_text_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, CS_LIST);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, origin);
	sqlite3_bind_int64(st, 2, size);
	return px_sq_each_text(s, st, cb, arg, "list cosignatures");
}

int
px_sq_cosig_first(struct px_store *b, const char *origin, int64_t above,
    px_cosig_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, CS_FIRST);
	int rc, c = 0;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, origin);
	sqlite3_bind_int64(st, 2, above);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    (c = cb((const char *)sqlite3_column_text(st, 0),
	         sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
	         arg)) == 0)
		;
	sqlite3_reset(st);
	if (c != 0)
		return c;
	return rc == SQLITE_DONE ? 0 : px_sq_fail(s, "list first cosignatures");
}

int
px_sq_ckpt_time(struct px_store *b, int64_t size, int64_t *time_ms)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, C_TIME);
	int rc;

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, size);
	if ((rc = one_row(s, st, "read checkpoint", "no such checkpoint")) < 0)
		return rc;
	*time_ms = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

int
px_sq_peer_ckpt_put(struct px_store *b, const char *peer, int64_t size,
    const char *root, const char *note, int64_t seen_ms)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, PC_PUT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, peer);
	sqlite3_bind_int64(st, 2, size);
	px_sq_bind_text(st, 3, root);
	px_sq_bind_text(st, 4, note);
	sqlite3_bind_int64(st, 5, seen_ms);
	return px_sq_step_done(s, st, "store peer checkpoint");
}

int
px_sq_peer_ckpt_list(
    struct px_store *b, const char *peer, px_text_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, PC_LIST);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, peer);
	return px_sq_each_text(s, st, cb, arg, "list peer checkpoints");
}

int
px_sq_witness_get(
    struct px_store *b, const char *peer, int64_t *size, char **root)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, W_GET);
	int rc;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, peer);
	if ((rc = one_row(
	         s, st, "read witness state", "nothing cosigned yet")) < 0)
		return rc;
	*size = sqlite3_column_int64(st, 0);
	if (root)
		*root = px_sq_col_dup(st, 1);
	sqlite3_reset(st);
	return 0;
}

int
px_sq_witness_put(struct px_store *b, const char *peer, int64_t size,
    const char *root, int64_t time_ms)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, W_PUT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, peer);
	sqlite3_bind_int64(st, 2, size);
	px_sq_bind_text(st, 3, root);
	sqlite3_bind_int64(st, 4, time_ms);
	return px_sq_step_done(s, st, "save witness state");
}

int
px_sq_proof_put(struct px_store *b, const struct px_proof_row *p)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, P_PUT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, p->obj_hash);
	px_sq_bind_text(st, 2, p->peer);
	sqlite3_bind_int64(st, 3, p->idx);
	sqlite3_bind_int64(st, 4, p->size);
	px_sq_bind_text(st, 5, p->root);
	px_sq_bind_text(st, 6, p->path);
	px_sq_bind_text(st, 7, p->entry);
	sqlite3_bind_int64(st, 8, p->time_ms);
	return px_sq_step_done(s, st, "store proof");
}

static void
read_proof(sqlite3_stmt *st, struct px_proof_row *out)
{
	out->obj_hash = px_sq_col_dup(st, 0);
	out->peer = px_sq_col_dup(st, 1);
	out->idx = sqlite3_column_int64(st, 2);
	out->size = sqlite3_column_int64(st, 3);
	out->root = px_sq_col_dup(st, 4);
	out->path = px_sq_col_dup(st, 5);
	out->entry = px_sq_col_dup(st, 6);
	out->time_ms = sqlite3_column_int64(st, 7);
}

int
px_sq_proof_get(
    struct px_store *b, const char *obj_hash, struct px_proof_row *out)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, P_GET);
	int rc;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, obj_hash);
	if ((rc = one_row(s, st, "read proof", "no proof stored")) < 0)
		return rc;
	read_proof(st, out);
	sqlite3_reset(st);
	return 0;
}

int
px_sq_proof_list(struct px_store *b, const char *peer, int64_t from_ms,
    int64_t to_ms, px_proof_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, P_LIST);
	struct px_proof_row row;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, peer);
	sqlite3_bind_int64(st, 2, from_ms);
	sqlite3_bind_int64(st, 3, to_ms);
	FOREACH_ROW(s, st, row, read_proof, px_proof_row_dispose, cb, arg,
	    "list proofs");
}

int
px_sq_consistency_put(struct px_store *b, const char *peer, int64_t size1,
    int64_t size2, const char *path)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, K_PUT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, peer);
	sqlite3_bind_int64(st, 2, size1);
	sqlite3_bind_int64(st, 3, size2);
	px_sq_bind_text(st, 4, path);
	return px_sq_step_done(s, st, "store consistency proof");
}

int
px_sq_consistency_list(
    struct px_store *b, const char *peer, px_text_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, K_LIST);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, peer);
	return px_sq_each_text(s, st, cb, arg, "list consistency proofs");
}

int
px_sq_alert_put(struct px_store *b, const char *peer, const char *kind,
    const char *detail, const char *evidence, int64_t time_ms)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, A_PUT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, peer);
	px_sq_bind_text(st, 2, kind);
	px_sq_bind_text(st, 3, detail);
	px_sq_bind_text(st, 4, evidence);
	sqlite3_bind_int64(st, 5, time_ms);
	return px_sq_step_done(s, st, "store alert");
}

int
px_sq_alert_list(struct px_store *b, const char *peer, px_text_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, A_LIST);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, peer);
	return px_sq_each_text(s, st, cb, arg, "list alerts");
}

int
px_sq_sent_ckpt_put(struct px_store *b, const char *peer, int64_t size)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, S_PUT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, peer);
	sqlite3_bind_int64(st, 2, size);
	return px_sq_step_done(s, st, "record sent checkpoint");
}

int
px_sq_sent_ckpt_list(
    struct px_store *b, const char *peer, int64_t min, px_text_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, S_LIST);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, peer);
	sqlite3_bind_int64(st, 2, min);
	return px_sq_each_text(s, st, cb, arg, "list sent checkpoints");
}

int
px_sq_token_put(struct px_store *b, const char *hash, const char *name,
    const char *role, int64_t created_ms)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, T_PUT);
	int rc;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, hash);
	px_sq_bind_text(st, 2, name);
	px_sq_bind_text(st, 3, role);
	sqlite3_bind_int64(st, 4, created_ms);
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	if ((rc & 0xff) == SQLITE_CONSTRAINT) {
		sqlite3_reset(st);
		return px_error_set(PX_ECONFLICT,
		    "a live token is named '%s' already: choose another "
		    "--name, or revoke that one first",
		    name);
	}
	rc = px_sq_fail(s, "store token");
	sqlite3_reset(st);
	return rc;
}

int
px_sq_token_get(struct px_store *b, const char *hash, char **name, char **role)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, T_GET);
	int rc;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, hash);
	if ((rc = one_row(s, st, "read token", "unknown token")) < 0)
		return rc;
	if (name)
		*name = px_sq_col_dup(st, 0);
	if (role)
		*role = px_sq_col_dup(st, 1);
	sqlite3_reset(st);
	return 0;
}

int
px_sq_token_list(struct px_store *b, px_text_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, T_LIST);

	if (st == NULL)
		return PX_ERR;
	return px_sq_each_text(s, st, cb, arg, "list tokens");
}

int
px_sq_token_revoke(struct px_store *b, const char *name)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = lprep(s, T_REV);
	int rc;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, name);
	if ((rc = px_sq_step_done(s, st, "revoke token")) < 0)
		return rc;
	return sqlite3_changes(s->db) > 0
	    ? 0
	    : px_error_set(PX_ENOTFOUND, "no live token named '%s'", name);
}

void
px_log_row_dispose(struct px_log_row *r)
{
	free(r->kind);
	free(r->obj_hash);
	free(r->peer);
	free(r->entry);
	memset(r, 0, sizeof(*r));
}

void
px_proof_row_dispose(struct px_proof_row *p)
{
	free(p->obj_hash);
	free(p->peer);
	free(p->root);
	free(p->path);
	free(p->entry);
	memset(p, 0, sizeof(*p));
}
