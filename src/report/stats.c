/*
 * The review report's pure core: case rows from replayed cases, and every
 * aggregate from the rows (docs/report.md gives the rules).
 *
 * Why the aggregates read the rows back instead of the cases: a report
 * file carries only its rows, and `parley audit verify` must recompute
 * the figures from exactly what the file shows.  Going through one parser
 * for both the writer and the verifier means they cannot drift apart: a
 * figure the writer computed is the figure the verifier computes from the
 * same rows.  The cost (formatting times and parsing them back) is small
 * next to replaying the cases.
 */
#include <math.h>

#include "model/signed.h"
#include "model/ladder.h"
#include "report/stats.h"
#include "model/canon.h"
#include "util/util.h"

/* Half-open bins of the distribution chart, the last one open-ended. */
static const int64_t bins_ms[] = { 0, 900000, 3600000, 14400000, 86400000,
	259200000 };
#define NBINS PX_ARRAY_LEN(bins_ms)

/* The clocks the distribution chart shows. */
static const enum px_clock dist_clocks[] = { PX_CLK_ACK,
	PX_CLK_FIRST_RESPONSE };
#define NDIST PX_ARRAY_LEN(dist_clocks)

static const char *const outcome_names[] = { "resolved", "partial", "unable",
	"declined", "forwarded", "withdrawn", "closed", "open" };
#define NOUTCOMES PX_ARRAY_LEN(outcome_names)

static const char *const dir_names[] = { "outbound", "inbound" };

static json_t *
jint_or_null(int64_t v)
{
	return v < 0 ? json_null() : json_integer(v);
}

/* ---- Case rows ----------------------------------------------------- */

/* The outcome rule of docs/report.md: a result's outcome, else the
 * triage's decline or forward, else withdrawn, else closed, else open. */
static const char *
outcome_of(const struct px_case *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct px_msg *m = c->msgs[i];
		const char *o;

		if (c->why[i] != NULL || m->type != PX_MSG_RESULT)
			continue;
		o = json_string_value(json_object_get(m->body, "outcome"));
		return o ? o : "resolved";
	}
	switch (c->state) {
	case PX_ST_DECLINED:
		return "declined";
	case PX_ST_FORWARDED:
		return "forwarded";
	case PX_ST_WITHDRAWN:
		return "withdrawn";
	case PX_ST_CLOSED:
		return "closed";
	default:
		return "open";
	}
}

/* When the case stopped being open: its first result, decline, forward,
 * close or withdraw that took effect; -1 if none. */
static int64_t
ended_at(const struct px_case *c)
{
	for (size_t i = 1; i < c->n; i++) {
		const struct px_msg *m = c->msgs[i];
		const char *d;

		if (c->why[i] != NULL)
			continue;
		switch (m->type) {
		case PX_MSG_RESULT:
		case PX_MSG_CLOSE:
		case PX_MSG_WITHDRAW:
			return m->time_ms;
		case PX_MSG_TRIAGE:
			d = json_string_value(
			    json_object_get(m->body, "decision"));
			if (d &&
			    (strcmp(d, "declined") == 0 ||
			        strcmp(d, "forwarded") == 0))
				return m->time_ms;
			break;
		default:
			break;
		}
	}
	return -1;
}

void
px_report_check_answer(const struct px_case *c, int64_t *answered_ms,
    bool *auto_only, const char **by)
{
	/* The model stops a check's acknowledge clock only at a reply
	 * carrying the right token, and counts the others. */
	*answered_ms = c->kind == PX_KIND_CHECK ? c->stop[PX_CLK_ACK] : -1;
	*auto_only = *answered_ms < 0 && c->auto_replies > 0;
	*by = *answered_ms >= 0 ? c->answered_by : NULL;
}

/* A hotline counts as answered only when a person it paged acknowledged
 * it (model/ladder.h px_hotline_answer): an acknowledgement naming nobody,
 * or someone never paged, is "acknowledged" and says which it was. */
static json_t *
hotline_row(const struct px_report_case *rc, int64_t pages)
{
	const struct px_case *c = rc->c;
	int64_t stop = c->stop[PX_CLK_ACK], ms = -1;
	enum px_hotline_answer a = px_hotline_answer(c);
	json_t *o;

	if (stop >= 0) {
		ms = stop - rc->clocks[PX_CLK_ACK].start;
		if (ms < 0)
			ms = 0; /* skewed clocks: answered "at once" */
	}
	o = json_pack("{sb sb so sI so}", "acknowledged", stop >= 0, "answered",
	    a == PX_HA_PAGED, "answer_ms", jint_or_null(ms), "pages",
	    (json_int_t)pages, "answered_by",
	    c->answered_by ? json_string(c->answered_by) : json_null());
	json_object_set_new(o, "answer",
	    a == PX_HA_NONE ? json_null()
	                    : json_string(px_hotline_answer_names[a]));
	json_object_set_new(o, "capped",
	    json_integer((json_int_t)px_hotline_capped(c, NULL, NULL)));
	return o;
}

