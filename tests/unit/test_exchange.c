/*
 * Offline exchange between two real nodes in temporary directories, and
 * bundles that an honest peer's key signs but that break the protocol:
 * a gap, an equivocation, a forked history, a receipt for nothing.
 */
#include <sqlite3.h>
#include <unistd.h>

#include "helpers.h"
#include "model/bundle.h"
#include "model/canon.h"
#include "node/log.h"
#include "node/node.h"
#include "node/view.h"
#include "node/witness.h"

struct fx {
	char root[64];
	char *da, *db;
	struct px_node *a, *b;
};

static int
rm_rf(const char *path)
{
	char *cmd = px_asprintf("rm -rf '%s'", path);
	int rc = system(cmd);

	free(cmd);
	return rc;
}

static int
setup(void **state)
{
	struct fx *f = px_calloc(1, sizeof(*f));
	struct px_node_params pa = { .name = "cert-a.example",
		.timezone = "Asia/Shanghai",
		.languages = "zh, en" };
	struct px_node_params pb = { .name = "cert-b.example",
		.timezone = "America/New_York" };

	snprintf(f->root, sizeof(f->root), "/tmp/px-test-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	f->da = px_asprintf("%s/a", f->root);
	f->db = px_asprintf("%s/b", f->root);
	pa.dir = f->da;
	pb.dir = f->db;
	assert_int_equal(px_node_create(&pa), 0);
	assert_int_equal(px_node_create(&pb), 0);
	assert_int_equal(px_node_open(&f->a, f->da), 0);
	assert_int_equal(px_node_open(&f->b, f->db), 0);
	enrol(f->a, f->b);
	enrol(f->b, f->a);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	px_node_free(f->a);
	px_node_free(f->b);
	rm_rf(f->root);
	free(f->da);
	free(f->db);
	free(f);
	return 0;
}

static struct px_msg *
open_request(struct px_node *n)
{
	struct px_msg *m = NULL;
	json_t *body = open_body("request", "P2");

	assert_int_equal(
	    px_node_send(n, "cert-b.example", NULL, PX_MSG_REQUEST, body, &m),
	    0);
	json_decref(body);
	return m;
}

/* Exports a's outbox and imports it at b; returns the import result. */
static int
carry(struct px_node *from, struct px_node *to, const char *peer,
    struct px_import_report *rep, struct px_buf *reply)
{
	struct px_buf b;
	size_t count;
	int rc;

	px_buf_init(&b, PX_BUF_NOCAP);
	assert_int_equal(px_node_export(from, peer, &b, &count), 0);
	rc = px_node_import(to, b.data, b.len, "bundle", rep, reply);
	px_buf_dispose(&b);
	return rc;
}

static void
test_round_trip(void **state)
{
	struct fx *f = *state;
	struct px_import_report rep;
	struct px_buf reply, again;
	struct px_msg *m = open_request(f->a);
	struct px_case c;
	size_t count;

	px_import_report_init(&rep);
	px_buf_init(&reply, PX_BUF_NOCAP);
	assert_int_equal(carry(f->a, f->b, "cert-b.example", &rep, &reply), 0);
	assert_int_equal(rep.applied, 1);
	assert_true(reply.len > 0);
	assert_int_equal(px_node_case_load(&c, f->b, m->case_id, NULL), 0);
	assert_int_equal(c.state, PX_ST_DELIVERED);
	px_case_dispose(&c);
	/* Still undelivered at a until the receipts come back. */
	px_buf_init(&again, PX_BUF_NOCAP);
	assert_int_equal(
	    px_node_export(f->a, "cert-b.example", &again, &count), 0);
	assert_int_equal(count, 1);
	px_import_report_dispose(&rep);
	px_import_report_init(&rep);
	assert_int_equal(
	    px_node_import(f->a, reply.data, reply.len, "reply", &rep, NULL),
	    0);
	assert_int_equal(rep.receipts_new, 1);
	px_buf_reset(&again);
	assert_int_equal(
	    px_node_export(f->a, "cert-b.example", &again, &count), 0);
	assert_int_equal(count, 0);
	assert_int_equal(px_node_case_load(&c, f->a, m->case_id, NULL), 0);
	assert_int_equal(c.state, PX_ST_DELIVERED);
	assert_true(c.delivered_ms >= c.opened_ms);
	px_case_dispose(&c);
	/* The receipt again: a no-op. */
	px_import_report_dispose(&rep);
	px_import_report_init(&rep);
	assert_int_equal(
	    px_node_import(f->a, reply.data, reply.len, "reply", &rep, NULL),
	    0);
	assert_int_equal(rep.receipts_new, 0);
	assert_int_equal(rep.receipts_dup, 1);
	px_import_report_dispose(&rep);
	px_buf_dispose(&reply);
	px_buf_dispose(&again);
	px_msg_free(m);
}

/* Puts signed items into `from`'s own log (as a dishonest but consistent
 * node would) and writes a bundle of them to `to` with a log section. */
static void
forge_bundle(struct px_buf *out, struct px_node *from, const char *to,
    json_t *msgs, json_t *rcpts)
{
	size_t nm = json_array_size(msgs), nr = json_array_size(rcpts);
	const json_t *items[16];
	json_t *log = NULL;

	assert_true(nm + nr < 16);
	assert_int_equal(PX_STORE_CALL0(from->store, begin), 0);
	for (size_t i = 0; i < nm + nr; i++) {
		const json_t *env = i < nm ? json_array_get(msgs, i)
		                           : json_array_get(rcpts, i - nm);
		const char *kind = i < nm ? "msg" : "receipt";
		const json_t *o;
		char hash[PX_HASH_HEX], *canon = px_canon_string(env);
		int64_t idx;

		assert_int_equal(
		    px_signed_open(&o, hash, env, kind, NULL, "x"), 0);
		if (PX_STORE_CALL(from->store, log_find, hash, &idx) != 0)
			assert_int_equal(
			    px_log_append(from, kind, hash, to,
			        px_time_now_ms(), canon, strlen(canon), NULL),
			    0);
		free(canon);
		items[i] = env;
	}
	assert_int_equal(px_log_checkpoint(from, px_time_now_ms()), 0);
	assert_int_equal(PX_STORE_CALL0(from->store, commit), 0);
	assert_int_equal(px_log_section(&log, from, to, items, nm + nr), 0);
	assert_int_equal(px_bundle_write(out, from->name, to, px_time_now_ms(),
	                     msgs, rcpts, log, NULL, &from->sign),
	    0);
	json_decref(log);
}

static struct px_msg *
raw_msg(struct px_node *a, const char *case_id, int64_t seq, const char *prev,
    enum px_msg_type t)
{
	struct px_msg_fields fl = { .case_id = case_id,
		.type = t,
		.from = a->name,
		.to = "cert-b.example",
		.seq = seq,
		.prev = prev,
		.time_ms = px_time_now_ms() };
	struct px_msg *m = NULL;
	json_t *body = t == PX_MSG_REQUEST
	    ? open_body("request", "P2")
	    : json_pack("{s{ssss}}", "text", "lang", "en", "value", "x");

	assert_int_equal(px_msg_new(&m, &fl, body, &a->sign), 0);
	json_decref(body);
	return m;
}

static int
import_one(struct fx *f, struct px_msg *m)
{
	struct px_import_report rep;
	struct px_buf b;
	json_t *arr = json_array(), *none = json_array();
	int rc;

	json_array_append(arr, m->env);
	px_buf_init(&b, PX_BUF_NOCAP);
	forge_bundle(&b, f->a, "cert-b.example", arr, none);
	px_import_report_init(&rep);
	rc = px_node_import(f->b, b.data, b.len, "forged", &rep, NULL);
	px_import_report_dispose(&rep);
	px_buf_dispose(&b);
	json_decref(arr);
	json_decref(none);
	return rc;
}

/* Times a peer asserts are bounded (docs/clocks.md). */
static void
test_peer_times_bounded(void **state)
{
	struct fx *f = *state;
	struct px_msg *late, *first, *back;
	struct px_msg_fields fl = { .type = PX_MSG_REQUEST,
		.from = "cert-a.example",
		.to = "cert-b.example",
		.seq = 1,
		.prev = PX_ZERO_HASH };
	json_t *body = open_body("request", "P1");

	/* Dated an hour after the receiver's clock: refused. */
	fl.time_ms = px_time_now_ms() + 3600 * 1000;
	assert_int_equal(px_msg_new(&late, &fl, body, &f->a->sign), 0);
	assert_int_equal(import_one(f, late), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "the sender's clock is wrong"));
	/* Within the skew it is fine; the next one may not go back. */
	fl.time_ms = px_time_now_ms() + 60 * 1000;
	assert_int_equal(px_msg_new(&first, &fl, body, &f->a->sign), 0);
	assert_int_equal(import_one(f, first), 0);
	back = raw_msg(f->a, first->case_id, 2, first->hash, PX_MSG_UPDATE);
	assert_int_equal(import_one(f, back), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "cannot go back in time"));
	json_decref(body);
	px_msg_free(late);
	px_msg_free(first);
	px_msg_free(back);
}

