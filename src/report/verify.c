/*
 * Verifying a review report against this node's record (verify.h says
 * what holds when it passes).
 *
 * Every check runs even after one fails, and each failure is named (which
 * case, which entry, which figure), because a reviewer who finds one
 * changed figure wants to know whether it is the only one.  Only a report
 * whose header cannot be read stops early: without the period and the
 * zone nothing can be recomputed.
 */
#include <math.h>
#include <stdarg.h>

#include "ledger/checkpoint.h"
#include "model/bundle.h"
#include "model/canon.h"
#include "node/log.h"
#include "report/stats.h"
#include "report/verify.h"
#include "util/util.h"

#include "report/verify_internal.h"

static void say(json_t *a, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
say(json_t *a, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	json_array_append_new(a, json_string(line));
}

void
px_rv_checked(struct px_report_verdict *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(r->checked, fmt, ap);
	va_end(ap);
}

void
px_rv_mismatch(struct px_report_verdict *r, const char *fmt, ...)
{
	va_list ap;

	if (r->nmismatches++ >= PX_REPORT_MAX_MISMATCHES)
		return;
	va_start(ap, fmt);
	say(r->mismatches, fmt, ap);
	va_end(ap);
}

bool
px_report_is_report(const json_t *doc)
{
	return json_is_object(doc) && json_object_get(doc, "report") != NULL;
}

void
px_report_verdict_dispose(struct px_report_verdict *res)
{
	json_decref(res->checked);
	json_decref(res->mismatches);
	memset(res, 0, sizeof(*res));
}

static int
read_header(struct px_report_params *p, struct px_node *n, const json_t *h)
{
	static const char what[] = "report header";
	int64_t v;
	const char *zone;
	int rc;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(h))
		return px_error_set(PX_EINVAL, "'report' is not an object");
	if ((rc = px_j_int(&v, h, "v", 1, 1, what)) < 0 ||
	    (rc = px_j_str(&p->node, h, "node", 253, what)) < 0 ||
	    (rc = px_j_str(&p->peer, h, "peer", 253, what)) < 0 ||
	    (rc = px_j_time(&p->from_ms, h, "from", what)) < 0 ||
	    (rc = px_j_time(&p->to_ms, h, "to", what)) < 0 ||
	    (rc = px_j_time(&p->as_of_ms, h, "as_of", what)) < 0 ||
	    (rc = px_j_time(&p->generated_ms, h, "generated", what)) < 0 ||
	    (rc = px_j_int(&p->verify_within_ms, h, "verify_within_ms", 0,
	         PX_JSON_MAX_INT, what)) < 0 ||
	    (rc = px_j_str(&zone, h, "timezone", 255, what)) < 0 ||
	    (rc = px_j_int(
	         &p->agreement, h, "agreement", 0, PX_JSON_MAX_INT, what)) < 0)
		return rc;
	if ((rc = px_node_tz(&p->tz, n, zone)) < 0) {
		px_error_prefix("report header: timezone");
		return rc;
	}
	return 0;
}

/* The issuing node's log key: ours, or the pinned peer's card log_key. */
static int
issuer_key(struct px_vkey *out, struct px_node *n, const char *issuer, bool own,
    struct px_report_verdict *res)
{
	struct px_peer *p = NULL;
	char *vk = NULL;
	const char *s;
	int rc;

	if (own) {
		vk = px_node_log_vkey(n);
		rc = px_vkey_parse(out, vk);
		free(vk);
		return rc;
	}
	if ((rc = px_peer_load(&p, n, issuer)) < 0) {
		if (rc != PX_ENOTFOUND)
			return rc;
		px_rv_mismatch(res,
		    "the report is by %s, which is neither this node (%s) "
		    "nor a pinned peer: its checkpoint cannot be checked",
		    issuer, n->name);
		return 1;
	}
	s = json_string_value(json_object_get(p->card.c, "log_key"));
	rc = s ? px_vkey_parse(out, s)
	       : px_error_set(
	             PX_EINVAL, "the pinned card of %s has no log_key", issuer);
	px_peer_free(p);
	return rc;
}

struct ckpt {
	bool ok; /* signature verified and members agree */
	uint64_t size;
	uint8_t root[32];
};

struct seen {
	uint64_t size;
	const uint8_t *root;
	int found; /* 0 not seen, 1 same root, -1 other root */
};

