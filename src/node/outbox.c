/*
 * Delivery workers (outbox.h).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <sodium.h>

#include "model/bundle.h"
#include "model/canon.h"
#include "net/client.h"
#include "node/cardpush.h"
#include "node/channel.h"
#include "node/internal.h"
#include "node/metrics.h"
#include "node/outbox.h"
#include "util/util.h"

struct worker {
	struct px_outbox *o;
	char *peer;
	pthread_t thread;
	long counted;         /* the last full count of undelivered messages */
	int64_t counted_us;   /* when it was taken (mono_us), 0 never */
	atomic_int retry_now; /* an operator asked: cut the wait short */
	struct worker *next;
};

/* A full count of the backlog reads every undelivered row, so it is taken
 * at most this often (the exported count is exact below a full batch). */
#define COUNT_EVERY_US (10 * 1000000)
/* A peer that answers "busy" asks for this wait at most, and this much
 * when its Retry-After is not a number of seconds. */
#define BUSY_MAX_MS     300000
#define BUSY_DEFAULT_MS 5000
/* Continuous deferral this long is worth one line in the log. */
#define BUSY_REPORT_US (5LL * 60 * 1000000)

struct px_outbox {
	char *dir;
	struct px_metrics *m;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned long kicks;
	bool stop;
	struct worker *workers;
	pthread_t scanner;
};

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Sleeps up to `ms`, or until kicked (unless `seen` is ~0), stopped, or
 * `flag` (may be NULL) is raised. */
static void
wait_flag(struct px_outbox *o, unsigned long seen, long ms, atomic_int *flag)
{
	struct timespec ts;

	px_time_deadline(&ts, ms);
	pthread_mutex_lock(&o->mu);
	while (!o->stop && (seen == ~0UL || o->kicks == seen) &&
	    !(flag && atomic_load(flag)))
		if (pthread_cond_timedwait(&o->cv, &o->mu, &ts) != 0)
			break;
	pthread_mutex_unlock(&o->mu);
}

static void
wait_ms(struct px_outbox *o, unsigned long seen, long ms)
{
	wait_flag(o, seen, ms, NULL);
}

static bool
stopping(struct px_outbox *o, unsigned long *kicks)
{
	bool s;

	pthread_mutex_lock(&o->mu);
	s = o->stop;
	*kicks = o->kicks;
	pthread_mutex_unlock(&o->mu);
	return s;
}

struct px_client *
px_outbox_client(struct px_node *n, const char *peer)
{
	struct px_peer *p = NULL;
	struct px_client *c = NULL;
	char *cert = px_asprintf("%s/tls/cert.pem", n->dir);
	char *key = px_asprintf("%s/tls/key.pem", n->dir);

	if (px_peer_load(&p, n, peer) == 0 && p->card.url && *p->card.url)
		if (px_client_new(&c, p->card.url, p->card.tls, cert, key) < 0)
			c = NULL;
	px_peer_free(p);
	free(cert);
	free(key);
	return c;
}

static int
count_row(const struct px_msg_row *m, void *arg)
{
	(void)m;
	(*(long *)arg)++;
	return 0;
}

/* Counts the undelivered messages to the peer afresh, at most every
 * COUNT_EVERY_US, for the depth gauge (a /metrics request reads the gauge
 * and never scans the store). */
static void
count_depth(struct worker *w, struct px_node *n)
{
	int64_t now = mono_us();
	long k = 0;

	if (w->counted_us != 0 && now - w->counted_us < COUNT_EVERY_US)
		return;
	if (PX_STORE_CALL(n->store, msg_list_undelivered, n->name, w->peer,
	        count_row, &k) < 0)
		return;
	w->counted = k;
	w->counted_us = now;
	px_metrics_peer_set(w->o->m, PX_PG_OUTBOX_DEPTH, w->peer, k);
}

/* The depth gauge after an export of `count` messages: exact below a full
 * batch; a full batch means more may wait behind it. */
