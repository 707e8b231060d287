/*
 * Exercises (model/scenario.h, model/exercise.h): the scenario format,
 * the public form and its commitments, the control messages' rules, the
 * time of each inject, every expectation predicate resolving to met,
 * partial, missed or pending at exact times, contingencies, objective
 * ratings, and the real-world stop.  Time is a parameter throughout.
 *
 * A (cert-a) proposes and runs the control cell; B (cert-b) plays.
 */
#include "helpers.h"
#include "model/case.h"
#include "model/exercise.h"
#include "model/scenario.h"

#define A "cert-a.example"
#define B "cert-b.example"

#define SALT "00112233445566778899aabbccddeeff"

/* The scenario of these tests: I1 a request from A with four
 * expectations, I2 a report from B, C1 a controller-only hotline from a
 * simulated ISP, played when I1/E1 is missed. */
static const char scenario_text[] =
    "{\"parley_scenario\": 1, \"id\": \"t1\", \"version\": 2,"
    " \"name\": {\"en\": \"Test\", \"zh\": \"测试\"},"
    " \"duration\": \"4h\","
    " \"objectives\": ["
    "  {\"id\": \"O1\", \"text\": \"Acknowledge quickly\"},"
    "  {\"id\": \"O2\", \"text\": {\"en\": \"Resolve\", \"zh\": \"解决\"}}],"
    " \"personas\": [{\"id\": \"isp\", \"name\": \"Simulated ISP\","
    "  \"party\": \"a\", \"simulated\": true}],"
    " \"injects\": ["
    "  {\"id\": \"I1\", \"offset\": \"0\", \"from\": \"a\","
    "   \"to\": {\"party\": \"b\", \"role\": \"technical\"},"
    "   \"channel\": \"request\", \"request_type\": \"mitigation\","
    "   \"payload\": {\"title\": \"Botnet C2\", \"text\": {\"en\": \"Take "
    "down 203.0.113.7\", \"zh\": \"请处置 203.0.113.7\"}, \"category\": "
    "\"botnet\", \"priority\": \"P2\", \"observables\": [{\"type\": "
    "\"ipv4-addr\", \"value\": \"203.0.113.7\"}]},"
    "   \"notes\": \"watch the clock\","
    "   \"expect\": ["
    "    {\"id\": \"E1\", \"what\": \"ack\", \"within\": \"15m\","
    "     \"objective\": \"O1\", \"weight\": 2},"
    "    {\"id\": \"E2\", \"what\": \"triage\", \"decision\": "
    "\"accepted\", \"partial\": {\"decision\": \"needs-info\"},"
    "     \"within\": \"30m\", \"objective\": \"O1\"},"
    "    {\"id\": \"E3\", \"what\": \"update\", \"names\": "
    "[\"203.0.113.7\"], \"within\": \"1h\", \"objective\": \"O2\"},"
    "    {\"id\": \"E4\", \"what\": \"result\", \"outcome\": "
    "\"resolved\", \"partial\": {\"outcome\": \"partial\"},"
    "     \"within\": \"2h\", \"late\": \"missed\", \"objective\": "
    "\"O2\"}]},"
    "  {\"id\": \"I2\", \"offset\": \"10m\", \"from\": \"b\","
    "   \"to\": {\"party\": \"a\"}, \"channel\": \"report\","
    "   \"payload\": {\"title\": \"Scanning seen\", \"text\": \"We see "
    "scanning\"},"
    "   \"expect\": [{\"id\": \"E1\", \"what\": \"ack\", \"within\": "
    "\"10m\", \"objective\": \"O1\"}]},"
    "  {\"id\": \"C1\", \"offset\": \"0\", \"contingency\": true,"
    "   \"controller_only\": true, \"salt\": \"" SALT "\","
    "   \"after\": [{\"inject\": \"I1\", \"expectation\": \"E1\", "
    "\"status\": \"missed\"}],"
    "   \"from\": \"isp\", \"to\": {\"party\": \"b\"}, \"channel\": "
    "\"hotline\","
    "   \"payload\": {\"title\": \"ISP calls\", \"text\": \"Urgent\"},"
    "   \"notes\": \"fire if slow\","
    "   \"expect\": [{\"id\": \"H1\", \"what\": \"hotline-answered\", "
    "\"role\": \"technical\", \"paged\": true, \"within\": \"5m\", "
    "\"objective\": \"O1\"}]}]}";

static json_t *
load(const char *text)
{
	json_t *doc = NULL;

	if (px_json_parse(&doc, text, strlen(text), 1 << 20, "scenario") < 0)
		fail_msg("parse: %s", px_error_last());
	return doc;
}

/* A copy of the scenario with `path` (inject index, member) set to `v`
 * (stolen); -1 for a top-level member. */
static json_t *
variant(int inject, const char *member, json_t *v)
{
	json_t *doc = load(scenario_text);

	if (inject < 0)
		json_object_set_new(doc, member, v);
	else
		json_object_set_new(
		    json_array_get(
		        json_object_get(doc, "injects"), (size_t)inject),
		    member, v);
	return doc;
}

/* A copy with member `member` of the first expectation of inject
 * `inject` set to `v` (stolen). */
static json_t *
expect_variant(int inject, const char *member, json_t *v)
{
	json_t *doc = load(scenario_text);
	json_t *in = json_array_get(json_object_get(doc, "injects"), inject);

	json_object_set_new(
	    json_array_get(json_object_get(in, "expect"), 0), member, v);
	return doc;
}

/* Parses doc (stolen); returns the result and keeps the error. */
static int
try_parse(json_t *doc)
{
	struct px_scenario s;
	int rc = px_scenario_parse(&s, doc, false);

	if (rc == 0)
		px_scenario_dispose(&s);
	json_decref(doc);
	return rc;
}

static void
test_scenario_parse(void **state)
{
	struct px_scenario s;
	json_t *doc = load(scenario_text);
	const struct px_xinject *i1, *c1;

	(void)state;
	assert_int_equal(px_scenario_parse(&s, doc, false), 0);
	json_decref(doc);
	assert_string_equal(s.id, "t1");
	assert_int_equal(s.version, 2);
	assert_int_equal(s.duration, 4 * HOUR_MS);
	assert_int_equal(s.ninjects, 3);
	assert_int_equal(s.nobjectives, 2);
	assert_int_equal(s.ratings[0], 900);
	i1 = &s.injects[0];
	assert_string_equal(i1->id, "I1");
	assert_int_equal(i1->serial, 1);
	assert_int_equal(i1->channel, PX_XCH_REQUEST);
	assert_int_equal(i1->request_type, PX_RQ_MITIGATION);
	assert_int_equal(i1->priority, PX_P2);
	assert_int_equal(i1->category, PX_CAT_BOTNET);
	assert_int_equal(i1->tlp, PX_TLP_AMBER);
	assert_string_equal(px_xtext(i1->text, "zh"), "请处置 203.0.113.7");
	assert_string_equal(px_xtext(i1->text, "fr"), "Take down 203.0.113.7");
	assert_string_equal(px_xtext(i1->title, "zh"), "Botnet C2");
	assert_string_equal(px_xtext_lang(i1->title, "zh"), "en");
	assert_int_equal(i1->nexpect, 4);
	assert_int_equal(i1->expect[0].within, 15 * MIN_MS);
	assert_int_equal(i1->expect[0].weight, 2);
	assert_int_equal(i1->expect[1].met.decision, PX_DEC_ACCEPTED);
	assert_true(i1->expect[1].has_partial);
	assert_int_equal(i1->expect[1].partial.decision, PX_DEC_NEEDS_INFO);
	assert_false(i1->expect[3].late_partial);
	assert_int_equal(i1->expect[3].obj, 1);
	assert_int_equal(s.injects[1].party, 1);
	assert_int_equal(s.injects[1].offset, 10 * MIN_MS);
	c1 = &s.injects[2];
	assert_true(c1->controller_only);
	assert_true(c1->contingency);
	assert_true(c1->simulated);
	assert_string_equal(c1->persona, "isp");
	assert_int_equal(c1->priority, PX_P1);
	assert_int_equal(c1->nafter, 1);
	assert_int_equal(c1->after[0].idx, 0);
	assert_int_equal(c1->after[0].eidx, 0);
	assert_int_equal(c1->after[0].statuses, 1u << PX_XST_MISSED);
	assert_string_equal(c1->expect[0].met.role, "technical");
	assert_true(c1->expect[0].met.paged);
	assert_int_equal(px_scenario_find(&s, "I2"), 1);
	assert_int_equal(px_scenario_find(&s, "nope"), -1);
	px_scenario_dispose(&s);
}

