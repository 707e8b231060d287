/*
 * parley.conf parser.  The format and its rules are in conf.h.
 *
 * The parser works line by line over (pointer, length) and checks each
 * line's bytes (length, NUL, control characters, UTF-8) before its syntax,
 * so the syntax code only ever sees clean text and every message can quote
 * the line it complains about.  Messages are "path:line: what is wrong",
 * the form editors and compilers use, so an operator can jump to it.
 *
 * Duplicate keys are found with a small hash table built during the parse:
 * a 1 MiB file of short lines has a quarter of a million keys, and a
 * pairwise check would take minutes on a file that is merely odd.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/conf.h"
#include "util/util.h"

#define EXCERPT_MAX 60

struct parser {
	const char *path; /* for messages, never NULL */
	unsigned line;
	char *section; /* current header; "" before the first */
	char *sub;     /* NULL when the header has none */
	struct px_conf_entry *e;
	size_t n, alloc;
	size_t *slots; /* hash of (section, sub, key): entry index + 1 */
	size_t nslots; /* a power of two, or 0 */
};

static int fail(struct parser *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct parser *p, int code, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return px_error_set(code, "%s:%u: %s", p->path, p->line, msg);
}

/* Up to EXCERPT_MAX bytes of a line for a message, cut on a character
 * boundary so the message stays valid UTF-8. */
static void
excerpt(char *out, size_t outsz, const char *s, size_t n)
{
	const char *dots = "";

	if (n > EXCERPT_MAX) {
		n = EXCERPT_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		dots = "...";
	}
	snprintf(out, outsz, "%.*s%s", (int)n, s, dots);
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	    c == '-';
}

static int
name_valid(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_name_char(s[i]))
			return 0;
	}
	return 1;
}

/* Checks the bytes of one line (without its line ending). */
static int
check_bytes(struct parser *p, const char *line, size_t n)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t i = 0, k;

	if (n > PX_CONF_MAX_LINE)
		return fail(p, PX_ETOOBIG,
		    "line is %zu bytes long, more than the limit of %d", n,
		    PX_CONF_MAX_LINE);
	while (i < n) {
		size_t ill;

		if (s[i] == '\0')
			return fail(p, PX_EINVAL,
			    "NUL byte at column %zu: not a text file", i + 1);
		if (s[i] == '\r')
			return fail(p, PX_EINVAL,
			    "carriage return at column %zu not followed by a "
			    "line feed",
			    i + 1);
		if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return fail(p, PX_EINVAL,
			    "control character 0x%02x at column %zu", s[i],
			    i + 1);
		if ((k = px_utf8_seq(s + i, n - i, &ill)) == 0)
			return fail(
			    p, PX_EINVAL, "invalid UTF-8 at column %zu", i + 1);
		if (k == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0)
			return fail(p, PX_EINVAL,
			    "control character U+%04X at column %zu",
			    (unsigned)s[i + 1], i + 1);
		i += k;
	}
	return 0;
}

/* FNV-1a over the three names, each followed by 0xff (never in UTF-8) so
 * that ("ab", "c") and ("a", "bc") spread apart.  Equality is decided by
 * slots_find, not by the hash. */
static size_t
entry_hash(const char *section, const char *sub, const char *key)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const char *parts[3] = { section, sub ? sub : "", key };

	for (size_t i = 0; i < 3; i++) {
		for (const unsigned char *s = (const unsigned char *)parts[i];
		     *s; s++)
			h = (h ^ *s) * 0x100000001b3ULL;
		h = (h ^ 0xff) * 0x100000001b3ULL;
	}
	return (size_t)h;
}

