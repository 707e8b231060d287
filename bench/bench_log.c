/*
 * The log's three targets (DESIGN.md, "Performance targets"), each printed
 * beside the floor it is measured against in the same run, on the same
 * disk and CPU:
 *
 *   1. signed durable appends per second with group commit: batches of
 *      B = 256 receipts, each built and signed with px_receipt_new and
 *      appended with px_log_append inside one transaction, then
 *      px_log_checkpoint and the commit, on a real node (px_node_create,
 *      px_node_open).  Floors: a bare write + fdatasync loop, a bare
 *      SQLite commit loop with the store's settings (WAL,
 *      synchronous=FULL), and raw Ed25519 signing of the same bytes.
 *      Target >= 10,000/s, also at 1,000,000 entries.
 *   2. inclusion proofs per second: px_log_inclusion at random indices of
 *      a log of N = 1,000,000 entries, through the SQLite store (its tile
 *      cache and stored tiles, docs/ledger.md section 2), and through an
 *      in-memory node callback, beside the raw SHA-256 node hash rate and
 *      the rate of single stored-node reads.  Target >= 100,000/s.
 *   3. audit verification: px_audit_export of N entries (default 20,000)
 *      to a file and px_audit_verify_file on it (what `parley audit
 *      verify` runs: streamed, signatures checked on every CPU), in
 *      entries per second, beside raw libsodium Ed25519 verification of
 *      messages of the same size on one thread.  Target >= 80%.
 *   4. the same audit with messages instead of receipts (each opening a
 *      case), at 1,000, 2,000, ... messages, to show that verification
 *      stays linear once it rebuilds chains and cases.
 *
 * bench_audit.c does the audit at a million entries, by the binary.
 *
 * The log holds one real exchange first (a request from A, B's receipt
 * carried back), so that the audit bundle has both parties' checkpoints,
 * then the benchmark's receipts.  Appends are measured twice, on a young
 * log and at N entries, since an append must not cost more as the log
 * grows (it did while the store counted the log's rows for its size).
 *
 * Usage: bench_log [seconds-per-phase] [--proofs N] [--audit N]
 *                  [--msgs N] [--dir D]
 * Defaults: 1.5 s, N = 1,000,000, 20,000 and 4,000 (audits of 1,000,
 * 2,000, ... messages up to N), a temporary directory that is removed at
 * the end.
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>

#include "audit_fill.h"
#include "bench.h"
#include "crypto/sign.h"
#include "ledger/merkle.h"
#include "model/bundle.h"
#include "node/audit.h"
#include "node/log.h"

#define BATCH             256
#define FILL_BATCH        4096
#define ENTRY_FLOOR_BYTES 600

/* ---- floors ---- */

/* write(600 bytes) + fdatasync, the cost of one durable write. */
static double
fsync_rate(double secs, const char *dir)
{
	char *path = px_asprintf("%s/fsync.floor", dir);
	char buf[ENTRY_FLOOR_BYTES];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	double t0 = now_s(), t;
	long n = 0;

	if (fd < 0) {
		perror(path);
		exit(1);
	}
	memset(buf, 'x', sizeof(buf));
	do {
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
		    fdatasync(fd) < 0) {
			perror(path);
			exit(1);
		}
		n++;
	} while ((t = now_s()) - t0 < secs);
	close(fd);
	unlink(path);
	free(path);
	return (double)n / (t - t0);
}

/* One row per transaction with the store's settings. */
static double
commit_rate(double secs, const char *dir)
{
	char *path = px_asprintf("%s/commit.floor.db", dir);
	char row[ENTRY_FLOOR_BYTES + 1];
	sqlite3 *db;
	sqlite3_stmt *st;
	double t0, t;
	long n = 0;

	memset(row, 'x', sizeof(row) - 1);
	row[sizeof(row) - 1] = '\0';
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db,
	        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	        "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT);",
	        NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO t (v) VALUES (?1)", -1, &st,
	        NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_log: sqlite: %s\n", sqlite3_errmsg(db));
		exit(1);
	}
	t0 = now_s();
	do {
		sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		sqlite3_bind_text(st, 1, row, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_reset(st);
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			fprintf(stderr, "bench_log: commit: %s\n",
			    sqlite3_errmsg(db));
			exit(1);
		}
		n++;
	} while ((t = now_s()) - t0 < secs);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(path);
	return (double)n / (t - t0);
}

