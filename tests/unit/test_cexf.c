/*
 * CEXF (formats/cexf.h) and the shipped scenarios: the MISP sample
 * imports with what maps of it, each shipped scenario exports to CEXF and
 * imports back to the same scenario, an export read by a tool that knows
 * only CEXF keeps the flow, and the shipped scenarios are valid and give
 * every text in English and Chinese.
 */
#include "helpers.h"
#include "formats/cexf.h"
#include "model/scenario.h"
#include "node/shipped.h"
#include "util/fs.h"

static json_t *
read_json(const char *path)
{
	struct px_buf b;
	json_t *doc = NULL;

	px_buf_init(&b, 1 << 24);
	if (px_file_read(&b, path, 1 << 24) < 0 ||
	    px_json_parse(&doc, b.data, b.len, 1 << 24, path) < 0)
		fail_msg("%s: %s", path, px_error_last());
	px_buf_dispose(&b);
	return doc;
}

static json_t *
shipped(const char *name)
{
	json_t *doc = NULL;

	for (size_t i = 0; i < px_shipped_n; i++)
		if (strcmp(px_shipped[i].name, name) == 0 &&
		    px_json_parse(&doc, px_shipped[i].text, px_shipped[i].len,
		        1 << 24, name) == 0)
			return doc;
	fail_msg("no shipped scenario %s", name);
	return NULL;
}

static const json_t *
inj(const json_t *doc, size_t i)
{
	return json_array_get(json_object_get(doc, "injects"), i);
}

static void
test_sample_imports(void **state)
{
	json_t *cexf = read_json(PX_CONFORMANCE_DIR "/cexf/misp-01.json");
	json_t *doc = NULL;
	const json_t *i1, *i2, *e;
	struct px_scenario s;

	(void)state;
	assert_int_equal(px_cexf_import(&doc, cexf), 0);
	assert_int_equal(px_scenario_parse(&s, doc, false), 0);
	assert_string_equal(px_xtext(s.name, "en"), "Phishing e-mail");
	assert_string_equal(s.id, "phishing");
	assert_int_equal(s.duration, 2 * HOUR_MS);
	assert_int_equal(s.ninjects, 2);
	/* The inject ids are CEXF's UUIDs; the flow's order is kept. */
	assert_string_equal(
	    s.injects[0].id, "19272db1-a7c4-4cb3-aa33-df775b8fec8c");
	assert_string_equal(
	    s.injects[1].id, "c104aa37-e394-43ce-b82b-a733d3745468");
	/* The e-mail payload, base64 in the file, is the inject's text. */
	assert_non_null(
	    strstr(px_xtext(s.injects[0].text, "en"), "From csirt@telco.lu"));
	assert_string_equal(px_xtext(s.injects[0].title, "en"),
	    "received e-mail from csirt@telco.lu");
	/* Five evaluations: their score ranges are the weights; attribute
	 * values are what an update must name; "published" is a result. */
	assert_int_equal(s.injects[0].nexpect, 5);
	assert_int_equal(s.injects[0].expect[1].weight, 40);
	assert_int_equal(s.injects[0].expect[1].what, PX_XW_UPDATE);
	assert_int_equal(json_array_size(s.injects[0].expect[1].met.names), 4);
	assert_string_equal(json_string_value(json_array_get(
	                        s.injects[0].expect[1].met.names, 0)),
	    "john.doe@luxembourg.edu");
	assert_string_equal(json_string_value(json_array_get(
	                        s.injects[0].expect[0].met.names, 1)),
	    "CEO");
	assert_int_equal(s.injects[0].expect[4].what, PX_XW_RESULT);
	/* "inject-resolution" with requirement "Publishing": I2 waits for
	 * I1's fifth evaluation to be met. */
	assert_int_equal(s.injects[1].nafter, 1);
	assert_int_equal(s.injects[1].after[0].idx, 0);
	assert_string_equal(s.injects[1].after[0].expectation, "E5");
	assert_int_equal(s.injects[1].after[0].statuses, 1u << PX_XST_MET);
	/* What does not map is kept, for a round trip. */
	i1 = inj(doc, 0);
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(i1, "cexf"), "target_tool")),
	    "MISP");
	e = json_array_get(json_object_get(i1, "expect"), 2);
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(e, "cexf"), "result")),
	    "MISP object use");
	i2 = inj(doc, 1);
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(i2, "cexf"), "action")),
	    "network_connection");
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_object_get(json_object_get(doc, "cexf"), "exercise"),
	        "uuid")),
	    "75d7460-af9d-4098-8ad1-754457076b32");
	px_scenario_dispose(&s);
	json_decref(doc);
	json_decref(cexf);
}

