/* Fuzzes what a peer's agreement proposal feeds the node: any JSON either
 * fails cleanly as terms or reads into terms that spell back to
 * themselves; and the report's number form (RFC 8785 with reals) writes
 * any parsed value so that it reads back to the same bytes. */
#include <assert.h>
#include <math.h>
#include <stdbool.h>

#include "model/accord.h"
#include "model/canon.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether V holds a real of 2^53 or more in magnitude below 1e21: RFC 8785
 * writes those as integer literals ("910000000000000000000"), which read
 * back as integers: out of range for jansson above 2^63, and beyond the
 * integers our canonical form takes (those a double holds exactly, below
 * 2^53) under it.  Nothing of ours reads JCS text back (a report is
 * verified from its own JSON, re-encoded), so only these are exempt from
 * the fixed point below. */
static bool
has_wide_integral_real(const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_real(v)) {
		double r = fabs(json_real_value(v));

		return r >= 9007199254740992.0 && r < 1e21;
	}
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x)
		{
			if (has_wide_integral_real(x))
				return true;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			if (has_wide_integral_real(x))
				return true;
		}
	}
	return false;
}

static char *
jcs(const json_t *v)
{
	struct px_buf b;

	px_buf_init(&b, PX_BUF_NOCAP);
	if (px_canon_append_jcs(&b, v) < 0) {
		px_buf_dispose(&b);
		return NULL;
	}
	return px_buf_detach(&b, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_agreement a, b;
	struct px_accord acc;
	struct px_proposal pr = { 0 };
	json_t *j = NULL, *j2 = NULL, *back = NULL, *d;
	char *s1 = NULL, *s2 = NULL;

	if (px_json_parse(&j, (const char *)data, size, 1 << 20, "fuzz") < 0)
		return 0;
	if (px_agreement_from_json(&a, j) == 0) {
		back = px_agreement_to_json(&a);
		assert(px_agreement_from_json(&b, back) == 0);
		assert(px_agreement_equal(&a, &b));
		d = px_agreement_diff(&a, &b);
		assert(json_array_size(d) == 0);
		json_decref(d);
	}
	/* The same bytes as a proposal's terms in the record. */
	px_accord_init(&acc);
	pr.proposer = px_strdup("a.example");
	pr.receiver = px_strdup("b.example");
	pr.version = 1;
	pr.state = PX_PROP_ACCEPTED;
	pr.answered_ms = 0;
	pr.terms_text = px_strndup((const char *)data, size);
	px_accord_add(&acc, &pr);
	assert(acc.v[0].readable == (px_agreement_from_json(&a, j) == 0));
	assert((px_accord_in_force(&acc, 0) == 0) == acc.v[0].readable);
	px_accord_dispose(&acc);
	/* JCS with reals is a fixed point through a parser. */
	if ((s1 = jcs(j)) != NULL) {
		if (px_json_parse(&j2, s1, strlen(s1), 1 << 21, "again") < 0) {
			assert(has_wide_integral_real(j));
		} else {
			s2 = jcs(j2);
			assert((s2 != NULL && strcmp(s1, s2) == 0) ||
			    has_wide_integral_real(j));
		}
	}
	free(s1);
	free(s2);
	json_decref(back);
	json_decref(j2);
	json_decref(j);
	return 0;
}
