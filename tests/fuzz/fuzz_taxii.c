/*
 * Fuzzes the TAXII 2.1 query and cursor parser and the Accept and
 * Content-Type rules (formats/taxii.h).  Input: a query string, and after
 * a NUL byte (if any) an Accept header.  The properties: no crash or leak
 * on any input; what parses has a limit within 0..PX_TAXII_PAGE_MAX, a
 * cursor that is not negative, at most PX_TAXII_MATCH_MAX values per
 * filter and non-empty ones; a cursor written by px_taxii_cursor parses
 * back to its position.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/taxii.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_values(const struct px_taxii_values *v)
{
	assert(v->n <= PX_TAXII_MATCH_MAX);
	for (size_t i = 0; i < v->n; i++)
		assert(v->v[i] != NULL && v->v[i][0] != '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	const char *accept;
	struct px_taxii_query q;

	memcpy(text, data, size);
	text[size] = '\0';
	accept = strlen(text) < size ? text + strlen(text) + 1 : NULL;
	if (px_taxii_query_parse(&q, text) == 0) {
		char cur[32], again[48];
		struct px_taxii_query q2;

		assert(q.limit >= 0 && q.limit <= PX_TAXII_PAGE_MAX);
		assert(q.after >= 0);
		check_values(&q.id);
		check_values(&q.type);
		check_values(&q.version);
		check_values(&q.spec_version);
		if (q.after > 0) {
			px_taxii_cursor(cur, sizeof(cur), q.after);
			snprintf(again, sizeof(again), "next=%s", cur);
			assert(px_taxii_query_parse(&q2, again) == 0);
			assert(q2.after == q.after);
			px_taxii_query_dispose(&q2);
		}
	}
	px_taxii_query_dispose(&q);
	(void)px_taxii_accepts(accept, PX_TAXII_MEDIA);
	(void)px_taxii_content_is(accept, PX_TAXII_MEDIA);
	free(text);
	return 0;
}