static int
scan_peer_ckpt(int64_t size, const char *root, const char *note, void *arg)
{
	struct seen *s = arg;
	struct px_note nt = { 0 };
	struct px_checkpoint cp = { 0 };

	(void)root;
	if ((uint64_t)size != s->size || s->found == 1)
		return 0;
	if (px_note_parse(&nt, note, strlen(note)) == 0 &&
	    px_checkpoint_parse(&cp, nt.text, nt.text_len) == 0)
		s->found = memcmp(cp.root, s->root, 32) == 0 ? 1 : -1;
	px_checkpoint_dispose(&cp);
	px_note_dispose(&nt);
	return 0;
}

/* Our own checkpoint: the stored one of that size, or our log's root at
 * that size. */
static int
check_own_ckpt(
    struct px_report_verdict *res, struct px_node *n, const struct ckpt *ck)
{
	struct px_note nt = { 0 };
	struct px_checkpoint cp = { 0 };
	char *note = NULL;
	uint8_t root[32];
	int64_t have;
	int rc;

	rc = PX_STORE_CALL(n->store, ckpt_get, (int64_t)ck->size, &note, NULL);
	if (rc == 0) {
		if ((rc = px_note_parse(&nt, note, strlen(note))) < 0 ||
		    (rc = px_checkpoint_parse(&cp, nt.text, nt.text_len)) < 0)
			goto out;
		if (memcmp(cp.root, ck->root, 32) != 0)
			px_rv_mismatch(res,
			    "checkpoint: this node signed a different root for "
			    "size %llu",
			    (unsigned long long)ck->size);
		else
			px_rv_checked(res,
			    "checkpoint %llu is the one this node's store "
			    "holds",
			    (unsigned long long)ck->size);
		goto out;
	}
	if (rc != PX_ENOTFOUND || (rc = px_log_size(n, &have)) < 0)
		goto out;
	if (ck->size > (uint64_t)have) {
		px_rv_mismatch(res,
		    "checkpoint: size %llu is beyond this node's log (%lld "
		    "entries)",
		    (unsigned long long)ck->size, (long long)have);
	} else if ((rc = px_log_root(n, (int64_t)ck->size, root)) < 0) {
		goto out;
	} else if (memcmp(root, ck->root, 32) != 0) {
		px_rv_mismatch(res,
		    "checkpoint: its root is not this node's log root at "
		    "size %llu",
		    (unsigned long long)ck->size);
	} else {
		px_rv_checked(res,
		    "checkpoint %llu is consistent with this node's log (same "
		    "root at that size)",
		    (unsigned long long)ck->size);
	}
	rc = 0;
out:
	free(note);
	px_checkpoint_dispose(&cp);
	px_note_dispose(&nt);
	return rc;
}

static int
check_ckpt(struct px_report_verdict *res, struct px_node *n, const json_t *j,
    const char *issuer, bool own, struct ckpt *ck)
{
	struct px_note nt = { 0 };
	struct px_checkpoint cp = { 0 };
	struct px_vkey key;
	uint64_t verified;
	const char *note, *origin, *root;
	int64_t size;
	char *b64 = NULL;
	int rc;

	memset(ck, 0, sizeof(*ck));
	if (json_is_null(j) || j == NULL) {
		px_rv_checked(res, "no checkpoint: the node's log was empty");
		return 0;
	}
	if ((rc = px_j_str(&note, j, "note", PX_NOTE_MAX_BYTES, "checkpoint")) <
	        0 ||
	    (rc = px_j_str(&origin, j, "origin", 255, "checkpoint")) < 0 ||
	    (rc = px_j_str(&root, j, "root", 64, "checkpoint")) < 0 ||
	    (rc = px_j_int(
	         &size, j, "size", 0, PX_JSON_MAX_INT, "checkpoint")) < 0) {
		px_rv_mismatch(res, "%s", px_error_last());
		return 0;
	}
	if ((rc = issuer_key(&key, n, issuer, own, res)) != 0)
		return rc < 0 ? rc : 0;
	if (px_note_parse(&nt, note, strlen(note)) < 0 ||
	    px_note_verify(&nt, &key, 1, &verified) < 0 ||
	    px_checkpoint_parse(&cp, nt.text, nt.text_len) < 0) {
		px_rv_mismatch(res, "checkpoint: %s", px_error_last());
		rc = 0;
		goto out;
	}
	px_rv_checked(res, "checkpoint signed by %s's log key (%s)", issuer,
	    own ? "this node" : "its pinned card");
	b64 = px_b64_encode(cp.root, sizeof(cp.root));
	if (strcmp(cp.origin, issuer) != 0)
		px_rv_mismatch(res,
		    "checkpoint: the note is of %s's log, not %s's", cp.origin,
		    issuer);
	else if (strcmp(origin, cp.origin) != 0 || strcmp(root, b64) != 0 ||
	    (uint64_t)size != cp.size)
		px_rv_mismatch(res,
		    "checkpoint: origin, size or root differ from the signed "
		    "note's");
	else
		ck->ok = true;
	ck->size = cp.size;
	memcpy(ck->root, cp.root, 32);
	if (!ck->ok) {
		rc = 0;
		goto out;
	}
	if (own) {
		rc = check_own_ckpt(res, n, ck);
	} else {
		struct seen s = { .size = cp.size, .root = cp.root };

		if ((rc = PX_STORE_CALL(n->store, peer_ckpt_list, issuer,
		         scan_peer_ckpt, &s)) < 0)
			goto out;
		if (s.found < 0)
			px_rv_mismatch(res,
			    "checkpoint: %s showed this node a different root "
			    "for size %llu (a split view)",
			    issuer, (unsigned long long)cp.size);
		else if (s.found > 0)
			px_rv_checked(res,
			    "checkpoint %llu is one %s showed this node",
			    (unsigned long long)cp.size, issuer);
		else
			px_rv_checked(res,
			    "checkpoint %llu: %s never showed this node that "
			    "size (not compared)",
			    (unsigned long long)cp.size, issuer);
	}
out:
	free(b64);
	px_checkpoint_dispose(&cp);
	px_note_dispose(&nt);
	return rc;
}

