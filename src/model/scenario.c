/*
 * Exercise scenarios: parsing, validation, the public form and the
 * commitments (scenario.h, docs/exercises.md).
 *
 * Validation is strict, as for signed messages: an unknown member is an
 * error, so a misspelt "withn" in a hand-written file is caught before
 * anything is proposed rather than silently meaning "no deadline".  Every
 * error names the inject and member at fault.
 */
#include "model/agreement.h"
#include "model/canon.h"
#include "model/message.h"
#include "model/observable.h"
#include "model/scenario.h"
#include "util/util.h"

const char *const px_xchan_names[PX_XCH__N] = { "report", "request", "hotline",
	"check", "update" };

const char *const px_xwhat_names[PX_XW__N] = { "ack", "triage",
	"first-response", "update", "result", "close", "feedback", "note",
	"escalate", "hotline-answered", "check-answered" };
const char *const px_xstatus_names[PX_XST__N] = { "pending", "met", "partial",
	"missed" };

static const char *const outcomes[] = { "resolved", "partial", "unable" };
static const char *const roles[] = { "technical", "policy", "law-enforcement" };

#define MAX_INJECTS    10000
#define MAX_EXPECT     32
#define MAX_AFTER      16
#define MAX_TITLE      280 /* "[EXERCISE] " must still fit in 300 */
#define MAX_TEXT       60000
#define MAX_OBJECTIVES 256
#define MAX_PERSONAS   256

void
px_scenario_init(struct px_scenario *s)
{
	memset(s, 0, sizeof(*s));
}

void
px_scenario_dispose(struct px_scenario *s)
{
	for (size_t i = 0; i < s->ninjects; i++) {
		free(s->injects[i].after);
		free(s->injects[i].expect);
	}
	free(s->injects);
	free(s->personas);
	free(s->objectives);
	json_decref(s->doc);
	px_scenario_init(s);
}

static int
lookup(const char *const *t, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (s && strcmp(t[i], s) == 0)
			return (int)i;
	return -1;
}

const char *
px_xtext(const json_t *t, const char *lang)
{
	const char *k;
	const json_t *v;

	if (t == NULL)
		return NULL;
	if (json_is_string(t))
		return json_string_value(t);
	if (lang && (v = json_object_get(t, lang)) != NULL)
		return json_string_value(v);
	if ((v = json_object_get(t, "en")) != NULL)
		return json_string_value(v);
	json_object_foreach((json_t *)t, k, v) return json_string_value(v);
	return NULL;
}

const char *
px_xtext_lang(const json_t *t, const char *lang)
{
	const char *k;
	const json_t *v;

	if (t == NULL || json_is_string(t))
		return "en";
	if (lang && json_object_get(t, lang))
		return lang;
	if (json_object_get(t, "en"))
		return "en";
	json_object_foreach((json_t *)t, k, v) return k;
	return "en";
}

/* A text: a string, or an object of language tags to strings. */
static int
check_text(const json_t *t, size_t max, bool multiline, const char *what)
{
	const char *k;
	const json_t *v;
	int rc;

	/* Limits are in characters, as a case title's (300): a Chinese
	 * text is held to as many characters as an English one. */
	if (json_is_string(t)) {
		if (px_utf8_chars(json_string_value(t)) > max ||
		    *json_string_value(t) == '\0')
			return px_error_set(PX_EINVAL,
			    "%s must be 1 to %zu characters", what, max);
		return px_check_printable(
		    json_string_value(t), multiline, what);
	}
	if (!json_is_object(t) || json_object_size(t) == 0 ||
	    json_object_size(t) > 16)
		return px_error_set(PX_EINVAL,
		    "%s must be a string or an object of languages, like "
		    "{\"en\": \"...\", \"zh\": \"...\"}",
		    what);
	json_object_foreach((json_t *)t, k, v)
	{
		if ((rc = px_check_lang(k, what)) < 0)
			return rc;
		if (!json_is_string(v) || *json_string_value(v) == '\0' ||
		    px_utf8_chars(json_string_value(v)) > max)
			return px_error_set(PX_EINVAL,
			    "%s.%s must be a string of 1 to %zu characters",
			    what, k, max);
		if ((rc = px_check_printable(
		         json_string_value(v), multiline, what)) < 0)
			return rc;
	}
	return 0;
}

static int
opt_text(const json_t **out, const json_t *o, const char *key, size_t max,
    bool multiline, const char *what)
{
	char w[160];

	*out = json_object_get(o, key);
	if (*out == NULL)
		return 0;
	snprintf(w, sizeof(w), "%s: '%s'", what, key);
	return check_text(*out, max, multiline, w);
}

