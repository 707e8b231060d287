/*
 * Aggregation (feeds.h, px_feed_flush): each batch whose interval ended
 * becomes a report case for its group (responsible AS, type,
 * identifier), or an update to the group's open case; its events go in
 * content-addressed attachments of at most [feeds] attachment_max bytes
 * (a batch larger than that takes several messages, "part i of n").  A
 * case whose hosts were not seen for [feeds] expire_days is closed as
 * resolved.  Then the digests of the days that ended are signed.
 *
 * Everything one flush signs is one durable transaction (the node's
 * batch mode: one checkpoint), and the batch rows are marked sent in it,
 * so a flush that fails sends nothing twice.
 */
#include "model/canon.h"
#include "model/feedmsg.h"
#include "model/observable.h"
#include "node/attach.h"
#include "node/feeds.h"
#include "node/log.h"
#include "node/override.h"
#include "util/u64map.h"
#include "util/util.h"

#define DAY_MS   INT64_C(86400000)
#define TOP_NETS 10

struct part {
	char sha[65];
	char name[96];
	int64_t events, size;
};

struct net_count {
	struct px_addr net;
	uint8_t len;
	int64_t n;
};

/* A host of the batch: its sightings in the batch's events. */
struct bhost {
	size_t name; /* offset in build.names */
	int64_t first, last, count;
};

struct build {
	struct px_node *n;
	const struct px_feed_cfg *cfg;
	const struct px_feed_batch_row *b;
	char wire[33]; /* the batch's wire id */
	struct px_buf cur;
	int64_t cur_events;
	struct part *parts;
	size_t nparts;
	int64_t events, first, last;
	int tlp;
	struct px_u64map netmap;
	struct net_count *nets;
	size_t nnets;
	struct px_u64map hostmap;
	struct bhost *hosts;
	size_t nhosts;
	struct px_buf names; /* the hosts' names, NUL-separated */
	int rc;
};

static int
finish_part(struct build *b)
{
	struct part *p;
	int rc;

	if (b->cur_events == 0)
		return 0;
	b->parts = px_realloc(b->parts, (b->nparts + 1) * sizeof(*b->parts));
	p = &b->parts[b->nparts];
	snprintf(p->name, sizeof(p->name), "events-%s-%zu.jsonl", b->wire,
	    b->nparts + 1);
	if ((rc = px_attach_store(b->n, b->cur.data, b->cur.len,
	         PX_ATTACH_MEDIA, p->name, b->cur_events, b->n->name, p->sha)) <
	    0)
		return rc;
	p->events = b->cur_events;
	p->size = (int64_t)b->cur.len;
	b->nparts++;
	px_buf_reset(&b->cur);
	b->cur_events = 0;
	return 0;
}

/* The network an address counts under for "top networks": its /24, or
 * its /48 for IPv6. */
static void
count_net(struct build *b, const char *host)
{
	struct net_count nc;
	uint64_t h;
	size_t probe = 0;
	int64_t i;

	memset(&nc, 0, sizeof(nc));
	if (host == NULL ||
	    px_ev_parse_ip(&nc.net, host, strlen(host), "host") < 0)
		return;
	nc.len = nc.net.fam == 4 ? 24 : 48;
	memset(nc.net.b + nc.len / 8, 0, 16 - nc.len / 8);
	h = px_hash64(&nc.net, sizeof(nc.net), 5);
	while ((i = px_u64map_get(&b->netmap, h, &probe)) >= 0)
		if (px_addr_cmp(&b->nets[i].net, &nc.net) == 0) {
			b->nets[i].n++;
			return;
		}
	nc.n = 1;
	b->nets = px_realloc(b->nets, (b->nnets + 1) * sizeof(*b->nets));
	b->nets[b->nnets] = nc;
	px_u64map_put(&b->netmap, h, (uint32_t)b->nnets);
	b->nnets++;
}

