/*
 * Validation of the feed members of messages (feedmsg.h).
 */
#include "formats/event.h"
#include "model/case.h"
#include "model/feedmsg.h"
#include "model/signed.h"
#include "util/util.h"

int
px_is_hex64(const char *s)
{
	if (s == NULL || strlen(s) != 64)
		return 0;
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int
hex_member(const json_t *o, const char *k, size_t len, const char *what)
{
	const char *s;
	int rc = 0;

	if ((rc = px_j_str(&s, o, k, len, what)) < 0)
		return rc;
	if (strlen(s) != len)
		goto bad;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'a' && s[i] <= 'f')))
			goto bad;
	return 0;
bad:
	return px_error_set(PX_EINVAL,
	    "%s: '%s' must be %zu lowercase hex digits", what, k, len);
}

static int
printable(const char *s, const char *what)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return px_error_set(
			    PX_EINVAL, "%s holds a control character", what);
	return 0;
}

/* An object of string keys (<= 64 bytes) to counts, at most `max`. */
static int
count_map(const json_t *o, const char *k, size_t max, const char *what)
{
	const json_t *m = json_object_get(o, k);
	const char *key;
	json_t *v;

	if (!json_is_object(m) || json_object_size(m) > max)
		return px_error_set(PX_EINVAL,
		    "%s: '%s' must be an object of at most %zu counts", what, k,
		    max);
	json_object_foreach((json_t *)m, key, v)
	{
		if (strlen(key) == 0 || strlen(key) > 64 ||
		    printable(key, what) < 0 || !json_is_integer(v) ||
		    json_integer_value(v) < 0)
			return px_error_set(PX_EINVAL,
			    "%s: '%s' must map names (1 to 64 bytes) to "
			    "counts",
			    what, k);
	}
	return 0;
}

/* An object whose members are all counts, named in `mem`. */
static int
counts(const json_t *o, const char *k, const char *const *mem, const char *what)
{
	const json_t *c = json_object_get(o, k);
	int64_t v;
	int rc = 0;

	if (!json_is_object(c))
		return px_error_set(
		    PX_EINVAL, "%s: '%s' must be an object", what, k);
	if ((rc = px_j_only(c, mem, what)) < 0)
		return rc;
	for (const char *const *m = mem; *m; m++)
		if ((rc = px_j_int(&v, c, *m, 0, INT64_C(1) << 53, what)) < 0)
			return rc;
	return 0;
}

