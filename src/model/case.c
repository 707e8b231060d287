/*
 * The case state machine.
 *
 * Roles: the requester opened the case, the responder received it.  Who may
 * send what:
 *   responder: ack, triage, result (and update, note, escalate)
 *   requester: close, withdraw, feedback (and update, note, escalate)
 * For a report (unsolicited sharing) either side may close it.  An
 * agreement proposal (kind agreement, opened by propose) takes accept or
 * decline from its receiver and withdraw from its proposer, once.
 *
 * States move forward only:
 *   sent -> delivered -> acknowledged -> triaged -> in-progress -> resolved
 *   -> closed, with needs-info between triaged and the requester's answer,
 *   and declined, forwarded, withdrawn as other ends.
 *
 * Clocks start when the responder received the opening message (its
 * receipt time), or at the send time until that is known.  They stop on
 * the responder's acts (see clock_stops), pause from a needs-info triage
 * until the requester's next message, and are cancelled if the requester
 * closes or withdraws the case before they stop.
 */
#include "crypto/sign.h"
#include "model/attrib.h"
#include "model/case.h"
#include "util/enc.h"
#include "util/util.h"

const char *const px_clock_state_names[] = { "n/a", "running", "paused",
	"overdue", "met", "breached", "cancelled" };

void
px_case_init(struct px_case *c)
{
	memset(c, 0, sizeof(*c));
	c->request_type = -1;
	c->decision = -1;
	c->reason = -1;
	c->delivered_ms = -1;
	c->end_ms = -1;
	c->check_due_ms = -1;
	for (int k = 0; k < PX_CLK__N; k++)
		c->stop[k] = -1;
}

void
px_case_dispose(struct px_case *c)
{
	for (size_t i = 0; i < c->n; i++) {
		px_msg_free(c->msgs[i]);
		free(c->why[i]);
	}
	free(c->msgs);
	free(c->why);
	free(c->pauses);
	free(c->title_shown);
	px_ev_dispose(c);
	json_decref(c->observables);
	px_case_init(c);
}

bool
px_msg_opens(enum px_msg_type t)
{
	return t == PX_MSG_REPORT || t == PX_MSG_REQUEST || t == PX_MSG_CHECK ||
	    t == PX_MSG_PROPOSE || t == PX_MSG_EXERCISE ||
	    t == PX_MSG_DISCLOSE || t == PX_MSG_REVIEW;
}

void
px_check_token_normal(char *out, size_t n, const char *token)
{
	size_t k = 0;

	for (const char *p = token; *p && k + 1 < n; p++) {
		if (*p == '-' || *p == ' ')
			continue;
		out[k++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 32) : *p;
	}
	out[k] = '\0';
}

void
px_check_token_hash(char out[65], const char *token)
{
	static const char tag[] = "parley-check-v1\n";
	char norm[80], buf[sizeof(tag) + sizeof(norm)];
	uint8_t h[PX_SHA256_LEN];
	size_t a;

	px_check_token_normal(norm, sizeof(norm), token);
	a = strlen(norm);
	memcpy(buf, tag, sizeof(tag) - 1);
	memcpy(buf + sizeof(tag) - 1, norm, a);
	px_sha256(h, buf, sizeof(tag) - 1 + a);
	px_hex_encode(out, h, sizeof(h));
}

bool
px_state_terminal(enum px_state s)
{
	return s == PX_ST_CLOSED || s == PX_ST_DECLINED ||
	    s == PX_ST_FORWARDED || s == PX_ST_WITHDRAWN || s == PX_ST_ACCEPTED;
}

static bool
ended(enum px_state s)
{
	return px_state_terminal(s) || s == PX_ST_RESOLVED;
}

/* An agreement proposal: its receiver accepts or declines it, its
 * proposer may withdraw it, once, while it is pending; notes always. */
