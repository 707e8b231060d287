/*
 * The ingest pipeline (feeds.h): a file is read in windows, cut into
 * records, decoded into events (formats/), deduplicated against the
 * on-disk index (node/dedup.h), routed (model/routing.h) and stored, in
 * chunks of CHUNK records.
 *
 * A chunk is one durable transaction holding its new events (packs),
 * the duplicates it counted on earlier ones, its bad records and the
 * file's progress (bytes and lines consumed, counts).  So at any moment
 * the store says exactly how far the file was ingested, and ingesting
 * the same file again after a crash resumes there: nothing is lost,
 * nothing counted twice.
 *
 * Two threads: this one reads, decodes, deduplicates, routes and builds
 * the chunk; when it is full it is sealed (its events numbered, its keys
 * given to the index) and handed to the storing thread, which
 * compresses, stores and commits it while the next one fills.  The
 * index learns a chunk's keys before the chunk commits; it is marked
 * unclean while in use, so after a crash it is rebuilt from what the
 * store holds, and it is never closed clean while a chunk it learned
 * has not committed.
 *
 * Memory is bounded whatever the file's size: one window of input, 1 +
 * DEPTH chunks, caches of route explanations, groups and batches (which grow
 * with distinct values, not with rows), the routing table, and the
 * index's pages, which it hands back to the page cache.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/sign.h"
#include "model/canon.h"
#include "node/dedup.h"
#include "node/feeds.h"
#include "util/u64map.h"
#include "util/util.h"

#define CHUNK      65536      /* records per transaction */
#define DEPTH      2          /* chunks waiting for the storing thread */
#define WINDOW     (4u << 20) /* bytes read at a time */
#define HEAD_BYTES (1u << 20) /* hashed to recognise a file again */
#define BAD_KEPT   1000       /* bad records kept per file */
#define DAY_MS     INT64_C(86400000)
#define LOCK_WAIT  120000 /* ms to wait for another ingest */

/* A string interned with its store id (route explanations, groups). */
struct interned {
	char *s;
	int64_t id;
};

struct strcache {
	struct px_u64map map;
	struct interned *v;
	size_t n, cap;
};

/* A key this chunk saw: a new event (fresh), or duplicates of an event
 * of an earlier chunk (its id known). */
struct pending {
	uint64_t key;
	int64_t id, bday;
	int64_t first, last, delta; /* duplicates counted */
	size_t pack, at;            /* fresh: its pack and entry */
	uint32_t idoff;
	bool fresh;
};

/* A route explanation, group or batch new to the reading thread: it
 * numbers them itself (-1, -2, ...), so that it never waits for the
 * store; the storing thread finds or adds each and maps the numbers to
 * the store's ids (struct ids) before storing the chunk. */
struct newid {
	int64_t prov;
	char *text;         /* route: its JSON; group: "peer\nasn\ntype\nid" */
	int64_t grp;        /* batch: its group (a provisional number) */
	int64_t start, end; /* batch: its interval */
	int64_t now;        /* group: when made */
};

/* Provisional number -> store id, one table per kind. */
struct ids {
	int64_t *v;
	size_t n, cap;
};

/* A chunk: built by the reading thread, stored by the storing one. */
struct work {
	struct px_feed_chunk c;
	struct newid *nid[3]; /* routes, groups, batches */
	size_t nnid[3], capnid[3];
	size_t cappacks, capdups, capbad;
	struct px_feed_file_row row; /* the file's progress with it */
	int rc;
	char *err;
};

struct batch {
	int64_t grp, start, id;
};

/* A routing decision, as a key for the ids of their explanations: the
 * JSON is built once per distinct decision, not per event. */
struct rkey {
	int status, by, party, other, file, ovr;
	unsigned line;
	uint32_t asn;
	struct px_addr net;
	uint8_t len, dst, own;
	char cc[3];
	const char *reason;
};

struct rcache {
	struct px_u64map map;
	struct rkey *k;
	int64_t *id;
	size_t n, cap;
};

struct run {
	struct px_node *n;
	const struct px_ingest_opts *o;
	struct px_feed_cfg cfg;
	struct px_rtable *t;
	struct px_dedup *dd;
	struct px_decoder dec;
	struct px_event *ev;
	struct px_feed_file_row row;
	struct strcache routes, groups;
	struct rcache decisions;
	struct px_u64map keys; /* this chunk: key -> pending index */
	struct pending *pend;
	size_t npend, cappend;
	struct px_u64map bmap; /* (grp, start, end) -> batch index */
	struct batch *batches;
	size_t nbatch, capbatch;
	struct px_u64map gmap; /* batch or status -> index in gopen */
	size_t *gopen;         /* the open pack in cur of each */
	size_t ngopen, capgopen;
	struct px_buf json, route;
	int64_t now, next_id;
	int64_t nprov[3];          /* provisional numbers given, by kind */
	struct ids real[3];        /* the storing thread's: their store ids */
	struct px_feed_zctx *zctx; /* the storing thread's */
	size_t in_chunk;
	bool open; /* a chunk is being built */
	/* The pipeline: `cur` is being built; ring[settled .. handed - 1]
	 * were handed to the storing thread (at most DEPTH, so a slow
	 * commit does not stop the reading at once), which stored those
	 * below `stored`; after a failure it stores none. */
	struct work *cur, *ring[DEPTH];
	uint64_t handed, stored, settled;
	pthread_t thread;
	pthread_mutex_t mu; /* ring, handed, stored, failed, quit */
	pthread_cond_t cv;
	bool threaded, failed, quit, mu_init;
};

