/*
 * Custody in audit verification (audit_custody.h).
 */
#include "model/canon.h"
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
