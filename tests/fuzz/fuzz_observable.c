/*
 * Fuzzes observable parsing.  The property: whatever the command line
 * accepts, the wire path accepts unchanged, i.e. each normaliser is
 * idempotent and the two paths agree on the normal form; and an
 * internationalised name's readable form (px_obs_unicode) reads back as
 * the same name.  Inputs may be bare values (the type guessed).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	struct px_observable o, w;
	char *s, *colon;

	s = px_malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (px_obs_parse_cli(&o, s) == 0) {
		CHECK(px_obs_type_name(o.type) != NULL);
		CHECK(px_obs_from_wire(&w, px_obs_type_name(o.type), o.value) ==
		    0);
		CHECK(w.type == o.type);
		CHECK(strcmp(w.value, o.value) == 0);
		px_obs_dispose(&w);
		/* The form people read of a name reads back as the name. */
		{
			char *u =
			    px_obs_unicode(px_obs_type_name(o.type), o.value);

			if (u && o.type == PX_OBS_DOMAIN) {
				char *again = px_asprintf("domain:%s", u);

				CHECK(px_obs_parse_cli(&w, again) == 0);
				CHECK(strcmp(w.value, o.value) == 0);
				px_obs_dispose(&w);
				free(again);
			}
			free(u);
		}
	} else {
		CHECK(o.value == NULL);
	}
	px_obs_dispose(&o);
	/* The same bytes as a wire pair "type:value". */
	if ((colon = strchr(s, ':')) != NULL) {
		*colon = '\0';
		if (px_obs_from_wire(&w, s, colon + 1) == 0)
			CHECK(strcmp(w.value, colon + 1) == 0);
		else
			CHECK(w.value == NULL);
		px_obs_dispose(&w);
	}
	free(s);
	return 0;
}
