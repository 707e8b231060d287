/*
 * /api/v1/cases: what an analyst can do with cases, the same as the CLI.
 *
 *   GET  /api/v1/cases[?state=S&peer=P&overdue=1&open=1&assignee=A]
 *                                       (A: a person's id, me or none)
 *   POST /api/v1/cases                  open one (body: to, kind, category,
 *                                       priority, tlp, title, text, lang,
 *                                       request_type, observables[])
 *   GET  /api/v1/cases/{id}             the case (ETag; 304)
 *   POST /api/v1/cases/{id}/{action}    ack, triage, update, result,
 *                                       close, withdraw, rate, note;
 *                                       internal-note, assign, watch,
 *                                       unwatch (ours alone, never sent)
 */
#include "api/json.h"
#include "model/observable.h"
#include "api/routes.h"
#include "crypto/sign.h"
#include "model/canon.h"
#include "net/problem.h"
#include "node/actions.h"
#include "node/interop.h"
#include "node/desk.h"
#include "node/inote.h"
#include "node/view.h"
#include "util/util.h"

static const char *
jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The answer to a message sent: the case's state with it applied, as
 * the send gave it (`state`; read back from the store when NULL: replaying
 * the case was a twentieth of a sending node's CPU under load). */
static int
answer_sent(struct px_http_resp *r, struct px_node *n, const struct px_msg *m,
    const enum px_state *state, int status)
{
	struct px_case c;
	char ref[9];
	json_t *o;

	px_case_ref(ref, m->case_id);
	px_case_init(&c);
	c.state = PX_ST_SENT;
	if (state)
		c.state = *state;
	else if (px_node_case_load(&c, n, m->case_id, NULL) < 0) {
		px_case_init(&c);
		c.state = PX_ST_SENT;
	}
	o = json_pack("{sssssssssIss}", "case", m->case_id, "ref", ref,
	    "message", m->hash, "type", px_msg_type_names[m->type].wire, "seq",
	    (json_int_t)m->seq, "state", px_state_names[c.state].wire);
	px_case_dispose(&c);
	return px_api_json(r, status, o);
}

/* The request's "preservation" object, "wanted" list and "excerpts"
 * ([{source, text, tool}]) in the form px_new_case takes. */
struct extras {
	char **pres, **exc;
	const char **want;
	size_t npres, nexc, nwant;
};

static void
request_extras_dispose(struct extras *e)
{
	for (size_t i = 0; i < e->npres; i++)
		free(e->pres[i]);
	for (size_t i = 0; i < e->nexc; i++)
		free(e->exc[i]);
	free(e->pres);
	free(e->exc);
	free(e->want);
}

static int
request_extras(struct extras *e, struct px_new_case *nc, const json_t *b)
{
	const json_t *p = json_object_get(b, "preservation"), *v;
	const json_t *w = json_object_get(b, "wanted");
	const json_t *x = json_object_get(b, "excerpts");
	const char *k;
	size_t i;

	e->pres = px_calloc(json_object_size(p) + 1, sizeof(char *));
	json_object_foreach((json_t *)p, k, v)
	{
		if (!json_is_string(v))
			return px_error_set(PX_EINVAL,
			    "preservation: '%s' must be a string", k);
		e->pres[e->npres++] =
		    px_asprintf("%s=%s", k, json_string_value(v));
	}
	e->want = px_calloc(json_array_size(w) + 1, sizeof(char *));
	json_array_foreach(w, i, v) if (json_is_string(v)) e->want[e->nwant++] =
	    json_string_value(v);
	e->exc = px_calloc(json_array_size(x) + 1, sizeof(char *));
	json_array_foreach(x, i, v)
	{
		if (!json_is_string(json_object_get(v, "source")) ||
		    !json_is_string(json_object_get(v, "text")))
			return px_error_set(PX_EINVAL,
			    "excerpt %zu needs source and text", i + 1);
		e->exc[e->nexc++] =
		    px_asprintf("%s=%s", jstr(v, "source"), jstr(v, "text"));
		if (jstr(v, "tool"))
			nc->excerpt_tool = jstr(v, "tool");
	}
	nc->preserve = (const char *const *)e->pres;
	nc->npreserve = e->npres;
	nc->wanted = e->want;
	nc->nwanted = e->nwant;
	nc->excerpts = (const char *const *)e->exc;
	nc->nexcerpts = e->nexc;
	return 0;
}

/* Adds the linked case to a forward's answer (already JSON in r). */
static void
forward_answer(struct px_http_resp *r, const struct px_msg *o)
{
	json_t *j = NULL;

	if (px_json_parse(
	        &j, r->body.data, r->body.len, r->body.len + 1, "answer") < 0)
		return;
	json_object_set_new(j, "forwarded_to", json_string(o->to));
	json_object_set_new(j, "linked_case", json_string(o->case_id));
	px_buf_reset(&r->body);
	px_api_json(r, 200, j);
}

/* The answer for a person who is not one of ours (px_desk_check_person's
 * error), the same on every route. */
static void
unknown_person(struct px_http_resp *r, const char *where)
{
	px_problem_type(r, 404, "urn:parley:problem:unknown-person",
	    "Unknown person", "%s: %s", where, px_error_last());
}

/* What each case route's body may hold (px_api_members). */
static const char *const case_members[] = { "s:to", "s:kind", "s:category",
	"s:priority", "s:tlp", "s:title", "s:request_type",
	PX_API_TEXT_MEMBERS("text"), "*:observables", "o:preservation",
	"a:wanted", "a:excerpts", "b:check", NULL };
static const char *const action_members[] = { PX_API_TEXT_MEMBERS("text"),
	"s:comment", "s:decision", "s:reason", "s:outcome", "s:by", "a:missing",
	"*:observables", "*:score", "s:to", NULL };
static const char *const inote_members[] = { "s:text", "s:lang", NULL };
static const char *const desk_members[] = { "S:person", NULL };

static int
cases_post(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	json_t *b, *body = NULL;
	struct px_api_obs obs;
	struct px_new_case nc = { 0 };
	struct px_msg *m = NULL;
	enum px_msg_type type;
	enum px_state state;
	struct extras ex = { 0 };
	json_t *miss = NULL;
	int rc;

	px_api_obs_init(&obs);
	if (n == NULL || (b = px_api_body(req, r)) == NULL)
		return 0;
	if (px_api_members(r, b, case_members, "a new case") < 0)
		goto out;
	nc.to = jstr(b, "to");
	nc.kind = jstr(b, "kind");
	nc.category = jstr(b, "category");
	nc.priority = jstr(b, "priority");
	nc.tlp = jstr(b, "tlp");
	nc.title = jstr(b, "title");
	nc.request_type = jstr(b, "request_type");
	nc.text = px_api_text_in(b, "text");
	if ((rc = px_api_obs_read(&obs, b)) < 0)
		goto fail;
	nc.observables = obs.v;
	nc.nobservables = obs.n;
	if ((rc = request_extras(&ex, &nc, b)) < 0 ||
	    (rc = px_body_new_case(&body, &type, n, &nc)) < 0)
		goto fail;
	miss = px_case_completeness(body, NULL);
	/* "check": what a receiver would miss, nothing sent. */
	if (json_is_true(json_object_get(b, "check"))) {
		px_api_json(r, 200, json_pack("{sO}", "completeness", miss));
		goto out;
	}
	if ((rc = px_app_send_state(
	         req->app, nc.to, NULL, type, body, &m, &state)) < 0)
		goto fail;
	answer_sent(r, n, m, &state, 201);
	/* The answer says what the receiver will miss. */
	{
		json_t *o = NULL;

		if (px_json_parse(&o, r->body.data, r->body.len,
		        r->body.len + 1, "answer") == 0) {
			json_object_set(o, "completeness", miss);
			px_buf_reset(&r->body);
			px_api_json(r, 201, o);
		}
	}
	goto out;
fail:
	px_api_fail(r, rc);
out:
	request_extras_dispose(&ex);
	json_decref(miss);
	px_api_obs_dispose(&obs);
	px_msg_free(m);
	json_decref(body);
	json_decref(b);
	return 0;
}

/* POST /api/v1/cases/{id}/internal-note {"text", "lang"?}: a note kept
 * here only (node/inote.h), signed as written by the token's name. */
static int
internal_note_post(
    const struct px_http_req *req, struct px_http_resp *r, struct px_node *n)
{
	json_t *b;
	char *who = NULL, hash[65];
	int role, rc;

	if ((b = req->body_len ? px_api_body(req, r) : json_object()) == NULL)
		return 0;
	if (px_api_members(r, b, inote_members, "an internal note") < 0)
		goto out;
	if (req->bearer && px_app_token(req->app, req->bearer, &who, &role) < 0)
		who = NULL;
	if ((rc = px_inote_add(n, req->params[0], who, jstr(b, "text"),
	         jstr(b, "lang"), px_time_now_ms(), hash)) < 0)
		px_api_fail(r, rc);
	else
		px_api_json(
		    r, 201, json_pack("{sssb}", "hash", hash, "internal", 1));
out:
	free(who);
	json_decref(b);
	return 0;
}

/* POST /api/v1/cases/{id}/assign {"person": ID or null}, .../watch and
 * .../unwatch {"person": ID (default: the token's own person)}: who on
 * our desk holds the case (node/desk.h); nothing is sent.  Answers the
 * case's {"assignee", "since", "watchers"}. */
static int
desk_post(const struct px_http_req *req, struct px_http_resp *r,
    struct px_node *n, const char *act)
{
	const json_t *pv;
	const char *person = NULL;
	char *id = NULL, *token = NULL;
	json_t *b, *d;
	int role, rc;

	if ((b = req->body_len ? px_api_body(req, r) : json_object()) == NULL)
		return 0;
	if (px_api_members(r, b, desk_members, act) < 0)
		goto out;
	pv = json_object_get(b, "person");
	person = json_string_value(pv);
	if (pv == NULL && strcmp(act, "assign") != 0 && req->bearer &&
	    px_app_token(req->app, req->bearer, &token, &role) == 0)
		person = px_desk_token_person(n, token);
	if (pv == NULL && person == NULL) {
		px_problem_type(r, 422, "urn:parley:problem:invalid",
		    "Invalid input",
		    "%s: member 'person' is required (one of our people's "
		    "ids%s)",
		    act,
		    strcmp(act, "assign") == 0
		        ? ", or null to take the case from whoever holds it"
		        : "; without it, the token's own person, and this "
		          "token acts as none");
		goto out;
	}
	if (person && px_desk_check_person(n, person) < 0) {
		unknown_person(r, act);
		goto out;
	}
	rc = strcmp(act, "assign") == 0
	    ? px_desk_assign(n, req->params[0], person, px_time_now_ms(), &id)
	    : px_desk_watch(n, req->params[0], person,
	          strcmp(act, "watch") == 0, px_time_now_ms(), &id);
	if (rc < 0 || (d = px_desk_people(n, id)) == NULL)
		px_api_fail(r, rc < 0 ? rc : PX_ERR);
	else
		px_api_json(r, 200, d);
out:
	free(id);
	free(token);
	json_decref(b);
	return 0;
}

static int
action_post(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	const char *act = req->params[1];
	json_t *b, *body = NULL;
	struct px_msg *m = NULL;
	struct px_action a = { 0 };
	enum px_state state;
	const char **missing = NULL;
	struct px_api_obs obs;
	char score[8] = "", *who = NULL;
	int type = -1, rc, role;

	px_api_obs_init(&obs);
	if (n == NULL)
		return 0;
	if (strcmp(act, "internal-note") == 0)
		return internal_note_post(req, r, n);
	if (strcmp(act, "assign") == 0 || strcmp(act, "watch") == 0 ||
	    strcmp(act, "unwatch") == 0)
		return desk_post(req, r, n, act);
	/* By the API's name, or the message type's ("feedback"). */
	for (size_t i = 0; i < px_case_actions_n; i++)
		if (strcmp(px_case_actions[i].name, act) == 0 ||
		    strcmp(px_msg_type_names[px_case_actions[i].type].wire,
		        act) == 0)
			type = (int)px_case_actions[i].type;
	if (type < 0)
		return px_problem(r, 404, NULL,
		    "no action '%s' (expected ack, triage, update, result, "
		    "close, withdraw, rate, note, internal-note, escalate, "
		    "assign, watch, unwatch)",
		    req->params[1]);
	if ((b = req->body_len ? px_api_body(req, r) : json_object()) == NULL)
		return 0;
	if (px_api_members(r, b, action_members, act) < 0)
		goto out;
	a.text = px_api_text_in(b,
	    type == PX_MSG_FEEDBACK && jstr(b, "comment") ? "comment" : "text");
	a.decision = jstr(b, "decision");
	a.reason = jstr(b, "reason");
	a.outcome = jstr(b, "outcome");
	a.by = jstr(b, "by");
	{
		const json_t *ms = json_object_get(b, "missing"), *v;
		size_t i;

		missing = px_calloc(json_array_size(ms) + 1, sizeof(char *));
		json_array_foreach(ms, i, v) if (json_is_string(v))
		    missing[a.nmissing++] = json_string_value(v);
		a.missing = missing;
	}
	if ((rc = px_api_obs_read(&obs, b)) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	a.observables = obs.v;
	a.nobservables = obs.n;
	/* A token bound to one person (named after one of our contacts)
	 * acknowledges as that person: the page they were sent is then the
	 * one answered.  Any other token names nobody, and the record says
	 * so rather than crediting whoever was paged last. */
	if (type == PX_MSG_ACK && a.by == NULL && req->bearer &&
	    px_app_token(req->app, req->bearer, &who, &role) == 0) {
		const char *sub;

		for (size_t i = 0; (sub = px_conf_sub(&n->conf, "contact", i));
		     i++)
			if (strcmp(sub, who) == 0)
				a.by = who;
	}
	if (json_is_integer(json_object_get(b, "score")))
		snprintf(score, sizeof(score), "%lld",
		    (long long)json_integer_value(json_object_get(b, "score")));
	a.score = score[0] ? score : jstr(b, "score");
	/* Forwarding to a third party signs two messages in one
	 * transaction, on this thread's own handle (docs/interop.md). */
	if (type == PX_MSG_TRIAGE && jstr(b, "to")) {
		struct px_msg *o = NULL;

		if ((rc = px_node_forward(
		         &m, &o, n, req->params[0], jstr(b, "to"), &a)) < 0) {
			px_api_fail(r, rc);
		} else {
			answer_sent(r, n, m, NULL, 200);
			forward_answer(r, o);
		}
		px_msg_free(o);
	} else if ((rc = px_body_action(&body, n, (enum px_msg_type)type, &a)) <
	        0 ||
	    (rc = px_app_send_state(req->app, NULL, req->params[0],
	         (enum px_msg_type)type, body, &m, &state)) < 0) {
		px_api_fail(r, rc);
	} else {
		answer_sent(r, n, m, &state, 200);
	}
out:
	px_api_obs_dispose(&obs);
	px_msg_free(m);
	json_decref(body);
	json_decref(b);
	free(missing);
	free(who);
	return 0;
}

/* The instant a clock of the case changes state by itself (a running
 * clock's deadline passing), or INT64_MAX. */
static int64_t
next_change(const struct px_case *c, const struct px_peer *p,
    const struct px_calendar *cal, int64_t now)
{
	struct px_clock_status s[PX_CLK__N];
	int64_t t = INT64_MAX;

	px_case_clocks(s, c, px_peer_case_terms(p, c, NULL), cal, now);
	for (int k = 0; k < PX_CLK__N; k++)
		if (s[k].state == PX_CS_RUNNING && s[k].deadline > now &&
		    s[k].deadline < t)
			t = s[k].deadline + 1;
	return t;
}

static int
case_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	struct px_peer *p = NULL;
	struct px_case c;
	int64_t now = px_time_now_ms(), stamp = -1;
	uint8_t h[32];
	char hex[65], *text;
	json_t *j;
	int rc;

	if (n == NULL)
		return 0;
	/* A cached view of an unchanged case is served as is. */
	if (PX_STORE_CALL(n->store, case_stamp, req->params[0], &stamp) == 0 &&
	    (text = px_app_view_get(
	         req->app, req->params[0], stamp, now, r->etag)) != NULL) {
		r->status = 200;
		r->content_type = "application/json";
		rc = px_buf_adds(&r->body, text);
		free(text);
		return rc < 0 ? px_problem(r, 500, NULL, "too large") : 0;
	}
	if ((rc = px_node_case_load(&c, n, req->params[0], &p)) < 0)
		return px_api_fail(r, rc);
	j = px_view_case(n, &c, p, now);
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	px_sha256(h, text, strlen(text));
	px_hex_encode(hex, h, 16);
	snprintf(r->etag, sizeof(r->etag), "%s", hex);
	/* At most 10 s: an agreement or card change does not touch the
	 * case's stamp. */
	if (stamp >= 0) {
		int64_t until =
		    next_change(&c, p, px_node_case_calendar(n, &c, p), now);

		px_app_view_put(req->app, c.id, stamp,
		    until < now + 10000 ? until : now + 10000, text, r->etag);
	}
	r->status = 200;
	r->content_type = "application/json";
	rc = px_buf_adds(&r->body, text);
	free(text);
	px_case_dispose(&c);
	px_peer_free(p);
	return rc < 0 ? px_problem(r, 500, NULL, "too large") : 0;
}

struct list_ctx {
	struct px_app *app;
	struct px_node *n;
	struct px_buf *out; /* the JSON array being written */
	size_t rows;
	bool overdue_only;
	/* ?assignee=: only the cases this person holds; "none": only the
	 * cases nobody holds (NULL: all). */
	const char *assignee;
	int64_t now;
	/* Each peer's state loaded once per request, not once per case. */
	struct px_peer **peers;
	size_t npeers;
};

static int
list_peer(struct px_peer **out, struct list_ctx *lc, const char *name)
{
	int rc;

	for (size_t i = 0; i < lc->npeers; i++)
		if (strcmp(lc->peers[i]->row.name, name) == 0) {
			*out = lc->peers[i];
			return 0;
		}
	if ((rc = px_peer_load(out, lc->n, name)) < 0)
		return rc;
	lc->peers =
	    px_realloc(lc->peers, (lc->npeers + 1) * sizeof(*lc->peers));
	lc->peers[lc->npeers++] = *out;
	return 0;
}

/* One row of the list, as compact JSON text (sorted keys, like the whole
 * answer), whether it is overdue, and when a clock of it next changes
 * state by itself. */
static int
list_row(char **text, bool *overdue, int64_t *until,
    const struct px_case_row *row, struct px_peer *p, struct list_ctx *lc)
{
	const struct px_calendar *cal;
	const struct px_agreement *ag;
	struct px_case c;
	char ref[9], upd[PX_TIME_STRLEN];
	json_t *o;
	int rc;

	if ((rc = px_node_case_load(&c, lc->n, row->id, NULL)) < 0)
		return rc;
	cal = px_node_case_calendar(lc->n, &c, p);
	ag = px_peer_case_terms(p, &c, NULL);
	*overdue = px_case_overdue(&c, ag, cal, lc->now);
	*until = next_change(&c, p, cal, lc->now);
	px_case_ref(ref, c.id);
	px_time_format(upd, row->updated_ms);
	o = json_pack("{ss ss ss ss ss ss ss ss ss ss sb so ss}", "id", c.id,
	    "ref", ref, "kind", px_kind_names[c.kind].wire, "priority",
	    px_priority_names[c.priority].wire, "tlp", px_tlp_names[c.tlp].wire,
	    "state", px_state_names[c.state].wire, "peer", row->peer,
	    "direction", strcmp(c.requester, lc->n->name) == 0 ? "out" : "in",
	    "title", c.title, "category", px_category_names[c.category].wire,
	    "overdue", *overdue, "clocks", px_view_clocks(&c, ag, cal, lc->now),
	    "updated", upd);
	/* A case of an exercise says so in every list (docs/exercises.md). */
	json_object_set_new(o, "exercise",
	    c.exercise_id ? json_string(c.exercise_id) : json_null());

	/* Who holds it on our desk (its stamp rises when that changes, so
	 * the row cache holds no stale assignee). */
	{
		json_t *d = px_desk_people(lc->n, c.id);

		json_object_set(o, "assignee",
		    d ? json_object_get(d, "assignee") : json_null());
		json_decref(d);
	}
	*text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	px_case_dispose(&c);
	return *text ? 0
	             : px_error_set(PX_ERR, "cannot encode case %s", row->id);
}

/* Cuts the answer back to `len` bytes (a row left out). */
static void
cut(struct px_buf *b, size_t len)
{
	b->len = len;
	b->data[len] = '\0';
}

/* Whether the row written at `mark` is held as ?assignee= asks. */
static bool
holder_matches(struct list_ctx *lc, size_t mark)
{
	json_t *o;
	const char *who;
	bool yes;

	if (lc->assignee == NULL)
		return true;
	if ((o = json_loads(lc->out->data + mark, 0, NULL)) == NULL)
		return false;
	who = json_string_value(json_object_get(o, "assignee"));
	yes = strcmp(lc->assignee, "none") == 0
	    ? who == NULL
	    : who != NULL && strcmp(who, lc->assignee) == 0;
	json_decref(o);
	return yes;
}

static int
list_one(const struct px_case_row *row, void *arg)
{
	struct list_ctx *lc = arg;
	struct px_peer *p = NULL;
	size_t mark = lc->out->len;
	char *text = NULL;
	bool overdue = false;
	int64_t until;
	int rc = 0;

	if (list_peer(&p, lc, row->peer) < 0)
		return 0; /* a case we cannot replay is listed by show */
	if (lc->rows && (rc = px_buf_addc(lc->out, ',')) < 0)
		goto out;
	if (!px_app_row_get(lc->app, row->id, row->updated_ms,
	        p->row.updated_ms, lc->now, lc->out, &overdue)) {
		if (list_row(&text, &overdue, &until, row, p, lc) < 0) {
			cut(lc->out, mark);
			return 0;
		}
		px_app_row_put(lc->app, row->id, row->updated_ms,
		    p->row.updated_ms, until, overdue, text);
		if ((rc = px_buf_adds(lc->out, text)) < 0)
			goto out;
	}
	if ((lc->overdue_only && !overdue) || !holder_matches(lc, mark))
		cut(lc->out, mark);
	else
		lc->rows++;
out:
	free(text);
	return rc;
}

/* GET /api/v1/cases.  A console polls it every few seconds: rows come
 * from the shared row cache (app.h), and the ETag is a hash of the query
 * and the answer, so it changes exactly when the answer does (a new
 * message or receipt, a clock passing its deadline, another query), and
 * a poll that finds nothing new is a 304. */
static int
cases_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *state = px_api_query(req, "state"),
	     *peer = px_api_query(req, "peer");
	char *overdue = px_api_query(req, "overdue");
	char *open = px_api_query(req, "open");
	char *assignee = px_api_query(req, "assignee"), *token = NULL;
	struct px_case_filter f = { .peer = peer,
		.state = state,
		.open_only = open && strcmp(open, "0") != 0 };
	struct list_ctx lc = { .app = req->app,
		.n = n,
		.out = &r->body,
		.overdue_only = overdue && strcmp(overdue, "0") != 0,
		.now = px_time_now_ms() };
	uint8_t h[PX_SHA256_LEN];
	char hex[2 * PX_SHA256_LEN + 1], *tag;
	int rc;

	if (n == NULL)
		goto out;
	if (state && (rc = PX_LOOKUP(px_state_names, "state", state)) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	/* "me": the person the token acts as (node/desk.h). */
	if (assignee && strcmp(assignee, "me") == 0) {
		int role;

		if (req->bearer == NULL ||
		    px_app_token(req->app, req->bearer, &token, &role) < 0 ||
		    px_desk_token_person(n, token) == NULL) {
			px_problem_type(r, 422, "urn:parley:problem:invalid",
			    "Invalid input",
			    "?assignee=me: this token acts as none of our "
			    "people (name a token after a [contact] to bind it "
			    "to that person)");
			goto out;
		}
		lc.assignee = token;
	} else if (assignee && strcmp(assignee, "none") != 0 &&
	    px_desk_check_person(n, assignee) < 0) {
		unknown_person(r, "?assignee");
		goto out;
	} else {
		lc.assignee = assignee;
	}
	if ((rc = px_buf_addc(&r->body, '[')) < 0 ||
	    (rc = PX_STORE_CALL(n->store, case_list, &f, list_one, &lc)) < 0 ||
	    (rc = px_buf_addc(&r->body, ']')) < 0) {
		px_buf_reset(&r->body);
		if (rc == PX_ETOOBIG)
			px_problem(r, 500, NULL,
			    "the list is larger than an answer may be; narrow "
			    "it with ?open=1, ?peer= or ?state=");
		else
			px_api_fail(r, rc);
		goto out;
	}
	/* The tag: a hash of the query and of the answer's hash. */
	px_sha256(h, r->body.data, r->body.len);
	px_hex_encode(hex, h, sizeof(h));
	tag = px_asprintf("%s\n%s", req->query ? req->query : "", hex);
	px_sha256(h, tag, strlen(tag));
	free(tag);
	px_hex_encode(r->etag, h, 16);
	r->status = 200;
	r->content_type = "application/json";
out:
	for (size_t i = 0; i < lc.npeers; i++)
		px_peer_free(lc.peers[i]);
	free(lc.peers);
	free(state);
	free(peer);
	free(overdue);
	free(open);
	free(assignee);
	free(token);
	return 0;
}

/* POST /api/v1/observables/check {"observables": ["...", ...]}: each
 * input as the node reads it, so that the console's form and the command
 * line accept exactly the same text (one parser: px_obs_parse_cli).  The
 * answer lists, in order, {"input", "type", "value"[, "unicode"]} or
 * {"input", "error"}; nothing is stored. */
static int
observables_check(const struct px_http_req *req, struct px_http_resp *r)
{
	const json_t *list, *x;
	json_t *b, *out;
	size_t i;

	if ((b = px_api_body(req, r)) == NULL)
		return 0;
	list = json_object_get(b, "observables");
	if (!json_is_array(list) || json_array_size(list) > PX_API_MAX_OBS) {
		json_decref(b);
		return px_problem(r, 422, NULL,
		    "observables must be an array of at most %d strings",
		    PX_API_MAX_OBS);
	}
	out = json_array();
	json_array_foreach(list, i, x)
	{
		struct px_observable o;
		json_t *e;
		char *u;

		if (!json_is_string(x)) {
			json_decref(out);
			json_decref(b);
			return px_problem(r, 422, NULL,
			    "observable %zu must be a string", i + 1);
		}
		e = json_pack("{ss}", "input", json_string_value(x));
		if (px_obs_parse_cli(&o, json_string_value(x)) < 0) {
			json_object_set_new(
			    e, "error", json_string(px_error_last()));
		} else {
			json_object_set_new(
			    e, "type", json_string(px_obs_type_name(o.type)));
			json_object_set_new(e, "value", json_string(o.value));
			u = px_obs_unicode(px_obs_type_name(o.type), o.value);
			if (u)
				json_object_set_new(
				    e, "unicode", json_string(u));
			free(u);
		}
		px_obs_dispose(&o);
		json_array_append_new(out, e);
	}
	json_decref(b);
	return px_api_json(r, 200, out);
}

const struct px_route px_routes_cases[] = {
	{ "POST", "/api/v1/observables/check", observables_check, PX_AUTH_TOKEN,
	    1 << 20, "application/json" },
	{ "GET", "/api/v1/cases", cases_get, PX_AUTH_TOKEN, 0, NULL },
	{ "POST", "/api/v1/cases", cases_post, PX_AUTH_TOKEN, 1 << 20,
	    "application/json" },
	{ "GET", "/api/v1/cases/{id}", case_get, PX_AUTH_TOKEN, 0, NULL },
	{ "POST", "/api/v1/cases/{id}/{action}", action_post, PX_AUTH_TOKEN,
	    1 << 20, "application/json" },
};
const size_t px_routes_cases_n = PX_ARRAY_LEN(px_routes_cases);
