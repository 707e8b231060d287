/*
 * Observables: parsing, refanging and normal forms.
 *
 * Every type has one normaliser that accepts a few harmless variants (any
 * case, leading zeros in an AS number, a trailing dot on a domain) and
 * writes the one normal form.  The command line runs it after refanging;
 * the wire path runs the same normaliser and then demands that the output
 * equal the input.  So the two paths cannot drift apart, and a value signed
 * by one party is compared as a string by the other.  For that to hold each
 * normaliser must be idempotent: fed its own output, it returns it
 * unchanged (the fuzz target checks this).
 *
 * Where a spelling is ambiguous rather than merely unusual we refuse it
 * instead of guessing: "010.1.1.1" is 10.1.1.1 to some software and
 * 8.1.1.1 to other software, and "10.0.0.1/8" may be a typo for a network
 * or a host with a netmask attached.
 *
 * IPv6 text is written by our own RFC 5952 formatter rather than
 * inet_ntop, whose output differs between C libraries (glibc, for one,
 * writes deprecated IPv4-compatible addresses in dotted form), because
 * these strings are signed and compared.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>

#include "model/observable.h"
#include "util/enc.h"
#include "util/util.h"

/* Longest command-line or wire value looked at; keeps every buffer below
 * bounded (a URL at most triples in size when percent-encoded). */
#define MAX_INPUT  8192
#define OUT_CAP    (4 * MAX_INPUT)
#define URL_MAX    2048
#define DOMAIN_MAX 253
#define LABEL_MAX  63
#define LOCAL_MAX  64

/* What a type alias asks the normaliser to do. */
enum kind {
	K_IP,   /* IPv4 or IPv6, by syntax */
	K_CIDR, /* as K_IP, but a prefix length is required */
	K_IPV4,
	K_IPV6,
	K_DOMAIN,
	K_URL,
	K_EMAIL,
	K_MD5,
	K_SHA1,
	K_SHA256,
	K_SHA512,
	K_HASH, /* "algo:hex", or bare hex with the algorithm guessed */
	K_CVE,
	K_ASN,
};

static const struct {
	const char *name;
	enum kind kind;
} cli_types[] = {
	{ "ip", K_IP },
	{ "ipv4", K_IPV4 },
	{ "ipv6", K_IPV6 },
	{ "cidr", K_CIDR },
	{ "domain", K_DOMAIN },
	{ "url", K_URL },
	{ "email", K_EMAIL },
	{ "md5", K_MD5 },
	{ "sha1", K_SHA1 },
	{ "sha256", K_SHA256 },
	{ "sha512", K_SHA512 },
	{ "hash", K_HASH },
	{ "cve", K_CVE },
	{ "asn", K_ASN },
};

/* Indexed by enum px_obs_type. */
static const struct {
	const char *name;
	enum kind kind;
} wire_types[] = {
	[PX_OBS_IPV4] = { "ipv4-addr", K_IPV4 },
	[PX_OBS_IPV6] = { "ipv6-addr", K_IPV6 },
	[PX_OBS_DOMAIN] = { "domain-name", K_DOMAIN },
	[PX_OBS_URL] = { "url", K_URL },
	[PX_OBS_EMAIL] = { "email-addr", K_EMAIL },
	[PX_OBS_FILE] = { "file", K_HASH },
	[PX_OBS_CVE] = { "vulnerability", K_CVE },
	[PX_OBS_ASN] = { "autonomous-system", K_ASN },
};

/* Indexed by kind - K_MD5; also the algorithms K_HASH recognises. */
static const struct {
	const char *name;
	const char *display;
	size_t hexlen;
} hashes[] = {
	{ "md5", "MD5", 32 },
	{ "sha1", "SHA-1", 40 },
	{ "sha256", "SHA-256", 64 },
	{ "sha512", "SHA-512", 128 },
};

/* Defanging conventions seen in CERT mail, matched in any case. */
static const struct {
	const char *from;
	char to;
} fangs[] = {
	{ "[.]", '.' },
	{ "(.)", '.' },
	{ "{.}", '.' },
	{ "[dot]", '.' },
	{ "[@]", '@' },
	{ "[at]", '@' },
	{ "[:]", ':' },
};

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* ASCII only: the C library's tolower() depends on the locale. */
static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * Returns the length of the well-formed UTF-8 sequence at s[0..n), or 0
 * (RFC 3629: no overlong forms, surrogates or values past U+10FFFF).
 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return len;
}

/*
 * Copies `s` into dst[n] for quoting in a message.  Control bytes and
 * invalid UTF-8 become '?': the message may reach a terminal, or a JSON
 * problem body that must be valid UTF-8.  Long input is cut short with
 * "...", between characters.
 */
