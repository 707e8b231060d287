/*
 * Fuzzes STIX 2.1 import (formats/stix.h).  The properties: no crash or
 * leak on any input; what a parse accepts opens a valid case: a title,
 * a marking in range, and observables that are each already in their
 * normal form (the CLI path and the wire path agree on them).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/stix.h"
#include "model/observable.h"
#include "util/util.h"

#define CHECK(x)                                                          \
	do {                                                              \
		if (!(x)) {                                               \
			fprintf(stderr, "%s:%d: check failed: %s (%s)\n", \
			    __FILE__, __LINE__, #x, px_error_last());     \
			abort();                                          \
		}                                                         \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_stix_case c;

	if (px_stix_parse(&c, (const char *)data, size, PX_TLP_AMBER) < 0)
		return 0;
	CHECK(c.title && *c.title);
	CHECK((unsigned)c.tlp < PX_TLP__N);
	for (size_t i = 0; i < c.nobs; i++) {
		struct px_observable o, w;
		const char *colon = strchr(c.obs[i], ':');

		CHECK(colon != NULL);
		CHECK(px_obs_parse_cli(&o, c.obs[i]) == 0);
		{
			char *type = px_asprintf(
			    "%.*s", (int)(colon - c.obs[i]), c.obs[i]);

			CHECK(px_obs_from_wire(&w, type, colon + 1) == 0);
			CHECK(strcmp(w.value, o.value) == 0);
			free(type);
		}
		px_obs_dispose(&o);
		px_obs_dispose(&w);
	}
	px_stix_case_dispose(&c);
	return 0;
}
