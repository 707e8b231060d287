/*
 * The after-action report of an exercise: computing it from a node's
 * record (aar.h, docs/exercises.md "After-action report").
 *
 * Everything but the header's time of writing, the checkpoint, the cards
 * and the signature is a function of the record at `as_of` (aar_body),
 * so the verifier recomputes it from its own store and compares.  The
 * part both parties sign is the scores object of the model
 * (px_exercise_scores); log indices and figures derive from the same
 * messages.
 */
#include "model/bundle.h"
#include "model/canon.h"
#include "node/exercise.h"
#include "node/log.h"
#include "report/aar.h"
#include "report/aar_internal.h"
#include "report/sign.h"
#include "report/stats.h"
#include "util/util.h"

static json_t *
jtext(const json_t *t)
{
	return t ? json_deep_copy(t) : json_null();
}

/* ---- Log indices ---- */

/* The receiver's index for our message: from the receipt it signed. */
static int64_t
receipt_index(struct px_node *n, const char *msg)
{
	struct px_receipt *r = NULL;
	json_t *env = NULL;
	char *raw = NULL;
	int64_t idx = -1;

	if (PX_STORE_CALL(n->store, receipt_get, msg, &raw, NULL) == 0 &&
	    px_json_parse(
	        &env, raw, strlen(raw), PX_MSG_MAX_BYTES, "receipt") == 0 &&
	    px_receipt_parse(&r, env, "receipt") == 0)
		idx = r->index;
	px_receipt_free(r);
	json_decref(env);
	free(raw);
	px_error_clear();
	return idx;
}

static json_t *
idx_json(int64_t i)
{
	return i >= 0 ? json_integer(i) : json_null();
}

/* Where a message sits in each party's log: the sender's leaf (the
 * message) and the receiver's (its receipt), as far as this node knows
 * them: its own from its log, the peer's from the receipt it signed or
 * the inclusion proof it sent. */
json_t *
px_aar_log_pair(struct px_node *n, const struct px_msg *m)
{
	struct px_msg_entry e;
	struct px_proof_row pr = { 0 };
	int64_t own = -1, peer = -1;
	bool ours = strcmp(m->from, n->name) == 0;

	if (px_log_msg_entry(&e, n, m) == 0)
		own = e.log;
	if (ours) {
		peer = receipt_index(n, m->hash);
	} else if (PX_STORE_CALL(n->store, proof_get, m->hash, &pr) == 0) {
		peer = pr.idx;
		px_proof_row_dispose(&pr);
	}
	px_error_clear();
	return json_pack("{soso}", n->name, idx_json(own),
	    ours ? m->to : m->from, idx_json(peer));
}

/* ---- Figures ---- */

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* {measured, median_ms, p90_ms, max_ms} of the values (nearest rank). */
static json_t *
summary(int64_t *v, size_t n)
{
	size_t m, p;

	if (n == 0)
		return json_pack("{si so so so}", "measured", 0, "median_ms",
		    json_null(), "p90_ms", json_null(), "max_ms", json_null());
	qsort(v, n, sizeof(*v), cmp_i64);
	m = (n + 1) / 2;
	p = (9 * n + 9) / 10;
	return json_pack("{sI sI sI sI}", "measured", (json_int_t)n,
	    "median_ms", (json_int_t)v[m - 1], "p90_ms", (json_int_t)v[p - 1],
	    "max_ms", (json_int_t)v[n - 1]);
}

struct times {
	int64_t *v[5]; /* ack, triage, first, hotline answer, check answer */
	size_t n[5];
	int64_t depth; /* the deepest page of the roster walks */
};

static void
add_time(struct times *t, int k, int64_t v)
{
	t->v[k] = px_realloc(t->v[k], (t->n[k] + 1) * sizeof(*t->v[k]));
	t->v[k][t->n[k]++] = v;
}

static bool
is_inject_msg(const struct px_msg *m)
{
	return json_object_get(
	           json_object_get(m->body, "exercise"), "inject") != NULL;
}

/* The responses an inject drew: the target's messages after it in its
 * case, up to the next inject played there, before the horizon. */