/* "0" or a duration ("90s", "15m", "2h"). */
static int
duration(int64_t *out, const json_t *o, const char *key, bool zero_ok,
    const char *what)
{
	const char *s;
	int rc;

	if ((rc = px_j_str(&s, o, key, 16, what)) < 0)
		return rc;
	if (zero_ok && strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (px_duration_parse(out, s, PX_BASIS_CALENDAR) < 0)
		return px_error_set(PX_EINVAL,
		    "%s: '%s' is '%s', not a duration (like %s15m, 2h, 90s)",
		    what, key, s, zero_ok ? "0, " : "");
	return 0;
}

static int
opt_int(int64_t *out, const json_t *o, const char *key, int64_t min,
    int64_t max, int64_t dflt, const char *what)
{
	if (json_object_get(o, key) == NULL) {
		*out = dflt;
		return 0;
	}
	return px_j_int(out, o, key, min, max, what);
}

static int
opt_bool(bool *out, const json_t *o, const char *key, const char *what)
{
	const json_t *v = json_object_get(o, key);

	*out = false;
	if (v == NULL)
		return 0;
	if (!json_is_boolean(v))
		return px_error_set(
		    PX_EINVAL, "%s: '%s' must be true or false", what, key);
	*out = json_is_true(v);
	return 0;
}

static int
party(int *out, const char *s, const char *what)
{
	if (s && strcmp(s, "a") == 0)
		*out = 0;
	else if (s && strcmp(s, "b") == 0)
		*out = 1;
	else
		return px_error_set(PX_EINVAL,
		    "%s: party '%s' is not a or b (a proposes the exercise "
		    "and runs its control cell, b is its peer)",
		    what, s ? s : "");
	return 0;
}

/* The filters of a predicate, valid for `what`. */
static int
read_match(
    struct px_xmatch *m, const json_t *o, enum px_xwhat what, const char *wh)
{
	const json_t *v;
	const char *s;
	size_t i;
	int rc;

	if ((v = json_object_get(o, "decision")) != NULL) {
		if (what != PX_XW_TRIAGE)
			return px_error_set(
			    PX_EINVAL, "%s: 'decision' is for triage", wh);
		if ((rc = px_j_enum(&m->decision, o, "decision",
		         px_decision_names, PX_DEC__N, wh)) < 0)
			return rc;
	}
	if ((v = json_object_get(o, "outcome")) != NULL) {
		if (what != PX_XW_RESULT)
			return px_error_set(
			    PX_EINVAL, "%s: 'outcome' is for result", wh);
		if ((rc = px_j_str(&s, o, "outcome", 16, wh)) < 0)
			return rc;
		if ((m->outcome = lookup(outcomes, 3, s)) < 0)
			return px_error_set(PX_EINVAL,
			    "%s: outcome '%s' is not resolved, partial or "
			    "unable",
			    wh, s);
	}
	if ((v = json_object_get(o, "role")) != NULL) {
		if (what != PX_XW_HOTLINE)
			return px_error_set(PX_EINVAL,
			    "%s: 'role' is for hotline-answered", wh);
		if ((rc = px_j_str(&m->role, o, "role", 32, wh)) < 0)
			return rc;
		if (lookup(roles, 3, m->role) < 0)
			return px_error_set(PX_EINVAL,
			    "%s: role '%s' is not technical, policy or "
			    "law-enforcement",
			    wh, m->role);
	}
	if ((v = json_object_get(o, "paged")) != NULL) {
		if (what != PX_XW_HOTLINE)
			return px_error_set(PX_EINVAL,
			    "%s: 'paged' is for hotline-answered", wh);
		if ((rc = opt_bool(&m->paged, o, "paged", wh)) < 0)
			return rc;
	}
	if ((v = json_object_get(o, "min_score")) != NULL) {
		if (what != PX_XW_FEEDBACK)
			return px_error_set(
			    PX_EINVAL, "%s: 'min_score' is for feedback", wh);
		if ((rc = px_j_int(&m->min_score, o, "min_score", 1, 5, wh)) <
		    0)
			return rc;
	}
	if ((v = json_object_get(o, "names")) != NULL) {
		const json_t *x;

		if (what != PX_XW_UPDATE && what != PX_XW_RESULT &&
		    what != PX_XW_NOTE && what != PX_XW_TRIAGE &&
		    what != PX_XW_FIRST_RESPONSE)
			return px_error_set(PX_EINVAL,
			    "%s: 'names' is for update, result, note, triage "
			    "and first-response (messages with text)",
			    wh);
		if (!json_is_array(v) || json_array_size(v) == 0 ||
		    json_array_size(v) > 32)
			return px_error_set(PX_EINVAL,
			    "%s: 'names' must be an array of 1 to 32 strings",
			    wh);
		json_array_foreach(v, i, x)
		{
			if (!json_is_string(x) ||
			    *json_string_value(x) == '\0' ||
			    strlen(json_string_value(x)) > 1024)
				return px_error_set(PX_EINVAL,
				    "%s: names[%zu] must be a string of 1 to "
				    "1024 bytes",
				    wh, i);
			if ((rc = px_check_printable(
			         json_string_value(x), false, wh)) < 0)
				return rc;
		}
		m->names = v;
	}
	return 0;
}

static void
match_init(struct px_xmatch *m)
{
	memset(m, 0, sizeof(*m));
	m->decision = -1;
	m->outcome = -1;
}

static int
read_expect(struct px_xexpect *e, const json_t *o, const struct px_scenario *s,
    const char *inj)
{
	static const char *const mem[] = { "id", "what", "from", "within",
		"weight", "objective", "late", "decision", "outcome", "role",
		"paged", "min_score", "names", "partial", "cexf", NULL };
	static const char *const pmem[] = { "decision", "outcome", "role",
		"paged", "min_score", "names", NULL };
	char wh[200];
	const char *w, *f;
	const json_t *p;
	int rc, x;

	memset(e, 0, sizeof(*e));
	match_init(&e->met);
	match_init(&e->partial);
	snprintf(wh, sizeof(wh), "inject %s: expectation", inj);
	if (!json_is_object(o))
		return px_error_set(PX_EINVAL, "%s must be an object", wh);
	if ((rc = px_j_str(&e->id, o, "id", 64, wh)) < 0 ||
	    (rc = px_check_xid(e->id, wh)) < 0)
		return rc;
	snprintf(wh, sizeof(wh), "inject %s: expectation %s", inj, e->id);
	if ((rc = px_j_only(o, mem, wh)) < 0 ||
	    (rc = px_j_str(&w, o, "what", 32, wh)) < 0)
		return rc;
	if ((x = lookup(px_xwhat_names, PX_XW__N, w)) < 0)
		return px_error_set(PX_EINVAL,
		    "%s: 'what' is '%s', not one of ack, triage, "
		    "first-response, update, result, close, feedback, note, "
		    "escalate, hotline-answered, check-answered",
		    wh, w);
	e->what = (enum px_xwhat)x;
	if (json_object_get(o, "from")) {
		if ((rc = px_j_str(&f, o, "from", 16, wh)) < 0)
			return rc;
		if (strcmp(f, "sender") && strcmp(f, "target"))
			return px_error_set(PX_EINVAL,
			    "%s: 'from' is '%s', not target or sender", wh, f);
		e->by_sender = strcmp(f, "sender") == 0;
	}
	if ((rc = duration(&e->within, o, "within", false, wh)) < 0 ||
	    (rc = opt_int(&e->weight, o, "weight", 1, 100, 1, wh)) < 0 ||
	    (rc = px_j_str(&e->objective, o, "objective", 64, wh)) < 0)
		return rc;
	if ((e->obj = px_scenario_objective(s, e->objective)) < 0)
		return px_error_set(PX_EINVAL,
		    "%s: objective '%s' is not one of the scenario's "
		    "objectives",
		    wh, e->objective);
	e->late_partial = true;
	if (json_object_get(o, "late")) {
		if ((rc = px_j_str(&f, o, "late", 16, wh)) < 0)
			return rc;
		if (strcmp(f, "partial") && strcmp(f, "missed"))
			return px_error_set(PX_EINVAL,
			    "%s: 'late' is '%s', not partial or missed", wh, f);
		e->late_partial = strcmp(f, "partial") == 0;
	}
	if ((rc = read_match(&e->met, o, e->what, wh)) < 0)
		return rc;
	if ((p = json_object_get(o, "partial")) != NULL) {
		char pw[230];

		snprintf(pw, sizeof(pw), "%s: partial", wh);
		if (!json_is_object(p) || json_object_size(p) == 0)
			return px_error_set(PX_EINVAL,
			    "%s must be an object of filters (decision, "
			    "outcome, role, paged, min_score, names)",
			    pw);
		if ((rc = px_j_only(p, pmem, pw)) < 0)
			return rc;
		/* A near miss is the same predicate with the filters it
		 * names changed. */
		e->partial = e->met;
		if (json_object_get(p, "names"))
			e->partial.names = NULL;
		if (json_object_get(p, "role"))
			e->partial.role = NULL;
		if ((rc = read_match(&e->partial, p, e->what, pw)) < 0)
			return rc;
		e->has_partial = true;
	}
	return 0;
}

static int
read_after(struct px_xcond *c, const json_t *o, const struct px_scenario *s,
    size_t self, const char *inj)
{
	static const char *const mem[] = { "inject", "expectation", "status",
		NULL };
	const json_t *st;
	char wh[160];
	int rc;

	snprintf(wh, sizeof(wh), "inject %s: after", inj);
	memset(c, 0, sizeof(*c));
	c->eidx = -1;
	if (!json_is_object(o))
		return px_error_set(PX_EINVAL,
		    "%s: each condition must be an object {\"inject\", "
		    "\"expectation\"?, \"status\"?}",
		    wh);
	if ((rc = px_j_only(o, mem, wh)) < 0 ||
	    (rc = px_j_str(&c->inject, o, "inject", 64, wh)) < 0)
		return rc;
	c->idx = px_scenario_find(s, c->inject);
	if (c->idx < 0 || (size_t)c->idx >= self)
		return px_error_set(PX_EINVAL,
		    "%s: '%s' is not an earlier inject (an inject depends "
		    "only on injects listed before it)",
		    wh, c->inject);
	if (json_object_get(o, "expectation")) {
		const struct px_xinject *d = &s->injects[c->idx];

		if ((rc = px_j_str(&c->expectation, o, "expectation", 64, wh)) <
		    0)
			return rc;
		for (size_t k = 0; k < d->nexpect; k++)
			if (strcmp(d->expect[k].id, c->expectation) == 0)
				c->eidx = (int)k;
		if (c->eidx < 0 && !d->hidden)
			return px_error_set(PX_EINVAL,
			    "%s: inject %s has no expectation '%s'", wh,
			    c->inject, c->expectation);
	}
	if ((st = json_object_get(o, "status")) != NULL) {
		const json_t *v;
		size_t i;

		if (c->expectation == NULL)
			return px_error_set(PX_EINVAL,
			    "%s: 'status' needs 'expectation' (whose status)",
			    wh);
		if (json_is_string(st)) {
			int x = lookup(
			    px_xstatus_names, PX_XST__N, json_string_value(st));

			if (x <= PX_XST_PENDING)
				goto bad_status;
			c->statuses = 1u << x;
		} else if (json_is_array(st) && json_array_size(st) > 0) {
			json_array_foreach(st, i, v)
			{
				int x = lookup(px_xstatus_names, PX_XST__N,
				    json_string_value(v));

				if (x <= PX_XST_PENDING)
					goto bad_status;
				c->statuses |= 1u << x;
			}
		} else {
			goto bad_status;
		}
	} else if (c->expectation) {
		c->statuses = 1u << PX_XST_MET;
	}
	return 0;
bad_status:
	return px_error_set(PX_EINVAL,
	    "%s: 'status' must be met, partial or missed, or an array of "
	    "them",
	    wh);
}

static int
read_payload(struct px_xinject *in, const json_t *p)
{
	static const char *const mem[] = { "title", "text", "category",
		"priority", "tlp", "observables", NULL };
	char wh[120];
	const json_t *o;
	size_t i;
	int rc;

	snprintf(wh, sizeof(wh), "inject %s: payload", in->id);
	in->category = PX_CAT_OTHER;
	in->priority = in->channel == PX_XCH_HOTLINE ? PX_P1
	    : in->channel == PX_XCH_CHECK            ? PX_P2
	                                             : PX_P3;
	in->tlp = PX_TLP_AMBER;
	if (p == NULL) {
		if (in->channel != PX_XCH_CHECK)
			return px_error_set(PX_EINVAL,
			    "inject %s: a %s needs a 'payload' with a title "
			    "and a text",
			    in->id, px_xchan_names[in->channel]);
		return 0;
	}
	if (!json_is_object(p))
		return px_error_set(PX_EINVAL, "%s must be an object", wh);
	if ((rc = px_j_only(p, mem, wh)) < 0 ||
	    (rc = opt_text(&in->title, p, "title", MAX_TITLE, false, wh)) < 0 ||
	    (rc = opt_text(&in->text, p, "text", MAX_TEXT, true, wh)) < 0)
		return rc;
	if (in->channel == PX_XCH_UPDATE && in->text == NULL)
		return px_error_set(
		    PX_EINVAL, "%s: an update needs a text", wh);
	if (in->channel != PX_XCH_CHECK && in->channel != PX_XCH_UPDATE &&
	    (in->title == NULL || !in->text))
		return px_error_set(PX_EINVAL,
		    "%s: a %s needs a title and a text", wh,
		    px_xchan_names[in->channel]);
	if (json_object_get(p, "category") &&
	    (rc = px_j_enum(&in->category, p, "category", px_category_names,
	         PX_CAT__N, wh)) < 0)
		return rc;
	if (json_object_get(p, "priority") &&
	    (rc = px_j_enum(&in->priority, p, "priority", px_priority_names,
	         PX_PRIO__N, wh)) < 0)
		return rc;
	if (json_object_get(p, "tlp") &&
	    (rc = px_j_enum(&in->tlp, p, "tlp", px_tlp_names, PX_TLP__N, wh)) <
	        0)
		return rc;
	if ((o = json_object_get(p, "observables")) != NULL) {
		const json_t *ob;

		if (!json_is_array(o) || json_array_size(o) > 1000)
			return px_error_set(PX_EINVAL,
			    "%s: 'observables' must be an array of at most "
			    "1000 {\"type\", \"value\"}",
			    wh);
		json_array_foreach(o, i, ob)
		{
			static const char *const omem[] = { "type", "value",
				NULL };
			struct px_observable x;
			const char *t, *v;

			if ((rc = px_j_only(ob, omem, wh)) < 0 ||
			    (rc = px_j_str(&t, ob, "type", 64, wh)) < 0 ||
			    (rc = px_j_str(&v, ob, "value", 4096, wh)) < 0)
				return rc;
			if ((rc = px_obs_from_wire(&x, t, v)) < 0) {
				px_error_prefix(
				    "%s: observable %zu", wh, i + 1);
				return rc;
			}
			px_obs_dispose(&x);
		}
		in->observables = o;
	}
	return 0;
}

/* Who sends an inject: a party, or a persona (and through it a party). */
static int
read_from(struct px_xinject *in, const struct px_scenario *s)
{
	char wh[120];
	int rc;

	snprintf(wh, sizeof(wh), "inject %s", in->id);
	if (strcmp(in->from, "a") == 0 || strcmp(in->from, "b") == 0)
		return party(&in->party, in->from, wh);
	for (size_t i = 0; i < s->npersonas; i++)
		if (strcmp(s->personas[i].id, in->from) == 0) {
			in->persona = s->personas[i].id;
			in->party = s->personas[i].party;
			in->simulated = s->personas[i].simulated;
			return 0;
		}
	rc = px_error_set(PX_EINVAL,
	    "%s: 'from' is '%s', neither a party (a, b) nor one of the "
	    "scenario's personas",
	    wh, in->from);
	return rc;
}

static int
read_to(struct px_xinject *in, const json_t *o)
{
	static const char *const mem[] = { "party", "role", NULL };
	const char *p;
	char wh[120];
	int rc;

	snprintf(wh, sizeof(wh), "inject %s: to", in->id);
	if (!json_is_object(o))
		return px_error_set(PX_EINVAL,
		    "%s must be an object {\"party\": \"b\", \"role\": "
		    "\"technical\"}",
		    wh);
	if ((rc = px_j_only(o, mem, wh)) < 0 ||
	    (rc = px_j_str(&p, o, "party", 4, wh)) < 0 ||
	    (rc = party(&in->to_party, p, wh)) < 0)
		return rc;
	if (in->to_party == in->party)
		return px_error_set(PX_EINVAL,
		    "%s: an inject goes from one party to the other (both "
		    "are '%s')",
		    wh, p);
	if (json_object_get(o, "role")) {
		if ((rc = px_j_str(&in->to_role, o, "role", 32, wh)) < 0)
			return rc;
		if (lookup(roles, 3, in->to_role) < 0)
			return px_error_set(PX_EINVAL,
			    "%s: role '%s' is not technical, policy or "
			    "law-enforcement",
			    wh, in->to_role);
	}
	return 0;
}

static bool
is_hex(const char *s, size_t min, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	return n >= min && n <= max && strspn(s, "0123456789abcdef") == n;
}

static int
read_inject(
    struct px_xinject *in, const json_t *o, struct px_scenario *s, size_t self)
{
	static const char *const mem[] = { "id", "serial", "move", "phase",
		"offset", "scenario_time", "after", "from", "to", "channel",
		"in", "request_type", "payload", "expect", "contingency",
		"controller_only", "notes", "salt", "cexf", NULL };
	static const char *const stub[] = { "id", "serial", "controller_only",
		"commit", NULL };
	const json_t *a, *ex;
	const char *ch;
	char wh[120];
	size_t i;
	int rc, x;

	memset(in, 0, sizeof(*in));
	in->obj = o;
	in->request_type = -1;
	if (!json_is_object(o))
		return px_error_set(
		    PX_EINVAL, "injects[%zu] must be an object", self);
	if ((rc = px_j_str(&in->id, o, "id", 64, "inject")) < 0 ||
	    (rc = px_check_xid(in->id, "inject")) < 0)
		return rc;
	snprintf(wh, sizeof(wh), "inject %s", in->id);
	for (i = 0; i < self; i++)
		if (strcmp(s->injects[i].id, in->id) == 0)
			return px_error_set(
			    PX_EINVAL, "%s: the id is used twice", wh);
	if ((rc = opt_int(&in->serial, o, "serial", 0, PX_JSON_MAX_INT,
	         (int64_t)self + 1, wh)) < 0)
		return rc;
	if (s->public_form && json_object_get(o, "commit")) {
		const char *c;

		if ((rc = px_j_only(o, stub, wh)) < 0 ||
		    (rc = px_j_str(&c, o, "commit", 64, wh)) < 0)
			return rc;
		if (!is_hex(c, 64, 64) ||
		    !json_is_true(json_object_get(o, "controller_only")))
			return px_error_set(PX_EINVAL,
			    "%s: a hidden inject is {\"id\", \"serial\", "
			    "\"controller_only\": true, \"commit\": 64 hex "
			    "digits}",
			    wh);
		in->hidden = true;
		in->controller_only = true;
		in->commit = c;
		in->party = 0;
		in->to_party = 1;
		return 0;
	}
	if ((rc = px_j_only(o, mem, wh)) < 0 ||
	    (rc = opt_int(&in->move, o, "move", 0, 1000, 1, wh)) < 0 ||
	    (rc = opt_text(&in->phase, o, "phase", 200, false, wh)) < 0 ||
	    (rc = duration(&in->offset, o, "offset", true, wh)) < 0 ||
	    (rc = px_j_str_opt(
	         &in->scenario_time, o, "scenario_time", 64, wh)) < 0 ||
	    (rc = px_j_str(&in->from, o, "from", 64, wh)) < 0 ||
	    (rc = read_from(in, s)) < 0 ||
	    (rc = px_j_str(&ch, o, "channel", 16, wh)) < 0 ||
	    (rc = opt_bool(&in->contingency, o, "contingency", wh)) < 0 ||
	    (rc = opt_bool(&in->controller_only, o, "controller_only", wh)) <
	        0 ||
	    (rc = opt_text(&in->notes, o, "notes", MAX_TEXT, true, wh)) < 0)
		return rc;
	if (in->scenario_time &&
	    (rc = px_check_printable(in->scenario_time, false, wh)) < 0)
		return rc;
	if ((x = lookup(px_xchan_names, PX_XCH__N, ch)) < 0)
		return px_error_set(PX_EINVAL,
		    "%s: channel '%s' is not report, request, hotline, check "
		    "or update",
		    wh, ch);
	in->channel = (enum px_xchan)x;
	in->in_idx = -1;
	if (in->channel == PX_XCH_UPDATE) {
		const struct px_xinject *d;

		if ((rc = px_j_str(&in->in, o, "in", 64, wh)) < 0)
			return rc;
		in->in_idx = px_scenario_find(s, in->in);
		if (in->in_idx < 0 || (size_t)in->in_idx >= self)
			return px_error_set(PX_EINVAL,
			    "%s: 'in' is '%s', not an earlier inject (an update "
			    "continues the case an earlier inject opened)",
			    wh, in->in);
		d = &s->injects[in->in_idx];
		if (d->channel == PX_XCH_CHECK || d->channel == PX_XCH_UPDATE)
			return px_error_set(PX_EINVAL,
			    "%s: inject %s opens no case an update can "
			    "continue (a check, or an update itself)",
			    wh, in->in);
		in->to_party = 1 - in->party;
		if (json_object_get(o, "to") &&
		    (rc = read_to(in, json_object_get(o, "to"))) < 0)
			return rc;
	} else if (json_object_get(o, "in")) {
		return px_error_set(PX_EINVAL, "%s: 'in' is for updates", wh);
	} else if ((rc = read_to(in, json_object_get(o, "to"))) < 0) {
		return rc;
	}
	if (json_object_get(o, "request_type")) {
		if (in->channel != PX_XCH_REQUEST)
			return px_error_set(PX_EINVAL,
			    "%s: 'request_type' is for requests", wh);
		if ((rc = px_j_enum(&in->request_type, o, "request_type",
		         px_request_type_names, PX_RQ__N, wh)) < 0)
			return rc;
	}
	if ((rc = read_payload(in, json_object_get(o, "payload"))) < 0)
		return rc;
	if (json_object_get(o, "salt")) {
		const char *salt;

		if ((rc = px_j_str(&salt, o, "salt", 128, wh)) < 0)
			return rc;
		if (!is_hex(salt, 32, 128))
			return px_error_set(PX_EINVAL,
			    "%s: 'salt' must be 32 to 128 lowercase hex "
			    "digits",
			    wh);
	}
	if (in->controller_only && in->party != 0)
		return px_error_set(PX_EINVAL,
		    "%s: a controller-only inject is sent by party a (whose "
		    "node alone holds it until the end)",
		    wh);
	if (in->simulated && in->party != 0)
		return px_error_set(PX_EINVAL,
		    "%s: simulated personas are played by the control cell, "
		    "at party a",
		    wh);
	if ((a = json_object_get(o, "after")) != NULL) {
		const json_t *c;

		if (!json_is_array(a) || json_array_size(a) > MAX_AFTER)
			return px_error_set(PX_EINVAL,
			    "%s: 'after' must be an array of at most %d "
			    "conditions",
			    wh, MAX_AFTER);
		in->after =
		    px_calloc(json_array_size(a) + 1, sizeof(*in->after));
		json_array_foreach(a, i, c)
		{
			struct px_xcond *cd = &in->after[in->nafter];

			if ((rc = read_after(cd, c, s, self, in->id)) < 0)
				return rc;
			in->nafter++;
			/* The peer's node cannot see how a hidden inject
			 * went until the end: only the control cell's
			 * injects may wait for it. */
			if (cd->expectation &&
			    s->injects[cd->idx].controller_only &&
			    in->party != 0)
				return px_error_set(PX_EINVAL,
				    "%s: only party a's injects may depend on "
				    "how controller-only inject %s went",
				    wh, cd->inject);
		}
	}
	if (in->contingency) {
		bool cond = false;

		for (i = 0; i < in->nafter; i++)
			cond |= in->after[i].expectation != NULL;
		if (!cond)
			return px_error_set(PX_EINVAL,
			    "%s: a contingency inject needs an 'after' "
			    "condition on an expectation's status (it is "
			    "played only when that holds)",
			    wh);
	}
	if ((ex = json_object_get(o, "expect")) != NULL) {
		const json_t *e;

		if (!json_is_array(ex) || json_array_size(ex) > MAX_EXPECT)
			return px_error_set(PX_EINVAL,
			    "%s: 'expect' must be an array of at most %d "
			    "expectations",
			    wh, MAX_EXPECT);
		in->expect =
		    px_calloc(json_array_size(ex) + 1, sizeof(*in->expect));
		json_array_foreach(ex, i, e)
		{
			struct px_xexpect *xe = &in->expect[in->nexpect];

			if ((rc = read_expect(xe, e, s, in->id)) < 0)
				return rc;
			for (size_t k = 0; k < in->nexpect; k++)
				if (strcmp(in->expect[k].id, xe->id) == 0)
					return px_error_set(PX_EINVAL,
					    "%s: expectation %s is listed "
					    "twice",
					    wh, xe->id);
			if ((xe->what == PX_XW_CHECK) !=
			        (in->channel == PX_XCH_CHECK) &&
			    xe->what != PX_XW_NOTE)
				return px_error_set(PX_EINVAL,
				    "%s: expectation %s: check-answered is "
				    "what a check expects (and only a check)",
				    wh, xe->id);
			if (xe->what == PX_XW_HOTLINE &&
			    in->channel != PX_XCH_HOTLINE)
				return px_error_set(PX_EINVAL,
				    "%s: expectation %s: hotline-answered "
				    "needs a hotline inject",
				    wh, xe->id);
			in->nexpect++;
		}
	}
	return 0;
}

static int
read_personas(struct px_scenario *s, const json_t *a)
{
	static const char *const mem[] = { "id", "name", "party", "simulated",
		NULL };
	const json_t *o;
	size_t i;
	int rc;

	if (a == NULL)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > MAX_PERSONAS)
		return px_error_set(PX_EINVAL,
		    "'personas' must be an array of at most %d", MAX_PERSONAS);
	s->personas = px_calloc(json_array_size(a) + 1, sizeof(*s->personas));
	json_array_foreach(a, i, o)
	{
		struct px_xpersona *p = &s->personas[s->npersonas];
		const char *pt;

		if ((rc = px_j_only(o, mem, "persona")) < 0 ||
		    (rc = px_j_str(&p->id, o, "id", 64, "persona")) < 0 ||
		    (rc = px_check_xid(p->id, "persona")) < 0 ||
		    (rc = opt_text(
		         &p->name, o, "name", 200, false, "persona")) < 0 ||
		    (rc = px_j_str(&pt, o, "party", 4, "persona")) < 0 ||
		    (rc = party(&p->party, pt, "persona")) < 0 ||
		    (rc = opt_bool(&p->simulated, o, "simulated", "persona")) <
		        0)
			return rc;
		if (strcmp(p->id, "a") == 0 || strcmp(p->id, "b") == 0)
			return px_error_set(
			    PX_EINVAL, "persona: 'a' and 'b' name the parties");
		for (size_t k = 0; k < s->npersonas; k++)
			if (strcmp(s->personas[k].id, p->id) == 0)
				return px_error_set(PX_EINVAL,
				    "persona %s is listed twice", p->id);
		s->npersonas++;
	}
	return 0;
}

