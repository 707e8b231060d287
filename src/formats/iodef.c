/*
 * IODEF version 2 (iodef.h), on libxml2's tree API.
 *
 * RFC 7970's vocabulary: an IODEF-Document holds Incidents; an Incident
 * has a purpose (reporting, mitigation, ...), a status (new,
 * in-progress, forwarded, resolved, ...), a restriction (TLP 1.0's
 * white, green, amber and red among the older public .. private), an
 * IncidentID named by the CSIRT that issued it, GenerationTime, and in
 * this order Description, Contact, EventData and AdditionalData.  Hosts
 * sit in EventData/Flow/System/Node as DomainData and Address; a CVE as a
 * Method's Reference.
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <ctype.h>
#include <strings.h>

#include "formats/iodef.h"
#include "model/observable.h"
#include "util/util.h"

#define BX(s)     ((const xmlChar *)(s))
#define MAX_DEPTH 200 /* the import's walk; libxml2 stops at 256 */

struct px_iodef {
	xmlDocPtr doc;
	xmlNodePtr root;
	xmlNsPtr ns;
};

/* TLP 2.0 marking -> restriction (and ext-restriction, or NULL). */
static const char *const restr[PX_TLP__N][2] = {
	{ "white", NULL },
	{ "green", NULL },
	{ "amber", NULL },
	{ "ext-value", "amber+strict" },
	{ "red", NULL },
};

/* Observable wire type -> Address category (by the value's form). */
static const char *
address_category(const char *wire, const char *v)
{
	bool net = strchr(v, '/') != NULL;

	if (strcmp(wire, "ipv4-addr") == 0)
		return net ? "ipv4-net" : "ipv4-addr";
	if (strcmp(wire, "ipv6-addr") == 0)
		return net ? "ipv6-net" : "ipv6-addr";
	if (strcmp(wire, "url") == 0)
		return "site-uri";
	if (strcmp(wire, "email-addr") == 0)
		return "e-mail";
	if (strcmp(wire, "autonomous-system") == 0)
		return "asn";
	return NULL;
}

static const char *
status_of(enum px_state s)
{
	switch (s) {
	case PX_ST_SENT:
	case PX_ST_DELIVERED:
		return "new";
	case PX_ST_FORWARDED:
		return "forwarded";
	case PX_ST_RESOLVED:
	case PX_ST_CLOSED:
	case PX_ST_DECLINED:
	case PX_ST_WITHDRAWN:
		return "resolved";
	default:
		return "in-progress";
	}
}

struct px_iodef *
px_iodef_new(void)
{
	struct px_iodef *d = px_calloc(1, sizeof(*d));

	d->doc = xmlNewDoc(BX("1.0"));
	d->root = xmlNewNode(NULL, BX("IODEF-Document"));
	d->ns = xmlNewNs(d->root, BX(PX_IODEF_NS), NULL);
	xmlSetNs(d->root, d->ns);
	xmlDocSetRootElement(d->doc, d->root);
	xmlNewProp(d->root, BX("version"), BX("2.00"));
	xmlNodeSetLang(d->root, BX("en"));
	return d;
}

void
px_iodef_free(struct px_iodef *d)
{
	if (d == NULL)
		return;
	xmlFreeDoc(d->doc);
	free(d);
}

/* A child element with text content (escaped by libxml2). */
static xmlNodePtr
el(const struct px_iodef *d, xmlNodePtr parent, const char *name,
    const char *text)
{
	return xmlNewTextChild(parent, d->ns, BX(name), BX(text));
}

static void
additional(const struct px_iodef *d, xmlNodePtr parent, const char *meaning,
    const char *value)
{
	xmlNodePtr a = el(d, parent, "AdditionalData", value);

	xmlNewProp(a, BX("dtype"), BX("string"));
	xmlNewProp(a, BX("meaning"), BX(meaning));
}

