/*
 * Evidence: chunk hashing and chunk transfer, each beside its floor
 * measured in the same run (docs/evidence.md, "Figures").
 *
 *   (a) hashing   floor: SHA-256 over N MiB held in memory, in 1 MiB
 *                 pieces.  Figure: what `evidence add` computes over the
 *                 same bytes: each chunk's digest, the SHA-256 of the
 *                 whole, and the Merkle root of the digests.
 *   (b) transfer  floor: the bare TLS transfer of the same number of
 *                 1 MiB bodies, one PUT after another on one kept-alive
 *                 pinned connection (px_client to a px_http server on
 *                 loopback whose handler drops the body).  Figure: an
 *                 item of N MiB between two `parley serve` processes,
 *                 from the sender's first chunk to the receiver's signed
 *                 receipt held by the sender (every chunk checked, the
 *                 whole hashed, written, moved into the store, synced).
 *                 Beside it, CPU time per MiB (user + system) of both
 *                 serve processes against the floor's process, and the
 *                 least a verified transfer can take (the floor's plus
 *                 two SHA-256 passes): how many cores 0.70 of the
 *                 floor's rate would keep busy, at that cost and at the
 *                 measured one.  Less bound than the rates to what else
 *                 the machine runs.
 *   (c) memory    peak RSS (VmHWM) of both serve processes while moving
 *                 it (target: under 64 MB).
 *
 * Usage: bench_evidence [MiB (1024)]
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <pthread.h>
#include <sqlite3.h>

#include "live.h"
#include "model/evidence.h"
#include "net/http.h"
#include "store/chunks.h"

static struct live_node nodes[2] = {
	{ .key = "a", .name = "cert-a.example" },
	{ .key = "b", .name = "cert-b.example" },
};

/* A fast PRNG (xorshift64*) for test data: nothing here needs it to be
 * unpredictable, only not compressible or repetitive per chunk. */
static void
fill(uint8_t *p, size_t n, uint64_t *s)
{
	for (size_t i = 0; i + 8 <= n; i += 8) {
		*s ^= *s >> 12;
		*s ^= *s << 25;
		*s ^= *s >> 27;
		uint64_t v = *s * 0x2545F4914F6CDD1DULL;

		memcpy(p + i, &v, 8);
	}
}

/* ---- (a) hashing -------------------------------------------------------- */

static int write_file(const char *path, size_t mib);

/* Floor: read the file and SHA-256 it.  Figure: `evidence add`'s work on
 * the same file, px_chunks_put_file (each chunk's digest, written to a
 * fresh store, and the whole file's SHA-256 on a second thread) and the
 * root of the digests.  Both read from the page cache (the file was just
 * written and read once before timing). */
static int
hashing(size_t mib, double *floor_mbs, double *fig_mbs)
{
	char *file = px_asprintf("%s/hash.bin", live_root);
	char *dir = px_asprintf("%s/hashstore", live_root);
	uint8_t *buf = px_malloc(PX_EV_CHUNK), h[32];
	struct px_chunks *s = NULL;
	struct px_chunks_file f = { 0 };
	struct px_sha256_ctx c;
	double t0;
	int fd, rc = -1;

	if (write_file(file, mib) < 0 || px_mkdir_p(dir, 0700) < 0 ||
	    px_chunks_open(&s, dir) < 0)
		goto out;
	for (int pass = 0; pass < 2; pass++) {
		ssize_t n;

		if ((fd = open(file, O_RDONLY)) < 0)
			goto out;
		px_sha256_init(&c);
		t0 = live_now_ms();
		while ((n = read(fd, buf, PX_EV_CHUNK)) > 0)
			px_sha256_update(&c, buf, (size_t)n);
		px_sha256_final(&c, h);
		close(fd);
		*floor_mbs = (double)mib / ((live_now_ms() - t0) / 1000.0);
	}
	t0 = live_now_ms();
	if (px_chunks_put_file(s, file, INT64_MAX, &f) < 0)
		goto out;
	px_ev_root(h, (const uint8_t(*)[32])f.digests, f.n);
	*fig_mbs = (double)mib / ((live_now_ms() - t0) / 1000.0);
	rc = 0;
out:
	unlink(file);
	free(f.digests);
	px_chunks_free(s);
	free(buf);
	free(file);
	free(dir);
	return rc;
}

/* CPU ms that SHA-256 takes per MiB held in memory (the best of a few
 * rounds, on this thread's CPU clock): what each of the receiver's two
 * passes over a chunk costs at least. */
static double
sha_ms_per_mib(void)
{
	uint8_t *buf = px_malloc(PX_EV_CHUNK), h[32];
	uint64_t seed = 3;
	double best = 0;

	fill(buf, PX_EV_CHUNK, &seed);
	for (int round = 0; round < 5; round++) {
		struct timespec a, b;
		double ms;

		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
		for (int i = 0; i < 32; i++)
			px_sha256(h, buf, PX_EV_CHUNK);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
		ms = ((double)(b.tv_sec - a.tv_sec) * 1e3 +
		         (double)(b.tv_nsec - a.tv_nsec) / 1e6) /
		    32;
		if (best == 0 || ms < best)
			best = ms;
	}
	free(buf);
	return best;
}