static double
sign_rate(double secs, size_t len)
{
	struct px_key k;
	uint8_t sig[64];
	char *msg = px_calloc(1, len);
	double t0 = now_s(), t;
	long n = 0;

	px_key_generate(&k);
	do {
		for (int i = 0; i < 64; i++, n++) {
			msg[0] = (char)n;
			px_sign(sig, &k, msg, len);
		}
	} while ((t = now_s()) - t0 < secs);
	px_key_dispose(&k);
	free(msg);
	return (double)n / (t - t0);
}

/* libsodium's own verify, on distinct messages each signed once. */
static double
verify_rate(double secs, size_t len)
{
	enum { NMSG = 256 };
	unsigned char pk[32], sk[64];
	unsigned char(*msg)[1024] = px_calloc(NMSG, sizeof(*msg));
	unsigned char(*sig)[64] = px_calloc(NMSG, sizeof(*sig));
	double t0, t;
	long n = 0;

	if (len > sizeof(*msg))
		len = sizeof(*msg);
	crypto_sign_keypair(pk, sk);
	for (int i = 0; i < NMSG; i++) {
		randombytes_buf(msg[i], len);
		crypto_sign_detached(sig[i], NULL, msg[i], len, sk);
	}
	t0 = now_s();
	do {
		for (int i = 0; i < NMSG; i++, n++)
			if (crypto_sign_verify_detached(
			        sig[i], msg[i], len, pk) != 0) {
				fprintf(stderr, "bench_log: verify floor\n");
				exit(1);
			}
	} while ((t = now_s()) - t0 < secs);
	sodium_memzero(sk, sizeof(sk));
	free(msg);
	free(sig);
	return (double)n / (t - t0);
}

static double
node_hash_rate(double secs)
{
	uint8_t l[32] = { 1 }, r[32] = { 2 };
	double t0 = now_s(), t;
	long n = 0;

	do {
		for (int i = 0; i < 1024; i++, n++)
			px_merkle_node_hash(l, l, r);
	} while ((t = now_s()) - t0 < secs);
	return (double)n / (t - t0);
}

/* ---- the nodes ---- */

struct bench {
	char *root;
	struct px_node *a, *b;
	char msg_hash[PX_HASH_HEX];
	char case_id[PX_UUID_STRLEN];
	int64_t seq; /* A's last message to B, and its hash */
	char prev[PX_HASH_HEX];
	int64_t base_ms; /* receipt i of the benchmark is dated base_ms + i */
	int64_t first;   /* log index of the benchmark's first receipt */
	size_t entry_bytes, signed_bytes; /* of the last receipt made */
};

/* A sends B a request; B's receipt comes back: both logs and both
 * witnesses have something. */
static void
exchange(struct bench *x)
{
	struct px_import_report rb, ra;
	struct px_buf bundle, reply, none;
	struct px_msg *m = NULL;
	json_t *body = bench_request_body();
	size_t count;

	if (px_node_send(x->a, x->b->name, NULL, PX_MSG_REQUEST, body, &m) < 0)
		die("send");
	snprintf(x->msg_hash, sizeof(x->msg_hash), "%s", m->hash);
	snprintf(x->case_id, sizeof(x->case_id), "%s", m->case_id);
	snprintf(x->prev, sizeof(x->prev), "%s", m->hash);
	x->seq = m->seq;
	px_buf_init(&bundle, PX_BUF_NOCAP);
	px_buf_init(&reply, PX_BUF_NOCAP);
	px_buf_init(&none, PX_BUF_NOCAP);
	px_import_report_init(&rb);
	px_import_report_init(&ra);
	if (px_node_export(x->a, x->b->name, &bundle, &count) < 0 ||
	    px_node_import(
	        x->b, bundle.data, bundle.len, "bundle", &rb, &reply) < 0 ||
	    px_node_import(
	        x->a, reply.data, reply.len, "receipts", &ra, &none) < 0)
		die("exchange");
	px_import_report_dispose(&rb);
	px_import_report_dispose(&ra);
	px_buf_dispose(&bundle);
	px_buf_dispose(&reply);
	px_buf_dispose(&none);
	px_msg_free(m);
	json_decref(body);
}

/* Appends one entry, inside the caller's transaction. */
static void
put_entry(struct bench *x, const char *kind, const char *hash, int64_t t,
    const char *raw)
{
	if (px_log_append(
	        x->a, kind, hash, x->b->name, t, raw, strlen(raw), NULL) < 0)
		die("append");
}

