#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "crypto/sign.h"
#include "crypto/tls.h"
#include "util/util.h"

#define NAME "cert-a.example"
#define DAYS 30u

/* One temporary directory for the whole group, removed at the end. */
static char dir[64];

static char *
tmp_path(const char *file)
{
	return px_asprintf("%s/%s", dir, file);
}

static int
group_setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/px-test-tls-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	(void)state;
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char *p;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		p = tmp_path(e->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
	return rmdir(dir);
}

static gnutls_x509_crt_t
load_crt(const char *path)
{
	struct px_buf b;
	gnutls_x509_crt_t crt;
	gnutls_datum_t d;

	px_buf_init(&b, PX_BUF_NOCAP);
	assert_int_equal(px_file_read(&b, path, 1 << 20), 0);
	d.data = (unsigned char *)b.data;
	d.size = (unsigned)b.len;
	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	assert_int_equal(
	    gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM), 0);
	px_buf_dispose(&b);
	return crt;
}

/* The fingerprint computed independently: SHA-256 over re-exported DER. */
static void
expected_fp(char out[PX_TLS_FP_LEN], gnutls_x509_crt_t crt)
{
	gnutls_datum_t der = { NULL, 0 };
	uint8_t d[PX_SHA256_LEN];

	assert_int_equal(
	    gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der), 0);
	px_sha256(d, der.data, der.size);
	memcpy(out, "sha256:", 7);
	px_hex_encode(out + 7, d, sizeof(d));
	gnutls_free(der.data);
}

