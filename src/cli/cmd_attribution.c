/*
 * parley finding / parley assessment: findings kept apart from
 * assessments (docs/attribution.md).  parley verifier: a disclosure to a
 * neutral verifier and its review.  Each is a signed message of a case.
 */
#include "cli/commands.h"
#include "cli/common.h"
#include "model/attrib.h"
#include "node/attrib.h"
#include "util/util.h"

#define TEXT_OPTS(k)                                                          \
	{ k "-lang", "TAG", "language of --" k " (default: the node's)", 0 }, \
	    { k "-translation", "TEXT", "a translation of --" k, 0 },         \
	{                                                                     \
		k "-translation-lang", "TAG", "its language", 0               \
	}

static struct px_text_in
text_in(const struct px_args *a, const char *key, const char *prefix)
{
	char k[64];
	struct px_text_in t = { .text = px_arg(a, key), .prefix = "--" };

	snprintf(k, sizeof(k), "%s-lang", prefix);
	t.lang = px_arg(a, k);
	snprintf(k, sizeof(k), "%s-translation", prefix);
	t.translation = px_arg(a, k);
	snprintf(k, sizeof(k), "%s-translation-lang", prefix);
	t.translation_lang = px_arg(a, k);
	return t;
}

/* Sends `body` of `type` in case `ref` and reports it. */
static int
send_in_case(struct px_args *a, struct px_node *n, const char *ref,
    enum px_msg_type type, json_t *body)
{
	struct px_msg *m = NULL;
	char cref[9];
	int rc;

	if ((rc = px_node_send(n, NULL, ref, type, body, &m)) < 0)
		return px_cli_fail(a, rc);
	px_case_ref(cref, m->case_id);
	if (px_json(a)) {
		json_t *o = json_pack("{ss ss ss ss sI}", "case", m->case_id,
		    "ref", cref, "type", px_msg_type_names[type].wire,
		    "message", m->hash, "seq", (json_int_t)m->seq);

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("Case %s: %s %.16s... signed and queued for %s (seq "
		       "%lld).\n",
		    cref, px_msg_type_names[type].wire, m->hash, m->to,
		    (long long)m->seq);
		px_cli_queued(n, m->to);
	}
	px_msg_free(m);
	return 0;
}

/* --- parley finding ------------------------------------------------------- */

static const struct px_opt finding_opts[] = {
	{ "statement", "TEXT",
	    "what was observed (no estimative words: those go in an "
	    "assessment)",
	    PX_OPT_REQUIRED },
	{ "method", "TEXT", "how it was established", PX_OPT_REQUIRED },
	{ "tool", "NAME", "the tool used", 0 },
	{ "tool-version", "V", "its version", 0 },
	{ "tool-args", "ARGS", "its arguments", 0 },
	{ "steps", "TEXT", "how to reproduce it", 0 },
	{ "evidence", "ITEM", "an evidence item it rests on (exhibit or hash)",
	    PX_OPT_MULTI },
	TEXT_OPTS("statement"),
	{ 0 },
};

static int
run_finding(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_case c;
	json_t *body = NULL;
	struct px_finding_in in = {
		.statement = text_in(a, "statement", "statement"),
		.method = px_arg(a, "method"),
		.tool = px_arg(a, "tool"),
		.tool_version = px_arg(a, "tool-version"),
		.tool_args = px_arg(a, "tool-args"),
		.steps = { .text = px_arg(a, "steps"), .prefix = "--" },
	};
	int rc;

	in.evidence = px_arg_all(a, "evidence", &in.nevidence);
	px_case_init(&c);
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_node_case_load(&c, n, px_pos(a, 0), NULL)) < 0 ||
	    (rc = px_finding_body(&body, n, &c, &in)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	rc = send_in_case(a, n, c.id, PX_MSG_FINDING, body);
out:
	json_decref(body);
	px_case_dispose(&c);
	px_node_free(n);
	return rc;
}

/* --- parley assessment ---------------------------------------------------- */