static int
read_objectives(struct px_scenario *s, const json_t *a)
{
	static const char *const mem[] = { "id", "text", "capability", NULL };
	const json_t *o;
	size_t i;
	int rc;

	if (!json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > MAX_OBJECTIVES)
		return px_error_set(PX_EINVAL,
		    "'objectives' must be an array of 1 to %d objectives "
		    "{\"id\", \"text\", \"capability\"?}",
		    MAX_OBJECTIVES);
	s->objectives =
	    px_calloc(json_array_size(a) + 1, sizeof(*s->objectives));
	json_array_foreach(a, i, o)
	{
		struct px_xobjective *ob = &s->objectives[s->nobjectives];

		if ((rc = px_j_only(o, mem, "objective")) < 0 ||
		    (rc = px_j_str(&ob->id, o, "id", 64, "objective")) < 0 ||
		    (rc = px_check_xid(ob->id, "objective")) < 0 ||
		    (rc = opt_text(
		         &ob->text, o, "text", 2000, true, "objective")) < 0 ||
		    (rc = px_j_str_opt(&ob->capability, o, "capability", 200,
		         "objective")) < 0)
			return rc;
		if (ob->text == NULL)
			return px_error_set(PX_EINVAL,
			    "objective %s needs a 'text' (what is tested)",
			    ob->id);
		if (ob->capability &&
		    (rc = px_check_printable(
		         ob->capability, false, "objective capability")) < 0)
			return rc;
		for (size_t k = 0; k < s->nobjectives; k++)
			if (strcmp(s->objectives[k].id, ob->id) == 0)
				return px_error_set(PX_EINVAL,
				    "objective %s is listed twice", ob->id);
		s->nobjectives++;
	}
	return 0;
}

