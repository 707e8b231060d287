/*
 * CEXF import and export (cexf.h).  The format is the sample and prose
 * of github.com/MISP/cexf: an object with "exercise" (metadata),
 * "inject_flow" (per inject: its trigger "startex" or
 * "inject-resolution", requirements on an earlier inject's resolution,
 * timing), "injects" (name, action, payload reference, evaluations with
 * a result name, tool-specific parameters and a score range) and
 * "inject_payloads".
 */
#include "crypto/sign.h"
#include "formats/cexf.h"
#include "model/canon.h"
#include "model/message.h"
#include "model/scenario.h"
#include "util/util.h"

#define MAX_PAYLOAD (1024 * 1024)

/* ---- Import ---- */

static const char *
str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* An identifier from any string: the characters px_check_xid allows,
 * others dropped, at most 64; `dflt` when nothing is left. */
static char *
xid_from(const char *s, const char *dflt)
{
	char out[65];
	size_t k = 0;

	for (; s && *s && k < 64; s++)
		if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
		    *s == '-')
			out[k++] = *s;
	out[k] = '\0';
	return px_strdup(k ? out : dflt);
}

/* A bidirectional control (U+202A..U+202E, U+2066..U+2069) in UTF-8. */
static bool
bidi(const unsigned char *p, size_t k)
{
	return k == 3 && p[0] == 0xe2 &&
	    ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
	        (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9));
}

/* Text a scenario may hold: UTF-8 without control characters (newlines
 * and tabs kept where `multiline`, CR dropped, others as spaces) or
 * bidirectional controls, at most `max` bytes (cut on a character). */
static char *
clean_text(const char *s, size_t len, size_t max, bool multiline)
{
	const unsigned char *u = (const unsigned char *)s;
	struct px_buf b;
	size_t i = 0, ill, k;

	px_buf_init(&b, PX_BUF_NOCAP);
	while (i < len) {
		if ((k = px_utf8_seq(u + i, len - i, &ill)) == 0) {
			i += ill ? ill : 1; /* not UTF-8: dropped */
			continue;
		}
		if (b.len + k > max)
			break;
		if (k == 1 && (u[i] < 0x20 || u[i] == 0x7f)) {
			if (multiline && (u[i] == '\n' || u[i] == '\t'))
				px_buf_put(&b, s + i, 1);
			else if (u[i] != '\r')
				px_buf_put(&b, " ", 1);
		} else if (!(k == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0) &&
		    !bidi(u + i, k)) {
			px_buf_put(&b, s + i, k);
		}
		i += k;
	}
	return px_buf_detach(&b, NULL);
}

/* "7200" seconds as a duration in its largest exact unit, or NULL. */
static json_t *
seconds_duration(const json_t *v)
{
	int64_t sec = -1;
	char out[32];

	if (json_is_integer(v))
		sec = json_integer_value(v);
	else if (json_is_string(v)) {
		const char *s = json_string_value(v);

		sec = 0;
		for (; *s; s++) {
			if (*s < '0' || *s > '9' || sec > 315360000) {
				sec = -1;
				break;
			}
			sec = sec * 10 + (*s - '0');
		}
	}
	if (sec <= 0 || sec > 315360000)
		return NULL;
	if (sec % 86400 == 0)
		snprintf(out, sizeof(out), "%lldd", (long long)(sec / 86400));
	else if (sec % 3600 == 0)
		snprintf(out, sizeof(out), "%lldh", (long long)(sec / 3600));
	else if (sec % 60 == 0)
		snprintf(out, sizeof(out), "%lldm", (long long)(sec / 60));
	else
		snprintf(out, sizeof(out), "%llds", (long long)sec);
	return json_string(out);
}

static const json_t *
find_uuid(const json_t *a, const char *key, const char *uuid)
{
	const json_t *v;
	size_t i;

	json_array_foreach(a, i, v)
	{
		const char *u = str(v, key);

		if (u && uuid && strcmp(u, uuid) == 0)
			return v;
	}
	return NULL;
}

/* The payload's text: a file's content (base64 decoded when it says so)
 * if it is text, else NULL. */
static char *
payload_text(const json_t *payload)
{
	const json_t *p = json_object_get(payload, "parameters");
	const char *c =
	    str(p, "content") ? str(p, "content") : str(p, "contents");
	const char *ct = str(p, "content-type");
	char *out = NULL;

	if (c == NULL)
		return NULL;
	if (ct && strcmp(ct, "base64") == 0) {
		size_t n = strlen(c), len = 0;
		uint8_t *raw = px_malloc(n / 4 * 3 + 4);

		if (n <= MAX_PAYLOAD &&
		    px_b64_decode(raw, n / 4 * 3 + 4, &len, c) == 0)
			out = clean_text((const char *)raw, len, 60000, true);
		free(raw);
		return out;
	}
	return clean_text(c, strlen(c), 60000, true);
}

