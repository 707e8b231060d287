/*
 * TZif reader and local-time arithmetic.
 *
 * A zone is a table of transitions (instant -> local time type) plus,
 * from version 2 on, a POSIX TZ string in the footer that extends the
 * table forever ("EST5EDT,M3.2.0,M11.1.0").  We read only the 64-bit
 * (version 2+) section when it exists: the 32-bit one stops in 2038.  The
 * footer rule is used from the last transition on, and for the whole time
 * line when there are no transitions at all, which is how "slim" files
 * (zic -b slim, the default since 2020) describe every zone that still
 * changes its clocks.
 *
 * Everything works in whole seconds: TZif offsets are whole seconds, and
 * the first transition of many files is -2^59 s, which would overflow if
 * multiplied out to milliseconds.
 *
 * The parser trusts nothing: each count is checked against the bytes
 * that remain before anything is read, every index and offset against
 * its RFC 8536 range, and the footer is parsed from a (pointer, length)
 * cursor.  Whatever the input, a zone that parses keeps every offset in
 * [TZ_UTOFF_MIN, TZ_UTOFF_MAX], which px_tz_from_local's search relies on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/tz.h"
#include "util/util.h"

/* RFC 8536 section 3.2: utoff SHOULD be in [-89999, 93599], i.e. within
 * 25 hours of UTC, and a POSIX offset is at most 24:59:59 (+1 h for
 * daylight time).  We require it, so searches can be bounded. */
#define TZ_UTOFF_MIN (-89999)
#define TZ_UTOFF_MAX 93599
#define TZ_ABBR_MAX  15
#define TZ_FILE_CAP  (1024 * 1024)
#define TZ_YEAR_MAX  300000000LL

struct tztype {
	int32_t utoff; /* seconds east of UTC */
	uint8_t isdst;
	char abbr[TZ_ABBR_MAX + 1];
};

enum rule_kind {
	RULE_JULIAN, /* Jn: 1..365, February 29 never counted */
	RULE_ZERO,   /* n: 0..365, February 29 counted */
	RULE_MWD,    /* Mm.w.d: day d of week w (5 = last) of month m */
};

struct rule_date {
	enum rule_kind kind;
	int n, m, w, d;
	int32_t time; /* seconds after local midnight; may be < 0 or > 24h */
};

/* The footer's POSIX TZ string, parsed. */
struct footer {
	int present; /* the string was not empty */
	int has_dst;
	struct tztype std, dst;
	struct rule_date start, end;
};

struct px_tz {
	const char *name; /* owned, except in utc_zone */
	int64_t *times;   /* transitions, seconds, strictly ascending */
	uint8_t *idx;     /* type index of each transition, < ntypes */
	size_t ntimes;
	struct tztype *types;
	size_t ntypes;
	struct footer footer;
};

static const struct px_tz utc_zone = {
	.name = "UTC",
	.footer = { .present = 1, .std = { 0, 0, "UTC" } },
};

/* ---- arithmetic ---------------------------------------------------- */

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && (a < 0) != (b < 0))
		q--;
	return q;
}

static int64_t
floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

static int
is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int64_t
year_of_day(int64_t days)
{
	int64_t y;
	unsigned m, d;

	px_civil_from_days(days, &y, &m, &d);
	return y;
}

/* Seconds to milliseconds, saturating instead of overflowing. */
static int64_t
sec_to_ms(int64_t s)
{
	if (s > INT64_MAX / 1000)
		return INT64_MAX;
	if (s < INT64_MIN / 1000)
		return INT64_MIN;
	return s * 1000;
}

/* ---- the footer rule ----------------------------------------------- */

