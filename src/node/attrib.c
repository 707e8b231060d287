/*
 * Findings, assessments and the neutral verifier at a node
 * (node/attrib.h).
 */
#include "model/attrib.h"
#include "model/canon.h"
#include "model/card.h"
#include "node/attrib.h"
#include "node/evidence.h"
#include "util/util.h"

/* The effective message of `type` in `c` whose hash starts with `ref`
 * (at least 8 hex digits); NULL with the error set otherwise. */
static const struct px_msg *
msg_ref(const struct px_case *c, enum px_msg_type type, const char *ref,
    const char *what)
{
	const struct px_msg *hit = NULL;
	size_t n = ref ? strlen(ref) : 0;
	int count = 0;

	for (size_t i = 0; n >= 8 && i < c->n; i++)
		if (c->msgs[i]->type == type && c->why[i] == NULL &&
		    strncmp(c->msgs[i]->hash, ref, n) == 0) {
			hit = c->msgs[i];
			count++;
		}
	if (count == 1)
		return hit;
	if (count)
		(void)px_error_set(PX_EINVAL,
		    "'%s' names %d %ss of case %s; give more of the hash", ref,
		    count, what, c->id);
	else
		(void)px_error_set(PX_ENOTFOUND,
		    "case %s has no %s '%s' (give at least 8 hex digits of its "
		    "hash)",
		    c->id, what, ref ? ref : "");
	return NULL;
}

static json_t *
strings(const char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

int
px_finding_body(json_t **out, struct px_node *n, const struct px_case *c,
    const struct px_finding_in *in)
{
	json_t *b = json_object(), *t = NULL, *ev = json_array();
	int rc;

	*out = NULL;
	if ((rc = px_text_obj(&t, n, &in->statement, "statement")) < 0)
		goto out;
	if (t == NULL || in->method == NULL || *in->method == '\0') {
		rc = px_error_set(PX_EINVAL,
		    "a finding states what was observed (statement) and how "
		    "(method)");
		goto out;
	}
	/* Said before anything is built: a finding holds no judgment. */
	{
		const char *vals[2] = { in->statement.text,
			in->statement.translation };
		char word[64];
		size_t at;

		for (int i = 0; i < 2; i++)
			if (px_lint_estimative(
			        vals[i], word, sizeof(word), &at)) {
				rc = px_error_set(PX_EINVAL,
				    "the finding's statement%s uses the "
				    "estimative word '%s' (byte %zu): a finding "
				    "states what was observed; put the judgment "
				    "in an assessment (parley attribution "
				    "assessment)",
				    i ? " translation" : "", word, at + 1);
				goto out;
			}
	}
	json_object_set_new(b, "statement", t);
	t = NULL;
	json_object_set_new(b, "method", json_string(in->method));
	if (in->tool && *in->tool) {
		json_t *tool = json_pack("{ssss}", "name", in->tool, "version",
		    in->tool_version ? in->tool_version : "");

		if (in->tool_args && *in->tool_args)
			json_object_set_new(
			    tool, "args", json_string(in->tool_args));
		json_object_set_new(b, "tool", tool);
	}
	if ((rc = px_text_obj(&t, n, &in->steps, "steps")) < 0)
		goto out;
	if (t)
		json_object_set_new(b, "reproduction", t);
	t = NULL;
	for (size_t i = 0; i < in->nevidence; i++) {
		const struct px_ev_item *it = px_ev_find(c, in->evidence[i]);

		if (it == NULL) {
			rc = PX_ENOTFOUND;
			goto out;
		}
		json_array_append_new(ev, json_string(it->man.item));
	}
	if (json_array_size(ev))
		json_object_set(b, "evidence", ev);
	if ((rc = px_finding_body_check(b)) < 0)
		goto out;
	*out = b;
	b = NULL;
out:
	json_decref(b);
	json_decref(t);
	json_decref(ev);
	return rc;
}

static int
finding_refs(
    json_t **out, const struct px_case *c, const char *const *refs, size_t n)
{
	*out = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct px_msg *f =
		    msg_ref(c, PX_MSG_FINDING, refs[i], "finding");

		if (f == NULL) {
			json_decref(*out);
			*out = NULL;
			return px_error_last()[0] ? PX_ENOTFOUND : PX_ERR;
		}
		json_array_append_new(*out, json_string(f->hash));
	}
	return 0;
}