static json_t *
responses(struct px_node *n, const struct px_case *c, size_t at,
    int64_t horizon, json_t **times, struct times *t, int channel)
{
	const struct px_msg *im = c->msgs[at];
	json_t *a = json_array();
	int64_t ack = -1, tri = -1, first = -1, hot = -1, chk = -1, depth = 0;
	const char *by = NULL;

	for (size_t j = at + 1; j < c->n; j++) {
		const struct px_msg *m = c->msgs[j];
		const json_t *b = m->body;
		json_t *o;
		int64_t dt = m->time_ms - im->time_ms;
		bool eff = c->why[j] == NULL;
		const char *dec =
		    json_string_value(json_object_get(b, "decision"));

		if (is_inject_msg(m) || m->time_ms > horizon)
			break;
		if (strcmp(m->from, im->to) != 0)
			continue;
		o = json_pack("{ss ss ss so sb so}", "msg", m->hash, "type",
		    px_msg_type_names[m->type].wire, "from", m->from, "time",
		    px_json_time(m->time_ms), "effect", eff, "log",
		    px_aar_log_pair(n, m));
		if (dec)
			json_object_set_new(o, "decision", json_string(dec));
		if (json_object_get(b, "outcome"))
			json_object_set(
			    o, "outcome", json_object_get(b, "outcome"));
		if (json_object_get(b, "by"))
			json_object_set(o, "by", json_object_get(b, "by"));
		if (json_object_get(b, "page")) {
			const json_t *p = json_object_get(b, "page");
			int64_t att =
			    json_integer_value(json_object_get(p, "attempt"));

			json_object_set(o, "page", (json_t *)p);
			if (att > depth)
				depth = att;
		}
		json_array_append_new(a, o);
		if (!eff)
			continue;
		if (ack < 0 &&
		    (m->type == PX_MSG_ACK || m->type == PX_MSG_TRIAGE ||
		        m->type == PX_MSG_UPDATE || m->type == PX_MSG_RESULT))
			ack = dt;
		if (tri < 0 && m->type == PX_MSG_TRIAGE)
			tri = dt;
		if (first < 0 &&
		    (m->type == PX_MSG_UPDATE || m->type == PX_MSG_RESULT ||
		        (m->type == PX_MSG_TRIAGE && dec &&
		            (strcmp(dec, "declined") == 0 ||
		                strcmp(dec, "forwarded") == 0))))
			first = dt;
		if (hot < 0 && channel == PX_XCH_HOTLINE &&
		    m->type == PX_MSG_ACK) {
			hot = dt;
			by = json_string_value(json_object_get(b, "by"));
		}
		if (chk < 0 && channel == PX_XCH_CHECK &&
		    m->type == PX_MSG_CHECK_REPLY)
			chk = dt;
	}
	if (ack >= 0)
		add_time(t, 0, ack);
	if (tri >= 0)
		add_time(t, 1, tri);
	if (first >= 0)
		add_time(t, 2, first);
	*times = json_pack("{so so so}", "acknowledge_ms", idx_json(ack),
	    "triage_ms", idx_json(tri), "first_response_ms", idx_json(first));
	if (channel == PX_XCH_HOTLINE) {
		json_object_set_new(*times, "hotline",
		    json_pack("{so so sI}", "answer_ms", idx_json(hot),
		        "answered_by", by ? json_string(by) : json_null(),
		        "depth", (json_int_t)depth));
		if (hot >= 0)
			add_time(t, 3, hot);
		if (depth > t->depth)
			t->depth = depth;
	}
	if (channel == PX_XCH_CHECK) {
		json_object_set_new(*times, "check",
		    json_pack("{so}", "answer_ms", idx_json(chk)));
		if (chk >= 0)
			add_time(t, 4, chk);
	}
	return a;
}

/* ---- The body ---- */

static json_t *
expectation_row(const struct px_xexpect *xe, const struct px_xresult *r,
    int64_t sent, int64_t scale, struct px_node *n)
{
	json_t *o = json_pack("{ss ss ss sI sI ss so so sb}", "id", xe->id,
	    "what", px_xwhat_names[xe->what], "objective", xe->objective,
	    "weight", (json_int_t)xe->weight, "within_ms",
	    (json_int_t)(xe->within / scale), "status",
	    px_xstatus_names[r->status], "deadline", px_json_time(r->deadline),
	    "since", px_json_time(r->since), "late", r->late);

	if (r->answer) {
		json_object_set_new(o, "answer",
		    json_pack("{ss ss so sI so}", "msg", r->answer->hash,
		        "type", px_msg_type_names[r->answer->type].wire, "time",
		        px_json_time(r->answer->time_ms), "latency_ms",
		        (json_int_t)(r->answer->time_ms - sent), "log",
		        px_aar_log_pair(n, r->answer)));
	} else {
		json_object_set_new(o, "answer", json_null());
	}
	return o;
}

