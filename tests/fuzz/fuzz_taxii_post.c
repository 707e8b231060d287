/*
 * Fuzzes what a TAXII POST may store (formats/taxii.h): the STIX pattern
 * reader and the object check.  Input: a pattern, and after a NUL byte
 * (if any) a JSON object.  The properties: no crash, leak or unbounded
 * recursion on any input; an object the check accepts has an id whose
 * type is its "type", and an accepted indicator's pattern is accepted by
 * the pattern reader on its own.
 */
#include <assert.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/taxii.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	const char *obj;
	json_t *o;

	memcpy(text, data, size);
	text[size] = '\0';
	obj = strlen(text) < size ? text + strlen(text) + 1 : NULL;
	if (px_taxii_pattern_check(text) < 0)
		px_error_clear();
	if (obj && (o = json_loads(obj, JSON_REJECT_DUPLICATES, NULL))) {
		(void)px_taxii_tlp(o);
		if (px_taxii_object_check(o) == 0) {
			const char *type =
			    json_string_value(json_object_get(o, "type"));
			const char *id =
			    json_string_value(json_object_get(o, "id"));
			const char *p =
			    json_string_value(json_object_get(o, "pattern"));
			const char *pt = json_string_value(
			    json_object_get(o, "pattern_type"));

			assert(type && id &&
			    strncmp(id, type, strlen(type)) == 0 &&
			    strncmp(id + strlen(type), "--", 2) == 0);
			if (strcmp(type, "indicator") == 0 && pt &&
			    strcmp(pt, "stix") == 0)
				assert(p && px_taxii_pattern_check(p) == 0);
		} else {
			px_error_clear();
		}
		json_decref(o);
	}
	free(text);
	return 0;
}
