/*
 * Offline exchange: bundles of signed messages and receipts carried by
 * hand (USB stick, e-mail attachment, air gap).  The network transport
 * will deliver the same bundles.
 *
 * Import is careful, in this order:
 *   1. the whole file must be the canonical JSON of a bundle addressed to
 *      this node from a pinned peer, signed with that peer's pinned key;
 *   2. every message and receipt in it must parse and verify before any is
 *      applied, so one forged item refuses the whole bundle;
 *   3. then each message is applied in its own transaction, in sequence:
 *      a message already stored (same hash at the same seq) is a no-op
 *      answered with the receipt given the first time; a different message
 *      at a stored seq (equivocation), a gap or a wrong prev hash stops
 *      the import there, keeping what came before.
 */
#include <stdarg.h>

#include "model/bundle.h"
#include "model/canon.h"
#include "node/attach.h"
#include "node/channel.h"
#include "node/feeds.h"
#include "node/desk.h"
#include "node/internal.h"
#include "node/log.h"
#include "node/witness.h"
#include "util/util.h"

void
px_import_report_init(struct px_import_report *r)
{
	memset(r, 0, sizeof(*r));
	px_buf_init(&r->log, PX_BUF_NOCAP);
}

void
px_import_report_dispose(struct px_import_report *r)
{
	px_buf_dispose(&r->log);
	free(r->peer);
	memset(r, 0, sizeof(*r));
}

