/*
 * Views of hotlines and communication checks (docs/deadlines.md), shared
 * by the CLI and the analyst API.  Each returns a JSON array (new
 * reference) of one object per case.
 */
#ifndef PX_HOTLINE_H
#define PX_HOTLINE_H

#include <jansson.h>
#include <stdbool.h>

#include "node/node.h"
#include "store/store.h"

/* Hotline cases (one if `ref`), or only those not yet ended: each with
 * the roster walk (pages: who, channels, when, answered, latency), the
 * ladder steps both sides took and the acknowledge clock. */
PX_MUST_CHECK int px_hotline_status(json_t **out, struct px_node *n,
    const char *ref, bool open_only, int64_t now);
/* Check cases (one if `ref`; with `peer` only those), with status
 * answered, auto-only, overdue or waiting. */
PX_MUST_CHECK int px_check_list(json_t **out, struct px_node *n,
    const char *ref, const char *peer, bool open_only, int64_t now);

/* After a notification's delivery attempt (px_notify_stats.on_result):
 * when it carried a hotline page this node sent, signs a delivery report
 * for that page and channel into the case ("delivered"; "retrying", with
 * the error, on the first failure; "failed" once given up), unless the
 * case holds that report already, so that both parties see from the
 * record whether the person was reached.  Returns 0, also when there is
 * nothing to report. */
PX_MUST_CHECK int px_hotline_note_delivery(
    struct px_node *n, const struct px_notify_row *r);

#endif
