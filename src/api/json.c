#include "api/json.h"
#include "node/desk.h"
#include "model/canon.h"
#include "net/problem.h"
#include "util/util.h"

int
px_api_json(struct px_http_resp *r, int status, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);

	json_decref(v);
	if (s == NULL)
		return px_problem(r, 500, NULL, "cannot encode the answer");
	r->status = status ? status : 200;
	r->content_type = "application/json";
	if (px_buf_adds(&r->body, s) < 0) {
		free(s);
		return px_problem(r, 500, NULL, "answer too large");
	}
	free(s);
	return 0;
}

/* Whether `v` has the type `t` stands for (px_api_members). */
static bool
member_type(char t, const json_t *v)
{
	switch (t) {
	case 's':
		return json_is_string(v);
	case 'S':
		return json_is_string(v) || json_is_null(v);
	case 'a':
		return json_is_array(v);
	case 'o':
		return json_is_object(v);
	case 'b':
		return json_is_boolean(v);
	default:
		return true;
	}
}

int
px_api_members(struct px_http_resp *r, const json_t *b,
    const char *const *members, const char *what)
{
	static const char *const tname[] = { ['s'] = "a string",
		['S'] = "a string or null",
		['a'] = "an array",
		['o'] = "an object",
		['b'] = "true or false" };
	struct px_buf d;
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)b, key, v)
	{
		for (i = 0; members[i] && strcmp(members[i] + 2, key); i++)
			;
		if (members[i] && member_type(members[i][0], v))
			continue;
		px_buf_init(&d, PX_BUF_NOCAP);
		if (members[i]) {
			px_buf_putf(&d, "%s: member '%s' must be %s", what, key,
			    tname[(unsigned char)members[i][0]]);
		} else {
			px_buf_putf(
			    &d, "%s: unknown member '%s' (expected", what, key);
			for (i = 0; members[i]; i++)
				px_buf_putf(
				    &d, "%s %s", i ? "," : "", members[i] + 2);
			px_buf_puts(&d, ")");
		}
		px_problem_type(r, 422, "urn:parley:problem:invalid",
		    "Invalid input", "%s", d.data);
		px_buf_dispose(&d);
		return -1;
	}
	return 0;
}

int
px_api_fail(struct px_http_resp *r, int err)
{
	switch (err) {
	case PX_EINVAL:
		return px_problem_type(r, 422, "urn:parley:problem:invalid",
		    "Invalid input", "%s", px_error_last());
	case PX_ETOOBIG:
		return px_problem(r, 413, NULL, "%s", px_error_last());
	case PX_ENOTFOUND:
		return px_problem(r, 404, NULL, "%s", px_error_last());
	case PX_ECONFLICT:
		return px_problem_type(r, 409, "urn:parley:problem:conflict",
		    "Conflict", "%s", px_error_last());
	case PX_EPERM:
		return px_problem_type(r, 403, "urn:parley:problem:tlp",
		    "Refused by the TLP marking", "%s", px_error_last());
	default:
		return px_problem(r, 500, NULL, "%s", px_error_last());
	}
}

struct px_node *
px_api_node(const struct px_http_req *req, struct px_http_resp *r)
{
	struct px_node *n = px_app_node(req->app);
	char *name = NULL;
	int role;

	if (n == NULL) {
		px_problem(r, 503, NULL, "the node store cannot be opened: %s",
		    px_error_last());
		return NULL;
	}
	/* Who acts in this request: a person's session, or a token named
	 * after one of our people; what the node signs names them
	 * (px_node_act).  Reading needs no one. */
	px_node_act(n, NULL, NULL);
	if (req->bearer && strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0 &&
	    px_app_token(req->app, req->bearer, &name, &role) == 0 &&
	    px_desk_token_person(n, name))
		px_node_act(n, name, px_role_names[role]);
	free(name);
	px_error_clear();
	return n;
}

