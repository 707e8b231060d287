/*
 * TAXII 2.1 query, cursor, version and media-type rules (formats/taxii.h).
 */
#include <ctype.h>

#include "formats/taxii.h"
#include "util/util.h"

#define QUERY_MAX 4096

static int
hexval(int c)
{
	return px_hex_digit(c);
}

/* Percent-decodes s[0..n) into a new string; NULL if an escape is bad or
 * decodes to a control character. */
static char *
pct_decode(const char *s, size_t n)
{
	char *o = px_malloc(n + 1);
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int h, l;

			if (i + 2 >= n || (h = hexval(s[i + 1])) < 0 ||
			    (l = hexval(s[i + 2])) < 0)
				goto bad;
			c = h << 4 | l;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			goto bad;
		o[k++] = (char)c;
	}
	o[k] = '\0';
	return o;
bad:
	free(o);
	return NULL;
}

static int
parse_int(int64_t *out, const char *s, int64_t min, int64_t max)
{
	int64_t v = 0;

	if (*s == '\0' || strlen(s) > 18)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Splits a comma-separated value into `vals`; PX_EINVAL when empty parts
 * or too many. */
static int
split_values(struct px_taxii_values *vals, const char *key, const char *v)
{
	const char *p = v;

	if (vals->n > 0)
		return px_error_set(PX_EINVAL, "%s is given twice", key);
	for (;;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);

		if (len == 0)
			return px_error_set(PX_EINVAL,
			    "%s has an empty value (expected a comma-separated "
			    "list)",
			    key);
		if (vals->n == PX_TAXII_MATCH_MAX)
			return px_error_set(PX_EINVAL,
			    "%s has more than %d values", key,
			    PX_TAXII_MATCH_MAX);
		vals->v[vals->n++] = px_strndup(p, len);
		if (c == NULL)
			return 0;
		p = c + 1;
	}
}

static int
parse_version_values(struct px_taxii_query *q)
{
	for (size_t i = 0; i < q->version.n; i++) {
		const char *v = q->version.v[i];
		char norm[PX_TIME_STRLEN];
		int64_t ms;

		if (strcmp(v, "all") == 0) {
			q->version_all = true;
			continue;
		}
		if (strcmp(v, "first") == 0 || strcmp(v, "last") == 0)
			continue;
		if (px_time_parse(&ms, v, 0) < 0)
			return px_error_set(PX_EINVAL,
			    "match[version] value '%s' is not first, last, all "
			    "or an RFC 3339 timestamp",
			    v);
		px_time_format(norm, ms);
		free(q->version.v[i]);
		q->version.v[i] = px_strdup(norm);
	}
	return 0;
}

static int
one_param(struct px_taxii_query *q, const char *key, const char *val)
{
	static const struct {
		const char *key;
		size_t off;
	} lists[] = {
		{ "match[id]", offsetof(struct px_taxii_query, id) },
		{ "match[type]", offsetof(struct px_taxii_query, type) },
		{ "match[version]", offsetof(struct px_taxii_query, version) },
		{ "match[spec_version]",
		    offsetof(struct px_taxii_query, spec_version) },
	};

	if (strcmp(key, "limit") == 0) {
		if (q->limit != 0 ||
		    parse_int(&q->limit, val, 1, INT64_MAX / 4) < 0)
			return px_error_set(PX_EINVAL,
			    "limit '%s' is not a positive integer (given once)",
			    val);
		if (q->limit > PX_TAXII_PAGE_MAX)
			q->limit = PX_TAXII_PAGE_MAX;
		return 0;
	}
	if (strcmp(key, "next") == 0) {
		if (q->after != 0 || val[0] != 'p' ||
		    parse_int(&q->after, val + 1, 1, INT64_MAX / 4) < 0)
			return px_error_set(PX_EINVAL,
			    "next '%s' is not a cursor this server gave (given "
			    "once)",
			    val);
		return 0;
	}
	if (strcmp(key, "added_after") == 0) {
		if (q->added_after_ms != INT64_MIN ||
		    px_time_parse(&q->added_after_ms, val, 0) < 0)
			return px_error_set(PX_EINVAL,
			    "added_after '%s' is not an RFC 3339 timestamp "
			    "(given once)",
			    val);
		return 0;
	}
	for (size_t i = 0; i < PX_ARRAY_LEN(lists); i++)
		if (strcmp(key, lists[i].key) == 0)
			return split_values(
			    (struct px_taxii_values *)((char *)q +
			        lists[i].off),
			    key, val);
	return 0;
}

int
px_taxii_query_parse(struct px_taxii_query *out, const char *q)
{
	const char *p = q;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->added_after_ms = INT64_MIN;
	if (q == NULL || *q == '\0')
		return 0;
	if (strlen(q) > QUERY_MAX)
		return px_error_set(
		    PX_EINVAL, "the query is longer than %d bytes", QUERY_MAX);
	while (rc == 0 && *p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		char *key, *val;

		if (len == 0) {
			p += amp ? 1 : 0;
			continue;
		}
		key = pct_decode(p, eq ? (size_t)(eq - p) : len);
		val = eq ? pct_decode(eq + 1, len - (size_t)(eq + 1 - p))
		         : px_strdup("");
		if (key == NULL || val == NULL)
			rc = px_error_set(PX_EINVAL,
			    "the query has a malformed percent-escape near "
			    "'%.*s'",
			    (int)(len > 40 ? 40 : len), p);
		else
			rc = one_param(out, key, val);
		free(key);
		free(val);
		p += len + (amp ? 1 : 0);
	}
	if (rc == 0)
		rc = parse_version_values(out);
	return rc;
}

