/*
 * Exports and imports in other formats (interop.h).
 */
#include "formats/iodef.h"
#include "formats/misp.h"
#include "formats/stix.h"
#include "formats/xarf.h"
#include "model/canon.h"
#include "model/observable.h"
#include "node/actions.h"
#include "node/exercise.h"
#include "node/interop.h"
#include "node/release.h"
#include "util/util.h"

const char *const px_export_formats[] = { "stix", "misp", "xarf", "iodef" };
const size_t px_export_formats_n = PX_ARRAY_LEN(px_export_formats);

/* The first e-mail address among a card's points of contact. */
static const char *
card_email(const json_t *contacts)
{
	size_t i;
	const json_t *ct;

	json_array_foreach(contacts, i,
	    ct) if (json_string_value(json_object_get(ct,
	                "email"))) return json_string_value(json_object_get(ct,
	    "email"));
	return NULL;
}

/* Appends the X-ARF reports of case c, filed by its requester (the
 * complainant), reachable at its card's first e-mail address. */
static int
xarf_add(json_t *all, struct px_node *n, const struct px_case *c,
    const struct px_peer *p)
{
	json_t *mine = NULL, *reps = NULL;
	const json_t *contacts;
	struct px_xarf_party by = { .org = c->requester,
		.domain = c->requester };
	int rc;

	if (strcmp(c->requester, n->name) == 0) {
		if ((rc = px_node_card(&mine, n)) < 0)
			return rc;
		contacts =
		    json_object_get(json_object_get(mine, "card"), "contacts");
	} else {
		contacts = p->card.contacts;
	}
	if ((by.contact = card_email(contacts)) == NULL) {
		rc = px_error_set(PX_EINVAL,
		    "X-ARF names the reporter's e-mail, and the card of %s "
		    "lists none (a [contact] with email in its parley.conf)",
		    c->requester);
		goto out;
	}
	if ((rc = px_xarf_reports(&reps, c, &by)) < 0)
		goto out;
	json_array_extend(all, reps);
out:
	json_decref(reps);
	json_decref(mine);
	return rc;
}

/* Case `c` (already let out whole) and the evidence items whose own
 * marking lets them out by `path` to `audience`; the others are left
 * out (docs/interop.md, "Evidence"). */
static int
stix_case(struct px_stix *s, const struct px_case *c, const struct px_peer *p,
    enum px_out_path path, enum px_audience audience, const char *to)
{
	int rc = px_stix_add_case(s, c);

	for (size_t i = 0; rc == 0 && i < c->nev; i++)
		if (px_node_release_part(c, p, c->ev[i].man.tlp, path, audience,
		        to) == PX_REL_ALL)
			rc = px_stix_add_evidence(s, c, &c->ev[i].man);
	return rc;
}

int
px_node_export_stix(json_t **out, struct px_node *n, const char *const *refs,
    size_t nrefs, enum px_audience audience, const char *to)
{
	return px_node_export_as(
	    out, n, "stix", refs, nrefs, audience, to, NULL);
}

int
px_node_exercise_id(
    char out[PX_UUID_STRLEN], struct px_node *n, const char *ref)
{
	struct px_xctx x;
	int rc;

	if ((rc = px_xctx_load(&x, n, ref)) < 0)
		return rc;
	snprintf(out, PX_UUID_STRLEN, "%s", x.xc.id);
	px_xctx_dispose(&x);
	return 0;
}

int
px_node_exercise_gate(
    const struct px_case *c, const char *exercise, const char *path)
{
	char ref[12];

	if (c->exercise_id == NULL ||
	    (exercise != NULL && strcmp(exercise, c->exercise_id) == 0))
		return 0;
	px_exercise_ref(ref, c->exercise_id);
	return px_error_set(PX_EPERM,
	    "case %s belongs to exercise %s, and %s leaves an exercise out "
	    "unless it is asked for by name (--exercise %s)",
	    c->id, ref, path, ref);
}

int
px_node_taxii_objects(json_t **out, struct px_node *n, const char *id,
    enum px_audience audience, const char *to, const char *exercise)
{
	struct px_stix s;
	struct px_case c;
	struct px_peer *p = NULL;
	json_t *bundle;
	int rc;

