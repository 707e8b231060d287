/*
 * The internal feed event: what every input format (Shadowserver CSV,
 * IntelMQ JSON Lines, X-ARF v4, a CSV with a mapping file) becomes, so
 * that routing, deduplication, aggregation and the attachments a peer
 * receives never depend on where an event came from.  docs/feeds.md
 * describes every member.
 *
 * An event lives in one fixed-size struct with its strings in an arena
 * inside it (no allocation per event: the ingest pipeline decodes
 * millions of them into the same struct).  Because the strings point into
 * the struct, an event must not be copied by assignment; use
 * px_event_copy.  Nothing here reads a clock, a file or the network.
 *
 * Normal forms (one spelling per value, as for observables):
 *   times     int64 ms since the epoch, UTC; -1 when not known
 *   ip        binary IPv4 or IPv6; written as dotted quad or RFC 5952
 *   network   address with the host bits zero and a prefix length
 *   port      0..65535, -1 when not known
 *   asn       1..4294967295, -1 when not known
 *   fqdn      lowercase, no trailing dot
 *   strings   valid UTF-8, bounded (PX_EV_MAX_*)
 */
#ifndef PX_FORMATS_EVENT_H
#define PX_FORMATS_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/types.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/u64map.h"

#define PX_EV_ARENA     8192 /* bytes of strings one event may hold */
#define PX_EV_MAX_EXTRA 16   /* extra members kept per event */
#define PX_EV_MAX_KEY   64   /* bytes of an extra's name */
#define PX_EV_MAX_VALUE 512  /* bytes of an extra's value */
#define PX_EV_MAX_NAME  128  /* feed, provider, identifier, malware */
#define PX_EV_MAX_FQDN  253
#define PX_EV_MAX_URL   2048
#define PX_EV_MAX_PROTO 32

/* The classification types of the IntelMQ data harmonisation (after the
 * Reference Security Incident Taxonomy); docs/feeds.md has the table with
 * each type's taxonomy, case category and deduplication bucket. */
enum px_ev_type {
	PX_EVT_SPAM,
	PX_EVT_HARMFUL_SPEECH,
	PX_EVT_VIOLENCE,
	PX_EVT_INFECTED_SYSTEM,
	PX_EVT_C2_SERVER,
	PX_EVT_MALWARE_DISTRIBUTION,
	PX_EVT_MALWARE_CONFIGURATION,
	PX_EVT_SCANNER,
	PX_EVT_SNIFFING,
	PX_EVT_SOCIAL_ENGINEERING,
	PX_EVT_IDS_ALERT,
	PX_EVT_BRUTE_FORCE,
	PX_EVT_EXPLOIT,
	PX_EVT_PRIVILEGED_ACCOUNT_COMPROMISE,
	PX_EVT_UNPRIVILEGED_ACCOUNT_COMPROMISE,
	PX_EVT_APPLICATION_COMPROMISE,
	PX_EVT_SYSTEM_COMPROMISE,
	PX_EVT_BURGLARY,
	PX_EVT_DDOS,
	PX_EVT_DOS,
	PX_EVT_OUTAGE,
	PX_EVT_SABOTAGE,
	PX_EVT_UNAUTHORISED_INFORMATION_ACCESS,
	PX_EVT_UNAUTHORISED_INFORMATION_MODIFICATION,
	PX_EVT_DATA_LOSS,
	PX_EVT_DATA_LEAK,
	PX_EVT_UNAUTHORIZED_USE_OF_RESOURCES,
	PX_EVT_COPYRIGHT,
	PX_EVT_MASQUERADE,
	PX_EVT_PHISHING,
	PX_EVT_WEAK_CRYPTO,
	PX_EVT_DDOS_AMPLIFIER,
	PX_EVT_POTENTIALLY_UNWANTED_ACCESSIBLE,
	PX_EVT_INFORMATION_DISCLOSURE,
	PX_EVT_VULNERABLE_SYSTEM,
	PX_EVT_BLOCKLIST,
	PX_EVT_OTHER,
	PX_EVT_UNDETERMINED,
	PX_EVT_TEST,
	PX_EVT__N
};

struct px_ev_type_info {
	const char *name;          /* classification.type, e.g. "c2-server" */
	const char *taxonomy;      /* classification.taxonomy */
	enum px_category category; /* the case category it is shared as */
	int bucket_days; /* deduplication time bucket: 7 for C2, else 1 */
	bool dst_in_key; /* the destination tells events apart (attacks) */
};

