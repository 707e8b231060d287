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
 * Usage: bench_stix [N]
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include "bench.h"
#include "node/actions.h"
#include "node/interop.h"

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
	setenv("PARLEY_FAKE_NOW", "2026-11-20T10:00:00Z", 1);
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
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	px_node_free(a);
	px_node_free(b);
	cleanup();
	return 0;
}