static int
read_ratings(struct px_scenario *s, const json_t *o)
{
	static const char *const mem[] = { "P", "S", "M", NULL };
	int rc;

	s->ratings[0] = 900;
	s->ratings[1] = 600;
	s->ratings[2] = 300;
	if (o == NULL)
		return 0;
	if ((rc = px_j_only(o, mem, "ratings")) < 0 ||
	    (rc = px_j_int(&s->ratings[0], o, "P", 0, 1000, "ratings")) < 0 ||
	    (rc = px_j_int(&s->ratings[1], o, "S", 0, 1000, "ratings")) < 0 ||
	    (rc = px_j_int(&s->ratings[2], o, "M", 0, 1000, "ratings")) < 0)
		return rc;
	if (!(s->ratings[0] >= s->ratings[1] && s->ratings[1] >= s->ratings[2]))
		return px_error_set(PX_EINVAL,
		    "ratings: the thresholds must not rise from P to S to M");
	return 0;
}

static int
read_parties(const json_t *o)
{
	static const char *const mem[] = { "a", "b", NULL };
	static const char *const pmem[] = { "name", "description", NULL };
	const char *k;
	const json_t *v, *t;
	int rc;

	if (o == NULL)
		return 0;
	if ((rc = px_j_only(o, mem, "parties")) < 0)
		return rc;
	json_object_foreach((json_t *)o, k, v)
	{
		if ((rc = px_j_only(v, pmem, "parties")) < 0 ||
		    (rc = opt_text(&t, v, "name", 200, false, "parties")) < 0 ||
		    (rc = opt_text(
		         &t, v, "description", 2000, true, "parties")) < 0)
			return rc;
	}
	return 0;
}

