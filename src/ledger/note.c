/*
 * C2SP signed notes.
 *
 * The format is small, but two readings of one note must never differ: a
 * checkpoint that one party reads as signed and the other as unsigned is
 * a dispute the log was built to prevent.  So the parser accepts exactly
 * what px_note_sign and px_note_sig_line write: canonical base64 (no
 * spare bits, padding required), a single blank line, names checked the
 * way Go's golang.org/x/mod/sumdb/note checks them.  It is stricter than
 * Go on two points, both documented in docs/ledger.md: base64 must be
 * canonical, and the body may not end in an empty line (which would make
 * the separator two blank lines).
 *
 * Verification follows the spec's trust rule: a line whose (name, key ID)
 * match a configured key must verify or the whole note is refused; lines
 * from keys we do not know are ignored, so peers may add witnesses freely.
 */
#include <nettle/sha2.h>

#include "ledger/note.h"
#include "util/util.h"

#define EM_DASH_SP     "\xe2\x80\x94 "
#define EM_DASH_SP_LEN 4

/*
 * Decodes the UTF-8 sequence at s (n > 0 bytes available) into *cp and
 * returns its length, or 0 if it is not the shortest encoding of a scalar
 * value (no overlongs, no surrogates, nothing above U+10FFFF).
 */
static size_t
utf8_next(const uint8_t *s, size_t n, uint32_t *cp)
{
	uint8_t c = s[0];
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xc2)
		return 0; /* stray continuation byte, or overlong */
	len = c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0;
	if (len == 0 || n < len)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
		return 0;
	if (len == 2)
		*cp = (uint32_t)(c & 0x1f) << 6 | (s[1] & 0x3f);
	else if (len == 3)
		*cp = (uint32_t)(c & 0x0f) << 12 |
		    (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
	else
		*cp = (uint32_t)(c & 0x07) << 18 |
		    (uint32_t)(s[1] & 0x3f) << 12 |
		    (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
	return len;
}

/* Unicode White_Space (what Go's unicode.IsSpace reports), which key names
 * may not contain. */
static bool
is_space(uint32_t cp)
{
	return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 ||
	    cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
	    cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f ||
	    cp == 0x3000;
}

int
px_note_text_check(const char *s, size_t len, const char *what)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t i = 0, k;
	uint32_t cp;

	while (i < len) {
		if ((k = utf8_next(u + i, len - i, &cp)) == 0)
			return px_error_set(PX_EINVAL,
			    "%s is not valid UTF-8 at byte %zu", what, i);
		if (cp < 0x20 && cp != '\n')
			return px_error_set(PX_EINVAL,
			    "%s has control character 0x%02x at byte %zu", what,
			    (unsigned)cp, i);
		i += k;
	}
	return 0;
}

static bool
name_valid_n(const char *s, size_t len)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t i = 0, k;
	uint32_t cp;

	if (len == 0 || len > PX_NOTE_MAX_NAME)
		return false;
	while (i < len) {
		if ((k = utf8_next(u + i, len - i, &cp)) == 0)
			return false;
		if (cp < 0x20 || cp == '+' || is_space(cp))
			return false;
		i += k;
	}
	return true;
}

bool
px_note_name_valid(const char *name)
{
	return name != NULL && name_valid_n(name, strlen(name));
}

uint32_t
px_note_key_id(const char *name, uint8_t type, const uint8_t pk[32])
{
	static const uint8_t nl = '\n';
	struct sha256_ctx c;
	uint8_t h[32];

	sha256_init(&c);
	sha256_update(&c, strlen(name), (const uint8_t *)name);
	sha256_update(&c, 1, &nl);
	sha256_update(&c, 1, &type);
	sha256_update(&c, 32, pk);
	sha256_digest(&c, 32, h);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
	    (uint32_t)h[2] << 8 | h[3];
}

