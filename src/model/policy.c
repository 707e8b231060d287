/*
 * The TLP choke point (policy.h).
 *
 * The table below is the whole policy: one row per marking, one column per
 * audience, the most that may leave.  Paths differ only where the carrier
 * itself is outside the node: mail relays and webhook receivers keep what
 * they carry, so a RED case's content does not ride on them even to our
 * own people; the page or notice says only that there is something to
 * look at, and where.
 */
#include <string.h>

#include "model/policy.h"

const char *const px_out_path_names[PX_OUT__N] = {
	[PX_OUT_PEER] = "delivery to a peer",
	[PX_OUT_FORWARD] = "forwarding",
	[PX_OUT_TAXII] = "TAXII",
	[PX_OUT_EXPORT] = "export",
	[PX_OUT_REPORT] = "the review report",
	[PX_OUT_AUDIT] = "an audit bundle",
	[PX_OUT_RECORD] = "the record view",
	[PX_OUT_WEBHOOK] = "a webhook",
	[PX_OUT_EMAIL] = "e-mail",
};

const char *const px_audience_names[PX_AUD__N] = {
	[PX_AUD_PARTY] = "a party of the case",
	[PX_AUD_NODE] = "this node's own users",
	[PX_AUD_ORG] = "our organisation beyond this node",
	[PX_AUD_CONSTITUENCY] = "a recipient's constituency",
	[PX_AUD_ARBITER] = "a neutral verifier",
	[PX_AUD_COMMUNITY] = "the community",
	[PX_AUD_PUBLIC] = "the public",
};

#define A PX_REL_ALL
#define R PX_REL_REF
#define N PX_REL_NONE
/* Constituency under AMBER depends on the agreement: marked 'c'. */
#define C 9

static const unsigned char rules[PX_TLP__N][PX_AUD__N] = {
	/*                 PARTY NODE ORG CONST ARBITER COMM PUBLIC */
	[PX_TLP_CLEAR] = { A, A, A, A, A, A, A },
	[PX_TLP_GREEN] = { A, A, A, A, A, A, N },
	[PX_TLP_AMBER] = { A, A, A, C, A, N, N },
	[PX_TLP_AMBER_STRICT] = { A, A, A, N, R, N, N },
	[PX_TLP_RED] = { A, A, R, N, R, N, N },
};

const char *
px_tlp_label(enum px_tlp t)
{
	return (unsigned)t < PX_TLP__N ? px_tlp_names[t].label : "TLP:?";
}

static bool
named(const struct px_policy_case *c, const char *to)
{
	return to &&
	    ((c->requester && strcmp(c->requester, to) == 0) ||
	        (c->responder && strcmp(c->responder, to) == 0));
}

static enum px_audience
audience_of(const struct px_policy_case *c, const struct px_policy_dest *d)
{
	if (d->audience == PX_AUD_PARTY && !named(c, d->to))
		return PX_AUD_COMMUNITY;
	return d->audience;
}

enum px_release
px_policy_level(const struct px_policy_case *c, const struct px_policy_dest *d)
{
	enum px_audience aud = audience_of(c, d);
	int r;

	if ((unsigned)c->tlp >= PX_TLP__N || (unsigned)aud >= PX_AUD__N)
		return PX_REL_NONE; /* unknown: nothing leaves */
	r = rules[c->tlp][aud];
	if (r == C)
		r = c->amber_constituency ? A : N;
	/* Carriers outside the node keep what they carry. */
	if ((d->path == PX_OUT_EMAIL || d->path == PX_OUT_WEBHOOK) &&
	    c->tlp == PX_TLP_RED && r == A && aud != PX_AUD_PARTY)
		r = R;
	return (enum px_release)r;
}

static const char *
whom(enum px_tlp t)
{
	switch (t) {
	case PX_TLP_RED:
		return "only to its named recipients";
	case PX_TLP_AMBER_STRICT:
		return "only within the recipient organisation";
	case PX_TLP_AMBER:
		return "only to the recipient organisation and, where the "
		       "agreement allows, its constituency";
	case PX_TLP_GREEN:
		return "to the community but not the public";
	default:
		return "anywhere";
	}
}

int
px_policy_release(
    const struct px_policy_case *c, const struct px_policy_dest *d)
{
	enum px_release r = px_policy_level(c, d);
	enum px_audience aud = audience_of(c, d);

	if (r != PX_REL_NONE)
		return (int)r;
	if (c->tlp == PX_TLP_RED)
		return px_error_set(PX_EPERM,
		    "%s stops case %s: it may go %s (%s, %s), not to %s%s%s "
		    "by %s",
		    px_tlp_label(c->tlp), c->id ? c->id : "?", whom(c->tlp),
		    c->requester ? c->requester : "?",
		    c->responder ? c->responder : "?",
		    d->to ? d->to : px_audience_names[aud], d->to ? " as " : "",
		    d->to ? px_audience_names[aud] : "",
		    px_out_path_names[d->path]);
	return px_error_set(PX_EPERM,
	    "%s stops case %s: it may go %s, not to %s%s%s by %s",
	    px_tlp_label(c->tlp), c->id ? c->id : "?", whom(c->tlp),
	    d->to ? d->to : px_audience_names[aud], d->to ? " as " : "",
	    d->to ? px_audience_names[aud] : "", px_out_path_names[d->path]);
}
