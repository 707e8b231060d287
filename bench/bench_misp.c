/*
 * MISP feed import: a feed directory of E events (default 1,000) of A
 * attributes each (default 100: 100,000 attributes; ip-dst, domain, url,
 * email, sha256 in turn, every value distinct), as a MISP instance
 * publishes it (manifest.json and one EVENT-UUID.json per event),
 * imported by px_node_import_misp_feed: read, JSON parse, MISP mapping,
 * observable normalisation, one signed case per event, one transaction.
 * Printed beside the floor measured in the same run:
 *
 *   floor   the same E cases with the same observables (already in their
 *           normal form) opened by px_body_new_case and px_node_send in one
 *           transaction, on a fresh node: what the import ends in, without
 *           reading or mapping anything;
 *   import  the feed, in attributes/s and events/s, and the ratio of its
 *           time to the floor's.
 *
 * Usage: bench_misp [EVENTS [ATTRIBUTES-PER-EVENT]]
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include "bench.h"
#include "formats/stix.h"
#include "node/actions.h"
#include "node/interop.h"

/* The attribute k of event e: MISP type into *type, value (static). */
static const char *
value_of(size_t e, size_t k, const char **type, const char **cli)
{
	static char v[160];
	size_t i = e * 1000 + k;

	switch (k % 5) {
	case 0:
		*type = "ip-dst";
		*cli = "ip";
		snprintf(v, sizeof(v), "198.%zu.%zu.%zu", 18 + i / 65536 % 2,
		    i / 256 % 256, i % 256);
		break;
	case 1:
		*type = "domain";
		*cli = "domain";
		snprintf(v, sizeof(v), "host%zu.bench.example", i);
		break;
	case 2:
		*type = "url";
		*cli = "url";
		snprintf(
		    v, sizeof(v), "https://kit%zu.bench.example/login.php", i);
		break;
	case 3:
		*type = "email-src";
		*cli = "email";
		snprintf(v, sizeof(v), "ops%zu@bench.example", i);
		break;
	default:
		*type = "sha256";
		*cli = "sha256";
		snprintf(v, sizeof(v), "%064zx", i * 2654435761u + 1);
		break;
	}
	return v;
}

/* Writes the feed into dir. */
static void
write_feed(const char *dir, size_t ne, size_t na)
{
	json_t *man = json_object();
	char *path, *text;

	for (size_t e = 0; e < ne; e++) {
		json_t *attrs = json_array(), *ev;
		char u[PX_UUID_STRLEN], name[64], info[64];

		snprintf(name, sizeof(name), "bench-event-%zu", e);
		px_uuid5(u, PX_STIX_NS, name);
		snprintf(info, sizeof(info), "Phishing wave %zu", e);
		for (size_t k = 0; k < na; k++) {
			const char *type, *cli,
			    *v = value_of(e, k, &type, &cli);
			char au[PX_UUID_STRLEN], an[48];

			snprintf(an, sizeof(an), "bench-attr-%zu-%zu", e, k);
			px_uuid5(au, PX_STIX_NS, an);
			json_array_append_new(attrs,
			    json_pack("{ss ss ss ss sb ss ss}", "uuid", au,
			        "type", type, "category", "Network activity",
			        "value", v, "to_ids", true, "distribution", "5",
			        "timestamp", "1700000000"));
		}
		ev = json_pack("{s{ss ss ss ss ss ss s[{ss}] so}}", "Event",
		    "uuid", u, "info", info, "date", "2026-11-20",
		    "threat_level_id", "3", "analysis", "0", "distribution",
		    "1", "Tag", "name", "tlp:green", "Attribute", attrs);
		json_object_set_new(man, u,
		    json_pack("{ss ss}", "info", info, "date", "2026-11-20"));
		path = px_asprintf("%s/%s.json", dir, u);
		text = json_dumps(ev, JSON_COMPACT);
		if (px_file_write(path, text, strlen(text), 0600) < 0)
			die("write event");
		free(path);
		free(text);
		json_decref(ev);
	}
	path = px_asprintf("%s/manifest.json", dir);
	text = json_dumps(man, JSON_COMPACT);
	if (px_file_write(path, text, strlen(text), 0600) < 0)
		die("write manifest");
	free(path);
	free(text);
	json_decref(man);
}