int
px_feedmsg_check_batch(const json_t *f)
{
	static const char *const mem[] = { "batch", "part", "parts", "interval",
		"events", "group", "attachment", "hosts", NULL };
	static const char *const imem[] = { "start", "end", NULL };
	static const char *const gmem[] = { "asn", "type", "identifier", NULL };
	static const char *const amem[] = { "sha256", "size", "media_type",
		"name", NULL };
	static const char *const hmem[] = { "total", "active", "new",
		"persistent", "gone", NULL };
	const char *w = "feed", *s;
	const json_t *o;
	int64_t part, parts, events, a, b;
	int rc = 0;

	if (!json_is_object(f))
		return px_error_set(PX_EINVAL, "feed: must be an object");
	if ((rc = px_j_only(f, mem, w)) < 0 ||
	    (rc = hex_member(f, "batch", 32, w)) < 0 ||
	    (rc = px_j_int(&parts, f, "parts", 1, 100000, w)) < 0 ||
	    (rc = px_j_int(&part, f, "part", 1, parts, w)) < 0 ||
	    (rc = px_j_int(&events, f, "events", 0, 100000000, w)) < 0)
		return rc;
	o = json_object_get(f, "interval");
	if (!json_is_object(o) || (rc = px_j_only(o, imem, "interval")) < 0 ||
	    (rc = px_j_time(&a, o, "start", "interval")) < 0 ||
	    (rc = px_j_time(&b, o, "end", "interval")) < 0)
		return rc < 0 ? rc
		              : px_error_set(PX_EINVAL,
		                    "feed: 'interval' must be {start, end}");
	if (b <= a)
		return px_error_set(
		    PX_EINVAL, "feed: the interval ends before it starts");
	o = json_object_get(f, "group");
	if (!json_is_object(o) || (rc = px_j_only(o, gmem, "group")) < 0 ||
	    (rc = px_j_int(&a, o, "asn", 0, UINT32_MAX, "group")) < 0 ||
	    (rc = px_j_str(&s, o, "type", 64, "group")) < 0 ||
	    (rc = printable(s, "group type")) < 0 ||
	    (rc = px_j_str(&s, o, "identifier", 128, "group")) < 0 ||
	    (rc = printable(s, "group identifier")) < 0)
		return rc < 0 ? rc
		              : px_error_set(PX_EINVAL,
		                    "feed: 'group' must be {asn, type, "
		                    "identifier}");
	o = json_object_get(f, "attachment");
	if ((o == NULL) != (events == 0))
		return px_error_set(PX_EINVAL,
		    "feed: a part with events has an attachment, and one "
		    "without has none");
	if (o) {
		if (!json_is_object(o) ||
		    (rc = px_j_only(o, amem, "attachment")) < 0 ||
		    (rc = hex_member(o, "sha256", 64, "attachment")) < 0 ||
		    (rc = px_j_int(&a, o, "size", 1, PX_ATTACH_MAX_BYTES,
		         "attachment")) < 0 ||
		    (rc = px_j_str(&s, o, "media_type", 64, "attachment")) < 0)
			return rc < 0 ? rc
			              : px_error_set(PX_EINVAL,
			                    "feed: 'attachment' must be an "
			                    "object");
		if (strcmp(s, PX_ATTACH_MEDIA) != 0)
			return px_error_set(PX_EINVAL,
			    "attachment: media_type '%s' is not %s", s,
			    PX_ATTACH_MEDIA);
		if ((rc = px_j_str(&s, o, "name", 128, "attachment")) < 0 ||
		    (rc = printable(s, "attachment name")) < 0)
			return rc;
		if (strchr(s, '/') || strchr(s, '\\') || s[0] == '.' || !*s)
			return px_error_set(PX_EINVAL,
			    "attachment: name '%s' must be a plain file name",
			    s);
	}
	if (json_object_get(f, "hosts") &&
	    (rc = counts(f, "hosts", hmem, "feed hosts")) < 0)
		return rc;
	return 0;
}

static int
check_digest_obj(const json_t *d)
{
	static const char *const mem[] = { "day", "start", "end", "events",
		"root", "by_type", "by_asn", "by_severity", "hosts", "cases",
		"batches", "unroutable", "disputed", "withheld", "own",
		"delegation", NULL };
	static const char *const hmem[] = { "new", "recurring", NULL };
	static const char *const cmem[] = { "opened", "updated", "closed",
		NULL };
	static const char *const fmem[] = { "registry", "serial", "sha256",
		NULL };
	static const char *const nums[] = { "events", "batches", "unroutable",
		"disputed", "withheld", "own", NULL };
	const char *w = "digest", *s;
	const json_t *a, *x;
	int64_t t1, t2, v;
	size_t i;
	int rc = 0;

	if (!json_is_object(d))
		return px_error_set(PX_EINVAL, "digest: must be an object");
	if ((rc = px_j_only(d, mem, w)) < 0 ||
	    (rc = px_j_str(&s, d, "day", 10, w)) < 0)
		return rc;
	if (strlen(s) != 10 || px_time_parse(&t1, s, 1) < 0)
		return px_error_set(
		    PX_EINVAL, "digest: 'day' must be YYYY-MM-DD, not '%s'", s);
	if ((rc = px_j_time(&t1, d, "start", w)) < 0 ||
	    (rc = px_j_time(&t2, d, "end", w)) < 0)
		return rc;
	if (t2 <= t1)
		return px_error_set(
		    PX_EINVAL, "digest: the day ends before it starts");
	for (const char *const *n = nums; *n; n++)
		if ((rc = px_j_int(&v, d, *n, 0, INT64_C(1) << 53, w)) < 0)
			return rc;
	if ((rc = hex_member(d, "root", 64, w)) < 0 ||
	    (rc = count_map(d, "by_type", 64, w)) < 0 ||
	    (rc = count_map(d, "by_asn", 1001, w)) < 0 ||
	    (rc = count_map(d, "by_severity", 8, w)) < 0 ||
	    (rc = counts(d, "hosts", hmem, "digest hosts")) < 0 ||
	    (rc = counts(d, "cases", cmem, "digest cases")) < 0)
		return rc;
	a = json_object_get(d, "delegation");
	if (!json_is_array(a) || json_array_size(a) > 64)
		return px_error_set(PX_EINVAL,
		    "digest: 'delegation' must list the delegation files");
	json_array_foreach(a, i, x)
	{
		if (!json_is_object(x) ||
		    (rc = px_j_only(x, fmem, "delegation")) < 0 ||
		    (rc = px_j_str(&s, x, "registry", 31, "delegation")) < 0 ||
		    (rc = printable(s, "registry")) < 0 ||
		    (rc = px_j_str(&s, x, "serial", 31, "delegation")) < 0 ||
		    (rc = printable(s, "serial")) < 0 ||
		    (rc = hex_member(x, "sha256", 64, "delegation")) < 0)
			return rc < 0 ? rc
			              : px_error_set(PX_EINVAL,
			                    "digest: a delegation file must be "
			                    "an object");
	}
	return 0;
}

