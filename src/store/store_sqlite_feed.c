/*
 * Feeds in the SQLite store: input files and their progress, events
 * after deduplication, route explanations, aggregation groups and
 * batches, the messages that carried batches, attachments, digests, and
 * the loaded delegation files (docs/feeds.md, docs/routing.md).
 *
 * Events are not rows.  An ingest chunk's events are grouped by batch
 * (those of no batch by status), numbered consecutively within each
 * group, and stored as zstd-compressed packs of at most PACK_MAX events
 * in feed_packs, one row per pack keyed by its first id, carrying what
 * all its events share (batch, status, routing time, input file).  Each
 * entry of a pack holds the event's narrow fields (line, route, type,
 * severity, AS, key, bucket, host, first/last seen, count) and its
 * canonical JSON.  So a chunk of 65,536 events costs a few hundred
 * inserts, not 65,536 rows and their index entries, and one event is
 * found by its id alone: the pack with the greatest first id not above
 * it (packs never overlap).  Packs are never rewritten:
 *
 *   - duplicates counted by a later chunk add to the event's row of
 *     feed_seen (first, last, further observations), by id;
 *   - what a person (or an accepted override) changes later, routing a
 *     queued event or dismissing it, is the event's row of feed_moves,
 *     which overrides its pack's status, route, batch and time;
 *   - the queue is the packs of the waiting statuses (a partial index),
 *     less the events moved out of it.
 *
 * Reading one event loads its pack and keeps it decompressed, with an
 * index of its entries and its moves, so reading a batch's events (to
 * build its attachments) decompresses each of its packs once.  The
 * deduplication keys' index lives in node/dedup.c; rebuilding it walks
 * the packs newest first.
 */
#include <zstd.h>

#include "store/sqlite_internal.h"
#include "util/u64map.h"
#include "util/util.h"

enum {
	Q_RF_DEACT = PX_SQ_FIRST_FEED_STMT,
	Q_RF_PUT,
	Q_RF_LIST,
	Q_FF_FIND,
	Q_FF_GET,
	Q_FF_INS,
	Q_FF_UPD,
	Q_FF_LIST,
	Q_BAD_PUT,
	Q_BAD_LIST,
	Q_EV_DUP,
	Q_RT_INS,
	Q_RT_GET,
	Q_GR_INS,
	Q_GR_GET,
	Q_GR_CASE,
	Q_HO_PUT,
	Q_HO_LIST,
	Q_GR_PENDING,
	Q_BA_INS,
	Q_BA_GET,
	Q_BA_ADD,
	Q_BA_DUE,
	Q_BA_GRP,
	Q_BA_SENT,
	Q_PA_PUT,
	Q_PA_LIST,
	Q_PA_GET,
	Q_RECV_PUT,
	Q_RECV_GET,
	Q_AT_PUT,
	Q_AT_GET,
	Q_DG_PUT,
	Q_DG_GET,
	Q_DG_LIST,
	Q_GR_LIST,
	Q_IT_PUT,
	Q_IT_LIST,
	Q_END
};

_Static_assert(Q_END <= PX_SQ_FIRST_DESK_STMT, "statement slots");

/* Packs, moves and the queue's actions (slots of their own: the range
 * above is full). */
enum {
	Q_MV_PUT = PX_SQ_FIRST_FQ_STMT,
	Q_AC_PUT,
	Q_AC_LIST,
	Q_PK_PUT,
	Q_PK_GET,
	Q_PK_FIND,
	Q_PK_LIST,
	Q_PK_ALL,
	Q_PK_STATUS,
	Q_PK_NEXT,
	Q_MV_PACK,
	Q_MV_STATUS,
	Q_SEEN_GET,
	Q_RT_JSON,
	Q_OLD_ROWS,
	Q_OLD_PACK,
	Q_OLD_JSON,
	Q_FQ_END
};

_Static_assert(Q_FQ_END <= PX_SQ_STMTS, "raise PX_SQ_STMTS");

#define PK_COLS "first, last, batch, status, routed_ms, file, data "

static const char *const fq_sql[Q_FQ_END - PX_SQ_FIRST_FQ_STMT] = {
#define F(q) [q - PX_SQ_FIRST_FQ_STMT]
	F(Q_MV_PUT) = "INSERT INTO feed_moves (id, pack, status, route, batch, "
	              "routed_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT "
	              "(id) DO UPDATE SET status = ?3, route = ?4, batch = ?5, "
	              "routed_ms = ?6",
	F(Q_AC_PUT) =
	    "INSERT INTO feed_actions (event, action, was, peer, reason, who, "
	    "time_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	F(Q_AC_LIST) =
	    "SELECT id, event, action, was, peer, reason, who, time_ms FROM "
	    "feed_actions WHERE ?1 = 0 OR event = ?1 ORDER BY id DESC LIMIT ?2",
	F(Q_PK_PUT) = "INSERT INTO feed_packs (" PK_COLS ", events) VALUES "
	              "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	F(Q_PK_GET) = "SELECT " PK_COLS "FROM feed_packs WHERE first = ?1",
	F(Q_PK_FIND) = "SELECT first, last FROM feed_packs WHERE first <= ?1 "
	               "ORDER BY first DESC LIMIT 1",
	/* Packs that may hold events of statuses ?3..?4: of those
	 * statuses, or holding an event moved to one. */
	F(Q_PK_LIST) = "SELECT first FROM feed_packs WHERE first < ?1 AND (?2 "
	               "= 0 OR file = ?2) AND (status BETWEEN ?3 AND ?4 OR "
	               "first IN (SELECT pack FROM feed_moves WHERE status "
	               "BETWEEN ?3 AND ?4)) ORDER BY first DESC",
	F(Q_PK_ALL) = "SELECT first FROM feed_packs ORDER BY first DESC",
	F(Q_PK_STATUS) = "SELECT status, sum(events) FROM feed_packs WHERE "
	                 "routed_ms >= ?1 AND routed_ms < ?2 GROUP BY status",
	F(Q_PK_NEXT) = "SELECT coalesce(max(last), 0) + 1 FROM feed_packs",
	F(Q_MV_PACK) = "SELECT id, status, route, batch, routed_ms FROM "
	               "feed_moves WHERE pack = ?1 ORDER BY id",
	F(Q_MV_STATUS) = "SELECT p.status, p.routed_ms, m.status, m.routed_ms "
	                 "FROM feed_moves m JOIN feed_packs p ON p.first = "
	                 "m.pack",
	F(Q_SEEN_GET) =
	    "SELECT first, last, count FROM feed_seen WHERE id = ?1",
	F(Q_RT_JSON) = "SELECT json FROM feed_routes WHERE id = ?1",
	/* Schema 22 -> 23 only: the rows events had before packs. */
	F(Q_OLD_ROWS) =
	    "SELECT id, file, line, routed_ms, status, route, batch, type, "
	    "severity, asn, host, seen_first, seen_last, count, key, bday, "
	    "coalesce(pack, id) FROM feed_events ORDER BY id",
	F(Q_OLD_PACK) = "SELECT data FROM feed_event_packs WHERE first = ?1",
	F(Q_OLD_JSON) = "SELECT event FROM feed_event_json WHERE id = ?1",
#undef F
};

static sqlite3_stmt *
fq_prep(struct sq *s, int q)
{
	return px_sq_prep(s, q, fq_sql[q - PX_SQ_FIRST_FQ_STMT]);
}

#define FF_COLS                                                             \
	"id, name, path, source, format, feed, ident, state, error, size, " \
	"offset, line, records, events, duplicates, bad, routed, own, "     \
	"unroutable, disputed, withheld, started_ms, updated_ms, "          \
	"finished_ms "
#define BA_COLS                                                            \
	"b.id, b.grp, b.start_ms, b.end_ms, b.events, b.sent_ms, g.peer, " \
	"g.identifier, g.asn, g.type, b.case_id, b.msg_hash, g.case_id "
#define PA_COLS                                                          \
	"msg_hash, case_id, peer, dir, batch, attachment, part, parts, " \
	"start_ms, end_ms, events, time_ms "
#define DG_COLS                                                              \
	"peer, dir, day, msg_hash, root, events, time_ms, verdict, detail, " \
	"checked_ms "