static json_t *
check_row(const struct px_case *c)
{
	const char *contact = c->check_contact;
	const char *by;
	int64_t at, ms = -1;
	bool auto_only;

	px_report_check_answer(c, &at, &auto_only, &by);
	if (at >= 0)
		ms = at > c->opened_ms ? at - c->opened_ms : 0;
	return json_pack("{ss ss so sb sb so so}", "party", c->responder,
	    "contact", contact ? contact : "", "sent",
	    px_json_time(c->opened_ms), "answered", at >= 0, "auto_only",
	    auto_only, "answer_ms", jint_or_null(ms), "answered_by",
	    by ? json_string(by) : json_null());
}

json_t *
px_report_case_row(const struct px_report_case *rc)
{
	const struct px_case *c = rc->c;
	json_t *o, *clocks = json_object(), *entries = json_array(),
	           *ladder = json_array();
	size_t idlen = strlen(c->id);
	int64_t pages = 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct px_msg *m = c->msgs[i];
		const struct px_msg_entry *e = &rc->entries[i];

		/* Every escalate in the record is a step that was taken,
		 * even one that crossed the answer in transit. */
		if (m->type == PX_MSG_ESCALATE) {
			const json_t *l = json_object_get(m->body, "ladder");
			const json_t *lv = json_object_get(l, "level");

			if (json_is_integer(lv))
				json_array_append_new(ladder,
				    json_integer(json_integer_value(lv)));
			if (json_object_get(m->body, "page"))
				pages++;
		}
		json_array_append_new(entries,
		    json_pack("{sI ss ss ss so ss}", "log", (json_int_t)e->log,
		        "leaf", e->receipt ? "receipt" : "msg", "hash", e->hash,
		        "type", px_msg_type_names[m->type].wire, "time",
		        px_json_time(m->time_ms), "msg", m->hash));
	}
	for (int k = 0; k < PX_CLK__N; k++) {
		const struct px_clock_status *s = &rc->clocks[k];
		int64_t el = -1;

		/* Elapsed time is the responder's answer time: only a clock
		 * the responder's act stopped has one (not one breached
		 * because the requester withdrew after the deadline). */
		if (c->stop[k] >= 0 &&
		    (s->state == PX_CS_MET || s->state == PX_CS_BREACHED)) {
			el = c->stop[k] - s->start;
			if (el < 0)
				el = 0;
		}
		json_object_set_new(clocks, px_clock_names[k].wire,
		    json_pack("{ss so so so so}", "state",
		        px_clock_state_names[s->state], "start",
		        s->state == PX_CS_NA ? json_null()
		                             : px_json_time(s->start),
		        "deadline",
		        s->state == PX_CS_NA ? json_null()
		                             : px_json_time(s->deadline),
		        "stopped", px_json_time(s->stopped), "elapsed_ms",
		        jint_or_null(el)));
	}
	o = json_pack("{ss ss ss ss ss ss so so ss ss}", "id", c->id, "ref",
	    idlen >= 8 ? c->id + idlen - 8 : c->id, "direction",
	    rc->outbound ? "outbound" : "inbound", "kind",
	    px_kind_names[c->kind].wire, "category",
	    px_category_names[c->category].wire, "priority",
	    px_priority_names[c->priority].wire, "opened",
	    px_json_time(c->opened_ms), "ended", px_json_time(ended_at(c)),
	    "state", px_state_names[c->state].wire, "outcome", outcome_of(c));
	json_object_set_new(o, "decision",
	    c->decision >= 0 ? json_string(px_decision_names[c->decision].wire)
	                     : json_null());
	json_object_set_new(o, "reason",
	    c->reason >= 0 ? json_string(px_reason_names[c->reason].wire)
	                   : json_null());
	json_object_set_new(
	    o, "score", c->score ? json_integer(c->score) : json_null());
	json_object_set_new(o, "escalations",
	    json_integer((json_int_t)json_array_size(ladder)));
	json_object_set_new(o, "ladder", ladder);
	json_object_set_new(o, "hotline",
	    c->kind == PX_KIND_HOTLINE ? hotline_row(rc, pages) : json_null());
	json_object_set_new(o, "check",
	    c->kind == PX_KIND_CHECK && c->n ? check_row(c) : json_null());
	json_object_set_new(o, "clocks", clocks);
	json_object_set_new(o, "received", px_json_time(c->delivered_ms));
	json_object_set_new(o, "agreement",
	    json_pack("{sI so so}", "version", (json_int_t)rc->agreement,
	        "named",
	        rc->agreement_named >= 0 ? json_integer(rc->agreement_named)
	                                 : json_null(),
	        "disagreement",
	        rc->disagreement ? json_string(rc->disagreement)
	                         : json_null()));
	json_object_set_new(o, "entries", entries);
	return o;
}

/* ---- Reading rows back ---------------------------------------------- */

struct row_clock {
	int state;       /* enum px_clock_state */
	int64_t elapsed; /* -1: none */
	int64_t stopped, deadline;
};

