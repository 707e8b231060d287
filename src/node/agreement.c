/*
 * Agreements on a node (agreement.h).
 */
#include "model/canon.h"
#include "node/actions.h"
#include "node/agreement.h"
#include "node/internal.h"
#include "node/view.h"
#include "util/util.h"

const struct px_agreement *
px_peer_case_terms(
    const struct px_peer *p, const struct px_case *c, struct px_case_terms *t)
{
	struct px_case_terms tmp;

	if (t == NULL)
		t = &tmp;
	px_accord_case(t, &p->accord, c);
	return t->terms;
}

/* The record changed: a case naming a version only now accepted counts
 * under it from now on, so the peer's cached case rows (keyed by the
 * peer's stamp) and the scheduler's due times are stale. */
static int
record_changed(struct px_node *n, const char *peer)
{
	struct px_peer_row r = { 0 };
	int rc = PX_STORE_CALL(n->store, peer_get, peer, &r);

	if (rc == 0) {
		r.updated_ms = px_time_now_ms();
		rc = PX_STORE_CALL(n->store, peer_put, &r);
	}
	px_peer_row_dispose(&r);
	if (rc == 0)
		rc = PX_STORE_CALL(n->store, case_due_all, peer);
	return rc;
}

int
px_node_index_agreement(struct px_node *n, const struct px_case *c)
{
	struct px_proposal pr;
	struct px_agreement_row row;
	int rc;

	if ((rc = px_proposal_from_case(&pr, c)) < 0)
		return rc;
	row = (struct px_agreement_row){
		.case_id = pr.case_id,
		.peer = strcmp(pr.proposer, n->name) == 0 ? pr.receiver
		                                          : pr.proposer,
		.hash = pr.hash,
		.proposer = pr.proposer,
		.receiver = pr.receiver,
		.version = pr.version,
		.proposed_ms = pr.proposed_ms,
		.state = (char *)px_prop_state_names[pr.state],
		.answered_ms = pr.answered_ms,
		.answer_hash = pr.answer_hash,
		.reason = pr.reason,
		.terms = pr.terms_text,
	};
	rc = row.terms
	    ? PX_STORE_CALL(n->store, agreement_put, &row)
	    : px_error_set(PX_ERR,
	          "agreement case %s: its terms cannot be encoded", c->id);
	if (rc == 0)
		rc = record_changed(n, row.peer);
	free(pr.proposer);
	free(pr.receiver);
	free(pr.answer_hash);
	free(pr.reason);
	free(pr.terms_text);
	return rc;
}

int
px_body_propose(json_t **body, json_t **changes, struct px_node *n,
    const struct px_peer *p, const char *const *kv, size_t nkv,
    const char *note)
{
	struct px_agreement t = p->agreement;
	int64_t v = px_accord_next_version(&p->accord);
	json_t *diff, *text;
	char title[64];
	int rc;

	*body = NULL;
	if (changes)
		*changes = NULL;
	for (size_t i = 0; i < nkv; i++)
		if ((rc = px_agreement_set(&t, kv[i])) < 0)
			return rc;
	diff = px_agreement_diff(&p->agreement, &t);
	if (json_array_size(diff) == 0) {
		json_decref(diff);
		return px_error_set(PX_ECONFLICT,
		    "nothing to propose: these are the terms of version "
		    "%lld, in force with %s",
		    (long long)p->version, p->row.name);
	}
	snprintf(title, sizeof(title), "Agreement version %lld", (long long)v);
	if (note) {
		text = px_text_new(note, px_node_lang(n), NULL, NULL, NULL);
	} else {
		struct px_buf b;
		size_t i;
		json_t *d;

		/* Without a note, the changes in words for whoever reads it
		 * at the other end. */
		px_buf_init(&b, PX_BUF_NOCAP);
		px_buf_putf(
		    &b, "Changes from version %lld:", (long long)p->version);
		json_array_foreach(diff, i, d)
		    px_buf_putf(&b, "\n%s", json_string_value(d));
		text = px_text_new(b.data, "en", NULL, NULL, NULL);
		px_buf_dispose(&b);
	}
	*body = json_pack("{s{ss ss ss ss ss} s{sI so} so}", "case", "kind",
	    "agreement", "category", "other", "priority", "P4", "tlp", "amber",
	    "title", title, "proposal", "version", (json_int_t)v, "terms",
	    px_agreement_to_json(&t), "text", text);
	if (changes)
		*changes = diff;
	else
		json_decref(diff);
	return 0;
}

