/*
 * Evidence manifests and custody events (evidence.h).
 *
 * The manifest is checked strictly, like every signed thing: unknown
 * members are refused and every value has one spelling, so two
 * implementations agree on the item's hash.  The rules of who may sign
 * which event when are case rules: a sender refuses to sign against
 * them, a receiver keeps the message with no effect (docs/protocol.md,
 * "Case rules").
 */
#include "crypto/sign.h"
#include "ledger/merkle.h"
#include "model/canon.h"
#include "model/case.h"
#include "model/evidence.h"
#include "model/message.h"
#include "util/util.h"

const struct px_name px_ev_event_names[PX_EV__N] = {
	{ "acquired", "acquired" },
	{ "offered", "offered" },
	{ "accepted", "offer accepted" },
	{ "declined", "offer declined" },
	{ "transferred", "transferred" },
	{ "received", "received" },
	{ "accessed", "accessed" },
	{ "exported", "exported" },
	{ "sealed", "sealed" },
	{ "released", "released to a third party" },
	{ "destroyed", "destroyed" },
};

const struct px_name px_ev_status_names[PX_EVS__N] = {
	{ "accepted", "accepted: every chunk and the root verified" },
	{ "rejected", "rejected" },
	{ "incomplete", "incomplete: not every chunk arrived" },
	{ "quarantined", "quarantined: verified, held apart" },
};

const struct px_name px_legal_basis_names[] = {
	{ "warrant", "search warrant" },
	{ "court-order", "court order" },
	{ "production-order", "production order" },
	{ "preservation-order", "preservation order" },
	{ "mla-request", "mutual legal assistance request" },
	{ "statutory", "statutory power" },
	{ "consent", "consent of the owner" },
	{ "voluntary", "voluntary disclosure" },
	{ "own-systems", "the party's own systems" },
	{ "other", "other" },
};
const size_t px_legal_basis_n = PX_ARRAY_LEN(px_legal_basis_names);

const char *const px_ev_round_names[] = { "none", "offered", "accepted",
	"declined", "done" };

int64_t
px_ev_chunk_count(int64_t size)
{
	return size <= 0 ? 0 : (size + PX_EV_CHUNK - 1) / PX_EV_CHUNK;
}

/* RFC 9162's MTH, folded with a stack of complete subtrees: the left
 * part of every split is a complete subtree, so merging equal-sized
 * neighbours as leaves arrive, then the rest right to left, is MTH. */
void
px_ev_root(uint8_t out[32], const uint8_t (*digests)[32], size_t n)
{
	uint8_t st[64][32];
	size_t sz[64], k = 0;

	if (n == 0) {
		px_sha256(out, "", 0);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		px_merkle_leaf_hash(st[k], digests[i], 32);
		sz[k++] = 1;
		while (k >= 2 && sz[k - 1] == sz[k - 2]) {
			px_merkle_node_hash(st[k - 2], st[k - 2], st[k - 1]);
			sz[k - 2] *= 2;
			k--;
		}
	}
	while (k >= 2) {
		px_merkle_node_hash(st[k - 2], st[k - 2], st[k - 1]);
		k--;
	}
	memcpy(out, st[0], 32);
}

static int
hex_of(const json_t *o, const char *key, size_t len, bool required,
    const char *what)
{
	const char *s;
	int rc;

	if ((rc = px_j_str_opt(&s, o, key, len, what)) < 0)
		return rc;
	if (s == NULL)
		return required
		    ? px_error_set(PX_EINVAL, "%s: '%s' is missing", what, key)
		    : 0;
	if (strlen(s) != len)
		goto bad;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'a' && s[i] <= 'f')))
			goto bad;
	return 0;
bad:
	return px_error_set(PX_EINVAL,
	    "%s: '%s' must be %zu lowercase hex digits", what, key, len);
}

/* A one-line printable string of at most `max` bytes (required unless
 * `opt`). */
static int
line_of(const char **out, const json_t *o, const char *key, size_t max,
    bool opt, const char *what)
{
	const char *s;
	char w[96];
	int rc;

	rc = opt ? px_j_str_opt(&s, o, key, max, what)
	         : px_j_str(&s, o, key, max, what);
	if (rc < 0)
		return rc;
	snprintf(w, sizeof(w), "%s: '%s'", what, key);
	if (s && (rc = px_check_printable(s, false, w)) < 0)
		return rc;
	if (out)
		*out = s;
	return 0;
}