/* A finding: what went well (met) or not (partial, missed). */
static json_t *
finding(const struct px_xinject *in, const json_t *row)
{
	return json_pack("{ss ss sO sO sO sO so sO sO}", "inject", in->id,
	    "channel", px_xchan_names[in->channel], "title",
	    in->title ? in->title : json_null(), "expectation",
	    json_object_get(row, "id"), "what", json_object_get(row, "what"),
	    "objective", json_object_get(row, "objective"), "latency_ms",
	    json_is_object(json_object_get(row, "answer"))
	        ? json_incref(json_object_get(
	              json_object_get(row, "answer"), "latency_ms"))
	        : json_null(),
	    "within_ms", json_object_get(row, "within_ms"), "status",
	    json_object_get(row, "status"));
}

/* This node's log entry for a message (its own, or its receipt). */
static int
add_entry(json_t *entries, struct px_node *n, const struct px_msg *m)
{
	struct px_msg_entry e;
	int rc = px_log_msg_entry(&e, n, m);

	if (rc == PX_ENOTFOUND)
		return 0; /* not received yet, or not receipted */
	if (rc < 0)
		return rc;
	json_array_append_new(entries,
	    json_pack("{ss sI ss ss ss ss so}", "case", m->case_id, "log",
	        (json_int_t)e.log, "leaf", e.receipt ? "receipt" : "msg",
	        "hash", e.hash, "msg", m->hash, "type",
	        px_msg_type_names[m->type].wire, "time",
	        px_json_time(m->time_ms)));
	return 0;
}

static const char *
card_zone(struct px_node *n, const char *name)
{
	struct px_peer *p = NULL;
	static _Thread_local char z[64];

	if (strcmp(name, n->name) == 0)
		return n->tz ? px_tz_name(n->tz) : "UTC";
	snprintf(z, sizeof(z), "UTC");
	if (px_peer_load(&p, n, name) == 0 && p->card.timezone)
		snprintf(z, sizeof(z), "%s", p->card.timezone);
	px_peer_free(p);
	px_error_clear();
	return z;
}

