/*
 * Chunk transfer (node/transfer.h).
 */
#define _GNU_SOURCE /* pthread_tryjoin_np */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "model/canon.h"
#include "net/client.h"
#include "node/evidence.h"
#include "node/outbox.h"
#include "node/transfer.h"
#include "store/chunks.h"
#include "util/util.h"

/* Finishing is rare and reads the whole item: one at a time per
 * process, so two requests for the last chunk cannot both sign. */
static pthread_mutex_t finish_mu = PTHREAD_MUTEX_INITIALIZER;

/* --- the receiver ---------------------------------------------------- */

struct pick {
	char *case_id, *state;
};

static int
pick_row(const struct px_evidence_row *r, void *arg)
{
	struct pick *p = arg;

	/* An open transfer wins over an old round of another case. */
	if (p->case_id == NULL || strcmp(r->state, "receiving") == 0) {
		free(p->case_id);
		free(p->state);
		p->case_id = px_strdup(r->case_id);
		p->state = px_strdup(r->state);
	}
	return 0;
}

/* Loads the case in which `peer` offered `item` to us. */
static int
load_transfer(struct px_case *c, const struct px_ev_item **it,
    struct px_node *n, const char *peer, const char *item)
{
	struct px_evidence_filter f = { .item = item, .peer = peer };
	struct pick p = { 0 };
	int rc;

	if ((rc = PX_STORE_CALL(n->store, evidence_list, &f, pick_row, &p)) < 0)
		goto out;
	if (p.case_id == NULL) {
		rc = px_error_set(PX_ENOTFOUND,
		    "%s offered no item %.16s... to this node", peer, item);
		goto out;
	}
	if ((rc = px_node_case_load(c, n, p.case_id, NULL)) < 0)
		goto out;
	if ((*it = px_ev_find(c, item)) == NULL)
		rc = PX_ENOTFOUND;
out:
	free(p.case_id);
	free(p.state);
	return rc;
}

/* What this process knows of each transfer it receives: the first
 * chunk not yet staged, and the SHA-256 of the whole as far as chunks
 * came in order, so that the last chunk does not mean reading the
 * whole item again.  After a restart an entry starts from a scan of the
 * staging area, without the running hash (finish then reads it all
 * once).  Keyed by the store's directory and the item.
 *
 * The running hash has a lock of its own (hmu), apart from the
 * registry's: hashing a chunk takes a millisecond, and a request that
 * only looks something up must not wait behind it.  Whoever stages a
 * chunk "kicks"; one thread at a time holds hmu and hashes every chunk
 * that is next in order, looking again while kicks keep coming, so no
 * request ever blocks on another's hashing (see hash_kick). */
struct progress {
	char *key;
	int64_t next; /* first index not staged */
	/* Under hmu: chunks [0, sha_upto) are in `sha`; -1: none. */
	pthread_mutex_t hmu;
	int64_t sha_upto;
	struct px_sha256_ctx sha;
	struct px_buf scratch; /* a chunk read back, kept for the next */
	atomic_ulong kicks;
	bool zero_here; /* this process staged chunk 0 (reg_mu) */
	/* Once the transfer was seen open with its list in: what a chunk
	 * is checked against, so that a chunk costs no store read.  Only
	 * this node ends a transfer it receives (its receipt), and it
	 * forgets the entry when it does. */
	bool open;
	char *peer, *exhibit;
	int64_t chunks, size;
	px_digest *digests;
	/* Threads using the entry outside reg_mu; a forgotten entry is
	 * freed by the last of them. */
	int refs;
	bool gone;
	struct progress *link;
};
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct progress *reg;

static void
progress_free(struct progress *p)
{
	pthread_mutex_destroy(&p->hmu);
	px_buf_dispose(&p->scratch);
	free(p->key);
	free(p->peer);
	free(p->exhibit);
	free(p->digests);
	free(p);
}

static struct progress *
progress_of(struct px_chunks *s, const char *item, int64_t n)
{
	char *key = px_asprintf("%s/%s", px_chunks_dir(s), item);
	struct progress *p;

	for (p = reg; p; p = p->link)
		if (strcmp(p->key, key) == 0)
			break;
	if (p == NULL) {
		p = px_calloc(1, sizeof(*p));
		p->key = key;
		key = NULL;
		pthread_mutex_init(&p->hmu, NULL);
		px_buf_init(&p->scratch, PX_CHUNK_SIZE);
		p->sha_upto = -1;
		atomic_init(&p->kicks, 0);
		p->link = reg;
		reg = p;
	}
	free(key);
	/* Chunks are only ever added while a transfer is open (another
	 * process may add some): the first missing one only moves up. */
	while (p->next < n && px_chunks_stage_has(s, item, (size_t)p->next))
		p->next++;
	return p;
}

/* The entry of `item`, held until progress_put (reg_mu not held). */
static struct progress *
progress_get(struct px_chunks *s, const char *item, int64_t n)
{
	struct progress *p;

	pthread_mutex_lock(&reg_mu);
	p = progress_of(s, item, n);
	p->refs++;
	pthread_mutex_unlock(&reg_mu);
	return p;
}

static void
progress_put(struct progress *p)
{
	bool last;

	pthread_mutex_lock(&reg_mu);
	last = --p->refs == 0 && p->gone;
	pthread_mutex_unlock(&reg_mu);
	if (last)
		progress_free(p);
}

/* The first chunk not staged (n when all are). */
static int64_t
staged_next(struct px_chunks *s, const char *item, int64_t n)
{
	int64_t next;

	pthread_mutex_lock(&reg_mu);
	next = progress_of(s, item, n)->next;
	pthread_mutex_unlock(&reg_mu);
	return next;
}

/* With p->hmu held: adds to the running hash every chunk next in order
 * that is staged, taking chunk `own` from `data` (the caller's copy,
 * not read back) and the others from the staging area. */
static void
hash_catch_up(struct px_chunks *s, const char *item, int64_t n,
    struct progress *p, int64_t own, const void *data, size_t len)
{
	struct px_buf *b = &p->scratch;
	bool zero;

