/* Fuzzes X-ARF v4 reports (one or several JSON documents). */
#include "fuzz_feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_decode(PX_FMT_XARF, "report.json", NULL, 0, data, size);
	return 0;
}
