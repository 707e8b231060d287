/*
 * The store: everything a node keeps, behind one interface so that SQL
 * stays in the backend (store_sqlite.c today; a PostgreSQL backend can be
 * added as store_pg.c with its own ops table, and no core code changes).
 *
 * How to add a store operation: add the function pointer to px_store_ops,
 * an inline wrapper below, and an implementation in every backend.
 *
 * Rows passed in are borrowed for the duration of the call.  Strings in
 * rows handed out are heap copies the caller frees with the matching
 * px_*_row_dispose (or free() for plain char *).  Every write happens
 * inside px_store_begin/commit when the caller needs atomicity; a single
 * write outside a transaction is atomic by itself.
 */
#ifndef PX_STORE_H
#define PX_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define PX_SCHEMA_VERSION 8

/* Tiles (docs/ledger.md section 2): tile (k, t) holds the complete nodes
 * of tree levels PX_TILE_HEIGHT*k .. PX_TILE_HEIGHT*k + 5 below node
 * (PX_TILE_HEIGHT*(k+1), t), level by level, left to right. */
#define PX_TILE_HEIGHT 6
#define PX_TILE_NODES  126 /* 64 + 32 + 16 + 8 + 4 + 2 */

struct px_peer_row {
	char *name;
	char *card;     /* the pinned card envelope, canonical JSON */
	char *sign_key; /* base64 Ed25519 public key (pinned) */
	char *tls_fp;   /* "sha256:..." (pinned) */
	char *settings; /* the node's own settings for this peer, JSON
	                   ({"default_tlp": "amber"}); the agreed terms
	                   are in the agreements table */
	int64_t card_version;
	int64_t added_ms, updated_ms;
};

/* A stored message; `raw` is its canonical envelope. */
struct px_msg_row {
	char *hash, *id, *case_id, *sender, *receiver, *type, *raw;
	int64_t seq, time_ms;
	int64_t received_ms; /* when we received it; -1 for our own */
};

/* The case index: derived from messages, kept for listing. */
struct px_case_row {
	char *id, *peer, *requester, *responder, *kind, *category, *priority,
	    *tlp, *title, *state;
	int64_t opened_ms, updated_ms;
};

/* One agreement proposal (docs/protocol.md, "Agreements"), derived from
 * its case like the case index: rewritten whenever a message of the case
 * is stored. */
struct px_agreement_row {
	char *case_id, *peer, *hash, *proposer, *receiver;
	int64_t version, proposed_ms;
	char *state;         /* pending, accepted, declined, withdrawn */
	int64_t answered_ms; /* -1: not answered */
	char *answer_hash;   /* NULL: not answered */
	char *reason;        /* NULL: none given */
	char *terms;         /* canonical JSON, as proposed */
};
typedef int (*px_agreement_cb)(const struct px_agreement_row *r, void *arg);

/* One entry of this node's Merkle log. */
struct px_log_row {
	int64_t idx;
	char *kind;     /* "msg" or "receipt" */
	char *obj_hash; /* hash of the signed object (docs/protocol.md) */
	char *peer;     /* the other party */
	int64_t time_ms;
	uint8_t *entry; /* the leaf's exact bytes */
	size_t len;
};

/* A proof that one of a peer's entries is in its log. */
struct px_proof_row {
	char *obj_hash, *peer;
	int64_t idx, size;
	char *root;  /* base64 root of the checkpoint of `size` */
	char *path;  /* base64 hashes, space-separated */
	char *entry; /* the entry's exact bytes (canonical envelope) */
	int64_t time_ms;
};
typedef int (*px_proof_cb)(const struct px_proof_row *p, void *arg);

typedef int (*px_peer_cb)(const struct px_peer_row *p, void *arg);
typedef int (*px_msg_cb)(const struct px_msg_row *m, void *arg);
typedef int (*px_case_cb)(const struct px_case_row *c, void *arg);
typedef int (*px_log_cb)(const struct px_log_row *r, void *arg);
/* (first column, second column) text pairs: cosignature lines, peer
 * checkpoint notes, alerts. */
typedef int (*px_text_cb)(int64_t n, const char *a, const char *b, void *arg);
/* A witness's cosignature of a checkpoint of ours: its size and when we
 * got it. */
typedef int (*px_cosig_cb)(
    const char *witness, int64_t size, int64_t time_ms, void *arg);

