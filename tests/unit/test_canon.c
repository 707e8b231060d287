#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "model/canon.h"
#include "util/util.h"

#define MAX (1024 * 1024)

/* Parses `text` and returns its canonical form (caller frees); fails the
 * test if either step fails. */
static char *
canon_of(const char *text)
{
	json_t *v = NULL;
	char *s;

	if (px_json_parse(&v, text, strlen(text), MAX, "test") != 0)
		fail_msg("parse failed: %s", px_error_last());
	s = px_canon_string(v);
	if (s == NULL)
		fail_msg("canon failed: %s", px_error_last());
	json_decref(v);
	return s;
}

static void
assert_canon(const char *text, const char *want)
{
	char *got = canon_of(text);

	assert_string_equal(got, want);
	free(got);
}

/* Expects parsing to fail with `code` and a message containing `part`. */
static void
assert_parse_fails(const char *text, size_t len, int code, const char *part)
{
	json_t *v = (json_t *)1;

	assert_int_equal(px_json_parse(&v, text, len, MAX, "in.json"), code);
	assert_null(v);
	if (strstr(px_error_last(), part) == NULL)
		fail_msg("message '%s' lacks '%s'", px_error_last(), part);
}

static void
assert_exact_fails(const char *text, const char *part)
{
	json_t *v = (json_t *)1;

	assert_int_equal(
	    px_canon_parse_exact(&v, text, strlen(text), MAX, "msg.json"),
	    PX_EINVAL);
	assert_null(v);
	if (strstr(px_error_last(), part) == NULL)
		fail_msg("message '%s' lacks '%s'", px_error_last(), part);
}

/* RFC 8785 section 3.2.3: members sorted by UTF-16 code units. */
static void
test_rfc8785_sorting(void **state)
{
	const char *in = "{\n"
	                 "  \"\\u20ac\": \"Euro Sign\",\n"
	                 "  \"\\r\": \"Carriage Return\",\n"
	                 "  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n"
	                 "  \"1\": \"One\",\n"
	                 "  \"\\ud83d\\ude00\": \"Emoji: Grinning Face\",\n"
	                 "  \"\\u0080\": \"Control\",\n"
	                 "  \"\\u00f6\": \"Latin Small Letter O With "
	                 "Diaeresis\"\n"
	                 "}";
	/* U+1F600 (surrogates D83D DE00) sorts before U+FB33, although its
	 * UTF-8 bytes (F0 ...) sort after (EF ...). */
	const char *want = "{\"\\r\":\"Carriage Return\","
	                   "\"1\":\"One\","
	                   "\"\xc2\x80\":\"Control\","
	                   "\"\xc3\xb6\":\"Latin Small Letter O With "
	                   "Diaeresis\","
	                   "\"\xe2\x82\xac\":\"Euro Sign\","
	                   "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
	                   "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With "
	                   "Dagesh\"}";

	(void)state;
	assert_canon(in, want);
}

/* RFC 8785 section 3.2.2, without the numbers parley does not allow. */
static void
test_rfc8785_strings_literals(void **state)
{
	const char *in = "{\n"
	                 "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042"
	                 "\\u0022\\u005c\\\\\\\"\\/\",\n"
	                 "  \"literals\": [null, true, false]\n"
	                 "}";
	const char *want = "{\"literals\":[null,true,false],"
	                   "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\"
	                   "\\\\\\\"/\"}";
	const char *numbers = "{\"numbers\": [333333333.33333329, 1E30, "
	                      "4.50, 2e-3, 0.000000000000000000000000001]}";
	json_t *v = NULL;

	(void)state;
	assert_canon(in, want);
	/* The RFC's number example is exactly what parley refuses. */
	assert_int_equal(
	    px_json_parse(&v, numbers, strlen(numbers), MAX, "n"), 0);
	assert_null(px_canon_string(v));
	assert_non_null(strstr(px_error_last(),
	    "floating-point numbers are not allowed in signed data"));
	assert_non_null(strstr(px_error_last(), "(at /numbers/0)"));
	json_decref(v);
}

