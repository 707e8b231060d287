/*
 * Time zones read straight from IANA TZif files (RFC 8536, versions 1-4).
 *
 * Why not setenv("TZ") + localtime_r: switching TZ is process-global and
 * not thread-safe, and a deadline in a signed record must come out the same
 * on every node, so the rules are applied here, by code we can document
 * (docs/calendar.md) and a verifier can reimplement.
 *
 * A struct px_tz is immutable once made, so one may be shared by threads.
 * Instants are int64 milliseconds since the Unix epoch (UTC, no leap
 * seconds), as everywhere in parley.
 */
#ifndef PX_TZ_H
#define PX_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct px_tz;

/* The local wall clock at one instant. */
struct px_localtime {
	int64_t year;
	unsigned month, day, hour, minute, second, ms;
	unsigned wday;  /* 0 = Sunday .. 6 = Saturday */
	int32_t offset; /* seconds east of UTC */
	char abbr[16];  /* "CST", "EDT", "+08" */
};

/* Longest string px_tz_format writes, with its NUL. */
#define PX_TZ_FORMAT_MAX 64

/*
 * Loads the zone `name` (an IANA name such as "Asia/Shanghai") from $TZDIR,
 * or /usr/share/zoneinfo when TZDIR is unset or empty.  Names with "..", a
 * leading '/', or characters outside [A-Za-z0-9/_+-] are PX_EINVAL; a zone
 * that does not exist is PX_ENOTFOUND; a malformed file PX_EINVAL.  "UTC"
 * and "Etc/UTC" work even without tzdata.  On success *out is a new zone
 * the caller frees with px_tz_free().
 */
PX_MUST_CHECK int px_tz_load(struct px_tz **out, const char *name);

/*
 * Parses TZif bytes (a whole file) into *out, naming the zone `name` (may
 * be NULL).  Strict: any count or offset that does not fit, any value out
 * of its RFC 8536 range, leap-second data, trailing bytes or a bad footer
 * TZ string is PX_EINVAL.  `data` is not kept.  Caller frees *out with
 * px_tz_free().
 */
PX_MUST_CHECK int px_tz_parse(
    struct px_tz **out, const char *name, const uint8_t *data, size_t len);

/* Frees a zone; NULL is a no-op. */
void px_tz_free(struct px_tz *tz);

/* Returns the zone's name, borrowed until px_tz_free(); never NULL. */
const char *px_tz_name(const struct px_tz *tz);

/*
 * A built-in UTC zone that needs no file.  Static: never free it.  Every
 * function here also takes tz == NULL to mean UTC.
 */
const struct px_tz *px_tz_utc(void);

/* Fills *out with the local wall clock of instant `t_ms` in `tz`. */
void px_tz_local(
    struct px_localtime *out, const struct px_tz *tz, int64_t t_ms);

/*
 * Converts a local wall-clock reading to an instant (UTC ms): the earliest
 * instant whose local reading is y-mo-d h:mi or later.  So in a
 * spring-forward gap (a reading that never occurs) it returns the instant
 * of the jump, where the clock leaps past the reading; in a fall-back
 * overlap (a reading that occurs twice) it returns the earlier instant.
 * Fields past their range carry like mktime (minute 60 is the next hour,
 * hour 24 the next day, month 13 January of the next year, day 0 the last
 * day of the previous month).  Years outside +-300,000,000 give INT64_MIN
 * or INT64_MAX, as do results beyond the int64 millisecond range.
 */
int64_t px_tz_from_local(const struct px_tz *tz, int64_t y, unsigned mo,
    unsigned d, unsigned h, unsigned mi);

/*
 * Writes "2026-11-20 17:30 CST (+08:00)" (seconds of the offset appear
 * only when non-zero, as "+00:17:30") into out[n], truncating to fit.
 * PX_TZ_FORMAT_MAX bytes always suffice.
 */
void px_tz_format(char *out, size_t n, const struct px_tz *tz, int64_t t_ms);

#endif
