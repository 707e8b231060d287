/*
 * Reading the report JSON into struct px_report.
 *
 * The reader keeps the first error and carries on with zero values after
 * it (a "sticky" error, as a stream's error flag): the loading code then
 * reads as a plain list of members, one line each, instead of a ladder of
 * checks, and the message still names the first member that was wrong.
 * Members are named by dotted paths from the root ("hotline.inbound.pages")
 * so the message says exactly where to look.
 *
 * What is required is what the page shows.  Aggregates must all be there
 * (null where docs/report.md allows null); a case row needs what the
 * appendix prints (ref, direction, kind, opened, state, outcome, entries),
 * and the rest of a row is optional.
 */
#include <assert.h>

#include "report/data.h"
#include "util/util.h"

const char *const px_rdir_wire[PX_RD__N] = { "outbound", "inbound" };
const char *const px_rclock_wire[PX_RC__N] = { "acknowledge", "triage",
	"first_response", "resolution" };

const char *const px_rkinds[] = { "report", "request", "hotline", "check" };
const char *const px_rcategories[] = { "botnet", "phishing",
	"vulnerable-website", "intrusion", "ddos", "malware", "other" };
const char *const px_routcomes[] = { "resolved", "partial", "unable",
	"declined", "forwarded", "withdrawn", "closed", "open" };
const char *const px_rreasons[] = { "not-permitted-by-law", "no-data-held",
	"out-of-scope", "insufficient-information", "duplicate",
	"competent-authority", "no-resources", "other" };
const size_t px_rkinds_n = PX_ARRAY_LEN(px_rkinds);
const size_t px_rcategories_n = PX_ARRAY_LEN(px_rcategories);
const size_t px_routcomes_n = PX_ARRAY_LEN(px_routcomes);
const size_t px_rreasons_n = PX_ARRAY_LEN(px_rreasons);

#define PATH_MAX_LEN 160

struct rd {
	int rc;
};

static void
fail(struct rd *r, const char *path, const char *what)
{
	if (r->rc == 0)
		r->rc = px_error_set(
		    PX_EINVAL, "report member '%s' %s", path, what);
}

/* Writes "bpath.rel" (or "rel" at the root) into path[PATH_MAX_LEN]. */
static void
join(char *path, const char *bpath, const char *rel)
{
	snprintf(path, PATH_MAX_LEN, "%s%s%s", bpath, *bpath ? "." : "", rel);
}

/*
 * The member at dotted path `rel` below `base`, whose own path is `bpath`
 * ("" for the root).  Absent: NULL, and an error unless `optional`.  After
 * an error, or below a base that was not found, always NULL.
 */
static const json_t *
get(struct rd *r, const json_t *base, const char *bpath, const char *rel,
    bool optional)
{
	char path[PATH_MAX_LEN], seg[64];
	const json_t *cur = base;
	const char *p = rel;
	size_t plen;

	if (r->rc != 0 || base == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s", bpath);
	plen = strlen(path);
	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		assert(len < sizeof(seg));
		memcpy(seg, p, len);
		seg[len] = '\0';
		if (!json_is_object(cur)) {
			fail(r, *path ? path : "(root)", "must be an object");
			return NULL;
		}
		plen += (size_t)snprintf(path + plen, sizeof(path) - plen,
		    "%s%s", plen ? "." : "", seg);
		if (plen >= sizeof(path))
			plen = sizeof(path) - 1;
		cur = json_object_get(cur, seg);
		if (cur == NULL) {
			if (!optional)
				fail(r, path, "is missing");
			return NULL;
		}
		p += len;
		if (*p == '.')
			p++;
	}
	return cur;
}

static const json_t *
obj(struct rd *r, const json_t *base, const char *bpath, const char *rel)
{
	const json_t *v = get(r, base, bpath, rel, false);
	char path[PATH_MAX_LEN];

	if (v != NULL && !json_is_object(v)) {
		join(path, bpath, rel);
		fail(r, path, "must be an object");
		return NULL;
	}
	return v;
}