	pthread_mutex_lock(&reg_mu);
	zero = p->zero_here;
	pthread_mutex_unlock(&reg_mu);
	if (p->sha_upto < 0 && zero) {
		px_sha256_init(&p->sha);
		p->sha_upto = 0;
	}
	while (p->sha_upto >= 0 && p->sha_upto < n) {
		if (p->sha_upto == own) {
			px_sha256_update(&p->sha, data, len);
		} else {
			if (!px_chunks_stage_has(s, item, (size_t)p->sha_upto))
				break;
			if (px_chunks_stage_get(
			        s, item, (size_t)p->sha_upto, b) < 0) {
				/* finish() reads it all again instead */
				px_error_clear();
				p->sha_upto = -1;
				pthread_mutex_lock(&reg_mu);
				p->zero_here = false;
				pthread_mutex_unlock(&reg_mu);
				break;
			}
			px_sha256_update(&p->sha, b->data, b->len);
		}
		p->sha_upto++;
	}
}

/* Chunk `index` was staged with these bytes: the running hash takes it
 * now if it is next in order (and any staged after it), by this thread
 * unless another is hashing already, which then looks again. */
static void
hash_kick(struct px_chunks *s, const char *item, int64_t n, int64_t index,
    const void *data, size_t len)
{
	struct progress *p;
	unsigned long seen;

	pthread_mutex_lock(&reg_mu);
	p = progress_of(s, item, n);
	p->refs++;
	if (index == 0)
		p->zero_here = true;
	pthread_mutex_unlock(&reg_mu);
	atomic_fetch_add(&p->kicks, 1);
	/* Whoever holds hmu sees our kick before it lets go; if it let go
	 * just before, the trylock succeeds. */
	while (pthread_mutex_trylock(&p->hmu) == 0) {
		do {
			seen = atomic_load(&p->kicks);
			hash_catch_up(s, item, n, p, index, data, len);
		} while (atomic_load(&p->kicks) != seen);
		pthread_mutex_unlock(&p->hmu);
		if (atomic_load(&p->kicks) == seen)
			break;
	}
	progress_put(p);
}

/* The whole item's SHA-256 if every chunk came in order in this
 * process (what is staged and not hashed yet is hashed now): 1 with
 * out[65] filled, else 0. */
static int
staged_sha(struct px_chunks *s, const char *item, int64_t n, char out[65])
{
	struct progress *p = progress_get(s, item, n);
	int ok = 0;

	pthread_mutex_lock(&p->hmu);
	hash_catch_up(s, item, n, p, -1, NULL, 0);
	if (p->sha_upto == n) {
		struct px_sha256_ctx copy = p->sha;
		uint8_t h[32];

		px_sha256_final(&copy, h);
		px_hex_encode(out, h, 32);
		ok = 1;
	}
	pthread_mutex_unlock(&p->hmu);
	progress_put(p);
	return ok;
}

/* What a chunk of `item` from `peer` is checked against, copied out of
 * the registry: 1 if the transfer is known open, else 0 (the caller
 * takes the slow path through the store).  *digests is heap. */
struct open_xfer {
	int64_t chunks, size;
	char exhibit[65];
	px_digest digest; /* of the chunk asked for */
};

static int
open_lookup(struct px_chunks *s, const char *peer, const char *item,
    int64_t index, struct open_xfer *o)
{
	char *key = px_asprintf("%s/%s", px_chunks_dir(s), item);
	struct progress *p;
	int ok = 0;

	pthread_mutex_lock(&reg_mu);
	for (p = reg; p; p = p->link)
		if (strcmp(p->key, key) == 0)
			break;
	if (p && p->open && strcmp(p->peer, peer) == 0 && index >= 0 &&
	    index < p->chunks) {
		o->chunks = p->chunks;
		o->size = p->size;
		snprintf(o->exhibit, sizeof(o->exhibit), "%s", p->exhibit);
		memcpy(o->digest, p->digests[index], sizeof(px_digest));
		ok = 1;
	}
	pthread_mutex_unlock(&reg_mu);
	free(key);
	return ok;
}

/* Records that the transfer of `it` from `peer` is open with this list. */
static void
open_note(struct px_chunks *s, const char *peer, const struct px_ev_item *it,
    const px_digest *d, size_t nd)
{
	struct progress *p;

	pthread_mutex_lock(&reg_mu);
	p = progress_of(s, it->man.item, it->man.chunks);
	if (!p->open && p->next > 0)
		fprintf(stderr,
		    "parley: receiving exhibit %s (%.16s...) from %s: resumed "
		    "at chunk %lld of %lld; the %lld before it were kept\n",
		    it->man.exhibit, it->man.item, peer, (long long)p->next,
		    (long long)it->man.chunks, (long long)p->next);
	if (!p->open) {
		p->open = true;
		p->peer = px_strdup(peer);
		p->exhibit = px_strdup(it->man.exhibit);
		p->chunks = it->man.chunks;
		p->size = it->man.size;
		p->digests = px_malloc(nd * sizeof(px_digest) + 1);
		memcpy(p->digests, d, nd * sizeof(px_digest));
	}
	pthread_mutex_unlock(&reg_mu);
}

/* The transfer ended (kept, rejected): forget it (freed here, or by
 * the last thread still using it). */
static void
forget(struct px_chunks *s, const char *item)
{
	char *key = px_asprintf("%s/%s", px_chunks_dir(s), item);
	struct progress **pp, *p, *dead = NULL;

	pthread_mutex_lock(&reg_mu);
	for (pp = &reg; (p = *pp) != NULL; pp = &p->link)
		if (strcmp(p->key, key) == 0) {
			*pp = p->link;
			p->gone = true;
			if (p->refs == 0)
				dead = p;
			break;
		}
	pthread_mutex_unlock(&reg_mu);
	if (dead)
		progress_free(dead);
	free(key);
}

static const char *
received_hash(const struct px_case *c, const struct px_ev_item *it)
{
	for (size_t k = it->nevents; k-- > 0;) {
		const struct px_msg *m = c->msgs[it->events[k]];

		if (px_ev_event_of(m) == PX_EV_RECEIVED)
			return json_string_value(
			    json_object_get(m->body, "hash_after"));
	}
	return NULL;
}

static json_t *
status_json(struct px_node *n, struct px_chunks *s, const struct px_case *c,
    const struct px_ev_item *it)
{
	const char *state = px_ev_state(n, c, it);
	const char *sha = received_hash(c, it);
	int64_t have = 0, next = 0;
	px_digest *d = NULL;
	size_t nd = 0;
	bool list = false;
	json_t *o;

	if (strcmp(state, "receiving") == 0) {
		list = px_chunks_stage_list_get(s, it->man.item, &d, &nd) == 0;
		free(d);
		px_error_clear();
		/* The sender sends in order: what is staged is [0, next). */
		have = next = staged_next(s, it->man.item, it->man.chunks);
	} else if (strcmp(state, "received") == 0 ||
	    strcmp(state, "quarantined") == 0) {
		have = next = it->man.chunks;
		list = true;
	}
	o = json_pack("{ss ss ss sI sI sI sb}", "item", it->man.item, "case",
	    c->id, "state", state, "chunks", (json_int_t)it->man.chunks, "have",
	    (json_int_t)have, "next", (json_int_t)next, "list", list);
	json_object_set_new(o, "sha256", sha ? json_string(sha) : json_null());
	json_object_set_new(
	    o, "reason", it->reason ? json_string(it->reason) : json_null());
	return o;
}

