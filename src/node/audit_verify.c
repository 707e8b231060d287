/*
 * Verifying an audit bundle with no node directory (audit.h,
 * docs/audit.md).
 *
 * Order matters for the diagnosis: the canonical form first (a changed
 * space or escape is named by its line and byte), then the cards, every
 * checkpoint and cosignature, every consistency proof, every entry's
 * signature and inclusion, the message chains, and the exporter's own
 * signature over the whole last, so that a change inside a signed item
 * is named by that item, and only a change to the unsigned wrapping
 * (period, agreement, which items are listed) is left to the outer
 * signature.  What fails first in the file is what is reported.
 *
 * A version 2 bundle is read line by line in one pass, as a pipeline:
 * this thread reads lines into batches; a pool of threads parses each
 * line, checks its canonical form, and checks what a line can show by
 * itself (an entry's form, owner, addressee and Ed25519 signature; a
 * checkpoint's signatures); this thread then takes the batches back in
 * file order and checks what depends on order: which log a line is in,
 * each section's entries and shared nodes rebuilding its checkpoint's
 * root in a few hashes of memory (px_merkle_acc), the consistency
 * proofs.  Each message goes to a scratch table (store/scratch.h), read
 * back sorted for the hash chains, and case by case for the timelines,
 * which the pool replays in parallel too.  So time is linear in the
 * entries (plus the scratch table's sorts) and spread over every CPU,
 * and memory does not grow with the bundle: it holds the checkpoints'
 * sizes and roots (48 bytes each), the batches in flight, and the
 * messages of the cases in flight.
 */
#include <errno.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "model/accord.h"
#include "model/bundle.h"
#include "model/canon.h"
#include "model/card.h"
#include "model/case.h"
#include "node/audit.h"
#include "node/audit_custody.h"
#include "node/view.h"
#include "store/scratch.h"
#include "util/pool.h"
#include "util/tz.h"
#include "util/util.h"

/* ---- the parties ------------------------------------------------------ */

struct party {
	struct px_card card;
	struct px_vkey logk, witk;
	struct px_tz *tz;
	struct px_calendar cal;
};

static int
load_party(struct party *p, json_t *env, const char *what)
{
	const char *lk, *wk, *s;
	const json_t *h;
	int rc;

	if ((rc = px_card_from_json(&p->card, env, what)) < 0)
		return rc;
	lk = json_string_value(json_object_get(p->card.c, "log_key"));
	wk = json_string_value(json_object_get(p->card.c, "witness_key"));
	if ((rc = px_vkey_parse(&p->logk, lk)) < 0 ||
	    (rc = px_vkey_parse(&p->witk, wk)) < 0 ||
	    (rc = px_tz_load(&p->tz, p->card.timezone)) < 0)
		return rc;
	px_calendar_init(&p->cal, p->tz);
	if ((h = p->card.hours) != NULL) {
		struct px_buf hol;
		size_t i;
		const json_t *d;

		if ((s = json_string_value(json_object_get(h, "days"))) &&
		    (rc = px_calendar_set_workdays(&p->cal, s)) < 0)
			return rc;
		if ((s = json_string_value(json_object_get(h, "time"))) &&
		    (rc = px_calendar_set_hours(&p->cal, s)) < 0)
			return rc;
		px_buf_init(&hol, PX_BUF_NOCAP);
		json_array_foreach(json_object_get(h, "holidays"), i, d)
		    px_buf_putf(
		        &hol, "%s%s", i ? "," : "", json_string_value(d));
		rc = hol.len ? px_calendar_set_holidays(&p->cal, hol.data) : 0;
		px_buf_dispose(&hol);
	}
	return rc;
}

/* ---- checkpoints by size ------------------------------------------------ */

struct cp {
	uint64_t size;
	uint8_t root[32];
	bool used;
};

/* Open addressing, so that a log of many checkpoints costs 48 bytes
 * each and one probe per lookup. */
struct cpmap {
	struct cp *slot;
	size_t cap, n;
};

static struct cp *
cp_find(const struct cpmap *m, uint64_t size)
{
	if (m->cap == 0)
		return NULL;
	for (size_t i = (size * 0x9e3779b97f4a7c15ull) & (m->cap - 1);;
	     i = (i + 1) & (m->cap - 1)) {
		if (!m->slot[i].used)
			return NULL;
		if (m->slot[i].size == size)
			return &m->slot[i];
	}
}

/* The slot for `size`: the one held, or a new one (used, root unset). */
static struct cp *
cp_add(struct cpmap *m, uint64_t size, bool *fresh)
{
	struct cp *c;

	if ((c = cp_find(m, size)) != NULL) {
		*fresh = false;
		return c;
	}
	if (2 * (m->n + 1) > m->cap) {
		struct cpmap g = { .cap = m->cap ? 2 * m->cap : 16 };

		g.slot = px_calloc(g.cap, sizeof(*g.slot));
		for (size_t i = 0; i < m->cap; i++)
			if (m->slot[i].used) {
				bool f;

				*cp_add(&g, m->slot[i].size, &f) = m->slot[i];
			}
		free(m->slot);
		*m = g;
	}
	for (size_t i = (size * 0x9e3779b97f4a7c15ull) & (m->cap - 1);;
	     i = (i + 1) & (m->cap - 1))
		if (!m->slot[i].used) {
			m->slot[i].used = true;
			m->slot[i].size = size;
			m->n++;
			*fresh = true;
			return &m->slot[i];
		}
}

/* ---- reading the input line by line ------------------------------------ */

struct rd {
	FILE *f;
	const char *mem; /* or the whole input in memory */
	size_t mem_len;
	uint64_t off; /* where the next line starts */
	struct px_buf line;
	char *chunk;
	size_t clen, cpos;
	/* the line read last */
	const char *text;
	size_t len;
	uint64_t at;    /* its offset */
	uint64_t total; /* bytes in all, if known */
};

/* Reads the next line (without its LF) into r->text/len.  1: a line;
 * 0: the end; < 0: a line longer than max, or a read error.  A last
 * line without LF is returned too; *lf says whether it had one. */
static int
rd_next(struct rd *r, size_t max, bool *lf, const char *what)
{
	r->at = r->off;
	if (r->mem) {
		const char *p, *e;

		if (r->off >= r->mem_len)
			return 0;
		p = r->mem + r->off;
		e = memchr(p, '\n', r->mem_len - r->off);
		r->text = p;
		r->len = e ? (size_t)(e - p) : r->mem_len - r->off;
		*lf = e != NULL;
		r->off += r->len + (e != NULL);
		if (r->len > max)
			return px_error_set(PX_EINVAL,
			    "%s: line at byte %llu is longer than %zu bytes",
			    what, (unsigned long long)r->at, max);
		return 1;
	}
	px_buf_reset(&r->line);
	for (;;) {
		char *e;
		size_t n;

		if (r->cpos == r->clen) {
			r->clen = fread(r->chunk, 1, 1 << 16, r->f);
			r->cpos = 0;
			if (r->clen == 0) {
				if (ferror(r->f))
					return px_error_set(
					    PX_ERR, "%s: read error", what);
				if (r->line.len == 0)
					return 0;
				*lf = false;
				break;
			}
		}
		e = memchr(r->chunk + r->cpos, '\n', r->clen - r->cpos);
		n = e ? (size_t)(e - (r->chunk + r->cpos)) : r->clen - r->cpos;
		if (r->line.len + n > max)
			return px_error_set(PX_EINVAL,
			    "%s: line at byte %llu is longer than %zu bytes",
			    what, (unsigned long long)r->at, max);
		px_buf_put(&r->line, r->chunk + r->cpos, n);
		r->cpos += n + (e != NULL);
		if (e) {
			*lf = true;
			break;
		}
	}
	r->text = r->line.data ? r->line.data : "";
	r->len = r->line.len;
	r->off += r->len + *lf;
	return 1;
}

/* `len` bytes at `off` of the input, into out (heap, NUL-terminated). */
static int
rd_at(struct rd *r, uint64_t off, size_t len, char **out, const char *what)
{
	char *b = px_malloc(len + 1);

	if (r->mem) {
		if (off + len > r->mem_len) {
			free(b);
			return px_error_set(
			    PX_ERR, "%s: read past the end", what);
		}
		memcpy(b, r->mem + off, len);
	} else {
		size_t got = 0;

		while (got < len) {
			ssize_t k = pread(fileno(r->f), b + got, len - got,
			    (off_t)(off + got));

			if (k <= 0) {
				free(b);
				return px_error_set(PX_ERR,
				    "%s: cannot read it again to show the "
				    "cases (it must be a regular file): %s",
				    what,
				    k < 0 ? strerror(errno) : "it shrank");
			}
			got += (size_t)k;
		}
	}
	b[len] = '\0';
	*out = b;
	return 0;
}

