#include "helpers.h"
#include "model/canon.h"
#include "model/signed.h"
#include "model/types.h"
#include "util/enc.h"

static void
test_roundtrip_and_verify(void **state)
{
	struct chan a;
	struct px_msg *m, *m2 = NULL;
	char *text;
	json_t *j = NULL;

	(void)state;
	chan_init(&a, "cert-a.example", "cert-b.example", 1);
	m = chan_send(&a, NULL, PX_MSG_REQUEST, T0, open_body("request", "P2"));
	assert_string_equal(m->case_id, m->id); /* opening: case = own id */
	assert_int_equal(m->seq, 1);
	assert_string_equal(m->prev, PX_ZERO_HASH);
	assert_int_equal(px_msg_verify(m, a.key.pk), 0);
	/* Survives a trip through canonical text. */
	text = px_canon_string(m->env);
	assert_int_equal(
	    px_json_parse(&j, text, strlen(text), 1 << 20, "t"), 0);
	assert_int_equal(px_msg_parse(&m2, j, "t"), 0);
	assert_string_equal(m2->hash, m->hash);
	assert_int_equal(px_msg_verify(m2, a.key.pk), 0);
	/* Another key does not verify it. */
	{
		struct px_key other;

		test_key(&other, 2);
		assert_int_equal(px_msg_verify(m2, other.pk), PX_EINVAL);
	}
	free(text);
	json_decref(j);
	px_msg_free(m);
	px_msg_free(m2);
}

/* Any change to a signed member breaks the signature. */
static void
test_tamper(void **state)
{
	struct chan a;
	struct px_msg *m, *m2 = NULL;
	json_t *env;

	(void)state;
	chan_init(&a, "cert-a.example", "cert-b.example", 1);
	m = chan_send(&a, NULL, PX_MSG_REQUEST, T0, open_body("request", "P2"));
	env = json_deep_copy(m->env);
	json_object_set_new(
	    json_object_get(json_object_get(env, "msg"), "body"), "text",
	    json_pack("{ssss}", "lang", "en", "value", "Ignore it"));
	assert_int_equal(px_msg_parse(&m2, env, "tampered"), 0);
	assert_int_equal(px_msg_verify(m2, a.key.pk), PX_EINVAL);
	assert_string_not_equal(m2->hash, m->hash);
	assert_non_null(strstr(px_error_last(), "does not verify"));
	px_msg_free(m2);
	json_decref(env);
	px_msg_free(m);
}

static int
parse_mutated(const char *member, json_t *value)
{
	struct chan a;
	struct px_msg *m, *m2 = NULL;
	json_t *env;
	int rc;

	chan_init(&a, "cert-a.example", "cert-b.example", 1);
	m = chan_send(&a, NULL, PX_MSG_REQUEST, T0, open_body("request", "P2"));
	env = json_deep_copy(m->env);
	if (value)
		json_object_set_new(json_object_get(env, "msg"), member, value);
	else
		json_object_del(json_object_get(env, "msg"), member);
	rc = px_msg_parse(&m2, env, "mutated");
	px_msg_free(m2);
	json_decref(env);
	px_msg_free(m);
	return rc;
}

static void
test_validation(void **state)
{
	(void)state;
	assert_int_equal(parse_mutated("seq", json_integer(0)), PX_EINVAL);
	assert_int_equal(parse_mutated("seq", json_string("1")), PX_EINVAL);
	assert_int_equal(parse_mutated("type", json_string("hack")), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "expected one of"));
	assert_int_equal(
	    parse_mutated("time", json_string("2026-11-20T09:30:00Z")),
	    PX_EINVAL); /* not the one canonical spelling */
	assert_int_equal(parse_mutated("to", json_string("cert-a.example")),
	    PX_EINVAL); /* to self */
	assert_int_equal(parse_mutated("to", json_string("Cert B")), PX_EINVAL);
	assert_int_equal(
	    parse_mutated("id", json_string("not-a-uuid")), PX_EINVAL);
	assert_int_equal(parse_mutated("prev", json_string("ab")), PX_EINVAL);
	assert_int_equal(parse_mutated("extra", json_true()), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "unexpected member 'extra'"));
	assert_int_equal(parse_mutated("body", NULL), PX_EINVAL);
	assert_int_equal(parse_mutated("v", json_integer(2)), PX_EINVAL);
}

