#include "ledger/checkpoint.h"
#include "helpers.h"

#define EM "\xe2\x80\x94 "

/*
 * A real checkpoint of the arche2025h1.staging.ct.transparency.dev log,
 * with its RFC 6962 (type 0x05) and Ed25519 (0x01) log signatures and four
 * witness cosignatures, and the log's and the remora.n621.de witness's
 * verifier keys, as used by the tlog-scales test suite (test_signing.py,
 * TestCheckpointSigning).  The remora key is also a fixture of
 * transparency-dev/formats note/note_cosigv1_test.go.
 */
#define ARCHE_BODY                                  \
	"arche2025h1.staging.ct.transparency.dev\n" \
	"1432088532\n"                              \
	"U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n"
#define ARCHE_SIGS                                                            \
	EM "arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBE" \
	   "AiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI" \
	   "4kJXFbon5Ch9MNL5zRNZ55lvGt0=\n" EM                                \
	   "arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3g" \
	   "cw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZF" \
	   "WwQ=\n" EM                                                        \
	   "transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIq" \
	   "qhbUoDwjMWE6UP8nd8/KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC" \
	   "2q44vdgJY096st5BQ==\n" EM                                         \
	   "witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlT" \
	   "Am3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDs" \
	   "UAQ==\n" EM                                                       \
	   "remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ" \
	   "/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==\n" EM     \
	   "witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwY" \
	   "DJA2NmKeGi9Y8FtEyOUvVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==\n"
#define ARCHE_VKEY                                                            \
	"arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2O" \
	"aGmKprLI8HKM+dJ472xgFYh15f"
#define REMORA_VKEY \
	"remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"

/* The example of c2sp.org/tlog-checkpoint. */
#define SOFA_BODY                                 \
	"example.com/behind-the-sofa\n20852163\n" \
	"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"

static const struct px_note_sig *
sig_by(const struct px_note *n, const char *name)
{
	for (size_t i = 0; i < n->nsigs; i++)
		if (strcmp(n->sigs[i].name, name) == 0)
			return &n->sigs[i];
	fail_msg("no signature by %s", name);
	return NULL;
}

static void
test_real_checkpoint(void **state)
{
	struct px_vkey arche, remora;
	struct px_note n;
	struct px_checkpoint cp;
	const char *text = ARCHE_BODY "\n" ARCHE_SIGS;
	uint64_t ok = 0, ts = 0;
	uint8_t root[32];
	size_t got = 0;
	char *tampered;

	(void)state;
	assert_int_equal(px_vkey_parse(&arche, ARCHE_VKEY), 0);
	assert_int_equal(px_vkey_parse(&remora, REMORA_VKEY), 0);
	assert_int_equal(px_note_parse(&n, text, strlen(text)), 0);
	assert_int_equal(n.nsigs, 6);
	assert_int_equal(n.sigs[0].id, 0xcd333cb1); /* type 0x05, ignored */
	assert_int_equal(px_checkpoint_parse(&cp, n.text, n.text_len), 0);
	assert_string_equal(
	    cp.origin, "arche2025h1.staging.ct.transparency.dev");
	assert_true(cp.size == 1432088532);
	assert_int_equal(px_b64_decode(root, 32, &got,
	                     "U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro="),
	    0);
	assert_memory_equal(cp.root, root, 32);
	assert_null(cp.ext);
	/* The log's Ed25519 signature, and the remora cosignature with its
	 * timestamp (2026-05-23T22:30:24Z). */
	assert_int_equal(px_note_verify(&n, &arche, 1, &ok), 0);
	assert_int_equal(ok, 1);
	assert_int_equal(
	    px_cosig_verify(sig_by(&n, "remora.n621.de"), &remora, n.text, &ts),
	    0);
	assert_true(ts == 1779573024);
	/* A log key is not a cosignature key, nor another witness's line. */
	assert_int_equal(
	    px_cosig_verify(sig_by(&n, "remora.n621.de"), &arche, n.text, &ts),
	    PX_EINVAL);
	assert_int_equal(px_cosig_verify(sig_by(&n, "witness.stagemole.eu"),
	                     &remora, n.text, &ts),
	    PX_EINVAL);
	px_checkpoint_dispose(&cp);
	px_note_dispose(&n);

	/* The same note claiming another size: nothing verifies. */
	tampered = px_strdup(text);
	memcpy(strchr(tampered, '\n') + 1, "1432088533", 10);
	assert_int_equal(px_note_parse(&n, tampered, strlen(tampered)), 0);
	assert_int_equal(px_note_verify(&n, &arche, 1, &ok), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "does not verify"));
	assert_int_equal(
	    px_cosig_verify(sig_by(&n, "remora.n621.de"), &remora, n.text, &ts),
	    PX_EINVAL);
	px_note_dispose(&n);
	free(tampered);
}