static const json_t *
arr(struct rd *r, const json_t *base, const char *bpath, const char *rel)
{
	const json_t *v = get(r, base, bpath, rel, false);
	char path[PATH_MAX_LEN];

	if (v != NULL && !json_is_array(v)) {
		join(path, bpath, rel);
		fail(r, path, "must be an array");
		return NULL;
	}
	return v;
}

static int64_t
count_of(struct rd *r, const json_t *v, const char *path)
{
	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		fail(r, path, "must be a non-negative integer");
		return 0;
	}
	return (int64_t)json_integer_value(v);
}

static int64_t
count(struct rd *r, const json_t *base, const char *bpath, const char *rel)
{
	char path[PATH_MAX_LEN];

	join(path, bpath, rel);
	return count_of(r, get(r, base, bpath, rel, false), path);
}

/* A duration or count that may be null (or, when `optional`, absent). */
static int64_t
count_null(struct rd *r, const json_t *base, const char *bpath, const char *rel,
    bool optional)
{
	const json_t *v = get(r, base, bpath, rel, optional);
	char path[PATH_MAX_LEN];

	if (v == NULL || json_is_null(v))
		return PX_RNULL;
	join(path, bpath, rel);
	return count_of(r, v, path);
}

/* A number in [lo, hi], or null. */
static double
num_null(struct rd *r, const json_t *base, const char *bpath, const char *rel,
    double lo, double hi)
{
	const json_t *v = get(r, base, bpath, rel, false);
	char path[PATH_MAX_LEN], what[80];
	double x;

	if (v == NULL || json_is_null(v))
		return PX_RNULL;
	x = json_number_value(v);
	if (!json_is_number(v) || !(x >= lo && x <= hi)) {
		join(path, bpath, rel);
		snprintf(what, sizeof(what), "must be a number from %g to %g",
		    lo, hi);
		fail(r, path, what);
		return PX_RNULL;
	}
	return x;
}

static const char *
str(struct rd *r, const json_t *base, const char *bpath, const char *rel,
    bool optional)
{
	const json_t *v = get(r, base, bpath, rel, optional);
	char path[PATH_MAX_LEN];

	if (v == NULL || (optional && json_is_null(v)))
		return NULL;
	if (!json_is_string(v)) {
		join(path, bpath, rel);
		fail(r, path, "must be a string");
		return NULL;
	}
	return json_string_value(v);
}

static int64_t
tm(struct rd *r, const json_t *base, const char *bpath, const char *rel,
    bool nullable)
{
	const char *s = str(r, base, bpath, rel, nullable);
	char path[PATH_MAX_LEN];
	int64_t t = 0;

	if (s == NULL)
		return PX_RNULL;
	if (px_time_parse(&t, s, 0) != 0) {
		join(path, bpath, rel);
		fail(r, path, "must be an RFC 3339 time");
		return PX_RNULL;
	}
	return t;
}

static bool
flag(struct rd *r, const json_t *base, const char *bpath, const char *rel)
{
	const json_t *v = get(r, base, bpath, rel, false);
	char path[PATH_MAX_LEN];

	if (v != NULL && !json_is_boolean(v)) {
		join(path, bpath, rel);
		fail(r, path, "must be true or false");
	}
	return json_is_true(v);
}

/* An object of counts: {"name": n, ...}. */
static const json_t *
map(struct rd *r, const json_t *base, const char *bpath, const char *rel)
{
	const json_t *m = obj(r, base, bpath, rel), *v;
	char path[PATH_MAX_LEN], kpath[PATH_MAX_LEN];
	const char *k;

	if (m == NULL)
		return NULL;
	join(path, bpath, rel);
	json_object_foreach((json_t *)m, k, v)
	{
		join(kpath, path, k);
		(void)count_of(r, v, kpath);
	}
	return r->rc ? NULL : m;
}

