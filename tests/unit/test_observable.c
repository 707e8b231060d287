#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "model/observable.h"
#include "util/util.h"

#define MD5_EMPTY  "d41d8cd98f00b204e9800998ecf8427e"
#define SHA1_EMPTY "da39a3ee5e6b4b0d3255bfef95601890afd80709"
#define SHA256_EMPTY \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA512_EMPTY                                                       \
	"cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce" \
	"47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"

struct ok_case {
	const char *in;
	enum px_obs_type type;
	const char *want;
};

struct bad_case {
	const char *in;
	const char *part; /* expected somewhere in the message */
};

static const struct ok_case cli_ok[] = {
	/* IPv4 and networks */
	{ "ip:192.0.2.1", PX_OBS_IPV4, "192.0.2.1" },
	{ "  IP:192.0.2.1 \n", PX_OBS_IPV4, "192.0.2.1" },
	{ "ip: 0.0.0.0", PX_OBS_IPV4, "0.0.0.0" },
	{ "ipv4:255.255.255.255", PX_OBS_IPV4, "255.255.255.255" },
	{ "ipv4:10.0.0.0/8", PX_OBS_IPV4, "10.0.0.0/8" },
	{ "cidr:192.0.2.0/24", PX_OBS_IPV4, "192.0.2.0/24" },
	{ "cidr:192.0.2.0/024", PX_OBS_IPV4, "192.0.2.0/24" },
	{ "cidr:192.0.2.1/32", PX_OBS_IPV4, "192.0.2.1" },
	{ "ip:0.0.0.0/0", PX_OBS_IPV4, "0.0.0.0/0" },
	{ "ipv4-addr:198.51.100.7", PX_OBS_IPV4, "198.51.100.7" },
	/* IPv6, RFC 5952 */
	{ "ip:2001:DB8:0:0:0:0:0:1", PX_OBS_IPV6, "2001:db8::1" },
	{ "ipv6:2001:0db8:0000:0000:0001:0000:0000:0000", PX_OBS_IPV6,
	    "2001:db8:0:0:1::" },
	{ "ipv6:2001:db8:0:0:1:0:0:1", PX_OBS_IPV6, "2001:db8::1:0:0:1" },
	{ "ipv6:2001:db8:0:1:1:1:1:1", PX_OBS_IPV6, "2001:db8:0:1:1:1:1:1" },
	{ "ipv6:::", PX_OBS_IPV6, "::" },
	{ "ipv6:::1", PX_OBS_IPV6, "::1" },
	{ "ipv6:1::", PX_OBS_IPV6, "1::" },
	{ "ipv6:::ffff:c000:0201", PX_OBS_IPV6, "::ffff:192.0.2.1" },
	{ "ip:::FFFF:192.0.2.1", PX_OBS_IPV6, "::ffff:192.0.2.1" },
	/* Deprecated IPv4-compatible form: hex, not dotted. */
	{ "ipv6:::1.2.3.4", PX_OBS_IPV6, "::102:304" },
	{ "cidr:2001:DB8::/32", PX_OBS_IPV6, "2001:db8::/32" },
	{ "ipv6:2001:db8::1/128", PX_OBS_IPV6, "2001:db8::1" },
	{ "ipv6-addr:fe80::/10", PX_OBS_IPV6, "fe80::/10" },
	/* Defanged addresses */
	{ "ip:192[.]0[.]2[.]1", PX_OBS_IPV4, "192.0.2.1" },
	{ "ip:192(.)0{.}2[DOT]1", PX_OBS_IPV4, "192.0.2.1" },
	{ "ip:2001:db8[:][:]1", PX_OBS_IPV6, "2001:db8::1" },
	/* Domains */
	{ "domain:Example[.]COM", PX_OBS_DOMAIN, "example.com" },
	{ "domain:www.example.com.", PX_OBS_DOMAIN, "www.example.com" },
	{ "domain-name:xn--bcher-kva.example", PX_OBS_DOMAIN,
	    "xn--bcher-kva.example" },
	{ "DOMAIN:a-1.b2.c0m", PX_OBS_DOMAIN, "a-1.b2.c0m" },
	/* URLs */
	{ "url:hxxp://evil[.]example/a?b=1", PX_OBS_URL,
	    "http://evil.example/a?b=1" },
	{ "url:hXXps[:]//EVIL.example:443", PX_OBS_URL,
	    "https://evil.example/" },
	{ "url:HTTP://Example.com:8080/Path%2f%7e%41?q=%3d#F", PX_OBS_URL,
	    "http://example.com:8080/Path%2F~A?q=%3D#F" },
	{ "url:ftp://user:pw@ftp.example.org/pub/", PX_OBS_URL,
	    "ftp://user:pw@ftp.example.org/pub/" },
	{ "url:ftps://ftp.example.org:990", PX_OBS_URL,
	    "ftps://ftp.example.org/" },
	{ "url:http://[2001:DB8::1]:80/x", PX_OBS_URL,
	    "http://[2001:db8::1]/x" },
	{ "url:https://[2001:db8::1]:8443", PX_OBS_URL,
	    "https://[2001:db8::1]:8443/" },
	{ "url:http://192.0.2.1?x=1", PX_OBS_URL, "http://192.0.2.1/?x=1" },
	{ "url:http://example.com:/", PX_OBS_URL, "http://example.com/" },
	{ "url:https://example.com/\xc3\xbc%zz%", PX_OBS_URL,
	    "https://example.com/%C3%BC%25zz%25" },
	{ "url:http://example.com/a%6%43", PX_OBS_URL,
	    "http://example.com/a%256C" },
	{ "url:http://a@b@example.com/", PX_OBS_URL,
	    "http://a@b@example.com/" },
	/* E-mail */
	{ "email:Alice.Smith+tag@Example.COM", PX_OBS_EMAIL,
	    "Alice.Smith+tag@example.com" },
	{ "email:abuse[@]example[.]org", PX_OBS_EMAIL, "abuse@example.org" },
	{ "email:abuse[AT]example[dot]org", PX_OBS_EMAIL, "abuse@example.org" },
	{ "email-addr:x@mail.example.org", PX_OBS_EMAIL, "x@mail.example.org" },
	/* File hashes */
	{ "md5:D41D8CD98F00B204E9800998ECF8427E", PX_OBS_FILE,
	    "md5:" MD5_EMPTY },
	{ "sha1:" SHA1_EMPTY, PX_OBS_FILE, "sha1:" SHA1_EMPTY },
	{ "SHA256:" SHA256_EMPTY, PX_OBS_FILE, "sha256:" SHA256_EMPTY },
	{ "sha512:" SHA512_EMPTY, PX_OBS_FILE, "sha512:" SHA512_EMPTY },
	{ "hash:" MD5_EMPTY, PX_OBS_FILE, "md5:" MD5_EMPTY },
	{ "hash:" SHA1_EMPTY, PX_OBS_FILE, "sha1:" SHA1_EMPTY },
	{ "hash:" SHA256_EMPTY, PX_OBS_FILE, "sha256:" SHA256_EMPTY },
	{ "hash:" SHA512_EMPTY, PX_OBS_FILE, "sha512:" SHA512_EMPTY },
	{ "file:SHA256:" SHA256_EMPTY, PX_OBS_FILE, "sha256:" SHA256_EMPTY },
	{ "file:" SHA1_EMPTY, PX_OBS_FILE, "sha1:" SHA1_EMPTY },
	/* CVEs */
	{ "cve:cve-2021-44228", PX_OBS_CVE, "CVE-2021-44228" },
	{ "cve:2021-44228", PX_OBS_CVE, "CVE-2021-44228" },
	{ "vulnerability:CVE-2014-0160", PX_OBS_CVE, "CVE-2014-0160" },
	{ "cve:CVE-2014-00160", PX_OBS_CVE, "CVE-2014-0160" },
	{ "cve:CVE-1999-0001", PX_OBS_CVE, "CVE-1999-0001" },
	{ "cve:CVE-2100-1234567", PX_OBS_CVE, "CVE-2100-1234567" },
	/* AS numbers */
	{ "asn:as64500", PX_OBS_ASN, "AS64500" },
	{ "asn:64500", PX_OBS_ASN, "AS64500" },
	{ "ASN:AS064500", PX_OBS_ASN, "AS64500" },
	{ "asn:AS4294967295", PX_OBS_ASN, "AS4294967295" },
	{ "autonomous-system:AS1", PX_OBS_ASN, "AS1" },
	/* Bare values, typed as the console's form types them. */
	{ "203.0.113.7", PX_OBS_IPV4, "203.0.113.7" },
	{ "198.51.100.0/24", PX_OBS_IPV4, "198.51.100.0/24" },
	{ "2001:DB8::1", PX_OBS_IPV6, "2001:db8::1" },
	{ "2001:db8::/32", PX_OBS_IPV6, "2001:db8::/32" },
	{ "hxxps://bank-login[.]example/verify", PX_OBS_URL,
	    "https://bank-login.example/verify" },
	{ "evil[.]example", PX_OBS_DOMAIN, "evil.example" },
	{ "abuse[@]evil[.]example", PX_OBS_EMAIL, "abuse@evil.example" },
	{ "CVE-2021-44228", PX_OBS_CVE, "CVE-2021-44228" },
	{ "as64500", PX_OBS_ASN, "AS64500" },
	{ MD5_EMPTY, PX_OBS_FILE, "md5:" MD5_EMPTY },
	/* Internationalised names become punycode (UTS #46, as browsers). */
	{ "domain:B\xc3\xbc"
	  "cher.example",
	    PX_OBS_DOMAIN, "xn--bcher-kva.example" },
	{ "\xe4\xbe\x8b\xe5\xad\x90.\xe4\xb8\xad\xe5\x9b\xbd", PX_OBS_DOMAIN,
	    "xn--fsqu00a.xn--fiqs8s" },
	{ "url:https://\xe4\xbe\x8b\xe5\xad\x90.example/a", PX_OBS_URL,
	    "https://xn--fsqu00a.example/a" },
	{ "mail@b\xc3\xbc"
	  "cher.example",
	    PX_OBS_EMAIL, "mail@xn--bcher-kva.example" },
};

