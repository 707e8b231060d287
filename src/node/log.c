/*
 * The node's own Merkle log on top of the store.  Appends run inside the
 * caller's transaction, so a message and its leaf are stored together or
 * not at all; the checkpoint for the batch is signed in the same
 * transaction.
 */
#include "model/bundle.h"
#include "model/canon.h"
#include "model/message.h"
#include "node/inote.h"
#include "node/log.h"
#include "util/util.h"

#define NOTE_TYPE_ED25519 0x01
#define NOTE_TYPE_COSIG   0x04

static int
get_node(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	struct px_node *n = ctx;

	return PX_STORE_CALL(n->store, tree_get, level, index, out);
}

/* The stored receipt for message `msg`, parsed (*env owned). */
static int
stored_receipt(
    json_t **env, char hash[PX_HASH_HEX], struct px_node *n, const char *msg)
{
	const json_t *obj;
	char *raw = NULL;
	int rc;

	*env = NULL;
	if ((rc = PX_STORE_CALL(n->store, receipt_get, msg, &raw, NULL)) < 0) {
		if (rc == PX_ENOTFOUND)
			rc = px_error_set(PX_ENOTFOUND,
			    "no receipt is stored for message %s", msg);
		goto out;
	}
	if ((rc = px_json_parse(env, raw, strlen(raw), PX_MSG_MAX_BYTES,
	         "stored receipt")) < 0 ||
	    (rc = px_signed_open(
	         &obj, hash, *env, "receipt", NULL, "stored receipt")) < 0)
		goto out;
out:
	free(raw);
	return rc;
}

int
px_log_receipt_hash(char out[PX_HASH_HEX], struct px_node *n, const char *msg)
{
	json_t *env = NULL;
	int rc = stored_receipt(&env, out, n, msg);

	json_decref(env);
	return rc;
}

int
px_log_find(
    struct px_node *n, const json_t *env, const char *hash, int64_t *idx)
{
	bool msg = json_object_get(env, "msg") != NULL;
	const json_t *o = json_object_get(env, msg ? "msg" : "receipt");
	const char *peer = json_string_value(json_object_get(o, "to"));
	const char *t =
	    json_string_value(json_object_get(o, msg ? "time" : "received"));
	int64_t ms;

	if (peer == NULL || t == NULL || px_time_parse(&ms, t, 0) < 0)
		return px_error_set(PX_EINVAL, "%s %s has no time",
		    msg ? "message" : "receipt", hash);
	return PX_STORE_CALL(n->store, log_find, hash, peer, ms, idx);
}

int
px_log_msg_entry(
    struct px_msg_entry *e, struct px_node *n, const struct px_msg *m)
{
	int rc;

	json_t *renv = NULL;

	memset(e, 0, sizeof(*e));
	if (strcmp(m->from, n->name) == 0) {
		memcpy(e->hash, m->hash, PX_HASH_HEX);
		rc = px_log_find(n, m->env, e->hash, &e->log);
	} else {
		e->receipt = true;
		if ((rc = stored_receipt(&renv, e->hash, n, m->hash)) < 0) {
			px_error_prefix(
			    "case %s, which this node received", m->case_id);
			return rc;
		}
		rc = px_log_find(n, renv, e->hash, &e->log);
		json_decref(renv);
	}
	if (rc == PX_ENOTFOUND)
		rc = px_error_set(PX_ENOTFOUND,
		    "the %s %s of case %s is not in this node's log",
		    e->receipt ? "receipt" : "message", e->hash, m->case_id);
	return rc;
}

char *
px_node_log_vkey(const struct px_node *n)
{
	return px_vkey_format(n->name, NOTE_TYPE_ED25519, n->sign.pk);
}

char *
px_node_witness_vkey(const struct px_node *n)
{
	return px_vkey_format(n->name, NOTE_TYPE_COSIG, n->cosign.pk);
}

