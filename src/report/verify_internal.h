/*
 * Shared by the report verifier's files only (verify.c: checkpoint,
 * rows, entries and figures; verify_basis.c: the signature, the embedded
 * cards and agreements, and the clocks recomputed from the messages).
 */
#ifndef PX_REPORT_VERIFY_INTERNAL_H
#define PX_REPORT_VERIFY_INTERNAL_H

#include "model/agreement.h"
#include "model/calendar.h"
#include "report/stats.h"
#include "report/verify.h"

void px_rv_checked(struct px_report_verdict *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void px_rv_mismatch(struct px_report_verdict *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* An embedded agreement version that verified. */
struct px_rv_agreement {
	int64_t version;
	struct px_agreement terms;
};

/* What the clocks are recomputed with: the calendars of the report's
 * two parties (from the embedded cards that verified) and the embedded
 * agreements that verified. */
struct px_rv_basis {
	const char *party[2]; /* the report's node, its peer (borrowed) */
	struct px_calendar cal[2];
	bool have_cal[2];
	struct px_rv_agreement *ag;
	size_t nag;
};

void px_rv_basis_init(struct px_rv_basis *b);
void px_rv_basis_dispose(struct px_rv_basis *b);

/* Checks the report's signature, its cards and its agreements, and fills
 * `b` with what verified.  Failures are mismatches; a negative return
 * only when the store fails. */
PX_MUST_CHECK int px_rv_check_basis(struct px_report_verdict *res,
    struct px_node *n, const json_t *doc, const struct px_report_params *p,
    struct px_rv_basis *b);

/* Replays each row's case from the messages its entries name (this
 * node's store), under the agreement version the row counts under and
 * the responder's calendar, and compares every clock with the row's. */
PX_MUST_CHECK int px_rv_check_clocks(struct px_report_verdict *res,
    struct px_node *n, const json_t *rows, const struct px_report_params *p,
    const struct px_rv_basis *b);

#endif
