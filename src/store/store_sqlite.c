/*
 * SQLite backend of the store (the embedded default).
 *
 * WAL journal with synchronous=FULL: a committed transaction survives a
 * power cut, and readers (the CLI while a node serves) never block the
 * writer.  Prepared statements are cached per connection.  The schema is
 * versioned with PRAGMA user_version; `migrations[i]` upgrades version i
 * to i+1 inside one transaction, and a database from a newer parley is
 * refused rather than guessed at.
 */
#include <time.h>

#include "store/sqlite_internal.h"
#include "util/util.h"

static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE peers (name TEXT PRIMARY KEY, card TEXT NOT NULL,"
	"  sign_key TEXT NOT NULL, tls_fp TEXT NOT NULL,"
	"  agreement TEXT NOT NULL, card_version INTEGER NOT NULL,"
	"  added_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
	"CREATE TABLE messages (hash TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
	"  case_id TEXT NOT NULL, sender TEXT NOT NULL,"
	"  receiver TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL,"
	"  time_ms INTEGER NOT NULL, received_ms INTEGER, raw TEXT NOT NULL,"
	"  UNIQUE (sender, receiver, seq));"
	"CREATE INDEX messages_case ON messages (case_id, time_ms);"
	"CREATE TABLE receipts (msg_hash TEXT PRIMARY KEY,"
	"  issuer TEXT NOT NULL, received_ms INTEGER NOT NULL,"
	"  raw TEXT NOT NULL);"
	"CREATE TABLE cases (id TEXT PRIMARY KEY, peer TEXT NOT NULL,"
	"  requester TEXT NOT NULL, responder TEXT NOT NULL,"
	"  kind TEXT NOT NULL, category TEXT NOT NULL,"
	"  priority TEXT NOT NULL, tlp TEXT NOT NULL, title TEXT NOT NULL,"
	"  state TEXT NOT NULL, opened_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL);"
	"CREATE INDEX cases_peer ON cases (peer, state);",
	/* 1 -> 2: the node's Merkle log, checkpoints and witnessing */
	"CREATE TABLE log_entries (idx INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL, obj_hash TEXT NOT NULL UNIQUE,"
	"  peer TEXT NOT NULL, time_ms INTEGER NOT NULL, entry BLOB NOT NULL);"
	"CREATE INDEX log_entries_peer ON log_entries (peer, time_ms);"
	"CREATE TABLE log_nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL,"
	"  hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;"
	"CREATE TABLE log_checkpoints (size INTEGER PRIMARY KEY,"
	"  note TEXT NOT NULL, time_ms INTEGER NOT NULL);"
	"CREATE TABLE cosignatures (origin TEXT NOT NULL,"
	"  size INTEGER NOT NULL, witness TEXT NOT NULL, line TEXT NOT NULL,"
	"  time_ms INTEGER NOT NULL, PRIMARY KEY (origin, size, witness));"
	"CREATE TABLE peer_checkpoints (peer TEXT NOT NULL,"
	"  size INTEGER NOT NULL, root TEXT NOT NULL, note TEXT NOT NULL,"
	"  seen_ms INTEGER NOT NULL, PRIMARY KEY (peer, size, root));"
	"CREATE TABLE witness (peer TEXT PRIMARY KEY, size INTEGER NOT NULL,"
	"  root TEXT NOT NULL, updated_ms INTEGER NOT NULL);"
	"CREATE TABLE entry_proofs (obj_hash TEXT PRIMARY KEY,"
	"  peer TEXT NOT NULL, idx INTEGER NOT NULL, size INTEGER NOT NULL,"
	"  root TEXT NOT NULL, path TEXT NOT NULL, entry TEXT NOT NULL,"
	"  time_ms INTEGER NOT NULL);"
	"CREATE INDEX entry_proofs_peer ON entry_proofs (peer, idx);"
	"CREATE TABLE consistency (peer TEXT NOT NULL, size1 INTEGER NOT NULL,"
	"  size2 INTEGER NOT NULL, path TEXT NOT NULL,"
	"  PRIMARY KEY (peer, size1, size2));"
	"CREATE TABLE sent_checkpoints (peer TEXT NOT NULL,"
	"  size INTEGER NOT NULL, PRIMARY KEY (peer, size)) WITHOUT ROWID;"
	"CREATE TABLE alerts (id INTEGER PRIMARY KEY, peer TEXT NOT NULL,"
	"  kind TEXT NOT NULL, detail TEXT NOT NULL, evidence TEXT,"
	"  time_ms INTEGER NOT NULL);",
	/* 2 -> 3: analyst API tokens, stored as SHA-256 of the secret */
	"CREATE TABLE tokens (hash TEXT PRIMARY KEY, name TEXT NOT NULL,"
	"  role TEXT NOT NULL, created_ms INTEGER NOT NULL,"
	"  revoked INTEGER NOT NULL DEFAULT 0);",
	/* 3 -> 4: the scheduler's due index, check targets, notifications */
	"ALTER TABLE cases ADD COLUMN due_ms INTEGER;"
	"ALTER TABLE cases ADD COLUMN contact TEXT;"
	"UPDATE cases SET due_ms = 0;"
	"CREATE INDEX cases_due ON cases (due_ms) WHERE due_ms IS NOT NULL;"
	"CREATE INDEX cases_check ON cases (requester, peer, contact, "
	"  opened_ms) WHERE contact IS NOT NULL;"
	"CREATE TABLE notifications (id INTEGER PRIMARY KEY,"
	"  created_ms INTEGER NOT NULL, case_id TEXT, msg_hash TEXT,"
	"  contact TEXT NOT NULL, channel TEXT NOT NULL,"
	"  address TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,"
	"  status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_ms INTEGER NOT NULL, last_error TEXT, sent_ms INTEGER);"
	"CREATE INDEX notifications_due ON notifications (status, next_ms);"
	"CREATE INDEX notifications_case ON notifications (case_id);",
	/* 4 -> 5: what holds each channel up (docs/channel.md) */
	"CREATE TABLE channels (peer TEXT NOT NULL, dir TEXT NOT NULL,"
	"  state TEXT NOT NULL, seq INTEGER NOT NULL, msg_hash TEXT,"
	"  reason TEXT NOT NULL, since_ms INTEGER NOT NULL,"
	"  last_ms INTEGER NOT NULL, count INTEGER NOT NULL,"
	"  notified INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (peer, dir))"
	"  WITHOUT ROWID;",
	/* 5 -> 6: signed agreements (docs/protocol.md, "Agreements"): the
	 * proposals derived from agreement cases, the version each case
	 * names; what stays per peer is the node's own settings (the old
	 * local copies of the terms are kept in meta for reference). */
	"CREATE TABLE agreements (case_id TEXT PRIMARY KEY,"
	"  peer TEXT NOT NULL, hash TEXT NOT NULL, proposer TEXT NOT NULL,"
	"  receiver TEXT NOT NULL, version INTEGER NOT NULL,"
	"  proposed_ms INTEGER NOT NULL, state TEXT NOT NULL,"
	"  answered_ms INTEGER, answer_hash TEXT, reason TEXT,"
	"  terms TEXT NOT NULL);"
	"CREATE INDEX agreements_peer ON agreements (peer, version);"
	"ALTER TABLE cases ADD COLUMN agreement INTEGER;"
	"INSERT OR REPLACE INTO meta (key, value) SELECT"
	"  'legacy_agreement.' || name, agreement FROM peers;"
	"UPDATE peers SET agreement = json_object('default_tlp',"
	"  coalesce(json_extract(agreement, '$.default_tlp'), 'amber'));"
	"ALTER TABLE peers RENAME COLUMN agreement TO settings;",
	/* 6 -> 7: complete tiles of the log's tree, one read per proof
	 * (docs/ledger.md section 2; id = tile level << 58 | tile index);
	 * log entries lose their index on obj_hash, whose random keys made
	 * every append write a random page (entries are found by peer and
	 * time instead) */
	"CREATE TABLE log_tiles (id INTEGER PRIMARY KEY,"
	"  hashes BLOB NOT NULL);"
	"CREATE TABLE log_entries_6 (idx INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL, obj_hash TEXT NOT NULL,"
	"  peer TEXT NOT NULL, time_ms INTEGER NOT NULL, entry BLOB NOT NULL);"
	"INSERT INTO log_entries_6 SELECT idx, kind, obj_hash, peer, time_ms,"
	"  entry FROM log_entries;"
	"DROP TABLE log_entries;"
	"ALTER TABLE log_entries_6 RENAME TO log_entries;"
	"CREATE INDEX log_entries_peer ON log_entries (peer, time_ms);",
	/* 7 -> 8: exercises (docs/exercises.md): scenarios held in full,
	 * and the exercise each case belongs to. */
	"CREATE TABLE exercises (id TEXT PRIMARY KEY, case_id TEXT UNIQUE,"
	"  peer TEXT, name TEXT NOT NULL, hash TEXT NOT NULL,"
	"  scenario TEXT NOT NULL, created_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL);"
	"ALTER TABLE cases ADD COLUMN exercise TEXT;"
	"CREATE INDEX cases_exercise ON cases (exercise) WHERE exercise IS "
	"  NOT NULL;",
	/* 8 -> 9: the evidence index (docs/evidence.md): each item of each
	 * case as this node sees it, derived from the case's evidence
	 * messages like the case index. */
	"CREATE TABLE evidence (case_id TEXT NOT NULL, item TEXT NOT NULL,"
	"  peer TEXT NOT NULL, root TEXT NOT NULL, exhibit TEXT NOT NULL,"
	"  media_type TEXT NOT NULL, size INTEGER NOT NULL,"
	"  state TEXT NOT NULL, updated_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (case_id, item)) WITHOUT ROWID;"
	"CREATE INDEX evidence_item ON evidence (item, peer);"
	"CREATE INDEX evidence_state ON evidence (state, peer);",
	/* 9 -> 10: feeds, routing, attachments and digests (docs/feeds.md) */
	"CREATE TABLE routing_files (sha256 TEXT PRIMARY KEY,"
	"  registry TEXT NOT NULL, serial TEXT NOT NULL, path TEXT NOT NULL,"
	"  records INTEGER NOT NULL, lines INTEGER NOT NULL,"
	"  loaded_ms INTEGER NOT NULL, active INTEGER NOT NULL);"
	"CREATE TABLE feed_files (id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
	"  path TEXT, source TEXT NOT NULL, format TEXT NOT NULL, feed TEXT,"
	"  ident TEXT NOT NULL, state TEXT NOT NULL, error TEXT,"
	"  size INTEGER NOT NULL, offset INTEGER NOT NULL,"
	"  line INTEGER NOT NULL, records INTEGER NOT NULL,"
	"  events INTEGER NOT NULL, duplicates INTEGER NOT NULL,"
	"  bad INTEGER NOT NULL, routed INTEGER NOT NULL, own INTEGER NOT NULL,"
	"  unroutable INTEGER NOT NULL, disputed INTEGER NOT NULL,"
	"  withheld INTEGER NOT NULL, started_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL, finished_ms INTEGER);"
	"CREATE INDEX feed_files_ident ON feed_files (ident);"
	"CREATE TABLE feed_bad (file INTEGER NOT NULL, line INTEGER NOT NULL,"
	"  reason TEXT NOT NULL, PRIMARY KEY (file, line)) WITHOUT ROWID;"
	"CREATE TABLE feed_routes (id INTEGER PRIMARY KEY,"
	"  json TEXT NOT NULL UNIQUE);"
	"CREATE TABLE feed_groups (id INTEGER PRIMARY KEY,"
	"  peer TEXT NOT NULL, asn INTEGER NOT NULL, type INTEGER NOT NULL,"
	"  identifier TEXT NOT NULL, case_id TEXT,"
	"  created_ms INTEGER NOT NULL, UNIQUE (peer, asn, type, identifier));"
	"CREATE TABLE feed_batches (id INTEGER PRIMARY KEY,"
	"  grp INTEGER NOT NULL, start_ms INTEGER NOT NULL,"
	"  end_ms INTEGER NOT NULL, events INTEGER NOT NULL DEFAULT 0,"
	"  sent_ms INTEGER, case_id TEXT, msg_hash TEXT);"
	"CREATE UNIQUE INDEX feed_batches_open ON feed_batches"
	"  (grp, start_ms, end_ms) WHERE sent_ms IS NULL;"
	"CREATE INDEX feed_batches_due ON feed_batches (end_ms)"
	"  WHERE sent_ms IS NULL;"
	"CREATE INDEX feed_batches_grp ON feed_batches (grp);"
	"CREATE TABLE feed_events (id INTEGER PRIMARY KEY,"
	"  file INTEGER NOT NULL, line INTEGER NOT NULL,"
	"  routed_ms INTEGER NOT NULL, status INTEGER NOT NULL,"
	"  route INTEGER NOT NULL, batch INTEGER, type INTEGER NOT NULL,"
	"  severity INTEGER NOT NULL, asn INTEGER, host TEXT,"
	"  seen_first INTEGER NOT NULL, seen_last INTEGER NOT NULL,"
	"  count INTEGER NOT NULL, key INTEGER NOT NULL, bday INTEGER NOT NULL);"
	"CREATE TABLE feed_event_json (id INTEGER PRIMARY KEY,"
	"  event TEXT NOT NULL);"
	"CREATE TABLE feed_seen (id INTEGER PRIMARY KEY,"
	"  first INTEGER NOT NULL, last INTEGER NOT NULL,"
	"  count INTEGER NOT NULL);"
	"CREATE TABLE feed_batch_items (id INTEGER PRIMARY KEY,"
	"  batch INTEGER NOT NULL, ids BLOB NOT NULL);"
	"CREATE INDEX feed_batch_items_batch ON feed_batch_items (batch);"
	"CREATE TABLE feed_hosts (grp INTEGER NOT NULL, host TEXT NOT NULL,"
	"  first INTEGER NOT NULL, last INTEGER NOT NULL,"
	"  count INTEGER NOT NULL, PRIMARY KEY (grp, host)) WITHOUT ROWID;"
	"CREATE INDEX feed_events_queue ON feed_events (status)"
	"  WHERE status >= 2;"
	"CREATE TABLE feed_parts (msg_hash TEXT PRIMARY KEY,"
	"  case_id TEXT NOT NULL, peer TEXT NOT NULL, dir TEXT NOT NULL,"
	"  batch TEXT NOT NULL, attachment TEXT, part INTEGER NOT NULL,"
	"  parts INTEGER NOT NULL, start_ms INTEGER NOT NULL,"
	"  end_ms INTEGER NOT NULL, events INTEGER NOT NULL,"
	"  time_ms INTEGER NOT NULL);"
	"CREATE INDEX feed_parts_day ON feed_parts (peer, dir, start_ms);"
	"CREATE TABLE feed_recv (id TEXT PRIMARY KEY,"
	"  attachment TEXT NOT NULL, line INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE attachments (sha256 TEXT PRIMARY KEY,"
	"  media_type TEXT NOT NULL, name TEXT, origin TEXT NOT NULL,"
	"  size INTEGER NOT NULL, events INTEGER NOT NULL,"
	"  stored_ms INTEGER NOT NULL);"
	"CREATE TABLE digests (peer TEXT NOT NULL, dir TEXT NOT NULL,"
	"  day TEXT NOT NULL, msg_hash TEXT NOT NULL, root TEXT NOT NULL,"
	"  events INTEGER NOT NULL, time_ms INTEGER NOT NULL, verdict TEXT,"
	"  detail TEXT, checked_ms INTEGER, PRIMARY KEY (peer, dir, day));",
	/* 10 -> 11: a live token's name names one token, so that revoking it
	 * revokes what one meant (older duplicates get their hash's first
	 * digits appended) */
	"UPDATE tokens SET name = name || '-' || substr(hash, 1, 8)"
	"  WHERE revoked = 0 AND rowid NOT IN (SELECT min(rowid) FROM tokens"
	"  WHERE revoked = 0 GROUP BY name);"
	"CREATE UNIQUE INDEX tokens_live_name ON tokens (name)"
	"  WHERE revoked = 0;",
	/* 11 -> 12: internal notes, our own and never sent (the signed entry,
	 * as in our log) */
	"CREATE TABLE internal_notes (hash TEXT PRIMARY KEY,"
	"  case_id TEXT NOT NULL, time_ms INTEGER NOT NULL,"
	"  entry TEXT NOT NULL);"
	"CREATE INDEX internal_notes_case ON internal_notes (case_id, time_ms);",
	/* 12 -> 13: search (store_sqlite_desk.c): the words of every
	 * message (title, text, translation) in an FTS5 index with trigrams,
	 * so that Chinese, which has no spaces, is found by any three
	 * characters; and every observable a message names, by value.  Both
	 * are kept by triggers on messages, and filled from the messages
	 * already stored. */
	"CREATE VIRTUAL TABLE search_text USING fts5(case_id UNINDEXED, body,"
	"  tokenize = 'trigram');"
	"CREATE TABLE case_observables (value TEXT NOT NULL,"
	"  type TEXT NOT NULL, case_id TEXT NOT NULL, time_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (value, type, case_id)) WITHOUT ROWID;"
	"CREATE TRIGGER messages_search AFTER INSERT ON messages BEGIN"
	"  INSERT INTO search_text (case_id, body) VALUES (new.case_id,"
	"    coalesce(json_extract(new.raw, '$.msg.body.case.title'), '')"
	"    || ' ' || coalesce(json_extract(new.raw, '$.msg.body.text.value'),"
	"    '') || ' ' || coalesce(json_extract(new.raw,"
	"    '$.msg.body.text.translation.value'), ''));"
	"  INSERT OR IGNORE INTO case_observables SELECT"
	"    json_extract(o.value, '$.value'), json_extract(o.value, '$.type'),"
	"    new.case_id, new.time_ms FROM json_each(new.raw,"
	"    '$.msg.body.case.observables') AS o;"
	"  INSERT OR IGNORE INTO case_observables SELECT"
	"    json_extract(o.value, '$.value'), json_extract(o.value, '$.type'),"
	"    new.case_id, new.time_ms FROM json_each(new.raw,"
	"    '$.msg.body.observables') AS o;"
	"END;"
	"INSERT INTO search_text (case_id, body) SELECT case_id,"
	"  coalesce(json_extract(raw, '$.msg.body.case.title'), '') || ' ' ||"
	"  coalesce(json_extract(raw, '$.msg.body.text.value'), '') || ' ' ||"
	"  coalesce(json_extract(raw, '$.msg.body.text.translation.value'), '')"
	"  FROM messages;"
	"INSERT OR IGNORE INTO case_observables SELECT"
	"  json_extract(o.value, '$.value'), json_extract(o.value, '$.type'),"
	"  m.case_id, m.time_ms FROM messages AS m, json_each(m.raw,"
	"  '$.msg.body.case.observables') AS o;"
	"INSERT OR IGNORE INTO case_observables SELECT"
	"  json_extract(o.value, '$.value'), json_extract(o.value, '$.type'),"
	"  m.case_id, m.time_ms FROM messages AS m, json_each(m.raw,"
	"  '$.msg.body.observables') AS o;",
	/* 13 -> 14: who on our desk holds a case, and who watches it
	 * (store_sqlite_desk.c): ours alone, never sent; a case has one
	 * assignee at most */
	"CREATE TABLE case_people (case_id TEXT NOT NULL,"
	"  role TEXT NOT NULL CHECK (role IN ('assignee', 'watcher')),"
	"  person TEXT NOT NULL, since_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (case_id, role, person)) WITHOUT ROWID;"
	"CREATE UNIQUE INDEX case_people_assignee ON case_people (case_id)"
	"  WHERE role = 'assignee';"
	"CREATE INDEX case_people_person ON case_people (person, role);",
	/* 14 -> 15: people who sign in (store_sqlite_user.c): password
	 * (crypto_pwhash_str) and TOTP secret, sessions with an expiry, and
	 * the audit of sign-ins */
	"CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL,"
	"  pwhash TEXT NOT NULL, totp TEXT NOT NULL,"
	"  totp_step INTEGER NOT NULL DEFAULT -1,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE TABLE sessions (hash TEXT PRIMARY KEY, name TEXT NOT NULL,"
	"  role TEXT NOT NULL, created_ms INTEGER NOT NULL,"
	"  expires_ms INTEGER NOT NULL);"
	"CREATE TABLE signins (time_ms INTEGER NOT NULL, name TEXT NOT NULL,"
	"  ok INTEGER NOT NULL, detail TEXT NOT NULL);",
	/* 15 -> 16: TAXII 2.1 collections (docs/interop.md): every object
	 * version a collection holds, at its log position `pos` (pages are
	 * cut by position, never by time), and the status of each POST */
	"CREATE TABLE taxii_objects (pos INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  coll TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL,"
	"  version TEXT NOT NULL, spec_version TEXT NOT NULL,"
	"  added_ms INTEGER NOT NULL, body TEXT NOT NULL,"
	"  UNIQUE (coll, id, version));"
	"CREATE INDEX taxii_objects_coll ON taxii_objects (coll, pos);"
	"CREATE TABLE taxii_status (id TEXT PRIMARY KEY, coll TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL, body TEXT NOT NULL);",
	/* 16 -> 17: a log entry is found by (peer, time, hash) for every
	 * item of a bundle's log section; the receipts of one import share
	 * their time, so the index on (peer, time) alone left each lookup
	 * scanning all of them (quadratic in the bundle). */
	"DROP INDEX log_entries_peer;"
	"CREATE INDEX log_entries_peer ON log_entries (peer, time_ms, "
	"obj_hash);",
	/* 17 -> 18: what people (and accepted overrides) did with events
	 * that waited in the feeds' queue: routed by hand, dismissed with a
	 * reason, re-routed; kept for audit (docs/routing.md) */
	"CREATE TABLE feed_actions (id INTEGER PRIMARY KEY,"
	"  event INTEGER NOT NULL, action TEXT NOT NULL, was TEXT NOT NULL,"
	"  peer TEXT, reason TEXT, who TEXT, time_ms INTEGER NOT NULL);"
	"CREATE INDEX feed_actions_event ON feed_actions (event);",
	/* 18 -> 19: feed events' canonical JSON in compressed packs, by
	 * batch, keyed by their first event's id, which each event's row
	 * names (store_sqlite_feed.c); events stored before stay in
	 * feed_event_json */
	"CREATE TABLE feed_event_packs (first INTEGER PRIMARY KEY,"
	"  last INTEGER NOT NULL, events INTEGER NOT NULL, data BLOB NOT NULL);"
	"ALTER TABLE feed_events ADD COLUMN pack INTEGER;",
	/* 19 -> 20: who of our people acted for each message we signed
	 * through the API (store_sqlite_user.c; docs/protocol.md "The
	 * acting person"): our own record, whatever the peer was shown */
	("CREATE TABLE msg_actors (hash TEXT PRIMARY KEY, person TEXT NOT NULL,"
	 "  role TEXT NOT NULL) WITHOUT ROWID;"),
	/* 20 -> 21: search is indexed in batches off the path that stores a
	 * message (store_sqlite_desk.c, search_drain): the trigger only
	 * queues the message; its words and observables are indexed by the
	 * serving node's scheduler, and before any search answers.  Every
	 * message stored so far is indexed already. */
	("DROP TRIGGER messages_search;"
	 "CREATE TABLE search_pending (id INTEGER PRIMARY KEY,"
	 "  hash TEXT NOT NULL);"
	 "CREATE TRIGGER messages_search AFTER INSERT ON messages BEGIN"
	 "  INSERT INTO search_pending (hash) VALUES (new.hash);"
	 "END;"),
	/* 21 -> 22: every sign-in counts a name's failures since its last
	 * success (api/users.h, throttling); by name, not by scanning an
	 * audit anyone can lengthen with attempts */
	"CREATE INDEX signins_name ON signins (name, ok);",
	/* 22 -> 23: feed events live only in packs (store_sqlite_feed.c):
	 * no row per event; a pack holds events of one batch and status
	 * with consecutive ids, each with its narrow fields; what a person
	 * changes later (routed by hand, dismissed) is a row of
	 * feed_moves.  px_sq_feed_convert moves the rows of feed_events
	 * into packs and drops the old tables. */
	("CREATE TABLE feed_packs (first INTEGER PRIMARY KEY,"
	 "  last INTEGER NOT NULL, events INTEGER NOT NULL, batch INTEGER,"
	 "  status INTEGER NOT NULL, routed_ms INTEGER NOT NULL,"
	 "  file INTEGER NOT NULL, data BLOB NOT NULL);"
	 "CREATE INDEX feed_packs_queue ON feed_packs (status)"
	 "  WHERE status >= 2;"
	 "CREATE TABLE feed_moves (id INTEGER PRIMARY KEY,"
	 "  pack INTEGER NOT NULL, status INTEGER NOT NULL,"
	 "  route INTEGER NOT NULL, batch INTEGER,"
	 "  routed_ms INTEGER NOT NULL);"
	 "CREATE INDEX feed_moves_pack ON feed_moves (pack);"),
};

