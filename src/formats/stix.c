/*
 * STIX 2.1 export and import (stix.h).
 *
 * One function per object kind, so the feeds (issue 15: digests and
 * events) and evidence (issue 13: artifacts) add theirs beside these
 * without touching the case mapping.  Objects live in one map by id: an
 * object two cases share (an identity, an observable) is written once;
 * a cyber-observable shared by cases under different markings carries the
 * most restrictive one.
 *
 * Determinism: ids are UUIDv5, times are the messages' signed times,
 * identities are dated at the epoch (they do not change with the cases
 * that name them, so the same identity is the same object in every
 * bundle), and the bundle lists objects sorted by id.
 */
#include <strings.h>

#include <nettle/sha1.h>

#include "formats/stix.h"
#include "model/canon.h"
#include "model/evidence.h"
#include "model/observable.h"
#include "util/util.h"

const char *const px_stix_tlp_ids[PX_TLP__N] = {
	[PX_TLP_CLEAR] =
	    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
	[PX_TLP_GREEN] =
	    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
	[PX_TLP_AMBER] =
	    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
	[PX_TLP_AMBER_STRICT] =
	    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
	[PX_TLP_RED] =
	    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
};

/* TLP 1.0 as STIX 2.1 publishes it (section 7.2.1.4), read on import. */
static const struct {
	const char *id;
	enum px_tlp tlp;
} tlp1[] = {
	{ "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
	    PX_TLP_CLEAR },
	{ "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
	    PX_TLP_GREEN },
	{ "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
	    PX_TLP_AMBER },
	{ "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
	    PX_TLP_RED },
};

int
px_stix_tlp_of_id(const char *id)
{
	if (id == NULL)
		return -1;
	for (int t = 0; t < PX_TLP__N; t++)
		if (strcmp(id, px_stix_tlp_ids[t]) == 0)
			return t;
	for (size_t j = 0; j < PX_ARRAY_LEN(tlp1); j++)
		if (strcmp(id, tlp1[j].id) == 0)
			return (int)tlp1[j].tlp;
	return -1;
}

#define TLP_EXT "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
#define SCO_NS  "00abedb4-aa42-466c-9c01-fed23315a9b7"
#define EPOCH   "1970-01-01T00:00:00.000Z"

/* ---- ids ---------------------------------------------------------------- */

static void
uuid_bytes(uint8_t out[16], const char *s)
{
	for (int i = 0, k = 0; s[i] && k < 16; i++) {
		if (s[i] == '-')
			continue;
		out[k] =
		    (uint8_t)(px_hex_digit(s[i]) << 4 | px_hex_digit(s[i + 1]));
		i++;
		k++;
	}
}

void
px_uuid5(char out[PX_UUID_STRLEN], const char *ns, const char *name)
{
	struct sha1_ctx c;
	uint8_t nsb[16], d[SHA1_DIGEST_SIZE];
	char hex[33];

	uuid_bytes(nsb, ns);
	sha1_init(&c);
	sha1_update(&c, sizeof(nsb), nsb);
	sha1_update(&c, strlen(name), (const uint8_t *)name);
	sha1_digest(&c, sizeof(d), d);
	d[6] = (uint8_t)(0x50 | (d[6] & 0x0f));
	d[8] = (uint8_t)(0x80 | (d[8] & 0x3f));
	px_hex_encode(hex, d, 16);
	snprintf(out, PX_UUID_STRLEN, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8,
	    hex + 12, hex + 16, hex + 20);
}

/* "TYPE--" + the UUIDv5 of `name` in namespace `ns`; a heap string. */
static char *
id5(const char *type, const char *ns, const char *name)
{
	char u[PX_UUID_STRLEN];

	px_uuid5(u, ns, name);
	return px_asprintf("%s--%s", type, u);
}

static char *
pid(const char *type, const char *fmt, const char *a, const char *b)
{
	char *name = px_asprintf(fmt, a, b ? b : "");
	char *id = id5(type, PX_STIX_NS, name);

	free(name);
	return id;
}

/* ---- export ------------------------------------------------------------- */

void
px_stix_init(struct px_stix *s)
{
	s->objects = json_object();
}

void
px_stix_dispose(struct px_stix *s)
{
	json_decref(s->objects);
	s->objects = NULL;
}

static void
put(struct px_stix *s, json_t *o)
{
	const char *id = json_string_value(json_object_get(o, "id"));

	json_object_set_new(s->objects, id, o);
}

static json_t *
sdo(const char *type, const char *id, const char *created, const char *modified)
{
	return json_pack("{ss ss ss ss ss}", "type", type, "spec_version",
	    "2.1", "id", id, "created", created, "modified", modified);
}

static void
marked(json_t *o, enum px_tlp t)
{
	json_object_set_new(
	    o, "object_marking_refs", json_pack("[s]", px_stix_tlp_ids[t]));
}

/* An object cases share (an observable): the most restrictive of their
 * markings holds. */
static void
mark_shared(json_t *o, enum px_tlp t)
{
	const char *m = json_string_value(
	    json_array_get(json_object_get(o, "object_marking_refs"), 0));

	for (int k = t + 1; m && k < PX_TLP__N; k++)
		if (strcmp(m, px_stix_tlp_ids[k]) == 0)
			return;
	marked(o, t);
}

static void
stix_marking(struct px_stix *s, enum px_tlp t)
{
	json_t *o;

	if (json_object_get(s->objects, px_stix_tlp_ids[t]))
		return;
	o = json_pack("{ss ss ss ss ss s{s{ss ss}}}", "type",
	    "marking-definition", "spec_version", "2.1", "id",
	    px_stix_tlp_ids[t], "created", "2022-10-01T00:00:00.000Z", "name",
	    px_tlp_names[t].label, "extensions", TLP_EXT, "extension_type",
	    "property-extension", "tlp_2_0", px_tlp_names[t].wire);
	put(s, o);
}

/* A party: an organisation named by its node name. */
static char *
stix_identity(struct px_stix *s, const char *node)
{
	char *id = pid("identity", "identity|%s%s", node, NULL);
	json_t *o;

	if (json_object_get(s->objects, id))
		return id;
	o = sdo("identity", id, EPOCH, EPOCH);
	json_object_set_new(o, "name", json_string(node));
	json_object_set_new(o, "identity_class", json_string("organization"));
	json_object_set_new(o, "x_parley_node", json_string(node));
	put(s, o);
	return id;
}

/* Writes `v` into a pattern's quoted string (backslash and quote
 * escaped, STIX patterning 9.2). */
static void
quoted(struct px_buf *b, const char *v)
{
	px_buf_put(b, "'", 1);
	for (; *v; v++) {
		if (*v == '\'' || *v == '\\')
			px_buf_put(b, "\\", 1);
		px_buf_put(b, v, 1);
	}
	px_buf_put(b, "'", 1);
}

