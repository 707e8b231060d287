/*
 * JSON views for the faces (CLI --json, and the analyst API to come).
 * Every function returns a new reference the caller json_decref()s.
 */
#ifndef PX_VIEW_H
#define PX_VIEW_H

#include <jansson.h>

#include "node/node.h"

json_t *px_view_case(struct px_node *n, const struct px_case *c,
    const struct px_peer *p, int64_t now);
/* An instant as an RFC 3339 string, or null for < 0 or INT64_MAX
 * (unknown, never). */
json_t *px_view_time(int64_t ms);
json_t *px_view_clocks(const struct px_case *c, const struct px_agreement *a,
    const struct px_calendar *cal, int64_t now);

#endif
