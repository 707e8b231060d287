/*
 * X-ARF v4 reports of cases (xarf.h).  The feed decoder, which reads
 * X-ARF reports as feed events, is xarf.c.
 *
 * An X-ARF report names one abuse source (source_identifier) and one
 * category/type; a parley case may name many.  So a case becomes one
 * report per observable that can be a source for its category, each
 * carrying the fields its type's schema requires from what the case
 * holds (the title as the evidence or method text).  Where a type needs
 * facts parley does not keep (a DDoS's protocol, a CVE's service and
 * port), the report is reputation/threat_intelligence, whose only
 * requirement is the threat's name.
 */
#include <strings.h>

#include "formats/xarf.h"
#include "model/canon.h"
#include "util/util.h"

struct kind {
	const char *category, *type;
	bool urls; /* the sources are the URLs (content/...) */
};

static struct kind
kind_of(enum px_category c)
{
	switch (c) {
	case PX_CAT_PHISHING:
		return (struct kind){ "content", "phishing", true };
	case PX_CAT_MALWARE:
		return (struct kind){ "content", "malware", true };
	case PX_CAT_BOTNET:
		return (struct kind){ "infrastructure", "botnet", false };
	case PX_CAT_INTRUSION:
		return (struct kind){ "infrastructure", "compromised_server",
			false };
	default:
		return (
		    struct kind){ "reputation", "threat_intelligence", false };
	}
}

/* The host of a normalised URL ("https://h:8443/p" -> "h"); heap. */
static char *
url_host(const char *u)
{
	const char *h = strstr(u, "://"), *e;

	h = h ? h + 3 : u;
	if (*h == '[') {
		e = strchr(h, ']');
		return px_asprintf("%.*s", e ? (int)(e - h - 1) : 0, h + 1);
	}
	e = h + strcspn(h, ":/?#");
	return px_asprintf("%.*s", (int)(e - h), h);
}

int
px_xarf_reports(
    json_t **out, const struct px_case *c, const struct px_xarf_party *by)
{
	struct kind k = kind_of(c->category);
	json_t *arr = json_array(), *who;
	const json_t *ob;
	char t[PX_TIME_STRLEN];
	size_t i;

	*out = NULL;
	px_time_format(t, c->opened_ms);
	who = json_pack("{ss ss ss}", "org", by->org, "contact", by->contact,
	    "domain", by->domain);
	json_array_foreach(c->observables, i, ob)
	{
		const char *w = json_string_value(json_object_get(ob, "type"));
		const char *v = json_string_value(json_object_get(ob, "value"));
		char u[PX_UUID_STRLEN], *name, *src;
		json_t *r;

		if (k.urls != (strcmp(w, "url") == 0))
			continue;
		if (!k.urls && strcmp(w, "ipv4-addr") &&
		    strcmp(w, "ipv6-addr") && strcmp(w, "domain-name"))
			continue;
		src = k.urls ? url_host(v) : px_strdup(v);
		name = px_asprintf("xarf|%s|%s|%s", c->id, w, v);
		px_uuid5(u, PX_STIX_NS, name);
		free(name);
		r = json_pack("{ss ss ss sO sO ss ss ss ss}", "xarf_version",
		    "4.2.0", "report_id", u, "timestamp", t, "reporter", who,
		    "sender", who, "source_identifier", src, "category",
		    k.category, "type", k.type, "evidence_source",
		    "threat_intelligence");
		json_object_set_new(r, "description", json_string(c->title));
		json_object_set_new(r, "tags",
		    json_pack("[s+ s+]", "tlp:", px_tlp_names[c->tlp].wire,
		        "category:", px_category_names[c->category].wire));
		if (k.urls)
			json_object_set_new(r, "url", json_string(v));
		if (strcmp(k.type, "botnet") == 0)
			json_object_set_new(
			    r, "compromise_evidence", json_string(c->title));
		else if (strcmp(k.type, "compromised_server") == 0)
			json_object_set_new(
			    r, "compromise_method", json_string(c->title));
		else if (strcmp(k.type, "threat_intelligence") == 0)
			json_object_set_new(r, "threat_type",
			    json_string(px_category_names[c->category].wire));
		json_array_append_new(arr, r);
		free(src);
	}
	json_decref(who);
	if (json_array_size(arr) == 0) {
		json_decref(arr);
		return px_error_set(PX_EINVAL,
		    "case %s names no %s X-ARF can report as a %s/%s source",
		    c->id, k.urls ? "URL" : "address or domain", k.category,
		    k.type);
	}
	*out = arr;
	return 0;
}

/* ---- import ------------------------------------------------------------- */

