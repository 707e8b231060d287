/*
 * The TLP choke point for the node's paths (release.h).
 */
#include "node/release.h"

void
px_node_policy_case(struct px_policy_case *out, const struct px_case *c,
    const struct px_peer *p)
{
	/* The terms in force now, not those the case's clocks count under:
	 * what may be passed on is the originator's current permission. */
	const struct px_agreement *a = p ? &p->agreement : NULL;

	*out = (struct px_policy_case){ .id = c->id,
		.tlp = c->tlp,
		.requester = c->requester,
		.responder = c->responder,
		.amber_constituency = a && a->amber_constituency };
}

int
px_node_release(const struct px_case *c, const struct px_peer *p,
    enum px_out_path path, enum px_audience audience, const char *to)
{
	struct px_policy_case pc;
	struct px_policy_dest d = {
		.path = path, .audience = audience, .to = to
	};

	px_node_policy_case(&pc, c, p);
	return px_policy_release(&pc, &d);
}

enum px_release
px_node_release_part(const struct px_case *c, const struct px_peer *p,
    enum px_tlp tlp, enum px_out_path path, enum px_audience audience,
    const char *to)
{
	struct px_policy_case pc;
	struct px_policy_dest d = {
		.path = path, .audience = audience, .to = to
	};

	px_node_policy_case(&pc, c, p);
	pc.tlp = tlp;
	return px_policy_level(&pc, &d);
}

const char *
px_node_mail_title(const struct px_case *c)
{
	int lvl = px_node_release(c, NULL, PX_OUT_EMAIL, PX_AUD_ORG, NULL);

	return lvl == PX_REL_ALL
	    ? c->title
	    : "(title withheld under TLP:RED: read the case on the node)";
}