static const struct px_opt assessment_opts[] = {
	{ "kind", "KIND", "technical, legal or political attribution",
	    PX_OPT_REQUIRED },
	{ "claim", "TEXT", "the judgment", PX_OPT_REQUIRED },
	{ "support", "FINDING", "a supporting finding (8+ hex digits)",
	    PX_OPT_MULTI },
	{ "contrary", "FINDING", "a finding against it", PX_OPT_MULTI },
	{ "assumption", "TEXT", "an assumption it rests on", PX_OPT_MULTI },
	{ "alternative", "TEXT", "an alternative considered", PX_OPT_MULTI },
	{ "likelihood", "L",
	    "ICD 203: almost-no-chance, very-unlikely, unlikely, "
	    "roughly-even-chance, likely, very-likely, almost-certain",
	    PX_OPT_REQUIRED },
	{ "confidence", "C", "low, moderate or high (see the confidence rule)",
	    PX_OPT_REQUIRED },
	{ "reliability", "A-F", "Admiralty: the source's reliability",
	    PX_OPT_REQUIRED },
	{ "credibility", "1-6", "Admiralty: the information's credibility",
	    PX_OPT_REQUIRED },
	{ "would-change", "TEXT", "what would change the judgment",
	    PX_OPT_REQUIRED },
	{ "supersedes", "ASSESSMENT", "the version this one replaces", 0 },
	TEXT_OPTS("claim"),
	{ 0 },
};

static int
run_assessment(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_case c;
	json_t *body = NULL;
	struct px_assessment_in in = {
		.kind = px_arg(a, "kind"),
		.claim = text_in(a, "claim", "claim"),
		.would_change = { .text = px_arg(a, "would-change"),
		    .prefix = "--" },
		.likelihood = px_arg(a, "likelihood"),
		.confidence = px_arg(a, "confidence"),
		.reliability = px_arg(a, "reliability"),
		.credibility = px_arg(a, "credibility"),
		.supersedes = px_arg(a, "supersedes"),
	};
	int rc;

	in.supporting = px_arg_all(a, "support", &in.nsupporting);
	in.contrary = px_arg_all(a, "contrary", &in.ncontrary);
	in.assumptions = px_arg_all(a, "assumption", &in.nassumptions);
	in.alternatives = px_arg_all(a, "alternative", &in.nalternatives);
	px_case_init(&c);
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_node_case_load(&c, n, px_pos(a, 0), NULL)) < 0 ||
	    (rc = px_assessment_body(&body, n, &c, &in)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	rc = send_in_case(a, n, c.id, PX_MSG_ASSESSMENT, body);
out:
	json_decref(body);
	px_case_dispose(&c);
	px_node_free(n);
	return rc;
}

/* --- parley attribution show ---------------------------------------------- */

static const char *
tv(const json_t *o, const char *k)
{
	return px_cli_str(json_object_get(o, k), "value");
}

