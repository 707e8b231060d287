/*
 * The connection gate (gate.h).
 *
 * Book-keeping: every connection is on the list of all connections; the
 * unauthenticated ones are also on the pool list and on their address's
 * pool list, both in order of their last progress (accept, a complete
 * TLS handshake message, complete headers, answer sent), so the head of
 * either is the connection that has gone longest without any: a client
 * that stalls is evicted before one that is on its way, even when both
 * come from the same address.  Progress moves a connection in the pool
 * but never extends its deadline.  Evicting from the head is O(1); finding
 * the address holding most is a scan of the addresses, done only when the
 * pool is full.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "crypto/tls.h"
#include "net/gate.h"
#include "util/util.h"

#define TICK_MS 100
/* One summary line per source address per window, and at most this many
 * source lines per window in all (the rest are summed in one line). */
#define WINDOW_MS        60000
#define HOUR_MS          3600000
#define TOLD_MAX         256
#define SOURCE_LINES_MAX 5
/* Addresses whose connections are gone are kept for their next summary;
 * beyond this many, their counts fold into the "other sources" line. */
#define LINGER_MAX 4096
#define HASH_SLOTS 1024
#define LIB_KINDS  32

enum gstate {
	G_OPEN,    /* waiting for complete request headers */
	G_IDLE,    /* keep-alive, waiting for the next request */
	G_BUSY,    /* an unauthenticated request being served */
	G_TRUSTED, /* a token-authenticated request being served */
	G_PEER,    /* a pinned peer's */
	G_CLOSING, /* shut down by the gate; the owner has yet to close it */
};

enum why { W_EVICTED, W_TIMED_OUT };

/* Counts towards one summary line. */
struct tally {
	unsigned long evicted, timed_out, early;
};

struct addr {
	unsigned char key[17]; /* family, then 4 or 8 significant bytes */
	char text[INET6_ADDRSTRLEN];
	unsigned refs;                    /* connections from it, any state */
	unsigned pool;                    /* of them in the pool */
	struct px_gate_conn *head, *tail; /* its pool, oldest progress first */
	struct tally t;                   /* since its last line */
	int64_t reported_ms;              /* its last line; 0 none */
	struct addr *hnext;               /* hash chain */
	struct addr *prev, *next;         /* all addresses */
};

struct peerc {
	char fp[PX_TLS_FP_LEN];
	unsigned n;
};

struct px_gate_conn {
	int fd;
	enum gstate st;
	bool in_pool;
	bool requested; /* a request's headers were seen */
	int peer;       /* index in g->peers, or -1 */
	struct addr *a;
	int64_t since;    /* entered the state: its deadline counts from here */
	int64_t progress; /* last progress: its place in the pool */
	struct px_gate_conn *pprev, *pnext; /* the pool */
	struct px_gate_conn *aprev, *anext; /* its address's pool */
	struct px_gate_conn *prev, *next;   /* all connections */
};

struct libkind {
	const char *fmt; /* the key */
	const char *prefix;
	char sample[160];
	unsigned long count; /* since its last line */
	int64_t reported_ms;
};

struct px_gate {
	struct px_gate_config c;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	pthread_t thread;
	bool have_thread;
	struct px_gate_conn *all;
	struct px_gate_conn *phead, *ptail;
	unsigned pool;
	struct addr *slots[HASH_SLOTS];
	struct addr *addrs;
	unsigned naddrs;
	struct peerc *peers;
	size_t npeers, peers_cap;
	struct tally other; /* folded from forgotten addresses */
	unsigned long other_sources;
	int64_t other_ms;  /* the last "other sources" line; 0 none */
	int64_t window_ms; /* start of the current log window */
	unsigned window_lines;
	struct libkind lib[LIB_KINDS];
	unsigned long lib_conn; /* per-connection library errors, unsaid */
	int64_t lib_conn_ms;
	struct px_gate_stats st;
	/* Addresses already told what to do (see source_line), oldest
	 * overwritten first: later lines for them are hourly counts. */
	struct told {
		unsigned char key[17];
		int64_t ms; /* its last line */
	} told[TOLD_MAX];
	size_t told_next;
	bool lib_told; /* the library's connection errors explained once */
};

