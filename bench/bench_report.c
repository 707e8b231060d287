/*
 * The review report over one year of history at ten times the seed's
 * volume: N = 20,000 cases between two nodes (two thirds opened by A, one
 * third by B), printed beside the floor measured in the same run on the
 * same store:
 *
 *   floor   reading every case's messages from the store and replaying
 *           them (px_node_case_load for each listed case), which any
 *           report must do;
 *   report  px_report_compute over the year: the same replay, plus the
 *           clocks in the responder's calendar, each message's log index
 *           (and, for received ones, our receipt), the rows and every
 *           aggregate;
 *   verify  px_report_verify of that report against the node's own
 *           store (a log leaf, an inclusion proof and a message lookup
 *           per entry), for scale.
 *
 * The history is made with the node API (px_node_send, px_node_export,
 * px_node_import inside px_node_batch_begin/end), at chosen times through
 * PARLEY_FAKE_NOW, in 20 rounds of 18 days.  In each round the requests
 * are opened over 8 days and carried over; the responder acknowledges
 * 5 minutes to 8 hours later, triages within 30 hours, and answers within
 * a week for 60% of the cases (declines 10%, leaves 20% open after
 * triage and 10% unanswered); the requester rates half of the answers.
 * So every clock state occurs: met, breached, overdue, running.
 *
 * Usage: bench_report [N] [--dir D]   (default 20,000, a temporary
 * directory removed at the end)
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include "bench.h"
#include "report/stats.h"
#include "report/verify.h"

#define ROUNDS        20
#define ROUND_MS      (18LL * 24 * 3600 * 1000)
#define HOUR          (3600LL * 1000)
#define BUNDLE_ITEMS  4000
#define YEAR_START_MS 1767196800000LL /* 2026-01-01T00:00:00+08:00 */

/* A small deterministic generator, so runs are comparable. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static int64_t
rnd(int64_t lo, int64_t hi)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return lo + (int64_t)(rng % (uint64_t)(hi - lo + 1));
}

static void
set_now(int64_t ms)
{
	char t[PX_TIME_STRLEN];

	px_time_format(t, ms);
	setenv("PARLEY_FAKE_NOW", t, 1);
}

static json_t *
text(const char *s)
{
	return json_pack("{s{ssss}}", "text", "lang", "en", "value", s);
}

static json_t *
request_body(int i)
{
	static const char *const cats[] = { "botnet", "phishing", "malware",
		"ddos", "intrusion" };

	return json_pack("{s{sssssssssss[{ssss}]}s{ssss}}", "case", "kind",
	    i % 50 == 0 ? "hotline" : "request", "category", cats[i % 5],
	    "priority", i % 50 == 0 ? "P1" : "P2", "tlp", "amber", "title",
	    "C2 at 203.0.113.7", "observables", "type", "ipv4-addr", "value",
	    "203.0.113.7", "text", "lang", "en", "value",
	    "Please investigate the C2 server and tell us who rents it.");
}

struct event {
	int64_t t;
	int node; /* who sends: 0 = A, 1 = B */
	size_t c; /* case index */
	enum px_msg_type type;
};

static int
cmp_event(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	return (x->t > y->t) - (x->t < y->t);
}

struct world {
	struct px_node *n[2];
	char (*ids)[PX_UUID_STRLEN];
	int *opener; /* 0 = A opened it, 1 = B */
};

/* Carries everything `from` has not delivered to `to`, in bundles of at
 * most BUNDLE_ITEMS, with the receipts back, at time `at`. */
static void
carry(struct world *w, int from, int to, int64_t at)
{
	struct px_node *f = w->n[from], *t = w->n[to];

	set_now(at);
	bench_carry(f, t, BUNDLE_ITEMS);
}

static void
send(struct world *w, const struct event *e)
{
	json_t *body;

	switch (e->type) {
	case PX_MSG_ACK:
		body = json_object();
		break;
	case PX_MSG_TRIAGE:
		body = e->c % 10 == 3
		    ? json_pack("{ssss}", "decision", "declined", "reason",
		          "no-data-held")
		    : json_pack("{ss}", "decision", "accepted");
		break;
	case PX_MSG_RESULT:
		body = text("done");
		json_object_set_new(body, "outcome",
		    json_string(e->c % 7 == 0 ? "partial" : "resolved"));
		break;
	case PX_MSG_FEEDBACK:
		body = json_pack("{si}", "score", (int)(e->c % 5) + 1);
		break;
	default:
		body = text("closing");
		break;
	}
	set_now(e->t);
	if (px_node_send(
	        w->n[e->node], NULL, w->ids[e->c], e->type, body, NULL) < 0)
		die(px_msg_type_names[e->type].wire);
	json_decref(body);
}