static int
agreement_allows(
    const struct px_case *c, enum px_msg_type type, bool req, const char *st)
{
	const char *what = px_msg_type_names[type].wire;

	if (type == PX_MSG_NOTE)
		return 0;
	if (type != PX_MSG_ACCEPT && type != PX_MSG_DECLINE &&
	    type != PX_MSG_WITHDRAW)
		return px_error_set(PX_ECONFLICT,
		    "case %s is an agreement proposal; it takes only accept, "
		    "decline, withdraw and note",
		    c->id);
	if ((type == PX_MSG_WITHDRAW) != req)
		return px_error_set(PX_ECONFLICT,
		    type == PX_MSG_WITHDRAW
		        ? "only the proposer (%s) may withdraw agreement "
		          "version %lld"
		        : "only %s, to whom agreement version %lld was "
		          "proposed, accepts or declines it",
		    type == PX_MSG_WITHDRAW ? c->requester : c->responder,
		    (long long)c->proposal_version);
	if (px_state_terminal(c->state))
		return px_error_set(PX_ECONFLICT,
		    "agreement version %lld (case %s) is already %s; it takes "
		    "no %s",
		    (long long)c->proposal_version, c->id, st, what);
	return 0;
}

int
px_case_allows(
    const struct px_case *c, enum px_msg_type type, const char *sender)
{
	bool req, resp;
	const char *st;

	if (c->n == 0)
		return 0; /* opening checks are in px_case_apply */
	req = strcmp(sender, c->requester) == 0;
	resp = strcmp(sender, c->responder) == 0;
	st = px_state_names[c->state].wire;
	if (!req && !resp)
		return px_error_set(
		    PX_EINVAL, "%s is not a party to case %s", sender, c->id);
	if (c->kind == PX_KIND_AGREEMENT)
		return agreement_allows(c, type, req, st);
	/* An exercise case carries its control messages; which of them take
	 * effect is the exercise model's business (model/exercise.h), which
	 * reads them all in replay order. */
	if (c->kind == PX_KIND_EXERCISE) {
		if (type == PX_MSG_CONTROL || type == PX_MSG_NOTE)
			return 0;
		return px_error_set(PX_ECONFLICT,
		    "case %s is an exercise; it takes only control messages "
		    "and notes",
		    c->id);
	}
	if (type == PX_MSG_CONTROL)
		return px_error_set(PX_EINVAL,
		    "control messages act on exercises; case %s is a %s", c->id,
		    px_kind_names[c->kind].wire);
	if (type == PX_MSG_ACCEPT || type == PX_MSG_DECLINE)
		return px_error_set(PX_EINVAL,
		    "%s messages answer agreement proposals; case %s is a %s",
		    px_msg_type_names[type].wire, c->id,
		    px_kind_names[c->kind].wire);
	if (c->kind == PX_KIND_CHECK) {
		if (type == PX_MSG_NOTE)
			return 0;
		if (type != PX_MSG_CHECK_REPLY)
			return px_error_set(PX_ECONFLICT,
			    "case %s is a communication check; it takes only "
			    "check-reply and note",
			    c->id);
		if (!resp)
			return px_error_set(PX_ECONFLICT,
			    "only the party checked (%s) replies to check %s",
			    c->responder, c->id);
		if (c->stop[PX_CLK_ACK] >= 0)
			return px_error_set(PX_ECONFLICT,
			    "check %s is already answered", c->id);
		return 0;
	}
	switch (type) {
	case PX_MSG_REPORT:
	case PX_MSG_REQUEST:
	case PX_MSG_CHECK:
	case PX_MSG_PROPOSE:
	case PX_MSG_EXERCISE:
	case PX_MSG_DISCLOSE:
	case PX_MSG_REVIEW:
		return px_error_set(PX_ECONFLICT,
		    "case %s is already open; a %s opens a new case", c->id,
		    px_msg_type_names[type].wire);
	case PX_MSG_ACK:
	case PX_MSG_TRIAGE:
	case PX_MSG_RESULT:
		if (!resp)
			return px_error_set(PX_ECONFLICT,
			    "only the responder (%s) may send %s on case %s",
			    c->responder, px_msg_type_names[type].wire, c->id);
		if (type == PX_MSG_ACK && c->state >= PX_ST_ACKNOWLEDGED)
			return px_error_set(PX_ECONFLICT,
			    "case %s is already acknowledged (state %s)", c->id,
			    st);
		if (ended(c->state))
			goto ended;
		return 0;
	case PX_MSG_CLOSE:
		if (!req && c->kind != PX_KIND_REPORT &&
		    c->kind != PX_KIND_FEED)
			return px_error_set(PX_ECONFLICT,
			    "only the requester (%s) may close case %s",
			    c->requester, c->id);
		if (c->state == PX_ST_CLOSED || c->state == PX_ST_WITHDRAWN)
			goto ended;
		/* Closing says the answer is taken; before there is one the
		 * requester withdraws the case instead (docs/protocol.md). */
		if (c->kind != PX_KIND_REPORT && !c->answered)
			return px_error_set(PX_ECONFLICT,
			    "case %s is %s and has no answer yet; it can be "
			    "closed after a result, decline or forward (to "
			    "drop it now, withdraw it)",
			    c->id, st);
		return 0;
	case PX_MSG_WITHDRAW:
		if (!req)
			return px_error_set(PX_ECONFLICT,
			    "only the requester (%s) may withdraw case %s",
			    c->requester, c->id);
		if (ended(c->state))
			goto ended;
		return 0;
	case PX_MSG_FEEDBACK:
		if (!req)
			return px_error_set(PX_ECONFLICT,
			    "only the requester (%s) rates the answer to "
			    "case %s",
			    c->requester, c->id);
		if (!ended(c->state) || c->state == PX_ST_WITHDRAWN ||
		    !c->answered)
			return px_error_set(PX_ECONFLICT,
			    "case %s is %s; feedback rates an answer, so it "
			    "comes after a result, decline or forward",
			    c->id, st);
		return 0;
	case PX_MSG_UPDATE:
	case PX_MSG_ESCALATE:
		if (ended(c->state))
			goto ended;
		return 0;
	case PX_MSG_NOTE:
	/* Custody goes on after a case ends (an item is accessed, sealed
	 * or destroyed years later), and findings and assessments may be
	 * revised; their own rules are in evidence.c and attrib.c. */
	case PX_MSG_EVIDENCE:
	case PX_MSG_FINDING:
	case PX_MSG_ASSESSMENT:
		return 0;
	case PX_MSG_DIGEST:
	case PX_MSG_ROUTING:
		/* Digests and overrides belong to the two parties' routine
		 * sharing, which is a case of its own (docs/feeds.md). */
		if (c->kind != PX_KIND_FEED)
			return px_error_set(PX_ECONFLICT,
			    "case %s is a %s; %s messages belong to a feed case",
			    c->id, px_kind_names[c->kind].wire,
			    px_msg_type_names[type].wire);
		if (c->state == PX_ST_CLOSED || c->state == PX_ST_WITHDRAWN)
			goto ended;
		return 0;
	case PX_MSG_CHECK_REPLY:
		return px_error_set(PX_EINVAL,
		    "check-reply messages answer communication checks; case "
		    "%s is a %s",
		    c->id, px_kind_names[c->kind].wire);
	default:
		break;
	}
	return px_error_set(PX_EINVAL, "unknown message type");
ended:
	return px_error_set(PX_ECONFLICT,
	    "case %s is %s; it takes no %s (only notes%s)", c->id, st,
	    px_msg_type_names[type].wire,
	    c->state == PX_ST_RESOLVED ? ", feedback and close" : "");
}