/* The local date (day number) a rule names in year y. */
static int64_t
rule_day(const struct rule_date *r, int64_t y)
{
	int64_t first, next, day;
	int wd;

	switch (r->kind) {
	case RULE_JULIAN:
		/* J60 is March 1 even in a leap year. */
		return px_days_from_civil(y, 1, 1) + r->n - 1 +
		    (is_leap(y) && r->n >= 60);
	case RULE_ZERO:
		/* Day 365 of a common year is January 1 of the next. */
		return px_days_from_civil(y, 1, 1) + r->n;
	case RULE_MWD:
	default:
		first = px_days_from_civil(y, (unsigned)r->m, 1);
		next = r->m == 12
		    ? px_days_from_civil(y + 1, 1, 1)
		    : px_days_from_civil(y, (unsigned)r->m + 1, 1);
		/* 1970-01-01, day 0, was a Thursday. */
		wd = (int)floor_mod(first + 4, 7);
		day = first + (r->d - wd + 7) % 7 + 7 * (r->w - 1);
		while (day >= next) /* week 5 means the last one */
			day -= 7;
		return day;
	}
}

struct rule_event {
	int64_t t;
	int dst; /* daylight time begins (1) or ends (0) at t */
};

/*
 * The transitions of years y-1, y, y+1, in time order.  Ties keep the
 * order year by year, start before end, so that the rule for "DST all
 * year" (start Jan 1 00:00 of year y+1 == end of year y) leaves daylight
 * time in force.
 */
static void
rule_events(struct rule_event ev[6], const struct footer *f, int64_t y)
{
	size_t n = 0;

	for (int64_t k = y - 1; k <= y + 1; k++) {
		ev[n].t = rule_day(&f->start, k) * 86400 + f->start.time -
		    f->std.utoff;
		ev[n++].dst = 1;
		ev[n].t =
		    rule_day(&f->end, k) * 86400 + f->end.time - f->dst.utoff;
		ev[n++].dst = 0;
	}
	for (size_t i = 1; i < n; i++) {
		struct rule_event e = ev[i];
		size_t j = i;

		for (; j > 0 && ev[j - 1].t > e.t; j--)
			ev[j] = ev[j - 1];
		ev[j] = e;
	}
}

/* The year whose events decide instant t: its year in standard time. */
static int64_t
rule_year(const struct footer *f, int64_t t)
{
	return year_of_day(floor_div(t + f->std.utoff, 86400));
}

static const struct tztype *
rule_type(const struct footer *f, int64_t t)
{
	struct rule_event ev[6];
	int dst;

	if (!f->has_dst)
		return &f->std;
	rule_events(ev, f, rule_year(f, t));
	dst = !ev[0].dst;
	for (size_t i = 0; i < 6 && ev[i].t <= t; i++)
		dst = ev[i].dst;
	return dst ? &f->dst : &f->std;
}

/* The first instant after t at which rule_type() may change: an event, or
 * the start of the next year, where another set of events takes over. */
static int64_t
rule_next(const struct footer *f, int64_t t)
{
	struct rule_event ev[6];
	int64_t y, best;

	if (!f->has_dst)
		return INT64_MAX;
	y = rule_year(f, t);
	best = px_days_from_civil(y + 1, 1, 1) * 86400 - f->std.utoff;
	rule_events(ev, f, y);
	for (size_t i = 0; i < 6; i++)
		if (ev[i].t > t && ev[i].t < best)
			best = ev[i].t;
	return best;
}

/* ---- lookups --------------------------------------------------------- */

static int
footer_rules(const struct px_tz *tz, int64_t t)
{
	return tz->ntimes == 0 || t >= tz->times[tz->ntimes - 1];
}