static void
show(char *dst, size_t n, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, o = 0, k;

	while (i < len) {
		k = utf8_len(p + i, len - i);
		if (o + (k ? k : 1) > n - 4)
			break;
		if (k == 0 || (k == 1 && (p[i] < 0x20 || p[i] == 0x7f))) {
			dst[o++] = '?';
			i++;
			continue;
		}
		memcpy(dst + o, s + i, k);
		o += k;
		i += k;
	}
	if (i < len) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

/* Sets PX_EINVAL with "'<input>' <message>": every error names its input. */
static int fail(const char *input, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(const char *input, const char *fmt, ...)
{
	char q[100], m[400];
	va_list ap;

	show(q, sizeof(q), input);
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	return px_error_set(PX_EINVAL, "'%s' %s", q, m);
}

/*
 * Reads a prefix length of 1 to 3 digits, at most `max`.  Leading zeros
 * are harmless here ("/08" can only mean 8), so they are accepted and
 * dropped by normalisation.
 */
static int
parse_prefix(unsigned *out, const char *s, unsigned max, const char *input)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (!is_digit(s[i]) || i >= 3)
			break;
		n = n * 10 + (unsigned)(s[i] - '0');
	}
	if (i == 0 || s[i] != '\0' || n > max)
		return fail(input,
		    "has an invalid prefix length (expected /0 to /%u)", max);
	*out = n;
	return 0;
}

/* Parses a strict dotted quad from s[0..n). */
static int
parse_v4(uint8_t a[4], const char *s, size_t n, const char *input)
{
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		size_t start = i;
		unsigned v = 0;

		if (part > 0) {
			if (i >= n || s[i] != '.')
				goto bad;
			start = ++i;
		}
		while (i < n && is_digit(s[i]) && i - start < 4)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || i - start > 3)
			goto bad;
		if (s[start] == '0' && i - start > 1)
			return fail(input,
			    "is ambiguous: an octet has a leading zero, which "
			    "some software reads as octal (expected a dotted "
			    "quad like 192.0.2.1)");
		if (v > 255)
			return fail(input,
			    "is not an IPv4 address: %u is larger than 255", v);
		a[part] = (uint8_t)v;
	}
	if (i != n)
		goto bad;
	return 0;
bad:
	return fail(input,
	    "is not an IPv4 address (expected a dotted quad like 192.0.2.1)");
}

/* Zeroes the bits of a[0..len) beyond the first `bits`; returns whether
 * any was set. */
static int
clear_host_bits(uint8_t *a, size_t len, unsigned bits)
{
	int set = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t keep;

		if (bits >= 8 * (i + 1))
			keep = 0xff;
		else if (bits <= 8 * i)
			keep = 0;
		else
			keep = (uint8_t)(0xff << (8 * (i + 1) - bits));
		if (a[i] & ~keep)
			set = 1;
		a[i] &= keep;
	}
	return set;
}

static int
norm_ipv4(struct px_buf *out, const char *v, int need_prefix)
{
	const char *slash = strchr(v, '/');
	size_t n = slash ? (size_t)(slash - v) : strlen(v);
	unsigned bits = 32;
	uint8_t a[4];
	int rc;

	if ((rc = parse_v4(a, v, n, v)) < 0)
		return rc;
	if (slash == NULL && need_prefix)
		return fail(v,
		    "has no prefix length (expected a network like "
		    "192.0.2.0/24)");
	if (slash != NULL && (rc = parse_prefix(&bits, slash + 1, 32, v)) < 0)
		return rc;
	if (clear_host_bits(a, 4, bits))
		return fail(v,
		    "is not a network address: host bits are set (did you "
		    "mean %u.%u.%u.%u/%u?)",
		    a[0], a[1], a[2], a[3], bits);
	px_buf_putf(out, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	/* A /32 is the address itself: one spelling only. */
	if (bits != 32)
		px_buf_putf(out, "/%u", bits);
	return 0;
}

/*
 * Writes a[16] as RFC 5952 text into out[INET6_ADDRSTRLEN]: lowercase hex
 * without leading zeros, the longest run of two or more zero groups (the
 * first, on a tie) as "::", and IPv4-mapped addresses as ::ffff:a.b.c.d.
 */
static void
format_v6(char *out, const uint8_t a[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
		0xff };
	unsigned w[8];
	int best = -1, best_len = 0, i, j;
	size_t n = 0, cap = INET6_ADDRSTRLEN;

	if (memcmp(a, mapped, sizeof(mapped)) == 0) {
		snprintf(
		    out, cap, "::ffff:%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
		return;
	}
	for (i = 0; i < 8; i++)
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	for (i = 0; i < 8; i = j + 1) {
		for (j = i; j < 8 && w[j] == 0; j++)
			;
		if (j - i > best_len && j - i >= 2) {
			best = i;
			best_len = j - i;
		}
	}
	for (i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				n += (size_t)snprintf(out + n, cap - n, "::");
			continue;
		}
		if (i > 0 && i != best + best_len)
			n += (size_t)snprintf(out + n, cap - n, ":");
		n += (size_t)snprintf(out + n, cap - n, "%x", w[i]);
	}
	out[n] = '\0';
}

/* Parses IPv6 text from s[0..n) with inet_pton, which takes every valid
 * spelling (any case, leading zeros, "::", embedded dotted quad). */
static int
parse_v6(uint8_t a[16], const char *s, size_t n, const char *input)
{
	char tmp[INET6_ADDRSTRLEN];

	if (memchr(s, '%', n) != NULL)
		return fail(input,
		    "has a zone index, which is only meaningful "
		    "on one host (expected a plain IPv6 "
		    "address)");
	if (n >= sizeof(tmp))
		goto bad;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET6, tmp, a) != 1)
		goto bad;
	return 0;
