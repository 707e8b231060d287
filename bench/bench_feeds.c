/*
 * Feed ingestion at scale (issue 15), each figure beside a floor measured
 * in the same run:
 *
 *   1. parse and route, in memory: N = 1,000,000 rows of a
 *      Shadowserver-style sinkhole CSV decoded into events, keyed for
 *      deduplication and routed (a table of ~5,000 delegated blocks and
 *      three parties).  Floor: the bare CSV tokenizer over the same bytes.
 *      Target >= 1,000,000 events/s per core.
 *   2. end to end: a ~200 MB sinkhole file (about 1.5 million rows, 30 %
 *      duplicates), generated here, ingested by `parley feed ingest`'s
 *      code on a real node: parsed, deduplicated, routed, assigned to
 *      aggregation batches and durably stored.  Target < 10 s, and peak
 *      RSS < 256 MB (the ingest runs in a child process whose peak is
 *      read with wait4).  Durable storage in events/s beside the floor:
 *      SQLite batched inserts (transactions of 32,768, WAL,
 *      synchronous=FULL) of the same events as rows, a narrow row and
 *      a row of JSON each (the layout before schema 21).  Target
 *      >= 300,000 events/s.  Then the batches are sent as cases (the
 *      flush: attachments written, messages signed) and timed.
 *   3. the deduplicator holding 7,000,000 keys: lookups per second (half
 *      hits) beside a bare in-memory hash table of the same keys, and the
 *      index's size on disk.
 *
 * Usage: bench_feeds [--rows N] [--mb M] [--keys K] [--dir D]
 *                    [--only e2e|parse|dedup] [--no-flush]
 * Defaults: 1,000,000 in memory, 200 MB, 7,000,000 keys, a temporary
 * directory removed at the end.
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include "bench.h"
#include "formats/decoder.h"
#include "model/routing.h"
#include "node/dedup.h"
#include "node/feeds.h"
#include "util/u64map.h"

#define DAY "2026-12-01"

static uint64_t rng_state = 0x5eedf00dULL;

static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* A delegation file of `n` blocks of varied sizes from 10.0.0.0 up,
 * across four countries. */
static char *
make_deleg(size_t n)
{
	static const char *const cc[] = { "DE", "AT", "FR", "NL" };
	struct px_buf b;
	uint32_t at = 10u << 24;

	px_buf_init(&b, PX_BUF_NOCAP);
	px_buf_puts(&b, "2|ripencc|20261201|0|19830705|20261130|+0100\n");
	for (size_t i = 0; i < n; i++) {
		uint32_t count = (uint32_t)(256 + rnd() % 3840);

		px_buf_putf(&b,
		    "ripencc|%s|ipv4|%u.%u.%u.%u|%u|20100101|"
		    "allocated\n",
		    cc[rnd() % 4], at >> 24, (at >> 16) & 255, (at >> 8) & 255,
		    at & 255, count);
		at += count + (uint32_t)(rnd() % 64);
	}
	return px_buf_detach(&b, NULL);
}

struct key {
	uint32_t ip;
	uint16_t port;
	uint8_t inf;
};

/* One sinkhole row (about 135 bytes); 30 % repeat a recent key. */
static void
make_row(struct px_buf *b, struct key *ring, size_t *nring, uint32_t span)
{
	static const char *const inf[] = { "mirai", "emotet", "qakbot",
		"andromeda", "avalanche-citadel", "gamut" };
	static const char *const sev[] = { "high", "medium", "critical",
		"high" };
	struct key k;
	uint64_t r = rnd();

	if (*nring > 1000 && r % 100 < 30) {
		k = ring[rnd() % *nring];
	} else {
		k.ip = (10u << 24) + (uint32_t)(rnd() % span);
		k.port = (uint16_t)(1024 + rnd() % 60000);
		k.inf = (uint8_t)(rnd() % 6);
		ring[*nring < 100000 ? (*nring)++ : rnd() % 100000] = k;
	}
	px_buf_putf(b,
	    DAY " %02u:%02u:%02u,tcp,%u.%u.%u.%u,%u,%u,DE,192.0.2.%u,80,"
	        "64496,US,%s,%s,Vendor%u\n",
	    (unsigned)(r >> 8) % 24, (unsigned)(r >> 16) % 60,
	    (unsigned)(r >> 24) % 60, k.ip >> 24, (k.ip >> 16) & 255,
	    (k.ip >> 8) & 255, k.ip & 255, k.port,
	    64500 + (unsigned)(k.ip % 16), (unsigned)(r >> 32) % 200 + 1,
	    inf[k.inf], sev[(r >> 40) % 4], (unsigned)(r >> 48) % 50);
}

