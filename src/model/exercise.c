/*
 * The exercise record: proposal, control, play and scores (exercise.h,
 * docs/exercises.md).
 *
 * Control messages are read in replay order, each against the state the
 * ones before it left, so both parties reach the same account from the
 * same messages however they crossed in transit: a pause and an end that
 * crossed are ordered by (time, sender, seq), and the second one read
 * takes no effect when the first one leaves it nothing to do.
 */
#include "model/agreement.h"
#include "model/canon.h"
#include "model/exercise.h"
#include "util/util.h"

const char *const px_xstate_names[PX_XS__N] = { "proposed", "agreed",
	"scheduled", "running", "paused", "ended", "evaluated", "signed",
	"declined", "withdrawn" };
const char *const px_xistate_names[PX_XI__N] = { "waiting", "due", "played",
	"skipped", "not-played", "hidden" };
const char *const px_hseep_names[4] = { "P", "S", "M", "U" };
const char *const px_hseep_labels[4] = {
	"performed without challenges",
	"performed with some challenges",
	"performed with major challenges",
	"unable to be performed",
};

#define MAX_SCALE 10000

void
px_exercise_init(struct px_exercise *x)
{
	memset(x, 0, sizeof(*x));
	x->planned_start = -1;
	x->accepted = x->answered = x->started = x->ended = -1;
	x->answer = PX_XS_PROPOSED;
	x->scale = 1;
	px_scenario_init(&x->pub);
	px_scenario_init(&x->full);
}

void
px_exercise_dispose(struct px_exercise *x)
{
	for (size_t i = 0; x->ctl_why && i < x->nctl; i++)
		free(x->ctl_why[i]);
	free(x->ctl_why);
	free(x->why);
	free(x->pauses);
	free(x->fired);
	free(x->skipped);
	free(x->delay);
	free(x->evals);
	free(x->plan);
	free(x->played);
	free(x->played_at);
	free(x->stray);
	px_scenario_dispose(&x->pub);
	px_scenario_dispose(&x->full);
	px_exercise_init(x);
}

int
px_exercise_party(const struct px_exercise *x, const char *name)
{
	for (int p = 0; p < 2; p++)
		if (name && x->party[p] && strcmp(x->party[p], name) == 0)
			return p;
	return -1;
}

const char *
px_exercise_role(const struct px_exercise *x, int party, const char *contact)
{
	const json_t *p;
	size_t i;

	json_array_foreach(x->players, i, p)
	{
		const char *pt = json_string_value(json_object_get(p, "party"));
		const char *ct =
		    json_string_value(json_object_get(p, "contact"));

		if (pt && ct && contact && pt[0] == "ab"[party] && !pt[1] &&
		    strcmp(ct, contact) == 0)
			return json_string_value(json_object_get(p, "role"));
	}
	return NULL;
}

/* The terms of play: {"parties": {"a", "b"}, "start"?, "time_scale"?,
 * "players": [...], "control": [...]}. */
static int
read_play(struct px_exercise *x, const json_t *play, const struct px_msg *m)
{
	static const char *const mem[] = { "parties", "start", "time_scale",
		"players", "control", NULL };
	static const char *const pmem[] = { "party", "contact", "role", "name",
		NULL };
	static const char *const cmem[] = { "party", "name", NULL };
	const json_t *pt = json_object_get(play, "parties"), *v;
	const char *a, *b, *s;
	size_t i;
	int rc;

	if ((rc = px_j_only(play, mem, "play")) < 0 ||
	    (rc = px_j_str(&a, pt, "a", 253, "play: parties")) < 0 ||
	    (rc = px_j_str(&b, pt, "b", 253, "play: parties")) < 0)
		return rc;
	if (strcmp(a, m->from) != 0 || strcmp(b, m->to) != 0)
		return px_error_set(PX_EINVAL,
		    "play: parties a and b must be the proposer (%s) and its "
		    "peer (%s)",
		    m->from, m->to);
	x->party[0] = m->from;
	x->party[1] = m->to;
	if (json_object_get(play, "start") &&
	    (rc = px_j_time(&x->planned_start, play, "start", "play")) < 0)
		return rc;
	if (json_object_get(play, "time_scale") &&
	    (rc = px_j_int(
	         &x->scale, play, "time_scale", 1, MAX_SCALE, "play")) < 0)
		return rc;
	x->players = json_object_get(play, "players");
	if (!json_is_array(x->players) || json_array_size(x->players) > 1000)
		return px_error_set(PX_EINVAL,
		    "play: 'players' must be an array of {party, contact, "
		    "role}");
	json_array_foreach(x->players, i, v)
	{
		if ((rc = px_j_only(v, pmem, "player")) < 0 ||
		    (rc = px_j_str(&s, v, "party", 1, "player")) < 0 ||
		    (strcmp(s, "a") && strcmp(s, "b")) ||
		    (rc = px_j_str(&s, v, "contact", 64, "player")) < 0 ||
		    (rc = px_check_contact_id(s, "player")) < 0 ||
		    (rc = px_j_str(&s, v, "role", 32, "player")) < 0 ||
		    (rc = px_check_printable(s, false, "player role")) < 0 ||
		    (rc = px_j_str_opt(&s, v, "name", 200, "player")) < 0)
			return rc < 0 ? rc
			              : px_error_set(PX_EINVAL,
			                    "player: party must be a or b");
	}
	x->control = json_object_get(play, "control");
	if (!json_is_array(x->control) || json_array_size(x->control) == 0 ||
	    json_array_size(x->control) > 100)
		return px_error_set(PX_EINVAL,
		    "play: 'control' must be an array of 1 to 100 {party, "
		    "name}: the control cell");
	json_array_foreach(x->control, i, v)
	{
		if ((rc = px_j_only(v, cmem, "control cell")) < 0 ||
		    (rc = px_j_str(&s, v, "party", 1, "control cell")) < 0)
			return rc;
		if (strcmp(s, "a") && strcmp(s, "b"))
			return px_error_set(
			    PX_EINVAL, "control cell: party must be a or b");
		x->ctl[s[0] == 'b'] = true;
		if ((rc = px_j_str(&s, v, "name", 200, "control cell")) < 0 ||
		    (rc = px_check_printable(s, false, "control cell")) < 0)
			return rc;
	}
	return 0;
}