	*out = NULL;
	if ((rc = px_node_case_load(&c, n, id, &p)) < 0)
		return rc;
	rc = px_node_exercise_gate(&c, exercise, "TAXII");
	if (rc == 0)
		rc = px_node_release(&c, p, PX_OUT_TAXII, audience, to);
	if (rc == PX_REL_REF)
		rc = px_error_set(PX_EPERM,
		    "%s lets only the reference of case %s into a TAXII "
		    "collection read by %s",
		    px_tlp_label(c.tlp), c.id, px_audience_names[audience]);
	px_stix_init(&s);
	if (rc >= 0 &&
	    (rc = stix_case(&s, &c, p, PX_OUT_TAXII, audience, to)) == 0) {
		bundle = px_stix_bundle(&s);
		*out = json_incref(json_object_get(bundle, "objects"));
		json_decref(bundle);
	}
	px_stix_dispose(&s);
	px_peer_free(p);
	px_case_dispose(&c);
	return rc < 0 ? rc : 0;
}

/* Loads case `ref` for an export by `path` to `audience`: 0 when it may leave
 * whole, else PX_EPERM naming the exercise or the marking that keeps it
 * (and nothing to dispose).  Otherwise dispose *c and free *p. */
static int
export_load(struct px_case *c, struct px_peer **p, struct px_node *n,
    const char *ref, enum px_out_path path, enum px_audience audience,
    const char *to, const char *exercise)
{
	int rc;

	if ((rc = px_node_case_load(c, n, ref, p)) < 0)
		return rc;
	rc = px_node_exercise_gate(c, exercise, "an export");
	if (rc == 0)
		rc = px_node_release(c, *p, path, audience, to);
	if (rc == PX_REL_REF)
		rc = px_error_set(PX_EPERM,
		    "%s lets only the reference of case %s leave by export "
		    "to %s, and an export carries the case",
		    px_tlp_label(c->tlp), c->id, px_audience_names[audience]);
	if (rc < 0) {
		px_case_dispose(c);
		px_peer_free(*p);
		*p = NULL;
	}
	return rc < 0 ? rc : 0;
}

int
px_node_export_iodef(char **out, size_t *len, struct px_node *n,
    const char *const *refs, size_t nrefs, enum px_audience audience,
    const char *to, const char *exercise)
{
	struct px_iodef *d = px_iodef_new();
	int rc = 0;

	*out = NULL;
	*len = 0;
	for (size_t i = 0; i < nrefs && rc == 0; i++) {
		struct px_case c;
		struct px_peer *p = NULL;

		if ((rc = export_load(&c, &p, n, refs[i], PX_OUT_EXPORT,
		         audience, to, exercise)) < 0)
			break;
		px_iodef_add_case(d, &c);
		px_peer_free(p);
		px_case_dispose(&c);
	}
	if (rc == 0)
		rc = px_iodef_dump(d, out, len);
	px_iodef_free(d);
	return rc;
}

int
px_node_export_as(json_t **out, struct px_node *n, const char *format,
    const char *const *refs, size_t nrefs, enum px_audience audience,
    const char *to, const char *exercise)
{
	struct px_stix s;
	json_t *events = json_array();
	bool misp = strcmp(format, "misp") == 0;
	bool xarf = strcmp(format, "xarf") == 0;
	int rc = 0;

	*out = NULL;
	if (!misp && !xarf && strcmp(format, "stix") != 0) {
		json_decref(events);
		return px_error_set(PX_EINVAL,
		    "unknown format '%s' (expected one of: stix, misp, xarf, "
		    "iodef, misp-feed)",
		    format);
	}
	px_stix_init(&s);
	for (size_t i = 0; i < nrefs && rc == 0; i++) {
		struct px_case c;
		struct px_peer *p = NULL;

		if ((rc = export_load(&c, &p, n, refs[i], PX_OUT_EXPORT,
		         audience, to, exercise)) < 0)
			break;
		if (xarf)
			rc = xarf_add(events, n, &c, p);
		else if (misp)
			rc = json_array_append_new(events, px_misp_event(&c));
		else
			rc = stix_case(&s, &c, p, PX_OUT_EXPORT, audience, to);
		px_peer_free(p);
		px_case_dispose(&c);
	}
	/* One case: one event, as MISP imports it; several: a list.  X-ARF
	 * is always the list of reports. */
	if (rc == 0 && xarf)
		*out = json_incref(events);
	else if (rc == 0 && misp)
		*out = json_array_size(events) == 1
		    ? json_incref(json_array_get(events, 0))
		    : json_incref(events);
	else if (rc == 0)
		*out = px_stix_bundle(&s);
	json_decref(events);
	px_stix_dispose(&s);
	return rc;
}

