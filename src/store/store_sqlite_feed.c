/*
 * Feeds in the SQLite store: input files and their progress, events
 * after deduplication, route explanations, aggregation groups and
 * batches, the messages that carried batches, attachments, digests, and
 * the loaded delegation files (docs/feeds.md, docs/routing.md).
 *
 * feed_events is the hot table: an ingest inserts each new event with
 * one prepared statement inside a transaction of many thousand rows.  It
 * is narrow (what routing, the queue and remediation read).  The event's
 * canonical JSON, ten times its size and read only when the event is
 * shared or shown, is not a row: a transaction's events are packed, by
 * batch (those of no batch together), into zstd-compressed blobs of
 * feed_event_packs of at most PACK_MAX events, each keyed by the id of
 * its first event (the way batch membership is stored), written when
 * full or when the chunk commits (feed_events_flush).  An event's row
 * names its pack (NULL: the pack it starts).  Reading one event loads
 * its pack and keeps it, decompressed, with an index of its entries;
 * reading a batch's events (to build its attachments) thus decompresses
 * that batch's packs once each and nothing else.  Events stored before
 * packs (schema 17) are still read from feed_event_json.  A
 * duplicate does not touch that wide row (an update there dirties a page
 * of it per duplicate): it adds to the event's row in the narrow
 * feed_seen (first, last, further observations), by rowid.  Neither
 * needs an index on the deduplication key (the key index lives in
 * node/dedup.c).  Its two indexes are the batch (to build attachments)
 * and a partial one on the statuses that wait for a person.
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
	Q_EV_PUT,
	Q_EV_DUP,
	Q_EV_GET,
	Q_EV_KEYS,
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
	Q_QUEUE,
	Q_RECV_PUT,
	Q_RECV_GET,
	Q_AT_PUT,
	Q_AT_GET,
	Q_DG_PUT,
	Q_DG_GET,
	Q_DG_LIST,
	Q_GR_LIST,
	Q_STATUS,
	Q_IT_PUT,
	Q_IT_LIST,
	Q_END
};

_Static_assert(Q_END <= PX_SQ_FIRST_DESK_STMT, "statement slots");

/* The queue's actions (slots of their own: the range above is full). */
enum {
	Q_EV_ROUTE = PX_SQ_FIRST_FQ_STMT,
	Q_AC_PUT,
	Q_AC_LIST,
	Q_PK_PUT,
	Q_PK_GET,
	Q_EJ_GET,
	Q_FQ_END
};

_Static_assert(Q_FQ_END <= PX_SQ_STMTS, "raise PX_SQ_STMTS");

static const char *const fq_sql[Q_FQ_END - PX_SQ_FIRST_FQ_STMT] = {
	[Q_EV_ROUTE - PX_SQ_FIRST_FQ_STMT] =
	    "UPDATE feed_events SET status = ?2, route = ?3, batch = ?4, "
	    "routed_ms = ?5 WHERE id = ?1",
	[Q_AC_PUT - PX_SQ_FIRST_FQ_STMT] =
	    "INSERT INTO feed_actions (event, action, was, peer, reason, who, "
	    "time_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[Q_AC_LIST - PX_SQ_FIRST_FQ_STMT] =
	    "SELECT id, event, action, was, peer, reason, who, time_ms FROM "
	    "feed_actions WHERE ?1 = 0 OR event = ?1 ORDER BY id DESC LIMIT ?2",
	[Q_PK_PUT - PX_SQ_FIRST_FQ_STMT] =
	    "INSERT INTO feed_event_packs (first, last, events, data) VALUES "
	    "(?1, ?2, ?3, ?4)",
	[Q_PK_GET - PX_SQ_FIRST_FQ_STMT] =
	    "SELECT data FROM feed_event_packs WHERE first = ?1",
	[Q_EJ_GET - PX_SQ_FIRST_FQ_STMT] =
	    "SELECT event FROM feed_event_json WHERE id = ?1",
};

static sqlite3_stmt *
fq_prep(struct sq *s, int q)
{
	return px_sq_prep(s, q, fq_sql[q - PX_SQ_FIRST_FQ_STMT]);
}

/* --- packs of event JSON ---------------------------------------------- */

/* A pack, uncompressed, is a run of entries (little-endian):
 *   u32 id - first, u32 length, the canonical JSON's bytes */
