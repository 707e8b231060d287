/*
 * The live demo: three CERT desks (Beijing, Washington, Brussels) as three
 * `parley serve` processes on loopback, enrolled with each other, playing
 * a short scenario through the real API and peer protocol.  It prints what
 * a newcomer needs (URLs, tokens, curl lines) and keeps the nodes running
 * until Ctrl-C; --once stops them after the scenario.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/common.h"
#include "cli/commands.h"
#include "crypto/tls.h"
#include "model/canon.h"
#include "net/client.h"
#include "util/util.h"

#define NNODES 3

struct dnode {
	const char *name, *zone, *langs, *city;
	char *dir, *url, *token, *fp;
	unsigned port;
	pid_t pid;
	struct px_client *api;
};

/* Runs a CLI step ("word", ..., NULL) with its output discarded, or its
 * stdout written to `capture`; returns its exit code. */
static int
run_words(FILE *capture, const char *first, ...)
{
	char *argv[24];
	int argc = 0, saved = dup(STDOUT_FILENO), saved2 = dup(STDERR_FILENO);
	FILE *null = fopen("/dev/null", "w");
	const char *w;
	va_list ap;
	int rc;

	va_start(ap, first);
	for (w = first; w && argc < 23; w = va_arg(ap, const char *))
		argv[argc++] = (char *)w;
	va_end(ap);
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	if (null) {
		dup2(fileno(capture ? capture : null), STDOUT_FILENO);
		dup2(fileno(null), STDERR_FILENO);
	}
	rc = px_cli_run(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved, STDOUT_FILENO);
	dup2(saved2, STDERR_FILENO);
	close(saved);
	close(saved2);
	if (null)
		fclose(null);
	return rc;
}

#define quiet(...) run_words(NULL, __VA_ARGS__)

/* POSTs or GETs JSON on a node's API; *out (may be NULL) gets the body. */
static int
api(struct dnode *d, const char *method, const char *path, json_t *body,
    json_t **out)
{
	struct px_buf resp;
	char *text = body ? px_canon_string(body) : NULL;
	long status = 0;
	int rc;

	px_buf_init(&resp, 16 << 20);
	rc = px_client_request(d->api, method, path,
	    text ? "application/json" : NULL, text, text ? strlen(text) : 0,
	    &status, &resp, 10000);
	if (rc == 0 && (status < 200 || status > 299))
		rc = px_error_set(PX_ERR, "%s %s answered %ld: %s", method,
		    path, status, resp.data ? resp.data : "");
	if (rc == 0 && out &&
	    px_json_parse(out, resp.data ? resp.data : "null", resp.len,
	        resp.len + 1, "answer") < 0)
		rc = PX_ERR;
	free(text);
	px_buf_dispose(&resp);
	return rc;
}

/* Prints the call as a curl line that works when pasted into a POSIX
 * shell once the TOKEN_ exports below have run: the token in double
 * quotes (so that it expands), the JSON body single-quoted (each ' in
 * it written '\'') and said to be JSON, as the API requires. */
static void
show_call(const struct dnode *d, const char *method, const char *path,
    const json_t *body)
{
	char *t = body ? json_dumps(body, JSON_COMPACT) : NULL;

	printf("\n$ curl -sk -X %s %s%s -H \"Authorization: Bearer "
	       "$TOKEN_%s\"",
	    method, d->url, path, d->city);
	if (t) {
		printf(" \\\n    -H 'Content-Type: application/json' -d '");
		for (const char *p = t; *p; p++)
			if (*p == '\'')
				fputs("'\\''", stdout);
			else
				putchar(*p);
		putchar('\'');
	}
	putchar('\n');
	free(t);
}

/* Waits until the case at `d` is in state `want` (or, with `want`
 * prefixed by '!', in any other state); returns the last state seen. */
static char *
wait_state(struct dnode *d, const char *id, const char *want, int ms)
{
	bool neg = want[0] == '!';
	const char *not = neg ? want + 1 : want;
	char path[128];
	char *state = NULL;

	snprintf(path, sizeof(path), "/api/v1/cases/%s", id);
	for (int t = 0; t < ms; t += 20) {
		json_t *c = NULL;

		if (api(d, "GET", path, NULL, &c) == 0) {
			const char *s =
			    json_string_value(json_object_get(c, "state"));

			if (s && (strcmp(s, not ) != 0) == neg) {
				free(state);
				state = px_strdup(s);
				json_decref(c);
				return state;
			}
			free(state);
			state = s ? px_strdup(s) : NULL;
		}
		json_decref(c);
		usleep(20000);
	}
	return state ? state : px_strdup("unknown");
}

