/*
 * Cases on a node: replaying them from the store, and sending messages.
 */
#include <pthread.h>
#include <sodium.h>

#include "model/canon.h"
#include "model/ladder.h"
#include "node/agreement.h"
#include "node/exercise.h"
#include "node/evidence.h"
#include "node/internal.h"
#include "node/log.h"
#include "node/release.h"
#include "util/util.h"

void
px_case_ref(char out[9], const char *case_id)
{
	size_t n = strlen(case_id);

	snprintf(out, 9, "%s", n >= 8 ? case_id + n - 8 : case_id);
}

struct replay {
	struct px_case *c;
	struct px_node *n;
	int rc;
};

/* Stored messages as parsed, by hash.  A case is replayed from its
 * messages whenever it is read: a message just sent is read back by the
 * API's answer, the scheduler's first look at the case and the receipt's
 * import, each of which parsed and hashed the same text again (a fifth of
 * a sending node's CPU per message under load).  Direct-mapped and
 * bounded: MSG_CACHE entries of at most MSG_CACHE_TEXT bytes of text.  An
 * entry is used only when the row's text is the text it was parsed from,
 * so an altered row is parsed and refused as before.  Entries share the
 * envelope (px_msg_dup): nothing writes to a message's JSON once parsed,
 * and jansson's reference counts are atomic. */
#define MSG_CACHE      2048
#define MSG_CACHE_TEXT 8192
static struct {
	char *raw;
	struct px_msg *m;
} msg_cache[MSG_CACHE];
static pthread_mutex_t msg_cache_mu = PTHREAD_MUTEX_INITIALIZER;

static size_t
msg_slot(const char *hash)
{
	size_t h = 0;

	for (int i = 0; i < 4 && hash[i]; i++)
		h = h * 31 + (unsigned char)hash[i];
	return h % MSG_CACHE;
}

/* A copy of the message parsed from `raw` with `hash`, or NULL. */
static struct px_msg *
msg_cached(const char *hash, const char *raw)
{
	size_t i = msg_slot(hash);
	struct px_msg *m = NULL;

	pthread_mutex_lock(&msg_cache_mu);
	if (msg_cache[i].m && strcmp(msg_cache[i].m->hash, hash) == 0 &&
	    strcmp(msg_cache[i].raw, raw) == 0)
		m = px_msg_dup(msg_cache[i].m);
	pthread_mutex_unlock(&msg_cache_mu);
	return m;
}

/* Keeps `m` (verified, stored as `raw`) for msg_cached. */
static void
msg_remember(const struct px_msg *m, const char *raw)
{
	size_t i = msg_slot(m->hash), len = strlen(raw);
	struct px_msg *old;
	char *old_raw;

	if (len > MSG_CACHE_TEXT)
		return;
	pthread_mutex_lock(&msg_cache_mu);
	old = msg_cache[i].m;
	old_raw = msg_cache[i].raw;
	msg_cache[i].m = px_msg_dup(m);
	msg_cache[i].raw = px_strdup(raw);
	pthread_mutex_unlock(&msg_cache_mu);
	px_msg_free(old);
	free(old_raw);
}

int
px_node_msg_from_row(struct px_msg **out, const struct px_msg_row *r)
{
	struct px_msg *m = NULL;
	json_t *env = NULL;
	int rc;

	if ((*out = msg_cached(r->hash, r->raw)) != NULL)
		return 0;
	/* Stored rows were verified on the way in; a row that no longer
	 * parses means the database was altered, which we say loudly. */
	if ((rc = px_json_parse(&env, r->raw, strlen(r->raw), PX_MSG_MAX_BYTES,
	         "stored message")) < 0 ||
	    (rc = px_msg_parse(&m, env, "stored message")) < 0)
		goto out;
	if (strcmp(m->hash, r->hash) != 0) {
		rc = px_error_set(PX_ERR,
		    "stored message %s does not match its hash: the store "
		    "was altered",
		    r->id);
		goto out;
	}
	msg_remember(m, r->raw);
	*out = m;
	m = NULL;
out:
	px_msg_free(m);
	json_decref(env);
	return rc;
}