int
px_xfer_status(
    json_t **out, struct px_node *n, const char *peer, const char *item)
{
	struct px_chunks *s = NULL;
	const struct px_ev_item *it = NULL;
	struct px_case c;
	int rc;

	px_case_init(&c);
	if ((rc = load_transfer(&c, &it, n, peer, item)) < 0 ||
	    (rc = px_chunks_open(&s, n->dir)) < 0)
		goto out;
	*out = status_json(n, s, &c, it);
out:
	px_chunks_free(s);
	px_case_dispose(&c);
	return rc;
}

static int
must_receive(
    struct px_node *n, const struct px_case *c, const struct px_ev_item *it)
{
	const char *st = px_ev_state(n, c, it);

	if (strcmp(st, "receiving") != 0)
		return px_error_set(PX_ECONFLICT,
		    "item %s is not being received here (its state is %s)",
		    it->man.exhibit, st);
	return 0;
}

static int sign_receipt(struct px_node *n, const struct px_case *c,
    const struct px_ev_item *it, const char *status, const char *sha,
    const char *reason);

/* Checks a chunk list against the manifest: its count, and its Merkle
 * tree hash against the root. */
static int
check_list(const struct px_ev_item *it, const px_digest *d, size_t nd)
{
	uint8_t root[32];
	char hex[65];

	if ((int64_t)nd != it->man.chunks)
		return px_error_set(PX_EINVAL,
		    "item %s: the chunk list has %zu digests; the manifest "
		    "says %lld chunks",
		    it->man.exhibit, nd, (long long)it->man.chunks);
	px_ev_root(root, (const uint8_t(*)[32])d, nd);
	px_hex_encode(hex, root, 32);
	if (strcmp(hex, it->man.root) != 0)
		return px_error_set(PX_EINVAL,
		    "item %s: the chunk list hashes to %.16s..., not the "
		    "manifest's root %.16s...",
		    it->man.exhibit, hex, it->man.root);
	return 0;
}

static int
take_list(struct px_chunks *s, const struct px_ev_item *it, const void *body,
    size_t len)
{
	px_digest *d = NULL;
	size_t nd = len / sizeof(px_digest);
	int rc;

	if (len % sizeof(px_digest) != 0)
		return px_error_set(PX_EINVAL,
		    "item %s: a chunk list is 32 bytes per chunk; %zu bytes "
		    "came",
		    it->man.exhibit, len);
	d = px_malloc(len + 1);
	memcpy(d, body, len);
	if ((rc = check_list(it, d, nd)) == 0)
		rc = px_chunks_stage_list_put(s, it->man.item, d, nd);
	free(d);
	return rc;
}

/* Killed after keeping an item's chunks but before signing its receipt:
 * the copy is whole in the store, so it is checked and receipted now
 * rather than sent again (if it does not check, the chunks come again). */
static int
finish_held(struct px_node *n, struct px_chunks *s, const struct px_case *c,
    const struct px_ev_item *it)
{
	json_t *v = NULL;
	int rc = 0;

	pthread_mutex_lock(&finish_mu);
	if (px_ev_verify(&v, n, it) == 0 &&
	    px_chunks_stage_discard(s, it->man.item) == 0) {
		struct px_ev_policy pol;
		int q = 0;

		if (px_ev_policy_load(&pol, n) == 0) {
			q = px_ev_policy_quarantines(&pol, it->man.media_type);
			px_ev_policy_dispose(&pol);
		}
		forget(s, it->man.item);
		rc = sign_receipt(n, c, it, q ? "quarantined" : "accepted",
		    json_string_value(json_object_get(v, "sha256")),
		    q ? "quarantined by this node's policy" : NULL);
	} else {
		px_error_clear();
	}
	pthread_mutex_unlock(&finish_mu);
	json_decref(v);
	return rc;
}

int
px_xfer_put_list(struct px_node *n, const char *peer, const char *item,
    const void *body, size_t len)
{
	struct px_chunks *s = NULL;
	const struct px_ev_item *it = NULL;
	struct px_case c;
	int rc;

	px_case_init(&c);
	if ((rc = load_transfer(&c, &it, n, peer, item)) < 0 ||
	    (rc = must_receive(n, &c, it)) < 0 ||
	    (rc = px_chunks_open(&s, n->dir)) < 0)
		goto out;
	if ((rc = take_list(s, it, body, len)) < 0)
		goto out;
	if (px_ev_held_locally(n, it))
		rc = finish_held(n, s, &c, it);
out:
	px_chunks_free(s);
	px_case_dispose(&c);
	return rc;
}

/* Signs the receipt of the current round. */
static int
sign_receipt(struct px_node *n, const struct px_case *c,
    const struct px_ev_item *it, const char *status, const char *sha,
    const char *reason)
{
	json_t *b = json_pack("{ss ss ss ss sI}", "event", "received", "item",
	    it->man.item, "status", status, "hash_before", it->man.sha256,
	    "chunks", (json_int_t)it->man.chunks);
	int rc;

	if (sha)
		json_object_set_new(b, "hash_after", json_string(sha));
	if (reason)
		json_object_set_new(b, "reason", json_string(reason));
	rc = px_node_send(n, NULL, c->id, PX_MSG_EVIDENCE, b, NULL);
	json_decref(b);
	return rc;
}

/* Ends the round rejected: nothing staged is kept. */
static int
reject(struct px_node *n, struct px_chunks *s, const struct px_case *c,
    const struct px_ev_item *it, const char *why)
{
	char *keep = px_strdup(why);
	int rc;

	/* Nothing half-received stays; a leftover directory is harmless
	 * (never shown, removed by the next round's commit or discard). */
	if (px_chunks_stage_discard(s, it->man.item) < 0)
		px_error_clear();
	forget(s, it->man.item);
	rc = sign_receipt(n, c, it, "rejected", NULL, keep);
	/* The caller reports the reason, not the signing. */
	if (rc == 0 || rc == PX_ECONFLICT)
		rc = px_error_set(PX_EINVAL, "%s", keep);
	free(keep);
	return rc;
}