int
px_assessment_body(json_t **out, struct px_node *n, const struct px_case *c,
    const struct px_assessment_in *in)
{
	json_t *b = NULL, *claim = NULL, *change = NULL, *sup = NULL,
	       *con = NULL;
	int64_t version = 1;
	int rc;

	*out = NULL;
	if ((rc = px_text_obj(&claim, n, &in->claim, "claim")) < 0 ||
	    (rc = px_text_obj(&change, n, &in->would_change, "would-change")) <
	        0 ||
	    (rc = finding_refs(&sup, c, in->supporting, in->nsupporting)) < 0 ||
	    (rc = finding_refs(&con, c, in->contrary, in->ncontrary)) < 0)
		goto out;
	if (claim == NULL || change == NULL) {
		rc = px_error_set(PX_EINVAL,
		    "an assessment states its claim and what would change it "
		    "(would-change)");
		goto out;
	}
	b = json_pack("{ss? sO sO ss? ss? ss? ss? sO}", "kind", in->kind,
	    "claim", claim, "supporting", sup, "likelihood", in->likelihood,
	    "confidence", in->confidence, "source_reliability", in->reliability,
	    "information_credibility", in->credibility, "would_change", change);
	if (json_array_size(con))
		json_object_set(b, "contrary", con);
	if (in->nassumptions)
		json_object_set_new(b, "assumptions",
		    strings(in->assumptions, in->nassumptions));
	if (in->nalternatives)
		json_object_set_new(b, "alternatives",
		    strings(in->alternatives, in->nalternatives));
	if (in->supersedes) {
		const struct px_msg *prev =
		    msg_ref(c, PX_MSG_ASSESSMENT, in->supersedes, "assessment");

		if (prev == NULL) {
			rc = PX_ENOTFOUND;
			goto out;
		}
		version =
		    json_integer_value(json_object_get(prev->body, "version")) +
		    1;
		json_object_set_new(b, "supersedes", json_string(prev->hash));
	}
	json_object_set_new(b, "version", json_integer(version));
	if ((rc = px_assessment_body_check(b)) < 0)
		goto out;
	*out = b;
	b = NULL;
out:
	json_decref(b);
	json_decref(claim);
	json_decref(change);
	json_decref(sup);
	json_decref(con);
	return rc;
}

/* --- views ------------------------------------------------------------- */

static const char *
label(const struct px_name *t, size_t n, const char *wire)
{
	int i = px_name_wire(t, n, wire);

	return i >= 0 ? t[i].label : wire;
}

static json_t *
finding_json(const struct px_case *c, const struct px_msg *m, const char *why)
{
	json_t *o = json_pack("{ss ss so so so}", "hash", m->hash, "from",
	    m->from, "time", px_json_time(m->time_ms), "body",
	    px_json_bidi_visible(m->body), "effect",
	    why ? json_string(why) : json_null());

	(void)c;
	json_object_set_new(o, "ceiling",
	    json_string(px_confidence_names[px_finding_ceiling(m->body)].wire));
	return o;
}

static json_t *
assessment_json(
    const struct px_case *c, const struct px_msg *m, const char *why)
{
	const json_t *b = m->body;
	json_t *o = finding_json(c, m, why);

	json_object_del(o, "ceiling");
	json_object_set_new(
	    o, "superseded", json_boolean(px_attrib_superseded(c, m->hash)));
	json_object_set_new(o, "words",
	    json_pack("{ssssssssss}", "kind",
	        label(px_assess_kind_names, PX_AK__N,
	            json_string_value(json_object_get(b, "kind"))),
	        "likelihood",
	        label(px_likelihood_names, PX_LK__N,
	            json_string_value(json_object_get(b, "likelihood"))),
	        "confidence",
	        label(px_confidence_names, PX_CONF__N,
	            json_string_value(json_object_get(b, "confidence"))),
	        "source_reliability",
	        label(px_reliability_names, 6,
	            json_string_value(
	                json_object_get(b, "source_reliability"))),
	        "information_credibility",
	        label(px_credibility_names, 6,
	            json_string_value(
	                json_object_get(b, "information_credibility")))));
	return o;
}

/* How a disclosed message's signature checks at this node: with the
 * key pinned for its signer, and with the card the disclosure carries. */
