/*
 * MISP events (misp.h).
 *
 * MISP's own vocabulary: an event has `info`, `date`, `threat_level_id`
 * (1 high .. 4 undefined), `analysis` (0 initial, 1 ongoing, 2
 * complete), `distribution` (0 your organisation only, 1 this community,
 * 2 connected communities, 3 all communities, 5 inherit, for attributes)
 * and tags; attributes have a `type` and a `category` from MISP's
 * describeTypes table.  Numbers travel as strings, as MISP writes them.
 */
#include <nettle/md5.h>
#include <strings.h>

#include "formats/misp.h"
#include "model/canon.h"
#include "util/util.h"

/* Observable wire type -> MISP attribute type and category. */
static const struct {
	const char *wire, *type, *category;
	bool to_ids;
} obs_map[] = {
	{ "ipv4-addr", "ip-dst", "Network activity", true },
	{ "ipv6-addr", "ip-dst", "Network activity", true },
	{ "domain-name", "domain", "Network activity", true },
	{ "url", "url", "Network activity", true },
	{ "email-addr", "email", "Network activity", true },
	{ "vulnerability", "vulnerability", "External analysis", false },
	{ "autonomous-system", "AS", "Network activity", false },
};

static const char *const tlp_tags[PX_TLP__N] = { "tlp:clear", "tlp:green",
	"tlp:amber", "tlp:amber+strict", "tlp:red" };
/* The widest distribution each marking allows. */
static const char *const tlp_dist[PX_TLP__N] = { "3", "2", "1", "0", "0" };

static json_t *
attribute(const struct px_case *c, const char *type, const char *cat,
    const char *value, bool to_ids, int64_t ms, const char *comment)
{
	char u[PX_UUID_STRLEN], *name;
	json_t *a;

	name = px_asprintf("misp-attribute|%s|%s|%s", c->id, type, value);
	px_uuid5(u, PX_STIX_NS, name);
	free(name);
	a = json_pack("{ss ss ss ss sb ss}", "uuid", u, "type", type,
	    "category", cat, "value", value, "to_ids", to_ids, "distribution",
	    "5");
	/* MISP writes the timestamp as a string. */
	json_object_set_new(
	    a, "timestamp", json_sprintf("%lld", (long long)(ms / 1000)));
	if (comment)
		json_object_set_new(a, "comment", json_string(comment));
	return a;
}

static const char *
analysis_of(enum px_state s)
{
	switch (s) {
	case PX_ST_SENT:
	case PX_ST_DELIVERED:
	case PX_ST_ACKNOWLEDGED:
		return "0";
	case PX_ST_RESOLVED:
	case PX_ST_CLOSED:
	case PX_ST_DECLINED:
	case PX_ST_FORWARDED:
	case PX_ST_WITHDRAWN:
		return "2";
	default:
		return "1";
	}
}

json_t *
px_misp_event(const struct px_case *c)
{
	char u[PX_UUID_STRLEN], day[PX_TIME_STRLEN], *name;
	json_t *attrs = json_array(), *e;
	const json_t *ob;
	size_t i;
	int64_t last = c->n ? c->msgs[c->n - 1]->time_ms : c->opened_ms;

	name = px_asprintf("misp-event|%s", c->id);
	px_uuid5(u, PX_STIX_NS, name);
	free(name);
	px_time_format(day, c->opened_ms);
	day[10] = '\0';
	json_array_foreach(c->observables, i, ob)
	{
		const char *w = json_string_value(json_object_get(ob, "type"));
		const char *v = json_string_value(json_object_get(ob, "value"));

		if (strcmp(w, "file") == 0) {
			const char *colon = strchr(v, ':');
			char algo[8];

			snprintf(algo, sizeof(algo), "%.*s",
			    colon ? (int)(colon - v) : 0, v);
			json_array_append_new(attrs,
			    attribute(c, algo, "Payload delivery",
			        colon ? colon + 1 : v, true, c->opened_ms,
			        NULL));
			continue;
		}
		for (size_t k = 0; k < PX_ARRAY_LEN(obs_map); k++)
			if (strcmp(w, obs_map[k].wire) == 0)
				json_array_append_new(attrs,
				    attribute(c, obs_map[k].type,
				        obs_map[k].category,
				        strcmp(w, "autonomous-system") == 0
				            ? v + 2
				            : v,
				        obs_map[k].to_ids, c->opened_ms, NULL));
	}
	for (i = 0; i < c->n; i++) {
		const struct px_msg *m = c->msgs[i];
		char *cm;

		if (px_msg_text(m) == NULL || m->type == PX_MSG_ESCALATE)
			continue;
		cm = px_asprintf("parley %s from %s, message %s",
		    px_msg_type_names[m->type].wire, m->from, m->hash);
		json_array_append_new(attrs,
		    attribute(c, "text", "Other", px_msg_text(m), false,
		        m->time_ms, cm));
		free(cm);
	}
	e = json_pack("{ss ss ss ss ss ss sb s{ss} s[{ss}] so}", "uuid", u,
	    "info", c->title, "date", day, "threat_level_id",
	    c->priority == PX_P1       ? "1"
	        : c->priority == PX_P2 ? "2"
	        : c->priority == PX_P3 ? "3"
	                               : "4",
	    "analysis", analysis_of(c->state), "distribution", tlp_dist[c->tlp],
	    "published", false, "Orgc", "name", c->requester, "Tag", "name",
	    tlp_tags[c->tlp], "Attribute", attrs);
	json_object_set_new(
	    e, "timestamp", json_sprintf("%lld", (long long)(last / 1000)));
	json_array_append_new(json_object_get(e, "Tag"),
	    json_pack("{so}", "name",
	        json_sprintf(
	            "parley:kind=\"%s\"", px_kind_names[c->kind].wire)));
	json_array_append_new(json_object_get(e, "Tag"),
	    json_pack("{so}", "name",
	        json_sprintf("parley:category=\"%s\"",
	            px_category_names[c->category].wire)));
	if (c->exercise_id) /* docs/exercises.md, "Marking" */
		json_array_append_new(json_object_get(e, "Tag"),
		    json_pack("{so}", "name",
		        json_sprintf(
		            "parley:exercise=\"%s\"", c->exercise_id)));
	return json_pack("{so}", "Event", e);
}