static int
category_of(const char *cat, const char *type)
{
	if (strcmp(type, "phishing") == 0)
		return PX_CAT_PHISHING;
	if (strcmp(type, "malware") == 0)
		return PX_CAT_MALWARE;
	if (strcmp(type, "botnet") == 0 || strcmp(type, "infected_host") == 0)
		return PX_CAT_BOTNET;
	if (strcmp(type, "compromised_server") == 0 ||
	    strcmp(type, "remote_compromise") == 0)
		return PX_CAT_INTRUSION;
	if (strcmp(type, "ddos") == 0)
		return PX_CAT_DDOS;
	if (strcmp(cat, "vulnerability") == 0)
		return PX_CAT_VULNERABLE_SITE;
	return PX_CAT_OTHER;
}

/* A source identifier: an address (maybe with a port or a network) or a
 * domain; anything else (an e-mail, a handle) is left out. */
static int
source_obs(struct px_stix_case *out, const char *s, const char *where)
{
	if (strchr(s, '@') || strchr(s, ' '))
		return 0;
	if (strspn(s, "0123456789./") == strlen(s) || strchr(s, ':'))
		return px_stix_case_add_obs(out, "ip", s, where);
	return px_stix_case_add_obs(out, "domain", s, where);
}

static int
one_report(struct px_stix_case *out, const json_t *r, size_t i)
{
	const char *cat = json_string_value(json_object_get(r, "category"));
	const char *type = json_string_value(json_object_get(r, "type"));
	const char *src =
	    json_string_value(json_object_get(r, "source_identifier"));
	const char *ver = json_string_value(json_object_get(r, "xarf_version"));
	const char *id = json_string_value(json_object_get(r, "report_id"));
	static const char *const also[] = { "url", "c2_server" };
	const json_t *tags, *tg;
	char where[80];
	size_t k;
	int rc;

	snprintf(where, sizeof(where), "report %zu (%.40s)", i + 1,
	    id ? id : "no report_id");
	if (!json_is_object(r) || cat == NULL || type == NULL || src == NULL ||
	    ver == NULL || strncmp(ver, "4.", 2) != 0)
		return px_error_set(PX_EINVAL,
		    "%s: not an X-ARF v4 report (it needs xarf_version 4.x, "
		    "category, type and source_identifier)",
		    where);
	if (out->title == NULL) {
		out->title =
		    px_asprintf("X-ARF %s/%s about %s", cat, type, src);
		out->category = category_of(cat, type);
		if (json_string_value(json_object_get(r, "description")))
			out->text = px_strdup(json_string_value(
			    json_object_get(r, "description")));
	}
	if ((rc = source_obs(out, src, where)) < 0)
		return rc;
	for (k = 0; k < PX_ARRAY_LEN(also); k++) {
		const char *v = json_string_value(json_object_get(r, also[k]));

		if (v &&
		    (rc = px_stix_case_add_obs(out,
		         strcmp(also[k], "url") == 0 ? "url" : "domain", v,
		         where)) < 0)
			return rc;
	}
	if (json_string_value(json_object_get(r, "cve_id")) &&
	    (rc = px_stix_case_add_obs(out, "cve",
	         json_string_value(json_object_get(r, "cve_id")), where)) < 0)
		return rc;
	tags = json_object_get(r, "tags");
	json_array_foreach(tags, k, tg)
	{
		const char *s = json_string_value(tg);
		int t;

		/* The strictest of the reports' TLP tags, in any case. */
		if ((t = px_tlp_from_tag(s)) >= 0 &&
		    (!out->marked || t > (int)out->tlp)) {
			out->tlp = (enum px_tlp)t;
			out->marked = true;
		}
	}
	return 0;
}

int
px_xarf_parse(
    struct px_stix_case *out, const char *text, size_t len, enum px_tlp dflt)
{
	json_t *doc = NULL;
	const json_t *r;
	size_t i;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->kind = out->category = out->priority = -1;
	out->tlp = dflt;
	if (len > PX_XARF_MAX_BYTES)
		return px_error_set(PX_ETOOBIG,
		    "the X-ARF document is %zu bytes; at most %u are read", len,
		    PX_XARF_MAX_BYTES);
	if ((rc = px_json_parse(
	         &doc, text, len, PX_XARF_MAX_BYTES, "the X-ARF report")) < 0)
		return rc;
	if (json_is_array(doc) && json_array_size(doc) == 0)
		rc = px_error_set(PX_EINVAL, "the X-ARF array is empty");
	else if (json_is_array(doc)) {
		json_array_foreach(doc, i, r) if (rc == 0) rc =
		    one_report(out, r, i);
	} else {
		rc = one_report(out, doc, 0);
	}
	if (rc < 0)
		px_stix_case_dispose(out);
	json_decref(doc);
	return rc;
}
