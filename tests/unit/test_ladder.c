/*
 * The escalation ladder, the hotline's roster walk, the on-call roster and
 * communication checks, with time as a parameter.  Requester A (cert-a)
 * opens; responder B (cert-b) answers.  T0 is Friday 2026-11-20 09:30Z.
 */
#include "helpers.h"
#include "model/ladder.h"
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

static void
send(struct fx *f, bool from_a, enum px_msg_type t, int64_t when, json_t *body)
{
	struct px_msg *m = chan_send(
	    from_a ? &f->a : &f->b, f->c.n ? f->c.id : NULL, t, when, body);

	if (px_case_apply(&f->c, m) != 0)
		fail_msg("apply: %s", px_error_last());
	px_msg_free(m);
}

static size_t
due(struct fx *f, const char *self, int64_t now, struct px_step *s,
    int64_t *next, const char *const *walk, size_t nwalk)
{
	return px_steps_due(
	    s, 16, next, &f->c, self, &f->ag, &f->utc, walk, nwalk, now);
}

/* Records a step as taken, the way the scheduler does. */
static void
take(struct fx *f, bool from_a, const struct px_step *s)
{
	json_t *b;

	if (s->kind == PX_STEP_PAGE) {
		b = json_pack("{s{sisss[s]}}", "page", "attempt", s->attempt,
		    "contact", s->contact, "channels", "email");
	} else {
		char dl[PX_TIME_STRLEN];

		px_time_format(dl, s->deadline);
		b = json_pack("{s{sssissss}}", "ladder", "clock",
		    px_clock_names[s->clock].wire, "level", s->level, "notify",
		    px_notify_role_names[s->who], "deadline", dl);
	}
	send(f, from_a, PX_MSG_ESCALATE, s->at + 1, b);
}

static void
test_ladder_p2(void **state)
{
	struct fx *f = *state;
	struct px_step s[16];
	int64_t next;
	size_t n;

	/* P2 acknowledge 4h, triage 24h: 75% of 4h is 3h. */
	send(f, true, PX_MSG_REQUEST, T0, open_body("request", "P2"));
	px_case_set_delivered(&f->c, T0 + MIN_MS);
	n = due(f, B, T0 + 2 * HOUR_MS, s, &next, NULL, 0);
	assert_int_equal(n, 0);
	assert_int_equal(next, T0 + MIN_MS + 3 * HOUR_MS);
	/* The requester's first step is at 100%. */
	n = due(f, A, T0 + 2 * HOUR_MS, s, &next, NULL, 0);
	assert_int_equal(n, 0);
	assert_int_equal(next, T0 + MIN_MS + 4 * HOUR_MS);
	/* At 3h01m the responder owes level 1 on the acknowledge clock. */
	n = due(f, B, T0 + MIN_MS + 3 * HOUR_MS, s, &next, NULL, 0);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].kind, PX_STEP_LADDER);
	assert_int_equal(s[0].clock, PX_CLK_ACK);
	assert_int_equal(s[0].level, 1);
	assert_int_equal(s[0].who, PX_NR_ASSIGNEE);
	assert_int_equal(s[0].deadline, T0 + MIN_MS + 4 * HOUR_MS);
	take(f, false, &s[0]);
	/* Taken: not owed again; the next is level 2 at the deadline. */
	n = due(f, B, T0 + MIN_MS + 3 * HOUR_MS + 5, s, &next, NULL, 0);
	assert_int_equal(n, 0);
	assert_int_equal(next, T0 + MIN_MS + 4 * HOUR_MS);
	/* A node down until 7h after: levels 2 and 3 (150% = 6h) at once,
	 * in order, and triage's own level 1 (75% of 24h = 18h) later. */
	n = due(f, B, T0 + 7 * HOUR_MS, s, &next, NULL, 0);
	assert_int_equal(n, 2);
	assert_int_equal(s[0].level, 2);
	assert_int_equal(s[0].who, PX_NR_DUTY);
	assert_int_equal(s[1].level, 3);
	assert_int_equal(s[1].who, PX_NR_PRINCIPAL);
	assert_int_equal(s[1].at, T0 + MIN_MS + 6 * HOUR_MS);
	assert_int_equal(next, T0 + MIN_MS + 18 * HOUR_MS);
	/* With room for one step only, the other is not forgotten: the
	 * case is due again at once. */
	n = px_steps_due(
	    s, 1, &next, &f->c, B, &f->ag, &f->utc, NULL, 0, T0 + 7 * HOUR_MS);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].level, 2);
	assert_int_equal(next, T0 + MIN_MS + 6 * HOUR_MS);
	/* The acknowledgement stops the acknowledge ladder. */
	send(f, false, PX_MSG_ACK, T0 + 7 * HOUR_MS, json_object());
	n = due(f, B, T0 + 7 * HOUR_MS + 1, s, &next, NULL, 0);
	assert_int_equal(n, 0);
	assert_int_equal(next, T0 + MIN_MS + 18 * HOUR_MS);
}

