/*
 * Evidence items: their manifests, and the custody and transfer events
 * that the record of a case holds about them (docs/evidence.md).
 *
 * An item is a file of any size, split into fixed chunks of
 * PX_EV_CHUNK bytes (the last one shorter).  Its transfer hash, `root`,
 * is the RFC 9162 Merkle tree hash over the chunks' SHA-256 digests
 * (each digest is one entry: leaf = SHA-256(0x00 || digest)), so a
 * receiver can check any chunk against a list of digests whose tree
 * hash is the root.  Its manifest says what the file is and how it was
 * acquired; the manifest's hash, `item`, names the item everywhere:
 *
 *   item = SHA-256("parley-manifest-v1\n" || JCS(manifest))
 *
 * A manifest carries a random nonce, so that `item` is also a hiding
 * commitment: a party that withholds an item from a verifier shows only
 * this hash (docs/attribution.md).
 *
 * Every custody and transfer event is a message of type "evidence"
 * whose body names the event and the item.  What the events of one case
 * say (who holds a copy, which transfer round is open, what the last
 * receipt said) is a replay like the case state: px_ev_apply, pure.
 *
 * How to add a custody event: append it to enum px_ev_event and to
 * px_ev_event_names, say who may sign it in px_ev_refusal, and what it
 * changes in px_ev_apply.
 */
#ifndef PX_EVIDENCE_H
#define PX_EVIDENCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/signed.h"
#include "model/types.h"

#define PX_EV_CHUNK (1u << 20) /* bytes per chunk, fixed in version 1 */
/* The largest item the wire format allows (a node's own limit, default
 * 4 GiB, is in parley.conf [evidence] max_item). */
#define PX_EV_MAX_SIZE (INT64_C(1) << 42)

enum px_ev_event {
	PX_EV_ACQUIRED,    /* the item entered the sender's custody */
	PX_EV_OFFERED,     /* the sender offers a copy to the receiver */
	PX_EV_ACCEPTED,    /* the receiver will take it (its policy said) */
	PX_EV_DECLINED,    /* ... or will not, with a reason */
	PX_EV_TRANSFERRED, /* the sender moved every chunk */
	PX_EV_RECEIVED,    /* the receiver's signed receipt, with a status */
	PX_EV_ACCESSED,    /* someone opened the held copy (by whom, why) */
	PX_EV_EXPORTED,    /* a copy left the node (by whom, why) */
	PX_EV_SEALED,      /* the held copy is sealed: no more access */
	PX_EV_RELEASED,    /* given to a third party (to whom, why) */
	PX_EV_DESTROYED,   /* the held copy was destroyed */
	PX_EV__N
};
extern const struct px_name px_ev_event_names[PX_EV__N];

/* A receipt's status. */
enum px_ev_status {
	PX_EVS_ACCEPTED,    /* every chunk and the root verified */
	PX_EVS_REJECTED,    /* it cannot be kept: why is given */
	PX_EVS_INCOMPLETE,  /* the transfer ended before every chunk came */
	PX_EVS_QUARANTINED, /* verified, but held apart by policy */
	PX_EVS__N
};
extern const struct px_name px_ev_status_names[PX_EVS__N];

/* The legal basis of an acquisition (the manifest's legal_basis.type). */
extern const struct px_name px_legal_basis_names[];
extern const size_t px_legal_basis_n;

/* A validated manifest; strings and `obj` are borrowed from the JSON it
 * was read from. */
struct px_manifest {
	char item[PX_HASH_HEX]; /* the manifest's own hash */
	char root[PX_HASH_HEX]; /* transfer hash */
	char sha256[PX_HASH_HEX];
	int64_t size, chunks;
	const char *exhibit, *media_type, *name;
	enum px_tlp tlp;
	const json_t *obj;
};

/* Validates a manifest object (docs/evidence.md lists its members) and
 * computes its hash.  PX_EINVAL naming `what` and the member. */
PX_MUST_CHECK int px_manifest_parse(
    struct px_manifest *out, const json_t *m, const char *what);
/* The number of chunks of a file of `size` bytes. */
int64_t px_ev_chunk_count(int64_t size);
/* The Merkle tree hash of `n` chunk digests (RFC 9162, each digest one
 * entry); SHA-256("") for n = 0. */
void px_ev_root(uint8_t out[32], const uint8_t (*digests)[32], size_t n);

/* Validates the body of an "evidence" message (used by message.c). */
PX_MUST_CHECK int px_ev_body_check(const json_t *body);

