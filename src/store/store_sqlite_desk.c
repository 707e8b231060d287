/*
 * SQLite backend, part five: what the duty desk keeps for itself and
 * never sends: internal notes on cases (docs/protocol.md, "Internal
 * notes").  Each note is also a leaf of our own log (node/log.c), so our
 * history is complete; this table finds a case's notes.  And search: the
 * words and observables of every message, queued by a trigger on messages
 * and indexed in batches (search_drain, the migration to version 21).
 */
#include "store/sqlite_internal.h"
#include "util/util.h"

enum sq_desk {
	N_PUT = PX_SQ_FIRST_DESK_STMT,
	N_LIST,
	N_SEARCH,
	N_ASSIGN_CLEAR,
	N_PERSON_ADD,
	N_PERSON_DEL,
	N_PEOPLE,
	N_PENDING,
	N__END
};

_Static_assert(N__END <= PX_SQ_STMTS, "statement slots");

static const char *const nsql[N__END - PX_SQ_FIRST_DESK_STMT] = {
#define S(q) [(q)-PX_SQ_FIRST_DESK_STMT]
	S(N_PUT) = "INSERT INTO internal_notes (hash, case_id, time_ms, "
	           "entry) VALUES (?1, ?2, ?3, ?4)",
	S(N_LIST) = "SELECT time_ms, hash, entry FROM internal_notes WHERE "
	            "case_id = ?1 ORDER BY time_ms, rowid",
	S(N_SEARCH) =
	    "SELECT id, peer, requester, responder, kind, category, priority, "
	    "tlp, title, state, opened_ms, updated_ms FROM cases WHERE (?5 IS "
	    "NULL OR id != ?5) AND ((?1 IS NOT NULL AND id IN (SELECT case_id "
	    "FROM search_text WHERE search_text MATCH ?1)) OR (?6 IS NOT NULL "
	    "AND id IN (SELECT case_id FROM search_text WHERE body LIKE ?6 "
	    "ESCAPE '\\')) OR (?3 IS NOT NULL "
	    "AND id IN (SELECT case_id FROM case_observables WHERE value = ?3 "
	    "AND type = ?2))) ORDER BY opened_ms DESC LIMIT ?4",
	S(N_ASSIGN_CLEAR) = "DELETE FROM case_people WHERE case_id = ?1 AND "
	                    "role = 'assignee'",
	S(N_PERSON_ADD) = "INSERT OR IGNORE INTO case_people (case_id, role, "
	                  "person, since_ms) VALUES (?1, ?2, ?3, ?4)",
	S(N_PERSON_DEL) = "DELETE FROM case_people WHERE case_id = ?1 AND "
	                  "role = ?2 AND person = ?3",
	S(N_PEOPLE) = "SELECT since_ms, role, person FROM case_people WHERE "
	              "case_id = ?1 ORDER BY role, person",
	S(N_PENDING) = "SELECT EXISTS (SELECT 1 FROM search_pending)",
#undef S
};

static sqlite3_stmt *
nprep(struct sq *s, enum sq_desk q)
{
	return px_sq_prep(s, q, nsql[q - PX_SQ_FIRST_DESK_STMT]);
}

int
px_sq_inote_put(struct px_store *b, const char *hash, const char *case_id,
    int64_t time_ms, const char *entry)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = nprep(s, N_PUT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, hash);
	px_sq_bind_text(st, 2, case_id);
	sqlite3_bind_int64(st, 3, time_ms);
	px_sq_bind_text(st, 4, entry);
	return px_sq_step_done(s, st, "store internal note");
}

int
px_sq_inote_list(
    struct px_store *b, const char *case_id, px_text_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = nprep(s, N_LIST);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, case_id);
	return px_sq_each_text(s, st, cb, arg, "list internal notes");
}

