/*
 * Fuzzes audit bundle verification (node/audit.h), the one parser a
 * neutral party runs on a file it was handed by one side of a dispute,
 * in both versions (one JSON document, or lines with sections sharing
 * their proof nodes).  Everything in the file is checked before the
 * exporter's signature over the whole is (docs/audit.md), so every
 * structure in it (cards, time zones, calendars, notes, proofs,
 * sections, messages, case replay) is reachable with any bytes at all.  Any
 * input must either verify or fail with a message, leave the result well
 * formed, and never crash.
 */
#include <assert.h>

#include "crypto/sign.h"
#include "node/audit.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct px_audit_result res;
	int rc;

	if (!ready) {
		assert(px_crypto_init() == 0);
		ready = true;
	}
	rc = px_audit_verify(&res, (const char *)data, size, "fuzz");
	assert(rc <= 0);
	assert(json_is_array(res.cases) && json_is_array(res.notes));
	if (rc < 0) {
		assert(px_error_last() != NULL && px_error_last()[0] != '\0');
	} else {
		/* The exporter's log has at least one signed checkpoint (a
		 * peer never heard from may have none). */
		assert(res.checkpoints >= 1);
		assert(json_array_size(res.cases) <= res.entries);
	}
	px_audit_result_dispose(&res);
	assert(res.cases == NULL && res.notes == NULL);
	return 0;
}
