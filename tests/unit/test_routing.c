/*
 * Routing tables (model/routing.c): precedence (override, network, AS
 * number, country), expiry, disputes, TLP, and the explanation a peer
 * receives.  tests/integration/t_routing.sh checks many random events
 * against an independent oracle in Python.
 */
#include "helpers.h"

#include "model/routing.h"

static const char deleg[] =
    "2|ripencc|20261201|5|19830705|20261130|+0100\n"
    "ripencc|DE|ipv4|192.0.2.0|256|20100101|allocated\n"
    "ripencc|AT|ipv4|198.51.100.0|300|20100101|allocated\n"
    "ripencc|FR|ipv4|203.0.113.0|256|20100101|allocated\n"
    "ripencc|DE|ipv6|2001:db8::|32|20100101|allocated\n"
    "ripencc|AT|ipv4|192.0.2.64|64|20100101|assigned\n";

static struct px_rtable *
table(void)
{
	struct px_rtable *t = NULL;
	json_t *b = json_pack("{s[s]}", "countries", "DE");
	json_t *c = json_pack("{s[s]s[s]s[s]s{s[s]}}", "countries", "AT",
	    "asns", "AS64510-AS64519", "networks", "192.0.2.128/25", "own",
	    "networks", "192.0.2.192/26");
	json_t *self = json_pack("{s[s]}", "countries", "CN");
	struct px_rt_override o;

	assert_int_equal(px_rtable_new(&t), 0);
	assert_int_equal(px_rtable_add_file(t, deleg, sizeof(deleg) - 1, "ab12",
	                     "delegated-ripencc", NULL),
	    0);
	assert_int_equal(
	    px_rtable_add_party(t, "cert-a.example", 1, true, self, NULL), 0);
	assert_int_equal(
	    px_rtable_add_party(t, "cert-b.example", 3, false, b, NULL), 0);
	assert_int_equal(
	    px_rtable_add_party(t, "cert-c.example", 2, false, c, NULL), 0);
	memset(&o, 0, sizeof(o));
	o.party = 2;
	assert_int_equal(
	    px_ev_parse_net(&o.net, &o.len, "192.0.2.0/26", 12, "override"), 0);
	o.from_ms = T0;
	o.until_ms = T0 + 86400000;
	snprintf(o.id, sizeof(o.id), "%064d", 7);
	px_rtable_add_override(t, &o);
	assert_int_equal(px_rtable_build(t), 0);
	json_decref(b);
	json_decref(c);
	json_decref(self);
	return t;
}

static struct px_rt_result
route(const struct px_rtable *t, const char *ip, int64_t asn, int tlp,
    int64_t now)
{
	struct px_event *e = px_malloc(sizeof(*e));
	struct px_rt_result r;

	px_event_reset(e);
	e->type = PX_EVT_INFECTED_SYSTEM;
	e->tlp = tlp;
	e->t_source = now;
	if (ip)
		assert_int_equal(
		    px_ev_parse_ip(&e->src.ip, ip, strlen(ip), "ip"), 0);
	e->src.asn = asn;
	px_route_event(&r, t, e, now);
	free(e);
	return r;
}

