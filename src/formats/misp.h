/*
 * MISP events: a case as the JSON a MISP instance imports
 * ({"Event": {...}}), and back.  docs/interop.md has the mapping.
 * Pure: no storage, no clock.
 */
#ifndef PX_MISP_H
#define PX_MISP_H

#include <jansson.h>
#include <stddef.h>

#include "formats/stix.h"
#include "model/case.h"
#include "util/buf.h"

#define PX_MISP_MAX_BYTES (16u * 1024 * 1024) /* one event to import */

/* The event of case `c` (borrowed): {"Event": {...}} with attributes for
 * its observables (MISP types and categories), text attributes for its
 * messages, the tlp: tag of the TLP 2.0 taxonomy and the distribution it
 * implies.  Uuids are UUIDv5 (parley's namespace), so re-export is
 * identical.  A new reference. */
json_t *px_misp_event(const struct px_case *c);

/* The manifest.json entry of event `ev` ({"Event": ...}, borrowed): its
 * info, Orgc, analysis, date, timestamp, threat_level_id, published and
 * Tag, as a MISP feed's manifest maps the event's uuid to them.  A new
 * reference. */
json_t *px_misp_manifest_entry(const json_t *ev);

/* Appends the hashes.csv lines of event `ev` (borrowed) to b: one
 * "MD5,EVENT-UUID" line per attribute value (each part of a composite
 * "a|b" value), the MD5 in lowercase hex of the value, as MISP writes
 * a feed's hashes.csv for its cache and correlation. */
void px_misp_hashes(struct px_buf *b, const json_t *ev);

/*
 * Parses a MISP event (`len` bytes: {"Event": {...}}, or the event object
 * itself) into what opens a case (struct px_stix_case, shared by every
 * import): `info` the title, the first text attribute (or a fixed
 * sentence) the text, a tlp: tag (TLP 2.0 or 1.0 names; none: `dflt`)
 * the marking, threat_level_id the priority, and the attributes of the
 * types that map (also inside objects) the observables, normalised,
 * without duplicates.  PX_EINVAL names the attribute and what was wrong
 * for a value its type does not admit, and anything malformed.
 */
PX_MUST_CHECK int px_misp_parse(
    struct px_stix_case *out, const char *text, size_t len, enum px_tlp dflt);

#endif