static void
note_depth(struct worker *w, struct px_node *n, size_t count)
{
	if (count < PX_OUTBOX_BATCH) {
		w->counted = (long)count;
		px_metrics_peer_set(
		    w->o->m, PX_PG_OUTBOX_DEPTH, w->peer, (long)count);
		return;
	}
	count_depth(w, n);
}

/* How long a 503 answer asks us to wait, or 0 if it is not the "busy,
 * retry later" answer (503 with Retry-After, docs/transport.md). */
static long
busy_wait_ms(struct px_client *c, long status)
{
	const char *ra;
	char *end = NULL;
	long s;

	if (status != 503 ||
	    (ra = px_client_response_header(c, "Retry-After")) == NULL)
		return 0;
	s = strtol(ra, &end, 10);
	if (end == ra || *end != '\0' || s < 0)
		return BUSY_DEFAULT_MS; /* an HTTP-date: parley sends seconds */
	if (s < 1)
		s = 1;
	return s * 1000 > BUSY_MAX_MS ? BUSY_MAX_MS : s * 1000;
}

/* Remembers the peer's clock as its answer states it (Parley-Time, its
 * node's clock when it answered), so an operator sees a skew before it
 * makes either side refuse the other's messages. */
static void
peer_clock(struct px_node *n, const char *peer, struct px_client *c)
{
	const char *t = px_client_response_header(c, "Parley-Time");
	int64_t theirs, now = px_time_now_ms();

	if (t && px_time_parse(&theirs, t, 0) == 0)
		px_channel_clock(n, peer, theirs - now, now);
}

enum note { NOTE_CLEAR, NOTE_REFUSED, NOTE_UNREACHABLE };

/* Records what the exchange says about the channel (node/channel.h),
 * keeping the delivery's own error message for the caller: the record is
 * for the operator, and failing to write it must not hide why delivery
 * failed. */
static void
note_channel(struct px_node *n, const char *peer, enum note what, int64_t seq)
{
	char *why = px_strdup(px_error_last());
	int64_t now = px_time_now_ms();
	int rc;

	if (what == NOTE_CLEAR)
		rc = px_channel_clear(n, peer, PX_CHAN_OUT, -1);
	else if (what == NOTE_REFUSED)
		rc = px_channel_refused(
		    n, peer, PX_CHAN_OUT, seq, NULL, why, now);
	else
		rc = px_channel_unreachable(n, peer, why, now);
	if (rc < 0)
		fprintf(stderr,
		    "parley: cannot record the state of the channel with "
		    "%s: %s\n",
		    peer, px_error_last());
	(void)px_error_set(PX_ERR, "%s", why);
	free(why);
}

/* The "detail" of a problem+json answer, else the text itself (at most
 * 300 bytes); heap. */
static char *
answer_text(const struct px_buf *in)
{
	json_t *j = NULL;
	char *t;

	if (in->len &&
	    px_json_parse(&j, in->data, in->len, in->len + 1, "answer") == 0 &&
	    json_is_string(json_object_get(j, "detail")))
		t = px_strdup(json_string_value(json_object_get(j, "detail")));
	else
		t = px_asprintf("%.300s", in->data ? in->data : "");
	json_decref(j);
	return t;
}

/* One bundle on its way.  Its POST runs on a thread of its own, so that
 * the worker meanwhile exports the next bundle and imports the receipts of
 * the one before: the two nodes work at the same time instead of taking
 * turns (docs/transport.md section 5.1). */
struct flight {
	struct px_client *c;
	struct px_buf out, in;
	struct px_export_span span;
	long status;
	int rc;
	char *err; /* the transport's error when rc < 0 */
	int64_t t0;
	pthread_t th;
	bool threaded, started;
};

