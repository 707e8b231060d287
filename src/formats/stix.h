/*
 * STIX 2.1 (OASIS, 2021): cases as bundles and back.  docs/interop.md has
 * the field-by-field mapping and what does not map.
 *
 * Export is a builder: add cases (and, through the hooks below, feed
 * events and evidence) and take the bundle.  Every id is a UUIDv5, so the
 * same cases give the same bytes every time and an importer that already
 * holds an object recognises it:
 *   - cyber-observables (ipv4-addr, ...) by the STIX namespace
 *     00abedb4-aa42-466c-9c01-fed23315a9b7 over the RFC 8785 form of their
 *     id-contributing properties, as STIX 2.1 section 2.9 asks, so another
 *     tool's id for 192.0.2.1 is ours;
 *   - everything else by parley's namespace (PX_STIX_NS) over a name that
 *     says what it is ("grouping|CASE-ID", "note|MESSAGE-HASH").
 * TLP 2.0 markings are the published marking-definition objects
 * (ids in px_stix_tlp_ids), never labels.
 *
 * Import reads one bundle into what opens a case: title, marking,
 * category, priority, kind and observables.  Pure: no storage, no clock.
 */
#ifndef PX_STIX_H
#define PX_STIX_H

#include <jansson.h>
#include <stddef.h>

#include "model/case.h"
#include "model/types.h"

#define PX_STIX_NS        "5ee0a7c4-6b1d-4c1e-9f37-7061726c6579"
#define PX_STIX_MAX_BYTES (16u * 1024 * 1024) /* one bundle to import */

/* marking-definition ids of TLP 2.0 (FIRST's published objects). */
extern const char *const px_stix_tlp_ids[PX_TLP__N];
/* The marking a published TLP marking-definition id stands for: TLP 2.0
 * (px_stix_tlp_ids) or TLP 1.0 (STIX 2.1 section 7.2.1.4; its WHITE is
 * CLEAR); -1 for any other id or NULL. */
int px_stix_tlp_of_id(const char *id);

struct px_stix {
	json_t *objects; /* id -> object */
};

void px_stix_init(struct px_stix *s);
void px_stix_dispose(struct px_stix *s);

/* Adds case `c` (borrowed) as a grouping with its parties' identities,
 * observables (SCOs and indicators, vulnerabilities for CVEs), messages as
 * notes, feedback as opinions, and its TLP marking-definition. */
PX_MUST_CHECK int px_stix_add_case(struct px_stix *s, const struct px_case *c);

/* Evidence item `m` (issue 13) of case `c` as a `file` cyber-observable:
 * its hashes, size, name and media type, under the item's own marking,
 * with x_parley_evidence [{item, exhibit, root, case, chunks}], referenced
 * by the case's grouping.  Not an `artifact`: STIX 2.1 (6.1) wants an
 * artifact's bytes (payload_bin) or a URL to fetch them, and a bundle
 * carries neither (docs/interop.md).  The case must have been added; the
 * caller has asked the choke point about the item's marking. */
struct px_manifest;
PX_MUST_CHECK int px_stix_add_evidence(
    struct px_stix *s, const struct px_case *c, const struct px_manifest *m);

/* A feed digest (issue 15, docs/feeds.md) as it was signed. */
struct px_stix_digest {
	const char *signer, *recipient, *day;
	const char *msg_hash; /* the signed digest message */
	int64_t time_ms;      /* its signed time */
	const json_t *digest; /* its "digest" member: root, counts, ... */
	enum px_tlp tlp;      /* the grouping's least marking */
};

/* Adds digest `d` as a grouping ("Feed digest of DAY from A to B"),
 * x_parley_digest the signed digest (root, events, counts) with the
 * message's hash, signer, recipient and how many events the bundle
 * holds ("exported") and left out ("left_out"); the two parties'
 * identities.  Its id is a UUIDv5 over signer, recipient and day, so
 * both parties export the same grouping. */
