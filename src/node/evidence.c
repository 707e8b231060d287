/*
 * Evidence at a node (node/evidence.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <sodium.h>

#include "model/canon.h"
#include "node/evidence.h"
#include "node/internal.h"
#include "node/log.h"
#include "node/record.h"
#include "util/util.h"

#define DEFAULT_MAX_ITEM (INT64_C(4) << 30)
#define DEFAULT_MIN_FREE (INT64_C(1) << 30)

/* --- policy -------------------------------------------------------- */

static int
conf_size(int64_t *out, const struct px_node *n, const char *key, int64_t def)
{
	const char *v = px_conf_get(&n->conf, "evidence", NULL, key);
	unsigned long long x;

	*out = def;
	if (v == NULL || *v == '\0')
		return 0;
	if (px_size_parse(&x, v) < 0 ||
	    x > (unsigned long long)PX_EV_MAX_SIZE) {
		return px_error_set(PX_EINVAL,
		    "parley.conf [evidence] %s = '%s' is not a size up to "
		    "4T (bytes, or with K, M, G, T)",
		    key, v);
	}
	*out = (int64_t)x;
	return 0;
}

int
px_ev_policy_load(struct px_ev_policy *p, const struct px_node *n)
{
	const char *t = px_conf_get(&n->conf, "evidence", NULL, "media_types");
	const char *q =
	    px_conf_get(&n->conf, "evidence", NULL, "quarantine_types");
	const char *a = px_conf_get(&n->conf, "evidence", NULL, "auto_accept");
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = conf_size(&p->max_item, n, "max_item", DEFAULT_MAX_ITEM)) <
	        0 ||
	    (rc = conf_size(&p->min_free, n, "min_free", DEFAULT_MIN_FREE)) < 0)
		return rc;
	p->types = px_strdup(t && *t ? t : "*");
	p->quarantine = px_strdup(q ? q : "");
	p->auto_accept = a == NULL || *a == '\0' || strcmp(a, "yes") == 0;
	if (a && *a && strcmp(a, "yes") && strcmp(a, "no")) {
		px_ev_policy_dispose(p);
		return px_error_set(PX_EINVAL,
		    "parley.conf [evidence] auto_accept = '%s': yes or no", a);
	}
	return 0;
}

void
px_ev_policy_dispose(struct px_ev_policy *p)
{
	free(p->types);
	free(p->quarantine);
	memset(p, 0, sizeof(*p));
}

int64_t
px_ev_free_space(struct px_node *n)
{
	struct statvfs st;
	char *d = px_asprintf("%s/evidence", n->dir);
	int64_t v = 0;

	if (statvfs(d, &st) == 0 || statvfs(n->dir, &st) == 0)
		v = (int64_t)st.f_bavail * (int64_t)st.f_frsize;
	free(d);
	return v;
}

/* 1 if `type` matches one entry of the comma-separated `list`: "*",
 * "type" followed by "/" and "*", or the exact media type. */
static int
type_listed(const char *list, const char *type)
{
	const char *p = list;

	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char one[128];

		while (len && *p == ' ')
			p++, len--;
		while (len && p[len - 1] == ' ')
			len--;
		if (len < sizeof(one)) {
			memcpy(one, p, len);
			one[len] = '\0';
			if (strcmp(one, "*") == 0 || strcmp(one, type) == 0)
				return 1;
			if (len >= 2 && strcmp(one + len - 2, "/*") == 0 &&
			    strncmp(one, type, len - 1) == 0)
				return 1;
		}
		p = e ? e + 1 : NULL;
	}
	return 0;
}

const char *
px_ev_policy_refusal(const struct px_ev_policy *p, const struct px_manifest *m,
    int64_t avail, char *buf, size_t n)
{
	if (m->size > p->max_item) {
		snprintf(buf, n,
		    "item %s is %lld bytes, over this node's limit of %lld "
		    "bytes per item",
		    m->exhibit, (long long)m->size, (long long)p->max_item);
		return buf;
	}
	if (!type_listed(p->types, m->media_type)) {
		snprintf(buf, n,
		    "media type %s is not one this node accepts (%s)",
		    m->media_type, p->types);
		return buf;
	}
	if (m->size > avail - p->min_free) {
		snprintf(buf, n,
		    "not enough free space: item %s needs %lld bytes, this "
		    "node has %lld free and keeps %lld in reserve",
		    m->exhibit, (long long)m->size, (long long)avail,
		    (long long)p->min_free);
		return buf;
	}
	return NULL;
}

int
px_ev_policy_quarantines(const struct px_ev_policy *p, const char *media_type)
{
	return p->quarantine && *p->quarantine &&
	    type_listed(p->quarantine, media_type);
}

