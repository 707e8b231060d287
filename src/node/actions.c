/*
 * Message bodies from operator input (actions.h).
 */
#include "model/complete.h"
#include "model/observable.h"
#include "node/actions.h"
#include "util/util.h"

const struct px_case_action px_case_actions[] = {
	{ "ack", PX_MSG_ACK },
	{ "triage", PX_MSG_TRIAGE },
	{ "update", PX_MSG_UPDATE },
	{ "result", PX_MSG_RESULT },
	{ "close", PX_MSG_CLOSE },
	{ "withdraw", PX_MSG_WITHDRAW },
	{ "rate", PX_MSG_FEEDBACK },
	{ "note", PX_MSG_NOTE },
	{ "escalate", PX_MSG_ESCALATE },
};
const size_t px_case_actions_n = PX_ARRAY_LEN(px_case_actions);

/* The kinds a case can be opened as (communication checks are not case
 * threads). */
static const struct px_name case_kinds[] = {
	{ "report", "report" },
	{ "request", "request" },
	{ "hotline", "hotline" },
	{ "inject", "exercise inject" },
};

const char *
px_node_text_lang(const struct px_node *n, const char *text)
{
	const char *g = px_text_lang_guess(text);

	return g ? g : px_node_lang(n);
}

const char *
px_node_lang(const struct px_node *n)
{
	static _Thread_local char lang[36];
	const char *l = px_conf_get(&n->conf, "", NULL, "languages");
	size_t i = 0;

	while (l && (*l == ' ' || *l == ','))
		l++;
	while (l && l[i] && l[i] != ',' && l[i] != ' ' && i < 35) {
		lang[i] = l[i];
		i++;
	}
	lang[i] = '\0';
	return i >= 2 ? lang : "en";
}

int
px_text_obj(json_t **out, const struct px_node *n, const struct px_text_in *t,
    const char *what)
{
	const char *pf = t->prefix ? t->prefix : "";
	char name[48];
	int rc;

	*out = NULL;
	if (t->text == NULL) {
		if (t->translation)
			return px_error_set(PX_EINVAL,
			    "%stranslation needs %s%s", pf, pf, what);
		return 0;
	}
	if (*t->text == '\0')
		return px_error_set(PX_EINVAL, "%s%s is empty", pf, what);
	if (px_utf8_chars(t->text) > PX_TEXT_MAX)
		return px_error_set(PX_EINVAL,
		    "%s%s is longer than %d characters", pf, what, PX_TEXT_MAX);
	snprintf(name, sizeof(name), "%slang", pf);
	if (t->lang && (rc = px_check_lang(t->lang, name)) < 0)
		return rc;
	if (t->translation) {
		if (t->translation_lang == NULL)
			return px_error_set(PX_EINVAL,
			    "%stranslation needs %stranslation-lang", pf, pf);
		snprintf(name, sizeof(name), "%stranslation-lang", pf);
		if ((rc = px_check_lang(t->translation_lang, name)) < 0)
			return rc;
		if (t->translation_by && strcmp(t->translation_by, "human") &&
		    strcmp(t->translation_by, "machine"))
			return px_error_set(PX_EINVAL,
			    "%stranslation-by must be human or machine, not "
			    "'%s'",
			    pf, t->translation_by);
	}
	*out = px_text_new(t->text,
	    t->lang ? t->lang : px_node_text_lang(n, t->text), t->translation,
	    t->translation_lang, t->translation_by);
	return 0;
}

/* "KEY=VALUE" split in place into a new object member. */
static int
kv_member(json_t *o, const char *kv, const char *what)
{
	const char *eq = strchr(kv, '=');
	char *k;

	if (eq == NULL || eq == kv || eq[1] == '\0')
		return px_error_set(PX_EINVAL,
		    "%s '%s' is not KEY=VALUE with a value", what, kv);
	k = px_strndup(kv, (size_t)(eq - kv));
	json_object_set_new(o, k, json_string(eq + 1));
	free(k);
	return 0;
}

