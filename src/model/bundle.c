#include "model/bundle.h"
#include "model/canon.h"
#include "model/message.h"
#include "util/util.h"

int
px_receipt_new(struct px_receipt **out, const char *from, const char *to,
    const char *msg_hash, const char *case_id, int64_t seq, int64_t received_ms,
    int64_t index, const struct px_key *k)
{
	char tm[PX_TIME_STRLEN], hash[PX_HASH_HEX];
	json_t *o, *env = NULL;
	int rc;

	px_time_format(tm, received_ms);
	o = json_pack("{sisssssssssIsssI}", "v", 1, "from", from, "to", to,
	    "msg", msg_hash, "case", case_id, "seq", (json_int_t)seq,
	    "received", tm, "index", (json_int_t)index);
	/* Signing hashed the canonical bytes already: not again. */
	if ((rc = px_signed_wrap(&env, hash, "receipt", o, k)) == 0)
		rc = px_receipt_parse_known(out, env, hash, "new receipt");
	json_decref(o);
	json_decref(env);
	return rc;
}

int
px_receipt_parse_known(
    struct px_receipt **out, json_t *env, const char *hash, const char *what)
{
	static const char *const mem[] = { "v", "from", "to", "msg", "case",
		"seq", "received", "index", NULL };
	struct px_receipt *r = px_calloc(1, sizeof(*r));
	const json_t *o;
	const char *s;
	int64_t v;
	int rc;

	r->env = json_incref(env);
	if ((rc = hash ? px_signed_open_known(
	                     &o, r->hash, env, "receipt", hash, what)
	               : px_signed_open(
	                     &o, r->hash, env, "receipt", NULL, what)) < 0 ||
	    (rc = px_j_only(o, mem, what)) < 0 ||
	    (rc = px_j_int(&v, o, "v", 1, 1, what)) < 0 ||
	    (rc = px_j_str(&r->from, o, "from", 253, what)) < 0 ||
	    (rc = px_check_node_name(r->from, "receipt issuer")) < 0 ||
	    (rc = px_j_str(&r->to, o, "to", 253, what)) < 0 ||
	    (rc = px_check_node_name(r->to, "receipt addressee")) < 0 ||
	    (rc = px_j_hash(r->msg, o, "msg", what)) < 0 ||
	    (rc = px_j_str(&s, o, "case", 36, what)) < 0 ||
	    (rc = px_j_int(&r->seq, o, "seq", 1, INT64_C(1) << 53, what)) < 0 ||
	    (rc = px_j_time(&r->received_ms, o, "received", what)) < 0 ||
	    (rc = px_j_int(&r->index, o, "index", 0, INT64_C(1) << 53, what)) <
	        0)
		goto out;
	if (!px_uuid_valid(s)) {
		rc = px_error_set(PX_EINVAL, "%s: case is not a UUID", what);
		goto out;
	}
	memcpy(r->case_id, s, PX_UUID_STRLEN);
	*out = r;
	r = NULL;
out:
	px_receipt_free(r);
	return rc;
}

int
px_receipt_parse(struct px_receipt **out, json_t *env, const char *what)
{
	return px_receipt_parse_known(out, env, NULL, what);
}

int
px_receipt_verify(const struct px_receipt *r, const uint8_t pk[PX_PUBKEY_LEN])
{
	const json_t *o;
	char what[96];

	snprintf(what, sizeof(what), "receipt from %s for seq %lld", r->from,
	    (long long)r->seq);
	return px_signed_open(&o, NULL, r->env, "receipt", pk, what);
}

void
px_receipt_free(struct px_receipt *r)
{
	if (r == NULL)
		return;
	json_decref(r->env);
	free(r);
}

int
px_bundle_write(struct px_buf *out, const char *from, const char *to,
    int64_t created_ms, json_t *messages, json_t *receipts, json_t *log,
    json_t *refusal, const struct px_key *k)
{
	return px_bundle_write_att(out, from, to, created_ms, messages,
	    receipts, log, refusal, NULL, k);
}

int
px_bundle_write_att(struct px_buf *out, const char *from, const char *to,
    int64_t created_ms, json_t *messages, json_t *receipts, json_t *log,
    json_t *refusal, json_t *attachments, const struct px_key *k)
{
	char tm[PX_TIME_STRLEN];
	json_t *o, *env = NULL;
	int rc;

	px_time_format(tm, created_ms);
	o = json_pack("{sisssssssOsO}", "v", 1, "from", from, "to", to,
	    "created", tm, "messages", messages, "receipts", receipts);
	if (log)
		json_object_set(o, "log", log);
	if (refusal)
		json_object_set(o, "refusal", refusal);
	if (attachments && json_array_size(attachments))
		json_object_set(o, "attachments", attachments);
	if ((rc = px_signed_wrap(&env, NULL, "bundle", o, k)) < 0)
		goto out;
	if ((rc = px_canon_append(out, env)) < 0)
		goto out;
	rc = px_buf_addc(out, '\n');
out:
	json_decref(o);
	json_decref(env);
	return rc;
}

/* Attachments travel beside the messages that name them: each must be
 * the bytes its name (SHA-256) says, so a changed byte is caught here. */