/* One batch of the search queue, oldest first: each message's words
 * (title, text, translation) into the FTS5 index with trigrams, so that
 * Chinese, which has no spaces, is found by any three characters, and the
 * observables it names, by value; then the batch leaves the queue.  FTS5
 * writes its pending terms at every savepoint and commit, so one message
 * at a time (a trigger in the message's own transaction) cost the
 * receiving node about a sixth of its CPU under load; a batch costs that
 * once.  Batches are small (64) because each holds the write lock: a
 * delivery's commit waits for at most one of them. */
#define BATCH_LAST                                                      \
	"(SELECT max(id) FROM (SELECT id FROM search_pending ORDER BY " \
	"id LIMIT 64))"
static const char search_batch[] =
    "INSERT INTO search_text (case_id, body) SELECT m.case_id,"
    "  coalesce(json_extract(m.raw, '$.msg.body.case.title'), '') || ' ' ||"
    "  coalesce(json_extract(m.raw, '$.msg.body.text.value'), '') || ' ' ||"
    "  coalesce(json_extract(m.raw, '$.msg.body.text.translation.value'),"
    "  '') FROM search_pending AS p JOIN messages AS m ON m.hash = p.hash"
    "  WHERE p.id <= " BATCH_LAST " ORDER BY p.id;"
    "INSERT OR IGNORE INTO case_observables SELECT"
    "  json_extract(o.value, '$.value'), json_extract(o.value, '$.type'),"
    "  m.case_id, m.time_ms FROM search_pending AS p JOIN messages AS m ON"
    "  m.hash = p.hash JOIN json_each(m.raw, '$.msg.body.case.observables')"
    "  AS o WHERE p.id <= " BATCH_LAST ";"
    "INSERT OR IGNORE INTO case_observables SELECT"
    "  json_extract(o.value, '$.value'), json_extract(o.value, '$.type'),"
    "  m.case_id, m.time_ms FROM search_pending AS p JOIN messages AS m ON"
    "  m.hash = p.hash JOIN json_each(m.raw, '$.msg.body.observables')"
    "  AS o WHERE p.id <= " BATCH_LAST ";"
    "DELETE FROM search_pending WHERE id <= " BATCH_LAST ";";

static int
drain(struct sq *s, bool all)
{
	struct px_store *b = &s->base;

	for (;;) {
		sqlite3_stmt *st = nprep(s, N_PENDING);
		char *err = NULL;
		int rc, more;

		if (st == NULL)
			return PX_ERR;
		if (sqlite3_step(st) != SQLITE_ROW)
			return px_sq_fail(s, "read the search queue");
		more = sqlite3_column_int(st, 0);
		sqlite3_reset(st);
		if (!more)
			return 0;
		if ((rc = b->ops->begin(b)) < 0)
			return rc;
		if (sqlite3_exec(s->db, search_batch, NULL, NULL, &err) !=
		    SQLITE_OK) {
			rc = px_error_set(PX_ERR,
			    "store %s: index for search: %s", s->path,
			    err ? err : "exec failed");
			sqlite3_free(err);
			b->ops->rollback(b);
			return rc;
		}
		if ((rc = b->ops->commit(b)) < 0)
			return rc;
		if (!all)
			return 0;
	}
}

int
px_sq_search_drain(struct px_store *b, bool all)
{
	struct sq *s = (struct sq *)b;
	/* The index is derived: a batch lost by a power cut is lost with
	 * its removal from the queue, and indexed again.  So its commit need
	 * not wait for the disk while holding the write lock. */
	bool lazy = s->depth == 0 && !s->lazy;
	int rc = 0;

	if (lazy && (rc = px_sq_exec(s, "PRAGMA synchronous = NORMAL")) < 0)
		return rc;
	rc = drain(s, all);
	if (lazy) {
		int r = px_sq_exec(s, "PRAGMA synchronous = FULL");

		if (rc == 0)
			rc = r;
	}
	return rc;
}

/* The rows of N_SEARCH, bound by the caller. */
static int
search_rows(struct sq *s, sqlite3_stmt *st, px_case_cb cb, void *arg)
{
	struct px_case_row row;

	FOREACH_ROW(s, st, row, px_sq_read_case, px_case_row_dispose, cb, arg,
	    "search cases");
}

