/*
 * RFC 8785 canonical JSON.
 *
 * The RFC's two hard parts are number formatting and member order.  parley
 * sidesteps the first by refusing real numbers and integers a double cannot
 * hold exactly, so an integer's canonical form is just its decimal digits.
 * The second needs care: members are ordered by the UTF-16 code units of
 * their keys, which is the order of UTF-8 bytes (that is, of code points)
 * except that a supplementary-plane character (U+10000 and up, written as a
 * surrogate pair 0xD800..0xDBFF + 0xDC00..0xDFFF) sorts *before* the BMP
 * characters U+E000..U+FFFF.  key_cmp() compares code units directly rather
 * than bytes for that reason.
 *
 * Parsing goes through jansson with duplicate keys refused, after a cheap
 * pre-scan that enforces our nesting limit (jansson's own is 2048, far more
 * than any message needs and a lot of recursion for hostile input).
 */
#include <assert.h>
#include <malloc.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "model/canon.h"
#include "util/util.h"

/* Where in the value we are, for error messages; lives on the stack. */
struct frame {
	const struct frame *up;
	const char *key; /* member name, or NULL inside an array */
	size_t klen;
	size_t index;
};

struct member {
	const char *key;
	size_t klen;
	json_t *val;
};

/*
 * Decodes one UTF-8 sequence from s[0..n).  Returns its length and sets
 * *cp, or returns 0 for anything that is not well-formed UTF-8 by RFC 3629
 * (overlong forms, surrogates, values beyond U+10FFFF, truncation).
 */
static size_t
utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c, min;
	size_t len, i;

	if (n == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static int
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t k;

	while (n > 0) {
		if ((k = utf8_next(p, n, &cp)) == 0)
			return 0;
		p += k;
		n -= k;
	}
	return 1;
}

/* The first UTF-16 code unit of `cp`: itself, or its high surrogate. */
static uint32_t
utf16_lead(uint32_t cp)
{
	return cp < 0x10000 ? cp : 0xd800 + ((cp - 0x10000) >> 10);
}

static uint32_t
utf16_trail(uint32_t cp)
{
	return 0xdc00 + ((cp - 0x10000) & 0x3ff);
}

/* Orders two valid UTF-8 keys by their UTF-16 code units (RFC 8785 3.2.3). */
static int
key_cmp(const void *pa, const void *pb)
{
	const struct member *a = pa, *b = pb;
	const unsigned char *p = (const unsigned char *)a->key;
	const unsigned char *q = (const unsigned char *)b->key;
	size_t m = a->klen, n = b->klen, k, l;
	uint32_t x, y;

	while (m > 0 && n > 0) {
		k = utf8_next(p, m, &x);
		l = utf8_next(q, n, &y);
		assert(k > 0 && l > 0); /* keys were validated before sorting */
		p += k;
		m -= k;
		q += l;
		n -= l;
		if (x == y)
			continue;
		if (utf16_lead(x) != utf16_lead(y))
			return utf16_lead(x) < utf16_lead(y) ? -1 : 1;
		/* Same high surrogate, so both are supplementary. */
		return utf16_trail(x) < utf16_trail(y) ? -1 : 1;
	}
	if (m == n)
		return 0;
	return m == 0 ? -1 : 1;
}

/* Writes the location as a JSON Pointer (RFC 6901), e.g. "/items/3/ttl".
 * Stops quietly at the buffer's cap. */