static const char header[] = "timestamp,protocol,src_ip,src_port,src_asn,"
                             "src_geo,dst_ip,dst_port,dst_asn,dst_geo,"
                             "infection,severity,device_vendor\n";

static struct px_rtable *
table(const char *deleg)
{
	struct px_rtable *t = NULL;
	json_t *b = json_pack("{s[ss]}", "countries", "DE", "AT");
	json_t *c = json_pack(
	    "{s[s]s[s]}", "countries", "FR", "networks", "10.1.0.0/16");
	json_t *a = json_pack("{s[s]}", "countries", "CN");

	if (px_rtable_new(&t) < 0 ||
	    px_rtable_add_file(t, deleg, strlen(deleg), "x", "deleg", NULL) <
	        0 ||
	    px_rtable_add_party(t, "cert-a.example", 1, true, a, NULL) < 0 ||
	    px_rtable_add_party(t, "cert-b.example", 1, false, b, NULL) < 0 ||
	    px_rtable_add_party(t, "cert-c.example", 1, false, c, NULL) < 0 ||
	    px_rtable_build(t) < 0)
		die("routing table");
	json_decref(a);
	json_decref(b);
	json_decref(c);
	return t;
}

/* Decodes, keys and routes every record of `in` (and writes each
 * event's canonical JSON into `json` if not NULL); returns the seconds
 * it took and counts events, bad records and routed events. */
static double
decode_route(const struct px_buf *in, const struct px_rtable *t,
    struct px_event *e, struct px_buf *json, size_t *n, size_t *bad,
    size_t *routed)
{
	struct px_decoder d;
	uint64_t sink = 0;
	double t0, took;

	*n = *bad = *routed = 0;
	if (px_decoder_open(&d, PX_FMT_SHADOWSERVER, DAY "-event4_sinkhole.csv",
	        NULL, 0, NULL, NULL, PX_TLP_AMBER) < 0)
		die("decoder");
	t0 = now_s();
	for (size_t at = 0; at < in->len;) {
		unsigned lines;
		size_t k = px_decoder_record_end(
		    &d, in->data + at, in->len - at, true, &lines);
		int rc = px_decoder_record(&d, in->data + at, k, e);
		struct px_rt_result r;

		at += k;
		if (rc == 1)
			continue;
		if (rc < 0) {
			(*bad)++;
			continue;
		}
		sink += px_event_dedup_key(e);
		px_route_event(&r, t, e, 0);
		*routed += r.status == PX_RT_ROUTED;
		(*n)++;
		if (json) {
			px_buf_reset(json);
			if (px_event_json(json, e) < 0)
				die("json");
			sink += json->len;
		}
	}
	took = now_s() - t0;
	px_decoder_dispose(&d);
	if (sink == 42)
		printf(" ");
	return took;
}

/* 1. Parse and route in memory. */
static void
phase_parse(size_t rows, const char *deleg)
{
	struct px_buf in;
	struct key *ring = px_calloc(100000, sizeof(*ring));
	size_t nring = 0, at, n = 0, bad = 0, routed = 0;
	struct px_rtable *t = table(deleg);
	struct px_event *e = px_malloc(sizeof(*e));
	struct px_csv csv;
	struct px_buf json;
	uint64_t sink = 0;
	double t0, floor_s, ours_s, json_s;

	px_buf_init(&in, PX_BUF_NOCAP);
	px_buf_put(&in, header, sizeof(header) - 1);
	for (size_t i = 0; i < rows; i++)
		make_row(&in, ring, &nring, 20u << 20);
	free(ring);
	/* Floor: the bare tokenizer. */
	px_csv_init(&csv, ',');
	t0 = now_s();
	for (at = 0; at < in.len;) {
		unsigned lines;
		size_t k = px_csv_record_end(
		    in.data + at, in.len - at, ',', true, &lines);

		if (px_csv_split(&csv, in.data + at, k) < 0)
			die("split");
		sink += csv.nf;
		at += k;
	}
	floor_s = now_s() - t0;
	px_csv_dispose(&csv);
	/* Ours: decode, key, route; then the same plus the canonical JSON
	 * each stored event gets. */
	ours_s = decode_route(&in, t, e, NULL, &n, &bad, &routed);
	px_buf_init(&json, PX_BUF_NOCAP);
	json_s = decode_route(&in, t, e, &json, &n, &bad, &routed);
	printf("parse and route, in memory (%zu rows, %.1f MB, %zu routed, "
	       "%zu bad)\n",
	    rows, (double)in.len / 1e6, routed, bad);
	printf("  floor  bare CSV tokenizer            %10.0f rows/s\n",
	    (double)rows / floor_s);
	printf("  parley decode + key + route          %10.0f events/s  "
	       "(%.2fx the floor's time)  target >= 1,000,000\n",
	    (double)n / ours_s, ours_s / floor_s);
	printf("  parley ... + canonical event JSON    %10.0f events/s\n",
	    (double)n / json_s);
	if (sink == 42)
		printf(" ");
	px_buf_dispose(&json);
	px_rtable_free(t);
	free(e);
	px_buf_dispose(&in);
}

