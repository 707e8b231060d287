/*
 * Feed cases and routing overrides (override.h).
 */
#include "model/canon.h"
#include "model/feedmsg.h"
#include "node/override.h"
#include "util/util.h"

int
px_feed_case(
    char out[PX_UUID_STRLEN], struct px_node *n, const char *peer, bool create)
{
	char *key = px_asprintf("feed.case.%s", peer), *id = NULL;
	struct px_case c;
	struct px_msg *m = NULL;
	json_t *body = NULL;
	int rc;

	px_case_init(&c);
	if (PX_STORE_CALL(n->store, meta_get, key, &id) == 0) {
		if (px_node_case_load(&c, n, id, NULL) == 0 &&
		    c.state != PX_ST_CLOSED && c.state != PX_ST_WITHDRAWN) {
			snprintf(out, PX_UUID_STRLEN, "%s", id);
			rc = 0;
			goto out;
		}
	}
	if (!create) {
		rc = px_error_set(PX_ENOTFOUND,
		    "no open feed case with %s (it opens with the first batch, "
		    "digest or override)",
		    peer);
		goto out;
	}
	{
		char *title =
		    px_asprintf("Routine sharing: feed events from %s "
		                "to %s",
		        n->name, peer);

		body = json_pack("{s{ssssssssss}so}", "case", "kind", "feed",
		    "category", "other", "priority", "P4", "tlp", "green",
		    "title", title, "text",
		    px_text_new(
		        "This case carries the daily digests of the "
		        "feed events routed to you, your verdicts on "
		        "them, and routing overrides between us "
		        "(docs/feeds.md).  Each batch of events arrives "
		        "as a report case of its own.",
		        "en", NULL, NULL, NULL));
		free(title);
	}
	if ((rc = px_node_send(n, peer, NULL, PX_MSG_REPORT, body, &m)) < 0)
		goto out;
	if ((rc = PX_STORE_CALL(n->store, meta_set, key, m->case_id)) < 0)
		goto out;
	snprintf(out, PX_UUID_STRLEN, "%s", m->case_id);
out:
	json_decref(body);
	px_msg_free(m);
	px_case_dispose(&c);
	free(key);
	free(id);
	return rc;
}

struct walk {
	struct px_node *n;
	const char *peer;
	int64_t now;
	struct px_rtable *t;
	json_t *list;
	int rc;
};

static int
add_ovr(struct walk *w, const struct px_case *c, const struct px_override *o)
{
	struct px_rt_override r;

	if (w->list) {
		const char *peer = strcmp(c->requester, w->n->name) == 0
		    ? c->responder
		    : c->requester;

		json_t *x = json_pack("{ssssssssssssss}", "id", o->id, "peer",
		    peer, "case", c->id, "proposer", o->proposer, "to", o->to,
		    "match", o->match, "state", px_override_state(o, w->now));

		json_object_set_new(
		    x, "proposed", px_json_time(o->proposed_ms));
		json_object_set_new(x, "until", px_json_time(o->until_ms));
		json_object_set_new(
		    x, "accepted", px_json_time(o->accepted_ms));
		json_object_set_new(x, "revoked", px_json_time(o->revoked_ms));
		json_array_append_new(w->list, x);
		return 0;
	}
	if (o->accepted_ms < 0)
		return 0;
	memset(&r, 0, sizeof(r));
	if ((r.party = px_rtable_party(w->t, o->to)) < 0)
		return 0;
	if (strncmp(o->match, "AS", 2) == 0) {
		int64_t asn;

		if (px_ev_parse_asn(&asn, o->match, strlen(o->match), "asn") <
		    0)
			return 0;
		r.is_asn = true;
		r.asn = (uint32_t)asn;
	} else if (px_ev_parse_net(&r.net, &r.len, o->match, strlen(o->match),
	               "network") < 0) {
		return 0;
	}
	r.from_ms = o->accepted_ms;
	r.until_ms = o->until_ms;
	if (o->revoked_ms >= 0 && o->revoked_ms < r.until_ms)
		r.until_ms = o->revoked_ms;
	snprintf(r.id, sizeof(r.id), "%s", o->id);
	px_rtable_add_override(w->t, &r);
	return 0;
}

