/*
 * Business-hours deadlines.  The responder in most cases is a party in New
 * York (tests/fuzz/corpus/tzif/America_New_York, tzdata 2026f) working
 * Mon-Fri 09:00-17:00.  In November 2026 New York is on EST (UTC-5) after
 * the fall-back of Sunday 2026-11-01, so 09:00 local is 14:00Z and 17:00
 * local is 22:00Z.  Every expected instant was worked out by hand below
 * and cross-checked with a minute-by-minute brute force over Python's
 * zoneinfo.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "model/calendar.h"
#include "util/tz.h"
#include "util/util.h"

#define HOUR   3600000LL
#define MINUTE 60000LL

static struct px_tz *ny;

static int64_t
T(const char *rfc3339)
{
	int64_t t = 0;

	assert_int_equal(px_time_parse(&t, rfc3339, 0), 0);
	return t;
}

static int
setup(void **state)
{
	struct px_buf b;
	int rc;

	(void)state;
	px_buf_init(&b, 1 << 20);
	rc = px_file_read(&b,
	    PX_SOURCE_DIR "/tests/fuzz/corpus/tzif/America_New_York", 1 << 20);
	if (rc == 0)
		rc = px_tz_parse(
		    &ny, "America/New_York", (const uint8_t *)b.data, b.len);
	px_buf_dispose(&b);
	return rc;
}

static int
teardown(void **state)
{
	(void)state;
	px_tz_free(ny);
	return 0;
}

static int64_t
business(const struct px_calendar *c, const char *start, int64_t budget)
{
	return px_calendar_deadline(
	    c, PX_BASIS_BUSINESS, T(start), budget, NULL, 0);
}

static void
test_defaults(void **state)
{
	struct px_calendar c;

	(void)state;
	px_calendar_init(&c, ny);
	assert_ptr_equal(c.tz, ny);
	assert_int_equal(c.workdays, 0x3e); /* bits 1..5: Mon..Fri */
	assert_int_equal(c.day_start, 540);
	assert_int_equal(c.day_end, 1020);
	assert_int_equal(c.nholidays, 0);
	px_calendar_dispose(&c);
}

static void
test_friday_request_from_beijing(void **state)
{
	struct px_calendar c;
	int64_t start = T("2026-11-20T14:30:00Z");

	(void)state;
	px_calendar_init(&c, ny);
	/*
	 * Received Friday 2026-11-20 22:30 in Beijing (+08) = 14:30Z, which
	 * in New York is Friday 09:30 EST: inside working hours.  Friday
	 * still has 09:30-17:00 = 7.5 h, so 8 business hours end 0.5 h into
	 * Monday: 2026-11-23 09:30 EST = 14:30Z.  (Not Monday 17:00: that
	 * would need the request to arrive after Friday's close.  And not
	 * the 2.5 h Friday that 09:00-17:00 *UTC* would give: see below.)
	 */
	assert_int_equal(px_calendar_deadline(
	                     &c, PX_BASIS_BUSINESS, start, 8 * HOUR, NULL, 0),
	    T("2026-11-23T14:30:00Z"));
	assert_int_equal(T("2026-11-23T14:30:00Z"), 1795444200000LL);
	assert_int_equal(px_calendar_used(&c, PX_BASIS_BUSINESS, start,
	                     T("2026-11-20T22:00:00Z"), NULL, 0),
	    7 * HOUR + 30 * MINUTE);
	/* Over the weekend nothing accrues. */
	assert_int_equal(px_calendar_used(&c, PX_BASIS_BUSINESS, start,
	                     T("2026-11-23T14:00:00Z"), NULL, 0),
	    7 * HOUR + 30 * MINUTE);

	/* Sent after Friday's close (23:00Z = 18:00 EST): all 8 hours are
	 * Monday's, 09:00-17:00 EST = 22:00Z. */
	assert_int_equal(business(&c, "2026-11-20T23:00:00Z", 8 * HOUR),
	    T("2026-11-23T22:00:00Z"));
	/* A budget that ends exactly at a close is due at the close, not at
	 * the next opening. */
	assert_int_equal(
	    business(&c, "2026-11-20T14:30:00Z", 7 * HOUR + 30 * MINUTE),
	    T("2026-11-20T22:00:00Z"));

	/* The same calendar in UTC (tz NULL): Friday 14:30-17:00Z is only
	 * 2.5 h, then 5.5 h from Monday 09:00Z: 14:30Z. */
	c.tz = NULL;
	assert_int_equal(px_calendar_used(&c, PX_BASIS_BUSINESS, start,
	                     T("2026-11-20T17:00:00Z"), NULL, 0),
	    2 * HOUR + 30 * MINUTE);
	assert_int_equal(business(&c, "2026-11-20T14:30:00Z", 8 * HOUR),
	    T("2026-11-23T14:30:00Z"));
	px_calendar_dispose(&c);
}

