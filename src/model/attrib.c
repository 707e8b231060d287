/*
 * Findings, assessments, disclosures and reviews (attrib.h).
 */
#include <strings.h>

#include "crypto/sign.h"
#include "model/attrib.h"
#include "model/canon.h"
#include "model/card.h"
#include "model/case.h"
#include "model/evidence.h"
#include "model/message.h"
#include "util/util.h"

const struct px_name px_likelihood_names[PX_LK__N] = {
	{ "almost-no-chance", "almost no chance (remote), 1-5%" },
	{ "very-unlikely", "very unlikely (highly improbable), 5-20%" },
	{ "unlikely", "unlikely (improbable), 20-45%" },
	{ "roughly-even-chance",
	    "roughly even chance (roughly even odds), "
	    "45-55%" },
	{ "likely", "likely (probable), 55-80%" },
	{ "very-likely", "very likely (highly probable), 80-95%" },
	{ "almost-certain", "almost certain (nearly certain), 95-99%" },
};

const struct px_name px_confidence_names[PX_CONF__N] = {
	{ "low", "low confidence" },
	{ "moderate", "moderate confidence" },
	{ "high", "high confidence" },
};

const struct px_name px_assess_kind_names[PX_AK__N] = {
	{ "technical", "technical attribution" },
	{ "legal", "legal attribution" },
	{ "political", "political attribution" },
};

const struct px_name px_reliability_names[6] = {
	{ "A", "completely reliable" },
	{ "B", "usually reliable" },
	{ "C", "fairly reliable" },
	{ "D", "not usually reliable" },
	{ "E", "unreliable" },
	{ "F", "reliability cannot be judged" },
};

const struct px_name px_credibility_names[6] = {
	{ "1", "confirmed by other sources" },
	{ "2", "probably true" },
	{ "3", "possibly true" },
	{ "4", "doubtful" },
	{ "5", "improbable" },
	{ "6", "truth cannot be judged" },
};

const struct px_name px_verdict_names[PX_VD__N] = {
	{ "reproduced", "reproduced" },
	{ "not-reproduced", "not reproduced" },
	{ "untestable", "untestable" },
	{ "disputed", "disputed" },
};

const struct px_name px_opinion_names[PX_OP__N] = {
	{ "strongly-disagree", "strongly disagree" },
	{ "disagree", "disagree" },
	{ "neutral", "neither agree nor disagree" },
	{ "agree", "agree" },
	{ "strongly-agree", "strongly agree" },
};

const struct px_name px_item_check_names[4] = {
	{ "verified", "hashes recomputed and equal" },
	{ "mismatch", "hashes recomputed and different" },
	{ "not-received", "disclosed but never received" },
	{ "withheld", "withheld: seen only as its hash" },
};

/* Estimative language (ICD 203's words and common hedges).  English is
 * matched as whole words, ignoring case; Chinese has no spaces between
 * words, so its phrases match anywhere.  Longer phrases come first so a
 * match names "almost certainly", not "almost". */
static const char *const words_en[] = { "in all likelihood", "almost no chance",
	"almost certainly", "highly improbable", "highly probable",
	"nearly certain", "almost certain", "highly likely", "very unlikely",
	"highly unlikely", "roughly even", "remote chance", "conceivably",
	"very likely", "even chance", "presumably", "apparently", "we estimate",
	"improbable", "likelihood", "seemingly", "appears to", "we believe",
	"we assess", "plausibly", "plausible", "suspected", "we judge",
	"probably", "probable", "possibly", "possible", "unlikely", "perhaps",
	"likely", "maybe", "seems", NULL };
static const char *const words_zh[] = { "几乎可以肯定", "基本可以肯定",
	"几乎不可能", "几乎肯定", "极有可能", "很有可能", "非常可能",
	"不太可能", "极不可能", "大致各半", "可能性", "很可能", "有可能",
	"大概率", "可能", "大概", "也许", "或许", "估计", "推测", "似乎",
	"疑似", "据信", "看来", "多半", "恐怕", "八成", NULL };

static bool
word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '\'' || c >= 0x80;
}

