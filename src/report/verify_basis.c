/*
 * Verifying what a review report's clocks are computed with, and
 * recomputing them (verify_internal.h; docs/report.md, "Verifying a
 * report").
 *
 * The report carries the agreement versions it counts under (each as the
 * signed proposal and the signed acceptance, version 0 as the documented
 * defaults) and the two parties' signed cards (the responder's calendar).
 * Each row's entries name the messages of its case, which both parties
 * hold, so a party's node replays the case with the model itself and
 * compares every clock: nothing of the writer's arithmetic is trusted.
 */
#include "model/canon.h"
#include "model/card.h"
#include "node/log.h"
#include "report/sign.h"
#include "report/verify_internal.h"
#include "util/util.h"

void
px_rv_basis_init(struct px_rv_basis *b)
{
	memset(b, 0, sizeof(*b));
}

void
px_rv_basis_dispose(struct px_rv_basis *b)
{
	for (int i = 0; i < 2; i++)
		if (b->have_cal[i])
			px_calendar_dispose(&b->cal[i]);
	free(b->ag);
	px_rv_basis_init(b);
}

/* The signing key of party `name` as this node knows it: its own, or
 * the pinned peer's.  false when neither. */
static int
key_of(
    uint8_t pk[PX_PUBKEY_LEN], struct px_node *n, const char *name, bool *known)
{
	struct px_peer *p = NULL;
	int rc;

	*known = false;
	if (strcmp(name, n->name) == 0) {
		memcpy(pk, n->sign.pk, PX_PUBKEY_LEN);
		*known = true;
		return 0;
	}
	if ((rc = px_peer_load(&p, n, name)) < 0)
		return rc == PX_ENOTFOUND ? 0 : rc;
	memcpy(pk, p->card.sign_pk, PX_PUBKEY_LEN);
	*known = true;
	px_peer_free(p);
	return 0;
}

static int
check_sig(struct px_report_verdict *res, struct px_node *n, const json_t *doc,
    const struct px_report_params *p)
{
	uint8_t pk[PX_PUBKEY_LEN];
	bool known;
	int rc;

	if ((rc = key_of(pk, n, p->node, &known)) < 0)
		return rc;
	if (!known)
		px_rv_mismatch(res,
		    "signature: %s is neither this node nor a pinned peer, so "
		    "its key is not known here",
		    p->node);
	else if (px_report_sig_check(doc, pk) < 0)
		px_rv_mismatch(res, "signature: %s", px_error_last());
	else
		px_rv_checked(res,
		    "the report is signed as a whole with %s's key", p->node);
	return 0;
}

/* The embedded cards: each signed with its party's key as this node
 * knows it; their calendars are what the clocks count in. */
static int
check_cards(struct px_report_verdict *res, struct px_node *n, const json_t *doc,
    const struct px_report_params *p, struct px_rv_basis *b)
{
	const json_t *cards = json_object_get(doc, "cards"), *env;
	size_t i;
	int rc;

	b->party[0] = p->node;
	b->party[1] = p->peer;
	if (!json_is_array(cards)) {
		px_rv_mismatch(res,
		    "cards: the report carries no cards, so the responders' "
		    "calendars are not known and no clock is recomputed");
		return 0;
	}
	json_array_foreach(cards, i, env)
	{
		struct px_card card = { 0 };
		const struct px_tz *tz;
		uint8_t pk[PX_PUBKEY_LEN];
		bool known;
		int who;

		if (px_card_from_json(&card, (json_t *)env, "card") < 0) {
			px_rv_mismatch(
			    res, "cards[%zu]: %s", i + 1, px_error_last());
			continue;
		}
		who = strcmp(card.name, p->node) == 0 ? 0
		    : strcmp(card.name, p->peer) == 0 ? 1
		                                      : -1;
		if (who < 0 || b->have_cal[who]) {
			px_rv_mismatch(res,
			    "cards[%zu]: a card of %s, not of one of the "
			    "report's two parties (or a second one)",
			    i + 1, card.name);
			goto next;
		}
		if ((rc = key_of(pk, n, card.name, &known)) < 0) {
			px_card_dispose(&card);
			return rc;
		}
		if (known && memcmp(pk, card.sign_pk, PX_PUBKEY_LEN) != 0) {
			px_rv_mismatch(res,
			    "cards[%zu]: the card of %s is signed with another "
			    "key than the one this node holds for it",
			    i + 1, card.name);
			goto next;
		}
		if (px_node_card_calendar(n, &card, &b->cal[who], &tz) < 0) {
			px_rv_mismatch(
			    res, "cards[%zu]: %s", i + 1, px_error_last());
			goto next;
		}
		b->have_cal[who] = true;
		px_rv_checked(res,
		    "card of %s (version %lld) verified: its calendar is %s's "
		    "when it responds",
		    card.name, (long long)card.version, card.name);
	next:
		px_card_dispose(&card);
	}
	return 0;
}