bad:
	return fail(input,
	    "is not an IPv6 address (expected something like 2001:db8::1)");
}

static int
norm_ipv6(struct px_buf *out, const char *v, int need_prefix)
{
	const char *slash = strchr(v, '/');
	size_t n = slash ? (size_t)(slash - v) : strlen(v);
	char text[INET6_ADDRSTRLEN];
	unsigned bits = 128;
	uint8_t a[16];
	int rc;

	if ((rc = parse_v6(a, v, n, v)) < 0)
		return rc;
	if (slash == NULL && need_prefix)
		return fail(v,
		    "has no prefix length (expected a network like "
		    "2001:db8::/32)");
	if (slash != NULL && (rc = parse_prefix(&bits, slash + 1, 128, v)) < 0)
		return rc;
	if (clear_host_bits(a, 16, bits)) {
		format_v6(text, a);
		return fail(v,
		    "is not a network address: host bits are set (did you "
		    "mean %s/%u?)",
		    text, bits);
	}
	format_v6(text, a);
	px_buf_puts(out, text);
	if (bits != 128)
		px_buf_putf(out, "/%u", bits);
	return 0;
}

static int norm_domain(struct px_buf *out, const char *v);

/*
 * An internationalised domain name ("例子.中国") is written in its ASCII
 * form ("xn--fsqu00a.xn--fiqs8s") as IDNA2008 with the UTS #46 mapping
 * says (non-transitional, as browsers do), so that people need not convert
 * by hand and one name has one spelling on the wire.
 */
static int
norm_idn(struct px_buf *out, const char *v)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t n = strlen(v), k, ill;
	char *ascii = NULL;
	int rc;

	/* What the mapping would drop or change silently must be refused
	 * here: an indicator is never rewritten into another name. */
	while (n > 0) {
		if ((k = px_utf8_seq(p, n, &ill)) == 0)
			return fail(v,
			    "is not a domain name: it is not valid "
			    "UTF-8");
		if (k == 1 && !is_digit(*p) &&
		    !(lower((char)*p) >= 'a' && lower((char)*p) <= 'z') &&
		    *p != '-' && *p != '.')
			return fail(v,
			    "is not a domain name: '%c' is not allowed "
			    "(letters, digits and '-' only)",
			    *p < 0x20 || *p == 0x7f ? '?' : *p);
		p += k;
		n -= k;
	}
	rc = idn2_to_ascii_8z(v, &ascii, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK) {
		idn2_free(ascii);
		return fail(v, "is not an internationalised domain name (%s)",
		    idn2_strerror(rc));
	}
	for (const char *q = ascii; *q; q++) {
		if ((unsigned char)*q >= 0x80) {
			idn2_free(ascii);
			return fail(v, "is not a domain name");
		}
	}
	rc = norm_domain(out, ascii);
	idn2_free(ascii);
	return rc;
}

/*
 * Checks a host name and writes it in lowercase.  One trailing dot (the
 * DNS root) is dropped.  A name whose last label is all digits is refused:
 * no top-level domain is numeric, so it is an address in disguise.
 */
