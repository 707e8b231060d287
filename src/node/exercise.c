/*
 * Exercises on a node: scenarios, the proposal and control, injects
 * played by the scheduler, and the halt of an exercise's cases
 * (exercise.h, docs/exercises.md).
 *
 * Every inject goes out the way its channel always does: a case through
 * px_node_send and the outbox, a hotline the peer's node pages its roster
 * for, a check whose token is e-mailed to the person.  What makes it an
 * exercise is the "exercise" member every message of its case carries
 * (px_node_send adds it to every reply), the "[EXERCISE]" its title and
 * text begin with, and the marking notify.c gives every notification of
 * an exercise's case.
 */
#include <sodium.h>

#include "formats/cexf.h"
#include "model/canon.h"
#include "model/ladder.h"
#include "node/actions.h"
#include "node/exercise.h"
#include "node/internal.h"
#include "node/release.h"
#include "node/shipped.h"
#include "notify/notify.h"
#include "util/util.h"

#define MAX_SCENARIO (8 * 1024 * 1024)
/* What a proposal or a reveal may hold: a message is at most 1 MiB. */
#define MAX_CARRIED (PX_MSG_MAX_BYTES - 64 * 1024)
#define MARK        "[EXERCISE] "

/* The marks of an exercise's text in the language it is written in
 * (docs/exercises.md): a reader of either text sees them in the words
 * they read. */
struct xwords {
	const char *mark, *end, *from, *colon;
};

static const struct xwords *
xwords(const char *lang)
{
	static const struct xwords en = { MARK, "[EXERCISE]", "From ",
		":\n\n" },
	                           zh = { "[演练] ", "[演练]", "来自",
		                           "：\n\n" };

	return lang && strncmp(lang, "zh", 2) == 0 &&
	        (lang[2] == '\0' || lang[2] == '-')
	    ? &zh
	    : &en;
}

void
px_exercise_ref(char out[12], const char *id)
{
	size_t n = strlen(id);

	snprintf(out, 12, "EX-%s", n >= 8 ? id + n - 8 : id);
}

/* ---- Loading ---- */

struct ids {
	char **v;
	size_t n;
};

static int
collect_id(int64_t t, const char *id, const char *kind, void *arg)
{
	struct ids *l = arg;

	(void)t;
	if (strcmp(kind, "exercise") == 0)
		return 0;
	l->v = px_realloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = px_strdup(id);
	return 0;
}

