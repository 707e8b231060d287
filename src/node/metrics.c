/*
 * Counters and gauges for /metrics (metrics.h).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "node/metrics.h"
#include "util/util.h"

const double px_metrics_lat_bounds_ms[PX_METRICS_LAT_BUCKETS] = { 1, 2, 5, 10,
	20, 50, 100, 250, 1000, 5000, 30000 };

struct desc {
	const char *name, *help;
};

static const struct desc counters[PX_C__N] = {
	[PX_C_MSGS_OUT] = { "parley_messages_out_total",
	    "Messages this node signed and queued." },
	[PX_C_MSGS_IN] = { "parley_messages_in_total",
	    "Peer messages applied." },
	[PX_C_BUNDLES_IN] = { "parley_bundles_in_total",
	    "Bundles accepted from peers." },
	[PX_C_BUNDLES_REFUSED] = { "parley_bundles_refused_total",
	    "Bundles refused (forged, out of sequence, fork)." },
	[PX_C_DELIVERIES] = { "parley_deliveries_total",
	    "Bundles delivered by the outbox." },
	[PX_C_DELIVERY_ERRORS] = { "parley_delivery_errors_total",
	    "Failed delivery attempts." },
	[PX_C_DELIVERIES_DEFERRED] = { "parley_deliveries_deferred_total",
	    "Delivery attempts a peer answered with 503 and Retry-After "
	    "(busy: retried later, not an error)." },
	[PX_C_API_SENDS] = { "parley_api_sends_total",
	    "Messages submitted through the API's group-commit writer "
	    "(refused ones included)." },
	[PX_C_TAXII_PULLS] = { "parley_taxii_pulls_total",
	    "Scheduled TAXII pulls run ([taxii_pull] in parley.conf)." },
	[PX_C_TAXII_PULL_ERRORS] = { "parley_taxii_pull_errors_total",
	    "Scheduled TAXII pulls that failed (parley taxii status says "
	    "why)." },
	[PX_C_PIPELINED] = { "parley_deliveries_pipelined_total",
	    "Bundles the outbox sent while the receipts of the one before "
	    "were being imported (pipelining)." },
};

static const struct desc peer_gauges[PX_PG__N] = {
	[PX_PG_OUTBOX_DEPTH] = { "parley_outbox_depth",
	    "Undelivered messages per peer." },
	[PX_PG_DELIVERY_FAILING] = { "parley_delivery_failing",
	    "1 while delivery to the peer fails." },
	[PX_PG_DELIVERY_DEFERRED] = { "parley_delivery_deferred",
	    "1 while the peer answers busy (503) and delivery waits for its "
	    "Retry-After." },
};

struct peer {
	char *name;
	long v[PX_PG__N];
	bool set[PX_PG__N];
};

struct px_metrics {
	atomic_ulong c[PX_C__N];
	atomic_ulong lat_bucket[PX_METRICS_LAT_BUCKETS + 1];
	atomic_ulong lat_count;
	atomic_ullong lat_sum_us;
	pthread_mutex_t mu; /* the peer table */
	struct peer *peers;
	size_t npeers, cap;
};

struct px_metrics *
px_metrics_new(void)
{
	struct px_metrics *m = px_calloc(1, sizeof(*m));

	pthread_mutex_init(&m->mu, NULL);
	return m;
}

void
px_metrics_free(struct px_metrics *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->npeers; i++)
		free(m->peers[i].name);
	free(m->peers);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

void
px_metrics_add(struct px_metrics *m, enum px_counter c, unsigned long n)
{
	if (m != NULL && (unsigned)c < PX_C__N)
		atomic_fetch_add_explicit(&m->c[c], n, memory_order_relaxed);
}

unsigned long
px_metrics_get(const struct px_metrics *m, enum px_counter c)
{
	struct px_metrics *w = (struct px_metrics *)(uintptr_t)m;

	if (m == NULL || (unsigned)c >= PX_C__N)
		return 0;
	return atomic_load_explicit(&w->c[c], memory_order_relaxed);
}