static int
norm_domain(struct px_buf *out, const char *v)
{
	size_t len = strlen(v), i, label = 0, labels = 0;
	int digits_only = 1, last_numeric = 0;
	char c;

	if (len == 0)
		return fail(v, "is not a domain name: it is empty");
	for (i = 0; i < len; i++) {
		if ((unsigned char)v[i] >= 0x80)
			return norm_idn(out, v);
	}
	if (len > 1 && v[len - 1] == '.')
		len--;
	if (len > DOMAIN_MAX)
		return fail(v,
		    "is longer than %d characters, the most a "
		    "domain name may have",
		    DOMAIN_MAX);
	for (i = 0; i <= len; i++) {
		c = i < len ? lower(v[i]) : '.';
		if (c == '.') {
			if (label == 0)
				return fail(v,
				    "is not a domain name: it has "
				    "an empty label");
			if (label > LABEL_MAX)
				return fail(v,
				    "is not a domain name: a label is longer "
				    "than %d characters",
				    LABEL_MAX);
			if (v[i - 1] == '-' || v[i - label] == '-')
				return fail(v,
				    "is not a domain name: a label "
				    "starts or ends with '-'");
			labels++;
			label = 0;
			last_numeric = digits_only;
			digits_only = 1;
			continue;
		}
		if (!(c >= 'a' && c <= 'z') && !is_digit(c) && c != '-') {
			if ((unsigned char)c < 0x20 || c == 0x7f)
				return fail(v,
				    "is not a domain name: it "
				    "contains a control character");
			return fail(v,
			    "is not a domain name: '%c' is not allowed "
			    "(letters, digits and '-' only)",
			    c);
		}
		if (!is_digit(c))
			digits_only = 0;
		label++;
	}
	if (labels < 2)
		return fail(v,
		    "is not a domain name: it needs at least two "
		    "labels, like example.com");
	if (last_numeric)
		return fail(v,
		    "is not a domain name: its last label is "
		    "numeric (for an address use ip:)");
	for (i = 0; i < len; i++) {
		c = lower(v[i]);
		px_buf_put(out, &c, 1);
	}
	return 0;
}

/*
 * Copies a URL's userinfo, path, query or fragment, normalised as RFC 3986
 * section 6.2.2 describes: percent escapes in uppercase hex, escapes of
 * unreserved characters decoded, and bytes beyond ASCII escaped (we keep
 * URLs ASCII so that they compare as strings).  A '%' that starts no
 * escape is itself escaped as "%25": left alone, "%6%43" would become
 * "%6C" on the first pass and "l" on the second.
 */
static void
put_url_part(struct px_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int hi, lo;

		if (c == '%' && i + 2 < n &&
		    (hi = px_hex_digit(s[i + 1])) >= 0 &&
		    (lo = px_hex_digit(s[i + 2])) >= 0) {
			char d = (char)(hi << 4 | lo);

			if ((d >= 'A' && d <= 'Z') || (d >= 'a' && d <= 'z') ||
			    is_digit(d) || d == '-' || d == '.' || d == '_' ||
			    d == '~')
				px_buf_put(out, &d, 1);
			else
				px_buf_putf(out, "%%%c%c", hex[hi], hex[lo]);
			i += 2;
		} else if (c >= 0x80 || c == '%') {
			px_buf_putf(out, "%%%c%c", hex[c >> 4], hex[c & 0xf]);
		} else {
			px_buf_put(out, &s[i], 1);
		}
	}
}

static int
norm_host(struct px_buf *out, const char *host)
{
	uint8_t a[16];
	char text[INET6_ADDRSTRLEN];
	size_t n = strlen(host);
	int rc;

	if (host[0] == '[') {
		if (n < 2 || host[n - 1] != ']')
			return fail(host,
			    "is not a host (expected a name or an "
			    "IPv6 address in brackets)");
		if ((rc = parse_v6(a, host + 1, n - 2, host)) < 0)
			return rc;
		format_v6(text, a);
		px_buf_putf(out, "[%s]", text);
		return 0;
	}
	/* Digits and dots only: an IPv4 address or nothing. */
	if (strspn(host, "0123456789.") == n)
		return norm_ipv4(out, host, 0);
	return norm_domain(out, host);
}