static json_t *
disclosed_check(struct px_node *n, const json_t *env, const json_t *cards)
{
	struct px_msg *m = NULL;
	struct px_peer *p = NULL;
	const char *pinned = "not-enrolled", *card = "absent";
	json_t *o;
	size_t i;
	const json_t *cv;

	if (px_msg_parse(&m, (json_t *)env, "disclosed message") < 0) {
		px_error_clear();
		return json_pack("{ss}", "signature", "unreadable");
	}
	if (strcmp(m->from, n->name) == 0) {
		pinned =
		    px_msg_verify(m, n->sign.pk) == 0 ? "verified" : "FAILED";
	} else if (px_peer_load(&p, n, m->from) == 0) {
		pinned = px_msg_verify(m, p->card.sign_pk) == 0 ? "verified"
		                                                : "FAILED";
	}
	json_array_foreach(cards, i, cv)
	{
		struct px_card cd;

		if (px_card_from_json(&cd, (json_t *)cv, "card") < 0)
			continue;
		if (strcmp(cd.name, m->from) == 0)
			card = px_msg_verify(m, cd.sign_pk) == 0 ? "verified"
			                                         : "FAILED";
		px_card_dispose(&cd);
	}
	px_error_clear();
	o = json_pack("{ss ss ss ss ss}", "hash", m->hash, "type",
	    px_msg_type_names[m->type].wire, "from", m->from, "with_pinned_key",
	    pinned, "with_disclosed_card", card);
	json_object_set_new(o, "body", px_json_bidi_visible(m->body));
	if (m->type == PX_MSG_FINDING)
		json_object_set_new(o, "ceiling",
		    json_string(
		        px_confidence_names[px_finding_ceiling(m->body)].wire));
	px_peer_free(p);
	px_msg_free(m);
	return o;
}

static json_t *
disclosure_json(struct px_node *n, const struct px_case *c)
{
	const json_t *d = json_object_get(c->msgs[0]->body, "disclosure");
	const json_t *msgs = json_object_get(d, "messages"), *v;
	json_t *out = json_array();
	size_t i;

	json_array_foreach(msgs, i, v) json_array_append_new(
	    out, disclosed_check(n, v, json_object_get(d, "cards")));
	return json_pack("{sO sO sO sO so ss}", "case",
	    json_object_get(d, "case"), "parties",
	    json_object_get(d, "parties"), "items", json_object_get(d, "items"),
	    "withheld", json_object_get(d, "withheld"), "messages", out, "hash",
	    c->msgs[0]->hash);
}

json_t *
px_attrib_view(struct px_node *n, const struct px_case *c)
{
	json_t *f = json_array(), *a = json_array(), *o;

	for (size_t i = 0; i < c->n; i++) {
		if (c->msgs[i]->type == PX_MSG_FINDING)
			json_array_append_new(
			    f, finding_json(c, c->msgs[i], c->why[i]));
		else if (c->msgs[i]->type == PX_MSG_ASSESSMENT)
			json_array_append_new(
			    a, assessment_json(c, c->msgs[i], c->why[i]));
	}
	o = json_pack("{so so}", "findings", f, "assessments", a);
	if (c->kind == PX_KIND_VERIFICATION && c->n &&
	    c->msgs[0]->type == PX_MSG_DISCLOSE)
		json_object_set_new(o, "disclosure", disclosure_json(n, c));
	if (c->kind == PX_KIND_VERIFICATION && c->n &&
	    c->msgs[0]->type == PX_MSG_REVIEW) {
		const json_t *r = json_object_get(c->msgs[0]->body, "review");
		char h[PX_HASH_HEX];

		px_review_hash(h, r);
		json_object_set_new(o, "review",
		    json_pack("{ss so ss}", "hash", h, "review",
		        px_json_bidi_visible(r), "by", c->msgs[0]->from));
	}
	return o;
}

/* --- disclosure ---------------------------------------------------------- */

/* The evidence message carrying item `it`'s manifest: its acquisition,
 * or the offer that brought it into the case. */
static const struct px_msg *
manifest_msg(const struct px_case *c, const struct px_ev_item *it)
{
	for (size_t k = 0; k < it->nevents; k++) {
		const struct px_msg *m = c->msgs[it->events[k]];
		int ev = px_ev_event_of(m);

		if (ev == PX_EV_ACQUIRED || ev == PX_EV_OFFERED)
			return m;
	}
	return NULL;
}

static bool
listed(const json_t *a, const char *s)
{
	const json_t *v;
	size_t i;

	json_array_foreach(
	    a, i, v) if (strcmp(json_string_value(v), s) == 0) return true;
	return false;
}

