/*
 * The upload budget: how many bytes of request bodies the server holds in
 * memory at once, in all and per client (a pinned peer's certificate, or
 * else the client's address).  A request whose body does not fit is
 * answered 503 with Retry-After before its body is read, so a peer that
 * sends many large bodies at once waits its turn instead of making the
 * node hold them all (docs/transport.md section 2).
 *
 * Threads: any thread; one mutex.  O(clients uploading) per call.
 */
#ifndef PX_UPLOADS_H
#define PX_UPLOADS_H

#include <stddef.h>

#include "util/err.h"

struct px_uploads;

/* A budget of `total` bytes, at most `per_key` of them for one key. */
struct px_uploads *px_uploads_new(size_t total, size_t per_key);
/* NULL is a no-op; every reservation must have been given back. */
void px_uploads_free(struct px_uploads *u);

/* Reserves n bytes for `key`: 0, or PX_ETOOBIG (nothing reserved, no
 * message set: the caller answers "busy") if the total or the key's share
 * would pass its limit. */
int px_uploads_take(struct px_uploads *u, const char *key, size_t n);
/* Gives back n bytes reserved for `key`. */
void px_uploads_give(struct px_uploads *u, const char *key, size_t n);

/* Bytes reserved now, and reservations refused since start. */
void px_uploads_stats(
    struct px_uploads *u, size_t *in_use, unsigned long *refused);

#endif