static int
walk_case(const struct px_case_row *row, void *arg)
{
	struct walk *w = arg;
	struct px_case c;
	struct px_override *o = NULL;
	size_t no = 0;

	if (strcmp(row->kind, "feed") != 0)
		return 0;
	if ((w->rc = px_node_case_load(&c, w->n, row->id, NULL)) < 0)
		return w->rc;
	px_overrides_of_case(&o, &no, &c);
	for (size_t i = 0; i < no && w->rc == 0; i++)
		w->rc = add_ovr(w, &c, &o[i]);
	free(o);
	px_case_dispose(&c);
	return w->rc;
}

int
px_override_add_all(struct px_node *n, struct px_rtable *t)
{
	struct walk w = { .n = n, .t = t };
	struct px_case_filter f = { 0 };
	int rc = PX_STORE_CALL(n->store, case_list, &f, walk_case, &w);

	return rc < 0 ? rc : w.rc;
}

int
px_override_list(json_t **out, struct px_node *n, const char *peer, int64_t now)
{
	struct walk w = { .n = n, .now = now, .list = json_array() };
	struct px_case_filter f = { .peer = peer };
	int rc = PX_STORE_CALL(n->store, case_list, &f, walk_case, &w);

	if (rc == 0)
		rc = w.rc;
	if (rc < 0) {
		json_decref(w.list);
		return rc;
	}
	*out = w.list;
	return 0;
}

int
px_override_propose(struct px_node *n, const char *peer, const char *match,
    const char *to, int64_t until_ms, const char *text, char hash[65])
{
	char cid[PX_UUID_STRLEN], tm[PX_TIME_STRLEN];
	struct px_msg *m = NULL;
	json_t *body = NULL, *mt;
	int rc;

	if (strcmp(to, n->name) != 0 && strcmp(to, peer) != 0)
		return px_error_set(PX_EINVAL,
		    "an override between %s and %s names one of them, not '%s'",
		    n->name, peer, to);
	if (until_ms <= px_time_now_ms())
		return px_error_set(PX_EINVAL,
		    "the override's end (--until) must be in the future");
	mt = strncmp(match, "AS", 2) == 0 || strncmp(match, "as", 2) == 0
	    ? json_pack("{ss}", "asn", match)
	    : json_pack("{ss}", "network", match);
	px_time_format(tm, until_ms);
	body = json_pack("{s{s{sossss}}}", "routing", "propose", "match", mt,
	    "to", to, "until", tm);
	if (text)
		json_object_set_new(
		    body, "text", px_text_new(text, "en", NULL, NULL, NULL));
	/* Check it as a receiver would before opening a case for it. */
	if ((rc = px_feedmsg_check_routing(body)) < 0 ||
	    (rc = px_feed_case(cid, n, peer, true)) < 0 ||
	    (rc = px_node_send(n, NULL, cid, PX_MSG_ROUTING, body, &m)) < 0)
		goto out;
	snprintf(hash, 65, "%s", m->hash);
out:
	px_msg_free(m);
	json_decref(body);
	return rc;
}

int
px_override_answer(
    struct px_node *n, const char *id, bool accept, const char *text)
{
	struct px_msg_row row = { 0 };
	char *full = NULL;
	json_t *body = NULL;
	int rc;

	if ((rc = PX_STORE_CALL(n->store, msg_find, id, &full)) < 0 ||
	    (rc = PX_STORE_CALL(n->store, msg_get, full, &row)) < 0)
		goto out;
	if (strcmp(row.type, "routing") != 0) {
		rc = px_error_set(PX_EINVAL,
		    "message %.16s... is a %s, not a routing override", full,
		    row.type);
		goto out;
	}
	body =
	    json_pack("{s{ss}}", "routing", accept ? "accept" : "revoke", full);
	if (text)
		json_object_set_new(
		    body, "text", px_text_new(text, "en", NULL, NULL, NULL));
	rc = px_node_send(n, NULL, row.case_id, PX_MSG_ROUTING, body, NULL);
out:
	free(full);
	json_decref(body);
	px_msg_row_dispose(&row);
	return rc;
}
