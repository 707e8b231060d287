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

#define PX_SCHEMA_VERSION 23

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
	char *exercise; /* the exercise it belongs to (listing only), or NULL */
	/* case_put only: when the scheduler must look at the case next (0:
	 * now, < 0: never); not read back by listings */
	int64_t due_ms;
};

/* A scenario this node holds in full (docs/exercises.md): a draft, or the
 * exercise it proposed (case_id set), whose controller-only parts only it
 * knows until the end. */
struct px_exercise_row {
	char *id;       /* a draft's own id; after proposal the case id */
	char *case_id;  /* the exercise case, or NULL for a draft */
	char *peer;     /* NULL for a draft */
	char *name;     /* the scenario's name, for lists */
	char *hash;     /* the scenario's hash */
	char *scenario; /* the full scenario, canonical JSON */
	int64_t created_ms, updated_ms;
};
typedef int (*px_exercise_cb)(const struct px_exercise_row *r, void *arg);

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

/* One evidence item of one case as this node sees it (docs/evidence.md),
 * derived from the case's evidence messages and rewritten whenever one
 * is stored.  `state` is this node's view: held, offering, sending,
 * sent, to-decide, receiving, received, quarantined, declined,
 * rejected, incomplete, sealed, destroyed, not-held. */
struct px_evidence_row {
	char *case_id, *item, *peer, *root, *exhibit, *media_type, *state;
	int64_t size, updated_ms;
};
typedef int (*px_evidence_cb)(const struct px_evidence_row *r, void *arg);

struct px_evidence_filter {
	const char *case_id; /* NULL: any */
	const char *item;    /* NULL: any */
	const char *peer;    /* NULL: any */
	const char *state;   /* NULL: any */
};

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
/* A person who signs in (node/people.h). */
struct px_user_row {
	char *name;        /* one of our [contact] ids */
	char *role;        /* viewer, analyst, duty or admin */
	char *pwhash;      /* crypto_pwhash_str */
	char *totp;        /* the TOTP secret, base32 */
	int64_t totp_step; /* the last step accepted, or -1 */
	int64_t created_ms;
};
void px_user_row_dispose(struct px_user_row *u);

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

/* Feeds (docs/feeds.md): the input files and their progress. */
struct px_feed_file_row {
	int64_t id; /* assigned by feed_file_put */
	char *name, *path, *source, *format, *feed;
	char *ident; /* identity for resuming: size and SHA-256 of the head */
	char *state; /* "running", "done" or "failed" */
	char *error;
	int64_t size, offset, line; /* bytes and lines committed */
	int64_t records, events, duplicates, bad;
	int64_t routed, own, unroutable, disputed, withheld;
	int64_t started_ms, updated_ms, finished_ms;
};
typedef int (*px_feed_file_cb)(const struct px_feed_file_row *r, void *arg);

/* One stored event (unique after deduplication). */
struct px_feed_event_row {
	int64_t id, file, line, routed_ms;
	int status, type, severity; /* enum px_rt_status, px_ev_type, ... */
	int64_t route;              /* feed_routes id */
	int64_t batch;              /* 0 when not routed */
	int64_t asn;                /* of the side that counted, -1 */
	char *host;                 /* its address as text, or NULL */
	int64_t seen_first, seen_last, count;
	int64_t key, bday; /* dedup key, and the day its bucket ends */
	char *event;       /* canonical JSON */
	size_t event_len;  /* its length when known (0: strlen) */
	char *route_json;  /* read back joined; ignored by put */
	int64_t pack;      /* the store's: where its JSON is kept */
};
typedef int (*px_feed_event_cb)(const struct px_feed_event_row *r, void *arg);

/* Which stored events px_store_ops.feed_events lists. */
struct px_feed_event_filter {
	int status;       /* -1: waiting (unroutable, disputed, withheld);
	                     -2: any; else that status */
	int64_t file;     /* > 0: events of that input file */
	const char *host; /* events whose host is this (NULL: any) */
	int64_t before;   /* > 0: ids below it */
	int64_t limit;    /* > 0: at most that many */
};

