/*
 * IODEF version 2 (RFC 7970): a case as an IODEF-Document (XML), and an
 * IODEF-Document back into what opens a case.  docs/interop.md has the
 * mapping and what does not map.  Pure: no storage, no clock.
 */
#ifndef PX_IODEF_H
#define PX_IODEF_H

#include <stddef.h>

#include "formats/stix.h"
#include "model/case.h"

#define PX_IODEF_MAX_BYTES (16u * 1024 * 1024) /* one document to import */
#define PX_IODEF_NS        "urn:ietf:params:xml:ns:iodef-2.0"

/* One IODEF-Document being written: an Incident per case added. */
struct px_iodef;

/* A new, empty document; free it with px_iodef_free. */
struct px_iodef *px_iodef_new(void);
void px_iodef_free(struct px_iodef *d);

/*
 * Adds case `c` (borrowed) as an Incident: its id as the IncidentID
 * named by the requester, the kind as the purpose, the state as the
 * status, the TLP marking as the restriction, title and opening text as
 * Descriptions, both parties as Contacts, the observables in EventData,
 * and kind, category, priority (and exercise) as AdditionalData.  Times
 * come from the case, so a re-export is byte-identical.
 */
void px_iodef_add_case(struct px_iodef *d, const struct px_case *c);

/* The document as UTF-8 XML with its declaration, newline-terminated;
 * *out is heap (the caller frees it), *len its length. */
PX_MUST_CHECK int px_iodef_dump(
    const struct px_iodef *d, char **out, size_t *len);

/*
 * Parses an IODEF 2 document (`len` bytes of XML) into *out (shared by
 * every import): the first Incident's first Description the title (else
 * "IODEF incident NAME ID"), its other Descriptions the text, the
 * restriction the marking (white/clear, green, amber, red, and
 * ext-restriction amber+strict; public, partner, need-to-know and private
 * as TLP:CLEAR, AMBER, AMBER and RED; none: `dflt`), the purpose the
 * kind (mitigation: a request), parley's AdditionalData the kind,
 * category and priority, and the Addresses, DomainData names, CVE
 * References and hash AdditionalData anywhere in the Incident the
 * observables, normalised, without duplicates.  A document with a
 * DOCTYPE is refused (no entities are expanded, nothing is fetched).
 * PX_EINVAL names what is wrong (not XML, another root or namespace, no
 * Incident, an observable its category does not admit), PX_ETOOBIG past
 * PX_IODEF_MAX_BYTES.
 */
PX_MUST_CHECK int px_iodef_parse(
    struct px_stix_case *out, const char *text, size_t len, enum px_tlp dflt);

#endif
