/*
 * Findings, assessments and the neutral verifier at a node
 * (docs/attribution.md): building their messages from an operator's
 * input, the views the faces show, a party's disclosure to a verifier
 * and the verifier's review.  The rules are the model's
 * (model/attrib.h); every piece is a signed message in a case.
 */
#ifndef PX_NODE_ATTRIB_H
#define PX_NODE_ATTRIB_H

#include <jansson.h>

#include "node/actions.h"
#include "node/node.h"

struct px_finding_in {
	struct px_text_in statement;
	const char *method, *tool, *tool_version, *tool_args;
	struct px_text_in steps;     /* reproduction steps; text may be NULL */
	const char *const *evidence; /* item refs of the case */
	size_t nevidence;
};

/* The body of a finding in case `c`. */
PX_MUST_CHECK int px_finding_body(json_t **out, struct px_node *n,
    const struct px_case *c, const struct px_finding_in *in);

struct px_assessment_in {
	const char *kind; /* technical, legal, political */
	struct px_text_in claim, would_change;
	const char *const *supporting, *const *contrary; /* finding refs */
	size_t nsupporting, ncontrary;
	const char *const *assumptions, *const *alternatives;
	size_t nassumptions, nalternatives;
	const char *likelihood, *confidence, *reliability, *credibility;
	const char *supersedes; /* an assessment ref: a new version */
};

/* The body of an assessment in case `c` (its version: 1, or one above
 * the version it supersedes). */
PX_MUST_CHECK int px_assessment_body(json_t **out, struct px_node *n,
    const struct px_case *c, const struct px_assessment_in *in);

/* {"findings": [...], "assessments": [...]} of a case for the faces,
 * each with what the model derives (the confidence ceiling, superseded,
 * its effect), and for a verification case "disclosure" (each disclosed
 * message's signature checked here) and "review". */
json_t *px_attrib_view(struct px_node *n, const struct px_case *c);

/* What a party discloses to a verifier from case `case_ref`. */
struct px_disclose_in {
	const char *case_ref, *verifier;
	const char *const *items, *const *findings, *const *assessments;
	size_t nitems, nfindings, nassessments;
	struct px_text_in text;
};

/* Opens a verification case at `verifier` (whose card must say role
 * verifier) with the chosen signed findings, assessments and item
 * manifests of the case; every other item of the case appears only as
 * its hash (withheld).  Then offers each disclosed item in the new case.
 * *out (may be NULL) gets the disclose message. */
PX_MUST_CHECK int px_attrib_disclose(
    struct px_node *n, const struct px_disclose_in *in, struct px_msg **out);

/* The verifier's review of a disclosure. */
struct px_review_in {
	const char *case_ref;           /* the verification case */
	const char *const *findings;    /* "REF=VERDICT[:comment]" */
	const char *const *assessments; /* "REF=OPINION[:comment]" */
	size_t nfindings, nassessments;
	struct px_text_in text;
};

/* Builds the review (items checked from this node's store, every
 * disclosed finding and assessment judged) and sends it to both parties,
 * each in a new verification case.  *review (may be NULL) gets the
 * review object; only a node whose role is verifier reviews. */
PX_MUST_CHECK int px_attrib_review(
    struct px_node *n, const struct px_review_in *in, json_t **review);

#endif
