/* Fuzzes node card parsing and self-signature verification. */
#include "model/card.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_card c;
	char fp[45];

	if (px_card_parse(&c, (const char *)data, size, "fuzz") == 0) {
		px_key_fingerprint(fp, c.sign_pk);
		px_card_dispose(&c);
	}
	return 0;
}