static void
test_generate_files(void **state)
{
	char *cert = tmp_path("a.crt"), *key = tmp_path("a.key");
	char fp[PX_TLS_FP_LEN], want[PX_TLS_FP_LEN];
	gnutls_x509_crt_t crt;
	struct stat st;

	(void)state;
	/* Both files are the node's own (its directory is closed to other
	 * users, and so is everything in it). */
	assert_int_equal(px_tls_generate(cert, key, NAME, DAYS), 0);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(cert, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_int_equal(px_tls_fingerprint_file(fp, cert), 0);
	assert_int_equal(strlen(fp), PX_TLS_FP_LEN - 1);
	assert_true(px_tls_fingerprint_valid(fp));
	crt = load_crt(cert);
	expected_fp(want, crt);
	assert_string_equal(fp, want);
	gnutls_x509_crt_deinit(crt);
	free(cert);
	free(key);
}

static int
has_san(gnutls_x509_crt_t crt, int type, const void *val, size_t len)
{
	for (unsigned i = 0;; i++) {
		char buf[512];
		size_t n = sizeof(buf);
		int t =
		    gnutls_x509_crt_get_subject_alt_name(crt, i, buf, &n, NULL);

		if (t < 0)
			return 0;
		if (t == type && n == len && memcmp(buf, val, len) == 0)
			return 1;
	}
}

static int
has_eku(gnutls_x509_crt_t crt, const char *oid)
{
	for (unsigned i = 0;; i++) {
		char buf[128];
		size_t n = sizeof(buf);

		if (gnutls_x509_crt_get_key_purpose_oid(crt, i, buf, &n, NULL) <
		    0)
			return 0;
		if (strcmp(buf, oid) == 0)
			return 1;
	}
}

static void
test_cert_contents(void **state)
{
	static const unsigned char lo[4] = { 127, 0, 0, 1 };
	char *cert = tmp_path("c.crt"), *key = tmp_path("c.key");
	unsigned char serial[32], kid1[64], kid2[64];
	size_t n = sizeof(serial), k1 = sizeof(kid1), k2 = sizeof(kid2);
	unsigned int usage = 0, critical = 0, ca = 1, bits = 0;
	char cn[256];
	size_t cn_len = sizeof(cn);
	gnutls_x509_crt_t crt;
	gnutls_x509_privkey_t pk;
	gnutls_datum_t d;
	struct px_buf b;
	time_t now = time(NULL);

	(void)state;
	assert_int_equal(px_tls_generate(cert, key, NAME, DAYS), 0);
	crt = load_crt(cert);
	assert_int_equal(gnutls_x509_crt_get_version(crt), 3);
	assert_int_equal(gnutls_x509_crt_get_dn_by_oid(crt,
	                     GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cn_len),
	    0);
	assert_string_equal(cn, NAME);
	assert_true(gnutls_x509_crt_check_issuer(crt, crt)); /* self-signed */

	assert_true(has_san(crt, GNUTLS_SAN_DNSNAME, NAME, strlen(NAME)));
	assert_true(has_san(crt, GNUTLS_SAN_DNSNAME, "localhost", 9));
	assert_true(has_san(crt, GNUTLS_SAN_IPADDRESS, lo, 4));
	assert_true(gnutls_x509_crt_check_hostname(crt, NAME));
	assert_true(gnutls_x509_crt_check_hostname(crt, "127.0.0.1"));
	assert_false(gnutls_x509_crt_check_hostname(crt, "cert-b.example"));

	assert_true(has_eku(crt, GNUTLS_KP_TLS_WWW_SERVER));
	assert_true(has_eku(crt, GNUTLS_KP_TLS_WWW_CLIENT));
	assert_int_equal(
	    gnutls_x509_crt_get_key_usage(crt, &usage, &critical), 0);
	assert_int_equal(usage, GNUTLS_KEY_DIGITAL_SIGNATURE);
	assert_true(critical);
	assert_int_equal(
	    gnutls_x509_crt_get_basic_constraints(crt, &critical, &ca, NULL),
	    0);
	assert_int_equal(ca, 0);

	assert_int_equal(gnutls_x509_crt_get_serial(crt, serial, &n), 0);
	assert_int_equal(n, 16);
	assert_int_equal(serial[0] & 0x80, 0); /* positive */

	assert_int_equal(
	    gnutls_x509_crt_get_pk_algorithm(crt, &bits), GNUTLS_PK_ECDSA);
	assert_int_equal(bits, 256);
	assert_int_equal(gnutls_x509_crt_get_signature_algorithm(crt),
	    GNUTLS_SIGN_ECDSA_SHA256);

	assert_in_range(gnutls_x509_crt_get_activation_time(crt),
	    now - 3600 - 60, now - 3600 + 60);
	assert_in_range(gnutls_x509_crt_get_expiration_time(crt),
	    now + DAYS * 86400 - 60, now + DAYS * 86400 + 60);

	/* The key file holds the key the certificate was made for. */
	px_buf_init(&b, PX_BUF_NOCAP);
	assert_int_equal(px_file_read(&b, key, 1 << 20), 0);
	assert_non_null(strstr(b.data, "-----BEGIN PRIVATE KEY-----"));
	d.data = (unsigned char *)b.data;
	d.size = (unsigned)b.len;
	assert_int_equal(gnutls_x509_privkey_init(&pk), 0);
	assert_int_equal(
	    gnutls_x509_privkey_import(pk, &d, GNUTLS_X509_FMT_PEM), 0);
	assert_int_equal(gnutls_x509_privkey_get_key_id(pk, 0, kid1, &k1), 0);
	assert_int_equal(gnutls_x509_crt_get_key_id(crt, 0, kid2, &k2), 0);
	assert_int_equal(k1, k2);
	assert_memory_equal(kid1, kid2, k1);
	gnutls_x509_privkey_deinit(pk);
	px_buf_dispose(&b);
	gnutls_x509_crt_deinit(crt);
	free(cert);
	free(key);
}

static void
test_generations_differ(void **state)
{
	char *c1 = tmp_path("g1.crt"), *k1 = tmp_path("g1.key");
	char *c2 = tmp_path("g2.crt"), *k2 = tmp_path("g2.key");
	char fp1[PX_TLS_FP_LEN], fp2[PX_TLS_FP_LEN];
	unsigned char s1[32], s2[32];
	size_t n1 = sizeof(s1), n2 = sizeof(s2);
	gnutls_x509_crt_t a, b;
	struct px_buf ka, kb;

	(void)state;
	assert_int_equal(px_tls_generate(c1, k1, NAME, DAYS), 0);
	assert_int_equal(px_tls_generate(c2, k2, NAME, DAYS), 0);
	assert_int_equal(px_tls_fingerprint_file(fp1, c1), 0);
	assert_int_equal(px_tls_fingerprint_file(fp2, c2), 0);
	assert_string_not_equal(fp1, fp2);

	a = load_crt(c1);
	b = load_crt(c2);
	assert_int_equal(gnutls_x509_crt_get_serial(a, s1, &n1), 0);
	assert_int_equal(gnutls_x509_crt_get_serial(b, s2, &n2), 0);
	assert_false(n1 == n2 && memcmp(s1, s2, n1) == 0);
	gnutls_x509_crt_deinit(a);
	gnutls_x509_crt_deinit(b);

	px_buf_init(&ka, PX_BUF_NOCAP);
	px_buf_init(&kb, PX_BUF_NOCAP);
	assert_int_equal(px_file_read(&ka, k1, 1 << 20), 0);
	assert_int_equal(px_file_read(&kb, k2, 1 << 20), 0);
	assert_string_not_equal(ka.data, kb.data);
	px_buf_dispose(&ka);
	px_buf_dispose(&kb);
	free(c1);
	free(k1);
	free(c2);
	free(k2);
}

static void
test_fingerprint_syntax(void **state)
{
	const char *hex = "0123456789abcdef0123456789abcdef"
	                  "0123456789abcdef0123456789abcdef";
	char *ok = px_asprintf("sha256:%s", hex);
	char *bad;

	(void)state;
	assert_true(px_tls_fingerprint_valid(ok));
	ok[7 + 10] = 'A'; /* uppercase hex: one value, one spelling */
	assert_false(px_tls_fingerprint_valid(ok));
	ok[7 + 10] = 'g';
	assert_false(px_tls_fingerprint_valid(ok));
	free(ok);

	bad = px_asprintf("sha256:%.63s", hex);
	assert_false(px_tls_fingerprint_valid(bad));
	free(bad);
	bad = px_asprintf("sha256:%s0", hex);
	assert_false(px_tls_fingerprint_valid(bad));
	free(bad);
	bad = px_asprintf("SHA256:%s", hex);
	assert_false(px_tls_fingerprint_valid(bad));
	free(bad);
	bad = px_asprintf("sha1:%s", hex);
	assert_false(px_tls_fingerprint_valid(bad));
	free(bad);
	assert_false(px_tls_fingerprint_valid(hex));
	assert_false(px_tls_fingerprint_valid("sha256:"));
	assert_false(px_tls_fingerprint_valid(""));
	assert_false(px_tls_fingerprint_valid(NULL));
}

static void
test_garbage_refused(void **state)
{
	static const char *bad_b64 = "-----BEGIN CERTIFICATE-----\n"
	                             "AAAAbm90IGEgY2VydGlmaWNhdGU=\n"
	                             "-----END CERTIFICATE-----\n";
	char *cert = tmp_path("x.crt"), *key = tmp_path("x.key");
	char *junk = tmp_path("junk.crt"), *none = tmp_path("none.crt");
	char *msg, fp[PX_TLS_FP_LEN];

	(void)state;
	assert_int_equal(px_tls_fingerprint_pem(fp, "hello", 5), PX_EINVAL);
	assert_string_equal(px_error_last(), "not a PEM certificate");
	assert_int_equal(px_tls_fingerprint_pem(fp, "", 0), PX_EINVAL);
	assert_int_equal(
	    px_tls_fingerprint_pem(fp, bad_b64, strlen(bad_b64)), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "not a PEM certificate"));

	/* The key file passed by mistake: a PEM, but no certificate in it. */
	assert_int_equal(px_tls_generate(cert, key, NAME, DAYS), 0);
	assert_int_equal(px_tls_fingerprint_file(fp, key), PX_EINVAL);
	msg = px_asprintf(
	    "cannot read certificate %s: not a PEM certificate", key);
	assert_memory_equal(px_error_last(), msg, strlen(msg));
	free(msg);

	assert_int_equal(px_file_write(junk, "\x30\x82\x01\x00", 4, 0644), 0);
	assert_int_equal(px_tls_fingerprint_file(fp, junk), PX_EINVAL);
	msg = px_asprintf(
	    "cannot read certificate %s: not a PEM certificate", junk);
	assert_string_equal(px_error_last(), msg);
	free(msg);

	assert_int_equal(px_tls_fingerprint_file(fp, none), PX_ENOTFOUND);
	free(cert);
	free(key);
	free(junk);
	free(none);
}

