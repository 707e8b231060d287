/*
 * Verifying an after-action report (aar.h, docs/exercises.md "Verifying
 * the report") against a node's record: either party's.
 *
 *   0. the signature over the whole, with the writer's key as this node
 *      knows it (its own, or the pinned peer's card);
 *   1. the checkpoint, as for a review report (report/verify.c);
 *   2. every entry of the writer's log the report names: at this node's
 *      own report, the leaf at that index is that message or receipt and
 *      its proof verifies against the embedded root; at a peer's report,
 *      where this node holds the peer's proof for it, the index agrees;
 *   3. the scores, recomputed from this node's own copy of the exercise's
 *      messages at the report's as_of, expectation by expectation, and
 *      their hash; then the figures, objectives, findings and plan, and
 *      the timeline without its log indices (which each party knows
 *      from its own side).
 */
#include "model/canon.h"
#include "node/exercise.h"
#include "report/aar.h"
#include "report/aar_internal.h"
#include "report/sign.h"
#include "report/verify_internal.h"
#include "util/util.h"

bool
px_aar_is(const json_t *doc)
{
	return json_is_object(json_object_get(doc, "aar"));
}

static const char *
str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* `v` without any member named "log", at any depth (a new reference). */
static json_t *
without_logs(const json_t *v)
{
	json_t *c = json_deep_copy(v), *x;
	const char *k;
	size_t i;

	if (json_is_object(c)) {
		json_object_del(c, "log");
		json_object_foreach(c, k, x)
		    json_object_set_new(c, k, without_logs(x));
	} else if (json_is_array(c)) {
		json_array_foreach(c, i, x)
		    json_array_set_new(c, i, without_logs(x));
	}
	return c;
}

static void
compare(struct px_report_verdict *res, const char *what, const json_t *file,
    const json_t *rec)
{
	if (json_equal(file, rec)) {
		px_rv_checked(res, "%s recomputed from the record", what);
	} else {
		char *a = json_dumps(file, JSON_COMPACT | JSON_SORT_KEYS);
		char *b = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);

		px_rv_mismatch(res,
		    "%s: the file says %.300s; recomputed from the record: "
		    "%.300s",
		    what, a ? a : "(nothing)", b ? b : "(nothing)");
		free(a);
		free(b);
	}
}

/* Expectation by expectation, so a changed status is named. */
static void
compare_scores(
    struct px_report_verdict *res, const json_t *file, const json_t *rec)
{
	const json_t *fi, *ri, *fe, *re;
	size_t i, k, before = res->nmismatches;

	json_array_foreach(json_object_get(file, "injects"), i, fi)
	{
		ri = json_array_get(json_object_get(rec, "injects"), i);
		if (!json_equal(json_object_get(fi, "state"),
		        json_object_get(ri, "state")))
			px_rv_mismatch(res,
			    "inject %s: the file says %s, the record gives %s",
			    str(fi, "id") ? str(fi, "id") : "?",
			    str(fi, "state") ? str(fi, "state") : "?",
			    str(ri, "state") ? str(ri, "state") : "(none)");
		json_array_foreach(json_object_get(fi, "expectations"), k, fe)
		{
			re = json_array_get(
			    json_object_get(ri, "expectations"), k);
			if (!json_equal(fe, re))
				px_rv_mismatch(res,
				    "inject %s expectation %s: the file says "
				    "%s (answer %.12s), the record gives %s "
				    "(answer %.12s)",
				    str(fi, "id"), str(fe, "id"),
				    str(fe, "status") ? str(fe, "status") : "?",
				    str(fe, "answer") ? str(fe, "answer") : "-",
				    str(re, "status") ? str(re, "status")
				                      : "(none)",
				    str(re, "answer") ? str(re, "answer")
				                      : "-");
		}
	}
	if (res->nmismatches == before)
		compare(res, "the scores", file, rec);
}

