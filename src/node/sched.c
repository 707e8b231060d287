/*
 * The scheduler: ladder steps, hotline pages and scheduled checks, each a
 * signed message with its notifications queued in the same transaction.
 */
#include <sodium.h>

#include "node/exercise.h"
#include "node/internal.h"
#include "node/release.h"
#include "node/sched.h"
#include "notify/notify.h"
#include "util/util.h"

int
px_node_directory(struct px_node *n, json_t **contacts, json_t **roster)
{
	json_t *env = NULL, *c;
	int rc;

	/* Every alert of a new case asks (the desk), and the card behind it
	 * is parsed and compared with the stored one each time: the card's
	 * contacts and roster come from parley.conf, which this handle read
	 * once, so the first answer stands for the handle's life. */
	if (n->dir_contacts == NULL) {
		if ((rc = px_node_card(&env, n)) < 0)
			return rc;
		c = json_object_get(env, "card");
		n->dir_contacts = json_incref(json_object_get(c, "contacts"));
		n->dir_roster = json_incref(json_object_get(c, "roster"));
		if (n->dir_contacts == NULL)
			n->dir_contacts = json_array();
		if (n->dir_roster == NULL)
			n->dir_roster = json_array();
		json_decref(env);
	}
	*contacts = json_incref(n->dir_contacts);
	*roster = json_incref(n->dir_roster);
	return 0;
}

/* The text of a notification: English, then Chinese, since the people on
 * a roster may read either. */
static void
describe(struct px_buf *subj, struct px_buf *text, struct px_node *n,
    const struct px_case *c, const struct px_step *s, const char *peer,
    int64_t now)
{
	char ref[9], dl[PX_TZ_FORMAT_MAX], dlu[PX_TIME_STRLEN];
	const char *title;

	px_case_ref(ref, c->id);
	title = px_node_mail_title(c);
	px_tz_format(dl, sizeof(dl), n->tz, s->deadline);
	px_time_format(dlu, s->deadline);
	if (s->kind == PX_STEP_PAGE) {
		px_buf_putf(subj, "[parley] HOTLINE from %s: %s / 热线呼叫",
		    peer, title);
		px_buf_putf(text,
		    "The hotline of %s is calling you (page %d).\n"
		    "Case %s: %s\n\n"
		    "Acknowledge now:  parley case ack %s --by %s\n"
		    "or in the console.  If you do not, the next person on "
		    "the roster is paged.\n\n"
		    "%s 通过热线呼叫您（第 %d 次呼叫）。请立即确认：\n"
		    "parley case ack %s --by %s\n",
		    peer, s->attempt, ref, title, ref, s->contact, peer,
		    s->attempt, ref, s->contact);
		return;
	}
	px_buf_putf(subj, "[parley] %s %s: %s clock of case %s (%s)",
	    s->deadline <= now ? "OVERDUE" : "Due soon",
	    px_priority_names[c->priority].wire, px_clock_names[s->clock].label,
	    ref, peer);
	px_buf_putf(text,
	    "Escalation step %d (%s) on case %s with %s: %s\n"
	    "Kind %s, priority %s.  The %s clock's deadline is %s (%s).\n"
	    "Our side is the %s.\n\n"
	    "升级第 %d 级：与 %s 的案件 %s（%s）的“%s”时限为 %s。\n",
	    s->level, px_notify_role_names[s->who], ref, peer, title,
	    px_kind_names[c->kind].wire, px_priority_names[c->priority].wire,
	    px_clock_names[s->clock].label, dl, dlu,
	    strcmp(n->name, c->responder) == 0 ? "responder (we owe the answer)"
	                                       : "requester (we are waiting)",
	    s->level, peer, ref, title, px_clock_names[s->clock].label, dl);
}

static json_t *
step_body(const struct px_step *s, const json_t *contacts)
{
	char dl[PX_TIME_STRLEN];

	if (s->kind == PX_STEP_PAGE) {
		const json_t *ct = px_contact_find(contacts, s->contact);
		json_t *ch = json_array(), *p;
		static const char *const chans[] = { "email", "webhook",
			"phone" };

		for (int i = 0; i < 3; i++)
			if (json_string_value(json_object_get(ct, chans[i])))
				json_array_append_new(
				    ch, json_string(chans[i]));
		p = json_pack("{sisssO}", "attempt", s->attempt, "contact",
		    s->contact, "channels", ch);
		json_decref(ch);
		if (json_string_value(json_object_get(ct, "name")))
			json_object_set(p, "name", json_object_get(ct, "name"));
		return json_pack("{so}", "page", p);
	}
	px_time_format(dl, s->deadline);
	return json_pack("{s{sssissss}}", "ladder", "clock",
	    px_clock_names[s->clock].wire, "level", s->level, "notify",
	    px_notify_role_names[s->who], "deadline", dl);
}