/* ---- the verifier's state ------------------------------------------------ */

struct av {
	struct party party[2];
	size_t nparty;
	struct cpmap cps[2];
	bool have_log[2];
	struct px_agreement ag;
	int64_t created;
	int exporter;
	struct px_audit_result *res;
	const struct px_audit_verify_opts *o;
	const char *what;
	struct rd *in;
	struct px_scratch *sc;
	char *deferred;    /* the exporter's signature failed: said last */
	uint64_t total;    /* bytes of input, for progress (0: unknown) */
	const char *first; /* line 1, kept while line 2 tells the version */
	size_t first_len;
	/* The agreement exchange's messages, kept aside in file order (a
	 * few per version), and the record built from them before the
	 * cases are replayed: each case counts under the version it names
	 * (docs/clocks.md, "Which terms a case counts under"). */
	struct px_msg **amsg;
	size_t namsg;
	struct px_accord accord;
};

static void note(struct av *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note_text(struct av *v, const char *text)
{
	if (v->o->note)
		v->o->note(text, v->o->arg);
	else
		json_array_append_new(v->res->notes, json_string(text));
}

static void
note(struct av *v, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	note_text(v, buf);
}

static int
party_index(const struct av *v, const char *name)
{
	for (size_t i = 0; i < v->nparty; i++)
		if (strcmp(v->party[i].card.name, name) == 0)
			return (int)i;
	return -1;
}

/* The object of the bundle's head: members, version, names, time,
 * agreement and cards.  Version 1's head also holds "logs". */
static int
check_head(struct av *v, const json_t *o, int version)
{
	static const char *const mem1[] = { "v", "by", "peer", "created",
		"from", "to", "cards", "agreement", "logs", NULL };
	static const char *const mem2[] = { "v", "by", "peer", "created",
		"from", "to", "cards", "agreement", NULL };
	const char *by, *peer, *what = v->what;
	const json_t *cards;
	int64_t ver;
	int rc;

	if ((rc = px_j_only(o, version == 1 ? mem1 : mem2, what)) < 0 ||
	    (rc = px_j_int(&ver, o, "v", version, version, what)) < 0 ||
	    (rc = px_j_str(&by, o, "by", 253, what)) < 0 ||
	    (rc = px_j_str(&peer, o, "peer", 253, what)) < 0 ||
	    (rc = px_j_time(&v->created, o, "created", what)) < 0 ||
	    (rc = px_agreement_from_json(
	         &v->ag, json_object_get(o, "agreement"))) < 0)
		return rc;
	cards = json_object_get(o, "cards");
	if (!json_is_array(cards) || json_array_size(cards) != 2 ||
	    (version == 1 &&
	        (!json_is_array(json_object_get(o, "logs")) ||
	            json_array_size(json_object_get(o, "logs")) != 2)))
		return px_error_set(PX_EINVAL,
		    version == 1 ? "%s: expected two cards and two logs"
		                 : "%s: expected two cards",
		    what);
	for (size_t i = 0; i < 2; i++) {
		char w[32];

		snprintf(w, sizeof(w), "card %zu", i + 1);
		if ((rc = load_party(
		         &v->party[i], json_array_get(cards, i), w)) < 0)
			return rc;
		v->nparty++;
	}
	/* The cards are only self-signed: who they belong to is what a
	 * verifier checks with each party, by these fingerprints. */
	for (size_t i = 0; i < v->nparty; i++) {
		char fp[45];

		px_key_fingerprint(fp, v->party[i].card.sign_pk);
		note(v,
		    "%s signs with key fingerprint %s: compare it with "
		    "%s itself before trusting this record",
		    v->party[i].card.name, fp, v->party[i].card.name);
	}
	if ((v->exporter = party_index(v, by)) < 0 ||
	    party_index(v, peer) < 0 || v->exporter == party_index(v, peer))
		return px_error_set(PX_EINVAL,
		    "%s: the cards are not those of %s and %s", what, by, peer);
	return 0;
}

/* Starts the log of `origin`: its index in party[], once. */
static int
start_log(struct av *v, const char *origin, size_t nth, int *who)
{
	*who = origin ? party_index(v, origin) : -1;
	if (*who < 0)
		return px_error_set(
		    PX_EINVAL, "%s: log %zu has no known origin", v->what, nth);
	if (v->have_log[*who])
		return px_error_set(PX_EINVAL,
		    "%s: two logs of %s; expected one log per party", v->what,
		    origin);
	v->have_log[*who] = true;
	return 0;
}

/* ---- checkpoints: what a note shows by itself, then its place
 * ---------------- */

struct ckp {
	int who;    /* the party whose log it says it is */
	bool whole; /* signed by that party, its size and root known */
	uint64_t size;
	uint8_t root[32];
	uint64_t *cos; /* times of the other party's cosignatures */
	size_t ncos;
};

/* Note `s` (`where` names it) of the log of party `who` (-1 if not
 * known yet: then the checkpoint's origin says whose): signed by that
 * party's log key, a checkpoint of its log; every cosignature by the
 * other party verifies. */
static int
ckp_content(const struct av *v, int who, const char *s, const char *where,
    struct ckp *out)
{
	struct px_note nt = { 0 };
	struct px_checkpoint c = { 0 };
	const struct party *p, *o;
	char pre[300];
	uint64_t ok = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->who = who;
	if (s == NULL)
		return px_error_set(PX_EINVAL, "%s is not a string", where);
	if (who < 0) {
		/* The origin is the text's first line. */
		size_t k = strcspn(s, "\n");

		snprintf(pre, sizeof(pre), "%.*s", (int)(k < 255 ? k : 255), s);
		if ((who = out->who = party_index(v, pre)) < 0)
			return px_error_set(PX_EINVAL,
			    "%s: its origin '%s' is neither party", where, pre);
	}
	p = &v->party[who];
	o = &v->party[1 - who];
	if ((rc = px_note_parse(&nt, s, strlen(s))) < 0 ||
	    (rc = px_note_verify(&nt, &p->logk, 1, &ok)) < 0 ||
	    (ok == 0 &&
	        (rc = px_error_set(PX_EINVAL, "not signed by %s's log key",
	             p->card.name)) < 0) ||
	    (rc = px_checkpoint_parse(&c, nt.text, nt.text_len)) < 0) {
		px_error_prefix("log of %s, %s", p->card.name, where);
		goto out;
	}
	if (strcmp(c.origin, p->card.name) != 0) {
		rc = px_error_set(PX_EINVAL, "log of %s, %s: origin is %s",
		    p->card.name, where, c.origin);
		goto out;
	}
	out->size = c.size;
	memcpy(out->root, c.root, 32);
	out->whole = true;
	for (size_t k = 0; k < nt.nsigs; k++) {
		uint64_t ts;

		if (strcmp(nt.sigs[k].name, o->witk.name) != 0 ||
		    nt.sigs[k].id != o->witk.id)
			continue;
		if ((rc = px_cosig_verify(
		         &nt.sigs[k], &o->witk, nt.text, &ts)) < 0) {
			px_error_prefix("log of %s, checkpoint of size %llu: "
			                "cosignature by %s",
			    p->card.name, (unsigned long long)c.size,
			    o->card.name);
			goto out;
		}
		out->cos = px_realloc(out->cos, (out->ncos + 1) * sizeof(ts));
		out->cos[out->ncos++] = ts;
	}
	rc = 0;
out:
	px_checkpoint_dispose(&c);
	px_note_dispose(&nt);
	return rc;
}

/* A checkpoint in the log of `who`, in file order: recorded by size,
 * not a second root for a size; its cosignatures are notes. */
static int
ckp_place(struct av *v, int who, const struct ckp *c)
{
	const struct party *p = &v->party[who];
	struct cp *slot;
	bool fresh;

	slot = cp_add(&v->cps[who], c->size, &fresh);
	if (!fresh && memcmp(slot->root, c->root, 32) != 0)
		return px_error_set(PX_EINVAL,
		    "log of %s: two signed checkpoints of size %llu with "
		    "different roots: a split view (fork)",
		    p->card.name, (unsigned long long)c->size);
	memcpy(slot->root, c->root, 32);
	v->res->checkpoints++;
	for (size_t k = 0; k < c->ncos; k++) {
		char tm[PX_TIME_STRLEN];

		px_time_format(tm, (int64_t)c->cos[k] * 1000);
		note(v, "checkpoint %llu of %s's log cosigned by %s at %.19sZ",
		    (unsigned long long)c->size, p->card.name,
		    v->party[1 - who].card.name, tm);
	}
	return 0;
}

static int
path_of(uint8_t out[][32], size_t *n, size_t max, const json_t *a,
    const char *what, const char *name)
{
	size_t i, got;
	const json_t *h;

	if (!json_is_array(a) || json_array_size(a) > max)
		return px_error_set(PX_EINVAL,
		    "%s: '%s' must be an array of at most %zu hashes", what,
		    name, max);
	json_array_foreach(a, i, h)
	{
		if (!json_is_string(h) ||
		    px_b64_decode(out[i], 32, &got, json_string_value(h)) < 0 ||
		    got != 32)
			return px_error_set(PX_EINVAL,
			    "%s: %s hash %zu is not base64 of 32 bytes", what,
			    name, i + 1);
	}
	*n = json_array_size(a);
	return 0;
}

static int
check_consistency(struct av *v, int who, const json_t *c)
{
	int64_t s1 = json_integer_value(json_object_get(c, "size1"));
	int64_t s2 = json_integer_value(json_object_get(c, "size2"));
	const struct cp *c1 = cp_find(&v->cps[who], (uint64_t)s1);
	const struct cp *c2 = cp_find(&v->cps[who], (uint64_t)s2);
	uint8_t path[64][32];
	size_t np;
	char what[96];
	int rc;

	snprintf(what, sizeof(what), "log of %s, consistency %lld->%lld",
	    v->party[who].card.name, (long long)s1, (long long)s2);
	if (!json_is_object(c))
		return px_error_set(PX_EINVAL, "%s: malformed", what);
	if (c1 == NULL || c2 == NULL)
		return px_error_set(PX_EINVAL,
		    "%s: no checkpoint of that size in the bundle", what);
	if ((rc = path_of(
	         path, &np, 64, json_object_get(c, "path"), what, "path")) < 0)
		return rc;
	if (px_merkle_verify_consistency(c1->size, c2->size, c1->root, c2->root,
	        (const uint8_t(*)[32])path, np) < 0)
		return px_error_set(PX_EINVAL,
		    "%s: the proof does not join the two checkpoints", what);
	return 0;
}

/* ---- entries: what one shows by itself, then its place
 * ----------------------- */

/*
 * A canonical envelope e = {"KIND":JCS(object),"sig":"B64"} holds the
 * object's canonical bytes: the signed bytes are "parley-KIND-v1" LF and
 * those, so nothing needs serializing again.  Finds them (false if e is
 * not laid out so), and hashes the signed bytes into hex.
 */
static bool
signed_part(const char *e, size_t elen, const json_t *env, const char **kind,
    size_t *off, size_t *len, char hex[PX_HASH_HEX])
{
	const char *sig = json_string_value(json_object_get(env, "sig"));
	struct sha256_ctx c;
	uint8_t h[32];
	char pre[24];
	size_t klen, slen;

	*kind = json_object_get(env, "msg") ? "msg" : "receipt";
	if (sig == NULL)
		return false;
	klen = strlen(*kind) + 4;
	slen = strlen(sig) + 10;
	if (elen < klen + slen || e[0] != '{' || e[1] != '"' ||
	    memcmp(e + 2, *kind, klen - 4) != 0 || e[klen - 1] != ':' ||
	    memcmp(e + elen - slen, ",\"sig\":\"", 8) != 0)
		return false;
	*off = klen;
	*len = elen - klen - slen;
	snprintf(pre, sizeof(pre), "parley-%s-v1\n", *kind);
	sha256_init(&c);
	sha256_update(&c, strlen(pre), (const uint8_t *)pre);
	sha256_update(&c, *len, (const uint8_t *)e + *off);
	sha256_digest(&c, 32, h);
	px_hex_encode(hex, h, 32);
	return true;
}

/* What an entry shows by itself, and what the scratch table needs. */
struct ent {
	int64_t idx;
	int who; /* the party that signed it (its "from") */
	bool receipt;
	uint8_t leaf[32];
	char case_id[PX_UUID_STRLEN], hash[PX_HASH_HEX], prev[PX_HASH_HEX];
	char msg[PX_HASH_HEX]; /* a receipt's message */
	int64_t time_ms, seq, received_ms;
	bool accord; /* a message of the agreement exchange (kept aside) */
};

/*
 * Entry `idx`, parsed as `env` from its canonical bytes e[0, elen): a
 * message or receipt signed by one party (who it says), addressed to
 * the other, a receipt naming its own index; its Ed25519 signature
 * verifies.  Errors start with "entry IDX" (the caller says whose log).
 */
static int
ent_content(const struct av *v, json_t *env, int64_t idx, const char *e,
    size_t elen, struct ent *out)
{
	struct px_msg *m = NULL;
	struct px_receipt *r = NULL;
	const char *kind, *from, *to, *sig64;
	uint8_t sig[64];
	struct px_buf sb;
	char what[64];
	size_t soff = 0, slen = 0, got = 0;
	bool known;
	int rc;

	memset(out, 0, sizeof(*out));
	out->idx = idx;
	snprintf(what, sizeof(what), "entry %lld", (long long)idx);
	px_merkle_leaf_hash(out->leaf, e, elen);
	known = signed_part(e, elen, env, &kind, &soff, &slen, out->hash);
	if (strcmp(kind, "msg") == 0) {
		if ((rc = px_msg_parse_known(
		         &m, env, known ? out->hash : NULL, what)) < 0)
			goto out;
		from = m->from;
		to = m->to;
		memcpy(out->case_id, m->case_id, PX_UUID_STRLEN);
		memcpy(out->prev, m->prev, PX_HASH_HEX);
		out->time_ms = m->time_ms;
		out->accord = m->type == PX_MSG_PROPOSE ||
		    m->type == PX_MSG_ACCEPT || m->type == PX_MSG_DECLINE ||
		    m->type == PX_MSG_WITHDRAW;
		out->seq = m->seq;
	} else {
		if ((rc = px_receipt_parse_known(
		         &r, env, known ? out->hash : NULL, what)) < 0)
			goto out;
		out->receipt = true;
		from = r->from;
		to = r->to;
		memcpy(out->msg, r->msg, PX_HASH_HEX);
		out->seq = r->seq;
		out->received_ms = r->received_ms;
		if (r->index != idx) {
			rc = px_error_set(PX_EINVAL,
			    "%s: receipt issuer or index does not match its "
			    "place in the log",
			    what);
			goto out;
		}
	}
	if ((out->who = party_index(v, from)) < 0) {
		rc = px_error_set(PX_EINVAL,
		    "%s: signed by %s, who is neither party", what, from);
		goto out;
	}
	if (strcmp(to, v->party[1 - out->who].card.name) != 0) {
		rc = px_error_set(PX_EINVAL,
		    "%s: addressed to %s, not to %s: it does not belong in "
		    "this bundle",
		    what, to, v->party[1 - out->who].card.name);
		goto out;
	}
	if (!known) {
		rc = px_error_set(PX_EINVAL, "%s: not in canonical form", what);
		goto out;
	}
	sig64 = json_string_value(json_object_get(env, "sig"));
	if (px_b64_decode(sig, 64, &got, sig64) < 0 || got != 64) {
		rc = px_error_set(
		    PX_EINVAL, "%s: signature is not base64 of 64 bytes", what);
		goto out;
	}
	px_buf_init(&sb, PX_BUF_NOCAP);
	px_buf_putf(&sb, "parley-%s-v1\n", kind);
	px_buf_put(&sb, e + soff, slen);
	rc = px_verify(v->party[out->who].card.sign_pk, sig, sb.data, sb.len);
	px_buf_dispose(&sb);
	if (rc < 0)
		rc = px_error_set(PX_EINVAL,
		    "%s: %s %s %s %lld: signature does not verify (the content "
		    "was altered, or it was signed with another key)",
		    what, m ? "message" : "receipt from", from,
		    m ? "seq" : "for seq", (long long)out->seq);
out:
	px_msg_free(m);
	px_receipt_free(r);
	return rc;
}

/* Keeps a message of the agreement exchange (already verified) for the
 * record built in finish(). */
static int
keep_accord(struct av *v, const char *raw, int64_t off, int64_t len)
{
	char *text = NULL;
	json_t *env = NULL;
	struct px_msg *m = NULL;
	int rc;

	if (off < 0)
		text = px_strndup(raw, (size_t)len);
	else if ((rc = rd_at(
	              v->in, (uint64_t)off, (size_t)len, &text, v->what)) < 0)
		return rc;
	if ((rc = px_json_parse(&env, text, (size_t)len, PX_MSG_MAX_BYTES,
	         "agreement message")) == 0 &&
	    (rc = px_msg_parse(&m, env, "agreement message")) == 0) {
		v->amsg =
		    px_realloc(v->amsg, (v->namsg + 1) * sizeof(*v->amsg));
		v->amsg[v->namsg++] = m;
	}
	json_decref(env);
	free(text);
	return rc;
}

static int
by_replay_order(const void *a, const void *b)
{
	const struct px_msg *x = *(struct px_msg *const *)a;
	const struct px_msg *y = *(struct px_msg *const *)b;
	int c;

	if ((c = strcmp(x->case_id, y->case_id)) != 0)
		return c;
	if (x->time_ms != y->time_ms)
		return x->time_ms < y->time_ms ? -1 : 1;
	if ((c = strcmp(x->from, y->from)) != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The agreement record the bundle holds: each proposal with its answer
 * (docs/protocol.md, "Agreements"), from the messages kept aside. */
static void
build_accord(struct av *v)
{
	if (v->namsg > 1)
		qsort(v->amsg, v->namsg, sizeof(*v->amsg), by_replay_order);
	for (size_t i = 0; i < v->namsg;) {
		struct px_proposal pr;
		struct px_case c;
		size_t k = i;

		px_case_init(&c);
		for (; k < v->namsg &&
		     strcmp(v->amsg[k]->case_id, v->amsg[i]->case_id) == 0;
		     k++)
			if (px_case_replay(&c, v->amsg[k]) < 0)
				break;
		if (c.n > 0 && c.kind == PX_KIND_AGREEMENT &&
		    px_proposal_from_case(&pr, &c) == 0)
			px_accord_add(&v->accord, &pr);
		px_case_dispose(&c);
		while (k < v->namsg &&
		    strcmp(v->amsg[k]->case_id, v->amsg[i]->case_id) == 0)
			k++;
		i = k;
	}
}

/* The terms a case's clocks use: the version it names, from the bundle's
 * own proposals and acceptances (0: the defaults); else the exporter's
 * `agreement`, said in a note.  *used is the version, or -1.  Reads the
 * record only: the pool's threads call it at once. */
static const struct px_agreement *
bundle_terms(
    const struct av *v, const struct px_case *c, int64_t *used, json_t *notes)
{
	int i = c->agreement ? px_accord_find(&v->accord, c->agreement) : -1;
	char buf[256];

	*used = c->agreement;
	if (c->agreement == 0)
		return &v->accord.defaults;
	if (i >= 0)
		return &v->accord.v[i].terms;
	*used = -1;
	snprintf(buf, sizeof(buf),
	    "case %.8s names agreement version %lld, whose proposal and "
	    "acceptance are not in the bundle: its clocks use the "
	    "exporter's agreement",
	    c->id + 28, (long long)c->agreement);
	json_array_append_new(notes, json_string(buf));
	return &v->ag;
}

/* An entry in the log of `who`, in file order: signed by that party;
 * recorded for the chains and timelines (its bytes at `off` of the
 * input, or e itself when off < 0). */
static int
ent_place(struct av *v, int who, const struct ent *e, const char *raw,
    int64_t off, int64_t len)
{
	const char *p = v->party[who].card.name;
	int rc;

	if (e->who != who)
		return px_error_set(PX_EINVAL,
		    "log of %s, entry %lld: a %s from %s in %s's log", p,
		    (long long)e->idx, e->receipt ? "receipt" : "message",
		    v->party[e->who].card.name, p);
	if (e->receipt) {
		rc = px_scratch_receipt_put(v->sc, e->msg, e->received_ms);
	} else {
		struct px_scratch_msg row = { .case_id = e->case_id,
			.sender = p,
			.receiver = v->party[1 - who].card.name,
			.hash = e->hash,
			.prev = e->prev,
			.time_ms = e->time_ms,
			.seq = e->seq,
			.log = who,
			.index = e->idx,
			.off = off,
			.len = len,
			.raw = raw };

		rc = px_scratch_msg_put(v->sc, &row);
		if (rc == 0 && e->accord)
			rc = keep_accord(v, raw, off, len);
	}
	if (rc == 0)
		v->res->entries++;
	return rc;
}

/* ---- version 2, first pass: lines, in batches
 * --------------------------------- */

#define LINES_PER_BATCH 256

enum { L_OTHER, L_ENTRY, L_CKPT };

struct line {
	int64_t no;
	uint64_t at;     /* offset in the input */
	size_t off, len; /* in the batch's text */
	int type;
	int rc;           /* what the line showed by itself */
	char *err;        /* its message, when rc < 0 */
	json_t *j;        /* the record, for L_OTHER */
	struct ent e;     /* L_ENTRY */
	size_t gap, ngap; /* its "gap" hashes, in the batch's hashes */
	size_t elen;      /* the entry's bytes: from byte 9 of the line */
	struct ckp c;     /* L_CKPT */
};

struct lbatch {
	struct line l[LINES_PER_BATCH];
	size_t n;
	struct px_buf text, hashes;
	const char *what;
};

static void *
lbatch_make(void)
{
	struct lbatch *b = px_calloc(1, sizeof(*b));

	px_buf_init(&b->text, PX_BUF_NOCAP);
	px_buf_init(&b->hashes, PX_BUF_NOCAP);
	return b;
}

/* Empties a batch taken back. */
static void
lbatch_clear(struct lbatch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->l[i].err);
		json_decref(b->l[i].j);
		free(b->l[i].c.cos);
	}
	b->n = 0;
	px_buf_reset(&b->text);
	px_buf_reset(&b->hashes);
}

static void
lbatch_free(void *p)
{
	struct lbatch *b = p;

	lbatch_clear(b);
	px_buf_dispose(&b->text);
	px_buf_dispose(&b->hashes);
	free(b);
}

/* An entry record {"entry":E,"gap":[...],"index":N} by itself. */
static int
line_entry(const struct av *v, struct lbatch *b, struct line *l, json_t *j)
{
	static const char *const mem[] = { "entry", "gap", "index", NULL };
	static const char sep[] = ",\"gap\":[";
	const size_t seplen = sizeof(sep) - 1;
	const char *text = b->text.data + l->off, *e = text + 9, *end = NULL;
	const json_t *ix = json_object_get(j, "index");
	json_t *env = json_object_get(j, "entry");
	uint8_t h[PX_MERKLE_MAX_COVER][32];
	char what[64];
	int rc;

	l->e.idx = json_integer_value(ix);
	snprintf(what, sizeof(what), "entry %lld", (long long)l->e.idx);
	if ((rc = px_j_only(j, mem, what)) < 0)
		return rc;
	if (!json_is_object(env) || !json_is_integer(ix) || l->e.idx < 0)
		return px_error_set(PX_EINVAL, "%s: malformed", what);
	if ((rc = path_of(h, &l->ngap, PX_MERKLE_MAX_COVER,
	         json_object_get(j, "gap"), what, "gap")) < 0)
		return rc;
	l->gap = b->hashes.len / 32;
	px_buf_put(&b->hashes, h, l->ngap * 32);
	/* The line is canonical and "gap" holds base64 only: E ends at the
	 * last ',"gap":['. */
	for (size_t k = l->len; end == NULL && k >= seplen + 9; k--)
		if (memcmp(text + k - seplen, sep, seplen) == 0)
			end = text + k - seplen;
	if (end == NULL)
		return px_error_set(PX_EINVAL, "%s: malformed", what);
	l->elen = (size_t)(end - e);
	return ent_content(v, env, l->e.idx, e, l->elen, &l->e);
}

/* The pool's work: each line parsed, canonical, and checked as far as
 * it can be by itself. */
static void
lbatch_work(void *p, void *ctx)
{
	struct lbatch *b = p;
	const struct av *v = ctx;

	for (size_t i = 0; i < b->n; i++) {
		struct line *l = &b->l[i];
		char what[300];
		json_t *j = NULL;
		const char *type;

		snprintf(what, sizeof(what), "%s line %lld", v->what,
		    (long long)l->no);
		l->rc = px_canon_parse_exact(
		    &j, b->text.data + l->off, l->len, PX_AUDIT_MAX_LINE, what);
		if (l->rc == 0 &&
		    (!json_is_object(j) || json_object_size(j) == 0))
			l->rc = px_error_set(
			    PX_EINVAL, "%s: not a record of a bundle", what);
		if (l->rc < 0) {
			l->err = px_strdup(px_error_last());
			json_decref(j);
			continue;
		}
		type = json_object_iter_key(json_object_iter(j));
		if (strcmp(type, "entry") == 0) {
			l->type = L_ENTRY;
			l->rc = line_entry(v, b, l, j);
			json_decref(j);
			/* Named by the entry, whatever check said it. */
			if (l->rc < 0 &&
			    strncmp(px_error_last(), "entry ", 6) != 0)
				px_error_prefix("entry %lld (line %lld)",
				    (long long)l->e.idx, (long long)l->no);
		} else if (strcmp(type, "checkpoint") == 0 &&
		    json_object_size(j) == 1) {
			snprintf(what, sizeof(what), "checkpoint on line %lld",
			    (long long)l->no);
			l->type = L_CKPT;
			l->rc = ckp_content(v, -1,
			    json_string_value(json_object_get(j, "checkpoint")),
			    what, &l->c);
			json_decref(j);
		} else {
			l->j = j;
		}
		if (l->rc < 0)
			l->err = px_strdup(px_error_last());
	}
}

struct sec {
	bool open;
	int who;
	const struct cp *cp;
	struct px_merkle_acc acc;
	int64_t prev, first, count;
};

/* The order of a v2 bundle, as its lines come back. */
struct order {
	struct av *v;
	struct sec s;
	int who;
	size_t nlogs;
	bool done;
	int64_t lines;   /* before the last line */
	char digest[65]; /* of those */
};

/* The nodes between the section's last leaf and `to` (the next entry,
 * or the end of the tree). */
static int
sec_gap(struct sec *s, uint64_t to, const uint8_t (*h)[32], size_t got,
    const char *what)
{
	struct px_merkle_span sp[PX_MERKLE_MAX_COVER];
	uint64_t from = (uint64_t)(s->prev + 1);
	size_t n = px_merkle_cover(sp, from, to, s->cp->size);
	int rc;

	if (got != n)
		return px_error_set(PX_EINVAL,
		    "%s: 'gap' holds %zu hashes; leaves %llu to %llu of the "
		    "tree of %llu need %zu",
		    what, got, (unsigned long long)from, (unsigned long long)to,
		    (unsigned long long)s->cp->size, n);
	for (size_t i = 0; i < n; i++)
		if ((rc = px_merkle_acc_add(&s->acc, sp[i], h[i])) < 0)
			return rc;
	return 0;
}

static int
place_entry(struct order *o, const struct lbatch *b, const struct line *l)
{
	struct av *v = o->v;
	struct sec *s = &o->s;
	const char *name = o->who >= 0 ? v->party[o->who].card.name : "?";
	char what[96];
	int rc;

	snprintf(what, sizeof(what), "log of %s, entry %lld", name,
	    (long long)l->e.idx);
	if (!s->open)
		return px_error_set(PX_EINVAL,
		    "%s (line %lld): an entry outside a section", what,
		    (long long)l->no);
	if (l->e.idx <= s->prev || (uint64_t)l->e.idx >= s->cp->size)
		return px_error_set(PX_EINVAL,
		    "%s: not after entry %lld and below the checkpoint's size "
		    "%llu, as the entries of a section must be",
		    what, (long long)s->prev, (unsigned long long)s->cp->size);
	if ((rc = ent_place(v, o->who, &l->e, NULL, (int64_t)l->at + 9,
	         (int64_t)l->elen)) < 0)
		return rc;
	if ((rc = sec_gap(s, (uint64_t)l->e.idx,
	         (const uint8_t(*)[32])(b->hashes.data + 32 * l->gap), l->ngap,
	         what)) < 0 ||
	    (rc = px_merkle_acc_add(&s->acc,
	         (struct px_merkle_span){
	             (uint64_t)l->e.idx, (uint64_t)l->e.idx + 1 },
	         l->e.leaf)) < 0)
		return rc;
	if (s->count++ == 0)
		s->first = l->e.idx;
	s->prev = l->e.idx;
	return 0;
}

static int
section_end(struct order *o, const json_t *r)
{
	static const char *const mem[] = { "gap", NULL };
	struct av *v = o->v;
	struct sec *s = &o->s;
	uint8_t h[PX_MERKLE_MAX_COVER][32], root[32];
	char what[160];
	size_t n;
	int rc;

	if (!s->open || s->count == 0)
		return px_error_set(PX_EINVAL,
		    "%s: a section ends that holds no entries", v->what);
	snprintf(what, sizeof(what),
	    "log of %s, the section of entries %lld..%lld (checkpoint of "
	    "size %llu)",
	    v->party[s->who].card.name, (long long)s->first, (long long)s->prev,
	    (unsigned long long)s->cp->size);
	if ((rc = px_j_only(r, mem, what)) < 0 ||
	    (rc = path_of(h, &n, PX_MERKLE_MAX_COVER, json_object_get(r, "gap"),
	         what, "gap")) < 0 ||
	    (rc = sec_gap(s, s->cp->size, (const uint8_t(*)[32])h, n, what)) <
	        0 ||
	    (rc = px_merkle_acc_root(&s->acc, root)) < 0)
		return rc;
	if (memcmp(root, s->cp->root, 32) != 0)
		return px_error_set(PX_EINVAL,
		    "%s: the entries and the nodes between them do not lead to "
		    "the checkpoint's root: an entry, its index or a node in a "
		    "'gap' was altered, added or removed",
		    what);
	s->open = false;
	return 0;
}

/* The last line: the exporter's signature over the lines before it.  A
 * failure is said after the chains. */
static int
trailer(struct order *o, const json_t *j, const char *what)
{
	static const char *const mem[] = { "lines", "sha256", "v", NULL };
	struct av *v = o->v;
	const json_t *ob;
	const char *by = v->party[v->exporter].card.name, *hex;
	int64_t n, ver;
	int rc;

	if (o->s.open || o->nlogs != 2)
		return px_error_set(PX_EINVAL,
		    "%s: the exporter's signature comes before %s", what,
		    o->s.open ? "the end of a section" : "both logs");
	if ((rc = px_signed_open(&ob, NULL, j, "audit", NULL, what)) < 0 ||
	    (rc = px_j_only(ob, mem, what)) < 0 ||
	    (rc = px_j_int(&ver, ob, "v", 2, 2, what)) < 0 ||
	    (rc = px_j_int(&n, ob, "lines", 0, INT64_MAX, what)) < 0 ||
	    (rc = px_j_str(&hex, ob, "sha256", 64, what)) < 0)
		return rc;
	if (px_signed_open(&ob, NULL, j, "audit",
	        v->party[v->exporter].card.sign_pk, what) < 0)
		v->deferred = px_asprintf(
		    "%s: every entry verifies, but the exporter's (%s) "
		    "signature on the last line does not: the last line was "
		    "altered, or another key signed it",
		    v->what, by);
	else if (n != o->lines || strcmp(hex, o->digest) != 0)
		v->deferred = px_asprintf(
		    "%s: every entry verifies, but the exporter (%s) signed "
		    "%lld lines with another SHA-256 than these %lld: its "
		    "unsigned wrapping (period, agreement, which lines are "
		    "listed) was altered",
		    v->what, by, (long long)n, (long long)o->lines);
	o->done = true;
	return 0;
}

/* Line l, back from the pool, in file order. */
static int
place_line(struct order *o, const struct lbatch *b, const struct line *l)
{
	struct av *v = o->v;
	const json_t *j = l->j;
	const char *type;
	char what[300];
	int rc;

	snprintf(what, sizeof(what), "%s line %lld", v->what, (long long)l->no);
	if (o->done)
		return px_error_set(
		    PX_EINVAL, "%s: more after the exporter's signature", what);
	if (l->rc < 0 && l->type == L_CKPT && l->c.whole &&
	    o->who == l->c.who) {
		/* A second root for a size is said before a cosignature
		 * that does not verify on it. */
		const struct cp *c = cp_find(&v->cps[o->who], l->c.size);

		if (c && memcmp(c->root, l->c.root, 32) != 0)
			return ckp_place(v, o->who, &l->c);
	}
	if (l->rc < 0) {
		/* What the line showed by itself, in the log it is in. */
		if (l->type == L_ENTRY && o->who >= 0)
			return px_error_set(l->rc, "log of %s, %s",
			    v->party[o->who].card.name, l->err);
		return px_error_set(l->rc, "%s", l->err);
	}
	if (l->type == L_ENTRY)
		return place_entry(o, b, l);
	if (o->s.open &&
	    (l->type == L_CKPT ||
	        strcmp(json_object_iter_key(json_object_iter((json_t *)j)),
	            "section_end") != 0))
		return px_error_set(PX_EINVAL,
		    "%s: inside a section (the section of %s's log from entry "
		    "%lld has no end)",
		    what, v->party[o->s.who].card.name, (long long)o->s.first);
	if (l->type == L_CKPT) {
		if (o->who < 0)
			return px_error_set(
			    PX_EINVAL, "%s: a checkpoint before any log", what);
		if (l->c.who != o->who)
			return px_error_set(PX_EINVAL,
			    "log of %s, checkpoint on line %lld: origin is %s",
			    v->party[o->who].card.name, (long long)l->no,
			    v->party[l->c.who].card.name);
		return ckp_place(v, o->who, &l->c);
	}
	type = json_object_iter_key(json_object_iter((json_t *)j));
	if (json_object_get(j, "sig"))
		return trailer(o, j, what);
	if (json_object_size(j) != 1)
		return px_error_set(PX_EINVAL,
		    "%s: a record '%s' with other members", what, type);
	if (strcmp(type, "section_end") == 0)
		return section_end(o, json_object_get(j, "section_end"));
	if (strcmp(type, "log") == 0) {
		if ((rc = start_log(v,
		         json_string_value(json_object_get(j, "log")),
		         ++o->nlogs, &o->who)) < 0)
			return rc;
		return 0;
	}
	if (o->who < 0)
		return px_error_set(
		    PX_EINVAL, "%s: '%s' before any log", what, type);
	if (strcmp(type, "consistency") == 0)
		return check_consistency(
		    v, o->who, json_object_get(j, "consistency"));
	if (strcmp(type, "section") == 0) {
		static const char *const mem[] = { "size", NULL };
		const json_t *sec = json_object_get(j, "section");
		int64_t size;

		if ((rc = px_j_only(sec, mem, what)) < 0 ||
		    (rc = px_j_int(&size, sec, "size", 1, INT64_MAX, what)) < 0)
			return rc;
		memset(&o->s, 0, sizeof(o->s));
		o->s.who = o->who;
		o->s.prev = -1;
		if ((o->s.cp = cp_find(&v->cps[o->who], (uint64_t)size)) ==
		    NULL)
			return px_error_set(PX_EINVAL,
			    "%s: a section proven against a checkpoint of size "
			    "%lld of %s's log that the bundle does not hold "
			    "(before it)",
			    what, (long long)size, v->party[o->who].card.name);
		px_merkle_acc_init(&o->s.acc, (uint64_t)size);
		o->s.open = true;
		return 0;
	}
	return px_error_set(PX_EINVAL, "%s: unknown record '%s'", what, type);
}

/* Takes the oldest batch back and places its lines; the first failure
 * stops. */
static int
take_back(struct px_pool *p, struct order *o)
{
	struct lbatch *b = px_pool_back(p);
	int rc = 0;

	for (size_t i = 0; i < b->n && rc == 0; i++)
		rc = place_line(o, b, &b->l[i]);
	lbatch_clear(b);
	px_pool_release(p);
	return rc;
}

static int
v2_lines(struct av *v, struct rd *r, bool lf)
{
	struct order o = { .v = v, .who = -1 };
	struct px_pool p;
	struct sha256_ctx d, before;
	int64_t no = 1;
	uint8_t dig[32];
	int rc = 0, got = 1;

	sha256_init(&d);
	sha256_update(&d, v->first_len, (const uint8_t *)v->first);
	sha256_update(&d, 1, (const uint8_t *)"\n");
	before = d;
	px_pool_start(&p, v->o->threads, lbatch_work, v, lbatch_make);
	/* Line 2 was read to tell the version. */
	while (got > 0 && rc == 0) {
		struct lbatch *b;
		struct line *l;

		if (!lf) {
			rc = px_error_set(PX_EINVAL,
			    "%s line %lld does not end in a newline", v->what,
			    (long long)no + 1);
			break;
		}
		no++;
		before = d;
		sha256_update(&d, r->len, (const uint8_t *)r->text);
		sha256_update(&d, 1, (const uint8_t *)"\n");
		b = px_pool_filling(&p);
		l = &b->l[b->n++];
		memset(l, 0, sizeof(*l));
		l->no = no;
		l->at = r->at;
		l->off = b->text.len;
		l->len = r->len;
		px_buf_put(&b->text, r->text, r->len);
		px_buf_put(&b->text, "", 1);
		if ((got = rd_next(r, PX_AUDIT_MAX_LINE, &lf, v->what)) < 0) {
			rc = got;
			break;
		}
		if (got == 0) {
			/* The last line is the trailer: the digest is of
			 * the lines before it. */
			sha256_digest(&before, 32, dig);
			px_hex_encode(o.digest, dig, 32);
			o.lines = no - 1;
		}
		if (b->n == LINES_PER_BATCH || b->text.len > (1u << 20) ||
		    got == 0) {
			px_pool_submit(&p);
			if (px_pool_full(&p))
				rc = take_back(&p, &o);
		}
		if (v->o->progress && no % 8192 == 0)
			v->o->progress(
			    r->off, v->total, v->res->entries, v->o->arg);
	}
	while (rc == 0 && px_pool_has_back(&p))
		rc = take_back(&p, &o);
	if (rc == 0 && !o.done)
		rc = px_error_set(PX_EINVAL,
		    "%s ends at line %lld before the exporter's signature: "
		    "the file was cut short",
		    v->what, (long long)no);
	px_pool_stop(&p, lbatch_free);
	return rc;
}

/* ---- the second pass: chains, then cases
 * ---------------------------------------- */

struct chain {
	struct av *v;
	char *sender, *receiver, *hash;
	int64_t seq;
};

/* Messages by (sender, receiver, seq): whenever seq n and n + 1 of a
 * direction are both present, n + 1's prev is n's hash. */
static int
chain_row(const struct px_scratch_msg *m, int64_t received, void *arg)
{
	struct chain *c = arg;
	bool same = c->sender && strcmp(c->sender, m->sender) == 0 &&
	    strcmp(c->receiver, m->receiver) == 0;

	(void)received;
	if (same && m->seq == c->seq) {
		if (strcmp(m->hash, c->hash) == 0)
			return 0;
		return px_error_set(PX_EINVAL,
		    "two messages %s->%s seq %lld with different content: the "
		    "sequence was forked",
		    m->sender, m->receiver, (long long)m->seq);
	}
	if (same && m->seq == c->seq + 1 && strcmp(c->hash, m->prev) != 0)
		return px_error_set(PX_EINVAL,
		    "message %s->%s seq %lld does not follow seq %lld (its "
		    "prev hash differs): the sequence was forked",
		    m->sender, m->receiver, (long long)m->seq,
		    (long long)c->seq);
	if ((same && m->seq != c->seq + 1) || (!same && m->seq > 1))
		note(c->v,
		    "message %s->%s seq %lld: seq %lld is not in the bundle "
		    "(outside the period, or withheld under its TLP "
		    "marking)",
		    m->sender, m->receiver, (long long)m->seq,
		    (long long)m->seq - 1);
	if (!same) {
		free(c->sender);
		free(c->receiver);
		c->sender = px_strdup(m->sender);
		c->receiver = px_strdup(m->receiver);
	}
	free(c->hash);
	c->hash = px_strdup(m->hash);
	c->seq = m->seq;
	return 0;
}

/* Cases go to the pool in batches: each case's messages as read back,
 * replayed there into the timeline (and the notes it gives). */
struct cmsg {
	size_t off, len; /* in the batch's text */
	char hash[PX_HASH_HEX];
	int64_t received, index;
	int log;
};

struct ccase {
	size_t first, n; /* its messages in the batch */
	json_t *timeline;
	json_t *notes;
	int rc;
	char *err;
	char *custody_err; /* a broken chain or disclosure: fails at the end */
};

#define CASES_PER_BATCH 64

struct cbatch {
	struct ccase c[CASES_PER_BATCH];
	size_t n;
	struct cmsg *m;
	size_t nm, cap;
	struct px_buf text;
};

static void *
cbatch_make(void)
{
	struct cbatch *b = px_calloc(1, sizeof(*b));

	px_buf_init(&b->text, PX_BUF_NOCAP);
	return b;
}

static void
cbatch_clear(struct cbatch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		json_decref(b->c[i].timeline);
		json_decref(b->c[i].notes);
		free(b->c[i].err);
		free(b->c[i].custody_err);
	}
	memset(b->c, 0, sizeof(b->c));
	b->n = 0;
	b->nm = 0;
	px_buf_reset(&b->text);
}