static void
test_across_dst_change(void **state)
{
	struct px_calendar c;

	(void)state;
	px_calendar_init(&c, ny);
	/*
	 * Start Friday 2026-10-30 13:00 EDT (UTC-4) = 17:00Z, 16 business
	 * hours.  Friday gives 13:00-17:00 = 4 h (to 21:00Z).  The clocks
	 * fall back on Sunday 11-01.  Monday 11-02 gives 8 h, 09:00-17:00
	 * EST = 14:00Z-22:00Z.  Tuesday 11-03 needs 4 h: 13:00 EST = 18:00Z.
	 * Keeping the October offset would have said 17:00Z.
	 */
	assert_int_equal(business(&c, "2026-10-30T17:00:00Z", 16 * HOUR),
	    T("2026-11-03T18:00:00Z"));
	assert_int_equal(
	    px_calendar_used(&c, PX_BASIS_BUSINESS, T("2026-10-30T17:00:00Z"),
	        T("2026-11-02T14:00:00Z"), NULL, 0),
	    4 * HOUR);
	/* Monday 13:00Z is 08:00 EST: before opening, still 4 h. */
	assert_int_equal(
	    px_calendar_used(&c, PX_BASIS_BUSINESS, T("2026-10-30T17:00:00Z"),
	        T("2026-11-02T13:00:00Z"), NULL, 0),
	    4 * HOUR);
	/* Spring: Friday 2026-03-06 13:00 EST = 18:00Z; Monday 03-09 is
	 * EDT, 09:00 = 13:00Z; 12 h = 4 + 8 ends Monday 17:00 EDT = 21:00Z. */
	assert_int_equal(business(&c, "2026-03-06T18:00:00Z", 12 * HOUR),
	    T("2026-03-09T21:00:00Z"));
	px_calendar_dispose(&c);
}

static void
test_short_and_long_days(void **state)
{
	struct px_calendar c;

	(void)state;
	px_calendar_init(&c, ny);
	assert_int_equal(px_calendar_set_workdays(&c, "Sun-Sat"), 0);
	assert_int_equal(px_calendar_set_hours(&c, "00:00-24:00"), 0);
	/* A whole local day: 2026-11-01 00:00 EDT (04:00Z) to 11-02 00:00
	 * EST (05:00Z) is 25 h; 2026-03-08 00:00 EST (05:00Z) to 03-09
	 * 00:00 EDT (04:00Z) is 23 h. */
	assert_int_equal(
	    px_calendar_used(&c, PX_BASIS_BUSINESS, T("2026-10-31T12:00:00Z"),
	        T("2026-11-03T12:00:00Z"), NULL, 0),
	    72 * HOUR);
	assert_int_equal(px_calendar_deadline(&c, PX_BASIS_BUSINESS,
	                     T("2026-11-01T04:00:00Z"), 25 * HOUR, NULL, 0),
	    T("2026-11-02T05:00:00Z"));
	assert_int_equal(px_calendar_deadline(&c, PX_BASIS_BUSINESS,
	                     T("2026-03-08T05:00:00Z"), 23 * HOUR, NULL, 0),
	    T("2026-03-09T04:00:00Z"));

	/* Working 01:00-03:00 on Sundays only.  On 2026-03-08 02:00-02:59
	 * never happen: 01:00 EST = 06:00Z to 03:00 EDT = 07:00Z, 1 h.  On
	 * 2026-11-01 01:00 comes twice; the window runs from the first
	 * (05:00Z, EDT) to 03:00 EST (08:00Z), 3 h. */
	assert_int_equal(px_calendar_set_workdays(&c, "Sun"), 0);
	assert_int_equal(px_calendar_set_hours(&c, "01:00-03:00"), 0);
	assert_int_equal(
	    px_calendar_used(&c, PX_BASIS_BUSINESS, T("2026-03-08T00:00:00Z"),
	        T("2026-03-09T00:00:00Z"), NULL, 0),
	    1 * HOUR);
	assert_int_equal(
	    px_calendar_used(&c, PX_BASIS_BUSINESS, T("2026-11-01T00:00:00Z"),
	        T("2026-11-02T00:00:00Z"), NULL, 0),
	    3 * HOUR);
	assert_int_equal(px_calendar_deadline(&c, PX_BASIS_BUSINESS,
	                     T("2026-11-01T00:00:00Z"), 3 * HOUR, NULL, 0),
	    T("2026-11-01T08:00:00Z"));
	px_calendar_dispose(&c);
}

