/*
 * Audit bundles: everything a neutral verifier needs to check, with no
 * access to either node, what two parties sent each other and when.
 * docs/audit.md is the specification.
 *
 * Version 2 (what px_audit_export writes) is JSON Lines, one canonical
 * object a line, written and read in one pass:
 *
 *   {"audit": {"v": 2, "by", "peer", "created", "from", "to", "cards",
 *              "agreement"}}
 *   {"log": ORIGIN}                      then, for that log:
 *   {"checkpoint": NOTE}                 signed by origin, cosigned by the
 *                                        other party where it did
 *   {"consistency": {"size1", "size2", "path": [B64...]}}
 *   {"section": {"size": N}}             entries proven together against
 *   {"entry": ENV, "gap": [B64...], "index": N}   the checkpoint of size N,
 *   {"section_end": {"gap": [B64...]}}   sharing the nodes between them
 *   ... the other log ...
 *   {"audit": {"lines", "sha256", "v": 2}, "sig": B64}   the exporter's
 *                                        signature over every line above
 *
 * Version 1 (one canonical JSON envelope, each entry with its own
 * inclusion proof) is still verified.
 */
#ifndef PX_AUDIT_H
#define PX_AUDIT_H

#include <stdio.h>

#include <jansson.h>

#include "node/node.h"

/* The largest version 1 file (read whole), and the largest line of a
 * version 2 file. */
#define PX_AUDIT_MAX_BYTES (1024u * 1024 * 1024)
#define PX_AUDIT_MAX_LINE  (4u * 1024 * 1024)

/* Takes each piece of an export as it is made; returns 0 or a negative
 * px_err code, which stops the export. */
typedef int (*px_audit_write_fn)(const void *data, size_t len, void *arg);
/* Progress of a long run: `done` of `total` (bytes read, or 0 of 0 when
 * unknown), `entries` so far. */
typedef void (*px_audit_progress_fn)(
    uint64_t done, uint64_t total, uint64_t entries, void *arg);

/* Writes the version 2 audit bundle of the exchange with `peer` whose
 * entries fall in [from_ms, to_ms] through `write`, line by line; memory
 * does not grow with the log.  *entries gets the number of entries.
 * `progress` (may be NULL) is called every few thousand entries.
 * The bundle is for a neutral verifier: the TLP choke point
 * (model/policy.h, PX_AUD_ARBITER) keeps the messages of TLP:RED and
 * AMBER+STRICT cases out (their leaves stay proven by the gap hashes,
 * their receipts stay); *withheld (may be NULL) gets how many. */
PX_MUST_CHECK int px_audit_export(struct px_node *n, const char *peer,
    int64_t from_ms, int64_t to_ms, px_audit_write_fn write, void *arg,
    px_audit_progress_fn progress, void *parg, size_t *entries,
    size_t *withheld);

/* What verification found, for the faces to print. */
struct px_audit_result {
	json_t *cases;  /* array of verified case timelines (unless streamed) */
	json_t *notes;  /* array of strings: cosignatures, warnings (ditto) */
	size_t entries; /* entries verified */
	size_t checkpoints;
	int version; /* of the bundle's format, once known */
};

/* How to verify.  Zeroed: signatures checked by one thread per CPU,
 * notes and cases collected in the result. */
struct px_audit_verify_opts {
	int threads; /* signature checkers; 0: one per CPU; 1: this thread */
	/* Called with each note and each case as it is found, instead of
	 * collecting them in the result (memory then stays bounded). */
	void (*note)(const char *text, void *arg);
	void (*on_case)(const json_t *c, void *arg);
	px_audit_progress_fn progress;
	void *arg;
};

/* Verifies the audit bundle read from `f` (`size` bytes, for progress;
 * 0 if unknown) with no node directory.  A version 2 bundle is read in
 * one pass and its messages sorted in a scratch table (store/scratch.h),
 * so memory is bounded whatever its size; `f` must allow pread for the
 * case timelines.  0 if every signature, proof and chain holds;
 * otherwise PX_EINVAL naming exactly which line, entry, checkpoint or
 * proof fails and why.  *res is filled as far as it got; dispose it. */
PX_MUST_CHECK int px_audit_verify_file(struct px_audit_result *res, FILE *f,
    uint64_t size, const char *what, const struct px_audit_verify_opts *o);

/* The same for a bundle in memory, in this thread, notes and cases
 * collected in *res. */
PX_MUST_CHECK int px_audit_verify(struct px_audit_result *res, const char *text,
    size_t len, const char *what);
void px_audit_result_dispose(struct px_audit_result *r);

#endif