static void
values_dispose(struct px_taxii_values *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	v->n = 0;
}

void
px_taxii_query_dispose(struct px_taxii_query *q)
{
	values_dispose(&q->id);
	values_dispose(&q->type);
	values_dispose(&q->version);
	values_dispose(&q->spec_version);
}

void
px_taxii_cursor(char *out, size_t n, int64_t pos)
{
	snprintf(out, n, "p%lld", (long long)pos);
}

static int
in_values(const struct px_taxii_values *v, const char *s)
{
	if (v->n == 0)
		return 1;
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return 1;
	return 0;
}

int
px_taxii_match(const struct px_taxii_query *q, const struct px_taxii_row *r)
{
	if (!in_values(&q->id, r->id) || !in_values(&q->type, r->type) ||
	    !in_values(&q->spec_version, r->spec_version))
		return 0;
	if (q->version_all)
		return 1;
	if (q->version.n == 0)
		return r->last;
	for (size_t i = 0; i < q->version.n; i++) {
		const char *v = q->version.v[i];

		if ((strcmp(v, "last") == 0 && r->last) ||
		    (strcmp(v, "first") == 0 && r->first) ||
		    strcmp(v, r->version) == 0)
			return 1;
	}
	return 0;
}

int
px_taxii_version(char out[PX_TIME_STRLEN], const json_t *o, int64_t added_ms)
{
	const char *keys[] = { "modified", "created" };
	int64_t ms = added_ms;

	for (size_t i = 0; i < PX_ARRAY_LEN(keys); i++) {
		const json_t *t = json_object_get(o, keys[i]);

		if (t == NULL)
			continue;
		if (!json_is_string(t) ||
		    px_time_parse(&ms, json_string_value(t), 0) < 0)
			return px_error_set(PX_EINVAL,
			    "the object's %s is not an RFC 3339 timestamp",
			    keys[i]);
		break;
	}
	px_time_format(out, ms);
	return 0;
}

static int
ieq(const char *a, size_t an, const char *b)
{
	size_t bn = strlen(b);

	if (an != bn)
		return 0;
	for (size_t i = 0; i < an; i++)
		if (tolower((unsigned char)a[i]) !=
		    tolower((unsigned char)b[i]))
			return 0;
	return 1;
}

static const char *
skip_ws(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

/* Does the one media range [s, end) admit `type` ("application/x") at
 * version 2.1?  Parameters: version must be 2.1 when given, q=0 refuses. */
static int
range_admits(const char *s, const char *end, const char *type)
{
	const char *semi, *slash, *p;
	size_t tlen = strlen(type);
	int ok;

	s = skip_ws(s, end);
	if (s >= end)
		return 0;
	semi = memchr(s, ';', (size_t)(end - s));
	p = semi ? semi : end;
	while (p > s && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	slash = memchr(type, '/', tlen);
	ok = ieq(s, (size_t)(p - s), "*/*") ||
	    ((size_t)(p - s) == (size_t)(slash - type) + 2 &&
	        ieq(s, (size_t)(slash - type) + 1, "application/") &&
	        s[(slash - type) + 1] == '*') ||
	    ieq(s, (size_t)(p - s), type);
	if (!ok)
		return 0;
	for (p = semi; p != NULL && p < end;) {
		const char *nx = memchr(p + 1, ';', (size_t)(end - p - 1));
		const char *e = nx ? nx : end, *k = skip_ws(p + 1, e);
		const char *eq = memchr(k, '=', (size_t)(e - k));

		if (eq != NULL) {
			const char *v = skip_ws(eq + 1, e), *ve = e;

			while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			if (ieq(k, (size_t)(eq - k), "version") &&
			    !ieq(v, (size_t)(ve - v), "2.1"))
				return 0;
			if (ieq(k, (size_t)(eq - k), "q") && ve > v &&
			    strspn(v, "0.") >= (size_t)(ve - v))
				return 0;
		}
		p = nx;
	}
	return 1;
}

/* The type/subtype of `media` into type[64]; 0 if too long. */
static int
bare_type(char type[64], const char *media)
{
	const char *semi = strchr(media, ';');
	size_t n = semi ? (size_t)(semi - media) : strlen(media);

	if (n >= 64)
		return 0;
	memcpy(type, media, n);
	type[n] = '\0';
	return 1;
}

int
px_taxii_accepts(const char *accept, const char *media)
{
	char type[64];
	const char *p;

	if (accept == NULL || *skip_ws(accept, accept + strlen(accept)) == '\0')
		return 1;
	if (!bare_type(type, media))
		return 0;
	for (p = accept;;) {
		const char *c = strchr(p, ',');
		const char *e = c ? c : p + strlen(p);

		if (range_admits(p, e, type))
			return 1;
		if (c == NULL)
			return 0;
		p = c + 1;
	}
}

int
px_taxii_content_is(const char *ct, const char *media)
{
	char type[64];

	if (ct == NULL || !bare_type(type, media))
		return 0;
	/* Exactly the type, and a version parameter of 2.1 (other
	 * parameters, like charset, may ride along). */
	if (!range_admits(ct, ct + strlen(ct), type) ||
	    strncasecmp(ct, "*/", 2) == 0 || strchr(ct, '*') != NULL)
		return 0;
	return strstr(ct, "version=2.1") != NULL ||
	    strstr(ct, "version=\"2.1\"") != NULL;
}
