/*
 * Moving an evidence item's chunks between two nodes (docs/evidence.md,
 * "Transfer"), after the handshake in the record: the holder's "offered"
 * event, the receiver's "accepted" one.
 *
 * The sender pushes over the peer protocol, one chunk per request, and
 * the receiver checks each as it comes:
 *
 *   GET  /peer/v1/evidence/ITEM               where the transfer stands
 *   PUT  /peer/v1/evidence/ITEM/list          the chunk digests, whose
 *                                             Merkle tree hash must be
 *                                             the manifest's root
 *   PUT  /peer/v1/evidence/ITEM/chunks/N      one chunk frame (model/
 *                                             evidence.h), its digest
 *                                             checked against the list
 *
 * Chunks wait in a staging area (store/chunks.h) that is never shown as
 * evidence.  When the last one is in, the receiver hashes the whole and
 * compares the manifest's SHA-256, moves the chunks into its store, and
 * signs its receipt: "received" with status accepted (or quarantined, by
 * policy), or rejected with the reason.  A chunk whose bytes do not hash
 * to its digest is refused by name (its index and both digests) and the
 * round ends rejected.  Either side may stop at any time: the staged
 * chunks survive a restart, and the sender resumes from the first chunk
 * the receiver lacks.  The sender signs "transferred" once the receiver
 * says the root and hash verified.
 *
 * Offline, the same chunks travel as a bundle directory:
 *
 *   DIR/item.json          {"case", "from", "to", "item", "manifest"}
 *   DIR/chunks.list        the digests, 32 bytes each
 *   DIR/chunks/NNNNNNNN    one frame per chunk
 *
 * and the receiver's import makes the same checks.
 */
#ifndef PX_TRANSFER_H
#define PX_TRANSFER_H

#include <jansson.h>
#include <stdbool.h>

#include "node/node.h"

struct px_client;

/* --- the receiver ---------------------------------------------------- */

/* Where the transfer of `item` from `peer` stands: {"item", "case",
 * "state" (this node's view: receiving, received, quarantined,
 * rejected, ...), "chunks", "have", "next", "list" (the digests are
 * in), "sha256" (once received)}.  PX_ENOTFOUND if this node accepted no
 * offer of it from `peer`. */
PX_MUST_CHECK int px_xfer_status(
    json_t **out, struct px_node *n, const char *peer, const char *item);
/* Takes the chunk list (PX_EINVAL if its count or tree hash is not the
 * manifest's). */
PX_MUST_CHECK int px_xfer_put_list(struct px_node *n, const char *peer,
    const char *item, const void *body, size_t len);
/* Takes chunk `index` (a frame); on the last one, finishes: the receipt
 * is signed.  *out gets the status after it.  PX_EINVAL names a chunk
 * that does not match (the round is then rejected, and the receipt says
 * so); PX_ECONFLICT if the transfer is not open. */
PX_MUST_CHECK int px_xfer_put_chunk(json_t **out, struct px_node *n,
    const char *peer, const char *item, int64_t index, const void *body,
    size_t len);

/* --- the sender ------------------------------------------------------ */

/* Called after each chunk the receiver took. */
typedef void (*px_xfer_progress_fn)(
    void *arg, int64_t have, int64_t total, int64_t bytes);

/* Pushes item `item` of case `case_id` to `peer` over `c` (a pinned
 * connection), from the first chunk the receiver lacks to the last, then
 * signs "transferred".  Returns 1 when done (the receiver signed its
 * receipt), 0 when the peer asked to wait (busy), negative on error.
 * `stop` (may be NULL) is polled between chunks. */
PX_MUST_CHECK int px_xfer_push(struct px_node *n, struct px_client *c,
    const char *peer, const char *case_id, const char *item,
    px_xfer_progress_fn progress, void *arg, const volatile int *stop);

/* Background transfers of a serving node: one thread that answers the
 * offers waiting for a decision by the node's policy and pushes every
 * accepted item to its peer. */
struct px_xfer;
PX_MUST_CHECK int px_xfer_start(struct px_xfer **out, const char *dir);
/* Wakes it now (an evidence message came or went). */
void px_xfer_kick(struct px_xfer *x);
void px_xfer_stop(struct px_xfer *x);

/* --- offline --------------------------------------------------------- */

/* Writes item `ref` of case `case_ref` (offered to and accepted by the
 * peer) as a bundle directory `dir`, then signs "transferred". */
PX_MUST_CHECK int px_xfer_export_dir(
    struct px_node *n, const char *case_ref, const char *ref, const char *dir);
/* Imports a bundle directory: the same checks as online, then the
 * receipt.  *out gets the status. */
PX_MUST_CHECK int px_xfer_import_dir(
    json_t **out, struct px_node *n, const char *dir);

#endif
