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

/* Appends the HTML page to `out`.  PX_EINVAL for an unknown language or
 * a report that lacks a member the page needs (the message names it). */
PX_MUST_CHECK int px_report_html(
    struct px_buf *out, const json_t *report, const char *lang);
/* Appends RFC 4180 CSV: one row per figure (section, direction, metric,
 * value) and then one row per case, with column names translated. */
PX_MUST_CHECK int px_report_csv(
    struct px_buf *out, const json_t *report, const char *lang);

#endif