static const char *
hash_key(const char *algo)
{
	if (strcmp(algo, "md5") == 0)
		return "MD5";
	if (strcmp(algo, "sha1") == 0)
		return "SHA-1";
	if (strcmp(algo, "sha256") == 0)
		return "SHA-256";
	return "SHA-512";
}

/* The cyber-observable of `type` with id-contributing properties
 * `idprops` (borrowed), its id derived as STIX 2.1 section 2.9 says; made
 * once, marked `t` or the stricter marking it already has.  Returns its
 * id (heap), or NULL when the properties cannot be canonicalised. */
static char *
put_sco(
    struct px_stix *s, const char *type, const json_t *idprops, enum px_tlp t)
{
	char *canon = px_canon_string(idprops), *id;
	json_t *o;

	if (canon == NULL)
		return NULL;
	id = id5(type, SCO_NS, canon);
	free(canon);
	if ((o = json_object_get(s->objects, id)) != NULL) {
		mark_shared(o, t);
		return id;
	}
	o = json_deep_copy(idprops);
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "spec_version", json_string("2.1"));
	json_object_set_new(o, "id", json_string(id));
	marked(o, t);
	put(s, o);
	return id;
}

/* One observable: its SCO (or, for a CVE, a vulnerability) and an
 * indicator with its pattern.  Returns 0 and appends the ids to refs. */
static int
stix_observable(struct px_stix *s, const struct px_case *c, const char *type,
    const char *value, const char *by, const char *opened, json_t *refs)
{
	json_t *idprops = NULL, *o;
	struct px_buf pat;
	char *sco_id = NULL, *ind_id = NULL;
	int rc = 0;

	px_buf_init(&pat, PX_BUF_NOCAP);
	if (strcmp(type, "vulnerability") == 0) {
		sco_id =
		    pid("vulnerability", "vulnerability|%s%s", value, NULL);
		if ((o = json_object_get(s->objects, sco_id)) != NULL) {
			mark_shared(o, c->tlp);
		} else {
			o = sdo("vulnerability", sco_id, EPOCH, EPOCH);
			json_object_set_new(o, "name", json_string(value));
			json_object_set_new(o, "external_references",
			    json_pack("[{ss ss}]", "source_name", "cve",
			        "external_id", value));
			marked(o, c->tlp);
			put(s, o);
		}
		json_array_append_new(refs, json_string(sco_id));
		goto out;
	}
	if (strcmp(type, "file") == 0) {
		const char *colon = strchr(value, ':');
		char algo[8];

		if (colon == NULL || colon - value >= (long)sizeof(algo)) {
			rc = px_error_set(
			    PX_EINVAL, "file observable '%s'", value);
			goto out;
		}
		snprintf(
		    algo, sizeof(algo), "%.*s", (int)(colon - value), value);
		idprops =
		    json_pack("{s{ss}}", "hashes", hash_key(algo), colon + 1);
		px_buf_putf(&pat, "[file:hashes.'%s' = ", hash_key(algo));
		quoted(&pat, colon + 1);
		px_buf_puts(&pat, "]");
	} else if (strcmp(type, "autonomous-system") == 0) {
		long long n = strtoll(value + 2, NULL, 10);

		idprops = json_pack("{sI}", "number", (json_int_t)n);
		px_buf_putf(&pat, "[autonomous-system:number = %lld]", n);
	} else {
		idprops = json_pack("{ss}", "value", value);
		px_buf_putf(&pat, "[%s:value = ", type);
		quoted(&pat, value);
		px_buf_puts(&pat, "]");
	}
	if ((sco_id = put_sco(s, type, idprops, c->tlp)) == NULL) {
		rc = PX_ERR;
		goto out;
	}
	json_array_append_new(refs, json_string(sco_id));
	ind_id = pid("indicator", "indicator|%s|%s", c->id, pat.data);
	o = sdo("indicator", ind_id, opened, opened);
	json_object_set_new(o, "created_by_ref", json_string(by));
	json_object_set_new(o, "name", json_sprintf("%s %s", type, value));
	json_object_set_new(o, "pattern", json_string(pat.data));
	json_object_set_new(o, "pattern_type", json_string("stix"));
	json_object_set_new(o, "pattern_version", json_string("2.1"));
	json_object_set_new(o, "valid_from", json_string(opened));
	marked(o, c->tlp);
	put(s, o);
	json_array_append_new(refs, json_string(ind_id));
	/* The indicator is based on the observable. */
	{
		char *rid =
		    pid("relationship", "based-on|%s|%s", ind_id, sco_id);

		o = sdo("relationship", rid, opened, opened);
		json_object_set_new(
		    o, "relationship_type", json_string("based-on"));
		json_object_set_new(o, "source_ref", json_string(ind_id));
		json_object_set_new(o, "target_ref", json_string(sco_id));
		json_object_set_new(o, "created_by_ref", json_string(by));
		marked(o, c->tlp);
		put(s, o);
		json_array_append_new(refs, json_string(rid));
		free(rid);
	}
out:
	json_decref(idprops);
	free(sco_id);
	free(ind_id);
	px_buf_dispose(&pat);
	return rc;
}

/* What a message says, as a note's content: its text, or a line saying
 * what the message did (a triage decision, an acknowledgement). */
static void
message_content(struct px_buf *b, const struct px_msg *m)
{
	const char *t = px_msg_text(m), *d, *r, *oc;

	d = json_string_value(json_object_get(m->body, "decision"));
	r = json_string_value(json_object_get(m->body, "reason"));
	oc = json_string_value(json_object_get(m->body, "outcome"));
	if (d)
		px_buf_putf(b, "Decision: %s%s%s.%s", d, r ? ", reason " : "",
		    r ? r : "", t ? "\n\n" : "");
	if (oc)
		px_buf_putf(b, "Outcome: %s.%s", oc, t ? "\n\n" : "");
	if (t)
		px_buf_puts(b, t);
	if (b->len == 0)
		px_buf_putf(
		    b, "(%s, no text)", px_msg_type_names[m->type].wire);
}

/* Feedback 1..5 on the STIX opinion scale. */
static const char *const opinions[] = { "strongly-disagree", "disagree",
	"neutral", "agree", "strongly-agree" };