/* A chunk as it travels (the body of PUT /peer/v1/evidence/ITEM/chunks/N,
 * and each chunk file of an offline bundle directory):
 *
 *   "PXCHUNK1 " ITEM " " INDEX " " LENGTH " " SHA256 LF   then LENGTH bytes
 *
 * ITEM and SHA256 are 64 lowercase hex digits (the item's hash, the
 * chunk's digest), INDEX and LENGTH decimal without leading zeros
 * (LENGTH at most PX_EV_CHUNK), and the data runs exactly to the end.
 * The header names what the bytes claim to be, so a stray chunk file
 * can be identified; the receiver trusts none of it: it hashes the data
 * and compares with the item's checked chunk list. */
#define PX_EV_FRAME_MAX_HEADER 160
struct px_ev_frame {
	char item[PX_HASH_HEX];
	char sha256[PX_HASH_HEX];
	int64_t index;
	size_t len;
	const uint8_t *data; /* borrowed from the parsed buffer */
};
/* Parses a frame; PX_EINVAL saying what is wrong (a truncated frame says
 * how many bytes it promised and how many came). */
PX_MUST_CHECK int px_ev_frame_parse(
    struct px_ev_frame *out, const void *buf, size_t len);
/* Writes a frame's header into out[PX_EV_FRAME_MAX_HEADER]; returns its
 * length. */
size_t px_ev_frame_header(
    char *out, const char *item, int64_t index, size_t len, const char *sha256);

/* The transfer round of an item in a case. */
enum px_ev_round {
	PX_EVR_NONE,     /* never offered in this case */
	PX_EVR_OFFERED,  /* waiting for the receiver's decision */
	PX_EVR_ACCEPTED, /* accepted: chunks are moving */
	PX_EVR_DECLINED, /* the last offer was declined */
	PX_EVR_DONE,     /* the receiver signed its receipt */
};
extern const char *const px_ev_round_names[];

/* What the record of one case says about one item.  Pointers borrow
 * from the case's own messages. */
struct px_ev_item {
	struct px_manifest man;
	const char *acquirer; /* who signed "acquired", or NULL */
	/* Per party (0 the case's requester, 1 its responder). */
	bool holds[2];     /* holds a copy, as the record says */
	bool sealed[2];    /* sealed its copy */
	bool destroyed[2]; /* destroyed its copy */
	enum px_ev_round round;
	const char *offerer; /* of the current or last round */
	int status;          /* the last receipt's enum px_ev_status, or -1 */
	bool transferred;    /* the offerer signed "transferred" this round */
	const char *reason;  /* the last decline's or receipt's reason */
	size_t *events;      /* indexes into the case's messages: the
	                        events that took effect, in order */
	size_t nevents;
};

struct px_case;
struct px_msg;

/* Why message `m` (type evidence) cannot take effect in case `c` now, in
 * `buf`; NULL when it can. */
const char *px_ev_refusal(
    const struct px_case *c, const struct px_msg *m, char *buf, size_t n);
/* Applies c->msgs[idx], an evidence message px_ev_refusal allowed. */
void px_ev_apply(struct px_case *c, size_t idx);
/* Frees the case's item list. */
void px_ev_dispose(struct px_case *c);
/* The item of `c` named by `ref`: its full hash, a prefix of at least 8
 * hex digits of its hash or root, or its exhibit number; NULL (with the
 * error set: not found, or ambiguous) otherwise. */
const struct px_ev_item *px_ev_find(const struct px_case *c, const char *ref);
/* Checks the item's chain of custody as the record states it: every
 * "hash_after" equals the manifest's SHA-256 (the copy never changed),
 * and every "hash_before" equals what the same party last attested (its
 * previous "hash_after", or the manifest's for the first).  0, or -1
 * with the first break described in `why` (event index and what
 * differs). */
int px_ev_chain_check(
    const struct px_case *c, const struct px_ev_item *it, char *why, size_t n);
/* The SHA-256 party `who` (0 requester, 1 responder) last attested for
 * the item: its latest effective event's hash_after, else the
 * manifest's; borrowed. */
const char *px_ev_last_hash(
    const struct px_case *c, const struct px_ev_item *it, int who);
/* The event of an evidence message, or -1. */
int px_ev_event_of(const struct px_msg *m);
/* 0 for the case's requester, 1 for its responder, -1 otherwise. */
int px_ev_party(const struct px_case *c, const char *node);

#endif
