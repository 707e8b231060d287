/*
 * What a node owes a case as time passes (docs/deadlines.md): the steps of
 * the escalation ladder, the pages of a hotline's roster walk, and who is
 * on call.  Pure functions of the case, the agreement, the calendar, the
 * roster and `now`, so they can be tested with time as a parameter and
 * a restarted scheduler reaches the same decisions: a step is taken when
 * this node's own escalate messages in the case do not already show it.
 */
#ifndef PX_LADDER_H
#define PX_LADDER_H

#include <jansson.h>
#include <stdint.h>

#include "model/agreement.h"
#include "model/case.h"
#include "util/tz.h"

/* Parses a roster spec, "Mon 09:00 duty, Wed 09:00 deputy" (weekly
 * hand-overs, local time of the node), into the card's JSON form
 * [{"at": "Mon 09:00", "contact": "duty"}, ...], sorted by time in the
 * week.  An empty spec gives an empty array. */
PX_MUST_CHECK int px_roster_parse(json_t **out, const char *spec);
/* Who is on call at `t` (the last hand-over at or before t, cyclically),
 * or NULL for an empty roster.  Borrowed from `roster`. */
const char *px_roster_on_call(
    const json_t *roster, const struct px_tz *tz, int64_t t);
/* The order in which to page people from `t`: the person on call, then
 * the roster onwards (each person once), then contacts not on the roster
 * (technical ones first).  Writes up to `max` borrowed ids; returns the
 * count. */
size_t px_roster_walk(const char **out, size_t max, const json_t *roster,
    const json_t *contacts, const struct px_tz *tz, int64_t t);
/* The contacts a ladder role names at `t`: the assignee if known (else
 * as duty), duty = on call (else the technical contacts), principal =
 * contacts with "principal": true (else the policy contacts, else duty). */
size_t px_role_contacts(const char **out, size_t max, enum px_notify_role r,
    const char *assignee, const json_t *roster, const json_t *contacts,
    const struct px_tz *tz, int64_t t);
/* The card contact object with id `id`, or NULL. */
const json_t *px_contact_find(const json_t *contacts, const char *id);

enum px_step_kind { PX_STEP_LADDER, PX_STEP_PAGE };

struct px_step {
	enum px_step_kind kind;
	int64_t at; /* when it fell (or falls) due */
	/* ladder */
	enum px_clock clock;
	int level; /* 1-based index in the ladder */
	enum px_notify_role who;
	int64_t deadline; /* the clock's deadline */
	/* page */
	int attempt;         /* 1-based */
	const char *contact; /* borrowed from `walk` */
};

/* Max pages of one hotline: three rounds of the walk. */
#define PX_PAGE_ROUNDS 3

/*
 * The steps node `self` owes case `c` at `now` and has not taken, in the
 * order to take them; up to `max` are written.  `walk` is self's paging
 * order (px_roster_walk at the case's start), used when self is the
 * responder of a hotline.  *next_due gets when the next step not yet due
 * falls due (INT64_MAX: none).  Returns the number of due steps.
 */
size_t px_steps_due(struct px_step *out, size_t max, int64_t *next_due,
    const struct px_case *c, const char *self, const struct px_agreement *a,
    const struct px_calendar *cal, const char *const *walk, size_t nwalk,
    int64_t now);

/* One page of a hotline, as the record shows it. */
struct px_page_attempt {
	int attempt;
	const char *contact, *name; /* borrowed from the case */
	const char *hash;           /* the page message's, borrowed */
	const json_t *channels;
	int64_t at;
	bool answered;
	int64_t latency_ms; /* page to acknowledgement, or -1 */
};

/* Reads the roster walk of a hotline case from its page messages.
 * Returns the number written (at most `max`).  A page counts as answered
 * only when the acknowledgement names the person it paged (`ack --by`):
 * an acknowledgement by anyone else, or by nobody named, answers no page
 * (px_hotline_answer says what it was). */
size_t px_hotline_attempts(
    struct px_page_attempt *out, size_t max, const struct px_case *c);

/* What the acknowledgement of a hotline was, in the record's own terms. */
enum px_hotline_answer {
	PX_HA_NONE,      /* not acknowledged */
	PX_HA_PAGED,     /* by a person the responder's node paged */
	PX_HA_OTHER,     /* by a named person nobody paged */
	PX_HA_NOT_NAMED, /* by the node, naming no person */
};
extern const char *const px_hotline_answer_names[4];
enum px_hotline_answer px_hotline_answer(const struct px_case *c);

/* The agreement's flood caps on the hotline (docs/deadlines.md, "Caps"),
 * a pure decision: `rank` is how many of the peer's unacknowledged
 * hotlines came before this one, `pages_hour` how many pages this node
 * sent for the peer's hotlines in the last hour.  Returns the rule that
 * holds the hotline's pages back (NULL: none), with *limit and *count. */
const char *px_hotline_cap(const struct px_agreement *a, int64_t rank,
    int64_t pages_hour, int64_t *limit, int64_t *count);
/* How many times the responder's node recorded a cap holding this hotline
 * back (escalate messages with "capped"), and when last for `rule` (-1:
 * never). */
size_t px_hotline_capped(
    const struct px_case *c, const char *rule, int64_t *last_ms);

/* The signed delivery reports of one page (escalate messages with a
 * "delivery" member naming `page_hash`), latest per channel first: calls
 * cb(channel, status, detail, time) for each channel's latest. */
void px_hotline_deliveries(const struct px_case *c, const char *page_hash,
    void (*cb)(const char *channel, const char *status, const char *detail,
        int64_t at, void *arg),
    void *arg);

#endif
