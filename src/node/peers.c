/*
 * Enrolling and loading peers.  Pinning is deliberate: the first card of a
 * peer is trusted because an operator verified its key fingerprint out of
 * band; after that only cards signed with the same key and a higher
 * version replace it, so a stolen card file cannot re-key a peer.
 */
#include <pthread.h>

#include "model/canon.h"
#include "node/node.h"
#include "util/util.h"

/* Pinned cards as parsed, keyed by their stored text.  Every message sent
 * or received loads its peer, and parsing the card again (JSON, shape,
 * canonical hash) was a tenth of a sending node's CPU per message under
 * load.  A hit shares the parsed envelope: jansson's reference counts are
 * atomic and nothing writes to a card's JSON once parsed.  A card that
 * changes has new text, so a stale entry is never found, only evicted. */
#define CARD_CACHE 8
static struct {
	char *text;
	struct px_card card;
} card_cache[CARD_CACHE];
static size_t card_cache_next;
static pthread_mutex_t card_cache_mu = PTHREAD_MUTEX_INITIALIZER;

/* px_card_parse_pinned through the cache; *out is the caller's to dispose
 * as usual. */
static int
card_pinned(struct px_card *out, const char *text, const char *what)
{
	size_t i;
	int rc;

	pthread_mutex_lock(&card_cache_mu);
	for (i = 0; i < CARD_CACHE; i++)
		if (card_cache[i].text &&
		    strcmp(card_cache[i].text, text) == 0) {
			*out = card_cache[i].card;
			json_incref(out->env);
			pthread_mutex_unlock(&card_cache_mu);
			return 0;
		}
	pthread_mutex_unlock(&card_cache_mu);
	if ((rc = px_card_parse_pinned(out, text, strlen(text), what)) < 0)
		return rc;
	pthread_mutex_lock(&card_cache_mu);
	i = card_cache_next++ % CARD_CACHE;
	free(card_cache[i].text);
	px_card_dispose(&card_cache[i].card);
	card_cache[i].text = px_strdup(text);
	card_cache[i].card = *out;
	json_incref(out->env);
	pthread_mutex_unlock(&card_cache_mu);
	return 0;
}

int
px_node_card_calendar(struct px_node *n, const struct px_card *card,
    struct px_calendar *cal, const struct px_tz **tz)
{
	const json_t *h = card->hours;
	const json_t *hol = json_object_get(h, "holidays");
	struct px_buf b;
	size_t i;
	const json_t *v;
	int rc;

	if ((rc = px_node_tz(tz, n, card->timezone)) < 0) {
		px_error_prefix("the card of %s", card->name);
		return rc;
	}
	px_calendar_init(cal, *tz);
	if (h == NULL)
		return 0;
	px_buf_init(&b, PX_BUF_NOCAP);
	json_array_foreach(hol, i, v)
	    px_buf_putf(&b, "%s%s", i ? "," : "", json_string_value(v));
	rc = 0;
	if (json_object_get(h, "days"))
		rc = px_calendar_set_workdays(
		    cal, json_string_value(json_object_get(h, "days")));
	if (rc == 0 && json_object_get(h, "time"))
		rc = px_calendar_set_hours(
		    cal, json_string_value(json_object_get(h, "time")));
	if (rc == 0 && b.len)
		rc = px_calendar_set_holidays(cal, b.data);
	px_buf_dispose(&b);
	if (rc < 0)
		px_error_prefix("the card of %s: hours", card->name);
	return rc;
}

static int
load_peer_calendar(struct px_peer *p, struct px_node *n)
{
	return px_node_card_calendar(n, &p->card, &p->cal, &p->tz);
}

/* The settings of a newly pinned peer. */
static const char default_settings[] = "{\"default_tlp\":\"amber\"}";

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
		row.settings = old.settings;
		row.added_ms = old.added_ms;
		*how = PX_PEER_UPDATED;
	} else {
		row.settings = (char *)default_settings;
		row.added_ms = row.updated_ms;
		*how = PX_PEER_NEW;
	}
	rc = PX_STORE_CALL(n->store, peer_put, &row);
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

