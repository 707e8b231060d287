/*
 * Application state of a serving node (app.h): per-thread node handles
 * and the group-commit writer.
 */
#include "api/app.h"
#include "crypto/sign.h"
#include "node/outbox.h"
#include "node/transfer.h"
#include "util/util.h"

const char *const px_role_names[PX_ROLE__N] = { "viewer", "analyst", "duty",
	"admin" };

struct job {
	const char *peer, *case_ref;
	const char *actor, *actor_role; /* who acts (px_node_act), or NULL */
	enum px_msg_type type;
	json_t *body;
	struct px_msg *msg;
	enum px_state state; /* the case's, with the message applied */
	int rc;
	char err[1024];
	bool done;
	struct job *next;
};

/* Rows live in a fixed table of ROW_SLOTS (direct-mapped by a hash of the
 * case id, ROW_PROBE slots probed): at most ~ROW_SLOTS * 1 KB held, and a
 * list longer than that still works, with misses. */
#define ROW_SLOTS 16384
#define ROW_PROBE 8

struct row {
	char id[PX_UUID_STRLEN];
	int64_t stamp, peer_stamp, valid_until;
	unsigned gen;
	bool overdue;
	char *text;
};

struct px_rowcache {
	pthread_mutex_t mu;
	struct row *v;
};

struct px_sendq {
	pthread_mutex_t mu;
	pthread_cond_t cv, done_cv;
	struct job *head, *tail;
	bool stop;
	pthread_t thread;
	struct px_app *app;
};

/* Each thread's node handle lives under a key whose destructor closes it
 * when the thread ends (the HTTP server's workers end at stop). */
#define VIEW_SLOTS 256

struct view {
	char id[PX_UUID_STRLEN];
	int64_t stamp, valid_until;
	char *text;
	char etag[80];
};

struct handle {
	struct px_node *n;
	/* Handles replaced by a reload: a request may still hold one, so they
	 * are freed only when the thread ends. */
	struct px_node **retired;
	size_t nretired;
	unsigned gen;
	struct px_app *app;
	struct view views[VIEW_SLOTS];
	unsigned next; /* round-robin replacement */
	/* The last token seen on this thread and its role, for 2 s: a
	 * revoked token stops working within that. */
	char tok_hash[65];
	int tok_role;
	int64_t tok_until;
	unsigned tok_revoked; /* px_app.revoked when it was remembered */
};

static void
views_clear(struct handle *h)
{
	for (int i = 0; i < VIEW_SLOTS; i++) {
		free(h->views[i].text);
		h->views[i].text = NULL;
		h->views[i].id[0] = '\0';
	}
}

static pthread_key_t handle_key;
static pthread_once_t handle_once = PTHREAD_ONCE_INIT;

static void
handle_free(void *p)
{
	struct handle *h = p;

	if (h) {
		px_node_free(h->n);
		for (size_t i = 0; i < h->nretired; i++)
			px_node_free(h->retired[i]);
		free(h->retired);
		views_clear(h);
		free(h);
	}
}

static void
handle_key_init(void)
{
	pthread_key_create(&handle_key, handle_free);
}

static void
drop_handle(void)
{
	pthread_once(&handle_once, handle_key_init);
	handle_free(pthread_getspecific(handle_key));
	pthread_setspecific(handle_key, NULL);
}

struct px_node *
px_app_node(struct px_app *a)
{
	unsigned g = atomic_load(&a->gen);
	struct handle *h;

	pthread_once(&handle_once, handle_key_init);
	h = pthread_getspecific(handle_key);
	if (h && h->n && (h->gen != g || h->app != a)) {
		h->retired = px_realloc(
		    h->retired, (h->nretired + 1) * sizeof(*h->retired));
		h->retired[h->nretired++] = h->n;
		h->n = NULL;
		views_clear(h);
	}
	if (h == NULL) {
		h = px_calloc(1, sizeof(*h));
		pthread_setspecific(handle_key, h);
	}
	if (h->n == NULL) {
		if (px_node_open(&h->n, a->dir) < 0)
			return NULL;
		h->gen = g;
		h->app = a;
	}
	return h->n;
}

void
px_app_reload(struct px_app *a)
{
	atomic_fetch_add(&a->gen, 1);
}

void
px_app_revoked(struct px_app *a)
{
	atomic_fetch_add(&a->revoked, 1);
}

