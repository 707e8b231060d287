/*
 * Fuzz target for the TZif parser.  Beyond "does not crash", a zone that
 * parses must keep px_tz_from_local's promise, which the business-hours
 * calendar depends on: from_local(L) is the earliest instant whose local
 * reading is L or later.  A broken promise aborts.
 */
#include <stdint.h>
#include <stdlib.h>

#include "model/calendar.h"
#include "util/tz.h"
#include "util/util.h"

/* Local reading of t as seconds on the proleptic local time line. */
static int64_t
local_seconds(const struct px_tz *tz, int64_t t_ms)
{
	struct px_localtime lt;

	px_tz_local(&lt, tz, t_ms);
	return px_days_from_civil(lt.year, lt.month, lt.day) * 86400 +
	    lt.hour * 3600 + lt.minute * 60 + lt.second;
}

static void
check_from_local(const struct px_tz *tz, int64_t y, unsigned mo, unsigned d,
    unsigned h, unsigned mi)
{
	int64_t want = (px_days_from_civil(y, mo, d) * 24 + h) * 3600 + mi * 60;
	int64_t t = px_tz_from_local(tz, y, mo, d, h, mi);

	if (t % 1000 != 0 || local_seconds(tz, t) < want ||
	    local_seconds(tz, t - 1000) >= want)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t instants[] = { INT64_MIN, -2208988800000LL, -1, 0,
		1795185000000LL, 2147483648000LL, 4118126400000LL, INT64_MAX };
	struct px_tz *tz = NULL;
	struct px_localtime lt;
	struct px_calendar cal;
	char s[PX_TZ_FORMAT_MAX];

	if (px_tz_parse(&tz, "fuzz", data, size) < 0)
		return 0;
	for (size_t i = 0; i < PX_ARRAY_LEN(instants); i++) {
		px_tz_local(&lt, tz, instants[i]);
		px_tz_format(s, sizeof(s), tz, instants[i]);
	}
	check_from_local(tz, 1900, 1, 1, 0, 0);
	check_from_local(tz, 1970, 1, 1, 0, 0);
	check_from_local(tz, 2026, 3, 8, 2, 30);
	check_from_local(tz, 2026, 11, 1, 1, 30);
	check_from_local(tz, 2026, 3, 29, 2, 30);
	check_from_local(tz, 2100, 7, 1, 12, 0);
	(void)px_tz_from_local(tz, INT64_MAX, 12, 31, 23, 59);
	(void)px_tz_from_local(tz, INT64_MIN, 0, 0, 0, 0);

	/* The calendar walks date by date over the zone; one business day
	 * from a Friday must come out, and agree with px_calendar_used. */
	px_calendar_init(&cal, tz);
	{
		int64_t start = 1795185000000LL, budget = 8 * 3600000LL;
		int64_t dl = px_calendar_deadline(
		    &cal, PX_BASIS_BUSINESS, start, budget, NULL, 0);

		if (dl != INT64_MAX &&
		    px_calendar_used(
		        &cal, PX_BASIS_BUSINESS, start, dl, NULL, 0) != budget)
			abort();
	}
	px_calendar_dispose(&cal);
	px_tz_free(tz);
	return 0;
}