/* Whether `full` is the scenario proposed: its hash is the proposal's
 * and its public form is the one proposed. */
static int
check_full(const struct px_exercise *x, const json_t *full)
{
	char h[PX_HASH_HEX];
	json_t *pub = NULL;
	int rc;

	if ((rc = px_scenario_hash(h, full)) < 0)
		return rc;
	if (strcmp(h, x->hash) != 0)
		return px_error_set(PX_EINVAL,
		    "the scenario's hash is %.12s..., not the %.12s... "
		    "proposed",
		    h, x->hash);
	if ((rc = px_scenario_public(&pub, full)) < 0)
		return rc;
	if (!json_equal(pub, x->pub.doc))
		rc = px_error_set(PX_EINVAL,
		    "the scenario's public form is not the one proposed");
	json_decref(pub);
	return rc;
}

int64_t
px_exercise_started(const struct px_exercise *x)
{
	int64_t at;

	if (x->started >= 0)
		return x->started;
	if (x->accepted < 0 || x->planned_start < 0)
		return -1;
	at = x->planned_start > x->accepted ? x->planned_start : x->accepted;
	/* Stopped (or ended) while still scheduled: it never started. */
	return x->ended >= 0 && x->ended < at ? -1 : at;
}

static bool
paused_open(const struct px_exercise *x)
{
	return x->npauses && x->pauses[x->npauses - 1].to == INT64_MAX;
}

/* Why a control message by `from` at `t` with `body` takes no effect
 * now, or NULL; into why[n] when formatted. */
