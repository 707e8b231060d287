/*
 * The review report's node part: gathers from the store what the pure
 * core (stats.c) computes over.
 *
 * Each case is replayed from its messages dated before `to` only, so a
 * report over a closed period says the same whenever it is run; a
 * receipt dated at or after `to` is left out for the same reason.  Cases
 * are turned into rows one at a time and then freed: twenty thousand
 * replayed cases with their messages would hold hundreds of megabytes,
 * their rows a few tens.
 *
 * The checkpoint is read after every entry: each commit that appends to
 * the log also signs its checkpoint, so the latest checkpoint seen after
 * the entries covers all of them, even while a serving node writes.
 */
#include "ledger/checkpoint.h"
#include "model/canon.h"
#include "node/log.h"
#include "node/agreement.h"
#include "node/release.h"
#include "node/sched.h"
#include "report/sign.h"
#include "report/stats.h"
#include "util/util.h"

struct listed {
	char *id;
	int64_t opened;
	int kind; /* enum px_kind, or -1 */
};

struct list {
	struct listed *v;
	size_t n, alloc;
};

static int
list_cb(const struct px_case_row *r, void *arg)
{
	struct list *l = arg;

	if (l->n == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 64;
		l->v = px_realloc(l->v, l->alloc * sizeof(*l->v));
	}
	l->v[l->n].id = px_strdup(r->id);
	l->v[l->n].opened = r->opened_ms;
	l->v[l->n].kind = PX_WIRE(px_kind_names, r->kind);
	/* Every case of an exercise (docs/exercises.md) is left out like
	 * the old inject kind: the exercise's own report is its place. */
	if (r->exercise != NULL || l->v[l->n].kind == PX_KIND_EXERCISE)
		l->v[l->n].kind = PX_KIND_INJECT;
	l->n++;

	return 0;
}

static int
cmp_listed(const void *a, const void *b)
{
	const struct listed *x = a, *y = b;

	if (x->opened != y->opened)
		return x->opened < y->opened ? -1 : 1;
	return strcmp(x->id, y->id);
}

struct loader {
	struct px_node *n;
	struct px_case *c;
	int64_t to_ms;
	/* Where each message sits in our log; NULL: not wanted. */
	struct px_msg_entry *e;
	size_t alloc;
	int rc;
};

/* Where the message sits in our log; a message with no leaf means the
 * store was altered. */
static int
find_entry(struct px_node *n, const struct px_msg *m, struct px_msg_entry *e)
{
	int rc = px_log_msg_entry(e, n, m);

	if (rc == PX_ENOTFOUND) {
		px_error_prefix("the store is damaged");
		rc = PX_ERR;
	}
	return rc;
}

static int
load_one(const struct px_msg_row *r, void *arg)
{
	struct loader *st = arg;
	struct px_msg *m = NULL;
	int rc = 0;

	/* Rows come in (time, sender, seq) order, but no early stop: a
	 * callback's non-zero return is an error to the store. */
	if (r->time_ms >= st->to_ms)
		goto out;
	if ((rc = px_node_msg_from_row(&m, r)) < 0 ||
	    (rc = px_case_replay(st->c, m)) < 0)
		goto out;
	if (st->c->n == 1) {
		int64_t recv = px_node_msg_received(st->n, r);

		/* A receipt dated after the period is not part of it. */
		if (recv >= 0 && recv < st->to_ms)
			px_case_set_delivered(st->c, recv);
	}
	if (st->e) {
		if (st->c->n > st->alloc) {
			st->alloc = 2 * st->c->n;
			st->e = px_realloc(st->e, st->alloc * sizeof(*st->e));
		}
		rc = find_entry(st->n, m, &st->e[st->c->n - 1]);
	}
out:
	px_msg_free(m);
	st->rc = rc;
	return rc;
}