static int
open_case(struct px_case *c, const struct px_msg *m)
{
	const json_t *h = json_object_get(m->body, "case");
	const json_t *rt = json_object_get(h, "request_type");

	if (!px_msg_opens(m->type))
		return px_error_set(PX_EINVAL,
		    "case %s has no opening message; a %s cannot start it",
		    m->case_id, px_msg_type_names[m->type].wire);
	if (strcmp(m->case_id, m->id) != 0)
		return px_error_set(PX_EINVAL,
		    "opening message %s must carry its own id as the case id",
		    m->id);
	memcpy(c->id, m->case_id, sizeof(c->id));
	c->requester = m->from;
	c->responder = m->to;
	/* Values were validated by px_msg_parse. */
	c->kind = (enum px_kind)PX_WIRE(
	    px_kind_names, json_string_value(json_object_get(h, "kind")));
	c->category = (enum px_category)PX_WIRE(px_category_names,
	    json_string_value(json_object_get(h, "category")));
	c->priority = (enum px_priority)PX_WIRE(px_priority_names,
	    json_string_value(json_object_get(h, "priority")));
	c->tlp = (enum px_tlp)PX_WIRE(
	    px_tlp_names, json_string_value(json_object_get(h, "tlp")));
	c->request_type =
	    rt ? PX_WIRE(px_request_type_names, json_string_value(rt)) : -1;
	c->title = json_string_value(json_object_get(h, "title"));
	c->linked = json_object_get(h, "linked");
	c->opened_ms = m->time_ms;
	c->state = PX_ST_SENT;
	/* Validated by px_msg_parse: an integer >= 0 when present. */
	c->agreement_named = json_object_get(h, "agreement") != NULL;
	c->agreement = c->agreement_named
	    ? (int64_t)json_integer_value(json_object_get(h, "agreement"))
	    : 0;
	if (m->type == PX_MSG_PROPOSE)
		c->proposal_version =
		    (int64_t)json_integer_value(json_object_get(
		        json_object_get(m->body, "proposal"), "version"));
	if (m->type == PX_MSG_CHECK) {
		const json_t *k = json_object_get(m->body, "check");

		/* Validated by px_msg_parse. */
		if (px_time_parse(&c->check_due_ms,
		        json_string_value(json_object_get(k, "due")), 0) < 0)
			c->check_due_ms = -1;
	}
	return 0;
}

