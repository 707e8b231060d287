/*
 * Feeds and STIX 2.1 (interop.h, docs/interop.md "Feed digests" and
 * "Import as feed events").  Out: a feed digest as a bundle, the signed
 * digest as a grouping and the day's routed events from the attachments
 * the digest covers, each asked of the choke point under its own marking.
 * In: a bundle's sightings and simple indicators as events of the feed
 * pipeline.
 *
 * Event ids are recomputed from the events (as the receiver's check of a
 * digest does), never taken from the line, so what the bundle names is
 * what the Merkle root covers.
 */
#include <unistd.h>

#include "crypto/sign.h"
#include "formats/event.h"
#include "formats/stix.h"
#include "model/canon.h"
#include "node/feeds.h"
#include "node/attach.h"
#include "node/interop.h"
#include "util/util.h"

#define DAY_MS INT64_C(86400000)

static int
part_sha(const struct px_feed_part_row *p, void *arg)
{
	json_t *shas = arg;
	size_t i;
	const json_t *v;

	if (p->attachment == NULL)
		return 0;
	json_array_foreach(shas, i,
	    v) if (strcmp(json_string_value(v), p->attachment) == 0) return 0;
	json_array_append_new(shas, json_string(p->attachment));
	return 0;
}

struct dctx {
	struct px_node *n;
	struct px_stix *s;
	const struct px_stix_digest *d;
	enum px_tlp dflt;
	struct px_policy_dest dest;
	size_t left_out;
};

/* One attachment line: the event under its marking, or left out. */
static int
one_line(struct dctx *x, const char *sha, const char *text, size_t len,
    unsigned lineno)
{
	json_t *line = NULL;
	const json_t *ev;
	char *canon = NULL, id[65];
	const char *w;
	int rc, t;

	if ((rc = px_json_parse(&line, text, len, len + 1, "event line")) < 0 ||
	    !json_is_object(ev = json_object_get(line, "event")) ||
	    (canon = px_canon_string(ev)) == NULL) {
		json_decref(line);
		return px_error_set(PX_EINVAL,
		    "line %u of attachment %.12s is not an event line", lineno,
		    sha);
	}
	px_event_id(id, canon, strlen(canon));
	free(canon);
	w = json_string_value(json_object_get(ev, "tlp"));
	t = w ? PX_WIRE(px_tlp_names, w) : -1;
	{
		struct px_policy_case pc = { .id = id,
			.tlp = t >= 0 ? (enum px_tlp)t : x->dflt,
			.requester = x->d->signer,
			.responder = x->d->recipient };

		if (px_policy_level(&pc, &x->dest) != PX_REL_ALL) {
			x->left_out++;
			json_decref(line);
			return 0;
		}
		rc = px_stix_add_feed_event(x->s, x->d, line, id, pc.tlp);
	}
	if (rc == 1) {
		x->left_out++;
		rc = 0;
	}
	json_decref(line);
	return rc;
}

static int
one_attachment(struct dctx *x, const char *sha)
{
	struct px_buf b;
	size_t pos = 0;
	unsigned lineno = 0;
	int rc;

	px_buf_init(&b, PX_BUF_NOCAP);
	if ((rc = px_attach_read(&b, x->n, sha, true)) < 0) {
		if (rc == PX_ENOTFOUND)
			px_error_set(PX_ENOTFOUND,
			    "attachment %s of the digest's events is not held "
			    "here",
			    sha);
		goto out;
	}
	while (pos < b.len && rc == 0) {
		const char *nl = memchr(b.data + pos, '\n', b.len - pos);
		size_t end = nl ? (size_t)(nl - b.data) : b.len;

		lineno++;
		if (end > pos)
			rc = one_line(x, sha, b.data + pos, end - pos, lineno);
		pos = end + 1;
	}
out:
	px_buf_dispose(&b);
	return rc;
}