static int
stix_message(struct px_stix *s, const struct px_case *c, const struct px_msg *m,
    const char *grouping, json_t *refs)
{
	char t[PX_TIME_STRLEN], *by = stix_identity(s, m->from), *id;
	json_t *o;
	struct px_buf b;
	const char *lang = px_msg_text_lang(m);

	px_time_format(t, m->time_ms);
	px_buf_init(&b, PX_BUF_NOCAP);
	if (m->type == PX_MSG_FEEDBACK) {
		json_int_t sc =
		    json_integer_value(json_object_get(m->body, "score"));

		id = pid("opinion", "opinion|%s%s", m->hash, NULL);
		o = sdo("opinion", id, t, t);
		json_object_set_new(o, "opinion",
		    json_string(opinions[sc >= 1 && sc <= 5 ? sc - 1 : 2]));
		if (px_msg_text(m))
			json_object_set_new(
			    o, "explanation", json_string(px_msg_text(m)));
	} else {
		id = pid("note", "note|%s%s", m->hash, NULL);
		o = sdo("note", id, t, t);
		message_content(&b, m);
		json_object_set_new(o, "abstract",
		    json_sprintf("%s from %s", px_msg_type_names[m->type].wire,
		        m->from));
		json_object_set_new(o, "content", json_string(b.data));
	}
	if (lang)
		json_object_set_new(o, "lang", json_string(lang));
	json_object_set_new(o, "created_by_ref", json_string(by));
	json_object_set_new(o, "object_refs", json_pack("[s]", grouping));
	json_object_set_new(o, "x_parley_message",
	    json_pack("{ss ss ss sI}", "hash", m->hash, "type",
	        px_msg_type_names[m->type].wire, "to", m->to, "seq",
	        (json_int_t)m->seq));
	marked(o, c->tlp);
	put(s, o);
	json_array_append_new(refs, json_string(id));
	free(by);
	free(id);
	px_buf_dispose(&b);
	return 0;
}

static const char *
grouping_context(const struct px_case *c)
{
	return c->category == PX_CAT_MALWARE ? "malware-analysis"
	                                     : "suspicious-activity";
}

int
px_stix_add_case(struct px_stix *s, const struct px_case *c)
{
	char opened[PX_TIME_STRLEN], last[PX_TIME_STRLEN];
	char *gid = pid("grouping", "grouping|%s%s", c->id, NULL);
	char *req = NULL, *resp = NULL;
	json_t *refs = json_array(), *g = NULL, *xc;
	size_t i;
	int rc = 0;

	if (c->n == 0) {
		rc = px_error_set(PX_EINVAL, "case %s has no messages", c->id);
		goto out;
	}
	stix_marking(s, c->tlp);
	px_time_format(opened, c->msgs[0]->time_ms);
	px_time_format(last, c->msgs[c->n - 1]->time_ms);
	req = stix_identity(s, c->requester);
	resp = stix_identity(s, c->responder);
	json_array_append_new(refs, json_string(req));
	json_array_append_new(refs, json_string(resp));
	for (i = 0;
	     c->observables && i < json_array_size(c->observables) && rc == 0;
	     i++) {
		const json_t *ob = json_array_get(c->observables, i);

		rc = stix_observable(s, c,
		    json_string_value(json_object_get(ob, "type")),
		    json_string_value(json_object_get(ob, "value")), req,
		    opened, refs);
	}
	for (i = 0; i < c->n && rc == 0; i++)
		if (c->msgs[i]->type != PX_MSG_ESCALATE)
			rc = stix_message(s, c, c->msgs[i], gid, refs);
	if (rc < 0)
		goto out;
	g = sdo("grouping", gid, opened, last);
	json_object_set_new(g, "name", json_string(c->title));
	json_object_set_new(g, "context", json_string(grouping_context(c)));
	if (px_msg_text(c->msgs[0]))
		json_object_set_new(
		    g, "description", json_string(px_msg_text(c->msgs[0])));
	json_object_set_new(g, "created_by_ref", json_string(req));
	json_object_set_new(g, "labels",
	    json_pack("[s+ s+ s+]", "kind:", px_kind_names[c->kind].wire,
	        "category:", px_category_names[c->category].wire,
	        "priority:", px_priority_names[c->priority].wire));
	json_object_set_new(g, "external_references",
	    json_pack(
	        "[{ss ss}]", "source_name", "parley", "external_id", c->id));
	/* A forwarded case names the case it came from. */
	if (c->linked) {
		json_t *x = json_pack("{ss sO}", "source_name", "parley",
		    "external_id", json_object_get(c->linked, "case"));

		json_object_set_new(x, "description",
		    json_sprintf("forwarded from %s by %s",
		        json_string_value(json_object_get(c->linked, "from")),
		        json_string_value(json_object_get(c->linked, "by"))));
		json_array_append_new(
		    json_object_get(g, "external_references"), x);
	}
	json_object_set_new(g, "object_refs", refs);
	refs = NULL;
	xc = json_pack("{ss ss ss ss ss ss ss}", "id", c->id, "kind",
	    px_kind_names[c->kind].wire, "category",
	    px_category_names[c->category].wire, "priority",
	    px_priority_names[c->priority].wire, "requester", c->requester,
	    "responder", c->responder, "state", px_state_names[c->state].wire);
	/* An exercise's case says so wherever it goes (docs/exercises.md,
	 * "Marking"): it leaves only when the exercise is asked for. */
	if (c->exercise_id) {
		json_array_append_new(
		    json_object_get(g, "labels"), json_string("exercise"));
		json_object_set_new(
		    xc, "exercise", json_string(c->exercise_id));
	}
	json_object_set_new(g, "x_parley_case", xc);
	marked(g, c->tlp);
	put(s, g);
out:
	json_decref(refs);
	free(gid);
	free(req);
	free(resp);
	return rc;
}

/* A manifest's hashes member ("sha256", ...) -> the STIX hashes
 * dictionary ("SHA-256", ...). */
static json_t *
stix_hashes(const json_t *h)
{
	static const char *const algos[] = { "md5", "sha1", "sha256",
		"sha512" };
	json_t *o = json_object();

	for (size_t i = 0; i < PX_ARRAY_LEN(algos); i++) {
		const char *v = json_string_value(json_object_get(h, algos[i]));

		if (v)
			json_object_set_new(
			    o, hash_key(algos[i]), json_string(v));
	}
	return o;
}

/* A file's id-contributing properties (STIX 2.1 sections 2.9, 6.7): its
 * name and one of its hashes, the first of MD5, SHA-1, SHA-256, SHA-512
 * that it has. */
static json_t *
file_idprops(const json_t *hashes, const char *name)
{
	static const char *const pref[] = { "MD5", "SHA-1", "SHA-256",
		"SHA-512" };
	json_t *o = json_object();

	for (size_t i = 0; i < PX_ARRAY_LEN(pref); i++) {
		const json_t *v = json_object_get(hashes, pref[i]);

		if (v) {
			json_object_set_new(
			    o, "hashes", json_pack("{sO}", pref[i], v));
			break;
		}
	}
	if (name)
		json_object_set_new(o, "name", json_string(name));
	return o;
}

static int
by_item(const void *a, const void *b)
{
	const json_t *x = *(const json_t *const *)a;
	const json_t *y = *(const json_t *const *)b;

	return strcmp(json_string_value(json_object_get(x, "item")),
	    json_string_value(json_object_get(y, "item")));
}

/* Adds {item, exhibit, root, case} to the file's x_parley_evidence, once,
 * kept sorted by item hash (the same bytes acquired twice are two items
 * of one file). */
