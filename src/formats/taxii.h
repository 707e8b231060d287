/*
 * TAXII 2.1 (OASIS, 2021): the parts of the protocol that are text, not
 * transport: the query of the objects, manifest and versions endpoints,
 * the `next` cursor, matching a stored object version against a query,
 * the version of an object, and content negotiation.  Pure: no storage,
 * no clock.  The server is src/api/taxii.c; docs/interop.md says what it
 * serves.
 */
#ifndef PX_TAXII_H
#define PX_TAXII_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/err.h"
#include "util/time.h"

#define PX_TAXII_MEDIA "application/taxii+json;version=2.1"
#define PX_STIX_MEDIA  "application/stix+json;version=2.1"
/* The largest page served (a client asking for more gets this many). */
#define PX_TAXII_PAGE_MAX 1000
/* At most this many values in one match[...] filter. */
#define PX_TAXII_MATCH_MAX 16

/* One filter's values: the comma-separated list of match[FIELD]. */
struct px_taxii_values {
	char *v[PX_TAXII_MATCH_MAX];
	size_t n;
};

struct px_taxii_query {
	int64_t limit;          /* 0: none given */
	int64_t after;          /* the `next` cursor's position, 0: start */
	int64_t added_after_ms; /* INT64_MIN: none */
	struct px_taxii_values id, type, version, spec_version;
	bool version_all; /* match[version]=all */
};

/*
 * Parses a query string (`q`, raw, may be NULL) into *out: limit (a
 * positive integer, capped at PX_TAXII_PAGE_MAX), next (a cursor this
 * server wrote), added_after (an RFC 3339 timestamp), match[id],
 * match[type], match[version] (first, last, all, or timestamps; default
 * last) and match[spec_version].  Other parameters are ignored, as the
 * specification lets a server ignore filters it does not support.
 * PX_EINVAL names what was wrong.  Free with px_taxii_query_dispose
 * (also after a failure).
 */
PX_MUST_CHECK int px_taxii_query_parse(
    struct px_taxii_query *out, const char *q);
void px_taxii_query_dispose(struct px_taxii_query *q);

/* Writes the cursor of position `pos` into out (at least 24 bytes). */
void px_taxii_cursor(char *out, size_t n, int64_t pos);

/* 1 if object version `r` passes the query's match filters. */
int px_taxii_match(
    const struct px_taxii_query *q, const struct px_taxii_row *r);

/*
 * The version of STIX object `o` in the fixed form of px_time_format:
 * its modified, else created, else `added_ms` (objects without either,
 * such as SCOs, have one version).  PX_EINVAL if a present timestamp is
 * not RFC 3339.
 */
PX_MUST_CHECK int px_taxii_version(
    char out[PX_TIME_STRLEN], const json_t *o, int64_t added_ms);

/*
 * 1 if an Accept header (`accept`, NULL when absent) admits `media`
 * ("application/taxii+json;version=2.1" or the STIX one): a range naming
 * the type with version=2.1 or no version, "application/ *" or "* / *"
 * (without the spaces), or no header at all; else 0 (the caller answers
 * 406).
 */
int px_taxii_accepts(const char *accept, const char *media);

/* 1 if a request Content-Type is `media` (version 2.1 required). */
int px_taxii_content_is(const char *content_type, const char *media);

/*
 * The most restrictive TLP (enum px_tlp) that STIX object `o` (borrowed)
 * names in object_marking_refs or in a granular_markings marking_ref, by
 * the TLP 2.0 or the TLP 1.0 marking-definition ids; -1 for none.
 */
int px_taxii_tlp(const json_t *o);

/* 0 if `pattern` is STIX patterning (STIX 2.1 section 9: observation
 * expressions, qualifiers, comparisons and literals); else PX_EINVAL
 * naming the character where reading stopped. */
PX_MUST_CHECK int px_taxii_pattern_check(const char *pattern);

/*
 * What the TAXII server stores from a POST (`o` borrowed): an id
 * TYPE--UUID whose TYPE is the object's type, spec_version "2.1" (may be
 * absent on a cyber-observable), created and modified RFC 3339
 * timestamps (not required on cyber-observables; modified not on a
 * marking-definition), and for an indicator a pattern and pattern_type,
 * a "stix" pattern that parses, valid_from (and any valid_until) a
 * timestamp.  0, or PX_EINVAL saying what was wrong.
 */
PX_MUST_CHECK int px_taxii_object_check(const json_t *o);

#endif
