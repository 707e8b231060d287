/*
 * The internal feed event (event.h): field parsers, the canonical JSON
 * form a peer recomputes the event id from, and the deduplication key.
 *
 * This is the hot path of ingestion (a million events a second is the
 * target), so it allocates nothing, parses from (pointer, length)
 * cursors, and writes its JSON without a DOM.  The JSON it writes must be
 * exactly what RFC 8785 makes of the same object (model/canon.c), because
 * the receiving peer re-canonicalises the object it gets and hashes that:
 * the members are written in sorted order and strings escaped the JCS
 * way.  tests/unit/test_formats.c checks the two agree.
 */
#include <arpa/inet.h>

#include "crypto/sign.h"
#include "formats/event.h"
#include "util/u64map.h"
#include "util/util.h"

/* name, taxonomy, category, bucket days, destination in key */
const struct px_ev_type_info px_ev_types[PX_EVT__N] = {
	{ "spam", "abusive-content", PX_CAT_OTHER, 1, false },
	{ "harmful-speech", "abusive-content", PX_CAT_OTHER, 1, false },
	{ "violence", "abusive-content", PX_CAT_OTHER, 1, false },
	{ "infected-system", "malicious-code", PX_CAT_BOTNET, 1, false },
	{ "c2-server", "malicious-code", PX_CAT_BOTNET, 7, false },
	{ "malware-distribution", "malicious-code", PX_CAT_MALWARE, 1, false },
	{ "malware-configuration", "malicious-code", PX_CAT_MALWARE, 1, false },
	{ "scanner", "information-gathering", PX_CAT_OTHER, 1, false },
	{ "sniffing", "information-gathering", PX_CAT_OTHER, 1, false },
	{ "social-engineering", "information-gathering", PX_CAT_OTHER, 1,
	    false },
	{ "ids-alert", "intrusion-attempts", PX_CAT_INTRUSION, 1, true },
	{ "brute-force", "intrusion-attempts", PX_CAT_INTRUSION, 1, true },
	{ "exploit", "intrusion-attempts", PX_CAT_INTRUSION, 1, true },
	{ "privileged-account-compromise", "intrusions", PX_CAT_INTRUSION, 1,
	    false },
	{ "unprivileged-account-compromise", "intrusions", PX_CAT_INTRUSION, 1,
	    false },
	{ "application-compromise", "intrusions", PX_CAT_INTRUSION, 1, false },
	{ "system-compromise", "intrusions", PX_CAT_INTRUSION, 1, false },
	{ "burglary", "intrusions", PX_CAT_INTRUSION, 1, false },
	{ "ddos", "availability", PX_CAT_DDOS, 1, true },
	{ "dos", "availability", PX_CAT_DDOS, 1, true },
	{ "outage", "availability", PX_CAT_DDOS, 1, false },
	{ "sabotage", "availability", PX_CAT_OTHER, 1, false },
	{ "unauthorised-information-access", "information-content-security",
	    PX_CAT_INTRUSION, 1, false },
	{ "unauthorised-information-modification",
	    "information-content-security", PX_CAT_INTRUSION, 1, false },
	{ "data-loss", "information-content-security", PX_CAT_INTRUSION, 1,
	    false },
	{ "data-leak", "information-content-security", PX_CAT_INTRUSION, 1,
	    false },
	{ "unauthorized-use-of-resources", "fraud", PX_CAT_OTHER, 1, false },
	{ "copyright", "fraud", PX_CAT_OTHER, 1, false },
	{ "masquerade", "fraud", PX_CAT_PHISHING, 1, false },
	{ "phishing", "fraud", PX_CAT_PHISHING, 1, false },
	{ "weak-crypto", "vulnerable", PX_CAT_VULNERABLE_SITE, 1, false },
	{ "ddos-amplifier", "vulnerable", PX_CAT_VULNERABLE_SITE, 1, false },
	{ "potentially-unwanted-accessible", "vulnerable",
	    PX_CAT_VULNERABLE_SITE, 1, false },
	{ "information-disclosure", "vulnerable", PX_CAT_VULNERABLE_SITE, 1,
	    false },
	{ "vulnerable-system", "vulnerable", PX_CAT_VULNERABLE_SITE, 1, false },
	{ "blocklist", "other", PX_CAT_OTHER, 1, false },
	{ "other", "other", PX_CAT_OTHER, 1, false },
	{ "undetermined", "other", PX_CAT_OTHER, 1, false },
	{ "test", "test", PX_CAT_OTHER, 1, false },
};

const char *const px_severity_names[PX_SEV__N] = { "", "info", "low", "medium",
	"high", "critical" };

#define DAY_MS INT64_C(86400000)

static void
end_reset(struct px_ev_end *s)
{
	memset(s, 0, sizeof(*s));
	s->port = -1;
	s->asn = -1;
}

