/*
 * What every import fuzz target checks of what a parse accepted (struct
 * px_stix_case, shared by the STIX and MISP imports): a title, a marking
 * in range, and observables each already in its normal form (the CLI path
 * and the wire path agree on it).  Aborts on a failed check.
 */
#ifndef PX_FUZZ_IMPORT_CHECK_H
#define PX_FUZZ_IMPORT_CHECK_H

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

static inline void
check_import_case(const struct px_stix_case *c)
{
	CHECK(c->title && *c->title);
	CHECK((unsigned)c->tlp < PX_TLP__N);
	for (size_t i = 0; i < c->nobs; i++) {
		struct px_observable o, w;
		const char *colon = strchr(c->obs[i], ':');
		char *type;

		CHECK(colon != NULL);
		CHECK(px_obs_parse_cli(&o, c->obs[i]) == 0);
		type = px_asprintf("%.*s", (int)(colon - c->obs[i]), c->obs[i]);
		CHECK(px_obs_from_wire(&w, type, colon + 1) == 0);
		CHECK(strcmp(w.value, o.value) == 0);
		free(type);
		px_obs_dispose(&o);
		px_obs_dispose(&w);
	}
}

#endif
