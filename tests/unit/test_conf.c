#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/conf.h"
#include "util/util.h"

#define PATH "parley.conf"

static int
parse(struct px_conf *c, const char *text)
{
	return px_conf_parse(c, text, strlen(text), PATH);
}

/* Parses `len` bytes expecting failure `code` with exactly message `msg`,
 * and checks that the result is left empty. */
static void
expect_fail_n(const char *text, size_t len, int code, const char *msg)
{
	struct px_conf c;

	assert_int_equal(px_conf_parse(&c, text, len, PATH), code);
	assert_string_equal(px_error_last(), msg);
	assert_int_equal(c.n, 0);
	assert_null(c.e);
	px_conf_dispose(&c);
}

static void
expect_fail(const char *text, int code, const char *msg)
{
	expect_fail_n(text, strlen(text), code, msg);
}

static void
test_basic(void **state)
{
	struct px_conf c;

	(void)state;
	assert_int_equal(parse(&c,
	                     "name = cert-a.example\n"
	                     "\n"
	                     "[api]\n"
	                     "listen = 127.0.0.1:8443\n"
	                     "[peer \"cert-b.example\"]\n"
	                     "url = https://cert-b.example:8444/\n"
	                     "[peer]\n"
	                     "url = default\n"),
	    0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.path, PATH);
	assert_string_equal(
	    px_conf_get(&c, "", NULL, "name"), "cert-a.example");
	assert_string_equal(
	    px_conf_get(&c, "api", NULL, "listen"), "127.0.0.1:8443");
	assert_string_equal(px_conf_get(&c, "peer", "cert-b.example", "url"),
	    "https://cert-b.example:8444/");
	/* [peer] and [peer "x"] are different places. */
	assert_string_equal(px_conf_get(&c, "peer", NULL, "url"), "default");
	assert_null(px_conf_get(&c, "peer", "cert-c.example", "url"));
	assert_null(px_conf_get(&c, "api", NULL, "name"));
	assert_null(px_conf_get(&c, "", NULL, "listen"));
	assert_null(px_conf_get(&c, "api", "", "listen"));

	/* Entries keep their place and line. */
	assert_string_equal(c.e[0].section, "");
	assert_null(c.e[0].sub);
	assert_int_equal(c.e[0].line, 1);
	assert_string_equal(c.e[2].section, "peer");
	assert_string_equal(c.e[2].sub, "cert-b.example");
	assert_string_equal(c.e[2].key, "url");
	assert_int_equal(c.e[2].line, 6);
	px_conf_dispose(&c);
	assert_int_equal(c.n, 0);
	px_conf_dispose(&c); /* twice is harmless */
}

static void
test_empty_inputs(void **state)
{
	struct px_conf c;

	(void)state;
	assert_int_equal(px_conf_parse(&c, NULL, 0, NULL), 0);
	assert_int_equal(c.n, 0);
	assert_null(c.path);
	assert_null(px_conf_get(&c, "", NULL, "x"));
	assert_null(px_conf_sub(&c, "peer", 0));
	px_conf_dispose(&c);
	assert_int_equal(parse(&c, "\n\n  \t\n# only comments\n"), 0);
	assert_int_equal(c.n, 0);
	px_conf_dispose(&c);
	/* A header with no keys leaves no trace. */
	assert_int_equal(parse(&c, "[peer \"a\"]\n"), 0);
	assert_int_equal(c.n, 0);
	assert_null(px_conf_sub(&c, "peer", 0));
	px_conf_dispose(&c);
}

static void
test_comments(void **state)
{
	struct px_conf c;

	(void)state;
	assert_int_equal(parse(&c,
	                     "# a comment\n"
	                     "; another\n"
	                     "   # indented\n"
	                     "\t; indented with a tab\n"
	                     "#no space after the hash\n"
	                     "url = https://x.example/#frag\n"
	                     "note = a ; b # c\n"
	                     "[s]\n"
	                     "# k = not a key\n"),
	    0);
	assert_int_equal(c.n, 2);
	/* No trailing comments: '#' and ';' inside a value are the value. */
	assert_string_equal(
	    px_conf_get(&c, "", NULL, "url"), "https://x.example/#frag");
	assert_string_equal(px_conf_get(&c, "", NULL, "note"), "a ; b # c");
	assert_null(px_conf_get(&c, "s", NULL, "k"));
	assert_int_equal(c.e[0].line, 6);
	px_conf_dispose(&c);
}

