/*
 * Two logs the way two busy nodes hold them, made fast (no bundles, one
 * commit a batch), for bench_audit and test_audit: A signs requests to
 * B into its log; B's receipt for each goes into B's log; A keeps what
 * bundles would have given it: one checkpoint of B's per batch, the
 * consistency proof from the one before, an inclusion proof per
 * receipt.  Include after bench.h or the test's headers.
 */
#ifndef PX_AUDIT_FILL_H
#define PX_AUDIT_FILL_H

#include "ledger/merkle.h"
#include "model/bundle.h"
#include "model/canon.h"
#include "node/log.h"
#include "util/util.h"

#define AUDIT_FILL_BATCH 256

/* A P2 request body (a C2 server, one observable): the message the log
 * benchmarks sign. */
static inline json_t *
bench_request_body(void)
{
	return json_pack("{s{sssssssssss[{ssss}]}s{ssss}}", "case", "kind",
	    "request", "category", "botnet", "priority", "P2", "tlp", "amber",
	    "title", "C2 at 203.0.113.7", "observables", "type", "ipv4-addr",
	    "value", "203.0.113.7", "text", "lang", "en", "value",
	    "Please investigate the C2 server and tell us who rents it.");
}

struct audit_fill {
	struct px_node *a, *b;
	int64_t seq, t0;
	char prev[PX_HASH_HEX];
	uint64_t own_bytes; /* the entries' own bytes, both logs */
	int64_t entries;
	int64_t bsize; /* B's size at its last checkpoint shown to A */
};

#define FILL_TRY(e)                 \
	do {                        \
		if ((rc = (e)) < 0) \
			goto out;   \
	} while (0)

/* One batch of k <= AUDIT_FILL_BATCH: A signs and logs k requests (each
 * opening a case); B receipts each into its log and shows A its
 * checkpoint with the proofs a bundle carries.  0, or what failed. */
static inline int
audit_fill_batch(struct audit_fill *x, int k, json_t *body)
{
	struct px_msg *m[AUDIT_FILL_BATCH] = { 0 };
	char *raws[AUDIT_FILL_BATCH] = { 0 }, *note = NULL, *rb = NULL;
	char hashes[AUDIT_FILL_BATCH][PX_HASH_HEX];
	int64_t asize, bsize, when[AUDIT_FILL_BATCH];
	uint8_t root[32], path[PX_MERKLE_MAX_PROOF][32];
	size_t np;
	int rc;

	FILL_TRY(PX_STORE_CALL0(x->a->store, begin));
	FILL_TRY(px_log_size(x->a, &asize));
	for (int i = 0; i < k; i++) {
		struct px_msg_fields f = { .type = PX_MSG_REQUEST,
			.from = x->a->name,
			.to = x->b->name,
			.seq = x->seq + 1,
			.prev = x->prev,
			.time_ms = x->t0 + 2 * (asize + i) };
		char *raw;

		FILL_TRY(px_msg_new(&m[i], &f, body, &x->a->sign));
		raw = px_canon_string(m[i]->env);
		rc = px_log_append(x->a, "msg", m[i]->hash, x->b->name,
		    f.time_ms, raw, strlen(raw), NULL);
		x->own_bytes += strlen(raw);
		free(raw);
		FILL_TRY(rc);
		x->seq = m[i]->seq;
		snprintf(x->prev, sizeof(x->prev), "%s", m[i]->hash);
	}
	FILL_TRY(px_log_checkpoint(x->a, x->t0));
	FILL_TRY(PX_STORE_CALL0(x->a->store, commit));
	/* B's receipts, its checkpoint, and what A keeps of them. */
	FILL_TRY(PX_STORE_CALL0(x->b->store, begin));
	FILL_TRY(px_log_size(x->b, &bsize));
	for (int i = 0; i < k; i++) {
		struct px_receipt *r = NULL;

		when[i] = m[i]->time_ms + 1;
		FILL_TRY(px_receipt_new(&r, x->b->name, x->a->name, m[i]->hash,
		    m[i]->case_id, m[i]->seq, when[i], bsize + i, &x->b->sign));
		raws[i] = px_canon_string(r->env);
		snprintf(hashes[i], sizeof(hashes[i]), "%s", r->hash);
		px_receipt_free(r);
		FILL_TRY(px_log_append(x->b, "receipt", hashes[i], x->a->name,
		    when[i], raws[i], strlen(raws[i]), NULL));
		x->own_bytes += strlen(raws[i]);
	}
	FILL_TRY(px_log_checkpoint(x->b, x->t0));
	FILL_TRY(PX_STORE_CALL0(x->b->store, commit));
	FILL_TRY(px_log_checkpoint_note(x->b, -1, &note, &bsize));
	FILL_TRY(px_log_root(x->b, bsize, root));
	rb = px_b64_encode(root, 32);
	FILL_TRY(PX_STORE_CALL0(x->a->store, begin));
	FILL_TRY(PX_STORE_CALL(
	    x->a->store, peer_ckpt_put, x->b->name, bsize, rb, note, x->t0));
	if (x->bsize > 0) {
		char *p;

		FILL_TRY(px_log_consistency(x->b, x->bsize, bsize, path, &np));
		p = px_path_encode((const uint8_t(*)[32])path, np);
		rc = PX_STORE_CALL(x->a->store, consistency_put, x->b->name,
		    x->bsize, bsize, p);
		free(p);
		FILL_TRY(rc);
	}
	for (int i = 0; i < k; i++) {
		struct px_proof_row row = { .obj_hash = hashes[i],
			.peer = (char *)x->b->name,
			.idx = bsize - k + i,
			.size = bsize,
			.root = rb,
			.entry = raws[i],
			.time_ms = when[i] };

		FILL_TRY(px_log_inclusion(x->b, row.idx, bsize, path, &np));
		row.path = px_path_encode((const uint8_t(*)[32])path, np);
		rc = PX_STORE_CALL(x->a->store, proof_put, &row);
		free(row.path);
		FILL_TRY(rc);
	}
	FILL_TRY(PX_STORE_CALL0(x->a->store, commit));
	x->bsize = bsize;
	x->entries += 2 * k;
out:
	for (int i = 0; i < k; i++) {
		px_msg_free(m[i]);
		free(raws[i]);
	}
	free(rb);
	free(note);
	return rc;
}

/* Fills both logs to at least n entries (n/2 requests, n/2 receipts). */
static inline int
audit_fill(struct audit_fill *x, int64_t n, void (*progress)(int64_t))
{
	json_t *body = bench_request_body();
	int rc = 0;

	while (rc == 0 && x->entries < n) {
		int64_t left = (n - x->entries + 1) / 2;

		rc = audit_fill_batch(x,
		    left < AUDIT_FILL_BATCH ? (int)left : AUDIT_FILL_BATCH,
		    body);
		if (progress && x->entries % (64 * AUDIT_FILL_BATCH) == 0)
			progress(x->entries);
	}
	json_decref(body);
	return rc;
}

#endif
