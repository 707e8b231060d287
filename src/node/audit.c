/*
 * Exporting an audit bundle from a node's store (audit.h).
 */
#include "ledger/note.h"
#include "model/canon.h"
#include "node/audit.h"
#include "node/log.h"
#include "util/util.h"

static json_t *
path_array(const char *spaced)
{
	json_t *a = json_array();
	const char *p = spaced;

	while (p && *p) {
		const char *e = strchr(p, ' ');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *w = px_strndup(p, n);

		if (n)
			json_array_append_new(a, json_string(w));
		free(w);
		p = e ? e + 1 : NULL;
	}
	return a;
}

struct own_ctx {
	struct px_node *n;
	int64_t size;
	json_t *entries;
	int rc;
};

static int
own_entry(const struct px_log_row *r, void *arg)
{
	struct own_ctx *c = arg;
	uint8_t path[PX_LOG_MAX_PROOF][32];
	json_t *env = NULL;
	char *p;
	size_t np;
	int rc;

	if (r->idx >= c->size)
		return 0;
	if ((rc = px_log_inclusion(c->n, r->idx, c->size, path, &np)) < 0 ||
	    (rc = px_json_parse(&env, (const char *)r->entry, r->len,
	         PX_AUDIT_MAX_BYTES, "log entry")) < 0)
		return c->rc = rc;
	p = px_path_encode((const uint8_t(*)[32])path, np);
	json_array_append_new(c->entries,
	    json_pack("{sIsIsoso}", "index", (json_int_t)r->idx, "size",
	        (json_int_t)c->size, "path", path_array(p), "entry", env));
	free(p);
	return 0;
}

static int
peer_entry(const struct px_proof_row *r, void *arg)
{
	json_t *a = arg, *env = NULL;
	int rc;

	if ((rc = px_json_parse(&env, r->entry, strlen(r->entry),
	         PX_AUDIT_MAX_BYTES, "stored peer entry")) < 0)
		return rc;
	json_array_append_new(a,
	    json_pack("{sIsIsoso}", "index", (json_int_t)r->idx, "size",
	        (json_int_t)r->size, "path", path_array(r->path), "entry",
	        env));
	return 0;
}

struct ckpt_ctx {
	struct px_node *n;
	const char *origin;
	json_t *notes;
	int64_t last_size;
	char *last_root;
};

static int
add_line(int64_t size, const char *witness, const char *line, void *arg)
{
	(void)size;
	(void)witness;
	px_buf_puts(arg, line);
	return 0;
}

static int
peer_ckpt(int64_t size, const char *root, const char *note, void *arg)
{
	struct ckpt_ctx *c = arg;
	struct px_buf b;
	int rc;

	/* Our cosignature, when we made one, travels with the note. */
	px_buf_init(&b, PX_BUF_NOCAP);
	px_buf_puts(&b, note);
	rc = PX_STORE_CALL(
	    c->n->store, cosig_list, c->origin, size, add_line, &b);
	(void)root;
	if (rc == 0)
		json_array_append_new(c->notes, json_string(b.data));
	px_buf_dispose(&b);
	return rc;
}

static int
consistency_row(int64_t size1, const char *size2, const char *path, void *arg)
{
	json_array_append_new(arg,
	    json_pack("{sIsIso}", "size1", (json_int_t)size1, "size2",
	        (json_int_t)strtoll(size2, NULL, 10), "path",
	        path_array(path)));
	return 0;
}

int
px_audit_export(struct px_node *n, const char *peer, int64_t from_ms,
    int64_t to_ms, struct px_buf *out, size_t *entries)
{
	struct px_peer *p = NULL;
	struct own_ctx own = { .n = n, .entries = json_array() };
	struct ckpt_ctx pc = { .n = n, .origin = peer, .notes = json_array() };
	json_t *my_card = NULL, *peer_entries = json_array();
	json_t *cons = json_array(), *audit = NULL, *env = NULL, *mine_cp;
	char *note = NULL, tf[PX_TIME_STRLEN], tt[PX_TIME_STRLEN];
	char tm[PX_TIME_STRLEN];
	int rc;

	if ((rc = px_peer_load(&p, n, peer)) < 0 ||
	    (rc = px_node_card(&my_card, n)) < 0)
		goto out;
	if ((rc = px_log_checkpoint_note(n, -1, &note, &own.size)) < 0) {
		if (rc == PX_ENOTFOUND)
			rc = px_error_set(PX_ENOTFOUND,
			    "the log of %s is empty: nothing to audit yet",
			    n->name);
		goto out;
	}
	if ((rc = PX_STORE_CALL(n->store, log_list, peer, from_ms, to_ms,
	         own_entry, &own)) < 0 ||
	    (rc = own.rc) < 0)
		goto out;
	if ((rc = PX_STORE_CALL(n->store, proof_list, peer, INT64_MIN,
	         INT64_MAX, peer_entry, peer_entries)) < 0 ||
	    (rc = PX_STORE_CALL(
	         n->store, peer_ckpt_list, peer, peer_ckpt, &pc)) < 0 ||
	    (rc = PX_STORE_CALL(
	         n->store, consistency_list, peer, consistency_row, cons)) < 0)
		goto out;
	/* Peer entries are filtered by their message time, not our receive
	 * time: keep those whose signed time is in the period. */
	{
		size_t i = 0;

		while (i < json_array_size(peer_entries)) {
			const json_t *e = json_object_get(
			    json_array_get(peer_entries, i), "entry");
			const json_t *o = json_object_get(e, "msg")
			    ? json_object_get(e, "msg")
			    : json_object_get(e, "receipt");
			const char *ts = json_string_value(json_object_get(o,
			    json_object_get(e, "msg") ? "time" : "received"));
			int64_t t = 0;

			if (ts && px_time_parse(&t, ts, 0) == 0 &&
			    (t < from_ms || t > to_ms))
				json_array_remove(peer_entries, i);
			else
				i++;
		}
	}
	mine_cp = json_pack("[s]", note);
	px_time_format(tm, px_time_now_ms());
	if (from_ms != INT64_MIN)
		px_time_format(tf, from_ms);
	if (to_ms != INT64_MAX)
		px_time_format(tt, to_ms);
	audit = json_pack("{sisssssss[OO]sos[{sssososO}{sssOsOsO}]}", "v", 1,
	    "by", n->name, "peer", peer, "created", tm, "cards", my_card,
	    p->card.env, "agreement", px_agreement_to_json(&p->agreement),
	    "logs", "origin", n->name, "checkpoints", mine_cp, "consistency",
	    json_array(), "entries", own.entries, "origin", peer, "checkpoints",
	    pc.notes, "consistency", cons, "entries", peer_entries);
	if (audit == NULL) {
		rc = px_error_set(PX_ERR, "cannot build the audit bundle");
		goto out;
	}
	json_object_set_new(audit, "from",
	    from_ms == INT64_MIN ? json_null() : json_string(tf));
	json_object_set_new(
	    audit, "to", to_ms == INT64_MAX ? json_null() : json_string(tt));
	if ((rc = px_signed_wrap(&env, NULL, "audit", audit, &n->sign)) < 0 ||
	    (rc = px_canon_append(out, env)) < 0 ||
	    (rc = px_buf_addc(out, '\n')) < 0)
		goto out;
	*entries = json_array_size(own.entries) + json_array_size(peer_entries);
out:
	free(note);
	json_decref(my_card);
	json_decref(own.entries);
	json_decref(peer_entries);
	json_decref(pc.notes);
	json_decref(cons);
	json_decref(audit);
	json_decref(env);
	px_peer_free(p);
	return rc;
}
