/*
 * A peer agreement: how fast each side promises to act on the other's
 * cases.  For each priority, a budget for each of the four clocks
 * (acknowledge, triage, first response, resolution), counted either in
 * calendar time or in the business hours of the responding party (its time
 * zone, working days and holidays, from its card).
 *
 * These are the terms the two parties sign: one proposes a version, the
 * other accepts it (model/accord.h, docs/protocol.md).  JSON form:
 *   {"P1": {"basis": "calendar", "acknowledge": "30m", "triage": "1h",
 *           "first_response": "4h", "resolution": "24h"}, ...}
 * Top-level settings (strings): "ladder" ("75%:assignee:responder,
 * 100%:duty:both, 150%:principal:both"), "page_every", "check_every" ("0"
 * for never), "check_within", "verify_within", and the flood caps
 * "hotline_open_max" and "pages_per_hour" (whole numbers written as
 * strings, "3") (docs/deadlines.md).
 *
 * How to add a setting: a member of struct px_agreement, its default in
 * px_agreement_default, a line in set_one and in px_agreement_to_json.
 * Terms that leave a setting out get its default, so versions agreed
 * before the setting existed keep meaning what they meant, plus the
 * default.
 * Durations are a whole number and a unit: s (seconds, for drills),
 * m (minutes), h (hours),
 * d (days of 24 h, or of the working day's length in business basis),
 * w (weeks of 7 days, or 5 working days).
 */
#ifndef PX_AGREEMENT_H
#define PX_AGREEMENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/calendar.h"
#include "model/types.h"

/* Whom a ladder step notifies, among the stepping node's own people. */
enum px_notify_role { PX_NR_ASSIGNEE, PX_NR_DUTY, PX_NR_PRINCIPAL, PX_NR__N };
extern const char *const px_notify_role_names[PX_NR__N];

/* Which party's node takes a ladder step (a bit set). */
#define PX_SIDE_REQUESTER 1u
#define PX_SIDE_RESPONDER 2u

#define PX_LADDER_MAX 8

/* One rung of the escalation ladder (docs/deadlines.md): fires when a
 * running clock has used `pct` percent of its budget. */
struct px_ladder_step {
	int pct;
	enum px_notify_role who;
	unsigned sides;
};

struct px_agreement {
	int64_t budget[PX_PRIO__N][PX_CLK__N]; /* ms of countable time */
	enum px_basis basis[PX_PRIO__N];
	struct px_ladder_step ladder[PX_LADDER_MAX];
	size_t nladder;
	int64_t page_every; /* hotline: next person after this long */
	/* Flood caps (docs/deadlines.md, "Caps"): the responder walks its
	 * roster for at most this many of the peer's hotlines at once (the
	 * oldest unacknowledged ones; the rest are held), and sends at most
	 * this many pages for the peer's hotlines in any hour. */
	int64_t hotline_open_max;
	int64_t pages_per_hour;
	int64_t check_every;   /* scheduled checks; 0 = none */
	int64_t check_within;  /* how long a check may take to answer */
	int64_t verify_within; /* a contact is stale after this long */
	/* TLP:AMBER from the peer may reach our constituency (forwarding to
	 * a third party), "amber_constituency": "yes"; model/policy.h.
	 * Written only when "yes", so terms agreed before it read the same. */
	bool amber_constituency;
};

/* Common practice: minutes for a crisis, hours for high, business days
 * for routine; the 24 h / 72 h / one month pattern for P2. */
void px_agreement_default(struct px_agreement *a);
/* Returns a new JSON object (caller decrefs). */
json_t *px_agreement_to_json(const struct px_agreement *a);
/* Reads the JSON form; members left out keep the defaults. */
PX_MUST_CHECK int px_agreement_from_json(
    struct px_agreement *out, const json_t *j);
/* Applies "P2.acknowledge=4h", "P3.basis=business" or "page_every=10m". */
PX_MUST_CHECK int px_agreement_set(struct px_agreement *a, const char *kv);
/* True when both give the same value to every setting. */
bool px_agreement_equal(
    const struct px_agreement *a, const struct px_agreement *b);
/* The settings that differ from `from` to `to`, as an array of strings
 * "P3.acknowledge: 1d -> 2h" in the JSON form's member order; a new
 * reference. */
json_t *px_agreement_diff(
    const struct px_agreement *from, const struct px_agreement *to);
/* Parses a ladder ("75%:assignee:responder, 100%:duty:both"). */
PX_MUST_CHECK int px_ladder_parse(struct px_agreement *a, const char *s);
/* Formats the ladder back; out of at least 256 bytes. */
void px_ladder_unparse(char *out, size_t n, const struct px_agreement *a);
/* Parses "30m", "4h", "3d", "2w" into ms; business-basis days and weeks
 * use an 8-hour day and 5-day week. */
PX_MUST_CHECK int px_duration_parse(
    int64_t *out, const char *s, enum px_basis basis);
/* Formats ms back into the shortest exact unit ("90m", "4h", "3d"). */
void px_duration_unparse(char *out, size_t n, int64_t ms, enum px_basis b);

#endif