/* Each mistake a hand-written file may hold is refused, naming where. */
static void
test_scenario_errors(void **state)
{
	json_t *d;

	(void)state;
	assert_int_equal(
	    try_parse(variant(0, "withn", json_string("1h"))), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "withn"));
	assert_int_equal(
	    try_parse(expect_variant(0, "within", json_string("soon"))),
	    PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "inject I1: expectation E1"));
	assert_non_null(strstr(px_error_last(), "soon"));
	assert_int_equal(
	    try_parse(expect_variant(1, "objective", json_string("O9"))),
	    PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "objective 'O9'"));
	/* A dependency on a later inject. */
	assert_int_equal(
	    try_parse(variant(1, "after", json_pack("[{ss}]", "inject", "C1"))),
	    PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "earlier inject"));
	/* A controller-only inject from b. */
	assert_int_equal(
	    try_parse(variant(1, "controller_only", json_true())), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "party a"));
	/* b waiting for how a hidden inject went. */
	d = load(scenario_text);
	json_array_append_new(json_object_get(d, "injects"),
	    json_pack("{ss ss ss s{ss} ss s{ssss} s[{ssssss}]}", "id", "I3",
	        "offset", "1h", "from", "b", "to", "party", "a", "channel",
	        "report", "payload", "title", "x", "text", "y", "after",
	        "inject", "C1", "expectation", "H1", "status", "met"));
	assert_int_equal(try_parse(d), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "only party a's injects"));
	/* A contingency with no condition on a status. */
	assert_int_equal(
	    try_parse(variant(1, "contingency", json_true())), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "contingency"));
	/* check-answered on a request. */
	assert_int_equal(
	    try_parse(expect_variant(0, "what", json_string("check-answered"))),
	    PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "check"));
	/* A filter that does not belong to the predicate. */
	assert_int_equal(
	    try_parse(expect_variant(0, "outcome", json_string("resolved"))),
	    PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "'outcome' is for result"));
	/* Same inject id twice, an unknown channel, a bad observable. */
	assert_int_equal(
	    try_parse(variant(1, "id", json_string("I1"))), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "used twice"));
	assert_int_equal(
	    try_parse(variant(1, "channel", json_string("fax"))), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "fax"));
	d = load(scenario_text);
	json_object_set_new(
	    json_object_get(
	        json_array_get(json_object_get(d, "injects"), 0), "payload"),
	    "observables",
	    json_pack("[{ssss}]", "type", "ipv4-addr", "value", "10.0.0.1/8"));
	assert_int_equal(try_parse(d), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "observable 1"));
	/* An inject to its own party; a title too long for the marking. */
	assert_int_equal(
	    try_parse(variant(0, "to", json_pack("{ss}", "party", "a"))),
	    PX_EINVAL);
	{
		char t[300];

		memset(t, 'x', sizeof(t) - 1);
		t[sizeof(t) - 1] = '\0';
		d = load(scenario_text);
		json_object_set_new(
		    json_object_get(
		        json_array_get(json_object_get(d, "injects"), 1),
		        "payload"),
		    "title", json_string(t));
		assert_int_equal(try_parse(d), PX_EINVAL);
	}
	assert_int_equal(
	    try_parse(variant(-1, "ratings",
	        json_pack("{sisisi}", "P", 500, "S", 600, "M", 300))),
	    PX_EINVAL);
	assert_int_equal(
	    try_parse(variant(-1, "parley_scenario", json_integer(2))),
	    PX_EINVAL);
}

/* The public form drops notes and hides controller-only injects behind
 * a salted commitment; hashes are SHA-256 over a tagged JCS. */
static void
test_public_form(void **state)
{
	json_t *doc = load(scenario_text), *pub = NULL, *c1, *copy;
	struct px_scenario s;
	char h[PX_HASH_HEX], c[PX_HASH_HEX];
	struct px_buf b;
	uint8_t d[32];
	char hex[65];

	(void)state;
	assert_false(px_scenario_salt_needed(doc));
	assert_int_equal(px_scenario_public(&pub, doc), 0);
	assert_null(json_object_get(
	    json_array_get(json_object_get(pub, "injects"), 0), "notes"));
	c1 = json_array_get(json_object_get(pub, "injects"), 2);
	assert_int_equal(json_object_size(c1), 4);
	assert_true(json_is_true(json_object_get(c1, "controller_only")));
	assert_int_equal(json_integer_value(json_object_get(c1, "serial")), 3);
	assert_int_equal(
	    px_inject_commit(
	        c, json_array_get(json_object_get(doc, "injects"), 2)),
	    0);
	assert_string_equal(
	    json_string_value(json_object_get(c1, "commit")), c);
	/* The commitment by hand: SHA-256 of the tag and the JCS. */
	px_buf_init(&b, PX_BUF_NOCAP);
	px_buf_puts(&b, "parley-inject-v1\n");
	assert_int_equal(
	    px_canon_append(
	        &b, json_array_get(json_object_get(doc, "injects"), 2)),
	    0);
	px_sha256(d, b.data, b.len);
	px_hex_encode(hex, d, 32);
	assert_string_equal(hex, c);
	px_buf_dispose(&b);
	/* The public form parses as one, and not as a full scenario. */
	assert_int_equal(px_scenario_parse(&s, pub, true), 0);
	assert_true(s.injects[2].hidden);
	assert_string_equal(s.injects[2].commit, c);
	px_scenario_dispose(&s);
	assert_int_equal(px_scenario_parse(&s, pub, false), PX_EINVAL);
	/* Hashes differ with any change, salts included. */
	assert_int_equal(px_scenario_hash(h, doc), 0);
	copy = json_deep_copy(doc);
	json_object_set_new(json_array_get(json_object_get(copy, "injects"), 2),
	    "salt", json_string("ffffffffffffffffffffffffffffffff"));
	assert_int_equal(px_scenario_hash(c, copy), 0);
	assert_string_not_equal(h, c);
	json_object_del(
	    json_array_get(json_object_get(copy, "injects"), 2), "salt");
	assert_true(px_scenario_salt_needed(copy));
	json_decref(pub);
	assert_int_equal(px_scenario_public(&pub, copy), PX_EINVAL);
	assert_null(pub);
	json_decref(copy);
	json_decref(doc);
}

/* ---- The exercise record ---- */