/* An ingest chunk for feed_chunk_put.  A pack holds events first ..
 * first + n - 1, all of one batch (0: none) and one status, their
 * entries appended with px_feed_entry_put in id order. */
#define PX_FEED_PACK_MAX 4096 /* events per pack: one read costs this */
struct px_feed_pack_in {
	int64_t batch, first, n;
	int status;
	uint8_t *body; /* the entries */
	size_t len, cap;
	uint8_t *z; /* compressed (px_feed_pack_compress), or NULL */
	size_t zlen;
};
/* Duplicates counted on an event of an earlier chunk. */
struct px_feed_dup_in {
	int64_t id, first, last, delta;
};
struct px_feed_bad_in {
	int64_t line;
	char *reason;
};
struct px_feed_chunk {
	int64_t file, routed_ms; /* of every event of the chunk */
	struct px_feed_pack_in *packs;
	size_t npacks;
	struct px_feed_dup_in *dups;
	size_t ndups;
	struct px_feed_bad_in *bad;
	size_t nbad;
};

/* Appends event `r` (its id is the pack's first + `idoff`; file,
 * routed_ms, status and batch are the pack's) to pack `p`; the entry
 * starts at *at (for px_feed_entry_seen). */
void px_feed_entry_put(struct px_feed_pack_in *p, uint32_t idoff,
    const struct px_feed_event_row *r, size_t *at);
/* Sets the first/last seen and count of the entry at `at` of `p`
 * (duplicates counted before the pack is stored). */
void px_feed_entry_seen(struct px_feed_pack_in *p, size_t at, int64_t first,
    int64_t last, int64_t count);
/* Replaces each entry's route r < 0 by real[-r - 1] (n of them): an
 * ingest numbers new route explanations itself before the store has
 * given them ids. */
void px_feed_entry_routes(
    struct px_feed_pack_in *p, const int64_t *real, size_t n);
/* Compresses the entries of `p` (feed_chunk_put does it if not done; a
 * caller may do it first, in another thread: it touches only `p` and
 * `z`).  `z` is a compression context made by px_feed_zctx_new, reused
 * from pack to pack (making one costs more than a small pack). */
struct px_feed_zctx;
struct px_feed_zctx *px_feed_zctx_new(void);
void px_feed_zctx_free(struct px_feed_zctx *z);
PX_MUST_CHECK int px_feed_pack_compress(
    struct px_feed_pack_in *p, struct px_feed_zctx *z);
void px_feed_pack_in_dispose(struct px_feed_pack_in *p);
/* (dedup key, event id, bucket end day) for rebuilding the index. */
typedef int (*px_feed_key_cb)(int64_t key, int64_t id, int64_t bday, void *arg);

typedef int (*px_feed_host_cb)(
    const char *host, int64_t first, int64_t last, int64_t count, void *arg);

/* What a person did with an event that waited in the queue, or what an
 * accepted override did to it (docs/routing.md "The queue"). */
struct px_feed_action_row {
	int64_t id, event, time_ms;
	char *action; /* "route", "dismiss" or "reroute" */
	char *was;    /* the status it left: "unroutable", "disputed", ... */
	char *peer;   /* route, reroute: where it went; else NULL */
	char *reason; /* the person's words, or the override's id */
	char *who;    /* the token or account that acted, or NULL */
};
typedef int (*px_feed_action_cb)(const struct px_feed_action_row *r, void *arg);

/* An aggregation batch: one group's events of one interval. */
struct px_feed_batch_row {
	int64_t id, grp, start_ms, end_ms, events, sent_ms;
	char *peer, *identifier; /* the group's */
	int64_t asn;
	int type;
	char *case_id;  /* the case it went into (sent) */
	char *msg_hash; /* its first message */
	char *gcase;    /* the group's current case, or NULL */
};
typedef int (*px_feed_batch_cb)(const struct px_feed_batch_row *r, void *arg);

