/*
 * Request paths and route patterns (http.h): the path check, the matcher
 * that decodes segments one by one, and the pattern check.  Pure
 * functions, no server state.
 */
#include <stdint.h>
#include <string.h>

#include "net/http.h"
#include "net/http_internal.h"
#include "util/util.h"

/* RFC 3986 pchar without pct-encoded: unreserved / sub-delims / ":" "@" */
static int
is_pchar(unsigned char c)
{
	return is_alnum(c) || (c != '\0' && strchr("-._~!$&'()*+,;=:@", c));
}

/*
 * Decodes the raw segment s[0..n) into out (room for n bytes; no NUL is
 * written).  A '%' must be followed by two hex digits, and neither raw nor
 * decoded bytes may be control characters (NUL included).
 */
static int
seg_decode(const char *s, size_t n, char *out, size_t *outlen)
{
	size_t i, j = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (n - i < 3 || (hi = px_hex_digit(s[i + 1])) < 0 ||
			    (lo = px_hex_digit(s[i + 2])) < 0)
				return px_error_set(PX_EINVAL,
				    "'%%' at byte %zu of a path segment is not "
				    "followed by two hex digits",
				    i);
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
			if (is_ctl(c))
				return px_error_set(PX_EINVAL,
				    "a path segment encodes the control "
				    "character 0x%02x",
				    c);
		} else if (is_ctl(c)) {
			return px_error_set(PX_EINVAL,
			    "a path segment holds the control character "
			    "0x%02x",
			    c);
		}
		out[j++] = (char)c;
	}
	*outlen = j;
	return 0;
}

int
px_http_path_check(const char *path, size_t len)
{
	size_t i, start;

	if (len == 0 || path[0] != '/')
		return px_error_set(PX_EINVAL, "the path must start with '/'");
	for (i = 1, start = 1; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)path[i] : '/';
		size_t dlen, n;

		if (c != '/') {
			if (c == '%') {
				if (len - i < 3 ||
				    px_hex_digit(path[i + 1]) < 0 ||
				    px_hex_digit(path[i + 2]) < 0)
					return px_error_set(PX_EINVAL,
					    "'%%' at byte %zu of the path is "
					    "not followed by two hex digits",
					    i);
				i += 2;
			} else if (!is_pchar(c)) {
				return px_error_set(PX_EINVAL,
				    "byte %zu of the path (0x%02x) is not "
				    "allowed in a path; percent-encode it",
				    i, c);
			}
			continue;
		}
		/* A whole segment path[start..i): decodes cleanly and is not
		 * a dot segment.  Only short segments can be dots. */
		n = i - start;
		if (n <= 9) {
			char tmp[9];
			int rc = seg_decode(path + start, n, tmp, &dlen);

			if (rc < 0)
				return rc;
			if ((dlen == 1 && tmp[0] == '.') ||
			    (dlen == 2 && tmp[0] == '.' && tmp[1] == '.'))
				return px_error_set(PX_EINVAL,
				    "the path has a \".\" or \"..\" segment");
		} else {
			for (size_t k = start; k + 2 < i; k++) {
				int hi, lo;

				if (path[k] != '%')
					continue;
				hi = px_hex_digit(path[k + 1]);
				lo = px_hex_digit(path[k + 2]);
				if (is_ctl((unsigned char)(hi << 4 | lo)))
					return px_error_set(PX_EINVAL,
					    "the path encodes the control "
					    "character 0x%02x",
					    hi << 4 | lo);
			}
		}
		start = i + 1;
	}
	return 0;
}

/* Length of the pattern segment at p (up to '/' or the end). */
static size_t
pseg_len(const char *p)
{
	const char *e = strchr(p, '/');

	return e ? (size_t)(e - p) : strlen(p);
}

static int
is_capture(const char *p, size_t n)
{
	return n >= 3 && p[0] == '{' && p[n - 1] == '}';
}

int
px_http_pattern_valid(const char *pattern)
{
	const char *p = pattern;
	size_t ncap = 0;

	if (p == NULL || *p != '/')
		return 0;
	while (*p == '/') {
		size_t n = pseg_len(++p);

		if (is_capture(p, n)) {
			for (size_t i = 1; i + 1 < n; i++) {
				if (!is_alnum((unsigned char)p[i]) &&
				    p[i] != '_')
					return 0;
			}
			if (++ncap > PX_HTTP_MAX_PARAMS)
				return 0;
		} else {
			/* A dot segment would never be reached: the path
			 * check refuses it. */
			if ((n == 1 && p[0] == '.') ||
			    (n == 2 && p[0] == '.' && p[1] == '.'))
				return 0;
			for (size_t i = 0; i < n; i++) {
				if (!is_pchar((unsigned char)p[i]))
					return 0;
			}
		}
		p += n;
	}
	return *p == '\0';
}

int
px_http_match(const char *pattern, const char *path, size_t len, char *scratch,
    size_t scratch_len, const char *params[PX_HTTP_MAX_PARAMS], size_t *nparams)
{
	const char *p = pattern;
	size_t i = 0, used = 0, np = 0;

	*nparams = 0;
	if (len > SIZE_MAX - PX_HTTP_MAX_PARAMS - 1 ||
	    scratch_len < len + PX_HTTP_MAX_PARAMS + 1)
		return px_error_set(PX_ETOOBIG,
		    "route matching needs %zu bytes of scratch space",
		    len + PX_HTTP_MAX_PARAMS + 1);
	if (len == 0 || path[0] != '/' || p[0] != '/')
		return 0;
	for (;;) {
		size_t plen, j, dlen;
		int rc;

		/* Both are at a '/'. */
		p++;
		i++;
		plen = pseg_len(p);
		for (j = i; j < len && path[j] != '/'; j++)
			;
		if ((rc = seg_decode(path + i, j - i, scratch + used, &dlen)) <
		    0)
			return rc;
		if (is_capture(p, plen)) {
			if (dlen == 0)
				return 0;
			if (np == PX_HTTP_MAX_PARAMS)
				return px_error_set(PX_EINVAL,
				    "pattern %s has more than %d captures",
				    pattern, PX_HTTP_MAX_PARAMS);
			scratch[used + dlen] = '\0';
			params[np++] = scratch + used;
			used += dlen + 1;
		} else if (dlen != plen ||
		    memcmp(scratch + used, p, plen) != 0) {
			return 0;
		}
		p += plen;
		i = j;
		if (*p == '\0' || i == len) {
			if (*p != '\0' || i != len)
				return 0;
			*nparams = np;
			return 1;
		}
	}
}
