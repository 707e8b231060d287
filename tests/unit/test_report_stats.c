/*
 * The review report's pure core (report/stats.h), with cases built from
 * real signed messages and replayed, and rows built by hand where the
 * messages do not exist yet.  Every expected figure is worked out in the
 * comments next to it.
 */
#include "helpers.h"
#include "model/case.h"
#include "report/stats.h"
#include "util/tz.h"

#define A "cert-a.example" /* the node writing the report */
#define B "cert-b.example" /* its peer */

#define DAY_MS (24 * HOUR_MS)

/* 2026-01-01T00:00:00Z and friends. */
static int64_t
utc(int y, unsigned m, unsigned d, unsigned h, unsigned mi)
{
	return (px_days_from_civil(y, m, d) * 24 + h) * HOUR_MS + mi * MIN_MS;
}

/* One case under construction: the requester's and the responder's
 * channels, and what the report needs of it. */
struct tc {
	struct chan req, resp;
	struct px_case c;
	struct px_msg_entry e[32];
	bool outbound;
};

static void
tc_open(struct tc *t, bool outbound, const char *kind, const char *prio,
    int64_t at, int64_t delivered)
{
	struct px_msg *m;

	memset(t, 0, sizeof(*t));
	t->outbound = outbound;
	chan_init(&t->req, outbound ? A : B, outbound ? B : A, 1);
	chan_init(&t->resp, outbound ? B : A, outbound ? A : B, 2);
	px_case_init(&t->c);
	m = chan_send(&t->req, NULL,
	    strcmp(kind, "report") == 0 ? PX_MSG_REPORT : PX_MSG_REQUEST, at,
	    open_body(kind, prio));
	assert_int_equal(px_case_apply(&t->c, m), 0);
	px_msg_free(m);
	px_case_set_delivered(&t->c, delivered);
}

/* The requester (from_req) or the responder sends `type` at `at`. */
static void
tc_send(struct tc *t, bool from_req, enum px_msg_type type, int64_t at,
    json_t *body)
{
	struct px_msg *m = chan_send(from_req ? &t->req : &t->resp, t->c.id,
	    type, at, body ? body : json_object());
	int rc = px_case_apply(&t->c, m);

	if (rc != 0)
		fail_msg("px_case_apply: %s", px_error_last());
	px_msg_free(m);
}

static json_t *
text(const char *s)
{
	return json_pack("{s{ssss}}", "text", "lang", "en", "value", s);
}

static json_t *
triage(const char *decision, const char *reason)
{
	json_t *b = json_pack("{ss}", "decision", decision);

	if (reason)
		json_object_set_new(b, "reason", json_string(reason));
	return b;
}

static json_t *
result(const char *outcome)
{
	json_t *b = text("done");

	if (outcome)
		json_object_set_new(b, "outcome", json_string(outcome));
	return b;
}

/* The report over tcs[0..n) with default agreement, UTC calendars. */
static json_t *
report(struct tc *tcs, size_t n, const struct px_report_params *p)
{
	struct px_report_case *rcs = px_calloc(n + 1, sizeof(*rcs));
	struct px_agreement ag;
	struct px_calendar cal;
	json_t *out = NULL;

	px_agreement_default(&ag);
	px_calendar_init(&cal, px_tz_utc());
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < tcs[i].c.n; k++) {
			tcs[i].e[k].log = (int64_t)(10 * i + k);
			memcpy(tcs[i].e[k].hash, tcs[i].c.msgs[k]->hash,
			    PX_HASH_HEX);
		}
		rcs[i].c = &tcs[i].c;
		rcs[i].entries = tcs[i].e;
		rcs[i].outbound = tcs[i].outbound;
		px_case_clocks(
		    rcs[i].clocks, &tcs[i].c, &ag, &cal, p->as_of_ms);
	}
	if (px_report_build(&out, p, NULL, rcs, n, NULL, 0) != 0)
		fail_msg("px_report_build: %s", px_error_last());
	px_calendar_dispose(&cal);
	free(rcs);
	return out;
}

static void
tcs_dispose(struct tc *tcs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		px_case_dispose(&tcs[i].c);
}

/* Reads a member by a path like "timeliness.outbound.acknowledge". */
static const json_t *
at(const json_t *o, const char *path)
{
	char buf[256], *p = buf, *dot;

	snprintf(buf, sizeof(buf), "%s", path);
	while (o && (dot = strchr(p, '.')) != NULL) {
		*dot = '\0';
		o = json_object_get(o, p);
		p = dot + 1;
	}
	return o ? json_object_get(o, p) : NULL;
}

static void
expect_int(const json_t *o, const char *path, int64_t want)
{
	const json_t *v = at(o, path);

	if (!json_is_integer(v))
		fail_msg("%s: not an integer", path);
	if (json_integer_value(v) != want)
		fail_msg("%s: expected %lld, got %lld", path, (long long)want,
		    (long long)json_integer_value(v));
}

static void
expect_real(const json_t *o, const char *path, double want)
{
	const json_t *v = at(o, path);

	if (!json_is_real(v))
		fail_msg("%s: not a real number", path);
	if (json_real_value(v) != want)
		fail_msg(
		    "%s: expected %g, got %g", path, want, json_real_value(v));
}

static void
expect_null(const json_t *o, const char *path)
{
	const json_t *v = at(o, path);

	if (!json_is_null(v))
		fail_msg("%s: expected null", path);
}

static void
expect_str(const json_t *o, const char *path, const char *want)
{
	const char *s = json_string_value(at(o, path));

	if (s == NULL || strcmp(s, want) != 0)
		fail_msg("%s: expected '%s', got '%s'", path, want,
		    s ? s : "(none)");
}

static struct px_report_params
params(int64_t from, int64_t to, const struct px_tz *tz)
{
	struct px_report_params p = {
		.node = A,
		.peer = B,
		.from_ms = from,
		.to_ms = to,
		.as_of_ms = to,
		.generated_ms = to + DAY_MS,
		.tz = tz ? tz : px_tz_utc(),
		.verify_within_ms = 90 * DAY_MS, /* the default */
	};

	return p;
}

