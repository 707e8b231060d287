/*
 * Fuzzes RIR delegation files and the routing table built from them:
 * parsing either refuses the file with a message or yields records whose
 * ranges are ordered, and every address of a delegated range routes to
 * a country (the flattened table covers what was delegated).
 */
#include "fuzz_feed.h"
#include "model/routing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	struct px_addr first[8];
	size_t n;
};

static int
check_rec(const struct px_rir_record *r, void *arg)
{
	struct seen *s = arg;

	if (r->type == PX_RIR_ASN)
		CHECK(r->asn_lo <= r->asn_hi);
	else {
		CHECK(px_addr_cmp(&r->lo, &r->hi) <= 0);
		if (s->n < 8)
			s->first[s->n++] = r->lo;
	}
	CHECK(strlen(r->cc) == 2);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_rir_header h;
	struct seen s = { .n = 0 };
	struct px_rtable *t = NULL;
	const char *text = (const char *)data;

	if (px_rir_parse(text, size, &h, check_rec, &s, "fuzz") != 0) {
		CHECK(*px_error_last() != '\0');
		return 0;
	}
	CHECK(px_rtable_new(&t) == 0);
	CHECK(px_rtable_add_file(t, text, size, "", "fuzz", NULL) == 0);
	CHECK(px_rtable_build(t) == 0);
	for (size_t i = 0; i < s.n; i++) {
		static struct px_event e;
		struct px_rt_result r;

		px_event_reset(&e);
		e.type = PX_EVT_SCANNER;
		e.tlp = 1;
		e.src.ip = s.first[i];
		px_route_event(&r, t, &e, 0);
		CHECK(r.by == PX_RT_BY_COUNTRY);
		CHECK(
		    r.status == PX_RT_UNROUTABLE || r.status == PX_RT_DISPUTED);
	}
	px_rtable_free(t);
	return 0;
}
