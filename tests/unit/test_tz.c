/*
 * TZif reading and local time.  Real zones come from the checked-in fuzz
 * seeds (tests/fuzz/corpus/tzif/, copies of tzdata 2026f), so the
 * expected values below do not move when the system's tzdata does.  The
 * expected instants were worked out by hand from the rules and checked
 * against zdump(8) and glibc's TZ parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/tz.h"
#include "util/util.h"

#define CORPUS PX_SOURCE_DIR "/tests/fuzz/corpus/tzif"

static int64_t
T(const char *rfc3339)
{
	int64_t t = 0;

	assert_int_equal(px_time_parse(&t, rfc3339, 0), 0);
	return t;
}

static void
slurp(struct px_buf *b, const char *name)
{
	char *path = px_asprintf("%s/%s", CORPUS, name);

	px_buf_init(b, 1 << 20);
	assert_int_equal(px_file_read(b, path, 1 << 20), 0);
	free(path);
}

static struct px_tz *
corpus_zone(const char *file, const char *name)
{
	struct px_buf b;
	struct px_tz *tz = NULL;

	slurp(&b, file);
	assert_int_equal(
	    px_tz_parse(&tz, name, (const uint8_t *)b.data, b.len), 0);
	px_buf_dispose(&b);
	return tz;
}

/* Checks offset and abbreviation at an instant. */
static void
expect_at(
    const struct px_tz *tz, const char *when, int32_t offset, const char *abbr)
{
	struct px_localtime lt;

	px_tz_local(&lt, tz, T(when));
	if (lt.offset != offset || strcmp(lt.abbr, abbr) != 0)
		fail_msg("%s at %s: got %d %s, want %d %s", px_tz_name(tz),
		    when, lt.offset, lt.abbr, offset, abbr);
}

static void
expect_format(const struct px_tz *tz, const char *when, const char *want)
{
	char s[PX_TZ_FORMAT_MAX];

	px_tz_format(s, sizeof(s), tz, T(when));
	assert_string_equal(s, want);
}

/* ---- a small TZif writer for synthetic zones ------------------------ */

struct tzw {
	uint8_t b[4096];
	size_t n;
	size_t hdr2, times, idx, types, chars, footer; /* offsets */
};

static void
w8(struct tzw *w, unsigned v)
{
	assert_true(w->n < sizeof(w->b));
	w->b[w->n++] = (uint8_t)v;
}

static void
w32(struct tzw *w, uint32_t v)
{
	for (int i = 3; i >= 0; i--)
		w8(w, (v >> (8 * i)) & 0xff);
}

static void
wmem(struct tzw *w, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		w8(w, ((const uint8_t *)p)[i]);
}

static void
whdr(struct tzw *w, int version, uint32_t time, uint32_t type, uint32_t chars)
{
	wmem(w, "TZif", 4);
	w8(w, (unsigned)version);
	for (int i = 0; i < 15; i++)
		w8(w, 0);
	w32(w, 0); /* isut */
	w32(w, 0); /* isstd */
	w32(w, 0); /* leap */
	w32(w, time);
	w32(w, type);
	w32(w, chars);
}

/*
 * Version `version` ('2' or '3'): a minimal 32-bit block (one type, one
 * NUL, as zic -b slim writes), then transitions at 0 s (to type 1, "BBB",
 * +02:00 DST) and 1,000,000 s (back to type 0, "AAA", +01:00), then the
 * footer `footer` between newlines.
 */
static void
build(struct tzw *w, int version, const char *footer)
{
	memset(w, 0, sizeof(*w));
	whdr(w, version, 0, 1, 1);
	w32(w, 0);
	w8(w, 0);
	w8(w, 0);
	w8(w, 0);
	w->hdr2 = w->n;
	whdr(w, version, 2, 2, 8);
	w->times = w->n;
	w32(w, 0), w32(w, 0);
	w32(w, 0), w32(w, 1000000);
	w->idx = w->n;
	w8(w, 1), w8(w, 0);
	w->types = w->n;
	w32(w, 3600), w8(w, 0), w8(w, 0);
	w32(w, 7200), w8(w, 1), w8(w, 4);
	w->chars = w->n;
	wmem(w, "AAA\0BBB\0", 8);
	w->footer = w->n;
	w8(w, '\n');
	wmem(w, footer, strlen(footer));
	w8(w, '\n');
}