/* The migration after which px_sq_feed_convert runs (same transaction). */
#define FEED_PACKS_SCHEMA 23

enum q {
	Q_META_GET,
	Q_META_SET,
	Q_PEER_PUT,
	Q_PEER_GET,
	Q_PEER_LIST,
	Q_MSG_PUT,
	Q_MSG_GET,
	Q_MSG_TIP,
	Q_MSG_AT,
	Q_MSG_CASE,
	Q_MSG_UNDELIV,
	Q_RCPT_PUT,
	Q_RCPT_GET,
	Q_CASE_PUT,
	Q_CASE_FIND,
	Q_CASE_LIST,
	Q_CASE_STAMP,
	Q_CASE_TOUCH,
	Q_MSG_FIND,
	Q__N
};

static const char *const sql[Q__N] = {
	[Q_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[Q_META_SET] = "INSERT INTO meta (key, value) VALUES (?1, ?2) "
	               "ON CONFLICT (key) DO UPDATE SET value = ?2",
	[Q_PEER_PUT] = "INSERT INTO peers (name, card, sign_key, tls_fp, "
	               "settings, card_version, added_ms, updated_ms) "
	               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
	               "ON CONFLICT (name) DO UPDATE SET card = ?2, "
	               "sign_key = ?3, tls_fp = ?4, settings = ?5, "
	               "card_version = ?6, updated_ms = ?8",
	[Q_PEER_GET] = "SELECT name, card, sign_key, tls_fp, settings, "
	               "card_version, added_ms, updated_ms FROM peers "
	               "WHERE name = ?1",
	[Q_PEER_LIST] = "SELECT name, card, sign_key, tls_fp, settings, "
	                "card_version, added_ms, updated_ms FROM peers "
	                "ORDER BY name",
	[Q_MSG_PUT] = "INSERT INTO messages (hash, id, case_id, sender, "
	              "receiver, seq, type, time_ms, received_ms, raw) "
	              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
#define MSG_COLS                                                    \
	"hash, id, case_id, sender, receiver, seq, type, time_ms, " \
	"received_ms, raw "
	[Q_MSG_GET] = "SELECT " MSG_COLS "FROM messages WHERE hash = ?1",
	[Q_MSG_TIP] = "SELECT seq, hash FROM messages WHERE sender = ?1 AND "
	              "receiver = ?2 ORDER BY seq DESC LIMIT 1",
	[Q_MSG_AT] = "SELECT " MSG_COLS "FROM messages WHERE sender = ?1 AND "
	             "receiver = ?2 AND seq = ?3",
	[Q_MSG_CASE] = "SELECT " MSG_COLS "FROM messages WHERE case_id = ?1 "
	               "ORDER BY time_ms, sender, seq",
	/* Receipts come in seq order (a receiver takes a channel strictly
	 * in order), so what waits is everything above the highest seq with
	 * a receipt: found by walking back from the top through the
	 * backlog, never by scanning the channel's whole history. */
	[Q_MSG_UNDELIV] = "SELECT " MSG_COLS "FROM messages WHERE sender = "
	                  "?1 AND receiver = ?2 AND seq > coalesce((SELECT "
	                  "seq FROM messages m WHERE sender = ?1 AND receiver "
	                  "= ?2 AND EXISTS (SELECT 1 FROM receipts r WHERE "
	                  "r.msg_hash = m.hash) ORDER BY seq DESC LIMIT 1), "
	                  "0) ORDER BY seq",
	[Q_RCPT_PUT] = "INSERT INTO receipts (msg_hash, issuer, received_ms, "
	               "raw) VALUES (?1, ?2, ?3, ?4)",
	[Q_RCPT_GET] = "SELECT raw, received_ms FROM receipts WHERE "
	               "msg_hash = ?1",
	[Q_CASE_PUT] =
	    "INSERT INTO cases (id, peer, requester, responder, "
	    "kind, category, priority, tlp, title, state, "
	    "opened_ms, updated_ms, due_ms) VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT (id) DO "
	    "UPDATE SET state = ?10, updated_ms = "
	    "max(cases.updated_ms + 1, ?12), due_ms = ?13",
	/* A full id is found by key; a prefix or short reference by scan. */
	[Q_CASE_FIND] = "SELECT id FROM cases WHERE id = ?1 UNION ALL "
	                "SELECT id FROM cases WHERE length(?1) < 36 AND (id "
	                "LIKE ?1 || '%' OR substr(replace(id, '-', ''), 25) "
	                "= ?1) LIMIT 2",
	/* A prefix by range on the key, so it uses the index. */
	[Q_MSG_FIND] = "SELECT hash FROM messages WHERE hash >= ?1 AND "
	               "hash < ?1 || 'g' ORDER BY hash LIMIT 2",
	[Q_CASE_STAMP] = "SELECT updated_ms FROM cases WHERE id = ?1",
	[Q_CASE_TOUCH] = "UPDATE cases SET updated_ms = max(updated_ms + 1, "
	                 "?2) WHERE id = ?1",
	[Q_CASE_LIST] =
	    "SELECT id, peer, requester, responder, kind, "
	    "category, priority, tlp, title, state, opened_ms, "
	    "updated_ms, exercise FROM cases WHERE (?1 IS NULL OR peer = ?1) "
	    "AND (?2 IS NULL OR state = ?2) AND (?3 = 0 OR state "
	    "NOT IN ('closed', 'withdrawn', 'declined', "
	    "'forwarded', 'accepted')) ORDER BY opened_ms DESC",
};

int
px_sq_fail(struct sq *s, const char *doing)
{
	int code = sqlite3_extended_errcode(s->db);

	return px_error_set(
	    (code & 0xff) == SQLITE_CONSTRAINT ? PX_ECONFLICT : PX_ERR,
	    "store %s: %s: %s", s->path, doing, sqlite3_errmsg(s->db));
}

sqlite3_stmt *
px_sq_prep(struct sq *s, int q, const char *text)
{
	if (s->st[q] == NULL &&
	    sqlite3_prepare_v3(s->db, text, -1, SQLITE_PREPARE_PERSISTENT,
	        &s->st[q], NULL) != SQLITE_OK) {
		px_sq_fail(s, "prepare");
		return NULL;
	}
	sqlite3_reset(s->st[q]);
	sqlite3_clear_bindings(s->st[q]);
	return s->st[q];
}

static sqlite3_stmt *
prep(struct sq *s, enum q q)
{
	return px_sq_prep(s, q, sql[q]);
}

void
px_sq_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

char *
px_sq_col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? px_strdup((const char *)t) : NULL;
}