int
px_node_export_digest(json_t **out, struct px_node *n, const char *peer,
    const char *day, bool received, enum px_audience audience, const char *to)
{
	const char *dir = received ? "in" : "out";
	struct px_feed_cfg cfg;
	struct px_digest_row row = { 0 };
	struct px_msg_row mrow = { 0 };
	struct px_msg *m = NULL;
	struct px_stix s;
	struct px_stix_digest d = { 0 };
	struct dctx x = { .n = n, .s = &s, .d = &d };
	json_t *shas = json_array();
	int64_t start;
	size_t i;
	const json_t *v;
	int rc;

	*out = NULL;
	px_stix_init(&s);
	if ((rc = px_feed_cfg_load(&cfg, n)) < 0) {
		json_decref(shas);
		px_stix_dispose(&s);
		return rc;
	}
	if ((rc = px_feed_day_start(&start, &cfg, day)) < 0)
		goto out;
	if (PX_STORE_CALL(n->store, digest_get, peer, dir, day, &row) < 0) {
		rc = px_error_set(PX_ENOTFOUND,
		    received ? "no digest of %s has arrived from %s"
		             : "no digest of %s was signed for %s",
		    day, peer);
		goto out;
	}
	if ((rc = PX_STORE_CALL(n->store, msg_get, row.msg_hash, &mrow)) < 0 ||
	    (rc = px_node_msg_from_row(&m, &mrow)) < 0)
		goto out;
	d.signer = m->from;
	d.recipient = m->to;
	d.day = day;
	d.msg_hash = m->hash;
	d.time_ms = m->time_ms;
	d.digest = json_object_get(m->body, "digest");
	/* Counts and a root say no more than TLP:GREEN; the events raise
	 * it to the strictest of theirs. */
	d.tlp = PX_TLP_GREEN;
	x.dflt = (enum px_tlp)cfg.tlp;
	x.dest = (struct px_policy_dest){
		.path = PX_OUT_EXPORT, .audience = audience, .to = to
	};
	{
		struct px_policy_case pc = { .id = m->hash,
			.tlp = d.tlp,
			.requester = d.signer,
			.responder = d.recipient };

		if ((rc = px_policy_release(&pc, &x.dest)) < 0)
			goto out;
	}
	if ((rc = px_stix_add_digest(&s, &d)) < 0)
		goto out;
	if ((rc = PX_STORE_CALL(n->store, feed_parts, peer, dir, start,
	         start + DAY_MS, part_sha, shas)) < 0)
		goto out;
	json_array_foreach(
	    shas, i, v) if ((rc = one_attachment(&x, json_string_value(v))) <
	    0) goto out;
	px_stix_digest_left_out(&s, &d, x.left_out);
	*out = px_stix_bundle(&s);
	rc = 0;
out:
	json_decref(shas);
	px_stix_dispose(&s);
	px_msg_free(m);
	px_msg_row_dispose(&mrow);
	px_digest_row_dispose(&row);
	px_feed_cfg_dispose(&cfg);
	return rc;
}

/* ---- STIX bundles in as feed events ---------------------------------------
 */

int
px_feed_ingest_stix_text(struct px_node *n, const struct px_ingest_opts *o,
    const char *text, size_t len, struct px_feed_file_row *out)
{
	struct px_ingest_opts io = *o;
	struct px_buf lines;
	size_t count = 0;
	uint8_t h[32];
	char hex[65], *tmp = NULL;
	int rc;

	px_buf_init(&lines, PX_BUF_NOCAP);
	if ((rc = px_stix_feed_lines(&lines, &count, text, len)) < 0) {
		px_error_prefix("%s", o->name);
		goto out;
	}
	/* Named by its content, so an ingest that stopped resumes from the
	 * same lines (the pipeline knows a file by its size and head). */
	px_sha256(h, lines.data, lines.len);
	px_hex_encode(hex, h, 16);
	tmp = px_asprintf("%s/feeds", n->dir);
	if ((rc = px_mkdir_p(tmp, 0700)) < 0)
		goto out;
	free(tmp);
	tmp = px_asprintf("%s/feeds/stix-%s.jsonl", n->dir, hex);
	if ((rc = px_file_write(tmp, lines.data, lines.len, 0600)) < 0)
		goto out;
	io.path = tmp;
	io.fmt = PX_FMT_INTELMQ;
	rc = px_feed_ingest(n, &io, out);
	(void)unlink(tmp);
out:
	free(tmp);
	px_buf_dispose(&lines);
	return rc;
}

int
px_feed_ingest_stix(struct px_node *n, const struct px_ingest_opts *o,
    struct px_feed_file_row *out)
{
	struct px_ingest_opts io = *o;
	struct px_buf in;
	const char *slash = strrchr(o->path, '/');
	int rc;

	px_buf_init(&in, PX_BUF_NOCAP);
	io.name = o->name ? o->name : slash ? slash + 1 : o->path;
	if ((rc = px_file_read(&in, o->path, PX_STIX_MAX_BYTES)) == 0)
		rc = px_feed_ingest_stix_text(n, &io, in.data, in.len, out);
	px_buf_dispose(&in);
	return rc;
}