/* Counts a sighting of the event's host in the batch. */
static void
add_host(struct build *b, const struct px_feed_event_row *r)
{
	uint64_t h;
	size_t probe = 0;
	int64_t i;
	struct bhost *x;

	if (r->host == NULL)
		return;
	h = px_hash64(r->host, strlen(r->host), 3);
	while ((i = px_u64map_get(&b->hostmap, h, &probe)) >= 0)
		if (strcmp(b->names.data + b->hosts[i].name, r->host) == 0)
			break;
	if (i < 0) {
		b->hosts =
		    px_realloc(b->hosts, (b->nhosts + 1) * sizeof(*b->hosts));
		x = &b->hosts[b->nhosts];
		x->name = b->names.len;
		px_buf_put(&b->names, r->host, strlen(r->host) + 1);
		x->first = r->seen_first;
		x->last = r->seen_last;
		x->count = 0;
		px_u64map_put(&b->hostmap, h, (uint32_t)b->nhosts);
		i = (int64_t)b->nhosts++;
	}
	x = &b->hosts[i];
	if (r->seen_first < x->first)
		x->first = r->seen_first;
	if (r->seen_last > x->last)
		x->last = r->seen_last;
	x->count += r->count;
}

/* The TLP an event carries: its JSON (written by px_event_json) ends in
 * "tlp":"...". */
static int
event_tlp(const char *json)
{
	const char *t = strstr(json, "\"tlp\":\"");

	for (const char *p = t; p; p = strstr(p + 1, "\"tlp\":\""))
		t = p;
	if (t) {
		int v;
		const char *s = t + 7, *e = strchr(s, '"');

		if (e && px_ev_parse_tlp(&v, s, (size_t)(e - s), "tlp") == 0)
			return v;
	}
	return PX_TLP_AMBER;
}

static int
add_event(const struct px_feed_event_row *r, void *arg)
{
	struct build *b = arg;
	char id[65], t1[PX_TIME_STRLEN], t2[PX_TIME_STRLEN], t3[PX_TIME_STRLEN];
	int tlp;

	px_event_id(id, r->event, strlen(r->event));
	px_time_format(t1, r->routed_ms);
	px_time_format(t2, r->seen_first);
	px_time_format(t3, r->seen_last);
	/* Canonical: members in order event, id, route, routed, seen.
	 * Pieces, not a format string: this runs for every event shared. */
	{
		char cnt[24];
		int k = snprintf(cnt, sizeof(cnt), "%lld", (long long)r->count);

		px_buf_puts(&b->cur, "{\"event\":");
		px_buf_puts(&b->cur, r->event);
		px_buf_puts(&b->cur, ",\"id\":\"");
		px_buf_put(&b->cur, id, 64);
		px_buf_puts(&b->cur, "\",\"route\":");
		px_buf_puts(&b->cur, r->route_json);
		px_buf_puts(&b->cur, ",\"routed\":\"");
		px_buf_put(&b->cur, t1, PX_TIME_STRLEN - 1);
		px_buf_puts(&b->cur, "\",\"seen\":{\"count\":");
		px_buf_put(&b->cur, cnt, (size_t)k);
		px_buf_puts(&b->cur, ",\"first\":\"");
		px_buf_put(&b->cur, t2, PX_TIME_STRLEN - 1);
		px_buf_puts(&b->cur, "\",\"last\":\"");
		px_buf_put(&b->cur, t3, PX_TIME_STRLEN - 1);
		px_buf_puts(&b->cur, "\"}}\n");
	}
	b->cur_events++;
	b->events++;
	if (b->first < 0 || r->seen_first < b->first)
		b->first = r->seen_first;
	if (r->seen_last > b->last)
		b->last = r->seen_last;
	tlp = event_tlp(r->event);
	if (tlp > b->tlp)
		b->tlp = tlp;
	count_net(b, r->host);
	add_host(b, r);
	if (b->cur.len >= b->cfg->attach_max)
		return (b->rc = finish_part(b));
	return 0;
}

struct hosts {
	int64_t start, end, persistent_ms, gone_ms;
	int64_t total, active, fresh, persistent, gone;
};

static int
host_one(
    const char *host, int64_t first, int64_t last, int64_t count, void *arg)
{
	struct hosts *h = arg;

	(void)host;
	(void)count;
	h->total++;
	if (last >= h->start) {
		h->active++;
		if (first >= h->start)
			h->fresh++;
		if (first <= h->end - h->persistent_ms)
			h->persistent++;
	} else if (last < h->end - h->gone_ms) {
		h->gone++;
	}
	return 0;
}

