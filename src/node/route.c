/*
 * Feed settings ([feeds] in parley.conf), loading delegation files, and
 * building the routing table a node routes with (node/feeds.h).
 */
#include <sys/stat.h>

#include "model/canon.h"
#include "node/feeds.h"
#include "node/override.h"
#include "util/util.h"

#define DAY_MS             INT64_C(86400000)
#define DELEG_MAX_BYTES    (256u * 1024 * 1024)
#define ATTACH_MAX_DEFAULT (4u << 20)

static int
conf_bad(const char *key, const char *v, const char *want)
{
	return px_error_set(
	    PX_EINVAL, "parley.conf [feeds] %s = '%s': %s", key, v, want);
}

/* "24h", "1h", "30m", "2d" */
static int
duration(int64_t *out, const char *key, const char *v)
{
	char *end = NULL;
	long long x = strtoll(v, &end, 10);
	int64_t unit;

	if (end == v || x <= 0)
		goto bad;
	if (strcmp(end, "m") == 0)
		unit = 60000;
	else if (strcmp(end, "h") == 0)
		unit = 3600000;
	else if (strcmp(end, "d") == 0)
		unit = DAY_MS;
	else
		goto bad;
	*out = (int64_t)x * unit;
	/* Intervals nest in the digest's days. */
	if (*out > DAY_MS || DAY_MS % *out != 0)
		goto bad;
	return 0;
bad:
	return conf_bad(key, v,
	    "expected a duration that divides a day, e.g. 24h, 6h, 1h or 30m");
}

static int
days(int *out, const char *key, const char *v)
{
	char *end = NULL;
	long x = strtol(v, &end, 10);

	if (end == v || *end || x < 1 || x > 365)
		return conf_bad(key, v, "expected a number of days, 1 to 365");
	*out = (int)x;
	return 0;
}

int
px_feed_cfg_load(struct px_feed_cfg *c, const struct px_node *n)
{
	const struct px_conf *cf = &n->conf;
	const char *v;
	int rc;

	memset(c, 0, sizeof(*c));
	c->interval_ms = DAY_MS;
	c->critical_ms = 3600000;
	c->tlp = PX_TLP_AMBER;
	c->expire_days = 7;
	c->persistent_days = 3;
	c->attach_max = ATTACH_MAX_DEFAULT;
	if ((v = px_conf_get(cf, "feeds", NULL, "interval")) && *v &&
	    (rc = duration(&c->interval_ms, "interval", v)) < 0)
		return rc;
	if ((v = px_conf_get(cf, "feeds", NULL, "critical_interval")) && *v &&
	    (rc = duration(&c->critical_ms, "critical_interval", v)) < 0)
		return rc;
	if ((v = px_conf_get(cf, "feeds", NULL, "cutoff")) && *v) {
		if (strlen(v) != 5 || v[2] != ':' || v[0] < '0' || v[0] > '2' ||
		    v[1] < '0' || v[1] > '9' || v[3] < '0' || v[3] > '5' ||
		    v[4] < '0' || v[4] > '9' ||
		    (v[0] - '0') * 10 + (v[1] - '0') > 23)
			return conf_bad("cutoff", v, "expected HH:MM (UTC)");
		c->cutoff_ms =
		    ((int64_t)((v[0] - '0') * 10 + (v[1] - '0')) * 60 +
		        (v[3] - '0') * 10 + (v[4] - '0')) *
		    60000;
	}
	if ((v = px_conf_get(cf, "feeds", NULL, "tlp")) && *v &&
	    px_ev_parse_tlp(&c->tlp, v, strlen(v), "tlp") < 0)
		return conf_bad("tlp", v,
		    "expected clear, green, amber, "
		    "amber+strict or red");
	if ((v = px_conf_get(cf, "feeds", NULL, "expire_days")) && *v &&
	    (rc = days(&c->expire_days, "expire_days", v)) < 0)
		return rc;
	if ((v = px_conf_get(cf, "feeds", NULL, "persistent_days")) && *v &&
	    (rc = days(&c->persistent_days, "persistent_days", v)) < 0)
		return rc;
	if ((v = px_conf_get(cf, "feeds", NULL, "attachment_max")) && *v) {
		char *end = NULL;
		unsigned long long x = strtoull(v, &end, 10);

		if (end == v || *end || x < 4096 || x > (8u << 20))
			return conf_bad("attachment_max", v,
			    "expected a number of bytes, 4096 to 8388608");
		c->attach_max = (size_t)x;
	}
	if ((v = px_conf_get(cf, "feeds", NULL, "destination")) && *v) {
		const char *p = v;

		while (*p) {
			const char *e;
			int t;

			while (*p == ' ' || *p == ',')
				p++;
			for (e = p; *e && *e != ',' && *e != ' '; e++)
				;
			if (e > p) {
				if (px_ev_parse_type(&t, p, (size_t)(e - p),
				        "parley.conf [feeds] destination") < 0)
					return PX_EINVAL;
				c->dst_types |= UINT64_C(1) << t;
			}
			p = e;
		}
	}
	v = px_conf_get(cf, "feeds", NULL, "spool");
	if (v == NULL || *v == '\0')
		v = "spool";
	c->spool = v[0] == '/' ? px_strdup(v) : px_asprintf("%s/%s", n->dir, v);
	return 0;
}