struct px_feed_batch_filter {
	int64_t due_before; /* > 0: unsent batches whose interval ended */
	int64_t grp;        /* > 0: that group's batches */
	const char *peer;   /* with due_before: only this peer's */
};

/* A message that carries a part of a batch, sent or received. */
struct px_feed_part_row {
	char *msg_hash, *case_id, *peer;
	char *dir;        /* "out" or "in" */
	char *batch;      /* the batch's wire id */
	char *attachment; /* SHA-256 hex, or NULL */
	int64_t part, parts, start_ms, end_ms, events, time_ms;
};
typedef int (*px_feed_part_cb)(const struct px_feed_part_row *r, void *arg);

/* A content-addressed attachment (node/attach.h). */
struct px_attach_row {
	char *sha256, *media_type, *name, *origin;
	int64_t size, events, stored_ms;
};

/* A daily digest, sent ("out") or received ("in"), and what the
 * receiver's check of it found. */
struct px_digest_row {
	char *peer, *dir, *day, *msg_hash, *root;
	char *verdict; /* NULL, "agree" or "disagree" */
	char *detail;
	int64_t events, time_ms, checked_ms;
};
typedef int (*px_digest_cb)(const struct px_digest_row *r, void *arg);

/* A loaded delegation file. */
struct px_routing_file_row {
	char *sha256, *registry, *serial, *path;
	int64_t records, lines, loaded_ms;
	bool active;
};
typedef int (*px_routing_file_cb)(
    const struct px_routing_file_row *r, void *arg);

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
	/* Copies what the write-ahead log holds into the database, as far
	 * as readers allow, without waiting for anyone (a serving node's
	 * scheduler, every tick): commits then seldom have to do it
	 * themselves, which stalls the one that does. */
	int (*checkpoint)(struct px_store *s);

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
	/* Internal notes (node/inote.h): `entry` is the signed canonical
	 * JSON, also our log's leaf. */
	int (*inote_put)(struct px_store *s, const char *hash,
	    const char *case_id, int64_t time_ms, const char *entry);
	/* cb(time_ms, hash, entry) for the case's notes, oldest first. */
	int (*inote_list)(
	    struct px_store *s, const char *case_id, px_text_cb cb, void *arg);
	/* Cases, open and ended, newest first (at most `limit`), whose
	 * title, texts or translations hold `text` (3 characters at least;
	 * NULL: none), or that name the observable `obs_type`/`obs_value`
	 * exactly (NULL: none); `except` (may be NULL) is left out. */
	int (*case_search)(struct px_store *s, const char *text,
	    const char *obs_type, const char *obs_value, const char *except,
	    int limit, px_case_cb cb, void *arg);
	/* Indexes for case_search the messages stored since the last call
	 * (stored messages are queued, not indexed, so that storing one
	 * stays cheap): a batch, or all of them if `all`.  case_search
	 * drains the queue itself before it answers. */
	int (*search_drain)(struct px_store *s, bool all);
	/* Who on our desk holds a case (node/desk.h), never sent: `role`
	 * "assignee" (one at most: setting one replaces the other; `on`
	 * false or `person` NULL clears it) or "watcher" (`on` adds or
	 * removes `person`). */
	int (*case_person_set)(struct px_store *s, const char *case_id,
	    const char *role, const char *person, bool on, int64_t now);
	/* People who sign in (node/people.h).  user_put adds one
	 * (PX_ECONFLICT if the name is taken); user_get: PX_ENOTFOUND for
	 * no such user; user_list: cb(created_ms, name, role); user_step
	 * records the last TOTP step accepted. */
	int (*user_put)(struct px_store *s, const struct px_user_row *u);
	int (*user_get)(
	    struct px_store *s, const char *name, struct px_user_row *u);
	int (*user_list)(struct px_store *s, px_text_cb cb, void *arg);
	int (*user_step)(struct px_store *s, const char *name, int64_t step);
	/* Sessions: bearer tokens from a sign-in, by the hex SHA-256 of
	 * their secret, valid until expires_ms; session_get is PX_ENOTFOUND
	 * for an unknown or expired one. */
	int (*session_put)(struct px_store *s, const char *hash,
	    const char *name, const char *role, int64_t created_ms,
	    int64_t expires_ms);
	int (*session_get)(struct px_store *s, const char *hash, int64_t now,
	    char **name, char **role);
	/* The audit of sign-ins: cb(time_ms, name, "ok" or the reason),
	 * newest first. */
	int (*signin_put)(struct px_store *s, int64_t time_ms, const char *name,
	    bool ok, const char *detail);
	int (*signin_list)(struct px_store *s, px_text_cb cb, void *arg);
	/* The failed attempts for `name` since its last success (attempts
	 * audited with the detail `skip` not counted) into *fails, and the
	 * time of the newest into *last_ms (0 when none). */
	int (*signin_streak)(struct px_store *s, const char *name,
	    const char *skip, int64_t *fails, int64_t *last_ms);
	/* Who of our people acted for our message `hash`: msg_actor_get
	 * is PX_ENOTFOUND when the node itself did (no person). */
	int (*msg_actor_put)(struct px_store *s, const char *hash,
	    const char *person, const char *role);
	int (*msg_actor_get)(
	    struct px_store *s, const char *hash, char **person, char **role);
	/* Ends the session `hash` (PX_ENOTFOUND if it is none). */
	int (*session_del)(struct px_store *s, const char *hash);
	/* Sets `name`'s password hash and ends their sessions other than
	 * `keep` (a session hash, or NULL for all). */
	int (*user_password)(struct px_store *s, const char *name,
	    const char *pwhash, const char *keep);
	/* cb(since_ms, role, person): the assignee first, then watchers by
	 * name. */
	int (*case_people)(
	    struct px_store *s, const char *case_id, px_text_cb cb, void *arg);
	/* The scheduler's index (docs/deadlines.md): each case row carries
	 * due_ms, when the scheduler must look at it next (NULL: never).
	 * case_put writes the row's due_ms whenever the record changes
	 * (0, due now, unless the writer knows better).  cb(due_ms, id, peer)
	 * for cases due at or before `now`, earliest first, at most `limit`. */
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

	/* Exercises (docs/exercises.md): scenarios held in full, by id or
	 * case id (PX_ENOTFOUND for none); the exercise each case belongs to;
	 * cb(opened_ms, id, kind) for the cases of one exercise, oldest
	 * first; every case of an exercise due now; pending notifications of
	 * an exercise's cases given up with `reason` (*count how many). */
	int (*exercise_put)(
	    struct px_store *s, const struct px_exercise_row *r);
	int (*exercise_get)(
	    struct px_store *s, const char *id, struct px_exercise_row *out);
	int (*exercise_list)(struct px_store *s, px_exercise_cb cb, void *arg);
	int (*exercise_delete)(struct px_store *s, const char *id);
	int (*case_set_exercise)(
	    struct px_store *s, const char *id, const char *exercise);
	int (*exercise_cases)(
	    struct px_store *s, const char *exercise, px_text_cb cb, void *arg);
	int (*exercise_due_all)(struct px_store *s, const char *exercise);
	/* The exercise case `id` belongs to (*ex NULL for none); PX_ENOTFOUND
	 * for no such case.  cb(opened_ms, id, peer) for every exercise case
	 * (kind exercise), newest first. */
	int (*case_exercise)(struct px_store *s, const char *id, char **ex);
	int (*exercise_ids)(struct px_store *s, px_text_cb cb, void *arg);
	int (*notify_cancel_exercise)(struct px_store *s, const char *exercise,
	    const char *reason, int64_t now, int64_t *count);
	/* The evidence index: put replaces the row of (case_id, item);
	 * list gives the rows matching every filter member set, oldest
	 * change first. */
	int (*evidence_put)(
	    struct px_store *s, const struct px_evidence_row *r);
	int (*evidence_list)(struct px_store *s,
	    const struct px_evidence_filter *f, px_evidence_cb cb, void *arg);
	/* Feeds (store_sqlite_feed.c; docs/feeds.md).  feed_tune sets a
	 * larger page cache for a bulk ingest. */
	int (*feed_tune)(struct px_store *s, bool bulk);
	/* A delegation file becomes its registry's active one. */
	int (*routing_file_put)(
	    struct px_store *s, const struct px_routing_file_row *r);
	int (*routing_file_list)(struct px_store *s, bool active_only,
	    px_routing_file_cb cb, void *arg);
	/* The latest file with that identity, or PX_ENOTFOUND. */
	int (*feed_file_find)(struct px_store *s, const char *ident,
	    struct px_feed_file_row *out);
	int (*feed_file_get)(
	    struct px_store *s, int64_t id, struct px_feed_file_row *out);
	/* Inserts (r->id 0: assigns it) or updates a file's row. */
	int (*feed_file_put)(struct px_store *s, struct px_feed_file_row *r);
	/* Newest first. */
	int (*feed_file_list)(
	    struct px_store *s, int64_t limit, px_feed_file_cb cb, void *arg);
	int (*feed_bad_put)(
	    struct px_store *s, int64_t file, int64_t line, const char *reason);
	/* cb(line, reason, "") by line. */
	int (*feed_bad_list)(struct px_store *s, int64_t file, int64_t limit,
	    px_text_cb cb, void *arg);
	/* The first id the next stored event gets (events are numbered
	 * from 1, in the order packs are written). */
	int (*feed_event_next)(struct px_store *s, int64_t *id);
	/* Stores one ingest chunk (its packs of new events, the duplicates
	 * it counted on earlier events, its bad records), inside the
	 * caller's transaction; each routed pack also joins its batch
	 * (events count and items). */
	int (*feed_chunk_put)(
	    struct px_store *s, const struct px_feed_chunk *c);
	int (*feed_event_get)(
	    struct px_store *s, int64_t id, struct px_feed_event_row *out);
	/* Keys of events whose bucket ends on min_bday or later, newest
	 * first (packs are written in time order). */
	int (*feed_event_keys)(
	    struct px_store *s, int64_t min_bday, px_feed_key_cb cb, void *arg);
	/* The id of a route explanation, added if new. */
	int (*feed_route_id)(struct px_store *s, const char *json, int64_t *id);
	/* The group (peer, asn, type, identifier), added if new. */
	int (*feed_group_id)(struct px_store *s, const char *peer, int64_t asn,
	    int type, const char *identifier, int64_t now, int64_t *id);
	int (*feed_group_case)(
	    struct px_store *s, int64_t grp, const char *case_id);
	/* Each host of the group's shared events: when first and last
	 * seen, and how often (remediation tracking); host_put adds a
	 * batch's sightings of one host as it is sent. */
	int (*feed_group_hosts)(
	    struct px_store *s, int64_t grp, px_feed_host_cb cb, void *arg);
	int (*feed_host_put)(struct px_store *s, int64_t grp, const char *host,
	    int64_t first, int64_t last, int64_t count);
	/* Events of the group in batches not sent yet. */
	int (*feed_group_pending)(
	    struct px_store *s, int64_t grp, int64_t *events);
	/* Events routed in [from, to), counted by status (out[5], enum
	 * px_rt_status). */
	int (*feed_status_counts)(
	    struct px_store *s, int64_t from, int64_t to, int64_t out[5]);
	/* Groups that have a case: cb(group id, peer, case id). */
	int (*feed_group_list)(struct px_store *s, px_text_cb cb, void *arg);
	/* The unsent batch of a group and interval, added if new. */
	int (*feed_batch_id)(struct px_store *s, int64_t grp, int64_t start_ms,
	    int64_t end_ms, int64_t *id);
	int (*feed_batch_add)(struct px_store *s, int64_t batch, int64_t n);
	/* Events added to a batch: their ids, in the order stored.  One row
	 * per batch and ingest chunk, so an ingest writes no index entry per
	 * event. */
	int (*feed_batch_items)(
	    struct px_store *s, int64_t batch, const int64_t *ids, size_t n);
	int (*feed_batches)(struct px_store *s,
	    const struct px_feed_batch_filter *f, px_feed_batch_cb cb,
	    void *arg);
	/* The events of a batch, by id, with their route explanation. */
	int (*feed_batch_events)(
	    struct px_store *s, int64_t batch, px_feed_event_cb cb, void *arg);
	int (*feed_batch_sent)(struct px_store *s, int64_t batch,
	    const char *case_id, const char *msg_hash, int64_t now);
	int (*feed_part_put)(
	    struct px_store *s, const struct px_feed_part_row *r);
	/* Parts with `peer` and `dir` whose interval starts in [from, to),
	 * by start and time. */
	int (*feed_parts)(struct px_store *s, const char *peer, const char *dir,
	    int64_t from, int64_t to, px_feed_part_cb cb, void *arg);
	int (*feed_part_get)(struct px_store *s, const char *msg_hash,
	    struct px_feed_part_row *out);
	/* Events waiting for a person (unroutable, disputed, withheld), or
	 * of one status (>= 0, "dismissed" included); newest first, ids
	 * below `before` (0: from the newest), at most `limit`. */
	int (*feed_queue)(struct px_store *s, int status, int64_t before,
	    int64_t limit, px_feed_event_cb cb, void *arg);
	/* Stored events matching the filter, newest first. */
	int (*feed_events)(struct px_store *s,
	    const struct px_feed_event_filter *f, px_feed_event_cb cb,
	    void *arg);
	/* Sets an event's decision: status, route explanation, batch (0:
	 * none) and routing time.  PX_ENOTFOUND if no such event. */
	int (*feed_event_route)(struct px_store *s, int64_t id, int status,
	    int64_t route, int64_t batch, int64_t routed_ms);
	/* Records an action on a queued event (r->id is ignored). */
	int (*feed_action_put)(
	    struct px_store *s, const struct px_feed_action_row *r);
	/* Actions on event `event` (0: all), newest first, at most `limit`. */
	int (*feed_actions)(struct px_store *s, int64_t event, int64_t limit,
	    px_feed_action_cb cb, void *arg);
	/* Received events by id (hex), for following one: put, find. */
	int (*feed_recv_put)(struct px_store *s, const char *id,
	    const char *attachment, int64_t line);
	int (*feed_recv_find)(struct px_store *s, const char *id,
	    char **attachment, int64_t *line);
	int (*attach_put)(struct px_store *s, const struct px_attach_row *r);
	int (*attach_get)(
	    struct px_store *s, const char *sha256, struct px_attach_row *out);
	int (*digest_put)(struct px_store *s, const struct px_digest_row *r);
	int (*digest_get)(struct px_store *s, const char *peer, const char *dir,
	    const char *day, struct px_digest_row *out);
	/* Newest day first; peer and dir NULL for all. */
	int (*digest_list)(struct px_store *s, const char *peer,
	    const char *dir, px_digest_cb cb, void *arg);

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
void px_exercise_row_dispose(struct px_exercise_row *r);
void px_evidence_row_dispose(struct px_evidence_row *r);
void px_feed_file_row_dispose(struct px_feed_file_row *r);
void px_feed_event_row_dispose(struct px_feed_event_row *r);
void px_feed_batch_row_dispose(struct px_feed_batch_row *r);
void px_feed_part_row_dispose(struct px_feed_part_row *r);
void px_feed_action_row_dispose(struct px_feed_action_row *r);
void px_attach_row_dispose(struct px_attach_row *r);
void px_digest_row_dispose(struct px_digest_row *r);
void px_routing_file_row_dispose(struct px_routing_file_row *r);

static inline void
px_store_close(struct px_store *s)
{
	if (s)
		s->ops->close(s);
}

#define PX_STORE_CALL(s, op, ...) ((s)->ops->op((s), __VA_ARGS__))
#define PX_STORE_CALL0(s, op)     ((s)->ops->op((s)))

#endif