extern const struct px_ev_type_info px_ev_types[PX_EVT__N];

enum px_severity {
	PX_SEV_UNKNOWN,
	PX_SEV_INFO,
	PX_SEV_LOW,
	PX_SEV_MEDIUM,
	PX_SEV_HIGH,
	PX_SEV_CRITICAL,
	PX_SEV__N
};
extern const char *const px_severity_names[PX_SEV__N]; /* "" for unknown */

/* An address: family 0 (none), 4 or 6; IPv4 in the first 4 bytes. */
struct px_addr {
	uint8_t fam;
	uint8_t b[16];
};

/* One side of an event (source or destination). */
struct px_ev_end {
	struct px_addr ip;
	struct px_addr net; /* the network it is in, if the feed says */
	uint8_t net_len;
	int32_t port;                /* -1: not known */
	int64_t asn;                 /* -1: not known */
	const char *fqdn, *url, *cc; /* in the arena, or NULL */
};

struct px_ev_extra {
	const char *key, *value; /* in the arena */
};

struct px_event {
	int64_t t_source, t_obs; /* ms, -1 when not known */
	const char *feed, *provider;
	int type; /* enum px_ev_type, -1 until set */
	const char *identifier;
	struct px_ev_end src, dst;
	const char *transport, *application;
	const char *malware;
	const char *url_path; /* PX_F_SRC_URL_PATH, joined by finish */
	int severity;         /* enum px_severity */
	int tlp;              /* enum px_tlp, -1 until set */
	size_t nextra;
	struct px_ev_extra extra[PX_EV_MAX_EXTRA];
	size_t extra_dropped; /* extras beyond PX_EV_MAX_EXTRA */
	size_t used;
	char arena[PX_EV_ARENA];
};

/* Empties the event (all members unknown). */
void px_event_reset(struct px_event *e);
/* Copies `src` into `dst`, rebasing its strings into dst's arena. */
void px_event_copy(struct px_event *dst, const struct px_event *src);

/* Copies n bytes of `s` into the arena and returns it NUL-terminated in
 * *out.  PX_EINVAL if it is longer than `max`, not UTF-8, or holds a NUL;
 * PX_ETOOBIG if the arena is full.  The message names `what`. */
PX_MUST_CHECK int px_event_str(struct px_event *e, const char **out,
    const char *s, size_t n, size_t max, const char *what);
/* Adds an extra member; keys are lowercased and any byte outside
 * [a-z0-9._-] written '_'.  An empty value is skipped; values beyond
 * PX_EV_MAX_VALUE are refused; extras beyond PX_EV_MAX_EXTRA are counted
 * in extra_dropped, not stored. */
PX_MUST_CHECK int px_event_extra(struct px_event *e, const char *key,
    size_t klen, const char *val, size_t vlen);

/* Field parsers over (pointer, length) text.  Each returns 0 or
 * PX_EINVAL with a message naming `what` and the value. */
PX_MUST_CHECK int px_ev_parse_ip(
    struct px_addr *out, const char *s, size_t n, const char *what);
/* A network "a.b.c.d/len" or "v6/len"; host bits must be zero. */
PX_MUST_CHECK int px_ev_parse_net(struct px_addr *out, uint8_t *len,
    const char *s, size_t n, const char *what);
/* Decimal 0..65535. */
PX_MUST_CHECK int px_ev_parse_port(
    int32_t *out, const char *s, size_t n, const char *what);
/* "64500", "AS64500" or "as64500"; 1..4294967295. */
PX_MUST_CHECK int px_ev_parse_asn(
    int64_t *out, const char *s, size_t n, const char *what);
/* Times as feeds write them: "2026-12-01 10:00:07" (UTC), an RFC 3339
 * instant with "T" or a space, an optional fraction, and "Z", "+hh:mm",
 * "+hhmm" or " UTC"; or a Unix time in seconds (10 digits or fewer) or
 * milliseconds (13 digits). */
PX_MUST_CHECK int px_ev_parse_time(
    int64_t *out, const char *s, size_t n, const char *what);
/* A classification type by its IntelMQ name (exact, lowercase). */
PX_MUST_CHECK int px_ev_parse_type(
    int *out, const char *s, size_t n, const char *what);