static const char *
control_check(const struct px_exercise *x, const char *from, int64_t t,
    const json_t *body, char *why, size_t n)
{
	const char *act = json_string_value(json_object_get(body, "action"));
	const char *inj = json_string_value(json_object_get(body, "inject"));
	int p = px_exercise_party(x, from), idx = -1;
	int64_t b = px_exercise_started(x);
	bool begun = b >= 0 && b <= t, ended = x->ended >= 0;
	bool control = strcmp(act, "accept") && strcmp(act, "decline") &&
	    strcmp(act, "withdraw") && strcmp(act, "stop") &&
	    strcmp(act, "reveal") && strcmp(act, "evaluate") &&
	    strcmp(act, "sign") && strcmp(act, "plan");

	if (p < 0)
		return "the sender is not a party to the exercise";
	if (!x->readable && strcmp(act, "stop") && strcmp(act, "withdraw") &&
	    strcmp(act, "decline"))
		return "the proposal cannot be read";
	if (control && !x->ctl[p]) {
		snprintf(why, n,
		    "%s has no member in the control cell, which alone may "
		    "%s",
		    from, act);
		return why;
	}
	if (x->answer != PX_XS_PROPOSED)
		return x->answer == PX_XS_DECLINED
		    ? "the exercise was declined"
		    : "the exercise was withdrawn";
	if (strcmp(act, "accept") == 0 || strcmp(act, "decline") == 0) {
		const char *h =
		    json_string_value(json_object_get(body, "proposal"));

		if (p != 1)
			return "only the peer the exercise was proposed to "
			       "answers it";
		if (x->accepted >= 0)
			return "the exercise is already accepted";
		if (ended)
			return "the exercise was stopped";
		if (h == NULL || strcmp(h, x->c->msgs[0]->hash) != 0)
			return "it names another proposal than this case's";
		return NULL;
	}
	if (strcmp(act, "withdraw") == 0) {
		if (p != 0)
			return "only the proposer withdraws the proposal";
		if (x->accepted >= 0 || ended)
			return "the proposal was already answered; end or "
			       "stop the exercise instead";
		return NULL;
	}
	if (strcmp(act, "stop") == 0)
		return ended ? "the exercise has already ended" : NULL;
	if (control) {
		if (x->accepted < 0)
			return "the exercise is not agreed yet";
		if (ended)
			return "the exercise has ended";
	}
	if (strcmp(act, "schedule") == 0 || strcmp(act, "start") == 0)
		return begun ? "the exercise has already started" : NULL;
	if (strcmp(act, "pause") == 0)
		return !begun        ? "the exercise has not started"
		    : paused_open(x) ? "the exercise is already paused"
		                     : NULL;
	if (strcmp(act, "resume") == 0)
		return paused_open(x) ? NULL : "the exercise is not paused";
	if (strcmp(act, "end") == 0)
		return begun ? NULL : "the exercise has not started";
	if (inj) {
		idx = px_scenario_find(x->sc, inj);
		if (idx < 0) {
			snprintf(
			    why, n, "the scenario has no inject '%s'", inj);
			return why;
		}
		if (x->fired[idx] >= 0)
			return "that inject was already fired";
		if (x->skipped[idx] >= 0)
			return "that inject was already skipped";
		if (x->played && x->played[idx])
			return "that inject was already played";
		return NULL;
	}
	/* reveal, evaluate, sign, plan: after the end. */
	if (!ended)
		return "the exercise has not ended";
	if (strcmp(act, "reveal") == 0) {
		const json_t *full = json_object_get(body, "scenario");

		if (p != 0)
			return "only the proposer holds the full scenario";
		if (x->revealed)
			return "the scenario was already revealed";
		if (check_full(x, full) < 0) {
			snprintf(why, n, "%s", px_error_last());
			return why;
		}
		return NULL;
	}
	if (strcmp(act, "evaluate") == 0) {
		const json_t *r;
		size_t i;

		json_array_foreach(json_object_get(body, "ratings"), i, r)
		{
			const char *o =
			    json_string_value(json_object_get(r, "objective"));

			if (px_scenario_objective(x->sc, o) < 0) {
				snprintf(why, n,
				    "the scenario has no objective '%s'", o);
				return why;
			}
		}
	}
	return NULL;
}

static void
apply_control(struct px_exercise *x, const struct px_msg *m)
{
	const json_t *b = m->body;
	const char *act = json_string_value(json_object_get(b, "action"));
	const char *inj = json_string_value(json_object_get(b, "inject"));
	int idx = inj ? px_scenario_find(x->sc, inj) : -1;
	int p = px_exercise_party(x, m->from);
	int64_t t = m->time_ms, v;

	if (strcmp(act, "accept") == 0) {
		x->accepted = x->answered = t;
	} else if (strcmp(act, "decline") == 0) {
		x->answer = PX_XS_DECLINED;
		x->answered = t;
	} else if (strcmp(act, "withdraw") == 0) {
		x->answer = PX_XS_WITHDRAWN;
		x->answered = t;
	} else if (strcmp(act, "schedule") == 0) {
		if (px_time_parse(&v,
		        json_string_value(json_object_get(b, "start")), 0) == 0)
			x->planned_start = v;
	} else if (strcmp(act, "start") == 0) {
		x->started = t;
	} else if (strcmp(act, "pause") == 0) {
		x->pauses = px_realloc(
		    x->pauses, (x->npauses + 1) * sizeof(*x->pauses));
		x->pauses[x->npauses].from = t;
		x->pauses[x->npauses].to = INT64_MAX;
		x->npauses++;
	} else if (strcmp(act, "resume") == 0) {
		x->pauses[x->npauses - 1].to = t;
	} else if (strcmp(act, "fire") == 0) {
		x->fired[idx] = t;
	} else if (strcmp(act, "skip") == 0) {
		x->skipped[idx] = t;
	} else if (strcmp(act, "delay") == 0) {
		if (px_duration_parse(&v,
		        json_string_value(json_object_get(b, "by")),
		        PX_BASIS_CALENDAR) == 0)
			x->delay[idx] += v;
	} else if (strcmp(act, "end") == 0 || strcmp(act, "stop") == 0) {
		x->ended = t;
		if (paused_open(x))
			x->pauses[x->npauses - 1].to = t;
		if (strcmp(act, "stop") == 0) {
			x->stopped = true;
			x->stop_msg = m;
		} else {
			x->end_msg = m;
		}
	} else if (strcmp(act, "reveal") == 0) {
		json_t *full = json_object_get(b, "scenario");

		if (!x->have_full) {
			if (px_scenario_parse(&x->full, full, false) < 0)
				return; /* checked: it parses */
			x->have_full = true;
			x->sc = &x->full;
		}
		x->revealed = true;
	} else if (strcmp(act, "evaluate") == 0) {
		const json_t *r;
		size_t i;

		json_array_foreach(json_object_get(b, "ratings"), i, r)
		{
			int o = px_scenario_objective(x->sc,
			    json_string_value(json_object_get(r, "objective")));
			const char *rt =
			    json_string_value(json_object_get(r, "rating"));

			x->evals[o].m = m;
			x->evals[o].rating =
			    (int)(strchr("PSMU", rt[0]) - "PSMU");
			x->evals[o].comment =
			    json_string_value(json_object_get(r, "comment"));
			x->evals[o].by =
			    json_string_value(json_object_get(b, "by"));
		}
	} else if (strcmp(act, "sign") == 0) {
		x->sign[p].m = m;
		x->sign[p].hash =
		    json_string_value(json_object_get(b, "report"));
		x->sign[p].by = json_string_value(json_object_get(b, "by"));
	} else if (strcmp(act, "plan") == 0) {
		const char *item =
		    json_string_value(json_object_get(b, "item"));
		size_t i;

		for (i = 0; i < x->nplan; i++)
			if (strcmp(x->plan[i].item, item) == 0)
				break;
		if (i == x->nplan) {
			x->plan = px_realloc(
			    x->plan, (x->nplan + 1) * sizeof(*x->plan));
			x->plan[i].item = item;
			x->plan[i].first = m;
			x->nplan++;
		}
		x->plan[i].m = m;
	}
}

