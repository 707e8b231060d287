/*
 * Findings, assessments and a neutral verifier's review
 * (docs/attribution.md).
 *
 * A finding states what was observed: it cites evidence items, the
 * method and tool, and the steps to reproduce it.  It holds no judgment,
 * so estimative words ("likely", "probably", "很可能") are refused in it
 * (px_lint_estimative).  An assessment is the judgment: a claim of a
 * stated kind resting on supporting and contrary findings, with its
 * assumptions and the alternatives considered, a likelihood on the
 * seven steps of ICD 203, a confidence (low, moderate, high) as a
 * separate field, the source's reliability and the information's
 * credibility on the Admiralty scale, and what would change it.  Its
 * confidence may not exceed what its weakest supporting finding allows
 * (px_confidence_ceiling).  Assessments are versioned: a new version
 * names the one it supersedes, and every version stays in the record.
 *
 * A disclosure (message "disclose") gives a verifier a chosen set of a
 * case's signed findings, assessments and evidence items; the items
 * withheld appear only as their manifest hashes (hiding commitments,
 * model/evidence.h).  The verifier's review (message "review") judges
 * each disclosed finding (reproduced, not reproduced, untestable,
 * disputed) and gives an opinion on each assessment, from strongly
 * disagree to strongly agree; it is sent to both parties, so both logs
 * witness it.
 *
 * Everything here is pure: the rules a sender applies before it signs,
 * and the same rules giving "no effect" for a receiver.
 */
#ifndef PX_ATTRIB_H
#define PX_ATTRIB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "model/signed.h"
#include "model/types.h"

/* ICD 203's seven steps of likelihood (wire names; labels are the
 * directive's words, both of its parallel wordings). */
enum px_likelihood {
	PX_LK_ALMOST_NO_CHANCE,
	PX_LK_VERY_UNLIKELY,
	PX_LK_UNLIKELY,
	PX_LK_ROUGHLY_EVEN,
	PX_LK_LIKELY,
	PX_LK_VERY_LIKELY,
	PX_LK_ALMOST_CERTAIN,
	PX_LK__N
};
extern const struct px_name px_likelihood_names[PX_LK__N];

enum px_confidence { PX_CONF_LOW, PX_CONF_MODERATE, PX_CONF_HIGH, PX_CONF__N };
extern const struct px_name px_confidence_names[PX_CONF__N];

enum px_assess_kind { PX_AK_TECHNICAL, PX_AK_LEGAL, PX_AK_POLITICAL, PX_AK__N };
extern const struct px_name px_assess_kind_names[PX_AK__N];

/* The Admiralty (NATO AJP-2.1) scale: source reliability A-F,
 * information credibility 1-6. */
extern const struct px_name px_reliability_names[6];
extern const struct px_name px_credibility_names[6];

enum px_verdict {
	PX_VD_REPRODUCED,
	PX_VD_NOT_REPRODUCED,
	PX_VD_UNTESTABLE,
	PX_VD_DISPUTED,
	PX_VD__N
};
extern const struct px_name px_verdict_names[PX_VD__N];

enum px_opinion {
	PX_OP_STRONGLY_DISAGREE,
	PX_OP_DISAGREE,
	PX_OP_NEUTRAL,
	PX_OP_AGREE,
	PX_OP_STRONGLY_AGREE,
	PX_OP__N
};
extern const struct px_name px_opinion_names[PX_OP__N];

/* What a verifier found of a disclosed item. */
extern const struct px_name px_item_check_names[4];

/* The first estimative word or phrase in `text` (English, matched as
 * whole words ignoring case; Chinese, matched anywhere): 1 with the
 * word copied to `word` and its byte offset in *at, else 0. */
int px_lint_estimative(const char *text, char *word, size_t n, size_t *at);

/* The highest confidence a finding (its message body) can support:
 * high when it cites evidence, gives reproduction steps and names its
 * tool; moderate with evidence or steps; low otherwise. */
enum px_confidence px_finding_ceiling(const json_t *finding);
/* The highest confidence an assessment may state: the lowest ceiling of
 * its supporting findings (low with none), lowered to moderate by a
 * source reliability of D or a credibility of 4, and to low by E, F, 5
 * or 6.  `findings` are the supporting findings' bodies. */
enum px_confidence px_confidence_ceiling(const json_t *const *findings,
    size_t n, const char *reliability, const char *credibility);

/* Body validators (message.c). */
PX_MUST_CHECK int px_finding_body_check(const json_t *b);
PX_MUST_CHECK int px_assessment_body_check(const json_t *b);
PX_MUST_CHECK int px_disclose_body_check(const json_t *b);
PX_MUST_CHECK int px_review_body_check(const json_t *b);

/* The hash of a review object: SHA-256("parley-review-v1\n" ||
 * JCS(review)); the same in the copy each party gets. */
void px_review_hash(char out[PX_HASH_HEX], const json_t *review);

struct px_case;
struct px_msg;

/* Why finding, assessment, disclose or review message `m` cannot take
 * effect in case `c`, in `buf`; NULL when it can. */
const char *px_attrib_refusal(
    const struct px_case *c, const struct px_msg *m, char *buf, size_t n);
/* The effective finding of `c` whose message hash is `hash`, or NULL. */
const struct px_msg *px_attrib_finding(
    const struct px_case *c, const char *hash);
/* The effective assessment of `c` whose message hash is `hash`, or
 * NULL. */
const struct px_msg *px_attrib_assessment(
    const struct px_case *c, const char *hash);
/* True if assessment `hash` of `c` was superseded by a later version. */
bool px_attrib_superseded(const struct px_case *c, const char *hash);

#endif