static void
strcache_dispose(struct strcache *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].s);
	free(c->v);
	px_u64map_dispose(&c->map);
}

enum { K_ROUTE, K_GROUP, K_BATCH };

/* A provisional number for a new route, group or batch of the chunk
 * being built. */
static struct newid *
newid(struct run *r, int kind)
{
	struct work *w = r->cur;
	struct newid *v;

	if (w->nnid[kind] == w->capnid[kind]) {
		w->capnid[kind] = w->capnid[kind] ? w->capnid[kind] * 2 : 64;
		w->nid[kind] = px_realloc(
		    w->nid[kind], w->capnid[kind] * sizeof(*w->nid[kind]));
	}
	v = &w->nid[kind][w->nnid[kind]++];
	memset(v, 0, sizeof(*v));
	v->prov = -++r->nprov[kind];
	return v;
}

/* The number of `s` in cache `c` (of routes or groups), a new
 * provisional one if it is new. */
static int64_t
intern(struct run *r, struct strcache *c, const char *s, size_t n, int kind)
{
	uint64_t h = px_hash64(s, n, 7);
	size_t probe = 0;
	int64_t i;
	struct newid *v;

	while ((i = px_u64map_get(&c->map, h, &probe)) >= 0)
		if (strlen(c->v[i].s) == n && memcmp(c->v[i].s, s, n) == 0)
			return c->v[i].id;
	v = newid(r, kind);
	v->text = px_strndup(s, n);
	v->now = r->now;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->v = px_realloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n].s = px_strndup(s, n);
	c->v[c->n].id = v->prov;
	px_u64map_put(&c->map, h, (uint32_t)c->n);
	c->n++;
	return v->prov;
}

static void
rkey_of(struct rkey *k, const struct px_rt_result *rt)
{
	memset(k, 0, sizeof(*k));
	k->status = rt->status;
	k->by = rt->by;
	k->party = rt->party;
	k->other = rt->other;
	k->file = rt->file;
	k->ovr = rt->ovr;
	k->line = rt->line;
	k->asn = rt->asn;
	k->net = rt->net;
	k->len = rt->len;
	k->dst = rt->dst;
	k->own = rt->own;
	k->cc[0] = rt->cc[0];
	k->cc[1] = rt->cc[1];
	k->reason = rt->reason;
}

/* The number of the explanation of a decision. */
static int
route_id(struct run *r, const struct px_rt_result *rt, int64_t *id)
{
	struct rcache *c = &r->decisions;
	struct rkey k;
	uint64_t h;
	size_t probe = 0;
	int64_t i;

	rkey_of(&k, rt);
	h = px_hash64(&k, sizeof(k), 11);
	while ((i = px_u64map_get(&c->map, h, &probe)) >= 0)
		if (memcmp(&c->k[i], &k, sizeof(k)) == 0) {
			*id = c->id[i];
			return 0;
		}
	px_buf_reset(&r->route);
	px_route_json(&r->route, r->t, rt);
	*id = intern(r, &r->routes, r->route.data, r->route.len, K_ROUTE);
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->k = px_realloc(c->k, c->cap * sizeof(*c->k));
		c->id = px_realloc(c->id, c->cap * sizeof(*c->id));
	}
	c->k[c->n] = k;
	c->id[c->n] = *id;
	px_u64map_put(&c->map, h, (uint32_t)c->n);
	c->n++;
	return 0;
}

/* The store id of a provisional number of `kind`. */
static int64_t
real_id(const struct run *r, int kind, int64_t v)
{
	return v < 0 ? r->real[kind].v[-v - 1] : v;
}

/* Finds or adds, in the store, the routes, groups and batches new in
 * chunk `w` (the storing thread, inside the chunk's transaction). */
static int
resolve(struct run *r, struct work *w)
{
	struct px_store *st = r->n->store;
	int rc = 0;

	for (int k = 0; k < 3; k++)
		for (size_t i = 0; rc == 0 && i < w->nnid[k]; i++) {
			struct newid *v = &w->nid[k][i];
			struct ids *t = &r->real[k];
			int64_t id = 0;

			if (k == K_ROUTE) {
				rc = PX_STORE_CALL(
				    st, feed_route_id, v->text, &id);
			} else if (k == K_GROUP) {
				/* "peer\nasn\ntype\nidentifier" */
				char *f[4], *p = v->text;

				for (int j = 0; j < 4; j++) {
					f[j] = p;
					p = strchr(p, '\n');
					if (p)
						*p++ = '\0';
				}
				rc = PX_STORE_CALL(st, feed_group_id, f[0],
				    strtoll(f[1], NULL, 10),
				    (int)strtol(f[2], NULL, 10), f[3], v->now,
				    &id);
			} else {
				rc = PX_STORE_CALL(st, feed_batch_id,
				    real_id(r, K_GROUP, v->grp), v->start,
				    v->end, &id);
			}
			if (rc < 0)
				break;
			if ((size_t)(-v->prov) > t->cap) {
				t->cap = t->cap ? t->cap * 2 : 256;
				while (t->cap < (size_t)(-v->prov))
					t->cap *= 2;
				t->v = px_realloc(t->v, t->cap * sizeof(*t->v));
			}
			t->v[-v->prov - 1] = id;
			t->n = (size_t)(-v->prov);
		}
	for (size_t i = 0; rc == 0 && i < w->c.npacks; i++) {
		struct px_feed_pack_in *p = &w->c.packs[i];

		p->batch = real_id(r, K_BATCH, p->batch);
		px_feed_entry_routes(p, r->real[K_ROUTE].v, r->real[K_ROUTE].n);
	}
	return rc;
}