/* A chain file counts by its first certificate (the node's own). */
static void
test_fingerprint_first_of_chain(void **state)
{
	char *c1 = tmp_path("ch1.crt"), *k1 = tmp_path("ch1.key");
	char *c2 = tmp_path("ch2.crt"), *k2 = tmp_path("ch2.key");
	char fp1[PX_TLS_FP_LEN], fp[PX_TLS_FP_LEN], *exact;
	struct px_buf b;

	(void)state;
	assert_int_equal(px_tls_generate(c1, k1, NAME, DAYS), 0);
	assert_int_equal(px_tls_generate(c2, k2, "cert-b.example", DAYS), 0);
	assert_int_equal(px_tls_fingerprint_file(fp1, c1), 0);
	px_buf_init(&b, PX_BUF_NOCAP);
	px_buf_puts(&b, "leading text is ignored\n");
	assert_int_equal(px_file_read(&b, c1, 1 << 20), 0);
	assert_int_equal(px_file_read(&b, c2, 1 << 20), 0);
	/* An exact-size copy with no NUL after it: under ASan, reading
	 * past `len` would be reported. */
	exact = px_malloc(b.len);
	memcpy(exact, b.data, b.len);
	assert_int_equal(px_tls_fingerprint_pem(fp, exact, b.len), 0);
	assert_string_equal(fp, fp1);
	free(exact);
	px_buf_dispose(&b);
	free(c1);
	free(k1);
	free(c2);
	free(k2);
}