static int
exec(struct sq *s, const char *q)
{
	char *err = NULL;

	if (sqlite3_exec(s->db, q, NULL, NULL, &err) != SQLITE_OK) {
		int rc = px_error_set(
		    PX_ERR, "store %s: %s", s->path, err ? err : "exec failed");

		sqlite3_free(err);
		return rc;
	}
	return 0;
}

int
px_sq_exec(struct sq *s, const char *text)
{
	return exec(s, text);
}

/* Runs a statement that returns no rows. */
int
px_sq_step_done(struct sq *s, sqlite3_stmt *st, const char *doing)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : px_sq_fail(s, doing);
}

/* Transactions nest: the outermost begin is a real (immediate)
 * transaction, inner ones are savepoints.  A bundle import runs each
 * message in a savepoint of one transaction, so a message is applied
 * whole or not at all, and the batch costs one fsync (group commit). */
static int
aborted(struct sq *s)
{
	return px_error_set(PX_ERR,
	    "store %s: the transaction was rolled back by the database "
	    "(disk full or I/O error); nothing of it was kept",
	    s->path);
}

static int
sq_begin(struct px_store *b)
{
	struct sq *s = (struct sq *)b;
	char q[32];
	int rc;

	if (s->depth > 0 && (s->aborted || sqlite3_get_autocommit(s->db))) {
		s->aborted = true;
		return aborted(s);
	}
	if (s->depth == 0) {
		s->aborted = false;
		rc = exec(s, "BEGIN IMMEDIATE");
	} else {
		snprintf(q, sizeof(q), "SAVEPOINT s%d", s->depth);
		rc = exec(s, q);
	}
	if (rc == 0)
		s->depth++;
	return rc;
}