static int
check_media_type(const char *s, const char *what)
{
	const char *slash = strchr(s, '/');

	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		        strchr("/!#$&^_.+-", *p)))
			goto bad;
	if (slash == NULL || slash == s || slash[1] == '\0' ||
	    strchr(slash + 1, '/'))
		goto bad;
	return 0;
bad:
	return px_error_set(PX_EINVAL,
	    "%s: media_type '%s' is not a lowercase type/subtype such as "
	    "application/vnd.tcpdump.pcap",
	    what, s);
}

static int
check_acquisition(const json_t *a, const char *what)
{
	static const char *const mem[] = { "method", "tool", "operator", "time",
		"place", NULL };
	static const char *const tmem[] = { "name", "version", "args", NULL };
	const json_t *t = json_object_get(a, "tool");
	const char *s;
	int64_t ms;
	int rc;

	if (!json_is_object(a))
		return px_error_set(PX_EINVAL,
		    "%s: 'acquisition' must be an object (method, tool, "
		    "operator, time, place)",
		    what);
	if ((rc = px_j_only(a, mem, "acquisition")) < 0 ||
	    (rc = line_of(NULL, a, "method", 200, false, "acquisition")) < 0 ||
	    (rc = line_of(NULL, a, "operator", 200, false, "acquisition")) <
	        0 ||
	    (rc = line_of(NULL, a, "place", 200, false, "acquisition")) < 0 ||
	    (rc = px_j_time(&ms, a, "time", "acquisition")) < 0)
		return rc;
	if (!json_is_object(t))
		return px_error_set(PX_EINVAL,
		    "acquisition: 'tool' must be an object (name, version, "
		    "args)");
	if ((rc = px_j_only(t, tmem, "acquisition tool")) < 0 ||
	    (rc = line_of(NULL, t, "name", 100, false, "acquisition tool")) <
	        0 ||
	    (rc = line_of(NULL, t, "version", 100, false, "acquisition tool")) <
	        0 ||
	    (rc = px_j_str_opt(&s, t, "args", 4096, "acquisition tool")) < 0 ||
	    (s &&
	        (rc = px_check_printable(
	             s, false, "acquisition tool: 'args'")) < 0))
		return rc;
	return 0;
}

static int
check_hashes(const json_t *h, const char *what)
{
	static const char *const mem[] = { "sha256", "sha512", "sha1", "md5",
		NULL };
	int rc;

	if (!json_is_object(h))
		return px_error_set(PX_EINVAL,
		    "%s: 'hashes' must be an object with at least sha256",
		    what);
	if ((rc = px_j_only(h, mem, "hashes")) < 0 ||
	    (rc = hex_of(h, "sha256", 64, true, "hashes")) < 0 ||
	    (rc = hex_of(h, "sha512", 128, false, "hashes")) < 0 ||
	    (rc = hex_of(h, "sha1", 40, false, "hashes")) < 0 ||
	    (rc = hex_of(h, "md5", 32, false, "hashes")) < 0)
		return rc;
	return 0;
}

