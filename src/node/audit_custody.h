/*
 * The custody part of `audit verify` (docs/audit.md, "Custody"): each
 * evidence item of a verified case, its chain of custody as the bundle's
 * signed messages state it, checked by the model's rule (every hash
 * before is the one its party attested last, every hash after the
 * manifest's).  Kept apart from audit_verify.c, which calls it once per
 * case.
 */
#ifndef PX_AUDIT_CUSTODY_H
#define PX_AUDIT_CUSTODY_H

#include <jansson.h>

#include "model/case.h"

/* Where a message sits: its signer's log and index. */
typedef int (*px_audit_where_fn)(
    void *arg, const char *msg_hash, const char **origin, int64_t *index);

/* The custody of every item of case `c` (replayed from the bundle): a
 * new array of {"item", "exhibit", "sha256", "root", "chain_ok",
 * "problem", "events": [{"event", "from", "seq", "time", "hash_before",
 * "hash_after", "status", "log", "index"}]}.  0, or PX_EINVAL naming the
 * first item whose chain is broken (the array is still filled). */
PX_MUST_CHECK int px_audit_custody(
    json_t **out, const struct px_case *c, px_audit_where_fn where, void *arg);

/* For a verification case (docs/attribution.md): what a neutral party
 * can check of it offline.  A disclosure: each disclosed message parses
 * and its signature verifies with its signer's card carried in the
 * disclosure; a review: its hash, the same in the copy each party got.
 * *out gets {"disclosure": {"messages", "verified", "items",
 * "withheld"}} or {"review": {"hash", "findings", "assessments",
 * "items"}}, or NULL for another kind of case.  PX_EINVAL names a
 * disclosed message that does not verify. */
PX_MUST_CHECK int px_audit_verification(json_t **out, const struct px_case *c);

#endif