/* The proposal as this node holds it (both parties hold every
 * agreement message): a report whose copy differs names the settings
 * that differ. */
static int
held_proposal(struct px_report_verdict *res, struct px_node *n,
    const struct px_msg *prop, const char *what)
{
	struct px_case c;
	struct px_agreement mine, theirs;
	int rc = px_node_case_load(&c, n, prop->id, NULL);

	if (rc == PX_ENOTFOUND)
		return 0; /* not held here: the signatures decide */
	if (rc < 0)
		return rc;
	if (strcmp(c.msgs[0]->hash, prop->hash) == 0) {
		px_rv_checked(
		    res, "%s: the proposal is the one this node holds", what);
	} else if (c.terms && px_agreement_from_json(&mine, c.terms) == 0 &&
	    px_agreement_from_json(&theirs,
	        json_object_get(
	            json_object_get(prop->body, "proposal"), "terms")) == 0) {
		json_t *d = px_agreement_diff(&mine, &theirs);
		char *s = json_dumps(d, JSON_COMPACT);

		px_rv_mismatch(res,
		    "%s: the report's copy of the proposal differs from the "
		    "signed one this node holds (case %s)%s%s",
		    what, c.id, json_array_size(d) ? ": " : "",
		    json_array_size(d) ? s : "");
		free(s);
		json_decref(d);
	} else {
		px_rv_mismatch(res,
		    "%s: the report's copy of the proposal differs from the "
		    "signed one this node holds (case %s)",
		    what, c.id);
	}
	px_case_dispose(&c);
	return 0;
}

/* One embedded agreement of version >= 1: the proposal and the
 * acceptance, each signed by its sender, answering each other. */
static int
check_one_agreement(struct px_report_verdict *res, struct px_node *n,
    const json_t *a, int64_t v, const struct px_report_params *p,
    struct px_agreement *terms, bool *ok)
{
	struct px_msg *prop = NULL, *ans = NULL;
	const json_t *pb;
	uint8_t pk[PX_PUBKEY_LEN];
	bool known;
	json_t *tj;
	int rc = 0;
	const char *bad = NULL;
	char what[64];