/* Why a check reply does not count as the human answer, or NULL. */
static const char *
check_reply_note(const struct px_case *c, const struct px_msg *m)
{
	const char *tok = json_string_value(json_object_get(m->body, "token"));
	char h[65];

	if (tok == NULL)
		return "a reply without the check's token (an automatic "
		       "acknowledgement): not counted as answered";
	px_check_token_hash(h, tok);
	if (c->check_hash == NULL || strcmp(h, c->check_hash) != 0)
		return "the token does not match the check's: not counted as "
		       "answered";
	return NULL;
}

static void
stop_clock(struct px_case *c, enum px_clock k, int64_t t)
{
	if (c->stop[k] < 0)
		c->stop[k] = t;
}

static void
add_pause(struct px_case *c, int64_t from)
{
	if (c->npauses && c->pauses[c->npauses - 1].to == INT64_MAX)
		return; /* already paused */
	c->pauses =
	    px_realloc(c->pauses, (c->npauses + 1) * sizeof(*c->pauses));
	c->pauses[c->npauses].from = from;
	c->pauses[c->npauses].to = INT64_MAX;
	c->npauses++;
}

static void
end_pause(struct px_case *c, int64_t t)
{
	if (c->npauses && c->pauses[c->npauses - 1].to == INT64_MAX)
		c->pauses[c->npauses - 1].to = t;
}

static enum px_state
working_state(const struct px_case *c)
{
	return c->responded ? PX_ST_IN_PROGRESS : PX_ST_TRIAGED;
}

