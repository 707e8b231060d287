/*
 * The review report's signature (report/sign.h): over the whole report,
 * reals included, as the file holds them; any changed member fails it.
 */
#include "helpers.h"
#include "model/canon.h"
#include "report/sign.h"

static json_t *
report(void)
{
	return json_pack("{s{sisssI} s{s{s{sfsI}}} s[{sIs{s{ss}}}] s[]}",
	    "report", "v", 1, "node", "cert-a.example", "agreement",
	    (json_int_t)1, "timeliness", "outbound", "acknowledge",
	    "share_within", 0.909, "measured", (json_int_t)11, "agreements",
	    "version", (json_int_t)1, "terms", "P3", "acknowledge", "2h",
	    "cases");
}

static void
test_sign_and_check(void **state)
{
	struct px_key k, other;
	json_t *r = report(), *back = NULL, *t;
	char *text;

	(void)state;
	test_key(&k, 7);
	test_key(&other, 8);
	assert_int_equal(px_report_sig_check(r, k.pk), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "not signed"));
	assert_int_equal(px_report_sign(r, &k), 0);
	assert_int_equal(px_report_sig_check(r, k.pk), 0);
	assert_int_equal(px_report_sig_check(r, other.pk), PX_EINVAL);
	/* Through the file as `parley report` writes it, and back. */
	text = json_dumps(
	    r, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
	assert_int_equal(
	    px_json_parse(&back, text, strlen(text), 1 << 20, "report"), 0);
	assert_int_equal(px_report_sig_check(back, k.pk), 0);
	/* One term of an embedded agreement. */
	t = json_object_get(
	    json_object_get(
	        json_array_get(json_object_get(back, "agreements"), 0),
	        "terms"),
	    "P3");
	json_object_set_new(t, "acknowledge", json_string("4h"));
	assert_int_equal(px_report_sig_check(back, k.pk), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "does not verify"));
	json_object_set_new(t, "acknowledge", json_string("2h"));
	assert_int_equal(px_report_sig_check(back, k.pk), 0);
	/* One share, in its last digit. */
	json_real_set(json_object_get(
	                  json_object_get(json_object_get(json_object_get(back,
	                                                      "timeliness"),
	                                      "outbound"),
	                      "acknowledge"),
	                  "share_within"),
	    0.908);
	assert_int_equal(px_report_sig_check(back, k.pk), PX_EINVAL);
	free(text);
	json_decref(back);
	json_decref(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_and_check),
	};

	if (px_crypto_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