static const char *const sql[Q_END - PX_SQ_FIRST_FEED_STMT] = {
#define S(q) [q - PX_SQ_FIRST_FEED_STMT]
	S(Q_RF_DEACT) = "UPDATE routing_files SET active = 0 WHERE registry = "
	                "?1 AND sha256 != ?2",
	S(Q_RF_PUT) = "INSERT INTO routing_files (sha256, registry, serial, "
	              "path, records, lines, loaded_ms, active) VALUES (?1, "
	              "?2, ?3, ?4, ?5, ?6, ?7, 1) ON CONFLICT (sha256) DO "
	              "UPDATE SET active = 1, loaded_ms = ?7, path = ?4",
	S(Q_RF_LIST) = "SELECT sha256, registry, serial, path, records, lines, "
	               "loaded_ms, active FROM routing_files WHERE ?1 = 0 OR "
	               "active = 1 ORDER BY registry, loaded_ms DESC",
	S(Q_FF_FIND) = "SELECT " FF_COLS "FROM feed_files WHERE ident = ?1 "
	               "ORDER BY id DESC LIMIT 1",
	S(Q_FF_GET) = "SELECT " FF_COLS "FROM feed_files WHERE id = ?1",
	S(Q_FF_INS) =
	    "INSERT INTO feed_files (name, path, source, format, feed, ident, "
	    "state, error, size, offset, line, records, events, duplicates, "
	    "bad, routed, own, unroutable, disputed, withheld, started_ms, "
	    "updated_ms, finished_ms) VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	    "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, "
	    "?23, ?24)",
	S(Q_FF_UPD) =
	    "UPDATE feed_files SET name = ?2, path = ?3, source = ?4, format = "
	    "?5, feed = ?6, ident = ?7, state = ?8, error = ?9, size = ?10, "
	    "offset = ?11, line = ?12, records = ?13, events = ?14, "
	    "duplicates = ?15, bad = ?16, routed = ?17, own = ?18, "
	    "unroutable = ?19, disputed = ?20, withheld = ?21, started_ms = "
	    "?22, updated_ms = ?23, finished_ms = ?24 WHERE id = ?1",
	S(Q_FF_LIST) = "SELECT " FF_COLS "FROM feed_files ORDER BY id DESC "
	               "LIMIT ?1",
	S(Q_BAD_PUT) = "INSERT OR IGNORE INTO feed_bad (file, line, reason) "
	               "VALUES (?1, ?2, ?3)",
	S(Q_BAD_LIST) = "SELECT line, reason, '' FROM feed_bad WHERE file = ?1 "
	                "ORDER BY line LIMIT ?2",
	S(Q_EV_DUP) = "INSERT INTO feed_seen (id, first, last, count) VALUES "
	              "(?1, ?2, ?3, ?4) ON CONFLICT (id) DO UPDATE SET first = "
	              "min(first, excluded.first), last = max(last, "
	              "excluded.last), count = count + excluded.count",
	S(Q_RT_INS) = "INSERT OR IGNORE INTO feed_routes (json) VALUES (?1)",
	S(Q_RT_GET) = "SELECT id FROM feed_routes WHERE json = ?1",
	S(Q_GR_INS) = "INSERT OR IGNORE INTO feed_groups (peer, asn, type, "
	              "identifier, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
	S(Q_GR_GET) = "SELECT id FROM feed_groups WHERE peer = ?1 AND asn = ?2 "
	              "AND type = ?3 AND identifier = ?4",
	S(Q_GR_CASE) = "UPDATE feed_groups SET case_id = ?2 WHERE id = ?1",
	S(Q_HO_PUT) = "INSERT INTO feed_hosts (grp, host, first, last, count) "
	              "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (grp, host) DO "
	              "UPDATE SET first = min(first, excluded.first), last = "
	              "max(last, excluded.last), count = count + "
	              "excluded.count",
	S(Q_HO_LIST) = "SELECT host, first, last, count FROM feed_hosts WHERE "
	               "grp = ?1",
	S(Q_GR_PENDING) = "SELECT coalesce(sum(events), 0) FROM feed_batches "
	                  "WHERE grp = ?1 AND sent_ms IS NULL",
	S(Q_BA_INS) = "INSERT OR IGNORE INTO feed_batches (grp, start_ms, "
	              "end_ms) VALUES (?1, ?2, ?3)",
	S(Q_BA_GET) = "SELECT id FROM feed_batches WHERE grp = ?1 AND "
	              "start_ms = ?2 AND end_ms = ?3 AND sent_ms IS NULL",
	S(Q_BA_ADD) = "UPDATE feed_batches SET events = events + ?2 WHERE id "
	              "= ?1",
	S(Q_BA_DUE) =
	    "SELECT " BA_COLS "FROM feed_batches b JOIN feed_groups g "
	    "ON g.id = b.grp WHERE b.sent_ms IS NULL AND b.end_ms <= "
	    "?1 AND (?2 IS NULL OR g.peer = ?2) ORDER BY g.peer, "
	    "b.grp, b.start_ms, b.end_ms",
	S(Q_BA_GRP) =
	    "SELECT " BA_COLS "FROM feed_batches b JOIN feed_groups g "
	    "ON g.id = b.grp WHERE b.grp = ?1 ORDER BY b.start_ms",
	S(Q_BA_SENT) = "UPDATE feed_batches SET sent_ms = ?4, case_id = ?2, "
	               "msg_hash = ?3 WHERE id = ?1",
	S(Q_PA_PUT) = "INSERT OR IGNORE INTO feed_parts (" PA_COLS
	              ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
	              "?12)",
	S(Q_PA_LIST) = "SELECT " PA_COLS "FROM feed_parts WHERE peer = ?1 AND "
	               "dir = ?2 AND start_ms >= ?3 AND start_ms < ?4 ORDER BY "
	               "start_ms, time_ms, msg_hash",
	S(Q_PA_GET) = "SELECT " PA_COLS "FROM feed_parts WHERE msg_hash = ?1",
	S(Q_RECV_PUT) = "INSERT OR IGNORE INTO feed_recv (id, attachment, "
	                "line) VALUES (?1, ?2, ?3)",
	S(Q_RECV_GET) = "SELECT attachment, line FROM feed_recv WHERE id = ?1",
	S(Q_AT_PUT) = "INSERT OR IGNORE INTO attachments (sha256, media_type, "
	              "name, origin, size, events, stored_ms) VALUES (?1, ?2, "
	              "?3, ?4, ?5, ?6, ?7)",
	S(Q_AT_GET) = "SELECT sha256, media_type, name, origin, size, events, "
	              "stored_ms FROM attachments WHERE sha256 = ?1",
	S(Q_DG_PUT) = "INSERT INTO digests (" DG_COLS
	              ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON "
	              "CONFLICT (peer, dir, day) DO UPDATE SET msg_hash = ?4, "
	              "root = ?5, events = ?6, time_ms = ?7, verdict = ?8, "
	              "detail = ?9, checked_ms = ?10",
	S(Q_DG_GET) = "SELECT " DG_COLS "FROM digests WHERE peer = ?1 AND dir "
	              "= ?2 AND day = ?3",
	S(Q_DG_LIST) = "SELECT " DG_COLS "FROM digests WHERE (?1 IS NULL OR "
	               "peer = ?1) AND (?2 IS NULL OR dir = ?2) ORDER BY day "
	               "DESC, peer, dir",
	S(Q_GR_LIST) = "SELECT id, peer, case_id FROM feed_groups WHERE "
	               "case_id IS NOT NULL ORDER BY id",
	S(Q_IT_PUT) = "INSERT INTO feed_batch_items (batch, ids) VALUES (?1, "
	              "?2)",
	S(Q_IT_LIST) = "SELECT ids FROM feed_batch_items WHERE batch = ?1 "
	               "ORDER BY id",
#undef S
};

static sqlite3_stmt *
prep(struct sq *s, int q)
{
	return px_sq_prep(s, q, sql[q - PX_SQ_FIRST_FEED_STMT]);
}

static int64_t
col_i64(sqlite3_stmt *st, int i, int64_t null)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL
	    ? null
	    : sqlite3_column_int64(st, i);
}

static void
bind_opt(sqlite3_stmt *st, int i, int64_t v, int64_t null)
{
	if (v == null)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/* One row, or PX_ENOTFOUND with `what`. */
#define ONE_ROW(s, st, reader, out, what, doing)             \
	do {                                                 \
		int r_ = sqlite3_step(st);                   \
		if (r_ == SQLITE_ROW) {                      \
			memset(out, 0, sizeof(*(out)));      \
			reader(st, out);                     \
		}                                            \
		sqlite3_reset(st);                           \
		if (r_ == SQLITE_ROW)                        \
			return 0;                            \
		return r_ == SQLITE_DONE                     \
		    ? px_error_set(PX_ENOTFOUND, "%s", what) \
		    : px_sq_fail(s, doing);                  \
	} while (0)

/* --- packs of events -------------------------------------------------- */

/* An entry of a pack, uncompressed (little-endian):
 *    0 u32 id - the pack's first       4 u32 host bytes
 *    8 u32 JSON bytes                 12 i32 type, 16 i32 severity, 20 0
 *   24 i64 line, 32 route, 40 asn (-1: none), 48 key, 56 bday,
 *   64 seen first, 72 seen last, 80 count
 *   88 the host, then the canonical JSON
 * A pack is its entries in id order. */
#define ENT_HDR    88
#define PACK_LEVEL 1 /* zstd: the fastest of its normal levels */

struct pack_ent {
	int64_t id;
	size_t off;
};

struct move {
	int64_t id, route, batch, routed_ms;
	int status;
};

/* The pack last read, decompressed, with its entries and moves. */
struct px_sq_pack {
	int64_t first, last, batch, routed_ms, file;
	int status;
	uint8_t *r;
	size_t rlen;
	struct pack_ent *idx;
	size_t nidx;
	struct move *mv;
	size_t nmv, capmv;
};

static struct px_sq_pack *
pack_of(struct sq *s)
{
	if (s->pack == NULL) {
		s->pack = px_calloc(1, sizeof(*s->pack));
		s->pack->first = -1;
	}
	return s->pack;
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
put_i64(uint8_t *p, int64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)((uint64_t)v >> (8 * i));
}

static int64_t
get_i64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return (int64_t)v;
}

