/*
 * SQLite backend, part four: the agreement proposals derived from
 * agreement cases, and the version each case names (docs/protocol.md,
 * "Agreements").
 */
#include "store/sqlite_internal.h"
#include "util/util.h"

enum sq_agree {
	A_PUT = PX_SQ_FIRST_AGREE_STMT,
	A_LIST,
	A_CASE_SET,
	A_CASES,
	A__END
};

_Static_assert(A__END <= PX_SQ_STMTS, "statement slots");

#define AGREE_COLS                                                        \
	"case_id, peer, hash, proposer, receiver, version, proposed_ms, " \
	"state, answered_ms, answer_hash, reason, terms "

static const char *const asql[A__END - PX_SQ_FIRST_AGREE_STMT] = {
#define S(q) [(q)-PX_SQ_FIRST_AGREE_STMT]
	S(A_PUT) = "INSERT INTO agreements (" AGREE_COLS ") VALUES (?1, ?2, "
	           "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT "
	           "(case_id) DO UPDATE SET state = ?8, answered_ms = ?9, "
	           "answer_hash = ?10, reason = ?11",
	S(A_LIST) = "SELECT " AGREE_COLS "FROM agreements WHERE peer = ?1 "
	            "ORDER BY version, proposed_ms, case_id",
	S(A_CASE_SET) = "UPDATE cases SET agreement = ?2 WHERE id = ?1",
	S(A_CASES) = "SELECT opened_ms, id, coalesce(agreement, '') FROM "
	             "cases WHERE peer = ?1 AND kind != 'agreement' ORDER BY "
	             "opened_ms, id",
#undef S
};

static sqlite3_stmt *
aprep(struct sq *s, enum sq_agree q)
{
	return px_sq_prep(s, q, asql[q - PX_SQ_FIRST_AGREE_STMT]);
}

static void
bind_ms(sqlite3_stmt *st, int i, int64_t v)
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

int
px_sq_agreement_put(struct px_store *b, const struct px_agreement_row *r)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = aprep(s, A_PUT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, r->case_id);
	px_sq_bind_text(st, 2, r->peer);
	px_sq_bind_text(st, 3, r->hash);
	px_sq_bind_text(st, 4, r->proposer);
	px_sq_bind_text(st, 5, r->receiver);
	sqlite3_bind_int64(st, 6, r->version);
	sqlite3_bind_int64(st, 7, r->proposed_ms);
	px_sq_bind_text(st, 8, r->state);
	bind_ms(st, 9, r->answered_ms);
	px_sq_bind_text(st, 10, r->answer_hash);
	px_sq_bind_text(st, 11, r->reason);
	px_sq_bind_text(st, 12, r->terms);
	return px_sq_step_done(s, st, "save agreement proposal");
}

static void
read_agreement(sqlite3_stmt *st, struct px_agreement_row *r)
{
	r->case_id = px_sq_col_dup(st, 0);
	r->peer = px_sq_col_dup(st, 1);
	r->hash = px_sq_col_dup(st, 2);
	r->proposer = px_sq_col_dup(st, 3);
	r->receiver = px_sq_col_dup(st, 4);
	r->version = sqlite3_column_int64(st, 5);
	r->proposed_ms = sqlite3_column_int64(st, 6);
	r->state = px_sq_col_dup(st, 7);
	r->answered_ms = sqlite3_column_type(st, 8) == SQLITE_NULL
	    ? -1
	    : sqlite3_column_int64(st, 8);
	r->answer_hash = px_sq_col_dup(st, 9);
	r->reason = px_sq_col_dup(st, 10);
	r->terms = px_sq_col_dup(st, 11);
}

int
px_sq_agreement_list(
    struct px_store *b, const char *peer, px_agreement_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = aprep(s, A_LIST);
	struct px_agreement_row row;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, peer);
	FOREACH_ROW(s, st, row, read_agreement, px_agreement_row_dispose, cb,
	    arg, "list agreement proposals");
}

int
px_sq_case_set_agreement(struct px_store *b, const char *id, int64_t v)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = aprep(s, A_CASE_SET);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, id);
	bind_ms(st, 2, v);
	return px_sq_step_done(s, st, "save the case's agreement version");
}

int
px_sq_case_agreements(
    struct px_store *b, const char *peer, px_text_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = aprep(s, A_CASES);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, peer);
	return px_sq_each_text(s, st, cb, arg, "list the cases' agreements");
}

void
px_agreement_row_dispose(struct px_agreement_row *r)
{
	free(r->case_id);
	free(r->peer);
	free(r->hash);
	free(r->proposer);
	free(r->receiver);
	free(r->state);
	free(r->answer_hash);
	free(r->reason);
	free(r->terms);
	memset(r, 0, sizeof(*r));
}