	*ok = false;
	snprintf(what, sizeof(what), "agreement version %lld", (long long)v);
	if (px_msg_parse(&prop, json_object_get(a, "proposal"), what) < 0 ||
	    px_msg_parse(&ans, json_object_get(a, "answer"), what) < 0) {
		px_rv_mismatch(res, "%s", px_error_last());
		goto out;
	}
	pb = json_object_get(prop->body, "proposal");
	if ((rc = held_proposal(res, n, prop, what)) < 0)
		goto out;
	for (int k = 0; k < 2; k++) {
		const struct px_msg *m = k ? ans : prop;

		if ((rc = key_of(pk, n, m->from, &known)) < 0)
			goto out;
		if (!known) {
			px_rv_mismatch(res,
			    "%s: the key of %s is not known here", what,
			    m->from);
			goto out;
		}
		if (px_msg_verify(m, pk) < 0) {
			px_rv_mismatch(res,
			    "%s: the %s's signature by %s does not verify "
			    "(its terms or another member were altered)",
			    what, k ? "acceptance" : "proposal", m->from);
			goto out;
		}
	}
	if (prop->type != PX_MSG_PROPOSE || ans->type != PX_MSG_ACCEPT)
		bad = "it is not a proposal and its acceptance";
	else if (json_integer_value(json_object_get(pb, "version")) != v ||
	    json_integer_value(json_object_get(ans->body, "version")) != v)
		bad = "the proposal or the acceptance names another version";
	else if (strcmp(ans->case_id, prop->id) != 0 ||
	    strcmp(json_string_value(json_object_get(ans->body, "proposal")),
	        prop->hash) != 0)
		bad = "the acceptance does not answer this proposal (another "
		      "case or hash: was the proposal altered?)";
	else if (strcmp(ans->from, prop->to) != 0 ||
	    strcmp(ans->to, prop->from) != 0)
		bad =
		    "the acceptance does not come from the proposal's receiver";
	else if (!((strcmp(prop->from, p->node) == 0 &&
	               strcmp(prop->to, p->peer) == 0) ||
	             (strcmp(prop->from, p->peer) == 0 &&
	                 strcmp(prop->to, p->node) == 0)))
		bad = "it is not between the report's two parties";
	if (bad) {
		px_rv_mismatch(res, "%s: %s", what, bad);
		goto out;
	}
	tj = json_object_get(pb, "terms");
	if (px_agreement_from_json(terms, tj) < 0) {
		px_rv_mismatch(res, "%s: its terms cannot be read: %s", what,
		    px_error_last());
		goto out;
	}
	*ok = true;
	px_rv_checked(res,
	    "agreement version %lld: proposed by %s, accepted by %s, both "
	    "signatures verify",
	    (long long)v, prop->from, ans->from);
out:
	px_msg_free(prop);
	px_msg_free(ans);
	return rc;
}

static int
check_agreements(struct px_report_verdict *res, struct px_node *n,
    const json_t *doc, const struct px_report_params *p, struct px_rv_basis *b)
{
	const json_t *ags = json_object_get(doc, "agreements"), *a;
	const struct px_agreement *hdr = NULL;
	size_t i;
	int rc;

	if (!json_is_array(ags)) {
		px_rv_mismatch(res,
		    "agreements: the report carries no agreements, so no clock "
		    "is recomputed");
		return 0;
	}
	b->ag = px_calloc(json_array_size(ags) + 1, sizeof(*b->ag));
	json_array_foreach(ags, i, a)
	{
		struct px_agreement t;
		int64_t v;
		bool ok = false;

		if (px_j_int(&v, a, "version", 0, PX_JSON_MAX_INT,
		        "agreement") < 0) {
			px_rv_mismatch(
			    res, "agreements[%zu]: %s", i + 1, px_error_last());
			continue;
		}
		if (v == 0) {
			struct px_agreement d;

			px_agreement_default(&d);
			if (px_agreement_from_json(
			        &t, json_object_get(a, "terms")) < 0) {
				px_rv_mismatch(res,
				    "agreement version 0: its terms cannot be "
				    "read: %s",
				    px_error_last());
			} else if (!px_agreement_equal(&t, &d)) {
				json_t *diff = px_agreement_diff(&d, &t);
				char *s = json_dumps(diff, JSON_COMPACT);

				px_rv_mismatch(res,
				    "agreement version 0: its terms are not "
				    "the defaults (%s)",
				    s ? s : "?");
				free(s);
				json_decref(diff);
			} else {
				ok = true;
			}
		} else if ((rc = check_one_agreement(
		                res, n, a, v, p, &t, &ok)) < 0) {
			return rc;
		}
		if (!ok)
			continue;
		b->ag[b->nag].version = v;
		b->ag[b->nag].terms = t;
		b->nag++;
	}
	for (i = 0; i < b->nag; i++)
		if (b->ag[i].version == p->agreement)
			hdr = &b->ag[i].terms;
	if (hdr == NULL)
		px_rv_mismatch(res,
		    "report.agreement: version %lld, in force at as_of, is not "
		    "among the agreements that verified",
		    (long long)p->agreement);
	else if (hdr->verify_within != p->verify_within_ms)
		px_rv_mismatch(res,
		    "report.verify_within_ms: the file says %lld, agreement "
		    "version %lld gives %lld",
		    (long long)p->verify_within_ms, (long long)p->agreement,
		    (long long)hdr->verify_within);
	return 0;
}