static int64_t *
counts_array(struct rd *r, const json_t *a, const char *path, size_t n)
{
	int64_t *out;
	char ipath[PATH_MAX_LEN];
	size_t i;

	if (!json_is_array(a) || json_array_size(a) != n) {
		char what[80];

		snprintf(what, sizeof(what),
		    "must be an array of %zu counts (one per bin)", n);
		fail(r, path, what);
		return NULL;
	}
	out = px_calloc(n ? n : 1, sizeof(*out));
	for (i = 0; i < n; i++) {
		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		out[i] = count_of(r, json_array_get(a, i), ipath);
	}
	return out;
}

static void
load_dir(struct rd *r, const json_t *j, enum px_rdir d, struct px_rdirdata *o,
    size_t n_bins)
{
	const char *w = px_rdir_wire[d];
	const json_t *b, *dist;
	char p[PATH_MAX_LEN], cp[PATH_MAX_LEN];
	size_t c;

	snprintf(p, sizeof(p), "volumes.%s", w);
	b = obj(r, j, "", p);
	o->total = count(r, b, p, "total");
	o->by_kind = map(r, b, p, "by_kind");
	o->by_category = map(r, b, p, "by_category");

	for (c = 0; c < PX_RC__N; c++) {
		struct px_rtime *t = &o->clk[c];

		snprintf(
		    p, sizeof(p), "timeliness.%s.%s", w, px_rclock_wire[c]);
		b = obj(r, j, "", p);
		t->measured = count(r, b, p, "measured");
		t->within = count(r, b, p, "within");
		t->share = num_null(r, b, p, "share_within", 0, 1);
		t->median_ms = count_null(r, b, p, "median_ms", false);
		t->p90_ms = count_null(r, b, p, "p90_ms", false);
	}

	snprintf(p, sizeof(p), "outcomes.%s", w);
	o->outcomes = map(r, j, "", p);
	snprintf(p, sizeof(p), "reasons.%s", w);
	o->reasons = map(r, j, "", p);

	snprintf(p, sizeof(p), "backlog.%s", w);
	b = obj(r, j, "", p);
	o->open = count(r, b, p, "open");
	o->overdue = count(r, b, p, "overdue");

	snprintf(p, sizeof(p), "escalations.%s", w);
	b = obj(r, j, "", p);
	o->esc_total = count(r, b, p, "total");
	o->esc_cases = count(r, b, p, "cases");
	o->esc_levels = map(r, b, p, "by_level");

	snprintf(p, sizeof(p), "hotline.%s", w);
	b = obj(r, j, "", p);
	o->hl_raised = count(r, b, p, "raised");
	o->hl_acked = count(r, b, p, "acknowledged");
	o->hl_answered = count(r, b, p, "answered");
	o->hl_capped = count(r, b, p, "capped");
	o->hl_rate = num_null(r, b, p, "answer_rate", 0, 1);
	o->hl_median_ms = count_null(r, b, p, "median_answer_ms", false);
	o->hl_p90_ms = count_null(r, b, p, "p90_answer_ms", false);
	o->hl_pages = count(r, b, p, "pages");

	snprintf(p, sizeof(p), "checks.%s", w);
	b = obj(r, j, "", p);
	o->ck_sent = count(r, b, p, "sent");
	o->ck_answered = count(r, b, p, "answered");
	o->ck_auto = count(r, b, p, "auto_only");
	o->ck_unanswered = count(r, b, p, "unanswered");
	o->ck_rate = num_null(r, b, p, "response_rate", 0, 1);
	o->ck_median_ms = count_null(r, b, p, "median_ms", false);

	snprintf(p, sizeof(p), "quality.%s", w);
	b = obj(r, j, "", p);
	o->q_rated = count(r, b, p, "rated");
	o->q_mean = num_null(r, b, p, "mean", 1, 5);
	o->q_scores = map(r, b, p, "scores");

	snprintf(p, sizeof(p), "charts.distribution.%s", w);
	dist = obj(r, j, "", p);
	for (c = 0; c < PX_RC__N; c++) {
		const json_t *a = get(r, dist, p, px_rclock_wire[c], true);

		if (a == NULL)
			continue;
		join(cp, p, px_rclock_wire[c]);
		o->dist[c] = counts_array(r, a, cp, n_bins);
	}
}