json_t *
px_api_body(const struct px_http_req *req, struct px_http_resp *r)
{
	json_t *j = NULL;

	if (req->body == NULL || req->body_len == 0) {
		px_problem(r, 400, NULL,
		    "this request needs a JSON object as its body");
		return NULL;
	}
	if (px_json_parse(&j, req->body, req->body_len, req->body_len + 1,
	        "request body") < 0) {
		px_problem(r, 400, NULL, "%s", px_error_last());
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		px_problem(
		    r, 400, NULL, "the request body must be a JSON object");
		return NULL;
	}
	return j;
}

static int
hexval(char c)
{
	return px_hex_digit(c);
}

char *
px_api_query(const struct px_http_req *req, const char *key)
{
	const char *q = req->query;
	size_t klen = strlen(key);

	while (q && *q) {
		const char *amp = strchr(q, '&');
		size_t len = amp ? (size_t)(amp - q) : strlen(q);

		if (len > klen && strncmp(q, key, klen) == 0 &&
		    q[klen] == '=') {
			struct px_buf b;

			px_buf_init(&b, 4096);
			for (size_t i = klen + 1; i < len; i++) {
				char c = q[i];

				if (c == '+')
					c = ' ';
				else if (c == '%' && i + 2 < len + 1 &&
				    hexval(q[i + 1]) >= 0 &&
				    hexval(q[i + 2]) >= 0) {
					c = (char)(hexval(q[i + 1]) * 16 +
					    hexval(q[i + 2]));
					i += 2;
				}
				if (c == '\0' || px_buf_addc(&b, c) < 0)
					break;
			}
			return px_buf_detach(&b, NULL);
		}
		q = amp ? amp + 1 : NULL;
	}
	return NULL;
}

static const char *
jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

struct px_text_in
px_api_text_in(const json_t *b, const char *key)
{
	const json_t *tr = json_object_get(b, "translation");
	struct px_text_in t = {
		.text = jstr(b, key),
		.lang = jstr(b, "lang"),
		.translation = json_is_string(tr) ? json_string_value(tr)
		                                  : jstr(tr, "value"),
		.translation_lang = json_is_object(tr)
		    ? jstr(tr, "lang")
		    : jstr(b, "translation_lang"),
		.translation_by = json_is_object(tr)
		    ? jstr(tr, "by")
		    : jstr(b, "translation_by"),
	};

	return t;
}

void
px_api_obs_init(struct px_api_obs *o)
{
	memset(o, 0, sizeof(*o));
}

int
px_api_obs_read(struct px_api_obs *o, const json_t *b)
{
	const json_t *list = json_object_get(b, "observables"), *x;
	size_t i;

	if (list && !json_is_array(list) && !json_is_null(list))
		return px_error_set(PX_EINVAL,
		    "observables must be an array of \"type:value\" strings");
	json_array_foreach(list, i, x)
	{
		if (i >= PX_API_MAX_OBS)
			return px_error_set(PX_EINVAL, "at most %d observables",
			    PX_API_MAX_OBS);
		if (json_is_string(x)) {
			o->v[i] = json_string_value(x);
		} else if (jstr(x, "type") && jstr(x, "value")) {
			o->tmp[i] = px_asprintf(
			    "%s:%s", jstr(x, "type"), jstr(x, "value"));
			o->v[i] = o->tmp[i];
		} else {
			return px_error_set(PX_EINVAL,
			    "observable %zu must be \"type:value\" or "
			    "{\"type\", \"value\"}",
			    i + 1);
		}
		o->n = i + 1;
	}
	return 0;
}

void
px_api_obs_dispose(struct px_api_obs *o)
{
	for (size_t i = 0; i < PX_API_MAX_OBS; i++)
		free(o->tmp[i]);
	px_api_obs_init(o);
}

char *
px_api_peer_caller(const struct px_http_req *req, struct px_http_resp *r)
{
	char *name =
	    req->peer_fp ? px_app_peer_by_fp(req->app, req->peer_fp) : NULL;

	if (name == NULL)
		px_problem(r, 403, NULL,
		    "this client certificate is not pinned for any peer");
	return name;
}
