/*
 * Exercises over the analyst API (docs/api.md, docs/exercises.md):
 *
 *   GET  /api/v1/exercises                   exercises and drafts
 *   GET  /api/v1/exercises/scenarios         the shipped scenarios
 *   POST /api/v1/exercises                   {"scenario": NAME | {...},
 *        "format"?, "peer"?, "start"?, "time_scale"?, "control"?: [NAME],
 *        "text"?}: with a peer, propose; without, keep a draft
 *   POST /api/v1/exercises/stop              {"text"}: a real-world stop of
 *                                            every exercise not ended
 *   GET  /api/v1/exercises/{id}              the exercise (the control
 *                                            cell's view for duty/admin)
 *   POST /api/v1/exercises/{id}/{action}     accept, decline, withdraw,
 *        schedule, start, pause, resume, end, fire, skip, delay, stop,
 *        say, reveal, evaluate, sign, plan; the body holds the action's
 *        members (docs/exercises.md, "Control")
 *   GET  /api/v1/exercises/{id}/report?format=json|html|csv&lang=en|zh
 *        &download=1                         the after-action report
 *
 * Everything but reading is the duty desk's or an admin's (routes.c).
 */
#include "api/json.h"
#include "api/routes.h"
#include "model/canon.h"
#include "model/signed.h"
#include "net/problem.h"
#include "node/exercise.h"
#include "report/aar.h"
#include "util/util.h"

static int
list_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	json_t *l = NULL;
	int rc;

	if (n == NULL)
		return 0;
	if ((rc = px_exercise_list(&l, n, px_time_now_ms())) < 0)
		return px_api_fail(r, rc);
	return px_api_json(r, 200, l);
}

static int
scenarios_get(const struct px_http_req *req, struct px_http_resp *r)
{
	(void)req;
	return px_api_json(r, 200, px_exercise_shipped());
}

/* Whether the asking token may see what the control cell sees. */
static bool
controller(const struct px_http_req *req)
{
	char *who = NULL;
	int role = -1;

	if (px_app_token(req->app, req->bearer, &who, &role) < 0)
		role = -1;
	free(who);
	return role >= PX_ROLE_DUTY;
}

static int
view(struct px_http_resp *r, struct px_node *n, const char *id, bool ctl,
    int status, const struct px_msg *sent)
{
	struct px_xctx x;
	json_t *v;
	int rc;

	if ((rc = px_xctx_load(&x, n, id)) < 0)
		return px_api_fail(r, rc);
	v = px_exercise_view(n, &x, px_time_now_ms(), ctl);
	px_xctx_dispose(&x);
	if (sent)
		json_object_set_new(v, "sent",
		    json_pack("{ss ss ss sI}", "type",
		        px_msg_type_names[sent->type].wire, "message",
		        sent->hash, "case", sent->case_id, "seq",
		        (json_int_t)sent->seq));
	return px_api_json(r, status, v);
}

static int
one_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);

	if (n == NULL)
		return 0;
	return view(r, n, req->params[0], controller(req), 200, NULL);
}

static const char *const propose_members[] = { "scenario", "format", "peer",
	"start", "time_scale", "control", "text", "lang", NULL };
static const char *const stop_members[] = { "text", "lang", NULL };
static const char *const say_members[] = { "inject", "as", "text", "lang",
	NULL };

