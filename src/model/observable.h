/*
 * Observables: the indicators CERTs trade (addresses, networks, domains,
 * URLs, mail addresses, file hashes, CVEs, AS numbers).  On the wire each is
 * a (type, value) pair, the type named with its STIX 2.1 cyber-observable
 * name, the value in one normal form per indicator, so a signed message
 * cannot carry two spellings of the same thing and two parties comparing
 * indicators compare strings.
 *
 * Normal forms:
 *   ipv4-addr          192.0.2.1, or a network 192.0.2.0/24 with the host
 *                      bits zero; no leading zeros; /32 is dropped
 *   ipv6-addr          RFC 5952 text (lowercase, longest zero run as "::",
 *                      IPv4-mapped as ::ffff:192.0.2.1), optional /n with
 *                      host bits zero; /128 is dropped
 *   domain-name        lowercase ASCII, labels of [a-z0-9-], at least two,
 *                      internationalised names in punycode (xn--)
 *   url                http, https, ftp or ftps; lowercase scheme and host;
 *                      host a domain-name, IPv4 or [IPv6]; default port
 *                      dropped; empty path written "/"; percent escapes in
 *                      uppercase hex, those of unreserved characters
 *                      decoded, a stray '%' written %25, bytes beyond ASCII
 *                      percent-encoded (RFC 3986 6.2.2); at most 2048 bytes
 *   email-addr         local@domain, local part printable ASCII as given,
 *                      domain as domain-name
 *   file               <algo>:<lowercase hex>, algo md5, sha1, sha256 or
 *                      sha512
 *   vulnerability      CVE-YYYY-NNNN (4 or more digits, year 1999..2100)
 *   autonomous-system  AS64500 (1..4294967295)
 */
#ifndef PX_OBSERVABLE_H
#define PX_OBSERVABLE_H

#include "util/err.h"

enum px_obs_type {
	PX_OBS_IPV4,
	PX_OBS_IPV6,
	PX_OBS_DOMAIN,
	PX_OBS_URL,
	PX_OBS_EMAIL,
	PX_OBS_FILE,
	PX_OBS_CVE,
	PX_OBS_ASN,
};

/* Embedded by the caller; release with px_obs_dispose. */
struct px_observable {
	enum px_obs_type type;
	char *value; /* normal form, heap, owned by the struct */
};

/* Returns the STIX 2.1 wire name of `t` ("ipv4-addr", "ipv6-addr",
 * "domain-name", "url", "email-addr", "file", "vulnerability",
 * "autonomous-system"), a static string, or NULL for a value outside the
 * enum. */
const char *px_obs_type_name(enum px_obs_type t);

/*
 * Parses the command-line form "TYPE:VALUE" and normalises the value.
 * TYPE (any case) is one of: ip (IPv4 or IPv6 by syntax), ipv4, ipv6, cidr
 * (a network, IPv4 or IPv6), domain, url, email, md5, sha1, sha256, sha512,
 * hash (the algorithm guessed from the length), file (VALUE "algo:hex" or
 * bare hex), cve, asn, or a wire name.  Whitespace around the whole input is
 * ignored.  Defanged text as found in CERT mail is refanged first: hxxp and
 * hxxps schemes, "[.]" "(.)" "{.}" "[dot]" for '.', "[@]" "[at]" for '@',
 * "[:]" for ':'.  Leniencies on top of the normal forms: "as64500" and
 * "64500" for AS64500, lowercase cve-, a bare "2021-44228" CVE, a trailing
 * dot on a domain, any case of hex digits, IPv6 in any valid spelling.
 *
 * Returns 0 and fills *out (the caller disposes it), or PX_EINVAL with a
 * message naming the input and what was expected; on error *out holds no
 * value and disposing it is harmless.
 */
PX_MUST_CHECK int px_obs_parse_cli(struct px_observable *out, const char *s);

/*
 * Builds an observable from its wire form: `type` must be a wire name
 * exactly and `value` must already be in normal form (so "Example.com" or
 * "10.0.0.1/32" are refused, naming the normal form expected).  Both
 * strings are only borrowed.  Returns 0 or PX_EINVAL, with *out as for
 * px_obs_parse_cli.
 */
PX_MUST_CHECK int px_obs_from_wire(
    struct px_observable *out, const char *type, const char *value);

/*
 * The form people read of a wire value of type `type` whose host name has
 * internationalised labels ("xn--fsqu00a.xn--fiqs8s" -> "例子.中国"; the
 * host of a url or email-addr likewise), as a heap string the caller
 * frees, or NULL when it reads the same as the wire form.
 */
char *px_obs_unicode(const char *type, const char *value);

/* Frees the value; the struct may be reused.  NULL is a no-op. */
void px_obs_dispose(struct px_observable *o);

#endif