/* Every chunk is staged: hash the whole, compare, keep, sign.  *done is
 * false when a torn chunk was found and removed (the sender sends it
 * again). */
static int
finish(struct px_node *n, struct px_chunks *s, const struct px_case *c,
    const struct px_ev_item *it, bool *done)
{
	struct px_sha256_ctx all;
	struct px_ev_policy pol;
	struct px_buf b;
	uint8_t h[32];
	char sha[65], why[400];
	size_t have, next;
	int rc;

	*done = false;
	px_buf_init(&b, PX_CHUNK_SIZE);
	if (!staged_sha(s, it->man.item, it->man.chunks, sha)) {
		px_sha256_init(&all);
		for (int64_t i = 0; i < it->man.chunks; i++) {
			if ((rc = px_chunks_stage_get(
			         s, it->man.item, (size_t)i, &b)) < 0)
				goto out;
			px_sha256_update(&all, b.data, b.len);
		}
		px_sha256_final(&all, h);
		px_hex_encode(sha, h, 32);
	}
	if (strcmp(sha, it->man.sha256) != 0) {
		/* Each chunk was checked as it came; after a crash one may
		 * be torn.  Check them all again before blaming the
		 * sender. */
		forget(s, it->man.item);
		if ((rc = px_chunks_stage_scan(
		         s, it->man.item, it->man.size, &have, &next)) < 0)
			goto out;
		if ((int64_t)have < it->man.chunks) {
			rc = 0;
			goto out;
		}
		snprintf(why, sizeof(why),
		    "every chunk matched the list and the root verified, but "
		    "the whole hashes to %s, not the manifest's SHA-256 %s",
		    sha, it->man.sha256);
		rc = reject(n, s, c, it, why);
		goto out;
	}
	if ((rc = px_ev_policy_load(&pol, n)) < 0)
		goto out;
	rc = px_ev_policy_quarantines(&pol, it->man.media_type);
	px_ev_policy_dispose(&pol);
	if ((rc = px_chunks_stage_commit(s, it->man.item, it->man.root)) < 0)
		goto out;
	forget(s, it->man.item);
	snprintf(why, sizeof(why),
	    "media type %s is quarantined by this node's policy",
	    it->man.media_type);
	rc = sign_receipt(
	    n, c, it, rc ? "quarantined" : "accepted", sha, rc ? why : NULL);
	if (rc == 0)
		*done = true;
out:
	px_buf_dispose(&b);
	return rc;
}

/* Checks a chunk frame against what it must be: chunk `index` of the
 * item, of the right length, hashing to `expect` (from the checked
 * list).  0, or -1 with why in `why`. */
static int
check_chunk(const struct open_xfer *o, const char *item, int64_t index,
    const void *body, size_t len, struct px_ev_frame *fr, char *why, size_t n)
{
	size_t want = index + 1 < o->chunks
	    ? PX_EV_CHUNK
	    : (size_t)(o->size - (o->chunks - 1) * (int64_t)PX_EV_CHUNK);
	px_digest got;
	char hex[65], lhex[65];

	if (px_ev_frame_parse(fr, body, len) < 0) {
		snprintf(why, n, "chunk %lld of item %s: %s", (long long)index,
		    o->exhibit, px_error_last());
		return -1;
	}
	if (strcmp(fr->item, item) != 0 || fr->index != index) {
		snprintf(why, n,
		    "chunk %lld of item %s: the frame names chunk %lld of "
		    "item %.16s...",
		    (long long)index, o->exhibit, (long long)fr->index,
		    fr->item);
		return -1;
	}
	if (fr->len != want) {
		snprintf(why, n,
		    "chunk %lld of item %s is %zu bytes; it must be %zu "
		    "(truncated or padded)",
		    (long long)index, o->exhibit, fr->len, want);
		return -1;
	}
	px_sha256(got, fr->data, fr->len);
	if (memcmp(got, o->digest, 32) != 0) {
		px_hex_encode(hex, got, 32);
		px_hex_encode(lhex, o->digest, 32);
		snprintf(why, n,
		    "chunk %lld of item %s: its bytes hash to %s, but the "
		    "item's chunk list (whose tree hash is the manifest's "
		    "root) says %s%s",
		    (long long)index, o->exhibit, hex, lhex,
		    strcmp(fr->sha256, lhex) == 0 ? " (so does the frame)"
		                                  : "");
		return -1;
	}
	return 0;
}

/* Ends the transfer rejected for `why`, reading the case from the store
 * (a refused chunk is rare). */
static int
reject_chunk(struct px_node *n, struct px_chunks *s, const char *peer,
    const char *item, const char *why)
{
	const struct px_ev_item *it = NULL;
	struct px_case c;
	char *keep = px_strdup(why);
	int rc;

	px_case_init(&c);
	pthread_mutex_lock(&finish_mu);
	if ((rc = load_transfer(&c, &it, n, peer, item)) == 0)
		rc = strcmp(px_ev_state(n, &c, it), "receiving") == 0
		    ? reject(n, s, &c, it, keep)
		    : px_error_set(PX_EINVAL, "%s", keep);
	pthread_mutex_unlock(&finish_mu);
	px_case_dispose(&c);
	free(keep);
	return rc;
}

/* Once every chunk is staged, finishes (under the lock, on a fresh read
 * of the case: another request may have finished it); *out gets the
 * status either way. */
static int
complete(json_t **out, struct px_node *n, struct px_chunks *s, const char *peer,
    const char *item)
{
	const struct px_ev_item *it = NULL;
	struct px_case c;
	bool done = false;
	int rc;

	px_case_init(&c);
	pthread_mutex_lock(&finish_mu);
	if ((rc = load_transfer(&c, &it, n, peer, item)) < 0)
		goto unlock;
	if (staged_next(s, it->man.item, it->man.chunks) == it->man.chunks &&
	    strcmp(px_ev_state(n, &c, it), "receiving") == 0 &&
	    (rc = finish(n, s, &c, it, &done)) < 0)
		goto unlock;
	if (done) {
		px_case_dispose(&c);
		px_case_init(&c);
		rc = load_transfer(&c, &it, n, peer, item);
	}
unlock:
	pthread_mutex_unlock(&finish_mu);
	if (rc == 0)
		*out = status_json(n, s, &c, it);
	px_case_dispose(&c);
	return rc;
}