static void
test_whitespace_and_plain_values(void **state)
{
	struct px_conf c;

	(void)state;
	assert_int_equal(parse(&c,
	                     "  a=1\n"
	                     "b \t=\t two  words \t \n"
	                     "c =\n"
	                     "d =   \n"
	                     "e = say \"hi\" \\n\n"
	                     "f = x = y\n"
	                     "g_h-9 = ok\n"),
	    0);
	assert_string_equal(px_conf_get(&c, "", NULL, "a"), "1");
	assert_string_equal(px_conf_get(&c, "", NULL, "b"), "two  words");
	assert_string_equal(px_conf_get(&c, "", NULL, "c"), "");
	assert_string_equal(px_conf_get(&c, "", NULL, "d"), "");
	/* Unquoted values are literal: no escapes, quotes kept. */
	assert_string_equal(px_conf_get(&c, "", NULL, "e"), "say \"hi\" \\n");
	/* The first '=' separates. */
	assert_string_equal(px_conf_get(&c, "", NULL, "f"), "x = y");
	assert_string_equal(px_conf_get(&c, "", NULL, "g_h-9"), "ok");
	px_conf_dispose(&c);
}

static void
test_quoted_values(void **state)
{
	struct px_conf c;

	(void)state;
	assert_int_equal(parse(&c,
	                     "a = \"  padded  \"\n"
	                     "b = \"q\\\" b\\\\ n\\n t\\t\"\n"
	                     "c = \"\"\n"
	                     "d = \"# not a comment ; really\"   \n"
	                     "e = \"raw\ttab\"\n"
	                     "f = \"\xe4\xb8\xad\xe6\x96\x87\"\n"),
	    0);
	assert_string_equal(px_conf_get(&c, "", NULL, "a"), "  padded  ");
	assert_string_equal(px_conf_get(&c, "", NULL, "b"), "q\" b\\ n\n t\t");
	assert_string_equal(px_conf_get(&c, "", NULL, "c"), "");
	assert_string_equal(
	    px_conf_get(&c, "", NULL, "d"), "# not a comment ; really");
	assert_string_equal(px_conf_get(&c, "", NULL, "e"), "raw\ttab");
	assert_string_equal(
	    px_conf_get(&c, "", NULL, "f"), "\xe4\xb8\xad\xe6\x96\x87");
	px_conf_dispose(&c);

	expect_fail("a = 1\nb = \"open\n", PX_EINVAL,
	    "parley.conf:2: unterminated quoted value: missing closing '\"'");
	expect_fail("b = \"ends in backslash\\\n", PX_EINVAL,
	    "parley.conf:1: unterminated quoted value: missing closing '\"'");
	expect_fail("\n\nb = \"x\\q\"\n", PX_EINVAL,
	    "parley.conf:3: unknown escape '\\q' in quoted value (allowed: "
	    "\\\" \\\\ \\n \\t)");
	expect_fail("b = \"x\\\xc3\xa9\"\n", PX_EINVAL,
	    "parley.conf:1: unknown escape '\\...' in quoted value (allowed: "
	    "\\\" \\\\ \\n \\t)");
	expect_fail("b = \"x\" y\n", PX_EINVAL,
	    "parley.conf:1: unexpected ' y' after the closing quote");
	expect_fail("b = \"x\"\"y\"\n", PX_EINVAL,
	    "parley.conf:1: unexpected '\"y\"' after the closing quote");
}

