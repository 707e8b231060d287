/*
 * The review report (docs/report.md): the figures two parties look at
 * twice a year, computed from this node's own record.
 *
 * Two layers, so that a verifier recomputes exactly what the writer
 * computed:
 *
 *   1. a case row (px_report_case_row) is a function of one replayed
 *      case, its clocks at `as_of` and where its messages sit in this
 *      node's log;
 *   2. every aggregate (px_report_aggregates) is a function of the rows
 *      and the report's header only: `parley audit verify REPORT.json`
 *      feeds the rows of a file back into it and compares.
 *
 * Both are pure: no store, no clock, no file.  The node part
 * (px_report_compute) gathers the inputs from the store.
 */
#ifndef PX_REPORT_STATS_H
#define PX_REPORT_STATS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/case.h"
#include "node/log.h"
#include "util/err.h"
#include "util/tz.h"

/* The longest period a report covers (its charts have one bucket a
 * month). */
#define PX_REPORT_MAX_PERIOD_MS (100LL * 366 * 24 * 3600 * 1000)

/* One case as the report sees it. */
struct px_report_case {
	const struct px_case *c; /* replayed from messages dated before `to` */
	struct px_clock_status clocks[PX_CLK__N]; /* evaluated at as_of */
	const struct px_msg_entry *entries;       /* c->n, one per c->msgs[i] */
	bool outbound;                            /* this node opened it */
	/* The agreement version its clocks count under, the version its
	 * opening message names (-1: none) and the parties' disagreement
	 * in words (NULL: none); docs/clocks.md. */
	int64_t agreement, agreement_named;
	const char *disagreement;
};

/* A point of contact whose verification the report shows. */
struct px_report_contact {
	const char *party;          /* the node whose contact it is */
	const char *contact;        /* its contact id ("duty") */
	int64_t verified_before_ms; /* last verified before `from`, or -1 */
};

/* The report's header: what the figures are computed over. */
struct px_report_params {
	const char *node, *peer;
	int64_t from_ms, to_ms; /* [from, to) */
	int64_t as_of_ms;       /* min(to, generated) */
	int64_t generated_ms;
	const struct px_tz *tz;   /* the node's zone, for months and weeks */
	int64_t verify_within_ms; /* the agreement's verify_within */
	int64_t agreement;        /* the version in force at as_of */
};

/* The row of one case (docs/report.md, "cases"); a new reference. */
json_t *px_report_case_row(const struct px_report_case *rc);

/* Every aggregate member of the report (volumes, timeliness, outcomes,
 * reasons, backlog, escalations, hotline, checks, quality, charts),
 * computed from `rows` (the "cases" array) and `contacts` (an array of
 * {"party", "contact", "verified_before": TIME|null}; further members are
 * ignored, so a report's checks.contacts can be given back).  Rows of
 * kind inject are skipped; rows of kind check count only in "checks".
 * *out is a new object.  PX_EINVAL names the first row or contact that is
 * malformed (rows may come from a file). */
PX_MUST_CHECK int px_report_aggregates(json_t **out,
    const struct px_report_params *p, const json_t *rows,
    const json_t *contacts);

/* The whole report: header, `checkpoint` (borrowed; a new reference is
 * taken; NULL writes null), the rows of cases[0..n) (inject cases left
 * out) and their aggregates.  *out is a new object. */
PX_MUST_CHECK int px_report_build(json_t **out,
    const struct px_report_params *p, const json_t *checkpoint,
    const struct px_report_case *cases, size_t n,
    const struct px_report_contact *contacts, size_t ncontacts);

/* The same from rows already made (px_report_case_row) and contacts in
 * the JSON form px_report_aggregates reads; both are stolen. */
PX_MUST_CHECK int px_report_assemble(json_t **out,
    const struct px_report_params *p, const json_t *checkpoint, json_t *rows,
    json_t *contacts);

/* The answer to a communication check case (docs/deadlines.md): the time
 * of the reply carrying the right token (or -1), whether replies came but
 * none with the token, and who answered (borrowed from the case, or
 * NULL). */
void px_report_check_answer(const struct px_case *c, int64_t *answered_ms,
    bool *auto_only, const char **by);

/* Nearest-rank percentile `pct` (1..100) of v[0..n), which it sorts;
 * -1 when n is 0. */
int64_t px_report_percentile(int64_t *v, size_t n, int pct);

struct px_node;

/* Called every 1,000 cases and once at the end. */
typedef void (*px_report_progress_fn)(size_t done, size_t total, void *arg);

/*
 * Computes the report of the exchange with `peer` over [from_ms, to_ms)
 * at `now` (as_of = min(to, now)) from the node's store: the peer's
 * cases opened in the period, each replayed from its messages dated
 * before `to`, clocks under the peer's agreement in the responder's
 * calendar, each message's log index, and the latest signed checkpoint.
 * *out is a new object.  PX_ENOTFOUND for an unknown peer, PX_EINVAL for
 * an empty or too long period.
 */
PX_MUST_CHECK int px_report_compute(json_t **out, struct px_node *n,
    const char *peer, int64_t from_ms, int64_t to_ms, int64_t now);
/* The same, calling `cb` (may be NULL) with the progress. */
PX_MUST_CHECK int px_report_compute_progress(json_t **out, struct px_node *n,
    const char *peer, int64_t from_ms, int64_t to_ms, int64_t now,
    px_report_progress_fn cb, void *arg);

#endif
