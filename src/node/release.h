/*
 * The TLP choke point as the node's paths call it (model/policy.h has the
 * rules): the case's marking, parties and agreement are read from the
 * replayed case and its peer, so every face asks the same question the
 * same way.
 */
#ifndef PX_NODE_RELEASE_H
#define PX_NODE_RELEASE_H

#include "model/policy.h"
#include "node/node.h"

/* Fills *out from case `c` and its peer `p` (both borrowed for as long as
 * *out is used; `p` may be NULL: then no agreement widens AMBER). */
void px_node_policy_case(struct px_policy_case *out, const struct px_case *c,
    const struct px_peer *p);

/* px_policy_release for case `c` with peer `p` (may be NULL) by `path` to
 * `audience` (`to` the receiving node or NULL): PX_REL_ALL, PX_REL_REF,
 * or PX_EPERM naming the marking. */
PX_MUST_CHECK int px_node_release(const struct px_case *c,
    const struct px_peer *p, enum px_out_path path, enum px_audience audience,
    const char *to);

/* How much of a part of case `c` that carries its own marking `tlp` (an
 * evidence item) may leave by `path` to `audience`: px_policy_level with
 * the case's parties and agreement and the part's marking.  A path that
 * carries the case asks px_node_release first; a part refused here is
 * left out, never sent as a bare reference. */
enum px_release px_node_release_part(const struct px_case *c,
    const struct px_peer *p, enum px_tlp tlp, enum px_out_path path,
    enum px_audience audience, const char *to);

/* Case `c`'s title as e-mail and webhooks may carry it: the title itself,
 * or, where the choke point lets only the reference leave the node
 * (TLP:RED), a fixed line saying it was withheld.  Every notice built
 * from a case takes its title from here. */
const char *px_node_mail_title(const struct px_case *c);

#endif
