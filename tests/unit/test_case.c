/*
 * The case state machine and its clocks, with time as a parameter.
 * Requester A (cert-a) opens; responder B (cert-b) answers.
 */
#include "helpers.h"
#include "model/case.h"
#include "util/tz.h"

#define A "cert-a.example"
#define B "cert-b.example"

struct fx {
	struct chan a, b;
	struct px_case c;
	struct px_agreement ag;
	struct px_calendar utc;
};

static int
setup(void **state)
{
	struct fx *f = px_calloc(1, sizeof(*f));

	chan_init(&f->a, A, B, 1);
	chan_init(&f->b, B, A, 2);
	px_case_init(&f->c);
	px_agreement_default(&f->ag);
	px_calendar_init(&f->utc, px_tz_utc());
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	px_case_dispose(&f->c);
	px_calendar_dispose(&f->utc);
	free(f);
	return 0;
}

static json_t *
text(const char *s)
{
	return json_pack("{s{ssss}}", "text", "lang", "en", "value", s);
}

/* Sends and applies; returns the px_case_apply result. */
static int
send(struct fx *f, bool from_a, enum px_msg_type t, int64_t when, json_t *body)
{
	struct px_msg *m = chan_send(
	    from_a ? &f->a : &f->b, f->c.n ? f->c.id : NULL, t, when, body);
	int rc = px_case_apply(&f->c, m);

	px_msg_free(m);
	return rc;
}

static void
test_full_flow(void **state)
{
	struct fx *f = *state;
	struct px_clock_status s[PX_CLK__N];

	assert_int_equal(
	    send(f, true, PX_MSG_REQUEST, T0, open_body("request", "P2")), 0);
	assert_int_equal(f->c.state, PX_ST_SENT);
	assert_string_equal(f->c.requester, A);
	assert_int_equal(f->c.priority, PX_P2);
	px_case_set_delivered(&f->c, T0 + MIN_MS);
	assert_int_equal(f->c.state, PX_ST_DELIVERED);
	assert_int_equal(
	    send(f, false, PX_MSG_ACK, T0 + 10 * MIN_MS, json_object()), 0);
	assert_int_equal(f->c.state, PX_ST_ACKNOWLEDGED);
	assert_int_equal(send(f, false, PX_MSG_TRIAGE, T0 + 20 * MIN_MS,
	                     json_pack("{ss}", "decision", "accepted")),
	    0);
	assert_int_equal(f->c.state, PX_ST_TRIAGED);
	assert_int_equal(
	    send(f, false, PX_MSG_UPDATE, T0 + HOUR_MS, text("working")), 0);
	assert_int_equal(f->c.state, PX_ST_IN_PROGRESS);
	assert_int_equal(
	    send(f, false, PX_MSG_RESULT, T0 + 5 * HOUR_MS, text("done")), 0);
	assert_int_equal(f->c.state, PX_ST_RESOLVED);
	assert_int_equal(send(f, true, PX_MSG_FEEDBACK, T0 + 6 * HOUR_MS,
	                     json_pack("{si}", "score", 4)),
	    0);
	assert_int_equal(f->c.score, 4);
	assert_int_equal(
	    send(f, true, PX_MSG_CLOSE, T0 + 7 * HOUR_MS, json_object()), 0);
	assert_int_equal(f->c.state, PX_ST_CLOSED);
	assert_int_equal(f->c.n, 7);

	/* P2 calendar: ack 4h, triage 24h, first response 72h, resolution
	 * 30d, all from the receipt time T0+1m. */
	px_case_clocks(s, &f->c, &f->ag, &f->utc, T0 + 100 * HOUR_MS);
	assert_int_equal(s[PX_CLK_ACK].state, PX_CS_MET);
	assert_int_equal(s[PX_CLK_ACK].start, T0 + MIN_MS);
	assert_int_equal(s[PX_CLK_ACK].deadline, T0 + MIN_MS + 4 * HOUR_MS);
	assert_int_equal(s[PX_CLK_ACK].stopped, T0 + 10 * MIN_MS);
	assert_int_equal(s[PX_CLK_TRIAGE].stopped, T0 + 20 * MIN_MS);
	assert_int_equal(s[PX_CLK_FIRST_RESPONSE].stopped, T0 + HOUR_MS);
	assert_int_equal(s[PX_CLK_RESOLUTION].state, PX_CS_MET);
	assert_int_equal(
	    s[PX_CLK_RESOLUTION].deadline, T0 + MIN_MS + 30 * 24 * HOUR_MS);
	assert_int_equal(s[PX_CLK_RESOLUTION].stopped, T0 + 5 * HOUR_MS);
}

