/*
 * Routing feed events to the party responsible for them, in a way the
 * party that receives an event can recompute (docs/routing.md).
 *
 * A routing table is built from three things both parties can hold:
 *   - RIR delegation files (formats/rir.h): address or AS number ->
 *     country, each decision citing the file (registry, serial, SHA-256)
 *     and the line that decided;
 *   - each party's constituency from its signed card: countries, and
 *     optionally AS numbers and networks, some of them marked as the
 *     organisation's own;
 *   - bilateral overrides (a network or AS number -> a party, effective
 *     over a time span), signed messages both sides hold.
 *
 * For each event, the side that counts (the source, or the destination
 * for the types configured so) is looked up, most specific first:
 *   1. an override in effect at the routing time (longest prefix; an AS
 *      override below any network);
 *   2. a network of a party's constituency (longest prefix);
 *   3. the side's AS number, from the feed, in a party's constituency;
 *   4. the country the address was delegated to, in a party's countries.
 * Two parties matching at the same specificity make the event disputed;
 * none makes it unroutable; both are queued for a person, never dropped.
 * TLP:RED events are withheld; TLP:AMBER+STRICT ones only go to a party
 * whose own networks or AS numbers matched.  An event that this node's
 * own constituency matches is "own", not shared.
 *
 * Pure: no clock (the routing time is a parameter), no store, no files.
 */
#ifndef PX_MODEL_ROUTING_H
#define PX_MODEL_ROUTING_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "formats/event.h"
#include "formats/rir.h"
#include "util/buf.h"

enum px_rt_status {
	PX_RT_ROUTED,
	PX_RT_OWN,
	PX_RT_UNROUTABLE,
	PX_RT_DISPUTED,
	PX_RT_WITHHELD,
	/* Never a decision of the router: a person took the event out of
	 * the queue (node/feeds.h, px_feed_dismiss). */
	PX_RT_DISMISSED,
	PX_RT__N
};
extern const char *const px_rt_status_names[PX_RT__N];

enum px_rt_by {
	PX_RT_BY_NONE,
	PX_RT_BY_OVERRIDE,
	PX_RT_BY_NETWORK,
	PX_RT_BY_ASN,
	PX_RT_BY_COUNTRY,
	PX_RT_BY__N
};
extern const char *const px_rt_by_names[PX_RT_BY__N];

/* A bilateral override: `net`/`len` (or `asn`) goes to party `party`
 * from `from_ms` until `until_ms` (exclusive). */
struct px_rt_override {
	int party;
	bool is_asn;
	uint32_t asn;
	struct px_addr net;
	uint8_t len;
	int64_t from_ms, until_ms;
	char id[65]; /* the hash of the message that proposed it */
};

/* Why an event went where it did. */
struct px_rt_result {
	int status; /* enum px_rt_status */
	int by;     /* enum px_rt_by */
	int party;  /* the party it goes to, or -1 */
	int other;  /* a second claimant (disputed), or -1 */
	bool dst;   /* the destination side counted */
	bool own;   /* matched the party's own networks or AS numbers */
	int file;   /* by country: the delegation file */
	unsigned line;
	char cc[3];
	int ovr;            /* by override: its index */
	struct px_addr net; /* by network: the constituency network */
	uint8_t len;
	uint32_t asn;       /* by asn */
	const char *reason; /* static text when not routed */
};

struct px_rtable;

PX_MUST_CHECK int px_rtable_new(struct px_rtable **out);
void px_rtable_free(struct px_rtable *t);
/* Adds a delegation file (its text and SHA-256 hex); *index (may be
 * NULL) gets the file's index.  Errors name `what`. */
PX_MUST_CHECK int px_rtable_add_file(struct px_rtable *t, const char *text,
    size_t n, const char *sha256, const char *what, int *index);
/* Adds a party with its card's constituency (may be NULL: a party with
 * none).  `self` marks this node.  *index gets the party's index. */
PX_MUST_CHECK int px_rtable_add_party(struct px_rtable *t, const char *name,
    int64_t card_version, bool self, const json_t *constituency, int *index);
/* Adds an override (copied). */
void px_rtable_add_override(
    struct px_rtable *t, const struct px_rt_override *o);
/* Which types count by their destination (a bit per enum px_ev_type). */
void px_rtable_set_dst_types(struct px_rtable *t, uint64_t types);
/* Prepares the lookup structures; call after the last add. */
PX_MUST_CHECK int px_rtable_build(struct px_rtable *t);

/* Routes one event at routing time `now`. */
void px_route_event(struct px_rt_result *out, const struct px_rtable *t,
    const struct px_event *e, int64_t now);

/* Party lookups. */
int px_rtable_party(const struct px_rtable *t, const char *name);
const char *px_rtable_party_name(const struct px_rtable *t, int i);
int64_t px_rtable_party_card(const struct px_rtable *t, int i);
size_t px_rtable_nparties(const struct px_rtable *t);
/* The delegation files: registry, serial, SHA-256 hex of file i. */
size_t px_rtable_nfiles(const struct px_rtable *t);
void px_rtable_file(const struct px_rtable *t, int i, const char **registry,
    const char **serial, const char **sha256);
const struct px_rt_override *px_rtable_override(
    const struct px_rtable *t, int i);
/* Counts: delegated ranges and constituency entries (for status). */
void px_rtable_counts(
    const struct px_rtable *t, size_t *v4, size_t *v6, size_t *asn);

/*
 * The explanation of a route as one canonical JSON object (appended to
 * `out`), the "route" member of each event a peer receives (the routing
 * time is beside it, as the line's "routed"):
 *   {"by": "country", "card": 3, "cc": "DE",
 *    "file": {"registry": "ripencc", "serial": "20261201",
 *             "sha256": HEX},
 *    "line": 1234, "side": "source", "to": "cert-b.example"}
 * with "network" (by network), "asn" (by asn) or "override" (the
 * proposing message's hash) in place of cc/file/line, and "status",
 * "reason" and "claimants" for an event that was not routed.
 */
void px_route_json(struct px_buf *out, const struct px_rtable *t,
    const struct px_rt_result *r);

/* Validates a card's "constituency" member:
 *   {"countries": ["DE", ...], "asns": ["AS64500", "AS64510-AS64519"],
 *    "networks": ["192.0.2.0/24", "2001:db8::/32"],
 *    "own": {"asns": [...], "networks": [...]}}
 * Every member is optional.  PX_EINVAL names `what` and the entry. */
PX_MUST_CHECK int px_constituency_check(const json_t *c, const char *what);
/* Parses "AS64500" or "AS64500-AS64510" into [lo, hi]. */
PX_MUST_CHECK int px_asn_range(uint32_t *lo, uint32_t *hi, const char *s);

#endif
