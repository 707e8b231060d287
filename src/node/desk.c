/*
 * The desk: who holds a case, and alerts on arrival (node/desk.h,
 * docs/desk.md).
 */
#include <string.h>

#include "node/desk.h"
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

/* Records `person` in `role` of case `ref`, in one transaction that also
 * raises the case's stamp (views and inbox rows show it at once). */
static int
set_person(struct px_node *n, const char *ref, const char *role,
    const char *person, bool on, int64_t now, char **case_id)
{
	char *id = NULL;
	int rc;

	if (person && !px_desk_is_person(n, person)) {
		char *all = people_list(n);

		rc = px_error_set(PX_ENOTFOUND,
		    "'%s' is not one of this node's people (a [contact "
		    "\"ID\"] in parley.conf; known: %s)",
		    person, all);
		free(all);
		return rc;
	}
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