void
px_feed_entry_put(struct px_feed_pack_in *p, uint32_t idoff,
    const struct px_feed_event_row *r, size_t *at)
{
	size_t hl = r->host ? strlen(r->host) : 0;
	size_t jl = r->event_len ? r->event_len
	    : r->event           ? strlen(r->event)
	                         : 0;
	size_t need = ENT_HDR + hl + jl;
	uint8_t *e;

	if (p->len + need > p->cap) {
		/* Doubling, from a small start: most packs of a chunk are
		 * its batches', a few dozen events each. */
		p->cap = p->cap * 2 > p->len + need ? p->cap * 2
		                                    : p->len + need + 4096;
		p->body = px_realloc(p->body, p->cap);
	}
	e = p->body + p->len;
	if (at)
		*at = p->len;
	put_u32(e, idoff);
	put_u32(e + 4, (uint32_t)hl);
	put_u32(e + 8, (uint32_t)jl);
	put_u32(e + 12, (uint32_t)r->type);
	put_u32(e + 16, (uint32_t)r->severity);
	put_u32(e + 20, 0);
	put_i64(e + 24, r->line);
	put_i64(e + 32, r->route);
	put_i64(e + 40, r->asn);
	put_i64(e + 48, r->key);
	put_i64(e + 56, r->bday);
	put_i64(e + 64, r->seen_first);
	put_i64(e + 72, r->seen_last);
	put_i64(e + 80, r->count);
	if (hl)
		memcpy(e + ENT_HDR, r->host, hl);
	if (jl)
		memcpy(e + ENT_HDR + hl, r->event, jl);
	p->len += need;
}

void
px_feed_entry_seen(struct px_feed_pack_in *p, size_t at, int64_t first,
    int64_t last, int64_t count)
{
	put_i64(p->body + at + 64, first);
	put_i64(p->body + at + 72, last);
	put_i64(p->body + at + 80, count);
}

void
px_feed_entry_routes(struct px_feed_pack_in *p, const int64_t *real, size_t n)
{
	for (size_t at = 0; at + ENT_HDR <= p->len;) {
		uint8_t *e = p->body + at;
		int64_t r = get_i64(e + 32);

		if (r < 0 && (size_t)(-r) <= n)
			put_i64(e + 32, real[-r - 1]);
		at += ENT_HDR + get_u32(e + 4) + get_u32(e + 8);
	}
}

struct px_feed_zctx *
px_feed_zctx_new(void)
{
	/* NULL (no memory): packs are compressed without one. */
	return (struct px_feed_zctx *)ZSTD_createCCtx();
}

void
px_feed_zctx_free(struct px_feed_zctx *z)
{
	ZSTD_freeCCtx((ZSTD_CCtx *)z);
}

int
px_feed_pack_compress(struct px_feed_pack_in *p, struct px_feed_zctx *z)
{
	size_t cap = ZSTD_compressBound(p->len), n;

	free(p->z);
	p->z = px_malloc(cap);
	n = z ? ZSTD_compressCCtx(
	            (ZSTD_CCtx *)z, p->z, cap, p->body, p->len, PACK_LEVEL)
	      : ZSTD_compress(p->z, cap, p->body, p->len, PACK_LEVEL);
	if (ZSTD_isError(n))
		return px_error_set(
		    PX_ERR, "cannot compress events: %s", ZSTD_getErrorName(n));
	p->zlen = n;
	return 0;
}

void
px_feed_pack_in_dispose(struct px_feed_pack_in *p)
{
	free(p->body);
	free(p->z);
	memset(p, 0, sizeof(*p));
}

/* Writes pack `p` (compressed if it is not yet) of chunk `c`, its
 * events' ids p->first .. `last`; with `join`, its events (then
 * numbered without gaps) join its batch. */
static int
pack_put(struct sq *s, const struct px_feed_chunk *c, struct px_feed_pack_in *p,
    int64_t last, bool join)
{
	sqlite3_stmt *st;
	int64_t *ids;
	int rc;

	if (p->n == 0)
		return 0;
	if (p->z == NULL && (rc = px_feed_pack_compress(p, NULL)) < 0)
		return rc;
	if ((st = fq_prep(s, Q_PK_PUT)) == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, p->first);
	sqlite3_bind_int64(st, 2, last);
	bind_opt(st, 3, p->batch, 0);
	sqlite3_bind_int(st, 4, p->status);
	sqlite3_bind_int64(st, 5, c->routed_ms);
	sqlite3_bind_int64(st, 6, c->file);
	sqlite3_bind_blob(st, 7, p->z, (int)p->zlen, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, p->n);
	if ((rc = px_sq_step_done(s, st, "store events")) < 0)
		return rc;
	if (p->batch == 0 || !join)
		return 0;
	if ((rc = px_sq_feed_batch_add(&s->base, p->batch, p->n)) < 0)
		return rc;
	ids = px_malloc((size_t)p->n * sizeof(*ids));
	for (int64_t i = 0; i < p->n; i++)
		ids[i] = p->first + i;
	rc = px_sq_feed_batch_items(&s->base, p->batch, ids, (size_t)p->n);
	free(ids);
	return rc;
}

void
px_sq_pack_rollback(struct sq *s)
{
	if (s->pack)
		s->pack->first = -1;
}

void
px_sq_pack_close(struct sq *s)
{
	if (s->pack == NULL)
		return;
	free(s->pack->r);
	free(s->pack->idx);
	free(s->pack->mv);
	free(s->pack);
	s->pack = NULL;
}

/* Loads pack `first` (with its moves) as the one read; 1 if it exists,
 * 0 if not. */
static int
pack_load(struct sq *s, int64_t first)
{
	struct px_sq_pack *p = pack_of(s);
	sqlite3_stmt *st;
	const void *z;
	size_t zn, n, at;
	unsigned long long full;
	int rc;

	if (p->first == first)
		return 1;
	if ((st = fq_prep(s, Q_PK_GET)) == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, first);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 : px_sq_fail(s, "read events");
	}
	p->first = -1;
	z = sqlite3_column_blob(st, 6);
	zn = (size_t)sqlite3_column_bytes(st, 6);
	full = ZSTD_getFrameContentSize(z, zn);
	if (full == ZSTD_CONTENTSIZE_ERROR ||
	    full == ZSTD_CONTENTSIZE_UNKNOWN || full > (1ull << 31)) {
		sqlite3_reset(st);
		return px_error_set(PX_ERR,
		    "the pack of events %lld is damaged", (long long)first);
	}
	free(p->r);
	p->r = px_malloc((size_t)full + 1);
	n = ZSTD_decompress(p->r, (size_t)full, z, zn);
	p->last = sqlite3_column_int64(st, 1);
	p->batch = col_i64(st, 2, 0);
	p->status = sqlite3_column_int(st, 3);
	p->routed_ms = sqlite3_column_int64(st, 4);
	p->file = sqlite3_column_int64(st, 5);
	sqlite3_reset(st);
	if (ZSTD_isError(n))
		return px_error_set(PX_ERR,
		    "the pack of events %lld is damaged", (long long)first);
	p->rlen = n;
	p->nidx = 0;
	for (at = 0; at + ENT_HDR <= n;) {
		size_t len =
		    (size_t)get_u32(p->r + at + 4) + get_u32(p->r + at + 8);

		if (len > n - at - ENT_HDR)
			return px_error_set(PX_ERR,
			    "the pack of events %lld is damaged",
			    (long long)first);
		if ((p->nidx & 1023) == 0)
			p->idx = px_realloc(
			    p->idx, (p->nidx + 1024) * sizeof(*p->idx));
		p->idx[p->nidx].id = first + get_u32(p->r + at);
		p->idx[p->nidx].off = at;
		p->nidx++;
		at += ENT_HDR + len;
	}
	/* Its moves, by id. */
	p->nmv = 0;
	if ((st = fq_prep(s, Q_MV_PACK)) == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, first);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct move *m;

		if (p->nmv == p->capmv) {
			p->capmv = p->capmv ? p->capmv * 2 : 16;
			p->mv = px_realloc(p->mv, p->capmv * sizeof(*p->mv));
		}
		m = &p->mv[p->nmv++];
		m->id = sqlite3_column_int64(st, 0);
		m->status = sqlite3_column_int(st, 1);
		m->route = sqlite3_column_int64(st, 2);
		m->batch = col_i64(st, 3, 0);
		m->routed_ms = sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return px_sq_fail(s, "read moved events");
	p->first = first;
	return 1;
}

