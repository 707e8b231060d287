/*
 * The live demo: three CERT desks (Beijing, Washington, Brussels) as three
 * `parley serve` processes on loopback, enrolled with each other, playing
 * a short scenario through the real API and peer protocol.  It prints what
 * a newcomer needs (URLs, tokens, curl lines) and keeps the nodes running
 * until Ctrl-C; --once stops them after the scenario.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/users.h"
#include "cli/common.h"
#include "cli/commands.h"
#include "cli/demo_smtp.h"
#include "crypto/tls.h"
#include "crypto/totp.h"
#include "model/canon.h"
#include "net/client.h"
#include "node/node.h"
#include "util/util.h"

#define NNODES 3

/* The person on call at a node, with the account the demo makes them. */
struct person {
	const char *id, *name, *var; /* contact id, name, SESSION_ variable */
	char *password, *totp, *session;
	struct px_client *api; /* signed in as them */
};

struct dnode {
	const char *name, *zone, *langs, *city;
	char *dir, *url, *token, *fp;
	unsigned port;
	pid_t pid;
	struct px_client *api;
	struct person *who; /* NULL: nobody named on call */
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

/* POSTs or GETs JSON through client `c`; *out (may be NULL) gets the
 * body. */
static int
api_as(struct px_client *c, const char *method, const char *path, json_t *body,
    json_t **out)
{
	struct px_buf resp;
	char *text = body ? px_canon_string(body) : NULL;
	long status = 0;
	int rc;

	px_buf_init(&resp, 16 << 20);
	rc =
	    px_client_request(c, method, path, text ? "application/json" : NULL,
	        text, text ? strlen(text) : 0, &status, &resp, 10000);
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

/* The same on a node's API with its admin token. */
static int
api(struct dnode *d, const char *method, const char *path, json_t *body,
    json_t **out)
{
	return api_as(d->api, method, path, body, out);
}

/* Prints the call as a curl line that works when pasted into a POSIX
 * shell once the TOKEN_ exports below have run: the token in double
 * quotes (so that it expands), the JSON body single-quoted (each ' in
 * it written '\'') and said to be JSON, as the API requires. */
static void
show_call_as(const struct dnode *d, const char *var, const char *method,
    const char *path, const json_t *body)
{
	char *t = body ? json_dumps(body, JSON_COMPACT) : NULL;

	printf("\n$ curl -sk -X %s %s%s -H \"Authorization: Bearer "
	       "$%s\"",
	    method, d->url, path, var);
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

/* show_call_as with the node's admin token, $TOKEN_<CITY>. */
static void
show_call(const struct dnode *d, const char *method, const char *path,
    const json_t *body)
{
	char var[64];

	snprintf(var, sizeof(var), "TOKEN_%s", d->city);
	show_call_as(d, var, method, path, body);
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

/* Shows the call that opens a case (a case or a hotline) as `var`,
 * makes it through client `c` and takes `body`; returns the new case's id
 * (heap), or NULL with the error set. */
static char *
open_case(const struct dnode *d, struct px_client *c, const char *var,
    const char *path, json_t *body)
{
	json_t *out = NULL;
	char *id = NULL;
	int rc;

	show_call_as(d, var, "POST", path, body);
	rc = api_as(c, "POST", path, body, &out);
	json_decref(body);
	if (rc == 0 &&
	    (id = px_strdup(json_string_value(json_object_get(out, "case")))) ==
	        NULL)
		px_error_set(PX_ERR, "%s %s gave no case id", d->name, path);
	json_decref(out);
	return id;
}

/* Edits one section of the node's parley.conf (util/conf.h px_conf_edit). */
static int
conf_set(const struct dnode *d, const char *section, const char *sub,
    const char *const *keys, const char *const *vals)
{
	char *path = px_asprintf("%s/parley.conf", d->dir), *text = NULL;
	struct px_buf old;
	int rc;

	px_buf_init(&old, PX_CONF_MAX_SIZE + 1);
	if ((rc = px_file_read(&old, path, PX_CONF_MAX_SIZE)) == 0 &&
	    (rc = px_buf_addc(&old, '\0')) == 0 &&
	    (rc = px_conf_edit(old.data, section, sub, keys, vals, &text)) == 0)
		rc = px_file_write(path, text, strlen(text), 0600);
	px_buf_dispose(&old);
	free(text);
	free(path);
	return rc;
}

/* Points the node's mail at the demo relay and, when it has a person,
 * makes them a contact on call all week (the roster) with a user account
 * whose password and TOTP secret the demo keeps to sign them in. */
static int
setup_desk(struct dnode *d, unsigned smtp_port)
{
	static const char *const smtp_keys[] = { "host", "port", "timeout",
		NULL };
	static const char *const contact_keys[] = { "role", "name", "title",
		"email", "hours", NULL };
	static const char *const roster_keys[] = { "handover", NULL };
	struct person *p = d->who;
	char port[16], *email, *handover;
	uint8_t raw[12];
	struct px_node *n = NULL;
	int rc;

	snprintf(port, sizeof(port), "%u", smtp_port);
	if ((rc = conf_set(d, "smtp", NULL, smtp_keys,
	         (const char *const[]){ "127.0.0.1", port, "10" })) < 0 ||
	    p == NULL)
		return rc;
	email = px_asprintf("%s@%s", p->id, d->name);
	handover = px_asprintf("Mon 00:00 %s", p->id);
	rc = conf_set(d, "contact", p->id, contact_keys,
	    (const char *const[]){
	        "technical", p->name, "Duty officer", email, "24x7" });
	if (rc == 0)
		rc = conf_set(d, "roster", NULL, roster_keys,
		    (const char *const[]){ handover });
	free(email);
	free(handover);
	if (rc < 0)
		return rc;
	/* A random password of 24 hex digits. */
	randombytes_buf(raw, sizeof(raw));
	p->password = px_malloc(2 * sizeof(raw) + 1);
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(p->password + 2 * i, 3, "%02x", raw[i]);
	if ((rc = px_node_open(&n, d->dir)) == 0)
		rc = px_user_add(
		    n, p->id, "duty", p->password, px_time_now_ms(), &p->totp);
	px_node_free(n);
	return rc;
}

/* Signs p in at d as the console does (password and a one-time code
 * from their TOTP secret) and keeps a client carrying the session. */
static int
sign_in(struct dnode *d, struct person *p)
{
	uint8_t key[64];
	size_t klen = 0;
	uint32_t code = 0;
	char digits[8], *hdr;
	json_t *body, *out = NULL;
	int rc;

	if ((rc = px_base32_decode(key, sizeof(key), &klen, p->totp)) < 0 ||
	    (rc = px_totp(&code, PX_TOTP_SHA1, key, klen,
	         px_time_now_ms() / 1000, 6)) < 0)
		return rc;
	snprintf(digits, sizeof(digits), "%06u", (unsigned)code);
	body = json_pack(
	    "{ssssss}", "user", p->id, "password", p->password, "code", digits);
	rc = api(d, "POST", "/api/v1/session", body, &out);
	json_decref(body);
	if (rc < 0)
		return rc;
	p->session =
	    px_strdup(json_string_value(json_object_get(out, "token")));
	json_decref(out);
	if (p->session == NULL)
		return px_error_set(PX_ERR, "the sign-in gave no session");
	if ((rc = px_client_new(&p->api, d->url, d->fp, NULL, NULL)) < 0)
		return rc;
	hdr = px_asprintf("Authorization: Bearer %s", p->session);
	rc = px_client_header_add(p->api, hdr);
	free(hdr);
	return rc;
}

/* The path of the first message in `maildir` sent To: `addr` about case
 * `id` (its X-Parley-Case), waiting up to `ms`; NULL if none came. */
static char *
wait_mail(const char *maildir, const char *addr, const char *id, int ms)
{
	char *to = px_asprintf("\nTo: %s\r\n", addr);
	char *cs = px_asprintf("\nX-Parley-Case: %s\r\n", id);
	char *found = NULL;

	for (int t = 0; t < ms && found == NULL; t += 100) {
		DIR *dir = opendir(maildir);
		struct dirent *e;

		while (dir && found == NULL && (e = readdir(dir)) != NULL) {
			char *path;
			struct px_buf m;

			if (strstr(e->d_name, ".eml") == NULL)
				continue;
			path = px_asprintf("%s/%s", maildir, e->d_name);
			px_buf_init(&m, PX_SMTP_DATA_MAX + 65536);
			if (px_file_read(&m, path, PX_SMTP_DATA_MAX + 65536) ==
			        0 &&
			    strstr(m.data, to) && strstr(m.data, cs))
				found = path;
			else
				free(path);
			px_buf_dispose(&m);
		}
		if (dir)
			closedir(dir);
		if (found == NULL)
			usleep(100000);
	}
	free(to);
	free(cs);
	return found;
}

/* The hotline's view at d until `ok` says it shows what is awaited; NULL
 * (error set) if it never does within `ms`. */
static json_t *
wait_hotline(struct dnode *d, const char *id, bool (*ok)(json_t *), int ms)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/v1/hotlines/%s", id);
	for (int t = 0; t < ms; t += 100) {
		json_t *h = NULL;

		if (api(d, "GET", path, NULL, &h) == 0 && ok(h))
			return h;
		json_decref(h);
		usleep(100000);
	}
	px_error_set(PX_ERR, "%s's view of hotline %s did not change in %d s",
	    d->name, id, ms / 1000);
	return NULL;
}

static bool
first_page_delivered(json_t *h)
{
	json_t *dl = json_object_get(
	    json_array_get(json_object_get(h, "pages"), 0), "delivery");
	const char *st =
	    json_string_value(json_object_get(json_array_get(dl, 0), "status"));

	return st && strcmp(st, "delivered") == 0;
}

static bool
is_answered(json_t *h)
{
	return json_is_string(json_object_get(h, "answered_by"));
}

/* The crisis path: A's person raises a hotline to B; B's scheduler pages
 * the person on call by e-mail through the demo relay; they sign in and
 * acknowledge; A's record says who answered. */
static int
crisis(struct dnode *a, struct dnode *b, const char *maildir)
{
	struct person *pa = a->who, *pb = b->who;
	char path[160], *hid = NULL, *mail = NULL, *addr = NULL;
	json_t *body, *h = NULL;
	int rc;

	printf("\n# 6. The crisis path.  On call now (parley.conf's [roster]): "
	       "%s (%s) at %s, %s (%s) at %s.\n#    Each signs in with a "
	       "password and a one-time code (POST /api/v1/session), as in "
	       "the console.\n",
	    pa->name, pa->id, a->name, pb->name, pb->id, b->name);
	if ((rc = sign_in(a, pa)) < 0 || (rc = sign_in(b, pb)) < 0)
		return rc;
	printf("   Their sessions (8 hours); paste these too:\n"
	       "  export %s=%s\n  export %s=%s\n",
	    pa->var, pa->session, pb->var, pb->session);

	printf("\n#    %s raises a hotline to %s: the payment gateway is "
	       "down.",
	    pa->name, b->name);
	body = json_pack("{sssssss[s]}", "peer", b->name, "text",
	    "DDoS on the national payment gateway; traffic from your "
	    "network.",
	    "lang", "en", "observables", "ip:198.51.100.77");
	if ((hid = open_case(a, pa->api, pa->var, "/api/v1/hotlines", body)) ==
	    NULL)
		return PX_ERR;

	addr = px_asprintf("%s@%s", pb->id, b->name);
	if ((h = wait_hotline(a, hid, first_page_delivered, 30000)) == NULL) {
		rc = PX_ERR;
		goto out;
	}
	json_decref(h);
	h = NULL;
	if ((mail = wait_mail(maildir, addr, hid, 15000)) == NULL) {
		rc =
		    px_error_set(PX_ERR, "no page for %s in %s", addr, maildir);
		goto out;
	}
	printf("-> %s's roster walk paged %s at once; the relay delivered "
	       "the e-mail to %s:\n   %s\n",
	    b->name, pb->name, addr, mail);

	printf("\n#    %s, signed in at %s, acknowledges: the record names "
	       "them as the one who answered.",
	    pb->name, b->name);
	snprintf(path, sizeof(path), "/api/v1/cases/%s/ack", hid);
	body = json_pack("{ssss}", "text",
	    "On it: filtering at our upstream now.", "lang", "en");
	show_call_as(b, pb->var, "POST", path, body);
	rc = api_as(pb->api, "POST", path, body, NULL);
	json_decref(body);
	if (rc < 0)
		goto out;
	if ((h = wait_hotline(a, hid, is_answered, 20000)) == NULL) {
		rc = PX_ERR;
		goto out;
	}
	{
		const char *by =
		    json_string_value(json_object_get(h, "answered_by"));

		printf("-> at %s the hotline is answered by %s (%s)\n", a->name,
		    strcmp(by, pb->id) == 0 ? pb->name : by, by);
	}
	snprintf(path, sizeof(path), "/api/v1/hotlines/%s", hid);
	show_call(a, "GET", path, NULL);
	{
		char *argv[] = { (char *)"hotline", (char *)"status",
			(char *)"--dir", a->dir, hid, NULL };

		printf("\n$ parley hotline status --dir %s %s\n", a->dir, hid);
		fflush(stdout);
		px_cli_run(5, argv);
	}
	rc = 0;
out:
	json_decref(h);
	free(mail);
	free(addr);
	free(hid);
	return rc;
}

/* root/people.txt (the owner's only): how each named person signs in. */
static int
write_people(const char *root, const struct dnode *a, const struct dnode *b)
{
	struct px_buf t;
	char *path = px_asprintf("%s/people.txt", root);
	int rc;

	px_buf_init(&t, PX_BUF_NOCAP);
	px_buf_puts(&t,
	    "# The demo's people: sign in to the console (or POST "
	    "/api/v1/session)\n# with the user, the password and "
	    "a code from the TOTP secret.\n");
	for (const struct dnode *d = a; d; d = d == a ? b : NULL)
		px_buf_putf(&t,
		    "\nnode     %s %s\nname     %s\nuser     %s\n"
		    "password %s\ntotp     %s\n",
		    d->name, d->url, d->who->name, d->who->id, d->who->password,
		    d->who->totp);
	rc = px_file_write(path, t.data, t.len, 0600);
	px_buf_dispose(&t);
	free(path);
	return rc;
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
	struct person li = { .id = "li.wei",
		.name = "Li Wei",
		.var = "SESSION_LI_WEI" },
	              sam = { .id = "sam.carter",
		              .name = "Sam Carter",
		              .var = "SESSION_SAM_CARTER" };
	struct px_demo_smtp *relay = NULL;
	unsigned smtp_port = 0;
	char tmpl[] = "/tmp/parley-demo-XXXXXX";
	const char *in = px_arg(a, "dir");
	char *root, *req = NULL, *rep = NULL, *st = NULL, *maildir = NULL;
	char var[64];
	json_t *body;
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

	cn->who = &li;
	us->who = &sam;
	printf("parley demo: three CERT desks on this machine, each its own "
	       "process,\ntalking mutually authenticated TLS with pinned "
	       "certificates.\nNodes in %s\n",
	    root);
	/* The mail relay every node sends its pages and alerts through. */
	maildir = px_asprintf("%s/mail", root);
	if ((rc = px_demo_smtp_start(&relay, maildir, &smtp_port)) < 0)
		goto fail;
	printf("Their mail relay: SMTP on 127.0.0.1:%u (this process); each "
	       "message it takes\nis filed in %s/ as NNNN.eml.\n",
	    smtp_port, maildir);
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
		if ((rc = setup_desk(d, smtp_port)) < 0)
			goto fail;
		cert = px_asprintf("%s/tls/cert.pem", d->dir);
		rc = px_tls_fingerprint_file(fp, cert);
		free(cert);
		if (rc < 0)
			goto fail;
		d->fp = px_strdup(fp);
	}
	if ((rc = write_people(root, cn, us)) < 0)
		goto fail;
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
	snprintf(var, sizeof(var), "TOKEN_%s", cn->city);
	if ((req = open_case(cn, cn->api, var, "/api/v1/cases", body)) == NULL)
		goto fail;
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
	snprintf(var, sizeof(var), "TOKEN_%s", eu->city);
	if ((rep = open_case(eu, eu->api, var, "/api/v1/cases", body)) == NULL)
		goto fail;
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
	if ((rc = crisis(cn, us, maildir)) < 0)
		goto fail;
	printf("\nThe web console: open %s/ (or %s/ for Washington) in a "
	       "browser (the\ncertificate is self-signed: accept it) and sign "
	       "in as a person:\n",
	    cn->url, us->url);
	for (struct dnode *d = cn; d <= us; d++)
		printf("  %-11s at %-16s user %-10s password %s\n"
		       "%14s TOTP secret %s (enrol it in an authenticator "
		       "app)\n",
		    d->who->name, d->name, d->who->id, d->who->password, "",
		    d->who->totp);
	printf("(also in %s/people.txt), or with a token below.\n"
	       "Every page and alert the nodes sent is in %s/.\n",
	    root, maildir);
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
		printf("\nStopping the nodes.  Their directories (stores, "
		       "logs, mail) stay in %s\nfor a look; remove it with "
		       "rm -r %s\n",
		    root, root);
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "parley demo: %s\n", px_error_last());
	rc = PX_ERR;
out:
	stop_nodes(nodes);
	px_demo_smtp_stop(relay);
	for (struct person *p = &li; p; p = p == &li ? &sam : NULL) {
		px_client_free(p->api);
		free(p->password);
		free(p->totp);
		free(p->session);
	}
	free(maildir);
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