static int
load_case(struct loader *st, const char *id)
{
	int rc;

	px_case_init(st->c);
	rc = PX_STORE_CALL(st->n->store, msg_list_case, id, load_one, st);
	if (rc == 0 && st->c->n == 0)
		rc = px_error_set(PX_ERR,
		    "case %s is listed but has no messages before the end of "
		    "the period",
		    id);
	/* The choke point: the report is for the review of the exchange
	 * with the other party, and its rows carry a case's reference and
	 * times, never its content. */
	if (rc == 0 &&
	    (rc = px_node_release(st->c, NULL, PX_OUT_REPORT, PX_AUD_PARTY,
	         strcmp(st->c->requester, st->n->name) == 0
	             ? st->c->responder
	             : st->c->requester)) > 0)
		rc = 0;
	if (rc < 0)
		px_case_dispose(st->c);
	return rc;
}

struct contacts {
	struct px_report_contact *v;
	size_t n;
};

static void
contact_seen(
    struct contacts *cs, const char *party, const char *name, int64_t verified)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (strcmp(cs->v[i].party, party) == 0 &&
		    strcmp(cs->v[i].contact, name) == 0)
			break;
	if (i == cs->n) {
		cs->v = px_realloc(cs->v, (cs->n + 1) * sizeof(*cs->v));
		cs->v[i].party = px_strdup(party);
		cs->v[i].contact = px_strdup(name);
		cs->v[i].verified_before_ms = -1;
		cs->n++;
	}
	if (verified > cs->v[i].verified_before_ms)
		cs->v[i].verified_before_ms = verified;
}

/* Every point of contact both cards publish, so one never checked shows
 * as never verified. */
static int
card_contacts(struct contacts *cs, struct px_node *n, const struct px_peer *p)
{
	json_t *ours = NULL, *roster = NULL;
	const json_t *ct;
	size_t i;
	int rc;

	if ((rc = px_node_directory(n, &ours, &roster)) < 0)
		return rc;
	json_array_foreach(ours, i, ct)
	{
		const char *id = json_string_value(json_object_get(ct, "id"));

		if (id)
			contact_seen(cs, n->name, id, -1);
	}
	json_array_foreach(p->card.contacts, i, ct)
	{
		const char *id = json_string_value(json_object_get(ct, "id"));

		if (id)
			contact_seen(cs, p->row.name, id, -1);
	}
	json_decref(ours);
	json_decref(roster);
	return 0;
}

/* The embedded checkpoint: the latest signed note with the cosignatures
 * we hold, and its origin, size and root read back from it. */
int
px_report_checkpoint_json(json_t **out, struct px_node *n)
{
	struct px_note note = { 0 };
	struct px_checkpoint cp = { 0 };
	char *text = NULL, *root = NULL;
	int64_t size;
	int rc;

	*out = NULL;
	if ((rc = px_log_checkpoint_note(n, -1, &text, &size)) < 0) {
		/* A node that never sent or received has no log yet. */
		if (rc == PX_ENOTFOUND) {
			*out = json_null();
			rc = 0;
		}
		return rc;
	}
	if ((rc = px_note_parse(&note, text, strlen(text))) < 0 ||
	    (rc = px_checkpoint_parse(&cp, note.text, note.text_len)) < 0)
		goto out;
	root = px_b64_encode(cp.root, sizeof(cp.root));
	*out = json_pack("{ss sI ss ss}", "origin", cp.origin, "size",
	    (json_int_t)cp.size, "root", root, "note", text);
out:
	free(root);
	free(text);
	px_checkpoint_dispose(&cp);
	px_note_dispose(&note);
	return rc;
}

/* The versions the rows and the header count under (a small set). */
struct versions {
	int64_t *v;
	size_t n;
};

static void
version_used(struct versions *vs, int64_t v)
{
	for (size_t i = 0; i < vs->n; i++)
		if (vs->v[i] == v)
			return;
	vs->v = px_realloc(vs->v, (vs->n + 1) * sizeof(*vs->v));
	vs->v[vs->n++] = v;
}