struct fx {
	struct chan a, b;
	json_t *full;
	struct px_case x;      /* the exercise case */
	struct px_case inj[8]; /* inject cases */
	size_t ninj;
	struct px_exercise ex;
	bool built;
};

static int
setup(void **state)
{
	struct fx *f = px_calloc(1, sizeof(*f));

	chan_init(&f->a, A, B, 1);
	chan_init(&f->b, B, A, 2);
	px_case_init(&f->x);
	for (size_t i = 0; i < 8; i++)
		px_case_init(&f->inj[i]);
	f->full = load(scenario_text);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	px_exercise_dispose(&f->ex);
	px_case_dispose(&f->x);
	for (size_t i = 0; i < 8; i++)
		px_case_dispose(&f->inj[i]);
	json_decref(f->full);
	free(f);
	return 0;
}

/* The proposal: start at `start` (or none if < 0), scale 1. */
static void
propose(struct fx *f, int64_t t, int64_t start, int64_t scale)
{
	json_t *pub = NULL, *body, *play;
	char h[PX_HASH_HEX];
	struct px_msg *m;

	assert_int_equal(px_scenario_public(&pub, f->full), 0);
	assert_int_equal(px_scenario_hash(h, f->full), 0);
	play = json_pack("{s{ssss} sI s[{ssssss},{ssssss}] s[{ssss}]}",
	    "parties", "a", A, "b", B, "time_scale", (json_int_t)scale,
	    "players", "party", "b", "contact", "duty", "role", "technical",
	    "party", "b", "contact", "boss", "role", "policy", "control",
	    "party", "a", "name", "Control cell");
	if (start >= 0) {
		char ts[PX_TIME_STRLEN];

		px_time_format(ts, start);
		json_object_set_new(play, "start", json_string(ts));
	}
	body = json_pack("{s{ssssssssss} s{ssso} so}", "case", "kind",
	    "exercise", "category", "other", "priority", "P4", "tlp", "amber",
	    "title", "Exercise: Test", "scenario", "hash", h, "public", pub,
	    "play", play);
	m = chan_send(&f->a, NULL, PX_MSG_EXERCISE, t, body);
	assert_int_equal(px_case_replay(&f->x, m), 0);
	px_msg_free(m);
}

/* A control message from A or B into the exercise case. */
static void
control(struct fx *f, bool from_a, int64_t t, json_t *body)
{
	struct px_msg *m =
	    chan_send(from_a ? &f->a : &f->b, f->x.id, PX_MSG_CONTROL, t, body);

	assert_int_equal(px_case_replay(&f->x, m), 0);
	px_msg_free(m);
}

static void
accept_it(struct fx *f, int64_t t)
{
	control(f, false, t,
	    json_pack(
	        "{ssss}", "action", "accept", "proposal", f->x.msgs[0]->hash));
}

/* Opens an inject case: from A (or B), `kind` for inject `id`. */
static struct px_case *
play(struct fx *f, bool from_a, const char *id, const char *kind, int64_t t)
{
	struct px_case *c = &f->inj[f->ninj++];
	json_t *body = json_pack("{s{sssssssssss[{ssss}]} s{ssss} s{ssss}}",
	    "case", "kind", kind, "category", "botnet", "priority", "P2", "tlp",
	    "amber", "title", "[EXERCISE] x", "observables", "type",
	    "ipv4-addr", "value", "203.0.113.7", "text", "lang", "en", "value",
	    "EXERCISE", "exercise", "id", f->x.id, "inject", id);
	struct px_msg *m = chan_send(from_a ? &f->a : &f->b, NULL,
	    strcmp(kind, "report") == 0 ? PX_MSG_REPORT : PX_MSG_REQUEST, t,
	    body);

	assert_int_equal(px_case_replay(c, m), 0);
	assert_string_equal(c->exercise_id, f->x.id);
	assert_string_equal(c->inject_id, id);
	px_msg_free(m);
	return c;
}

static void
reply(struct fx *f, struct px_case *c, bool from_a, enum px_msg_type type,
    int64_t t, json_t *body)
{
	struct px_msg *m =
	    chan_send(from_a ? &f->a : &f->b, c->id, type, t, body);

	assert_int_equal(px_case_replay(c, m), 0);
	px_msg_free(m);
}

/* (Re)builds the exercise from the cases so far; `full` as A holds it. */
static void
build(struct fx *f, bool full)
{
	const struct px_case *cs[8];

	px_exercise_dispose(&f->ex);
	assert_int_equal(
	    px_exercise_build(&f->ex, &f->x, full ? f->full : NULL), 0);
	for (size_t i = 0; i < f->ninj; i++)
		cs[i] = &f->inj[i];
	px_exercise_attach(&f->ex, cs, f->ninj);
}

/* Proposes a start at s0, has B accept, and plays I1 at t1. */
static struct px_case *
begin(struct fx *f, int64_t s0, int64_t t1)
{
	propose(f, T0, s0, 1);
	accept_it(f, T0 + 1);
	return play(f, true, "I1", "request", t1);
}

static enum px_xstate
state_at(struct fx *f, int64_t now)
{
	struct px_xeval e;
	enum px_xstate s;

	px_exercise_eval(&e, &f->ex, now);
	s = e.state;
	px_xeval_dispose(&e);
	return s;
}

static enum px_xstatus
status_at(struct fx *f, int inj, int k, int64_t now)
{
	struct px_xeval e;
	enum px_xstatus s;

	px_exercise_eval(&e, &f->ex, now);
	assert_int_equal(e.inj[inj].state, PX_XI_PLAYED);
	s = e.inj[inj].res[k].status;
	px_xeval_dispose(&e);
	return s;
}

static json_t *
text(const char *s)
{
	return json_pack("{s{ssss}}", "text", "lang", "en", "value", s);
}

/* px_exercise_allows on a body (stolen). */
static int
allows(struct fx *f, const char *self, json_t *body, int64_t now)
{
	int rc = px_exercise_allows(&f->ex, self, body, now);

	json_decref(body);
	return rc;
}