#define PACK_LEVEL 1    /* zstd: the fastest of its normal levels */
#define PACK_MAX   4096 /* events per pack: one read costs at most this */

struct pack_ent {
	int64_t id;
	uint32_t off, len;
};

/* A pack being written. */
struct pack_w {
	int64_t batch, first, last, n;
	struct px_buf buf;
};

struct px_sq_pack {
	/* Being written in this transaction: by batch. */
	struct px_u64map wmap; /* batch -> index in w */
	struct pack_w *w;
	size_t nw, capw;
	/* The last pack read, decompressed, and its entries. */
	int64_t rfirst;
	uint8_t *r;
	size_t rlen;
	struct pack_ent *idx;
	size_t nidx;
};

static struct px_sq_pack *
pack_of(struct sq *s)
{
	if (s->pack == NULL) {
		s->pack = px_calloc(1, sizeof(*s->pack));
		px_u64map_init(&s->pack->wmap);
		s->pack->rfirst = -1;
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

/* Writes pack `w` (if it holds anything) and empties it. */
static int
pack_write(struct sq *s, struct pack_w *w)
{
	sqlite3_stmt *st;
	size_t cap, n;
	void *z;
	int rc;

	if (w->n == 0)
		return 0;
	cap = ZSTD_compressBound(w->buf.len);
	z = px_malloc(cap);
	n = ZSTD_compress(z, cap, w->buf.data, w->buf.len, PACK_LEVEL);
	if (ZSTD_isError(n)) {
		free(z);
		return px_error_set(
		    PX_ERR, "cannot compress events: %s", ZSTD_getErrorName(n));
	}
	if ((st = fq_prep(s, Q_PK_PUT)) == NULL) {
		free(z);
		return PX_ERR;
	}
	sqlite3_bind_int64(st, 1, w->first);
	sqlite3_bind_int64(st, 2, w->last);
	sqlite3_bind_int64(st, 3, w->n);
	sqlite3_bind_blob(st, 4, z, (int)n, SQLITE_STATIC);
	rc = px_sq_step_done(s, st, "store events");
	free(z);
	px_buf_reset(&w->buf);
	w->n = 0;
	return rc;
}

/* The pack being written for `batch`'s events, made if there is none. */
static struct pack_w *
pack_for(struct sq *s, int64_t batch)
{
	struct px_sq_pack *p = pack_of(s);
	int64_t i = px_u64map_get(&p->wmap, (uint64_t)batch, NULL);

	if (i >= 0)
		return &p->w[i];
	if (p->nw == p->capw) {
		p->capw = p->capw ? p->capw * 2 : 64;
		p->w = px_realloc(p->w, p->capw * sizeof(*p->w));
	}
	memset(&p->w[p->nw], 0, sizeof(*p->w));
	p->w[p->nw].batch = batch;
	px_buf_init(&p->w[p->nw].buf, PX_BUF_NOCAP);
	px_u64map_put(&p->wmap, (uint64_t)batch, (uint32_t)p->nw);
	return &p->w[p->nw++];
}

/* The pack event `id` of `batch` will be in: its first event's id, or
 * 0 when it starts one (the event's own id, not known before its row is
 * inserted). */
static int64_t
pack_next(struct sq *s, int64_t batch)
{
	struct pack_w *w = pack_for(s, batch);

	return w->n == 0 || w->n >= PACK_MAX ? 0 : w->first;
}

/* Adds event `id`'s JSON to its batch's pack; a full pack is written. */
static int
pack_add(struct sq *s, int64_t batch, int64_t id, const char *json)
{
	struct pack_w *w = pack_for(s, batch);
	size_t n = json ? strlen(json) : 0;
	uint8_t h[8];
	int rc;

	if (w->n >= PACK_MAX && (rc = pack_write(s, w)) < 0)
		return rc;
	if (w->n == 0)
		w->first = id;
	if (id < w->first || id - w->first > (int64_t)UINT32_MAX ||
	    n > UINT32_MAX)
		return px_error_set(
		    PX_ERR, "event %lld does not fit its pack", (long long)id);
	put_u32(h, (uint32_t)(id - w->first));
	put_u32(h + 4, (uint32_t)n);
	px_buf_put(&w->buf, h, 8);
	px_buf_put(&w->buf, json, n);
	w->last = id;
	w->n++;
	return 0;
}

int
px_sq_feed_events_flush(struct px_store *b)
{
	struct sq *s = (struct sq *)b;
	struct px_sq_pack *p = s->pack;
	int rc = 0;

	if (p == NULL)
		return 0;
	for (size_t i = 0; rc == 0 && i < p->nw; i++)
		rc = pack_write(s, &p->w[i]);
	px_sq_pack_rollback(s);
	return rc;
}

void
px_sq_pack_rollback(struct sq *s)
{
	struct px_sq_pack *p = s->pack;

	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nw; i++)
		px_buf_dispose(&p->w[i].buf);
	p->nw = 0;
	px_u64map_clear(&p->wmap);
}

void
px_sq_pack_close(struct sq *s)
{
	if (s->pack == NULL)
		return;
	px_sq_pack_rollback(s);
	px_u64map_dispose(&s->pack->wmap);
	free(s->pack->w);
	free(s->pack->r);
	free(s->pack->idx);
	free(s->pack);
	s->pack = NULL;
}

/* Loads pack `first` as the one read; 1 if it exists, 0 if not. */
static int
pack_load(struct sq *s, int64_t first)
{
	struct px_sq_pack *p = pack_of(s);
	sqlite3_stmt *st;
	const void *z;
	size_t zn, n, at;
	unsigned long long full;
	int rc;

	if (p->rfirst == first)
		return 1;
	if ((st = fq_prep(s, Q_PK_GET)) == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, first);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 : px_sq_fail(s, "read events");
	}
	z = sqlite3_column_blob(st, 0);
	zn = (size_t)sqlite3_column_bytes(st, 0);
	full = ZSTD_getFrameContentSize(z, zn);
	p->rfirst = -1;
	if (full == ZSTD_CONTENTSIZE_ERROR ||
	    full == ZSTD_CONTENTSIZE_UNKNOWN || full > (1ull << 31)) {
		sqlite3_reset(st);
		return px_error_set(PX_ERR,
		    "the pack of events %lld is damaged", (long long)first);
	}
	free(p->r);
	p->r = px_malloc((size_t)full + 1);
	n = ZSTD_decompress(p->r, (size_t)full, z, zn);
	sqlite3_reset(st);
	if (ZSTD_isError(n))
		return px_error_set(PX_ERR,
		    "the pack of events %lld is damaged", (long long)first);
	p->rlen = n;
	p->rfirst = first;
	p->nidx = 0;
	for (at = 0; at + 8 <= n;) {
		uint32_t len = get_u32(p->r + at + 4);

		if (len > n - at - 8)
			break;
		if ((p->nidx & 1023) == 0)
			p->idx = px_realloc(
			    p->idx, (p->nidx + 1024) * sizeof(*p->idx));
		p->idx[p->nidx].id = first + get_u32(p->r + at);
		p->idx[p->nidx].off = (uint32_t)(at + 8);
		p->idx[p->nidx].len = len;
		p->nidx++;
		at += 8 + len;
	}
	return 1;
}