static void
evidence_entry(
    json_t *file, const struct px_case *c, const struct px_manifest *m)
{
	json_t *arr = json_object_get(file, "x_parley_evidence");
	json_t **v;
	size_t i, n;

	if (arr == NULL) {
		arr = json_array();
		json_object_set_new(file, "x_parley_evidence", arr);
	}
	for (i = 0; i < json_array_size(arr); i++)
		if (strcmp(json_string_value(
		               json_object_get(json_array_get(arr, i), "item")),
		        m->item) == 0)
			return;
	json_array_append_new(arr,
	    json_pack("{ss ss ss ss sI}", "item", m->item, "exhibit",
	        m->exhibit, "root", m->root, "case", c->id, "chunks",
	        (json_int_t)m->chunks));
	n = json_array_size(arr);
	v = px_calloc(n, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), by_item);
	json_array_clear(arr);
	for (i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	free(v);
}

static bool
has_ref(const json_t *refs, const char *id)
{
	size_t i;
	const json_t *v;

	json_array_foreach(
	    refs, i, v) if (strcmp(json_string_value(v), id) == 0) return true;
	return false;
}

int
px_stix_add_evidence(
    struct px_stix *s, const struct px_case *c, const struct px_manifest *m)
{
	char *gid = pid("grouping", "grouping|%s%s", c->id, NULL);
	char *canon = NULL, *id = NULL;
	json_t *g = json_object_get(s->objects, gid), *o, *hashes, *idp;
	int rc = 0;

	if (g == NULL) {
		rc = px_error_set(
		    PX_EINVAL, "add case %s before its evidence", c->id);
		goto out;
	}
	hashes = stix_hashes(json_object_get(m->obj, "hashes"));
	idp = file_idprops(hashes, m->name);
	canon = px_canon_string(idp);
	json_decref(idp);
	if (canon == NULL) {
		json_decref(hashes);
		rc = PX_ERR;
		goto out;
	}
	id = id5("file", SCO_NS, canon);
	stix_marking(s, m->tlp);
	if ((o = json_object_get(s->objects, id)) != NULL) {
		json_decref(hashes);
		mark_shared(o, m->tlp);
	} else {
		o = json_pack("{ss ss ss so sI}", "type", "file",
		    "spec_version", "2.1", "id", id, "hashes", hashes, "size",
		    (json_int_t)m->size);
		if (m->name)
			json_object_set_new(o, "name", json_string(m->name));
		if (m->media_type)
			json_object_set_new(
			    o, "mime_type", json_string(m->media_type));
		marked(o, m->tlp);
		put(s, o);
	}
	evidence_entry(o, c, m);
	if (!has_ref(json_object_get(g, "object_refs"), id))
		json_array_append_new(
		    json_object_get(g, "object_refs"), json_string(id));
out:
	free(gid);
	free(canon);
	free(id);
	return rc;
}

/* ---- feed digests ------------------------------------------------------- */

static char *
digest_gid(const struct px_stix_digest *d)
{
	char *name =
	    px_asprintf("digest|%s|%s|%s", d->signer, d->recipient, d->day);
	char *id = id5("grouping", PX_STIX_NS, name);

	free(name);
	return id;
}

int
px_stix_add_digest(struct px_stix *s, const struct px_stix_digest *d)
{
	char t[PX_TIME_STRLEN];
	char *gid = digest_gid(d), *by = stix_identity(s, d->signer);
	char *to = stix_identity(s, d->recipient);
	json_t *g, *x;

	px_time_format(t, d->time_ms);
	stix_marking(s, d->tlp);
	g = sdo("grouping", gid, t, t);
	json_object_set_new(g, "name",
	    json_sprintf("Feed digest of %s from %s to %s", d->day, d->signer,
	        d->recipient));
	json_object_set_new(g, "context", json_string("suspicious-activity"));
	json_object_set_new(g, "created_by_ref", json_string(by));
	json_object_set_new(g, "object_refs", json_pack("[ss]", by, to));
	x = json_deep_copy(d->digest);
	json_object_set_new(x, "message", json_string(d->msg_hash));
	json_object_set_new(x, "signer", json_string(d->signer));
	json_object_set_new(x, "recipient", json_string(d->recipient));
	json_object_set_new(x, "exported", json_integer(0));
	json_object_set_new(x, "left_out", json_integer(0));
	json_object_set_new(g, "x_parley_digest", x);
	json_object_set_new(g, "external_references",
	    json_pack("[{ss ss}]", "source_name", "parley", "external_id",
	        d->msg_hash));
	marked(g, d->tlp);
	put(s, g);
	free(gid);
	free(by);
	free(to);
	return 0;
}

/* What an event is about, as a cyber-observable: the address, host name
 * or URL of the side its route counted.  0 when it has none of them. */
static int
event_value(const char **type, const char **value, const json_t *line)
{
	const char *side = json_string_value(
	    json_object_get(json_object_get(line, "route"), "side"));
	const json_t *end = json_object_get(json_object_get(line, "event"),
	    side && strcmp(side, "destination") == 0 ? "destination"
	                                             : "source");
	const char *v;

	if ((v = json_string_value(json_object_get(end, "ip"))) != NULL) {
		*type = strchr(v, ':') ? "ipv6-addr" : "ipv4-addr";
		*value = v;
		return 1;
	}
	if ((v = json_string_value(json_object_get(end, "fqdn"))) != NULL) {
		*type = "domain-name";
		*value = v;
		return 1;
	}
	if ((v = json_string_value(json_object_get(end, "url"))) != NULL) {
		*type = "url";
		*value = v;
		return 1;
	}
	return 0;
}

