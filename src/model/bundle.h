/*
 * Receipts and bundles: what travels between two nodes.
 *
 * A receipt (signed envelope of kind "receipt", signed.h) is the receiver's
 * signed statement that it stored a message:
 *   {"receipt": {"v": 1, "from": RECEIVER, "to": SENDER, "msg": HASH,
 *                "case": UUID, "seq": N, "received": TIME, "index": N},
 *    "sig": B64}
 * where "index" is the receipt's own position in the receiver's log.
 *
 * A bundle (kind "bundle") carries messages and receipts from one node to
 * one peer, for offline exchange today and as the unit of delivery on the
 * wire later:
 *   {"bundle": {"v": 1, "from": A, "to": B, "created": TIME,
 *               "messages": [MSG...], "receipts": [RECEIPT...],
 *               "log": {...}},
 *    "sig": B64}
 * "log" (node/witness.h) carries the sender's checkpoint and the proofs
 * that put every item in its log.  "attachments" (optional) carries the
 * bytes of the attachments its messages name: [{"sha256", "data"}].  A reply
 * may carry "refusal":
 *   {"seq": N, "msg": HASH, "reason": TEXT}
 * the sender's signed word that it refused the receiver's message at seq
 * N (and so every later one): the channel is blocked there until the
 * cause is mended (docs/channel.md).  "msg" is left out when no single
 * message was refused (seq 0: the whole bundle was).
 * A bundle file is exactly the canonical JSON of the envelope followed by
 * one newline; anything else is refused, so any changed byte is caught
 * (by the canonical check, a signature, or the JSON parser).
 */
#ifndef PX_BUNDLE_H
#define PX_BUNDLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "crypto/sign.h"
#include "model/signed.h"
#include "util/buf.h"
#include "util/enc.h"

#define PX_BUNDLE_MAX_BYTES (256u * 1024 * 1024)
#define PX_BUNDLE_MAX_ITEMS 4096 /* messages, and receipts, per bundle */

struct px_receipt {
	json_t *env; /* owned */
	const char *from, *to;
	char msg[PX_HASH_HEX];
	char case_id[PX_UUID_STRLEN];
	int64_t seq;
	int64_t received_ms;
	int64_t index; /* the receipt's leaf index in the receiver's log */
	char hash[PX_HASH_HEX];
};

PX_MUST_CHECK int px_receipt_new(struct px_receipt **out, const char *from,
    const char *to, const char *msg_hash, const char *case_id, int64_t seq,
    int64_t received_ms, int64_t index, const struct px_key *k);
/* Parses and validates (no signature check); takes a new ref to env. */
PX_MUST_CHECK int px_receipt_parse(
    struct px_receipt **out, json_t *env, const char *what);
/* The same when the caller hashed the signed bytes itself (hex `hash`,
 * or NULL to hash them here). */
PX_MUST_CHECK int px_receipt_parse_known(
    struct px_receipt **out, json_t *env, const char *hash, const char *what);
PX_MUST_CHECK int px_receipt_verify(
    const struct px_receipt *r, const uint8_t pk[PX_PUBKEY_LEN]);
void px_receipt_free(struct px_receipt *r);

struct px_bundle {
	json_t *env; /* owned */
	const char *from, *to;
	int64_t created_ms;
	const json_t *messages, *receipts; /* arrays of envelopes */
	const json_t *log;                 /* the log section, or NULL */
	/* [{"sha256": HEX, "data": B64}] (node/attach.h), or NULL; each
	 * checked against its name by px_bundle_parse. */
	const json_t *attachments;
	/* The refusal, if the bundle carries one. */
	bool refused;
	int64_t refused_seq;
	const char *refused_msg; /* NULL when left out */
	const char *refused_reason;
	char hash_refused[PX_HASH_HEX];
	char hash[PX_HASH_HEX];
};

/* Longest refusal reason a bundle carries, in bytes. */
#define PX_REFUSAL_MAX 1024

/* Signs a bundle of the given arrays (borrowed) and appends its file form
 * (canonical JSON and a newline) to `out`.  `log` and `refusal` (see above)
 * may be NULL. */
PX_MUST_CHECK int px_bundle_write(struct px_buf *out, const char *from,
    const char *to, int64_t created_ms, json_t *messages, json_t *receipts,
    json_t *log, json_t *refusal, const struct px_key *k);
/* The same, carrying `attachments` too (may be NULL). */
PX_MUST_CHECK int px_bundle_write_att(struct px_buf *out, const char *from,
    const char *to, int64_t created_ms, json_t *messages, json_t *receipts,
    json_t *log, json_t *refusal, json_t *attachments, const struct px_key *k);
/* A refusal member for px_bundle_write (new reference): seq, the message
 * hash (NULL for none) and the reason, cut to PX_REFUSAL_MAX bytes on a
 * character boundary. */
json_t *px_refusal_new(int64_t seq, const char *msg_hash, const char *reason);
/* Parses a bundle file: exact canonical form, shape and field checks.  The
 * signature is checked separately once the sender's key is known. */
PX_MUST_CHECK int px_bundle_parse(
    struct px_bundle *out, const char *text, size_t len, const char *what);
PX_MUST_CHECK int px_bundle_verify(const struct px_bundle *b,
    const uint8_t pk[PX_PUBKEY_LEN], const char *what);
void px_bundle_dispose(struct px_bundle *b);

#endif