/* Writes a sinkhole file of about `mb` MB; returns its rows. */
static size_t
make_file(const char *path, size_t mb)
{
	FILE *f = fopen(path, "w");
	struct key *ring = px_calloc(100000, sizeof(*ring));
	size_t nring = 0, rows = 0, bytes = 0;
	struct px_buf b;

	if (f == NULL)
		die(path);
	px_buf_init(&b, PX_BUF_NOCAP);
	fputs(header, f);
	while (bytes < mb * 1000000) {
		px_buf_reset(&b);
		for (int i = 0; i < 1000; i++, rows++)
			make_row(&b, ring, &nring, 20u << 20);
		if (fwrite(b.data, 1, b.len, f) != b.len)
			die("write");
		bytes += b.len;
	}
	fclose(f);
	free(ring);
	px_buf_dispose(&b);
	return rows;
}

struct e2e_result {
	double ingest_s, flush_s, ingest_cpu, flush_cpu;
	int64_t records, events, duplicates, routed;
	long rss_mb;
	size_t flush_msgs, flush_events;
};

static bool no_flush;

/* User and system CPU time of this process, in seconds. */
static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* The child: ingest the file, then flush; results through a pipe. */
static void
e2e_child(const char *dir, const char *file, int fd)
{
	struct px_node *n = NULL;
	struct px_ingest_opts o = {
		.path = file, .fmt = -1, .tlp = -1, .source = "cli"
	};
	struct px_feed_file_row row = { 0 };
	struct px_flush_report rep;
	struct e2e_result r = { 0 };
	double t0, c0;

	if (px_node_open(&n, dir) < 0)
		die("open");
	t0 = now_s();
	c0 = cpu_s();
	if (px_feed_ingest(n, &o, &row) < 0)
		die("ingest");
	r.ingest_s = now_s() - t0;
	r.ingest_cpu = cpu_s() - c0;
	r.records = row.records;
	r.events = row.events;
	r.duplicates = row.duplicates;
	r.routed = row.routed;
	r.rss_mb = peak_rss_mb();
	t0 = now_s();
	c0 = cpu_s();
	/* The next day: every batch due, one digest. */
	if (!no_flush &&
	    px_feed_flush(n, INT64_C(1796169600000) + 3600000, true, &rep) < 0)
		die("flush");
	r.flush_s = now_s() - t0;
	r.flush_cpu = cpu_s() - c0;
	r.flush_msgs = rep.parts;
	r.flush_events = rep.events;
	px_feed_file_row_dispose(&row);
	px_node_free(n);
	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(1);
	_exit(0);
}

struct floor_row {
	sqlite3_int64 v[15];
	char *host, *event;
};

struct floor_rows {
	struct floor_row *v;
	size_t n, cap;
};

static int
floor_row(const struct px_feed_event_row *e, void *arg)
{
	struct floor_rows *f = arg;
	struct floor_row *r;

	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 65536;
		f->v = px_realloc(f->v, f->cap * sizeof(*f->v));
	}
	r = &f->v[f->n++];
	r->v[0] = e->file;
	r->v[1] = e->line;
	r->v[2] = e->routed_ms;
	r->v[3] = e->status;
	r->v[4] = e->route;
	r->v[5] = e->batch;
	r->v[6] = e->type;
	r->v[7] = e->severity;
	r->v[8] = e->asn;
	r->v[9] = e->seen_first;
	r->v[10] = e->seen_last;
	r->v[11] = e->count;
	r->v[12] = e->key;
	r->v[13] = e->bday;
	r->v[14] = 0;
	r->host = e->host ? px_strdup(e->host) : NULL;
	r->event = px_strdup(e->event);
	return 0;
}