/* A notification to one person on one channel (docs/deadlines.md):
 * queued in the same transaction as the signed message that caused it,
 * then delivered (and retried) by the notifier. */
struct px_notify_row {
	int64_t id; /* assigned by notify_put */
	int64_t created_ms;
	char *case_id;  /* may be NULL */
	char *msg_hash; /* the escalate/check message it belongs to, or NULL */
	char *contact;  /* contact id ("duty"), or an address for tests */
	char *channel;  /* "email", "webhook" or "phone" */
	char *address;  /* e-mail address, URL or phone number */
	char *subject;
	char *body;   /* plain text (e-mail, phone) or JSON (webhook) */
	char *status; /* "pending", "sent", "failed" or "manual" */
	int64_t attempts;
	int64_t next_ms; /* when to try next (pending) */
	char *last_error;
	int64_t sent_ms; /* -1 until sent */
};
typedef int (*px_notify_cb)(const struct px_notify_row *r, void *arg);

/* A channel problem (docs/channel.md): one row per peer and direction
 * while something holds delivery up, none while the channel flows. */
struct px_channel_row {
	char *peer;
	char *dir;      /* "out": our messages to the peer; "in": theirs */
	char *state;    /* "refused" or "unreachable" */
	int64_t seq;    /* the first message held up; 0 if not one message */
	char *msg_hash; /* its hash, or NULL */
	char *reason;   /* the refusal or the last error, as said */
	int64_t since_ms, last_ms, count;
	bool notified; /* the node's duty people were told */
};
typedef int (*px_channel_cb)(const struct px_channel_row *r, void *arg);

struct px_notify_filter {
	const char *case_id; /* NULL: any */
	const char *status;  /* NULL: any */
	int64_t limit;       /* 0: no limit; newest first */
};

struct px_case_filter {
	const char *peer;  /* NULL: any */
	const char *state; /* NULL: any */
	bool open_only;
};

/* One version of a STIX object in a TAXII collection.  `version` is the
 * object's modified (or created, or date added) time in the fixed form
 * YYYY-MM-DDTHH:MM:SS.mmmZ, so versions order as strings. */
struct px_taxii_row {
	int64_t pos; /* log position in the collection's table, from 1 */
	const char *coll, *id, *type, *version, *spec_version;
	int64_t added_ms;
	const char *body; /* the object's JSON text */
	bool first, last; /* the id's earliest / latest version */
};
/* Returns 0 to go on, 1 to stop (not an error), negative on error. */
typedef int (*px_taxii_cb)(const struct px_taxii_row *r, void *arg);

struct px_store;

struct px_store_ops {
	const char *name;
	int (*begin)(struct px_store *s);
	int (*commit)(struct px_store *s);
	void (*rollback)(struct px_store *s);
	void (*close)(struct px_store *s);

	/* Whether this connection's commits wait for the disk (true, the
	 * default).  The outbox's own connection writes only what a peer
	 * can give again (receipts it re-sends for a re-sent message) or
	 * what is advisory, so it need not: atomic either way, at most lost
	 * by a power cut, never by a crash of the process. */
	int (*set_durable)(struct px_store *s, bool durable);

	int (*meta_get)(struct px_store *s, const char *key, char **out);
	int (*meta_set)(struct px_store *s, const char *key, const char *val);

	int (*peer_put)(struct px_store *s, const struct px_peer_row *p);
	int (*peer_get)(
	    struct px_store *s, const char *name, struct px_peer_row *out);
	int (*peer_list)(struct px_store *s, px_peer_cb cb, void *arg);

	int (*msg_put)(struct px_store *s, const struct px_msg_row *m);
	int (*msg_get)(
	    struct px_store *s, const char *hash, struct px_msg_row *out);
	/* The full hash of the one message whose hash starts with `prefix`
	 * (lowercase hex); PX_ENOTFOUND for none, PX_EINVAL for several. */
	int (*msg_find)(struct px_store *s, const char *prefix, char **hash);
	/* Highest seq and its hash in a channel; seq 0 and zeros if empty. */
	int (*msg_tip)(struct px_store *s, const char *sender,
	    const char *receiver, int64_t *seq, char hash[65]);
	int (*msg_at)(struct px_store *s, const char *sender,
	    const char *receiver, int64_t seq, struct px_msg_row *out);
	int (*msg_list_case)(
	    struct px_store *s, const char *case_id, px_msg_cb cb, void *arg);
	/* Our messages to `receiver` that have no receipt yet, by seq. */
	int (*msg_list_undelivered)(struct px_store *s, const char *sender,
	    const char *receiver, px_msg_cb cb, void *arg);