static void say(struct px_import_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(struct px_import_report *r, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = px_buf_vprintf(&r->log, fmt, ap);
	va_end(ap);
	if (rc == 0)
		rc = px_buf_addc(&r->log, '\n');
	(void)rc;
}

/* The messages of one bundle: at most `limit` of them and, since a
 * receiver refuses a bundle larger than its limit (16 MiB for a
 * delivery) and would refuse the same oversize batch on every retry,
 * at most PX_EXPORT_MAX_BYTES of them (always at least one: a message is
 * at most PX_MSG_MAX_BYTES). */
#define PX_EXPORT_MAX_BYTES (8u << 20)

/* Attachment bytes one bundle carries at most besides its messages:
 * base64 adds a third, so messages and attachments together stay below
 * the 16 MiB a receiver takes (a single message whose attachment alone
 * is larger still goes, by itself). */
#define BUNDLE_ATTACH_BUDGET (5u << 20)

struct collect {
	struct px_node *n;
	json_t *a;
	json_t *att; /* attachments of the messages collected */
	size_t limit, bytes, att_bytes;
	int64_t after;       /* skip seqs up to this one (in flight) */
	int64_t first, last; /* seqs of the messages collected */
};

/* The feed attachment a message names (its body's feed.attachment). */
static const json_t *
attachment_ref(const json_t *msg_env)
{
	return json_object_get(
	    json_object_get(
	        json_object_get(json_object_get(msg_env, "msg"), "body"),
	        "feed"),
	    "attachment");
}

/* The size in bytes the message declares for its attachment, 0 for none
 * (bounded to 16 MiB by the message's check). */
static size_t
attachment_size(const json_t *msg_env)
{
	json_int_t sz = json_integer_value(
	    json_object_get(attachment_ref(msg_env), "size"));

	return sz > 0 ? (size_t)sz : 0;
}

/* Adds the attachment a message names, if held, to c->att. */
static int
collect_attachment(struct collect *c, const json_t *msg_env)
{
	const json_t *a = json_object_get(attachment_ref(msg_env), "sha256");
	const char *sha = json_string_value(a);
	struct px_buf b;
	char *b64;
	int rc;

	if (sha == NULL)
		return 0;
	px_buf_init(&b, PX_BUF_NOCAP);
	rc = px_attach_read(&b, c->n, sha, true);
	if (rc < 0) {
		/* Not held (or damaged): the message goes without it; the
		 * peer's digest check will name it missing. */
		px_buf_dispose(&b);
		return 0;
	}
	b64 = px_b64_encode((const uint8_t *)b.data, b.len);
	json_array_append_new(
	    c->att, json_pack("{ssss}", "sha256", sha, "data", b64));
	c->att_bytes += b.len;
	free(b64);
	px_buf_dispose(&b);
	return 0;
}

static int
collect_env(const struct px_msg_row *r, void *arg)
{
	struct collect *c = arg;
	size_t len = strlen(r->raw);
	json_t *env = NULL;
	int rc;

	if (r->seq <= c->after)
		return 0;
	if (json_array_size(c->a) > 0 && c->bytes + len > PX_EXPORT_MAX_BYTES)
		return 1;
	if ((rc = px_json_parse(
	         &env, r->raw, len, PX_MSG_MAX_BYTES, "stored message")) < 0)
		return rc;
	if (c->att && json_array_size(c->a) > 0 &&
	    c->att_bytes + attachment_size(env) > BUNDLE_ATTACH_BUDGET) {
		/* The next bundle takes it. */
		json_decref(env);
		return 1;
	}
	json_array_append_new(c->a, env);
	if (c->first == 0)
		c->first = r->seq;
	c->last = r->seq;
	c->bytes += len;
	if (c->att && (rc = collect_attachment(c, env)) < 0)
		return rc;
	return json_array_size(c->a) >= c->limit ? 1 : 0;
}

/* Writes a signed bundle to `peer` with the log section that proves its
 * items (both arrays) in our log. */
static int
write_bundle(struct px_node *n, const char *peer, json_t *msgs, json_t *rcpts,
    json_t *refusal, json_t *att, int64_t now, struct px_buf *out)
{
	size_t nm = json_array_size(msgs), nr = json_array_size(rcpts);
	const json_t **items = px_calloc(nm + nr + 1, sizeof(*items));
	json_t *log = NULL;
	int64_t size;
	int rc;

	for (size_t i = 0; i < nm; i++)
		items[i] = json_array_get(msgs, i);
	for (size_t i = 0; i < nr; i++)
		items[nm + i] = json_array_get(rcpts, i);
	/* A node that never sent anything has no log yet. */
	if ((rc = px_log_size(n, &size)) == 0 && size > 0)
		rc = px_log_section(&log, n, peer, items, nm + nr);
	if (rc == 0)
		rc = px_bundle_write_att(out, n->name, peer, now, msgs, rcpts,
		    log, refusal, att, &n->sign);
	json_decref(log);
	free(items);
	return rc;
}

/* px_node_export_limit and px_node_export_after: the messages after seq
 * `after`; an empty bundle is written only if `empty` says so. */
static int
export_span(struct px_node *n, const char *peer, struct px_buf *out,
    size_t limit, int64_t after, bool empty, struct px_export_span *span)
{
	struct px_peer_row row = { 0 };
	json_t *msgs = json_array(), *rcpts = json_array();
	struct collect c = { .n = n,
		.a = msgs,
		.att = json_array(),
		.limit = limit ? limit : (size_t)-1,
		.after = after };
	int rc;

	memset(span, 0, sizeof(*span));
	if ((rc = PX_STORE_CALL(n->store, peer_get, peer, &row)) < 0)
		goto out;
	if ((rc = PX_STORE_CALL(n->store, msg_list_undelivered, n->name, peer,
	         collect_env, &c)) < 0)
		goto out;
	span->count = json_array_size(msgs);
	span->first_seq = c.first;
	span->last_seq = c.last;
	if (span->count > 0 || empty)
		rc = write_bundle(
		    n, peer, msgs, rcpts, NULL, c.att, px_time_now_ms(), out);
out:
	json_decref(c.att);
	px_peer_row_dispose(&row);
	json_decref(msgs);
	json_decref(rcpts);
	return rc;
}

int
px_node_export_limit(struct px_node *n, const char *peer, struct px_buf *out,
    size_t *count, size_t limit)
{
	struct px_export_span span;
	int rc = export_span(n, peer, out, limit, 0, true, &span);

	*count = span.count;
	return rc;
}

int
px_node_export_after(struct px_node *n, const char *peer, struct px_buf *out,
    size_t limit, int64_t after, struct px_export_span *span)
{
	return export_span(n, peer, out, limit, after, false, span);
}

int
px_node_export(
    struct px_node *n, const char *peer, struct px_buf *out, size_t *count)
{
	/* A receiver refuses bundles larger than this; the rest follows
	 * once the receipts are back. */
	return px_node_export_limit(n, peer, out, count, PX_BUNDLE_MAX_ITEMS);
}

/* Keeps the proof that an item we store is in the peer's log. */
static int
store_proof(struct px_node *n, const struct px_peer *p,
    const struct px_witness_in *w, const char *hash)
{
	if (w->note == NULL)
		return 0;
	return px_witness_store_proof(n, p, w, hash, px_time_now_ms());
}

/* Only the receipt of an opening message changes the case's state
 * (delivered, and the clocks' start); others just mark it changed. */
static int
receipt_reindex(struct px_node *n, const struct px_msg_row *mine,
    const struct px_receipt *r, struct px_case *c, const struct px_peer *p)
{
	int rc;

	if (strcmp(mine->type, "report") != 0 &&
	    strcmp(mine->type, "request") != 0 &&
	    strcmp(mine->type, "propose") != 0)
		return PX_STORE_CALL(
		    n->store, case_touch, r->case_id, r->received_ms);
	if ((rc = px_node_case_load(c, n, r->case_id, NULL)) < 0)
		return rc;
	return px_node_index_case(n, c, r->received_ms, p);
}

/* Applies a peer's receipt for one of our messages. */
static int
apply_receipt(struct px_node *n, const struct px_receipt *r,
    const struct px_peer *p, const struct px_witness_in *w,
    struct px_import_report *rep)
{
	struct px_msg_row mine = { 0 };
	struct px_case c;
	int64_t seen;
	char *raw = NULL, ref[9];
	int rc;

	px_case_init(&c);
	px_case_ref(ref, r->case_id);
	if (PX_STORE_CALL(n->store, receipt_get, r->msg, NULL, &seen) == 0) {
		rep->receipts_dup++;
		return 0;
	}
	if (PX_STORE_CALL(n->store, msg_get, r->msg, &mine) < 0) {
		rc = px_error_set(PX_EINVAL,
		    "receipt from %s names message %.16s..., which this node "
		    "never sent",
		    r->from, r->msg);
		goto out;
	}
	if (strcmp(mine.sender, n->name) != 0 ||
	    strcmp(mine.receiver, r->from) != 0 || mine.seq != r->seq ||
	    strcmp(mine.case_id, r->case_id) != 0) {
		rc = px_error_set(PX_EINVAL,
		    "receipt from %s for seq %lld does not match the message "
		    "it names (seq %lld to %s)",
		    r->from, (long long)r->seq, (long long)mine.seq,
		    mine.receiver);
		goto out;
	}
	/* The receive time must lie between our send and our clock. */
	if (r->received_ms < mine.time_ms - PX_MAX_SKEW_MS ||
	    r->received_ms > px_time_now_ms() + PX_MAX_SKEW_MS) {
		char t1[PX_TIME_STRLEN];

		px_time_format(t1, r->received_ms);
		rc = px_error_set(PX_EINVAL,
		    "receipt from %s says our seq %lld was received at %s, "
		    "before we sent it or after this node's clock (more than "
		    "%d minutes of skew)",
		    r->from, (long long)r->seq, t1,
		    (int)(PX_MAX_SKEW_MS / 60000));
		goto out;
	}
	raw = px_canon_string(r->env);
	if ((rc = PX_STORE_CALL0(n->store, begin)) < 0)
		goto out;
	if ((rc = PX_STORE_CALL(n->store, receipt_put, r->msg, r->from,
	         r->received_ms, raw)) < 0 ||
	    (rc = store_proof(n, p, w, r->hash)) < 0 ||
	    (rc = receipt_reindex(n, &mine, r, &c, p)) < 0 ||
	    (rc = PX_STORE_CALL0(n->store, commit)) < 0) {
		PX_STORE_CALL0(n->store, rollback);
		goto out;
	}
	rep->receipts_new++;
	say(rep, "  receipt  case %s  %s received our %s (seq %lld)", ref,
	    r->from, mine.type, (long long)r->seq);
out:
	free(raw);
	px_case_dispose(&c);
	px_msg_row_dispose(&mine);
	return rc;
}

/* Adds the stored receipt we issued for message `hash` to `out`. */
static int
add_our_receipt(struct px_node *n, const char *hash, json_t *out)
{
	char *raw = NULL;
	json_t *env = NULL;
	int rc;

	if ((rc = PX_STORE_CALL(n->store, receipt_get, hash, &raw, NULL)) < 0)
		return px_error_set(
		    PX_ERR, "no receipt stored for %.16s...", hash);
	rc = px_json_parse(
	    &env, raw, strlen(raw), PX_MSG_MAX_BYTES, "stored receipt");
	free(raw);
	if (rc == 0)
		json_array_append_new(out, env);
	return rc;
}

/* Replays the case from the store in its canonical order, now that a
 * message joined it, and indexes that: a message that crossed another in
 * transit may sort before messages that arrived earlier. */
static int
reindex(struct px_node *n, const char *case_id, int64_t now, struct px_case *c,
    const struct px_peer *p)
{
	struct px_case fresh;
	int rc;

	if ((rc = px_node_case_load(&fresh, n, case_id, NULL)) < 0)
		return rc;
	if ((rc = px_node_index_case(n, &fresh, now, p)) < 0) {
		px_case_dispose(&fresh);
		return rc;
	}
	px_case_dispose(c);
	*c = fresh;
	return 0;
}

/* Why a message had no effect on its case, or NULL. */
static const char *
why_of(const struct px_case *c, const struct px_msg *m)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->msgs[i]->hash, m->hash) == 0)
			return c->why[i];
	return NULL;
}

