/*
 * Verifying an audit bundle with no node directory (audit.h).
 *
 * Order matters for the diagnosis: the canonical form first (a changed
 * space or escape is named by its byte), then the cards, every checkpoint
 * and cosignature, every consistency proof, every entry's inclusion and
 * signature, the message chains, and the exporter's own signature over
 * the whole last, so that a change inside a signed item is named by that
 * item, and only a change to the unsigned wrapping (period, agreement) is
 * left to the outer signature.
 */
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "model/bundle.h"
#include "model/canon.h"
#include "model/card.h"
#include "model/case.h"
#include "node/audit.h"
#include "node/view.h"
#include "util/tz.h"
#include "util/util.h"

struct party {
	struct px_card card;
	struct px_vkey logk, witk;
	struct px_tz *tz;
	struct px_calendar cal;
};

struct cp {
	uint64_t size;
	uint8_t root[32];
};

struct item {
	struct px_msg *m;     /* or */
	struct px_receipt *r; /* one of the two */
	const char *origin;
	int64_t index;
};

struct av {
	struct party party[2];
	size_t nparty;
	struct cp *cps[2];
	size_t ncps[2];
	struct item *items;
	size_t nitems;
	struct px_agreement ag;
	int64_t created;
	struct px_audit_result *res;
	const char *what;
};