int
px_body_answer(json_t **body, enum px_msg_type *type, char *case_id,
    struct px_node *n, const struct px_peer *p, int64_t version,
    enum px_answer what, const char *reason)
{
	const struct px_accord *a = &p->accord;
	int i = -1, rc;

	*body = NULL;
	for (size_t k = 0; k < a->n; k++) {
		const struct px_proposal *q = &a->v[k];
		bool ours = strcmp(q->proposer, n->name) == 0;

		if (q->version == version && q->state == PX_PROP_PENDING &&
		    ours == (what == PX_ANSWER_WITHDRAW))
			i = (int)k;
	}
	if (i < 0)
		return px_error_set(PX_ENOTFOUND,
		    what == PX_ANSWER_WITHDRAW
		        ? "this node has no pending proposal of version %lld "
		          "to %s (see 'parley peer agreement %s')"
		        : "there is no pending proposal of version %lld from "
		          "%s (see 'parley peer agreement %s')",
		    (long long)version, p->row.name, p->row.name);
	if (what == PX_ANSWER_ACCEPT &&
	    (rc = px_accord_may_accept(a, (size_t)i, n->name)) < 0)
		return rc;
	memcpy(case_id, a->v[i].case_id, PX_UUID_STRLEN);
	if (what == PX_ANSWER_WITHDRAW) {
		*type = PX_MSG_WITHDRAW;
		*body = json_object();
	} else {
		*type =
		    what == PX_ANSWER_ACCEPT ? PX_MSG_ACCEPT : PX_MSG_DECLINE;
		*body = json_pack("{sI ss}", "version", (json_int_t)version,
		    "proposal", a->v[i].hash);
	}
	if (reason)
		json_object_set_new(*body, "text",
		    px_text_new(reason, px_node_lang(n), NULL, NULL, NULL));
	return 0;
}

json_t *
px_view_case_terms(const struct px_peer *p, const struct px_case *c)
{
	struct px_case_terms t;
	char why[512];

	px_accord_case(&t, &p->accord, c);
	px_case_terms_explain(why, sizeof(why), &t, &p->accord);
	return json_pack("{sI so sI so}", "version", (json_int_t)t.used,
	    "named", t.named_given ? json_integer(t.named) : json_null(),
	    "in_force", (json_int_t)t.in_force, "disagreement",
	    t.disagree ? json_string(why) : json_null());
}

static const char *
state_of(const struct px_accord *a, size_t i)
{
	if (px_accord_superseded(a, i))
		return "superseded";
	if (a->v[i].state == PX_PROP_PENDING && !a->v[i].readable)
		return "unreadable";
	return px_prop_state_names[a->v[i].state];
}

static json_t *
proposal_json(const struct px_accord *a, size_t i, int in_force)
{
	const struct px_proposal *q = &a->v[i];
	char ref[9];
	json_t *terms = NULL, *changes;
	int before;

	px_case_ref(ref, q->case_id);
	if (px_json_parse(&terms, q->terms_text, strlen(q->terms_text),
	        PX_MSG_MAX_BYTES, "terms") < 0)
		terms = json_null();
	/* What it changes: a pending one against the terms in force now,
	 * others against those in force when proposed. */
	before = q->state == PX_PROP_PENDING
	    ? in_force
	    : px_accord_in_force(a, q->proposed_ms);
	if (before == (int)i)
		before = -1;
	changes = q->readable
	    ? px_agreement_diff(px_accord_terms(a, before), &q->terms)
	    : json_array();
	return json_pack("{sI ss ss ss ss ss sb so so so sb so so so ss}",
	    "version", (json_int_t)q->version, "case", q->case_id, "ref", ref,
	    "from", q->proposer, "to", q->receiver, "state", state_of(a, i),
	    "in_force", in_force == (int)i, "proposed",
	    px_view_time(q->proposed_ms), "answered",
	    px_view_time(q->answered_ms), "reason",
	    q->reason ? json_string(q->reason) : json_null(), "readable",
	    q->readable, "why", q->why ? json_string(q->why) : json_null(),
	    "changes", changes, "terms", terms, "proposal", q->hash);
}