static const struct bad_case cli_bad[] = {
	{ "hello", "'hello' is not an observable parley recognises" },
	{ "999.1.1.1", "'999.1.1.1' is not an IPv4 address" },
	{ "ip:010.1.1.1",
	    "'010.1.1.1' is ambiguous: an octet has a leading "
	    "zero" },
	{ "ip:10.0.0.1/8",
	    "'10.0.0.1/8' is not a network address: host bits "
	    "are set (did you mean 10.0.0.0/8?)" },
	{ "cidr:2001:db8::1/32",
	    "host bits are set (did you mean "
	    "2001:db8::/32?)" },
	{ "ip:256.1.1.1",
	    "'256.1.1.1' is not an IPv4 address: 256 is larger "
	    "than 255" },
	{ "ip:1.2.3",
	    "'1.2.3' is not an IPv4 address (expected a dotted "
	    "quad" },
	{ "ip:1.2.3.4.5", "is not an IPv4 address" },
	{ "ip:1.2.3.4 5", "is not an IPv4 address" },
	{ "ip:1.2.3.-4", "is not an IPv4 address" },
	{ "ip:1.2.3.4/33",
	    "'1.2.3.4/33' has an invalid prefix length "
	    "(expected /0 to /32)" },
	{ "ip:1.2.3.4/", "invalid prefix length" },
	{ "ip:1.2.3.4/3a", "invalid prefix length" },
	{ "ipv6:2001:db8::/129", "expected /0 to /128" },
	{ "cidr:10.0.0.0", "'10.0.0.0' has no prefix length" },
	{ "cidr:2001:db8::", "has no prefix length" },
	{ "ipv6:fe80::1%eth0", "zone index" },
	{ "ipv6:2001:db8:::1", "'2001:db8:::1' is not an IPv6 address" },
	{ "ipv6:192.0.2.1", "is not an IPv6 address" },
	{ "ipv4:2001:db8::1", "is not an IPv4 address" },
	{ "ip:example.com", "'example.com' is not an IPv4 address" },
	{ "domain:a\xe2\x98\x83.example",
	    "is not an internationalised domain name (string contains a "
	    "disallowed character)" },
	{ "domain:localhost",
	    "'localhost' is not a domain name: it needs at "
	    "least two labels" },
	{ "domain:-bad.example", "starts or ends with '-'" },
	{ "domain:bad-.example", "starts or ends with '-'" },
	{ "domain:a..b", "empty label" },
	{ "domain:.example.com", "empty label" },
	{ "domain:example.com..", "empty label" },
	{ "domain:under_score.example", "'_' is not allowed" },
	{ "domain:*.example.com", "'*' is not allowed" },
	{ "domain:1.2.3.4", "its last label is numeric" },
	{ "domain:", "has no value after the type" },
	{ "url:javascript:alert(1)", "is not a URL (expected http://" },
	{ "url:evil.example/path", "is not a URL" },
	{ "url:gopher://x.example/", "has an unsupported scheme" },
	{ "url:http://exa mple.com/",
	    "contains a space or a control "
	    "character" },
	{ "url:http:///path", "it has no host" },
	{ "url:http://user@/path", "it has no host" },
	{ "url:http://example.com:99999/", "has an invalid port" },
	{ "url:http://example.com:0/", "has an invalid port" },
	{ "url:http://example.com:8o/", "has an invalid port" },
	{ "url:http://ex..ample.com/",
	    "'http://ex..ample.com/' has an "
	    "invalid host: 'ex..ample.com' is not "
	    "a domain name" },
	{ "url:http://[::1/", "is not a host" },
	{ "url:http://[fe80::1%25eth0]/", "zone index" },
	{ "url:http://010.0.0.1/", "is ambiguous" },
	{ "url:http://2130706433/", "is not an IPv4 address" },
	{ "email:no-at-sign.example", "expected local@domain" },
	{ "email:a@b@example.com", "more than one '@'" },
	{ "email:@example.com", "must have 1 to 64 characters" },
	{ "email:a\x01"
	  "b@example.com",
	    "printable ASCII" },
	{ "email:user@localhost",
	    "'user@localhost' has an invalid domain: "
	    "'localhost'" },
	{ "md5:abc", "'abc' is not an MD5 hash (expected 32 hex digits)" },
	{ "md5:" SHA1_EMPTY, "is not an MD5 hash" },
	{ "sha256:gggggggggggggggggggggggggggggggggggggggggggggggggggggggggg"
	  "gggggg",
	    "is not an SHA-256 hash (expected 64 hex digits)" },
	{ "hash:abcdef",
	    "'abcdef' is not a file hash: 6 digits match no "
	    "algorithm" },
	{ "file:sha3:" SHA256_EMPTY, "names an unknown hash algorithm" },
	{ "cve:CVE-1998-0001", "the year must be 1999 to 2100" },
	{ "cve:CVE-2101-0001", "the year must be 1999 to 2100" },
	{ "cve:CVE-2021-123",
	    "'CVE-2021-123' is not a CVE identifier "
	    "(expected CVE-YYYY-NNNN" },
	{ "cve:CVE-21-1234", "is not a CVE identifier" },
	{ "cve:CVE-2021-12a4", "is not a CVE identifier" },
	{ "asn:AS0",
	    "'AS0' is not an AS number: it must be 1 to "
	    "4294967295" },
	{ "asn:AS4294967296", "it must be 1 to 4294967295" },
	{ "asn:AS99999999999999999999999", "it must be 1 to 4294967295" },
	{ "asn:AS1.10", "is not an AS number" },
	{ "asn:AS", "is not an AS number" },
	{ "foo:bar", "'foo' is not an observable type" },
	{ "ipv4-address:1.2.3.4", "is not an observable type" },
	{ "192.0.2.1 example", "is not an observable parley recognises" },
	{ "", "no observable given" },
	{ "ip:", "'ip:' has no value after the type" },
	{ "ip:   ", "has no value after the type" },
};

