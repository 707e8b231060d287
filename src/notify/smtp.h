/*
 * One e-mail through an SMTP relay, with libcurl's smtp:// support.
 *
 * The relay is the operator's own (the `[smtp]` section of parley.conf):
 * parley hands it one message for one recipient and the relay does the
 * rest (MX look-ups, queueing, DKIM).  The message is built here as RFC
 * 5322 text: plain UTF-8, a Subject in RFC 2047 encoded words when it is
 * not plain ASCII, CRLF line endings.  See docs/notify.md.
 *
 * Everything that goes into a header is checked first: a CR or LF in an
 * address, the subject or an extra header value would let text from a
 * config file or a case start a header of its own (header injection), so
 * it is refused with PX_EINVAL, as are control characters and malformed
 * addresses.
 */
#ifndef PX_SMTP_H
#define PX_SMTP_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "util/buf.h"
#include "util/err.h"

enum px_smtp_tls {
	PX_SMTP_TLS_NONE,     /* plain SMTP (a relay on this host or LAN) */
	PX_SMTP_TLS_REQUIRED, /* STARTTLS, certificate checked against the
	                         system CA store; no TLS, no mail */
};

/* Where and how to hand mail over.  Strings are borrowed for the call. */
struct px_smtp_conf {
	const char *host; /* relay host name or address */
	unsigned port;    /* 0 means 25 */
	const char *user; /* NULL or "": no AUTH */
	const char *password;
	enum px_smtp_tls starttls;
	long timeout_ms;  /* the whole exchange; <= 0 means 30 s */
	const char *helo; /* name given in EHLO; NULL: the sender's domain */
};

/* An extra header such as {"X-Parley-Case", ID}. */
struct px_mail_header {
	const char *name;
	const char *value;
};

/* One message to one recipient.  Strings are borrowed for the call. */
struct px_mail {
	const char *from;    /* addr-spec, used for the envelope and From */
	const char *to;      /* addr-spec, used for the envelope and To */
	const char *subject; /* UTF-8 */
	const char *body;    /* UTF-8 text; any line endings */
	int64_t date_ms;     /* the Date header */
	/* The Message-ID without brackets ("uuid@node"); NULL makes a new
	 * "<UUIDv7@msgid_domain>" (msgid_domain NULL: the sender's domain). */
	const char *message_id;
	const char *msgid_domain;
	const struct px_mail_header *extra;
	size_t nextra;
};

/* The longest e-mail address accepted (RFC 5321 path limit less "<>"). */
#define PX_MAIL_ADDR_MAX 254

/*
 * Checks that `addr` is a plain ASCII addr-spec ("local@domain") that can
 * go into a header and an SMTP command unchanged.  Returns 0, or
 * PX_EINVAL with a message that starts with `what` ("contact duty's
 * e-mail") and says what is wrong.
 */
PX_MUST_CHECK int px_mail_address_check(const char *addr, const char *what);

/*
 * Writes the RFC 5322 form of `m` (headers, blank line, body; every line
 * ending in CRLF) to `out`, appending.  The body goes as 8bit when every
 * line fits in 998 octets, else as quoted-printable.  Returns 0, or
 * PX_EINVAL (with `out` unspecified) for a malformed address, header or
 * non-UTF-8 text.
 */
PX_MUST_CHECK int px_mail_format(struct px_buf *out, const struct px_mail *m);

/* Writes "Fri, 20 Nov 2026 09:30:00 +0000" (RFC 5322 date-time, UTC)
 * for `ms` into out[32]. */
void px_mail_date(char out[32], int64_t ms);

/*
 * Formats `m` and hands it to the relay `c` for `m->to`.  Returns 0 once
 * the relay accepted the message (its 250 after DATA).  Errors:
 *   PX_EINVAL  the message itself can never be sent (a malformed address,
 *              a header with a line break, text that is not UTF-8);
 *              checked before connecting;
 *   PX_ERR     the configuration is incomplete or wrong (no host, a bad
 *              port), or the relay could not be reached or refused: the
 *              message names the relay, libcurl's reason and the relay's
 *              refusal as it said it (else the last SMTP reply code).
 *              Worth trying again later.
 */
PX_MUST_CHECK int px_smtp_send(
    const struct px_smtp_conf *c, const struct px_mail *m);

/*
 * A libcurl handle for one notification transfer (e-mail or webhook), set
 * up as both need it: libcurl initialised once per process, no signals,
 * only `protocols` ("smtp", "http,https"), libcurl's reason written to
 * `errbuf` (CURL_ERROR_SIZE bytes, borrowed for the handle's life), and
 * `timeout_ms` for the whole exchange, at most 10 s of it to connect.
 * The caller frees *out with curl_easy_cleanup.  Returns 0 or PX_ERR.
 */
PX_MUST_CHECK int px_notify_curl_new(
    CURL **out, const char *protocols, long timeout_ms, char *errbuf);

#endif