static int
same_sub(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
slots_insert(struct parser *p, size_t idx)
{
	const struct px_conf_entry *x = &p->e[idx];
	size_t mask = p->nslots - 1;
	size_t h = entry_hash(x->section, x->sub, x->key) & mask;

	while (p->slots[h] != 0)
		h = (h + 1) & mask;
	p->slots[h] = idx + 1;
}

/* Returns the index + 1 of the entry with these names, or 0. */
static size_t
slots_find(const struct parser *p, const char *key)
{
	size_t mask, h;

	if (p->nslots == 0)
		return 0;
	mask = p->nslots - 1;
	h = entry_hash(p->section, p->sub, key) & mask;
	for (; p->slots[h] != 0; h = (h + 1) & mask) {
		const struct px_conf_entry *x = &p->e[p->slots[h] - 1];

		if (strcmp(x->key, key) == 0 &&
		    strcmp(x->section, p->section) == 0 &&
		    same_sub(x->sub, p->sub))
			return p->slots[h];
	}
	return 0;
}

/* Keeps the table at most half full. */
static void
slots_grow(struct parser *p)
{
	if (p->nslots != 0 && (p->n + 1) * 2 <= p->nslots)
		return;
	free(p->slots);
	p->nslots = p->nslots ? p->nslots * 2 : 64;
	p->slots = px_calloc(p->nslots, sizeof(*p->slots));
	for (size_t i = 0; i < p->n; i++)
		slots_insert(p, i);
}

static void
describe_section(char *out, size_t outsz, const struct parser *p)
{
	if (p->section[0] == '\0')
		snprintf(out, outsz, "the top level");
	else if (p->sub == NULL)
		snprintf(out, outsz, "[%s]", p->section);
	else
		snprintf(out, outsz, "[%s \"%.80s\"]", p->section, p->sub);
}

/* Takes ownership of `key` and `value`. */
static int
add_entry(struct parser *p, char *key, char *value)
{
	struct px_conf_entry *x;
	size_t first;
	char where[128];
	int rc = 0;

	if ((first = slots_find(p, key)) != 0) {
		describe_section(where, sizeof(where), p);
		rc = fail(p, PX_EINVAL,
		    "duplicate key '%s' in %s (first set on line %u)", key,
		    where, p->e[first - 1].line);
		goto out;
	}
	if (p->n == p->alloc) {
		p->alloc = p->alloc ? p->alloc * 2 : 16;
		p->e = px_realloc(p->e, p->alloc * sizeof(*p->e));
	}
	slots_grow(p);
	x = &p->e[p->n];
	x->section = px_strdup(p->section);
	x->sub = px_strdup(p->sub);
	x->key = key;
	x->value = value;
	x->line = p->line;
	key = value = NULL;
	slots_insert(p, p->n++);
out:
	free(key);
	free(value);
	return rc;
}

/*
 * Parses a double-quoted string starting at s[0] == '"' within s[0..n).
 * On success *out gets the unescaped text (caller frees) and *used the
 * bytes consumed, closing quote included.  `escapes` lists the letters
 * allowed after a backslash besides '"' and '\\' ("nt" for values).
 */
static int
parse_quoted(struct parser *p, char **out, size_t *used, const char *s,
    size_t n, const char *escapes, const char *what)
{
	char *buf = px_malloc(n);
	size_t i = 1, len = 0;
	int rc = 0;

	for (;;) {
		char c;

		if (i >= n) {
			rc = fail(p, PX_EINVAL,
			    "unterminated %s: missing closing '\"'", what);
			goto out;
		}
		c = s[i++];
		if (c == '"')
			break;
		if (c == '\t' && strchr(escapes, 't') == NULL) {
			/* Only values may hold a raw tab; a name with an
			 * invisible character would be found by nobody. */
			rc = fail(p, PX_EINVAL, "tab in %s", what);
			goto out;
		}
		if (c == '\\') {
			if (i >= n) {
				rc = fail(p, PX_EINVAL,
				    "unterminated %s: missing closing '\"'",
				    what);
				goto out;
			}
			c = s[i++];
			if (c == 'n' && strchr(escapes, 'n'))
				c = '\n';
			else if (c == 't' && strchr(escapes, 't'))
				c = '\t';
			else if (c != '"' && c != '\\') {
				char esc[2] = { c, '\0' };

				/* Quote the escape only when it is one byte:
				 * half a UTF-8 character would garble the
				 * message. */
				rc = fail(p, PX_EINVAL,
				    "unknown escape '\\%s' in %s (allowed: "
				    "\\\" \\\\%s)",
				    (unsigned char)c < 0x80 ? esc : "...", what,
				    escapes[0] ? " \\n \\t" : "");
				goto out;
			}
		}
		buf[len++] = c;
	}
	buf[len] = '\0';
	*out = buf;
	*used = i;
	buf = NULL;
out:
	free(buf);
	return rc;
}

static int
parse_header(struct parser *p, const char *s, size_t n)
{
	char got[EXCERPT_MAX + 4], *sub = NULL;
	size_t i = 1, name_at, name_len, used;
	int rc = 0;

	while (i < n && is_blank(s[i]))
		i++;
	name_at = i;
	while (i < n && !is_blank(s[i]) && s[i] != '"' && s[i] != ']')
		i++;
	name_len = i - name_at;
	if (name_len == 0) {
		excerpt(got, sizeof(got), s, n);
		rc = fail(p, PX_EINVAL,
		    "expected '[section]' or '[section \"name\"]', got '%s'",
		    got);
		goto out;
	}
	if (!name_valid(s + name_at, name_len)) {
		excerpt(got, sizeof(got), s + name_at, name_len);
		rc = fail(p, PX_EINVAL,
		    "invalid section name '%s': use lowercase letters, "
		    "digits, '_' and '-'",
		    got);
		goto out;
	}
	if (i < n && s[i] == '"') {
		rc = fail(p, PX_EINVAL,
		    "expected a space between the section name and its "
		    "quoted subsection");
		goto out;
	}
	while (i < n && is_blank(s[i]))
		i++;
	if (i < n && s[i] == '"') {
		if ((rc = parse_quoted(p, &sub, &used, s + i, n - i, "",
		         "subsection name")) < 0)
			goto out;
		i += used;
		if (sub[0] == '\0') {
			rc = fail(p, PX_EINVAL,
			    "empty subsection name: write [%.*s] instead",
			    (int)name_len, s + name_at);
			goto out;
		}
		while (i < n && is_blank(s[i]))
			i++;
	}
	if (i >= n || s[i] != ']') {
		excerpt(got, sizeof(got), s, n);
		rc = fail(p, PX_EINVAL, "expected ']' to close '%s'", got);
		goto out;
	}
	if (i + 1 != n) {
		excerpt(got, sizeof(got), s + i + 1, n - i - 1);
		rc = fail(p, PX_EINVAL,
		    "unexpected '%s' after ']' (comments go on their own "
		    "line)",
		    got);
		goto out;
	}
	free(p->section);
	free(p->sub);
	p->section = px_strndup(s + name_at, name_len);
	p->sub = sub;
	sub = NULL;
out:
	free(sub);
	return rc;
}

static int
parse_pair(struct parser *p, const char *s, size_t n)
{
	char got[EXCERPT_MAX + 4], *key = NULL, *value = NULL;
	const char *eq = memchr(s, '=', n);
	size_t key_len, at, used;
	int rc = 0;

	if (eq == NULL) {
		excerpt(got, sizeof(got), s, n);
		rc =
		    fail(p, PX_EINVAL, "expected 'key = value', got '%s'", got);
		goto out;
	}
	key_len = (size_t)(eq - s);
	while (key_len > 0 && is_blank(s[key_len - 1]))
		key_len--;
	if (key_len == 0) {
		rc = fail(p, PX_EINVAL, "missing key before '='");
		goto out;
	}
	if (!name_valid(s, key_len)) {
		excerpt(got, sizeof(got), s, key_len);
		rc = fail(p, PX_EINVAL,
		    "invalid key '%s': use lowercase letters, digits, '_' "
		    "and '-'",
		    got);
		goto out;
	}
	at = (size_t)(eq - s) + 1;
	while (at < n && is_blank(s[at]))
		at++;
	if (at < n && s[at] == '"') {
		if ((rc = parse_quoted(p, &value, &used, s + at, n - at, "nt",
		         "quoted value")) < 0)
			goto out;
		if (at + used != n) {
			excerpt(got, sizeof(got), s + at + used, n - at - used);
			rc = fail(p, PX_EINVAL,
			    "unexpected '%s' after the closing quote", got);
			goto out;
		}
	} else {
		value = px_strndup(s + at, n - at);
	}
	key = px_strndup(s, key_len);
	rc = add_entry(p, key, value);
	key = value = NULL;
out:
	free(key);
	free(value);
	return rc;
}

static int
parse_line(struct parser *p, const char *s, size_t n)
{
	int rc;

	if ((rc = check_bytes(p, s, n)) < 0)
		return rc;
	while (n > 0 && is_blank(s[0])) {
		s++;
		n--;
	}
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	if (n == 0 || s[0] == '#' || s[0] == ';')
		return 0;
	if (s[0] == '[')
		return parse_header(p, s, n);
	return parse_pair(p, s, n);
}

static void
free_entries(struct px_conf_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].section);
		free(e[i].sub);
		free(e[i].key);
		free(e[i].value);
	}
	free(e);
}