struct dis_ctx {
	const struct px_accord *a;
	json_t *list;
	size_t total;
};

/* One case's named version against the record (cases of the peer, from
 * the store's index). */
static int
case_dis(int64_t opened, const char *id, const char *named_s, void *arg)
{
	struct dis_ctx *d = arg;
	struct px_case c;
	struct px_case_terms t;
	char why[512], ref[9];

	px_case_init(&c);
	c.opened_ms = opened;
	c.agreement_named = named_s && *named_s;
	c.agreement = c.agreement_named ? strtoll(named_s, NULL, 10) : 0;
	px_accord_case(&t, d->a, &c);
	if (!t.disagree)
		return 0;
	if (d->total++ >= 100)
		return 0;
	px_case_terms_explain(why, sizeof(why), &t, d->a);
	px_case_ref(ref, id);
	json_array_append_new(d->list,
	    json_pack("{ss ss ss so sI sI ss}", "kind", "case", "case", id,
	        "ref", ref, "opened", px_view_time(opened), "named",
	        (json_int_t)t.named, "in_force", (json_int_t)t.in_force, "text",
	        why));
	return 0;
}

json_t *
px_view_accord(struct px_node *n, const struct px_peer *p)
{
	const struct px_accord *a = &p->accord;
	int now = px_accord_in_force(a, INT64_MAX);
	json_t *o, *props = json_array(), *ours = json_array(),
	           *theirs = json_array(), *acc = json_null();
	struct dis_ctx d = { .a = a, .list = json_array() };

	for (size_t i = 0; i < a->n; i++) {
		const struct px_proposal *q = &a->v[i];

		json_array_append_new(props, proposal_json(a, i, now));
		if (q->state != PX_PROP_PENDING || px_accord_superseded(a, i))
			continue;
		json_array_append_new(
		    strcmp(q->proposer, n->name) == 0 ? ours : theirs,
		    json_integer(q->version));
		/* Two pending proposals of one version crossed. */
		for (size_t k = i + 1; k < a->n; k++)
			if (a->v[k].state == PX_PROP_PENDING &&
			    a->v[k].version == q->version &&
			    strcmp(a->v[k].proposer, q->proposer) != 0) {
				d.total++;
				json_array_append_new(d.list,
				    json_pack("{ss sI ss}", "kind", "crossed",
				        "version", (json_int_t)q->version,
				        "text",
				        "both parties proposed this version; "
				        "one withdraws or declines before the "
				        "other is accepted"));
			}
	}
	if (now >= 0)
		acc = json_pack("{ss ss so so ss}", "proposed_by",
		    a->v[now].proposer, "accepted_by", a->v[now].receiver,
		    "proposed", px_view_time(a->v[now].proposed_ms), "accepted",
		    px_view_time(a->v[now].answered_ms), "case",
		    a->v[now].case_id);
	if (PX_STORE_CALL(
	        n->store, case_agreements, p->row.name, case_dis, &d) < 0) {
		json_decref(props);
		json_decref(ours);
		json_decref(theirs);
		json_decref(acc);
		json_decref(d.list);
		return NULL;
	}
	o = json_pack("{ss sI so so s{ss} sI so s{soso} so sI}", "peer",
	    p->row.name, "version", (json_int_t)p->version, "terms",
	    px_agreement_to_json(&p->agreement), "accepted", acc, "local",
	    "default_tlp", px_tlp_names[p->default_tlp].wire, "next_version",
	    (json_int_t)px_accord_next_version(a), "proposals", props,
	    "pending", "ours", ours, "theirs", theirs, "disagreements", d.list,
	    "disagreements_total", (json_int_t)d.total);
	return o;
}