int
px_rv_check_basis(struct px_report_verdict *res, struct px_node *n,
    const json_t *doc, const struct px_report_params *p, struct px_rv_basis *b)
{
	int rc;

	if ((rc = check_sig(res, n, doc, p)) < 0 ||
	    (rc = check_cards(res, n, doc, p, b)) < 0 ||
	    (rc = check_agreements(res, n, doc, p, b)) < 0)
		return rc;
	return 0;
}

static const struct px_agreement *
terms_of(const struct px_rv_basis *b, int64_t v)
{
	for (size_t i = 0; i < b->nag; i++)
		if (b->ag[i].version == v)
			return &b->ag[i].terms;
	return NULL;
}

static int
by_replay_order(const void *x, const void *y)
{
	const struct px_msg *a = *(struct px_msg *const *)x;
	const struct px_msg *b = *(struct px_msg *const *)y;
	int c;

	if (a->time_ms != b->time_ms)
		return a->time_ms < b->time_ms ? -1 : 1;
	if ((c = strcmp(a->from, b->from)) != 0)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Reading a case's stored messages once, keeping those the entries
 * name (by message hash), in entry order. */
struct picked {
	struct px_node *n;
	const json_t *ents;
	struct px_msg **ms; /* per entry, or NULL */
	int64_t received;   /* the opening message's receipt time, or -1 */
};

static int
pick(const struct px_msg_row *r, void *arg)
{
	struct picked *pk = arg;
	const json_t *e;
	size_t j;
	int rc;

	json_array_foreach(pk->ents, j, e)
	{
		const char *h = json_string_value(json_object_get(e, "msg"));

		if (h == NULL || pk->ms[j] || strcmp(h, r->hash) != 0)
			continue;
		if ((rc = px_node_msg_from_row(&pk->ms[j], r)) < 0)
			return rc;
		if (px_msg_opens(pk->ms[j]->type))
			pk->received = px_node_msg_received(pk->n, r);
		break;
	}
	return 0;
}

/* The case's messages the row's entries name, from this node's store
 * (one query for the case), each compared with its entry; *nm of them in
 * *ms (caller frees).  Returns 1 when one is missing (nothing to
 * recompute with). */
static int
row_messages(struct px_report_verdict *res, struct px_node *n,
    const json_t *row, const char *id, struct px_msg ***ms, size_t *nm,
    int64_t *received_store)
{
	const json_t *ents = json_object_get(row, "entries"), *e;
	struct picked pk = { .n = n, .ents = ents, .received = -1 };
	size_t j;
	int rc, missing = 0;

	*nm = 0;
	pk.ms = px_calloc(json_array_size(ents) + 1, sizeof(*pk.ms));
	*ms = pk.ms;
	if ((rc = PX_STORE_CALL(n->store, msg_list_case, id, pick, &pk)) < 0) {
		for (j = 0; j < json_array_size(ents); j++)
			px_msg_free(pk.ms[j]);
		return rc;
	}
	*received_store = pk.received;
	json_array_foreach(ents, j, e)
	{
		const char *h = json_string_value(json_object_get(e, "msg"));
		const char *type =
		    json_string_value(json_object_get(e, "type"));
		const struct px_msg *m = pk.ms[j];
		int64_t t = -1;

		if (m == NULL) {
			struct px_msg_row r = { 0 };

			/* Not this case's: another case's, or not held. */
			if (h == NULL)
				px_rv_mismatch(res,
				    "case %s entry %zu: no 'msg' (the "
				    "message's hash): its clocks cannot be "
				    "recomputed",
				    id, j + 1);
			else if (PX_STORE_CALL(n->store, msg_get, h, &r) == 0)
				px_rv_mismatch(res,
				    "case %s entry %zu: message %.16s... "
				    "belongs to case %s",
				    id, j + 1, h, r.case_id);
			px_msg_row_dispose(&r);
			missing = 1;
			continue;
		}
		if (json_is_string(json_object_get(e, "time")) &&
		    px_j_time(&t, e, "time", "entry") < 0)
			t = -1; /* malformed: differs from the message */
		/* For its own report the entry check compares the leaf's
		 * message already. */
		if (!res->own &&
		    (type == NULL ||
		        strcmp(type, px_msg_type_names[m->type].wire) != 0 ||
		        t != m->time_ms)) {
			char at[PX_TIME_STRLEN], said[PX_TIME_STRLEN] = "?";

			px_time_format(at, m->time_ms);
			if (t >= 0)
				px_time_format(said, t);
			px_rv_mismatch(res,
			    "case %s entry %zu: the message it names is a %s "
			    "signed at %s, not the %s at %s the report gives",
			    id, j + 1, px_msg_type_names[m->type].wire, at,
			    type ? type : "?", said);
		}
	}
	/* Compact, in entry order. */
	for (j = 0; j < json_array_size(ents); j++)
		if (pk.ms[j])
			pk.ms[(*nm)++] = pk.ms[j];
	return missing;
}

/* "met, deadline T, stopped S" for a message. */
static void
clock_words(char *out, size_t n, const char *state, int64_t dl, int64_t st)
{
	char a[PX_TIME_STRLEN] = "none", b[PX_TIME_STRLEN] = "not stopped";

	if (dl >= 0 && dl != INT64_MAX)
		px_time_format(a, dl);
	if (st >= 0)
		px_time_format(b, st);
	snprintf(out, n, "%s, deadline %s, %s%s", state, a,
	    st >= 0 ? "stopped " : "", b);
}

static int64_t
opt_time(const json_t *o, const char *key)
{
	int64_t t = -1;

	if (json_is_string(json_object_get(o, key)) &&
	    px_j_time(&t, o, key, "clock") < 0)
		t = -2; /* malformed: never equal */
	return t;
}

/* Compares the row's clocks with the recomputed ones; true if all
 * agree. */
static bool
compare_clocks(struct px_report_verdict *res, const char *id, const json_t *row,
    const struct px_clock_status s[PX_CLK__N], int64_t version,
    const char *responder)
{
	const json_t *clocks = json_object_get(row, "clocks");
	bool all = true;

	for (int k = 0; k < PX_CLK__N; k++) {
		const json_t *c =
		    json_object_get(clocks, px_clock_names[k].wire);
		const char *st = json_string_value(json_object_get(c, "state"));
		const char *want = px_clock_state_names[s[k].state];
		bool na = s[k].state == PX_CS_NA;
		int64_t dl = opt_time(c, "deadline"),
		        sp = opt_time(c, "stopped");
		int64_t wdl =
		    na || s[k].deadline == INT64_MAX ? -1 : s[k].deadline;
		int64_t wst = s[k].stopped;
		int64_t start = opt_time(c, "start");
		int64_t wstart = na ? -1 : s[k].start;
		char a[160], b[160];

		if (st && strcmp(st, want) == 0 && dl == wdl && sp == wst &&
		    start == wstart)
			continue;
		all = false;
		clock_words(a, sizeof(a), st ? st : "(no state)", dl, sp);
		clock_words(b, sizeof(b), want, wdl, wst);
		px_rv_mismatch(res,
		    "case %s clock %s: the file says %s; recomputed from its "
		    "messages under agreement version %lld in %s's calendar: "
		    "%s%s",
		    id, px_clock_names[k].wire, a, (long long)version,
		    responder, b,
		    start != wstart ? " (and another start)" : "");
	}
	return all;
}

/* Which clocks a row's case counts under, checked against the case's own
 * opening message and the embedded agreements; NULL when it cannot be
 * recomputed. */
static const struct px_agreement *
row_terms(struct px_report_verdict *res, const char *id, const json_t *row,
    const struct px_case *c, const struct px_rv_basis *b, int64_t *used)
{
	const json_t *ag = json_object_get(row, "agreement");
	const json_t *named = json_object_get(ag, "named");
	const struct px_agreement *t;

	if (px_j_int(used, ag, "version", 0, PX_JSON_MAX_INT, "agreement") <
	    0) {
		px_rv_mismatch(res, "case %s: %s", id, px_error_last());
		return NULL;
	}
	if (c->agreement_named ? !json_is_integer(named) ||
	            json_integer_value(named) != c->agreement
	                       : !(named == NULL || json_is_null(named))) {
		char a[32] = "none", f[32] = "none";

		if (c->agreement_named)
			snprintf(a, sizeof(a), "%lld", (long long)c->agreement);
		if (json_is_integer(named))
			snprintf(f, sizeof(f), "%lld",
			    (long long)json_integer_value(named));
		px_rv_mismatch(res,
		    "case %s: its opening message names agreement version %s, "
		    "the report says %s",
		    id, a, f);
	}
	if (terms_of(b, c->agreement) && *used != c->agreement)
		px_rv_mismatch(res,
		    "case %s names agreement version %lld, which the report "
		    "carries, yet counts under version %lld",
		    id, (long long)c->agreement, (long long)*used);
	if ((t = terms_of(b, *used)) == NULL)
		px_rv_mismatch(res,
		    "case %s counts under agreement version %lld, which the "
		    "report does not carry (or which did not verify)",
		    id, (long long)*used);
	return t;
}

int
px_rv_check_clocks(struct px_report_verdict *res, struct px_node *n,
    const json_t *rows, const struct px_report_params *p,
    const struct px_rv_basis *b)
{
	const json_t *row;
	size_t i, done = 0, skipped = 0, agree = 0;
	int rc = 0;

	json_array_foreach(rows, i, row)
	{
		const char *id = json_string_value(json_object_get(row, "id"));
		struct px_msg **ms = NULL;
		struct px_clock_status s[PX_CLK__N];
		const struct px_agreement *t;
		struct px_case c;
		size_t nm = 0;
		int64_t recv_store, recv = -1, used = 0;
		int who, missing;

		if (id == NULL)
			continue; /* check_rows names it */
		px_case_init(&c);
		if ((missing = row_messages(
		         res, n, row, id, &ms, &nm, &recv_store)) < 0) {
			rc = missing;
			goto next;
		}
		if (missing || nm == 0) {
			if (res->own)
				px_rv_mismatch(res,
				    "case %s: a message its entries name is not "
				    "in this node's store",
				    id);
			skipped++;
			goto next;
		}
		qsort(ms, nm, sizeof(*ms), by_replay_order);
		for (size_t k = 0; k < nm && rc == 0; k++)
			if (px_case_replay(&c, ms[k]) < 0) {
				px_rv_mismatch(res,
				    "case %s: its messages do not replay: %s",
				    id, px_error_last());
				skipped++;
				goto next;
			}
		if (json_is_string(json_object_get(row, "received")) &&
		    px_j_time(&recv, row, "received", "row") == 0) {
			if (recv_store >= 0 && recv_store != recv)
				px_rv_mismatch(res,
				    "case %s: 'received' (the start of its "
				    "clocks) is not the receipt time this "
				    "node's record holds",
				    id);
			px_case_set_delivered(&c, recv);
		}
		who = strcmp(c.responder, b->party[0] ? b->party[0] : "") == 0
		    ? 0
		    : 1;
		if ((t = row_terms(res, id, row, &c, b, &used)) == NULL ||
		    !b->have_cal[who]) {
			skipped++;
			goto next;
		}
		px_case_clocks(s, &c, t, &b->cal[who], p->as_of_ms);
		done++;
		if (compare_clocks(res, id, row, s, used, c.responder))
			agree++;
	next:
		for (size_t k = 0; k < nm; k++)
			px_msg_free(ms[k]);
		free(ms);
		px_case_dispose(&c);
		if (rc < 0)
			return rc;
	}
	px_rv_checked(res,
	    "%zu of %zu cases' clocks recomputed from their messages under "
	    "the agreement version each counts under, in the responder's "
	    "calendar: %zu agree%s",
	    done, json_array_size(rows), agree,
	    skipped ? " (the others could not be recomputed here)" : "");
	return 0;
}