static void
test_ladder_paused_and_ended(void **state)
{
	struct fx *f = *state;
	struct px_step s[16];
	int64_t next;

	send(f, true, PX_MSG_REQUEST, T0, open_body("request", "P2"));
	px_case_set_delivered(&f->c, T0);
	send(f, false, PX_MSG_TRIAGE, T0 + HOUR_MS,
	    json_pack("{ss}", "decision", "needs-info"));
	/* Paused clocks owe nothing, whatever the time. */
	assert_int_equal(
	    due(f, B, T0 + 40 * 24 * HOUR_MS, s, &next, NULL, 0), 0);
	assert_true(next == INT64_MAX);
	send(f, true, PX_MSG_WITHDRAW, T0 + 2 * HOUR_MS, json_object());
	assert_int_equal(
	    due(f, A, T0 + 40 * 24 * HOUR_MS, s, &next, NULL, 0), 0);
}

static void
test_ladder_custom(void **state)
{
	struct fx *f = *state;
	struct px_step s[16];
	int64_t next;

	assert_int_equal(px_agreement_set(&f->ag,
	                     "ladder=50%:duty:requester, 200%:principal:both"),
	    0);
	assert_int_equal(f->ag.nladder, 2);
	assert_int_not_equal(
	    px_agreement_set(&f->ag, "ladder=50%:boss:both"), 0);
	assert_int_not_equal(
	    px_agreement_set(&f->ag, "ladder=90%:duty:both, 80%:duty:both"), 0);
	assert_int_equal(f->ag.nladder, 2); /* unchanged by refusals */
	send(f, true, PX_MSG_REQUEST, T0, open_body("request", "P1"));
	px_case_set_delivered(&f->c, T0);
	/* P1 acknowledge 30m: 50% is 15m, for the requester only. */
	assert_int_equal(due(f, B, T0 + 16 * MIN_MS, s, &next, NULL, 0), 0);
	assert_int_equal(next, T0 + 60 * MIN_MS);
	assert_int_equal(due(f, A, T0 + 16 * MIN_MS, s, &next, NULL, 0), 1);
	assert_int_equal(next, T0 + 30 * MIN_MS);
	/* At 31m, acknowledge's (15m) and triage's (1h: 30m) are both due. */
	assert_int_equal(due(f, A, T0 + 31 * MIN_MS, s, &next, NULL, 0), 2);
	assert_int_equal(s[0].clock, PX_CLK_ACK);
	assert_int_equal(s[0].at, T0 + 15 * MIN_MS);
	assert_int_equal(s[1].clock, PX_CLK_TRIAGE);
	assert_int_equal(s[1].at, T0 + 30 * MIN_MS);
	{
		char buf[256];

		px_ladder_unparse(buf, sizeof(buf), &f->ag);
		assert_string_equal(
		    buf, "50%:duty:requester, 200%:principal:both");
	}
}