int
px_lint_estimative(const char *text, char *word, size_t n, size_t *at)
{
	const unsigned char *t = (const unsigned char *)text;

	if (text == NULL)
		return 0;
	for (size_t i = 0; t[i]; i++) {
		bool start = i == 0 || !word_char(t[i - 1]);

		for (size_t k = 0; start && words_en[k]; k++) {
			size_t len = strlen(words_en[k]);

			if (strncasecmp(text + i, words_en[k], len) == 0 &&
			    !word_char(t[i + len])) {
				snprintf(word, n, "%s", words_en[k]);
				*at = i;
				return 1;
			}
		}
		if (t[i] < 0x80)
			continue;
		for (size_t k = 0; words_zh[k]; k++) {
			size_t len = strlen(words_zh[k]);

			if (strncmp(text + i, words_zh[k], len) == 0) {
				snprintf(word, n, "%s", words_zh[k]);
				*at = i;
				return 1;
			}
		}
	}
	return 0;
}

enum px_confidence
px_finding_ceiling(const json_t *f)
{
	bool ev = json_array_size(json_object_get(f, "evidence")) > 0;
	bool steps = json_object_get(f, "reproduction") != NULL;
	bool tool = json_object_get(f, "tool") != NULL;

	if (ev && steps && tool)
		return PX_CONF_HIGH;
	if (ev || steps)
		return PX_CONF_MODERATE;
	return PX_CONF_LOW;
}

enum px_confidence
px_confidence_ceiling(const json_t *const *findings, size_t n,
    const char *reliability, const char *credibility)
{
	enum px_confidence c = n ? PX_CONF_HIGH : PX_CONF_LOW;

	for (size_t i = 0; i < n; i++) {
		enum px_confidence f = px_finding_ceiling(findings[i]);

		if (f < c)
			c = f;
	}
	/* A source that is not usually reliable, or information that is
	 * doubtful, supports no high confidence; an unreliable source,
	 * improbable information, or either one that cannot be judged,
	 * supports only low. */
	if (reliability && credibility) {
		char r = reliability[0], k = credibility[0];

		if ((r == 'E' || r == 'F' || k == '5' || k == '6') &&
		    c > PX_CONF_LOW)
			c = PX_CONF_LOW;
		else if ((r == 'D' || k == '4') && c > PX_CONF_MODERATE)
			c = PX_CONF_MODERATE;
	}
	return c;
}

/* An array of at most `max` hashes. */
static int
hash_array(const json_t *a, size_t max, bool required, const char *what)
{
	const json_t *v;
	size_t i;

	if (a == NULL && !required)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > max)
		return px_error_set(PX_EINVAL,
		    "%s must be an array of at most %zu hashes", what, max);
	json_array_foreach(a, i, v)
	{
		const char *s = json_string_value(v);
		uint8_t h[32];
		char hex[PX_HASH_HEX];

		if (s == NULL || strlen(s) != 64 ||
		    px_hex_decode(h, 32, s) < 0 ||
		    (px_hex_encode(hex, h, 32), strcmp(hex, s) != 0))
			return px_error_set(PX_EINVAL,
			    "%s: entry %zu is not 64 lowercase hex digits",
			    what, i + 1);
	}
	return 0;
}

static int
string_array(const json_t *a, size_t max, size_t len, const char *what)
{
	const json_t *v;
	size_t i;
	int rc;

	if (a == NULL)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > max)
		return px_error_set(PX_EINVAL,
		    "%s must be an array of at most %zu strings", what, max);
	json_array_foreach(a, i, v)
	{
		const char *s = json_string_value(v);

		if (s == NULL || *s == '\0' || strlen(s) > len)
			return px_error_set(PX_EINVAL,
			    "%s: entry %zu must be a string of 1 to %zu bytes",
			    what, i + 1, len);
		if ((rc = px_check_printable(s, true, what)) < 0)
			return rc;
	}
	return 0;
}

static int
text_member(const json_t *b, const char *key, bool required, const char *what)
{
	const json_t *t = json_object_get(b, key);

	if (t == NULL)
		return required ? px_error_set(PX_EINVAL,
		                      "%s: '%s' (a text) is missing", what, key)
		                : 0;
	return px_check_text(t, key);
}

static int
tool_member(const json_t *t)
{
	static const char *const mem[] = { "name", "version", "args", NULL };
	const char *s;
	int rc;

	if (t == NULL)
		return 0;
	if ((rc = px_j_only(t, mem, "tool")) < 0 ||
	    (rc = px_j_str(&s, t, "name", 100, "tool")) < 0 ||
	    (rc = px_check_printable(s, false, "tool name")) < 0 ||
	    (rc = px_j_str(&s, t, "version", 100, "tool")) < 0 ||
	    (rc = px_check_printable(s, false, "tool version")) < 0 ||
	    (rc = px_j_str_opt(&s, t, "args", 4096, "tool")) < 0 ||
	    (s && (rc = px_check_printable(s, false, "tool args")) < 0))
		return rc;
	return 0;
}