int
px_aar_body(json_t **out, struct px_node *n, struct px_xctx *x, int64_t as_of)
{
	const struct px_exercise *ex = &x->ex;
	const struct px_scenario *s = ex->sc;
	struct px_xeval e;
	struct times t = { 0 };
	json_t *o, *tl = json_array(), *obj = NULL, *pl = NULL;
	json_t *strong = json_array(), *weak = json_array();
	json_t *entries = json_array(), *scores, *fig, *hdr, *tot;
	int64_t horizon =
	    ex->ended >= 0 && ex->ended < as_of ? ex->ended : as_of;
	size_t st[PX_XST__N] = { 0 }, raised = 0, checks = 0;
	char ref[12], h[PX_HASH_HEX];
	int rc = 0;

	*out = NULL;
	px_exercise_eval(&e, ex, as_of);
	px_exercise_ref(ref, x->xc.id);
	scores = px_exercise_scores(ex, &e);
	if ((rc = px_exercise_scores_hash(h, scores)) < 0)
		goto out;
	for (size_t i = 0; i < x->xc.n && rc == 0; i++)
		rc = add_entry(entries, n, x->xc.msgs[i]);
	for (size_t i = 0; i < e.ninj && rc == 0; i++) {
		const struct px_xinject *in = &s->injects[i];
		const struct px_xinject_state *is = &e.inj[i];
		json_t *row, *exp = json_array(), *times = json_null(), *resp;
		const struct px_msg *m =
		    is->c ? is->c->msgs[ex->played_at[i]] : NULL;
		char cref[9];

		row = json_pack("{ss sI ss sb sb}", "id", in->id, "serial",
		    (json_int_t)in->serial, "state",
		    px_xistate_names[is->state], "controller_only",
		    in->controller_only, "contingency", in->contingency);
		if (in->hidden) {
			json_array_append_new(tl, row);
			json_decref(exp);
			continue;
		}
		json_object_set_new(row, "move", json_integer(in->move));
		json_object_set_new(row, "phase", jtext(in->phase));
		json_object_set_new(row, "scenario_time",
		    in->scenario_time ? json_string(in->scenario_time)
		                      : json_null());
		json_object_set_new(
		    row, "channel", json_string(px_xchan_names[in->channel]));
		json_object_set_new(
		    row, "from", json_string(ex->party[in->party]));
		json_object_set_new(
		    row, "to", json_string(ex->party[in->to_party]));
		json_object_set_new(row, "persona",
		    in->persona ? json_string(in->persona) : json_null());
		json_object_set_new(row, "title", jtext(in->title));
		json_object_set_new(
		    row, "offset_ms", json_integer(in->offset / ex->scale));
		if (m == NULL) {
			json_object_set_new(row, "sent", json_null());
			json_object_set_new(row, "case", json_null());
			json_object_set_new(row, "responses", json_array());
			json_object_set_new(row, "times", json_null());
			json_object_set_new(row, "expectations", exp);
			json_array_append_new(tl, row);
			continue;
		}
		if (in->channel == PX_XCH_HOTLINE)
			raised++;
		if (in->channel == PX_XCH_CHECK)
			checks++;
		px_case_ref(cref, is->c->id);
		json_object_set_new(row, "sent", px_json_time(m->time_ms));
		json_object_set_new(row, "case", json_string(is->c->id));
		json_object_set_new(row, "ref", json_string(cref));
		json_object_set_new(row, "message", json_string(m->hash));
		json_object_set_new(row, "log", px_aar_log_pair(n, m));
		resp = responses(n, is->c, ex->played_at[i], horizon, &times,
		    &t, (int)in->channel);
		for (size_t k = 0; k < is->c->n && rc == 0; k++)
			if (is->c->msgs[k]->time_ms <= horizon)
				rc = add_entry(entries, n, is->c->msgs[k]);
		for (size_t k = 0; k < in->nexpect; k++) {
			json_t *er = expectation_row(&in->expect[k],
			    &is->res[k], m->time_ms, ex->scale, n);

			st[is->res[k].status]++;
			if (is->res[k].status == PX_XST_MET)
				json_array_append_new(strong, finding(in, er));
			else if (is->res[k].status != PX_XST_PENDING)
				json_array_append_new(weak, finding(in, er));
			json_array_append_new(exp, er);
		}
		json_object_set_new(row, "responses", resp);
		json_object_set_new(row, "times", times);
		json_object_set_new(row, "expectations", exp);
		json_array_append_new(tl, row);
	}
	if (rc < 0)
		goto out;
	obj = px_exercise_objectives_json(ex, &e);
	pl = px_exercise_plan_json(ex);
	tot = json_pack("{sI sI sI sI}", "met", (json_int_t)st[PX_XST_MET],
	    "partial", (json_int_t)st[PX_XST_PARTIAL], "missed",
	    (json_int_t)st[PX_XST_MISSED], "pending",
	    (json_int_t)st[PX_XST_PENDING]);
	fig = json_pack("{so so so so so so}", "acknowledge",
	    summary(t.v[0], t.n[0]), "triage", summary(t.v[1], t.n[1]),
	    "first_response", summary(t.v[2], t.n[2]), "hotline",
	    json_pack("{sI sI so sI}", "raised", (json_int_t)raised, "answered",
	        (json_int_t)t.n[3], "answer", summary(t.v[3], t.n[3]),
	        "max_depth", (json_int_t)t.depth),
	    "checks",
	    json_pack("{sI sI so}", "sent", (json_int_t)checks, "answered",
	        (json_int_t)t.n[4], "answer", summary(t.v[4], t.n[4])),
	    "expectations", tot);
	hdr = json_pack("{si ss ss ss ss ss so so ss sb so sI so so so}", "v",
	    1, "exercise", x->xc.id, "ref", ref, "node", n->name, "peer",
	    x->peer, "proposer", ex->party[0], "name", jtext(s->name),
	    "scenario",
	    json_pack("{ss sI ss sb}", "id", s->id ? s->id : "", "version",
	        (json_int_t)s->version, "hash", ex->hash, "revealed",
	        ex->revealed),
	    "state", px_xstate_names[e.state], "stopped", ex->stopped, "as_of",
	    px_json_time(as_of), "time_scale", (json_int_t)ex->scale, "started",
	    json_incref(json_object_get(scores, "started")), "ended",
	    px_json_time(ex->ended), "timezones",
	    json_pack("{ssss}", n->name, card_zone(n, n->name), x->peer,
	        card_zone(n, x->peer)));
	json_object_set_new(hdr, "stop",
	    ex->stop_msg
	        ? json_pack("{ss so so}", "by", ex->stop_msg->from, "time",
	              px_json_time(ex->stop_msg->time_ms), "text",
	              px_msg_text(ex->stop_msg)
	                  ? json_string(px_msg_text(ex->stop_msg))
	                  : json_null())
	        : json_null());
	o = json_pack("{so ss sO ss so so so s{soso} so so}", "aar", hdr,
	    "marking", "EXERCISE", "scores", scores, "scores_hash", h,
	    "timeline", tl, "figures", fig, "objectives", obj, "findings",
	    "strengths", strong, "improvements", weak, "plan", pl, "entries",
	    entries);
	tl = obj = pl = strong = weak = entries = NULL;
	json_object_set_new(o, "signatures", json_object());
	for (int p = 0; p < 2; p++) {
		const struct px_xsign *sg = &ex->sign[p];

		json_object_set_new(json_object_get(o, "signatures"),
		    ex->party[p],
		    sg->m ? json_pack("{ss so so sb}", "report", sg->hash, "by",
		                sg->by ? json_string(sg->by) : json_null(),
		                "time", px_json_time(sg->m->time_ms), "matches",
		                strcmp(sg->hash, h) == 0)
		          : json_null());
	}
	*out = o;
out:
	for (int k = 0; k < 5; k++)
		free(t.v[k]);
	json_decref(scores);
	json_decref(tl);
	json_decref(obj);
	json_decref(pl);
	json_decref(strong);
	json_decref(weak);
	json_decref(entries);
	px_xeval_dispose(&e);
	return rc;
}

