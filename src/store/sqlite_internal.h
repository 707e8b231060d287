/*
 * Shared by the SQLite backend's files only: the connection, its cache of
 * prepared statements, and small helpers.  store_sqlite.c holds the case
 * and message tables, store_sqlite_log.c the Merkle log and witnessing.
 */
#ifndef PX_SQLITE_INTERNAL_H
#define PX_SQLITE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>

#include "store/store.h"

#define PX_SQ_FIRST_LOG_STMT   32  /* statement slots 0..31: store_sqlite.c */
#define PX_SQ_FIRST_SCHED_STMT 64  /* 64..79: store_sqlite_sched.c */
#define PX_SQ_FIRST_CHAN_STMT  80  /* 80..87: store_sqlite_chan.c */
#define PX_SQ_FIRST_TAXII_STMT 88  /* 88..95: store_sqlite_taxii.c */
#define PX_SQ_FIRST_AGREE_STMT 96  /* 96..103: store_sqlite_agree.c */
#define PX_SQ_FIRST_EXER_STMT  104 /* 104..119: store_sqlite_exer.c */
#define PX_SQ_FIRST_EV_STMT    120 /* 120..127: store_sqlite_ev.c */
#define PX_SQ_FIRST_FEED_STMT  128 /* 128..175: store_sqlite_feed.c */
#define PX_SQ_FIRST_DESK_STMT  176 /* 176..183: store_sqlite_desk.c */
#define PX_SQ_FIRST_USER_STMT  184 /* 184..199: store_sqlite_user.c */
#define PX_SQ_FIRST_FQ_STMT    200 /* 200..223: store_sqlite_feed.c (packs) */
#define PX_SQ_STMTS            224

struct sq {
	struct px_store base;
	sqlite3 *db;
	sqlite3_stmt *st[PX_SQ_STMTS];
	char *path;
	int depth; /* nested begin: 1 is the transaction, more are savepoints */
	bool aborted; /* SQLite rolled the whole transaction back (disk full,
	                 I/O error): every step fails until the outermost end */
	bool lazy;    /* set_durable(false): commits do not wait for the disk */
	struct px_sq_pack *pack; /* the feed events' pack last read
	                            (store_sqlite_feed.c) */
	struct px_sq_tree *tree; /* the log's tile cache (store_sqlite_log.c),
	                            made on first use */
};

/* Runs SQL text (no rows wanted); 0 or the error set. */
int px_sq_exec(struct sq *s, const char *text);
/* Sets the error from the connection; PX_ECONFLICT on a constraint. */
int px_sq_fail(struct sq *s, const char *doing);
/* The cached statement in slot `q` for `text`, reset and unbound. */
sqlite3_stmt *px_sq_prep(struct sq *s, int q, const char *text);
void px_sq_bind_text(sqlite3_stmt *st, int i, const char *v);
char *px_sq_col_dup(sqlite3_stmt *st, int i);
int px_sq_step_done(struct sq *s, sqlite3_stmt *st, const char *doing);
/* Rows of (integer, text, text) into a px_text_cb; resets `st`. */
int px_sq_each_text(struct sq *s, sqlite3_stmt *st, px_text_cb cb, void *arg,
    const char *doing);

/* Iterates rows of a prepared statement into a callback; a non-zero
 * callback result stops and is returned. */
#define FOREACH_ROW(s, st, row, reader, disposer, cb, arg, doing) \
	do {                                                      \
		int r_, c_ = 0;                                   \
		while ((r_ = sqlite3_step(st)) == SQLITE_ROW) {   \
			memset(&(row), 0, sizeof(row));           \
			reader(st, &(row));                       \
			c_ = cb(&(row), arg);                     \
			disposer(&(row));                         \
			if (c_ != 0)                              \
				break;                            \
		}                                                 \
		sqlite3_reset(st);                                \
		if (c_ != 0)                                      \
			return c_;                                \
		return r_ == SQLITE_DONE || r_ == SQLITE_ROW      \
		    ? 0                                           \
		    : px_sq_fail(s, doing);                       \
	} while (0)