/* The writer: takes every waiting job, runs them in one transaction (each
 * in its own savepoint, so one failure does not undo the others), commits
 * once, and wakes the waiters. */
static void *
writer(void *arg)
{
	struct px_sendq *q = arg;

	for (;;) {
		struct job *batch, *j;
		struct px_node *n;
		int rc;

		pthread_mutex_lock(&q->mu);
		while (q->head == NULL && !q->stop)
			pthread_cond_wait(&q->cv, &q->mu);
		if (q->head == NULL && q->stop) {
			pthread_mutex_unlock(&q->mu);
			break;
		}
		batch = q->head;
		q->head = q->tail = NULL;
		pthread_mutex_unlock(&q->mu);

		n = px_app_node(q->app);
		rc = n ? px_node_batch_begin(n) : PX_ERR;
		for (j = batch; j; j = j->next) {
			if (rc < 0) {
				j->rc = rc;
			} else {
				px_error_clear();
				px_node_act(n, j->actor, j->actor_role);
				j->rc =
				    px_node_send_state(n, j->peer, j->case_ref,
				        j->type, j->body, &j->msg, &j->state);
				px_node_act(n, NULL, NULL);
			}
			if (j->rc < 0)
				snprintf(j->err, sizeof(j->err), "%s",
				    px_error_last());
		}
		if (rc == 0 && (rc = px_node_batch_end(n, true)) < 0) {
			for (j = batch; j; j = j->next) {
				px_msg_free(j->msg);
				j->msg = NULL;
				j->rc = rc;
				snprintf(j->err, sizeof(j->err), "%s",
				    px_error_last());
			}
		}
		/* Kick the outbox before answering: once the last request
		 * is answered, serve may stop and free the outbox. */
		if (q->app->outbox)
			px_outbox_kick(q->app->outbox);
		px_xfer_kick(q->app->xfer);
		pthread_mutex_lock(&q->mu);
		for (j = batch; j; j = j->next)
			j->done = true;
		pthread_cond_broadcast(&q->done_cv);
		pthread_mutex_unlock(&q->mu);
	}
	drop_handle();
	return NULL;
}

int
px_app_send(struct px_app *a, const char *peer, const char *case_ref,
    enum px_msg_type type, json_t *body, struct px_msg **out)
{
	return px_app_send_state(a, peer, case_ref, type, body, out, NULL);
}

int
px_app_send_state(struct px_app *a, const char *peer, const char *case_ref,
    enum px_msg_type type, json_t *body, struct px_msg **out,
    enum px_state *state)
{
	struct px_sendq *q = a->sendq;
	/* The request's person, on this thread's handle (px_api_node). */
	struct px_node *self = px_app_node(a);
	struct job j = { .peer = peer,
		.case_ref = case_ref,
		.type = type,
		.body = body,
		.actor = self ? self->actor : NULL,
		.actor_role = self ? self->actor_role : NULL };

	pthread_mutex_lock(&q->mu);
	if (q->tail)
		q->tail->next = &j;
	else
		q->head = &j;
	q->tail = &j;
	pthread_cond_signal(&q->cv);
	while (!j.done)
		pthread_cond_wait(&q->done_cv, &q->mu);
	pthread_mutex_unlock(&q->mu);
	px_metrics_add(a->metrics, PX_C_API_SENDS, 1);
	if (j.rc < 0)
		return px_error_set(j.rc, "%s", j.err);
	px_metrics_add(a->metrics, PX_C_MSGS_OUT, 1);
	if (state)
		*state = j.state;
	if (out)
		*out = j.msg;
	else
		px_msg_free(j.msg);
	return 0;
}

static void
rows_free(struct px_rowcache *rc)
{
	if (rc == NULL)
		return;
	for (size_t i = 0; i < ROW_SLOTS; i++)
		free(rc->v[i].text);
	free(rc->v);
	pthread_mutex_destroy(&rc->mu);
	free(rc);
}

