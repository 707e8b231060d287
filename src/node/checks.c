/*
 * Communication checks and the contact directory (docs/deadlines.md).
 */
#include <sodium.h>

#include "node/actions.h"
#include "node/internal.h"
#include "node/sched.h"
#include "notify/notify.h"
#include "util/util.h"

/* Crockford's base32 alphabet: no I, L, O or U to misread. */
static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void
new_token(char out[16])
{
	uint8_t r[12];
	int k = 0;

	randombytes_buf(r, sizeof(r));
	for (int i = 0; i < 12; i++) {
		if (i && i % 4 == 0)
			out[k++] = '-';
		out[k++] = b32[r[i] & 31];
	}
	out[k] = '\0';
	sodium_memzero(r, sizeof(r));
}

int
px_check_send(struct px_node *n, const char *peer, const char *contact,
    int64_t within_ms, struct px_check_sent *out)
{
	return px_check_send_in(
	    n, peer, contact, within_ms, NULL, NULL, NULL, out);
}

int
px_check_send_in(struct px_node *n, const char *peer, const char *contact,
    int64_t within_ms, const json_t *exercise, const char *title,
    json_t *text_in, struct px_check_sent *out)
{
	struct px_peer *p = NULL;
	struct px_msg *m = NULL;
	const json_t *ct;
	const char *email;
	char hash[65], due[PX_TIME_STRLEN], ref[9];
	json_t *body = NULL, *ev = NULL;
	struct px_buf subj, text;
	int64_t now = px_time_now_ms();
	size_t k = 0;
	int rc;

	px_buf_init(&subj, PX_BUF_NOCAP);
	px_buf_init(&text, PX_BUF_NOCAP);
	memset(out, 0, sizeof(*out));
	if ((rc = px_peer_load(&p, n, peer)) < 0)
		goto out;
	if ((ct = px_contact_find(p->card.contacts, contact)) == NULL) {
		rc = px_error_set(PX_ENOTFOUND,
		    "%s's card lists no contact '%s' (parley contacts --peer "
		    "%s shows them)",
		    p->row.name, contact, p->row.name);
		goto out;
	}
	email = json_string_value(json_object_get(ct, "email"));
	if (email == NULL || *email == '\0') {
		rc = px_error_set(PX_EINVAL,
		    "contact '%s' of %s lists no e-mail: the token must reach "
		    "the person directly, not through %s's node",
		    contact, p->row.name, p->row.name);
		goto out;
	}
	if (within_ms <= 0)
		within_ms = p->agreement.check_within;
	new_token(out->token);
	px_check_token_hash(hash, out->token);
	out->due_ms = now + within_ms;
	px_time_format(due, out->due_ms);
	body = json_pack("{s{ssssssssss+}s{ssssss}s{ssss}}", "case", "kind",
	    "check", "category", "other", "priority", "P2", "tlp", "green",
	    "title", "Communication check: ", contact, "check", "contact",
	    contact, "token_sha256", hash, "due", due, "text", "lang", "en",
	    "value",
	    "Communication check. The person checked received a token by "
	    "e-mail and answers with it.");
	if (body == NULL) {
		rc = px_error_set(PX_ERR, "could not build the check message");
		goto out;
	}
	if (title)
		json_object_set_new(
		    json_object_get(body, "case"), "title", json_string(title));
	if (text_in)
		json_object_set(body, "text", text_in);
	if (exercise)
		json_object_set(body, "exercise", (json_t *)exercise);
	if ((rc = PX_STORE_CALL0(n->store, begin)) < 0)
		goto out;
	if ((rc = px_node_send(n, p->row.name, NULL, PX_MSG_CHECK, body, &m)) <
	    0)
		goto rollback;
	memcpy(out->case_id, m->case_id, sizeof(out->case_id));
	px_case_ref(ref, m->case_id);
	px_buf_putf(
	    &subj, "[parley] Communication check from %s / 联络核查", n->name);
	px_buf_putf(&text,
	    "%s is checking that its partners can reach you in person.\n\n"
	    "Your token: %s\n\n"
	    "Answer before %s by entering the token on your own parley "
	    "node:\n"
	    "    parley check reply %s --token %s --by %s\n"
	    "or in the web console (Contacts and checks).  A reply without "
	    "the token does not count.\n\n"
	    "%s 正在核查能否直接联系到您。您的核查码：%s\n"
	    "请在 %s 之前在本方 parley 节点输入：parley check reply %s "
	    "--token %s --by %s\n",
	    n->name, out->token, due, ref, out->token, contact, n->name,
	    out->token, due, ref, out->token, contact);
	ev = json_pack("{ssssss}", "event", "parley.check", "case", m->case_id,
	    "contact", contact);
	{
		/* E-mail only: the peer's webhook secret is not ours. */
		struct px_notify_item it = { .case_id = m->case_id,
			.msg_hash = m->hash,
			.contact = contact,
			.card = ct,
			.channels = PX_NOTIFY_EMAIL,
			.event = "parley.check",
			.subject = subj.data,
			.text = text.data,
			.data = ev,
			.now = now };

		rc = px_notify_enqueue_ids(n, &it, NULL, &k);
	}
	if (rc < 0 || (rc = PX_STORE_CALL0(n->store, commit)) < 0)
		goto rollback;
	goto out;
rollback:
	PX_STORE_CALL0(n->store, rollback);
out:
	json_decref(body);
	json_decref(ev);
	px_buf_dispose(&subj);
	px_buf_dispose(&text);
	px_msg_free(m);
	px_peer_free(p);
	return rc;
}

