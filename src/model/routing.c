/*
 * Routing tables (routing.h).
 *
 * Every kind of range (delegated address blocks, constituency networks
 * and AS numbers) is flattened once into sorted, non-overlapping
 * segments, each carrying the most specific range that covers it, so a
 * lookup is one binary search.  Delegation files do not overlap in
 * practice; where generated or hand-made ones do, the smaller range wins,
 * and two equally small ranges naming different countries (or two
 * parties claiming the same network) leave a segment marked in conflict:
 * the event is disputed rather than routed by the order of lines.
 *
 * Addresses are keys in one 128-bit space per family (IPv4 and AS numbers
 * use the low 32 bits), so one flattening and one search serve all.
 */
#include "model/routing.h"
#include "util/util.h"

typedef unsigned __int128 u128;

const char *const px_rt_status_names[PX_RT__N] = { "routed", "own",
	"unroutable", "disputed", "withheld", "dismissed" };
const char *const px_rt_by_names[PX_RT_BY__N] = { "", "override", "network",
	"asn", "country" };

struct rng {
	u128 lo, hi;
	int32_t payload;
	int32_t party; /* what a conflict compares (party or country) */
};

struct seg {
	u128 lo, hi;
	int32_t payload; /* the winning range's payload */
	int32_t other;   /* a conflicting payload, or -1 */
};

struct table {
	struct rng *r;
	size_t n, cap;
	struct seg *s;
	size_t ns;
};

struct rec {
	int16_t file;
	char cc[2];
	uint32_t line;
};

struct party {
	char *name;
	int64_t card;
	bool self;
	uint32_t *countries; /* cc as (c0 << 8 | c1) */
	size_t ncountries;
};

struct cnet {
	int32_t party;
	bool own;
	bool asn;
	uint32_t asn_lo, asn_hi;
	struct px_addr net;
	uint8_t len;
};

struct px_rtable {
	struct px_rt_file_s {
		char registry[32], serial[32], sha256[65];
	} * files;
	size_t nfiles;
	struct rec *recs;
	size_t nrecs, caprecs;
	struct table deleg4, deleg6, delegasn;
	struct party *parties;
	size_t nparties;
	struct cnet *cnets;
	size_t ncnets;
	struct table cons4, cons6, consasn;
	struct px_rt_override *ovr;
	size_t novr;
	/* The party (or -2 for several) claiming each country. */
	int32_t by_cc[26 * 26];
	int32_t by_cc_other[26 * 26];
	uint64_t dst_types;
};

static u128
key_of(const struct px_addr *a)
{
	u128 k = 0;
	int n = a->fam == 4 ? 4 : 16;

	for (int i = 0; i < n; i++)
		k = k << 8 | a->b[i];
	return k;
}

static u128
prefix_last(u128 lo, unsigned len, unsigned bits)
{
	if (len >= bits)
		return lo;
	return lo | ((((u128)1) << (bits - len)) - 1);
}

static void
table_add(struct table *t, u128 lo, u128 hi, int32_t payload, int32_t party)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->r = px_realloc(t->r, t->cap * sizeof(*t->r));
	}
	t->r[t->n].lo = lo;
	t->r[t->n].hi = hi;
	t->r[t->n].payload = payload;
	t->r[t->n].party = party;
	t->n++;
}

static int
by_lo(const void *a, const void *b)
{
	const struct rng *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	/* Wider first, then by payload, so the order is total. */
	if (x->hi != y->hi)
		return x->hi > y->hi ? -1 : 1;
	return x->payload < y->payload ? -1 : x->payload > y->payload;
}