static void
load_bins(struct rd *r, const json_t *j, struct px_report *o)
{
	const char *p = "charts.distribution.bins_ms";
	const json_t *a = arr(r, j, "", p);
	char ipath[PATH_MAX_LEN];
	size_t i, n;

	if (a == NULL)
		return;
	n = json_array_size(a);
	if (n == 0) {
		fail(r, p, "must list at least one bin");
		return;
	}
	o->bins = px_calloc(n, sizeof(*o->bins));
	o->n_bins = n;
	for (i = 0; i < n; i++) {
		snprintf(ipath, sizeof(ipath), "%s[%zu]", p, i);
		o->bins[i] = count_of(r, json_array_get(a, i), ipath);
		if (i > 0 && o->bins[i] <= o->bins[i - 1])
			fail(r, ipath, "must be above the bin before it");
	}
}

static void
load_series(struct rd *r, const json_t *j, struct px_report *o)
{
	const json_t *a, *e;
	char p[PATH_MAX_LEN];
	size_t i;

	if ((a = arr(r, j, "", "charts.monthly")) != NULL) {
		o->n_months = json_array_size(a);
		o->months = px_calloc(o->n_months + 1, sizeof(*o->months));
	}
	json_array_foreach(a, i, e)
	{
		struct px_rmonth *m = &o->months[i];

		snprintf(p, sizeof(p), "charts.monthly[%zu]", i);
		m->month = str(r, e, p, "month", false);
		m->measured[PX_RD_OUT] = count(r, e, p, "outbound_measured");
		m->within[PX_RD_OUT] = count(r, e, p, "outbound_within");
		m->measured[PX_RD_IN] = count(r, e, p, "inbound_measured");
		m->within[PX_RD_IN] = count(r, e, p, "inbound_within");
	}
	if ((a = arr(r, j, "", "charts.backlog")) != NULL) {
		o->n_backlog = json_array_size(a);
		o->backlog = px_calloc(o->n_backlog + 1, sizeof(*o->backlog));
	}
	json_array_foreach(a, i, e)
	{
		struct px_rpoint *pt = &o->backlog[i];

		snprintf(p, sizeof(p), "charts.backlog[%zu]", i);
		pt->date = str(r, e, p, "date", false);
		pt->open[PX_RD_OUT] = count(r, e, p, "outbound");
		pt->open[PX_RD_IN] = count(r, e, p, "inbound");
	}
}

static void
load_contacts(struct rd *r, const json_t *j, struct px_report *o)
{
	const json_t *a = arr(r, j, "", "checks.contacts"), *e;
	char p[PATH_MAX_LEN];
	size_t i;

	if (a == NULL)
		return;
	o->n_contacts = json_array_size(a);
	o->contacts = px_calloc(o->n_contacts + 1, sizeof(*o->contacts));
	json_array_foreach(a, i, e)
	{
		struct px_rcontact *c = &o->contacts[i];

		snprintf(p, sizeof(p), "checks.contacts[%zu]", i);
		c->party = str(r, e, p, "party", false);
		c->contact = str(r, e, p, "contact", false);
		c->sent = count(r, e, p, "sent");
		c->answered = count(r, e, p, "answered");
		c->median_ms = count_null(r, e, p, "median_ms", true);
		c->last_verified_ms = tm(r, e, p, "last_verified", true);
		c->stale = flag(r, e, p, "stale");
	}
}

