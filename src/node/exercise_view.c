/*
 * What the CLI and the API show of an exercise (exercise.h): its state,
 * its injects with their expectations turning met or missed, the
 * objectives' ratings, the control messages and what each did.
 */
#include "model/canon.h"
#include "node/exercise.h"
#include "util/util.h"

static json_t *
jtext(const json_t *t)
{
	return t ? json_deep_copy(t) : json_null();
}

static json_t *
msg_ref(const struct px_msg *m)
{
	if (m == NULL)
		return json_null();
	return json_pack("{ss ss ss so}", "msg", m->hash, "type",
	    px_msg_type_names[m->type].wire, "from", m->from, "time",
	    px_json_time(m->time_ms));
}

static json_t *
expectation_json(
    const struct px_xexpect *xe, const struct px_xresult *r, int64_t scale)
{
	json_t *o = json_pack("{ss ss ss sI sI sb}", "id", xe->id, "what",
	    px_xwhat_names[xe->what], "objective", xe->objective, "weight",
	    (json_int_t)xe->weight, "within_ms",
	    (json_int_t)(xe->within / scale), "from_sender", xe->by_sender);

	if (r == NULL) {
		json_object_set_new(o, "status", json_null());
		return o;
	}
	json_object_set_new(
	    o, "status", json_string(px_xstatus_names[r->status]));
	json_object_set_new(o, "deadline", px_json_time(r->deadline));
	json_object_set_new(o, "since", px_json_time(r->since));
	json_object_set_new(o, "late", json_boolean(r->late));
	json_object_set_new(o, "answer", msg_ref(r->answer));
	return o;
}

static const char *
party_node(const struct px_exercise *x, int p)
{
	return p == 0 || p == 1 ? x->party[p] : NULL;
}

static json_t *
inject_json(const struct px_xctx *x, const struct px_xeval *e, size_t i,
    bool controller)
{
	const struct px_exercise *ex = &x->ex;
	const struct px_xinject *in = &ex->sc->injects[i];
	const struct px_xinject_state *st = &e->inj[i];
	const struct px_msg *m = st->c ? st->c->msgs[ex->played_at[i]] : NULL;
	bool show = controller || st->state == PX_XI_PLAYED;
	json_t *o, *ex_a = json_array();
	char ref[9];

	o = json_pack("{ss sI ss sb sb sb}", "id", in->id, "serial",
	    (json_int_t)in->serial, "state", px_xistate_names[st->state],
	    "hidden", in->hidden, "controller_only", in->controller_only,
	    "contingency", in->contingency);
	json_object_set_new(o, "due",
	    st->due == INT64_MAX ? json_null() : px_json_time(st->due));
	json_object_set_new(o, "fired", px_json_time(ex->fired[i]));
	json_object_set_new(o, "skipped", px_json_time(ex->skipped[i]));
	json_object_set_new(o, "delay_ms", json_integer(ex->delay[i]));
	if (st->c) {
		px_case_ref(ref, st->c->id);
		json_object_set_new(o, "case", json_string(st->c->id));
		json_object_set_new(o, "ref", json_string(ref));
		json_object_set_new(o, "message", json_string(m->hash));
		json_object_set_new(o, "sent", px_json_time(m->time_ms));
		json_object_set_new(o, "case_state",
		    json_string(px_state_names[st->c->state].wire));
	} else {
		json_object_set_new(o, "case", json_null());
		json_object_set_new(o, "ref", json_null());
		json_object_set_new(o, "message", json_null());
		json_object_set_new(o, "sent", json_null());
		json_object_set_new(o, "case_state", json_null());
	}
	if (in->hidden) {
		json_object_set_new(o, "commit", json_string(in->commit));
		json_object_set_new(o, "expectations", ex_a);
		return o;
	}
	json_object_set_new(o, "move", json_integer(in->move));
	json_object_set_new(o, "phase", jtext(in->phase));
	json_object_set_new(o, "offset_ms", json_integer(in->offset));
	json_object_set_new(o, "scenario_time",
	    in->scenario_time ? json_string(in->scenario_time) : json_null());
	json_object_set_new(
	    o, "channel", json_string(px_xchan_names[in->channel]));
	json_object_set_new(
	    o, "in", in->in ? json_string(in->in) : json_null());
	json_object_set_new(o, "from", json_string(party_node(ex, in->party)));
	json_object_set_new(o, "to", json_string(party_node(ex, in->to_party)));
	json_object_set_new(
	    o, "persona", in->persona ? json_string(in->persona) : json_null());
	json_object_set_new(o, "simulated", json_boolean(in->simulated));
	json_object_set_new(
	    o, "to_role", in->to_role ? json_string(in->to_role) : json_null());
	json_object_set_new(o, "title", show ? jtext(in->title) : json_null());
	json_object_set_new(o, "text", show ? jtext(in->text) : json_null());
	if (controller && in->notes)
		json_object_set_new(o, "notes", jtext(in->notes));
	json_object_set_new(o, "after", json_array());
	for (size_t k = 0; k < in->nafter; k++) {
		const struct px_xcond *cd = &in->after[k];
		json_t *c = json_pack("{ss}", "inject", cd->inject), *s;

		if (cd->expectation) {
			json_object_set_new(
			    c, "expectation", json_string(cd->expectation));
			s = json_array();
			for (int b = 0; b < PX_XST__N; b++)
				if (cd->statuses & (1u << b))
					json_array_append_new(s,
					    json_string(px_xstatus_names[b]));
			json_object_set_new(c, "status", s);
		}
		json_array_append_new(json_object_get(o, "after"), c);
	}
	for (size_t k = 0; k < in->nexpect; k++)
		json_array_append_new(ex_a,
		    expectation_json(&in->expect[k],
		        st->state == PX_XI_PLAYED ? &st->res[k] : NULL,
		        ex->scale));
	json_object_set_new(o, "expectations", ex_a);
	return o;
}

