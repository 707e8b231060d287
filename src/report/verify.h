/*
 * Verifying a review report (docs/report.md) against a node's record:
 * `parley audit verify REPORT.json`.
 *
 * What holds when it passes:
 *   - the embedded checkpoint is signed by the issuing node's log key
 *     (this node's own, or a pinned peer's card `log_key`), and is one
 *     this node's store holds or is consistent with;
 *   - every case entry's log index is below the checkpoint's size; for
 *     this node's own report, the leaf at that index has that hash, its
 *     inclusion proof verifies against the embedded root, and it is the
 *     message (or our receipt for the message) of that type, time and
 *     case; for a peer's report, each entry this node holds a proof for
 *     sits at the index the report gives;
 *   - each row is consistent in itself, and every aggregate is what the
 *     pure core (report/stats.h) computes from the rows.
 * The report itself is not signed: what a consistent edit of rows and
 * figures cannot escape is the log, so entries are the anchor.
 */
#ifndef PX_REPORT_VERIFY_H
#define PX_REPORT_VERIFY_H

#include <jansson.h>
#include <stdbool.h>

#include "node/node.h"

/* Mismatches listed at most; the count goes on. */
#define PX_REPORT_MAX_MISMATCHES 100

struct px_report_verdict {
	json_t *checked;    /* array of strings: what was checked */
	json_t *mismatches; /* array of strings, each naming what differs */
	size_t nmismatches; /* all of them, listed or not */
	size_t cases, entries;
	bool own; /* the report is this node's */
};

/* True if the parsed JSON value looks like a report (has "report"). */
bool px_report_is_report(const json_t *doc);

/* Verifies `doc` (a parsed report, borrowed) against node `n`.  Returns
 * 0 when every check holds, PX_EINVAL when any does not (all of them are
 * in res->mismatches), or another negative code when the verification
 * itself could not run (the store failed).  Dispose *res either way. */
PX_MUST_CHECK int px_report_verify(
    struct px_report_verdict *res, struct px_node *n, const json_t *doc);
void px_report_verdict_dispose(struct px_report_verdict *res);

#endif