/* A zone with no transitions: the footer rules all time (a slim file). */
static void
build_rule(struct tzw *w, int version, const char *footer)
{
	memset(w, 0, sizeof(*w));
	whdr(w, version, 0, 1, 1);
	w32(w, 0);
	w8(w, 0);
	w8(w, 0);
	w8(w, 0);
	whdr(w, version, 0, 1, 4);
	w32(w, 0), w8(w, 0), w8(w, 0);
	wmem(w, "XXX\0", 4);
	w8(w, '\n');
	wmem(w, footer, strlen(footer));
	w8(w, '\n');
}

static int
parse_w(const struct tzw *w, struct px_tz **out)
{
	return px_tz_parse(out, "test", w->b, w->n);
}

static struct px_tz *
rule_zone(int version, const char *footer)
{
	struct tzw w;
	struct px_tz *tz = NULL;

	build_rule(&w, version, footer);
	if (parse_w(&w, &tz) != 0)
		fail_msg("footer '%s': %s", footer, px_error_last());
	return tz;
}

/* ---- real zones -------------------------------------------------------- */

static void
test_shanghai(void **state)
{
	struct px_tz *tz = corpus_zone("Asia_Shanghai", "Asia/Shanghai");

	(void)state;
	assert_string_equal(px_tz_name(tz), "Asia/Shanghai");
	/* 09:30Z + 8 h; no DST since 1991, footer "CST-8". */
	expect_format(
	    tz, "2026-11-20T09:30:00Z", "2026-11-20 17:30 CST (+08:00)");
	/* The request of test_calendar: Friday 22:30 in Beijing. */
	expect_format(
	    tz, "2026-11-20T14:30:00Z", "2026-11-20 22:30 CST (+08:00)");
	/* China had DST 1986-1991: 1988-04-17 02:00 CST to 09-11. */
	expect_at(tz, "1988-07-01T00:00:00Z", 9 * 3600, "CDT");
	expect_at(tz, "1988-04-16T17:59:59Z", 8 * 3600, "CST");
	expect_at(tz, "1988-04-16T18:00:00Z", 9 * 3600, "CDT");
	/* Local mean time +8:05:43 until 1901 (zdump: gmtoff=29143). */
	expect_format(
	    tz, "1900-01-01T00:00:00Z", "1900-01-01 08:05 LMT (+08:05:43)");
	/* Far future: footer, still +8. */
	expect_at(tz, "2100-07-01T00:00:00Z", 8 * 3600, "CST");
	px_tz_free(tz);
}

static void
test_new_york(void **state)
{
	struct px_tz *fat = corpus_zone("America_New_York", "America/New_York");
	struct px_tz *slim =
	    corpus_zone("America_New_York_slim", "America/New_York");
	struct px_tz *zones[] = { fat, slim };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct px_tz *tz = zones[i];

		/* 2026-03-08 02:00 EST = 07:00Z the clocks jump to 03:00 EDT;
		 * 2026-11-01 02:00 EDT = 06:00Z they fall back to 01:00 EST. */
		expect_at(tz, "2026-03-08T06:59:59Z", -5 * 3600, "EST");
		expect_at(tz, "2026-03-08T07:00:00Z", -4 * 3600, "EDT");
		expect_at(tz, "2026-11-01T05:59:59Z", -4 * 3600, "EDT");
		expect_at(tz, "2026-11-01T06:00:00Z", -5 * 3600, "EST");
		expect_format(tz, "2026-11-20T14:30:00Z",
		    "2026-11-20 09:30 EST (-05:00)");
		/* 2100 is past the fat file's last transition (2037): the
		 * footer EST5EDT,M3.2.0,M11.1.0 gives the second Sunday of
		 * March (the 14th) and the first of November (the 7th). */
		expect_at(tz, "2100-03-14T06:59:59Z", -5 * 3600, "EST");
		expect_at(tz, "2100-03-14T07:00:00Z", -4 * 3600, "EDT");
		expect_format(tz, "2100-07-01T12:00:00Z",
		    "2100-07-01 08:00 EDT (-04:00)");
		expect_at(tz, "2100-11-07T05:59:59Z", -4 * 3600, "EDT");
		expect_at(tz, "2100-11-07T06:00:00Z", -5 * 3600, "EST");
		/* 2038-01-19, where 32-bit data would have ended. */
		expect_at(tz, "2038-07-01T00:00:00Z", -4 * 3600, "EDT");
		/* Before the first transition (1883-11-18 17:00 LMT): type 0,
		 * LMT -4:56:02. */
		expect_format(tz, "1800-01-01T12:00:00Z",
		    "1800-01-01 07:03 LMT (-04:56:02)");
	}
	px_tz_free(fat);
	px_tz_free(slim);
}