static int
u128_cmp(const void *a, const void *b)
{
	const u128 *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* Flattens t->r into t->s (see the top of the file). */
static void
flatten(struct table *t)
{
	u128 *b = NULL, all = ~(u128)0;
	size_t nb = 0, i = 0, *act = NULL, nact = 0;

	free(t->s);
	t->s = NULL;
	t->ns = 0;
	if (t->n == 0)
		return;
	qsort(t->r, t->n, sizeof(*t->r), by_lo);
	b = px_calloc(2 * t->n, sizeof(*b));
	for (size_t k = 0; k < t->n; k++) {
		b[nb++] = t->r[k].lo;
		if (t->r[k].hi != all)
			b[nb++] = t->r[k].hi + 1;
	}
	qsort(b, nb, sizeof(*b), u128_cmp);
	act = px_calloc(t->n, sizeof(*act));
	t->s = px_calloc(nb, sizeof(*t->s));
	for (size_t k = 0; k < nb; k++) {
		u128 x = b[k], next;
		size_t best = (size_t)-1, keep = 0;
		int32_t other = -1;

		if (k > 0 && b[k - 1] == x)
			continue;
		/* Ranges that ended before x leave; those starting at or
		 * before x join. */
		for (size_t a = 0; a < nact; a++)
			if (t->r[act[a]].hi >= x)
				act[keep++] = act[a];
		nact = keep;
		while (i < t->n && t->r[i].lo <= x) {
			if (t->r[i].hi >= x)
				act[nact++] = i;
			i++;
		}
		if (nact == 0)
			continue;
		for (size_t a = 0; a < nact; a++) {
			const struct rng *c = &t->r[act[a]];

			if (best == (size_t)-1 ||
			    c->hi - c->lo < t->r[best].hi - t->r[best].lo) {
				best = act[a];
				other = -1;
			} else if (c->hi - c->lo ==
			        t->r[best].hi - t->r[best].lo &&
			    c->party != t->r[best].party) {
				other = c->payload;
			}
		}
		/* Where the next boundary is, this segment ends. */
		next = x;
		{
			size_t m = k + 1;

			while (m < nb && b[m] == x)
				m++;
			next = m < nb ? b[m] - 1 : all;
		}
		{
			struct seg *last = t->ns ? &t->s[t->ns - 1] : NULL;
			const struct rng *w = &t->r[best];

			if (next > w->hi)
				next = w->hi;
			if (last && last->hi + 1 == x &&
			    last->payload == w->payload &&
			    last->other == other) {
				last->hi = next;
			} else {
				t->s[t->ns].lo = x;
				t->s[t->ns].hi = next;
				t->s[t->ns].payload = w->payload;
				t->s[t->ns].other = other;
				t->ns++;
			}
		}
	}
	free(b);
	free(act);
}

static const struct seg *
find(const struct table *t, u128 x)
{
	size_t lo = 0, hi = t->ns;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->s[mid].hi < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->ns && t->s[lo].lo <= x && x <= t->s[lo].hi)
		return &t->s[lo];
	return NULL;
}

int
px_rtable_new(struct px_rtable **out)
{
	struct px_rtable *t = px_calloc(1, sizeof(*t));

	for (size_t i = 0; i < PX_ARRAY_LEN(t->by_cc); i++)
		t->by_cc[i] = t->by_cc_other[i] = -1;
	*out = t;
	return 0;
}

static void
table_free(struct table *t)
{
	free(t->r);
	free(t->s);
}

void
px_rtable_free(struct px_rtable *t)
{
	if (t == NULL)
		return;
	free(t->files);
	free(t->recs);
	table_free(&t->deleg4);
	table_free(&t->deleg6);
	table_free(&t->delegasn);
	table_free(&t->cons4);
	table_free(&t->cons6);
	table_free(&t->consasn);
	for (size_t i = 0; i < t->nparties; i++) {
		free(t->parties[i].name);
		free(t->parties[i].countries);
	}
	free(t->parties);
	free(t->cnets);
	free(t->ovr);
	free(t);
}

struct add_ctx {
	struct px_rtable *t;
	int file;
};

