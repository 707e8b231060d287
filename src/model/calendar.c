/*
 * Deadlines in calendar or business time.
 *
 * Countable time is a union of disjoint intervals on the UTC time line:
 * for business basis one "window" per working local date D,
 *
 *     [from_local(D, day_start), from_local(D, day_end))
 *
 * and for calendar basis one window that never ends; minus the union of
 * the pauses.  px_tz_from_local() is non-decreasing in the wall-clock
 * reading (it returns the earliest instant whose reading is that or
 * later), so the windows of successive dates never overlap and come in
 * date order, whatever the zone does; and no window of a date before the
 * local date of an instant p can end after p.  That lets both functions
 * below walk forward once: date by date, pause by pause, never minute by
 * minute, taking each countable piece in time order.  docs/calendar.md
 * states the same rules for reimplementers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/calendar.h"
#include "util/util.h"

/* A deadline further out than this many local dates is "never": it keeps
 * absurd budgets from walking for hours (~2,700 years). */
#define CAL_MAX_DAYS 1000000

static const char day_names[7][4] = { "sun", "mon", "tue", "wed", "thu", "fri",
	"sat" };

void
px_calendar_init(struct px_calendar *c, const struct px_tz *tz)
{
	memset(c, 0, sizeof(*c));
	c->tz = tz;
	c->workdays = 0x3e; /* Monday..Friday */
	c->day_start = 9 * 60;
	c->day_end = 17 * 60;
}

void
px_calendar_dispose(struct px_calendar *c)
{
	free(c->holidays);
	c->holidays = NULL;
	c->nholidays = 0;
}

/* ---- the set_* parsers --------------------------------------------- */

static int
two_digits(const char *p, int *out)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return -1;
	*out = (p[0] - '0') * 10 + (p[1] - '0');
	return 0;
}

/* "HH:MM" as minutes after midnight; 24:00 is allowed (end of day). */
static int
hhmm(const char *p, int *out)
{
	int h, m;

	if (two_digits(p, &h) < 0 || p[2] != ':' || two_digits(p + 3, &m) < 0)
		return -1;
	if (h > 24 || m > 59 || (h == 24 && m != 0))
		return -1;
	*out = h * 60 + m;
	return 0;
}

int
px_calendar_set_hours(struct px_calendar *c, const char *s)
{
	int a, b;

	if (s == NULL || strlen(s) != 11 || s[5] != '-' || hhmm(s, &a) < 0 ||
	    hhmm(s + 6, &b) < 0 || a >= b)
		return px_error_set(PX_EINVAL,
		    "'%.64s' is not a range of working hours (expected "
		    "HH:MM-HH:MM with the start before the end, like "
		    "09:00-17:00)",
		    s ? s : "");
	c->day_start = (uint16_t)a;
	c->day_end = (uint16_t)b;
	return 0;
}

static int
lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

/* Index 0..6 of the day name at p, or -1.  Stops at the first mismatch,
 * so it never reads past a NUL. */
static int
day_index(const char *p)
{
	for (int i = 0; i < 7; i++)
		if (lower(p[0]) == day_names[i][0] &&
		    lower(p[1]) == day_names[i][1] &&
		    lower(p[2]) == day_names[i][2])
			return i;
	return -1;
}

int
px_calendar_set_workdays(struct px_calendar *c, const char *s)
{
	const char *p = s;
	unsigned mask = 0;
	int a, b;

	if (s == NULL || *s == '\0')
		goto bad;
	for (;;) {
		if ((a = day_index(p)) < 0)
			goto bad;
		p += 3;
		if (*p == '-') {
			if ((b = day_index(++p)) < 0)
				goto bad;
			p += 3;
			/* A range may wrap past Saturday ("Sat-Wed"). */
			for (int i = a;; i = (i + 1) % 7) {
				mask |= 1u << i;
				if (i == b)
					break;
			}
		} else {
			mask |= 1u << a;
		}
		if (*p == '\0')
			break;
		if (*p++ != ',')
			goto bad;
	}
	c->workdays = (uint8_t)mask;
	return 0;
bad:
	return px_error_set(PX_EINVAL,
	    "'%.64s' is not a set of working days (expected day names or "
	    "ranges like Mon-Fri, Sun-Thu or Mon,Tue,Thu)",
	    s ? s : "");
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* "YYYY-MM-DD" at p (exactly ten characters) as a day number. */
static int
read_date(const char *p, int64_t *out)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31,
		30, 31, 30, 31 };
	int y1, y2, m, d, y;

	if (two_digits(p, &y1) < 0 || two_digits(p + 2, &y2) < 0 ||
	    p[4] != '-' || two_digits(p + 5, &m) < 0 || p[7] != '-' ||
	    two_digits(p + 8, &d) < 0)
		return -1;
	y = y1 * 100 + y2;
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 &&
	    !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	*out = px_days_from_civil(y, (unsigned)m, (unsigned)d);
	return 0;
}