/* EventData with the case's observables, or nothing when it has none. */
static void
event_data(const struct px_iodef *d, xmlNodePtr inc, const struct px_case *c)
{
	xmlNodePtr ev, flow = NULL;
	const json_t *ob;
	size_t i;

	if (json_array_size(c->observables) == 0)
		return;
	ev = el(d, inc, "EventData", NULL);
	/* Methods come before Flow, hashes (AdditionalData) after it. */
	json_array_foreach(c->observables, i, ob)
	{
		const char *w = json_string_value(json_object_get(ob, "type"));
		const char *v = json_string_value(json_object_get(ob, "value"));
		char *url;
		xmlNodePtr ref;

		if (strcmp(w, "vulnerability") != 0)
			continue;
		ref = el(d, el(d, ev, "Method", NULL), "Reference", NULL);
		url = px_asprintf("https://www.cve.org/CVERecord?id=%s", v);
		el(d, ref, "URL", url);
		el(d, ref, "Description", v);
		free(url);
	}
	json_array_foreach(c->observables, i, ob)
	{
		const char *w = json_string_value(json_object_get(ob, "type"));
		const char *v = json_string_value(json_object_get(ob, "value"));
		const char *cat = address_category(w, v);
		xmlNodePtr sys, node;

		if (cat == NULL && strcmp(w, "domain-name") != 0)
			continue;
		if (flow == NULL)
			flow = el(d, ev, "Flow", NULL);
		sys = el(d, flow, "System", NULL);
		xmlNewProp(sys, BX("category"), BX("source"));
		node = el(d, sys, "Node", NULL);
		if (cat == NULL) {
			xmlNodePtr dd = el(d, node, "DomainData", NULL);

			xmlNewProp(dd, BX("system-status"), BX("unknown"));
			xmlNewProp(dd, BX("domain-status"), BX("unknown"));
			el(d, dd, "Name", v);
		} else {
			/* IODEF's asn is the number alone. */
			xmlNodePtr a = el(d, node, "Address",
			    strcmp(cat, "asn") == 0 ? v + 2 : v);

			xmlNewProp(a, BX("category"), BX(cat));
		}
	}
	json_array_foreach(c->observables, i, ob)
	{
		const char *w = json_string_value(json_object_get(ob, "type"));
		const char *v = json_string_value(json_object_get(ob, "value"));
		const char *colon = strchr(v, ':');
		char algo[8];

		if (strcmp(w, "file") != 0 || colon == NULL)
			continue;
		snprintf(algo, sizeof(algo), "%.*s", (int)(colon - v), v);
		additional(d, ev, algo, colon + 1);
	}
}

void
px_iodef_add_case(struct px_iodef *d, const struct px_case *c)
{
	char opened[PX_TIME_STRLEN], last[PX_TIME_STRLEN];
	xmlNodePtr inc, id, ct;
	const char *text = c->n ? px_msg_text(c->msgs[0]) : NULL;

	px_time_format(opened, c->opened_ms);
	px_time_format(last, c->n ? c->msgs[c->n - 1]->time_ms : c->opened_ms);
	inc = el(d, d->root, "Incident", NULL);
	xmlNewProp(inc, BX("purpose"),
	    BX(c->kind == PX_KIND_REQUEST ? "mitigation" : "reporting"));
	xmlNewProp(inc, BX("status"), BX(status_of(c->state)));
	xmlNewProp(inc, BX("restriction"), BX(restr[c->tlp][0]));
	if (restr[c->tlp][1])
		xmlNewProp(inc, BX("ext-restriction"), BX(restr[c->tlp][1]));
	id = el(d, inc, "IncidentID", c->id);
	xmlNewProp(id, BX("name"), BX(c->requester));
	el(d, inc, "ReportTime", opened);
	el(d, inc, "GenerationTime", last);
	el(d, inc, "Description", c->title);
	if (text)
		el(d, inc, "Description", text);
	ct = el(d, inc, "Contact", NULL);
	xmlNewProp(ct, BX("role"), BX("creator"));
	xmlNewProp(ct, BX("type"), BX("organization"));
	el(d, ct, "ContactName", c->requester);
	ct = el(d, inc, "Contact", NULL);
	xmlNewProp(ct, BX("role"), BX("irt"));
	xmlNewProp(ct, BX("type"), BX("organization"));
	el(d, ct, "ContactName", c->responder);
	event_data(d, inc, c);
	additional(d, inc, "parley:kind", px_kind_names[c->kind].wire);
	additional(
	    d, inc, "parley:category", px_category_names[c->category].wire);
	additional(
	    d, inc, "parley:priority", px_priority_names[c->priority].wire);
	if (c->exercise_id) /* docs/exercises.md, "Marking" */
		additional(d, inc, "parley:exercise", c->exercise_id);
}

int
px_iodef_dump(const struct px_iodef *d, char **out, size_t *len)
{
	xmlChar *buf = NULL;
	int n = 0;

	xmlDocDumpFormatMemoryEnc(d->doc, &buf, &n, "UTF-8", 1);
	if (buf == NULL || n <= 0) {
		xmlFree(buf);
		return px_error_set(
		    PX_ERR, "could not write the IODEF document");
	}
	*out = px_strndup((const char *)buf, (size_t)n);
	*len = (size_t)n;
	xmlFree(buf);
	return 0;
}