void
px_feed_cfg_dispose(struct px_feed_cfg *c)
{
	free(c->spool);
	memset(c, 0, sizeof(*c));
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int64_t
px_feed_interval(const struct px_feed_cfg *c, int64_t t, int64_t len)
{
	return c->cutoff_ms + floor_div(t - c->cutoff_ms, len) * len;
}

void
px_feed_day(char out[11], const struct px_feed_cfg *c, int64_t t)
{
	int64_t start = px_feed_interval(c, t, DAY_MS), y;
	unsigned m, d;

	px_civil_from_days(floor_div(start, DAY_MS), &y, &m, &d);
	snprintf(out, 11, "%04d-%02u-%02u", (int)y, m, d);
}

int
px_feed_day_start(int64_t *out, const struct px_feed_cfg *c, const char *day)
{
	int64_t t;

	if (day == NULL || strlen(day) != 10 || px_time_parse(&t, day, 1) < 0)
		return px_error_set(PX_EINVAL,
		    "'%s' is not a day (expected YYYY-MM-DD)", day ? day : "");
	*out = t + c->cutoff_ms;
	return 0;
}

/* --- delegation files ----------------------------------------------- */

static char *
deleg_path(const struct px_node *n, const char *sha)
{
	return px_asprintf("%s/routing/%s.txt", n->dir, sha);
}

int
px_routing_load(
    struct px_node *n, const char *path, struct px_routing_file_row *out)
{
	struct px_buf b;
	struct px_rir_header h;
	uint8_t dig[32];
	char sha[65], *dir = NULL, *dst = NULL;
	struct px_routing_file_row row = { 0 };
	int rc;

	px_buf_init(&b, DELEG_MAX_BYTES);
	if ((rc = px_file_read(&b, path, DELEG_MAX_BYTES)) < 0)
		goto out;
	if ((rc = px_rir_parse(b.data, b.len, &h, NULL, NULL, path)) < 0)
		goto out;
	if (h.delegated == 0) {
		rc = px_error_set(PX_EINVAL,
		    "%s delegates nothing (no allocated or assigned record "
		    "with a country)",
		    path);
		goto out;
	}
	px_sha256(dig, b.data, b.len);
	px_hex_encode(sha, dig, sizeof(dig));
	dir = px_asprintf("%s/routing", n->dir);
	dst = deleg_path(n, sha);
	if ((rc = px_mkdir_p(dir, 0700)) < 0 ||
	    (!px_file_exists(dst) &&
	        (rc = px_file_write(dst, b.data, b.len, 0600)) < 0))
		goto out;
	row.sha256 = sha;
	row.registry = h.registry;
	row.serial = h.serial;
	row.path = dst;
	row.records = h.delegated;
	row.lines = h.lines;
	row.loaded_ms = px_time_now_ms();
	row.active = true;
	if ((rc = PX_STORE_CALL(n->store, routing_file_put, &row)) < 0)
		goto out;
	if (out) {
		memset(out, 0, sizeof(*out));
		out->sha256 = px_strdup(sha);
		out->registry = px_strdup(h.registry);
		out->serial = px_strdup(h.serial);
		out->path = px_strdup(dst);
		out->records = h.delegated;
		out->lines = h.lines;
		out->loaded_ms = row.loaded_ms;
		out->active = true;
	}
out:
	free(dir);
	free(dst);
	px_buf_dispose(&b);
	return rc;
}

int
px_routing_line(
    char **out, struct px_node *n, const char *sha256, unsigned line)
{
	char *path = deleg_path(n, sha256);
	struct px_buf b;
	const char *p, *end;
	unsigned k = 1;
	int rc;

	px_buf_init(&b, DELEG_MAX_BYTES);
	for (const char *c = sha256; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'))) {
			rc = px_error_set(
			    PX_EINVAL, "'%s' is not a SHA-256", sha256);
			goto out;
		}
	if ((rc = px_file_read(&b, path, DELEG_MAX_BYTES)) < 0) {
		if (rc == PX_ENOTFOUND)
			rc = px_error_set(PX_ENOTFOUND,
			    "delegation file %.16s... is not loaded here "
			    "(load the same file with 'parley routing load')",
			    sha256);
		goto out;
	}
	p = b.data;
	end = b.data + b.len;
	while (k < line && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		p = nl ? nl + 1 : end;
		k++;
	}
	if (p >= end) {
		rc = px_error_set(PX_ENOTFOUND,
		    "delegation file %.16s... has no line %u", sha256, line);
		goto out;
	}
	{
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (len && p[len - 1] == '\r')
			len--;
		*out = px_strndup(p, len);
	}
	rc = 0;
out:
	free(path);
	px_buf_dispose(&b);
	return rc;
}

/* --- the table ------------------------------------------------------ */

struct build {
	struct px_node *n;
	struct px_rtable *t;
	int rc;
};

static int
add_file(const struct px_routing_file_row *r, void *arg)
{
	struct build *b = arg;
	struct px_buf text;
	char *path = deleg_path(b->n, r->sha256);

	px_buf_init(&text, DELEG_MAX_BYTES);
	b->rc = px_file_read(&text, path, DELEG_MAX_BYTES);
	if (b->rc == 0)
		b->rc = px_rtable_add_file(
		    b->t, text.data, text.len, r->sha256, path, NULL);
	free(path);
	px_buf_dispose(&text);
	return b->rc;
}

static int
add_peer(const struct px_peer_row *r, void *arg)
{
	struct build *b = arg;
	struct px_card card = { 0 };

	if ((b->rc = px_card_parse_pinned(
	         &card, r->card, strlen(r->card), r->name)) < 0)
		return b->rc;
	b->rc = px_rtable_add_party(
	    b->t, card.name, card.version, false, card.constituency, NULL);
	px_card_dispose(&card);
	return b->rc;
}

int
px_node_rtable(
    struct px_rtable **out, struct px_node *n, const struct px_feed_cfg *cfg)
{
	struct build b = { .n = n };
	json_t *card = NULL, *cons = NULL;
	int rc;

	if ((rc = px_rtable_new(&b.t)) < 0)
		return rc;
	if ((rc = PX_STORE_CALL(
	         n->store, routing_file_list, true, add_file, &b)) < 0)
		goto out;
	/* This node first: its own constituency's events stay here. */
	if ((rc = px_node_card(&card, n)) < 0)
		goto out;
	cons = px_node_constituency(&n->conf);
	if ((rc = px_rtable_add_party(b.t, n->name,
	         json_integer_value(
	             json_object_get(json_object_get(card, "card"), "version")),
	         true, cons, NULL)) < 0)
		goto out;
	if ((rc = PX_STORE_CALL(n->store, peer_list, add_peer, &b)) < 0)
		goto out;
	if ((rc = px_override_add_all(n, b.t)) < 0)
		goto out;
	px_rtable_set_dst_types(b.t, cfg->dst_types);
	if ((rc = px_rtable_build(b.t)) < 0)
		goto out;
	*out = b.t;
	b.t = NULL;
out:
	if (rc < 0 && b.rc < 0)
		rc = b.rc;
	json_decref(card);
	json_decref(cons);
	px_rtable_free(b.t);
	return rc;
}

int
px_route_explain(json_t **out, struct px_node *n, const char *ip,
    const char *asn, const char *type, const char *tlp, int64_t at)
{
	struct px_event *e = px_malloc(sizeof(*e));
	struct px_feed_cfg cfg = { 0 };
	struct px_rtable *t = NULL;
	struct px_rt_result r;
	struct px_buf b;
	json_t *route = NULL, *o;
	int rc;

	px_buf_init(&b, PX_BUF_NOCAP);
	px_event_reset(e);
	e->type = PX_EVT_INFECTED_SYSTEM;
	e->tlp = PX_TLP_AMBER;
	if ((rc = px_ev_parse_ip(&e->src.ip, ip, strlen(ip), "address")) < 0 ||
	    (asn &&
	        (rc = px_ev_parse_asn(&e->src.asn, asn, strlen(asn), "asn")) <
	            0) ||
	    (type &&
	        (rc = px_ev_parse_type(&e->type, type, strlen(type), "type")) <
	            0) ||
	    (tlp &&
	        (rc = px_ev_parse_tlp(&e->tlp, tlp, strlen(tlp), "tlp")) < 0))
		goto out;
	/* The destination side gets the same address, for types routed by
	 * their destination. */
	e->dst.ip = e->src.ip;
	e->dst.asn = e->src.asn;
	if ((rc = px_feed_cfg_load(&cfg, n)) < 0 ||
	    (rc = px_node_rtable(&t, n, &cfg)) < 0)
		goto out;
	px_route_event(&r, t, e, at);
	px_route_json(&b, t, &r);
	if ((rc = px_json_parse(&route, b.data, b.len, b.len + 1, "route")) < 0)
		goto out;
	o = json_pack("{sssOss#}", "status", px_rt_status_names[r.status],
	    "route", route, "because", b.data, b.len);
	if (r.party >= 0)
		json_object_set_new(
		    o, "party", json_string(px_rtable_party_name(t, r.party)));
	if (r.status == PX_RT_DISPUTED && r.other >= 0)
		json_object_set_new(
		    o, "other", json_string(px_rtable_party_name(t, r.other)));
	if (r.reason)
		json_object_set_new(o, "reason", json_string(r.reason));
	if (r.by == PX_RT_BY_COUNTRY && r.file >= 0) {
		const char *reg, *ser, *sha;
		char *text = NULL;

		px_rtable_file(t, r.file, &reg, &ser, &sha);
		json_object_set_new(
		    o, "line_number", json_integer((json_int_t)r.line));
		if (px_routing_line(&text, n, sha, r.line) == 0)
			json_object_set_new(o, "line", json_string(text));
		free(text);
	}
	*out = o;
out:
	json_decref(route);
	px_buf_dispose(&b);
	px_rtable_free(t);
	px_feed_cfg_dispose(&cfg);
	free(e);
	return rc;
}