struct row {
	bool out;
	int kind; /* enum px_kind */
	const char *category, *outcome, *reason;
	int64_t opened, ended, score;
	struct row_clock clk[PX_CLK__N];
	const json_t *ladder;
	/* hotline */
	bool h_acked, h_answered;
	int64_t h_answer_ms, h_pages, h_capped;
	/* check */
	const char *ck_party, *ck_contact;
	bool ck_answered, ck_auto;
	int64_t ck_answer_ms;
};

/* A member that is a time or null (-1). */
static int
opt_time(int64_t *out, const json_t *o, const char *key, const char *what)
{
	const json_t *v = json_object_get(o, key);

	*out = -1;
	if (v == NULL || json_is_null(v))
		return 0;
	return px_j_time(out, o, key, what);
}

/* A member that is an integer in [min, max] or null (-1). */
static int
opt_int(int64_t *out, const json_t *o, const char *key, int64_t min,
    int64_t max, const char *what)
{
	const json_t *v = json_object_get(o, key);

	*out = -1;
	if (v == NULL || json_is_null(v))
		return 0;
	return px_j_int(out, o, key, min, max, what);
}

static int
opt_str(const char **out, const json_t *o, const char *key, const char *what)
{
	const json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	return px_j_str(out, o, key, 256, what);
}

static int
j_bool(bool *out, const json_t *o, const char *key, const char *what)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_boolean(v))
		return px_error_set(
		    PX_EINVAL, "%s: '%s' must be true or false", what, key);
	*out = json_is_true(v);
	return 0;
}

static int
name_in(const char *const *t, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i], s) == 0)
			return (int)i;
	return -1;
}

static int
parse_clock(
    struct row_clock *out, const json_t *clocks, int k, const char *what)
{
	const json_t *o = json_object_get(clocks, px_clock_names[k].wire);
	char w[96];
	const char *st;
	int rc;

	snprintf(w, sizeof(w), "%s clock %s", what, px_clock_names[k].wire);
	if (!json_is_object(o))
		return px_error_set(PX_EINVAL, "%s is missing", w);
	if ((rc = px_j_str(&st, o, "state", 32, w)) < 0)
		return rc;
	out->state = name_in(px_clock_state_names, PX_CS_CANCELLED + 1, st);
	if (out->state < 0)
		return px_error_set(PX_EINVAL, "%s: unknown state '%s'", w, st);
	if ((rc = opt_int(&out->elapsed, o, "elapsed_ms", 0, INT64_MAX, w)) <
	        0 ||
	    (rc = opt_time(&out->stopped, o, "stopped", w)) < 0 ||
	    (rc = opt_time(&out->deadline, o, "deadline", w)) < 0)
		return rc;
	if (out->elapsed >= 0 && out->state != PX_CS_MET &&
	    out->state != PX_CS_BREACHED)
		return px_error_set(
		    PX_EINVAL, "%s: a %s clock has no elapsed time", w, st);
	if ((out->state == PX_CS_MET || out->state == PX_CS_BREACHED) &&
	    out->stopped < 0)
		return px_error_set(PX_EINVAL,
		    "%s: a %s clock must say when it stopped", w, st);
	if (out->state == PX_CS_OVERDUE && out->deadline < 0)
		return px_error_set(
		    PX_EINVAL, "%s: an overdue clock must have a deadline", w);
	return 0;
}

