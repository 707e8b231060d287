/*
 * The scratch table (scratch.h) on SQLite: a temporary database ("" as
 * the file name: SQLite makes it in the temporary directory and deletes
 * it on close), whose sorts spill to disk past an 8 MB page cache.
 */
#include <sqlite3.h>

#include "store/scratch.h"
#include "util/util.h"

enum { S_MSG, S_RCPT, S_SEQ, S_CASE, S__N };

static const char *const ssql[S__N] = {
	[S_MSG] = "INSERT INTO msgs (case_id, sender, receiver, hash, prev, "
	          "time_ms, seq, log, idx, off, len, raw) VALUES (?1, ?2, ?3, "
	          "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	[S_RCPT] = "INSERT INTO receipts (msg, received_ms) VALUES (?1, ?2)",
	[S_SEQ] = "SELECT case_id, sender, receiver, hash, prev, time_ms, seq, "
	          "log, idx, off, len, raw, -1 FROM msgs ORDER BY sender, "
	          "receiver, seq, hash",
	/* Each case keyed by its first message in (time, sender, seq)
	 * order; the receipt is the first one stored for the message. */
	[S_CASE] =
	    "SELECT case_id, sender, receiver, hash, prev, time_ms, seq, log, "
	    "idx, off, len, raw, coalesce((SELECT received_ms FROM receipts r "
	    "WHERE r.msg = m.hash ORDER BY r.rowid LIMIT 1), -1) FROM (SELECT "
	    "*, first_value(time_ms) OVER w AS ft, first_value(sender) OVER w "
	    "AS fs, first_value(seq) OVER w AS fq FROM msgs WINDOW w AS "
	    "(PARTITION BY case_id ORDER BY time_ms, sender, seq)) m ORDER BY "
	    "ft, fs, fq, case_id, time_ms, sender, seq",
};

struct px_scratch {
	sqlite3 *db;
	sqlite3_stmt *st[S__N];
	bool open_tx, indexed;
};

static int
fail(struct px_scratch *s, const char *doing)
{
	return px_error_set(
	    PX_ERR, "scratch table: %s: %s", doing, sqlite3_errmsg(s->db));
}

static int
run(struct px_scratch *s, const char *sql, const char *doing)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK
	    ? 0
	    : fail(s, doing);
}

static sqlite3_stmt *
prep(struct px_scratch *s, int q)
{
	if (s->st[q] == NULL &&
	    sqlite3_prepare_v3(s->db, ssql[q], -1, SQLITE_PREPARE_PERSISTENT,
	        &s->st[q], NULL) != SQLITE_OK) {
		fail(s, "prepare");
		return NULL;
	}
	sqlite3_reset(s->st[q]);
	sqlite3_clear_bindings(s->st[q]);
	return s->st[q];
}

int
px_scratch_open(struct px_scratch **out)
{
	struct px_scratch *s = px_calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (sqlite3_open_v2("", &s->db,
	        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	            SQLITE_OPEN_NOMUTEX,
	        NULL) != SQLITE_OK) {
		rc = px_error_set(PX_ERR, "cannot open a scratch table");
		goto fail;
	}
	if ((rc = run(s,
	         "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
	         "PRAGMA temp_store = FILE; PRAGMA cache_size = -8192;"
	         "CREATE TABLE msgs (case_id TEXT NOT NULL, sender TEXT NOT "
	         "NULL, receiver TEXT NOT NULL, hash TEXT NOT NULL, prev TEXT "
	         "NOT NULL, time_ms INTEGER NOT NULL, seq INTEGER NOT NULL, "
	         "log INTEGER NOT NULL, idx INTEGER NOT NULL, off INTEGER NOT "
	         "NULL, len INTEGER NOT NULL, raw BLOB);"
	         "CREATE TABLE receipts (msg TEXT NOT NULL, received_ms "
	         "INTEGER NOT NULL);"
	         "BEGIN",
	         "create")) < 0)
		goto fail;
	s->open_tx = true;
	*out = s;
	return 0;
fail:
	px_scratch_close(s);
	return rc;
}

void
px_scratch_close(struct px_scratch *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < S__N; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s);
}

int
px_scratch_msg_put(struct px_scratch *s, const struct px_scratch_msg *m)
{
	sqlite3_stmt *st = prep(s, S_MSG);

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_text(st, 1, m->case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, m->sender, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, m->receiver, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, m->hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, m->prev, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, m->time_ms);
	sqlite3_bind_int64(st, 7, m->seq);
	sqlite3_bind_int(st, 8, m->log);
	sqlite3_bind_int64(st, 9, m->index);
	sqlite3_bind_int64(st, 10, m->off);
	sqlite3_bind_int64(st, 11, m->len);
	if (m->off < 0)
		sqlite3_bind_blob64(
		    st, 12, m->raw, (sqlite3_uint64)m->len, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : fail(s, "insert");
}

int
px_scratch_receipt_put(
    struct px_scratch *s, const char *msg_hash, int64_t received_ms)
{
	sqlite3_stmt *st = prep(s, S_RCPT);

	if (st == NULL)
		return PX_ERR;
	sqlite3_bind_text(st, 1, msg_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, received_ms);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : fail(s, "insert");
}

/* The inserts are done: commit them and index what the reads need
 * (one external sort each, in the page cache's memory). */
static int
ready(struct px_scratch *s)
{
	int rc;

	if (s->indexed)
		return 0;
	if (s->open_tx && (rc = run(s, "COMMIT", "commit")) < 0)
		return rc;
	s->open_tx = false;
	if ((rc = run(s, "CREATE INDEX receipts_msg ON receipts (msg)",
	         "index")) < 0)
		return rc;
	s->indexed = true;
	return 0;
}

static int
each(struct px_scratch *s, int q, px_scratch_cb cb, void *arg)
{
	sqlite3_stmt *st;
	int rc, c = 0;

	if ((rc = ready(s)) < 0 || (st = prep(s, q)) == NULL)
		return rc < 0 ? rc : PX_ERR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct px_scratch_msg m = {
			.case_id = (const char *)sqlite3_column_text(st, 0),
			.sender = (const char *)sqlite3_column_text(st, 1),
			.receiver = (const char *)sqlite3_column_text(st, 2),
			.hash = (const char *)sqlite3_column_text(st, 3),
			.prev = (const char *)sqlite3_column_text(st, 4),
			.time_ms = sqlite3_column_int64(st, 5),
			.seq = sqlite3_column_int64(st, 6),
			.log = sqlite3_column_int(st, 7),
			.index = sqlite3_column_int64(st, 8),
			.off = sqlite3_column_int64(st, 9),
			.len = sqlite3_column_int64(st, 10),
			.raw = sqlite3_column_blob(st, 11),
		};

		if ((c = cb(&m, sqlite3_column_int64(st, 12), arg)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (c != 0)
		return c;
	return rc == SQLITE_DONE ? 0 : fail(s, "read");
}

int
px_scratch_by_seq(struct px_scratch *s, px_scratch_cb cb, void *arg)
{
	return each(s, S_SEQ, cb, arg);
}

int
px_scratch_by_case(struct px_scratch *s, px_scratch_cb cb, void *arg)
{
	return each(s, S_CASE, cb, arg);
}