/* The index in the loaded pack of event `id`, or -1. */
static ssize_t
pack_index(const struct px_sq_pack *p, int64_t id)
{
	size_t lo = 0, hi = p->nidx;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->idx[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->nidx && p->idx[lo].id == id ? (ssize_t)lo : -1;
}

/* The move of event `id` in the loaded pack, or NULL. */
static const struct move *
pack_move(const struct px_sq_pack *p, int64_t id)
{
	size_t lo = 0, hi = p->nmv;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->mv[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->nmv && p->mv[lo].id == id ? &p->mv[lo] : NULL;
}

/* The effective status of entry `i` of the loaded pack. */
static int
ent_status(const struct px_sq_pack *p, size_t i)
{
	const struct move *m = pack_move(p, p->idx[i].id);

	return m ? m->status : p->status;
}

/* Entry `i` of the loaded pack as a row: its fields, its pack's, its
 * move, its later duplicates and its route explanation. */
static int
ent_row(struct sq *s, size_t i, struct px_feed_event_row *r)
{
	const struct px_sq_pack *p = s->pack;
	const uint8_t *e = p->r + p->idx[i].off;
	size_t hl = get_u32(e + 4), jl = get_u32(e + 8);
	const struct move *m = pack_move(p, p->idx[i].id);
	sqlite3_stmt *st;
	int rc;

	memset(r, 0, sizeof(*r));
	r->id = p->idx[i].id;
	r->file = p->file;
	r->pack = p->first;
	r->status = m ? m->status : p->status;
	r->batch = m ? m->batch : p->batch;
	r->routed_ms = m ? m->routed_ms : p->routed_ms;
	r->type = (int)get_u32(e + 12);
	r->severity = (int)get_u32(e + 16);
	r->line = get_i64(e + 24);
	r->route = m ? m->route : get_i64(e + 32);
	r->asn = get_i64(e + 40);
	r->key = get_i64(e + 48);
	r->bday = get_i64(e + 56);
	r->seen_first = get_i64(e + 64);
	r->seen_last = get_i64(e + 72);
	r->count = get_i64(e + 80);
	r->host = hl ? px_strndup((const char *)e + ENT_HDR, hl) : NULL;
	r->event = px_strndup((const char *)e + ENT_HDR + hl, jl);
	if ((st = fq_prep(s, Q_SEEN_GET)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, r->id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t f = sqlite3_column_int64(st, 0);
		int64_t l = sqlite3_column_int64(st, 1);

		r->seen_first = f < r->seen_first ? f : r->seen_first;
		r->seen_last = l > r->seen_last ? l : r->seen_last;
		r->count += sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		px_sq_fail(s, "read duplicates");
		goto fail;
	}
	if ((st = fq_prep(s, Q_RT_JSON)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, r->route);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		r->route_json = px_sq_col_dup(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			px_error_set(PX_ERR,
			    "the route explanation of event %lld is missing",
			    (long long)r->id);
		else
			px_sq_fail(s, "read route");
		goto fail;
	}
	return 0;
fail:
	px_feed_event_row_dispose(r);
	return PX_ERR;
}

/* The first id of the pack holding event `id`, or 0 if none does. */
static int
pack_find(struct sq *s, int64_t id, int64_t *first)
{
	sqlite3_stmt *st = fq_prep(s, Q_PK_FIND);
	int rc;

	*first = 0;
	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_int64(st, 1) >= id)
		*first = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
	    ? 0
	    : px_sq_fail(s, "find event");
}

/* Loads the pack of event `id`; *i gets its entry, or -1 if there is no
 * such event. */
static int
event_at(struct sq *s, int64_t id, ssize_t *i)
{
	int64_t first;
	int rc;

	*i = -1;
	if (s->pack && s->pack->first >= 0 && id >= s->pack->first &&
	    id <= s->pack->last) {
		*i = pack_index(s->pack, id);
		return 0;
	}
	if ((rc = pack_find(s, id, &first)) < 0 || first == 0)
		return rc;
	if ((rc = pack_load(s, first)) <= 0)
		return rc;
	*i = pack_index(s->pack, id);
	return 0;
}

int
px_sq_feed_tune(struct px_store *b, bool bulk)
{
	struct sq *s = (struct sq *)b;
	/* A bulk ingest commits a chunk of a few MB at a time: the WAL is
	 * copied back into the database (a checkpoint, with its own sync)
	 * every 16 MB rather than every 4 (SQLite's default), so pages
	 * written by several chunks (duplicate counts, batches, the
	 * file's row) are copied once.  The cache holds what chunks
	 * update again (duplicate counts, batches); packs are written
	 * once and not read back. */
	const char *q = bulk ? "PRAGMA cache_size = -32768;"
	                       "PRAGMA wal_autocheckpoint = 4096"
	                     : "PRAGMA cache_size = -2000;"
	                       "PRAGMA wal_autocheckpoint = 1000";

	if (sqlite3_exec(s->db, q, NULL, NULL, NULL) != SQLITE_OK)
		return px_sq_fail(s, "set the page cache");
	return 0;
}

/* --- delegation files ----------------------------------------------- */

int
px_sq_routing_file_put(struct px_store *b, const struct px_routing_file_row *r)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st;
	int rc;

	if ((st = prep(s, Q_RF_DEACT)) == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, r->registry);
	px_sq_bind_text(st, 2, r->sha256);
	if ((rc = px_sq_step_done(s, st, "replace delegation file")) < 0)
		return rc;
	if ((st = prep(s, Q_RF_PUT)) == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, r->sha256);
	px_sq_bind_text(st, 2, r->registry);
	px_sq_bind_text(st, 3, r->serial);
	px_sq_bind_text(st, 4, r->path);
	sqlite3_bind_int64(st, 5, r->records);
	sqlite3_bind_int64(st, 6, r->lines);
	sqlite3_bind_int64(st, 7, r->loaded_ms);
	return px_sq_step_done(s, st, "save delegation file");
}

static void
read_rf(sqlite3_stmt *st, struct px_routing_file_row *r)
{
	r->sha256 = px_sq_col_dup(st, 0);
	r->registry = px_sq_col_dup(st, 1);
	r->serial = px_sq_col_dup(st, 2);
	r->path = px_sq_col_dup(st, 3);
	r->records = sqlite3_column_int64(st, 4);
	r->lines = sqlite3_column_int64(st, 5);
	r->loaded_ms = sqlite3_column_int64(st, 6);
	r->active = sqlite3_column_int(st, 7) != 0;
}

int
px_sq_routing_file_list(
    struct px_store *b, bool active_only, px_routing_file_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_RF_LIST);
	struct px_routing_file_row row;

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int(st, 1, active_only);
	FOREACH_ROW(s, st, row, read_rf, px_routing_file_row_dispose, cb, arg,
	    "list delegation files");
}

/* --- input files ---------------------------------------------------- */

static void
read_ff(sqlite3_stmt *st, struct px_feed_file_row *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->name = px_sq_col_dup(st, 1);
	r->path = px_sq_col_dup(st, 2);
	r->source = px_sq_col_dup(st, 3);
	r->format = px_sq_col_dup(st, 4);
	r->feed = px_sq_col_dup(st, 5);
	r->ident = px_sq_col_dup(st, 6);
	r->state = px_sq_col_dup(st, 7);
	r->error = px_sq_col_dup(st, 8);
	r->size = sqlite3_column_int64(st, 9);
	r->offset = sqlite3_column_int64(st, 10);
	r->line = sqlite3_column_int64(st, 11);
	r->records = sqlite3_column_int64(st, 12);
	r->events = sqlite3_column_int64(st, 13);
	r->duplicates = sqlite3_column_int64(st, 14);
	r->bad = sqlite3_column_int64(st, 15);
	r->routed = sqlite3_column_int64(st, 16);
	r->own = sqlite3_column_int64(st, 17);
	r->unroutable = sqlite3_column_int64(st, 18);
	r->disputed = sqlite3_column_int64(st, 19);
	r->withheld = sqlite3_column_int64(st, 20);
	r->started_ms = sqlite3_column_int64(st, 21);
	r->updated_ms = sqlite3_column_int64(st, 22);
	r->finished_ms = col_i64(st, 23, -1);
}

int
px_sq_feed_file_find(
    struct px_store *b, const char *ident, struct px_feed_file_row *out)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_FF_FIND);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, ident);
	ONE_ROW(s, st, read_ff, out, "no such input file", "find input file");
}