int
px_log_size(struct px_node *n, int64_t *size)
{
	return PX_STORE_CALL(n->store, log_size, size);
}

int
px_log_append(struct px_node *n, const char *kind, const char *obj_hash,
    const char *peer, int64_t time_ms, const void *entry, size_t len,
    int64_t *idx)
{
	struct px_merkle_node nodes[64];
	struct px_log_row row = { 0 };
	uint8_t leaf[32];
	unsigned nn = 0;
	int64_t size;
	int rc;

	if ((rc = px_log_size(n, &size)) < 0)
		return rc;
	px_merkle_leaf_hash(leaf, entry, len);
	if ((rc = px_merkle_append(
	         nodes, &nn, (uint64_t)size, leaf, get_node, n)) < 0)
		return rc;
	for (unsigned i = 0; i < nn; i++)
		if ((rc = PX_STORE_CALL(n->store, node_put, nodes[i].level,
		         nodes[i].index, nodes[i].hash)) < 0)
			return rc;
	row.idx = size;
	row.kind = (char *)kind;
	row.obj_hash = (char *)obj_hash;
	row.peer = (char *)peer;
	row.time_ms = time_ms;
	row.entry = (uint8_t *)entry;
	row.len = len;
	if ((rc = PX_STORE_CALL(n->store, log_put, &row)) < 0)
		return rc;
	if (idx)
		*idx = size;
	return 0;
}

int
px_log_root(struct px_node *n, int64_t size, uint8_t root[32])
{
	return px_merkle_root(root, (uint64_t)size, get_node, n);
}

int
px_log_checkpoint(struct px_node *n, int64_t now_ms)
{
	struct px_buf note;
	uint8_t root[32];
	char *body = NULL;
	int64_t size, have;
	int rc;

	(void)now_ms;
	if ((rc = px_log_size(n, &size)) < 0)
		return rc;
	if (PX_STORE_CALL(n->store, ckpt_get, size, NULL, &have) == 0)
		return 0;
	if ((rc = px_log_root(n, size, root)) < 0)
		return rc;
	body = px_checkpoint_body(n->name, (uint64_t)size, root);
	px_buf_init(&note, PX_BUF_NOCAP);
	px_buf_puts(&note, body);
	px_buf_puts(&note, "\n");
	if ((rc = px_note_sign(&note, n->name, &n->sign, body)) == 0)
		rc = PX_STORE_CALL(n->store, ckpt_put, size, note.data, now_ms);
	px_buf_dispose(&note);
	free(body);
	return rc;
}

static int
add_cosig(int64_t size, const char *witness, const char *line, void *arg)
{
	(void)size;
	(void)witness;
	px_buf_puts(arg, line);
	return 0;
}

int
px_log_checkpoint_note(
    struct px_node *n, int64_t size, char **out, int64_t *size_out)
{
	struct px_buf b;
	char *note = NULL;
	int64_t sz;
	int rc;

	if ((rc = PX_STORE_CALL(n->store, ckpt_get, size, &note, &sz)) < 0)
		return rc;
	px_buf_init(&b, PX_BUF_NOCAP);
	px_buf_puts(&b, note);
	free(note);
	if ((rc = PX_STORE_CALL(
	         n->store, cosig_list, n->name, sz, add_cosig, &b)) < 0) {
		px_buf_dispose(&b);
		return rc;
	}
	*out = px_buf_detach(&b, NULL);
	if (size_out)
		*size_out = sz;
	return 0;
}

int
px_log_inclusion(
    struct px_node *n, int64_t idx, int64_t size, uint8_t out[][32], size_t *np)
{
	if (idx < 0 || idx >= size)
		return px_error_set(PX_ENOTFOUND,
		    "entry %lld is not in a log of size %lld", (long long)idx,
		    (long long)size);
	return px_merkle_inclusion_proof(
	    out, np, (uint64_t)idx, (uint64_t)size, get_node, n);
}