/* The two parties' signed cards: ours, and the peer's as pinned. */
static int
party_cards(json_t **out, struct px_node *n, const struct px_case *c)
{
	const char *names[2] = { c->requester, c->responder };
	json_t *a = json_array();
	int rc = 0;

	for (int i = 0; rc == 0 && i < 2; i++) {
		json_t *card = NULL;
		struct px_peer *p = NULL;

		if (strcmp(names[i], n->name) == 0) {
			rc = px_node_card(&card, n);
		} else if ((rc = px_peer_load(&p, n, names[i])) == 0) {
			card = json_incref(p->card.env);
		}
		px_peer_free(p);
		if (rc == 0)
			json_array_append_new(a, card);
	}
	if (rc < 0) {
		json_decref(a);
		return rc;
	}
	*out = a;
	return 0;
}

int
px_attrib_disclose(
    struct px_node *n, const struct px_disclose_in *in, struct px_msg **out)
{
	struct px_case c;
	struct px_peer *v = NULL;
	struct px_msg *sent = NULL;
	json_t *msgs = json_array(), *items = json_array(),
	       *withheld = json_array(), *cards = NULL, *body = NULL,
	       *text = NULL;
	char title[301], ref[9];
	int rc;

	px_case_init(&c);
	if ((rc = px_node_case_load(&c, n, in->case_ref, NULL)) < 0 ||
	    (rc = px_peer_load(&v, n, in->verifier)) < 0)
		goto out;
	if (v->card.role == NULL || strcmp(v->card.role, "verifier") != 0) {
		rc = px_error_set(PX_EINVAL,
		    "%s's card does not say role verifier: a disclosure goes "
		    "only to a neutral verifier both parties enrolled",
		    in->verifier);
		goto out;
	}
	if (strcmp(in->verifier, c.requester) == 0 ||
	    strcmp(in->verifier, c.responder) == 0) {
		rc = px_error_set(PX_EINVAL,
		    "%s is a party to case %s, not a third node", in->verifier,
		    c.id);
		goto out;
	}
	for (size_t i = 0; i < in->nitems; i++) {
		const struct px_ev_item *it = px_ev_find(&c, in->items[i]);
		const struct px_msg *m;

		if (it == NULL) {
			rc = PX_ENOTFOUND;
			goto out;
		}
		if ((m = manifest_msg(&c, it)) == NULL) {
			rc = px_error_set(
			    PX_ERR, "no manifest for %s", it->man.exhibit);
			goto out;
		}
		json_array_append_new(items, json_string(it->man.item));
		json_array_append(msgs, m->env);
	}
	/* Every other item appears only as its hash. */
	for (size_t i = 0; i < c.nev; i++)
		if (!listed(items, c.ev[i].man.item))
			json_array_append_new(
			    withheld, json_string(c.ev[i].man.item));
	for (size_t i = 0; i < in->nfindings; i++) {
		const struct px_msg *f =
		    msg_ref(&c, PX_MSG_FINDING, in->findings[i], "finding");

		if (f == NULL) {
			rc = PX_ENOTFOUND;
			goto out;
		}
		json_array_append(msgs, f->env);
	}
	for (size_t i = 0; i < in->nassessments; i++) {
		const struct px_msg *a = msg_ref(
		    &c, PX_MSG_ASSESSMENT, in->assessments[i], "assessment");

		if (a == NULL) {
			rc = PX_ENOTFOUND;
			goto out;
		}
		json_array_append(msgs, a->env);
	}
	if ((rc = party_cards(&cards, n, &c)) < 0 ||
	    (rc = px_text_obj(&text, n, &in->text, "text")) < 0)
		goto out;
	px_case_ref(ref, c.id);
	snprintf(title, sizeof(title), "Verification of case %s: %.240s", ref,
	    c.title);
	body = json_pack("{s{ss ss ss ss ss} s{ss s[ss] sO sO sO sO}}", "case",
	    "kind", "verification", "category",
	    px_category_names[c.category].wire, "priority", "P4", "tlp",
	    px_tlp_names[c.tlp].wire, "title", title, "disclosure", "case",
	    c.id, "parties", c.requester, c.responder, "cards", cards,
	    "messages", msgs, "items", items, "withheld", withheld);
	if (text)
		json_object_set(body, "text", text);
	if ((rc = px_node_send(
	         n, in->verifier, NULL, PX_MSG_DISCLOSE, body, &sent)) < 0)
		goto out;
	/* Each disclosed item is offered in the new case. */
	for (size_t i = 0; i < json_array_size(items); i++) {
		const char *item = json_string_value(json_array_get(items, i));
		const struct px_ev_item *it = px_ev_find(&c, item);
		json_t *ob = NULL;
		struct px_case vc;

		px_case_init(&vc);
		/* The offer carries the item's manifest and our hash of
		 * the copy; built from the original case, signed in the
		 * new one. */
		rc = px_ev_event_body(&ob, n, &c, it->man.item, PX_EV_OFFERED,
		    &(struct px_ev_act){ .why = "disclosed for verification" });
		if (rc == 0)
			rc = px_node_send(
			    n, NULL, sent->case_id, PX_MSG_EVIDENCE, ob, NULL);
		json_decref(ob);
		px_case_dispose(&vc);
		if (rc < 0)
			goto out;
	}
	if (out) {
		*out = sent;
		sent = NULL;
	}
out:
	px_msg_free(sent);
	json_decref(msgs);
	json_decref(items);
	json_decref(withheld);
	json_decref(cards);
	json_decref(body);
	json_decref(text);
	px_peer_free(v);
	px_case_dispose(&c);
	return rc;
}

