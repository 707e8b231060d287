/*
 * Witnessing a peer's log, and the log section of bundles (witness.h).
 */
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "model/bundle.h"
#include "model/canon.h"
#include "model/message.h"
#include "node/log.h"
#include "node/witness.h"
#include "util/util.h"

#define TYPE_ED25519 0x01
#define TYPE_COSIG   0x04

/* The kind and object hash of a signed envelope ("msg" or "receipt"). */
static int
item_hash(const json_t *env, char hash[PX_HASH_HEX], const char **kind)
{
	const json_t *o;

	*kind = json_object_get(env, "msg") ? "msg" : "receipt";
	return px_signed_open(&o, hash, env, *kind, NULL, "bundle item");
}

static json_t *
path_json(const uint8_t path[][32], size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		char *s = px_b64_encode(path[i], 32);

		json_array_append_new(a, json_string(s));
		free(s);
	}
	return a;
}

static int
path_from_json(uint8_t out[][32], size_t *n, const json_t *a, const char *what)
{
	size_t i, got;
	const json_t *v;

	if (!json_is_array(a) || json_array_size(a) > 64)
		return px_error_set(PX_EINVAL,
		    "%s: a proof path must be an array of at most 64 hashes",
		    what);
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v) ||
		    px_b64_decode(out[i], 32, &got, json_string_value(v)) < 0 ||
		    got != 32)
			return px_error_set(PX_EINVAL,
			    "%s: proof hash %zu is not base64 of 32 bytes",
			    what, i + 1);
	}
	*n = json_array_size(a);
	return 0;
}

struct find_cosig {
	const char *witness;
	int64_t size;
	char *line;
};

static int
find_cosig(int64_t size, const char *witness, const char *line, void *arg)
{
	struct find_cosig *f = arg;

	if (strcmp(witness, f->witness) != 0)
		return 0;
	f->size = size;
	f->line = px_strdup(line);
	return 1; /* newest first: the first match is the largest size */
}

struct sizes {
	int64_t v[20];
	size_t n;
};

static int
add_size(int64_t size, const char *a, const char *b, void *arg)
{
	struct sizes *s = arg;

	(void)a;
	(void)b;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == size)
			return 0;
	if (s->n < PX_ARRAY_LEN(s->v))
		s->v[s->n++] = size;
	return 0;
}

int
px_log_section(json_t **out, struct px_node *n, const char *peer,
    const json_t *const *items, size_t nitems)
{
	struct find_cosig fc = { .witness = peer, .size = 0 };
	uint8_t path[PX_LOG_MAX_PROOF][32];
	json_t *sec = NULL, *proofs = json_array(), *cos = json_array();
	json_t *cons = json_array();
	char *note = NULL;
	int64_t size, wsize;
	size_t np = 0;
	int rc;

	if ((rc = px_log_checkpoint_note(n, -1, &note, &size)) < 0)
		goto out;
	/* From the last size this peer cosigned of our log. */
	if ((rc = PX_STORE_CALL(
	         n->store, cosig_list, n->name, -1, find_cosig, &fc)) < 0 &&
	    rc != 1)
		goto out;
	free(fc.line);
	fc.line = NULL;
	if (fc.size > size)
		fc.size = 0;
	/* A proof from the size we know was cosigned, and from every size
	 * shown since. */
	{
		struct sizes cand = { .n = 0 };

		cand.v[cand.n++] = fc.size;
		if ((rc = PX_STORE_CALL(n->store, sent_ckpt_list, peer, fc.size,
		         add_size, &cand)) < 0)
			goto out;
		for (size_t i = 0; i < cand.n; i++) {
			int64_t from = cand.v[i];

			if (from >= size && from != 0)
				continue;
			np = 0;
			if (from > 0 &&
			    (rc = px_log_consistency(
			         n, from, size, path, &np)) < 0)
				goto out;
			json_array_append_new(cons,
			    json_pack("{sIso}", "from", (json_int_t)from,
			        "path", path_json(path, np)));
		}
		if ((rc = PX_STORE_CALL(n->store, sent_ckpt_put, peer, size)) <
		    0)
			goto out;
	}
	for (size_t i = 0; i < nitems; i++) {
		char hash[PX_HASH_HEX];
		const char *kind;
		uint8_t ip[PX_LOG_MAX_PROOF][32];
		size_t nip = 0;
		int64_t idx;

		if ((rc = item_hash(items[i], hash, &kind)) < 0 ||
		    (rc = px_log_find(n, items[i], hash, &idx)) < 0 ||
		    (rc = px_log_inclusion(n, idx, size, ip, &nip)) < 0)
			goto out;
		json_array_append_new(proofs,
		    json_pack("{sssIso}", "hash", hash, "index",
		        (json_int_t)idx, "path", path_json(ip, nip)));
	}
	/* Our cosignature of the peer's latest checkpoint we witnessed. */
	if (PX_STORE_CALL(n->store, witness_get, peer, &wsize, NULL) == 0) {
		struct find_cosig mine = { .witness = n->name };

		rc = PX_STORE_CALL(
		    n->store, cosig_list, peer, wsize, find_cosig, &mine);
		if (mine.line)
			json_array_append_new(cos,
			    json_pack("{sIss}", "size", (json_int_t)mine.size,
			        "line", mine.line));
		free(mine.line);
	}
	sec = json_pack("{sssOsOsO}", "checkpoint", note, "consistency", cons,
	    "proofs", proofs, "cosignatures", cos);
	*out = sec;
	rc = 0;
out:
	free(note);
	json_decref(proofs);
	json_decref(cos);
	json_decref(cons);
	return rc;
}

