/*
 * parley demo: two CERTs, one in Beijing and one in Washington, set up in
 * a scratch directory and hold a short conversation by signed bundles,
 * the way two air-gapped desks would.  Every step runs the real command
 * (printed as "$ parley ...") so a newcomer can repeat it by hand.
 */
#include <stdarg.h>
#include <unistd.h>

#include "cli/common.h"
#include "cli/commands.h"
#include "util/util.h"

struct demo {
	char *root, *a, *b;
	int failed;
};

/* Runs "parley <words...>", echoing it; NULL ends the list.  With
 * `capture`, stdout is collected into it instead of printed. */
static int
step(struct demo *d, struct px_buf *capture, ...)
{
	char *argv[64];
	int argc = 0, rc, saved = -1;
	FILE *tmp = NULL;
	va_list ap;
	const char *w;

	if (d->failed)
		return -1;
	printf("\n$ parley");
	va_start(ap, capture);
	while ((w = va_arg(ap, const char *)) != NULL && argc < 63) {
		argv[argc++] = (char *)w;
		if (strchr(w, ' ') || strchr(w, '"') || *w == '\0')
			printf(" \"%s\"", w);
		else
			printf(" %s", w);
	}
	va_end(ap);
	argv[argc] = NULL;
	printf("\n");
	fflush(stdout);
	if (capture) {
		tmp = tmpfile();
		saved = dup(STDOUT_FILENO);
		dup2(fileno(tmp), STDOUT_FILENO);
	}
	rc = px_cli_run(argc, argv);
	fflush(stdout);
	if (capture) {
		char chunk[4096];
		size_t n;

		dup2(saved, STDOUT_FILENO);
		close(saved);
		rewind(tmp);
		while ((n = fread(chunk, 1, sizeof(chunk), tmp)) > 0)
			px_buf_put(capture, chunk, n);
		fclose(tmp);
		while (capture->len && capture->data[capture->len - 1] == '\n')
			capture->data[--capture->len] = '\0';
	}
	if (rc != 0) {
		fprintf(stderr, "demo: step failed (exit %d)\n", rc);
		d->failed = 1;
	}
	return rc;
}

static void
say(const char *s)
{
	printf("\n# %s\n", s);
}

#define DA "--dir", d.a
#define DB "--dir", d.b