static void
apply_effects(struct px_case *c, const struct px_msg *m)
{
	bool resp = strcmp(m->from, c->responder) == 0;
	int64_t t = m->time_ms;
	const char *s;

	switch (m->type) {
	case PX_MSG_ACK:
		stop_clock(c, PX_CLK_ACK, t);
		c->state = PX_ST_ACKNOWLEDGED;
		if ((s = json_string_value(json_object_get(m->body, "by"))))
			c->answered_by = s;
		break;
	case PX_MSG_CHECK_REPLY:
		if (check_reply_note(c, m) != NULL) {
			c->auto_replies++;
			break;
		}
		stop_clock(c, PX_CLK_ACK, t);
		c->state = PX_ST_ACKNOWLEDGED;
		c->answered_by =
		    json_string_value(json_object_get(m->body, "by"));
		break;
	case PX_MSG_TRIAGE:
		stop_clock(c, PX_CLK_ACK, t);
		stop_clock(c, PX_CLK_TRIAGE, t);
		s = json_string_value(json_object_get(m->body, "decision"));
		c->decision = PX_WIRE(px_decision_names, s);
		s = json_string_value(json_object_get(m->body, "reason"));
		c->reason = s ? PX_WIRE(px_reason_names, s) : -1;
		c->forwarded_to = json_object_get(m->body, "forwarded_to");
		end_pause(c, t);
		switch (c->decision) {
		case PX_DEC_ACCEPTED:
			c->state = working_state(c);
			break;
		case PX_DEC_NEEDS_INFO:
			c->state = PX_ST_NEEDS_INFO;
			add_pause(c, t);
			break;
		default:
			/* A reasoned decline or a forward is an answer. */
			stop_clock(c, PX_CLK_FIRST_RESPONSE, t);
			stop_clock(c, PX_CLK_RESOLUTION, t);
			c->state = c->decision == PX_DEC_DECLINED
			    ? PX_ST_DECLINED
			    : PX_ST_FORWARDED;
			c->answered = true;
			break;
		}
		break;
	case PX_MSG_UPDATE:
		if (resp) {
			stop_clock(c, PX_CLK_ACK, t);
			stop_clock(c, PX_CLK_FIRST_RESPONSE, t);
			c->responded = true;
			if (c->state != PX_ST_NEEDS_INFO)
				c->state = PX_ST_IN_PROGRESS;
		} else if (c->state == PX_ST_NEEDS_INFO) {
			end_pause(c, t);
			c->state = working_state(c);
		}
		break;
	case PX_MSG_RESULT:
		for (int k = 0; k < PX_CLK__N; k++)
			stop_clock(c, (enum px_clock)k, t);
		end_pause(c, t);
		c->responded = true;
		c->answered = true;
		c->state = PX_ST_RESOLVED;
		break;
	case PX_MSG_CLOSE:
	case PX_MSG_WITHDRAW:
		/* A responder closing a report has dealt with it: that is
		 * its answer, not a cancellation. */
		if (resp) {
			stop_clock(c, PX_CLK_ACK, t);
			stop_clock(c, PX_CLK_TRIAGE, t);
		}
		end_pause(c, t);
		c->end_ms = t;
		c->state =
		    m->type == PX_MSG_CLOSE ? PX_ST_CLOSED : PX_ST_WITHDRAWN;
		break;
	case PX_MSG_FEEDBACK:
		c->score =
		    (int)json_integer_value(json_object_get(m->body, "score"));
		break;
	case PX_MSG_ESCALATE:
		c->escalated = true;
		break;
	case PX_MSG_ACCEPT:
	case PX_MSG_DECLINE:
		c->end_ms = t;
		c->state =
		    m->type == PX_MSG_ACCEPT ? PX_ST_ACCEPTED : PX_ST_DECLINED;
		break;
	default:
		break;
	}
}

/* Why an accept or decline cannot answer this proposal, or NULL: it must
 * name the proposal's version and hash (a signature over exactly the
 * terms answered). */
