/*
 * Daily digests (feeds.h): what a sharing party signs about one day of
 * events it routed to a peer, and the peer's check of it.
 *
 * Both sides compute the digest with the same function, from the same
 * inputs: the messages that carried batch parts whose interval starts in
 * the day (feed_parts, "out" at the sender, "in" at the receiver) and the
 * attachments they reference.  The sender adds what only it knows (events
 * it could not route, the delegation files it used); the receiver
 * compares the rest member by member.  The receiver recomputes event ids
 * from the events themselves (SHA-256 of "parley-event-v1\n" and the
 * event's canonical JSON), never taking them from the line, so a changed
 * event changes the Merkle root, and the line it is on is named; the
 * sender takes the ids it wrote into its own attachments at ingest.
 * Lines are read with jsmn, as spans of their text, not parsed whole.
 *
 * The root is RFC 9162's Merkle tree hash over the day's event ids as
 * 32-byte leaves, sorted ascending, each leaf hashed SHA-256(0x00 || id).
 */

#include "crypto/sign.h"
#include "ledger/merkle.h"
#include "model/canon.h"
#include "model/feedmsg.h"
#include "node/attach.h"
#include "node/feeds.h"
#include "node/override.h"
#include "util/u64map.h"
#include "util/jsmntok.h"
#include "util/util.h"

#define DAY_MS      INT64_C(86400000)
#define MAX_ASNS    1000
#define RECUR_DAYS  7
#define CLOSED_DAYS 30

struct comp {
	struct px_node *n;
	const char *peer, *dir;
	int64_t start, end;
	uint8_t (*ids)[32];
	size_t nids, capids;
	json_t *by_type, *by_asn, *by_sev;
	uint64_t *hh; /* hashes of this day's hosts */
	size_t nhh, caphh;
	uint64_t *eh; /* hashes of the hosts of the days before */
	size_t neh, capeh;
	bool trusted;  /* our own attachments: take the ids as written */
	json_t *cases; /* set: case ids updated (not opened) */
	int64_t opened, parts;
	json_t *tampered, *missing; /* arrays, may be NULL */
	bool index;                 /* index event ids (receiver) */
	int rc;
};

static void
push_hash(uint64_t **v, size_t *n, size_t *cap, uint64_t h)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 4096;
		*v = px_realloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = h;
}

/* What a digest reads of a line, as spans of its text: found with jsmn
 * rather than a full parse, since a day holds a million lines.  Both
 * sides read the same bytes the same way. */
struct fields {
	const char *id;
	size_t idn;
	const char *ev; /* the event object */
	size_t evn;
	const char *type, *sev, *host;
	size_t typen, sevn, hostn;
	int64_t asn;
	bool dst; /* the route counted the destination */
};

#define TOKENS 512

static bool
tok_is(const char *s, const jsmntok_t *t, const char *lit)
{
	size_t n = strlen(lit);

	return t->type == JSMN_STRING && (size_t)(t->end - t->start) == n &&
	    memcmp(s + t->start, lit, n) == 0;
}

/* The value token of member `key` of the object at t[obj], or -1. */
static int
member(const char *s, const jsmntok_t *t, int obj, int n, const char *key)
{
	int i = obj + 1;

	if (obj < 0 || obj >= n || t[obj].type != JSMN_OBJECT)
		return -1;
	for (int k = 0; k < t[obj].size && i + 1 < n; k++) {
		if (tok_is(s, &t[i], key))
			return i + 1;
		i = px_jsmn_skip(t, i + 1, n);
	}
	return -1;
}

static void
span(const char *s, const jsmntok_t *t, int i, const char **p, size_t *n)
{
	*p = s + t[i].start;
	*n = (size_t)(t[i].end - t[i].start);
}

