/*
 * tlog-checkpoint, tlog-cosignature and tlog-proof.
 *
 * The checkpoint is what both parties sign and witness, so it gets the same
 * treatment as the note around it: one spelling per value (decimal without
 * leading zeros, canonical base64), parsed from (pointer, length) with no
 * trust in terminators.  A cosignature signs the checkpoint body behind a
 * two-line header ("cosignature/v1", "time T") so that a witness's key can
 * never be made to sign anything that reads as a log checkpoint, and its
 * timestamp is inside the signature: a witness cannot be quoted as having
 * seen a tree at another time.
 */
#include "ledger/checkpoint.h"
#include "util/util.h"

#define COSIG_PAYLOAD (8 + PX_SIG_LEN)

/* A cursor over text[0..len), read one \n-terminated line at a time. */
struct cur {
	const char *p;
	size_t len, pos;
};

/* Sets *line and *n to the next line without its \n; false at the end or when
 * the last line has no \n. */
static bool
next_line(struct cur *c, const char **line, size_t *n)
{
	const char *nl;

	if (c->pos >= c->len)
		return false;
	nl = memchr(c->p + c->pos, '\n', c->len - c->pos);
	if (nl == NULL)
		return false;
	*line = c->p + c->pos;
	*n = (size_t)(nl - *line);
	c->pos += *n + 1;
	return true;
}

/* Parses a decimal with no sign and no leading zeros (except "0") that fits
 * in 64 bits. */
static bool
parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Decodes canonical base64 of exactly 32 bytes from s[0..n). */
static bool
decode_hash(uint8_t out[32], const char *s, size_t n)
{
	char b64[45];
	size_t got = 0;

	if (n != 44)
		return false;
	memcpy(b64, s, n);
	b64[n] = '\0';
	return px_b64_decode(out, 32, &got, b64) == 0 && got == 32;
}

int
px_checkpoint_parse(struct px_checkpoint *out, const char *body, size_t len)
{
	struct cur c = { body, len, 0 };
	const char *line;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = px_note_text_check(body, len, "checkpoint")) < 0)
		return rc;
	if (len == 0 || body[len - 1] != '\n')
		return px_error_set(
		    PX_EINVAL, "checkpoint does not end in a newline");
	if (!next_line(&c, &line, &n) || n == 0 || n > PX_NOTE_MAX_NAME)
		return px_error_set(PX_EINVAL,
		    "checkpoint origin line must hold 1 to %d bytes",
		    PX_NOTE_MAX_NAME);
	memcpy(out->origin, line, n);
	if (!next_line(&c, &line, &n) || !parse_u64(line, n, &out->size)) {
		rc = px_error_set(PX_EINVAL,
		    "checkpoint tree size must be a decimal number without "
		    "leading zeros, below 2^64");
		goto out;
	}
	if (!next_line(&c, &line, &n) || !decode_hash(out->root, line, n)) {
		rc = px_error_set(PX_EINVAL,
		    "checkpoint root must be canonical base64 of 32 bytes");
		goto out;
	}
	if (c.pos < len) {
		size_t ext = c.pos;

		while (next_line(&c, &line, &n))
			if (n == 0) {
				rc = px_error_set(PX_EINVAL,
				    "checkpoint extension lines must not be "
				    "empty");
				goto out;
			}
		out->ext = px_strndup(body + ext, len - ext);
	}
out:
	if (rc < 0)
		px_checkpoint_dispose(out);
	return rc;
}

char *
px_checkpoint_body(const char *origin, uint64_t size, const uint8_t root[32])
{
	size_t len = origin ? strlen(origin) : 0;
	char *b64, *s;

	if (len == 0 || len > PX_NOTE_MAX_NAME ||
	    memchr(origin, '\n', len) != NULL ||
	    px_note_text_check(origin, len, "checkpoint origin") < 0) {
		px_error_set(PX_EINVAL,
		    "checkpoint origin '%.80s' must be 1 to %d bytes of "
		    "UTF-8 without control characters",
		    origin ? origin : "(none)", PX_NOTE_MAX_NAME);
		return NULL;
	}
	b64 = px_b64_encode(root, 32);
	s = px_asprintf(
	    "%s\n%llu\n%s\n", origin, (unsigned long long)size, b64);
	free(b64);
	return s;
}

void
px_checkpoint_dispose(struct px_checkpoint *c)
{
	free(c->ext);
	memset(c, 0, sizeof(*c));
}

