/*
 * TAXII 2.1 query, cursor, version and media-type rules (formats/taxii.h).
 */
#include <ctype.h>

#include "formats/stix.h"
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

/* --- what a POST may store ----------------------------------------------- */

/* The marking a reference names (formats/stix.h: TLP 2.0 and 1.0). */
static int
tlp_of_ref(const json_t *ref)
{
	return px_stix_tlp_of_id(json_string_value(ref));
}

int
px_taxii_tlp(const json_t *o)
{
	const json_t *m;
	size_t i;
	int worst = -1, t;

	json_array_foreach(json_object_get(o, "object_marking_refs"), i, m)
	{
		if ((t = tlp_of_ref(m)) > worst)
			worst = t;
	}
	json_array_foreach(json_object_get(o, "granular_markings"), i, m)
	{
		if ((t = tlp_of_ref(json_object_get(m, "marking_ref"))) > worst)
			worst = t;
	}
	return worst;
}

/* A recursive-descent reader of STIX patterning (STIX 2.1 section 9):
 * it says whether the text is a pattern, nothing more. */
struct pat {
	const char *s;
	size_t i;
	int depth;
};

#define PAT_DEPTH 64

static void
pat_ws(struct pat *p)
{
	while (isspace((unsigned char)p->s[p->i]))
		p->i++;
}

static int
pat_ch(struct pat *p, char c)
{
	pat_ws(p);
	if (p->s[p->i] != c)
		return 0;
	p->i++;
	return 1;
}

static int
pat_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

static int
pat_kw(struct pat *p, const char *w)
{
	size_t n = strlen(w);

	pat_ws(p);
	if (strncmp(p->s + p->i, w, n) != 0 || pat_word_char(p->s[p->i + n]))
		return 0;
	p->i += n;
	return 1;
}

/* A quoted string ('...', with \\ and \' the only escapes); its body is
 * s[*b..*e). */
static int
pat_quoted(struct pat *p, size_t *b, size_t *e)
{
	if (p->s[p->i] != '\'')
		return 0;
	*b = ++p->i;
	while (p->s[p->i] != '\'') {
		if (p->s[p->i] == '\0')
			return 0;
		if (p->s[p->i] == '\\') {
			if (p->s[p->i + 1] != '\\' && p->s[p->i + 1] != '\'')
				return 0;
			p->i++;
		}
		p->i++;
	}
	*e = p->i++;
	return 1;
}

static int
pat_string(struct pat *p)
{
	size_t b, e;

	pat_ws(p);
	return pat_quoted(p, &b, &e);
}

static int
pat_ident(struct pat *p)
{
	pat_ws(p);
	if (!isalpha((unsigned char)p->s[p->i]) && p->s[p->i] != '_')
		return 0;
	while (pat_word_char(p->s[p->i]))
		p->i++;
	return 1;
}

static int
pat_number(struct pat *p, bool int_only)
{
	size_t d = 0;

	pat_ws(p);
	if (p->s[p->i] == '+' || p->s[p->i] == '-')
		p->i++;
	while (isdigit((unsigned char)p->s[p->i]))
		p->i++, d++;
	if (!int_only && p->s[p->i] == '.')
		for (p->i++; isdigit((unsigned char)p->s[p->i]); p->i++)
			d++;
	return d > 0 && !pat_word_char(p->s[p->i]);
}

/* t'RFC 3339', h'hex' or b'base64'. */
static int
pat_typed(struct pat *p, char kind)
{
	size_t b, e;

	pat_ws(p);
	if (p->s[p->i] != kind || p->s[p->i + 1] != '\'')
		return 0;
	p->i++;
	if (!pat_quoted(p, &b, &e))
		return 0;
	if (kind == 't') {
		char ts[64];
		int64_t ms;

		if (e - b >= sizeof(ts))
			return 0;
		memcpy(ts, p->s + b, e - b);
		ts[e - b] = '\0';
		return px_time_parse(&ms, ts, 0) == 0;
	}
	for (size_t k = b; k < e; k++)
		if (kind == 'h' ? !isxdigit((unsigned char)p->s[k])
		                : !isalnum((unsigned char)p->s[k]) &&
		            !strchr("+/=", p->s[k]))
			return 0;
	return kind != 'h' || (e - b) % 2 == 0;
}

