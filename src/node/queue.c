/*
 * Acting on the queue (feeds.h, docs/routing.md "The queue"): events the
 * router could not send anywhere (unroutable, disputed) or would not
 * (withheld) wait for a person, who routes one to a peer or dismisses it
 * with a reason; an override accepted later re-routes those it now
 * covers.  Every action is a row of feed_actions (who, when, what the
 * event was, where it went, why), and an event routed here joins the
 * batch of its group exactly as if ingest had routed it, so it reaches
 * the peer in a report case's attachment with its explanation:
 *
 *   {"by": "person", "card": 3, "reason": "...", "side": "source",
 *    "to": "cert-b.example", "was": "unroutable"}
 *
 * or, re-routed, the router's own explanation (an override's hash).
 */
#include "model/canon.h"
#include "node/feeds.h"
#include "node/override.h"
#include "util/enc.h"
#include "util/util.h"

#define LOCK_WAIT_MS 120000
#define PAGE         512 /* events re-routed per transaction */
#define REASON_MAX   1000

/* What the queue needs of a stored event to route it again. */
struct waiting {
	int64_t id;
	int status, type, severity;
	int64_t asn;
	char *event;
};

struct ctx {
	struct px_node *n;
	struct px_feed_cfg cfg;
	struct px_rtable *t;
	int64_t now;
};

static int
ctx_open(struct ctx *c, struct px_node *n)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->n = n;
	c->now = px_time_now_ms();
	if ((rc = px_feed_cfg_load(&c->cfg, n)) < 0 ||
	    (rc = px_node_rtable(&c->t, n, &c->cfg)) < 0)
		return rc;
	return 0;
}

static void
ctx_close(struct ctx *c)
{
	px_rtable_free(c->t);
	px_feed_cfg_dispose(&c->cfg);
}

/* Fills the members routing reads (type, TLP, severity, identifier, both
 * sides' address, AS number, host name and URL) from the canonical JSON
 * stored at ingest. */
static int
event_of(struct px_event *e, const char *text)
{
	json_t *j = NULL;
	const char *sides[2] = { "source", "destination" };
	const char *v;
	int rc;

	px_event_reset(e);
	if ((rc = px_json_parse(&j, text, strlen(text), 1 << 20, "event")) < 0)
		return rc;
	v = json_string_value(
	    json_object_get(json_object_get(j, "classification"), "type"));
	if (v == NULL ||
	    (rc = px_ev_parse_type(&e->type, v, strlen(v), "type")) < 0)
		goto out;
	if ((v = json_string_value(json_object_get(j, "tlp"))) &&
	    (rc = px_ev_parse_tlp(&e->tlp, v, strlen(v), "tlp")) < 0)
		goto out;
	if ((v = json_string_value(json_object_get(j, "severity"))) &&
	    (rc = px_ev_parse_severity(
	         &e->severity, v, strlen(v), "severity")) < 0)
		goto out;
	if ((v = json_string_value(json_object_get(
	         json_object_get(j, "classification"), "identifier"))) &&
	    (rc = px_event_str(e, &e->identifier, v, strlen(v), PX_EV_MAX_NAME,
	         "identifier")) < 0)
		goto out;
	for (int i = 0; i < 2; i++) {
		const json_t *s = json_object_get(j, sides[i]);
		struct px_ev_end *end = i ? &e->dst : &e->src;
		const json_t *asn = json_object_get(s, "asn");

		if ((v = json_string_value(json_object_get(s, "ip"))) &&
		    (rc = px_ev_parse_ip(&end->ip, v, strlen(v), "ip")) < 0)
			goto out;
		if (json_is_integer(asn))
			end->asn = json_integer_value(asn);
		if ((v = json_string_value(json_object_get(s, "fqdn"))) &&
		    (rc = px_event_str(e, &end->fqdn, v, strlen(v),
		         PX_EV_MAX_FQDN, "fqdn")) < 0)
			goto out;
		if ((v = json_string_value(json_object_get(s, "url"))) &&
		    (rc = px_event_str(
		         e, &end->url, v, strlen(v), PX_EV_MAX_URL, "url")) < 0)
			goto out;
	}
	rc = 0;
out:
	if (rc == 0 && e->type < 0)
		rc = px_error_set(PX_EINVAL, "the stored event has no type");
	json_decref(j);
	return rc;
}