static int
check_entries(struct px_report_verdict *res, struct px_node *n,
    const json_t *entries, const struct px_rv_ckpt *ck)
{
	const json_t *e;
	size_t i, held = 0;
	int rc = 0;

	json_array_foreach(entries, i, e)
	{
		int64_t idx = json_integer_value(json_object_get(e, "log")), t;
		char where[64];

		snprintf(where, sizeof(where), "entry %zu", i + 1);
		res->entries++;
		if (!json_is_integer(json_object_get(e, "log")) ||
		    !str(e, "hash") || !str(e, "leaf") || !str(e, "type") ||
		    !str(e, "case") ||
		    px_time_parse(&t, str(e, "time"), 0) < 0) {
			px_rv_mismatch(res, "%s: malformed", where);
			continue;
		}
		if (ck->ok && (uint64_t)idx >= ck->size) {
			px_rv_mismatch(res,
			    "%s: index %lld is beyond the checkpoint's size "
			    "%llu",
			    where, (long long)idx,
			    (unsigned long long)ck->size);
			continue;
		}
		if (!ck->ok)
			continue;
		rc = res->own ? px_rv_check_own_entry(res, n, ck, where,
		                    str(e, "case"), idx, str(e, "leaf"),
		                    str(e, "hash"), str(e, "type"), t)
		              : px_rv_check_peer_entry(res, n, ck, where, idx,
		                    str(e, "hash"), &held);
		if (rc < 0)
			return rc;
	}
	if (res->own)
		px_rv_checked(res,
		    "%zu entries of this node's log, each proven in the "
		    "checkpoint",
		    res->entries);
	else
		px_rv_checked(res,
		    "%zu of %zu entries of the writer's log compared with the "
		    "proofs this node holds",
		    held, res->entries);
	return 0;
}

int
px_aar_verify(
    struct px_report_verdict *res, struct px_node *n, const json_t *doc)
{
	const json_t *h = json_object_get(doc, "aar");
	const char *node = str(h, "node"), *ex = str(h, "exercise");
	struct px_rv_ckpt ck = { 0 };
	struct px_xctx x;
	json_t *body = NULL, *a = NULL, *b = NULL;
	bool loaded = false;
	int64_t as_of;
	int rc;

	memset(res, 0, sizeof(*res));
	res->checked = json_array();
	res->mismatches = json_array();
	if (node == NULL || ex == NULL ||
	    px_time_parse(&as_of, str(h, "as_of"), 0) < 0) {
		px_rv_mismatch(
		    res, "the 'aar' header needs node, exercise and as_of");
		return PX_EINVAL;
	}
	res->own = strcmp(node, n->name) == 0;
	px_rv_checked(res, "after-action report of exercise %s by %s (%s)", ex,
	    node, res->own ? "this node" : "its peer");
	/* 0. The signature (check_sig reads the whole document). */
	{
		struct px_peer *p = NULL;
		const uint8_t *pk = NULL;

		if (res->own)
			pk = n->sign.pk;
		else if ((rc = px_peer_load(&p, n, node)) == 0)
			pk = p->card.sign_pk;
		else if (rc != PX_ENOTFOUND)
			return rc;
		if (pk == NULL)
			px_rv_mismatch(res,
			    "signature: %s is neither this node nor a pinned "
			    "peer",
			    node);
		else if (px_report_sig_check_as(doc, pk, PX_AAR_TAG) < 0)
			px_rv_mismatch(res, "signature: %s", px_error_last());
		else
			px_rv_checked(res,
			    "the report is signed as a whole with %s's key",
			    node);
		px_peer_free(p);
	}
	/* 1 and 2. The checkpoint and the entries. */
	if ((rc = px_rv_check_ckpt(res, n, json_object_get(doc, "checkpoint"),
	         node, res->own, &ck)) < 0 ||
	    (rc = check_entries(res, n, json_object_get(doc, "entries"), &ck)) <
	        0)
		goto out;
	/* 3. Everything recomputed from this node's record. */
	if ((rc = px_xctx_load(&x, n, ex)) < 0) {
		if (rc != PX_ENOTFOUND)
			goto out;
		px_rv_mismatch(
		    res, "exercise %s is not in this node's record", ex);
		goto done;
	}
	loaded = true;
	if ((rc = px_aar_body(&body, n, &x, as_of)) < 0)
		goto out;
	compare_scores(res, json_object_get(doc, "scores"),
	    json_object_get(body, "scores"));
	compare(res, "the scores' hash", json_object_get(doc, "scores_hash"),
	    json_object_get(body, "scores_hash"));
	compare(res, "the figures", json_object_get(doc, "figures"),
	    json_object_get(body, "figures"));
	compare(res, "the objectives", json_object_get(doc, "objectives"),
	    json_object_get(body, "objectives"));
	compare(res, "the findings", json_object_get(doc, "findings"),
	    json_object_get(body, "findings"));
	compare(res, "the improvement plan", json_object_get(doc, "plan"),
	    json_object_get(body, "plan"));
	a = without_logs(json_object_get(doc, "timeline"));
	b = without_logs(json_object_get(body, "timeline"));
	compare(res, "the timeline", a, b);
done:
	rc = 0;
	if (res->nmismatches)
		rc = px_error_set(PX_EINVAL,
		    "%zu check(s) of the report failed", res->nmismatches);
out:
	json_decref(a);
	json_decref(b);
	json_decref(body);
	if (loaded)
		px_xctx_dispose(&x);
	return rc;
}