static int
parse_row(struct row *r, const json_t *o, size_t i)
{
	char what[64];
	const char *s;
	const json_t *h, *ck, *clocks, *v;
	int k, rc;
	size_t j;

	memset(r, 0, sizeof(*r));
	snprintf(what, sizeof(what), "case row %zu", i + 1);
	if (!json_is_object(o))
		return px_error_set(PX_EINVAL, "%s is not an object", what);
	if ((rc = px_j_str(&s, o, "direction", 16, what)) < 0)
		return rc;
	if ((k = name_in(dir_names, 2, s)) < 0)
		return px_error_set(PX_EINVAL,
		    "%s: direction '%s' is neither outbound nor inbound", what,
		    s);
	r->out = k == 0;
	if ((rc = px_j_enum(
	         &r->kind, o, "kind", px_kind_names, PX_KIND__N, what)) < 0 ||
	    (rc = px_j_enum(
	         &k, o, "category", px_category_names, PX_CAT__N, what)) < 0 ||
	    (rc = px_j_str(&r->outcome, o, "outcome", 32, what)) < 0 ||
	    (rc = opt_str(&r->reason, o, "reason", what)) < 0 ||
	    (rc = px_j_time(&r->opened, o, "opened", what)) < 0 ||
	    (rc = opt_time(&r->ended, o, "ended", what)) < 0 ||
	    (rc = opt_int(&r->score, o, "score", 1, 5, what)) < 0)
		return rc;
	r->category = px_category_names[k].wire;
	if (name_in(outcome_names, NOUTCOMES, r->outcome) < 0)
		return px_error_set(
		    PX_EINVAL, "%s: unknown outcome '%s'", what, r->outcome);
	if (r->reason && PX_WIRE(px_reason_names, r->reason) < 0)
		return px_error_set(
		    PX_EINVAL, "%s: unknown reason '%s'", what, r->reason);
	clocks = json_object_get(o, "clocks");
	for (k = 0; k < PX_CLK__N; k++)
		if ((rc = parse_clock(&r->clk[k], clocks, k, what)) < 0)
			return rc;
	r->ladder = json_object_get(o, "ladder");
	if (!json_is_array(r->ladder))
		return px_error_set(
		    PX_EINVAL, "%s: 'ladder' must be an array", what);
	json_array_foreach(r->ladder, j, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 1000)
			return px_error_set(PX_EINVAL,
			    "%s: ladder levels are integers from 1 to 1000",
			    what);
	}
	h = json_object_get(o, "hotline");
	if (r->kind == PX_KIND_HOTLINE) {
		char w[80];

		snprintf(w, sizeof(w), "%s hotline", what);
		if (!json_is_object(h))
			return px_error_set(PX_EINVAL,
			    "%s: a hotline case needs 'hotline'", what);
		if ((rc = j_bool(&r->h_acked, h, "acknowledged", w)) < 0 ||
		    (rc = j_bool(&r->h_answered, h, "answered", w)) < 0 ||
		    (rc = opt_int(&r->h_answer_ms, h, "answer_ms", 0, INT64_MAX,
		         w)) < 0 ||
		    (rc = px_j_int(&r->h_pages, h, "pages", 0, INT64_MAX, w)) <
		        0 ||
		    (rc = px_j_int(
		         &r->h_capped, h, "capped", 0, INT64_MAX, w)) < 0)
			return rc;
		if (r->h_acked != (r->h_answer_ms >= 0))
			return px_error_set(PX_EINVAL,
			    "%s: an answer time goes with acknowledged, and "
			    "only with it",
			    w);
		if (r->h_answered && !r->h_acked)
			return px_error_set(PX_EINVAL,
			    "%s: answered by a paged person, yet not "
			    "acknowledged",
			    w);
	}
	ck = json_object_get(o, "check");
	if (r->kind == PX_KIND_CHECK) {
		char w[80];

		snprintf(w, sizeof(w), "%s check", what);
		if (!json_is_object(ck))
			return px_error_set(
			    PX_EINVAL, "%s: a check case needs 'check'", what);
		if ((rc = px_j_str(&r->ck_party, ck, "party", 253, w)) < 0 ||
		    (rc = px_j_str(&r->ck_contact, ck, "contact", 256, w)) <
		        0 ||
		    (rc = j_bool(&r->ck_answered, ck, "answered", w)) < 0 ||
		    (rc = j_bool(&r->ck_auto, ck, "auto_only", w)) < 0 ||
		    (rc = opt_int(&r->ck_answer_ms, ck, "answer_ms", 0,
		         INT64_MAX, w)) < 0)
			return rc;
		if (r->ck_answered != (r->ck_answer_ms >= 0) ||
		    (r->ck_answered && r->ck_auto))
			return px_error_set(PX_EINVAL,
			    "%s: answered, auto_only and answer_ms disagree",
			    w);
	}
	return 0;
}

/* ---- Aggregating ----------------------------------------------------- */

struct vec {
	int64_t *v;
	size_t n, alloc;
};

