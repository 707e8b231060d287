/*
 * Feed events in the SQLite store (store_sqlite_feed.c): packs of
 * consecutive ids, read back one by one and by batch, the queue less the
 * events moved out of it, duplicates and status counts; and the upgrade
 * from schema 22 (before the packs layout), where each event was a row (and its
 * JSON in an old pack or, before packs, a row of its own), into packs.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>
#include <zstd.h>

#include "helpers.h"
#include "store/store.h"

struct seen {
	int64_t ids[64];
	int status[64];
	size_t n;
};

static int
collect(const struct px_feed_event_row *r, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < 64);
	s->ids[s->n] = r->id;
	s->status[s->n] = r->status;
	s->n++;
	return 0;
}

static char *
tmpdb(void)
{
	char tmpl[] = "/tmp/parley-feedstore.XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	return px_asprintf("%s/parley.db", tmpl);
}

static void
rmdb(char *path)
{
	char *wal = px_asprintf("%s-wal", path),
	     *shm = px_asprintf("%s-shm", path);
	char *dir = px_strdup(path);

	unlink(path);
	unlink(wal);
	unlink(shm);
	*strrchr(dir, '/') = '\0';
	rmdir(dir);
	free(wal);
	free(shm);
	free(dir);
	free(path);
}

static void
add_event(struct px_feed_pack_in *p, int64_t line, int64_t route,
    const char *host, const char *json)
{
	struct px_feed_event_row r = { .line = line,
		.route = route,
		.type = 1,
		.severity = 2,
		.asn = 64500,
		.key = 1000 + line,
		.bday = 20000,
		.seen_first = 100 * line,
		.seen_last = 100 * line,
		.count = 1,
		.host = (char *)host,
		.event = (char *)json };
	size_t at;

	px_feed_entry_put(p, (uint32_t)p->n, &r, &at);
	p->n++;
}

/* A chunk of three packs: two routed events of batch B, three
 * unroutable ones, one own; a duplicate of the first counted later. */