/* Applies one verified message from the peer. */
static int
apply_msg(struct px_node *n, const struct px_msg *m, const struct px_peer *p,
    const struct px_witness_in *w, int64_t now, struct px_import_report *rep,
    json_t *receipts)
{
	struct px_msg_row have = { 0 };
	struct px_receipt *r = NULL;
	struct px_case c;
	char tip_hash[PX_HASH_HEX], ref[9], *raw = NULL;
	const char *why;
	bool in_order = true;
	int64_t tip, idx;
	int before = -1; /* the case's state before m; -1: m opens it */
	int rc;

	px_case_init(&c);
	px_case_ref(ref, m->case_id);
	rc = PX_STORE_CALL(n->store, msg_at, m->from, n->name, m->seq, &have);
	if (rc == 0) {
		if (strcmp(have.hash, m->hash) != 0) {
			rc = px_error_set(PX_EINVAL,
			    "%s seq %lld differs from the message already "
			    "accepted at that position: the peer signed two "
			    "different messages for one place (refused; "
			    "keep this bundle as evidence)",
			    m->from, (long long)m->seq);
			goto out;
		}
		rep->duplicate++;
		rc = add_our_receipt(n, m->hash, receipts);
		goto out;
	}
	if (rc != PX_ENOTFOUND)
		goto out;
	if ((rc = PX_STORE_CALL(
	         n->store, msg_tip, m->from, n->name, &tip, tip_hash)) < 0)
		goto out;
	if (m->seq != tip + 1) {
		rc = px_error_set(PX_EINVAL,
		    "%s seq %lld is out of sequence: expected seq %lld "
		    "(%s)",
		    m->from, (long long)m->seq, (long long)(tip + 1),
		    m->seq > tip + 1 ? "earlier messages are missing; import "
		                       "the bundles in order"
		                     : "replayed");
		goto out;
	}
	/* Times a peer asserts are bounded: not after our clock by more
	 * than the allowed skew (it would push our replies' dates and
	 * breach our deadlines), and not before the sender's previous
	 * message (backdating past its own history). */
	if (m->time_ms > now + PX_MAX_SKEW_MS) {
		char t1[PX_TIME_STRLEN], t2[PX_TIME_STRLEN];

		px_time_format(t1, m->time_ms);
		px_time_format(t2, now);
		rc = px_error_set(PX_EINVAL,
		    "%s seq %lld is dated %s, more than %d minutes after this "
		    "node's clock (%s): the sender's clock is wrong",
		    m->from, (long long)m->seq, t1,
		    (int)(PX_MAX_SKEW_MS / 60000), t2);
		goto out;
	}
	if (tip > 0) {
		struct px_msg_row last = { 0 };

		if (PX_STORE_CALL(
		        n->store, msg_at, m->from, n->name, tip, &last) == 0 &&
		    m->time_ms < last.time_ms) {
			rc = px_error_set(PX_EINVAL,
			    "%s seq %lld is dated before its seq %lld: a "
			    "sender's messages cannot go back in time",
			    m->from, (long long)m->seq, (long long)tip);
			px_msg_row_dispose(&last);
			goto out;
		}
		px_msg_row_dispose(&last);
	}
	if (strcmp(m->prev, tip_hash) != 0) {
		rc = px_error_set(PX_EINVAL,
		    "%s seq %lld does not follow the message we hold at seq "
		    "%lld (prev hash differs): the peer's history forked",
		    m->from, (long long)m->seq, (long long)tip);
		goto out;
	}
	if (px_msg_opens(m->type)) {
		rc = px_case_apply(&c, m);
		if (rc == 0)
			px_case_set_delivered(&c, now);
	} else {
		rc = px_node_case_load(&c, n, m->case_id, NULL);
		if (rc == PX_ENOTFOUND)
			rc = px_error_set(PX_EINVAL,
			    "%s seq %lld (%s) is for case %s, which this node "
			    "does not have",
			    m->from, (long long)m->seq,
			    px_msg_type_names[m->type].wire, m->case_id);
		/* In time order (the usual case) the replayed case is
		 * already canonical; a message that crossed another in
		 * transit makes the store replay it again (reindex). */
		in_order = rc == 0 &&
		    (c.n == 0 || m->time_ms >= c.msgs[c.n - 1]->time_ms);
		if (rc == 0) {
			before = (int)c.state;
			rc = px_case_replay(&c, m);
		}
	}
	if (rc < 0) {
		px_error_prefix(
		    "%s seq %lld refused", m->from, (long long)m->seq);
		goto out;
	}
	/* The receipt names its own position in our log, so it is signed
	 * inside the transaction that appends it. */
	if ((rc = PX_STORE_CALL0(n->store, begin)) < 0)
		goto out;
	if ((rc = px_log_size(n, &idx)) < 0 ||
	    (rc = px_receipt_new(&r, n->name, m->from, m->hash, m->case_id,
	         m->seq, now, idx, &n->sign)) < 0)
		goto rollback;
	raw = px_canon_string(r->env);
	if ((rc = px_node_store_msg(n, m, &c, now, p)) < 0 ||
	    (rc = px_feed_on_import(n, m)) < 0 ||
	    (rc = store_proof(n, p, w, m->hash)) < 0 ||
	    (rc = PX_STORE_CALL(
	         n->store, receipt_put, m->hash, n->name, now, raw)) < 0 ||
	    (rc = px_log_append(n, "receipt", r->hash, m->from, now, raw,
	         strlen(raw), NULL)) < 0 ||
	    (!in_order && (rc = reindex(n, m->case_id, now, &c, p)) < 0) ||
	    (rc = px_desk_alert(n, &c, m, before, now)) < 0 ||
	    (!n->batch && (rc = px_log_checkpoint(n, now)) < 0) ||
	    (rc = PX_STORE_CALL0(n->store, commit)) < 0)
		goto rollback;
	json_array_append(receipts, r->env);
	if ((why = why_of(&c, m)) != NULL) {
		rep->no_effect++;
		say(rep, "  stored   case %s  %s from %s, with no effect: %s",
		    ref, px_msg_type_names[m->type].wire, m->from, why);
	} else {
		rep->applied++;
		say(rep, "  applied  case %s  %s from %s -> %s", ref,
		    px_msg_type_names[m->type].wire, m->from,
		    px_state_names[c.state].wire);
	}
	goto out;
rollback:
	PX_STORE_CALL0(n->store, rollback);
out:
	free(raw);
	px_receipt_free(r);
	px_case_dispose(&c);
	px_msg_row_dispose(&have);
	return rc;
}

