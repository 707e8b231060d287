/*
 * SQLite backend, part three: the scheduler's due index on cases, check
 * targets, and the notification queue.  See docs/deadlines.md.
 */
#include "store/sqlite_internal.h"
#include "util/util.h"

enum sq_sched {
	D_DUE = PX_SQ_FIRST_SCHED_STMT,
	D_SET,
	D_SET_NULL,
	D_ALL,
	D_ALL_PEER,
	D_CONTACT,
	D_LAST_CHECK,
	D_HOTLINE_RANK,
	D_PAGES_SINCE,
	N_PUT,
	N_DUE,
	N_UPDATE,
	N_LIST,
	N_GET,
	D__END
};

_Static_assert(D__END <= PX_SQ_FIRST_CHAN_STMT, "statement slots");

#define NOTIFY_COLS                                                      \
	"id, created_ms, case_id, msg_hash, contact, channel, address, " \
	"subject, body, status, attempts, next_ms, last_error, sent_ms "

static const char *const dsql[D__END - PX_SQ_FIRST_SCHED_STMT] = {
#define S(q) [(q)-PX_SQ_FIRST_SCHED_STMT]
	S(D_DUE) = "SELECT due_ms, id, peer FROM cases WHERE due_ms IS NOT "
	           "NULL AND due_ms <= ?1 ORDER BY due_ms LIMIT ?2",
	S(D_SET) = "UPDATE cases SET due_ms = ?2 WHERE id = ?1",
	S(D_SET_NULL) = "UPDATE cases SET due_ms = NULL WHERE id = ?1",
	S(D_ALL) = "UPDATE cases SET due_ms = 0",
	S(D_ALL_PEER) = "UPDATE cases SET due_ms = 0 WHERE peer = ?1",
	S(D_CONTACT) = "UPDATE cases SET contact = ?2 WHERE id = ?1",
	S(D_HOTLINE_RANK) = "SELECT count(*) FROM cases WHERE peer = ?1 AND "
	                    "kind = 'hotline' AND state IN ('sent', "
	                    "'delivered') AND (opened_ms < ?2 OR (opened_ms "
	                    "= ?2 AND id < ?3))",
	/* Canonical JSON escapes every quote inside a string, so
	 * '"page":{' can only be the body's page member. */
	S(D_PAGES_SINCE) = "SELECT count(*) FROM messages WHERE sender = ?1 "
	                   "AND receiver = ?2 AND type = 'escalate' AND "
	                   "time_ms >= ?3 AND instr(raw, '\"page\":{') > 0",
	S(D_LAST_CHECK) = "SELECT max(opened_ms) FROM cases WHERE "
	                  "requester = ?1 AND peer = ?2 AND contact = ?3",
	S(N_PUT) = "INSERT INTO notifications (created_ms, case_id, msg_hash, "
	           "contact, channel, address, subject, body, status, "
	           "attempts, next_ms, last_error, sent_ms) VALUES (?1, ?2, "
	           "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	S(N_DUE) = "SELECT " NOTIFY_COLS "FROM notifications WHERE status = "
	           "'pending' AND next_ms <= ?1 ORDER BY next_ms, id LIMIT ?2",
	S(N_UPDATE) = "UPDATE notifications SET status = ?2, attempts = ?3, "
	              "next_ms = ?4, last_error = ?5, sent_ms = ?6 WHERE "
	              "id = ?1",
	S(N_LIST) = "SELECT " NOTIFY_COLS "FROM notifications WHERE (?1 IS "
	            "NULL OR case_id = ?1) AND (?2 IS NULL OR status = ?2) "
	            "ORDER BY id DESC LIMIT ?3",
	S(N_GET) = "SELECT " NOTIFY_COLS "FROM notifications WHERE id = ?1",
#undef S
};

static sqlite3_stmt *
dprep(struct sq *s, enum sq_sched q)
{
	return px_sq_prep(s, q, dsql[q - PX_SQ_FIRST_SCHED_STMT]);
}

int
px_sq_case_due(
    struct px_store *b, int64_t now, int64_t limit, px_text_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = dprep(s, D_DUE);

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1);
	return px_sq_each_text(s, st, cb, arg, "list due cases");
}

int
px_sq_case_set_due(struct px_store *b, const char *id, int64_t due_ms)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = dprep(s, due_ms < 0 ? D_SET_NULL : D_SET);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, id);
	if (due_ms >= 0)
		sqlite3_bind_int64(st, 2, due_ms);
	return px_sq_step_done(s, st, "set case due time");
}

int
px_sq_case_due_all(struct px_store *b, const char *peer)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = dprep(s, peer ? D_ALL_PEER : D_ALL);

	if (st == NULL)
		return PX_ERR;
	if (peer)
		px_sq_bind_text(st, 1, peer);
	return px_sq_step_done(s, st, "mark cases due");
}

int
px_sq_case_set_contact(struct px_store *b, const char *id, const char *contact)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = dprep(s, D_CONTACT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, id);
	px_sq_bind_text(st, 2, contact);
	return px_sq_step_done(s, st, "set check contact");
}