/* The canonical JSON of event `id` (heap), in pack `pack`, or NULL if
 * it is not stored (with the error set when reading failed). */
static char *
ev_json(struct sq *s, int64_t id, int64_t pack)
{
	struct px_sq_pack *p;
	sqlite3_stmt *st;
	size_t lo = 0, hi;
	char *out = NULL;
	int rc = pack_load(s, pack);

	if (rc < 0)
		return NULL;
	if (rc == 1) {
		p = s->pack;
		hi = p->nidx;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (p->idx[mid].id < id)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < p->nidx && p->idx[lo].id == id)
			return px_strndup((const char *)p->r + p->idx[lo].off,
			    p->idx[lo].len);
	}
	/* Stored before packs. */
	if ((st = fq_prep(s, Q_EJ_GET)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		out = px_sq_col_dup(st, 0);
	sqlite3_reset(st);
	return out;
}

#define FF_COLS                                                             \
	"id, name, path, source, format, feed, ident, state, error, size, " \
	"offset, line, records, events, duplicates, bad, routed, own, "     \
	"unroutable, disputed, withheld, started_ms, updated_ms, "          \
	"finished_ms "
#define EV_COLS                                                           \
	"e.id, e.file, e.line, e.routed_ms, e.status, e.route, e.batch, " \
	"e.type, e.severity, e.asn, e.host, "                             \
	"min(e.seen_first, coalesce(s.first, e.seen_first)), "            \
	"max(e.seen_last, coalesce(s.last, e.seen_last)), "               \
	"e.count + coalesce(s.count, 0), e.key, e.bday, "                 \
	"coalesce(e.pack, e.id), r.json "
#define EV_FROM \
	"FROM feed_events e JOIN feed_routes r ON r.id = e.route LEFT JOIN feed_seen s ON s.id = e.id "
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
	S(Q_EV_PUT) = "INSERT INTO feed_events (file, line, routed_ms, status, "
	              "route, batch, type, severity, asn, host, seen_first, "
	              "seen_last, count, key, bday, pack) VALUES (?1, ?2, ?3, "
	              "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
	              "?16)",
	S(Q_EV_DUP) = "INSERT INTO feed_seen (id, first, last, count) VALUES "
	              "(?1, ?2, ?3, ?4) ON CONFLICT (id) DO UPDATE SET first = "
	              "min(first, excluded.first), last = max(last, "
	              "excluded.last), count = count + excluded.count",
	S(Q_EV_GET) = "SELECT " EV_COLS EV_FROM "WHERE e.id = ?1",
	S(Q_EV_KEYS) = "SELECT key, id, bday FROM feed_events ORDER BY id DESC",
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
	/* Statuses 2..4 wait (unroutable, disputed, withheld); 5, dismissed,
	 * is listed only when asked for by name. */
	S(Q_QUEUE) = "SELECT " EV_COLS EV_FROM "WHERE e.status >= 2 AND "
	             "(CASE WHEN ?1 < 0 THEN e.status < 5 ELSE e.status = ?1 "
	             "END) AND e.id < ?3 ORDER BY e.id DESC LIMIT ?2",
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
	S(Q_STATUS) = "SELECT status, count(*) FROM feed_events WHERE "
	              "routed_ms >= ?1 AND routed_ms < ?2 GROUP BY status",
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

int
px_sq_feed_tune(struct px_store *b, bool bulk)
{
	struct sq *s = (struct sq *)b;
	const char *q =
	    bulk ? "PRAGMA cache_size = -65536" : "PRAGMA cache_size = -2000";

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
px_sq_feed_event_put(
    struct px_store *b, const struct px_feed_event_row *r, int64_t *id)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_EV_PUT);
	int rc;

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, r->file);
	sqlite3_bind_int64(st, 2, r->line);
	sqlite3_bind_int64(st, 3, r->routed_ms);
	sqlite3_bind_int(st, 4, r->status);
	sqlite3_bind_int64(st, 5, r->route);
	bind_opt(st, 6, r->batch, 0);
	sqlite3_bind_int(st, 7, r->type);
	sqlite3_bind_int(st, 8, r->severity);
	bind_opt(st, 9, r->asn, -1);
	px_sq_bind_text(st, 10, r->host);
	sqlite3_bind_int64(st, 11, r->seen_first);
	sqlite3_bind_int64(st, 12, r->seen_last);
	sqlite3_bind_int64(st, 13, r->count);
	sqlite3_bind_int64(st, 14, r->key);
	sqlite3_bind_int64(st, 15, r->bday);
	bind_opt(st, 16, pack_next(s, r->batch), 0);
	if ((rc = px_sq_step_done(s, st, "store event")) < 0)
		return rc;
	*id = sqlite3_last_insert_rowid(s->db);
	return pack_add(s, r->batch, *id, r->event);
}