/* Records and clears what holds the channel with the bundle's sender up
 * (node/channel.h), inside the import's transaction. */
static int
track_channel(struct px_node *n, const struct px_bundle *b,
    const struct px_msg *refused, const char *first_err, int64_t msg_top,
    int64_t rcpt_top, struct px_import_report *rep, int64_t now)
{
	int rc = 0;

	if (first_err)
		rc = px_channel_refused(n, b->from, PX_CHAN_IN,
		    refused ? refused->seq : 0, refused ? refused->hash : NULL,
		    first_err, now);
	else
		rc = px_channel_clear(n, b->from, PX_CHAN_IN, msg_top);
	if (rc == 0 && rcpt_top > 0)
		rc = px_channel_clear(n, b->from, PX_CHAN_OUT, rcpt_top);
	if (rc < 0 || !b->refused)
		return rc;
	/* The peer's signed word that it refused one of ours: it must name
	 * a message we sent it, at that seq. */
	if (b->refused_seq > 0) {
		struct px_msg_row mine = { 0 };
		bool ours = PX_STORE_CALL(n->store, msg_at, n->name, b->from,
		                b->refused_seq, &mine) == 0 &&
		    (b->refused_msg == NULL ||
		        strcmp(mine.hash, b->refused_msg) == 0);

		px_msg_row_dispose(&mine);
		if (!ours) {
			say(rep,
			    "  ignored  %s's refusal of a seq %lld we never "
			    "sent it",
			    b->from, (long long)b->refused_seq);
			return 0;
		}
	}
	rep->refused_by_peer = true;
	rep->peer_refused_seq = b->refused_seq;
	say(rep, "  blocked  %s refused our seq %lld: %s", b->from,
	    (long long)b->refused_seq, b->refused_reason);
	return px_channel_refused(n, b->from, PX_CHAN_OUT, b->refused_seq,
	    b->refused_msg, b->refused_reason, now);
}