static void
test_hotline_walk(void **state)
{
	struct fx *f = *state;
	const char *walk[] = { "duty", "deputy", "night" };
	struct px_step s[16];
	struct px_page_attempt at[16];
	int64_t next;
	size_t n;

	f->ag.page_every = 5 * MIN_MS;
	send(f, true, PX_MSG_REQUEST, T0, open_body("hotline", "P1"));
	px_case_set_delivered(&f->c, T0 + 10000);
	/* On receipt: page 1 to the first person. */
	n = due(f, B, T0 + 10000, s, &next, walk, 3);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].kind, PX_STEP_PAGE);
	assert_string_equal(s[0].contact, "duty");
	assert_int_equal(next, T0 + 10000 + 5 * MIN_MS);
	take(f, false, &s[0]);
	/* The requester does not page. */
	assert_int_equal(due(f, A, T0 + 20 * MIN_MS, s, &next, walk, 3), 0);
	/* 12 minutes on (nobody looked at 5m): page 2 is due, and only it:
	 * a walk never pages two people in one burst. */
	n = due(f, B, T0 + 12 * MIN_MS, s, &next, walk, 3);
	assert_int_equal(n, 1);
	assert_string_equal(s[0].contact, "deputy");
	assert_int_equal(s[0].at, T0 + 10000 + 5 * MIN_MS);
	/* Page 3's time (10m10s) has come: half a page_every after now. */
	assert_int_equal(next, T0 + 12 * MIN_MS + 150000);
	s[0].at = T0 + 12 * MIN_MS - 1; /* sent now (take() dates at +1) */
	take(f, false, &s[0]);
	n = due(f, B, T0 + 12 * MIN_MS, s, &next, walk, 3);
	assert_int_equal(n, 0);
	assert_int_equal(next, T0 + 12 * MIN_MS + 150000);
	/* Then page 3, 2m30s after page 2. */
	n = due(f, B, T0 + 14 * MIN_MS + 30000, s, &next, walk, 3);
	assert_int_equal(n, 1);
	assert_string_equal(s[0].contact, "night");
	assert_int_equal(s[0].attempt, 3);
	assert_int_equal(s[0].at, T0 + 12 * MIN_MS + 150000);
	take(f, false, &s[0]);
	/* After the walk, the next round starts again with duty, back on
	 * the schedule (15m10s) as soon as half a page_every has passed. */
	n = due(f, B, T0 + 15 * MIN_MS + 10000, s, &next, walk, 3);
	assert_int_equal(n, 0);
	assert_int_equal(next, T0 + 14 * MIN_MS + 30001 + 150000);
	n = due(f, B, T0 + 17 * MIN_MS + 1, s, &next, walk, 3);
	assert_int_equal(n, 1);
	assert_string_equal(s[0].contact, "duty");
	assert_int_equal(s[0].attempt, 4);
	/* night answers at 16m (paged at 14m30s). */
	send(f, false, PX_MSG_ACK, T0 + 16 * MIN_MS,
	    json_pack("{ss}", "by", "night"));
	assert_string_equal(f->c.answered_by, "night");
	n = due(f, B, T0 + 17 * MIN_MS, s, &next, walk, 3);
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(s[i].kind, PX_STEP_PAGE);
	n = px_hotline_attempts(at, 16, &f->c);
	assert_int_equal(n, 3);
	assert_false(at[0].answered);
	assert_false(at[1].answered);
	assert_true(at[2].answered);
	assert_int_equal(at[2].latency_ms, 16 * MIN_MS - (14 * MIN_MS + 30001));
}

/* A page counts as answered only when the ack names the person paged
 * (issue 12, item 8): a console ack naming nobody, or someone never paged,
 * answers no page and says which it was. */
static void
test_hotline_answer(void **state)
{
	struct fx *f = *state;
	const char *walk[] = { "duty", "deputy" };
	struct px_step s[16];
	struct px_page_attempt at[16];
	int64_t next;
	static const char *const by[] = { NULL, "night", "duty" };
	static const enum px_hotline_answer want[] = { PX_HA_NOT_NAMED,
		PX_HA_OTHER, PX_HA_PAGED };

	for (int k = 0; k < 3; k++) {
		px_case_dispose(&f->c);
		px_case_init(&f->c);
		f->ag.page_every = 5 * MIN_MS;
		send(f, true, PX_MSG_REQUEST, T0, open_body("hotline", "P1"));
		px_case_set_delivered(&f->c, T0 + 10000);
		assert_int_equal(px_hotline_answer(&f->c), PX_HA_NONE);
		assert_int_equal(due(f, B, T0 + 10000, s, &next, walk, 2), 1);
		take(f, false, &s[0]);
		send(f, false, PX_MSG_ACK, T0 + MIN_MS,
		    by[k] ? json_pack("{ss}", "by", by[k]) : json_object());
		assert_int_equal(px_hotline_attempts(at, 16, &f->c), 1);
		assert_int_equal(at[0].answered, want[k] == PX_HA_PAGED);
		assert_int_equal(at[0].latency_ms,
		    want[k] == PX_HA_PAGED ? MIN_MS - 10001 : -1);
		assert_int_equal(px_hotline_answer(&f->c), want[k]);
	}
	assert_string_equal(
	    px_hotline_answer_names[PX_HA_NOT_NAMED], "not-named");
}

