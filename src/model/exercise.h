/*
 * An exercise as the record shows it (docs/exercises.md): the signed
 * proposal that opened its case, the control messages both parties
 * signed in it (accept, pause, fire, stop, evaluate, sign, ...), and the
 * real cases its injects were played as.  From those alone, and a time
 * `now`, this module derives the exercise's state, when each inject falls
 * due, and how each expectation resolved (met, partial, missed or
 * pending) with the message that decided it; both nodes hold the same
 * messages, so both derive the same scores.
 *
 * Time: every offset, deadline and duration of the scenario is scenario
 * time, played at the proposal's integer time scale (a scale of 60 plays
 * an hour in a minute), and counted in running time: the intervals
 * between a pause and its resume do not count.
 *
 * Pure: no clock, no store.  Everything borrows from the cases given,
 * which must outlive the struct.
 */
#ifndef PX_EXERCISE_H
#define PX_EXERCISE_H

#include <stdbool.h>
#include <stdint.h>

#include "model/calendar.h"
#include "model/case.h"
#include "model/scenario.h"

enum px_xstate {
	PX_XS_PROPOSED,  /* waiting for the peer's answer */
	PX_XS_AGREED,    /* accepted, no start planned */
	PX_XS_SCHEDULED, /* accepted, the start ahead */
	PX_XS_RUNNING,
	PX_XS_PAUSED,
	PX_XS_ENDED,     /* by the control cell, or a real-world stop */
	PX_XS_EVALUATED, /* every objective's rating confirmed */
	PX_XS_SIGNED,    /* both parties signed the same scores */
	PX_XS_DECLINED,
	PX_XS_WITHDRAWN,
	PX_XS__N
};
extern const char *const px_xstate_names[PX_XS__N];

/* What becomes of an inject. */
enum px_xistate {
	PX_XI_WAITING,    /* not due yet (or its conditions do not hold) */
	PX_XI_DUE,        /* its sender's node must play it now */
	PX_XI_PLAYED,     /* its case is in the record */
	PX_XI_SKIPPED,    /* the control cell skipped it */
	PX_XI_NOT_PLAYED, /* the exercise ended without it */
	PX_XI_HIDDEN,     /* controller-only, not revealed to this node */
	PX_XI__N
};
extern const char *const px_xistate_names[PX_XI__N];

/* HSEEP's four ratings (Homeland Security Exercise and Evaluation
 * Program): performed without challenges, with some challenges, with
 * major challenges, unable to be performed. */
extern const char *const px_hseep_names[4]; /* "P", "S", "M", "U" */
extern const char *const px_hseep_labels[4];

struct px_xevaluation {
	const struct px_msg *m; /* the evaluate message, or NULL */
	int rating;             /* 0..3 (P, S, M, U) */
	const char *comment, *by;
};

struct px_xsign {
	const struct px_msg *m; /* the latest sign, or NULL */
	const char *hash, *by;
};

struct px_xplan_item {
	const char *item;
	const struct px_msg *m;     /* the latest word on it */
	const struct px_msg *first; /* when it was raised */
};

struct px_exercise {
	const struct px_case *c; /* the exercise case, borrowed */
	const char *party[2];    /* node names of parties a and b */
	char hash[PX_HASH_HEX];  /* the scenario's hash, as proposed */
	bool readable;           /* the proposal could be read */
	char *why;               /* why not, or NULL (owned) */
	struct px_scenario pub;  /* the public form */
	struct px_scenario full; /* the full scenario, if known */
	bool have_full;
	bool revealed;                /* the full scenario is in the record */
	const struct px_scenario *sc; /* full when known, else pub */
	int64_t planned_start;        /* -1: none */
	int64_t scale;                /* time scale, >= 1 */
	const json_t *players;        /* [{party, contact, role, name?}] */
	const json_t *control;        /* [{party, name}] */
	bool ctl[2];                  /* parties with a control cell member */
	/* From the control messages, in replay order; -1 when not. */
	int64_t accepted, answered, started, ended;
	enum px_xstate answer; /* PROPOSED, DECLINED or WITHDRAWN */
	bool stopped;          /* ended by a real-world stop */
	const struct px_msg *stop_msg, *end_msg;
	struct px_interval *pauses;
	size_t npauses;
	int64_t *fired, *skipped, *delay; /* per inject: -1, -1, 0 */
	struct px_xevaluation *evals;     /* per objective */
	struct px_xsign sign[2];          /* per party */
	struct px_xplan_item *plan;
	size_t nplan;
	char **ctl_why; /* per message of c: NULL, or why it had no effect */
	size_t nctl;    /* messages of c read */
	/* The inject cases (px_exercise_attach): per inject, the case it
	 * was played in and the index there of the message that played it
	 * (0 for an inject that opened its case). */
	const struct px_case **played;
	size_t *played_at;
	const struct px_case **stray; /* naming no inject, or a second one */
	size_t nstray;
};