static void
test_from_local_gap_overlap(void **state)
{
	struct px_tz *tz = corpus_zone("America_New_York", "America/New_York");

	(void)state;
	/* Ordinary: 2026-11-23 09:00 EST = 14:00Z. */
	assert_int_equal(px_tz_from_local(tz, 2026, 11, 23, 9, 0),
	    T("2026-11-23T14:00:00Z"));
	assert_int_equal(
	    px_tz_from_local(tz, 2026, 11, 23, 9, 0), 1795442400000LL);
	/* Spring forward: 01:59 EST exists (06:59Z); 02:00-02:59 do not,
	 * they all give the jump itself, 07:00Z, which reads 03:00 EDT; and
	 * 03:00 is that same instant. */
	assert_int_equal(
	    px_tz_from_local(tz, 2026, 3, 8, 1, 59), T("2026-03-08T06:59:00Z"));
	assert_int_equal(
	    px_tz_from_local(tz, 2026, 3, 8, 2, 0), T("2026-03-08T07:00:00Z"));
	assert_int_equal(
	    px_tz_from_local(tz, 2026, 3, 8, 2, 30), T("2026-03-08T07:00:00Z"));
	assert_int_equal(
	    px_tz_from_local(tz, 2026, 3, 8, 3, 0), T("2026-03-08T07:00:00Z"));
	assert_int_equal(
	    px_tz_from_local(tz, 2026, 3, 8, 3, 1), T("2026-03-08T07:01:00Z"));
	/* Fall back: 01:00-01:59 happen twice; the earlier (EDT) wins:
	 * 01:30 EDT = 05:30Z, not 01:30 EST = 06:30Z.  02:00 is EST. */
	assert_int_equal(px_tz_from_local(tz, 2026, 11, 1, 0, 59),
	    T("2026-11-01T04:59:00Z"));
	assert_int_equal(
	    px_tz_from_local(tz, 2026, 11, 1, 1, 0), T("2026-11-01T05:00:00Z"));
	assert_int_equal(px_tz_from_local(tz, 2026, 11, 1, 1, 30),
	    T("2026-11-01T05:30:00Z"));
	assert_int_equal(
	    px_tz_from_local(tz, 2026, 11, 1, 2, 0), T("2026-11-01T07:00:00Z"));
	/* Fields carry: hour 24 is the next midnight, month 13 is January,
	 * day 0 the last of the month before (2028 is a leap year). */
	assert_int_equal(px_tz_from_local(tz, 2026, 11, 30, 24, 0),
	    T("2026-12-01T05:00:00Z"));
	assert_int_equal(
	    px_tz_from_local(tz, 2026, 13, 1, 0, 0), T("2027-01-01T05:00:00Z"));
	assert_int_equal(
	    px_tz_from_local(tz, 2028, 3, 0, 12, 0), T("2028-02-29T17:00:00Z"));
	assert_int_equal(px_tz_from_local(tz, 2026, 11, 23, 8, 60),
	    T("2026-11-23T14:00:00Z"));
	/* Far future, footer rule: 2100-07-01 08:00 EDT = 12:00Z. */
	assert_int_equal(
	    px_tz_from_local(tz, 2100, 7, 1, 8, 0), T("2100-07-01T12:00:00Z"));
	/* Out of range years saturate instead of overflowing. */
	assert_true(px_tz_from_local(tz, 400000000, 1, 1, 0, 0) == INT64_MAX);
	assert_true(px_tz_from_local(tz, -400000000, 1, 1, 0, 0) == INT64_MIN);
	px_tz_free(tz);
}

