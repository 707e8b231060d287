/*
 * Cases leaving in other formats and coming in from them (docs/interop.md):
 * every export passes the TLP choke point (node/release.h) for each case
 * before a byte is written.
 */
#ifndef PX_NODE_INTEROP_H
#define PX_NODE_INTEROP_H

#include <jansson.h>

#include "model/policy.h"
#include "node/node.h"

/* The formats `parley export --format` knows (static strings). */
extern const char *const px_export_formats[];
extern const size_t px_export_formats_n;

/*
 * Builds the STIX 2.1 bundle of the cases named by `refs` (ids, prefixes
 * or short references) for `audience` (`to`: the receiving node for
 * PX_AUD_PARTY, else NULL).  Every case must be allowed whole by the
 * choke point; otherwise PX_EPERM naming the first marking that stops one,
 * and nothing is returned.  *out is a new reference.
 */
PX_MUST_CHECK int px_node_export_stix(json_t **out, struct px_node *n,
    const char *const *refs, size_t nrefs, enum px_audience audience,
    const char *to);

/*
 * The STIX 2.1 objects (a JSON array, new reference) of case `id` for a
 * TAXII collection read by `audience` (`to` the reading party for
 * PX_AUD_PARTY): the choke point is asked with PX_OUT_TAXII, and a case
 * it does not let leave whole is PX_EPERM naming the marking (a
 * collection skips it: a TAXII object cannot be a bare reference).
 */
PX_MUST_CHECK int px_node_taxii_objects(json_t **out, struct px_node *n,
    const char *id, enum px_audience audience, const char *to,
    const char *exercise);

/*
 * Exercises stay out of every export, TAXII collection and feed unless
 * asked for by name (docs/exercises.md, "Marking"): 0 if case `c` is no
 * exercise's, or is of exercise `exercise` (its full id; NULL names
 * none); else PX_EPERM naming the exercise and `path` (what it left by,
 * "an export").
 */
struct px_case;
PX_MUST_CHECK int px_node_exercise_gate(
    const struct px_case *c, const char *exercise, const char *path);

/* The full id of exercise `ref` (EX-1a2b3c4d, its id or a prefix) into
 * out; PX_ENOTFOUND if there is no such exercise. */
PX_MUST_CHECK int px_node_exercise_id(
    char out[PX_UUID_STRLEN], struct px_node *n, const char *ref);

/* The same in `format` ("stix", "misp": one case gives one {"Event":
 * ...}, several a JSON array of them, or "xarf"); the cases of exercise
 * `exercise` (its full id, or NULL) may be among them, no other
 * exercise's (px_node_exercise_gate). */
PX_MUST_CHECK int px_node_export_as(json_t **out, struct px_node *n,
    const char *format, const char *const *refs, size_t nrefs,
    enum px_audience audience, const char *to, const char *exercise);

/*
 * The cases as one IODEF 2 document (RFC 7970 XML, an Incident per case;
 * formats/iodef.h), through the exercise gate and the choke point as
 * px_node_export_as.  *out is heap (the caller frees it), *len its length.
 */
PX_MUST_CHECK int px_node_export_iodef(char **out, size_t *len,
    struct px_node *n, const char *const *refs, size_t nrefs,
    enum px_audience audience, const char *to, const char *exercise);

/*
 * Writes the cases as a MISP feed in directory `dir` (created if need
 * be): one EVENT-UUID.json per case ({"Event": ...}) and manifest.json
 * (each event's uuid to its info, Orgc, analysis, date, timestamp,
 * threat level, published and tags), the layout a MISP instance
 * subscribes to.  Every case passes the choke point first (as
 * px_node_export_as); nothing is written if one is refused.  *n_events
 * gets how many.
 */
PX_MUST_CHECK int px_node_export_misp_feed(struct px_node *n, const char *dir,
    const char *const *refs, size_t nrefs, enum px_audience audience,
    const char *to, const char *exercise, size_t *n_events);