struct dl {
	char got[256];
};

static void
collect_dl(const char *channel, const char *status, const char *detail,
    int64_t at, void *arg)
{
	struct dl *d = arg;
	size_t k = strlen(d->got);

	(void)at;
	snprintf(d->got + k, sizeof(d->got) - k, "%s:%s:%s;", channel, status,
	    detail ? detail : "-");
}

/* The paging node's delivery reports: the latest per channel counts. */
static void
test_hotline_deliveries(void **state)
{
	struct fx *f = *state;
	const char *walk[] = { "duty" };
	struct px_step s[16];
	struct px_page_attempt at[16];
	struct dl d = { "" };
	int64_t next;
	char page[PX_HASH_HEX];

	send(f, true, PX_MSG_REQUEST, T0, open_body("hotline", "P1"));
	px_case_set_delivered(&f->c, T0 + 10000);
	assert_int_equal(due(f, B, T0 + 10000, s, &next, walk, 1), 1);
	take(f, false, &s[0]);
	assert_int_equal(px_hotline_attempts(at, 16, &f->c), 1);
	snprintf(page, sizeof(page), "%s", at[0].hash);
	send(f, false, PX_MSG_ESCALATE, T0 + 20000,
	    json_pack("{s{ssssssss}}", "delivery", "page", page, "channel",
	        "email", "status", "retrying", "detail", "no relay"));
	send(f, false, PX_MSG_ESCALATE, T0 + 30000,
	    json_pack("{s{ssssss}}", "delivery", "page", page, "channel",
	        "webhook", "status", "delivered"));
	send(f, false, PX_MSG_ESCALATE, T0 + 90000,
	    json_pack("{s{ssssss}}", "delivery", "page", page, "channel",
	        "email", "status", "delivered"));
	px_hotline_deliveries(&f->c, page, collect_dl, &d);
	assert_string_equal(d.got, "email:delivered:-;webhook:delivered:-;");
	/* Another page's hash matches nothing. */
	d.got[0] = '\0';
	px_hotline_deliveries(&f->c, PX_ZERO_HASH, collect_dl, &d);
	assert_string_equal(d.got, "");
}

static void
test_roster(void **state)
{
	json_t *r = NULL, *contacts;
	const struct px_tz *utc = px_tz_utc();
	const char *w[8];
	size_t n;

	(void)state;
	assert_int_equal(px_roster_parse(&r,
	                     "Wed 09:00 deputy, Mon 09:00 duty,  Fri 18:00 "
	                     "night"),
	    0);
	/* Sorted by time in the week. */
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(r, 0), "contact")),
	    "duty");
	/* T0 is Friday 09:30Z: deputy (since Wednesday 09:00). */
	assert_string_equal(px_roster_on_call(r, utc, T0), "deputy");
	/* Friday 18:00 hands over to night, until Monday 09:00. */
	assert_string_equal(
	    px_roster_on_call(r, utc, T0 + 9 * HOUR_MS), "night");
	assert_string_equal(
	    px_roster_on_call(r, utc, T0 + 71 * HOUR_MS), "night");
	assert_string_equal(
	    px_roster_on_call(r, utc, T0 + 72 * HOUR_MS), "duty");
	contacts = json_pack("[{ssss}{ssss}{ssss}{ssss}{sssssb}]", "id", "duty",
	    "role", "technical", "id", "deputy", "role", "technical", "id",
	    "night", "role", "technical", "id", "press", "role", "policy", "id",
	    "chief", "role", "policy", "principal", 1);
	n = px_roster_walk(w, 8, r, contacts, utc, T0);
	assert_int_equal(n, 5);
	assert_string_equal(w[0], "deputy");
	assert_string_equal(w[1], "night");
	assert_string_equal(w[2], "duty");
	assert_string_equal(w[3], "press");
	n = px_role_contacts(w, 8, PX_NR_PRINCIPAL, NULL, r, contacts, utc, T0);
	assert_int_equal(n, 1);
	assert_string_equal(w[0], "chief");
	n = px_role_contacts(
	    w, 8, PX_NR_ASSIGNEE, "night", r, contacts, utc, T0);
	assert_int_equal(n, 1);
	assert_string_equal(w[0], "night");
	n = px_role_contacts(w, 8, PX_NR_ASSIGNEE, NULL, r, contacts, utc, T0);
	assert_string_equal(w[0], "deputy"); /* no assignee: duty */
	json_decref(r);
	/* Refusals name the problem. */
	assert_int_equal(px_roster_parse(&r, "Mon 25:00 duty"), PX_EINVAL);
	assert_int_equal(px_roster_parse(&r, "Monday 09:00 duty"), PX_EINVAL);
	assert_int_equal(
	    px_roster_parse(&r, "Mon 09:00 duty, Mon 09:00 x"), PX_EINVAL);
	assert_int_equal(px_roster_parse(&r, "Mon 09:00 Du ty"), PX_EINVAL);
	assert_int_equal(px_roster_parse(&r, ""), 0);
	assert_null(px_roster_on_call(r, utc, T0));
	json_decref(r);
	json_decref(contacts);
}