static json_t *
step_event(const struct px_node *n, const struct px_case *c,
    const struct px_step *s, const char *peer, const struct px_msg *m)
{
	char t[PX_TIME_STRLEN], ref[9];
	json_t *e;

	px_case_ref(ref, c->id);
	px_time_format(t, m->time_ms);
	e = json_pack("{ssssssssssssssss}", "node", n->name, "peer", peer,
	    "case", c->id, "ref", ref, "kind", px_kind_names[c->kind].wire,
	    "priority", px_priority_names[c->priority].wire, "title",
	    px_node_mail_title(c), "time", t);
	json_object_set_new(e, "message", json_string(m->hash));
	if (s->kind == PX_STEP_PAGE) {
		json_object_set_new(e, "attempt", json_integer(s->attempt));
		json_object_set_new(e, "contact", json_string(s->contact));
	} else {
		px_time_format(t, s->deadline);
		json_object_set_new(
		    e, "clock", json_string(px_clock_names[s->clock].wire));
		json_object_set_new(e, "level", json_integer(s->level));
		json_object_set_new(e, "deadline", json_string(t));
	}
	return e;
}

struct due_list {
	char **ids;
	size_t n;
};

static int
collect_due(int64_t due, const char *id, const char *peer, void *arg)
{
	struct due_list *l = arg;

	(void)due;
	(void)peer;
	l->ids = px_realloc(l->ids, (l->n + 1) * sizeof(*l->ids));
	l->ids[l->n++] = px_strdup(id);
	return 0;
}

/* The peer's hotlines held by a cap, told to this node's duty people at
 * most once an hour per peer: one notice, whatever the flood.  Holds of
 * an exercise's hotlines are told apart from real ones, each at most once
 * an hour: a notice is marked EXERCISE by the case it names (notify.c),
 * and a real hold must never arrive only inside a notice marked as an
 * exercise, which a duty officer may rightly put aside. */
#define CAP_NOTICE_EVERY_MS (60 * 60 * 1000)
/* A held hotline is looked at again this often. */
#define CAP_RECHECK_MS (60 * 1000)

static int
cap_notice(struct px_node *n, const struct px_case *c, const char *peer,
    const char *rule, int64_t limit, int64_t count, const json_t *contacts,
    const json_t *roster, int64_t now)
{
	char *key = px_asprintf(
	         "cap_notice.%s%s", peer, c->exercise_id ? ".exercise" : ""),
	     *last = NULL, ref[9];
	struct px_buf subj, text;
	json_t *data = NULL;
	int rc = 0;

	if (PX_STORE_CALL(n->store, meta_get, key, &last) == 0 && last &&
	    now - strtoll(last, NULL, 10) < CAP_NOTICE_EVERY_MS)
		goto out;
	px_case_ref(ref, c->id);
	px_buf_init(&subj, PX_BUF_NOCAP);
	px_buf_init(&text, PX_BUF_NOCAP);
	px_buf_putf(&subj,
	    "[parley] %s: hotlines over the agreed cap, held without paging "
	    "/ 热线超出约定上限",
	    peer);
	if (strcmp(rule, "hotline_open_max") == 0)
		px_buf_putf(&text,
		    "%s has %lld hotlines waiting for an acknowledgement; the "
		    "agreement pages for at most %lld at once.  The later ones "
		    "are held: nobody is paged for them until the earlier ones "
		    "are acknowledged (the first held: %s, \"%s\").\n",
		    peer, (long long)count, (long long)limit, ref,
		    px_node_mail_title(c));
	else
		px_buf_putf(&text,
		    "This node has sent %lld pages for %s's hotlines in the "
		    "last hour; the agreement allows %lld.  Further pages are "
		    "held until the hour allows them (first held: %s, "
		    "\"%s\").\n",
		    (long long)count, peer, (long long)limit, ref,
		    px_node_mail_title(c));
	px_buf_putf(&text,
	    "Each hold is recorded in the case, signed, and the peer sees it. "
	    " Look at them all: parley hotline status.  This notice is sent "
	    "at most once an hour.\n\n%s 的热线超出协议约定的上限，已暂停呼叫；"
	    "详见 parley hotline status。\n",
	    peer);
	data = json_pack("{sssssssIsI}", "peer", peer, "rule", rule, "case",
	    c->id, "limit", (json_int_t)limit, "count", (json_int_t)count);
	{
		struct px_notify_item it = {
			.case_id = c->id,
			.event = "parley.hotline.capped",
			.subject = subj.data,
			.text = text.data,
			.data = data,
			.now = now,
		};

		rc = px_notify_duty(n, contacts, roster, &it);
	}
	if (rc == 0) {
		char v[24];

		snprintf(v, sizeof(v), "%lld", (long long)now);
		rc = PX_STORE_CALL(n->store, meta_set, key, v);
	}
	json_decref(data);
	px_buf_dispose(&subj);
	px_buf_dispose(&text);
out:
	free(last);
	free(key);
	return rc;
}

