/*
 * Messages created + signed + stored per second, beside the two floors
 * that bound it, measured in the same run on the same disk:
 *   - raw Ed25519 signing of the same number of bytes (libsodium);
 *   - a bare SQLite commit loop with the store's settings (WAL,
 *     synchronous=FULL, one fsync'd transaction per row).
 * Each parley send is one durable transaction (build, sign, check against
 * the case, store, index), so its rate should sit just under the commit
 * floor.  Usage: bench_messages [seconds-per-phase] [dir]
 */
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include "crypto/sign.h"
#include "model/canon.h"
#include "node/node.h"
#include "util/util.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
		for (int i = 0; i < 256; i++, n++) {
			msg[0] = (char)n;
			px_sign(sig, &k, msg, len);
		}
	} while ((t = now_s()) - t0 < secs);
	free(msg);
	return (double)n / (t - t0);
}

static double
commit_rate(double secs, const char *dir)
{
	char *path = px_asprintf("%s/floor.db", dir);
	sqlite3 *db;
	sqlite3_stmt *st;
	double t0, t;
	long n = 0;
	char row[700];

	memset(row, 'x', sizeof(row) - 1);
	row[sizeof(row) - 1] = '\0';
	sqlite3_open(path, &db);
	sqlite3_exec(db,
	    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT);",
	    NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO t (v) VALUES (?1)", -1, &st, NULL);
	t0 = now_s();
	do {
		sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		sqlite3_bind_text(st, 1, row, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_reset(st);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		n++;
	} while ((t = now_s()) - t0 < secs);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(path);
	return (double)n / (t - t0);
}

static int
make_node(const char *dir, const char *name, struct px_node **out)
{
	struct px_node_params p = {
		.dir = dir, .name = name, .timezone = "UTC"
	};
	int rc;

	if ((rc = px_node_create(&p)) < 0)
		return rc;
	return px_node_open(out, dir);
}

int
main(int argc, char **argv)
{
	double secs = argc > 1 ? strtod(argv[1], NULL) : 2.0;
	char tmpl[] = "/tmp/px-bench-XXXXXX";
	const char *dir = argc > 2 ? argv[2] : mkdtemp(tmpl);
	char *da, *dbp;
	struct px_node *a = NULL, *b = NULL;
	json_t *card = NULL, *body;
	char *text, fp[45];
	enum px_peer_added how;
	double t0, t, floor_sign, floor_commit, rate, build_rate;
	long n = 0;

	if (dir == NULL || px_crypto_init() < 0)
		return 1;
	da = px_asprintf("%s/a", dir);
	dbp = px_asprintf("%s/b", dir);
	if (make_node(da, "bench-a.example", &a) < 0 ||
	    make_node(dbp, "bench-b.example", &b) < 0 ||
	    px_node_card(&card, b) < 0) {
		fprintf(stderr, "bench: %s\n", px_error_last());
		return 1;
	}
	text = px_canon_string(card);
	if (px_peer_add(a, text, strlen(text), "card", false, &how, fp, NULL) <
	    0) {
		fprintf(stderr, "bench: %s\n", px_error_last());
		return 1;
	}
	body = json_pack("{s{sssssssssss[{ssss}]}s{ssss}}", "case", "kind",
	    "request", "category", "botnet", "priority", "P2", "tlp", "amber",
	    "title", "C2 at 203.0.113.7", "observables", "type", "ipv4-addr",
	    "value", "203.0.113.7", "text", "lang", "en", "value",
	    "Please investigate the C2 server and tell us who rents it.");
	printf("bench_messages: %.1f s per phase, store in %s\n", secs, dir);
	floor_sign = sign_rate(secs, 600);
	floor_commit = commit_rate(secs, dir);
	/* CPU only: build, canonicalise, sign and re-parse a message. */
	{
		struct px_msg_fields f = { .type = PX_MSG_REQUEST,
			.from = "bench-a.example",
			.to = "bench-b.example",
			.seq = 1,
			.prev = PX_ZERO_HASH };
		long k = 0;

		t0 = now_s();
		do {
			struct px_msg *m = NULL;

			f.time_ms = px_time_now_ms();
			if (px_msg_new(&m, &f, body, &a->sign) < 0)
				return 1;
			px_msg_free(m);
			k++;
		} while ((t = now_s()) - t0 < secs);
		build_rate = (double)k / (t - t0);
	}
	t0 = now_s();
	do {
		if (px_node_send(a, "bench-b.example", NULL, PX_MSG_REQUEST,
		        body, NULL) < 0) {
			fprintf(stderr, "bench: %s\n", px_error_last());
			return 1;
		}
		n++;
	} while ((t = now_s()) - t0 < secs);
	rate = (double)n / (t - t0);
	printf("  floor  ed25519 sign (600 B)         %10.0f /s\n", floor_sign);
	printf(
	    "  floor  sqlite commit (WAL, FULL)    %10.0f /s\n", floor_commit);
	printf("  parley messages built+signed (no store) %6.0f /s  "
	       "(%.0f%% of the signing floor)\n",
	    build_rate, 100.0 * build_rate / floor_sign);
	printf("  parley messages created+signed+stored %8.0f /s  "
	       "(%.0f%% of the commit floor; %ld messages)\n",
	    rate, 100.0 * rate / floor_commit, n);
	json_decref(body);
	json_decref(card);
	free(text);
	px_node_free(a);
	px_node_free(b);
	if (argc <= 2) {
		char *cmd = px_asprintf("rm -rf '%s'", dir);

		if (system(cmd) != 0)
			fprintf(stderr, "bench: could not remove %s\n", dir);
		free(cmd);
	}
	free(da);
	free(dbp);
	return 0;
}