int
px_check_reply(struct px_node *n, const char *ref, const char *token,
    const char *by, const char *text, struct px_msg **out)
{
	struct px_case c;
	json_t *body = NULL;
	char h[65];
	int rc;

	if ((rc = px_node_case_load(&c, n, ref, NULL)) < 0)
		return rc;
	if (c.kind != PX_KIND_CHECK) {
		rc = px_error_set(PX_EINVAL,
		    "case %s is a %s, not a communication check", ref,
		    px_kind_names[c.kind].wire);
		goto out;
	}
	if (strcmp(c.responder, n->name) != 0) {
		rc = px_error_set(PX_EINVAL,
		    "check %s was sent by this node; %s answers it", ref,
		    c.responder);
		goto out;
	}
	body = json_object();
	if (token) {
		char norm[80];

		px_check_token_normal(norm, sizeof(norm), token);
		px_check_token_hash(h, token);
		if (c.check_hash == NULL || strcmp(h, c.check_hash) != 0) {
			rc = px_error_set(PX_EINVAL,
			    "that is not the token of check %s: look again "
			    "at the e-mail sent to '%s' (tokens look like "
			    "K7QF-2M9X-HC4T)",
			    ref, c.check_contact ? c.check_contact : "?");
			goto out;
		}
		json_object_set_new(body, "token", json_string(norm));
	}
	if (by) {
		if ((rc = px_check_contact_id(by, "--by")) < 0)
			goto out;
		json_object_set_new(body, "by", json_string(by));
	}
	if (text)
		json_object_set_new(body, "text",
		    px_text_new(text, px_node_lang(n), NULL, NULL, NULL));
	rc = px_node_send(n, NULL, c.id, PX_MSG_CHECK_REPLY, body, out);
out:
	json_decref(body);
	px_case_dispose(&c);
	return rc;
}

/* Per contact: checks sent and answered, and the last answer. */
struct tally {
	struct px_node *n;
	const char *party;  /* whose contacts: the checked side */
	json_t *by_contact; /* id -> {"sent", "answered", "last"} */
	int rc;
};