/* The agreement's flood caps (docs/deadlines.md, "Caps").  A hotline of
 * the peer beyond hotline_open_max unacknowledged ones, or any page past
 * pages_per_hour for the peer's hotlines, is held: its page steps are
 * dropped this tick (the walk resumes, with its spacing, once the cap
 * allows), the hold is recorded in the case as a signed escalate
 * {"capped": {rule, limit, count}} (once per hotline for the open cap,
 * once an hour for the page cap), and the duty officer gets one merged
 * notice an hour.  Ladder steps are never held. */
static int
apply_caps(struct px_node *n, const struct px_case *c, const struct px_peer *p,
    const json_t *contacts, const json_t *roster, struct px_step *steps,
    size_t *nsteps, int64_t *next, int64_t now)
{
	const struct px_agreement *a = px_peer_case_terms(p, c, NULL);
	int64_t rank = 0, pages = 0, limit, count, last;
	const char *rule;
	bool paging = false;
	size_t k = 0;
	int rc;

	if (c->stop[PX_CLK_ACK] >= 0 || px_state_terminal(c->state))
		return 0;
	for (size_t i = 0; i < *nsteps; i++)
		paging = paging || steps[i].kind == PX_STEP_PAGE;
	if (!paging)
		return 0;
	if ((rc = PX_STORE_CALL(n->store, hotline_rank, p->row.name,
	         c->opened_ms, c->id, &rank)) < 0 ||
	    (rc = PX_STORE_CALL(n->store, pages_since, n->name, p->row.name,
	         now - 60 * 60 * 1000, &pages)) < 0)
		return rc;
	if ((rule = px_hotline_cap(a, rank, pages, &limit, &count)) == NULL)
		return 0;
	for (size_t i = 0; i < *nsteps; i++)
		if (steps[i].kind != PX_STEP_PAGE)
			steps[k++] = steps[i];
	*nsteps = k;
	if (now + CAP_RECHECK_MS < *next)
		*next = now + CAP_RECHECK_MS;
	px_hotline_capped(c, rule, &last);
	if (last < 0 ||
	    (strcmp(rule, "pages_per_hour") == 0 &&
	        now - last >= 60 * 60 * 1000)) {
		json_t *body = json_pack("{s{sssIsI}}", "capped", "rule", rule,
		    "limit", (json_int_t)limit, "count", (json_int_t)count);

		rc = px_node_send(n, NULL, c->id, PX_MSG_ESCALATE, body, NULL);
		json_decref(body);
		if (rc < 0)
			return rc;
	}
	return cap_notice(
	    n, c, p->row.name, rule, limit, count, contacts, roster, now);
}

/* Takes the steps one case owes; runs inside the caller's transaction. */
static int
handle_case(struct px_node *n, const char *id, int64_t now,
    const json_t *contacts, const json_t *roster, struct px_sched_stats *st,
    struct px_xhalt_cache *xh)
{
	struct px_case c;
	struct px_peer *p = NULL;
	struct px_step steps[32];
	const char *walk[64];
	size_t nwalk = 0, nsteps;
	int64_t next = INT64_MAX;
	int rc;

