#include "model/canon.h"
#include "model/signed.h"
#include "model/types.h"
#include "util/util.h"

int
px_signed_bytes(struct px_buf *out, const char *kind, const json_t *o)
{
	px_buf_putf(out, "parley-%s-v1\n", kind);
	return px_canon_append(out, o);
}

int
px_signed_wrap(json_t **out, char *hash_out, const char *kind, json_t *o,
    const struct px_key *k)
{
	struct px_buf b;
	uint8_t sig[PX_SIG_LEN], h[PX_SHA256_LEN];
	char *b64 = NULL;
	int rc;

	px_buf_init(&b, PX_BUF_NOCAP);
	if ((rc = px_signed_bytes(&b, kind, o)) < 0)
		goto out;
	px_sign(sig, k, b.data, b.len);
	if (hash_out) {
		px_sha256(h, b.data, b.len);
		px_hex_encode(hash_out, h, sizeof(h));
	}
	b64 = px_b64_encode(sig, sizeof(sig));
	*out = json_pack("{sOss}", kind, o, "sig", b64);
out:
	free(b64);
	px_buf_dispose(&b);
	return rc;
}

/* The envelope's shape: {kind: object, sig: base64 of 64 bytes}. */
static int
shape(const json_t **obj, uint8_t sig[PX_SIG_LEN], const json_t *env,
    const char *kind, const char *what)
{
	const json_t *s;
	size_t n = 0;

	if (!json_is_object(env) || json_object_size(env) != 2 ||
	    !json_is_object(*obj = json_object_get(env, kind)) ||
	    !json_is_string(s = json_object_get(env, "sig")))
		return px_error_set(PX_EINVAL,
		    "%s is not a signed %s (expected {\"%s\": {...}, "
		    "\"sig\": \"base64\"})",
		    what, kind, kind);
	if (px_b64_decode(sig, PX_SIG_LEN, &n, json_string_value(s)) < 0 ||
	    n != PX_SIG_LEN)
		return px_error_set(
		    PX_EINVAL, "%s: signature is not base64 of 64 bytes", what);
	return 0;
}

int
px_signed_open_known(const json_t **obj_out, char *hash_out, const json_t *env,
    const char *kind, const char *hash, const char *what)
{
	uint8_t sig[PX_SIG_LEN];
	int rc;

	if ((rc = shape(obj_out, sig, env, kind, what)) < 0)
		return rc;
	memcpy(hash_out, hash, PX_HASH_HEX);
	return 0;
}

int
px_signed_open(const json_t **obj_out, char *hash_out, const json_t *env,
    const char *kind, const uint8_t *pk, const char *what)
{
	const json_t *o;
	uint8_t sig[PX_SIG_LEN], h[PX_SHA256_LEN];
	struct px_buf b;
	int rc = 0;

	if ((rc = shape(&o, sig, env, kind, what)) < 0)
		return rc;
	px_buf_init(&b, PX_BUF_NOCAP);
	if ((rc = px_signed_bytes(&b, kind, o)) < 0) {
		px_error_prefix("%s", what);
		goto out;
	}
	px_sha256(h, b.data, b.len);
	if (hash_out)
		px_hex_encode(hash_out, h, sizeof(h));
	if (pk && px_verify(pk, sig, b.data, b.len) < 0) {
		rc = px_error_set(PX_EINVAL,
		    "%s: signature does not verify (the content was "
		    "altered, or it was signed with another key)",
		    what);
		goto out;
	}
	*obj_out = o;
out:
	px_buf_dispose(&b);
	return rc;
}

int
px_j_str_opt(const char **out, const json_t *o, const char *key, size_t maxlen,
    const char *what)
{
	const json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return px_error_set(
		    PX_EINVAL, "%s: '%s' must be a string", what, key);
	if (json_string_length(v) > maxlen)
		return px_error_set(PX_EINVAL,
		    "%s: '%s' is longer than %zu bytes", what, key, maxlen);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return px_error_set(
		    PX_EINVAL, "%s: '%s' contains a NUL", what, key);
	*out = json_string_value(v);
	return 0;
}

