/*
 * The route tables of every API resource.
 * How to add a resource: write src/api/<name>.c ending with its table and
 * count, declare them here, and add them to px_routes_all in routes.c.
 */
#ifndef PX_ROUTES_H
#define PX_ROUTES_H

#include <stddef.h>

#include "net/http.h"

extern const struct px_route px_routes_peer[];
extern const size_t px_routes_peer_n;
extern const struct px_route px_routes_cases[];
extern const size_t px_routes_cases_n;
extern const struct px_route px_routes_misc[];
extern const size_t px_routes_misc_n;
extern const struct px_route px_routes_deadlines[];
extern const size_t px_routes_deadlines_n;
extern const struct px_route px_routes_web[];
extern const size_t px_routes_web_n;
extern const struct px_route px_routes_reports[];
extern const size_t px_routes_reports_n;
extern const struct px_route px_routes_channels[];
extern const size_t px_routes_channels_n;
extern const struct px_route px_routes_feeds[];
extern const size_t px_routes_feeds_n;
extern const struct px_route px_routes_me[];
extern const size_t px_routes_me_n;
extern const struct px_route px_routes_search[];
extern const size_t px_routes_search_n;
extern const struct px_route px_routes_taxii[];
extern const size_t px_routes_taxii_n;
extern const struct px_route px_routes_mispfeed[];
extern const size_t px_routes_mispfeed_n;
extern const struct px_route px_routes_agreement[];
extern const size_t px_routes_agreement_n;
extern const struct px_route px_routes_exercises[];
extern const size_t px_routes_exercises_n;
extern const struct px_route px_routes_evidence[];
extern const size_t px_routes_evidence_n;
extern const struct px_route px_routes_evidence_peer[];
extern const size_t px_routes_evidence_peer_n;
extern const struct px_route px_routes_users[];
extern const size_t px_routes_users_n;
extern const struct px_route px_routes_publish[];
extern const size_t px_routes_publish_n;

/* All routes, built once; borrowed for the life of the process. */
const struct px_route *px_routes_all(size_t *n);
/* The least role a token needs for a route. */
int px_route_min_role(const struct px_route *r);

#endif
