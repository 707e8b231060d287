/*
 * What holds a channel up (channel.h, docs/channel.md).
 */
#include "model/ladder.h"
#include "node/channel.h"
#include "node/sched.h"
#include "notify/notify.h"
#include "model/canon.h"
#include "util/util.h"

const char *const px_chan_dir_names[2] = { "out", "in" };

/* What an operator can do about a problem, from what it says.  The
 * reasons are the node's own messages (exchange.c, the transport), so
 * matching their words is stable; anything unknown gets the general
 * advice. */
static const char *
advice(const struct px_channel_row *r)
{
	bool out = strcmp(r->dir, "out") == 0;

	if (strcmp(r->state, "unreachable") == 0)
		return "The peer's node does not answer: check that it runs "
		       "and that its URL is reachable from here.  Nothing is "
		       "lost: messages wait in order in the outbox and go as "
		       "soon as it answers.";
	if (strstr(r->reason, "clock"))
		return out ? "The peer's clock and ours differ by more than "
		             "5 minutes (see clock_offset_ms): correct the "
		             "clock that is wrong.  The messages are kept as "
		             "signed and accepted once their dates are within "
		             "5 minutes of the peer's clock; then run parley "
		             "channel retry."
		           : "The peer dates its messages more than 5 minutes "
		             "after our clock: one of the two clocks is wrong "
		             "(see clock_offset_ms); correct it.  The peer's "
		             "messages are accepted once our clock is within "
		             "5 minutes of their dates.";
	if (strstr(r->reason, "not pinned") || strstr(r->reason, "key pinned"))
		return out ? "The peer does not hold our current card (it has "
		             "not enrolled us, or holds an older key): give "
		             "its operator our card (parley card -o FILE) to "
		             "enrol with parley peer add, then run parley "
		             "channel retry."
		           : "The peer signs with a key or certificate we have "
		             "not pinned: compare fingerprints with its "
		             "operator out of band and enrol its current card "
		             "(parley peer add CARD).";
	if (strstr(r->reason, "out of sequence") ||
	    strstr(r->reason, "history forked") ||
	    strstr(r->reason, "differs from the message already"))
		return "The two nodes disagree about the channel's history "
		       "(a restored backup, or a forged message): compare "
		       "both sides' parley channel show and log alerts with "
		       "the peer's operator before anything else; keep the "
		       "bundles as evidence.";
	return out ? "Read the peer's reason; once its cause is mended, "
	             "parley channel retry delivers at once.  Nothing is "
	             "lost: later messages wait in order behind this one."
	           : "Read the reason and tell the peer's operator; their "
	             "node retries by itself once the cause is mended.";
}

/* Tells this node's duty people about a problem, once. */
static int
notify_duty(struct px_node *n, const struct px_channel_row *r, int64_t now)
{
	json_t *contacts = NULL, *roster = NULL, *data = NULL;
	struct px_buf subj, text;
	char since[PX_TIME_STRLEN];
	bool out = strcmp(r->dir, "out") == 0;
	int rc;

	if ((rc = px_node_directory(n, &contacts, &roster)) < 0)
		return rc;
	px_time_format(since, r->since_ms);
	px_buf_init(&subj, PX_BUF_NOCAP);
	px_buf_init(&text, PX_BUF_NOCAP);
	if (strcmp(r->state, "unreachable") == 0) {
		px_buf_putf(&subj,
		    "[parley] %s unreachable since %s / 对端节点无法连接",
		    r->peer, since);
		px_buf_putf(&text,
		    "Our node %s has not reached %s since %s.\n"
		    "Last error: %s\n\n",
		    n->name, r->peer, since, r->reason);
	} else {
		px_buf_putf(&subj,
		    "[parley] channel %s %s blocked at seq %lld / 通道阻塞",
		    out ? "to" : "from", r->peer, (long long)r->seq);
		px_buf_putf(&text,
		    "%s refused %s message seq %lld on the channel %s -> %s "
		    "(since %s).\nEvery later message on that channel waits "
		    "behind it.\nReason: %s\n\n",
		    out ? r->peer : n->name, out ? "our" : "the peer's",
		    (long long)r->seq, out ? n->name : r->peer,
		    out ? r->peer : n->name, since, r->reason);
	}
	px_buf_putf(&text,
	    "What to do: %s\nStatus: parley channel show %s (docs/channel.md)"
	    "\n",
	    advice(r), r->peer);
	data = json_pack("{sssssssIss}", "peer", r->peer, "direction", r->dir,
	    "state", r->state, "seq", (json_int_t)r->seq, "reason", r->reason);
	{
		struct px_notify_item it = {
			.event = "parley.channel.blocked",
			.subject = subj.data,
			.text = text.data,
			.data = data,
			.now = now,
		};

		rc = px_notify_duty(n, contacts, roster, &it);
	}
	if (rc == 0)
		rc = PX_STORE_CALL(n->store, channel_notified, r->peer, r->dir);
	json_decref(data);
	json_decref(contacts);
	json_decref(roster);
	px_buf_dispose(&subj);
	px_buf_dispose(&text);
	return rc;
}