static void
test_headers(void **state)
{
	struct px_conf c;

	(void)state;
	assert_int_equal(parse(&c,
	                     "[ peer   \"sub name\"  ]\n"
	                     "k = 1\n"
	                     "[peer \"q\\\"uo\\\\te\"]\n"
	                     "k = 2\n"
	                     "[peer \"\xe4\xb8\xad\"]\n"
	                     "k = 3\n"
	                     "[ api ]\n"
	                     "k = 4\n"
	                     "[peer \"Case\"]\n"
	                     "k = 5\n"),
	    0);
	assert_string_equal(px_conf_get(&c, "peer", "sub name", "k"), "1");
	assert_string_equal(px_conf_get(&c, "peer", "q\"uo\\te", "k"), "2");
	assert_string_equal(px_conf_get(&c, "peer", "\xe4\xb8\xad", "k"), "3");
	assert_string_equal(px_conf_get(&c, "api", NULL, "k"), "4");
	/* Subsections are case-sensitive, like git's. */
	assert_string_equal(px_conf_get(&c, "peer", "Case", "k"), "5");
	assert_null(px_conf_get(&c, "peer", "case", "k"));
	px_conf_dispose(&c);

	expect_fail("[]\n", PX_EINVAL,
	    "parley.conf:1: expected '[section]' or '[section \"name\"]', got "
	    "'[]'");
	expect_fail("[ \"x\"]\n", PX_EINVAL,
	    "parley.conf:1: expected '[section]' or '[section \"name\"]', got "
	    "'[ \"x\"]'");
	expect_fail("[Peer]\n", PX_EINVAL,
	    "parley.conf:1: invalid section name 'Peer': use lowercase "
	    "letters, digits, '_' and '-'");
	expect_fail("[a.b]\n", PX_EINVAL,
	    "parley.conf:1: invalid section name 'a.b': use lowercase "
	    "letters, digits, '_' and '-'");
	expect_fail("[peer\"x\"]\n", PX_EINVAL,
	    "parley.conf:1: expected a space between the section name and "
	    "its quoted subsection");
	expect_fail("[peer \"\"]\n", PX_EINVAL,
	    "parley.conf:1: empty subsection name: write [peer] instead");
	expect_fail("[peer \"x\"\n", PX_EINVAL,
	    "parley.conf:1: expected ']' to close '[peer \"x\"'");
	expect_fail("[peer\n", PX_EINVAL,
	    "parley.conf:1: expected ']' to close '[peer'");
	expect_fail("[peer \"x\n", PX_EINVAL,
	    "parley.conf:1: unterminated subsection name: missing closing "
	    "'\"'");
	expect_fail("[peer x]\n", PX_EINVAL,
	    "parley.conf:1: expected ']' to close '[peer x]'");
	expect_fail("[peer] # comment\n", PX_EINVAL,
	    "parley.conf:1: unexpected ' # comment' after ']' (comments go "
	    "on their own line)");
	expect_fail("[peer \"a\\nb\"]\n", PX_EINVAL,
	    "parley.conf:1: unknown escape '\\n' in subsection name "
	    "(allowed: \\\" \\\\)");
	expect_fail("[peer \"a\tb\"]\n", PX_EINVAL,
	    "parley.conf:1: tab in subsection name");
}

static void
test_keys(void **state)
{
	(void)state;
	expect_fail("a = 1\n\nfoo\n", PX_EINVAL,
	    "parley.conf:3: expected 'key = value', got 'foo'");
	expect_fail("Name = x\n", PX_EINVAL,
	    "parley.conf:1: invalid key 'Name': use lowercase letters, "
	    "digits, '_' and '-'");
	expect_fail("a.b = x\n", PX_EINVAL,
	    "parley.conf:1: invalid key 'a.b': use lowercase letters, "
	    "digits, '_' and '-'");
	expect_fail("two words = x\n", PX_EINVAL,
	    "parley.conf:1: invalid key 'two words': use lowercase letters, "
	    "digits, '_' and '-'");
	expect_fail(
	    "  = x\n", PX_EINVAL, "parley.conf:1: missing key before '='");
	expect_fail("\"a\" = x\n", PX_EINVAL,
	    "parley.conf:1: invalid key '\"a\"': use lowercase letters, "
	    "digits, '_' and '-'");
	/* Long lines are cut in messages, on a character boundary. */
	expect_fail("0123456789012345678901234567890123456789012345678"
	            "\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\n",
	    PX_EINVAL,
	    "parley.conf:1: expected 'key = value', got "
	    "'0123456789012345678901234567890123456789012345678"
	    "\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad...'");
}