	int (*receipt_put)(struct px_store *s, const char *msg_hash,
	    const char *issuer, int64_t received_ms, const char *raw);
	/* The receipt for a message, or PX_ENOTFOUND. */
	int (*receipt_get)(struct px_store *s, const char *msg_hash, char **raw,
	    int64_t *received_ms);

	int (*case_put)(struct px_store *s, const struct px_case_row *c);
	/* Resolves a full id, a unique prefix or the short reference. */
	int (*case_find)(struct px_store *s, const char *ref, char **id);
	int (*case_list)(struct px_store *s, const struct px_case_filter *f,
	    px_case_cb cb, void *arg);
	/* A number that grows each time the case's record changes (message
	 * or receipt), for caching views; PX_ENOTFOUND for no such id. */
	int (*case_stamp)(struct px_store *s, const char *id, int64_t *stamp);
	/* Raises the stamp (a receipt changed what the case shows). */
	int (*case_touch)(struct px_store *s, const char *id, int64_t now);

	/* The Merkle log (docs/ledger.md): entries, complete tree nodes,
	 * signed checkpoints by size. */
	int (*log_size)(struct px_store *s, int64_t *n);
	int (*log_put)(struct px_store *s, const struct px_log_row *r);
	int (*log_get)(struct px_store *s, int64_t idx, struct px_log_row *out);
	/* The index of the entry whose object hash is `obj_hash`, logged
	 * with `peer` at `time_ms` (the object's own time: a message's
	 * `time`, a receipt's `received`).  Looked up by (peer, time), so
	 * appends write no index keyed by a random hash (docs/ledger.md
	 * section 2). */
	int (*log_find)(struct px_store *s, const char *obj_hash,
	    const char *peer, int64_t time_ms, int64_t *idx);
	/* Entries with `peer` (all if NULL) in [from_ms, to_ms], by index. */
	int (*log_list)(struct px_store *s, const char *peer, int64_t from_ms,
	    int64_t to_ms, px_log_cb cb, void *arg);
	/* Stores complete node (level, idx).  When it is the parent of a
	 * tile's top level, the tile is complete and stored as well. */
	int (*node_put)(struct px_store *s, unsigned level, uint64_t idx,
	    const uint8_t hash[32]);
	/* Complete node (level, idx) as stored in log_nodes: what `log
	 * verify` checks. */
	int (*node_get)(
	    struct px_store *s, unsigned level, uint64_t idx, uint8_t hash[32]);
	/* The same hash from the quickest place: the connection's tile
	 * cache, a stored tile (one read gives PX_TILE_NODES nodes), or
	 * log_nodes.  What proofs and appends read. */
	int (*tree_get)(
	    struct px_store *s, unsigned level, uint64_t idx, uint8_t hash[32]);
	/* Stored tile (level, idx), PX_TILE_NODES hashes in the order of
	 * docs/ledger.md section 2; PX_ENOTFOUND if not stored. */
	int (*tile_get)(struct px_store *s, unsigned level, uint64_t idx,
	    uint8_t hashes[][32]);
	int (*ckpt_put)(struct px_store *s, int64_t size, const char *note,
	    int64_t time_ms);
	/* The checkpoint of `size`, or the latest if size < 0. */
	int (*ckpt_get)(
	    struct px_store *s, int64_t size, char **note, int64_t *size_out);

	/* Cosignature lines on checkpoints (ours by peers, and peers' by
	 * us), keyed by origin, size and witness name. */
	int (*cosig_put)(struct px_store *s, const char *origin, int64_t size,
	    const char *witness, const char *line, int64_t time_ms);
	/* cb(size, witness, line) for `origin`, newest first; size < 0 for
	 * all sizes. */
	int (*cosig_list)(struct px_store *s, const char *origin, int64_t size,
	    px_text_cb cb, void *arg);
	/* For each witness that cosigned a checkpoint of `origin` larger
	 * than `above`, the earliest such cosignature we got; by time. */
	int (*cosig_first)(struct px_store *s, const char *origin,
	    int64_t above, px_cosig_cb cb, void *arg);
	/* When our checkpoint of `size` was signed; PX_ENOTFOUND if none. */
	int (*ckpt_time)(struct px_store *s, int64_t size, int64_t *time_ms);