static void
cbatch_free(void *p)
{
	struct cbatch *b = p;

	cbatch_clear(b);
	free(b->m);
	px_buf_dispose(&b->text);
	free(b);
}

/* Where a message of the case being replayed sits (audit_custody.h). */
struct where {
	const struct av *v;
	const struct cbatch *b;
	const struct ccase *cc;
};

static int
msg_where(void *arg, const char *hash, const char **origin, int64_t *index)
{
	const struct where *w = arg;

	for (size_t k = 0; k < w->cc->n; k++) {
		const struct cmsg *x = &w->b->m[w->cc->first + k];

		if (strcmp(x->hash, hash) == 0) {
			*origin = w->v->party[x->log].card.name;
			*index = x->index;
			return 0;
		}
	}
	return PX_ENOTFOUND;
}

/* The custody of the case's evidence items and, for a verification
 * case, its disclosure or review, added to its timeline; the first
 * problem is kept in cc->custody_err (the bundle fails once every case
 * is listed). */
static void
custody(const struct av *v, const struct cbatch *b, struct ccase *cc,
    const struct px_case *c)
{
	struct where w = { v, b, cc };
	json_t *cu = NULL, *vf = NULL;

	if (px_audit_custody(&cu, c, msg_where, &w) < 0 &&
	    cc->custody_err == NULL)
		cc->custody_err = px_strdup(px_error_last());
	json_object_set_new(cc->timeline, "custody", cu);
	if (px_audit_verification(&vf, c) < 0 && cc->custody_err == NULL)
		cc->custody_err = px_strdup(px_error_last());
	if (vf)
		json_object_update_new(cc->timeline, vf);
}