/* The message a leaf stands for: itself, or the one our receipt names. */
static int
leaf_message(struct px_node *n, const struct px_log_row *lr,
    struct px_msg_row *out, const char **why)
{
	struct px_receipt *r = NULL;
	json_t *env = NULL;
	int rc;

	*why = NULL;
	if (strcmp(lr->kind, "msg") == 0)
		return PX_STORE_CALL(n->store, msg_get, lr->obj_hash, out);
	if ((rc = px_json_parse(&env, (const char *)lr->entry, lr->len,
	         PX_MSG_MAX_BYTES, "log entry")) < 0 ||
	    (rc = px_receipt_parse(&r, env, "log entry")) < 0) {
		*why = "its bytes are not a receipt";
		rc = PX_EINVAL;
		goto out;
	}
	rc = PX_STORE_CALL(n->store, msg_get, r->msg, out);
out:
	px_receipt_free(r);
	json_decref(env);
	return rc;
}

/* One entry of our own report: the leaf, its proof, its message. */
static int
check_own_entry(struct px_report_verdict *res, struct px_node *n,
    const struct ckpt *ck, const char *where, const char *case_id, int64_t idx,
    const char *leaf, const char *hash, const char *type, int64_t time)
{
	struct px_log_row lr = { 0 };
	struct px_msg_row mr = { 0 };
	uint8_t lh[32], path[PX_LOG_MAX_PROOF][32];
	size_t np;
	const char *why;
	int rc;

	rc = PX_STORE_CALL(n->store, log_get, idx, &lr);
	if (rc == PX_ENOTFOUND) {
		px_rv_mismatch(res, "%s: this node's log has no entry %lld",
		    where, (long long)idx);
		return 0;
	}
	if (rc < 0)
		return rc;
	if (strcmp(lr.obj_hash, hash) != 0 || strcmp(lr.kind, leaf) != 0) {
		px_rv_mismatch(res,
		    "%s: this node's log entry %lld is the %s %s, not the %s "
		    "%s",
		    where, (long long)idx, lr.kind, lr.obj_hash, leaf, hash);
		goto out;
	}
	px_merkle_leaf_hash(lh, lr.entry, lr.len);
	if ((rc = px_log_inclusion(n, idx, (int64_t)ck->size, path, &np)) < 0)
		goto out;
	if (px_merkle_verify_inclusion(
	        lh, (uint64_t)idx, ck->size, path, np, ck->root) < 0) {
		px_rv_mismatch(res,
		    "%s: entry %lld is not included in the embedded root: %s",
		    where, (long long)idx, px_error_last());
		goto out;
	}
	rc = leaf_message(n, &lr, &mr, &why);
	if (rc == PX_ENOTFOUND || why) {
		px_rv_mismatch(res, "%s: entry %lld: %s", where, (long long)idx,
		    why ? why : "the message it stands for is not stored");
		rc = 0;
		goto out;
	}
	if (rc < 0)
		goto out;
	if (strcmp(mr.case_id, case_id) != 0)
		px_rv_mismatch(res, "%s: entry %lld belongs to case %s", where,
		    (long long)idx, mr.case_id);
	else if (strcmp(mr.type, type) != 0 || mr.time_ms != time) {
		char at[PX_TIME_STRLEN], said[PX_TIME_STRLEN];

		px_time_format(at, mr.time_ms);
		px_time_format(said, time);
		px_rv_mismatch(res,
		    "%s: entry %lld is a %s signed at %s, not the %s at %s "
		    "the report gives",
		    where, (long long)idx, mr.type, at, type, said);
	}
out:
	px_msg_row_dispose(&mr);
	px_log_row_dispose(&lr);
	return rc;
}

