#include "model/canon.h"
#include "ledger/note.h"
#include "model/card.h"
#include "model/message.h"
#include "model/routing.h"
#include "util/util.h"

void
px_key_fingerprint(char out[45], const uint8_t pk[PX_PUBKEY_LEN])
{
	uint8_t h[PX_SHA256_LEN];
	char hex[65];
	char *p = out;

	px_sha256(h, pk, PX_PUBKEY_LEN);
	px_hex_encode(hex, h, 20);
	for (int i = 0; i < 5; i++) {
		memcpy(p, hex + 8 * i, 8);
		p += 8;
		*p++ = i < 4 ? ' ' : '\0';
	}
}

int
px_card_sign(json_t **out, json_t *c, const struct px_key *k)
{
	return px_signed_wrap(out, NULL, "card", c, k);
}

static int
decode_key(uint8_t *out, const json_t *keys, const char *name, const char *what)
{
	const char *s;
	size_t n = 0;
	int rc;

	if ((rc = px_j_str(&s, keys, name, 64, what)) < 0)
		return rc;
	if (px_b64_decode(out, PX_PUBKEY_LEN, &n, s) < 0 || n != PX_PUBKEY_LEN)
		return px_error_set(PX_EINVAL,
		    "%s: keys.%s is not base64 of a 32-byte Ed25519 key", what,
		    name);
	return 0;
}

static int
check_strings(const json_t *a, const char *what, size_t max)
{
	size_t i;
	const json_t *v;

	if (a == NULL)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > max)
		return px_error_set(PX_EINVAL,
		    "card: '%s' must be an array of at most %zu strings", what,
		    max);
	json_array_foreach(a, i, v) if (!json_is_string(v) ||
	    json_string_length(v) > 64) return px_error_set(PX_EINVAL,
	    "card: '%s' item %zu must be a short string", what, i + 1);
	return 0;
}

static int
check_contacts(const json_t *a)
{
	static const char *const mem[] = { "id", "role", "name", "title",
		"languages", "email", "phone", "webhook", "hours", "timezone",
		"verified", "principal", NULL };
	size_t i;
	const json_t *v;
	const char *s;
	int rc;

	if (a == NULL)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > 256)
		return px_error_set(PX_EINVAL,
		    "card: 'contacts' must be an array (at most 256)");
	json_array_foreach(a, i, v)
	{
		const char *k;
		json_t *f;

		if ((rc = px_j_only(v, mem, "card contact")) < 0 ||
		    (rc = px_j_str(&s, v, "role", 32, "card contact")) < 0 ||
		    (rc = px_j_str(&s, v, "name", 200, "card contact")) < 0)
			return rc;
		if (json_object_get(v, "id") &&
		    ((rc = px_j_str(&s, v, "id", 64, "card contact")) < 0 ||
		        (rc = px_check_contact_id(s, "card contact")) < 0))
			return rc;
		json_object_foreach((json_t *)v, k, f)
		{
			bool ok;

			if (strcmp(k, "languages") == 0)
				ok = check_strings(f, "languages", 16) == 0;
			else if (strcmp(k, "principal") == 0)
				ok = json_is_boolean(f);
			else
				ok = json_is_string(f) &&
				    json_string_length(f) <= 1024;
			if (!ok)
				return px_error_set(PX_EINVAL,
				    "card contact %zu: '%s' has the wrong "
				    "type or size",
				    i + 1, k);
		}
	}
	return 0;
}

/* The on-call roster: [{"at": "Mon 09:00", "contact": ID}, ...]. */
static int
check_roster(const json_t *a)
{
	static const char *const mem[] = { "at", "contact", NULL };
	size_t i;
	const json_t *v;
	const char *s;
	int rc;

	if (a == NULL)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > 64)
		return px_error_set(
		    PX_EINVAL, "card: 'roster' must be an array (at most 64)");
	json_array_foreach(a, i, v)
	{
		if ((rc = px_j_only(v, mem, "card roster")) < 0 ||
		    (rc = px_j_str(&s, v, "at", 9, "card roster")) < 0 ||
		    (rc = px_j_str(&s, v, "contact", 64, "card roster")) < 0 ||
		    (rc = px_check_contact_id(s, "card roster")) < 0)
			return rc;
	}
	return 0;
}