int
px_conf_parse(
    struct px_conf *out, const char *text, size_t len, const char *path)
{
	struct parser p = { 0 };
	const char *s = text, *end = text ? text + len : text;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	p.path = path ? path : "config";
	p.section = px_strdup("");
	if (len > PX_CONF_MAX_SIZE) {
		rc = px_error_set(PX_ETOOBIG,
		    "%s: %zu bytes is more than the limit of %d", p.path, len,
		    PX_CONF_MAX_SIZE);
		goto out;
	}
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *eol = nl ? nl : end;
		size_t n = (size_t)(eol - s);

		p.line++;
		if (nl && n > 0 && s[n - 1] == '\r')
			n--;
		if ((rc = parse_line(&p, s, n)) < 0)
			goto out;
		s = nl ? nl + 1 : end;
	}
	out->e = p.e;
	out->n = p.n;
	out->path = px_strdup(path);
	p.e = NULL;
	p.n = 0;
out:
	free_entries(p.e, p.n);
	free(p.slots);
	free(p.section);
	free(p.sub);
	return rc;
}

int
px_conf_load(struct px_conf *out, const char *path)
{
	struct px_buf b;
	int rc;

	memset(out, 0, sizeof(*out));
	px_buf_init(&b, PX_CONF_MAX_SIZE);
	if ((rc = px_file_read(&b, path, PX_CONF_MAX_SIZE)) < 0)
		goto out;
	rc = px_conf_parse(out, b.data, b.len, path);
out:
	px_buf_dispose(&b);
	return rc;
}

