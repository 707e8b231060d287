/*
 * Enrolling and loading peers.  Pinning is deliberate: the first card of a
 * peer is trusted because an operator verified its key fingerprint out of
 * band; after that only cards signed with the same key and a higher
 * version replace it, so a stolen card file cannot re-key a peer.
 */
#include "model/canon.h"
#include "node/node.h"
#include "util/util.h"

static int
load_peer_calendar(struct px_peer *p, struct px_node *n)
{
	const json_t *h = p->card.hours;
	const json_t *hol = json_object_get(h, "holidays");
	struct px_buf b;
	size_t i;
	const json_t *v;
	int rc;

	if ((rc = px_node_tz(&p->tz, n, p->card.timezone)) < 0) {
		px_error_prefix("peer %s card", p->card.name);
		return rc;
	}
	px_calendar_init(&p->cal, p->tz);
	if (h == NULL)
		return 0;
	px_buf_init(&b, PX_BUF_NOCAP);
	json_array_foreach(hol, i, v)
	    px_buf_putf(&b, "%s%s", i ? "," : "", json_string_value(v));
	rc = 0;
	if (json_object_get(h, "days"))
		rc = px_calendar_set_workdays(
		    &p->cal, json_string_value(json_object_get(h, "days")));
	if (rc == 0 && json_object_get(h, "time"))
		rc = px_calendar_set_hours(
		    &p->cal, json_string_value(json_object_get(h, "time")));
	if (rc == 0 && b.len)
		rc = px_calendar_set_holidays(&p->cal, b.data);
	px_buf_dispose(&b);
	if (rc < 0)
		px_error_prefix("peer %s card hours", p->card.name);
	return rc;
}

struct fp_owner {
	const char *fp, *except;
	char *owner;
};

static int
find_fp(const struct px_peer_row *p, void *arg)
{
	struct fp_owner *f = arg;

	if (strcmp(p->tls_fp, f->fp) == 0 && strcmp(p->name, f->except) != 0) {
		f->owner = px_strdup(p->name);
		return 1;
	}
	return 0;
}

int
px_peer_add(struct px_node *n, const char *text, size_t len, const char *what,
    bool replace, enum px_peer_added *how, char fp[45], char **name_out)
{
	struct px_card card = { 0 };
	struct px_peer_row row = { 0 }, old = { 0 };
	struct px_peer probe = { 0 };
	char *canon = NULL, *key = NULL;
	int rc, have;

	if ((rc = px_card_parse(&card, text, len, what)) < 0)
		return rc;
	if (strcmp(card.name, n->name) == 0) {
		rc = px_error_set(PX_EINVAL,
		    "%s is this node's own card (%s); add the peer's card",
		    what, n->name);
		goto out;
	}
	/* Refuse a card whose hours or zone we could not use later. */
	probe.card = card;
	rc = load_peer_calendar(&probe, n);
	px_calendar_dispose(&probe.cal);
	if (rc < 0)
		goto out;
	/* A TLS identity names one party: the peer protocol finds the peer
	 * by it. */
	if (strcmp(card.tls, n->tls_fp) == 0) {
		rc = px_error_set(PX_ECONFLICT,
		    "%s: the card claims this node's own TLS certificate",
		    what);
		goto out;
	}
	{
		struct fp_owner fo = { .fp = card.tls, .except = card.name };

		if ((rc = PX_STORE_CALL(n->store, peer_list, find_fp, &fo)) <
		        0 &&
		    rc != 1)
			goto out;
		if (fo.owner) {
			rc = px_error_set(PX_ECONFLICT,
			    "%s: its TLS certificate %s is already pinned for "
			    "%s; one certificate names one party",
			    what, card.tls, fo.owner);
			free(fo.owner);
			goto out;
		}
		rc = 0;
	}
	key = px_b64_encode(card.sign_pk, PX_PUBKEY_LEN);
	canon = px_canon_string(card.env);
	px_key_fingerprint(fp, card.sign_pk);
	have = PX_STORE_CALL(n->store, peer_get, card.name, &old);
	if (have < 0 && have != PX_ENOTFOUND) {
		rc = have;
		goto out;
	}
	row.name = (char *)card.name;
	row.card = canon;
	row.sign_key = key;
	row.tls_fp = (char *)card.tls;
	row.card_version = card.version;
	row.updated_ms = px_time_now_ms();
	if (have == 0) {
		bool same_key = strcmp(old.sign_key, key) == 0;

		if (strcmp(old.card, canon) == 0) {
			*how = PX_PEER_SAME;
			goto done;
		}
		if (!same_key && !replace) {
			rc = px_error_set(PX_ECONFLICT,
			    "%s: peer %s is pinned with another signing key; "
			    "if the peer really re-keyed (check the new "
			    "fingerprint %s with them by phone), run again "
			    "with --replace",
			    what, card.name, fp);
			goto out;
		}
		if (same_key && card.version <= old.card_version) {
			rc = px_error_set(PX_ECONFLICT,
			    "%s: card version %lld for %s is not newer than "
			    "the pinned version %lld",
			    what, (long long)card.version, card.name,
			    (long long)old.card_version);
			goto out;
		}
		row.agreement = old.agreement;
		row.added_ms = old.added_ms;
		*how = PX_PEER_UPDATED;
	} else {
		struct px_agreement a;
		json_t *j;

		px_agreement_default(&a);
		j = px_agreement_to_json(&a);
		row.agreement = px_canon_string(j);
		json_decref(j);
		row.added_ms = row.updated_ms;
		*how = PX_PEER_NEW;
	}
	rc = PX_STORE_CALL(n->store, peer_put, &row);
	if (have != 0)
		free(row.agreement);
done:
	if (rc == 0 && name_out)
		*name_out = px_strdup(card.name);
out:
	px_peer_row_dispose(&old);
	px_card_dispose(&card);
	free(canon);
	free(key);
	return rc;
}

