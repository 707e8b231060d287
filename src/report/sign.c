/*
 * Signing the review report (sign.h).
 */
#include "model/canon.h"
#include "report/sign.h"
#include "util/enc.h"
#include "util/util.h"

static const char tag[] = "parley-report-v1\n";

/* Sets every real in `v` to the double its %.15g spelling reads back as,
 * so the file (written with 15 significant digits) holds exactly the
 * numbers that were signed. */
static void
settle_reals(json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_real(v)) {
		char buf[40];

		snprintf(buf, sizeof(buf), "%.15g", json_real_value(v));
		json_real_set(v, strtod(buf, NULL));
	} else if (json_is_object(v)) {
		json_object_foreach(v, k, x) settle_reals(x);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x) settle_reals(x);
	}
}

/* The signed bytes of `report`, "sig" left out. */
static int
signed_bytes(struct px_buf *b, const json_t *report)
{
	json_t *copy = json_copy((json_t *)report);
	int rc;

	json_object_del(copy, "sig");
	px_buf_init(b, PX_BUF_NOCAP);
	if ((rc = px_buf_adds(b, tag)) == 0)
		rc = px_canon_append_jcs(b, copy);
	json_decref(copy);
	if (rc < 0)
		px_error_prefix("the report cannot be encoded for signing");
	return rc;
}

int
px_report_sign(json_t *report, const struct px_key *k)
{
	struct px_buf b;
	uint8_t sig[PX_SIG_LEN];
	char *b64;
	int rc;

	settle_reals(report);
	if ((rc = signed_bytes(&b, report)) < 0) {
		px_buf_dispose(&b);
		return rc;
	}
	px_sign(sig, k, b.data, b.len);
	b64 = px_b64_encode(sig, sizeof(sig));
	json_object_set_new(report, "sig", json_string(b64));
	free(b64);
	px_buf_dispose(&b);
	return 0;
}

int
px_report_sig_check(const json_t *report, const uint8_t pk[PX_PUBKEY_LEN])
{
	const char *s = json_string_value(json_object_get(report, "sig"));
	uint8_t sig[PX_SIG_LEN];
	struct px_buf b;
	size_t n = 0;
	int rc;

	if (s == NULL)
		return px_error_set(
		    PX_EINVAL, "the report is not signed (no 'sig' member)");
	if (px_b64_decode(sig, sizeof(sig), &n, s) < 0 || n != sizeof(sig))
		return px_error_set(
		    PX_EINVAL, "the report's 'sig' is not base64 of 64 bytes");
	if ((rc = signed_bytes(&b, report)) == 0 &&
	    px_verify(pk, sig, b.data, b.len) < 0)
		rc = px_error_set(PX_EINVAL,
		    "the report's signature does not verify: it was altered "
		    "after it was signed, or signed with another key");
	px_buf_dispose(&b);
	return rc;
}
