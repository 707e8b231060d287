/* Fuzzes mapped CSV: the input is a mapping file, a line holding only
 * "---", then the CSV. */
#include "fuzz_feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *sep = NULL;

	for (size_t i = 0; i + 5 <= size; i++)
		if (memcmp(data + i, "\n---\n", 5) == 0) {
			sep = (const char *)data + i;
			break;
		}
	if (sep == NULL)
		return 0;
	fuzz_decode(PX_FMT_CSV, "feed.csv", (const char *)data,
	    (size_t)(sep - (const char *)data), (const uint8_t *)sep + 5,
	    size - (size_t)(sep + 5 - (const char *)data));
	return 0;
}
