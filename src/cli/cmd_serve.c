/*
 * parley serve: run the node.  One process: the HTTPS server (peer
 * protocol with pinned client certificates, analyst API with tokens,
 * /healthz, /metrics with a token), the outbox delivery workers, and the
 * group-commit writer.  [serve] in parley.conf sets the server's
 * connection and upload limits.  SIGTERM or SIGINT drain in-flight requests and
 * stop cleanly; SIGHUP reloads the configuration.
 *
 * The CLI keeps working beside a serving node: both use the same SQLite
 * store (WAL), and the outbox notices messages the CLI queued within half
 * a second.
 */
#include <signal.h>
#include <stddef.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <unistd.h>

#include "api/app.h"
#include "api/routes.h"
#include "cli/common.h"
#include "node/feedrun.h"
#include "node/taxiipoll.h"
#include "node/worker.h"
#include "node/sched.h"
#include "node/hotline.h"
#include "notify/notify.h"
#include "cli/commands.h"
#include "net/http.h"
#include "node/outbox.h"
#include "node/transfer.h"
#include "util/util.h"

static const struct px_opt opts[] = {
	{ "listen", "ADDR:PORT",
	    "where to listen (default: parley.conf 'listen', else "
	    "127.0.0.1:8443)",
	    0 },
	{ "threads", "N",
	    "HTTP worker threads (default 16: requests waiting on the "
	    "group-commit writer hold a thread)",
	    0 },
	{ 0 },
};

static int
peer_allowed(void *app, const char *fp)
{
	char *name = px_app_peer_by_fp(app, fp);
	int ok = name != NULL;

	free(name);
	return ok;
}

static int
token_ok(void *app, const struct px_http_req *req, const struct px_route *route,
    char *why, size_t whylen)
{
	int role = px_app_token_role(app, req->bearer, why, whylen);
	int need = px_route_min_role(route);

	if (role < 0)
		return 401;
	if (role < need) {
		snprintf(why, whylen,
		    "this needs the %s role; the token has %s",
		    px_role_names[need], px_role_names[role]);
		return 403;
	}
	return 0;
}

static int
split_listen(const char *s, char *addr, size_t n, unsigned *port)
{
	const char *colon = strrchr(s, ':');
	char *end = NULL;
	long p;

	if (colon == NULL || (size_t)(colon - s) >= n)
		goto bad;
	if (s[0] == '[' && colon > s && colon[-1] == ']')
		snprintf(addr, n, "%.*s", (int)(colon - s - 2), s + 1);
	else
		snprintf(addr, n, "%.*s", (int)(colon - s), s);
	p = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end != '\0' || p < 0 || p > 65535)
		goto bad;
	*port = (unsigned)p;
	return 0;
bad:
	return px_error_set(PX_EINVAL,
	    "'%s' is not ADDR:PORT (e.g. 127.0.0.1:8443 or [::1]:8443)", s);
}

/* [serve] in parley.conf: the limits of the HTTPS server's connection
 * gate and upload budget (docs/transport.md section 6). */
enum kind { K_COUNT, K_SECONDS, K_BYTES };

struct serve_key {
	const char *key;
	enum kind kind;
	size_t off; /* in struct px_http_config */
	unsigned long long max;
};

#define FIELD(f) offsetof(struct px_http_config, f)
static const struct serve_key serve_keys[] = {
	{ "max_connections", K_COUNT, FIELD(max_connections), 1000000 },
	{ "unauth_connections", K_COUNT, FIELD(unauth_max), 500000 },
	{ "unauth_per_address", K_COUNT, FIELD(unauth_per_addr), 500000 },
	{ "peer_connections", K_COUNT, FIELD(peer_conns), 10000 },
	{ "header_timeout", K_SECONDS, FIELD(header_timeout_s), 3600 },
	{ "idle_timeout", K_SECONDS, FIELD(idle_timeout_s), 86400 },
	{ "upload_budget", K_BYTES, FIELD(upload_total), 1ULL << 40 },
	{ "upload_per_client", K_BYTES, FIELD(upload_per_client), 1ULL << 40 },
	{ "threads", K_COUNT, FIELD(threads), 256 },
};
#undef FIELD

static int
serve_value(const struct serve_key *k, const struct px_conf_entry *e,
    struct px_http_config *c)
{
	unsigned long long v = 0;
	char *end = NULL;
	int64_t ms;