/* The preservation fields, what an evidence request wants, the log
 * excerpts; then the check a node makes before it signs: a preservation
 * request lacking a field of Art. 29(2), or an evidence request that
 * wants nothing, is refused, naming what is missing. */
static int
request_extras(json_t *body, const struct px_new_case *nc, int rt)
{
	json_t *ex = json_array(), *miss = NULL, *v;
	struct px_buf why;
	size_t i;
	int rc = 0;

	px_buf_init(&why, PX_BUF_NOCAP);
	if (nc->npreserve && rt != PX_RQ_PRESERVATION) {
		rc = px_error_set(PX_EINVAL,
		    "preservation fields go with a request of type "
		    "preservation");
		goto out;
	}
	if (nc->nwanted && rt != PX_RQ_EVIDENCE) {
		rc = px_error_set(PX_EINVAL,
		    "what is wanted goes with a request of type evidence");
		goto out;
	}
	if (rt == PX_RQ_PRESERVATION) {
		json_t *p = json_object();

		json_object_set_new(body, "preservation", p);
		for (i = 0; i < nc->npreserve; i++)
			if ((rc = kv_member(
			         p, nc->preserve[i], "preservation field")) < 0)
				goto out;
	}
	if (rt == PX_RQ_EVIDENCE && nc->nwanted) {
		json_t *w = json_array();

		json_object_set_new(body, "wanted", w);
		for (i = 0; i < nc->nwanted; i++)
			json_array_append_new(w, json_string(nc->wanted[i]));
	}
	for (i = 0; i < nc->nexcerpts; i++) {
		json_t *e = json_object();

		json_array_append_new(ex, e);
		if ((rc = kv_member(e, nc->excerpts[i], "excerpt")) < 0)
			goto out;
		/* The one member is SOURCE: TEXT. */
		{
			const char *k =
			    json_object_iter_key(json_object_iter(e));
			json_t *t = json_incref(json_object_get(e, k));

			json_object_set_new(e, "source", json_string(k));
			json_object_del(e, k);
			json_object_set_new(e, "text", t);
		}
		if (nc->excerpt_tool && *nc->excerpt_tool)
			json_object_set_new(
			    e, "tool", json_string(nc->excerpt_tool));
	}
	if (json_array_size(ex))
		json_object_set(body, "excerpts", ex);
	if ((rc = px_complete_body_check(body)) < 0)
		goto out;
	miss = px_complete_check(body, NULL);
	json_array_foreach(miss, i, v)
	{
		if (!json_is_true(json_object_get(v, "required")))
			continue;
		px_buf_putf(&why, "%s%s (%s)", why.len ? "; " : "",
		    json_string_value(json_object_get(v, "field")),
		    json_string_value(json_object_get(v, "detail")));
	}
	if (why.len)
		rc = px_error_set(PX_EINVAL,
		    "this %s request is incomplete, and a receiver would "
		    "ask for what is missing: %s",
		    px_request_type_names[rt].wire, why.data);
out:
	px_buf_dispose(&why);
	json_decref(ex);
	json_decref(miss);
	return rc;
}

json_t *
px_case_completeness(const json_t *body, const struct px_case *c)
{
	json_t *mans = json_array(), *r;

	for (size_t i = 0; c && i < c->nev; i++)
		json_array_append(mans, (json_t *)c->ev[i].man.obj);
	r = px_complete_check(body, mans);
	json_decref(mans);
	return r;
}

/* Appends the wire form of each "TYPE:VALUE" in v[0..n) to the array
 * `obs`, in order; the first invalid one fails the whole list. */
static int
obs_append(json_t *obs, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct px_observable o;
		int rc;

		if ((rc = px_obs_parse_cli(&o, v[i])) < 0)
			return rc;
		json_array_append_new(obs,
		    json_pack("{ssss}", "type", px_obs_type_name(o.type),
		        "value", o.value));
		px_obs_dispose(&o);
	}
	return 0;
}

