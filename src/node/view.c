/*
 * The JSON view of a case: the one shape the CLI's --json prints and the
 * analyst API serves.  It is a function of the record (messages,
 * receipts) and the time the clocks are evaluated at, so two nodes that
 * hold the same record print the same case, field for field, apart from
 * "now" and the remaining times derived from it, and three members that
 * are the viewing node's own: our_role, actions (what this node may do
 * now) and each message's log_index (its leaf in this node's log).
 * docs/cli.md documents every member.
 */
#include "model/canon.h"
#include "model/observable.h"
#include "node/actions.h"
#include "node/agreement.h"
#include "node/desk.h"
#include "node/inote.h"
#include "node/log.h"
#include "node/search.h"
#include "node/node.h"
#include "node/attrib.h"
#include "node/evidence.h"
#include "node/view.h"
#include "util/util.h"

json_t *
px_view_time(int64_t ms)
{
	char tm[PX_TIME_STRLEN];

	if (ms < 0 || ms == INT64_MAX)
		return json_null();
	px_time_format(tm, ms);
	return json_string(tm);
}

json_t *
px_view_clocks(const struct px_case *c, const struct px_agreement *a,
    const struct px_calendar *cal, int64_t now)
{
	struct px_clock_status s[PX_CLK__N];
	json_t *o = json_object();

	px_case_clocks(s, c, a, cal, now);
	for (int k = 0; k < PX_CLK__N; k++) {
		char budget[32];
		json_t *ck;

		px_duration_unparse(
		    budget, sizeof(budget), s[k].budget, s[k].basis);
		ck = json_pack("{ss ss ss so so so}", "state",
		    px_clock_state_names[s[k].state], "budget", budget, "basis",
		    s[k].basis == PX_BASIS_BUSINESS ? "business" : "calendar",
		    "start", px_view_time(s[k].start), "deadline",
		    s[k].state == PX_CS_NA ? json_null()
		                           : px_view_time(s[k].deadline),
		    "stopped", px_view_time(s[k].stopped));
		json_object_set_new(o, px_clock_names[k].wire, ck);
	}
	return o;
}

static json_t *
msg_json(struct px_node *n, const struct px_msg *m, const char *why)
{
	json_t *o;
	int64_t recv = -1;
	struct px_msg_row row = { 0 };
	struct px_msg_entry e;

	if (PX_STORE_CALL(n->store, msg_get, m->hash, &row) == 0) {
		recv = row.received_ms;
		px_msg_row_dispose(&row);
	}
	if (recv < 0 &&
	    PX_STORE_CALL(n->store, receipt_get, m->hash, NULL, &recv) != 0)
		recv = -1;
	/* The body as shown: bidirectional controls written out visibly,
	 * so a text cannot read differently from what was signed (the
	 * signed bytes are in the record: GET /api/v1/record/{hash}). */
	o = json_pack("{sI ss ss ss ss ss so so so}", "seq", (json_int_t)m->seq,
	    "hash", m->hash, "id", m->id, "type",
	    px_msg_type_names[m->type].wire, "from", m->from, "to", m->to,
	    "time", px_view_time(m->time_ms), "received", px_view_time(recv),
	    "body", px_json_bidi_visible(m->body));
	json_object_set_new(o, "effect", why ? json_string(why) : json_null());
	/* Which of our people acted for a message we signed: our own
	 * record, whatever the peer was shown (docs/protocol.md, "The
	 * acting person"). */
	{
		char *person = NULL, *role = NULL;

		if (strcmp(m->from, n->name) == 0 &&
		    PX_STORE_CALL(
		        n->store, msg_actor_get, m->hash, &person, &role) == 0)
			json_object_set_new(o, "acted_by",
			    json_pack(
			        "{ss ss}", "person", person, "role", role));
		else
			json_object_set_new(o, "acted_by", json_null());
		free(person);
		free(role);
		px_error_clear();
	}
	/* A message whose leaf is missing shows null: the view still
	 * opens, and `parley log verify` says what is wrong. */
	json_object_set_new(o, "log_index",
	    px_log_msg_entry(&e, n, m) == 0 ? json_integer(e.log)
	                                    : json_null());
	return o;
}

/* The API names of the actions this node may take on the case now. */
static json_t *
actions_json(const struct px_node *n, const struct px_case *c)
{
	json_t *a = json_array();

	for (size_t i = 0; i < px_case_actions_n; i++)
		if (px_case_allows(c, px_case_actions[i].type, n->name) == 0)
			json_array_append_new(
			    a, json_string(px_case_actions[i].name));
	px_error_clear();
	return a;
}

static json_t *
party(const char *node, const char *zone)
{
	return json_pack("{ss so}", "node", node, "timezone",
	    zone ? json_string(zone) : json_null());
}

/* Both parties with their time zones: ours from our configuration, the
 * peer's from its pinned card. */
static json_t *
parties_json(
    const struct px_node *n, const struct px_case *c, const struct px_peer *p)
{
	const char *peer_zone = p && p->card.timezone && *p->card.timezone
	    ? p->card.timezone
	    : NULL;
	bool req = strcmp(c->requester, n->name) == 0;

	return json_pack("{so so}", "requester",
	    party(c->requester, req ? px_tz_name(n->tz) : peer_zone),
	    "responder",
	    party(c->responder, req ? peer_zone : px_tz_name(n->tz)));
}

/* The calendar the clocks count in (the responder's): zone, working days
 * (0 = Sunday .. 6 = Saturday), hours and holidays, so a reader sees what
 * "business time" means for this case. */