static int64_t
now_ms(struct px_gate *g)
{
	struct timespec ts;

	if (g->c.now_ms)
		return g->c.now_ms(g->c.now_arg);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(struct px_gate *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Called with g->mu held: the log callback must not call back in. */
static void
say(struct px_gate *g, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (g->c.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	g->st.log_lines++;
	g->c.log(g->c.log_arg, msg);
}

/* ------------------------------------------------------------------ */
/* Addresses                                                           */

/* The grouping key: an IPv4 address, or the /64 of an IPv6 one (one host
 * usually has a whole /64); IPv4-mapped IPv6 counts as IPv4. */
static void
addr_key(const struct sockaddr *sa, socklen_t salen, unsigned char key[17],
    char *text, size_t textlen)
{
	memset(key, 0, 17);
	snprintf(text, textlen, "unknown");
	if (sa != NULL && sa->sa_family == AF_INET &&
	    salen >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;

		key[0] = 4;
		memcpy(key + 1, &v4->sin_addr, 4);
		inet_ntop(AF_INET, &v4->sin_addr, text, (socklen_t)textlen);
	} else if (sa != NULL && sa->sa_family == AF_INET6 &&
	    salen >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
			key[0] = 4;
			memcpy(key + 1, v6->sin6_addr.s6_addr + 12, 4);
			inet_ntop(AF_INET, v6->sin6_addr.s6_addr + 12, text,
			    (socklen_t)textlen);
		} else {
			key[0] = 6;
			memcpy(key + 1, v6->sin6_addr.s6_addr, 8);
			inet_ntop(
			    AF_INET6, &v6->sin6_addr, text, (socklen_t)textlen);
		}
	}
}

static unsigned
key_hash(const unsigned char key[17])
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 17; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % HASH_SLOTS;
}

static struct addr *
addr_get(struct px_gate *g, const struct sockaddr *sa, socklen_t salen)
{
	unsigned char key[17];
	char text[INET6_ADDRSTRLEN];
	struct addr *a;
	unsigned h;

	addr_key(sa, salen, key, text, sizeof(text));
	h = key_hash(key);
	for (a = g->slots[h]; a; a = a->hnext)
		if (memcmp(a->key, key, sizeof(key)) == 0)
			return a;
	a = px_calloc(1, sizeof(*a));
	memcpy(a->key, key, sizeof(key));
	/* For IPv6 the text is the first address seen of the /64. */
	snprintf(a->text, sizeof(a->text), "%s", text);
	a->hnext = g->slots[h];
	g->slots[h] = a;
	a->next = g->addrs;
	if (g->addrs)
		g->addrs->prev = a;
	g->addrs = a;
	g->naddrs++;
	return a;
}

static void
addr_drop(struct px_gate *g, struct addr *a)
{
	struct addr **pp = &g->slots[key_hash(a->key)];

	while (*pp != a)
		pp = &(*pp)->hnext;
	*pp = a->hnext;
	if (a->prev)
		a->prev->next = a->next;
	else
		g->addrs = a->next;
	if (a->next)
		a->next->prev = a->prev;
	g->naddrs--;
	free(a);
}

static bool
tally_empty(const struct tally *t)
{
	return t->evicted == 0 && t->timed_out == 0 && t->early == 0;
}

/* ------------------------------------------------------------------ */
/* The pool                                                            */

static void
pool_add(struct px_gate *g, struct px_gate_conn *c)
{
	struct addr *a = c->a;

	c->in_pool = true;
	c->progress = now_ms(g);
	c->pnext = NULL;
	c->pprev = g->ptail;
	if (g->ptail)
		g->ptail->pnext = c;
	else
		g->phead = c;
	g->ptail = c;
	c->anext = NULL;
	c->aprev = a->tail;
	if (a->tail)
		a->tail->anext = c;
	else
		a->head = c;
	a->tail = c;
	g->pool++;
	a->pool++;
}

static void
pool_del(struct px_gate *g, struct px_gate_conn *c)
{
	struct addr *a = c->a;

	if (!c->in_pool)
		return;
	c->in_pool = false;
	if (c->pprev)
		c->pprev->pnext = c->pnext;
	else
		g->phead = c->pnext;
	if (c->pnext)
		c->pnext->pprev = c->pprev;
	else
		g->ptail = c->pprev;
	if (c->aprev)
		c->aprev->anext = c->anext;
	else
		a->head = c->anext;
	if (c->anext)
		c->anext->aprev = c->aprev;
	else
		a->tail = c->aprev;
	c->pprev = c->pnext = c->aprev = c->anext = NULL;
	g->pool--;
	a->pool--;
}

static void
peer_release(struct px_gate *g, struct px_gate_conn *c)
{
	if (c->peer < 0)
		return;
	if (--g->peers[c->peer].n == 0)
		g->peers[c->peer].fp[0] = '\0'; /* the slot is free again */
	c->peer = -1;
	g->st.peers--;
}

/* Moves c to state st; a pool state (re)enters the pool at its tail: the
 * connection just made progress. */
static void
set_state(struct px_gate *g, struct px_gate_conn *c, enum gstate st)
{
	pool_del(g, c);
	c->st = st;
	c->since = now_ms(g);
	if (st == G_OPEN || st == G_IDLE || st == G_BUSY)
		pool_add(g, c);
}

/* Closes c's socket for both directions; the owner notices, closes it and
 * reports px_gate_close.  Only states that the client could have been
 * expected to leave count towards the source's summary: an idle
 * keep-alive connection closed is ordinary. */
static void
kill_conn(struct px_gate *g, struct px_gate_conn *c, enum why why)
{
	bool tell = c->st == G_OPEN || c->st == G_BUSY || c->st == G_PEER;

	(void)shutdown(c->fd, SHUT_RDWR);
	if (why == W_EVICTED) {
		g->st.evicted++;
		if (tell)
			c->a->t.evicted++;
	} else {
		g->st.timed_out++;
		if (tell)
			c->a->t.timed_out++;
	}
	peer_release(g, c);
	set_state(g, c, G_CLOSING);
}

/* The victim when the pool must shrink for a connection from `a`: the
 * oldest of `a` if it is at its cap (or has most), else the oldest of the
 * address holding most. */
static struct px_gate_conn *
victim(struct px_gate *g, struct addr *a)
{
	struct addr *big = NULL;

	if (a->pool >= g->c.unauth_per_addr && a->head)
		return a->head;
	if (g->pool < g->c.unauth_max)
		return NULL;
	for (struct addr *x = g->addrs; x; x = x->next) {
		if (x->head == NULL)
			continue;
		if (big == NULL || x->pool > big->pool ||
		    (x->pool == big->pool &&
		        x->head->progress < big->head->progress))
			big = x;
	}
	return big ? big->head : g->phead;
}

/* ------------------------------------------------------------------ */
/* Logging                                                             */

static struct told *
told_find(struct px_gate *g, const unsigned char key[17])
{
	for (size_t i = 0; i < TOLD_MAX; i++)
		if (g->told[i].ms != 0 &&
		    memcmp(g->told[i].key, key, sizeof(g->told[i].key)) == 0)
			return &g->told[i];
	return NULL;
}

/* When the address's next line may be written: a minute after its last,
 * or an hour once it has been told what to do. */
static bool
source_due(struct px_gate *g, struct addr *a, int64_t now)
{
	struct told *td = told_find(g, a->key);
	int64_t last = a->reported_ms;

	if (td == NULL)
		return last == 0 || now - last >= WINDOW_MS;
	if (td->ms > last)
		last = td->ms;
	return now - last >= HOUR_MS;
}

/* One line for an address whose connections closed before a request.  The
 * first says what it means and what to do; it is the same every time, so
 * after it the address gets a count once an hour (a browser that does not
 * trust the node's certificate, or a peer holding an old card, retries all
 * day, and serve.log would fill with lines nobody can act on). */
static void
source_line(struct px_gate *g, struct addr *a, int64_t now)
{
	const struct tally *t = &a->t;
	struct told *td = told_find(g, a->key);

	if (td != NULL) {
		say(g,
		    "connections from %s: %lu more closed before completing "
		    "a request in the last %lld min (%lu past the deadline, "
		    "%lu to make room, %lu ended by the client); what to do "
		    "is in the first line about %s.  Next count in an hour.",
		    a->text, t->evicted + t->timed_out + t->early,
		    (long long)((now -
		                    (td->ms > a->reported_ms
		                            ? td->ms
		                            : a->reported_ms)) /
		        60000),
		    t->timed_out, t->evicted, t->early, a->text);
		td->ms = now;
		a->reported_ms = now;
		memset(&a->t, 0, sizeof(a->t));
		return;
	}
	td = &g->told[g->told_next];
	g->told_next = (g->told_next + 1) % TOLD_MAX;
	memcpy(td->key, a->key, sizeof(td->key));
	td->ms = now;
	say(g,
	    "connections from %s: %lu closed before completing a request "
	    "since %s (%lu past the %u s deadline for the TLS handshake and "
	    "request headers, %lu closed to make room for newer "
	    "connections, %lu ended by the client: a failed TLS handshake "
	    "or it gave up).  Pinned peers keep their capacity.  What to do: "
	    "if %s is a browser, it does not trust this node's self-signed "
	    "certificate: open the console's URL once and accept it (or "
	    "install tls/cert.pem); if it is a peer, its pinned card of this "
	    "node is out of date or it does not speak TLS 1.3: send it "
	    "`parley card` again; if it is neither, it is a scanner or a "
	    "flood, which a firewall can drop earlier.  Later counts for "
	    "this address come once an hour.",
	    a->text, t->evicted + t->timed_out + t->early,
	    a->reported_ms ? "the last summary" : "start", t->timed_out,
	    g->c.header_ms / 1000, t->evicted, t->early, a->text);
	a->reported_ms = now;
	memset(&a->t, 0, sizeof(a->t));
}

static void
fold_other(struct px_gate *g, struct addr *a)
{
	g->other.evicted += a->t.evicted;
	g->other.timed_out += a->t.timed_out;
	g->other.early += a->t.early;
	g->other_sources++;
	memset(&a->t, 0, sizeof(a->t));
}

static void
lib_flush(struct px_gate *g, int64_t now, bool all)
{
	for (int i = 0; i < LIB_KINDS; i++) {
		struct libkind *k = &g->lib[i];

		if (k->fmt == NULL || k->count == 0 ||
		    (!all && now - k->reported_ms < WINDOW_MS))
			continue;
		say(g, "%s\"%s\" %lu more times in the last %lld s", k->prefix,
		    k->sample, k->count,
		    (long long)((now - k->reported_ms) / 1000));
		k->count = 0;
		k->reported_ms = now;
	}
	/* Explained once; then counted hourly: the per-address lines say
	 * from where and what to do. */
	if (g->lib_conn > 0 &&
	    (all ||
	        now - g->lib_conn_ms >= (g->lib_told ? HOUR_MS : WINDOW_MS))) {
		say(g,
		    "libmicrohttpd: %lu connection errors in the last %lld s "
		    "(TLS handshakes that failed, connections reset)%s",
		    g->lib_conn, (long long)((now - g->lib_conn_ms) / 1000),
		    g->lib_told ? ""
		                : "; the lines \"connections from ...\" "
		                  "say from where and what to do; next "
		                  "count in an hour");
		g->lib_told = true;
		g->lib_conn = 0;
		g->lib_conn_ms = now;
	}
}

/* Writes the summaries that are due.  `all`: everything pending, now (at
 * stop). */
static void
flush(struct px_gate *g, int64_t now, bool all)
{
	struct addr *a, *next;

	if (now - g->window_ms >= WINDOW_MS) {
		g->window_ms = now;
		g->window_lines = 0;
	}
	for (a = g->addrs; a; a = next) {
		next = a->next;
		if (!tally_empty(&a->t) && (all || source_due(g, a, now))) {
			if (g->window_lines < SOURCE_LINES_MAX) {
				source_line(g, a, now);
				g->window_lines++;
			} else {
				fold_other(g, a);
			}
		}
		/* An address with nothing open is kept until its next
		 * summary could be due, unless there are too many. */
		if (a->refs == 0 &&
		    (tally_empty(&a->t) || g->naddrs > LINGER_MAX) &&
		    (a->reported_ms == 0 || now - a->reported_ms >= WINDOW_MS ||
		        g->naddrs > LINGER_MAX)) {
			if (!tally_empty(&a->t))
				fold_other(g, a);
			addr_drop(g, a);
		}
	}
	if (g->other_sources > 0 &&
	    (all || g->other_ms == 0 || now - g->other_ms >= WINDOW_MS)) {
		g->other_ms = now;
		say(g,
		    "connections from %lu other addresses: %lu closed past "
		    "their deadline, %lu to make room, %lu ended by the client "
		    "(summed up: too many addresses to name each)",
		    g->other_sources, g->other.timed_out, g->other.evicted,
		    g->other.early);
		memset(&g->other, 0, sizeof(g->other));
		g->other_sources = 0;
	}
	lib_flush(g, now, all);
}

/* A message of a kind (keyed by the pointer `key`): the first is logged,
 * later ones counted for lib_flush.  Called with g->mu held. */
static void
say_kind(struct px_gate *g, const char *key, const char *prefix,
    const char *msg, int64_t now)
{
	struct libkind *k = NULL;

	for (int i = 0; i < LIB_KINDS; i++) {
		if (g->lib[i].fmt == key) {
			k = &g->lib[i];
			break;
		}
		if (g->lib[i].fmt == NULL && k == NULL)
			k = &g->lib[i];
	}
	if (k == NULL)
		return; /* more kinds than slots: counted only */
	if (k->fmt == NULL) {
		k->fmt = key;
		k->prefix = prefix;
		snprintf(k->sample, sizeof(k->sample), "%s", msg);
		k->reported_ms = now;
		g->st.lib_messages--;
		say(g, "%s%s (repeats are summed up once a minute)", prefix,
		    msg);
		return;
	}
	k->count++;
}

void
px_gate_say_lib(struct px_gate *g, const char *fmt, const char *msg)
{
	static const char *const conn_words[] = { "handshake", "TLS",
		"forcibly", "closed by remote", "disconnected",
		"closed when reading", "Failed to send", "connection limit" };
	int64_t now;

	pthread_mutex_lock(&g->mu);
	now = now_ms(g);
	g->st.lib_messages++;
	/* One connection's trouble: the per-address lines cover it. */
	for (size_t i = 0; i < PX_ARRAY_LEN(conn_words); i++) {
		if (strstr(fmt, conn_words[i]) != NULL) {
			if (g->lib_conn++ == 0)
				g->lib_conn_ms = now;
			goto out;
		}
	}
	say_kind(g, fmt, "libmicrohttpd: ", msg, now);
out:
	pthread_mutex_unlock(&g->mu);
}

void
px_gate_say_kind(struct px_gate *g, const char *kind, const char *msg)
{
	pthread_mutex_lock(&g->mu);
	g->st.lib_messages++;
	say_kind(g, kind, "", msg, now_ms(g));
	pthread_mutex_unlock(&g->mu);
}

/* ------------------------------------------------------------------ */
/* Events                                                              */

struct px_gate_conn *
px_gate_open(
    struct px_gate *g, int fd, const struct sockaddr *sa, socklen_t salen)
{
	struct px_gate_conn *c = px_calloc(1, sizeof(*c));
	struct px_gate_conn *v;

	c->fd = fd;
	c->peer = -1;
	pthread_mutex_lock(&g->mu);
	c->a = addr_get(g, sa, salen);
	c->a->refs++;
	/* Room first: at most one eviction per new connection keeps the
	 * pool at its caps. */
	if ((v = victim(g, c->a)) != NULL)
		kill_conn(g, v, W_EVICTED);
	c->next = g->all;
	if (g->all)
		g->all->prev = c;
	g->all = c;
	g->st.open++;
	set_state(g, c, G_OPEN);
	pthread_mutex_unlock(&g->mu);
	return c;
}

bool
px_gate_peer(struct px_gate *g, struct px_gate_conn *c, const char *fp)
{
	size_t i, free_slot = (size_t)-1;
	bool ok = false;

	pthread_mutex_lock(&g->mu);
	if (c->st == G_CLOSING)
		goto out;
	if (c->peer >= 0) {
		ok = true;
		goto out;
	}
	for (i = 0; i < g->npeers; i++) {
		if (strcmp(g->peers[i].fp, fp) == 0)
			break;
		if (g->peers[i].fp[0] == '\0' && free_slot == (size_t)-1)
			free_slot = i;
	}
	if (i == g->npeers) {
		if (free_slot != (size_t)-1) {
			i = free_slot;
		} else {
			if (g->npeers == g->peers_cap) {
				g->peers_cap =
				    g->peers_cap ? g->peers_cap * 2 : 8;
				g->peers = px_realloc(
				    g->peers, g->peers_cap * sizeof(*g->peers));
			}
			i = g->npeers++;
		}
		snprintf(g->peers[i].fp, sizeof(g->peers[i].fp), "%s", fp);
		g->peers[i].n = 0;
	}
	if (g->peers[i].n >= g->c.peer_conns)
		goto out;
	g->peers[i].n++;
	c->peer = (int)i;
	g->st.peers++;
	/* A peer's connection still owes its first request within the
	 * header deadline; it only leaves the pool. */
	pool_del(g, c);
	c->st = G_PEER;
	ok = true;
out:
	pthread_mutex_unlock(&g->mu);
	return ok;
}

void
px_gate_progress(struct px_gate *g, struct px_gate_conn *c)
{
	pthread_mutex_lock(&g->mu);
	if (c->in_pool) {
		pool_del(g, c);
		pool_add(g, c);
	}
	pthread_mutex_unlock(&g->mu);
}

void
px_gate_request(struct px_gate *g, struct px_gate_conn *c, bool trusted)
{
	pthread_mutex_lock(&g->mu);
	c->requested = true;
	if (c->st != G_CLOSING && c->st != G_PEER)
		set_state(g, c, trusted ? G_TRUSTED : G_BUSY);
	pthread_mutex_unlock(&g->mu);
}

void
px_gate_done(struct px_gate *g, struct px_gate_conn *c)
{
	pthread_mutex_lock(&g->mu);
	if (c->st == G_BUSY || c->st == G_TRUSTED || c->st == G_OPEN)
		set_state(g, c, G_IDLE);
	pthread_mutex_unlock(&g->mu);
}

void
px_gate_close(struct px_gate *g, struct px_gate_conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->mu);
	if (c->st == G_OPEN && !c->requested) {
		g->st.early_closed++;
		c->a->t.early++;
	}
	peer_release(g, c);
	pool_del(g, c);
	if (c->prev)
		c->prev->next = c->next;
	else
		g->all = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->a->refs--;
	g->st.open--;
	pthread_mutex_unlock(&g->mu);
	free(c);
}

