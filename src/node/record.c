/*
 * The record of one message (record.h): where it sits in our log, the
 * proof that our latest checkpoint includes it (recomputed here with the
 * ledger code, not taken on trust), who witnessed a checkpoint covering
 * it, and the peer's own log entry for it when we hold its proof.  This
 * is what an analyst shows a peer who says "we never got that".
 */
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "model/canon.h"
#include "node/log.h"
#include "node/record.h"
#include "node/release.h"
#include "node/view.h"
#include "util/util.h"

static int
resolve(char **out, struct px_node *n, const char *hash)
{
	size_t len = strlen(hash);

	for (const char *p = hash; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return px_error_set(PX_EINVAL,
			    "'%s' is not a message hash (expected lowercase "
			    "hex, as messages[].hash of a case)",
			    hash);
	if (len < 12 || len > 64)
		return px_error_set(PX_EINVAL,
		    "message hash '%s' has %zu digits (expected 12 to 64)",
		    hash, len);
	return PX_STORE_CALL(n->store, msg_find, hash, out);
}

/* "entry": our leaf for the message, with its leaf hash. */
static int
entry_json(json_t **out, struct px_node *n, const struct px_msg_entry *e)
{
	struct px_log_row row = { 0 };
	uint8_t leaf[32];
	char hex[65];
	int rc;

	if ((rc = PX_STORE_CALL(n->store, log_get, e->log, &row)) < 0)
		return rc;
	px_merkle_leaf_hash(leaf, row.entry, row.len);
	px_hex_encode(hex, leaf, sizeof(leaf));
	px_log_row_dispose(&row);
	*out = json_pack("{sI ss ss}", "index", (json_int_t)e->log, "what",
	    e->receipt ? "receipt" : "message", "leaf_hash", hex);
	return 0;
}

/* "checkpoint" (our latest) and "proof" (of the entry in it). */
static int
proof_json(json_t **ckpt, json_t **proof, struct px_node *n,
    const struct px_msg_entry *e)
{
	struct px_note note = { 0 };
	struct px_checkpoint cp = { 0 };
	struct px_log_row row = { 0 };
	uint8_t path[PX_LOG_MAX_PROOF][32], leaf[32];
	char *text = NULL, *root = NULL;
	int64_t size, t = -1;
	size_t np = 0;
	json_t *hashes;
	int rc;

	if ((rc = px_log_checkpoint_note(n, -1, &text, &size)) < 0 ||
	    (rc = px_note_parse(&note, text, strlen(text))) < 0 ||
	    (rc = px_checkpoint_parse(&cp, note.text, note.text_len)) < 0)
		goto out;
	if (PX_STORE_CALL(n->store, ckpt_time, size, &t) < 0)
		t = -1;
	root = px_b64_encode(cp.root, sizeof(cp.root));
	*ckpt = json_pack("{sI ss so ss}", "size", (json_int_t)size, "root",
	    root, "time", px_view_time(t), "note", text);
	if ((rc = px_log_inclusion(n, e->log, size, path, &np)) < 0 ||
	    (rc = PX_STORE_CALL(n->store, log_get, e->log, &row)) < 0)
		goto out;
	px_merkle_leaf_hash(leaf, row.entry, row.len);
	hashes = json_array();
	for (size_t i = 0; i < np; i++) {
		char hex[65];

		px_hex_encode(hex, path[i], 32);
		json_array_append_new(hashes, json_string(hex));
	}
	*proof = json_pack("{sI so sb}", "size", (json_int_t)size, "hashes",
	    hashes, "verified",
	    px_merkle_verify_inclusion(leaf, (uint64_t)e->log, cp.size,
	        (const uint8_t(*)[32])path, np, cp.root) == 0);
	px_error_clear();
out:
	px_log_row_dispose(&row);
	px_checkpoint_dispose(&cp);
	px_note_dispose(&note);
	free(text);
	free(root);
	return rc;
}

static int
witness_row(const char *witness, int64_t size, int64_t time_ms, void *arg)
{
	json_array_append_new(arg,
	    json_pack("{ss sI so}", "peer", witness, "size", (json_int_t)size,
	        "time", px_view_time(time_ms)));
	return 0;
}

/* "peer_entry": the peer's own leaf for the message (its receipt of ours,
 * or its message), from the inclusion proof it sent with it. */
static json_t *
peer_entry_json(struct px_node *n, const struct px_msg *m, bool ours)
{
	struct px_proof_row pr = { 0 };
	uint8_t leaf[32], root[32], path[PX_LOG_MAX_PROOF][32];
	char obj[PX_HASH_HEX];
	size_t np = 0, rl = 0;
	json_t *o = NULL;
	bool ok;

	if (ours) {
		if (px_log_receipt_hash(obj, n, m->hash) < 0)
			goto out;
	} else {
		memcpy(obj, m->hash, PX_HASH_HEX);
	}
	if (PX_STORE_CALL(n->store, proof_get, obj, &pr) < 0)
		goto out;
	px_merkle_leaf_hash(leaf, pr.entry, strlen(pr.entry));
	ok = px_b64_decode(root, sizeof(root), &rl, pr.root) == 0 && rl == 32 &&
	    px_path_decode(path, &np, pr.path) == 0 &&
	    px_merkle_verify_inclusion(leaf, (uint64_t)pr.idx,
	        (uint64_t)pr.size, (const uint8_t(*)[32])path, np, root) == 0;
	o = json_pack("{ss sI sI sb}", "peer", pr.peer, "index",
	    (json_int_t)pr.idx, "checkpoint_size", (json_int_t)pr.size,
	    "verified", ok);
out:
	px_error_clear();
	px_proof_row_dispose(&pr);
	return o ? o : json_null();
}

/* The choke point: the record view shows the signed message whole, to
 * this node's own users (who are its recipients under every marking). */
static int
release(struct px_node *n, const struct px_msg *m)
{
	struct px_case c;
	struct px_peer *p = NULL;
	int rc;

	if ((rc = px_node_case_load(&c, n, m->case_id, &p)) < 0)
		return rc;
	rc = px_node_release(&c, p, PX_OUT_RECORD, PX_AUD_NODE, NULL);
	px_peer_free(p);
	px_case_dispose(&c);
	return rc < 0 ? rc : 0;
}

int
px_node_record(json_t **out, struct px_node *n, const char *hash)
{
	struct px_msg_row row = { 0 };
	struct px_msg *m = NULL;
	struct px_msg_entry e;
	char *full = NULL, ref[9], tm[PX_TIME_STRLEN];
	json_t *o = NULL, *entry = NULL, *ckpt = NULL, *proof = NULL, *wit;
	bool ours;
	int rc;

	*out = NULL;
	if ((rc = resolve(&full, n, hash)) < 0 ||
	    (rc = PX_STORE_CALL(n->store, msg_get, full, &row)) < 0 ||
	    (rc = px_node_msg_from_row(&m, &row)) < 0 ||
	    (rc = release(n, m)) < 0)
		goto out;
	ours = strcmp(m->from, n->name) == 0;
	px_case_ref(ref, m->case_id);
	px_time_format(tm, m->time_ms);
	o = json_pack("{ss ss ss ss ss sI ss ss sb}", "hash", m->hash, "case",
	    m->case_id, "ref", ref, "from", m->from, "to", m->to, "seq",
	    (json_int_t)m->seq, "type", px_msg_type_names[m->type].wire, "time",
	    tm, "ours", ours);
	wit = json_array();
	json_object_set_new(o, "witnesses", wit);
	if ((rc = px_log_msg_entry(&e, n, m)) == PX_ENOTFOUND) {
		/* Not in our log (yet): nothing is proven. */
		px_error_clear();
		rc = 0;
		json_object_set_new(o, "entry", json_null());
		json_object_set_new(o, "checkpoint", json_null());
		json_object_set_new(o, "proof", json_null());
	} else if (rc < 0 || (rc = entry_json(&entry, n, &e)) < 0 ||
	    (rc = proof_json(&ckpt, &proof, n, &e)) < 0 ||
	    (rc = PX_STORE_CALL(n->store, cosig_first, n->name, e.log,
	         witness_row, wit)) < 0) {
		goto out;
	} else {
		json_object_set_new(o, "entry", entry);
		json_object_set_new(o, "checkpoint", ckpt);
		json_object_set_new(o, "proof", proof);
		entry = ckpt = proof = NULL;
	}
	json_object_set_new(o, "peer_entry", peer_entry_json(n, m, ours));
	*out = o;
	o = NULL;
out:
	json_decref(o);
	json_decref(entry);
	json_decref(ckpt);
	json_decref(proof);
	px_msg_free(m);
	px_msg_row_dispose(&row);
	free(full);
	return rc;
}