static int
scan(struct fields *f, const char *s, size_t n, jsmntok_t *t)
{
	jsmn_parser p;
	int nt, ev, rt, side, sd, x;

	memset(f, 0, sizeof(*f));
	f->asn = -1;
	jsmn_init(&p);
	if ((nt = jsmn_parse(&p, s, n, t, TOKENS)) < 1 ||
	    t[0].type != JSMN_OBJECT || px_jsmn_skip(t, 0, nt) != nt)
		return -1;
	if ((ev = member(s, t, 0, nt, "event")) < 0 ||
	    t[ev].type != JSMN_OBJECT)
		return -1;
	span(s, t, ev, &f->ev, &f->evn);
	if ((x = member(s, t, 0, nt, "id")) >= 0 && t[x].type == JSMN_STRING)
		span(s, t, x, &f->id, &f->idn);
	rt = member(s, t, 0, nt, "route");
	side = member(s, t, rt, nt, "side");
	f->dst = side >= 0 && tok_is(s, &t[side], "destination");
	if ((x = member(s, t, member(s, t, ev, nt, "classification"), nt,
	         "type")) >= 0 &&
	    t[x].type == JSMN_STRING)
		span(s, t, x, &f->type, &f->typen);
	if ((x = member(s, t, ev, nt, "severity")) >= 0 &&
	    t[x].type == JSMN_STRING)
		span(s, t, x, &f->sev, &f->sevn);
	sd = member(s, t, ev, nt, f->dst ? "destination" : "source");
	if ((x = member(s, t, sd, nt, "asn")) >= 0 &&
	    t[x].type == JSMN_PRIMITIVE) {
		int64_t v = 0;

		for (int k = t[x].start; k < t[x].end && v < (INT64_C(1) << 40);
		     k++) {
			if (s[k] < '0' || s[k] > '9') {
				v = -1;
				break;
			}
			v = v * 10 + (s[k] - '0');
		}
		f->asn = v;
	}
	if ((x = member(s, t, sd, nt, "ip")) < 0)
		x = member(s, t, sd, nt, "fqdn");
	if (x < 0)
		x = member(s, t, sd, nt, "url");
	if (x >= 0 && t[x].type == JSMN_STRING)
		span(s, t, x, &f->host, &f->hostn);
	return 0;
}

static void
bump(json_t *o, const char *k, size_t n)
{
	char key[80];
	json_t *v;

	snprintf(key, sizeof(key), "%.*s", (int)(n < 64 ? n : 64), k);
	v = json_object_get(o, key);
	json_object_set_new(
	    o, key, json_integer(v ? json_integer_value(v) + 1 : 1));
}

/* One line of an attachment; `hosts_only` for the days before. */
static int
line(struct comp *c, const char *sha, const char *text, size_t len,
    unsigned lineno, bool hosts_only, jsmntok_t *tok)
{
	struct fields f;
	char id[65];
	int rc;

	if (scan(&f, text, len, tok) < 0) {
		if (c->tampered && !hosts_only)
			json_array_append_new(c->tampered,
			    json_pack("{sssIss}", "attachment", sha, "line",
			        (json_int_t)lineno, "problem",
			        "not an event line"));
		return 0;
	}
	if (hosts_only) {
		if (f.host)
			push_hash(&c->eh, &c->neh, &c->capeh,
			    px_hash64(f.host, f.hostn, 9));
		return 0;
	}
	/* The id: as written in our own attachments; recomputed from the
	 * event's canonical form in a peer's. */
	if (c->trusted && f.idn == 64) {
		memcpy(id, f.id, 64);
		id[64] = '\0';
	} else {
		json_t *e = NULL;
		char *canon = NULL;

		if ((rc = px_json_parse(&e, f.ev, f.evn, f.evn + 1, "event")) <
		        0 ||
		    (canon = px_canon_string(e)) == NULL) {
			json_decref(e);
			if (c->tampered)
				json_array_append_new(c->tampered,
				    json_pack("{sssIss}", "attachment", sha,
				        "line", (json_int_t)lineno, "problem",
				        "the event is not valid JSON"));
			return 0;
		}
		px_event_id(id, canon, strlen(canon));
		free(canon);
		json_decref(e);
		if (c->tampered && (f.idn != 64 || memcmp(f.id, id, 64) != 0)) {
			char stated[65];

			snprintf(stated, sizeof(stated), "%.*s",
			    (int)(f.idn < 64 ? f.idn : 64), f.id ? f.id : "");
			json_array_append_new(c->tampered,
			    json_pack("{sssIssss}", "attachment", sha, "line",
			        (json_int_t)lineno, "event", stated,
			        "recomputed", id));
		}
	}
	if (c->nids == c->capids) {
		c->capids = c->capids ? c->capids * 2 : 4096;
		c->ids = px_realloc(c->ids, c->capids * sizeof(*c->ids));
	}
	if (px_hex_decode(c->ids[c->nids], 32, id) == 0)
		c->nids++;
	bump(c->by_type, f.type ? f.type : "unknown", f.type ? f.typen : 7);
	bump(c->by_sev, f.sev ? f.sev : "unknown", f.sev ? f.sevn : 7);
	{
		char as[24];
		int k = f.asn > 0
		    ? snprintf(as, sizeof(as), "AS%lld", (long long)f.asn)
		    : snprintf(as, sizeof(as), "unknown");

		bump(c->by_asn, as, (size_t)k);
	}
	if (f.host)
		push_hash(
		    &c->hh, &c->nhh, &c->caphh, px_hash64(f.host, f.hostn, 9));
	if (c->index &&
	    (rc = PX_STORE_CALL(c->n->store, feed_recv_put, id, sha, lineno)) <
	        0)
		return rc;
	return 0;
}

