/*
 * Building the body of a message from an operator's request, shared by
 * the CLI and the analyst API so that both accept and refuse exactly the
 * same input.  Every string is borrowed; NULL means "not given".
 */
#ifndef PX_ACTIONS_H
#define PX_ACTIONS_H

#include <jansson.h>

#include "node/node.h"

struct px_text_in {
	const char *text, *lang;
	const char *translation, *translation_lang, *translation_by;
	const char *prefix; /* how the face names fields: "--" or NULL */
};

struct px_new_case {
	const char *to, *kind, *category, *priority, *tlp, *title;
	const char *request_type;
	const char *const *observables; /* "TYPE:VALUE", CLI form */
	size_t nobservables;
	struct px_text_in text;
};

struct px_action {
	struct px_text_in text; /* "comment" for feedback */
	const char *decision, *reason, *outcome, *score;
	const char *by; /* ack: the contact who answered (docs/deadlines.md) */
	/* update: observables learnt since the case opened, CLI form */
	const char *const *observables;
	size_t nobservables;
};

/* The actions an operator takes on an open case, by the names of the
 * analyst API (POST /api/v1/cases/{id}/{action}; "rate" sends feedback),
 * in the order the case view lists the ones allowed now. */
struct px_case_action {
	const char *name;
	enum px_msg_type type;
};
extern const struct px_case_action px_case_actions[];
extern const size_t px_case_actions_n;

/* Validates a new case against the node and its peer and builds the
 * opening message body; *type is report or request. */
PX_MUST_CHECK int px_body_new_case(json_t **body, enum px_msg_type *type,
    struct px_node *n, const struct px_new_case *nc);
/* Builds the body of an action of `type` on a case. */
PX_MUST_CHECK int px_body_action(json_t **body, struct px_node *n,
    enum px_msg_type type, const struct px_action *a);
/* The node's first working language (default "en"); static storage. */
const char *px_node_lang(const struct px_node *n);

#endif