static void
test_states(void **state)
{
	struct fx *f = *state;
	const int64_t s0 = T0 + HOUR_MS;

	propose(f, T0, s0, 1);
	build(f, false);
	assert_true(f->ex.readable);
	assert_false(f->ex.have_full);
	assert_string_equal(f->ex.party[0], A);
	assert_int_equal(f->ex.scale, 1);
	assert_int_equal(f->ex.planned_start, s0);
	assert_int_equal(state_at(f, T0), PX_XS_PROPOSED);
	/* A cannot accept its own proposal; an answer naming another
	 * proposal takes no effect. */
	control(f, true, T0 + 1,
	    json_pack(
	        "{ssss}", "action", "accept", "proposal", f->x.msgs[0]->hash));
	control(f, false, T0 + 2,
	    json_pack("{ssss}", "action", "accept", "proposal", PX_ZERO_HASH));
	build(f, false);
	assert_non_null(f->ex.ctl_why[1]);
	assert_non_null(strstr(f->ex.ctl_why[1], "only the peer"));
	assert_non_null(strstr(f->ex.ctl_why[2], "another proposal"));
	assert_int_equal(state_at(f, T0 + 3), PX_XS_PROPOSED);
	accept_it(f, T0 + 10);
	/* A second accept and a late decline change nothing. */
	accept_it(f, T0 + 11);
	control(f, false, T0 + 12,
	    json_pack(
	        "{ssss}", "action", "decline", "proposal", f->x.msgs[0]->hash));
	build(f, false);
	assert_null(f->ex.ctl_why[3]);
	assert_non_null(f->ex.ctl_why[4]);
	assert_non_null(f->ex.ctl_why[5]);
	assert_int_equal(f->ex.accepted, T0 + 10);
	assert_int_equal(state_at(f, T0 + 20), PX_XS_SCHEDULED);
	assert_int_equal(state_at(f, s0 - 1), PX_XS_SCHEDULED);
	assert_int_equal(state_at(f, s0), PX_XS_RUNNING);
	/* Only the control cell (A) pauses; B's pause has no effect. */
	control(f, false, s0 + MIN_MS, json_pack("{ss}", "action", "pause"));
	control(f, true, s0 + 2 * MIN_MS, json_pack("{ss}", "action", "pause"));
	build(f, false);
	assert_non_null(strstr(f->ex.ctl_why[6], "control cell"));
	assert_int_equal(state_at(f, s0 + 3 * MIN_MS), PX_XS_PAUSED);
	control(
	    f, true, s0 + 5 * MIN_MS, json_pack("{ss}", "action", "resume"));
	control(
	    f, true, s0 + 6 * MIN_MS, json_pack("{ss}", "action", "resume"));
	build(f, false);
	assert_non_null(strstr(f->ex.ctl_why[9], "not paused"));
	assert_int_equal(f->ex.npauses, 1);
	assert_int_equal(f->ex.pauses[0].from, s0 + 2 * MIN_MS);
	assert_int_equal(f->ex.pauses[0].to, s0 + 5 * MIN_MS);
	assert_int_equal(state_at(f, s0 + 5 * MIN_MS), PX_XS_RUNNING);
	/* Evaluating before the end takes no effect. */
	control(f, true, s0 + 7 * MIN_MS,
	    json_pack("{ss s[{ssss}] ss}", "action", "evaluate", "ratings",
	        "objective", "O1", "rating", "P", "by", "Eva"));
	control(f, true, s0 + HOUR_MS, json_pack("{ss}", "action", "end"));
	build(f, false);
	assert_non_null(strstr(f->ex.ctl_why[10], "not ended"));
	assert_int_equal(state_at(f, s0 + HOUR_MS), PX_XS_ENDED);
	assert_false(f->ex.stopped);
	/* Evaluated once every objective is confirmed; an unknown
	 * objective takes no effect. */
	control(f, false, s0 + HOUR_MS + 1,
	    json_pack("{ss s[{ssss}] ss}", "action", "evaluate", "ratings",
	        "objective", "O7", "rating", "P", "by", "Eva"));
	control(f, false, s0 + HOUR_MS + 2,
	    json_pack("{ss s[{ssssss},{ssss}] ss}", "action", "evaluate",
	        "ratings", "objective", "O1", "rating", "S", "comment",
	        "slow at first", "objective", "O2", "rating", "U", "by",
	        "Eva Lu"));
	build(f, false);
	assert_non_null(strstr(f->ex.ctl_why[12], "no objective 'O7'"));
	assert_int_equal(state_at(f, s0 + 2 * HOUR_MS), PX_XS_EVALUATED);
	assert_int_equal(f->ex.evals[0].rating, 1);
	assert_string_equal(f->ex.evals[0].comment, "slow at first");
	assert_string_equal(f->ex.evals[1].by, "Eva Lu");
	/* Signed by both only when both sign the same scores. */
	control(f, true, s0 + 2 * HOUR_MS,
	    json_pack("{ssss}", "action", "sign", "report",
	        "1111111111111111111111111111111111111111111111111111111111111111"));
	control(f, false, s0 + 2 * HOUR_MS + 1,
	    json_pack("{ssss}", "action", "sign", "report",
	        "2222222222222222222222222222222222222222222222222222222222222222"));
	build(f, false);
	assert_int_equal(state_at(f, s0 + 3 * HOUR_MS), PX_XS_EVALUATED);
	control(f, false, s0 + 2 * HOUR_MS + 2,
	    json_pack("{ssss}", "action", "sign", "report",
	        "1111111111111111111111111111111111111111111111111111111111111111"));
	/* An improvement plan item, raised and then done. */
	control(f, true, s0 + 2 * HOUR_MS + 3,
	    json_pack("{ss ss s{ssss} ss ss ss}", "action", "plan", "item",
	        "IP1", "text", "lang", "en", "value", "Roster", "owner", "Li",
	        "due", "2027-01-15", "status", "open"));
	control(f, false, s0 + 2 * HOUR_MS + 4,
	    json_pack("{ss ss s{ssss} ss ss ss}", "action", "plan", "item",
	        "IP1", "text", "lang", "en", "value", "Roster", "owner", "Li",
	        "due", "2027-01-15", "status", "done"));
	build(f, false);
	assert_int_equal(state_at(f, s0 + 3 * HOUR_MS), PX_XS_SIGNED);
	assert_int_equal(f->ex.nplan, 1);
	assert_string_equal(
	    json_string_value(json_object_get(f->ex.plan[0].m->body, "status")),
	    "done");
	assert_ptr_not_equal(f->ex.plan[0].first, f->ex.plan[0].m);
}

static void
test_decline_withdraw(void **state)
{
	struct fx *f = *state;

	propose(f, T0, -1, 1);
	control(f, true, T0 + 5, json_pack("{ss}", "action", "withdraw"));
	accept_it(f, T0 + 6);
	build(f, false);
	assert_int_equal(state_at(f, T0 + 10), PX_XS_WITHDRAWN);
	assert_non_null(strstr(f->ex.ctl_why[2], "withdrawn"));
	assert_int_equal(allows(f, B,
	                     json_pack("{ssss}", "action", "accept", "proposal",
	                         f->x.msgs[0]->hash),
	                     T0 + 20),
	    PX_ECONFLICT);
}