/* The message a cosignature/v1 signs (tlog-cosignature, "Ed25519 signed
 * message"); the caller disposes of *b. */
static void
cosig_message(struct px_buf *b, uint64_t timestamp, const char *body)
{
	px_buf_init(b, PX_BUF_NOCAP);
	px_buf_putf(b, "cosignature/v1\ntime %llu\n%s",
	    (unsigned long long)timestamp, body);
}

int
px_cosig_sign(struct px_buf *out, const char *name, const struct px_key *k,
    uint64_t timestamp, const char *checkpoint_body)
{
	struct px_checkpoint cp;
	struct px_buf msg;
	uint8_t payload[COSIG_PAYLOAD];
	int rc;

	if (!px_note_name_valid(name))
		return px_error_set(PX_EINVAL,
		    "'%.80s' is not a valid key name (1 to 255 bytes, no "
		    "spaces or '+')",
		    name ? name : "(none)");
	if (timestamp > INT64_MAX)
		return px_error_set(PX_EINVAL,
		    "cosignature timestamp %llu is above 2^63 - 1",
		    (unsigned long long)timestamp);
	/* Only ever cosign something that is a checkpoint. */
	if (checkpoint_body == NULL)
		return px_error_set(PX_EINVAL, "no checkpoint to cosign");
	if ((rc = px_checkpoint_parse(
	         &cp, checkpoint_body, strlen(checkpoint_body))) < 0)
		return rc;
	px_checkpoint_dispose(&cp);
	for (int i = 0; i < 8; i++)
		payload[i] = (uint8_t)(timestamp >> (56 - 8 * i));
	cosig_message(&msg, timestamp, checkpoint_body);
	px_sign(payload + 8, k, msg.data, msg.len);
	px_buf_dispose(&msg);
	return px_note_sig_line(out, name,
	    px_note_key_id(name, PX_NOTE_COSIG, k->pk), payload,
	    sizeof(payload));
}

int
px_cosig_verify(const struct px_note_sig *s, const struct px_vkey *key,
    const char *checkpoint_body, uint64_t *timestamp)
{
	struct px_buf msg;
	uint64_t ts = 0;
	int rc;

	if (key->type != PX_NOTE_COSIG)
		return px_error_set(PX_EINVAL,
		    "key %s+%08x has type 0x%02x, not a cosignature key "
		    "(0x04)",
		    key->name, key->id, key->type);
	if (s->id != key->id || strcmp(s->name, key->name) != 0)
		return px_error_set(PX_EINVAL,
		    "signature by %s+%08x is not by key %s+%08x", s->name,
		    s->id, key->name, key->id);
	if (s->oversize || s->len != COSIG_PAYLOAD)
		return px_error_set(PX_EINVAL,
		    "cosignature by %s+%08x is not a timestamp and an Ed25519 "
		    "signature (%d bytes)",
		    key->name, key->id, COSIG_PAYLOAD);
	for (int i = 0; i < 8; i++)
		ts = ts << 8 | s->payload[i];
	if (ts > INT64_MAX)
		return px_error_set(PX_EINVAL,
		    "cosignature by %s+%08x has a timestamp above 2^63 - 1",
		    key->name, key->id);
	cosig_message(&msg, ts, checkpoint_body);
	rc = px_verify(key->pk, s->payload + 8, msg.data, msg.len);
	px_buf_dispose(&msg);
	if (rc < 0)
		return px_error_set(PX_EINVAL,
		    "the cosignature by %s+%08x does not verify", key->name,
		    key->id);
	*timestamp = ts;
	return 0;
}

void
px_tlog_proof_dispose(struct px_tlog_proof *p)
{
	free(p->hashes);
	free(p->extra);
	free(p->checkpoint);
	memset(p, 0, sizeof(*p));
}

/* Checks that note[0..len) is a signed note whose body is a checkpoint. */
static int
checkpoint_note_check(const char *note, size_t len)
{
	struct px_note n;
	struct px_checkpoint cp;
	int rc;

	if ((rc = px_note_parse(&n, note, len)) == 0) {
		rc = px_checkpoint_parse(&cp, n.text, n.text_len);
		px_checkpoint_dispose(&cp);
	}
	px_note_dispose(&n);
	return rc;
}

