/*
 * Node cards: how a node introduces itself to a peer.
 *
 * A card is a signed envelope (kind "card", signed.h) made by the node's
 * own signing key, which the card also carries, so it proves possession of
 * the key but not identity: identity comes from enrolment out of band,
 * where the peer's operator compares the key fingerprint that
 * `parley peer add` prints with the one the node's operator reads out.
 *
 *   {"card": {"v": 1, "name": "cert-a.example", "version": 1,
 *             "issued": TIME, "url": "https://...", "tls": "sha256:HEX",
 *             "keys": {"sign": B64, "cosign": B64},
 *             "log_key": "name+hexid+B64",     (C2SP, Ed25519 0x01)
 *             "witness_key": "name+hexid+B64", (C2SP, cosignature 0x04)
 *             "timezone": "Asia/Shanghai", "languages": ["zh", "en"],
 *             "hours": {"days": "Mon-Fri", "time": "09:00-17:00",
 *                       "holidays": ["2026-10-01", ...]},
 *             "contacts": [{"role": "technical", "name": "...", ...}],
 *             "role": "verifier",           (optional; docs/attribution.md)
 *             "constituency": {"countries": ["DE"], "asns": [...],
 *                              "networks": [...], "own": {...}}},
 *    "sig": B64}
 */
#ifndef PX_CARD_H
#define PX_CARD_H

#include <jansson.h>
#include <stdint.h>

#include "crypto/sign.h"
#include "model/signed.h"

#define PX_CARD_MAX_BYTES (256 * 1024)

struct px_card {
	json_t *env; /* owned */
	const json_t *c;
	const char *name, *url, *tls, *timezone;
	const char *role; /* "verifier", "party" or NULL (a party) */
	const json_t *hours, *contacts, *languages;
	const json_t *constituency; /* docs/routing.md, or NULL */
	uint8_t sign_pk[PX_PUBKEY_LEN];
	uint8_t cosign_pk[PX_PUBKEY_LEN];
	int64_t version, issued_ms;
	char hash[PX_HASH_HEX];
};

/* Signs the card object `c` (borrowed; built by the node) with `k`, whose
 * public key must be c.keys.sign.  Returns the envelope in *out. */
PX_MUST_CHECK int px_card_sign(json_t **out, json_t *c, const struct px_key *k);
/* Parses a card from text (canonical JSON, optional trailing newline) and
 * verifies its self-signature.  `what` names the source in errors. */
PX_MUST_CHECK int px_card_parse(
    struct px_card *out, const char *text, size_t len, const char *what);
/* Parses a card this node verified when it pinned it: the shape is
 * checked again, the self-signature is not (the store is this node's own;
 * `parley log verify` and audits re-check what others must trust). */
PX_MUST_CHECK int px_card_parse_pinned(
    struct px_card *out, const char *text, size_t len, const char *what);
/* Same, from an already parsed envelope (new reference taken). */
PX_MUST_CHECK int px_card_from_json(
    struct px_card *out, json_t *env, const char *what);
void px_card_dispose(struct px_card *c);
/* What changed in the points of contact between two versions of a card
 * (the "card" objects): {"added": [ids], "removed": [ids], "changed":
 * [{"id", "fields": [...]}], "roster_changed", "from_version",
 * "to_version"}, and "constituency" when it changed: per list
 * ("countries", "asns", "networks", "own.asns", "own.networks")
 * {"added": [...], "removed": [...]} (new reference). */
json_t *px_card_contacts_diff(const json_t *old_c, const json_t *new_c);
/* A short fingerprint for reading aloud: the first 20 bytes of
 * SHA-256(sign key) as 5 groups of 8 hex digits; out[45]. */
void px_key_fingerprint(char out[45], const uint8_t pk[PX_PUBKEY_LEN]);

#endif