int
px_calendar_set_holidays(struct px_calendar *c, const char *s)
{
	int64_t *days = NULL;
	size_t n = 0, cap, k, kept = 0;
	const char *p = s;
	int rc = 0;

	if (s == NULL) {
		rc = px_error_set(PX_EINVAL, "no holiday list");
		goto out;
	}
	cap = strlen(s) / 11 + 1;
	days = px_calloc(cap, sizeof(*days));
	/* Dates separated by commas; spaces around them are allowed, as a
	 * person writes "2026-12-25, 2027-01-01" in parley.conf. */
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0' && n == 0)
			break;
		/* Length first: read_date must not run past the NUL. */
		if (n >= cap || strnlen(p, 10) < 10 ||
		    read_date(p, &days[n]) < 0)
			goto bad;
		n++;
		p += 10;
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (*p++ != ',')
			goto bad;
	}
	if (0) {
	bad:
		rc = px_error_set(PX_EINVAL,
		    "'%.64s' is not a list of holidays (expected dates like "
		    "2026-12-25, 2027-01-01, or nothing)",
		    s);
		goto out;
	}
	qsort(days, n, sizeof(*days), cmp_i64);
	for (k = 0; k < n; k++) /* de-duplicate in place */
		if (kept == 0 || days[k] != days[kept - 1])
			days[kept++] = days[k];
	free(c->holidays);
	c->holidays = days;
	c->nholidays = kept;
	days = NULL;
out:
	free(days);
	return rc;
}

/* ---- the walk ------------------------------------------------------------ */

struct walk {
	const struct px_calendar *c;
	int business;
	struct px_interval *pz; /* the pauses: sorted, merged, non-empty */
	size_t npz, ip;         /* pz[ip] is the first not yet passed */
	int64_t pos;            /* nothing before pos is left to count */
	int64_t day;            /* the next local date to look at */
	int64_t last_day;       /* give up after this date */
	int64_t wa, wb;         /* current window [wa, wb), wa >= pos */
	int have;               /* wa, wb hold a window */
};

/* b - a, or INT64_MAX if that does not fit (a < 0, b large). */
static int64_t
span(int64_t a, int64_t b)
{
	if (a < 0 && b > INT64_MAX + a)
		return INT64_MAX;
	return b - a;
}

static int64_t
local_date(const struct px_tz *tz, int64_t t)
{
	struct px_localtime lt;

	px_tz_local(&lt, tz, t);
	return px_days_from_civil(lt.year, lt.month, lt.day);
}

/* 0 = Sunday; day 0 (1970-01-01) was a Thursday. */
static unsigned
weekday(int64_t day)
{
	int64_t r = (day + 4) % 7;

	return (unsigned)(r < 0 ? r + 7 : r);
}

