/*
 * Hotline and check views shared by the CLI and the analyst API: what a
 * raised hotline looks like right now (the roster walk, the ladder
 * steps, the acknowledge clock), and the state of communication checks.
 */
#include "model/ladder.h"
#include "node/hotline.h"
#include "node/internal.h"
#include "model/canon.h"
#include "util/util.h"

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

/* A queued notification's state in the delivery report's words. */
static const char *
q_status(const json_t *q)
{
	const char *st = json_string_value(json_object_get(q, "status"));

	if (st == NULL)
		return "pending";
	if (strcmp(st, "sent") == 0)
		return "delivered";
	if (strcmp(st, "pending") == 0)
		return json_integer_value(json_object_get(q, "attempts")) > 0
		    ? "retrying"
		    : "pending";
	return st; /* failed, manual */
}

static void
signed_report(const char *channel, const char *status, const char *detail,
    int64_t at, void *arg)
{
	json_t *by = arg;

	json_object_set_new(by, channel,
	    json_pack("{sssssoso}", "channel", channel, "status", status, "at",
	        px_json_time(at), "detail",
	        detail ? json_string(detail) : json_null()));
}

/* How each channel of one page went out.  The paging node signs a
 * delivery report as each notification is sent, fails or is retried
 * (px_hotline_note_delivery), so both sides read the same account from
 * the record; the paging node adds what its queue knows and it has not
 * reported yet.  A phone page is for a person to dial: "manual". */
static json_t *
deliveries(const struct px_case *c, const struct px_page_attempt *at,
    const json_t *rows)
{
	json_t *by = json_object(), *out = json_array(), *v;
	const json_t *queued = rows ? json_object_get(rows, at->hash) : NULL;
	size_t i;

	px_hotline_deliveries(c, at->hash, signed_report, by);
	json_array_foreach(at->channels, i, v)
	{
		const char *ch = json_string_value(v);
		json_t *d = json_object_get(by, ch);
		const json_t *q = NULL, *row;
		size_t k;

		if (d) {
			json_object_set_new(d, "signed", json_true());
			json_array_append(out, d);
			continue;
		}
		json_array_foreach(queued, k, row)
		{
			const char *rc =
			    json_string_value(json_object_get(row, "channel"));

			if (rc && strcmp(rc, ch) == 0)
				q = row;
		}
		if (strcmp(ch, "phone") == 0)
			d = json_pack("{sssssoso}", "channel", ch, "status",
			    "manual", "at", json_null(), "detail",
			    json_string("a person must dial"));
		else if (q)
			d = json_pack("{sssssOsO}", "channel", ch, "status",
			    q_status(q), "at", json_object_get(q, "sent"),
			    "detail", json_object_get(q, "error"));
		else
			d = json_pack("{sssssoso}", "channel", ch, "status",
			    rows ? "pending" : "unreported", "at", json_null(),
			    "detail", json_null());
		json_object_set_new(d, "signed", json_false());
		json_array_append_new(out, d);
	}
	json_decref(by);
	return out;
}

/* The agreement's caps holding the walk back, as the responder's node
 * signed them (docs/deadlines.md, "Caps"). */
