/*
 * RFC 8785 JSON Canonicalization Scheme (JCS) over jansson values, and the
 * strict parser that every piece of signed JSON goes through.
 *
 * Every byte parley signs is the canonical form of a JSON value, so two
 * implementations that agree on the value agree on the bytes.  parley
 * narrows RFC 8785 in one way: numbers must be integers within
 * +-(2^53 - 1), so the ECMAScript double formatting the RFC borrows is never
 * needed and a verifier in any language can reproduce the bytes exactly.
 * docs/ describes the encoding for reimplementers.
 */
#ifndef PX_CANON_H
#define PX_CANON_H

#include <stddef.h>

#include <jansson.h>

#include "util/buf.h"
#include "util/err.h"

/* Containers nested deeper than this are refused, by the parser and by the
 * canonicaliser alike, so anything we sign our own parser can read back. */
#define PX_JSON_MAX_DEPTH 64
/* The largest integer magnitude allowed in signed data: 2^53 - 1, the
 * largest that every JSON implementation holds exactly. */
#define PX_JSON_MAX_INT 9007199254740991LL

/*
 * Appends the RFC 8785 canonical form of `v` to `out`.  Object members are
 * sorted by the UTF-16 code units of their keys (so a key holding a
 * supplementary-plane character sorts by its surrogates), there is no
 * whitespace, and strings escape only '"', '\\' and control characters
 * below 0x20 (\b \f \n \r \t as two-character escapes, the rest as \u00xx
 * with lowercase hex); everything else, U+2028 and DEL included, is
 * literal UTF-8.  true, false and null are written as is.
 *
 * Refused with PX_EINVAL: a real number (parley has no floating point in
 * signed data), an integer outside +-PX_JSON_MAX_INT, a string or key that
 * is not valid UTF-8, nesting deeper than PX_JSON_MAX_DEPTH.  PX_ETOOBIG if
 * `out` reaches its cap.  On error `out` may hold part of the output.
 * `v` is only borrowed.
 */
PX_MUST_CHECK int px_canon_append(struct px_buf *out, const json_t *v);

/*
 * The same, with finite real numbers written as RFC 8785 requires (the
 * shortest ECMAScript form: 0.909, 4.17, 1e+21, 1e-7).  Only the review
 * report, whose shares are reals, is signed this way; every other signed
 * kind refuses reals (px_canon_append).
 */
PX_MUST_CHECK int px_canon_append_jcs(struct px_buf *out, const json_t *v);

/*
 * Parses `len` bytes of JSON text strictly into *out (a new reference the
 * caller json_decref()s).  Any JSON value may be at the top.  Refused with
 * PX_EINVAL: duplicate object keys, "\u0000" in a string, anything but
 * whitespace after the value, invalid UTF-8, lone surrogate escapes,
 * nesting deeper than PX_JSON_MAX_DEPTH; PX_ETOOBIG when `len` exceeds
 * `max_len`.  The message names `what` (a file name or "request body"; NULL
 * reads as "JSON input") and says where, e.g.
 * "bundle.json: duplicate key 'seq' at line 1, column 40".  Real numbers
 * are accepted here; px_canon_append refuses them.
 */
PX_MUST_CHECK int px_json_parse(json_t **out, const char *text, size_t len,
    size_t max_len, const char *what);

/* An instant as the protocol writes it ("2026-11-20T09:30:00.000Z"), or
 * JSON null for "not known" (ms < 0) and "never" (INT64_MAX); a new
 * reference. */
json_t *px_json_time(int64_t ms);

/* `v` for display: a deep copy in which every string holding a
 * bidirectional control has it written visibly (util/enc.h,
 * px_bidi_visible), or `v` itself (a new reference) when none does. */
json_t *px_json_bidi_visible(const json_t *v);

/*
 * Parses like px_json_parse and then requires `text` to be byte for byte
 * the canonical form of the parsed value, optionally followed by a single
 * "\n".  Otherwise PX_EINVAL: "<what> is not in canonical form (first
 * difference at byte N)", N counting from 0.  On success *out, when `out`
 * is not NULL, gets a new reference the caller json_decref()s; on error it
 * is set to NULL.
 */
PX_MUST_CHECK int px_canon_parse_exact(json_t **out, const char *text,
    size_t len, size_t max_len, const char *what);

/*
 * Returns the canonical form of `v` as a NUL-terminated heap string the
 * caller frees, or NULL with the error message set (see px_canon_append).
 */
char *px_canon_string(const json_t *v);

#endif