/* The scheduler and notification operations (store_sqlite_sched.c). */
#define PX_SQ_SCHED_OPS                                                       \
	.case_due = px_sq_case_due, .case_set_due = px_sq_case_set_due,       \
	.case_due_all = px_sq_case_due_all,                                   \
	.case_set_contact = px_sq_case_set_contact,                           \
	.case_last_check = px_sq_case_last_check,                             \
	.hotline_rank = px_sq_hotline_rank, .pages_since = px_sq_pages_since, \
	.notify_put = px_sq_notify_put, .notify_due = px_sq_notify_due,       \
	.notify_update = px_sq_notify_update,                                 \
	.notify_list = px_sq_notify_list, .notify_get = px_sq_notify_get

int px_sq_case_due(
    struct px_store *b, int64_t now, int64_t limit, px_text_cb cb, void *arg);
int px_sq_case_set_due(struct px_store *b, const char *id, int64_t due_ms);
int px_sq_case_due_all(struct px_store *b, const char *peer);
int px_sq_case_set_contact(
    struct px_store *b, const char *id, const char *contact);
int px_sq_case_last_check(struct px_store *b, const char *requester,
    const char *peer, const char *contact, int64_t *ms);
int px_sq_hotline_rank(struct px_store *b, const char *peer, int64_t opened_ms,
    const char *id, int64_t *rank);
int px_sq_pages_since(struct px_store *b, const char *sender,
    const char *receiver, int64_t since_ms, int64_t *n);
int px_sq_notify_put(struct px_store *b, struct px_notify_row *r);
int px_sq_notify_due(
    struct px_store *b, int64_t now, int64_t limit, px_notify_cb cb, void *arg);
int px_sq_notify_update(struct px_store *b, const struct px_notify_row *r);
int px_sq_notify_list(struct px_store *b, const struct px_notify_filter *f,
    px_notify_cb cb, void *arg);
int px_sq_notify_get(struct px_store *b, int64_t id, struct px_notify_row *out);

/* Channel problems (store_sqlite_chan.c). */
#define PX_SQ_CHAN_OPS                              \
	.channel_put = px_sq_channel_put,           \
	.channel_clear = px_sq_channel_clear,       \
	.channel_notified = px_sq_channel_notified, \
	.channel_list = px_sq_channel_list,         \
	.msg_delivered = px_sq_msg_delivered

int px_sq_channel_put(
    struct px_store *b, const struct px_channel_row *r, bool *fresh);
int px_sq_channel_clear(
    struct px_store *b, const char *peer, const char *dir, int64_t through);
int px_sq_channel_notified(
    struct px_store *b, const char *peer, const char *dir);
int px_sq_channel_list(
    struct px_store *b, const char *peer, px_channel_cb cb, void *arg);
int px_sq_msg_delivered(
    struct px_store *b, const char *sender, const char *receiver, int64_t *seq);
/* The agreement operations (store_sqlite_agree.c). */
#define PX_SQ_AGREE_OPS                                 \
	.agreement_put = px_sq_agreement_put,           \
	.agreement_list = px_sq_agreement_list,         \
	.case_set_agreement = px_sq_case_set_agreement, \
	.case_agreements = px_sq_case_agreements

int px_sq_agreement_put(struct px_store *b, const struct px_agreement_row *r);

/* The evidence index (store_sqlite_ev.c). */
#define PX_SQ_EV_OPS \
	.evidence_put = px_sq_evidence_put, .evidence_list = px_sq_evidence_list

int px_sq_evidence_put(struct px_store *b, const struct px_evidence_row *r);
int px_sq_evidence_list(struct px_store *b, const struct px_evidence_filter *f,
    px_evidence_cb cb, void *arg);