static int
pat_literal(struct pat *p)
{
	pat_ws(p);
	if (p->s[p->i] != '\0' && strchr("thb", p->s[p->i]) &&
	    p->s[p->i + 1] == '\'')
		return pat_typed(p, p->s[p->i]);
	if (p->s[p->i] == '\'')
		return pat_string(p);
	if (pat_kw(p, "true") || pat_kw(p, "false"))
		return 1;
	return pat_number(p, false);
}

static int
pat_path(struct pat *p)
{
	if (!pat_ident(p) || !pat_ch(p, ':'))
		return 0;
	pat_ws(p);
	if (!pat_ident(p) && !pat_string(p))
		return 0;
	for (;;) {
		if (pat_ch(p, '.')) {
			pat_ws(p);
			if (!pat_ident(p) && !pat_string(p))
				return 0;
		} else if (pat_ch(p, '[')) {
			if (!pat_ch(p, '*') && !pat_number(p, true))
				return 0;
			if (!pat_ch(p, ']'))
				return 0;
		} else
			return 1;
	}
}

static int pat_cmp_or(struct pat *p);
static int pat_obs_seq(struct pat *p);

static int
pat_test(struct pat *p)
{
	static const char *const ops[] = { "!=", ">=", "<=", "=", ">", "<" };
	static const char *const strops[] = { "LIKE", "MATCHES", "ISSUBSET",
		"ISSUPERSET" };

	if (pat_ch(p, '(')) {
		if (++p->depth > PAT_DEPTH || !pat_cmp_or(p))
			return 0;
		p->depth--;
		return pat_ch(p, ')');
	}
	if (pat_kw(p, "EXISTS"))
		return pat_path(p);
	if (!pat_path(p))
		return 0;
	(void)pat_kw(p, "NOT");
	pat_ws(p);
	for (size_t k = 0; k < PX_ARRAY_LEN(ops); k++)
		if (strncmp(p->s + p->i, ops[k], strlen(ops[k])) == 0) {
			p->i += strlen(ops[k]);
			return pat_literal(p);
		}
	for (size_t k = 0; k < PX_ARRAY_LEN(strops); k++)
		if (pat_kw(p, strops[k]))
			return pat_string(p);
	if (!pat_kw(p, "IN") || !pat_ch(p, '('))
		return 0;
	do
		if (!pat_literal(p))
			return 0;
	while (pat_ch(p, ','));
	return pat_ch(p, ')');
}

static int
pat_cmp_or(struct pat *p)
{
	do
		do
			if (!pat_test(p))
				return 0;
		while (pat_kw(p, "AND"));
	while (pat_kw(p, "OR"));
	return 1;
}

static int
pat_obs(struct pat *p)
{
	if (pat_ch(p, '[')) {
		if (!pat_cmp_or(p) || !pat_ch(p, ']'))
			return 0;
	} else if (pat_ch(p, '(')) {
		if (++p->depth > PAT_DEPTH || !pat_obs_seq(p))
			return 0;
		p->depth--;
		if (!pat_ch(p, ')'))
			return 0;
	} else
		return 0;
	for (;;) {
		if (pat_kw(p, "START")) {
			if (!pat_typed(p, 't') || !pat_kw(p, "STOP") ||
			    !pat_typed(p, 't'))
				return 0;
		} else if (pat_kw(p, "WITHIN")) {
			if (!pat_number(p, false) || !pat_kw(p, "SECONDS"))
				return 0;
		} else if (pat_kw(p, "REPEATS")) {
			if (!pat_number(p, true) || !pat_kw(p, "TIMES"))
				return 0;
		} else
			return 1;
	}
}