/* The strings among an evaluation parameter's values (plain strings, or
 * the "value" of {type, value} objects). */
static void
values_of(json_t *names, const json_t *cmp)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(cmp, "values"), i, v)
	{
		const char *s =
		    json_is_string(v) ? json_string_value(v) : str(v, "value");
		char *t;

		if (s == NULL || json_array_size(names) >= 32)
			continue;
		t = clean_text(s, strlen(s), 1024, false);
		if (*t)
			json_array_append_new(names, json_string(t));
		free(t);
	}
}

/* One CEXF evaluation as an expectation: what parley can check of it. */
static json_t *
evaluation(
    const json_t *ev, size_t k, const char *objective, const char *within)
{
	const json_t *params = json_object_get(ev, "parameters"), *p, *cmp;
	const json_t *range = json_object_get(ev, "score_range");
	json_t *e, *names = json_array(), *pass = json_object();
	const char *key, *what = "update";
	char id[16];
	int64_t w = 1;
	size_t i;

	snprintf(id, sizeof(id), "E%zu", k + 1);
	/* Parameters are tool queries ("Event.info contains ...").  Those
	 * naming values (an event's info, its attributes) become "an update
	 * naming them"; a published event becomes a result; others are
	 * kept for the record and read as "an update". */
	json_array_foreach(json_is_array(params) ? params : NULL, i, p)
	    json_object_foreach((json_t *)p, key, cmp)
	{
		const char *c = str(cmp, "comparison");

		if (strcmp(key, "Event.published") == 0)
			what = "result";
		else if (c &&
		    (strcmp(c, "contains") == 0 || strcmp(c, "equals") == 0 ||
		        strcmp(c, "is") == 0))
			values_of(names, cmp);
	}
	if (json_array_size(json_array_get(range, 1) ? range : NULL) == 2 &&
	    json_is_integer(json_array_get(range, 1)))
		w = json_integer_value(json_array_get(range, 1));
	if (w < 1)
		w = 1;
	if (w > 100)
		w = 100;
	e = json_pack("{ss ss ss sI ss}", "id", id, "what", what, "within",
	    within, "weight", (json_int_t)w, "objective", objective);
	if (json_array_size(names) && strcmp(what, "update") == 0)
		json_object_set(e, "names", names);
	json_object_set(pass, "result",
	    json_object_get(ev, "result") ? json_object_get(ev, "result")
	                                  : json_null());
	if (params)
		json_object_set(pass, "parameters", (json_t *)params);
	if (range)
		json_object_set(pass, "score_range", (json_t *)range);
	if (json_object_get(ev, "evaluation_strategy"))
		json_object_set(pass, "evaluation_strategy",
		    json_object_get(ev, "evaluation_strategy"));
	json_object_set_new(e, "cexf", pass);
	json_decref(names);
	return e;
}

/* The expectation of `inj` whose CEXF result is `result`, or NULL. */
static const char *
expectation_for(const json_t *inj, const char *result)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(inj, "expect"), i, e)
	{
		const char *r = str(json_object_get(e, "cexf"), "result");

		if (r && result && strcmp(r, result) == 0)
			return str(e, "id");
	}
	return NULL;
}

