/*
 * Evidence at a node (docs/evidence.md): adding a file as an item of a
 * case, the custody events this node signs about it, what its policy
 * accepts from peers, and the views the faces show.  The bytes live in
 * the chunk store (store/chunks.h); every event is a signed message of
 * the case (model/evidence.h), so it enters both logs like any other.
 * Moving the chunks between nodes is node/transfer.h.
 */
#ifndef PX_NODE_EVIDENCE_H
#define PX_NODE_EVIDENCE_H

#include <jansson.h>

#include "model/evidence.h"
#include "node/node.h"
#include "store/chunks.h"

/* What an operator gives to add a file (strings borrowed; NULL: not
 * given). */
struct px_ev_add {
	const char *case_ref, *path;
	const char *exhibit, *root_exhibit, *description;
	const char *name;       /* NULL: FILE's own; "": none recorded */
	const char *media_type; /* default application/octet-stream */
	const char *tlp;        /* default: the case's */
	const char *const *derived_from; /* item refs in the case */
	size_t nderived;
	const char *method, *tool, *tool_version, *tool_args;
	const char *operator_, *place;
	const char *acquired; /* RFC 3339 time; default now */
	const char *legal_type, *legal_ref;
	const char *by, *why; /* who adds it, and why (custody) */
};

/* Stores the file in the chunk store and signs the "acquired" event
 * with its manifest in the case (queued for the peer).  *out (may be
 * NULL) gets the message. */
PX_MUST_CHECK int px_ev_add_file(
    struct px_node *n, const struct px_ev_add *a, struct px_msg **out);

/* Who acts and why, for a custody event. */
struct px_ev_act {
	const char *by, *why;
	const char *to;     /* released: the third party */
	const char *reason; /* declined, received: why */
	const char *status; /* received (by hand: "incomplete") */
};

/* Builds the body of `ev` about item `ref` of case `c` as this node
 * would sign it: hashes computed from the held copy where the event
 * needs them (so an altered copy shows in the record), the policy for a
 * decision.  *body is new; the caller sends it (px_node_send or the
 * API's writer).  The case rules are checked by the send. */
PX_MUST_CHECK int px_ev_event_body(json_t **body, struct px_node *n,
    const struct px_case *c, const char *ref, enum px_ev_event ev,
    const struct px_ev_act *act);
/* px_ev_event_body and px_node_send. */
PX_MUST_CHECK int px_ev_event(struct px_node *n, const char *case_ref,
    const char *ref, enum px_ev_event ev, const struct px_ev_act *act,
    struct px_msg **out);

/* The node's policy for items offered to it (parley.conf [evidence]). */
struct px_ev_policy {
	int64_t max_item; /* bytes; default 4 GiB */
	int64_t min_free; /* keep this much disk free; default 1 GiB */
	char *types;      /* accepted media types, comma-separated; "*" */
	char *quarantine; /* media types held apart once verified */
	bool auto_accept; /* accept what the policy allows, unasked */
};
PX_MUST_CHECK int px_ev_policy_load(
    struct px_ev_policy *p, const struct px_node *n);
void px_ev_policy_dispose(struct px_ev_policy *p);
/* Free bytes in the store's file system. */
int64_t px_ev_free_space(struct px_node *n);
/* Why the policy declines `m` given `avail` free bytes, in buf; NULL if it
 * accepts. */
const char *px_ev_policy_refusal(const struct px_ev_policy *p,
    const struct px_manifest *m, int64_t avail, char *buf, size_t n);
/* 1 if items of `media_type` are quarantined. */
int px_ev_policy_quarantines(
    const struct px_ev_policy *p, const char *media_type);
/* {"max_size", "media_types", "free"}: what a decision states. */
json_t *px_ev_policy_json(const struct px_ev_policy *p, int64_t avail);

/* Answers every offer made to this node that waits for a decision:
 * declines what the policy refuses, and accepts the rest when
 * `auto_accept` (or `force`).  *decided gets how many were answered. */
PX_MUST_CHECK int px_ev_decide_pending(
    struct px_node *n, bool force, size_t *decided);

/* Rewrites the evidence index rows of case `c` (called with every
 * message stored). */
PX_MUST_CHECK int px_ev_index_case(
    struct px_node *n, const struct px_case *c, int64_t now);
/* An evidence index row as the faces show it: {"case", "item",
 * "exhibit", "peer", "root", "media_type", "size", "state"} (new). */
json_t *px_ev_row_json(const struct px_evidence_row *r);
/* This node's view of an item: held, offering, sending, ... (store.h). */
const char *px_ev_state(const struct px_node *n, const struct px_case *c,
    const struct px_ev_item *it);
/* 1 if this node holds the item's bytes in its chunk store. */
int px_ev_held_locally(struct px_node *n, const struct px_ev_item *it);

/* The items of a case for the faces: manifest, hashes, this node's
 * state, transfer progress.  A new array. */
json_t *px_ev_view(struct px_node *n, const struct px_case *c);
/* One item with its custody chain: each event with its signer, time,
 * hashes before and after, the signer's log index and who witnessed it.
 * *out is new. */
PX_MUST_CHECK int px_ev_custody(json_t **out, struct px_node *n,
    const struct px_case *c, const struct px_ev_item *it);
/* Re-reads the held copy: every chunk against its digest, the root
 * against the list, the SHA-256 against the manifest.  *out gets
 * {"ok", "chunks", "sha256", "problem"}; PX_EINVAL when it fails. */
PX_MUST_CHECK int px_ev_verify(
    json_t **out, struct px_node *n, const struct px_ev_item *it);
/* Writes the held copy to `path` (mode 0600), checking it as it goes,
 * and signs the "exported" event (by, why).  PX_EINVAL if the copy no
 * longer verifies (nothing is written). */
PX_MUST_CHECK int px_ev_get(struct px_node *n, const char *case_ref,
    const char *ref, const char *path, const struct px_ev_act *act,
    struct px_msg **out);

/* Loads case `case_ref` into *c (initialised here; dispose it) and
 * finds item `ref` in it (*it borrows from *c); PX_ENOTFOUND when the
 * case has no such item. */
PX_MUST_CHECK int px_ev_load(struct px_case *c, const struct px_ev_item **it,
    struct px_node *n, const char *case_ref, const char *ref);

/* The item `ref` names anywhere in this node's record (its hash, a
 * prefix, or an exhibit number), with the case it was found in; for an
 * offer into another case (a verifier's).  *case_id is heap. */
PX_MUST_CHECK int px_ev_lookup(
    char **case_id, struct px_node *n, const char *ref);

#endif