int
px_finding_body_check(const json_t *b)
{
	static const char *const mem[] = { "statement", "evidence", "method",
		"tool", "reproduction", NULL };
	const char *s;
	int rc;

	if ((rc = px_j_only(b, mem, "finding")) < 0 ||
	    (rc = text_member(b, "statement", true, "finding")) < 0 ||
	    (rc = hash_array(json_object_get(b, "evidence"), 64, false,
	         "finding: 'evidence'")) < 0 ||
	    (rc = px_j_str(&s, b, "method", 500, "finding")) < 0 ||
	    (rc = px_check_printable(s, true, "finding method")) < 0 ||
	    (rc = tool_member(json_object_get(b, "tool"))) < 0 ||
	    (rc = text_member(b, "reproduction", false, "finding")) < 0)
		return rc;
	return 0;
}

int
px_assessment_body_check(const json_t *b)
{
	static const char *const mem[] = { "kind", "claim", "supporting",
		"contrary", "assumptions", "alternatives", "likelihood",
		"confidence", "source_reliability", "information_credibility",
		"would_change", "version", "supersedes", NULL };
	char h[PX_HASH_HEX];
	int64_t v;
	int x, rc;

	if ((rc = px_j_only(b, mem, "assessment")) < 0 ||
	    (rc = px_j_enum(&x, b, "kind", px_assess_kind_names, PX_AK__N,
	         "assessment")) < 0 ||
	    (rc = text_member(b, "claim", true, "assessment")) < 0 ||
	    (rc = hash_array(json_object_get(b, "supporting"), 64, true,
	         "assessment: 'supporting'")) < 0 ||
	    (rc = hash_array(json_object_get(b, "contrary"), 64, false,
	         "assessment: 'contrary'")) < 0 ||
	    (rc = string_array(json_object_get(b, "assumptions"), 32, 2000,
	         "assessment: 'assumptions'")) < 0 ||
	    (rc = string_array(json_object_get(b, "alternatives"), 32, 2000,
	         "assessment: 'alternatives'")) < 0 ||
	    (rc = px_j_enum(&x, b, "likelihood", px_likelihood_names, PX_LK__N,
	         "assessment")) < 0 ||
	    (rc = px_j_enum(&x, b, "confidence", px_confidence_names,
	         PX_CONF__N, "assessment")) < 0 ||
	    (rc = px_j_enum(&x, b, "source_reliability", px_reliability_names,
	         6, "assessment")) < 0 ||
	    (rc = px_j_enum(&x, b, "information_credibility",
	         px_credibility_names, 6, "assessment")) < 0 ||
	    (rc = text_member(b, "would_change", true, "assessment")) < 0 ||
	    (rc = px_j_int(&v, b, "version", 1, 1000000, "assessment")) < 0)
		return rc;
	if ((v > 1) != (json_object_get(b, "supersedes") != NULL))
		return px_error_set(PX_EINVAL,
		    v > 1 ? "assessment: version %lld names the version it "
		            "'supersedes'"
		          : "assessment: version %lld supersedes nothing",
		    (long long)v);
	if (v > 1 && (rc = px_j_hash(h, b, "supersedes", "assessment")) < 0)
		return rc;
	return 0;
}

static int
parties_member(const json_t *o, const char *what)
{
	const json_t *p = json_object_get(o, "parties");
	int rc;

	if (!json_is_array(p) || json_array_size(p) != 2 ||
	    !json_is_string(json_array_get(p, 0)) ||
	    !json_is_string(json_array_get(p, 1)))
		return px_error_set(PX_EINVAL,
		    "%s: 'parties' must name the case's two parties", what);
	if ((rc = px_check_node_name(
	         json_string_value(json_array_get(p, 0)), what)) < 0 ||
	    (rc = px_check_node_name(
	         json_string_value(json_array_get(p, 1)), what)) < 0)
		return rc;
	return 0;
}

static bool
in_array(const json_t *a, const char *s)
{
	const json_t *v;
	size_t i;

	json_array_foreach(a, i, v) if (json_is_string(v) &&
	    strcmp(json_string_value(v), s) == 0) return true;
	return false;
}