/* --- review --------------------------------------------------------------- */

/* "REF=WORD[:comment]" against the disclosed messages of `type`. */
static int
judge(json_t *out, const json_t *disclosed, enum px_msg_type type,
    const char *spec, const char *key, const char *vkey,
    const struct px_name *names, size_t nn)
{
	const char *eq = strchr(spec, '='), *colon;
	char *ref, *word;
	const json_t *v;
	size_t i, len;
	int w, rc = 0, hits = 0;

	if (eq == NULL)
		return px_error_set(
		    PX_EINVAL, "'%s' is not REF=%s[:comment]", spec, vkey);
	ref = px_strndup(spec, (size_t)(eq - spec));
	colon = strchr(eq + 1, ':');
	word = colon ? px_strndup(eq + 1, (size_t)(colon - eq - 1))
	             : px_strdup(eq + 1);
	len = strlen(ref);
	json_array_foreach(disclosed, i, v)
	{
		struct px_msg *m = NULL;

		if (px_msg_parse(&m, (json_t *)v, "disclosed") < 0) {
			px_error_clear();
			continue;
		}
		if (m->type == type && len >= 8 &&
		    strncmp(m->hash, ref, len) == 0) {
			hits++;
			json_array_append_new(
			    out, json_pack("{ss}", key, m->hash));
		}
		px_msg_free(m);
	}
	if (hits != 1) {
		if (hits > 1)
			json_array_remove(out, json_array_size(out) - 1);
		rc = px_error_set(hits ? PX_EINVAL : PX_ENOTFOUND,
		    "'%s' names %d disclosed %ss; give at least 8 hex digits "
		    "of one",
		    ref, hits, px_msg_type_names[type].wire);
		goto out;
	}
	if ((w = px_name_lookup(names, nn, vkey, word)) < 0) {
		json_array_remove(out, json_array_size(out) - 1);
		rc = w;
		goto out;
	}
	{
		json_t *o = json_array_get(out, json_array_size(out) - 1);

		json_object_set_new(o, vkey, json_string(names[w].wire));
		if (colon && colon[1])
			json_object_set_new(
			    o, "comment", json_string(colon + 1));
	}
out:
	free(ref);
	free(word);
	return rc;
}

static bool
judged(const json_t *list, const char *key, const char *hash)
{
	const json_t *v;
	size_t i;

	json_array_foreach(list, i,
	    v) if (strcmp(json_string_value(json_object_get(v, key)), hash) ==
	    0) return true;
	return false;
}

/* What this node found of each disclosed item: its copy received and
 * re-hashed, or not received. */
static json_t *
items_checked(struct px_node *n, const struct px_case *c, const json_t *items)
{
	json_t *out = json_array();
	const json_t *v;
	size_t i;

	json_array_foreach(items, i, v)
	{
		const struct px_ev_item *it =
		    px_ev_find(c, json_string_value(v));
		json_t *r = NULL;
		const char *st = "not-received";
		const char *sha = NULL;

		if (it && px_ev_held_locally(n, it)) {
			int rc = px_ev_verify(&r, n, it);

			sha = json_string_value(json_object_get(r, "sha256"));
			st = rc == 0 ? "verified" : "mismatch";
		}
		px_error_clear();
		json_array_append_new(out,
		    json_pack(
		        "{ss ss}", "item", json_string_value(v), "status", st));
		if (sha)
			json_object_set_new(
			    json_array_get(out, i), "sha256", json_string(sha));
		json_decref(r);
	}
	return out;
}