static int
propose_post(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	json_t *b = NULL, *doc = NULL;
	const json_t *sc, *ctl;
	const char **names = NULL;
	struct px_msg *m = NULL;
	char *draft = NULL, id[PX_UUID_STRLEN];
	struct px_xpropose o = { .start = -1 };
	int rc;

	if (n == NULL || (b = px_api_body(req, r)) == NULL)
		goto out;
	/* A misspelt member must not be ignored: "time_sacle" would play an
	 * hour in an hour. */
	if ((rc = px_j_only(b, propose_members, "the request body")) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	sc = json_object_get(b, "scenario");
	if (json_is_string(sc)) {
		rc = px_exercise_find(&doc, &draft, n, json_string_value(sc));
	} else if (json_is_object(sc)) {
		char *text = px_canon_string(sc);

		rc = text ? px_exercise_read(&doc, text, strlen(text),
		                json_string_value(json_object_get(b, "format")),
		                "scenario")
		          : PX_EINVAL;
		free(text);
	} else {
		px_problem(r, 400, NULL,
		    "'scenario' must name a shipped scenario or a draft, or "
		    "hold a scenario object (parley JSON or CEXF)");
		goto out;
	}
	if (rc < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	if (!json_is_string(json_object_get(b, "peer"))) {
		/* No peer: keep it as a draft. */
		if ((rc = px_exercise_draft(n, doc, id)) < 0) {
			px_api_fail(r, rc);
			goto out;
		}
		px_api_json(r, 201,
		    json_pack("{ss sO}", "draft", id, "name",
		        json_object_get(doc, "name")));
		goto out;
	}
	o.peer = json_string_value(json_object_get(b, "peer"));
	o.scenario = doc;
	o.draft = draft;
	o.text = json_string_value(json_object_get(b, "text"));
	o.lang = json_string_value(json_object_get(b, "lang"));
	if (json_object_get(b, "time_scale")) {
		if (!json_is_integer(json_object_get(b, "time_scale"))) {
			px_problem(r, 422, NULL,
			    "'time_scale' must be a whole number 1 to 10000");
			goto out;
		}
		o.scale = json_integer_value(json_object_get(b, "time_scale"));
		if (o.scale < 1) {
			px_problem(r, 422, NULL,
			    "'time_scale' must be a whole number 1 to 10000");
			goto out;
		}
	}
	if (json_object_get(b, "start") &&
	    px_time_parse(&o.start,
	        json_string_value(json_object_get(b, "start")), 0) < 0) {
		px_problem(r, 422, NULL,
		    "'start' must be an RFC 3339 time like "
		    "2026-12-01T09:00:00Z");
		goto out;
	}
	if ((ctl = json_object_get(b, "control")) != NULL) {
		const json_t *v;
		size_t i;

		if (!json_is_array(ctl) || json_array_size(ctl) > 100) {
			px_problem(r, 422, NULL,
			    "'control' must be an array of names");
			goto out;
		}
		names = px_calloc(json_array_size(ctl) + 1, sizeof(*names));
		json_array_foreach(ctl, i, v)
		{
			if (!json_is_string(v)) {
				px_problem(r, 422, NULL,
				    "'control' must be an array of names");
				goto out;
			}
			names[o.ncontrol++] = json_string_value(v);
		}
		o.control = names;
	}
	if ((rc = px_exercise_propose(n, &o, &m)) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	view(r, n, m->case_id, true, 201, m);
out:
	free(names);
	free(draft);
	px_msg_free(m);
	json_decref(doc);
	json_decref(b);
	return 0;
}

static int
stop_post(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	json_t *b = NULL, *list = NULL;
	int rc;

	if (n == NULL || (b = px_api_body(req, r)) == NULL)
		goto out;
	if ((rc = px_j_only(b, stop_members, "the request body")) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	if ((rc = px_exercise_stop_all(n,
	         json_string_value(json_object_get(b, "text")),
	         json_string_value(json_object_get(b, "lang")), &list)) < 0) {
		px_api_fail(r, rc);
		goto out;
	}
	px_api_json(r, 200, json_pack("{so}", "stopped", list));
out:
	json_decref(b);
	return 0;
}

static bool
known_action(const char *a)
{
	for (size_t i = 0; px_control_actions[i]; i++)
		if (strcmp(px_control_actions[i], a) == 0)
			return true;
	return false;
}

static int
action_post(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	const char *act = req->params[1];
	json_t *b = NULL;
	struct px_msg *m = NULL;
	int rc;

	if (n == NULL)
		return 0;
	if (strcmp(act, "say") != 0 && !known_action(act))
		return px_problem(r, 404, NULL,
		    "no exercise action '%s' (expected one of accept, "
		    "decline, withdraw, schedule, start, pause, resume, end, "
		    "fire, skip, delay, stop, say, reveal, evaluate, sign, "
		    "plan)",
		    act);
	if (req->body_len == 0)
		b = json_object();
	else if ((b = px_api_body(req, r)) == NULL)
		return 0;
	/* The route names the action; a control's other members are
	 * checked by the message's own rules (docs/protocol.md), which
	 * refuse any it does not take. */
	if (strcmp(act, "say") == 0)
		rc = px_j_only(b, say_members, "the request body");
	else if (json_object_get(b, "action") || json_object_get(b, "exercise"))
		rc = px_error_set(PX_EINVAL,
		    "the request body: unexpected member '%s' (the route "
		    "names the action and the exercise)",
		    json_object_get(b, "action") ? "action" : "exercise");
	else
		rc = 0;
	if (rc < 0) {
		px_api_fail(r, rc);
		json_decref(b);
		return 0;
	}
	/* Free text may come as a plain string, the face's habit. */
	if (json_is_string(json_object_get(b, "text")) &&
	    strcmp(act, "say") != 0)
		json_object_set_new(b, "text",
		    px_text_new(json_string_value(json_object_get(b, "text")),
		        json_string_value(json_object_get(b, "lang"))
		            ? json_string_value(json_object_get(b, "lang"))
		            : "en",
		        NULL, NULL, NULL));
	json_object_del(b, "lang");
	if (strcmp(act, "say") == 0) {
		rc = px_exercise_say(n, req->params[0],
		    json_string_value(json_object_get(b, "inject")),
		    json_string_value(json_object_get(b, "as")),
		    json_string_value(json_object_get(b, "text")), NULL, &m);
	} else {
		json_object_set_new(b, "action", json_string(act));
		rc = px_exercise_control(n, req->params[0], b, &m);
	}
	if (rc < 0)
		px_api_fail(r, rc);
	else
		view(r, n, req->params[0], true, 201, m);
	px_msg_free(m);
	json_decref(b);
	return 0;
}

static int
report_get(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_api_node(req, r);
	char *fmt = px_api_query(req, "format"),
	     *lang = px_api_query(req, "lang");
	char *dl = px_api_query(req, "download");
	const char *f = fmt ? fmt : "json";
	json_t *rep = NULL;
	int rc;

	if (n == NULL)
		goto out;
	if ((rc = px_aar_make(&r->body, &rep, n, req->params[0],
	         px_time_now_ms(), f, lang ? lang : "en")) < 0) {
		px_buf_reset(&r->body);
		px_api_fail(r, rc);
		goto out;
	}
	r->status = 200;
	r->content_type = strcmp(f, "html") == 0 ? "text/html; charset=utf-8"
	    : strcmp(f, "csv") == 0              ? "text/csv; charset=utf-8"
	                                         : "application/json";
	if (dl && strcmp(dl, "0") != 0)
		r->extra_headers = px_asprintf(
		    "Content-Disposition: attachment; "
		    "filename=\"parley-exercise-%s.%s\"\r\n",
		    json_string_value(
		        json_object_get(json_object_get(rep, "aar"), "ref")),
		    f);
out:
	json_decref(rep);
	free(fmt);
	free(lang);
	free(dl);
	return 0;
}

const struct px_route px_routes_exercises[] = {
	{ "GET", "/api/v1/exercises", list_get, PX_AUTH_TOKEN, 0, NULL },
	{ "POST", "/api/v1/exercises", propose_post, PX_AUTH_TOKEN, 8 << 20,
	    "application/json" },
	{ "GET", "/api/v1/exercises/scenarios", scenarios_get, PX_AUTH_TOKEN, 0,
	    NULL },
	{ "POST", "/api/v1/exercises/stop", stop_post, PX_AUTH_TOKEN, 1 << 16,
	    "application/json" },
	{ "GET", "/api/v1/exercises/{id}", one_get, PX_AUTH_TOKEN, 0, NULL },
	{ "GET", "/api/v1/exercises/{id}/report", report_get, PX_AUTH_TOKEN, 0,
	    NULL },
	{ "POST", "/api/v1/exercises/{id}/{action}", action_post, PX_AUTH_TOKEN,
	    1 << 20, "application/json" },
};
const size_t px_routes_exercises_n = PX_ARRAY_LEN(px_routes_exercises);