static int
fill(struct px_card *out, const char *what)
{
	static const char *const mem[] = { "v", "name", "version", "issued",
		"url", "tls", "keys", "log_key", "witness_key", "timezone",
		"languages", "hours", "contacts", "roster", "role",
		"constituency", NULL };
	static const char *const hmem[] = { "days", "time", "holidays", NULL };
	const json_t *c = out->c, *keys;
	int64_t v;
	int rc;

	if ((rc = px_j_only(c, mem, what)) < 0 ||
	    (rc = px_j_int(&v, c, "v", 1, 1, what)) < 0 ||
	    (rc = px_j_str(&out->name, c, "name", 253, what)) < 0 ||
	    (rc = px_check_node_name(out->name, "card name")) < 0 ||
	    (rc = px_j_int(
	         &out->version, c, "version", 1, INT64_C(1) << 53, what)) < 0 ||
	    (rc = px_j_time(&out->issued_ms, c, "issued", what)) < 0 ||
	    (rc = px_j_str_opt(&out->url, c, "url", 1024, what)) < 0 ||
	    (rc = px_j_str(&out->tls, c, "tls", 80, what)) < 0 ||
	    (rc = px_j_str(&out->timezone, c, "timezone", 64, what)) < 0 ||
	    (rc = px_j_str_opt(&out->role, c, "role", 16, what)) < 0)
		return rc;
	/* A node's part in the exchange (docs/attribution.md): absent for
	 * a party, "verifier" for a neutral verifier. */
	if (out->role && strcmp(out->role, "verifier") != 0 &&
	    strcmp(out->role, "party") != 0)
		return px_error_set(PX_EINVAL,
		    "%s: 'role' is party or verifier, not '%s'", what,
		    out->role);
	if (strncmp(out->tls, "sha256:", 7) != 0 || strlen(out->tls) != 71)
		return px_error_set(PX_EINVAL,
		    "%s: 'tls' must be sha256: and 64 hex digits", what);
	if (!json_is_object(keys = json_object_get(c, "keys")))
		return px_error_set(PX_EINVAL, "%s: 'keys' is missing", what);
	if ((rc = decode_key(out->sign_pk, keys, "sign", what)) < 0 ||
	    (rc = decode_key(out->cosign_pk, keys, "cosign", what)) < 0)
		return rc;
	/* The C2SP verifier keys must name this node and its two keys. */
	{
		const char *lk, *wk;
		char *want_l = px_vkey_format(out->name, 0x01, out->sign_pk);
		char *want_w = px_vkey_format(out->name, 0x04, out->cosign_pk);

		rc = px_j_str(&lk, c, "log_key", 512, what);
		if (rc == 0)
			rc = px_j_str(&wk, c, "witness_key", 512, what);
		if (rc == 0 && (strcmp(lk, want_l) || strcmp(wk, want_w)))
			rc = px_error_set(PX_EINVAL,
			    "%s: log_key and witness_key must be %s and %s",
			    what, want_l, want_w);
		free(want_l);
		free(want_w);
		if (rc < 0)
			return rc;
	}
	out->languages = json_object_get(c, "languages");
	out->contacts = json_object_get(c, "contacts");
	out->hours = json_object_get(c, "hours");
	if ((rc = check_strings(out->languages, "languages", 16)) < 0 ||
	    (rc = check_contacts(out->contacts)) < 0 ||
	    (rc = check_roster(json_object_get(c, "roster"))) < 0)
		return rc;
	out->constituency = json_object_get(c, "constituency");
	if (out->constituency &&
	    (rc = px_constituency_check(out->constituency, what)) < 0)
		return rc;
	if (out->hours) {
		const char *s;

		if ((rc = px_j_only(out->hours, hmem, "card hours")) < 0 ||
		    (rc = px_j_str_opt(
		         &s, out->hours, "days", 64, "card hours")) < 0 ||
		    (rc = px_j_str_opt(
		         &s, out->hours, "time", 64, "card hours")) < 0 ||
		    (rc = check_strings(json_object_get(out->hours, "holidays"),
		         "holidays", 1000)) < 0)
			return rc;
	}
	return 0;
}

static int
from_json(struct px_card *out, json_t *env, const char *what, bool verify)
{
	const json_t *c;
	int rc;

	memset(out, 0, sizeof(*out));
	out->env = json_incref(env);
	if ((rc = px_signed_open(&c, out->hash, env, "card", NULL, what)) < 0)
		goto fail;
	out->c = c;
	if ((rc = fill(out, what)) < 0)
		goto fail;
	/* Self-signed: verify with the key it carries. */
	if (verify &&
	    (rc = px_signed_open(&c, NULL, env, "card", out->sign_pk, what)) <
	        0)
		goto fail;
	return 0;
fail:
	px_card_dispose(out);
	return rc;
}

int
px_card_from_json(struct px_card *out, json_t *env, const char *what)
{
	return from_json(out, env, what, true);
}

int
px_card_parse_pinned(
    struct px_card *out, const char *text, size_t len, const char *what)
{
	json_t *j = NULL;
	int rc;

	if ((rc = px_json_parse(&j, text, len, PX_CARD_MAX_BYTES, what)) < 0)
		return rc;
	rc = from_json(out, j, what, false);
	json_decref(j);
	return rc;
}

int
px_card_parse(
    struct px_card *out, const char *text, size_t len, const char *what)
{
	json_t *j = NULL;
	int rc;