static int
check_derived(const json_t *a, const char *what)
{
	const json_t *v;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) > 64)
		return px_error_set(PX_EINVAL,
		    "%s: 'derived_from' must be an array of at most 64 item "
		    "hashes",
		    what);
	json_array_foreach(a, i, v)
	{
		json_t *w = json_pack("{sO}", "h", v);
		char h[PX_HASH_HEX];
		int rc = px_j_hash(h, w, "h", "derived_from");

		json_decref(w);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
px_manifest_parse(struct px_manifest *out, const json_t *m, const char *what)
{
	static const char *const mem[] = { "v", "nonce", "exhibit",
		"root_exhibit", "derived_from", "name", "description",
		"acquisition", "legal_basis", "size", "media_type", "tlp",
		"hashes", "chunk_size", "chunks", "root", NULL };
	static const char *const lmem[] = { "type", "reference", NULL };
	const json_t *lb = json_object_get(m, "legal_basis");
	struct px_buf b;
	uint8_t h[32];
	const char *s;
	int64_t v;
	int x, rc;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(m))
		return px_error_set(
		    PX_EINVAL, "%s: the manifest must be an object", what);
	if ((rc = px_j_only(m, mem, what)) < 0 ||
	    (rc = px_j_int(&v, m, "v", 1, 1, what)) < 0 ||
	    (rc = hex_of(m, "nonce", 32, true, what)) < 0 ||
	    (rc = line_of(&out->exhibit, m, "exhibit", 64, false, what)) < 0 ||
	    (rc = line_of(NULL, m, "root_exhibit", 64, true, what)) < 0 ||
	    (rc = line_of(&out->name, m, "name", 255, true, what)) < 0 ||
	    (rc = px_j_str_opt(&s, m, "description", 4096, what)) < 0 ||
	    (s &&
	        (rc = px_check_printable(s, true, "manifest description")) <
	            0) ||
	    (rc = check_acquisition(json_object_get(m, "acquisition"), what)) <
	        0 ||
	    (rc = px_j_int(&out->size, m, "size", 0, PX_EV_MAX_SIZE, what)) <
	        0 ||
	    (rc = px_j_str(&out->media_type, m, "media_type", 127, what)) < 0 ||
	    (rc = check_media_type(out->media_type, what)) < 0 ||
	    (rc = px_j_enum(&x, m, "tlp", px_tlp_names, PX_TLP__N, what)) < 0 ||
	    (rc = check_hashes(json_object_get(m, "hashes"), what)) < 0 ||
	    (rc = px_j_int(
	         &v, m, "chunk_size", PX_EV_CHUNK, PX_EV_CHUNK, what)) < 0 ||
	    (rc = px_j_int(
	         &out->chunks, m, "chunks", 0, PX_EV_MAX_SIZE, what)) < 0 ||
	    (rc = px_j_hash(out->root, m, "root", what)) < 0)
		return rc;
	out->tlp = (enum px_tlp)x;
	if (out->name &&
	    (strchr(out->name, '/') || strcmp(out->name, ".") == 0 ||
	        strcmp(out->name, "..") == 0))
		return px_error_set(PX_EINVAL,
		    "%s: 'name' is a file name, without '/' (not '%s')", what,
		    out->name);
	if (json_object_get(m, "derived_from") &&
	    (rc = check_derived(json_object_get(m, "derived_from"), what)) < 0)
		return rc;
	if (!json_is_object(lb))
		return px_error_set(PX_EINVAL,
		    "%s: 'legal_basis' must be an object (type, reference)",
		    what);
	if ((rc = px_j_only(lb, lmem, "legal_basis")) < 0 ||
	    (rc = px_j_enum(&x, lb, "type", px_legal_basis_names,
	         px_legal_basis_n, "legal_basis")) < 0 ||
	    (rc = line_of(NULL, lb, "reference", 500, false, "legal_basis")) <
	        0)
		return rc;
	if (out->chunks != px_ev_chunk_count(out->size))
		return px_error_set(PX_EINVAL,
		    "%s: %lld bytes make %lld chunks of %u bytes, not %lld",
		    what, (long long)out->size,
		    (long long)px_ev_chunk_count(out->size), PX_EV_CHUNK,
		    (long long)out->chunks);
	snprintf(out->sha256, sizeof(out->sha256), "%s",
	    json_string_value(
	        json_object_get(json_object_get(m, "hashes"), "sha256")));
	px_buf_init(&b, PX_BUF_NOCAP);
	if ((rc = px_signed_bytes(&b, "manifest", m)) == 0) {
		px_sha256(h, b.data, b.len);
		px_hex_encode(out->item, h, 32);
	}
	px_buf_dispose(&b);
	out->obj = m;
	return rc;
}

size_t
px_ev_frame_header(
    char *out, const char *item, int64_t index, size_t len, const char *sha256)
{
	int k = snprintf(out, PX_EV_FRAME_MAX_HEADER,
	    "PXCHUNK1 %s %lld %zu %s\n", item, (long long)index, len, sha256);

	return k > 0 ? (size_t)k : 0;
}

/* A decimal number without sign or leading zeros, ending at `stop`;
 * *p moves past it. */
static int
frame_num(
    int64_t *out, const char **p, const char *end, char stop, const char *what)
{
	const char *s = *p;
	int64_t v = 0;

	if (s >= end || *s < '0' || *s > '9' ||
	    (*s == '0' && s + 1 < end && s[1] != stop))
		goto bad;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (v > (PX_EV_MAX_SIZE - (*s - '0')) / 10)
			goto bad;
		v = v * 10 + (*s - '0');
	}
	if (s >= end || *s != stop)
		goto bad;
	*out = v;
	*p = s + 1;
	return 0;