static int
check_disclosed(const json_t *d)
{
	const json_t *msgs = json_object_get(d, "messages"), *v;
	const json_t *items = json_object_get(d, "items");
	const json_t *withheld = json_object_get(d, "withheld");
	const json_t *cards = json_object_get(d, "cards");
	const json_t *parties = json_object_get(d, "parties");
	const char *cid = json_string_value(json_object_get(d, "case"));
	size_t i;
	int rc;

	if (!json_is_array(msgs) || json_array_size(msgs) > 1024)
		return px_error_set(PX_EINVAL,
		    "disclosure: 'messages' must be an array of at most 1024 "
		    "signed messages");
	if (!json_is_array(cards) || json_array_size(cards) != 2)
		return px_error_set(PX_EINVAL,
		    "disclosure: 'cards' must hold both parties' cards");
	json_array_foreach(cards, i, v)
	{
		struct px_card card;

		if ((rc = px_card_from_json(
		         &card, (json_t *)v, "disclosure card")) < 0)
			return rc;
		rc = strcmp(card.name,
		         json_string_value(json_array_get(parties, i))) == 0
		    ? 0
		    : px_error_set(PX_EINVAL,
		          "disclosure: card %zu is %s's, not %s's", i + 1,
		          card.name,
		          json_string_value(json_array_get(parties, i)));
		px_card_dispose(&card);
		if (rc < 0)
			return rc;
	}
	json_array_foreach(msgs, i, v)
	{
		struct px_msg *m = NULL;
		char w[48];

		snprintf(w, sizeof(w), "disclosed message %zu", i + 1);
		if ((rc = px_msg_parse(&m, (json_t *)v, w)) < 0)
			return rc;
		if (strcmp(m->case_id, cid) != 0 ||
		    !in_array(parties, m->from) ||
		    (m->type != PX_MSG_FINDING &&
		        m->type != PX_MSG_ASSESSMENT &&
		        m->type != PX_MSG_EVIDENCE))
			rc = px_error_set(PX_EINVAL,
			    "%s: a disclosure carries findings, assessments "
			    "and evidence events of case %s signed by its "
			    "parties",
			    w, cid);
		px_msg_free(m);
		if (rc < 0)
			return rc;
	}
	json_array_foreach(items, i,
	    v) if (in_array(withheld,
	               json_string_value(v))) return px_error_set(PX_EINVAL,
	    "disclosure: item %.16s... is both disclosed and withheld",
	    json_string_value(v));
	return 0;
}

int
px_disclose_body_check(const json_t *b)
{
	static const char *const mem[] = { "case", "disclosure", "text", NULL };
	static const char *const dmem[] = { "case", "parties", "cards",
		"messages", "items", "withheld", NULL };
	const json_t *d = json_object_get(b, "disclosure");
	const char *s;
	int rc;

	if ((rc = px_j_only(b, mem, "body")) < 0)
		return rc;
	if (!json_is_object(d))
		return px_error_set(PX_EINVAL,
		    "body: a disclose message needs a 'disclosure' object");
	if ((rc = px_j_only(d, dmem, "disclosure")) < 0 ||
	    (rc = px_j_str(&s, d, "case", 36, "disclosure")) < 0)
		return rc;
	if (!px_uuid_valid(s))
		return px_error_set(PX_EINVAL,
		    "disclosure: case '%s' is not a lowercase UUID", s);
	if ((rc = parties_member(d, "disclosure")) < 0 ||
	    (rc = hash_array(json_object_get(d, "items"), 1024, true,
	         "disclosure: 'items'")) < 0 ||
	    (rc = hash_array(json_object_get(d, "withheld"), 1024, true,
	         "disclosure: 'withheld'")) < 0)
		return rc;
	return check_disclosed(d);
}

static int
check_review_list(const json_t *a, const char *key, const char *what,
    const struct px_name *names, size_t nn, const char *vkey)
{
	const json_t *v;
	size_t i;
	int rc;

	if (!json_is_array(a) || json_array_size(a) > 1024)
		return px_error_set(PX_EINVAL,
		    "review: '%s' must be an array of at most 1024", what);
	json_array_foreach(a, i, v)
	{
		const char *mem[] = { key, vkey, "comment", "sha256", NULL };
		char h[PX_HASH_HEX];
		const char *s;
		int x;

		if (strcmp(what, "items") != 0)
			mem[3] = NULL;
		if ((rc = px_j_only(v, mem, what)) < 0 ||
		    (rc = px_j_hash(h, v, key, what)) < 0 ||
		    (rc = px_j_enum(&x, v, vkey, names, nn, what)) < 0 ||
		    (rc = px_j_str_opt(&s, v, "comment", 4096, what)) < 0 ||
		    (s && (rc = px_check_printable(s, true, "comment")) < 0) ||
		    (json_object_get(v, "sha256") &&
		        (rc = px_j_hash(h, v, "sha256", what)) < 0))
			return rc;
	}
	return 0;
}