/* One group commit: `count` receipts made, signed and appended in one
 * transaction with the checkpoint. */
static void
append_batch(struct bench *x, int count)
{
	struct px_node *n = x->a;
	int64_t size;

	if (PX_STORE_CALL0(n->store, begin) < 0 || px_log_size(n, &size) < 0)
		die("begin");
	for (int i = 0; i < count; i++) {
		struct px_receipt *r = NULL;
		int64_t idx = size + i, t = x->base_ms + (idx - x->first);
		struct px_buf sb;
		char *raw;

		if (px_receipt_new(&r, n->name, x->b->name, x->msg_hash,
		        x->case_id, 1, t, idx, &n->sign) < 0)
			die("receipt");
		raw = px_canon_string(r->env);
		put_entry(x, "receipt", r->hash, t, raw);
		if (x->signed_bytes == 0) { /* sizes, once, for the floors */
			x->entry_bytes = strlen(raw);
			px_buf_init(&sb, PX_BUF_NOCAP);
			if (px_signed_bytes(&sb, "receipt",
			        json_object_get(r->env, "receipt")) < 0)
				die("signed bytes");
			x->signed_bytes = sb.len;
			px_buf_dispose(&sb);
		}
		free(raw);
		px_receipt_free(r);
	}
	if (px_log_checkpoint(n, x->base_ms) < 0 ||
	    PX_STORE_CALL0(n->store, commit) < 0)
		die("commit");
}

/* Appends `count` requests from A to B in sequence after A's last one,
 * each opening its own case, dated t0, t0 + 1 ms, ... */
static void
append_msgs(struct bench *x, int count, int64_t t0)
{
	struct px_node *n = x->a;
	json_t *body = bench_request_body();

	for (int done = 0; done < count;) {
		int k = count - done < BATCH ? count - done : BATCH;

		if (PX_STORE_CALL0(n->store, begin) < 0)
			die("begin");
		for (int i = 0; i < k; i++, done++) {
			struct px_msg_fields f = { .type = PX_MSG_REQUEST,
				.from = n->name,
				.to = x->b->name,
				.seq = x->seq + 1,
				.prev = x->prev,
				.time_ms = t0 + done };
			struct px_msg *m = NULL;
			char *raw;

			if (px_msg_new(&m, &f, body, &n->sign) < 0)
				die("message");
			raw = px_canon_string(m->env);
			put_entry(x, "msg", m->hash, f.time_ms, raw);
			x->seq = m->seq;
			snprintf(x->prev, sizeof(x->prev), "%s", m->hash);
			free(raw);
			px_msg_free(m);
		}
		if (px_log_checkpoint(n, t0) < 0 ||
		    PX_STORE_CALL0(n->store, commit) < 0)
			die("commit");
	}
	json_decref(body);
}

static int
write_file(const void *data, size_t len, void *arg)
{
	return px_file_out_write(arg, data, len);
}

static void
drop_note(const char *text, void *arg)
{
	(void)text;
	(void)arg;
}

static void
drop_case(const json_t *c, void *arg)
{
	(void)c;
	(void)arg;
}

/* Exports the entries dated [from_ms, from_ms + count) to a file, as
 * `parley audit export` does, and times their verification as `parley
 * audit verify` does (streamed, signatures checked on every CPU); returns
 * seconds, or -1 if the export was refused. */
static double
audit_time(struct bench *x, int64_t from_ms, int64_t count, size_t *entries,
    size_t *bytes, double *export_s)
{
	struct px_audit_verify_opts o = { .note = drop_note,
		.on_case = drop_case };
	struct px_audit_result res;
	struct px_file_out f;
	char *path = px_asprintf("%s/audit.jsonl", x->root);
	size_t exported = 0;
	struct stat st;
	double t0, t = -1;
	FILE *in;

	t0 = now_s();
	if (px_file_out_open(&f, path, 0600) < 0)
		die("audit file");
	if (px_audit_export(x->a, x->b->name, from_ms, from_ms + count - 1,
	        write_file, &f, NULL, NULL, &exported, NULL) < 0) {
		printf("  parley audit export refused: %s\n", px_error_last());
		px_file_out_abort(&f);
		goto out;
	}
	if (px_file_out_commit(&f) < 0)
		die("audit file");
	*export_s = now_s() - t0;
	if ((in = fopen(path, "rb")) == NULL || fstat(fileno(in), &st) < 0)
		die("audit file");
	*bytes = (size_t)st.st_size;
	t0 = now_s();
	if (px_audit_verify_file(&res, in, (uint64_t)st.st_size, "bench", &o) <
	    0)
		die("audit verify");
	t = now_s() - t0;
	fclose(in);
	*entries = res.entries;
	px_audit_result_dispose(&res);
out:
	unlink(path);
	free(path);
	return t;
}