static void
load_case(struct rd *r, const json_t *e, const char *p, struct px_rcase *c)
{
	const json_t *clocks, *entries, *x;
	char cp[PATH_MAX_LEN], kp[PATH_MAX_LEN];
	const char *dir;
	size_t i;

	c->id = str(r, e, p, "id", true);
	c->ref = str(r, e, p, "ref", false);
	dir = str(r, e, p, "direction", false);
	if (dir != NULL && strcmp(dir, "inbound") == 0)
		c->dir = PX_RD_IN;
	else if (dir != NULL && strcmp(dir, "outbound") != 0) {
		join(cp, p, "direction");
		fail(r, cp, "must be \"outbound\" or \"inbound\"");
	}
	c->kind = str(r, e, p, "kind", false);
	c->category = str(r, e, p, "category", true);
	c->priority = str(r, e, p, "priority", true);
	c->opened_ms = tm(r, e, p, "opened", false);
	c->state = str(r, e, p, "state", false);
	c->outcome = str(r, e, p, "outcome", false);
	c->reason = str(r, e, p, "reason", true);
	c->score = count_null(r, e, p, "score", true);
	c->escalations = count_null(r, e, p, "escalations", true);
	if (c->escalations == PX_RNULL)
		c->escalations = 0;

	clocks = get(r, e, p, "clocks", true);
	join(cp, p, "clocks");
	for (i = 0; i < PX_RC__N; i++) {
		c->clock_ms[i] = PX_RNULL;
		x = get(r, clocks, cp, px_rclock_wire[i], true);
		if (x == NULL)
			continue;
		join(kp, cp, px_rclock_wire[i]);
		c->clock_state[i] = str(r, x, kp, "state", false);
		c->clock_ms[i] = count_null(r, x, kp, "elapsed_ms", true);
	}

	entries = arr(r, e, p, "entries");
	if (entries == NULL)
		return;
	c->n_entries = json_array_size(entries);
	c->entries = px_calloc(c->n_entries + 1, sizeof(*c->entries));
	json_array_foreach(entries, i, x)
	{
		snprintf(cp, sizeof(cp), "%s.entries[%zu]", p, i);
		c->entries[i].log = count(r, x, cp, "log");
		c->entries[i].leaf = str(r, x, cp, "leaf", false);
		c->entries[i].type = str(r, x, cp, "type", false);
	}
}

static void
load_cases(struct rd *r, const json_t *j, struct px_report *o)
{
	const json_t *a = arr(r, j, "", "cases"), *e;
	char p[PATH_MAX_LEN];
	size_t i;

	if (a == NULL)
		return;
	o->n_cases = json_array_size(a);
	o->cases = px_calloc(o->n_cases + 1, sizeof(*o->cases));
	json_array_foreach(a, i, e)
	{
		snprintf(p, sizeof(p), "cases[%zu]", i);
		if (!json_is_object(e))
			fail(r, p, "must be an object");
		load_case(r, e, p, &o->cases[i]);
	}
}

int
px_report_load(struct px_report *out, const json_t *j)
{
	struct rd r = { 0 };
	struct px_report o;
	size_t d;

	memset(&o, 0, sizeof(o));
	if (!json_is_object(j))
		return px_error_set(PX_EINVAL, "the report must be an object");
	o.node = str(&r, j, "", "report.node", false);
	o.peer = str(&r, j, "", "report.peer", false);
	o.timezone = str(&r, j, "", "report.timezone", false);
	o.from_ms = tm(&r, j, "", "report.from", false);
	o.to_ms = tm(&r, j, "", "report.to", false);
	o.generated_ms = tm(&r, j, "", "report.generated", false);
	o.as_of_ms = tm(&r, j, "", "report.as_of", false);
	o.cp_origin = str(&r, j, "", "checkpoint.origin", false);
	o.cp_size = count(&r, j, "", "checkpoint.size");
	o.cp_root = str(&r, j, "", "checkpoint.root", false);
	o.cp_note = str(&r, j, "", "checkpoint.note", false);
	load_bins(&r, j, &o);
	for (d = 0; d < PX_RD__N; d++)
		load_dir(&r, j, (enum px_rdir)d, &o.dir[d], o.n_bins);
	load_contacts(&r, j, &o);
	load_series(&r, j, &o);
	load_cases(&r, j, &o);
	if (r.rc != 0) {
		px_report_dispose(&o);
		return r.rc;
	}
	*out = o;
	return 0;
}

