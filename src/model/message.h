/*
 * Messages: the only way anything happens in parley.
 *
 * A message is an immutable signed envelope (see signed.h, kind "msg"):
 *
 *   {"msg": {"v": 1, "id": UUIDv7, "case": UUIDv7, "type": "request",
 *            "from": "cert-a.example", "to": "cert-b.example",
 *            "seq": 1, "prev": HASH, "time": "2026-...Z", "body": {...}},
 *    "sig": "..."}
 *
 * `seq` counts the sender's messages to that receiver from 1 without gaps,
 * and `prev` is the hash of the sender's previous message to that receiver
 * (64 zeros for seq 1), so a receiver can tell a dropped, replayed or
 * reordered message from a good one.  The body's members depend on the
 * type; docs/protocol.md lists them.  Parsing checks everything but the
 * signature (which needs the sender's pinned key) and the case rules
 * (which need the case: see case.h).
 */
#ifndef PX_MESSAGE_H
#define PX_MESSAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "crypto/sign.h"
#include "model/signed.h"
#include "model/types.h"
#include "util/enc.h"

#define PX_MSG_MAX_BYTES (1024 * 1024) /* one message, canonical form */
/* Characters (code points), not bytes: see px_j_chars. */
#define PX_TEXT_MAX  65536
#define PX_TITLE_MAX 300
#define PX_ZERO_HASH \
	"0000000000000000000000000000000000000000000000000000000000000000"

struct px_msg {
	json_t *env; /* owned: the whole signed envelope */
	const json_t *body;
	char hash[PX_HASH_HEX];
	char id[PX_UUID_STRLEN];
	char case_id[PX_UUID_STRLEN];
	enum px_msg_type type;
	const char *from, *to; /* borrowed from env */
	int64_t seq;
	char prev[PX_HASH_HEX];
	int64_t time_ms;
};

/* What the sender fills in; the body is built by the caller. */
struct px_msg_fields {
	const char *case_id; /* NULL: a fresh case id (opening messages) */
	enum px_msg_type type;
	const char *from, *to;
	int64_t seq;
	const char *prev;
	int64_t time_ms;
};

/* Builds, validates and signs a message; `body` is borrowed.  *out is a
 * new message the caller frees with px_msg_free. */
PX_MUST_CHECK int px_msg_new(struct px_msg **out, const struct px_msg_fields *f,
    json_t *body, const struct px_key *k);
/* Parses and validates a signed envelope without verifying the signature.
 * Takes a new reference to `env`.  Errors name `what`. */
PX_MUST_CHECK int px_msg_parse(
    struct px_msg **out, json_t *env, const char *what);
/* The same when the caller hashed the signed bytes itself (hex `hash`,
 * or NULL to hash them here). */
PX_MUST_CHECK int px_msg_parse_known(
    struct px_msg **out, json_t *env, const char *hash, const char *what);
/* Verifies the signature with the sender's pinned key. */
PX_MUST_CHECK int px_msg_verify(
    const struct px_msg *m, const uint8_t pk[PX_PUBKEY_LEN]);
/* Heap copy sharing the (immutable) envelope. */
struct px_msg *px_msg_dup(const struct px_msg *m);
void px_msg_free(struct px_msg *m);

/* Builds a free-text object {"lang", "value"[, "translation"]}; returns a
 * new reference.  `tr_lang`/`tr_value`/`tr_by` may be NULL. */
json_t *px_text_new(const char *value, const char *lang, const char *tr_value,
    const char *tr_lang, const char *tr_by);
/* Validates a contact id ([contact "ID"] in parley.conf). */
PX_MUST_CHECK int px_check_contact_id(const char *s, const char *what);
/* Refuses control characters (C0 but newline and tab where `multiline`,
 * DEL and C1), which a peer could use to drive an operator's terminal. */
PX_MUST_CHECK int px_check_printable(
    const char *s, bool multiline, const char *what);
/* Validates an identifier of an exercise's scenario (an inject, an
 * expectation, an objective, a persona, a plan item): 1 to 64 of A-Z,
 * a-z, 0-9, '.', '_', '-' (docs/exercises.md). */
PX_MUST_CHECK int px_check_xid(const char *s, const char *what);
/* Validates a control message's body (docs/exercises.md, "Control"):
 * a known action with exactly the members it takes. */
PX_MUST_CHECK int px_check_control(const json_t *b);
/* The actions of control messages, by wire name. */
extern const char *const px_control_actions[];

/* Validates a language tag (BCP 47 shape: 2-8 letters, then -subtags). */
PX_MUST_CHECK int px_check_lang(const char *s, const char *what);

/* Refuses control characters (C0 but newline and tab where `multiline`,
 * DEL and C1), which a peer could use to drive an operator's terminal;
 * the error names `what` and the byte. */
PX_MUST_CHECK int px_check_printable(
    const char *s, bool multiline, const char *what);
/* Validates a free-text object {"lang", "value"[, "translation"]};
 * errors name `what`. */
PX_MUST_CHECK int px_check_text(const json_t *t, const char *what);

/* Convenience readers for bodies (borrowed strings; NULL when absent). */
const char *px_msg_text(const struct px_msg *m);
const char *px_msg_text_lang(const struct px_msg *m);

#endif