void
px_witness_in_dispose(struct px_witness_in *w)
{
	free(w->note);
	free(w->items);
	free(w->item_hashes);
	memset(w, 0, sizeof(*w));
}

static int
peer_vkey(struct px_vkey *out, const struct px_peer *p, uint8_t type)
{
	char *s = px_vkey_format(p->card.name, type,
	    type == TYPE_COSIG ? p->card.cosign_pk : p->card.sign_pk);
	int rc = px_vkey_parse(out, s);

	free(s);
	return rc;
}

int
px_log_section_check(struct px_witness_in *w, struct px_node *n,
    const struct px_peer *p, const json_t *section, const json_t *const *items,
    size_t nitems, const char *what)
{
	static const char *const mem[] = { "checkpoint", "consistency",
		"proofs", "cosignatures", NULL };
	struct px_note note = { 0 };
	struct px_checkpoint cp = { 0 };
	struct px_vkey key;
	const json_t *cons;
	const char *text;
	uint64_t ok = 0;
	int64_t from;
	int rc;

	(void)n;
	memset(w, 0, sizeof(*w));
	if (section == NULL)
		return px_error_set(PX_EINVAL,
		    "%s carries no log section (checkpoint and proofs)", what);
	if ((rc = px_j_only(section, mem, "log section")) < 0 ||
	    (rc = px_j_str(
	         &text, section, "checkpoint", 65536, "log section")) < 0)
		return rc;
	if ((rc = peer_vkey(&key, p, TYPE_ED25519)) < 0 ||
	    (rc = px_note_parse(&note, text, strlen(text))) < 0 ||
	    (rc = px_note_verify(&note, &key, 1, &ok)) < 0)
		goto fail;
	if (ok == 0) {
		rc = px_error_set(PX_EINVAL,
		    "%s: the checkpoint is not signed by %s's log key", what,
		    p->card.name);
		goto fail;
	}
	if ((rc = px_checkpoint_parse(&cp, note.text, note.text_len)) < 0)
		goto fail;
	if (strcmp(cp.origin, p->card.name) != 0) {
		rc = px_error_set(PX_EINVAL,
		    "%s: the checkpoint's origin is '%s', not %s", what,
		    cp.origin, p->card.name);
		goto fail;
	}
	w->note = px_strdup(text);
	w->size = cp.size;
	memcpy(w->root, cp.root, 32);
	{
		char *b = px_b64_encode(cp.root, 32);

		snprintf(w->root_b64, sizeof(w->root_b64), "%s", b);
		free(b);
	}
	cons = json_object_get(section, "consistency");
	if (!json_is_array(cons) || json_array_size(cons) > 20) {
		rc = px_error_set(PX_EINVAL,
		    "%s: 'consistency' must be an array of at most 20 proofs",
		    what);
		goto fail;
	}
	{
		size_t k;
		const json_t *c;

		json_array_foreach(cons, k, c)
		{
			uint8_t path[64][32];
			size_t np;

			if ((rc = px_j_int(&from, c, "from", 0,
			         (int64_t)cp.size, "consistency")) < 0 ||
			    (rc = path_from_json(path, &np,
			         json_object_get(c, "path"), "consistency")) <
			        0)
				goto fail;
		}
	}
	w->consistency = cons;
	w->proofs = json_object_get(section, "proofs");
	w->cosigs = json_object_get(section, "cosignatures");
	if (!json_is_array(w->proofs) || !json_is_array(w->cosigs)) {
		rc = px_error_set(PX_EINVAL,
		    "%s: log section 'proofs' and 'cosignatures' must be "
		    "arrays",
		    what);
		goto fail;
	}
	/* Every item must be proven in the checkpoint. */
	for (size_t i = 0; i < nitems; i++) {
		char hash[PX_HASH_HEX], *canon;
		const char *kind;
		uint8_t leaf[32], path[64][32];
		size_t np = 0, k;
		const json_t *pr;
		int64_t idx;
		bool found = false;

		if ((rc = item_hash(items[i], hash, &kind)) < 0)
			goto fail;
		json_array_foreach(w->proofs, k, pr)
		{
			const char *h =
			    json_string_value(json_object_get(pr, "hash"));

			if (h && strcmp(h, hash) == 0) {
				found = true;
				break;
			}
		}
		if (!found) {
			rc = px_error_set(PX_EINVAL,
			    "%s: %s %.16s... has no inclusion proof", what,
			    kind, hash);
			goto fail;
		}
		if ((rc = px_j_int(&idx, pr, "index", 0, (int64_t)cp.size - 1,
		         "inclusion proof")) < 0 ||
		    (rc = path_from_json(path, &np, json_object_get(pr, "path"),
		         "inclusion proof")) < 0)
			goto fail;
		/* A receipt names its own place in its issuer's log. */
		if (strcmp(kind, "receipt") == 0 &&
		    json_integer_value(json_object_get(
		        json_object_get(items[i], "receipt"), "index")) !=
		        idx) {
			rc = px_error_set(PX_EINVAL,
			    "%s: receipt %.16s... says it is entry %lld of "
			    "%s's log, but is proven at %lld",
			    what, hash,
			    (long long)json_integer_value(json_object_get(
			        json_object_get(items[i], "receipt"), "index")),
			    p->card.name, (long long)idx);
			goto fail;
		}
		canon = px_canon_string(items[i]);
		px_merkle_leaf_hash(leaf, canon, strlen(canon));
		free(canon);
		if (px_merkle_verify_inclusion(leaf, (uint64_t)idx, cp.size,
		        (const uint8_t(*)[32])path, np, cp.root) < 0) {
			rc = px_error_set(PX_EINVAL,
			    "%s: %s %.16s... is not in %s's log at index "
			    "%lld of the checkpoint of size %llu (the proof "
			    "does not verify)",
			    what, kind, hash, p->card.name, (long long)idx,
			    (unsigned long long)cp.size);
			goto fail;
		}
	}
	w->items = px_calloc(nitems + 1, sizeof(*w->items));
	memcpy(w->items, items, nitems * sizeof(*items));
	w->item_hashes = px_calloc(nitems + 1, sizeof(*w->item_hashes));
	for (size_t i = 0; i < nitems; i++) {
		const char *kind;

		if ((rc = item_hash(items[i], w->item_hashes[i], &kind)) < 0)
			goto fail;
	}
	w->nitems = nitems;
	px_checkpoint_dispose(&cp);
	px_note_dispose(&note);
	return 0;
fail:
	px_checkpoint_dispose(&cp);
	px_note_dispose(&note);
	px_witness_in_dispose(w);
	return rc;
}

