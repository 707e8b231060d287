/* Fuzzes checkpoint body parsing: any input either fails cleanly, or
 * parses to fields that px_checkpoint_body (plus the extension lines)
 * writes back as the input, byte for byte. */
#include <assert.h>

#include "ledger/checkpoint.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_checkpoint c;
	char *body;
	size_t blen, elen;

	if (px_checkpoint_parse(&c, (const char *)data, size) < 0) {
		assert(c.ext == NULL);
		return 0;
	}
	body = px_checkpoint_body(c.origin, c.size, c.root);
	assert(body != NULL);
	blen = strlen(body);
	elen = c.ext ? strlen(c.ext) : 0;
	assert(blen + elen == size);
	assert(memcmp(body, data, blen) == 0);
	assert(elen == 0 || memcmp(c.ext, data + blen, elen) == 0);
	free(body);
	px_checkpoint_dispose(&c);
	return 0;
}
