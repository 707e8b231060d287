/*
 * The collections a caller of the interop endpoints may read: TAXII's
 * (api/taxii.c), which the MISP feed (api/mispfeed.c) serves too, by the
 * same credentials and under the same choke point.
 */
#ifndef PX_API_COLLECTIONS_H
#define PX_API_COLLECTIONS_H

#include <stddef.h>

#include "model/types.h"
#include "net/http.h"
#include "util/util.h"

struct px_node;

/* One collection: a peer's (peer set: the cases with it, every marking)
 * or the community's share of one marking (peer NULL, tlp). */
struct px_api_coll {
	char id[PX_UUID_STRLEN];
	char *title; /* heap */
	char *peer;  /* heap, or NULL */
	enum px_tlp tlp;
};

/*
 * Who asks (a pinned peer's certificate, or an analyst token as HTTP
 * Basic password or Bearer) and the collections they may read, in a
 * fixed order: *out (free with px_api_colls_free) and *n.  Returns this
 * thread's node, or NULL having answered (401 with WWW-Authenticate, 500,
 * 503; a TAXII error object).  The Accept header is not checked.
 */
struct px_node *px_api_colls_for(const struct px_http_req *req,
    struct px_http_resp *r, struct px_api_coll **out, size_t *n);
void px_api_colls_free(struct px_api_coll *v, size_t n);

#endif