int
px_exercise_build(
    struct px_exercise *x, const struct px_case *c, const json_t *full)
{
	const struct px_msg *m0;
	const json_t *sc, *play;
	char why[256];
	size_t n;

	px_exercise_init(x);
	if (c->kind != PX_KIND_EXERCISE || c->n == 0 ||
	    c->msgs[0]->type != PX_MSG_EXERCISE)
		return px_error_set(
		    PX_EINVAL, "case %s is not an exercise", c->id);
	x->c = c;
	m0 = c->msgs[0];
	x->party[0] = m0->from;
	x->party[1] = m0->to;
	sc = json_object_get(m0->body, "scenario");
	play = json_object_get(m0->body, "play");
	snprintf(x->hash, sizeof(x->hash), "%s",
	    json_string_value(json_object_get(sc, "hash")));
	x->readable = true;
	if (px_scenario_parse(&x->pub, json_object_get(sc, "public"), true) <
	        0 ||
	    read_play(x, play, m0) < 0) {
		x->readable = false;
		x->why = px_strdup(px_error_last());
		px_scenario_dispose(&x->pub);
		/* An empty scenario so the rest can run. */
	}
	x->sc = &x->pub;
	if (x->readable && full && check_full(x, full) == 0 &&
	    px_scenario_parse(&x->full, (json_t *)full, false) == 0) {
		x->have_full = true;
		x->sc = &x->full;
	}
	n = x->sc->ninjects;
	x->fired = px_calloc(n + 1, sizeof(*x->fired));
	x->skipped = px_calloc(n + 1, sizeof(*x->skipped));
	x->delay = px_calloc(n + 1, sizeof(*x->delay));
	x->played = px_calloc(n + 1, sizeof(*x->played));
	x->played_at = px_calloc(n + 1, sizeof(*x->played_at));
	for (size_t i = 0; i < n; i++)
		x->fired[i] = x->skipped[i] = -1;
	x->evals = px_calloc(x->sc->nobjectives + 1, sizeof(*x->evals));
	x->ctl_why = px_calloc(c->n, sizeof(*x->ctl_why));
	x->nctl = c->n;
	for (size_t i = 1; i < c->n; i++) {
		const struct px_msg *m = c->msgs[i];
		const char *w;

		if (m->type != PX_MSG_CONTROL || c->why[i])
			continue;
		w = control_check(
		    x, m->from, m->time_ms, m->body, why, sizeof(why));
		if (w) {
			x->ctl_why[i] = px_strdup(w);
			continue;
		}
		apply_control(x, m);
	}
	return 0;
}

/* Updates naming an inject in case c (its later messages). */
static void
attach_updates(struct px_exercise *x, const struct px_case *c)
{
	for (size_t j = 1; j < c->n; j++) {
		const struct px_msg *m = c->msgs[j];
		const json_t *mk = json_object_get(m->body, "exercise");
		int idx = px_scenario_find(
		    x->sc, json_string_value(json_object_get(mk, "inject")));
		const struct px_xinject *in;

		if (idx < 0 || m->type != PX_MSG_UPDATE || c->why[j] ||
		    x->played[idx])
			continue;
		in = &x->sc->injects[idx];
		if (in->channel != PX_XCH_UPDATE ||
		    x->played[in->in_idx] != c ||
		    px_exercise_party(x, m->from) != in->party)
			continue;
		x->played[idx] = c;
		x->played_at[idx] = j;
	}
}