int
px_scenario_parse(struct px_scenario *s, json_t *doc, bool public_form)
{
	static const char *const mem[] = { "parley_scenario", "id", "version",
		"name", "description", "duration", "parties", "personas",
		"objectives", "ratings", "injects", "cexf", NULL };
	const json_t *inj, *o;
	int64_t v;
	size_t i;
	int rc;

	px_scenario_init(s);
	s->doc = json_incref(doc);
	s->public_form = public_form;
	if (!json_is_object(doc)) {
		rc = px_error_set(PX_EINVAL, "a scenario is a JSON object");
		goto out;
	}
	if ((rc = px_j_only(doc, mem, "scenario")) < 0 ||
	    (rc = px_j_int(&v, doc, "parley_scenario", 1, 1, "scenario")) < 0 ||
	    (rc = px_j_str(&s->id, doc, "id", 64, "scenario")) < 0 ||
	    (rc = px_check_xid(s->id, "scenario id")) < 0 ||
	    (rc = opt_int(&s->version, doc, "version", 1, PX_JSON_MAX_INT, 1,
	         "scenario")) < 0 ||
	    (rc = opt_text(&s->name, doc, "name", 200, false, "scenario")) <
	        0 ||
	    (rc = opt_text(&s->description, doc, "description", MAX_TEXT, true,
	         "scenario")) < 0 ||
	    (rc = read_parties(json_object_get(doc, "parties"))) < 0 ||
	    (rc = read_personas(s, json_object_get(doc, "personas"))) < 0 ||
	    (rc = read_objectives(s, json_object_get(doc, "objectives"))) < 0 ||
	    (rc = read_ratings(s, json_object_get(doc, "ratings"))) < 0)
		goto out;
	if (s->name == NULL) {
		rc = px_error_set(PX_EINVAL, "the scenario needs a 'name'");
		goto out;
	}
	if (json_object_get(doc, "duration") &&
	    (rc = duration(&s->duration, doc, "duration", true, "scenario")) <
	        0)
		goto out;
	if ((o = json_object_get(doc, "cexf")) != NULL && !json_is_object(o)) {
		rc = px_error_set(
		    PX_EINVAL, "scenario: 'cexf' must be an object");
		goto out;
	}
	inj = json_object_get(doc, "injects");
	if (!json_is_array(inj) || json_array_size(inj) == 0 ||
	    json_array_size(inj) > MAX_INJECTS) {
		rc = px_error_set(PX_EINVAL,
		    "'injects' must be an array of 1 to %d injects",
		    MAX_INJECTS);
		goto out;
	}
	s->injects = px_calloc(json_array_size(inj), sizeof(*s->injects));
	json_array_foreach(inj, i, o)
	{
		if ((rc = read_inject(&s->injects[i], o, s, i)) < 0) {
			s->ninjects = i + 1; /* free what was read */
			goto out;
		}
		s->ninjects = i + 1;
	}
out:
	if (rc < 0)
		px_scenario_dispose(s);
	return rc;
}

