/*
 * The demo's mail relay: a small SMTP receiver (RFC 5321's minimum: HELO
 * or EHLO, MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT) on 127.0.0.1 that
 * files each message it accepts as DIR/NNNN.eml, so that the pages and
 * alerts the demo's nodes send are delivered for real and can be read.
 * It is for the demo only: no relaying, no AUTH, no TLS, at most eight
 * clients at once, every line and message bounded.
 */
#ifndef PX_DEMO_SMTP_H
#define PX_DEMO_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

#define PX_SMTP_LINE_MAX 1000 /* RFC 5321 4.5.3.1.6, CRLF included */
#define PX_SMTP_RCPT_MAX 16   /* recipients per message */
#define PX_SMTP_ADDR_MAX 256  /* one path, brackets excluded */
#define PX_SMTP_DATA_MAX (1 << 20)

/* One client's conversation: what the session has been told so far. */
struct px_smtp_session {
	enum {
		PX_SMTP_START,
		PX_SMTP_GREETED,
		PX_SMTP_MAIL,
		PX_SMTP_RCPT,
		PX_SMTP_DATA
	} state;
	char from[PX_SMTP_ADDR_MAX + 1];
	char rcpt[PX_SMTP_RCPT_MAX][PX_SMTP_ADDR_MAX + 1];
	int nrcpt;
	bool too_big; /* the DATA went past PX_SMTP_DATA_MAX */
	bool done;    /* QUIT said: close after the reply */
	bool message; /* a whole message is in `data`, to be filed */
	struct px_buf data;
};

/* Starts a session in `s` (the caller's); px_smtp_session_dispose frees
 * what it holds. */
void px_smtp_session_init(struct px_smtp_session *s);
/* Frees the message buffer of `s` (not s itself); safe after init. */
void px_smtp_session_dispose(struct px_smtp_session *s);

/*
 * Takes one line the client sent (`len` bytes, its CRLF or LF removed;
 * not NUL-terminated, may hold any byte) and appends the reply, if one is
 * due, to `reply` (CRLF-terminated).  After the DATA's final "." it sets
 * s->message: the caller files s->data and calls px_smtp_session_filed.
 * Never fails: bad input gets an SMTP error reply.
 */
void px_smtp_session_line(struct px_smtp_session *s, const char *line,
    size_t len, struct px_buf *reply);

/* Forgets the message just filed; the envelope is reset (RFC 5321 4.1.4). */
void px_smtp_session_filed(struct px_smtp_session *s);

struct px_demo_smtp;

/*
 * Listens on 127.0.0.1 (a free port, *port gets it) and serves clients
 * in a thread of its own, filing messages in `maildir` (created 0700).
 * *out is the caller's until px_demo_smtp_stop.  0, or negative with the
 * error set.
 */
PX_MUST_CHECK int px_demo_smtp_start(
    struct px_demo_smtp **out, const char *maildir, unsigned *port);

/* Stops the thread (within a fraction of a second), closes the socket and
 * frees r; NULL is fine.  Returns how many messages were filed. */
unsigned px_demo_smtp_stop(struct px_demo_smtp *r);

#endif