static int
norm_url(struct px_buf *out, const char *v)
{
	static const struct {
		const char *scheme;
		unsigned port;
	} schemes[] = {
		{ "http", 80 },
		{ "https", 443 },
		{ "ftp", 21 },
		{ "ftps", 990 },
	};
	const char *sep = strstr(v, "://"), *auth, *end, *at, *hp, *colon;
	char *host = NULL;
	size_t i, n, start = out->len;
	unsigned port = 0;
	int rc, k = -1;

	for (i = 0; v[i] != '\0'; i++) {
		if ((unsigned char)v[i] <= 0x20 || v[i] == 0x7f) {
			rc = fail(v,
			    "is not a URL: it contains a space or a "
			    "control character (percent-encode it)");
			goto out;
		}
	}
	if (sep == NULL || sep == v) {
		rc = fail(v,
		    "is not a URL (expected http://, https://, ftp:// "
		    "or ftps:// and a host)");
		goto out;
	}
	n = (size_t)(sep - v);
	for (i = 0; i < PX_ARRAY_LEN(schemes); i++) {
		if (n == strlen(schemes[i].scheme) &&
		    strncasecmp(v, schemes[i].scheme, n) == 0)
			k = (int)i;
	}
	if (k < 0) {
		rc = fail(v,
		    "has an unsupported scheme (expected http, https, "
		    "ftp or ftps)");
		goto out;
	}
	auth = sep + 3;
	end = auth + strcspn(auth, "/?#");
	/* The last '@' ends the userinfo: a host cannot contain one. */
	for (at = NULL, hp = auth; hp < end; hp++)
		if (*hp == '@')
			at = hp;
	hp = at ? at + 1 : auth;
	/* The port follows the last ':' unless that is inside [v6]. */
	colon = NULL;
	for (const char *p = hp; p < end; p++) {
		if (*p == ':')
			colon = p;
		else if (*p == ']')
			colon = NULL;
	}
	host = px_strndup(hp, (size_t)((colon ? colon : end) - hp));
	if (host[0] == '\0') {
		rc = fail(v, "is not a URL: it has no host");
		goto out;
	}
	if (colon != NULL) {
		const char *p;

		for (p = colon + 1; p < end && is_digit(*p); p++) {
			port = port * 10 + (unsigned)(*p - '0');
			if (port > 65535)
				break;
		}
		if (p != end || port > 65535 || (port == 0 && p > colon + 1)) {
			rc = fail(v,
			    "has an invalid port (expected 1 to "
			    "65535)");
			goto out;
		}
	}
	px_buf_putf(out, "%s://", schemes[k].scheme);
	if (at != NULL) {
		put_url_part(out, auth, (size_t)(at - auth));
		px_buf_puts(out, "@");
	}
	if ((rc = norm_host(out, host)) < 0) {
		char q[100];

		show(q, sizeof(q), v);
		px_error_prefix("'%s' has an invalid host", q);
		goto out;
	}
	/* The scheme's default port is the same URL without it. */
	if (port != 0 && port != schemes[k].port)
		px_buf_putf(out, ":%u", port);
	/* An empty path is "/" for these schemes (RFC 3986 6.2.3). */
	if (*end != '/')
		px_buf_puts(out, "/");
	put_url_part(out, end, strlen(end));
	if (out->len - start > URL_MAX) {
		rc = fail(v, "is longer than %d bytes, the most a URL may have",
		    URL_MAX);
		goto out;
	}
	rc = 0;
out:
	free(host);
	return rc;
}

static int
norm_email(struct px_buf *out, const char *v)
{
	const char *at = strchr(v, '@');
	size_t local, i;
	int rc;

	if (at == NULL)
		return fail(v,
		    "is not an e-mail address (expected "
		    "local@domain)");
	if (strchr(at + 1, '@') != NULL)
		return fail(v,
		    "is not an e-mail address: it has more than "
		    "one '@'");
	local = (size_t)(at - v);
	if (local == 0 || local > LOCAL_MAX)
		return fail(v,
		    "is not an e-mail address: the part before '@' must have "
		    "1 to %d characters",
		    LOCAL_MAX);
	for (i = 0; i < local; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c <= 0x20 || c >= 0x7f)
			return fail(v,
			    "is not an e-mail address: the part before '@' "
			    "must be printable ASCII without spaces");
	}
	px_buf_put(out, v, local + 1);
	if ((rc = norm_domain(out, at + 1)) < 0) {
		char q[100];

		show(q, sizeof(q), v);
		px_error_prefix("'%s' has an invalid domain", q);
	}
	return rc;
}

/* algo: an index into hashes[], or -1 to take "algo:hex" or guess it from
 * the number of digits. */