	/* Witnessing: every checkpoint a peer showed (cb(size, root, note)),
	 * and the last one we cosigned. */
	int (*peer_ckpt_put)(struct px_store *s, const char *peer, int64_t size,
	    const char *root, const char *note, int64_t seen_ms);
	int (*peer_ckpt_list)(
	    struct px_store *s, const char *peer, px_text_cb cb, void *arg);
	int (*witness_get)(
	    struct px_store *s, const char *peer, int64_t *size, char **root);
	int (*witness_put)(struct px_store *s, const char *peer, int64_t size,
	    const char *root, int64_t time_ms);
	int (*proof_put)(struct px_store *s, const struct px_proof_row *p);
	int (*proof_get)(
	    struct px_store *s, const char *obj_hash, struct px_proof_row *out);
	/* A peer's entries we hold proofs for, in [from_ms, to_ms], by the
	 * size of the checkpoint they are proven against, then index. */
	int (*proof_list)(struct px_store *s, const char *peer, int64_t from_ms,
	    int64_t to_ms, px_proof_cb cb, void *arg);
	int (*consistency_put)(struct px_store *s, const char *peer,
	    int64_t size1, int64_t size2, const char *path);
	/* cb(size1, size2 as text, path) for a peer, by size2. */
	int (*consistency_list)(
	    struct px_store *s, const char *peer, px_text_cb cb, void *arg);
	/* Sizes of our checkpoints shown to a peer (the candidates its
	 * witness may have cosigned); cb(size, "", "") from `min` up. */
	int (*sent_ckpt_put)(
	    struct px_store *s, const char *peer, int64_t size);
	int (*sent_ckpt_list)(struct px_store *s, const char *peer, int64_t min,
	    px_text_cb cb, void *arg);
	/* API tokens by the hex SHA-256 of their secret. */
	int (*token_put)(struct px_store *s, const char *hash, const char *name,
	    const char *role, int64_t created_ms);
	/* PX_ENOTFOUND for an unknown or revoked token. */
	int (*token_get)(
	    struct px_store *s, const char *hash, char **name, char **role);
	/* cb(created_ms, name, role) for live tokens. */
	int (*token_list)(struct px_store *s, px_text_cb cb, void *arg);
	int (*token_revoke)(struct px_store *s, const char *name);
	/* The scheduler's index (docs/deadlines.md): each case row carries
	 * due_ms, when the scheduler must look at it next (NULL: never).
	 * case_put marks the case due now (due_ms = 0) whenever its record
	 * changes.  cb(due_ms, id, peer) for cases due at or before `now`,
	 * earliest first, at most `limit`. */
	int (*case_due)(struct px_store *s, int64_t now, int64_t limit,
	    px_text_cb cb, void *arg);
	/* Sets due_ms (< 0 clears it). */
	int (*case_set_due)(struct px_store *s, const char *id, int64_t due_ms);
	/* Marks every case with `peer` (all if NULL) due now: after an
	 * agreement or card change. */
	int (*case_due_all)(struct px_store *s, const char *peer);
	/* The target contact of a check case (kind "check"); NULL clears. */
	int (*case_set_contact)(
	    struct px_store *s, const char *id, const char *contact);
	/* Time of the newest check case this node (`requester`) opened to
	 * `peer` for `contact`, or -1. */
	int (*case_last_check)(struct px_store *s, const char *requester,
	    const char *peer, const char *contact, int64_t *ms);

	/* The flood caps (docs/deadlines.md, "Caps"): how many of `peer`'s
	 * unacknowledged hotlines were opened before this one (opened_ms,
	 * then id), and how many pages `sender` signed to `receiver` since
	 * `since_ms`. */
	int (*hotline_rank)(struct px_store *s, const char *peer,
	    int64_t opened_ms, const char *id, int64_t *rank);
	int (*pages_since)(struct px_store *s, const char *sender,
	    const char *receiver, int64_t since_ms, int64_t *n);

	/* Notifications (docs/deadlines.md). */
	int (*notify_put)(struct px_store *s, struct px_notify_row *r);
	/* Pending notifications with next_ms <= now, oldest first. */
	int (*notify_due)(struct px_store *s, int64_t now, int64_t limit,
	    px_notify_cb cb, void *arg);
	/* Writes status, attempts, next_ms, last_error and sent_ms of r->id. */
	int (*notify_update)(struct px_store *s, const struct px_notify_row *r);
	int (*notify_list)(struct px_store *s, const struct px_notify_filter *f,
	    px_notify_cb cb, void *arg);
	int (*notify_get)(
	    struct px_store *s, int64_t id, struct px_notify_row *out);