/* One case: its messages parsed again (and checked to be the ones whose
 * signatures were checked: the file must not change meanwhile),
 * replayed, and its timeline built. */
static int
replay(const struct av *v, const struct cbatch *b, struct ccase *cc)
{
	struct px_msg **m = px_calloc(cc->n + 1, sizeof(*m));
	json_t *jm = json_array();
	const struct px_agreement *ag;
	struct px_case c;
	char ref[9];
	int64_t used;
	int rc = 0, resp;

	px_case_init(&c);
	for (size_t k = 0; k < cc->n; k++) {
		const struct cmsg *x = &b->m[cc->first + k];
		const char *text = b->text.data + x->off, *kind;
		char hash[PX_HASH_HEX], t1[PX_TIME_STRLEN], t2[PX_TIME_STRLEN];
		json_t *env = NULL;
		size_t soff, slen;

		if (px_json_parse(
		        &env, text, x->len, PX_MSG_MAX_BYTES, "message") < 0 ||
		    !signed_part(
		        text, x->len, env, &kind, &soff, &slen, hash) ||
		    strcmp(hash, x->hash) != 0 ||
		    px_msg_parse_known(&m[k], env, hash, "message") < 0) {
			json_decref(env);
			rc = px_error_set(PX_EINVAL,
			    "%s changed while it was being verified (an entry "
			    "of %s's log reads differently now)",
			    v->what, v->party[x->log].card.name);
			goto out;
		}
		json_decref(env);
		if (k == 0)
			snprintf(ref, sizeof(ref), "%s", m[0]->case_id + 28);
		if (px_case_replay(&c, m[k]) < 0) {
			char buf[512];

			snprintf(buf, sizeof(buf),
			    "case %s: %s; shown without state", ref,
			    px_error_last());
			json_array_append_new(cc->notes, json_string(buf));
		}
		px_time_format(t1, m[k]->time_ms);
		if (x->received >= 0)
			px_time_format(t2, x->received);
		if (x->received >= 0 && c.n == 1)
			px_case_set_delivered(&c, x->received);
		json_array_append_new(jm,
		    json_pack("{sIssssssssss*sssI}", "seq",
		        (json_int_t)m[k]->seq, "type",
		        px_msg_type_names[m[k]->type].wire, "from", m[k]->from,
		        "to", m[k]->to, "sent", t1, "received",
		        x->received >= 0 ? t2 : NULL, "log",
		        v->party[x->log].card.name, "index",
		        (json_int_t)x->index));
	}
	if (c.n > 0) {
		resp = party_index(v, c.responder);
		cc->timeline = json_pack("{ssssssssssssssssso}", "id",
		    m[0]->case_id, "ref", ref, "title", c.title ? c.title : "",
		    "kind", px_kind_names[c.kind].wire, "priority",
		    px_priority_names[c.priority].wire, "requester",
		    c.requester, "responder", c.responder, "state",
		    px_state_names[c.state].wire, "messages", jm);
		jm = NULL;
		ag = bundle_terms(v, &c, &used, cc->notes);
		json_object_set_new(cc->timeline, "agreement",
		    used >= 0 ? json_integer(used) : json_null());
		/* An exercise's cases are tagged wherever they are exported
		 * (docs/exercises.md "Marking"). */
		json_object_set_new(cc->timeline, "exercise",
		    c.exercise_id ? json_string(c.exercise_id) : json_null());
		if (resp >= 0)
			json_object_set_new(cc->timeline, "clocks",
			    px_view_clocks(
			        &c, ag, &v->party[resp].cal, v->created));
		custody(v, b, cc, &c);
	}
out:
	json_decref(jm);
	px_case_dispose(&c);
	for (size_t k = 0; k < cc->n; k++)
		px_msg_free(m[k]);
	free(m);
	return rc;
}