static int
attachment(
    struct comp *c, const char *sha, int64_t want_events, bool hosts_only)
{
	struct px_buf b;
	size_t pos = 0;
	unsigned lineno = 0;
	int64_t seen = 0;
	int rc;

	jsmntok_t *tok = px_malloc(TOKENS * sizeof(*tok));

	px_buf_init(&b, PX_BUF_NOCAP);
	rc = px_attach_read(&b, c->n, sha, !c->trusted);
	if (rc == PX_ENOTFOUND) {
		if (c->missing && !hosts_only)
			json_array_append_new(c->missing, json_string(sha));
		px_buf_dispose(&b);
		free(tok);
		return 0;
	}
	if (rc == PX_EINVAL && c->tampered && !hosts_only)
		json_array_append_new(c->tampered,
		    json_pack("{sssIss}", "attachment", sha, "line",
		        (json_int_t)0, "problem", px_error_last()));
	else if (rc < 0) {
		px_buf_dispose(&b);
		free(tok);
		return rc;
	}
	while (pos < b.len) {
		const char *nl = memchr(b.data + pos, '\n', b.len - pos);
		size_t end = nl ? (size_t)(nl - b.data) : b.len;

		lineno++;
		if (end > pos) {
			if ((rc = line(c, sha, b.data + pos, end - pos, lineno,
			         hosts_only, tok)) < 0)
				break;
			seen++;
		}
		pos = end + 1;
		rc = 0;
	}
	if (rc == 0 && !hosts_only && c->tampered && seen != want_events)
		json_array_append_new(c->tampered,
		    json_pack("{sssIss}", "attachment", sha, "line",
		        (json_int_t)0, "problem",
		        "the attachment holds another number of events than "
		        "its message says"));
	px_buf_dispose(&b);
	free(tok);
	return rc;
}

static int
part_one(const struct px_feed_part_row *p, void *arg)
{
	struct comp *c = arg;
	struct px_msg_row m = { 0 };
	int rc;

	c->parts++;
	if (p->part == 1) {
		if (PX_STORE_CALL(c->n->store, msg_get, p->msg_hash, &m) == 0 &&
		    strcmp(m.type, "report") == 0)
			c->opened++;
		else
			json_object_set_new(c->cases, p->case_id, json_true());
		px_msg_row_dispose(&m);
	}
	if (p->attachment == NULL)
		return 0;
	if ((rc = attachment(c, p->attachment, p->events, false)) < 0)
		return (c->rc = rc);
	return 0;
}

static int
part_hosts(const struct px_feed_part_row *p, void *arg)
{
	struct comp *c = arg;
	int rc;

	if (p->attachment == NULL)
		return 0;
	if ((rc = attachment(c, p->attachment, p->events, true)) < 0)
		return (c->rc = rc);
	return 0;
}

struct closed {
	struct px_node *n;
	const char *sharer;
	int64_t start, end;
	json_t *cases;
	int64_t count;
};

static int
closed_case(const struct px_feed_part_row *p, void *arg)
{
	json_object_set_new(
	    ((struct closed *)arg)->cases, p->case_id, json_true());
	return 0;
}

static int
by_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
by_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x > y ? -1 : x < y;
}