json_t *
px_ev_policy_json(const struct px_ev_policy *p, int64_t avail)
{
	json_t *types = json_array();
	const char *s = p->types;

	while (s && *s) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		char *one;

		while (len && *s == ' ')
			s++, len--;
		while (len && s[len - 1] == ' ')
			len--;
		one = px_strndup(s, len);
		if (*one && json_array_size(types) < 64)
			json_array_append_new(types, json_string(one));
		free(one);
		s = e ? e + 1 : NULL;
	}
	return json_pack("{sI so sI}", "max_size", (json_int_t)p->max_item,
	    "media_types", types, "free", (json_int_t)(avail > 0 ? avail : 0));
}

/* --- views of the record ------------------------------------------- */

static int
our_party(const struct px_node *n, const struct px_case *c)
{
	return px_ev_party(c, n->name);
}

const char *
px_ev_state(const struct px_node *n, const struct px_case *c,
    const struct px_ev_item *it)
{
	int me = our_party(n, c);
	bool offered_by_me = it->offerer && strcmp(it->offerer, n->name) == 0;

	if (me < 0)
		return "not-held";
	if (it->round == PX_EVR_OFFERED)
		return offered_by_me ? "offering" : "to-decide";
	if (it->round == PX_EVR_ACCEPTED)
		return offered_by_me ? (it->transferred ? "sent" : "sending")
		                     : "receiving";
	if (it->holds[me]) {
		if (it->sealed[me])
			return "sealed";
		if (it->round == PX_EVR_DONE && !offered_by_me)
			return it->status == PX_EVS_QUARANTINED ? "quarantined"
			                                        : "received";
		return "held";
	}
	if (it->destroyed[me])
		return "destroyed";
	if (it->round == PX_EVR_DECLINED && !offered_by_me)
		return "declined";
	if (it->round == PX_EVR_DONE && !offered_by_me && it->status >= 0)
		return px_ev_status_names[it->status].wire;
	return "not-held";
}

int
px_ev_index_case(struct px_node *n, const struct px_case *c, int64_t now)
{
	const char *peer =
	    strcmp(c->requester, n->name) == 0 ? c->responder : c->requester;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < c->nev; i++) {
		const struct px_ev_item *it = &c->ev[i];
		struct px_evidence_row r = {
			.case_id = (char *)c->id,
			.item = (char *)it->man.item,
			.peer = (char *)peer,
			.root = (char *)it->man.root,
			.exhibit = (char *)it->man.exhibit,
			.media_type = (char *)it->man.media_type,
			.size = it->man.size,
			.state = (char *)px_ev_state(n, c, it),
			.updated_ms = now,
		};

		rc = PX_STORE_CALL(n->store, evidence_put, &r);
	}
	return rc;
}

json_t *
px_ev_row_json(const struct px_evidence_row *r)
{
	return json_pack("{ss ss ss ss ss ss sI ss}", "case", r->case_id,
	    "item", r->item, "exhibit", r->exhibit, "peer", r->peer, "root",
	    r->root, "media_type", r->media_type, "size", (json_int_t)r->size,
	    "state", r->state);
}

int
px_ev_held_locally(struct px_node *n, const struct px_ev_item *it)
{
	char *p = px_asprintf("%s/evidence/items/%s", n->dir, it->man.root);
	int ok = px_file_exists(p);

	free(p);
	return ok;
}

/* Transfer progress for the faces: staged chunks while receiving, what
 * the sender last heard while sending. */
static json_t *
progress_json(struct px_node *n, const char *state, const struct px_ev_item *it,
    const char *peer)
{
	int64_t have = -1;

	if (strcmp(state, "receiving") == 0) {
		char *d =
		    px_asprintf("%s/evidence/staging/%s", n->dir, it->man.item);

		have = 0;
		for (int64_t i = 0; i < it->man.chunks; i++) {
			char *f = px_asprintf("%s/%08lld", d, (long long)i);

			have += px_file_exists(f) ? 1 : 0;
			free(f);
		}
		free(d);
	} else if (strcmp(state, "sending") == 0 ||
	    strcmp(state, "sent") == 0) {
		char *k = px_asprintf("xfer.%s.%s", peer, it->man.item);
		char *v = NULL;

		if (PX_STORE_CALL(n->store, meta_get, k, &v) == 0 && v)
			have = strtoll(v, NULL, 10);
		px_error_clear();
		free(v);
		free(k);
		if (strcmp(state, "sent") == 0)
			have = it->man.chunks;
	}
	if (have < 0)
		return json_null();
	return json_pack("{sI sI}", "have", (json_int_t)have, "chunks",
	    (json_int_t)it->man.chunks);
}

