/*
 * Fuzz target for the base32 decoder of TOTP secrets (crypto/totp.h):
 * any text either decodes or is refused with PX_EINVAL, never more bytes
 * than the cap; what decodes, encoded again and decoded, gives the same
 * bytes; and a code checked against it never crashes.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/totp.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), enc[128];
	uint8_t out[64], back[64];
	size_t len = 0, len2 = 0;
	int64_t last = -1;
	int rc;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	rc = px_base32_decode(out, sizeof(out), &len, text);
	assert(rc == 0 || rc == PX_EINVAL);
	if (rc == 0) {
		assert(len <= sizeof(out));
		px_base32_encode(enc, out, len);
		assert(px_base32_decode(back, sizeof(back), &len2, enc) == 0);
		assert(len2 == len && memcmp(out, back, len) == 0);
		rc = px_totp_check(out, len, "123456", 1111111111, &last);
		assert(rc == 0 || rc == PX_EINVAL);
	}
	free(text);
	return 0;
}