const char *
px_gate_addr(const struct px_gate_conn *c)
{
	return c->a->text;
}

/* ------------------------------------------------------------------ */
/* Deadlines                                                           */

static int64_t
deadline(const struct px_gate *g, const struct px_gate_conn *c)
{
	switch (c->st) {
	case G_OPEN:
		return c->since + g->c.header_ms;
	case G_PEER:
		/* Until its first request, like anyone. */
		return c->requested ? 0 : c->since + g->c.header_ms;
	case G_IDLE:
	case G_BUSY:
		return c->since + g->c.idle_ms;
	default:
		return 0;
	}
}

void
px_gate_tick(struct px_gate *g)
{
	int64_t now;

	pthread_mutex_lock(&g->mu);
	now = now_ms(g);
	for (struct px_gate_conn *c = g->all; c; c = c->next) {
		int64_t d = deadline(g, c);

		if (d != 0 && now >= d)
			kill_conn(g, c, W_TIMED_OUT);
	}
	flush(g, now, false);
	pthread_mutex_unlock(&g->mu);
}

static void *
watchdog(void *arg)
{
	struct px_gate *g = arg;

	pthread_mutex_lock(&g->mu);
	while (!g->stop) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&g->cv, &g->mu, &ts);
		if (g->stop)
			break;
		pthread_mutex_unlock(&g->mu);
		px_gate_tick(g);
		pthread_mutex_lock(&g->mu);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