int
px_stix_add_feed_event(struct px_stix *s, const struct px_stix_digest *d,
    const json_t *line, const char *event_id, enum px_tlp tlp)
{
	char t[PX_TIME_STRLEN];
	char *gid = digest_gid(d), *by = NULL, *where = NULL, *sco = NULL;
	char *ind = NULL, *sid = NULL;
	const char *type, *value, *prov, *etype;
	const json_t *ev = json_object_get(line, "event");
	const json_t *seen = json_object_get(line, "seen");
	json_t *g = json_object_get(s->objects, gid), *o, *idp, *refs;
	struct px_buf pat;
	int rc = 0;

	px_buf_init(&pat, PX_BUF_NOCAP);
	if (g == NULL) {
		rc =
		    px_error_set(PX_EINVAL, "add the digest before its events");
		goto out;
	}
	if (!event_value(&type, &value, line)) {
		rc = 1;
		goto out;
	}
	px_time_format(t, d->time_ms);
	stix_marking(s, tlp);
	mark_shared(g, tlp);
	refs = json_object_get(g, "object_refs");
	by = stix_identity(s, d->signer);
	/* Where it was sighted: the feed's provider, else the signer. */
	prov = json_string_value(
	    json_object_get(json_object_get(ev, "feed"), "provider"));
	if (prov) {
		where = pid("identity", "provider|%s%s", prov, NULL);
		if (json_object_get(s->objects, where) == NULL) {
			o = sdo("identity", where, EPOCH, EPOCH);
			json_object_set_new(o, "name", json_string(prov));
			json_object_set_new(
			    o, "identity_class", json_string("organization"));
			put(s, o);
		}
	} else {
		where = px_strdup(by);
	}
	if (!has_ref(refs, where))
		json_array_append_new(refs, json_string(where));
	idp = json_pack("{ss}", "value", value);
	sco = put_sco(s, type, idp, tlp);
	json_decref(idp);
	if (sco == NULL) {
		rc = PX_ERR;
		goto out;
	}
	if (!has_ref(refs, sco))
		json_array_append_new(refs, json_string(sco));
	px_buf_putf(&pat, "[%s:value = ", type);
	quoted(&pat, value);
	px_buf_puts(&pat, "]");
	/* One indicator per value in a digest, however many events name it. */
	ind = pid("indicator", "indicator|%s|%s", gid, pat.data);
	if ((o = json_object_get(s->objects, ind)) != NULL) {
		mark_shared(o, tlp);
	} else {
		etype = json_string_value(json_object_get(
		    json_object_get(ev, "classification"), "type"));
		o = sdo("indicator", ind, t, t);
		json_object_set_new(o, "created_by_ref", json_string(by));
		json_object_set_new(o, "name",
		    json_sprintf("%s %s", etype ? etype : "event", value));
		json_object_set_new(o, "pattern", json_string(pat.data));
		json_object_set_new(o, "pattern_type", json_string("stix"));
		json_object_set_new(o, "pattern_version", json_string("2.1"));
		json_object_set_new(o, "valid_from",
		    json_incref(json_object_get(d->digest, "start")));
		marked(o, tlp);
		put(s, o);
		json_array_append_new(refs, json_string(ind));
	}
	/* The event itself: the provider's sightings of the value. */
	sid = pid("sighting", "sighting|%s|%s", gid, event_id);
	o = sdo("sighting", sid, t, t);
	json_object_set_new(o, "created_by_ref", json_string(by));
	json_object_set_new(o, "sighting_of_ref", json_string(ind));
	json_object_set_new(o, "where_sighted_refs", json_pack("[s]", where));
	if (json_is_integer(json_object_get(seen, "count")))
		json_object_set(o, "count", json_object_get(seen, "count"));
	if (json_is_string(json_object_get(seen, "first")))
		json_object_set(
		    o, "first_seen", json_object_get(seen, "first"));
	if (json_is_string(json_object_get(seen, "last")))
		json_object_set(o, "last_seen", json_object_get(seen, "last"));
	json_object_set_new(o, "x_parley_event",
	    json_pack("{ss sO sO}", "id", event_id, "event", ev, "route",
	        json_object_get(line, "route") ? json_object_get(line, "route")
	                                       : json_null()));
	marked(o, tlp);
	put(s, o);
	json_array_append_new(refs, json_string(sid));
	json_object_set_new(json_object_get(g, "x_parley_digest"), "exported",
	    json_integer(
	        json_integer_value(json_object_get(
	            json_object_get(g, "x_parley_digest"), "exported")) +
	        1));
out:
	px_buf_dispose(&pat);
	free(gid);
	free(by);
	free(where);
	free(sco);
	free(ind);
	free(sid);
	return rc;
}

void
px_stix_digest_left_out(
    struct px_stix *s, const struct px_stix_digest *d, size_t n)
{
	char *gid = digest_gid(d);
	json_t *x = json_object_get(
	    json_object_get(s->objects, gid), "x_parley_digest");