	if (len == 0)
		return px_error_set(PX_EINVAL,
		    "%s is empty (expected a "
		    "parley card)",
		    what);
	if ((rc = px_json_parse(&j, text, len, PX_CARD_MAX_BYTES, what)) < 0)
		return rc;
	rc = px_card_from_json(out, j, what);
	json_decref(j);
	return rc;
}

void
px_card_dispose(struct px_card *c)
{
	json_decref(c->env);
	memset(c, 0, sizeof(*c));
}

static const json_t *
contact_by_id(const json_t *contacts, const char *id)
{
	size_t i;
	const json_t *c;

	json_array_foreach(contacts, i, c)
	{
		const char *cid = json_string_value(json_object_get(c, "id"));

		if (cid && strcmp(cid, id) == 0)
			return c;
	}
	return NULL;
}

static bool
has_string(const json_t *a, const json_t *v)
{
	size_t i;
	const json_t *x;

	json_array_foreach(a, i, x) if (json_equal(x, v)) return true;
	return false;
}

/* {"added": [...], "removed": [...]} between two arrays of strings, or
 * NULL when they hold the same. */
static json_t *
list_diff(const json_t *was, const json_t *now)
{
	json_t *add = json_array(), *rem = json_array(), *v;
	size_t i;

	json_array_foreach(now, i, v) if (!has_string(was, v))
	    json_array_append(add, v);
	json_array_foreach(was, i, v) if (!has_string(now, v))
	    json_array_append(rem, v);
	if (json_array_size(add) == 0 && json_array_size(rem) == 0) {
		json_decref(add);
		json_decref(rem);
		return NULL;
	}
	return json_pack("{soso}", "added", add, "removed", rem);
}

/* What changed in the constituency (docs/routing.md): per list
 * ("countries", "asns", "networks", "own.asns", "own.networks"), or NULL
 * for no change. */
static json_t *
constituency_diff(const json_t *old_c, const json_t *new_c)
{
	static const char *const lists[] = { "countries", "asns", "networks" };
	const json_t *a = json_object_get(old_c, "constituency");
	const json_t *b = json_object_get(new_c, "constituency");
	json_t *out = json_object(), *d;

	for (size_t k = 0; k < PX_ARRAY_LEN(lists); k++) {
		if ((d = list_diff(json_object_get(a, lists[k]),
		         json_object_get(b, lists[k]))) != NULL)
			json_object_set_new(out, lists[k], d);
		if (k == 0)
			continue;
		if ((d = list_diff(
		         json_object_get(json_object_get(a, "own"), lists[k]),
		         json_object_get(
		             json_object_get(b, "own"), lists[k]))) != NULL) {
			char key[32];

			snprintf(key, sizeof(key), "own.%s", lists[k]);
			json_object_set_new(out, key, d);
		}
	}
	if (json_object_size(out) == 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

json_t *
px_card_contacts_diff(const json_t *old_c, const json_t *new_c)
{
	const json_t *oc = json_object_get(old_c, "contacts");
	const json_t *nc = json_object_get(new_c, "contacts");
	json_t *added = json_array(), *removed = json_array();
	json_t *changed = json_array(), *c;
	size_t i;

	json_array_foreach(nc, i, c)
	{
		const char *id = json_string_value(json_object_get(c, "id"));
		const json_t *was = id ? contact_by_id(oc, id) : NULL;
		const char *k;
		json_t *v, *fields;

		if (id == NULL)
			continue;
		if (was == NULL) {
			json_array_append_new(added, json_string(id));
			continue;
		}
		fields = json_array();
		json_object_foreach((json_t *)c, k, v)
		{
			if (!json_equal(v, json_object_get(was, k)))
				json_array_append_new(fields, json_string(k));
		}
		json_object_foreach((json_t *)was, k, v)
		{
			if (json_object_get(c, k) == NULL)
				json_array_append_new(fields, json_string(k));
		}
		if (json_array_size(fields))
			json_array_append_new(changed,
			    json_pack("{ssso}", "id", id, "fields", fields));
		else
			json_decref(fields);
	}
	json_array_foreach(oc, i, c)
	{
		const char *id = json_string_value(json_object_get(c, "id"));

		if (id && contact_by_id(nc, id) == NULL)
			json_array_append_new(removed, json_string(id));
	}
	c = json_pack("{sosososbsIsI}", "added", added, "removed", removed,
	    "changed", changed, "roster_changed",
	    !json_equal(json_object_get(old_c, "roster"),
	        json_object_get(new_c, "roster")),
	    "from_version",
	    (json_int_t)json_integer_value(json_object_get(old_c, "version")),
	    "to_version",
	    (json_int_t)json_integer_value(json_object_get(new_c, "version")));
	{
		json_t *cd = constituency_diff(old_c, new_c);

		if (cd)
			json_object_set_new(c, "constituency", cd);
	}
	return c;
}