int
px_node_export_misp_feed(struct px_node *n, const char *dir,
    const char *const *refs, size_t nrefs, enum px_audience audience,
    const char *to, const char *exercise, size_t *n_events)
{
	json_t *all = NULL, *manifest = json_object();
	struct px_buf hashes;
	size_t i;
	int rc;

	*n_events = 0;
	px_buf_init(&hashes, PX_BUF_NOCAP);
	if ((rc = px_node_export_as(
	         &all, n, "misp", refs, nrefs, audience, to, exercise)) < 0)
		goto out;
	if (json_is_object(all)) { /* one case: one event */
		json_t *arr = json_pack("[O]", all);

		json_decref(all);
		all = arr;
	}
	if ((rc = px_mkdir_p(dir, 0700)) < 0)
		goto out;
	for (i = 0; i < json_array_size(all) && rc == 0; i++) {
		const json_t *ev = json_array_get(all, i);
		const char *u = json_string_value(
		    json_object_get(json_object_get(ev, "Event"), "uuid"));
		char *path = px_asprintf("%s/%s.json", dir, u);
		char *text = json_dumps(ev, JSON_INDENT(2) | JSON_SORT_KEYS);
		char *line = px_asprintf("%s\n", text);

		json_object_set_new(manifest, u, px_misp_manifest_entry(ev));
		px_misp_hashes(&hashes, ev);
		rc = px_file_write(path, line, strlen(line), 0600);
		free(path);
		free(text);
		free(line);
	}
	if (rc == 0) {
		char *path = px_asprintf("%s/manifest.json", dir);
		char *text =
		    json_dumps(manifest, JSON_INDENT(2) | JSON_SORT_KEYS);
		char *line = px_asprintf("%s\n", text);

		rc = px_file_write(path, line, strlen(line), 0600);
		free(path);
		free(text);
		free(line);
	}
	if (rc == 0) {
		char *path = px_asprintf("%s/hashes.csv", dir);

		rc = px_file_write(
		    path, hashes.data ? hashes.data : "", hashes.len, 0600);
		free(path);
		*n_events = json_array_size(all);
	}
out:
	px_buf_dispose(&hashes);
	json_decref(all);
	json_decref(manifest);
	return rc;
}

struct feed_pick {
	const char *tlp; /* community: the marking's wire name; or NULL */
	char **ids;
	size_t n;
};

static int
feed_pick(const struct px_case_row *row, void *arg)
{
	struct feed_pick *p = arg;

	/* Exercises stay out of every feed (docs/exercises.md). */
	if (row->exercise != NULL ||
	    (p->tlp != NULL && strcmp(row->tlp, p->tlp) != 0))
		return 0;
	p->ids = px_realloc(p->ids, (p->n + 1) * sizeof(*p->ids));
	p->ids[p->n++] = px_strdup(row->id);
	return 0;
}

int
px_node_misp_feed_events(
    json_t **out, struct px_node *n, const char *peer, enum px_tlp tlp)
{
	struct feed_pick p = { .tlp = peer ? NULL : px_tlp_names[tlp].wire };
	struct px_case_filter f = { .peer = peer };
	enum px_audience aud = peer ? PX_AUD_PARTY : PX_AUD_COMMUNITY;
	int rc;

	*out = json_array();
	rc = PX_STORE_CALL(n->store, case_list, &f, feed_pick, &p);
	for (size_t i = 0; i < p.n && rc == 0; i++) {
		struct px_case c;
		struct px_peer *pe = NULL;

		rc = export_load(
		    &c, &pe, n, p.ids[i], PX_OUT_TAXII, aud, peer, NULL);
		if (rc == PX_EPERM) { /* the marking keeps it out: skipped */
			rc = 0;
			continue;
		}
		if (rc < 0)
			break;
		json_array_append_new(*out, px_misp_event(&c));
		px_peer_free(pe);
		px_case_dispose(&c);
	}
	for (size_t i = 0; i < p.n; i++)
		free(p.ids[i]);
	free(p.ids);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* Text from other tools, made signable in place: CR LF and lone CR
 * become LF (a title gets spaces), other C0 and C1 controls and DEL are
 * dropped.  The signed form then holds what the document said, minus
 * what no parley message may carry (model/message.c). */
static void
tidy(char *s, bool multiline)
{
	unsigned char *r = (unsigned char *)s, *w = r;

	for (; s && *r; r++) {
		if (*r == '\r' || *r == '\n' || *r == '\t') {
			if (*r == '\r' && r[1] == '\n')
				r++;
			*w++ = multiline ? (*r == '\t' ? '\t' : '\n') : ' ';
		} else if (*r < 0x20 || *r == 0x7f) {
			continue;
		} else if (*r == 0xc2 && r[1] >= 0x80 && r[1] <= 0x9f) {
			r++;
		} else {
			*w++ = *r;
		}
	}
	if (s)
		*w = '\0';
}

/* Whether the text's first character (after white space and a UTF-8
 * byte order mark) opens an XML tag. */
static bool
looks_xml(const char *text, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && strchr(" \t\r\n", text[i]) && text[i] != '\0')
		i++;
	return i < len && text[i] == '<';
}