int px_sq_agreement_list(
    struct px_store *b, const char *peer, px_agreement_cb cb, void *arg);
int px_sq_case_set_agreement(struct px_store *b, const char *id, int64_t v);
int px_sq_case_agreements(
    struct px_store *b, const char *peer, px_text_cb cb, void *arg);

/* The exercise operations (store_sqlite_exer.c). */
#define PX_SQ_EXER_OPS                                \
	.exercise_put = px_sq_exercise_put,           \
	.exercise_get = px_sq_exercise_get,           \
	.exercise_list = px_sq_exercise_list,         \
	.exercise_delete = px_sq_exercise_delete,     \
	.case_set_exercise = px_sq_case_set_exercise, \
	.exercise_cases = px_sq_exercise_cases,       \
	.exercise_due_all = px_sq_exercise_due_all,   \
	.case_exercise = px_sq_case_exercise,         \
	.exercise_ids = px_sq_exercise_ids,           \
	.notify_cancel_exercise = px_sq_notify_cancel_exercise

int px_sq_exercise_put(struct px_store *b, const struct px_exercise_row *r);
int px_sq_exercise_get(
    struct px_store *b, const char *id, struct px_exercise_row *out);
int px_sq_exercise_list(struct px_store *b, px_exercise_cb cb, void *arg);
int px_sq_exercise_delete(struct px_store *b, const char *id);
int px_sq_case_set_exercise(
    struct px_store *b, const char *id, const char *exercise);
int px_sq_exercise_cases(
    struct px_store *b, const char *exercise, px_text_cb cb, void *arg);
int px_sq_exercise_due_all(struct px_store *b, const char *exercise);
int px_sq_case_exercise(struct px_store *b, const char *id, char **ex);
int px_sq_exercise_ids(struct px_store *b, px_text_cb cb, void *arg);
int px_sq_notify_cancel_exercise(struct px_store *b, const char *exercise,
    const char *reason, int64_t now, int64_t *count);

/* The duty desk's own records (store_sqlite_desk.c). */
#define PX_SQ_DESK_OPS                                                        \
	.inote_put = px_sq_inote_put, .inote_list = px_sq_inote_list,         \
	.case_search = px_sq_case_search, .search_drain = px_sq_search_drain, \
	.case_person_set = px_sq_case_person_set,                             \
	.case_people = px_sq_case_people

int px_sq_case_person_set(struct px_store *b, const char *case_id,
    const char *role, const char *person, bool on, int64_t now);
int px_sq_case_people(
    struct px_store *b, const char *case_id, px_text_cb cb, void *arg);
int px_sq_case_search(struct px_store *b, const char *text,
    const char *obs_type, const char *obs_value, const char *except, int limit,
    px_case_cb cb, void *arg);
int px_sq_search_drain(struct px_store *b, bool all);
/* People who sign in (store_sqlite_user.c). */
#define PX_SQ_USER_OPS                                                      \
	.user_put = px_sq_user_put, .user_get = px_sq_user_get,             \
	.user_list = px_sq_user_list, .user_step = px_sq_user_step,         \
	.session_put = px_sq_session_put, .session_get = px_sq_session_get, \
	.signin_put = px_sq_signin_put, .signin_list = px_sq_signin_list,   \
	.signin_streak = px_sq_signin_streak,                               \
	.session_del = px_sq_session_del,                                   \
	.user_password = px_sq_user_password,                               \
	.msg_actor_put = px_sq_msg_actor_put,                               \
	.msg_actor_get = px_sq_msg_actor_get

int px_sq_user_put(struct px_store *b, const struct px_user_row *u);
int px_sq_user_get(struct px_store *b, const char *name, struct px_user_row *u);
int px_sq_user_list(struct px_store *b, px_text_cb cb, void *arg);
int px_sq_user_step(struct px_store *b, const char *name, int64_t step);
int px_sq_session_put(struct px_store *b, const char *hash, const char *name,
    const char *role, int64_t created_ms, int64_t expires_ms);
