/*
 * One-time passwords for sign-in (docs/desk.md, "People"): TOTP (RFC
 * 6238) over HOTP (RFC 4226), with HMAC-SHA-1, -256 or -512 (GnuTLS),
 * and the base32 (RFC 4648) form authenticator apps take secrets in.
 */
#ifndef PX_TOTP_H
#define PX_TOTP_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum px_totp_alg { PX_TOTP_SHA1, PX_TOTP_SHA256, PX_TOTP_SHA512 };

/* The size of a fresh secret: 20 bytes, RFC 4226's recommendation for
 * SHA-1, and 32 base32 characters. */
#define PX_TOTP_SECRET_LEN 20
#define PX_TOTP_STEP_S     30

/* HOTP: the `digits`-digit (6 to 9) value for `counter` under `key`
 * (RFC 4226 section 5.3, with the RFC 6238 algorithms). */
PX_MUST_CHECK int px_hotp(uint32_t *out, enum px_totp_alg alg,
    const uint8_t *key, size_t keylen, uint64_t counter, int digits);

/* TOTP at Unix time `t` (seconds) with T0 = 0 and a 30 s step. */
PX_MUST_CHECK int px_totp(uint32_t *out, enum px_totp_alg alg,
    const uint8_t *key, size_t keylen, int64_t t, int digits);

/* Checks a 6-digit `code` (exactly six ASCII digits) at time `t`, one
 * step either side for clock drift.  A step at or before *last (the
 * last step accepted for this secret) is refused as a replay; on success
 * *last gets the step used.  PX_EINVAL with the reason otherwise. */
PX_MUST_CHECK int px_totp_check(const uint8_t *key, size_t keylen,
    const char *code, int64_t t, int64_t *last);

/* Base32 (RFC 4648, upper case, no padding) of `len` bytes into `out`
 * (at least (len * 8 + 4) / 5 + 1 bytes). */
void px_base32_encode(char *out, const uint8_t *in, size_t len);
/* Decodes base32 (either case; spaces and '=' padding ignored) into at
 * most `cap` bytes; *len gets how many.  PX_EINVAL for other characters
 * or a secret longer than `cap`. */
PX_MUST_CHECK int px_base32_decode(
    uint8_t *out, size_t cap, size_t *len, const char *in);

#endif