static int
sq_commit(struct px_store *b)
{
	struct sq *s = (struct sq *)b;
	char q[32];
	int rc;

	if (s->depth <= 0)
		return px_error_set(PX_ERR, "commit without a transaction");
	if (s->aborted || sqlite3_get_autocommit(s->db)) {
		/* The outer transaction is gone: a RELEASE now would commit
		 * a fresh one on its own.  The caller's rollback unwinds. */
		s->aborted = true;
		return aborted(s);
	}
	if (s->depth == 1)
		rc = exec(s, "COMMIT");
	else {
		snprintf(q, sizeof(q), "RELEASE s%d", s->depth - 1);
		rc = exec(s, q);
	}
	if (rc == 0)
		s->depth--;
	return rc;
}

static void
sq_rollback(struct px_store *b)
{
	struct sq *s = (struct sq *)b;
	char q[64];

	if (s->depth > 1 && !s->aborted && !sqlite3_get_autocommit(s->db)) {
		snprintf(q, sizeof(q), "ROLLBACK TO s%d; RELEASE s%d",
		    s->depth - 1, s->depth - 1);
		if (sqlite3_exec(s->db, q, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_get_autocommit(s->db))
			s->aborted = true;
	} else if (!sqlite3_get_autocommit(s->db)) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	}
	if (s->depth > 0)
		s->depth--;
	if (s->depth > 0 && sqlite3_get_autocommit(s->db))
		s->aborted = true;
	px_sq_tree_rollback(s);
	if (s->depth == 0)
		px_sq_pack_rollback(s);
}

