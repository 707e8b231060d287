/*
 * Hotline and check views shared by the CLI and the analyst API: what a
 * raised hotline looks like right now (the roster walk, the ladder
 * steps, the acknowledge clock), and the state of communication checks.
 */
#include "model/ladder.h"
#include "node/hotline.h"
#include "node/internal.h"
#include "util/util.h"

static json_t *
time_or_null(int64_t ms)
{
	char t[PX_TIME_STRLEN];

	if (ms < 0 || ms == INT64_MAX)
		return json_null();
	px_time_format(t, ms);
	return json_string(t);
}

/* The notifications this node queued for one case, grouped by the page
 * message that caused them: {msg hash: [{channel, status, attempts,
 * sent, error}]}. */
static int
notice_row(const struct px_notify_row *row, void *arg)
{
	char sent[PX_TIME_STRLEN];
	json_t *list;

	if (row->msg_hash == NULL)
		return 0;
	if ((list = json_object_get(arg, row->msg_hash)) == NULL) {
		list = json_array();
		json_object_set_new(arg, row->msg_hash, list);
	}
	if (row->sent_ms >= 0)
		px_time_format(sent, row->sent_ms);
	json_array_append_new(list,
	    json_pack("{sssssIsoso}", "channel", row->channel, "status",
	        row->status, "attempts", (json_int_t)row->attempts, "sent",
	        row->sent_ms >= 0 ? json_string(sent) : json_null(), "error",
	        row->last_error ? json_string(row->last_error) : json_null()));
	return 0;
}

/* How the page message `hash` went out, from `rows` (notice_row).  Only
 * the responder holds them: each party notifies its own people, so the
 * requester (rows NULL) gets null. */
static json_t *
deliveries(const json_t *rows, const char *hash)
{
	json_t *d;

	if (rows == NULL)
		return json_null();
	d = json_object_get(rows, hash);
	return d ? json_incref(d) : json_array();
}

static json_t *
hotline_json(struct px_node *n, const struct px_case *c,
    const struct px_peer *p, int64_t now)
{
	struct px_clock_status cs[PX_CLK__N];
	struct px_page_attempt at[64];
	size_t na = px_hotline_attempts(at, PX_ARRAY_LEN(at), c);
	json_t *o, *pages = json_array(), *steps = json_array(), *rows = NULL;
	char ref[9];

	px_case_clocks(cs, c, px_peer_case_terms(p, c, NULL),
	    px_node_case_calendar(n, c, p), now);
	px_case_ref(ref, c->id);
	if (na && strcmp(c->responder, n->name) == 0) {
		struct px_notify_filter f = { .case_id = c->id };

		rows = json_object();
		/* A store error leaves the deliveries unknown (null), never
		 * the hotline unshown. */
		if (PX_STORE_CALL(n->store, notify_list, &f, notice_row, rows) <
		    0) {
			json_decref(rows);
			rows = NULL;
		}
	}
	for (size_t i = 0; i < na; i++)
		json_array_append_new(pages,
		    json_pack("{sisssosOsosbsoso}", "attempt", at[i].attempt,
		        "contact", at[i].contact, "name",
		        at[i].name ? json_string(at[i].name) : json_null(),
		        "channels", at[i].channels, "at",
		        time_or_null(at[i].at), "answered", at[i].answered,
		        "latency_ms",
		        at[i].latency_ms >= 0 ? json_integer(at[i].latency_ms)
		                              : json_null(),
		        "delivery", deliveries(rows, at[i].hash)));
	json_decref(rows);
	for (size_t i = 0; i < c->n; i++) {
		const struct px_msg *m = c->msgs[i];
		const json_t *l = json_object_get(m->body, "ladder");

		if (m->type != PX_MSG_ESCALATE || l == NULL)
			continue;
		json_array_append_new(steps,
		    json_pack("{sssOsOsOsOso}", "by", m->from, "clock",
		        json_object_get(l, "clock"), "level",
		        json_object_get(l, "level"), "notify",
		        json_object_get(l, "notify"), "deadline",
		        json_object_get(l, "deadline"), "at",
		        time_or_null(m->time_ms)));
	}
	o = json_pack("{sssssssssssssosososssosososo}", "case", c->id, "ref",
	    ref, "requester", c->requester, "responder", c->responder, "title",
	    c->title, "state", px_state_names[c->state].wire, "raised",
	    time_or_null(c->opened_ms), "delivered",
	    time_or_null(c->delivered_ms), "ack_deadline",
	    time_or_null(cs[PX_CLK_ACK].deadline), "ack_clock",
	    px_clock_state_names[cs[PX_CLK_ACK].state], "acknowledged",
	    time_or_null(c->stop[PX_CLK_ACK]), "answered_by",
	    c->answered_by ? json_string(c->answered_by) : json_null(),
	    "answer_ms",
	    c->stop[PX_CLK_ACK] >= 0
	        ? json_integer(c->stop[PX_CLK_ACK] - cs[PX_CLK_ACK].start)
	        : json_null(),
	    "pages", pages);
	json_object_set_new(o, "escalations", steps);
	json_object_set_new(o, "direction",
	    json_string(
	        strcmp(c->requester, n->name) == 0 ? "outbound" : "inbound"));
	return o;
}