static size_t
batch_of(struct run *r, int64_t grp, int64_t start, int64_t end)
{
	uint64_t h;
	int64_t v[3] = { grp, start, end };
	size_t probe = 0;
	int64_t i;
	struct newid *b;

	h = px_hash64(v, sizeof(v), 3);
	while ((i = px_u64map_get(&r->bmap, h, &probe)) >= 0)
		if (r->batches[i].grp == grp && r->batches[i].start == start)
			return (size_t)i;
	if (r->nbatch == r->capbatch) {
		r->capbatch = r->capbatch ? r->capbatch * 2 : 256;
		r->batches =
		    px_realloc(r->batches, r->capbatch * sizeof(*r->batches));
	}
	b = newid(r, K_BATCH);
	b->grp = grp;
	b->start = start;
	b->end = end;
	r->batches[r->nbatch].grp = grp;
	r->batches[r->nbatch].start = start;
	r->batches[r->nbatch].id = b->prov;
	px_u64map_put(&r->bmap, h, (uint32_t)r->nbatch);
	return r->nbatch++;
}

static struct pending *
pend_new(struct run *r, uint64_t key)
{
	struct pending *p;

	if (r->npend == r->cappend) {
		r->cappend = r->cappend ? r->cappend * 2 : 4096;
		r->pend = px_realloc(r->pend, r->cappend * sizeof(*r->pend));
	}
	p = &r->pend[r->npend];
	memset(p, 0, sizeof(*p));
	p->key = key;
	px_u64map_put(&r->keys, key, (uint32_t)r->npend);
	r->npend++;
	return p;
}

/* The index of `key` in map `m` over records whose key `keyof` gives,
 * or -1. */
#define FIND_KEY(m, recs, key, out)                                    \
	do {                                                           \
		size_t probe_ = 0;                                     \
		int64_t i_;                                            \
		(out) = -1;                                            \
		while ((i_ = px_u64map_get((m), (key), &probe_)) >= 0) \
			if ((recs)[i_].key == (key)) {                 \
				(out) = i_;                            \
				break;                                 \
			}                                              \
	} while (0)

static struct work *
work_new(void)
{
	return px_calloc(1, sizeof(struct work));
}

static void
work_free(struct work *w)
{
	if (w == NULL)
		return;
	for (size_t i = 0; i < w->c.npacks; i++)
		px_feed_pack_in_dispose(&w->c.packs[i]);
	free(w->c.packs);
	free(w->c.dups);
	for (size_t i = 0; i < w->c.nbad; i++)
		free(w->c.bad[i].reason);
	free(w->c.bad);
	for (int k = 0; k < 3; k++) {
		for (size_t i = 0; i < w->nnid[k]; i++)
			free(w->nid[k][i].text);
		free(w->nid[k]);
	}
	free(w->err);
	free(w);
}

/* Stores chunk `w` (the storing thread, or the reading one when there
 * is no thread): compressed outside the lock, then one transaction
 * with the file's progress. */
static void
store_work(struct run *r, struct work *w)
{
	struct px_store *st = r->n->store;
	int rc;

	if ((rc = PX_STORE_CALL0(st, begin)) < 0)
		goto out;
	if ((rc = resolve(r, w)) < 0)
		goto fail;
	for (size_t i = 0; rc == 0 && i < w->c.npacks; i++)
		rc = px_feed_pack_compress(&w->c.packs[i], r->zctx);
	if (rc == 0)
		rc = PX_STORE_CALL(st, feed_chunk_put, &w->c);
	if (rc == 0)
		rc = PX_STORE_CALL(st, feed_file_put, &w->row);
	if (rc == 0)
		rc = PX_STORE_CALL0(st, commit);
	if (rc == 0)
		goto out;
fail:
	PX_STORE_CALL0(st, rollback);
out:
	w->rc = rc;
	if (rc < 0)
		w->err = px_strdup(px_error_last());
	/* The bodies are not needed any more: only the keys are. */
	for (size_t i = 0; i < w->c.npacks; i++)
		px_feed_pack_in_dispose(&w->c.packs[i]);
	w->c.npacks = 0;
}

static void *
store_thread(void *arg)
{
	struct run *r = arg;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		struct work *w;

		while (r->stored == r->handed && !r->quit)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->stored == r->handed)
			break;
		w = r->ring[r->stored % DEPTH];
		if (r->failed) {
			/* Never a chunk after one that did not commit: the
			 * file's progress would skip it. */
			w->rc = PX_ERR;
			w->err = px_strdup("an earlier chunk was not stored");
		} else {
			pthread_mutex_unlock(&r->mu);
			store_work(r, w);
			pthread_mutex_lock(&r->mu);
			r->failed = w->rc < 0;
		}
		r->stored++;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* Waits for the oldest chunk handed over; once it committed, the caller
 * hears of the progress. */
static int
settle_one(struct run *r)
{
	struct work *w;
	int rc;

	if (r->settled == r->handed)
		return 0;
	if (r->threaded) {
		pthread_mutex_lock(&r->mu);
		while (r->stored == r->settled)
			pthread_cond_wait(&r->cv, &r->mu);
		pthread_mutex_unlock(&r->mu);
	}
	w = r->ring[r->settled % DEPTH];
	r->ring[r->settled % DEPTH] = NULL;
	r->settled++;
	if (w->rc < 0) {
		rc = px_error_set(w->rc, "%s", w->err ? w->err : "");
		work_free(w);
		return rc;
	}
	px_dedup_trim(r->dd);
	if (r->o->progress)
		r->o->progress(&w->row, r->o->arg);
	work_free(w);
	return 0;
}