static void
test_bad_arguments(void **state)
{
	char *cert = tmp_path("bad.crt"), *key = tmp_path("bad.key");
	char longname[PX_TLS_NAME_MAX + 2];

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(px_tls_generate(cert, key, "", DAYS), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "invalid node name"));
	assert_int_equal(px_tls_generate(cert, key, "a b", DAYS), PX_EINVAL);
	assert_int_equal(px_tls_generate(cert, key, "-a", DAYS), PX_EINVAL);
	assert_int_equal(
	    px_tls_generate(cert, key, "a\xc3\xa9", DAYS), PX_EINVAL);
	assert_int_equal(px_tls_generate(cert, key, longname, DAYS), PX_EINVAL);
	longname[PX_TLS_NAME_MAX] = '\0';
	assert_int_equal(px_tls_generate(cert, key, NAME, 0), PX_EINVAL);
	assert_int_equal(px_tls_generate(cert, key, NAME, 36501), PX_EINVAL);
	assert_false(px_file_exists(cert));
	assert_false(px_file_exists(key));
	/* The longest name still fits a certificate. */
	assert_int_equal(px_tls_generate(cert, key, longname, 1), 0);
	free(cert);
	free(key);
}

/*
 * The certificates are made for mutual TLS 1.3 with pinning: run a real
 * handshake over a socketpair where each side trusts exactly the other's
 * certificate and GnuTLS checks purpose (serverAuth / clientAuth) and the
 * name, then compare what each side saw with px_tls_fingerprint_file.
 */
struct side {
	int fd;
	int server;
	const char *cert, *key, *peer_cert, *peer_name;
	int rc;
	unsigned status;
	char seen_fp[PX_TLS_FP_LEN];
};