void
px_event_reset(struct px_event *e)
{
	e->t_source = e->t_obs = -1;
	e->feed = e->provider = e->identifier = NULL;
	e->type = -1;
	end_reset(&e->src);
	end_reset(&e->dst);
	e->transport = e->application = e->malware = e->url_path = NULL;
	e->severity = PX_SEV_UNKNOWN;
	e->tlp = -1;
	e->nextra = 0;
	e->extra_dropped = 0;
	e->used = 0;
}

static const char *
rebase(const char *p, const struct px_event *from, struct px_event *to)
{
	return p ? to->arena + (p - from->arena) : NULL;
}

void
px_event_copy(struct px_event *dst, const struct px_event *src)
{
	struct px_ev_end *ends[2] = { &dst->src, &dst->dst };

	memcpy(dst, src, offsetof(struct px_event, arena));
	memcpy(dst->arena, src->arena, src->used);
	dst->feed = rebase(src->feed, src, dst);
	dst->provider = rebase(src->provider, src, dst);
	dst->identifier = rebase(src->identifier, src, dst);
	dst->transport = rebase(src->transport, src, dst);
	dst->application = rebase(src->application, src, dst);
	dst->malware = rebase(src->malware, src, dst);
	dst->url_path = rebase(src->url_path, src, dst);
	for (int i = 0; i < 2; i++) {
		ends[i]->fqdn = rebase(ends[i]->fqdn, src, dst);
		ends[i]->url = rebase(ends[i]->url, src, dst);
		ends[i]->cc = rebase(ends[i]->cc, src, dst);
	}
	for (size_t i = 0; i < src->nextra; i++) {
		dst->extra[i].key = rebase(src->extra[i].key, src, dst);
		dst->extra[i].value = rebase(src->extra[i].value, src, dst);
	}
}

/* True if s[0..n) is UTF-8 with no NUL. */
static bool
utf8_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, ill;

	while (i < n) {
		size_t k;

		if (p[i] >= 0x01 && p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] == 0)
			return false;
		if ((k = px_utf8_seq(p + i, n - i, &ill)) == 0)
			return false;
		i += k;
	}
	return true;
}

int
px_event_str(struct px_event *e, const char **out, const char *s, size_t n,
    size_t max, const char *what)
{
	if (n > max)
		return px_error_set(PX_EINVAL,
		    "%s is %zu bytes long, more than the %zu allowed", what, n,
		    max);
	if (!utf8_ok(s, n))
		return px_error_set(
		    PX_EINVAL, "%s is not valid UTF-8 text", what);
	if (e->used + n + 1 > sizeof(e->arena))
		return px_error_set(PX_ETOOBIG,
		    "the event's text is larger than %zu bytes (at %s)",
		    sizeof(e->arena), what);
	memcpy(e->arena + e->used, s, n);
	e->arena[e->used + n] = '\0';
	*out = e->arena + e->used;
	e->used += n + 1;
	return 0;
}

int
px_event_extra(struct px_event *e, const char *key, size_t klen,
    const char *val, size_t vlen)
{
	char k[PX_EV_MAX_KEY + 1];
	const char *ks, *vs;
	int rc;

	if (vlen == 0)
		return 0;
	if (klen == 0 || klen > PX_EV_MAX_KEY)
		return px_error_set(PX_EINVAL,
		    "a column name must be 1 to %d bytes", PX_EV_MAX_KEY);
	for (size_t i = 0; i < klen; i++) {
		char c = key[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		        c == '.' || c == '_' || c == '-'))
			c = '_';
		k[i] = c;
	}
	k[klen] = '\0';
	for (size_t i = 0; i < e->nextra; i++)
		if (strcmp(e->extra[i].key, k) == 0)
			return 0; /* the first value of a repeated name wins */
	if (e->nextra == PX_EV_MAX_EXTRA) {
		e->extra_dropped++;
		return 0;
	}
	if ((rc = px_event_str(e, &ks, k, klen, PX_EV_MAX_KEY, "column name")) <
	        0 ||
	    (rc = px_event_str(e, &vs, val, vlen, PX_EV_MAX_VALUE, k)) < 0)
		return rc;
	e->extra[e->nextra].key = ks;
	e->extra[e->nextra].value = vs;
	e->nextra++;
	return 0;
}

static int
bad(const char *what, const char *s, size_t n, const char *expected)
{
	return px_error_set(PX_EINVAL, "%s '%.*s' is not %s", what,
	    (int)(n > 80 ? 80 : n), s, expected);
}

/* Strict dotted quad: four decimal numbers 0..255 without leading
 * zeros (a leading zero reads as octal in some tools). */
static bool
parse_v4(uint8_t out[4], const char *s, size_t n)
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;

		while (i < n && s[i] >= '0' && s[i] <= '9') {
			v = v * 10 + (unsigned)(s[i] - '0');
			if (++digits > 3)
				return false;
			i++;
		}
		if (digits == 0 || v > 255 ||
		    (digits > 1 && s[i - digits] == '0'))
			return false;
		out[part] = (uint8_t)v;
		if (part < 3) {
			if (i >= n || s[i] != '.')
				return false;
			i++;
		}
	}
	return i == n;
}