void
px_exercise_attach(
    struct px_exercise *x, const struct px_case *const *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct px_case *c = cases[i];
		int idx;

		if (c->exercise_id == NULL || c->kind == PX_KIND_EXERCISE ||
		    strcmp(c->exercise_id, x->c->id) != 0)
			continue;
		idx = px_scenario_find(x->sc, c->inject_id);
		/* The inject's own party must have opened it, on a channel
		 * that opens a case. */
		if (idx >= 0 && !x->sc->injects[idx].hidden &&
		    (px_exercise_party(x, c->requester) !=
		            x->sc->injects[idx].party ||
		        x->sc->injects[idx].channel == PX_XCH_UPDATE))
			idx = -1;
		if (idx >= 0 && x->played[idx] == NULL) {
			x->played[idx] = c;
			x->played_at[idx] = 0;
			continue;
		}
		x->stray =
		    px_realloc(x->stray, (x->nstray + 1) * sizeof(*x->stray));
		x->stray[x->nstray++] = c;
	}
	/* Then the updates, once every case has its inject. */
	for (size_t i = 0; i < x->sc->ninjects; i++)
		if (x->played[i] && x->played_at[i] == 0)
			attach_updates(x, x->played[i]);
}

int64_t
px_exercise_real_at(const struct px_exercise *x, int64_t from, int64_t span)
{
	int64_t t = from, left = span;

	for (size_t i = 0; i < x->npauses; i++) {
		const struct px_interval *p = &x->pauses[i];

		if (p->to <= t)
			continue;
		if (p->from > t) {
			if (p->from - t >= left)
				return t + left;
			left -= p->from - t;
		}
		if (p->to == INT64_MAX)
			return INT64_MAX;
		t = p->to;
	}
	return t + left;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Whether `hay` holds `needle`, ASCII letters compared without case. */
static bool
contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; hay && *hay; hay++) {
		size_t k = 0;

		while (k < n && hay[k] && lower(hay[k]) == lower(needle[k]))
			k++;
		if (k == n)
			return true;
	}
	return false;
}

static bool
names_all(const struct px_msg *m, const json_t *names)
{
	const json_t *t = json_object_get(m->body, "text"), *v;
	const char *a = json_string_value(json_object_get(t, "value"));
	const char *b = json_string_value(
	    json_object_get(json_object_get(t, "translation"), "value"));
	size_t i;

	json_array_foreach(names, i, v)
	{
		const char *s = json_string_value(v);

		if (!contains(a, s) && !contains(b, s))
			return false;
	}
	return true;
}

/* Whether the person an ack names was paged in the case before it. */
static bool
was_paged(const struct px_case *c, const struct px_msg *ack, const char *by)
{
	for (size_t i = 0; i < c->n && c->msgs[i] != ack; i++) {
		const json_t *p = json_object_get(c->msgs[i]->body, "page");
		const char *ct =
		    json_string_value(json_object_get(p, "contact"));

		if (c->msgs[i]->type == PX_MSG_ESCALATE && ct &&
		    strcmp(ct, by) == 0)
			return true;
	}
	return false;
}

/* Whether message i of inject case c satisfies the predicate. */
static bool
matches(const struct px_exercise *x, const struct px_case *c, size_t i,
    enum px_xwhat what, const struct px_xmatch *f)
{
	const struct px_msg *m = c->msgs[i];
	const json_t *b = m->body;
	const char *s;
	int dec = -1;

	if (m->type == PX_MSG_TRIAGE)
		dec = PX_WIRE(px_decision_names,
		    json_string_value(json_object_get(b, "decision")));
	switch (what) {
	case PX_XW_ACK:
		if (m->type != PX_MSG_ACK && m->type != PX_MSG_TRIAGE &&
		    m->type != PX_MSG_UPDATE && m->type != PX_MSG_RESULT)
			return false;
		break;
	case PX_XW_TRIAGE:
		if (m->type != PX_MSG_TRIAGE ||
		    (f->decision >= 0 && dec != f->decision))
			return false;
		break;
	case PX_XW_FIRST_RESPONSE:
		if (!(m->type == PX_MSG_UPDATE || m->type == PX_MSG_RESULT ||
		        (m->type == PX_MSG_TRIAGE &&
		            (dec == PX_DEC_DECLINED ||
		                dec == PX_DEC_FORWARDED))))
			return false;
		break;
	case PX_XW_UPDATE:
		if (m->type != PX_MSG_UPDATE)
			return false;
		break;
	case PX_XW_RESULT:
		if (m->type != PX_MSG_RESULT)
			return false;
		if (f->outcome >= 0) {
			static const char *const oc[] = { "resolved", "partial",
				"unable" };

			s = json_string_value(json_object_get(b, "outcome"));
			if (s == NULL || strcmp(s, oc[f->outcome]) != 0)
				return false;
		}
		break;
	case PX_XW_CLOSE:
		if (m->type != PX_MSG_CLOSE)
			return false;
		break;
	case PX_XW_FEEDBACK:
		if (m->type != PX_MSG_FEEDBACK ||
		    json_integer_value(json_object_get(b, "score")) <
		        f->min_score)
			return false;
		break;
	case PX_XW_NOTE:
		if (m->type != PX_MSG_NOTE)
			return false;
		break;
	case PX_XW_ESCALATE:
		if (m->type != PX_MSG_ESCALATE)
			return false;
		break;
	case PX_XW_HOTLINE:
		s = json_string_value(json_object_get(b, "by"));
		if (m->type != PX_MSG_ACK || s == NULL)
			return false;
		if (f->role) {
			const char *r = px_exercise_role(
			    x, px_exercise_party(x, m->from), s);

			if (r == NULL || strcmp(r, f->role) != 0)
				return false;
		}
		if (f->paged && !was_paged(c, m, s))
			return false;
		break;
	case PX_XW_CHECK:
		/* The case model counts only a reply with the right token
		 * (an automatic one is kept with its note, and never reaches
		 * here). */
		if (m->type != PX_MSG_CHECK_REPLY)
			return false;
		break;
	default:
		return false;
	}
	if (f->names && !names_all(m, f->names))
		return false;
	return true;
}