static void
test_duplicates(void **state)
{
	struct px_conf c;

	(void)state;
	assert_int_equal(parse(&c,
	                     "k = top\n"
	                     "[s]\n"
	                     "k = s\n"
	                     "[s \"a\"]\n"
	                     "k = a\n"
	                     "[s \"b\"]\n"
	                     "k = b\n"
	                     "[t]\n"
	                     "k = t\n"),
	    0);
	assert_int_equal(c.n, 5);
	assert_string_equal(px_conf_get(&c, "", NULL, "k"), "top");
	assert_string_equal(px_conf_get(&c, "s", NULL, "k"), "s");
	assert_string_equal(px_conf_get(&c, "s", "a", "k"), "a");
	assert_string_equal(px_conf_get(&c, "s", "b", "k"), "b");
	assert_string_equal(px_conf_get(&c, "t", NULL, "k"), "t");
	px_conf_dispose(&c);

	expect_fail("a = 1\nb = 2\n# x\na = 3\n", PX_EINVAL,
	    "parley.conf:4: duplicate key 'a' in the top level (first set on "
	    "line 1)");
	expect_fail("[s]\nk = 1\n[t]\nk = 2\n[s]\nk = 3\n", PX_EINVAL,
	    "parley.conf:6: duplicate key 'k' in [s] (first set on line 2)");
	expect_fail("[s \"x y\"]\nk = 1\nk = 1\n", PX_EINVAL,
	    "parley.conf:3: duplicate key 'k' in [s \"x y\"] (first set on "
	    "line 2)");
}

static void
test_line_endings(void **state)
{
	struct px_conf c;

	(void)state;
	assert_int_equal(parse(&c,
	                     "a = 1\r\n"
	                     "\r\n"
	                     "# c\r\n"
	                     "[s \"x\"]\r\n"
	                     "b = \"q\"\r\n"
	                     "c = 3\n"
	                     "d = last"),
	    0);
	assert_string_equal(px_conf_get(&c, "", NULL, "a"), "1");
	assert_string_equal(px_conf_get(&c, "s", "x", "b"), "q");
	assert_string_equal(px_conf_get(&c, "s", "x", "c"), "3");
	assert_string_equal(px_conf_get(&c, "s", "x", "d"), "last");
	assert_int_equal(c.e[3].line, 7);
	px_conf_dispose(&c);

	expect_fail("a = 1\r\nb = 2\rc = 3\n", PX_EINVAL,
	    "parley.conf:2: carriage return at column 6 not followed by a "
	    "line feed");
	expect_fail("a = 1\r\r\n", PX_EINVAL,
	    "parley.conf:1: carriage return at column 6 not followed by a "
	    "line feed");
}

static void
test_bytes(void **state)
{
	static const char nul[] = "a = 1\nb = x\0y\n";
	struct px_conf c;

	(void)state;
	expect_fail_n(nul, sizeof(nul) - 1, PX_EINVAL,
	    "parley.conf:2: NUL byte at column 6: not a text file");
	expect_fail_n("\0", 1, PX_EINVAL,
	    "parley.conf:1: NUL byte at column 1: not a text file");
	expect_fail("a = \x01\n", PX_EINVAL,
	    "parley.conf:1: control character 0x01 at column 5");
	expect_fail("a = \x1b[31m\n", PX_EINVAL,
	    "parley.conf:1: control character 0x1b at column 5");
	expect_fail("a = \x7f\n", PX_EINVAL,
	    "parley.conf:1: control character 0x7f at column 5");
	expect_fail("a = \xc2\x85\n", PX_EINVAL,
	    "parley.conf:1: control character U+0085 at column 5");
	expect_fail("a = \xff\n", PX_EINVAL,
	    "parley.conf:1: invalid UTF-8 at column 5");
	expect_fail("a = \xc0\x80\n", PX_EINVAL, /* overlong NUL */
	    "parley.conf:1: invalid UTF-8 at column 5");
	expect_fail("a = \xe0\x80\xaf\n", PX_EINVAL, /* overlong '/' */
	    "parley.conf:1: invalid UTF-8 at column 5");
	expect_fail("a = \xed\xa0\x80\n", PX_EINVAL, /* surrogate */
	    "parley.conf:1: invalid UTF-8 at column 5");
	expect_fail("a = \xf4\x90\x80\x80\n", PX_EINVAL, /* > U+10FFFF */
	    "parley.conf:1: invalid UTF-8 at column 5");
	expect_fail("a = x\xe4\xb8", PX_EINVAL, /* truncated at the end */
	    "parley.conf:1: invalid UTF-8 at column 6");
	expect_fail("a = \xe4\xb8x\n", PX_EINVAL,
	    "parley.conf:1: invalid UTF-8 at column 5");

	/* Well-formed UTF-8, up to four bytes, and a leading BOM. */
	assert_int_equal(parse(&c,
	                     "\xef\xbb\xbf"
	                     "a = caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x94\x92\n"),
	    0);
	assert_string_equal(px_conf_get(&c, "", NULL, "a"),
	    "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x94\x92");
	px_conf_dispose(&c);
	/* A BOM anywhere else is a stray character in the key. */
	expect_fail("a = 1\n\xef\xbb\xbf"
	            "b = 2\n",
	    PX_EINVAL,
	    "parley.conf:2: invalid key '\xef\xbb\xbf"
	    "b': use lowercase letters, digits, '_' and '-'");
}