int
px_attrib_review(
    struct px_node *n, const struct px_review_in *in, json_t **review)
{
	struct px_case c;
	const json_t *d, *msgs, *v;
	json_t *findings = json_array(), *assessments = json_array(), *r = NULL,
	       *text = NULL;
	const char *discloser, *other;
	size_t i;
	int rc;

	px_case_init(&c);
	if (!px_node_is_verifier(n)) {
		rc = px_error_set(PX_EINVAL,
		    "only a neutral verifier reviews (parley.conf role = "
		    "verifier)");
		goto out;
	}
	if ((rc = px_node_case_load(&c, n, in->case_ref, NULL)) < 0)
		goto out;
	if (c.kind != PX_KIND_VERIFICATION ||
	    c.msgs[0]->type != PX_MSG_DISCLOSE) {
		rc = px_error_set(PX_EINVAL,
		    "case %s is not a disclosure to this verifier", c.id);
		goto out;
	}
	d = json_object_get(c.msgs[0]->body, "disclosure");
	msgs = json_object_get(d, "messages");
	for (i = 0; i < in->nfindings; i++)
		if ((rc = judge(findings, msgs, PX_MSG_FINDING, in->findings[i],
		         "finding", "verdict", px_verdict_names, PX_VD__N)) < 0)
			goto out;
	for (i = 0; i < in->nassessments; i++)
		if ((rc = judge(assessments, msgs, PX_MSG_ASSESSMENT,
		         in->assessments[i], "assessment", "opinion",
		         px_opinion_names, PX_OP__N)) < 0)
			goto out;
	/* Every disclosed finding and assessment gets an answer. */
	json_array_foreach(msgs, i, v)
	{
		struct px_msg *m = NULL;
		bool missing = false;

		if (px_msg_parse(&m, (json_t *)v, "disclosed") < 0) {
			px_error_clear();
			continue;
		}
		if (m->type == PX_MSG_FINDING)
			missing = !judged(findings, "finding", m->hash);
		if (m->type == PX_MSG_ASSESSMENT)
			missing = !judged(assessments, "assessment", m->hash);
		if (missing)
			rc = px_error_set(PX_EINVAL,
			    "the %s %.16s... by %s has no %s yet: every "
			    "disclosed finding and assessment is judged",
			    px_msg_type_names[m->type].wire, m->hash, m->from,
			    m->type == PX_MSG_FINDING ? "verdict" : "opinion");
		px_msg_free(m);
		if (rc < 0)
			goto out;
	}
	discloser = c.requester;
	other = strcmp(json_string_value(
	                   json_array_get(json_object_get(d, "parties"), 0)),
	            discloser) == 0
	    ? json_string_value(
	          json_array_get(json_object_get(d, "parties"), 1))
	    : json_string_value(
	          json_array_get(json_object_get(d, "parties"), 0));
	r = json_pack("{ss sO sO ss ss so so so sO}", "disclosure",
	    c.msgs[0]->hash, "case", json_object_get(d, "case"), "parties",
	    json_object_get(d, "parties"), "discloser", discloser, "verifier",
	    n->name, "items", items_checked(n, &c, json_object_get(d, "items")),
	    "findings", findings, "assessments", assessments, "withheld",
	    json_object_get(d, "withheld"));
	findings = assessments = NULL;
	if ((rc = px_text_obj(&text, n, &in->text, "text")) < 0)
		goto out;
	/* To each party, in a case of its own: both logs witness it. */
	{
		const char *to[2] = { discloser, other };
		char ref[9], title[301];

		px_case_ref(ref, json_string_value(json_object_get(d, "case")));
		snprintf(title, sizeof(title),
		    "Review by %s of case %s (disclosed by %s)", n->name, ref,
		    discloser);
		for (int k = 0; k < 2; k++) {
			json_t *b = json_pack("{s{ss ss ss ss ss} sO}", "case",
			    "kind", "verification", "category",
			    px_category_names[c.category].wire, "priority",
			    "P4", "tlp", px_tlp_names[c.tlp].wire, "title",
			    title, "review", r);

			if (text)
				json_object_set(b, "text", text);
			rc = px_node_send(
			    n, to[k], NULL, PX_MSG_REVIEW, b, NULL);
			json_decref(b);
			if (rc < 0) {
				px_error_prefix("review to %s", to[k]);
				goto out;
			}
		}
	}
	if (review) {
		*review = r;
		r = NULL;
	}
out:
	json_decref(findings);
	json_decref(assessments);
	json_decref(r);
	json_decref(text);
	px_case_dispose(&c);
	return rc;
}