static int
is_holiday(const struct px_calendar *c, int64_t day)
{
	size_t lo = 0, hi = c->nholidays;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->holidays[mid] == day)
			return 1;
		if (c->holidays[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int
calendar_usable(const struct px_calendar *c)
{
	return (c->workdays & 0x7f) != 0 && c->day_start < c->day_end &&
	    c->day_end <= 1440;
}

static int
cmp_from(const void *a, const void *b)
{
	const struct px_interval *x = a, *y = b;

	return (x->from > y->from) - (x->from < y->from);
}

/* Copies the pauses, drops empty ones, sorts and merges them, so that
 * any list means "the union of these intervals". */
static void
walk_init(struct walk *w, const struct px_calendar *c, enum px_basis basis,
    int64_t start, const struct px_interval *pauses, size_t npauses)
{
	memset(w, 0, sizeof(*w));
	w->c = c;
	w->business = basis == PX_BASIS_BUSINESS;
	w->pos = start;
	w->day = INT64_MIN;
	w->last_day = INT64_MAX;
	w->pz = px_calloc(npauses, sizeof(*w->pz));
	for (size_t i = 0; i < npauses; i++)
		if (pauses[i].from < pauses[i].to)
			w->pz[w->npz++] = pauses[i];
	/* The merge below gives the same union whatever qsort does with
	 * equal starts. */
	qsort(w->pz, w->npz, sizeof(*w->pz), cmp_from);
	if (w->npz > 1) {
		size_t k = 0;

		for (size_t i = 1; i < w->npz; i++) {
			if (w->pz[i].from <= w->pz[k].to) {
				if (w->pz[i].to > w->pz[k].to)
					w->pz[k].to = w->pz[i].to;
			} else {
				w->pz[++k] = w->pz[i];
			}
		}
		w->npz = k + 1;
	}
}

/* Finds the next window that ends after pos; 0 if there is none. */
static int
next_window(struct walk *w)
{
	const struct px_calendar *c = w->c;
	int64_t d, s, e, y;
	unsigned m, dd;

	if (!w->business) {
		if (w->pos == INT64_MAX)
			return 0;
		w->wa = w->pos;
		w->wb = INT64_MAX;
		return 1;
	}
	if (!calendar_usable(c))
		return 0;
	/* Windows of dates before pos's own local date end by pos. */
	d = local_date(c->tz, w->pos);
	if (d > w->day)
		w->day = d;
	for (; w->day <= w->last_day; w->day++) {
		d = w->day;
		if (!(c->workdays & (1u << weekday(d))) || is_holiday(c, d))
			continue;
		px_civil_from_days(d, &y, &m, &dd);
		s = px_tz_from_local(
		    c->tz, y, m, dd, c->day_start / 60u, c->day_start % 60u);
		e = px_tz_from_local(
		    c->tz, y, m, dd, c->day_end / 60u, c->day_end % 60u);
		if (s == INT64_MAX)
			return 0; /* past the end of representable time */
		if (e <= w->pos || e <= s)
			continue;
		w->wa = s > w->pos ? s : w->pos;
		w->wb = e;
		w->day++;
		return 1;
	}
	return 0;
}

/*
 * Takes the next countable piece [*a, *b) in time order.  Returns 0 when
 * there is none: no window left, or an open pause reached (w->pos is then
 * INT64_MAX).
 */
static int
next_piece(struct walk *w, int64_t *a, int64_t *b)
{
	for (;;) {
		if (!w->have) {
			if (!next_window(w))
				return 0;
			w->have = 1;
		}
		while (w->ip < w->npz && w->pz[w->ip].to <= w->wa)
			w->ip++;
		if (w->ip < w->npz && w->pz[w->ip].from <= w->wa) {
			/* Paused at wa: resume where the pause ends. */
			w->pos = w->pz[w->ip++].to;
			if (w->pos == INT64_MAX)
				return 0;
			if (w->pos >= w->wb)
				w->have = 0;
			else
				w->wa = w->pos;
			continue;
		}
		*a = w->wa;
		*b = w->wb;
		if (w->ip < w->npz && w->pz[w->ip].from < *b)
			*b = w->pz[w->ip].from;
		w->pos = *b;
		if (*b == w->wb)
			w->have = 0;
		else
			w->wa = *b;
		return 1;
	}
}

int64_t
px_calendar_deadline(const struct px_calendar *c, enum px_basis basis,
    int64_t start, int64_t budget_ms, const struct px_interval *pauses,
    size_t npauses)
{
	struct walk w;
	int64_t a, b, left = budget_ms, r = INT64_MAX;

	if (budget_ms <= 0)
		return start;
	walk_init(&w, c, basis, start, pauses, npauses);
	if (w.business)
		w.last_day = local_date(c->tz, start) + CAL_MAX_DAYS;
	while (next_piece(&w, &a, &b)) {
		int64_t len = span(a, b);

		if (len >= left) {
			/* a + left <= b, or a < 0: no overflow either way. */
			r = a + left;
			break;
		}
		left -= len;
	}
	free(w.pz);
	return r;
}

int64_t
px_calendar_used(const struct px_calendar *c, enum px_basis basis,
    int64_t start, int64_t t, const struct px_interval *pauses, size_t npauses)
{
	struct walk w;
	int64_t a, b, sum = 0;

	if (t <= start)
		return 0;
	walk_init(&w, c, basis, start, pauses, npauses);
	while (next_piece(&w, &a, &b) && a < t) {
		int64_t len = span(a, b < t ? b : t);

		sum = sum > INT64_MAX - len ? INT64_MAX : sum + len;
		if (b >= t)
			break;
	}
	free(w.pz);
	return sum;
}