/*
 * The MISP events ({"Event": ...}, a JSON array, new reference) of the
 * feed the node serves (docs/interop.md, "Serving the MISP feed"): the
 * cases with `peer` read by it as a party, or (peer NULL) every case
 * marked `tlp` read by the community.  The choke point is asked as for
 * a TAXII collection (PX_OUT_TAXII); a case it does not let out whole,
 * and every exercise's case, is left out.  Oldest case first.
 */
PX_MUST_CHECK int px_node_misp_feed_events(
    json_t **out, struct px_node *n, const char *peer, enum px_tlp tlp);

/*
 * The feed digest of `day` this node signed for `peer` (`received`: the
 * one `peer` signed for us) as a STIX 2.1 bundle (interop_feeds.c): a
 * grouping carrying the signed digest (root, counts, message hash), and
 * each routed event of the day's attachments whose marking lets it out by
 * export to `audience` (`to` the reader for PX_AUD_PARTY) as an SCO, an
 * indicator and a sighting; the rest are counted in the grouping's
 * x_parley_digest.left_out.  The digest itself counts as TLP:GREEN.
 * PX_ENOTFOUND: no such digest, or an attachment it covers is not held;
 * PX_EPERM: the audience may not see even GREEN.  *out is new.
 */
PX_MUST_CHECK int px_node_export_digest(json_t **out, struct px_node *n,
    const char *peer, const char *day, bool received, enum px_audience audience,
    const char *to);

/*
 * Ingests the STIX 2.1 bundle at o->path (at most PX_STIX_MAX_BYTES) as
 * feed events (interop_feeds.c): px_stix_feed_lines turns its sightings
 * and simple indicators into IntelMQ lines, which px_feed_ingest routes,
 * deduplicates and aggregates like any feed (o->fmt is ignored; the file
 * row records format intelmq under the bundle's name).  A malformed bundle
 * is PX_EINVAL naming the object, and nothing is stored.
 */
struct px_ingest_opts;
struct px_feed_file_row;
PX_MUST_CHECK int px_feed_ingest_stix(struct px_node *n,
    const struct px_ingest_opts *o, struct px_feed_file_row *out);
/* The same for a bundle in memory (`len` bytes of `text`), shown and
 * recorded under o->name (required; o->path is not read). */
PX_MUST_CHECK int px_feed_ingest_stix_text(struct px_node *n,
    const struct px_ingest_opts *o, const char *text, size_t len,
    struct px_feed_file_row *out);

/*
 * Opens a case with `peer` from a STIX 2.1 bundle, a MISP event, X-ARF
 * reports or an IODEF 2 document (XML; `len` bytes): a report (or the request
 * the bundle's x_parley_case says) with the bundle's title, text, marking and
 * observables; `tlp` (may be NULL) overrides the marking.  Nothing is stored if
 * the bundle is malformed. *case_id gets the new case's id.
 */
PX_MUST_CHECK int px_node_import_stix(char case_id[PX_UUID_STRLEN],
    struct px_node *n, const char *peer, const char *text, size_t len,
    const char *tlp);

/*
 * Opens one case with `peer` per event of the MISP feed in directory
 * `dir` (manifest.json naming EVENT-UUID.json files), all in one
 * transaction: a malformed manifest or event stores nothing and names
 * the file.  *count gets how many cases were opened.
 */
PX_MUST_CHECK int px_node_import_misp_feed(size_t *count, struct px_node *n,
    const char *peer, const char *dir, const char *tlp);

/*
 * Forwards case `case_ref` (we are its responder) to the third party
 * `to`: opens a linked case with `to` carrying the case's header, opening
 * text and observables ("linked": {case, from, by}), and triages the
 * original as forwarded with "forwarded_to": {node, case}, both in one
 * transaction.  `a` gives the triage's reason and text.  The choke point
 * decides first (PX_OUT_FORWARD to the recipient's constituency): TLP:RED
 * and AMBER+STRICT never go, AMBER only when the agreement with the
 * originator says amber_constituency=yes; a refusal (PX_EPERM) names the
 * marking and nothing is signed.  *triage and *opened (may be NULL) get
 * the two messages.
 */
struct px_action;
PX_MUST_CHECK int px_node_forward(struct px_msg **triage,
    struct px_msg **opened, struct px_node *n, const char *case_ref,
    const char *to, const struct px_action *a);

#endif