static int
by_count(const void *a, const void *b)
{
	const struct net_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return px_addr_cmp(&x->net, &y->net);
}

static void
net_text(char out[52], const struct net_count *c)
{
	char ip[46];

	px_addr_format(ip, &c->net);
	snprintf(out, 52, "%s/%u", ip, c->len);
}

/* The case header of a batch that opens a case. */
static json_t *
header(struct build *b, bool critical)
{
	const struct px_feed_batch_row *r = b->b;
	char *title;
	json_t *obs = json_array(), *h;

	if (r->asn > 0) {
		char as[16];

		snprintf(as, sizeof(as), "AS%lld", (long long)r->asn);
		json_array_append_new(obs,
		    json_pack(
		        "{ssss}", "type", "autonomous-system", "value", as));
	}
	for (size_t i = 0; i < b->nnets && i < TOP_NETS; i++) {
		char net[52];

		net_text(net, &b->nets[i]);
		json_array_append_new(obs,
		    json_pack("{ssss}", "type",
		        b->nets[i].net.fam == 4 ? "ipv4-addr" : "ipv6-addr",
		        "value", net));
	}
	title = r->asn > 0
	    ? px_asprintf("Feed: %s (%.100s) in AS%lld",
	          px_ev_types[r->type].name, r->identifier, (long long)r->asn)
	    : px_asprintf("Feed: %s (%.100s), AS not known",
	          px_ev_types[r->type].name, r->identifier);
	h = json_pack("{sssssssssssO}", "kind", "report", "category",
	    px_category_names[px_ev_types[r->type].category].wire, "priority",
	    critical ? "P3" : "P4", "tlp",
	    px_tlp_names[b->tlp < PX_TLP_GREEN ? PX_TLP_GREEN : b->tlp].wire,
	    "title", title, "observables", obs);
	free(title);
	json_decref(obs);
	return h;
}

static json_t *
batch_text(struct build *b, const struct hosts *h, size_t part, bool critical)
{
	const struct px_feed_batch_row *r = b->b;
	struct px_buf t;
	char s1[PX_TIME_STRLEN], s2[PX_TIME_STRLEN];
	json_t *v;

	px_buf_init(&t, PX_BUF_NOCAP);
	px_time_format(s1, r->start_ms);
	px_time_format(s2, r->end_ms);
	{
		char asl[40];

		if (r->asn > 0)
			snprintf(
			    asl, sizeof(asl), " in AS%lld", (long long)r->asn);
		else
			snprintf(asl, sizeof(asl), ", AS not known");
		if (b->nparts > 1)
			px_buf_putf(
			    &t, "Part %zu of %zu.  ", part + 1, b->nparts);
		px_buf_putf(&t,
		    "%lld %s event%s (%s)%s, routed to %s by %s%s.\n"
		    "Interval: %s to %s.\n",
		    (long long)b->events, px_ev_types[r->type].name,
		    b->events == 1 ? "" : "s", r->identifier, asl, r->peer,
		    b->n->name, critical ? " (critical: hourly batch)" : "", s1,
		    s2);
	}
	px_time_format(s1, b->first);
	px_time_format(s2, b->last);
	px_buf_putf(&t, "Seen first %s, last %s.\n", s1, s2);
	if (b->nnets) {
		px_buf_puts(&t, "Top networks:");
		for (size_t i = 0; i < b->nnets && i < TOP_NETS; i++) {
			char net[52];

			net_text(net, &b->nets[i]);
			px_buf_putf(&t, "%s %s (%lld)", i ? "," : "", net,
			    (long long)b->nets[i].n);
		}
		px_buf_puts(&t, ".\n");
	}
	px_buf_putf(&t,
	    "Hosts in this case: %lld; %lld seen in this interval (%lld new), "
	    "%lld still seen %d or more days after first, %lld not seen for "
	    "%d days.\n",
	    (long long)h->total, (long long)h->active, (long long)h->fresh,
	    (long long)h->persistent, b->cfg->persistent_days,
	    (long long)h->gone, b->cfg->persistent_days);
	px_buf_putf(&t,
	    "The events of this part are in the attachment %s (SHA-256 %s, "
	    "%lld events); each line names the delegation line, constituency "
	    "entry or override that routed it.",
	    b->parts[part].name, b->parts[part].sha,
	    (long long)b->parts[part].events);
	v = px_text_new(t.data, "en", NULL, NULL, NULL);
	px_buf_dispose(&t);
	return v;
}

