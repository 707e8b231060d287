/*
 * C2SP signed notes (c2sp.org/signed-note): UTF-8 text, a blank line, and
 * one or more signature lines "— <key name> <base64(key ID || signature)>".
 * Checkpoints and cosignatures (ledger/checkpoint.h) are built on them.
 *
 * Parsing is strict: anything this module accepts it would also write the
 * same way, byte for byte (canonical base64, one blank line, no stray
 * bytes), so two parties never disagree over what a note says.
 * docs/ledger.md gives the exact grammar.
 */
#ifndef PX_LEDGER_NOTE_H
#define PX_LEDGER_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/sign.h"
#include "util/buf.h"
#include "util/err.h"

/* Signature type bytes (c2sp.org/signed-note, "Signature types"). */
#define PX_NOTE_ED25519 0x01 /* plain Ed25519 over the note text */
#define PX_NOTE_COSIG   0x04 /* timestamped cosignature/v1 (checkpoint.h) */

#define PX_NOTE_MAX_SIGS  100
#define PX_NOTE_MAX_BYTES (1 << 20) /* a note larger than this is refused */
#define PX_NOTE_MAX_NAME  255       /* bytes in a key name */

/* A verifier key: the key name, its 32-bit key ID, type and public key. */
struct px_vkey {
	char name[PX_NOTE_MAX_NAME + 1];
	uint32_t id;
	uint8_t type;
	uint8_t pk[32];
};

/* One signature line of a parsed note.  payload holds the bytes after the
 * key ID: 64 for Ed25519, 72 for a cosignature.  A longer signature (e.g.
 * post-quantum) is kept as its name and ID only, with `oversize` set and
 * len 0: no key this module knows can have made it. */
struct px_note_sig {
	char name[PX_NOTE_MAX_NAME + 1];
	uint32_t id;
	uint8_t payload[128];
	size_t len; /* bytes after the key id */
	bool oversize;
};

/* A parsed note.  text is a heap copy of the body (ending in \n, NUL
 * terminated), sigs a heap array; both are freed by px_note_dispose. */
struct px_note {
	char *text;
	size_t text_len; /* the body, ending in \n */
	struct px_note_sig *sigs;
	size_t nsigs;
};

/*
 * Parses a verifier key "<name>+<8 lowercase hex key ID>+<base64(type ||
 * 32-byte public key)>" of type 0x01 or 0x04, and checks that the key ID is
 * the one the name, type and key give.  Returns 0 or PX_EINVAL.
 */
PX_MUST_CHECK int px_vkey_parse(struct px_vkey *out, const char *s);

/*
 * Formats the verifier key for (name, type, pk) as a heap string the caller
 * frees.  Returns NULL (with a message) if name is not a valid key name.
 */
char *px_vkey_format(const char *name, uint8_t type, const uint8_t pk[32]);

/* The key ID: the first 4 bytes, big-endian, of SHA-256(name || 0x0A ||
 * type || pk). */
uint32_t px_note_key_id(const char *name, uint8_t type, const uint8_t pk[32]);

/* True if name is a valid key name: 1 to 255 bytes of UTF-8 with no Unicode
 * space, no '+' and no control character. */
bool px_note_name_valid(const char *name);

/*
 * Checks that s[0..len) is valid UTF-8 (no overlong forms, surrogates or
 * code points above U+10FFFF) with no ASCII control character but \n.
 * `what` names the text in the message.  Returns 0 or PX_EINVAL.
 */
PX_MUST_CHECK int px_note_text_check(
    const char *s, size_t len, const char *what);

/*
 * Parses a signed note from data[0..len).  Strict: valid UTF-8, no control
 * characters but \n, a non-empty body ending in \n whose last line is not
 * empty, exactly one blank line, then 1 to 100 signature lines each "— "
 * name " " canonical-base64 "\n" decoding to a key ID and at least one
 * byte.  On success *out owns heap copies (px_note_dispose frees them); on
 * failure *out is empty.  Returns 0, PX_EINVAL or PX_ETOOBIG (over
 * PX_NOTE_MAX_BYTES).
 */
PX_MUST_CHECK int px_note_parse(
    struct px_note *out, const char *data, size_t len);

/* Frees what px_note_parse allocated and empties *n; safe on an empty or
 * zeroed note. */
void px_note_dispose(struct px_note *n);

/*
 * Appends to out one Ed25519 (type 0x01) signature line by key k named
 * `name` over `text`, which must be a valid note body (as px_note_parse
 * would accept it).  The caller writes text, a blank line, then the lines.
 * Returns 0, PX_EINVAL (bad name or text) or PX_ETOOBIG (out's cap); out is
 * unchanged on failure.
 */
PX_MUST_CHECK int px_note_sign(struct px_buf *out, const char *name,
    const struct px_key *k, const char *text);

/* Formats one signature line for (name, id, payload) into out, as
 * px_note_parse reads it.  Returns 0 or PX_ETOOBIG; out unchanged then. */
PX_MUST_CHECK int px_note_sig_line(struct px_buf *out, const char *name,
    uint32_t id, const uint8_t *payload, size_t len);

/*
 * Verifies n's signatures against keys[0..nkeys), which must be Ed25519
 * (type 0x01) keys, at most 64 (cosignatures: px_cosig_verify).  A
 * signature line whose (name, key ID) match a key must verify, else the
 * whole note is refused (PX_EINVAL naming the key); lines from unknown keys
 * are ignored.  At least one key must verify (signed-note: otherwise the
 * note MUST be rejected).  On success returns 0 and sets *verified to the
 * bitmask of keys[] indexes that verified (so the count is its popcount);
 * on failure *verified is 0.
 */
PX_MUST_CHECK int px_note_verify(const struct px_note *n,
    const struct px_vkey *keys, size_t nkeys, uint64_t *verified);

#endif