enum doc { DOC_IODEF, DOC_STIX, DOC_XARF, DOC_MISP };

/* Which reader takes `text`: XML is IODEF; JSON goes by its top-level
 * members.  A lone STIX object (a report sent without its bundle) is
 * handed over inside a bundle of one, in *lone (free it).  0, or
 * PX_EINVAL saying what the document is not. */
static int
sniff(enum doc *d, char **lone, const char *text, size_t len)
{
	json_t *doc = NULL, *b = NULL;
	const char *type;
	int rc = 0;

	*lone = NULL;
	*d = DOC_MISP;
	if (looks_xml(text, len)) {
		*d = DOC_IODEF;
		return 0;
	}
	if ((rc = px_json_parse(
	         &doc, text, len, PX_STIX_MAX_BYTES, "the document")) < 0)
		return rc;
	type = json_string_value(json_object_get(doc, "type"));
	if (json_is_array(doc) &&
	    json_object_get(json_array_get(doc, 0), "xarf_version")) {
		*d = DOC_XARF; /* several reports, as parley exports them */
	} else if (!json_is_object(doc)) {
		rc = px_error_set(PX_EINVAL,
		    "the document is a JSON %s, not an object: parley imports "
		    "a STIX 2.1 bundle, a MISP event, an X-ARF v4 report or "
		    "an IODEF 2 document",
		    json_is_array(doc) ? "array" : "scalar");
	} else if (type && strcmp(type, "bundle") == 0) {
		*d = DOC_STIX;
	} else if (type && json_object_get(doc, "spec_version") &&
	    strcmp(type, "report") != 0 && strcmp(type, "grouping") != 0 &&
	    strcmp(type, "incident") != 0) {
		rc = px_error_set(PX_EINVAL,
		    "a lone STIX %.64s object: a case opens from a report, "
		    "grouping or incident, alone or in a bundle with the "
		    "objects it refers to",
		    type);
	} else if (type && json_object_get(doc, "spec_version")) {
		*d = DOC_STIX;
		b = json_pack("{ss s[O]}", "type", "bundle", "objects", doc);
		if (b == NULL || (*lone = json_dumps(b, JSON_COMPACT)) == NULL)
			rc = px_error_set(PX_ERR, "out of memory");
	} else if (json_object_get(doc, "xarf_version")) {
		*d = DOC_XARF;
	} else if (!json_object_get(doc, "Event") &&
	    !json_object_get(doc, "response") &&
	    !json_object_get(doc, "info")) {
		rc = px_error_set(PX_EINVAL,
		    "not a document parley imports: a STIX 2.1 bundle has "
		    "\"type\": \"bundle\" (or a lone STIX object its "
		    "\"spec_version\"), a MISP event \"Event\" or \"info\", "
		    "an X-ARF v4 report \"xarf_version\"; an IODEF 2 document "
		    "is XML");
	}
	json_decref(b);
	json_decref(doc);
	return rc;
}

