/*
 * E-mail through an SMTP relay (see smtp.h and docs/notify.md).
 *
 * The message is built by hand rather than with a MIME library because it
 * is always the same simple shape: one text/plain UTF-8 part.  What needs
 * care is what reaches a header line: every value is checked for CR and
 * LF (a "\r\nBcc: ..." in a contact's address would otherwise add a
 * recipient), the subject is sent as RFC 2047 encoded words when it is
 * not plain ASCII, and body lines end in CRLF as RFC 5322 requires.
 *
 * libcurl speaks SMTP: EHLO, STARTTLS when required, AUTH when a user is
 * set, MAIL FROM, RCPT TO, DATA with dot-stuffing.  The relay's reply
 * lines reach us through the header callback, so an error can quote what
 * the relay said, not only libcurl's summary.
 */
#include <pthread.h>

#include <curl/curl.h>

#include "notify/smtp.h"
#include "util/util.h"

#define TIMEOUT_DEFAULT_MS 30000L
#define CONNECT_MAX_MS     10000L
/* RFC 5322 2.1.1: a line is at most 998 octets before its CRLF. */
#define LINE_MAX_OCTETS 998
/* Quoted-printable lines are at most 76 characters, the soft break '='
 * included (RFC 2045 6.7). */
#define QP_COLS 75
/* Bytes of UTF-8 per encoded word: 39 bytes are 52 base64 characters,
 * so "=?UTF-8?B?...?=" is 64 and "Subject: " plus one word stays within
 * the 76 characters RFC 2047 allows for a line with encoded words. */
#define WORD_BYTES 39
/* An ASCII subject longer than this is encoded too, so that it can be
 * folded into lines that fit. */
#define SUBJECT_PLAIN_MAX 900
#define REPLY_MAX         300

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_global_rc;

static void
curl_global(void)
{
	curl_global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int
px_notify_curl_new(
    CURL **out, const char *protocols, long timeout_ms, char *errbuf)
{
	CURL *h;
	CURLcode e;

	*out = NULL;
	pthread_once(&curl_once, curl_global);
	if (curl_global_rc != CURLE_OK)
		return px_error_set(PX_ERR, "cannot initialise libcurl: %s",
		    curl_easy_strerror(curl_global_rc));
	if ((h = curl_easy_init()) == NULL)
		return px_error_set(PX_ERR, "cannot make a libcurl handle");
	errbuf[0] = '\0';
	if ((e = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
	    (e = curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols)) !=
	        CURLE_OK ||
	    (e = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf)) !=
	        CURLE_OK ||
	    (e = curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms)) !=
	        CURLE_OK ||
	    (e = curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	         timeout_ms < CONNECT_MAX_MS ? timeout_ms : CONNECT_MAX_MS)) !=
	        CURLE_OK) {
		curl_easy_cleanup(h);
		return px_error_set(PX_ERR,
		    "libcurl refused to set up a %s "
		    "transfer: %s",
		    protocols, curl_easy_strerror(e));
	}
	*out = h;
	return 0;
}

int
px_mail_address_check(const char *addr, const char *what)
{
	const char *at, *dom;

	if (addr == NULL || *addr == '\0')
		return px_error_set(PX_EINVAL, "%s is empty", what);
	if (strpbrk(addr, "\r\n"))
		return px_error_set(PX_EINVAL,
		    "%s contains a line break (CR or LF); refused, as it "
		    "could add mail headers of its own",
		    what);
	if (strlen(addr) > PX_MAIL_ADDR_MAX)
		return px_error_set(PX_EINVAL,
		    "%s is longer than %d characters", what, PX_MAIL_ADDR_MAX);
	for (const char *p = addr; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c >= 0x7f)
			return px_error_set(PX_EINVAL,
			    "%s contains a space, a control character or a "
			    "non-ASCII byte (write an international domain in "
			    "its xn-- form)",
			    what);
		if (strchr("<>()[],;:\"\\", c))
			return px_error_set(PX_EINVAL,
			    "%s '%s' contains '%c'; expected a plain address "
			    "like duty@cert.example",
			    what, addr, c);
	}
	at = strchr(addr, '@');
	dom = at ? at + 1 : NULL;
	if (at == NULL || at == addr || *dom == '\0' || strchr(dom, '@') ||
	    *dom == '.' || dom[strlen(dom) - 1] == '.' || strstr(dom, ".."))
		return px_error_set(PX_EINVAL,
		    "%s '%s' is not an address of the form local@domain", what,
		    addr);
	return 0;
}