static void
test_roles_and_states(void **state)
{
	struct fx *f = *state;

	assert_int_equal(
	    send(f, true, PX_MSG_REQUEST, T0, open_body("request", "P3")), 0);
	/* The requester cannot acknowledge its own request. */
	assert_int_equal(
	    send(f, true, PX_MSG_ACK, T0 + 1, json_object()), PX_ECONFLICT);
	assert_non_null(strstr(px_error_last(), "only the responder"));
	/* The responder cannot close or rate. */
	assert_int_equal(
	    send(f, false, PX_MSG_CLOSE, T0 + 2, json_object()), PX_ECONFLICT);
	assert_int_equal(send(f, false, PX_MSG_FEEDBACK, T0 + 3,
	                     json_pack("{si}", "score", 5)),
	    PX_ECONFLICT);
	/* No rating before an answer. */
	assert_int_equal(send(f, true, PX_MSG_FEEDBACK, T0 + 4,
	                     json_pack("{si}", "score", 5)),
	    PX_ECONFLICT);
	assert_int_equal(send(f, false, PX_MSG_ACK, T0 + 5, json_object()), 0);
	assert_int_equal(
	    send(f, false, PX_MSG_ACK, T0 + 6, json_object()), PX_ECONFLICT);
	assert_non_null(strstr(px_error_last(), "already acknowledged"));
	/* Decline ends it: no result after, but a note and feedback. */
	assert_int_equal(send(f, false, PX_MSG_TRIAGE, T0 + 7,
	                     json_pack("{ssss}", "decision", "declined",
	                         "reason", "not-permitted-by-law")),
	    0);
	assert_int_equal(f->c.state, PX_ST_DECLINED);
	assert_int_equal(f->c.reason, PX_RS_NOT_PERMITTED);
	assert_int_equal(
	    send(f, false, PX_MSG_RESULT, T0 + 8, text("x")), PX_ECONFLICT);
	assert_int_equal(send(f, true, PX_MSG_NOTE, T0 + 9, text("pity")), 0);
	assert_int_equal(send(f, true, PX_MSG_FEEDBACK, T0 + 10,
	                     json_pack("{si}", "score", 2)),
	    0);
	assert_int_equal(send(f, true, PX_MSG_WITHDRAW, T0 + 11, json_object()),
	    PX_ECONFLICT);
	/* Refused messages left the case unchanged. */
	assert_int_equal(f->c.n, 5);
}

static void
test_wrong_case_or_party(void **state)
{
	struct fx *f = *state;
	struct chan x;
	struct px_msg *m;

	assert_int_equal(
	    send(f, true, PX_MSG_REQUEST, T0, open_body("request", "P3")), 0);
	/* A third party's message for this case. */
	chan_init(&x, "cert-x.example", A, 9);
	m = chan_send(&x, f->c.id, PX_MSG_ACK, T0 + 1, json_object());
	assert_int_equal(px_case_apply(&f->c, m), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "not between the parties"));
	px_msg_free(m);
	/* Another case's message. */
	m = chan_send(&f->b, "019aa0c4-1a00-7abc-8def-0123456789ab", PX_MSG_ACK,
	    T0 + 1, json_object());
	assert_int_equal(px_case_apply(&f->c, m), PX_EINVAL);
	px_msg_free(m);
	/* Dated before the case opened. */
	m = chan_send(&f->b, f->c.id, PX_MSG_ACK, T0 - 1, json_object());
	assert_int_equal(px_case_apply(&f->c, m), PX_EINVAL);
	px_msg_free(m);
	/* A non-opening first message. */
	px_case_dispose(&f->c);
	m = chan_send(&f->b, "019aa0c4-1a00-7abc-8def-0123456789ab", PX_MSG_ACK,
	    T0, json_object());
	assert_int_equal(px_case_apply(&f->c, m), PX_EINVAL);
	px_msg_free(m);
}

/* Replay keeps a message the rules refuse, with its reason, so that a
 * result that crossed a withdraw in transit cannot jam the channel. */
static void
test_replay_crossing(void **state)
{
	struct fx *f = *state;
	struct px_msg *w, *r;

	assert_int_equal(
	    send(f, true, PX_MSG_REQUEST, T0, open_body("request", "P3")), 0);
	w = chan_send(
	    &f->a, f->c.id, PX_MSG_WITHDRAW, T0 + HOUR_MS, json_object());
	r = chan_send(
	    &f->b, f->c.id, PX_MSG_RESULT, T0 + 2 * HOUR_MS, text("done"));
	assert_int_equal(px_case_replay(&f->c, w), 0);
	assert_int_equal(px_case_replay(&f->c, r), 0);
	assert_int_equal(f->c.state, PX_ST_WITHDRAWN);
	assert_int_equal(f->c.n, 3);
	assert_null(f->c.why[1]);
	assert_non_null(f->c.why[2]);
	assert_non_null(strstr(f->c.why[2], "withdrawn"));
	px_msg_free(w);
	px_msg_free(r);
}

