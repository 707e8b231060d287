/*
 * Exports and imports in other formats (interop.h).
 */
#include "formats/stix.h"
#include "model/observable.h"
#include "node/actions.h"
#include "node/interop.h"
#include "node/release.h"
#include "util/util.h"

const char *const px_export_formats[] = { "stix" };
const size_t px_export_formats_n = PX_ARRAY_LEN(px_export_formats);

int
px_node_export_stix(json_t **out, struct px_node *n, const char *const *refs,
    size_t nrefs, enum px_audience audience, const char *to)
{
	struct px_stix s;
	int rc = 0;

	*out = NULL;
	px_stix_init(&s);
	for (size_t i = 0; i < nrefs && rc == 0; i++) {
		struct px_case c;
		struct px_peer *p = NULL;

		if ((rc = px_node_case_load(&c, n, refs[i], &p)) < 0)
			break;
		rc = px_node_release(&c, p, PX_OUT_EXPORT, audience, to);
		if (rc == PX_REL_REF)
			rc = px_error_set(PX_EPERM,
			    "%s lets only the reference of case %s leave by "
			    "export to %s, and an export carries the case",
			    px_tlp_label(c.tlp), c.id,
			    px_audience_names[audience]);
		if (rc >= 0)
			rc = px_stix_add_case(&s, &c);
		px_peer_free(p);
		px_case_dispose(&c);
	}
	if (rc == 0)
		*out = px_stix_bundle(&s);
	px_stix_dispose(&s);
	return rc;
}

int
px_node_import_stix(char case_id[PX_UUID_STRLEN], struct px_node *n,
    const char *peer, const char *text, size_t len, const char *tlp)
{
	struct px_stix_case sc;
	struct px_new_case nc = { 0 };
	enum px_msg_type type;
	json_t *body = NULL;
	struct px_msg *m = NULL;
	int rc;

	if ((rc = px_stix_parse(&sc, text, len, PX_TLP_AMBER)) < 0)
		return rc;
	nc.to = peer;
	nc.kind = sc.kind == PX_KIND_REQUEST ? "request" : "report";
	nc.category =
	    sc.category >= 0 ? px_category_names[sc.category].wire : "other";
	nc.priority =
	    sc.priority >= 0 ? px_priority_names[sc.priority].wire : NULL;
	nc.tlp = tlp ? tlp : px_tlp_names[sc.tlp].wire;
	nc.title = sc.title;
	nc.observables = (const char *const *)sc.obs;
	nc.nobservables = sc.nobs;
	nc.text.text = sc.text
	    ? sc.text
	    : "Imported from a STIX 2.1 bundle with no description.";
	nc.text.prefix = "--";
	if ((rc = px_body_new_case(&body, &type, n, &nc)) < 0 ||
	    (rc = px_node_send(n, peer, NULL, type, body, &m)) < 0)
		goto out;
	memcpy(case_id, m->case_id, PX_UUID_STRLEN);
out:
	px_msg_free(m);
	json_decref(body);
	px_stix_case_dispose(&sc);
	return rc;
}