/* From transparency-dev/formats note_cosigv1_test.go TestCoSigV1Timestamp:
 * a cosignature whose timestamp is 1727964367. */
static void
test_cosig_timestamp_layout(void **state)
{
	static const char text[] =
	    "x\n\n" EM
	    "w ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97"
	    "w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==\n";
	struct px_note n;
	uint64_t ts = 0;

	(void)state;
	assert_int_equal(px_note_parse(&n, text, strlen(text)), 0);
	assert_int_equal(n.sigs[0].id, 0x646846b9);
	assert_int_equal(n.sigs[0].len, 72);
	for (int i = 0; i < 8; i++)
		ts = ts << 8 | n.sigs[0].payload[i];
	assert_true(ts == 1727964367);
	px_note_dispose(&n);
}

static void
assert_cp_refused(const char *body, const char *part)
{
	struct px_checkpoint cp;

	assert_int_equal(
	    px_checkpoint_parse(&cp, body, strlen(body)), PX_EINVAL);
	assert_null(cp.ext);
	if (strstr(px_error_last(), part) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", body, px_error_last(),
		    part);
}

static void
test_checkpoint_parse(void **state)
{
	struct px_checkpoint cp;
	char *body;

	(void)state;
	assert_int_equal(
	    px_checkpoint_parse(&cp, SOFA_BODY, strlen(SOFA_BODY)), 0);
	assert_string_equal(cp.origin, "example.com/behind-the-sofa");
	assert_true(cp.size == 20852163);
	assert_null(cp.ext);
	body = px_checkpoint_body(cp.origin, cp.size, cp.root);
	assert_string_equal(body, SOFA_BODY);
	free(body);
	px_checkpoint_dispose(&cp);

	assert_int_equal(px_checkpoint_parse(&cp, SOFA_BODY "ext one\nx\n",
	                     strlen(SOFA_BODY "ext one\nx\n")),
	    0);
	assert_string_equal(cp.ext, "ext one\nx\n");
	px_checkpoint_dispose(&cp);
	assert_null(cp.ext);

	{
		/* The empty tree and the largest size. */
		static const char empty[] =
		    "log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
		static const char max[] =
		    "log\n18446744073709551615\n"
		    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG"
		    "3hSuFU=\n";

		assert_int_equal(
		    px_checkpoint_parse(&cp, empty, strlen(empty)), 0);
		assert_true(cp.size == 0);
		assert_int_equal(px_checkpoint_parse(&cp, max, strlen(max)), 0);
		assert_true(cp.size == UINT64_MAX);
	}

	assert_cp_refused("", "newline");
	assert_cp_refused(
	    "\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "origin");
	assert_cp_refused(
	    "log\n007\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
	    "leading zeros");
	assert_cp_refused(
	    "log\n+7\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
	    "tree size");
	assert_cp_refused(
	    "log\n\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
	    "tree size");
	assert_cp_refused("log\n18446744073709551616\nCsUYapGGPo4dkMgIAUqom/"
	                  "Xajj7h2fB2MPA3j2jxq2I=\n",
	    "2^64");
	assert_cp_refused(
	    "log\n7\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2=\n", "root");
	assert_cp_refused(
	    "log\n7\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n", "root");
	assert_cp_refused(
	    "log\n7\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n", "root");
	assert_cp_refused("log\n7\nAAAA\n", "root");
	assert_cp_refused("log\n7\n", "root");
	assert_cp_refused(SOFA_BODY "\n", "extension lines must not be empty");
	assert_cp_refused(SOFA_BODY "ext\n\nmore\n", "must not be empty");
	assert_cp_refused("example.com/behind-the-sofa\n20852163\n"
	                  "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
	    "newline");
	assert_cp_refused(
	    "lo\tg\n7\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
	    "control character");
	assert_null(px_checkpoint_body("", 1, (const uint8_t *)SOFA_BODY));
	assert_null(px_checkpoint_body("a\nb", 1, (const uint8_t *)SOFA_BODY));
}

/* A log key and a witness key of our own (fixed seeds). */
static void
keys(struct px_key *log, struct px_key *wit, struct px_vkey *vlog,
    struct px_vkey *vwit)
{
	char *s;

	test_key(log, 0x11);
	test_key(wit, 0x22);
	s = px_vkey_format("cert-a.example", PX_NOTE_ED25519, log->pk);
	assert_int_equal(px_vkey_parse(vlog, s), 0);
	free(s);
	s = px_vkey_format("cert-b.example/witness", PX_NOTE_COSIG, wit->pk);
	assert_int_equal(px_vkey_parse(vwit, s), 0);
	free(s);
}

static void
test_cosig_roundtrip(void **state)
{
	struct px_key log, wit, other;
	struct px_vkey vlog, vwit;
	struct px_buf b;
	struct px_note n;
	uint8_t root[32];
	uint64_t ts = 0;
	char *body;
	const struct px_note_sig *cs;

	(void)state;
	keys(&log, &wit, &vlog, &vwit);
	memset(root, 0x5a, sizeof(root));
	body = px_checkpoint_body("cert-a.example", 42, root);
	px_buf_init(&b, 1 << 16);
	assert_int_equal(px_buf_adds(&b, body), 0);
	assert_int_equal(px_buf_adds(&b, "\n"), 0);
	assert_int_equal(px_note_sign(&b, "cert-a.example", &log, body), 0);
	assert_int_equal(
	    px_cosig_sign(&b, "cert-b.example/witness", &wit, 1795167000, body),
	    0);
	assert_int_equal(px_note_parse(&n, b.data, b.len), 0);
	assert_int_equal(n.nsigs, 2);
	cs = sig_by(&n, "cert-b.example/witness");
	assert_int_equal(cs->id, vwit.id);
	assert_int_equal(cs->len, 72);
	assert_int_equal(px_cosig_verify(cs, &vwit, n.text, &ts), 0);
	assert_true(ts == 1795167000);
	/* The cosignature is no plain note signature, and vice versa. */
	assert_int_equal(px_note_verify(&n, &vlog, 1, &ts), 0);
	{
		struct px_vkey as_log = vwit;

		as_log.type = PX_NOTE_ED25519;
		as_log.id = px_note_key_id(as_log.name, 1, as_log.pk);
		assert_int_equal(
		    px_cosig_verify(cs, &as_log, n.text, &ts), PX_EINVAL);
	}
	/* A tampered timestamp: the payload's, and a re-encoded line. */
	{
		struct px_note_sig t = *cs;
		struct px_buf line;
		struct px_note n2;

		t.payload[7] ^= 1;
		ts = 7;
		assert_int_equal(
		    px_cosig_verify(&t, &vwit, n.text, &ts), PX_EINVAL);
		assert_non_null(strstr(px_error_last(), "does not verify"));
		assert_true(ts == 7);
		px_buf_init(&line, PX_BUF_NOCAP);
		px_buf_puts(&line, body);
		px_buf_puts(&line, "\n");
		assert_int_equal(
		    px_note_sig_line(&line, t.name, t.id, t.payload, t.len), 0);
		assert_int_equal(px_note_parse(&n2, line.data, line.len), 0);
		assert_int_equal(
		    px_cosig_verify(&n2.sigs[0], &vwit, n2.text, &ts),
		    PX_EINVAL);
		px_note_dispose(&n2);
		px_buf_dispose(&line);
		/* A timestamp above 2^63 - 1 is refused before hashing. */
		t = *cs;
		t.payload[0] = 0x80;
		assert_int_equal(
		    px_cosig_verify(&t, &vwit, n.text, &ts), PX_EINVAL);
		assert_non_null(strstr(px_error_last(), "2^63"));
	}
	/* Another witness key with the same name does not match. */
	test_key(&other, 0x33);
	{
		struct px_vkey v = vwit;

		memcpy(v.pk, other.pk, 32);
		v.id = px_note_key_id(v.name, PX_NOTE_COSIG, v.pk);
		assert_int_equal(
		    px_cosig_verify(cs, &v, n.text, &ts), PX_EINVAL);
		assert_non_null(strstr(px_error_last(), "is not by key"));
	}
	/* Only checkpoints are cosigned, and timestamps fit in 63 bits. */
	px_buf_reset(&b);
	assert_int_equal(px_cosig_sign(&b, "w", &wit, 1, "hello\n"), PX_EINVAL);
	assert_int_equal(
	    px_cosig_sign(&b, "w", &wit, (uint64_t)INT64_MAX + 1, body),
	    PX_EINVAL);
	assert_int_equal(px_cosig_sign(&b, "w x", &wit, 1, body), PX_EINVAL);
	assert_int_equal(b.len, 0);
	px_note_dispose(&n);
	px_buf_dispose(&b);
	free(body);
}

/* ---- tlog-proof --------------------------------------------------------- */

#define NE 11

struct log {
	uint8_t node[5][16][32];
	uint64_t size;
	char entry[NE][32];
};

static int
log_get(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	struct log *l = ctx;

	if (level >= 5 || index >= 16)
		return px_error_set(PX_ENOTFOUND, "no node");
	memcpy(out, l->node[level][index], 32);
	return 0;
}

/* Builds a log of NE entries and its signed, cosigned checkpoint note
 * (heap, caller frees). */
static char *
build_log(struct log *l, struct px_key *log, struct px_key *wit)
{
	struct px_buf b;
	uint8_t root[32];
	char *body;

	memset(l, 0, sizeof(*l));
	for (unsigned i = 0; i < NE; i++) {
		struct px_merkle_node nodes[64];
		uint8_t leaf[32];
		unsigned nn;

		snprintf(l->entry[i], sizeof(l->entry[i]), "entry %u", i);
		px_merkle_leaf_hash(leaf, l->entry[i], strlen(l->entry[i]));
		assert_int_equal(
		    px_merkle_append(nodes, &nn, l->size, leaf, log_get, l), 0);
		for (unsigned k = 0; k < nn; k++)
			memcpy(l->node[nodes[k].level][nodes[k].index],
			    nodes[k].hash, 32);
		l->size++;
	}
	assert_int_equal(px_merkle_root(root, l->size, log_get, l), 0);
	body = px_checkpoint_body("cert-a.example", l->size, root);
	px_buf_init(&b, PX_BUF_NOCAP);
	px_buf_puts(&b, body);
	px_buf_puts(&b, "\n");
	assert_int_equal(px_note_sign(&b, "cert-a.example", log, body), 0);
	assert_int_equal(
	    px_cosig_sign(&b, "cert-b.example/witness", wit, 1795167000, body),
	    0);
	free(body);
	return px_buf_detach(&b, NULL);
}

/* Formats the proof for entry i (heap text, caller frees). */
static char *
proof_text(struct log *l, const char *note, uint64_t i, const char *extra)
{
	uint8_t path[PX_MERKLE_MAX_PROOF][32];
	struct px_tlog_proof p = { 0 };
	struct px_buf b;

	assert_int_equal(
	    px_merkle_inclusion_proof(path, &p.n, i, l->size, log_get, l), 0);
	p.index = i;
	p.hashes = path;
	p.checkpoint = (char *)note;
	p.checkpoint_len = strlen(note);
	if (extra) {
		p.extra = (uint8_t *)extra;
		p.extra_len = strlen(extra);
	}
	px_buf_init(&b, PX_BUF_NOCAP);
	assert_int_equal(px_tlog_proof_format(&b, &p), 0);
	return px_buf_detach(&b, NULL);
}

static int
verify_text(const char *text, const char *entry, const struct px_vkey *k,
    size_t nk, uint64_t *mask)
{
	struct px_tlog_proof p;
	int rc;

	if ((rc = px_tlog_proof_parse(&p, text, strlen(text))) < 0)
		return rc;
	rc = px_tlog_proof_verify_keys(&p, entry, strlen(entry), k, nk, mask);
	px_tlog_proof_dispose(&p);
	return rc;
}

static void
test_tlog_proof_roundtrip(void **state)
{
	struct px_key log, wit;
	struct px_vkey vk[2];
	struct log *l = px_calloc(1, sizeof(*l));
	char *note;

	(void)state;
	keys(&log, &wit, &vk[0], &vk[1]);
	note = build_log(l, &log, &wit);
	for (uint64_t i = 0; i < NE; i++) {
		const char *extra = i == 3 ? "out-of-band context" : NULL;
		char *text = proof_text(l, note, i, extra), *t2;
		struct px_tlog_proof p, q;
		struct px_buf b;
		uint64_t mask = 0;

		assert_int_equal(
		    px_tlog_proof_parse(&p, text, strlen(text)), 0);
		assert_true(p.index == i);
		assert_string_equal(p.checkpoint, note);
		assert_int_equal(p.checkpoint_len, strlen(note));
		if (extra) {
			assert_int_equal(p.extra_len, strlen(extra));
			assert_memory_equal(p.extra, extra, p.extra_len);
			assert_non_null(strstr(text, "\nextra "));
		} else {
			assert_int_equal(p.extra_len, 0);
			assert_null(strstr(text, "extra"));
		}
		/* format(parse(text)) is text, and parses to the same. */
		px_buf_init(&b, PX_BUF_NOCAP);
		assert_int_equal(px_tlog_proof_format(&b, &p), 0);
		assert_string_equal(b.data, text);
		assert_int_equal(px_tlog_proof_parse(&q, b.data, b.len), 0);
		assert_int_equal(q.n, p.n);
		assert_memory_equal(q.hashes, p.hashes, 32 * p.n);
		px_tlog_proof_dispose(&q);
		px_buf_dispose(&b);

		/* The log's signature and the witness's cosignature. */
		assert_int_equal(px_tlog_proof_verify_keys(&p, l->entry[i],
		                     strlen(l->entry[i]), vk, 2, &mask),
		    0);
		assert_int_equal(mask, 3);
		assert_int_equal(px_tlog_proof_verify(&p, l->entry[i],
		                     strlen(l->entry[i]), vk, 1),
		    0);
		/* Another entry, a flipped hash, another index. */
		assert_int_equal(
		    px_tlog_proof_verify(&p, l->entry[(i + 1) % NE],
		        strlen(l->entry[(i + 1) % NE]), vk, 2),
		    PX_EINVAL);
		assert_non_null(strstr(px_error_last(), "index"));
		if (p.n) {
			p.hashes[p.n / 2][0] ^= 0x80;
			assert_int_equal(px_tlog_proof_verify(&p, l->entry[i],
			                     strlen(l->entry[i]), vk, 2),
			    PX_EINVAL);
			p.hashes[p.n / 2][0] ^= 0x80;
		}
		p.index = (i + 1) % NE;
		assert_int_equal(px_tlog_proof_verify(&p, l->entry[i],
		                     strlen(l->entry[i]), vk, 2),
		    PX_EINVAL);
		px_tlog_proof_dispose(&p);

		/* The same through the text: "index i" -> "index i+1". */
		t2 = px_strdup(text);
		{
			char *ix = strstr(t2, "index ") + 6;

			*ix = (char)(*ix == '9' ? '8' : *ix + 1);
			assert_int_equal(
			    verify_text(t2, l->entry[i], vk, 2, &mask),
			    PX_EINVAL);
			assert_true(mask == 0);
		}
		free(t2);
		free(text);
	}
	free(note);
	free(l);
	px_key_dispose(&log);
	px_key_dispose(&wit);
}

static void
test_tlog_proof_keys(void **state)
{
	struct px_key log, wit;
	struct px_vkey vk[2];
	struct log *l = px_calloc(1, sizeof(*l));
	char *note, *text, *bad;
	uint64_t mask = 0;

	(void)state;
	keys(&log, &wit, &vk[0], &vk[1]);
	note = build_log(l, &log, &wit);
	text = proof_text(l, note, 5, NULL);
	/* The log's key is needed; a witness alone is not enough. */
	assert_int_equal(
	    verify_text(text, "entry 5", &vk[1], 1, &mask), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "origin"));
	/* A key of another name, even one that signed, is not the log. */
	{
		struct px_vkey v[2] = { vk[0], vk[1] };
		struct px_buf b;
		struct px_note n;
		char *body;

		px_buf_init(&b, PX_BUF_NOCAP);
		assert_int_equal(px_note_parse(&n, note, strlen(note)), 0);
		body = px_strdup(n.text);
		px_note_dispose(&n);
		px_buf_puts(&b, body);
		px_buf_puts(&b, "\n");
		assert_int_equal(
		    px_note_sign(&b, "mirror.example", &log, body), 0);
		v[0].id = px_note_key_id("mirror.example", 1, v[0].pk);
		snprintf(v[0].name, sizeof(v[0].name), "mirror.example");
		{
			char *t = proof_text(l, b.data, 5, NULL);

			assert_int_equal(
			    verify_text(t, "entry 5", v, 1, &mask), PX_EINVAL);
			free(t);
		}
		free(body);
		px_buf_dispose(&b);
	}
	/* A tampered cosignature by a given witness refuses the proof. */
	bad = px_strdup(text);
	{
		char *w = strstr(bad, "cert-b.example/witness ") + 30;

		*w = (char)(*w == 'A' ? 'B' : 'A');
		assert_int_equal(
		    verify_text(bad, "entry 5", vk, 2, &mask), PX_EINVAL);
		/* ... but not if that witness is not one of ours. */
		assert_int_equal(verify_text(bad, "entry 5", vk, 1, &mask), 0);
		assert_int_equal(mask, 1);
	}
	free(bad);
	free(text);
	free(note);
	free(l);
}

