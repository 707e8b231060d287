/* parley token: bearer tokens for the analyst API, stored hashed. */
#include <sodium.h>

#include "api/app.h"
#include "cli/common.h"
#include "cli/commands.h"
#include "util/util.h"

static const struct px_opt create_opts[] = {
	{ "role", "ROLE", "viewer, analyst, duty or admin", PX_OPT_REQUIRED },
	{ "name", "NAME", "who or what it is for (default: the role)", 0 },
	{ 0 },
};

static int
run_create(struct px_args *a)
{
	struct px_node *n = NULL;
	uint8_t secret[24], h[32];
	char hex[49], hhex[65], *token;
	const char *role = px_arg(a, "role");
	const char *name = px_arg(a, "name") ? px_arg(a, "name") : role;
	int rc, r = -1;

	for (int i = 0; i < PX_ROLE__N; i++)
		if (strcmp(role, px_role_names[i]) == 0)
			r = i;
	if (r < 0)
		return px_cli_fail(a,
		    px_error_set(PX_EINVAL,
		        "unknown role '%s' (expected viewer, analyst, duty or "
		        "admin)",
		        role));
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	randombytes_buf(secret, sizeof(secret));
	px_hex_encode(hex, secret, sizeof(secret));
	token = px_asprintf("pxt_%s", hex);
	px_sha256(h, token, strlen(token));
	px_hex_encode(hhex, h, sizeof(h));
	if ((rc = PX_STORE_CALL(n->store, token_put, hhex, name, role,
	         px_time_now_ms())) < 0) {
		rc = px_cli_fail(a, rc);
	} else if (px_json(a)) {
		json_t *o = json_pack(
		    "{ssssss}", "name", name, "role", role, "token", token);

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("%s\n", token);
		fprintf(stderr,
		    "Token '%s' (%s) created; it is shown only "
		    "once.\nUse it as: Authorization: Bearer <token>\n",
		    name, role);
	}
	sodium_memzero(hex, sizeof(hex));
	sodium_memzero(token, strlen(token));
	free(token);
	px_node_free(n);
	return rc;
}

static int
list_one(int64_t t, const char *name, const char *role, void *arg)
{
	char tm[PX_TIME_STRLEN];

	px_time_format(tm, t);
	if (arg)
		json_array_append_new(arg,
		    json_pack(
		        "{ssssss}", "name", name, "role", role, "created", tm));
	else
		printf("%-24s %-8s %.19sZ\n", name, role, tm);
	return 0;
}

static int
run_list(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *arr = px_json(a) ? json_array() : NULL;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = PX_STORE_CALL(n->store, token_list, list_one, arr)) < 0)
		rc = px_cli_fail(a, rc);
	else if (arr)
		px_cli_print_json(arr);
	json_decref(arr);
	px_node_free(n);
	return rc;
}

static int
run_revoke(struct px_args *a)
{
	struct px_node *n = NULL;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = PX_STORE_CALL(n->store, token_revoke, px_pos(a, 0))) < 0)
		rc = px_cli_fail(a, rc);
	else if (!px_json(a))
		printf("Revoked the tokens named '%s'.\n", px_pos(a, 0));
	else
		printf("{\"revoked\": true}\n");
	px_node_free(n);
	return rc;
}

static const struct px_cmd c_create = {
	.name = "create",
	.summary = "create an API token (printed once)",
	.opts = create_opts,
	.run = run_create,
};
static const struct px_cmd c_list = {
	.name = "list",
	.summary = "list live tokens (names and roles, never secrets)",
	.run = run_list,
};
static const struct px_cmd c_revoke = {
	.name = "revoke",
	.summary = "revoke the tokens with this name",
	.usage = "NAME",
	.min_pos = 1,
	.max_pos = 1,
	.run = run_revoke,
};
static const struct px_cmd *const subs[] = { &c_create, &c_list, &c_revoke,
	NULL };

const struct px_cmd px_cmd_token = {
	.name = "token",
	.summary = "bearer tokens for the analyst API",
	.subs = subs,
};