/* "critical", "high", "medium", "low", "info" in any case. */
PX_MUST_CHECK int px_ev_parse_severity(
    int *out, const char *s, size_t n, const char *what);
/* "clear", "white", "green", "amber", "amber+strict", "red", with or
 * without a "TLP:" prefix, any case. */
PX_MUST_CHECK int px_ev_parse_tlp(
    int *out, const char *s, size_t n, const char *what);
/* A host name: lowercased, a trailing dot dropped, labels of
 * [a-z0-9_-] (underscores occur in real feeds) or punycode. */
PX_MUST_CHECK int px_ev_parse_fqdn(struct px_event *e, const char **out,
    const char *s, size_t n, const char *what);

/* The members a feed's column or key can fill, named as in the IntelMQ
 * harmonisation ("source.ip"); px_ev_field_names[] holds the names. */
enum px_ev_field {
	PX_F_IGNORE,
	PX_F_EXTRA,
	PX_F_TIME_SOURCE,
	PX_F_TIME_OBS,
	PX_F_FEED,
	PX_F_PROVIDER,
	PX_F_TYPE,
	PX_F_TAXONOMY, /* checked against the type, not stored */
	PX_F_IDENTIFIER,
	PX_F_SRC_IP,
	PX_F_SRC_PORT,
	PX_F_SRC_ASN,
	PX_F_SRC_NET,
	PX_F_SRC_FQDN,
	PX_F_SRC_URL,
	PX_F_SRC_CC,
	PX_F_DST_IP,
	PX_F_DST_PORT,
	PX_F_DST_ASN,
	PX_F_DST_NET,
	PX_F_DST_FQDN,
	PX_F_DST_URL,
	PX_F_DST_CC,
	PX_F_TRANSPORT,
	PX_F_APPLICATION,
	PX_F_MALWARE,
	PX_F_SEVERITY,
	PX_F_TLP,
	PX_F_SRC_URL_PATH, /* a URL's path whose host is source.fqdn */
	PX_F__N
};
extern const char *const px_ev_field_names[PX_F__N];
/* The field named `name` ("source.ip"), or -1. */
int px_ev_field_lookup(const char *name, size_t n);
/* Sets one member from text; an empty value leaves it unknown, and so
 * does an AS number 0 (feeds write it for "not known").  The message of
 * an error names `what` (the column or key) and the value. */
PX_MUST_CHECK int px_event_set(
    struct px_event *e, int field, const char *s, size_t n, const char *what);
/* Writes an address as text (dotted quad, or RFC 5952); out[46]. */
void px_addr_format(char out[46], const struct px_addr *a);
/* Compares two addresses (family first, then bytes). */
int px_addr_cmp(const struct px_addr *a, const struct px_addr *b);

/* Checks that an event is complete enough to route and share: a type, a
 * source time or observation time, and an address, host name or URL on
 * either side; fills in the TLP default, the identifier (the malware's
 * name, else the type's) and joins a URL path to the
 * source host name ("http://" host path).  PX_EINVAL says what is
 * missing. */
PX_MUST_CHECK int px_event_finish(struct px_event *e, int default_tlp);

/* The event as one RFC 8785 canonical JSON object (docs/feeds.md):
 * appended to `out`.  Its id is SHA-256("parley-event-v1\n" || these
 * bytes), as hex, so a peer recomputes it from the object it holds. */
PX_MUST_CHECK int px_event_json(struct px_buf *out, const struct px_event *e);
/* The event id (64 hex digits and NUL) of a canonical event object. */
void px_event_id(char out[65], const char *json, size_t len);

/* The side routing looks at: the source, or the destination for the
 * types named in `dst_types` (a bit per enum px_ev_type). */
const struct px_ev_end *px_event_side(
    const struct px_event *e, uint64_t dst_types, bool *is_dst);

/* The deduplication key (docs/feeds.md): a 64-bit hash of the
 * identifier, source address and port, the destination where the type
 * makes it tell events apart, the malware name, and the time bucket (one
 * day, or seven for C2 servers) of the event's time. */
uint64_t px_event_dedup_key(const struct px_event *e);
/* The bucket's start, in ms, for the event's time. */
int64_t px_event_bucket(const struct px_event *e);
/* The event's time: source time, else observation time, else -1. */
int64_t px_event_time(const struct px_event *e);

#endif