static json_t *
calendar_json(const struct px_calendar *cal)
{
	json_t *days = json_array(), *hol = json_array();
	char hours[12], d[11];
	int64_t y;
	unsigned mo, dd;

	for (int i = 0; i < 7; i++)
		if (cal->workdays & (1u << i))
			json_array_append_new(days, json_integer(i));
	snprintf(hours, sizeof(hours), "%02u:%02u-%02u:%02u",
	    cal->day_start / 60u, cal->day_start % 60u, cal->day_end / 60u,
	    cal->day_end % 60u);
	for (size_t i = 0; i < cal->nholidays; i++) {
		px_civil_from_days(cal->holidays[i], &y, &mo, &dd);
		snprintf(
		    d, sizeof(d), "%04lld-%02u-%02u", (long long)y, mo, dd);
		json_array_append_new(hol, json_string(d));
	}
	return json_pack("{ss so ss so}", "timezone",
	    cal->tz ? px_tz_name(cal->tz) : "UTC", "workdays", days, "hours",
	    hours, "holidays", hol);
}

/* The case's observables, each with the form people read beside the wire
 * form when they differ ("unicode": an internationalised name). */
static json_t *
observables_json(const struct px_case *c)
{
	json_t *a = json_array(), *x;
	const json_t *o;
	size_t i;
	char *u;

	json_array_foreach(c->observables, i, o)
	{
		x = json_deep_copy(o);
		u = px_obs_unicode(
		    json_string_value(json_object_get(o, "type")),
		    json_string_value(json_object_get(o, "value")));
		if (u)
			json_object_set_new(x, "unicode", json_string(u));
		free(u);
		json_array_append_new(a, x);
	}
	return a;
}

json_t *
px_view_case(struct px_node *n, const struct px_case *c,
    const struct px_peer *p, int64_t now)
{
	const struct px_calendar *cal = px_node_case_calendar(n, c, p);
	json_t *o, *notes, *desk, *msgs = json_array();
	char ref[9];

	px_case_ref(ref, c->id);
	for (size_t i = 0; i < c->n; i++)
		json_array_append_new(msgs, msg_json(n, c->msgs[i], c->why[i]));
	o = json_pack("{ss ss ss ss ss ss ss ss ss ss sb so so}", "id", c->id,
	    "ref", ref, "kind", px_kind_names[c->kind].wire, "category",
	    px_category_names[c->category].wire, "priority",
	    px_priority_names[c->priority].wire, "tlp",
	    px_tlp_names[c->tlp].wire, "title", c->title, "requester",
	    c->requester, "responder", c->responder, "state",
	    px_state_names[c->state].wire, "escalated", c->escalated, "opened",
	    px_view_time(c->opened_ms), "delivered",
	    px_view_time(c->delivered_ms));
	json_object_set_new(o, "request_type",
	    c->request_type >= 0
	        ? json_string(px_request_type_names[c->request_type].wire)
	        : json_null());
	json_object_set_new(o, "decision",
	    c->decision >= 0 ? json_string(px_decision_names[c->decision].wire)
	                     : json_null());
	json_object_set_new(o, "reason",
	    c->reason >= 0 ? json_string(px_reason_names[c->reason].wire)
	                   : json_null());
	json_object_set_new(
	    o, "score", c->score ? json_integer(c->score) : json_null());
	json_object_set_new(o, "observables", observables_json(c));
	/* Have we seen these before, and with whom (node/search.h)? */
	json_object_set_new(
	    o, "related", px_search_related(n, c->observables, c->id));
	/* The forwarding link, both ways (docs/interop.md). */
	if (c->linked)
		json_object_set_new(o, "linked", json_deep_copy(c->linked));
	if (c->forwarded_to)
		json_object_set_new(
		    o, "forwarded_to", json_deep_copy(c->forwarded_to));
	json_object_set_new(o, "clocks",
	    px_view_clocks(c, px_peer_case_terms(p, c, NULL), cal, now));
	json_object_set_new(o, "agreement", px_view_case_terms(p, c));
	json_object_set_new(o, "calendar", calendar_json(cal));
	json_object_set_new(o, "our_role",
	    json_string(strcmp(c->requester, n->name) == 0 ? "requester"
	                                                   : "responder"));
	json_object_set_new(o, "actions", actions_json(n, c));
	json_object_set_new(o, "parties", parties_json(n, c, p));
	json_object_set_new(o, "messages", msgs);
	/* An exercise's case, marked as one wherever it is shown
	 * (docs/exercises.md): the exercise, the inject and who speaks. */
	json_object_set_new(o, "exercise",
	    c->exercise_id
	        ? json_pack("{ss so so}", "id", c->exercise_id, "inject",
	              c->inject_id ? json_string(c->inject_id) : json_null(),
	              "persona",
	              c->persona ? json_string(c->persona) : json_null())
	        : json_null());
	/* Evidence, findings and assessments (docs/evidence.md,
	 * docs/attribution.md), and what the opening message lacks. */
	json_object_set_new(o, "evidence", px_ev_view(n, c));
	json_object_update_new(o, px_attrib_view(n, c));
	if (c->n &&
	    (c->msgs[0]->type == PX_MSG_REPORT ||
	        c->msgs[0]->type == PX_MSG_REQUEST))
		json_object_set_new(o, "completeness",
		    px_case_completeness(c->msgs[0]->body, c));
	/* Ours alone: no view of a case ever leaves this node. */
	notes = px_inote_list(n, c->id);
	json_object_set_new(o, "internal_notes", notes ? notes : json_array());
	/* Who on our desk holds it (node/desk.h): ours alone too. */
	desk = px_desk_people(n, c->id);
	json_object_set_new(o, "desk",
	    desk ? desk
	         : json_pack("{sn sn s[]}", "assignee", "since", "watchers"));
	return o;
}
