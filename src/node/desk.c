/*
 * The desk: who holds a case, and alerts on arrival (node/desk.h,
 * docs/desk.md).
 */
#include <string.h>

#include "node/desk.h"
#include "node/exercise.h"
#include "node/release.h"
#include "node/internal.h"
#include "node/sched.h"
#include "notify/notify.h"
#include "util/util.h"

bool
px_desk_is_person(const struct px_node *n, const char *person)
{
	const char *sub;

	if (person == NULL)
		return false;
	for (size_t i = 0; (sub = px_conf_sub(&n->conf, "contact", i)); i++)
		if (strcmp(sub, person) == 0)
			return true;
	return false;
}

const char *
px_desk_token_person(const struct px_node *n, const char *token_name)
{
	return px_desk_is_person(n, token_name) ? token_name : NULL;
}

/* Our people's ids, for an error message (heap). */
static char *
people_list(const struct px_node *n)
{
	struct px_buf b;
	const char *sub;

	px_buf_init(&b, PX_BUF_NOCAP);
	for (size_t i = 0; (sub = px_conf_sub(&n->conf, "contact", i)); i++)
		px_buf_putf(&b, "%s%s", i ? ", " : "", sub);
	if (b.len == 0)
		px_buf_puts(&b, "none yet");
	return px_buf_detach(&b, NULL);
}

int
px_desk_check_person(const struct px_node *n, const char *person)
{
	char *all;
	int rc;

	if (px_desk_is_person(n, person))
		return 0;
	all = people_list(n);
	rc = px_error_set(PX_ENOTFOUND,
	    "'%s' is not one of this node's people (a [contact \"ID\"] in "
	    "parley.conf; known: %s)",
	    person, all);
	free(all);
	return rc;
}

/* Records `person` in `role` of case `ref`, in one transaction that also
 * raises the case's stamp (views and inbox rows show it at once). */
static int
set_person(struct px_node *n, const char *ref, const char *role,
    const char *person, bool on, int64_t now, char **case_id)
{
	char *id = NULL;
	int rc;

	if (person && (rc = px_desk_check_person(n, person)) < 0)
		return rc;
	if ((rc = PX_STORE_CALL(n->store, case_find, ref, &id)) < 0)
		return rc;
	if ((rc = PX_STORE_CALL0(n->store, begin)) < 0)
		goto out;
	if ((rc = PX_STORE_CALL(
	         n->store, case_person_set, id, role, person, on, now)) < 0 ||
	    (rc = PX_STORE_CALL(n->store, case_touch, id, now)) < 0 ||
	    (rc = PX_STORE_CALL0(n->store, commit)) < 0) {
		PX_STORE_CALL0(n->store, rollback);
		goto out;
	}
	if (case_id) {
		*case_id = id;
		id = NULL;
	}
out:
	free(id);
	return rc;
}

int
px_desk_assign(struct px_node *n, const char *ref, const char *person,
    int64_t now, char **case_id)
{
	return set_person(
	    n, ref, "assignee", person, person != NULL, now, case_id);
}

int
px_desk_watch(struct px_node *n, const char *ref, const char *person, bool on,
    int64_t now, char **case_id)
{
	if (person == NULL)
		return px_error_set(PX_EINVAL, "watch: name the person");
	return set_person(n, ref, "watcher", person, on, now, case_id);
}

static int
people_row(int64_t since, const char *role, const char *person, void *arg)
{
	json_t *o = arg;

	if (strcmp(role, "assignee") == 0) {
		char tm[PX_TIME_STRLEN];

		px_time_format(tm, since);
		json_object_set_new(o, "assignee", json_string(person));
		json_object_set_new(o, "since", json_string(tm));
	} else {
		json_array_append_new(
		    json_object_get(o, "watchers"), json_string(person));
	}
	return 0;
}

