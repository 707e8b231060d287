/*
 * RIR delegation files: the statistics exchange format the five
 * Regional Internet Registries publish daily ("delegated-ripencc-
 * extended-latest" and friends), from which routing learns which country
 * an address or AS number was delegated to.
 *
 *   2|ripencc|20261201|190000|19830705|20261130|+0100      version line
 *   ripencc|*|ipv4|*|85000|summary                         summary lines
 *   ripencc|DE|ipv4|192.0.2.0|768|20100101|allocated       records
 *   ripencc|DE|ipv6|2001:db8::|32|20100101|allocated
 *   ripencc|DE|asn|64500|16|20100101|assigned
 *
 * A record is registry|cc|type|start|value|date|status, optionally
 * followed by an opaque id and extensions (the "extended" files).  For
 * ipv4 `value` counts addresses and need not be a power of two; for ipv6
 * it is a prefix length; for asn it counts AS numbers.  Lines starting
 * with '#' are comments.  Records whose status is not allocated or
 * assigned (available, reserved) or whose country is not two letters
 * (ZZ, empty) delegate nothing and are skipped, but counted.
 *
 * Parsing is strict: routing decisions cite a file's serial and line, so
 * a line that does not parse refuses the whole file, naming it.
 */
#ifndef PX_FORMATS_RIR_H
#define PX_FORMATS_RIR_H

#include <stddef.h>
#include <stdint.h>

#include "formats/event.h"
#include "util/err.h"

enum px_rir_type { PX_RIR_ASN, PX_RIR_IPV4, PX_RIR_IPV6 };

struct px_rir_header {
	char registry[32];
	char serial[32];
	int64_t records;   /* as the version line states */
	int64_t delegated; /* records that delegate (allocated, assigned) */
	int64_t skipped;   /* records that do not */
	unsigned lines;
};

struct px_rir_record {
	int type;          /* enum px_rir_type */
	char cc[3];        /* upper case */
	struct px_addr lo; /* first address (ipv4, ipv6) */
	struct px_addr hi; /* last address */
	uint32_t asn_lo, asn_hi;
	unsigned line; /* 1-based line number in the file */
};

typedef int (*px_rir_cb)(const struct px_rir_record *r, void *arg);

/*
 * Parses a delegation file, calling `cb` for each record that delegates;
 * a non-zero return from `cb` stops and is returned.  *hdr gets the
 * registry, serial and counts.  PX_EINVAL names `what` and the line for
 * a malformed file: no version line, a bad record, an IPv4 range past
 * 255.255.255.255, an IPv6 start that is not on its prefix boundary.
 */
PX_MUST_CHECK int px_rir_parse(const char *text, size_t n,
    struct px_rir_header *hdr, px_rir_cb cb, void *arg, const char *what);

#endif
