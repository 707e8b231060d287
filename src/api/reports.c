/*
 * /api/v1/reports: the review report (docs/report.md) over HTTP, computed
 * and rendered by the same function as `parley report` (report/make.h).
 *
 *   GET /api/v1/reports?peer=P[&from=YYYY-MM-DD&to=YYYY-MM-DD
 *       &format=json|html|csv&lang=en|zh&download=1]
 *
 * `to` defaults to today and `from` to six months before `to` (dates in
 * this node's zone, `to` the last day, included, as in the CLI).  download=1
 * adds a Content-Disposition naming the file parley-report-PEER-FROM-TO.EXT.
 */
#include <ctype.h>

#include "api/json.h"
#include "api/routes.h"
#include "net/problem.h"
#include "report/make.h"
#include "util/util.h"

/* `y-m-d` as "YYYY-MM-DD" with the day clamped to the month's last. */
static void
date_str(char out[16], int64_t y, unsigned m, unsigned d)
{
	int64_t ny = m == 12 ? y + 1 : y;
	unsigned nm = m == 12 ? 1 : m + 1;
	int64_t last =
	    px_days_from_civil(ny, nm, 1) - px_days_from_civil(y, m, 1);

	if (d > last)
		d = (unsigned)last;
	snprintf(out, 16, "%04lld-%02u-%02u", (long long)y, m, d);
}

/* The default start: the same day six months before `to` (a checked
 * YYYY-MM-DD), clamped to the month's end. */
static void
six_months_before(char out[16], const char *to)
{
	int64_t y = strtoll(to, NULL, 10);
	unsigned m = (unsigned)strtoul(to + 5, NULL, 10);
	unsigned d = (unsigned)strtoul(to + 8, NULL, 10);

	if (m <= 6) {
		y--;
		m += 6;
	} else {
		m -= 6;
	}
	date_str(out, y, m, d);
}

/* A date parameter: given (it must be YYYY-MM-DD) or the default. */
static int
date_param(int64_t *ms, char out[16], const char *given, const char *name,
    const struct px_tz *tz, bool end)
{
	if (given &&
	    (strlen(given) != 10 ||
	        px_report_when(ms, given, tz, end, name) < 0))
		return px_error_set(PX_EINVAL,
		    "%s '%s' is not a date (expected YYYY-MM-DD)", name, given);
	if (given)
		snprintf(out, 16, "%s", given);
	return px_report_when(ms, out, tz, end, name);
}

static const char *
content_type(const char *format)
{
	if (strcmp(format, "html") == 0)
		return "text/html; charset=utf-8";
	if (strcmp(format, "csv") == 0)
		return "text/csv; charset=utf-8";
	return "application/json";
}

static int
reports_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *peer = px_api_query(req, "peer"), *f = px_api_query(req, "from");
	char *t = px_api_query(req, "to"), *fmt = px_api_query(req, "format");
	char *lang = px_api_query(req, "lang");
	char *dl = px_api_query(req, "download");
	char from_s[16], to_s[16], safe[128];
	struct px_localtime lt;
	int64_t from, to, now = px_time_now_ms();
	int rc;

	if (n == NULL)
		goto out;
	if (peer == NULL || *peer == '\0') {
		px_error_set(PX_EINVAL, "peer is missing: give ?peer=NAME");
		px_api_fail(r, PX_EINVAL);
		goto out;
	}
	px_tz_local(&lt, n->tz, now);
	date_str(to_s, lt.year, lt.month, lt.day);
	if ((rc = date_param(&to, to_s, t, "to", n->tz, true)) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	six_months_before(from_s, to_s);
	if ((rc = date_param(&from, from_s, f, "from", n->tz, false)) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	if (from >= to) {
		px_error_set(PX_EINVAL, "from (%s) must not be after to (%s)",
		    from_s, to_s);
		px_api_fail(r, PX_EINVAL);
		goto out;
	}
	if ((rc = px_report_make(&r->body, NULL, n, peer, from, to, now,
	         fmt ? fmt : "json", lang ? lang : "en", NULL, NULL)) < 0) {
		px_buf_reset(&r->body);
		px_api_fail(r, rc);
		goto out;
	}
	r->status = 200;
	r->content_type = content_type(fmt ? fmt : "json");
	if (dl && strcmp(dl, "0") != 0) {
		/* Peer names are DNS-like; anything else is not put in a
		 * header. */
		size_t i;

		for (i = 0; peer[i] && i + 1 < sizeof(safe); i++)
			safe[i] = isalnum((unsigned char)peer[i]) ||
			        strchr(".-_", peer[i])
			    ? peer[i]
			    : '_';
		safe[i] = '\0';
		r->extra_headers =
		    px_asprintf("Content-Disposition: attachment; "
		                "filename=\"parley-report-%s-%s-%s.%s\"\r\n",
		        safe, from_s, to_s, fmt ? fmt : "json");
	}
out:
	free(peer);
	free(f);
	free(t);
	free(fmt);
	free(lang);
	free(dl);
	return 0;
}

const struct px_route px_routes_reports[] = {
	{ "GET", "/api/v1/reports", reports_get, PX_AUTH_TOKEN, 0, NULL },
};
const size_t px_routes_reports_n = PX_ARRAY_LEN(px_routes_reports);