int px_sq_session_get(struct px_store *b, const char *hash, int64_t now,
    char **name, char **role);
int px_sq_signin_put(struct px_store *b, int64_t time_ms, const char *name,
    bool ok, const char *detail);
int px_sq_signin_list(struct px_store *b, px_text_cb cb, void *arg);
int px_sq_signin_streak(struct px_store *b, const char *name, const char *skip,
    int64_t *fails, int64_t *last_ms);
int px_sq_session_del(struct px_store *b, const char *hash);
int px_sq_msg_actor_put(
    struct px_store *b, const char *hash, const char *person, const char *role);
int px_sq_msg_actor_get(
    struct px_store *b, const char *hash, char **person, char **role);
int px_sq_user_password(
    struct px_store *b, const char *name, const char *pwhash, const char *keep);

/* Reads a row of the cases table's columns, in its order (store_sqlite.c). */
void px_sq_read_case(sqlite3_stmt *st, struct px_case_row *c);

int px_sq_inote_put(struct px_store *b, const char *hash, const char *case_id,
    int64_t time_ms, const char *entry);
int px_sq_inote_list(
    struct px_store *b, const char *case_id, px_text_cb cb, void *arg);
/* TAXII collections (store_sqlite_taxii.c). */
#define PX_SQ_TAXII_OPS                                               \
	.taxii_put = px_sq_taxii_put, .taxii_scan = px_sq_taxii_scan, \
	.taxii_status_put = px_sq_taxii_status_put,                   \
	.taxii_status_get = px_sq_taxii_status_get

int px_sq_taxii_put(
    struct px_store *b, const struct px_taxii_row *r, bool *added);
int px_sq_taxii_scan(struct px_store *b, const char *coll, int64_t after,
    int64_t added_after_ms, const char *id, px_taxii_cb cb, void *arg);
int px_sq_taxii_status_put(struct px_store *b, const char *id, const char *coll,
    int64_t created_ms, const char *body);
int px_sq_taxii_status_get(
    struct px_store *b, const char *id, char **coll, char **body);

/* The log's tile cache follows the connection: a rollback (of the
 * transaction or a savepoint) forgets what it held, since it may hold
 * nodes written by what was rolled back; close frees it. */
void px_sq_tree_rollback(struct sq *s);
void px_sq_tree_close(struct sq *s);
/* The feed events' pack last read is forgotten with a rollback (it may
 * have been written by what was rolled back); close frees it
 * (store_sqlite_feed.c). */
void px_sq_pack_rollback(struct sq *s);
void px_sq_pack_close(struct sq *s);
/* Schema 20 -> 21: feed events' rows become packs (store_sqlite_feed.c);
 * runs inside the migration's transaction. */
int px_sq_feed_convert(struct sq *s);