static void
test_holiday(void **state)
{
	struct px_calendar c;

	(void)state;
	px_calendar_init(&c, ny);
	/* Wednesday 2026-11-25 09:00 EST = 14:00Z, 16 h: Wednesday's 8,
	 * then Thursday's 8: Thursday 17:00 EST = 22:00Z ... */
	assert_int_equal(business(&c, "2026-11-25T14:00:00Z", 16 * HOUR),
	    T("2026-11-26T22:00:00Z"));
	/* ... unless Thursday is Thanksgiving: Friday 17:00 = 22:00Z. */
	assert_int_equal(px_calendar_set_holidays(&c, "2026-11-26"), 0);
	assert_int_equal(business(&c, "2026-11-25T14:00:00Z", 16 * HOUR),
	    T("2026-11-27T22:00:00Z"));
	assert_int_equal(
	    px_calendar_used(&c, PX_BASIS_BUSINESS, T("2026-11-25T14:00:00Z"),
	        T("2026-11-27T14:00:00Z"), NULL, 0),
	    8 * HOUR);
	px_calendar_dispose(&c);
}

static void
test_pauses(void **state)
{
	struct px_calendar c;
	int64_t start = T("2026-11-23T14:00:00Z"); /* Monday 09:00 EST */
	struct px_interval p;
	struct px_interval many[3];

	(void)state;
	px_calendar_init(&c, ny);
	/* Unpaused: Monday 17:00 EST. */
	assert_int_equal(px_calendar_deadline(
	                     &c, PX_BASIS_BUSINESS, start, 8 * HOUR, NULL, 0),
	    T("2026-11-23T22:00:00Z"));
	/* Needs-info from Monday 12:00 EST (17:00Z) to Tuesday 10:00 EST
	 * (15:00Z): Monday counts 3 h, Tuesday 10:00 + 5 h = 15:00 EST =
	 * 20:00Z. */
	p.from = T("2026-11-23T17:00:00Z");
	p.to = T("2026-11-24T15:00:00Z");
	assert_int_equal(
	    px_calendar_deadline(&c, PX_BASIS_BUSINESS, start, 8 * HOUR, &p, 1),
	    T("2026-11-24T20:00:00Z"));
	assert_int_equal(px_calendar_used(&c, PX_BASIS_BUSINESS, start,
	                     T("2026-11-24T15:00:00Z"), &p, 1),
	    3 * HOUR);
	/* A pause that began before the clock did: from Sunday to Monday
	 * 10:00 EST (15:00Z): Monday 10-17 is 7 h, Tuesday 09-10 the last
	 * hour: 10:00 EST = 15:00Z. */
	p.from = T("2026-11-22T00:00:00Z");
	p.to = T("2026-11-23T15:00:00Z");
	assert_int_equal(
	    px_calendar_deadline(&c, PX_BASIS_BUSINESS, start, 8 * HOUR, &p, 1),
	    T("2026-11-24T15:00:00Z"));
	/* Still open at Monday 12:00 EST: no deadline yet. */
	p.from = T("2026-11-23T17:00:00Z");
	p.to = INT64_MAX;
	assert_true(px_calendar_deadline(&c, PX_BASIS_BUSINESS, start, 8 * HOUR,
	                &p, 1) == INT64_MAX);
	assert_int_equal(px_calendar_used(&c, PX_BASIS_BUSINESS, start,
	                     T("2026-12-01T00:00:00Z"), &p, 1),
	    3 * HOUR);
	/* An open pause from the moment the budget runs out, or later,
	 * does not matter. */
	p.from = T("2026-11-23T22:00:00Z");
	assert_int_equal(
	    px_calendar_deadline(&c, PX_BASIS_BUSINESS, start, 8 * HOUR, &p, 1),
	    T("2026-11-23T22:00:00Z"));
	p.from = T("2026-11-24T17:00:00Z");
	assert_int_equal(
	    px_calendar_deadline(&c, PX_BASIS_BUSINESS, start, 8 * HOUR, &p, 1),
	    T("2026-11-23T22:00:00Z"));
	/* Unsorted and overlapping pauses mean their union, here Monday
	 * 17:00Z to Tuesday 15:00Z as in the first case. */
	many[0].from = T("2026-11-24T14:00:00Z");
	many[0].to = T("2026-11-24T15:00:00Z");
	many[1].from = T("2026-11-23T17:00:00Z");
	many[1].to = T("2026-11-23T20:00:00Z");
	many[2].from = T("2026-11-23T19:00:00Z");
	many[2].to = T("2026-11-24T14:30:00Z");
	assert_int_equal(px_calendar_deadline(
	                     &c, PX_BASIS_BUSINESS, start, 8 * HOUR, many, 3),
	    T("2026-11-24T20:00:00Z"));

	/* Calendar basis: every millisecond counts except paused ones.
	 * 72 h from the epoch with 10 h paused at 10 h: 82 h. */
	p.from = 10 * HOUR;
	p.to = 20 * HOUR;
	assert_int_equal(
	    px_calendar_deadline(&c, PX_BASIS_CALENDAR, 0, 72 * HOUR, &p, 1),
	    82 * HOUR);
	assert_int_equal(
	    px_calendar_used(&c, PX_BASIS_CALENDAR, 0, 82 * HOUR, &p, 1),
	    72 * HOUR);
	p.from = -5 * HOUR; /* before the start: only 5 h of it count */
	p.to = 5 * HOUR;
	assert_int_equal(
	    px_calendar_deadline(&c, PX_BASIS_CALENDAR, 0, 72 * HOUR, &p, 1),
	    77 * HOUR);
	p.from = 50 * HOUR;
	p.to = INT64_MAX;
	assert_true(px_calendar_deadline(&c, PX_BASIS_CALENDAR, 0, 72 * HOUR,
	                &p, 1) == INT64_MAX);
	assert_int_equal(
	    px_calendar_deadline(&c, PX_BASIS_CALENDAR, 0, 50 * HOUR, &p, 1),
	    50 * HOUR);
	/* No budget: due at once.  Past the int64 range: never. */
	assert_int_equal(
	    px_calendar_deadline(&c, PX_BASIS_CALENDAR, 7, 0, NULL, 0), 7);
	assert_true(px_calendar_deadline(&c, PX_BASIS_CALENDAR,
	                INT64_MAX - HOUR, 2 * HOUR, NULL, 0) == INT64_MAX);
	assert_int_equal(
	    px_calendar_used(&c, PX_BASIS_CALENDAR, 5, 3, NULL, 0), 0);
	px_calendar_dispose(&c);
}