static void
test_bodies(void **state)
{
	struct chan b;
	struct px_msg *m = NULL;
	struct px_msg_fields f = { .case_id =
		                       "019aa0c4-1a00-7abc-8def-0123456789ab",
		.from = "cert-b.example",
		.to = "cert-a.example",
		.seq = 1,
		.prev = PX_ZERO_HASH,
		.time_ms = T0 };
	json_t *body;

	(void)state;
	chan_init(&b, "cert-b.example", "cert-a.example", 2);
	f.type = PX_MSG_TRIAGE;
	body = json_pack("{ss}", "decision", "maybe");
	assert_int_equal(px_msg_new(&m, &f, body, &b.key), PX_EINVAL);
	json_decref(body);
	body = json_pack(
	    "{ssss}", "decision", "declined", "reason", "not-permitted-by-law");
	assert_int_equal(px_msg_new(&m, &f, body, &b.key), 0);
	px_msg_free(m);
	json_decref(body);
	/* Forwarding's link (docs/interop.md): only with forwarded, a
	 * case UUID and a node, nothing else. */
	body = json_pack("{ss s{ss ss}}", "decision", "declined",
	    "forwarded_to", "node", "cert-c.example", "case",
	    "019aa0c4-1a00-7abc-8def-0123456789ab");
	assert_int_equal(px_msg_new(&m, &f, body, &b.key), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "goes with the decision"));
	json_object_set_new(body, "decision", json_string("forwarded"));
	assert_int_equal(px_msg_new(&m, &f, body, &b.key), 0);
	px_msg_free(m);
	json_object_set_new(json_object_get(body, "forwarded_to"), "case",
	    json_string("not-a-uuid"));
	assert_int_equal(px_msg_new(&m, &f, body, &b.key), PX_EINVAL);
	json_object_set_new(
	    json_object_get(body, "forwarded_to"), "extra", json_string("x"));
	assert_int_equal(px_msg_new(&m, &f, body, &b.key), PX_EINVAL);
	json_decref(body);
	f.type = PX_MSG_FEEDBACK;
	body = json_pack("{si}", "score", 6);
	assert_int_equal(px_msg_new(&m, &f, body, &b.key), PX_EINVAL);
	json_decref(body);
	f.type = PX_MSG_UPDATE; /* needs text */
	body = json_object();
	assert_int_equal(px_msg_new(&m, &f, body, &b.key), PX_EINVAL);
	json_decref(body);
	body = json_pack("{s{ssss}}", "text", "lang", "x", "value", "hi");
	assert_int_equal(px_msg_new(&m, &f, body, &b.key), PX_EINVAL);
	json_decref(body);
	body = json_pack("{s{sssss{ssssss}}}", "text", "lang", "zh", "value",
	    "你好", "translation", "lang", "en", "value", "hello", "by",
	    "robot");
	assert_int_equal(px_msg_new(&m, &f, body, &b.key), PX_EINVAL);
	json_decref(body);
	f.type = PX_MSG_REQUEST; /* a bad observable in the header */
	f.case_id = NULL;
	body = json_pack("{s{sssssssssss[{ssss}]}s{ssss}}", "case", "kind",
	    "request", "category", "botnet", "priority", "P2", "tlp", "amber",
	    "title", "x", "observables", "type", "ipv4-addr", "value",
	    "999.1.1.1", "text", "lang", "en", "value", "x");
	assert_int_equal(px_msg_new(&m, &f, body, &b.key), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "999.1.1.1"));
	json_decref(body);
	/* Control characters (a terminal escape) are refused in text and
	 * titles; newlines and tabs are fine in text. */
	f.type = PX_MSG_NOTE;
	f.case_id = "019aa0c4-1a00-7abc-8def-0123456789ab";
	body = json_pack(
	    "{s{ssss}}", "text", "lang", "en", "value", "line one\n\tline two");
	assert_int_equal(px_msg_new(&m, &f, body, &b.key), 0);
	px_msg_free(m);
	json_decref(body);
	body = json_pack("{s{ssss}}", "text", "lang", "en", "value",
	    "look \x1b]0;pwned\x07\x1b[2J");
	assert_int_equal(px_msg_new(&m, &f, body, &b.key), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "control character"));
	json_decref(body);
	f.type = PX_MSG_REQUEST;
	f.case_id = NULL;
	body = json_pack("{s{ssssssssss}s{ssss}}", "case", "kind", "request",
	    "category", "botnet", "priority", "P2", "tlp", "amber", "title",
	    "tab\there\x7f", "text", "lang", "en", "value", "x");
	assert_int_equal(px_msg_new(&m, &f, body, &b.key), PX_EINVAL);
	json_decref(body);
	/* A report must not open a request-kind case. */
	f.type = PX_MSG_REPORT;
	body = open_body("request", "P2");
	assert_int_equal(px_msg_new(&m, &f, body, &b.key), PX_EINVAL);
	json_decref(body);
}

/* Known answer: fixed key, fixed fields -> fixed hash and signature, so a
 * reimplementation can check its encoding (docs/protocol.md). */
