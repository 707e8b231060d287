/*
 * Shared by the feed format fuzz targets: runs a decoder over the input
 * as the ingest pipeline does (windows, record framing, one event per
 * record) and checks the properties every format must keep: a record is
 * consumed whole or waits for more; every event decoded writes JSON that
 * is exactly its RFC 8785 form (so a peer recomputes its id); a bad
 * record leaves a message.
 */
#ifndef PX_FUZZ_FEED_H
#define PX_FUZZ_FEED_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/decoder.h"
#include "model/canon.h"
#include "util/util.h"

#define CHECK(x)                                                          \
	do {                                                              \
		if (!(x)) {                                               \
			fprintf(stderr, "%s:%d: check failed: %s (%s)\n", \
			    __FILE__, __LINE__, #x, px_error_last());     \
			abort();                                          \
		}                                                         \
	} while (0)

static inline void
fuzz_decode(enum px_fmt fmt, const char *name, const char *map, size_t mlen,
    const uint8_t *data, size_t size)
{
	static struct px_event ev;
	struct px_decoder d;
	struct px_buf out;
	size_t at = 0;
	const char *text = (const char *)data;

	if (px_decoder_open(&d, fmt, name, map, mlen, NULL, NULL, 2) != 0)
		return;
	px_buf_init(&out, PX_BUF_NOCAP);
	while (at < size) {
		unsigned lines;
		size_t k = px_decoder_record_end(
		    &d, text + at, size - at, true, &lines);
		int rc;

		CHECK(k > 0 && k <= size - at);
		/* Not at EOF, a record is either complete or waits. */
		{
			unsigned l2;
			size_t k2 = px_decoder_record_end(
			    &d, text + at, size - at, false, &l2);

			CHECK(k2 == 0 || k2 == k);
		}
		rc = px_decoder_record(&d, text + at, k, &ev);
		if (rc == 0) {
			json_t *j = NULL;
			char *c;

			px_buf_reset(&out);
			CHECK(px_event_json(&out, &ev) == 0);
			CHECK(px_json_parse(&j, out.data, out.len, out.len + 1,
			          "event") == 0);
			c = px_canon_string(j);
			CHECK(c != NULL && strcmp(c, out.data) == 0);
			free(c);
			json_decref(j);
		} else if (rc < 0) {
			CHECK(*px_error_last() != '\0');
			if (rc == PX_ECONFLICT)
				break;
		}
		at += k;
	}
	px_buf_dispose(&out);
	px_decoder_dispose(&d);
}

#endif
