/*
 * Search and correlation: which cases, open and ended, hold a text (in a
 * title, text or translation) or name an observable; and, for one case,
 * the other cases that share each of its observables, with which peer and
 * when ("have we seen this before, and with whom?").
 */
#ifndef PX_NODE_SEARCH_H
#define PX_NODE_SEARCH_H

#include <jansson.h>

#include "node/node.h"

/* The cases matching `q` as text (3 characters at least) or, when `q`
 * reads as an observable (px_obs_parse_cli: bare, defanged or typed), as
 * that observable exactly; newest first, at most 200.  *out gets
 * {"query", "observable": {type, value} or null, "cases": [{id, ref,
 * title, peer, kind, state, opened}]} (heap). */
PX_MUST_CHECK int px_search(struct px_node *n, const char *q, json_t **out);
/* The other cases sharing an observable with case `c`: [{observable:
 * {type, value}, id, ref, title, peer, kind, state, opened}], at most 20
 * per observable (heap; an empty array if none). */
json_t *px_search_related(
    struct px_node *n, const json_t *observables, const char *case_id);

#endif