int
px_app_new(struct px_app **out, const char *dir)
{
	struct px_app *a = px_calloc(1, sizeof(*a));
	struct px_sendq *q = px_calloc(1, sizeof(*q));
	struct px_node *n = NULL;
	int rc;

	if ((rc = px_node_open(&n, dir)) < 0)
		goto fail;
	a->dir = px_strdup(dir);
	a->name = px_strdup(n->name);
	px_node_free(n);
	a->started_ms = px_time_now_ms();
	a->metrics = px_metrics_new();
	a->rows = px_calloc(1, sizeof(*a->rows));
	a->rows->v = px_calloc(ROW_SLOTS, sizeof(*a->rows->v));
	pthread_mutex_init(&a->rows->mu, NULL);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	pthread_cond_init(&q->done_cv, NULL);
	q->app = a;
	a->sendq = q;
	if (pthread_create(&q->thread, NULL, writer, q) != 0) {
		rc = px_error_set(PX_ERR, "cannot start the writer thread");
		goto fail;
	}
	*out = a;
	return 0;
fail:
	rows_free(a->rows);
	px_metrics_free(a->metrics);
	free(q);
	free(a->dir);
	free(a->name);
	free(a);
	return rc;
}

void
px_app_free(struct px_app *a)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->sendq->mu);
	a->sendq->stop = true;
	pthread_cond_broadcast(&a->sendq->cv);
	pthread_mutex_unlock(&a->sendq->mu);
	pthread_join(a->sendq->thread, NULL);
	pthread_mutex_destroy(&a->sendq->mu);
	pthread_cond_destroy(&a->sendq->cv);
	pthread_cond_destroy(&a->sendq->done_cv);
	free(a->sendq);
	drop_handle();
	rows_free(a->rows);
	px_metrics_free(a->metrics);
	free(a->dir);
	free(a->name);
	free(a);
}

static int
role_of(const char *name)
{
	for (int i = 0; i < PX_ROLE__N; i++)
		if (strcmp(name, px_role_names[i]) == 0)
			return i;
	return -1;
}

void
px_app_token_hash(char hex[65], const char *token)
{
	uint8_t h[PX_SHA256_LEN];

	px_sha256(h, token, strlen(token));
	px_hex_encode(hex, h, sizeof(h));
}

int
px_app_token_role(struct px_app *a, const char *token, char *why, size_t whylen)
{
	struct px_node *n = px_app_node(a);
	char hex[65], *role = NULL;
	struct handle *hd;
	unsigned rev = atomic_load(&a->revoked);
	int r;

	if (n == NULL) {
		snprintf(why, whylen, "the node cannot be opened");
		return -1;
	}
	px_app_token_hash(hex, token);
	hd = pthread_getspecific(handle_key);
	if (hd && strcmp(hd->tok_hash, hex) == 0 &&
	    px_time_now_ms() < hd->tok_until && hd->tok_revoked == rev)
		return hd->tok_role;
	/* A token, or a session from a sign-in (api/users.h). */
	if (PX_STORE_CALL(n->store, token_get, hex, NULL, &role) < 0 &&
	    PX_STORE_CALL(n->store, session_get, hex, px_time_now_ms(), NULL,
	        &role) < 0) {
		snprintf(why, whylen, "unknown, revoked or expired token");
		return -1;
	}
	r = role_of(role);
	free(role);
	if (hd && r >= 0) {
		memcpy(hd->tok_hash, hex, sizeof(hex));
		hd->tok_role = r;
		hd->tok_until = px_time_now_ms() + 2000;
		hd->tok_revoked = rev;
	}
	return r;
}

int
px_app_token(struct px_app *a, const char *token, char **name, int *role)
{
	struct px_node *n = px_app_node(a);
	char hex[65], *nm = NULL, *rl = NULL;
	int rc;

	*name = NULL;
	if (n == NULL)
		return PX_ERR;
	if (token == NULL)
		return px_error_set(PX_ENOTFOUND, "no bearer token");
	px_app_token_hash(hex, token);
	if ((rc = PX_STORE_CALL(n->store, token_get, hex, &nm, &rl)) < 0 &&
	    (rc = PX_STORE_CALL(
	         n->store, session_get, hex, px_time_now_ms(), &nm, &rl)) < 0)
		goto out;
	if ((*role = role_of(rl)) < 0) {
		rc = px_error_set(
		    PX_ERR, "token %s has an unknown role '%s'", nm, rl);
		goto out;
	}
	*name = nm;
	nm = NULL;
out:
	free(nm);
	free(rl);
	return rc;
}

struct fp_find {
	const char *fp;
	char *name;
};

static int
match_fp(const struct px_peer_row *p, void *arg)
{
	struct fp_find *f = arg;

	if (strcmp(p->tls_fp, f->fp) == 0) {
		f->name = px_strdup(p->name);
		return 1;
	}
	return 0;
}