static void
test_escape_controls(void **state)
{
	static const char *want[32] = {
		"\\u0000",
		"\\u0001",
		"\\u0002",
		"\\u0003",
		"\\u0004",
		"\\u0005",
		"\\u0006",
		"\\u0007",
		"\\b",
		"\\t",
		"\\n",
		"\\u000b",
		"\\f",
		"\\r",
		"\\u000e",
		"\\u000f",
		"\\u0010",
		"\\u0011",
		"\\u0012",
		"\\u0013",
		"\\u0014",
		"\\u0015",
		"\\u0016",
		"\\u0017",
		"\\u0018",
		"\\u0019",
		"\\u001a",
		"\\u001b",
		"\\u001c",
		"\\u001d",
		"\\u001e",
		"\\u001f",
	};
	char raw[3], expect[16];
	json_t *v;
	char *got;
	int c;

	(void)state;
	for (c = 0; c < 32; c++) {
		raw[0] = 'a';
		raw[1] = (char)c;
		raw[2] = 'z';
		v = json_stringn(raw, 3);
		got = px_canon_string(v);
		snprintf(expect, sizeof(expect), "\"a%sz\"", want[c]);
		assert_string_equal(got, expect);
		free(got);
		json_decref(v);
	}
	/* DEL, U+2028, U+2029 and '/' are literal; quote and backslash are
	 * the only other escapes. */
	assert_canon("\"\\u007f\\u2028\\u2029/\\\"\\\\\"",
	    "\"\x7f\xe2\x80\xa8\xe2\x80\xa9/\\\"\\\\\"");
	/* Escapes in the input are undone when they need not be there. */
	assert_canon("\"\\u0041\\u00e9\\ud83d\\ude00\"",
	    "\"A\xc3\xa9\xf0\x9f\x98\x80\"");
	assert_canon("\"\\u001F\\b\"", "\"\\u001f\\b\"");
}

static void
test_nested(void **state)
{
	(void)state;
	assert_canon("{ \"b\" : [ { \"z\" : 1, \"a\" : [ ] }, { } ],\n"
	             "  \"a\" : { \"c\" : { \"b\" : null, \"a\" : \"x\" } },"
	             "  \"\" : \"\" }",
	    "{\"\":\"\",\"a\":{\"c\":{\"a\":\"x\",\"b\":null}},"
	    "\"b\":[{\"a\":[],\"z\":1},{}]}");
	assert_canon(
	    "[[[]],[{}],\"\",0,-1,true]", "[[[]],[{}],\"\",0,-1,true]");
	/* Key order is by code unit, so shorter prefixes come first and
	 * 'B' (0x42) before 'a' (0x61). */
	assert_canon("{\"ab\":1,\"a\":2,\"B\":3,\"\\ud83d\\ude01\":4,"
	             "\"\\ud83d\\ude00\":5}",
	    "{\"B\":3,\"a\":2,\"ab\":1,\"\xf0\x9f\x98\x80\":5,"
	    "\"\xf0\x9f\x98\x81\":4}");
	/* Scalars at the top level. */
	assert_canon(" 42 ", "42");
	assert_canon("\"x\"", "\"x\"");
	assert_canon("null", "null");
}

static void
test_integers(void **state)
{
	json_t *v;
	char *s;

	(void)state;
	assert_canon("[9007199254740991,-9007199254740991,0,-0,10]",
	    "[9007199254740991,-9007199254740991,0,0,10]");
	v = json_integer(9007199254740992LL);
	assert_null(px_canon_string(v));
	assert_non_null(strstr(px_error_last(), "9007199254740992"));
	json_decref(v);
	v = json_integer(-9007199254740992LL);
	assert_null(px_canon_string(v));
	json_decref(v);
	v = json_pack("{s:[i,I]}", "n", 1, (json_int_t)INT64_MAX);
	assert_null(px_canon_string(v));
	assert_non_null(strstr(px_error_last(), "(at /n/1)"));
	json_decref(v);
	v = json_integer(PX_JSON_MAX_INT);
	s = px_canon_string(v);
	assert_string_equal(s, "9007199254740991");
	free(s);
	json_decref(v);
}

static void
test_reals_refused(void **state)
{
	static const char *reals[] = { "1.0", "1e2", "0.5", "[1,{\"a\":-2E-3}]",
		"1E400" };
	struct px_buf b;
	json_t *v = NULL;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < PX_ARRAY_LEN(reals); i++) {
		rc = px_json_parse(&v, reals[i], strlen(reals[i]), MAX, "r");
		if (rc != 0) {
			/* 1E400 overflows a double: jansson refuses it. */
			assert_int_equal(rc, PX_EINVAL);
			continue;
		}
		px_buf_init(&b, PX_BUF_NOCAP);
		assert_int_equal(px_canon_append(&b, v), PX_EINVAL);
		assert_non_null(strstr(
		    px_error_last(), "floating-point numbers are not allowed"));
		px_buf_dispose(&b);
		json_decref(v);
		v = NULL;
	}
	assert_exact_fails("{\"a\":1.0}", "floating-point");
}