static void
test_limits(void **state)
{
	struct px_buf b;
	struct px_conf c;
	char *line;

	(void)state;
	/* A line of exactly PX_CONF_MAX_LINE bytes, CRLF not counted. */
	line = px_malloc(PX_CONF_MAX_LINE + 3);
	memcpy(line, "a = ", 4);
	memset(line + 4, 'x', PX_CONF_MAX_LINE - 4);
	memcpy(line + PX_CONF_MAX_LINE, "\r\n", 3);
	assert_int_equal(parse(&c, line), 0);
	assert_int_equal(
	    strlen(px_conf_get(&c, "", NULL, "a")), PX_CONF_MAX_LINE - 4);
	px_conf_dispose(&c);
	line[PX_CONF_MAX_LINE] = 'x';
	expect_fail_n(line, PX_CONF_MAX_LINE + 1, PX_ETOOBIG,
	    "parley.conf:1: line is 4097 bytes long, more than the limit of "
	    "4096");
	free(line);

	/* A file of exactly the size limit, a quarter million distinct
	 * keys (the duplicate check must not be quadratic), then a
	 * duplicate at the very end. */
	px_buf_init(&b, PX_BUF_NOCAP);
	while (b.len + 16 <= PX_CONF_MAX_SIZE - 8)
		px_buf_putf(&b, "k%06zu = %05zu\n", b.len / 16, b.len / 16);
	assert_int_equal(b.len, PX_CONF_MAX_SIZE - 16);
	px_buf_puts(&b, "k000000 = 0\n"); /* 12 bytes */
	px_buf_puts(&b, "#..\n");
	assert_int_equal(b.len, PX_CONF_MAX_SIZE);
	assert_int_equal(px_conf_parse(&c, b.data, b.len, PATH), PX_EINVAL);
	assert_string_equal(px_error_last(),
	    "parley.conf:65536: duplicate key 'k000000' in the top level "
	    "(first set on line 1)");
	b.len -= 16;
	assert_int_equal(px_conf_parse(&c, b.data, b.len, PATH), 0);
	assert_int_equal(c.n, 65535);
	assert_string_equal(px_conf_get(&c, "", NULL, "k065534"), "65534");
	px_conf_dispose(&c);

	px_buf_reset(&b);
	for (size_t i = 0; i <= PX_CONF_MAX_SIZE; i++)
		px_buf_put(&b, "\n", 1);
	expect_fail_n(b.data, b.len, PX_ETOOBIG,
	    "parley.conf: 1048577 bytes is more than the limit of 1048576");
	px_buf_dispose(&b);
}

