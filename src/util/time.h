/*
 * Time as int64 milliseconds since the Unix epoch, UTC.  Wire format is
 * RFC 3339 in UTC with exactly three fractional digits:
 * "2026-11-20T09:30:00.000Z".  Pure functions except px_time_now_ms().
 */
#ifndef PX_TIME_H
#define PX_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define PX_TIME_STRLEN 25 /* "YYYY-MM-DDTHH:MM:SS.mmmZ" + NUL */

/* Wall-clock now; PARLEY_FAKE_NOW (RFC 3339) overrides it for tests and
 * demos that must show deadlines at a chosen moment, and
 * PARLEY_CLOCK_STEP_FILE (a file holding milliseconds, e.g. "-10000")
 * shifts the real clock while a process runs, to test clock steps. */
int64_t px_time_now_ms(void);
/* The CLOCK_REALTIME moment `ms` from now, for pthread_cond_timedwait. */
struct timespec;
void px_time_deadline(struct timespec *ts, int64_t ms);
/* Writes `ms` as RFC 3339 UTC with milliseconds into out[PX_TIME_STRLEN]. */
void px_time_format(char out[PX_TIME_STRLEN], int64_t ms);
/* Parses RFC 3339 ("Z" or "+hh:mm" offset, 0-9 fraction digits, fraction
 * truncated to ms).  Also accepts a bare date "YYYY-MM-DD" (midnight UTC)
 * when `allow_date` is set. */
PX_MUST_CHECK int px_time_parse(int64_t *out, const char *s, int allow_date);
/* Days since 1970-01-01 for a proleptic Gregorian date, and back. */
int64_t px_days_from_civil(int64_t y, unsigned m, unsigned d);
void px_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* Renders a duration like "3h 05m" or "2d 4h" (sign is the caller's). */
void px_duration_format(char *out, size_t n, int64_t ms);

#endif