int64_t
px_node_msg_received(struct px_node *n, const struct px_msg_row *r)
{
	int64_t recv = r->received_ms;

	if (recv < 0 &&
	    PX_STORE_CALL(n->store, receipt_get, r->hash, NULL, &recv) != 0)
		recv = -1;
	return recv;
}

static int
replay_one(const struct px_msg_row *r, void *arg)
{
	struct replay *st = arg;
	struct px_msg *m = NULL;
	int rc;

	if ((rc = px_node_msg_from_row(&m, r)) < 0 ||
	    (rc = px_case_replay(st->c, m)) < 0)
		goto out;
	if (st->c->n == 1) {
		int64_t recv = px_node_msg_received(st->n, r);

		if (recv >= 0)
			px_case_set_delivered(st->c, recv);
	}
out:
	px_msg_free(m);
	st->rc = rc;
	return rc;
}

int
px_node_case_load(struct px_case *out, struct px_node *n, const char *ref,
    struct px_peer **peer_out)
{
	struct replay st = { .c = out, .n = n };
	char *id = NULL;
	int rc;

	px_case_init(out);
	if ((rc = PX_STORE_CALL(n->store, case_find, ref, &id)) < 0)
		return rc;
	rc = PX_STORE_CALL(n->store, msg_list_case, id, replay_one, &st);
	free(id);
	if (rc == 0 && out->n == 0)
		rc = px_error_set(PX_ENOTFOUND, "case %s has no messages", ref);
	if (rc == 0 && peer_out)
		rc = px_peer_load(peer_out, n,
		    strcmp(out->requester, n->name) == 0 ? out->responder
		                                         : out->requester);
	if (rc < 0)
		px_case_dispose(out);
	return rc;
}

const struct px_calendar *
px_node_case_calendar(const struct px_node *n, const struct px_case *c,
    const struct px_peer *peer)
{
	if (strcmp(c->responder, n->name) == 0 || peer == NULL)
		return &n->cal;
	return &peer->cal;
}

/* When the scheduler must look at `c` next (the due_ms of its index row):
 * what its tick would compute itself (handle_case, sched.c) for a case
 * whose next steps follow from its clocks alone, so that it is not woken
 * for every message only to find nothing due (a tenth of each node's CPU
 * under load).  Exercises, cases of an exercise and hotlines we answer
 * (a roster walk, caps) are looked at now, as is any case when the peer
 * is not at hand.  Returns 0 (now), a time, or -1 (never). */
static int64_t
next_due(struct px_node *n, const struct px_case *c, const struct px_peer *p)
{
	struct px_step steps[32];
	int64_t next = INT64_MAX;

	if (p == NULL || c->kind == PX_KIND_EXERCISE || c->exercise_id ||
	    (c->kind == PX_KIND_HOTLINE && strcmp(c->responder, n->name) == 0))
		return 0;
	/* The clock, not the message's time: a step due by now is taken by
	 * the next tick. */
	if (px_steps_due(steps, PX_ARRAY_LEN(steps), &next, c, n->name,
	        px_peer_case_terms(p, c, NULL), px_node_case_calendar(n, c, p),
	        NULL, 0, px_time_now_ms()) > 0)
		return 0;
	return next == INT64_MAX ? -1 : next;
}