static void note(struct av *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note(struct av *v, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(v->res->notes, json_string(buf));
}

static int
party_index(const struct av *v, const char *name)
{
	for (size_t i = 0; i < v->nparty; i++)
		if (strcmp(v->party[i].card.name, name) == 0)
			return (int)i;
	return -1;
}

static int
load_party(struct party *p, json_t *env, const char *what)
{
	const char *lk, *wk, *s;
	const json_t *h;
	int rc;

	if ((rc = px_card_from_json(&p->card, env, what)) < 0)
		return rc;
	lk = json_string_value(json_object_get(p->card.c, "log_key"));
	wk = json_string_value(json_object_get(p->card.c, "witness_key"));
	if ((rc = px_vkey_parse(&p->logk, lk)) < 0 ||
	    (rc = px_vkey_parse(&p->witk, wk)) < 0 ||
	    (rc = px_tz_load(&p->tz, p->card.timezone)) < 0)
		return rc;
	px_calendar_init(&p->cal, p->tz);
	if ((h = p->card.hours) != NULL) {
		struct px_buf hol;
		size_t i;
		const json_t *d;

		if ((s = json_string_value(json_object_get(h, "days"))) &&
		    (rc = px_calendar_set_workdays(&p->cal, s)) < 0)
			return rc;
		if ((s = json_string_value(json_object_get(h, "time"))) &&
		    (rc = px_calendar_set_hours(&p->cal, s)) < 0)
			return rc;
		px_buf_init(&hol, PX_BUF_NOCAP);
		json_array_foreach(json_object_get(h, "holidays"), i, d)
		    px_buf_putf(
		        &hol, "%s%s", i ? "," : "", json_string_value(d));
		rc = hol.len ? px_calendar_set_holidays(&p->cal, hol.data) : 0;
		px_buf_dispose(&hol);
	}
	return rc;
}

static const struct cp *
find_cp(const struct av *v, int who, uint64_t size)
{
	for (size_t i = 0; i < v->ncps[who]; i++)
		if (v->cps[who][i].size == size)
			return &v->cps[who][i];
	return NULL;
}

static int
path_of(uint8_t out[][32], size_t *n, const json_t *a, const char *what)
{
	size_t i, got;
	const json_t *h;

	if (!json_is_array(a) || json_array_size(a) > 64)
		return px_error_set(PX_EINVAL,
		    "%s: 'path' must be an array "
		    "of at most 64 hashes",
		    what);
	json_array_foreach(a, i, h) if (!json_is_string(h) ||
	    px_b64_decode(out[i], 32, &got, json_string_value(h)) < 0 ||
	    got != 32) return px_error_set(PX_EINVAL,
	    "%s: path hash %zu is not base64 of 32 bytes", what, i + 1);
	*n = json_array_size(a);
	return 0;
}

static int
check_checkpoints(struct av *v, int who, const json_t *notes)
{
	struct party *p = &v->party[who], *o = &v->party[1 - who];
	size_t i;
	const json_t *t;
	int rc = 0;

	/* No checkpoint is fine for a peer never heard from: any entry
	 * that claims one is refused below. */
	if (!json_is_array(notes))
		return px_error_set(PX_EINVAL,
		    "log of %s: 'checkpoints' must be an array", p->card.name);
	v->cps[who] = px_calloc(json_array_size(notes) + 1, sizeof(struct cp));
	json_array_foreach(notes, i, t)
	{
		struct px_note nt = { 0 };
		struct px_checkpoint c = { 0 };
		const char *s = json_string_value(t);
		uint64_t ok = 0;

		if (s == NULL)
			return px_error_set(PX_EINVAL,
			    "log of %s: checkpoint "
			    "%zu is not a string",
			    p->card.name, i + 1);
		if ((rc = px_note_parse(&nt, s, strlen(s))) < 0 ||
		    (rc = px_note_verify(&nt, &p->logk, 1, &ok)) < 0 ||
		    (ok == 0 &&
		        (rc = px_error_set(PX_EINVAL,
		             "not signed by %s's log "
		             "key",
		             p->card.name)) < 0) ||
		    (rc = px_checkpoint_parse(&c, nt.text, nt.text_len)) < 0) {
			px_error_prefix(
			    "log of %s, checkpoint %zu", p->card.name, i + 1);
			goto next;
		}
		if (strcmp(c.origin, p->card.name) != 0) {
			rc = px_error_set(PX_EINVAL,
			    "log of %s, checkpoint %zu: origin is %s",
			    p->card.name, i + 1, c.origin);
			goto next;
		}
		for (size_t k = 0; k < v->ncps[who]; k++)
			if (v->cps[who][k].size == c.size &&
			    memcmp(v->cps[who][k].root, c.root, 32) != 0) {
				rc = px_error_set(PX_EINVAL,
				    "log of %s: two signed checkpoints of size "
				    "%llu with different roots: a split view "
				    "(fork)",
				    p->card.name, (unsigned long long)c.size);
				goto next;
			}
		v->cps[who][v->ncps[who]].size = c.size;
		memcpy(v->cps[who][v->ncps[who]].root, c.root, 32);
		v->ncps[who]++;
		v->res->checkpoints++;
		for (size_t k = 0; k < nt.nsigs; k++) {
			uint64_t ts;
			char tm[PX_TIME_STRLEN];

			if (strcmp(nt.sigs[k].name, o->witk.name) != 0 ||
			    nt.sigs[k].id != o->witk.id)
				continue;
			if ((rc = px_cosig_verify(
			         &nt.sigs[k], &o->witk, nt.text, &ts)) < 0) {
				px_error_prefix("log of %s, checkpoint of size "
				                "%llu: cosignature by %s",
				    p->card.name, (unsigned long long)c.size,
				    o->card.name);
				goto next;
			}
			px_time_format(tm, (int64_t)ts * 1000);
			note(v,
			    "checkpoint %llu of %s's log cosigned by %s at "
			    "%.19sZ",
			    (unsigned long long)c.size, p->card.name,
			    o->card.name, tm);
		}
	next:
		px_checkpoint_dispose(&c);
		px_note_dispose(&nt);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
check_consistency(struct av *v, int who, const json_t *a)
{
	size_t i;
	const json_t *c;
	int rc;

	json_array_foreach(a, i, c)
	{
		int64_t s1 = json_integer_value(json_object_get(c, "size1"));
		int64_t s2 = json_integer_value(json_object_get(c, "size2"));
		const struct cp *c1 = find_cp(v, who, (uint64_t)s1);
		const struct cp *c2 = find_cp(v, who, (uint64_t)s2);
		uint8_t path[64][32];
		size_t np;
		char what[96];

		snprintf(what, sizeof(what),
		    "log of %s, consistency %lld->%lld",
		    v->party[who].card.name, (long long)s1, (long long)s2);
		if (c1 == NULL || c2 == NULL)
			return px_error_set(PX_EINVAL,
			    "%s: no checkpoint of that size in the bundle",
			    what);
		if ((rc = path_of(
		         path, &np, json_object_get(c, "path"), what)) < 0)
			return rc;
		if (px_merkle_verify_consistency(c1->size, c2->size, c1->root,
		        c2->root, (const uint8_t(*)[32])path, np) < 0)
			return px_error_set(PX_EINVAL,
			    "%s: the proof does not join the two checkpoints",
			    what);
	}
	return 0;
}

static int
check_entries(struct av *v, int who, const json_t *a)
{
	struct party *p = &v->party[who];
	size_t i;
	const json_t *e;
	int rc;

	if (!json_is_array(a))
		return px_error_set(PX_EINVAL,
		    "log of %s: 'entries' must be "
		    "an array",
		    p->card.name);
	v->items = px_realloc(
	    v->items, (v->nitems + json_array_size(a) + 1) * sizeof(*v->items));
	json_array_foreach(a, i, e)
	{
		json_t *env = json_object_get(e, "entry");
		int64_t idx = json_integer_value(json_object_get(e, "index"));
		int64_t size = json_integer_value(json_object_get(e, "size"));
		const struct cp *c = find_cp(v, who, (uint64_t)size);
		struct item *it = &v->items[v->nitems];
		uint8_t path[64][32], leaf[32];
		char what[96], *canon;
		size_t np;

		snprintf(what, sizeof(what), "log of %s, entry %lld",
		    p->card.name, (long long)idx);
		if (!json_is_object(env) ||
		    !json_is_integer(json_object_get(e, "index")))
			return px_error_set(PX_EINVAL, "%s: malformed", what);
		if (c == NULL)
			return px_error_set(PX_EINVAL,
			    "%s: proven against a checkpoint of size %lld "
			    "that the bundle does not hold",
			    what, (long long)size);
		if ((rc = path_of(
		         path, &np, json_object_get(e, "path"), what)) < 0)
			return rc;
		if ((canon = px_canon_string(env)) == NULL)
			return PX_EINVAL;
		px_merkle_leaf_hash(leaf, canon, strlen(canon));
		free(canon);
		if (idx < 0 ||
		    px_merkle_verify_inclusion(leaf, (uint64_t)idx, c->size,
		        (const uint8_t(*)[32])path, np, c->root) < 0)
			return px_error_set(PX_EINVAL,
			    "%s: not included at that index in the checkpoint "
			    "of size %llu (the entry or its proof was "
			    "altered)",
			    what, (unsigned long long)c->size);
		memset(it, 0, sizeof(*it));
		it->origin = p->card.name;
		it->index = idx;
		if (json_object_get(env, "msg")) {
			if ((rc = px_msg_parse(&it->m, env, what)) < 0 ||
			    (rc = px_msg_verify(it->m, p->card.sign_pk)) < 0)
				goto bad;
			if (strcmp(it->m->from, p->card.name) != 0) {
				rc = px_error_set(PX_EINVAL,
				    "%s: a message from %s in %s's log", what,
				    it->m->from, p->card.name);
				goto bad;
			}
		} else {
			if ((rc = px_receipt_parse(&it->r, env, what)) < 0 ||
			    (rc = px_receipt_verify(it->r, p->card.sign_pk)) <
			        0)
				goto bad;
			if (strcmp(it->r->from, p->card.name) != 0 ||
			    it->r->index != idx) {
				rc = px_error_set(PX_EINVAL,
				    "%s: receipt issuer or index does not "
				    "match its place in the log",
				    what);
				goto bad;
			}
		}
		v->nitems++;
		v->res->entries++;
		continue;
	bad:
		px_msg_free(it->m);
		px_receipt_free(it->r);
		px_error_prefix("%s", what);
		return rc;
	}
	return 0;
}

static int
by_time(const void *a, const void *b)
{
	const struct px_msg *x = ((const struct item *)a)->m;
	const struct px_msg *y = ((const struct item *)b)->m;
	int c;

	if (x->time_ms != y->time_ms)
		return x->time_ms < y->time_ms ? -1 : 1;
	if ((c = strcmp(x->from, y->from)) != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const struct px_receipt *
receipt_for(const struct av *v, const char *hash)
{
	for (size_t i = 0; i < v->nitems; i++)
		if (v->items[i].r && strcmp(v->items[i].r->msg, hash) == 0)
			return v->items[i].r;
	return NULL;
}

/* The hash chain of each direction, over the messages present. */
static int
check_chains(struct av *v, struct item *msgs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct px_msg *m = msgs[i].m;
		const struct px_msg *prev = NULL;

		for (size_t k = 0; k < n; k++)
			if (strcmp(msgs[k].m->from, m->from) == 0 &&
			    strcmp(msgs[k].m->to, m->to) == 0 &&
			    msgs[k].m->seq == m->seq - 1)
				prev = msgs[k].m;
		if (prev && strcmp(prev->hash, m->prev) != 0)
			return px_error_set(PX_EINVAL,
			    "message %s->%s seq %lld does not follow seq %lld "
			    "(its prev hash differs): the sequence was forked",
			    m->from, m->to, (long long)m->seq,
			    (long long)prev->seq);
		if (prev == NULL && m->seq > 1)
			note(v,
			    "message %s->%s seq %lld: seq %lld is not in "
			    "the bundle (outside the period)",
			    m->from, m->to, (long long)m->seq,
			    (long long)m->seq - 1);
	}
	return 0;
}

/* Replays the case of msgs[i] from msgs[i..n) (time order) into *c; the
 * first message's receipt in the bundle starts the clocks.  `jm` (may be
 * NULL) gets each message's timeline entry. */
static void
replay_case(struct av *v, const struct item *msgs, size_t n, size_t i,
    struct px_case *c, json_t *jm)
{
	const char *id = msgs[i].m->case_id;

	px_case_init(c);
	for (size_t k = i; k < n; k++) {
		const struct px_msg *m = msgs[k].m;
		const struct px_receipt *r;
		char t1[PX_TIME_STRLEN], t2[PX_TIME_STRLEN];

		if (strcmp(m->case_id, id) != 0)
			continue;
		if (px_case_replay(c, m) < 0 && jm)
			note(v, "case %.8s: %s; shown without state", id + 28,
			    px_error_last());
		r = receipt_for(v, m->hash);
		px_time_format(t1, m->time_ms);
		if (r)
			px_time_format(t2, r->received_ms);
		if (r && c->n == 1)
			px_case_set_delivered(c, r->received_ms);
		if (jm)
			json_array_append_new(jm,
			    json_pack("{sIssssssssss*sssI}", "seq",
			        (json_int_t)m->seq, "type",
			        px_msg_type_names[m->type].wire, "from",
			        m->from, "to", m->to, "sent", t1, "received",
			        r ? t2 : NULL, "log", msgs[k].origin, "index",
			        (json_int_t)msgs[k].index));
	}
}

/* The agreement record the bundle holds: each proposal with its answer
 * (docs/protocol.md, "Agreements"). */
static void
bundle_accord(
    struct av *v, const struct item *msgs, size_t n, struct px_accord *acc)
{
	for (size_t i = 0; i < n; i++) {
		struct px_proposal pr;
		struct px_case c;

		if (msgs[i].m->type != PX_MSG_PROPOSE)
			continue;
		replay_case(v, msgs, n, i, &c, NULL);
		if (px_proposal_from_case(&pr, &c) == 0)
			px_accord_add(acc, &pr);
		px_case_dispose(&c);
	}
}

/* The terms a case's clocks use: the version it names, from the bundle's
 * own proposals and acceptances (0: the defaults); else the exporter's
 * `agreement`, said in a note.  *used is the version, or -1. */
static const struct px_agreement *
bundle_terms(struct av *v, const struct px_accord *acc, const struct px_case *c,
    int64_t *used)
{
	int i = c->agreement ? px_accord_find(acc, c->agreement) : -1;

	*used = c->agreement;
	if (c->agreement == 0)
		return &acc->defaults;
	if (i >= 0)
		return &acc->v[i].terms;
	*used = -1;
	note(v,
	    "case %.8s names agreement version %lld, whose proposal and "
	    "acceptance are not in the bundle: its clocks use the "
	    "exporter's agreement",
	    c->id + 28, (long long)c->agreement);
	return &v->ag;
}

static int
build_cases(struct av *v)
{
	struct item *msgs = px_calloc(v->nitems + 1, sizeof(*msgs));
	struct px_accord acc;
	size_t n = 0, i = 0;
	int rc;

	px_accord_init(&acc);

	for (size_t k = 0; k < v->nitems; k++)
		if (v->items[k].m)
			msgs[n++] = v->items[k];
	qsort(msgs, n, sizeof(*msgs), by_time);
	if ((rc = check_chains(v, msgs, n)) < 0)
		goto out;
	bundle_accord(v, msgs, n, &acc);
	/* Each case, by its first message in time order. */
	for (i = 0; i < n; i++) {
		struct px_case c;
		const char *id = msgs[i].m->case_id;
		const struct px_agreement *ag;
		json_t *jm, *jc;
		char ref[9];
		bool seen = false;
		int64_t used;
		int resp;

		for (size_t k = 0; k < i; k++)
			if (strcmp(msgs[k].m->case_id, id) == 0)
				seen = true;
		if (seen)
			continue;
		jm = json_array();
		snprintf(ref, sizeof(ref), "%s", id + 28);
		replay_case(v, msgs, n, i, &c, jm);
		if (c.n == 0) {
			json_decref(jm);
			px_case_dispose(&c);
			continue;
		}
		resp = party_index(v, c.responder);
		jc = json_pack("{ssssssssssssssssso}", "id", id, "ref", ref,
		    "title", c.title ? c.title : "", "kind",
		    px_kind_names[c.kind].wire, "priority",
		    px_priority_names[c.priority].wire, "requester",
		    c.requester, "responder", c.responder, "state",
		    px_state_names[c.state].wire, "messages", jm);
		ag = bundle_terms(v, &acc, &c, &used);
		json_object_set_new(jc, "agreement",
		    used >= 0 ? json_integer(used) : json_null());
		if (resp >= 0)
			json_object_set_new(jc, "clocks",
			    px_view_clocks(
			        &c, ag, &v->party[resp].cal, v->created));
		json_array_append_new(v->res->cases, jc);
		px_case_dispose(&c);
	}
	rc = 0;
out:
	px_accord_dispose(&acc);
	free(msgs);
	return rc;
}

int
px_audit_verify(
    struct px_audit_result *res, const char *text, size_t len, const char *what)
{
	static const char *const mem[] = { "v", "by", "peer", "created", "from",
		"to", "cards", "agreement", "logs", NULL };
	struct av v = { .res = res, .what = what };
	const json_t *o, *cards, *logs, *lg;
	json_t *j = NULL;
	const char *by, *peer;
	int64_t ver;
	size_t i;
	int rc, exporter;

	memset(res, 0, sizeof(*res));
	res->cases = json_array();
	res->notes = json_array();
	if (len == 0)
		return px_error_set(PX_EINVAL, "%s is empty", what);
	if ((rc = px_canon_parse_exact(
	         &j, text, len, PX_AUDIT_MAX_BYTES, what)) < 0 ||
	    (rc = px_signed_open(&o, NULL, j, "audit", NULL, what)) < 0 ||
	    (rc = px_j_only(o, mem, what)) < 0 ||
	    (rc = px_j_int(&ver, o, "v", 1, 1, what)) < 0 ||
	    (rc = px_j_str(&by, o, "by", 253, what)) < 0 ||
	    (rc = px_j_str(&peer, o, "peer", 253, what)) < 0 ||
	    (rc = px_j_time(&v.created, o, "created", what)) < 0 ||
	    (rc = px_agreement_from_json(
	         &v.ag, json_object_get(o, "agreement"))) < 0)
		goto out;
	cards = json_object_get(o, "cards");
	logs = json_object_get(o, "logs");
	if (!json_is_array(cards) || json_array_size(cards) != 2 ||
	    !json_is_array(logs) || json_array_size(logs) != 2) {
		rc = px_error_set(
		    PX_EINVAL, "%s: expected two cards and two logs", what);
		goto out;
	}
	for (i = 0; i < 2; i++) {
		char w[32];

		snprintf(w, sizeof(w), "card %zu", i + 1);
		if ((rc = load_party(
		         &v.party[i], json_array_get(cards, i), w)) < 0)
			goto out;
		v.nparty++;
	}
	/* The cards are only self-signed: who they belong to is what a
	 * verifier checks with each party, by these fingerprints. */
	for (i = 0; i < v.nparty; i++) {
		char fp[45];

		px_key_fingerprint(fp, v.party[i].card.sign_pk);
		note(&v,
		    "%s signs with key fingerprint %s: compare it with "
		    "%s itself before trusting this record",
		    v.party[i].card.name, fp, v.party[i].card.name);
	}
	if ((exporter = party_index(&v, by)) < 0 || party_index(&v, peer) < 0 ||
	    exporter == party_index(&v, peer)) {
		rc = px_error_set(PX_EINVAL,
		    "%s: the cards are not those of %s and %s", what, by, peer);
		goto out;
	}
	json_array_foreach(logs, i, lg)
	{
		const char *origin =
		    json_string_value(json_object_get(lg, "origin"));
		int who = origin ? party_index(&v, origin) : -1;

		if (who < 0) {
			rc = px_error_set(PX_EINVAL,
			    "%s: log %zu has no known origin", what, i + 1);
			goto out;
		}
		if (v.cps[who] != NULL) {
			rc = px_error_set(PX_EINVAL,
			    "%s: two logs of %s; expected one log per party",
			    what, origin);
			goto out;
		}
		if ((rc = check_checkpoints(
		         &v, who, json_object_get(lg, "checkpoints"))) < 0 ||
		    (rc = check_consistency(
		         &v, who, json_object_get(lg, "consistency"))) < 0 ||
		    (rc = check_entries(
		         &v, who, json_object_get(lg, "entries"))) < 0)
			goto out;
	}
	if ((rc = build_cases(&v)) < 0)
		goto out;
	/* Last: the exporter's signature over the whole. */
	if (px_signed_open(&o, NULL, j, "audit", v.party[exporter].card.sign_pk,
	        what) < 0) {
		rc = px_error_set(PX_EINVAL,
		    "%s: every entry verifies, but the exporter's (%s) "
		    "signature over the bundle does not: its unsigned "
		    "wrapping (period, agreement, list of items) was altered",
		    what, by);
		goto out;
	}
	rc = 0;
out:
	for (i = 0; i < v.nitems; i++) {
		px_msg_free(v.items[i].m);
		px_receipt_free(v.items[i].r);
	}
	free(v.items);
	for (i = 0; i < 2; i++) {
		free(v.cps[i]);
		px_card_dispose(&v.party[i].card);
		px_calendar_dispose(&v.party[i].cal);
		px_tz_free(v.party[i].tz);
	}
	json_decref(j);
	return rc;
}

void
px_audit_result_dispose(struct px_audit_result *r)
{
	json_decref(r->cases);
	json_decref(r->notes);
	memset(r, 0, sizeof(*r));
}