static int
norm_file(struct px_buf *out, const char *v, int algo)
{
	const char *hex = v, *colon = strchr(v, ':');
	size_t n, i;

	if (algo < 0 && colon != NULL) {
		n = (size_t)(colon - v);
		for (i = 0; i < PX_ARRAY_LEN(hashes); i++) {
			if (n == strlen(hashes[i].name) &&
			    strncasecmp(v, hashes[i].name, n) == 0)
				algo = (int)i;
		}
		if (algo < 0)
			return fail(v,
			    "names an unknown hash algorithm "
			    "(expected md5:, sha1:, sha256: or "
			    "sha512: and hex digits)");
		hex = colon + 1;
	}
	n = strlen(hex);
	if (algo < 0) {
		for (i = 0; i < PX_ARRAY_LEN(hashes); i++) {
			if (n == hashes[i].hexlen)
				algo = (int)i;
		}
		if (algo < 0)
			return fail(v,
			    "is not a file hash: %zu digits match no algorithm "
			    "(expected 32 for MD5, 40 for SHA-1, 64 for "
			    "SHA-256 or 128 for SHA-512)",
			    n);
	}
	for (i = 0; i < n && px_hex_digit(hex[i]) >= 0; i++)
		;
	if (i != n || n != hashes[algo].hexlen)
		return fail(v, "is not an %s hash (expected %zu hex digits)",
		    hashes[algo].display, hashes[algo].hexlen);
	px_buf_putf(out, "%s:", hashes[algo].name);
	for (i = 0; i < n; i++)
		px_buf_putf(out, "%c", lower(hex[i]));
	return 0;
}

/*
 * CVE-YYYY-NNNN: the sequence has at least four digits, and leading zeros
 * only to make up four, so "CVE-2014-00160" is normalised to
 * "CVE-2014-0160".
 */
static int
norm_cve(struct px_buf *out, const char *v)
{
	const char *p = v, *seq;
	unsigned year = 0;
	size_t n, i;

	if (strncasecmp(p, "cve-", 4) == 0)
		p += 4;
	for (i = 0; i < 4 && is_digit(p[i]); i++)
		year = year * 10 + (unsigned)(p[i] - '0');
	if (i != 4 || p[4] != '-')
		goto bad;
	seq = p + 5;
	n = strlen(seq);
	if (n < 4 || strspn(seq, "0123456789") != n)
		goto bad;
	if (year < 1999 || year > 2100)
		return fail(v,
		    "is not a CVE identifier: the year must be "
		    "1999 to 2100");
	while (n > 4 && seq[0] == '0') {
		seq++;
		n--;
	}
	px_buf_putf(out, "CVE-%u-%s", year, seq);
	return 0;
bad:
	return fail(v,
	    "is not a CVE identifier (expected CVE-YYYY-NNNN, "
	    "like CVE-2021-44228)");
}

static int
norm_asn(struct px_buf *out, const char *v)
{
	const char *p = v;
	uint64_t n = 0;

	if (strncasecmp(p, "as", 2) == 0)
		p += 2;
	if (*p == '\0' || strspn(p, "0123456789") != strlen(p))
		return fail(v,
		    "is not an AS number (expected AS64500 or "
		    "64500)");
	for (; *p != '\0'; p++) {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > UINT32_MAX)
			break;
	}
	if (n == 0 || n > UINT32_MAX)
		return fail(v,
		    "is not an AS number: it must be 1 to "
		    "4294967295");
	px_buf_putf(out, "AS%llu", (unsigned long long)n);
	return 0;
}

/* Runs the normaliser for `kind`, setting *type from it. */
static int
normalise(
    struct px_buf *out, enum px_obs_type *type, enum kind kind, const char *v)
{
	int v6 = strchr(v, ':') != NULL;

	switch (kind) {
	case K_IP:
	case K_CIDR:
		*type = v6 ? PX_OBS_IPV6 : PX_OBS_IPV4;
		return v6 ? norm_ipv6(out, v, kind == K_CIDR)
		          : norm_ipv4(out, v, kind == K_CIDR);
	case K_IPV4:
		*type = PX_OBS_IPV4;
		return norm_ipv4(out, v, 0);
	case K_IPV6:
		*type = PX_OBS_IPV6;
		return norm_ipv6(out, v, 0);
	case K_DOMAIN:
		*type = PX_OBS_DOMAIN;
		return norm_domain(out, v);
	case K_URL:
		*type = PX_OBS_URL;
		return norm_url(out, v);
	case K_EMAIL:
		*type = PX_OBS_EMAIL;
		return norm_email(out, v);
	case K_MD5:
	case K_SHA1:
	case K_SHA256:
	case K_SHA512:
		*type = PX_OBS_FILE;
		return norm_file(out, v, (int)(kind - K_MD5));
	case K_HASH:
		*type = PX_OBS_FILE;
		return norm_file(out, v, -1);
	case K_CVE:
		*type = PX_OBS_CVE;
		return norm_cve(out, v);
	case K_ASN:
		*type = PX_OBS_ASN;
		return norm_asn(out, v);
	}
	return px_error_set(PX_ERR, "unknown observable kind %d", (int)kind);
}