json_t *
px_ev_view(struct px_node *n, const struct px_case *c)
{
	json_t *a = json_array();
	const char *peer =
	    strcmp(c->requester, n->name) == 0 ? c->responder : c->requester;

	for (size_t i = 0; i < c->nev; i++) {
		const struct px_ev_item *it = &c->ev[i];
		const char *state = px_ev_state(n, c, it);
		json_t *holders = json_array(), *o;
		char why[400];

		for (int p = 0; p < 2; p++)
			if (it->holds[p])
				json_array_append_new(holders,
				    json_string(
				        p ? c->responder : c->requester));
		o = json_pack("{ss ss ss ss sI ss ss ss so sb so}", "item",
		    it->man.item, "exhibit", it->man.exhibit, "root",
		    it->man.root, "sha256", it->man.sha256, "size",
		    (json_int_t)it->man.size, "media_type", it->man.media_type,
		    "tlp", px_tlp_names[it->man.tlp].wire, "state", state,
		    "holders", holders, "local", px_ev_held_locally(n, it) != 0,
		    "manifest", px_json_bidi_visible(it->man.obj));
		json_object_set_new(o, "name",
		    it->man.name ? json_string(it->man.name) : json_null());
		json_object_set_new(o, "acquirer",
		    it->acquirer ? json_string(it->acquirer) : json_null());
		json_object_set_new(
		    o, "round", json_string(px_ev_round_names[it->round]));
		json_object_set_new(o, "offerer",
		    it->offerer ? json_string(it->offerer) : json_null());
		json_object_set_new(o, "status",
		    it->status >= 0
		        ? json_string(px_ev_status_names[it->status].wire)
		        : json_null());
		json_object_set_new(o, "reason",
		    it->reason ? json_string(it->reason) : json_null());
		json_object_set_new(
		    o, "transferred", json_boolean(it->transferred));
		json_object_set_new(
		    o, "progress", progress_json(n, state, it, peer));
		json_object_set_new(
		    o, "events", json_integer((json_int_t)it->nevents));
		json_object_set_new(o, "custody_ok",
		    json_boolean(
		        px_ev_chain_check(c, it, why, sizeof(why)) == 0));
		json_array_append_new(a, o);
	}
	return a;
}

/* Who witnessed message `m` in its signer's log, from our record of it
 * (node/record.h): for our own message, the peers whose cosignature of
 * our checkpoint covers it; for the peer's, our own cosignature of the
 * peer's checkpoint when it covers the peer's entry. */
static void
add_log_info(struct px_node *n, json_t *ev, const struct px_msg *m)
{
	json_t *rec = NULL, *log = json_null(), *wit = json_array();
	bool ours = strcmp(m->from, n->name) == 0;

	if (px_node_record(&rec, n, m->hash) == 0) {
		const json_t *e = json_object_get(rec, "entry");
		const json_t *pe = json_object_get(rec, "peer_entry");

		if (ours && json_is_object(e)) {
			json_decref(log);
			log = json_pack("{ss sO}", "node", n->name, "index",
			    json_object_get(e, "index"));
			json_decref(wit);
			wit = json_incref(json_object_get(rec, "witnesses"));
		} else if (!ours && json_is_object(pe)) {
			int64_t idx =
			    json_integer_value(json_object_get(pe, "index"));
			int64_t wsize = 0;

			json_decref(log);
			log = json_pack("{ss sI}", "node", m->from, "index",
			    (json_int_t)idx);
			if (PX_STORE_CALL(n->store, witness_get, m->from,
			        &wsize, NULL) == 0 &&
			    wsize > idx)
				json_array_append_new(wit,
				    json_pack("{ss sI}", "peer", n->name,
				        "size", (json_int_t)wsize));
		}
		if (json_is_object(e))
			json_object_set(
			    ev, "our_log_index", json_object_get(e, "index"));
	}
	px_error_clear();
	json_object_set_new(ev, "log", log);
	json_object_set_new(ev, "witnesses", wit);
	json_decref(rec);
}

