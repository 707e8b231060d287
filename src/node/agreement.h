/*
 * Agreements on a node (docs/protocol.md, "Agreements"): proposing a new
 * version of the terms to a peer, accepting or declining the peer's, and
 * the record both sides derive.  The CLI (`parley peer agreement`) and
 * the analyst API (/api/v1/peers/{name}/agreement) build the same
 * message bodies here and send them through their own writer.
 */
#ifndef PX_NODE_AGREEMENT_H
#define PX_NODE_AGREEMENT_H

#include <jansson.h>
#include <stdbool.h>

#include "node/node.h"

/* A proposal: the terms in force with `kv` ("P3.acknowledge=2h", ...)
 * applied, as version px_accord_next_version, with an optional note.
 * *body is the propose message's body (send it with no case ref);
 * *changes (may be NULL) the settings that differ from the terms in
 * force (px_agreement_diff).  PX_EINVAL for a bad setting, PX_ECONFLICT
 * when nothing would change. */
PX_MUST_CHECK int px_body_propose(json_t **body, json_t **changes,
    struct px_node *n, const struct px_peer *p, const char *const *kv,
    size_t nkv, const char *note);

enum px_answer { PX_ANSWER_ACCEPT, PX_ANSWER_DECLINE, PX_ANSWER_WITHDRAW };

/* The answer to version `version`: accept or decline the peer's pending
 * proposal to us, or withdraw our own pending one.  *body is the
 * message body, *type its type, case_id (37 bytes) the proposal's case
 * to send it in.  PX_ENOTFOUND when no such pending proposal exists,
 * PX_ECONFLICT when the rules forbid it (px_accord_may_accept). */
PX_MUST_CHECK int px_body_answer(json_t **body, enum px_msg_type *type,
    char *case_id, struct px_node *n, const struct px_peer *p, int64_t version,
    enum px_answer what, const char *reason);

/* The agreement with a peer as `peer agreement --json` and GET
 * /api/v1/peers/{name}/agreement show it (docs/cli.md): the version in
 * force and its terms, our own settings, every proposal, what is
 * pending each way, and each disagreement (cases naming a version other
 * than the one in force when they were opened; crossed proposals).  A
 * new reference, or NULL with the error set when the store fails. */
json_t *px_view_accord(struct px_node *n, const struct px_peer *p);

/* Writes the agreement row of an agreement case (called when any of its
 * messages is stored), inside the caller's transaction. */
PX_MUST_CHECK int px_node_index_agreement(
    struct px_node *n, const struct px_case *c);

/* The JSON of a case's terms for views: {"version", "named",
 * "in_force", "disagreement"}; a new reference. */
json_t *px_view_case_terms(const struct px_peer *p, const struct px_case *c);

#endif