int
px_channel_refused(struct px_node *n, const char *peer, enum px_chan_dir d,
    int64_t seq, const char *msg_hash, const char *reason, int64_t now)
{
	struct px_channel_row r = {
		.peer = (char *)peer,
		.dir = (char *)px_chan_dir_names[d],
		.state = (char *)"refused",
		.seq = seq,
		.msg_hash = (char *)msg_hash,
		.reason = (char *)reason,
		.last_ms = now,
	};
	bool fresh = false;
	int rc;

	if ((rc = PX_STORE_CALL(n->store, channel_put, &r, &fresh)) < 0)
		return rc;
	if (!fresh)
		return 0;
	r.since_ms = now;
	return notify_duty(n, &r, now);
}

struct find {
	const char *dir;
	struct px_channel_row row;
	bool found;
};

static int
find_dir(const struct px_channel_row *r, void *arg)
{
	struct find *f = arg;

	if (strcmp(r->dir, f->dir) != 0)
		return 0;
	f->row = (struct px_channel_row){
		.peer = px_strdup(r->peer),
		.dir = px_strdup(r->dir),
		.state = px_strdup(r->state),
		.seq = r->seq,
		.msg_hash = r->msg_hash ? px_strdup(r->msg_hash) : NULL,
		.reason = px_strdup(r->reason),
		.since_ms = r->since_ms,
		.last_ms = r->last_ms,
		.count = r->count,
		.notified = r->notified,
	};
	f->found = true;
	return 1;
}

int
px_channel_unreachable(
    struct px_node *n, const char *peer, const char *reason, int64_t now)
{
	struct find f = { .dir = "out" };
	struct px_channel_row r = {
		.peer = (char *)peer,
		.dir = (char *)"out",
		.state = (char *)"unreachable",
		.reason = (char *)reason,
		.last_ms = now,
	};
	int rc;

	if ((rc = PX_STORE_CALL(n->store, channel_list, peer, find_dir, &f)) <
	    0)
		return rc;
	/* A refusal says more than a failed connection; keep it. */
	if (f.found && strcmp(f.row.state, "refused") == 0)
		goto out;
	if ((rc = PX_STORE_CALL(n->store, channel_put, &r, NULL)) < 0)
		goto out;
	r.since_ms = f.found ? f.row.since_ms : now;
	if (f.found && !f.row.notified &&
	    now - r.since_ms >= PX_CHANNEL_UNREACHABLE_NOTICE_MS)
		rc = notify_duty(n, &r, now);
out:
	if (f.found)
		px_channel_row_dispose(&f.row);
	return rc;
}

int
px_channel_clear(
    struct px_node *n, const char *peer, enum px_chan_dir d, int64_t through)
{
	return PX_STORE_CALL(
	    n->store, channel_clear, peer, px_chan_dir_names[d], through);
}

void
px_channel_clock(
    struct px_node *n, const char *peer, int64_t offset_ms, int64_t now)
{
	char *key = px_asprintf("clock.%s", peer);
	char *val =
	    px_asprintf("%lld %lld", (long long)offset_ms, (long long)now);

	/* Advisory: a failure to remember it changes nothing else. */
	(void)PX_STORE_CALL(n->store, meta_set, key, val);
	free(key);
	free(val);
}

