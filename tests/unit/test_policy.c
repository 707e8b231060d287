/*
 * The TLP choke point (model/policy.h): every outbound path against every
 * marking and audience, asserting the level that may leave and that a
 * refusal names the marking, the case and the path.
 */
#include "helpers.h"
#include "model/agreement.h"
#include "model/policy.h"

#define A  "cert-a.example"
#define B  "cert-b.example"
#define C  "cert-c.example"
#define ID "0193aaaa-0000-7000-8000-000000000001"

static struct px_policy_case
mk(enum px_tlp t, bool amber_constituency)
{
	return (struct px_policy_case){ .id = ID,
		.tlp = t,
		.requester = A,
		.responder = B,
		.amber_constituency = amber_constituency };
}

/* One row per (audience, to): the expected level for CLEAR, GREEN,
 * AMBER, AMBER+STRICT, RED, on paths whose carrier is the node itself. */
static const struct {
	enum px_audience aud;
	const char *to;
	enum px_release want[PX_TLP__N];
} matrix[] = {
	{ PX_AUD_PARTY, B,
	    { PX_REL_ALL, PX_REL_ALL, PX_REL_ALL, PX_REL_ALL, PX_REL_ALL } },
	{ PX_AUD_PARTY, A,
	    { PX_REL_ALL, PX_REL_ALL, PX_REL_ALL, PX_REL_ALL, PX_REL_ALL } },
	/* "a party" that is not one is the community */
	{ PX_AUD_PARTY, C,
	    { PX_REL_ALL, PX_REL_ALL, PX_REL_NONE, PX_REL_NONE, PX_REL_NONE } },
	{ PX_AUD_NODE, NULL,
	    { PX_REL_ALL, PX_REL_ALL, PX_REL_ALL, PX_REL_ALL, PX_REL_ALL } },
	{ PX_AUD_ORG, NULL,
	    { PX_REL_ALL, PX_REL_ALL, PX_REL_ALL, PX_REL_ALL, PX_REL_REF } },
	{ PX_AUD_CONSTITUENCY, C,
	    { PX_REL_ALL, PX_REL_ALL, PX_REL_NONE, PX_REL_NONE, PX_REL_NONE } },
	/* an audit bundle's verifier: RED and AMBER+STRICT by reference */
	{ PX_AUD_ARBITER, NULL,
	    { PX_REL_ALL, PX_REL_ALL, PX_REL_ALL, PX_REL_REF, PX_REL_REF } },
	{ PX_AUD_COMMUNITY, NULL,
	    { PX_REL_ALL, PX_REL_ALL, PX_REL_NONE, PX_REL_NONE, PX_REL_NONE } },
	{ PX_AUD_PUBLIC, NULL,
	    { PX_REL_ALL, PX_REL_NONE, PX_REL_NONE, PX_REL_NONE,
	        PX_REL_NONE } },
};

static void
test_matrix(void **state)
{
	(void)state;
	for (int path = 0; path < PX_OUT__N; path++)
		for (size_t r = 0; r < PX_ARRAY_LEN(matrix); r++)
			for (int t = 0; t < PX_TLP__N; t++) {
				struct px_policy_case c = mk(t, false);
				struct px_policy_dest d = { .path = path,
					.audience = matrix[r].aud,
					.to = matrix[r].to };
				enum px_release want = matrix[r].want[t];
				int got;

				/* Mail relays and webhook receivers carry no
				 * RED content, even to our own people; the
				 * parties themselves are the named
				 * recipients. */
				if ((path == PX_OUT_EMAIL ||
				        path == PX_OUT_WEBHOOK) &&
				    t == PX_TLP_RED && want == PX_REL_ALL &&
				    !(matrix[r].aud == PX_AUD_PARTY &&
				        matrix[r].to &&
				        strcmp(matrix[r].to, C)))
					want = PX_REL_REF;
				got = px_policy_release(&c, &d);
				if (want == PX_REL_NONE) {
					if (got != PX_EPERM)
						fail_msg("%s %s to %s: got %d, "
						         "want a refusal",
						    px_out_path_names[path],
						    px_tlp_label(t),
						    px_audience_names[matrix[r]
						                          .aud],
						    got);
					/* The refusal names the marking, the
					 * case and the path. */
					assert_non_null(strstr(
					    px_error_last(), px_tlp_label(t)));
					assert_non_null(
					    strstr(px_error_last(), ID));
					assert_non_null(strstr(px_error_last(),
					    px_out_path_names[path]));
				} else if (got != (int)want) {
					fail_msg("%s %s to %s: got %d, want %d",
					    px_out_path_names[path],
					    px_tlp_label(t),
					    px_audience_names[matrix[r].aud],
					    got, (int)want);
				}
				assert_int_equal(px_policy_level(&c, &d),
				    got < 0 ? PX_REL_NONE : got);
			}
}

