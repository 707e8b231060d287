/*
 * Routine sharing at feed scale (docs/feeds.md, docs/routing.md): feed
 * files in, events routed to the party responsible, deduplicated,
 * aggregated into ordinary report cases with an attachment of their
 * events, and a signed daily digest per peer that the peer recomputes.
 *
 *   ingest.c     the streaming pipeline: read, decode, deduplicate,
 *                route, store; resumable, bounded memory
 *   route.c      the routing table from the loaded delegation files, the
 *                cards and the overrides; loading delegation files
 *   aggregate.c  batches due -> report cases and updates, remediation
 *   attach.c     content-addressed attachments (node/attach.h)
 *   digest.c     daily digests: make, send, verify
 *
 * Settings are [feeds] in parley.conf (px_feed_cfg).
 */
#ifndef PX_NODE_FEEDS_H
#define PX_NODE_FEEDS_H

#include <jansson.h>
#include <stdbool.h>

#include "formats/decoder.h"
#include "model/routing.h"
#include "node/node.h"

/* The largest feed file parley ingests, from any way in (the API's
 * upload streams to disk up to this size). */
#define PX_FEED_FILE_MAX ((size_t)64 << 30)

struct px_feed_cfg {
	uint64_t dst_types; /* types routed by destination (bit per type) */
	int64_t interval_ms, critical_ms;
	int64_t cutoff_ms; /* the digest cut-off's offset from 00:00 UTC */
	int tlp;           /* default TLP */
	int expire_days, persistent_days;
	char *spool;       /* absolute path of the spool directory */
	size_t attach_max; /* bytes of events per attachment */
};

/* Reads [feeds] (defaults for what is absent); PX_EINVAL names a bad
 * value.  Dispose with px_feed_cfg_dispose. */
PX_MUST_CHECK int px_feed_cfg_load(
    struct px_feed_cfg *out, const struct px_node *n);
void px_feed_cfg_dispose(struct px_feed_cfg *c);
/* The start of the aggregation interval of length `len` holding `t`,
 * aligned to the digest cut-off. */
int64_t px_feed_interval(const struct px_feed_cfg *c, int64_t t, int64_t len);
/* The UTC day ("2026-12-01") whose digest covers intervals starting at
 * `t`: days run from one cut-off to the next, named by their start. */
void px_feed_day(char out[11], const struct px_feed_cfg *c, int64_t t);
/* The start of day `day` ("2026-12-01"); PX_EINVAL if malformed. */
PX_MUST_CHECK int px_feed_day_start(
    int64_t *out, const struct px_feed_cfg *c, const char *day);

/* --- routing (route.c) ---------------------------------------------- */

/* Copies a delegation file into DIR/routing/ (named by its SHA-256),
 * checks it parses, and makes it its registry's active file.  *out (may
 * be NULL) gets its row. */
PX_MUST_CHECK int px_routing_load(
    struct px_node *n, const char *path, struct px_routing_file_row *out);
/* Builds the routing table: the active delegation files, this node and
 * every pinned peer with their cards' constituencies, and the overrides
 * both sides signed.  The caller frees it with px_rtable_free. */
PX_MUST_CHECK int px_node_rtable(
    struct px_rtable **out, struct px_node *n, const struct px_feed_cfg *cfg);
/* The text of line `line` of an active delegation file (by its SHA-256;
 * heap), for showing the line that decided.  PX_ENOTFOUND if the file
 * is not here. */
PX_MUST_CHECK int px_routing_line(
    char **out, struct px_node *n, const char *sha256, unsigned line);

/* Routes a made-up event about address `ip` the way ingest would at
 * `at` (asn, type, tlp: text as in a feed, or NULL for none, infected-
 * system, amber), and explains it: *out gets {"status", "route" (as
 * events carry it), "because" (the same, as text), "party" and "other"
 * (names, when there are), "reason", "line_number" and "line" (the
 * delegation line that decided, when one did and its file is here)}.
 * PX_EINVAL names a value that does not parse. */
PX_MUST_CHECK int px_route_explain(json_t **out, struct px_node *n,
    const char *ip, const char *asn, const char *type, const char *tlp,
    int64_t at);

/* --- ingest (ingest.c) ---------------------------------------------- */

struct px_ingest_opts {
	const char *path;    /* the file to read */
	const char *name;    /* shown and used for the report type; NULL:
	                        the path's base name */
	int fmt;             /* enum px_fmt, or -1 to guess */
	const char *mapping; /* mapping file text (format csv) */
	size_t mlen;
	const char *feed, *provider; /* defaults, may be NULL */
	int tlp;                     /* default TLP, or -1 for [feeds] tlp */
	const char *source;          /* "cli", "spool" or "api" */
	bool again; /* ingest a file that was already ingested */
	/* Called after each committed chunk (may be NULL). */
	void (*progress)(const struct px_feed_file_row *r, void *arg);
	void *arg;
};

