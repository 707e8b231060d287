/*
 * The escalation ladder, the hotline's roster walk, and the on-call
 * roster (docs/deadlines.md).
 */
#include "model/ladder.h"
#include "util/util.h"

static const char *const wdays[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
	"Sat" };

/* "Mon 09:00" -> minute of the week (Sunday 00:00 is 0), or -1. */
static int
week_minute(const char *s)
{
	int d = -1, h, m;

	for (int i = 0; i < 7; i++)
		if (strncmp(s, wdays[i], 3) == 0)
			d = i;
	if (d < 0 || s[3] != ' ' || strlen(s) != 9 || s[6] != ':')
		return -1;
	for (int i = 4; i < 9; i++)
		if (i != 6 && (s[i] < '0' || s[i] > '9'))
			return -1;
	h = (s[4] - '0') * 10 + (s[5] - '0');
	m = (s[7] - '0') * 10 + (s[8] - '0');
	if (h > 23 || m > 59)
		return -1;
	return d * 1440 + h * 60 + m;
}

static int
cmp_at(const void *a, const void *b)
{
	int x = week_minute(
	    json_string_value(json_object_get(*(json_t *const *)a, "at")));
	int y = week_minute(
	    json_string_value(json_object_get(*(json_t *const *)b, "at")));

	return (x > y) - (x < y);
}

int
px_roster_parse(json_t **out, const char *spec)
{
	char *copy = px_strdup(spec ? spec : ""), *save = NULL, *tok;
	json_t *items[64];
	size_t n = 0;
	int rc = 0;

	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char at[10], *who, *end;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		for (end = tok + strlen(tok);
		     end > tok && (end[-1] == ' ' || end[-1] == '\t');)
			*--end = '\0';
		if (*tok == '\0')
			continue;
		if (strlen(tok) < 11 || tok[9] != ' ') {
			rc = px_error_set(PX_EINVAL,
			    "roster: '%s' is not 'DAY HH:MM CONTACT' (like "
			    "Mon 09:00 duty)",
			    tok);
			goto out;
		}
		memcpy(at, tok, 9);
		at[9] = '\0';
		who = tok + 10;
		if (week_minute(at) < 0) {
			rc = px_error_set(PX_EINVAL,
			    "roster: '%s' is not a day and time (like Mon "
			    "09:00; days Sun..Sat)",
			    at);
			goto out;
		}
		if ((rc = px_check_contact_id(who, "roster")) < 0)
			goto out;
		if (n == PX_ARRAY_LEN(items)) {
			rc = px_error_set(
			    PX_EINVAL, "roster: more than 64 hand-overs");
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			if (strcmp(json_string_value(
			               json_object_get(items[i], "at")),
			        at) == 0) {
				rc = px_error_set(PX_EINVAL,
				    "roster: two hand-overs at %s", at);
				goto out;
			}
		items[n++] = json_pack("{ssss}", "at", at, "contact", who);
	}
	qsort(items, n, sizeof(items[0]), cmp_at);
	*out = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(*out, items[i]);
	n = 0;
out:
	for (size_t i = 0; i < n; i++)
		json_decref(items[i]);
	free(copy);
	return rc;
}

/* Index of the roster entry on call at `t`, or -1. */
static int
on_call_index(const json_t *roster, const struct px_tz *tz, int64_t t)
{
	struct px_localtime lt;
	size_t n = json_array_size(roster);
	int now, best = -1;

	if (n == 0)
		return -1;
	px_tz_local(&lt, tz, t);
	now = (int)lt.wday * 1440 + (int)lt.hour * 60 + (int)lt.minute;
	for (size_t i = 0; i < n; i++) {
		int m = week_minute(json_string_value(
		    json_object_get(json_array_get(roster, i), "at")));

		if (m >= 0 && m <= now)
			best = (int)i;
	}
	/* Before the week's first hand-over, the last one still holds. */
	return best >= 0 ? best : (int)n - 1;
}

const char *
px_roster_on_call(const json_t *roster, const struct px_tz *tz, int64_t t)
{
	int i = on_call_index(roster, tz, t);

	return i < 0 ? NULL
	             : json_string_value(json_object_get(
	                   json_array_get(roster, (size_t)i), "contact"));
}

