/*
 * The ingest pipeline (feeds.h): a file is read in windows, cut into
 * records, decoded into events (formats/), deduplicated against the
 * on-disk index (node/dedup.h), routed (model/routing.h) and stored, in
 * chunks of CHUNK records.
 *
 * A chunk is one durable transaction holding its new events, the
 * duplicates it counted on earlier ones, its bad records and the file's
 * progress (bytes and lines consumed, counts).  So at any moment the
 * store says exactly how far the file was ingested, and ingesting the
 * same file again after a crash resumes there: nothing is lost, nothing
 * counted twice.  The deduplication index learns a chunk's keys only
 * after the chunk committed.
 *
 * Memory is bounded whatever the file's size: one window of input, one
 * chunk's table of keys, caches of route explanations, groups and
 * batches (which grow with distinct values, not with rows), the routing
 * table, and the index's pages, which it hands back to the page cache.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/sign.h"
#include "model/canon.h"
#include "node/dedup.h"
#include "node/feeds.h"
#include "util/u64map.h"
#include "util/util.h"

#define CHUNK      32768      /* records per transaction */
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

/* A key this chunk saw: a new event, or duplicates of one. */
struct pending {
	uint64_t key;
	int64_t id, bday;
	int64_t first, last, delta; /* duplicates counted */
	bool fresh;                 /* stored by this chunk */
};

struct batch {
	int64_t grp, start, id, add;
	int64_t *ids; /* events added by this chunk */
	size_t nids, capids;
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
	struct px_buf json, route;
	int64_t now;
	size_t in_chunk;
	bool in_tx;
};

static void
strcache_dispose(struct strcache *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].s);
	free(c->v);
	px_u64map_dispose(&c->map);
}

/* The store id of `s` in cache `c`, asking `fetch` for new ones. */
static int
intern(struct run *r, struct strcache *c, const char *s, size_t n,
    int (*fetch)(struct run *r, const char *s, int64_t *id), int64_t *id)
{
	uint64_t h = px_hash64(s, n, 7);
	size_t probe = 0;
	int64_t i;
	int rc;

	while ((i = px_u64map_get(&c->map, h, &probe)) >= 0)
		if (strlen(c->v[i].s) == n && memcmp(c->v[i].s, s, n) == 0) {
			*id = c->v[i].id;
			return 0;
		}
	if ((rc = fetch(r, s, id)) < 0)
		return rc;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->v = px_realloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n].s = px_strndup(s, n);
	c->v[c->n].id = *id;
	px_u64map_put(&c->map, h, (uint32_t)c->n);
	c->n++;
	return 0;
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

static int fetch_route(struct run *r, const char *s, int64_t *id);