/* The floor: the stored events inserted again as rows, in batches, into
 * tables of the layout before schema 21 (the event's narrow row and its
 * JSON's) with the queue's index, in a fresh database with the store's
 * settings. */
static double
insert_floor(const char *dir, int64_t *rows, double *cpu)
{
	char *dst = px_asprintf("%s/floor.db", dir);
	char *adir = px_asprintf("%s/a", dir);
	struct px_node *node = NULL;
	sqlite3 *out = NULL;
	struct floor_row *rs;
	sqlite3_stmt *ins = NULL, *ins2 = NULL;
	double t0, c0, dt;
	int64_t n = 0;

	if (sqlite3_open(dst, &out) != SQLITE_OK)
		die("floor: open");
	sqlite3_exec(out,
	    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
	    "PRAGMA cache_size = -65536;",
	    NULL, NULL, NULL);
	if (sqlite3_exec(out,
	        "CREATE TABLE feed_events (id INTEGER PRIMARY KEY,"
	        "  file INTEGER NOT NULL, line INTEGER NOT NULL,"
	        "  routed_ms INTEGER NOT NULL, status INTEGER NOT NULL,"
	        "  route INTEGER NOT NULL, batch INTEGER, type INTEGER NOT NULL,"
	        "  severity INTEGER NOT NULL, asn INTEGER, host TEXT,"
	        "  seen_first INTEGER NOT NULL, seen_last INTEGER NOT NULL,"
	        "  count INTEGER NOT NULL, key INTEGER NOT NULL, bday INTEGER "
	        "NOT NULL);"
	        "CREATE TABLE feed_event_json (id INTEGER PRIMARY KEY,"
	        "  event TEXT NOT NULL);"
	        "CREATE INDEX feed_events_queue ON feed_events (status)"
	        "  WHERE status >= 2;",
	        NULL, NULL, NULL) != SQLITE_OK)
		die("floor: schema");
	/* Read everything first, through the store (events are packed):
	 * the floor times the inserts only. */
	struct floor_rows fr = { 0 };
	struct px_feed_event_filter all = { .status = -2 };

	if (px_node_open(&node, adir) < 0 ||
	    PX_STORE_CALL(node->store, feed_events, &all, floor_row, &fr) < 0)
		die("floor: read the events");
	px_node_free(node);
	rs = fr.v;
	n = (int64_t)fr.n;
	sqlite3_prepare_v2(out,
	    "INSERT INTO feed_events (file, line, routed_ms, status, route, "
	    "batch, type, severity, asn, seen_first, seen_last, count, key, "
	    "bday, host) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
	    "?12, ?13, ?14, ?15)",
	    -1, &ins, NULL);
	sqlite3_prepare_v2(out,
	    "INSERT INTO feed_event_json (id, event) VALUES (?1, ?2)", -1,
	    &ins2, NULL);
	t0 = now_s();
	c0 = cpu_s();
	for (int64_t i = 0; i < n; i++) {
		if (i % 32768 == 0)
			sqlite3_exec(out, i ? "COMMIT; BEGIN" : "BEGIN", NULL,
			    NULL, NULL);
		for (int k = 0; k < 14; k++)
			sqlite3_bind_int64(ins, k + 1, rs[i].v[k]);
		sqlite3_bind_text(ins, 15, rs[i].host, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			die("floor: insert");
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins2, 1, sqlite3_last_insert_rowid(out));
		sqlite3_bind_text(ins2, 2, rs[i].event, -1, SQLITE_STATIC);
		if (sqlite3_step(ins2) != SQLITE_DONE)
			die("floor: insert");
		sqlite3_reset(ins2);
	}
	sqlite3_exec(out, "COMMIT", NULL, NULL, NULL);
	dt = now_s() - t0;
	*cpu = cpu_s() - c0;
	sqlite3_finalize(ins);
	sqlite3_finalize(ins2);
	for (int64_t i = 0; i < n; i++) {
		free(rs[i].host);
		free(rs[i].event);
	}
	free(rs);
	sqlite3_close(out);
	free(dst);
	free(adir);
	*rows = n;
	return dt;
}

