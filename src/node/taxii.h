/*
 * The TAXII 2.1 client (docs/interop.md, "TAXII 2.1"): pulling a partner's
 * collection into cases, pushing cases into a partner's collection.  The
 * server is src/api/taxii.c.
 */
#ifndef PX_NODE_TAXII_H
#define PX_NODE_TAXII_H

#include <jansson.h>

#include "node/node.h"

/* Where to talk TAXII and as whom. */
struct px_taxii_remote {
	const char *api_root; /* "https://host:port/taxii2/api/" */
	const char *coll;     /* the collection's id */
	const char *peer;     /* the partner (an enrolled peer) */
	const char *pin;      /* the server certificate's "sha256:..."; NULL:
	                         the peer's pinned one */
	const char *token;    /* sent as HTTP Basic password, or NULL: our
	                         node certificate is the credential */
	const char *exercise; /* push: the exercise asked for by name (its
	                         full id), whose cases may go; or NULL */
};

/*
 * Reads every object of the collection (following `next`) and opens one
 * case with r->peer per grouping, report or incident in it, from that
 * object and the objects it references, through the STIX import (`tlp`
 * may be NULL: each bundle's own marking).  A grouping already imported
 * from this collection (kept in meta by its id and version) is skipped,
 * and so is one standing for a case this node holds (its x_parley_case
 * id or parley external reference), so nothing is echoed back.
 * *ids gets the new cases' ids (a JSON array, new reference).  Errors:
 * PX_ERR for the transport, PX_EINVAL for an answer that is not a TAXII
 * envelope or a grouping the import refuses (what was opened before it
 * stays opened).
 */
PX_MUST_CHECK int px_node_taxii_pull(json_t **ids, struct px_node *n,
    const struct px_taxii_remote *r, const char *tlp);

#define PX_TAXII_CURSOR_LEN 48

/*
 * Reads every object of the collection (following `next`) into the feed
 * pipeline instead (`taxii pull --as events`): the objects as one bundle
 * through px_feed_ingest_stix_text, named "taxii-COLLECTION", ingested
 * again on every pull (the pipeline's deduplication counts what it had).
 * *out gets the file row.  Errors as px_node_taxii_pull, and those of
 * the ingest (PX_EINVAL: nothing in the collection is a feed event).
 */
struct px_feed_file_row;
PX_MUST_CHECK int px_node_taxii_pull_events(struct px_node *n,
    const struct px_taxii_remote *r, struct px_feed_file_row *out);

/*
 * The same, for the objects added after `cursor` (a buffer of
 * PX_TAXII_CURSOR_LEN bytes: a date-added the server answered before, or
 * "" for the whole collection; NULL: the whole collection, no cursor
 * kept).  The objects a new case object references that were added
 * before the cursor are fetched by id.  On return *cursor holds the
 * latest X-TAXII-Date-Added-Last the server sent (unchanged if none).
 * With `skip_held`, a case object standing for a case this node holds
 * (its own, or one a pull opened and sent back) is not imported again,
 * so a pull on a collection of our cases with the partner does not feed
 * on its own output.
 */
PX_MUST_CHECK int px_node_taxii_pull_since(json_t **ids, struct px_node *n,
    const struct px_taxii_remote *r, const char *tlp, char *cursor,
    bool skip_held);

/*
 * Posts the STIX objects of the cases `refs` to the collection, each
 * passing the choke point first (PX_OUT_TAXII to r->peer as a party: a
 * case whose marking keeps it from r->peer stops the push, PX_EPERM, and
 * nothing is sent).  *status gets the server's status resource.
 */
PX_MUST_CHECK int px_node_taxii_push(json_t **status, struct px_node *n,
    const struct px_taxii_remote *r, const char *const *refs, size_t nrefs);

#endif