/* Normal forms the wire path accepts as they are. */
static const struct ok_case wire_ok[] = {
	{ "ipv4-addr", PX_OBS_IPV4, "192.0.2.1" },
	{ "ipv4-addr", PX_OBS_IPV4, "10.0.0.0/8" },
	{ "ipv6-addr", PX_OBS_IPV6, "2001:db8::1" },
	{ "ipv6-addr", PX_OBS_IPV6, "2001:db8::/32" },
	{ "ipv6-addr", PX_OBS_IPV6, "::ffff:192.0.2.1" },
	{ "domain-name", PX_OBS_DOMAIN, "xn--bcher-kva.example" },
	{ "url", PX_OBS_URL, "https://example.com/a%20b?c=%2F#x" },
	{ "url", PX_OBS_URL, "http://[2001:db8::1]:8080/" },
	{ "email-addr", PX_OBS_EMAIL, "Abuse@example.org" },
	{ "file", PX_OBS_FILE, "sha256:" SHA256_EMPTY },
	{ "file", PX_OBS_FILE, "md5:" MD5_EMPTY },
	{ "vulnerability", PX_OBS_CVE, "CVE-2021-44228" },
	{ "autonomous-system", PX_OBS_ASN, "AS64500" },
};

/* (type, value, expected part of the message) */
static const struct {
	const char *type, *value, *part;
} wire_bad[] = {
	{ "ipv4-addr", "192.0.2.1/32",
	    "'192.0.2.1/32' is not in normal form for ipv4-addr (expected "
	    "'192.0.2.1')" },
	{ "ipv4-addr", "192.0.2.0/024", "(expected '192.0.2.0/24')" },
	{ "ipv4-addr", "010.1.1.1", "is ambiguous" },
	{ "ipv4-addr", "10.0.0.1/8", "host bits are set" },
	{ "ipv4-addr", "192.0.2.1 ", "is not an IPv4 address" },
	{ "ipv4-addr", "2001:db8::1", "is not an IPv4 address" },
	{ "ipv6-addr", "2001:DB8::1", "(expected '2001:db8::1')" },
	{ "ipv6-addr", "2001:db8:0:0:0:0:0:1", "(expected '2001:db8::1')" },
	{ "ipv6-addr", "2001:db8::0:1", "(expected '2001:db8::1')" },
	{ "ipv6-addr", "::ffff:c000:201", "(expected '::ffff:192.0.2.1')" },
	{ "ipv6-addr", "::1.2.3.4", "(expected '::102:304')" },
	{ "ipv6-addr", "2001:db8::1/128", "(expected '2001:db8::1')" },
	{ "domain-name", "Example.com", "(expected 'example.com')" },
	{ "domain-name", "example.com.", "(expected 'example.com')" },
	{ "domain-name", "example[.]com", "'[' is not allowed" },
	{ "url", "HTTP://example.com/", "(expected 'http://example.com/')" },
	{ "url", "http://Example.com/", "(expected 'http://example.com/')" },
	{ "url", "http://example.com", "(expected 'http://example.com/')" },
	{ "url", "http://example.com:80/", "(expected 'http://example.com/')" },
	{ "url", "http://example.com/%7e",
	    "(expected 'http://example.com/~')" },
	{ "url", "http://example.com/%2f",
	    "(expected 'http://example.com/%2F')" },
	{ "url", "http://example.com/\xc3\xbc",
	    "(expected 'http://example.com/%C3%BC')" },
	{ "url", "hxxp://example.com/", "unsupported scheme" },
	{ "email-addr", "a@Example.com", "(expected 'a@example.com')" },
	{ "email-addr", "a[@]example.com", "has an invalid domain" },
	{ "file", "md5:D41D8CD98F00B204E9800998ECF8427E",
	    "(expected 'md5:" MD5_EMPTY "')" },
	{ "file", MD5_EMPTY, "(expected 'md5:" MD5_EMPTY "')" },
	{ "file", "MD5:" MD5_EMPTY, "(expected 'md5:" MD5_EMPTY "')" },
	{ "vulnerability", "cve-2021-44228", "(expected 'CVE-2021-44228')" },
	{ "vulnerability", "CVE-2014-00160", "(expected 'CVE-2014-0160')" },
	{ "vulnerability", "2021-44228", "(expected 'CVE-2021-44228')" },
	{ "autonomous-system", "64500", "(expected 'AS64500')" },
	{ "autonomous-system", "as64500", "(expected 'AS64500')" },
	{ "autonomous-system", "AS064500", "(expected 'AS64500')" },
	{ "ipv4", "192.0.2.1", "'ipv4' is not an observable type" },
	{ "IPv4-Addr", "192.0.2.1", "is not an observable type" },
	{ "", "x", "is not an observable type" },
};