const json_t *
px_contact_find(const json_t *contacts, const char *id)
{
	size_t i;
	const json_t *c;

	json_array_foreach(contacts, i, c)
	{
		const char *cid = json_string_value(json_object_get(c, "id"));

		if (cid && id && strcmp(cid, id) == 0)
			return c;
	}
	return NULL;
}

static size_t
add_once(const char **out, size_t n, size_t max, const char *id)
{
	if (id == NULL || n >= max)
		return n;
	for (size_t i = 0; i < n; i++)
		if (strcmp(out[i], id) == 0)
			return n;
	out[n] = id;
	return n + 1;
}

static bool
has_role(const json_t *c, const char *role)
{
	const char *r = json_string_value(json_object_get(c, "role"));

	return r && strcmp(r, role) == 0;
}

size_t
px_roster_walk(const char **out, size_t max, const json_t *roster,
    const json_t *contacts, const struct px_tz *tz, int64_t t)
{
	size_t n = 0, nr = json_array_size(roster), i;
	int first = on_call_index(roster, tz, t);
	const json_t *c;

	for (size_t k = 0; first >= 0 && k < nr; k++) {
		const json_t *e =
		    json_array_get(roster, ((size_t)first + k) % nr);
		const char *id =
		    json_string_value(json_object_get(e, "contact"));

		/* A roster may name someone the card no longer lists. */
		if (px_contact_find(contacts, id))
			n = add_once(out, n, max, id);
	}
	json_array_foreach(contacts, i, c) if (has_role(c, "technical")) n =
	    add_once(out, n, max, json_string_value(json_object_get(c, "id")));
	json_array_foreach(contacts, i, c) n =
	    add_once(out, n, max, json_string_value(json_object_get(c, "id")));
	return n;
}

size_t
px_role_contacts(const char **out, size_t max, enum px_notify_role r,
    const char *assignee, const json_t *roster, const json_t *contacts,
    const struct px_tz *tz, int64_t t)
{
	size_t n = 0, i;
	const json_t *c;

	if (r == PX_NR_ASSIGNEE && assignee &&
	    px_contact_find(contacts, assignee))
		return add_once(out, 0, max, assignee);
	if (r == PX_NR_PRINCIPAL) {
		json_array_foreach(contacts, i,
		    c) if (json_is_true(json_object_get(c, "principal"))) n =
		    add_once(out, n, max,
		        json_string_value(json_object_get(c, "id")));
		if (n == 0)
			json_array_foreach(contacts, i,
			    c) if (has_role(c, "policy")) n = add_once(out, n,
			    max, json_string_value(json_object_get(c, "id")));
		if (n)
			return n;
	}
	/* duty, and the fallbacks of the other two */
	{
		const char *oc = px_roster_on_call(roster, tz, t);

		if (oc && px_contact_find(contacts, oc))
			return add_once(out, 0, max, oc);
	}
	json_array_foreach(contacts, i, c) if (has_role(c, "technical")) n =
	    add_once(out, n, max, json_string_value(json_object_get(c, "id")));
	if (n == 0 && json_array_size(contacts))
		n = add_once(out, 0, max,
		    json_string_value(
		        json_object_get(json_array_get(contacts, 0), "id")));
	return n;
}

/* Whether `self` already sent the ladder step (clock, level) or page
 * `attempt` in the case. */
/* When the step was taken (the time of our escalate message for it), or
 * -1 if it was not. */
static int64_t
taken_at(const struct px_case *c, const char *self, const char *member,
    const char *clock, int64_t num)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct px_msg *m = c->msgs[i];
		const json_t *o;

		if (m->type != PX_MSG_ESCALATE || strcmp(m->from, self) != 0 ||
		    (o = json_object_get(m->body, member)) == NULL)
			continue;
		if (clock &&
		    strcmp(json_string_value(json_object_get(o, "clock")),
		        clock) != 0)
			continue;
		if (json_integer_value(
		        json_object_get(o, clock ? "level" : "attempt")) == num)
			return m->time_ms;
	}
	return -1;
}

static bool
taken(const struct px_case *c, const char *self, const char *member,
    const char *clock, int64_t num)
{
	return taken_at(c, self, member, clock, num) >= 0;
}

static int
cmp_step(const void *a, const void *b)
{
	const struct px_step *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind == PX_STEP_PAGE ? -1 : 1;
	if (x->clock != y->clock)
		return x->clock < y->clock ? -1 : 1;
	return x->level - y->level + x->attempt - y->attempt;
}

