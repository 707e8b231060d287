/*
 * Fuzzes IODEF 2 import (formats/iodef.h).  The properties: no crash or
 * leak on any input (libxml2's parse and our walk of its tree); what a
 * parse accepts opens a valid case (import_check.h).
 */
#include <stdint.h>

#include "formats/iodef.h"
#include "import_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_stix_case c;

	if (px_iodef_parse(&c, (const char *)data, size, PX_TLP_AMBER) < 0)
		return 0;
	check_import_case(&c);
	px_stix_case_dispose(&c);
	return 0;
}