int
px_log_consistency(struct px_node *n, int64_t size1, int64_t size2,
    uint8_t out[][32], size_t *np)
{
	return px_merkle_consistency_proof(
	    out, np, (uint64_t)size1, (uint64_t)size2, get_node, n);
}

char *
px_path_encode(const uint8_t path[][32], size_t n)
{
	struct px_buf b;

	px_buf_init(&b, PX_BUF_NOCAP);
	for (size_t i = 0; i < n; i++) {
		char *s = px_b64_encode(path[i], 32);

		px_buf_putf(&b, "%s%s", i ? " " : "", s);
		free(s);
	}
	return px_buf_detach(&b, NULL);
}

int
px_path_decode(uint8_t out[][32], size_t *n, const char *s)
{
	char word[64];
	size_t k = 0, len;

	*n = 0;
	while (*s) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		for (len = 0; s[len] && s[len] != ' '; len++)
			;
		if (len >= sizeof(word) || k >= PX_LOG_MAX_PROOF)
			return px_error_set(PX_EINVAL, "malformed proof path");
		memcpy(word, s, len);
		word[len] = '\0';
		size_t got = 0;

		if (px_b64_decode(out[k], 32, &got, word) < 0 || got != 32)
			return px_error_set(PX_EINVAL,
			    "proof path hash %zu is not base64 of 32 bytes",
			    k + 1);
		k++;
		s += len;
	}
	*n = k;
	return 0;
}

int
px_log_proof_text(
    struct px_node *n, int64_t idx, int64_t size, struct px_buf *out)
{
	struct px_tlog_proof p = { 0 };
	uint8_t path[PX_LOG_MAX_PROOF][32];
	char *note = NULL;
	int64_t sz;
	int rc;

	if ((rc = px_log_checkpoint_note(n, size, &note, &sz)) < 0)
		return rc;
	if ((rc = px_log_inclusion(n, idx, sz, path, &p.n)) < 0)
		goto out;
	p.index = (uint64_t)idx;
	p.hashes = path;
	p.checkpoint = note;
	p.checkpoint_len = strlen(note);
	rc = px_tlog_proof_format(out, &p);
out:
	free(note);
	return rc;
}

/* Checks that a log entry is one of our own signed objects. */
static int
check_entry(struct px_node *n, const struct px_log_row *r)
{
	json_t *j = NULL;
	int rc;

	if ((rc = px_canon_parse_exact(&j, (const char *)r->entry, r->len,
	         PX_MSG_MAX_BYTES, "entry")) < 0)
		goto out;
	if (strcmp(r->kind, "internal") == 0) {
		rc = px_inote_check(n, j, r->obj_hash);
	} else if (strcmp(r->kind, "msg") == 0) {
		struct px_msg *m = NULL;

		if ((rc = px_msg_parse(&m, j, "entry")) == 0 &&
		    (rc = px_msg_verify(m, n->sign.pk)) == 0 &&
		    strcmp(m->hash, r->obj_hash) != 0)
			rc = px_error_set(
			    PX_EINVAL, "entry's hash differs from the index");
		px_msg_free(m);
	} else {
		struct px_receipt *rc_ = NULL;

		if ((rc = px_receipt_parse(&rc_, j, "entry")) == 0 &&
		    (rc = px_receipt_verify(rc_, n->sign.pk)) == 0 &&
		    strcmp(rc_->hash, r->obj_hash) != 0)
			rc = px_error_set(
			    PX_EINVAL, "entry's hash differs from the index");
		px_receipt_free(rc_);
	}
out:
	json_decref(j);
	return rc;
}

/* Verification recomputes every complete node from the leaves alone
 * (levels[l][i]) and compares it with the stored one. */
struct verify_ctx {
	struct px_node *n;
	uint8_t (**levels)[32]; /* levels[l][i]: complete node hashes */
	uint64_t *count;        /* per level */
	int64_t expect;
	struct px_buf *report;
	int rc;
};