/* Offsets in running time at the time scale; delay, fire and skip. */
static void
test_timing(void **state)
{
	struct fx *f = *state;
	const int64_t s0 = T0 + MIN_MS;
	struct px_xeval e;

	propose(f, T0, -1, 60); /* an hour plays in a minute */
	accept_it(f, T0 + 1);
	build(f, true);
	assert_true(f->ex.have_full);
	assert_int_equal(state_at(f, s0), PX_XS_AGREED);
	control(f, true, s0, json_pack("{ss}", "action", "start"));
	build(f, true);
	px_exercise_eval(&e, &f->ex, s0);
	assert_int_equal(e.state, PX_XS_RUNNING);
	assert_int_equal(e.inj[0].state, PX_XI_DUE);
	assert_int_equal(e.inj[0].due, s0);
	/* I2 at 10 min of scenario time: 10 s at scale 60. */
	assert_int_equal(e.inj[1].state, PX_XI_WAITING);
	assert_int_equal(e.inj[1].due, s0 + 10000);
	/* C1 waits for I1/E1 to be missed: not due, not yet known when. */
	assert_int_equal(e.inj[2].due, INT64_MAX);
	assert_int_equal(e.next, s0 + 10000);
	/* The 4h duration runs out after 4 minutes. */
	assert_int_equal(e.end_at, s0 + 4 * MIN_MS);
	px_xeval_dispose(&e);
	/* A pause of 30 s moves I2 by 30 s; a delay of 5 scenario minutes by
	 * 5 s more. */
	control(f, true, s0 + 5000, json_pack("{ss}", "action", "pause"));
	control(f, true, s0 + 35000, json_pack("{ss}", "action", "resume"));
	control(f, true, s0 + 36000,
	    json_pack(
	        "{ssssss}", "action", "delay", "inject", "I2", "by", "5m"));
	build(f, true);
	assert_int_equal(px_exercise_real_at(&f->ex, s0, 10000), s0 + 40000);
	assert_int_equal(
	    px_exercise_real_at(&f->ex, s0 + 10000, 1000), s0 + 36000);
	px_exercise_eval(&e, &f->ex, s0 + 44999);
	assert_int_equal(e.inj[1].due, s0 + 45000);
	assert_int_equal(e.inj[1].state, PX_XI_WAITING);
	px_xeval_dispose(&e);
	px_exercise_eval(&e, &f->ex, s0 + 45000);
	assert_int_equal(e.inj[1].state, PX_XI_DUE);
	px_xeval_dispose(&e);
	/* While paused nothing falls due; an open pause has no end. */
	control(f, true, s0 + 50000, json_pack("{ss}", "action", "pause"));
	build(f, true);
	assert_int_equal(
	    px_exercise_real_at(&f->ex, s0 + 40000, 20000), INT64_MAX);
	px_exercise_eval(&e, &f->ex, s0 + 60000);
	assert_int_equal(e.state, PX_XS_PAUSED);
	assert_int_equal(e.inj[1].state, PX_XI_WAITING);
	px_xeval_dispose(&e);
	control(f, true, s0 + 70000, json_pack("{ss}", "action", "resume"));
	/* Skip I2; fire C1 by hand now; firing it twice has no effect. */
	control(f, true, s0 + 71000,
	    json_pack("{ssss}", "action", "skip", "inject", "I2"));
	control(f, true, s0 + 72000,
	    json_pack("{ssss}", "action", "fire", "inject", "C1"));
	control(f, true, s0 + 72001,
	    json_pack("{ssss}", "action", "fire", "inject", "C1"));
	control(f, true, s0 + 72002,
	    json_pack("{ssss}", "action", "skip", "inject", "ZZ"));
	build(f, true);
	assert_non_null(strstr(f->ex.ctl_why[10], "already fired"));
	assert_non_null(strstr(f->ex.ctl_why[11], "no inject 'ZZ'"));
	px_exercise_eval(&e, &f->ex, s0 + 72000);
	assert_int_equal(e.inj[1].state, PX_XI_SKIPPED);
	assert_int_equal(e.inj[2].state, PX_XI_DUE);
	assert_int_equal(e.inj[2].due, s0 + 72000);
	px_xeval_dispose(&e);
	/* B cannot see C1 before the reveal: hidden there. */
	build(f, false);
	px_exercise_eval(&e, &f->ex, s0 + 72000);
	assert_int_equal(e.inj[2].state, PX_XI_HIDDEN);
	px_xeval_dispose(&e);
}

/* Each predicate of I1 at exact times; contingency C1 on a miss. */
static void
test_predicates(void **state)
{
	struct fx *f = *state;
	const int64_t s0 = T0 + MIN_MS, t1 = s0 + 1000;
	struct px_case *c;
	struct px_xeval e;

	c = begin(f, s0, t1);
	build(f, true);
	/* Pending up to the deadline, missed one ms after it. */
	assert_int_equal(status_at(f, 0, 0, t1 + 15 * MIN_MS), PX_XST_PENDING);
	assert_int_equal(
	    status_at(f, 0, 0, t1 + 15 * MIN_MS + 1), PX_XST_MISSED);
	px_exercise_eval(&e, &f->ex, t1 + 15 * MIN_MS + 1);
	assert_int_equal(e.inj[0].res[0].deadline, t1 + 15 * MIN_MS);
	assert_int_equal(e.inj[0].res[0].since, t1 + 15 * MIN_MS);
	/* The contingency falls due at the deadline it waited for. */
	assert_int_equal(e.inj[2].state, PX_XI_DUE);
	assert_int_equal(e.inj[2].due, t1 + 15 * MIN_MS);
	px_xeval_dispose(&e);
	/* Notes and messages of the other party do not acknowledge. */
	reply(f, c, false, PX_MSG_NOTE, t1 + MIN_MS, text("203.0.113.7"));
	reply(f, c, true, PX_MSG_UPDATE, t1 + 2 * MIN_MS, text("any news?"));
	/* A needs-info triage at 14 min: acknowledges (met), and is a near
	 * miss for E2. */
	reply(f, c, false, PX_MSG_TRIAGE, t1 + 14 * MIN_MS,
	    json_pack("{ss}", "decision", "needs-info"));
	build(f, true);
	assert_int_equal(status_at(f, 0, 0, t1 + 20 * MIN_MS), PX_XST_MET);
	assert_int_equal(status_at(f, 0, 1, t1 + 30 * MIN_MS), PX_XST_PENDING);
	assert_int_equal(
	    status_at(f, 0, 1, t1 + 30 * MIN_MS + 1), PX_XST_PARTIAL);
	px_exercise_eval(&e, &f->ex, t1 + 20 * MIN_MS);
	assert_ptr_equal(e.inj[0].res[0].answer, c->msgs[3]);
	assert_int_equal(e.inj[0].res[0].since, t1 + 14 * MIN_MS);
	/* E1 met: the contingency never falls due. */
	assert_int_equal(e.inj[2].state, PX_XI_WAITING);
	px_xeval_dispose(&e);
	/* The accepted triage before the deadline turns E2 met. */
	reply(f, c, true, PX_MSG_UPDATE, t1 + 20 * MIN_MS, text("here it is"));
	reply(f, c, false, PX_MSG_TRIAGE, t1 + 29 * MIN_MS,
	    json_pack("{ss}", "decision", "accepted"));
	build(f, true);
	assert_int_equal(status_at(f, 0, 1, t1 + 31 * MIN_MS), PX_XST_MET);
	/* E3: an update naming the address (any case, in the translation
	 * too) counts; one that does not name it does not. */
	reply(f, c, false, PX_MSG_UPDATE, t1 + 40 * MIN_MS,
	    text("working on it"));
	build(f, true);
	assert_int_equal(status_at(f, 0, 2, t1 + 61 * MIN_MS), PX_XST_MISSED);
	reply(f, c, false, PX_MSG_UPDATE, t1 + 70 * MIN_MS,
	    json_pack("{s{ssss s{ssssss}}}", "text", "lang", "zh", "value",
	        "已处理", "translation", "lang", "en", "value",
	        "sinkholed 203.0.113.7", "by", "human"));
	build(f, true);
	/* Late: partial (the default), since the late update. */
	assert_int_equal(status_at(f, 0, 2, t1 + 71 * MIN_MS), PX_XST_PARTIAL);
	px_exercise_eval(&e, &f->ex, t1 + 71 * MIN_MS);
	assert_true(e.inj[0].res[2].late);
	assert_int_equal(e.inj[0].res[2].since, t1 + 70 * MIN_MS);
	px_xeval_dispose(&e);
	/* E4: a partial result by the deadline is a near miss; late
	 * matches count as missed ("late": "missed"). */
	reply(f, c, false, PX_MSG_RESULT, t1 + 100 * MIN_MS,
	    json_pack("{sss{ssss}}", "outcome", "partial", "text", "lang", "en",
	        "value", "half done"));
	build(f, true);
	assert_int_equal(status_at(f, 0, 3, t1 + 2 * HOUR_MS), PX_XST_PENDING);
	assert_int_equal(
	    status_at(f, 0, 3, t1 + 2 * HOUR_MS + 1), PX_XST_PARTIAL);
}