struct seen {
	uint64_t size;
	bool same_size; /* a checkpoint of this size was shown before */
	const char *root;
	char *other; /* a note of the same size with another root */
	char *same;  /* the note of our last cosigned size */
	int64_t wsize;
};

static int
scan_seen(int64_t size, const char *root, const char *note, void *arg)
{
	struct seen *s = arg;

	if ((uint64_t)size == s->size)
		s->same_size = true;
	if ((uint64_t)size == s->size && strcmp(root, s->root) != 0 &&
	    s->other == NULL)
		s->other = px_strdup(note);
	if (size == s->wsize && s->same == NULL)
		s->same = px_strdup(note);
	return 0;
}

/* Saves two checkpoints that cannot both be honest, and raises an alert.
 */
static int
save_evidence(struct px_node *n, const struct px_peer *p, const char *kind,
    const char *a, const char *b, const struct px_witness_in *w, int64_t now,
    struct px_buf *log)
{
	char *dir = px_asprintf("%s/evidence", n->dir);
	char *path = px_asprintf("%s/%s-%s-%llu-%lld.txt", dir, kind,
	    p->card.name, (unsigned long long)w->size, (long long)now);
	char *proof = px_path_encode((const uint8_t(*)[32])w->path, w->npath);
	char *text = px_asprintf(
	    "parley evidence: %s\n"
	    "Two checkpoints of the log of %s that no consistency proof can "
	    "join.\nEach is signed by %s's log key; verify them with:\n  %s\n"
	    "\n--- checkpoint A (held before) ---\n%s"
	    "\n--- checkpoint B (shown now) ---\n%s"
	    "\n--- consistency proof offered (from size %lld) ---\n%s\n",
	    kind, p->card.name, p->card.name,
	    "parley proof verify / any "
	    "C2SP signed-note verifier",
	    a ? a : "(none)\n", b, (long long)w->from, proof);
	char detail[512];
	int rc;

