/*
 * Fuzz target for the request-path handling of the HTTP server: the path
 * checker, the route matcher with its percent-decoder, and the JSON string
 * escaper the problem answers quote paths with.
 *
 * Input: "pattern\npath" (the pattern is used when px_http_pattern_valid
 * accepts it), or just a path.  Every path is also matched against a fixed
 * table of patterns like parley's own.  Beyond "does not crash", it checks:
 *   - a path px_http_path_check accepts never makes px_http_match fail
 *     with PX_EINVAL against a valid pattern;
 *   - a match has one non-empty capture per {name}, free of control
 *     characters, and re-encoding the captures into the pattern gives a
 *     path that matches again with the same captures;
 *   - the escaper always produces JSON that jansson accepts, and gives
 *     back valid UTF-8 input unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "net/http.h"
#include "net/problem.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const patterns[] = {
	"/",
	"/api/v1/cases/{id}",
	"/api/v1/cases/{id}/messages/{mid}",
	"/peer/v1/log/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}",
	"/{x}",
	"/api/v1/it:em@s/{id}",
};

static void
check(int ok)
{
	if (!ok)
		abort();
}

static size_t
captures(const char *pattern)
{
	size_t n = 0;

	for (const char *p = pattern; *p; p++)
		n += *p == '{';
	return n;
}

/* Builds the path that `pattern` gives with `params` percent-encoded
 * (every byte outside ALPHA / DIGIT / "-._~" as %XX). */
static char *
rebuild(const char *pattern, const char *const *params)
{
	struct px_buf b;
	size_t k = 0;

	px_buf_init(&b, PX_BUF_NOCAP);
	for (const char *p = pattern; *p;) {
		if (*p != '{') {
			px_buf_put(&b, p++, 1);
			continue;
		}
		for (const unsigned char *v =
		         (const unsigned char *)params[k++];
		     *v; v++) {
			if ((*v >= 'a' && *v <= 'z') ||
			    (*v >= 'A' && *v <= 'Z') ||
			    (*v >= '0' && *v <= '9') || strchr("-._~", *v))
				px_buf_put(&b, v, 1);
			else
				px_buf_putf(&b, "%%%02X", *v);
		}
		p = strchr(p, '}') + 1;
	}
	return px_buf_detach(&b, NULL);
}

static int
is_dot(const char *s)
{
	return strcmp(s, ".") == 0 || strcmp(s, "..") == 0;
}

static void
one_pattern(const char *pattern, const char *path, size_t len, int path_ok)
{
	const char *params[PX_HTTP_MAX_PARAMS];
	const char *again[PX_HTTP_MAX_PARAMS];
	size_t slen = len + PX_HTTP_MAX_PARAMS + 1, n = 0, n2 = 0;
	char *scratch = px_malloc(slen), *scratch2, *path2;
	int rc, dots = 0;

	rc = px_http_match(pattern, path, len, scratch, slen, params, &n);
	check(rc == 0 || rc == 1 || rc == PX_EINVAL);
	if (path_ok)
		check(rc != PX_EINVAL);
	if (rc != 1) {
		free(scratch);
		return;
	}
	check(n == captures(pattern));
	for (size_t i = 0; i < n; i++) {
		check(params[i][0] != '\0');
		check(params[i] >= scratch && params[i] < scratch + slen);
		for (const char *c = params[i]; *c; c++)
			check((unsigned char)*c >= 0x20 && *c != 0x7f);
		dots |= is_dot(params[i]);
	}
	path2 = rebuild(pattern, params);
	slen = strlen(path2) + PX_HTTP_MAX_PARAMS + 1;
	scratch2 = px_malloc(slen);
	check(px_http_match(pattern, path2, strlen(path2), scratch2, slen,
	          again, &n2) == 1);
	check(n2 == n);
	for (size_t i = 0; i < n; i++)
		check(strcmp(again[i], params[i]) == 0);
	if (!dots)
		check(px_http_path_check(path2, strlen(path2)) == 0);
	free(scratch2);
	free(path2);
	free(scratch);
}

static void
check_escaper(const char *s, size_t n)
{
	struct px_buf b;
	json_error_t err;
	json_t *j;
	int valid_utf8;

	px_buf_init(&b, PX_BUF_NOCAP);
	check(px_json_put_string(&b, s, n) == 0);
	j = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	check(j != NULL && json_is_string(j));
	/* jansson itself says whether the input was valid UTF-8. */
	{
		json_t *t = json_stringn(s, n);

		valid_utf8 = t != NULL;
		json_decref(t);
	}
	if (valid_utf8)
		check(json_string_length(j) == n &&
		    memcmp(json_string_value(j), s, n) == 0);
	json_decref(j);
	px_buf_dispose(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	char *pattern = NULL, *path;
	size_t len;
	int path_ok;
	struct px_http_resp r = { 0 };

	if (nl != NULL) {
		pattern = px_strndup((const char *)data, (size_t)(nl - data));
		len = size - (size_t)(nl - data) - 1;
		/* Exactly `len` bytes and no NUL after them: under ASan a
		 * read past the end is caught. */
		path = px_malloc(len ? len : 1);
		memcpy(path, nl + 1, len);
	} else {
		len = size;
		path = px_malloc(len ? len : 1);
		memcpy(path, data, len);
	}

	path_ok = px_http_path_check(path, len) == 0;
	if (pattern != NULL && px_http_pattern_valid(pattern))
		one_pattern(pattern, path, len, path_ok);
	for (size_t i = 0; i < PX_ARRAY_LEN(patterns); i++)
		one_pattern(patterns[i], path, len, path_ok);

	check_escaper(path, len);
	px_buf_init(&r.body, 16);
	check(px_problem(&r, 400, NULL, "bad path %.*s", (int)len, path) == 0);
	{
		json_error_t err;
		json_t *j = json_loadb(r.body.data, r.body.len, 0, &err);

		check(j != NULL && json_object_size(j) == 4);
		check(json_integer_value(json_object_get(j, "status")) == 400);
		json_decref(j);
	}
	px_buf_dispose(&r.body);
	free(path);
	free(pattern);
	return 0;
}