int
px_review_body_check(const json_t *b)
{
	static const char *const mem[] = { "case", "review", "text", NULL };
	static const char *const rmem[] = { "disclosure", "case", "parties",
		"discloser", "verifier", "items", "findings", "assessments",
		"withheld", NULL };
	const json_t *r = json_object_get(b, "review");
	char h[PX_HASH_HEX];
	const char *s;
	int rc;

	if ((rc = px_j_only(b, mem, "body")) < 0)
		return rc;
	if (!json_is_object(r))
		return px_error_set(PX_EINVAL,
		    "body: a review message needs a 'review' object");
	if ((rc = px_j_only(r, rmem, "review")) < 0 ||
	    (rc = px_j_hash(h, r, "disclosure", "review")) < 0 ||
	    (rc = px_j_str(&s, r, "case", 36, "review")) < 0)
		return rc;
	if (!px_uuid_valid(s))
		return px_error_set(
		    PX_EINVAL, "review: case '%s' is not a lowercase UUID", s);
	if ((rc = parties_member(r, "review")) < 0 ||
	    (rc = px_j_str(&s, r, "discloser", 253, "review")) < 0 ||
	    (rc = px_check_node_name(s, "review discloser")) < 0 ||
	    (rc = px_j_str(&s, r, "verifier", 253, "review")) < 0 ||
	    (rc = px_check_node_name(s, "review verifier")) < 0 ||
	    (rc = check_review_list(json_object_get(r, "items"), "item",
	         "items", px_item_check_names, 4, "status")) < 0 ||
	    (rc = check_review_list(json_object_get(r, "findings"), "finding",
	         "findings", px_verdict_names, PX_VD__N, "verdict")) < 0 ||
	    (rc = check_review_list(json_object_get(r, "assessments"),
	         "assessment", "assessments", px_opinion_names, PX_OP__N,
	         "opinion")) < 0 ||
	    (rc = hash_array(json_object_get(r, "withheld"), 1024, true,
	         "review: 'withheld'")) < 0)
		return rc;
	return 0;
}

void
px_review_hash(char out[PX_HASH_HEX], const json_t *review)
{
	struct px_buf b;
	uint8_t h[32];

	px_buf_init(&b, PX_BUF_NOCAP);
	if (px_signed_bytes(&b, "review", review) == 0) {
		px_sha256(h, b.data, b.len);
		px_hex_encode(out, h, 32);
	} else {
		out[0] = '\0';
	}
	px_buf_dispose(&b);
}

static const struct px_msg *
effective(const struct px_case *c, const char *hash, enum px_msg_type t)
{
	for (size_t i = 0; hash && i < c->n; i++)
		if (c->msgs[i]->type == t && c->why[i] == NULL &&
		    strcmp(c->msgs[i]->hash, hash) == 0)
			return c->msgs[i];
	return NULL;
}

const struct px_msg *
px_attrib_finding(const struct px_case *c, const char *hash)
{
	return effective(c, hash, PX_MSG_FINDING);
}

const struct px_msg *
px_attrib_assessment(const struct px_case *c, const char *hash)
{
	return effective(c, hash, PX_MSG_ASSESSMENT);
}

bool
px_attrib_superseded(const struct px_case *c, const char *hash)
{
	for (size_t i = 0; i < c->n; i++) {
		const char *s;

		if (c->msgs[i]->type != PX_MSG_ASSESSMENT || c->why[i])
			continue;
		s = json_string_value(
		    json_object_get(c->msgs[i]->body, "supersedes"));
		if (s && strcmp(s, hash) == 0)
			return true;
	}
	return false;
}

static const char *
lint_text(const json_t *t, const char *what, char *buf, size_t n)
{
	const char *vals[2] = { json_string_value(json_object_get(t, "value")),
		json_string_value(json_object_get(
		    json_object_get(t, "translation"), "value")) };
	char word[64];
	size_t at;

	for (int i = 0; i < 2; i++)
		if (px_lint_estimative(vals[i], word, sizeof(word), &at)) {
			snprintf(buf, n,
			    "the %s%s uses the estimative word '%s' (byte "
			    "%zu): a finding states what was observed; put "
			    "judgments in an assessment",
			    what, i ? "'s translation" : "", word, at + 1);
			return buf;
		}
	return NULL;
}