static json_t *
import_inject(const json_t *flow, const json_t *ci, const json_t *payloads,
    const json_t *done, size_t k, const char *within)
{
	const char *uuid = str(flow, "inject_uuid"), *name = str(ci, "name");
	const json_t *req = json_object_get(flow, "requirements");
	const json_t *seq = json_object_get(flow, "sequence");
	const json_t *tm = json_object_get(flow, "timing");
	const json_t *evs = json_object_get(ci, "inject_evaluation"), *ev;
	char *id = xid_from(uuid, "I"), *title, *text = NULL, objective[16];
	json_t *in, *expect = json_array(), *pass, *after, *off;
	size_t i;

	snprintf(objective, sizeof(objective), "O%zu", k + 1);
	title = clean_text(
	    name ? name : "Inject", strlen(name ? name : "Inject"), 280, false);
	text = payload_text(find_uuid(
	    payloads, "uuid", str(ci, "action_payload_resource_uuid")));
	if (text == NULL || *text == '\0') {
		const char *d = str(flow, "description");

		free(text);
		text = px_strdup(d && *d ? d : title);
	}
	json_array_foreach(evs, i, ev)
	{
		if (i >= 32)
			break;
		json_array_append_new(
		    expect, evaluation(ev, i, objective, within));
	}
	off = seconds_duration(json_object_get(tm, "triggered_at"));
	in = json_pack("{ss sI ss ss s{ss} ss s{ss ss ss ss ss} so}", "id", id,
	    "serial", (json_int_t)k + 1, "offset",
	    off ? json_string_value(off) : "0", "from", "a", "to", "party", "b",
	    "channel", "report", "payload", "title", *title ? title : id,
	    "text", text, "category", "other", "priority", "P3", "tlp", "amber",
	    "expect", expect);
	json_decref(off);
	/* "inject-resolution" of an earlier inject: its evaluation named
	 * by resolution_requirement met (or the inject played). */
	if (json_is_object(req) && str(req, "inject_uuid")) {
		char *dep = xid_from(str(req, "inject_uuid"), "I");
		const json_t *d = NULL, *v;
		const char *eid;

		json_array_foreach(
		    done, i, v) if (strcmp(str(v, "id"), dep) == 0) d = v;
		if (d) {
			after = json_pack("{ss}", "inject", dep);
			eid = expectation_for(
			    d, str(req, "resolution_requirement"));
			if (eid) {
				json_object_set_new(
				    after, "expectation", json_string(eid));
				json_object_set_new(
				    after, "status", json_string("met"));
			}
			json_object_set_new(
			    in, "after", json_pack("[o]", after));
		}
		free(dep);
	}
	pass = json_pack("{sO}", "inject_uuid",
	    uuid ? json_object_get(flow, "inject_uuid") : json_null());
	{
		static const char *const keep[] = { "name", "action",
			"action_payload_resource_uuid", "target_tool", NULL };

		for (size_t j = 0; keep[j]; j++)
			if (json_object_get(ci, keep[j]))
				json_object_set(pass, keep[j],
				    json_object_get(ci, keep[j]));
	}
	if (json_object_get(flow, "description"))
		json_object_set(
		    pass, "description", json_object_get(flow, "description"));
	if (seq)
		json_object_set(pass, "sequence", (json_t *)seq);
	if (tm)
		json_object_set(pass, "timing", (json_t *)tm);
	json_object_set_new(in, "cexf", pass);
	free(id);
	free(title);
	free(text);
	return in;
}

int
px_cexf_import(json_t **out, const json_t *cexf)
{
	const json_t *ex = json_object_get(cexf, "exercise");
	const json_t *flow = json_object_get(cexf, "inject_flow");
	const json_t *injs = json_object_get(cexf, "injects");
	const json_t *payloads = json_object_get(cexf, "inject_payloads");
	const json_t *own = json_object_get(
	                 json_object_get(ex, "meta"), "x-parley"),
	             *f;
	json_t *doc, *list, *objs, *dur, *pass;
	const char *name, *within;
	char *id, *t;
	size_t i;

	*out = NULL;
	if (!json_is_object(cexf) || !json_is_object(ex) ||
	    !json_is_array(flow) || !json_is_array(injs))
		return px_error_set(PX_EINVAL,
		    "CEXF: expected an object with 'exercise' (object), "
		    "'inject_flow' and 'injects' (arrays)");
	/* Our own export: the scenario it was made from. */
	if (json_is_object(own)) {
		*out = json_deep_copy(own);
		return 0;
	}
	if ((name = str(ex, "name")) == NULL || *name == '\0')
		return px_error_set(
		    PX_EINVAL, "CEXF: exercise.name is missing");
	if (json_array_size(flow) == 0 || json_array_size(flow) > 10000)
		return px_error_set(PX_EINVAL,
		    "CEXF: inject_flow must list 1 to 10000 injects");
	id = xid_from(
	    str(ex, "namespace") ? str(ex, "namespace") : name, "cexf");
	t = clean_text(name, strlen(name), 200, false);
	doc =
	    json_pack("{si ss ss}", "parley_scenario", 1, "id", id, "name", t);
	free(id);
	free(t);
	if (str(ex, "description") && *str(ex, "description")) {
		t = clean_text(str(ex, "description"),
		    strlen(str(ex, "description")), 60000, true);
		json_object_set_new(doc, "description", json_string(t));
		free(t);
	}
	if ((dur = seconds_duration(json_object_get(ex, "total_duration"))))
		json_object_set_new(doc, "duration", dur);
	/* CEXF gives no deadline: each evaluation waits the exercise's
	 * length, or an hour. */
	within = dur ? json_string_value(dur) : "1h";
	list = json_array();
	objs = json_array();
	json_array_foreach(flow, i, f)
	{
		const json_t *ci =
		    find_uuid(injs, "uuid", str(f, "inject_uuid"));
		char oid[16];

		if (ci == NULL) {
			json_decref(doc);
			json_decref(list);
			json_decref(objs);
			return px_error_set(PX_EINVAL,
			    "CEXF: inject_flow[%zu] names inject '%.40s', which "
			    "'injects' does not hold",
			    i,
			    str(f, "inject_uuid") ? str(f, "inject_uuid") : "");
		}
		snprintf(oid, sizeof(oid), "O%zu", i + 1);
		t = clean_text(str(ci, "name") ? str(ci, "name") : oid,
		    strlen(str(ci, "name") ? str(ci, "name") : oid), 2000,
		    false);
		json_array_append_new(objs,
		    json_pack("{ss ss}", "id", oid, "text", *t ? t : oid));
		free(t);
		json_array_append_new(
		    list, import_inject(f, ci, payloads, list, i, within));
	}
	json_object_set_new(doc, "objectives", objs);
	json_object_set_new(doc, "injects", list);
	pass = json_pack("{sO}", "exercise", ex);
	if (payloads)
		json_object_set(pass, "inject_payloads", (json_t *)payloads);
	json_object_set_new(doc, "cexf", pass);
	*out = doc;
	return 0;
}