bad:
	return px_error_set(PX_EINVAL,
	    "chunk frame: the %s is not a decimal number followed by '%s'",
	    what, stop == ' ' ? "a space" : "a newline");
}

static int
frame_hex(
    char *out, const char **p, const char *end, char stop, const char *what)
{
	const char *s = *p;

	if (end - s < 65)
		goto bad;
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'a' && s[i] <= 'f')))
			goto bad;
	if (s[64] != stop)
		goto bad;
	memcpy(out, s, 64);
	out[64] = '\0';
	*p = s + 65;
	return 0;
bad:
	return px_error_set(PX_EINVAL,
	    "chunk frame: the %s is not 64 lowercase hex digits followed by "
	    "'%s'",
	    what, stop == ' ' ? "a space" : "a newline");
}

int
px_ev_frame_parse(struct px_ev_frame *out, const void *buf, size_t len)
{
	const char *p = buf, *end = p + len;
	int64_t v;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len < 9 || memcmp(p, "PXCHUNK1 ", 9) != 0)
		return px_error_set(PX_EINVAL,
		    "not a chunk frame (it starts with \"PXCHUNK1 \")");
	p += 9;
	if (end - p > PX_EV_FRAME_MAX_HEADER)
		end = p + PX_EV_FRAME_MAX_HEADER;
	if ((rc = frame_hex(out->item, &p, end, ' ', "item")) < 0 ||
	    (rc = frame_num(&out->index, &p, end, ' ', "index")) < 0 ||
	    (rc = frame_num(&v, &p, end, ' ', "length")) < 0 ||
	    (rc = frame_hex(out->sha256, &p, end, '\n', "digest")) < 0)
		return rc;
	if (v > PX_EV_CHUNK)
		return px_error_set(PX_EINVAL,
		    "chunk frame: length %lld is over the chunk size %u",
		    (long long)v, PX_EV_CHUNK);
	out->len = (size_t)v;
	out->data = (const uint8_t *)p;
	if ((size_t)((const char *)buf + len - p) != out->len)
		return px_error_set(PX_EINVAL,
		    "chunk %lld is truncated or padded: its frame says %zu "
		    "bytes, %zu follow",
		    (long long)out->index, out->len,
		    (size_t)((const char *)buf + len - p));
	return 0;
}

/* The members each event takes, beyond event, item, by, why, text. */
struct ev_shape {
	bool manifest; /* required */
	int before;    /* 0 absent, 1 optional, 2 required */
	int after;
	bool policy, status, to, reason;
};

static const struct ev_shape shapes[PX_EV__N] = {
	[PX_EV_ACQUIRED] = { .manifest = true, .after = 2 },
	[PX_EV_OFFERED] = { .manifest = true, .before = 2, .after = 2 },
	[PX_EV_ACCEPTED] = { .policy = true },
	[PX_EV_DECLINED] = { .policy = true, .reason = true },
	[PX_EV_TRANSFERRED] = { .before = 2, .after = 2 },
	[PX_EV_RECEIVED] = { .before = 2,
	    .after = 1,
	    .status = true,
	    .reason = true },
	[PX_EV_ACCESSED] = { .before = 2, .after = 2 },
	[PX_EV_EXPORTED] = { .before = 2, .after = 2 },
	[PX_EV_SEALED] = { .before = 2, .after = 2 },
	[PX_EV_RELEASED] = { .before = 2, .after = 2, .to = true },
	[PX_EV_DESTROYED] = { .before = 2 },
};

static int
check_policy(const json_t *p)
{
	static const char *const mem[] = { "max_size", "media_types", "free",
		NULL };
	const json_t *mt = json_object_get(p, "media_types"), *v;
	int64_t x;
	size_t i;
	int rc;

	if ((rc = px_j_only(p, mem, "policy")) < 0 ||
	    (rc = px_j_int(&x, p, "max_size", 0, PX_JSON_MAX_INT, "policy")) <
	        0 ||
	    (rc = px_j_int(&x, p, "free", 0, PX_JSON_MAX_INT, "policy")) < 0)
		return rc;
	if (!json_is_array(mt) || json_array_size(mt) > 64)
		return px_error_set(PX_EINVAL,
		    "policy: 'media_types' must be an array of at most 64 "
		    "media types");
	json_array_foreach(mt, i, v)
	{
		const char *s = json_string_value(v);

		if (s == NULL || strlen(s) > 127)
			return px_error_set(PX_EINVAL,
			    "policy: media type %zu is not a string", i + 1);
		if (strcmp(s, "*") != 0 &&
		    (rc = check_media_type(s, "policy")) < 0)
			return rc;
	}
	return 0;
}