int
px_ev_custody(json_t **out, struct px_node *n, const struct px_case *c,
    const struct px_ev_item *it)
{
	json_t *evs = json_array(), *o;
	char why[400];
	bool ok;

	for (size_t i = 0; i < c->n; i++) {
		const struct px_msg *m = c->msgs[i];
		const char *item =
		    json_string_value(json_object_get(m->body, "item"));
		const char *k;
		json_t *e, *v;

		if (m->type != PX_MSG_EVIDENCE || item == NULL ||
		    strcmp(item, it->man.item) != 0)
			continue;
		e = json_pack("{ss sI ss ss ss so}", "hash", m->hash, "seq",
		    (json_int_t)m->seq, "event",
		    json_string_value(json_object_get(m->body, "event")),
		    "from", m->from, "to", m->to, "time",
		    px_json_time(m->time_ms));
		json_object_foreach((json_t *)m->body, k, v)
		{
			if (strcmp(k, "by") == 0 || strcmp(k, "why") == 0 ||
			    strcmp(k, "to") == 0 || strcmp(k, "status") == 0 ||
			    strcmp(k, "reason") == 0 ||
			    strcmp(k, "hash_before") == 0 ||
			    strcmp(k, "hash_after") == 0 ||
			    strcmp(k, "policy") == 0)
				json_object_set_new(e,
				    strcmp(k, "to") == 0 ? "third_party" : k,
				    px_json_bidi_visible(v));
		}
		json_object_set_new(e, "effect",
		    c->why[i] ? json_string(c->why[i]) : json_null());
		add_log_info(n, e, m);
		json_array_append_new(evs, e);
	}
	ok = px_ev_chain_check(c, it, why, sizeof(why)) == 0;
	o = json_pack("{ss ss ss ss ss sI so sb}", "case", c->id, "item",
	    it->man.item, "exhibit", it->man.exhibit, "root", it->man.root,
	    "sha256", it->man.sha256, "size", (json_int_t)it->man.size,
	    "events", evs, "chain_ok", ok);
	json_object_set_new(o, "problem", ok ? json_null() : json_string(why));
	json_object_set_new(o, "state", json_string(px_ev_state(n, c, it)));
	*out = o;
	return 0;
}

/* --- checking the held copy ---------------------------------------- */

/* Reads the held copy through, checking every chunk when `strict`;
 * *sha gets its SHA-256 as hex.  Custody events read without `strict`:
 * they record the hash of what is there, altered or not. */
static int
hash_held(struct px_node *n, const struct px_ev_item *it, char sha[65],
    bool strict, int (*cb)(void *, const void *, size_t), void *arg)
{
	struct px_chunks *s = NULL;
	px_digest *d = NULL, h, root;
	size_t nd = 0;
	int rc;

	if ((rc = px_chunks_open(&s, n->dir)) < 0)
		return rc;
	if ((rc = px_chunks_list_get(s, it->man.root, &d, &nd)) < 0) {
		px_error_prefix("item %s", it->man.exhibit);
		goto out;
	}
	px_ev_root(root, (const uint8_t(*)[32])d, nd);
	px_hex_encode(sha, root, 32);
	if (strcmp(sha, it->man.root) != 0 || (int64_t)nd != it->man.chunks) {
		rc = px_error_set(PX_EINVAL,
		    "item %s: the stored chunk list no longer hashes to its "
		    "root %.16s...",
		    it->man.exhibit, it->man.root);
		goto out;
	}
	if ((rc = px_chunks_read(s, it->man.root, strict, cb, arg, h)) < 0) {
		px_error_prefix("item %s", it->man.exhibit);
		goto out;
	}
	px_hex_encode(sha, h, 32);
out:
	free(d);
	px_chunks_free(s);
	return rc;
}

int
px_ev_verify(json_t **out, struct px_node *n, const struct px_ev_item *it)
{
	char sha[65] = "";
	int rc = hash_held(n, it, sha, true, NULL, NULL);
	bool same = rc == 0 && strcmp(sha, it->man.sha256) == 0;

	if (rc == 0 && !same)
		rc = px_error_set(PX_EINVAL,
		    "item %s: its bytes hash to %s, not the manifest's SHA-256 "
		    "%s",
		    it->man.exhibit, sha, it->man.sha256);
	*out = json_pack("{ss ss sb sI ss}", "item", it->man.item, "exhibit",
	    it->man.exhibit, "ok", rc == 0, "chunks",
	    (json_int_t)it->man.chunks, "root", it->man.root);
	json_object_set_new(*out, "sha256",
	    *sha && rc != PX_ENOTFOUND ? json_string(sha) : json_null());
	json_object_set_new(*out, "problem",
	    rc == 0 ? json_null() : json_string(px_error_last()));
	return rc;
}

/* --- signing events ------------------------------------------------ */

static const char *
default_by(const struct px_ev_act *act)
{
	const char *u;

	if (act && act->by && *act->by)
		return act->by;
	u = getenv("USER");
	return u && *u ? u : "operator";
}