char *
px_app_peer_by_fp(struct px_app *a, const char *fp)
{
	struct px_node *n = px_app_node(a);
	struct fp_find f = { .fp = fp };

	if (n == NULL)
		return NULL;
	(void)PX_STORE_CALL(n->store, peer_list, match_fp, &f);
	return f.name;
}

char *
px_app_view_get(
    struct px_app *a, const char *id, int64_t stamp, int64_t now, char etag[80])
{
	struct handle *h;

	if (px_app_node(a) == NULL ||
	    (h = pthread_getspecific(handle_key)) == NULL)
		return NULL;
	for (int i = 0; i < VIEW_SLOTS; i++) {
		struct view *v = &h->views[i];

		if (v->text && strcmp(v->id, id) == 0) {
			if (v->stamp != stamp || now >= v->valid_until)
				return NULL;
			memcpy(etag, v->etag, 80);
			return px_strdup(v->text);
		}
	}
	return NULL;
}

void
px_app_view_put(struct px_app *a, const char *id, int64_t stamp,
    int64_t valid_until, const char *text, const char *etag)
{
	struct handle *h;
	struct view *v = NULL;

	if (px_app_node(a) == NULL ||
	    (h = pthread_getspecific(handle_key)) == NULL ||
	    strlen(id) >= PX_UUID_STRLEN)
		return;
	for (int i = 0; i < VIEW_SLOTS && v == NULL; i++)
		if (h->views[i].text && strcmp(h->views[i].id, id) == 0)
			v = &h->views[i];
	if (v == NULL)
		v = &h->views[h->next++ % VIEW_SLOTS];
	free(v->text);
	snprintf(v->id, sizeof(v->id), "%s", id);
	v->stamp = stamp;
	v->valid_until = valid_until;
	v->text = px_strdup(text);
	snprintf(v->etag, sizeof(v->etag), "%s", etag);
}

static size_t
row_hash(const char *id)
{
	size_t h = 5381;

	while (*id)
		h = h * 33 + (unsigned char)*id++;
	return h;
}

/* The slot holding `id`, or NULL; called with the lock held. */
static struct row *
row_find(struct px_rowcache *rc, const char *id)
{
	size_t h = row_hash(id);

	for (size_t k = 0; k < ROW_PROBE; k++) {
		struct row *r = &rc->v[(h + k) % ROW_SLOTS];

		if (r->text && strcmp(r->id, id) == 0)
			return r;
	}
	return NULL;
}

int
px_app_row_get(struct px_app *a, const char *id, int64_t stamp,
    int64_t peer_stamp, int64_t now, struct px_buf *out, bool *overdue)
{
	struct px_rowcache *rc = a->rows;
	struct row *r;
	int hit = 0;

	pthread_mutex_lock(&rc->mu);
	r = row_find(rc, id);
	if (r && r->stamp == stamp && r->peer_stamp == peer_stamp &&
	    r->gen == atomic_load(&a->gen) && now < r->valid_until &&
	    px_buf_adds(out, r->text) == 0) {
		*overdue = r->overdue;
		hit = 1;
	}
	pthread_mutex_unlock(&rc->mu);
	return hit;
}

void
px_app_row_put(struct px_app *a, const char *id, int64_t stamp,
    int64_t peer_stamp, int64_t valid_until, bool overdue, const char *text)
{
	struct px_rowcache *rc = a->rows;
	size_t h = row_hash(id);
	struct row *r;

	if (strlen(id) >= PX_UUID_STRLEN)
		return;
	pthread_mutex_lock(&rc->mu);
	if ((r = row_find(rc, id)) == NULL) {
		/* A free slot among the probed ones, else the first. */
		r = &rc->v[h % ROW_SLOTS];
		for (size_t k = 0; k < ROW_PROBE; k++)
			if (rc->v[(h + k) % ROW_SLOTS].text == NULL) {
				r = &rc->v[(h + k) % ROW_SLOTS];
				break;
			}
	}
	free(r->text);
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->stamp = stamp;
	r->peer_stamp = peer_stamp;
	r->valid_until = valid_until;
	r->gen = atomic_load(&a->gen);
	r->overdue = overdue;
	r->text = px_strdup(text);
	pthread_mutex_unlock(&rc->mu);
}
