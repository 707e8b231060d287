/*
 * The feed members of signed messages (docs/feeds.md, docs/protocol.md):
 *
 *   report/update "feed": one part of an aggregation batch, and the
 *       content-addressed attachment holding its events:
 *       {"batch": 32 hex, "part": 1, "parts": 1,
 *        "interval": {"start": TIME, "end": TIME}, "events": N,
 *        "group": {"asn": N, "type": T, "identifier": S},
 *        "attachment": {"sha256": HEX, "size": N,
 *                       "media_type": "application/x-ndjson",
 *                       "name": S},                     (when events > 0)
 *        "hosts": {"total", "active", "new", "persistent", "gone"}}
 *   digest "digest": a day's digest for the receiving party, or
 *          "verdict": the receiver's check of one
 *   routing "routing": {"propose": {"match": {"network"|"asn"},
 *          "to": NODE, "until": TIME}} | {"accept": HASH} |
 *          {"revoke": HASH}
 *
 * Validation is as strict as the rest of message.c: unknown members are
 * refused and every value has one spelling.
 */
#ifndef PX_MODEL_FEEDMSG_H
#define PX_MODEL_FEEDMSG_H

#include <jansson.h>

#include "util/err.h"

/* The largest attachment a message may reference, in bytes. */
#define PX_ATTACH_MAX_BYTES (16u << 20)
#define PX_ATTACH_MEDIA     "application/x-ndjson"

PX_MUST_CHECK int px_feedmsg_check_batch(const json_t *f);
PX_MUST_CHECK int px_feedmsg_check_digest(const json_t *body);
PX_MUST_CHECK int px_feedmsg_check_routing(const json_t *body);
/* True for 64 lowercase hex digits. */
int px_is_hex64(const char *s);

struct px_case;

/* A routing override as the messages of a feed case make it: proposed
 * by one party, in effect once the other accepts it, until it expires or
 * either party revokes it.  Strings borrow from the case. */
struct px_override {
	const char *id; /* the proposing message's hash */
	const char *proposer, *to;
	const char *match; /* "192.0.2.0/24" or "AS64500" */
	int64_t proposed_ms, accepted_ms, revoked_ms, until_ms; /* -1: not */
	const char *accepted_by; /* the accepting message's hash, or NULL */
};

/* The overrides of a replayed case (none for another kind): *out is a
 * heap array the caller frees (not its strings).  Acceptances and
 * revocations that name no proposal of the case, a proposal naming a
 * party outside the case, and a party accepting its own proposal are
 * ignored, so both sides derive the same list. */
void px_overrides_of_case(
    struct px_override **out, size_t *n, const struct px_case *c);
/* "active", "proposed", "expired" or "revoked" at `now`. */
const char *px_override_state(const struct px_override *o, int64_t now);

#endif