static int
tally_case(const struct px_case_row *r, void *arg)
{
	struct tally *t = arg;
	struct px_case c;
	json_t *o;
	const char *who;

	if (strcmp(r->kind, "check") != 0 || strcmp(r->responder, t->party))
		return 0;
	if ((t->rc = px_node_case_load(&c, t->n, r->id, NULL)) < 0)
		return t->rc;
	who = c.check_contact ? c.check_contact : "?";
	if ((o = json_object_get(t->by_contact, who)) == NULL) {
		o = json_pack("{sisisI}", "sent", 0, "answered", 0, "last",
		    (json_int_t)-1);
		json_object_set_new(t->by_contact, who, o);
	}
	json_object_set_new(o, "sent",
	    json_integer(json_integer_value(json_object_get(o, "sent")) + 1));
	if (c.stop[PX_CLK_ACK] >= 0) {
		json_object_set_new(o, "answered",
		    json_integer(
		        json_integer_value(json_object_get(o, "answered")) +
		        1));
		if (c.stop[PX_CLK_ACK] >
		    json_integer_value(json_object_get(o, "last")))
			json_object_set_new(
			    o, "last", json_integer(c.stop[PX_CLK_ACK]));
	}
	px_case_dispose(&c);
	return 0;
}

/* One party's directory entry. */
static int
party_entry(json_t **out, struct px_node *n, const char *party, bool self,
    const json_t *contacts, const json_t *roster, const struct px_tz *tz,
    int64_t verify_within, const char *peer_filter, int64_t version,
    int64_t now)
{
	struct tally t = {
		.n = n, .party = party, .by_contact = json_object()
	};
	struct px_case_filter f = { .peer = peer_filter };
	const char *oncall = px_roster_on_call(roster, tz, now);
	json_t *list = json_array(), *ct;
	size_t i;
	int rc;

	if ((rc = PX_STORE_CALL(n->store, case_list, &f, tally_case, &t)) < 0)
		goto out;
	json_array_foreach(contacts, i, ct)
	{
		json_t *o = json_deep_copy(ct);
		const char *id = json_string_value(json_object_get(ct, "id"));
		json_t *tl = id ? json_object_get(t.by_contact, id) : NULL;
		int64_t last =
		    tl ? json_integer_value(json_object_get(tl, "last")) : -1;
		char ts[PX_TIME_STRLEN];

		json_object_set_new(o, "checks_sent",
		    json_integer(tl
		            ? json_integer_value(json_object_get(tl, "sent"))
		            : 0));
		json_object_set_new(o, "checks_answered",
		    json_integer(
		        tl ? json_integer_value(json_object_get(tl, "answered"))
		           : 0));
		if (last >= 0) {
			px_time_format(ts, last);
			json_object_set_new(
			    o, "last_verified", json_string(ts));
		} else {
			json_object_set_new(o, "last_verified", json_null());
		}
		json_object_set_new(o, "stale",
		    json_boolean(last < 0 || now - last > verify_within));
		json_object_set_new(o, "on_call",
		    json_boolean(oncall && id && strcmp(oncall, id) == 0));
		json_array_append_new(list, o);
	}
	*out = json_pack("{sssbsosOsssI}", "party", party, "self", self,
	    "contacts", list, "roster", roster, "on_call", oncall ? oncall : "",
	    "card_version", (json_int_t)version);
	list = NULL;
out:
	json_decref(list);
	json_decref(t.by_contact);
	return rc < 0 ? rc : t.rc;
}

struct dir_ctx {
	struct px_node *n;
	const char *only;
	json_t *out;
	int64_t now, min_verify;
	int rc;
};

static int
add_peer_entry(const struct px_peer_row *r, void *arg)
{
	struct dir_ctx *d = arg;
	struct px_peer *p = NULL;
	json_t *e = NULL;

	if (d->only && strcmp(d->only, r->name) != 0)
		return 0;
	if ((d->rc = px_peer_load(&p, d->n, r->name)) < 0)
		return d->rc;
	if (p->agreement.verify_within < d->min_verify)
		d->min_verify = p->agreement.verify_within;
	d->rc = party_entry(&e, d->n, p->row.name, false, p->card.contacts,
	    json_object_get(p->card.c, "roster"), p->tz,
	    p->agreement.verify_within, p->row.name, p->card.version, d->now);
	if (d->rc == 0)
		json_array_append_new(d->out, e);
	px_peer_free(p);
	return d->rc;
}

