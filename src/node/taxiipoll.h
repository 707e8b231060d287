/*
 * Scheduled TAXII pulls (docs/interop.md, "Scheduled pulls"): the
 * [taxii_pull "NAME"] sections of parley.conf, pulled by `parley serve`
 * every `interval`, each from where the last run left off (its cursor,
 * the server's last date-added, kept in the store with the time of the
 * next run, so a restart resumes), with the outcome of every run kept for
 * `parley taxii status` and /metrics.
 */
#ifndef PX_NODE_TAXIIPOLL_H
#define PX_NODE_TAXIIPOLL_H

#include <jansson.h>

#include "node/node.h"

/* One configured pull (strings borrowed from the node's conf). */
struct px_taxii_poll {
	const char *name, *url, *coll, *peer, *pin, *tlp, *token_file;
	int64_t every_ms;
};

/*
 * The pulls configured in n's parley.conf, checked: url, collection and
 * peer required, the peer enrolled, interval a duration of at least 10 s
 * (default 15m), tlp a marking.  *out (free it) and *count.  PX_EINVAL
 * names the section and what is wrong.
 */
PX_MUST_CHECK int px_taxii_polls(
    struct px_taxii_poll **out, size_t *count, struct px_node *n);

/*
 * Runs every configured pull whose time has come at `now_ms` (the first
 * at once), each in turn: pulls since its cursor, then keeps the new
 * cursor, the next run time and the outcome (taxii.poll.NAME in meta).
 * A failing pull is recorded and retried at its next time; the others
 * still run.  *ran and *failed count the runs.  Returns 0, or an error
 * of the store.
 */
PX_MUST_CHECK int px_taxii_poll_due(
    struct px_node *n, int64_t now_ms, size_t *ran, size_t *failed);

/*
 * Every configured pull with its state: [{"name", "url", "collection",
 * "peer", "interval", "cursor", "next_run", "last_run", "last_ok",
 * "last_error", "last_error_at", "runs", "failures",
 * "consecutive_failures", "cases"}] (times RFC 3339 or null).  *out is a
 * new reference.
 */
PX_MUST_CHECK int px_taxii_poll_status(json_t **out, struct px_node *n);

#endif
