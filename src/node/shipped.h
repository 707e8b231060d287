/*
 * The exercise scenarios shipped with parley (the JSON files in scenarios/),
 * built into the binary by scripts/embed_scenarios.cmake.
 */
#ifndef PX_SHIPPED_H
#define PX_SHIPPED_H

#include <stddef.h>

struct px_shipped {
	const char *name; /* the file name without ".json" */
	const char *text; /* the JSON, NUL-terminated */
	size_t len;
};

extern const struct px_shipped px_shipped[];
extern const size_t px_shipped_n;

#endif