	if (x)
		json_object_set_new(x, "left_out", json_integer((json_int_t)n));
	free(gid);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *
px_stix_bundle(const struct px_stix *s)
{
	size_t n = json_object_size(s->objects), k = 0;
	const char **ids = px_calloc(n ? n : 1, sizeof(*ids));
	const char *key;
	json_t *v, *arr = json_array(), *b;
	char *canon, *bid;

	json_object_foreach(s->objects, key, v) ids[k++] = key;
	qsort(ids, n, sizeof(*ids), cmp_str);
	for (k = 0; k < n; k++)
		json_array_append(arr, json_object_get(s->objects, ids[k]));
	free(ids);
	canon = px_canon_string(arr);
	bid = id5("bundle", PX_STIX_NS, canon ? canon : "");
	b = json_pack(
	    "{ss ss so}", "type", "bundle", "id", bid, "objects", arr);
	free(canon);
	free(bid);
	return b;
}

/* ---- import ------------------------------------------------------------- */

void
px_stix_case_dispose(struct px_stix_case *c)
{
	free(c->title);
	free(c->text);
	for (size_t i = 0; i < c->nobs; i++)
		free(c->obs[i]);
	free(c->obs);
	memset(c, 0, sizeof(*c));
}

int
px_stix_case_add_obs(struct px_stix_case *c, const char *type,
    const char *value, const char *where)
{
	struct px_observable o = { 0 };
	char *cli = px_asprintf("%s:%s", type, value), *norm;
	int rc = px_obs_parse_cli(&o, cli);

	free(cli);
	if (rc < 0) {
		px_error_prefix("%s", where);
		return rc;
	}
	norm = px_asprintf("%s:%s", px_obs_type_name(o.type), o.value);
	px_obs_dispose(&o);
	for (size_t i = 0; i < c->nobs; i++)
		if (strcmp(c->obs[i], norm) == 0) {
			free(norm);
			return 0;
		}
	c->obs = px_realloc(c->obs, (c->nobs + 1) * sizeof(*c->obs));
	c->obs[c->nobs++] = norm;
	return 0;
}

static const char *
hash_algo(const char *key)
{
	if (strcmp(key, "MD5") == 0)
		return "md5";
	if (strcmp(key, "SHA-1") == 0 || strcmp(key, "SHA1") == 0)
		return "sha1";
	if (strcmp(key, "SHA-256") == 0 || strcmp(key, "SHA256") == 0)
		return "sha256";
	if (strcmp(key, "SHA-512") == 0 || strcmp(key, "SHA512") == 0)
		return "sha512";
	return NULL;
}

/* A file observable "algo:hex". */
static int
add_hash(struct px_stix_case *c, const char *algo, const char *hex,
    const char *where)
{
	char *v = px_asprintf("%s:%s", algo, hex);
	int rc = px_stix_case_add_obs(c, "file", v, where);

	free(v);
	return rc;
}

/* An observable from a cyber-observable object; other SCO types (and
 * files known by name only) do not map and are skipped. */
static int
sco_obs(struct px_stix_case *c, const json_t *o, const char *type,
    const char *where)
{
	const char *v = json_string_value(json_object_get(o, "value"));

	if (strcmp(type, "ipv4-addr") == 0 || strcmp(type, "ipv6-addr") == 0 ||
	    strcmp(type, "domain-name") == 0 || strcmp(type, "url") == 0 ||
	    strcmp(type, "email-addr") == 0) {
		if (v == NULL)
			return px_error_set(PX_EINVAL,
			    "%s: a %s needs a string value", where, type);
		return px_stix_case_add_obs(c, type, v, where);
	}
	if (strcmp(type, "autonomous-system") == 0) {
		const json_t *n = json_object_get(o, "number");
		char buf[32];

		if (!json_is_integer(n))
			return px_error_set(PX_EINVAL,
			    "%s: an autonomous-system needs a number", where);
		snprintf(
		    buf, sizeof(buf), "%lld", (long long)json_integer_value(n));
		return px_stix_case_add_obs(c, "asn", buf, where);
	}
	if (strcmp(type, "file") == 0 || strcmp(type, "artifact") == 0) {
		const json_t *h = json_object_get(o, "hashes");
		const char *k;
		const json_t *hv;
		const char *best = NULL, *bestv = NULL;

		/* One hash per file: the strongest it carries. */
		json_object_foreach((json_t *)h, k, hv)
		{
			const char *a = hash_algo(k);

			if (a && json_is_string(hv) &&
			    (best == NULL || strcmp(a, best) > 0))
				best = a, bestv = json_string_value(hv);
		}
		/* An evidence item (x_parley_evidence) is not an observable
		 * of the case: its bytes stay with the party that holds
		 * them, and an offer, not an import, moves them. */
		if (best == NULL || strcmp(type, "artifact") == 0 ||
		    json_object_get(o, "x_parley_evidence"))
			return 0;
		return add_hash(c, best, bestv, where);
	}
	return 0;
}

/* The one comparison "[TYPE:PATH = 'VALUE']" or "[autonomous-system:number
 * = N]" an indicator's pattern may hold for us; anything richer is not an
 * observable (and is skipped, not refused). */
static int
pattern_obs(struct px_stix_case *c, const char *p, const char *where)
{
	char type[32], path[40], val[2100];
	size_t i = 0, k;

	if (p[i++] != '[')
		return 0;
	for (k = 0; p[i] && p[i] != ':' && k + 1 < sizeof(type); i++)
		type[k++] = p[i];
	type[k] = '\0';
	if (p[i++] != ':')
		return 0;
	for (k = 0; p[i] && p[i] != ' ' && p[i] != '=' && k + 1 < sizeof(path);
	     i++)
		path[k++] = p[i];
	path[k] = '\0';
	while (p[i] == ' ')
		i++;
	if (p[i++] != '=')
		return 0;
	while (p[i] == ' ')
		i++;
	if (p[i] == '\'') {
		for (i++, k = 0; p[i] && p[i] != '\'' && k + 1 < sizeof(val);
		     i++) {
			if (p[i] == '\\' && p[i + 1])
				i++;
			val[k++] = p[i];
		}
		val[k] = '\0';
		if (p[i++] != '\'')
			return px_error_set(PX_EINVAL,
			    "%s: unterminated string in pattern", where);
	} else {
		for (k = 0; p[i] >= '0' && p[i] <= '9' && k + 1 < sizeof(val);
		     i++)
			val[k++] = p[i];
		val[k] = '\0';
	}
	while (p[i] == ' ')
		i++;
	if (p[i] != ']' || p[i + 1] != '\0' || val[0] == '\0')
		return 0;
	if (strcmp(path, "value") == 0)
		return px_stix_case_add_obs(c, type, val, where);
	if (strcmp(type, "autonomous-system") == 0 &&
	    strcmp(path, "number") == 0)
		return px_stix_case_add_obs(c, "asn", val, where);
	if (strcmp(type, "file") == 0 && strncmp(path, "hashes.", 7) == 0) {
		char key[16];
		const char *a;

		snprintf(key, sizeof(key), "%s", path + 7);
		/* hashes.'SHA-256' or hashes.MD5 */
		if (key[0] == '\'') {
			memmove(key, key + 1, strlen(key));
			if (*key && key[strlen(key) - 1] == '\'')
				key[strlen(key) - 1] = '\0';
		}
		if ((a = hash_algo(key)) != NULL)
			return add_hash(c, a, val, where);
	}
	return 0;
}

static int
marking_of(enum px_tlp *out, const json_t *refs, const json_t *objs)
{
	size_t i, j;
	const json_t *r;
	int found = 0;

	/* Every TLP marking named counts, and the strictest wins: a document
	 * marked both CLEAR and RED is RED, whatever the order. */
	json_array_foreach(refs, i, r)
	{
		const char *id = json_string_value(
		    json_is_object(r) ? json_object_get(r, "marking_ref") : r);
		int t = px_stix_tlp_of_id(id);

		if (id == NULL)
			continue;
		/* A marking-definition in the bundle with the TLP 2.0
		 * extension, under an id of its own. */
		for (j = 0; j < json_array_size(objs) && t < 0; j++) {
			const json_t *o = json_array_get(objs, j);
			const char *oid =
			    json_string_value(json_object_get(o, "id"));
			const char *w;

			if (oid == NULL || strcmp(oid, id) != 0)
				continue;
			w = json_string_value(json_object_get(
			    json_object_get(
			        json_object_get(o, "extensions"), TLP_EXT),
			    "tlp_2_0"));
			if (w)
				t = PX_WIRE(px_tlp_names, w);
		}
		if (t >= 0 && (!found || t > (int)*out)) {
			*out = (enum px_tlp)t;
			found = 1;
		}
	}
	return found;
}

/* The strictest TLP marking of object `o`, from its object markings and
 * its granular markings (a RED property makes the whole case RED): 1 and
 * *out set, or 0 when it names none. */
static int
object_marking(enum px_tlp *out, const json_t *o, const json_t *objs)
{
	enum px_tlp a = PX_TLP_CLEAR, g = PX_TLP_CLEAR;
	int fa =
	    marking_of(&a, json_object_get(o, "object_marking_refs"), objs);
	int fg = marking_of(&g, json_object_get(o, "granular_markings"), objs);

	if (fa || fg)
		*out = !fg || (fa && a > g) ? a : g;
	return fa || fg;
}

/* Reads `len` bytes of text as a bundle into *b (new): at most
 * PX_STIX_MAX_BYTES, JSON, {"type": "bundle", "objects": [...]} with at
 * least one object, each an object with a type and an id.  PX_EINVAL or
 * PX_ETOOBIG saying what is wrong, *b NULL. */
static int
read_bundle(json_t **b, const char *text, size_t len)
{
	const json_t *objs, *o;
	size_t i;
	int rc;

	*b = NULL;
	if (len > PX_STIX_MAX_BYTES)
		return px_error_set(PX_ETOOBIG,
		    "the STIX bundle is %zu bytes; at most %u are read", len,
		    PX_STIX_MAX_BYTES);
	if ((rc = px_json_parse(
	         b, text, len, PX_STIX_MAX_BYTES, "the STIX bundle")) < 0)
		return rc;
	objs = json_object_get(*b, "objects");
	if (!json_is_object(*b) ||
	    !json_is_string(json_object_get(*b, "type")) ||
	    strcmp(json_string_value(json_object_get(*b, "type")), "bundle") ||
	    !json_is_array(objs) || json_array_size(objs) == 0) {
		rc = px_error_set(PX_EINVAL,
		    "not a STIX 2.1 bundle: expected {\"type\": \"bundle\", "
		    "\"objects\": [...]} with at least one object");
		goto fail;
	}
	json_array_foreach(objs, i, o)
	{
		if (!json_is_object(o) ||
		    !json_is_string(json_object_get(o, "type")) ||
		    !json_is_string(json_object_get(o, "id"))) {
			rc = px_error_set(PX_EINVAL,
			    "object %zu of the bundle has no type or id", i);
			goto fail;
		}
	}
	return 0;
fail:
	json_decref(*b);
	*b = NULL;
	return rc;
}

int
px_stix_parse(
    struct px_stix_case *out, const char *text, size_t len, enum px_tlp dflt)
{
	json_t *b = NULL;
	const json_t *objs, *o, *head = NULL;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	out->kind = out->category = out->priority = -1;
	out->tlp = dflt;
	if ((rc = read_bundle(&b, text, len)) < 0)
		return rc;
	objs = json_object_get(b, "objects");
	json_array_foreach(objs, i, o)
	{
		const char *type =
		    json_string_value(json_object_get(o, "type"));
		const char *id = json_string_value(json_object_get(o, "id"));
		char where[128];

		if (!json_is_object(o) || type == NULL || id == NULL) {
			rc = px_error_set(PX_EINVAL,
			    "object %zu of the bundle has no type or id", i);
			goto out;
		}
		snprintf(where, sizeof(where), "%.100s", id);
		if (head == NULL &&
		    (strcmp(type, "grouping") == 0 ||
		        strcmp(type, "report") == 0 ||
		        strcmp(type, "incident") == 0))
			head = o;
		if (strcmp(type, "indicator") == 0) {
			const char *p =
			    json_string_value(json_object_get(o, "pattern"));
			const char *pt = json_string_value(
			    json_object_get(o, "pattern_type"));

			if (p == NULL) {
				rc = px_error_set(PX_EINVAL,
				    "%s: an indicator needs a pattern", where);
				goto out;
			}
			if ((pt == NULL || strcmp(pt, "stix") == 0) &&
			    (rc = pattern_obs(out, p, where)) < 0)
				goto out;
		} else if (strcmp(type, "vulnerability") == 0) {
			const char *nm =
			    json_string_value(json_object_get(o, "name"));

			if (nm && strncasecmp(nm, "CVE-", 4) == 0 &&
			    (rc = px_stix_case_add_obs(out, "cve", nm, where)) <
			        0)
				goto out;
		} else if ((rc = sco_obs(out, o, type, where)) < 0) {
			goto out;
		}
	}
	if (head == NULL) {
		char types[160] = "";
		size_t tl = 0;

		/* Say what it does hold: the distinct types, in order, as
		 * many as the message has room for (a look in the list made
		 * so far, not over the objects: bundles can be large). */
		json_array_foreach(objs, i, o)
		{
			const char *t =
			    json_string_value(json_object_get(o, "type"));
			size_t n = strlen(t);
			bool seen = n == 0;

			for (const char *p = types;
			     !seen && (p = strstr(p, t)) != NULL; p += n)
				if ((p == types || p[-1] == ' ') &&
				    (p[n] == ',' || p[n] == '\0'))
					seen = true;
			if (!seen && tl + n + 3 < sizeof(types))
				tl += (size_t)snprintf(types + tl,
				    sizeof(types) - tl, "%s%s", tl ? ", " : "",
				    t);
		}
		rc = px_error_set(PX_EINVAL,
		    "the bundle has no grouping, report or incident to open a "
		    "case with (it holds %zu object%s: %s); put what belongs "
		    "to one case in a grouping",
		    json_array_size(objs),
		    json_array_size(objs) == 1 ? "" : "s", types);
		goto out;
	}
	{
		const char *name =
		    json_string_value(json_object_get(head, "name"));
		const char *desc =
		    json_string_value(json_object_get(head, "description"));
		const json_t *xc = json_object_get(head, "x_parley_case");

		if (name == NULL || *name == '\0') {
			rc = px_error_set(PX_EINVAL,
			    "%s has no name to use as the case's title",
			    json_string_value(json_object_get(head, "id")));
			goto out;
		}
		out->title = px_strdup(name);
		out->text = px_strdup(desc);
		out->marked = object_marking(&out->tlp, head, objs) == 1;
		if (json_is_object(xc)) {
			out->kind = PX_WIRE(px_kind_names,
			    json_string_value(json_object_get(xc, "kind")));
			out->category = PX_WIRE(px_category_names,
			    json_string_value(json_object_get(xc, "category")));
			out->priority = PX_WIRE(px_priority_names,
			    json_string_value(json_object_get(xc, "priority")));
		}
	}
	rc = 0;
out:
	if (rc < 0)
		px_stix_case_dispose(out);
	json_decref(b);
	return rc;
}

/* ---- import as feed events ---------------------------------------------- */

/* Flattens parley's nested event (px_event_json's form) into IntelMQ's
 * dotted keys, the form the intelmq decoder reads back into the same
 * event. */
static void
flatten(json_t *out, const char *prefix, const json_t *o)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v)
	{
		char *key =
		    prefix ? px_asprintf("%s.%s", prefix, k) : px_strdup(k);

		if (json_is_object(v))
			flatten(out, key, v);
		else if (strcmp(key, "malware") == 0)
			json_object_set(out, "malware.name", v);
		else if (strcmp(key, "source.cc") == 0)
			json_object_set(out, "source.geolocation.cc", v);
		else if (strcmp(key, "destination.cc") == 0)
			json_object_set(out, "destination.geolocation.cc", v);
		else
			json_object_set(out, key, v);
		free(key);
	}
}