static json_t *
feed_member(struct build *b, size_t part, const struct hosts *h)
{
	const struct px_feed_batch_row *r = b->b;
	json_t *interval = json_pack("{soso}", "start",
	    px_json_time(r->start_ms), "end", px_json_time(r->end_ms));
	json_t *group =
	    json_pack("{sIssss}", "asn", (json_int_t)(r->asn > 0 ? r->asn : 0),
	        "type", px_ev_types[r->type].name, "identifier", r->identifier);
	json_t *f = json_pack("{sssIsIsIsoso}", "batch", b->wire, "part",
	    (json_int_t)(part + 1), "parts", (json_int_t)b->nparts, "events",
	    (json_int_t)b->parts[part].events, "interval", interval, "group",
	    group);

	json_object_set_new(f, "attachment",
	    json_pack("{sssIssss}", "sha256", b->parts[part].sha, "size",
	        (json_int_t)b->parts[part].size, "media_type", PX_ATTACH_MEDIA,
	        "name", b->parts[part].name));
	if (part == 0)
		json_object_set_new(f, "hosts",
		    json_pack("{sIsIsIsIsI}", "total", (json_int_t)h->total,
		        "active", (json_int_t)h->active, "new",
		        (json_int_t)h->fresh, "persistent",
		        (json_int_t)h->persistent, "gone",
		        (json_int_t)h->gone));
	return f;
}

/* The group's case if it can take an update, else NULL. */
static bool
case_open(struct px_node *n, const char *id)
{
	struct px_case c;
	bool open;

	if (id == NULL || px_node_case_load(&c, n, id, NULL) < 0)
		return false;
	open = !px_state_terminal(c.state);
	px_case_dispose(&c);
	return open;
}

/* Sends one batch; case_out (37) gets the case it went to ("" if
 * none). */
