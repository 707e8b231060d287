/*
 * Node certificates with GnuTLS.  See tls.h for what a certificate holds
 * and why.
 *
 * Nothing here verifies a chain: peers pin fingerprints, so the only
 * questions are "is this a certificate" and "which one is it".  The
 * fingerprint is taken over the DER exactly as received (GnuTLS keeps the
 * original encoding on import), never over a re-encoding, so two
 * implementations hashing the same bytes always agree.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "crypto/sign.h"
#include "crypto/tls.h"
#include "util/util.h"

#define FP_PREFIX     "sha256:"
#define FP_PREFIX_LEN 7
#define CERT_FILE_MAX (64 * 1024)
#define DAYS_MAX      36500u

/* A clock running behind by minutes must not make a fresh node's
 * certificate "not yet valid" to its peer. */
#define BACKDATE_SECONDS 3600

static int
name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > PX_TLS_NAME_MAX || name[0] == '.' || name[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		        c == '_'))
			return 0;
	}
	return 1;
}

/* memmem is a GNU extension; this is the one place that needs it. */
static int
contains(const char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t i = 0; m <= n && i <= n - m; i++) {
		if (memcmp(hay + i, needle, m) == 0)
			return 1;
	}
	return 0;
}

static int
gnutls_fail(int err, const char *what)
{
	return px_error_set(
	    PX_ERR, "cannot %s: %s", what, gnutls_strerror(err));
}