/* One entry of a peer's report: where we hold its proof, the index must
 * agree, and the proof must verify against the root when it was made for
 * the same size. */
static int
check_peer_entry(struct px_report_verdict *res, struct px_node *n,
    const struct ckpt *ck, const char *where, int64_t idx, const char *hash,
    size_t *held)
{
	struct px_proof_row pr = { 0 };
	uint8_t lh[32], path[PX_LOG_MAX_PROOF][32];
	size_t np;
	int rc = PX_STORE_CALL(n->store, proof_get, hash, &pr);

	if (rc == PX_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	(*held)++;
	if (pr.idx != idx) {
		px_rv_mismatch(res,
		    "%s: %s's log holds %s at index %lld (its proof to this "
		    "node says), not %lld",
		    where, pr.peer, hash, (long long)pr.idx, (long long)idx);
	} else if ((uint64_t)pr.size == ck->size) {
		px_merkle_leaf_hash(lh, pr.entry, strlen(pr.entry));
		if (px_path_decode(path, &np, pr.path) < 0 ||
		    px_merkle_verify_inclusion(
		        lh, (uint64_t)idx, ck->size, path, np, ck->root) < 0)
			px_rv_mismatch(res,
			    "%s: the proof this node holds for entry %lld "
			    "does not verify against the embedded root",
			    where, (long long)idx);
	}
	px_proof_row_dispose(&pr);
	return 0;
}

static int
check_entries(struct px_report_verdict *res, struct px_node *n,
    const json_t *rows, const struct px_report_params *p, const struct ckpt *ck)
{
	const json_t *row, *e;
	size_t i, j, held = 0, below = 0;
	int rc;

	json_array_foreach(rows, i, row)
	{
		const char *id = json_string_value(json_object_get(row, "id"));
		const json_t *ents = json_object_get(row, "entries");
		char where[128];

		if (id == NULL)
			id = "?";
		if (!json_is_array(ents) || json_array_size(ents) == 0) {
			px_rv_mismatch(res, "case %s: no entries", id);
			continue;
		}
		json_array_foreach(ents, j, e)
		{
			const char *leaf, *hash, *type;
			int64_t idx, t;

			res->entries++;
			snprintf(where, sizeof(where), "case %s entry %zu", id,
			    j + 1);
			if (px_j_int(&idx, e, "log", 0, PX_JSON_MAX_INT,
			        where) < 0 ||
			    px_j_str(&leaf, e, "leaf", 16, where) < 0 ||
			    px_j_str(&hash, e, "hash", 64, where) < 0 ||
			    px_j_str(&type, e, "type", 32, where) < 0 ||
			    px_j_time(&t, e, "time", where) < 0) {
				px_rv_mismatch(res, "%s", px_error_last());
				continue;
			}
			if (t >= p->to_ms)
				px_rv_mismatch(res,
				    "%s: dated at or after the period's end",
				    where);
			if (!ck->ok)
				continue;
			if ((uint64_t)idx >= ck->size) {
				px_rv_mismatch(res,
				    "%s: log index %lld is not below the "
				    "checkpoint's size %llu",
				    where, (long long)idx,
				    (unsigned long long)ck->size);
				continue;
			}
			below++;
			rc = res->own ? check_own_entry(res, n, ck, where, id,
			                    idx, leaf, hash, type, t)
			              : check_peer_entry(res, n, ck, where, idx,
			                    hash, &held);
			if (rc < 0)
				return rc;
		}
	}
	if (ck->ok)
		px_rv_checked(res,
		    "%zu of %zu entries have a log index below the checkpoint's "
		    "size",
		    below, res->entries);
	if (ck->ok && res->own)
		px_rv_checked(res,
		    "each entry is this node's log leaf with that hash, proven "
		    "included in the embedded root, for that message");
	else if (ck->ok)
		px_rv_checked(res,
		    "%zu entries this node holds proofs for are at the index "
		    "the report gives (%zu it holds no proof for: not "
		    "compared)",
		    held, below - held);
	return 0;
}

/* A clock's state follows from its own times (docs/clocks.md): met is
 * stopped by the deadline, breached after it; overdue and running are
 * past or before it at as_of; paused has none. */
static void
clock_state_holds(struct px_report_verdict *res, const char *id, int k,
    const json_t *c, int64_t as_of)
{
	const char *st = json_string_value(json_object_get(c, "state"));
	const char *name = px_clock_names[k].wire;
	int64_t dl = -1, stop = -1;
	const char *bad = NULL;

	if (st == NULL)
		return; /* the aggregates name a missing state */
	if (json_is_string(json_object_get(c, "deadline")) &&
	    px_j_time(&dl, c, "deadline", "clock") < 0)
		dl = -1;
	if (json_is_string(json_object_get(c, "stopped")) &&
	    px_j_time(&stop, c, "stopped", "clock") < 0)
		stop = -1;
	if (strcmp(st, "met") == 0 && (stop < 0 || dl < 0 || stop > dl))
		bad = "met but stopped after its deadline";
	else if (strcmp(st, "breached") == 0 &&
	    (stop < 0 || dl < 0 || stop <= dl))
		bad = "breached but stopped by its deadline";
	else if (strcmp(st, "overdue") == 0 && (dl < 0 || dl >= as_of))
		bad = "overdue but its deadline is not before as_of";
	else if (strcmp(st, "running") == 0 && (dl < 0 || dl < as_of))
		bad = "running but its deadline passed before as_of";
	else if (strcmp(st, "paused") == 0 && dl >= 0)
		bad = "paused but with a deadline";
	if (bad)
		px_rv_mismatch(res, "case %s: clock %s is %s", id, name, bad);
}

/* Each row agrees with itself, and lies in the period. */
static void
check_rows(struct px_report_verdict *res, const json_t *rows,
    const struct px_report_params *p)
{
	const json_t *row;
	size_t i;

	json_array_foreach(rows, i, row)
	{
		const char *id = json_string_value(json_object_get(row, "id"));
		const char *ref =
		    json_string_value(json_object_get(row, "ref"));
		const char *kind =
		    json_string_value(json_object_get(row, "kind"));
		const json_t *clocks = json_object_get(row, "clocks");
		const json_t *hot = json_object_get(row, "hotline");
		json_t *steps;
		int64_t opened;

		res->cases++;
		if (id == NULL || ref == NULL || strlen(id) < 8 ||
		    strcmp(ref, id + strlen(id) - 8) != 0)
			px_rv_mismatch(res,
			    "case row %zu: 'ref' is not the end of its "
			    "'id'",
			    i + 1);
		if (id == NULL)
			id = "?";
		if (kind && strcmp(kind, "inject") == 0)
			px_rv_mismatch(res,
			    "case %s: an exercise (inject) case has no place in "
			    "a report",
			    id);
		if (px_j_time(&opened, row, "opened", "row") == 0 &&
		    (opened < p->from_ms || opened >= p->to_ms))
			px_rv_mismatch(
			    res, "case %s: opened outside the period", id);
		steps = json_integer((json_int_t)json_array_size(
		    json_object_get(row, "ladder")));
		if (!json_equal(json_object_get(row, "escalations"), steps))
			px_rv_mismatch(res,
			    "case %s: 'escalations' is not the number of "
			    "ladder steps",
			    id);
		json_decref(steps);
		for (int k = 0; k < PX_CLK__N; k++) {
			const json_t *c =
			    json_object_get(clocks, px_clock_names[k].wire);
			const json_t *el = json_object_get(c, "elapsed_ms");
			int64_t start, stopped;

			clock_state_holds(res, id, k, c, p->as_of_ms);
			if (!json_is_integer(el))
				continue;
			if (px_j_time(&start, c, "start", "clock") < 0 ||
			    px_j_time(&stopped, c, "stopped", "clock") < 0 ||
			    json_integer_value(el) !=
			        (stopped > start ? stopped - start : 0))
				px_rv_mismatch(res,
				    "case %s: clock %s: elapsed_ms is not the "
				    "time from its start to its stop",
				    id, px_clock_names[k].wire);
		}
		if (json_is_object(hot) &&
		    !json_equal(json_object_get(hot, "answer_ms"),
		        json_object_get(json_object_get(clocks, "acknowledge"),
		            "elapsed_ms")))
			px_rv_mismatch(res,
			    "case %s: the hotline answer time is not the "
			    "acknowledge clock's elapsed time",
			    id);
	}
	px_rv_checked(res,
	    "%zu case rows: opened in the period, each consistent in itself",
	    res->cases);
}

static void
render(char *out, size_t n, const json_t *v)
{
	char *s = v
	    ? json_dumps(
	          v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15))
	    : NULL;

	snprintf(out, n, "%s", s ? s : "(absent)");
	free(s);
}