const char *
px_conf_get(const struct px_conf *c, const char *section, const char *sub,
    const char *key)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct px_conf_entry *x = &c->e[i];

		if (strcmp(x->key, key) == 0 &&
		    strcmp(x->section, section) == 0 && same_sub(x->sub, sub))
			return x->value;
	}
	return NULL;
}

const char *
px_conf_sub(const struct px_conf *c, const char *section, size_t i)
{
	const struct px_conf_entry *prev = NULL;

	for (size_t j = 0; j < c->n; j++) {
		const struct px_conf_entry *x = &c->e[j];
		int seen = 0;

		if (x->sub == NULL || strcmp(x->section, section) != 0)
			continue;
		/* Keys of one header are adjacent, so most entries are
		 * settled by their predecessor; only a reopened subsection
		 * needs the scan back. */
		if (prev != NULL && prev == x - 1 &&
		    same_sub(prev->sub, x->sub))
			seen = 1;
		for (size_t k = 0; !seen && k < j; k++) {
			if (c->e[k].sub != NULL &&
			    strcmp(c->e[k].section, section) == 0 &&
			    strcmp(c->e[k].sub, x->sub) == 0)
				seen = 1;
		}
		prev = x;
		if (seen)
			continue;
		if (i == 0)
			return x->sub;
		i--;
	}
	return NULL;
}

void
px_conf_dispose(struct px_conf *c)
{
	free_entries(c->e, c->n);
	free(c->path);
	memset(c, 0, sizeof(*c));
}

int
px_size_parse(unsigned long long *out, const char *v)
{
	char *end = NULL;
	unsigned long long n;

	if (v == NULL || *v < '0' || *v > '9')
		goto bad;
	n = strtoull(v, &end, 10);
	if (*end == 'K' || *end == 'k')
		n <<= 10, end++;
	else if (*end == 'M')
		n <<= 20, end++;
	else if (*end == 'G')
		n <<= 30, end++;
	else if (*end == 'T')
		n <<= 40, end++;
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	else if (*end == 'B')
		end++;
	if (*end != '\0')
		goto bad;
	*out = n;
	return 0;
bad:
	return px_error_set(PX_EINVAL,
	    "'%s' is not a size (bytes, or with K, M, G, T)", v ? v : "");
}