static int
check_hash_member(const json_t *b, const char *key, int want, int ev)
{
	char h[PX_HASH_HEX];
	const json_t *v = json_object_get(b, key);

	if (v == NULL && want == 2)
		return px_error_set(PX_EINVAL,
		    "evidence: a '%s' event names '%s' (the item's SHA-256)",
		    px_ev_event_names[ev].wire, key);
	if (v != NULL && want == 0)
		return px_error_set(PX_EINVAL,
		    "evidence: a '%s' event has no '%s'",
		    px_ev_event_names[ev].wire, key);
	return v ? px_j_hash(h, b, key, "evidence") : 0;
}

int
px_ev_body_check(const json_t *b)
{
	static const char *const mem[] = { "event", "item", "manifest",
		"hash_before", "hash_after", "by", "why", "to", "status",
		"reason", "policy", "chunks", "text", NULL };
	const struct ev_shape *sh;
	struct px_manifest man;
	char item[PX_HASH_HEX];
	const char *s;
	int64_t x;
	int ev, st, rc;

	if ((rc = px_j_only(b, mem, "body")) < 0 ||
	    (rc = px_j_enum(&ev, b, "event", px_ev_event_names, PX_EV__N,
	         "evidence")) < 0 ||
	    (rc = px_j_hash(item, b, "item", "evidence")) < 0)
		return rc;
	sh = &shapes[ev];
	if (!sh->manifest != !json_object_get(b, "manifest"))
		return px_error_set(PX_EINVAL,
		    sh->manifest ? "evidence: a '%s' event carries the "
		                   "item's manifest"
		                 : "evidence: a '%s' event has no manifest",
		    px_ev_event_names[ev].wire);
	if (sh->manifest) {
		if ((rc = px_manifest_parse(
		         &man, json_object_get(b, "manifest"), "manifest")) < 0)
			return rc;
		if (strcmp(man.item, item) != 0)
			return px_error_set(PX_EINVAL,
			    "evidence: 'item' is %.16s..., but the manifest's "
			    "hash is %.16s...",
			    item, man.item);
	}
	if ((rc = check_hash_member(b, "hash_before", sh->before, ev)) < 0 ||
	    (rc = check_hash_member(b, "hash_after", sh->after, ev)) < 0)
		return rc;
	if ((rc = line_of(NULL, b, "by", 200, true, "evidence")) < 0 ||
	    (rc = px_j_str_opt(&s, b, "why", 4096, "evidence")) < 0 ||
	    (s && (rc = px_check_printable(s, true, "evidence: 'why'")) < 0))
		return rc;
	if (sh->to != (json_object_get(b, "to") != NULL))
		return px_error_set(PX_EINVAL,
		    sh->to ? "evidence: a '%s' event names who it went 'to'"
		           : "evidence: a '%s' event has no 'to'",
		    px_ev_event_names[ev].wire);
	if (sh->to && (rc = line_of(NULL, b, "to", 253, false, "evidence")) < 0)
		return rc;
	if (sh->status != (json_object_get(b, "status") != NULL))
		return px_error_set(PX_EINVAL,
		    sh->status ? "evidence: a '%s' event has a 'status'"
		               : "evidence: a '%s' event has no 'status'",
		    px_ev_event_names[ev].wire);
	st = -1;
	if (sh->status &&
	    (rc = px_j_enum(&st, b, "status", px_ev_status_names, PX_EVS__N,
	         "evidence")) < 0)
		return rc;
	if (!sh->reason && json_object_get(b, "reason"))
		return px_error_set(PX_EINVAL,
		    "evidence: a '%s' event has no 'reason'",
		    px_ev_event_names[ev].wire);
	if ((rc = px_j_str_opt(&s, b, "reason", 1024, "evidence")) < 0 ||
	    (s && (rc = px_check_printable(s, true, "evidence: 'reason'")) < 0))
		return rc;
	/* A refusal says why; a receipt that is not a plain acceptance
	 * does too, and holds a copy only when verified. */
	if ((ev == PX_EV_DECLINED ||
	        (ev == PX_EV_RECEIVED && st != PX_EVS_ACCEPTED)) &&
	    (s == NULL || *s == '\0'))
		return px_error_set(PX_EINVAL,
		    "evidence: a '%s' event%s%s gives its 'reason'",
		    px_ev_event_names[ev].wire, st >= 0 ? " with status " : "",
		    st >= 0 ? px_ev_status_names[st].wire : "");
	if (ev == PX_EV_RECEIVED &&
	    (st == PX_EVS_ACCEPTED || st == PX_EVS_QUARANTINED) &&
	    !json_object_get(b, "hash_after"))
		return px_error_set(PX_EINVAL,
		    "evidence: a receipt with status %s names 'hash_after' "
		    "(the SHA-256 the receiver computed)",
		    px_ev_status_names[st].wire);
	if (json_object_get(b, "policy")) {
		if (!sh->policy)
			return px_error_set(PX_EINVAL,
			    "evidence: a '%s' event has no 'policy'",
			    px_ev_event_names[ev].wire);
		if ((rc = check_policy(json_object_get(b, "policy"))) < 0)
			return rc;
	}
	if (json_object_get(b, "chunks") &&
	    ((ev != PX_EV_RECEIVED &&
	         (rc = px_error_set(PX_EINVAL,
	              "evidence: only a receipt counts 'chunks'"))) ||
	        (rc = px_j_int(
	             &x, b, "chunks", 0, PX_EV_MAX_SIZE, "evidence")) < 0))
		return rc;
	if (json_object_get(b, "text") &&
	    (rc = px_check_text(json_object_get(b, "text"), "text")) < 0)
		return rc;
	return 0;
}