static void
phase_e2e(const char *root, size_t mb, const char *deleg)
{
	char *file = px_asprintf("%s/" DAY "-event4_sinkhole-all.csv", root);
	char *dpath = px_asprintf("%s/deleg.txt", root);
	char *adir = px_asprintf("%s/a", root);
	struct px_node *a, *b;
	struct e2e_result r;
	int fds[2], status;
	pid_t pid;
	size_t rows;
	double t0, gen_s, floor_s;
	int64_t floor_rows;
	double floor_cpu;
	struct rusage ru;

	a = make_node(root, "a", "UTC");
	b = make_node(root, "b", "Europe/Berlin");
	{
		/* B answers for DE and AT: its card says so. */
		char *conf = px_asprintf("%s/b/parley.conf", root);
		char *bdir = px_asprintf("%s/b", root);
		struct px_buf text, out;
		char *p;

		px_buf_init(&text, PX_BUF_NOCAP);
		px_buf_init(&out, PX_BUF_NOCAP);
		if (px_file_read(&text, conf, 1 << 20) < 0 ||
		    (p = strstr(text.data, "\ncountries =\n")) == NULL)
			die("conf");
		px_buf_put(&out, text.data, (size_t)(p - text.data));
		px_buf_puts(&out, "\ncountries = DE, AT\n");
		px_buf_puts(&out, p + strlen("\ncountries =\n"));
		if (px_file_write(conf, out.data, out.len, 0600) < 0)
			die("conf");
		px_buf_dispose(&text);
		px_buf_dispose(&out);
		px_node_free(b);
		if (px_node_open(&b, bdir) < 0)
			die("reopen b");
		free(conf);
		free(bdir);
	}
	pin(a, b);
	if (px_file_write(dpath, deleg, strlen(deleg), 0600) < 0 ||
	    px_routing_load(a, dpath, NULL) < 0)
		die("routing load");
	px_node_free(a);
	px_node_free(b);
	t0 = now_s();
	rows = make_file(file, mb);
	gen_s = now_s() - t0;
	if (pipe(fds) < 0)
		die("pipe");
	fflush(stdout);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		e2e_child(adir, file, fds[1]);
	}
	close(fds[1]);
	if (read(fds[0], &r, sizeof(r)) != (ssize_t)sizeof(r))
		die("child failed");
	close(fds[0]);
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		die("child");
	floor_s = insert_floor(root, &floor_rows, &floor_cpu);
	{
		struct stat st;

		stat(file, &st);
		printf("end to end: %.0f MB sinkhole file, %zu rows (generated "
		       "in %.1f s)\n",
		    (double)st.st_size / 1e6, rows, gen_s);
	}
	printf("  parley ingest (parse, dedup, route, aggregate, store) "
	       "%6.2f s  target < 10 s  (%.2f s of CPU)\n",
	    r.ingest_s, r.ingest_cpu);
	printf("         %lld records: %lld events, %lld duplicates (%.0f %%), "
	       "%lld routed\n",
	    (long long)r.records, (long long)r.events, (long long)r.duplicates,
	    100.0 * (double)r.duplicates / (double)r.records,
	    (long long)r.routed);
	printf("         %10.0f records/s, %10.0f events stored/s\n",
	    (double)r.records / r.ingest_s, (double)r.events / r.ingest_s);
	printf("  floor  sqlite batched inserts of the same %lld rows "
	       "%10.0f rows/s  (%.2f s, %.2f s of CPU)\n",
	    (long long)floor_rows, (double)floor_rows / floor_s, floor_s,
	    floor_cpu);
	printf("  parley durable event storage        %10.0f events/s  "
	       "(%.2fx the floor's time)  target >= 300,000\n",
	    (double)r.events / r.ingest_s,
	    r.ingest_s / (floor_s * (double)r.events / (double)floor_rows));
	printf("  peak RSS of the ingesting process   %7ld MB at the end "
	       "of the ingest, %ld MB with the flush  target < 256 MB\n",
	    r.rss_mb, ru.ru_maxrss / 1024);
	printf("  flush: %zu events shared in %zu messages with attachments "
	       "in %.2f s (%.2f s of CPU)\n",
	    r.flush_events, r.flush_msgs, r.flush_s, r.flush_cpu);
	unlink(file);
	free(file);
	free(dpath);
	free(adir);
}