int
px_ev_event_body(json_t **body, struct px_node *n, const struct px_case *c,
    const char *ref, enum px_ev_event ev, const struct px_ev_act *act)
{
	const struct px_ev_item *it = px_ev_find(c, ref);
	int me = our_party(n, c);
	json_t *b = NULL;
	char sha[65];
	int rc = 0;

	*body = NULL;
	if (it == NULL)
		return px_error_last()[0] ? PX_ENOTFOUND : PX_ERR;
	if (me < 0)
		return px_error_set(
		    PX_EINVAL, "%s is not a party to case %s", n->name, c->id);
	b = json_pack("{ss ss}", "event", px_ev_event_names[ev].wire, "item",
	    it->man.item);
	switch (ev) {
	case PX_EV_OFFERED:
	case PX_EV_ACCESSED:
	case PX_EV_EXPORTED:
	case PX_EV_SEALED:
	case PX_EV_RELEASED:
	case PX_EV_DESTROYED:
		/* The hash now, from the bytes held, beside what this node
		 * attested before: an altered copy shows in the record. */
		if ((rc = hash_held(
		         n, it, sha, ev == PX_EV_OFFERED, NULL, NULL)) < 0)
			goto out;
		if (ev == PX_EV_OFFERED && strcmp(sha, it->man.sha256) != 0) {
			rc = px_error_set(PX_EINVAL,
			    "item %s: the copy held hashes to %s, not the "
			    "manifest's %s; it cannot be offered",
			    it->man.exhibit, sha, it->man.sha256);
			goto out;
		}
		json_object_set_new(
		    b, "hash_before", json_string(px_ev_last_hash(c, it, me)));
		if (ev != PX_EV_DESTROYED)
			json_object_set_new(b, "hash_after", json_string(sha));
		if (ev == PX_EV_OFFERED)
			json_object_set_new(
			    b, "manifest", json_deep_copy(it->man.obj));
		break;
	case PX_EV_TRANSFERRED:
		json_object_set_new(
		    b, "hash_before", json_string(px_ev_last_hash(c, it, me)));
		json_object_set_new(b, "hash_after",
		    json_string(act && act->status
		            ? act->status
		            : px_ev_last_hash(c, it, me)));
		break;
	case PX_EV_ACCEPTED:
	case PX_EV_DECLINED: {
		struct px_ev_policy p;

		if ((rc = px_ev_policy_load(&p, n)) < 0)
			goto out;
		json_object_set_new(
		    b, "policy", px_ev_policy_json(&p, px_ev_free_space(n)));
		px_ev_policy_dispose(&p);
		if (ev == PX_EV_DECLINED)
			json_object_set_new(b, "reason",
			    json_string(act && act->reason && *act->reason
			            ? act->reason
			            : "declined by the operator"));
		break;
	}
	case PX_EV_RECEIVED:
		/* By hand only "incomplete": the transfer ended before
		 * every chunk came (a verified receipt is signed by the
		 * transfer itself, node/transfer.h). */
		if (act == NULL || act->status == NULL ||
		    strcmp(act->status, "incomplete") != 0) {
			rc = px_error_set(PX_EINVAL,
			    "a receipt signed by hand says 'incomplete'; an "
			    "accepted one comes from the transfer itself");
			goto out;
		}
		json_object_set_new(b, "status", json_string("incomplete"));
		json_object_set_new(
		    b, "hash_before", json_string(it->man.sha256));
		json_object_set_new(b, "reason",
		    json_string(act->reason && *act->reason
		            ? act->reason
		            : "the transfer ended before every chunk arrived"));
		break;
	case PX_EV_ACQUIRED:
	case PX_EV__N:
		rc = px_error_set(PX_EINVAL,
		    "'acquired' is signed when a file is added (parley evidence "
		    "add)");
		goto out;
	}
	if (ev == PX_EV_RELEASED) {
		if (act == NULL || act->to == NULL || *act->to == '\0') {
			rc = px_error_set(PX_EINVAL,
			    "a release names the third party it goes to");
			goto out;
		}
		json_object_set_new(b, "to", json_string(act->to));
	}
	if (ev != PX_EV_ACCEPTED && ev != PX_EV_DECLINED &&
	    ev != PX_EV_RECEIVED && ev != PX_EV_TRANSFERRED)
		json_object_set_new(b, "by", json_string(default_by(act)));
	if (act && act->why && *act->why)
		json_object_set_new(b, "why", json_string(act->why));
	*body = b;
	b = NULL;
out:
	json_decref(b);
	return rc;
}

/* After a "destroyed" event: the bytes go. */
static int
destroy_bytes(struct px_node *n, const char *root)
{
	struct px_chunks *s = NULL;
	size_t removed = 0;
	int rc;

	if ((rc = px_chunks_open(&s, n->dir)) < 0)
		return rc;
	if ((rc = px_chunks_list_remove(s, root)) == 0)
		rc = px_chunks_gc(s, &removed);
	px_chunks_free(s);
	return rc;
}

int
px_ev_event(struct px_node *n, const char *case_ref, const char *ref,
    enum px_ev_event ev, const struct px_ev_act *act, struct px_msg **out)
{
	struct px_case c, other;
	json_t *body = NULL;
	char root[PX_HASH_HEX] = "";
	int rc;

