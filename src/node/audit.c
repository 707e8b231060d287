/*
 * Exporting an audit bundle from a node's store (audit.h,
 * docs/audit.md): version 2, one line at a time, so memory does not
 * grow with the log.
 *
 * Entries go out in sections proven against one checkpoint each, with
 * only the tree nodes between them (a multiproof: px_merkle_cover), not
 * a path each.  This node's own entries are proven against its latest
 * checkpoint, with nodes read from its tree.  The peer's entries came
 * with a path each, against the checkpoint shown in their bundle; they
 * are grouped by that checkpoint, and every node a section needs lies on
 * the path of one of the two entries beside it (test_merkle checks
 * this), so it is taken from there.
 */
#include <nettle/sha2.h>
#include <stddef.h>

#include "ledger/merkle.h"
#include "ledger/note.h"
#include "model/canon.h"
#include "model/policy.h"
#include "node/audit.h"
#include "node/log.h"
#include "util/util.h"

/* Entries per section: a section costs its leading and trailing nodes
 * (2 log2 n hashes), and a failing one is named by its range. */
#define SECTION_MAX 1024

struct out {
	px_audit_write_fn write;
	void *arg;
	struct sha256_ctx d;
	int64_t lines;
	struct px_buf line;
	size_t entries;
	px_audit_progress_fn progress;
	void *parg;
};

/* Sends the line built in o->line (without its LF). */
static int
put_line(struct out *o)
{
	int rc;

	px_buf_put(&o->line, "\n", 1);
	sha256_update(&o->d, o->line.len, (const uint8_t *)o->line.data);
	o->lines++;
	rc = o->write(o->line.data, o->line.len, o->arg);
	px_buf_reset(&o->line);
	return rc;
}

/* A JSON value as one line (stolen). */
static int
put_json(struct out *o, json_t *j)
{
	int rc;

	if (j == NULL)
		return px_error_set(PX_ERR, "cannot build an audit line");
	rc = px_canon_append(&o->line, j);
	json_decref(j);
	return rc < 0 ? rc : put_line(o);
}

static void
put_hashes(struct px_buf *b, const uint8_t (*h)[32], size_t n)
{
	px_buf_put(b, "[", 1);
	for (size_t i = 0; i < n; i++) {
		char *s = px_b64_encode(h[i], 32);

		px_buf_putf(b, "%s\"%s\"", i ? "," : "", s);
		free(s);
	}
	px_buf_put(b, "]", 1);
}

/* {"entry":E,"gap":[...],"index":N}: E is stored canonical, base64 needs
 * no escape and the members are in order, so the line is canonical as
 * built. */
static int
put_entry(struct out *o, const void *e, size_t len, const uint8_t (*gap)[32],
    size_t ngap, int64_t idx)
{
	int rc;

	px_buf_puts(&o->line, "{\"entry\":");
	px_buf_put(&o->line, e, len);
	px_buf_puts(&o->line, ",\"gap\":");
	put_hashes(&o->line, gap, ngap);
	px_buf_putf(&o->line, ",\"index\":%lld}", (long long)idx);
	if ((rc = put_line(o)) < 0)
		return rc;
	if (++o->entries % 4096 == 0 && o->progress)
		o->progress(0, 0, o->entries, o->parg);
	return 0;
}

static int
put_section(struct out *o, int64_t size)
{
	px_buf_putf(&o->line, "{\"section\":{\"size\":%lld}}", (long long)size);
	return put_line(o);
}

static int
put_section_end(struct out *o, const uint8_t (*gap)[32], size_t ngap)
{
	px_buf_puts(&o->line, "{\"section_end\":{\"gap\":");
	put_hashes(&o->line, gap, ngap);
	px_buf_puts(&o->line, "}}");
	return put_line(o);
}

/* ---- this node's log -------------------------------------------------- */

/* The cases whose messages a neutral verifier may not read (the choke
 * point's answer for PX_OUT_AUDIT, PX_AUD_ARBITER): their message
 * entries are left out, and the gap hashes around them still prove
 * every other entry; receipts, which carry hashes and times only, stay. */
