/*
 * SQLite backend, part five: exercises (docs/exercises.md).  The record
 * of an exercise is its messages like everything else; what is kept here
 * is what only this node knows (the full scenarios it holds: drafts and
 * the exercises it proposed), and the exercise each case belongs to, so
 * that an exercise's cases are found by one indexed query.
 */
#include "store/sqlite_internal.h"
#include "util/util.h"

enum sq_exer {
	X_PUT = PX_SQ_FIRST_EXER_STMT,
	X_GET,
	X_LIST,
	X_DELETE,
	X_CASE_SET,
	X_CASES,
	X_DUE_ALL,
	X_CANCEL,
	X_CASE_EX,
	X_IDS,
	X__END
};

_Static_assert(X__END <= PX_SQ_STMTS, "statement slots");

#define EXER_COLS \
	"id, case_id, peer, name, hash, scenario, created_ms, updated_ms "

static const char *const xsql[X__END - PX_SQ_FIRST_EXER_STMT] = {
#define S(q) [(q)-PX_SQ_FIRST_EXER_STMT]
	S(X_PUT) = "INSERT INTO exercises (" EXER_COLS ") VALUES (?1, ?2, "
	           "?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO UPDATE SET "
	           "case_id = ?2, peer = ?3, name = ?4, hash = ?5, "
	           "scenario = ?6, updated_ms = ?8",
	S(X_GET) = "SELECT " EXER_COLS "FROM exercises WHERE id = ?1 OR "
	           "case_id = ?1 LIMIT 1",
	S(X_LIST) = "SELECT " EXER_COLS "FROM exercises ORDER BY created_ms, "
	            "id",
	S(X_DELETE) = "DELETE FROM exercises WHERE id = ?1 AND case_id IS "
	              "NULL",
	S(X_CASE_SET) = "UPDATE cases SET exercise = ?2 WHERE id = ?1",
	S(X_CASES) = "SELECT opened_ms, id, kind FROM cases WHERE exercise = "
	             "?1 ORDER BY opened_ms, id",
	S(X_DUE_ALL) = "UPDATE cases SET due_ms = 0 WHERE exercise = ?1",
	S(X_CANCEL) = "UPDATE notifications SET status = 'cancelled', "
	              "last_error = ?2, next_ms = ?3 WHERE status = "
	              "'pending' AND case_id IN (SELECT id FROM cases WHERE "
	              "exercise = ?1)",
	S(X_CASE_EX) = "SELECT exercise FROM cases WHERE id = ?1",
	S(X_IDS) = "SELECT opened_ms, id, peer FROM cases WHERE kind = "
	           "'exercise' ORDER BY opened_ms DESC, id",
#undef S
};

static sqlite3_stmt *
xprep(struct sq *s, enum sq_exer q)
{
	return px_sq_prep(s, q, xsql[q - PX_SQ_FIRST_EXER_STMT]);
}

int
px_sq_exercise_put(struct px_store *b, const struct px_exercise_row *r)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = xprep(s, X_PUT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, r->id);
	px_sq_bind_text(st, 2, r->case_id);
	px_sq_bind_text(st, 3, r->peer);
	px_sq_bind_text(st, 4, r->name);
	px_sq_bind_text(st, 5, r->hash);
	px_sq_bind_text(st, 6, r->scenario);
	sqlite3_bind_int64(st, 7, r->created_ms);
	sqlite3_bind_int64(st, 8, r->updated_ms);
	return px_sq_step_done(s, st, "save exercise");
}

static void
read_exercise(sqlite3_stmt *st, struct px_exercise_row *r)
{
	r->id = px_sq_col_dup(st, 0);
	r->case_id = px_sq_col_dup(st, 1);
	r->peer = px_sq_col_dup(st, 2);
	r->name = px_sq_col_dup(st, 3);
	r->hash = px_sq_col_dup(st, 4);
	r->scenario = px_sq_col_dup(st, 5);
	r->created_ms = sqlite3_column_int64(st, 6);
	r->updated_ms = sqlite3_column_int64(st, 7);
}

int
px_sq_exercise_get(
    struct px_store *b, const char *id, struct px_exercise_row *out)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = xprep(s, X_GET);
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_exercise(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE
	    ? px_error_set(PX_ENOTFOUND, "no scenario held for exercise %s", id)
	    : px_sq_fail(s, "read exercise");
}

int
px_sq_exercise_list(struct px_store *b, px_exercise_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = xprep(s, X_LIST);
	struct px_exercise_row row;

	if (st == NULL)
		return PX_ERR;
	FOREACH_ROW(s, st, row, read_exercise, px_exercise_row_dispose, cb, arg,
	    "list exercises");
}

/* One statement with up to three bound values (texts, or an integer
 * where `n3` is used), run to completion. */
static int
run(struct sq *s, enum sq_exer q, const char *a, const char *b2, int64_t n3,
    const char *doing)
{
	sqlite3_stmt *st = xprep(s, q);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, a);
	if (b2)
		px_sq_bind_text(st, 2, b2);
	if (n3 >= 0)
		sqlite3_bind_int64(st, 3, n3);
	return px_sq_step_done(s, st, doing);
}

int
px_sq_exercise_delete(struct px_store *b, const char *id)
{
	struct sq *s = (struct sq *)b;
	int rc = run(s, X_DELETE, id, NULL, -1, "delete draft");

	if (rc == 0 && sqlite3_changes(s->db) == 0)
		return px_error_set(PX_ENOTFOUND,
		    "no draft %s (a proposed exercise is withdrawn, not "
		    "deleted)",
		    id);
	return rc;
}

int
px_sq_case_set_exercise(struct px_store *b, const char *id, const char *ex)
{
	return run(
	    (struct sq *)b, X_CASE_SET, id, ex, -1, "save the case's exercise");
}

int
px_sq_exercise_cases(
    struct px_store *b, const char *exercise, px_text_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = xprep(s, X_CASES);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, exercise);
	return px_sq_each_text(s, st, cb, arg, "list an exercise's cases");
}

int
px_sq_exercise_due_all(struct px_store *b, const char *exercise)
{
	return run((struct sq *)b, X_DUE_ALL, exercise, NULL, -1,
	    "mark an exercise's cases due");
}

int
px_sq_notify_cancel_exercise(struct px_store *b, const char *exercise,
    const char *reason, int64_t now, int64_t *count)
{
	struct sq *s = (struct sq *)b;
	int rc = run(s, X_CANCEL, exercise, reason, now,
	    "cancel an exercise's notifications");

	if (count)
		*count = rc == 0 ? sqlite3_changes(s->db) : 0;
	return rc;
}

int
px_sq_case_exercise(struct px_store *b, const char *id, char **ex)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = xprep(s, X_CASE_EX);
	int rc;

	*ex = NULL;
	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ex = px_sq_col_dup(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? px_error_set(PX_ENOTFOUND, "no case %s", id)
	                         : px_sq_fail(s, "read the case's exercise");
}

int
px_sq_exercise_ids(struct px_store *b, px_text_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = xprep(s, X_IDS);

	if (st == NULL)
		return PX_ERR;
	return px_sq_each_text(s, st, cb, arg, "list exercises");
}

void
px_exercise_row_dispose(struct px_exercise_row *r)
{
	free(r->id);
	free(r->case_id);
	free(r->peer);
	free(r->name);
	free(r->hash);
	free(r->scenario);
	memset(r, 0, sizeof(*r));
}
