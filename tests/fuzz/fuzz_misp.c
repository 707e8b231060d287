/*
 * Fuzzes MISP event import (formats/misp.h).  The properties: no crash or
 * leak on any input; what a parse accepts opens a valid case
 * (import_check.h).
 */
#include <stdint.h>

#include "formats/misp.h"
#include "import_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_stix_case c;

	if (px_misp_parse(&c, (const char *)data, size, PX_TLP_AMBER) < 0)
		return 0;
	check_import_case(&c);
	px_stix_case_dispose(&c);
	return 0;
}
