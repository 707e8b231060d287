/*
 * The review report's signature (docs/report.md, "Signature"): the whole
 * report is signed by the node that wrote it, as a signed object of kind
 * `report`:
 *
 *     sig = Ed25519(node's signing key,
 *                   "parley-report-v1" LF || JCS(report without "sig"))
 *
 * carried in the report's own top-level member "sig" (base64).  JCS is
 * RFC 8785 including its real numbers (the shares), unlike every other
 * signed kind.  Anyone holding the writer's card can check it; `parley
 * audit verify REPORT.json` does.
 */
#ifndef PX_REPORT_SIGN_H
#define PX_REPORT_SIGN_H

#include <jansson.h>
#include <stdint.h>

#include "crypto/sign.h"
#include "util/err.h"

/* Signs `report` (changed in place): reals are first set to the value
 * they will read back as from the file (%.15g, how the report is
 * written), then "sig" is set.  PX_EINVAL if it cannot be encoded. */
PX_MUST_CHECK int px_report_sign(json_t *report, const struct px_key *k);

/* Checks the report's "sig" with public key `pk`.  0 when it verifies;
 * PX_EINVAL saying why not (absent, malformed, or not matching). */
PX_MUST_CHECK int px_report_sig_check(
    const json_t *report, const uint8_t pk[PX_PUBKEY_LEN]);

#endif
