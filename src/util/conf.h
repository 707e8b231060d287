/*
 * The node's configuration file (parley.conf), read once at start-up.
 *
 * The format is a strict subset of git-config, so an operator who knows
 * one knows the other, and a file that parses here means the same thing to
 * a human reading it:
 *
 *   # comment                     ; also a comment
 *   name = cert-a.example         (before any header: section "")
 *
 *   [api]
 *   listen = 127.0.0.1:8443
 *
 *   [peer "cert-b.example"]
 *   url = https://cert-b.example:8444/
 *   motd = "  leading and trailing spaces kept\n"
 *
 * Rules (each has a unit test):
 *   - UTF-8 text, at most PX_CONF_MAX_SIZE bytes.  An initial UTF-8 BOM is
 *     skipped.  Malformed UTF-8, a NUL byte and control characters other
 *     than tab are errors.
 *   - Lines end in LF or CRLF; the last line may lack one.  A line is at
 *     most PX_CONF_MAX_LINE bytes, not counting its line ending.
 *   - Spaces and tabs around a line are ignored; blank lines are ignored.
 *   - A line whose first non-blank character is '#' or ';' is a comment.
 *     There are no comments at the end of other lines: a '#' in a value
 *     (a URL fragment, a password) is part of the value.
 *   - "[section]" or "[section "sub name"]" starts a section.  Section
 *     names follow the key rule below; a subsection is double-quoted, not
 *     empty, may hold any character but control characters, and uses \"
 *     and \\ for a quote and a backslash.  Spaces are allowed inside the
 *     brackets around the parts; nothing may follow ']'.  A section may be
 *     opened again later; its keys join the earlier ones.
 *   - "key = value": keys are one or more of [a-z0-9_-] (uppercase is an
 *     error, not folded, so one spelling is searchable).  Keys before any
 *     header belong to section "" (the top level).
 *   - A value runs to the end of the line and is trimmed of spaces and
 *     tabs; it may be empty.  A value that starts with '"' must be one
 *     double-quoted string ending the line; inside it \" \\ \n \t are the
 *     only escapes, and spaces are kept.  Unquoted values are taken
 *     literally, backslashes and quotes included.  No line continuations.
 *   - The same key twice in one section (and subsection) is an error, so a
 *     forgotten earlier line can never silently override a later one.
 *
 * A header with no keys under it leaves no trace in the result.
 */
#ifndef PX_CONF_H
#define PX_CONF_H

#include <stddef.h>

#include "util/err.h"

#define PX_CONF_MAX_SIZE (1024 * 1024)
#define PX_CONF_MAX_LINE 4096

struct px_conf_entry {
	char *section; /* "" for the top level */
	char *sub;     /* NULL if the header had no subsection */
	char *key;
	char *value; /* escapes resolved; may be "" */
	unsigned line;
};

/* Owns every string in it; entries are in file order. */
struct px_conf {
	struct px_conf_entry *e;
	size_t n;
	char *path; /* copy of the name given to parse/load, or NULL */
};

/*
 * Parses `len` bytes of `text` into *out, which need not be initialised.
 * `path` names the input in messages ("parley.conf:12: expected 'key =
 * value', got 'foo'"); NULL reads as "config".  Returns 0, PX_EINVAL for a
 * malformed file or PX_ETOOBIG past a size limit; on failure *out is left
 * empty (n == 0) and px_conf_dispose on it is harmless.  The caller
 * disposes of *out.
 */
PX_MUST_CHECK int px_conf_parse(
    struct px_conf *out, const char *text, size_t len, const char *path);

/* Reads the file at `path` and parses it as above; PX_ENOTFOUND if it does
 * not exist. */
PX_MUST_CHECK int px_conf_load(struct px_conf *out, const char *path);

/*
 * Returns the value of `key` in [section "sub"], or NULL if absent.
 * `section` "" is the top level; `sub` NULL means the header had no
 * subsection ([section]), which is not the same as any [section "x"].
 * Borrowed: valid until px_conf_dispose.
 */
const char *px_conf_get(const struct px_conf *c, const char *section,
    const char *sub, const char *key);

/*
 * Returns the i-th distinct subsection name of `section` in order of first
 * appearance (0-based), or NULL when i is past the end:
 *   for (i = 0; (name = px_conf_sub(c, "peer", i)) != NULL; i++)
 * Borrowed: valid until px_conf_dispose.  A linear scan per call (more
 * where a file reopens the same subsection): meant for start-up, not for a
 * hot path.
 */
const char *px_conf_sub(const struct px_conf *c, const char *section, size_t i);

/* Frees everything *c owns and leaves it empty; safe to call twice. */
void px_conf_dispose(struct px_conf *c);

/*
 * A new text of parley.conf (heap, *out) from `text` with [section "sub"]
 * ([section] for sub NULL) edited: with `vals`, every line of `keys`
 * (NULL-terminated) in the section is replaced by "key = vals[i]" (none
 * for an empty or NULL value), written under the section's first header,
 * or in a new section at the end; the section's other lines stay.  With
 * vals NULL the section is removed, every occurrence of it.  Values are
 * written unquoted, so one that the parser would read otherwise (a line
 * break, a leading quote, spaces around) is refused.  Other lines are kept
 * as they were.
 */
PX_MUST_CHECK int px_conf_edit(const char *text, const char *section,
    const char *sub, const char *const *keys, const char *const *vals,
    char **out);

/* A size: plain bytes or with K, M, G, T (powers of 1024), optionally
 * followed by B or iB ("64M", "4GiB").  PX_EINVAL otherwise. */
PX_MUST_CHECK int px_size_parse(unsigned long long *out, const char *v);

#endif