int
px_ev_parse_ip(struct px_addr *out, const char *s, size_t n, const char *what)
{
	char tmp[64];

	memset(out, 0, sizeof(*out));
	if (n > 0 && n < 16 && memchr(s, ':', n) == NULL) {
		if (!parse_v4(out->b, s, n))
			return bad(what, s, n, "an IP address");
		out->fam = 4;
		return 0;
	}
	if (n == 0 || n >= sizeof(tmp) || memchr(s, '%', n))
		return bad(what, s, n, "an IP address");
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET6, tmp, out->b) != 1)
		return bad(what, s, n, "an IP address");
	out->fam = 6;
	return 0;
}

int
px_ev_parse_net(struct px_addr *out, uint8_t *len, const char *s, size_t n,
    const char *what)
{
	const char *slash = memchr(s, '/', n);
	size_t an, ln;
	unsigned v = 0;
	unsigned max;

	if (slash == NULL)
		return bad(what, s, n, "a network (address/prefix length)");
	an = (size_t)(slash - s);
	ln = n - an - 1;
	if (px_ev_parse_ip(out, s, an, what) < 0)
		return bad(what, s, n, "a network (address/prefix length)");
	max = out->fam == 4 ? 32 : 128;
	if (ln == 0 || ln > 3)
		return bad(what, s, n, "a network (address/prefix length)");
	for (size_t i = 0; i < ln; i++) {
		if (slash[1 + i] < '0' || slash[1 + i] > '9')
			return bad(
			    what, s, n, "a network (address/prefix length)");
		v = v * 10 + (unsigned)(slash[1 + i] - '0');
	}
	if (v > max || (ln > 1 && slash[1] == '0'))
		return bad(what, s, n, "a network (address/prefix length)");
	for (unsigned bit = v; bit < max; bit++)
		if (out->b[bit / 8] & (0x80 >> (bit % 8)))
			return px_error_set(PX_EINVAL,
			    "%s '%.*s' has host bits set (the network is "
			    "written with them zero)",
			    what, (int)n, s);
	*len = (uint8_t)v;
	return 0;
}

static bool
parse_uint(uint64_t *out, const char *s, size_t n, uint64_t max)
{
	uint64_t v = 0;

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > max)
			return false;
	}
	return true && (*out = v, true);
}

int
px_ev_parse_port(int32_t *out, const char *s, size_t n, const char *what)
{
	uint64_t v;

	if (!parse_uint(&v, s, n, 65535))
		return bad(what, s, n, "a port number (0 to 65535)");
	*out = (int32_t)v;
	return 0;
}

int
px_ev_parse_asn(int64_t *out, const char *s, size_t n, const char *what)
{
	const char *p = s;
	size_t k = n;
	uint64_t v;

	if (k > 2 && (p[0] == 'A' || p[0] == 'a') &&
	    (p[1] == 'S' || p[1] == 's'))
		p += 2, k -= 2;
	if (!parse_uint(&v, p, k, UINT32_MAX) || v == 0)
		return bad(what, s, n, "an AS number (1 to 4294967295)");
	*out = (int64_t)v;
	return 0;
}

static bool
num(const char *s, size_t n, size_t at, size_t w, int *out)
{
	int v = 0;

	if (at + w > n)
		return false;
	for (size_t i = at; i < at + w; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

int
px_ev_parse_time(int64_t *out, const char *s, size_t n, const char *what)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31,
		30, 31, 30, 31 };
	int y, mo, d, h, mi, se, ms = 0, oh = 0, om = 0, sign = 0;
	size_t i;
	uint64_t v;

	/* Unix time: seconds, or milliseconds with 13 digits. */
	if (n > 0 && n <= 13 &&
	    parse_uint(&v, s, n, UINT64_C(99999999999999))) {
		if (n == 13)
			*out = (int64_t)v;
		else if (n <= 10)
			*out = (int64_t)v * 1000;
		else
			goto fail;
		return 0;
	}
	if (!num(s, n, 0, 4, &y) || n < 19 || s[4] != '-' ||
	    !num(s, n, 5, 2, &mo) || s[7] != '-' || !num(s, n, 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != ' ' && s[10] != 't') ||
	    !num(s, n, 11, 2, &h) || s[13] != ':' || !num(s, n, 14, 2, &mi) ||
	    s[16] != ':' || !num(s, n, 17, 2, &se))
		goto fail;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60)
		goto fail;
	if (mo == 2 && d == 29 &&
	    !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		goto fail;
	if (se == 60)
		se = 59; /* a leap second: the instant before */
	i = 19;
	if (i < n && s[i] == '.') {
		int scale = 100, k = 0;

		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, k++) {
			ms += (s[i] - '0') * scale;
			scale /= 10;
		}
		if (k == 0 || k > 9)
			goto fail;
	}
	if (i < n && s[i] == ' ')
		i++;
	if (i == n || (n - i == 1 && (s[i] == 'Z' || s[i] == 'z')) ||
	    (n - i == 3 && memcmp(s + i, "UTC", 3) == 0)) {
		sign = 0;
	} else if (s[i] == '+' || s[i] == '-') {
		sign = s[i] == '-' ? -1 : 1;
		if (!num(s, n, i + 1, 2, &oh))
			goto fail;
		if (n - i == 6 && s[i + 3] == ':' && num(s, n, i + 4, 2, &om))
			;
		else if (n - i == 5 && num(s, n, i + 3, 2, &om))
			;
		else
			goto fail;
		if (oh > 23 || om > 59)
			goto fail;
	} else {
		goto fail;
	}
	*out = (px_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	           h * 3600 + mi * 60 + se -
	           (int64_t)sign * (oh * 3600 + om * 60)) *
	        1000 +
	    ms;
	return 0;
