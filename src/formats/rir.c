/*
 * RIR delegation files (rir.h).
 */
#include "formats/rir.h"
#include "util/util.h"

#define MAX_FIELDS 10

struct field {
	const char *p;
	size_t n;
};

static size_t
split(struct field *f, const char *s, size_t n)
{
	size_t k = 0, start = 0;

	for (size_t i = 0; i <= n && k < MAX_FIELDS; i++)
		if (i == n || s[i] == '|') {
			f[k].p = s + start;
			f[k].n = i - start;
			k++;
			start = i + 1;
		}
	return k;
}

static bool
eq(const struct field *f, const char *lit)
{
	return f->n == strlen(lit) && memcmp(f->p, lit, f->n) == 0;
}

static bool
u64(const struct field *f, uint64_t *out)
{
	uint64_t v = 0;

	if (f->n == 0 || f->n > 19)
		return false;
	for (size_t i = 0; i < f->n; i++) {
		if (f->p[i] < '0' || f->p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(f->p[i] - '0');
	}
	*out = v;
	return true;
}

static int
bad_line(const char *what, unsigned line, const char *why)
{
	return px_error_set(PX_EINVAL, "%s line %u: %s",
	    what ? what : "delegation file", line, why);
}

/* Adds `count - 1` to an address (the last address of a range). */
static bool
v4_last(struct px_addr *hi, const struct px_addr *lo, uint64_t count)
{
	uint64_t a = (uint64_t)lo->b[0] << 24 | (uint64_t)lo->b[1] << 16 |
	    (uint64_t)lo->b[2] << 8 | lo->b[3];

	if (count == 0 || a + count - 1 > UINT32_MAX)
		return false;
	a += count - 1;
	*hi = *lo;
	hi->b[0] = (uint8_t)(a >> 24);
	hi->b[1] = (uint8_t)(a >> 16);
	hi->b[2] = (uint8_t)(a >> 8);
	hi->b[3] = (uint8_t)a;
	return true;
}

static bool
v6_last(struct px_addr *hi, const struct px_addr *lo, uint64_t plen)
{
	if (plen > 128)
		return false;
	*hi = *lo;
	for (unsigned bit = (unsigned)plen; bit < 128; bit++) {
		if (lo->b[bit / 8] & (0x80 >> (bit % 8)))
			return false; /* not on the prefix boundary */
		hi->b[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	}
	return true;
}

static int
record(struct px_rir_header *h, const struct field *f, size_t nf, unsigned line,
    px_rir_cb cb, void *arg, const char *what)
{
	struct px_rir_record r;
	uint64_t v;

	memset(&r, 0, sizeof(r));
	r.line = line;
	if (nf < 7)
		return bad_line(what, line,
		    "a record needs 7 fields "
		    "(registry|cc|type|start|value|date|status)");
	if (eq(&f[2], "asn"))
		r.type = PX_RIR_ASN;
	else if (eq(&f[2], "ipv4"))
		r.type = PX_RIR_IPV4;
	else if (eq(&f[2], "ipv6"))
		r.type = PX_RIR_IPV6;
	else
		return bad_line(what, line, "type must be asn, ipv4 or ipv6");
	if (!u64(&f[4], &v))
		return bad_line(what, line, "value is not a number");
	switch (r.type) {
	case PX_RIR_ASN: {
		uint64_t a;

		if (!u64(&f[3], &a) || a > UINT32_MAX || v == 0 ||
		    a + v - 1 > UINT32_MAX)
			return bad_line(what, line,
			    "an asn record needs a start AS number and a "
			    "count that stay below 2^32");
		r.asn_lo = (uint32_t)a;
		r.asn_hi = (uint32_t)(a + v - 1);
		break;
	}
	case PX_RIR_IPV4:
		if (px_ev_parse_ip(&r.lo, f[3].p, f[3].n, "start") < 0 ||
		    r.lo.fam != 4 || !v4_last(&r.hi, &r.lo, v))
			return bad_line(what, line,
			    "an ipv4 record needs a dotted-quad start and an "
			    "address count that stays within IPv4");
		break;
	default:
		if (px_ev_parse_ip(&r.lo, f[3].p, f[3].n, "start") < 0 ||
		    r.lo.fam != 6 || !v6_last(&r.hi, &r.lo, v))
			return bad_line(what, line,
			    "an ipv6 record needs a start on the boundary of "
			    "its prefix length (value)");
		break;
	}
	/* Only allocated and assigned space belongs to a country. */
	if (!(eq(&f[6], "allocated") || eq(&f[6], "assigned")) || f[1].n != 2 ||
	    (f[1].p[0] == 'Z' && f[1].p[1] == 'Z') ||
	    !((f[1].p[0] | 0x20) >= 'a' && (f[1].p[0] | 0x20) <= 'z') ||
	    !((f[1].p[1] | 0x20) >= 'a' && (f[1].p[1] | 0x20) <= 'z')) {
		h->skipped++;
		return 0;
	}
	r.cc[0] = (char)(f[1].p[0] & ~0x20);
	r.cc[1] = (char)(f[1].p[1] & ~0x20);
	h->delegated++;
	return cb ? cb(&r, arg) : 0;
}

int
px_rir_parse(const char *text, size_t n, struct px_rir_header *h, px_rir_cb cb,
    void *arg, const char *what)
{
	size_t at = 0;
	unsigned line = 0;
	bool version = false;
	int rc;

	memset(h, 0, sizeof(*h));
	while (at < n) {
		const char *nl = memchr(text + at, '\n', n - at);
		size_t end = nl ? (size_t)(nl - text) : n, len = end - at;
		const char *s = text + at;
		struct field f[MAX_FIELDS];
		size_t nf;

		line++;
		at = end + 1;
		if (len && s[len - 1] == '\r')
			len--;
		if (len == 0 || s[0] == '#')
			continue;
		if (memchr(s, '\0', len))
			return bad_line(
			    what, line, "the line holds a NUL byte");
		nf = split(f, s, len);
		if (!version) {
			uint64_t v;

			/* version|registry|serial|records|start|end|offset */
			if (nf < 4 || !u64(&f[0], &v) || f[1].n == 0 ||
			    f[1].n >= sizeof(h->registry) || f[2].n == 0 ||
			    f[2].n >= sizeof(h->serial))
				return bad_line(what, line,
				    "the first line must be the version line "
				    "(version|registry|serial|records|...)");
			memcpy(h->registry, f[1].p, f[1].n);
			memcpy(h->serial, f[2].p, f[2].n);
			if (u64(&f[3], &v))
				h->records = (int64_t)v;
			version = true;
			continue;
		}
		if (nf >= 6 && eq(&f[5], "summary"))
			continue;
		if (!(f[0].n == strlen(h->registry) &&
		        memcmp(f[0].p, h->registry, f[0].n) == 0))
			return bad_line(what, line,
			    "the record names another registry than the "
			    "version line");
		if ((rc = record(h, f, nf, line, cb, arg, what)) != 0)
			return rc;
	}
	h->lines = line;
	if (!version)
		return px_error_set(PX_EINVAL,
		    "%s holds no version line: it is not an RIR delegation "
		    "file",
		    what ? what : "the delegation file");
	return 0;
}