int
px_node_index_case(struct px_node *n, const struct px_case *c, int64_t now,
    const struct px_peer *p)
{
	const char *xstate = NULL;
	int rc;

	/* An exercise's case is listed in the exercise's own words
	 * (proposed, running, ended ...), and every exercise case is
	 * recorded as one. */
	if (c->exercise_id &&
	    (rc = px_exercise_indexed(n, c, now, &xstate)) < 0)
		return rc;
	struct px_case_row row = {
		.id = (char *)c->id,
		.peer =
		    (char *)(strcmp(c->requester, n->name) == 0 ? c->responder
		                                                : c->requester),
		.requester = (char *)c->requester,
		.responder = (char *)c->responder,
		.kind = (char *)px_kind_names[c->kind].wire,
		.category = (char *)px_category_names[c->category].wire,
		.priority = (char *)px_priority_names[c->priority].wire,
		.tlp = (char *)px_tlp_names[c->tlp].wire,
		.title = (char *)c->title,
		.state =
		    (char *)(xstate ? xstate : px_state_names[c->state].wire),
		.opened_ms = c->opened_ms,
		.updated_ms = now,
		.due_ms = next_due(n, c, p),
	};

	rc = PX_STORE_CALL(n->store, case_put, &row);
	/* Recorded after the case row exists (its first message). */
	if (rc == 0 && c->exercise_id && c->n == 1)
		rc = PX_STORE_CALL(
		    n->store, case_set_exercise, c->id, c->exercise_id);
	if (rc == 0 && c->kind == PX_KIND_CHECK && c->check_contact)
		rc = PX_STORE_CALL(
		    n->store, case_set_contact, c->id, c->check_contact);
	/* The version the case names, written once, with its opening. */
	if (rc == 0 && c->n == 1)
		rc = PX_STORE_CALL(n->store, case_set_agreement, c->id,
		    c->agreement_named ? c->agreement : -1);
	if (rc == 0 && c->kind == PX_KIND_AGREEMENT)
		rc = px_node_index_agreement(n, c);
	if (rc == 0 && c->nev > 0)
		rc = px_ev_index_case(n, c, now);
	return rc;
}

/* The opening message's body with the agreement version in force at our
 * side in its case header (docs/clocks.md); a new reference. */
static json_t *
with_agreement(json_t *body, const struct px_peer *p)
{
	json_t *b = json_copy(body), *h = json_object_get(body, "case");

	if (json_is_object(h)) {
		h = json_copy(h);
		json_object_set_new(h, "agreement", json_integer(p->version));
		json_object_set_new(b, "case", h);
	}
	return b;
}

int
px_node_store_msg(struct px_node *n, const struct px_msg *m,
    const struct px_case *c, int64_t received_ms, const struct px_peer *p)
{
	char *raw = px_canon_string(m->env);
	struct px_msg_row row = {
		.hash = (char *)m->hash,
		.id = (char *)m->id,
		.case_id = (char *)m->case_id,
		.sender = (char *)m->from,
		.receiver = (char *)m->to,
		.type = (char *)px_msg_type_names[m->type].wire,
		.raw = raw,
		.seq = m->seq,
		.time_ms = m->time_ms,
		.received_ms = received_ms,
	};
	int rc;

	if (raw == NULL)
		return PX_ERR;
	rc = PX_STORE_CALL(n->store, msg_put, &row);
	/* Our own messages are leaves of our log, in the same transaction. */
	if (rc == 0 && strcmp(m->from, n->name) == 0)
		rc = px_log_append(n, "msg", m->hash, m->to, m->time_ms, raw,
		    strlen(raw), NULL);
	/* Read back at once (the case's replay): parsed already. */
	if (rc == 0)
		msg_remember(m, raw);
	free(raw);
	if (rc == 0)
		rc = px_node_index_case(
		    n, c, received_ms >= 0 ? received_ms : m->time_ms, p);
	return rc;
}

/* The first string of `v` (at any depth) holding a bidirectional
 * control; *where gets its member path ("case.title", "text.value"). */
static uint32_t
find_bidi(const json_t *v, char *where, size_t n)
{
	const char *k;
	const json_t *x;
	size_t i, len = strlen(where);
	uint32_t cp = 0;

	if (json_is_string(v))
		return px_bidi_control(json_string_value(v), NULL);
	if (json_is_array(v))
		json_array_foreach(v, i, x)
		{
			snprintf(where + len, n - len, "[%zu]", i);
			if ((cp = find_bidi(x, where, n)) != 0)
				return cp;
		}
	if (json_is_object(v))
		json_object_foreach((json_t *)v, k, x)
		{
			snprintf(
			    where + len, n - len, "%s%s", len ? "." : "", k);
			if ((cp = px_bidi_control(k, NULL)) != 0 ||
			    (cp = find_bidi(x, where, n)) != 0)
				return cp;
		}
	where[len] = '\0';
	return 0;
}

