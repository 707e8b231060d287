/*
 * Problem details (RFC 9457) and the JSON string escaping they need.  See
 * problem.h for the shape.
 *
 * The escaper is written out here rather than borrowed from jansson because
 * jansson refuses a string that is not valid UTF-8, and a problem detail
 * often quotes what the client sent: refusing to describe bad input because
 * it is bad would leave the client with no answer.  Invalid bytes become
 * U+FFFD instead, one per maximal ill-formed subsequence (Unicode 15,
 * section 3.9, "U+FFFD substitution of maximal subparts").
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "net/problem.h"
#include "util/util.h"

static const struct {
	int status;
	const char *phrase;
} reasons[] = {
	{ 200, "OK" },
	{ 201, "Created" },
	{ 202, "Accepted" },
	{ 204, "No Content" },
	{ 304, "Not Modified" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },
	{ 408, "Request Timeout" },
	{ 409, "Conflict" },
	{ 410, "Gone" },
	{ 411, "Length Required" },
	{ 412, "Precondition Failed" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 422, "Unprocessable Content" },
	{ 428, "Precondition Required" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
};

const char *
px_http_reason(int status)
{
	for (size_t i = 0; i < PX_ARRAY_LEN(reasons); i++) {
		if (reasons[i].status == status)
			return reasons[i].phrase;
	}
	return "Error";
}

int
px_json_put_string(struct px_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	int rc;

	if ((rc = px_buf_addc(b, '"')) < 0)
		return rc;
	while (i < n) {
		unsigned char c = p[i];
		size_t len, ill;
		char esc[8];

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			run++;
			i++;
			continue;
		}
		/* Flush the plain run before the byte that needs care. */
		if (run && (rc = px_buf_add(b, s + i - run, run)) < 0)
			return rc;
		run = 0;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			rc = px_buf_add(b, esc, 2);
			i++;
		} else if (c < 0x20) {
			static const char *two = "\b\f\n\r\t";
			static const char *let = "bfnrt";
			const char *t = strchr(two, c);

			if (c != 0 && t != NULL) {
				esc[0] = '\\';
				esc[1] = let[t - two];
				rc = px_buf_add(b, esc, 2);
			} else {
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				rc = px_buf_add(b, esc, 6);
			}
			i++;
		} else if ((len = px_utf8_seq(p + i, n - i, &ill)) > 0) {
			rc = px_buf_add(b, s + i, len);
			i += len;
		} else {
			rc = px_buf_add(b, "\xef\xbf\xbd", 3);
			i += ill;
		}
		if (rc < 0)
			return rc;
	}
	if (run && (rc = px_buf_add(b, s + n - run, run)) < 0)
		return rc;
	return px_buf_addc(b, '"');
}

/* Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence. */
static size_t
cut_utf8(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	len = max;
	/* Back off continuation bytes, then the lead byte they belong to. */
	while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	return len;
}

int
px_problem_v(struct px_http_resp *r, int status, const char *type,
    const char *title, const char *fmt, va_list ap)
{
	char detail[PX_PROBLEM_DETAIL_MAX + 4];
	struct px_buf out;
	size_t dlen, cap = r->body.cap;
	int n;

	n = vsnprintf(detail, sizeof(detail), fmt, ap);
	dlen = n < 0 ? 0 : (size_t)n;
	if (dlen >= sizeof(detail))
		dlen = sizeof(detail) - 1;
	dlen = cut_utf8(detail, dlen, PX_PROBLEM_DETAIL_MAX);
	if (title == NULL)
		title = px_http_reason(status);
	if (type == NULL)
		type = PX_PROBLEM_TYPE_DEFAULT;

	/* Built in a buffer of our own, bounded by the detail cap, so the
	 * answer is always whole. */
	px_buf_init(&out, PX_BUF_NOCAP);
	px_buf_puts(&out, "{\"type\":");
	if (px_json_put_string(&out, type, strlen(type)) < 0)
		abort();
	px_buf_puts(&out, ",\"title\":");
	if (px_json_put_string(&out, title, strlen(title)) < 0)
		abort();
	px_buf_putf(&out, ",\"status\":%d,\"detail\":", status);
	if (px_json_put_string(&out, detail, dlen) < 0)
		abort();
	px_buf_puts(&out, "}\n");

	px_buf_dispose(&r->body);
	r->body = out;
	r->body.cap = cap > out.len ? cap : out.len;
	r->status = status;
	r->content_type = PX_PROBLEM_CONTENT_TYPE;
	return 0;
}

int
px_problem(
    struct px_http_resp *r, int status, const char *title, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = px_problem_v(r, status, NULL, title, fmt, ap);
	va_end(ap);
	return rc;
}

int
px_problem_type(struct px_http_resp *r, int status, const char *type,
    const char *title, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = px_problem_v(r, status, type, title, fmt, ap);
	va_end(ap);
	return rc;
}
