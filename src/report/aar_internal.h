/* Shared by the after-action report's files only (aar.c computes,
 * aar_render.c draws, aar_verify.c checks). */
#ifndef PX_REPORT_AAR_INTERNAL_H
#define PX_REPORT_AAR_INTERNAL_H

#include <jansson.h>

#include "node/exercise.h"

/* The first line of the signed bytes of an after-action report. */
#define PX_AAR_TAG "parley-aar-v1\n"

/* Everything of the report that is a function of the record at `as_of`:
 * all but aar.generated, the checkpoint, the cards and the signature.
 * *out is a new reference. */
PX_MUST_CHECK int px_aar_body(
    json_t **out, struct px_node *n, struct px_xctx *x, int64_t as_of);
/* {SENDER: index, RECEIVER: index} of a message in each party's log, as
 * far as node n knows them (null where it does not). */
json_t *px_aar_log_pair(struct px_node *n, const struct px_msg *m);

#endif