static const char *
finding_refusal(
    const struct px_case *c, const struct px_msg *m, char *buf, size_t n)
{
	const json_t *ev = json_object_get(m->body, "evidence"), *v;
	const char *why;
	size_t i;

	if ((why = lint_text(json_object_get(m->body, "statement"),
	         "finding's statement", buf, n)) != NULL)
		return why;
	json_array_foreach(ev, i, v)
	{
		const char *h = json_string_value(v);
		bool found = false;

		for (size_t k = 0; k < c->nev; k++)
			if (strcmp(c->ev[k].man.item, h) == 0)
				found = true;
		if (!found) {
			snprintf(buf, n,
			    "the finding cites evidence item %.16s..., which "
			    "is not in case %s",
			    h, c->id);
			return buf;
		}
	}
	return NULL;
}

static const char *
findings_refusal(const struct px_case *c, const json_t *a, const char *role,
    const json_t ***out, size_t *nout, char *buf, size_t n)
{
	const json_t *v;
	size_t i;

	json_array_foreach(a, i, v)
	{
		const struct px_msg *f =
		    px_attrib_finding(c, json_string_value(v));

		if (f == NULL) {
			snprintf(buf, n,
			    "%s finding %.16s... is not a finding of case %s",
			    role, json_string_value(v), c->id);
			return buf;
		}
		if (out) {
			*out = px_realloc(*out, (*nout + 1) * sizeof(**out));
			(*out)[(*nout)++] = f->body;
		}
	}
	return NULL;
}

static const char *
assessment_refusal(
    const struct px_case *c, const struct px_msg *m, char *buf, size_t n)
{
	const json_t *b = m->body;
	const json_t **sup = NULL;
	size_t nsup = 0;
	const char *why, *conf, *sup_hash;
	int64_t version = json_integer_value(json_object_get(b, "version"));
	enum px_confidence ceiling;
	int want;

	if ((why = findings_refusal(c, json_object_get(b, "supporting"),
	         "supporting", &sup, &nsup, buf, n)) != NULL ||
	    (why = findings_refusal(c, json_object_get(b, "contrary"),
	         "contrary", NULL, NULL, buf, n)) != NULL)
		goto out;
	ceiling = px_confidence_ceiling(sup, nsup,
	    json_string_value(json_object_get(b, "source_reliability")),
	    json_string_value(json_object_get(b, "information_credibility")));
	conf = json_string_value(json_object_get(b, "confidence"));
	want = PX_WIRE(px_confidence_names, conf);
	if (want > (int)ceiling) {
		snprintf(buf, n,
		    "confidence %s exceeds what its weakest supporting finding "
		    "and its sources allow (%s): see docs/attribution.md, "
		    "\"The confidence rule\"",
		    conf, px_confidence_names[ceiling].wire);
		why = buf;
		goto out;
	}
	sup_hash = json_string_value(json_object_get(b, "supersedes"));
	if (sup_hash) {
		const struct px_msg *prev = px_attrib_assessment(c, sup_hash);

		if (prev == NULL || strcmp(prev->from, m->from) != 0 ||
		    json_integer_value(json_object_get(
		        prev->body, "version")) != version - 1 ||
		    px_attrib_superseded(c, sup_hash)) {
			snprintf(buf, n,
			    "version %lld must supersede the current version "
			    "%lld of an assessment by %s in this case",
			    (long long)version, (long long)(version - 1),
			    m->from);
			why = buf;
			goto out;
		}
	}
out:
	free(sup);
	return why;
}

const char *
px_attrib_refusal(
    const struct px_case *c, const struct px_msg *m, char *buf, size_t n)
{
	switch (m->type) {
	case PX_MSG_FINDING:
		if (c->kind == PX_KIND_CHECK || c->kind == PX_KIND_AGREEMENT)
			break;
		return finding_refusal(c, m, buf, n);
	case PX_MSG_ASSESSMENT:
		if (c->kind == PX_KIND_CHECK || c->kind == PX_KIND_AGREEMENT)
			break;
		return assessment_refusal(c, m, buf, n);
	default:
		return NULL;
	}
	snprintf(buf, n, "a %s case takes no %s", px_kind_names[c->kind].wire,
	    px_msg_type_names[m->type].wire);
	return buf;
}