static void
test_known_answer(void **state)
{
	struct px_key k;
	struct px_buf b;
	json_t *o;
	uint8_t sig[64], h[32];
	char hex[129];

	(void)state;
	test_key(&k, 7);
	o = json_pack("{sisssssssssssIsssss{s{ssss}}}", "v", 1, "id",
	    "019aa0c4-1a00-7abc-8def-0123456789ab", "case",
	    "019aa0c4-1a00-7abc-8def-0123456789ab", "type", "request", "from",
	    "cert-a.example", "to", "cert-b.example", "seq", (json_int_t)1,
	    "prev", PX_ZERO_HASH, "time", "2026-11-20T09:30:00.000Z", "body",
	    "text", "lang", "en", "value", "x");
	px_buf_init(&b, PX_BUF_NOCAP);
	assert_int_equal(px_signed_bytes(&b, "msg", o), 0);
	assert_string_equal(b.data,
	    "parley-msg-v1\n"
	    "{\"body\":{\"text\":{\"lang\":\"en\",\"value\":\"x\"}},"
	    "\"case\":\"019aa0c4-1a00-7abc-8def-0123456789ab\","
	    "\"from\":\"cert-a.example\","
	    "\"id\":\"019aa0c4-1a00-7abc-8def-0123456789ab\","
	    "\"prev\":\"" PX_ZERO_HASH "\",\"seq\":1,"
	    "\"time\":\"2026-11-20T09:30:00.000Z\",\"to\":\"cert-b.example\","
	    "\"type\":\"request\",\"v\":1}");
	/* Both values were cross-checked with an independent Ed25519 and
	 * SHA-256 (Python's cryptography and hashlib). */
	px_sha256(h, b.data, b.len);
	px_hex_encode(hex, h, 32);
	assert_string_equal(hex,
	    "1a74effa2a0f3eba80de82391e2d2981"
	    "031238c325103ef32cef9db701f64de4");
	px_hex_encode(hex, k.pk, 32);
	assert_string_equal(hex,
	    "ea4a6c63e29c520abef5507b132ec5f9"
	    "954776aebebe7b92421eea691446d22c");
	px_sign(sig, &k, b.data, b.len);
	px_hex_encode(hex, sig, 64);
	assert_string_equal(hex,
	    "8dc8735359d30fb582d7169d089514e01e10fd0adcf05564d91998040c302a00"
	    "47c2cbe901068443eca5dcc99ddf55deda0c802be7ede54e2b30d987c3c6c70d");
	assert_int_equal(px_verify(k.pk, sig, b.data, b.len), 0);
	json_decref(o);
	px_buf_dispose(&b);
}

/* The help texts' list of categories is the table's. */
static void
test_category_list(void **state)
{
	char all[256] = "";
	size_t k = 0;

	(void)state;
	for (int i = 0; i < PX_CAT__N; i++)
		k += (size_t)snprintf(all + k, sizeof(all) - k, "%s%s",
		    i ? ", " : "", px_category_names[i].wire);
	assert_string_equal(all, PX_CATEGORY_LIST);
}

/* A text given without its language: mostly Chinese characters is zh
 * (the unified block, extension A and a supplementary-plane ideograph);
 * Latin letters, kana-free punctuation or a tie are no guess. */
static void
test_lang_guess(void **state)
{
	(void)state;
	assert_string_equal(px_text_lang_guess("内部：先别告诉对方"), "zh");
	assert_string_equal(px_text_lang_guess("C2 在 僵尸网络 中"), "zh");
	assert_string_equal(
	    px_text_lang_guess("\xe3\x90\x80\xf0\xa0\x80\x80"), "zh");
	assert_null(px_text_lang_guess("Hold until Monday"));
	assert_null(px_text_lang_guess("Please look: 见附件"));
	assert_null(px_text_lang_guess("ab 僵尸"));
	assert_null(px_text_lang_guess("12:00 !!"));
	assert_null(px_text_lang_guess(""));
	assert_null(px_text_lang_guess("\xff\xfe"));
}

/* Limits people read are counted in characters: 300 Chinese characters
 * (900 bytes) make a title, 301 do not; a text likewise. */
static void
test_limits_in_characters(void **state)
{
	json_t *b, *c;
	char *t300 = px_calloc(1, 302 * 3), *t301;

	(void)state;
	for (int i = 0; i < 300; i++)
		memcpy(t300 + 3 * i, "\xe9\x92\x93", 3);
	t301 = px_asprintf("%sx", t300);
	assert_int_equal(px_utf8_chars(t300), 300);
	assert_int_equal(px_utf8_chars("a\xc3\xbc\xff"), 3);
	c = json_pack("{ss}", "title", t300);
	b = json_pack("{sO}", "case", c);
	{
		const char *out;

		assert_int_equal(px_j_chars(&out, c, "title", 300, "case"), 0);
		json_object_set_new(c, "title", json_string(t301));
		assert_int_equal(
		    px_j_chars(&out, c, "title", 300, "case"), PX_EINVAL);
		assert_non_null(strstr(px_error_last(),
		    "'title' is longer than 300 characters (301)"));
	}
	json_decref(b);
	json_decref(c);
	free(t300);
	free(t301);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_and_verify),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_category_list),
		cmocka_unit_test(test_limits_in_characters),
		cmocka_unit_test(test_lang_guess),
	};

	if (px_crypto_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