static int
check_attachments(const json_t *a, const char *what)
{
	static const char *const amem[] = { "sha256", "data", NULL };
	size_t i;
	const json_t *x;

	if (!json_is_array(a) || json_array_size(a) > PX_BUNDLE_MAX_ITEMS)
		return px_error_set(PX_EINVAL,
		    "%s: 'attachments' must be an array of at most %d", what,
		    PX_BUNDLE_MAX_ITEMS);
	json_array_foreach(a, i, x)
	{
		const char *b64, *name;
		char h[PX_HASH_HEX], got[PX_HASH_HEX];
		uint8_t d[PX_SHA256_LEN], *bytes;
		size_t n = 0, cap;
		int rc;

		if (!json_is_object(x) ||
		    (rc = px_j_only(x, amem, "attachment")) < 0 ||
		    (rc = px_j_hash(h, x, "sha256", "attachment")) < 0 ||
		    (rc = px_j_str(&b64, x, "data", (size_t)-1, "attachment")) <
		        0)
			return px_error_set(PX_EINVAL,
			    "%s: attachment %zu must be {sha256, data}", what,
			    i + 1);
		name = json_string_value(json_object_get(x, "sha256"));
		cap = strlen(b64) / 4 * 3 + 3;
		bytes = px_malloc(cap);
		if (px_b64_decode(bytes, cap, &n, b64) < 0) {
			free(bytes);
			return px_error_set(PX_EINVAL,
			    "%s: attachment %.16s... is not canonical base64",
			    what, name);
		}
		px_sha256(d, bytes, n);
		free(bytes);
		px_hex_encode(got, d, sizeof(d));
		if (strcmp(got, name) != 0)
			return px_error_set(PX_EINVAL,
			    "%s: attachment %.16s... does not match its name "
			    "(its bytes hash to %.16s...)",
			    what, name, got);
	}
	return 0;
}

int
px_bundle_parse(
    struct px_bundle *out, const char *text, size_t len, const char *what)
{
	static const char *const mem[] = { "v", "from", "to", "created",
		"messages", "receipts", "log", "refusal", "attachments", NULL };
	static const char *const rmem[] = { "seq", "msg", "reason", NULL };
	const json_t *o, *r;
	json_t *j = NULL;
	int64_t v;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return px_error_set(PX_EINVAL,
		    "%s is empty (expected a "
		    "parley bundle)",
		    what);
	if ((rc = px_canon_parse_exact(
	         &j, text, len, PX_BUNDLE_MAX_BYTES, what)) < 0)
		return rc;
	out->env = j;
	if ((rc = px_signed_open(&o, out->hash, j, "bundle", NULL, what)) < 0 ||
	    (rc = px_j_only(o, mem, what)) < 0 ||
	    (rc = px_j_int(&v, o, "v", 1, 1, what)) < 0 ||
	    (rc = px_j_str(&out->from, o, "from", 253, what)) < 0 ||
	    (rc = px_check_node_name(out->from, "bundle sender")) < 0 ||
	    (rc = px_j_str(&out->to, o, "to", 253, what)) < 0 ||
	    (rc = px_check_node_name(out->to, "bundle receiver")) < 0 ||
	    (rc = px_j_time(&out->created_ms, o, "created", what)) < 0)
		goto fail;
	out->messages = json_object_get(o, "messages");
	out->receipts = json_object_get(o, "receipts");
	out->log = json_object_get(o, "log");
	if ((r = json_object_get(o, "refusal")) != NULL) {
		char what2[128];

		snprintf(what2, sizeof(what2), "%s: refusal", what);
		if (!json_is_object(r)) {
			rc = px_error_set(
			    PX_EINVAL, "%s must be an object", what2);
			goto fail;
		}
		if ((rc = px_j_only(r, rmem, what2)) < 0 ||
		    (rc = px_j_int(&out->refused_seq, r, "seq", 0,
		         INT64_C(9007199254740991), what2)) < 0 ||
		    (rc = px_j_str(&out->refused_reason, r, "reason",
		         PX_REFUSAL_MAX, what2)) < 0)
			goto fail;
		if (json_object_get(r, "msg")) {
			if ((rc = px_j_hash(
			         out->hash_refused, r, "msg", what2)) < 0)
				goto fail;
			out->refused_msg = out->hash_refused;
		}
		out->refused = true;
	}
	if (json_array_size(out->messages) > PX_BUNDLE_MAX_ITEMS ||
	    json_array_size(out->receipts) > PX_BUNDLE_MAX_ITEMS) {
		rc = px_error_set(PX_EINVAL,
		    "%s: more than %d messages or receipts in one bundle", what,
		    PX_BUNDLE_MAX_ITEMS);
		goto fail;
	}
	if (!json_is_array(out->messages) || !json_is_array(out->receipts)) {
		rc = px_error_set(PX_EINVAL,
		    "%s: 'messages' and 'receipts' must be arrays", what);
		goto fail;
	}
	if ((out->attachments = json_object_get(o, "attachments")) != NULL &&
	    (rc = check_attachments(out->attachments, what)) < 0)
		goto fail;
	return 0;
fail:
	px_bundle_dispose(out);
	return rc;
}

int
px_bundle_verify(const struct px_bundle *b, const uint8_t pk[PX_PUBKEY_LEN],
    const char *what)
{
	const json_t *o;

	return px_signed_open(&o, NULL, b->env, "bundle", pk, what);
}

void
px_bundle_dispose(struct px_bundle *b)
{
	json_decref(b->env);
	memset(b, 0, sizeof(*b));
}

json_t *
px_refusal_new(int64_t seq, const char *msg_hash, const char *reason)
{
	size_t n = strlen(reason);
	json_t *o;
	char *cut;

	if (n > PX_REFUSAL_MAX) {
		n = PX_REFUSAL_MAX;
		/* Back off to a character boundary: never half a UTF-8
		 * sequence in a signed string. */
		while (n > 0 && ((unsigned char)reason[n] & 0xc0) == 0x80)
			n--;
	}
	cut = px_strndup(reason, n);
	o = json_pack("{sIss}", "seq", (json_int_t)seq, "reason", cut);
	if (msg_hash)
		json_object_set_new(o, "msg", json_string(msg_hash));
	free(cut);
	return o;
}