static void
cbatch_work(void *p, void *ctx)
{
	struct cbatch *b = p;

	for (size_t i = 0; i < b->n; i++) {
		struct ccase *cc = &b->c[i];

		cc->notes = json_array();
		if ((cc->rc = replay(ctx, b, cc)) < 0)
			cc->err = px_strdup(px_error_last());
	}
}

struct cases {
	struct av *v;
	struct px_pool p;
	char *id; /* the case being gathered */
	size_t done;
	char *custody_err; /* the first case's, said after every case */
};

/* The oldest batch of cases back: notes and timelines, in order. */
static int
cases_back(struct cases *s)
{
	struct cbatch *b = px_pool_back(&s->p);
	struct av *v = s->v;
	int rc = 0;

	for (size_t i = 0; i < b->n && rc == 0; i++) {
		struct ccase *cc = &b->c[i];
		size_t k;
		json_t *t;

		if (cc->rc < 0) {
			rc = px_error_set(cc->rc, "%s", cc->err);
			break;
		}
		json_array_foreach(cc->notes, k, t)
		    note_text(v, json_string_value(t));
		if (cc->timeline == NULL)
			continue;
		if (cc->custody_err && s->custody_err == NULL)
			s->custody_err = px_strdup(cc->custody_err);
		if (v->o->on_case)
			v->o->on_case(cc->timeline, v->o->arg);
		else
			json_array_append(v->res->cases, cc->timeline);
		if (++s->done % 4096 == 0 && v->o->progress)
			v->o->progress(0, 0, s->done, v->o->arg);
	}
	cbatch_clear(b);
	px_pool_release(&s->p);
	return rc;
}