	switch (k->kind) {
	case K_COUNT:
		if (e->value[0] < '0' || e->value[0] > '9' ||
		    (v = strtoull(e->value, &end, 10), *end != '\0'))
			goto bad;
		break;
	case K_SECONDS:
		if (px_duration_parse(&ms, e->value, 0) < 0 || ms % 1000 != 0)
			goto bad;
		v = (unsigned long long)(ms / 1000);
		break;
	case K_BYTES:
		if (px_size_parse(&v, e->value) < 0)
			goto bad;
		break;
	}
	if (v == 0 || v > k->max)
		goto bad;
	if (k->kind == K_BYTES)
		*(size_t *)(void *)((char *)c + k->off) = (size_t)v;
	else
		*(unsigned *)(void *)((char *)c + k->off) = (unsigned)v;
	return 0;
bad:
	return px_error_set(PX_EINVAL,
	    "parley.conf line %u: [serve] %s = '%s' is not %s between 1 and "
	    "%llu",
	    e->line, e->key, e->value,
	    k->kind == K_COUNT         ? "a whole number"
	        : k->kind == K_SECONDS ? "a duration in whole seconds (10s, 2m)"
	                               : "a size (bytes, or with K, M, G)",
	    k->max);
}

static int
serve_conf(const struct px_conf *conf, struct px_http_config *c)
{
	int rc;

	for (size_t i = 0; i < conf->n; i++) {
		const struct px_conf_entry *e = &conf->e[i];
		size_t k;

		if (strcmp(e->section, "serve") != 0 || e->sub != NULL)
			continue;
		for (k = 0; k < PX_ARRAY_LEN(serve_keys); k++)
			if (strcmp(serve_keys[k].key, e->key) == 0)
				break;
		if (k == PX_ARRAY_LEN(serve_keys))
			return px_error_set(PX_EINVAL,
			    "parley.conf line %u: [serve] has no key '%s' "
			    "(known: max_connections, unauth_connections, "
			    "unauth_per_address, peer_connections, "
			    "header_timeout, idle_timeout, upload_budget, "
			    "upload_per_client, threads)",
			    e->line, e->key);
		if ((rc = serve_value(&serve_keys[k], e, c)) < 0)
			return rc;
	}
	return 0;
}

static void
log_transport(void *app, const char *msg)
{
	(void)app;
	fprintf(stderr, "parley serve: %s\n", msg);
}

/* After each scheduler tick: deliver the notifications due, and send the
 * messages the scheduler made at once. */
/* Each notification's outcome: a hotline page's delivery is reported in
 * the case, so the requester sees whether the person was reached. */
static int
noted(const struct px_notify_row *r, void *arg)
{
	struct px_node *n = arg;

	if (px_hotline_note_delivery(n, r) < 0)
		fprintf(stderr,
		    "parley serve: cannot report the delivery of "
		    "notification %lld: %s\n",
		    (long long)r->id, px_error_last());
	return 0;
}

static void
after_tick(void *arg, struct px_node *n, const struct px_sched_stats *st)
{
	struct px_app *app = arg;
	struct px_notify_stats ns = { .on_result = noted, .arg = n };

	if (px_notify_deliver_due(n, px_time_now_ms(), &ns) < 0)
		fprintf(stderr, "parley serve: notifications: %s\n",
		    px_error_last());
	if ((st->ladder || st->pages || st->checks || ns.sent || ns.retry ||
	        ns.failed) &&
	    app->outbox)
		px_outbox_kick(app->outbox);
}

/* Whatever the feeds thread signed goes out at once. */
static void
after_feeds(void *arg)
{
	struct px_app *app = arg;

	if (app->outbox)
		px_outbox_kick(app->outbox);
}

/* The scheduled TAXII pulls (node/taxiipoll.h): what they opened goes
 * out at once; runs and failures are counted for /metrics. */
static void
taxii_step(void *arg, struct px_node *n)
{
	struct px_app *app = arg;
	size_t ran = 0, failed = 0;

	if (px_taxii_poll_due(n, px_time_now_ms(), &ran, &failed) < 0)
		fprintf(
		    stderr, "parley serve: taxii pull: %s\n", px_error_last());
	if (failed > 0)
		fprintf(stderr,
		    "parley serve: %zu scheduled TAXII pull%s failed (parley "
		    "taxii status says why)\n",
		    failed, failed == 1 ? "" : "s");
	px_metrics_add(app->metrics, PX_C_TAXII_PULLS, ran);
	px_metrics_add(app->metrics, PX_C_TAXII_PULL_ERRORS, failed);
	if (ran > failed)
		after_feeds(app);
}

