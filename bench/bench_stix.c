/*
 * STIX 2.1 export throughput: N cases (default 2,000) opened by A with B,
 * each with 6 observables and 3 messages, exported as one bundle by
 * px_node_export_stix (choke point, replay, mapping, sorting, bundle id),
 * printed as objects per second beside the floor measured in the same
 * run on the same store:
 *
 *   floor   px_node_case_load of every case, the read and replay that
 *           GET /api/v1/cases/{id} does for each case (the API's own GET
 *           without HTTP), in cases/s;
 *   export  the bundle of all N cases, in objects/s and cases/s, and the
 *           ratio of its cases/s to the floor's.
 *
 * Then TAXII 2.1 paging over real HTTPS: `parley serve` ($PARLEY or
 * build/parley) serves A on 127.0.0.1, and one keep-alive client with a
 * viewer token times, in the same run against the same server:
 *
 *   floor   GET /api/v1/cases/{id} over the cases, in requests/s;
 *   sync    the first read of the TLP:GREEN collection (its N/2 cases go
 *           through the choke point into the collection's log), once;
 *   paging  every page of that collection at limit=100 following next,
 *           in objects/s and pages/s, and pages/s beside the floor.
 *
 * Usage: bench_stix [N]
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include "bench.h"
#include "net/client.h"
#include "node/actions.h"
#include "node/interop.h"

/* One GET on `c`; dies unless 200.  The body is left in *b. */
static void
get_ok(struct px_client *c, const char *path, struct px_buf *b)
{
	long st = 0;

	px_buf_reset(b);
	if (px_client_request(c, "GET", path, NULL, NULL, 0, &st, b, 60000) <
	        0 ||
	    st != 200) {
		fprintf(stderr, "bench_stix: GET %s: %ld %.*s\n", path, st,
		    (int)(b->len > 600 ? 600 : b->len), b->data ? b->data : "");
		die("GET");
	}
}

