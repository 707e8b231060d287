/*
 * The agreement exchange (model/accord.h): proposals as cases, their
 * answers, the version in force, and the terms each case counts under.
 * A (cert-a) and B (cert-b) propose to each other.
 */
#include "helpers.h"
#include "model/accord.h"
#include "model/canon.h"
#include "model/case.h"
#include "util/tz.h"

#define A "cert-a.example"
#define B "cert-b.example"

struct fx {
	struct chan a, b;
	struct px_accord acc;
};

static int
setup(void **state)
{
	struct fx *f = px_calloc(1, sizeof(*f));

	chan_init(&f->a, A, B, 1);
	chan_init(&f->b, B, A, 2);
	px_accord_init(&f->acc);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	px_accord_dispose(&f->acc);
	free(f);
	return 0;
}

/* A propose body for `version` with one setting changed from the
 * defaults ("P3.acknowledge=2h"); NULL kv keeps the defaults. */
static json_t *
proposal(int64_t version, const char *kv)
{
	struct px_agreement t;

	px_agreement_default(&t);
	if (kv && px_agreement_set(&t, kv) < 0)
		fail_msg("px_agreement_set: %s", px_error_last());
	return json_pack("{s{ss ss ss ss ss} s{sI so}}", "case", "kind",
	    "agreement", "category", "other", "priority", "P4", "tlp", "amber",
	    "title", "Agreement", "proposal", "version", (json_int_t)version,
	    "terms", px_agreement_to_json(&t));
}

static json_t *
answer(int64_t version, const char *hash)
{
	return json_pack(
	    "{sI ss}", "version", (json_int_t)version, "proposal", hash);
}

/* Proposal from `from` at t, answered by the other side at `at` with
 * `type` (accept or decline; 0 for none); added to the record.  Returns
 * the proposal's hash (static buffer per call site is enough here). */
static void
exchange(struct fx *f, bool from_a, int64_t version, const char *kv, int64_t t,
    enum px_msg_type type, int64_t at, char hash[PX_HASH_HEX])
{
	struct chan *p = from_a ? &f->a : &f->b, *q = from_a ? &f->b : &f->a;
	struct px_msg *m =
	    chan_send(p, NULL, PX_MSG_PROPOSE, t, proposal(version, kv));
	struct px_case c;
	struct px_proposal pr;

	px_case_init(&c);
	assert_int_equal(px_case_apply(&c, m), 0);
	assert_int_equal(c.kind, PX_KIND_AGREEMENT);
	assert_int_equal(c.proposal_version, version);
	memcpy(hash, m->hash, PX_HASH_HEX);
	if (type) {
		struct px_msg *r =
		    chan_send(q, c.id, type, at, answer(version, m->hash));

		assert_int_equal(px_case_apply(&c, r), 0);
		px_msg_free(r);
	}
	assert_int_equal(px_proposal_from_case(&pr, &c), 0);
	px_accord_add(&f->acc, &pr);
	px_msg_free(m);
	px_case_dispose(&c);
}

static void
test_case_rules(void **state)
{
	struct fx *f = *state;
	struct px_msg *m = chan_send(
	    &f->a, NULL, PX_MSG_PROPOSE, T0, proposal(1, "P3.acknowledge=2h"));
	struct px_msg *r = NULL;
	struct px_clock_status s[PX_CLK__N];
	struct px_calendar utc;
	struct px_case c;

	px_case_init(&c);
	px_calendar_init(&utc, px_tz_utc());
	assert_int_equal(px_case_apply(&c, m), 0);
	assert_int_equal(c.state, PX_ST_SENT);
	/* A proposal owes no deadline. */
	px_case_clocks(s, &c, &f->acc.defaults, &utc, T0 + 1000 * HOUR_MS);
	for (int k = 0; k < PX_CLK__N; k++)
		assert_int_equal(s[k].state, PX_CS_NA);
	/* The proposer does not accept its own proposal; nobody acks it. */
	assert_int_equal(px_case_allows(&c, PX_MSG_ACCEPT, A), PX_ECONFLICT);
	assert_int_equal(px_case_allows(&c, PX_MSG_ACK, B), PX_ECONFLICT);
	assert_int_equal(px_case_allows(&c, PX_MSG_WITHDRAW, B), PX_ECONFLICT);
	assert_int_equal(px_case_allows(&c, PX_MSG_NOTE, B), 0);
	/* An acceptance must name the proposal's version and hash. */
	r = chan_send(
	    &f->b, c.id, PX_MSG_ACCEPT, T0 + MIN_MS, answer(2, m->hash));
	assert_int_equal(px_case_apply(&c, r), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "another version"));
	/* Replayed (a peer sent it anyway), it is kept without effect. */
	assert_int_equal(px_case_replay(&c, r), 0);
	assert_int_equal(c.state, PX_ST_SENT);
	assert_non_null(c.why[1]);
	px_msg_free(r);
	r = chan_send(
	    &f->b, c.id, PX_MSG_ACCEPT, T0 + 2 * MIN_MS, answer(1, m->hash));
	assert_int_equal(px_case_apply(&c, r), 0);
	assert_int_equal(c.state, PX_ST_ACCEPTED);
	assert_ptr_equal(c.answer, c.msgs[2]);
	/* Once answered, it takes nothing but notes. */
	assert_int_equal(px_case_allows(&c, PX_MSG_DECLINE, B), PX_ECONFLICT);
	assert_int_equal(px_case_allows(&c, PX_MSG_WITHDRAW, A), PX_ECONFLICT);
	px_msg_free(r);
	px_msg_free(m);
	px_case_dispose(&c);
	px_calendar_dispose(&utc);
}

