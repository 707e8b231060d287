/*
 * An exercise of 1,000 injects over 100 cases (docs/exercises.md): how
 * long the scheduler takes to play them and the nodes to score them,
 * beside floors measured in the same run.
 *
 *   1. Two nodes A and B, pinned to each other.  A proposes a scenario of
 *      100 requests and 900 updates in their cases (9 each), every one
 *      with two expectations; B accepts; A starts it.  Everything is due
 *      at once.
 *   2. Scheduling: A's scheduler ticks until every inject is played
 *      (px_sched_tick: the exercise case is due, its injects are signed,
 *      stored and queued), beside the floor of sending the same 1,000
 *      messages directly (px_node_send, one batch), and beside the
 *      scheduler's own sweep of the 100 plain cases so made (all marked
 *      due, nothing owed).
 *   3. B acknowledges each request; everything is carried both ways.
 *   4. Scoring: at each node, the exercise loaded with its 100 cases and
 *      evaluated (px_xctx_load, px_exercise_eval, px_exercise_scores),
 *      beside the floor of replaying the same 100 cases
 *      (px_node_case_load); both nodes' scores must be equal.
 *
 * Usage: bench_exercise [--dir D].  The directory is removed at the end.
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include "bench.h"
#include "node/exercise.h"
#include "node/sched.h"

#define OPENERS 100
#define PER     10 /* injects per case: the request and 9 updates */

static json_t *
scenario(void)
{
	json_t *inj = json_array();

	for (int c = 0; c < OPENERS; c++)
		for (int k = 0; k < PER; k++) {
			char id[32], in[32], ip[32];
			json_t *o;

			snprintf(id, sizeof(id), "I%d-%d", c, k);
			snprintf(in, sizeof(in), "I%d-0", c);
			snprintf(ip, sizeof(ip), "198.51.100.%d", k + 1);
			if (k == 0)
				o = json_pack(
				    "{ss ss ss s{ss} ss ss s{ss ss ss}}", "id",
				    id, "offset", "0", "from", "a", "to",
				    "party", "b", "channel", "request",
				    "request_type", "mitigation", "payload",
				    "title", "Botnet C2 in your network",
				    "text", "Please take down 198.51.100.1",
				    "category", "botnet");
			else
				o = json_pack("{ss ss ss ss ss s{ss+}}", "id",
				    id, "offset", "0", "from", "a", "channel",
				    "update", "in", in, "payload", "text",
				    "More: ", ip);
			json_object_set_new(o, "expect",
			    json_pack("[{ss ss ss ss} {ss ss s[s] ss ss}]",
			        "id", "E1", "what", k == 0 ? "ack" : "note",
			        "within", "1h", "objective", "O1", "id", "E2",
			        "what", "update", "names", ip, "within", "2h",
			        "objective", "O2"));
			json_array_append_new(inj, o);
		}
	return json_pack("{si ss ss s[{ssss}{ssss}] so}", "parley_scenario", 1,
	    "id", "bench", "name", "Bench", "objectives", "id", "O1", "text",
	    "Acknowledge", "id", "O2", "text", "Name the addresses", "injects",
	    inj);
}

static void
control(struct px_node *n, const char *id, const char *action)
{
	json_t *b = json_pack("{ss}", "action", action);

	if (px_exercise_control(n, id, b, NULL) < 0)
		die(action);
	json_decref(b);
}

/* Sends the same 1,000 messages as plain cases, directly: the floor of
 * playing them; *last gets the latest time signed.  Returns the case ids
 * (heap). */
