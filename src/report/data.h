/*
 * The review report (docs/report.md) read into C data once, checked, for
 * the renderers (html.c, csv.c) to draw from without re-checking, and the
 * formatting of figures both renderers share so that the page and the CSV
 * show the same numbers.
 *
 * Strings and JSON maps in these structs are borrowed from the report's
 * json_t: they stay valid while that document lives unchanged.
 */
#ifndef PX_REPORT_DATA_H
#define PX_REPORT_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "report/i18n.h"
#include "util/buf.h"
#include "util/err.h"

/* Absent value: a null share, mean or duration. */
#define PX_RNULL (-1)

enum px_rdir { PX_RD_OUT, PX_RD_IN, PX_RD__N };
enum px_rclock { PX_RC_ACK, PX_RC_TRIAGE, PX_RC_FIRST, PX_RC_RES, PX_RC__N };

/* "outbound", "inbound"; "acknowledge", "triage", "first_response",
 * "resolution": the wire names the report uses as members. */
extern const char *const px_rdir_wire[PX_RD__N];
extern const char *const px_rclock_wire[PX_RC__N];

/* Known wire names in the order a table lists them (others follow). */
extern const char *const px_rkinds[];
extern const char *const px_rcategories[];
extern const char *const px_routcomes[];
extern const char *const px_rreasons[];
extern const size_t px_rkinds_n, px_rcategories_n, px_routcomes_n,
    px_rreasons_n;

struct px_rtime {
	int64_t measured, within;
	double share;              /* [0, 1] or PX_RNULL */
	int64_t median_ms, p90_ms; /* or PX_RNULL */
};

/* Every figure of one direction.  The json_t maps have string keys and
 * non-negative integer values (checked). */
struct px_rdirdata {
	int64_t total;
	const json_t *by_kind, *by_category;
	struct px_rtime clk[PX_RC__N];
	const json_t *outcomes, *reasons;
	int64_t open, overdue;
	int64_t esc_total, esc_cases;
	const json_t *esc_levels;
	int64_t hl_raised, hl_acked, hl_answered, hl_pages, hl_capped,
	    hl_median_ms, hl_p90_ms;
	double hl_rate;
	int64_t ck_sent, ck_answered, ck_auto, ck_unanswered, ck_median_ms;
	double ck_rate;
	int64_t q_rated;
	double q_mean;
	const json_t *q_scores;
	/* Counts per distribution bin for each clock, NULL where the report
	 * has no histogram for that clock; each has n_bins entries. */
	int64_t *dist[PX_RC__N];
};

struct px_rcontact {
	const char *party, *contact;
	int64_t sent, answered, median_ms; /* median or PX_RNULL */
	int64_t last_verified_ms;          /* or PX_RNULL: never */
	bool stale;
};

struct px_rmonth {
	const char *month; /* "YYYY-MM" */
	int64_t measured[PX_RD__N], within[PX_RD__N];
};

struct px_rpoint {
	const char *date; /* "YYYY-MM-DD" */
	int64_t open[PX_RD__N];
};

struct px_rentry {
	int64_t log;
	const char *leaf, *type;
};

struct px_rcase {
	const char *id, *ref, *kind, *category, *priority, *state, *outcome;
	const char *reason; /* or NULL */
	enum px_rdir dir;
	int64_t opened_ms;
	int64_t score; /* 1..5 or PX_RNULL */
	int64_t escalations;
	const char
	    *clock_state[PX_RC__N]; /* NULL: the case has no such clock */
	int64_t clock_ms[PX_RC__N]; /* elapsed, or PX_RNULL */
	struct px_rentry *entries;
	size_t n_entries;
};

struct px_report {
	const char *node, *peer, *timezone;
	int64_t from_ms, to_ms, generated_ms, as_of_ms;
	const char *cp_origin, *cp_root, *cp_note;
	int64_t cp_size;
	struct px_rdirdata dir[PX_RD__N];
	int64_t *bins; /* lower bounds of the distribution bins, ascending */
	size_t n_bins;
	struct px_rmonth *months;
	size_t n_months;
	struct px_rpoint *backlog;
	size_t n_backlog;
	struct px_rcontact *contacts;
	size_t n_contacts;
	struct px_rcase *cases;
	size_t n_cases;
};

/*
 * Reads and checks `j`.  A member the renderers need that is missing or of
 * the wrong type is PX_EINVAL, with a message naming it by its path
 * ("timeliness.inbound.triage.p90_ms", "cases[3].ref").  On success the
 * caller disposes of *out with px_report_dispose(); on failure nothing is
 * left to dispose of.
 */
PX_MUST_CHECK int px_report_load(struct px_report *out, const json_t *j);
void px_report_dispose(struct px_report *r);

/*
 * The keys of two maps as one list: `known` names first (those present in
 * either map, or all of them when `all` is set), then the others in the
 * order met.  Returns a heap array (caller frees; the strings are borrowed
 * from the maps and `known`) and its length in *n.
 */
const char **px_rkeys(const json_t *a, const json_t *b,
    const char *const *known, size_t n_known, bool all, size_t *n);
/* The count under `key` in a checked map, 0 when absent. */
int64_t px_rcount(const json_t *map, const char *key);

/* Shared formatting.  Each writes a NUL-terminated string into out[n];
 * PX_RFIG bytes always suffice. */
#define PX_RFIG 64
/* A share as a percentage with one decimal, "90.9"; "" for null. */
void px_rfmt_pct(char *out, size_t n, double share);
/* A mean rating with two decimals, "4.17"; "" for null. */
void px_rfmt_mean(char *out, size_t n, double mean);
/* Milliseconds as minutes with one decimal, "9.0"; "" for null. */
void px_rfmt_minutes(char *out, size_t n, int64_t ms);
/* An instant as "2026-07-02 08:00" (UTC), with ":ss" when `secs`. */
void px_rfmt_time(char *out, size_t n, int64_t ms, bool secs);

/* Appends `s` escaped for HTML text and attribute values (& < > " ');
 * C0 controls other than tab and newline become U+FFFD.  Unbounded
 * buffers only. */
void px_html_escape(struct px_buf *out, const char *s);

#endif