static void
test_strict_parse(void **state)
{
	json_t *v = NULL;

	(void)state;
	assert_parse_fails("{\"a\":1,\"seq\":2,\"seq\":3}", 23, PX_EINVAL,
	    "in.json: duplicate key 'seq' at line 1, column ");
	assert_parse_fails("{\"a\":1,\n \"a\":2}", 15, PX_EINVAL,
	    "duplicate key 'a' at line 2");
	assert_parse_fails("{\"a\":1} x", 9, PX_EINVAL,
	    "in.json: unexpected data after the JSON value at line 1");
	assert_parse_fails("[1][2]", 6, PX_EINVAL, "unexpected data");
	assert_parse_fails(
	    "\"a\\u0000b\"", 10, PX_EINVAL, "\\u0000 is not allowed");
	assert_parse_fails("\"\\ud800\"", 8, PX_EINVAL, "invalid Unicode");
	assert_parse_fails("\"\\ude00x\"", 9, PX_EINVAL, "invalid Unicode");
	assert_parse_fails("\"\\ud83dx\"", 9, PX_EINVAL, "invalid Unicode");
	assert_parse_fails("\"\xff\"", 3, PX_EINVAL, "invalid UTF-8");
	assert_parse_fails("\"\xc0\xaf\"", 4, PX_EINVAL, "invalid UTF-8");
	assert_parse_fails("\"\xed\xa0\x80\"", 5, PX_EINVAL, "invalid UTF-8");
	assert_parse_fails("{\"a\":1,}", 8, PX_EINVAL, "in.json:");
	assert_parse_fails("", 0, PX_EINVAL, "in.json:");
	assert_parse_fails("[1]\0", 4, PX_EINVAL, "in.json:");
	assert_parse_fails(
	    "99999999999999999999", 20, PX_EINVAL, "out of range");
	/* Whitespace around the value is fine for the plain parser. */
	assert_int_equal(px_json_parse(&v, " [1] \n", 6, MAX, "w"), 0);
	assert_true(json_is_array(v));
	json_decref(v);
	/* The key is quoted as it is, non-ASCII included (jansson
	 * compares keys after unescaping). */
	assert_parse_fails("{\"\xc3\xa9\":1,\"\\u00e9\":2}", 18, PX_EINVAL,
	    "duplicate key '\\u00e9'");
	assert_parse_fails("{\"\xc3\xa9\":1,\"\xc3\xa9\":2}", 15, PX_EINVAL,
	    "duplicate key '\xc3\xa9'");
	/* Size cap. */
	assert_int_equal(
	    px_json_parse(&v, "[1,2,3]", 7, 6, "big.json"), PX_ETOOBIG);
	assert_null(v);
	assert_non_null(strstr(px_error_last(), "big.json"));
	assert_int_equal(px_json_parse(&v, "[1,2,3]", 7, 7, "big.json"), 0);
	json_decref(v);
}

static void
test_depth_limit(void **state)
{
	char text[2 * (PX_JSON_MAX_DEPTH + 1) + 8];
	json_t *v = NULL, *inner, *outer;
	size_t n = 0;
	int i;
	char *s;

	(void)state;
	/* Exactly the limit: accepted. */
	for (i = 0; i < PX_JSON_MAX_DEPTH; i++)
		text[n++] = '[';
	for (i = 0; i < PX_JSON_MAX_DEPTH; i++)
		text[n++] = ']';
	assert_int_equal(px_json_parse(&v, text, n, MAX, "d"), 0);
	s = px_canon_string(v);
	assert_non_null(s);
	assert_memory_equal(s, text, n);
	free(s);
	/* One more level, built by hand: the canonicaliser refuses it too,
	 * since nothing could parse it back. */
	outer = json_array();
	json_array_append(outer, v);
	assert_null(px_canon_string(outer));
	assert_non_null(strstr(px_error_last(), "nesting deeper than 64"));
	json_decref(outer);
	json_decref(v);
	/* One more level of text, objects and arrays mixed. */
	n = 0;
	text[n++] = '{';
	memcpy(text + n, "\"k\":", 4);
	n += 4;
	for (i = 0; i < PX_JSON_MAX_DEPTH; i++)
		text[n++] = '[';
	assert_parse_fails(text, n, PX_EINVAL,
	    "in.json: nesting deeper than 64 levels at line 1, column 69");
	/* Brackets inside strings do not count. */
	inner = json_string("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	                    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");
	s = px_canon_string(inner);
	assert_int_equal(px_json_parse(&v, s, strlen(s), MAX, "d"), 0);
	json_decref(v);
	free(s);
	json_decref(inner);
}