/* Issue 12, item 1: B acknowledges case 1 at 02:00, its clock is then
 * stepped 10 s back, and it acknowledges case 2.  B must date the second
 * ack no earlier than the first (the channel's rule), so A accepts both;
 * before, A refused it and every later message of B for good. */
static void
test_clock_step_back(void **state)
{
	struct fx *f = *state;
	struct px_import_report rep;
	struct px_msg *c1, *c2, *ack1 = NULL, *ack2 = NULL, *ack3 = NULL;
	struct px_buf reply;
	char ref1[9], ref2[9];
	json_t *note, *empty;

	setenv("PARLEY_FAKE_NOW", "2026-12-06T01:50:00Z", 1);
	c1 = open_request(f->a);
	c2 = open_request(f->a);
	px_case_ref(ref1, c1->case_id);
	px_case_ref(ref2, c2->case_id);
	px_import_report_init(&rep);
	px_buf_init(&reply, PX_BUF_NOCAP);
	assert_int_equal(carry(f->a, f->b, "cert-b.example", &rep, &reply), 0);
	px_import_report_dispose(&rep);
	px_buf_dispose(&reply);

	empty = json_object();
	setenv("PARLEY_FAKE_NOW", "2026-12-06T02:00:00Z", 1);
	assert_int_equal(
	    px_node_send(f->b, NULL, ref1, PX_MSG_ACK, empty, &ack1), 0);
	/* The clock steps back 10 s. */
	setenv("PARLEY_FAKE_NOW", "2026-12-06T01:59:50Z", 1);
	assert_int_equal(
	    px_node_send(f->b, NULL, ref2, PX_MSG_ACK, empty, &ack2), 0);
	json_decref(empty);
	assert_int_equal(ack2->seq, ack1->seq + 1);
	assert_true(ack2->time_ms >= ack1->time_ms);
	assert_int_equal(ack2->time_ms, ack1->time_ms);
	/* Once the clock passes the previous message, it rules again. */
	setenv("PARLEY_FAKE_NOW", "2026-12-06T02:00:07Z", 1);
	note = json_pack("{s{ssss}}", "text", "lang", "en", "value", "x");
	assert_int_equal(
	    px_node_send(f->b, NULL, ref2, PX_MSG_NOTE, note, &ack3), 0);
	json_decref(note);
	assert_int_equal(ack3->time_ms, ack1->time_ms + 7000);

	px_import_report_init(&rep);
	px_buf_init(&reply, PX_BUF_NOCAP);
	assert_int_equal(carry(f->b, f->a, "cert-a.example", &rep, &reply), 0);
	assert_int_equal(rep.applied + rep.no_effect, 3);
	assert_int_equal(rep.refused, 0);
	px_import_report_dispose(&rep);
	px_buf_dispose(&reply);
	unsetenv("PARLEY_FAKE_NOW");
	px_msg_free(c1);
	px_msg_free(c2);
	px_msg_free(ack1);
	px_msg_free(ack2);
	px_msg_free(ack3);
}