	/* Channel problems.  channel_put records one: a row for the same
	 * peer, direction, state and seq is kept (last_ms, count and reason
	 * updated), anything else replaces it (since_ms = last_ms, count 1,
	 * not notified); *fresh (may be NULL) says whether it was replaced
	 * or new.  channel_clear removes the row of peer and dir if its seq
	 * is at most `through` (any seq if through < 0); channel_notified
	 * marks it told; channel_list gives the rows of `peer` (all if
	 * NULL) by peer and dir. */
	int (*channel_put)(
	    struct px_store *s, const struct px_channel_row *r, bool *fresh);
	int (*channel_clear)(struct px_store *s, const char *peer,
	    const char *dir, int64_t through);
	int (*channel_notified)(
	    struct px_store *s, const char *peer, const char *dir);
	int (*channel_list)(
	    struct px_store *s, const char *peer, px_channel_cb cb, void *arg);
	/* The highest seq of the channel sender -> receiver that has a
	 * receipt (0 if none): receipts come in seq order, so everything at
	 * or below it was delivered. */
	int (*msg_delivered)(struct px_store *s, const char *sender,
	    const char *receiver, int64_t *seq);
	/* Agreement proposals, by peer (version, then proposal time). */
	int (*agreement_put)(
	    struct px_store *s, const struct px_agreement_row *r);
	int (*agreement_list)(struct px_store *s, const char *peer,
	    px_agreement_cb cb, void *arg);
	/* The agreement version a case's opening message names (< 0: none). */
	int (*case_set_agreement)(
	    struct px_store *s, const char *id, int64_t version);
	/* cb(opened_ms, id, version or "" for none) for `peer`'s cases that
	 * are not agreement proposals, oldest first. */
	int (*case_agreements)(
	    struct px_store *s, const char *peer, px_text_cb cb, void *arg);

	int (*alert_put)(struct px_store *s, const char *peer, const char *kind,
	    const char *detail, const char *evidence, int64_t time_ms);
	/* cb(time_ms, kind, detail) */
	int (*alert_list)(
	    struct px_store *s, const char *peer, px_text_cb cb, void *arg);

	/* TAXII (docs/interop.md).  taxii_put adds one object version to a
	 * collection at the next position; *added is 0 if the collection
	 * already held this id and version (nothing is changed). */
	int (*taxii_put)(
	    struct px_store *s, const struct px_taxii_row *r, bool *added);
	/* Calls cb for the versions in `coll` after position `after`, added
	 * after `added_after_ms`, with `id` (NULL: any), in position order,
	 * until cb returns nonzero. */
	int (*taxii_scan)(struct px_store *s, const char *coll, int64_t after,
	    int64_t added_after_ms, const char *id, px_taxii_cb cb, void *arg);
	/* A POST's status resource (JSON text), by its id. */
	int (*taxii_status_put)(struct px_store *s, const char *id,
	    const char *coll, int64_t created_ms, const char *body);
	int (*taxii_status_get)(
	    struct px_store *s, const char *id, char **coll, char **body);
};

struct px_store {
	const struct px_store_ops *ops;
};

/* Opens (creating if `create`) a SQLite store at `path`, applying schema
 * migrations; refuses a database newer than this binary. */
PX_MUST_CHECK int px_store_open_sqlite(
    struct px_store **out, const char *path, bool create);

void px_peer_row_dispose(struct px_peer_row *p);
void px_msg_row_dispose(struct px_msg_row *m);
void px_case_row_dispose(struct px_case_row *c);
void px_log_row_dispose(struct px_log_row *r);
void px_proof_row_dispose(struct px_proof_row *p);
void px_notify_row_dispose(struct px_notify_row *r);
void px_channel_row_dispose(struct px_channel_row *r);
void px_agreement_row_dispose(struct px_agreement_row *r);

static inline void
px_store_close(struct px_store *s)
{
	if (s)
		s->ops->close(s);
}

#define PX_STORE_CALL(s, op, ...) ((s)->ops->op((s), __VA_ARGS__))
#define PX_STORE_CALL0(s, op)     ((s)->ops->op((s)))

#endif