/* This node's own settings for the peer: {"default_tlp": T}. */
static int
read_settings(struct px_peer *p, const char *text)
{
	static const char *const mem[] = { "default_tlp", NULL };
	json_t *j = NULL;
	int tlp = PX_TLP_AMBER, rc;

	if ((rc = px_json_parse(
	         &j, text, strlen(text), 65536, "peer settings")) < 0 ||
	    (rc = px_j_only(j, mem, "peer settings")) < 0)
		goto out;
	if (json_object_get(j, "default_tlp") &&
	    (rc = px_j_enum(&tlp, j, "default_tlp", px_tlp_names, PX_TLP__N,
	         "peer settings")) < 0)
		goto out;
	p->default_tlp = (enum px_tlp)tlp;
out:
	json_decref(j);
	return rc;
}

static int
add_proposal(const struct px_agreement_row *r, void *arg)
{
	struct px_accord *a = arg;
	struct px_proposal pr = {
		.proposer = px_strdup(r->proposer),
		.receiver = px_strdup(r->receiver),
		.version = r->version,
		.proposed_ms = r->proposed_ms,
		.answered_ms = r->answered_ms,
		.answer_hash =
		    r->answer_hash ? px_strdup(r->answer_hash) : NULL,
		.reason = r->reason ? px_strdup(r->reason) : NULL,
		.terms_text = px_strdup(r->terms),
	};
	int st;

	snprintf(pr.case_id, sizeof(pr.case_id), "%s", r->case_id);
	snprintf(pr.hash, sizeof(pr.hash), "%s", r->hash);
	for (st = 0; st < PX_PROP__N; st++)
		if (strcmp(r->state, px_prop_state_names[st]) == 0)
			break;
	pr.state = st < PX_PROP__N ? (enum px_prop_state)st : PX_PROP_PENDING;
	px_accord_add(a, &pr);
	return 0;
}

int
px_peer_load(struct px_peer **out, struct px_node *n, const char *name)
{
	struct px_peer *p = px_calloc(1, sizeof(*p));
	char what[300];
	int rc;

	px_accord_init(&p->accord);
	snprintf(what, sizeof(what), "pinned card of %s", name);
	if ((rc = PX_STORE_CALL(n->store, peer_get, name, &p->row)) < 0)
		goto fail;
	if ((rc = card_pinned(&p->card, p->row.card, what)) < 0)
		goto fail;
	if ((rc = read_settings(p, p->row.settings)) < 0)
		goto fail;
	if ((rc = PX_STORE_CALL(n->store, agreement_list, p->row.name,
	         add_proposal, &p->accord)) < 0)
		goto fail;
	{
		int i = px_accord_in_force(&p->accord, INT64_MAX);

		p->version = px_accord_version(&p->accord, i);
		p->agreement = *px_accord_terms(&p->accord, i);
	}
	if ((rc = load_peer_calendar(p, n)) < 0)
		goto fail;
	*out = p;
	return 0;
fail:
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
	px_accord_dispose(&p->accord);
	px_calendar_dispose(&p->cal);
	free(p);
}

int
px_peer_set_local(
    struct px_node *n, const char *name, const char *const *kv, size_t nkv)
{
	struct px_peer *p = NULL;
	json_t *j = NULL;
	int rc;

	if ((rc = px_peer_load(&p, n, name)) < 0)
		return rc;
	for (size_t i = 0; i < nkv; i++) {
		const char *eq = strchr(kv[i], '=');
		int tlp;

		if (eq == NULL || strncmp(kv[i], "default_tlp=", 12) != 0) {
			rc = px_error_set(PX_EINVAL,
			    "'%s' is not a local setting (expected "
			    "default_tlp=MARKING; the deadlines are agreed "
			    "with the peer: --set proposes them)",
			    kv[i]);
			goto out;
		}
		if ((rc = tlp =
		            PX_LOOKUP(px_tlp_names, "TLP marking", eq + 1)) < 0)
			goto out;
		p->default_tlp = (enum px_tlp)tlp;
	}
	j = json_pack("{ss}", "default_tlp", px_tlp_names[p->default_tlp].wire);
	free(p->row.settings);
	p->row.settings = px_canon_string(j);
	p->row.updated_ms = px_time_now_ms();
	rc = PX_STORE_CALL(n->store, peer_put, &p->row);
out:
	json_decref(j);
	px_peer_free(p);
	return rc;
}