static int
add_record(const struct px_rir_record *r, void *arg)
{
	struct add_ctx *c = arg;
	struct px_rtable *t = c->t;
	int32_t idx = (int32_t)t->nrecs;
	int32_t cc = (int32_t)(r->cc[0] << 8 | r->cc[1]);

	if (t->nrecs == t->caprecs) {
		t->caprecs = t->caprecs ? t->caprecs * 2 : 1024;
		t->recs = px_realloc(t->recs, t->caprecs * sizeof(*t->recs));
	}
	t->recs[idx].file = (int16_t)c->file;
	t->recs[idx].cc[0] = r->cc[0];
	t->recs[idx].cc[1] = r->cc[1];
	t->recs[idx].line = r->line;
	t->nrecs++;
	if (r->type == PX_RIR_ASN)
		table_add(&t->delegasn, r->asn_lo, r->asn_hi, idx, cc);
	else
		table_add(r->type == PX_RIR_IPV4 ? &t->deleg4 : &t->deleg6,
		    key_of(&r->lo), key_of(&r->hi), idx, cc);
	return 0;
}

int
px_rtable_add_file(struct px_rtable *t, const char *text, size_t n,
    const char *sha256, const char *what, int *index)
{
	struct px_rir_header h;
	struct add_ctx c = { .t = t, .file = (int)t->nfiles };
	size_t keep = t->nrecs;
	size_t k4 = t->deleg4.n, k6 = t->deleg6.n, ka = t->delegasn.n;
	int rc;

	if (t->nfiles >= INT16_MAX)
		return px_error_set(PX_ETOOBIG, "too many delegation files");
	if ((rc = px_rir_parse(text, n, &h, add_record, &c, what)) < 0) {
		t->nrecs = keep;
		t->deleg4.n = k4;
		t->deleg6.n = k6;
		t->delegasn.n = ka;
		return rc;
	}
	t->files = px_realloc(t->files, (t->nfiles + 1) * sizeof(*t->files));
	snprintf(t->files[t->nfiles].registry, 32, "%s", h.registry);
	snprintf(t->files[t->nfiles].serial, 32, "%s", h.serial);
	snprintf(t->files[t->nfiles].sha256, 65, "%s", sha256 ? sha256 : "");
	if (index)
		*index = (int)t->nfiles;
	t->nfiles++;
	return 0;
}

static int
cc_index(const char *s)
{
	if (s == NULL || strlen(s) != 2 || s[0] < 'A' || s[0] > 'Z' ||
	    s[1] < 'A' || s[1] > 'Z')
		return -1;
	return (s[0] - 'A') * 26 + (s[1] - 'A');
}

int
px_asn_range(uint32_t *lo, uint32_t *hi, const char *s)
{
	const char *dash = strchr(s, '-');
	int64_t a, b;

	if (px_ev_parse_asn(
	        &a, s, dash ? (size_t)(dash - s) : strlen(s), "AS number") < 0)
		return PX_EINVAL;
	b = a;
	if (dash &&
	    px_ev_parse_asn(&b, dash + 1, strlen(dash + 1), "AS number") < 0)
		return PX_EINVAL;
	if (b < a)
		return px_error_set(
		    PX_EINVAL, "AS range '%s' ends before it starts", s);
	*lo = (uint32_t)a;
	*hi = (uint32_t)b;
	return 0;
}

static struct cnet *
new_cnet(struct px_rtable *t, int32_t party, bool own)
{
	struct cnet *c;

	t->cnets = px_realloc(t->cnets, (t->ncnets + 1) * sizeof(*t->cnets));
	c = &t->cnets[t->ncnets++];
	memset(c, 0, sizeof(*c));
	c->party = party;
	c->own = own;
	return c;
}