static void
flight_init(struct flight *f, struct px_client *c)
{
	memset(f, 0, sizeof(*f));
	f->c = c;
	px_buf_init(&f->out, PX_BUNDLE_MAX_BYTES);
	px_buf_init(&f->in, PX_BUNDLE_MAX_BYTES);
}

/* Empties `f` for the next bundle, keeping its buffers' memory. */
static void
flight_reset(struct flight *f)
{
	px_buf_reset(&f->out);
	px_buf_reset(&f->in);
	memset(&f->span, 0, sizeof(f->span));
	f->status = 0;
	f->rc = 0;
	free(f->err);
	f->err = NULL;
	f->started = false;
}

static void
flight_dispose(struct flight *f)
{
	px_buf_dispose(&f->out);
	px_buf_dispose(&f->in);
	free(f->err);
}

static void *
flight_run(void *arg)
{
	struct flight *f = arg;

	f->rc = px_client_request(f->c, "POST", "/peer/v1/bundles",
	    "application/json", f->out.data, f->out.len, &f->status, &f->in,
	    60000);
	if (f->rc < 0)
		f->err = px_strdup(px_error_last());
	return NULL;
}

static void
flight_start(struct flight *f)
{
	f->t0 = mono_us();
	f->started = true;
	f->threaded = pthread_create(&f->th, NULL, flight_run, f) == 0;
	if (!f->threaded)
		flight_run(f); /* no thread to be had: in turn, as before */
}

/* Waits for the answer.  Returns 0, or the transport's code with its error
 * set in this thread.  The client is the caller's again afterwards. */
static int
flight_land(struct flight *f)
{
	if (f->threaded)
		pthread_join(f->th, NULL);
	f->threaded = false;
	if (f->rc < 0)
		return px_error_set(
		    f->rc, "%s", f->err ? f->err : "the request failed");
	return 0;
}

/* Lands `f` if it is on its way, keeping this thread's error message: the
 * exchange already failed, and its answer is not wanted. */
static void
flight_abandon(struct flight *f)
{
	char *why;

	if (!f->started)
		return;
	why = px_strdup(px_error_last());
	(void)flight_land(f);
	(void)px_error_set(PX_ERR, "%s", why);
	free(why);
}

/* Exchanges: send what is undelivered, import the receipts, and record
 * what each answer says about the channel (node/channel.h).  A worker (`w`
 * not NULL; it keeps the depth gauge) goes on while messages wait: the
 * next bundle is exported while one is on its way, and sent as soon as the
 * peer has taken the whole of the one before (a 200 without a refusal),
 * while that one's receipts are imported.  Anything else (a refusal, an
 * error, busy) ends the run after the bundle it concerns, so a refused
 * message still stops the channel at its seq and the receipts are
 * imported in order.  Outside a worker, one bundle.  `m` (may be NULL)
 * keeps the counters.  Returns the number of messages delivered, or a
 * negative code.  When the peer answers busy, returns 0 with *busy_ms
 * set to the wait it asks for. */
static int
deliver(struct worker *w, struct px_metrics *m, struct px_node *n,
    struct px_client *c, const char *peer, long *busy_ms)
{
	struct flight f[2], *cur = &f[0], *next = &f[1], *t;
	struct px_import_report rep;
	size_t total = 0;
	unsigned long kicks;
	int rc;

