#include <string.h>

#include "crypto/totp.h"
#include "helpers.h"

/* RFC 6238 Appendix B: 8-digit TOTP values, T0 = 0, X = 30, with the
 * seeds "12345678901234567890" repeated to 20, 32 and 64 bytes. */
static const struct {
	int64_t t;
	const char *sha1, *sha256, *sha512;
} rfc6238[] = {
	{ 59, "94287082", "46119246", "90693936" },
	{ 1111111109, "07081804", "68084774", "25091201" },
	{ 1111111111, "14050471", "67062674", "99943326" },
	{ 1234567890, "89005924", "91819424", "93441116" },
	{ 2000000000, "69279037", "90698825", "38618901" },
	{ 20000000000, "65353130", "77737706", "47863826" },
};

static void
seed(uint8_t *k, size_t len)
{
	for (size_t i = 0; i < len; i++)
		k[i] = (uint8_t)('0' + (i + 1) % 10);
}

static void
test_rfc6238_vectors(void **state)
{
	uint8_t k[64];
	char got[16];
	uint32_t v;

	(void)state;
	seed(k, sizeof(k));
	for (size_t i = 0; i < sizeof(rfc6238) / sizeof(rfc6238[0]); i++) {
		assert_int_equal(
		    px_totp(&v, PX_TOTP_SHA1, k, 20, rfc6238[i].t, 8), 0);
		snprintf(got, sizeof(got), "%08u", v);
		assert_string_equal(got, rfc6238[i].sha1);
		assert_int_equal(
		    px_totp(&v, PX_TOTP_SHA256, k, 32, rfc6238[i].t, 8), 0);
		snprintf(got, sizeof(got), "%08u", v);
		assert_string_equal(got, rfc6238[i].sha256);
		assert_int_equal(
		    px_totp(&v, PX_TOTP_SHA512, k, 64, rfc6238[i].t, 8), 0);
		snprintf(got, sizeof(got), "%08u", v);
		assert_string_equal(got, rfc6238[i].sha512);
	}
}

/* RFC 4226 Appendix D: HOTP values for counts 0..9, secret
 * "12345678901234567890", six digits. */
static void
test_rfc4226_vectors(void **state)
{
	static const uint32_t want[] = { 755224, 287082, 359152, 969429, 338314,
		254676, 287922, 162583, 399871, 520489 };
	uint8_t k[20];
	uint32_t v;

	(void)state;
	seed(k, sizeof(k));
	for (uint64_t c = 0; c < 10; c++) {
		assert_int_equal(px_hotp(&v, PX_TOTP_SHA1, k, 20, c, 6), 0);
		assert_int_equal(v, want[c]);
	}
}

/* A six-digit code is taken one step either side, once. */
static void
test_check_window_and_replay(void **state)
{
	uint8_t k[20];
	char code[8];
	uint32_t v;
	int64_t last = -1, t = 1111111111;

	(void)state;
	seed(k, sizeof(k));
	assert_int_equal(px_totp(&v, PX_TOTP_SHA1, k, 20, t - 30, 6), 0);
	snprintf(code, sizeof(code), "%06u", v);
	assert_int_equal(px_totp_check(k, 20, code, t, &last), 0);
	assert_int_equal(last, t / 30 - 1);
	assert_int_equal(px_totp_check(k, 20, code, t, &last), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "used already"));
	assert_int_equal(px_totp(&v, PX_TOTP_SHA1, k, 20, t - 90, 6), 0);
	snprintf(code, sizeof(code), "%06u", v);
	last = -1;
	assert_int_equal(px_totp_check(k, 20, code, t, &last), PX_EINVAL);
	assert_int_equal(px_totp_check(k, 20, "12345", t, &last), PX_EINVAL);
	assert_int_equal(px_totp_check(k, 20, "12a456", t, &last), PX_EINVAL);
}

/* RFC 4648 section 10: base32 of "foobar" and its prefixes. */
static void
test_base32(void **state)
{
	static const char *const want[] = { "", "MY", "MZXQ", "MZXW6",
		"MZXW6YQ", "MZXW6YTB", "MZXW6YTBOI" };
	char out[32];
	uint8_t back[16];
	size_t len;

	(void)state;
	for (size_t n = 0; n <= 6; n++) {
		px_base32_encode(out, (const uint8_t *)"foobar", n);
		assert_string_equal(out, want[n]);
		assert_int_equal(
		    px_base32_decode(back, sizeof(back), &len, want[n]), 0);
		assert_int_equal(len, n);
		assert_memory_equal(back, "foobar", n);
	}
	assert_int_equal(
	    px_base32_decode(back, sizeof(back), &len, "mzxw 6ytb oi=="), 0);
	assert_int_equal(len, 6);
	assert_int_equal(
	    px_base32_decode(back, sizeof(back), &len, "MZXW1"), PX_EINVAL);
	assert_int_equal(px_base32_decode(back, 2, &len, "MZXW6"), PX_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_vectors),
		cmocka_unit_test(test_rfc4226_vectors),
		cmocka_unit_test(test_check_window_and_replay),
		cmocka_unit_test(test_base32),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