int
px_sq_feed_file_get(
    struct px_store *b, int64_t id, struct px_feed_file_row *out)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_FF_GET);
	char what[64];

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, id);
	snprintf(what, sizeof(what), "no input file %lld", (long long)id);
	ONE_ROW(s, st, read_ff, out, what, "read input file");
}

int
px_sq_feed_file_put(struct px_store *b, struct px_feed_file_row *r)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, r->id ? Q_FF_UPD : Q_FF_INS);
	int rc;

	if (st == NULL)
		return PX_ERR;
	if (r->id)
		sqlite3_bind_int64(st, 1, r->id);
	px_sq_bind_text(st, 2, r->name);
	px_sq_bind_text(st, 3, r->path);
	px_sq_bind_text(st, 4, r->source);
	px_sq_bind_text(st, 5, r->format);
	px_sq_bind_text(st, 6, r->feed);
	px_sq_bind_text(st, 7, r->ident);
	px_sq_bind_text(st, 8, r->state);
	px_sq_bind_text(st, 9, r->error);
	sqlite3_bind_int64(st, 10, r->size);
	sqlite3_bind_int64(st, 11, r->offset);
	sqlite3_bind_int64(st, 12, r->line);
	sqlite3_bind_int64(st, 13, r->records);
	sqlite3_bind_int64(st, 14, r->events);
	sqlite3_bind_int64(st, 15, r->duplicates);
	sqlite3_bind_int64(st, 16, r->bad);
	sqlite3_bind_int64(st, 17, r->routed);
	sqlite3_bind_int64(st, 18, r->own);
	sqlite3_bind_int64(st, 19, r->unroutable);
	sqlite3_bind_int64(st, 20, r->disputed);
	sqlite3_bind_int64(st, 21, r->withheld);
	sqlite3_bind_int64(st, 22, r->started_ms);
	sqlite3_bind_int64(st, 23, r->updated_ms);
	bind_opt(st, 24, r->finished_ms, -1);
	if ((rc = px_sq_step_done(s, st, "save input file")) < 0)
		return rc;
	if (r->id == 0)
		r->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
px_sq_feed_file_list(
    struct px_store *b, int64_t limit, px_feed_file_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_FF_LIST);
	struct px_feed_file_row row;

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, limit > 0 ? limit : -1);
	FOREACH_ROW(s, st, row, read_ff, px_feed_file_row_dispose, cb, arg,
	    "list input files");
}

int
px_sq_feed_bad_put(
    struct px_store *b, int64_t file, int64_t line, const char *reason)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_BAD_PUT);

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, file);
	sqlite3_bind_int64(st, 2, line);
	px_sq_bind_text(st, 3, reason);
	return px_sq_step_done(s, st, "save bad row");
}

int
px_sq_feed_bad_list(
    struct px_store *b, int64_t file, int64_t limit, px_text_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_BAD_LIST);

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, file);
	sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1);
	return px_sq_each_text(s, st, cb, arg, "list bad rows");
}

/* --- events --------------------------------------------------------- */

int
px_sq_feed_event_next(struct px_store *b, int64_t *id)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = fq_prep(s, Q_PK_NEXT);
	int rc;

	if (st == NULL)
		return PX_ERR;
	rc = sqlite3_step(st);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : px_sq_fail(s, "number events");
}

int
px_sq_feed_chunk_put(struct px_store *b, const struct px_feed_chunk *c)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < c->npacks; i++)
		rc = pack_put(s, c, &c->packs[i],
		    c->packs[i].first + c->packs[i].n - 1, true);
	for (size_t i = 0; rc == 0 && i < c->ndups; i++) {
		const struct px_feed_dup_in *d = &c->dups[i];

		if ((st = prep(s, Q_EV_DUP)) == NULL)
			return PX_ERR;
		sqlite3_bind_int64(st, 1, d->id);
		sqlite3_bind_int64(st, 2, d->first);
		sqlite3_bind_int64(st, 3, d->last);
		sqlite3_bind_int64(st, 4, d->delta);
		rc = px_sq_step_done(s, st, "count duplicate");
	}
	for (size_t i = 0; rc == 0 && i < c->nbad; i++)
		rc = px_sq_feed_bad_put(
		    b, c->file, c->bad[i].line, c->bad[i].reason);
	return rc;
}

int
px_sq_feed_event_get(
    struct px_store *b, int64_t id, struct px_feed_event_row *out)
{
	struct sq *s = (struct sq *)b;
	ssize_t i;
	int rc;

	if ((rc = event_at(s, id, &i)) < 0)
		return rc;
	if (i < 0)
		return px_error_set(PX_ENOTFOUND,
		    "no event %lld (see 'parley feed queue')", (long long)id);
	return ent_row(s, (size_t)i, out);
}

int
px_sq_feed_event_keys(
    struct px_store *b, int64_t min_bday, px_feed_key_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = fq_prep(s, Q_PK_ALL);
	int64_t *firsts = NULL;
	size_t n = 0, cap = 0;
	int rc, c = 0, old = 0;

	if (st == NULL)
		return PX_ERR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			firsts = px_realloc(firsts, cap * sizeof(*firsts));
		}
		firsts[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(firsts);
		return px_sq_fail(s, "read event keys");
	}
	/* Packs are written in time order, so the walk back stops once a
	 * long run of events is older than wanted (late events may sit
	 * among newer ones). */
	for (size_t k = 0; c == 0 && old <= 100000 && k < n; k++) {
		if ((c = pack_load(s, firsts[k])) < 0)
			break;
		c = 0;
		for (size_t i = s->pack->nidx; c == 0 && i-- > 0;) {
			const uint8_t *e = s->pack->r + s->pack->idx[i].off;
			int64_t bday = get_i64(e + 56);

			if (bday < min_bday) {
				if (++old > 100000)
					break;
				continue;
			}
			old = 0;
			c = cb(get_i64(e + 48), s->pack->idx[i].id, bday, arg);
		}
	}
	free(firsts);
	return c;
}

int
px_sq_feed_events(struct px_store *b, const struct px_feed_event_filter *f,
    px_feed_event_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = fq_prep(s, Q_PK_LIST);
	/* Statuses 2..4 wait (unroutable, disputed, withheld: enum
	 * px_rt_status). */
	int lo = f->status == -1 ? 2 : f->status < 0 ? 0 : f->status;
	int hi = f->status == -1 ? 4 : f->status < 0 ? 1000 : f->status;
	int64_t before = f->before > 0 ? f->before : INT64_MAX, *firsts = NULL;
	int64_t left = f->limit > 0 ? f->limit : INT64_MAX;
	size_t n = 0, cap = 0;
	int rc, c = 0;

	if (st == NULL)
		return PX_ERR;
	/* The packs first: a callback may read other events. */
	sqlite3_bind_int64(st, 1, before);
	sqlite3_bind_int64(st, 2, f->file > 0 ? f->file : 0);
	sqlite3_bind_int(st, 3, lo);
	sqlite3_bind_int(st, 4, hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			firsts = px_realloc(firsts, cap * sizeof(*firsts));
		}
		firsts[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(firsts);
		return px_sq_fail(s, "list events");
	}
	for (size_t k = 0; c == 0 && left > 0 && k < n; k++) {
		size_t i;

		if ((c = pack_load(s, firsts[k])) < 0)
			break;
		c = 0;
		for (i = s->pack->nidx; c == 0 && left > 0 && i-- > 0;) {
			struct px_sq_pack *p = s->pack;
			const uint8_t *e = p->r + p->idx[i].off;
			int64_t id = p->idx[i].id;
			int status = ent_status(p, i);
			struct px_feed_event_row row;

			if (id >= before || status < lo || status > hi)
				continue;
			if (f->host &&
			    (get_u32(e + 4) != strlen(f->host) ||
			        memcmp(e + ENT_HDR, f->host, strlen(f->host)) !=
			            0))
				continue;
			if ((c = ent_row(s, i, &row)) < 0)
				break;
			c = cb(&row, arg);
			px_feed_event_row_dispose(&row);
			left--;
			/* The callback may have read another pack. */
			if (c == 0 && (c = pack_load(s, firsts[k])) > 0)
				c = 0;
		}
	}
	free(firsts);
	return c;
}

