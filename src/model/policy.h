/*
 * The TLP choke point: what of a case may leave this node, by which path,
 * for which audience, under the case's TLP 2.0 marking.
 *
 * Every path by which case data leaves a node asks px_policy_release
 * before it writes a byte: peer delivery (px_node_send), exports of every
 * format, the review report, audit bundles, the record view, webhooks and
 * e-mails.  The answer is one of three levels: the whole case (title,
 * texts, observables), only its reference (id, kind, category, priority,
 * marking and times: that the case exists, not what it says), or nothing,
 * with an error that names the marking, the case and what it stopped.
 * docs/interop.md has the table.
 *
 * The rules follow FIRST TLP 2.0:
 *   RED           the named recipients only: the two parties of the case
 *                 (and this node's own token holders, who are the
 *                 recipient).  Through carriers outside the node (mail
 *                 relays, webhook receivers) and into the organisation's
 *                 own tools only the reference leaves.
 *   AMBER+STRICT  the recipient organisation only.
 *   AMBER         the recipient organisation, and its constituency when the
 *                 agreement with the originator allows it.
 *   GREEN         the community (enrolled peers, TAXII readers, feed
 *                 subscribers), never the public.
 *   CLEAR         anyone.
 *
 * How to add an outbound path: a value in enum px_out_path and its name
 * in px_out_path_names; the path states its audience when it calls.
 * Pure: no storage, no clock.
 */
#ifndef PX_POLICY_H
#define PX_POLICY_H

#include <stdbool.h>

#include "model/types.h"
#include "util/err.h"

enum px_out_path {
	PX_OUT_PEER,    /* a signed message delivered to a peer node */
	PX_OUT_FORWARD, /* a linked case opened at a third party */
	PX_OUT_TAXII,   /* a TAXII collection */
	PX_OUT_EXPORT,  /* an export file: stix, misp, xarf, iodef */
	PX_OUT_REPORT,  /* the review report */
	PX_OUT_AUDIT,   /* an audit bundle for a neutral verifier */
	PX_OUT_RECORD,  /* the record view (API, console, CLI) */
	PX_OUT_WEBHOOK, /* a webhook POST to one of our contacts */
	PX_OUT_EMAIL,   /* an e-mail through the node's relay */
	PX_OUT__N
};
extern const char *const px_out_path_names[PX_OUT__N];

/* Who will read what leaves, from the closest to the widest. */
enum px_audience {
	PX_AUD_PARTY,        /* a named party of the case (`to` says which) */
	PX_AUD_NODE,         /* this node's own token holders, on the node */
	PX_AUD_ORG,          /* our organisation beyond the node: its people
	                        through mail or webhooks, its own tools */
	PX_AUD_CONSTITUENCY, /* a recipient's clients (a third party that
	                        the agreement lets AMBER reach) */
	PX_AUD_ARBITER,      /* a neutral verifier the parties hand an audit
	                        bundle to: AMBER's need to know, not
	                        AMBER+STRICT's or RED's */
	PX_AUD_COMMUNITY,    /* the sharing community: enrolled peers that are
	                        not parties, TAXII readers, feed subscribers */
	PX_AUD_PUBLIC,       /* anyone */
	PX_AUD__N
};
extern const char *const px_audience_names[PX_AUD__N];

enum px_release {
	PX_REL_NONE, /* nothing leaves */
	PX_REL_REF,  /* the reference and metadata only */
	PX_REL_ALL,  /* the whole case */
};

/* The case as the policy sees it: everything borrowed for the call. */
struct px_policy_case {
	const char *id; /* for the refusal's message */
	enum px_tlp tlp;
	const char *requester, *responder; /* its named recipients */
	/* The agreement with the originator lets AMBER reach the
	 * recipient's constituency (agreement setting amber_constituency). */
	bool amber_constituency;
};

/* Where it would go. */
struct px_policy_dest {
	enum px_out_path path;
	enum px_audience audience;
	const char *to; /* the receiving node's name, or NULL */
};

/*
 * Decides how much of case `c` may leave by `d`.  Returns the level
 * (PX_REL_ALL or PX_REL_REF, never negative), or PX_EPERM with a message
 * such as "TLP:RED stops case 0193...: it may go only to its named
 * recipients (cert-a.example, cert-b.example), not to cert-c.example by
 * forwarding" when nothing may leave.  A PARTY audience whose `to` is not
 * one of the case's two parties is judged as COMMUNITY (a peer that is not
 * named is just a member of the community).
 */
PX_MUST_CHECK int px_policy_release(
    const struct px_policy_case *c, const struct px_policy_dest *d);

/* The same without setting an error: the level, with PX_REL_NONE for a
 * refusal (for paths that skip what may not leave, like a TAXII
 * collection, and say so elsewhere). */
enum px_release px_policy_level(
    const struct px_policy_case *c, const struct px_policy_dest *d);

/* "TLP:AMBER+STRICT" and so on: the marking as people write it (static). */
const char *px_tlp_label(enum px_tlp t);

#endif