static void
test_brussels(void **state)
{
	struct px_tz *tz = corpus_zone("Europe_Brussels", "Europe/Brussels");

	(void)state;
	/* EU rule: last Sundays of March and October at 01:00Z. */
	expect_at(tz, "2026-03-29T00:59:59Z", 3600, "CET");
	expect_at(tz, "2026-03-29T01:00:00Z", 7200, "CEST");
	expect_at(tz, "2026-10-25T00:59:59Z", 7200, "CEST");
	expect_at(tz, "2026-10-25T01:00:00Z", 3600, "CET");
	expect_format(
	    tz, "2026-11-20T09:30:00Z", "2026-11-20 10:30 CET (+01:00)");
	/* Footer CET-1CEST,M3.5.0,M10.5.0/3 in 2100: March 28, Oct 31. */
	expect_at(tz, "2100-03-28T00:59:59Z", 3600, "CET");
	expect_at(tz, "2100-03-28T01:00:00Z", 7200, "CEST");
	expect_at(tz, "2100-10-31T01:00:00Z", 3600, "CET");
	/* 02:30 on 2026-03-29 does not exist: the jump, 01:00Z. */
	assert_int_equal(px_tz_from_local(tz, 2026, 3, 29, 2, 30),
	    T("2026-03-29T01:00:00Z"));
	/* 02:30 on 2026-10-25 happens twice: CEST first, 00:30Z. */
	assert_int_equal(px_tz_from_local(tz, 2026, 10, 25, 2, 30),
	    T("2026-10-25T00:30:00Z"));
	px_tz_free(tz);
}

static void
test_utc(void **state)
{
	struct px_tz *tz = corpus_zone("UTC", "UTC");
	struct px_localtime lt;

	(void)state;
	expect_format(
	    tz, "2026-11-20T09:30:00Z", "2026-11-20 09:30 UTC (+00:00)");
	px_tz_local(&lt, tz, T("2026-11-20T09:30:05.250Z"));
	assert_int_equal(lt.year, 2026);
	assert_int_equal(lt.month, 11);
	assert_int_equal(lt.day, 20);
	assert_int_equal(lt.hour, 9);
	assert_int_equal(lt.minute, 30);
	assert_int_equal(lt.second, 5);
	assert_int_equal(lt.ms, 250);
	assert_int_equal(lt.wday, 5); /* Friday */
	assert_int_equal(lt.offset, 0);
	/* Before the epoch: 1969-12-31 23:59:59.999, a Wednesday. */
	px_tz_local(&lt, tz, -1);
	assert_int_equal(lt.year, 1969);
	assert_int_equal(lt.day, 31);
	assert_int_equal(lt.hour, 23);
	assert_int_equal(lt.second, 59);
	assert_int_equal(lt.ms, 999);
	assert_int_equal(lt.wday, 3);
	assert_int_equal(px_tz_from_local(tz, 1970, 1, 1, 0, 0), 0);
	px_tz_free(tz);

	/* The built-in zone and NULL both mean UTC. */
	expect_format(px_tz_utc(), "2026-11-20T09:30:00Z",
	    "2026-11-20 09:30 UTC (+00:00)");
	expect_format(
	    NULL, "2026-11-20T09:30:00Z", "2026-11-20 09:30 UTC (+00:00)");
	px_tz_free((struct px_tz *)px_tz_utc()); /* harmless */
	/* The ends of the int64 range neither crash nor overflow:
	 * INT64_MIN ms is 292,275,055 BC in the proleptic calendar. */
	px_tz_local(&lt, NULL, INT64_MIN);
	assert_int_equal(lt.year, -292275055);
	px_tz_local(&lt, NULL, INT64_MAX);
	assert_int_equal(lt.year, 292278994);
}