/* Where an open transfer stands, from the registry (no store read). */
static json_t *
open_status(const char *item, int64_t next, int64_t chunks)
{
	return json_pack("{ss ss sI sI sI sb sn sn}", "item", item, "state",
	    "receiving", "chunks", (json_int_t)chunks, "have", (json_int_t)next,
	    "next", (json_int_t)next, "list", 1, "sha256", "reason");
}

int
px_xfer_put_chunk(json_t **out, struct px_node *n, const char *peer,
    const char *item, int64_t index, const void *body, size_t len)
{
	struct px_chunks *s = NULL;
	const struct px_ev_item *it = NULL;
	struct open_xfer o;
	struct px_ev_frame fr;
	struct px_case c;
	px_digest *d = NULL;
	size_t nd = 0;
	char why[512];
	int64_t next;
	int rc;

	*out = NULL;
	px_case_init(&c);
	if ((rc = px_chunks_open(&s, n->dir)) < 0)
		goto out;
	if (!open_lookup(s, peer, item, index, &o)) {
		/* The first chunk this process sees of the transfer: what
		 * the store says, once. */
		if ((rc = load_transfer(&c, &it, n, peer, item)) < 0)
			goto out;
		if (strcmp(px_ev_state(n, &c, it), "receiving") != 0) {
			/* A retry after the receipt was signed is answered
			 * with where things stand. */
			*out = status_json(n, s, &c, it);
			goto out;
		}
		if (index < 0 || index >= it->man.chunks) {
			rc = px_error_set(PX_EINVAL,
			    "item %s has chunks 0 to %lld; there is no chunk "
			    "%lld",
			    it->man.exhibit, (long long)it->man.chunks - 1,
			    (long long)index);
			goto out;
		}
		if ((rc = px_chunks_stage_list_get(s, item, &d, &nd)) < 0) {
			if (rc == PX_ENOTFOUND)
				rc = px_error_set(PX_ECONFLICT,
				    "item %s: send the chunk list first",
				    it->man.exhibit);
			goto out;
		}
		open_note(s, peer, it, d, nd);
		if (!open_lookup(s, peer, item, index, &o)) {
			rc = px_error_set(PX_ERR, "transfer registry");
			goto out;
		}
	}
	if (!px_chunks_stage_has(s, item, (size_t)index)) {
		if (check_chunk(&o, item, index, body, len, &fr, why,
		        sizeof(why)) < 0) {
			rc = reject_chunk(n, s, peer, item, why);
			goto out;
		}
		if ((rc = px_chunks_stage_put(
		         s, item, (size_t)index, fr.data, fr.len)) < 0)
			goto out;
		hash_kick(s, item, o.chunks, index, fr.data, fr.len);
	}
	next = staged_next(s, item, o.chunks);
	if (next < o.chunks)
		*out = open_status(item, next, o.chunks);
	else
		rc = complete(out, n, s, peer, item);
out:
	free(d);
	px_chunks_free(s);
	px_case_dispose(&c);
	return rc;
}

/* --- the sender ------------------------------------------------------ */

/* Frames one chunk (model/evidence.h) into `frame` (reset first). */
static int
make_frame(struct px_buf *frame, const char *item, int64_t index,
    const struct px_buf *chunk, const px_digest digest)
{
	char head[PX_EV_FRAME_MAX_HEADER], hex[65];
	size_t hl;
	int rc;

	px_hex_encode(hex, digest, 32);
	hl = px_ev_frame_header(head, item, index, chunk->len, hex);
	px_buf_reset(frame);
	px_buf_reserve(frame, hl + chunk->len);
	if ((rc = px_buf_add(frame, head, hl)) < 0 ||
	    (rc = px_buf_add(frame, chunk->data, chunk->len)) < 0)
		return rc;
	return 0;
}

static int
peer_json(json_t **out, struct px_client *c, const char *method,
    const char *path, const void *body, size_t len, long *status,
    const char *peer)
{
	struct px_buf in;
	int rc;

	*out = NULL;
	px_buf_init(&in, 1 << 20);
	rc = px_client_request(c, method, path,
	    body ? "application/octet-stream" : NULL, body, len, status, &in,
	    120000);
	if (rc == 0 && in.len > 0 &&
	    px_json_parse(out, in.data, in.len, in.len + 1, "answer") < 0)
		*out = NULL;
	if (rc == 0 && (*status < 200 || *status > 299) && *status != 503) {
		const char *d =
		    json_string_value(json_object_get(*out, "detail"));

		rc = px_error_set(*status == 404 ? PX_ENOTFOUND
		        : *status == 409         ? PX_ECONFLICT
		                                 : PX_EINVAL,
		    "%s answered %ld to %s %s: %s", peer, *status, method, path,
		    d ? d : "(no detail)");
	}
	px_buf_dispose(&in);
	return rc;
}

/* Signs "transferred" once the receiver's receipt says it verified. */
static int
sign_transferred(
    struct px_node *n, const char *case_id, const char *item, const char *sha)
{
	struct px_ev_act act = { .status = sha };
	int rc = px_ev_event(n, case_id, item, PX_EV_TRANSFERRED, &act, NULL);

	/* Signed before (another pusher, or a restart): fine. */
	if (rc == PX_ECONFLICT) {
		px_error_clear();
		rc = 0;
	}
	return rc;
}

static void
note_progress(
    struct px_node *n, const char *peer, const char *item, int64_t have)
{
	char *k = px_asprintf("xfer.%s.%s", peer, item);
	char v[32];

	snprintf(v, sizeof(v), "%lld", (long long)have);
	if (PX_STORE_CALL(n->store, meta_set, k, v) < 0)
		px_error_clear();
	free(k);
}

/* Four chunks in flight, on four connections: while the receiver checks
 * and writes some, the next are on the wire, and both sides keep their
 * cores busy (on two cores, four lanes moved 20-30 % more than two in
 * bench_evidence runs taken in turn).  The lanes take the next index
 * from a shared counter; the receiver accepts chunks in any order. */
#define LANES 4

struct pusher {
	pthread_mutex_t mu;
	int64_t next, chunks, have, bytes;
	bool failed, done;
	int err;
	bool own_damage;
	char *why;
	const char *peer, *item, *path;
	struct px_chunks *s;
	const px_digest *d;
	const volatile int *stop;
	px_xfer_progress_fn progress;
	void *arg;
};

struct lane {
	struct pusher *p;
	struct px_client *c;
	pthread_t t;
};

/* Records why the push failed.  The first failure wins, except that a
 * damaged copy of our own explains a refusal better than whatever the
 * other lane met after the receiver ended the round (that lane needs no
 * time to hash a chunk, so its failure often comes first). */