/* Group commits for `secs`; returns appends/s. */
static double
append_for(struct bench *x, double secs)
{
	double t0 = now_s(), t;
	long n = 0;

	do {
		append_batch(x, BATCH);
		n += BATCH;
	} while ((t = now_s()) - t0 < secs);
	return (double)n / (t - t0);
}

/* Appends signed receipts until the log holds `target` entries, in
 * commits of FILL_BATCH; returns appends/s. */
static double
fill(struct bench *x, int64_t target)
{
	int64_t size, start;
	double t0 = now_s();

	if (px_log_size(x->a, &start) < 0)
		die("size");
	for (size = start; size < target; size += FILL_BATCH)
		append_batch(x,
		    (int)(target - size < FILL_BATCH ? target - size
		                                     : FILL_BATCH));
	if (px_log_size(x->a, &size) < 0 || size != target)
		die("fill");
	return (double)(target - start) / (now_s() - t0);
}

/* ---- proofs ---- */

struct mem_tree {
	uint8_t (*levels[64])[32];
	uint64_t count[64];
};

static int
mem_get(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	struct mem_tree *m = ctx;

	if (level >= 64 || index >= m->count[level])
		return px_error_set(PX_ERR, "node (%u, %llu) is not complete",
		    level, (unsigned long long)index);
	memcpy(out, m->levels[level][index], 32);
	return 0;
}

static void
mem_load(struct mem_tree *m, struct px_node *n, int64_t size)
{
	memset(m, 0, sizeof(*m));
	for (unsigned l = 0; l < 64 && ((uint64_t)size >> l) > 0; l++) {
		m->count[l] = (uint64_t)size >> l;
		m->levels[l] = px_calloc(m->count[l], 32);
		for (uint64_t i = 0; i < m->count[l]; i++)
			if (PX_STORE_CALL(
			        n->store, node_get, l, i, m->levels[l][i]) < 0)
				die("node_get");
	}
}

static void
mem_free(struct mem_tree *m)
{
	for (int l = 0; l < 64; l++)
		free(m->levels[l]);
}

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Proofs at random indices; every 64th is verified against the root so
 * that the figure is for correct proofs. */
static double
proof_rate(double secs, px_merkle_get_fn get, void *ctx, int64_t size,
    const uint8_t root[32], const uint8_t (*leaves)[32], long *count)
{
	uint8_t path[PX_MERKLE_MAX_PROOF][32];
	uint64_t seed = 88172645463325252ull;
	double t0 = now_s(), t;
	long n = 0;

	do {
		for (int i = 0; i < 64; i++, n++) {
			uint64_t idx = rnd(&seed) % (uint64_t)size;
			size_t np;

			if (px_merkle_inclusion_proof(
			        path, &np, idx, (uint64_t)size, get, ctx) < 0)
				die("inclusion");
			if (i == 0 &&
			    px_merkle_verify_inclusion(leaves[idx], idx,
			        (uint64_t)size, (const uint8_t(*)[32])path, np,
			        root) < 0)
				die("a proof does not verify");
		}
	} while ((t = now_s()) - t0 < secs);
	*count = n;
	return (double)n / (t - t0);
}

/* The store-backed path as the node runs it: px_log_inclusion. */
static double
log_proof_rate(double secs, struct px_node *nd, int64_t size,
    const uint8_t root[32], const uint8_t (*leaves)[32])
{
	uint8_t path[PX_MERKLE_MAX_PROOF][32];
	uint64_t seed = 1181783497276652981ull;
	double t0 = now_s(), t;
	long n = 0;

	do {
		for (int i = 0; i < 64; i++, n++) {
			int64_t idx = (int64_t)(rnd(&seed) % (uint64_t)size);
			size_t np;

			if (px_log_inclusion(nd, idx, size, path, &np) < 0)
				die("px_log_inclusion");
			if (i == 0 &&
			    px_merkle_verify_inclusion(leaves[idx],
			        (uint64_t)idx, (uint64_t)size,
			        (const uint8_t(*)[32])path, np, root) < 0)
				die("a stored proof does not verify");
		}
	} while ((t = now_s()) - t0 < secs);
	return (double)n / (t - t0);
}