/* Walks a constituency's lists; `t` NULL only validates. */
static int
walk(struct px_rtable *t, int32_t party, const json_t *c, const char *what)
{
	static const char *const mem[] = { "countries", "asns", "networks",
		"own", NULL };
	const json_t *own = json_object_get(c, "own"), *a, *v;
	size_t i;
	const char *k;
	json_t *x;

	if (!json_is_object(c))
		return px_error_set(
		    PX_EINVAL, "%s: 'constituency' must be an object", what);
	json_object_foreach((json_t *)c, k, x)
	{
		bool ok = false;

		for (const char *const *m = mem; *m; m++)
			ok |= strcmp(*m, k) == 0;
		if (!ok)
			return px_error_set(PX_EINVAL,
			    "%s: constituency member '%s' is not one of "
			    "countries, asns, networks, own",
			    what, k);
	}
	if (own &&
	    (!json_is_object(own) ||
	        (json_object_size(own) > 0 && !json_object_get(own, "asns") &&
	            !json_object_get(own, "networks"))))
		return px_error_set(PX_EINVAL,
		    "%s: constituency 'own' must be an object with asns "
		    "and/or networks",
		    what);
	a = json_object_get(c, "countries");
	if (a && (!json_is_array(a) || json_array_size(a) > 300))
		return px_error_set(PX_EINVAL,
		    "%s: constituency countries must be an array (at most "
		    "300)",
		    what);
	json_array_foreach(a, i, v)
	{
		int ci = cc_index(json_string_value(v));

		if (ci < 0)
			return px_error_set(PX_EINVAL,
			    "%s: constituency country %zu is not a two-letter "
			    "code in capitals (ISO 3166, e.g. DE)",
			    what, i + 1);
		if (t) {
			struct party *p = &t->parties[party];

			p->countries = px_realloc(p->countries,
			    (p->ncountries + 1) * sizeof(*p->countries));
			p->countries[p->ncountries++] = (uint32_t)ci;
		}
	}
	for (int pass = 0; pass < 2; pass++) {
		const json_t *src = pass == 0 ? c : own;
		const json_t *asns = json_object_get(src, "asns");
		const json_t *nets = json_object_get(src, "networks");

		if (src == NULL)
			continue;
		if ((asns &&
		        (!json_is_array(asns) ||
		            json_array_size(asns) > 10000)) ||
		    (nets &&
		        (!json_is_array(nets) || json_array_size(nets) > 4096)))
			return px_error_set(PX_EINVAL,
			    "%s: constituency asns and networks must be "
			    "arrays (at most 10000 and 4096)",
			    what);
		json_array_foreach(asns, i, v)
		{
			uint32_t lo, hi;
			const char *s = json_string_value(v);

			if (s == NULL || px_asn_range(&lo, &hi, s) < 0)
				return px_error_set(PX_EINVAL,
				    "%s: constituency AS number %zu must be "
				    "AS64500 or AS64500-AS64510",
				    what, i + 1);
			if (t) {
				struct cnet *cn = new_cnet(t, party, pass == 1);

				cn->asn = true;
				cn->asn_lo = lo;
				cn->asn_hi = hi;
			}
		}
		json_array_foreach(nets, i, v)
		{
			struct px_addr net;
			uint8_t len;
			const char *s = json_string_value(v);

			if (s == NULL ||
			    px_ev_parse_net(
			        &net, &len, s, strlen(s), "network") < 0)
				return px_error_set(PX_EINVAL,
				    "%s: constituency network %zu must be a "
				    "network with its host bits zero (e.g. "
				    "192.0.2.0/24)",
				    what, i + 1);
			if (t) {
				struct cnet *cn = new_cnet(t, party, pass == 1);

				cn->net = net;
				cn->len = len;
			}
		}
	}
	return 0;
}

int
px_constituency_check(const json_t *c, const char *what)
{
	return walk(NULL, 0, c, what);
}

int
px_rtable_add_party(struct px_rtable *t, const char *name, int64_t card_version,
    bool self, const json_t *constituency, int *index)
{
	struct party *p;
	int rc;

	t->parties =
	    px_realloc(t->parties, (t->nparties + 1) * sizeof(*t->parties));
	p = &t->parties[t->nparties];
	memset(p, 0, sizeof(*p));
	p->name = px_strdup(name);
	p->card = card_version;
	p->self = self;
	t->nparties++;
	if (constituency &&
	    (rc = walk(t, (int32_t)(t->nparties - 1), constituency, name)) < 0)
		return rc;
	if (index)
		*index = (int)(t->nparties - 1);
	return 0;
}

