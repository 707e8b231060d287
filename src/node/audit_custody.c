/*
 * Custody in audit verification (audit_custody.h).
 */
#include "model/attrib.h"
#include "model/canon.h"
#include "model/card.h"
#include "node/audit_custody.h"
#include "util/util.h"

static json_t *
event_json(const struct px_msg *m, px_audit_where_fn where, void *arg)
{
	static const char *const keep[] = { "hash_before", "hash_after",
		"status", "reason", "by", "why", "to", NULL };
	const char *origin = NULL;
	int64_t index = -1;
	json_t *e = json_pack("{ss ss sI so}", "event",
	    json_string_value(json_object_get(m->body, "event")), "from",
	    m->from, "seq", (json_int_t)m->seq, "time",
	    px_json_time(m->time_ms));

	for (size_t i = 0; keep[i]; i++)
		if (json_object_get(m->body, keep[i]))
			json_object_set_new(e, keep[i],
			    json_deep_copy(json_object_get(m->body, keep[i])));
	if (where && where(arg, m->hash, &origin, &index) == 0) {
		json_object_set_new(e, "log", json_string(origin));
		json_object_set_new(e, "index", json_integer(index));
	}
	return e;
}

int
px_audit_custody(
    json_t **out, const struct px_case *c, px_audit_where_fn where, void *arg)
{
	json_t *a = json_array();
	char why[400], first[512] = "";

	for (size_t i = 0; i < c->nev; i++) {
		const struct px_ev_item *it = &c->ev[i];
		json_t *evs = json_array(), *o;
		bool ok = px_ev_chain_check(c, it, why, sizeof(why)) == 0;

		for (size_t k = 0; k < it->nevents; k++)
			json_array_append_new(evs,
			    event_json(c->msgs[it->events[k]], where, arg));
		o = json_pack("{ss ss ss ss sb so}", "item", it->man.item,
		    "exhibit", it->man.exhibit, "sha256", it->man.sha256,
		    "root", it->man.root, "chain_ok", ok, "events", evs);
		json_object_set_new(
		    o, "problem", ok ? json_null() : json_string(why));
		json_array_append_new(a, o);
		if (!ok && first[0] == '\0')
			snprintf(first, sizeof(first),
			    "case %.8s: the chain of custody of exhibit %s is "
			    "broken: %s",
			    c->id + 28, it->man.exhibit, why);
	}
	*out = a;
	return first[0] ? px_error_set(PX_EINVAL, "%s", first) : 0;
}

/* Verifies one disclosed message with the card of its signer. */
static int
disclosed_ok(const json_t *env, const json_t *cards, size_t i)
{
	struct px_msg *m = NULL;
	const json_t *cv;
	size_t k;
	int rc = PX_EINVAL;

	if (px_msg_parse(&m, (json_t *)env, "disclosed message") < 0)
		return px_error_set(PX_EINVAL,
		    "disclosed message %zu does not parse: %s", i + 1,
		    px_error_last());
	json_array_foreach(cards, k, cv)
	{
		struct px_card card;

		if (px_card_from_json(&card, (json_t *)cv, "card") < 0)
			continue;
		if (strcmp(card.name, m->from) == 0)
			rc = px_msg_verify(m, card.sign_pk);
		px_card_dispose(&card);
	}
	if (rc < 0)
		rc = px_error_set(PX_EINVAL,
		    "disclosed message %zu (%s by %s) does not verify with "
		    "%s's card in the disclosure",
		    i + 1, px_msg_type_names[m->type].wire, m->from, m->from);
	px_msg_free(m);
	return rc;
}

int
px_audit_verification(json_t **out, const struct px_case *c)
{
	const json_t *d, *msgs, *v;
	char h[PX_HASH_HEX];
	size_t i, ok = 0;
	int rc = 0;

	*out = NULL;
	if (c->kind != PX_KIND_VERIFICATION || c->n == 0)
		return 0;
	if (c->msgs[0]->type == PX_MSG_REVIEW) {
		const json_t *r = json_object_get(c->msgs[0]->body, "review");

		px_review_hash(h, r);
		*out = json_pack("{s{ss sO sO sO}}", "review", "hash", h,
		    "findings", json_object_get(r, "findings"), "assessments",
		    json_object_get(r, "assessments"), "items",
		    json_object_get(r, "items"));
		return 0;
	}
	d = json_object_get(c->msgs[0]->body, "disclosure");
	msgs = json_object_get(d, "messages");
	json_array_foreach(msgs, i, v)
	{
		if ((rc = disclosed_ok(v, json_object_get(d, "cards"), i)) < 0)
			break;
		ok++;
	}
	*out = json_pack("{s{sI sI sO sO}}", "disclosure", "messages",
	    (json_int_t)json_array_size(msgs), "verified", (json_int_t)ok,
	    "items", json_object_get(d, "items"), "withheld",
	    json_object_get(d, "withheld"));
	if (rc < 0)
		px_error_prefix("case %.8s", c->id + 28);
	return rc;
}
