#include <pthread.h>

#include "api/app.h"
#include "api/routes.h"
#include "util/util.h"

static struct px_route *all;
static size_t nall;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
build(void)
{
	const struct {
		const struct px_route *t;
		size_t n;
	} parts[] = {
		{ px_routes_peer, px_routes_peer_n },
		/* Before cases: /api/v1/cases/{id}/{action} would take
		 * /api/v1/cases/{id}/evidence. */
		{ px_routes_evidence, px_routes_evidence_n },
		{ px_routes_cases, px_routes_cases_n },
		{ px_routes_misc, px_routes_misc_n },
		{ px_routes_deadlines, px_routes_deadlines_n },
		{ px_routes_me, px_routes_me_n },
		{ px_routes_publish, px_routes_publish_n },
		{ px_routes_web, px_routes_web_n },
		{ px_routes_reports, px_routes_reports_n },
		{ px_routes_channels, px_routes_channels_n },
		{ px_routes_agreement, px_routes_agreement_n },
		{ px_routes_exercises, px_routes_exercises_n },
		{ px_routes_evidence_peer, px_routes_evidence_peer_n },
		{ px_routes_feeds, px_routes_feeds_n },
		{ px_routes_search, px_routes_search_n },
		{ px_routes_users, px_routes_users_n },
		{ px_routes_taxii, px_routes_taxii_n },
		{ px_routes_mispfeed, px_routes_mispfeed_n },
	};

	for (size_t i = 0; i < PX_ARRAY_LEN(parts); i++)
		nall += parts[i].n;
	all = px_calloc(nall, sizeof(*all));
	nall = 0;
	for (size_t i = 0; i < PX_ARRAY_LEN(parts); i++)
		for (size_t k = 0; k < parts[i].n; k++)
			all[nall++] = parts[i].t[k];
}

const struct px_route *
px_routes_all(size_t *n)
{
	pthread_once(&once, build);
	*n = nall;
	return all;
}

/* The sign-in audit needs an admin; reading needs a viewer token, and so does
 * setting one's own preferences and password (/api/v1/me) and ending one's
 * own session; acting on cases an analyst;
 * enrolment and tokens an admin. */
int
px_route_min_role(const struct px_route *r)
{
	/* Who signed in when is the administrator's to read. */
	if (strcmp(r->pattern, "/api/v1/signins") == 0)
		return PX_ROLE_ADMIN;
	if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)
		return PX_ROLE_VIEWER;
	if (strcmp(r->pattern, "/api/v1/me") == 0 ||
	    strcmp(r->pattern, "/api/v1/me/password") == 0 ||
	    strcmp(r->pattern, "/api/v1/session") == 0 ||
	    strcmp(r->pattern, "/api/v1/observables/check") == 0)
		return PX_ROLE_VIEWER;
	if (strncmp(r->pattern, "/api/v1/cases", 13) == 0 ||
	    strncmp(r->pattern, "/api/v1/uploads", 15) == 0)
		return PX_ROLE_ANALYST;
	/* Checking a digest, sending due batches and deciding where a
	 * queued event goes are an analyst's; feeding files in is an
	 * administrator's (any other POST). */
	if (strncmp(r->pattern, "/api/v1/feeds/digests/", 22) == 0 ||
	    strncmp(r->pattern, "/api/v1/feeds/queue/", 20) == 0 ||
	    strcmp(r->pattern, "/api/v1/feeds/flush") == 0)
		return PX_ROLE_ANALYST;
	/* Raising a hotline, running checks, pushing a held-up channel
	 * again, agreeing deadlines with a peer and running an exercise's
	 * control cell are the duty desk's job (an admin may too). */
	if (strncmp(r->pattern, "/api/v1/hotlines", 16) == 0 ||
	    strncmp(r->pattern, "/api/v1/checks", 14) == 0 ||
	    strncmp(r->pattern, "/api/v1/channels", 16) == 0 ||
	    strcmp(r->pattern, "/api/v1/peers/{name}/agreement") == 0 ||
	    strncmp(r->pattern, "/api/v1/exercises", 17) == 0)
		return PX_ROLE_DUTY;

	return PX_ROLE_ADMIN;
}