int
px_ev_event_of(const struct px_msg *m)
{
	if (m->type != PX_MSG_EVIDENCE)
		return -1;
	return PX_WIRE(px_ev_event_names,
	    json_string_value(json_object_get(m->body, "event")));
}

int
px_ev_party(const struct px_case *c, const char *node)
{
	if (c->requester && strcmp(node, c->requester) == 0)
		return 0;
	if (c->responder && strcmp(node, c->responder) == 0)
		return 1;
	return -1;
}

static struct px_ev_item *
item_of(const struct px_case *c, const char *hash)
{
	for (size_t i = 0; i < c->nev; i++)
		if (strcmp(c->ev[i].man.item, hash) == 0)
			return &c->ev[i];
	return NULL;
}

const struct px_ev_item *
px_ev_find(const struct px_case *c, const char *ref)
{
	const struct px_ev_item *hit = NULL;
	size_t n = ref ? strlen(ref) : 0;
	int count = 0;

	for (size_t i = 0; n && i < c->nev; i++) {
		const struct px_ev_item *it = &c->ev[i];
		bool match = strcmp(it->man.exhibit, ref) == 0 ||
		    (n >= 8 && n <= 64 &&
		        (strncmp(it->man.item, ref, n) == 0 ||
		            strncmp(it->man.root, ref, n) == 0));

		if (match && hit != it) {
			hit = it;
			count++;
		}
	}
	if (count == 1)
		return hit;
	if (count == 0)
		(void)px_error_set(PX_ENOTFOUND,
		    "case %s has no evidence item '%s' (give its exhibit "
		    "number or at least 8 hex digits of its hash)",
		    c->id, ref ? ref : "");
	else
		(void)px_error_set(PX_EINVAL,
		    "'%s' names %d evidence items of case %s; give more of "
		    "the hash",
		    ref, count, c->id);
	return NULL;
}

static const char *
hash_member(const struct px_msg *m, const char *k)
{
	return json_string_value(json_object_get(m->body, k));
}

/* True if a verification case's disclosure lists `item`. */
static bool
disclosed(const struct px_case *c, const char *item)
{
	const json_t *items = json_object_get(
	    json_object_get(c->msgs[0]->body, "disclosure"), "items");
	const json_t *v;
	size_t i;

	json_array_foreach(items, i, v) if (json_is_string(v) &&
	    strcmp(json_string_value(v), item) == 0) return true;
	return false;
}