/* A header value: no line breaks, no control characters but tab, and
 * (ascii_only) nothing beyond ASCII. */
static int
check_header_text(const char *name, const char *v, bool ascii_only)
{
	if (v == NULL)
		return px_error_set(
		    PX_EINVAL, "mail header %s has no value", name);
	if (strpbrk(v, "\r\n"))
		return px_error_set(PX_EINVAL,
		    "mail header %s contains a line break (CR or LF); refused, "
		    "as it could add headers of its own",
		    name);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return px_error_set(PX_EINVAL,
			    "mail header %s contains the control character "
			    "0x%02x",
			    name, *p);
		if (ascii_only && *p >= 0x80)
			return px_error_set(
			    PX_EINVAL, "mail header %s must be ASCII", name);
	}
	return 0;
}

/* Headers this module writes itself, which an extra header may not
 * repeat or override. */
static int
reserved_header(const char *name)
{
	static const char *const own[] = { "date", "from", "to", "cc", "bcc",
		"subject", "message-id", "mime-version", "content-type",
		"content-transfer-encoding", "sender", "reply-to", NULL };

	for (int i = 0; own[i]; i++)
		if (strcasecmp(name, own[i]) == 0)
			return 1;
	return 0;
}

static int
check_extra(const struct px_mail_header *h)
{
	size_t n = h->name ? strlen(h->name) : 0;
	int rc;

	if (n == 0 || n > 64 ||
	    strspn(h->name,
	        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	        "0123456789-") != n)
		return px_error_set(PX_EINVAL,
		    "mail header name '%.64s' is not letters, digits and "
		    "'-'",
		    h->name ? h->name : "");
	if (reserved_header(h->name))
		return px_error_set(PX_EINVAL,
		    "mail header %s is set by parley and cannot be given as "
		    "an extra header",
		    h->name);
	if ((rc = check_header_text(h->name, h->value, true)) < 0)
		return rc;
	if (n + 2 + strlen(h->value) > LINE_MAX_OCTETS)
		return px_error_set(PX_EINVAL,
		    "mail header %s is longer than %d characters", h->name,
		    LINE_MAX_OCTETS);
	return 0;
}

void
px_mail_date(char out[32], int64_t ms)
{
	static const char *const wday[] = { "Thu", "Fri", "Sat", "Sun", "Mon",
		"Tue", "Wed" }; /* 1970-01-01 was a Thursday */
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int64_t s = ms / 1000 - (ms % 1000 < 0), days, y;
	unsigned m, d, sec;

	days = s / 86400 - (s % 86400 < 0);
	sec = (unsigned)(s - days * 86400);
	px_civil_from_days(days, &y, &m, &d);
	snprintf(out, 32, "%s, %02u %s %04lld %02u:%02u:%02u +0000",
	    wday[((days % 7) + 7) % 7], d, mon[m - 1], (long long)y, sec / 3600,
	    sec / 60 % 60, sec % 60);
}