static void
lane_fail(struct pusher *p, int err, bool own_damage)
{
	pthread_mutex_lock(&p->mu);
	if (!p->failed || (own_damage && !p->own_damage)) {
		p->failed = true;
		p->own_damage = own_damage;
		p->err = err;
		free(p->why);
		p->why = px_strdup(px_error_last());
	}
	pthread_mutex_unlock(&p->mu);
}

/* Pushes one chunk until the receiver takes it (a busy receiver is waited
 * for); 1 when the transfer is over at the receiver, 0 to go on. */
static int
push_one(struct lane *l, int64_t i, struct px_buf *chunk, struct px_buf *frame)
{
	struct pusher *p = l->p;
	char *cp = px_asprintf("%s/chunks/%lld", p->path, (long long)i);
	const char *state;
	json_t *st = NULL;
	long status = 0;
	bool own_damage = false;
	int rc;

	/* Not checked here: the receiver checks every chunk, and a refusal
	 * makes us check our copy. */
	if ((rc = px_chunks_get(p->s, p->d[i], chunk, false)) < 0 ||
	    (rc = make_frame(frame, p->item, i, chunk, p->d[i])) < 0)
		goto fail;
	for (;;) {
		json_decref(st);
		rc = peer_json(&st, l->c, "PUT", cp, frame->data, frame->len,
		    &status, p->peer);
		if (rc < 0) {
			if (rc == PX_EINVAL &&
			    px_chunks_get(p->s, p->d[i], chunk, true) < 0) {
				px_error_prefix("our own copy is damaged (%s); "
				                "the peer refused it",
				    px_error_last());
				own_damage = true;
			}
			goto fail;
		}
		if (status != 503)
			break;
		if (p->stop && *p->stop)
			goto out;
		usleep(200000); /* the receiver holds too many bodies */
	}
	state = json_string_value(json_object_get(st, "state"));
	pthread_mutex_lock(&p->mu);
	p->bytes += (int64_t)chunk->len;
	if (json_integer_value(json_object_get(st, "have")) > p->have)
		p->have = json_integer_value(json_object_get(st, "have"));
	if (state && strcmp(state, "receiving") != 0) {
		p->done = true;
		rc = 1;
	}
	if (p->progress)
		p->progress(p->arg,
		    state && strcmp(state, "receiving") ? p->chunks : p->have,
		    p->chunks, p->bytes);
	pthread_mutex_unlock(&p->mu);
	goto out;
fail:
	lane_fail(p, rc, own_damage);
out:
	json_decref(st);
	free(cp);
	return rc < 0 ? -1 : rc;
}

static void *
lane_run(void *arg)
{
	struct lane *l = arg;
	struct pusher *p = l->p;
	struct px_buf chunk, frame;

	px_buf_init(&chunk, PX_CHUNK_SIZE);
	px_buf_init(&frame, PX_CHUNK_SIZE + PX_EV_FRAME_MAX_HEADER);
	for (;;) {
		int64_t i;

		pthread_mutex_lock(&p->mu);
		i = p->failed || p->done || (p->stop && *p->stop) ||
		        p->next >= p->chunks
		    ? -1
		    : p->next++;
		pthread_mutex_unlock(&p->mu);
		if (i < 0 || push_one(l, i, &chunk, &frame) != 0)
			break;
	}
	px_buf_dispose(&chunk);
	px_buf_dispose(&frame);
	return NULL;
}

int
px_xfer_push(struct px_node *n, struct px_client *c, const char *peer,
    const char *case_id, const char *item, px_xfer_progress_fn progress,
    void *arg, const volatile int *stop)
{
	struct px_chunks *s = NULL;
	struct px_case cs;
	const struct px_ev_item *it;
	struct pusher p = { .stop = stop, .progress = progress, .arg = arg };
	struct lane lanes[LANES] = { { 0 } };
	int started = 0;
	px_digest *d = NULL;
	size_t nd = 0;
	json_t *st = NULL;
	char *path = NULL;
	const char *state;
	long status = 0;
	int rc;

	pthread_mutex_init(&p.mu, NULL);
	if ((rc = px_ev_load(&cs, &it, n, case_id, item)) < 0)
		goto out;
	if ((rc = px_chunks_open(&s, n->dir)) < 0 ||
	    (rc = px_chunks_list_get(s, it->man.root, &d, &nd)) < 0)
		goto out;
	path = px_asprintf("/peer/v1/evidence/%s", it->man.item);
	/* No "Expect: 100-continue" (libcurl asks for it above 1 MiB): a
	 * chunk fits the receiver's limits by construction, and waiting
	 * for the interim answer costs a round trip per chunk. */
	if ((rc = px_client_header_add(c, "Expect:")) < 0)
		goto out;
	if ((rc = peer_json(&st, c, "GET", path, NULL, 0, &status, peer)) < 0)
		goto out;
	if (status == 503) {
		rc = 0;
		goto out;
	}
	state = json_string_value(json_object_get(st, "state"));
	if (state && strcmp(state, "receiving") == 0 &&
	    !json_is_true(json_object_get(st, "list"))) {
		char *lp = px_asprintf("%s/list", path);

		json_decref(st);
		rc = peer_json(&st, c, "PUT", lp, d, nd * sizeof(px_digest),
		    &status, peer);
		free(lp);
		if (rc < 0)
			goto out;
		json_decref(st);
		if ((rc = peer_json(
		         &st, c, "GET", path, NULL, 0, &status, peer)) < 0)
			goto out;
	}
	state = json_string_value(json_object_get(st, "state"));
	p.next = json_integer_value(json_object_get(st, "next"));
	p.have = json_integer_value(json_object_get(st, "have"));
	p.chunks = it->man.chunks;
	p.peer = peer;
	p.item = it->man.item;
	p.path = path;
	p.s = s;
	p.d = d;
	if (state && strcmp(state, "receiving") == 0 && p.next < p.chunks) {
		/* The second lane has a connection of its own. */
		lanes[0].c = c;
		if (p.chunks - p.next > 1 &&
		    (lanes[1].c = px_outbox_client(n, peer)) != NULL &&
		    px_client_header_add(lanes[1].c, "Expect:") < 0) {
			px_client_free(lanes[1].c);
			lanes[1].c = NULL;
		}
		for (int k = 0; k < LANES; k++) {
			if (lanes[k].c == NULL)
				continue;
			lanes[k].p = &p;
			if (pthread_create(
			        &lanes[k].t, NULL, lane_run, &lanes[k]) == 0)
				started |= 1 << k;
		}
		/* The console's view of the sender's progress, now and
		 * then (one write to the store). */
		while (started) {
			int64_t have;

			for (int k = 0; k < LANES; k++)
				if (started & (1 << k) &&
				    pthread_tryjoin_np(lanes[k].t, NULL) == 0)
					started &= ~(1 << k);
			if (!started)
				break;
			usleep(200000);
			pthread_mutex_lock(&p.mu);
			have = p.have;
			pthread_mutex_unlock(&p.mu);
			note_progress(n, peer, it->man.item, have);
		}
		if (p.failed) {
			rc = px_error_set(p.err, "%s", p.why);
			goto out;
		}
		if (stop && *stop) {
			rc = 0;
			goto out;
		}
		json_decref(st);
		st = NULL;
		if ((rc = peer_json(
		         &st, c, "GET", path, NULL, 0, &status, peer)) < 0)
			goto out;
		state = json_string_value(json_object_get(st, "state"));
	}
	if (state &&
	    (strcmp(state, "received") == 0 ||
	        strcmp(state, "quarantined") == 0)) {
		note_progress(n, peer, it->man.item, it->man.chunks);
		rc = sign_transferred(n, case_id, it->man.item,
		    json_string_value(json_object_get(st, "sha256")));
		if (rc == 0)
			rc = 1;
	} else if (state && strcmp(state, "receiving") != 0) {
		/* Rejected, declined, incomplete: the receipt says why. */
		const char *r =
		    json_string_value(json_object_get(st, "reason"));

		rc = px_error_set(PX_ECONFLICT,
		    "%s's copy of item %s is %s%s%s", peer, it->man.exhibit,
		    state, r ? ": " : "", r ? r : "");
	} else {
		rc = 0;
	}
out:
	if (lanes[1].c)
		px_client_free(lanes[1].c);
	free(p.why);
	pthread_mutex_destroy(&p.mu);
	json_decref(st);
	free(path);
	free(d);
	px_chunks_free(s);
	px_case_dispose(&cs);
	return rc;
}