/* The store id of the explanation of a decision. */
static int
route_id(struct run *r, const struct px_rt_result *rt, int64_t *id)
{
	struct rcache *c = &r->decisions;
	struct rkey k;
	uint64_t h;
	size_t probe = 0;
	int64_t i;
	int rc;

	rkey_of(&k, rt);
	h = px_hash64(&k, sizeof(k), 11);
	while ((i = px_u64map_get(&c->map, h, &probe)) >= 0)
		if (memcmp(&c->k[i], &k, sizeof(k)) == 0) {
			*id = c->id[i];
			return 0;
		}
	px_buf_reset(&r->route);
	px_route_json(&r->route, r->t, rt);
	if ((rc = intern(r, &r->routes, r->route.data, r->route.len,
	         fetch_route, id)) < 0)
		return rc;
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

static int
fetch_route(struct run *r, const char *s, int64_t *id)
{
	return PX_STORE_CALL(r->n->store, feed_route_id, s, id);
}

/* Group keys are "peer\nasn\ntype\nidentifier". */
static int
fetch_group(struct run *r, const char *s, int64_t *id)
{
	char *copy = px_strdup(s), *p = copy, *f[4];
	int rc;

	for (int i = 0; i < 4; i++) {
		f[i] = p;
		p = strchr(p, '\n');
		if (p)
			*p++ = '\0';
	}
	rc = PX_STORE_CALL(r->n->store, feed_group_id, f[0],
	    strtoll(f[1], NULL, 10), (int)strtol(f[2], NULL, 10), f[3], r->now,
	    id);
	free(copy);
	return rc;
}

static int
batch_of(struct run *r, int64_t grp, int64_t start, int64_t end, size_t *out)
{
	uint64_t h;
	int64_t v[3] = { grp, start, end };
	size_t probe = 0;
	int64_t i;
	int rc;

	h = px_hash64(v, sizeof(v), 3);
	while ((i = px_u64map_get(&r->bmap, h, &probe)) >= 0)
		if (r->batches[i].grp == grp && r->batches[i].start == start) {
			*out = (size_t)i;
			return 0;
		}
	if (r->nbatch == r->capbatch) {
		r->capbatch = r->capbatch ? r->capbatch * 2 : 256;
		r->batches =
		    px_realloc(r->batches, r->capbatch * sizeof(*r->batches));
	}
	memset(&r->batches[r->nbatch], 0, sizeof(*r->batches));
	r->batches[r->nbatch].grp = grp;
	r->batches[r->nbatch].start = start;
	if ((rc = PX_STORE_CALL(r->n->store, feed_batch_id, grp, start, end,
	         &r->batches[r->nbatch].id)) < 0)
		return rc;
	px_u64map_put(&r->bmap, h, (uint32_t)r->nbatch);
	*out = r->nbatch++;
	return 0;
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

static int
chunk_begin(struct run *r)
{
	int rc;

	if (r->in_tx)
		return 0;
	if ((rc = PX_STORE_CALL0(r->n->store, begin)) < 0)
		return rc;
	r->in_tx = true;
	r->in_chunk = 0;
	r->now = px_time_now_ms();
	return 0;
}

/* Commits the chunk (its duplicates, batch counts and the file's
 * progress), then teaches the index its new keys. */
static int
chunk_commit(struct run *r)
{
	struct px_store *st = r->n->store;
	int rc = 0;

	if (!r->in_tx)
		return 0;
	for (size_t i = 0; rc == 0 && i < r->npend; i++)
		if (r->pend[i].delta)
			rc = PX_STORE_CALL(st, feed_event_dup, r->pend[i].id,
			    r->pend[i].first, r->pend[i].last,
			    r->pend[i].delta);
	for (size_t i = 0; rc == 0 && i < r->nbatch; i++)
		if (r->batches[i].add) {
			struct batch *b = &r->batches[i];

			rc = PX_STORE_CALL(st, feed_batch_add, b->id, b->add);
			if (rc == 0)
				rc = PX_STORE_CALL(st, feed_batch_items, b->id,
				    b->ids, b->nids);
			b->add = 0;
			b->nids = 0;
		}
	r->row.updated_ms = px_time_now_ms();
	if (rc == 0)
		rc = PX_STORE_CALL0(st, feed_events_flush);
	if (rc == 0)
		rc = PX_STORE_CALL(st, feed_file_put, &r->row);
	if (rc == 0)
		rc = PX_STORE_CALL0(st, commit);
	if (rc < 0) {
		PX_STORE_CALL0(st, rollback);
		r->in_tx = false;
		return rc;
	}
	r->in_tx = false;
	for (size_t i = 0; rc == 0 && i < r->npend; i++)
		if (r->pend[i].fresh)
			rc = px_dedup_add(r->dd, r->pend[i].key, r->pend[i].id,
			    r->pend[i].bday);
	r->npend = 0;
	px_u64map_clear(&r->keys);
	px_dedup_trim(r->dd);
	if (rc == 0 && r->o->progress)
		r->o->progress(&r->row, r->o->arg);
	return rc;
}

static int
bad_record(struct run *r, int64_t line, const char *why)
{
	r->row.bad++;
	if (r->row.bad > BAD_KEPT)
		return 0;
	return PX_STORE_CALL(r->n->store, feed_bad_put, r->row.id, line, why);
}

/* One decoded event: deduplicate, route, store. */
static int
event(struct run *r, int64_t line)
{
	const struct px_event *e = r->ev;
	uint64_t key = px_event_dedup_key(e);
	int64_t t = px_event_time(e), id, len;
	int64_t bday =
	    (px_event_bucket(e) + px_ev_types[e->type].bucket_days * DAY_MS) /
	    DAY_MS;
	int64_t pi;
	struct px_rt_result rt;
	struct px_feed_event_row ev = { 0 };
	struct pending *p;
	size_t bi = (size_t)-1;
	char host[PX_EV_MAX_URL + 1];
	const struct px_ev_end *side;
	int rc;

	/* A duplicate of an event of this chunk, or of an earlier one. */
	pi = px_u64map_get(&r->keys, key, NULL);
	if (pi < 0 && px_dedup_find(r->dd, key, &id)) {
		p = pend_new(r, key);
		p->id = id;
		p->first = p->last = t;
		pi = (int64_t)(r->npend - 1);
		p->delta = 0;
	}
	if (pi >= 0) {
		p = &r->pend[pi];
		if (p->delta == 0 || t < p->first)
			p->first = t;
		if (p->delta == 0 || t > p->last)
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
		int k;

		k = snprintf(gk, sizeof(gk), "%s\n%lld\n%d\n%s",
		    px_rtable_party_name(r->t, rt.party),
		    (long long)(side->asn > 0 ? side->asn : 0), e->type,
		    e->identifier ? e->identifier : "");
		if ((rc = intern(
		         r, &r->groups, gk, (size_t)k, fetch_group, &grp)) < 0)
			return rc;
		len = e->severity == PX_SEV_CRITICAL ? r->cfg.critical_ms
		                                     : r->cfg.interval_ms;
		start = px_feed_interval(&r->cfg, r->now, len);
		if ((rc = batch_of(r, grp, start, start + len, &bi)) < 0)
			return rc;
		r->batches[bi].add++;
		ev.batch = r->batches[bi].id;
	}
	px_buf_reset(&r->json);
	if ((rc = px_event_json(&r->json, e)) < 0)
		return rc;
	ev.file = r->row.id;
	ev.line = line;
	ev.routed_ms = r->now;
	ev.status = rt.status;
	ev.type = e->type;
	ev.severity = e->severity;
	ev.seen_first = ev.seen_last = t;
	ev.count = 1;
	ev.key = (int64_t)key;
	ev.bday = bday;
	ev.event = r->json.data;
	if ((rc = PX_STORE_CALL(r->n->store, feed_event_put, &ev, &id)) < 0)
		return rc;
	if (bi != (size_t)-1) {
		struct batch *b = &r->batches[bi];

		if (b->nids == b->capids) {
			b->capids = b->capids ? b->capids * 2 : 64;
			b->ids =
			    px_realloc(b->ids, b->capids * sizeof(*b->ids));
		}
		b->ids[b->nids++] = id;
	}
	p = pend_new(r, key);
	p->id = id;
	p->bday = bday;
	p->fresh = true;
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
	if (r->in_tx)
		PX_STORE_CALL0(r->n->store, rollback);
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
	free(r->pend);
	for (size_t i = 0; i < r->nbatch; i++)
		free(r->batches[i].ids);
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
	if ((rc = PX_STORE_CALL(n->store, feed_tune, true)) < 0)
		goto out;
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
	if ((rc = chunk_commit(&r)) < 0 ||
	    (rc = finish_row(&r, "done", NULL)) < 0)
		goto out;
	goto done;
failed:
	/* The file cannot be read on (a header the format cannot use):
	 * what was committed stays, and the row says why. */
	err = px_strdup(px_error_last());
	if (r.in_tx) {
		PX_STORE_CALL0(n->store, rollback);
		r.in_tx = false;
	}
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