/* ---- (b) the floor: bare TLS transfer ----------------------------------- */

static char floor_fp[PX_TLS_FP_LEN];

static int
drop(const struct px_http_req *req, struct px_http_resp *r)
{
	r->status = 200;
	return px_buf_printf(&r->body, "{\"n\":%zu}", req->body_len);
}

static int
allow_all(void *app, const char *fp)
{
	(void)app;
	(void)fp;
	return 1;
}

static const struct px_route floor_routes[] = {
	{ "PUT", "/drop", drop, PX_AUTH_PEER, PX_EV_CHUNK + 256,
	    "application/octet-stream" },
};

static double
tls_floor(size_t mib, double *cpu_ms)
{
	char *crt = px_asprintf("%s/floor.crt", live_root);
	char *key = px_asprintf("%s/floor.key", live_root);
	struct px_http_config cfg = { 0 };
	struct px_http_server *srv = NULL;
	struct px_client *c = NULL;
	uint8_t *buf = px_malloc(PX_EV_CHUNK + 100);
	uint64_t seed = 7;
	struct px_buf in;
	char url[64];
	double t0, cpu0, mbs = 0;

	px_buf_init(&in, 4096);
	fill(buf, PX_EV_CHUNK + 100, &seed);
	if (px_tls_generate(crt, key, "floor.example", 1) < 0 ||
	    px_tls_fingerprint_file(floor_fp, crt) < 0)
		goto out;
	cfg.addr = "127.0.0.1";
	cfg.cert_pem_path = crt;
	cfg.key_pem_path = key;
	cfg.routes = floor_routes;
	cfg.nroutes = 1;
	cfg.peer_allowed = allow_all;
	cfg.threads = 2;
	if (px_http_start(&srv, &cfg) < 0)
		goto out;
	snprintf(url, sizeof(url), "https://127.0.0.1:%u", px_http_port(srv));
	if (px_client_new(&c, url, floor_fp, crt, key) < 0 ||
	    px_client_header_add(c, "Expect:") < 0)
		goto out;
	cpu0 = live_cpu_s(getpid());
	t0 = live_now_ms();
	for (size_t i = 0; i < mib; i++) {
		long status = 0;

		px_buf_reset(&in);
		/* The same body size as a chunk frame. */
		if (px_client_request(c, "PUT", "/drop",
		        "application/octet-stream", buf, PX_EV_CHUNK + 100,
		        &status, &in, 30000) < 0 ||
		    status != 200)
			goto out;
	}
	mbs = (double)mib / ((live_now_ms() - t0) / 1000.0);
	/* Client and server are threads of this process. */
	*cpu_ms = (live_cpu_s(getpid()) - cpu0) * 1000.0 / (double)mib;
out:
	if (mbs == 0)
		fprintf(stderr, "bench_evidence: floor: %s\n", px_error_last());
	px_client_free(c);
	if (srv)
		px_http_stop(srv);
	px_buf_dispose(&in);
	free(buf);
	free(crt);
	free(key);
	return mbs;
}

/* ---- (b) the figure: an item between two nodes --------------------------- */

/* The state of the (only) item in a node's evidence index. */
static void
state_of(const struct live_node *n, char *out, size_t len)
{
	char *path = px_asprintf("%s/parley.db", n->dir);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	out[0] = '\0';
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
	        SQLITE_OK &&
	    sqlite3_busy_timeout(db, 1000) == SQLITE_OK &&
	    sqlite3_prepare_v2(
	        db, "SELECT state FROM evidence", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(path);
}

static int
write_file(const char *path, size_t mib)
{
	uint8_t *buf = px_malloc(PX_EV_CHUNK);
	uint64_t seed = 99;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), rc = 0;

	for (size_t i = 0; fd >= 0 && rc == 0 && i < mib; i++) {
		fill(buf, PX_EV_CHUNK, &seed);
		if (write(fd, buf, PX_EV_CHUNK) != PX_EV_CHUNK)
			rc = -1;
	}
	if (fd < 0 || close(fd) < 0)
		rc = -1;
	free(buf);
	return rc;
}

static double
serving_cpu_s(void)
{
	return live_cpu_s(nodes[0].pid) + live_cpu_s(nodes[1].pid);
}