	*busy_ms = 0;
	flight_init(cur, c);
	flight_init(next, c);
	px_import_report_init(&rep);
	if ((rc = px_node_export_after(
	         n, peer, &cur->out, PX_OUTBOX_BATCH, 0, &cur->span)) < 0)
		goto out;
	if (w)
		note_depth(w, n, cur->span.count);
	if (cur->span.count == 0)
		goto out;
	flight_start(cur);
	for (;;) {
		const char *h;
		char *refused = NULL;

		if (w && !stopping(w->o, &kicks) &&
		    (rc = px_node_export_after(n, peer, &next->out,
		         PX_OUTBOX_BATCH, cur->span.last_seq, &next->span)) <
		        0) {
			flight_abandon(cur);
			goto out;
		}
		if ((rc = flight_land(cur)) < 0) {
			note_channel(n, peer, NOTE_UNREACHABLE, 0);
			goto out;
		}
		peer_clock(n, peer, c);
		if ((*busy_ms = busy_wait_ms(c, cur->status)) > 0) {
			rc = 0;
			goto out;
		}
		if (cur->status != 200 && cur->status != 204) {
			char *why = answer_text(&cur->in);

			rc = px_error_set(PX_ERR, "%s answered %ld: %s", peer,
			    cur->status, why);
			free(why);
			/* A refusal of the whole bundle (its signature, our
			 * certificate) blocks the channel at its first
			 * message; a server error is the peer being unwell,
			 * not a refusal. */
			note_channel(n, peer,
			    cur->status >= 400 && cur->status < 500
			        ? NOTE_REFUSED
			        : NOTE_UNREACHABLE,
			    cur->span.first_seq);
			goto out;
		}
		if ((h = px_client_response_header(c, "Parley-Refused")))
			refused = px_strdup(h);
		/* The peer applies in seq order and stops at a refusal,
		 * which its answer names: without one it took the whole
		 * bundle, and the next follows it at once.  The client is
		 * the next flight's from here on. */
		if (refused == NULL && next->span.count > 0) {
			flight_start(next);
			px_metrics_add(m, PX_C_PIPELINED, 1);
		}
		if (cur->status == 200) {
			px_import_report_dispose(&rep);
			px_import_report_init(&rep);
			rep.expect_from = peer;
			if ((rc = px_node_import(n, cur->in.data, cur->in.len,
			         "receipts", &rep, NULL)) < 0) {
				free(refused);
				flight_abandon(next);
				goto out;
			}
		}
		/* The peer kept part of the bundle and refused the rest: the
		 * rest will be offered again after a backoff; the import
		 * recorded the peer's signed refusal for the operator
		 * (node/channel.h). */
		if (cur->status == 204 || !rep.refused_by_peer)
			note_channel(n, peer, NOTE_CLEAR, 0);
		if (refused) {
			rc = px_error_set(PX_EINVAL,
			    "%s refused part of the bundle: %s", peer, refused);
			free(refused);
			goto out;
		}
		px_metrics_latency(m, mono_us() - cur->t0);
		px_metrics_add(m, PX_C_DELIVERIES, 1);
		total += cur->span.count;
		if (!next->started)
			break;
		t = cur;
		cur = next;
		next = t;
		flight_reset(next);
	}
	rc = (int)total;
out:
	if (rc < 0)
		px_metrics_add(m, PX_C_DELIVERY_ERRORS, 1);
	px_import_report_dispose(&rep);
	flight_dispose(&f[0]);
	flight_dispose(&f[1]);
	return rc;
}

/* Waits `ms` whatever new messages arrive (the peer is down or busy, and
 * trying sooner does not help), keeping the depth gauge fresh meanwhile:
 * messages queued during a long wait show in /metrics within
 * COUNT_EVERY_US. */
static void
wait_counting(struct worker *w, struct px_node *n, long ms)
{
	unsigned long kicks;

	while (
	    ms > 0 && !stopping(w->o, &kicks) && !atomic_load(&w->retry_now)) {
		long slice =
		    ms < COUNT_EVERY_US / 1000 ? ms : COUNT_EVERY_US / 1000;

		wait_flag(w->o, ~0UL, slice, &w->retry_now);
		ms -= slice;
		count_depth(w, n);
	}
}