/* A withdraw and an accept that crossed in transit: replay order (time,
 * sender, seq) decides, the same on both sides. */
static void
test_withdraw_crosses_accept(void **state)
{
	struct fx *f = *state;
	struct px_msg *m =
	    chan_send(&f->a, NULL, PX_MSG_PROPOSE, T0, proposal(1, NULL));
	struct px_msg *w = chan_send(
	    &f->a, m->id, PX_MSG_WITHDRAW, T0 + MIN_MS, json_object());
	struct px_msg *r = chan_send(
	    &f->b, m->id, PX_MSG_ACCEPT, T0 + 2 * MIN_MS, answer(1, m->hash));
	struct px_proposal pr;
	struct px_case c;

	px_case_init(&c);
	assert_int_equal(px_case_replay(&c, m), 0);
	assert_int_equal(px_case_replay(&c, w), 0);
	assert_int_equal(px_case_replay(&c, r), 0);
	assert_int_equal(c.state, PX_ST_WITHDRAWN);
	assert_non_null(c.why[2]);
	assert_int_equal(px_proposal_from_case(&pr, &c), 0);
	assert_int_equal(pr.state, PX_PROP_WITHDRAWN);
	assert_int_equal(pr.answered_ms, T0 + MIN_MS);
	px_accord_add(&f->acc, &pr);
	assert_int_equal(px_accord_in_force(&f->acc, INT64_MAX), -1);
	px_msg_free(m);
	px_msg_free(w);
	px_msg_free(r);
	px_case_dispose(&c);
}

static void
test_in_force(void **state)
{
	struct fx *f = *state;
	char h1[PX_HASH_HEX], h2[PX_HASH_HEX], h3[PX_HASH_HEX];
	int i;

	/* Nothing accepted: version 0, the defaults. */
	assert_int_equal(px_accord_in_force(&f->acc, INT64_MAX), -1);
	assert_int_equal(px_accord_version(&f->acc, -1), 0);
	assert_int_equal(px_accord_next_version(&f->acc), 1);
	/* v1 accepted at T0+1h; v2 declined; v3 accepted at T0+3h. */
	exchange(f, true, 1, "P3.acknowledge=2h", T0, PX_MSG_ACCEPT,
	    T0 + HOUR_MS, h1);
	exchange(f, false, 2, "P3.acknowledge=1h", T0 + HOUR_MS, PX_MSG_DECLINE,
	    T0 + 2 * HOUR_MS, h2);
	exchange(f, false, 3, "P3.acknowledge=3h", T0 + 2 * HOUR_MS,
	    PX_MSG_ACCEPT, T0 + 3 * HOUR_MS, h3);
	assert_int_equal(px_accord_in_force(&f->acc, T0 + HOUR_MS - 1), -1);
	i = px_accord_in_force(&f->acc, T0 + HOUR_MS);
	assert_int_equal(px_accord_version(&f->acc, i), 1);
	assert_int_equal(px_accord_terms(&f->acc, i)->budget[PX_P3][PX_CLK_ACK],
	    2 * HOUR_MS);
	i = px_accord_in_force(&f->acc, T0 + 2 * HOUR_MS + 30 * MIN_MS);
	assert_int_equal(px_accord_version(&f->acc, i), 1);
	i = px_accord_in_force(&f->acc, INT64_MAX);
	assert_int_equal(px_accord_version(&f->acc, i), 3);
	assert_int_equal(px_accord_find(&f->acc, 2), -1); /* declined */
	assert_int_equal(px_accord_next_version(&f->acc), 4);
}

/* Versions only go up: a lower version accepted later does not take
 * over; two acceptances of one version (crossed) are ordered by time. */