static void
print_attrib(const json_t *v)
{
	const json_t *f, *x;
	size_t i, k;

	printf("Findings\n");
	json_array_foreach(json_object_get(v, "findings"), i, f)
	{
		const json_t *b = json_object_get(f, "body");

		printf("  %.12s  by %s  %s\n    %s\n    method: %s",
		    px_cli_str(f, "hash"), px_cli_str(f, "from"),
		    px_cli_str(f, "time"), tv(b, "statement"),
		    px_cli_str(b, "method"));
		if (json_object_get(b, "tool"))
			printf("; tool %s %s",
			    px_cli_str(json_object_get(b, "tool"), "name"),
			    px_cli_str(json_object_get(b, "tool"), "version"));
		printf(
		    "\n    evidence: %zu item(s); reproducible: %s; supports "
		    "at most %s confidence\n",
		    json_array_size(json_object_get(b, "evidence")),
		    json_object_get(b, "reproduction") ? "steps given" : "no",
		    px_cli_str(f, "ceiling"));
		if (!json_is_null(json_object_get(f, "effect")))
			printf(
			    "    NOT A FINDING: %s\n", px_cli_str(f, "effect"));
	}
	printf("Assessments\n");
	json_array_foreach(json_object_get(v, "assessments"), i, f)
	{
		const json_t *b = json_object_get(f, "body");
		const json_t *w = json_object_get(f, "words");

		printf("  %.12s  v%lld by %s  %s%s\n    %s: %s\n",
		    px_cli_str(f, "hash"),
		    (long long)json_integer_value(
		        json_object_get(b, "version")),
		    px_cli_str(f, "from"), px_cli_str(f, "time"),
		    json_is_true(json_object_get(f, "superseded"))
		        ? "  (superseded)"
		        : "",
		    px_cli_str(w, "kind"), tv(b, "claim"));
		printf("    likelihood: %s; confidence: %s\n    source %s "
		       "(%s), information %s (%s)\n",
		    px_cli_str(w, "likelihood"), px_cli_str(w, "confidence"),
		    px_cli_str(b, "source_reliability"),
		    px_cli_str(w, "source_reliability"),
		    px_cli_str(b, "information_credibility"),
		    px_cli_str(w, "information_credibility"));
		printf("    supported by %zu finding(s), contrary %zu\n",
		    json_array_size(json_object_get(b, "supporting")),
		    json_array_size(json_object_get(b, "contrary")));
		json_array_foreach(json_object_get(b, "assumptions"), k, x)
		    printf("    assumes: %s\n", json_string_value(x));
		json_array_foreach(json_object_get(b, "alternatives"), k, x)
		    printf("    alternative: %s\n", json_string_value(x));
		printf("    would change with: %s\n", tv(b, "would_change"));
		if (!json_is_null(json_object_get(f, "effect")))
			printf("    NO EFFECT: %s\n", px_cli_str(f, "effect"));
	}
}

static int
run_show(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_case c;
	json_t *v = NULL;
	int rc;

	px_case_init(&c);
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_node_case_load(&c, n, px_pos(a, 0), NULL)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	v = px_attrib_view(n, &c);
	if (px_json(a))
		px_cli_print_json(v);
	else
		print_attrib(v);
out:
	json_decref(v);
	px_case_dispose(&c);
	px_node_free(n);
	return rc;
}

static const struct px_cmd finding = {
	.name = "finding",
	.summary = "state a finding: what was observed, how, on what evidence",
	.usage = "CASE",
	.min_pos = 1,
	.max_pos = 1,
	.opts = finding_opts,
	.run = run_finding,
	.details = "A statement with \"likely\", \"probably\", \"很可能\" "
	           "and the like is refused: a finding holds no judgment.  "
	           "Evidence, steps and a named tool raise the confidence "
	           "an assessment may rest on it (docs/attribution.md).",
};
static const struct px_cmd assessment = {
	.name = "assessment",
	.summary = "state an assessment (a new version with --supersedes)",
	.usage = "CASE",
	.min_pos = 1,
	.max_pos = 1,
	.opts = assessment_opts,
	.run = run_assessment,
	.details = "Its confidence may not exceed what its weakest supporting "
	           "finding allows, lowered by the Admiralty grades "
	           "(docs/attribution.md, \"The confidence rule\").",
};
static const struct px_cmd show = {
	.name = "show",
	.summary = "a case's findings and assessments, scales in words",
	.usage = "CASE",
	.min_pos = 1,
	.max_pos = 1,
	.run = run_show,
};
static const struct px_cmd *const subs[] = { &finding, &assessment, &show,
	NULL };

const struct px_cmd px_cmd_attribution = {
	.name = "attribution",
	.summary = "findings apart from assessments",
	.subs = subs,
};

/* --- parley verifier --------------------------------------------------------
 */

static const struct px_opt disclose_opts[] = {
	{ "to", "VERIFIER", "the verifier (its card says role verifier)",
	    PX_OPT_REQUIRED },
	{ "item", "ITEM", "an evidence item to disclose", PX_OPT_MULTI },
	{ "finding", "FINDING", "a finding to disclose", PX_OPT_MULTI },
	{ "assessment", "ASSESSMENT", "an assessment to disclose",
	    PX_OPT_MULTI },
	{ "text", "TEXT", "a note to the verifier", 0 },
	{ 0 },
};