static void
test_clock_overdue_and_pause(void **state)
{
	struct fx *f = *state;
	struct px_clock_status s[PX_CLK__N];

	/* P1 calendar: ack 30m, triage 1h, first response 4h, res. 24h. */
	assert_int_equal(
	    send(f, true, PX_MSG_REQUEST, T0, open_body("hotline", "P1")), 0);
	/* No receipt yet: clocks run from the send time. */
	px_case_clocks(s, &f->c, &f->ag, &f->utc, T0 + 29 * MIN_MS);
	assert_int_equal(s[PX_CLK_ACK].state, PX_CS_RUNNING);
	assert_int_equal(s[PX_CLK_ACK].deadline, T0 + 30 * MIN_MS);
	px_case_clocks(s, &f->c, &f->ag, &f->utc, T0 + 31 * MIN_MS);
	assert_int_equal(s[PX_CLK_ACK].state, PX_CS_OVERDUE);
	assert_true(px_case_overdue(&f->c, &f->ag, &f->utc, T0 + 31 * MIN_MS));
	assert_false(px_case_overdue(&f->c, &f->ag, &f->utc, T0));
	/* Late ack: breached.  Then needs-info at +40m pauses the rest. */
	assert_int_equal(
	    send(f, false, PX_MSG_ACK, T0 + 35 * MIN_MS, json_object()), 0);
	assert_int_equal(send(f, false, PX_MSG_TRIAGE, T0 + 40 * MIN_MS,
	                     json_pack("{ss}", "decision", "needs-info")),
	    0);
	assert_int_equal(f->c.state, PX_ST_NEEDS_INFO);
	px_case_clocks(s, &f->c, &f->ag, &f->utc, T0 + 10 * HOUR_MS);
	assert_int_equal(s[PX_CLK_ACK].state, PX_CS_BREACHED);
	assert_int_equal(s[PX_CLK_TRIAGE].state, PX_CS_MET);
	/* The triage clock stopped before the pause: its deadline stays. */
	assert_int_equal(s[PX_CLK_TRIAGE].deadline, T0 + HOUR_MS);
	assert_int_equal(s[PX_CLK_FIRST_RESPONSE].state, PX_CS_PAUSED);
	assert_int_equal(s[PX_CLK_RESOLUTION].state, PX_CS_PAUSED);
	/* The requester answers 2h later: deadlines move by 2h. */
	assert_int_equal(send(f, true, PX_MSG_UPDATE,
	                     T0 + 40 * MIN_MS + 2 * HOUR_MS, text("ports")),
	    0);
	assert_int_equal(f->c.state, PX_ST_TRIAGED);
	px_case_clocks(s, &f->c, &f->ag, &f->utc, T0 + 3 * HOUR_MS);
	assert_int_equal(s[PX_CLK_FIRST_RESPONSE].state, PX_CS_RUNNING);
	assert_int_equal(
	    s[PX_CLK_FIRST_RESPONSE].deadline, T0 + 4 * HOUR_MS + 2 * HOUR_MS);
	assert_int_equal(
	    s[PX_CLK_RESOLUTION].deadline, T0 + 24 * HOUR_MS + 2 * HOUR_MS);
	/* Withdrawn before the deadline: cancelled, not breached. */
	assert_int_equal(
	    send(f, true, PX_MSG_WITHDRAW, T0 + 5 * HOUR_MS, json_object()), 0);
	px_case_clocks(s, &f->c, &f->ag, &f->utc, T0 + 30 * HOUR_MS);
	assert_int_equal(s[PX_CLK_FIRST_RESPONSE].state, PX_CS_CANCELLED);
	assert_int_equal(s[PX_CLK_FIRST_RESPONSE].stopped, T0 + 5 * HOUR_MS);
}

static void
test_report_clocks(void **state)
{
	struct fx *f = *state;
	struct px_clock_status s[PX_CLK__N];

	assert_int_equal(
	    send(f, true, PX_MSG_REPORT, T0, open_body("report", "P4")), 0);
	px_case_clocks(s, &f->c, &f->ag, &f->utc, T0);
	assert_int_equal(s[PX_CLK_ACK].state, PX_CS_RUNNING);
	assert_int_equal(s[PX_CLK_FIRST_RESPONSE].state, PX_CS_NA);
	assert_int_equal(s[PX_CLK_RESOLUTION].state, PX_CS_NA);
	/* Either side may close a report. */
	assert_int_equal(
	    send(f, false, PX_MSG_CLOSE, T0 + 1, json_object()), 0);
}