static void
test_precedence(void **state)
{
	struct px_rtable *t = table();
	struct px_rt_result r;
	int64_t later = T0 + 2 * 86400000LL;

	(void)state;
	/* By country: the DE block, line 2. */
	r = route(t, "192.0.2.10", -1, PX_TLP_AMBER, later);
	assert_int_equal(r.status, PX_RT_ROUTED);
	assert_int_equal(r.by, PX_RT_BY_COUNTRY);
	assert_string_equal(px_rtable_party_name(t, r.party), "cert-b.example");
	assert_int_equal(r.line, 2);
	/* A smaller delegation inside it (AT, line 6) wins. */
	r = route(t, "192.0.2.70", -1, PX_TLP_AMBER, later);
	assert_int_equal(r.line, 6);
	assert_string_equal(px_rtable_party_name(t, r.party), "cert-c.example");
	/* A non-power-of-two count: 198.51.100.0 + 300 reaches .101.43. */
	r = route(t, "198.51.101.43", -1, PX_TLP_AMBER, later);
	assert_int_equal(r.status, PX_RT_ROUTED);
	assert_int_equal(r.line, 3);
	r = route(t, "198.51.101.44", -1, PX_TLP_AMBER, later);
	assert_int_equal(r.status, PX_RT_UNROUTABLE);
	assert_non_null(strstr(r.reason, "no loaded delegation"));
	/* A constituency network beats the country. */
	r = route(t, "192.0.2.130", -1, PX_TLP_AMBER, later);
	assert_int_equal(r.by, PX_RT_BY_NETWORK);
	assert_string_equal(px_rtable_party_name(t, r.party), "cert-c.example");
	/* An AS number beats the country too. */
	r = route(t, "192.0.2.10", 64515, PX_TLP_AMBER, later);
	assert_int_equal(r.by, PX_RT_BY_ASN);
	assert_int_equal(r.asn, 64515);
	/* The override holds for its day only. */
	r = route(t, "192.0.2.10", -1, PX_TLP_AMBER, T0 + 1000);
	assert_int_equal(r.by, PX_RT_BY_OVERRIDE);
	assert_string_equal(px_rtable_party_name(t, r.party), "cert-c.example");
	r = route(t, "192.0.2.10", -1, PX_TLP_AMBER, T0 - 1);
	assert_int_equal(r.by, PX_RT_BY_COUNTRY);
	r = route(t, "192.0.2.10", -1, PX_TLP_AMBER, T0 + 86400000);
	assert_int_equal(r.by, PX_RT_BY_COUNTRY);
	/* IPv6 by country; FR belongs to nobody. */
	r = route(t, "2001:db8:1::5", -1, PX_TLP_AMBER, later);
	assert_string_equal(px_rtable_party_name(t, r.party), "cert-b.example");
	r = route(t, "203.0.113.1", -1, PX_TLP_AMBER, later);
	assert_int_equal(r.status, PX_RT_UNROUTABLE);
	assert_string_equal(r.cc, "FR");
	r = route(t, NULL, -1, PX_TLP_AMBER, later);
	assert_int_equal(r.status, PX_RT_UNROUTABLE);
	px_rtable_free(t);
}

