/* parley init: create a node. */
#include "cli/common.h"
#include "cli/commands.h"
#include "util/util.h"

static const struct px_opt opts[] = {
	{ "name", "NAME", "this node's name, e.g. cert-a.example",
	    PX_OPT_REQUIRED },
	{ "url", "URL", "https:// URL peers will reach this node at", 0 },
	{ "timezone", "ZONE", "IANA time zone of the duty desk (default UTC)",
	    0 },
	{ "languages", "LIST", "working languages, e.g. \"zh, en\"", 0 },
	{ "email", "ADDR", "duty contact e-mail for the card", 0 },
	{ "role", "ROLE",
	    "party (default) or verifier: a neutral verifier both parties "
	    "enrol (docs/attribution.md)",
	    0 },
	{ "listen", "ADDR:PORT",
	    "where 'parley serve' listens (default "
	    "127.0.0.1:8443)",
	    0 },
	{ 0 },
};

static int
run(struct px_args *a)
{
	struct px_node_params p = {
		.dir = px_arg_dir(a),
		.name = px_arg(a, "name"),
		.url = px_arg(a, "url"),
		.timezone = px_arg(a, "timezone"),
		.languages = px_arg(a, "languages"),
		.email = px_arg(a, "email"),
		.listen = px_arg(a, "listen"),
		.role = px_arg(a, "role"),
	};
	struct px_node *n = NULL;
	json_t *card = NULL;
	char fp[45];
	int rc;

	if (p.dir == NULL)
		return px_cli_usage(a,
		    "give --dir DIR (or set PARLEY_DIR) for "
		    "the new node");
	if ((rc = px_node_create(&p)) < 0)
		return px_cli_fail(a, rc);
	if ((rc = px_node_open(&n, p.dir)) < 0 ||
	    (rc = px_node_card(&card, n)) < 0) {
		px_node_free(n);
		return px_cli_fail(a, rc);
	}
	px_key_fingerprint(fp, n->sign.pk);
	if (px_json(a)) {
		json_t *o = json_pack("{ss ss ss ss ss}", "name", n->name,
		    "dir", n->dir, "fingerprint", fp, "tls", n->tls_fp,
		    "timezone", px_tz_name(n->tz));

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("Created node %s in %s\n", n->name, n->dir);
		printf("  signing key fingerprint  %s\n", fp);
		printf("  TLS certificate          %s\n", n->tls_fp);
		printf("  time zone                %s\n", px_tz_name(n->tz));
		printf("\nNext: edit %s/parley.conf (contacts, hours), then\n"
		       "  parley card --dir %s -o %s.card\n"
		       "and give that card to your peers; read them the "
		       "fingerprint by phone.\n",
		    n->dir, n->dir, n->name);
	}
	json_decref(card);
	px_node_free(n);
	return PX_EXIT_OK;
}

const struct px_cmd px_cmd_init = {
	.name = "init",
	.summary = "create a node: keys, TLS identity, store, config, card",
	.opts = opts,
	.run = run,
	.details =
	    "Example:\n  parley init --dir ./cert-a --name cert-a.example "
	    "--timezone Asia/Shanghai --languages \"zh, en\"",
};