int
px_node_import_stix(char case_id[PX_UUID_STRLEN], struct px_node *n,
    const char *peer, const char *text, size_t len, const char *tlp)
{
	enum doc d;
	char *lone = NULL, *import_key = NULL;
	struct px_stix_case sc;
	struct px_new_case nc = { 0 };
	enum px_msg_type type;
	json_t *body = NULL;
	struct px_msg *m = NULL;
	int rc;

	if ((rc = sniff(&d, &lone, text, len)) < 0)
		return rc;
	switch (d) {
	case DOC_IODEF:
		rc = px_iodef_parse(&sc, text, len, PX_TLP_AMBER);
		break;
	case DOC_STIX:
		rc = lone ? px_stix_parse(&sc, lone, strlen(lone), PX_TLP_AMBER)
		          : px_stix_parse(&sc, text, len, PX_TLP_AMBER);
		break;
	case DOC_XARF:
		rc = px_xarf_parse(&sc, text, len, PX_TLP_AMBER);
		break;
	case DOC_MISP:
		rc = px_misp_parse(&sc, text, len, PX_TLP_AMBER);
		break;
	}
	free(lone);
	if (rc < 0)
		return rc;
	/* --tlp may raise a stated marking, never lower it: a document
	 * marked RED stays at least RED. */
	if (tlp && sc.marked) {
		int want = PX_WIRE(px_tlp_names, tlp);

		if (want >= 0 && want < (int)sc.tlp) {
			rc = px_error_set(PX_EPERM,
			    "the document is marked %s; --tlp %s would lower "
			    "it (a marking can be raised on import, never "
			    "lowered)",
			    px_tlp_names[sc.tlp].label, tlp);
			goto out;
		}
	}
	/* The same document imported twice opens one case: the second
	 * time names it (PX_ECONFLICT, *case_id set). */
	{
		uint8_t h[PX_SHA256_LEN];
		char hex[2 * PX_SHA256_LEN + 1], *held = NULL;

		px_sha256(h, text, len);
		px_hex_encode(hex, h, sizeof(h));
		import_key = px_asprintf("import.%s.%s", peer, hex);
		if (PX_STORE_CALL(n->store, meta_get, import_key, &held) == 0 &&
		    held) {
			snprintf(case_id, PX_UUID_STRLEN, "%s", held);
			rc = px_error_set(PX_ECONFLICT,
			    "this document was imported already, as case %s "
			    "with %s",
			    held, peer);
			free(held);
			goto out;
		}
		px_error_clear();
	}
	tidy(sc.title, false);
	tidy(sc.text, true);
	nc.to = peer;
	nc.kind = sc.kind == PX_KIND_REQUEST ? "request" : "report";
	nc.category =
	    sc.category >= 0 ? px_category_names[sc.category].wire : "other";
	nc.priority =
	    sc.priority >= 0 ? px_priority_names[sc.priority].wire : NULL;
	nc.tlp = tlp ? tlp : px_tlp_names[sc.tlp].wire;
	nc.title = sc.title;
	nc.observables = (const char *const *)sc.obs;
	nc.nobservables = sc.nobs;
	nc.text.text =
	    sc.text ? sc.text : "Imported from a document with no description.";
	nc.text.prefix = "--";
	/* The case and the record that this document opened it commit
	 * together: a crash between them would let a re-import open it
	 * twice. */
	if ((rc = px_body_new_case(&body, &type, n, &nc)) < 0 ||
	    (rc = PX_STORE_CALL0(n->store, begin)) < 0)
		goto out;
	if ((rc = px_node_send(n, peer, NULL, type, body, &m)) == 0) {
		memcpy(case_id, m->case_id, PX_UUID_STRLEN);
		rc = PX_STORE_CALL(n->store, meta_set, import_key, case_id);
	}
	if (rc == 0)
		rc = PX_STORE_CALL0(n->store, commit);
	else
		PX_STORE_CALL0(n->store, rollback);
out:
	free(import_key);
	px_msg_free(m);
	json_decref(body);
	px_stix_case_dispose(&sc);
	return rc;
}

/* The opening body of the linked case: the original's header (its own
 * agreement version left out: ours with `to` is added on sending) and
 * opening text, with the link. */
static json_t *
linked_body(const struct px_case *c, const char *by)
{
	const json_t *b0 = c->msgs[0]->body;
	json_t *h = json_deep_copy(json_object_get(b0, "case")), *b;

	json_object_del(h, "agreement");
	json_object_set_new(h, "linked",
	    json_pack(
	        "{ss ss ss}", "case", c->id, "from", c->requester, "by", by));
	b = json_pack("{so}", "case", h);
	if (json_object_get(b0, "text"))
		json_object_set(b, "text", json_object_get(b0, "text"));
	return b;
}