int
px_gate_new(struct px_gate **out, const struct px_gate_config *c)
{
	struct px_gate *g;

	*out = NULL;
	if (c->unauth_max == 0 || c->unauth_per_addr == 0 ||
	    c->peer_conns == 0 || c->header_ms == 0 || c->idle_ms == 0)
		return px_error_set(PX_EINVAL,
		    "connection limits and timeouts must be above 0");
	if (c->unauth_per_addr > c->unauth_max)
		return px_error_set(PX_EINVAL,
		    "unauthenticated connections per address (%u) cannot be "
		    "more than in all (%u)",
		    c->unauth_per_addr, c->unauth_max);
	g = px_calloc(1, sizeof(*g));
	g->c = *c;
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	g->window_ms = now_ms(g);
	g->lib_conn_ms = g->window_ms;
	if (!c->no_thread) {
		if (pthread_create(&g->thread, NULL, watchdog, g) != 0) {
			pthread_mutex_destroy(&g->mu);
			pthread_cond_destroy(&g->cv);
			free(g);
			return px_error_set(
			    PX_ERR, "cannot start the connection watchdog");
		}
		g->have_thread = true;
	}
	*out = g;
	return 0;
}

void
px_gate_free(struct px_gate *g)
{
	if (g == NULL)
		return;
	pthread_mutex_lock(&g->mu);
	g->stop = true;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	if (g->have_thread)
		pthread_join(g->thread, NULL);
	pthread_mutex_lock(&g->mu);
	flush(g, now_ms(g), true);
	pthread_mutex_unlock(&g->mu);
	/* Connections still listed were never reported closed; forget
	 * them without touching their sockets (not ours). */
	while (g->all) {
		struct px_gate_conn *c = g->all;

		g->all = c->next;
		free(c);
	}
	while (g->addrs)
		addr_drop(g, g->addrs);
	free(g->peers);
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
	free(g);
}

void
px_gate_stats(struct px_gate *g, struct px_gate_stats *out)
{
	pthread_mutex_lock(&g->mu);
	*out = g->st;
	out->unauth = g->pool;
	pthread_mutex_unlock(&g->mu);
}