static void
ids_free(struct ids *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* The full scenario this node holds for exercise `id`, or NULL. */
static json_t *
held_scenario(struct px_node *n, const char *id)
{
	struct px_exercise_row r;
	json_t *doc = NULL;

	if (PX_STORE_CALL(n->store, exercise_get, id, &r) < 0)
		return NULL;
	if (r.case_id == NULL ||
	    px_json_parse(&doc, r.scenario, strlen(r.scenario), MAX_SCENARIO,
	        "held scenario") < 0)
		doc = NULL;
	px_exercise_row_dispose(&r);
	return doc;
}

int
px_xctx_load(struct px_xctx *x, struct px_node *n, const char *ref)
{
	struct ids l = { 0 };
	const struct px_case **ptrs = NULL;
	const char *given = ref ? ref : "";
	int rc;

	memset(x, 0, sizeof(*x));
	px_case_init(&x->xc);
	px_exercise_init(&x->ex);
	if (ref && (strncmp(ref, "EX-", 3) == 0 || strncmp(ref, "ex-", 3) == 0))
		ref += 3;
	/* The errors name the exercise, not the case that holds it. */
	rc = px_node_case_load(&x->xc, n, ref, NULL);
	if (rc == PX_ENOTFOUND)
		rc = px_error_set(PX_ENOTFOUND,
		    "no exercise '%.80s' at %s (see 'parley exercise list')",
		    given, n->name);
	else if (rc == PX_EINVAL)
		rc = px_error_set(PX_EINVAL,
		    "'%.80s' is not an exercise id (expected EX- and the last "
		    "8 hex digits of its id, or the id itself; see 'parley "
		    "exercise list')",
		    given);
	if (rc < 0)
		goto out;
	if (x->xc.kind != PX_KIND_EXERCISE) {
		rc = px_error_set(PX_ENOTFOUND,
		    "no exercise '%.80s' (case %s is a %s; see 'parley "
		    "exercise list')",
		    given, x->xc.id, px_kind_names[x->xc.kind].wire);
		goto out;
	}
	x->full = held_scenario(n, x->xc.id);
	if ((rc = px_exercise_build(&x->ex, &x->xc, x->full)) < 0)
		goto out;
	x->self = px_exercise_party(&x->ex, n->name);
	x->peer = x->self == 0 ? x->ex.party[1] : x->ex.party[0];
	if ((rc = PX_STORE_CALL(
	         n->store, exercise_cases, x->xc.id, collect_id, &l)) < 0)
		goto out;
	x->cases = px_calloc(l.n + 1, sizeof(*x->cases));
	ptrs = px_calloc(l.n + 1, sizeof(*ptrs));
	for (size_t i = 0; i < l.n; i++) {
		if ((rc = px_node_case_load(
		         &x->cases[x->ncases], n, l.v[i], NULL)) < 0)
			goto out;
		ptrs[x->ncases] = &x->cases[x->ncases];
		x->ncases++;
	}
	px_exercise_attach(&x->ex, ptrs, x->ncases);
out:
	free(ptrs);
	ids_free(&l);
	if (rc < 0)
		px_xctx_dispose(x);
	return rc;
}

void
px_xctx_dispose(struct px_xctx *x)
{
	px_exercise_dispose(&x->ex);
	for (size_t i = 0; i < x->ncases; i++)
		px_case_dispose(&x->cases[i]);
	free(x->cases);
	px_case_dispose(&x->xc);
	json_decref(x->full);
	memset(x, 0, sizeof(*x));
}

/* ---- Scenarios ---- */

/* Every controller-only inject gets a random salt, so that its
 * commitment in the proposal does not give a short inject away. */
static void
add_salts(json_t *doc)
{
	json_t *i;
	size_t k;

	json_array_foreach(json_object_get(doc, "injects"), k, i)
	{
		uint8_t r[16];
		char hex[33];

		if (!json_is_true(json_object_get(i, "controller_only")) ||
		    json_object_get(i, "salt"))
			continue;
		randombytes_buf(r, sizeof(r));
		px_hex_encode(hex, r, sizeof(r));
		json_object_set_new(i, "salt", json_string(hex));
	}
}

int
px_exercise_read(json_t **out, const char *text, size_t len, const char *format,
    const char *what)
{
	json_t *doc = NULL, *sc = NULL;
	struct px_scenario s;
	int rc;

	*out = NULL;
	if ((rc = px_json_parse(&doc, text, len, MAX_SCENARIO, what)) < 0)
		return rc;
	if (format && strcmp(format, "parley") && strcmp(format, "cexf")) {
		rc = px_error_set(
		    PX_EINVAL, "format '%s' is not parley or cexf", format);
		goto out;
	}
	if ((format && strcmp(format, "cexf") == 0) ||
	    (!format && json_object_get(doc, "inject_flow"))) {
		if ((rc = px_cexf_import(&sc, doc)) < 0)
			goto out;
	} else {
		sc = json_incref(doc);
	}
	if ((rc = px_scenario_parse(&s, sc, false)) < 0) {
		px_error_prefix("%s", what);
		goto out;
	}
	px_scenario_dispose(&s);
	*out = sc;
	sc = NULL;
out:
	json_decref(sc);
	json_decref(doc);
	return rc;
}

json_t *
px_exercise_shipped(void)
{
	json_t *a = json_array();

	for (size_t i = 0; i < px_shipped_n; i++) {
		json_t *doc = NULL;

		if (px_json_parse(&doc, px_shipped[i].text, px_shipped[i].len,
		        MAX_SCENARIO, px_shipped[i].name) < 0)
			continue; /* the unit test parses each */
		json_array_append_new(a,
		    json_pack("{ss sO sO sO sI}", "name", px_shipped[i].name,
		        "id", json_object_get(doc, "id"), "title",
		        json_object_get(doc, "name"), "duration",
		        json_object_get(doc, "duration")
		            ? json_object_get(doc, "duration")
		            : json_null(),
		        "injects",
		        (json_int_t)json_array_size(
		            json_object_get(doc, "injects"))));
		json_decref(doc);
	}
	return a;
}

int
px_exercise_find(
    json_t **out, char **draft_id, struct px_node *n, const char *name)
{
	struct px_exercise_row r;
	int rc;

	*out = NULL;
	if (draft_id)
		*draft_id = NULL;
	for (size_t i = 0; i < px_shipped_n; i++)
		if (strcmp(px_shipped[i].name, name) == 0)
			return px_exercise_read(out, px_shipped[i].text,
			    px_shipped[i].len, "parley", name);
	if (n == NULL)
		goto none;
	rc = PX_STORE_CALL(n->store, exercise_get, name, &r);
	if (rc == 0 && r.case_id != NULL) {
		px_exercise_row_dispose(&r);
		return px_error_set(PX_ECONFLICT,
		    "%s was proposed already (exercise %s); propose its "
		    "scenario again from a draft or a file",
		    name, r.case_id);
	}
	if (rc == 0) {
		rc = px_exercise_read(
		    out, r.scenario, strlen(r.scenario), "parley", name);
		if (rc == 0 && draft_id)
			*draft_id = px_strdup(r.id);
		px_exercise_row_dispose(&r);
		return rc;
	}
	if (rc != PX_ENOTFOUND)
		return rc;
none:
	return px_error_set(PX_ENOTFOUND,
	    "no draft or shipped scenario '%s' (parley exercise list shows "
	    "drafts, parley exercise scenarios the shipped ones)",
	    name);
}

int
px_exercise_draft(struct px_node *n, const json_t *doc_in, char *id)
{
	char h[PX_HASH_HEX], *canon = NULL;
	int64_t now = px_time_now_ms();
	struct px_exercise_row r = { 0 };
	json_t *doc = json_deep_copy(doc_in);
	int rc;

	/* Salted once, so the draft keeps one hash until proposed. */
	add_salts(doc);
	if ((rc = px_scenario_hash(h, doc)) < 0 ||
	    (canon = px_canon_string(doc)) == NULL) {
		json_decref(doc);
		return rc < 0 ? rc : PX_EINVAL;
	}
	px_uuid7(id, now);
	r.id = id;
	r.name = (char *)px_xtext(json_object_get(doc, "name"), "en");
	r.hash = h;
	r.scenario = canon;
	r.created_ms = r.updated_ms = now;
	rc = PX_STORE_CALL(n->store, exercise_put, &r);
	free(canon);
	json_decref(doc);
	return rc;
}

/* ---- The proposal ---- */

/* The players: every contact of both cards, with its role. */
static json_t *
players(struct px_node *n, const struct px_peer *p)
{
	json_t *a = json_array(), *own = NULL, *roster = NULL, *c;
	size_t i;

	if (px_node_directory(n, &own, &roster) == 0)
		json_array_foreach(own, i, c) json_array_append_new(a,
		    json_pack("{ss sO sO}", "party", "a", "contact",
		        json_object_get(c, "id"), "role",
		        json_object_get(c, "role")));
	json_array_foreach(p->card.contacts, i, c)
	{
		if (!json_is_string(json_object_get(c, "id")) ||
		    !json_is_string(json_object_get(c, "role")))
			continue;
		json_array_append_new(a,
		    json_pack("{ss sO sO}", "party", "b", "contact",
		        json_object_get(c, "id"), "role",
		        json_object_get(c, "role")));
	}
	json_decref(own);
	json_decref(roster);
	return a;
}

static json_t *
text_json(struct px_node *n, const char *text, const char *lang)
{
	return px_text_new(
	    text, lang ? lang : px_node_lang(n), NULL, NULL, NULL);
}

static int
check_size(const json_t *body, const char *what)
{
	char *s = px_canon_string(body);
	size_t len = s ? strlen(s) : 0;

	free(s);
	if (len > MAX_CARRIED)
		return px_error_set(PX_EINVAL,
		    "%s would be %zu bytes; a message carries at most %d: "
		    "shorten the scenario's texts or split it",
		    what, len, MAX_CARRIED);
	return 0;
}

int
px_exercise_propose(
    struct px_node *n, const struct px_xpropose *o, struct px_msg **out)
{
	struct px_peer *p = NULL;
	struct px_msg *m = NULL;
	json_t *full = json_deep_copy(o->scenario), *pub = NULL, *play = NULL;
	json_t *body = NULL, *control = json_array();
	struct px_scenario s;
	struct px_exercise_row row = { 0 };
	char h[PX_HASH_HEX], title[301], *canon = NULL;
	int64_t now = px_time_now_ms();
	int rc;

	px_scenario_init(&s);
	add_salts(full);
	if ((rc = px_scenario_parse(&s, full, false)) < 0 ||
	    (rc = px_peer_load(&p, n, o->peer)) < 0 ||
	    (rc = px_scenario_public(&pub, full)) < 0 ||
	    (rc = px_scenario_hash(h, full)) < 0)
		goto out;
	if (o->scale < 0 || o->scale > 10000) {
		rc = px_error_set(PX_EINVAL,
		    "the time scale must be 1 to 10000 (60 plays an hour in a "
		    "minute)");
		goto out;
	}
	for (size_t i = 0; i < o->ncontrol; i++)
		json_array_append_new(control,
		    json_pack("{ssss}", "party", "a", "name", o->control[i]));
	if (o->ncontrol == 0)
		json_array_append_new(control,
		    json_pack("{ss ss+}", "party", "a", "name",
		        "Control cell of ", n->name));
	play = json_pack("{s{ssss} sI so sO}", "parties", "a", n->name, "b",
	    p->row.name, "time_scale", (json_int_t)(o->scale ? o->scale : 1),
	    "players", players(n, p), "control", control);
	if (o->start >= 0)
		json_object_set_new(play, "start", px_json_time(o->start));
	snprintf(title, sizeof(title), "Exercise: %s",
	    px_xtext(s.name, px_node_lang(n)));
	body = json_pack("{s{ss ss ss ss ss} s{ss sO} sO}", "case", "kind",
	    "exercise", "category", "other", "priority", "P4", "tlp", "amber",
	    "title", title, "scenario", "hash", h, "public", pub, "play", play);
	if (o->text)
		json_object_set_new(
		    body, "text", text_json(n, o->text, o->lang));
	if ((rc = check_size(body, "the proposal")) < 0 ||
	    (rc = check_size(full, "the reveal at the end")) < 0)
		goto out;
	if ((canon = px_canon_string(full)) == NULL) {
		rc = PX_EINVAL;
		goto out;
	}
	/* The proposal and the scenario we keep, in one transaction. */
	if ((rc = PX_STORE_CALL0(n->store, begin)) < 0)
		goto out;
	if ((rc = px_node_send(
	         n, p->row.name, NULL, PX_MSG_EXERCISE, body, &m)) < 0)
		goto rollback;
	row.id = o->draft ? (char *)o->draft : m->case_id;
	row.case_id = m->case_id;
	row.peer = p->row.name;
	row.name = (char *)px_xtext(s.name, "en");
	row.hash = h;
	row.scenario = canon;
	row.created_ms = row.updated_ms = now;
	if ((rc = PX_STORE_CALL(n->store, exercise_put, &row)) < 0 ||
	    (rc = PX_STORE_CALL0(n->store, commit)) < 0)
		goto rollback;
	if (out) {
		*out = m;
		m = NULL;
	}
	goto out;
rollback:
	PX_STORE_CALL0(n->store, rollback);
out:
	free(canon);
	px_msg_free(m);
	px_scenario_dispose(&s);
	px_peer_free(p);
	json_decref(full);
	json_decref(pub);
	json_decref(play);
	json_decref(body);
	json_decref(control);
	return rc;
}

/* ---- Control ---- */

json_t *
px_exercise_node_scores(struct px_xctx *x, int64_t now, char *hash)
{
	struct px_xeval e;
	json_t *s;

	px_exercise_eval(&e, &x->ex, now);
	s = px_exercise_scores(&x->ex, &e);
	px_xeval_dispose(&e);
	if (hash && px_exercise_scores_hash(hash, s) < 0)
		hash[0] = '\0';
	return s;
}

/* Sends a control body into a loaded exercise after checking it. */
static int
send_control(struct px_node *n, struct px_xctx *x, json_t *body, int64_t now,
    struct px_msg **out)
{
	int rc;

	if ((rc = px_exercise_allows(&x->ex, n->name, body, now)) < 0)
		return rc;
	if ((rc = check_size(body, "the control message")) < 0)
		return rc;
	return px_node_send(n, NULL, x->xc.id, PX_MSG_CONTROL, body, out);
}

/* An inject or objective a control names that the scenario does not hold
 * is not found (a user's slip, not a conflict with the exercise's state). */
static int
control_names(const struct px_xctx *x, const json_t *body)
{
	const char *inj = json_string_value(json_object_get(body, "inject"));
	char ref[12];
	const json_t *r;
	size_t i;

	px_exercise_ref(ref, x->xc.id);
	if (inj && px_scenario_find(x->ex.sc, inj) < 0)
		return px_error_set(PX_ENOTFOUND,
		    "exercise %s has no inject '%.64s' (see 'parley exercise "
		    "show %s')",
		    ref, inj, ref);
	json_array_foreach(json_object_get(body, "ratings"), i, r)
	{
		const char *o =
		    json_string_value(json_object_get(r, "objective"));

		if (o && px_scenario_objective(x->ex.sc, o) < 0)
			return px_error_set(PX_ENOTFOUND,
			    "exercise %s has no objective '%.64s' (see "
			    "'parley exercise show %s')",
			    ref, o, ref);
	}
	return 0;
}

int
px_exercise_control(struct px_node *n, const char *ref, const json_t *body_in,
    struct px_msg **out)
{
	struct px_xctx x;
	json_t *body = json_deep_copy(body_in);
	const char *act = json_string_value(json_object_get(body, "action"));
	int64_t now = px_time_now_ms();
	int rc;

	if ((rc = px_xctx_load(&x, n, ref)) < 0)
		goto out;
	if (act == NULL) {
		rc = px_error_set(PX_EINVAL, "a control needs an 'action'");
		goto done;
	}
	if ((rc = control_names(&x, body)) < 0)
		goto done;
	if ((strcmp(act, "accept") == 0 || strcmp(act, "decline") == 0) &&
	    !json_object_get(body, "proposal"))
		json_object_set_new(
		    body, "proposal", json_string(x.xc.msgs[0]->hash));
	if (strcmp(act, "reveal") == 0 && !json_object_get(body, "scenario")) {
		if (x.full == NULL) {
			rc = px_error_set(PX_ECONFLICT,
			    "this node does not hold exercise %s's full "
			    "scenario (only its proposer does)",
			    x.xc.id);
			goto done;
		}
		json_object_set(body, "scenario", x.full);
	}
	if (strcmp(act, "sign") == 0 && !json_object_get(body, "report")) {
		char h[PX_HASH_HEX];
		json_t *s = px_exercise_node_scores(&x, now, h);

		json_decref(s);
		if (!x.ex.revealed && x.ex.sc->ninjects && x.ex.pub.ninjects &&
		    x.full == NULL) {
			bool hidden = false;

			for (size_t i = 0; i < x.ex.sc->ninjects; i++)
				hidden |= x.ex.sc->injects[i].hidden;
			if (hidden) {
				rc = px_error_set(PX_ECONFLICT,
				    "exercise %s: the scenario is not revealed "
				    "yet, so these scores leave its "
				    "controller-only injects out; sign once "
				    "the proposer has revealed it",
				    x.xc.id);
				goto done;
			}
		}
		json_object_set_new(body, "report", json_string(h));
	}
	rc = send_control(n, &x, body, now, out);
done:
	px_xctx_dispose(&x);
out:
	json_decref(body);
	return rc;
}

int
px_exercise_say(struct px_node *n, const char *ref, const char *inject,
    const char *persona, const char *text, const char *lang,
    struct px_msg **out)
{
	struct px_xctx x;
	json_t *body = NULL;
	struct px_xeval e;
	int idx, rc;

	if ((rc = px_xctx_load(&x, n, ref)) < 0)
		return rc;
	px_exercise_eval(&e, &x.ex, px_time_now_ms());
	if ((idx = px_scenario_find(x.ex.sc, inject)) < 0 ||
	    x.ex.played[idx] == NULL) {
		rc = px_error_set(PX_ENOTFOUND,
		    "exercise %s has no inject '%s' played yet", x.xc.id,
		    inject ? inject : "");
		goto out;
	}
	if (e.state != PX_XS_RUNNING && e.state != PX_XS_PAUSED) {
		rc = px_error_set(PX_ECONFLICT, "exercise %s is %s", x.xc.id,
		    px_xstate_names[e.state]);
		goto out;
	}
	if (!x.ex.ctl[x.self]) {
		rc = px_error_set(PX_ECONFLICT,
		    "simulated third parties are played by the control cell, "
		    "and %s has no member in it",
		    n->name);
		goto out;
	}
	if (persona) {
		size_t k;

		for (k = 0; k < x.ex.sc->npersonas; k++)
			if (strcmp(x.ex.sc->personas[k].id, persona) == 0 &&
			    x.ex.sc->personas[k].party == x.self)
				break;
		if (k == x.ex.sc->npersonas) {
			rc = px_error_set(PX_EINVAL,
			    "'%s' is not a persona of %s's side in the "
			    "scenario",
			    persona, n->name);
			goto out;
		}
	}
	if (text == NULL || *text == '\0') {
		rc = px_error_set(PX_EINVAL, "say what? (--text)");
		goto out;
	}
	{
		char *t = px_asprintf("%s%s%s%s",
		    xwords(lang ? lang : px_node_lang(n))->mark,
		    persona ? "(" : "", persona ? persona : "",
		    persona ? ") " : "");
		char *full = px_asprintf("%s%s", t, text);

		body = json_pack("{so s{ss}}", "text", text_json(n, full, lang),
		    "exercise", "id", x.xc.id);
		if (persona)
			json_object_set_new(json_object_get(body, "exercise"),
			    "persona", json_string(persona));
		free(t);
		free(full);
	}
	rc = px_node_send(
	    n, NULL, x.ex.played[idx]->id, PX_MSG_UPDATE, body, out);
out:
	px_xeval_dispose(&e);
	json_decref(body);
	px_xctx_dispose(&x);
	return rc;
}

static int
stop_one(int64_t t, const char *id, const char *peer, void *arg)
{
	void **a = arg;
	struct px_node *n = a[0];
	json_t *body = a[1], *list = a[2];
	struct px_xctx x;
	struct px_xeval e;
	struct px_msg *m = NULL;
	int64_t now = px_time_now_ms();
	int rc;

	(void)t;
	(void)peer;
	if (px_xctx_load(&x, n, id) < 0)
		return 0;
	px_exercise_eval(&e, &x.ex, now);
	if (x.ex.ended < 0 && x.ex.answer == PX_XS_PROPOSED) {
		rc = send_control(n, &x, body, now, &m);
		if (rc == 0)
			json_array_append_new(list, json_string(x.xc.id));
		else
			fprintf(stderr, "parley: stop of exercise %s: %s\n",
			    x.xc.id, px_error_last());
		px_msg_free(m);
	}
	px_xeval_dispose(&e);
	px_xctx_dispose(&x);
	return 0;
}

int
px_exercise_stop_all(
    struct px_node *n, const char *text, const char *lang, json_t **stopped)
{
	json_t *body, *list = json_array();
	void *a[3];
	int rc;

	*stopped = NULL;
	if (text == NULL || *text == '\0') {
		json_decref(list);
		return px_error_set(PX_EINVAL,
		    "a real-world stop says why (--text \"This is a "
		    "real-world emergency: ...\")");
	}
	body = json_pack(
	    "{ss so}", "action", "stop", "text", text_json(n, text, lang));
	a[0] = n;
	a[1] = body;
	a[2] = list;
	rc = PX_STORE_CALL(n->store, exercise_ids, stop_one, a);
	json_decref(body);
	if (rc < 0) {
		json_decref(list);
		return rc;
	}
	*stopped = list;
	return 0;
}

/* ---- Playing injects ---- */

/* One text of an inject, its marks in its own language `lang`. */
static char *
marked_text(const char *lang, const char *who, const char *t)
{
	const struct xwords *w = xwords(lang);

	return px_asprintf("%s%s%s%s%s\n\n%s", w->mark, who ? w->from : "",
	    who ? who : "", who ? w->colon : "", t, w->end);
}

/* The scenario text in our language, with the other one it has as its
 * translation, each marked in its own language. */
static json_t *
inject_text(
    struct px_node *n, const struct px_xinject *in, const struct px_scenario *s)
{
	const char *lang = px_node_lang(n);
	const char *l1 = px_xtext_lang(in->text, lang);
	const char *t1 = px_xtext(in->text, lang), *k, *l2 = NULL, *t2 = NULL;
	const json_t *name = NULL, *v;
	char *a, *b = NULL;
	json_t *o;

	for (size_t i = 0; in->persona && i < s->npersonas; i++)
		if (strcmp(s->personas[i].id, in->persona) == 0)
			name = s->personas[i].name;
	if (json_is_object(in->text))
		json_object_foreach((json_t *)in->text, k, v)
		{
			if (strcmp(k, l1) != 0) {
				l2 = k;
				t2 = json_string_value(v);
				break;
			}
		}
	if (t1 == NULL) {
		t1 = "Communication check (exercise).";
		l1 = "en";
	}
	a = marked_text(l1, name ? px_xtext(name, l1) : NULL, t1);
	if (t2)
		b = marked_text(l2, name ? px_xtext(name, l2) : NULL, t2);
	o = px_text_new(a, l1, b, l2, "human");
	free(a);
	free(b);
	return o;
}

static json_t *
marker(const struct px_xctx *x, const struct px_xinject *in)
{
	json_t *m = json_pack("{ssss}", "id", x->xc.id, "inject", in->id);

	if (in->persona)
		json_object_set_new(m, "persona", json_string(in->persona));
	if (in->scenario_time)
		json_object_set_new(
		    m, "scenario_time", json_string(in->scenario_time));
	return m;
}

/* The contact of the peer a check inject goes to: a player of the role
 * named whose card lists an e-mail, else any contact with one. */
static const char *
check_contact(const struct px_xctx *x, const struct px_peer *p,
    const struct px_xinject *in)
{
	const json_t *c;
	size_t i;

	for (int pass = 0; pass < 2; pass++)
		json_array_foreach(p->card.contacts, i, c)
		{
			const char *id =
			    json_string_value(json_object_get(c, "id"));
			const char *r =
			    px_exercise_role(&x->ex, x->self ^ 1, id);

			if (!json_string_value(json_object_get(c, "email")))
				continue;
			if (pass == 1 || in->to_role == NULL ||
			    (r && strcmp(r, in->to_role) == 0))
				return id;
		}
	return NULL;
}

static int
play_inject(struct px_node *n, struct px_xctx *x, size_t i)
{
	const struct px_scenario *s = x->ex.sc;
	const struct px_xinject *in = &s->injects[i];
	json_t *body = NULL, *mk = marker(x, in), *text = inject_text(n, in, s);
	struct px_peer *p = NULL;
	const char *tl = px_xtext_lang(in->title, px_node_lang(n));
	char *title;
	int rc;

	/* The title's mark is in the title's language. */
	title = in->title ? px_asprintf("%s%s", xwords(tl)->mark,
	                        px_xtext(in->title, px_node_lang(n)))
	                  : px_strdup(MARK "Communication check");
	switch (in->channel) {
	case PX_XCH_REPORT:
	case PX_XCH_REQUEST:
	case PX_XCH_HOTLINE:
		body = json_pack("{s{ss ss ss ss ss} sO sO}", "case", "kind",
		    in->channel == PX_XCH_REPORT        ? "report"
		        : in->channel == PX_XCH_REQUEST ? "request"
		                                        : "hotline",
		    "category", px_category_names[in->category].wire,
		    "priority", px_priority_names[in->priority].wire, "tlp",
		    px_tlp_names[in->tlp].wire, "title", title, "text", text,
		    "exercise", mk);
		if (in->request_type >= 0)
			json_object_set_new(json_object_get(body, "case"),
			    "request_type",
			    json_string(
			        px_request_type_names[in->request_type].wire));
		if (in->observables)
			json_object_set(json_object_get(body, "case"),
			    "observables", (json_t *)in->observables);
		rc = px_node_send(n, x->peer, NULL,
		    in->channel == PX_XCH_REPORT ? PX_MSG_REPORT
		                                 : PX_MSG_REQUEST,
		    body, NULL);
		break;
	case PX_XCH_UPDATE:
		body = json_pack("{sO sO}", "text", text, "exercise", mk);
		rc = px_node_send(n, NULL, x->ex.played[in->in_idx]->id,
		    PX_MSG_UPDATE, body, NULL);
		break;
	case PX_XCH_CHECK: {
		struct px_check_sent sent;
		const char *contact;
		int64_t within = 0;

		for (size_t k = 0; k < in->nexpect; k++)
			if (in->expect[k].what == PX_XW_CHECK)
				within = in->expect[k].within / x->ex.scale;
		if ((rc = px_peer_load(&p, n, x->peer)) < 0)
			break;
		if ((contact = check_contact(x, p, in)) == NULL) {
			rc = px_error_set(PX_ENOTFOUND,
			    "%s's card lists no contact with an e-mail to "
			    "check",
			    x->peer);
			break;
		}
		rc = px_check_send_in(
		    n, x->peer, contact, within, mk, title, text, &sent);
		break;
	}
	default:
		rc = px_error_set(PX_EINVAL, "unknown channel");
		break;
	}
	px_peer_free(p);
	free(title);
	json_decref(body);
	json_decref(mk);
	json_decref(text);
	return rc;
}

/* Once the exercise ended: the requester closes the open cases it
 * opened, so that no ladder step or page follows. */
static int
close_case(struct px_node *n, const struct px_case *c, bool stopped)
{
	const char *why = stopped ? MARK
	    "Stopped: a real-world stop ended the exercise."
	                          : MARK "The exercise has ended.";
	json_t *body;
	enum px_msg_type t;
	int rc;

	if (strcmp(c->requester, n->name) != 0 || px_state_terminal(c->state) ||
	    c->kind == PX_KIND_CHECK)
		return 0;
	t = c->state == PX_ST_RESOLVED ? PX_MSG_CLOSE : PX_MSG_WITHDRAW;
	if (px_case_allows(c, t, n->name) < 0)
		return 0;
	body =
	    json_pack("{so}", "text", px_text_new(why, "en", NULL, NULL, NULL));
	rc = px_node_send(n, NULL, c->id, t, body, NULL);
	json_decref(body);
	return rc;
}

static void
tick_log(const struct px_case *xc, const char *what)
{
	fprintf(stderr, "parley: exercise %s: %s: %s\n", xc->id, what,
	    px_error_last());
}

int
px_exercise_tick(struct px_node *n, const struct px_case *xc, int64_t now,
    int64_t *next, struct px_sched_stats *st)
{
	struct px_xctx x;
	struct px_xeval e;
	json_t *body = NULL;
	int rc;

	*next = INT64_MAX;
	if ((rc = px_xctx_load(&x, n, xc->id)) < 0)
		return rc;
	px_exercise_eval(&e, &x.ex, now);
	if (x.self < 0)
		goto out;
	/* The proposer ends it when nothing remains or its time is up. */
	if ((e.state == PX_XS_RUNNING || e.state == PX_XS_PAUSED) &&
	    x.self == 0 && x.ex.ctl[0] &&
	    (e.done || (e.end_at >= 0 && now >= e.end_at))) {
		body = json_pack("{ss so}", "action", "end", "text",
		    px_text_new(e.done ? MARK "Every inject was played and "
		                              "every expectation resolved."
		                       : MARK "The scenario's time is up.",
		        "en", NULL, NULL, NULL));
		if (send_control(n, &x, body, now, NULL) < 0)
			tick_log(xc, "end");
		json_decref(body);
		body = NULL;
		*next = now; /* look again with the end in the record */
		goto out;
	}
	for (size_t i = 0; i < e.ninj; i++) {
		const struct px_xinject *in = &x.ex.sc->injects[i];

		if (e.inj[i].state != PX_XI_DUE || in->party != x.self)
			continue;
		if (play_inject(n, &x, i) < 0) {
			fprintf(stderr, "parley: exercise %s: inject %s: %s\n",
			    xc->id, in->id, px_error_last());
			st->errors++;
			if (*next > now + 60000)
				*next = now + 60000;
			continue;
		}
		st->injects++;
		*next = now; /* look again with it in the record */
	}

	if (x.ex.ended >= 0 && x.ex.ended <= now) {
		if (x.self == 0 && x.full && !x.ex.revealed) {
			body = json_pack("{ssso}", "action", "reveal",
			    "scenario", json_incref(x.full));
			if (send_control(n, &x, body, now, NULL) < 0)
				tick_log(xc, "reveal");
			json_decref(body);
			body = NULL;
		}
		for (size_t i = 0; i < x.ncases; i++)
			if (close_case(n, &x.cases[i], x.ex.stopped) < 0)
				tick_log(xc, "closing its cases");
	} else if (e.next < *next) {
		*next = e.next;
	}
out:
	px_xeval_dispose(&e);
	px_xctx_dispose(&x);
	return 0;
}

/* When exercise `id` ended (*ended -1: not), from the cache while its
 * stamp holds, else from its replayed record. */
static int
exercise_ended(struct px_node *n, const char *id, struct px_xhalt_cache *cache,
    int64_t *ended, bool *stopped)
{
	struct px_case xc;
	struct px_exercise ex;
	int64_t stamp = -1;
	unsigned k;
	int rc;

	*ended = -1;
	*stopped = false;
	if (cache) {
		if ((rc = PX_STORE_CALL(n->store, case_stamp, id, &stamp)) < 0)
			return rc;
		for (k = 0; k < PX_ARRAY_LEN(cache->e); k++)
			if (strcmp(cache->e[k].id, id) == 0 &&
			    cache->e[k].stamp == stamp) {
				*ended = cache->e[k].ended;
				*stopped = cache->e[k].stopped;
				return 0;
			}
	}
	if ((rc = px_node_case_load(&xc, n, id, NULL)) < 0)
		return rc;
	if (xc.kind == PX_KIND_EXERCISE &&
	    px_exercise_build(&ex, &xc, NULL) == 0) {
		*ended = ex.ended;
		*stopped = ex.stopped;
		px_exercise_dispose(&ex);
	}
	px_case_dispose(&xc);
	if (cache) {
		k = cache->next++ % PX_ARRAY_LEN(cache->e);
		snprintf(cache->e[k].id, sizeof(cache->e[k].id), "%s", id);
		cache->e[k].stamp = stamp;
		cache->e[k].ended = *ended;
		cache->e[k].stopped = *stopped;
	}
	return 0;
}

int
px_exercise_case_halt(struct px_node *n, const struct px_case *c, int64_t now,
    struct px_xhalt_cache *cache)
{
	int64_t ended;
	bool stopped;
	int rc;

	if (c->exercise_id == NULL || c->kind == PX_KIND_EXERCISE)
		return 0;
	rc = exercise_ended(n, c->exercise_id, cache, &ended, &stopped);
	if (rc == PX_ENOTFOUND)
		return 0; /* naming an exercise we do not hold */
	if (rc < 0)
		return rc;
	if (ended < 0 || ended > now)
		return 0;
	if ((rc = close_case(n, c, stopped)) < 0)
		return rc;
	return 1;
}

int
px_exercise_stop_echo(
    struct px_node *n, const struct px_case *c, const struct px_msg *m)
{
	int64_t ended;
	bool stopped;
	int rc;

	if (c->exercise_id == NULL || c->kind == PX_KIND_EXERCISE ||
	    (m->type != PX_MSG_WITHDRAW && m->type != PX_MSG_CLOSE))
		return 0;
	rc = exercise_ended(n, c->exercise_id, NULL, &ended, &stopped);
	if (rc == PX_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	/* Not by dates: the two nodes' clocks may differ by a little, and
	 * what arrives after the stop came after it. */
	return stopped && ended >= 0;
}

/* ---- Indexing ---- */

/* What begins and ends a real-world stop's notice: it is real, and must
 * not read like the exercise notices around it (docs/exercises.md). */
#define STOP_LINE                                                   \
	"REAL-WORLD STOP -- %s -- this is real, not an exercise / " \
	"真实紧急情况，不是演练"

/* Tells this node's own duty and principal people of a real-world stop
 * (in the transaction that stores it).  The notice is marked real, never
 * EXERCISE, though it belongs to the exercise's case. */
static int
notify_stop(struct px_node *n, const struct px_case *c, const struct px_msg *m,
    int64_t now)
{
	json_t *contacts = NULL, *roster = NULL, *ev;
	const char *who[32];
	const char *why = px_msg_text(m) ? px_msg_text(m) : "";
	size_t nwho, k;
	char ref[12], *line;
	struct px_buf subj, text;
	int rc;

	if ((rc = px_node_directory(n, &contacts, &roster)) < 0)
		return rc;
	nwho = px_role_contacts(
	    who, 16, PX_NR_DUTY, NULL, roster, contacts, n->tz, now);
	nwho += px_role_contacts(who + nwho, 16, PX_NR_PRINCIPAL, NULL, roster,
	    contacts, n->tz, now);
	px_exercise_ref(ref, c->id);
	line = px_asprintf(STOP_LINE, ref);
	px_buf_init(&subj, PX_BUF_NOCAP);
	px_buf_init(&text, PX_BUF_NOCAP);
	px_buf_putf(&subj,
	    "[REAL-WORLD STOP] [parley] exercise %s stopped by %s for a real "
	    "emergency / 演练因真实紧急情况中止",
	    ref, m->from);
	px_buf_putf(&text,
	    "%s\n\n"
	    "%s stopped exercise %s (%s) at once with a real-world stop:\n\n"
	    "    %s\n\n"
	    "Every case of the exercise is ended and no inject will be "
	    "played.  Treat what follows as real.\n\n"
	    "%s 发出真实紧急情况中止指令，演练 %s 已立即停止：%s\n\n%s\n",
	    line, m->from, ref, px_node_mail_title(c), why, m->from, ref, why,
	    line);
	free(line);
	ev = json_pack("{ssssssss}", "exercise", c->id, "ref", ref, "by",
	    m->from, "real_world_stop", "REAL-WORLD STOP: this is real");
	for (k = 0; k < nwho && rc == 0; k++) {
		bool seen = false;

		for (size_t j = 0; j < k; j++)
			seen |= strcmp(who[j], who[k]) == 0;
		if (seen)
			continue;
		struct px_notify_item it = {
			.case_id = c->id,
			.msg_hash = m->hash,
			.contact = who[k],
			.card = px_contact_find(contacts, who[k]),
			.channels = PX_NOTIFY_ALL,
			.event = "parley.exercise.stop",
			.subject = subj.data,
			.text = text.data,
			.data = ev,
			.now = now,
			.real = true,
		};

		if (it.card)
			rc = px_notify_enqueue(n, &it);
	}
	json_decref(ev);
	px_buf_dispose(&subj);
	px_buf_dispose(&text);
	json_decref(contacts);
	json_decref(roster);
	return rc;
}

int
px_exercise_indexed(
    struct px_node *n, const struct px_case *c, int64_t now, const char **state)
{
	struct px_exercise ex;
	struct px_xeval e;
	const struct px_msg *last;
	int rc = 0;

	if (c->exercise_id == NULL)
		return 0;
	if (c->kind != PX_KIND_EXERCISE)

		/* A change in an inject's case may resolve an expectation
		 * a contingency waits for: the exercise looks again. */
		return PX_STORE_CALL(n->store, case_set_due, c->exercise_id, 0);
	if ((rc = px_exercise_build(&ex, c, NULL)) < 0)
		return rc;
	px_exercise_eval(&e, &ex, now);
	*state = px_xstate_names[e.state];
	last = c->msgs[c->n - 1];
	if (last->type == PX_MSG_CONTROL && ex.nctl == c->n &&
	    ex.ctl_why[c->n - 1] == NULL && ex.ended == last->time_ms) {
		/* It just ended: every case halts at the next tick. */
		rc = PX_STORE_CALL(n->store, exercise_due_all, c->id);
		if (rc == 0 && ex.stopped) {
			int64_t count = 0;

			rc = PX_STORE_CALL(n->store, notify_cancel_exercise,
			    c->id,
			    "cancelled: a real-world stop ended the "
			    "exercise",
			    now, &count);
			if (rc == 0)
				rc = notify_stop(n, c, last, now);
		}
	}
	px_xeval_dispose(&e);
	px_exercise_dispose(&ex);
	return rc;
}