static void *
run_side(void *arg)
{
	struct side *s = arg;
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_session_t sess = NULL;
	const gnutls_datum_t *peers;
	unsigned n = 0;
	uint8_t d[PX_SHA256_LEN];
	gnutls_typed_vdata_st tdata[2] = { 0 };
	unsigned ntdata = 1;
	char buf[256];
	int rc;

	s->rc = -1;
	if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    gnutls_certificate_set_x509_key_file(
	        cred, s->cert, s->key, GNUTLS_X509_FMT_PEM) < 0 ||
	    gnutls_certificate_set_x509_trust_file(
	        cred, s->peer_cert, GNUTLS_X509_FMT_PEM) != 1)
		goto out;
	if (gnutls_init(&sess, s->server ? GNUTLS_SERVER : GNUTLS_CLIENT) < 0 ||
	    gnutls_priority_set_direct(
	        sess, "NORMAL:-VERS-ALL:+VERS-TLS1.3", NULL) < 0 ||
	    gnutls_credentials_set(sess, GNUTLS_CRD_CERTIFICATE, cred) < 0)
		goto out;
	if (s->server)
		gnutls_certificate_server_set_request(
		    sess, GNUTLS_CERT_REQUIRE);
	/* Each side checks the purpose the peer acts in (GnuTLS checks
	 * none on the server unless told); the client also checks the
	 * name it dialled against the server's SANs. */
	tdata[0].type = GNUTLS_DT_KEY_PURPOSE_OID;
	tdata[0].data =
	    (unsigned char *)(uintptr_t)(s->server ? GNUTLS_KP_TLS_WWW_CLIENT
	                                           : GNUTLS_KP_TLS_WWW_SERVER);
	if (s->peer_name) {
		tdata[ntdata].type = GNUTLS_DT_DNS_HOSTNAME;
		tdata[ntdata].data = (unsigned char *)(uintptr_t)s->peer_name;
		ntdata++;
	}
	gnutls_session_set_verify_cert2(sess, tdata, ntdata, 0);
	gnutls_transport_set_int(sess, s->fd);
	do {
		rc = gnutls_handshake(sess);
	} while (rc < 0 && !gnutls_error_is_fatal(rc));
	s->status = gnutls_session_get_verify_cert_status(sess);
	if (rc < 0)
		goto out;
	if (gnutls_protocol_get_version(sess) != GNUTLS_TLS1_3)
		goto out;
	peers = gnutls_certificate_get_peers(sess, &n);
	if (peers == NULL || n < 1)
		goto out;
	px_sha256(d, peers[0].data, peers[0].size);
	memcpy(s->seen_fp, "sha256:", 7);
	px_hex_encode(s->seen_fp + 7, d, sizeof(d));
	/* Orderly close: the server speaks last in a TLS 1.3 handshake
	 * (session tickets), so the client reads until the server's
	 * close_notify before it closes its end. */
	if (s->server && gnutls_bye(sess, GNUTLS_SHUT_WR) < 0)
		goto out;
	do {
		rc = (int)gnutls_record_recv(sess, buf, sizeof(buf));
	} while (rc > 0 || (rc < 0 && !gnutls_error_is_fatal(rc)));
	if (rc < 0)
		goto out;
	if (!s->server && gnutls_bye(sess, GNUTLS_SHUT_WR) < 0)
		goto out;
	s->rc = 0;
out:
	if (sess)
		gnutls_deinit(sess);
	if (cred)
		gnutls_certificate_free_credentials(cred);
	close(s->fd);
	return NULL;
}

static void
test_mutual_tls_handshake(void **state)
{
	char *ca = tmp_path("m1.crt"), *ka = tmp_path("m1.key");
	char *cb = tmp_path("m2.crt"), *kb = tmp_path("m2.key");
	char fpa[PX_TLS_FP_LEN], fpb[PX_TLS_FP_LEN];
	struct side srv = { 0 }, cli = { 0 };
	pthread_t t;
	int sv[2];

	(void)state;
	assert_int_equal(px_tls_generate(ca, ka, "cert-a.example", DAYS), 0);
	assert_int_equal(px_tls_generate(cb, kb, "cert-b.example", DAYS), 0);
	assert_int_equal(px_tls_fingerprint_file(fpa, ca), 0);
	assert_int_equal(px_tls_fingerprint_file(fpb, cb), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* A side that fails must show as a failed assertion, not kill the
	 * test by writing to a closed socket. */
	signal(SIGPIPE, SIG_IGN);

	srv.fd = sv[0];
	srv.server = 1;
	srv.cert = ca;
	srv.key = ka;
	srv.peer_cert = cb;
	srv.peer_name = NULL;
	cli.fd = sv[1];
	cli.cert = cb;
	cli.key = kb;
	cli.peer_cert = ca;
	cli.peer_name = "127.0.0.1"; /* the IP SAN, as on loopback */
	assert_int_equal(pthread_create(&t, NULL, run_side, &srv), 0);
	run_side(&cli);
	assert_int_equal(pthread_join(t, NULL), 0);

	assert_int_equal(cli.status, 0);
	assert_int_equal(srv.status, 0);
	assert_int_equal(cli.rc, 0);
	assert_int_equal(srv.rc, 0);
	assert_string_equal(cli.seen_fp, fpa);
	assert_string_equal(srv.seen_fp, fpb);
	free(ca);
	free(ka);
	free(cb);
	free(kb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate_files),
		cmocka_unit_test(test_cert_contents),
		cmocka_unit_test(test_generations_differ),
		cmocka_unit_test(test_fingerprint_syntax),
		cmocka_unit_test(test_garbage_refused),
		cmocka_unit_test(test_fingerprint_first_of_chain),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_mutual_tls_handshake),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
