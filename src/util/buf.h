/*
 * px_buf: the one growable byte buffer.  Invariants (after git's strbuf):
 *   - `data` is always NUL-terminated, so a text buffer is a C string;
 *   - `len` bytes are in use, `len < alloc` once anything was allocated;
 *   - `cap` is the most it may hold; appends beyond it fail with
 *     PX_ETOOBIG and leave the buffer as it was (after curl's dynbuf).
 * Every buffer fed from the network or a file has a cap.  Embed it and use
 * px_buf_init / px_buf_dispose.
 */
#ifndef PX_BUF_H
#define PX_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "util/err.h"

struct px_buf {
	char *data;
	size_t len;
	size_t alloc;
	size_t cap;
};

#define PX_BUF_NOCAP ((size_t)-1)

/* Starts an empty buffer that will hold at most `cap` bytes. */
void px_buf_init(struct px_buf *b, size_t cap);
/* Frees the storage; the buffer may be initialised again. */
void px_buf_dispose(struct px_buf *b);
void px_buf_reset(struct px_buf *b);
/* Makes room for n more bytes in one allocation of exactly that size
 * (when the size is known ahead, e.g. a request body's Content-Length),
 * instead of the doubling series px_buf_add would go through.  Does
 * nothing past the cap or if the room is there. */
void px_buf_reserve(struct px_buf *b, size_t n);
PX_MUST_CHECK int px_buf_add(struct px_buf *b, const void *p, size_t n);
PX_MUST_CHECK int px_buf_adds(struct px_buf *b, const char *s);
PX_MUST_CHECK int px_buf_addc(struct px_buf *b, char c);
PX_MUST_CHECK int px_buf_printf(struct px_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
PX_MUST_CHECK int px_buf_vprintf(struct px_buf *b, const char *fmt, va_list ap);
/* Hands the storage to the caller (who frees it) and empties the buffer.
 * Never NULL. */
char *px_buf_detach(struct px_buf *b, size_t *len_out);

/*
 * Unbounded buffers built by our own code (never from outside input) may
 * use these: they abort on the cap, which is a bug, not bad input.
 */
void px_buf_put(struct px_buf *b, const void *p, size_t n);
void px_buf_puts(struct px_buf *b, const char *s);
void px_buf_putf(struct px_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
