/*
 * The vocabulary of parley: case kinds, categories, priorities, TLP 2.0
 * markings, message types, case states, triage decisions and reason codes.
 *
 * How to add a value: append it to the enum and to its name table in
 * types.c (wire names are lowercase and stable: they are signed).  Never
 * reorder: the numeric values are not on the wire, but tests index them.
 */
#ifndef PX_TYPES_H
#define PX_TYPES_H

#include <stddef.h>

#include "util/err.h"

enum px_kind {
	PX_KIND_REPORT,
	PX_KIND_REQUEST,
	PX_KIND_HOTLINE,
	PX_KIND_CHECK,
	PX_KIND_INJECT,
	PX_KIND_AGREEMENT,    /* an agreement proposal (docs/protocol.md) */
	PX_KIND_EXERCISE,     /* an exercise: its proposal and control
	                         (docs/exercises.md) */
	PX_KIND_VERIFICATION, /* a disclosure to a neutral verifier and its
	                         review (docs/attribution.md) */
	PX_KIND_FEED,         /* routine sharing between two parties (feeds) */
	PX_KIND__N
};

/* Categories follow the common CSIRT taxonomies (ENISA/RSIT classes);
 * docs/protocol.md maps each onto STIX 2.1 and IODEF 2. */
enum px_category {
	PX_CAT_BOTNET,
	PX_CAT_PHISHING,
	PX_CAT_VULNERABLE_SITE,
	PX_CAT_INTRUSION,
	PX_CAT_DDOS,
	PX_CAT_MALWARE,
	PX_CAT_OTHER,
	PX_CAT__N
};

enum px_priority { PX_P1, PX_P2, PX_P3, PX_P4, PX_PRIO__N };

/* TLP 2.0 (FIRST), wire names as in STIX's tlp_2_0 extension. */
enum px_tlp {
	PX_TLP_CLEAR,
	PX_TLP_GREEN,
	PX_TLP_AMBER,
	PX_TLP_AMBER_STRICT,
	PX_TLP_RED,
	PX_TLP__N
};

enum px_request_type {
	PX_RQ_INFORMATION,
	PX_RQ_INVESTIGATION,
	PX_RQ_EVIDENCE,
	PX_RQ_MITIGATION,
	PX_RQ_PRESERVATION, /* expedited preservation (Budapest Art. 29) */
	PX_RQ__N
};

/* Message types, after RFC 6545 (RID) Request / Acknowledgement / Result /
 * Report / Query, extended. */
enum px_msg_type {
	PX_MSG_REPORT,
	PX_MSG_REQUEST,
	PX_MSG_ACK,
	PX_MSG_TRIAGE,
	PX_MSG_UPDATE,
	PX_MSG_RESULT,
	PX_MSG_CLOSE,
	PX_MSG_WITHDRAW,
	PX_MSG_ESCALATE,
	PX_MSG_FEEDBACK,
	PX_MSG_CHECK,
	PX_MSG_CHECK_REPLY,
	PX_MSG_NOTE,
	PX_MSG_PROPOSE,    /* opens an agreement case: a version of the terms */
	PX_MSG_ACCEPT,     /* the proposal's receiver accepts it */
	PX_MSG_DECLINE,    /* ... or declines it */
	PX_MSG_EXERCISE,   /* opens an exercise case: the proposal */
	PX_MSG_CONTROL,    /* an act on an exercise (docs/exercises.md) */
	PX_MSG_EVIDENCE,   /* custody and transfer of an evidence item */
	PX_MSG_FINDING,    /* a factual statement (docs/attribution.md) */
	PX_MSG_ASSESSMENT, /* a judgment resting on findings */
	PX_MSG_DISCLOSE,   /* opens a verification case at a verifier */
	PX_MSG_REVIEW,     /* the verifier's signed review */
	PX_MSG_DIGEST,     /* a daily feed digest, or the receiver's verdict */
	PX_MSG_ROUTING,    /* a routing override: proposed, accepted, revoked */
	PX_MSG__N
};

enum px_state {
	PX_ST_SENT,
	PX_ST_DELIVERED,
	PX_ST_ACKNOWLEDGED,
	PX_ST_TRIAGED,
	PX_ST_NEEDS_INFO,
	PX_ST_IN_PROGRESS,
	PX_ST_RESOLVED,
	PX_ST_CLOSED,
	PX_ST_DECLINED,
	PX_ST_FORWARDED,
	PX_ST_WITHDRAWN,
	PX_ST_ACCEPTED, /* an agreement proposal its receiver accepted */
	PX_ST__N
};

enum px_decision {
	PX_DEC_ACCEPTED,
	PX_DEC_NEEDS_INFO,
	PX_DEC_DECLINED,
	PX_DEC_FORWARDED,
	PX_DEC__N
};

/* Reason codes for triage decisions (why a request was declined, etc.). */
enum px_reason {
	PX_RS_NOT_PERMITTED,
	PX_RS_NO_DATA,
	PX_RS_OUT_OF_SCOPE,
	PX_RS_INSUFFICIENT_INFO,
	PX_RS_DUPLICATE,
	PX_RS_COMPETENT_AUTHORITY,
	PX_RS_NO_RESOURCES,
	PX_RS_OTHER,
	PX_RS__N
};

enum px_clock {
	PX_CLK_ACK,
	PX_CLK_TRIAGE,
	PX_CLK_FIRST_RESPONSE,
	PX_CLK_RESOLUTION,
	PX_CLK__N
};

/* A name table: wire name, and a human label for the CLI. */
struct px_name {
	const char *wire;
	const char *label;
};

extern const struct px_name px_kind_names[PX_KIND__N];
extern const struct px_name px_category_names[PX_CAT__N];
/* The same names as one line for help texts, which are static; the unit
 * test test_types_category_list keeps it equal to the table. */
#define PX_CATEGORY_LIST \
	"botnet, phishing, vulnerable-website, intrusion, ddos, malware, other"
extern const struct px_name px_priority_names[PX_PRIO__N];
extern const struct px_name px_tlp_names[PX_TLP__N];
/* The marking a TLP tag names, as MISP and X-ARF write them: "tlp:" and
 * a TLP 2.0 name, or TLP 1.0's "white" (read as CLEAR), in any case
 * ("TLP:RED" as well as "tlp:red"); -1 for anything else. */
int px_tlp_from_tag(const char *tag);
extern const struct px_name px_request_type_names[PX_RQ__N];
extern const struct px_name px_msg_type_names[PX_MSG__N];
extern const struct px_name px_state_names[PX_ST__N];
extern const struct px_name px_decision_names[PX_DEC__N];
extern const struct px_name px_reason_names[PX_RS__N];
extern const struct px_name px_clock_names[PX_CLK__N];

/* Looks `s` up in a table of `n` names (wire name, case-insensitive);
 * returns its index, or PX_EINVAL with a message listing the choices, e.g.
 * "unknown priority 'P9' (expected one of: P1, P2, P3, P4)". */
PX_MUST_CHECK int px_name_lookup(
    const struct px_name *t, size_t n, const char *what, const char *s);
/* Exact-match lookup for wire data (no case folding): index or -1. */
int px_name_wire(const struct px_name *t, size_t n, const char *s);

#define PX_LOOKUP(table, what, s) \
	px_name_lookup(table, sizeof(table) / sizeof((table)[0]), what, s)
#define PX_WIRE(table, s) \
	px_name_wire(table, sizeof(table) / sizeof((table)[0]), s)

#endif