static void
sq_close(struct px_store *b)
{
	struct sq *s = (struct sq *)b;

	px_sq_tree_close(s);
	px_sq_pack_close(s);
	for (int i = 0; i < PX_SQ_STMTS; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

static int
sq_meta_get(struct px_store *b, const char *key, char **out)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_META_GET);
	int rc;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = px_sq_col_dup(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE
	    ? px_error_set(PX_ENOTFOUND, "no setting '%s'", key)
	    : px_sq_fail(s, "read meta");
}

static int
sq_meta_set(struct px_store *b, const char *key, const char *val)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_META_SET);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, key);
	px_sq_bind_text(st, 2, val);
	return px_sq_step_done(s, st, "write meta");
}

static int
sq_peer_put(struct px_store *b, const struct px_peer_row *p)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_PEER_PUT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, p->name);
	px_sq_bind_text(st, 2, p->card);
	px_sq_bind_text(st, 3, p->sign_key);
	px_sq_bind_text(st, 4, p->tls_fp);
	px_sq_bind_text(st, 5, p->settings);
	sqlite3_bind_int64(st, 6, p->card_version);
	sqlite3_bind_int64(st, 7, p->added_ms);
	sqlite3_bind_int64(st, 8, p->updated_ms);
	return px_sq_step_done(s, st, "save peer");
}

