/*
 * Ed25519 signing keys (libsodium, strict verification) and SHA-256
 * (nettle, which GnuTLS already links).
 *
 * A key file holds the 32-byte seed as one line of base64 and is created
 * readable only by its owner.
 */
#ifndef PX_SIGN_H
#define PX_SIGN_H

#include <nettle/sha2.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define PX_PUBKEY_LEN 32
#define PX_SIG_LEN    64
#define PX_SHA256_LEN 32

struct px_key {
	uint8_t pk[PX_PUBKEY_LEN];
	uint8_t sk[64]; /* libsodium's seed||pk form; wiped by dispose */
};

/* Must run once before any other crypto call (main and tests do it). */
PX_MUST_CHECK int px_crypto_init(void);
/* Fills `out` with a fresh key pair. */
void px_key_generate(struct px_key *out);
/* Derives the key pair from a 32-byte seed (deterministic vectors). */
void px_key_from_seed(struct px_key *out, const uint8_t seed[32]);
/* Writes the seed to `path`, mode 0600, atomically. */
PX_MUST_CHECK int px_key_save(const struct px_key *k, const char *path);
/* Loads a key written by px_key_save; refuses a file others may read. */
PX_MUST_CHECK int px_key_load(struct px_key *out, const char *path);
/* Wipes the secret. */
void px_key_dispose(struct px_key *k);

void px_sign(uint8_t sig[PX_SIG_LEN], const struct px_key *k, const void *msg,
    size_t len);
/* Returns 0 if `sig` is a valid strict Ed25519 signature, else PX_EINVAL
 * (with no message set: the caller names what failed). */
PX_MUST_CHECK int px_verify(const uint8_t pk[PX_PUBKEY_LEN],
    const uint8_t sig[PX_SIG_LEN], const void *msg, size_t len);

void px_sha256(uint8_t out[PX_SHA256_LEN], const void *data, size_t len);

/* SHA-256 over data given in pieces (a file read chunk by chunk). */
struct px_sha256_ctx {
	struct sha256_ctx c;
};
void px_sha256_init(struct px_sha256_ctx *c);
void px_sha256_update(struct px_sha256_ctx *c, const void *data, size_t len);
/* Writes the digest; the context must be initialised again for reuse. */
void px_sha256_final(struct px_sha256_ctx *c, uint8_t out[PX_SHA256_LEN]);

#endif
