/*
 * SQLite backend, part four: what holds each channel up (docs/channel.md).
 * A handful of rows at most (two per peer), so every query is a lookup.
 */
#include "store/sqlite_internal.h"
#include "util/util.h"

enum sq_chan {
	C_GET = PX_SQ_FIRST_CHAN_STMT,
	C_PUT,
	C_CLEAR,
	C_NOTIFIED,
	C_LIST,
	C_DELIVERED,
	C__END
};

_Static_assert(C__END <= PX_SQ_FIRST_AGREE_STMT, "statement slots");

#define CHAN_COLS                                                      \
	"peer, dir, state, seq, msg_hash, reason, since_ms, last_ms, " \
	"count, notified "

static const char *const csql[C__END - PX_SQ_FIRST_CHAN_STMT] = {
#define S(q) [(q)-PX_SQ_FIRST_CHAN_STMT]
	S(C_GET) = "SELECT state, seq, since_ms, count, notified FROM "
	           "channels WHERE peer = ?1 AND dir = ?2",
	S(C_PUT) = "INSERT OR REPLACE INTO channels (" CHAN_COLS ") VALUES "
	           "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	S(C_CLEAR) = "DELETE FROM channels WHERE peer = ?1 AND dir = ?2 AND "
	             "(?3 < 0 OR seq <= ?3)",
	S(C_NOTIFIED) = "UPDATE channels SET notified = 1 WHERE peer = ?1 "
	                "AND dir = ?2",
	S(C_LIST) = "SELECT " CHAN_COLS "FROM channels WHERE ?1 IS NULL OR "
	            "peer = ?1 ORDER BY peer, dir",
	/* Walks back from the channel's top through what waits: cheap
	 * whatever the channel's history. */
	S(C_DELIVERED) = "SELECT seq FROM messages m WHERE sender = ?1 AND "
	                 "receiver = ?2 AND EXISTS (SELECT 1 FROM receipts r "
	                 "WHERE r.msg_hash = m.hash) ORDER BY seq DESC "
	                 "LIMIT 1",
#undef S
};

static sqlite3_stmt *
cprep(struct sq *s, enum sq_chan q)
{
	return px_sq_prep(s, q, csql[q - PX_SQ_FIRST_CHAN_STMT]);
}

int
px_sq_channel_put(
    struct px_store *b, const struct px_channel_row *r, bool *fresh)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = cprep(s, C_GET);
	int64_t since = r->last_ms, count = 1;
	bool same = false, notified = false;
	int rc;

	if (st == NULL)
		return px_sq_fail(s, "prepare");
	px_sq_bind_text(st, 1, r->peer);
	px_sq_bind_text(st, 2, r->dir);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(st, 0);

		same = state && strcmp(state, r->state) == 0 &&
		    sqlite3_column_int64(st, 1) == r->seq;
		if (same) {
			since = sqlite3_column_int64(st, 2);
			count = sqlite3_column_int64(st, 3) + 1;
			notified = sqlite3_column_int(st, 4) != 0;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return px_sq_fail(s, "read channel state");
	if (fresh)
		*fresh = !same;
	if ((st = cprep(s, C_PUT)) == NULL)
		return px_sq_fail(s, "prepare");
	px_sq_bind_text(st, 1, r->peer);
	px_sq_bind_text(st, 2, r->dir);
	px_sq_bind_text(st, 3, r->state);
	sqlite3_bind_int64(st, 4, r->seq);
	px_sq_bind_text(st, 5, r->msg_hash);
	px_sq_bind_text(st, 6, r->reason);
	sqlite3_bind_int64(st, 7, since);
	sqlite3_bind_int64(st, 8, r->last_ms);
	sqlite3_bind_int64(st, 9, count);
	sqlite3_bind_int(st, 10, notified);
	return px_sq_step_done(s, st, "record channel state");
}

int
px_sq_channel_clear(
    struct px_store *b, const char *peer, const char *dir, int64_t through)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = cprep(s, C_CLEAR);

	if (st == NULL)
		return px_sq_fail(s, "prepare");
	px_sq_bind_text(st, 1, peer);
	px_sq_bind_text(st, 2, dir);
	sqlite3_bind_int64(st, 3, through);
	return px_sq_step_done(s, st, "clear channel state");
}

int
px_sq_channel_notified(struct px_store *b, const char *peer, const char *dir)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = cprep(s, C_NOTIFIED);

	if (st == NULL)
		return px_sq_fail(s, "prepare");
	px_sq_bind_text(st, 1, peer);
	px_sq_bind_text(st, 2, dir);
	return px_sq_step_done(s, st, "mark channel state told");
}

static void
read_channel(sqlite3_stmt *st, struct px_channel_row *r)
{
	r->peer = px_sq_col_dup(st, 0);
	r->dir = px_sq_col_dup(st, 1);
	r->state = px_sq_col_dup(st, 2);
	r->seq = sqlite3_column_int64(st, 3);
	r->msg_hash = px_sq_col_dup(st, 4);
	r->reason = px_sq_col_dup(st, 5);
	r->since_ms = sqlite3_column_int64(st, 6);
	r->last_ms = sqlite3_column_int64(st, 7);
	r->count = sqlite3_column_int64(st, 8);
	r->notified = sqlite3_column_int(st, 9) != 0;
}

void
px_channel_row_dispose(struct px_channel_row *r)
{
	free(r->peer);
	free(r->dir);
	free(r->state);
	free(r->msg_hash);
	free(r->reason);
	memset(r, 0, sizeof(*r));
}

int
px_sq_channel_list(
    struct px_store *b, const char *peer, px_channel_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	struct px_channel_row row;
	sqlite3_stmt *st = cprep(s, C_LIST);

	if (st == NULL)
		return px_sq_fail(s, "prepare");
	px_sq_bind_text(st, 1, peer);
	FOREACH_ROW(s, st, row, read_channel, px_channel_row_dispose, cb, arg,
	    "list channel states");
}

int
px_sq_msg_delivered(
    struct px_store *b, const char *sender, const char *receiver, int64_t *seq)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = cprep(s, C_DELIVERED);
	int rc;

	if (st == NULL)
		return px_sq_fail(s, "prepare");
	px_sq_bind_text(st, 1, sender);
	px_sq_bind_text(st, 2, receiver);
	rc = sqlite3_step(st);
	*seq = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
	    ? 0
	    : px_sq_fail(s, "read delivered seq");
}