static char (*plain_cases(struct px_node *a, const char *peer, double *secs,
    int64_t *last))[PX_UUID_STRLEN]
{
	char(*ids)[PX_UUID_STRLEN] = px_calloc(OPENERS, PX_UUID_STRLEN);
	double t0 = now_s();

	if (px_node_batch_begin(a) < 0)
		die("batch");
	for (int c = 0; c < OPENERS; c++) {
		struct px_msg *m = NULL;
		json_t *b = json_pack("{s{ss ss ss ss ss ss} s{ssss}}", "case",
		    "kind", "request", "category", "botnet", "priority", "P3",
		    "tlp", "amber", "title", "[EXERCISE] Botnet C2",
		    "request_type", "mitigation", "text", "lang", "en", "value",
		    "[EXERCISE] Please take down 198.51.100.1");

		if (px_node_send(a, peer, NULL, PX_MSG_REQUEST, b, &m) < 0)
			die("plain request");
		memcpy(ids[c], m->case_id, PX_UUID_STRLEN);
		px_msg_free(m);
		json_decref(b);
		for (int k = 1; k < PER; k++) {
			b = json_pack("{s{ssss}}", "text", "lang", "en",
			    "value", "[EXERCISE] More: 198.51.100.9");
			if (px_node_send(
			        a, NULL, ids[c], PX_MSG_UPDATE, b, &m) < 0)
				die("plain update");
			if (m->time_ms > *last)
				*last = m->time_ms;
			px_msg_free(m);
			json_decref(b);
		}
	}
	if (px_node_batch_end(a, true) < 0)
		die("batch end");
	*secs = now_s() - t0;
	return ids;
}

static double
replay_floor(struct px_node *n, struct px_xctx *x)
{
	double t0 = now_s();

	for (size_t i = 0; i < x->ncases; i++) {
		struct px_case c;

		if (px_node_case_load(&c, n, x->cases[i].id, NULL) < 0)
			die("replay");
		px_case_dispose(&c);
	}
	return now_s() - t0;
}

static json_t *
score(struct px_node *n, const char *id, double *t_load, double *t_eval,
    double *t_floor, size_t *ncases)
{
	struct px_xctx x;
	json_t *s;
	char h[PX_HASH_HEX];
	double t0 = now_s();

	if (px_xctx_load(&x, n, id) < 0)
		die("load");
	*t_load = now_s() - t0;
	t0 = now_s();
	s = px_exercise_node_scores(&x, px_time_now_ms(), h);
	*t_eval = now_s() - t0;
	*t_floor = replay_floor(n, &x);
	*ncases = x.ncases;
	px_xctx_dispose(&x);
	return s;
}