int
px_sq_case_last_check(struct px_store *b, const char *requester,
    const char *peer, const char *contact, int64_t *ms)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = dprep(s, D_LAST_CHECK);
	int rc;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, requester);
	px_sq_bind_text(st, 2, peer);
	px_sq_bind_text(st, 3, contact);
	rc = sqlite3_step(st);
	*ms = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL
	    ? sqlite3_column_int64(st, 0)
	    : -1;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
	    ? 0
	    : px_sq_fail(s, "find last check");
}

static int
count_of(struct sq *s, sqlite3_stmt *st, int64_t *n, const char *doing)
{
	int rc = sqlite3_step(st);

	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : px_sq_fail(s, doing);
}

int
px_sq_hotline_rank(struct px_store *b, const char *peer, int64_t opened_ms,
    const char *id, int64_t *rank)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = dprep(s, D_HOTLINE_RANK);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, peer);
	sqlite3_bind_int64(st, 2, opened_ms);
	px_sq_bind_text(st, 3, id);
	return count_of(s, st, rank, "count open hotlines");
}

int
px_sq_pages_since(struct px_store *b, const char *sender, const char *receiver,
    int64_t since_ms, int64_t *n)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = dprep(s, D_PAGES_SINCE);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, sender);
	px_sq_bind_text(st, 2, receiver);
	sqlite3_bind_int64(st, 3, since_ms);
	return count_of(s, st, n, "count pages");
}

static void
bind_opt_ms(sqlite3_stmt *st, int i, int64_t v)
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

int
px_sq_notify_put(struct px_store *b, struct px_notify_row *r)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = dprep(s, N_PUT);
	int rc;

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, r->created_ms);
	px_sq_bind_text(st, 2, r->case_id);
	px_sq_bind_text(st, 3, r->msg_hash);
	px_sq_bind_text(st, 4, r->contact);
	px_sq_bind_text(st, 5, r->channel);
	px_sq_bind_text(st, 6, r->address);
	px_sq_bind_text(st, 7, r->subject);
	px_sq_bind_text(st, 8, r->body);
	px_sq_bind_text(st, 9, r->status);
	sqlite3_bind_int64(st, 10, r->attempts);
	sqlite3_bind_int64(st, 11, r->next_ms);
	px_sq_bind_text(st, 12, r->last_error);
	bind_opt_ms(st, 13, r->sent_ms);
	if ((rc = px_sq_step_done(s, st, "queue notification")) == 0)
		r->id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

static void
read_notify(sqlite3_stmt *st, struct px_notify_row *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->created_ms = sqlite3_column_int64(st, 1);
	r->case_id = px_sq_col_dup(st, 2);
	r->msg_hash = px_sq_col_dup(st, 3);
	r->contact = px_sq_col_dup(st, 4);
	r->channel = px_sq_col_dup(st, 5);
	r->address = px_sq_col_dup(st, 6);
	r->subject = px_sq_col_dup(st, 7);
	r->body = px_sq_col_dup(st, 8);
	r->status = px_sq_col_dup(st, 9);
	r->attempts = sqlite3_column_int64(st, 10);
	r->next_ms = sqlite3_column_int64(st, 11);
	r->last_error = px_sq_col_dup(st, 12);
	r->sent_ms = sqlite3_column_type(st, 13) == SQLITE_NULL
	    ? -1
	    : sqlite3_column_int64(st, 13);
}

void
px_notify_row_dispose(struct px_notify_row *r)
{
	free(r->case_id);
	free(r->msg_hash);
	free(r->contact);
	free(r->channel);
	free(r->address);
	free(r->subject);
	free(r->body);
	free(r->status);
	free(r->last_error);
	memset(r, 0, sizeof(*r));
}

int
px_sq_notify_due(
    struct px_store *b, int64_t now, int64_t limit, px_notify_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = dprep(s, N_DUE);
	struct px_notify_row row;

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1);
	FOREACH_ROW(s, st, row, read_notify, px_notify_row_dispose, cb, arg,
	    "list due notifications");
}

int
px_sq_notify_update(struct px_store *b, const struct px_notify_row *r)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = dprep(s, N_UPDATE);

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, r->id);
	px_sq_bind_text(st, 2, r->status);
	sqlite3_bind_int64(st, 3, r->attempts);
	sqlite3_bind_int64(st, 4, r->next_ms);
	px_sq_bind_text(st, 5, r->last_error);
	bind_opt_ms(st, 6, r->sent_ms);
	return px_sq_step_done(s, st, "update notification");
}

int
px_sq_notify_list(struct px_store *b, const struct px_notify_filter *f,
    px_notify_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = dprep(s, N_LIST);
	struct px_notify_row row;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, f ? f->case_id : NULL);
	px_sq_bind_text(st, 2, f ? f->status : NULL);
	sqlite3_bind_int64(st, 3, f && f->limit > 0 ? f->limit : -1);
	FOREACH_ROW(s, st, row, read_notify, px_notify_row_dispose, cb, arg,
	    "list notifications");
}

int
px_sq_notify_get(struct px_store *b, int64_t id, struct px_notify_row *out)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = dprep(s, N_GET);
	int rc;

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_notify(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE
	    ? px_error_set(PX_ENOTFOUND, "no notification %lld", (long long)id)
	    : px_sq_fail(s, "read notification");
}