int
px_tlog_proof_parse(struct px_tlog_proof *out, const char *text, size_t len)
{
	static const char extra[] = "extra ", index[] = "index ";
	struct px_tlog_proof p = { 0 };
	struct cur c = { text, len, 0 };
	const char *line;
	size_t n;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (len > PX_NOTE_MAX_BYTES)
		return px_error_set(PX_ETOOBIG,
		    "tlog-proof of %zu bytes is over the limit of %d", len,
		    PX_NOTE_MAX_BYTES);
	/* No NUL or other control byte anywhere, so the NUL-terminated
	 * copies below hold the whole line. */
	if ((rc = px_note_text_check(text, len, "tlog-proof")) < 0)
		return rc;
	if (!next_line(&c, &line, &n) || n != strlen(PX_TLOG_PROOF_HEADER) ||
	    memcmp(line, PX_TLOG_PROOF_HEADER, n) != 0)
		return px_error_set(PX_EINVAL,
		    "not a tlog-proof: the first line must be "
		    "'" PX_TLOG_PROOF_HEADER "'");
	if (!next_line(&c, &line, &n))
		goto truncated;
	if (n >= sizeof(extra) - 1 && memcmp(line, extra, 6) == 0) {
		char *b64 = px_strndup(line + 6, n - 6);
		size_t cap = (n - 6) / 4 * 3 + 3;

		p.extra = px_malloc(cap);
		rc = px_b64_decode(p.extra, cap, &p.extra_len, b64);
		free(b64);
		if (rc < 0 || p.extra_len == 0) {
			rc = px_error_set(PX_EINVAL,
			    "tlog-proof extra data must be canonical base64 of "
			    "at least one byte");
			goto out;
		}
		if (!next_line(&c, &line, &n))
			goto truncated;
	}
	if (n < sizeof(index) - 1 || memcmp(line, index, 6) != 0 ||
	    !parse_u64(line + 6, n - 6, &p.index)) {
		rc = px_error_set(PX_EINVAL,
		    "tlog-proof needs 'index <decimal without leading zeros>' "
		    "after the header");
		goto out;
	}
	p.hashes = px_calloc(PX_MERKLE_MAX_PROOF, 32);
	for (;;) {
		if (!next_line(&c, &line, &n))
			goto truncated;
		if (n == 0)
			break;
		if (p.n == PX_MERKLE_MAX_PROOF) {
			rc = px_error_set(PX_EINVAL,
			    "tlog-proof has more than %d proof hashes",
			    PX_MERKLE_MAX_PROOF);
			goto out;
		}
		if (!decode_hash(p.hashes[p.n], line, n)) {
			rc = px_error_set(PX_EINVAL,
			    "tlog-proof hash %zu is not canonical base64 of 32 "
			    "bytes",
			    p.n + 1);
			goto out;
		}
		p.n++;
	}
	if ((rc = checkpoint_note_check(text + c.pos, len - c.pos)) < 0) {
		px_error_prefix("tlog-proof checkpoint");
		goto out;
	}
	p.checkpoint = px_strndup(text + c.pos, len - c.pos);
	p.checkpoint_len = len - c.pos;
	*out = p;
	memset(&p, 0, sizeof(p));
	goto out;
truncated:
	rc = px_error_set(PX_EINVAL,
	    "tlog-proof ends before the blank line and the checkpoint");
out:
	px_tlog_proof_dispose(&p);
	return rc;
}

int
px_tlog_proof_format(struct px_buf *out, const struct px_tlog_proof *p)
{
	size_t start = out->len;
	int rc;

	if (p->n > PX_MERKLE_MAX_PROOF || (p->n && p->hashes == NULL) ||
	    (p->extra_len && p->extra == NULL) || p->checkpoint == NULL)
		return px_error_set(PX_EINVAL, "incomplete tlog-proof");
	if ((rc = checkpoint_note_check(p->checkpoint, p->checkpoint_len)) <
	    0) {
		px_error_prefix("tlog-proof checkpoint");
		return rc;
	}
	if ((rc = px_buf_adds(out, PX_TLOG_PROOF_HEADER "\n")) < 0)
		goto out;
	if (p->extra_len) {
		char *b64 = px_b64_encode(p->extra, p->extra_len);

		rc = px_buf_printf(out, "extra %s\n", b64);
		free(b64);
		if (rc < 0)
			goto out;
	}
	if ((rc = px_buf_printf(
	         out, "index %llu\n", (unsigned long long)p->index)) < 0)
		goto out;
	for (size_t i = 0; i < p->n; i++) {
		char *b64 = px_b64_encode(p->hashes[i], 32);

		rc = px_buf_printf(out, "%s\n", b64);
		free(b64);
		if (rc < 0)
			goto out;
	}
	if ((rc = px_buf_addc(out, '\n')) < 0)
		goto out;
	rc = px_buf_add(out, p->checkpoint, p->checkpoint_len);
out:
	if (rc < 0 && out->data) {
		/* Leave out as it was, like a single failed append. */
		out->len = start;
		out->data[start] = '\0';
	}
	return rc;
}