	if ((rc = px_mkdir_p(dir, 0700)) == 0)
		rc = px_file_write(path, text, strlen(text), 0600);
	snprintf(detail, sizeof(detail),
	    "%s: %s showed checkpoint size %llu that cannot be joined to "
	    "what we witnessed; evidence in %s",
	    kind, p->card.name, (unsigned long long)w->size, path);
	if (rc == 0)
		rc = PX_STORE_CALL(
		    n->store, alert_put, p->card.name, kind, detail, path, now);
	px_buf_putf(log, "  ALERT    %s\n", detail);
	fprintf(stderr, "parley: ALERT %s\n", detail);
	free(dir);
	free(path);
	free(proof);
	free(text);
	return rc;
}

/* The canonical bytes of the item whose object hash is `hash` (heap),
 * or NULL. */
static char *
find_item(const struct px_witness_in *w, const char *hash)
{
	for (size_t i = 0; i < w->nitems; i++)
		if (strcmp(w->item_hashes[i], hash) == 0)
			return px_canon_string(w->items[i]);
	return NULL;
}

int
px_witness_store_proof(struct px_node *n, const struct px_peer *p,
    const struct px_witness_in *w, const char *hash, int64_t now)
{
	size_t i;
	const json_t *pr;
	int rc;

	json_array_foreach(w->proofs, i, pr)
	{
		uint8_t path[64][32];
		size_t np = 0;
		struct px_proof_row row = { 0 };
		const char *h = json_string_value(json_object_get(pr, "hash"));

		if (h == NULL || strcmp(h, hash) != 0)
			continue;
		if ((rc = path_from_json(
		         path, &np, json_object_get(pr, "path"), "proof")) < 0)
			return rc;
		row.obj_hash = (char *)h;
		row.peer = (char *)p->card.name;
		row.idx = json_integer_value(json_object_get(pr, "index"));
		row.size = (int64_t)w->size;
		row.root = (char *)w->root_b64;
		row.path = px_path_encode((const uint8_t(*)[32])path, np);
		row.entry = find_item(w, h);
		row.time_ms = now;
		rc = row.entry ? PX_STORE_CALL(n->store, proof_put, &row) : 0;
		free(row.path);
		free(row.entry);
		return rc;
	}
	return 0;
}