/* Issue 12, item 9: a title or text with a bidirectional override
 * (U+202E) reads differently from what was signed.  Our node refuses to
 * sign one; a peer's (signed by other software) is kept as signed, never
 * refused (that would jam the channel), and shown with the control
 * written out wherever it is displayed. */
static void
test_bidi_controls(void **state)
{
	struct fx *f = *state;
	/* "invoice_" U+202E "fdp.exe": a display shows "invoice_exe.pdf". */
	const char *evil = "invoice_\xe2\x80\xae"
	                   "fdp.exe";
	struct px_msg_fields fl = { .type = PX_MSG_REQUEST,
		.from = "cert-a.example",
		.to = "cert-b.example",
		.seq = 1,
		.prev = PX_ZERO_HASH,
		.time_ms = px_time_now_ms() };
	json_t *body = open_body("request", "P2"), *view;
	struct px_msg *m = NULL;
	struct px_case c;
	struct px_peer *p = NULL;
	const json_t *first, *text;
	const char *shown;

	assert_int_equal(px_bidi_control(evil, NULL), 0x202e);
	assert_string_equal(px_bidi_name(0x202e), "RIGHT-TO-LEFT OVERRIDE");
	json_object_set_new(
	    json_object_get(body, "case"), "title", json_string(evil));
	/* Our own node does not sign it, and says where and what it is. */
	assert_int_equal(px_node_send(f->a, "cert-b.example", NULL,
	                     PX_MSG_REQUEST, body, &m),
	    PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "case.title"));
	assert_non_null(strstr(px_error_last(), "U+202E RIGHT-TO-LEFT"));
	json_object_set_new(
	    json_object_get(body, "case"), "title", json_string("Plain title"));
	json_object_set_new(json_object_get(body, "text"), "value",
	    json_string("see \xe2\x81\xa6"
	                "x\xe2\x81\xa9"));
	assert_int_equal(px_node_send(f->a, "cert-b.example", NULL,
	                     PX_MSG_REQUEST, body, &m),
	    PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "text.value"));
	assert_non_null(strstr(px_error_last(), "U+2066"));
	/* Another implementation signs it anyway: B keeps it (no jam). */
	json_object_set_new(
	    json_object_get(body, "case"), "title", json_string(evil));
	assert_int_equal(px_msg_new(&m, &fl, body, &f->a->sign), 0);
	assert_int_equal(import_one(f, m), 0);
	/* Shown everywhere with the control written out. */
	assert_int_equal(px_node_case_load(&c, f->b, m->case_id, &p), 0);
	assert_string_equal(c.title, "invoice_[U+202E]fdp.exe");
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_object_get(c.msgs[0]->body, "case"), "title")),
	    evil);
	view = px_view_case(f->b, &c, p, px_time_now_ms());
	shown = json_string_value(json_object_get(view, "title"));
	assert_string_equal(shown, "invoice_[U+202E]fdp.exe");
	first = json_array_get(json_object_get(view, "messages"), 0);
	text = json_object_get(json_object_get(first, "body"), "text");
	assert_string_equal(json_string_value(json_object_get(text, "value")),
	    "see [U+2066]x[U+2069]");
	json_decref(view);
	px_peer_free(p);
	px_case_dispose(&c);
	px_msg_free(m);
	json_decref(body);
}