/* Business hours in New York: a P3 request (8 business hours to
 * acknowledge) received Friday 2026-11-20 at 19:00 Beijing = 06:00 New
 * York, before opening: Friday 09:00-17:00 counts in full, so the
 * deadline is Friday 17:00 EST = 22:00Z.  Received at Friday 18:30 New
 * York (23:30Z), it is Monday 17:00 EST = 2026-11-23T22:00Z. */
static void
test_business_hours_new_york(void **state)
{
	struct fx *f = *state;
	struct px_tz *ny = NULL;
	struct px_calendar cal;
	struct px_clock_status s[PX_CLK__N];
	int64_t t;

	assert_int_equal(px_tz_load(&ny, "America/New_York"), 0);
	px_calendar_init(&cal, ny);
	assert_int_equal(
	    send(f, true, PX_MSG_REQUEST, T0, open_body("request", "P3")), 0);
	assert_int_equal(px_time_parse(&t, "2026-11-20T11:00:00Z", 0), 0);
	f->c.delivered_ms = t;
	px_case_clocks(s, &f->c, &f->ag, &cal, t);
	assert_int_equal(px_time_parse(&t, "2026-11-20T22:00:00Z", 0), 0);
	assert_int_equal(s[PX_CLK_ACK].deadline, t);
	assert_int_equal(s[PX_CLK_ACK].basis, PX_BASIS_BUSINESS);
	assert_int_equal(px_time_parse(&t, "2026-11-20T23:30:00Z", 0), 0);
	f->c.delivered_ms = t;
	f->c.opened_ms = t;
	px_case_clocks(s, &f->c, &f->ag, &cal, t);
	assert_int_equal(px_time_parse(&t, "2026-11-23T22:00:00Z", 0), 0);
	assert_int_equal(s[PX_CLK_ACK].deadline, t);
	px_calendar_dispose(&cal);
	px_tz_free(ny);
}

static void
test_agreement(void **state)
{
	struct px_agreement a, b;
	json_t *j;
	int64_t ms;

	(void)state;
	px_agreement_default(&a);
	assert_int_equal(a.budget[PX_P1][PX_CLK_ACK], 30 * MIN_MS);
	assert_int_equal(a.budget[PX_P2][PX_CLK_TRIAGE], 24 * HOUR_MS);
	assert_int_equal(a.budget[PX_P2][PX_CLK_FIRST_RESPONSE], 72 * HOUR_MS);
	assert_int_equal(a.basis[PX_P3], PX_BASIS_BUSINESS);
	assert_int_equal(px_agreement_set(&a, "P2.acknowledge=2h"), 0);
	assert_int_equal(a.budget[PX_P2][PX_CLK_ACK], 2 * HOUR_MS);
	assert_int_equal(px_agreement_set(&a, "P3.basis=calendar"), 0);
	/* The default marking is each node's own, not an agreed term. */
	assert_int_equal(px_agreement_set(&a, "default_tlp=red"), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "--local default_tlp=red"));
	assert_int_equal(px_agreement_set(&a, "P5.triage=1h"), PX_EINVAL);
	assert_int_equal(px_agreement_set(&a, "P2.lunch=1h"), PX_EINVAL);
	assert_int_equal(px_agreement_set(&a, "P2.triage=1y"), PX_EINVAL);
	assert_int_equal(px_agreement_set(&a, "P2.triage"), PX_EINVAL);
	/* JSON round trip. */
	j = px_agreement_to_json(&a);
	assert_int_equal(px_agreement_from_json(&b, j), 0);
	assert_memory_equal(a.budget, b.budget, sizeof(a.budget));
	assert_memory_equal(a.basis, b.basis, sizeof(a.basis));
	assert_true(px_agreement_equal(&a, &b));
	json_decref(j);
	assert_int_equal(px_duration_parse(&ms, "3d", PX_BASIS_BUSINESS), 0);
	assert_int_equal(ms, 24 * HOUR_MS);
	assert_int_equal(px_duration_parse(&ms, "1w", PX_BASIS_CALENDAR), 0);
	assert_int_equal(ms, 7 * 24 * HOUR_MS);
	assert_int_equal(
	    px_duration_parse(&ms, "0h", PX_BASIS_CALENDAR), PX_EINVAL);
	assert_int_equal(
	    px_duration_parse(&ms, "-1h", PX_BASIS_CALENDAR), PX_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_full_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_roles_and_states, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_wrong_case_or_party, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_replay_crossing, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_clock_overdue_and_pause, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_report_clocks, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_business_hours_new_york, setup, teardown),
		cmocka_unit_test(test_agreement),
	};

	if (px_crypto_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