	px_case_init(&c);
	px_case_init(&other);
	if ((rc = px_node_case_load(&c, n, case_ref, NULL)) < 0)
		goto out;
	if (ev == PX_EV_OFFERED && px_ev_find(&c, ref) == NULL) {
		/* An item of another case offered into this one (a
		 * verification case): its manifest and hashes come from
		 * where it is held; the case rules of this one decide. */
		char *from = NULL;

		rc = px_ev_lookup(&from, n, ref);
		if (rc == 0)
			rc = px_node_case_load(&other, n, from, NULL);
		free(from);
		if (rc < 0 ||
		    (rc = px_ev_event_body(&body, n, &other, ref, ev, act)) < 0)
			goto out;
		snprintf(root, sizeof(root), "%s",
		    px_ev_find(&other, ref)->man.root);
	} else {
		if ((rc = px_ev_event_body(&body, n, &c, ref, ev, act)) < 0)
			goto out;
		snprintf(
		    root, sizeof(root), "%s", px_ev_find(&c, ref)->man.root);
	}
	if ((rc = px_node_send(n, NULL, c.id, PX_MSG_EVIDENCE, body, out)) < 0)
		goto out;
	if (ev == PX_EV_DESTROYED)
		rc = destroy_bytes(n, root);
out:
	json_decref(body);
	px_case_dispose(&other);
	px_case_dispose(&c);
	return rc;
}

/* --- adding a file ------------------------------------------------- */

static json_t *
opt_str(const char *s)
{
	return s && *s ? json_string(s) : NULL;
}

static int
build_manifest(json_t **out, struct px_node *n, const struct px_case *c,
    const struct px_ev_add *a, const struct px_chunks_file *f, const char *root)
{
	uint8_t nonce[16];
	char nonce_hex[33], sha[65], tm[PX_TIME_STRLEN];
	const char *name = a->name;
	int64_t when = px_time_now_ms();
	json_t *m, *tool, *der = NULL;
	int tlp, rc;

	if (a->acquired && (rc = px_time_parse(&when, a->acquired, 0)) < 0) {
		px_error_prefix("--acquired");
		return rc;
	}
	tlp = a->tlp ? PX_LOOKUP(px_tlp_names, "TLP", a->tlp) : (int)c->tlp;
	if (tlp < 0)
		return tlp;
	if (a->tool == NULL || *a->tool == '\0' || a->tool_version == NULL ||
	    *a->tool_version == '\0')
		return px_error_set(PX_EINVAL,
		    "name the acquisition tool and its version (--tool, "
		    "--tool-version): a receiver cannot weigh evidence whose "
		    "tool is unknown");
	if (a->exhibit == NULL || *a->exhibit == '\0')
		return px_error_set(
		    PX_EINVAL, "give the item an exhibit number (--exhibit)");
	if (px_ev_find(c, a->exhibit) != NULL)
		return px_error_set(PX_ECONFLICT,
		    "case %s already has an exhibit %s", c->id, a->exhibit);
	px_error_clear();
	if (name == NULL) {
		const char *slash = strrchr(a->path, '/');

		name = slash ? slash + 1 : a->path;
	}
	randombytes_buf(nonce, sizeof(nonce));
	px_hex_encode(nonce_hex, nonce, sizeof(nonce));
	px_hex_encode(sha, f->sha256, 32);
	px_time_format(tm, when);
	tool = json_pack("{ssss}", "name", a->tool, "version", a->tool_version);
	if (a->tool_args && *a->tool_args)
		json_object_set_new(tool, "args", json_string(a->tool_args));
	if (a->nderived) {
		der = json_array();
		for (size_t i = 0; i < a->nderived; i++) {
			const struct px_ev_item *it =
			    px_ev_find(c, a->derived_from[i]);

			if (it == NULL) {
				json_decref(der);
				json_decref(tool);
				px_error_prefix("--derived-from");
				return PX_EINVAL;
			}
			json_array_append_new(der, json_string(it->man.item));
		}
	}
	m = json_pack("{si ss ss s{ss so ss ss ss} s{ss ss} sI ss ss s{ss} "
	              "si sI ss}",
	    "v", 1, "nonce", nonce_hex, "exhibit", a->exhibit, "acquisition",
	    "method",
	    a->method && *a->method ? a->method : "logical copy of a file",
	    "tool", tool, "operator",
	    a->operator_ && *a->operator_
	        ? a->operator_
	        : default_by(&(struct px_ev_act){ .by = a->by }),
	    "time", tm, "place", a->place && *a->place ? a->place : n->name,
	    "legal_basis", "type",
	    a->legal_type ? a->legal_type : "own-systems", "reference",
	    a->legal_ref && *a->legal_ref ? a->legal_ref
	                                  : "data from the party's own "
	                                    "systems",
	    "size", (json_int_t)f->size, "media_type",
	    a->media_type && *a->media_type ? a->media_type
	                                    : "application/octet-stream",
	    "tlp", px_tlp_names[tlp].wire, "hashes", "sha256", sha,
	    "chunk_size", (int)PX_EV_CHUNK, "chunks", (json_int_t)f->n, "root",
	    root);
	if (m == NULL)
		return px_error_set(PX_EINVAL, "cannot build the manifest");
	if (name && *name)
		json_object_set_new(m, "name", json_string(name));
	if (a->root_exhibit && *a->root_exhibit)
		json_object_set_new(
		    m, "root_exhibit", opt_str(a->root_exhibit));
	if (a->description && *a->description)
		json_object_set_new(
		    m, "description", json_string(a->description));
	if (der)
		json_object_set_new(m, "derived_from", der);
	*out = m;
	return 0;
}

