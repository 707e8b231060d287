#include <sys/stat.h>

#include <nettle/sha2.h>
#include <sodium.h>

#include "crypto/sign.h"
#include "util/util.h"

int
px_crypto_init(void)
{
	if (sodium_init() < 0)
		return px_error_set(PX_ERR, "libsodium failed to initialise");
	return 0;
}

void
px_key_generate(struct px_key *out)
{
	crypto_sign_ed25519_keypair(out->pk, out->sk);
}

void
px_key_from_seed(struct px_key *out, const uint8_t seed[32])
{
	crypto_sign_ed25519_seed_keypair(out->pk, out->sk, seed);
}

int
px_key_save(const struct px_key *k, const char *path)
{
	char *b64 = px_b64_encode(k->sk, 32);
	char *line = px_asprintf("%s\n", b64);
	int rc = px_file_write(path, line, strlen(line), 0600);

	sodium_memzero(b64, strlen(b64));
	sodium_memzero(line, strlen(line));
	free(b64);
	free(line);
	return rc;
}

int
px_key_load(struct px_key *out, const char *path)
{
	struct px_buf b;
	struct stat st;
	uint8_t seed[32];
	size_t n = 0;
	int rc;

	if (stat(path, &st) == 0 && (st.st_mode & 077) != 0)
		return px_error_set(PX_EINVAL,
		    "key file %s is readable by others (mode %03o); "
		    "run: chmod 600 %s",
		    path, (unsigned)(st.st_mode & 0777), path);
	px_buf_init(&b, 4096);
	if ((rc = px_file_read(&b, path, 4096)) < 0)
		goto out;
	while (
	    b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
		b.data[--b.len] = '\0';
	if (px_b64_decode(seed, sizeof(seed), &n, b.data) < 0 || n != 32) {
		rc = px_error_set(PX_EINVAL,
		    "%s does not hold a base64 Ed25519 seed of 32 bytes", path);
		goto out;
	}
	px_key_from_seed(out, seed);
out:
	sodium_memzero(seed, sizeof(seed));
	if (b.data)
		sodium_memzero(b.data, b.len);
	px_buf_dispose(&b);
	return rc;
}

void
px_key_dispose(struct px_key *k)
{
	sodium_memzero(k->sk, sizeof(k->sk));
}

void
px_sign(uint8_t sig[PX_SIG_LEN], const struct px_key *k, const void *msg,
    size_t len)
{
	crypto_sign_ed25519_detached(sig, NULL, msg, len, k->sk);
}

int
px_verify(const uint8_t pk[PX_PUBKEY_LEN], const uint8_t sig[PX_SIG_LEN],
    const void *msg, size_t len)
{
	return crypto_sign_ed25519_verify_detached(sig, msg, len, pk) == 0
	    ? 0
	    : PX_EINVAL;
}

void
px_sha256(uint8_t out[PX_SHA256_LEN], const void *data, size_t len)
{
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, len, data);
	sha256_digest(&c, PX_SHA256_LEN, out);
}

void
px_sha256_init(struct px_sha256_ctx *c)
{
	sha256_init(&c->c);
}

void
px_sha256_update(struct px_sha256_ctx *c, const void *data, size_t len)
{
	sha256_update(&c->c, len, data);
}

void
px_sha256_final(struct px_sha256_ctx *c, uint8_t out[PX_SHA256_LEN])
{
	sha256_digest(&c->c, PX_SHA256_LEN, out);
}