int
px_node_contacts(json_t **out, struct px_node *n, const char *peer, int64_t now)
{
	struct dir_ctx d = { .n = n,
		.only = peer,
		.out = json_array(),
		.now = now,
		.min_verify = INT64_MAX };
	json_t *contacts = NULL, *roster = NULL, *env = NULL, *self = NULL;
	int rc;

	if (peer) {
		struct px_peer *p = NULL;

		if ((rc = px_peer_load(&p, n, peer)) < 0)
			goto out;
		px_peer_free(p);
	}
	if ((rc = PX_STORE_CALL(n->store, peer_list, add_peer_entry, &d)) < 0 ||
	    (rc = d.rc) < 0)
		goto out;
	if (peer == NULL) {
		if ((rc = px_node_directory(n, &contacts, &roster)) < 0 ||
		    (rc = px_node_card(&env, n)) < 0)
			goto out;
		/* Our own contacts are verified by the checks peers send
		 * us; stale by the strictest agreement. */
		if ((rc = party_entry(&self, n, n->name, true, contacts, roster,
		         n->tz,
		         d.min_verify == INT64_MAX ? 90 * 86400000LL
		                                   : d.min_verify,
		         NULL,
		         json_integer_value(json_object_get(
		             json_object_get(env, "card"), "version")),
		         now)) < 0)
			goto out;
		json_array_insert_new(d.out, 0, self);
	}
	*out = d.out;
	d.out = NULL;
out:
	json_decref(d.out);
	json_decref(contacts);
	json_decref(roster);
	json_decref(env);
	return rc;
}

/* When the next scheduled check to `contact` falls due: in the last
 * quarter of the period after the previous one, at a moment only this
 * node can predict (keyed by its signing key). */
static int64_t
next_check_at(const struct px_node *n, const char *peer, const char *contact,
    int64_t base, int64_t every)
{
	uint8_t h[crypto_generichash_BYTES];
	crypto_generichash_state s;
	uint64_t r = 0;
	int64_t q = every / 4;

	crypto_generichash_init(&s, n->sign.sk, 32, sizeof(h));
	crypto_generichash_update(&s, (const uint8_t *)peer, strlen(peer) + 1);
	crypto_generichash_update(
	    &s, (const uint8_t *)contact, strlen(contact) + 1);
	crypto_generichash_update(&s, (const uint8_t *)&base, sizeof(base));
	crypto_generichash_final(&s, h, sizeof(h));
	memcpy(&r, h, sizeof(r));
	return base + every - q + (q > 0 ? (int64_t)(r % (uint64_t)q) : 0);
}

struct checks_ctx {
	struct px_node *n;
	int64_t now;
	struct px_sched_stats *st;
	int rc;
};

static int
checks_for_peer(const struct px_peer_row *r, void *arg)
{
	struct checks_ctx *x = arg;
	struct px_peer *p = NULL;
	const json_t *ct;
	size_t i;

	if ((x->rc = px_peer_load(&p, x->n, r->name)) < 0)
		return 0; /* a peer that fails to load is reported elsewhere */
	if (p->agreement.check_every <= 0)
		goto out;
	json_array_foreach(p->card.contacts, i, ct)
	{
		const char *id = json_string_value(json_object_get(ct, "id"));
		const char *em =
		    json_string_value(json_object_get(ct, "email"));
		int64_t last = -1;
		struct px_check_sent sent;

		if (!id || !em || !*em ||
		    PX_STORE_CALL(x->n->store, case_last_check, x->n->name,
		        p->row.name, id, &last) < 0)
			continue;
		if (x->now < next_check_at(x->n, p->row.name, id,
		                 last >= 0 ? last : p->row.added_ms,
		                 p->agreement.check_every))
			continue;
		if (px_check_send(x->n, p->row.name, id, 0, &sent) < 0) {
			fprintf(stderr,
			    "parley: scheduled check of %s/%s: %s\n",
			    p->row.name, id, px_error_last());
			x->st->errors++;
			continue;
		}
		x->st->checks++;
	}
out:
	px_peer_free(p);
	return 0;
}

int
px_sched_checks(struct px_node *n, int64_t now, struct px_sched_stats *st)
{
	struct checks_ctx x = { .n = n, .now = now, .st = st };

	return PX_STORE_CALL(n->store, peer_list, checks_for_peer, &x);
}