const char *
px_ev_refusal(
    const struct px_case *c, const struct px_msg *m, char *buf, size_t n)
{
	const char *item = hash_member(m, "item");
	const struct px_ev_item *it = item_of(c, item);
	int ev = px_ev_event_of(m), who = px_ev_party(c, m->from);
	const char *name = ev >= 0 ? px_ev_event_names[ev].wire : "?";

	if (ev < 0 || who < 0) {
		snprintf(buf, n, "not an evidence event of a party");
		return buf;
	}
	if (c->kind == PX_KIND_CHECK || c->kind == PX_KIND_AGREEMENT) {
		snprintf(buf, n,
		    "a %s case carries no evidence; open a report or request",
		    px_kind_names[c->kind].wire);
		return buf;
	}
	switch (ev) {
	case PX_EV_ACQUIRED:
		if (it) {
			snprintf(buf, n,
			    "item %.16s... is already in case %s (exhibit %s)",
			    item, c->id, it->man.exhibit);
			return buf;
		}
		return NULL;
	case PX_EV_OFFERED:
		/* A verifier receives only what was disclosed to it. */
		if (c->kind == PX_KIND_VERIFICATION && !disclosed(c, item)) {
			snprintf(buf, n,
			    "item %.16s... is not among the items disclosed in "
			    "verification case %s",
			    item, c->id);
			return buf;
		}
		/* An item can come into a case by its offer: disclosed to
		 * a verifier, or acquired under another case. */
		if (it == NULL)
			return NULL;
		if (!it->holds[who]) {
			snprintf(buf, n,
			    "%s does not hold item %s in this case, so it "
			    "cannot offer it",
			    m->from, it->man.exhibit);
			return buf;
		}
		if (it->holds[!who]) {
			snprintf(buf, n,
			    "the other party already holds item %s",
			    it->man.exhibit);
			return buf;
		}
		if (it->round == PX_EVR_OFFERED ||
		    it->round == PX_EVR_ACCEPTED) {
			snprintf(buf, n,
			    "item %s is already offered (round %s); wait for "
			    "the receipt",
			    it->man.exhibit, px_ev_round_names[it->round]);
			return buf;
		}
		return NULL;
	default:
		break;
	}
	if (it == NULL) {
		snprintf(buf, n,
		    "item %.16s... is not in case %s: it must be acquired or "
		    "offered first",
		    item, c->id);
		return buf;
	}
	switch (ev) {
	case PX_EV_ACCEPTED:
	case PX_EV_DECLINED:
		if (it->round != PX_EVR_OFFERED) {
			snprintf(buf, n,
			    "item %s has no offer waiting for a decision",
			    it->man.exhibit);
			return buf;
		}
		if (strcmp(it->offerer, m->from) == 0) {
			snprintf(buf, n,
			    "%s offered item %s; only its receiver decides",
			    m->from, it->man.exhibit);
			return buf;
		}
		return NULL;
	case PX_EV_TRANSFERRED:
		if ((it->round != PX_EVR_ACCEPTED &&
		        it->round != PX_EVR_DONE) ||
		    it->transferred || strcmp(it->offerer, m->from) != 0) {
			snprintf(buf, n,
			    "item %s: only its offerer signs 'transferred', "
			    "once, after an accepted offer",
			    it->man.exhibit);
			return buf;
		}
		return NULL;
	case PX_EV_RECEIVED:
		if (it->round != PX_EVR_ACCEPTED ||
		    strcmp(it->offerer, m->from) == 0) {
			snprintf(buf, n,
			    "item %s: only the receiver of an accepted offer "
			    "signs a receipt, once",
			    it->man.exhibit);
			return buf;
		}
		return NULL;
	default:
		/* accessed, exported, sealed, released, destroyed */
		if (!it->holds[who]) {
			snprintf(buf, n,
			    "%s holds no copy of item %s (the record shows "
			    "none, or it was destroyed)",
			    m->from, it->man.exhibit);
			return buf;
		}
		if (it->sealed[who] && ev != PX_EV_RELEASED &&
		    ev != PX_EV_DESTROYED) {
			snprintf(buf, n,
			    "%s sealed its copy of item %s; a sealed copy is "
			    "only released or destroyed",
			    m->from, it->man.exhibit);
			return buf;
		}
		(void)name;
		return NULL;
	}
}