static void
vec_add(struct vec *a, int64_t x)
{
	if (a->n == a->alloc) {
		a->alloc = a->alloc ? 2 * a->alloc : 16;
		a->v = px_realloc(a->v, a->alloc * sizeof(*a->v));
	}
	a->v[a->n++] = x;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int64_t
px_report_percentile(int64_t *v, size_t n, int pct)
{
	size_t rank;

	if (n == 0)
		return -1;
	qsort(v, n, sizeof(*v), cmp_i64);
	/* Nearest rank: the value at rank ceil(pct/100 * n), from 1. */
	rank = ((size_t)pct * n + 99) / 100;
	if (rank < 1)
		rank = 1;
	return v[rank - 1];
}

static json_t *
share(int64_t part, int64_t whole, double scale)
{
	if (whole == 0)
		return json_null();
	return json_real(round((double)part / (double)whole * scale) / scale);
}

static json_t *
pct_json(struct vec *a, int pct)
{
	return jint_or_null(px_report_percentile(a->v, a->n, pct));
}

static void
bump(json_t *o, const char *key, int64_t by)
{
	json_t *v = json_object_get(o, key);

	json_object_set_new(
	    o, key, json_integer((v ? json_integer_value(v) : 0) + by));
}

struct dir_acc {
	int64_t total;
	json_t *by_kind, *by_category, *reasons, *by_level;
	struct {
		int64_t measured, within;
		struct vec el;
	} clk[PX_CLK__N];
	int64_t outcomes[NOUTCOMES];
	int64_t open, overdue;
	int64_t esc_total, esc_cases;
	int64_t h_raised, h_acked, h_answered, h_pages, h_capped;
	struct vec h_ms;
	int64_t ck_sent, ck_answered, ck_auto;
	struct vec ck_ms;
	int64_t rated, score_sum, scores[6];
	int64_t dist[NDIST][NBINS];
};

struct month {
	char key[16]; /* "2026-01" */
	int64_t measured[2], within[2];
};

struct point {
	int64_t t;
	char date[16];
	int64_t open[2];
};

struct contact {
	const char *party, *contact;
	int64_t before, last;
	int64_t sent, answered;
	struct vec ms;
};

struct agg {
	const struct px_report_params *p;
	struct dir_acc d[2];
	struct month *months;
	size_t nmonths;
	struct point *points;
	size_t npoints;
	struct contact *contacts;
	size_t ncontacts;
};

static void
month_key(char out[16], const struct px_tz *tz, int64_t t)
{
	struct px_localtime lt;

	px_tz_local(&lt, tz, t);
	snprintf(out, 16, "%04lld-%02u", (long long)lt.year, lt.month);
}

static struct month *
month_get(struct agg *g, int64_t t)
{
	char key[16];
	size_t i;

	month_key(key, g->p->tz, t);
	for (i = 0; i < g->nmonths; i++)
		if (strcmp(g->months[i].key, key) == 0)
			return &g->months[i];
	/* Outside the period's months (cannot happen with rows computed
	 * from messages before `to`): a bucket of its own, sorted in. */
	g->months =
	    px_realloc(g->months, (g->nmonths + 1) * sizeof(*g->months));
	for (i = g->nmonths; i > 0 && strcmp(g->months[i - 1].key, key) > 0;
	     i--)
		g->months[i] = g->months[i - 1];
	memset(&g->months[i], 0, sizeof(g->months[i]));
	memcpy(g->months[i].key, key, sizeof(key));
	g->nmonths++;
	return &g->months[i];
}

/* Months of the period, and the backlog chart's points: the end of each
 * month (each week when the period is shorter than 3 months), as far as
 * as_of, and as_of itself when it falls inside a bucket. */
static void
plan_buckets(struct agg *g)
{
	const struct px_report_params *p = g->p;
	struct px_localtime f, lt;
	int64_t y, end = p->as_of_ms < p->to_ms ? p->as_of_ms : p->to_ms;
	unsigned m;
	bool weekly;

	px_tz_local(&f, p->tz, p->from_ms);
	y = f.year;
	m = f.month;
	for (;;) {
		int64_t start = px_tz_from_local(p->tz, y, m, 1, 0, 0);

		if (g->nmonths && start >= p->to_ms)
			break;
		(void)month_get(g, start > p->from_ms ? start : p->from_ms);
		if (++m > 12) {
			m = 1;
			y++;
		}
	}
	weekly = p->to_ms < px_tz_from_local(p->tz, f.year, f.month + 3, f.day,
	                        f.hour, f.minute);
	for (unsigned k = 1;; k++) {
		int64_t t;

		if (weekly)
			t = px_tz_from_local(p->tz, f.year, f.month,
			    f.day + 7 * k, f.hour, f.minute);
		else
			t = px_tz_from_local(
			    p->tz, f.year, f.month + k, 1, 0, 0);
		if (t > end)
			t = end;
		if (t <= p->from_ms ||
		    (g->npoints && t <= g->points[g->npoints - 1].t))
			break;
		g->points = px_realloc(
		    g->points, (g->npoints + 1) * sizeof(*g->points));
		memset(&g->points[g->npoints], 0, sizeof(*g->points));
		g->points[g->npoints].t = t;
		/* Labelled by the last day the bucket covers. */
		px_tz_local(&lt, p->tz, t - 1);
		snprintf(g->points[g->npoints].date, 16, "%04lld-%02u-%02u",
		    (long long)lt.year, lt.month, lt.day);
		g->npoints++;
		if (t == end)
			break;
	}
}

static struct contact *
contact_get(struct agg *g, const char *party, const char *name)
{
	for (size_t i = 0; i < g->ncontacts; i++)
		if (strcmp(g->contacts[i].party, party) == 0 &&
		    strcmp(g->contacts[i].contact, name) == 0)
			return &g->contacts[i];
	g->contacts =
	    px_realloc(g->contacts, (g->ncontacts + 1) * sizeof(*g->contacts));
	memset(&g->contacts[g->ncontacts], 0, sizeof(*g->contacts));
	g->contacts[g->ncontacts].party = party;
	g->contacts[g->ncontacts].contact = name;
	g->contacts[g->ncontacts].before = -1;
	g->contacts[g->ncontacts].last = -1;
	return &g->contacts[g->ncontacts++];
}

static void
add_check(struct agg *g, const struct row *r)
{
	struct dir_acc *d = &g->d[r->out ? 0 : 1];
	struct contact *c = contact_get(g, r->ck_party, r->ck_contact);

	d->ck_sent++;
	c->sent++;
	if (r->ck_answered) {
		d->ck_answered++;
		vec_add(&d->ck_ms, r->ck_answer_ms);
		c->answered++;
		vec_add(&c->ms, r->ck_answer_ms);
		if (r->opened + r->ck_answer_ms > c->last)
			c->last = r->opened + r->ck_answer_ms;
	} else if (r->ck_auto) {
		d->ck_auto++;
	}
}

static void
add_row(struct agg *g, const struct row *r)
{
	struct dir_acc *d = &g->d[r->out ? 0 : 1];
	const json_t *v;
	bool overdue = false;
	size_t i;

	d->total++;
	bump(d->by_kind, px_kind_names[r->kind].wire, 1);
	bump(d->by_category, r->category, 1);
	for (int k = 0; k < PX_CLK__N; k++) {
		const struct row_clock *c = &r->clk[k];
		int64_t when;

		if (c->state == PX_CS_OVERDUE)
			overdue = true;
		if (c->state != PX_CS_MET && c->state != PX_CS_BREACHED &&
		    c->state != PX_CS_OVERDUE)
			continue;
		d->clk[k].measured++;
		if (c->state == PX_CS_MET)
			d->clk[k].within++;
		/* Measured in the month of its stop, or of the deadline it
		 * passed. */
		when = c->state == PX_CS_OVERDUE ? c->deadline : c->stopped;
		struct month *mo = month_get(g, when);

		mo->measured[r->out ? 0 : 1]++;
		if (c->state == PX_CS_MET)
			mo->within[r->out ? 0 : 1]++;
		if (c->elapsed < 0)
			continue;
		vec_add(&d->clk[k].el, c->elapsed);
		for (size_t j = 0; j < NDIST; j++) {
			size_t b = NBINS - 1;

			if ((int)dist_clocks[j] != k)
				continue;
			while (b > 0 && c->elapsed < bins_ms[b])
				b--;
			d->dist[j][b]++;
		}
	}
	d->outcomes[name_in(outcome_names, NOUTCOMES, r->outcome)]++;
	if (r->reason)
		bump(d->reasons, r->reason, 1);
	if (r->ended < 0 || r->ended > g->p->as_of_ms) {
		d->open++;
		if (overdue)
			d->overdue++;
	}
	for (i = 0; i < g->npoints; i++)
		if (r->opened < g->points[i].t &&
		    (r->ended < 0 || r->ended >= g->points[i].t))
			g->points[i].open[r->out ? 0 : 1]++;
	if (json_array_size(r->ladder) > 0)
		d->esc_cases++;
	json_array_foreach(r->ladder, i, v)
	{
		char lv[24];

		snprintf(
		    lv, sizeof(lv), "%lld", (long long)json_integer_value(v));
		bump(d->by_level, lv, 1);
		d->esc_total++;
	}
	if (r->kind == PX_KIND_HOTLINE) {
		d->h_raised++;
		d->h_pages += r->h_pages;
		d->h_acked += r->h_acked;
		d->h_capped += r->h_capped > 0;
		if (r->h_answered) {
			d->h_answered++;
			vec_add(&d->h_ms, r->h_answer_ms);
		}
	}
	if (r->score > 0) {
		d->rated++;
		d->score_sum += r->score;
		d->scores[r->score]++;
	}
}

static json_t *
dir_pair(json_t *outbound, json_t *inbound)
{
	return json_pack("{so so}", "outbound", outbound, "inbound", inbound);
}

static json_t *
clock_json(struct dir_acc *d, int k)
{
	json_t *o =
	    json_pack("{sI sI}", "measured", (json_int_t)d->clk[k].measured,
	        "within", (json_int_t)d->clk[k].within);

	json_object_set_new(o, "share_within",
	    share(d->clk[k].within, d->clk[k].measured, 1000));
	json_object_set_new(o, "median_ms", pct_json(&d->clk[k].el, 50));
	json_object_set_new(o, "p90_ms", pct_json(&d->clk[k].el, 90));
	return o;
}

static json_t *
dir_json(struct agg *g, int which)
{
	struct dir_acc *d = &g->d[which];
	json_t *o = json_object(), *t = json_object(), *oc = json_object();
	json_t *sc = json_object(), *q, *dist = json_object();

	json_object_set_new(o, "volumes",
	    json_pack("{sI sO sO}", "total", (json_int_t)d->total, "by_kind",
	        d->by_kind, "by_category", d->by_category));
	for (int k = 0; k < PX_CLK__N; k++)
		json_object_set_new(
		    t, px_clock_names[k].wire, clock_json(d, k));
	json_object_set_new(o, "timeliness", t);
	for (size_t i = 0; i < NOUTCOMES; i++)
		json_object_set_new(
		    oc, outcome_names[i], json_integer(d->outcomes[i]));
	json_object_set_new(o, "outcomes", oc);
	json_object_set_new(o, "reasons", json_incref(d->reasons));
	json_object_set_new(o, "backlog",
	    json_pack("{sI sI}", "open", (json_int_t)d->open, "overdue",
	        (json_int_t)d->overdue));
	json_object_set_new(o, "escalations",
	    json_pack("{sI sI sO}", "total", (json_int_t)d->esc_total, "cases",
	        (json_int_t)d->esc_cases, "by_level", d->by_level));
	json_object_set_new(o, "hotline",
	    json_pack("{sI sI sI so so so sI sI}", "raised",
	        (json_int_t)d->h_raised, "acknowledged", (json_int_t)d->h_acked,
	        "answered", (json_int_t)d->h_answered, "answer_rate",
	        share(d->h_answered, d->h_raised, 1000), "median_answer_ms",
	        pct_json(&d->h_ms, 50), "p90_answer_ms", pct_json(&d->h_ms, 90),
	        "pages", (json_int_t)d->h_pages, "capped",
	        (json_int_t)d->h_capped));
	json_object_set_new(o, "checks",
	    json_pack("{sI sI sI sI so so}", "sent", (json_int_t)d->ck_sent,
	        "answered", (json_int_t)d->ck_answered, "auto_only",
	        (json_int_t)d->ck_auto, "unanswered",
	        (json_int_t)(d->ck_sent - d->ck_answered - d->ck_auto),
	        "response_rate", share(d->ck_answered, d->ck_sent, 1000),
	        "median_ms", pct_json(&d->ck_ms, 50)));
	for (int s = 1; s <= 5; s++) {
		char key[2] = { (char)('0' + s), 0 };

		json_object_set_new(sc, key, json_integer(d->scores[s]));
	}
	q = json_pack("{sI so so}", "rated", (json_int_t)d->rated, "mean",
	    share(d->score_sum, d->rated, 100), "scores", sc);
	json_object_set_new(o, "quality", q);
	for (size_t j = 0; j < NDIST; j++) {
		json_t *a = json_array();

		for (size_t b = 0; b < NBINS; b++)
			json_array_append_new(a, json_integer(d->dist[j][b]));
		json_object_set_new(
		    dist, px_clock_names[dist_clocks[j]].wire, a);
	}
	json_object_set_new(o, "distribution", dist);
	return o;
}

/* Moves member `key` of each direction's object into one
 * {"outbound": ..., "inbound": ...} under `out[key]`. */
static void
split(json_t *out, const char *key, json_t *o, json_t *in)
{
	json_object_set_new(out, key,
	    dir_pair(json_incref(json_object_get(o, key)),
	        json_incref(json_object_get(in, key))));
}

static json_t *
contacts_json(struct agg *g)
{
	json_t *a = json_array();

	for (size_t i = 0; i < g->ncontacts; i++) {
		struct contact *c = &g->contacts[i];
		int64_t last = c->last > c->before ? c->last : c->before;
		bool stale =
		    last < 0 || g->p->as_of_ms - last > g->p->verify_within_ms;

		json_array_append_new(a,
		    json_pack("{ss ss sI sI so so so sb}", "party", c->party,
		        "contact", c->contact, "sent", (json_int_t)c->sent,
		        "answered", (json_int_t)c->answered, "median_ms",
		        pct_json(&c->ms, 50), "verified_before",
		        px_json_time(c->before), "last_verified",
		        px_json_time(last), "stale", stale));
	}
	return a;
}

static int
cmp_contact(const void *a, const void *b)
{
	const struct contact *x = a, *y = b;
	int c = strcmp(x->party, y->party);

	return c ? c : strcmp(x->contact, y->contact);
}

static int
read_contacts(struct agg *g, const json_t *contacts)
{
	const json_t *v;
	size_t i;
	int rc;

	if (contacts == NULL)
		return 0;
	if (!json_is_array(contacts))
		return px_error_set(PX_EINVAL, "the contacts must be an array");
	json_array_foreach(contacts, i, v)
	{
		char what[48];
		const char *party, *name;
		int64_t before;
		struct contact *c;

		snprintf(what, sizeof(what), "contact %zu", i + 1);
		if ((rc = px_j_str(&party, v, "party", 253, what)) < 0 ||
		    (rc = px_j_str(&name, v, "contact", 256, what)) < 0 ||
		    (rc = opt_time(&before, v, "verified_before", what)) < 0)
			return rc;
		c = contact_get(g, party, name);
		if (before > c->before)
			c->before = before;
	}
	return 0;
}

static void
agg_dispose(struct agg *g)
{
	for (int w = 0; w < 2; w++) {
		struct dir_acc *d = &g->d[w];

		json_decref(d->by_kind);
		json_decref(d->by_category);
		json_decref(d->reasons);
		json_decref(d->by_level);
		for (int k = 0; k < PX_CLK__N; k++)
			free(d->clk[k].el.v);
		free(d->h_ms.v);
		free(d->ck_ms.v);
	}
	for (size_t i = 0; i < g->ncontacts; i++)
		free(g->contacts[i].ms.v);
	free(g->contacts);
	free(g->months);
	free(g->points);
}

int
px_report_aggregates(json_t **out, const struct px_report_params *p,
    const json_t *rows, const json_t *contacts)
{
	struct agg g = { .p = p };
	json_t *o = NULL, *dj[2] = { NULL, NULL };
	const json_t *v;
	size_t i;
	int rc;

	*out = NULL;
	if (p->to_ms <= p->from_ms)
		return px_error_set(PX_EINVAL,
		    "the period is empty: 'from' must be before 'to'");
	if (p->to_ms - p->from_ms > PX_REPORT_MAX_PERIOD_MS)
		return px_error_set(
		    PX_EINVAL, "the period is longer than 100 years");
	if (!json_is_array(rows))
		return px_error_set(
		    PX_EINVAL, "the case rows must be an array");
	for (int w = 0; w < 2; w++) {
		g.d[w].by_kind = json_object();
		g.d[w].by_category = json_object();
		g.d[w].reasons = json_object();
		g.d[w].by_level = json_object();
	}
	plan_buckets(&g);
	if ((rc = read_contacts(&g, contacts)) < 0)
		goto out;
	json_array_foreach(rows, i, v)
	{
		struct row r;

		if ((rc = parse_row(&r, v, i)) < 0)
			goto out;
		if (r.kind == PX_KIND_INJECT || r.kind == PX_KIND_AGREEMENT)
			continue; /* exercises and proposals never count */
		if (r.kind == PX_KIND_CHECK)
			add_check(&g, &r);
		else
			add_row(&g, &r);
	}
	if (g.ncontacts)
		qsort(
		    g.contacts, g.ncontacts, sizeof(*g.contacts), cmp_contact);
	dj[0] = dir_json(&g, 0);
	dj[1] = dir_json(&g, 1);
	o = json_object();
	split(o, "volumes", dj[0], dj[1]);
	split(o, "timeliness", dj[0], dj[1]);
	split(o, "outcomes", dj[0], dj[1]);
	split(o, "reasons", dj[0], dj[1]);
	split(o, "backlog", dj[0], dj[1]);
	split(o, "escalations", dj[0], dj[1]);
	split(o, "hotline", dj[0], dj[1]);
	split(o, "checks", dj[0], dj[1]);
	json_object_set_new(
	    json_object_get(o, "checks"), "contacts", contacts_json(&g));
	split(o, "quality", dj[0], dj[1]);
	{
		json_t *bins = json_array(), *monthly = json_array();
		json_t *backlog = json_array(), *dist;

		for (size_t b = 0; b < NBINS; b++)
			json_array_append_new(bins, json_integer(bins_ms[b]));
		dist = json_pack("{so sO sO}", "bins_ms", bins, "outbound",
		    json_object_get(dj[0], "distribution"), "inbound",
		    json_object_get(dj[1], "distribution"));
		for (i = 0; i < g.nmonths; i++)
			json_array_append_new(monthly,
			    json_pack("{ss sI sI sI sI}", "month",
			        g.months[i].key, "outbound_measured",
			        (json_int_t)g.months[i].measured[0],
			        "outbound_within",
			        (json_int_t)g.months[i].within[0],
			        "inbound_measured",
			        (json_int_t)g.months[i].measured[1],
			        "inbound_within",
			        (json_int_t)g.months[i].within[1]));
		for (i = 0; i < g.npoints; i++)
			json_array_append_new(backlog,
			    json_pack("{ss sI sI}", "date", g.points[i].date,
			        "outbound", (json_int_t)g.points[i].open[0],
			        "inbound", (json_int_t)g.points[i].open[1]));
		json_object_set_new(o, "charts",
		    json_pack("{so so so}", "distribution", dist, "monthly",
		        monthly, "backlog", backlog));
	}
	*out = o;
	o = NULL;
	rc = 0;
out:
	json_decref(dj[0]);
	json_decref(dj[1]);
	json_decref(o);
	agg_dispose(&g);
	return rc;
}

int
px_report_assemble(json_t **out, const struct px_report_params *p,
    const json_t *checkpoint, json_t *rows, json_t *contacts)
{
	json_t *o = NULL, *agg = NULL;
	const char *k;
	json_t *v;
	int rc;

	*out = NULL;
	if ((rc = px_report_aggregates(&agg, p, rows, contacts)) < 0)
		goto out;
	o = json_pack("{s{si ss ss so so so so ss sI sI}}", "report", "v", 1,
	    "node", p->node, "peer", p->peer, "from", px_json_time(p->from_ms),
	    "to", px_json_time(p->to_ms), "generated",
	    px_json_time(p->generated_ms), "as_of", px_json_time(p->as_of_ms),
	    "timezone", px_tz_name(p->tz), "verify_within_ms",
	    (json_int_t)p->verify_within_ms, "agreement",
	    (json_int_t)p->agreement);
	json_object_set_new(o, "checkpoint",
	    checkpoint ? json_deep_copy(checkpoint) : json_null());
	json_object_foreach(agg, k, v) json_object_set(o, k, v);
	json_object_set(o, "cases", rows);
	*out = o;
out:
	json_decref(agg);
	json_decref(rows);
	json_decref(contacts);
	return rc;
}

int
px_report_build(json_t **out, const struct px_report_params *p,
    const json_t *checkpoint, const struct px_report_case *cases, size_t n,
    const struct px_report_contact *contacts, size_t ncontacts)
{
	json_t *rows = json_array(), *cj = json_array();

	for (size_t i = 0; i < n; i++)
		if (cases[i].c->kind != PX_KIND_INJECT &&
		    cases[i].c->kind != PX_KIND_AGREEMENT)
			json_array_append_new(
			    rows, px_report_case_row(&cases[i]));
	for (size_t i = 0; i < ncontacts; i++)
		json_array_append_new(cj,
		    json_pack("{ss ss so}", "party", contacts[i].party,
		        "contact", contacts[i].contact, "verified_before",
		        px_json_time(contacts[i].verified_before_ms)));
	return px_report_assemble(out, p, checkpoint, rows, cj);
}