/*
 * Ingests one file, streaming: records are decoded, deduplicated,
 * routed and stored in chunks, each one durable transaction that also
 * records how far the file was read, so an ingest that stops (a crash, a
 * kill) resumes where it stopped when the same file is ingested again,
 * losing and duplicating nothing.  Bad records are counted and kept with
 * their line and reason; they never stop the file.  *out gets the file's
 * row (counts).  PX_ECONFLICT: the file was ingested before (see
 * `again`), or another ingest holds the node; PX_EINVAL: the format
 * cannot read the file at all (its message says why).
 */
PX_MUST_CHECK int px_feed_ingest(struct px_node *n,
    const struct px_ingest_opts *o, struct px_feed_file_row *out);

/* Serialises the ingests and flushes of a node (DIR/feeds/lock), so a
 * flush never sends a batch an ingest is still filling.  *fd gets the
 * held lock; PX_ECONFLICT after `wait_ms`. */
PX_MUST_CHECK int px_feed_lock(struct px_node *n, int64_t wait_ms, int *fd);
void px_feed_unlock(int fd);

/* The spool: ingests every file in the spool directory, moving each to
 * spool/done/ (or spool/failed/ with a .why file) when finished.  Files
 * whose name starts with '.' are still being written and wait.
 * *count gets the number of files ingested. */
PX_MUST_CHECK int px_feed_spool(struct px_node *n, size_t *count);
/* An input file's row as the CLI and the API show it. */
json_t *px_feed_file_json(const struct px_feed_file_row *r);

/* --- the queue (queue.c) --------------------------------------------- */

/* A person routes queued event `id` (unroutable, disputed or withheld)
 * to pinned peer `peer`: it joins its group's batch of the current
 * interval, carrying the explanation {"by": "person", "to", "card",
 * "side", "was", "reason"}.  `who` (may be NULL) and `reason` (may be
 * NULL) are recorded with the action.  PX_ENOTFOUND: no such event or
 * peer; PX_ECONFLICT: the event is not in the queue; PX_EINVAL: a
 * TLP:RED or AMBER+STRICT event (never routed by hand). */
PX_MUST_CHECK int px_feed_route_to(struct px_node *n, int64_t id,
    const char *peer, const char *who, const char *reason);
/* A person takes queued event `id` out of the queue, for `reason`
 * (required); its status becomes "dismissed". */
PX_MUST_CHECK int px_feed_dismiss(
    struct px_node *n, int64_t id, const char *who, const char *reason);
/* Routes every unroutable or disputed event again with the current
 * table (after an override was accepted, a delegation file or a card
 * changed); those that now go to a peer join a batch as above, recorded
 * as "reroute" actions.  *routed gets how many. */
PX_MUST_CHECK int px_feed_reroute(
    struct px_node *n, const char *who, size_t *routed);
/* An action row as the CLI and the API show it (a new reference). */
json_t *px_feed_action_json(const struct px_feed_action_row *r);

/* --- aggregation and digests ---------------------------------------- */

struct px_flush_report {
	size_t opened;  /* report cases opened */
	size_t updates; /* updates to open cases */
	size_t parts;   /* messages sent (a big batch takes several) */
	size_t closed;  /* cases closed as resolved */
	size_t digests; /* digests sent */
	size_t events;  /* events shared */
};

/* Sends every batch whose interval ended by `now` (all unsent batches
 * if `all`), closes cases whose hosts stopped appearing, and signs the
 * digests of days that ended.  Each message is signed and queued like
 * any other (the outbox delivers it). */
PX_MUST_CHECK int px_feed_flush(
    struct px_node *n, int64_t now, bool all, struct px_flush_report *rep);

/* The digest of `day` for `peer` as this node would sign it (a new
 * reference): counts, the Merkle root of the day's event ids, ... */
PX_MUST_CHECK int px_digest_make(json_t **out, struct px_node *n,
    const struct px_feed_cfg *cfg, const char *peer, const char *day);

/* The receiver's check of a digest it received: recomputes it from the
 * batches and attachments it holds and compares member by member.
 * *out gets {"day", "peer", "agree": bool, "differences": [...],
 * "tampered": [{"attachment", "line", "event"}], "missing": [...]}; the
 * verdict is also stored.  PX_ENOTFOUND if no such digest arrived. */
PX_MUST_CHECK int px_digest_verify(
    json_t **out, struct px_node *n, const char *peer, const char *day);

/* Records what a message from a peer brings to feeds (a batch part, a
 * digest); called by the import inside the message's transaction. */
PX_MUST_CHECK int px_feed_on_import(struct px_node *n, const struct px_msg *m);

#endif