static bool
subject_needs_words(const char *s)
{
	if (strlen(s) > SUBJECT_PLAIN_MAX || strstr(s, "=?"))
		return true;
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

/* "Subject: ..." as is, or as RFC 2047 B-encoded UTF-8 words that never
 * split a character, one word per folded line. */
static int
put_subject(struct px_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), start = 0, ill;

	if (!subject_needs_words(s)) {
		px_buf_putf(b, "Subject: %s\r\n", s);
		return 0;
	}
	px_buf_puts(b, "Subject:");
	while (start < n) {
		size_t end = start, k;
		char *w;

		while (end < n) {
			if ((k = px_utf8_seq(p + end, n - end, &ill)) == 0)
				return px_error_set(PX_EINVAL,
				    "the mail subject is not valid UTF-8 (at "
				    "byte %zu)",
				    end);
			if (end + k - start > WORD_BYTES)
				break;
			end += k;
		}
		w = px_b64_encode(p + start, end - start);
		px_buf_putf(
		    b, "%s=?UTF-8?B?%s?=", start == 0 ? " " : "\r\n ", w);
		free(w);
		start = end;
	}
	px_buf_puts(b, "\r\n");
	return 0;
}

/* The next line of s[0..n) from *pos, without its ending (CRLF, LF or a
 * lone CR); false at the end. */
static bool
next_line(const char *s, size_t n, size_t *pos, size_t *start, size_t *len)
{
	size_t i = *pos;

	if (i >= n)
		return false;
	*start = i;
	while (i < n && s[i] != '\r' && s[i] != '\n')
		i++;
	*len = i - *start;
	if (i < n && s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
		i += 2;
	else if (i < n)
		i++;
	*pos = i;
	return true;
}

/* One line in quoted-printable: soft breaks keep lines within 76
 * characters; spaces and tabs at the end of a line are encoded. */
static void
put_qp_line(struct px_buf *b, const unsigned char *s, size_t n)
{
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		char tok[4];
		size_t tl = 1;

		if ((c >= 33 && c <= 126 && c != '=') ||
		    ((c == ' ' || c == '\t') && i + 1 < n)) {
			tok[0] = (char)c;
			tok[1] = '\0';
		} else {
			snprintf(tok, sizeof(tok), "=%02X", c);
			tl = 3;
		}
		if (col + tl > QP_COLS) {
			px_buf_puts(b, "=\r\n");
			col = 0;
		}
		px_buf_put(b, tok, tl);
		col += tl;
	}
	px_buf_puts(b, "\r\n");
}

static int
check_body(const char *body, size_t n, size_t *longest)
{
	size_t pos = 0, start, len, ill, k;

	for (size_t i = 0; i < n; i += k)
		if ((k = px_utf8_seq(
		         (const unsigned char *)body + i, n - i, &ill)) == 0)
			return px_error_set(PX_EINVAL,
			    "the mail body is not valid UTF-8 (at byte %zu)",
			    i);
	*longest = 0;
	while (next_line(body, n, &pos, &start, &len))
		if (len > *longest)
			*longest = len;
	return 0;
}

static bool
host_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 253 &&
	    strspn(s,
	        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	        "0123456789.-") == n;
}

/* The domain part of an address already checked. */
static const char *
domain_of(const char *addr)
{
	return strchr(addr, '@') + 1;
}

static int
check_message_id(const char *id)
{
	int rc;

	if ((rc = check_header_text("Message-ID", id, true)) < 0)
		return rc;
	if (strchr(id, '@') == NULL || strpbrk(id, "<> \t") || strlen(id) > 250)
		return px_error_set(PX_EINVAL,
		    "Message-ID '%s' is not of the form id@domain (without "
		    "brackets or spaces)",
		    id);
	return 0;
}

