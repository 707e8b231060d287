/*
 * Fuzz target for the demo relay's SMTP session (cli/demo_smtp.h): any
 * bytes, cut into lines as the relay cuts them, get replies and never
 * crash; every reply line is a three-digit code and CRLF; an envelope
 * never holds more than its bounds, and a message handed over for filing
 * has a sender, at least one recipient and at most PX_SMTP_DATA_MAX bytes.
 */
#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/demo_smtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_replies(const struct px_buf *r)
{
	size_t i = 0;

	while (i < r->len) {
		const char *nl = memchr(r->data + i, '\n', r->len - i);

		assert(nl != NULL && nl > r->data + i + 3);
		assert(isdigit((unsigned char)r->data[i]) &&
		    isdigit((unsigned char)r->data[i + 1]) &&
		    isdigit((unsigned char)r->data[i + 2]));
		assert(nl[-1] == '\r');
		i = (size_t)(nl - r->data) + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_smtp_session s;
	struct px_buf r;
	size_t i = 0;

	px_smtp_session_init(&s);
	px_buf_init(&r, 1 << 20);
	while (i < size && !s.done) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t len = nl ? (size_t)(nl - (data + i)) : size - i;
		size_t used = nl ? len + 1 : len;

		if (len > 0 && data[i + len - 1] == '\r')
			len--;
		px_smtp_session_line(&s, (const char *)data + i, len, &r);
		assert(s.nrcpt >= 0 && s.nrcpt <= PX_SMTP_RCPT_MAX);
		assert(strlen(s.from) <= PX_SMTP_ADDR_MAX);
		if (s.message) {
			assert(s.nrcpt > 0);
			assert(s.data.len <= PX_SMTP_DATA_MAX);
			px_smtp_session_filed(&s);
			assert(!s.message && s.nrcpt == 0);
		}
		check_replies(&r);
		px_buf_reset(&r);
		i += used;
	}
	px_buf_dispose(&r);
	px_smtp_session_dispose(&s);
	return 0;
}