static int
run(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_app *app = NULL;
	struct px_http_server *srv = NULL;
	struct px_sched_runner *sched = NULL;
	struct px_feedrun *feeds = NULL;
	struct px_worker *pulls = NULL;
	struct px_http_config c = { 0 };
	const char *listen = px_arg(a, "listen");
	char addr[64], *cert = NULL, *key = NULL, *stream = NULL;
	unsigned port = 8443;
	sigset_t set;
	int rc, sig;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
#ifdef __GLIBC__
	/* Request bodies and their parse run to tens of MiB on any of the
	 * server's threads.  glibc's default raises its mmap threshold after
	 * the first such block is freed, and from then on keeps freed blocks
	 * in the thread's arena: 16 threads each holding their last large
	 * body once took RSS to 340 MB under an upload flood.  A fixed
	 * threshold gives blocks of 1 MiB and more back to the system at
	 * once (bench/bench_flood.c measures it). */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
	if (listen == NULL)
		listen = px_conf_get(&n->conf, "", NULL, "listen");
	if (listen == NULL || *listen == '\0')
		listen = "127.0.0.1:8443";
	if ((rc = split_listen(listen, addr, sizeof(addr), &port)) < 0)
		goto fail;
	cert = px_asprintf("%s/tls/cert.pem", n->dir);
	key = px_asprintf("%s/tls/key.pem", n->dir);
	/* Signals are taken by this thread with sigwait; every thread made
	 * from here on inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = px_app_new(&app, n->dir)) < 0)
		goto fail;
	c.addr = addr;
	c.port = port;
	c.cert_pem_path = cert;
	c.key_pem_path = key;
	c.routes = px_routes_all(&c.nroutes);
	c.peer_allowed = peer_allowed;
	c.token_ok = token_ok;
	c.app = app;
	c.log = log_transport;
	/* Feed files uploaded through the API are written here as they
	 * arrive (any size, on disk: net/http.h PX_ROUTE_STREAM). */
	stream = px_asprintf("%s/tmp/http", n->dir);
	c.stream_dir = stream;
	/* Sends wait on the group-commit writer while holding their HTTP
	 * thread; enough threads let many sends share one fsync. */
	c.threads = 16;
	if ((rc = serve_conf(&n->conf, &c)) < 0)
		goto fail;
	if (px_arg(a, "threads"))
		c.threads = (unsigned)strtoul(px_arg(a, "threads"), NULL, 10);
	if ((rc = px_http_start(&srv, &c)) < 0)
		goto fail;
	atomic_store(&app->http, srv);
	if ((rc = px_outbox_start(&app->outbox, n->dir, app->metrics)) < 0 ||
	    (rc = px_xfer_start(&app->xfer, n->dir)) < 0)
		goto fail;
	{
		int64_t tick = 1000;
		const char *t = px_conf_get(&n->conf, "schedule", NULL, "tick");

		if (t && *t && (rc = px_duration_parse(&tick, t, 0)) < 0) {
			px_error_prefix("parley.conf [schedule] tick");
			goto fail;
		}
		if ((rc = px_sched_start(
		         &sched, n->dir, tick, after_tick, app)) < 0)
			goto fail;
	}
	if ((rc = px_feedrun_start(&feeds, n->dir, after_feeds, app)) < 0)
		goto fail;
	app->feeds = feeds;
	{
		/* Scheduled TAXII pulls: checked now, so a bad section stops
		 * serve at start rather than failing every minute. */
		struct px_taxii_poll *ps = NULL;
		size_t np = 0;

		if ((rc = px_taxii_polls(&ps, &np, n)) < 0)
			goto fail;
		free(ps);
		if (np > 0 &&
		    (rc = px_worker_start(&pulls, n->dir, 1000, taxii_step, app,
		         "taxii pull")) < 0)
			goto fail;
	}
	fprintf(stderr,
	    "parley serve: %s listening on https://%s:%u (pid %ld)\n"
	    "  peers reach it at the url in parley.conf: %s\n",
	    n->name, addr, px_http_port(srv), (long)getpid(),
	    px_conf_get(&n->conf, "", NULL, "url") ?: "(none set)");
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			px_app_reload(app);
			fprintf(stderr,
			    "parley serve: configuration "
			    "reloaded\n");
			continue;
		}
		fprintf(stderr,
		    "parley serve: stopping (signal %d), "
		    "finishing requests in flight\n",
		    sig);
		break;
	}
	px_worker_stop(pulls);
	pulls = NULL;
	px_sched_stop(sched);
	sched = NULL;
	atomic_store(&app->http, NULL);
	px_http_stop(srv);
	app->feeds = NULL;
	px_feedrun_stop(feeds);
	feeds = NULL;
	srv = NULL;
	px_xfer_stop(app->xfer);
	app->xfer = NULL;
	px_outbox_stop(app->outbox);
	app->outbox = NULL;
	rc = 0;
	goto out;
fail:
	rc = px_cli_fail(a, rc);
out:
	px_worker_stop(pulls);
	px_sched_stop(sched);
	if (app)
		atomic_store(&app->http, NULL);
	if (srv)
		px_http_stop(srv);
	if (app && app->xfer)
		px_xfer_stop(app->xfer);
	if (app)
		app->feeds = NULL;
	px_feedrun_stop(feeds);
	if (app && app->outbox)
		px_outbox_stop(app->outbox);
	px_app_free(app);
	px_node_free(n);
	free(cert);
	free(key);
	free(stream);
	return rc;
}

const struct px_cmd px_cmd_serve = {
	.name = "serve",
	.summary = "run the node: peer protocol, analyst API, outbox",
	.opts = opts,
	.run = run,
	.details = "Stop with SIGTERM or Ctrl-C (in-flight requests finish); "
	           "SIGHUP reloads parley.conf.\nTokens for the analyst API: "
	           "parley token create --role analyst.",
};
