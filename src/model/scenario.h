/*
 * Exercise scenarios (the MSEL, docs/exercises.md "Scenario files"): a
 * list of injects, each delivered as a real case, hotline or check at an
 * offset from the start, with the responses expected of the other party
 * as predicates over real protocol messages, a response deadline, a
 * weight and the objective it serves.
 *
 * A scenario is parley's own JSON document ("parley_scenario": 1).  It
 * names the two parties abstractly, "a" (the party that proposes the
 * exercise and runs its control cell) and "b" (its peer), so one file
 * serves any pair of nodes; the proposal binds them to node names.
 *
 * Controller-only parts stay with the proposer until the exercise ends:
 * the notes of every inject, and whole injects marked controller_only
 * (contingencies, surprises).  The proposal carries the scenario's hash
 * and its *public form*, where each controller-only inject is replaced by
 * a commitment (px_scenario_public); at the end the proposer reveals the
 * full scenario and both nodes check it against both.
 *
 * Pure: no clock, no store.  Parsed structs borrow from the JSON
 * document, which the struct holds a reference to.
 */
#ifndef PX_SCENARIO_H
#define PX_SCENARIO_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/signed.h"
#include "util/err.h"

/* The channels an inject is delivered on. */
enum px_xchan {
	PX_XCH_REPORT,  /* a report case */
	PX_XCH_REQUEST, /* a request case (request_type) */
	PX_XCH_HOTLINE, /* a hotline: the roster walk at the target */
	PX_XCH_CHECK,   /* a communication check of a target contact */
	PX_XCH_UPDATE,  /* an update in the case an earlier inject opened */
	PX_XCH__N
};
extern const char *const px_xchan_names[PX_XCH__N];

/* What an expectation waits for (docs/exercises.md, "Expected
 * responses"): each a predicate over the messages of the inject's case. */
enum px_xwhat {
	PX_XW_ACK,            /* ack, triage, update or result: acknowledged */
	PX_XW_TRIAGE,         /* a triage (decision) */
	PX_XW_FIRST_RESPONSE, /* update, result, triage declined/forwarded */
	PX_XW_UPDATE,         /* an update (names) */
	PX_XW_RESULT,         /* a result (outcome) */
	PX_XW_CLOSE,          /* a close */
	PX_XW_FEEDBACK,       /* feedback (min_score) */
	PX_XW_NOTE,           /* a note (names) */
	PX_XW_ESCALATE,       /* an escalate message */
	PX_XW_HOTLINE,        /* hotline-answered: an ack naming a person
	                         (role, paged) */
	PX_XW_CHECK,          /* check-answered: a reply with the token */
	PX_XW__N
};
extern const char *const px_xwhat_names[PX_XW__N];

/* Statuses of an expectation (docs/exercises.md, "Scoring"). */
enum px_xstatus {
	PX_XST_PENDING,
	PX_XST_MET,
	PX_XST_PARTIAL,
	PX_XST_MISSED,
	PX_XST__N
};
extern const char *const px_xstatus_names[PX_XST__N];

/* The filters of a predicate; -1 / NULL / 0 where not given. */
struct px_xmatch {
	int decision;        /* enum px_decision */
	int outcome;         /* 0 resolved, 1 partial, 2 unable */
	const char *role;    /* hotline: the answering contact's role */
	bool paged;          /* hotline: the person answering was paged */
	int64_t min_score;   /* feedback: at least this score */
	const json_t *names; /* array of strings the text must contain */
};

struct px_xexpect {
	const char *id;
	enum px_xwhat what;
	bool by_sender; /* "from": "sender" (default: the target) */
	int64_t within; /* ms of scenario time from the inject */
	int64_t weight; /* 1..100 */
	const char *objective;
	int obj;           /* index of the objective */
	bool late_partial; /* a late match counts as partial (default) */
	struct px_xmatch met;
	bool has_partial;
	struct px_xmatch partial; /* a near miss by the deadline */
};

/* One condition of an inject's "after": the inject `inject` was played,
 * or (with an expectation) that expectation's status is one of `statuses`
 * (a bit per enum px_xstatus). */
struct px_xcond {
	const char *inject, *expectation;
	int idx, eidx; /* resolved indices; eidx -1 without an expectation */
	unsigned statuses;
};

