/*
 * Fuzzes STIX 2.1 bundles read as feed events (px_stix_feed_lines,
 * formats/stix.h).  The properties: no crash or leak on any input; a
 * refusal appends nothing; what is accepted is `count` lines, each one
 * JSON object with a classification type, the form the intelmq decoder
 * reads.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "formats/stix.h"
#include "model/canon.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_buf b;
	size_t count = 0, lines = 0, pos = 0;

	px_buf_init(&b, PX_BUF_NOCAP);
	if (px_stix_feed_lines(&b, &count, (const char *)data, size) < 0) {
		assert(b.len == 0 && count == 0);
		px_buf_dispose(&b);
		return 0;
	}
	assert(count > 0);
	while (pos < b.len) {
		const char *nl = memchr(b.data + pos, '\n', b.len - pos);
		json_t *o = NULL;

		assert(nl != NULL);
		assert(
		    px_json_parse(&o, b.data + pos,
		        (size_t)(nl - (b.data + pos)), b.len + 1, "line") == 0);
		assert(json_is_object(o));
		assert(
		    json_is_string(json_object_get(o, "classification.type")));
		json_decref(o);
		lines++;
		pos = (size_t)(nl - b.data) + 1;
	}
	assert(lines == count);
	px_buf_dispose(&b);
	return 0;
}