static void
test_used_inverts_deadline(void **state)
{
	static const int64_t budgets[] = { 1, MINUTE, 30 * MINUTE, 8 * HOUR,
		13 * HOUR + 7 * MINUTE, 40 * HOUR, 15 * 8 * HOUR };
	struct px_interval p[2] = {
		{ 0, 0 }, /* filled in per start */
		{ 0, 0 },
	};
	struct px_calendar c;
	int64_t base = T("2026-10-20T00:00:00Z");
	unsigned checked = 0;

	(void)state;
	px_calendar_init(&c, ny);
	assert_int_equal(
	    px_calendar_set_holidays(&c, "2026-11-03,2026-11-11"), 0);
	/* Starts every 7 h 13 min across the fall-back, with and without
	 * pauses, both bases. */
	for (int64_t s = base; s < base + 21 * 24 * HOUR;
	     s += 7 * HOUR + 13 * MINUTE) {
		p[0].from = s - HOUR;
		p[0].to = s + 20 * HOUR;
		p[1].from = s + 50 * HOUR;
		p[1].to = s + 51 * HOUR + 30 * MINUTE;
		for (size_t i = 0; i < PX_ARRAY_LEN(budgets); i++) {
			for (int basis = 0; basis < 2; basis++) {
				for (size_t np = 0; np <= 2; np += 2) {
					int64_t d = px_calendar_deadline(&c,
					    (enum px_basis)basis, s, budgets[i],
					    p, np);

					assert_true(d > s);
					assert_int_equal(
					    px_calendar_used(&c,
					        (enum px_basis)basis, s, d, p,
					        np),
					    budgets[i]);
					/* ... and d is the earliest such. */
					assert_int_equal(
					    px_calendar_used(&c,
					        (enum px_basis)basis, s, d - 1,
					        p, np),
					    budgets[i] - 1);
					checked++;
				}
			}
		}
	}
	assert_true(checked > 1000);
	px_calendar_dispose(&c);
}

