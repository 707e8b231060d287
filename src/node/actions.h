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
	/* A preservation request's fields, "KEY=VALUE" (model/complete.h:
	 * authority, offence, facts, data, relation, custodian,
	 * necessity, mla_intent). */
	const char *const *preserve;
	size_t npreserve;
	/* What an evidence request wants (px_wanted_fields). */
	const char *const *wanted;
	size_t nwanted;
	/* Log excerpts: "SOURCE=TEXT", and the tool that produced them. */
	const char *const *excerpts;
	size_t nexcerpts;
	const char *excerpt_tool;
};

struct px_action {
	struct px_text_in text; /* "comment" for feedback */
	const char *decision, *reason, *outcome, *score;
	const char *by; /* ack: the contact who answered (docs/deadlines.md) */
	/* needs-info: the fields the request lacks (model/complete.h). */
	const char *const *missing;
	size_t nmissing;
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
/* What a receiver will miss in an opening body (model/complete.h),
 * counting the evidence items of case `c` (may be NULL); a new array of
 * {"field", "required", "detail"}. */
json_t *px_case_completeness(const json_t *body, const struct px_case *c);
/* Builds the body of an action of `type` on a case. */
PX_MUST_CHECK int px_body_action(json_t **body, struct px_node *n,
    enum px_msg_type type, const struct px_action *a);
/* The free-text object of `t` (a new reference), or NULL with no error
 * when no text was given; `what` names the field in errors. */
PX_MUST_CHECK int px_text_obj(json_t **out, const struct px_node *n,
    const struct px_text_in *t, const char *what);
/* The node's first working language (default "en"); static storage. */
const char *px_node_lang(const struct px_node *n);
/* The language of a `text` given without one: "zh" when it is mostly
 * Chinese characters (px_text_lang_guess), else px_node_lang. */
const char *px_node_text_lang(const struct px_node *n, const char *text);

#endif
