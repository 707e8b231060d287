/*
 * The review report from a node, rendered: what `parley report` and
 * GET /api/v1/reports both do, so that the file and the download are the
 * same bytes for the same period.
 */
#ifndef PX_REPORT_MAKE_H
#define PX_REPORT_MAKE_H

#include <jansson.h>

#include "report/stats.h"
#include "util/buf.h"
#include "util/tz.h"

/* The formats, "json", "csv" and "html" (static strings). */
extern const char *const px_report_formats[];
extern const size_t px_report_formats_n;

/*
 * A period bound: "YYYY-MM-DD" is midnight of that day in `tz` (the
 * node's zone), or for an `end` the midnight after it (a period's last
 * day is included, as people say "to 31 March"); anything else must be
 * an RFC 3339 time, taken as it is (an end instant is excluded).  `name`
 * is how the caller's face calls the value ("--from", "from") in the
 * PX_EINVAL message.
 */
PX_MUST_CHECK int px_report_when(int64_t *out, const char *s,
    const struct px_tz *tz, bool end, const char *name);

/*
 * Computes the report of the exchange with `peer` over [from_ms, to_ms)
 * at `now` (px_report_compute_progress; `cb` may be NULL) and appends it
 * to `out` as `format` ("json": indented, sorted keys, one final newline;
 * "csv"; "html") in `lang` ("en" or "zh").  *report (may be NULL) gets the
 * computed report, a new reference.  PX_EINVAL names a bad format or
 * language; otherwise as px_report_compute.
 */
PX_MUST_CHECK int px_report_make(struct px_buf *out, json_t **report,
    struct px_node *n, const char *peer, int64_t from_ms, int64_t to_ms,
    int64_t now, const char *format, const char *lang, px_report_progress_fn cb,
    void *arg);

#endif
