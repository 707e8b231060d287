/*
 * The MISP Common Exercise Format (CEXF), to and from parley's scenario
 * format (model/scenario.h).  docs/exercises.md ("CEXF") says exactly
 * what maps and what does not.
 *
 * CEXF describes an exercise for tools (MISP, an IDS) whose players are
 * scored by queries on those tools; parley plays injects between two
 * parties and scores the messages they exchange.  The mapping keeps what
 * the two share (the exercise's metadata, the inject flow and its
 * triggers, inject names, payloads, evaluations and their score ranges)
 * and reads what parley needs but CEXF does not say (who sends each
 * inject to whom, on which channel, deadlines, objectives) from defaults.
 * An export carries the parley scenario itself under
 * exercise.meta["x-parley"], so parley reads its own exports back to the
 * same scenario; other tools ignore it.
 *
 * Pure: JSON in, JSON out.
 */
#ifndef PX_CEXF_H
#define PX_CEXF_H

#include <jansson.h>

#include "util/err.h"

/* A parley scenario (a new reference, not yet validated: the caller runs
 * px_scenario_parse) from a CEXF document.  PX_EINVAL names what is
 * missing or malformed. */
PX_MUST_CHECK int px_cexf_import(json_t **out, const json_t *cexf);

/* A CEXF document (a new reference) from a parley scenario (valid). */
PX_MUST_CHECK int px_cexf_export(json_t **out, const json_t *scenario);

#endif