int
px_mail_format(struct px_buf *out, const struct px_mail *m)
{
	char date[32], uuid[PX_UUID_STRLEN];
	size_t n, longest = 0, pos = 0, start, len;
	bool qp;
	int rc;

	if ((rc = px_mail_address_check(m->from, "the sender address")) < 0 ||
	    (rc = px_mail_address_check(m->to, "the recipient address")) < 0)
		return rc;
	if (m->subject == NULL || m->body == NULL)
		return px_error_set(PX_EINVAL,
		    "a mail needs a subject and a "
		    "body");
	if ((rc = check_header_text("Subject", m->subject, false)) < 0)
		return rc;
	if (m->message_id && (rc = check_message_id(m->message_id)) < 0)
		return rc;
	if (!m->message_id && m->msgid_domain && !host_name(m->msgid_domain))
		return px_error_set(PX_EINVAL,
		    "Message-ID domain '%.80s' is not a host name",
		    m->msgid_domain);
	for (size_t i = 0; i < m->nextra; i++)
		if ((rc = check_extra(&m->extra[i])) < 0)
			return rc;
	n = strlen(m->body);
	if ((rc = check_body(m->body, n, &longest)) < 0)
		return rc;
	qp = longest > LINE_MAX_OCTETS;

	px_mail_date(date, m->date_ms);
	px_buf_putf(
	    out, "Date: %s\r\nFrom: %s\r\nTo: %s\r\n", date, m->from, m->to);
	if ((rc = put_subject(out, m->subject)) < 0)
		return rc;
	if (m->message_id) {
		px_buf_putf(out, "Message-ID: <%s>\r\n", m->message_id);
	} else {
		px_uuid7(uuid, m->date_ms);
		px_buf_putf(out, "Message-ID: <%s@%s>\r\n", uuid,
		    m->msgid_domain ? m->msgid_domain : domain_of(m->from));
	}
	px_buf_putf(out,
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: %s\r\n",
	    qp ? "quoted-printable" : "8bit");
	for (size_t i = 0; i < m->nextra; i++)
		px_buf_putf(
		    out, "%s: %s\r\n", m->extra[i].name, m->extra[i].value);
	px_buf_puts(out, "\r\n");
	while (next_line(m->body, n, &pos, &start, &len)) {
		if (qp) {
			put_qp_line(
			    out, (const unsigned char *)m->body + start, len);
		} else {
			px_buf_put(out, m->body + start, len);
			px_buf_puts(out, "\r\n");
		}
	}
	return 0;
}

struct transfer {
	const char *data;
	size_t len, pos;
	char reply[REPLY_MAX]; /* the relay's first refusal */
};

static size_t
on_read(char *buf, size_t size, size_t nitems, void *ud)
{
	struct transfer *t = ud;
	size_t n = size * nitems;

	if (n > t->len - t->pos)
		n = t->len - t->pos;
	memcpy(buf, t->data + t->pos, n);
	t->pos += n;
	return n;
}

/* libcurl hands each SMTP reply line to the header callback; keep the
 * first refusal (4xx or 5xx), printable ASCII only: it says why, where
 * the last line would only be the "221 Bye" of QUIT. */