int
px_feedmsg_check_digest(const json_t *b)
{
	static const char *const vmem[] = { "digest", "agree", "detail", NULL };
	const json_t *d = json_object_get(b, "digest");
	const json_t *v = json_object_get(b, "verdict");
	const char *s;
	char h[PX_HASH_HEX];
	int rc = 0;

	if ((d == NULL) == (v == NULL))
		return px_error_set(PX_EINVAL,
		    "body: a digest message carries either 'digest' or "
		    "'verdict'");
	if (d)
		return check_digest_obj(d);
	if (!json_is_object(v) || (rc = px_j_only(v, vmem, "verdict")) < 0 ||
	    (rc = px_j_hash(h, v, "digest", "verdict")) < 0)
		return rc < 0
		    ? rc
		    : px_error_set(PX_EINVAL, "verdict: must be an object");
	if (!json_is_boolean(json_object_get(v, "agree")))
		return px_error_set(
		    PX_EINVAL, "verdict: 'agree' must be true or false");
	if (json_object_get(v, "detail") &&
	    ((rc = px_j_str(&s, v, "detail", 4096, "verdict")) < 0 ||
	        (rc = printable(s, "verdict detail")) < 0))
		return rc;
	return 0;
}

int
px_feedmsg_check_routing(const json_t *b)
{
	static const char *const rmem[] = { "propose", "accept", "revoke",
		NULL };
	static const char *const pmem[] = { "match", "to", "until", NULL };
	const json_t *r = json_object_get(b, "routing"), *p, *m;
	char h[PX_HASH_HEX];
	const char *s;
	int64_t t;
	int rc = 0;

	if (!json_is_object(r) || json_object_size(r) != 1 ||
	    (rc = px_j_only(r, rmem, "routing")) < 0)
		return px_error_set(PX_EINVAL,
		    "body: 'routing' must hold one of propose, accept, revoke");
	if (json_object_get(r, "accept"))
		return px_j_hash(h, r, "accept", "routing");
	if (json_object_get(r, "revoke"))
		return px_j_hash(h, r, "revoke", "routing");
	p = json_object_get(r, "propose");
	if (!json_is_object(p) || (rc = px_j_only(p, pmem, "propose")) < 0 ||
	    (rc = px_j_str(&s, p, "to", 253, "propose")) < 0 ||
	    (rc = px_check_node_name(s, "propose to")) < 0 ||
	    (rc = px_j_time(&t, p, "until", "propose")) < 0)
		return rc < 0 ? rc
		              : px_error_set(PX_EINVAL,
		                    "routing: 'propose' must be an object");
	m = json_object_get(p, "match");
	if (!json_is_object(m) || json_object_size(m) != 1)
		return px_error_set(PX_EINVAL,
		    "propose: 'match' must be {\"network\": CIDR} or "
		    "{\"asn\": \"AS64500\"}");
	if (json_object_get(m, "network")) {
		const char *net =
		    json_string_value(json_object_get(m, "network"));
		struct px_addr a;
		uint8_t len;
		char ip[46], canon[52];

		if (net == NULL ||
		    px_ev_parse_net(&a, &len, net, strlen(net), "network") < 0)
			return px_error_set(PX_EINVAL,
			    "propose: match network must be a network with "
			    "its host bits zero");
		px_addr_format(ip, &a);
		snprintf(canon, sizeof(canon), "%s/%u", ip, len);
		if (strcmp(canon, net) != 0)
			return px_error_set(PX_EINVAL,
			    "propose: match network '%s' must be written %s",
			    net, canon);
		return 0;
	}
	if (json_object_get(m, "asn")) {
		const char *asn = json_string_value(json_object_get(m, "asn"));
		int64_t v;
		char canon[16];

		if (asn == NULL ||
		    px_ev_parse_asn(&v, asn, strlen(asn), "asn") < 0)
			return px_error_set(PX_EINVAL,
			    "propose: match asn must be written AS64500");
		snprintf(canon, sizeof(canon), "AS%lld", (long long)v);
		if (strcmp(canon, asn) != 0)
			return px_error_set(PX_EINVAL,
			    "propose: match asn '%s' must be written %s", asn,
			    canon);
		return 0;
	}
	return px_error_set(PX_EINVAL,
	    "propose: 'match' must be {\"network\": CIDR} or {\"asn\": "
	    "\"AS64500\"}");
}