static const char *
answer_mismatch(const struct px_case *c, const struct px_msg *m)
{
	const char *h;

	if (m->type != PX_MSG_ACCEPT && m->type != PX_MSG_DECLINE)
		return NULL;
	h = json_string_value(json_object_get(m->body, "proposal"));
	if (json_integer_value(json_object_get(m->body, "version")) !=
	    c->proposal_version)
		return "it names another version than the proposal's";
	if (h == NULL || c->n == 0 || strcmp(h, c->msgs[0]->hash) != 0)
		return "it names another proposal than this case's";
	return NULL;
}

/* Adds each observable of `list` (validated wire objects) the case does
 * not list yet. */
static void
add_observables(struct px_case *c, const json_t *list)
{
	size_t i, j;
	const json_t *o, *x;

	json_array_foreach(list, i, o)
	{
		bool seen = false;

		if (c->observables == NULL)
			c->observables = json_array();
		json_array_foreach(c->observables, j, x)
		{
			if (json_equal((json_t *)x, (json_t *)o))
				seen = true;
		}
		if (!seen)
			json_array_append_new(c->observables,
			    json_pack("{sOsO}", "type",
			        json_object_get(o, "type"), "value",
			        json_object_get(o, "value")));
	}
}

static void
keep(struct px_case *c, const struct px_msg *m, const char *why)
{
	c->msgs = px_realloc(c->msgs, (c->n + 1) * sizeof(*c->msgs));
	c->why = px_realloc(c->why, (c->n + 1) * sizeof(*c->why));
	c->msgs[c->n] = px_msg_dup(m);
	c->why[c->n] = px_strdup(why);
	c->n++;
	/* px_msg_dup shares the immutable envelope, so strings borrowed
	 * from `m` stay valid; still, point them into our copy. */
	if ((m->type == PX_MSG_ACK ||
	        (m->type == PX_MSG_CHECK_REPLY && why == NULL)) &&
	    json_object_get(m->body, "by"))
		c->answered_by = json_string_value(
		    json_object_get(c->msgs[c->n - 1]->body, "by"));
	if (m->type == PX_MSG_UPDATE && why == NULL)
		add_observables(c, json_object_get(m->body, "observables"));
	/* Borrowed strings now point into our own copy. */
	if (c->n == 1) {
		const json_t *h = json_object_get(c->msgs[0]->body, "case");

		c->requester = c->msgs[0]->from;
		c->responder = c->msgs[0]->to;
		c->title = json_string_value(json_object_get(h, "title"));
		free(c->title_shown);
		c->title_shown = c->title ? px_bidi_visible(c->title) : NULL;
		if (c->title_shown)
			c->title = c->title_shown;
		json_decref(c->observables);
		c->observables = NULL;
		add_observables(c, json_object_get(h, "observables"));
		c->linked = json_object_get(h, "linked");
		c->terms = json_object_get(
		    json_object_get(c->msgs[0]->body, "proposal"), "terms");
		{
			const json_t *x =
			    json_object_get(c->msgs[0]->body, "exercise");

			c->exercise_id = c->kind == PX_KIND_EXERCISE
			    ? c->id
			    : json_string_value(json_object_get(x, "id"));
			c->inject_id =
			    json_string_value(json_object_get(x, "inject"));
			c->persona =
			    json_string_value(json_object_get(x, "persona"));
		}
		if (c->kind == PX_KIND_CHECK) {
			const json_t *k =
			    json_object_get(c->msgs[0]->body, "check");

			c->check_contact =
			    json_string_value(json_object_get(k, "contact"));
			c->check_hash = json_string_value(
			    json_object_get(k, "token_sha256"));
		}
	}
}