static int
cmp_version(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* A stored message's signed envelope, by hash. */
static int
stored_env(json_t **out, struct px_node *n, const char *hash)
{
	struct px_msg_row r = { 0 };
	int rc;

	if ((rc = PX_STORE_CALL(n->store, msg_get, hash, &r)) == 0)
		rc = px_json_parse(out, r.raw, strlen(r.raw), PX_MSG_MAX_BYTES,
		    "stored message");
	px_msg_row_dispose(&r);
	if (rc == PX_ENOTFOUND)
		px_error_prefix("the store is damaged: an agreement message");
	return rc;
}

/*
 * The agreements the report counts under (docs/report.md): version 0 as
 * its terms (the documented defaults), every other as the signed
 * proposal and acceptance, so a reader checks them against the two
 * parties' keys and recomputes every clock.
 */
static int
agreements_json(json_t **out, struct px_node *n, const struct px_peer *p,
    struct versions *vs)
{
	json_t *a = json_array();
	int rc = 0;

	if (vs->n)
		qsort(vs->v, vs->n, sizeof(*vs->v), cmp_version);
	for (size_t i = 0; i < vs->n && rc == 0; i++) {
		int k = vs->v[i] ? px_accord_find(&p->accord, vs->v[i]) : -1;
		json_t *prop = NULL, *ans = NULL;

		if (vs->v[i] == 0) {
			json_array_append_new(a,
			    json_pack("{sI so}", "version", (json_int_t)0,
			        "terms",
			        px_agreement_to_json(
			            px_accord_terms(&p->accord, -1))));
			continue;
		}
		if (k < 0 || p->accord.v[k].answer_hash == NULL) {
			rc = px_error_set(PX_ERR,
			    "agreement version %lld is counted under but not "
			    "held as accepted",
			    (long long)vs->v[i]);
			break;
		}
		if ((rc = stored_env(&prop, n, p->accord.v[k].hash)) == 0 &&
		    (rc = stored_env(&ans, n, p->accord.v[k].answer_hash)) == 0)
			json_array_append_new(a,
			    json_pack("{sI sO sO}", "version",
			        (json_int_t)vs->v[i], "proposal", prop,
			        "answer", ans));
		json_decref(prop);
		json_decref(ans);
	}
	if (rc < 0) {
		json_decref(a);
		return rc;
	}
	*out = a;
	return 0;
}

int
px_report_compute_progress(json_t **out, struct px_node *n, const char *peer,
    int64_t from_ms, int64_t to_ms, int64_t now, px_report_progress_fn cb,
    void *arg)
{
	struct px_peer *p = NULL;
	struct px_case_filter f = { 0 };
	struct list l = { 0 };
	struct contacts cs = { 0 };
	struct px_case c;
	struct loader st = { .n = n, .c = &c, .to_ms = to_ms };
	struct px_report_params par = {
		.node = n->name,
		.from_ms = from_ms,
		.to_ms = to_ms,
		.as_of_ms = now < to_ms ? now : to_ms,
		.generated_ms = now,
		.tz = n->tz,
	};
	json_t *rows = json_array(), *cj = NULL, *ckpt = NULL, *ags = NULL,
	       *own_card = NULL;
	struct versions vs = { 0 };
	size_t total = 0, done = 0;
	int rc;

	*out = NULL;
	px_case_init(&c);
	if (to_ms <= from_ms) {
		rc = px_error_set(PX_EINVAL,
		    "the period is empty: --from must be before --to");
		goto out;
	}
	if (to_ms - from_ms > PX_REPORT_MAX_PERIOD_MS) {
		rc = px_error_set(
		    PX_EINVAL, "the period is longer than 100 years");
		goto out;
	}
	if ((rc = px_peer_load(&p, n, peer)) < 0)
		goto out;
	par.peer = p->row.name;
	{
		/* Contacts are stale by the terms in force at as_of. */
		int i = px_accord_in_force(&p->accord, par.as_of_ms);

		par.agreement = px_accord_version(&p->accord, i);
		par.verify_within_ms =
		    px_accord_terms(&p->accord, i)->verify_within;
		version_used(&vs, par.agreement);
	}
	f.peer = p->row.name;
	if ((rc = card_contacts(&cs, n, p)) < 0)
		goto out;
	if ((rc = PX_STORE_CALL(n->store, case_list, &f, list_cb, &l)) < 0)
		goto out;
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp_listed);
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].opened >= from_ms && l.v[i].opened < to_ms &&
		    l.v[i].kind != PX_KIND_INJECT &&
		    l.v[i].kind != PX_KIND_AGREEMENT)
			total++;
	for (size_t i = 0; i < l.n; i++) {
		struct listed *ls = &l.v[i];
		struct px_report_case rc_in = { .c = &c };
		struct px_case_terms t;
		const struct px_agreement *ag;
		char why[512];

		/* Exercises never count, and agreement proposals are not
		 * cases the review looks at (their versions are embedded). */
		if (ls->kind == PX_KIND_INJECT ||
		    ls->kind == PX_KIND_AGREEMENT || ls->opened >= to_ms)
			continue;
		if (ls->opened < from_ms) {
			int64_t at;
			bool auto_only;
			const char *by;

			/* Only checks before the period matter: when each
			 * contact was last verified. */
			if (ls->kind != PX_KIND_CHECK)
				continue;
			st.to_ms = from_ms;
			rc = load_case(&st, ls->id);
			st.to_ms = to_ms;
			if (rc < 0)
				goto out;
			px_report_check_answer(&c, &at, &auto_only, &by);
			if (at >= 0 && c.check_contact)
				contact_seen(
				    &cs, c.responder, c.check_contact, at);
			px_case_dispose(&c);
			continue;
		}
		if (st.e == NULL) {
			st.alloc = 16;
			st.e = px_calloc(st.alloc, sizeof(*st.e));
		}
		if ((rc = load_case(&st, ls->id)) < 0)
			goto out;
		rc_in.outbound = strcmp(c.requester, n->name) == 0;
		rc_in.entries = st.e;
		ag = px_peer_case_terms(p, &c, &t);
		px_case_terms_explain(why, sizeof(why), &t, &p->accord);
		rc_in.agreement = t.used;
		rc_in.agreement_named = t.named_given ? t.named : -1;
		rc_in.disagreement = t.disagree ? why : NULL;
		version_used(&vs, t.used);
		px_case_clocks(rc_in.clocks, &c, ag,
		    px_node_case_calendar(n, &c, p), par.as_of_ms);
		json_array_append_new(rows, px_report_case_row(&rc_in));
		px_case_dispose(&c);
		if (cb && (++done % 1000 == 0))
			cb(done, total, arg);
	}
	if (cb)
		cb(total, total, arg);
	cj = json_array();
	for (size_t i = 0; i < cs.n; i++) {
		char t[PX_TIME_STRLEN];
		int64_t v = cs.v[i].verified_before_ms;

		px_time_format(t, v);
		json_array_append_new(cj,
		    json_pack("{ss ss so}", "party", cs.v[i].party, "contact",
		        cs.v[i].contact, "verified_before",
		        v >= 0 ? json_string(t) : json_null()));
	}
	if ((rc = px_report_checkpoint_json(&ckpt, n)) < 0 ||
	    (rc = agreements_json(&ags, n, p, &vs)) < 0 ||
	    (rc = px_node_card(&own_card, n)) < 0)
		goto out;
	rc = px_report_assemble(
	    out, &par, json_is_null(ckpt) ? NULL : ckpt, rows, cj);
	rows = cj = NULL;
	if (rc < 0)
		goto out;
	/* What a reader recomputes the clocks with: the agreements and
	 * the two cards (the responder's calendar), then the signature
	 * over the whole. */
	json_object_set_new(*out, "agreements", ags);
	ags = NULL;
	json_object_set_new(
	    *out, "cards", json_pack("[OO]", own_card, p->card.env));
	if ((rc = px_report_sign(*out, &n->sign)) < 0) {
		json_decref(*out);
		*out = NULL;
	}
out:
	json_decref(ags);
	json_decref(own_card);
	free(vs.v);
	px_case_dispose(&c);
	json_decref(rows);
	json_decref(cj);
	json_decref(ckpt);
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i].id);
	free(l.v);
	for (size_t i = 0; i < cs.n; i++) {
		free((char *)cs.v[i].party);
		free((char *)cs.v[i].contact);
	}
	free(cs.v);
	free(st.e);
	px_peer_free(p);
	return rc;
}

int
px_report_compute(json_t **out, struct px_node *n, const char *peer,
    int64_t from_ms, int64_t to_ms, int64_t now)
{
	return px_report_compute_progress(
	    out, n, peer, from_ms, to_ms, now, NULL, NULL);
}