static int
send_batch(struct px_node *n, const struct px_feed_cfg *cfg,
    const struct px_feed_batch_row *r, struct px_flush_report *rep,
    char *case_out)
{
	struct build b;
	struct hosts h = { 0 };
	char case_id[PX_UUID_STRLEN] = "";
	bool critical = r->end_ms - r->start_ms == cfg->critical_ms &&
	    cfg->critical_ms != cfg->interval_ms;
	bool fresh = !case_open(n, r->gcase);
	int rc;

	case_out[0] = '\0';
	memset(&b, 0, sizeof(b));
	b.n = n;
	b.cfg = cfg;
	b.b = r;
	b.first = -1;
	b.tlp = PX_TLP_CLEAR;
	px_buf_init(&b.cur, PX_BUF_NOCAP);
	px_u64map_init(&b.netmap);
	px_u64map_init(&b.hostmap);
	px_buf_init(&b.names, PX_BUF_NOCAP);
	{
		uint8_t d[32];
		char *seed = px_asprintf("parley-batch-v1\n%s\n%lld\n%lld",
		    n->name, (long long)r->id, (long long)r->start_ms);
		char hex[65];

		px_sha256(d, seed, strlen(seed));
		px_hex_encode(hex, d, sizeof(d));
		snprintf(b.wire, sizeof(b.wire), "%.32s", hex);
		free(seed);
	}
	if ((rc = PX_STORE_CALL(
	         n->store, feed_batch_events, r->id, add_event, &b)) < 0 ||
	    (rc = b.rc) < 0 || (rc = finish_part(&b)) < 0)
		goto out;
	if (b.nparts == 0) {
		/* Nothing in it (every event was reassigned): done. */
		rc = PX_STORE_CALL(n->store, feed_batch_sent, r->id, NULL, NULL,
		    px_time_now_ms());
		goto out;
	}
	if (b.nnets > 1)
		qsort(b.nets, b.nnets, sizeof(*b.nets), by_count);
	h.start = r->start_ms;
	h.end = r->end_ms;
	h.persistent_ms = cfg->persistent_days * DAY_MS;
	h.gone_ms = cfg->persistent_days * DAY_MS;
	for (size_t i = 0; i < b.nhosts; i++)
		if ((rc = PX_STORE_CALL(n->store, feed_host_put, r->grp,
		         b.names.data + b.hosts[i].name, b.hosts[i].first,
		         b.hosts[i].last, b.hosts[i].count)) < 0)
			goto out;
	if ((rc = PX_STORE_CALL(
	         n->store, feed_group_hosts, r->grp, host_one, &h)) < 0)
		goto out;
	for (size_t i = 0; i < b.nparts; i++) {
		json_t *body = json_object();
		struct px_msg *m = NULL;
		bool opens = fresh && i == 0;
		struct px_feed_part_row pr;

		if (opens)
			json_object_set_new(body, "case", header(&b, critical));
		json_object_set_new(
		    body, "text", batch_text(&b, &h, i, critical));
		json_object_set_new(body, "feed", feed_member(&b, i, &h));
		rc = px_node_send(n, r->peer,
		    opens ? NULL : (i == 0 ? r->gcase : case_id),
		    opens ? PX_MSG_REPORT : PX_MSG_UPDATE, body, &m);
		json_decref(body);
		if (rc < 0)
			goto out;
		if (i == 0) {
			snprintf(case_id, sizeof(case_id), "%s", m->case_id);
			if ((rc = PX_STORE_CALL(n->store, feed_batch_sent,
			         r->id, case_id, m->hash, m->time_ms)) < 0 ||
			    (opens &&
			        (rc = PX_STORE_CALL(n->store, feed_group_case,
			             r->grp, case_id)) < 0)) {
				px_msg_free(m);
				goto out;
			}
			if (opens)
				rep->opened++;
			else
				rep->updates++;
		}
		memset(&pr, 0, sizeof(pr));
		pr.msg_hash = m->hash;
		pr.case_id = m->case_id;
		pr.peer = (char *)r->peer;
		pr.dir = (char *)"out";
		pr.batch = b.wire;
		pr.attachment = b.parts[i].sha;
		pr.part = (int64_t)i + 1;
		pr.parts = (int64_t)b.nparts;
		pr.start_ms = r->start_ms;
		pr.end_ms = r->end_ms;
		pr.events = b.parts[i].events;
		pr.time_ms = m->time_ms;
		rc = PX_STORE_CALL(n->store, feed_part_put, &pr);
		px_msg_free(m);
		if (rc < 0)
			goto out;
		rep->parts++;
	}
	rep->events += (size_t)b.events;
	snprintf(case_out, PX_UUID_STRLEN, "%s", case_id);
out:
	px_buf_dispose(&b.cur);
	px_u64map_dispose(&b.netmap);
	px_u64map_dispose(&b.hostmap);
	px_buf_dispose(&b.names);
	free(b.hosts);
	free(b.parts);
	free(b.nets);
	return rc;
}

struct collect {
	struct px_feed_batch_row *v;
	size_t n;
};

static int
collect(const struct px_feed_batch_row *r, void *arg)
{
	struct collect *c = arg;

	c->v = px_realloc(c->v, (c->n + 1) * sizeof(*c->v));
	c->v[c->n].id = r->id;
	c->v[c->n].grp = r->grp;
	c->v[c->n].start_ms = r->start_ms;
	c->v[c->n].end_ms = r->end_ms;
	c->v[c->n].events = r->events;
	c->v[c->n].sent_ms = r->sent_ms;
	c->v[c->n].peer = px_strdup(r->peer);
	c->v[c->n].identifier = px_strdup(r->identifier);
	c->v[c->n].asn = r->asn;
	c->v[c->n].type = r->type;
	c->v[c->n].case_id = NULL;
	c->v[c->n].msg_hash = NULL;
	c->v[c->n].gcase = px_strdup(r->gcase);
	c->n++;
	return 0;
}

struct expire {
	int64_t *grp;
	char **cases, **peers;
	size_t k;
};