/* Waits for every chunk handed over. */
static int
settle_all(struct run *r)
{
	int rc = 0;

	while (rc == 0 && r->settled < r->handed)
		rc = settle_one(r);
	return rc;
}

static int
chunk_begin(struct run *r)
{
	if (r->open)
		return 0;
	if (r->cur == NULL)
		r->cur = work_new();
	r->open = true;
	r->in_chunk = 0;
	r->now = px_time_now_ms();
	return 0;
}

static int
by_id(const void *a, const void *b)
{
	const struct px_feed_dup_in *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Seals the chunk being built (numbers its events, pack by pack, and
 * folds the duplicates it found of its own events into their entries),
 * waits for the one before, and hands it to the storing thread. */
static int
chunk_commit(struct run *r)
{
	struct work *w = r->cur;
	int rc = 0;

	if (!r->open)
		return 0;
	for (size_t i = 0; i < w->c.npacks; i++) {
		w->c.packs[i].first = r->next_id;
		r->next_id += w->c.packs[i].n;
	}
	for (size_t i = 0; i < r->npend; i++) {
		struct pending *p = &r->pend[i];

		if (p->fresh) {
			struct px_feed_pack_in *pk = &w->c.packs[p->pack];

			p->id = pk->first + p->idoff;
			if (p->delta)
				px_feed_entry_seen(
				    pk, p->at, p->first, p->last, 1 + p->delta);
			/* The index learns the key now, before the chunk
			 * commits: it is marked unclean while in use, so if
			 * the chunk never commits (a crash, a failure) it is
			 * rebuilt from what the store holds. */
			if ((rc = px_dedup_add(r->dd, p->key, p->id, p->bday)) <
			    0)
				break;
		} else if (p->delta) {
			if (w->c.ndups == w->capdups) {
				w->capdups = w->capdups ? w->capdups * 2 : 4096;
				w->c.dups = px_realloc(
				    w->c.dups, w->capdups * sizeof(*w->c.dups));
			}
			w->c.dups[w->c.ndups++] =
			    (struct px_feed_dup_in){ p->id, p->first, p->last,
				    p->delta };
		}
	}
	if (rc < 0) {
		work_free(w);
		r->cur = NULL;
		r->open = false;
		return rc;
	}
	/* In id order: the updates of duplicate counts touch neighbouring
	 * rows. */
	if (w->c.ndups > 1)
		qsort(w->c.dups, w->c.ndups, sizeof(*w->c.dups), by_id);
	w->c.file = r->row.id;
	w->c.routed_ms = r->now;
	r->row.updated_ms = px_time_now_ms();
	w->row = r->row; /* its strings stay r->row's, unchanged meanwhile */
	r->npend = 0;
	px_u64map_clear(&r->keys);
	px_u64map_clear(&r->gmap);
	r->ngopen = 0;
	r->open = false;
	r->cur = NULL;
	if (r->handed - r->settled == DEPTH && (rc = settle_one(r)) < 0) {
		work_free(w);
		return rc;
	}
	pthread_mutex_lock(&r->mu);
	r->ring[r->handed % DEPTH] = w;
	r->handed++;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	if (!r->threaded) {
		store_work(r, w);
		r->stored++;
		return settle_one(r);
	}
	return 0;
}

static int
bad_record(struct run *r, int64_t line, const char *why)
{
	struct work *w = r->cur;

	r->row.bad++;
	if (r->row.bad > BAD_KEPT)
		return 0;
	if (w->c.nbad == w->capbad) {
		w->capbad = w->capbad ? w->capbad * 2 : 64;
		w->c.bad = px_realloc(w->c.bad, w->capbad * sizeof(*w->c.bad));
	}
	w->c.bad[w->c.nbad].line = line;
	w->c.bad[w->c.nbad].reason = px_strdup(why);
	w->c.nbad++;
	return 0;
}

/* The pack of the chunk being built that takes the next event of
 * `batch` (or, with none, of `status`); a full one is followed by a
 * new one. */
static size_t
pack_for(struct run *r, int64_t batch, int status)
{
	struct work *w = r->cur;
	uint64_t k = batch ? (uint64_t)batch << 3 : (uint64_t)status + 1;
	int64_t g = px_u64map_get(&r->gmap, k, NULL);

	if (g >= 0 && w->c.packs[r->gopen[g]].n < PX_FEED_PACK_MAX)
		return r->gopen[g];
	if (w->c.npacks == w->cappacks) {
		w->cappacks = w->cappacks ? w->cappacks * 2 : 256;
		w->c.packs =
		    px_realloc(w->c.packs, w->cappacks * sizeof(*w->c.packs));
	}
	memset(&w->c.packs[w->c.npacks], 0, sizeof(*w->c.packs));
	w->c.packs[w->c.npacks].batch = batch;
	w->c.packs[w->c.npacks].status = status;
	if (g < 0) {
		if (r->ngopen == r->capgopen) {
			r->capgopen = r->capgopen ? r->capgopen * 2 : 256;
			r->gopen = px_realloc(
			    r->gopen, r->capgopen * sizeof(*r->gopen));
		}
		g = (int64_t)r->ngopen++;
		px_u64map_put(&r->gmap, k, (uint32_t)g);
	}
	r->gopen[g] = w->c.npacks;
	return w->c.npacks++;
}

/* One decoded event: deduplicate, route, add to its pack. */
static int
event(struct run *r, int64_t line)
{
	const struct px_event *e = r->ev;
	uint64_t key = px_event_dedup_key(e);
	int64_t t = px_event_time(e), id, len, pi, batch = 0;
	int64_t bday =
	    (px_event_bucket(e) + px_ev_types[e->type].bucket_days * DAY_MS) /
	    DAY_MS;
	struct px_rt_result rt;
	struct px_feed_event_row ev = { 0 };
	struct px_feed_pack_in *pk;
	struct pending *p;
	char host[PX_EV_MAX_URL + 1];
	const struct px_ev_end *side;
	size_t pki;
	int rc;

	/* A duplicate of an event of this chunk, or of an earlier one
	 * (the index knows the keys of every sealed chunk). */
	FIND_KEY(&r->keys, r->pend, key, pi);
	if (pi < 0) {
		if (px_dedup_find(r->dd, key, &id)) {
			p = pend_new(r, key);
			p->id = id;
			pi = (int64_t)(r->npend - 1);
		}
	}
	if (pi >= 0) {
		p = &r->pend[pi];
		/* A fresh event's first and last start at its own time. */
		if ((p->delta == 0 && !p->fresh) || t < p->first)
			p->first = t;
		if ((p->delta == 0 && !p->fresh) || t > p->last)
			p->last = t;
		p->delta++;
		r->row.duplicates++;
		return 0;
	}
	px_route_event(&rt, r->t, e, r->now);
	if ((rc = route_id(r, &rt, &ev.route)) < 0)
		return rc;
	side = px_event_side(e, r->cfg.dst_types, NULL);
	ev.asn = side->asn;
	if (side->ip.fam) {
		px_addr_format(host, &side->ip);
		ev.host = host;
	} else {
		ev.host = (char *)(side->fqdn ? side->fqdn : side->url);
	}
	if (rt.status == PX_RT_ROUTED) {
		char gk[600];
		int64_t grp, start;
		size_t bi;
		int k;

		k = snprintf(gk, sizeof(gk), "%s\n%lld\n%d\n%s",
		    px_rtable_party_name(r->t, rt.party),
		    (long long)(side->asn > 0 ? side->asn : 0), e->type,
		    e->identifier ? e->identifier : "");
		grp = intern(r, &r->groups, gk, (size_t)k, K_GROUP);
		len = e->severity == PX_SEV_CRITICAL ? r->cfg.critical_ms
		                                     : r->cfg.interval_ms;
		start = px_feed_interval(&r->cfg, r->now, len);
		bi = batch_of(r, grp, start, start + len);
		batch = r->batches[bi].id;
	}
	px_buf_reset(&r->json);
	if ((rc = px_event_json(&r->json, e)) < 0)
		return rc;
	ev.line = line;
	ev.type = e->type;
	ev.severity = e->severity;
	ev.seen_first = ev.seen_last = t;
	ev.count = 1;
	ev.key = (int64_t)key;
	ev.bday = bday;
	ev.event = r->json.data;
	ev.event_len = r->json.len;
	pki = pack_for(r, batch, rt.status);
	p = pend_new(r, key);
	pk = &r->cur->c.packs[pki];
	p->fresh = true;
	p->pack = pki;
	p->idoff = (uint32_t)pk->n;
	p->bday = bday;
	p->first = p->last = t;
	px_feed_entry_put(pk, (uint32_t)pk->n, &ev, &p->at);
	pk->n++;
	r->row.events++;
	switch (rt.status) {
	case PX_RT_ROUTED:
		r->row.routed++;
		break;
	case PX_RT_OWN:
		r->row.own++;
		break;
	case PX_RT_UNROUTABLE:
		r->row.unroutable++;
		break;
	case PX_RT_DISPUTED:
		r->row.disputed++;
		break;
	default:
		r->row.withheld++;
		break;
	}
	return 0;
}

/* Decodes and handles one record; PX_ECONFLICT stops the file. */
static int
record(struct run *r, const char *rec, size_t n, int64_t line)
{
	int rc;

	if ((rc = chunk_begin(r)) < 0)
		return rc;
	rc = px_decoder_record(&r->dec, rec, n, r->ev);
	if (rc == 1)
		return 0;
	if (rc == PX_ECONFLICT)
		return rc;
	r->row.records++;
	r->in_chunk++;
	if (rc < 0) {
		char *why = px_asprintf("%s", px_error_last());

		rc = bad_record(r, line, why);
		free(why);
		return rc;
	}
	return event(r, line);
}

/* Starts the storing thread (or, if it cannot start, the chunks are
 * stored by the reading thread). */
static void
pipeline_start(struct run *r)
{
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->mu_init = true;
	r->zctx = px_feed_zctx_new();
	r->threaded = pthread_create(&r->thread, NULL, store_thread, r) == 0;
}

/* Stops the storing thread once it has stored what it holds. */
static void
pipeline_stop(struct run *r)
{
	if (!r->threaded)
		return;
	pthread_mutex_lock(&r->mu);
	while (r->stored < r->handed)
		pthread_cond_wait(&r->cv, &r->mu);
	r->quit = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	r->threaded = false;
}

/* The identity of a file: its size and the SHA-256 of its head. */
static int
identity(char **out, int fd, int64_t size, const char *name)
{
	size_t n = size < HEAD_BYTES ? (size_t)size : HEAD_BYTES;
	char *head = px_malloc(n + 1), hex[65];
	uint8_t h[32];
	ssize_t got = n ? pread(fd, head, n, 0) : 0;

	if (got < 0 || (size_t)got != n) {
		free(head);
		return px_error_set(
		    PX_ERR, "cannot read %s: %s", name, strerror(errno));
	}
	px_sha256(h, head, n);
	px_hex_encode(hex, h, sizeof(h));
	*out = px_asprintf("%lld:%s", (long long)size, hex);
	free(head);
	return 0;
}

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* Reads the header record from the start of the file again (a resumed
 * CSV ingest starts past it). */
static int
reread_header(struct run *r, int fd)
{
	char *buf = px_malloc(PX_CSV_MAX_RECORD);
	ssize_t got = pread(fd, buf, PX_CSV_MAX_RECORD, 0);
	unsigned lines;
	size_t k;
	int rc = 0;

	if (got > 0 &&
	    (k = px_decoder_record_end(
	         &r->dec, buf, (size_t)got, false, &lines)) > 0) {
		rc = px_decoder_record(&r->dec, buf, k, r->ev);
		rc = rc == PX_ECONFLICT ? rc : 0;
	}
	free(buf);
	return rc;
}

static int
open_row(struct run *r, const char *name, const char *ident, int64_t size,
    const char *fmt)
{
	struct px_feed_file_row old = { 0 };
	int rc = PX_STORE_CALL(r->n->store, feed_file_find, ident, &old);

	if (rc < 0 && rc != PX_ENOTFOUND)
		return rc;
	if (rc == 0 && strcmp(old.state, "running") == 0) {
		/* A previous ingest stopped: go on from where it
		 * committed. */
		r->row = old;
		return 0;
	}
	if (rc == 0 && strcmp(old.state, "done") == 0 && !r->o->again) {
		char when[PX_TIME_STRLEN];

		px_time_format(when, old.finished_ms);
		rc = px_error_set(PX_ECONFLICT,
		    "%s was ingested already (input file %lld, %s: %lld events, "
		    "%lld duplicates); give --again to ingest it again (its "
		    "events then count as duplicates)",
		    name, (long long)old.id, when, (long long)old.events,
		    (long long)old.duplicates);
		px_feed_file_row_dispose(&old);
		return rc;
	}
	px_feed_file_row_dispose(&old);
	memset(&r->row, 0, sizeof(r->row));
	r->row.name = px_strdup(name);
	r->row.path = px_strdup(r->o->path);
	r->row.source = px_strdup(r->o->source ? r->o->source : "cli");
	r->row.format = px_strdup(fmt);
	r->row.feed = px_strdup(r->dec.feed);
	r->row.ident = px_strdup(ident);
	r->row.state = px_strdup("running");
	r->row.size = size;
	r->row.started_ms = r->row.updated_ms = px_time_now_ms();
	r->row.finished_ms = -1;
	return PX_STORE_CALL(r->n->store, feed_file_put, &r->row);
}

static void
run_dispose(struct run *r)
{
	pipeline_stop(r);
	work_free(r->cur);
	while (r->settled < r->handed) {
		work_free(r->ring[r->settled % DEPTH]);
		r->settled++;
	}
	for (int k = 0; k < 3; k++)
		free(r->real[k].v);
	if (r->zctx)
		px_feed_zctx_free(r->zctx);
	if (r->mu_init) {
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->cv);
	}
	px_dedup_abandon(r->dd);
	px_rtable_free(r->t);
	px_decoder_dispose(&r->dec);
	px_feed_cfg_dispose(&r->cfg);
	free(r->ev);
	strcache_dispose(&r->routes);
	strcache_dispose(&r->groups);
	px_u64map_dispose(&r->decisions.map);
	free(r->decisions.k);
	free(r->decisions.id);
	px_u64map_dispose(&r->keys);
	px_u64map_dispose(&r->bmap);
	px_u64map_dispose(&r->gmap);
	free(r->gopen);
	free(r->pend);
	free(r->batches);
	px_buf_dispose(&r->json);
	px_buf_dispose(&r->route);
	px_feed_file_row_dispose(&r->row);
}