int
px_tlog_proof_verify(const struct px_tlog_proof *p, const void *entry,
    size_t entry_len, const struct px_vkey *keys, size_t nkeys)
{
	uint64_t verified;

	return px_tlog_proof_verify_keys(
	    p, entry, entry_len, keys, nkeys, &verified);
}

int
px_tlog_proof_verify_keys(const struct px_tlog_proof *p, const void *entry,
    size_t entry_len, const struct px_vkey *keys, size_t nkeys,
    uint64_t *verified)
{
	struct px_note note = { 0 };
	struct px_checkpoint cp = { 0 };
	struct px_vkey log_keys[64];
	size_t log_idx[64], nlog = 0;
	uint64_t mask = 0, m = 0, ts;
	uint8_t leaf[32];
	bool origin_key = false, origin_signed = false;
	int rc;

	*verified = 0;
	if (nkeys > 64)
		return px_error_set(PX_EINVAL,
		    "at most 64 keys per verification, not %zu", nkeys);
	if (p->checkpoint == NULL)
		return px_error_set(PX_EINVAL, "tlog-proof has no checkpoint");
	if ((rc = px_note_parse(&note, p->checkpoint, p->checkpoint_len)) < 0 ||
	    (rc = px_checkpoint_parse(&cp, note.text, note.text_len)) < 0) {
		px_error_prefix("tlog-proof checkpoint");
		goto out;
	}
	for (size_t k = 0; k < nkeys; k++) {
		if (keys[k].type == PX_NOTE_ED25519) {
			log_idx[nlog] = k;
			log_keys[nlog++] = keys[k];
			origin_key |= strcmp(keys[k].name, cp.origin) == 0;
		} else if (keys[k].type != PX_NOTE_COSIG) {
			rc = px_error_set(PX_EINVAL,
			    "key %s+%08x has unsupported type 0x%02x",
			    keys[k].name, keys[k].id, keys[k].type);
			goto out;
		}
	}
	if (!origin_key) {
		rc = px_error_set(PX_EINVAL,
		    "no Ed25519 key named after the checkpoint's origin '%s' "
		    "was given",
		    cp.origin);
		goto out;
	}
	if ((rc = px_note_verify(&note, log_keys, nlog, &m)) < 0) {
		px_error_prefix("checkpoint of %s", cp.origin);
		goto out;
	}
	for (size_t j = 0; j < nlog; j++)
		if (m >> j & 1) {
			mask |= (uint64_t)1 << log_idx[j];
			origin_signed |=
			    strcmp(log_keys[j].name, cp.origin) == 0;
		}
	if (!origin_signed) {
		rc = px_error_set(PX_EINVAL,
		    "the checkpoint is not signed by the log '%s' itself",
		    cp.origin);
		goto out;
	}
	/* Cosignatures by the witnesses we were given must all hold; any
	 * others are ignored like unknown note signatures. */
	for (size_t k = 0; k < nkeys; k++) {
		if (keys[k].type != PX_NOTE_COSIG)
			continue;
		for (size_t i = 0; i < note.nsigs; i++) {
			if (note.sigs[i].id != keys[k].id ||
			    strcmp(note.sigs[i].name, keys[k].name) != 0)
				continue;
			if ((rc = px_cosig_verify(
			         &note.sigs[i], &keys[k], note.text, &ts)) < 0)
				goto out;
			mask |= (uint64_t)1 << k;
		}
	}
	px_merkle_leaf_hash(leaf, entry, entry_len);
	if ((rc = px_merkle_verify_inclusion(leaf, p->index, cp.size,
	         (const uint8_t(*)[32])p->hashes, p->n, cp.root)) < 0) {
		px_error_prefix(
		    "entry at index %llu", (unsigned long long)p->index);
		goto out;
	}
	*verified = mask;
out:
	px_checkpoint_dispose(&cp);
	px_note_dispose(&note);
	return rc;
}