static int
expire_one(int64_t grp, const char *peer, const char *case_id, void *arg)
{
	struct expire *e = arg;

	e->grp = px_realloc(e->grp, (e->k + 1) * sizeof(*e->grp));
	e->cases = px_realloc(e->cases, (e->k + 1) * sizeof(*e->cases));
	e->peers = px_realloc(e->peers, (e->k + 1) * sizeof(*e->peers));
	e->grp[e->k] = grp;
	e->peers[e->k] = px_strdup(peer);
	e->cases[e->k] = px_strdup(case_id);
	e->k++;
	return 0;
}

static int
last_seen(
    const char *host, int64_t first, int64_t last, int64_t count, void *arg)
{
	(void)host;
	(void)first;
	(void)count;
	if (last > *(int64_t *)arg)
		*(int64_t *)arg = last;
	return 0;
}

/* Closes the cases whose hosts stopped appearing (feed_hosts: what was
 * shared of each host), once a day (meta feed.expired). */
static int
expire_cases(struct px_node *n, const struct px_feed_cfg *cfg, int64_t now,
    struct px_flush_report *rep)
{
	struct expire e = { 0 };
	char today[11], *done = NULL;
	int64_t before = now - cfg->expire_days * DAY_MS;
	int rc;

	px_feed_day(today, cfg, now);
	if (PX_STORE_CALL(n->store, meta_get, "feed.expired", &done) == 0 &&
	    strcmp(done, today) == 0) {
		free(done);
		return 0;
	}
	free(done);
	rc = PX_STORE_CALL(n->store, feed_group_list, expire_one, &e);
	for (size_t i = 0; rc == 0 && i < e.k; i++) {
		char when[PX_TIME_STRLEN], *text;
		int64_t last = -1, pending = 0;
		json_t *body;

		if (!case_open(n, e.cases[i]))
			continue;
		/* Sightings still waiting in an open batch count too. */
		if ((rc = PX_STORE_CALL(
		         n->store, feed_group_pending, e.grp[i], &pending)) < 0)
			break;
		if (pending > 0)
			continue;
		if ((rc = PX_STORE_CALL(n->store, feed_group_hosts, e.grp[i],
		         last_seen, &last)) < 0)
			break;
		if (last < 0 || last >= before)
			continue;
		px_time_format(when, last);
		text =
		    px_asprintf("Resolved: none of the hosts of this case was "
		                "seen since %s (%d days without a "
		                "sighting).",
		        when, cfg->expire_days);
		body = json_pack(
		    "{so}", "text", px_text_new(text, "en", NULL, NULL, NULL));
		rc =
		    px_node_send(n, NULL, e.cases[i], PX_MSG_CLOSE, body, NULL);
		json_decref(body);
		free(text);
		if (rc == 0)
			rep->closed++;
	}
	if (rc == 0)
		rc = PX_STORE_CALL(n->store, meta_set, "feed.expired", today);
	for (size_t i = 0; i < e.k; i++) {
		free(e.cases[i]);
		free(e.peers[i]);
	}
	free(e.grp);
	free(e.cases);
	free(e.peers);
	return rc;
}

static int
first_part(const struct px_feed_part_row *p, void *arg)
{
	*(int64_t *)arg = p->start_ms;
	return 1;
}