/* Feeds, routing, attachments and digests (store_sqlite_feed.c). */
#define PX_SQ_FEED_OPS                                                        \
	.feed_tune = px_sq_feed_tune,                                         \
	.routing_file_put = px_sq_routing_file_put,                           \
	.routing_file_list = px_sq_routing_file_list,                         \
	.feed_file_find = px_sq_feed_file_find,                               \
	.feed_file_get = px_sq_feed_file_get,                                 \
	.feed_file_put = px_sq_feed_file_put,                                 \
	.feed_file_list = px_sq_feed_file_list,                               \
	.feed_bad_put = px_sq_feed_bad_put,                                   \
	.feed_bad_list = px_sq_feed_bad_list,                                 \
	.feed_event_next = px_sq_feed_event_next,                             \
	.feed_chunk_put = px_sq_feed_chunk_put,                               \
	.feed_event_get = px_sq_feed_event_get,                               \
	.feed_event_keys = px_sq_feed_event_keys,                             \
	.feed_route_id = px_sq_feed_route_id,                                 \
	.feed_group_id = px_sq_feed_group_id,                                 \
	.feed_group_case = px_sq_feed_group_case,                             \
	.feed_group_hosts = px_sq_feed_group_hosts,                           \
	.feed_host_put = px_sq_feed_host_put,                                 \
	.feed_group_pending = px_sq_feed_group_pending,                       \
	.feed_group_list = px_sq_feed_group_list,                             \
	.feed_status_counts = px_sq_feed_status_counts,                       \
	.feed_batch_id = px_sq_feed_batch_id,                                 \
	.feed_batch_add = px_sq_feed_batch_add,                               \
	.feed_batches = px_sq_feed_batches,                                   \
	.feed_batch_items = px_sq_feed_batch_items,                           \
	.feed_batch_events = px_sq_feed_batch_events,                         \
	.feed_batch_sent = px_sq_feed_batch_sent,                             \
	.feed_part_put = px_sq_feed_part_put, .feed_parts = px_sq_feed_parts, \
	.feed_part_get = px_sq_feed_part_get, .feed_queue = px_sq_feed_queue, \
	.feed_event_route = px_sq_feed_event_route,                           \
	.feed_events = px_sq_feed_events,                                     \
	.feed_action_put = px_sq_feed_action_put,                             \
	.feed_actions = px_sq_feed_actions,                                   \
	.feed_recv_put = px_sq_feed_recv_put,                                 \
	.feed_recv_find = px_sq_feed_recv_find,                               \
	.attach_put = px_sq_attach_put, .attach_get = px_sq_attach_get,       \
	.digest_put = px_sq_digest_put, .digest_get = px_sq_digest_get,       \
	.digest_list = px_sq_digest_list

int px_sq_feed_tune(struct px_store *b, bool bulk);
int px_sq_routing_file_put(
    struct px_store *b, const struct px_routing_file_row *r);
int px_sq_routing_file_list(
    struct px_store *b, bool active_only, px_routing_file_cb cb, void *arg);
int px_sq_feed_file_find(
    struct px_store *b, const char *ident, struct px_feed_file_row *out);
int px_sq_feed_file_get(
    struct px_store *b, int64_t id, struct px_feed_file_row *out);
int px_sq_feed_file_put(struct px_store *b, struct px_feed_file_row *r);
int px_sq_feed_file_list(
    struct px_store *b, int64_t limit, px_feed_file_cb cb, void *arg);
int px_sq_feed_bad_put(
    struct px_store *b, int64_t file, int64_t line, const char *reason);
int px_sq_feed_bad_list(
    struct px_store *b, int64_t file, int64_t limit, px_text_cb cb, void *arg);
int px_sq_feed_event_next(struct px_store *b, int64_t *id);
int px_sq_feed_chunk_put(struct px_store *b, const struct px_feed_chunk *c);
int px_sq_feed_event_get(
    struct px_store *b, int64_t id, struct px_feed_event_row *out);
int px_sq_feed_event_keys(
    struct px_store *b, int64_t min_bday, px_feed_key_cb cb, void *arg);
int px_sq_feed_route_id(struct px_store *b, const char *json, int64_t *id);
int px_sq_feed_group_id(struct px_store *b, const char *peer, int64_t asn,
    int type, const char *identifier, int64_t now, int64_t *id);
int px_sq_feed_group_case(struct px_store *b, int64_t grp, const char *case_id);
int px_sq_feed_group_hosts(
    struct px_store *b, int64_t grp, px_feed_host_cb cb, void *arg);
int px_sq_feed_host_put(struct px_store *b, int64_t grp, const char *host,
    int64_t first, int64_t last, int64_t count);
int px_sq_feed_group_pending(struct px_store *b, int64_t grp, int64_t *events);
int px_sq_feed_group_list(struct px_store *b, px_text_cb cb, void *arg);
int px_sq_feed_status_counts(
    struct px_store *b, int64_t from, int64_t to, int64_t out[5]);