static int
run_disclose(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_msg *m = NULL;
	struct px_disclose_in in = {
		.case_ref = px_pos(a, 0),
		.verifier = px_arg(a, "to"),
		.text = { .text = px_arg(a, "text"), .prefix = "--" },
	};
	const json_t *d;
	int rc;

	in.items = px_arg_all(a, "item", &in.nitems);
	in.findings = px_arg_all(a, "finding", &in.nfindings);
	in.assessments = px_arg_all(a, "assessment", &in.nassessments);
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_attrib_disclose(n, &in, &m)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	d = json_object_get(m->body, "disclosure");
	if (px_json(a)) {
		json_t *o = json_pack("{ss ss sO sO sI}", "case", m->case_id,
		    "message", m->hash, "items", json_object_get(d, "items"),
		    "withheld", json_object_get(d, "withheld"), "messages",
		    (json_int_t)json_array_size(
		        json_object_get(d, "messages")));

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("Disclosed to %s in verification case %.8s: %zu signed "
		       "message(s), %zu item(s) offered; %zu item(s) withheld "
		       "(shown only as their hashes).\n",
		    m->to, m->case_id + 28,
		    json_array_size(json_object_get(d, "messages")),
		    json_array_size(json_object_get(d, "items")),
		    json_array_size(json_object_get(d, "withheld")));
		px_cli_queued(n, m->to);
	}
out:
	px_msg_free(m);
	px_node_free(n);
	return rc;
}

static void
print_disclosure(const json_t *d)
{
	const json_t *m;
	size_t i;

	printf("Disclosure of case %s (parties %s and %s)\n",
	    px_cli_str(d, "case"),
	    json_string_value(json_array_get(json_object_get(d, "parties"), 0)),
	    json_string_value(
	        json_array_get(json_object_get(d, "parties"), 1)));
	json_array_foreach(json_object_get(d, "messages"), i, m)
	{
		const json_t *b = json_object_get(m, "body");

		printf("  %-10s %.12s by %s  signature: %s (pinned key), %s "
		       "(disclosed card)\n",
		    px_cli_str(m, "type"), px_cli_str(m, "hash"),
		    px_cli_str(m, "from"), px_cli_str(m, "with_pinned_key"),
		    px_cli_str(m, "with_disclosed_card"));
		if (json_object_get(b, "statement"))
			printf("      %s\n", tv(b, "statement"));
		if (json_object_get(b, "claim"))
			printf("      %s\n", tv(b, "claim"));
	}
	printf("  withheld: %zu item(s), seen only as their hashes\n",
	    json_array_size(json_object_get(d, "withheld")));
}

static int
run_vshow(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_case c;
	json_t *v = NULL, *ev = NULL, *out = NULL;
	int rc;

	px_case_init(&c);
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_node_case_load(&c, n, px_pos(a, 0), NULL)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	v = px_attrib_view(n, &c);
	if (px_json(a)) {
		out = json_pack("{sO? sO?}", "disclosure",
		    json_object_get(v, "disclosure"), "review",
		    json_object_get(v, "review"));
		px_cli_print_json(out);
	} else if (json_object_get(v, "disclosure")) {
		print_disclosure(json_object_get(v, "disclosure"));
	} else if (json_object_get(v, "review")) {
		const json_t *r =
		    json_object_get(json_object_get(v, "review"), "review");
		const json_t *x;
		size_t i;

		printf("Review %s by %s of case %s\n",
		    px_cli_str(json_object_get(v, "review"), "hash"),
		    px_cli_str(r, "verifier"), px_cli_str(r, "case"));
		json_array_foreach(json_object_get(r, "items"), i, x)
		    printf("  item %.16s...  %s\n", px_cli_str(x, "item"),
		        px_cli_str(x, "status"));
		json_array_foreach(json_object_get(r, "findings"), i, x)
		    printf("  finding %.12s  %s  %s\n",
		        px_cli_str(x, "finding"), px_cli_str(x, "verdict"),
		        json_object_get(x, "comment") ? px_cli_str(x, "comment")
		                                      : "");
		json_array_foreach(json_object_get(r, "assessments"), i, x)
		    printf("  assessment %.12s  %s  %s\n",
		        px_cli_str(x, "assessment"), px_cli_str(x, "opinion"),
		        json_object_get(x, "comment") ? px_cli_str(x, "comment")
		                                      : "");
	} else {
		rc = px_cli_fail(a,
		    px_error_set(PX_EINVAL,
		        "case %s is neither a disclosure nor a review", c.id));
	}
out:
	json_decref(out);
	json_decref(ev);
	json_decref(v);
	px_case_dispose(&c);
	px_node_free(n);
	return rc;
}