/* Evaluates expectation `e` of an inject played as case c. */
static void
eval_expect(struct px_xresult *r, const struct px_exercise *x, size_t idx,
    const struct px_xexpect *e, int64_t now)
{
	const struct px_case *c = x->played[idx];
	size_t at = x->played_at[idx];
	const struct px_msg *im = c->msgs[at];
	/* The target is the other party than the inject's sender. */
	const char *who = e->by_sender ? im->from : im->to;
	int64_t sent = im->time_ms;
	int64_t horizon = x->ended >= 0 && x->ended < now ? x->ended : now;
	bool final = x->ended >= 0 && x->ended <= now && !x->stopped;
	const struct px_msg *met = NULL, *near = NULL;

	memset(r, 0, sizeof(*r));
	r->since = -1;
	r->deadline = px_exercise_real_at(x, sent, e->within / x->scale);
	for (size_t i = at + 1; i < c->n; i++) {
		const struct px_msg *m = c->msgs[i];

		/* Only messages that took effect, from the party the
		 * expectation waits for, before the exercise ended. */
		if (m->time_ms > horizon || strcmp(m->from, who) != 0 ||
		    c->why[i] != NULL)
			continue;
		if (met == NULL && matches(x, c, i, e->what, &e->met))
			met = m;
		if (near == NULL && e->has_partial &&
		    matches(x, c, i, e->what, &e->partial))
			near = m;
	}
	if (met && met->time_ms <= r->deadline) {
		r->status = PX_XST_MET;
		r->since = met->time_ms;
		r->answer = met;
	} else if (near && near->time_ms <= r->deadline &&
	    (horizon > r->deadline || final)) {
		r->status = PX_XST_PARTIAL;
		r->since = horizon > r->deadline ? r->deadline : x->ended;
		r->answer = near;
	} else if (met && e->late_partial) {
		r->status = PX_XST_PARTIAL;
		r->since = met->time_ms;
		r->answer = met;
		r->late = true;
	} else if (horizon > r->deadline) {
		r->status = PX_XST_MISSED;
		r->since = r->deadline;
	} else if (final) {
		/* The exercise ended before its deadline came. */
		r->status = PX_XST_MISSED;
		r->since = x->ended;
	} else {
		r->status = PX_XST_PENDING;
	}
}

int
px_exercise_rating(const struct px_scenario *s, int64_t permille)
{
	for (int r = 0; r < 3; r++)
		if (permille >= s->ratings[r])
			return r;
	return 3;
}

static void
next_at(int64_t *next, int64_t t, int64_t now)
{
	if (t > now && t < *next)
		*next = t;
}

/* When the conditions of inject i all hold (the latest of the times each
 * came to hold), or -1 if one does not hold at now. */
static int64_t
conditions(const struct px_xeval *e, const struct px_xinject *in)
{
	int64_t at = 0;

	for (size_t k = 0; k < in->nafter; k++) {
		const struct px_xcond *cd = &in->after[k];
		const struct px_xinject_state *d = &e->inj[cd->idx];
		int64_t t;

		if (d->state != PX_XI_PLAYED)
			return -1;
		if (cd->eidx < 0) {
			t = d->due;
		} else {
			const struct px_xresult *r = &d->res[cd->eidx];

			if (!(cd->statuses & (1u << r->status)) ||
			    r->status == PX_XST_PENDING)
				return -1;
			t = r->since;
		}
		if (t > at)
			at = t;
	}
	return at;
}