struct px_xinject {
	const json_t *obj; /* the inject as written */
	const char *id;
	int64_t serial, move;
	const json_t *phase; /* text or NULL */
	int64_t offset;      /* ms of scenario time from the start */
	const char *scenario_time;
	struct px_xcond *after;
	size_t nafter;
	const char *from;    /* "a", "b" or a persona id */
	const char *persona; /* the persona, or NULL */
	bool simulated;      /* the persona is played by the control cell */
	int party;           /* the sending party: 0 = a, 1 = b */
	int to_party;
	const char *to_role; /* technical, policy, law-enforcement or NULL */
	enum px_xchan channel;
	const char *in;             /* update: the inject it continues */
	int in_idx;                 /* its index */
	int request_type;           /* enum px_request_type or -1 */
	const json_t *title, *text; /* texts (see px_xtext) or NULL */
	int category, priority, tlp;
	const json_t *observables; /* [{"type", "value"}] or NULL */
	struct px_xexpect *expect;
	size_t nexpect;
	bool contingency;
	bool controller_only;
	/* In a public form: a controller-only inject shown only as its
	 * commitment; nothing else is known of it. */
	bool hidden;
	const char *commit; /* hex, for hidden injects */
	const json_t *notes;
};

struct px_xpersona {
	const char *id;
	const json_t *name;
	int party;
	bool simulated;
};

struct px_xobjective {
	const char *id;
	const json_t *text;
	const char *capability; /* e.g. "Operational Communications" */
};

struct px_scenario {
	json_t *doc; /* owned reference */
	const char *id;
	int64_t version;
	const json_t *name, *description;
	int64_t duration; /* ms of scenario time; 0: until the last inject */
	struct px_xpersona *personas;
	size_t npersonas;
	struct px_xobjective *objectives;
	size_t nobjectives;
	/* Thresholds of the computed HSEEP ratings, per mille of the
	 * objective's weighted score: P at or above [0], S at or above
	 * [1], M at or above [2], else U. */
	int64_t ratings[3];
	struct px_xinject *injects;
	size_t ninjects;
	bool public_form; /* parsed as a public form (hidden stubs allowed) */
};

void px_scenario_init(struct px_scenario *s);
void px_scenario_dispose(struct px_scenario *s);

/*
 * Parses and validates a scenario document (borrowed; the struct takes a
 * reference).  `public_form` accepts controller-only injects as stubs
 * {"id", "serial", "controller_only": true, "commit"}.  PX_EINVAL with a
 * message naming the inject and member at fault, e.g. "inject I3:
 * expectation E1: 'within' ...".  On error *s is left empty.
 */
PX_MUST_CHECK int px_scenario_parse(
    struct px_scenario *s, json_t *doc, bool public_form);

/* The scenario's hash: hex SHA-256 of "parley-scenario-v1\n" || JCS(doc).
 * PX_EINVAL if the document cannot be canonicalised. */
PX_MUST_CHECK int px_scenario_hash(char out[PX_HASH_HEX], const json_t *doc);

/* The commitment to one inject: hex SHA-256 of "parley-inject-v1\n" ||
 * JCS(inject), the inject holding its "salt". */
PX_MUST_CHECK int px_inject_commit(char out[PX_HASH_HEX], const json_t *inj);

/*
 * The public form of a full scenario (a new reference): the same
 * document without any inject's "notes", and with each controller-only
 * inject replaced by {"id", "serial", "controller_only": true, "commit"}.
 * Every controller-only inject must carry a "salt" (32 or more hex
 * digits, so that a short inject cannot be guessed from its hash): the
 * node adds them (px_scenario_salt_needed says whether any is missing).
 */
PX_MUST_CHECK int px_scenario_public(json_t **out, const json_t *full);
bool px_scenario_salt_needed(const json_t *full);

/* A text of the scenario in `lang`: a plain string, or an object of
 * language tags ({"en": "...", "zh": "..."}) read as `lang`, else "en",
 * else its first member.  Borrowed; NULL for NULL. */
const char *px_xtext(const json_t *t, const char *lang);
/* The language tag px_xtext(t, lang) actually gave ("en" for a plain
 * string); static or borrowed. */
const char *px_xtext_lang(const json_t *t, const char *lang);

/* Index of inject `id`, or -1. */
int px_scenario_find(const struct px_scenario *s, const char *id);
/* Index of objective `id`, or -1. */
int px_scenario_objective(const struct px_scenario *s, const char *id);

#endif