/* Compares the file's value with the recomputed one, naming each
 * difference by its path. */
static void
compare(struct px_report_verdict *res, const char *path, const json_t *file,
    const json_t *calc)
{
	char p[256], a[128], b[128];
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_object(calc) && json_is_object(file)) {
		json_object_foreach((json_t *)calc, k, v)
		{
			snprintf(p, sizeof(p), "%s.%s", path, k);
			compare(res, p, json_object_get(file, k), v);
		}
		json_object_foreach((json_t *)file, k, v)
		{
			if (!json_object_get(calc, k))
				px_rv_mismatch(res,
				    "%s.%s: the rows give no such figure", path,
				    k);
		}
		return;
	}
	if (json_is_array(calc) && json_is_array(file) &&
	    json_array_size(calc) == json_array_size(file)) {
		json_array_foreach(calc, i, v)
		{
			snprintf(p, sizeof(p), "%s[%zu]", path, i);
			compare(res, p, json_array_get(file, i), v);
		}
		return;
	}
	if (json_is_number(calc) && json_is_number(file) &&
	    fabs(json_number_value(calc) - json_number_value(file)) < 1e-9)
		return;
	if (json_equal(calc, file))
		return;
	render(a, sizeof(a), file);
	render(b, sizeof(b), calc);
	px_rv_mismatch(
	    res, "%s: the file says %s, the case rows give %s", path, a, b);
}