static json_t *
caps_json(const struct px_case *c)
{
	json_t *out = json_array();

	for (size_t i = 0; i < c->n; i++) {
		const struct px_msg *m = c->msgs[i];
		const json_t *k = json_object_get(m->body, "capped");

		if (m->type != PX_MSG_ESCALATE || k == NULL || c->why[i] ||
		    strcmp(m->from, c->responder) != 0)
			continue;
		json_array_append_new(out,
		    json_pack("{sOsOsOso}", "rule", json_object_get(k, "rule"),
		        "limit", json_object_get(k, "limit"), "count",
		        json_object_get(k, "count"), "at",
		        px_json_time(m->time_ms)));
	}
	return out;
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
		        px_json_time(at[i].at), "answered", at[i].answered,
		        "latency_ms",
		        at[i].latency_ms >= 0 ? json_integer(at[i].latency_ms)
		                              : json_null(),
		        "delivery", deliveries(c, &at[i], rows)));
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
		        px_json_time(m->time_ms)));
	}
	o = json_pack("{sssssssssssssosososssosososo}", "case", c->id, "ref",
	    ref, "requester", c->requester, "responder", c->responder, "title",
	    c->title, "state", px_state_names[c->state].wire, "raised",
	    px_json_time(c->opened_ms), "delivered",
	    px_json_time(c->delivered_ms), "ack_deadline",
	    px_json_time(cs[PX_CLK_ACK].deadline), "ack_clock",
	    px_clock_state_names[cs[PX_CLK_ACK].state], "acknowledged",
	    px_json_time(c->stop[PX_CLK_ACK]), "answered_by",
	    c->answered_by ? json_string(c->answered_by) : json_null(),
	    "answer_ms",
	    c->stop[PX_CLK_ACK] >= 0
	        ? json_integer(c->stop[PX_CLK_ACK] - cs[PX_CLK_ACK].start)
	        : json_null(),
	    "pages", pages);
	/* Who acknowledged, in the record's terms: a page counts as
	 * answered only when the ack names the person it paged. */
	json_object_set_new(o, "answer",
	    px_hotline_answer(c) == PX_HA_NONE
	        ? json_null()
	        : json_string(px_hotline_answer_names[px_hotline_answer(c)]));
	json_object_set_new(o, "escalations", steps);
	json_object_set_new(o, "capped", caps_json(c));
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
	    px_json_time(c->opened_ms), "due", px_json_time(c->check_due_ms),
	    "answered", px_json_time(c->stop[PX_CLK_ACK]), "auto_replies",
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

struct latest {
	const char *channel;
	char status[16];
};

static void
latest_of(const char *channel, const char *status, const char *detail,
    int64_t at, void *arg)
{
	struct latest *l = arg;

	(void)detail;
	(void)at;
	if (strcmp(channel, l->channel) == 0)
		snprintf(l->status, sizeof(l->status), "%s", status);
}

int
px_hotline_note_delivery(struct px_node *n, const struct px_notify_row *r)
{
	struct px_case c;
	struct latest l = { .channel = r->channel };
	const char *status;
	const struct px_msg *page = NULL;
	json_t *body = NULL;
	int rc;

	if (r->case_id == NULL || r->msg_hash == NULL || r->channel == NULL)
		return 0;
	if (strcmp(r->status, "sent") == 0)
		status = "delivered";
	else if (strcmp(r->status, "failed") == 0)
		status = "failed";
	else if (strcmp(r->status, "pending") == 0 && r->attempts > 0)
		status = "retrying";
	else
		return 0;
	if ((rc = px_node_case_load(&c, n, r->case_id, NULL)) < 0)
		return rc;
	for (size_t i = 0; i < c.n; i++)
		if (strcmp(c.msgs[i]->hash, r->msg_hash) == 0)
			page = c.msgs[i];
	/* Only the pages of our own roster walk are reported. */
	if (c.kind != PX_KIND_HOTLINE || page == NULL ||
	    page->type != PX_MSG_ESCALATE ||
	    json_object_get(page->body, "page") == NULL ||
	    strcmp(c.responder, n->name) != 0)
		goto out;
	px_hotline_deliveries(&c, r->msg_hash, latest_of, &l);
	if (strcmp(l.status, status) == 0 || strcmp(l.status, "delivered") == 0)
		goto out;
	body = json_pack("{s{ssssss}}", "delivery", "page", r->msg_hash,
	    "channel", r->channel, "status", status);
	if (r->last_error && strcmp(status, "delivered") != 0) {
		char detail[301];
		size_t k = 0;

		/* One line of printable text, cut on a character boundary. */
		for (const char *p = r->last_error; *p && k < 300; p++)
			detail[k++] =
			    (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p;
		while (k > 0 && k < strlen(r->last_error) &&
		    ((unsigned char)r->last_error[k] & 0xc0) == 0x80)
			k--;
		detail[k] = '\0';
		json_object_set_new(json_object_get(body, "delivery"), "detail",
		    json_string(detail));
	}
	rc = px_node_send(n, NULL, c.id, PX_MSG_ESCALATE, body, NULL);
out:
	json_decref(body);
	px_case_dispose(&c);
	return rc;
}