/* ---- Export ---- */

/* A UUID (version 4 in shape) derived from `seed`: the same scenario
 * exports with the same identifiers. */
static void
derived_uuid(char out[37], const char *seed)
{
	uint8_t h[PX_SHA256_LEN];
	char x[65];

	px_sha256(h, seed, strlen(seed));
	h[6] = (uint8_t)((h[6] & 0x0f) | 0x40);
	h[8] = (uint8_t)((h[8] & 0x3f) | 0x80);
	px_hex_encode(x, h, 16);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", x, x + 8, x + 12, x + 16,
	    x + 20);
}

static json_t *
seconds(int64_t ms)
{
	char s[32];

	snprintf(s, sizeof(s), "%lld", (long long)(ms / 1000));
	return json_string(s);
}

/* An inject's name for CEXF: its title, or what it is. */
static const char *
inject_name(const struct px_xinject *in, char *buf)
{
	if (in->title)
		return px_xtext(in->title, "en");
	if (in->channel == PX_XCH_UPDATE) {
		snprintf(buf, 200, "Update in %s", in->in);
		return buf;
	}
	return "Communication check";
}

static json_t *
inject_uuid(const struct px_xinject *in, const char *hash)
{
	const char *u = str(json_object_get(in->obj, "cexf"), "inject_uuid");
	char seed[200], uuid[37];

	if (u)
		return json_string(u);
	snprintf(seed, sizeof(seed), "%s/%s", hash, in->id);
	derived_uuid(uuid, seed);
	return json_string(uuid);
}