/* Single stored-node reads at random complete positions: what a proof is
 * made of (about log2(N) of them). */
static double
node_read_rate(double secs, struct px_node *nd, int64_t size)
{
	uint64_t seed = 2463534242ull;
	uint8_t h[32];
	double t0 = now_s(), t;
	long n = 0;

	do {
		for (int i = 0; i < 64; i++, n++) {
			unsigned l = (unsigned)(rnd(&seed) % 16);
			uint64_t cnt = (uint64_t)size >> l;

			if (cnt == 0)
				l = 0, cnt = (uint64_t)size;
			if (PX_STORE_CALL(nd->store, node_get, l,
			        rnd(&seed) % cnt, h) < 0)
				die("node_get");
		}
	} while ((t = now_s()) - t0 < secs);
	return (double)n / (t - t0);
}

int
main(int argc, char **argv)
{
	struct bench x = { 0 };
	double secs = 1.5, f_sync, f_commit, f_sign, f_hash, f_read, f_verify;
	double append, fill_rate, p_store, p_mem, t0, t_exp, t_ver;
	int64_t nproofs = 1000000, naudit = 20000, nmsgs = 4000, size;
	const char *dir = NULL;
	char tmpl[] = "/tmp/px-bench-log-XXXXXX";
	struct mem_tree mem;
	uint8_t root[32], (*leaves)[32];
	size_t entries = 0, bytes = 0;
	long nmem;

	bench_name = "bench_log";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--audit") == 0 && i + 1 < argc)
			naudit = strtoll(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--msgs") == 0 && i + 1 < argc)
			nmsgs = strtoll(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--proofs") == 0 && i + 1 < argc)
			nproofs = strtoll(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (argv[i][0] != '-' && strtod(argv[i], NULL) > 0)
			secs = strtod(argv[i], NULL);
		else {
			fprintf(stderr,
			    "usage: bench_log [seconds-per-phase] "
			    "[--proofs N] [--audit N] [--msgs N] [--dir D]\n");
			return 2;
		}
	}
	if (naudit < 1 || nproofs < BATCH)
		return 2;
	if (px_crypto_init() < 0)
		die("crypto");
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (dir == NULL) {
		if ((dir = mkdtemp(tmpl)) == NULL) {
			perror(tmpl);
			return 1;
		}
		temp_dir = dir;
	}
	x.root = px_strdup(dir);
	printf("bench_log: %.1f s per phase, nodes in %s\n", secs, x.root);
	x.a = make_node(x.root, "bench-a.example", "UTC");
	x.b = make_node(x.root, "bench-b.example", "UTC");
	pin(x.a, x.b);
	pin(x.b, x.a);
	exchange(&x);
	if (px_log_size(x.a, &x.first) < 0)
		die("size");
	x.base_ms = px_time_now_ms();

	/* 1. Durable appends, group commit. */
	f_sync = fsync_rate(secs, x.root);
	f_commit = commit_rate(secs, x.root);
	append_batch(&x, 1); /* warm the statements, measure sizes */
	f_sign = sign_rate(secs, x.signed_bytes);
	append = append_for(&x, secs);
	printf("appends (group commit of %d signed receipts, %zu B each, "
	       "one checkpoint per batch)\n",
	    BATCH, x.entry_bytes);
	printf("  floor  write %d B + fdatasync          %10.0f /s\n",
	    ENTRY_FLOOR_BYTES, f_sync);
	printf("  floor  sqlite commit (WAL, FULL, 1 row) %9.0f /s  "
	       "(x %d per commit = %.0f /s)\n",
	    f_commit, BATCH, f_commit * BATCH);
	printf("  floor  ed25519 sign (%zu B)             %8.0f /s\n",
	    x.signed_bytes, f_sign);
	printf("  parley signed durable appends          %10.0f /s  "
	       "(%.0f%% of the signing floor; target 10000)\n",
	    append, 100.0 * append / f_sign);

	/* 2. Inclusion proofs over a log of nproofs entries. */
	if (px_log_size(x.a, &size) < 0)
		die("size");
	if (size < nproofs) {
		t0 = now_s();
		fill_rate = fill(&x, nproofs);
		printf("  (filled to %lld in commits of %d: %.0f /s, %.1f "
		       "s)\n",
		    (long long)nproofs, FILL_BATCH, fill_rate, now_s() - t0);
	}
	f_sign = sign_rate(secs, x.signed_bytes);
	append = append_for(&x, secs);
	if (px_log_size(x.a, &size) < 0)
		die("size");
	printf("  floor  ed25519 sign, again now          %8.0f /s\n", f_sign);
	printf("  parley signed durable appends at %lld %7.0f /s  "
	       "(%.0f%% of the signing floor; target 10000)\n",
	    (long long)size, append, 100.0 * append / f_sign);
	if (px_log_size(x.a, &size) < 0 || px_log_root(x.a, size, root) < 0)
		die("root");
	mem_load(&mem, x.a, size);
	leaves = mem.levels[0];
	f_hash = node_hash_rate(secs);
	f_read = node_read_rate(secs, x.a, size);
	p_store =
	    log_proof_rate(secs, x.a, size, root, (const uint8_t(*)[32])leaves);
	p_mem = proof_rate(secs, mem_get, &mem, size, root,
	    (const uint8_t(*)[32])leaves, &nmem);
	printf("inclusion proofs, log of %lld entries (%zu-hash paths)\n",
	    (long long)size, (size_t)(64 - __builtin_clzll((uint64_t)size)));
	printf("  floor  sha-256 node hash (65 B)       %10.0f /s\n", f_hash);
	printf("  floor  stored node read (sqlite)      %10.0f /s\n", f_read);
	printf("  parley proofs, sqlite store            %10.0f /s  "
	       "(%.1f node reads' worth each; target 100000)\n",
	    p_store, f_read / p_store);
	printf("  parley proofs, in-memory nodes         %10.0f /s  "
	       "(%ld proofs)\n",
	    p_mem, nmem);
	mem_free(&mem);

	/* 3. Audit of naudit entries: the benchmark's receipts in a time
	 * window (B's entries of the exchange are older: only B's
	 * checkpoints come along). */
	if (px_log_size(x.a, &size) < 0)
		die("size");
	if (size - x.first < naudit) {
		t0 = now_s();
		fill(&x, x.first + naudit);
		printf("  (filled the log to %lld entries in %.1f s)\n",
		    (long long)(x.first + naudit), now_s() - t0);
	}
	f_verify = verify_rate(secs, x.signed_bytes);
	printf("audit of %lld receipts\n", (long long)naudit);
	printf("  floor  ed25519 verify (libsodium, %zu B) %7.0f /s\n",
	    x.signed_bytes, f_verify);
	t_ver = audit_time(&x, x.base_ms, naudit, &entries, &bytes, &t_exp);
	if (t_ver > 0) {
		printf("  parley audit verify                    %10.0f "
		       "entries/s  (%.0f%% of the verify floor; %zu entries "
		       "in %.2f s)\n",
		    (double)entries / t_ver,
		    100.0 * ((double)entries / t_ver) / f_verify, entries,
		    t_ver);
		printf("  (bundle %.1f MB, %.0f B/entry; export %.2f s; peak "
		       "RSS %ld MB)\n",
		    (double)bytes / 1e6, (double)bytes / (double)entries, t_exp,
		    peak_rss_mb());
	}

	/* 4. The same with messages instead of receipts: every message
	 * opens a case, so the verifier also rebuilds chains and cases. */
	printf("audit of messages (one case each), how it scales\n");
	{
		int64_t tb = x.base_ms + (int64_t)1e9;
		double prev_t = 0;
		int64_t prev_m = 0;

		for (int64_t m = 1000; m <= nmsgs; m *= 2) {
			size_t e = 0;
			double t;

			append_msgs(&x, (int)m, tb);
			t = audit_time(&x, tb, m, &e, &bytes, &t_exp);
			if (t < 0)
				break;
			printf("  parley audit verify, %5lld messages    "
			       "%10.0f entries/s  (%.0f%% of the verify floor; "
			       "%.2f s",
			    (long long)m, (double)e / t,
			    100.0 * (double)e / t / f_verify, t);
			if (prev_m)
				printf("; x%.1f time for x%.0f messages",
				    t / prev_t, (double)m / (double)prev_m);
			printf(")\n");
			prev_t = t;
			prev_m = m;
			tb += m;
		}
	}
	px_node_free(x.a);
	px_node_free(x.b);
	cleanup();
	free(x.root);
	return 0;
}