	if ((rc = px_node_case_load(&c, n, id, &p)) < 0)
		return rc;
	st->cases++;
	/* An exercise plays its injects (docs/exercises.md); a case of an
	 * exercise that has ended takes no step. */
	if (c.kind == PX_KIND_EXERCISE) {
		rc = px_exercise_tick(n, &c, now, &next, st);
		goto due;
	}
	if ((rc = px_exercise_case_halt(n, &c, now, xh)) != 0) {
		if (rc > 0)
			rc = 0;
		goto due;
	}
	if (c.kind == PX_KIND_HOTLINE && strcmp(c.responder, n->name) == 0) {
		int64_t start =
		    c.delivered_ms >= 0 ? c.delivered_ms : c.opened_ms;

		nwalk = px_roster_walk(
		    walk, PX_ARRAY_LEN(walk), roster, contacts, n->tz, start);
	}
	nsteps = px_steps_due(steps, PX_ARRAY_LEN(steps), &next, &c, n->name,
	    px_peer_case_terms(p, &c, NULL), px_node_case_calendar(n, &c, p),
	    walk, nwalk, now);
	if (nwalk &&
	    (rc = apply_caps(
	         n, &c, p, contacts, roster, steps, &nsteps, &next, now)) < 0)
		goto out;
	for (size_t i = 0; i < nsteps && rc == 0; i++) {
		const struct px_step *s = &steps[i];
		json_t *body = step_body(s, contacts), *ev = NULL;
		struct px_msg *m = NULL;
		const char *who[16];
		size_t nwho = 0;
		struct px_buf subj, text;

		rc = px_node_send(n, NULL, c.id, PX_MSG_ESCALATE, body, &m);
		json_decref(body);
		if (rc < 0)
			break;
		if (s->kind == PX_STEP_PAGE) {
			who[nwho++] = s->contact;
			st->pages++;
		} else {
			nwho = px_role_contacts(who, PX_ARRAY_LEN(who), s->who,
			    strcmp(c.responder, n->name) == 0 ? c.answered_by
			                                      : NULL,
			    roster, contacts, n->tz, now);
			st->ladder++;
		}
		px_buf_init(&subj, PX_BUF_NOCAP);
		px_buf_init(&text, PX_BUF_NOCAP);
		describe(&subj, &text, n, &c, s, p->row.name, now);
		ev = step_event(n, &c, s, p->row.name, m);
		for (size_t w = 0; w < nwho && rc == 0; w++) {
			size_t k = 0;

			struct px_notify_item it = {
				.case_id = c.id,
				.msg_hash = m->hash,
				.contact = who[w],
				.card = px_contact_find(contacts, who[w]),
				.channels = PX_NOTIFY_ALL,
				.event = s->kind == PX_STEP_PAGE
				    ? "parley.hotline.page"
				    : "parley.escalation",
				.subject = subj.data,
				.text = text.data,
				.data = ev,
				.now = now,
			};

			if (it.card == NULL)
				continue; /* a roster naming no contact */
			rc = px_notify_enqueue_ids(n, &it, NULL, &k);
			st->notices += k;
		}
		json_decref(ev);
		px_buf_dispose(&subj);
		px_buf_dispose(&text);
		px_msg_free(m);
	}
due:
	/* Sending re-indexed the case as due now; set the real next time. */
	if (rc == 0)

		rc = PX_STORE_CALL(n->store, case_set_due, c.id,
		    next == INT64_MAX ? -1 : next);
out:
	px_peer_free(p);
	px_case_dispose(&c);
	return rc;
}

int
px_sched_tick(
    struct px_node *n, int64_t now, size_t limit, struct px_sched_stats *st)
{
	struct due_list l = { 0 };
	struct px_xhalt_cache xh = { 0 };
	json_t *contacts = NULL, *roster = NULL;
	int rc;

	if ((rc = PX_STORE_CALL(n->store, case_due, now,
	         (int64_t)(limit ? limit : 1000), collect_due, &l)) < 0)
		return rc;
	if (l.n && (rc = px_node_directory(n, &contacts, &roster)) < 0)
		goto out;
	/* One durable commit (and one checkpoint) for the whole tick; each
	 * case in a savepoint of its own, so one that fails is undone alone
	 * and the others' steps stand. */
	if (l.n && (rc = px_node_batch_begin(n)) < 0)
		goto out;
	for (size_t i = 0; i < l.n; i++) {
		int r;

		if ((r = PX_STORE_CALL0(n->store, begin)) < 0) {
			rc = r;
			break;
		}
		r = handle_case(n, l.ids[i], now, contacts, roster, st, &xh);
		if (r == 0) {
			if ((rc = PX_STORE_CALL0(n->store, commit)) < 0)
				break;
			continue;
		}
		/* Say so, and look again in a minute. */
		fprintf(stderr, "parley: scheduler: case %s: %s\n", l.ids[i],
		    px_error_last());
		st->errors++;
		PX_STORE_CALL0(n->store, rollback);
		if ((rc = PX_STORE_CALL(
		         n->store, case_set_due, l.ids[i], now + 60000)) < 0)
			break;
	}
	if (l.n) {
		int r = px_node_batch_end(n, rc == 0);

		if (rc == 0)
			rc = r;
	}
out:
	for (size_t i = 0; i < l.n; i++)
		free(l.ids[i]);
	free(l.ids);
	json_decref(contacts);
	json_decref(roster);
	return rc;
}