int px_sq_feed_batch_id(struct px_store *b, int64_t grp, int64_t start_ms,
    int64_t end_ms, int64_t *id);
int px_sq_feed_batch_add(struct px_store *b, int64_t batch, int64_t n);
int px_sq_feed_batches(struct px_store *b, const struct px_feed_batch_filter *f,
    px_feed_batch_cb cb, void *arg);
int px_sq_feed_batch_items(
    struct px_store *b, int64_t batch, const int64_t *ids, size_t n);
int px_sq_feed_batch_events(
    struct px_store *b, int64_t batch, px_feed_event_cb cb, void *arg);
int px_sq_feed_batch_sent(struct px_store *b, int64_t batch,
    const char *case_id, const char *msg_hash, int64_t now);
int px_sq_feed_part_put(struct px_store *b, const struct px_feed_part_row *r);
int px_sq_feed_parts(struct px_store *b, const char *peer, const char *dir,
    int64_t from, int64_t to, px_feed_part_cb cb, void *arg);
int px_sq_feed_part_get(
    struct px_store *b, const char *msg_hash, struct px_feed_part_row *out);
int px_sq_feed_queue(struct px_store *b, int status, int64_t before,
    int64_t limit, px_feed_event_cb cb, void *arg);
int px_sq_feed_events(struct px_store *b, const struct px_feed_event_filter *f,
    px_feed_event_cb cb, void *arg);
int px_sq_feed_event_route(struct px_store *b, int64_t id, int status,
    int64_t route, int64_t batch, int64_t routed_ms);
int px_sq_feed_action_put(
    struct px_store *b, const struct px_feed_action_row *r);
int px_sq_feed_actions(struct px_store *b, int64_t event, int64_t limit,
    px_feed_action_cb cb, void *arg);
int px_sq_feed_recv_put(
    struct px_store *b, const char *id, const char *attachment, int64_t line);
int px_sq_feed_recv_find(
    struct px_store *b, const char *id, char **attachment, int64_t *line);
int px_sq_attach_put(struct px_store *b, const struct px_attach_row *r);
int px_sq_attach_get(
    struct px_store *b, const char *sha256, struct px_attach_row *out);
int px_sq_digest_put(struct px_store *b, const struct px_digest_row *r);
int px_sq_digest_get(struct px_store *b, const char *peer, const char *dir,
    const char *day, struct px_digest_row *out);
int px_sq_digest_list(struct px_store *b, const char *peer, const char *dir,
    px_digest_cb cb, void *arg);

/* The log operations, for the ops table. */
#define PX_SQ_LOG_OPS                                                         \
	.log_size = px_sq_log_size, .log_put = px_sq_log_put,                 \
	.log_get = px_sq_log_get, .log_find = px_sq_log_find,                 \
	.log_list = px_sq_log_list, .node_put = px_sq_node_put,               \
	.node_get = px_sq_node_get, .tree_get = px_sq_tree_get,               \
	.tile_get = px_sq_tile_get, .ckpt_put = px_sq_ckpt_put,               \
	.ckpt_get = px_sq_ckpt_get, .cosig_put = px_sq_cosig_put,             \
	.cosig_list = px_sq_cosig_list, .cosig_first = px_sq_cosig_first,     \
	.ckpt_time = px_sq_ckpt_time, .peer_ckpt_put = px_sq_peer_ckpt_put,   \
	.peer_ckpt_list = px_sq_peer_ckpt_list,                               \
	.witness_get = px_sq_witness_get, .witness_put = px_sq_witness_put,   \
	.proof_put = px_sq_proof_put, .proof_get = px_sq_proof_get,           \
	.proof_list = px_sq_proof_list,                                       \
	.consistency_put = px_sq_consistency_put,                             \
	.consistency_list = px_sq_consistency_list,                           \
	.alert_put = px_sq_alert_put, .alert_list = px_sq_alert_list,         \
	.sent_ckpt_put = px_sq_sent_ckpt_put,                                 \
	.sent_ckpt_list = px_sq_sent_ckpt_list, .token_put = px_sq_token_put, \
	.token_get = px_sq_token_get, .token_list = px_sq_token_list,         \
	.token_revoke = px_sq_token_revoke