static void
assert_proof_refused(const char *text, const char *part)
{
	struct px_tlog_proof p;

	assert_int_equal(
	    px_tlog_proof_parse(&p, text, strlen(text)), PX_EINVAL);
	assert_null(p.checkpoint);
	assert_null(p.hashes);
	if (strstr(px_error_last(), part) == NULL)
		fail_msg("message '%s' lacks '%s'", px_error_last(), part);
}

static void
test_tlog_proof_refusals(void **state)
{
	struct px_key log, wit;
	struct px_vkey vk[2];
	struct px_buf b;
	char *note;
	const char *h;

	(void)state;
	keys(&log, &wit, &vk[0], &vk[1]);
	{
		struct log *l = px_calloc(1, sizeof(*l));

		note = build_log(l, &log, &wit);
		free(l);
	}
	px_buf_init(&b, PX_BUF_NOCAP);
#define PROOF(head, hashes)                                                \
	(px_buf_reset(&b), px_buf_puts(&b, head), px_buf_puts(&b, hashes), \
	    px_buf_puts(&b, "\n"), px_buf_puts(&b, note), b.data)
	h = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
	{
		struct px_tlog_proof p;
		const char *t = PROOF("c2sp.org/tlog-proof@v1\nindex 0\n", h);

		assert_int_equal(px_tlog_proof_parse(&p, t, strlen(t)), 0);
		assert_int_equal(p.n, 1);
		px_tlog_proof_dispose(&p);
	}
	assert_proof_refused(
	    PROOF("c2sp.org/tlog-proof@v2\nindex 0\n", h), "first line");
	assert_proof_refused(PROOF("index 0\n", h), "first line");
	assert_proof_refused(
	    PROOF("c2sp.org/tlog-proof@v1\nindex 00\n", h), "index");
	assert_proof_refused(
	    PROOF("c2sp.org/tlog-proof@v1\nindex -1\n", h), "index");
	assert_proof_refused(
	    PROOF("c2sp.org/tlog-proof@v1\nindex\n", h), "index");
	assert_proof_refused(
	    PROOF("c2sp.org/tlog-proof@v1\nextra \nindex 1\n", h), "extra");
	assert_proof_refused(PROOF("c2sp.org/tlog-proof@v1\nextra !!!!\nindex "
	                           "1\n",
	                         h),
	    "extra");
	assert_proof_refused(
	    PROOF("c2sp.org/tlog-proof@v1\nindex 1\nextra AAAA\n", h),
	    "hash 1");
	assert_proof_refused(
	    PROOF("c2sp.org/tlog-proof@v1\nindex 1\n",
	        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n"),
	    "hash 1");
	assert_proof_refused(
	    PROOF("c2sp.org/tlog-proof@v1\nindex 1\n",
	        "q6yroAAAAAAAAAAAAAAAAAAAAAAAAAAAAGAGHgASNFY=X\n"),
	    "hash 1");
	{
		struct px_buf many;

		px_buf_init(&many, PX_BUF_NOCAP);
		for (int i = 0; i < 65; i++)
			px_buf_puts(&many, h);
		assert_proof_refused(
		    PROOF("c2sp.org/tlog-proof@v1\nindex 1\n", many.data),
		    "more than 64");
		px_buf_dispose(&many);
	}
	assert_proof_refused(
	    "c2sp.org/tlog-proof@v1\nindex 1\n", "ends before");
	assert_proof_refused(
	    "c2sp.org/tlog-proof@v1\nindex 1\n\n", "checkpoint");
	assert_proof_refused("c2sp.org/tlog-proof@v1\nindex 1\n\nhello\n\n" EM
	                     "w AAAAAAA=\n",
	    "checkpoint");
	/* Junk after the checkpoint belongs to no signature line. */
	{
		char *t = px_asprintf(
		    "c2sp.org/tlog-proof@v1\nindex 1\n\n%sjunk\n", note);

		assert_proof_refused(t, "em dash");
		free(t);
	}
	px_buf_dispose(&b);
	free(note);
#undef PROOF
}

/*
 * The worked example of docs/ledger.md, byte for byte: a log
 * "cert-a.example" (Ed25519 seed 32 x 0x11) of 11 entries "entry 0" ..
 * "entry 10", its checkpoint cosigned by "cert-b.example/witness" (seed
 * 32 x 0x22) at 1795167000, and the proof for entry 5.  If this changes,
 * the document is wrong.
 */
static const char worked_example[] =
    "c2sp.org/tlog-proof@v1\n"
    "index 5\n"
    "SFM123z+yWXxX/dF/GJcQdXqJkaTaTAWWCj3PdS2iFQ=\n"
    "/w4ywg/2W5esELOyZ3uHKqPVoCh9lFesukflfPSkpz8=\n"
    "l5nzB1F+9RfCIF35tndivzR1ayAJn7ffzOdrzr0nOy4=\n"
    "Gg7P34r3oeK3sD6u30u69aQetycGEXXjRiBCvpuP4wA=\n"
    "\n"
    "cert-a.example\n"
    "11\n"
    "MpIghwdLQvu/Ojo2cjqyeCX9m62x4pvd68P+qD6ewE0=\n"
    "\n" EM "cert-a.example h4ruI8ddFvHCxeB5ASwHmditGgZWFx6Qhz8O4hga3IBMzk48+bU"
    "63ktjgOatPHflyAgB6snCuGX8WLM0fJxZR0d2pgs=\n" EM
    "cert-b.example/witness t3dMUAAAAABrABMYNEQwY5pp1Zrncx3lCX9ooAsQi4LQ"
    "IrHlLJNG0ByI2q1n8scN1hT7gRyK9W+iSpou0OJHYxG+TQF3aXC1QJoAAw==\n";

static void
test_worked_example(void **state)
{
	struct px_key log, wit;
	struct px_vkey vk[2];
	struct log *l = px_calloc(1, sizeof(*l));
	char *note, *text, *vlog, *vwit;
	uint64_t mask = 0;

	(void)state;
	keys(&log, &wit, &vk[0], &vk[1]);
	note = build_log(l, &log, &wit);
	text = proof_text(l, note, 5, NULL);
	vlog = px_vkey_format(vk[0].name, vk[0].type, vk[0].pk);
	vwit = px_vkey_format(vk[1].name, vk[1].type, vk[1].pk);
	assert_string_equal(vlog,
	    "cert-a.example+878aee23+AdBKsjJ0K7SrOhNovUYV5"
	    "ObQIkq3GgFrr4UgozLJd4c3");
	assert_string_equal(vwit,
	    "cert-b.example/witness+b7774c50+BKCapfR6Z1m"
	    "AL/lV+NwtKhSlyZ0jvpf4ZBJ/+Tg0VaTw");
	assert_string_equal(text, worked_example);
	assert_int_equal(verify_text(text, "entry 5", vk, 2, &mask), 0);
	assert_int_equal(mask, 3);
	free(vlog);
	free(vwit);
	free(text);
	free(note);
	free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_checkpoint),
		cmocka_unit_test(test_cosig_timestamp_layout),
		cmocka_unit_test(test_checkpoint_parse),
		cmocka_unit_test(test_cosig_roundtrip),
		cmocka_unit_test(test_tlog_proof_roundtrip),
		cmocka_unit_test(test_tlog_proof_keys),
		cmocka_unit_test(test_tlog_proof_refusals),
		cmocka_unit_test(test_worked_example),
	};

	if (px_crypto_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
