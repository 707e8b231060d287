/*
 * Rendering a computed review report (docs/report.md gives the JSON it
 * reads) as a self-contained HTML page with inline SVG charts, or as CSV.
 * Pure: no I/O, no clock.  `lang` is "en" or "zh" (Simplified Chinese).
 */
#ifndef PX_REPORT_RENDER_H
#define PX_REPORT_RENDER_H

#include <jansson.h>

#include "util/buf.h"
#include "util/err.h"

struct px_tz;

/* Appends the HTML page to `out`.  PX_EINVAL for an unknown language or
 * a report that lacks a member the page needs (the message names it).
 * `tz` (borrowed; may be NULL) is the report's zone, loaded by the
 * caller: when it is given and named as the report's, the period is also
 * shown as the days a reader chose, in that zone. */
PX_MUST_CHECK int px_report_html(struct px_buf *out, const json_t *report,
    const char *lang, const struct px_tz *tz);
/* Appends RFC 4180 CSV: one row per figure (section, direction, metric,
 * value) and then one row per case, with column names translated. */
PX_MUST_CHECK int px_report_csv(
    struct px_buf *out, const json_t *report, const char *lang);

#endif
