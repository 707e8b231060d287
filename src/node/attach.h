/*
 * Content-addressed attachments (docs/feeds.md, "Attachments").
 *
 * An attachment is a byte string named by its SHA-256, stored once under
 * DIR/attachments/<first two hex digits>/<sha256> (mode 0600), and
 * referenced from a signed message by hash, media type, size and name:
 * the message's signature covers the reference, the reference covers the
 * bytes, so a peer that receives both can check every byte.  Attachments
 * travel in the bundle beside the messages that reference them
 * (model/bundle.h, "attachments").
 *
 * Feed batches use one media type, application/x-ndjson: one canonical
 * JSON object per line (LF-terminated), each
 *   {"event": EVENT, "id": HEX, "route": ROUTE, "routed": TIME,
 *    "seen": {"count": N, "first": TIME, "last": TIME}}
 * where "id" is SHA-256("parley-event-v1\n" || JCS(EVENT)).  A CSV
 * rendering of the same lines (px_attach_csv) is made on demand; it is
 * not part of what was signed.
 *
 * The evidence store planned for issue 13 (content-addressed chunks) can
 * take these over: the naming (SHA-256 of the whole byte string) and the
 * reference in the message stay as they are.
 */
#ifndef PX_NODE_ATTACH_H
#define PX_NODE_ATTACH_H

#include <stdbool.h>

#include "node/node.h"

/* Stores bytes as an attachment (no-op if already held) and records it;
 * sha (65) gets its name. */
PX_MUST_CHECK int px_attach_store(struct px_node *n, const void *data,
    size_t len, const char *media, const char *name, int64_t events,
    const char *origin, char sha[65]);
/* Reads an attachment into `out`; PX_ENOTFOUND if not held.  With
 * `verify`, PX_EINVAL when the bytes no longer hash to their name (the
 * message says so; `out` still holds the bytes). */
PX_MUST_CHECK int px_attach_read(
    struct px_buf *out, struct px_node *n, const char *sha, bool verify);
/* The file an attachment lives in (heap). */
char *px_attach_path(const struct px_node *n, const char *sha);
/* Line `lineno` (from 1) of feed attachment `sha`, followed:
 * {"attachment", "line", "entry": the line parsed, "id_matches": whether
 * its event still hashes to its id, "delegation_line": the text of the
 * delegation line that routed it, or null when that file is not here}.
 * PX_ENOTFOUND if there is no such attachment or line. */
PX_MUST_CHECK int px_attach_line(
    json_t **out, struct px_node *n, const char *sha, int64_t lineno);
/* The same for event `id` at a receiver, found in the index a digest
 * check builds (feed_recv). */
PX_MUST_CHECK int px_attach_event(
    json_t **out, struct px_node *n, const char *id);
/* Renders feed attachment lines as CSV (header and one row per line);
 * PX_EINVAL names a line that is not an event line. */
PX_MUST_CHECK int px_attach_csv(
    struct px_buf *out, const char *jsonl, size_t len);

#endif