int
px_node_forward(struct px_msg **triage, struct px_msg **opened,
    struct px_node *n, const char *case_ref, const char *to,
    const struct px_action *a)
{
	struct px_case c;
	struct px_peer *p = NULL, *third = NULL;
	struct px_msg *m1 = NULL, *m2 = NULL;
	json_t *open = NULL, *tb = NULL;
	int rc;

	px_case_init(&c);
	if ((rc = px_node_case_load(&c, n, case_ref, &p)) < 0 ||
	    (rc = px_case_allows(&c, PX_MSG_TRIAGE, n->name)) < 0 ||
	    (rc = px_peer_load(&third, n, to)) < 0)
		goto out;
	if (a->decision == NULL || strcmp(a->decision, "forwarded") != 0) {
		rc = px_error_set(PX_EINVAL,
		    "a case goes to a third party only with the decision "
		    "forwarded");
		goto out;
	}
	if (strcmp(third->row.name, c.requester) == 0 ||
	    strcmp(third->row.name, c.responder) == 0) {
		rc = px_error_set(PX_EINVAL,
		    "%s is a party of case %s already; forward to a third "
		    "party",
		    third->row.name, c.id);
		goto out;
	}
	if (c.kind != PX_KIND_REPORT && c.kind != PX_KIND_REQUEST &&
	    c.kind != PX_KIND_HOTLINE) {
		rc = px_error_set(PX_EINVAL, "a %s case is not forwarded",
		    px_kind_names[c.kind].wire);
		goto out;
	}
	if ((rc = px_node_release(&c, p, PX_OUT_FORWARD, PX_AUD_CONSTITUENCY,
	         third->row.name)) < 0)
		goto out;
	if ((rc = px_body_action(&tb, n, PX_MSG_TRIAGE, a)) < 0)
		goto out;
	open = linked_body(&c, n->name);
	if ((rc = PX_STORE_CALL0(n->store, begin)) < 0)
		goto out;
	if ((rc = px_node_send(n, third->row.name, NULL,
	         c.kind == PX_KIND_REPORT ? PX_MSG_REPORT : PX_MSG_REQUEST,
	         open, &m1)) < 0)
		goto rollback;
	json_object_set_new(tb, "forwarded_to",
	    json_pack("{ss ss}", "node", third->row.name, "case", m1->case_id));
	if ((rc = px_node_send(n, NULL, c.id, PX_MSG_TRIAGE, tb, &m2)) < 0 ||
	    (rc = PX_STORE_CALL0(n->store, commit)) < 0)
		goto rollback;
	if (triage) {
		*triage = m2;
		m2 = NULL;
	}
	if (opened) {
		*opened = m1;
		m1 = NULL;
	}
	goto out;
rollback:
	PX_STORE_CALL0(n->store, rollback);
out:
	px_msg_free(m1);
	px_msg_free(m2);
	json_decref(open);
	json_decref(tb);
	px_peer_free(p);
	px_peer_free(third);
	px_case_dispose(&c);
	return rc;
}

int
px_node_import_misp_feed(size_t *count, struct px_node *n, const char *peer,
    const char *dir, const char *tlp)
{
	struct px_buf b;
	json_t *man = NULL;
	const char *u;
	const json_t *v;
	char *path = px_asprintf("%s/manifest.json", dir);
	int rc;

	*count = 0;
	px_buf_init(&b, PX_BUF_NOCAP);
	if ((rc = px_file_read(&b, path, PX_MISP_MAX_BYTES)) < 0 ||
	    (rc = px_json_parse(&man, b.data, b.len, PX_MISP_MAX_BYTES, path)) <
	        0)
		goto out;
	if (!json_is_object(man) || json_object_size(man) == 0) {
		rc = px_error_set(PX_EINVAL,
		    "%s is not a MISP feed manifest: expected an object of "
		    "event uuids",
		    path);
		goto out;
	}
	if ((rc = PX_STORE_CALL0(n->store, begin)) < 0)
		goto out;
	json_object_foreach(man, u, v)
	{
		char id[PX_UUID_STRLEN];

		free(path);
		path = px_asprintf("%s/%s.json", dir, u);
		px_buf_reset(&b);
		if (!px_uuid_valid(u)) {
			rc = px_error_set(PX_EINVAL,
			    "the manifest names '%.60s', which is not an "
			    "event uuid",
			    u);
			break;
		}
		if ((rc = px_file_read(&b, path, PX_MISP_MAX_BYTES)) == 0 &&
		    (rc = px_node_import_stix(
		         id, n, peer, b.data, b.len, tlp)) == PX_ECONFLICT) {
			/* Imported before (a feed grows): skipped. */
			px_error_clear();
			rc = 0;
			continue;
		}
		if (rc < 0) {
			px_error_prefix("%s", path);
			break;
		}
		(*count)++;
	}
	if (rc < 0 || (rc = PX_STORE_CALL0(n->store, commit)) < 0) {
		PX_STORE_CALL0(n->store, rollback);
		*count = 0;
	}
out:
	free(path);
	json_decref(man);
	px_buf_dispose(&b);
	return rc;
}