/* A batch is capped in bytes as well as in messages: 512 messages of
 * 64 KiB texts and translations would pass a receiver's 16 MiB limit and
 * be refused on every retry (a jam).  150 such messages go in bundles
 * under the limit, and all arrive. */
static void
test_export_bytes(void **state)
{
	struct fx *f = *state;
	char *big = px_malloc(65536 + 1);
	struct px_import_report rep;
	struct px_buf out, reply;
	json_t *body = open_body("report", "P4");
	size_t count, total = 0;
	int bundles = 0;

	/* 150 reports (each opens its own case: no replay of a long case
	 * per message) of about 128 KiB each. */
	memset(big, 'x', 65536);
	big[65536] = '\0';
	json_object_set_new(body, "text",
	    json_pack("{sssss{ssssss}}", "lang", "en", "value", big,
	        "translation", "lang", "zh", "value", big, "by", "human"));
	assert_int_equal(px_node_batch_begin(f->a), 0);
	for (int i = 0; i < 150; i++)
		if (px_node_send(f->a, "cert-b.example", NULL, PX_MSG_REPORT,
		        body, NULL) < 0)
			fail_msg("report %d: %s", i, px_error_last());
	assert_int_equal(px_node_batch_end(f->a, true), 0);
	for (;;) {
		px_buf_init(&out, PX_BUF_NOCAP);
		assert_int_equal(px_node_export_limit(
		                     f->a, "cert-b.example", &out, &count, 512),
		    0);
		if (count == 0) {
			px_buf_dispose(&out);
			break;
		}
		assert_true(out.len < (16u << 20));
		assert_true(count < 150);
		px_import_report_init(&rep);
		px_buf_init(&reply, PX_BUF_NOCAP);
		assert_int_equal(px_node_import(f->b, out.data, out.len,
		                     "bundle", &rep, &reply),
		    0);
		assert_int_equal(rep.applied + rep.no_effect, count);
		px_import_report_dispose(&rep);
		px_import_report_init(&rep);
		assert_int_equal(px_node_import(f->a, reply.data, reply.len,
		                     "receipts", &rep, NULL),
		    0);
		assert_int_equal(rep.receipts_new, count);
		px_import_report_dispose(&rep);
		px_buf_dispose(&reply);
		px_buf_dispose(&out);
		total += count;
		bundles++;
	}
	assert_int_equal(total, 150);
	assert_true(bundles >= 2);
	json_decref(body);
	free(big);
}