void
px_exercise_eval(struct px_xeval *e, const struct px_exercise *x, int64_t now)
{
	const struct px_scenario *s = x->sc;
	int64_t begun = px_exercise_started(x);
	bool ended = x->ended >= 0 && x->ended <= now;
	bool running = begun >= 0 && begun <= now && !ended;
	bool paused = running && paused_open(x);
	bool remains = false;

	memset(e, 0, sizeof(*e));
	e->next = INT64_MAX;
	e->end_at = -1;
	e->ninj = s->ninjects;
	e->inj = px_calloc(s->ninjects + 1, sizeof(*e->inj));
	e->nobj = s->nobjectives;
	e->obj = px_calloc(s->nobjectives + 1, sizeof(*e->obj));
	/* The state. */
	if (x->answer != PX_XS_PROPOSED)
		e->state = x->answer;
	else if (ended) {
		bool all = s->nobjectives > 0;

		for (size_t o = 0; o < s->nobjectives; o++)
			all &= x->evals[o].m != NULL;
		e->state = all ? PX_XS_EVALUATED : PX_XS_ENDED;
		if (x->sign[0].m && x->sign[1].m &&
		    strcmp(x->sign[0].hash, x->sign[1].hash) == 0)
			e->state = PX_XS_SIGNED;
	} else if (x->accepted < 0)
		e->state = PX_XS_PROPOSED;
	else if (begun >= 0 && begun <= now)
		e->state = paused ? PX_XS_PAUSED : PX_XS_RUNNING;
	else if (begun >= 0)
		e->state = PX_XS_SCHEDULED;
	else
		e->state = PX_XS_AGREED;
	if (e->state == PX_XS_SCHEDULED)
		next_at(&e->next, begun, now);
	if (running && s->duration > 0) {
		e->end_at =
		    px_exercise_real_at(x, begun, s->duration / x->scale);
		next_at(&e->next, e->end_at, now);
	}
	/* Every inject, in order: conditions look only backwards. */
	for (size_t i = 0; i < s->ninjects; i++) {
		const struct px_xinject *in = &s->injects[i];
		struct px_xinject_state *st = &e->inj[i];
		int64_t off, cond;

		st->due = INT64_MAX;
		st->res = px_calloc(in->nexpect + 1, sizeof(*st->res));
		if ((st->c = x->played[i]) != NULL) {
			st->state = PX_XI_PLAYED;
			st->due = st->c->msgs[x->played_at[i]]->time_ms;
			for (size_t k = 0; k < in->nexpect; k++) {
				struct px_xresult *r = &st->res[k];

				eval_expect(r, x, i, &in->expect[k], now);
				if (r->status == PX_XST_PENDING) {
					remains = true;
					next_at(&e->next, r->deadline, now);
				}
			}
			continue;
		}
		if (in->hidden) {
			st->state = PX_XI_HIDDEN;
			continue;
		}
		if (x->skipped[i] >= 0 && x->skipped[i] <= now) {
			st->state = PX_XI_SKIPPED;
			continue;
		}
		if (ended || x->answer != PX_XS_PROPOSED) {
			st->state = PX_XI_NOT_PLAYED;
			continue;
		}
		st->state = PX_XI_WAITING;
		if (begun < 0)
			continue;
		if (x->fired[i] >= 0) {
			st->due = x->fired[i] > begun ? x->fired[i] : begun;
		} else {
			off = (in->offset + x->delay[i]) / x->scale;
			st->due = px_exercise_real_at(x, begun, off);
			cond = conditions(e, in);
			/* An update waits for the case it continues. */
			if (in->channel == PX_XCH_UPDATE && cond >= 0) {
				const struct px_xinject_state *d =
				    &e->inj[in->in_idx];

				if (d->state != PX_XI_PLAYED)
					cond = d->state == PX_XI_WAITING ||
					        d->state == PX_XI_DUE
					    ? -1
					    : -2;
				else if (d->due > cond)
					cond = d->due;
			}
			if (cond == -2) {
				/* Its case will never be opened. */
				st->state = PX_XI_NOT_PLAYED;
				st->due = INT64_MAX;
				continue;
			}
			if (cond < 0) {
				/* A contingency waits for its condition; any
				 * other inject is still to come. */
				if (!in->contingency)
					remains = true;
				st->due = INT64_MAX;
				continue;
			}
			if (cond > st->due)
				st->due = cond;
		}
		remains = true;
		if (running && !paused && st->due <= now)
			st->state = PX_XI_DUE;
		else
			next_at(&e->next, st->due, now);
	}
	e->done = running && !remains;
	/* The objectives. */
	for (size_t o = 0; o < s->nobjectives; o++) {
		struct px_xobjective_score *sc = &e->obj[o];

		sc->permille = -1;
		sc->computed = -1;
		for (size_t i = 0; i < s->ninjects; i++) {
			const struct px_xinject *in = &s->injects[i];

			if (e->inj[i].state != PX_XI_PLAYED)
				continue;
			for (size_t k = 0; k < in->nexpect; k++) {
				const struct px_xexpect *xe = &in->expect[k];

				if (xe->obj != (int)o)
					continue;
				switch (e->inj[i].res[k].status) {
				case PX_XST_MET:
					sc->met++;
					sc->points += 2 * xe->weight;
					sc->weight += xe->weight;
					break;
				case PX_XST_PARTIAL:
					sc->partial++;
					sc->points += xe->weight;
					sc->weight += xe->weight;
					break;
				case PX_XST_MISSED:
					sc->missed++;
					sc->weight += xe->weight;
					break;
				default:
					sc->pending++;
					break;
				}
			}
		}
		if (sc->weight > 0)
			sc->permille = sc->points * 1000 / (2 * sc->weight);
		if (sc->weight > 0 && sc->pending == 0)
			sc->computed = px_exercise_rating(s, sc->permille);
		sc->rating = x->evals[o].m ? x->evals[o].rating : sc->computed;
	}
}