/* A stable pseudonym of our person `who` for peers: "p-" and 16 hex
 * digits of BLAKE2b keyed with our signing seed, so only we can tell
 * whose it is, and it stays the same across cases and peers. */
static void
pseudonym(char out[19], const struct px_node *n, const char *who)
{
	static const char dom[] = "parley-actor-v1\n";
	crypto_generichash_state st;
	uint8_t h[8];

	crypto_generichash_init(&st, n->sign.sk, 32, sizeof(h));
	crypto_generichash_update(&st, (const uint8_t *)dom, sizeof(dom) - 1);
	crypto_generichash_update(&st, (const uint8_t *)who, strlen(who));
	crypto_generichash_final(&st, h, sizeof(h));
	memcpy(out, "p-", 2);
	px_hex_encode(out + 2, h, sizeof(h));
}

/* Signs who acts into *body (docs/protocol.md, "The acting person"), as
 * the node's publish_actor says: a copy held in *copy (the caller's to
 * release; *body may already be it). */
static int
with_actor(struct px_node *n, json_t **copy, json_t **body)
{
	int pub = px_node_publish_actor(&n->conf);
	char ps[19];
	json_t *a;

	if (pub <= PX_PUB_NONE)
		return 0;
	a = json_pack("{ss}", "role", n->actor_role);
	if (pub == PX_PUB_NAME)
		json_object_set_new(a, "person", json_string(n->actor));
	else if (pub == PX_PUB_PSEUDONYM) {
		pseudonym(ps, n, n->actor);
		json_object_set_new(a, "pseudonym", json_string(ps));
	}
	if (*copy == NULL) {
		*copy = *body ? json_copy(*body) : json_object();
		*body = *copy;
	}
	json_object_set_new(*body, "actor", a);
	return 0;
}

int
px_node_send(struct px_node *n, const char *peer, const char *case_ref,
    enum px_msg_type type, json_t *body, struct px_msg **out)
{
	return px_node_send_state(n, peer, case_ref, type, body, out, NULL);
}

int
px_node_send_state(struct px_node *n, const char *peer, const char *case_ref,
    enum px_msg_type type, json_t *body, struct px_msg **out,
    enum px_state *state)
{
	struct px_case c;
	struct px_peer *p = NULL;
	struct px_msg *m = NULL;
	struct px_msg_fields f = { .type = type, .from = n->name };
	json_t *opening = NULL;
	char prev[PX_HASH_HEX];
	int64_t now = px_time_now_ms(), tip;
	int rc;