/* Fills the certificate fields; the key is already set. */
static int
fill_cert(gnutls_x509_crt_t crt, const char *name, unsigned days)
{
	static const unsigned char loopback[4] = { 127, 0, 0, 1 };
	unsigned char serial[16], keyid[64];
	size_t keyid_len = sizeof(keyid);
	time_t now = time(NULL);
	int err;

	/* RFC 5280: serials are positive and at most 20 octets.  Clearing
	 * the top bit keeps it positive; setting the next one keeps the DER
	 * INTEGER exactly 16 bytes (no leading zero octet to strip). */
	if ((err = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial))) < 0)
		return gnutls_fail(err, "draw a certificate serial");
	serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x40);

	if ((err = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (err = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial))) <
	        0 ||
	    (err = gnutls_x509_crt_set_activation_time(
	         crt, now - BACKDATE_SECONDS)) < 0 ||
	    (err = gnutls_x509_crt_set_expiration_time(
	         crt, now + (time_t)days * 86400)) < 0 ||
	    (err = gnutls_x509_crt_set_dn_by_oid(crt,
	         GNUTLS_OID_X520_COMMON_NAME, 0, name,
	         (unsigned)strlen(name))) < 0)
		return gnutls_fail(err, "set certificate fields");

	if ((err = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME,
	         name, (unsigned)strlen(name), GNUTLS_FSAN_APPEND)) < 0)
		return gnutls_fail(err, "set the DNS subjectAltName");
	/* A node called "localhost" would otherwise list it twice. */
	if (strcmp(name, "localhost") != 0 &&
	    (err = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME,
	         "localhost", 9, GNUTLS_FSAN_APPEND)) < 0)
		return gnutls_fail(err, "set the localhost subjectAltName");
	if ((err = gnutls_x509_crt_set_subject_alt_name(crt,
	         GNUTLS_SAN_IPADDRESS, loopback, sizeof(loopback),
	         GNUTLS_FSAN_APPEND)) < 0)
		return gnutls_fail(err, "set the IP subjectAltName");

	/* ECDSA only signs: keyEncipherment would be wrong here. */
	if ((err = gnutls_x509_crt_set_key_usage(
	         crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
	    (err = gnutls_x509_crt_set_key_purpose_oid(
	         crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
	    (err = gnutls_x509_crt_set_key_purpose_oid(
	         crt, GNUTLS_KP_TLS_WWW_CLIENT, 0)) < 0 ||
	    (err = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0)
		return gnutls_fail(err, "set certificate extensions");

	/* Some stacks index certificates by subject key identifier. */
	if ((err = gnutls_x509_crt_get_key_id(
	         crt, GNUTLS_KEYID_USE_SHA1, keyid, &keyid_len)) < 0 ||
	    (err = gnutls_x509_crt_set_subject_key_id(crt, keyid, keyid_len)) <
	        0)
		return gnutls_fail(err, "set the subject key identifier");
	return 0;
}

int
px_tls_generate(const char *cert_path, const char *key_path, const char *name,
    unsigned days)
{
	gnutls_x509_privkey_t xkey = NULL;
	gnutls_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t cert_pem = { NULL, 0 }, key_pem = { NULL, 0 };
	int err, rc = 0;

	if (name == NULL || !name_valid(name)) {
		rc = px_error_set(PX_EINVAL,
		    "invalid node name '%.80s' for a certificate: expected "
		    "1 to %d letters, digits, '.', '-' or '_', not starting "
		    "with '.' or '-'",
		    name ? name : "", PX_TLS_NAME_MAX);
		goto out;
	}
	if (days < 1 || days > DAYS_MAX) {
		rc = px_error_set(PX_EINVAL,
		    "certificate lifetime of %u days is out of range 1..%u",
		    days, DAYS_MAX);
		goto out;
	}

	if ((err = gnutls_x509_privkey_init(&xkey)) < 0 ||
	    (err = gnutls_x509_privkey_generate2(xkey, GNUTLS_PK_ECDSA,
	         GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0, NULL,
	         0)) < 0) {
		rc = gnutls_fail(err, "generate an ECDSA P-256 key");
		goto out;
	}
	if ((err = gnutls_x509_crt_init(&crt)) < 0 ||
	    (err = gnutls_x509_crt_set_key(crt, xkey)) < 0) {
		rc = gnutls_fail(err, "start a certificate");
		goto out;
	}
	if ((rc = fill_cert(crt, name, days)) < 0)
		goto out;
	/* Self-signed: the certificate is its own issuer. */
	if ((err = gnutls_privkey_init(&key)) < 0 ||
	    (err = gnutls_privkey_import_x509(key, xkey, 0)) < 0 ||
	    (err = gnutls_x509_crt_privkey_sign(
	         crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0) {
		rc = gnutls_fail(err, "sign the certificate");
		goto out;
	}
	if ((err = gnutls_x509_crt_export2(
	         crt, GNUTLS_X509_FMT_PEM, &cert_pem)) < 0 ||
	    (err = gnutls_x509_privkey_export2_pkcs8(xkey, GNUTLS_X509_FMT_PEM,
	         NULL, GNUTLS_PKCS_PLAIN, &key_pem)) < 0) {
		rc = gnutls_fail(err, "encode the certificate and key");
		goto out;
	}

	/* Key first: a certificate on disk without its key is useless,
	 * while a key without its certificate is simply regenerated. */
	if ((rc = px_file_write(key_path, key_pem.data, key_pem.size, 0600)) <
	    0)
		goto out;
	rc = px_file_write(cert_path, cert_pem.data, cert_pem.size, 0600);
out:
	if (key_pem.data) {
		gnutls_memset(key_pem.data, 0, key_pem.size);
		gnutls_free(key_pem.data);
	}
	gnutls_free(cert_pem.data);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_privkey_deinit(key);
	if (xkey)
		gnutls_x509_privkey_deinit(xkey);
	return rc;
}

int
px_tls_fingerprint_pem(char *out, const char *pem, size_t len)
{
	static const char begin[] = "-----BEGIN ";
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t d;
	unsigned char digest[PX_SHA256_LEN];
	size_t digest_len = sizeof(digest);
	int err, rc = 0;

	/* GnuTLS's own message for text without a PEM header ("Base64
	 * unexpected header error") would puzzle an operator who passed the
	 * key file or a DER file by mistake. */
	if (len > UINT32_MAX || pem == NULL || !contains(pem, len, begin)) {
		rc = px_error_set(PX_EINVAL, "not a PEM certificate");
		goto out;
	}
	d.data = (unsigned char *)(uintptr_t)pem;
	d.size = (unsigned)len;
	if ((err = gnutls_x509_crt_init(&crt)) < 0) {
		rc = gnutls_fail(err, "start a certificate");
		goto out;
	}
	if ((err = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM)) < 0) {
		rc = px_error_set(PX_EINVAL, "not a PEM certificate (%s)",
		    gnutls_strerror(err));
		goto out;
	}
	if ((err = gnutls_x509_crt_get_fingerprint(
	         crt, GNUTLS_DIG_SHA256, digest, &digest_len)) < 0 ||
	    digest_len != sizeof(digest)) {
		rc = gnutls_fail(err, "hash the certificate");
		goto out;
	}
	memcpy(out, FP_PREFIX, FP_PREFIX_LEN);
	px_hex_encode(out + FP_PREFIX_LEN, digest, sizeof(digest));
out:
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return rc;
}

int
px_tls_fingerprint_file(char *out, const char *cert_path)
{
	struct px_buf b;
	int rc;

	px_buf_init(&b, CERT_FILE_MAX);
	if ((rc = px_file_read(&b, cert_path, CERT_FILE_MAX)) < 0)
		goto out;
	if ((rc = px_tls_fingerprint_pem(out, b.data, b.len)) < 0)
		px_error_prefix("cannot read certificate %s", cert_path);
out:
	px_buf_dispose(&b);
	return rc;
}

int
px_tls_fingerprint_valid(const char *fp)
{
	if (fp == NULL || strncmp(fp, FP_PREFIX, FP_PREFIX_LEN) != 0)
		return 0;
	fp += FP_PREFIX_LEN;
	for (size_t i = 0; i < 64; i++) {
		if (!((fp[i] >= '0' && fp[i] <= '9') ||
		        (fp[i] >= 'a' && fp[i] <= 'f')))
			return 0;
	}
	return fp[64] == '\0';
}