static void
test_check_token(void **state)
{
	struct fx *f = *state;
	char h[65], due_s[PX_TIME_STRLEN];
	struct px_clock_status cs[PX_CLK__N];

	(void)state;
	px_check_token_hash(h, "K7QF-2M9X-HC4T");
	{
		char h2[65];

		px_check_token_hash(h2, "k7qf 2m9x-hc4t");
		assert_string_equal(h, h2);
	}
	px_time_format(due_s, T0 + 4 * HOUR_MS);
	send(f, true, PX_MSG_CHECK, T0,
	    json_pack("{s{ssssssssss}s{ssssss}s{ssss}}", "case", "kind",
	        "check", "category", "other", "priority", "P2", "tlp", "green",
	        "title", "Communication check: duty", "check", "contact",
	        "duty", "token_sha256", h, "due", due_s, "text", "lang", "en",
	        "value", "check"));
	assert_int_equal(f->c.kind, PX_KIND_CHECK);
	assert_string_equal(f->c.check_contact, "duty");
	px_case_set_delivered(&f->c, T0 + 1000);
	/* Only the acknowledge clock applies, due at the check's due. */
	px_case_clocks(cs, &f->c, &f->ag, &f->utc, T0 + HOUR_MS);
	assert_int_equal(cs[PX_CLK_ACK].state, PX_CS_RUNNING);
	assert_int_equal(cs[PX_CLK_ACK].deadline, T0 + 4 * HOUR_MS);
	assert_int_equal(cs[PX_CLK_TRIAGE].state, PX_CS_NA);
	/* An automatic reply (no token) is kept but does not answer. */
	send(f, false, PX_MSG_CHECK_REPLY, T0 + 2000, json_object());
	assert_int_equal(f->c.auto_replies, 1);
	assert_int_equal(f->c.stop[PX_CLK_ACK], -1);
	assert_non_null(f->c.why[1]);
	/* A wrong token neither. */
	send(f, false, PX_MSG_CHECK_REPLY, T0 + 3000,
	    json_pack("{ss}", "token", "AAAA-BBBB-CCCC"));
	assert_int_equal(f->c.auto_replies, 2);
	/* Other types do not belong in a check. */
	{
		struct px_msg *m = chan_send(
		    &f->b, f->c.id, PX_MSG_ACK, T0 + 4000, json_object());

		assert_int_equal(px_case_apply(&f->c, m), PX_ECONFLICT);
		px_msg_free(m);
		f->b.seq--; /* not applied: reuse the seq */
	}
	/* The right token, typed loosely, answers. */
	send(f, false, PX_MSG_CHECK_REPLY, T0 + 30 * MIN_MS,
	    json_pack("{ssss}", "token", "K7QF2M9XHC4T", "by", "duty"));
	assert_int_equal(f->c.stop[PX_CLK_ACK], T0 + 30 * MIN_MS);
	assert_string_equal(f->c.answered_by, "duty");
	assert_int_equal(f->c.state, PX_ST_ACKNOWLEDGED);
	px_case_clocks(cs, &f->c, &f->ag, &f->utc, T0 + 5 * HOUR_MS);
	assert_int_equal(cs[PX_CLK_ACK].state, PX_CS_MET);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_ladder_p2, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ladder_paused_and_ended, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ladder_custom, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_hotline_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_hotline_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_hotline_deliveries, setup, teardown),
		cmocka_unit_test(test_roster),
		cmocka_unit_test_setup_teardown(
		    test_check_token, setup, teardown),
	};

	if (px_crypto_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
