/*
 * The agreement record (accord.h): versions proposed between two
 * parties, the one in force, and the terms each case counts under.
 */
#include "model/accord.h"
#include "model/canon.h"
#include "util/util.h"

const char *const px_prop_state_names[PX_PROP__N] = { "pending", "accepted",
	"declined", "withdrawn" };

void
px_accord_init(struct px_accord *a)
{
	memset(a, 0, sizeof(*a));
	px_agreement_default(&a->defaults);
}

static void
proposal_dispose(struct px_proposal *p)
{
	free(p->proposer);
	free(p->receiver);
	free(p->answer_hash);
	free(p->reason);
	free(p->terms_text);
	free(p->why);
	memset(p, 0, sizeof(*p));
}

void
px_accord_dispose(struct px_accord *a)
{
	for (size_t i = 0; i < a->n; i++)
		proposal_dispose(&a->v[i]);
	free(a->v);
	px_accord_init(a);
}

void
px_accord_add(struct px_accord *a, struct px_proposal *p)
{
	struct px_proposal *q;
	json_t *j = NULL;

	a->v = px_realloc(a->v, (a->n + 1) * sizeof(*a->v));
	q = &a->v[a->n++];
	*q = *p;
	memset(p, 0, sizeof(*p));
	q->readable = false;
	free(q->why);
	q->why = NULL;
	if (px_json_parse(&j, q->terms_text ? q->terms_text : "",
	        q->terms_text ? strlen(q->terms_text) : 0, PX_MSG_MAX_BYTES,
	        "terms") == 0 &&
	    px_agreement_from_json(&q->terms, j) == 0)
		q->readable = true;
	else
		q->why = px_strdup(px_error_last());
	json_decref(j);
}

int
px_proposal_from_case(struct px_proposal *out, const struct px_case *c)
{
	const struct px_msg *open = c->n ? c->msgs[0] : NULL;
	const struct px_msg *ans = c->answer;
	const char *reason = NULL;

	memset(out, 0, sizeof(*out));
	if (c->kind != PX_KIND_AGREEMENT || open == NULL)
		return px_error_set(
		    PX_EINVAL, "case %s is not an agreement proposal", c->id);
	memcpy(out->case_id, c->id, sizeof(out->case_id));
	memcpy(out->hash, open->hash, sizeof(out->hash));
	out->proposer = px_strdup(c->requester);
	out->receiver = px_strdup(c->responder);
	out->version = c->proposal_version;
	out->proposed_ms = c->opened_ms;
	out->answered_ms = -1;
	out->terms_text = px_canon_string(c->terms);
	switch (c->state) {
	case PX_ST_ACCEPTED:
		out->state = PX_PROP_ACCEPTED;
		break;
	case PX_ST_DECLINED:
		out->state = PX_PROP_DECLINED;
		break;
	case PX_ST_WITHDRAWN:
		out->state = PX_PROP_WITHDRAWN;
		/* The withdraw that took effect: the one at the case's end. */
		for (size_t i = 0; i < c->n; i++)
			if (c->msgs[i]->type == PX_MSG_WITHDRAW &&
			    c->why[i] == NULL)
				ans = c->msgs[i];
		break;
	default:
		out->state = PX_PROP_PENDING;
		break;
	}
	if (out->state != PX_PROP_PENDING && ans) {
		out->answered_ms = ans->time_ms;
		out->answer_hash = px_strdup(ans->hash);
		reason = px_msg_text(ans);
	}
	out->reason = reason ? px_strdup(reason) : NULL;
	return 0;
}

/* Does accepted proposal x take precedence over y (same version)? */
static bool
first_of(const struct px_proposal *x, const struct px_proposal *y)
{
	if (x->answered_ms != y->answered_ms)
		return x->answered_ms < y->answered_ms;
	return strcmp(x->hash, y->hash) < 0;
}

int
px_accord_in_force(const struct px_accord *a, int64_t at)
{
	int best = -1;

	for (size_t i = 0; i < a->n; i++) {
		const struct px_proposal *p = &a->v[i];

		if (p->state != PX_PROP_ACCEPTED || !p->readable ||
		    p->answered_ms > at)
			continue;
		if (best < 0 || p->version > a->v[best].version ||
		    (p->version == a->v[best].version &&
		        first_of(p, &a->v[best])))
			best = (int)i;
	}
	return best;
}

int
px_accord_find(const struct px_accord *a, int64_t version)
{
	int best = -1;

	for (size_t i = 0; i < a->n; i++) {
		const struct px_proposal *p = &a->v[i];

		if (p->state != PX_PROP_ACCEPTED || !p->readable ||
		    p->version != version)
			continue;
		if (best < 0 || first_of(p, &a->v[best]))
			best = (int)i;
	}
	return best;
}