json_t *
px_desk_people(struct px_node *n, const char *case_id)
{
	json_t *o = json_pack("{sn sn s[]}", "assignee", "since", "watchers");

	if (PX_STORE_CALL(n->store, case_people, case_id, people_row, o) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

char
px_desk_move(const struct px_node *n, const struct px_case *c)
{
	bool we_answer = strcmp(c->responder, n->name) == 0;

	if (px_state_terminal(c->state))
		return 0;
	if (c->state == PX_ST_NEEDS_INFO || c->state == PX_ST_RESOLVED)
		return we_answer ? 't' : 'u';
	return we_answer ? 'u' : 't';
}

/* Alerts on arrival (docs/desk.md, "Alerts").  A rule is a list of
 * priorities ("P1 P2"), "all" or "none"; `mask` gets one bit per
 * priority. */
static int
parse_rule(unsigned *mask, const char *v, const char *where)
{
	char word[16];
	size_t len;

	*mask = 0;
	while (*v) {
		len = strcspn(v, " ,\t");
		if (len == 0) {
			v++;
			continue;
		}
		if (len >= sizeof(word))
			len = sizeof(word) - 1;
		memcpy(word, v, len);
		word[len] = '\0';
		v += len;
		if (strcmp(word, "all") == 0) {
			*mask = (1u << PX_PRIO__N) - 1;
		} else if (strcmp(word, "none") == 0) {
			*mask = 0;
		} else {
			int p = -1;

			for (int i = 0; i < PX_PRIO__N; i++)
				if (strcmp(px_priority_names[i].wire, word) ==
				    0)
					p = i;
			if (p < 0)
				return px_error_set(PX_EINVAL,
				    "%s: '%s' is not a priority (expected "
				    "P1 to P4, all or none)",
				    where, word);
			*mask |= 1u << p;
		}
	}
	return 0;
}

/* The built-in rule when parley.conf says nothing: every report, request
 * and exercise; a hotline's arrival is paged by its roster walk already,
 * so only its answers; checks and agreement proposals have paths of
 * their own. */
static unsigned
default_rule(enum px_kind k, const char *event)
{
	switch (k) {
	case PX_KIND_REPORT:
	case PX_KIND_REQUEST:
	case PX_KIND_INJECT:
		return (1u << PX_PRIO__N) - 1;
	case PX_KIND_HOTLINE:
		return strcmp(event, "answer") == 0 ? (1u << PX_PRIO__N) - 1
		                                    : 0;
	default:
		return 0;
	}
}

int
px_desk_alert_rule(const struct px_node *n, enum px_kind kind,
    const char *event, unsigned *mask)
{
	const char *kname = px_kind_names[kind].wire;
	const char *v = px_conf_get(&n->conf, "alert", kname, event);
	char where[64];

	if (v) {
		snprintf(
		    where, sizeof(where), "[alert \"%s\"] %s", kname, event);
		return parse_rule(mask, v, where);
	}
	if ((v = px_conf_get(&n->conf, "alert", NULL, event)) != NULL) {
		snprintf(where, sizeof(where), "[alert] %s", event);
		return parse_rule(mask, v, where);
	}
	*mask = default_rule(kind, event);
	return 0;
}

/* The words of an alert: English, then Chinese, as the other notices. */
static void
alert_words(struct px_buf *subj, struct px_buf *text, const struct px_node *n,
    const struct px_case *c, const struct px_msg *m, const char *event,
    const char *why)
{
	const char *peer = m->from, *kind = px_kind_names[c->kind].wire;
	const char *prio = px_priority_names[c->priority].wire;
	const char *type = px_msg_type_names[m->type].wire;
	/* The choke point: a TLP:RED title never rides on mail. */
	const char *title = px_node_mail_title(c);
	char ref[9];

	px_case_ref(ref, c->id);
	if (strcmp(event, "new") == 0) {
		px_buf_putf(subj, "[parley] New %s %s from %s: %s / 新案件",
		    prio, kind, peer, title);
		px_buf_putf(text,
		    "%s opened a %s %s with us (%s, %s): case %s.\n"
		    "Title: %s\n",
		    peer, prio, kind, px_category_names[c->category].wire,
		    px_tlp_names[c->tlp].label, ref, title);
	} else {
		px_buf_putf(subj,
		    "[parley] %s answered case %s (%s): %s / 对方已答复", peer,
		    ref, type, title);
		px_buf_putf(text,
		    "%s sent a %s on the %s %s %s (\"%s\"); it is now %s.\n",
		    peer, type, prio, kind, ref, title,
		    px_desk_move(n, c) == 'u' ? "waiting on us"
		                              : px_state_names[c->state].label);
	}
	px_buf_putf(text,
	    "You are told as %s.\nSee it: parley case show %s (or the "
	    "console, #/case/%s)\n",
	    why, ref, ref);
}

/* Queues one alert to `person` (one of our contacts), if they list a
 * channel; *told is set when a row was written. */
static int
alert_person(struct px_node *n, const struct px_notify_item *base,
    const char *person, bool *told)
{
	struct px_notify_item it = *base;
	int64_t ids[PX_NOTIFY_NCHAN];
	size_t count = 0;
	json_t *card = NULL;
	int rc;

	if (px_notify_contact_card(&card, n, person) < 0)
		return 0; /* no longer one of ours: the others are told */
	it.contact = person;
	it.card = card;
	it.channels = PX_NOTIFY_EMAIL | PX_NOTIFY_WEBHOOK;
	rc = px_notify_enqueue_ids(n, &it, ids, &count);
	*told |= rc == 0 && count > 0;
	json_decref(card);
	return rc;
}

/* A hotline we raised waits for a person at the peer, yet stays "with
 * them" when they acknowledge it (px_desk_move): the answer is what its
 * responder sends, the acknowledgement first, while it is open. */
static bool
hotline_answer(const struct px_node *n, const struct px_case *c,
    const struct px_msg *m, int before)
{
	return c->kind == PX_KIND_HOTLINE && before >= 0 &&
	    !px_state_terminal((enum px_state)before) &&
	    strcmp(c->requester, n->name) == 0 &&
	    strcmp(m->from, c->responder) == 0 && !px_msg_opens(m->type);
}

int
px_desk_alert(struct px_node *n, const struct px_case *c,
    const struct px_msg *m, int before, int64_t now)
{
	struct px_case prior = { .state = (enum px_state)before };
	const char *event = NULL, *who;
	json_t *desk = NULL, *data = NULL, *contacts = NULL, *roster = NULL;
	struct px_buf subj, text;
	const json_t *w;
	unsigned mask;
	bool told = false;
	size_t i;
	int rc = 0;

	/* A message stored with no effect changes nothing anyone waits
	 * for. */
	for (i = 0; i < c->n; i++)
		if (strcmp(c->msgs[i]->hash, m->hash) == 0 && c->why[i])
			return 0;
	prior.requester = c->requester;
	prior.responder = c->responder;
	if (before < 0)
		event = strcmp(c->responder, n->name) == 0 ? "new" : NULL;
	else if ((px_desk_move(n, &prior) == 't' &&
	             px_desk_move(n, c) != 't') ||
	    hotline_answer(n, c, m, before))
		event = "answer";
	if (event == NULL)
		return 0;
	/* The withdrawals a real-world stop causes are no news to anyone:
	 * the stop's own notice told them, marked real. */
	if ((rc = px_exercise_stop_echo(n, c, m)) != 0)
		return rc < 0 ? rc : 0;
	if (px_desk_alert_rule(n, c->kind, event, &mask) < 0) {
		/* A rule we cannot read must not lose the alert. */
		fprintf(
		    stderr, "parley: %s; alerting anyway\n", px_error_last());
		mask = (1u << PX_PRIO__N) - 1;
	}
	if (!(mask & (1u << c->priority)))
		return 0;
	px_buf_init(&subj, PX_BUF_NOCAP);
	px_buf_init(&text, PX_BUF_NOCAP);
	data = json_pack("{ss ss ss ss ss}", "kind",
	    px_kind_names[c->kind].wire, "priority",
	    px_priority_names[c->priority].wire, "peer", m->from, "type",
	    px_msg_type_names[m->type].wire, "alert", event);
	if ((desk = px_desk_people(n, c->id)) == NULL) {
		rc = PX_ERR;
		goto out;
	}
	who = json_string_value(json_object_get(desk, "assignee"));
	{
		struct px_notify_item it = {
			.case_id = c->id,
			.msg_hash = m->hash,
			.event = strcmp(event, "new") == 0
			    ? "parley.case.new"
			    : "parley.case.answer",
			.data = data,
			.now = now,
		};

		if (who) {
			alert_words(&subj, &text, n, c, m, event,
			    "the case's assignee");
			it.subject = subj.data;
			it.text = text.data;
			rc = alert_person(n, &it, who, &told);
		}
		json_array_foreach(json_object_get(desk, "watchers"), i, w)
		{
			if (rc < 0 ||
			    (who && strcmp(who, json_string_value(w)) == 0))
				continue;
			px_buf_reset(&subj);
			px_buf_reset(&text);
			alert_words(&subj, &text, n, c, m, event,
			    "a watcher of the case");
			it.subject = subj.data;
			it.text = text.data;
			rc = alert_person(n, &it, json_string_value(w), &told);
		}
		/* Nobody of ours holds it (or none can be reached): the
		 * people on duty now, by the roster. */
		if (rc == 0 && !told &&
		    (rc = px_node_directory(n, &contacts, &roster)) == 0) {
			px_buf_reset(&subj);
			px_buf_reset(&text);
			alert_words(&subj, &text, n, c, m, event,
			    who ? "on duty (the case's people cannot be "
			          "reached)"
			        : "on duty (nobody holds the case)");
			it.subject = subj.data;
			it.text = text.data;
			rc = px_notify_duty(n, contacts, roster, &it);
		}
	}
out:
	json_decref(desk);
	json_decref(data);
	json_decref(contacts);
	json_decref(roster);
	px_buf_dispose(&subj);
	px_buf_dispose(&text);
	return rc;
}