int
px_scenario_find(const struct px_scenario *s, const char *id)
{
	for (size_t i = 0; id && i < s->ninjects; i++)
		if (strcmp(s->injects[i].id, id) == 0)
			return (int)i;
	return -1;
}

int
px_scenario_objective(const struct px_scenario *s, const char *id)
{
	for (size_t i = 0; id && i < s->nobjectives; i++)
		if (strcmp(s->objectives[i].id, id) == 0)
			return (int)i;
	return -1;
}

static int
tagged_hash(char out[PX_HASH_HEX], const char *tag, const json_t *v)
{
	struct px_buf b;
	uint8_t h[PX_SHA256_LEN];
	int rc;

	px_buf_init(&b, PX_BUF_NOCAP);
	px_buf_puts(&b, tag);
	if ((rc = px_canon_append(&b, v)) == 0) {
		px_sha256(h, b.data, b.len);
		px_hex_encode(out, h, sizeof(h));
	}
	px_buf_dispose(&b);
	return rc;
}

int
px_scenario_hash(char out[PX_HASH_HEX], const json_t *doc)
{
	return tagged_hash(out, "parley-scenario-v1\n", doc);
}

int
px_inject_commit(char out[PX_HASH_HEX], const json_t *inj)
{
	return tagged_hash(out, "parley-inject-v1\n", inj);
}