static void
test_canon_input_checks(void **state)
{
	json_t *v;
	char *s;

	(void)state;
	/* Values built in code may hold what the parser never yields. */
	v = json_object();
	json_object_setn_nocheck(v, "a\xff", 2, json_true());
	assert_null(px_canon_string(v));
	assert_non_null(strstr(px_error_last(), "not valid UTF-8"));
	json_decref(v);
	v = json_string_nocheck("\xed\xa0\x80");
	assert_null(px_canon_string(v));
	json_decref(v);
	v = json_pack("{s:s%}", "k", "a\0b", (size_t)3);
	s = px_canon_string(v);
	assert_string_equal(s, "{\"k\":\"a\\u0000b\"}");
	free(s);
	json_decref(v);
}

static void
test_buffer_cap(void **state)
{
	struct px_buf b;
	json_t *v = json_pack("[s,s]", "0123456789", "0123456789");

	(void)state;
	px_buf_init(&b, 16);
	assert_int_equal(px_canon_append(&b, v), PX_ETOOBIG);
	px_buf_dispose(&b);
	px_buf_init(&b, 27);
	assert_int_equal(px_canon_append(&b, v), 0);
	assert_string_equal(b.data, "[\"0123456789\",\"0123456789\"]");
	/* Appends, not replaces. */
	assert_int_equal(px_canon_append(&b, json_null()), PX_ETOOBIG);
	px_buf_dispose(&b);
	json_decref(v);
}

static void
test_parse_exact(void **state)
{
	const char *ok = "{\"a\":[1,\"\xc3\xa9\"],\"b\":{\"c\":null}}";
	char with_nl[64];
	json_t *v = NULL;

	(void)state;
	assert_int_equal(px_canon_parse_exact(&v, ok, strlen(ok), MAX, "m"), 0);
	assert_true(json_is_object(v));
	assert_int_equal(
	    json_integer_value(json_array_get(json_object_get(v, "a"), 0)), 1);
	json_decref(v);
	assert_int_equal(
	    px_canon_parse_exact(NULL, ok, strlen(ok), MAX, "m"), 0);
	snprintf(with_nl, sizeof(with_nl), "%s\n", ok);
	assert_int_equal(
	    px_canon_parse_exact(NULL, with_nl, strlen(with_nl), MAX, "m"), 0);
	snprintf(with_nl, sizeof(with_nl), "%s\n\n", ok);
	assert_int_equal(
	    px_canon_parse_exact(NULL, with_nl, strlen(with_nl), MAX, "m"),
	    PX_EINVAL);
	assert_string_equal(px_error_last(),
	    "m is not in canonical form "
	    "(first difference at byte 30)");
	snprintf(with_nl, sizeof(with_nl), "%s\r\n", ok);
	assert_int_equal(
	    px_canon_parse_exact(NULL, with_nl, strlen(with_nl), MAX, "m"),
	    PX_EINVAL);

	assert_exact_fails("{\"a\":1, \"b\":2}",
	    "msg.json is not in canonical form (first difference at byte 7)");
	assert_exact_fails(" {\"a\":1}", "at byte 0)");
	assert_exact_fails("{\"b\":1,\"a\":2}", "at byte 2)");
	assert_exact_fails("[\"\\u0041\"]", "at byte 2)");
	assert_exact_fails("[\"\\u001F\"]", "at byte 7)");
	assert_exact_fails("[\"\\/\"]", "at byte 2)");
	assert_exact_fails("[\"\\u00e9\"]", "at byte 2)");
	assert_exact_fails("[-0]", "at byte 1)");
	assert_exact_fails("[1]\n ", "at byte 4)");
	assert_exact_fails("[1] ", "at byte 3)");
	assert_exact_fails("{\"a\":1,\"a\":1}", "duplicate key 'a'");
	/* The escaped control character is canonical as \u001f. */
	assert_int_equal(
	    px_canon_parse_exact(NULL, "[\"\\u001f\\n\"]", 12, MAX, "m"), 0);
	/* The size cap applies before anything else. */
	assert_int_equal(
	    px_canon_parse_exact(NULL, ok, strlen(ok), 5, "m"), PX_ETOOBIG);
}