fail:
	return bad(what, s, n,
	    "a time (expected e.g. 2026-12-01 10:00:07, "
	    "2026-12-01T10:00:07Z or Unix seconds)");
}

int
px_ev_parse_type(int *out, const char *s, size_t n, const char *what)
{
	for (int i = 0; i < PX_EVT__N; i++)
		if (strlen(px_ev_types[i].name) == n &&
		    memcmp(px_ev_types[i].name, s, n) == 0) {
			*out = i;
			return 0;
		}
	return bad(what, s, n,
	    "a classification type of the IntelMQ harmonisation (e.g. "
	    "infected-system, c2-server, phishing, vulnerable-system; "
	    "docs/feeds.md lists them)");
}

static bool
eq_nocase(const char *s, size_t n, const char *lit)
{
	size_t k = strlen(lit);

	if (k != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c != lit[i])
			return false;
	}
	return true;
}

int
px_ev_parse_severity(int *out, const char *s, size_t n, const char *what)
{
	for (int i = 1; i < PX_SEV__N; i++)
		if (eq_nocase(s, n, px_severity_names[i])) {
			*out = i;
			return 0;
		}
	if (eq_nocase(s, n, "information")) {
		*out = PX_SEV_INFO;
		return 0;
	}
	return bad(
	    what, s, n, "a severity (critical, high, medium, low or info)");
}

int
px_ev_parse_tlp(int *out, const char *s, size_t n, const char *what)
{
	const char *p = s;
	size_t k = n;

	if (k > 4 && eq_nocase(p, 4, "tlp:"))
		p += 4, k -= 4;
	if (eq_nocase(p, k, "white")) {
		*out = PX_TLP_CLEAR;
		return 0;
	}
	for (int i = 0; i < PX_TLP__N; i++)
		if (eq_nocase(p, k, px_tlp_names[i].wire)) {
			*out = i;
			return 0;
		}
	return bad(what, s, n,
	    "a TLP marking (clear, green, amber, amber+strict or red)");
}

int
px_ev_parse_fqdn(struct px_event *e, const char **out, const char *s, size_t n,
    const char *what)
{
	char tmp[PX_EV_MAX_FQDN + 2];
	size_t label = 0;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > PX_EV_MAX_FQDN)
		return bad(what, s, n, "a host name");
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c == '.') {
			if (label == 0)
				return bad(what, s, n, "a host name");
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_') {
			if (++label > 63)
				return bad(what, s, n, "a host name");
		} else {
			return bad(what, s, n, "a host name");
		}
		tmp[i] = c;
	}
	if (label == 0)
		return bad(what, s, n, "a host name");
	return px_event_str(e, out, tmp, n, PX_EV_MAX_FQDN, what);
}