int
px_cexf_export(json_t **out, const json_t *scenario)
{
	struct px_scenario s;
	const json_t *pass = json_object_get(scenario, "cexf");
	json_t *flow = json_array(), *injs = json_array(), *pays = json_array();
	json_t *ex, *uuids = json_array(), *meta;
	char h[PX_HASH_HEX], uuid[37], ver[32];
	int rc;

	*out = NULL;
	if ((rc = px_scenario_parse(&s, (json_t *)scenario, false)) < 0 ||
	    (rc = px_scenario_hash(h, scenario)) < 0)
		goto out;
	for (size_t i = 0; i < s.ninjects; i++)
		json_array_append_new(uuids, inject_uuid(&s.injects[i], h));
	for (size_t i = 0; i < s.ninjects; i++) {
		const struct px_xinject *in = &s.injects[i];
		const json_t *ip = json_object_get(in->obj, "cexf");
		json_t *evs = json_array(), *req = json_object(), *seq, *inj;
		json_t *follow = json_array();
		const char *text = px_xtext(in->text, "en");
		char *b64, pu[37], seed[200], nm[200];

		for (size_t k = 0; k < in->nexpect; k++) {
			const struct px_xexpect *xe = &in->expect[k];
			const json_t *ep = json_object_get(
			    json_array_get(
			        json_object_get(in->obj, "expect"), k),
			    "cexf");
			const json_t *xo = json_array_get(
			    json_object_get(in->obj, "expect"), k);
			json_t *e = json_pack("{s[iI]}", "score_range", 0,
			    (json_int_t)xe->weight);

			/* Our own evaluations speak parley: the predicate
			 * and its deadline. */
			json_object_set_new(e, "result",
			    json_object_get(ep, "result")
			        ? json_incref(json_object_get(ep, "result"))
			        : json_string(xe->id));
			json_object_set_new(e, "parameters",
			    json_object_get(ep, "parameters")
			        ? json_incref(json_object_get(ep, "parameters"))
			        : json_pack("[{s{ss s[s]}}]",
			              px_xwhat_names[xe->what], "comparison",
			              "within", "values",
			              json_string_value(
			                  json_object_get(xo, "within"))));
			json_array_append_new(evs, e);
		}
		/* The first condition is the flow's requirement. */
		if (in->nafter) {
			const struct px_xcond *c = &in->after[0];

			json_object_set(req, "inject_uuid",
			    json_array_get(uuids, (size_t)c->idx));
			if (c->expectation) {
				const json_t *ep = json_object_get(
				    json_array_get(
				        json_object_get(
				            s.injects[c->idx].obj, "expect"),
				        (size_t)c->eidx),
				    "cexf");

				json_object_set_new(req,
				    "resolution_requirement",
				    json_string(str(ep, "result")
				            ? str(ep, "result")
				            : c->expectation));
			}
		}
		for (size_t j = i + 1; j < s.ninjects; j++)
			for (size_t c = 0; c < s.injects[j].nafter; c++)
				if (s.injects[j].after[c].idx == (int)i) {
					json_array_append(
					    follow, json_array_get(uuids, j));
					break;
				}
		seq = json_pack("{s[ss]}", "completion_trigger",
		    "time_expiration", "completion");
		json_object_set_new(seq, "trigger",
		    in->nafter ? json_string("inject-resolution")
		               : json_pack("[s]", "startex"));
		if (json_array_size(follow))
			json_object_set(seq, "followed_by", follow);
		json_array_append_new(flow,
		    json_pack("{ss sO so so s{so} s[]}", "description",
		        inject_name(in, nm), "inject_uuid",
		        json_array_get(uuids, i), "requirements", req,
		        "sequence", seq, "timing", "triggered_at",
		        in->offset ? seconds(in->offset) : json_null(),
		        "reporting_callback"));
		json_decref(follow);
		snprintf(seed, sizeof(seed), "%s/%s/payload", h, in->id);
		derived_uuid(pu, seed);
		b64 = px_b64_encode((const uint8_t *)(text ? text : ""),
		    text ? strlen(text) : 0);
		json_array_append_new(pays,
		    json_pack("{ss ss ss s{ss ss ss+}}", "uuid", pu, "name",
		        in->id, "type", "file", "parameters", "content", b64,
		        "content-type", "base64", "filename", in->id, ".txt"));
		free(b64);
		inj = json_pack("{sO ss ss ss ss so}", "uuid",
		    json_array_get(uuids, i), "name", inject_name(in, nm),
		    "action",
		    str(ip, "action") ? str(ip, "action")
		        : in->channel == PX_XCH_CHECK
		        ? "communication_check"
		        : "message_to_participants",
		    "target_tool",
		    str(ip, "target_tool") ? str(ip, "target_tool") : "parley",
		    "action_payload_resource_uuid", pu, "inject_evaluation",
		    evs);
		json_array_append_new(injs, inj);
	}
	meta = json_pack("{ss sO}", "author", "parley", "x-parley", scenario);
	snprintf(ver, sizeof(ver), "%lld", (long long)s.version);
	{
		const json_t *pe = json_object_get(pass, "exercise");

		if (str(pe, "uuid"))
			snprintf(uuid, sizeof(uuid), "%.36s", str(pe, "uuid"));
		else
			derived_uuid(uuid, h);
	}
	ex = json_pack("{ss ss ss so ss ss s[s] ss ss}", "uuid", uuid, "name",
	    px_xtext(s.name, "en"), "description",
	    s.description ? px_xtext(s.description, "en") : "", "meta", meta,
	    "namespace", "parley", "expanded",
	    s.description ? px_xtext(s.description, "en") : "", "tags",
	    "exercise:software-scope=\"parley\"", "total_duration", "0",
	    "version", ver);
	if (s.duration)
		json_object_set_new(ex, "total_duration", seconds(s.duration));
	*out = json_pack("{so so so so}", "exercise", ex, "inject_flow", flow,
	    "injects", injs, "inject_payloads", pays);
	flow = injs = pays = NULL;
out:
	px_scenario_dispose(&s);
	json_decref(uuids);
	json_decref(flow);
	json_decref(injs);
	json_decref(pays);
	return rc;
}