static json_t *
rating_json(int r)
{
	return r >= 0 && r < 4 ? json_string(px_hseep_names[r]) : json_null();
}

static json_t *
controls_json(const struct px_xctx *x)
{
	json_t *a = json_array();

	for (size_t i = 1; i < x->xc.n && i < x->ex.nctl; i++) {
		const struct px_msg *m = x->xc.msgs[i];
		const char *why =
		    x->xc.why[i] ? x->xc.why[i] : x->ex.ctl_why[i];
		json_t *o;

		if (m->type != PX_MSG_CONTROL && m->type != PX_MSG_NOTE)
			continue;
		o = json_pack("{ss ss so ss sb so}", "action",
		    m->type == PX_MSG_NOTE
		        ? "note"
		        : json_string_value(json_object_get(m->body, "action")),
		    "from", m->from, "time", px_json_time(m->time_ms), "msg",
		    m->hash, "effect", why == NULL, "why",
		    why ? json_string(why) : json_null());
		if (px_msg_text(m))
			json_object_set_new(
			    o, "text", json_string(px_msg_text(m)));
		if (json_object_get(m->body, "inject"))
			json_object_set(
			    o, "inject", json_object_get(m->body, "inject"));
		if (json_object_get(m->body, "by"))
			json_object_set(
			    o, "by", json_object_get(m->body, "by"));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *
px_exercise_objectives_json(
    const struct px_exercise *ex, const struct px_xeval *e)
{
	const struct px_scenario *s = ex->sc;
	json_t *obj = json_array();

	for (size_t k = 0; k < e->nobj; k++) {
		const struct px_xobjective_score *sc = &e->obj[k];
		const struct px_xevaluation *ev = &ex->evals[k];

		json_array_append_new(obj,
		    json_pack("{ss so so sI sI sI sI so so so so}", "id",
		        s->objectives[k].id, "text",
		        jtext(s->objectives[k].text), "capability",
		        s->objectives[k].capability
		            ? json_string(s->objectives[k].capability)
		            : json_null(),
		        "met", (json_int_t)sc->met, "partial",
		        (json_int_t)sc->partial, "missed",
		        (json_int_t)sc->missed, "pending",
		        (json_int_t)sc->pending, "permille",
		        sc->permille >= 0 ? json_integer(sc->permille)
		                          : json_null(),
		        "computed", rating_json(sc->computed), "rating",
		        rating_json(sc->rating), "confirmed",
		        ev->m ? json_pack("{so so so so ss}", "rating",
		                    rating_json(ev->rating), "comment",
		                    ev->comment ? json_string(ev->comment)
		                                : json_null(),
		                    "by",
		                    ev->by ? json_string(ev->by) : json_null(),
		                    "time", px_json_time(ev->m->time_ms),
		                    "party", ev->m->from)
		              : json_null()));
	}
	return obj;
}

json_t *
px_exercise_plan_json(const struct px_exercise *ex)
{
	json_t *pl = json_array();

	for (size_t k = 0; k < ex->nplan; k++) {
		const json_t *b = ex->plan[k].m->body;

		json_array_append_new(pl,
		    json_pack("{ss ss sO sO sO sO so so}", "item",
		        ex->plan[k].item, "by", ex->plan[k].m->from, "text",
		        json_object_get(json_object_get(b, "text"), "value"),
		        "owner", json_object_get(b, "owner"), "due",
		        json_object_get(b, "due"), "status",
		        json_object_get(b, "status"), "raised",
		        px_json_time(ex->plan[k].first->time_ms), "updated",
		        px_json_time(ex->plan[k].m->time_ms)));
	}
	return pl;
}

json_t *
px_exercise_view(
    struct px_node *n, struct px_xctx *x, int64_t now, bool controller)
{
	const struct px_exercise *ex = &x->ex;
	const struct px_scenario *s = ex->sc;
	struct px_xeval e;
	json_t *o, *inj = json_array(), *obj, *pl;
	json_t *scores;
	char ref[12], h[PX_HASH_HEX];

	(void)n;
	controller = controller && x->self >= 0 && ex->ctl[x->self];
	px_exercise_eval(&e, ex, now);
	px_exercise_ref(ref, x->xc.id);
	for (size_t i = 0; i < e.ninj; i++)
		json_array_append_new(inj, inject_json(x, &e, i, controller));
	obj = px_exercise_objectives_json(ex, &e);
	pl = px_exercise_plan_json(ex);
	scores = px_exercise_scores(ex, &e);
	if (px_exercise_scores_hash(h, scores) < 0)
		h[0] = '\0';
	json_decref(scores);
	o = json_pack("{ss ss ss ss ss so so ss sb sb}", "id", x->xc.id, "ref",
	    ref, "proposer", ex->party[0], "peer", x->peer ? x->peer : "",
	    "our_party",
	    x->self == 0       ? "a"
	        : x->self == 1 ? "b"
	                       : "",
	    "name", jtext(s->name), "description", jtext(s->description),
	    "state", px_xstate_names[e.state], "stopped", ex->stopped,
	    "control", controller);
	json_object_set_new(o, "readable", json_boolean(ex->readable));
	json_object_set_new(
	    o, "why", ex->why ? json_string(ex->why) : json_null());
	json_object_set_new(o, "scenario",
	    json_pack("{ss ss sI sb sb sb}", "id", s->id ? s->id : "", "hash",
	        ex->hash, "version", (json_int_t)s->version, "revealed",
	        ex->revealed, "held", x->full != NULL, "complete",
	        ex->have_full));
	json_object_set_new(o, "proposed", px_json_time(x->xc.opened_ms));
	json_object_set_new(o, "accepted", px_json_time(ex->accepted));
	json_object_set_new(
	    o, "planned_start", px_json_time(ex->planned_start));
	/* Not before it happened: a scheduled one has a planned start. */
	json_object_set_new(o, "started",
	    px_json_time(
	        px_exercise_started(ex) <= now ? px_exercise_started(ex) : -1));
	json_object_set_new(o, "ended", px_json_time(ex->ended));
	json_object_set_new(o, "end_at", px_json_time(e.end_at));
	json_object_set_new(o, "next",
	    e.next == INT64_MAX ? json_null() : px_json_time(e.next));
	json_object_set_new(o, "time_scale", json_integer(ex->scale));
	json_object_set_new(o, "duration_ms", json_integer(s->duration));
	json_object_set_new(o, "stop",
	    ex->stop_msg ? json_pack("{ss so ss so}", "by", ex->stop_msg->from,
	                       "time", px_json_time(ex->stop_msg->time_ms),
	                       "msg", ex->stop_msg->hash, "text",
	                       px_msg_text(ex->stop_msg)
	                           ? json_string(px_msg_text(ex->stop_msg))
	                           : json_null())
	                 : json_null());
	json_object_set_new(o, "pauses", json_array());
	for (size_t k = 0; k < ex->npauses; k++)
		json_array_append_new(json_object_get(o, "pauses"),
		    json_pack("{soso}", "from",
		        px_json_time(ex->pauses[k].from), "to",
		        px_json_time(ex->pauses[k].to)));
	json_object_set(
	    o, "players", ex->players ? (json_t *)ex->players : json_null());
	json_object_set(o, "control_cell",
	    ex->control ? (json_t *)ex->control : json_null());
	json_object_set_new(o, "personas", json_array());
	for (size_t k = 0; k < s->npersonas; k++)
		json_array_append_new(json_object_get(o, "personas"),
		    json_pack("{ss so ss sb}", "id", s->personas[k].id, "name",
		        jtext(s->personas[k].name), "party",
		        party_node(ex, s->personas[k].party), "simulated",
		        s->personas[k].simulated));
	json_object_set_new(o, "injects", inj);
	json_object_set_new(o, "objectives", obj);
	json_object_set_new(o, "plan", pl);
	json_object_set_new(o, "scores_hash", json_string(h));
	json_object_set_new(o, "signatures",
	    json_pack("{s o s o}", "a",
	        ex->sign[0].m
	            ? json_pack("{ss ss so}", "by", ex->sign[0].m->from,
	                  "report", ex->sign[0].hash, "time",
	                  px_json_time(ex->sign[0].m->time_ms))
	            : json_null(),
	        "b",
	        ex->sign[1].m
	            ? json_pack("{ss ss so}", "by", ex->sign[1].m->from,
	                  "report", ex->sign[1].hash, "time",
	                  px_json_time(ex->sign[1].m->time_ms))
	            : json_null()));
	json_object_set_new(o, "controls", controls_json(x));
	json_object_set_new(o, "stray", json_array());
	for (size_t k = 0; k < ex->nstray; k++)
		json_array_append_new(
		    json_object_get(o, "stray"), json_string(ex->stray[k]->id));
	px_xeval_dispose(&e);
	return o;
}

struct list_ctx {
	struct px_node *n;
	json_t *out;
	int64_t now;
	int rc;
};

static int
list_one(int64_t t, const char *id, const char *peer, void *arg)
{
	struct list_ctx *l = arg;
	struct px_case c;
	struct px_exercise ex;
	struct px_xeval e;
	char ref[12];

	(void)t;
	(void)peer;
	if ((l->rc = px_node_case_load(&c, l->n, id, NULL)) < 0)
		return l->rc;
	if (px_exercise_build(&ex, &c, NULL) == 0) {
		px_exercise_eval(&e, &ex, l->now);
		px_exercise_ref(ref, c.id);
		json_array_append_new(l->out,
		    json_pack("{ss ss ss ss ss so ss sb so so}", "id", c.id,
		        "ref", ref, "peer",
		        strcmp(ex.party[0], l->n->name) == 0 ? ex.party[1]
		                                             : ex.party[0],
		        "proposer", ex.party[0], "title", c.title, "name",
		        jtext(ex.sc->name), "state", px_xstate_names[e.state],
		        "stopped", ex.stopped, "proposed",
		        px_json_time(c.opened_ms), "ended",
		        px_json_time(ex.ended)));
		px_xeval_dispose(&e);
		px_exercise_dispose(&ex);
	}
	px_case_dispose(&c);
	return 0;
}

static int
draft_one(const struct px_exercise_row *r, void *arg)
{
	struct list_ctx *l = arg;

	if (r->case_id != NULL)
		return 0;
	json_array_append_new(l->out,
	    json_pack("{ss so so so ss ss ss sb so so}", "id", r->id, "ref",
	        json_null(), "peer", json_null(), "proposer", json_null(),
	        "title", r->name, "name", r->name, "state", "draft", "stopped",
	        0, "proposed", json_null(), "created",
	        px_json_time(r->created_ms)));
	return 0;
}

int
px_exercise_list(json_t **out, struct px_node *n, int64_t now)
{
	struct list_ctx l = { .n = n, .out = json_array(), .now = now };
	int rc;

	if ((rc = PX_STORE_CALL(n->store, exercise_ids, list_one, &l)) < 0 ||
	    (rc = PX_STORE_CALL(n->store, exercise_list, draft_one, &l)) < 0) {
		json_decref(l.out);
		return rc;
	}
	*out = l.out;
	return 0;
}