static json_t *
problem_json(const struct px_channel_row *r)
{
	return json_pack("{sssIsosssososIsbss}", "state", r->state, "seq",
	    (json_int_t)r->seq, "msg",
	    r->msg_hash ? json_string(r->msg_hash) : json_null(), "reason",
	    r->reason, "since", px_json_time(r->since_ms), "last",
	    px_json_time(r->last_ms), "count", (json_int_t)r->count, "notified",
	    r->notified, "advice", advice(r));
}

struct status {
	struct px_node *n;
	const char *only;
	json_t *out;
	int rc;
};

static int
put_problem(const struct px_channel_row *r, void *arg)
{
	json_t *peers = arg, *o = json_object_get(peers, r->peer);

	if (o == NULL) {
		o = json_object();
		json_object_set_new(peers, r->peer, o);
	}
	json_object_set_new(o, r->dir, problem_json(r));
	return 0;
}

static int
one_peer(const struct px_peer_row *p, void *arg)
{
	struct status *s = arg;
	struct px_node *n = s->n;
	int64_t delivered = 0;
	json_t *problems, *o, *pr, *out, *in;
	char tip_hash[PX_HASH_HEX], *key, *clock = NULL;
	int64_t sent = 0, received = 0, off = 0, seen = -1;
	bool have_clock = false;
	int rc;

	if (s->only && strcmp(s->only, p->name) != 0)
		return 0;
	problems = json_object();
	if ((rc = PX_STORE_CALL(
	         n->store, channel_list, p->name, put_problem, problems)) < 0 ||
	    (rc = PX_STORE_CALL(
	         n->store, msg_tip, n->name, p->name, &sent, tip_hash)) < 0 ||
	    (rc = PX_STORE_CALL(n->store, msg_tip, p->name, n->name, &received,
	         tip_hash)) < 0 ||
	    (rc = PX_STORE_CALL(
	         n->store, msg_delivered, n->name, p->name, &delivered)) < 0) {
		json_decref(problems);
		s->rc = rc;
		return rc;
	}
	key = px_asprintf("clock.%s", p->name);
	if (PX_STORE_CALL(n->store, meta_get, key, &clock) == 0 && clock) {
		char *end = NULL;

		off = strtoll(clock, &end, 10);
		if (end && *end == ' ') {
			seen = strtoll(end + 1, NULL, 10);
			have_clock = true;
		}
	}
	free(key);
	free(clock);
	pr = json_object_get(problems, p->name);
	out = pr ? json_object_get(pr, "out") : NULL;
	in = pr ? json_object_get(pr, "in") : NULL;
	o = json_pack("{sssOsOsIsIsIsIsososb}", "peer", p->name, "out",
	    out ? out : json_null(), "in", in ? in : json_null(), "sent",
	    (json_int_t)sent, "delivered", (json_int_t)delivered, "received",
	    (json_int_t)received, "undelivered", (json_int_t)(sent - delivered),
	    "clock_offset_ms", have_clock ? json_integer(off) : json_null(),
	    "clock_seen", px_json_time(have_clock ? seen : -1), "blocked",
	    (out &&
	        strcmp(json_string_value(json_object_get(out, "state")),
	            "refused") == 0) ||
	        in != NULL);
	json_array_append_new(s->out, o);
	json_decref(problems);
	return 0;
}

int
px_channel_status(
    json_t **out, struct px_node *n, const char *peer, int64_t now)
{
	struct status s = { .n = n, .only = peer, .out = json_array() };
	int rc;

	(void)now;
	if (peer) {
		struct px_peer_row row = { 0 };

		if ((rc = PX_STORE_CALL(n->store, peer_get, peer, &row)) < 0) {
			if (rc == PX_ENOTFOUND)
				px_error_set(PX_ENOTFOUND,
				    "no peer '%s' (parley peer list shows the "
				    "pinned peers)",
				    peer);
			json_decref(s.out);
			return rc;
		}
		px_peer_row_dispose(&row);
	}
	rc = PX_STORE_CALL(n->store, peer_list, one_peer, &s);
	if (rc == 0)
		rc = s.rc;
	if (rc < 0) {
		json_decref(s.out);
		return rc;
	}
	*out = s.out;
	return 0;
}