bool
px_scenario_salt_needed(const json_t *full)
{
	const json_t *i;
	size_t k;

	json_array_foreach(json_object_get(full, "injects"), k,
	    i) if (json_is_true(json_object_get(i, "controller_only")) &&
	    !json_object_get(i, "salt")) return true;
	return false;
}

int
px_scenario_public(json_t **out, const json_t *full)
{
	json_t *pub = json_deep_copy(full), *list = json_array(), *i;
	size_t k;
	int rc = 0;

	*out = NULL;
	json_array_foreach(json_object_get(full, "injects"), k, i)
	{
		json_t *p;

		if (json_is_true(json_object_get(i, "controller_only"))) {
			char c[PX_HASH_HEX];
			const char *salt =
			    json_string_value(json_object_get(i, "salt"));

			if (salt == NULL || strlen(salt) < 32) {
				rc = px_error_set(PX_EINVAL,
				    "controller-only inject %s has no salt",
				    json_string_value(
				        json_object_get(i, "id")));
				goto out;
			}
			if ((rc = px_inject_commit(c, i)) < 0)
				goto out;
			p = json_pack("{sOsbss}", "id",
			    json_object_get(i, "id"), "controller_only", 1,
			    "commit", c);
			if (json_object_get(i, "serial"))
				json_object_set(
				    p, "serial", json_object_get(i, "serial"));
			else
				json_object_set_new(p, "serial",
				    json_integer((json_int_t)k + 1));
		} else {
			p = json_deep_copy(i);
			json_object_del(p, "notes");
		}
		json_array_append_new(list, p);
	}
	json_object_set(pub, "injects", list);
	*out = pub;
	pub = NULL;
out:
	json_decref(list);
	json_decref(pub);
	return rc;
}