struct withheld {
	char **ids; /* sorted */
	size_t n;
	size_t count; /* entries left out */
};

static int
withheld_case(const struct px_case_row *r, void *arg)
{
	struct withheld *w = arg;
	int t = PX_WIRE(px_tlp_names, r->tlp);
	struct px_policy_case pc = { .id = r->id,
		.tlp = t < 0 ? PX_TLP__N : (enum px_tlp)t,
		.requester = r->requester,
		.responder = r->responder };
	struct px_policy_dest d = { .path = PX_OUT_AUDIT,
		.audience = PX_AUD_ARBITER };

	if (px_policy_level(&pc, &d) != PX_REL_ALL) {
		w->ids = px_realloc(w->ids, (w->n + 1) * sizeof(*w->ids));
		w->ids[w->n++] = px_strdup(r->id);
	}
	return 0;
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether entry `e` (canonical JSON, `len` bytes) is a message of a
 * withheld case: its "case" member (and, harmlessly, a link naming such
 * a case) is looked up without parsing the entry. */
static bool
withhold(struct withheld *w, const char *e, size_t len)
{
	static const char key[] = "\"case\":\"";
	const char *p = e, *end = e + len;

	if (w->n == 0 || len < 8 || memcmp(e, "{\"msg\":", 7) != 0)
		return false;
	for (; end - p >= (ptrdiff_t)(sizeof(key) - 1 + 36); p++) {
		char id[PX_UUID_STRLEN], *k = id;

		if (*p != '"' || memcmp(p, key, sizeof(key) - 1) != 0)
			continue;
		p += sizeof(key) - 1;
		memcpy(id, p, 36);
		id[36] = '\0';
		if (bsearch(&k, w->ids, w->n, sizeof(*w->ids), cmp_id)) {
			w->count++;
			return true;
		}
		p--; /* the loop steps past the opening quote of the id */
	}
	return false;
}

struct own {
	struct out *o;
	struct px_node *n;
	struct withheld *w;
	int64_t size, prev, count;
	int rc;
};

static int
get_tree(void *ctx, unsigned level, uint64_t idx, uint8_t out[32])
{
	struct px_node *n = ctx;

	return PX_STORE_CALL(n->store, tree_get, level, idx, out);
}

/* The hashes of the nodes covering leaves [from, to) of the tree. */
static int
own_gap(struct own *c, uint64_t from, uint64_t to, uint8_t (*h)[32], size_t *n)
{
	struct px_merkle_span sp[PX_MERKLE_MAX_COVER];
	int rc;

	*n = px_merkle_cover(sp, from, to, (uint64_t)c->size);
	for (size_t i = 0; i < *n; i++)
		if ((rc = px_merkle_span_hash(
		         h[i], sp[i], (uint64_t)c->size, get_tree, c->n)) < 0)
			return rc;
	return 0;
}

static int
own_close(struct own *c)
{
	uint8_t h[PX_MERKLE_MAX_COVER][32];
	size_t n;
	int rc;

	if (c->count == 0)
		return 0;
	if ((rc = own_gap(c, (uint64_t)c->prev + 1, (uint64_t)c->size, h, &n)) <
	        0 ||
	    (rc = put_section_end(c->o, (const uint8_t(*)[32])h, n)) < 0)
		return rc;
	c->count = 0;
	return 0;
}

static int
own_entry(const struct px_log_row *r, void *arg)
{
	struct own *c = arg;
	uint8_t h[PX_MERKLE_MAX_COVER][32];
	size_t n;
	int rc;

	if (r->idx >= c->size || withhold(c->w, (const char *)r->entry, r->len))
		return 0;
	if (c->count == SECTION_MAX && (rc = own_close(c)) < 0)
		return c->rc = rc;
	if (c->count == 0) {
		if ((rc = put_section(c->o, c->size)) < 0)
			return c->rc = rc;
		c->prev = -1;
	}
	if ((rc = own_gap(
	         c, (uint64_t)(c->prev + 1), (uint64_t)r->idx, h, &n)) < 0 ||
	    (rc = put_entry(c->o, r->entry, r->len, (const uint8_t(*)[32])h, n,
	         r->idx)) < 0)
		return c->rc = rc;
	c->prev = r->idx;
	c->count++;
	return 0;
}

/* ---- the peer's log ----------------------------------------------------- */

/* One peer entry held back: its index and the spans and hashes of its
 * path (against the section's size). */
struct held {
	int64_t idx;
	size_t n;
	struct px_merkle_span sp[PX_MERKLE_MAX_PROOF];
	uint8_t h[PX_MERKLE_MAX_PROOF][32];
};

struct peer {
	struct out *o;
	struct withheld *w;
	int64_t from_ms, to_ms;
	int64_t size, count;
	struct held prev, cur;
	int rc;
};

/* The hashes of the nodes covering [from, to) of the section's tree,
 * each taken from the path of the entry before or after the gap. */
static int
peer_gap(struct peer *c, uint64_t from, uint64_t to, const struct held *a,
    const struct held *b, uint8_t (*h)[32], size_t *n)
{
	struct px_merkle_span sp[PX_MERKLE_MAX_COVER];

	*n = px_merkle_cover(sp, from, to, (uint64_t)c->size);
	for (size_t i = 0; i < *n; i++) {
		const struct held *w[2] = { a, b };
		bool found = false;

		for (int k = 0; k < 2 && !found; k++)
			for (size_t q = 0; w[k] && q < w[k]->n && !found; q++)
				if (w[k]->sp[q].start == sp[i].start &&
				    w[k]->sp[q].end == sp[i].end) {
					memcpy(h[i], w[k]->h[q], 32);
					found = true;
				}
		if (!found)
			return px_error_set(PX_ERR,
			    "the stored proofs of %s entries %lld and %lld do "
			    "not hold the nodes between them",
			    "the peer's", (long long)(a ? a->idx : -1),
			    (long long)(b ? b->idx : -1));
	}
	return 0;
}

static int
peer_close(struct peer *c)
{
	uint8_t h[PX_MERKLE_MAX_COVER][32];
	size_t n;
	int rc;

	if (c->count == 0)
		return 0;
	if ((rc = peer_gap(c, (uint64_t)c->prev.idx + 1, (uint64_t)c->size,
	         &c->prev, NULL, h, &n)) < 0 ||
	    (rc = put_section_end(c->o, (const uint8_t(*)[32])h, n)) < 0)
		return rc;
	c->count = 0;
	return 0;
}

/* Whether a peer entry's signed time (msg.time, receipt.received) is in
 * the period; entries are only parsed for a bounded period. */
static bool
in_period(const struct peer *c, const char *entry)
{
	const json_t *o, *e;
	json_t *env = NULL;
	const char *ts;
	int64_t t = 0;
	bool in = true;

	if (c->from_ms == INT64_MIN && c->to_ms == INT64_MAX)
		return true;
	if (px_json_parse(&env, entry, strlen(entry), PX_MSG_MAX_BYTES,
	        "stored peer entry") < 0)
		return true; /* the verifier will say what is wrong */
	e = env;
	o = json_object_get(e, "msg") ? json_object_get(e, "msg")
	                              : json_object_get(e, "receipt");
	ts = json_string_value(json_object_get(
	    o, json_object_get(e, "msg") ? "time" : "received"));
	if (ts && px_time_parse(&t, ts, 0) == 0 &&
	    (t < c->from_ms || t > c->to_ms))
		in = false;
	json_decref(env);
	return in;
}

static int
peer_entry(const struct px_proof_row *r, void *arg)
{
	struct peer *c = arg;
	uint8_t h[PX_MERKLE_MAX_COVER][32];
	size_t n, np;
	int rc;

	if (!in_period(c, r->entry) ||
	    withhold(c->w, r->entry, strlen(r->entry)))
		return 0;
	if (c->count > 0 &&
	    (r->size != c->size || r->idx <= c->prev.idx ||
	        c->count == SECTION_MAX) &&
	    (rc = peer_close(c)) < 0)
		return c->rc = rc;
	if (r->idx < 0 || r->idx >= r->size)
		return c->rc = px_error_set(PX_ERR,
		           "stored proof of the peer's entry %lld is for a log "
		           "of %lld entries",
		           (long long)r->idx, (long long)r->size);
	c->cur.idx = r->idx;
	if ((rc = px_path_decode(c->cur.h, &np, r->path)) < 0)
		return c->rc = rc;
	c->cur.n = px_merkle_path_spans(
	    c->cur.sp, (uint64_t)r->idx, (uint64_t)r->size);
	if (c->cur.n != np)
		return c->rc = px_error_set(PX_ERR,
		           "stored proof of the peer's entry %lld has %zu "
		           "hashes, not %zu",
		           (long long)r->idx, np, c->cur.n);
	if (c->count == 0) {
		c->size = r->size;
		if ((rc = put_section(c->o, c->size)) < 0 ||
		    (rc = peer_gap(
		         c, 0, (uint64_t)r->idx, NULL, &c->cur, h, &n)) < 0)
			return c->rc = rc;
	} else if ((rc = peer_gap(c, (uint64_t)c->prev.idx + 1,
	                (uint64_t)r->idx, &c->prev, &c->cur, h, &n)) < 0) {
		return c->rc = rc;
	}
	if ((rc = put_entry(c->o, r->entry, strlen(r->entry),
	         (const uint8_t(*)[32])h, n, r->idx)) < 0)
		return c->rc = rc;
	c->prev = c->cur;
	c->count++;
	return 0;
}

struct ckpt_ctx {
	struct px_node *n;
	struct out *o;
	const char *origin;
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
	(void)root;
	px_buf_init(&b, PX_BUF_NOCAP);
	px_buf_puts(&b, note);
	rc = PX_STORE_CALL(
	    c->n->store, cosig_list, c->origin, size, add_line, &b);
	if (rc == 0)
		rc = put_json(c->o, json_pack("{ss}", "checkpoint", b.data));
	px_buf_dispose(&b);
	return rc;
}

static int
consistency_row(int64_t size1, const char *size2, const char *path, void *arg)
{
	struct ckpt_ctx *c = arg;
	uint8_t h[PX_LOG_MAX_PROOF][32];
	size_t n;
	int rc;

	if ((rc = px_path_decode(h, &n, path)) < 0)
		return rc;
	px_buf_putf(&c->o->line, "{\"consistency\":{\"path\":");
	put_hashes(&c->o->line, (const uint8_t(*)[32])h, n);
	px_buf_putf(&c->o->line, ",\"size1\":%lld,\"size2\":%lld}}",
	    (long long)size1, (long long)strtoll(size2, NULL, 10));
	return put_line(c->o);
}

int
px_audit_export(struct px_node *n, const char *peer, int64_t from_ms,
    int64_t to_ms, px_audit_write_fn write, void *arg,
    px_audit_progress_fn progress, void *parg, size_t *entries,
    size_t *withheld_out)
{
	struct out o = {
		.write = write, .arg = arg, .progress = progress, .parg = parg
	};
	struct px_peer *p = NULL;
	struct withheld w = { 0 };
	struct own own = { .o = &o, .n = n, .w = &w };
	struct peer pe = {
		.o = &o, .w = &w, .from_ms = from_ms, .to_ms = to_ms
	};
	struct px_case_filter cf = { .peer = peer };
	struct ckpt_ctx pc = { .n = n, .o = &o, .origin = peer };
	json_t *my_card = NULL, *head = NULL, *env = NULL, *tr;
	char *note = NULL, tf[PX_TIME_STRLEN], tt[PX_TIME_STRLEN];
	char tm[PX_TIME_STRLEN], hex[65];
	uint8_t dig[32];
	int rc;

	sha256_init(&o.d);
	px_buf_init(&o.line, PX_BUF_NOCAP);
	*entries = 0;
	if (withheld_out)
		*withheld_out = 0;
	if ((rc = px_peer_load(&p, n, peer)) < 0 ||
	    (rc = px_node_card(&my_card, n)) < 0 ||
	    (rc = PX_STORE_CALL(n->store, case_list, &cf, withheld_case, &w)) <
	        0)
		goto out;
	if (w.n)
		qsort(w.ids, w.n, sizeof(*w.ids), cmp_id);
	if ((rc = px_log_checkpoint_note(n, -1, &note, &own.size)) < 0) {
		if (rc == PX_ENOTFOUND)
			rc = px_error_set(PX_ENOTFOUND,
			    "the log of %s is empty: nothing to audit yet",
			    n->name);
		goto out;
	}
	px_time_format(tm, px_time_now_ms());
	if (from_ms != INT64_MIN)
		px_time_format(tf, from_ms);
	if (to_ms != INT64_MAX)
		px_time_format(tt, to_ms);
	head = json_pack("{sisssssss[OO]so}", "v", 2, "by", n->name, "peer",
	    peer, "created", tm, "cards", my_card, p->card.env, "agreement",
	    px_agreement_to_json(&p->agreement));
	if (head == NULL) {
		rc = px_error_set(PX_ERR, "cannot build the audit bundle");
		goto out;
	}
	json_object_set_new(
	    head, "from", from_ms == INT64_MIN ? json_null() : json_string(tf));
	json_object_set_new(
	    head, "to", to_ms == INT64_MAX ? json_null() : json_string(tt));
	if ((rc = put_json(&o, json_pack("{sO}", "audit", head))) < 0)
		goto out;
	/* This node's log: its latest checkpoint, its entries with the
	 * peer in the period. */
	if ((rc = put_json(&o, json_pack("{ss}", "log", n->name))) < 0 ||
	    (rc = put_json(&o, json_pack("{ss}", "checkpoint", note))) < 0)
		goto out;
	if ((rc = PX_STORE_CALL(n->store, log_list, peer, from_ms, to_ms,
	         own_entry, &own)) < 0 ||
	    (rc = own.rc) < 0 || (rc = own_close(&own)) < 0)
		goto out;
	/* The peer's log: every checkpoint it showed, the proofs that join
	 * them, and its entries we hold, by the checkpoint they were
	 * proven against. */
	if ((rc = put_json(&o, json_pack("{ss}", "log", peer))) < 0 ||
	    (rc = PX_STORE_CALL(
	         n->store, peer_ckpt_list, peer, peer_ckpt, &pc)) < 0 ||
	    (rc = PX_STORE_CALL(
	         n->store, consistency_list, peer, consistency_row, &pc)) < 0)
		goto out;
	if ((rc = PX_STORE_CALL(n->store, proof_list, peer, INT64_MIN,
	         INT64_MAX, peer_entry, &pe)) < 0 ||
	    (rc = pe.rc) < 0 || (rc = peer_close(&pe)) < 0)
		goto out;
	/* The exporter's signature over every line above. */
	sha256_digest(&o.d, 32, dig);
	px_hex_encode(hex, dig, 32);
	tr = json_pack(
	    "{sIsssi}", "lines", (json_int_t)o.lines, "sha256", hex, "v", 2);
	if (tr == NULL) {
		rc = px_error_set(PX_ERR, "cannot build the audit bundle");
		goto out;
	}
	rc = px_signed_wrap(&env, NULL, "audit", tr, &n->sign);
	json_decref(tr);
	if (rc < 0 || (rc = px_canon_append(&o.line, env)) < 0 ||
	    (rc = o.write(o.line.data, o.line.len, o.arg)) < 0 ||
	    (rc = o.write("\n", 1, o.arg)) < 0)
		goto out;
	*entries = o.entries;
	if (withheld_out)
		*withheld_out = w.count;
	if (progress)
		progress(0, 0, o.entries, parg);
out:
	for (size_t i = 0; i < w.n; i++)
		free(w.ids[i]);
	free(w.ids);
	free(note);
	json_decref(my_card);
	json_decref(head);
	json_decref(env);
	px_buf_dispose(&o.line);
	px_peer_free(p);
	return rc;
}
