/*
 * The agreement record between two parties: every version of the terms
 * either of them proposed, how each was answered, and from that the
 * version in force at any time and the terms each case counts under
 * (docs/protocol.md "Agreements", docs/clocks.md "Which terms").
 *
 * A proposal is a signed `propose` message opening a case of kind
 * agreement; its receiver answers with a signed `accept` or `decline`,
 * its proposer may `withdraw` it.  Both parties hold the same messages,
 * so both derive the same record:
 *
 *   - the version in force at time t is the highest version among the
 *     proposals accepted at or before t (the accept message's signed
 *     time); two accepted proposals of one version (they crossed in
 *     transit) are ordered by acceptance time, then by the lower proposal
 *     hash, and the first wins;
 *   - before any acceptance, version 0: the documented defaults
 *     (px_agreement_default);
 *   - a case counts under the version its opening message names when the
 *     record holds that version as accepted (or it is 0), else under the
 *     version in force when it was opened; a case naming a version other
 *     than the one in force when it was opened shows the disagreement.
 *
 * Pure: no store, no clock.  The node builds the record from its store
 * (node/agreement.c).
 */
#ifndef PX_ACCORD_H
#define PX_ACCORD_H

#include <stdbool.h>
#include <stdint.h>

#include "model/agreement.h"
#include "model/case.h"

enum px_prop_state {
	PX_PROP_PENDING,
	PX_PROP_ACCEPTED,
	PX_PROP_DECLINED,
	PX_PROP_WITHDRAWN,
	PX_PROP__N
};
/* "pending", "accepted", "declined", "withdrawn". */
extern const char *const px_prop_state_names[PX_PROP__N];

/* One proposed version.  Strings are owned (px_accord_dispose). */
struct px_proposal {
	char case_id[PX_UUID_STRLEN]; /* = the propose message's id */
	char hash[PX_HASH_HEX];       /* the propose message's hash */
	char *proposer, *receiver;
	int64_t version;
	int64_t proposed_ms;
	enum px_prop_state state;
	int64_t answered_ms; /* accept, decline or withdraw time, or -1 */
	char *answer_hash;   /* that message's hash, or NULL */
	char *reason;        /* the decline's or withdraw's text, or NULL */
	char *terms_text;    /* the terms as proposed, canonical JSON */
	/* Read from terms_text by px_accord_add. */
	bool readable;
	char *why; /* why they cannot be read, or NULL */
	struct px_agreement terms;
};

struct px_accord {
	struct px_proposal *v; /* in the order added */
	size_t n;
	struct px_agreement defaults; /* version 0 */
};

void px_accord_init(struct px_accord *a);
void px_accord_dispose(struct px_accord *a);

/* Adds a proposal, taking ownership of its strings (*p is cleared);
 * reads its terms (a proposal whose terms this node cannot read stays in
 * the record, with why, and is never in force). */
void px_accord_add(struct px_accord *a, struct px_proposal *p);

/* The proposal a replayed agreement case stands for (strings are heap
 * copies; terms_text is the canonical JSON of its terms).  PX_EINVAL if
 * the case is not of kind agreement. */
PX_MUST_CHECK int px_proposal_from_case(
    struct px_proposal *out, const struct px_case *c);

/* The proposal in force at `at` (INT64_MAX: the latest), or -1 when
 * version 0 (the defaults) is. */
int px_accord_in_force(const struct px_accord *a, int64_t at);
/* The accepted proposal of `version` (the first, if two crossed), or -1. */
int px_accord_find(const struct px_accord *a, int64_t version);
/* The version of proposal i (0 for -1) and its terms (the defaults for
 * -1); borrowed. */
int64_t px_accord_version(const struct px_accord *a, int i);
const struct px_agreement *px_accord_terms(const struct px_accord *a, int i);
/* The version a new proposal takes: one above every version proposed so
 * far, by either side. */
int64_t px_accord_next_version(const struct px_accord *a);
/* The pending proposal of `version` made to `self`, or -1. */
int px_accord_pending_to(
    const struct px_accord *a, const char *self, int64_t version);
/* True if a pending proposal can no longer take effect: a version at
 * least as high is in force. */
bool px_accord_superseded(const struct px_accord *a, size_t i);

/* Whether `self` may accept proposal i now (the sender's rules; a
 * receiver keeps whatever arrives): it was made to self, is pending,
 * readable, newer than the version in force, and self has no pending
 * proposal of the same version (the two crossed: one side withdraws or
 * declines first).  0 or PX_ECONFLICT saying why. */
PX_MUST_CHECK int px_accord_may_accept(
    const struct px_accord *a, size_t i, const char *self);

/* Which terms a case counts under, and whether the parties disagree. */
struct px_case_terms {
	int64_t named;    /* the version the opening message names */
	bool named_given; /* false: it names none (read as 0) */
	bool held;        /* named is 0 or accepted in the record */
	int64_t in_force; /* the version in force when it was opened */
	int64_t used;     /* named if held, else in_force */
	const struct px_agreement *terms; /* the terms of `used`, borrowed */
	int idx;       /* the proposal of `used`, or -1 for version 0 */
	bool disagree; /* !held, or named != in_force */
};

/* The terms case `c` counts under (docs/clocks.md).  Agreement cases
 * themselves count no deadline and never disagree. */
void px_accord_case(struct px_case_terms *out, const struct px_accord *a,
    const struct px_case *c);
/* The disagreement in words, into out[n] ("" when there is none). */
void px_case_terms_explain(char *out, size_t n, const struct px_case_terms *t,
    const struct px_accord *a);

#endif