int
px_peer_load(struct px_peer **out, struct px_node *n, const char *name)
{
	struct px_peer *p = px_calloc(1, sizeof(*p));
	json_t *aj = NULL;
	char what[300];
	int rc;

	snprintf(what, sizeof(what), "pinned card of %s", name);
	if ((rc = PX_STORE_CALL(n->store, peer_get, name, &p->row)) < 0)
		goto fail;
	if ((rc = px_card_parse_pinned(
	         &p->card, p->row.card, strlen(p->row.card), what)) < 0)
		goto fail;
	if ((rc = px_json_parse(&aj, p->row.agreement, strlen(p->row.agreement),
	         65536, "agreement")) < 0 ||
	    (rc = px_agreement_from_json(&p->agreement, aj)) < 0)
		goto fail;
	if ((rc = load_peer_calendar(p, n)) < 0)
		goto fail;
	json_decref(aj);
	*out = p;
	return 0;
fail:
	json_decref(aj);
	px_peer_free(p);
	return rc;
}

void
px_peer_free(struct px_peer *p)
{
	if (p == NULL)
		return;
	px_peer_row_dispose(&p->row);
	px_card_dispose(&p->card);
	px_calendar_dispose(&p->cal);
	free(p);
}

int
px_peer_set_agreement(
    struct px_node *n, const char *name, const char *const *kv, size_t nkv)
{
	struct px_peer *p = NULL;
	json_t *j = NULL;
	char *s = NULL;
	int rc;

	if ((rc = px_peer_load(&p, n, name)) < 0)
		return rc;
	for (size_t i = 0; i < nkv; i++)
		if ((rc = px_agreement_set(&p->agreement, kv[i])) < 0)
			goto out;
	j = px_agreement_to_json(&p->agreement);
	s = px_canon_string(j);
	free(p->row.agreement);
	p->row.agreement = s;
	p->row.updated_ms = px_time_now_ms();
	rc = PX_STORE_CALL(n->store, peer_put, &p->row);
out:
	json_decref(j);
	px_peer_free(p);
	return rc;
}