/* Runs events[0..n) in time order, each node inside one batch. */
static void
run_events(struct world *w, struct event *ev, size_t n)
{
	qsort(ev, n, sizeof(*ev), cmp_event);
	if (px_node_batch_begin(w->n[0]) < 0 ||
	    px_node_batch_begin(w->n[1]) < 0)
		die("batch");
	for (size_t i = 0; i < n; i++)
		send(w, &ev[i]);
	if (px_node_batch_end(w->n[0], true) < 0 ||
	    px_node_batch_end(w->n[1], true) < 0)
		die("batch end");
}

static void
make_history(struct world *w, size_t total)
{
	size_t per = (total + ROUNDS - 1) / ROUNDS, c0 = 0;
	struct event *ev = px_calloc(4 * per + 1, sizeof(*ev));

	for (int r = 0; r < ROUNDS && c0 < total; r++) {
		int64_t t0 = YEAR_START_MS + r * ROUND_MS,
		        t_in = t0 + 8 * 24 * HOUR;
		size_t k = total - c0 < per ? total - c0 : per, ne = 0;

		/* Requests over 8 days, in time order. */
		if (px_node_batch_begin(w->n[0]) < 0 ||
		    px_node_batch_begin(w->n[1]) < 0)
			die("batch");
		for (size_t i = 0; i < k; i++) {
			size_t c = c0 + i;
			struct px_msg *m = NULL;
			json_t *body = request_body((int)c);

			w->opener[c] = c % 3 == 2;
			set_now(t0 +
			    (int64_t)i * (8 * 24 * HOUR - HOUR) / (int64_t)k);
			if (px_node_send(w->n[w->opener[c]],
			        w->n[!w->opener[c]]->name, NULL, PX_MSG_REQUEST,
			        body, &m) < 0)
				die("request");
			memcpy(w->ids[c], m->case_id, PX_UUID_STRLEN);
			px_msg_free(m);
			json_decref(body);
		}
		if (px_node_batch_end(w->n[0], true) < 0 ||
		    px_node_batch_end(w->n[1], true) < 0)
			die("batch end");
		carry(w, 0, 1, t_in);
		carry(w, 1, 0, t_in);
		/* The responders' acts. */
		for (size_t i = 0; i < k; i++) {
			size_t c = c0 + i;
			int resp = !w->opener[c];
			int64_t ack = t_in + rnd(5 * 60000, 8 * HOUR);
			int64_t tri = ack + rnd(10 * 60000, 30 * HOUR);

			if (c % 10 == 9)
				continue; /* never answered: overdue */
			ev[ne++] = (struct event){ ack, resp, c, PX_MSG_ACK };
			ev[ne++] =
			    (struct event){ tri, resp, c, PX_MSG_TRIAGE };
			if (c % 10 < 6 && c % 10 != 3) /* 3: declined */
				ev[ne++] = (struct event){ tri +
					    rnd(HOUR, 7 * 24 * HOUR),
					resp, c, PX_MSG_RESULT };
		}
		run_events(w, ev, ne);
		carry(w, 0, 1, t_in + 9 * 24 * HOUR);
		carry(w, 1, 0, t_in + 9 * 24 * HOUR);
		/* The requesters rate half of the answers. */
		ne = 0;
		for (size_t i = 0; i < k; i++) {
			size_t c = c0 + i;

			if (c % 10 < 6 && c % 10 != 3 && c % 2 == 0)
				ev[ne++] =
				    (struct event){ t_in + 9 * 24 * HOUR +
					        rnd(HOUR, 20 * HOUR),
					    w->opener[c], c, PX_MSG_FEEDBACK };
		}
		run_events(w, ev, ne);
		carry(w, 0, 1, t_in + 10 * 24 * HOUR);
		carry(w, 1, 0, t_in + 10 * 24 * HOUR);
		c0 += k;
		if (isatty(STDERR_FILENO))
			fprintf(stderr, "\rbench_report: %zu of %zu cases made",
			    c0, total);
	}
	if (isatty(STDERR_FILENO))
		fputc('\n', stderr);
	free(ev);
}

struct idlist {
	char **v;
	size_t n;
};

static int
collect(const struct px_case_row *r, void *arg)
{
	struct idlist *ids = arg;

	ids->v = px_realloc(ids->v, (ids->n + 1) * sizeof(*ids->v));
	ids->v[ids->n++] = px_strdup(r->id);
	return 0;
}