static void
test_load(void **state)
{
	struct px_tz *tz = NULL;
	char *old = px_strdup(getenv("TZDIR"));

	(void)state;
	/* Names that could escape the zone directory are refused. */
	assert_int_equal(px_tz_load(&tz, "../../etc/passwd"), PX_EINVAL);
	assert_int_equal(px_tz_load(&tz, "/etc/passwd"), PX_EINVAL);
	assert_int_equal(px_tz_load(&tz, "Asia/Shang hai"), PX_EINVAL);
	assert_int_equal(px_tz_load(&tz, "Asia/Shanghai\n"), PX_EINVAL);
	assert_int_equal(px_tz_load(&tz, "tzdata.zi"), PX_EINVAL);
	assert_int_equal(px_tz_load(&tz, ""), PX_EINVAL);
	assert_int_equal(px_tz_load(&tz, NULL), PX_EINVAL);
	assert_null(tz);

	/* TZDIR picks the directory: the corpus holds flat names. */
	assert_int_equal(setenv("TZDIR", CORPUS, 1), 0);
	assert_int_equal(px_tz_load(&tz, "America_New_York"), 0);
	assert_string_equal(px_tz_name(tz), "America_New_York");
	expect_at(tz, "2026-07-01T00:00:00Z", -4 * 3600, "EDT");
	px_tz_free(tz);
	tz = NULL;
	assert_int_equal(px_tz_load(&tz, "truncated_New_York"), PX_EINVAL);
	assert_int_equal(px_tz_load(&tz, "Mars/Olympus_Mons"), PX_ENOTFOUND);
	assert_string_equal(px_error_last(),
	    "unknown time zone 'Mars/Olympus_Mons' (expected an IANA name "
	    "like Asia/Shanghai)");

	/* No tzdata at all: UTC still works. */
	assert_int_equal(setenv("TZDIR", "/nonexistent/zoneinfo", 1), 0);
	assert_int_equal(px_tz_load(&tz, "UTC"), 0);
	assert_string_equal(px_tz_name(tz), "UTC");
	expect_format(
	    tz, "2026-11-20T09:30:00Z", "2026-11-20 09:30 UTC (+00:00)");
	px_tz_free(tz);
	tz = NULL;
	assert_int_equal(px_tz_load(&tz, "Asia/Shanghai"), PX_ENOTFOUND);

	if (old)
		setenv("TZDIR", old, 1);
	else
		unsetenv("TZDIR");
	free(old);
}

/* ---- footer rules -------------------------------------------------------- */

