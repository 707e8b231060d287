/*
 * A node: one party's installation, living in one directory.
 *
 *   DIR/parley.conf       the commented configuration (util/conf.h format)
 *   DIR/parley.db         the SQLite store (WAL)
 *   DIR/keys/sign.key     Ed25519 seed that signs messages and the card
 *   DIR/keys/cosign.key   Ed25519 seed for witness cosignatures
 *   DIR/tls/cert.pem      self-signed TLS certificate (pinned by peers)
 *   DIR/tls/key.pem       its private key
 *
 * Everything is created mode 0600 in 0700 directories (the store holds
 * TLP:RED cases, token hashes and mail secrets), and px_node_open refuses
 * a node whose directory, parley.conf or store others could read or write.
 */
#ifndef PX_NODE_H
#define PX_NODE_H

#include <jansson.h>
#include <stdbool.h>

#include "crypto/sign.h"
#include "crypto/tls.h"
#include "model/accord.h"
#include "model/agreement.h"
#include "model/calendar.h"
#include "model/card.h"
#include "model/case.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/conf.h"
#include "util/tz.h"

struct px_node {
	char *dir;
	const char *name; /* borrowed from conf */
	struct px_conf conf;
	struct px_key sign, cosign;
	struct px_store *store;
	struct px_tz *tz;
	struct px_calendar cal;
	char tls_fp[PX_TLS_FP_LEN];
	int batch; /* > 0 inside px_node_batch_begin/end */
	/* Who acts through this handle now (docs/protocol.md, "The acting
	 * person"): one of our [contact] ids and the role they act in, set
	 * by px_node_act for one API request; NULL when the node itself
	 * acts (the CLI, the scheduler).  Owned. */
	char *actor, *actor_role;
	struct px_tz **tzs; /* zones loaded for peers, kept until free (a few
	                       hundred exist at most, so it never evicts) */
	size_t ntzs;
	/* px_node_directory's answer, kept for the handle's life: it follows
	 * from parley.conf, which a handle reads once. */
	json_t *dir_contacts, *dir_roster;
	/* parley.conf as this handle read it (inode, size, mtime in ns): a
	 * handle whose file has since been rewritten (a publish from the
	 * console) must not re-sign the card from its older settings. */
	int64_t conf_ino, conf_size, conf_mtime_ns;
};

/* What a peer sees of the person acting (parley.conf's publish_actor,
 * docs/protocol.md "The acting person"). */
enum px_publish_actor {
	PX_PUB_NONE,      /* nothing: for peers on a version before it */
	PX_PUB_ROLE,      /* the role only (the default) */
	PX_PUB_PSEUDONYM, /* the role and a stable pseudonym */
	PX_PUB_NAME,      /* the role and the person's contact id */
};
/* The policy in `c`, or -1 if it names none of these. */
int px_node_publish_actor(const struct px_conf *c);

/* Sets (person non-NULL) or clears who acts through `n` from now on:
 * every message px_node_send signs names them as parley.conf's
 * publish_actor says, and the node keeps who it was in its own record.
 * Copies both strings. */
void px_node_act(struct px_node *n, const char *person, const char *role);

/* A time zone by IANA name, loaded once per node handle; borrowed until
 * px_node_free. */
PX_MUST_CHECK int px_node_tz(
    const struct px_tz **out, struct px_node *n, const char *name);

/* The constituency this node publishes in its card ([constituency] in
 * parley.conf), or NULL if none; a new reference. */
json_t *px_node_constituency(const struct px_conf *c);

/* The node's working languages from parley.conf, preferred first
 * (["zh", "en"]); a new reference. */
json_t *px_node_languages(const struct px_node *n);

/* A batch: one durable transaction for many sends or imports, with one
 * signed checkpoint at its end instead of one per message. */