/* The TAXII phase: A's store in `dir`, its certificate `fp`; cases ids. */
static void
taxii_paging(const char *dir, const char *fp, char **ids, size_t n)
{
	const char *parley =
	    getenv("PARLEY") ? getenv("PARLEY") : "build/parley";
	char *cmd, tok[128] = "", url[64], listen[32], *hdr, *coll = NULL;
	struct px_client *c = NULL;
	struct px_buf b;
	unsigned port = px_loopback_free_port();
	size_t floor_n = n < 2000 ? n : 2000, objs = 0, pages = 0;
	double t0, get_s, sync_s, page_s;
	FILE *p;

	cmd = px_asprintf("%s token create --dir %s --role viewer --name "
	                  "bench 2>/dev/null",
	    parley, dir);
	if ((p = popen(cmd, "r")) == NULL || fgets(tok, sizeof(tok), p) == NULL)
		die("parley token create (set PARLEY to the binary)");
	pclose(p);
	free(cmd);
	tok[strcspn(tok, "\r\n")] = '\0';
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u", port);
	bench_serve(parley, dir, listen);
	px_buf_init(&b, 64u << 20);
	if (px_client_new(&c, url, fp, NULL, NULL) < 0)
		die("client");
	hdr = px_asprintf("Authorization: Bearer %s", tok);
	if (px_client_header_add(c, hdr) < 0 ||
	    px_client_header_add(c, "Accept: */*") < 0)
		die("header");
	free(hdr);
	for (int i = 0;; i++) { /* until it serves */
		long st = 0;

		px_buf_reset(&b);
		if (px_client_request(c, "GET", "/healthz", NULL, NULL, 0, &st,
		        &b, 2000) == 0 &&
		    st == 200)
			break;
		if (i > 300)
			die("parley serve did not come up");
		usleep(100000);
	}

	t0 = now_s();
	for (size_t i = 0; i < floor_n; i++) {
		char *path = px_asprintf("/api/v1/cases/%s", ids[i]);

		get_ok(c, path, &b);
		free(path);
	}
	get_s = now_s() - t0;

	get_ok(c, "/taxii2/api/collections/", &b);
	{
		json_t *o = json_loadb(b.data, b.len, 0, NULL), *x;
		size_t i;

		json_array_foreach(json_object_get(o, "collections"), i,
		    x) if (strcmp(json_string_value(json_object_get(x,
		                      "title")),
		               "TLP:GREEN cases") == 0) coll =
		    px_strdup(json_string_value(json_object_get(x, "id")));
		json_decref(o);
	}
	if (coll == NULL)
		die("no TLP:GREEN collection");
	{
		char *path = px_asprintf(
		    "/taxii2/api/collections/%s/objects/?limit=1", coll);

		t0 = now_s();
		get_ok(c, path, &b);
		sync_s = now_s() - t0;
		free(path);
	}
	t0 = now_s();
	for (char *next = NULL;;) {
		char *path = next
		    ? px_asprintf("/taxii2/api/collections/%s/objects/"
		                  "?limit=100&next=%s",
		          coll, next)
		    : px_asprintf(
		          "/taxii2/api/collections/%s/objects/?limit=100",
		          coll);
		json_t *o;

		get_ok(c, path, &b);
		free(path);
		free(next);
		next = NULL;
		o = json_loadb(b.data, b.len, 0, NULL);
		objs += json_array_size(json_object_get(o, "objects"));
		pages++;
		if (json_is_true(json_object_get(o, "more")))
			next = px_strdup(
			    json_string_value(json_object_get(o, "next")));
		json_decref(o);
		if (next == NULL)
			break;
	}
	page_s = now_s() - t0;
	printf("  floor  GET /api/v1/cases/{id} over HTTPS keep-alive: %.0f "
	       "requests/s (%zu requests)\n",
	    (double)floor_n / get_s, floor_n);
	printf("  taxii  first read of the TLP:GREEN collection (sync of "
	       "%zu cases): %.2f s\n",
	    n / 2, sync_s);
	printf("  taxii  paging at limit=100: %.0f objects/s, %.0f pages/s "
	       "(%zu objects, %zu pages), %.2fx the floor's requests/s\n",
	    (double)objs / page_s, (double)pages / page_s, objs, pages,
	    ((double)pages / page_s) / ((double)floor_n / get_s));
	free(coll);
	px_buf_dispose(&b);
	px_client_free(c);
	bench_stop_serve();
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 2000;
	char tmpl[] = "/tmp/parley-bench-stix.XXXXXX";
	struct px_node *a, *b;
	char **ids = px_calloc(n, sizeof(*ids));
	static const char *const obs[] = { "ip:203.0.113.7",
		"domain:evil.example", "url:https://evil.example/kit.php",
		"email:ops@evil.example",
		("sha256:0123456789abcdef0123456789abcdef0123456789abcdef"
		 "0123456789abcdef"),
		"cve:CVE-2021-44228" };
	json_t *bundle = NULL;
	double t0, floor_s, exp_s;
	size_t nobj;

	bench_name = "bench_stix";
	if (mkdtemp(tmpl) == NULL)
		die("mkdtemp");
	temp_dir = tmpl;
	/* The real clock: the serving node must not find every case overdue
	 * and spend the TAXII phase escalating them. */
	unsetenv("PARLEY_FAKE_NOW");
	a = make_node(tmpl, "cert-a.example", "UTC");
	b = make_node(tmpl, "cert-b.example", "UTC");
	pin(a, b);
	pin(b, a);
	if (px_node_batch_begin(a) < 0)
		die("batch");
	for (size_t i = 0; i < n; i++) {
		char title[64];
		struct px_new_case nc = { .to = "cert-b.example",
			.kind = "request",
			.category = "phishing",
			.priority = "P3",
			.tlp = i % 2 ? "green" : "clear",
			.title = title,
			.observables = obs,
			.nobservables = PX_ARRAY_LEN(obs),
			.text = { .text = "Please take the kit down." } };
		struct px_action up = { .text = { .text = "More detail." } };
		enum px_msg_type type;
		json_t *body = NULL;
		struct px_msg *m = NULL;

		snprintf(title, sizeof(title), "Phish kit %zu", i);
		if (px_body_new_case(&body, &type, a, &nc) < 0 ||
		    px_node_send(a, "cert-b.example", NULL, type, body, &m) < 0)
			die("case");
		json_decref(body);
		ids[i] = px_strdup(m->case_id);
		px_msg_free(m);
		for (int k = 0; k < 2; k++) {
			if (px_body_action(&body, a, PX_MSG_UPDATE, &up) < 0 ||
			    px_node_send(
			        a, NULL, ids[i], PX_MSG_UPDATE, body, NULL) < 0)
				die("update");
			json_decref(body);
		}
	}
	if (px_node_batch_end(a, true) < 0)
		die("commit");

	t0 = now_s();
	for (size_t i = 0; i < n; i++) {
		struct px_case c;
		struct px_peer *p = NULL;

		if (px_node_case_load(&c, a, ids[i], &p) < 0)
			die("load");
		px_peer_free(p);
		px_case_dispose(&c);
	}
	floor_s = now_s() - t0;

	t0 = now_s();
	if (px_node_export_stix(&bundle, a, (const char *const *)ids, n,
	        PX_AUD_COMMUNITY, NULL) < 0)
		die("export");
	{
		char *text =
		    json_dumps(bundle, JSON_INDENT(2) | JSON_SORT_KEYS);

		free(text);
	}
	exp_s = now_s() - t0;
	nobj = json_array_size(json_object_get(bundle, "objects"));

	printf("bench_stix: %zu cases, %zu objects in the bundle\n", n, nobj);
	printf("  floor  case load+replay (the API GET's work): %.0f cases/s\n",
	    (double)n / floor_s);
	printf("  export STIX bundle (with serialisation): %.0f objects/s, "
	       "%.0f cases/s, %.2fx the floor's time per case; peak RSS %ld "
	       "MB\n",
	    (double)nobj / exp_s, (double)n / exp_s, exp_s / floor_s,
	    peak_rss_mb());
	json_decref(bundle);
	{
		char *dir = px_asprintf("%s/cert-a.example", tmpl);
		char fp[PX_TLS_FP_LEN];

		memcpy(fp, a->tls_fp, sizeof(fp));
		px_node_free(a);
		px_node_free(b);
		taxii_paging(dir, fp, ids, n);
		free(dir);
	}
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	cleanup();
	return 0;
}