static void
consider(struct px_step *out, size_t max, size_t *n, int64_t *next,
    const struct px_step *s, int64_t now)
{
	if (s->at > now || *n == max) {
		/* Not due yet; or due, but `out` is full: either way the
		 * case must be looked at again by then. */
		if (s->at < *next)
			*next = s->at;
	} else {
		out[(*n)++] = *s;
	}
}

size_t
px_steps_due(struct px_step *out, size_t max, int64_t *next_due,
    const struct px_case *c, const char *self, const struct px_agreement *a,
    const struct px_calendar *cal, const char *const *walk, size_t nwalk,
    int64_t now)
{
	struct px_clock_status cs[PX_CLK__N];
	unsigned side = strcmp(self, c->responder) == 0 ? PX_SIDE_RESPONDER
	                                                : PX_SIDE_REQUESTER;
	size_t n = 0;

	*next_due = INT64_MAX;
	if (c->n == 0 || c->kind == PX_KIND_CHECK ||
	    px_state_terminal(c->state) || c->state == PX_ST_RESOLVED)
		return 0;
	px_case_clocks(cs, c, a, cal, now);
	for (int k = 0; k < PX_CLK__N; k++) {
		const struct px_clock_status *s = &cs[k];

		if (s->state != PX_CS_RUNNING && s->state != PX_CS_OVERDUE)
			continue;
		for (size_t l = 0; l < a->nladder; l++) {
			const struct px_ladder_step *ls = &a->ladder[l];
			struct px_step st = { .kind = PX_STEP_LADDER,
				.clock = (enum px_clock)k,
				.level = (int)l + 1,
				.who = ls->who,
				.deadline = s->deadline };

			if (!(ls->sides & side) ||
			    taken(c, self, "ladder", px_clock_names[k].wire,
			        st.level))
				continue;
			st.at = px_calendar_deadline(cal, s->basis, s->start,
			    s->budget * ls->pct / 100, c->pauses, c->npauses);
			if (st.at == INT64_MAX)
				continue;
			consider(out, max, &n, next_due, &st, now);
		}
	}
	/* The responder of an unanswered hotline walks its roster. */
	if (c->kind == PX_KIND_HOTLINE && side == PX_SIDE_RESPONDER &&
	    c->stop[PX_CLK_ACK] < 0 && nwalk > 0 && a->page_every > 0) {
		int64_t start = cs[PX_CLK_ACK].start, prev = -1;

		/* Page i+1 is due on the schedule from the start (every
		 * page_every), but never sooner than half a page_every after
		 * page i actually went out: after the node was down, or a
		 * cap held the hotline, the walk resumes with the next
		 * person and catches up at that pace, never paging several
		 * people in one burst. */
		for (size_t i = 0; i < nwalk * PX_PAGE_ROUNDS; i++) {
			struct px_step st = { .kind = PX_STEP_PAGE,
				.attempt = (int)i + 1,
				.contact = walk[i % nwalk],
				.at = start + (int64_t)i * a->page_every };
			int64_t sent;

			if (prev >= 0 && prev + a->page_every / 2 > st.at)
				st.at = prev + a->page_every / 2;
			if ((sent = taken_at(
			         c, self, "page", NULL, st.attempt)) >= 0) {
				prev = sent;
				continue;
			}
			consider(out, max, &n, next_due, &st, now);
			/* Due now: the next page follows it by its schedule,
			 * or half a page_every after it goes out. */
			if (st.at <= now && i + 1 < nwalk * PX_PAGE_ROUNDS) {
				int64_t t =
				    start + (int64_t)(i + 1) * a->page_every;

				if (t < now + a->page_every / 2)
					t = now + a->page_every / 2;
				if (t < *next_due)
					*next_due = t;
			}
			break; /* later pages follow this one */
		}
	}
	qsort(out, n, sizeof(*out), cmp_step);
	return n;
}

size_t
px_hotline_attempts(
    struct px_page_attempt *out, size_t max, const struct px_case *c)
{
	int64_t ack = c->stop[PX_CLK_ACK];
	size_t n = 0;
	int answering = -1;