static void
test_tlp_and_disputes(void **state)
{
	struct px_rtable *t = table();
	struct px_rt_override o;
	struct px_rt_result r;
	struct px_buf b;

	(void)state;
	r = route(t, "192.0.2.10", -1, PX_TLP_RED, T0 + 5);
	assert_int_equal(r.status, PX_RT_WITHHELD);
	/* AMBER+STRICT only to the organisation's own networks. */
	r = route(t, "192.0.2.10", -1, PX_TLP_AMBER_STRICT, T0 - 5);
	assert_int_equal(r.status, PX_RT_WITHHELD);
	r = route(t, "192.0.2.200", -1, PX_TLP_AMBER_STRICT, T0 - 5);
	assert_int_equal(r.status, PX_RT_ROUTED);
	assert_true(r.own);
	/* Two overrides of the same prefix for different parties. */
	memset(&o, 0, sizeof(o));
	o.party = 1;
	assert_int_equal(
	    px_ev_parse_net(&o.net, &o.len, "192.0.2.0/26", 12, "o"), 0);
	o.from_ms = T0;
	o.until_ms = T0 + 1000;
	px_rtable_add_override(t, &o);
	r = route(t, "192.0.2.10", -1, PX_TLP_AMBER, T0 + 5);
	assert_int_equal(r.status, PX_RT_DISPUTED);
	px_buf_init(&b, PX_BUF_NOCAP);
	px_route_json(&b, t, &r);
	assert_string_equal(b.data,
	    "{\"by\":\"override\","
	    "\"claimants\":[\"cert-b.example\",\"cert-c.example\"],"
	    "\"override\":\"0000000000000000000000000000000000000000000000000"
	    "000000000000007\",\"reason\":\"two overrides in effect name "
	    "different parties\",\"side\":\"source\",\"status\":"
	    "\"disputed\"}");
	px_buf_reset(&b);
	r = route(t, "192.0.2.10", -1, PX_TLP_AMBER, T0 + 2000);
	assert_int_equal(r.status, PX_RT_ROUTED);
	px_route_json(&b, t, &r);
	assert_string_equal(b.data,
	    "{\"by\":\"override\","
	    "\"card\":2,\"override\":\"000000000000000000000000000000000000"
	    "0000000000000000000000000007\",\"side\":\"source\",\"to\":"
	    "\"cert-c.example\"}");
	px_buf_reset(&b);
	r = route(t, "192.0.2.10", -1, PX_TLP_AMBER, T0 + 90000000);
	px_route_json(&b, t, &r);
	assert_string_equal(b.data,
	    "{\"by\":\"country\","
	    "\"card\":3,\"cc\":\"DE\",\"file\":{\"registry\":\"ripencc\","
	    "\"serial\":\"20261201\",\"sha256\":\"ab12\"},\"line\":2,"
	    "\"side\":\"source\",\"to\":\"cert-b.example\"}");
	px_buf_dispose(&b);
	/* Our own constituency: not shared. */
	{
		const char own[] =
		    "2|apnic|1|1\n"
		    "apnic|CN|ipv4|100.64.0.0|1024|x|allocated\n";
		struct px_rtable *u = NULL;
		json_t *cn = json_pack("{s[s]}", "countries", "CN");
		json_t *de = json_pack("{s[s]}", "countries", "CN");

		assert_int_equal(px_rtable_new(&u), 0);
		assert_int_equal(
		    px_rtable_add_file(u, own, sizeof(own) - 1, "", "f", NULL),
		    0);
		assert_int_equal(
		    px_rtable_add_party(u, "a", 1, true, cn, NULL), 0);
		assert_int_equal(px_rtable_build(u), 0);
		r = route(u, "100.64.1.1", -1, PX_TLP_GREEN, T0);
		assert_int_equal(r.status, PX_RT_OWN);
		/* A second party claiming CN: disputed. */
		assert_int_equal(
		    px_rtable_add_party(u, "b", 1, false, de, NULL), 0);
		assert_int_equal(px_rtable_build(u), 0);
		r = route(u, "100.64.1.1", -1, PX_TLP_GREEN, T0);
		assert_int_equal(r.status, PX_RT_DISPUTED);
		json_decref(cn);
		json_decref(de);
		px_rtable_free(u);
	}
	px_rtable_free(t);
}

static void
test_constituency_check(void **state)
{
	json_t *c;

	(void)state;
	c = json_pack("{s[s]}", "countries", "de");
	assert_int_equal(px_constituency_check(c, "card"), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "two-letter"));
	json_decref(c);
	c = json_pack("{s[s]}", "networks", "192.0.2.1/24");
	assert_int_equal(px_constituency_check(c, "card"), PX_EINVAL);
	json_decref(c);
	c = json_pack("{s[s]}", "asns", "AS10-AS5");
	assert_int_equal(px_constituency_check(c, "card"), PX_EINVAL);
	json_decref(c);
	c = json_pack(
	    "{s[s]s{s[s]}}", "countries", "DE", "own", "asns", "AS64500");
	assert_int_equal(px_constituency_check(c, "card"), 0);
	json_decref(c);
	c = json_pack("{s[s]}", "regions", "EU");
	assert_int_equal(px_constituency_check(c, "card"), PX_EINVAL);
	json_decref(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_tlp_and_disputes),
		cmocka_unit_test(test_constituency_check),
	};

	if (px_crypto_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