int
px_sq_feed_queue(struct px_store *b, int status, int64_t before, int64_t limit,
    px_feed_event_cb cb, void *arg)
{
	struct px_feed_event_filter f = {
		.status = status < 0 ? -1 : status,
		.before = before,
		.limit = limit,
	};

	return px_sq_feed_events(b, &f, cb, arg);
}

int
px_sq_feed_event_route(struct px_store *b, int64_t id, int status,
    int64_t route, int64_t batch, int64_t routed_ms)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st;
	ssize_t i;
	int64_t pack;
	int rc;

	if ((rc = event_at(s, id, &i)) < 0)
		return rc;
	if (i < 0)
		return px_error_set(
		    PX_ENOTFOUND, "no event %lld", (long long)id);
	pack = s->pack->first;
	if ((st = fq_prep(s, Q_MV_PUT)) == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, pack);
	sqlite3_bind_int(st, 3, status);
	sqlite3_bind_int64(st, 4, route);
	bind_opt(st, 5, batch, 0);
	sqlite3_bind_int64(st, 6, routed_ms);
	rc = px_sq_step_done(s, st, "route event");
	/* Its moves changed: read them again next time. */
	s->pack->first = -1;
	return rc;
}

int
px_sq_feed_status_counts(
    struct px_store *b, int64_t from, int64_t to, int64_t out[5])
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = fq_prep(s, Q_PK_STATUS);
	int rc;

	if (st == NULL)
		return PX_ERR;
	memset(out, 0, 5 * sizeof(*out));
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int k = sqlite3_column_int(st, 0);

		if (k >= 0 && k < 5)
			out[k] = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return px_sq_fail(s, "count events");
	/* Moved events count with their new status and time. */
	if ((st = fq_prep(s, Q_MV_STATUS)) == NULL)
		return PX_ERR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int was = sqlite3_column_int(st, 0), now;
		int64_t t = sqlite3_column_int64(st, 1);

		if (t >= from && t < to && was >= 0 && was < 5)
			out[was]--;
		now = sqlite3_column_int(st, 2);
		t = sqlite3_column_int64(st, 3);
		if (t >= from && t < to && now >= 0 && now < 5)
			out[now]++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : px_sq_fail(s, "count moved events");
}

/* An INSERT OR IGNORE, then the row's id by its unique key. */
static int
upsert_id(struct sq *s, sqlite3_stmt *ins, sqlite3_stmt *get, int64_t *id,
    const char *doing)
{
	int rc;

	if ((rc = sqlite3_step(ins)) != SQLITE_DONE) {
		sqlite3_reset(ins);
		return px_sq_fail(s, doing);
	}
	sqlite3_reset(ins);
	if (sqlite3_changes(s->db) > 0) {
		*id = sqlite3_last_insert_rowid(s->db);
		return 0;
	}
	rc = sqlite3_step(get);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(get, 0);
	sqlite3_reset(get);
	return rc == SQLITE_ROW ? 0 : px_sq_fail(s, doing);
}

int
px_sq_feed_route_id(struct px_store *b, const char *json, int64_t *id)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *ins = prep(s, Q_RT_INS), *get;

	if (ins == NULL)
		return PX_ERR;
	px_sq_bind_text(ins, 1, json);
	if ((get = prep(s, Q_RT_GET)) == NULL)
		return PX_ERR;
	px_sq_bind_text(get, 1, json);
	return upsert_id(s, ins, get, id, "save route");
}

int
px_sq_feed_group_id(struct px_store *b, const char *peer, int64_t asn, int type,
    const char *identifier, int64_t now, int64_t *id)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *ins = prep(s, Q_GR_INS), *get;

	if (ins == NULL)
		return PX_ERR;
	px_sq_bind_text(ins, 1, peer);
	sqlite3_bind_int64(ins, 2, asn);
	sqlite3_bind_int(ins, 3, type);
	px_sq_bind_text(ins, 4, identifier);
	sqlite3_bind_int64(ins, 5, now);
	if ((get = prep(s, Q_GR_GET)) == NULL)
		return PX_ERR;
	px_sq_bind_text(get, 1, peer);
	sqlite3_bind_int64(get, 2, asn);
	sqlite3_bind_int(get, 3, type);
	px_sq_bind_text(get, 4, identifier);
	return upsert_id(s, ins, get, id, "save group");
}

int
px_sq_feed_group_case(struct px_store *b, int64_t grp, const char *case_id)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_GR_CASE);

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, grp);
	px_sq_bind_text(st, 2, case_id);
	return px_sq_step_done(s, st, "save group case");
}

int
px_sq_feed_host_put(struct px_store *b, int64_t grp, const char *host,
    int64_t first, int64_t last, int64_t count)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_HO_PUT);

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, grp);
	px_sq_bind_text(st, 2, host);
	sqlite3_bind_int64(st, 3, first);
	sqlite3_bind_int64(st, 4, last);
	sqlite3_bind_int64(st, 5, count);
	return px_sq_step_done(s, st, "save host");
}

int
px_sq_feed_group_hosts(
    struct px_store *b, int64_t grp, px_feed_host_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_HO_LIST);
	int rc, c = 0;

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, grp);
	while (c == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		c = cb((const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
		    sqlite3_column_int64(st, 3), arg);
	sqlite3_reset(st);
	if (c != 0)
		return c;
	return rc == SQLITE_DONE ? 0 : px_sq_fail(s, "list hosts");
}

int
px_sq_feed_group_pending(struct px_store *b, int64_t grp, int64_t *events)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_GR_PENDING);
	int rc;

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, grp);
	rc = sqlite3_step(st);
	*events = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : px_sq_fail(s, "count pending events");
}

int
px_sq_feed_group_list(struct px_store *b, px_text_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_GR_LIST);

	if (st == NULL)
		return PX_ERR;
	return px_sq_each_text(s, st, cb, arg, "list groups");
}

int
px_sq_feed_batch_id(struct px_store *b, int64_t grp, int64_t start_ms,
    int64_t end_ms, int64_t *id)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *ins = prep(s, Q_BA_INS), *get;

	if (ins == NULL)
		return PX_ERR;
	sqlite3_bind_int64(ins, 1, grp);
	sqlite3_bind_int64(ins, 2, start_ms);
	sqlite3_bind_int64(ins, 3, end_ms);
	if ((get = prep(s, Q_BA_GET)) == NULL)
		return PX_ERR;
	sqlite3_bind_int64(get, 1, grp);
	sqlite3_bind_int64(get, 2, start_ms);
	sqlite3_bind_int64(get, 3, end_ms);
	return upsert_id(s, ins, get, id, "save batch");
}

int
px_sq_feed_batch_add(struct px_store *b, int64_t batch, int64_t n)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_BA_ADD);

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, batch);
	sqlite3_bind_int64(st, 2, n);
	return px_sq_step_done(s, st, "count batch");
}

static void
read_ba(sqlite3_stmt *st, struct px_feed_batch_row *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->grp = sqlite3_column_int64(st, 1);
	r->start_ms = sqlite3_column_int64(st, 2);
	r->end_ms = sqlite3_column_int64(st, 3);
	r->events = sqlite3_column_int64(st, 4);
	r->sent_ms = col_i64(st, 5, -1);
	r->peer = px_sq_col_dup(st, 6);
	r->identifier = px_sq_col_dup(st, 7);
	r->asn = sqlite3_column_int64(st, 8);
	r->type = sqlite3_column_int(st, 9);
	r->case_id = px_sq_col_dup(st, 10);
	r->msg_hash = px_sq_col_dup(st, 11);
	r->gcase = px_sq_col_dup(st, 12);
}

int
px_sq_feed_batches(struct px_store *b, const struct px_feed_batch_filter *f,
    px_feed_batch_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, f->grp > 0 ? Q_BA_GRP : Q_BA_DUE);
	struct px_feed_batch_row row;

	if (st == NULL)
		return PX_ERR;
	if (f->grp > 0) {
		sqlite3_bind_int64(st, 1, f->grp);
	} else {
		sqlite3_bind_int64(st, 1, f->due_before);
		px_sq_bind_text(st, 2, f->peer);
	}
	FOREACH_ROW(s, st, row, read_ba, px_feed_batch_row_dispose, cb, arg,
	    "list batches");
}

/* Calls fn(id, arg) for each event id in the id lists `st` yields (one
 * blob of little-endian int64 per row); stops on a non-zero return. */
static int
each_id(struct sq *s, sqlite3_stmt *st, int (*fn)(struct sq *, int64_t, void *),
    void *arg, const char *doing)
{
	int rc, c = 0;

	while (c == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const uint8_t *blob = sqlite3_column_blob(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0) / 8;

		for (size_t i = 0; c == 0 && i < n; i++) {
			uint64_t v = 0;

			for (int k = 7; k >= 0; k--)
				v = v << 8 | blob[i * 8 + (size_t)k];
			c = fn(s, (int64_t)v, arg);
		}
	}
	sqlite3_reset(st);
	if (c != 0)
		return c;
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : px_sq_fail(s, doing);
}

