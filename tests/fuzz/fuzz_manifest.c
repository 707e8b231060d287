/* Fuzzes evidence manifests and the bodies of evidence, finding,
 * assessment, disclose and review messages: any input is refused cleanly
 * or yields a manifest whose hash is stable under re-encoding, and whose
 * chunk count agrees with its size. */
#include <assert.h>

#include "model/attrib.h"
#include "model/canon.h"
#include "model/evidence.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_manifest m, m2;
	json_t *j = NULL, *j2 = NULL;
	char *text = NULL;

	if (px_json_parse(&j, (const char *)data, size, 1 << 20, "fuzz") < 0)
		return 0;
	if (px_manifest_parse(&m, j, "fuzz") == 0) {
		assert(m.chunks == px_ev_chunk_count(m.size));
		text = px_canon_string(j);
		assert(text != NULL);
		assert(px_json_parse(
		           &j2, text, strlen(text), 1 << 20, "again") == 0);
		assert(px_manifest_parse(&m2, j2, "again") == 0);
		assert(strcmp(m.item, m2.item) == 0);
		assert(strcmp(m.root, m2.root) == 0);
	}
	/* The same input as each message body: refused or accepted, never
	 * a crash. */
	if (json_is_object(j)) {
		int rc = px_ev_body_check(j) | px_finding_body_check(j) |
		    px_assessment_body_check(j) | px_disclose_body_check(j) |
		    px_review_body_check(j);

		assert(rc <= 0);
	}
	json_decref(j);
	json_decref(j2);
	free(text);
	return 0;
}