PX_MUST_CHECK int px_node_batch_begin(struct px_node *n);
/* Signs the batch's checkpoint and commits (or rolls back if !commit). */
PX_MUST_CHECK int px_node_batch_end(struct px_node *n, bool commit);
/* Commits a batch that may have added nothing to the log: signs a
 * checkpoint only if the log grew past `size0`, its size when the batch
 * began, so that periodic work with nothing to do (the feeds thread's
 * flush) leaves the signed record as it was.  Rolls back on failure. */
PX_MUST_CHECK int px_node_batch_commit_if_grown(
    struct px_node *n, int64_t size0);

struct px_node_params {
	const char *dir;
	const char *name;
	const char *url;       /* may be NULL */
	const char *timezone;  /* IANA name; NULL = UTC */
	const char *languages; /* "zh, en"; NULL = "en" */
	const char *email;     /* duty contact e-mail; may be NULL */
	const char *listen;    /* ADDR:PORT for serve; NULL = default */
	const char *role;      /* "party" (NULL) or "verifier" */
};

/* True if this node is a neutral verifier (parley.conf role). */
bool px_node_is_verifier(const struct px_node *n);

/* Creates a node directory; refuses one that already holds a node. */
PX_MUST_CHECK int px_node_create(const struct px_node_params *p);
/* Opens the node in `dir`; *out is freed with px_node_free. */
PX_MUST_CHECK int px_node_open(struct px_node **out, const char *dir);
void px_node_free(struct px_node *n);

/* This node's signed card (a new reference).  The card is re-signed with a
 * higher version only when its content (config, keys) changed. */
PX_MUST_CHECK int px_node_card(json_t **out, struct px_node *n);

/* A pinned peer with what the engine needs to reason about it. */
struct px_peer {
	struct px_peer_row row;
	struct px_card card;
	struct px_accord accord; /* every agreement version proposed */
	int64_t version;         /* the version in force now, 0: defaults */
	struct px_agreement agreement; /* its terms */
	enum px_tlp default_tlp;       /* our own setting, not agreed */
	const struct px_tz *tz;        /* borrowed from the node's cache */
	struct px_calendar cal;        /* the peer's business hours */
};

enum px_peer_added { PX_PEER_NEW, PX_PEER_UPDATED, PX_PEER_SAME };

/* Verifies a card and pins it.  A card for a known peer must carry the
 * same signing key and a higher version, unless `replace` (re-keying after
 * an out-of-band check).  *fp gets the key fingerprint to read aloud. */
PX_MUST_CHECK int px_peer_add(struct px_node *n, const char *text, size_t len,
    const char *what, bool replace, enum px_peer_added *how, char fp[45],
    char **name_out);
PX_MUST_CHECK int px_peer_load(
    struct px_peer **out, struct px_node *n, const char *name);
void px_peer_free(struct px_peer *p);
/* Changes this node's own settings for a peer ("default_tlp=red"):
 * they are not agreed with the peer (docs/cli.md). */
PX_MUST_CHECK int px_peer_set_local(
    struct px_node *n, const char *name, const char *const *kv, size_t nkv);
/* The agreement terms case `c` counts under (docs/clocks.md), and in
 * *t (may be NULL) which version and why; borrowed from p. */
const struct px_agreement *px_peer_case_terms(
    const struct px_peer *p, const struct px_case *c, struct px_case_terms *t);
/* Builds the business calendar a card publishes (its zone, working days,
 * hours and holidays; the zone from the node's cache, borrowed into
 * *tz).  Dispose *cal. */
PX_MUST_CHECK int px_node_card_calendar(struct px_node *n,
    const struct px_card *card, struct px_calendar *cal,
    const struct px_tz **tz);

/* Loads a case by id, prefix or short reference and replays it.  *peer_out
 * (optional) gets the other party. */
PX_MUST_CHECK int px_node_case_load(struct px_case *out, struct px_node *n,
    const char *ref, struct px_peer **peer_out);