static void
test_highest_and_crossed(void **state)
{
	struct fx *f = *state;
	char h5[PX_HASH_HEX], h4[PX_HASH_HEX], ha[PX_HASH_HEX], hb[PX_HASH_HEX];
	int i;

	exchange(f, true, 5, "P3.acknowledge=5h", T0, PX_MSG_ACCEPT,
	    T0 + HOUR_MS, h5);
	exchange(f, true, 4, "P3.acknowledge=4h", T0, PX_MSG_ACCEPT,
	    T0 + 2 * HOUR_MS, h4);
	i = px_accord_in_force(&f->acc, INT64_MAX);
	assert_int_equal(px_accord_version(&f->acc, i), 5);
	/* Version 6 proposed by each, both accepted: the first acceptance
	 * wins, whoever looks. */
	exchange(f, true, 6, "P3.acknowledge=6h", T0 + 3 * HOUR_MS,
	    PX_MSG_ACCEPT, T0 + 5 * HOUR_MS, ha);
	exchange(f, false, 6, "P3.acknowledge=7h", T0 + 3 * HOUR_MS,
	    PX_MSG_ACCEPT, T0 + 4 * HOUR_MS, hb);
	i = px_accord_in_force(&f->acc, INT64_MAX);
	assert_int_equal(px_accord_version(&f->acc, i), 6);
	assert_string_equal(f->acc.v[i].hash, hb);
	assert_int_equal(px_accord_find(&f->acc, 6), i);
	assert_int_equal(px_accord_terms(&f->acc, i)->budget[PX_P3][PX_CLK_ACK],
	    7 * HOUR_MS);
}

static void
test_may_accept(void **state)
{
	struct fx *f = *state;
	char h[4][PX_HASH_HEX];
	struct px_proposal pr;

	exchange(f, true, 1, "P3.acknowledge=2h", T0, PX_MSG_ACCEPT,
	    T0 + HOUR_MS, h[0]);
	exchange(f, true, 2, "P3.acknowledge=3h", T0 + 2 * HOUR_MS, 0, 0, h[1]);
	/* The proposer does not accept its own; the receiver may. */
	assert_int_equal(px_accord_may_accept(&f->acc, 1, A), PX_ECONFLICT);
	assert_non_null(strstr(px_error_last(), "own proposal"));
	assert_int_equal(px_accord_may_accept(&f->acc, 1, B), 0);
	assert_int_equal(px_accord_pending_to(&f->acc, B, 2), 1);
	assert_int_equal(px_accord_pending_to(&f->acc, A, 2), -1);
	/* Already accepted. */
	assert_int_equal(px_accord_may_accept(&f->acc, 0, B), PX_ECONFLICT);
	/* B's own version 2 crossed A's: B withdraws or declines first. */
	exchange(
	    f, false, 2, "P3.acknowledge=4h", T0 + 2 * HOUR_MS, 0, 0, h[2]);
	assert_int_equal(px_accord_may_accept(&f->acc, 1, B), PX_ECONFLICT);
	assert_non_null(strstr(px_error_last(), "crossed"));
	/* Terms this node cannot read stay in the record, never in force,
	 * never accepted. */
	memset(&pr, 0, sizeof(pr));
	snprintf(pr.case_id, sizeof(pr.case_id), "%s", "x");
	snprintf(pr.hash, sizeof(pr.hash), "%s", PX_ZERO_HASH);
	pr.proposer = px_strdup(A);
	pr.receiver = px_strdup(B);
	pr.version = 9;
	pr.state = PX_PROP_PENDING;
	pr.answered_ms = -1;
	pr.terms_text = px_strdup("{\"hotline_cap\":\"3\"}");
	px_accord_add(&f->acc, &pr);
	assert_false(f->acc.v[3].readable);
	assert_non_null(strstr(f->acc.v[3].why, "hotline_cap"));
	assert_int_equal(px_accord_may_accept(&f->acc, 3, B), PX_ECONFLICT);
	assert_non_null(strstr(px_error_last(), "cannot be read"));
	assert_int_equal(px_accord_next_version(&f->acc), 10);
	/* A pending proposal not newer than the version in force can no
	 * longer take effect. */
	f->acc.v[3].version = 1;
	assert_true(px_accord_superseded(&f->acc, 3));
}