static int
count_rows(struct px_node *n)
{
	char *p = px_asprintf("%s/parley.db", n->dir);
	sqlite3 *db;
	sqlite3_stmt *st;
	int v = -1;

	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
	                     "SELECT (SELECT count(*) FROM messages) + "
	                     "(SELECT count(*) FROM receipts) + "
	                     "(SELECT count(*) FROM cases)",
	                     -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(p);
	return v;
}

static void
test_protocol_violations(void **state)
{
	struct fx *f = *state;
	struct px_msg *m1 =
	    raw_msg(f->a, NULL, 1, PX_ZERO_HASH, PX_MSG_REQUEST);
	struct px_msg *gap, *fork, *twin;
	int before;

	assert_int_equal(import_one(f, m1), 0);
	before = count_rows(f->b);
	assert_int_equal(before, 3); /* message, receipt, case */
	/* seq 3 with seq 2 missing */
	gap = raw_msg(f->a, m1->case_id, 3, m1->hash, PX_MSG_UPDATE);
	assert_int_equal(import_one(f, gap), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "out of sequence"));
	/* seq 2 whose prev is not the message we hold at seq 1 */
	fork = raw_msg(f->a, m1->case_id, 2, PX_ZERO_HASH, PX_MSG_UPDATE);
	assert_int_equal(import_one(f, fork), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "forked"));
	/* a different message signed for seq 1: equivocation */
	twin = raw_msg(f->a, NULL, 1, PX_ZERO_HASH, PX_MSG_REQUEST);
	assert_int_equal(import_one(f, twin), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "two different messages"));
	/* the original again: a no-op */
	assert_int_equal(import_one(f, m1), 0);
	assert_int_equal(count_rows(f->b), before);
	px_msg_free(m1);
	px_msg_free(gap);
	px_msg_free(fork);
	px_msg_free(twin);
}