struct ev_cb {
	px_feed_event_cb cb;
	void *arg;
};

static int
event_of(struct sq *s, int64_t id, void *arg)
{
	struct ev_cb *e = arg;
	struct px_feed_event_row row;
	ssize_t i;
	int rc;

	if ((rc = event_at(s, id, &i)) < 0)
		return rc;
	if (i < 0)
		return 0;
	if ((rc = ent_row(s, (size_t)i, &row)) < 0)
		return rc;
	rc = e->cb(&row, e->arg);
	px_feed_event_row_dispose(&row);
	return rc;
}

int
px_sq_feed_batch_events(
    struct px_store *b, int64_t batch, px_feed_event_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_IT_LIST);
	struct ev_cb e = { .cb = cb, .arg = arg };

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, batch);
	return each_id(s, st, event_of, &e, "list batch events");
}

int
px_sq_feed_batch_items(
    struct px_store *b, int64_t batch, const int64_t *ids, size_t n)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_IT_PUT);
	uint8_t *blob = px_malloc(n * 8 + 1);
	int rc;

	if (st == NULL) {
		free(blob);
		return PX_ERR;
	}
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 8; k++)
			blob[i * 8 + (size_t)k] =
			    (uint8_t)((uint64_t)ids[i] >> (8 * k));
	sqlite3_bind_int64(st, 1, batch);
	sqlite3_bind_blob(st, 2, blob, (int)(n * 8), SQLITE_STATIC);
	rc = px_sq_step_done(s, st, "save batch items");
	free(blob);
	return rc;
}

int
px_sq_feed_batch_sent(struct px_store *b, int64_t batch, const char *case_id,
    const char *msg_hash, int64_t now)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_BA_SENT);

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, batch);
	px_sq_bind_text(st, 2, case_id);
	px_sq_bind_text(st, 3, msg_hash);
	sqlite3_bind_int64(st, 4, now);
	return px_sq_step_done(s, st, "mark batch sent");
}

/* --- parts, queue, received events ---------------------------------- */

int
px_sq_feed_part_put(struct px_store *b, const struct px_feed_part_row *r)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_PA_PUT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, r->msg_hash);
	px_sq_bind_text(st, 2, r->case_id);
	px_sq_bind_text(st, 3, r->peer);
	px_sq_bind_text(st, 4, r->dir);
	px_sq_bind_text(st, 5, r->batch);
	px_sq_bind_text(st, 6, r->attachment);
	sqlite3_bind_int64(st, 7, r->part);
	sqlite3_bind_int64(st, 8, r->parts);
	sqlite3_bind_int64(st, 9, r->start_ms);
	sqlite3_bind_int64(st, 10, r->end_ms);
	sqlite3_bind_int64(st, 11, r->events);
	sqlite3_bind_int64(st, 12, r->time_ms);
	return px_sq_step_done(s, st, "save batch part");
}

static void
read_pa(sqlite3_stmt *st, struct px_feed_part_row *r)
{
	r->msg_hash = px_sq_col_dup(st, 0);
	r->case_id = px_sq_col_dup(st, 1);
	r->peer = px_sq_col_dup(st, 2);
	r->dir = px_sq_col_dup(st, 3);
	r->batch = px_sq_col_dup(st, 4);
	r->attachment = px_sq_col_dup(st, 5);
	r->part = sqlite3_column_int64(st, 6);
	r->parts = sqlite3_column_int64(st, 7);
	r->start_ms = sqlite3_column_int64(st, 8);
	r->end_ms = sqlite3_column_int64(st, 9);
	r->events = sqlite3_column_int64(st, 10);
	r->time_ms = sqlite3_column_int64(st, 11);
}

int
px_sq_feed_parts(struct px_store *b, const char *peer, const char *dir,
    int64_t from, int64_t to, px_feed_part_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_PA_LIST);
	struct px_feed_part_row row;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, peer);
	px_sq_bind_text(st, 2, dir);
	sqlite3_bind_int64(st, 3, from);
	sqlite3_bind_int64(st, 4, to);
	FOREACH_ROW(s, st, row, read_pa, px_feed_part_row_dispose, cb, arg,
	    "list batch parts");
}

int
px_sq_feed_part_get(
    struct px_store *b, const char *msg_hash, struct px_feed_part_row *out)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_PA_GET);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, msg_hash);
	ONE_ROW(s, st, read_pa, out, "no such batch part", "read batch part");
}

int
px_sq_feed_action_put(struct px_store *b, const struct px_feed_action_row *r)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st =
	    px_sq_prep(s, Q_AC_PUT, fq_sql[Q_AC_PUT - PX_SQ_FIRST_FQ_STMT]);

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, r->event);
	px_sq_bind_text(st, 2, r->action);
	px_sq_bind_text(st, 3, r->was);
	px_sq_bind_text(st, 4, r->peer);
	px_sq_bind_text(st, 5, r->reason);
	px_sq_bind_text(st, 6, r->who);
	sqlite3_bind_int64(st, 7, r->time_ms);
	return px_sq_step_done(s, st, "record queue action");
}

static void
read_ac(sqlite3_stmt *st, struct px_feed_action_row *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->event = sqlite3_column_int64(st, 1);
	r->action = px_sq_col_dup(st, 2);
	r->was = px_sq_col_dup(st, 3);
	r->peer = px_sq_col_dup(st, 4);
	r->reason = px_sq_col_dup(st, 5);
	r->who = px_sq_col_dup(st, 6);
	r->time_ms = sqlite3_column_int64(st, 7);
}

int
px_sq_feed_actions(struct px_store *b, int64_t event, int64_t limit,
    px_feed_action_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st =
	    px_sq_prep(s, Q_AC_LIST, fq_sql[Q_AC_LIST - PX_SQ_FIRST_FQ_STMT]);
	struct px_feed_action_row row;

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, event);
	sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1);
	FOREACH_ROW(s, st, row, read_ac, px_feed_action_row_dispose, cb, arg,
	    "list queue actions");
}

int
px_sq_feed_recv_put(
    struct px_store *b, const char *id, const char *attachment, int64_t line)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_RECV_PUT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, id);
	px_sq_bind_text(st, 2, attachment);
	sqlite3_bind_int64(st, 3, line);
	return px_sq_step_done(s, st, "index received event");
}

int
px_sq_feed_recv_find(
    struct px_store *b, const char *id, char **attachment, int64_t *line)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_RECV_GET);
	int rc;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*attachment = px_sq_col_dup(st, 0);
		*line = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE
	    ? px_error_set(PX_ENOTFOUND,
	          "no received event %.16s... (events are indexed when a "
	          "digest is checked)",
	          id)
	    : px_sq_fail(s, "find received event");
}

/* --- attachments and digests ---------------------------------------- */

int
px_sq_attach_put(struct px_store *b, const struct px_attach_row *r)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_AT_PUT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, r->sha256);
	px_sq_bind_text(st, 2, r->media_type);
	px_sq_bind_text(st, 3, r->name);
	px_sq_bind_text(st, 4, r->origin);
	sqlite3_bind_int64(st, 5, r->size);
	sqlite3_bind_int64(st, 6, r->events);
	sqlite3_bind_int64(st, 7, r->stored_ms);
	return px_sq_step_done(s, st, "save attachment");
}

static void
read_at(sqlite3_stmt *st, struct px_attach_row *r)
{
	r->sha256 = px_sq_col_dup(st, 0);
	r->media_type = px_sq_col_dup(st, 1);
	r->name = px_sq_col_dup(st, 2);
	r->origin = px_sq_col_dup(st, 3);
	r->size = sqlite3_column_int64(st, 4);
	r->events = sqlite3_column_int64(st, 5);
	r->stored_ms = sqlite3_column_int64(st, 6);
}

int
px_sq_attach_get(
    struct px_store *b, const char *sha256, struct px_attach_row *out)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_AT_GET);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, sha256);
	ONE_ROW(s, st, read_at, out, "no such attachment", "read attachment");
}

int
px_sq_digest_put(struct px_store *b, const struct px_digest_row *r)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_DG_PUT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, r->peer);
	px_sq_bind_text(st, 2, r->dir);
	px_sq_bind_text(st, 3, r->day);
	px_sq_bind_text(st, 4, r->msg_hash);
	px_sq_bind_text(st, 5, r->root);
	sqlite3_bind_int64(st, 6, r->events);
	sqlite3_bind_int64(st, 7, r->time_ms);
	px_sq_bind_text(st, 8, r->verdict);
	px_sq_bind_text(st, 9, r->detail);
	bind_opt(st, 10, r->checked_ms, -1);
	return px_sq_step_done(s, st, "save digest");
}

