/* Fuzzes message parsing: any input either fails cleanly or yields a
 * message whose canonical re-encoding parses to the same hash. */
#include <assert.h>

#include "model/canon.h"
#include "model/message.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = NULL, *j2 = NULL;
	struct px_msg *m = NULL, *m2 = NULL;
	char *text = NULL;
	uint8_t pk[32] = { 0 };

	if (px_json_parse(
	        &j, (const char *)data, size, PX_MSG_MAX_BYTES, "fuzz") < 0)
		return 0;
	if (px_msg_parse(&m, j, "fuzz") == 0) {
		/* Verification with a wrong key must fail, not crash. */
		assert(px_msg_verify(m, pk) != 0);
		text = px_canon_string(m->env);
		assert(text != NULL);
		assert(px_json_parse(&j2, text, strlen(text), PX_MSG_MAX_BYTES,
		           "again") == 0);
		assert(px_msg_parse(&m2, j2, "again") == 0);
		assert(strcmp(m->hash, m2->hash) == 0);
	}
	px_msg_free(m);
	px_msg_free(m2);
	json_decref(j);
	json_decref(j2);
	free(text);
	return 0;
}