static void
test_type_names(void **state)
{
	(void)state;
	assert_string_equal(px_obs_type_name(PX_OBS_IPV4), "ipv4-addr");
	assert_string_equal(px_obs_type_name(PX_OBS_IPV6), "ipv6-addr");
	assert_string_equal(px_obs_type_name(PX_OBS_DOMAIN), "domain-name");
	assert_string_equal(px_obs_type_name(PX_OBS_URL), "url");
	assert_string_equal(px_obs_type_name(PX_OBS_EMAIL), "email-addr");
	assert_string_equal(px_obs_type_name(PX_OBS_FILE), "file");
	assert_string_equal(px_obs_type_name(PX_OBS_CVE), "vulnerability");
	assert_string_equal(px_obs_type_name(PX_OBS_ASN), "autonomous-system");
	assert_null(px_obs_type_name((enum px_obs_type)(PX_OBS_ASN + 1)));
	assert_null(px_obs_type_name((enum px_obs_type) - 1));
}

/* The form people read: internationalised hosts decoded, the rest NULL. */
static void
test_unicode(void **state)
{
	char *u;

	(void)state;
	u = px_obs_unicode("domain-name", "xn--fsqu00a.xn--fiqs8s");
	assert_string_equal(u,
	    "\xe4\xbe\x8b\xe5\xad\x90."
	    "\xe4\xb8\xad\xe5\x9b\xbd");
	free(u);
	u = px_obs_unicode("url", "https://u@xn--bcher-kva.example:8443/xn--a");
	assert_string_equal(u,
	    "https://u@b\xc3\xbc"
	    "cher.example:8443/xn--a");
	free(u);
	u = px_obs_unicode("email-addr", "mail@xn--bcher-kva.example");
	assert_string_equal(u,
	    "mail@b\xc3\xbc"
	    "cher.example");
	free(u);
	assert_null(px_obs_unicode("domain-name", "example.com"));
	assert_null(px_obs_unicode("url", "https://example.com/xn--a"));
	assert_null(px_obs_unicode("ipv4-addr", "192.0.2.1"));
	assert_null(px_obs_unicode(NULL, NULL));
}

