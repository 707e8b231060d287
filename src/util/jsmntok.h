/*
 * jsmn (DESIGN.md: the JSON hot path), header-only, with the walks over
 * its flat token array that its users share.
 */
#ifndef PX_UTIL_JSMNTOK_H
#define PX_UTIL_JSMNTOK_H

#define JSMN_STATIC
#define JSMN_STRICT
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#include <jsmn.h>
#pragma GCC diagnostic pop

/* The index just past the value at t[i] and everything inside it. */
static inline int
px_jsmn_skip(const jsmntok_t *t, int i, int n)
{
	int k, end;

	if (i >= n)
		return n;
	if (t[i].type == JSMN_OBJECT) {
		end = i + 1;
		for (k = 0; k < t[i].size && end < n; k++)
			end = px_jsmn_skip(t, end + 1, n); /* key, then value */
		return end;
	}
	if (t[i].type == JSMN_ARRAY) {
		end = i + 1;
		for (k = 0; k < t[i].size && end < n; k++)
			end = px_jsmn_skip(t, end, n);
		return end;
	}
	return i + 1;
}

#endif