static void
test_sixty_business_days(void **state)
{
	struct px_calendar c;

	(void)state;
	px_calendar_init(&c, ny);
	/* 60 days x 8 h from Monday 2026-11-23 09:00 EST: twelve whole
	 * weeks, ending Friday 2027-02-12 17:00 EST = 22:00Z.  Walked day by
	 * day, this is about 80 steps. */
	assert_int_equal(business(&c, "2026-11-23T14:00:00Z", 60 * 8 * HOUR),
	    T("2027-02-12T22:00:00Z"));
	/* Three weekday holidays push it three working days: Wednesday
	 * 2027-02-17. */
	assert_int_equal(
	    px_calendar_set_holidays(&c, "2027-01-01,2026-11-26,2026-12-25"),
	    0);
	assert_int_equal(business(&c, "2026-11-23T14:00:00Z", 60 * 8 * HOUR),
	    T("2027-02-17T22:00:00Z"));
	/* Ten years of business hours finish too (about 3,650 steps):
	 * 2,610 working days of 8 h from Monday 2026-11-23 are 522 whole
	 * weeks, ending Friday 2036-11-21 (start + 521 weeks + 4 days), and
	 * the three holidays push that to Wednesday 2036-11-26, 17:00 EST
	 * (DST ended 2036-11-02) = 22:00Z. */
	assert_int_equal(business(&c, "2026-11-23T14:00:00Z", 2610 * 8 * HOUR),
	    T("2036-11-26T22:00:00Z"));
	px_calendar_dispose(&c);
}

static void
test_no_working_time(void **state)
{
	struct px_calendar c;

	(void)state;
	px_calendar_init(&c, ny);
	c.workdays = 0; /* set_workdays refuses this; the struct is open */
	assert_true(business(&c, "2026-11-23T14:00:00Z", HOUR) == INT64_MAX);
	assert_int_equal(
	    px_calendar_used(&c, PX_BASIS_BUSINESS, T("2026-11-23T14:00:00Z"),
	        T("2027-11-23T14:00:00Z"), NULL, 0),
	    0);
	c.workdays = 0x3e;
	c.day_start = 600;
	c.day_end = 600;
	assert_true(business(&c, "2026-11-23T14:00:00Z", HOUR) == INT64_MAX);
	/* Wednesdays only, and the first three are holidays: the hour is
	 * Wednesday 2026-12-16 09:00-10:00 EST, due 15:00Z. */
	c.day_start = 540;
	assert_int_equal(px_calendar_set_workdays(&c, "Wed"), 0);
	assert_int_equal(
	    px_calendar_set_holidays(&c, "2026-11-25,2026-12-02,2026-12-09"),
	    0);
	assert_int_equal(business(&c, "2026-11-23T14:00:00Z", HOUR),
	    T("2026-12-16T15:00:00Z"));
	/* Every Wednesday a holiday for 150,000 weeks (1,050,000 days): the
	 * walk gives up after 1,000,000 local dates and says "never". */
	free(c.holidays);
	c.nholidays = 150000;
	c.holidays = px_calloc(c.nholidays, sizeof(*c.holidays));
	for (size_t i = 0; i < c.nholidays; i++)
		c.holidays[i] =
		    px_days_from_civil(2026, 11, 25) + 7 * (int64_t)i;
	assert_true(business(&c, "2026-11-23T14:00:00Z", HOUR) == INT64_MAX);
	px_calendar_dispose(&c);
}