static int
belongs(const struct px_case *c, const struct px_msg *m)
{
	if (strcmp(m->case_id, c->id) != 0)
		return px_error_set(PX_EINVAL,
		    "message %s belongs to case %s, not %s", m->id, m->case_id,
		    c->id);
	if (!((strcmp(m->from, c->requester) == 0 &&
	          strcmp(m->to, c->responder) == 0) ||
	        (strcmp(m->from, c->responder) == 0 &&
	            strcmp(m->to, c->requester) == 0)))
		return px_error_set(PX_EINVAL,
		    "message %s from %s to %s is not between the parties of "
		    "case %s (%s and %s)",
		    m->id, m->from, m->to, c->id, c->requester, c->responder);
	if (m->time_ms < c->opened_ms)
		return px_error_set(PX_EINVAL,
		    "message %s is dated before its case was opened", m->id);
	return 0;
}

/* The accept or decline that ended a proposal: the last message kept,
 * pointing into our own copy. */
static void
note_answer(struct px_case *c)
{
	const struct px_msg *m = c->msgs[c->n - 1];

	if ((m->type == PX_MSG_ACCEPT || m->type == PX_MSG_DECLINE) &&
	    c->why[c->n - 1] == NULL)
		c->answer = m;
}

/* Why an evidence, finding or assessment message cannot take effect
 * (their own rules, beyond who may send what), or NULL. */
static const char *
content_refusal(
    const struct px_case *c, const struct px_msg *m, char *buf, size_t n)
{
	if (m->type == PX_MSG_EVIDENCE)
		return px_ev_refusal(c, m, buf, n);
	return px_attrib_refusal(c, m, buf, n);
}

/* After keeping an effective message: what it changes beyond the case's
 * state. */
static void
apply_content(struct px_case *c)
{
	if (c->msgs[c->n - 1]->type == PX_MSG_EVIDENCE &&
	    c->why[c->n - 1] == NULL)
		px_ev_apply(c, c->n - 1);
}

int
px_case_replay(struct px_case *c, const struct px_msg *m)
{
	const char *why;
	char buf[512];
	int rc;

	if (c->n == 0)
		return px_case_apply(c, m);
	if ((rc = belongs(c, m)) < 0)
		return rc;
	if (px_case_allows(c, m->type, m->from) < 0) {
		keep(c, m, px_error_last());
		return 0;
	}
	if ((why = answer_mismatch(c, m)) != NULL ||
	    (why = content_refusal(c, m, buf, sizeof(buf))) != NULL) {
		keep(c, m, why);
		return 0;
	}
	apply_effects(c, m);
	keep(c, m,
	    m->type == PX_MSG_CHECK_REPLY ? check_reply_note(c, m) : NULL);
	note_answer(c);
	apply_content(c);
	return 0;
}

int
px_case_apply(struct px_case *c, const struct px_msg *m)
{
	char buf[512];
	int rc;

	if (c->n == 0) {
		if ((rc = open_case(c, m)) < 0)
			return rc;
	} else {
		const char *why;

		if ((rc = belongs(c, m)) < 0 ||
		    (rc = px_case_allows(c, m->type, m->from)) < 0)
			return rc;
		if ((why = answer_mismatch(c, m)) != NULL)
			return px_error_set(PX_EINVAL,
			    "%s %s cannot answer agreement version %lld: %s",
			    px_msg_type_names[m->type].wire, m->id,
			    (long long)c->proposal_version, why);
		if ((why = content_refusal(c, m, buf, sizeof(buf))) != NULL)
			return px_error_set(PX_ECONFLICT, "%s", why);
		apply_effects(c, m);
	}
	keep(c, m,
	    m->type == PX_MSG_CHECK_REPLY ? check_reply_note(c, m) : NULL);
	note_answer(c);
	apply_content(c);
	return 0;
}

void
px_case_set_delivered(struct px_case *c, int64_t received_ms)
{
	if (c->delivered_ms < 0 || received_ms < c->delivered_ms)
		c->delivered_ms = received_ms;
	if (c->state == PX_ST_SENT)
		c->state = PX_ST_DELIVERED;
}

