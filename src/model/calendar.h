/*
 * Business-hours calendars and response deadlines.
 *
 * A deadline is "when `budget` of countable time has passed since the
 * clock started", where countable time is either all time (calendar
 * basis) or the responding party's working hours (business basis), minus
 * the intervals during which the clock was paused (waiting for the
 * requester).  Both sides, and any neutral third party, must get the same
 * instant from the same record, so this module is pure: no I/O, no clock
 * reads, no process time zone.  The exact rules are in docs/calendar.md.
 */
#ifndef PX_CALENDAR_H
#define PX_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/tz.h"

enum px_basis {
	PX_BASIS_CALENDAR, /* every millisecond counts */
	PX_BASIS_BUSINESS, /* only working hours on working days */
};

/*
 * Embed and use px_calendar_init / px_calendar_dispose.  Fields may be
 * read directly; set them through the px_calendar_set_* parsers, which
 * keep the invariants noted here.
 */
struct px_calendar {
	const struct px_tz *tz; /* borrowed; NULL means UTC */
	uint8_t workdays;       /* bit 0 = Sunday .. bit 6 = Saturday */
	uint16_t day_start;     /* minutes after local midnight, 0..1439 */
	uint16_t day_end;       /* day_start < day_end <= 1440 */
	/* Holidays: local dates as px_days_from_civil() day numbers, sorted
	 * ascending, no duplicates; owned. */
	int64_t *holidays;
	size_t nholidays;
};

/* [from, to) in UTC ms; to == INT64_MAX means still open. */
struct px_interval {
	int64_t from, to;
};

/* Sets Mon-Fri 09:00-17:00, no holidays, in `tz` (borrowed: it must
 * outlive the calendar). */
void px_calendar_init(struct px_calendar *c, const struct px_tz *tz);
/* Frees the holidays; the calendar may be initialised again. */
void px_calendar_dispose(struct px_calendar *c);

/* "09:00-17:00": two-digit hours and minutes, start before end, end may
 * be 24:00.  PX_EINVAL leaves the calendar unchanged. */
PX_MUST_CHECK int px_calendar_set_hours(struct px_calendar *c, const char *s);
/* "Mon-Fri", "Sun-Thu", "Sat-Wed" (ranges may wrap past Saturday),
 * "Mon,Tue,Thu" or a mix ("Mon-Wed,Fri"); English three-letter names in
 * any case.  An empty set is PX_EINVAL. */
PX_MUST_CHECK int px_calendar_set_workdays(
    struct px_calendar *c, const char *s);
/* "2026-12-25,2027-01-01" (any order; sorted and de-duplicated) or "" for
 * none.  Replaces the previous list. */
PX_MUST_CHECK int px_calendar_set_holidays(
    struct px_calendar *c, const char *s);

/*
 * Returns the earliest instant at which `budget_ms` of countable time has
 * elapsed since `start`, not counting the paused intervals (any order,
 * may overlap, may begin before start; their union is what is paused).
 * Countable is all time for PX_BASIS_CALENDAR, and for PX_BASIS_BUSINESS
 * the local day_start..day_end window of each working, non-holiday local
 * date in c->tz (DST aware).  Returns INT64_MAX ("never") when an open
 * pause is reached first, when no working time is left, or when the answer
 * lies beyond 1,000,000 local dates after start.  A budget <= 0 gives
 * `start`.
 */
int64_t px_calendar_deadline(const struct px_calendar *c, enum px_basis basis,
    int64_t start, int64_t budget_ms, const struct px_interval *pauses,
    size_t npauses);

/*
 * Returns the countable time in [start, t), minus the paused intervals:
 * the inverse of px_calendar_deadline, so that
 * used(start, deadline(start, b)) == b for every finite deadline.  Zero
 * when t <= start.  Costs one step per local date between start and t.
 */
int64_t px_calendar_used(const struct px_calendar *c, enum px_basis basis,
    int64_t start, int64_t t, const struct px_interval *pauses, size_t npauses);

#endif
