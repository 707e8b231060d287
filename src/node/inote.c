#include <string.h>

#include "model/canon.h"
#include "model/message.h"
#include "model/signed.h"
#include "node/actions.h"
#include "node/inote.h"
#include "node/log.h"
#include "util/util.h"

/* The signed part's canonical bytes and their hash. */
static int
digest(struct px_buf *b, char hash[65], const json_t *note)
{
	uint8_t h[PX_SHA256_LEN];
	int rc;

	px_buf_reset(b);
	if ((rc = px_canon_append(b, note)) < 0)
		return rc;
	px_sha256(h, b->data, b->len);
	px_hex_encode(hash, h, sizeof(h));
	return 0;
}

int
px_inote_add(struct px_node *n, const char *ref, const char *by,
    const char *text, const char *lang, int64_t now, char hash[65])
{
	struct px_case c;
	struct px_buf b;
	uint8_t sig[PX_SIG_LEN];
	char tm[PX_TIME_STRLEN], h[65], *sig64 = NULL, *entry = NULL;
	json_t *note = NULL, *leaf = NULL;
	int rc;

	px_case_init(&c);
	px_buf_init(&b, PX_MSG_MAX_BYTES);
	if (text == NULL || *text == '\0') {
		rc = px_error_set(PX_EINVAL, "an internal note needs text");
		goto out;
	}
	if (px_utf8_chars(text) > PX_TEXT_MAX) {
		rc = px_error_set(PX_EINVAL,
		    "an internal note is at most %d characters", PX_TEXT_MAX);
		goto out;
	}
	if (px_bidi_control(text, NULL) != 0) {
		rc = px_error_set(PX_EINVAL,
		    "the note holds a bidirectional control (%s), which "
		    "would show it in another order than written",
		    px_bidi_name(px_bidi_control(text, NULL)));
		goto out;
	}
	if (lang && (rc = px_check_lang(lang, "lang")) < 0)
		goto out;
	if ((rc = px_node_case_load(&c, n, ref, NULL)) < 0)
		goto out;
	px_time_format(tm, now);
	note = json_pack("{sI ss ss ss so}", "v", (json_int_t)1, "node",
	    n->name, "case", c.id, "time", tm, "text",
	    px_text_new(text, lang ? lang : px_node_text_lang(n, text), NULL,
	        NULL, NULL));
	if (by)
		json_object_set_new(note, "by", json_string(by));
	if ((rc = digest(&b, h, note)) < 0)
		goto out;
	px_sign(sig, &n->sign, b.data, b.len);
	sig64 = px_b64_encode(sig, sizeof(sig));
	leaf = json_pack("{sOss}", "internal_note", note, "sig", sig64);
	if ((entry = px_canon_string(leaf)) == NULL) {
		rc = PX_ERR;
		goto out;
	}
	if ((rc = PX_STORE_CALL0(n->store, begin)) < 0)
		goto out;
	if ((rc = PX_STORE_CALL(n->store, inote_put, h, c.id, now, entry)) <
	        0 ||
	    (rc = px_log_append(
	         n, "internal", h, "", now, entry, strlen(entry), NULL)) < 0 ||
	    (rc = PX_STORE_CALL(n->store, case_touch, c.id, now)) < 0 ||
	    (rc = px_log_checkpoint(n, now)) < 0 ||
	    (rc = PX_STORE_CALL0(n->store, commit)) < 0) {
		PX_STORE_CALL0(n->store, rollback);
		goto out;
	}
	if (hash)
		memcpy(hash, h, 65);
out:
	json_decref(note);
	json_decref(leaf);
	free(sig64);
	free(entry);
	px_buf_dispose(&b);
	px_case_dispose(&c);
	return rc;
}

int
px_inote_check(struct px_node *n, const json_t *entry, const char *hash)
{
	static const char *const mem[] = { "internal_note", "sig", NULL };
	static const char *const nmem[] = { "v", "node", "case", "time", "by",
		"text", NULL };
	const json_t *note = json_object_get(entry, "internal_note");
	const char *sig64, *s;
	uint8_t sig[PX_SIG_LEN];
	size_t len = 0;
	struct px_buf b;
	char h[65];
	int64_t t;
	int rc;

	px_buf_init(&b, PX_MSG_MAX_BYTES);
	if ((rc = px_j_only(entry, mem, "internal note")) < 0 ||
	    (rc = px_j_str(&sig64, entry, "sig", 128, "internal note")) < 0 ||
	    !json_is_object(note) ||
	    (rc = px_j_only(note, nmem, "internal note")) < 0 ||
	    (rc = px_j_str(&s, note, "case", 36, "internal note")) < 0 ||
	    (rc = px_j_time(&t, note, "time", "internal note")) < 0 ||
	    (rc = px_j_str(&s, note, "node", 255, "internal note")) < 0) {
		if (rc == 0)
			rc = px_error_set(PX_EINVAL,
			    "internal note: 'internal_note' must be an object");
		goto out;
	}
	if (strcmp(s, n->name) != 0) {
		rc = px_error_set(PX_EINVAL,
		    "internal note: written by '%s', not by this node", s);
		goto out;
	}
	if ((rc = digest(&b, h, note)) < 0)
		goto out;
	if (px_b64_decode(sig, sizeof(sig), &len, sig64) < 0 ||
	    len != sizeof(sig) ||
	    px_verify(n->sign.pk, sig, b.data, b.len) < 0) {
		rc = px_error_set(PX_EINVAL,
		    "internal note: the signature does not verify (altered, "
		    "or signed with another key)");
		goto out;
	}
	if (strcmp(h, hash) != 0)
		rc = px_error_set(
		    PX_EINVAL, "entry's hash differs from the index");
out:
	px_buf_dispose(&b);
	return rc;
}

static int
list_one(int64_t t, const char *hash, const char *entry, void *arg)
{
	json_t *out = arg, *j = NULL, *note;
	const json_t *text;

	(void)t;
	if (px_json_parse(&j, entry, strlen(entry), 4 * strlen(entry) + 4096,
	        "stored internal note") < 0)
		return PX_ERR;
	note = json_object_get(j, "internal_note");
	text = json_object_get(note, "text");
	json_array_append_new(out,
	    json_pack("{sssOsOsO}", "hash", hash, "time",
	        json_object_get(note, "time"), "by",
	        json_object_get(note, "by") ? json_object_get(note, "by")
	                                    : json_null(),
	        "text", text ? (json_t *)text : json_null()));
	json_decref(j);
	return 0;
}

json_t *
px_inote_list(struct px_node *n, const char *case_id)
{
	json_t *out = json_array();

	if (PX_STORE_CALL(n->store, inote_list, case_id, list_one, out) < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}
