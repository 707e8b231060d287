/*
 * A node's TLS identity: one self-signed certificate and its key, made with
 * GnuTLS.
 *
 * Peers never trust a CA; they pin each other's certificate by the SHA-256
 * of its DER encoding, written "sha256:" + 64 lowercase hex digits.  That
 * string goes into the node card, so its spelling is part of the protocol
 * and has exactly one form (px_tls_fingerprint_valid checks it).
 *
 * The same certificate serves both ends of mutual TLS, so it carries both
 * serverAuth and clientAuth, and SANs for the node's name and for loopback
 * (127.0.0.1, localhost) where the transport is tested.
 */
#ifndef PX_TLS_H
#define PX_TLS_H

#include <stddef.h>

#include "util/err.h"

/* "sha256:" + 64 hex digits + NUL */
#define PX_TLS_FP_LEN (7 + 64 + 1)

/* Longest node name accepted as CN and DNS SAN (a DNS name's limit). */
#define PX_TLS_NAME_MAX 253

/*
 * Creates a self-signed X.509 v3 certificate for the node `name`:
 * ECDSA P-256 key (widely supported by TLS 1.3 stacks), CN = name, SANs
 * DNS:name, DNS:localhost and IP:127.0.0.1, a random positive 16-byte
 * serial, valid from one hour ago (tolerates a peer's clock running behind)
 * for `days` days (1..36500), key usage digitalSignature, extended key usage
 * serverAuth and clientAuth, basicConstraints CA:FALSE.
 *
 * `name` is 1..PX_TLS_NAME_MAX of [A-Za-z0-9._-], not starting with '.' or
 * '-'; anything else is PX_EINVAL.  Writes the key (PKCS#8 PEM, mode 0600)
 * and then the certificate (PEM, mode 0600), each atomically with
 * px_file_write, replacing existing files.  Returns 0 or a px_err code.
 */
PX_MUST_CHECK int px_tls_generate(const char *cert_path, const char *key_path,
    const char *name, unsigned days);

/*
 * Writes the fingerprint of the first certificate in the PEM file
 * `cert_path` into out[PX_TLS_FP_LEN].  PX_ENOTFOUND if the file does not
 * exist, PX_EINVAL if it holds no readable certificate ("cannot read
 * certificate X: not a PEM certificate").
 */
PX_MUST_CHECK int px_tls_fingerprint_file(char *out, const char *cert_path);

/*
 * Same over `len` bytes of PEM text (need not be NUL-terminated); the first
 * certificate counts.  PX_EINVAL if there is none or it does not parse.
 */
PX_MUST_CHECK int px_tls_fingerprint_pem(
    char *out, const char *pem, size_t len);

/*
 * Returns 1 if `fp` is spelled exactly "sha256:" + 64 lowercase hex digits,
 * else 0 (no error message is set: a predicate like px_uuid_valid, the
 * caller says which field was wrong).  NULL is not valid.
 */
int px_tls_fingerprint_valid(const char *fp);

#endif