static void
read_dg(sqlite3_stmt *st, struct px_digest_row *r)
{
	r->peer = px_sq_col_dup(st, 0);
	r->dir = px_sq_col_dup(st, 1);
	r->day = px_sq_col_dup(st, 2);
	r->msg_hash = px_sq_col_dup(st, 3);
	r->root = px_sq_col_dup(st, 4);
	r->events = sqlite3_column_int64(st, 5);
	r->time_ms = sqlite3_column_int64(st, 6);
	r->verdict = px_sq_col_dup(st, 7);
	r->detail = px_sq_col_dup(st, 8);
	r->checked_ms = col_i64(st, 9, -1);
}

int
px_sq_digest_get(struct px_store *b, const char *peer, const char *dir,
    const char *day, struct px_digest_row *out)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_DG_GET);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, peer);
	px_sq_bind_text(st, 2, dir);
	px_sq_bind_text(st, 3, day);
	ONE_ROW(s, st, read_dg, out, "no such digest", "read digest");
}

int
px_sq_digest_list(struct px_store *b, const char *peer, const char *dir,
    px_digest_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_DG_LIST);
	struct px_digest_row row;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, peer);
	px_sq_bind_text(st, 2, dir);
	FOREACH_ROW(s, st, row, read_dg, px_digest_row_dispose, cb, arg,
	    "list digests");
}

/* --- schema 22 -> 23 ------------------------------------------------- */

/* An event's JSON as schema 20 kept it: in a pack of its batch (u32 id
 * - first, u32 length, the JSON; keyed by the first id), or before
 * packs in feed_event_json.  `old` caches the last pack read. */
struct old_pack {
	int64_t first;
	uint8_t *r;
	size_t n;
};

static char *
old_json(struct sq *s, struct old_pack *o, int64_t id, int64_t pack)
{
	sqlite3_stmt *st;
	char *out = NULL;

	if (o->first != pack) {
		free(o->r);
		o->r = NULL;
		o->n = 0;
		o->first = pack;
		if ((st = fq_prep(s, Q_OLD_PACK)) == NULL)
			return NULL;
		sqlite3_bind_int64(st, 1, pack);
		if (sqlite3_step(st) == SQLITE_ROW) {
			const void *z = sqlite3_column_blob(st, 0);
			size_t zn = (size_t)sqlite3_column_bytes(st, 0);
			unsigned long long full =
			    ZSTD_getFrameContentSize(z, zn);

			if (full != ZSTD_CONTENTSIZE_ERROR &&
			    full != ZSTD_CONTENTSIZE_UNKNOWN &&
			    full <= (1ull << 31)) {
				o->r = px_malloc((size_t)full + 1);
				o->n =
				    ZSTD_decompress(o->r, (size_t)full, z, zn);
				if (ZSTD_isError(o->n))
					o->n = 0;
			}
		}
		sqlite3_reset(st);
	}
	for (size_t at = 0; at + 8 <= o->n;) {
		uint32_t len = get_u32(o->r + at + 4);

		if (len > o->n - at - 8)
			break;
		if (pack + get_u32(o->r + at) == id)
			return px_strndup((const char *)o->r + at + 8, len);
		at += 8 + len;
	}
	if ((st = fq_prep(s, Q_OLD_JSON)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		out = px_sq_col_dup(st, 0);
	sqlite3_reset(st);
	return out;
}

int
px_sq_feed_convert(struct sq *s)
{
	sqlite3_stmt *st = fq_prep(s, Q_OLD_ROWS);
	struct px_feed_pack_in p = { 0 };
	struct px_feed_chunk c = { 0 };
	struct old_pack o = { .first = -1 };
	int64_t last = 0;
	int rc, step;

	if (st == NULL)
		return PX_ERR;
	/* Runs of events with consecutive ids and the same batch, status,
	 * time and file become packs (ids keep their gaps). */
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct px_feed_event_row r = { 0 };
		int64_t batch = col_i64(st, 6, 0);
		int64_t routed = sqlite3_column_int64(st, 3);
		int64_t file = sqlite3_column_int64(st, 1);
		int status = sqlite3_column_int(st, 4);

		r.id = sqlite3_column_int64(st, 0);
		if (p.n > 0 &&
		    (p.batch != batch || p.status != status ||
		        c.routed_ms != routed || c.file != file ||
		        p.n >= PX_FEED_PACK_MAX ||
		        r.id - p.first > (int64_t)UINT32_MAX)) {
			rc = pack_put(s, &c, &p, last, false);
			px_feed_pack_in_dispose(&p);
			if (rc < 0)
				goto out;
		}
		if (p.n == 0) {
			p.first = r.id;
			p.batch = batch;
			p.status = status;
			c.routed_ms = routed;
			c.file = file;
		}
		r.line = sqlite3_column_int64(st, 2);
		r.route = sqlite3_column_int64(st, 5);
		r.type = sqlite3_column_int(st, 7);
		r.severity = sqlite3_column_int(st, 8);
		r.asn = col_i64(st, 9, -1);
		r.host = (char *)sqlite3_column_text(st, 10);
		r.seen_first = sqlite3_column_int64(st, 11);
		r.seen_last = sqlite3_column_int64(st, 12);
		r.count = sqlite3_column_int64(st, 13);
		r.key = sqlite3_column_int64(st, 14);
		r.bday = sqlite3_column_int64(st, 15);
		if ((r.event = old_json(
		         s, &o, r.id, sqlite3_column_int64(st, 16))) == NULL) {
			rc = px_error_set(PX_ERR,
			    "the content of event %lld is missing",
			    (long long)r.id);
			goto out;
		}
		px_feed_entry_put(&p, (uint32_t)(r.id - p.first), &r, NULL);
		free(r.event);
		p.n++;
		last = r.id;
	}
	if (step != SQLITE_DONE) {
		rc = px_sq_fail(s, "read events to convert");
		goto out;
	}
	if (p.n > 0 && (rc = pack_put(s, &c, &p, last, false)) < 0)
		goto out;
	rc = 0;
out:
	sqlite3_reset(st);
	px_feed_pack_in_dispose(&p);
	free(o.r);
	/* The statements of the old tables go first, then the tables. */
	for (int q = Q_OLD_ROWS; q <= Q_OLD_JSON; q++) {
		sqlite3_finalize(s->st[q]);
		s->st[q] = NULL;
	}
	if (rc == 0 &&
	    sqlite3_exec(s->db,
	        "DROP TABLE feed_events; DROP TABLE feed_event_json;"
	        "DROP TABLE feed_event_packs;",
	        NULL, NULL, NULL) != SQLITE_OK)
		rc = px_sq_fail(s, "drop the old event tables");
	return rc;
}

/* --- row disposal --------------------------------------------------- */

void
px_feed_file_row_dispose(struct px_feed_file_row *r)
{
	free(r->name);
	free(r->path);
	free(r->source);
	free(r->format);
	free(r->feed);
	free(r->ident);
	free(r->state);
	free(r->error);
	memset(r, 0, sizeof(*r));
}

void
px_feed_event_row_dispose(struct px_feed_event_row *r)
{
	free(r->host);
	free(r->event);
	free(r->route_json);
	memset(r, 0, sizeof(*r));
}

void
px_feed_batch_row_dispose(struct px_feed_batch_row *r)
{
	free(r->peer);
	free(r->identifier);
	free(r->case_id);
	free(r->msg_hash);
	free(r->gcase);
	memset(r, 0, sizeof(*r));
}

void
px_feed_part_row_dispose(struct px_feed_part_row *r)
{
	free(r->msg_hash);
	free(r->case_id);
	free(r->peer);
	free(r->dir);
	free(r->batch);
	free(r->attachment);
	memset(r, 0, sizeof(*r));
}

void
px_feed_action_row_dispose(struct px_feed_action_row *r)
{
	free(r->action);
	free(r->was);
	free(r->peer);
	free(r->reason);
	free(r->who);
	memset(r, 0, sizeof(*r));
}

void
px_attach_row_dispose(struct px_attach_row *r)
{
	free(r->sha256);
	free(r->media_type);
	free(r->name);
	free(r->origin);
	memset(r, 0, sizeof(*r));
}

void
px_digest_row_dispose(struct px_digest_row *r)
{
	free(r->peer);
	free(r->dir);
	free(r->day);
	free(r->msg_hash);
	free(r->root);
	free(r->verdict);
	free(r->detail);
	memset(r, 0, sizeof(*r));
}

void
px_routing_file_row_dispose(struct px_routing_file_row *r)
{
	free(r->sha256);
	free(r->registry);
	free(r->serial);
	free(r->path);
	memset(r, 0, sizeof(*r));
}