/* Index of the last transition <= t; requires times[0] <= t. */
static size_t
last_at_or_before(const struct px_tz *tz, int64_t t)
{
	size_t lo = 0, hi = tz->ntimes; /* times[lo] <= t < times[hi] */

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (tz->times[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* The local time type in force at instant t (seconds). */
static const struct tztype *
type_at(const struct px_tz *tz, int64_t t)
{
	if (footer_rules(tz, t)) {
		if (tz->footer.present)
			return rule_type(&tz->footer, t);
		if (tz->ntimes == 0)
			return &tz->types[0];
		return &tz->types[tz->idx[tz->ntimes - 1]];
	}
	if (t < tz->times[0])
		return &tz->types[0]; /* RFC 8536: type 0 before the first */
	return &tz->types[tz->idx[last_at_or_before(tz, t)]];
}

/* The first instant after t where type_at() may give another answer;
 * INT64_MAX if none.  type_at() is constant on [t, next_change(t)). */
static int64_t
next_change(const struct px_tz *tz, int64_t t)
{
	if (footer_rules(tz, t))
		return tz->footer.present ? rule_next(&tz->footer, t)
		                          : INT64_MAX;
	if (t < tz->times[0])
		return tz->times[0];
	return tz->times[last_at_or_before(tz, t) + 1];
}

/* ---- TZif parsing ---------------------------------------------------- */

struct cur {
	const uint8_t *p;
	size_t left;
};

static const uint8_t *
take(struct cur *c, size_t n)
{
	const uint8_t *p = c->p;

	if (n > c->left)
		return NULL;
	c->p += n;
	c->left -= n;
	return p;
}

static int
peek(const struct cur *c)
{
	return c->left ? c->p[0] : -1;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64s(const uint8_t *p)
{
	uint64_t v = (uint64_t)be32(p) << 32 | be32(p + 4);

	/* Two's complement without implementation-defined conversion. */
	if (v > (uint64_t)INT64_MAX)
		return -(int64_t)(~v) - 1;
	return (int64_t)v;
}

struct hdr {
	uint8_t version; /* 0, '2', '3' or '4' */
	uint32_t isut, isstd, leap, time, type, chars;
};

static const char *
read_header(struct cur *c, struct hdr *h)
{
	const uint8_t *p = take(c, 44);

	if (p == NULL)
		return "truncated header";
	if (memcmp(p, "TZif", 4) != 0)
		return "no TZif magic";
	h->version = p[4];
	if (h->version != 0 && h->version != '2' && h->version != '3' &&
	    h->version != '4')
		return "unknown version";
	h->isut = be32(p + 20);
	h->isstd = be32(p + 24);
	h->leap = be32(p + 28);
	h->time = be32(p + 32);
	h->type = be32(p + 36);
	h->chars = be32(p + 40);
	return NULL;
}

/* Bytes of a data block; 64-bit arithmetic, so 2^32-1 counts cannot
 * wrap. */
static uint64_t
block_size(const struct hdr *h, unsigned ts)
{
	return (uint64_t)h->time * ts + h->time + (uint64_t)h->type * 6 +
	    h->chars + (uint64_t)h->leap * (ts + 4) + h->isstd + h->isut;
}

static int
abbr_char_ok(uint8_t ch)
{
	return ch > 0x20 && ch < 0x7f;
}

static const char *
read_block(struct px_tz *tz, struct cur *c, const struct hdr *h, unsigned ts)
{
	const uint8_t *tt, *ti, *ty, *ch, *isstd, *isut;

	if (h->type == 0 || h->type > 256)
		return "type count not in 1..256";
	if (h->chars == 0)
		return "designation count is zero";
	if (h->isut != 0 && h->isut != h->type)
		return "UT indicator count is neither 0 nor the type count";
	if (h->isstd != 0 && h->isstd != h->type)
		return "standard indicator count is neither 0 nor the type "
		       "count";
	/* Leap-second files ("right/...") count time in a scale that
	 * includes leap seconds, which is not the POSIX time we keep. */
	if (h->leap != 0)
		return "leap-second data is not supported";
	if (block_size(h, ts) > c->left)
		return "counts run past the end of the data";
	tt = take(c, (size_t)h->time * ts);
	ti = take(c, h->time);
	ty = take(c, (size_t)h->type * 6);
	ch = take(c, h->chars);
	isstd = take(c, h->isstd);
	isut = take(c, h->isut);

	tz->ntimes = h->time;
	tz->times = px_calloc(tz->ntimes, sizeof(*tz->times));
	tz->idx = px_calloc(tz->ntimes, 1);
	for (size_t i = 0; i < tz->ntimes; i++) {
		tz->times[i] = ts == 8 ? be64s(tt + 8 * i)
		                       : (int64_t)(int32_t)be32(tt + 4 * i);
		if (i > 0 && tz->times[i] <= tz->times[i - 1])
			return "transition times not strictly ascending";
		if (ti[i] >= h->type)
			return "transition type index out of range";
		tz->idx[i] = ti[i];
	}
	tz->ntypes = h->type;
	tz->types = px_calloc(tz->ntypes, sizeof(*tz->types));
	for (size_t i = 0; i < tz->ntypes; i++) {
		const uint8_t *r = ty + 6 * i;
		int64_t off = (int32_t)be32(r);
		size_t at = r[5], len = 0;

		if (off < TZ_UTOFF_MIN || off > TZ_UTOFF_MAX)
			return "UT offset out of range";
		if (r[4] > 1)
			return "DST flag is neither 0 nor 1";
		if (at >= h->chars)
			return "designation index out of range";
		while (at + len < h->chars && ch[at + len] != 0) {
			if (!abbr_char_ok(ch[at + len]))
				return "designation has a bad character";
			len++;
		}
		if (at + len == h->chars)
			return "designation not NUL-terminated";
		if (len == 0 || len > TZ_ABBR_MAX)
			return "designation empty or longer than 15";
		tz->types[i].utoff = (int32_t)off;
		tz->types[i].isdst = r[4];
		memcpy(tz->types[i].abbr, ch + at, len);
		tz->types[i].abbr[len] = '\0';
	}
	for (size_t i = 0; i < h->isstd; i++)
		if (isstd[i] > 1)
			return "standard indicator neither 0 nor 1";
	for (size_t i = 0; i < h->isut; i++) {
		if (isut[i] > 1)
			return "UT indicator neither 0 nor 1";
		if (isut[i] == 1 && (h->isstd == 0 || isstd[i] != 1))
			return "UT indicator set without standard indicator";
	}
	return NULL;
}

/* ---- POSIX TZ strings (the footer) ----------------------------------- */

static int
is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static int
is_alpha(int ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

/* 1..maxd decimal digits. */
static int
read_num(struct cur *c, int maxd, int *out)
{
	int v = 0, n = 0;

	while (n < maxd && is_digit(peek(c))) {
		v = v * 10 + (*take(c, 1) - '0');
		n++;
	}
	*out = v;
	return n > 0 ? 0 : -1;
}

/* Exactly two digits. */
static int
read_2(struct cur *c, int *out)
{
	const uint8_t *p = take(c, 2);

	if (p == NULL || !is_digit(p[0]) || !is_digit(p[1]))
		return -1;
	*out = (p[0] - '0') * 10 + (p[1] - '0');
	return 0;
}

/* "std" or "<+08>": POSIX wants at least three characters. */
static int
read_name(struct cur *c, char out[TZ_ABBR_MAX + 1])
{
	size_t n = 0;

	if (peek(c) == '<') {
		take(c, 1);
		while (peek(c) >= 0 && peek(c) != '>') {
			int ch = *take(c, 1);

			if (!is_alpha(ch) && !is_digit(ch) && ch != '+' &&
			    ch != '-')
				return -1;
			if (n == TZ_ABBR_MAX)
				return -1;
			out[n++] = (char)ch;
		}
		if (take(c, 1) == NULL)
			return -1; /* no '>' */
	} else {
		while (is_alpha(peek(c))) {
			if (n == TZ_ABBR_MAX)
				return -1;
			out[n++] = (char)*take(c, 1);
		}
	}
	out[n] = '\0';
	return n >= 3 ? 0 : -1;
}

/* hh[:mm[:ss]] with hh <= maxh (24, or 167 for the RFC 8536 extension). */
static int
read_hms(struct cur *c, int maxh, int32_t *out)
{
	int h, m = 0, s = 0;

	if (read_num(c, maxh > 99 ? 3 : 2, &h) < 0 || h > maxh)
		return -1;
	if (peek(c) == ':') {
		take(c, 1);
		if (read_2(c, &m) < 0 || m > 59)
			return -1;
		if (peek(c) == ':') {
			take(c, 1);
			if (read_2(c, &s) < 0 || s > 59)
				return -1;
		}
	}
	*out = h * 3600 + m * 60 + s;
	return 0;
}

static int
read_signed_hms(struct cur *c, int maxh, int32_t *out)
{
	int neg = 0;

	if (peek(c) == '+' || peek(c) == '-')
		neg = *take(c, 1) == '-';
	if (read_hms(c, maxh, out) < 0)
		return -1;
	if (neg)
		*out = -*out;
	return 0;
}

static int
read_rule_date(struct cur *c, struct rule_date *r, int ext)
{
	int ch = peek(c);

	memset(r, 0, sizeof(*r));
	if (ch == 'J') {
		take(c, 1);
		r->kind = RULE_JULIAN;
		if (read_num(c, 3, &r->n) < 0 || r->n < 1 || r->n > 365)
			return -1;
	} else if (ch == 'M') {
		take(c, 1);
		r->kind = RULE_MWD;
		if (read_num(c, 2, &r->m) < 0 || r->m < 1 || r->m > 12 ||
		    peek(c) != '.' || !take(c, 1) ||
		    read_num(c, 1, &r->w) < 0 || r->w < 1 || r->w > 5 ||
		    peek(c) != '.' || !take(c, 1) ||
		    read_num(c, 1, &r->d) < 0 || r->d > 6)
			return -1;
	} else {
		r->kind = RULE_ZERO;
		if (read_num(c, 3, &r->n) < 0 || r->n > 365)
			return -1;
	}
	r->time = 7200; /* POSIX default 02:00 */
	if (peek(c) == '/') {
		take(c, 1);
		/* RFC 8536 3.3.1 (version 3+): signed, up to 167 hours. */
		if ((ext ? read_signed_hms(c, 167, &r->time)
		         : read_hms(c, 24, &r->time)) < 0)
			return -1;
	}
	return 0;
}

static const char *
read_footer_tz(struct footer *f, const uint8_t *s, size_t n, int ext)
{
	struct cur c = { s, n };
	int32_t off;

	memset(f, 0, sizeof(*f));
	if (n == 0)
		return NULL; /* no rule: the last transition stays in force */
	f->present = 1;
	if (read_name(&c, f->std.abbr) < 0)
		return "footer: bad standard time name";
	if (read_signed_hms(&c, 24, &off) < 0)
		return "footer: bad standard time offset";
	f->std.utoff = -off; /* POSIX counts west of Greenwich */
	if (c.left == 0)
		return NULL;
	f->has_dst = 1;
	f->dst.isdst = 1;
	if (read_name(&c, f->dst.abbr) < 0)
		return "footer: bad daylight time name";
	if (peek(&c) != ',' && c.left != 0) {
		if (read_signed_hms(&c, 24, &off) < 0)
			return "footer: bad daylight time offset";
		f->dst.utoff = -off;
	} else {
		f->dst.utoff = f->std.utoff + 3600;
	}
	/* POSIX leaves a rule-less DST to the implementation; a TZif footer
	 * must not depend on that. */
	if (peek(&c) != ',')
		return "footer: daylight time without a rule";
	take(&c, 1);
	if (read_rule_date(&c, &f->start, ext) < 0)
		return "footer: bad rule start";
	if (peek(&c) != ',' || !take(&c, 1))
		return "footer: rule has no end";
	if (read_rule_date(&c, &f->end, ext) < 0)
		return "footer: bad rule end";
	if (c.left != 0)
		return "footer: trailing characters";
	return NULL;
}

static const char *
read_footer(struct px_tz *tz, struct cur *c, int ext)
{
	const uint8_t *nl;
	size_t len;
	const char *why;

	if (peek(c) != '\n')
		return "missing footer";
	take(c, 1);
	nl = memchr(c->p, '\n', c->left);
	if (nl == NULL)
		return "footer not terminated by a newline";
	len = (size_t)(nl - c->p);
	if ((why = read_footer_tz(&tz->footer, c->p, len, ext)) != NULL)
		return why;
	take(c, len + 1);
	if (c->left != 0)
		return "trailing bytes after the footer";
	return NULL;
}

void
px_tz_free(struct px_tz *tz)
{
	if (tz == NULL || tz == &utc_zone)
		return;
	free((void *)tz->name);
	free(tz->times);
	free(tz->idx);
	free(tz->types);
	free(tz);
}

int
px_tz_parse(
    struct px_tz **out, const char *name, const uint8_t *data, size_t len)
{
	struct cur c = { data, len };
	struct px_tz *tz = px_calloc(1, sizeof(*tz));
	struct hdr h1, h2;
	const char *why;
	int rc = PX_EINVAL;

	tz->name = px_strdup(name ? name : "");
	if (data == NULL && len != 0) {
		why = "no data";
		goto out;
	}
	if ((why = read_header(&c, &h1)) != NULL)
		goto out;
	if (h1.version == 0) {
		if ((why = read_block(tz, &c, &h1, 4)) != NULL)
			goto out;
		if (c.left != 0)
			why = "trailing bytes after the data";
		goto out;
	}
	/* Version 2+: skip the 32-bit block (readers must ignore it) and
	 * read the 64-bit one that follows its own header. */
	if (block_size(&h1, 4) > c.left) {
		why = "version 1 counts run past the end of the data";
		goto out;
	}
	take(&c, (size_t)block_size(&h1, 4));
	if ((why = read_header(&c, &h2)) != NULL)
		goto out;
	if (h2.version != h1.version) {
		why = "second header has another version";
		goto out;
	}
	if ((why = read_block(tz, &c, &h2, 8)) != NULL)
		goto out;
	why = read_footer(tz, &c, h1.version >= '3');
out:
	if (why != NULL) {
		px_tz_free(tz);
		return px_error_set(rc, "malformed TZif data for '%.64s': %s",
		    name ? name : "", why);
	}
	*out = tz;
	return 0;
}

/* ---- loading ----------------------------------------------------------- */

static int
valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 255 || s[0] == '/' || strstr(s, "..") != NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '/' &&
		    s[i] != '_' && s[i] != '+' && s[i] != '-')
			return 0;
	return 1;
}

static struct px_tz *
utc_copy(const char *name)
{
	struct px_tz *tz = px_calloc(1, sizeof(*tz));

	tz->name = px_strdup(name);
	tz->footer = utc_zone.footer;
	return tz;
}

int
px_tz_load(struct px_tz **out, const char *name)
{
	const char *dir = getenv("TZDIR");
	char *path = NULL;
	struct px_buf b;
	struct stat st;
	int rc;

	px_buf_init(&b, TZ_FILE_CAP);
	if (name == NULL || !valid_name(name)) {
		rc = px_error_set(PX_EINVAL,
		    "invalid time zone name '%.64s' (expected an IANA name "
		    "like Asia/Shanghai)",
		    name ? name : "");
		goto out;
	}
	if (dir == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	path = px_asprintf("%s/%s", dir, name);
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0) {
			*out = utc_copy(name);
			rc = 0;
			goto out;
		}
		rc = px_error_set(PX_ENOTFOUND,
		    "unknown time zone '%s' (expected an IANA name like "
		    "Asia/Shanghai)",
		    name);
		goto out;
	}
	if ((rc = px_file_read(&b, path, TZ_FILE_CAP)) < 0)
		goto out;
	rc = px_tz_parse(out, name, (const uint8_t *)b.data, b.len);
	if (rc < 0)
		px_error_prefix("%s", path);
out:
	px_buf_dispose(&b);
	free(path);
	return rc;
}

const char *
px_tz_name(const struct px_tz *tz)
{
	return tz ? tz->name : utc_zone.name;
}

const struct px_tz *
px_tz_utc(void)
{
	return &utc_zone;
}

/* ---- conversions ------------------------------------------------------- */

void
px_tz_local(struct px_localtime *out, const struct px_tz *tz, int64_t t_ms)
{
	const struct tztype *ty;
	int64_t t, ms, local, days, sod;

	if (tz == NULL)
		tz = &utc_zone;
	/* Not floor_div: t * 1000 would overflow for INT64_MIN. */
	t = t_ms / 1000;
	ms = t_ms % 1000;
	if (ms < 0) {
		ms += 1000;
		t--;
	}
	ty = type_at(tz, t);
	local = t + ty->utoff;
	days = floor_div(local, 86400);
	sod = local - days * 86400;
	memset(out, 0, sizeof(*out));
	px_civil_from_days(days, &out->year, &out->month, &out->day);
	out->hour = (unsigned)(sod / 3600);
	out->minute = (unsigned)(sod / 60 % 60);
	out->second = (unsigned)(sod % 60);
	out->ms = (unsigned)ms;
	out->wday = (unsigned)floor_mod(days + 4, 7);
	out->offset = ty->utoff;
	memcpy(out->abbr, ty->abbr, sizeof(out->abbr));
}

int64_t
px_tz_from_local(const struct px_tz *tz, int64_t y, unsigned mo, unsigned d,
    unsigned h, unsigned mi)
{
	int64_t months, yy, local, a, t;

	if (tz == NULL)
		tz = &utc_zone;
	if (y < -TZ_YEAR_MAX)
		return INT64_MIN;
	if (y > TZ_YEAR_MAX)
		return INT64_MAX;
	months = y * 12 + (int64_t)mo - 1;
	yy = floor_div(months, 12);
	local = (px_days_from_civil(yy, (unsigned)(months - yy * 12) + 1, 1) +
	            (int64_t)d - 1) *
	        86400 +
	    (int64_t)h * 3600 + (int64_t)mi * 60;
	/*
	 * The answer is the least t with t + utoff(t) >= local.  Offsets lie
	 * in [TZ_UTOFF_MIN, TZ_UTOFF_MAX], so t is in
	 * [local - TZ_UTOFF_MAX, local - TZ_UTOFF_MIN].  Walk the pieces of
	 * constant offset through that window; on a piece [a, b) with
	 * offset o the local clock runs from a + o to b + o, so the first
	 * fit is max(a, local - o) if that is still before b.
	 */
	a = local - TZ_UTOFF_MAX;
	for (;;) {
		int64_t b = next_change(tz, a);

		t = local - type_at(tz, a)->utoff;
		if (t < a)
			t = a;
		if (t < b)
			break;
		a = b;
	}
	return sec_to_ms(t);
}

void
px_tz_format(char *out, size_t n, const struct px_tz *tz, int64_t t_ms)
{
	struct px_localtime lt;
	char off[16];
	int32_t o;

	px_tz_local(&lt, tz, t_ms);
	o = lt.offset < 0 ? -lt.offset : lt.offset;
	if (o % 60)
		snprintf(off, sizeof(off), "%c%02d:%02d:%02d",
		    lt.offset < 0 ? '-' : '+', (int)(o / 3600),
		    (int)(o / 60 % 60), (int)(o % 60));
	else
		snprintf(off, sizeof(off), "%c%02d:%02d",
		    lt.offset < 0 ? '-' : '+', (int)(o / 3600),
		    (int)(o / 60 % 60));
	snprintf(out, n, "%04lld-%02u-%02u %02u:%02u %s (%s)",
	    (long long)lt.year, lt.month, lt.day, lt.hour, lt.minute, lt.abbr,
	    off);
}