PX_MUST_CHECK int px_stix_add_digest(
    struct px_stix *s, const struct px_stix_digest *d);

/* Adds one routed event of digest `d` (an attachment line {"event",
 * "id", "route", "seen"}, borrowed; `event_id` its id as recomputed)
 * under marking `tlp`: the SCO of the address, host name or URL the
 * route counted, one indicator per value in the digest, and a sighting
 * of that indicator (count, first_seen, last_seen from "seen"; where
 * sighted: the feed's provider) carrying the event in x_parley_event.
 * The digest's grouping takes the stricter marking.  1 (nothing added)
 * for an event with no address, host or URL. */
PX_MUST_CHECK int px_stix_add_feed_event(struct px_stix *s,
    const struct px_stix_digest *d, const json_t *line, const char *event_id,
    enum px_tlp tlp);

/* Records in the digest's grouping that `n` events were left out. */
void px_stix_digest_left_out(
    struct px_stix *s, const struct px_stix_digest *d, size_t n);

/* The bundle of everything added, objects sorted by id; a new reference.
 * Its id is a UUIDv5 over the objects. */
json_t *px_stix_bundle(const struct px_stix *s);

/* What an imported bundle opens. */
struct px_stix_case {
	char *title;
	char *text; /* the grouping's description, or NULL */
	enum px_tlp tlp;
	bool marked; /* the document states tlp (else it is the default) */
	int kind, category, priority; /* -1: not said */
	char **obs;                   /* "TYPE:VALUE" in the CLI form */
	size_t nobs;
};

void px_stix_case_dispose(struct px_stix_case *c);
/* Adds observable TYPE:VALUE (any form px_obs_parse_cli takes) to c once,
 * normalised; PX_EINVAL prefixed with `where` when it is not one. */
PX_MUST_CHECK int px_stix_case_add_obs(struct px_stix_case *c, const char *type,
    const char *value, const char *where);
/* The RFC 9562 UUIDv5 of `name` in namespace `ns` (a UUID string). */
void px_uuid5(char out[PX_UUID_STRLEN], const char *ns, const char *name);

/*
 * Parses a STIX 2.1 bundle (`len` bytes of JSON) into *out: the first
 * grouping, report or incident gives the title, description and marking
 * (the strictest TLP 2.0 or TLP 1.0 marking-definition its
 * object_marking_refs and granular_markings name; none: `dflt`); its
 * x_parley_case member the kind, category and priority; every SCO and every
 * indicator whose pattern is one comparison of a value ("[ipv4-addr:value =
 * '...']") an observable, normalised and without duplicates.  PX_EINVAL with a
 * message naming the object and what was wrong for anything malformed (bad
 * JSON, no objects, an observable that is not one), PX_ETOOBIG past
 * PX_STIX_MAX_BYTES.
 */
PX_MUST_CHECK int px_stix_parse(
    struct px_stix_case *out, const char *text, size_t len, enum px_tlp dflt);

/*
 * A STIX 2.1 bundle as feed events (issue 16 item 1, `parley feed ingest
 * --format stix`): IntelMQ JSON Lines (dotted keys, one event a line)
 * appended to `out`, for the feed pipeline's intelmq decoder.  Each
 * sighting gives one event: a sighting parley exported
 * (x_parley_event) its event exactly, another the indicator it sights
 * (time.source its last_seen, extra.count its count, feed.provider the
 * identity where sighted).  Each indicator not sighted in the bundle
 * whose pattern is one comparison of an address, host name or URL gives
 * one event (type blocklist, system-compromise for indicator_types
 * compromised; time.source its valid_from).  Markings as px_stix_parse
 * reads them.  *count gets the number of lines.  PX_EINVAL naming the
 * object for anything malformed (and for a bundle holding no event),
 * with nothing appended; PX_ETOOBIG past PX_STIX_MAX_BYTES.
 */
struct px_buf;
PX_MUST_CHECK int px_stix_feed_lines(
    struct px_buf *out, size_t *count, const char *text, size_t len);

#endif
