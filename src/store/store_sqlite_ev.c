/*
 * SQLite backend, part five: the evidence index (docs/evidence.md), one
 * row per item and case, derived from the case's evidence messages.
 */
#include "store/sqlite_internal.h"
#include "util/util.h"

enum sq_ev { E_PUT = PX_SQ_FIRST_EV_STMT, E_LIST, E__END };

_Static_assert(E__END <= PX_SQ_STMTS, "statement slots");

#define EV_COLS                                                         \
	"case_id, item, peer, root, exhibit, media_type, size, state, " \
	"updated_ms "

static const char *const esql[E__END - PX_SQ_FIRST_EV_STMT] = {
#define S(q) [(q)-PX_SQ_FIRST_EV_STMT]
	S(E_PUT) = "INSERT OR REPLACE INTO evidence (" EV_COLS ") VALUES "
	           "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	/* Each filter member matches when NULL. */
	S(E_LIST) = "SELECT " EV_COLS "FROM evidence WHERE (?1 IS NULL OR "
	            "case_id = ?1) AND (?2 IS NULL OR item = ?2) AND (?3 IS "
	            "NULL OR peer = ?3) AND (?4 IS NULL OR state = ?4) ORDER "
	            "BY updated_ms, case_id, item",
#undef S
};

static sqlite3_stmt *
eprep(struct sq *s, enum sq_ev q)
{
	return px_sq_prep(s, q, esql[q - PX_SQ_FIRST_EV_STMT]);
}

int
px_sq_evidence_put(struct px_store *b, const struct px_evidence_row *r)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = eprep(s, E_PUT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, r->case_id);
	px_sq_bind_text(st, 2, r->item);
	px_sq_bind_text(st, 3, r->peer);
	px_sq_bind_text(st, 4, r->root);
	px_sq_bind_text(st, 5, r->exhibit);
	px_sq_bind_text(st, 6, r->media_type);
	sqlite3_bind_int64(st, 7, r->size);
	px_sq_bind_text(st, 8, r->state);
	sqlite3_bind_int64(st, 9, r->updated_ms);
	return px_sq_step_done(s, st, "save the evidence index");
}

static void
read_row(sqlite3_stmt *st, struct px_evidence_row *r)
{
	r->case_id = px_sq_col_dup(st, 0);
	r->item = px_sq_col_dup(st, 1);
	r->peer = px_sq_col_dup(st, 2);
	r->root = px_sq_col_dup(st, 3);
	r->exhibit = px_sq_col_dup(st, 4);
	r->media_type = px_sq_col_dup(st, 5);
	r->size = sqlite3_column_int64(st, 6);
	r->state = px_sq_col_dup(st, 7);
	r->updated_ms = sqlite3_column_int64(st, 8);
}

int
px_sq_evidence_list(struct px_store *b, const struct px_evidence_filter *f,
    px_evidence_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = eprep(s, E_LIST);
	struct px_evidence_row row;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, f ? f->case_id : NULL);
	px_sq_bind_text(st, 2, f ? f->item : NULL);
	px_sq_bind_text(st, 3, f ? f->peer : NULL);
	px_sq_bind_text(st, 4, f ? f->state : NULL);
	FOREACH_ROW(s, st, row, read_row, px_evidence_row_dispose, cb, arg,
	    "list the evidence index");
}

void
px_evidence_row_dispose(struct px_evidence_row *r)
{
	free(r->case_id);
	free(r->item);
	free(r->peer);
	free(r->root);
	free(r->exhibit);
	free(r->media_type);
	free(r->state);
	memset(r, 0, sizeof(*r));
}