int
px_body_new_case(json_t **body, enum px_msg_type *type, struct px_node *n,
    const struct px_new_case *nc)
{
	struct px_peer *p = NULL;
	json_t *hdr = NULL, *text = NULL, *obs = json_array();
	int kind, cat, prio, tlp, rt = PX_RQ_INFORMATION, rc;

	if (nc->to == NULL || nc->kind == NULL || nc->category == NULL ||
	    nc->title == NULL || nc->text.text == NULL) {
		rc = px_error_set(PX_EINVAL,
		    "a new case needs to, kind, category, title and text");
		goto out;
	}
	if ((rc = kind = PX_LOOKUP(case_kinds, "kind", nc->kind)) < 0 ||
	    (rc = cat =
	            PX_LOOKUP(px_category_names, "category", nc->category)) < 0)
		goto out;
	kind = PX_WIRE(px_kind_names, case_kinds[kind].wire);
	prio = kind == PX_KIND_HOTLINE ? PX_P1 : PX_P3;
	if (nc->priority &&
	    (rc = prio =
	            PX_LOOKUP(px_priority_names, "priority", nc->priority)) < 0)
		goto out;
	if (*nc->title == '\0' || px_utf8_chars(nc->title) > PX_TITLE_MAX) {
		rc = px_error_set(PX_EINVAL,
		    "the title must be 1 to %d characters (it has %zu)",
		    PX_TITLE_MAX, px_utf8_chars(nc->title));
		goto out;
	}
	/* What was typed is checked before what it names is looked up. */
	if ((rc = obs_append(obs, nc->observables, nc->nobservables)) < 0 ||
	    (rc = px_peer_load(&p, n, nc->to)) < 0)
		goto out;
	tlp = p->default_tlp;
	if (nc->tlp &&
	    (rc = tlp = PX_LOOKUP(px_tlp_names, "TLP marking", nc->tlp)) < 0)
		goto out;
	if (nc->request_type) {
		if (kind == PX_KIND_REPORT) {
			rc = px_error_set(PX_EINVAL,
			    "%srequest-type is for requests, not reports",
			    nc->text.prefix ? nc->text.prefix : "");
			goto out;
		}
		if ((rc = rt = PX_LOOKUP(px_request_type_names, "request type",
		         nc->request_type)) < 0)
			goto out;
	}
	hdr = json_pack("{ssssssssss}", "kind", px_kind_names[kind].wire,
	    "category", px_category_names[cat].wire, "priority",
	    px_priority_names[prio].wire, "tlp", px_tlp_names[tlp].wire,
	    "title", nc->title);
	if (kind != PX_KIND_REPORT)
		json_object_set_new(hdr, "request_type",
		    json_string(px_request_type_names[rt].wire));
	if (nc->nobservables)
		json_object_set(hdr, "observables", obs);
	if ((rc = px_text_obj(&text, n, &nc->text, "text")) < 0)
		goto out;
	*body = json_pack("{sOsO}", "case", hdr, "text", text);
	if ((rc = request_extras(*body, nc, kind != PX_KIND_REPORT ? rt : -1)) <
	    0) {
		json_decref(*body);
		*body = NULL;
		goto out;
	}
	*type = kind == PX_KIND_REPORT ? PX_MSG_REPORT : PX_MSG_REQUEST;
	rc = 0;
out:
	json_decref(hdr);
	json_decref(text);
	json_decref(obs);
	px_peer_free(p);
	return rc;
}

/* `id` must be one of this node's own contacts. */
static int
own_contact(struct px_node *n, const char *id)
{
	const char *sub;

	for (size_t i = 0; (sub = px_conf_sub(&n->conf, "contact", i)); i++)
		if (strcmp(sub, id) == 0)
			return 0;
	return px_error_set(PX_ENOTFOUND,
	    "'%s' is not one of this node's contacts ([contact \"%s\"] in "
	    "parley.conf)",
	    id, id);
}