/* Parses a stored message row back into *out (px_msg_free), refusing a
 * row that no longer parses or no longer has its hash: the store was
 * altered. */
PX_MUST_CHECK int px_node_msg_from_row(
    struct px_msg **out, const struct px_msg_row *r);
/* When the receiver got a stored message: our own import time, or for
 * our own message the time in the peer's receipt; -1 if not known. */
int64_t px_node_msg_received(struct px_node *n, const struct px_msg_row *r);
/* The calendar the case's clocks count in: the responder's. */
const struct px_calendar *px_node_case_calendar(const struct px_node *n,
    const struct px_case *c, const struct px_peer *peer);
/* The short human reference of a case id (last 8 hex digits). */
void px_case_ref(char out[9], const char *case_id);

/* Sends a message: builds and signs it, checks it against the case, and
 * stores it in the outbox, all in one transaction.  `case_ref` is NULL for
 * an opening message (report, request).  `body` is borrowed.  *out (may be
 * NULL) gets the message. */
PX_MUST_CHECK int px_node_send(struct px_node *n, const char *peer,
    const char *case_ref, enum px_msg_type type, json_t *body,
    struct px_msg **out);
/* px_node_send, and *state (may be NULL) gets the case's state with the
 * message applied, as stored: the API answers with it without reading
 * the case back. */
PX_MUST_CHECK int px_node_send_state(struct px_node *n, const char *peer,
    const char *case_ref, enum px_msg_type type, json_t *body,
    struct px_msg **out, enum px_state *state);

/* How far a peer's clock may run ahead of ours (message and receipt
 * times beyond it are refused). */
#define PX_MAX_SKEW_MS (5 * 60 * 1000)

/* Offline exchange. */
struct px_import_report {
	/* In: when set, the bundle must come from this peer (the TLS
	 * identity of an HTTP delivery); out: `wrong_sender` if not. */
	const char *expect_from;
	bool wrong_sender;
	size_t applied, duplicate, no_effect, refused;
	size_t receipts_new, receipts_dup;
	/* The bundle carried the sender's signed refusal of our message at
	 * peer_refused_seq (0: of a whole bundle of ours). */
	bool refused_by_peer;
	int64_t peer_refused_seq;
	struct px_buf log; /* one line per event, for the operator */
	char *peer;
};

void px_import_report_init(struct px_import_report *r);
void px_import_report_dispose(struct px_import_report *r);
/* Writes every message not yet delivered to `peer` as one signed bundle
 * (file form) to `out`; *count gets how many. */
PX_MUST_CHECK int px_node_export(
    struct px_node *n, const char *peer, struct px_buf *out, size_t *count);
/* The same, with at most `limit` messages (the lowest seqs; 0 = all). */
PX_MUST_CHECK int px_node_export_limit(struct px_node *n, const char *peer,
    struct px_buf *out, size_t *count, size_t limit);
/* What px_node_export_after put in its bundle: how many messages, and the
 * seqs of the first and the last (0 when none). */
struct px_export_span {
	size_t count;
	int64_t first_seq, last_seq;
};
/* The same, leaving out the undelivered messages up to seq `after` (those
 * of a bundle still in flight: the outbox's pipelining, node/outbox.h);
 * writes nothing to `out` when no message is left. */
PX_MUST_CHECK int px_node_export_after(struct px_node *n, const char *peer,
    struct px_buf *out, size_t limit, int64_t after,
    struct px_export_span *span);
/* Verifies and applies a bundle.  Each message is applied atomically; a
 * message that fails stops the rest (they would be out of sequence) and
 * makes the call return PX_EINVAL after applying what came before.  The
 * receipts for every message now stored are written as a signed bundle to
 * `reply` (if not NULL and there are any). */
PX_MUST_CHECK int px_node_import(struct px_node *n, const char *text,
    size_t len, const char *what, struct px_import_report *rep,
    struct px_buf *reply);

#endif
