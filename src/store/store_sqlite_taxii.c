/*
 * SQLite backend, part five: TAXII 2.1 collections (docs/interop.md).
 * Each object version sits at a position (the INTEGER PRIMARY KEY, never
 * reused: AUTOINCREMENT), and a page is read from one position on, so
 * objects that share a date-added are neither repeated nor skipped.
 */
#include "store/sqlite_internal.h"
#include "util/util.h"

enum sq_taxii {
	T_PUT = PX_SQ_FIRST_TAXII_STMT,
	T_SCAN,
	T_SCAN_ID,
	T_STATUS_PUT,
	T_STATUS_GET,
	T__END
};

_Static_assert(T__END <= PX_SQ_FIRST_AGREE_STMT, "statement slots");

#define SCAN_COLS                                                           \
	"SELECT pos, id, type, version, spec_version, added_ms, body, NOT " \
	"EXISTS (SELECT 1 FROM taxii_objects b WHERE b.coll = a.coll AND "  \
	"b.id = a.id AND b.version < a.version), NOT EXISTS (SELECT 1 "     \
	"FROM taxii_objects b WHERE b.coll = a.coll AND b.id = a.id AND "   \
	"b.version > a.version) FROM taxii_objects a "

static const char *const tsql[T__END - PX_SQ_FIRST_TAXII_STMT] = {
#define S(q) [(q)-PX_SQ_FIRST_TAXII_STMT]
	S(T_PUT) = "INSERT OR IGNORE INTO taxii_objects (coll, id, type, "
	           "version, spec_version, added_ms, body) VALUES (?1, ?2, "
	           "?3, ?4, ?5, ?6, ?7)",
	/* first/last by the (coll, id, version) unique index; the walk by
	 * the (coll, pos) index, so a page reads only what it serves (with
	 * "id = ?" in the same statement SQLite would take the unique index
	 * and sort the whole rest of the collection for every page). */
	S(T_SCAN) = (SCAN_COLS
	    "INDEXED BY taxii_objects_coll WHERE coll = ?1 AND pos > ?2 AND added_ms > "
	    "?3 ORDER BY pos"),
	S(T_SCAN_ID) = (SCAN_COLS "WHERE coll = ?1 AND pos > ?2 AND added_ms "
	                          "> ?3 AND id = ?4 ORDER BY pos"),
	S(T_STATUS_PUT) = ("INSERT INTO taxii_status (id, coll, created_ms, "
	                   "body) VALUES (?1, ?2, ?3, ?4)"),
	S(T_STATUS_GET) = "SELECT coll, body FROM taxii_status WHERE id = ?1",
#undef S
};

static sqlite3_stmt *
tprep(struct sq *s, enum sq_taxii q)
{
	return px_sq_prep(s, q, tsql[q - PX_SQ_FIRST_TAXII_STMT]);
}

int
px_sq_taxii_put(struct px_store *b, const struct px_taxii_row *r, bool *added)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = tprep(s, T_PUT);
	int rc;

	if (st == NULL)
		return px_sq_fail(s, "prepare");
	px_sq_bind_text(st, 1, r->coll);
	px_sq_bind_text(st, 2, r->id);
	px_sq_bind_text(st, 3, r->type);
	px_sq_bind_text(st, 4, r->version);
	px_sq_bind_text(st, 5, r->spec_version);
	sqlite3_bind_int64(st, 6, r->added_ms);
	px_sq_bind_text(st, 7, r->body);
	if ((rc = px_sq_step_done(s, st, "add a TAXII object")) < 0)
		return rc;
	*added = sqlite3_changes(s->db) > 0;
	return 0;
}

int
px_sq_taxii_scan(struct px_store *b, const char *coll, int64_t after,
    int64_t added_after_ms, const char *id, px_taxii_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = tprep(s, id ? T_SCAN_ID : T_SCAN);
	int rc, stop = 0;

	if (st == NULL)
		return px_sq_fail(s, "prepare");
	px_sq_bind_text(st, 1, coll);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int64(st, 3, added_after_ms);
	if (id != NULL)
		px_sq_bind_text(st, 4, id);
	while (stop == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct px_taxii_row r = {
			.pos = sqlite3_column_int64(st, 0),
			.coll = coll,
			.id = (const char *)sqlite3_column_text(st, 1),
			.type = (const char *)sqlite3_column_text(st, 2),
			.version = (const char *)sqlite3_column_text(st, 3),
			.spec_version =
			    (const char *)sqlite3_column_text(st, 4),
			.added_ms = sqlite3_column_int64(st, 5),
			.body = (const char *)sqlite3_column_text(st, 6),
			.first = sqlite3_column_int(st, 7) != 0,
			.last = sqlite3_column_int(st, 8) != 0,
		};

		stop = cb(&r, arg);
	}
	if (stop == 0 && rc != SQLITE_DONE) {
		rc = px_sq_fail(s, "read TAXII objects");
		sqlite3_reset(st);
		return rc;
	}
	sqlite3_reset(st);
	return stop < 0 ? stop : 0;
}

int
px_sq_taxii_status_put(struct px_store *b, const char *id, const char *coll,
    int64_t created_ms, const char *body)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = tprep(s, T_STATUS_PUT);

	if (st == NULL)
		return px_sq_fail(s, "prepare");
	px_sq_bind_text(st, 1, id);
	px_sq_bind_text(st, 2, coll);
	sqlite3_bind_int64(st, 3, created_ms);
	px_sq_bind_text(st, 4, body);
	return px_sq_step_done(s, st, "store a TAXII status");
}

int
px_sq_taxii_status_get(
    struct px_store *b, const char *id, char **coll, char **body)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = tprep(s, T_STATUS_GET);
	int rc;

	if (st == NULL)
		return px_sq_fail(s, "prepare");
	px_sq_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*coll = px_sq_col_dup(st, 0);
		*body = px_sq_col_dup(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE
	    ? px_error_set(PX_ENOTFOUND, "no TAXII status %s", id)
	    : px_sq_fail(s, "read a TAXII status");
}