	for (size_t i = 0; i < c->n && n < max; i++) {
		const struct px_msg *m = c->msgs[i];
		const json_t *p = json_object_get(m->body, "page");

		if (m->type != PX_MSG_ESCALATE || p == NULL || c->why[i] ||
		    strcmp(m->from, c->responder) != 0)
			continue;
		out[n] = (struct px_page_attempt){
			.attempt = (int)json_integer_value(
			    json_object_get(p, "attempt")),
			.contact =
			    json_string_value(json_object_get(p, "contact")),
			.name = json_string_value(json_object_get(p, "name")),
			.hash = m->hash,
			.channels = json_object_get(p, "channels"),
			.at = m->time_ms,
			.latency_ms = -1,
		};
		if (ack < 0 || m->time_ms > ack) {
			n++;
			continue;
		}
		/* The one who answered: the last page of the person the ack
		 * names.  An ack naming nobody, or someone never paged,
		 * answers no page: the record must not say a paged person
		 * answered when it cannot know. */
		if (c->answered_by &&
		    strcmp(c->answered_by, out[n].contact) == 0)
			answering = (int)n;
		n++;
	}
	if (answering >= 0) {
		out[answering].answered = true;
		out[answering].latency_ms = ack - out[answering].at;
	}
	return n;
}

const char *const px_hotline_answer_names[4] = { NULL, "paged-person",
	"someone-else", "not-named" };

enum px_hotline_answer
px_hotline_answer(const struct px_case *c)
{
	struct px_page_attempt at[64];
	size_t n;

	if (c->stop[PX_CLK_ACK] < 0)
		return PX_HA_NONE;
	if (c->answered_by == NULL)
		return PX_HA_NOT_NAMED;
	n = px_hotline_attempts(at, PX_ARRAY_LEN(at), c);
	for (size_t i = 0; i < n; i++)
		if (at[i].answered)
			return PX_HA_PAGED;
	return PX_HA_OTHER;
}

void
px_hotline_deliveries(const struct px_case *c, const char *page_hash,
    void (*cb)(const char *channel, const char *status, const char *detail,
        int64_t at, void *arg),
    void *arg)
{
	/* Replay order is time order: walk back so each channel's latest
	 * report comes first and earlier ones are skipped. */
	const char *seen[8];
	size_t nseen = 0;

	for (size_t i = c->n; i-- > 0;) {
		const struct px_msg *m = c->msgs[i];
		const json_t *d = json_object_get(m->body, "delivery");
		const char *ch, *page;
		bool dup = false;

		if (m->type != PX_MSG_ESCALATE || d == NULL || c->why[i] ||
		    strcmp(m->from, c->responder) != 0)
			continue;
		page = json_string_value(json_object_get(d, "page"));
		ch = json_string_value(json_object_get(d, "channel"));
		if (page == NULL || ch == NULL || strcmp(page, page_hash) != 0)
			continue;
		for (size_t k = 0; k < nseen; k++)
			dup = dup || strcmp(seen[k], ch) == 0;
		if (dup || nseen == PX_ARRAY_LEN(seen))
			continue;
		seen[nseen++] = ch;
		cb(ch, json_string_value(json_object_get(d, "status")),
		    json_string_value(json_object_get(d, "detail")), m->time_ms,
		    arg);
	}
}

const char *
px_hotline_cap(const struct px_agreement *a, int64_t rank, int64_t pages_hour,
    int64_t *limit, int64_t *count)
{
	if (rank >= a->hotline_open_max) {
		*limit = a->hotline_open_max;
		*count = rank + 1;
		return "hotline_open_max";
	}
	if (pages_hour >= a->pages_per_hour) {
		*limit = a->pages_per_hour;
		*count = pages_hour;
		return "pages_per_hour";
	}
	return NULL;
}

size_t
px_hotline_capped(const struct px_case *c, const char *rule, int64_t *last_ms)
{
	size_t n = 0;

	if (last_ms)
		*last_ms = -1;
	for (size_t i = 0; i < c->n; i++) {
		const struct px_msg *m = c->msgs[i];
		const json_t *k = json_object_get(m->body, "capped");

		if (m->type != PX_MSG_ESCALATE || k == NULL || c->why[i] ||
		    strcmp(m->from, c->responder) != 0)
			continue;
		n++;
		if (last_ms && rule &&
		    strcmp(json_string_value(json_object_get(k, "rule")),
		        rule) == 0)
			*last_ms = m->time_ms;
	}
	return n;
}