static int
cards(json_t **out, struct px_node *n, const char *peer)
{
	struct px_peer *p = NULL;
	json_t *own = NULL;
	int rc;

	if ((rc = px_node_card(&own, n)) < 0 ||
	    (rc = px_peer_load(&p, n, peer)) < 0) {
		json_decref(own);
		return rc;
	}
	*out = json_pack("[oO]", own, p->card.env);
	px_peer_free(p);
	return 0;
}

int
px_aar_compute(json_t **out, struct px_node *n, const char *ref, int64_t now)
{
	struct px_xctx x;
	json_t *o = NULL, *ck = NULL, *cd = NULL;
	int rc;

	*out = NULL;
	if ((rc = px_xctx_load(&x, n, ref)) < 0)
		return rc;
	if (x.self < 0) {
		rc = px_error_set(
		    PX_EINVAL, "exercise %s is not this node's", x.xc.id);
		goto out;
	}
	if ((rc = px_aar_body(&o, n, &x, now)) < 0 ||
	    (rc = px_report_checkpoint_json(&ck, n)) < 0 ||
	    (rc = cards(&cd, n, x.peer)) < 0)
		goto out;
	json_object_set_new(
	    json_object_get(o, "aar"), "generated", px_json_time(now));
	json_object_set_new(o, "checkpoint", ck);
	json_object_set_new(o, "cards", cd);
	ck = cd = NULL;
	if ((rc = px_report_sign_as(o, &n->sign, PX_AAR_TAG)) < 0)
		goto out;
	*out = o;
	o = NULL;
out:
	json_decref(o);
	json_decref(ck);
	json_decref(cd);
	px_xctx_dispose(&x);
	return rc;
}

int
px_aar_make(struct px_buf *out, json_t **aar, struct px_node *n,
    const char *ref, int64_t now, const char *format, const char *lang)
{
	json_t *o = NULL;
	char *s;
	int rc;

	if (aar)
		*aar = NULL;
	if (strcmp(format, "json") && strcmp(format, "html") &&
	    strcmp(format, "csv"))
		return px_error_set(PX_EINVAL,
		    "unknown format '%s' (expected one of: html, csv, json)",
		    format);
	if (strcmp(lang, "en") && strcmp(lang, "zh"))
		return px_error_set(PX_EINVAL,
		    "unknown language '%s' (expected en or zh)", lang);
	if ((rc = px_aar_compute(&o, n, ref, now)) < 0)
		return rc;
	if (strcmp(format, "json") == 0) {
		s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
		px_buf_puts(out, s);
		px_buf_puts(out, "\n");
		free(s);
	} else if (strcmp(format, "html") == 0) {
		const json_t *z =
		    json_object_get(json_object_get(o, "aar"), "timezones");
		const char *peer = json_string_value(
		    json_object_get(json_object_get(o, "aar"), "peer"));
		const struct px_tz *zone[2] = { n->tz, NULL };

		if (px_node_tz(&zone[1], n,
		        json_string_value(json_object_get(z, peer))) < 0)
			zone[1] = NULL;
		rc = px_aar_html_zones(out, o, lang, zone);
	} else {
		rc = px_aar_csv(out, o, lang);
	}
	if (rc == 0 && aar)
		*aar = json_incref(o);
	json_decref(o);
	return rc;
}