int
px_j_str(const char **out, const json_t *o, const char *key, size_t maxlen,
    const char *what)
{
	int rc = px_j_str_opt(out, o, key, maxlen, what);

	if (rc == 0 && (*out == NULL || **out == '\0'))
		return px_error_set(
		    PX_EINVAL, "%s: '%s' is missing or empty", what, key);
	return rc;
}

int
px_j_chars(const char **out, const json_t *o, const char *key, size_t maxchars,
    const char *what)
{
	/* A code point is at most four bytes: the byte cap only bounds the
	 * count's work, the character count decides. */
	int rc = px_j_str(out, o, key, 4 * maxchars, what);

	if (rc == 0 && px_utf8_chars(*out) > maxchars)
		return px_error_set(PX_EINVAL,
		    "%s: '%s' is longer than %zu characters (%zu)", what, key,
		    maxchars, px_utf8_chars(*out));
	return rc;
}

int
px_j_int(int64_t *out, const json_t *o, const char *key, int64_t min,
    int64_t max, const char *what)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return px_error_set(
		    PX_EINVAL, "%s: '%s' must be an integer", what, key);
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return px_error_set(PX_EINVAL,
		    "%s: '%s' is %lld, outside %lld..%lld", what, key,
		    (long long)json_integer_value(v), (long long)min,
		    (long long)max);
	*out = json_integer_value(v);
	return 0;
}

int
px_j_time(int64_t *out, const json_t *o, const char *key, const char *what)
{
	const char *s;
	char again[PX_TIME_STRLEN];
	int rc;

	if ((rc = px_j_str(&s, o, key, 64, what)) < 0)
		return rc;
	if (px_time_parse(out, s, 0) < 0)
		return px_error_set(PX_EINVAL,
		    "%s: '%s' is '%s', not a time like "
		    "2026-11-20T09:30:00.000Z",
		    what, key, s);
	/* One instant, one spelling: signed times are in our exact form. */
	px_time_format(again, *out);
	if (strcmp(again, s) != 0)
		return px_error_set(PX_EINVAL,
		    "%s: '%s' is '%s'; signed times must be written as %s",
		    what, key, s, again);
	return 0;
}

int
px_j_enum(int *out, const json_t *o, const char *key, const struct px_name *t,
    size_t n, const char *what)
{
	const char *s;
	int rc, k;

	if ((rc = px_j_str(&s, o, key, 64, what)) < 0)
		return rc;
	if ((k = px_name_wire(t, n, s)) < 0) {
		rc = px_name_lookup(t, n, key, s);
		px_error_prefix("%s", what);
		return rc < 0 ? rc : PX_EINVAL;
	}
	*out = k;
	return 0;
}

int
px_j_hash(char *out, const json_t *o, const char *key, const char *what)
{
	const char *s;
	uint8_t h[32];
	int rc;

	if ((rc = px_j_str(&s, o, key, 64, what)) < 0)
		return rc;
	if (strlen(s) != 64 || px_hex_decode(h, 32, s) < 0)
		return px_error_set(PX_EINVAL,
		    "%s: '%s' must be 64 lowercase hex digits", what, key);
	px_hex_encode(out, h, 32);
	if (strcmp(out, s) != 0)
		return px_error_set(
		    PX_EINVAL, "%s: '%s' must be lowercase hex", what, key);
	return 0;
}

int
px_j_only(const json_t *o, const char *const *allowed, const char *what)
{
	const char *key;
	json_t *v;

	if (!json_is_object(o))
		return px_error_set(
		    PX_EINVAL, "%s must be a JSON object", what);
	json_object_foreach((json_t *)o, key, v)
	{
		size_t i;

		for (i = 0; allowed[i]; i++)
			if (strcmp(allowed[i], key) == 0)
				break;
		if (allowed[i] == NULL)
			return px_error_set(
			    PX_EINVAL, "%s: unexpected member '%s'", what, key);
	}
	return 0;
}

int
px_check_node_name(const char *s, const char *what)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 253)
		goto bad;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		        c == '-' || c == '.'))
			goto bad;
	}
	if (s[0] == '-' || s[0] == '.' || s[n - 1] == '.' || s[n - 1] == '-')
		goto bad;
	return 0;
bad:
	return px_error_set(PX_EINVAL,
	    "%s '%s' is not a node name (expected lowercase letters, digits, "
	    "'-' and '.', like cert-a.example)",
	    what, s ? s : "");
}
