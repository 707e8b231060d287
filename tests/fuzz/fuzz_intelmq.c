/* Fuzzes IntelMQ JSON Lines. */
#include "fuzz_feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_decode(PX_FMT_INTELMQ, "events.jsonl", NULL, 0, data, size);
	return 0;
}