/* --- the background worker ------------------------------------------- */

struct px_xfer {
	char *dir;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned long kicks;
	int stop;
};

struct job {
	char *case_id, *item, *peer;
};

struct jobs {
	struct job *j;
	size_t n;
};

static int
add_job(const struct px_evidence_row *r, void *arg)
{
	struct jobs *js = arg;

	js->j = px_realloc(js->j, (js->n + 1) * sizeof(*js->j));
	js->j[js->n].case_id = px_strdup(r->case_id);
	js->j[js->n].item = px_strdup(r->item);
	js->j[js->n].peer = px_strdup(r->peer);
	js->n++;
	return 0;
}

static void
free_jobs(struct jobs *js)
{
	for (size_t i = 0; i < js->n; i++) {
		free(js->j[i].case_id);
		free(js->j[i].item);
		free(js->j[i].peer);
	}
	free(js->j);
	memset(js, 0, sizeof(*js));
}

/* One pass: decide, then push each accepted item.  Returns 1 if some
 * work is left (a busy peer, an error to retry). */
static int
pass(struct px_xfer *x, struct px_node *n)
{
	struct px_evidence_filter f = { .state = "sending" };
	struct jobs js = { 0 };
	size_t decided;
	int left = 0;

	if (px_ev_decide_pending(n, false, &decided) < 0) {
		fprintf(stderr, "parley: deciding evidence offers: %s\n",
		    px_error_last());
		left = 1;
	}
	if (PX_STORE_CALL(n->store, evidence_list, &f, add_job, &js) < 0) {
		free_jobs(&js);
		return 1;
	}
	for (size_t i = 0; i < js.n && !x->stop; i++) {
		struct px_client *c = px_outbox_client(n, js.j[i].peer);
		int rc;

		if (c == NULL) {
			left = 1;
			continue;
		}
		rc = px_xfer_push(n, c, js.j[i].peer, js.j[i].case_id,
		    js.j[i].item, NULL, NULL, &x->stop);
		if (rc < 0)
			fprintf(stderr,
			    "parley: evidence transfer of %.16s... to %s: "
			    "%s\n",
			    js.j[i].item, js.j[i].peer, px_error_last());
		if (rc <= 0)
			left = 1;
		px_client_free(c);
	}
	free_jobs(&js);
	return left;
}