static void
test_round_trip(void **state)
{
	static const char *const names[] = { "botnet-c2-takedown",
		"critical-infrastructure-evidence" };

	(void)state;
	for (size_t k = 0; k < PX_ARRAY_LEN(names); k++) {
		json_t *doc = shipped(names[k]), *cexf = NULL, *back = NULL;
		struct px_scenario s;

		assert_int_equal(px_cexf_export(&cexf, doc), 0);
		/* A CEXF document in its own right. */
		assert_non_null(
		    json_object_get(json_object_get(cexf, "exercise"), "uuid"));
		assert_int_equal(
		    json_array_size(json_object_get(cexf, "inject_flow")),
		    json_array_size(json_object_get(doc, "injects")));
		assert_int_equal(px_cexf_import(&back, cexf), 0);
		assert_true(json_equal(back, doc));
		json_decref(back);
		/* A tool knowing only CEXF: what the format says survives. */
		json_object_del(
		    json_object_get(json_object_get(cexf, "exercise"), "meta"),
		    "x-parley");
		assert_int_equal(px_cexf_import(&back, cexf), 0);
		assert_int_equal(px_scenario_parse(&s, back, false), 0);
		assert_int_equal(s.ninjects,
		    json_array_size(json_object_get(doc, "injects")));
		for (size_t i = 0; i < s.ninjects; i++) {
			const json_t *o = inj(doc, i);
			const json_t *after = json_object_get(o, "after");

			assert_string_equal(px_xtext(s.injects[i].title, "en"),
			    json_string_value(json_object_get(
			        json_array_get(
			            json_object_get(cexf, "injects"), i),
			        "name")));
			assert_int_equal(s.injects[i].nexpect,
			    json_array_size(json_object_get(o, "expect")));
			assert_int_equal(s.injects[i].nafter, after ? 1 : 0);
			if (after)
				assert_int_equal(s.injects[i].after[0].idx,
				    px_scenario_find(&s,
				        s.injects[s.injects[i].after[0].idx]
				            .id));
		}
		px_scenario_dispose(&s);
		json_decref(back);
		/* The same scenario exports to the same bytes. */
		{
			json_t *again = NULL;

			assert_int_equal(px_cexf_export(&again, doc), 0);
			json_object_set_new(
			    json_object_get(
			        json_object_get(again, "exercise"), "meta"),
			    "x-parley", json_null());
			json_object_del(
			    json_object_get(
			        json_object_get(again, "exercise"), "meta"),
			    "x-parley");
			assert_true(json_equal(again, cexf));
			json_decref(again);
		}
		json_decref(cexf);
		json_decref(doc);
	}
}

static void
test_bad_cexf(void **state)
{
	json_t *doc = NULL, *c;

	(void)state;
	c = json_pack("{s{}s[]}", "exercise", "injects");
	assert_int_equal(px_cexf_import(&doc, c), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "inject_flow"));
	json_decref(c);
	c = json_pack("{s{ss}s[{ss}]s[]}", "exercise", "name", "x",
	    "inject_flow", "inject_uuid", "nope", "injects");
	assert_int_equal(px_cexf_import(&doc, c), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "'nope'"));
	json_decref(c);
	assert_null(doc);
}

/* Every text of a shipped scenario in both languages. */
static void
bilingual(const json_t *v, const char *where)
{
	const char *k;
	const json_t *x;
	size_t i;

	if (json_is_object(v) && json_object_get(v, "en") &&
	    json_is_string(json_object_get(v, "en"))) {
		if (!json_is_string(json_object_get(v, "zh")))
			fail_msg("%s has no Chinese", where);
		return;
	}
	if (json_is_object(v))
		json_object_foreach((json_t *)v, k, x)
		{
			char w[256];

			snprintf(w, sizeof(w), "%s.%s", where, k);
			if (strcmp(k, "title") == 0 || strcmp(k, "text") == 0 ||
			    strcmp(k, "name") == 0 || strcmp(k, "phase") == 0 ||
			    strcmp(k, "description") == 0)
				if (!json_is_object(x) ||
				    !json_object_get(x, "zh"))
					fail_msg(
					    "%s is not in both languages", w);
			bilingual(x, w);
		}
	if (json_is_array(v))
		json_array_foreach(v, i, x) bilingual(x, where);
}

static void
test_shipped(void **state)
{
	(void)state;
	assert_int_equal(px_shipped_n, 2);
	for (size_t i = 0; i < px_shipped_n; i++) {
		json_t *doc = shipped(px_shipped[i].name);
		struct px_scenario s;
		bool hotline = false, check = false, contingency = false;

		if (px_scenario_parse(&s, doc, false) < 0)
			fail_msg("%s: %s", px_shipped[i].name, px_error_last());
		assert_string_equal(s.id, px_shipped[i].name);
		for (size_t k = 0; k < s.ninjects; k++) {
			hotline |= s.injects[k].channel == PX_XCH_HOTLINE;
			check |= s.injects[k].channel == PX_XCH_CHECK;
			contingency |= s.injects[k].contingency &&
			    s.injects[k].controller_only;
		}
		assert_true(hotline && check && contingency);
		bilingual(doc, px_shipped[i].name);
		px_scenario_dispose(&s);
		json_decref(doc);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_imports),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad_cexf),
		cmocka_unit_test(test_shipped),
	};

	if (px_crypto_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
