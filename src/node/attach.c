/*
 * Content-addressed attachments (attach.h).
 */
#include "crypto/sign.h"
#include "model/canon.h"
#include "node/attach.h"
#include "node/feeds.h"
#include "util/util.h"

#define READ_MAX (64u << 20)

static bool
hex64(const char *s)
{
	if (s == NULL || strlen(s) != 64)
		return false;
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

char *
px_attach_path(const struct px_node *n, const char *sha)
{
	return px_asprintf("%s/attachments/%.2s/%s", n->dir, sha, sha);
}

int
px_attach_store(struct px_node *n, const void *data, size_t len,
    const char *media, const char *name, int64_t events, const char *origin,
    char sha[65])
{
	uint8_t h[32];
	char *dir, *path;
	struct px_attach_row row = { 0 };
	int rc = 0;

	px_sha256(h, data, len);
	px_hex_encode(sha, h, sizeof(h));
	dir = px_asprintf("%s/attachments/%.2s", n->dir, sha);
	path = px_attach_path(n, sha);
	if (!px_file_exists(path) &&
	    ((rc = px_mkdir_p(dir, 0700)) < 0 ||
	        (rc = px_file_write(path, data, len, 0600)) < 0))
		goto out;
	row.sha256 = sha;
	row.media_type = (char *)media;
	row.name = (char *)name;
	row.origin = (char *)origin;
	row.size = (int64_t)len;
	row.events = events;
	row.stored_ms = px_time_now_ms();
	rc = PX_STORE_CALL(n->store, attach_put, &row);
out:
	free(dir);
	free(path);
	return rc;
}

int
px_attach_read(
    struct px_buf *out, struct px_node *n, const char *sha, bool verify)
{
	char *path;
	uint8_t h[32];
	char got[65];
	int rc;

	if (!hex64(sha))
		return px_error_set(PX_EINVAL,
		    "'%s' is not an attachment name (64 lowercase hex "
		    "digits)",
		    sha);
	path = px_attach_path(n, sha);
	rc = px_file_read(out, path, READ_MAX);
	free(path);
	if (rc == PX_ENOTFOUND)
		return px_error_set(PX_ENOTFOUND,
		    "attachment %.16s... is not held here (it did not arrive "
		    "with its message)",
		    sha);
	if (rc < 0 || !verify)
		return rc;
	px_sha256(h, out->data, out->len);
	px_hex_encode(got, h, sizeof(h));
	if (strcmp(got, sha) != 0)
		return px_error_set(PX_EINVAL,
		    "attachment %.16s... was altered: its bytes hash to "
		    "%.16s..., not to the name its message signed",
		    sha, got);
	return 0;
}

/* --- CSV ------------------------------------------------------------ */

static const char *const cols[] = { "id", "routed", "time_source",
	"time_observation", "feed", "provider", "taxonomy", "type",
	"identifier", "source_ip", "source_port", "source_asn",
	"source_network", "source_fqdn", "source_url", "source_cc",
	"destination_ip", "destination_port", "destination_asn",
	"destination_fqdn", "destination_url", "protocol_transport",
	"protocol_application", "malware", "severity", "tlp", "first_seen",
	"last_seen", "count", "route_by", "route_to", "route_cc",
	"route_registry", "route_serial", "route_line", "extra", NULL };

static void
cell(struct px_buf *b, const json_t *v, bool first)
{
	char num[32];
	const char *s = NULL;
	char *dump = NULL;

	if (!first)
		px_buf_put(b, ",", 1);
	if (json_is_string(v))
		s = json_string_value(v);
	else if (json_is_integer(v)) {
		snprintf(
		    num, sizeof(num), "%lld", (long long)json_integer_value(v));
		s = num;
	} else if (json_is_object(v)) {
		s = dump = px_canon_string(v);
	}
	if (s == NULL)
		return;
	/* Quoted when it holds a delimiter, a quote or a line break; a
	 * leading =, +, - or @ is defused for spreadsheets. */
	if (strpbrk(s, ",\"\r\n") || strchr("=+-@", s[0]) != NULL) {
		px_buf_put(b, "\"", 1);
		if (strchr("=+-@", s[0]) && s[0])
			px_buf_put(b, "'", 1);
		for (const char *p = s; *p; p++) {
			if (*p == '"')
				px_buf_put(b, "\"", 1);
			px_buf_put(b, p, 1);
		}
		px_buf_put(b, "\"", 1);
	} else {
		px_buf_puts(b, s);
	}
	free(dump);
}

static const json_t *
at(const json_t *o, const char *a, const char *b)
{
	const json_t *x = json_object_get(o, a);

	return b ? json_object_get(x, b) : x;
}

int
px_attach_csv(struct px_buf *out, const char *jsonl, size_t len)
{
	size_t pos = 0;
	unsigned line = 0;

	for (int i = 0; cols[i]; i++)
		px_buf_putf(out, "%s%s", i ? "," : "", cols[i]);
	px_buf_put(out, "\r\n", 2);
	while (pos < len) {
		const char *nl = memchr(jsonl + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - jsonl) : len;
		json_t *j = NULL;
		const json_t *e, *r, *s;
		int rc;

		line++;
		if (end == pos) {
			pos = end + 1;
			continue;
		}
		if ((rc = px_json_parse(&j, jsonl + pos, end - pos,
		         end - pos + 1, "attachment line")) < 0) {
			px_error_prefix("line %u", line);
			return rc;
		}
		e = json_object_get(j, "event");
		r = json_object_get(j, "route");
		s = json_object_get(j, "seen");
		if (!json_is_object(e)) {
			json_decref(j);
			return px_error_set(PX_EINVAL,
			    "line %u is not a feed event line", line);
		}
		cell(out, at(j, "id", NULL), true);
		cell(out, at(j, "routed", NULL), false);
		cell(out, at(e, "time", "source"), false);
		cell(out, at(e, "time", "observation"), false);
		cell(out, at(e, "feed", "name"), false);
		cell(out, at(e, "feed", "provider"), false);
		cell(out, at(e, "classification", "taxonomy"), false);
		cell(out, at(e, "classification", "type"), false);
		cell(out, at(e, "classification", "identifier"), false);
		cell(out, at(e, "source", "ip"), false);
		cell(out, at(e, "source", "port"), false);
		cell(out, at(e, "source", "asn"), false);
		cell(out, at(e, "source", "network"), false);
		cell(out, at(e, "source", "fqdn"), false);
		cell(out, at(e, "source", "url"), false);
		cell(out, at(e, "source", "cc"), false);
		cell(out, at(e, "destination", "ip"), false);
		cell(out, at(e, "destination", "port"), false);
		cell(out, at(e, "destination", "asn"), false);
		cell(out, at(e, "destination", "fqdn"), false);
		cell(out, at(e, "destination", "url"), false);
		cell(out, at(e, "protocol", "transport"), false);
		cell(out, at(e, "protocol", "application"), false);
		cell(out, at(e, "malware", NULL), false);
		cell(out, at(e, "severity", NULL), false);
		cell(out, at(e, "tlp", NULL), false);
		cell(out, at(s, "first", NULL), false);
		cell(out, at(s, "last", NULL), false);
		cell(out, at(s, "count", NULL), false);
		cell(out, at(r, "by", NULL), false);
		cell(out, at(r, "to", NULL), false);
		cell(out, at(r, "cc", NULL), false);
		cell(out, at(r, "file", "registry"), false);
		cell(out, at(r, "file", "serial"), false);
		cell(out, at(r, "line", NULL), false);
		cell(out, at(e, "extra", NULL), false);
		px_buf_put(out, "\r\n", 2);
		json_decref(j);
		pos = end + 1;
	}
	return 0;
}

int
px_attach_line(json_t **out, struct px_node *n, const char *sha, int64_t lineno)
{
	struct px_buf b;
	const char *p, *end, *nl;
	const json_t *rt, *ev;
	json_t *line = NULL, *o;
	char *dl = NULL, *canon = NULL, id[65];
	const char *fsha, *stated;
	int rc;

	px_buf_init(&b, PX_BUF_NOCAP);
	if ((rc = px_attach_read(&b, n, sha, false)) < 0)
		goto out;
	p = b.data;
	end = b.data + b.len;
	for (int64_t k = 1; k < lineno && p < end; k++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
	if (lineno < 1 || p >= end ||
	    px_json_parse(&line, p, nl ? (size_t)(nl - p) : (size_t)(end - p),
	        1 << 20, "event line") < 0) {
		rc = px_error_set(PX_ENOTFOUND,
		    "attachment %.16s... has no event line %lld", sha,
		    (long long)lineno);
		goto out;
	}
	o = json_pack("{sssIsO}", "attachment", sha, "line", (json_int_t)lineno,
	    "entry", line);
	ev = json_object_get(line, "event");
	stated = json_string_value(json_object_get(line, "id"));
	if (ev && (canon = px_canon_string(ev)) != NULL) {
		px_event_id(id, canon, strlen(canon));
		json_object_set_new(o, "id_matches",
		    json_boolean(stated && strcmp(id, stated) == 0));
	}
	rt = json_object_get(line, "route");
	fsha = json_string_value(
	    json_object_get(json_object_get(rt, "file"), "sha256"));
	if (fsha && json_is_integer(json_object_get(rt, "line")) &&
	    px_routing_line(&dl, n, fsha,
	        (unsigned)json_integer_value(json_object_get(rt, "line"))) == 0)
		json_object_set_new(o, "delegation_line", json_string(dl));
	else
		json_object_set_new(o, "delegation_line", json_null());
	*out = o;
out:
	free(dl);
	free(canon);
	json_decref(line);
	px_buf_dispose(&b);
	return rc;
}

int
px_attach_event(json_t **out, struct px_node *n, const char *id)
{
	char *att = NULL;
	int64_t lineno = 0;
	int rc;

	if ((rc = PX_STORE_CALL(n->store, feed_recv_find, id, &att, &lineno)) ==
	    0)
		rc = px_attach_line(out, n, att, lineno);
	free(att);
	return rc;
}