static size_t
on_reply(char *buf, size_t size, size_t nitems, void *ud)
{
	struct transfer *t = ud;
	size_t n = size * nitems, len = n, k = 0;

	while (len > 0 && (buf[len - 1] == '\r' || buf[len - 1] == '\n'))
		len--;
	if (t->reply[0] || len < 3 || (buf[0] != '4' && buf[0] != '5'))
		return n;
	for (size_t i = 0; i < len && k + 1 < sizeof(t->reply); i++) {
		unsigned char c = (unsigned char)buf[i];

		t->reply[k++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	t->reply[k] = '\0';
	return n;
}

static int
check_conf(const struct px_smtp_conf *c)
{
	const char *host = c->host;

	/* PX_ERR, not PX_EINVAL: the message is fine and can go once the
	 * operator fixes the configuration. */
	if (host == NULL || *host == '\0')
		return px_error_set(PX_ERR,
		    "no SMTP relay configured ([smtp] host in parley.conf)");
	if (!host_name(host) &&
	    strspn(host, "0123456789abcdefABCDEF:.") != strlen(host))
		return px_error_set(PX_ERR,
		    "SMTP relay host '%.80s' is not a host name or IP address",
		    host);
	if (c->port > 65535)
		return px_error_set(PX_ERR,
		    "SMTP relay port %u is not a port number (1-65535)",
		    c->port);
	if ((c->user && strpbrk(c->user, "\r\n")) ||
	    (c->password && strpbrk(c->password, "\r\n")))
		return px_error_set(
		    PX_ERR, "the SMTP user or password contains a line break");
	return 0;
}

/* The EHLO name: the configured one, else the sender's domain if it is a
 * plain host name, else "localhost". */
static const char *
helo_name(const struct px_smtp_conf *c, const char *from)
{
	const char *h = c->helo && *c->helo ? c->helo : domain_of(from);

	return host_name(h) ? h : "localhost";
}

int
px_smtp_send(const struct px_smtp_conf *c, const struct px_mail *m)
{
	struct transfer t = { 0 };
	struct px_buf msg;
	struct curl_slist *rcpt = NULL;
	char *url = NULL, *from = NULL, *to = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	unsigned port = c->port ? c->port : 25;
	long timeout = c->timeout_ms > 0 ? c->timeout_ms : TIMEOUT_DEFAULT_MS;
	long code = 0;
	const char *bad = NULL;
	CURL *h = NULL;
	CURLcode e = CURLE_OK;
	int rc;

	px_buf_init(&msg, PX_BUF_NOCAP);
	if ((rc = check_conf(c)) < 0 || (rc = px_mail_format(&msg, m)) < 0)
		goto out;
	if ((rc = px_notify_curl_new(&h, "smtp", timeout, errbuf)) < 0)
		goto out;
	url = px_asprintf(
	    strchr(c->host, ':') ? "smtp://[%s]:%u/%s" : "smtp://%s:%u/%s",
	    c->host, port, helo_name(c, m->from));
	from = px_asprintf("<%s>", m->from);
	to = px_asprintf("<%s>", m->to);
	if ((rcpt = curl_slist_append(NULL, to)) == NULL)
		abort();
	t.data = msg.data;
	t.len = msg.len;

#define OPT(o, v)                                                         \
	if (e == CURLE_OK && (e = curl_easy_setopt(h, o, v)) != CURLE_OK) \
	bad = #o
	OPT(CURLOPT_URL, url);
	/* The relay is the operator's own: never through a proxy the
	 * environment may name. */
	OPT(CURLOPT_PROXY, "");
	OPT(CURLOPT_USE_SSL,
	    (long)(c->starttls == PX_SMTP_TLS_REQUIRED ? CURLUSESSL_ALL
	                                               : CURLUSESSL_NONE));
	OPT(CURLOPT_MAIL_FROM, from);
	OPT(CURLOPT_MAIL_RCPT, rcpt);
	OPT(CURLOPT_UPLOAD, 1L);
	OPT(CURLOPT_READFUNCTION, on_read);
	OPT(CURLOPT_READDATA, &t);
	OPT(CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg.len);
	OPT(CURLOPT_HEADERFUNCTION, on_reply);
	OPT(CURLOPT_HEADERDATA, &t);
	if (c->user && *c->user) {
		OPT(CURLOPT_USERNAME, c->user);
		OPT(CURLOPT_PASSWORD, c->password ? c->password : "");
	}
#undef OPT
	if (e != CURLE_OK) {
		rc = px_error_set(PX_ERR, "libcurl refused %s: %s", bad,
		    curl_easy_strerror(e));
		goto out;
	}
	if ((e = curl_easy_perform(h)) != CURLE_OK) {
		char smtp[24] = "";

		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		if (code && !t.reply[0])
			snprintf(smtp, sizeof(smtp), " (SMTP %ld)", code);
		rc = px_error_set(PX_ERR,
		    "SMTP relay %s:%u did not take the mail for %s: %s%s%s%s",
		    c->host, port, m->to,
		    errbuf[0] ? errbuf : curl_easy_strerror(e), smtp,
		    t.reply[0] ? "; the relay said: " : "", t.reply);
		goto out;
	}
	rc = 0;
out:
	if (h)
		curl_easy_cleanup(h);
	curl_slist_free_all(rcpt);
	free(url);
	free(from);
	free(to);
	px_buf_dispose(&msg);
	return rc;
}