/* Signs the digest of every day of `peer` that ended and has none. */
static int
digests(struct px_node *n, const struct px_feed_cfg *cfg, const char *peer,
    int64_t now, struct px_flush_report *rep)
{
	char cid[PX_UUID_STRLEN], day[11];
	int64_t t = -1;
	int rc;

	if ((rc = px_feed_case(cid, n, peer, false)) < 0)
		return rc == PX_ENOTFOUND ? 0 : rc;
	/* From the first day anything was shared with the peer. */
	if ((rc = PX_STORE_CALL(n->store, feed_parts, peer, "out", INT64_MIN,
	         INT64_MAX, first_part, &t)) < 0 &&
	    rc != 1)
		return rc;
	if (t < 0)
		return 0;
	for (t = px_feed_interval(cfg, t, DAY_MS); t + DAY_MS <= now;
	     t += DAY_MS) {
		struct px_digest_row have = { 0 };
		json_t *d = NULL, *body;
		struct px_msg *m = NULL;

		px_feed_day(day, cfg, t);
		if (PX_STORE_CALL(
		        n->store, digest_get, peer, "out", day, &have) == 0) {
			px_digest_row_dispose(&have);
			continue;
		}
		if ((rc = px_digest_make(&d, n, cfg, peer, day)) < 0)
			return rc;
		body = json_pack("{sO}", "digest", d);
		rc = px_node_send(n, NULL, cid, PX_MSG_DIGEST, body, &m);
		if (rc == 0) {
			struct px_digest_row row = { 0 };

			row.peer = (char *)peer;
			row.dir = (char *)"out";
			row.day = day;
			row.msg_hash = m->hash;
			row.root = (char *)json_string_value(
			    json_object_get(d, "root"));
			row.events =
			    json_integer_value(json_object_get(d, "events"));
			row.time_ms = m->time_ms;
			row.checked_ms = -1;
			rc = PX_STORE_CALL(n->store, digest_put, &row);
			rep->digests++;
		}
		px_msg_free(m);
		json_decref(body);
		json_decref(d);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
peer_name(const struct px_peer_row *p, void *arg)
{
	json_array_append_new(arg, json_string(p->name));
	return 0;
}

int
px_feed_flush(
    struct px_node *n, int64_t now, bool all, struct px_flush_report *rep)
{
	struct px_feed_cfg cfg;
	struct px_feed_batch_filter f = { .due_before = all ? INT64_MAX : now };
	struct collect c = { 0 };
	json_t *peers = json_array();
	int lockfd = -1, rc;
	int64_t size0 = 0;
	bool in_batch = false;

	memset(rep, 0, sizeof(*rep));
	if ((rc = px_feed_cfg_load(&cfg, n)) < 0)
		goto out;
	if ((rc = px_feed_lock(n, 120000, &lockfd)) < 0)
		goto out;
	if ((rc = PX_STORE_CALL(n->store, feed_batches, &f, collect, &c)) < 0)
		goto out;
	if ((rc = PX_STORE_CALL(n->store, feed_tune, true)) < 0 ||
	    (rc = px_node_batch_begin(n)) < 0)
		goto out;
	in_batch = true;
	if ((rc = px_log_size(n, &size0)) < 0)
		goto out;
	for (size_t i = 0; i < c.n; i++) {
		char cid[PX_UUID_STRLEN];

		/* The feed case first, so the digests have a home. */
		if ((i == 0 || strcmp(c.v[i].peer, c.v[i - 1].peer) != 0) &&
		    (rc = px_feed_case(cid, n, c.v[i].peer, true)) < 0)
			goto out;
		if ((rc = send_batch(n, &cfg, &c.v[i], rep, cid)) < 0)
			goto out;
		/* Later batches of the group go to the case this one used. */
		for (size_t k = i + 1; *cid && k < c.n; k++)
			if (c.v[k].grp == c.v[i].grp) {
				free(c.v[k].gcase);
				c.v[k].gcase = px_strdup(cid);
			}
	}
	if ((rc = expire_cases(n, &cfg, now, rep)) < 0)
		goto out;
	if ((rc = PX_STORE_CALL(n->store, peer_list, peer_name, peers)) < 0)
		goto out;
	for (size_t i = 0; i < json_array_size(peers); i++)
		if ((rc = digests(n, &cfg,
		         json_string_value(json_array_get(peers, i)), now,
		         rep)) < 0)
			goto out;
	in_batch = false;
	/* With nothing sent, no checkpoint: a serving node that shares
	 * nothing leaves its record untouched. */
	rc = px_node_batch_commit_if_grown(n, size0);
out:
	if (in_batch) {
		char *why = px_strdup(px_error_last());

		/* Rolled back either way; the first error is what counts. */
		int ignored = px_node_batch_end(n, false);

		(void)ignored;
		rc = px_error_set(rc, "%s", why);
		free(why);
	}
	for (size_t i = 0; i < c.n; i++)
		px_feed_batch_row_dispose(&c.v[i]);
	free(c.v);
	json_decref(peers);
	(void)PX_STORE_CALL(n->store, feed_tune, false);
	px_feed_unlock(lockfd);
	px_feed_cfg_dispose(&cfg);
	return rc;
}
