/* Fuzzes the CEXF importer (formats/cexf.h): any JSON either fails
 * cleanly or gives a document; one that is a valid scenario exports to
 * CEXF and imports back to itself. */
#include <assert.h>

#include "formats/cexf.h"
#include "model/canon.h"
#include "model/scenario.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_scenario s;
	json_t *j = NULL, *doc = NULL, *back = NULL, *again = NULL;

	if (px_json_parse(&j, (const char *)data, size, 1 << 20, "fuzz") < 0)
		return 0;
	if (px_cexf_import(&doc, j) == 0 &&
	    px_scenario_parse(&s, doc, false) == 0) {
		px_scenario_dispose(&s);
		if (px_cexf_export(&back, doc) == 0) {
			assert(px_cexf_import(&again, back) == 0);
			assert(json_equal(again, doc));
		}
	}
	json_decref(again);
	json_decref(back);
	json_decref(doc);
	json_decref(j);
	return 0;
}