int
px_vkey_parse(struct px_vkey *out, const char *s)
{
	const char *plus, *hex, *b64;
	uint8_t raw[33];
	size_t name_len, n = 0;
	uint32_t id = 0;
	struct px_vkey k;

	memset(out, 0, sizeof(*out));
	if (s == NULL || (plus = strchr(s, '+')) == NULL)
		return px_error_set(PX_EINVAL,
		    "verifier key '%.80s' is not <name>+<key ID>+<key>",
		    s ? s : "(none)");
	name_len = (size_t)(plus - s);
	if (!name_valid_n(s, name_len))
		return px_error_set(PX_EINVAL,
		    "verifier key '%.80s' has no valid key name (1 to 255 "
		    "bytes, no spaces or '+')",
		    s);
	hex = plus + 1;
	for (int i = 0; i < 8; i++) {
		int d = px_hex_digit(hex[i]);

		/* Lowercase only: one key, one text. */
		if (d < 0 || (hex[i] >= 'A' && hex[i] <= 'F'))
			return px_error_set(PX_EINVAL,
			    "verifier key '%.80s': the key ID must be 8 "
			    "lowercase hex digits",
			    s);
		id = id << 4 | (uint32_t)d;
	}
	if (hex[8] != '+')
		return px_error_set(PX_EINVAL,
		    "verifier key '%.80s' is not <name>+<key ID>+<key>", s);
	b64 = hex + 9;
	if (px_b64_decode(raw, sizeof(raw), &n, b64) < 0 || n != sizeof(raw))
		return px_error_set(PX_EINVAL,
		    "verifier key '%.80s': the key must be base64 of a type "
		    "byte and a 32-byte public key",
		    s);
	if (raw[0] != PX_NOTE_ED25519 && raw[0] != PX_NOTE_COSIG)
		return px_error_set(PX_EINVAL,
		    "verifier key '%.80s' has type 0x%02x; expected 0x01 "
		    "(Ed25519) or 0x04 (cosignature/v1)",
		    s, raw[0]);
	memset(&k, 0, sizeof(k));
	memcpy(k.name, s, name_len);
	k.type = raw[0];
	memcpy(k.pk, raw + 1, 32);
	k.id = px_note_key_id(k.name, k.type, k.pk);
	if (k.id != id)
		return px_error_set(PX_EINVAL,
		    "verifier key '%.80s': key ID %08x is not the one its "
		    "name and key give (%08x)",
		    s, id, k.id);
	*out = k;
	return 0;
}

char *
px_vkey_format(const char *name, uint8_t type, const uint8_t pk[32])
{
	uint8_t raw[33];
	char *b64, *s;

	if (!px_note_name_valid(name)) {
		px_error_set(PX_EINVAL, "'%.80s' is not a valid key name",
		    name ? name : "(none)");
		return NULL;
	}
	raw[0] = type;
	memcpy(raw + 1, pk, 32);
	b64 = px_b64_encode(raw, sizeof(raw));
	s = px_asprintf(
	    "%s+%08x+%s", name, px_note_key_id(name, type, pk), b64);
	free(b64);
	return s;
}

void
px_note_dispose(struct px_note *n)
{
	free(n->text);
	free(n->sigs);
	memset(n, 0, sizeof(*n));
}

/* Parses one signature line line[0..len) (no newline) into *sig. */
static int
parse_sig(struct px_note_sig *sig, const char *line, size_t len, size_t no)
{
	const char *name, *sp;
	size_t name_len, b64_len, n = 0;
	uint8_t *raw = NULL;
	char *b64 = NULL;
	int rc = 0;

	if (len < EM_DASH_SP_LEN ||
	    memcmp(line, EM_DASH_SP, EM_DASH_SP_LEN) != 0) {
		rc = px_error_set(PX_EINVAL,
		    "signature line %zu does not start with an em dash "
		    "(U+2014) and a space",
		    no);
		goto out;
	}
	name = line + EM_DASH_SP_LEN;
	sp = memchr(name, ' ', len - EM_DASH_SP_LEN);
	if (sp == NULL) {
		rc = px_error_set(PX_EINVAL,
		    "signature line %zu is not '— <name> <signature>'", no);
		goto out;
	}
	name_len = (size_t)(sp - name);
	if (!name_valid_n(name, name_len)) {
		rc = px_error_set(PX_EINVAL,
		    "signature line %zu has no valid key name (1 to 255 "
		    "bytes, no spaces or '+')",
		    no);
		goto out;
	}
	b64_len = len - EM_DASH_SP_LEN - name_len - 1;
	b64 = px_strndup(sp + 1, b64_len);
	raw = px_malloc(b64_len / 4 * 3 + 3);
	if (b64_len == 0 ||
	    px_b64_decode(raw, b64_len / 4 * 3 + 3, &n, b64) < 0 || n < 5) {
		rc = px_error_set(PX_EINVAL,
		    "signature line %zu: the signature is not canonical "
		    "base64 of a key ID and signature bytes",
		    no);
		goto out;
	}
	memset(sig, 0, sizeof(*sig));
	memcpy(sig->name, name, name_len);
	sig->id = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 |
	    (uint32_t)raw[2] << 8 | raw[3];
	if (n - 4 > sizeof(sig->payload)) {
		sig->oversize = true;
	} else {
		sig->len = n - 4;
		memcpy(sig->payload, raw + 4, sig->len);
	}
out:
	free(b64);
	free(raw);
	return rc;
}