/* Nearest rank: p-th percentile of n values is the value at rank
 * ceil(p/100 n) in ascending order. */
static void
test_percentiles(void **state)
{
	int64_t one[] = { 42 };
	int64_t even[] = { 40, 10, 30, 20 };
	int64_t ten[] = { 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };
	int64_t eleven[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	int64_t twenty[20];

	(void)state;
	/* n = 1: every percentile is the value. */
	assert_int_equal(px_report_percentile(one, 1, 50), 42);
	assert_int_equal(px_report_percentile(one, 1, 90), 42);
	/* n = 4: median rank ceil(2) = 2 -> 20 (no averaging of the
	 * middle pair); p90 rank ceil(3.6) = 4 -> 40. */
	assert_int_equal(px_report_percentile(even, 4, 50), 20);
	assert_int_equal(px_report_percentile(even, 4, 90), 40);
	/* n = 10: p90 rank ceil(9) = 9 -> 9; median rank 5 -> 5. */
	assert_int_equal(px_report_percentile(ten, 10, 90), 9);
	assert_int_equal(px_report_percentile(ten, 10, 50), 5);
	/* n = 11: p90 rank ceil(9.9) = 10 -> 10; median rank ceil(5.5) =
	 * 6 -> 6. */
	assert_int_equal(px_report_percentile(eleven, 11, 90), 10);
	assert_int_equal(px_report_percentile(eleven, 11, 50), 6);
	/* n = 20 (values 100..2000): p90 rank 18 -> 1800. */
	for (int i = 0; i < 20; i++)
		twenty[i] = 100 * (20 - i);
	assert_int_equal(px_report_percentile(twenty, 20, 90), 1800);
	assert_int_equal(px_report_percentile(twenty, 0, 90), -1);
}

/*
 * Four outbound P2 requests in January 2026 (UTC), as_of = to = Feb 1.
 * Budgets (default P2, calendar): ack 4h, triage 24h, first response
 * 72h, resolution 30d.
 *   c1 Jan 5 10:00: ack +30m (met), triage +2h (met), result "partial"
 *      +24h (first response and resolution met, 24h), rated 5.
 *   c2 Jan 10 00:00: ack +5h (breached), triage +6h (met); nothing else:
 *      first response due Jan 13 00:00 -> overdue at Feb 1 (measured,
 *      not within, no elapsed time); resolution due Feb 9 -> running.
 *   c3 Jan 12 00:00: ack +1h (met), triage needs-info +2h (met): first
 *      response and resolution paused -> not measured.
 *   c4 Jan 15 00:00: withdrawn +1h, before any deadline: all four
 *      cancelled -> not measured.
 */
static void
test_timeliness_and_outcomes(void **state)
{
	struct tc t[4];
	struct px_report_params p =
	    params(utc(2026, 1, 1, 0, 0), utc(2026, 2, 1, 0, 0), NULL);
	int64_t t1 = utc(2026, 1, 5, 10, 0), t2 = utc(2026, 1, 10, 0, 0);
	int64_t t3 = utc(2026, 1, 12, 0, 0), t4 = utc(2026, 1, 15, 0, 0);
	json_t *r;

	(void)state;
	tc_open(&t[0], true, "request", "P2", t1, t1);
	tc_send(&t[0], false, PX_MSG_ACK, t1 + 30 * MIN_MS, NULL);
	tc_send(&t[0], false, PX_MSG_TRIAGE, t1 + 2 * HOUR_MS,
	    triage("accepted", NULL));
	tc_send(&t[0], false, PX_MSG_RESULT, t1 + DAY_MS, result("partial"));
	tc_send(&t[0], true, PX_MSG_FEEDBACK, t1 + DAY_MS + HOUR_MS,
	    json_pack("{si}", "score", 5));
	tc_open(&t[1], true, "request", "P2", t2, t2);
	tc_send(&t[1], false, PX_MSG_ACK, t2 + 5 * HOUR_MS, NULL);
	tc_send(&t[1], false, PX_MSG_TRIAGE, t2 + 6 * HOUR_MS,
	    triage("accepted", NULL));
	tc_open(&t[2], true, "request", "P2", t3, t3);
	tc_send(&t[2], false, PX_MSG_ACK, t3 + HOUR_MS, NULL);
	tc_send(&t[2], false, PX_MSG_TRIAGE, t3 + 2 * HOUR_MS,
	    triage("needs-info", "insufficient-information"));
	tc_open(&t[3], true, "request", "P2", t4, t4);
	tc_send(&t[3], true, PX_MSG_WITHDRAW, t4 + HOUR_MS, NULL);
	r = report(t, 4, &p);

	/* Acknowledge: measured c1, c2, c3 (c4 cancelled), within c1, c3:
	 * 2/3 = 0.667.  Elapsed 30m, 5h, 1h -> sorted 30m, 1h, 5h: median
	 * rank 2 = 1h, p90 rank ceil(2.7) = 3 = 5h. */
	expect_int(r, "timeliness.outbound.acknowledge.measured", 3);
	expect_int(r, "timeliness.outbound.acknowledge.within", 2);
	expect_real(r, "timeliness.outbound.acknowledge.share_within", 0.667);
	expect_int(r, "timeliness.outbound.acknowledge.median_ms", HOUR_MS);
	expect_int(r, "timeliness.outbound.acknowledge.p90_ms", 5 * HOUR_MS);
	/* Triage: 2h, 6h, 2h, all met. */
	expect_int(r, "timeliness.outbound.triage.measured", 3);
	expect_int(r, "timeliness.outbound.triage.within", 3);
	expect_real(r, "timeliness.outbound.triage.share_within", 1.0);
	expect_int(r, "timeliness.outbound.triage.median_ms", 2 * HOUR_MS);
	expect_int(r, "timeliness.outbound.triage.p90_ms", 6 * HOUR_MS);
	/* First response: c1 met (24h) and c2 overdue are measured; c3
	 * paused and c4 cancelled are not.  Only c1 has an elapsed time. */
	expect_int(r, "timeliness.outbound.first_response.measured", 2);
	expect_int(r, "timeliness.outbound.first_response.within", 1);
	expect_real(r, "timeliness.outbound.first_response.share_within", 0.5);
	expect_int(r, "timeliness.outbound.first_response.median_ms", DAY_MS);
	expect_int(r, "timeliness.outbound.first_response.p90_ms", DAY_MS);
	/* Resolution: c1 only (c2 still running, not yet due). */
	expect_int(r, "timeliness.outbound.resolution.measured", 1);
	expect_int(r, "timeliness.outbound.resolution.within", 1);
	/* Nothing inbound: counts 0, shares and times null. */
	expect_int(r, "timeliness.inbound.acknowledge.measured", 0);
	expect_null(r, "timeliness.inbound.acknowledge.share_within");
	expect_null(r, "timeliness.inbound.acknowledge.median_ms");

	/* Outcomes: c1 partial (the result's), c2 and c3 open, c4
	 * withdrawn; the needs-info reason of c3 is counted. */
	expect_int(r, "outcomes.outbound.partial", 1);
	expect_int(r, "outcomes.outbound.resolved", 0);
	expect_int(r, "outcomes.outbound.open", 2);
	expect_int(r, "outcomes.outbound.withdrawn", 1);
	expect_int(r, "reasons.outbound.insufficient-information", 1);
	/* Backlog at as_of: c2 and c3 not ended; c2 has an overdue clock. */
	expect_int(r, "backlog.outbound.open", 2);
	expect_int(r, "backlog.outbound.overdue", 1);
	/* Quality: one rating, 5. */
	expect_int(r, "quality.outbound.rated", 1);
	expect_real(r, "quality.outbound.mean", 5.0);
	expect_int(r, "quality.outbound.scores.5", 1);
	expect_int(r, "quality.outbound.scores.1", 0);
	/* Volumes. */
	expect_int(r, "volumes.outbound.total", 4);
	expect_int(r, "volumes.outbound.by_kind.request", 4);
	expect_int(r, "volumes.outbound.by_category.botnet", 4);
	expect_int(r, "volumes.inbound.total", 0);
	/* Monthly, all in 2026-01: measured 3 + 3 + 2 + 1 = 9, within
	 * 2 + 3 + 1 + 1 = 7. */
	{
		const json_t *m = json_array_get(at(r, "charts.monthly"), 0);

		assert_int_equal(json_array_size(at(r, "charts.monthly")), 1);
		expect_str(m, "month", "2026-01");
		expect_int(m, "outbound_measured", 9);
		expect_int(m, "outbound_within", 7);
		expect_int(m, "inbound_measured", 0);
	}
	/* Distribution of acknowledge: 30m in [15m, 1h), 1h in [1h, 4h),
	 * 5h in [4h, 24h). */
	{
		const json_t *d = at(r, "charts.distribution.outbound");
		const json_t *ack = json_object_get(d, "acknowledge");
		int64_t want[] = { 0, 1, 1, 1, 0, 0 };

		for (size_t i = 0; i < 6; i++)
			assert_int_equal(
			    json_integer_value(json_array_get(ack, i)),
			    want[i]);
	}
	/* The rows: outcome, clock states and elapsed times as computed. */
	{
		const json_t *c1 = json_array_get(at(r, "cases"), 0);
		const json_t *c2 = json_array_get(at(r, "cases"), 1);

		assert_int_equal(json_array_size(at(r, "cases")), 4);
		expect_str(c1, "outcome", "partial");
		expect_str(c1, "clocks.acknowledge.state", "met");
		expect_int(c1, "clocks.acknowledge.elapsed_ms", 30 * MIN_MS);
		expect_int(c1, "score", 5);
		expect_str(c2, "clocks.acknowledge.state", "breached");
		expect_str(c2, "clocks.first_response.state", "overdue");
		expect_null(c2, "clocks.first_response.elapsed_ms");
		expect_null(c2, "ended");
		assert_int_equal(
		    json_array_size(json_object_get(c1, "entries")), 5);
		expect_str(json_array_get(json_object_get(c1, "entries"), 1),
		    "leaf", "msg");
		expect_str(json_array_get(json_object_get(c1, "entries"), 1),
		    "type", "ack");
	}
	json_decref(r);
	tcs_dispose(t, 4);
}

/* The outcome rule's order, inbound: a result without an outcome is
 * resolved; declined and forwarded come from triage (reasons counted);
 * a report the responder closes is closed; a withdrawn request is
 * withdrawn even after needs-info. */
static void
test_outcome_rules(void **state)
{
	struct tc t[5];
	struct px_report_params p =
	    params(utc(2026, 3, 1, 0, 0), utc(2026, 4, 1, 0, 0), NULL);
	int64_t t0 = utc(2026, 3, 2, 9, 0);
	json_t *r;

	(void)state;
	tc_open(&t[0], false, "request", "P3", t0, t0);
	tc_send(&t[0], false, PX_MSG_ACK, t0 + HOUR_MS, NULL);
	tc_send(&t[0], false, PX_MSG_RESULT, t0 + 2 * HOUR_MS, result(NULL));
	tc_open(&t[1], false, "request", "P3", t0, t0);
	tc_send(&t[1], false, PX_MSG_TRIAGE, t0 + HOUR_MS,
	    triage("declined", "no-data-held"));
	tc_open(&t[2], false, "request", "P3", t0, t0);
	tc_send(&t[2], false, PX_MSG_TRIAGE, t0 + HOUR_MS,
	    triage("forwarded", "competent-authority"));
	tc_open(&t[3], false, "report", "P3", t0, t0);
	tc_send(&t[3], false, PX_MSG_CLOSE, t0 + HOUR_MS, NULL);
	tc_open(&t[4], false, "request", "P3", t0, t0);
	tc_send(&t[4], false, PX_MSG_TRIAGE, t0 + HOUR_MS,
	    triage("needs-info", NULL));
	tc_send(&t[4], true, PX_MSG_WITHDRAW, t0 + 2 * HOUR_MS, NULL);
	r = report(t, 5, &p);
	expect_int(r, "outcomes.inbound.resolved", 1);
	expect_int(r, "outcomes.inbound.declined", 1);
	expect_int(r, "outcomes.inbound.forwarded", 1);
	expect_int(r, "outcomes.inbound.closed", 1);
	expect_int(r, "outcomes.inbound.withdrawn", 1);
	expect_int(r, "outcomes.inbound.open", 0);
	expect_int(r, "reasons.inbound.no-data-held", 1);
	expect_int(r, "reasons.inbound.competent-authority", 1);
	assert_int_equal(json_object_size(at(r, "reasons.outbound")), 0);
	/* Every case ended: no backlog. */
	expect_int(r, "backlog.inbound.open", 0);
	expect_int(r, "volumes.inbound.by_kind.report", 1);
	expect_int(r, "volumes.inbound.by_kind.request", 4);
	/* The declined row: decision and reason as sent, ended at the
	 * triage. */
	{
		const json_t *c = json_array_get(at(r, "cases"), 1);
		char when[PX_TIME_STRLEN];

		px_time_format(when, t0 + HOUR_MS);
		expect_str(c, "decision", "declined");
		expect_str(c, "reason", "no-data-held");
		expect_str(c, "ended", when);
		expect_str(c, "direction", "inbound");
	}
	json_decref(r);
	tcs_dispose(t, 5);
}

/*
 * Month buckets follow the node's time zone.  Beijing is UTC+8, so
 * 2026-01-31T15:00Z is 23:00 on 31 January there, and 17:00Z is 01:00 on
 * 1 February.  Two P2 requests each answered by one result (stopping all
 * four clocks, met): the first opened 14:00Z, answered 15:00Z (January in
 * Beijing); the second opened 15:30Z (23:30 local, still January),
 * answered 17:00Z (February).  4 measured clocks in 2026-01 and 4 in
 * 2026-02 in Beijing; in UTC all 8 would be in January.  The period is
 * three local months, so the backlog chart has month ends, not weeks.
 */
static void
test_months_across_zones(void **state)
{
	struct px_tz *sh = NULL;
	struct tc t[2];
	struct px_report_params p;
	int64_t a0 = utc(2026, 1, 31, 14, 0), b0 = utc(2026, 1, 31, 15, 30);
	const json_t *m;
	json_t *r;

	(void)state;
	assert_int_equal(px_tz_load(&sh, "Asia/Shanghai"), 0);
	/* 2026-01-01 00:00 to 2026-04-01 00:00 in Beijing. */
	p = params(utc(2025, 12, 31, 16, 0), utc(2026, 3, 31, 16, 0), sh);
	tc_open(&t[0], true, "request", "P2", a0, a0);
	tc_send(&t[0], false, PX_MSG_RESULT, a0 + HOUR_MS, result(NULL));
	tc_open(&t[1], true, "request", "P2", b0, b0);
	tc_send(&t[1], false, PX_MSG_RESULT, b0 + 90 * MIN_MS, result(NULL));
	r = report(t, 2, &p);
	m = at(r, "charts.monthly");
	assert_int_equal(json_array_size(m), 3);
	expect_str(json_array_get(m, 0), "month", "2026-01");
	expect_int(json_array_get(m, 0), "outbound_measured", 4);
	expect_int(json_array_get(m, 0), "outbound_within", 4);
	expect_str(json_array_get(m, 1), "month", "2026-02");
	expect_int(json_array_get(m, 1), "outbound_measured", 4);
	expect_str(json_array_get(m, 2), "month", "2026-03");
	expect_int(json_array_get(m, 2), "outbound_measured", 0);
	/* Backlog at each local month end: the first case ended in
	 * January, the second (ended Feb 1 01:00 local) was still open at
	 * the end of January. */
	m = at(r, "charts.backlog");
	assert_int_equal(json_array_size(m), 3);
	expect_str(json_array_get(m, 0), "date", "2026-01-31");
	expect_int(json_array_get(m, 0), "outbound", 1);
	expect_str(json_array_get(m, 1), "date", "2026-02-28");
	expect_int(json_array_get(m, 1), "outbound", 0);
	expect_str(json_array_get(m, 2), "date", "2026-03-31");
	expect_str(r, "report.timezone", "Asia/Shanghai");
	json_decref(r);

	/* The same cases in a UTC report: one month holds all 8. */
	p = params(utc(2026, 1, 1, 0, 0), utc(2026, 4, 1, 0, 0), NULL);
	r = report(t, 2, &p);
	m = at(r, "charts.monthly");
	expect_str(json_array_get(m, 0), "month", "2026-01");
	expect_int(json_array_get(m, 0), "outbound_measured", 8);
	expect_int(json_array_get(m, 1), "outbound_measured", 0);
	json_decref(r);
	tcs_dispose(t, 2);
	px_tz_free(sh);
}

/* A period shorter than three months has a point a week: 1 to 29 January
 * gives the ends of four weeks, labelled by their last day. */
static void
test_weekly_backlog(void **state)
{
	struct px_report_params p =
	    params(utc(2026, 1, 1, 0, 0), utc(2026, 1, 29, 0, 0), NULL);
	const char *want[] = { "2026-01-07", "2026-01-14", "2026-01-21",
		"2026-01-28" };
	const json_t *b;
	json_t *r = NULL;

	(void)state;
	assert_int_equal(px_report_build(&r, &p, NULL, NULL, 0, NULL, 0), 0);
	b = at(r, "charts.backlog");
	assert_int_equal(json_array_size(b), 4);
	for (size_t i = 0; i < 4; i++)
		expect_str(json_array_get(b, i), "date", want[i]);
	json_decref(r);

	/* Across a month end, with a shorter last week: 20 January to 20
	 * February gives 27 Jan, 3, 10 and 17 Feb, then `to` itself. */
	{
		const char *w2[] = { "2026-01-26", "2026-02-02", "2026-02-09",
			"2026-02-16", "2026-02-19" };

		p = params(
		    utc(2026, 1, 20, 0, 0), utc(2026, 2, 20, 0, 0), NULL);
		assert_int_equal(
		    px_report_build(&r, &p, NULL, NULL, 0, NULL, 0), 0);
		b = at(r, "charts.backlog");
		assert_int_equal(json_array_size(b), 5);
		for (size_t i = 0; i < 5; i++)
			expect_str(json_array_get(b, i), "date", w2[i]);
		json_decref(r);
	}
	/* Written before the period is over (as_of 12 February 06:00): no
	 * point after as_of, and as_of closes the last one. */
	{
		const char *w3[] = { "2026-01-26", "2026-02-02", "2026-02-09",
			"2026-02-12" };

		p.as_of_ms = utc(2026, 2, 12, 6, 0);
		assert_int_equal(
		    px_report_build(&r, &p, NULL, NULL, 0, NULL, 0), 0);
		b = at(r, "charts.backlog");
		assert_int_equal(json_array_size(b), 4);
		for (size_t i = 0; i < 4; i++)
			expect_str(json_array_get(b, i), "date", w3[i]);
		json_decref(r);
	}
}

/* Exercise cases (inject) are left out of the rows and every figure. */
static void
test_exercise_ignored(void **state)
{
	struct tc t[2];
	struct px_report_params p =
	    params(utc(2026, 1, 1, 0, 0), utc(2026, 2, 1, 0, 0), NULL);
	int64_t t0 = utc(2026, 1, 5, 0, 0);
	json_t *r, *rows;

	(void)state;
	tc_open(&t[0], true, "inject", "P1", t0, t0);
	tc_send(&t[0], false, PX_MSG_ACK, t0 + MIN_MS, NULL);
	tc_open(&t[1], true, "request", "P2", t0, t0);
	tc_send(&t[1], false, PX_MSG_ACK, t0 + HOUR_MS, NULL);
	r = report(t, 2, &p);
	assert_int_equal(json_array_size(at(r, "cases")), 1);
	expect_str(json_array_get(at(r, "cases"), 0), "kind", "request");
	expect_int(r, "volumes.outbound.total", 1);
	assert_null(at(r, "volumes.outbound.by_kind.inject"));
	expect_int(r, "timeliness.outbound.acknowledge.measured", 1);
	expect_int(r, "timeliness.outbound.acknowledge.median_ms", HOUR_MS);
	json_decref(r);

	/* An inject row slipped into the rows is skipped by the
	 * aggregates too. */
	{
		struct px_report_case rc = { .c = &t[0].c, .outbound = true };
		struct px_agreement ag;
		struct px_calendar cal;
		json_t *agg = NULL;

		px_agreement_default(&ag);
		px_calendar_init(&cal, px_tz_utc());
		rc.entries = t[0].e;
		px_case_clocks(rc.clocks, &t[0].c, &ag, &cal, p.as_of_ms);
		rows = json_pack("[o]", px_report_case_row(&rc));
		assert_int_equal(px_report_aggregates(&agg, &p, rows, NULL), 0);
		expect_int(agg, "volumes.outbound.total", 0);
		expect_int(agg, "timeliness.outbound.acknowledge.measured", 0);
		json_decref(agg);
		json_decref(rows);
		px_calendar_dispose(&cal);
	}
	tcs_dispose(t, 2);
}

/* Nothing in the period: counts are 0, and every share, mean and time is
 * null, not 0 (nothing was measured). */
static void
test_empty_period(void **state)
{
	struct px_report_params p =
	    params(utc(2026, 1, 1, 0, 0), utc(2026, 7, 1, 0, 0), NULL);
	static const char *const clocks[] = { "acknowledge", "triage",
		"first_response", "resolution" };
	static const char *const dirs[] = { "outbound", "inbound" };
	json_t *r = NULL;
	char path[128];

	(void)state;
	assert_int_equal(px_report_build(&r, &p, NULL, NULL, 0, NULL, 0), 0);
	for (int d = 0; d < 2; d++) {
		for (int k = 0; k < 4; k++) {
			snprintf(path, sizeof(path), "timeliness.%s.%s",
			    dirs[d], clocks[k]);
			expect_int(at(r, path), "measured", 0);
			expect_int(at(r, path), "within", 0);
			expect_null(at(r, path), "share_within");
			expect_null(at(r, path), "median_ms");
			expect_null(at(r, path), "p90_ms");
		}
		snprintf(path, sizeof(path), "quality.%s", dirs[d]);
		expect_int(at(r, path), "rated", 0);
		expect_null(at(r, path), "mean");
		snprintf(path, sizeof(path), "hotline.%s", dirs[d]);
		expect_int(at(r, path), "raised", 0);
		expect_null(at(r, path), "answer_rate");
		expect_null(at(r, path), "median_answer_ms");
		snprintf(path, sizeof(path), "checks.%s", dirs[d]);
		expect_int(at(r, path), "sent", 0);
		expect_null(at(r, path), "response_rate");
		expect_null(at(r, path), "median_ms");
		snprintf(path, sizeof(path), "volumes.%s", dirs[d]);
		expect_int(at(r, path), "total", 0);
		snprintf(path, sizeof(path), "outcomes.%s", dirs[d]);
		expect_int(at(r, path), "open", 0);
	}
	/* Six months, six empty buckets; six month-end points. */
	assert_int_equal(json_array_size(at(r, "charts.monthly")), 6);
	assert_int_equal(json_array_size(at(r, "charts.backlog")), 6);
	expect_str(
	    json_array_get(at(r, "charts.backlog"), 5), "date", "2026-06-30");
	assert_int_equal(json_array_size(at(r, "cases")), 0);
	assert_int_equal(json_array_size(at(r, "checks.contacts")), 0);
	expect_null(r, "checkpoint");
	json_decref(r);

	/* A period that is empty or reversed is refused. */
	p.to_ms = p.from_ms;
	assert_int_equal(
	    px_report_build(&r, &p, NULL, NULL, 0, NULL, 0), PX_EINVAL);
}

/* A check case opened by A (the requester side of `t`) to B's contact,
 * with `token`'s hash, due 4 hours after `at`. */
static void
tc_check(struct tc *t, const char *contact, const char *token, int64_t at)
{
	char hash[65], due[PX_TIME_STRLEN];
	struct px_msg *m;

	memset(t, 0, sizeof(*t));
	t->outbound = true;
	chan_init(&t->req, A, B, 1);
	chan_init(&t->resp, B, A, 2);
	px_case_init(&t->c);
	px_check_token_hash(hash, token);
	px_time_format(due, at + 4 * HOUR_MS);
	m = chan_send(&t->req, NULL, PX_MSG_CHECK, at,
	    json_pack("{s{ss ss ss ss ss} s{ss ss ss} s{ss ss}}", "case",
	        "kind", "check", "category", "other", "priority", "P2", "tlp",
	        "green", "title", "Communication check", "check", "contact",
	        contact, "token_sha256", hash, "due", due, "text", "lang", "en",
	        "value", "Please answer with the token"));
	if (px_case_apply(&t->c, m) != 0)
		fail_msg("check: %s", px_error_last());
	px_msg_free(m);
	px_case_set_delivered(&t->c, at);
}

static json_t *
page(int attempt, const char *contact)
{
	return json_pack("{s{si ss s[s]}}", "page", "attempt", attempt,
	    "contact", contact, "channels", "email");
}

static json_t *
ladder(const char *clock, int level, const char *notify, int64_t deadline)
{
	char t[PX_TIME_STRLEN];

	px_time_format(t, deadline);
	return json_pack("{s{ss si ss ss}}", "ladder", "clock", clock, "level",
	    level, "notify", notify, "deadline", t);
}

/*
 * The model's messages behind the hotline, escalation and check figures.
 *   H: an outbound P1 hotline received at t0; B pages duty (t0) and
 *      deputy (t0 + 5m); deputy acknowledges at t0 + 8m ("by"); B's ladder
 *      takes triage level 1 (t0 + 45m), A's triage level 2 (t0 + 1h); an
 *      untyped escalate by hand is neither a step nor a page; B answers
 *      at t0 + 70m.  Row: answered after 8m by deputy, 2 pages, ladder
 *      [1, 2].
 *   K1: A checks B's duty at t0 + 1d: a reply with a wrong token (kept,
 *      not counted), then the right one 40m after the check: answered,
 *      40m, by duty.
 *   K2: A checks B's duty again at t0 + 2d: only a reply without the
 *      token: auto_only.
 */
static void
test_model_rows(void **state)
{
	struct tc t[3];
	struct px_report_params p =
	    params(utc(2026, 5, 1, 0, 0), utc(2026, 6, 1, 0, 0), NULL);
	int64_t t0 = utc(2026, 5, 4, 15, 0), k1 = t0 + DAY_MS,
	        k2 = t0 + 2 * DAY_MS;
	const json_t *h, *c;
	json_t *r;

	(void)state;
	tc_open(&t[0], true, "hotline", "P1", t0, t0);
	tc_send(&t[0], false, PX_MSG_ESCALATE, t0, page(1, "duty"));
	tc_send(
	    &t[0], false, PX_MSG_ESCALATE, t0 + 5 * MIN_MS, page(2, "deputy"));
	tc_send(&t[0], false, PX_MSG_ACK, t0 + 8 * MIN_MS,
	    json_pack("{ss}", "by", "deputy"));
	tc_send(&t[0], false, PX_MSG_ESCALATE, t0 + 45 * MIN_MS,
	    ladder("triage", 1, "assignee", t0 + HOUR_MS));
	tc_send(&t[0], true, PX_MSG_ESCALATE, t0 + HOUR_MS,
	    ladder("triage", 2, "duty", t0 + HOUR_MS));
	tc_send(&t[0], true, PX_MSG_ESCALATE, t0 + HOUR_MS + MIN_MS,
	    text("calling you now"));
	tc_send(&t[0], false, PX_MSG_RESULT, t0 + 70 * MIN_MS, result(NULL));
	tc_check(&t[1], "duty", "K7QF-2M9X-HC4T", k1);
	tc_send(&t[1], false, PX_MSG_CHECK_REPLY, k1 + 10 * MIN_MS,
	    json_pack("{ss ss}", "token", "AAAABBBBCCCC", "by", "duty"));
	tc_send(&t[1], false, PX_MSG_CHECK_REPLY, k1 + 40 * MIN_MS,
	    json_pack("{ss ss}", "token", "k7qf 2m9x hc4t", "by", "duty"));
	tc_check(&t[2], "duty", "ZZZZ-2M9X-HC4T", k2);
	tc_send(&t[2], false, PX_MSG_CHECK_REPLY, k2 + 5 * MIN_MS,
	    text("I am out of the office"));
	r = report(t, 3, &p);

	h = json_object_get(json_array_get(at(r, "cases"), 0), "hotline");
	expect_int(h, "answer_ms", 8 * MIN_MS);
	expect_int(h, "pages", 2);
	expect_str(h, "answered_by", "deputy");
	c = json_array_get(at(r, "cases"), 0);
	expect_int(c, "escalations", 2);
	{
		json_t *want = json_pack("[ii]", 1, 2);

		assert_true(json_equal(json_object_get(c, "ladder"), want));
		json_decref(want);
	}
	expect_int(r, "hotline.outbound.raised", 1);
	expect_int(r, "hotline.outbound.pages", 2);
	expect_int(r, "hotline.outbound.median_answer_ms", 8 * MIN_MS);
	expect_int(r, "escalations.outbound.total", 2);
	expect_int(r, "escalations.outbound.cases", 1);
	expect_int(r, "escalations.outbound.by_level.1", 1);
	expect_int(r, "escalations.outbound.by_level.2", 1);
	/* Triage was answered by the result at 70m: breached (1h). */
	expect_str(c, "clocks.triage.state", "breached");

	c = json_object_get(json_array_get(at(r, "cases"), 1), "check");
	assert_true(json_is_true(json_object_get(c, "answered")));
	assert_false(json_is_true(json_object_get(c, "auto_only")));
	expect_int(c, "answer_ms", 40 * MIN_MS);
	expect_str(c, "answered_by", "duty");
	expect_str(c, "party", B);
	expect_str(c, "contact", "duty");
	c = json_object_get(json_array_get(at(r, "cases"), 2), "check");
	assert_false(json_is_true(json_object_get(c, "answered")));
	assert_true(json_is_true(json_object_get(c, "auto_only")));
	expect_null(c, "answer_ms");
	/* Checks count only as checks. */
	expect_int(r, "volumes.outbound.total", 1);
	expect_int(r, "checks.outbound.sent", 2);
	expect_int(r, "checks.outbound.answered", 1);
	expect_int(r, "checks.outbound.auto_only", 1);
	expect_int(r, "checks.outbound.unanswered", 0);
	expect_real(r, "checks.outbound.response_rate", 0.5);
	expect_int(r, "checks.outbound.median_ms", 40 * MIN_MS);
	c = json_array_get(at(r, "checks.contacts"), 0);
	expect_str(c, "party", B);
	expect_int(c, "sent", 2);
	expect_int(c, "answered", 1);
	{
		char want[PX_TIME_STRLEN];

		px_time_format(want, k1 + 40 * MIN_MS);
		expect_str(c, "last_verified", want);
		assert_false(json_is_true(json_object_get(c, "stale")));
	}
	json_decref(r);
	tcs_dispose(t, 3);
}

/* A row by hand, for aggregates over many hotline, escalation and check
 * rows at once. */
static json_t *
row(const char *dir, const char *kind, int64_t opened)
{
	char t[PX_TIME_STRLEN];
	json_t *clocks = json_object();

	px_time_format(t, opened);
	for (int k = 0; k < PX_CLK__N; k++)
		json_object_set_new(clocks, px_clock_names[k].wire,
		    json_pack("{ss sn sn sn sn}", "state", "running", "start",
		        "deadline", "stopped", "elapsed_ms"));
	return json_pack("{ss ss ss ss ss ss sn ss sn sn sn si s[] sn sn so "
	                 "s[]}",
	    "id", "019b0000-0000-7000-8000-000000000001", "ref", "00000001",
	    "direction", dir, "kind", kind, "category", "ddos", "opened", t,
	    "ended", "outcome", "open", "decision", "reason", "score",
	    "escalations", 0, "ladder", "hotline", "check", "clocks", clocks,
	    "entries");
}

static void
set_clock(json_t *r, const char *clock, const char *state, int64_t start,
    int64_t stop)
{
	char a[PX_TIME_STRLEN], b[PX_TIME_STRLEN];
	json_t *c = json_object_get(json_object_get(r, "clocks"), clock);

	px_time_format(a, start);
	px_time_format(b, stop);
	json_object_set_new(c, "state", json_string(state));
	json_object_set_new(c, "start", json_string(a));
	json_object_set_new(c, "stopped", json_string(b));
	json_object_set_new(c, "elapsed_ms", json_integer(stop - start));
}

/*
 * Hotline, escalations and checks from rows:
 *   outbound hotline h1: answered in 7m by "duty" after 2 pages, ladder
 *     steps at levels 1 and 2; h2: never answered, 3 pages, ladder 1,
 *     held once by a cap; h3: acknowledged in 3m naming nobody, 1 page.
 *     raised 3, acknowledged 2, answered 1 (only h1: a paged person),
 *     answer rate 1/3 = 0.333 (shares are cut to thousandths), median =
 *     p90 = 7m (answered ones only), pages 6, capped 1;
 *     escalations total 3 over 2 cases, by level {1: 2, 2: 1}.
 *   outbound checks of B's contacts: "duty" answered in 30m, again in
 *     90m; "night" auto-reply only; "night" no reply.  sent 4, answered
 *     2, auto_only 1, unanswered 1, response rate 0.5, median of 30m and
 *     90m = rank 1 = 30m.
 *   inbound check of A's "duty": answered in 2h.
 *   contacts given: B "deputy" verified 10 days before as_of (not stale
 *     though never checked in the period), B "night" never (stale).
 */
static void
test_hotline_escalations_checks(void **state)
{
	struct px_report_params p =
	    params(utc(2026, 1, 1, 0, 0), utc(2026, 7, 1, 0, 0), NULL);
	int64_t t0 = utc(2026, 2, 1, 8, 0);
	json_t *rows = json_array(), *contacts, *r, *agg = NULL;
	const json_t *c;
	char before[PX_TIME_STRLEN];

	(void)state;
	r = row("outbound", "hotline", t0);
	set_clock(r, "acknowledge", "met", t0, t0 + 7 * MIN_MS);
	json_object_set_new(r, "hotline",
	    json_pack("{sb sb sI si ss ss si}", "acknowledged", 1, "answered",
	        1, "answer_ms", (json_int_t)(7 * MIN_MS), "pages", 2,
	        "answered_by", "duty", "answer", "paged-person", "capped", 0));
	json_object_set_new(r, "ladder", json_pack("[ii]", 1, 2));
	json_object_set_new(r, "escalations", json_integer(2));
	json_array_append_new(rows, r);
	r = row("outbound", "hotline", t0 + DAY_MS);
	json_object_set_new(r, "hotline",
	    json_pack("{sb sb sn si sn sn si}", "acknowledged", 0, "answered",
	        0, "answer_ms", "pages", 3, "answered_by", "answer", "capped",
	        1));
	json_object_set_new(r, "ladder", json_pack("[i]", 1));
	json_object_set_new(r, "escalations", json_integer(1));
	json_array_append_new(rows, r);
	/* h3: acknowledged in 3m from a console naming nobody: acknowledged,
	 * not answered (no page counts), and no answer time in the figures. */
	r = row("outbound", "hotline", t0 + 2 * DAY_MS);
	set_clock(r, "acknowledge", "met", t0 + 2 * DAY_MS,
	    t0 + 2 * DAY_MS + 3 * MIN_MS);
	json_object_set_new(r, "hotline",
	    json_pack("{sb sb sI si sn ss si}", "acknowledged", 1, "answered",
	        0, "answer_ms", (json_int_t)(3 * MIN_MS), "pages", 1,
	        "answered_by", "answer", "not-named", "capped", 0));
	json_array_append_new(rows, r);
	{
		struct {
			const char *dir, *party, *contact;
			bool answered, auto_only;
			int64_t ms;
		} ck[] = {
			{ "outbound", B, "duty", true, false, 30 * MIN_MS },
			{ "outbound", B, "duty", true, false, 90 * MIN_MS },
			{ "outbound", B, "night", false, true, -1 },
			{ "outbound", B, "night", false, false, -1 },
			{ "inbound", A, "duty", true, false, 2 * HOUR_MS },
		};

		for (size_t i = 0; i < PX_ARRAY_LEN(ck); i++) {
			r = row(ck[i].dir, "check", t0 + (int64_t)i * DAY_MS);
			json_object_set_new(r, "check",
			    json_pack("{ss ss sb sb so sn}", "party",
			        ck[i].party, "contact", ck[i].contact,
			        "answered", ck[i].answered, "auto_only",
			        ck[i].auto_only, "answer_ms",
			        ck[i].ms < 0 ? json_null()
			                     : json_integer(ck[i].ms),
			        "answered_by"));
			json_array_append_new(rows, r);
		}
	}
	px_time_format(before, p.as_of_ms - 10 * DAY_MS);
	contacts = json_pack("[{ss ss ss} {ss ss sn}]", "party", B, "contact",
	    "deputy", "verified_before", before, "party", B, "contact", "night",
	    "verified_before");
	assert_int_equal(px_report_aggregates(&agg, &p, rows, contacts), 0);

	expect_int(agg, "hotline.outbound.raised", 3);
	expect_int(agg, "hotline.outbound.acknowledged", 2);
	expect_int(agg, "hotline.outbound.answered", 1);
	expect_real(agg, "hotline.outbound.answer_rate", 0.333);
	expect_int(agg, "hotline.outbound.median_answer_ms", 7 * MIN_MS);
	expect_int(agg, "hotline.outbound.p90_answer_ms", 7 * MIN_MS);
	expect_int(agg, "hotline.outbound.pages", 6);
	expect_int(agg, "hotline.outbound.capped", 1);
	expect_int(agg, "escalations.outbound.total", 3);
	expect_int(agg, "escalations.outbound.cases", 2);
	expect_int(agg, "escalations.outbound.by_level.1", 2);
	expect_int(agg, "escalations.outbound.by_level.2", 1);
	expect_int(agg, "escalations.inbound.total", 0);
	/* Hotline cases count as cases; checks do not. */
	expect_int(agg, "volumes.outbound.total", 3);
	expect_int(agg, "volumes.inbound.total", 0);
	expect_int(agg, "backlog.outbound.open", 3);

	expect_int(agg, "checks.outbound.sent", 4);
	expect_int(agg, "checks.outbound.answered", 2);
	expect_int(agg, "checks.outbound.auto_only", 1);
	expect_int(agg, "checks.outbound.unanswered", 1);
	expect_real(agg, "checks.outbound.response_rate", 0.5);
	expect_int(agg, "checks.outbound.median_ms", 30 * MIN_MS);
	expect_int(agg, "checks.inbound.sent", 1);
	expect_int(agg, "checks.inbound.median_ms", 2 * HOUR_MS);

	/* Contacts, sorted by party then contact: A duty, B deputy, B
	 * duty, B night. */
	c = at(agg, "checks.contacts");
	assert_int_equal(json_array_size(c), 4);
	expect_str(json_array_get(c, 0), "party", A);
	expect_str(json_array_get(c, 1), "contact", "deputy");
	expect_int(json_array_get(c, 1), "sent", 0);
	assert_false(json_is_true(at(json_array_get(c, 1), "stale")));
	expect_str(json_array_get(c, 1), "last_verified", before);
	expect_str(json_array_get(c, 2), "contact", "duty");
	expect_int(json_array_get(c, 2), "sent", 2);
	expect_int(json_array_get(c, 2), "answered", 2);
	expect_int(json_array_get(c, 2), "median_ms", 30 * MIN_MS);
	{
		/* Last verified by the second check: sent t0 + 1 day,
		 * answered 90 minutes later; 4.5 months before as_of, more
		 * than 90 days: stale. */
		char want[PX_TIME_STRLEN];

		px_time_format(want, t0 + DAY_MS + 90 * MIN_MS);
		expect_str(json_array_get(c, 2), "last_verified", want);
		assert_true(json_is_true(at(json_array_get(c, 2), "stale")));
	}
	expect_str(json_array_get(c, 3), "contact", "night");
	expect_null(json_array_get(c, 3), "last_verified");
	assert_true(json_is_true(at(json_array_get(c, 3), "stale")));
	json_decref(agg);

	/* A malformed row is named. */
	json_object_set_new(
	    json_array_get(rows, 1), "direction", json_string("sideways"));
	assert_int_equal(
	    px_report_aggregates(&agg, &p, rows, contacts), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "case row 2"));
	json_decref(rows);
	json_decref(contacts);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentiles),
		cmocka_unit_test(test_timeliness_and_outcomes),
		cmocka_unit_test(test_outcome_rules),
		cmocka_unit_test(test_months_across_zones),
		cmocka_unit_test(test_weekly_backlog),
		cmocka_unit_test(test_exercise_ignored),
		cmocka_unit_test(test_empty_period),
		cmocka_unit_test(test_hotline_escalations_checks),
		cmocka_unit_test(test_model_rows),
	};

	if (px_crypto_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