/* RFC 8785's number form, for the one signed kind that has reals (the
 * review report): what ECMAScript's JSON.stringify writes. */
static void
test_jcs_reals(void **state)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{ 0.909, "0.909" },
		{ 1.0, "1" },
		{ 4.17, "4.17" },
		{ -0.0, "0" },
		{ -2.5, "-2.5" },
		{ 1e21, "1e+21" },
		{ 1e20, "100000000000000000000" },
		{ 1e23, "1e+23" },
		{ 1e-7, "1e-7" },
		{ 0.000001, "0.000001" },
		{ 123456789.5, "123456789.5" },
		{ 0.1 + 0.2, "0.30000000000000004" },
		{ 333333333.33333329, "333333333.3333333" },
		{ 5e-324, "5e-324" },
		{ 1.7976931348623157e308, "1.7976931348623157e+308" },
		{ 9007199254740992.0, "9007199254740992" },
		{ 2.5e-6, "0.0000025" },
		{ 1.5e-7, "1.5e-7" },
	};
	struct px_buf b;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = json_pack("[fi]", cases[i].v, 7);
		char want[64];

		px_buf_init(&b, PX_BUF_NOCAP);
		assert_int_equal(px_canon_append_jcs(&b, v), 0);
		snprintf(want, sizeof(want), "[%s,7]", cases[i].want);
		assert_string_equal(b.data, want);
		/* The strict form still refuses them. */
		px_buf_dispose(&b);
		px_buf_init(&b, PX_BUF_NOCAP);
		assert_int_equal(px_canon_append(&b, v), PX_EINVAL);
		px_buf_dispose(&b);
		json_decref(v);
	}
}

/* A parse may allocate 8 times its text plus 2 MiB (canon.c): the
 * shapes jansson spends most on are refused as a flood, while a large
 * document of ordinary shape still parses. */
static void
test_parse_budget(void **state)
{
	size_t n = 1u << 20, k = 0;
	char *flood = px_malloc(n * 3 + 3);
	struct px_buf ok;
	json_t *v = NULL;

	(void)state;
	/* [{},{},...]: about 77 times its size in jansson. */
	flood[k++] = '[';
	while (k < n * 3 - 3) {
		memcpy(flood + k, "{},", 3);
		k += 3;
	}
	memcpy(flood + k, "{}]", 3);
	k += 3;
	assert_int_equal(
	    px_json_parse(&v, flood, k, k + 1, "flood"), PX_ETOOBIG);
	assert_non_null(strstr(px_error_last(), "refused as a flood"));
	assert_null(v);
	/* A 3 MiB array of message-like objects: fine. */
	px_buf_init(&ok, PX_BUF_NOCAP);
	assert_int_equal(px_buf_adds(&ok, "["), 0);
	for (int i = 0; i < 12000; i++)
		px_buf_putf(&ok,
		    "%s{\"hash\":\"%064d\",\"seq\":%d,\"text\":{\"lang\":"
		    "\"en\",\"value\":\"%0200d\"}}",
		    i ? "," : "", i, i, i);
	assert_int_equal(px_buf_adds(&ok, "]"), 0);
	assert_int_equal(
	    px_json_parse(&v, ok.data, ok.len, ok.len + 1, "ok"), 0);
	assert_int_equal(json_array_size(v), 12000);
	json_decref(v);
	/* The budget ends with the parse: building values afterwards is
	 * not limited. */
	v = json_array();
	for (int i = 0; i < 200000; i++)
		assert_int_equal(json_array_append_new(v, json_object()), 0);
	json_decref(v);
	px_buf_dispose(&ok);
	free(flood);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8785_sorting),
		cmocka_unit_test(test_rfc8785_strings_literals),
		cmocka_unit_test(test_escape_controls),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_reals_refused),
		cmocka_unit_test(test_strict_parse),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_canon_input_checks),
		cmocka_unit_test(test_buffer_cap),
		cmocka_unit_test(test_parse_exact),
		cmocka_unit_test(test_jcs_reals),
		cmocka_unit_test(test_parse_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