/* Every accepted CLI input gives the expected normal form, and the wire
 * path takes that form back unchanged. */
static void
test_cli_ok(void **state)
{
	struct px_observable o, w;
	size_t i;

	(void)state;
	for (i = 0; i < PX_ARRAY_LEN(cli_ok); i++) {
		if (px_obs_parse_cli(&o, cli_ok[i].in) != 0)
			fail_msg(
			    "'%s' refused: %s", cli_ok[i].in, px_error_last());
		if (o.type != cli_ok[i].type ||
		    strcmp(o.value, cli_ok[i].want) != 0)
			fail_msg("'%s' gave %s '%s', want %s '%s'",
			    cli_ok[i].in, px_obs_type_name(o.type), o.value,
			    px_obs_type_name(cli_ok[i].type), cli_ok[i].want);
		if (px_obs_from_wire(&w, px_obs_type_name(o.type), o.value) !=
		    0)
			fail_msg(
			    "wire refused '%s': %s", o.value, px_error_last());
		assert_int_equal(w.type, o.type);
		assert_string_equal(w.value, o.value);
		px_obs_dispose(&w);
		px_obs_dispose(&o);
		assert_null(o.value);
	}
}

static void
test_cli_bad(void **state)
{
	struct px_observable o;
	size_t i;

	(void)state;
	for (i = 0; i < PX_ARRAY_LEN(cli_bad); i++) {
		o.value = (char *)"poison";
		if (px_obs_parse_cli(&o, cli_bad[i].in) != PX_EINVAL)
			fail_msg(
			    "'%s' accepted as '%s'", cli_bad[i].in, o.value);
		assert_null(o.value);
		if (strstr(px_error_last(), cli_bad[i].part) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", cli_bad[i].in,
			    px_error_last(), cli_bad[i].part);
		px_obs_dispose(&o);
	}
	assert_int_equal(px_obs_parse_cli(&o, NULL), PX_EINVAL);
}

