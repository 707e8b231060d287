#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "crypto/sign.h"
#include "util/util.h"

static void
test_buf_cap(void **state)
{
	struct px_buf b;

	(void)state;
	px_buf_init(&b, 8);
	assert_int_equal(px_buf_adds(&b, "abcd"), 0);
	assert_int_equal(px_buf_printf(&b, "%d", 123), 0);
	assert_string_equal(b.data, "abcd123");
	assert_int_equal(px_buf_adds(&b, "xy"), PX_ETOOBIG);
	assert_string_equal(b.data, "abcd123"); /* unchanged on failure */
	assert_int_equal(px_buf_addc(&b, 'z'), 0);
	assert_int_equal(b.len, 8);
	px_buf_dispose(&b);
}

static void
test_time_roundtrip(void **state)
{
	char s[PX_TIME_STRLEN];
	int64_t t;

	(void)state;
	assert_int_equal(px_time_parse(&t, "2026-11-20T09:30:00Z", 0), 0);
	assert_int_equal(t, 1795167000000LL);
	px_time_format(s, t + 7);
	assert_string_equal(s, "2026-11-20T09:30:00.007Z");
	assert_int_equal(
	    px_time_parse(&t, "2026-11-20T17:30:00.5+08:00", 0), 0);
	assert_int_equal(t, 1795167000500LL);
	assert_int_equal(px_time_parse(&t, "1969-12-31T23:59:59.999Z", 0), 0);
	assert_int_equal(t, -1);
	px_time_format(s, -1);
	assert_string_equal(s, "1969-12-31T23:59:59.999Z");
	assert_int_equal(px_time_parse(&t, "2028-02-29", 1), 0);
	assert_int_equal(px_time_parse(&t, "2027-02-29", 1), PX_EINVAL);
	assert_int_equal(px_time_parse(&t, "2026-11-20", 0), PX_EINVAL);
	assert_int_equal(
	    px_time_parse(&t, "2026-11-20T25:00:00Z", 0), PX_EINVAL);
	assert_int_equal(
	    px_time_parse(&t, "2026-11-20T09:30:00", 0), PX_EINVAL);
	assert_int_equal(
	    px_time_parse(&t, "2026-11-20T09:30:00Zjunk", 0), PX_EINVAL);
}

static void
test_hex_b64(void **state)
{
	uint8_t in[5] = { 0, 1, 0xab, 0xff, 0x10 }, out[5];
	char hex[11];
	uint8_t big[8];
	size_t n;
	char *b64;

	(void)state;
	px_hex_encode(hex, in, 5);
	assert_string_equal(hex, "0001abff10");
	assert_int_equal(px_hex_decode(out, 5, "0001ABff10"), 0);
	assert_memory_equal(in, out, 5);
	assert_int_equal(px_hex_decode(out, 5, "0001abff1"), PX_EINVAL);
	assert_int_equal(px_hex_decode(out, 5, "0001abff1g"), PX_EINVAL);
	b64 = px_b64_encode(in, 5);
	assert_string_equal(b64, "AAGr/xA=");
	assert_int_equal(px_b64_decode(big, sizeof(big), &n, b64), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(big, in, 5);
	free(b64);
	/* Non-zero padding bits: same bytes, other text; refused. */
	assert_int_equal(
	    px_b64_decode(big, sizeof(big), &n, "AAGr/xB="), PX_EINVAL);
	assert_int_equal(
	    px_b64_decode(big, sizeof(big), &n, "AAGr/xA"), PX_EINVAL);
	assert_int_equal(px_b64_decode(big, 2, &n, "AAGr/xA="), PX_EINVAL);
}

/* Bidirectional controls: found, named, written out; nothing else
 * touched, and a truncated sequence at the end is not read past. */
static void
test_bidi(void **state)
{
	static const struct {
		const char *in, *shown;
		uint32_t first;
		size_t at;
	} v[] = {
		{ "plain", NULL, 0, 0 },
		{ "a\xe2\x80\xae"
		  "b",
		    "a[U+202E]b", 0x202e, 1 },
		{ "\xe2\x80\xaa\xe2\x80\xac", "[U+202A][U+202C]", 0x202a, 0 },
		{ "x\xe2\x81\xa6y\xe2\x81\xa9", "x[U+2066]y[U+2069]", 0x2066,
		    1 },
		/* U+2028 LINE SEPARATOR and U+200F RLM are not controls of
		 * this kind; a cut sequence at the end is left alone. */
		{ "\xe2\x80\xa8\xe2\x80\x8f", NULL, 0, 0 },
		{ "end\xe2\x80", NULL, 0, 0 },
		{ "\xe4\xb8\xad\xe2\x81\xa7\xe6\x96\x87",
		    "\xe4\xb8\xad[U+2067]\xe6\x96\x87", 0x2067, 3 },
	};

	(void)state;
	for (size_t i = 0; i < PX_ARRAY_LEN(v); i++) {
		size_t at = 99;
		char *shown = px_bidi_visible(v[i].in);

		assert_int_equal(px_bidi_control(v[i].in, &at), v[i].first);
		if (v[i].first)
			assert_int_equal(at, v[i].at);
		if (v[i].shown)
			assert_string_equal(shown, v[i].shown);
		else
			assert_null(shown);
		free(shown);
	}
	assert_string_equal(px_bidi_name(0x2069), "POP DIRECTIONAL ISOLATE");
}

static void
test_uuid7(void **state)
{
	char a[PX_UUID_STRLEN], b[PX_UUID_STRLEN];

	(void)state;
	px_uuid7(a, 1795167000000LL);
	px_uuid7(b, 1795167000001LL);
	assert_true(px_uuid_valid(a));
	assert_int_equal(a[14], '7');
	assert_true(strchr("89ab", a[19]) != NULL);
	assert_true(strcmp(a, b) < 0); /* time-ordered */
	assert_false(px_uuid_valid("019aa0c4-1a00-7abc-8def-0123456789AB"));
}

static void
test_sign_verify(void **state)
{
	struct px_key k;
	uint8_t seed[32] = { 0 }, sig[64];

	(void)state;
	assert_int_equal(px_crypto_init(), 0);
	px_key_from_seed(&k, seed);
	px_sign(sig, &k, "abc", 3);
	assert_int_equal(px_verify(k.pk, sig, "abc", 3), 0);
	sig[10] ^= 1;
	assert_int_equal(px_verify(k.pk, sig, "abc", 3), PX_EINVAL);
	px_key_dispose(&k);
}

static void
test_sha256_known_answer(void **state)
{
	uint8_t d[32];
	char hex[65];

	(void)state;
	px_sha256(d, "abc", 3);
	px_hex_encode(hex, d, 32);
	assert_string_equal(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a3"
	    "96177a9cb410ff61f20015ad");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_time_roundtrip),
		cmocka_unit_test(test_hex_b64),
		cmocka_unit_test(test_bidi),
		cmocka_unit_test(test_uuid7),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_sha256_known_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