int
px_body_action(json_t **body, struct px_node *n, enum px_msg_type type,
    const struct px_action *a)
{
	json_t *b = json_object(), *text = NULL;
	int rc, k;

	if ((rc = px_text_obj(&text, n, &a->text,
	         type == PX_MSG_FEEDBACK ? "comment" : "text")) < 0)
		goto out;
	if (text)
		json_object_set(b, "text", text);
	else if (type == PX_MSG_UPDATE || type == PX_MSG_RESULT ||
	    type == PX_MSG_NOTE) {
		rc = px_error_set(PX_EINVAL, "give %stext \"...\" for a %s",
		    a->text.prefix ? a->text.prefix : "",
		    px_msg_type_names[type].wire);
		goto out;
	}
	if (a->nobservables) {
		json_t *obs = json_array();

		if (type != PX_MSG_UPDATE) {
			json_decref(obs);
			rc = px_error_set(PX_EINVAL,
			    "observables are added by an update, not a %s",
			    px_msg_type_names[type].wire);
			goto out;
		}
		if ((rc = obs_append(obs, a->observables, a->nobservables)) <
		    0) {
			json_decref(obs);
			goto out;
		}
		json_object_set_new(b, "observables", obs);
	}
	if (a->by) {
		if (type != PX_MSG_ACK) {
			rc = px_error_set(PX_EINVAL,
			    "%sby names who acknowledged; a %s takes no by",
			    a->text.prefix ? a->text.prefix : "",
			    px_msg_type_names[type].wire);
			goto out;
		}
		if ((rc = px_check_contact_id(a->by, "by")) < 0 ||
		    (rc = own_contact(n, a->by)) < 0)
			goto out;
		json_object_set_new(b, "by", json_string(a->by));
	}
	switch (type) {
	case PX_MSG_TRIAGE:
		if ((rc = k = PX_LOOKUP(
		         px_decision_names, "decision", a->decision)) < 0)
			goto out;
		json_object_set_new(
		    b, "decision", json_string(px_decision_names[k].wire));
		/* A reason explains a case not taken up as asked; on an
		 * accepted one it would read as a refusal in the record. */
		if (a->reason && k == PX_DEC_ACCEPTED) {
			rc = px_error_set(PX_EINVAL,
			    "%sreason goes with needs-info, declined or "
			    "forwarded, not with accepted",
			    a->text.prefix ? a->text.prefix : "");
			goto out;
		}
		if (a->reason) {
			if ((rc = k = PX_LOOKUP(px_reason_names, "reason code",
			         a->reason)) < 0)
				goto out;
			json_object_set_new(
			    b, "reason", json_string(px_reason_names[k].wire));
		}
		/* A needs-info cites the missing fields by name. */
		if (a->nmissing) {
			json_t *m = json_array();

			for (size_t i = 0; i < a->nmissing; i++)
				json_array_append_new(
				    m, json_string(a->missing[i]));
			json_object_set_new(b, "missing", m);
			if (strcmp(json_string_value(
			               json_object_get(b, "decision")),
			        "needs-info") != 0) {
				rc = px_error_set(PX_EINVAL,
				    "%smissing goes with needs-info",
				    a->text.prefix ? a->text.prefix : "");
				goto out;
			}
			if ((rc = px_complete_missing_check(m)) < 0)
				goto out;
		}
		break;
	case PX_MSG_RESULT:
		if (a->outcome) {
			if (strcmp(a->outcome, "resolved") &&
			    strcmp(a->outcome, "partial") &&
			    strcmp(a->outcome, "unable")) {
				rc = px_error_set(PX_EINVAL,
				    "%soutcome '%s' is not one of resolved, "
				    "partial, unable",
				    a->text.prefix ? a->text.prefix : "",
				    a->outcome);
				goto out;
			}
			json_object_set_new(
			    b, "outcome", json_string(a->outcome));
		}
		break;
	case PX_MSG_FEEDBACK: {
		const char *s = a->score;

		if (s == NULL || s[0] < '1' || s[0] > '5' || s[1] != '\0') {
			rc = px_error_set(PX_EINVAL,
			    "%sscore must be a whole number from 1 to 5, not "
			    "'%s'",
			    a->text.prefix ? a->text.prefix : "", s ? s : "");
			goto out;
		}
		json_object_set_new(b, "score", json_integer(s[0] - '0'));
		break;
	}
	default:
		break;
	}
	*body = b;
	b = NULL;
	rc = 0;
out:
	json_decref(b);
	json_decref(text);
	return rc;
}