void
px_report_dispose(struct px_report *r)
{
	size_t i, c;

	for (i = 0; i < PX_RD__N; i++)
		for (c = 0; c < PX_RC__N; c++)
			free(r->dir[i].dist[c]);
	for (i = 0; i < r->n_cases; i++)
		free(r->cases[i].entries);
	free(r->bins);
	free(r->months);
	free(r->backlog);
	free(r->contacts);
	free(r->cases);
	memset(r, 0, sizeof(*r));
}

static bool
listed(const char **keys, size_t n, const char *k)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(keys[i], k) == 0)
			return true;
	return false;
}

const char **
px_rkeys(const json_t *a, const json_t *b, const char *const *known,
    size_t n_known, bool all, size_t *n)
{
	const json_t *maps[2] = { a, b }, *v;
	const char **keys =
	    px_calloc(n_known + json_object_size(a) + json_object_size(b) + 1,
	        sizeof(*keys));
	const char *k;
	size_t i, m = 0;

	for (i = 0; i < n_known; i++)
		if (all || json_object_get(a, known[i]) != NULL ||
		    json_object_get(b, known[i]) != NULL)
			keys[m++] = known[i];
	for (i = 0; i < 2; i++) {
		if (maps[i] == NULL)
			continue;
		json_object_foreach((json_t *)maps[i], k, v)
		{
			(void)v;
			if (!listed(keys, m, k) &&
			    !listed((const char **)known, n_known, k))
				keys[m++] = k;
		}
	}
	*n = m;
	return keys;
}

int64_t
px_rcount(const json_t *map_, const char *key)
{
	const json_t *v = json_object_get(map_, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

void
px_rfmt_pct(char *out, size_t n, double share)
{
	if (share < 0)
		snprintf(out, n, "%s", "");
	else
		snprintf(out, n, "%.1f", share * 100.0);
}

void
px_rfmt_mean(char *out, size_t n, double mean)
{
	if (mean < 0)
		snprintf(out, n, "%s", "");
	else
		snprintf(out, n, "%.2f", mean);
}

void
px_rfmt_minutes(char *out, size_t n, int64_t ms)
{
	if (ms < 0)
		snprintf(out, n, "%s", "");
	else
		snprintf(out, n, "%.1f", (double)ms / 60000.0);
}

void
px_rfmt_time(char *out, size_t n, int64_t ms, bool secs)
{
	int64_t days = ms / 86400000, rem = ms % 86400000, y;
	unsigned mo, d;

	if (rem < 0) {
		rem += 86400000;
		days--;
	}
	px_civil_from_days(days, &y, &mo, &d);
	if (secs)
		snprintf(out, n, "%04lld-%02u-%02u %02lld:%02lld:%02lld",
		    (long long)y, mo, d, (long long)(rem / 3600000),
		    (long long)(rem / 60000 % 60),
		    (long long)(rem / 1000 % 60));
	else
		snprintf(out, n, "%04lld-%02u-%02u %02lld:%02lld", (long long)y,
		    mo, d, (long long)(rem / 3600000),
		    (long long)(rem / 60000 % 60));
}

void
px_html_escape(struct px_buf *out, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		const char *rep;

		switch (c) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			rep = (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f
			    ? "\xef\xbf\xbd"
			    : NULL;
		}
		if (rep == NULL)
			continue;
		px_buf_put(out, run, (size_t)(s - run));
		px_buf_puts(out, rep);
		run = s + 1;
	}
	px_buf_put(out, run, (size_t)(s - run));
}
