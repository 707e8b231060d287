/*
 * Requests that say what they need, and reports that carry what a
 * receiver needs (docs/evidence.md, "Requests and completeness").
 *
 * An opening report or request may carry, beside its case header and
 * text:
 *
 *   "excerpts":     [{"source", "tool"?, "text"}]      log excerpts
 *   "preservation": {"authority", "offence", "facts", "data",
 *                    "relation", "custodian", "necessity",
 *                    "mla_intent"}        (request_type preservation)
 *   "wanted":       [FIELD...]            (request_type evidence)
 *
 * A preservation request must carry each field the Budapest Convention
 * (Art. 29(2)) asks for; a node refuses to sign one that lacks any, and
 * names it.  For everything else the completeness check lists what the
 * receiver will miss (times with zones, observables, log excerpts,
 * hashes, the acquisition tool) before it is sent; the sender decides.
 * A receiver asking for more (triage needs-info) cites the missing
 * fields by these names in its `missing` member.
 */
#ifndef PX_COMPLETE_H
#define PX_COMPLETE_H

#include <jansson.h>
#include <stdbool.h>

#include "util/err.h"

/* Every field name a completeness report or a needs-info may cite,
 * NULL-terminated: the general ones, "preservation.<member>" for the
 * preservation fields, and the kinds of technical detail an evidence
 * request may want. */
extern const char *const px_complete_fields[];
/* What each field means, for people (same order). */
extern const char *const px_complete_labels[];
/* The technical details an evidence request can name in "wanted". */
extern const char *const px_wanted_fields[];

/* True if `name` is in px_complete_fields or px_wanted_fields. */
bool px_complete_field_known(const char *name);

/* Validates the optional "excerpts", "preservation" and "wanted"
 * members of an opening body (shape only: a receiver keeps a request
 * that lacks fields, and says which). */
PX_MUST_CHECK int px_complete_body_check(const json_t *body);
/* Validates a needs-info's "missing" array. */
PX_MUST_CHECK int px_complete_missing_check(const json_t *a);

/* What a receiver will miss in an opening message `body` (its case
 * header, text, excerpts, preservation, wanted) given the manifests of
 * the evidence items on the case (`manifests`, may be NULL): a new
 * array of {"field", "required", "detail"}.  `required` is true for what
 * a node refuses to sign without (the preservation fields, an evidence
 * request's wanted list). */
json_t *px_complete_check(const json_t *body, const json_t *manifests);

#endif