/* Hands the batch of cases over when it is full (or `flush`). */
static int
cases_send(struct cases *s, bool flush)
{
	struct cbatch *b = px_pool_filling(&s->p);

	if (b->n == 0 ||
	    (!flush && b->n < CASES_PER_BATCH && b->text.len < (1u << 22)))
		return 0;
	px_pool_submit(&s->p);
	return px_pool_full(&s->p) ? cases_back(s) : 0;
}

static int
case_row(const struct px_scratch_msg *row, int64_t received, void *arg)
{
	struct cases *s = arg;
	struct av *v = s->v;
	struct cbatch *b;
	struct cmsg *x;
	char *text = NULL;
	int rc;

	if (s->id == NULL || strcmp(s->id, row->case_id) != 0) {
		if ((rc = cases_send(s, false)) < 0)
			return rc;
		free(s->id);
		s->id = px_strdup(row->case_id);
		b = px_pool_filling(&s->p);
		b->c[b->n].first = b->nm;
		b->c[b->n].n = 0;
		b->n++;
	}
	b = px_pool_filling(&s->p);
	if (b->nm == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 256;
		b->m = px_realloc(b->m, b->cap * sizeof(*b->m));
	}
	x = &b->m[b->nm++];
	b->c[b->n - 1].n++;
	if (row->off < 0)
		text = px_strndup(row->raw, (size_t)row->len);
	else if ((rc = rd_at(v->in, (uint64_t)row->off, (size_t)row->len, &text,
	              v->what)) < 0)
		return rc;
	x->off = b->text.len;
	x->len = (size_t)row->len;
	px_buf_put(&b->text, text, x->len);
	px_buf_put(&b->text, "", 1);
	free(text);
	memcpy(x->hash, row->hash, PX_HASH_HEX);
	x->received = received;
	x->index = row->index;
	x->log = row->log;
	return 0;
}