static void
test_late_missed_and_results(void **state)
{
	struct fx *f = *state;
	const int64_t s0 = T0 + MIN_MS, t1 = s0 + 1000;
	struct px_case *c;

	c = begin(f, s0, t1);
	/* A resolved result after E4's deadline: "late": "missed". */
	reply(f, c, false, PX_MSG_RESULT, t1 + 3 * HOUR_MS,
	    json_pack("{sss{ssss}}", "outcome", "resolved", "text", "lang",
	        "en", "value", "done"));
	build(f, true);
	assert_int_equal(
	    status_at(f, 0, 3, t1 + 3 * HOUR_MS + 1), PX_XST_MISSED);
	/* The result acknowledged too, but 3 h late: E1 partial (late). */
	assert_int_equal(
	    status_at(f, 0, 0, t1 + 3 * HOUR_MS + 1), PX_XST_PARTIAL);
	/* A triage that answers nothing E2 wants stays missed. */
	assert_int_equal(
	    status_at(f, 0, 1, t1 + 3 * HOUR_MS + 1), PX_XST_MISSED);
}

/* Pauses stretch deadlines: 15 min of running time. */
static void
test_deadline_pause(void **state)
{
	struct fx *f = *state;
	const int64_t s0 = T0 + MIN_MS, t1 = s0 + 1000;
	struct px_case *c;
	struct px_xeval e;

	c = begin(f, s0, t1);
	control(f, true, t1 + 5 * MIN_MS, json_pack("{ss}", "action", "pause"));
	control(
	    f, true, t1 + 25 * MIN_MS, json_pack("{ss}", "action", "resume"));
	reply(f, c, false, PX_MSG_ACK, t1 + 34 * MIN_MS, json_object());
	build(f, true);
	px_exercise_eval(&e, &f->ex, t1 + HOUR_MS);
	assert_int_equal(e.inj[0].res[0].deadline, t1 + 35 * MIN_MS);
	assert_int_equal(e.inj[0].res[0].status, PX_XST_MET);
	px_xeval_dispose(&e);
}

/* Played as the hotline: answered by a person of the role, paged. */
static void
test_hotline_answered(void **state)
{
	struct fx *f = *state;
	const int64_t s0 = T0 + MIN_MS, t1 = s0 + 1000;
	struct px_case *c, *h;

	c = begin(f, s0, t1);
	(void)c;
	h = play(f, true, "C1", "hotline", t1 + 16 * MIN_MS);
	/* B pages duty, then boss; boss (policy) answers: not the role. */
	reply(f, h, false, PX_MSG_ESCALATE, t1 + 16 * MIN_MS + 1,
	    json_pack("{s{sisssss[s]}}", "page", "attempt", 1, "contact",
	        "duty", "name", "Li", "channels", "email"));
	build(f, true);
	assert_int_equal(status_at(f, 2, 0, t1 + 21 * MIN_MS), PX_XST_PENDING);
	assert_int_equal(
	    status_at(f, 2, 0, t1 + 21 * MIN_MS + 1), PX_XST_MISSED);
	reply(f, h, false, PX_MSG_ACK, t1 + 17 * MIN_MS,
	    json_pack("{ss}", "by", "boss"));
	build(f, true);
	assert_int_equal(status_at(f, 2, 0, t1 + 30 * MIN_MS), PX_XST_MISSED);
	/* Only one ack is taken: a second case shows duty answering. */
	px_case_dispose(h);
	px_case_init(h);
	f->ninj--;
	h = play(f, true, "C1", "hotline", t1 + 16 * MIN_MS);
	/* duty answers without having been paged: paged is required. */
	reply(f, h, false, PX_MSG_ACK, t1 + 17 * MIN_MS,
	    json_pack("{ss}", "by", "duty"));
	build(f, true);
	assert_int_equal(status_at(f, 2, 0, t1 + 30 * MIN_MS), PX_XST_MISSED);
	px_case_dispose(h);
	px_case_init(h);
	f->ninj--;
	h = play(f, true, "C1", "hotline", t1 + 16 * MIN_MS);
	reply(f, h, false, PX_MSG_ESCALATE, t1 + 16 * MIN_MS + 1,
	    json_pack("{s{sisssss[s]}}", "page", "attempt", 1, "contact",
	        "duty", "name", "Li", "channels", "email"));
	reply(f, h, false, PX_MSG_ACK, t1 + 18 * MIN_MS,
	    json_pack("{ss}", "by", "duty"));
	build(f, true);
	assert_int_equal(status_at(f, 2, 0, t1 + 30 * MIN_MS), PX_XST_MET);
	/* Played by B instead of A: not this inject (stray). */
	f->ninj = 0;
	px_case_dispose(&f->inj[0]);
	px_case_init(&f->inj[0]);
	play(f, false, "I1", "report", t1);
	build(f, true);
	assert_null(f->ex.played[0]);
	assert_int_equal(f->ex.nstray, 1);
}

/* Objectives: weights, per mille, HSEEP thresholds, confirmation. */
static void
test_scoring(void **state)
{
	struct fx *f = *state;
	const int64_t s0 = T0 + MIN_MS, t1 = s0 + 1000;
	struct px_case *c, *r;
	struct px_xeval e;

	c = begin(f, s0, t1);
	r = play(f, false, "I2", "report", t1 + 10 * MIN_MS);
	/* I1: E1 met (w2), E2 partial (near miss), E3 met, E4 missed.
	 * I2: E1 missed. */
	reply(f, c, false, PX_MSG_TRIAGE, t1 + 5 * MIN_MS,
	    json_pack("{ss}", "decision", "needs-info"));
	reply(f, c, false, PX_MSG_UPDATE, t1 + 10 * MIN_MS,
	    text("203.0.113.7 is down"));
	(void)r;
	build(f, true);
	px_exercise_eval(&e, &f->ex, t1 + 10 * MIN_MS);
	/* Still pending: no computed rating yet. */
	assert_int_equal(e.obj[0].pending, 2);
	assert_int_equal(e.obj[0].computed, -1);
	assert_false(e.done);
	px_xeval_dispose(&e);
	px_exercise_eval(&e, &f->ex, t1 + 3 * HOUR_MS);
	/* O1: E1 met w2 (4 points), E2 partial w1 (1), I2/E1 missed w1 (0);
	 * 5 of 8: 625 per mille, S. */
	assert_int_equal(e.obj[0].met, 1);
	assert_int_equal(e.obj[0].partial, 1);
	assert_int_equal(e.obj[0].missed, 1);
	assert_int_equal(e.obj[0].weight, 4);
	assert_int_equal(e.obj[0].points, 5);
	assert_int_equal(e.obj[0].permille, 625);
	assert_int_equal(e.obj[0].computed, 1);
	assert_int_equal(e.obj[0].rating, 1);
	/* O2: E3 met (2), E4 missed (0): 500, M. */
	assert_int_equal(e.obj[1].permille, 500);
	assert_int_equal(e.obj[1].computed, 2);
	/* The contingency was not needed (E1 met) and nothing else remains. */
	assert_int_equal(e.inj[2].state, PX_XI_WAITING);
	assert_true(e.done);
	px_xeval_dispose(&e);
	assert_int_equal(px_exercise_rating(f->ex.sc, 900), 0);
	assert_int_equal(px_exercise_rating(f->ex.sc, 899), 1);
	assert_int_equal(px_exercise_rating(f->ex.sc, 600), 1);
	assert_int_equal(px_exercise_rating(f->ex.sc, 300), 2);
	assert_int_equal(px_exercise_rating(f->ex.sc, 299), 3);
	/* Ended; the evaluator confirms O1 as M: that is the rating. */
	control(f, true, t1 + 3 * HOUR_MS, json_pack("{ss}", "action", "end"));
	control(f, false, t1 + 3 * HOUR_MS + 1,
	    json_pack("{ss s[{ssss}] ss}", "action", "evaluate", "ratings",
	        "objective", "O1", "rating", "M", "by", "Eva"));
	build(f, true);
	px_exercise_eval(&e, &f->ex, t1 + 4 * HOUR_MS);
	assert_int_equal(e.state, PX_XS_ENDED); /* O2 not confirmed */
	assert_int_equal(e.obj[0].computed, 1);
	assert_int_equal(e.obj[0].rating, 2);
	assert_int_equal(e.inj[2].state, PX_XI_NOT_PLAYED);
	px_xeval_dispose(&e);
}