static void
test_cli_limits(void **state)
{
	struct px_observable o;
	struct px_buf b;
	int i;

	(void)state;
	/* Longest label and name that are allowed, then one more. */
	px_buf_init(&b, PX_BUF_NOCAP);
	px_buf_puts(&b, "domain:");
	for (i = 0; i < 63; i++)
		px_buf_puts(&b, "a");
	px_buf_puts(&b, ".example");
	assert_int_equal(px_obs_parse_cli(&o, b.data), 0);
	px_obs_dispose(&o);
	px_buf_reset(&b);
	px_buf_puts(&b, "domain:");
	for (i = 0; i < 64; i++)
		px_buf_puts(&b, "a");
	px_buf_puts(&b, ".example");
	assert_int_equal(px_obs_parse_cli(&o, b.data), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "longer than 63"));
	px_buf_reset(&b);
	px_buf_puts(&b, "domain:");
	for (i = 0; i < 63; i++) /* 63 * 4 = 252 characters with dots */
		px_buf_puts(&b, "abc.");
	px_buf_puts(&b, "x");
	assert_int_equal(px_obs_parse_cli(&o, b.data), 0);
	assert_int_equal(strlen(o.value), 253);
	px_obs_dispose(&o);
	px_buf_puts(&b, "y");
	assert_int_equal(px_obs_parse_cli(&o, b.data), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "longer than 253"));
	/* URLs: 2048 bytes, not one more. */
	px_buf_reset(&b);
	px_buf_puts(&b, "url:http://example.com/");
	while (b.len < 4 + 2048)
		px_buf_puts(&b, "a");
	assert_int_equal(px_obs_parse_cli(&o, b.data), 0);
	assert_int_equal(strlen(o.value), 2048);
	px_obs_dispose(&o);
	px_buf_puts(&b, "a");
	assert_int_equal(px_obs_parse_cli(&o, b.data), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "longer than 2048 bytes"));
	/* Absurd input is refused before any work, and quoted short. */
	while (b.len < 10000)
		px_buf_puts(&b, "a");
	assert_int_equal(px_obs_parse_cli(&o, b.data), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "is too long"));
	assert_true(strlen(px_error_last()) < 200);
	px_buf_dispose(&b);
}