/* Puts event `w` (now routed to party `party` with explanation `route`)
 * in its group's batch of the current interval, as ingest would, and
 * records the action.  Inside the caller's transaction. */
static int
assign(struct ctx *c, const struct waiting *w, const struct px_event *e,
    int party, const char *route, const char *action, const char *reason,
    const char *who)
{
	struct px_store *st = c->n->store;
	const char *peer = px_rtable_party_name(c->t, party);
	int64_t rid, grp, bid, len, start;
	struct px_feed_action_row a = { 0 };
	int rc;

	len = w->severity == PX_SEV_CRITICAL ? c->cfg.critical_ms
	                                     : c->cfg.interval_ms;
	start = px_feed_interval(&c->cfg, c->now, len);
	if ((rc = PX_STORE_CALL(st, feed_route_id, route, &rid)) < 0 ||
	    (rc = PX_STORE_CALL(st, feed_group_id, peer,
	         w->asn > 0 ? w->asn : 0, w->type,
	         e->identifier ? e->identifier : "", c->now, &grp)) < 0 ||
	    (rc = PX_STORE_CALL(
	         st, feed_batch_id, grp, start, start + len, &bid)) < 0 ||
	    (rc = PX_STORE_CALL(st, feed_event_route, w->id, PX_RT_ROUTED, rid,
	         bid, c->now)) < 0 ||
	    (rc = PX_STORE_CALL(st, feed_batch_add, bid, 1)) < 0 ||
	    (rc = PX_STORE_CALL(st, feed_batch_items, bid, &w->id, 1)) < 0)
		return rc;
	a.event = w->id;
	a.action = (char *)action;
	a.was = (char *)px_rt_status_names[w->status];
	a.peer = (char *)peer;
	a.reason = (char *)reason;
	a.who = (char *)who;
	a.time_ms = c->now;
	return PX_STORE_CALL(st, feed_action_put, &a);
}

static int
check_reason(const char *reason, bool required)
{
	if (reason == NULL || *reason == '\0')
		return required ? px_error_set(PX_EINVAL,
		                      "a reason is required (it is kept with "
		                      "the event for whoever audits the queue)")
		                : 0;
	if (strlen(reason) > REASON_MAX)
		return px_error_set(PX_EINVAL,
		    "the reason is longer than %d bytes", REASON_MAX);
	for (size_t i = 0, n = strlen(reason), k, ill; i < n; i += k)
		if ((k = px_utf8_seq(
		         (const unsigned char *)reason + i, n - i, &ill)) == 0)
			return px_error_set(
			    PX_EINVAL, "the reason is not UTF-8");
	return 0;
}

/* Reads event `id` and checks it waits in the queue. */
static int
waiting_get(struct px_node *n, int64_t id, struct waiting *w,
    struct px_feed_event_row *row)
{
	int rc;

	if ((rc = PX_STORE_CALL(n->store, feed_event_get, id, row)) < 0)
		return rc;
	if (row->status < PX_RT_UNROUTABLE || row->status > PX_RT_WITHHELD)
		return px_error_set(PX_ECONFLICT,
		    "event %lld is not waiting in the queue (it is %s)",
		    (long long)id, px_rt_status_names[row->status]);
	w->id = row->id;
	w->status = row->status;
	w->type = row->type;
	w->severity = row->severity;
	w->asn = row->asn;
	w->event = row->event;
	return 0;
}