void
px_rtable_add_override(struct px_rtable *t, const struct px_rt_override *o)
{
	t->ovr = px_realloc(t->ovr, (t->novr + 1) * sizeof(*t->ovr));
	t->ovr[t->novr++] = *o;
}

void
px_rtable_set_dst_types(struct px_rtable *t, uint64_t types)
{
	t->dst_types = types;
}

int
px_rtable_build(struct px_rtable *t)
{
	t->cons4.n = t->cons6.n = t->consasn.n = 0;
	for (size_t i = 0; i < t->ncnets; i++) {
		const struct cnet *c = &t->cnets[i];

		if (c->asn)
			table_add(&t->consasn, c->asn_lo, c->asn_hi, (int32_t)i,
			    c->party);
		else {
			unsigned bits = c->net.fam == 4 ? 32 : 128;
			u128 lo = key_of(&c->net);

			table_add(c->net.fam == 4 ? &t->cons4 : &t->cons6, lo,
			    prefix_last(lo, c->len, bits), (int32_t)i,
			    c->party);
		}
	}
	flatten(&t->deleg4);
	flatten(&t->deleg6);
	flatten(&t->delegasn);
	flatten(&t->cons4);
	flatten(&t->cons6);
	flatten(&t->consasn);
	for (size_t i = 0; i < PX_ARRAY_LEN(t->by_cc); i++)
		t->by_cc[i] = t->by_cc_other[i] = -1;
	for (size_t p = 0; p < t->nparties; p++)
		for (size_t k = 0; k < t->parties[p].ncountries; k++) {
			uint32_t ci = t->parties[p].countries[k];

			if (t->by_cc[ci] == -1)
				t->by_cc[ci] = (int32_t)p;
			else if (t->by_cc[ci] != (int32_t)p)
				t->by_cc_other[ci] = (int32_t)p;
		}
	return 0;
}