static void
test_messages_are_safe(void **state)
{
	struct px_observable o;

	(void)state;
	/* Control bytes in the input never reach the message. */
	assert_int_equal(
	    px_obs_parse_cli(&o, "domain:evil\x1b[31m.example"), PX_EINVAL);
	assert_null(strchr(px_error_last(), '\x1b'));
	assert_non_null(strstr(px_error_last(), "'evil?[31m.example'"));
	/* Nor does invalid UTF-8; valid UTF-8 is shown as it is. */
	assert_int_equal(
	    px_obs_parse_cli(&o, "domain:a\xff\xc3.b\xc3\xbc"), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "'a??.b\xc3\xbc'"));
	/* Long input is cut between characters. */
	assert_int_equal(px_obs_parse_cli(&o,
	                     "domain:\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	                     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	                     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	                     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	                     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	                     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	                     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	                     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	                     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	                     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9_.x"),
	    PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "\xc3\xa9...' is not"));
}

static void
test_wire_ok(void **state)
{
	struct px_observable o;
	size_t i;

	(void)state;
	for (i = 0; i < PX_ARRAY_LEN(wire_ok); i++) {
		if (px_obs_from_wire(&o, wire_ok[i].in, wire_ok[i].want) != 0)
			fail_msg("%s '%s' refused: %s", wire_ok[i].in,
			    wire_ok[i].want, px_error_last());
		assert_int_equal(o.type, wire_ok[i].type);
		assert_string_equal(o.value, wire_ok[i].want);
		px_obs_dispose(&o);
	}
}

static void
test_wire_bad(void **state)
{
	struct px_observable o;
	size_t i;

	(void)state;
	for (i = 0; i < PX_ARRAY_LEN(wire_bad); i++) {
		if (px_obs_from_wire(&o, wire_bad[i].type, wire_bad[i].value) !=
		    PX_EINVAL)
			fail_msg("%s '%s' accepted", wire_bad[i].type,
			    wire_bad[i].value);
		assert_null(o.value);
		if (strstr(px_error_last(), wire_bad[i].part) == NULL)
			fail_msg("%s '%s': message '%s' lacks '%s'",
			    wire_bad[i].type, wire_bad[i].value,
			    px_error_last(), wire_bad[i].part);
	}
	assert_int_equal(px_obs_from_wire(&o, NULL, "x"), PX_EINVAL);
	assert_int_equal(px_obs_from_wire(&o, "url", NULL), PX_EINVAL);
	px_obs_dispose(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_unicode),
		cmocka_unit_test(test_cli_ok),
		cmocka_unit_test(test_cli_bad),
		cmocka_unit_test(test_cli_limits),
		cmocka_unit_test(test_messages_are_safe),
		cmocka_unit_test(test_wire_ok),
		cmocka_unit_test(test_wire_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