/* After every entry: the chains (failures), then the exporter's
 * signature (said last of the failures), then the cases. */
static int
finish(struct av *v)
{
	struct chain ch = { .v = v };
	struct cases cs = { .v = v };
	int rc;

	rc = px_scratch_by_seq(v->sc, chain_row, &ch);
	free(ch.sender);
	free(ch.receiver);
	free(ch.hash);
	if (rc < 0)
		return rc;
	if (v->deferred)
		return px_error_set(PX_EINVAL, "%s", v->deferred);
	build_accord(v);
	px_pool_start(&cs.p, v->o->threads, cbatch_work, v, cbatch_make);
	rc = px_scratch_by_case(v->sc, case_row, &cs);
	if (rc == 0)
		rc = cases_send(&cs, true);
	while (px_pool_has_back(&cs.p)) {
		int r = cases_back(&cs);

		if (rc == 0)
			rc = r;
	}
	px_pool_stop(&cs.p, cbatch_free);
	if (rc == 0 && cs.custody_err)
		rc = px_error_set(PX_EINVAL, "%s: %s", v->what, cs.custody_err);
	free(cs.custody_err);
	free(cs.id);
	return rc;
}

/* ---- version 1: one canonical envelope, read whole
 * ------------------------------ */

static int
v1_entries(struct av *v, int who, const json_t *a)
{
	struct party *p = &v->party[who];
	size_t i;
	const json_t *e;
	int rc;

	if (!json_is_array(a))
		return px_error_set(PX_EINVAL,
		    "log of %s: 'entries' must be an array", p->card.name);
	json_array_foreach(a, i, e)
	{
		json_t *env = json_object_get(e, "entry");
		int64_t idx = json_integer_value(json_object_get(e, "index"));
		int64_t size = json_integer_value(json_object_get(e, "size"));
		const struct cp *c = cp_find(&v->cps[who], (uint64_t)size);
		uint8_t path[64][32], leaf[32];
		char what[96], *canon;
		struct ent en;
		size_t np;

		snprintf(what, sizeof(what), "log of %s, entry %lld",
		    p->card.name, (long long)idx);
		if (!json_is_object(env) ||
		    !json_is_integer(json_object_get(e, "index")))
			return px_error_set(PX_EINVAL, "%s: malformed", what);
		if (c == NULL)
			return px_error_set(PX_EINVAL,
			    "%s: proven against a checkpoint of size %lld "
			    "that the bundle does not hold",
			    what, (long long)size);
		if ((rc = path_of(path, &np, 64, json_object_get(e, "path"),
		         what, "path")) < 0)
			return rc;
		if ((canon = px_canon_string(env)) == NULL)
			return PX_EINVAL;
		px_merkle_leaf_hash(leaf, canon, strlen(canon));
		if (idx < 0 ||
		    px_merkle_verify_inclusion(leaf, (uint64_t)idx, c->size,
		        (const uint8_t(*)[32])path, np, c->root) < 0) {
			free(canon);
			return px_error_set(PX_EINVAL,
			    "%s: not included at that index in the checkpoint "
			    "of size %llu (the entry or its proof was "
			    "altered)",
			    what, (unsigned long long)c->size);
		}
		rc = ent_content(v, env, idx, canon, strlen(canon), &en);
		if (rc < 0)
			px_error_prefix("log of %s", p->card.name);
		else
			rc = ent_place(
			    v, who, &en, canon, -1, (int64_t)strlen(canon));
		free(canon);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
v1_run(struct av *v, const char *text, size_t len)
{
	const json_t *o, *lg, *logs;
	json_t *j = NULL;
	size_t i;
	int rc;

	v->res->version = 1;
	if ((rc = px_canon_parse_exact(
	         &j, text, len, PX_AUDIT_MAX_BYTES, v->what)) < 0 ||
	    (rc = px_signed_open(&o, NULL, j, "audit", NULL, v->what)) < 0 ||
	    (rc = check_head(v, o, 1)) < 0)
		goto out;
	logs = json_object_get(o, "logs");
	json_array_foreach(logs, i, lg)
	{
		const char *origin =
		    json_string_value(json_object_get(lg, "origin"));
		const json_t *a, *c;
		size_t k;
		int who;

		if ((rc = start_log(v, origin, i + 1, &who)) < 0)
			goto out;
		/* No checkpoint is fine for a peer never heard from: any
		 * entry that claims one is refused below. */
		if (!json_is_array(a = json_object_get(lg, "checkpoints"))) {
			rc = px_error_set(PX_EINVAL,
			    "log of %s: 'checkpoints' must be an array",
			    origin);
			goto out;
		}
		json_array_foreach(a, k, c)
		{
			struct ckp ck;
			char where[32];

			snprintf(where, sizeof(where), "checkpoint %zu", k + 1);
			rc = ckp_content(
			    v, who, json_string_value(c), where, &ck);
			if (rc == 0)
				rc = ckp_place(v, who, &ck);
			free(ck.cos);
			if (rc < 0)
				goto out;
		}
		json_array_foreach(json_object_get(lg, "consistency"), k, c)
		{
			if ((rc = check_consistency(v, who, c)) < 0)
				goto out;
		}
		if ((rc = v1_entries(v, who, json_object_get(lg, "entries"))) <
		    0)
			goto out;
	}
	/* The exporter's signature over the whole, after the chains. */
	if (px_signed_open(&o, NULL, j, "audit",
	        v->party[v->exporter].card.sign_pk, v->what) < 0)
		v->deferred = px_asprintf(
		    "%s: every entry verifies, but the exporter's (%s) "
		    "signature over the bundle does not: its unsigned wrapping "
		    "(period, agreement, list of items) was altered",
		    v->what, v->party[v->exporter].card.name);
	rc = finish(v);
out:
	json_decref(j);
	return rc;
}

/* ---- entry points ----------------------------------------------------------
 */

static int
verify(struct px_audit_result *res, struct rd *r, const char *what,
    const struct px_audit_verify_opts *o)
{
	static const struct px_audit_verify_opts none = { .threads = 1 };
	struct av v = { .res = res, .what = what, .in = r };
	json_t *head = NULL, *ho;
	char *first = NULL;
	bool lf = false, more = false;
	int rc;

	memset(res, 0, sizeof(*res));
	res->cases = json_array();
	res->notes = json_array();
	px_accord_init(&v.accord);
	v.o = o ? o : &none;
	v.total = r->total;
	r->chunk = r->mem ? NULL : px_malloc(1 << 16);
	px_buf_init(&r->line, PX_BUF_NOCAP);
	if ((rc = px_scratch_open(&v.sc)) < 0)
		goto out;
	/* The version: 1 is one line (an envelope signed by the
	 * exporter), 2 is lines.  Line 1 is kept while line 2 is read. */
	if ((rc = rd_next(r, PX_AUDIT_MAX_BYTES, &lf, what)) < 0)
		goto out;
	if (rc == 0 || r->len == 0) {
		rc = px_error_set(PX_EINVAL, "%s is empty", what);
		goto out;
	}
	v.first_len = r->len;
	first = px_malloc(v.first_len + 2);
	memcpy(first, r->text, v.first_len);
	first[v.first_len] = '\n';
	first[v.first_len + 1] = '\0';
	v.first = first;
	if (lf && (rc = rd_next(r, PX_AUDIT_MAX_LINE, &more, what)) < 0)
		goto out;
	if (lf && rc > 0) {
		char w[300];

		v.res->version = 2;
		snprintf(w, sizeof(w), "%s line 1", what);
		if ((rc = px_canon_parse_exact(
		         &head, first, v.first_len, PX_AUDIT_MAX_LINE, w)) < 0)
			goto out;
		if (!json_is_object(head) || json_object_size(head) != 1 ||
		    !json_is_object(ho = json_object_get(head, "audit"))) {
			rc = px_error_set(PX_EINVAL,
			    "%s: expected {\"audit\": {...}} (the head)", w);
			goto out;
		}
		if ((rc = check_head(&v, ho, 2)) < 0 ||
		    (rc = v2_lines(&v, r, more)) < 0 || (rc = finish(&v)) < 0)
			goto out;
	} else {
		/* Version 1: the whole file, canonical, one final LF at
		 * most. */
		rc = v1_run(&v, first, v.first_len + lf);
	}
out:
	json_decref(head);
	free(first);
	px_scratch_close(v.sc);
	free(v.deferred);
	px_accord_dispose(&v.accord);
	for (size_t i = 0; i < v.namsg; i++)
		px_msg_free(v.amsg[i]);
	free(v.amsg);
	for (size_t i = 0; i < 2; i++) {
		free(v.cps[i].slot);
		px_card_dispose(&v.party[i].card);
		px_calendar_dispose(&v.party[i].cal);
		px_tz_free(v.party[i].tz);
	}
	free(r->chunk);
	px_buf_dispose(&r->line);
	return rc;
}

int
px_audit_verify_file(struct px_audit_result *res, FILE *f, uint64_t size,
    const char *what, const struct px_audit_verify_opts *o)
{
	struct rd r = { .f = f, .total = size };

	return verify(res, &r, what, o);
}

int
px_audit_verify(
    struct px_audit_result *res, const char *text, size_t len, const char *what)
{
	struct rd r = { .mem = text, .mem_len = len };

	return verify(res, &r, what, NULL);
}

void
px_audit_result_dispose(struct px_audit_result *r)
{
	json_decref(r->cases);
	json_decref(r->notes);
	memset(r, 0, sizeof(*r));
}