/* --- import ------------------------------------------------------------ */

static bool
is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    strcmp((const char *)n->ns->href, PX_IODEF_NS) == 0 &&
	    strcmp((const char *)n->name, name) == 0;
}

/* An attribute's value (no namespace), heap, or NULL. */
static char *
prop(const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(n, BX(name));
	char *s = v ? px_strdup((const char *)v) : NULL;

	xmlFree(v);
	return s;
}

/* The element's text with surrounding white space trimmed, heap. */
static char *
content(const xmlNode *n)
{
	xmlChar *v = xmlNodeGetContent(n);
	const char *s = v ? (const char *)v : "";
	size_t a = strspn(s, " \t\r\n"), e = strlen(s);
	char *r;

	while (e > a && strchr(" \t\r\n", s[e - 1]))
		e--;
	r = px_strndup(s + a, e - a);
	xmlFree(v);
	return r;
}

static const xmlNode *
child(const xmlNode *n, const char *name)
{
	for (const xmlNode *k = n->children; k; k = k->next)
		if (is(k, name))
			return k;
	return NULL;
}

/* Address category -> the CLI type, or NULL when parley has none. */
static const char *
cli_type(const char *cat)
{
	static const char *const map[][2] = { { "ipv4-addr", "ipv4" },
		{ "ipv6-addr", "ipv6" }, { "ipv4-net", "cidr" },
		{ "ipv6-net", "cidr" }, { "site-uri", "url" },
		{ "e-mail", "email" }, { "asn", "asn" } };

	for (size_t i = 0; cat && i < PX_ARRAY_LEN(map); i++)
		if (strcmp(cat, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

static int
add_obs(struct px_stix_case *out, const xmlNode *n, const char *type,
    const char *value)
{
	char *where = px_asprintf("IODEF %s on line %ld", (const char *)n->name,
	    (long)xmlGetLineNo(n));
	int rc = px_stix_case_add_obs(out, type, value, where);

	free(where);
	return rc;
}

/* Observables anywhere below n (contacts left out). */
static int
walk(struct px_stix_case *out, const xmlNode *n, int depth)
{
	int rc = 0;

	if (depth > MAX_DEPTH)
		return px_error_set(PX_EINVAL,
		    "the IODEF document nests deeper than %d elements",
		    MAX_DEPTH);
	for (const xmlNode *k = n->children; k && rc == 0; k = k->next) {
		char *a = NULL, *v = NULL;

		if (k->type != XML_ELEMENT_NODE || is(k, "Contact"))
			continue;
		if (is(k, "Address")) {
			const char *t = cli_type(a = prop(k, "category"));

			if (t && *(v = content(k)))
				rc = add_obs(out, k, t, v);
		} else if (is(k, "DomainData") && child(k, "Name")) {
			if (*(v = content(child(k, "Name"))))
				rc = add_obs(out, k, "domain", v);
		} else if (is(k, "Reference") && child(k, "Description")) {
			v = content(child(k, "Description"));
			if (strncasecmp(v, "CVE-", 4) == 0)
				rc = add_obs(out, k, "cve", v);
		} else if (is(k, "AdditionalData") &&
		    (a = prop(k, "meaning")) != NULL &&
		    (strcasecmp(a, "md5") == 0 || strcasecmp(a, "sha1") == 0 ||
		        strcasecmp(a, "sha256") == 0 ||
		        strcasecmp(a, "sha512") == 0)) {
			v = content(k);
			for (char *p = a; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			rc = add_obs(out, k, a, v);
		} else {
			rc = walk(out, k, depth + 1);
		}
		free(a);
		free(v);
	}
	return rc;
}

static enum px_tlp
tlp_of(const xmlNode *inc, enum px_tlp dflt, bool *marked)
{
	static const struct {
		const char *r;
		enum px_tlp t;
	} map[] = { { "white", PX_TLP_CLEAR }, { "clear", PX_TLP_CLEAR },
		{ "public", PX_TLP_CLEAR }, { "green", PX_TLP_GREEN },
		{ "amber", PX_TLP_AMBER }, { "partner", PX_TLP_AMBER },
		{ "need-to-know", PX_TLP_AMBER }, { "red", PX_TLP_RED },
		{ "private", PX_TLP_RED },
		{ "amber+strict", PX_TLP_AMBER_STRICT } };
	char *r = prop(inc, "restriction");
	enum px_tlp t = dflt;

	if (r && strcmp(r, "ext-value") == 0) {
		free(r);
		r = prop(inc, "ext-restriction");
	}
	for (size_t i = 0; r && i < PX_ARRAY_LEN(map); i++)
		if (strcasecmp(r, map[i].r) == 0) {
			t = map[i].t;
			*marked = true;
		}
	free(r);
	return t;
}

/* Title, text, kind, category and priority from the Incident's own
 * children. */
static void
header(struct px_stix_case *out, const xmlNode *inc)
{
	struct px_buf text;
	char *purpose = prop(inc, "purpose");

	px_buf_init(&text, PX_BUF_NOCAP);
	out->kind = purpose && strcmp(purpose, "mitigation") == 0
	    ? PX_KIND_REQUEST
	    : PX_KIND_REPORT;
	free(purpose);
	for (const xmlNode *k = inc->children; k; k = k->next) {
		char *v, *m;

		if (is(k, "Description")) {
			v = content(k);
			if (out->title == NULL && *v) {
				out->title = v;
				continue;
			}
			if (*v)
				px_buf_putf(
				    &text, "%s%s", text.len ? "\n\n" : "", v);
			free(v);
		} else if (is(k, "AdditionalData") &&
		    (m = prop(k, "meaning")) != NULL) {
			v = content(k);
			if (strcmp(m, "parley:kind") == 0 &&
			    PX_WIRE(px_kind_names, v) >= 0)
				out->kind = PX_WIRE(px_kind_names, v);
			else if (strcmp(m, "parley:category") == 0)
				out->category = PX_WIRE(px_category_names, v);
			else if (strcmp(m, "parley:priority") == 0)
				out->priority = PX_WIRE(px_priority_names, v);
			free(m);
			free(v);
		}
	}
	if (text.len)
		out->text = px_strndup(text.data, text.len);
	px_buf_dispose(&text);
	if (out->title == NULL) {
		const xmlNode *id = child(inc, "IncidentID");
		char *name = id ? prop(id, "name") : NULL;
		char *v = id ? content(id) : px_strdup("");

		out->title = px_asprintf("IODEF incident %s %s",
		    name ? name : "(no issuer)", *v ? v : "(no id)");
		free(name);
		free(v);
	}
}

static bool
has_doctype(const char *text, size_t len)
{
	for (size_t i = 0; i + 9 <= len; i++)
		if (text[i] == '<' && memcmp(text + i, "<!DOCTYPE", 9) == 0)
			return true;
	return false;
}

int
px_iodef_parse(
    struct px_stix_case *out, const char *text, size_t len, enum px_tlp dflt)
{
	xmlDocPtr doc = NULL;
	const xmlNode *root, *inc;
	int rc;

	memset(out, 0, sizeof(*out));
	out->kind = out->category = out->priority = -1;
	if (len > PX_IODEF_MAX_BYTES)
		return px_error_set(PX_ETOOBIG,
		    "the IODEF document is %zu bytes, over the %u allowed", len,
		    PX_IODEF_MAX_BYTES);
	/* No DTD: nothing to expand or fetch, whatever libxml2 would do. */
	if (has_doctype(text, len))
		return px_error_set(PX_EINVAL,
		    "the IODEF document has a DOCTYPE, which is not accepted");
	doc = xmlReadMemory(text, (int)len, "iodef.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		const xmlError *e = xmlGetLastError();
		const char *m = e && e->message ? e->message : "no detail";
		int ml = (int)strcspn(m, "\n");

		return px_error_set(PX_EINVAL,
		    "not an IODEF document: the XML is malformed (line %d: "
		    "%.*s)",
		    e ? e->line : 0, ml > 200 ? 200 : ml, m);
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || !is(root, "IODEF-Document")) {
		rc = px_error_set(PX_EINVAL,
		    "not an IODEF 2 document: the root is <%.60s>%s%.80s, "
		    "expected <IODEF-Document> in namespace " PX_IODEF_NS,
		    root ? (const char *)root->name : "",
		    root && root->ns ? " in namespace " : "",
		    root && root->ns ? (const char *)root->ns->href : "");
		goto out;
	}
	if ((inc = child(root, "Incident")) == NULL) {
		rc = px_error_set(PX_EINVAL,
		    "the IODEF document has no Incident to open a case with");
		goto out;
	}
	header(out, inc);
	out->tlp = tlp_of(inc, dflt, &out->marked);
	rc = walk(out, inc, 0);
out:
	if (rc < 0)
		px_stix_case_dispose(out);
	xmlFreeDoc(doc);
	return rc;
}
