/* Fuzzes Shadowserver report CSV: the first byte picks the report
 * family (by file name), the rest is the file. */
#include "fuzz_feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"2026-12-01-event4_sinkhole-de.csv",
		"2026-12-01-event4_sinkhole_http-de.csv",
		"2026-12-01-scan_rdp-asn.csv",
		"2026-12-01-scan6_ntp.csv",
		"2026-12-01-compromised_website.csv",
		"2026-12-01-phish_url.csv",
		"2026-12-01-blocklist.csv",
	};

	if (size < 1)
		return 0;
	fuzz_decode(PX_FMT_SHADOWSERVER, names[data[0] % 7], NULL, 0, data + 1,
	    size - 1);
	return 0;
}
