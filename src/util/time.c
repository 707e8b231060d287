#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/time.h"

/* Howard Hinnant's days_from_civil algorithm (public domain description). */
int64_t
px_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void
px_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* PARLEY_CLOCK_STEP_FILE names a file holding a signed number of
 * milliseconds added to the wall clock, read afresh on every call: a test
 * steps a running node's clock back or forward (an NTP step, a restored
 * VM) by rewriting the file.  Unset, it costs one getenv. */
static int64_t
clock_step_ms(void)
{
	const char *path = getenv("PARLEY_CLOCK_STEP_FILE");
	char text[32];
	int64_t v = 0;
	size_t n, i = 0;
	bool neg = false;
	FILE *f;

	if (path == NULL || *path == '\0' || (f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	if (i < n && (text[i] == '-' || text[i] == '+'))
		neg = text[i++] == '-';
	for (;
	     i < n && text[i] >= '0' && text[i] <= '9' && v < INT64_C(1) << 50;
	     i++)
		v = v * 10 + (text[i] - '0');
	return neg ? -v : v;
}

void
px_time_deadline(struct timespec *ts, int64_t ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

int64_t
px_time_now_ms(void)
{
	struct timespec ts;
	const char *fake = getenv("PARLEY_FAKE_NOW");
	int64_t t;

	if (fake && *fake && px_time_parse(&t, fake, 0) == 0)
		return t;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
	    clock_step_ms();
}

static inline void
two(char *o, unsigned v)
{
	o[0] = (char)('0' + v / 10);
	o[1] = (char)('0' + v % 10);
}

void
px_time_format(char out[PX_TIME_STRLEN], int64_t ms)
{
	int64_t days, secs, y;
	unsigned m, d;
	int64_t msr;

	/* Years 0001..9999 only: keeps the arithmetic defined for any
	 * input, and the output four digits wide. */
	if (ms < INT64_C(-62135596800000))
		ms = INT64_C(-62135596800000);
	if (ms > INT64_C(253402300799999))
		ms = INT64_C(253402300799999);
	days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
	msr = ms - days * 86400000;
	secs = msr / 1000;
	px_civil_from_days(days, &y, &m, &d);
	/* By hand, not snprintf: feeds format millions of these. */
	two(out, (unsigned)(y / 100));
	two(out + 2, (unsigned)(y % 100));
	out[4] = '-';
	two(out + 5, m);
	out[7] = '-';
	two(out + 8, d);
	out[10] = 'T';
	two(out + 11, (unsigned)(secs / 3600));
	out[13] = ':';
	two(out + 14, (unsigned)(secs / 60 % 60));
	out[16] = ':';
	two(out + 17, (unsigned)(secs % 60));
	out[19] = '.';
	out[20] = (char)('0' + msr % 1000 / 100);
	two(out + 21, (unsigned)(msr % 100));
	out[23] = 'Z';
	out[24] = '\0';
}

static int
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int
expect(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

int
px_time_parse(int64_t *out, const char *s, int allow_date)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, se = 0, ms = 0, oh, om, sign;
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31,
		30, 31, 30, 31 };
	int64_t t;

	if (s == NULL)
		goto bad;
	if (digits(&p, 4, &y) || expect(&p, '-') || digits(&p, 2, &mo) ||
	    expect(&p, '-') || digits(&p, 2, &d))
		goto bad;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		goto bad;
	if (mo == 2 && d == 29 &&
	    !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		goto bad;
	if (*p == '\0' && allow_date) {
		*out =
		    px_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400000;
		return 0;
	}
	if ((*p != 'T' && *p != 't') || (p++, 0) || digits(&p, 2, &h) ||
	    expect(&p, ':') || digits(&p, 2, &mi) || expect(&p, ':') ||
	    digits(&p, 2, &se))
		goto bad;
	if (h > 23 || mi > 59 || se > 59)
		goto bad;
	if (*p == '.') {
		int n = 0, scale = 100;

		p++;
		while (*p >= '0' && *p <= '9') {
			if (n < 3)
				ms += (*p - '0') * scale;
			scale /= 10;
			n++;
			p++;
		}
		if (n == 0 || n > 9)
			goto bad;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
		oh = om = 0;
		sign = 1;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		p++;
		if (digits(&p, 2, &oh) || expect(&p, ':') ||
		    digits(&p, 2, &om) || oh > 23 || om > 59)
			goto bad;
	} else {
		goto bad;
	}
	if (*p != '\0')
		goto bad;
	t = px_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + se - sign * (oh * 3600 + om * 60);
	*out = t * 1000 + ms;
	return 0;
bad:
	return px_error_set(PX_EINVAL,
	    "'%s' is not an RFC 3339 time (expected e.g. "
	    "2026-11-20T09:30:00Z%s)",
	    s ? s : "(null)", allow_date ? " or 2026-11-20" : "");
}

void
px_duration_format(char *out, size_t n, int64_t ms)
{
	int64_t m = (ms < 0 ? -ms : ms) / 60000;

	if (m >= 2 * 1440)
		snprintf(out, n, "%lldd %02lldh", (long long)(m / 1440),
		    (long long)(m % 1440 / 60));
	else if (m >= 60)
		snprintf(out, n, "%lldh %02lldm", (long long)(m / 60),
		    (long long)(m % 60));
	else
		snprintf(out, n, "%lldm", (long long)m);
}
