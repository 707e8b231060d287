/*
 * Cases: one incident or request thread between two parties.
 *
 * A case's state and clocks are a pure function of its messages, the
 * receipt time of its opening message (when known) and the current time:
 * replay the messages with px_case_apply and you get the same case on
 * both sides, which is what makes the record checkable.  Nothing here
 * reads a clock or touches storage.  docs/clocks.md states the rules.
 */
#ifndef PX_CASE_H
#define PX_CASE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/agreement.h"
#include "model/calendar.h"
#include "model/evidence.h"
#include "model/message.h"

struct px_case {
	char id[PX_UUID_STRLEN];
	const char *requester, *responder; /* borrowed from msgs[0] */
	enum px_kind kind;
	enum px_category category;
	enum px_priority priority;
	enum px_tlp tlp;
	int request_type; /* enum px_request_type, or -1 */
	/* The title as shown: the signed one, or, if it holds bidirectional
	 * controls, a copy with each written visibly ("[U+202E]"), so that
	 * no list, view, notice or report displays it in another order than
	 * it was signed.  The message keeps the signed bytes. */
	const char *title;
	char *title_shown; /* owned; the visible copy, or NULL */
	/* The opening message's observables and those later updates added,
	 * each once, in order; owned array or NULL. */
	json_t *observables;
	/* Forwarding (docs/interop.md): the case this one was forwarded
	 * from (the header's "linked"), and where the last triage forwarded
	 * it ("forwarded_to"); borrowed, or NULL. */
	const json_t *linked, *forwarded_to;
	enum px_state state;
	bool escalated;
	bool responded; /* the responder sent an update */
	bool answered;  /* a result, or a triage that declined or forwarded */
	int decision;   /* last triage decision, or -1 */
	int reason;     /* its reason code, or -1 */
	int score;      /* requester's feedback 1..5, or 0 */
	int64_t opened_ms;
	int64_t delivered_ms;    /* receiver's receive time, or -1 */
	int64_t stop[PX_CLK__N]; /* when each clock was stopped, or -1 */
	int64_t end_ms;          /* closed or withdrawn at, or -1 */
	struct px_interval *pauses;
	size_t npauses;
	/* Communication checks (kind check, docs/deadlines.md). */
	const char *check_contact; /* the contact checked, borrowed */
	const char *check_hash;    /* token_sha256, borrowed */
	int64_t check_due_ms;      /* answer wanted by, or -1 */
	int auto_replies;          /* check replies without the right token */
	const char *answered_by;   /* contact named by the ack or the
	                              counted check reply, or NULL */
	/* The agreement version the opening message names (docs/clocks.md),
	 * 0 when it names none (`agreement_named` false). */
	int64_t agreement;
	bool agreement_named;
	/* Agreement proposals (kind agreement): the version proposed, its
	 * terms (borrowed from msgs[0]) and the answer that took effect. */
	int64_t proposal_version;
	const json_t *terms;
	const struct px_msg *answer; /* accept or decline, or NULL */
	/* Exercises (docs/exercises.md): the exercise an inject case belongs
	 * to, the inject it plays and the persona it speaks as, from its
	 * opening message's "exercise" member (borrowed; NULL when none).
	 * An exercise case itself (kind exercise) has its own id here. */
	const char *exercise_id, *inject_id, *persona;
	/* Evidence items the record names (model/evidence.h), in the
	 * order they entered the case. */
	struct px_ev_item *ev;
	size_t nev;
	struct px_msg **msgs; /* owned copies, in order */
	char **why;           /* per message: NULL, or why it had no effect */
	size_t n;
};

enum px_clock_state {
	PX_CS_NA,        /* this clock does not apply to the case kind */
	PX_CS_RUNNING,   /* deadline ahead */
	PX_CS_PAUSED,    /* waiting for the requester's information */
	PX_CS_OVERDUE,   /* running, deadline passed */
	PX_CS_MET,       /* stopped in time */
	PX_CS_BREACHED,  /* stopped late */
	PX_CS_CANCELLED, /* the case ended before the clock mattered */
};

extern const char *const px_clock_state_names[];

struct px_clock_status {
	enum px_clock_state state;
	int64_t start;
	int64_t deadline; /* INT64_MAX while paused */
	int64_t stopped;  /* -1 unless met, breached or cancelled */
	int64_t budget;
	enum px_basis basis;
};

void px_case_init(struct px_case *c);
void px_case_dispose(struct px_case *c);
/* Applies one message (borrowed; the case keeps a copy).  The first must
 * open the case (report or request); later ones must belong to it, come
 * from one of its two parties, be allowed by the state and the sender's
 * role, and not go back in time.  On error the case is unchanged and the
 * code is PX_EINVAL (malformed for this case) or PX_ECONFLICT (the state
 * does not allow it), with a message that says why. */
PX_MUST_CHECK int px_case_apply(struct px_case *c, const struct px_msg *m);
/* Replays a stored message: like px_case_apply, but a message the rules do
 * not allow at this point (a result that crossed a withdraw in transit) is
 * kept with the reason it had no effect, so both sides derive the same
 * case from the same messages.  Fails only if the message cannot belong
 * to the case at all.  Replay order is (time, sender, seq): senders date
 * replies after what they answer, so this order is causal. */
PX_MUST_CHECK int px_case_replay(struct px_case *c, const struct px_msg *m);
/* Checks, without applying, whether `sender` may send `type` now. */
PX_MUST_CHECK int px_case_allows(
    const struct px_case *c, enum px_msg_type type, const char *sender);
/* Records the receiver's receive time of the opening message (from its
 * receipt, or the receiver's own import time). */
void px_case_set_delivered(struct px_case *c, int64_t received_ms);
/* Evaluates the four clocks at `now` under the agreement, in the
 * responder's calendar. */
void px_case_clocks(struct px_clock_status out[PX_CLK__N],
    const struct px_case *c, const struct px_agreement *a,
    const struct px_calendar *responder_cal, int64_t now);
/* True if any clock is overdue or breached at `now`. */
bool px_case_overdue(const struct px_case *c, const struct px_agreement *a,
    const struct px_calendar *cal, int64_t now);
bool px_state_terminal(enum px_state s);
/* True for the types that open a case: report, request, check, propose,
 * exercise, disclose, review. */
bool px_msg_opens(enum px_msg_type t);
/* The token hash a check carries: hex SHA-256 of "parley-check-v1\n" ||
 * the token in normal form (px_check_token_normal); out[65]. */
void px_check_token_hash(char out[65], const char *token);
/* A token's normal form: letters upper-cased, spaces and dashes dropped
 * (people type "k7qf 2m9x-hc4t" for "K7QF-2M9X-HC4T"); out[n]. */
void px_check_token_normal(char *out, size_t n, const char *token);

#endif