static void
read_peer(sqlite3_stmt *st, struct px_peer_row *p)
{
	p->name = px_sq_col_dup(st, 0);
	p->card = px_sq_col_dup(st, 1);
	p->sign_key = px_sq_col_dup(st, 2);
	p->tls_fp = px_sq_col_dup(st, 3);
	p->settings = px_sq_col_dup(st, 4);
	p->card_version = sqlite3_column_int64(st, 5);
	p->added_ms = sqlite3_column_int64(st, 6);
	p->updated_ms = sqlite3_column_int64(st, 7);
}

static int
sq_peer_get(struct px_store *b, const char *name, struct px_peer_row *out)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_PEER_GET);
	int rc;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_peer(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE
	    ? px_error_set(PX_ENOTFOUND,
	          "unknown peer '%s' (see 'parley peer list'; enrol one with "
	          "'parley peer add CARD')",
	          name)
	    : px_sq_fail(s, "read peer");
}

static int
sq_peer_list(struct px_store *b, px_peer_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_PEER_LIST);
	struct px_peer_row row;

	if (st == NULL)
		return PX_ERR;
	FOREACH_ROW(
	    s, st, row, read_peer, px_peer_row_dispose, cb, arg, "list peers");
}

static int
sq_msg_put(struct px_store *b, const struct px_msg_row *m)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_MSG_PUT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, m->hash);
	px_sq_bind_text(st, 2, m->id);
	px_sq_bind_text(st, 3, m->case_id);
	px_sq_bind_text(st, 4, m->sender);
	px_sq_bind_text(st, 5, m->receiver);
	sqlite3_bind_int64(st, 6, m->seq);
	px_sq_bind_text(st, 7, m->type);
	sqlite3_bind_int64(st, 8, m->time_ms);
	if (m->received_ms >= 0)
		sqlite3_bind_int64(st, 9, m->received_ms);
	else
		sqlite3_bind_null(st, 9);
	px_sq_bind_text(st, 10, m->raw);
	return px_sq_step_done(s, st, "store message");
}

static void
read_msg(sqlite3_stmt *st, struct px_msg_row *m)
{
	m->hash = px_sq_col_dup(st, 0);
	m->id = px_sq_col_dup(st, 1);
	m->case_id = px_sq_col_dup(st, 2);
	m->sender = px_sq_col_dup(st, 3);
	m->receiver = px_sq_col_dup(st, 4);
	m->seq = sqlite3_column_int64(st, 5);
	m->type = px_sq_col_dup(st, 6);
	m->time_ms = sqlite3_column_int64(st, 7);
	m->received_ms = sqlite3_column_type(st, 8) == SQLITE_NULL
	    ? -1
	    : sqlite3_column_int64(st, 8);
	m->raw = px_sq_col_dup(st, 9);
}

static int
one_msg(
    struct sq *s, sqlite3_stmt *st, struct px_msg_row *out, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		read_msg(st, out);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE
	    ? px_error_set(PX_ENOTFOUND, "no such message: %s", what)
	    : px_sq_fail(s, "read message");
}