static const char *const figures[] = { "volumes", "timeliness", "outcomes",
	"reasons", "backlog", "escalations", "hotline", "checks", "quality",
	"charts" };

int
px_report_verify(
    struct px_report_verdict *res, struct px_node *n, const json_t *doc)
{
	struct px_report_params p;
	struct ckpt ck = { 0 };
	struct px_rv_basis basis;
	const json_t *rows = json_object_get(doc, "cases");
	json_t *agg = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	res->checked = json_array();
	res->mismatches = json_array();
	if ((rc = read_header(&p, n, json_object_get(doc, "report"))) < 0) {
		px_rv_mismatch(res, "%s", px_error_last());
		return PX_EINVAL;
	}
	if (!json_is_array(rows)) {
		px_rv_mismatch(res, "'cases' is not an array");
		return PX_EINVAL;
	}
	res->own = strcmp(p.node, n->name) == 0;
	px_rv_checked(res, "report by %s (%s) on its exchange with %s", p.node,
	    res->own ? "this node" : "a pinned peer", p.peer);
	px_rv_basis_init(&basis);
	if ((rc = px_rv_check_basis(res, n, doc, &p, &basis)) < 0 ||
	    (rc = check_ckpt(res, n, json_object_get(doc, "checkpoint"), p.node,
	         res->own, &ck)) < 0)
		goto out;
	check_rows(res, rows, &p);
	if ((rc = check_entries(res, n, rows, &p, &ck)) < 0 ||
	    (rc = px_rv_check_clocks(res, n, rows, &p, &basis)) < 0)
		goto out;
	if (px_report_aggregates(&agg, &p, rows,
	        json_object_get(json_object_get(doc, "checks"), "contacts")) <
	    0) {
		px_rv_mismatch(
		    res, "the case rows cannot be read: %s", px_error_last());
	} else {
		size_t before = res->nmismatches;

		for (size_t i = 0; i < PX_ARRAY_LEN(figures); i++)
			compare(res, figures[i],
			    json_object_get(doc, figures[i]),
			    json_object_get(agg, figures[i]));
		if (res->nmismatches == before)
			px_rv_checked(res,
			    "every figure (volumes, timeliness, outcomes, "
			    "reasons, backlog, escalations, hotline, checks, "
			    "quality, charts) recomputed from the case rows");
	}
	rc = 0;
	if (res->nmismatches)
		rc = px_error_set(PX_EINVAL,
		    "%zu check(s) of the report failed", res->nmismatches);
out:
	px_rv_basis_dispose(&basis);
	json_decref(agg);
	return rc;
}