int64_t
px_accord_version(const struct px_accord *a, int i)
{
	return i < 0 ? 0 : a->v[i].version;
}

const struct px_agreement *
px_accord_terms(const struct px_accord *a, int i)
{
	return i < 0 ? &a->defaults : &a->v[i].terms;
}

int64_t
px_accord_next_version(const struct px_accord *a)
{
	int64_t v = 0;

	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].version > v)
			v = a->v[i].version;
	return v + 1;
}

int
px_accord_pending_to(
    const struct px_accord *a, const char *self, int64_t version)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].state == PX_PROP_PENDING &&
		    a->v[i].version == version &&
		    strcmp(a->v[i].receiver, self) == 0)
			return (int)i;
	return -1;
}

bool
px_accord_superseded(const struct px_accord *a, size_t i)
{
	return a->v[i].state == PX_PROP_PENDING &&
	    a->v[i].version <=
	    px_accord_version(a, px_accord_in_force(a, INT64_MAX));
}

int
px_accord_may_accept(const struct px_accord *a, size_t i, const char *self)
{
	const struct px_proposal *p = &a->v[i];
	int64_t now = px_accord_version(a, px_accord_in_force(a, INT64_MAX));
	long long v = (long long)p->version;

	if (strcmp(p->receiver, self) != 0)
		return px_error_set(PX_ECONFLICT,
		    "version %lld is this node's own proposal; %s accepts or "
		    "declines it",
		    v, p->receiver);
	if (p->state != PX_PROP_PENDING)
		return px_error_set(PX_ECONFLICT, "version %lld is already %s",
		    v, px_prop_state_names[p->state]);
	if (!p->readable)
		return px_error_set(PX_ECONFLICT,
		    "version %lld cannot be read by this node (%s): decline "
		    "it, or upgrade parley first",
		    v, p->why ? p->why : "?");
	if (p->version <= now)
		return px_error_set(PX_ECONFLICT,
		    "version %lld is not newer than version %lld, in force: "
		    "decline it",
		    v, (long long)now);
	for (size_t k = 0; k < a->n; k++)
		if (k != i && a->v[k].state == PX_PROP_PENDING &&
		    a->v[k].version == p->version &&
		    strcmp(a->v[k].proposer, self) == 0)
			return px_error_set(PX_ECONFLICT,
			    "this node's own proposal of version %lld is "
			    "pending too (the two crossed): withdraw ours or "
			    "decline theirs first",
			    v);
	return 0;
}

void
px_accord_case(struct px_case_terms *out, const struct px_accord *a,
    const struct px_case *c)
{
	int now = px_accord_in_force(a, c->opened_ms);

	memset(out, 0, sizeof(*out));
	out->named = c->agreement;
	out->named_given = c->agreement_named;
	out->in_force = px_accord_version(a, now);
	out->idx = out->named == 0 ? -1 : px_accord_find(a, out->named);
	out->held = out->named == 0 || out->idx >= 0;
	if (!out->held)
		out->idx = now;
	out->used = px_accord_version(a, out->idx);
	out->terms = px_accord_terms(a, out->idx);
	out->disagree = c->kind != PX_KIND_AGREEMENT &&
	    (!out->held || out->named != out->in_force);
}

void
px_case_terms_explain(char *out, size_t n, const struct px_case_terms *t,
    const struct px_accord *a)
{
	int f;

	out[0] = '\0';
	if (!t->disagree)
		return;
	if (!t->held) {
		snprintf(out, n,
		    "the case names agreement version %lld, which this "
		    "node's record does not hold as accepted; its clocks count "
		    "under version %lld, in force when it was opened",
		    (long long)t->named, (long long)t->used);
		return;
	}
	f = t->in_force == 0 ? -1 : px_accord_find(a, t->in_force);
	if (f >= 0) {
		char at[PX_TIME_STRLEN];

		px_time_format(at, a->v[f].answered_ms);
		snprintf(out, n,
		    "the case names agreement version %lld, but version %lld "
		    "was in force when it was opened (accepted by %s at %s); "
		    "its clocks count under version %lld, as named",
		    (long long)t->named, (long long)t->in_force,
		    a->v[f].receiver, at, (long long)t->used);
	} else
		snprintf(out, n,
		    "the case names agreement version %lld, but version %lld "
		    "was in force when it was opened; its clocks count under "
		    "version %lld, as named",
		    (long long)t->named, (long long)t->in_force,
		    (long long)t->used);
}