/* The IntelMQ key of the value a one-comparison pattern names. */
static const char *
value_key(const char *type)
{
	if (strcmp(type, "ipv4-addr") == 0 || strcmp(type, "ipv6-addr") == 0)
		return "source.ip";
	if (strcmp(type, "domain-name") == 0)
		return "source.fqdn";
	if (strcmp(type, "url") == 0)
		return "source.url";
	return NULL;
}

/* The value of a one-comparison pattern over an address, host name or
 * URL: 1 with *type and *val (val[2100]), 0 for any other pattern. */
static int
simple_pattern(const char *p, char type[32], char *val, size_t vn)
{
	struct px_stix_case c = { 0 };
	int rc;

	/* pattern_obs does the parsing; it normalises on the way, which
	 * the feed pipeline does again. */
	rc = pattern_obs(&c, p, "pattern");
	if (rc < 0 || c.nobs != 1) {
		px_stix_case_dispose(&c);
		return rc < 0 ? rc : 0;
	}
	{
		const char *colon = strchr(c.obs[0], ':');

		snprintf(type, 32, "%.*s", (int)(colon - c.obs[0]), c.obs[0]);
		snprintf(val, vn, "%s", colon + 1);
	}
	px_stix_case_dispose(&c);
	return 1;
}

/* The STIX type name of a parley observable type name, for the types a
 * feed event can carry. */