static bool
clock_applies(const struct px_case *c, enum px_clock k)
{
	/* A report is shared, not asked: it is acknowledged and triaged, but
	 * no answer is owed. */
	if (c->kind == PX_KIND_REPORT)
		return k == PX_CLK_ACK || k == PX_CLK_TRIAGE;
	/* Routine sharing is an arrangement, not an incident: no clock. */
	if (c->kind == PX_KIND_FEED)
		return false;
	/* A check asks for one thing: the human answer, by its due time. */
	if (c->kind == PX_KIND_CHECK)
		return k == PX_CLK_ACK;
	/* An agreement proposal owes no deadline: it waits for a decision;
	 * an exercise's own case neither (its injects do), nor does a
	 * verification: a verifier works to no agreed clock. */
	if (c->kind == PX_KIND_AGREEMENT || c->kind == PX_KIND_EXERCISE ||
	    c->kind == PX_KIND_VERIFICATION)
		return false;
	return true;
}

/* The deadline, counting only pauses that began before the clock stopped
 * (or the case ended): a pause after the stop cannot move it. */
static int64_t
deadline_until(const struct px_case *c, const struct px_calendar *cal,
    const struct px_clock_status *s, int64_t until)
{
	struct px_interval *p;
	size_t n = 0;
	int64_t d;

	if (until < 0)
		return px_calendar_deadline(
		    cal, s->basis, s->start, s->budget, c->pauses, c->npauses);
	p = px_calloc(c->npauses + 1, sizeof(*p));
	for (size_t i = 0; i < c->npauses; i++) {
		if (c->pauses[i].from >= until)
			break;
		p[n] = c->pauses[i];
		if (p[n].to > until)
			p[n].to = until;
		n++;
	}
	d = px_calendar_deadline(cal, s->basis, s->start, s->budget, p, n);
	free(p);
	return d;
}

void
px_case_clocks(struct px_clock_status out[PX_CLK__N], const struct px_case *c,
    const struct px_agreement *a, const struct px_calendar *cal, int64_t now)
{
	int64_t start = c->delivered_ms >= 0 ? c->delivered_ms : c->opened_ms;

	for (int k = 0; k < PX_CLK__N; k++) {
		struct px_clock_status *s = &out[k];
		int64_t stop = c->stop[k];

		memset(s, 0, sizeof(*s));
		s->start = start;
		s->stopped = -1;
		s->budget = a->budget[c->priority][k];
		s->basis = a->basis[c->priority];
		if (c->kind == PX_KIND_CHECK) {
			s->basis = PX_BASIS_CALENDAR;
			s->budget = c->check_due_ms > start
			    ? c->check_due_ms - start
			    : 0;
		}
		if (!clock_applies(c, (enum px_clock)k)) {
			s->state = PX_CS_NA;
			continue;
		}
		s->deadline =
		    deadline_until(c, cal, s, stop >= 0 ? stop : c->end_ms);
		if (stop >= 0) {
			/* A stop before the receipt time (possible with
			 * skewed clocks) still counts as met. */
			s->stopped = stop;
			s->state =
			    stop <= s->deadline ? PX_CS_MET : PX_CS_BREACHED;
		} else if (c->end_ms >= 0) {
			s->stopped = c->end_ms;
			s->state = c->end_ms > s->deadline ? PX_CS_BREACHED
			                                   : PX_CS_CANCELLED;
		} else if (s->deadline == INT64_MAX) {
			s->state = PX_CS_PAUSED;
		} else {
			s->state =
			    now > s->deadline ? PX_CS_OVERDUE : PX_CS_RUNNING;
		}
	}
}

bool
px_case_overdue(const struct px_case *c, const struct px_agreement *a,
    const struct px_calendar *cal, int64_t now)
{
	struct px_clock_status s[PX_CLK__N];

	px_case_clocks(s, c, a, cal, now);
	for (int k = 0; k < PX_CLK__N; k++)
		if (s[k].state == PX_CS_OVERDUE)
			return true;
	return false;
}
