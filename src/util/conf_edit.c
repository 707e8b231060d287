/*
 * Editing parley.conf's text one section at a time (conf.h,
 * px_conf_edit): what the console's publishing card writes, keeping every
 * other line (comments, secrets, sections it does not manage) as it was.
 */
#include <string.h>

#include "util/conf.h"
#include "util/util.h"

/* Whether the line [s, s+n) is the header [section] (sub NULL) or
 * [section "sub"]. */
static bool
is_header(const char *s, size_t n, const char *section, const char *sub)
{
	size_t i = 0, k;

	while (
	    n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i >= n || s[i] != '[' || s[n - 1] != ']')
		return false;
	n--;
	for (i++; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	k = strlen(section);
	if (n - i < k || memcmp(s + i, section, k) != 0)
		return false;
	for (i += k; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (sub == NULL)
		return i == n;
	if (i >= n || s[i] != '"')
		return false;
	for (i++; *sub; sub++, i++) {
		if (i < n && s[i] == '\\')
			i++;
		if (i >= n || s[i] != *sub)
			return false;
	}
	if (i >= n || s[i] != '"')
		return false;
	for (i++; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	return i == n;
}

/* The key of a "key = value" line, or 0 length. */
static size_t
line_key(const char *s, size_t n, const char **key)
{
	size_t i = 0, k;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	*key = s + i;
	for (k = 0; i + k < n && s[i + k] != '=' && s[i + k] != ' ' &&
	     s[i + k] != '\t' && s[i + k] != '[' && s[i + k] != '#' &&
	     s[i + k] != ';';
	     k++)
		;
	return k;
}

static bool
managed(const char *key, size_t k, const char *const *keys)
{
	for (; *keys; keys++)
		if (strlen(*keys) == k && memcmp(*keys, key, k) == 0)
			return true;
	return false;
}

static void
put_keys(struct px_buf *b, const char *const *keys, const char *const *vals)
{
	for (size_t i = 0; keys[i]; i++)
		if (vals[i] && *vals[i])
			px_buf_putf(b, "%s = %s\n", keys[i], vals[i]);
}

int
px_conf_edit(const char *text, const char *section, const char *sub,
    const char *const *keys, const char *const *vals, char **out)
{
	struct px_buf b;
	const char *p = text, *end = text + strlen(text);
	bool inside = false, written = false;

	for (size_t i = 0; vals && keys[i]; i++) {
		const char *v = vals[i];
		size_t vl = v ? strlen(v) : 0;

		if (vl &&
		    (strpbrk(v, "\n\r\t") || v[0] == ' ' || v[0] == '"' ||
		        v[vl - 1] == ' '))
			return px_error_set(PX_EINVAL,
			    "%s: a value is one line, neither starting with a "
			    "quote or a space nor ending with a space",
			    keys[i]);
	}
	px_buf_init(&b, PX_BUF_NOCAP);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *key, *t = p;
		size_t k = line_key(p, n, &key);

		while (t < p + n && (*t == ' ' || *t == '\t'))
			t++;
		if (t < p + n && *t == '[') {
			inside = is_header(p, n, section, sub);
			if (!(inside && vals == NULL)) {
				px_buf_put(&b, p, n);
				px_buf_puts(&b, "\n");
			}
			if (inside && vals && !written) {
				put_keys(&b, keys, vals);
				written = true;
			}
		} else if (!inside || (vals && !(k && managed(key, k, keys)))) {
			px_buf_put(&b, p, n);
			px_buf_puts(&b, "\n");
		}
		p += n + (nl != NULL);
	}
	if (vals && !written) {
		if (sub)
			px_buf_putf(&b, "\n[%s \"%s\"]\n", section, sub);
		else
			px_buf_putf(&b, "\n[%s]\n", section);
		put_keys(&b, keys, vals);
	}
	if (b.len > PX_CONF_MAX_SIZE) {
		px_buf_dispose(&b);
		return px_error_set(
		    PX_EINVAL, "parley.conf would be too large");
	}
	*out = px_buf_detach(&b, NULL);
	return 0;
}