static int
pat_obs_seq(struct pat *p)
{
	do
		do
			do
				if (!pat_obs(p))
					return 0;
			while (pat_kw(p, "AND"));
		while (pat_kw(p, "OR"));
	while (pat_kw(p, "FOLLOWEDBY"));
	return 1;
}

int
px_taxii_pattern_check(const char *pattern)
{
	struct pat p = { .s = pattern };

	if (!pat_obs_seq(&p) || (pat_ws(&p), p.s[p.i] != '\0'))
		return px_error_set(PX_EINVAL,
		    "the pattern is not a STIX pattern (at character %zu)",
		    p.i + 1);
	return 0;
}

/* The cyber-observable types of STIX 2.1 (section 6): spec_version,
 * created and modified are optional on them. */
static int
is_sco(const char *type)
{
	static const char *const scos[] = { "artifact", "autonomous-system",
		"directory", "domain-name", "email-addr", "email-message",
		"file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex",
		"network-traffic", "process", "software", "url", "user-account",
		"windows-registry-key", "x509-certificate" };

	for (size_t k = 0; k < PX_ARRAY_LEN(scos); k++)
		if (strcmp(type, scos[k]) == 0)
			return 1;
	return 0;
}

/* Checks timestamp member `key` of `o`: PX_EINVAL if it is absent and
 * `required`, or present and not RFC 3339. */
static int
check_time(const json_t *o, const char *key, bool required)
{
	const json_t *v = json_object_get(o, key);
	int64_t ms;

	if (v == NULL && !required)
		return 0;
	if (v == NULL)
		return px_error_set(PX_EINVAL, "the object has no %s", key);
	if (!json_is_string(v) ||
	    px_time_parse(&ms, json_string_value(v), 0) < 0)
		return px_error_set(
		    PX_EINVAL, "%s is not an RFC 3339 timestamp", key);
	return 0;
}

int
px_taxii_object_check(const json_t *o)
{
	const char *type = json_string_value(json_object_get(o, "type"));
	const char *id = json_string_value(json_object_get(o, "id"));
	const json_t *sv = json_object_get(o, "spec_version");
	const char *dash;
	bool sco;
	int rc;

	if (!json_is_object(o))
		return px_error_set(
		    PX_EINVAL, "an object must be a JSON object");
	if (type == NULL || type[0] == '\0')
		return px_error_set(PX_EINVAL, "the object has no type");
	if (id == NULL || (dash = strstr(id, "--")) == NULL ||
	    !px_uuid_valid(dash + 2))
		return px_error_set(
		    PX_EINVAL, "the object's id is not TYPE--UUID");
	if ((size_t)(dash - id) != strlen(type) ||
	    strncmp(id, type, strlen(type)) != 0)
		return px_error_set(PX_EINVAL,
		    "the id's type \"%.*s\" and the object's type \"%.100s\" "
		    "differ",
		    (int)(dash - id > 100 ? 100 : dash - id), id, type);
	sco = is_sco(type);
	if ((sv != NULL || !sco) &&
	    (!json_is_string(sv) || strcmp(json_string_value(sv), "2.1") != 0))
		return px_error_set(PX_EINVAL, "spec_version must be \"2.1\"");
	if ((rc = check_time(o, "created", !sco)) < 0 ||
	    (rc = check_time(o, "modified",
	         !sco && strcmp(type, "marking-definition"))) < 0)
		return rc;
	if (strcmp(type, "indicator") == 0) {
		const char *pat =
		    json_string_value(json_object_get(o, "pattern"));
		const char *pt =
		    json_string_value(json_object_get(o, "pattern_type"));

		if (pat == NULL || pt == NULL)
			return px_error_set(PX_EINVAL,
			    "an indicator needs a pattern and a pattern_type");
		if (strcmp(pt, "stix") == 0 &&
		    (rc = px_taxii_pattern_check(pat)) < 0)
			return rc;
		if ((rc = check_time(o, "valid_from", true)) < 0 ||
		    (rc = check_time(o, "valid_until", false)) < 0)
			return rc;
	}
	return 0;
}