/* ---- import ------------------------------------------------------------- */

/* MISP attribute type -> observable type (CLI form) for those that map;
 * composite "a|b" types take the part after '|'. */
static const struct {
	const char *misp, *obs;
	bool second; /* take the value after '|' */
} type_map[] = {
	{ "ip-dst", "ip", false },
	{ "ip-src", "ip", false },
	{ "ip-dst|port", "ip", false },
	{ "ip-src|port", "ip", false },
	{ "domain", "domain", false },
	{ "hostname", "domain", false },
	{ "domain|ip", "domain", false },
	{ "url", "url", false },
	{ "email", "email", false },
	{ "email-src", "email", false },
	{ "email-dst", "email", false },
	{ "md5", "md5", false },
	{ "sha1", "sha1", false },
	{ "sha256", "sha256", false },
	{ "sha512", "sha512", false },
	{ "filename|md5", "md5", true },
	{ "filename|sha1", "sha1", true },
	{ "filename|sha256", "sha256", true },
	{ "filename|sha512", "sha512", true },
	{ "vulnerability", "cve", false },
	{ "AS", "asn", false },
};

static int
attr_obs(struct px_stix_case *out, const json_t *a)
{
	const char *t = json_string_value(json_object_get(a, "type"));
	const char *v = json_string_value(json_object_get(a, "value"));
	const char *u = json_string_value(json_object_get(a, "uuid"));
	char where[80], *val;
	int rc;

	snprintf(where, sizeof(where), "attribute %.40s (%.20s)",
	    u ? u : "without uuid", t ? t : "no type");
	if (!json_is_object(a) || t == NULL || v == NULL)
		return px_error_set(PX_EINVAL,
		    "%s: an attribute needs a string type and value", where);
	if (json_is_true(json_object_get(a, "deleted")))
		return 0;
	if (strcmp(t, "text") == 0) {
		if (out->text == NULL)
			out->text = px_strdup(v);
		return 0;
	}
	for (size_t k = 0; k < PX_ARRAY_LEN(type_map); k++) {
		const char *bar;

		if (strcmp(t, type_map[k].misp) != 0)
			continue;
		bar = strchr(v, '|');
		if (type_map[k].second)
			val = px_strdup(bar ? bar + 1 : v);
		else
			val = bar && strchr(type_map[k].misp, '|')
			    ? px_asprintf("%.*s", (int)(bar - v), v)
			    : px_strdup(v);
		rc = px_stix_case_add_obs(out, type_map[k].obs, val, where);
		free(val);
		return rc;
	}
	return 0; /* a type that does not map (link, comment, ...) */
}

json_t *
px_misp_manifest_entry(const json_t *ev)
{
	static const char *const keep[] = { "info", "Orgc", "analysis", "date",
		"timestamp", "threat_level_id", "published", "Tag" };
	const json_t *e = json_object_get(ev, "Event");
	json_t *m = json_object();

	for (size_t k = 0; k < PX_ARRAY_LEN(keep); k++)
		if (json_object_get(e, keep[k]))
			json_object_set(
			    m, keep[k], json_object_get(e, keep[k]));
	return m;
}

static void
hash_line(struct px_buf *b, const char *v, size_t len, const char *uuid)
{
	struct md5_ctx ctx;
	uint8_t d[MD5_DIGEST_SIZE];

	md5_init(&ctx);
	md5_update(&ctx, len, (const uint8_t *)v);
	md5_digest(&ctx, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++)
		px_buf_putf(b, "%02x", d[i]);
	px_buf_putf(b, ",%s\n", uuid);
}