/* AMBER reaches a recipient's constituency only when the agreement with
 * the originator says so; AMBER+STRICT and RED never do. */
static void
test_amber_constituency(void **state)
{
	struct px_policy_dest d = {
		.path = PX_OUT_FORWARD, .audience = PX_AUD_CONSTITUENCY, .to = C
	};
	struct px_policy_case c = mk(PX_TLP_AMBER, true);

	(void)state;
	assert_int_equal(px_policy_release(&c, &d), PX_REL_ALL);
	c = mk(PX_TLP_AMBER, false);
	assert_int_equal(px_policy_release(&c, &d), PX_EPERM);
	assert_non_null(strstr(px_error_last(), "TLP:AMBER stops case"));
	assert_non_null(strstr(px_error_last(), C));
	assert_non_null(strstr(px_error_last(), "forwarding"));
	c = mk(PX_TLP_AMBER_STRICT, true);
	assert_int_equal(px_policy_release(&c, &d), PX_EPERM);
	c = mk(PX_TLP_RED, true);
	assert_int_equal(px_policy_release(&c, &d), PX_EPERM);
	assert_non_null(strstr(px_error_last(), "named recipients (" A ", " B));
	/* The community is not a constituency. */
	c = mk(PX_TLP_AMBER, true);
	d.audience = PX_AUD_COMMUNITY;
	assert_int_equal(px_policy_release(&c, &d), PX_EPERM);
}

/* An unknown marking lets nothing out. */
static void
test_unknown_marking(void **state)
{
	struct px_policy_case c = mk((enum px_tlp)PX_TLP__N, false);
	struct px_policy_dest d = {
		.path = PX_OUT_PEER, .audience = PX_AUD_PARTY, .to = B
	};

	(void)state;
	assert_int_equal(px_policy_release(&c, &d), PX_EPERM);
	assert_int_equal(px_policy_level(&c, &d), PX_REL_NONE);
}

/* The agreement setting reads, writes only when set, and diffs. */
static void
test_agreement_setting(void **state)
{
	struct px_agreement a, b;
	json_t *j, *diff;

	(void)state;
	px_agreement_default(&a);
	j = px_agreement_to_json(&a);
	assert_null(json_object_get(j, "amber_constituency"));
	json_decref(j);
	b = a;
	assert_int_equal(px_agreement_set(&b, "amber_constituency=yes"), 0);
	assert_true(b.amber_constituency);
	j = px_agreement_to_json(&b);
	assert_string_equal(
	    json_string_value(json_object_get(j, "amber_constituency")), "yes");
	px_agreement_default(&a);
	assert_int_equal(px_agreement_from_json(&a, j), 0);
	assert_true(a.amber_constituency);
	json_decref(j);
	px_agreement_default(&a);
	diff = px_agreement_diff(&a, &b);
	assert_int_equal(json_array_size(diff), 1);
	assert_string_equal(json_string_value(json_array_get(diff, 0)),
	    "amber_constituency: (none) -> yes");
	json_decref(diff);
	assert_int_equal(
	    px_agreement_set(&b, "amber_constituency=maybe"), PX_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_amber_constituency),
		cmocka_unit_test(test_unknown_marking),
		cmocka_unit_test(test_agreement_setting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
