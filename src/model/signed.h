/*
 * Signed envelopes, the one way parley signs anything.
 *
 * An object `o` of a given kind ("msg", "receipt", "card", "bundle") is
 * signed over the bytes
 *
 *     "parley-<kind>-v1\n" || JCS(o)
 *
 * where JCS is RFC 8785 canonical JSON (no floats in parley data).  The
 * fixed first line separates domains, so a signature over one kind can
 * never be replayed as another.  The envelope is the JSON object
 * {"<kind>": o, "sig": "<base64 Ed25519 signature>"} and the object's hash
 * is SHA-256 over the same signed bytes.  docs/protocol.md has the vectors.
 */
#ifndef PX_SIGNED_H
#define PX_SIGNED_H

#include <jansson.h>
#include <stdint.h>

#include "crypto/sign.h"
#include "model/types.h"
#include "util/buf.h"

#define PX_HASH_HEX 65 /* 64 hex digits and NUL */

/* Appends the signed bytes of `o` for `kind` to `out`. */
PX_MUST_CHECK int px_signed_bytes(
    struct px_buf *out, const char *kind, const json_t *o);
/* Signs `o` (borrowed) and returns a new envelope in *out (caller
 * json_decref()s); writes the object's hash as hex to hash_out if not
 * NULL. */
PX_MUST_CHECK int px_signed_wrap(json_t **out, char *hash_out, const char *kind,
    json_t *o, const struct px_key *k);
/* Checks the envelope's shape ({kind: object, sig: base64 of 64 bytes},
 * nothing else), computes the hash, and, if `pk` is not NULL, verifies the
 * signature.  *obj_out borrows from `env`.  Errors name `what`. */
PX_MUST_CHECK int px_signed_open(const json_t **obj_out, char *hash_out,
    const json_t *env, const char *kind, const uint8_t *pk, const char *what);
/* The shape checks alone, for a caller that hashed the object's canonical
 * bytes itself (a verifier reading canonical text): `hash` (hex) goes to
 * hash_out, nothing is serialized. */
PX_MUST_CHECK int px_signed_open_known(const json_t **obj_out, char *hash_out,
    const json_t *env, const char *kind, const char *hash, const char *what);

/* Field readers for validating wire objects.  Each names `what` and the
 * member in its error.  Strings are borrowed from the object. */
PX_MUST_CHECK int px_j_str(const char **out, const json_t *o, const char *key,
    size_t maxlen, const char *what);
PX_MUST_CHECK int px_j_str_opt(const char **out, const json_t *o,
    const char *key, size_t maxlen, const char *what);
/* As px_j_str, for text people write: the limit is `maxchars` characters
 * (code points), as forms and docs promise, not bytes. */
PX_MUST_CHECK int px_j_chars(const char **out, const json_t *o, const char *key,
    size_t maxchars, const char *what);
PX_MUST_CHECK int px_j_int(int64_t *out, const json_t *o, const char *key,
    int64_t min, int64_t max, const char *what);
PX_MUST_CHECK int px_j_time(
    int64_t *out, const json_t *o, const char *key, const char *what);
PX_MUST_CHECK int px_j_enum(int *out, const json_t *o, const char *key,
    const struct px_name *t, size_t n, const char *what);
PX_MUST_CHECK int px_j_hash(
    char *out, const json_t *o, const char *key, const char *what);
/* Refuses any member of `o` not listed in the NULL-terminated `allowed`. */
PX_MUST_CHECK int px_j_only(
    const json_t *o, const char *const *allowed, const char *what);
/* Node names: 1..253 chars of [a-z0-9.-], like a DNS name. */
PX_MUST_CHECK int px_check_node_name(const char *s, const char *what);

#endif