/* Appends s[0..n) to out with the defanging conventions undone. */
static void
refang(struct px_buf *out, const char *s, size_t n)
{
	size_t i = 0, j, k;

	while (i < n) {
		for (j = 0; j < PX_ARRAY_LEN(fangs); j++) {
			k = strlen(fangs[j].from);
			if (n - i >= k &&
			    strncasecmp(s + i, fangs[j].from, k) == 0)
				break;
		}
		if (j < PX_ARRAY_LEN(fangs)) {
			px_buf_put(out, &fangs[j].to, 1);
			i += k;
		} else {
			px_buf_put(out, s + i, 1);
			i++;
		}
	}
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* True if s is all hex digits. */
static int
all_hex(const char *s)
{
	return *s && strspn(s, "0123456789abcdefABCDEF") == strlen(s);
}

/*
 * The kind a bare value looks like, in the console's order: a network
 * (address/bits), an address, a URL (scheme://), a mail address, a CVE,
 * an AS number, a hash (hex of a hash's length), else a name with a dot.
 * The normaliser then checks the value as that kind.  PX_EINVAL, with no
 * message, when it looks like none.
 */
static int
guess(enum kind *kind, const char *v)
{
	size_t n = strlen(v), k;
	const char *slash = strchr(v, '/');

	if (slash && slash > v &&
	    strspn(slash + 1, "0123456789") == strlen(slash + 1) && slash[1] &&
	    strspn(v, "0123456789abcdefABCDEF:.") == (size_t)(slash - v)) {
		*kind = K_CIDR;
		return 0;
	}
	if (strspn(v, "0123456789.") == n && strchr(v, '.')) {
		*kind = K_IPV4;
		return 0;
	}
	if (strchr(v, ':') && strspn(v, "0123456789abcdefABCDEF:.") == n) {
		*kind = K_IPV6;
		return 0;
	}
	k = strspn(v,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789+.-");
	if (k > 0 && strncmp(v + k, "://", 3) == 0) {
		*kind = K_URL;
		return 0;
	}
	if (strchr(v, '@') && !strpbrk(v, " \t")) {
		*kind = K_EMAIL;
		return 0;
	}
	if (strncasecmp(v, "cve-", 4) == 0 && is_digit(v[4])) {
		*kind = K_CVE;
		return 0;
	}
	if (strncasecmp(v, "as", 2) == 0 && v[2] &&
	    strspn(v + 2, "0123456789") == n - 2) {
		*kind = K_ASN;
		return 0;
	}
	if (all_hex(v) && (n == 32 || n == 40 || n == 64 || n == 128)) {
		*kind = K_HASH;
		return 0;
	}
	if (strchr(v, '.') && !strpbrk(v, " \t/:@")) {
		*kind = K_DOMAIN;
		return 0;
	}
	return PX_EINVAL;
}

int
px_obs_parse_cli(struct px_observable *out, const char *s)
{
	struct px_buf val, norm;
	const char *end, *colon, *p;
	enum px_obs_type type = PX_OBS_IPV4;
	enum kind kind = K_IP;
	size_t n, i;
	int rc, found = 0;

	out->type = PX_OBS_IPV4;
	out->value = NULL;
	px_buf_init(&val, OUT_CAP);
	px_buf_init(&norm, OUT_CAP);
	if (s == NULL) {
		rc = px_error_set(PX_EINVAL, "no observable given");
		goto out;
	}
	n = strlen(s);
	if (n > MAX_INPUT) {
		rc = fail(s, "is too long for an observable (at most %d bytes)",
		    MAX_INPUT);
		goto out;
	}
	while (is_space(*s))
		s++;
	for (end = s + strlen(s); end > s && is_space(end[-1]); end--)
		;
	colon = memchr(s, ':', (size_t)(end - s));
	n = colon ? (size_t)(colon - s) : 0;
	for (i = 0; colon && i < PX_ARRAY_LEN(cli_types) && !found; i++) {
		if (n == strlen(cli_types[i].name) &&
		    strncasecmp(s, cli_types[i].name, n) == 0) {
			kind = cli_types[i].kind;
			found = 1;
		}
	}
	for (i = 0; colon && i < PX_ARRAY_LEN(wire_types) && !found; i++) {
		if (n == strlen(wire_types[i].name) &&
		    strncasecmp(s, wire_types[i].name, n) == 0) {
			kind = wire_types[i].kind;
			found = 1;
		}
	}
	for (p = found ? colon + 1 : s; p < end && is_space(*p); p++)
		;
	refang(&val, p, (size_t)(end - p));
	if (val.len == 0 && !found) {
		rc = px_error_set(PX_EINVAL, "no observable given");
		goto out;
	}
	if (val.len == 0) {
		char *t = px_strndup(s, (size_t)(end - s));

		rc = fail(t, "has no value after the type");
		free(t);
		goto out;
	}
	/* hxxp://, hxxps:// (any case); px_buf keeps a NUL after. */
	if ((!found || kind == K_URL) &&
	    strncasecmp(val.data, "hxxp", 4) == 0 &&
	    (val.data[4] == ':' ||
	        (lower(val.data[4]) == 's' && val.data[5] == ':'))) {
		val.data[1] = 't';
		val.data[2] = 't';
	}
	/* A bare value, as the console takes it: the type is what it looks
	 * like (the same guesses as the console's form, src/web/static). */
	if (!found && (rc = guess(&kind, val.data)) < 0) {
		char *t = px_strndup(s, colon ? n : (size_t)(end - s));

		if (colon &&
		    strspn(t,
		        "abcdefghijklmnopqrstuvwxyz"
		        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n &&
		    strncmp(colon, "://", 3) != 0)
			rc = fail(t,
			    "is not an observable type (expected ip, ipv4, "
			    "ipv6, cidr, domain, url, email, md5, sha1, "
			    "sha256, sha512, hash, file, cve, asn or a STIX "
			    "name like ipv4-addr)");
		else
			rc = fail(t,
			    "is not an observable parley recognises: write "
			    "TYPE:VALUE (for example ip:192.0.2.1 or "
			    "domain:example.com)");
		free(t);
		goto out;
	}
	if ((rc = normalise(&norm, &type, kind, val.data)) < 0)
		goto out;
	out->type = type;
	out->value = px_buf_detach(&norm, NULL);
	rc = 0;
out:
	px_buf_dispose(&val);
	px_buf_dispose(&norm);
	return rc;
}

int
px_obs_from_wire(struct px_observable *out, const char *type, const char *value)
{
	struct px_buf norm;
	enum px_obs_type t = PX_OBS_IPV4;
	size_t i;
	int rc, k = -1;

	out->type = PX_OBS_IPV4;
	out->value = NULL;
	px_buf_init(&norm, OUT_CAP);
	if (type == NULL || value == NULL) {
		rc = px_error_set(PX_EINVAL, "observable without %s",
		    type == NULL ? "a type" : "a value");
		goto out;
	}
	for (i = 0; i < PX_ARRAY_LEN(wire_types); i++) {
		if (strcmp(type, wire_types[i].name) == 0)
			k = (int)i;
	}
	if (k < 0) {
		rc = fail(type,
		    "is not an observable type (expected ipv4-addr, "
		    "ipv6-addr, domain-name, url, email-addr, file, "
		    "vulnerability or autonomous-system)");
		goto out;
	}
	if (strlen(value) > MAX_INPUT) {
		rc = fail(value,
		    "is too long for an observable (at most %d "
		    "bytes)",
		    MAX_INPUT);
		goto out;
	}
	if ((rc = normalise(&norm, &t, wire_types[k].kind, value)) < 0)
		goto out;
	if (strcmp(norm.data, value) != 0) {
		rc = fail(value, "is not in normal form for %s (expected '%s')",
		    type, norm.data);
		goto out;
	}
	out->type = t;
	out->value = px_buf_detach(&norm, NULL);
	rc = 0;
out:
	px_buf_dispose(&norm);
	return rc;
}

void
px_obs_dispose(struct px_observable *o)
{
	if (o == NULL)
		return;
	free(o->value);
	o->value = NULL;
}

const char *
px_obs_type_name(enum px_obs_type t)
{
	if ((unsigned)t >= PX_ARRAY_LEN(wire_types))
		return NULL;
	return wire_types[t].name;
}

char *
px_obs_unicode(const char *type, const char *value)
{
	const char *host = value, *end;
	char *name, *u = NULL, *out = NULL;

	if (type == NULL || value == NULL)
		return NULL;
	if (strcmp(type, "url") == 0) {
		if ((host = strstr(value, "://")) == NULL)
			return NULL;
		host += 3;
		if (strchr(host, '@') &&
		    strchr(host, '@') < host + strcspn(host, "/?#"))
			host = strchr(host, '@') + 1;
		end = host + strcspn(host, ":/?#");
	} else if (strcmp(type, "email-addr") == 0) {
		if ((host = strchr(value, '@')) == NULL)
			return NULL;
		host++;
		end = host + strlen(host);
	} else if (strcmp(type, "domain-name") == 0) {
		end = host + strlen(host);
	} else {
		return NULL;
	}
	name = px_strndup(host, (size_t)(end - host));
	if (strstr(name, "xn--") != NULL &&
	    idn2_to_unicode_8z8z(name, &u, 0) == IDN2_OK && u &&
	    strcmp(u, name) != 0)
		out =
		    px_asprintf("%.*s%s%s", (int)(host - value), value, u, end);
	idn2_free(u);
	free(name);
	return out;
}