/* 3. The deduplicator with `keys` keys. */
static void
phase_dedup(const char *root, size_t keys)
{
	char *path = px_asprintf("%s/dedup.idx", root);
	char *db = px_asprintf("%s/dedup.db", root);
	struct px_store *st = NULL;
	struct px_dedup *d = NULL;
	struct px_u64map m;
	uint64_t used, slots, bytes, *k = px_malloc(keys * sizeof(*k));
	size_t hits = 0, mhits = 0, look = keys;
	double t0, add_s, find_s, floor_s;
	int64_t id;

	for (size_t i = 0; i < keys; i++)
		k[i] = rnd();
	if (px_store_open_sqlite(&st, db, true) < 0 ||
	    px_dedup_open(&d, path, st, 20000, 1000, NULL) < 0)
		die("dedup open");
	t0 = now_s();
	for (size_t i = 0; i < keys; i++)
		if (px_dedup_add(d, k[i], (int64_t)i + 1, 20000) < 0)
			die("dedup add");
	add_s = now_s() - t0;
	/* Half the lookups hit (keys added), half miss (fresh keys). */
	t0 = now_s();
	for (size_t i = 0; i < look; i++) {
		uint64_t q = i % 2 ? k[(i * 7919) % keys] : rnd();

		hits += (size_t)px_dedup_find(d, q, &id);
	}
	find_s = now_s() - t0;
	px_dedup_stats(d, &used, &slots, &bytes);
	px_u64map_init(&m);
	for (size_t i = 0; i < keys; i++)
		px_u64map_put(&m, k[i], (uint32_t)i);
	rng_state = 0x5eedf00dULL + 1;
	t0 = now_s();
	for (size_t i = 0; i < look; i++) {
		uint64_t q = i % 2 ? k[(i * 7919) % keys] : rnd();

		mhits += px_u64map_get(&m, q, NULL) >= 0;
	}
	floor_s = now_s() - t0;
	printf("deduplicator holding %zu keys\n", keys);
	printf("  floor  in-memory hash table lookups  %10.0f /s (%zu hits)\n",
	    (double)look / floor_s, mhits);
	printf("  parley on-disk index lookups          %10.0f /s (%zu hits)  "
	       "(%.2fx the floor's time)\n",
	    (double)look / find_s, hits, find_s / floor_s);
	printf("  parley inserts                        %10.0f /s\n",
	    (double)keys / add_s);
	printf("  size on disk %.0f MB (%llu slots of 16 bytes, %.0f %% "
	       "used)\n",
	    (double)bytes / 1e6, (unsigned long long)slots,
	    100.0 * (double)used / (double)slots);
	if (px_dedup_close(d) < 0)
		die("dedup close");
	px_store_close(st);
	px_u64map_dispose(&m);
	free(k);
	free(path);
	free(db);
}

int
main(int argc, char **argv)
{
	size_t rows = 1000000, mb = 200, keys = 7000000;
	const char *dir = NULL, *only = NULL;
	char *deleg;

	bench_name = "bench_feeds";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
			rows = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--mb") == 0 && i + 1 < argc)
			mb = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--keys") == 0 && i + 1 < argc)
			keys = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			only = argv[++i];
		else if (strcmp(argv[i], "--no-flush") == 0)
			no_flush = true;
		else {
			fprintf(stderr,
			    "usage: bench_feeds [--rows N] [--mb M] "
			    "[--keys K] [--dir D] [--only e2e|parse|dedup] "
			    "[--no-flush]\n");
			return 2;
		}
	}
	if (px_crypto_init() < 0)
		die("crypto");
	if (dir == NULL) {
		char tmpl[] = "/tmp/parley-bench-feeds.XXXXXX";

		if (mkdtemp(tmpl) == NULL)
			die("mkdtemp");
		temp_dir = px_strdup(tmpl);
		dir = temp_dir;
	}
	deleg = make_deleg(5000);
	setenv("PARLEY_FAKE_NOW", DAY "T12:00:00Z", 1);
	/* The end-to-end run forks first, before this process grows. */
	if (only == NULL || strcmp(only, "e2e") == 0)
		phase_e2e(dir, mb, deleg);
	if (only == NULL || strcmp(only, "parse") == 0)
		phase_parse(rows, deleg);
	if (only == NULL || strcmp(only, "dedup") == 0)
		phase_dedup(dir, keys);
	free(deleg);
	cleanup();
	return 0;
}
