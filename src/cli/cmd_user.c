/* parley user: people who sign in with a password and a one-time code
 * (api/users.h, docs/desk.md "People"). */
#include <sodium.h>
#include <stdio.h>
#include <unistd.h>

#include "api/users.h"
#include "cli/common.h"
#include "cli/commands.h"
#include "util/util.h"

static const struct px_opt add_opts[] = {
	{ "role", "ROLE", "viewer, analyst, duty or admin", PX_OPT_REQUIRED },
	{ 0 },
};

/* The password: the first line of standard input (a terminal or a
 * pipe; never an argument, which others may read in the process list). */
static int
read_password(char *buf, size_t cap)
{
	size_t len;

	if (fgets(buf, (int)cap, stdin) == NULL)
		return px_error_set(PX_EINVAL,
		    "give the password on standard input (one line)");
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	return 0;
}

static int
run_add(struct px_args *a)
{
	struct px_node *n = NULL;
	char pw[1100], *totp = NULL, *uri = NULL;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if (isatty(0))
		fprintf(stderr, "Password for %s: ", px_pos(a, 0));
	if ((rc = read_password(pw, sizeof(pw))) < 0 ||
	    (rc = px_user_add(n, px_pos(a, 0), px_arg(a, "role"), pw,
	         px_time_now_ms(), &totp)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	/* The key URI format authenticator apps read (often as a QR
	 * code): SHA-1, six digits, 30 s. */
	uri = px_asprintf("otpauth://totp/parley%%20%s:%s?secret=%s&issuer="
	                  "parley%%20%s",
	    n->name, px_pos(a, 0), totp, n->name);
	if (px_json(a)) {
		json_t *o =
		    json_pack("{ss ss ss ss}", "user", px_pos(a, 0), "role",
		        px_arg(a, "role"), "totp_secret", totp, "otpauth", uri);

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("%s\n%s\n", totp, uri);
		fprintf(stderr,
		    "User '%s' (%s) added.  Enrol the secret above in an "
		    "authenticator app now: it is shown only once.  Sign in "
		    "with POST /api/v1/session {\"user\", \"password\", "
		    "\"code\"}.\n",
		    px_pos(a, 0), px_arg(a, "role"));
	}
out:
	sodium_memzero(pw, sizeof(pw));
	if (totp)
		sodium_memzero(totp, strlen(totp));
	free(totp);
	free(uri);
	px_node_free(n);
	return rc;
}

static int
row(int64_t t, const char *name, const char *detail, void *arg)
{
	char tm[PX_TIME_STRLEN];

	px_time_format(tm, t);
	if (arg)
		json_array_append_new(arg,
		    json_pack("{ss ss ss}", "time", tm, "user", name, "detail",
		        detail));
	else
		printf("%.19sZ  %-24s %s\n", tm, name, detail);
	return 0;
}

/* `user list` (detail: the role) and `user signins` (detail: "ok" or
 * why it failed). */
static int
run_rows(struct px_args *a, bool signins)
{
	struct px_node *n = NULL;
	json_t *arr = px_json(a) ? json_array() : NULL;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	rc = signins ? PX_STORE_CALL(n->store, signin_list, row, arr)
	             : PX_STORE_CALL(n->store, user_list, row, arr);
	if (rc < 0)
		rc = px_cli_fail(a, rc);
	else if (arr)
		px_cli_print_json(arr);
	json_decref(arr);
	px_node_free(n);
	return rc;
}

static int
run_list(struct px_args *a)
{
	return run_rows(a, false);
}

static int
run_signins(struct px_args *a)
{
	return run_rows(a, true);
}

static const struct px_cmd c_add = {
	.name = "add",
	.summary = "add a person who signs in (password on standard input; "
	           "prints the one-time-code secret once)",
	.usage = "NAME",
	.opts = add_opts,
	.min_pos = 1,
	.max_pos = 1,
	.run = run_add,
	.details = "NAME is one of our people: a [contact \"NAME\"] in "
	           "parley.conf.  Example:\n"
	           "  printf '%s\\n' \"$PASSWORD\" | parley user add alice "
	           "--role duty",
};
static const struct px_cmd c_list = {
	.name = "list",
	.summary = "list users (created, name, role)",
	.run = run_list,
};
static const struct px_cmd c_signins = {
	.name = "signins",
	.summary = "the sign-in audit, newest first (ok, or why it failed)",
	.run = run_signins,
};
static const struct px_cmd *const subs[] = { &c_add, &c_list, &c_signins,
	NULL };

const struct px_cmd px_cmd_user = {
	.name = "user",
	.summary = "people who sign in with a password and a one-time code",
	.subs = subs,
};
