/*
 * API resources for deadlines that fire (docs/deadlines.md, docs/api.md):
 * hotlines, communication checks, the contact directory and the
 * notification queue.
 */
#include "api/app.h"
#include "api/json.h"
#include "api/routes.h"
#include "model/agreement.h"
#include "net/problem.h"
#include "node/actions.h"
#include "node/hotline.h"
#include "node/sched.h"
#include "util/util.h"

static const char *
jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool
truthy(const char *q)
{
	return q && strcmp(q, "0") != 0 && strcmp(q, "false") != 0;
}

static int
hotlines_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *all = px_api_query(req, "all");
	json_t *list = NULL;
	int rc;

	if (n == NULL)
		goto out;
	if ((rc = px_hotline_status(&list, n,
	         req->nparams ? req->params[0] : NULL,
	         !truthy(all) && req->nparams == 0, px_time_now_ms())) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	if (req->nparams) {
		px_api_json(r, 200, json_incref(json_array_get(list, 0)));
		json_decref(list);
	} else {
		px_api_json(r, 200, list);
	}
out:
	free(all);
	return 0;
}

static int
hotlines_post(const struct px_http_req *req, struct px_http_resp *r)
{
	static const char *const members[] = { "s:peer", "s:category", "s:tlp",
		"s:title", PX_API_TEXT_MEMBERS("text"), "*:observables", NULL };
	struct px_node *n = px_api_node(req, r);
	json_t *b = NULL, *body = NULL, *o;
	struct px_msg *m = NULL;
	enum px_msg_type type;
	struct px_new_case nc = { .kind = "hotline", .priority = "P1" };
	struct px_api_obs obs;
	char title[128], ref[9];
	int rc;

	px_api_obs_init(&obs);
	if (n == NULL || (b = px_api_body(req, r)) == NULL)
		return 0;
	if (px_api_members(r, b, members, "a hotline") < 0)
		goto out;
	nc.to = jstr(b, "peer");
	nc.category = jstr(b, "category") ? jstr(b, "category") : "other";
	nc.tlp = jstr(b, "tlp");
	nc.text = px_api_text_in(b, "text");
	nc.title = jstr(b, "title");
	if (nc.to == NULL || nc.text.text == NULL) {
		px_problem(r, 400, NULL, "a hotline needs 'peer' and 'text'");
		goto out;
	}
	if (nc.title == NULL) {
		snprintf(title, sizeof(title), "HOTLINE: %.100s", nc.text.text);
		/* Do not cut a UTF-8 sequence in two. */
		for (size_t k = strlen(title);
		     k > 0 && ((unsigned char)title[k - 1] & 0xC0) == 0x80;)
			title[--k] = '\0';
		for (size_t k = strlen(title);
		     k > 0 && ((unsigned char)title[k - 1] & 0xC0) == 0xC0;)
			title[--k] = '\0';
		nc.title = title;
	}
	if ((rc = px_api_obs_read(&obs, b)) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	nc.observables = obs.v;
	nc.nobservables = obs.n;
	if ((rc = px_body_new_case(&body, &type, n, &nc)) < 0 ||
	    (rc = px_app_send(req->app, nc.to, NULL, type, body, &m)) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	px_case_ref(ref, m->case_id);
	o = json_pack("{ssssssssss}", "case", m->case_id, "ref", ref, "peer",
	    m->to, "message", m->hash, "type", px_msg_type_names[m->type].wire);
	px_api_json(r, 201, o);
out:
	px_api_obs_dispose(&obs);
	px_msg_free(m);
	json_decref(body);
	json_decref(b);
	return 0;
}

static int
checks_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *peer = px_api_query(req, "peer"),
	     *open = px_api_query(req, "open");
	json_t *list = NULL;
	int rc;

	if (n == NULL)
		goto out;
	if ((rc = px_check_list(
	         &list, n, NULL, peer, truthy(open), px_time_now_ms())) < 0)
		px_api_fail(r, rc);
	else
		px_api_json(r, 200, list);
out:
	free(peer);
	free(open);
	return 0;
}

static int
checks_post(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	struct px_check_sent s;
	json_t *b;
	int64_t within = 0;
	char ref[9], due[PX_TIME_STRLEN];
	int rc;

	if (n == NULL || (b = px_api_body(req, r)) == NULL)
		return 0;
	if (jstr(b, "peer") == NULL || jstr(b, "contact") == NULL) {
		px_problem(r, 400, NULL, "a check needs 'peer' and 'contact'");
		goto out;
	}
	if (jstr(b, "within") &&
	    (rc = px_duration_parse(&within, jstr(b, "within"), 0)) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	if ((rc = px_check_send(
	         n, jstr(b, "peer"), jstr(b, "contact"), within, &s)) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	px_case_ref(ref, s.case_id);
	px_time_format(due, s.due_ms);
	/* The token is not returned: it went to the person by e-mail. */
	px_api_json(r, 201,
	    json_pack("{ssssssss}", "case", s.case_id, "ref", ref, "contact",
	        jstr(b, "contact"), "due", due));
out:
	json_decref(b);
	return 0;
}

static int
check_reply_post(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	struct px_msg *m = NULL;
	json_t *b;
	int rc;

	if (n == NULL ||
	    (b = req->body_len ? px_api_body(req, r) : json_object()) == NULL)
		return 0;
	if ((rc = px_check_reply(n, req->params[0], jstr(b, "token"),
	         jstr(b, "by"), jstr(b, "text"), &m)) < 0)
		px_api_fail(r, rc);
	else
		px_api_json(r, 200,
		    json_pack("{sssssb}", "case", m->case_id, "message",
		        m->hash, "counted", jstr(b, "token") != NULL));
	px_msg_free(m);
	json_decref(b);
	return 0;
}

static int
contacts_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *peer = px_api_query(req, "peer");
	json_t *dir = NULL;
	int rc;

	if (n != NULL) {
		if ((rc = px_node_contacts(&dir, n, peer, px_time_now_ms())) <
		    0)
			px_api_fail(r, rc);
		else
			px_api_json(r, 200, dir);
	}
	free(peer);
	return 0;
}

static int
add_notice(const struct px_notify_row *row, void *arg)
{
	char c[PX_TIME_STRLEN], s[PX_TIME_STRLEN], nx[PX_TIME_STRLEN];
	json_t *o;

	px_time_format(c, row->created_ms);
	px_time_format(nx, row->next_ms);
	if (row->sent_ms >= 0)
		px_time_format(s, row->sent_ms);
	/* The body is not listed: a check's e-mail carries its token. */
	o = json_pack("{sIsssssssssssssIss}", "id", (json_int_t)row->id,
	    "created", c, "contact", row->contact, "channel", row->channel,
	    "address", row->address, "subject", row->subject, "status",
	    row->status, "attempts", (json_int_t)row->attempts, "next", nx);
	json_object_set_new(
	    o, "case", row->case_id ? json_string(row->case_id) : json_null());
	json_object_set_new(
	    o, "sent", row->sent_ms >= 0 ? json_string(s) : json_null());
	json_object_set_new(o, "last_error",
	    row->last_error ? json_string(row->last_error) : json_null());
	json_array_append_new(arg, o);
	return 0;
}

static int
notifications_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *status = px_api_query(req, "status");
	char *cs = px_api_query(req, "case");
	char *case_id = NULL;
	struct px_notify_filter f = { .status = status, .limit = 500 };
	json_t *list = json_array();
	int rc;

	if (n == NULL)
		goto out;
	if (cs && (rc = PX_STORE_CALL(n->store, case_find, cs, &case_id)) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	f.case_id = case_id;
	if ((rc = PX_STORE_CALL(n->store, notify_list, &f, add_notice, list)) <
	    0) {
		px_api_fail(r, rc);
		goto out;
	}
	px_api_json(r, 200, list);
	list = NULL;
out:
	json_decref(list);
	free(status);
	free(cs);
	free(case_id);
	return 0;
}

const struct px_route px_routes_deadlines[] = {
	{ "GET", "/api/v1/hotlines", hotlines_get, PX_AUTH_TOKEN, 0, NULL },
	{ "GET", "/api/v1/hotlines/{id}", hotlines_get, PX_AUTH_TOKEN, 0,
	    NULL },
	{ "POST", "/api/v1/hotlines", hotlines_post, PX_AUTH_TOKEN, 1 << 20,
	    "application/json" },
	{ "GET", "/api/v1/checks", checks_get, PX_AUTH_TOKEN, 0, NULL },
	{ "POST", "/api/v1/checks", checks_post, PX_AUTH_TOKEN, 1 << 16,
	    "application/json" },
	{ "POST", "/api/v1/checks/{id}/reply", check_reply_post, PX_AUTH_TOKEN,
	    1 << 16, "application/json" },
	{ "GET", "/api/v1/contacts", contacts_get, PX_AUTH_TOKEN, 0, NULL },
	{ "GET", "/api/v1/notifications", notifications_get, PX_AUTH_TOKEN, 0,
	    NULL },
};
const size_t px_routes_deadlines_n = PX_ARRAY_LEN(px_routes_deadlines);