static int
mem_get_indexed(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	struct verify_ctx *v = ctx;

	if (level >= 64 || index >= v->count[level])
		return px_error_set(PX_ERR, "node (%u, %llu) missing", level,
		    (unsigned long long)index);
	memcpy(out, v->levels[level][index], 32);
	return 0;
}

static int
verify_one(const struct px_log_row *r, void *arg)
{
	struct verify_ctx *v = arg;
	struct px_merkle_node nodes[64];
	uint8_t leaf[32], stored[32];
	unsigned nn = 0;
	int rc;

	if (r->idx != v->expect)
		return v->rc = px_error_set(PX_EINVAL,
		           "log entry %lld is missing (found %lld next): an "
		           "entry was dropped",
		           (long long)v->expect, (long long)r->idx);
	if ((rc = check_entry(v->n, r)) < 0) {
		px_error_prefix(
		    "log entry %lld (%s)", (long long)r->idx, r->kind);
		return v->rc = rc;
	}
	px_merkle_leaf_hash(leaf, r->entry, r->len);
	if ((rc = px_merkle_append(
	         nodes, &nn, (uint64_t)r->idx, leaf, mem_get_indexed, v)) < 0)
		return v->rc = rc;
	for (unsigned i = 0; i < nn; i++) {
		unsigned l = nodes[i].level;

		v->levels[l] = px_realloc(
		    v->levels[l], (v->count[l] + 1) * sizeof(*v->levels[l]));
		memcpy(v->levels[l][v->count[l]], nodes[i].hash, 32);
		v->count[l]++;
		if (PX_STORE_CALL(
		        v->n->store, node_get, l, nodes[i].index, stored) < 0 ||
		    memcmp(stored, nodes[i].hash, 32) != 0)
			return v->rc = px_error_set(PX_EINVAL,
			           "log entry %lld: stored tree node (level "
			           "%u, index %llu) does not match the "
			           "entries: the entry or the tree was "
			           "altered",
			           (long long)r->idx, l,
			           (unsigned long long)nodes[i].index);
	}
	v->expect++;
	return 0;
}

/* Every stored tile (docs/ledger.md section 2) holds exactly the
 * recomputed nodes.  A complete tile that is not stored (a log from
 * before schema 6) is fine: its nodes are read from log_nodes. */
static int
verify_tiles(struct verify_ctx *v, int64_t size, struct px_buf *report)
{
	uint8_t tile[PX_TILE_NODES][32];
	int64_t stored = 0;
	int rc;

	for (unsigned k = 0; PX_TILE_HEIGHT * (k + 1) < 64 &&
	     ((uint64_t)size >> (PX_TILE_HEIGHT * (k + 1))) > 0;
	     k++) {
		uint64_t ntiles = (uint64_t)size >> (PX_TILE_HEIGHT * (k + 1));

		for (uint64_t t = 0; t < ntiles; t++) {
			unsigned slot = 0;

			rc = PX_STORE_CALL(v->n->store, tile_get, k, t, tile);
			if (rc == PX_ENOTFOUND)
				continue;
			if (rc < 0)
				return rc;
			for (unsigned l = 0; l < PX_TILE_HEIGHT; l++) {
				unsigned lv = PX_TILE_HEIGHT * k + l;
				uint64_t w = (uint64_t)1
				    << (PX_TILE_HEIGHT - l);

				for (uint64_t j = 0; j < w; j++, slot++)
					if (memcmp(tile[slot],
					        v->levels[lv][t * w + j],
					        32) != 0)
						return px_error_set(PX_EINVAL,
						    "stored tile (level %u, "
						    "index %llu) does not match "
						    "the entries at tree node "
						    "(%u, %llu): the tile was "
						    "altered",
						    k, (unsigned long long)t,
						    lv,
						    (unsigned long long)(t * w +
						        j));
			}
			stored++;
		}
	}
	px_buf_putf(report, "tiles     %lld verified\n", (long long)stored);
	return 0;
}

