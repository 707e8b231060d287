/* Fuzzes the bundle file parser and the parsers of every item in it. */
#include <assert.h>

#include "model/bundle.h"
#include "model/message.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_bundle b;
	const json_t *v;
	size_t i;
	uint8_t pk[32] = { 0 };

	if (px_bundle_parse(&b, (const char *)data, size, "fuzz") < 0)
		return 0;
	/* A zero key is of small order: nothing verifies against it. */
	assert(px_bundle_verify(&b, pk, "fuzz") != 0);
	json_array_foreach(b.messages, i, v)
	{
		struct px_msg *m = NULL;

		if (px_msg_parse(&m, (json_t *)v, "fuzz") == 0)
			assert(px_msg_verify(m, pk) != 0);
		px_msg_free(m);
	}
	json_array_foreach(b.receipts, i, v)
	{
		struct px_receipt *r = NULL;

		if (px_receipt_parse(&r, (json_t *)v, "fuzz") == 0)
			assert(px_receipt_verify(r, pk) != 0);
		px_receipt_free(r);
	}
	px_bundle_dispose(&b);
	return 0;
}