static int
start_node(struct dnode *d)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *log = px_asprintf("%s/serve.log", d->dir);

	if (n <= 0) {
		free(log);
		return px_error_set(PX_ERR, "cannot find the parley binary");
	}
	self[n] = '\0';
	fflush(stdout);
	fflush(stderr);
	if ((d->pid = fork()) == 0) {
		/* The log sits in the node directory: the owner's only. */
		int fd =
		    open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execl(self, self, "serve", "--dir", d->dir, (char *)NULL);
		_exit(127);
	}
	free(log);
	return d->pid > 0 ? 0 : px_error_set(PX_ERR, "cannot fork");
}

static int
wait_healthy(struct dnode *d)
{
	for (int t = 0; t < 100; t++) {
		struct px_buf b;
		long status = 0;
		int rc;

		px_buf_init(&b, 4096);
		rc = px_client_request(d->api, "GET", "/healthz", NULL, NULL, 0,
		    &status, &b, 2000);
		px_buf_dispose(&b);
		if (rc == 0 && status == 200)
			return 0;
		usleep(100000);
	}
	return px_error_set(
	    PX_ERR, "%s did not start (see %s/serve.log)", d->name, d->dir);
}

static void
stop_nodes(struct dnode *nodes)
{
	for (int i = 0; i < NNODES; i++)
		if (nodes[i].pid > 0)
			kill(nodes[i].pid, SIGTERM);
	for (int i = 0; i < NNODES; i++)
		if (nodes[i].pid > 0)
			waitpid(nodes[i].pid, NULL, 0);
}