static struct px_override *
find_ovr(struct px_override *a, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i].id, id) == 0)
			return &a[i];
	return NULL;
}

void
px_overrides_of_case(
    struct px_override **out, size_t *n, const struct px_case *c)
{
	struct px_override *a = NULL;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (c->kind != PX_KIND_FEED)
		return;
	for (size_t i = 0; i < c->n; i++) {
		const struct px_msg *m = c->msgs[i];
		const json_t *r = json_object_get(m->body, "routing");
		const json_t *p = json_object_get(r, "propose");
		const char *ref;
		struct px_override *o;

		/* A message the case rules left without effect (after the
		 * case closed) has none here either. */
		if (m->type != PX_MSG_ROUTING || c->why[i] != NULL)
			continue;
		if (p) {
			const json_t *match = json_object_get(p, "match");
			const char *to =
			    json_string_value(json_object_get(p, "to"));
			int64_t until;

			if (strcmp(to, c->requester) != 0 &&
			    strcmp(to, c->responder) != 0)
				continue;
			if (px_time_parse(&until,
			        json_string_value(json_object_get(p, "until")),
			        0) < 0)
				continue;
			a = px_realloc(a, (k + 1) * sizeof(*a));
			o = &a[k++];
			o->id = m->hash;
			o->proposer = m->from;
			o->to = to;
			o->match = json_string_value(
			    json_object_get(match, "network"));
			if (o->match == NULL)
				o->match = json_string_value(
				    json_object_get(match, "asn"));
			o->proposed_ms = m->time_ms;
			o->accepted_ms = o->revoked_ms = -1;
			o->until_ms = until;
			o->accepted_by = NULL;
			continue;
		}
		if ((ref = json_string_value(json_object_get(r, "accept")))) {
			o = find_ovr(a, k, ref);
			if (o && o->accepted_ms < 0 && o->revoked_ms < 0 &&
			    strcmp(o->proposer, m->from) != 0) {
				o->accepted_ms = m->time_ms;
				o->accepted_by = m->hash;
			}
			continue;
		}
		if ((ref = json_string_value(json_object_get(r, "revoke")))) {
			o = find_ovr(a, k, ref);
			if (o && o->revoked_ms < 0)
				o->revoked_ms = m->time_ms;
		}
	}
	*out = a;
	*n = k;
}

const char *
px_override_state(const struct px_override *o, int64_t now)
{
	if (o->revoked_ms >= 0 && o->revoked_ms <= now)
		return "revoked";
	if (o->until_ms <= now)
		return "expired";
	if (o->accepted_ms >= 0 && o->accepted_ms <= now)
		return "active";
	return "proposed";
}