static int
finish_row(struct run *r, const char *state, const char *error)
{
	int rc;

	free(r->row.state);
	r->row.state = px_strdup(state);
	free(r->row.error);
	r->row.error = px_strdup(error);
	r->row.finished_ms = r->row.updated_ms = px_time_now_ms();
	if ((rc = PX_STORE_CALL(r->n->store, feed_file_put, &r->row)) < 0)
		return rc;
	return 0;
}

int
px_feed_ingest(struct px_node *n, const struct px_ingest_opts *o,
    struct px_feed_file_row *out)
{
	struct run r;
	const char *name = o->name ? o->name : base_name(o->path);
	char *ident = NULL, *idx = NULL, *buf = NULL, *err = NULL;
	int fd = -1, lockfd = -1, rc, fmt = o->fmt;
	struct stat sb;
	size_t have = 0, cap = WINDOW;
	int64_t line, offset;
	bool eof = false, rebuilt;

	memset(&r, 0, sizeof(r));
	r.n = n;
	r.o = o;
	r.ev = px_malloc(sizeof(*r.ev));
	px_buf_init(&r.json, PX_BUF_NOCAP);
	px_buf_init(&r.route, PX_BUF_NOCAP);
	if ((rc = px_feed_cfg_load(&r.cfg, n)) < 0)
		goto out;
	/* The lock first: another ingest of the same file may be under
	 * way, and its row must be read after it finished. */
	if ((rc = px_feed_lock(n, LOCK_WAIT, &lockfd)) < 0)
		goto out;
	if ((fd = open(o->path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = px_error_set(errno == ENOENT ? PX_ENOTFOUND : PX_ERR,
		    "cannot open %s: %s", o->path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		rc = px_error_set(
		    PX_EINVAL, "%s is not a regular file", o->path);
		goto out;
	}
	if ((uint64_t)sb.st_size > PX_FEED_FILE_MAX) {
		rc = px_error_set(PX_EINVAL,
		    "%s is %lld bytes; a feed file may be at most %zu (split "
		    "it)",
		    name, (long long)sb.st_size, PX_FEED_FILE_MAX);
		goto out;
	}
	if ((rc = identity(&ident, fd, sb.st_size, name)) < 0)
		goto out;
	buf = px_malloc(cap + 1);
	if (fmt < 0) {
		ssize_t got = pread(fd, buf, 4096, 0);
		enum px_fmt f;

		if ((rc = px_fmt_guess(
		         &f, name, buf, got > 0 ? (size_t)got : 0)) < 0)
			goto out;
		fmt = (int)f;
	}
	if ((rc = px_decoder_open(&r.dec, (enum px_fmt)fmt, name, o->mapping,
	         o->mlen, o->feed, o->provider,
	         o->tlp >= 0 ? o->tlp : r.cfg.tlp)) < 0)
		goto out;
	if ((rc = open_row(&r, name, ident, sb.st_size, px_fmt_names[fmt])) < 0)
		goto out;
	if ((rc = px_node_rtable(&r.t, n, &r.cfg)) < 0)
		goto out;
	idx = px_asprintf("%s/feeds/dedup.idx", n->dir);
	if ((rc = px_dedup_open(&r.dd, idx, n->store, px_time_now_ms() / DAY_MS,
	         LOCK_WAIT, &rebuilt)) < 0)
		goto out;
	if ((rc = PX_STORE_CALL(n->store, feed_tune, true)) < 0 ||
	    (rc = PX_STORE_CALL(n->store, feed_event_next, &r.next_id)) < 0)
		goto out;
	pipeline_start(&r);
	offset = r.row.offset;
	line = r.row.line;
	if (offset > 0 && fmt != PX_FMT_INTELMQ && fmt != PX_FMT_XARF &&
	    (rc = reread_header(&r, fd)) < 0)
		goto failed;
	if (lseek(fd, offset, SEEK_SET) < 0) {
		rc = px_error_set(
		    PX_ERR, "cannot seek in %s: %s", o->path, strerror(errno));
		goto out;
	}
	for (;;) {
		size_t at = 0;

		if (!eof && have < cap) {
			ssize_t got = read(fd, buf + have, cap - have);

			if (got < 0) {
				rc = px_error_set(PX_ERR, "cannot read %s: %s",
				    o->path, strerror(errno));
				goto out;
			}
			if (got == 0)
				eof = true;
			have += (size_t)got;
		}
		while (at < have) {
			unsigned lines;
			size_t k = px_decoder_record_end(
			    &r.dec, buf + at, have - at, eof, &lines);

			if (k == 0)
				break;
			rc = record(&r, buf + at, k, line + 1);
			if (rc == PX_ECONFLICT)
				goto failed;
			if (rc < 0)
				goto out;
			at += k;
			line += lines;
			offset += (int64_t)k;
			r.row.offset = offset;
			r.row.line = line;
			if (r.in_chunk >= CHUNK && (rc = chunk_commit(&r)) < 0)
				goto out;
		}
		memmove(buf, buf + at, have - at);
		have -= at;
		if (eof && have == 0)
			break;
		if (at == 0 && have == cap) {
			/* One record longer than the window: grow it, up
			 * to the record limit, then it is a bad record. */
			if (cap >= PX_CSV_MAX_RECORD + WINDOW) {
				rc = px_error_set(PX_EINVAL,
				    "%s line %lld: a record longer than %d "
				    "bytes (an unclosed quote?); the rest of "
				    "the file cannot be read",
				    name, (long long)line + 1,
				    PX_CSV_MAX_RECORD);
				goto failed;
			}
			cap *= 2;
			buf = px_realloc(buf, cap + 1);
		}
	}
	if ((rc = chunk_commit(&r)) < 0 || (rc = settle_all(&r)) < 0)
		goto out;
	pipeline_stop(&r);
	if ((rc = finish_row(&r, "done", NULL)) < 0)
		goto out;
	goto done;
failed:
	/* The file cannot be read on (a header the format cannot use):
	 * what was committed stays (the index learns the keys of the chunk
	 * being stored), and the row says why. */
	err = px_strdup(px_error_last());
	work_free(r.cur);
	r.cur = NULL;
	r.open = false;
	if ((rc = settle_all(&r)) < 0)
		goto out;
	pipeline_stop(&r);
	if (finish_row(&r, "failed", err) == 0)
		rc = px_error_set(PX_EINVAL, "%s", err);
done:
	if (r.dd) {
		int crc = px_dedup_close(r.dd);

		r.dd = NULL;
		if (rc == 0)
			rc = crc;
	}
	(void)PX_STORE_CALL(n->store, feed_tune, false);
	if (out && r.row.id) {
		*out = r.row;
		memset(&r.row, 0, sizeof(r.row));
	}
out:
	run_dispose(&r);
	px_feed_unlock(lockfd);
	if (fd >= 0)
		close(fd);
	free(ident);
	free(idx);
	free(buf);
	free(err);
	return rc;
}

/* --- the lock ------------------------------------------------------- */

int
px_feed_lock(struct px_node *n, int64_t wait_ms, int *fd_out)
{
	char *dir = px_asprintf("%s/feeds", n->dir);
	char *path = px_asprintf("%s/feeds/lock", n->dir);
	int fd = -1, rc;
	int64_t waited = 0;

	if ((rc = px_mkdir_p(dir, 0700)) < 0)
		goto out;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		rc = px_error_set(
		    PX_ERR, "cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK || waited >= wait_ms) {
			rc = errno != EWOULDBLOCK
			    ? px_error_set(PX_ERR, "cannot lock %s: %s", path,
			          strerror(errno))
			    : px_error_set(PX_ECONFLICT,
			          "another ingest or flush is running on this "
			          "node; try again when it has finished");
			close(fd);
			fd = -1;
			goto out;
		}
		usleep(50000);
		waited += 50;
	}
	*fd_out = fd;
	rc = 0;
out:
	free(dir);
	free(path);
	return rc;
}

void
px_feed_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* --- the spool ------------------------------------------------------ */

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Moves `name` from the spool to spool/<sub>/, with a .why file beside
 * it when `why` is given. */
static void
settle(const char *spool, const char *name, const char *sub, const char *why)
{
	char *dir = px_asprintf("%s/%s", spool, sub);
	char *from = px_asprintf("%s/%s", spool, name);
	char *to = px_asprintf("%s/%s", dir, name);

	if (px_mkdir_p(dir, 0700) == 0 && rename(from, to) == 0 && why) {
		char *w = px_asprintf("%s.why", to);

		if (px_file_write(w, why, strlen(why), 0600) < 0)
			fprintf(stderr, "parley: %s\n", px_error_last());
		free(w);
	}
	free(dir);
	free(from);
	free(to);
}

int
px_feed_spool(struct px_node *n, size_t *count)
{
	struct px_feed_cfg cfg;
	DIR *d = NULL;
	struct dirent *de;
	char **names = NULL;
	size_t nn = 0;
	int rc;

	*count = 0;
	if ((rc = px_feed_cfg_load(&cfg, n)) < 0)
		return rc;
	if ((rc = px_mkdir_p(cfg.spool, 0700)) < 0)
		goto out;
	if ((d = opendir(cfg.spool)) == NULL) {
		rc = px_error_set(PX_ERR, "cannot read the spool %s: %s",
		    cfg.spool, strerror(errno));
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		char *p;
		struct stat sb;
		size_t len = strlen(de->d_name);

		/* Dot files are still being written; mapping files go with
		 * their feed file. */
		if (de->d_name[0] == '.' ||
		    (len > 13 &&
		        strcmp(de->d_name + len - 13, ".mapping.json") == 0))
			continue;
		p = px_asprintf("%s/%s", cfg.spool, de->d_name);
		if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode)) {
			names = px_realloc(names, (nn + 1) * sizeof(*names));
			names[nn++] = px_strdup(de->d_name);
		}
		free(p);
	}
	closedir(d);
	if (nn > 1)
		qsort(names, nn, sizeof(*names), by_name);
	for (size_t i = 0; i < nn; i++) {
		struct px_ingest_opts o = {
			.fmt = -1, .tlp = -1, .source = "spool"
		};
		struct px_feed_file_row row = { 0 };
		struct px_buf map;
		char *path = px_asprintf("%s/%s", cfg.spool, names[i]);
		char *mpath = px_asprintf("%s.mapping.json", path);

		px_buf_init(&map, 64 * 1024);
		o.path = path;
		if (px_file_read(&map, mpath, 64 * 1024) == 0) {
			o.fmt = PX_FMT_CSV;
			o.mapping = map.data;
			o.mlen = map.len;
		}
		rc = px_feed_ingest(n, &o, &row);
		if (rc == 0) {
			settle(cfg.spool, names[i], "done", NULL);
			(*count)++;
		} else if (rc == PX_ECONFLICT &&
		    strstr(px_error_last(), "another ingest or flush")) {
			/* Busy: the file waits for the next look. */
		} else {
			char *why = px_asprintf("%s\n", px_error_last());

			settle(cfg.spool, names[i],
			    rc == PX_ECONFLICT ? "done" : "failed", why);
			free(why);
		}
		if (o.mapping) {
			char *mname = px_asprintf("%s.mapping.json", names[i]);

			settle(cfg.spool, mname, rc == 0 ? "done" : "failed",
			    NULL);
			free(mname);
		}
		px_feed_file_row_dispose(&row);
		px_buf_dispose(&map);
		free(path);
		free(mpath);
		if (rc == PX_ECONFLICT &&
		    strstr(px_error_last(), "another ingest or flush")) {
			rc = 0;
			break;
		}
		rc = 0;
	}
out:
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	px_feed_cfg_dispose(&cfg);
	return rc;
}

json_t *
px_feed_file_json(const struct px_feed_file_row *r)
{
	json_t *o =
	    json_pack("{sIssssssss}", "id", (json_int_t)r->id, "name", r->name,
	        "source", r->source, "format", r->format, "state", r->state);
	const struct {
		const char *k;
		int64_t v;
	} nums[] = { { "size", r->size }, { "offset", r->offset },
		{ "lines", r->line }, { "records", r->records },
		{ "events", r->events }, { "duplicates", r->duplicates },
		{ "bad", r->bad }, { "routed", r->routed }, { "own", r->own },
		{ "unroutable", r->unroutable }, { "disputed", r->disputed },
		{ "withheld", r->withheld } };

	for (size_t i = 0; i < PX_ARRAY_LEN(nums); i++)
		json_object_set_new(o, nums[i].k, json_integer(nums[i].v));
	json_object_set_new(
	    o, "feed", r->feed ? json_string(r->feed) : json_null());
	json_object_set_new(
	    o, "error", r->error ? json_string(r->error) : json_null());
	json_object_set_new(o, "started", px_json_time(r->started_ms));
	json_object_set_new(o, "finished", px_json_time(r->finished_ms));
	return o;
}
