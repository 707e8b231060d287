/*
 * TOTP and HOTP (crypto/totp.h).
 */
#include <gnutls/crypto.h>
#include <string.h>

#include "crypto/totp.h"

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int
px_hotp(uint32_t *out, enum px_totp_alg alg, const uint8_t *key, size_t keylen,
    uint64_t counter, int digits)
{
	static const gnutls_mac_algorithm_t mac[] = { GNUTLS_MAC_SHA1,
		GNUTLS_MAC_SHA256, GNUTLS_MAC_SHA512 };
	static const size_t maclen[] = { 20, 32, 64 };
	uint8_t msg[8], h[64];
	uint32_t bin, mod = 1;
	size_t off;

	if ((unsigned)alg > PX_TOTP_SHA512 || digits < 6 || digits > 9)
		return px_error_set(PX_EINVAL, "HOTP: algorithm or digits");
	/* The counter, 8 bytes big-endian. */
	for (int i = 7; i >= 0; i--, counter >>= 8)
		msg[i] = (uint8_t)(counter & 0xff);
	if (gnutls_hmac_fast(mac[alg], key, keylen, msg, sizeof(msg), h) != 0)
		return px_error_set(PX_ERR, "HOTP: HMAC failed");
	/* Dynamic truncation: four bytes at the offset the last nibble
	 * names, the top bit cleared. */
	off = h[maclen[alg] - 1] & 0x0f;
	bin = ((uint32_t)(h[off] & 0x7f) << 24) | ((uint32_t)h[off + 1] << 16) |
	    ((uint32_t)h[off + 2] << 8) | h[off + 3];
	for (int i = 0; i < digits; i++)
		mod *= 10;
	*out = bin % mod;
	return 0;
}

int
px_totp(uint32_t *out, enum px_totp_alg alg, const uint8_t *key, size_t keylen,
    int64_t t, int digits)
{
	if (t < 0)
		return px_error_set(PX_EINVAL, "TOTP: time before 1970");
	return px_hotp(
	    out, alg, key, keylen, (uint64_t)(t / PX_TOTP_STEP_S), digits);
}

int
px_totp_check(const uint8_t *key, size_t keylen, const char *code, int64_t t,
    int64_t *last)
{
	uint32_t want = 0, got;
	int64_t step = t / PX_TOTP_STEP_S;
	int rc;

	if (code == NULL || strlen(code) != 6 ||
	    strspn(code, "0123456789") != 6)
		return px_error_set(PX_EINVAL,
		    "the one-time code is six digits from the authenticator "
		    "app");
	for (int i = 0; i < 6; i++)
		want = want * 10 + (uint32_t)(code[i] - '0');
	for (int64_t s = step - 1; s <= step + 1; s++) {
		if (s < 0)
			continue;
		if ((rc = px_hotp(
		         &got, PX_TOTP_SHA1, key, keylen, (uint64_t)s, 6)) < 0)
			return rc;
		if (got != want)
			continue;
		if (s <= *last)
			return px_error_set(PX_EINVAL,
			    "this one-time code was used already; wait for "
			    "the next one");
		*last = s;
		return 0;
	}
	return px_error_set(PX_EINVAL,
	    "the one-time code is wrong (or the device's clock is off by "
	    "more than 30 seconds)");
}

void
px_base32_encode(char *out, const uint8_t *in, size_t len)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = b32[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}

int
px_base32_decode(uint8_t *out, size_t cap, size_t *len, const char *in)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	for (const char *p = in; *p; p++) {
		const char *q;
		char ch = *p;

		if (ch == ' ' || ch == '=')
			continue;
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if ((q = strchr(b32, ch)) == NULL)
			return px_error_set(PX_EINVAL,
			    "'%c' is not a base32 character (A-Z, 2-7)", *p);
		acc = (acc << 5) | (uint32_t)(q - b32);
		bits += 5;
		if (bits >= 8) {
			if (o == cap)
				return px_error_set(PX_EINVAL,
				    "the secret is longer than %zu bytes", cap);
			out[o++] = (uint8_t)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	*len = o;
	return 0;
}