static int
sq_msg_get(struct px_store *b, const char *hash, struct px_msg_row *out)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_MSG_GET);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, hash);
	return one_msg(s, st, out, hash);
}

static int
sq_msg_tip(struct px_store *b, const char *sender, const char *receiver,
    int64_t *seq, char hash[65])
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_MSG_TIP);
	int rc;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, sender);
	px_sq_bind_text(st, 2, receiver);
	rc = sqlite3_step(st);
	*seq = 0;
	snprintf(hash, 65, "%064d", 0);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		snprintf(
		    hash, 65, "%s", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
	    ? 0
	    : px_sq_fail(s, "read channel");
}

static int
sq_msg_at(struct px_store *b, const char *sender, const char *receiver,
    int64_t seq, struct px_msg_row *out)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_MSG_AT);
	char what[64];

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, sender);
	px_sq_bind_text(st, 2, receiver);
	sqlite3_bind_int64(st, 3, seq);
	snprintf(what, sizeof(what), "seq %lld", (long long)seq);
	return one_msg(s, st, out, what);
}

static int
sq_msg_list_case(
    struct px_store *b, const char *case_id, px_msg_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_MSG_CASE);
	struct px_msg_row row;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, case_id);
	FOREACH_ROW(
	    s, st, row, read_msg, px_msg_row_dispose, cb, arg, "list messages");
}

static int
sq_msg_list_undelivered(struct px_store *b, const char *sender,
    const char *receiver, px_msg_cb cb, void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_MSG_UNDELIV);
	struct px_msg_row row;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, sender);
	px_sq_bind_text(st, 2, receiver);
	FOREACH_ROW(
	    s, st, row, read_msg, px_msg_row_dispose, cb, arg, "list outbox");
}

static int
sq_receipt_put(struct px_store *b, const char *msg_hash, const char *issuer,
    int64_t received_ms, const char *raw)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_RCPT_PUT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, msg_hash);
	px_sq_bind_text(st, 2, issuer);
	sqlite3_bind_int64(st, 3, received_ms);
	px_sq_bind_text(st, 4, raw);
	return px_sq_step_done(s, st, "store receipt");
}

static int
sq_receipt_get(
    struct px_store *b, const char *msg_hash, char **raw, int64_t *received_ms)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_RCPT_GET);
	int rc;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, msg_hash);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (raw)
			*raw = px_sq_col_dup(st, 0);
		if (received_ms)
			*received_ms = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? PX_ENOTFOUND : px_sq_fail(s, "read receipt");
}

static int
sq_case_put(struct px_store *b, const struct px_case_row *c)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_CASE_PUT);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, c->id);
	px_sq_bind_text(st, 2, c->peer);
	px_sq_bind_text(st, 3, c->requester);
	px_sq_bind_text(st, 4, c->responder);
	px_sq_bind_text(st, 5, c->kind);
	px_sq_bind_text(st, 6, c->category);
	px_sq_bind_text(st, 7, c->priority);
	px_sq_bind_text(st, 8, c->tlp);
	px_sq_bind_text(st, 9, c->title);
	px_sq_bind_text(st, 10, c->state);
	sqlite3_bind_int64(st, 11, c->opened_ms);
	sqlite3_bind_int64(st, 12, c->updated_ms);
	if (c->due_ms >= 0)
		sqlite3_bind_int64(st, 13, c->due_ms);
	else
		sqlite3_bind_null(st, 13);
	return px_sq_step_done(s, st, "save case");
}

static int
sq_case_find(struct px_store *b, const char *ref, char **id)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st;
	char *first = NULL;
	int rc, n = 0;

	/* Refuse LIKE wildcards and anything that cannot be part of an id. */
	for (const char *p = ref; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
		        *p == '-'))
			return px_error_set(PX_EINVAL,
			    "'%s' is not a case id (expected the id or its "
			    "short reference, in lowercase hex)",
			    ref);
	if (strlen(ref) < 6)
		return px_error_set(PX_EINVAL,
		    "case reference '%s' is too short (give at least 6 "
		    "characters)",
		    ref);
	if ((st = prep(s, Q_CASE_FIND)) == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, ref);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == 0)
			first = px_sq_col_dup(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(first);
		return px_sq_fail(s, "find case");
	}
	if (n == 0)
		return px_error_set(PX_ENOTFOUND,
		    "no case '%s' (see 'parley "
		    "case list')",
		    ref);
	if (n > 1) {
		free(first);
		return px_error_set(PX_EINVAL,
		    "case reference '%s' matches several cases; give more "
		    "characters",
		    ref);
	}
	*id = first;
	return 0;
}

static int
sq_msg_find(struct px_store *b, const char *prefix, char **hash)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st;
	char *first = NULL;
	int rc, n = 0;

	if ((st = prep(s, Q_MSG_FIND)) == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, prefix);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (n++ == 0)
			first = px_sq_col_dup(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(first);
		return px_sq_fail(s, "find message");
	}
	if (n == 0)
		return px_error_set(PX_ENOTFOUND, "no message %s", prefix);
	if (n > 1) {
		free(first);
		return px_error_set(PX_EINVAL,
		    "message hash prefix %s matches several messages; give "
		    "more digits",
		    prefix);
	}
	*hash = first;
	return 0;
}

void
px_sq_read_case(sqlite3_stmt *st, struct px_case_row *c)
{
	c->id = px_sq_col_dup(st, 0);
	c->peer = px_sq_col_dup(st, 1);
	c->requester = px_sq_col_dup(st, 2);
	c->responder = px_sq_col_dup(st, 3);
	c->kind = px_sq_col_dup(st, 4);
	c->category = px_sq_col_dup(st, 5);
	c->priority = px_sq_col_dup(st, 6);
	c->tlp = px_sq_col_dup(st, 7);
	c->title = px_sq_col_dup(st, 8);
	c->state = px_sq_col_dup(st, 9);
	c->opened_ms = sqlite3_column_int64(st, 10);
	c->updated_ms = sqlite3_column_int64(st, 11);
	c->exercise = px_sq_col_dup(st, 12);
}

static int
sq_case_list(struct px_store *b, const struct px_case_filter *f, px_case_cb cb,
    void *arg)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_CASE_LIST);
	struct px_case_row row;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, f->peer);
	px_sq_bind_text(st, 2, f->state);
	sqlite3_bind_int(st, 3, f->open_only);
	FOREACH_ROW(s, st, row, px_sq_read_case, px_case_row_dispose, cb, arg,
	    "list cases");
}

static int
sq_case_stamp(struct px_store *b, const char *id, int64_t *stamp)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_CASE_STAMP);
	int rc;

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*stamp = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? PX_ENOTFOUND : px_sq_fail(s, "read case");
}