int
px_log_verify(struct px_node *n, struct px_buf *report)
{
	struct verify_ctx v = { .n = n, .report = report };
	struct px_vkey key;
	char *vk = px_node_log_vkey(n);
	int64_t size, csize = -1, checked = 0;
	int rc;

	v.levels = px_calloc(64, sizeof(*v.levels));
	v.count = px_calloc(64, sizeof(*v.count));
	if ((rc = px_vkey_parse(&key, vk)) < 0)
		goto out;
	if ((rc = px_log_size(n, &size)) < 0)
		goto out;
	rc = PX_STORE_CALL(
	    n->store, log_list, NULL, INT64_MIN, INT64_MAX, verify_one, &v);
	if (rc < 0 || v.rc < 0) {
		rc = rc < 0 ? rc : v.rc;
		goto out;
	}
	if (v.expect != size) {
		rc = px_error_set(PX_EINVAL,
		    "log has %lld entries but counts "
		    "%lld",
		    (long long)v.expect, (long long)size);
		goto out;
	}
	/* No gap inside, but a checkpoint larger than the entries: entries
	 * were dropped from the end. */
	{
		int64_t latest;

		if (PX_STORE_CALL(n->store, ckpt_get, -1, NULL, &latest) == 0 &&
		    latest > size) {
			rc = px_error_set(PX_EINVAL,
			    "the log holds %lld entries but this node signed "
			    "a checkpoint of size %lld: entries %lld.. were "
			    "dropped",
			    (long long)size, (long long)latest,
			    (long long)size);
			goto out;
		}
	}
	px_buf_putf(report,
	    "entries   %lld verified (signatures, hashes, "
	    "tree nodes)\n",
	    (long long)size);
	if ((rc = verify_tiles(&v, size, report)) < 0)
		goto out;
	/* Every stored checkpoint: signature and root. */
	for (int64_t s = size; s >= 0; s--) {
		char *note = NULL;
		struct px_note nt = { 0 };
		struct px_checkpoint cp = { 0 };
		uint8_t root[32];
		uint64_t ok = 0;

		if (PX_STORE_CALL(n->store, ckpt_get, s, &note, NULL) < 0)
			continue;
		if (csize < 0)
			csize = s;
		rc = px_note_parse(&nt, note, strlen(note));
		if (rc == 0)
			rc = px_note_verify(&nt, &key, 1, &ok);
		if (rc == 0 && ok == 0)
			rc = px_error_set(PX_EINVAL,
			    "checkpoint %lld is not signed by this node's log "
			    "key",
			    (long long)s);
		if (rc == 0)
			rc = px_checkpoint_parse(&cp, nt.text, nt.text_len);
		if (rc == 0 &&
		    (rc = px_merkle_root(
		         root, (uint64_t)s, mem_get_indexed, &v)) == 0) {
			if (cp.size != (uint64_t)s ||
			    memcmp(cp.root, root, 32) != 0 ||
			    strcmp(cp.origin, n->name) != 0)
				rc = px_error_set(PX_EINVAL,
				    "checkpoint %lld does not match the "
				    "entries (root or size differs)",
				    (long long)s);
		}
		if (rc < 0)
			px_error_prefix(
			    "checkpoint of size %lld", (long long)s);
		px_checkpoint_dispose(&cp);
		px_note_dispose(&nt);
		free(note);
		if (rc < 0)
			goto out;
		checked++;
	}
	px_buf_putf(report, "checkpoints %lld verified (latest size %lld)\n",
	    (long long)checked, (long long)csize);
	rc = 0;
out:
	for (int l = 0; l < 64; l++)
		free(v.levels[l]);
	free(v.levels);
	free(v.count);
	free(vk);
	return rc;
}