static int
path_render(struct px_buf *b, const struct frame *f)
{
	size_t i;
	int rc;

	if (f == NULL)
		return 0;
	if ((rc = path_render(b, f->up)) < 0)
		return rc;
	if ((rc = px_buf_addc(b, '/')) < 0)
		return rc;
	if (f->key == NULL)
		return px_buf_printf(b, "%zu", f->index);
	for (i = 0; i < f->klen; i++) {
		unsigned char c = (unsigned char)f->key[i];

		if (c == '~')
			rc = px_buf_adds(b, "~0");
		else if (c == '/')
			rc = px_buf_adds(b, "~1");
		else if (c < 0x20 || c == 0x7f)
			rc = px_buf_addc(b, '?');
		else
			rc = px_buf_addc(b, (char)c);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Sets a PX_EINVAL message that ends with where in the value it happened. */
static int
fail_at(const struct frame *at, const char *what)
{
	struct px_buf path;
	int rc;

	/* Capped so a hostile key cannot make the message unbounded; a
	 * truncated path is still useful. */
	px_buf_init(&path, 200);
	(void)!path_render(&path, at);
	if (path.len > 0)
		rc = px_error_set(PX_EINVAL, "%s (at %s)", what, path.data);
	else
		rc = px_error_set(PX_EINVAL, "%s", what);
	px_buf_dispose(&path);
	return rc;
}

static int
put_string(struct px_buf *out, const char *s, size_t n, const struct frame *at)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, k;
	uint32_t cp;
	char esc[7];
	int rc;

	if ((rc = px_buf_addc(out, '"')) < 0)
		return rc;
	while (i < n) {
		if ((k = utf8_next(p + i, n - i, &cp)) == 0)
			return fail_at(at, "string is not valid UTF-8");
		if (cp >= 0x20 && cp != '"' && cp != '\\') {
			i += k;
			continue;
		}
		/* Flush the literal run before the character to escape. */
		if ((rc = px_buf_add(out, s + run, i - run)) < 0)
			return rc;
		esc[0] = '\\';
		esc[2] = '\0';
		switch (cp) {
		case '"':
			esc[1] = '"';
			break;
		case '\\':
			esc[1] = '\\';
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[cp >> 4];
			esc[5] = hex[cp & 0xf];
			esc[6] = '\0';
			break;
		}
		if ((rc = px_buf_adds(out, esc)) < 0)
			return rc;
		i += k;
		run = i;
	}
	if ((rc = px_buf_add(out, s + run, n - run)) < 0)
		return rc;
	return px_buf_addc(out, '"');
}

/* PX_CANON_REALS: finite reals in the ECMAScript form RFC 8785 gives
 * them, for the one signed kind with shares in it (the review report). */
#define PX_CANON_REALS 1u

static int put_value(struct px_buf *out, const json_t *v,
    const struct frame *at, int depth, unsigned flags);

static int
put_object(struct px_buf *out, const json_t *v, const struct frame *at,
    int depth, unsigned flags)
{
	json_t *obj = (json_t *)v; /* jansson's iterators are not const */
	struct member *m = NULL;
	size_t n = json_object_size(v), i = 0;
	void *it;
	int rc;

	m = px_calloc(n ? n : 1, sizeof(*m));
	for (it = json_object_iter(obj); it != NULL;
	     it = json_object_iter_next(obj, it)) {
		struct frame f;

		assert(i < n);
		m[i].key = json_object_iter_key(it);
		m[i].klen = json_object_iter_key_len(it);
		m[i].val = json_object_iter_value(it);
		if (!utf8_valid(m[i].key, m[i].klen)) {
			f.up = at;
			f.key = m[i].key;
			f.klen = m[i].klen;
			f.index = 0;
			rc = fail_at(&f, "object key is not valid UTF-8");
			goto out;
		}
		i++;
	}
	assert(i == n);
	qsort(m, n, sizeof(*m), key_cmp);
	if ((rc = px_buf_addc(out, '{')) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		struct frame f = { at, m[i].key, m[i].klen, 0 };

		if (i > 0 && (rc = px_buf_addc(out, ',')) < 0)
			goto out;
		if ((rc = put_string(out, m[i].key, m[i].klen, &f)) < 0)
			goto out;
		if ((rc = px_buf_addc(out, ':')) < 0)
			goto out;
		if ((rc = put_value(out, m[i].val, &f, depth + 1, flags)) < 0)
			goto out;
	}
	rc = px_buf_addc(out, '}');
out:
	free(m);
	return rc;
}

/*
 * A finite double as ECMAScript's Number::toString writes it (RFC 8785
 * section 3.2.2.3): the shortest digits that read back as the same
 * double (found by widening the precision of a correctly rounded %e),
 * then plain notation for exponents from -6 to 20, else d.ddde+NN.
 */
static int
put_real(struct px_buf *out, double x, const struct frame *at)
{
	char buf[40], digits[24], txt[48];
	int prec, k = 0, n, e;
	size_t t = 0;
	const char *p;

	if (!isfinite(x))
		return fail_at(at, "a number that is not finite");
	if (x == 0)
		return px_buf_addc(out, '0');
	if (x < 0) {
		txt[t++] = '-';
		x = -x;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	for (p = buf; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[k++] = *p;
	while (k > 1 && digits[k - 1] == '0')
		k--;
	n = (int)strtol(p + 1, NULL, 10) + 1; /* 0.DIGITS x 10^n */
	if (k <= n && n <= 21) {
		/* DIGITS, then n - k zeros */
		for (int i = 0; i < n; i++)
			txt[t++] = i < k ? digits[i] : '0';
	} else if (0 < n && n <= 21) {
		/* the first n digits, '.', the rest */
		for (int i = 0; i < k; i++) {
			if (i == n)
				txt[t++] = '.';
			txt[t++] = digits[i];
		}
	} else if (-6 < n && n <= 0) {
		/* "0.", -n zeros, DIGITS */
		txt[t++] = '0';
		txt[t++] = '.';
		for (int i = 0; i < -n; i++)
			txt[t++] = '0';
		for (int i = 0; i < k; i++)
			txt[t++] = digits[i];
	} else {
		/* D[.DDD]e+NN or e-NN */
		e = n - 1;
		txt[t++] = digits[0];
		if (k > 1)
			txt[t++] = '.';
		for (int i = 1; i < k; i++)
			txt[t++] = digits[i];
		t += (size_t)snprintf(txt + t, sizeof(txt) - t, "e%c%d",
		    e < 0 ? '-' : '+', e < 0 ? -e : e);
	}
	return px_buf_add(out, txt, t);
}

static int
put_value(struct px_buf *out, const json_t *v, const struct frame *at,
    int depth, unsigned flags)
{
	char msg[128];
	json_int_t n;
	size_t i;
	int rc;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (depth >= PX_JSON_MAX_DEPTH)
			goto too_deep;
		return put_object(out, v, at, depth, flags);
	case JSON_ARRAY:
		if (depth >= PX_JSON_MAX_DEPTH)
			goto too_deep;
		if ((rc = px_buf_addc(out, '[')) < 0)
			return rc;
		for (i = 0; i < json_array_size(v); i++) {
			struct frame f = { at, NULL, 0, i };

			if (i > 0 && (rc = px_buf_addc(out, ',')) < 0)
				return rc;
			rc = put_value(
			    out, json_array_get(v, i), &f, depth + 1, flags);
			if (rc < 0)
				return rc;
		}
		return px_buf_addc(out, ']');
	case JSON_STRING:
		return put_string(
		    out, json_string_value(v), json_string_length(v), at);
	case JSON_INTEGER:
		n = json_integer_value(v);
		if (n > PX_JSON_MAX_INT || n < -PX_JSON_MAX_INT) {
			snprintf(msg, sizeof(msg),
			    "integer %" JSON_INTEGER_FORMAT
			    " is outside the range +-(2^53-1) allowed in "
			    "signed data",
			    n);
			return fail_at(at, msg);
		}
		return px_buf_printf(out, "%" JSON_INTEGER_FORMAT, n);
	case JSON_REAL:
		if (flags & PX_CANON_REALS)
			return put_real(out, json_real_value(v), at);
		snprintf(msg, sizeof(msg),
		    "floating-point numbers are not allowed in signed data: "
		    "found %.17g",
		    json_real_value(v));
		return fail_at(at, msg);
	case JSON_TRUE:
		return px_buf_adds(out, "true");
	case JSON_FALSE:
		return px_buf_adds(out, "false");
	case JSON_NULL:
		return px_buf_adds(out, "null");
	}
	return fail_at(at, "unknown JSON type");
too_deep:
	snprintf(msg, sizeof(msg), "nesting deeper than %d levels",
	    PX_JSON_MAX_DEPTH);
	return fail_at(at, msg);
}

int
px_canon_append(struct px_buf *out, const json_t *v)
{
	assert(v != NULL);
	return put_value(out, v, NULL, 0, 0);
}

int
px_canon_append_jcs(struct px_buf *out, const json_t *v)
{
	assert(v != NULL);
	return put_value(out, v, NULL, 0, PX_CANON_REALS);
}

char *
px_canon_string(const json_t *v)
{
	struct px_buf b;

	px_buf_init(&b, PX_BUF_NOCAP);
	if (px_canon_append(&b, v) < 0) {
		px_buf_dispose(&b);
		return NULL;
	}
	return px_buf_detach(&b, NULL);
}

/*
 * Refuses nesting beyond PX_JSON_MAX_DEPTH before jansson recurses into
 * it.  Brackets inside strings do not count.  Lines and columns are counted
 * the way jansson counts them (columns in characters, from 1) so all parse
 * errors point the same way.
 */
static int
check_depth(const char *text, size_t len, const char *what)
{
	int depth = 0, in_str = 0, esc = 0, line = 1, col = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if ((c & 0xc0) != 0x80)
			col++;
		if (c == '\n') {
			line++;
			col = 0;
			continue;
		}
		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"') {
			in_str = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > PX_JSON_MAX_DEPTH)
				return px_error_set(PX_EINVAL,
				    "%s: nesting deeper than %d levels at "
				    "line %d, column %d",
				    what, PX_JSON_MAX_DEPTH, line, col);
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return 0;
}

/*
 * Copies at most n - 1 bytes of s with control bytes and invalid UTF-8 (as
 * left by jansson cutting a token short) replaced by '?', so the message is
 * safe for a terminal and for a JSON problem body.
 */
static void
copy_printable(char *dst, size_t n, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, o = 0, k;
	uint32_t cp;

	while (i < len && o + 1 < n) {
		k = utf8_next(p + i, len - i, &cp);
		if (k == 0 || cp < 0x20 || cp == 0x7f) {
			dst[o++] = '?';
			i += k ? k : 1;
			continue;
		}
		if (o + k + 1 > n)
			break;
		memcpy(dst + o, s + i, k);
		o += k;
		i += k;
	}
	dst[o] = '\0';
}

/*
 * Turns a jansson error into ours.  jansson's text ends in "near '<token>'"
 * and for the common cases we say it in our own words instead, naming the
 * key for a duplicate (the case people hit when merging by hand).
 */
static int
parse_error(const json_error_t *e, const char *what)
{
	char token[JSON_ERROR_TEXT_LENGTH], text[JSON_ERROR_TEXT_LENGTH];
	const char *near, *msg;
	char buf[JSON_ERROR_TEXT_LENGTH + 32];
	size_t n;

	copy_printable(text, sizeof(text), e->text);
	token[0] = '\0';
	if ((near = strstr(text, " near '")) != NULL) {
		copy_printable(token, sizeof(token), near + 7);
		n = strlen(token);
		if (n > 0 && token[n - 1] == '\'')
			token[--n] = '\0';
		if (n >= 2 && token[0] == '"' && token[n - 1] == '"') {
			memmove(token, token + 1, n - 2);
			token[n - 2] = '\0';
		}
	}
	switch (json_error_code(e)) {
	case json_error_duplicate_key:
		snprintf(buf, sizeof(buf), "duplicate key '%s'", token);
		msg = buf;
		break;
	case json_error_null_character:
		msg = "\\u0000 is not allowed in strings";
		break;
	case json_error_end_of_input_expected:
		msg = "unexpected data after the JSON value";
		break;
	case json_error_invalid_utf8:
		msg = "invalid UTF-8";
		break;
	case json_error_numeric_overflow:
		snprintf(buf, sizeof(buf), "number %s is out of range", token);
		msg = buf;
		break;
	default:
		msg = text;
		break;
	}
	return px_error_set(PX_EINVAL, "%s: %s at line %d, column %d", what,
	    msg, e->line, e->column);
}

/*
 * What a parse may allocate.  jansson costs about 5 times the text for
 * our documents, but 20 times for "[0,0,...]" and 77 times for
 * "[{},{},...]": a peer could make one 16 MiB bundle cost over a
 * gigabyte.  So every jansson allocation goes through the two functions
 * below, which count the bytes a parse on this thread has taken and
 * refuse (return NULL, which jansson reports as a failed parse) once a
 * parse passes its budget.  Outside a parse nothing is counted.
 */
#define PARSE_BUDGET_FACTOR 8
#define PARSE_BUDGET_BASE   (2u << 20)

static _Thread_local size_t parse_budget; /* 0: no parse running */
static _Thread_local size_t parse_used;
static _Thread_local bool parse_refused; /* the budget said no */

/* Plain malloc and free underneath, so that what jansson hands out
 * (json_dumps' strings) is freed with free() as everywhere else; the
 * count uses the allocator's own idea of each block's size. */
static void *
json_alloc(size_t n)
{
	void *p;

	if (parse_budget &&
	    (n > parse_budget || parse_used > parse_budget - n)) {
		parse_refused = true;
		return NULL;
	}
	p = px_malloc(n ? n : 1);
	if (parse_budget)
		parse_used += malloc_usable_size(p);
	return p;
}

static void
json_release(void *q)
{
	if (q == NULL)
		return;
	if (parse_budget) {
		size_t n = malloc_usable_size(q);

		parse_used -= n < parse_used ? n : parse_used;
	}
	free(q);
}

/* Installed before main, before jansson allocates anything. */
__attribute__((constructor)) static void
install_json_alloc(void)
{
	json_set_alloc_funcs(json_alloc, json_release);
}

int
px_json_parse(json_t **out, const char *text, size_t len, size_t max_len,
    const char *what)
{
	json_error_t e;
	json_t *v = NULL;
	size_t budget;
	int rc;

	*out = NULL;
	if (what == NULL)
		what = "JSON input";
	if (len > max_len) {
		rc = px_error_set(PX_ETOOBIG,
		    "%s: %zu bytes is more than the limit of %zu", what, len,
		    max_len);
		goto out;
	}
	if ((rc = check_depth(text, len, what)) < 0)
		goto out;
	budget = len > (SIZE_MAX - PARSE_BUDGET_BASE) / PARSE_BUDGET_FACTOR
	    ? SIZE_MAX
	    : len * PARSE_BUDGET_FACTOR + PARSE_BUDGET_BASE;
	parse_budget = budget;
	parse_used = 0;
	parse_refused = false;
	v = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
	parse_budget = 0;
	if (v == NULL && parse_refused) {
		rc = px_error_set(PX_ETOOBIG,
		    "%s: reading these %zu bytes would take more than %zu MiB "
		    "of memory (%d times their size): refused as a flood",
		    what, len, budget >> 20, PARSE_BUDGET_FACTOR);
		goto out;
	}
	if (v == NULL) {
		rc = parse_error(&e, what);
		goto out;
	}
	*out = v;
	v = NULL;
	rc = 0;
out:
	json_decref(v);
	return rc;
}

int
px_canon_parse_exact(json_t **out, const char *text, size_t len, size_t max_len,
    const char *what)
{
	struct px_buf canon;
	json_t *v = NULL;
	size_t n, i;
	int rc;

	/* No cap: canonical output is never longer than text that parses to
	 * it (every escape or token shrinks or stays the same), and the text
	 * was already held to max_len. */
	px_buf_init(&canon, PX_BUF_NOCAP);
	if (out != NULL)
		*out = NULL;
	if (what == NULL)
		what = "JSON input";
	if ((rc = px_json_parse(&v, text, len, max_len, what)) < 0)
		goto out;
	if ((rc = px_canon_append(&canon, v)) < 0) {
		px_error_prefix("%s", what);
		goto out;
	}
	n = canon.len;
	if ((len != n && !(len == n + 1 && text[n] == '\n')) ||
	    memcmp(text, canon.data, n) != 0) {
		for (i = 0; i < n && i < len && text[i] == canon.data[i]; i++)
			;
		/* Past the allowed newline is where the text goes wrong. */
		if (i == n && len > n + 1 && text[n] == '\n')
			i++;
		rc = px_error_set(PX_EINVAL,
		    "%s is not in canonical form "
		    "(first difference at byte %zu)",
		    what, i);
		goto out;
	}
	if (out != NULL) {
		*out = v;
		v = NULL;
	}
	rc = 0;
out:
	json_decref(v);
	px_buf_dispose(&canon);
	return rc;
}

json_t *
px_json_time(int64_t ms)
{
	char t[PX_TIME_STRLEN];

	if (ms < 0 || ms == INT64_MAX)
		return json_null();
	px_time_format(t, ms);
	return json_string(t);
}

static bool
has_bidi(const json_t *v)
{
	const char *k;
	const json_t *x;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return px_bidi_control(json_string_value(v), NULL) != 0;
	case JSON_ARRAY:
		json_array_foreach(v, i, x) if (has_bidi(x)) return true;
		return false;
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, k, x)
		{
			if (px_bidi_control(k, NULL) || has_bidi(x))
				return true;
		}
		return false;
	default:
		return false;
	}
}

static json_t *
visible_copy(const json_t *v)
{
	const char *k;
	const json_t *x;
	json_t *o;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING: {
		char *s = px_bidi_visible(json_string_value(v));

		if (s == NULL)
			return json_incref((json_t *)v);
		o = json_string(s);
		free(s);
		return o;
	}
	case JSON_ARRAY:
		o = json_array();
		json_array_foreach(v, i, x)
		    json_array_append_new(o, visible_copy(x));
		return o;
	case JSON_OBJECT:
		o = json_object();
		json_object_foreach((json_t *)v, k, x)
		{
			char *vk = px_bidi_visible(k);

			json_object_set_new(o, vk ? vk : k, visible_copy(x));
			free(vk);
		}
		return o;
	default:
		return json_incref((json_t *)v);
	}
}

json_t *
px_json_bidi_visible(const json_t *v)
{
	if (v == NULL)
		return NULL;
	return has_bidi(v) ? visible_copy(v) : json_incref((json_t *)v);
}