/* Which terms a case counts under, and when the parties disagree. */
static void
test_case_terms(void **state)
{
	struct fx *f = *state;
	struct px_case_terms t;
	struct px_case c;
	char h[PX_HASH_HEX];

	exchange(f, true, 1, "P3.acknowledge=2h", T0, PX_MSG_ACCEPT,
	    T0 + HOUR_MS, h);
	px_case_init(&c);
	c.kind = PX_KIND_REQUEST;
	/* Opened after the acceptance, naming it: version 1, agreed. */
	c.opened_ms = T0 + 2 * HOUR_MS;
	c.agreement_named = true;
	c.agreement = 1;
	px_accord_case(&t, &f->acc, &c);
	assert_int_equal(t.used, 1);
	assert_false(t.disagree);
	assert_int_equal(t.terms->budget[PX_P3][PX_CLK_ACK], 2 * HOUR_MS);
	/* Opened after it, naming 0 (its sender had not seen the
	 * acceptance): counts under 0 as named, and says so. */
	c.agreement = 0;
	px_accord_case(&t, &f->acc, &c);
	assert_int_equal(t.used, 0);
	assert_int_equal(t.in_force, 1);
	assert_true(t.held && t.disagree);
	assert_int_equal(t.terms->budget[PX_P3][PX_CLK_ACK], 8 * HOUR_MS);
	{
		char why[512];

		px_case_terms_explain(why, sizeof(why), &t, &f->acc);
		assert_non_null(strstr(why,
		    "names agreement version 0, but "
		    "version 1 was in force"));
	}
	/* Naming a version the record does not hold: the version in force
	 * when opened, and a disagreement. */
	c.agreement = 7;
	px_accord_case(&t, &f->acc, &c);
	assert_false(t.held);
	assert_int_equal(t.used, 1);
	assert_true(t.disagree);
	/* Opened before the acceptance, naming none: version 0, agreed. */
	c.opened_ms = T0;
	c.agreement_named = false;
	c.agreement = 0;
	px_accord_case(&t, &f->acc, &c);
	assert_int_equal(t.used, 0);
	assert_false(t.disagree);
	/* Proposals themselves never disagree. */
	c.kind = PX_KIND_AGREEMENT;
	c.opened_ms = T0 + 2 * HOUR_MS;
	px_accord_case(&t, &f->acc, &c);
	assert_false(t.disagree);
}

/* The wire shapes: the case header's version, the proposal's terms. */
static void
test_wire(void **state)
{
	struct fx *f = *state;
	struct px_msg_fields fl = { .type = PX_MSG_REQUEST,
		.from = A,
		.to = B,
		.seq = 1,
		.time_ms = T0 };
	struct px_msg *m = NULL;
	json_t *b = open_body("request", "P3");

	json_object_set_new(
	    json_object_get(b, "case"), "agreement", json_integer(-1));
	assert_int_equal(px_msg_new(&m, &fl, b, &f->a.key), PX_EINVAL);
	json_object_set_new(
	    json_object_get(b, "case"), "agreement", json_integer(3));
	assert_int_equal(px_msg_new(&m, &fl, b, &f->a.key), 0);
	px_msg_free(m);
	json_decref(b);
	/* propose opens only an agreement case, and needs its proposal */
	fl.type = PX_MSG_PROPOSE;
	b = open_body("request", "P3");
	assert_int_equal(px_msg_new(&m, &fl, b, &f->a.key), PX_EINVAL);
	json_decref(b);
	b = proposal(1, NULL);
	json_object_set_new(
	    json_object_get(json_object_get(b, "proposal"), "terms"), "P1",
	    json_integer(3));
	assert_int_equal(px_msg_new(&m, &fl, b, &f->a.key), PX_EINVAL);
	/* An unknown setting passes the wire check: the receiver keeps
	 * what it cannot read (model/accord.h), so the channel never
	 * jams on a newer peer. */
	json_object_set_new(
	    json_object_get(json_object_get(b, "proposal"), "terms"), "P1",
	    json_string("later"));
	assert_int_equal(px_msg_new(&m, &fl, b, &f->a.key), 0);
	px_msg_free(m);
	json_decref(b);
}

static void
test_diff(void **state)
{
	struct px_agreement a, b;
	json_t *d;

	(void)state;
	px_agreement_default(&a);
	b = a;
	assert_true(px_agreement_equal(&a, &b));
	assert_int_equal(px_agreement_set(&b, "P3.acknowledge=2h"), 0);
	assert_int_equal(px_agreement_set(&b, "check_every=0"), 0);
	assert_false(px_agreement_equal(&a, &b));
	d = px_agreement_diff(&a, &b);
	assert_int_equal(json_array_size(d), 2);
	assert_string_equal(json_string_value(json_array_get(d, 0)),
	    "P3.acknowledge: 1d -> 2h");
	assert_string_equal(
	    json_string_value(json_array_get(d, 1)), "check_every: 30d -> 0");
	json_decref(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_case_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_withdraw_crosses_accept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_force, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_highest_and_crossed, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_may_accept, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_case_terms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wire, setup, teardown),
		cmocka_unit_test(test_diff),
	};

	if (px_crypto_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
