/*
 * Audit bundles: everything a neutral verifier needs to check, with no
 * access to either node, what two parties sent each other and when.
 *
 *   {"audit": {"v": 1, "by": EXPORTER, "peer": PEER, "created": TIME,
 *              "from": TIME|null, "to": TIME|null,
 *              "cards": [CARD, CARD],
 *              "agreement": {...},          the exporter's (unsigned claim)
 *              "logs": [LOG, LOG]},
 *    "sig": B64}                           by the exporter's signing key
 *   LOG = {"origin": NAME,
 *          "checkpoints": [NOTE...],       signed by origin, cosigned by
 *                                          the other party where it did
 *          "consistency": [{"size1", "size2", "path": [B64...]}],
 *          "entries": [{"index", "size", "path": [B64...], "entry": ENV}]}
 * The file is the canonical JSON and a newline.  docs/audit.md.
 */
#ifndef PX_AUDIT_H
#define PX_AUDIT_H

#include <jansson.h>

#include "node/node.h"

#define PX_AUDIT_MAX_BYTES (1024u * 1024 * 1024)

/* Writes the audit bundle of the exchange with `peer` whose entries fall
 * in [from_ms, to_ms] to `out`. */
PX_MUST_CHECK int px_audit_export(struct px_node *n, const char *peer,
    int64_t from_ms, int64_t to_ms, struct px_buf *out, size_t *entries);

/* What verification found, for the faces to print. */
struct px_audit_result {
	json_t *cases;  /* array of verified case timelines */
	json_t *notes;  /* array of strings: cosignatures, warnings */
	size_t entries; /* entries verified */
	size_t checkpoints;
};

/* Verifies an audit bundle with no node directory.  0 if every signature,
 * proof and chain holds; otherwise PX_EINVAL naming exactly which entry,
 * checkpoint or proof fails and why.  *res is filled as far as it got;
 * dispose it. */
PX_MUST_CHECK int px_audit_verify(struct px_audit_result *res, const char *text,
    size_t len, const char *what);
void px_audit_result_dispose(struct px_audit_result *r);

#endif