static void
test_packs(void **state)
{
	char *path = tmpdb();
	struct px_store *st = NULL;
	struct px_feed_pack_in packs[3] = { 0 };
	struct px_feed_dup_in dup = { 0 };
	struct px_feed_chunk c = { .file = 1, .routed_ms = 5000 };
	struct px_feed_event_row ev;
	struct seen s = { 0 };
	int64_t next, route, grp, batch, counts[5];

	(void)state;
	assert_int_equal(px_store_open_sqlite(&st, path, true), 0);
	assert_int_equal(PX_STORE_CALL(st, feed_event_next, &next), 0);
	assert_int_equal(next, 1);
	assert_int_equal(
	    PX_STORE_CALL(st, feed_route_id, "{\"r\":1}", &route), 0);
	assert_int_equal(PX_STORE_CALL(st, feed_group_id, "peer", 64500, 1,
	                     "mirai", 1, &grp),
	    0);
	assert_int_equal(
	    PX_STORE_CALL(st, feed_batch_id, grp, 0, 86400000, &batch), 0);
	packs[0].batch = batch;
	packs[0].status = 0;
	add_event(&packs[0], 1, route, "10.0.0.1", "{\"e\":1}");
	add_event(&packs[0], 2, route, "10.0.0.2", "{\"e\":2}");
	packs[1].status = 2;
	add_event(&packs[1], 3, route, "10.0.0.3", "{\"e\":3}");
	add_event(&packs[1], 4, route, "10.0.0.4", "{\"e\":4}");
	add_event(&packs[1], 5, route, NULL, "{\"e\":5}");
	packs[2].status = 1;
	add_event(&packs[2], 6, route, "10.0.0.6", "{\"e\":6}");
	packs[0].first = 1;
	packs[1].first = 3;
	packs[2].first = 6;
	c.packs = packs;
	c.npacks = 3;
	assert_int_equal(PX_STORE_CALL0(st, begin), 0);
	assert_int_equal(PX_STORE_CALL(st, feed_chunk_put, &c), 0);
	assert_int_equal(PX_STORE_CALL0(st, commit), 0);
	for (int i = 0; i < 3; i++)
		px_feed_pack_in_dispose(&packs[i]);
	/* A later chunk counts two duplicates of event 1. */
	dup = (struct px_feed_dup_in){ 1, 50, 900, 2 };
	memset(&c, 0, sizeof(c));
	c.file = 1;
	c.dups = &dup;
	c.ndups = 1;
	assert_int_equal(PX_STORE_CALL(st, feed_chunk_put, &c), 0);
	assert_int_equal(PX_STORE_CALL(st, feed_event_next, &next), 0);
	assert_int_equal(next, 7);

	/* One event, with its pack's fields, its duplicates, its route. */
	assert_int_equal(PX_STORE_CALL(st, feed_event_get, 1, &ev), 0);
	assert_int_equal(ev.status, 0);
	assert_int_equal(ev.batch, batch);
	assert_int_equal(ev.file, 1);
	assert_int_equal(ev.routed_ms, 5000);
	assert_int_equal(ev.line, 1);
	assert_int_equal(ev.asn, 64500);
	assert_int_equal(ev.key, 1001);
	assert_int_equal(ev.count, 3);
	assert_int_equal(ev.seen_first, 50);
	assert_int_equal(ev.seen_last, 900);
	assert_string_equal(ev.host, "10.0.0.1");
	assert_string_equal(ev.event, "{\"e\":1}");
	assert_string_equal(ev.route_json, "{\"r\":1}");
	px_feed_event_row_dispose(&ev);
	assert_int_equal(PX_STORE_CALL(st, feed_event_get, 5, &ev), 0);
	assert_null(ev.host);
	assert_string_equal(ev.event, "{\"e\":5}");
	px_feed_event_row_dispose(&ev);
	assert_int_equal(
	    PX_STORE_CALL(st, feed_event_get, 7, &ev), PX_ENOTFOUND);

	/* The batch's events, joined at the chunk. */
	assert_int_equal(
	    PX_STORE_CALL(st, feed_batch_events, batch, collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ids[0], 1);
	assert_int_equal(s.ids[1], 2);

	/* The queue, newest first; event 4 routed by hand leaves it. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    PX_STORE_CALL(st, feed_queue, -1, 0, 0, collect, &s), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.ids[0], 5);
	assert_int_equal(s.ids[2], 3);
	assert_int_equal(
	    PX_STORE_CALL(st, feed_event_route, 4, 0, route, batch, 6000), 0);
	assert_int_equal(
	    PX_STORE_CALL(st, feed_event_route, 3, 5, route, 0, 5000), 0);
	assert_int_equal(
	    PX_STORE_CALL(st, feed_event_route, 99, 5, route, 0, 5000),
	    PX_ENOTFOUND);
	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    PX_STORE_CALL(st, feed_queue, -1, 0, 0, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ids[0], 5);
	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    PX_STORE_CALL(st, feed_queue, 5, 0, 0, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ids[0], 3);
	assert_int_equal(PX_STORE_CALL(st, feed_event_get, 4, &ev), 0);
	assert_int_equal(ev.status, 0);
	assert_int_equal(ev.batch, batch);
	assert_int_equal(ev.routed_ms, 6000);
	px_feed_event_row_dispose(&ev);

	/* Listing by status, host, file, page. */
	{
		struct px_feed_event_filter f = { .status = 0 };

		memset(&s, 0, sizeof(s));
		assert_int_equal(
		    PX_STORE_CALL(st, feed_events, &f, collect, &s), 0);
		assert_int_equal(s.n, 3);
		assert_int_equal(s.ids[0], 4);
		f = (struct px_feed_event_filter){ .status = -2,
			.host = "10.0.0.6" };
		memset(&s, 0, sizeof(s));
		assert_int_equal(
		    PX_STORE_CALL(st, feed_events, &f, collect, &s), 0);
		assert_int_equal(s.n, 1);
		assert_int_equal(s.ids[0], 6);
		assert_int_equal(s.status[0], 1);
		f = (struct px_feed_event_filter){
			.status = -2, .before = 4, .limit = 2
		};
		memset(&s, 0, sizeof(s));
		assert_int_equal(
		    PX_STORE_CALL(st, feed_events, &f, collect, &s), 0);
		assert_int_equal(s.n, 2);
		assert_int_equal(s.ids[0], 3);
		assert_int_equal(s.ids[1], 2);
		f = (struct px_feed_event_filter){ .status = -2, .file = 2 };
		memset(&s, 0, sizeof(s));
		assert_int_equal(
		    PX_STORE_CALL(st, feed_events, &f, collect, &s), 0);
		assert_int_equal(s.n, 0);
	}

	/* Counts by status and routing time, moves included. */
	assert_int_equal(
	    PX_STORE_CALL(st, feed_status_counts, 0, 5500, counts), 0);
	assert_int_equal(counts[0], 2);
	assert_int_equal(counts[1], 1);
	assert_int_equal(counts[2], 1);
	assert_int_equal(
	    PX_STORE_CALL(st, feed_status_counts, 0, 10000, counts), 0);
	assert_int_equal(counts[0], 3);
	assert_int_equal(counts[2], 1);
	px_store_close(st);
	rmdb(path);
}

/* An old pack: entries (u32 id - first, u32 length, JSON), zstd. */
static void
old_pack(
    sqlite3 *db, int64_t first, const int64_t *ids, const char **json, size_t n)
{
	uint8_t raw[4096], z[8192];
	size_t len = 0, zn;
	sqlite3_stmt *st;

	for (size_t i = 0; i < n; i++) {
		uint32_t off = (uint32_t)(ids[i] - first),
		         l = (uint32_t)strlen(json[i]);

		for (int k = 0; k < 4; k++) {
			raw[len + (size_t)k] = (uint8_t)(off >> (8 * k));
			raw[len + 4 + (size_t)k] = (uint8_t)(l >> (8 * k));
		}
		memcpy(raw + len + 8, json[i], l);
		len += 8 + l;
	}
	zn = ZSTD_compress(z, sizeof(z), raw, len, 1);
	assert_false(ZSTD_isError(zn));
	assert_int_equal(sqlite3_prepare_v2(db,
	                     "INSERT INTO feed_event_packs (first, last, "
	                     "events, data) VALUES (?1, ?2, ?3, ?4)",
	                     -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(st, 1, first);
	sqlite3_bind_int64(st, 2, ids[n - 1]);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)n);
	sqlite3_bind_blob(st, 4, z, (int)zn, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static void
exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
}

/* Schema 22 -> 23: rows become packs; ids, statuses, batches,
 * duplicates and the JSON wherever it was are kept. */
static void
test_upgrade(void **state)
{
	char *path = tmpdb();
	struct px_store *st = NULL;
	struct px_feed_event_row ev;
	struct seen s = { 0 };
	sqlite3 *db;
	sqlite3_stmt *q;
	int64_t next, ids1[] = { 1, 3 }, ids2[] = { 2 };
	const char *j1[] = { "{\"e\":1}", "{\"e\":3}" },
	           *j2[] = { "{\"e\":2}" };

	(void)state;
	assert_int_equal(px_store_open_sqlite(&st, path, true), 0);
	px_store_close(st);
	/* Back to the feed tables' layout before migration 22 -> 23 (the
	 * rest of the schema is the latest, which versions 21 and 22
	 * already hold), with events in it. */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	exec(db,
	    "DROP TABLE feed_packs; DROP TABLE feed_moves;"
	    "CREATE TABLE feed_events (id INTEGER PRIMARY KEY,"
	    "  file INTEGER NOT NULL, line INTEGER NOT NULL,"
	    "  routed_ms INTEGER NOT NULL, status INTEGER NOT NULL,"
	    "  route INTEGER NOT NULL, batch INTEGER, type INTEGER NOT NULL,"
	    "  severity INTEGER NOT NULL, asn INTEGER, host TEXT,"
	    "  seen_first INTEGER NOT NULL, seen_last INTEGER NOT NULL,"
	    "  count INTEGER NOT NULL, key INTEGER NOT NULL,"
	    "  bday INTEGER NOT NULL, pack INTEGER);"
	    "CREATE TABLE feed_event_json (id INTEGER PRIMARY KEY,"
	    "  event TEXT NOT NULL);"
	    "CREATE TABLE feed_event_packs (first INTEGER PRIMARY KEY,"
	    "  last INTEGER NOT NULL, events INTEGER NOT NULL,"
	    "  data BLOB NOT NULL);"
	    "INSERT INTO feed_routes (id, json) VALUES (1, '{\"r\":1}');"
	    /* 1 and 3: routed in batch 7, one pack; 2: unroutable, its own
	     * pack; 4: dismissed, stored before packs. */
	    "INSERT INTO feed_events VALUES"
	    "  (1, 1, 10, 5000, 0, 1, 7, 1, 2, 64500, '10.0.0.1', 100, 100,"
	    "   1, 11, 20000, NULL),"
	    "  (2, 1, 11, 5000, 2, 1, NULL, 1, 2, NULL, '10.0.0.2', 200, 200,"
	    "   1, 12, 20000, NULL),"
	    "  (3, 1, 12, 5000, 0, 1, 7, 1, 2, 64500, '10.0.0.3', 300, 300,"
	    "   1, 13, 20000, 1),"
	    "  (4, 1, 13, 4000, 5, 1, NULL, 1, 2, NULL, NULL, 400, 400, 2,"
	    "   14, 20000, NULL);"
	    "INSERT INTO feed_event_json VALUES (4, '{\"e\":4}');"
	    "INSERT INTO feed_seen VALUES (3, 50, 999, 4);"
	    "PRAGMA user_version = 22;");
	old_pack(db, 1, ids1, j1, 2);
	old_pack(db, 2, ids2, j2, 1);
	sqlite3_close(db);

	assert_int_equal(px_store_open_sqlite(&st, path, false), 0);
	assert_int_equal(PX_STORE_CALL(st, feed_event_next, &next), 0);
	assert_int_equal(next, 5);
	assert_int_equal(PX_STORE_CALL(st, feed_event_get, 3, &ev), 0);
	assert_int_equal(ev.status, 0);
	assert_int_equal(ev.batch, 7);
	assert_int_equal(ev.line, 12);
	assert_int_equal(ev.count, 5);
	assert_int_equal(ev.seen_first, 50);
	assert_int_equal(ev.seen_last, 999);
	assert_string_equal(ev.host, "10.0.0.3");
	assert_string_equal(ev.event, "{\"e\":3}");
	assert_string_equal(ev.route_json, "{\"r\":1}");
	px_feed_event_row_dispose(&ev);
	assert_int_equal(PX_STORE_CALL(st, feed_event_get, 2, &ev), 0);
	assert_int_equal(ev.status, 2);
	assert_int_equal(ev.batch, 0);
	assert_int_equal(ev.asn, -1);
	assert_string_equal(ev.event, "{\"e\":2}");
	px_feed_event_row_dispose(&ev);
	assert_int_equal(PX_STORE_CALL(st, feed_event_get, 4, &ev), 0);
	assert_int_equal(ev.status, 5);
	assert_int_equal(ev.routed_ms, 4000);
	assert_int_equal(ev.count, 2);
	assert_null(ev.host);
	assert_string_equal(ev.event, "{\"e\":4}");
	px_feed_event_row_dispose(&ev);
	assert_int_equal(
	    PX_STORE_CALL(st, feed_queue, -1, 0, 0, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ids[0], 2);
	px_store_close(st);
	/* The rows are gone: the events live in packs only. */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
	                     "SELECT count(*) FROM sqlite_master WHERE name IN "
	                     "('feed_events', 'feed_event_json', "
	                     "'feed_event_packs')",
	                     -1, &q, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	rmdb(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packs),
		cmocka_unit_test(test_upgrade),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