static void
test_footer_forms(void **state)
{
	struct px_tz *tz;
	struct tzw w;

	(void)state;
	/* Quoted names, east of UTC. */
	tz = rule_zone('2', "<+08>-8");
	expect_format(
	    tz, "2026-11-20T09:30:00Z", "2026-11-20 17:30 +08 (+08:00)");
	px_tz_free(tz);
	tz = rule_zone('2', "<+0545>-5:45");
	expect_at(tz, "2026-01-01T00:00:00Z", 5 * 3600 + 45 * 60, "+0545");
	px_tz_free(tz);

	/* Jn never counts February 29: J60 is March 1 even in 2028, so DST
	 * (+2) begins 2028-03-01 00:00 XST = 2028-02-29T23:00Z; J300 is
	 * October 27, ending at 00:00 XDT = 10-26T22:00Z. */
	tz = rule_zone('2', "XST-1XDT,J60/0,J300/0");
	expect_at(tz, "2028-02-29T22:59:59Z", 3600, "XST");
	expect_at(tz, "2028-02-29T23:00:00Z", 7200, "XDT");
	expect_at(tz, "2028-10-26T21:59:59Z", 7200, "XDT");
	expect_at(tz, "2028-10-26T22:00:00Z", 3600, "XST");
	px_tz_free(tz);
	/* Zero-based n counts it: day 59 is Feb 29 in 2028 (start
	 * 02-28T23:00Z) but March 1 in 2027 (02-28T23:00Z is then the eve of
	 * March 1); day 299 is October 26 in 2028 (end 10-25T22:00Z). */
	tz = rule_zone('2', "XST-1XDT,59/0,299/0");
	expect_at(tz, "2028-02-28T22:59:59Z", 3600, "XST");
	expect_at(tz, "2028-02-28T23:00:00Z", 7200, "XDT");
	expect_at(tz, "2027-02-28T22:59:59Z", 3600, "XST");
	expect_at(tz, "2027-02-28T23:00:00Z", 7200, "XDT");
	expect_at(tz, "2028-10-25T21:59:59Z", 7200, "XDT");
	expect_at(tz, "2028-10-25T22:00:00Z", 3600, "XST");
	px_tz_free(tz);

	/* RFC 8536 3.3.1 (version 3): hours beyond 24 and negative.
	 * Jerusalem: 4th Thursday of March 2026 is the 26th, at 26:00 IST
	 * = Friday 27th 02:00 +2 = 00:00Z. */
	tz = rule_zone('3', "IST-2IDT,M3.4.4/26,M10.5.0");
	expect_at(tz, "2026-03-26T23:59:59Z", 7200, "IST");
	expect_at(tz, "2026-03-27T00:00:00Z", 10800, "IDT");
	expect_at(tz, "2026-10-24T22:59:59Z", 10800, "IDT");
	expect_at(tz, "2026-10-24T23:00:00Z", 7200, "IST");
	px_tz_free(tz);
	/* Nuuk: last Sunday of March (29th) at -1:00 local -02 = Saturday
	 * 23:00 -02 = 01:00Z. */
	tz = rule_zone('3', "<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
	expect_at(tz, "2026-03-29T00:59:59Z", -7200, "-02");
	expect_at(tz, "2026-03-29T01:00:00Z", -3600, "-01");
	expect_at(tz, "2026-10-25T00:59:59Z", -3600, "-01");
	expect_at(tz, "2026-10-25T01:00:00Z", -7200, "-02");
	px_tz_free(tz);
	/* ... which a version 2 file may not use. */
	build_rule(&w, '2', "<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
	assert_int_equal(parse_w(&w, &tz), PX_EINVAL);
	build_rule(&w, '2', "IST-2IDT,M3.4.4/26,M10.5.0");
	assert_int_equal(parse_w(&w, &tz), PX_EINVAL);

	/* DST all year (RFC 8536 3.3.1): from Jan 1 00:00 to Dec 31 24:00
	 * plus the hour; the end of one year meets the start of the next
	 * at 05:00Z, and daylight time must hold across it. */
	tz = rule_zone('3', "EST5EDT,0/0,J365/25");
	expect_at(tz, "2026-01-01T04:59:59Z", -4 * 3600, "EDT");
	expect_at(tz, "2026-01-01T05:00:00Z", -4 * 3600, "EDT");
	expect_at(tz, "2026-07-01T00:00:00Z", -4 * 3600, "EDT");
	expect_at(tz, "2026-12-31T23:59:59Z", -4 * 3600, "EDT");
	px_tz_free(tz);

	/* Southern hemisphere, 30-minute DST (Lord Howe). */
	tz = corpus_zone("Australia_Lord_Howe_slim", "Australia/Lord_Howe");
	/* DST ends first Sunday of April (2026-04-05) 02:00 +11 = 04-04
	 * 15:00Z; starts first Sunday of October (10-04) 02:00 +10:30 =
	 * 10-03T15:30Z. */
	expect_at(tz, "2026-01-01T00:00:00Z", 11 * 3600, "+11");
	expect_at(tz, "2026-04-04T14:59:59Z", 11 * 3600, "+11");
	expect_at(tz, "2026-04-04T15:00:00Z", 10 * 3600 + 1800, "+1030");
	expect_at(tz, "2026-10-03T15:29:59Z", 10 * 3600 + 1800, "+1030");
	expect_at(tz, "2026-10-03T15:30:00Z", 11 * 3600, "+11");
	px_tz_free(tz);
}

static void
test_transitions_and_empty_footer(void **state)
{
	struct px_tz *tz = NULL;
	struct tzw w;

	(void)state;
	/* Transitions at 0 s (to BBB +2) and 1e6 s (to AAA +1); the footer
	 * then says +3.  Before 0: type 0 (AAA). */
	build(&w, '2', "CCC-3");
	assert_int_equal(parse_w(&w, &tz), 0);
	expect_at(tz, "1969-12-31T23:59:59Z", 3600, "AAA");
	expect_at(tz, "1970-01-01T00:00:00Z", 7200, "BBB");
	expect_at(tz, "1970-01-12T13:46:39Z", 7200, "BBB"); /* 999999 s */
	/* From the last transition on, the footer rules. */
	expect_at(tz, "1970-01-12T13:46:40Z", 3 * 3600, "CCC");
	px_tz_free(tz);
	/* An empty footer leaves the last transition's type in force. */
	build(&w, '2', "");
	assert_int_equal(parse_w(&w, &tz), 0);
	expect_at(tz, "2100-01-01T00:00:00Z", 3600, "AAA");
	px_tz_free(tz);
}

static void
test_version1(void **state)
{
	struct px_buf b;
	struct px_tz *tz = NULL;
	uint8_t *v1;
	size_t n;
	uint32_t c[6];

	(void)state;
	/* The first half of the fat New York file is a complete version 1
	 * file once its version byte says so. */
	slurp(&b, "America_New_York");
	for (int i = 0; i < 6; i++) {
		const uint8_t *p = (const uint8_t *)b.data + 20 + 4 * i;

		c[i] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3];
	}
	n = 44 + c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
	v1 = px_malloc(n);
	memcpy(v1, b.data, n);
	v1[4] = 0;
	assert_int_equal(px_tz_parse(&tz, "v1", v1, n), 0);
	expect_at(tz, "2026-03-08T07:00:00Z", -4 * 3600, "EDT");
	expect_at(tz, "2026-11-01T06:00:00Z", -5 * 3600, "EST");
	/* No footer: after 2037 the last type (EST) stays. */
	expect_at(tz, "2100-07-01T12:00:00Z", -5 * 3600, "EST");
	px_tz_free(tz);
	/* Trailing bytes after a version 1 file are refused. */
	assert_int_equal(px_tz_parse(&tz, "v1", v1, n - 1), PX_EINVAL);
	free(v1);
	px_buf_dispose(&b);
}

/* ---- malformed input --------------------------------------------------- */

static void
expect_bad(const struct tzw *w, const char *what)
{
	struct px_tz *tz = NULL;
	int rc = parse_w(w, &tz);

	if (rc != PX_EINVAL)
		fail_msg("%s: parse gave %d, want PX_EINVAL", what, rc);
	assert_null(tz);
}

static void
put32_at(struct tzw *w, size_t at, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		w->b[at + i] = (uint8_t)(v >> (24 - 8 * i));
}

static void
test_malformed(void **state)
{
	struct px_tz *tz = NULL;
	struct tzw w;
	struct px_buf b;

	(void)state;
	build(&w, '2', "AAA-1");
	assert_int_equal(parse_w(&w, &tz), 0);
	px_tz_free(tz);
	tz = NULL;

	/* Every proper prefix, from a truncated header on, is refused. */
	for (size_t n = 0; n < w.n; n++) {
		struct tzw t = w;

		t.n = n;
		expect_bad(&t, "prefix");
	}
	slurp(&b, "America_New_York");
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(
		    px_tz_parse(&tz, "p", (const uint8_t *)b.data, n),
		    PX_EINVAL);
	px_buf_dispose(&b);
	slurp(&b, "truncated_New_York");
	assert_int_equal(
	    px_tz_parse(&tz, "t", (const uint8_t *)b.data, b.len), PX_EINVAL);
	px_buf_dispose(&b);
	assert_int_equal(px_tz_parse(&tz, "null", NULL, 0), PX_EINVAL);
	assert_int_equal(px_tz_parse(&tz, "null", NULL, 10), PX_EINVAL);

#define MUTATE(stmt, what)               \
	do {                             \
		build(&w, '2', "AAA-1"); \
		stmt;                    \
		expect_bad(&w, what);    \
	} while (0)

	MUTATE(w.b[0] = 'X', "magic");
	MUTATE(w.b[4] = '1', "version 1 byte");
	MUTATE(w.b[4] = '5', "version 5");
	MUTATE(w.b[w.hdr2 + 4] = '3', "second header's version");
	MUTATE(w.b[w.hdr2] = 'x', "second magic");
	/* Counts beyond the data, in either block. */
	MUTATE(put32_at(&w, w.hdr2 + 32, 0xffffffffu), "timecnt 2^32-1");
	MUTATE(put32_at(&w, w.hdr2 + 32, 3), "timecnt + 1");
	MUTATE(put32_at(&w, w.hdr2 + 40, 0xffffffffu), "charcnt 2^32-1");
	MUTATE(put32_at(&w, 32, 0x7fffffffu), "v1 timecnt");
	MUTATE(put32_at(&w, 36, 0xffffffffu), "v1 typecnt");
	MUTATE(put32_at(&w, w.hdr2 + 36, 0), "typecnt 0");
	MUTATE(put32_at(&w, w.hdr2 + 40, 0), "charcnt 0");
	MUTATE(put32_at(&w, w.hdr2 + 28, 1), "leap seconds");
	MUTATE(put32_at(&w, w.hdr2 + 20, 1), "isutcnt not 0 or typecnt");
	/* Values out of range. */
	MUTATE(w.b[w.idx] = 2, "type index");
	MUTATE(put32_at(&w, w.times + 12, 0), "times not ascending");
	MUTATE(put32_at(&w, w.types, 93600), "utoff too east");
	MUTATE(put32_at(&w, w.types, (uint32_t)-90000), "utoff too west");
	MUTATE(put32_at(&w, w.types, 0x80000000u), "utoff -2^31");
	MUTATE(w.b[w.types + 4] = 2, "isdst 2");
	MUTATE(w.b[w.types + 5] = 8, "designation index");
	MUTATE(w.b[w.chars + 7] = 'X', "designation without NUL");
	MUTATE(w.b[w.chars + 1] = 0x01, "control char in designation");
	MUTATE(w.b[w.chars] = 0, "empty designation");
	/* Footer framing. */
	MUTATE(w.n--, "footer without final newline");
	MUTATE(w.b[w.n++] = 'x', "bytes after the footer");
	MUTATE(w.b[w.footer] = 'x', "footer without leading newline");
	MUTATE(w.n = w.footer, "no footer at all");
#undef MUTATE

	static const char *const bad_footers[] = {
		"EST5EDT",                   /* DST without a rule */
		"EST5EDT,M3.2.0",            /* no end */
		"EST5EDT,M3.2.0,",           /* empty end */
		"ES5",                       /* name too short */
		"EST",                       /* no offset */
		"EST25",                     /* offset hour > 24 */
		"EST5:6",                    /* one-digit minutes */
		"EST5:60",                   /* minutes > 59 */
		"EST5junk",                  /* trailing junk */
		"EST5EDT,M13.1.0,M11.1.0",   /* month 13 */
		"EST5EDT,M3.6.0,M11.1.0",    /* week 6 */
		"EST5EDT,M3.2.7,M11.1.0",    /* weekday 7 */
		"EST5EDT,M3.2,M11.1.0",      /* incomplete Mm.w.d */
		"EST5EDT,J0,J365",           /* J0 */
		"EST5EDT,366,0",             /* day 366 */
		"EST5EDT,M3.2.0/25,M11.1.0", /* hour 25 in version 2 */
		"EST5EDT,M3.2.0/-1,M11.1.0", /* negative in version 2 */
		"EST5EDT,M3.2.0,M11.1.0x",   /* trailing junk */
		"<+08-8",                    /* unterminated quote */
		"<+0 8>-8",                  /* space in a quoted name */
		"<+8>-8",                    /* quoted name too short */
		"ABCDEFGHIJKLMNOP5",         /* 16-letter name */
		":Asia/Shanghai",            /* implementation-defined */
		"EST5EDT4,M3.2.0,M11.1.0,",  /* trailing comma */
	};
	for (size_t i = 0; i < PX_ARRAY_LEN(bad_footers); i++) {
		build(&w, '2', bad_footers[i]);
		expect_bad(&w, bad_footers[i]);
	}
	/* The NUL case: strlen stops at it, so write it by hand. */
	build(&w, '2', "EST");
	w.n--;
	wmem(&w, "\0005\n", 3);
	expect_bad(&w, "NUL in footer");
	/* Version 3 allows up to 167 hours, not 168. */
	build(&w, '3', "EST5EDT,M3.2.0/167,M11.1.0/-167");
	assert_int_equal(parse_w(&w, &tz), 0);
	px_tz_free(tz);
	build(&w, '3', "EST5EDT,M3.2.0/168,M11.1.0");
	expect_bad(&w, "hour 168");
	/* And the messages say what was wrong. */
	build(&w, '2', "EST5EDT");
	expect_bad(&w, "msg");
	assert_string_equal(px_error_last(),
	    "malformed TZif data for 'test': footer: daylight time without "
	    "a rule");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shanghai),
		cmocka_unit_test(test_new_york),
		cmocka_unit_test(test_from_local_gap_overlap),
		cmocka_unit_test(test_brussels),
		cmocka_unit_test(test_utc),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_footer_forms),
		cmocka_unit_test(test_transitions_and_empty_footer),
		cmocka_unit_test(test_version1),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