/* An end before a deadline misses what is open; a real-world stop
 * leaves it pending, stops everything, and either party may send it. */
static void
test_end_and_stop(void **state)
{
	struct fx *f = *state;
	const int64_t s0 = T0 + MIN_MS, t1 = s0 + 1000;
	struct px_case *c;
	struct px_xeval e;

	c = begin(f, s0, t1);
	control(f, true, t1 + 5 * MIN_MS, json_pack("{ss}", "action", "end"));
	/* An answer after the end does not count. */
	reply(f, c, false, PX_MSG_ACK, t1 + 6 * MIN_MS, json_object());
	build(f, true);
	px_exercise_eval(&e, &f->ex, t1 + 10 * MIN_MS);
	assert_int_equal(e.inj[0].res[0].status, PX_XST_MISSED);
	assert_int_equal(e.inj[0].res[0].since, t1 + 5 * MIN_MS);
	assert_int_equal(e.inj[1].state, PX_XI_NOT_PLAYED);
	px_xeval_dispose(&e);

	/* The same with B's real-world stop instead. */
	px_case_dispose(&f->x);
	px_case_init(&f->x);
	px_case_dispose(&f->inj[0]);
	px_case_init(&f->inj[0]);
	f->ninj = 0;
	propose(f, T0, s0, 1);
	accept_it(f, T0 + 1);
	play(f, true, "I1", "request", t1);
	build(f, true);
	assert_int_equal(
	    allows(f, B, json_pack("{ss}", "action", "stop"), t1 + 1),
	    PX_EINVAL); /* a stop says why */
	assert_int_equal(allows(f, B,
	                     json_pack("{sss{ssss}}", "action", "stop", "text",
	                         "lang", "en", "value", "real incident"),
	                     t1 + 1),
	    0);
	control(f, false, t1 + 5 * MIN_MS,
	    json_pack("{sss{ssss}}", "action", "stop", "text", "lang", "en",
	        "value", "This is a real-world emergency"));
	control(
	    f, true, t1 + 5 * MIN_MS + 1, json_pack("{ss}", "action", "end"));
	control(f, true, t1 + 5 * MIN_MS + 2,
	    json_pack("{ssss}", "action", "fire", "inject", "I2"));
	build(f, true);
	assert_true(f->ex.stopped);
	assert_non_null(f->ex.stop_msg);
	assert_non_null(f->ex.ctl_why[3]);
	assert_non_null(f->ex.ctl_why[4]);
	px_exercise_eval(&e, &f->ex, t1 + 10 * MIN_MS);
	assert_int_equal(e.state, PX_XS_ENDED);
	assert_int_equal(e.inj[0].res[0].status, PX_XST_PENDING);
	assert_int_equal(e.inj[1].state, PX_XI_NOT_PLAYED);
	assert_int_equal(e.inj[2].state, PX_XI_NOT_PLAYED);
	px_xeval_dispose(&e);
	assert_int_equal(
	    allows(f, A, json_pack("{ss}", "action", "pause"), t1 + HOUR_MS),
	    PX_ECONFLICT);
	assert_non_null(strstr(px_error_last(), "ended"));
}

/* Stopped while still scheduled: it never started, whatever its planned
 * start; before the stop, it had not started yet either. */
static void
test_stop_while_scheduled(void **state)
{
	struct fx *f = *state;
	const int64_t s0 = T0 + HOUR_MS, t1 = T0 + 10 * MIN_MS;
	struct px_xeval e;
	json_t *sc;

	propose(f, T0, s0, 1);
	accept_it(f, T0 + 1);
	build(f, false);
	assert_int_equal(px_exercise_started(&f->ex), s0);
	control(f, true, t1,
	    json_pack("{sss{ssss}}", "action", "stop", "text", "lang", "en",
	        "value", "This is a real-world emergency"));
	build(f, false);
	assert_true(f->ex.stopped);
	assert_int_equal(px_exercise_started(&f->ex), -1);
	px_exercise_eval(&e, &f->ex, s0 + HOUR_MS);
	assert_int_equal(e.state, PX_XS_ENDED);
	sc = px_exercise_scores(&f->ex, &e);
	assert_true(json_is_null(json_object_get(sc, "started")));
	assert_string_equal(json_string_value(json_object_get(sc, "ended")),
	    "2026-11-20T09:40:00.000Z");
	json_decref(sc);
	px_xeval_dispose(&e);
}

/* B learns the hidden inject at the end: the reveal must match both the
 * hash and the public form proposed. */
static void
test_reveal(void **state)
{
	struct fx *f = *state;
	const int64_t s0 = T0 + MIN_MS;
	json_t *bad;
	struct px_xeval e;

	propose(f, T0, s0, 1);
	accept_it(f, T0 + 1);
	control(f, true, s0 + 1000, json_pack("{ss}", "action", "end"));
	bad = json_deep_copy(f->full);
	json_object_set_new(json_array_get(json_object_get(bad, "injects"), 2),
	    "notes", json_string("changed"));
	control(f, true, s0 + 2000,
	    json_pack("{ssso}", "action", "reveal", "scenario", bad));
	/* B cannot reveal, even the right scenario. */
	control(f, false, s0 + 2500,
	    json_pack("{ssso}", "action", "reveal", "scenario",
	        json_deep_copy(f->full)));
	build(f, false);
	assert_non_null(strstr(f->ex.ctl_why[3], "hash"));
	assert_non_null(strstr(f->ex.ctl_why[4], "proposer"));
	assert_false(f->ex.have_full);
	control(f, true, s0 + 3000,
	    json_pack("{ssso}", "action", "reveal", "scenario",
	        json_deep_copy(f->full)));
	build(f, false);
	assert_true(f->ex.revealed);
	assert_true(f->ex.have_full);
	assert_false(f->ex.sc->injects[2].hidden);
	px_exercise_eval(&e, &f->ex, s0 + 4000);
	assert_int_equal(e.inj[2].state, PX_XI_NOT_PLAYED);
	px_xeval_dispose(&e);
}

/* The sender's rules: what a node may sign now. */
static void
test_allows(void **state)
{
	struct fx *f = *state;

	propose(f, T0, -1, 1);
	build(f, true);
	assert_int_equal(
	    allows(f, A, json_pack("{ss}", "action", "start"), T0 + 1),
	    PX_ECONFLICT);
	assert_non_null(strstr(px_error_last(), "not agreed"));
	assert_int_equal(
	    allows(f, A, json_pack("{ss}", "action", "dance"), T0 + 1),
	    PX_EINVAL);
	accept_it(f, T0 + 2);
	build(f, true);
	assert_int_equal(
	    allows(f, B, json_pack("{ss}", "action", "start"), T0 + 3),
	    PX_ECONFLICT);
	assert_int_equal(
	    allows(f, A, json_pack("{ss}", "action", "start"), T0 + 3), 0);
	assert_int_equal(allows(f, A,
	                     json_pack("{ssssss}", "action", "delay", "inject",
	                         "I2", "by", "soon"),
	                     T0 + 3),
	    PX_EINVAL);
	assert_string_equal(px_exercise_role(&f->ex, 1, "boss"), "policy");
	assert_null(px_exercise_role(&f->ex, 0, "boss"));
}

