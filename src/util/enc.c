#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "util/enc.h"
#include "util/mem.h"

void
px_hex_encode(char *out, const uint8_t *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int
px_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
px_hex_decode(uint8_t *out, size_t n, const char *hex)
{
	if (hex == NULL || strlen(hex) != 2 * n)
		return px_error_set(PX_EINVAL,
		    "expected %zu hex digits, got '%.80s'", 2 * n,
		    hex ? hex : "(none)");
	for (size_t i = 0; i < n; i++) {
		int hi = px_hex_digit(hex[2 * i]),
		    lo = px_hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return px_error_set(
			    PX_EINVAL, "'%.80s' is not hexadecimal", hex);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

char *
px_b64_encode(const uint8_t *in, size_t n)
{
	size_t len =
	    sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
	char *out = px_malloc(len);

	sodium_bin2base64(out, len, in, n, sodium_base64_VARIANT_ORIGINAL);
	return out;
}

int
px_b64_decode(uint8_t *out, size_t cap, size_t *n_out, const char *b64)
{
	const char *end = NULL;
	size_t n = 0, len;
	char *again;
	int same;

	if (b64 == NULL)
		return px_error_set(PX_EINVAL, "missing base64 value");
	len = strlen(b64);
	if (sodium_base642bin(out, cap, b64, len, NULL, &n, &end,
	        sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != b64 + len)
		return px_error_set(PX_EINVAL,
		    "'%.80s' is not base64 of at most %zu bytes", b64, cap);
	/* Refuse encodings with non-zero padding bits: one value, one text. */
	again = px_b64_encode(out, n);
	same = strcmp(again, b64) == 0;
	free(again);
	if (!same)
		return px_error_set(
		    PX_EINVAL, "'%.80s' is not canonical base64", b64);
	*n_out = n;
	return 0;
}

void
px_uuid7(char out[PX_UUID_STRLEN], int64_t ms)
{
	uint8_t b[16];
	char hex[33];

	randombytes_buf(b, sizeof(b));
	for (int i = 0; i < 6; i++)
		b[i] = (uint8_t)((uint64_t)ms >> (40 - 8 * i));
	b[6] = (uint8_t)(0x70 | (b[6] & 0x0f));
	b[8] = (uint8_t)(0x80 | (b[8] & 0x3f));
	px_hex_encode(hex, b, 16);
	snprintf(out, PX_UUID_STRLEN, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8,
	    hex + 12, hex + 16, hex + 20);
}

int
px_uuid_valid(const char *s)
{
	if (s == NULL || strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-'
		         : !((s[i] >= '0' && s[i] <= '9') ||
		               (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}

/*
 * Length of the well-formed UTF-8 sequence at s[0..n), or 0 if the bytes
 * there do not start one.  *ill gets the length of the maximal ill-formed
 * subpart to replace by one U+FFFD when 0 is returned.
 */
size_t
px_utf8_seq(const unsigned char *s, size_t n, size_t *ill)
{
	unsigned char c = s[0];
	size_t need, i;
	unsigned char lo = 0x80, hi = 0xbf;

	*ill = 1;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4;
	else
		return 0;
	/* The second byte's range excludes overlongs, surrogates and code
	 * points past U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	for (i = 1; i < need; i++) {
		unsigned char b;

		if (i >= n)
			return 0;
		b = s[i];
		if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf))
			return 0;
		*ill = i + 1;
	}
	return need;
}

size_t
px_utf8_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), k = 0, len, ill;

	while (n > 0) {
		len = px_utf8_seq(p, n, &ill);
		if (len == 0)
			len = ill;
		p += len;
		n -= len;
		k++;
	}
	return k;
}

const char *
px_text_lang_guess(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = s ? strlen(s) : 0, len, ill, cjk = 0, latin = 0;
	uint32_t cp;

	while (n > 0) {
		if ((len = px_utf8_seq(p, n, &ill)) == 0)
			len = ill;
		else if (len == 1)
			latin += (p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z';
		else if (len >= 3) {
			/* Three bytes: 4 + 6 + 6 bits; four: 3 + 6 + 6 + 6. */
			cp = len == 3 ? (uint32_t)(p[0] & 0x0f) << 12 |
			        (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f)
			              : (uint32_t)(p[0] & 0x07) << 18 |
			        (uint32_t)(p[1] & 0x3f) << 12 |
			        (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
			/* Extension A, the unified block, compatibility
			 * ideographs, and the supplementary planes' ones. */
			cjk += (cp >= 0x3400 && cp <= 0x4dbf) ||
			    (cp >= 0x4e00 && cp <= 0x9fff) ||
			    (cp >= 0xf900 && cp <= 0xfaff) ||
			    (cp >= 0x20000 && cp <= 0x3ffff);
		}
		p += len;
		n -= len;
	}
	return cjk > latin ? "zh" : NULL;
}

/* U+202A..U+202E are E2 80 AA..AE; U+2066..U+2069 are E2 81 A6..A9. */
static uint32_t
bidi_at(const unsigned char *p)
{
	if (p[0] != 0xe2)
		return 0;
	if (p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae)
		return 0x2000u + (p[2] - 0x80u);
	if (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
		return 0x2040u + (p[2] - 0x80u);
	return 0;
}

uint32_t
px_bidi_control(const char *s, size_t *at)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; p[i]; i++) {
		uint32_t cp;

		if (p[i] == 0xe2 && p[i + 1] && p[i + 2] &&
		    (cp = bidi_at(p + i)) != 0) {
			if (at)
				*at = i;
			return cp;
		}
	}
	return 0;
}

const char *
px_bidi_name(uint32_t cp)
{
	static const char *const a[] = { "LEFT-TO-RIGHT EMBEDDING",
		"RIGHT-TO-LEFT EMBEDDING", "POP DIRECTIONAL FORMATTING",
		"LEFT-TO-RIGHT OVERRIDE", "RIGHT-TO-LEFT OVERRIDE" };
	static const char *const b[] = { "LEFT-TO-RIGHT ISOLATE",
		"RIGHT-TO-LEFT ISOLATE", "FIRST STRONG ISOLATE",
		"POP DIRECTIONAL ISOLATE" };

	if (cp >= 0x202a && cp <= 0x202e)
		return a[cp - 0x202a];
	if (cp >= 0x2066 && cp <= 0x2069)
		return b[cp - 0x2066];
	return "not a bidirectional control";
}

char *
px_bidi_visible(const char *s)
{
	size_t n = strlen(s), k = 0;
	char *out;

	if (px_bidi_control(s, NULL) == 0)
		return NULL;
	/* Each 3-byte control becomes the 8 bytes of "[U+XXXX]". */
	out = px_malloc(n / 3 * 8 + n + 1);
	for (size_t i = 0; i < n;) {
		uint32_t cp = 0;

		if (i + 2 < n)
			cp = bidi_at((const unsigned char *)s + i);
		if (cp) {
			k += (size_t)snprintf(out + k, 9, "[U+%04X]", cp);
			i += 3;
		} else {
			out[k++] = s[i++];
		}
	}
	out[k] = '\0';
	return out;
}