int
px_demo_live(struct px_args *a)
{
	struct dnode nodes[NNODES] = {
		{ .name = "cert-cn.example",
		    .zone = "Asia/Shanghai",
		    .langs = "zh, en",
		    .city = "BEIJING" },
		{ .name = "cert-us.example",
		    .zone = "America/New_York",
		    .langs = "en",
		    .city = "WASHINGTON" },
		{ .name = "cert-eu.example",
		    .zone = "Europe/Brussels",
		    .langs = "en, fr",
		    .city = "BRUSSELS" },
	};
	struct dnode *cn = &nodes[0], *us = &nodes[1], *eu = &nodes[2];
	char tmpl[] = "/tmp/parley-demo-XXXXXX";
	const char *in = px_arg(a, "dir");
	char *root, *req = NULL, *rep = NULL, *st = NULL;
	json_t *body, *out = NULL;
	sigset_t set;
	int rc = 0, sig;

	if (in) {
		if ((rc = px_mkdir_p(in, 0700)) < 0)
			return px_cli_fail(a, rc);
		root = px_strdup(in);
	} else if (mkdtemp(tmpl)) {
		root = px_strdup(tmpl);
	} else {
		return px_cli_fail(a,
		    px_error_set(PX_ERR,
		        "cannot create a scratch directory under /tmp"));
	}
	/* Ctrl-C is taken by sigwait below, after the nodes are up. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	printf("parley demo: three CERT desks on this machine, each its own "
	       "process,\ntalking mutually authenticated TLS with pinned "
	       "certificates.\nNodes in %s\n",
	    root);
	for (int i = 0; i < NNODES; i++) {
		struct dnode *d = &nodes[i];
		char listen[64], fp[PX_TLS_FP_LEN], *cert;

		d->port = px_loopback_free_port();
		d->dir = px_asprintf("%s/%s", root, d->name);
		d->url = px_asprintf("https://127.0.0.1:%u", d->port);
		snprintf(listen, sizeof(listen), "127.0.0.1:%u", d->port);
		if (d->port == 0 ||
		    quiet("init", "--dir", d->dir, "--name", d->name,
		        "--timezone", d->zone, "--languages", d->langs, "--url",
		        d->url, "--listen", listen, NULL) != 0) {
			rc = px_error_set(
			    PX_ERR, "cannot create %s in %s", d->name, d->dir);
			goto fail;
		}
		cert = px_asprintf("%s/tls/cert.pem", d->dir);
		rc = px_tls_fingerprint_file(fp, cert);
		free(cert);
		if (rc < 0)
			goto fail;
		d->fp = px_strdup(fp);
	}
	/* Everyone pins everyone (cards swapped out of band). */
	for (int i = 0; i < NNODES; i++) {
		char *card = px_asprintf("%s/%s.card", root, nodes[i].name);
		quiet("card", "--dir", nodes[i].dir, "-o", card, NULL);
		for (int k = 0; k < NNODES; k++) {
			if (k != i &&
			    quiet("peer", "add", "--dir", nodes[k].dir, card,
			        NULL) != 0) {
				rc = px_error_set(PX_ERR, "enrolment failed");
				free(card);
				goto fail;
			}
		}
		free(card);
	}
	for (int i = 0; i < NNODES; i++) {
		struct dnode *d = &nodes[i];
		char *hdr;
		struct px_buf tok;
		FILE *tmp = tmpfile();

		/* Capture the token the command prints. */
		run_words(tmp, "token", "create", "--dir", d->dir, "--role",
		    "admin", "--name", "demo", NULL);
		px_buf_init(&tok, 4096);
		rewind(tmp);
		{
			char line[256];

			if (fgets(line, sizeof(line), tmp))
				px_buf_puts(&tok, line);
		}
		fclose(tmp);
		while (tok.len && tok.data[tok.len - 1] == '\n')
			tok.data[--tok.len] = '\0';
		d->token = px_buf_detach(&tok, NULL);
		if ((rc = px_client_new(&d->api, d->url, d->fp, NULL, NULL)) <
		    0)
			goto fail;
		hdr = px_asprintf("Authorization: Bearer %s", d->token);
		rc = px_client_header_add(d->api, hdr);
		free(hdr);
		if (rc < 0 || (rc = start_node(d)) < 0)
			goto fail;
	}
	for (int i = 0; i < NNODES; i++)
		if ((rc = wait_healthy(&nodes[i])) < 0)
			goto fail;
	printf("\nThree nodes are serving:\n");
	for (int i = 0; i < NNODES; i++)
		printf("  %-16s %-17s %s  (pid %ld)\n", nodes[i].name,
		    nodes[i].zone, nodes[i].url, (long)nodes[i].pid);
	/* First, so that each curl line below works as soon as it is
	 * pasted into another terminal. */
	printf("\nTheir tokens (admin role); paste these into a shell first, "
	       "then any curl line below:\n");
	for (int i = 0; i < NNODES; i++)
		printf("  export TOKEN_%s=%s\n", nodes[i].city, nodes[i].token);

	printf("\n# 1. Beijing asks Washington to take down a counterfeit "
	       "bank site (P2, TLP:AMBER).");
	body = json_pack("{sssssssssssssssssss[s]}", "to", us->name, "kind",
	    "request", "request_type", "mitigation", "category", "phishing",
	    "priority", "P2", "tlp", "amber", "title",
	    "Counterfeit bank login hosted in your network", "text",
	    "Please take down the phishing page; victims report losses.",
	    "lang", "en", "observables",
	    "url:hxxps://secure-login.bank-example[.]com/verify");
	show_call(cn, "POST", "/api/v1/cases", body);
	rc = api(cn, "POST", "/api/v1/cases", body, &out);
	json_decref(body);
	if (rc < 0)
		goto fail;
	req = px_strdup(json_string_value(json_object_get(out, "case")));
	json_decref(out);
	out = NULL;
	st = wait_state(cn, req, "delivered", 10000);
	printf("-> Beijing's outbox delivered it; Washington's signed "
	       "receipt is back: %s\n",
	    st);
	free(st);

	printf("\n# 2. Brussels shares a botnet report with Beijing (P3, "
	       "TLP:GREEN).");
	body = json_pack("{sssssssssssssss[ss]}", "to", cn->name, "kind",
	    "report", "category", "botnet", "priority", "P3", "tlp", "green",
	    "title", "Mirai-variant bots reporting to a C2 in AS64500", "text",
	    "Two hosts in your space talk to the C2 below.", "observables",
	    "ip:198.51.100.23", "domain:c2-update[.]example");
	show_call(eu, "POST", "/api/v1/cases", body);
	rc = api(eu, "POST", "/api/v1/cases", body, &out);
	json_decref(body);
	if (rc < 0)
		goto fail;
	rep = px_strdup(json_string_value(json_object_get(out, "case")));
	json_decref(out);
	out = NULL;
	st = wait_state(eu, rep, "delivered", 10000);
	free(st);

	printf("\n# 3. Washington acknowledges, accepts and answers; Beijing "
	       "acknowledges the report.\n");
	{
		struct {
			struct dnode *d;
			const char *id, *action;
			json_t *b;
		} steps[] = {
			{ us, req, "ack",
			    json_pack("{ss}", "text",
			        "Received; contacting the "
			        "hosting provider.") },
			{ us, req, "triage",
			    json_pack("{ss}", "decision", "accepted") },
			{ us, req, "result",
			    json_pack("{ssss}", "outcome", "resolved", "text",
			        "The page was suspended by the hosting "
			        "provider.") },
			{ cn, rep, "ack",
			    json_pack("{ssss}", "text", "已收到，正在处理。",
			        "lang", "zh") },
		};

		for (size_t i = 0; i < PX_ARRAY_LEN(steps); i++) {
			char path[128];

			snprintf(path, sizeof(path), "/api/v1/cases/%s/%s",
			    steps[i].id, steps[i].action);
			show_call(steps[i].d, "POST", path, steps[i].b);
			rc = api(steps[i].d, "POST", path, steps[i].b, NULL);
			json_decref(steps[i].b);
			if (rc < 0)
				goto fail;
		}
	}
	st = wait_state(cn, req, "resolved", 10000);
	printf("-> at Beijing the request is now: %s\n", st);
	free(st);

	printf("\n# 4. Beijing rates the answer and closes the request.\n");
	{
		char path[128];

		snprintf(path, sizeof(path), "/api/v1/cases/%s/rate", req);
		body = json_pack("{sissss}", "score", 5, "comment",
		    "Fast and complete.", "lang", "en");
		show_call(cn, "POST", path, body);
		rc = api(cn, "POST", path, body, NULL);
		json_decref(body);
		snprintf(path, sizeof(path), "/api/v1/cases/%s/close", req);
		if (rc == 0)
			rc = api(cn, "POST", path, NULL, NULL);
		if (rc < 0)
			goto fail;
	}
	st = wait_state(us, req, "closed", 10000);
	printf("-> at Washington: %s\n", st);
	free(st);

	printf("\n# 5. The record: each side's view of the request.\n");
	for (int i = 0; i < 2; i++) {
		char *argv[] = { (char *)"case", (char *)"show",
			(char *)"--dir", nodes[i].dir, req, NULL };

		printf("\n$ parley case show --dir %s %s\n", nodes[i].dir, req);
		fflush(stdout);
		px_cli_run(5, argv);
	}
	printf("\nThe web console: open %s/ in a browser (the certificate is "
	       "self-signed: accept it) and sign in with a token below.\n",
	    cn->url);
	printf("\nTry it yourself (tokens have the admin role):\n");
	for (int i = 0; i < NNODES; i++)
		printf("  export TOKEN_%s=%s\n", nodes[i].city, nodes[i].token);
	printf("  curl -sk %s/api/v1/cases -H \"Authorization: Bearer "
	       "$TOKEN_BEIJING\"\n  curl -sk %s/metrics -H \"Authorization: "
	       "Bearer $TOKEN_BEIJING\"\n"
	       "  build/parley case list --dir %s\n"
	       "  build/parley audit export --dir %s --peer %s -o audit.json "
	       "&& build/parley audit verify audit.json\n",
	    cn->url, cn->url, cn->dir, cn->dir, us->name);
	if (!px_flag(a, "once")) {
		printf("\nThe nodes keep running; press Ctrl-C to stop "
		       "them.\n");
		fflush(stdout);
		sigwait(&set, &sig);
		printf("\nStopping the nodes.\n");
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "parley demo: %s\n", px_error_last());
	rc = PX_ERR;
out:
	stop_nodes(nodes);
	for (int i = 0; i < NNODES; i++) {
		px_client_free(nodes[i].api);
		free(nodes[i].dir);
		free(nodes[i].url);
		free(nodes[i].token);
		free(nodes[i].fp);
	}
	free(req);
	free(rep);
	free(root);
	return rc < 0 ? PX_EXIT_FAIL : PX_EXIT_OK;
}
