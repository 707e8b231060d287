/*
 * The web console (issue 6): how long the inbox takes to first render
 * with 10,000 open cases, and the size of the files the node serves, each
 * beside floors measured in the same run.
 *
 *   1. N open cases (default 10,000 requests from A to B, mixed priority
 *      and category) are created on a real node with the node API.
 *   2. `parley serve` (the release binary, $PARLEY or build/parley) serves
 *      that node on 127.0.0.1; a viewer token is made with the CLI.
 *   3. bench/console_render.mjs drives Debian's chromium (playwright-core):
 *      time from navigation to the inbox drawn (the console marks
 *      "inbox-rendered" once the sorted table is in the DOM), beside two
 *      floors in the same browser: the page with no data (the login form)
 *      and fetching plus parsing the same JSON list without drawing it.
 *   4. The files built into the binary: bytes served, and gzip'd.
 *
 * Usage: bench_console [N].  Everything it starts is stopped, its
 * directory removed.
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include "bench.h"
#include "net/client.h"
#include "web/assets.h"

static char *
run_capture(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char buf[256] = "";
	size_t len;

	if (p == NULL || fgets(buf, sizeof(buf), p) == NULL) {
		if (p)
			pclose(p);
		return NULL;
	}
	pclose(p);
	len = strlen(buf);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	return px_strdup(buf);
}

static void
seed(struct px_node *a, size_t n)
{
	static const char *const cats[] = { "botnet", "phishing",
		"vulnerable-website", "intrusion", "ddos", "malware" };
	static const char *const prios[] = { "P2", "P3", "P3", "P4" };
	static const char *const tlps[] = { "green", "amber", "amber", "red" };
	double t0 = now_s();

	printf("bench_console: creating %zu open cases...\n", n);
	fflush(stdout);
	for (size_t i = 0; i < n;) {
		if (px_node_batch_begin(a) < 0)
			die("begin");
		for (size_t k = 0; k < 2048 && i < n; k++, i++) {
			char title[96];
			json_t *body;

			snprintf(title, sizeof(title),
			    "Case %zu: hosts in AS64500 talk to C2 203.0.113.%zu",
			    i + 1, i % 250 + 1);
			body = json_pack("{s{ssssssssss}s{ssss}}", "case",
			    "kind", "request", "category", cats[i % 6],
			    "priority", prios[i % 4], "tlp", tlps[i % 4],
			    "title", title, "text", "lang", "en", "value",
			    "Please investigate and tell us what you find.");
			if (body == NULL ||
			    px_node_send(a, "bench-b.example", NULL,
			        PX_MSG_REQUEST, body, NULL) < 0)
				die("send");
			json_decref(body);
		}
		if (px_node_batch_end(a, true) < 0)
			die("commit");
		if (isatty(2))
			fprintf(stderr, "\r  %zu / %zu", i, n);
	}
	if (isatty(2))
		fprintf(stderr, "\n");
	printf("  made in %.1f s\n", now_s() - t0);
}

static void
assets(void)
{
	size_t total = 0;

	printf("bench_console: files the node serves (built into the "
	       "binary)\n");
	for (size_t i = 0; i < px_web_assets_n; i++) {
		printf("  %-14s %7zu bytes\n", px_web_assets[i].name,
		    px_web_assets[i].len);
		total += px_web_assets[i].len;
	}
	printf("  total          %7zu bytes in %zu files\n", total,
	    px_web_assets_n);
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	static char tmpl[] =
	    "/tmp/px-bench-console-XXXXXX"; /* outlives main: atexit */
	const char *parley =
	    getenv("PARLEY") ? getenv("PARLEY") : "build/parley";
	char *da, *cmd, *token, url[64], port_s[16];
	struct px_node *a, *b;
	unsigned port;
	int rc;

	bench_name = "bench_console";
	if (px_crypto_init() < 0 || (temp_dir = mkdtemp(tmpl)) == NULL)
		return 1;
	atexit(cleanup);
	a = make_node(temp_dir, "bench-a.example", "Asia/Shanghai");
	b = make_node(temp_dir, "bench-b.example", "America/New_York");
	pin(a, b);
	pin(b, a);
	seed(a, n);
	px_node_free(a);
	px_node_free(b);
	assets();

	da = px_asprintf("%s/bench-a.example", temp_dir);
	cmd = px_asprintf(
	    "%s token create --dir %s --role viewer --name bench", parley, da);
	if ((token = run_capture(cmd)) == NULL || strncmp(token, "pxt_", 4))
		die("parley token create (set PARLEY to the binary)");
	free(cmd);
	if ((port = px_loopback_free_port()) == 0)
		die("no free port");
	snprintf(port_s, sizeof(port_s), "127.0.0.1:%u", port);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u", port);
	bench_serve(parley, da, port_s);
	cmd = px_asprintf(
	    "node bench/console_render.mjs %s %s %zu", url, token, n);
	fflush(stdout);
	rc = system(cmd);
	free(cmd);
	free(token);
	free(da);
	bench_stop_serve();
	if (rc != 0) {
		fprintf(stderr, "bench_console: the browser run failed\n");
		return 1;
	}
	return 0;
}