static void
test_subsections(void **state)
{
	struct px_conf c;

	(void)state;
	assert_int_equal(parse(&c,
	                     "[peer \"b\"]\n"
	                     "url = 1\n"
	                     "key = 1\n"
	                     "[peer]\n"
	                     "x = 0\n"
	                     "[api \"z\"]\n"
	                     "x = 0\n"
	                     "[peer \"a\"]\n"
	                     "url = 2\n"
	                     "[peer \"b\"]\n"
	                     "note = again\n"
	                     "[peer \"c\"]\n"
	                     "url = 3\n"),
	    0);
	/* File order of first appearance, not sorted; reopened "b" once. */
	assert_string_equal(px_conf_sub(&c, "peer", 0), "b");
	assert_string_equal(px_conf_sub(&c, "peer", 1), "a");
	assert_string_equal(px_conf_sub(&c, "peer", 2), "c");
	assert_null(px_conf_sub(&c, "peer", 3));
	assert_null(px_conf_sub(&c, "peer", 1000));
	assert_string_equal(px_conf_sub(&c, "api", 0), "z");
	assert_null(px_conf_sub(&c, "api", 1));
	assert_null(px_conf_sub(&c, "", 0));
	assert_null(px_conf_sub(&c, "nothing", 0));
	assert_string_equal(px_conf_get(&c, "peer", "b", "note"), "again");
	px_conf_dispose(&c);
}

static void
test_load(void **state)
{
	char dir[] = "/tmp/px-test-conf-XXXXXX";
	char *path, *missing, *msg;
	struct px_conf c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = px_asprintf("%s/parley.conf", dir);
	missing = px_asprintf("%s/missing.conf", dir);

	assert_int_equal(px_file_write(path, "[s]\nk = v\n", 10, 0644), 0);
	assert_int_equal(px_conf_load(&c, path), 0);
	assert_string_equal(c.path, path);
	assert_string_equal(px_conf_get(&c, "s", NULL, "k"), "v");
	px_conf_dispose(&c);

	assert_int_equal(px_file_write(path, "[s]\nk\n", 6, 0644), 0);
	assert_int_equal(px_conf_load(&c, path), PX_EINVAL);
	msg = px_asprintf("%s:2: expected 'key = value', got 'k'", path);
	assert_string_equal(px_error_last(), msg);
	assert_int_equal(c.n, 0);
	px_conf_dispose(&c);
	free(msg);

	assert_int_equal(px_conf_load(&c, missing), PX_ENOTFOUND);
	assert_int_equal(c.n, 0);
	px_conf_dispose(&c);

	/* Without a path, messages still say where. */
	assert_int_equal(px_conf_parse(&c, "x", 1, NULL), PX_EINVAL);
	assert_string_equal(
	    px_error_last(), "config:1: expected 'key = value', got 'x'");
	px_conf_dispose(&c);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	free(path);
	free(missing);
}

/* px_conf_edit: a section's managed keys replaced in place, other lines
 * (comments, secrets, other sections, a reopened section) kept; a new
 * section appended; a section removed; a value the parser would read
 * otherwise refused. */
static void
test_edit(void **state)
{
	static const char *const keys[] = { "name", "email", NULL };
	const char *text =
	    "# top\nname = a.example\n\n[contact \"duty\"]\n"
	    "role = technical\nname = Li Wei\n"
	    "webhook_secret = s3cret\n\n[hours]\ndays = Mon-Fri\n"
	    "[contact \"duty\"]\nemail = old@x\n";
	const char *vals[] = { "Wang Fang", "new@x" };
	const char *bad[] = { "\"quoted\"", NULL };
	char *out = NULL;

	(void)state;
	assert_int_equal(
	    px_conf_edit(text, "contact", "duty", keys, vals, &out), 0);
	assert_string_equal(out,
	    "# top\nname = a.example\n\n[contact \"duty\"]\n"
	    "name = Wang Fang\nemail = new@x\nrole = technical\n"
	    "webhook_secret = s3cret\n\n[hours]\ndays = Mon-Fri\n"
	    "[contact \"duty\"]\n");
	free(out);
	assert_int_equal(
	    px_conf_edit(text, "contact", "night", keys, vals, &out), 0);
	assert_non_null(strstr(out,
	    "email = old@x\n\n[contact \"night\"]\nname = Wang Fang\n"
	    "email = new@x\n"));
	free(out);
	assert_int_equal(
	    px_conf_edit(text, "contact", "duty", keys, NULL, &out), 0);
	assert_string_equal(
	    out, "# top\nname = a.example\n\n[hours]\ndays = Mon-Fri\n");
	free(out);
	assert_int_equal(
	    px_conf_edit(text, "contact", "duty", keys, bad, &out), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "name: a value is one line"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_empty_inputs),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_whitespace_and_plain_values),
		cmocka_unit_test(test_quoted_values),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_subsections),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_edit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