int
px_feed_route_to(struct px_node *n, int64_t id, const char *peer,
    const char *who, const char *reason)
{
	struct ctx c;
	struct px_feed_event_row row = { 0 };
	struct waiting w;
	struct px_event *e = px_malloc(sizeof(*e));
	json_t *route = NULL;
	char *text = NULL;
	int party, lockfd = -1, rc;
	bool dst = false, tx = false;

	if ((rc = check_reason(reason, false)) < 0)
		goto out0;
	if ((rc = px_feed_lock(n, LOCK_WAIT_MS, &lockfd)) < 0)
		goto out0;
	if ((rc = ctx_open(&c, n)) < 0)
		goto out;
	if ((rc = waiting_get(n, id, &w, &row)) < 0 ||
	    (rc = event_of(e, row.event)) < 0)
		goto out;
	party = px_rtable_party(c.t, peer);
	if (party < 0 || strcmp(peer, n->name) == 0) {
		rc = px_error_set(PX_ENOTFOUND,
		    "'%s' is not a pinned peer (see 'parley peer list')", peer);
		goto out;
	}
	/* A person may decide where an event goes, not what its sender
	 * allowed: TLP:RED is never shared, AMBER+STRICT only with the
	 * organisation it is about, which is for the router to establish. */
	if (e->tlp == PX_TLP_RED || e->tlp == PX_TLP_AMBER_STRICT) {
		rc = px_error_set(PX_EINVAL,
		    "event %lld is TLP:%s: it is never routed by hand (dismiss "
		    "it, or have the sender relabel it)",
		    (long long)id,
		    e->tlp == PX_TLP_RED ? "RED" : "AMBER+STRICT");
		goto out;
	}
	(void)px_event_side(e, c.cfg.dst_types, &dst);
	route = json_pack("{sssIssssss}", "by", "person", "card",
	    (json_int_t)px_rtable_party_card(c.t, party), "side",
	    dst ? "destination" : "source", "to", peer, "was",
	    px_rt_status_names[w.status]);
	if (reason && *reason)
		json_object_set_new(route, "reason", json_string(reason));
	text = px_canon_string(route);
	if ((rc = PX_STORE_CALL0(n->store, begin)) < 0)
		goto out;
	tx = true;
	if ((rc = assign(&c, &w, e, party, text, "route", reason, who)) < 0)
		goto out;
	rc = PX_STORE_CALL0(n->store, commit);
	tx = false;
out:
	if (tx)
		PX_STORE_CALL0(n->store, rollback);
	ctx_close(&c);
	px_feed_unlock(lockfd);
out0:
	json_decref(route);
	free(text);
	free(e);
	px_feed_event_row_dispose(&row);
	return rc;
}

int
px_feed_dismiss(
    struct px_node *n, int64_t id, const char *who, const char *reason)
{
	struct px_feed_event_row row = { 0 };
	struct px_feed_action_row a = { 0 };
	struct waiting w;
	int lockfd = -1, rc;
	bool tx = false;

	if ((rc = check_reason(reason, true)) < 0)
		return rc;
	if ((rc = px_feed_lock(n, LOCK_WAIT_MS, &lockfd)) < 0)
		return rc;
	if ((rc = waiting_get(n, id, &w, &row)) < 0 ||
	    (rc = PX_STORE_CALL0(n->store, begin)) < 0)
		goto out;
	tx = true;
	a.event = id;
	a.action = (char *)"dismiss";
	a.was = (char *)px_rt_status_names[w.status];
	a.reason = (char *)reason;
	a.who = (char *)who;
	a.time_ms = px_time_now_ms();
	if ((rc = PX_STORE_CALL(n->store, feed_event_route, id, PX_RT_DISMISSED,
	         row.route, 0, row.routed_ms)) < 0 ||
	    (rc = PX_STORE_CALL(n->store, feed_action_put, &a)) < 0)
		goto out;
	rc = PX_STORE_CALL0(n->store, commit);
	tx = false;
out:
	if (tx)
		PX_STORE_CALL0(n->store, rollback);
	px_feed_unlock(lockfd);
	px_feed_event_row_dispose(&row);
	return rc;
}