struct list_ctx {
	struct px_node *n;
	const char *kind;
	bool open_only;
	int64_t now;
	json_t *out;
	json_t *(*fn)(struct px_node *, const struct px_case *,
	    const struct px_peer *, int64_t);
	int rc;
};

static int
list_one(const struct px_case_row *r, void *arg)
{
	struct list_ctx *x = arg;
	struct px_case c;
	struct px_peer *p = NULL;

	if (strcmp(r->kind, x->kind) != 0)
		return 0;
	if ((x->rc = px_node_case_load(&c, x->n, r->id, &p)) < 0)
		return x->rc;
	if (!x->open_only ||
	    !(px_state_terminal(c.state) || c.state == PX_ST_RESOLVED ||
	        (c.kind == PX_KIND_CHECK && c.stop[PX_CLK_ACK] >= 0)))
		json_array_append_new(x->out, x->fn(x->n, &c, p, x->now));
	px_peer_free(p);
	px_case_dispose(&c);
	return 0;
}

static int
list_kind(json_t **out, struct px_node *n, const char *ref, const char *peer,
    const char *kind, bool open_only, int64_t now,
    json_t *(*fn)(struct px_node *, const struct px_case *,
        const struct px_peer *, int64_t))
{
	struct list_ctx x = { .n = n,
		.kind = kind,
		.open_only = open_only,
		.now = now,
		.out = json_array(),
		.fn = fn };
	struct px_case_filter f = { .peer = peer };
	int rc;

	if (ref) {
		struct px_case c;
		struct px_peer *p = NULL;

		if ((rc = px_node_case_load(&c, n, ref, &p)) < 0)
			goto out;
		if (strcmp(px_kind_names[c.kind].wire, kind) != 0)
			rc =
			    px_error_set(PX_EINVAL, "case %s is a %s, not a %s",
			        ref, px_kind_names[c.kind].wire, kind);
		else
			json_array_append_new(x.out, fn(n, &c, p, now));
		px_peer_free(p);
		px_case_dispose(&c);
		if (rc < 0)
			goto out;
	} else {
		if (peer) {
			struct px_peer *p = NULL;

			if ((rc = px_peer_load(&p, n, peer)) < 0)
				goto out;
			px_peer_free(p);
		}
		if ((rc = PX_STORE_CALL(
		         n->store, case_list, &f, list_one, &x)) < 0 ||
		    (rc = x.rc) < 0)
			goto out;
	}
	*out = x.out;
	x.out = NULL;
	rc = 0;
out:
	json_decref(x.out);
	return rc;
}

int
px_hotline_status(json_t **out, struct px_node *n, const char *ref,
    bool open_only, int64_t now)
{
	return list_kind(
	    out, n, ref, NULL, "hotline", open_only, now, hotline_json);
}

static json_t *
check_json(struct px_node *n, const struct px_case *c, const struct px_peer *p,
    int64_t now)
{
	char ref[9];
	const char *status;
	json_t *o;

	(void)p;
	px_case_ref(ref, c->id);
	if (c->stop[PX_CLK_ACK] >= 0)
		status = "answered";
	else if (c->auto_replies > 0)
		status = "auto-only";
	else if (c->check_due_ms >= 0 && now > c->check_due_ms)
		status = "overdue";
	else
		status = "waiting";
	o = json_pack("{sssssssssssssosososiss}", "case", c->id, "ref", ref,
	    "direction",
	    strcmp(c->requester, n->name) == 0 ? "outbound" : "inbound",
	    "checker", c->requester, "checked", c->responder, "contact",
	    c->check_contact ? c->check_contact : "", "sent",
	    time_or_null(c->opened_ms), "due", time_or_null(c->check_due_ms),
	    "answered", time_or_null(c->stop[PX_CLK_ACK]), "auto_replies",
	    c->auto_replies, "status", status);
	json_object_set_new(o, "response_ms",
	    c->stop[PX_CLK_ACK] >= 0
	        ? json_integer(c->stop[PX_CLK_ACK] - c->opened_ms)
	        : json_null());
	json_object_set_new(o, "answered_by",
	    c->answered_by ? json_string(c->answered_by) : json_null());
	return o;
}

int
px_check_list(json_t **out, struct px_node *n, const char *ref,
    const char *peer, bool open_only, int64_t now)
{
	return list_kind(
	    out, n, ref, peer, "check", open_only, now, check_json);
}