static void *
run_worker(void *arg)
{
	struct worker *w = arg;
	struct px_outbox *o = w->o;
	struct px_node *n = NULL;
	struct px_client *c = NULL;
	long backoff = 0, busy_ms = 0;
	int64_t busy_since = 0;
	bool busy_told = false;
	unsigned long kicks;

	px_metrics_peer_set(o->m, PX_PG_DELIVERY_FAILING, w->peer, 0);
	px_metrics_peer_set(o->m, PX_PG_DELIVERY_DEFERRED, w->peer, 0);
	while (!stopping(o, &kicks)) {
		int rc;

		if (n == NULL) {
			if (px_node_open(&n, o->dir) < 0) {
				wait_ms(o, kicks, 2000);
				continue;
			}
			/* What this connection writes (the peer's receipts,
			 * which it gives again for a re-sent message; the
			 * checkpoint we showed; the channel's state) need not
			 * wait for the disk: a commit stays atomic, and only a
			 * power cut can lose one.  That halves the disk waits
			 * of a delivery (the receiver's import is the one that
			 * must be durable). */
			if (PX_STORE_CALL(n->store, set_durable, false) < 0)
				fprintf(stderr, "parley: outbox for %s: %s\n",
				    w->peer, px_error_last());
		}
		if (w->counted_us == 0)
			count_depth(w, n);
		if (c == NULL && (c = px_outbox_client(n, w->peer)) == NULL) {
			wait_ms(o, kicks, 5000);
			continue;
		}
		rc = deliver(w, o->m, n, c, w->peer, &busy_ms);
		if (rc == 0 && busy_ms > 0) {
			/* The peer is up and asked us to come back later
			 * (503 with Retry-After): not a failure, so no
			 * backoff doubling and no error line; the wait it
			 * asked for, with some jitter so that its senders
			 * do not all return at once. */
			px_metrics_add(o->m, PX_C_DELIVERIES_DEFERRED, 1);
			px_metrics_peer_set(
			    o->m, PX_PG_DELIVERY_DEFERRED, w->peer, 1);
			if (busy_since == 0)
				busy_since = mono_us();
			if (!busy_told &&
			    mono_us() - busy_since >= BUSY_REPORT_US) {
				fprintf(stderr,
				    "parley: %s has answered busy (503) to "
				    "every delivery for %lld min; still "
				    "retrying as it asks\n",
				    w->peer,
				    (long long)((mono_us() - busy_since) /
				        60000000));
				busy_told = true;
			}
			wait_counting(w, n,
			    busy_ms +
			        (long)randombytes_uniform(
			            (uint32_t)(busy_ms / 4 + 1)));
			continue;
		}
		busy_since = 0;
		busy_told = false;
		px_metrics_peer_set(o->m, PX_PG_DELIVERY_DEFERRED, w->peer, 0);
		if (rc < 0) {
			/* Exponential backoff with full jitter. */
			backoff = backoff ? backoff * 2 : 1000;
			if (backoff > 300000)
				backoff = 300000;
			px_metrics_peer_set(
			    o->m, PX_PG_DELIVERY_FAILING, w->peer, 1);
			fprintf(stderr,
			    "parley: delivery to %s failed, retrying "
			    "within %lds: %s\n",
			    w->peer, backoff / 1000, px_error_last());
			px_client_free(c);
			c = NULL;
			/* New messages do not cut a backoff short: the peer
			 * is down, and trying again at once only doubles the
			 * next wait.  An operator's retry does. */
			wait_counting(w, n,
			    (long)(randombytes_uniform((uint32_t)backoff) +
			        100));
			if (atomic_exchange(&w->retry_now, 0))
				backoff = 0;
			continue;
		}
		backoff = 0;
		px_metrics_peer_set(o->m, PX_PG_DELIVERY_FAILING, w->peer, 0);
		/* The channel is up: publish a re-signed card of ours (a
		 * failure is tried again on the next round). */
		if (px_card_push(n, c, w->peer) < 0)
			px_error_clear();
		if (rc == 0)
			wait_ms(o, kicks, 500);
	}
	px_client_free(c);
	px_node_free(n);
	return NULL;
}

