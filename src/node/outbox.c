/*
 * Delivery workers (outbox.h).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <sodium.h>

#include "api/app.h"
#include "model/bundle.h"
#include "model/canon.h"
#include "net/client.h"
#include "node/channel.h"
#include "node/internal.h"
#include "node/outbox.h"
#include "util/util.h"

struct worker {
	struct px_outbox *o;
	char *peer;
	pthread_t thread;
	atomic_long depth;
	atomic_int failing;
	atomic_int retry_now; /* an operator asked: cut the backoff short */
	struct worker *next;
};

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

static struct px_client *
connect_peer(struct px_node *n, const char *peer)
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

static int
first_undelivered(const struct px_msg_row *m, void *arg)
{
	*(int64_t *)arg = m->seq;
	return 1;
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

/* One exchange: send what is undelivered, import the receipts.  `depth`
 * (may be NULL) gets the size of the bundle sent, `m` (may be NULL) the
 * counters.  Returns the number of messages delivered, or a negative
 * code. */
static int
deliver(struct px_node *n, struct px_client *c, const char *peer,
    struct px_metrics *m, atomic_long *depth)
{
	struct px_buf out, in;
	struct px_import_report rep;
	size_t count = 0;
	long status = 0;
	int64_t t0, first_seq = 0;
	int rc;

	px_buf_init(&out, PX_BUNDLE_MAX_BYTES);
	px_buf_init(&in, PX_BUNDLE_MAX_BYTES);
	px_import_report_init(&rep);
	if ((rc = px_node_export_limit(
	         n, peer, &out, &count, PX_OUTBOX_BATCH)) < 0)
		goto out;
	if (depth)
		atomic_store(depth, (long)count);
	if (count == 0)
		goto out;
	(void)PX_STORE_CALL(n->store, msg_list_undelivered, n->name, peer,
	    first_undelivered, &first_seq);
	t0 = mono_us();
	if ((rc = px_client_request(c, "POST", "/peer/v1/bundles",
	         "application/json", out.data, out.len, &status, &in, 60000)) <
	    0) {
		note_channel(n, peer, NOTE_UNREACHABLE, 0);
		goto out;
	}
	peer_clock(n, peer, c);
	if (status != 200 && status != 204) {
		char *why = answer_text(&in);

		rc = px_error_set(
		    PX_ERR, "%s answered %ld: %s", peer, status, why);
		free(why);
		/* A refusal of the whole bundle (its signature, our
		 * certificate) blocks the channel at its first message; a
		 * server error is the peer being unwell, not a refusal. */
		note_channel(n, peer,
		    status >= 400 && status < 500 ? NOTE_REFUSED
		                                  : NOTE_UNREACHABLE,
		    first_seq);
		goto out;
	}
	if (status == 204) {
		note_channel(n, peer, NOTE_CLEAR, 0);
		goto done;
	}
	rep.expect_from = peer;
	if ((rc = px_node_import(n, in.data, in.len, "receipts", &rep, NULL)) <
	    0)
		goto out;
	/* The peer kept part of the bundle and refused the rest: the rest
	 * will be offered again after a backoff; the import recorded the
	 * peer's signed refusal for the operator (node/channel.h). */
	if (!rep.refused_by_peer)
		note_channel(n, peer, NOTE_CLEAR, 0);
	if (px_client_response_header(c, "Parley-Refused")) {
		rc =
		    px_error_set(PX_EINVAL, "%s refused part of the bundle: %s",
		        peer, px_client_response_header(c, "Parley-Refused"));
		goto out;
	}
done:
	if (m) {
		px_metrics_latency(m, mono_us() - t0);
		atomic_fetch_add(&m->deliveries, 1);
	}
	rc = (int)count;
out:
	if (rc < 0 && m)
		atomic_fetch_add(&m->delivery_errors, 1);
	px_import_report_dispose(&rep);
	px_buf_dispose(&out);
	px_buf_dispose(&in);
	return rc;
}

static void *
run_worker(void *arg)
{
	struct worker *w = arg;
	struct px_outbox *o = w->o;
	struct px_node *n = NULL;
	struct px_client *c = NULL;
	long backoff = 0;
	unsigned long kicks;

	while (!stopping(o, &kicks)) {
		int rc;

		if (n == NULL && px_node_open(&n, o->dir) < 0) {
			wait_ms(o, kicks, 2000);
			continue;
		}
		if (c == NULL && (c = connect_peer(n, w->peer)) == NULL) {
			wait_ms(o, kicks, 5000);
			continue;
		}
		rc = deliver(n, c, w->peer, o->m, &w->depth);
		if (rc < 0) {
			/* Exponential backoff with full jitter. */
			backoff = backoff ? backoff * 2 : 1000;
			if (backoff > 300000)
				backoff = 300000;
			atomic_store(&w->failing, 1);
			fprintf(stderr,
			    "parley: delivery to %s failed, retrying "
			    "within %lds: %s\n",
			    w->peer, backoff / 1000, px_error_last());
			px_client_free(c);
			c = NULL;
			/* New messages do not cut a backoff short: the peer
			 * is down, and trying again at once only doubles the
			 * next wait.  An operator's retry does. */
			wait_flag(o, ~0UL,
			    (long)(randombytes_uniform((uint32_t)backoff) +
			        100),
			    &w->retry_now);
			if (atomic_exchange(&w->retry_now, 0))
				backoff = 0;
			continue;
		}
		backoff = 0;
		atomic_store(&w->failing, 0);
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

int
px_outbox_deliver_now(struct px_node *n, const char *peer)
{
	struct px_client *c = NULL;
	struct px_peer *p = NULL;
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
	if ((c = connect_peer(n, peer)) == NULL) {
		rc = px_error_set(
		    PX_ERR, "cannot set up a connection to %s", peer);
		goto out;
	}
	rc = deliver(n, c, peer, NULL, NULL);
out:
	px_client_free(c);
	px_peer_free(p);
	return rc;
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
px_outbox_depths(struct px_outbox *o,
    void (*cb)(const char *peer, long depth, int failing, void *arg), void *arg)
{
	struct worker *w;

	pthread_mutex_lock(&o->mu);
	for (w = o->workers; w; w = w->next)
		cb(w->peer, atomic_load(&w->depth), atomic_load(&w->failing),
		    arg);
	pthread_mutex_unlock(&o->mu);
	return 0;
}