static const struct px_opt review_opts[] = {
	{ "finding", "REF=VERDICT[:COMMENT]",
	    "reproduced, not-reproduced, untestable or disputed",
	    PX_OPT_MULTI },
	{ "assessment", "REF=OPINION[:COMMENT]",
	    "strongly-disagree, disagree, neutral, agree, strongly-agree",
	    PX_OPT_MULTI },
	{ "text", "TEXT", "a summary", 0 },
	{ 0 },
};

static int
run_review(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *r = NULL;
	struct px_review_in in = {
		.case_ref = px_pos(a, 0),
		.text = { .text = px_arg(a, "text"), .prefix = "--" },
	};
	int rc;

	in.findings = px_arg_all(a, "finding", &in.nfindings);
	in.assessments = px_arg_all(a, "assessment", &in.nassessments);
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_attrib_review(n, &in, &r)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		char h[PX_HASH_HEX];
		json_t *o;

		px_review_hash(h, r);
		o = json_pack("{ss sO}", "hash", h, "review", r);
		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("Review signed and queued for %s and %s, each in a "
		       "verification case of its own.\n",
		    px_cli_str(r, "discloser"),
		    strcmp(json_string_value(json_array_get(
		               json_object_get(r, "parties"), 0)),
		        px_cli_str(r, "discloser")) == 0
		        ? json_string_value(
		              json_array_get(json_object_get(r, "parties"), 1))
		        : json_string_value(json_array_get(
		              json_object_get(r, "parties"), 0)));
	}
out:
	json_decref(r);
	px_node_free(n);
	return rc;
}

static const struct px_cmd disclose = {
	.name = "disclose",
	.summary = "disclose chosen findings, assessments and items to a "
	           "verifier",
	.usage = "CASE",
	.min_pos = 1,
	.max_pos = 1,
	.opts = disclose_opts,
	.run = run_disclose,
	.details = "Opens a verification case at the verifier with the chosen "
	           "signed messages and both parties' cards, offers each "
	           "chosen item there, and lists every other item of the "
	           "case only by its hash.",
};
static const struct px_cmd vshow = {
	.name = "show",
	.summary = "a disclosure (each signature checked here) or a review",
	.usage = "CASE",
	.min_pos = 1,
	.max_pos = 1,
	.run = run_vshow,
};
static const struct px_cmd review = {
	.name = "review",
	.summary = "review a disclosure and send it to both parties",
	.usage = "CASE",
	.min_pos = 1,
	.max_pos = 1,
	.opts = review_opts,
	.run = run_review,
	.details = "Every disclosed finding gets a verdict and every "
	           "assessment an opinion; items are checked from this "
	           "node's store (verified, mismatch, not-received).  Only a "
	           "node whose role is verifier reviews.",
};
static const struct px_cmd *const vsubs[] = { &disclose, &vshow, &review,
	NULL };

const struct px_cmd px_cmd_verifier = {
	.name = "verifier",
	.summary = "a neutral verifier: disclosure and review",
	.subs = vsubs,
};