static void *
run(void *arg)
{
	struct px_xfer *x = arg;
	struct px_node *n = NULL;
	unsigned long seen = 0;
	long wait_ms = 1000;

	for (;;) {
		struct timespec ts;
		int left;

		pthread_mutex_lock(&x->mu);
		if (x->stop) {
			pthread_mutex_unlock(&x->mu);
			break;
		}
		seen = x->kicks;
		pthread_mutex_unlock(&x->mu);
		if (n == NULL && px_node_open(&n, x->dir) < 0)
			n = NULL;
		left = n ? pass(x, n) : 1;
		/* A peer that fails is tried again after a growing wait;
		 * new evidence messages wake the worker at once. */
		wait_ms = left ? (wait_ms < 30000 ? wait_ms * 2 : 30000) : 1000;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += wait_ms / 1000;
		ts.tv_nsec += (wait_ms % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_mutex_lock(&x->mu);
		while (!x->stop && x->kicks == seen)
			if (pthread_cond_timedwait(&x->cv, &x->mu, &ts) != 0)
				break;
		if (x->kicks != seen)
			wait_ms = 500;
		pthread_mutex_unlock(&x->mu);
	}
	px_node_free(n);
	return NULL;
}

int
px_xfer_start(struct px_xfer **out, const char *dir)
{
	struct px_xfer *x = px_calloc(1, sizeof(*x));

	x->dir = px_strdup(dir);
	pthread_mutex_init(&x->mu, NULL);
	pthread_cond_init(&x->cv, NULL);
	if (pthread_create(&x->thread, NULL, run, x) != 0) {
		free(x->dir);
		free(x);
		return px_error_set(PX_ERR, "cannot start the evidence worker");
	}
	*out = x;
	return 0;
}

void
px_xfer_kick(struct px_xfer *x)
{
	if (x == NULL)
		return;
	pthread_mutex_lock(&x->mu);
	x->kicks++;
	pthread_cond_broadcast(&x->cv);
	pthread_mutex_unlock(&x->mu);
}

void
px_xfer_stop(struct px_xfer *x)
{
	if (x == NULL)
		return;
	pthread_mutex_lock(&x->mu);
	x->stop = 1;
	pthread_cond_broadcast(&x->cv);
	pthread_mutex_unlock(&x->mu);
	pthread_join(x->thread, NULL);
	pthread_mutex_destroy(&x->mu);
	pthread_cond_destroy(&x->cv);
	free(x->dir);
	free(x);
}

/* --- offline ----------------------------------------------------------- */

int
px_xfer_export_dir(
    struct px_node *n, const char *case_ref, const char *ref, const char *dir)
{
	struct px_chunks *s = NULL;
	struct px_case c;
	const struct px_ev_item *it;
	px_digest *d = NULL;
	size_t nd = 0;
	struct px_buf chunk, frame;
	json_t *head = NULL;
	char *p = NULL, *txt = NULL;
	int rc;

	px_buf_init(&chunk, PX_CHUNK_SIZE);
	px_buf_init(&frame, PX_CHUNK_SIZE + PX_EV_FRAME_MAX_HEADER);
	if ((rc = px_ev_load(&c, &it, n, case_ref, ref)) < 0)
		goto out;
	if (strcmp(px_ev_state(n, &c, it), "sending") != 0) {
		rc = px_error_set(PX_ECONFLICT,
		    "item %s is %s: a bundle directory carries an item its "
		    "receiver accepted (parley evidence offer, then the "
		    "peer's accept)",
		    it->man.exhibit, px_ev_state(n, &c, it));
		goto out;
	}
	if (px_file_exists(dir) && !px_dir_empty(dir)) {
		rc = px_error_set(PX_ECONFLICT,
		    "%s exists and is not empty; give a new directory", dir);
		goto out;
	}
	p = px_asprintf("%s/chunks", dir);
	if ((rc = px_mkdir_p(p, 0700)) < 0 ||
	    (rc = px_chunks_open(&s, n->dir)) < 0 ||
	    (rc = px_chunks_list_get(s, it->man.root, &d, &nd)) < 0)
		goto out;
	head = json_pack("{ss ss ss ss sO}", "case", c.id, "from", n->name,
	    "to", strcmp(c.requester, n->name) == 0 ? c.responder : c.requester,
	    "item", it->man.item, "manifest", it->man.obj);
	txt = px_canon_string(head);
	free(p);
	p = px_asprintf("%s/item.json", dir);
	if (txt == NULL) {
		rc = PX_EINVAL;
		goto out;
	}
	if ((rc = px_file_write(p, txt, strlen(txt), 0600)) < 0)
		goto out;
	free(p);
	p = px_asprintf("%s/chunks.list", dir);
	if ((rc = px_file_write(p, d, nd * sizeof(px_digest), 0600)) < 0)
		goto out;
	for (size_t i = 0; i < nd; i++) {
		if ((rc = px_chunks_get(s, d[i], &chunk, true)) < 0) {
			px_error_prefix(
			    "chunk %zu of item %s", i, it->man.exhibit);
			goto out;
		}
		if ((rc = make_frame(
		         &frame, it->man.item, (int64_t)i, &chunk, d[i])) < 0)
			goto out;
		free(p);
		p = px_asprintf("%s/chunks/%08zu", dir, i);
		if ((rc = px_file_write(p, frame.data, frame.len, 0600)) < 0)
			goto out;
	}
	rc = sign_transferred(n, c.id, it->man.item, it->man.sha256);
out:
	json_decref(head);
	free(txt);
	free(p);
	free(d);
	px_buf_dispose(&chunk);
	px_buf_dispose(&frame);
	px_chunks_free(s);
	px_case_dispose(&c);
	return rc;
}

int
px_xfer_import_dir(json_t **out, struct px_node *n, const char *dir)
{
	static const char *const mem[] = { "case", "from", "to", "item",
		"manifest", NULL };
	struct px_chunks *s = NULL;
	struct px_case c;
	const struct px_ev_item *it = NULL;
	struct px_buf b;
	json_t *head = NULL;
	const char *from, *item;
	char *p = NULL;
	int rc;

	*out = NULL;
	px_case_init(&c);
	px_buf_init(&b, PX_CHUNK_SIZE + PX_EV_FRAME_MAX_HEADER);
	p = px_asprintf("%s/item.json", dir);
	if ((rc = px_file_read(&b, p, 1 << 20)) < 0 ||
	    (rc = px_canon_parse_exact(&head, b.data, b.len, 1 << 20, p)) < 0 ||
	    (rc = px_j_only(head, mem, p)) < 0 ||
	    (rc = px_j_str(&from, head, "from", 253, p)) < 0 ||
	    (rc = px_j_str(&item, head, "item", 64, p)) < 0)
		goto out;
	/* Only what our own record says counts: the case, the offer and
	 * our acceptance; the file just names them. */
	if ((rc = load_transfer(&c, &it, n, from, item)) < 0 ||
	    (rc = must_receive(n, &c, it)) < 0 ||
	    (rc = px_chunks_open(&s, n->dir)) < 0)
		goto out;
	free(p);
	p = px_asprintf("%s/chunks.list", dir);
	px_buf_reset(&b);
	if ((rc = px_file_read(&b, p, (size_t)1 << 30)) < 0 ||
	    (rc = take_list(s, it, b.data, b.len)) < 0)
		goto out;
	if (px_ev_held_locally(n, it)) {
		if ((rc = finish_held(n, s, &c, it)) < 0 ||
		    (rc = px_xfer_status(out, n, from, item)) < 0)
			goto out;
		if (strcmp(json_string_value(json_object_get(*out, "state")),
		        "receiving") != 0)
			goto out;
		json_decref(*out);
		*out = NULL;
	}
	for (int64_t i = 0; i < it->man.chunks; i++) {
		json_t *st = NULL;

		free(p);
		p = px_asprintf("%s/chunks/%08lld", dir, (long long)i);
		px_buf_reset(&b);
		if (!px_chunks_stage_has(s, it->man.item, (size_t)i) &&
		    (rc = px_file_read(
		         &b, p, PX_CHUNK_SIZE + PX_EV_FRAME_MAX_HEADER)) < 0) {
			px_error_prefix("chunk %lld of item %s", (long long)i,
			    it->man.exhibit);
			goto out;
		}
		/* The same path as a chunk from the network. */
		rc = px_xfer_put_chunk(&st, n, from, item, i, b.data, b.len);
		json_decref(*out);
		*out = st;
		if (rc < 0)
			goto out;
	}
	if (it->man.chunks == 0)
		rc = complete(out, n, s, from, item);
out:
	json_decref(head);
	free(p);
	px_buf_dispose(&b);
	px_chunks_free(s);
	px_case_dispose(&c);
	return rc;
}