/* An unreadable proposal is kept, never runs, and can only be declined,
 * withdrawn or stopped. */
static void
test_unreadable(void **state)
{
	struct fx *f = *state;
	json_t *body;
	struct px_msg *m;

	body = json_pack("{s{ssssssssss} s{ssso} s{}}", "case", "kind",
	    "exercise", "category", "other", "priority", "P4", "tlp", "amber",
	    "title", "Exercise", "scenario", "hash", PX_ZERO_HASH, "public",
	    json_pack("{si}", "parley_scenario", 9), "play");
	m = chan_send(&f->a, NULL, PX_MSG_EXERCISE, T0, body);
	assert_int_equal(px_case_replay(&f->x, m), 0);
	px_msg_free(m);
	accept_it(f, T0 + 1);
	build(f, false);
	assert_false(f->ex.readable);
	assert_non_null(f->ex.why);
	assert_non_null(strstr(f->ex.ctl_why[1], "cannot be read"));
	assert_int_equal(state_at(f, T0 + 2), PX_XS_PROPOSED);
	control(f, false, T0 + 3,
	    json_pack(
	        "{ssss}", "action", "decline", "proposal", f->x.msgs[0]->hash));
	build(f, false);
	assert_int_equal(state_at(f, T0 + 4), PX_XS_DECLINED);
}

/* An update inject continues the case an earlier inject opened: it
 * waits for that case, and its expectations count only what follows it. */
static void
test_update_inject(void **state)
{
	struct fx *f = *state;
	const int64_t s0 = T0 + MIN_MS, t1 = s0 + 1000;
	json_t *u = json_pack("{ss ss ss ss ss s{ss} s[{ss ss s[s] ss ss}]}",
	    "id", "U1", "channel", "update", "in", "I1", "from", "a", "offset",
	    "20m", "payload", "text", "More: 198.51.100.9", "expect", "id",
	    "E1", "what", "update", "names", "198.51.100.9", "within", "10m",
	    "objective", "O2");
	struct px_case *c;
	struct px_xeval e;
	struct px_msg *m;

	json_array_insert_new(json_object_get(f->full, "injects"), 1, u);
	propose(f, T0, s0, 1);
	accept_it(f, T0 + 1);
	build(f, true);
	assert_int_equal(f->ex.sc->injects[1].channel, PX_XCH_UPDATE);
	assert_int_equal(f->ex.sc->injects[1].in_idx, 0);
	assert_int_equal(f->ex.sc->injects[1].to_party, 1);
	/* Its case is not open yet: U1 waits, whatever its offset. */
	px_exercise_eval(&e, &f->ex, s0 + HOUR_MS);
	assert_int_equal(e.inj[0].state, PX_XI_DUE);
	assert_int_equal(e.inj[1].state, PX_XI_WAITING);
	assert_int_equal(e.inj[1].due, INT64_MAX);
	px_xeval_dispose(&e);
	c = play(f, true, "I1", "request", t1);
	/* B names the address before U1: it does not count for U1. */
	reply(f, c, false, PX_MSG_UPDATE, t1 + MIN_MS, text("198.51.100.9"));
	build(f, true);
	px_exercise_eval(&e, &f->ex, t1);
	assert_int_equal(e.inj[1].due, s0 + 20 * MIN_MS);
	px_xeval_dispose(&e);
	m = chan_send(&f->a, c->id, PX_MSG_UPDATE, s0 + 20 * MIN_MS,
	    json_pack("{s{ssss} s{ssss}}", "text", "lang", "en", "value",
	        "More: 198.51.100.9", "exercise", "id", f->x.id, "inject",
	        "U1"));
	assert_int_equal(px_case_replay(c, m), 0);
	px_msg_free(m);
	build(f, true);
	assert_ptr_equal(f->ex.played[1], c);
	assert_int_equal(f->ex.played_at[1], 2);
	assert_int_equal(
	    status_at(f, 1, 0, s0 + 30 * MIN_MS + 1), PX_XST_MISSED);
	reply(f, c, false, PX_MSG_UPDATE, s0 + 25 * MIN_MS,
	    text("blocked 198.51.100.9"));
	build(f, true);
	assert_int_equal(status_at(f, 1, 0, s0 + 31 * MIN_MS), PX_XST_MET);
}

/* Both parties build the same scores from the same record once the
 * scenario is revealed; before that, B cannot see the hidden inject. */
static void
test_scores_agree(void **state)
{
	struct fx *f = *state;
	const int64_t s0 = T0 + MIN_MS, t1 = s0 + 1000;
	struct px_case *c;
	struct px_xeval e;
	json_t *sa, *sb;
	char ha[PX_HASH_HEX], hb[PX_HASH_HEX];

	c = begin(f, s0, t1);
	reply(f, c, false, PX_MSG_ACK, t1 + MIN_MS, json_object());
	play(f, true, "C1", "hotline", t1 + 2 * MIN_MS);
	control(f, true, t1 + HOUR_MS, json_pack("{ss}", "action", "end"));
	build(f, true);
	px_exercise_eval(&e, &f->ex, t1 + 2 * HOUR_MS);
	sa = px_exercise_scores(&f->ex, &e);
	px_xeval_dispose(&e);
	build(f, false);
	px_exercise_eval(&e, &f->ex, t1 + 3 * HOUR_MS);
	sb = px_exercise_scores(&f->ex, &e);
	px_xeval_dispose(&e);
	assert_false(json_equal(sa, sb)); /* C1 hidden at B */
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(sb, "injects"), 2), "state")),
	    "played");
	json_decref(sa);
	json_decref(sb);
	control(f, true, t1 + HOUR_MS + 1,
	    json_pack("{ssso}", "action", "reveal", "scenario",
	        json_deep_copy(f->full)));
	build(f, true);
	px_exercise_eval(&e, &f->ex, t1 + 2 * HOUR_MS);
	sa = px_exercise_scores(&f->ex, &e);
	px_xeval_dispose(&e);
	build(f, false);
	px_exercise_eval(&e, &f->ex, t1 + 5 * HOUR_MS);
	sb = px_exercise_scores(&f->ex, &e);
	px_xeval_dispose(&e);
	assert_true(json_equal(sa, sb));
	assert_int_equal(px_exercise_scores_hash(ha, sa), 0);
	assert_int_equal(px_exercise_scores_hash(hb, sb), 0);
	assert_string_equal(ha, hb);
	/* I1/E1 met by the ack: its hash is the evidence. */
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_array_get(
	            json_object_get(
	                json_array_get(json_object_get(sa, "injects"), 0),
	                "expectations"),
	            0),
	        "answer")),
	    c->msgs[1]->hash);
	json_decref(sa);
	json_decref(sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenario_parse),
		cmocka_unit_test(test_scenario_errors),
		cmocka_unit_test(test_public_form),
		cmocka_unit_test_setup_teardown(test_states, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_decline_withdraw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timing, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_predicates, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_late_missed_and_results, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_deadline_pause, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_hotline_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scoring, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_end_and_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_stop_while_scheduled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reveal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allows, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_update_inject, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_scores_agree, setup, teardown),

	};

	if (px_crypto_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