void
px_misp_hashes(struct px_buf *b, const json_t *ev)
{
	const json_t *e = json_object_get(ev, "Event"), *a;
	const char *u = json_string_value(json_object_get(e, "uuid"));
	size_t i;

	json_array_foreach(json_object_get(e, "Attribute"), i, a)
	{
		const char *t = json_string_value(json_object_get(a, "type"));
		const char *v = json_string_value(json_object_get(a, "value"));

		if (v == NULL || u == NULL)
			continue;
		if (t && strchr(t, '|') && strchr(v, '|')) {
			const char *bar = strchr(v, '|');

			hash_line(b, v, (size_t)(bar - v), u);
			hash_line(b, bar + 1, strlen(bar + 1), u);
		} else {
			hash_line(b, v, strlen(v), u);
		}
	}
}

/* Raises c's marking to the strictest TLP tag in `tags` ([{"name"}]). */
static void
tags_tlp(struct px_stix_case *c, const json_t *tags)
{
	size_t i;
	const json_t *v;

	json_array_foreach(tags, i, v)
	{
		int t = px_tlp_from_tag(
		    json_string_value(json_object_get(v, "name")));

		if (t >= 0 && (!c->marked || t > (int)c->tlp)) {
			c->tlp = (enum px_tlp)t;
			c->marked = true;
		}
	}
}

int
px_misp_parse(
    struct px_stix_case *out, const char *text, size_t len, enum px_tlp dflt)
{
	json_t *doc = NULL;
	const json_t *e, *v, *o;
	const char *info, *tl;
	size_t i, k;
	int rc;

	memset(out, 0, sizeof(*out));
	out->kind = out->category = out->priority = -1;
	out->tlp = dflt;
	if (len > PX_MISP_MAX_BYTES)
		return px_error_set(PX_ETOOBIG,
		    "the MISP event is %zu bytes; at most %u are read", len,
		    PX_MISP_MAX_BYTES);
	if ((rc = px_json_parse(
	         &doc, text, len, PX_MISP_MAX_BYTES, "the MISP event")) < 0)
		return rc;
	e = doc;
	/* What MISP's API answers (events/view, restSearch): {"response":
	 * [EVENT, ...]}, each EVENT wrapped in {"Event": ...} or bare.  One
	 * event makes one case; several are refused rather than guessed. */
	if (json_is_array(json_object_get(doc, "response"))) {
		const json_t *r = json_object_get(doc, "response");

		if (json_array_size(r) != 1) {
			rc = px_error_set(PX_EINVAL,
			    "a MISP API response with %zu events: import one "
			    "event per file (or a MISP feed directory)",
			    json_array_size(r));
			goto out;
		}
		e = json_array_get(r, 0);
	}
	if (json_object_get(e, "Event"))
		e = json_object_get(e, "Event");
	info = json_string_value(json_object_get(e, "info"));
	if (!json_is_object(e) || info == NULL || *info == '\0') {
		rc = px_error_set(PX_EINVAL,
		    "not a MISP event: expected {\"Event\": {\"info\": TITLE, "
		    "...}}, the bare event or {\"response\": [EVENT]}, with "
		    "a non-empty info");
		goto out;
	}
	out->title = px_strdup(info);
	/* The strictest TLP tag of the event and of every attribute (a RED
	 * attribute makes the case RED); with none, distribution 0 ("your
	 * organisation only") reads as AMBER+STRICT. */
	tags_tlp(out, json_object_get(e, "Tag"));
	json_array_foreach(json_object_get(e, "Attribute"), i, v)
	    tags_tlp(out, json_object_get(v, "Tag"));
	json_array_foreach(json_object_get(e, "Object"), i, o)
	{
		json_array_foreach(json_object_get(o, "Attribute"), k, v)
		    tags_tlp(out, json_object_get(v, "Tag"));
	}
	v = json_object_get(e, "distribution");
	if (!out->marked &&
	    ((json_is_string(v) && strcmp(json_string_value(v), "0") == 0) ||
	        (json_is_integer(v) && json_integer_value(v) == 0))) {
		out->tlp = PX_TLP_AMBER_STRICT;
		out->marked = true;
	}
	tl = json_string_value(json_object_get(e, "threat_level_id"));
	if (tl && tl[0] >= '1' && tl[0] <= '4' && tl[1] == '\0')
		out->priority = tl[0] - '1';
	json_array_foreach(json_object_get(e, "Attribute"), i,
	    v) if ((rc = attr_obs(out, v)) < 0) goto out;
	json_array_foreach(json_object_get(e, "Object"), i, o)
	{
		json_array_foreach(json_object_get(o, "Attribute"), k,
		    v) if ((rc = attr_obs(out, v)) < 0) goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		px_stix_case_dispose(out);
	json_decref(doc);
	return rc;
}