void
px_xeval_dispose(struct px_xeval *e)
{
	for (size_t i = 0; i < e->ninj; i++)
		free(e->inj[i].res);
	free(e->inj);
	free(e->obj);
	memset(e, 0, sizeof(*e));
}

int
px_exercise_allows(const struct px_exercise *x, const char *self,
    const json_t *body, int64_t now)
{
	char why[256];
	const char *w;

	if (px_check_control(body) < 0)
		return PX_EINVAL;
	if ((w = control_check(x, self, now, body, why, sizeof(why))) != NULL)
		return px_error_set(
		    PX_ECONFLICT, "exercise %s: %s", x->c ? x->c->id : "?", w);
	return 0;
}

static json_t *
rating_json(int r)
{
	return r >= 0 && r < 4 ? json_string(px_hseep_names[r]) : json_null();
}

json_t *
px_exercise_scores(const struct px_exercise *x, const struct px_xeval *e)
{
	const struct px_scenario *s = x->sc;
	json_t *inj = json_array(), *obj = json_array(), *o;

	for (size_t i = 0; i < e->ninj; i++) {
		const struct px_xinject *in = &s->injects[i];
		const struct px_xinject_state *st = &e->inj[i];
		const struct px_msg *m =
		    st->c ? st->c->msgs[x->played_at[i]] : NULL;
		json_t *ex = json_array();

		for (size_t k = 0; k < in->nexpect; k++) {
			const struct px_xresult *r = &st->res[k];

			if (st->state != PX_XI_PLAYED)
				break;
			json_array_append_new(ex,
			    json_pack("{ss ss so so so sb}", "id",
			        in->expect[k].id, "status",
			        px_xstatus_names[r->status], "deadline",
			        px_json_time(r->deadline), "since",
			        px_json_time(r->since), "answer",
			        r->answer ? json_string(r->answer->hash)
			                  : json_null(),
			        "late", r->late));
		}
		json_array_append_new(inj,
		    json_pack("{ss ss so so so so}", "id", in->id, "state",
		        px_xistate_names[st->state], "case",
		        st->c ? json_string(st->c->id) : json_null(), "message",
		        m ? json_string(m->hash) : json_null(), "sent",
		        m ? px_json_time(m->time_ms) : json_null(),
		        "expectations", ex));
	}
	for (size_t k = 0; k < e->nobj; k++) {
		const struct px_xobjective_score *sc = &e->obj[k];
		const struct px_xevaluation *ev = &x->evals[k];

		o = json_pack("{ss sI sI sI sI so so so}", "id",
		    s->objectives[k].id, "met", (json_int_t)sc->met, "partial",
		    (json_int_t)sc->partial, "missed", (json_int_t)sc->missed,
		    "pending", (json_int_t)sc->pending, "permille",
		    sc->permille >= 0 ? json_integer(sc->permille)
		                      : json_null(),
		    "computed", rating_json(sc->computed), "rating",
		    rating_json(sc->rating));
		json_object_set_new(o, "confirmed",
		    ev->m
		        ? json_pack("{so so so ss}", "rating",
		              rating_json(ev->rating), "comment",
		              ev->comment ? json_string(ev->comment)
		                          : json_null(),
		              "by", ev->by ? json_string(ev->by) : json_null(),
		              "message", ev->m->hash)
		        : json_null());
		json_array_append_new(obj, o);
	}
	return json_pack("{ss ss sb so so so so}", "exercise", x->c->id,
	    "scenario", x->hash, "stopped", x->stopped, "started",
	    px_json_time(px_exercise_started(x)), "ended",
	    px_json_time(x->ended), "injects", inj, "objectives", obj);
}

int
px_exercise_scores_hash(char out[PX_HASH_HEX], const json_t *scores)
{
	struct px_buf b;
	uint8_t h[PX_SHA256_LEN];
	int rc;

	px_buf_init(&b, PX_BUF_NOCAP);
	px_buf_puts(&b, "parley-exercise-scores-v1\n");
	if ((rc = px_canon_append(&b, scores)) == 0) {
		px_sha256(h, b.data, b.len);
		px_hex_encode(out, h, sizeof(h));
	}
	px_buf_dispose(&b);
	return rc;
}