static const char *
stix_type_of(const char *t)
{
	if (strcmp(t, "ipv4-addr") == 0 || strcmp(t, "ipv6-addr") == 0 ||
	    strcmp(t, "domain-name") == 0 || strcmp(t, "url") == 0)
		return t;
	return NULL;
}

static const json_t *
by_id(const json_t *objs, const char *id)
{
	size_t i;
	const json_t *o;

	json_array_foreach(objs, i, o) if (id && json_is_object(o) &&
	    json_string_value(json_object_get(o, "id")) &&
	    strcmp(json_string_value(json_object_get(o, "id")), id) ==
	        0) return o;
	return NULL;
}

/* An event from an indicator (and the sighting of it, or NULL). */
static int
indicator_event(json_t **out, const json_t *objs, const json_t *ind,
    const json_t *sgt, const char *where)
{
	const char *p = json_string_value(json_object_get(ind, "pattern"));
	const char *pt =
	    json_string_value(json_object_get(ind, "pattern_type"));
	const char *when, *key, *prov = NULL;
	const json_t *src = sgt ? sgt : ind, *who;
	char type[32], val[2100];
	enum px_tlp tlp;
	json_t *e;
	int rc;

	*out = NULL;
	if (p == NULL)
		return px_error_set(
		    PX_EINVAL, "%s: an indicator needs a pattern", where);
	if (pt && strcmp(pt, "stix") != 0)
		return 0;
	/* A bad pattern is the indicator's fault, whoever sighted it. */
	if ((rc = simple_pattern(p, type, val, sizeof(val))) <= 0) {
		if (rc < 0)
			px_error_prefix("%.100s",
			    json_string_value(json_object_get(ind, "id")));
		return rc;
	}
	if (stix_type_of(type) == NULL || (key = value_key(type)) == NULL)
		return 0;
	e = json_pack("{ss ss}", key, val, "classification.type",
	    json_array_size(json_object_get(ind, "indicator_types")) &&
	            strcmp(json_string_value(json_array_get(
	                       json_object_get(ind, "indicator_types"), 0)),
	                "compromised") == 0
	        ? "system-compromise"
	        : "blocklist");
	when = json_string_value(json_object_get(sgt, "last_seen"));
	if (when == NULL)
		when = json_string_value(json_object_get(ind, "valid_from"));
	if (when)
		json_object_set_new(e, "time.source", json_string(when));
	who = by_id(objs,
	    json_string_value(
	        json_array_get(json_object_get(sgt, "where_sighted_refs"), 0)));
	if (who == NULL)
		who = by_id(objs,
		    json_string_value(json_object_get(ind, "created_by_ref")));
	if (who)
		prov = json_string_value(json_object_get(who, "name"));
	if (prov)
		json_object_set_new(e, "feed.provider", json_string(prov));
	/* The sighting's marking, else the indicator's. */
	if (marking_of(
	        &tlp, json_object_get(src, "object_marking_refs"), objs) ||
	    marking_of(&tlp, json_object_get(ind, "object_marking_refs"), objs))
		json_object_set_new(
		    e, "tlp", json_string(px_tlp_names[tlp].wire));
	if (sgt && json_is_integer(json_object_get(sgt, "count")))
		json_object_set(
		    e, "extra.count", json_object_get(sgt, "count"));
	json_object_set(e, "extra.stix_id", json_object_get(src, "id"));
	*out = e;
	return 1;
}

int
px_stix_feed_lines(
    struct px_buf *out, size_t *count, const char *text, size_t len)
{
	json_t *b = NULL, *lines = json_array();
	const json_t *objs, *o;
	size_t i;
	int rc;

	*count = 0;
	if ((rc = read_bundle(&b, text, len)) < 0)
		goto out;
	objs = json_object_get(b, "objects");
	/* Sightings first: a sighting parley exported carries its event
	 * whole; another's is an event of the indicator it sighted. */
	json_array_foreach(objs, i, o)
	{
		const char *type =
		    json_string_value(json_object_get(o, "type"));
		char where[128];
		const json_t *x = json_object_get(o, "x_parley_event"), *ind;
		json_t *e = NULL;

		snprintf(where, sizeof(where), "%.100s",
		    json_string_value(json_object_get(o, "id")));
		if (strcmp(type, "sighting") == 0) {
			if (json_is_object(json_object_get(x, "event"))) {
				e = json_object();
				flatten(e, NULL, json_object_get(x, "event"));
				if (!json_is_string(json_object_get(
				        e, "classification.type"))) {
					json_decref(e);
					rc = px_error_set(PX_EINVAL,
					    "%s: x_parley_event.event has no "
					    "classification.type",
					    where);
					goto out;
				}
			} else {
				const char *ref = json_string_value(
				    json_object_get(o, "sighting_of_ref"));

				if (ref == NULL) {
					rc = px_error_set(PX_EINVAL,
					    "%s: a sighting needs a "
					    "sighting_of_ref",
					    where);
					goto out;
				}
				ind = by_id(objs, ref);
				if (ind == NULL ||
				    strcmp(json_string_value(
				               json_object_get(ind, "type")),
				        "indicator") != 0)
					continue;
				if ((rc = indicator_event(
				         &e, objs, ind, o, where)) < 0)
					goto out;
			}
		} else if (strcmp(type, "indicator") == 0) {
			/* An indicator sighted in the bundle is its
			 * sightings' events. */
			size_t j;
			const json_t *s2;
			bool sighted = false;

			json_array_foreach(objs, j,
			    s2) if (json_equal(json_object_get(s2,
			                           "sighting_of_ref"),
			                json_object_get(o, "id"))) sighted =
			    true;
			if (sighted)
				continue;
			if ((rc = indicator_event(&e, objs, o, NULL, where)) <
			    0)
				goto out;
		}
		if (e)
			json_array_append_new(lines, e);
	}
	if (json_array_size(lines) == 0) {
		rc = px_error_set(PX_EINVAL,
		    "the bundle holds no feed event: no sighting, and no "
		    "indicator whose pattern is one comparison of an address, "
		    "host name or URL");
		goto out;
	}
	json_array_foreach(lines, i, o)
	{
		char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

		px_buf_puts(out, s);
		px_buf_puts(out, "\n");
		free(s);
	}
	*count = json_array_size(lines);
	rc = 0;
out:
	json_decref(lines);
	json_decref(b);
	return rc;
}
