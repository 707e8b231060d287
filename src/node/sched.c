/*
 * The scheduler: ladder steps, hotline pages and scheduled checks, each a
 * signed message with its notifications queued in the same transaction.
 */
#include <sodium.h>

#include "node/exercise.h"
#include "node/internal.h"
#include "node/sched.h"
#include "notify/notify.h"
#include "util/util.h"

int
px_node_directory(struct px_node *n, json_t **contacts, json_t **roster)
{
	json_t *env = NULL, *c;
	int rc;

	if ((rc = px_node_card(&env, n)) < 0)
		return rc;
	c = json_object_get(env, "card");
	*contacts = json_incref(json_object_get(c, "contacts"));
	*roster = json_incref(json_object_get(c, "roster"));
	if (*contacts == NULL)
		*contacts = json_array();
	if (*roster == NULL)
		*roster = json_array();
	json_decref(env);
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

	px_case_ref(ref, c->id);
	px_tz_format(dl, sizeof(dl), n->tz, s->deadline);
	px_time_format(dlu, s->deadline);
	if (s->kind == PX_STEP_PAGE) {
		px_buf_putf(subj, "[parley] HOTLINE from %s: %s / 热线呼叫",
		    peer, c->title);
		px_buf_putf(text,
		    "The hotline of %s is calling you (page %d).\n"
		    "Case %s: %s\n\n"
		    "Acknowledge now:  parley case ack %s --by %s\n"
		    "or in the console.  If you do not, the next person on "
		    "the roster is paged.\n\n"
		    "%s 通过热线呼叫您（第 %d 次呼叫）。请立即确认：\n"
		    "parley case ack %s --by %s\n",
		    peer, s->attempt, ref, c->title, ref, s->contact, peer,
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
	    s->level, px_notify_role_names[s->who], ref, peer, c->title,
	    px_kind_names[c->kind].wire, px_priority_names[c->priority].wire,
	    px_clock_names[s->clock].label, dl, dlu,
	    strcmp(n->name, c->responder) == 0 ? "responder (we owe the answer)"
	                                       : "requester (we are waiting)",
	    s->level, peer, ref, c->title, px_clock_names[s->clock].label, dl);
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
	    "priority", px_priority_names[c->priority].wire, "title", c->title,
	    "time", t);
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