static bool
in_net(const struct px_addr *ip, const struct px_addr *net, unsigned len)
{
	unsigned full = len / 8, rest = len % 8;

	if (ip->fam != net->fam)
		return false;
	if (memcmp(ip->b, net->b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((ip->b[full] ^ net->b[full]) & (0xff << (8 - rest))) == 0;
}

static void
disputed(struct px_rt_result *r, int a, int b, const char *why)
{
	r->status = PX_RT_DISPUTED;
	r->party = a;
	r->other = b;
	r->reason = why;
}

void
px_route_event(struct px_rt_result *r, const struct px_rtable *t,
    const struct px_event *e, int64_t now)
{
	bool dst;
	const struct px_ev_end *side = px_event_side(e, t->dst_types, &dst);
	const struct px_addr *ip = &side->ip;
	const struct seg *s;
	int best = -1, second = -1, bestspec = -2;

	memset(r, 0, sizeof(*r));
	r->party = r->other = r->file = r->ovr = -1;
	r->dst = dst;
	r->status = PX_RT_UNROUTABLE;
	if (e->tlp == PX_TLP_RED) {
		r->status = PX_RT_WITHHELD;
		r->reason = "TLP:RED events are never routed";
		return;
	}
	/* 1. Overrides in effect now; a network beats an AS number, a
	 * longer prefix a shorter one. */
	for (size_t i = 0; i < t->novr; i++) {
		const struct px_rt_override *o = &t->ovr[i];
		int spec;

		if (now < o->from_ms || now >= o->until_ms)
			continue;
		if (o->is_asn) {
			if (side->asn < 0 || (uint32_t)side->asn != o->asn)
				continue;
			spec = -1;
		} else {
			if (!ip->fam || !in_net(ip, &o->net, o->len))
				continue;
			spec = o->len;
		}
		if (spec > bestspec) {
			bestspec = spec;
			best = (int)i;
			second = -1;
		} else if (spec == bestspec && t->ovr[best].party != o->party) {
			second = (int)i;
		}
	}
	if (best >= 0) {
		r->by = PX_RT_BY_OVERRIDE;
		r->ovr = best;
		if (second >= 0) {
			disputed(r, t->ovr[best].party, t->ovr[second].party,
			    "two overrides in effect name different parties");
			return;
		}
		r->party = t->ovr[best].party;
		goto found;
	}
	/* 2. A constituency network. */
	if (ip->fam &&
	    (s = find(ip->fam == 4 ? &t->cons4 : &t->cons6, key_of(ip))) !=
	        NULL) {
		const struct cnet *c = &t->cnets[s->payload];

		r->by = PX_RT_BY_NETWORK;
		r->net = c->net;
		r->len = c->len;
		if (s->other >= 0) {
			disputed(r, c->party, t->cnets[s->other].party,
			    "two parties' constituencies hold the network");
			return;
		}
		r->party = c->party;
		r->own = c->own;
		goto found;
	}
	/* 3. The AS number the feed gives. */
	if (side->asn > 0 &&
	    (s = find(&t->consasn, (u128)(uint64_t)side->asn)) != NULL) {
		const struct cnet *c = &t->cnets[s->payload];

		r->by = PX_RT_BY_ASN;
		r->asn = (uint32_t)side->asn;
		if (s->other >= 0) {
			disputed(r, c->party, t->cnets[s->other].party,
			    "two parties' constituencies hold the AS number");
			return;
		}
		r->party = c->party;
		r->own = c->own;
		goto found;
	}
	/* 4. The country the address was delegated to. */
	if (!ip->fam) {
		r->reason = dst ? "no address on the destination side (host "
		                  "names are not routed)"
		                : "no address on the source side (host names "
		                  "are not routed)";
		return;
	}
	s = find(ip->fam == 4 ? &t->deleg4 : &t->deleg6, key_of(ip));
	if (s == NULL) {
		r->reason = "the address is in no loaded delegation file";
		return;
	}
	{
		const struct rec *d = &t->recs[s->payload];
		int ci;

		r->by = PX_RT_BY_COUNTRY;
		r->file = d->file;
		r->line = d->line;
		r->cc[0] = d->cc[0];
		r->cc[1] = d->cc[1];
		if (s->other >= 0) {
			r->status = PX_RT_DISPUTED;
			r->reason =
			    "overlapping delegations of equal size name "
			    "different countries";
			return;
		}
		ci = (d->cc[0] - 'A') * 26 + (d->cc[1] - 'A');
		if (t->by_cc[ci] < 0) {
			r->reason = "no party's constituency holds the country";
			return;
		}
		if (t->by_cc_other[ci] >= 0) {
			disputed(r, t->by_cc[ci], t->by_cc_other[ci],
			    "two parties' constituencies hold the country");
			return;
		}
		r->party = t->by_cc[ci];
	}
found:
	if (t->parties[r->party].self) {
		r->status = PX_RT_OWN;
		return;
	}
	if (e->tlp == PX_TLP_AMBER_STRICT && !r->own) {
		r->status = PX_RT_WITHHELD;
		r->reason = "TLP:AMBER+STRICT goes only to the organisation "
		            "itself, and the address is not in the party's own "
		            "networks or AS numbers";
		return;
	}
	r->status = PX_RT_ROUTED;
}

int
px_rtable_party(const struct px_rtable *t, const char *name)
{
	for (size_t i = 0; i < t->nparties; i++)
		if (strcmp(t->parties[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *
px_rtable_party_name(const struct px_rtable *t, int i)
{
	return i >= 0 && (size_t)i < t->nparties ? t->parties[i].name : NULL;
}

int64_t
px_rtable_party_card(const struct px_rtable *t, int i)
{
	return i >= 0 && (size_t)i < t->nparties ? t->parties[i].card : 0;
}

size_t
px_rtable_nparties(const struct px_rtable *t)
{
	return t->nparties;
}

size_t
px_rtable_nfiles(const struct px_rtable *t)
{
	return t->nfiles;
}

void
px_rtable_file(const struct px_rtable *t, int i, const char **registry,
    const char **serial, const char **sha256)
{
	*registry = t->files[i].registry;
	*serial = t->files[i].serial;
	*sha256 = t->files[i].sha256;
}

const struct px_rt_override *
px_rtable_override(const struct px_rtable *t, int i)
{
	return i >= 0 && (size_t)i < t->novr ? &t->ovr[i] : NULL;
}

void
px_rtable_counts(const struct px_rtable *t, size_t *v4, size_t *v6, size_t *asn)
{
	*v4 = t->deleg4.n;
	*v6 = t->deleg6.n;
	*asn = t->delegasn.n;
}

/* --- explanations --------------------------------------------------- */

static void
jstr(struct px_buf *b, const char *k, const char *v, bool *first)
{
	px_buf_putf(b, "%s\"%s\":\"", *first ? "" : ",", k);
	/* Names, serials and reasons are plain ASCII without quotes. */
	for (const char *p = v; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			px_buf_putf(b, "\\u%04x", (unsigned char)*p);
		else
			px_buf_put(b, p, 1);
	px_buf_put(b, "\"", 1);
	*first = false;
}

static void
jint(struct px_buf *b, const char *k, int64_t v, bool *first)
{
	px_buf_putf(b, "%s\"%s\":%lld", *first ? "" : ",", k, (long long)v);
	*first = false;
}

void
px_route_json(
    struct px_buf *b, const struct px_rtable *t, const struct px_rt_result *r)
{
	char ip[46], net[52], cc[3];
	bool first = true;

	/* Members in sorted order (RFC 8785). */
	px_buf_put(b, "{", 1);
	if (r->by == PX_RT_BY_ASN)
		jint(b, "asn", r->asn, &first);
	if (r->by != PX_RT_BY_NONE)
		jstr(b, "by", px_rt_by_names[r->by], &first);
	if (r->party >= 0 && r->status == PX_RT_ROUTED)
		jint(b, "card", t->parties[r->party].card, &first);
	if (r->by == PX_RT_BY_COUNTRY) {
		cc[0] = r->cc[0];
		cc[1] = r->cc[1];
		cc[2] = '\0';
		jstr(b, "cc", cc, &first);
	}
	if (r->status == PX_RT_DISPUTED && r->party >= 0 && r->other >= 0) {
		const char *a = t->parties[r->party].name;
		const char *c = t->parties[r->other].name;

		/* Party names are node names: [a-z0-9.-], nothing to
		 * escape. */
		px_buf_putf(b, ",\"claimants\":[\"%s\",\"%s\"]",
		    strcmp(a, c) < 0 ? a : c, strcmp(a, c) < 0 ? c : a);
	}
	if (r->by == PX_RT_BY_COUNTRY && r->file >= 0) {
		const struct px_rt_file_s *f = &t->files[r->file];

		px_buf_puts(b, ",\"file\":{");
		first = true;
		jstr(b, "registry", f->registry, &first);
		jstr(b, "serial", f->serial, &first);
		jstr(b, "sha256", f->sha256, &first);
		px_buf_puts(b, "}");
		jint(b, "line", r->line, &first);
	}
	if (r->by == PX_RT_BY_NETWORK) {
		px_addr_format(ip, &r->net);
		snprintf(net, sizeof(net), "%s/%u", ip, r->len);
		jstr(b, "network", net, &first);
	}
	if (r->by == PX_RT_BY_OVERRIDE && r->ovr >= 0)
		jstr(b, "override", t->ovr[r->ovr].id, &first);
	if (r->status != PX_RT_ROUTED && r->reason)
		jstr(b, "reason", r->reason, &first);
	jstr(b, "side", r->dst ? "destination" : "source", &first);
	if (r->status != PX_RT_ROUTED)
		jstr(b, "status", px_rt_status_names[r->status], &first);
	if (r->party >= 0 &&
	    (r->status == PX_RT_ROUTED || r->status == PX_RT_OWN ||
	        r->status == PX_RT_WITHHELD))
		jstr(b, "to", t->parties[r->party].name, &first);
	px_buf_put(b, "}", 1);
}
