/*
 * Cases leaving in other formats and coming in from them (docs/interop.md):
 * every export passes the TLP choke point (node/release.h) for each case
 * before a byte is written.
 */
#ifndef PX_NODE_INTEROP_H
#define PX_NODE_INTEROP_H

#include <jansson.h>

#include "model/policy.h"
#include "node/node.h"

/* The formats `parley export --format` knows (static strings). */
extern const char *const px_export_formats[];
extern const size_t px_export_formats_n;

/*
 * Builds the STIX 2.1 bundle of the cases named by `refs` (ids, prefixes
 * or short references) for `audience` (`to`: the receiving node for
 * PX_AUD_PARTY, else NULL).  Every case must be allowed whole by the
 * choke point; otherwise PX_EPERM naming the first marking that stops one,
 * and nothing is returned.  *out is a new reference.
 */
PX_MUST_CHECK int px_node_export_stix(json_t **out, struct px_node *n,
    const char *const *refs, size_t nrefs, enum px_audience audience,
    const char *to);

/*
 * Opens a case with `peer` from a STIX 2.1 bundle (`len` bytes): a
 * report (or the request the bundle's x_parley_case says) with the
 * bundle's title, text, marking and observables; `tlp` (may be NULL)
 * overrides the marking.  Nothing is stored if the bundle is malformed.
 * *case_id gets the new case's id.
 */
PX_MUST_CHECK int px_node_import_stix(char case_id[PX_UUID_STRLEN],
    struct px_node *n, const char *peer, const char *text, size_t len,
    const char *tlp);

#endif