int
px_ev_add_file(
    struct px_node *n, const struct px_ev_add *a, struct px_msg **out)
{
	struct px_chunks *s = NULL;
	struct px_chunks_file f = { 0 };
	struct px_ev_policy pol = { 0 };
	struct px_manifest man;
	struct px_case c;
	json_t *m = NULL, *body = NULL;
	uint8_t root[32];
	char root_hex[65], sha[65];
	int rc;

	px_case_init(&c);
	if ((rc = px_node_case_load(&c, n, a->case_ref, NULL)) < 0 ||
	    (rc = px_ev_policy_load(&pol, n)) < 0 ||
	    (rc = px_chunks_open(&s, n->dir)) < 0)
		goto out;
	/* Checked before reading gigabytes. */
	if (a->tool == NULL || a->tool_version == NULL || a->exhibit == NULL ||
	    px_ev_find(&c, a->exhibit) != NULL) {
		rc = build_manifest(&m, n, &c, a, &f, PX_ZERO_HASH);
		goto out;
	}
	px_error_clear();
	if ((rc = px_chunks_put_file(s, a->path, pol.max_item, &f)) < 0)
		goto out;
	px_ev_root(root, (const uint8_t(*)[32])f.digests, f.n);
	px_hex_encode(root_hex, root, 32);
	if ((rc = px_chunks_list_put(s, root_hex, f.digests, f.n)) < 0 ||
	    (rc = px_chunks_sync(s)) < 0 ||
	    (rc = build_manifest(&m, n, &c, a, &f, root_hex)) < 0 ||
	    (rc = px_manifest_parse(&man, m, "manifest")) < 0)
		goto out;
	px_hex_encode(sha, f.sha256, 32);
	body = json_pack("{ss ss sO ss ss}", "event", "acquired", "item",
	    man.item, "manifest", m, "hash_after", sha, "by",
	    default_by(&(struct px_ev_act){ .by = a->by }));
	if (a->why && *a->why)
		json_object_set_new(body, "why", json_string(a->why));
	rc = px_node_send(n, NULL, c.id, PX_MSG_EVIDENCE, body, out);
out:
	json_decref(m);
	json_decref(body);
	free(f.digests);
	px_chunks_free(s);
	px_ev_policy_dispose(&pol);
	px_case_dispose(&c);
	return rc;
}

/* --- deciding offers ------------------------------------------------ */

struct pending {
	char **case_ids, **items;
	size_t n;
};

static int
collect_pending(const struct px_evidence_row *r, void *arg)
{
	struct pending *p = arg;

	p->case_ids = px_realloc(p->case_ids, (p->n + 1) * sizeof(char *));
	p->items = px_realloc(p->items, (p->n + 1) * sizeof(char *));
	p->case_ids[p->n] = px_strdup(r->case_id);
	p->items[p->n] = px_strdup(r->item);
	p->n++;
	return 0;
}

int
px_ev_decide_pending(struct px_node *n, bool force, size_t *decided)
{
	struct px_evidence_filter f = { .state = "to-decide" };
	struct pending p = { 0 };
	struct px_ev_policy pol = { 0 };
	int rc;

	*decided = 0;
	if ((rc = px_ev_policy_load(&pol, n)) < 0 ||
	    (rc = PX_STORE_CALL(
	         n->store, evidence_list, &f, collect_pending, &p)) < 0)
		goto out;
	for (size_t i = 0; i < p.n && rc == 0; i++) {
		struct px_case c;
		const struct px_ev_item *it;
		const char *why;
		char buf[400];

		px_case_init(&c);
		if ((rc = px_node_case_load(&c, n, p.case_ids[i], NULL)) < 0) {
			px_case_dispose(&c);
			break;
		}
		it = px_ev_find(&c, p.items[i]);
		if (it && it->round == PX_EVR_OFFERED) {
			why = px_ev_policy_refusal(&pol, &it->man,
			    px_ev_free_space(n), buf, sizeof(buf));
			if (why)
				rc = px_ev_event(n, c.id, it->man.item,
				    PX_EV_DECLINED,
				    &(struct px_ev_act){ .reason = why }, NULL);
			else if (pol.auto_accept || force)
				rc = px_ev_event(n, c.id, it->man.item,
				    PX_EV_ACCEPTED, NULL, NULL);
			else
				why = "";
			if (rc == 0 && (why == NULL || *why))
				(*decided)++;
		}
		px_error_clear();
		px_case_dispose(&c);
	}
out:
	for (size_t i = 0; i < p.n; i++) {
		free(p.case_ids[i]);
		free(p.items[i]);
	}
	free(p.case_ids);
	free(p.items);
	px_ev_policy_dispose(&pol);
	return rc;
}

