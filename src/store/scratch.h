/*
 * A scratch table for work too large for memory: a private SQLite
 * database in the temporary directory (deleted when closed), no journal,
 * no sync, a fixed page cache.  The audit verifier puts one row per
 * message and receipt of a bundle here, then reads them back sorted by
 * sequence (the hash chains) and by case (the timelines), so that its
 * memory does not grow with the bundle (docs/audit.md section 7).
 */
#ifndef PX_STORE_SCRATCH_H
#define PX_STORE_SCRATCH_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct px_scratch;

/* A message as the verifier saw it: where its bytes are (in `raw`, or
 * at `off`/`len` of the input), and what sorting needs. */
struct px_scratch_msg {
	const char *case_id, *sender, *receiver, *hash, *prev;
	int64_t time_ms, seq;
	int log;       /* which log of the bundle holds it (0 or 1) */
	int64_t index; /* its index there */
	int64_t off;   /* where its bytes are in the input, or -1 */
	int64_t len;
	const char *raw; /* its bytes when off < 0 (not NUL-terminated) */
};

/* Opens an empty scratch table in the temporary directory. */
PX_MUST_CHECK int px_scratch_open(struct px_scratch **out);
/* Closes and deletes it; NULL is fine. */
void px_scratch_close(struct px_scratch *s);

PX_MUST_CHECK int px_scratch_msg_put(
    struct px_scratch *s, const struct px_scratch_msg *m);
/* A receipt for message `msg_hash`, received at `received_ms`; when a
 * message has several, the first put counts. */
PX_MUST_CHECK int px_scratch_receipt_put(
    struct px_scratch *s, const char *msg_hash, int64_t received_ms);

/* cb(m, received_ms or -1) for every message, in the order asked.  The
 * row is borrowed for the call.  A non-zero cb result stops and is
 * returned. */
typedef int (*px_scratch_cb)(
    const struct px_scratch_msg *m, int64_t received_ms, void *arg);
/* By (sender, receiver, seq, hash): each direction's sequence. */
PX_MUST_CHECK int px_scratch_by_seq(
    struct px_scratch *s, px_scratch_cb cb, void *arg);
/* Case by case, cases in the order of their first message by (time,
 * sender, seq); within a case by (time, sender, seq). */
PX_MUST_CHECK int px_scratch_by_case(
    struct px_scratch *s, px_scratch_cb cb, void *arg);

#endif