/* Keeps the attachments a bundle carries (px_bundle_parse checked each
 * against its name).  Content-addressed, so storing one twice is
 * harmless, and one no message names costs only disk. */
static int
store_attachments(struct px_node *n, const struct px_bundle *b)
{
	size_t i;
	const json_t *x;

	json_array_foreach(b->attachments, i, x)
	{
		const char *b64 = json_string_value(json_object_get(x, "data"));
		size_t cap = strlen(b64) / 4 * 3 + 3, len = 0;
		uint8_t *bytes = px_malloc(cap);
		char sha[65];
		int rc;

		if ((rc = px_b64_decode(bytes, cap, &len, b64)) == 0)
			rc = px_attach_store(n, bytes, len,
			    "application/x-ndjson", NULL, 0, b->from, sha);
		free(bytes);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
by_seq(const void *a, const void *b)
{
	const struct px_msg *x = *(struct px_msg *const *)a;
	const struct px_msg *y = *(struct px_msg *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int
px_node_import(struct px_node *n, const char *text, size_t len,
    const char *what, struct px_import_report *rep, struct px_buf *reply)
{
	struct px_bundle b = { 0 };
	struct px_peer *p = NULL;
	struct px_msg **msgs = NULL;
	struct px_receipt **rcpts = NULL;
	size_t nm = 0, nr = 0, i;
	json_t *out_receipts = json_array(), *none = json_array(), *v;
	char *first_err = NULL;
	int64_t now = px_time_now_ms();
	struct px_witness_in wit = { 0 };
	const struct px_msg *refused = NULL;
	int64_t msg_top = 0, rcpt_top = 0;
	bool in_tx = false;
	int rc;

	if ((rc = px_bundle_parse(&b, text, len, what)) < 0)
		goto out;
	if (rep->expect_from && strcmp(b.from, rep->expect_from) != 0) {
		rep->wrong_sender = true;
		rc = px_error_set(PX_EINVAL,
		    "the bundle is from '%s' but the client certificate is "
		    "%s's",
		    b.from, rep->expect_from);
		goto out;
	}
	if (strcmp(b.to, n->name) != 0) {
		rc = px_error_set(PX_EINVAL,
		    "%s is addressed to %s, not to this node (%s)", what, b.to,
		    n->name);
		goto out;
	}
	rc = px_peer_load(&p, n, b.from);
	if (rc == PX_ENOTFOUND)
		rc = px_error_set(PX_EINVAL,
		    "%s comes from '%s', which is not a pinned peer of %s "
		    "(enrol its card first with 'parley peer add')",
		    what, b.from, n->name);
	if (rc < 0)
		goto out;
	if (px_bundle_verify(&b, p->card.sign_pk, what) < 0) {
		char fp[45];

		px_key_fingerprint(fp, p->card.sign_pk);
		rc = px_error_set(PX_EINVAL,
		    "%s: the bundle's signature does not verify against the "
		    "key pinned for %s (fingerprint %s): it was altered, or "
		    "signed by someone else",
		    what, b.from, fp);
		goto out;
	}
	/* Parse and verify everything before applying anything. */
	msgs = px_calloc(json_array_size(b.messages) + 1, sizeof(*msgs));
	json_array_foreach(b.messages, i, v)
	{
		char item[64];

		snprintf(
		    item, sizeof(item), "message %zu of the bundle", i + 1);
		if ((rc = px_msg_parse(&msgs[nm], v, item)) < 0)
			goto out;
		nm++;
		if ((rc = px_msg_verify(msgs[nm - 1], p->card.sign_pk)) < 0)
			goto out;
		if (strcmp(msgs[nm - 1]->from, b.from) != 0 ||
		    strcmp(msgs[nm - 1]->to, n->name) != 0) {
			rc = px_error_set(PX_EINVAL,
			    "%s: %s is from %s to %s, but the bundle is from "
			    "%s to %s",
			    what, item, msgs[nm - 1]->from, msgs[nm - 1]->to,
			    b.from, n->name);
			goto out;
		}
	}
	rcpts = px_calloc(json_array_size(b.receipts) + 1, sizeof(*rcpts));
	json_array_foreach(b.receipts, i, v)
	{
		char item[64];

		snprintf(
		    item, sizeof(item), "receipt %zu of the bundle", i + 1);
		if ((rc = px_receipt_parse(&rcpts[nr], v, item)) < 0)
			goto out;
		nr++;
		if ((rc = px_receipt_verify(rcpts[nr - 1], p->card.sign_pk)) <
		    0)
			goto out;
		if (strcmp(rcpts[nr - 1]->from, b.from) != 0 ||
		    strcmp(rcpts[nr - 1]->to, n->name) != 0) {
			rc = px_error_set(PX_EINVAL,
			    "%s: %s is not from %s to %s", what, item, b.from,
			    n->name);
			goto out;
		}
	}
	/* The sender's log section: checkpoint and inclusion of each item.
	 */
	if (nm + nr > 0 || b.log) {
		const json_t **items = px_calloc(nm + nr + 1, sizeof(*items));

		for (i = 0; i < nm; i++)
			items[i] = json_array_get(b.messages, i);
		for (i = 0; i < nr; i++)
			items[nm + i] = json_array_get(b.receipts, i);
		rc = px_log_section_check(
		    &wit, n, p, b.log, items, nm + nr, what);
		free(items);
		if (rc < 0)
			goto out;
	}
	/* Everything verified: from here on the report speaks. */
	rep->peer = px_strdup(b.from);
	if ((rc = store_attachments(n, &b)) < 0)
		goto out;
	/* One transaction for the whole bundle: each step below runs in its
	 * own savepoint (atomic per message), and the batch costs one
	 * durable commit. */
	if ((rc = px_node_batch_begin(n)) < 0)
		goto out;
	in_tx = true;
	if (wit.note &&
	    (rc = px_witness_apply(n, p, &wit, now, &rep->log)) < 0) {
		rep->refused = nm + nr;
		first_err = px_strdup(px_error_last());
		say(rep, "  refused  all %zu item(s) of the bundle", nm + nr);
	}
	qsort(msgs, nm, sizeof(*msgs), by_seq);
	for (i = 0; first_err == NULL && i < nr; i++) {
		if ((rc = apply_receipt(n, rcpts[i], p, &wit, rep)) < 0) {
			rep->refused++;
			first_err = px_strdup(px_error_last());
			say(rep, "  refused  %s", first_err);
			break;
		}
		if (rcpts[i]->seq > rcpt_top)
			rcpt_top = rcpts[i]->seq;
	}
	for (i = 0; first_err == NULL && i < nm; i++) {
		if ((rc = apply_msg(
		         n, msgs[i], p, &wit, now, rep, out_receipts)) < 0) {
			rep->refused = nm - i;
			first_err = px_strdup(px_error_last());
			refused = msgs[i];
			say(rep, "  refused  %s", first_err);
			if (nm - i > 1)
				say(rep,
				    "  skipped  %zu later message(s) of "
				    "the bundle: they follow the refused one",
				    nm - i - 1);
			break;
		}
		msg_top = msgs[i]->seq;
	}
	/* What holds each direction of the channel up, as both ends must
	 * see it (docs/channel.md): our refusal of their messages, theirs of
	 * ours (signed in this bundle), and what moved past an old one. */
	if ((rc = track_channel(
	         n, &b, refused, first_err, msg_top, rcpt_top, rep, now)) < 0)
		goto out;
	/* Commit what was applied, refusals included: a refused message
	 * stopped the rest but keeps what came before it. */
	/* The reply (with the batch's checkpoint) is written inside the
	 * transaction, so recording what we showed the peer costs no
	 * extra durable commit.  A refusal travels in it, signed, so the
	 * sender learns where and why its channel is held up. */
	if ((rc = px_log_checkpoint(n, now)) < 0)
		goto out;
	if (reply && (json_array_size(out_receipts) > 0 || first_err)) {
		json_t *why = first_err
		    ? px_refusal_new(refused ? refused->seq : 0,
		          refused ? refused->hash : NULL, first_err)
		    : NULL;

		rc = write_bundle(
		    n, b.from, none, out_receipts, why, NULL, now, reply);
		json_decref(why);
		if (rc < 0)
			goto out;
	}
	in_tx = false;
	if ((rc = px_node_batch_end(n, true)) < 0)
		goto out;
	if (rc == 0 && first_err)
		rc = px_error_set(PX_EINVAL, "%s: %s", what, first_err);
out:
	/* A refusal by the witness keeps its record (alert, checkpoint). */
	if (in_tx && px_node_batch_end(n, true) < 0)
		px_error_prefix("%s", what);
	for (i = 0; i < nm; i++)
		px_msg_free(msgs[i]);
	for (i = 0; i < nr; i++)
		px_receipt_free(rcpts[i]);
	free(msgs);
	free(rcpts);
	free(first_err);
	json_decref(out_receipts);
	json_decref(none);
	px_witness_in_dispose(&wit);
	px_peer_free(p);
	px_bundle_dispose(&b);
	return rc;
}