void
px_ev_apply(struct px_case *c, size_t idx)
{
	const struct px_msg *m = c->msgs[idx];
	const char *item = hash_member(m, "item");
	struct px_ev_item *it = item_of(c, item);
	int ev = px_ev_event_of(m), who = px_ev_party(c, m->from);
	const char *st;

	if (it == NULL) {
		/* acquired or offered: validated by px_msg_parse. */
		c->ev = px_realloc(c->ev, (c->nev + 1) * sizeof(*c->ev));
		it = &c->ev[c->nev++];
		memset(it, 0, sizeof(*it));
		it->status = -1;
		if (px_manifest_parse(&it->man,
		        json_object_get(m->body, "manifest"), "manifest") < 0) {
			c->nev--;
			return;
		}
	}
	it->events = px_realloc(it->events, (it->nevents + 1) * sizeof(size_t));
	it->events[it->nevents++] = idx;
	switch (ev) {
	case PX_EV_ACQUIRED:
		it->acquirer = m->from;
		it->holds[who] = true;
		break;
	case PX_EV_OFFERED:
		it->holds[who] = true;
		it->round = PX_EVR_OFFERED;
		it->offerer = m->from;
		it->status = -1;
		it->transferred = false;
		it->reason = NULL;
		break;
	case PX_EV_ACCEPTED:
		it->round = PX_EVR_ACCEPTED;
		break;
	case PX_EV_DECLINED:
		it->round = PX_EVR_DECLINED;
		it->reason =
		    json_string_value(json_object_get(m->body, "reason"));
		break;
	case PX_EV_TRANSFERRED:
		it->transferred = true;
		break;
	case PX_EV_RECEIVED:
		it->round = PX_EVR_DONE;
		st = json_string_value(json_object_get(m->body, "status"));
		it->status = PX_WIRE(px_ev_status_names, st);
		it->reason =
		    json_string_value(json_object_get(m->body, "reason"));
		if (it->status == PX_EVS_ACCEPTED ||
		    it->status == PX_EVS_QUARANTINED) {
			it->holds[who] = true;
			it->destroyed[who] = false;
			it->sealed[who] = false;
		}
		break;
	case PX_EV_SEALED:
		it->sealed[who] = true;
		break;
	case PX_EV_DESTROYED:
		it->holds[who] = false;
		it->destroyed[who] = true;
		break;
	default:
		break;
	}
}

const char *
px_ev_last_hash(const struct px_case *c, const struct px_ev_item *it, int who)
{
	for (size_t k = it->nevents; k-- > 0;) {
		const struct px_msg *m = c->msgs[it->events[k]];
		const char *h = hash_member(m, "hash_after");

		if (h && px_ev_party(c, m->from) == who)
			return h;
	}
	return it->man.sha256;
}

int
px_ev_chain_check(
    const struct px_case *c, const struct px_ev_item *it, char *why, size_t n)
{
	const char *last[2] = { NULL, NULL };

	for (size_t k = 0; k < it->nevents; k++) {
		const struct px_msg *m = c->msgs[it->events[k]];
		const char *b = hash_member(m, "hash_before");
		const char *a = hash_member(m, "hash_after");
		int who = px_ev_party(c, m->from), ev = px_ev_event_of(m);
		const char *want = last[who] ? last[who] : it->man.sha256;

		if (b && strcmp(b, want) != 0) {
			snprintf(why, n,
			    "event %zu (%s by %s, seq %lld): hash_before "
			    "%.16s... is not the %.16s... %s",
			    k + 1, px_ev_event_names[ev].wire, m->from,
			    (long long)m->seq, b, want,
			    last[who] ? "it attested before"
			              : "of the manifest");
			return -1;
		}
		if (a && strcmp(a, it->man.sha256) != 0) {
			snprintf(why, n,
			    "event %zu (%s by %s, seq %lld): hash_after "
			    "%.16s... differs from the manifest's SHA-256 "
			    "%.16s...: the copy changed",
			    k + 1, px_ev_event_names[ev].wire, m->from,
			    (long long)m->seq, a, it->man.sha256);
			return -1;
		}
		if (a)
			last[who] = a;
	}
	return 0;
}

void
px_ev_dispose(struct px_case *c)
{
	for (size_t i = 0; i < c->nev; i++)
		free(c->ev[i].events);
	free(c->ev);
	c->ev = NULL;
	c->nev = 0;
}