int
px_sq_case_search(struct px_store *b, const char *text, const char *obs_type,
    const char *obs_value, const char *except, int limit, px_case_cb cb,
    void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st;
	struct px_buf q;
	int rc;

	/* A search sees every message stored. */
	if ((rc = px_sq_search_drain(b, true)) < 0)
		return rc;
	if ((st = nprep(s, N_SEARCH)) == NULL)
		return PX_ERR;
	/* One FTS5 phrase: the text as typed with each '"' doubled, so no
	 * query syntax reaches the index.  A trigram index finds nothing
	 * shorter than three characters (两字 words are common in Chinese):
	 * those are a LIKE over the same bodies, '%', '_' and '\' escaped,
	 * which the trigram table answers by a full scan. */
	px_buf_init(&q, 4096);
	if (text && px_utf8_chars(text) >= 3) {
		px_buf_puts(&q, "\"");
		for (const char *p = text; *p; p++)
			px_buf_puts(&q, *p == '"' ? "\"\"" : (char[]){ *p, 0 });
		px_buf_puts(&q, "\"");
	} else if (text) {
		px_buf_puts(&q, "%");
		for (const char *p = text; *p; p++)
			px_buf_puts(&q,
			    strchr("%_\\", *p) ? (char[]){ '\\', *p, 0 }
			                       : (char[]){ *p, 0 });
		px_buf_puts(&q, "%");
	}
	px_sq_bind_text(
	    st, 1, text && px_utf8_chars(text) >= 3 ? q.data : NULL);
	px_sq_bind_text(st, 6, text && px_utf8_chars(text) < 3 ? q.data : NULL);
	px_sq_bind_text(st, 2, obs_type);
	px_sq_bind_text(st, 3, obs_value);
	sqlite3_bind_int(st, 4, limit);
	px_sq_bind_text(st, 5, except);
	rc = search_rows(s, st, cb, arg);
	px_buf_dispose(&q);
	return rc;
}

/* Binds and runs one of the statements on case_people. */
static int
people_step(struct sq *s, enum sq_desk q, const char *case_id, const char *role,
    const char *person, int64_t now)
{
	sqlite3_stmt *st = nprep(s, q);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, case_id);
	if (q != N_ASSIGN_CLEAR) {
		px_sq_bind_text(st, 2, role);
		px_sq_bind_text(st, 3, person);
	}
	if (q == N_PERSON_ADD)
		sqlite3_bind_int64(st, 4, now);
	return px_sq_step_done(s, st, "record who holds a case");
}

struct held {
	const char *person;
	bool same;
};

static int
held_cb(int64_t since, const char *role, const char *person, void *arg)
{
	struct held *h = arg;

	(void)since;
	h->same |=
	    strcmp(role, "assignee") == 0 && strcmp(person, h->person) == 0;
	return 0;
}

int
px_sq_case_person_set(struct px_store *b, const char *case_id, const char *role,
    const char *person, bool on, int64_t now)
{
	struct sq *s = (struct sq *)b;
	bool assignee = strcmp(role, "assignee") == 0;
	int rc;

	/* One assignee: a new one replaces the old; the same one keeps the
	 * time they were given the case. */
	if (assignee && on && person) {
		struct held h = { .person = person };

		if ((rc = px_sq_case_people(b, case_id, held_cb, &h)) < 0)
			return rc;
		if (h.same)
			return 0;
	}
	if (assignee &&
	    (rc = people_step(s, N_ASSIGN_CLEAR, case_id, NULL, NULL, now)) < 0)
		return rc;
	if (person == NULL || (assignee && !on))
		return 0;
	return people_step(
	    s, on ? N_PERSON_ADD : N_PERSON_DEL, case_id, role, person, now);
}

int
px_sq_case_people(
    struct px_store *b, const char *case_id, px_text_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = nprep(s, N_PEOPLE);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, case_id);
	return px_sq_each_text(s, st, cb, arg, "list who holds a case");
}
