/*
 * Hex, base64 (standard alphabet, padded) and UUIDv7 identifiers.
 */
#ifndef PX_ENC_H
#define PX_ENC_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define PX_UUID_STRLEN 37

/* Writes 2n lowercase hex digits and a NUL into out[2n+1]. */
void px_hex_encode(char *out, const uint8_t *in, size_t n);
/* Decodes exactly `n` bytes from 2n hex digits (either case); any other
 * length or a non-hex digit is PX_EINVAL. */
PX_MUST_CHECK int px_hex_decode(uint8_t *out, size_t n, const char *hex);
/* The value of one hex digit (either case), or -1. */
int px_hex_digit(int c);
/* Returns a heap string (caller frees) of standard padded base64. */
char *px_b64_encode(const uint8_t *in, size_t n);
/* Decodes padded standard base64 into out (capacity `cap`); *n_out gets the
 * length.  Rejects anything non-canonical. */
PX_MUST_CHECK int px_b64_decode(
    uint8_t *out, size_t cap, size_t *n_out, const char *b64);
/* Writes a fresh RFC 9562 UUIDv7 for time `ms` into out[PX_UUID_STRLEN]. */
void px_uuid7(char out[PX_UUID_STRLEN], int64_t ms);
/* True if `s` is a lowercase canonical UUID string. */
int px_uuid_valid(const char *s);

/* Length of the well-formed UTF-8 sequence at s[0..n) (RFC 3629: no
 * overlongs, surrogates or code points past U+10FFFF), or 0 if the bytes
 * there do not start one; then *ill gets the length of the maximal
 * ill-formed subpart (to replace by one U+FFFD). */
size_t px_utf8_seq(const unsigned char *s, size_t n, size_t *ill);
/* The number of characters (Unicode code points) in the UTF-8 string `s`;
 * an ill-formed subpart counts as one (it displays as one U+FFFD).  Limits
 * people read ("at most 300 characters") are counted with this, not in
 * bytes: a Chinese character is three bytes. */
size_t px_utf8_chars(const char *s);
/* "zh" when `s` (UTF-8) has more CJK ideographs than Latin letters, else
 * NULL: the one guess a node makes of a text given without its language
 * (docs/desk.md).  Static storage. */
const char *px_text_lang_guess(const char *s);

/* The first bidirectional embedding, override or isolate control in the
 * UTF-8 string `s` (U+202A..U+202E, U+2066..U+2069: "Trojan Source",
 * CVE-2021-42574), or 0 if none; *at (may be NULL) gets its byte offset.
 * Such a control makes text display in another order than the bytes
 * that were signed. */
uint32_t px_bidi_control(const char *s, size_t *at);
/* Its Unicode name ("RIGHT-TO-LEFT OVERRIDE"). */
const char *px_bidi_name(uint32_t cp);
/* `s` with each bidi control written visibly as "[U+202E]", so it cannot
 * reorder what surrounds it; NULL when `s` holds none (use `s` as is).
 * Heap; the caller frees. */
char *px_bidi_visible(const char *s);

#endif