static int
sort_ids(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* RFC 9162 MTH over leaves ids[0..n). */
static void
mth(uint8_t out[32], uint8_t (*ids)[32], size_t n)
{
	uint8_t l[32], r[32];
	size_t k = 1;

	if (n == 0) {
		px_sha256(out, "", 0);
		return;
	}
	if (n == 1) {
		px_merkle_leaf_hash(out, ids[0], 32);
		return;
	}
	while (k * 2 < n)
		k *= 2;
	mth(l, ids, k);
	mth(r, ids + k, n - k);
	px_merkle_node_hash(out, l, r);
}

/* The recomputable digest of `day` for (peer, dir). */
static int
compute(json_t **out, struct comp *c, const struct px_feed_cfg *cfg,
    const char *day)
{
	uint8_t root[32];
	char hex[65], sday[11];
	int64_t newh = 0, rec = 0;
	struct closed cl = { 0 };
	int rc;

	if ((rc = px_feed_day_start(&c->start, cfg, day)) < 0)
		return rc;
	c->end = c->start + DAY_MS;
	c->by_type = json_object();
	c->by_asn = json_object();
	c->by_sev = json_object();
	c->cases = json_object();
	if ((rc = PX_STORE_CALL(c->n->store, feed_parts, c->peer, c->dir,
	         c->start, c->end, part_one, c)) < 0 ||
	    (rc = c->rc) < 0)
		goto out;
	if ((rc = PX_STORE_CALL(c->n->store, feed_parts, c->peer, c->dir,
	         c->start - RECUR_DAYS * DAY_MS, c->start, part_hosts, c)) <
	        0 ||
	    (rc = c->rc) < 0)
		goto out;
	/* Hosts of the day (each once) seen or not in the days before. */
	if (c->nhh > 1)
		qsort(c->hh, c->nhh, sizeof(*c->hh), by_u64);
	if (c->neh > 1)
		qsort(c->eh, c->neh, sizeof(*c->eh), by_u64);
	for (size_t i = 0; i < c->nhh; i++) {
		if (i > 0 && c->hh[i] == c->hh[i - 1])
			continue;
		if (c->neh &&
		    bsearch(&c->hh[i], c->eh, c->neh, sizeof(*c->eh), by_u64))
			rec++;
		else
			newh++;
	}
	/* Cases of the parts of the last CLOSED_DAYS days that the sharing
	 * party closed during the day. */
	cl.n = c->n;
	cl.sharer = strcmp(c->dir, "out") == 0 ? c->n->name : c->peer;
	cl.cases = json_object();
	if ((rc = PX_STORE_CALL(c->n->store, feed_parts, c->peer, c->dir,
	         c->start - CLOSED_DAYS * DAY_MS, c->end, closed_case, &cl)) <
	    0) {
		json_decref(cl.cases);
		goto out;
	}
	{
		const char *id;
		json_t *v;

		json_object_foreach(cl.cases, id, v)
		{
			struct px_case k;

			if (px_node_case_load(&k, c->n, id, NULL) < 0)
				continue;
			for (size_t i = 0; i < k.n; i++)
				if (k.msgs[i]->type == PX_MSG_CLOSE &&
				    k.why[i] == NULL &&
				    strcmp(k.msgs[i]->from, cl.sharer) == 0 &&
				    k.msgs[i]->time_ms >= c->start &&
				    k.msgs[i]->time_ms < c->end)
					cl.count++;
			px_case_dispose(&k);
		}
		json_decref(cl.cases);
	}
	/* One event id once: the root is over the set. */
	if (c->nids > 1)
		qsort(c->ids, c->nids, 32, sort_ids);
	{
		size_t k = 0;

		for (size_t i = 0; i < c->nids; i++)
			if (k == 0 || memcmp(c->ids[k - 1], c->ids[i], 32) != 0)
				memmove(c->ids[k++], c->ids[i], 32);
		c->nids = k;
	}
	mth(root, c->ids, c->nids);
	px_hex_encode(hex, root, 32);
	/* Bounded: the MAX_ASNS largest AS numbers, the rest as "other". */
	if (json_object_size(c->by_asn) > MAX_ASNS) {
		json_t *keep = json_object();
		int64_t other = 0, cut = 0;
		const char *k;
		json_t *v;
		int64_t *vals =
		    px_calloc(json_object_size(c->by_asn), sizeof(*vals));
		size_t nv = 0;

		json_object_foreach(c->by_asn, k, v) vals[nv++] =
		    json_integer_value(v);
		/* The count of the MAX_ASNS-th largest. */
		qsort(vals, nv, sizeof(*vals), by_desc);
		cut = vals[MAX_ASNS - 1];
		json_object_foreach(c->by_asn, k, v)
		{
			if (json_integer_value(v) > cut &&
			    json_object_size(keep) < MAX_ASNS - 1)
				json_object_set(keep, k, v);
			else
				other += json_integer_value(v);
		}
		json_object_set_new(keep, "other", json_integer(other));
		free(vals);
		json_decref(c->by_asn);
		c->by_asn = keep;
	}
	px_feed_day(sday, cfg, c->start);
	*out = json_object();
	json_object_set_new(*out, "day", json_string(sday));
	json_object_set_new(*out, "start", px_json_time(c->start));
	json_object_set_new(*out, "end", px_json_time(c->end));
	json_object_set_new(*out, "events", json_integer((json_int_t)c->nids));
	json_object_set_new(*out, "root", json_string(hex));
	json_object_set(*out, "by_type", c->by_type);
	json_object_set(*out, "by_asn", c->by_asn);
	json_object_set(*out, "by_severity", c->by_sev);
	json_object_set_new(*out, "hosts",
	    json_pack("{sIsI}", "new", (json_int_t)newh, "recurring",
	        (json_int_t)rec));
	json_object_set_new(*out, "cases",
	    json_pack("{sIsIsI}", "opened", (json_int_t)c->opened, "updated",
	        (json_int_t)json_object_size(c->cases), "closed",
	        (json_int_t)cl.count));
	json_object_set_new(*out, "batches", json_integer(c->parts));
	rc = 0;
out:
	json_decref(c->by_type);
	json_decref(c->by_asn);
	json_decref(c->by_sev);
	free(c->hh);
	free(c->eh);
	json_decref(c->cases);
	free(c->ids);
	return rc;
}

static int
deleg_one(const struct px_routing_file_row *r, void *arg)
{
	json_array_append_new(arg,
	    json_pack("{ssssss}", "registry", r->registry, "serial", r->serial,
	        "sha256", r->sha256));
	return 0;
}

int
px_digest_make(json_t **out, struct px_node *n, const struct px_feed_cfg *cfg,
    const char *peer, const char *day)
{
	struct comp c = { .n = n, .peer = peer, .dir = "out", .trusted = true };
	json_t *d = NULL, *files = json_array();
	int64_t counts[5];
	int rc;

	if ((rc = compute(&d, &c, cfg, day)) < 0)
		goto out;
	if ((rc = PX_STORE_CALL(
	         n->store, feed_status_counts, c.start, c.end, counts)) < 0 ||
	    (rc = PX_STORE_CALL(
	         n->store, routing_file_list, true, deleg_one, files)) < 0)
		goto out;
	json_object_set_new(d, "own", json_integer(counts[PX_RT_OWN]));
	json_object_set_new(
	    d, "unroutable", json_integer(counts[PX_RT_UNROUTABLE]));
	json_object_set_new(
	    d, "disputed", json_integer(counts[PX_RT_DISPUTED]));
	json_object_set_new(
	    d, "withheld", json_integer(counts[PX_RT_WITHHELD]));
	json_object_set(d, "delegation", files);
	{
		/* Sign only what a receiver would accept. */
		json_t *body = json_pack("{sO}", "digest", d);

		rc = px_feedmsg_check_digest(body);
		json_decref(body);
		if (rc < 0)
			goto out;
	}
	*out = d;
	d = NULL;
out:
	json_decref(d);
	json_decref(files);
	return rc;
}

/* The members a receiver recomputes and compares. */
static const char *const compared[] = { "events", "root", "by_type", "by_asn",
	"by_severity", "hosts", "cases", "batches", NULL };

int
px_digest_verify(
    json_t **out, struct px_node *n, const char *peer, const char *day)
{
	struct px_feed_cfg cfg;
	struct px_digest_row row = { 0 };
	struct px_msg_row mrow = { 0 };
	struct px_msg *m = NULL;
	struct comp c = { .n = n, .peer = peer, .dir = "in", .index = true };
	json_t *mine = NULL, *diffs = json_array(), *res = NULL;
	const json_t *theirs;
	bool agree, in_tx = false;
	int rc;

	c.tampered = json_array();
	c.missing = json_array();
	if ((rc = px_feed_cfg_load(&cfg, n)) < 0)
		goto out;
	/* One write transaction from the start: the check indexes every
	 * event it reads, and a read that later turns into a write would be
	 * refused if another connection wrote meanwhile. */
	if ((rc = PX_STORE_CALL0(n->store, begin)) < 0)
		goto out;
	in_tx = true;
	if ((rc = PX_STORE_CALL(n->store, digest_get, peer, "in", day, &row)) <
	    0) {
		rc = px_error_set(PX_ENOTFOUND,
		    "no digest of %s from %s has arrived", day, peer);
		goto out;
	}
	if ((rc = PX_STORE_CALL(n->store, msg_get, row.msg_hash, &mrow)) < 0 ||
	    (rc = px_node_msg_from_row(&m, &mrow)) < 0)
		goto out;
	theirs = json_object_get(m->body, "digest");
	if ((rc = compute(&mine, &c, &cfg, day)) < 0)
		goto out;
	for (const char *const *k = compared; *k; k++) {
		const json_t *a = json_object_get(theirs, *k);
		const json_t *b = json_object_get(mine, *k);

		if (!json_equal(a, b))
			json_array_append_new(diffs,
			    json_pack("{sssOsO}", "member", *k, "signed",
			        a ? a : json_null(), "recomputed", b));
	}
	agree = json_array_size(diffs) == 0 &&
	    json_array_size(c.tampered) == 0 && json_array_size(c.missing) == 0;
	res = json_pack("{sssssssbsOsOsOsOsO}", "day", day, "peer", peer,
	    "digest", row.msg_hash, "agree", agree, "differences", diffs,
	    "tampered", c.tampered, "missing", c.missing, "signed", theirs,
	    "recomputed", mine);
	{
		struct px_digest_row up = row;
		char *detail = px_canon_string(res);

		up.verdict = (char *)(agree ? "agree" : "disagree");
		up.detail = detail;
		up.checked_ms = px_time_now_ms();
		rc = PX_STORE_CALL(n->store, digest_put, &up);
		free(detail);
		if (rc < 0)
			goto out;
	}
	in_tx = false;
	if ((rc = PX_STORE_CALL0(n->store, commit)) < 0) {
		PX_STORE_CALL0(n->store, rollback);
		goto out;
	}
	*out = res;
	res = NULL;
out:
	if (in_tx)
		PX_STORE_CALL0(n->store, rollback);
	json_decref(res);
	json_decref(mine);
	json_decref(diffs);
	json_decref(c.tampered);
	json_decref(c.missing);
	px_msg_free(m);
	px_msg_row_dispose(&mrow);
	px_digest_row_dispose(&row);
	px_feed_cfg_dispose(&cfg);
	return rc;
}

/* --- what arrives from a peer ------------------------------------------ */

int
px_feed_on_import(struct px_node *n, const struct px_msg *m)
{
	const json_t *f = json_object_get(m->body, "feed");
	const json_t *d = json_object_get(m->body, "digest");
	int64_t a, b;

	if (f && (m->type == PX_MSG_REPORT || m->type == PX_MSG_UPDATE)) {
		const json_t *iv = json_object_get(f, "interval");
		struct px_feed_part_row p = { 0 };

		if (px_time_parse(&a,
		        json_string_value(json_object_get(iv, "start")),
		        0) < 0 ||
		    px_time_parse(&b,
		        json_string_value(json_object_get(iv, "end")), 0) < 0)
			return 0; /* validated already; cannot happen */
		p.msg_hash = (char *)m->hash;
		p.case_id = (char *)m->case_id;
		p.peer = (char *)m->from;
		p.dir = (char *)"in";
		p.batch =
		    (char *)json_string_value(json_object_get(f, "batch"));
		p.attachment = (char *)json_string_value(json_object_get(
		    json_object_get(f, "attachment"), "sha256"));
		p.part = json_integer_value(json_object_get(f, "part"));
		p.parts = json_integer_value(json_object_get(f, "parts"));
		p.start_ms = a;
		p.end_ms = b;
		p.events = json_integer_value(json_object_get(f, "events"));
		p.time_ms = m->time_ms;
		return PX_STORE_CALL(n->store, feed_part_put, &p);
	}
	if (d && m->type == PX_MSG_DIGEST) {
		struct px_digest_row r = { 0 };
		struct px_digest_row have = { 0 };

		/* The first digest of a day counts; a later one for the same
		 * day is kept in the record but not indexed. */
		r.day = (char *)json_string_value(json_object_get(d, "day"));
		if (PX_STORE_CALL(n->store, digest_get, m->from, "in", r.day,
		        &have) == 0) {
			px_digest_row_dispose(&have);
			return 0;
		}
		r.peer = (char *)m->from;
		r.dir = (char *)"in";
		r.msg_hash = (char *)m->hash;
		r.root = (char *)json_string_value(json_object_get(d, "root"));
		r.events = json_integer_value(json_object_get(d, "events"));
		r.time_ms = m->time_ms;
		r.checked_ms = -1;
		return PX_STORE_CALL(n->store, digest_put, &r);
	}
	return 0;
}
