/*
 * X-ARF v4 abuse reports (xarf.org): a case as one report per abuse
 * source it names, and reports back into a case.  docs/interop.md has the
 * mapping by category.  Pure: no storage, no clock.
 */
#ifndef PX_XARF_H
#define PX_XARF_H

#include <jansson.h>
#include <stddef.h>

#include "formats/stix.h"
#include "model/case.h"

#define PX_XARF_MAX_BYTES (16u * 1024 * 1024)

/* Who files the report (X-ARF's reporter and sender): an organisation
 * name, its domain and an e-mail address. */
struct px_xarf_party {
	const char *org, *domain, *contact;
};

/*
 * The reports of case `c` (borrowed) as a JSON array (a new reference):
 * one per observable that can be an abuse source for the case's category
 * (URLs for phishing and malware, addresses and domains otherwise), each
 * with report_id a UUIDv5, timestamp the opening time, the case's TLP as
 * a "tlp:" tag.  PX_EINVAL when the case names no source X-ARF can carry.
 */
PX_MUST_CHECK int px_xarf_reports(
    json_t **out, const struct px_case *c, const struct px_xarf_party *by);

/*
 * Parses one X-ARF v4 report, or a JSON array of them, into what opens a
 * case: title "X-ARF CATEGORY/TYPE about SOURCE" (of the first report),
 * category from the type, observables from source_identifier, url,
 * c2_server and cve_id of every report, marking from a tlp: tag (none:
 * `dflt`).  PX_EINVAL names the report and what was wrong.
 */
PX_MUST_CHECK int px_xarf_parse(
    struct px_stix_case *out, const char *text, size_t len, enum px_tlp dflt);

#endif