static int
transfer(size_t mib, double *mbs, double *cpu_ms, long *rss_a, long *rss_b)
{
	struct px_buf out;
	char *file = px_asprintf("%s/item.bin", live_root), st[32], id[64];
	double t0 = 0, t1 = 0, cpu0 = 0, deadline;
	int rc = -1;

	px_buf_init(&out, 1 << 16);
	if (write_file(file, mib) < 0)
		goto out;
	for (size_t i = 0; i < 2; i++)
		if (live_init(&nodes[i]) < 0)
			goto out;
	if (live_pin(&nodes[0], &nodes[1]) < 0 ||
	    live_pin(&nodes[1], &nodes[0]) < 0 || live_serve(&nodes[0]) < 0 ||
	    live_serve(&nodes[1]) < 0)
		goto out;
	{
		char *argv[] = { live_bin, (char *)"case", (char *)"new",
			(char *)"--dir", nodes[0].dir, (char *)"--to",
			(char *)nodes[1].name, (char *)"--kind",
			(char *)"report", (char *)"--category",
			(char *)"malware", (char *)"--title", (char *)"bench",
			(char *)"--text", (char *)"an item to move", NULL };

		if (live_run(&out, argv) != 0)
			goto out;
		snprintf(id, sizeof(id), "%.36s", out.data);
	}
	{
		char *argv[] = { live_bin, (char *)"evidence", (char *)"add",
			(char *)"--dir", nodes[0].dir, id, file,
			(char *)"--exhibit", (char *)"B-1", (char *)"--tool",
			(char *)"bench_evidence", (char *)"--tool-version",
			(char *)"1", NULL };

		if (live_run(NULL, argv) != 0)
			goto out;
	}
	{
		char *argv[] = { live_bin, (char *)"evidence", (char *)"offer",
			(char *)"--dir", nodes[0].dir, (char *)"B-1", NULL };

		if (live_run(NULL, argv) != 0)
			goto out;
	}
	/* The sender's worker starts once the receiver's acceptance is
	 * back; the clock runs from then to the receipt. */
	deadline = live_now_ms() + 600000;
	while (live_now_ms() < deadline) {
		state_of(&nodes[0], st, sizeof(st));
		if (t0 == 0 && strcmp(st, "sending") == 0) {
			t0 = live_now_ms();
			cpu0 = serving_cpu_s();
		}
		if (strcmp(st, "held") == 0) {
			t1 = live_now_ms();
			*cpu_ms =
			    (serving_cpu_s() - cpu0) * 1000.0 / (double)mib;
			break;
		}
		live_sleep_ms(5);
	}
	if (t1 == 0 || t0 == 0) {
		fprintf(stderr,
		    "bench_evidence: the item did not arrive (%s)\n", st);
		goto out;
	}
	*mbs = (double)mib / ((t1 - t0) / 1000.0);
	*rss_a = live_proc_kb(nodes[0].pid, "VmHWM:");
	*rss_b = live_proc_kb(nodes[1].pid, "VmHWM:");
	state_of(&nodes[1], st, sizeof(st));
	rc = strcmp(st, "received") == 0 ? 0 : -1;
	if (rc < 0)
		fprintf(stderr, "bench_evidence: the receiver says %s\n", st);
out:
	px_buf_dispose(&out);
	unlink(file);
	free(file);
	return rc;
}

int
main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 1024;
	double hf, hx, tf, tx = 0, cf = 0, cx = 0;
	long ra = -1, rb = -1;
	int rc;

	live_bench = "bench_evidence";
	live_nodes = nodes;
	live_nnodes = 2;
	if (mib == 0 || live_start() < 0)
		return 1;
	if (hashing(mib, &hf, &hx) < 0) {
		live_finish(true);
		return 1;
	}
	printf("hashing %zu MiB as evidence add does (chunk digests written "
	       "to the store, whole SHA-256 on a second thread, root): %.0f "
	       "MB/s; floor: read + SHA-256 of the same file %.0f MB/s; ratio "
	       "%.2f\n",
	    mib, hx, hf, hx / hf);
	tf = tls_floor(mib, &cf);
	rc = transfer(mib, &tx, &cx, &ra, &rb);
	printf("transfer %zu MiB between two serve processes: %.0f MB/s; "
	       "floor bare TLS PUT of 1 MiB bodies %.0f MB/s; ratio %.2f "
	       "(target >= 0.70)\n",
	    mib, tx, tf, tf > 0 ? tx / tf : 0);
	/* Less bound to what else the machine runs than the rates: CPU
	 * time per MiB, both ends counted (user + system). */
	printf("CPU per MiB moved: transfer %.1f ms (both serve processes); "
	       "floor %.1f ms (client and server); ratio %.2f\n",
	    cx, cf, cf > 0 ? cx / cf : 0);
	/* What the target asks of this machine.  A verified transfer does
	 * the floor's work and hashes every byte twice (the chunk against
	 * its list, the whole in order): at least that much CPU per MiB.
	 * Moving 0.70 of the floor's rate at that cost, and at what this
	 * transfer cost, keeps this many cores busy the whole time. */
	{
		double sha = sha_ms_per_mib(), least = cf + 2 * sha;
		double rate = 0.70 * tf / 1000.0; /* MiB per ms */

		printf(
		    "CPU a verified transfer needs at least: floor %.1f + 2 x "
		    "SHA-256 %.2f = %.1f ms per MiB; 0.70 of the floor's rate "
		    "keeps %.1f cores busy at that cost, %.1f at this "
		    "transfer's (the floor kept %.1f busy; %ld cores here)\n",
		    cf, sha, least, least * rate, cx * rate, cf * tf / 1000.0,
		    sysconf(_SC_NPROCESSORS_ONLN));
	}
	printf("peak RSS while moving it: sender %ld MB, receiver %ld MB "
	       "(target < 64 MB)\n",
	    ra / 1024, rb / 1024);
	live_finish(rc < 0);
	return rc < 0 ? 1 : 0;
}