/* --- re-routing after an override ------------------------------------ */

struct page {
	struct waiting *v;
	size_t n;
	int64_t last;
};

static int
page_one(const struct px_feed_event_row *r, void *arg)
{
	struct page *p = arg;

	p->last = r->id;
	/* Withheld events stay: an override moves addresses, not TLP. */
	if (r->status != PX_RT_UNROUTABLE && r->status != PX_RT_DISPUTED)
		return 0;
	p->v[p->n].id = r->id;
	p->v[p->n].status = r->status;
	p->v[p->n].type = r->type;
	p->v[p->n].severity = r->severity;
	p->v[p->n].asn = r->asn;
	p->v[p->n].event = px_strdup(r->event);
	p->n++;
	return 0;
}

static void
page_clear(struct page *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].event);
	p->n = 0;
}

/* Routes the page's events again; *routed counts those that now go to
 * a peer. */
static int
reroute_page(struct ctx *c, struct page *p, struct px_event *e,
    struct px_buf *b, const char *who, size_t *routed)
{
	int rc;

	if ((rc = PX_STORE_CALL0(c->n->store, begin)) < 0)
		return rc;
	for (size_t i = 0; i < p->n; i++) {
		struct px_rt_result rt;
		char why[96];

		if (event_of(e, p->v[i].event) < 0)
			continue; /* stored by ingest: cannot happen */
		px_route_event(&rt, c->t, e, c->now);
		if (rt.status != PX_RT_ROUTED)
			continue;
		if (rt.by == PX_RT_BY_OVERRIDE)
			snprintf(why, sizeof(why), "override %s",
			    px_rtable_override(c->t, rt.ovr)->id);
		else
			snprintf(
			    why, sizeof(why), "by %s", px_rt_by_names[rt.by]);
		px_buf_reset(b);
		px_route_json(b, c->t, &rt);
		if ((rc = assign(c, &p->v[i], e, rt.party, b->data, "reroute",
		         why, who)) < 0) {
			PX_STORE_CALL0(c->n->store, rollback);
			return rc;
		}
		(*routed)++;
	}
	return PX_STORE_CALL0(c->n->store, commit);
}

int
px_feed_reroute(struct px_node *n, const char *who, size_t *routed)
{
	struct ctx c;
	struct page p = { .v = px_calloc(PAGE, sizeof(*p.v)) };
	struct px_event *e = px_malloc(sizeof(*e));
	struct px_buf b;
	int64_t before = 0;
	int lockfd = -1, rc;

	*routed = 0;
	px_buf_init(&b, PX_BUF_NOCAP);
	if ((rc = px_feed_lock(n, LOCK_WAIT_MS, &lockfd)) < 0)
		goto out0;
	if ((rc = ctx_open(&c, n)) < 0)
		goto out;
	for (;;) {
		p.last = 0;
		if ((rc = PX_STORE_CALL(n->store, feed_queue, -1, before, PAGE,
		         page_one, &p)) < 0)
			goto out;
		if (p.last == 0)
			break;
		before = p.last;
		if ((rc = reroute_page(&c, &p, e, &b, who, routed)) < 0)
			goto out;
		page_clear(&p);
	}
out:
	page_clear(&p);
	ctx_close(&c);
	px_feed_unlock(lockfd);
out0:
	free(p.v);
	free(e);
	px_buf_dispose(&b);
	return rc;
}

json_t *
px_feed_action_json(const struct px_feed_action_row *r)
{
	json_t *o = json_pack("{sIsIssss}", "id", (json_int_t)r->id, "event",
	    (json_int_t)r->event, "action", r->action, "was", r->was);

	json_object_set_new(
	    o, "peer", r->peer ? json_string(r->peer) : json_null());
	json_object_set_new(
	    o, "reason", r->reason ? json_string(r->reason) : json_null());
	json_object_set_new(
	    o, "who", r->who ? json_string(r->who) : json_null());
	json_object_set_new(o, "time", px_json_time(r->time_ms));
	return o;
}