int px_sq_log_size(struct px_store *b, int64_t *n);
int px_sq_log_put(struct px_store *b, const struct px_log_row *r);
int px_sq_log_get(struct px_store *b, int64_t idx, struct px_log_row *out);
int px_sq_log_find(struct px_store *b, const char *obj_hash, const char *peer,
    int64_t time_ms, int64_t *idx);
int px_sq_log_list(struct px_store *b, const char *peer, int64_t from_ms,
    int64_t to_ms, px_log_cb cb, void *arg);
int px_sq_node_put(
    struct px_store *b, unsigned level, uint64_t idx, const uint8_t hash[32]);
int px_sq_node_get(
    struct px_store *b, unsigned level, uint64_t idx, uint8_t hash[32]);
int px_sq_tree_get(
    struct px_store *b, unsigned level, uint64_t idx, uint8_t hash[32]);
int px_sq_tile_get(
    struct px_store *b, unsigned level, uint64_t idx, uint8_t hashes[][32]);
int px_sq_ckpt_put(
    struct px_store *b, int64_t size, const char *note, int64_t time_ms);
int px_sq_ckpt_get(
    struct px_store *b, int64_t size, char **note, int64_t *size_out);
int px_sq_cosig_put(struct px_store *b, const char *origin, int64_t size,
    const char *witness, const char *line, int64_t time_ms);
int px_sq_cosig_list(struct px_store *b, const char *origin, int64_t size,
    px_text_cb cb, void *arg);
int px_sq_cosig_first(struct px_store *b, const char *origin, int64_t above,
    px_cosig_cb cb, void *arg);
int px_sq_ckpt_time(struct px_store *b, int64_t size, int64_t *time_ms);
int px_sq_peer_ckpt_put(struct px_store *b, const char *peer, int64_t size,
    const char *root, const char *note, int64_t seen_ms);
int px_sq_peer_ckpt_list(
    struct px_store *b, const char *peer, px_text_cb cb, void *arg);
int px_sq_witness_get(
    struct px_store *b, const char *peer, int64_t *size, char **root);
int px_sq_witness_put(struct px_store *b, const char *peer, int64_t size,
    const char *root, int64_t time_ms);
int px_sq_proof_put(struct px_store *b, const struct px_proof_row *p);
int px_sq_proof_get(
    struct px_store *b, const char *obj_hash, struct px_proof_row *out);
int px_sq_proof_list(struct px_store *b, const char *peer, int64_t from_ms,
    int64_t to_ms, px_proof_cb cb, void *arg);
int px_sq_consistency_put(struct px_store *b, const char *peer, int64_t size1,
    int64_t size2, const char *path);
int px_sq_consistency_list(
    struct px_store *b, const char *peer, px_text_cb cb, void *arg);
int px_sq_sent_ckpt_put(struct px_store *b, const char *peer, int64_t size);
int px_sq_sent_ckpt_list(struct px_store *b, const char *peer, int64_t min,
    px_text_cb cb, void *arg);
int px_sq_token_put(struct px_store *b, const char *hash, const char *name,
    const char *role, int64_t created_ms);
int px_sq_token_get(
    struct px_store *b, const char *hash, char **name, char **role);
int px_sq_token_list(struct px_store *b, px_text_cb cb, void *arg);
int px_sq_token_revoke(struct px_store *b, const char *name);
int px_sq_alert_put(struct px_store *b, const char *peer, const char *kind,
    const char *detail, const char *evidence, int64_t time_ms);
int px_sq_alert_list(
    struct px_store *b, const char *peer, px_text_cb cb, void *arg);

#endif
