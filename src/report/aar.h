/*
 * The after-action report of an exercise (docs/exercises.md, "After-action
 * report"): the timeline of each inject against the responses it drew,
 * in both parties' zones; times to acknowledge, triage and first
 * response; hotline answer times and the roster depth reached; checks
 * answered; every expectation's status with the messages and log indices
 * that decided it; the objectives' HSEEP ratings; strengths and areas for
 * improvement; the improvement plan.
 *
 * JSON is the source of truth; it embeds the checkpoint it was computed
 * at, both cards, the scores both parties sign (and their hash), and is
 * signed as a whole by the node that wrote it (kind "aar": the first
 * line "parley-aar-v1").  `parley audit verify AAR.json --dir DIR`
 * checks it against either party's record.  HTML (with SVG charts) and
 * CSV are drawn from the JSON.
 */
#ifndef PX_REPORT_AAR_H
#define PX_REPORT_AAR_H

#include <jansson.h>
#include <stdbool.h>

#include "node/node.h"
#include "report/verify.h"
#include "util/buf.h"

/* The signed report of exercise `ref` as this node's record stands at
 * `now` (a new reference). */
PX_MUST_CHECK int px_aar_compute(
    json_t **out, struct px_node *n, const char *ref, int64_t now);

/* Computes and renders: `format` "json" (indented, one final newline),
 * "html" or "csv", in `lang` "en" or "zh".  *aar (may be NULL) gets the
 * computed report. */
PX_MUST_CHECK int px_aar_make(struct px_buf *out, json_t **aar,
    struct px_node *n, const char *ref, int64_t now, const char *format,
    const char *lang);

/* The renderers (aar_render.c): pure, from the JSON. */
PX_MUST_CHECK int px_aar_html(
    struct px_buf *out, const json_t *aar, const char *lang);
/* The same with each time also in the node's zone[0] and its peer's
 * zone[1] (borrowed; either may be NULL). */
struct px_tz;
PX_MUST_CHECK int px_aar_html_zones(struct px_buf *out, const json_t *aar,
    const char *lang, const struct px_tz *zone[2]);

PX_MUST_CHECK int px_aar_csv(
    struct px_buf *out, const json_t *aar, const char *lang);

/* True if the document is an after-action report (has "aar"). */
bool px_aar_is(const json_t *doc);
/* Verifies an after-action report against node `n`'s record
 * (aar_verify.c): its signature, the checkpoint and every entry of this
 * node's log it names, and the scores, figures and objectives recomputed
 * from this node's own messages.  As px_report_verify. */
PX_MUST_CHECK int px_aar_verify(
    struct px_report_verdict *res, struct px_node *n, const json_t *doc);

#endif