static int
add_worker(const struct px_peer_row *p, void *arg)
{
	struct px_outbox *o = arg;
	struct worker *w;

	for (w = o->workers; w; w = w->next)
		if (strcmp(w->peer, p->name) == 0)
			return 0;
	w = px_calloc(1, sizeof(*w));
	w->o = o;
	w->peer = px_strdup(p->name);
	if (pthread_create(&w->thread, NULL, run_worker, w) != 0) {
		free(w->peer);
		free(w);
		return 0;
	}
	pthread_mutex_lock(&o->mu);
	w->next = o->workers;
	o->workers = w;
	pthread_mutex_unlock(&o->mu);
	return 0;
}

/* Picks up peers enrolled while serving. */
static void *
scanner(void *arg)
{
	struct px_outbox *o = arg;
	unsigned long kicks;

	while (!stopping(o, &kicks)) {
		struct px_node *n = NULL;

		if (px_node_open(&n, o->dir) == 0) {
			(void)PX_STORE_CALL(n->store, peer_list, add_worker, o);
			px_node_free(n);
		}
		/* Kicks are for the workers; the scanner only polls. */
		wait_ms(o, ~0UL, 3000);
	}
	return NULL;
}

int
px_outbox_start(struct px_outbox **out, const char *dir, struct px_metrics *m)
{
	struct px_outbox *o = px_calloc(1, sizeof(*o));

	o->dir = px_strdup(dir);
	o->m = m;
	pthread_mutex_init(&o->mu, NULL);
	pthread_cond_init(&o->cv, NULL);
	if (pthread_create(&o->scanner, NULL, scanner, o) != 0) {
		free(o->dir);
		free(o);
		return px_error_set(PX_ERR, "cannot start the outbox");
	}
	*out = o;
	return 0;
}

void
px_outbox_kick(struct px_outbox *o)
{
	pthread_mutex_lock(&o->mu);
	o->kicks++;
	pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->mu);
}

void
px_outbox_retry(struct px_outbox *o, const char *peer)
{
	struct worker *w;

	pthread_mutex_lock(&o->mu);
	for (w = o->workers; w; w = w->next)
		if (peer == NULL || strcmp(w->peer, peer) == 0)
			atomic_store(&w->retry_now, 1);
	o->kicks++;
	pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->mu);
}

int
px_outbox_deliver_now(struct px_node *n, const char *peer)
{
	struct px_client *c = NULL;
	struct px_peer *p = NULL;
	long busy_ms = 0;
	int rc;

	if ((rc = px_peer_load(&p, n, peer)) < 0)
		return rc;
	if (p->card.url == NULL || *p->card.url == '\0') {
		rc = px_error_set(PX_EINVAL,
		    "%s's card names no URL: carry its bundles by hand "
		    "(parley outbox export --peer %s -o FILE)",
		    peer, peer);
		goto out;
	}
	if ((c = px_outbox_client(n, peer)) == NULL) {
		rc = px_error_set(
		    PX_ERR, "cannot set up a connection to %s", peer);
		goto out;
	}
	rc = deliver(NULL, NULL, n, c, peer, &busy_ms);
	if (rc == 0 && busy_ms > 0)
		rc = px_error_set(PX_ERR,
		    "%s is busy and asks to be tried again in %ld s", peer,
		    (busy_ms + 999) / 1000);
out:
	px_client_free(c);
	px_peer_free(p);
	return rc;
}

void
px_outbox_stop(struct px_outbox *o)
{
	struct worker *w, *next;

	if (o == NULL)
		return;
	pthread_mutex_lock(&o->mu);
	o->stop = true;
	pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->mu);
	pthread_join(o->scanner, NULL);
	/* The scanner is gone: the list no longer changes. */
	for (w = o->workers; w; w = next) {
		next = w->next;
		pthread_join(w->thread, NULL);
		free(w->peer);
		free(w);
	}
	pthread_mutex_destroy(&o->mu);
	pthread_cond_destroy(&o->cv);
	free(o->dir);
	free(o);
}