static void
test_foreign_items(void **state)
{
	struct fx *f = *state;
	struct px_import_report rep;
	struct px_receipt *r = NULL;
	struct px_buf b;
	json_t *msgs = json_array(), *rcpts = json_array();
	int rc;

	/* A receipt, signed by b, for a message a never sent. */
	assert_int_equal(
	    px_receipt_new(&r, "cert-b.example", "cert-a.example", PX_ZERO_HASH,
	        "019aa0c4-1a00-7abc-8def-0123456789ab", 1, px_time_now_ms(), 0,
	        &f->b->sign),
	    0);
	json_array_append(rcpts, r->env);
	px_buf_init(&b, PX_BUF_NOCAP);
	forge_bundle(&b, f->b, "cert-a.example", msgs, rcpts);
	px_import_report_init(&rep);
	rc = px_node_import(f->a, b.data, b.len, "stray", &rep, NULL);
	assert_int_equal(rc, PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "never sent"));
	px_import_report_dispose(&rep);
	/* The same bundle presented to its own author: not addressed to it.
	 */
	px_import_report_init(&rep);
	rc = px_node_import(f->b, b.data, b.len, "stray", &rep, NULL);
	assert_int_equal(rc, PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "addressed to"));
	px_import_report_dispose(&rep);
	/* Non-canonical: a space added after the first brace. */
	{
		char *odd = px_asprintf("{ %s", b.data + 1);

		px_import_report_init(&rep);
		rc = px_node_import(f->a, odd, strlen(odd), "odd", &rep, NULL);
		assert_int_equal(rc, PX_EINVAL);
		assert_non_null(strstr(px_error_last(), "canonical"));
		px_import_report_dispose(&rep);
		free(odd);
	}
	px_receipt_free(r);
	px_buf_dispose(&b);
	json_decref(msgs);
	json_decref(rcpts);
}

static void
test_newer_schema_refused(void **state)
{
	struct fx *f = *state;
	char *p = px_asprintf("%s/parley.db", f->da);
	struct px_node *n = NULL;
	sqlite3 *db;

	px_node_free(f->a);
	f->a = NULL;
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(px_node_open(&n, f->da), PX_ECONFLICT);
	assert_non_null(strstr(px_error_last(), "newer"));
	free(p);
}

static void
test_card_rules(void **state)
{
	struct fx *f = *state;
	json_t *card = NULL;
	char *text, fp[45];
	enum px_peer_added how;

	assert_int_equal(px_node_card(&card, f->a), 0);
	text = px_canon_string(card);
	/* Same card again: unchanged. */
	assert_int_equal(px_peer_add(f->b, text, strlen(text), "card", false,
	                     &how, fp, NULL),
	    0);
	assert_int_equal(how, PX_PEER_SAME);
	/* One's own card is refused. */
	assert_int_equal(px_peer_add(f->a, text, strlen(text), "card", false,
	                     &how, fp, NULL),
	    PX_EINVAL);
	/* A flipped character in the signed content is refused. */
	{
		char *p = strstr(text, "Asia/Shanghai");

		p[0] = 'B';
		assert_int_equal(px_peer_add(f->b, text, strlen(text), "card",
		                     false, &how, fp, NULL),
		    PX_EINVAL);
	}
	free(text);
	json_decref(card);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_protocol_violations, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_foreign_items, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_card_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_peer_times_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_clock_step_back, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_bidi_controls, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_export_bytes, setup, teardown),
	};

	if (px_crypto_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