static int
run_offline(struct px_args *a)
{
	struct demo d = { 0 };
	struct px_buf id1, id2;
	char *cn_card, *us_card, *b1, *b2, *r1, *r2;
	/* --dir names the scratch directory for the two nodes. */
	const char *in = px_arg(a, "dir");
	char tmpl[] = "/tmp/parley-demo-XXXXXX";
	char *ref2;
	int rc;

	px_buf_init(&id1, 4096);
	px_buf_init(&id2, 4096);
	if (in) {
		if ((rc = px_mkdir_p(in, 0700)) < 0)
			return px_cli_fail(a, rc);
		d.root = px_strdup(in);
	} else if (mkdtemp(tmpl) != NULL) {
		d.root = px_strdup(tmpl);
	} else {
		return px_cli_fail(a,
		    px_error_set(PX_ERR,
		        "cannot create a scratch directory under /tmp"));
	}
	d.a = px_asprintf("%s/cert-cn", d.root);
	d.b = px_asprintf("%s/cert-us", d.root);
	cn_card = px_asprintf("%s/cert-cn.card", d.root);
	us_card = px_asprintf("%s/cert-us.card", d.root);
	b1 = px_asprintf("%s/cn-to-us-1.bundle", d.root);
	b2 = px_asprintf("%s/us-to-cn-1.bundle", d.root);
	r1 = px_asprintf("%s.receipts", b1);
	r2 = px_asprintf("%s.receipts", b2);

	printf("parley demo: CNCERT-like desk in Beijing (cert-cn.example) "
	       "and a US desk\nin Washington (cert-us.example) exchange a "
	       "botnet report and a phishing\ntakedown request by signed "
	       "bundles.  Scratch directory: %s\n",
	    d.root);

	say("1. Each side creates its node: keys, TLS identity, store.");
	step(&d, NULL, "init", DA, "--name", "cert-cn.example", "--timezone",
	    "Asia/Shanghai", "--languages", "zh, en", NULL);
	step(&d, NULL, "init", DB, "--name", "cert-us.example", "--timezone",
	    "America/New_York", "--languages", "en", NULL);

	say("2. They swap signed cards out of band and pin each other.");
	step(&d, NULL, "card", DA, "-o", cn_card, NULL);
	step(&d, NULL, "card", DB, "-o", us_card, NULL);
	step(&d, NULL, "peer", "add", DA, us_card, NULL);
	step(&d, NULL, "peer", "add", DB, cn_card, NULL);

	say("3. Beijing shares a botnet report and asks Washington to take "
	    "down a counterfeit bank site.");
	step(&d, &id1, "case", "new", DA, "--to", "cert-us.example", "--kind",
	    "report", "--category", "botnet", "--priority", "P3", "--tlp",
	    "green", "--title", "Mirai-variant bots in AS64500", "--text",
	    "发现 3 台受感染主机连接到 C2。", "--translation",
	    "Found 3 infected hosts talking to the C2.", "--translation-lang",
	    "en", "--observable", "ip:198.51.100.23", "--observable",
	    "ip:198.51.100.41", "--observable", "domain:c2-update[.]example",
	    "--observable", "asn:AS64500", NULL);
	step(&d, &id2, "case", "new", DA, "--to", "cert-us.example", "--kind",
	    "request", "--request-type", "mitigation", "--category", "phishing",
	    "--priority", "P2", "--tlp", "amber", "--title",
	    "Counterfeit bank login hosted in your network", "--text",
	    "Please take down the phishing page; victims are reporting losses.",
	    "--lang", "en", "--observable",
	    "url:hxxps://secure-login.bank-example[.]com/verify", NULL);
	if (!d.failed)
		printf("(case ids: %s, %s)\n", id1.data, id2.data);

	say("4. The outbox goes to Washington on a USB stick; Washington "
	    "imports it and sends receipts back.");
	step(&d, NULL, "outbox", "export", DA, "--peer", "cert-us.example",
	    "-o", b1, NULL);
	step(&d, NULL, "inbox", "import", DB, b1, NULL);
	step(&d, NULL, "inbox", "import", DA, r1, NULL);

	say("5. Washington works the request: acknowledge, triage, act, "
	    "answer.");
	ref2 = d.failed ? px_strdup("") : px_strdup(id2.data);
	step(&d, NULL, "case", "ack", DB, id1.data ? id1.data : "", "--text",
	    "Thanks, passing to the ISP.", NULL);
	step(&d, NULL, "case", "ack", DB, ref2, NULL);
	step(&d, NULL, "case", "triage", DB, ref2, "--decision", "accepted",
	    "--text", "Hosting provider contacted.", NULL);
	step(&d, NULL, "case", "result", DB, ref2, "--outcome", "resolved",
	    "--text", "Site suspended by the hosting provider at 14:20 EST.",
	    NULL);
	step(&d, NULL, "outbox", "export", DB, "--peer", "cert-cn.example",
	    "-o", b2, NULL);
	step(&d, NULL, "inbox", "import", DA, b2, NULL);
	step(&d, NULL, "inbox", "import", DB, r2, NULL);

	say("6. Beijing rates the answer and closes the request.");
	step(&d, NULL, "case", "rate", DA, ref2, "--score", "5", "--comment",
	    "Fast and complete.", "--lang", "en", NULL);
	step(&d, NULL, "case", "close", DA, ref2, NULL);

	say("7. Both timelines.  Each side checks every signature itself.");
	step(&d, NULL, "case", "list", DA, NULL);
	step(&d, NULL, "case", "list", DB, NULL);
	step(&d, NULL, "case", "show", DB, ref2, NULL);
	step(&d, NULL, "case", "show", DA, ref2, NULL);

	if (!d.failed)
		printf("\nThe two nodes stay in %s.  Try, for example:\n"
		       "  export PARLEY_DIR=%s\n"
		       "  %s case list\n"
		       "  %s case show %s --json\n"
		       "  %s --help\n",
		    d.root, d.a, "build/parley", "build/parley", ref2,
		    "build/parley");
	free(ref2);
	free(cn_card);
	free(us_card);
	free(b1);
	free(b2);
	free(r1);
	free(r2);
	free(d.a);
	free(d.b);
	free(d.root);
	px_buf_dispose(&id1);
	px_buf_dispose(&id2);
	return d.failed ? PX_EXIT_FAIL : PX_EXIT_OK;
}

static const struct px_opt opts[] = {
	{ "offline", NULL,
	    "two nodes exchanging signed bundles by hand, no network", 0 },
	{ "once", NULL, "play the live scenario, then stop the nodes", 0 },
	{ 0 },
};

static int
run(struct px_args *a)
{
	if (px_json(a))
		return px_cli_usage(a,
		    "the demo prints a walkthrough for "
		    "people; it has no --json output");
	return px_flag(a, "offline") ? run_offline(a) : px_demo_live(a);
}

const struct px_cmd px_cmd_demo = {
	.name = "demo",
	.summary = "start three live nodes on loopback and play a scenario",
	.opts = opts,
	.run = run,
	.details = "--dir DIR puts the nodes in DIR (default: a new directory "
	           "under /tmp).\nThe live demo keeps the nodes running until "
	           "Ctrl-C and prints their URLs and tokens.\nIts mail relay "
	           "files every page and alert in DIR/mail/; the people on "
	           "call sign in\nwith the passwords and TOTP secrets in "
	           "DIR/people.txt.",
};
