/*
 * Exercises on a node (docs/exercises.md): scenarios held as drafts, the
 * signed proposal and every control message, the injects played by the
 * scheduler as real cases, hotlines and checks through the real outbox,
 * the halt of every exercise case once the exercise ends or is stopped,
 * and the views the CLI and the API show.  The rules and the scores are
 * the pure model's (model/exercise.h); this file reads the store, signs
 * and sends.
 */
#ifndef PX_NODE_EXERCISE_H
#define PX_NODE_EXERCISE_H

#include <jansson.h>
#include <stdbool.h>

#include "model/exercise.h"
#include "node/node.h"
#include "node/sched.h"

/* An exercise loaded from the store: its case, the cases it played, the
 * full scenario when this node holds it, and the model built on them. */
struct px_xctx {
	struct px_case xc;
	struct px_case *cases; /* the exercise's other cases */
	size_t ncases;
	json_t *full; /* the full scenario, or NULL */
	struct px_exercise ex;
	int self;         /* this node's party: 0 = a, 1 = b */
	const char *peer; /* the other party, borrowed */
};

/* Loads exercise `ref`: "EX-1a2b3c4d", its id, a unique prefix or the
 * 8-digit reference.  PX_ENOTFOUND if there is none (or the case is not
 * an exercise).  Dispose *x. */
PX_MUST_CHECK int px_xctx_load(
    struct px_xctx *x, struct px_node *n, const char *ref);
void px_xctx_dispose(struct px_xctx *x);

/* An exercise's reference as people read it: "EX-" and the last 8 hex
 * digits of its id; out[12]. */
void px_exercise_ref(char out[12], const char *id);

/*
 * Reads a scenario: parley's JSON or CEXF (format "parley", "cexf", or
 * NULL to tell by its members), validated.  *out is a new reference.
 * PX_EINVAL names what is wrong.  (A draft or a proposal salts its
 * controller-only injects.)
 */
PX_MUST_CHECK int px_exercise_read(json_t **out, const char *text, size_t len,
    const char *format, const char *what);
/* A scenario by name: a shipped one ("botnet-c2-takedown") or a draft of
 * node `n` (its id; n may be NULL).  PX_ENOTFOUND if neither. */
PX_MUST_CHECK int px_exercise_find(
    json_t **out, char **draft_id, struct px_node *n, const char *name);
/* Keeps a scenario as a draft; id out[PX_UUID_STRLEN]. */
PX_MUST_CHECK int px_exercise_draft(
    struct px_node *n, const json_t *doc, char *id);
/* The shipped scenarios: [{"name", "id", "title": {...}, "injects"}]. */
json_t *px_exercise_shipped(void);

struct px_xpropose {
	const char *peer;
	const json_t *scenario;     /* the full scenario, salted */
	int64_t start;              /* planned start, or -1 */
	int64_t scale;              /* time scale; 0 reads as 1 */
	const char *const *control; /* names of our control cell members */
	size_t ncontrol;
	const char *text;  /* a note to the peer, or NULL */
	const char *lang;  /* its language, or NULL for the node's */
	const char *draft; /* the draft it came from, or NULL */
};

/* Signs and queues the proposal to the peer, and keeps the full
 * scenario (the controller-only parts stay here until the reveal). */
PX_MUST_CHECK int px_exercise_propose(
    struct px_node *n, const struct px_xpropose *o, struct px_msg **out);

/*
 * Signs and queues a control message (docs/exercises.md, "Control") in
 * exercise `ref`.  `body` (borrowed) holds at least "action"; what the
 * node can fill in, it does: the proposal's hash for accept and decline,
 * the scenario for reveal, the scores' hash for sign.  PX_ECONFLICT when
 * the rules do not allow it now, saying why.
 */
PX_MUST_CHECK int px_exercise_control(struct px_node *n, const char *ref,
    const json_t *body, struct px_msg **out);

/* Plays a simulated third party (or any persona of our side) in the case
 * of inject `inject`: an update speaking as `persona`. */
PX_MUST_CHECK int px_exercise_say(struct px_node *n, const char *ref,
    const char *inject, const char *persona, const char *text, const char *lang,
    struct px_msg **out);

/* A real-world stop of every exercise with any peer that has not ended;
 * *stopped gets the ids (a new array). */
PX_MUST_CHECK int px_exercise_stop_all(
    struct px_node *n, const char *text, const char *lang, json_t **stopped);

/* The scheduler's part (node/sched.c): what exercise case `xc` owes now
 * (injects of ours due, the automatic end, the reveal, closing our own
 * open cases once it ended); *next gets when to look again. */
PX_MUST_CHECK int px_exercise_tick(struct px_node *n, const struct px_case *xc,
    int64_t now, int64_t *next, struct px_sched_stats *st);
/* What px_exercise_case_halt learnt of the exercises it looked at during
 * one scheduler tick, so that the 100 cases of one exercise do not each
 * replay it and parse its scenario: when each ended (-1 not), valid while
 * the exercise case's stamp (store case_stamp) is unchanged.  Zero it
 * before the tick; it holds no heap memory. */
struct px_xhalt_cache {
	struct {
		char id[PX_UUID_STRLEN];
		int64_t stamp, ended;
		bool stopped;
	} e[4];
	unsigned next; /* the entry to replace */
};
/* 1 when message `m` of case `c` is the automatic withdrawal or closing
 * of an exercise's case that a real-world stop caused (the stop is in the
 * exercise's record as `m` arrives): nobody is alerted of it at the
 * moment of a real emergency.  0 otherwise (also for an exercise this
 * node does not hold), or a negative error. */
PX_MUST_CHECK int px_exercise_stop_echo(
    struct px_node *n, const struct px_case *c, const struct px_msg *m);
/* 1 when case `c` belongs to an exercise that has ended (the scheduler
 * then takes no step in it, and closes it if this node opened it), 0
 * otherwise, or a negative error.  `cache` may be NULL. */
int px_exercise_case_halt(struct px_node *n, const struct px_case *c,
    int64_t now, struct px_xhalt_cache *cache);
/* Called as a case is indexed (node/cases.c, inside the transaction that
 * stored its message): wakes the exercise a played case belongs to,
 * and when an exercise just ended or was stopped, wakes all its cases,
 * gives up their pending notifications (a stop) and tells this node's
 * duty people.  *state (exercise cases) gets the state word to index. */
PX_MUST_CHECK int px_exercise_indexed(struct px_node *n,
    const struct px_case *c, int64_t now, const char **state);

/* The exercise as the CLI and the API show it (a new reference).
 * `controller` shows what players should not see before it is played
 * (payloads of injects to come, notes when held). */
json_t *px_exercise_view(
    struct px_node *n, struct px_xctx *x, int64_t now, bool controller);
/* The objectives with their figures, computed and confirmed ratings,
 * and the improvement plan, as the view and the after-action report show
 * them (new references). */
json_t *px_exercise_objectives_json(
    const struct px_exercise *x, const struct px_xeval *e);
json_t *px_exercise_plan_json(const struct px_exercise *x);
/* Every exercise of this node and every draft, newest first. */
PX_MUST_CHECK int px_exercise_list(
    json_t **out, struct px_node *n, int64_t now);
/* The scores both parties sign, and their hash (out may be NULL). */
json_t *px_exercise_node_scores(struct px_xctx *x, int64_t now, char *hash);

#endif