int
px_sq_feed_event_dup(
    struct px_store *b, int64_t id, int64_t first, int64_t last, int64_t delta)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_EV_DUP);

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, first);
	sqlite3_bind_int64(st, 3, last);
	sqlite3_bind_int64(st, 4, delta);
	return px_sq_step_done(s, st, "count duplicate");
}

static void
read_ev(sqlite3_stmt *st, struct px_feed_event_row *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->file = sqlite3_column_int64(st, 1);
	r->line = sqlite3_column_int64(st, 2);
	r->routed_ms = sqlite3_column_int64(st, 3);
	r->status = sqlite3_column_int(st, 4);
	r->route = sqlite3_column_int64(st, 5);
	r->batch = col_i64(st, 6, 0);
	r->type = sqlite3_column_int(st, 7);
	r->severity = sqlite3_column_int(st, 8);
	r->asn = col_i64(st, 9, -1);
	r->host = px_sq_col_dup(st, 10);
	r->seen_first = sqlite3_column_int64(st, 11);
	r->seen_last = sqlite3_column_int64(st, 12);
	r->count = sqlite3_column_int64(st, 13);
	r->key = sqlite3_column_int64(st, 14);
	r->bday = sqlite3_column_int64(st, 15);
	r->pack = sqlite3_column_int64(st, 16);
	r->route_json = px_sq_col_dup(st, 17);
}