void px_exercise_init(struct px_exercise *x);
void px_exercise_dispose(struct px_exercise *x);

/*
 * Reads an exercise case (kind exercise; borrowed, must outlive x): its
 * proposal, and every control message in replay order under the rules of
 * docs/exercises.md ("Control"); each one that takes no effect gets the
 * reason in ctl_why.  `full` (may be NULL) is the full scenario when this
 * node holds it (the proposer); it is used only if it matches the
 * proposal's hash.  A proposal that cannot be read is kept with `why`
 * and never runs.  PX_EINVAL only if `c` is not an exercise case.
 */
PX_MUST_CHECK int px_exercise_build(
    struct px_exercise *x, const struct px_case *c, const json_t *full);

/* Attaches the cases played for the exercise (each borrowed; those of
 * other exercises are ignored): the first message from the inject's
 * party naming an inject plays it (a case's opening message, or an
 * update in the case of the inject it continues); a case opened by
 * any other is stray. */
void px_exercise_attach(
    struct px_exercise *x, const struct px_case *const *cases, size_t n);

/* The party label (0 = a, 1 = b) of node `name`, or -1. */
int px_exercise_party(const struct px_exercise *x, const char *name);

/* When the exercise started (its start control, else its planned start
 * once agreed), or -1: not, or never, as when it ended (a real-world stop)
 * before its planned start came. */
int64_t px_exercise_started(const struct px_exercise *x);

/* The instant at which `span` ms of running time have passed from
 * `from` (pauses do not count); INT64_MAX if a pause never ends. */
int64_t px_exercise_real_at(
    const struct px_exercise *x, int64_t from, int64_t span);

/* How one expectation stands at the evaluation time. */
struct px_xresult {
	enum px_xstatus status;
	int64_t deadline;            /* INT64_MAX while paused */
	int64_t since;               /* when it took this status, or -1 */
	const struct px_msg *answer; /* the message that decided it */
	bool late;                   /* partial because late */
};

struct px_xinject_state {
	enum px_xistate state;
	int64_t due;             /* when it fell or falls due; INT64_MAX */
	const struct px_case *c; /* its case, when played */
	struct px_xresult *res;  /* per expectation */
};

struct px_xobjective_score {
	int64_t weight;   /* of the expectations resolved */
	int64_t points;   /* 2 per met, 1 per partial, times weight */
	int64_t permille; /* points * 1000 / (2 * weight), or -1 */
	size_t met, partial, missed, pending;
	int computed; /* 0..3, or -1 while pending or unmeasured */
	int rating;   /* the evaluator's if confirmed, else computed */
};

struct px_xeval {
	enum px_xstate state;
	struct px_xinject_state *inj; /* per inject of x->sc */
	size_t ninj;
	struct px_xobjective_score *obj; /* per objective */
	size_t nobj;
	int64_t next;   /* when the evaluation next changes by itself */
	bool done;      /* nothing remains to play or wait for */
	int64_t end_at; /* when the scenario's duration runs out, or -1 */
};

/* Evaluates the exercise at `now`: its state, every inject and
 * expectation, the objectives' scores.  Dispose *e. */
void px_exercise_eval(
    struct px_xeval *e, const struct px_exercise *x, int64_t now);
void px_xeval_dispose(struct px_xeval *e);

/* The computed HSEEP rating (0..3) for a score in per mille under the
 * scenario's thresholds. */
int px_exercise_rating(const struct px_scenario *s, int64_t permille);

/*
 * Whether node `self` may sign control `body` now (the sender's rules,
 * docs/exercises.md "Control"): 0, or PX_ECONFLICT / PX_EINVAL saying
 * why.  A receiver keeps whatever is well signed; px_exercise_build
 * gives the ones that take no effect their reason.
 */
PX_MUST_CHECK int px_exercise_allows(const struct px_exercise *x,
    const char *self, const json_t *body, int64_t now);

/*
 * The scores of an exercise as both parties sign them (docs/exercises.md,
 * "Scores"): every inject's fate and every expectation's status with the
 * deadline, when it took it and the message that decided it (by hash),
 * and every objective's figures and ratings.  A function of the record
 * alone, so both nodes build the same object; its hash is what the
 * parties' `sign` controls name.  A new reference.
 */
json_t *px_exercise_scores(
    const struct px_exercise *x, const struct px_xeval *e);
/* Hex SHA-256 of "parley-exercise-scores-v1\n" || JCS(scores). */
PX_MUST_CHECK int px_exercise_scores_hash(
    char out[PX_HASH_HEX], const json_t *scores);

/* The role the agreed players give contact `contact` of party `party`,
 * or NULL. */

const char *px_exercise_role(
    const struct px_exercise *x, int party, const char *contact);

#endif