/* The peer's cosignatures of our checkpoints: verify and keep. */
static int
store_their_cosigs(struct px_node *n, const struct px_peer *p,
    const struct px_witness_in *w, int64_t now, struct px_buf *log)
{
	struct px_vkey key;
	size_t i;
	const json_t *c;
	int rc;

	if ((rc = peer_vkey(&key, p, TYPE_COSIG)) < 0)
		return rc;
	json_array_foreach(w->cosigs, i, c)
	{
		struct px_note nt = { 0 };
		struct px_note note = { 0 };
		const char *line =
		    json_string_value(json_object_get(c, "line"));
		int64_t size = json_integer_value(json_object_get(c, "size"));
		char *ours = NULL, *text = NULL;
		uint64_t ts = 0;

		if (line == NULL ||
		    PX_STORE_CALL(n->store, ckpt_get, size, &ours, NULL) < 0) {
			px_buf_putf(log,
			    "  ignored  a cosignature for size "
			    "%lld, which we never published\n",
			    (long long)size);
			free(ours);
			continue;
		}
		rc = px_note_parse(&note, ours, strlen(ours));
		if (rc == 0) {
			text = px_asprintf("%s\n%s", note.text, line);
			rc = px_note_parse(&nt, text, strlen(text));
		}
		if (rc == 0 && nt.nsigs == 1)
			rc = px_cosig_verify(&nt.sigs[0], &key, note.text, &ts);
		else if (rc == 0)
			rc = px_error_set(PX_EINVAL, "expected one line");
		if (rc < 0) {
			/* Signed by the peer's witness key, yet not over the
			 * checkpoint we hold for that size: the peer saw
			 * another history of our own log. */
			rc = px_error_set(PX_EINVAL,
			    "%s cosigned a checkpoint of size %lld of this "
			    "node's log that is not the one this node holds: "
			    "this node's log was rolled back or forked "
			    "(restored from a backup?)",
			    p->card.name, (long long)size);
		} else {
			rc = PX_STORE_CALL(n->store, cosig_put, n->name, size,
			    p->card.name, line, now);
			px_buf_putf(log,
			    "  witness  %s cosigned our checkpoint "
			    "of size %lld\n",
			    p->card.name, (long long)size);
		}
		px_note_dispose(&nt);
		px_note_dispose(&note);
		free(ours);
		free(text);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Picks the consistency proof that starts at `from`; false if none. */
static bool
choose_proof(struct px_witness_in *w, int64_t from)
{
	size_t i;
	const json_t *c;

	json_array_foreach(w->consistency, i, c)
	{
		if (json_integer_value(json_object_get(c, "from")) != from)
			continue;
		w->from = from;
		return path_from_json(w->path, &w->npath,
		           json_object_get(c, "path"), "consistency") == 0;
	}
	return false;
}

int
px_witness_apply(struct px_node *n, const struct px_peer *p,
    struct px_witness_in *w, int64_t now, struct px_buf *log)
{
	struct seen seen = {
		.size = w->size, .root = w->root_b64, .wsize = -1
	};
	struct px_note note = { 0 };
	struct px_buf line;
	char *wroot = NULL, *pathtxt = NULL;
	const char *peer = p->card.name;
	int64_t wsize = 0;
	bool have, cosign = false;
	int rc;

	px_buf_init(&line, PX_BUF_NOCAP);
	if ((rc = PX_STORE_CALL0(n->store, begin)) < 0)
		return rc;
	rc = PX_STORE_CALL(n->store, witness_get, peer, &wsize, &wroot);
	if (rc < 0 && rc != PX_ENOTFOUND)
		goto rollback;
	have = rc == 0;
	seen.wsize = have ? wsize : -1;
	if ((rc = PX_STORE_CALL(
	         n->store, peer_ckpt_list, peer, scan_seen, &seen)) < 0)
		goto rollback;
	if ((rc = PX_STORE_CALL(n->store, peer_ckpt_put, peer, (int64_t)w->size,
	         w->root_b64, w->note, now)) < 0)
		goto rollback;
	if (seen.other) {
		/* Same size, another root: a split view, provable as is. */
		rc = save_evidence(
		    n, p, "fork", seen.other, w->note, w, now, log);
		goto refuse;
	}
	if (!have || (int64_t)w->size > wsize) {
		if (have && wsize > 0) {
			uint8_t r1[32];
			size_t got = 0;

			if (!choose_proof(w, wsize)) {
				px_buf_putf(log,
				    "  witness  not cosigning %s's checkpoint "
				    "%llu: it brings no consistency proof from "
				    "size %lld, the one we cosigned\n",
				    peer, (unsigned long long)w->size,
				    (long long)wsize);
				goto store;
			}
			if (px_b64_decode(r1, 32, &got, wroot) < 0 ||
			    px_merkle_verify_consistency((uint64_t)wsize,
			        w->size, r1, w->root,
			        (const uint8_t(*)[32])w->path, w->npath) < 0) {
				rc = save_evidence(n, p, "inconsistent",
				    seen.same, w->note, w, now, log);
				goto refuse;
			}
			pathtxt = px_path_encode(
			    (const uint8_t(*)[32])w->path, w->npath);
			if ((rc = PX_STORE_CALL(n->store, consistency_put, peer,
			         wsize, (int64_t)w->size, pathtxt)) < 0)
				goto rollback;
		}
		cosign = true;
	} else if ((int64_t)w->size == wsize &&
	    strcmp(wroot, w->root_b64) != 0) {
		rc = save_evidence(
		    n, p, "fork", seen.same, w->note, w, now, log);
		goto refuse;
	} else if ((int64_t)w->size < wsize && !seen.same_size) {
		/* Older than what we cosigned and never shown before: a
		 * reordered offline bundle can do this, so it is kept, but
		 * nothing ties it to the history we witnessed. */
		char detail[256];

		snprintf(detail, sizeof(detail),
		    "%s showed checkpoint %llu, older than the %lld we "
		    "cosigned and never seen before; it cannot be checked "
		    "against what we witnessed",
		    peer, (unsigned long long)w->size, (long long)wsize);
		px_buf_putf(log, "  ALERT    stale: %s\n", detail);
		if ((rc = PX_STORE_CALL(n->store, alert_put, peer, "stale",
		         detail, NULL, now)) < 0)
			goto rollback;
	}
	if (cosign) {
		if ((rc = px_note_parse(&note, w->note, strlen(w->note))) < 0 ||
		    (rc = px_cosig_sign(&line, n->name, &n->cosign,
		         (uint64_t)(now / 1000), note.text)) < 0 ||
		    (rc = PX_STORE_CALL(n->store, cosig_put, peer,
		         (int64_t)w->size, n->name, line.data, now)) < 0 ||
		    (rc = PX_STORE_CALL(n->store, witness_put, peer,
		         (int64_t)w->size, w->root_b64, now)) < 0)
			goto rollback;
		px_buf_putf(log,
		    "  witness  cosigned %s's checkpoint of size "
		    "%llu (consistent with %lld)\n",
		    peer, (unsigned long long)w->size, (long long)wsize);
	}
store:
	if ((rc = store_their_cosigs(n, p, w, now, log)) < 0 ||
	    (rc = PX_STORE_CALL0(n->store, commit)) < 0)
		goto rollback;
	goto out;
refuse:
	/* Keep the checkpoint and the alert; refuse what came with it. */
	if (rc == 0 && (rc = PX_STORE_CALL0(n->store, commit)) == 0)
		rc = px_error_set(PX_EINVAL,
		    "%s's log checkpoint of size %llu cannot be joined to the "
		    "one we witnessed; the bundle is refused and the evidence "
		    "kept (see 'parley log alerts')",
		    peer, (unsigned long long)w->size);
	if (rc < 0 && rc != PX_EINVAL)
		goto rollback;
	goto out;
rollback:
	PX_STORE_CALL0(n->store, rollback);
out:
	px_note_dispose(&note);
	px_buf_dispose(&line);
	free(seen.other);
	free(seen.same);
	free(wroot);
	free(pathtxt);
	return rc;
}

int
px_witness_cosignature(
    struct px_node *n, const char *peer, int64_t size, struct px_buf *out)
{
	struct find_cosig mine = { .witness = n->name };
	int rc;

	rc = PX_STORE_CALL(n->store, cosig_list, peer, size, find_cosig, &mine);
	if (rc < 0 && rc != 1)
		return rc;
	if (mine.line == NULL)
		return px_error_set(PX_ENOTFOUND,
		    "no cosignature of %s's checkpoint %lld", peer,
		    (long long)size);
	rc = px_buf_adds(out, mine.line);
	free(mine.line);
	return rc;
}