/* Fills the row's event JSON from its pack; disposes of the row on
 * failure. */
static int
with_json(struct sq *s, struct px_feed_event_row *r)
{
	if (r->event != NULL)
		return 0;
	px_error_clear();
	if ((r->event = ev_json(s, r->id, r->pack)) == NULL) {
		int64_t id = r->id;

		px_feed_event_row_dispose(r);
		return px_error_last()[0]
		    ? PX_ERR
		    : px_error_set(PX_ERR,
		          "the content of event %lld is missing",
		          (long long)id);
	}
	return 0;
}

int
px_sq_feed_event_get(
    struct px_store *b, int64_t id, struct px_feed_event_row *out)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_EV_GET);
	char what[64];
	int rc;

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, id);
	snprintf(what, sizeof(what), "no event %lld (see 'parley feed queue')",
	    (long long)id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		read_ev(st, out);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return px_error_set(PX_ENOTFOUND, "%s", what);
	if (rc != SQLITE_ROW)
		return px_sq_fail(s, "read event");
	return with_json(s, out);
}

int
px_sq_feed_event_keys(
    struct px_store *b, int64_t min_bday, px_feed_key_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_EV_KEYS);
	int rc, c = 0, old = 0;

	if (st == NULL)
		return PX_ERR;
	/* Rows are appended in time order, so the walk back stops once a
	 * long run of rows is older than wanted (late events may sit
	 * among newer ones). */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t bday = sqlite3_column_int64(st, 2);

		if (bday < min_bday) {
			if (++old > 100000)
				break;
			continue;
		}
		old = 0;
		if ((c = cb(sqlite3_column_int64(st, 0),
		         sqlite3_column_int64(st, 1), bday, arg)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (c != 0)
		return c;
	return rc == SQLITE_DONE || rc == SQLITE_ROW
	    ? 0
	    : px_sq_fail(s, "read event keys");
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
px_sq_feed_status_counts(
    struct px_store *b, int64_t from, int64_t to, int64_t out[5])
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_STATUS);
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
	return rc == SQLITE_DONE ? 0 : px_sq_fail(s, "count events");
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
	sqlite3_stmt *st = prep(s, Q_EV_GET);
	struct px_feed_event_row row;
	int rc, c = 0;

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		read_ev(st, &row);
		sqlite3_reset(st);
		if ((c = with_json(s, &row)) < 0)
			return c;
		c = e->cb(&row, e->arg);
		px_feed_event_row_dispose(&row);
		return c;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : px_sq_fail(s, "read batch event");
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
px_sq_feed_queue(struct px_store *b, int status, int64_t before, int64_t limit,
    px_feed_event_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_QUEUE);
	struct px_feed_event_row row;
	int rc, c = 0;

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int(st, 1, status);
	sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1);
	sqlite3_bind_int64(st, 3, before > 0 ? before : INT64_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		read_ev(st, &row);
		if ((c = with_json(s, &row)) < 0)
			break;
		c = cb(&row, arg);
		px_feed_event_row_dispose(&row);
		if (c != 0)
			break;
	}
	sqlite3_reset(st);
	if (c != 0)
		return c;
	return rc == SQLITE_DONE ? 0 : px_sq_fail(s, "list the queue");
}

int
px_sq_feed_event_route(struct px_store *b, int64_t id, int status,
    int64_t route, int64_t batch, int64_t routed_ms)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st =
	    px_sq_prep(s, Q_EV_ROUTE, fq_sql[Q_EV_ROUTE - PX_SQ_FIRST_FQ_STMT]);
	int rc;

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, status);
	sqlite3_bind_int64(st, 3, route);
	bind_opt(st, 4, batch, 0);
	sqlite3_bind_int64(st, 5, routed_ms);
	if ((rc = px_sq_step_done(s, st, "route event")) < 0)
		return rc;
	if (sqlite3_changes(s->db) == 0)
		return px_error_set(
		    PX_ENOTFOUND, "no event %lld", (long long)id);
	return 0;
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