static int
sq_case_touch(struct px_store *b, const char *id, int64_t now)
{
	struct sq *s = (struct sq *)b;
	sqlite3_stmt *st = prep(s, Q_CASE_TOUCH);

	if (st == NULL)
		return PX_ERR;
	px_sq_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	return px_sq_step_done(s, st, "touch case");
}

static int
sq_set_durable(struct px_store *b, bool durable)
{
	struct sq *s = (struct sq *)b;

	s->lazy = !durable;
	return exec(s,
	    durable ? "PRAGMA synchronous = FULL"
	            : "PRAGMA synchronous = NORMAL");
}

static int
sq_checkpoint(struct px_store *b)
{
	struct sq *s = (struct sq *)b;
	int rc = sqlite3_wal_checkpoint_v2(
	    s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

	/* Busy: another connection is checkpointing; it does the work. */
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		return px_sq_fail(s, "checkpoint the log");
	return 0;
}

/* Waits for another connection's write transaction: in short sleeps
 * first, since most last a millisecond or two (SQLite's own handler
 * sleeps 1, 2, 5, 10 ... ms, so a writer behind a 3 ms transaction waited
 * 8 ms, and the wait showed in every delivery's latency), then in
 * longer ones, 10 s in all as before. */
static int
busy_wait(void *arg, int count)
{
	struct timespec ts = { 0, count < 100 ? 100000 : 5000000 };

	(void)arg;
	if (count >= 100 + 2000)
		return 0;
	nanosleep(&ts, NULL);
	return 1;
}

static const struct px_store_ops sqlite_ops = {
	.name = "sqlite",
	.set_durable = sq_set_durable,
	.checkpoint = sq_checkpoint,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.close = sq_close,
	.meta_get = sq_meta_get,
	.meta_set = sq_meta_set,
	.peer_put = sq_peer_put,
	.peer_get = sq_peer_get,
	.peer_list = sq_peer_list,
	.msg_put = sq_msg_put,
	.msg_get = sq_msg_get,
	.msg_find = sq_msg_find,
	.msg_tip = sq_msg_tip,
	.msg_at = sq_msg_at,
	.msg_list_case = sq_msg_list_case,
	.msg_list_undelivered = sq_msg_list_undelivered,
	.receipt_put = sq_receipt_put,
	.receipt_get = sq_receipt_get,
	.case_put = sq_case_put,
	.case_find = sq_case_find,
	.case_list = sq_case_list,
	.case_stamp = sq_case_stamp,
	.case_touch = sq_case_touch,
	PX_SQ_LOG_OPS,
	PX_SQ_SCHED_OPS,
	PX_SQ_CHAN_OPS,
	PX_SQ_AGREE_OPS,
	PX_SQ_EXER_OPS,
	PX_SQ_EV_OPS,
	PX_SQ_FEED_OPS,
	PX_SQ_DESK_OPS,
	PX_SQ_USER_OPS,
	PX_SQ_TAXII_OPS,
};

static int
user_version(struct sq *s, int *v)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return px_sq_fail(s, "read schema version");
	rc = sqlite3_step(st);
	*v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : px_sq_fail(s, "read schema version");
}

static int
migrate(struct sq *s)
{
	int v, rc;
	const int latest = (int)PX_ARRAY_LEN(migrations);

	_Static_assert(PX_ARRAY_LEN(migrations) == PX_SCHEMA_VERSION,
	    "PX_SCHEMA_VERSION must count the migrations");

	if ((rc = user_version(s, &v)) < 0)
		return rc;
	if (v > latest)
		return px_error_set(PX_ECONFLICT,
		    "database %s has schema version %d, newer than this "
		    "parley %s understands (%d); use a newer parley",
		    s->path, v, PX_VERSION, latest);
	while (v < latest) {
		char *bump = px_asprintf("PRAGMA user_version = %d", v + 1);

		rc = exec(s, "BEGIN IMMEDIATE");
		if (rc == 0)
			rc = exec(s, migrations[v]);
		if (rc == 0 && v + 1 == FEED_PACKS_SCHEMA)
			rc = px_sq_feed_convert(s);
		if (rc == 0)
			rc = exec(s, bump);
		if (rc == 0)
			rc = exec(s, "COMMIT");
		free(bump);
		if (rc < 0) {
			sq_rollback(&s->base);
			px_error_prefix("migrating schema %d to %d", v, v + 1);
			return rc;
		}
		v++;
	}
	return 0;
}

int
px_store_open_sqlite(struct px_store **out, const char *path, bool create)
{
	struct sq *s = px_calloc(1, sizeof(*s));
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	    (create ? SQLITE_OPEN_CREATE : 0);
	int rc;

	s->base.ops = &sqlite_ops;
	s->path = px_strdup(path);
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		rc = px_error_set(create ? PX_ERR : PX_ENOTFOUND,
		    "cannot open store %s: %s", path,
		    s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_handler(s->db, busy_wait, s);
	sqlite3_extended_result_codes(s->db, 1);
	/* A commit that finds the log past this many pages copies it into
	 * the database itself; a serving node's scheduler does that every
	 * second (checkpoint), so a commit under load seldom has to, and a
	 * process that stops checkpoints on close.  */
	if ((rc = exec(s, "PRAGMA journal_mode = WAL")) < 0 ||
	    (rc = exec(s, "PRAGMA wal_autocheckpoint = 16384")) < 0 ||
	    (rc = exec(s, "PRAGMA synchronous = FULL")) < 0 ||
	    (rc = exec(s, "PRAGMA foreign_keys = ON")) < 0 ||
	    (rc = migrate(s)) < 0)
		goto fail;
	*out = &s->base;
	return 0;
fail:
	sq_close(&s->base);
	return rc;
}

void
px_peer_row_dispose(struct px_peer_row *p)
{
	free(p->name);
	free(p->card);
	free(p->sign_key);
	free(p->tls_fp);
	free(p->settings);
	memset(p, 0, sizeof(*p));
}

void
px_msg_row_dispose(struct px_msg_row *m)
{
	free(m->hash);
	free(m->id);
	free(m->case_id);
	free(m->sender);
	free(m->receiver);
	free(m->type);
	free(m->raw);
	memset(m, 0, sizeof(*m));
}

void
px_case_row_dispose(struct px_case_row *c)
{
	free(c->id);
	free(c->peer);
	free(c->requester);
	free(c->responder);
	free(c->kind);
	free(c->category);
	free(c->priority);
	free(c->tlp);
	free(c->title);
	free(c->state);
	free(c->exercise);
	memset(c, 0, sizeof(*c));
}