void
px_addr_format(char out[46], const struct px_addr *a)
{
	const uint8_t *b = a->b;
	int best = -1, bestlen = 0, run = -1, runlen = 0;
	char *p = out;

	if (a->fam == 4) {
		/* By hand: this runs for every event ingested. */
		for (int i = 0; i < 4; i++) {
			unsigned v = b[i];

			if (i)
				*p++ = '.';
			if (v >= 100)
				*p++ = (char)('0' + v / 100);
			if (v >= 10)
				*p++ = (char)('0' + v / 10 % 10);
			*p++ = (char)('0' + v % 10);
		}
		*p = '\0';
		return;
	}
	if (a->fam != 6) {
		out[0] = '\0';
		return;
	}
	/* RFC 5952: IPv4-mapped addresses keep their dotted tail. */
	if (memcmp(b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		snprintf(
		    out, 46, "::ffff:%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
		return;
	}
	/* The longest run of two or more zero groups (the first of equal
	 * runs) becomes "::". */
	for (int g = 0; g < 8; g++) {
		if (b[2 * g] == 0 && b[2 * g + 1] == 0) {
			if (run < 0)
				run = g, runlen = 0;
			runlen++;
			if (runlen > bestlen)
				best = run, bestlen = runlen;
		} else {
			run = -1;
		}
	}
	if (bestlen < 2)
		best = -1;
	for (int g = 0; g < 8; g++) {
		if (g == best) {
			*p++ = ':';
			*p++ = ':';
			g += bestlen - 1;
			continue;
		}
		if (g > 0 && !(best >= 0 && g == best + bestlen))
			*p++ = ':';
		p += snprintf(p, (size_t)(out + 46 - p), "%x",
		    (unsigned)(b[2 * g] << 8 | b[2 * g + 1]));
	}
	*p = '\0';
}

int
px_addr_cmp(const struct px_addr *a, const struct px_addr *b)
{
	if (a->fam != b->fam)
		return a->fam < b->fam ? -1 : 1;
	return memcmp(a->b, b->b, a->fam == 4 ? 4 : 16);
}

const char *const px_ev_field_names[PX_F__N] = {
	[PX_F_IGNORE] = "-",
	[PX_F_EXTRA] = "extra",
	[PX_F_TIME_SOURCE] = "time.source",
	[PX_F_TIME_OBS] = "time.observation",
	[PX_F_FEED] = "feed.name",
	[PX_F_PROVIDER] = "feed.provider",
	[PX_F_TYPE] = "classification.type",
	[PX_F_TAXONOMY] = "classification.taxonomy",
	[PX_F_IDENTIFIER] = "classification.identifier",
	[PX_F_SRC_IP] = "source.ip",
	[PX_F_SRC_PORT] = "source.port",
	[PX_F_SRC_ASN] = "source.asn",
	[PX_F_SRC_NET] = "source.network",
	[PX_F_SRC_FQDN] = "source.fqdn",
	[PX_F_SRC_URL] = "source.url",
	[PX_F_SRC_CC] = "source.geolocation.cc",
	[PX_F_DST_IP] = "destination.ip",
	[PX_F_DST_PORT] = "destination.port",
	[PX_F_DST_ASN] = "destination.asn",
	[PX_F_DST_NET] = "destination.network",
	[PX_F_DST_FQDN] = "destination.fqdn",
	[PX_F_DST_URL] = "destination.url",
	[PX_F_DST_CC] = "destination.geolocation.cc",
	[PX_F_TRANSPORT] = "protocol.transport",
	[PX_F_APPLICATION] = "protocol.application",
	[PX_F_MALWARE] = "malware.name",
	[PX_F_SEVERITY] = "severity",
	[PX_F_TLP] = "tlp",
	[PX_F_SRC_URL_PATH] = "source.urlpath",
};

int
px_ev_field_lookup(const char *name, size_t n)
{
	for (int i = PX_F_TIME_SOURCE; i < PX_F__N; i++)
		if (strlen(px_ev_field_names[i]) == n &&
		    memcmp(px_ev_field_names[i], name, n) == 0)
			return i;
	return -1;
}

/* A two-letter country code, upper case. */
static int
set_cc(struct px_event *e, const char **out, const char *s, size_t n,
    const char *what)
{
	char cc[2];

	if (n != 2 || !((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z') ||
	    !((s[1] | 0x20) >= 'a' && (s[1] | 0x20) <= 'z'))
		return bad(what, s, n, "a two-letter country code");
	cc[0] = (char)(s[0] & ~0x20);
	cc[1] = (char)(s[1] & ~0x20);
	return px_event_str(e, out, cc, 2, 2, what);
}

static int
set_end(struct px_event *e, struct px_ev_end *end, int f, const char *s,
    size_t n, const char *what)
{
	switch (f) {
	case 0:
		return px_ev_parse_ip(&end->ip, s, n, what);
	case 1:
		return px_ev_parse_port(&end->port, s, n, what);
	case 2:
		if (n == 1 && s[0] == '0')
			return 0;
		return px_ev_parse_asn(&end->asn, s, n, what);
	case 3:
		return px_ev_parse_net(&end->net, &end->net_len, s, n, what);
	case 4:
		return px_ev_parse_fqdn(e, &end->fqdn, s, n, what);
	case 5:
		return px_event_str(e, &end->url, s, n, PX_EV_MAX_URL, what);
	default:
		return set_cc(e, &end->cc, s, n, what);
	}
}

int
px_event_set(
    struct px_event *e, int field, const char *s, size_t n, const char *what)
{
	int v, rc;

	if (n == 0)
		return 0;
	switch (field) {
	case PX_F_TIME_SOURCE:
		return px_ev_parse_time(&e->t_source, s, n, what);
	case PX_F_TIME_OBS:
		return px_ev_parse_time(&e->t_obs, s, n, what);
	case PX_F_FEED:
		return px_event_str(e, &e->feed, s, n, PX_EV_MAX_NAME, what);
	case PX_F_PROVIDER:
		return px_event_str(
		    e, &e->provider, s, n, PX_EV_MAX_NAME, what);
	case PX_F_TYPE:
		if ((rc = px_ev_parse_type(&v, s, n, what)) < 0)
			return rc;
		e->type = v;
		return 0;
	case PX_F_TAXONOMY:
		return 0;
	case PX_F_IDENTIFIER:
		return px_event_str(
		    e, &e->identifier, s, n, PX_EV_MAX_NAME, what);
	case PX_F_SRC_IP:
	case PX_F_SRC_PORT:
	case PX_F_SRC_ASN:
	case PX_F_SRC_NET:
	case PX_F_SRC_FQDN:
	case PX_F_SRC_URL:
	case PX_F_SRC_CC:
		return set_end(e, &e->src, field - PX_F_SRC_IP, s, n, what);
	case PX_F_DST_IP:
	case PX_F_DST_PORT:
	case PX_F_DST_ASN:
	case PX_F_DST_NET:
	case PX_F_DST_FQDN:
	case PX_F_DST_URL:
	case PX_F_DST_CC:
		return set_end(e, &e->dst, field - PX_F_DST_IP, s, n, what);
	case PX_F_TRANSPORT:
		return px_event_str(
		    e, &e->transport, s, n, PX_EV_MAX_PROTO, what);
	case PX_F_APPLICATION:
		return px_event_str(
		    e, &e->application, s, n, PX_EV_MAX_PROTO, what);
	case PX_F_MALWARE:
		return px_event_str(e, &e->malware, s, n, PX_EV_MAX_NAME, what);
	case PX_F_SEVERITY:
		return px_ev_parse_severity(&e->severity, s, n, what);
	case PX_F_TLP:
		return px_ev_parse_tlp(&e->tlp, s, n, what);
	case PX_F_SRC_URL_PATH:
		return px_event_str(e, &e->url_path, s, n, PX_EV_MAX_URL, what);
	default:
		return 0;
	}
}

int64_t
px_event_time(const struct px_event *e)
{
	return e->t_source >= 0 ? e->t_source : e->t_obs;
}

static bool
end_has_target(const struct px_ev_end *s)
{
	return s->ip.fam || s->fqdn || s->url;
}

const struct px_ev_end *
px_event_side(const struct px_event *e, uint64_t dst_types, bool *is_dst)
{
	bool d = e->type >= 0 && (dst_types >> e->type) & 1;

	if (is_dst)
		*is_dst = d;
	return d ? &e->dst : &e->src;
}

int
px_event_finish(struct px_event *e, int default_tlp)
{
	if (e->type < 0)
		return px_error_set(PX_EINVAL,
		    "no classification type (the feed's mapping gives none "
		    "for this row)");
	if (e->t_source < 0 && e->t_obs < 0)
		return px_error_set(PX_EINVAL,
		    "no time (neither source nor "
		    "observation time)");
	if (!end_has_target(&e->src) && !end_has_target(&e->dst))
		return px_error_set(
		    PX_EINVAL, "no address, host name or URL on either side");
	if (e->tlp < 0)
		e->tlp = default_tlp;
	/* Every event has an identifier (it names the aggregation group):
	 * the malware's name, else the type's. */
	if (e->identifier == NULL) {
		const char *id =
		    e->malware ? e->malware : px_ev_types[e->type].name;
		int rc = px_event_str(e, &e->identifier, id, strlen(id),
		    PX_EV_MAX_NAME, "identifier");

		if (rc < 0)
			return rc;
	}
	if (e->url_path && e->src.url == NULL) {
		char url[PX_EV_MAX_URL + 1];
		const char *p = e->url_path;
		int rc, k;

		if (strstr(p, "://"))
			k = snprintf(url, sizeof(url), "%s", p);
		else if (e->src.fqdn && p[0] == '/')
			k = snprintf(
			    url, sizeof(url), "http://%s%s", e->src.fqdn, p);
		else
			k = -1;
		if (k >= 0 && (size_t)k < sizeof(url) &&
		    (rc = px_event_str(e, &e->src.url, url, (size_t)k,
		         PX_EV_MAX_URL, "source.url")) < 0)
			return rc;
	}
	return 0;
}

/* --- canonical JSON ------------------------------------------------- */

/*
 * The writer fills a buffer on the stack that always has room: an
 * event's strings are at most PX_EV_ARENA bytes, escaping grows a byte to
 * at most six, and the structure adds less than JW_SLACK.  One copy into
 * the caller's buffer at the end: this runs for every event ingested.
 */
#define JW_SLACK 4096
#define JW_CAP   (6 * PX_EV_ARENA + JW_SLACK)

struct jw {
	char *p;
	bool first;
};

static inline void
jw_raw(struct jw *w, const char *s, size_t n)
{
	memcpy(w->p, s, n);
	w->p += n;
}

static void
jw_str(struct jw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;

	*w->p++ = '"';
	for (; *p; p++) {
		unsigned char c = *p;

		if (c >= 0x20 && c != '"' && c != '\\') {
			*w->p++ = (char)c;
			continue;
		}
		*w->p++ = '\\';
		switch (c) {
		case '"':
			*w->p++ = '"';
			break;
		case '\\':
			*w->p++ = '\\';
			break;
		case '\b':
			*w->p++ = 'b';
			break;
		case '\f':
			*w->p++ = 'f';
			break;
		case '\n':
			*w->p++ = 'n';
			break;
		case '\r':
			*w->p++ = 'r';
			break;
		case '\t':
			*w->p++ = 't';
			break;
		default:
			*w->p++ = 'u';
			*w->p++ = '0';
			*w->p++ = '0';
			*w->p++ = hex[c >> 4];
			*w->p++ = hex[c & 15];
			break;
		}
	}
	*w->p++ = '"';
}

/* Keys are literals without anything to escape. */
static void
jw_key(struct jw *w, const char *k, size_t n)
{
	if (!w->first)
		*w->p++ = ',';
	w->first = false;
	*w->p++ = '"';
	jw_raw(w, k, n);
	*w->p++ = '"';
	*w->p++ = ':';
}

#define KEY(w, lit) jw_key(w, lit, sizeof(lit) - 1)

static void
jw_uint(struct jw *w, uint64_t v)
{
	char d[24];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*w->p++ = d[--n];
}

static void
jw_open(struct jw *w)
{
	*w->p++ = '{';
	w->first = true;
}

static void
jw_close(struct jw *w)
{
	*w->p++ = '}';
	w->first = false;
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ", quoted. */
static void
jw_time(struct jw *w, int64_t ms)
{
	*w->p++ = '"';
	px_time_format(w->p, ms);
	w->p += PX_TIME_STRLEN - 1;
	*w->p++ = '"';
}

static void
jw_addr(struct jw *w, const struct px_addr *a, int len)
{
	char ip[46];

	*w->p++ = '"';
	if (a->fam == 4) {
		for (int i = 0; i < 4; i++) {
			if (i)
				*w->p++ = '.';
			jw_uint(w, a->b[i]);
		}
	} else {
		px_addr_format(ip, a);
		jw_raw(w, ip, strlen(ip));
	}
	if (len >= 0) {
		*w->p++ = '/';
		jw_uint(w, (uint64_t)len);
	}
	*w->p++ = '"';
}

static void
write_end(struct jw *w, const char *k, size_t klen, const struct px_ev_end *s)
{
	if (!s->ip.fam && !s->net.fam && s->port < 0 && s->asn < 0 &&
	    !s->fqdn && !s->url && !s->cc)
		return;
	jw_key(w, k, klen);
	jw_open(w);
	if (s->asn >= 0) {
		KEY(w, "asn");
		jw_uint(w, (uint64_t)s->asn);
	}
	if (s->cc) {
		KEY(w, "cc");
		jw_str(w, s->cc);
	}
	if (s->fqdn) {
		KEY(w, "fqdn");
		jw_str(w, s->fqdn);
	}
	if (s->ip.fam) {
		KEY(w, "ip");
		jw_addr(w, &s->ip, -1);
	}
	if (s->net.fam) {
		KEY(w, "network");
		jw_addr(w, &s->net, s->net_len);
	}
	if (s->port >= 0) {
		KEY(w, "port");
		jw_uint(w, (uint64_t)s->port);
	}
	if (s->url) {
		KEY(w, "url");
		jw_str(w, s->url);
	}
	jw_close(w);
}

int
px_event_json(struct px_buf *out, const struct px_event *e)
{
	char buf[JW_CAP];
	struct jw w = { .p = buf, .first = true };
	const struct px_ev_extra *ex[PX_EV_MAX_EXTRA];

	if (e->type < 0 || e->tlp < 0)
		return px_error_set(PX_EINVAL, "the event is not finished");
	/* Members in RFC 8785 order, which for these ASCII names is
	 * strcmp's. */
	jw_open(&w);
	KEY(&w, "classification");
	jw_open(&w);
	if (e->identifier) {
		KEY(&w, "identifier");
		jw_str(&w, e->identifier);
	}
	KEY(&w, "taxonomy");
	jw_str(&w, px_ev_types[e->type].taxonomy);
	KEY(&w, "type");
	jw_str(&w, px_ev_types[e->type].name);
	jw_close(&w);
	write_end(&w, "destination", 11, &e->dst);
	if (e->nextra) {
		/* Sorted by name (ASCII after px_event_extra), as JCS. */
		for (size_t i = 0; i < e->nextra; i++) {
			size_t j = i;

			ex[i] = &e->extra[i];
			while (
			    j > 0 && strcmp(ex[j - 1]->key, ex[j]->key) > 0) {
				const struct px_ev_extra *t = ex[j - 1];

				ex[j - 1] = ex[j];
				ex[j] = t;
				j--;
			}
		}
		KEY(&w, "extra");
		jw_open(&w);
		for (size_t i = 0; i < e->nextra; i++) {
			jw_key(&w, ex[i]->key, strlen(ex[i]->key));
			jw_str(&w, ex[i]->value);
		}
		jw_close(&w);
	}
	if (e->feed || e->provider) {
		KEY(&w, "feed");
		jw_open(&w);
		if (e->feed) {
			KEY(&w, "name");
			jw_str(&w, e->feed);
		}
		if (e->provider) {
			KEY(&w, "provider");
			jw_str(&w, e->provider);
		}
		jw_close(&w);
	}
	if (e->malware) {
		KEY(&w, "malware");
		jw_str(&w, e->malware);
	}
	if (e->transport || e->application) {
		KEY(&w, "protocol");
		jw_open(&w);
		if (e->application) {
			KEY(&w, "application");
			jw_str(&w, e->application);
		}
		if (e->transport) {
			KEY(&w, "transport");
			jw_str(&w, e->transport);
		}
		jw_close(&w);
	}
	if (e->severity > PX_SEV_UNKNOWN) {
		KEY(&w, "severity");
		jw_str(&w, px_severity_names[e->severity]);
	}
	write_end(&w, "source", 6, &e->src);
	KEY(&w, "time");
	jw_open(&w);
	if (e->t_obs >= 0) {
		KEY(&w, "observation");
		jw_time(&w, e->t_obs);
	}
	if (e->t_source >= 0) {
		KEY(&w, "source");
		jw_time(&w, e->t_source);
	}
	jw_close(&w);
	KEY(&w, "tlp");
	jw_str(&w, px_tlp_names[e->tlp].wire);
	jw_close(&w);
	return px_buf_add(out, buf, (size_t)(w.p - buf));
}

void
px_event_id(char out[65], const char *json, size_t len)
{
	static const char tag[] = "parley-event-v1\n";
	uint8_t h[PX_SHA256_LEN];
	char stack[2048], *buf = stack;
	size_t n = sizeof(tag) - 1 + len;

	if (n > sizeof(stack))
		buf = px_malloc(n);
	memcpy(buf, tag, sizeof(tag) - 1);
	memcpy(buf + sizeof(tag) - 1, json, len);
	px_sha256(h, buf, n);
	if (buf != stack)
		free(buf);
	px_hex_encode(out, h, sizeof(h));
}

/* --- deduplication key ---------------------------------------------- */

int64_t
px_event_bucket(const struct px_event *e)
{
	int64_t t = px_event_time(e), len;

	len = (e->type >= 0 ? px_ev_types[e->type].bucket_days : 1) * DAY_MS;
	if (t < 0)
		t = 0;
	return t - t % len;
}

/* Appends a length-prefixed field, so that ("ab","c") and ("a","bc")
 * never hash alike. */
static size_t
field(uint8_t *buf, size_t at, size_t cap, const void *p, size_t n)
{
	if (at + 2 + n > cap)
		n = cap - at - 2;
	buf[at] = (uint8_t)(n >> 8);
	buf[at + 1] = (uint8_t)n;
	memcpy(buf + at + 2, p, n);
	return at + 2 + n;
}

uint64_t
px_event_dedup_key(const struct px_event *e)
{
	uint8_t buf[1024];
	size_t at = 0;
	int64_t bucket = px_event_bucket(e);
	int32_t ports[2] = { e->src.port, -1 };
	uint8_t type = (uint8_t)e->type;
	const char *id = e->identifier ? e->identifier : "";
	const char *mw = e->malware ? e->malware : "";
	const char *host = e->src.ip.fam ? NULL
	    : e->src.url                 ? e->src.url
	    : e->src.fqdn                ? e->src.fqdn
	                                 : "";

	at = field(buf, at, sizeof(buf), &type, 1);
	at = field(buf, at, sizeof(buf), id, strlen(id));
	at = field(buf, at, sizeof(buf), &e->src.ip, sizeof(e->src.ip));
	if (host)
		at = field(buf, at, sizeof(buf), host, strlen(host));
	if (e->type >= 0 && px_ev_types[e->type].dst_in_key) {
		ports[1] = e->dst.port;
		at = field(buf, at, sizeof(buf), &e->dst.ip, sizeof(e->dst.ip));
	}
	at = field(buf, at, sizeof(buf), ports, sizeof(ports));
	at = field(buf, at, sizeof(buf), mw, strlen(mw));
	at = field(buf, at, sizeof(buf), &bucket, sizeof(bucket));
	return px_hash64(buf, at, UINT64_C(0x70617266656564));
}
