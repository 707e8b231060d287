/*
 * Checkpoints, cosignatures and proofs on top of signed notes:
 *   c2sp.org/tlog-checkpoint  origin, tree size and root hash as a note body;
 *   c2sp.org/tlog-cosignature a witness's timestamped Ed25519 signature
 *                             line (type 0x04) on a checkpoint;
 *   c2sp.org/tlog-proof       an entry's index and inclusion proof plus the
 *                             signed (and cosigned) checkpoint, as text.
 * A tlog-proof is what lets a neutral verifier check offline that an entry
 * is in a party's log and that witnesses saw that log.  docs/ledger.md
 * gives the formats with a worked example.
 */
#ifndef PX_LEDGER_CHECKPOINT_H
#define PX_LEDGER_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/sign.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "util/buf.h"
#include "util/err.h"

#define PX_TLOG_PROOF_HEADER "c2sp.org/tlog-proof@v1"

/* A parsed checkpoint body.  ext is a heap copy of the extension lines
 * (each ending in \n), or NULL; px_checkpoint_dispose frees it. */
struct px_checkpoint {
	char origin[PX_NOTE_MAX_NAME + 1];
	uint64_t size;
	uint8_t root[32];
	char *ext; /* extension lines or NULL */
};

/*
 * Parses a checkpoint note body body[0..len): the origin (1 to 255 bytes,
 * non-empty), the tree size in decimal without leading zeros, the root as
 * canonical base64 of 32 bytes, then optional non-empty extension lines,
 * every line ending in \n.  On success *out owns ext; on failure *out is
 * empty.  Returns 0 or PX_EINVAL.
 */
PX_MUST_CHECK int px_checkpoint_parse(
    struct px_checkpoint *out, const char *body, size_t len);

/* Returns the checkpoint body "origin\nsize\nbase64(root)\n" as a heap
 * string the caller frees, or NULL (with a message) if origin is empty,
 * longer than 255 bytes, or holds a newline or other control character. */
char *px_checkpoint_body(
    const char *origin, uint64_t size, const uint8_t root[32]);

/* Frees ext and empties *c; safe on a zeroed checkpoint. */
void px_checkpoint_dispose(struct px_checkpoint *c);

/*
 * Appends to out a cosignature/v1 line (type 0x04) by key k named `name`,
 * made at `timestamp` (POSIX seconds, at most 2^63 - 1), over the
 * checkpoint body `checkpoint_body`, which must parse as a checkpoint.  The
 * signed message is "cosignature/v1\ntime <timestamp>\n" followed by the
 * body; the line's payload is key ID || 8-byte big-endian timestamp ||
 * signature.  Returns 0, PX_EINVAL or PX_ETOOBIG; out unchanged on failure.
 */
PX_MUST_CHECK int px_cosig_sign(struct px_buf *out, const char *name,
    const struct px_key *k, uint64_t timestamp, const char *checkpoint_body);

/*
 * Verifies the signature line s as a cosignature by `key` (type 0x04, and
 * s's name and key ID must be the key's) over `checkpoint_body`, and on
 * success stores its timestamp in *timestamp.  Returns 0 or PX_EINVAL.
 */
PX_MUST_CHECK int px_cosig_verify(const struct px_note_sig *s,
    const struct px_vkey *key, const char *checkpoint_body,
    uint64_t *timestamp);

/*
 * A tlog-proof.  After px_tlog_proof_parse every pointer is a heap copy
 * that px_tlog_proof_dispose frees; a caller formatting its own proof may
 * point them at its own memory and must not dispose it.
 */
struct px_tlog_proof {
	uint64_t index;
	uint8_t (*hashes)[32];
	size_t n; /* hashes, at most PX_MERKLE_MAX_PROOF */
	uint8_t *extra;
	size_t extra_len; /* 0: no extra line */
	char *checkpoint;
	size_t checkpoint_len; /* signed note text */
};

/*
 * Parses a tlog-proof from text[0..len): the header line, an optional
 * "extra <base64>" line (non-empty data), "index <decimal>", up to 64 lines
 * of base64 hashes, an empty line, and the checkpoint's signed note, which
 * must parse as a note whose body parses as a checkpoint.  Strict like the
 * note parser: what it accepts, px_tlog_proof_format writes back byte for
 * byte.  Returns 0, PX_EINVAL or PX_ETOOBIG (over PX_NOTE_MAX_BYTES).
 */
PX_MUST_CHECK int px_tlog_proof_parse(
    struct px_tlog_proof *out, const char *text, size_t len);

/* Appends the text form of p to out (the checkpoint must be a valid signed
 * checkpoint note).  Returns 0, PX_EINVAL or PX_ETOOBIG; out unchanged on
 * failure. */
PX_MUST_CHECK int px_tlog_proof_format(
    struct px_buf *out, const struct px_tlog_proof *p);

/* Frees what px_tlog_proof_parse allocated and empties *p. */
void px_tlog_proof_dispose(struct px_tlog_proof *p);

/*
 * Verifies a whole tlog-proof for `entry` (the leaf's bytes, hashed here
 * with px_merkle_leaf_hash): the checkpoint must carry a verifying
 * signature by a given type 0x01 key named after its origin; every
 * signature line matching another given key (type 0x01, or 0x04 checked as
 * a cosignature) must verify; and the entry must be included at p->index
 * in the checkpoint's tree.  At most 64 keys.  Returns 0 or PX_EINVAL.
 */
PX_MUST_CHECK int px_tlog_proof_verify(const struct px_tlog_proof *p,
    const void *entry, size_t entry_len, const struct px_vkey *keys,
    size_t nkeys);

/* px_tlog_proof_verify that also reports, in *verified, the bitmask of
 * keys[] indexes whose signature or cosignature verified (a witness quorum
 * counts its bits). */
PX_MUST_CHECK int px_tlog_proof_verify_keys(const struct px_tlog_proof *p,
    const void *entry, size_t entry_len, const struct px_vkey *keys,
    size_t nkeys, uint64_t *verified);

#endif