int
px_note_parse(struct px_note *out, const char *data, size_t len)
{
	struct px_note n = { 0 };
	size_t pos, start, count = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > PX_NOTE_MAX_BYTES)
		return px_error_set(PX_ETOOBIG,
		    "note of %zu bytes is over the limit of %d", len,
		    PX_NOTE_MAX_BYTES);
	if ((rc = px_note_text_check(data, len, "note")) < 0)
		return rc;
	/* The body ends at the LAST blank line (signed-note), so a body may
	 * hold empty lines but signature lines never do. */
	for (pos = len; pos >= 2; pos--)
		if (data[pos - 2] == '\n' && data[pos - 1] == '\n')
			break;
	if (pos < 2)
		return px_error_set(PX_EINVAL,
		    "note has no blank line between its text and signatures");
	pos -= 2; /* data[pos] is the body's final \n */
	if (pos == 0)
		return px_error_set(PX_EINVAL, "note text is empty");
	start = pos + 2;
	if (start == len)
		return px_error_set(PX_EINVAL, "note has no signature lines");
	if (data[pos - 1] == '\n')
		return px_error_set(PX_EINVAL,
		    "note has more than one blank line before its signatures");
	if (data[len - 1] != '\n')
		return px_error_set(PX_EINVAL,
		    "the note's last signature line does not end in a newline");
	for (size_t i = start; i < len; i++)
		count += data[i] == '\n';
	if (count > PX_NOTE_MAX_SIGS)
		return px_error_set(PX_EINVAL,
		    "note has %zu signatures; at most %d are accepted", count,
		    PX_NOTE_MAX_SIGS);
	n.sigs = px_calloc(count, sizeof(*n.sigs));
	for (size_t i = start; i < len; n.nsigs++) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t line_len = (size_t)(nl - (data + i));

		if ((rc = parse_sig(&n.sigs[n.nsigs], data + i, line_len,
		         n.nsigs + 1)) < 0)
			goto out;
		i += line_len + 1;
	}
	n.text = px_strndup(data, pos + 1);
	n.text_len = pos + 1;
	*out = n;
	memset(&n, 0, sizeof(n));
out:
	px_note_dispose(&n);
	return rc;
}

int
px_note_sig_line(struct px_buf *out, const char *name, uint32_t id,
    const uint8_t *payload, size_t len)
{
	uint8_t *raw = px_malloc(4 + len);
	char *b64;
	int rc;

	raw[0] = (uint8_t)(id >> 24);
	raw[1] = (uint8_t)(id >> 16);
	raw[2] = (uint8_t)(id >> 8);
	raw[3] = (uint8_t)id;
	if (len)
		memcpy(raw + 4, payload, len);
	b64 = px_b64_encode(raw, 4 + len);
	/* One printf: px_buf grows first or fails, so out is unchanged on
	 * failure. */
	rc = px_buf_printf(out, EM_DASH_SP "%s %s\n", name, b64);
	free(b64);
	free(raw);
	return rc;
}

/* Checks that text is a body px_note_parse would give back. */
static int
body_check(const char *text)
{
	size_t len;
	int rc;

	if (text == NULL)
		return px_error_set(PX_EINVAL, "no note text");
	len = strlen(text);
	if ((rc = px_note_text_check(text, len, "note text")) < 0)
		return rc;
	if (len < 2 || text[len - 1] != '\n' || text[len - 2] == '\n')
		return px_error_set(PX_EINVAL,
		    "note text must end in a non-empty line and a newline");
	return 0;
}

int
px_note_sign(struct px_buf *out, const char *name, const struct px_key *k,
    const char *text)
{
	uint8_t sig[PX_SIG_LEN];
	int rc;

	if (!px_note_name_valid(name))
		return px_error_set(PX_EINVAL,
		    "'%.80s' is not a valid key name (1 to 255 bytes, no "
		    "spaces or '+')",
		    name ? name : "(none)");
	if ((rc = body_check(text)) < 0)
		return rc;
	px_sign(sig, k, text, strlen(text));
	return px_note_sig_line(out, name,
	    px_note_key_id(name, PX_NOTE_ED25519, k->pk), sig, sizeof(sig));
}

int
px_note_verify(const struct px_note *n, const struct px_vkey *keys,
    size_t nkeys, uint64_t *verified)
{
	uint64_t mask = 0;

	*verified = 0;
	if (nkeys > 64)
		return px_error_set(PX_EINVAL,
		    "at most 64 keys per verification, not %zu", nkeys);
	for (size_t k = 0; k < nkeys; k++)
		if (keys[k].type != PX_NOTE_ED25519)
			return px_error_set(PX_EINVAL,
			    "key %s+%08x has type 0x%02x; notes are verified "
			    "with Ed25519 (0x01) keys, cosignatures with "
			    "px_cosig_verify",
			    keys[k].name, keys[k].id, keys[k].type);
	for (size_t i = 0; i < n->nsigs; i++) {
		const struct px_note_sig *s = &n->sigs[i];

		for (size_t k = 0; k < nkeys; k++) {
			if (s->id != keys[k].id ||
			    strcmp(s->name, keys[k].name) != 0)
				continue;
			if (s->oversize || s->len != PX_SIG_LEN ||
			    px_verify(keys[k].pk, s->payload, n->text,
			        n->text_len) < 0)
				return px_error_set(PX_EINVAL,
				    "the signature by key %s+%08x does not "
				    "verify",
				    keys[k].name, keys[k].id);
			mask |= (uint64_t)1 << k;
		}
	}
	if (mask == 0)
		return px_error_set(PX_EINVAL,
		    "note has no signature by any of the %zu keys given%s%s",
		    nkeys, nkeys ? ", e.g. " : "", nkeys ? keys[0].name : "");
	*verified = mask;
	return 0;
}