static void
test_parsers(void **state)
{
	struct px_calendar c;
	static const char *const bad_hours[] = { "", "9:00-17:00",
		"09:00-09:00", "17:00-09:00", "09:00-24:01", "24:00-24:00",
		"25:00-26:00", "09:00-17:00 ", "09:60-17:00", "09:00_17:00",
		"09:00-17", "0900-1700", "09:00-1a:00" };
	static const char *const bad_days[] = { "", "Mon-", "-Fri", "Monday",
		"Mon,,Tue", "Mon,", ",Mon", "Xyz", "Mon Fri", "Mo", "Mon-Fr",
		"Mon;Tue" };
	static const char *const bad_holidays[] = { "2026-13-01", "2026-02-29",
		"2026-12-25,", ",2026-12-25", "2026-12-5", "2026/12/25",
		"2026-12-25 ,", "2026-12-25,,2027-01-01", "2026-12-251", "x",
		"2026-00-10", "2026-04-31" };

	(void)state;
	px_calendar_init(&c, ny);
	assert_int_equal(px_calendar_set_hours(&c, "08:30-12:15"), 0);
	assert_int_equal(c.day_start, 510);
	assert_int_equal(c.day_end, 735);
	assert_int_equal(px_calendar_set_hours(&c, "00:00-24:00"), 0);
	assert_int_equal(c.day_end, 1440);
	assert_int_equal(px_calendar_set_hours(&c, "09:00-17:00"), 0);
	for (size_t i = 0; i < PX_ARRAY_LEN(bad_hours); i++) {
		if (px_calendar_set_hours(&c, bad_hours[i]) != PX_EINVAL)
			fail_msg("hours '%s' accepted", bad_hours[i]);
		assert_int_equal(c.day_start, 540); /* unchanged */
		assert_int_equal(c.day_end, 1020);
	}
	assert_int_equal(px_calendar_set_hours(&c, NULL), PX_EINVAL);
	assert_string_equal(px_error_last(),
	    "'' is not a range of working hours (expected HH:MM-HH:MM with "
	    "the start before the end, like 09:00-17:00)");

	assert_int_equal(px_calendar_set_workdays(&c, "Sun-Thu"), 0);
	assert_int_equal(c.workdays, 0x1f);
	assert_int_equal(px_calendar_set_workdays(&c, "Mon,Tue,Thu"), 0);
	assert_int_equal(c.workdays, 0x16);
	assert_int_equal(px_calendar_set_workdays(&c, "Sat-Wed"), 0);
	assert_int_equal(c.workdays, 0x4f); /* wraps: Sat, Sun..Wed */
	assert_int_equal(px_calendar_set_workdays(&c, "Mon-Wed,fri"), 0);
	assert_int_equal(c.workdays, 0x2e);
	assert_int_equal(px_calendar_set_workdays(&c, "mon-FRI"), 0);
	assert_int_equal(c.workdays, 0x3e);
	for (size_t i = 0; i < PX_ARRAY_LEN(bad_days); i++) {
		if (px_calendar_set_workdays(&c, bad_days[i]) != PX_EINVAL)
			fail_msg("workdays '%s' accepted", bad_days[i]);
		assert_int_equal(c.workdays, 0x3e);
	}
	assert_int_equal(px_calendar_set_workdays(&c, NULL), PX_EINVAL);

	/* Sorted and de-duplicated, whatever the order given. */
	assert_int_equal(px_calendar_set_holidays(
	                     &c, "2027-01-01,2026-12-25,2027-01-01,2028-02-29"),
	    0);
	assert_int_equal(c.nholidays, 3);
	assert_int_equal(c.holidays[0], px_days_from_civil(2026, 12, 25));
	assert_int_equal(c.holidays[1], px_days_from_civil(2027, 1, 1));
	assert_int_equal(c.holidays[2], px_days_from_civil(2028, 2, 29));
	for (size_t i = 0; i < PX_ARRAY_LEN(bad_holidays); i++) {
		if (px_calendar_set_holidays(&c, bad_holidays[i]) != PX_EINVAL)
			fail_msg("holidays '%s' accepted", bad_holidays[i]);
		assert_int_equal(c.nholidays, 3);
	}
	/* Spaces around the commas, as people write them in parley.conf. */
	assert_int_equal(
	    px_calendar_set_holidays(&c, " 2026-11-26, 2026-12-25 "), 0);
	assert_int_equal(c.nholidays, 2);
	assert_int_equal(c.holidays[0], px_days_from_civil(2026, 11, 26));
	assert_int_equal(px_calendar_set_holidays(
	                     &c, "2027-01-01,2026-12-25,2027-01-01,2028-02-29"),
	    0);
	assert_int_equal(px_calendar_set_holidays(&c, NULL), PX_EINVAL);
	assert_int_equal(px_calendar_set_holidays(&c, ""), 0);
	assert_int_equal(c.nholidays, 0);
	px_calendar_dispose(&c);
	px_calendar_dispose(&c); /* twice is fine */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_friday_request_from_beijing),
		cmocka_unit_test(test_across_dst_change),
		cmocka_unit_test(test_short_and_long_days),
		cmocka_unit_test(test_holiday),
		cmocka_unit_test(test_pauses),
		cmocka_unit_test(test_used_inverts_deadline),
		cmocka_unit_test(test_sixty_business_days),
		cmocka_unit_test(test_no_working_time),
		cmocka_unit_test(test_parsers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