static int
first_id(const struct px_case_row *row, void *arg)
{
	char **id = arg;

	if (*id == NULL)
		*id = px_strdup(row->id);
	return 0;
}

/* Dies unless a case imported holds every attribute as an observable. */
static void
check_import(struct px_node *m, size_t na)
{
	struct px_case_filter flt = { 0 };
	struct px_case c;
	struct px_peer *p = NULL;
	char *id = NULL;

	if (PX_STORE_CALL(m->store, case_list, &flt, first_id, &id) < 0 ||
	    id == NULL || px_node_case_load(&c, m, id, &p) < 0)
		die("reading an imported case");
	if (json_array_size(c.observables) != na) {
		fprintf(stderr,
		    "bench_misp: an imported case has %zu "
		    "observables, not %zu\n",
		    json_array_size(c.observables), na);
		die("import check");
	}
	px_case_dispose(&c);
	px_peer_free(p);
	free(id);
}

int
main(int argc, char **argv)
{
	size_t ne = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 1000;
	size_t na = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 100;
	char tmpl[] = "/tmp/parley-bench-misp.XXXXXX";
	struct px_node *f, *m, *b;
	char **obs = px_calloc(na, sizeof(*obs)), *feed;
	double t0, floor_s, imp_s;
	size_t count = 0;

	bench_name = "bench_misp";
	if (ne == 0 || na == 0 || na > 1000)
		die("usage: bench_misp [EVENTS [ATTRIBUTES-PER-EVENT <= 1000]]");
	if (mkdtemp(tmpl) == NULL)
		die("mkdtemp");
	temp_dir = tmpl;
	feed = px_asprintf("%s/feed", tmpl);
	if (px_mkdir_p(feed, 0700) < 0)
		die("mkdir");
	write_feed(feed, ne, na);
	f = make_node(tmpl, "cert-floor.example", "UTC");
	m = make_node(tmpl, "cert-misp.example", "UTC");
	b = make_node(tmpl, "cert-b.example", "UTC");
	pin(f, b);
	pin(m, b);

	t0 = now_s();
	if (PX_STORE_CALL0(f->store, begin) < 0)
		die("begin");
	for (size_t e = 0; e < ne; e++) {
		char title[64];
		struct px_new_case nc = { .to = "cert-b.example",
			.kind = "report",
			.category = "other",
			.tlp = "green",
			.title = title,
			.observables = (const char *const *)obs,
			.nobservables = na,
			.text = { .text = "Imported from a document with no "
			                  "description." } };
		enum px_msg_type type;
		json_t *body = NULL;

		for (size_t k = 0; k < na; k++) {
			const char *t, *cli, *v = value_of(e, k, &t, &cli);

			obs[k] = px_asprintf("%s:%s", cli, v);
		}
		snprintf(title, sizeof(title), "Phishing wave %zu", e);
		if (px_body_new_case(&body, &type, f, &nc) < 0 ||
		    px_node_send(f, "cert-b.example", NULL, type, body, NULL) <
		        0)
			die("floor case");
		json_decref(body);
		for (size_t k = 0; k < na; k++)
			free(obs[k]);
	}
	if (PX_STORE_CALL0(f->store, commit) < 0)
		die("commit");
	floor_s = now_s() - t0;

	t0 = now_s();
	if (px_node_import_misp_feed(&count, m, "cert-b.example", feed, NULL) <
	    0)
		die("import");
	imp_s = now_s() - t0;
	if (count != ne)
		die("import: not one case per event");
	check_import(m, na);

	printf("bench_misp: a MISP feed of %zu events x %zu attributes = %zu "
	       "attributes\n",
	    ne, na, ne * na);
	printf("  floor  the same cases opened directly (px_node_send): %.0f "
	       "attributes/s, %.0f cases/s\n",
	    (double)(ne * na) / floor_s, (double)ne / floor_s);
	printf("  import parley import DIR (read, parse, map, sign, store): "
	       "%.0f attributes/s, %.0f events/s, %.2fx the floor's time; peak "
	       "RSS %ld MB\n",
	    (double)(ne * na) / imp_s, (double)ne / imp_s, imp_s / floor_s,
	    peak_rss_mb());
	px_node_free(f);
	px_node_free(m);
	px_node_free(b);
	free(obs);
	free(feed);
	cleanup();
	return 0;
}