/* The floor: list the peer's cases, read and replay each one. */
static size_t
replay_all(struct px_node *n, const char *peer, size_t *msgs)
{
	struct idlist ids = { 0 };
	struct px_case_filter f = { .peer = peer };
	size_t done = 0;

	if (PX_STORE_CALL(n->store, case_list, &f, collect, &ids) < 0)
		die("case list");
	*msgs = 0;
	for (size_t i = 0; i < ids.n; i++) {
		struct px_case c;

		if (px_node_case_load(&c, n, ids.v[i], NULL) < 0)
			die("case load");
		*msgs += c.n;
		done++;
		px_case_dispose(&c);
		free(ids.v[i]);
	}
	free(ids.v);
	return done;
}

/* An integer figure of the report by its path ("backlog.outbound.open"). */
static long long
fig(const json_t *o, const char *path)
{
	char buf[128], *p = buf, *dot;

	snprintf(buf, sizeof(buf), "%s", path);
	while ((dot = strchr(p, '.')) != NULL) {
		*dot = '\0';
		o = json_object_get(o, p);
		p = dot + 1;
	}
	return (long long)json_integer_value(json_object_get(o, p));
}

int
main(int argc, char **argv)
{
	struct world w = { 0 };
	struct px_report_verdict v;
	const char *dir = NULL;
	size_t total = 20000, replayed, msgs;
	json_t *rep = NULL;
	double t0, t_make, t_floor, t_report, t_verify;
	long rss_made, rss_report;
	int64_t from = YEAR_START_MS, to;
	char tmpl[] = "/tmp/bench_report.XXXXXX";
	int rc;

	bench_name = "bench_report";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else
			total = (size_t)strtoul(argv[i], NULL, 10);
	}
	if (total == 0 || px_crypto_init() < 0) {
		fprintf(stderr, "usage: bench_report [N] [--dir D]\n");
		return 2;
	}
	if (dir == NULL) {
		if ((dir = mkdtemp(tmpl)) == NULL) {
			perror("mkdtemp");
			return 1;
		}
		temp_dir = dir;
	}
	/* One year in A's zone: 2026-01-01 to 2027-01-01, Beijing. */
	to = from + 365LL * 24 * HOUR;
	set_now(from - HOUR);
	w.n[0] = make_node(dir, "cert-cn.example", "Asia/Shanghai");
	w.n[1] = make_node(dir, "cert-us.example", "America/New_York");
	pin(w.n[0], w.n[1]);
	pin(w.n[1], w.n[0]);
	w.ids = px_calloc(total, sizeof(*w.ids));
	w.opener = px_calloc(total, sizeof(*w.opener));

	t0 = now_s();
	make_history(&w, total);
	t_make = now_s() - t0;
	rss_made = peak_rss_mb();

	set_now(to + 24 * HOUR);
	t0 = now_s();
	replayed = replay_all(w.n[0], w.n[1]->name, &msgs);
	t_floor = now_s() - t0;

	t0 = now_s();
	rc = px_report_compute(
	    &rep, w.n[0], w.n[1]->name, from, to, px_time_now_ms());
	t_report = now_s() - t0;
	if (rc < 0)
		die("report");
	rss_report = peak_rss_mb();

	t0 = now_s();
	rc = px_report_verify(&v, w.n[0], rep);
	t_verify = now_s() - t0;
	if (rc < 0)
		die("verify");

	printf("bench_report: %zu cases, %zu messages at %s "
	       "(history made in %.1f s)\n",
	    replayed, msgs, w.n[0]->name, t_make);
	printf("  floor: read + replay every case      %7.2f s  "
	       "(%.0f cases/s)\n",
	    t_floor, (double)replayed / t_floor);
	printf("  report: px_report_compute, one year  %7.2f s  "
	       "(%.0f cases/s, %.2fx the floor)\n",
	    t_report,
	    (double)json_array_size(json_object_get(rep, "cases")) / t_report,
	    t_report / t_floor);
	printf("  verify: px_report_verify, own report %7.2f s  (%zu "
	       "entries, %.0f/s)\n",
	    t_verify, v.entries, (double)v.entries / t_verify);
	printf("  outbound acknowledge: measured %lld, within %lld; backlog "
	       "open %lld, overdue %lld\n",
	    fig(rep, "timeliness.outbound.acknowledge.measured"),
	    fig(rep, "timeliness.outbound.acknowledge.within"),
	    fig(rep, "backlog.outbound.open"),
	    fig(rep, "backlog.outbound.overdue"));
	printf("  peak RSS: %ld MB after making the history, %ld MB after "
	       "the report, %ld MB at the end\n",
	    rss_made, rss_report, peak_rss_mb());
	px_report_verdict_dispose(&v);
	json_decref(rep);
	px_node_free(w.n[0]);
	px_node_free(w.n[1]);
	free(w.ids);
	free(w.opener);
	cleanup();
	return 0;
}