void
px_metrics_latency(struct px_metrics *m, int64_t us)
{
	double ms = (double)us / 1000.0;
	int b = 0;

	if (m == NULL)
		return;
	while (b < PX_METRICS_LAT_BUCKETS && ms > px_metrics_lat_bounds_ms[b])
		b++;
	atomic_fetch_add_explicit(&m->lat_bucket[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->lat_count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->lat_sum_us,
	    (unsigned long long)(us > 0 ? us : 0), memory_order_relaxed);
}

/* The peer's slot, made if `make`; NULL if absent or the table is full.
 * Called with m->mu held. */
static struct peer *
peer_slot(struct px_metrics *m, const char *name, bool make)
{
	for (size_t i = 0; i < m->npeers; i++)
		if (strcmp(m->peers[i].name, name) == 0)
			return &m->peers[i];
	if (!make || m->npeers >= PX_METRICS_PEERS_MAX)
		return NULL;
	if (m->npeers == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 8;
		m->peers = px_realloc(m->peers, m->cap * sizeof(*m->peers));
	}
	memset(&m->peers[m->npeers], 0, sizeof(m->peers[0]));
	m->peers[m->npeers].name = px_strdup(name);
	return &m->peers[m->npeers++];
}

void
px_metrics_peer_set(
    struct px_metrics *m, enum px_peer_gauge g, const char *peer, long v)
{
	struct peer *p;

	if (m == NULL || peer == NULL || (unsigned)g >= PX_PG__N)
		return;
	pthread_mutex_lock(&m->mu);
	if ((p = peer_slot(m, peer, true)) != NULL) {
		p->v[g] = v;
		p->set[g] = true;
	}
	pthread_mutex_unlock(&m->mu);
}

long
px_metrics_peer_get(const struct px_metrics *m, enum px_peer_gauge g,
    const char *peer, long dflt)
{
	struct px_metrics *w = (struct px_metrics *)(uintptr_t)m;
	struct peer *p;
	long v = dflt;

	if (m == NULL || peer == NULL || (unsigned)g >= PX_PG__N)
		return dflt;
	pthread_mutex_lock(&w->mu);
	if ((p = peer_slot(w, peer, false)) != NULL && p->set[g])
		v = p->v[g];
	pthread_mutex_unlock(&w->mu);
	return v;
}

void
px_metrics_peer_forget(struct px_metrics *m, const char *peer)
{
	struct peer *p;

	if (m == NULL || peer == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	if ((p = peer_slot(m, peer, false)) != NULL) {
		size_t i = (size_t)(p - m->peers);

		free(p->name);
		memmove(p, p + 1, (m->npeers - i - 1) * sizeof(*p));
		m->npeers--;
	}
	pthread_mutex_unlock(&m->mu);
}

void
px_metrics_peer_line(
    struct px_buf *out, const char *name, const char *peer, long long v)
{
	px_buf_putf(out, "%s{peer=\"", name);
	for (const char *c = peer; *c; c++) {
		if (*c == '\\' || *c == '"')
			px_buf_putf(out, "\\%c", *c);
		else if (*c == '\n')
			px_buf_puts(out, "\\n");
		else
			px_buf_put(out, c, 1);
	}
	px_buf_putf(out, "\"} %lld\n", v);
}

void
px_metrics_render(const struct px_metrics *m, struct px_buf *out)
{
	struct px_metrics *w = (struct px_metrics *)(uintptr_t)m;
	unsigned long cum = 0;

	if (m == NULL)
		return;
	for (int i = 0; i < PX_C__N; i++)
		px_buf_putf(out, "# HELP %s %s\n# TYPE %s counter\n%s %lu\n",
		    counters[i].name, counters[i].help, counters[i].name,
		    counters[i].name,
		    atomic_load_explicit(&w->c[i], memory_order_relaxed));
	px_buf_puts(out,
	    "# HELP parley_delivery_seconds Submit-to-receipt time of "
	    "outbox deliveries.\n# TYPE parley_delivery_seconds "
	    "histogram\n");
	for (int i = 0; i < PX_METRICS_LAT_BUCKETS; i++) {
		cum += atomic_load(&w->lat_bucket[i]);
		px_buf_putf(out,
		    "parley_delivery_seconds_bucket{le=\"%g\"} %lu\n",
		    px_metrics_lat_bounds_ms[i] / 1000.0, cum);
	}
	cum += atomic_load(&w->lat_bucket[PX_METRICS_LAT_BUCKETS]);
	px_buf_putf(
	    out, "parley_delivery_seconds_bucket{le=\"+Inf\"} %lu\n", cum);
	px_buf_putf(out, "parley_delivery_seconds_sum %.6f\n",
	    (double)atomic_load(&w->lat_sum_us) / 1e6);
	px_buf_putf(out, "parley_delivery_seconds_count %lu\n",
	    (unsigned long)atomic_load(&w->lat_count));
	pthread_mutex_lock(&w->mu);
	for (int g = 0; g < PX_PG__N; g++) {
		px_buf_putf(out, "# HELP %s %s\n# TYPE %s gauge\n",
		    peer_gauges[g].name, peer_gauges[g].help,
		    peer_gauges[g].name);
		for (size_t i = 0; i < w->npeers; i++)
			if (w->peers[i].set[g])
				px_metrics_peer_line(out, peer_gauges[g].name,
				    w->peers[i].name, w->peers[i].v[g]);
	}
	pthread_mutex_unlock(&w->mu);
}