/* --- finding an item anywhere -------------------------------------- */

int
px_ev_load(struct px_case *c, const struct px_ev_item **it, struct px_node *n,
    const char *case_ref, const char *ref)
{
	int rc;

	px_case_init(c);
	*it = NULL;
	if ((rc = px_node_case_load(c, n, case_ref, NULL)) < 0)
		return rc;
	if ((*it = px_ev_find(c, ref)) == NULL)
		return px_error_last()[0] ? PX_ENOTFOUND : PX_ERR;
	return 0;
}

struct lookup {
	const char *ref;
	char *case_id;
	int hits;
};

static int
lookup_row(const struct px_evidence_row *r, void *arg)
{
	struct lookup *l = arg;
	size_t n = strlen(l->ref);

	if (strcmp(r->exhibit, l->ref) == 0 ||
	    (n >= 8 &&
	        (strncmp(r->item, l->ref, n) == 0 ||
	            strncmp(r->root, l->ref, n) == 0))) {
		/* The same item in several cases: the first (oldest). */
		if (l->case_id == NULL)
			l->case_id = px_strdup(r->case_id);
		l->hits++;
	}
	return 0;
}

int
px_ev_lookup(char **case_id, struct px_node *n, const char *ref)
{
	struct lookup l = { .ref = ref };
	int rc;

	*case_id = NULL;
	if ((rc = PX_STORE_CALL(
	         n->store, evidence_list, NULL, lookup_row, &l)) < 0)
		return rc;
	if (l.case_id == NULL)
		return px_error_set(PX_ENOTFOUND,
		    "no evidence item '%s' in any case of this node", ref);
	*case_id = l.case_id;
	return 0;
}

static int
write_piece(void *arg, const void *data, size_t len)
{
	int fd = *(int *)arg;
	const char *p = data;

	while (len > 0) {
		ssize_t k = write(fd, p, len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return px_error_set(
			    PX_ERR, "cannot write: %s", strerror(errno));
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

int
px_ev_get(struct px_node *n, const char *case_ref, const char *ref,
    const char *path, const struct px_ev_act *act, struct px_msg **out)
{
	const struct px_ev_item *it;
	struct px_case c;
	json_t *body = NULL;
	char sha[65], *tmp = px_asprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = -1, rc, me;

	if ((rc = px_ev_load(&c, &it, n, case_ref, ref)) < 0)
		goto out;
	me = our_party(n, &c);
	if (me < 0 || !it->holds[me]) {
		rc = px_error_set(PX_ECONFLICT,
		    "this node holds no copy of item %s (state %s)",
		    it->man.exhibit, px_ev_state(n, &c, it));
		goto out;
	}
	if (act == NULL || act->why == NULL || *act->why == '\0') {
		rc = px_error_set(PX_EINVAL,
		    "say why the item is exported (--why): the chain of "
		    "custody records it");
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = px_error_set(
		    PX_ERR, "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	if ((rc = hash_held(n, it, sha, true, write_piece, &fd)) < 0)
		goto out;
	if (strcmp(sha, it->man.sha256) != 0) {
		rc = px_error_set(PX_EINVAL,
		    "item %s: the copy held hashes to %s, not the manifest's "
		    "%s; nothing was written",
		    it->man.exhibit, sha, it->man.sha256);
		goto out;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		rc = px_error_set(
		    PX_ERR, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		rc = px_error_set(PX_ERR, "cannot rename %s to %s: %s", tmp,
		    path, strerror(errno));
		goto out;
	}
	body = json_pack("{ss ss ss ss ss ss}", "event", "exported", "item",
	    it->man.item, "hash_before", px_ev_last_hash(&c, it, me),
	    "hash_after", sha, "by", default_by(act), "why", act->why);
	rc = px_node_send(n, NULL, c.id, PX_MSG_EVIDENCE, body, out);
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	json_decref(body);
	px_case_dispose(&c);
	return rc;
}