int
main(int argc, char **argv)
{
	struct px_node *a, *b;
	struct px_sched_stats st = { 0 };
	struct px_xpropose o = { .start = -1 };
	struct px_msg *m = NULL;
	const char *dir = NULL;
	char tmpl[] = "/tmp/bench_exercise.XXXXXX", id[PX_UUID_STRLEN];
	char(*plain)[PX_UUID_STRLEN];
	json_t *doc, *sa, *sb, *list;
	double t0, t_send, t_sweep, t_play, la, ea, fa, lb, eb, fb;
	size_t ticks = 0, na, nb, msgs;
	int64_t last = 0;

	bench_name = "bench_exercise";
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
	if (px_crypto_init() < 0)
		return 1;
	if (dir == NULL) {
		if ((dir = mkdtemp(tmpl)) == NULL) {
			perror("mkdtemp");
			return 1;
		}
		temp_dir = dir;
	}
	a = make_node(dir, "cert-a.example", "Europe/Paris");
	b = make_node(dir, "cert-b.example", "Asia/Shanghai");
	pin(a, b);
	pin(b, a);

	/* 1. Proposed, accepted, started. */
	doc = scenario();
	o.peer = b->name;
	o.scenario = doc;
	if (px_exercise_propose(a, &o, &m) < 0)
		die("propose");
	memcpy(id, m->case_id, sizeof(id));
	px_msg_free(m);
	bench_carry(a, b, 512);
	control(b, id, "accept");
	bench_carry(b, a, 512);

	/* 2. The floors: the same messages sent directly, and the
	 * scheduler sweeping their 100 cases, all due, owing nothing (the
	 * exercise case left out). */
	plain = plain_cases(a, b->name, &t_send, &last);
	for (int c = 0; c < OPENERS; c++)
		if (PX_STORE_CALL(a->store, case_set_due, plain[c], 0) < 0)
			die("due");
	if (PX_STORE_CALL(a->store, case_set_due, id, -1) < 0)
		die("due");
	t0 = now_s();
	if (px_sched_tick(a, px_time_now_ms(), 0, &st) < 0)
		die("sweep");
	t_sweep = now_s() - t0;
	if (st.cases != OPENERS) {
		fprintf(stderr, "bench_exercise: the sweep saw %zu cases\n",
		    st.cases);
		cleanup();
		return 1;
	}

	/* Sent faster than one a millisecond, the floor's messages are
	 * dated ahead of the clock (each 1 ms after its case's previous, and
	 * no earlier than the previous on the channel: docs/protocol.md
	 * "Dating"), and the start would be too: wait for the clock, so that
	 * play is not timed waiting for it. */
	while (px_time_now_ms() <= last)
		usleep(1000);

	/* The exercise: started, A's scheduler plays every inject. */
	control(a, id, "start");
	memset(&st, 0, sizeof(st));
	t0 = now_s();
	/* A tick that plays nothing (an update's case dated a little ahead
	 * of the clock) is retried a moment later, as serve's would be. */
	while (st.injects < OPENERS * PER && now_s() - t0 < 60) {
		size_t before = st.injects;

		if (px_sched_tick(a, px_time_now_ms(), 0, &st) < 0)
			die("tick");
		ticks++;
		if (st.injects == before)
			usleep(2000);
	}
	t_play = now_s() - t0;
	if (st.injects < OPENERS * PER) {
		fprintf(stderr, "bench_exercise: only %zu injects played\n",
		    st.injects);
		cleanup();
		return 1;
	}

	/* 3. B acknowledges each request; carried both ways. */
	bench_carry(a, b, 512);
	if (px_exercise_list(&list, b, px_time_now_ms()) < 0)
		die("list");
	json_decref(list);
	{
		struct px_xctx x;

		if (px_xctx_load(&x, b, id) < 0)
			die("load at b");
		if (px_node_batch_begin(b) < 0)
			die("batch");
		for (size_t i = 0; i < x.ncases; i++) {
			json_t *body = json_object();

			if (px_node_send(b, NULL, x.cases[i].id, PX_MSG_ACK,
			        body, NULL) < 0)
				die("ack");
			json_decref(body);
		}
		if (px_node_batch_end(b, true) < 0)
			die("batch end");
		px_xctx_dispose(&x);
	}
	bench_carry(b, a, 512);
	control(a, id, "end");
	for (int i = 0; i < 3; i++)
		if (px_sched_tick(a, px_time_now_ms(), 0, &st) < 0)
			die("tick after end");
	bench_carry(a, b, 512);

	/* 4. Scores at both nodes. */
	sa = score(a, id, &la, &ea, &fa, &na);
	sb = score(b, id, &lb, &eb, &fb, &nb);
	if (!json_equal(sa, sb)) {
		fprintf(
		    stderr, "bench_exercise: the two nodes' scores differ\n");
		cleanup();
		return 1;
	}
	msgs = (size_t)OPENERS * PER;
	printf("bench_exercise: %d injects over %zu cases (%d requests, %d "
	       "updates), 2 expectations each\n",
	    OPENERS * PER, na, OPENERS, OPENERS * (PER - 1));
	printf("  play: the scheduler, %zu ticks          %7.3f s  (%.0f "
	       "injects/s)\n",
	    ticks, t_play, (double)msgs / t_play);
	printf("  floor: the same messages sent directly %7.3f s  (%.0f/s; "
	       "play is %.2fx)\n",
	    t_send, (double)msgs / t_send, t_play / t_send);
	printf("  floor: the scheduler's sweep of those %d plain cases %7.3f s "
	       "(play is %.1fx)\n",
	    OPENERS, t_sweep, t_play / t_sweep);
	printf("  score at A: load %.3f s + evaluate %.3f s  beside replaying "
	       "its %zu cases %.3f s (%.2fx)\n",
	    la, ea, na, fa, (la + ea) / fa);
	printf("  score at B: load %.3f s + evaluate %.3f s  beside replaying "
	       "its %zu cases %.3f s (%.2fx)\n",
	    lb, eb, nb, fb, (lb + eb) / fb);
	printf("  both nodes' scores equal; peak RSS %ld MB\n", peak_rss_mb());
	json_decref(sa);
	json_decref(sb);
	json_decref(doc);
	free(plain);
	px_node_free(a);
	px_node_free(b);
	cleanup();
	return 0;
}