	px_case_init(&c);
	/* We never sign a text that can display in another order than its
	 * bytes (U+202E and friends).  A peer's are kept as signed, and
	 * shown with the controls written out (model/case.h, view.c). */
	{
		char where[128] = "";
		uint32_t cp = body ? find_bidi(body, where, sizeof(where)) : 0;

		if (cp)
			return px_error_set(PX_EINVAL,
			    "%s contains U+%04X %s, a bidirectional control "
			    "that makes text display in another order than it "
			    "is signed; remove it",
			    where, cp, px_bidi_name(cp));
	}
	/* The case is read inside the write transaction, so a message
	 * imported meanwhile (by a serving process) is seen before we sign
	 * against it. */
	if ((rc = PX_STORE_CALL0(n->store, begin)) < 0)
		goto out;
	if (case_ref) {
		if ((rc = px_node_case_load(&c, n, case_ref, &p)) < 0)
			goto rollback;
		f.case_id = c.id;
		f.to = p->row.name;
		/* Date a reply after everything it answers, so replay
		 * order (time, sender, seq) is causal on both sides even
		 * when the two clocks disagree (peers' times are bounded on
		 * import, so this stays near our clock). */
		for (size_t i = 0; i < c.n; i++)
			if (c.msgs[i]->time_ms >= now)
				now = c.msgs[i]->time_ms + 1;
		if ((rc = px_case_allows(&c, type, n->name)) < 0)
			goto rollback;
	} else {
		if ((rc = px_peer_load(&p, n, peer)) < 0)
			goto rollback;
		f.to = p->row.name;
	}
	if ((rc = PX_STORE_CALL(n->store, msg_tip, n->name, f.to, &tip, prev)) <
	    0)
		goto rollback;
	/* The channel's rule (docs/protocol.md, "Dating"): the receiver
	 * refuses a message dated before our previous one to it, and every
	 * later message waits behind a refused one.  So a clock that stepped
	 * back (NTP, a restored VM) dates this one at our previous message's
	 * time.  The tip is read inside the write transaction, so the CLI,
	 * the API writer and the scheduler, in one process or several,
	 * never sign against a stale tip. */
	if (tip > 0) {
		struct px_msg_row last = { 0 };

		if ((rc = PX_STORE_CALL(
		         n->store, msg_at, n->name, f.to, tip, &last)) < 0)
			goto rollback;
		if (last.time_ms > now)
			now = last.time_ms;
		px_msg_row_dispose(&last);
	}
	f.seq = tip + 1;
	f.prev = prev;
	f.time_ms = now;
	if (case_ref == NULL) {
		/* Read inside the transaction, like the case: the version
		 * an acceptance imported meanwhile put in force. */
		opening = with_agreement(body, p);
		body = opening;
	} else if (c.exercise_id && !json_object_get(body, "exercise")) {
		/* Every message of an exercise's case says so
		 * (docs/exercises.md): none can be quoted as a real one. */
		opening = json_copy(body);
		json_object_set_new(opening, "exercise",
		    json_pack("{ss}", "id", c.exercise_id));
		body = opening;
	}
	if (n->actor && (rc = with_actor(n, &opening, &body)) < 0)
		goto rollback;
	/* The choke point: a message goes only where the case's marking
	 * lets it (the case rules already keep it between the parties). */
	if ((rc = px_msg_new(&m, &f, body, &n->sign)) < 0 ||
	    (rc = px_case_apply(&c, m)) < 0 ||
	    (rc = px_node_release(&c, p, PX_OUT_PEER, PX_AUD_PARTY, f.to)) <
	        0 ||
	    (rc = px_node_store_msg(n, m, &c, -1, p)) < 0 ||
	    (n->actor &&
	        (rc = PX_STORE_CALL(n->store, msg_actor_put, m->hash, n->actor,
	             n->actor_role)) < 0) ||
	    (!n->batch && (rc = px_log_checkpoint(n, now)) < 0) ||
	    (rc = PX_STORE_CALL0(n->store, commit)) < 0)
		goto rollback;
	if (state)
		*state = c.state;
	if (out) {
		*out = m;
		m = NULL;
	}
	goto out;
rollback:
	PX_STORE_CALL0(n->store, rollback);
out:
	json_decref(opening);
	px_msg_free(m);
	px_peer_free(p);
	px_case_dispose(&c);
	return rc;
}

int
px_node_batch_begin(struct px_node *n)
{
	int rc = PX_STORE_CALL0(n->store, begin);

	if (rc == 0)
		n->batch++;
	return rc;
}

int
px_node_batch_end(struct px_node *n, bool commit)
{
	int rc = 0;

	n->batch--;
	if (commit && (rc = px_log_checkpoint(n, px_time_now_ms())) == 0 &&
	    (rc = PX_STORE_CALL0(n->store, commit)) == 0)
		return 0;
	PX_STORE_CALL0(n->store, rollback);
	return rc;
}

int
px_node_batch_commit_if_grown(struct px_node *n, int64_t size0)
{
	int64_t size;
	int rc;

	if ((rc = px_log_size(n, &size)) == 0 && size != size0)
		return px_node_batch_end(n, true);
	n->batch--;
	if (rc == 0 && (rc = PX_STORE_CALL0(n->store, commit)) == 0)
		return 0;
	PX_STORE_CALL0(n->store, rollback);
	return rc;
}
