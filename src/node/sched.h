/*
 * The scheduler of a serving node (docs/deadlines.md): each tick looks at
 * the cases whose due time has come (the store's due index), takes the
 * ladder steps and hotline pages they owe (px_steps_due) as signed
 * escalate messages, queues the notifications those steps name in the
 * same transaction, and sets each case's next due time.  Scheduled
 * communication checks go out from here too.
 */
#ifndef PX_SCHED_H
#define PX_SCHED_H

#include <jansson.h>
#include <stdbool.h>

#include "model/ladder.h"
#include "node/node.h"

struct px_sched_stats {
	size_t cases;   /* cases looked at */
	size_t ladder;  /* ladder steps taken */
	size_t pages;   /* hotline pages */
	size_t checks;  /* scheduled checks sent */
	size_t notices; /* notifications queued */
	size_t injects; /* exercise injects played (docs/exercises.md) */

	size_t errors; /* cases that could not be handled (logged) */
};

/* Takes what is due at `now` in at most `limit` cases (0: 1000).  A case
 * that fails is reported on stderr and retried a minute later; the tick
 * goes on with the others. */
PX_MUST_CHECK int px_sched_tick(
    struct px_node *n, int64_t now, size_t limit, struct px_sched_stats *st);
/* Sends the scheduled checks that are due (agreement check_every). */
PX_MUST_CHECK int px_sched_checks(
    struct px_node *n, int64_t now, struct px_sched_stats *st);

/* This node's own contacts and roster, as its card publishes them (new
 * references to arrays the handle keeps and hands out again: read only). */
PX_MUST_CHECK int px_node_directory(
    struct px_node *n, json_t **contacts, json_t **roster);

/* Communication checks (docs/deadlines.md). */
struct px_check_sent {
	char case_id[PX_UUID_STRLEN];
	char token[16]; /* "K7QF-2M9X-HC4T" */
	int64_t due_ms;
};
/* Sends a check to `contact` of `peer` (which must list an e-mail), due
 * `within_ms` from now (0: the agreement's check_within), and queues the
 * e-mail carrying the token to the contact. */
PX_MUST_CHECK int px_check_send(struct px_node *n, const char *peer,
    const char *contact, int64_t within_ms, struct px_check_sent *out);
/* The same as an exercise inject (docs/exercises.md): `exercise` (may
 * be NULL) is the marker the check message carries ({"id", "inject"}),
 * `title` (may be NULL) its title, `text` (may be NULL) its text. */
PX_MUST_CHECK int px_check_send_in(struct px_node *n, const char *peer,
    const char *contact, int64_t within_ms, const json_t *exercise,
    const char *title, json_t *text, struct px_check_sent *out);
/* Answers check `ref` (a check this node received).  With a token, it
 * must be the check's (a typing slip is refused here, before anything is
 * signed); without one, the reply is an acknowledgement that does not
 * count as answered. */
PX_MUST_CHECK int px_check_reply(struct px_node *n, const char *ref,
    const char *token, const char *by, const char *text, struct px_msg **out);

/* One contact in the directory, with its verification state. */
struct px_contact_status {
	const char *party, *id; /* borrowed from the directory JSON */
	int64_t last_verified;  /* answered check, or -1 */
	bool stale;
	bool on_call;
};

/* The directory: this node's contacts and each peer's, with last verified
 * (from answered checks) and stale flags.  Returns a JSON array of
 * {"party", "self", "contacts": [...card contact + "last_verified",
 * "stale", "on_call", "checks_sent", "checks_answered"], "roster",
 * "on_call", "card_version"} (new reference). */
PX_MUST_CHECK int px_node_contacts(
    json_t **out, struct px_node *n, const char *peer, int64_t now);

#endif

/* The scheduler thread of `parley serve`: its own node handle, a tick
 * every `tick_ms` (ladder steps, pages), scheduled checks every minute.
 * `after_tick` (may be NULL) runs after each tick in that thread, with
 * its node handle: serve delivers due notifications there and kicks the
 * outbox when messages were made. */
struct px_sched_runner;
PX_MUST_CHECK int px_sched_start(struct px_sched_runner **out, const char *dir,
    int64_t tick_ms,
    void (*after_tick)(
        void *arg, struct px_node *n, const struct px_sched_stats *st),
    void *arg);
void px_sched_stop(struct px_sched_runner *r);
