/*
 * Who on our desk holds a case (docs/desk.md): one assignee at most and
 * any number of watchers, each one of this node's people (a `[contact
 * "ID"]` of parley.conf).  A local record, never sent: not in a bundle,
 * not in the peer's view; raising the case's stamp so that views and
 * inbox rows show it at once.
 *
 * And alerts on arrival: a new inbound case, or an answer we were
 * waiting for, told to the assignee and watchers (else the people on
 * duty) by the rules of parley.conf's `[alert "KIND"]` sections.
 */
#ifndef PX_NODE_DESK_H
#define PX_NODE_DESK_H

#include <jansson.h>
#include <stdbool.h>

#include "model/case.h"
#include "model/message.h"
#include "node/node.h"

/* Whether `person` is one of this node's people ([contact "ID"]). */
bool px_desk_is_person(const struct px_node *n, const char *person);

/* 0 when `person` is one of this node's people, else PX_ENOTFOUND with a
 * message naming them all: the one answer every route gives for a
 * stranger (the API's 404 urn:parley:problem:unknown-person). */
PX_MUST_CHECK int px_desk_check_person(
    const struct px_node *n, const char *person);

/* The person a token acts as: its name when that is one of our people,
 * else NULL (borrowed from `token_name`). */
const char *px_desk_token_person(
    const struct px_node *n, const char *token_name);

/* Gives case `ref` (id, prefix or reference) to `person`, or takes it
 * from whoever holds it (`person` NULL).  PX_ENOTFOUND for no such case
 * or person.  *case_id (may be NULL) gets the full id (caller frees). */
PX_MUST_CHECK int px_desk_assign(struct px_node *n, const char *ref,
    const char *person, int64_t now, char **case_id);

/* Adds (`on`) or removes `person` as a watcher of case `ref`. */
PX_MUST_CHECK int px_desk_watch(struct px_node *n, const char *ref,
    const char *person, bool on, int64_t now, char **case_id);

/* {"assignee": ID or null, "since": time or null, "watchers": [ID...]}
 * for the case (new reference; NULL with the error set on failure). */
json_t *px_desk_people(struct px_node *n, const char *case_id);

/* Whose move an open case is: 'u' (ours), 't' (theirs) or 0 (ended),
 * as the console's inbox says it (docs/console.md). */
char px_desk_move(const struct px_node *n, const struct px_case *c);

/* The alert rule for `event` ("new" or "answer") on cases of `kind`:
 * [alert "KIND"], else [alert], else the built-in default (docs/desk.md);
 * *mask gets one bit per priority (1 << PX_P1, ...).  PX_EINVAL for a
 * rule that is not a list of priorities, all or none. */
PX_MUST_CHECK int px_desk_alert_rule(const struct px_node *n, enum px_kind kind,
    const char *event, unsigned *mask);

/*
 * After message `m` from a peer joined case `c` (whose state before it
 * was `before`, or -1 for a message that opened it): queues the alert it
 * calls for by the node's `[alert]` rules, if any: "new" for a case
 * opened by the peer, "answer" for one that turned from waiting on them.
 * Runs inside the import's transaction; only store writes.
 */
PX_MUST_CHECK int px_desk_alert(struct px_node *n, const struct px_case *c,
    const struct px_msg *m, int before, int64_t now);

#endif
