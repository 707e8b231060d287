/*
 * The review report computed and rendered (make.h), shared by the CLI and
 * the analyst API.
 */
#include "node/node.h"
#include "report/make.h"
#include "report/render.h"
#include "util/util.h"

const char *const px_report_formats[] = { "json", "csv", "html" };
const size_t px_report_formats_n = PX_ARRAY_LEN(px_report_formats);

int
px_report_when(int64_t *out, const char *s, const struct px_tz *tz, bool end,
    const char *name)
{
	int64_t y, t;
	unsigned m, d;

	if (strlen(s) == 10 && px_time_parse(&t, s, 1) == 0) {
		px_civil_from_days(t / 86400000 + (end ? 1 : 0), &y, &m, &d);
		*out = px_tz_from_local(tz, y, m, d, 0, 0);
		return 0;
	}
	if (px_time_parse(out, s, 0) < 0)
		return px_error_set(PX_EINVAL,
		    "%s '%s' is not a date (YYYY-MM-DD) or an RFC 3339 time "
		    "(2026-07-01T00:00:00Z)",
		    name, s);
	return 0;
}

int
px_report_make(struct px_buf *out, json_t **report, struct px_node *n,
    const char *peer, int64_t from_ms, int64_t to_ms, int64_t now,
    const char *format, const char *lang, px_report_progress_fn cb, void *arg)
{
	json_t *rep = NULL;
	bool known = false;
	int rc;

	if (report)
		*report = NULL;
	for (size_t i = 0; i < px_report_formats_n; i++)
		known = known || strcmp(format, px_report_formats[i]) == 0;
	if (!known)
		return px_error_set(PX_EINVAL,
		    "unknown format '%s' (expected one of: html, csv, json)",
		    format);
	if (strcmp(lang, "en") != 0 && strcmp(lang, "zh") != 0)
		return px_error_set(PX_EINVAL,
		    "unknown language '%s' (expected en or zh)", lang);
	if ((rc = px_report_compute_progress(
	         &rep, n, peer, from_ms, to_ms, now, cb, arg)) < 0)
		return rc;
	if (strcmp(format, "json") == 0) {
		char *s = json_dumps(rep,
		    JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));

		if (s == NULL) {
			rc = px_error_set(PX_ERR, "cannot encode the report");
			goto out;
		}
		if ((rc = px_buf_adds(out, s)) == 0)
			rc = px_buf_addc(out, '\n');
		free(s);
	} else if (strcmp(format, "csv") == 0) {
		rc = px_report_csv(out, rep, lang);
	} else {
		rc = px_report_html(out, rep, lang, n->tz);
	}
out:
	if (rc == 0 && report) {
		*report = rep;
		rep = NULL;
	}
	json_decref(rep);
	return rc;
}
