/*
 * parley routing: the delegation files, constituencies and overrides
 * that route feed events (docs/routing.md).
 */
#include "cli/commands.h"
#include "cli/common.h"
#include "model/canon.h"
#include "node/feeds.h"
#include "node/override.h"
#include "util/util.h"

static int
run_load(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *res = json_array();
	int rc = 0;

	if ((rc = px_cli_open(&n, a)) != 0) {
		json_decref(res);
		return rc;
	}
	for (size_t i = 0; i < px_npos(a); i++) {
		struct px_routing_file_row row = { 0 };

		if ((rc = px_routing_load(n, px_pos(a, i), &row)) < 0) {
			rc = px_cli_fail(a, rc);
			goto out;
		}
		json_array_append_new(res,
		    json_pack("{sssssssssIsI}", "file", px_pos(a, i),
		        "registry", row.registry, "serial", row.serial,
		        "sha256", row.sha256, "records",
		        (json_int_t)row.records, "lines",
		        (json_int_t)row.lines));
		if (!px_json(a))
			printf("Loaded %s: registry %s, serial %s, %lld "
			       "delegations in %lld lines (sha256 %.16s...); "
			       "now %s's active file.\n",
			    px_pos(a, i), row.registry, row.serial,
			    (long long)row.records, (long long)row.lines,
			    row.sha256, row.registry);
		px_routing_file_row_dispose(&row);
	}
	if (px_json(a))
		px_cli_print_json(res);
out:
	json_decref(res);
	px_node_free(n);
	return rc;
}

static int
list_file(const struct px_routing_file_row *r, void *arg)
{
	json_t *o = json_pack("{sssssssssssIsIsb}", "registry", r->registry,
	    "serial", r->serial, "sha256", r->sha256, "path", r->path, "loaded",
	    "", "records", (json_int_t)r->records, "lines",
	    (json_int_t)r->lines, "active", r->active);

	json_object_set_new(o, "loaded", px_json_time(r->loaded_ms));
	json_array_append_new(arg, o);
	return 0;
}

static int
run_list(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *files = json_array(), *ovr = NULL, *v;
	size_t i;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0) {
		json_decref(files);
		return rc;
	}
	if ((rc = PX_STORE_CALL(
	         n->store, routing_file_list, false, list_file, files)) < 0 ||
	    (rc = px_override_list(&ovr, n, NULL, px_time_now_ms())) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		json_t *o =
		    json_pack("{sOsO}", "files", files, "overrides", ovr);

		px_cli_print_json(o);
		json_decref(o);
		goto out;
	}
	if (json_array_size(files) == 0)
		printf("No delegation file loaded: every event is unroutable "
		       "until one is ('parley routing load FILE').\n");
	json_array_foreach(files, i, v) printf(
	    "%-8s %-9s serial %-10s %7lld delegations  sha256 %.16s...\n",
	    json_string_value(json_object_get(v, "registry")),
	    json_is_true(json_object_get(v, "active")) ? "active" : "replaced",
	    json_string_value(json_object_get(v, "serial")),
	    (long long)json_integer_value(json_object_get(v, "records")),
	    json_string_value(json_object_get(v, "sha256")));
	json_array_foreach(ovr, i, v)
	    printf("override %.16s...  %s -> %s until %s  (%s, with %s)\n",
	        json_string_value(json_object_get(v, "id")),
	        json_string_value(json_object_get(v, "match")),
	        json_string_value(json_object_get(v, "to")),
	        json_string_value(json_object_get(v, "until")),
	        json_string_value(json_object_get(v, "state")),
	        json_string_value(json_object_get(v, "peer")));
out:
	json_decref(files);
	json_decref(ovr);
	px_node_free(n);
	return rc;
}

/* Routes one made-up event, the way ingest would, and explains it. */
static int
run_explain(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *o = NULL;
	const char *ip = px_pos(a, 0), *v;
	int64_t at = px_time_now_ms();
	int rc;

	if ((v = px_arg(a, "at")) && px_time_parse(&at, v, 0) < 0)
		return px_cli_usage(a, "%s", px_error_last());
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	rc = px_route_explain(&o, n, ip, px_arg(a, "asn"), px_arg(a, "type"),
	    px_arg(a, "tlp"), at);
	if (rc == PX_EINVAL) {
		rc = px_cli_usage(a, "%s", px_error_last());
	} else if (rc < 0) {
		rc = px_cli_fail(a, rc);
	} else if (px_json(a)) {
		px_cli_print_json(o);
	} else {
		const char *st =
		    json_string_value(json_object_get(o, "status"));
		const char *party =
		    json_string_value(json_object_get(o, "party"));
		const char *other =
		    json_string_value(json_object_get(o, "other"));
		const char *line =
		    json_string_value(json_object_get(o, "line"));
		const char *reason =
		    json_string_value(json_object_get(o, "reason"));

		printf("%s: %s", ip, st);
		if (party)
			printf(" %s %s",
			    strcmp(st, "disputed") == 0 ? "between" : "to",
			    party);
		if (other)
			printf(" and %s", other);
		printf("\n  because: %s\n",
		    json_string_value(json_object_get(o, "because")));
		if (line)
			printf("  the line that decided (%lld): %s\n",
			    (long long)json_integer_value(
			        json_object_get(o, "line_number")),
			    line);
		if (reason)
			printf("  %s\n", reason);
	}
	json_decref(o);
	px_node_free(n);
	return rc;
}

static int
run_propose(struct px_args *a)
{
	struct px_node *n = NULL;
	int64_t until;
	char hash[65];
	int rc;

	if (px_time_parse(&until, px_arg(a, "until"), 1) < 0)
		return px_cli_usage(a, "--until: %s", px_error_last());
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_override_propose(n, px_arg(a, "peer"), px_pos(a, 0),
	         px_arg(a, "to"), until, px_arg(a, "text"), hash)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		json_t *o = json_pack("{ss}", "id", hash);

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("Override %.16s... proposed: %s -> %s until %s.  It "
		       "binds once %s accepts it.\n",
		    hash, px_pos(a, 0), px_arg(a, "to"), px_arg(a, "until"),
		    px_arg(a, "peer"));
		px_cli_queued(n, px_arg(a, "peer"));
	}
out:
	px_node_free(n);
	return rc;
}

static int
answer(struct px_args *a, bool accept)
{
	struct px_node *n = NULL;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_override_answer(
	         n, px_pos(a, 0), accept, px_arg(a, "text"))) < 0)
		rc = px_cli_fail(a, rc);
	else if (!px_json(a))
		printf("Override %s %s; signed and queued.\n", px_pos(a, 0),
		    accept ? "accepted" : "revoked");
	if (rc == 0 && accept) {
		/* Events already queued that the override now covers go. */
		size_t k = 0;

		if ((rc = px_feed_reroute(n, "routing accept", &k)) < 0)
			rc = px_cli_fail(a, rc);
		else if (!px_json(a) && k > 0)
			printf("%zu queued events now routed by it.\n", k);
	}
	px_node_free(n);
	return rc;
}

static int
run_accept(struct px_args *a)
{
	return answer(a, true);
}

static int
run_revoke(struct px_args *a)
{
	return answer(a, false);
}

static const struct px_opt explain_opts[] = {
	{ "asn", "AS", "the AS number the feed gives (AS64500)", 0, 0 },
	{ "type", "TYPE", "classification type (default infected-system)", 0,
	    0 },
	{ "tlp", "TLP", "the event's TLP (default amber)", 0, 0 },
	{ "at", "TIME", "routing time, RFC 3339 (default now)", 0, 0 },
	{ 0 },
};
static const struct px_opt propose_opts[] = {
	{ "peer", "PEER", "the peer to agree it with", PX_OPT_REQUIRED, 0 },
	{ "to", "NODE", "the party the events go to: this node or the peer",
	    PX_OPT_REQUIRED, 0 },
	{ "until", "TIME", "when it ends (RFC 3339 or YYYY-MM-DD)",
	    PX_OPT_REQUIRED, 0 },
	{ "text", "TEXT", "why, for the peer", 0, 0 },
	{ 0 },
};
static const struct px_opt answer_opts[] = {
	{ "text", "TEXT", "a note for the peer", 0, 0 },
	{ 0 },
};

static const struct px_cmd load = {
	.name = "load",
	.summary = "load RIR delegation files (the newest of a registry wins)",
	.usage = "FILE...",
	.min_pos = 1,
	.max_pos = 64,
	.run = run_load,
	.details = "Each file is checked line by line, copied into the node "
	           "directory under its SHA-256 and becomes its registry's "
	           "active file.  Routing decisions cite the file's registry, "
	           "serial, SHA-256 and the line that decided.",
};
static const struct px_cmd list = {
	.name = "list",
	.summary = "delegation files and overrides",
	.run = run_list,
};
static const struct px_cmd explain = {
	.name = "explain",
	.summary = "where an event about ADDRESS would be routed, and why",
	.usage = "ADDRESS",
	.min_pos = 1,
	.max_pos = 1,
	.opts = explain_opts,
	.run = run_explain,
};
static const struct px_cmd propose = {
	.name = "propose",
	.summary = "propose a routing override (NETWORK or ASN) to a peer",
	.usage = "NETWORK|ASN",
	.min_pos = 1,
	.max_pos = 1,
	.opts = propose_opts,
	.run = run_propose,
	.details = "E.g. 'parley routing propose 192.0.2.0/24 --peer "
	           "cert-b.example --to cert-b.example --until 2027-06-30'. "
	           "The override binds both sides once the peer accepts it.",
};
static const struct px_cmd accept = {
	.name = "accept",
	.summary = "accept a peer's proposed override",
	.usage = "ID",
	.min_pos = 1,
	.max_pos = 1,
	.opts = answer_opts,
	.run = run_accept,
};
static const struct px_cmd revoke = {
	.name = "revoke",
	.summary = "revoke an override (either party may)",
	.usage = "ID",
	.min_pos = 1,
	.max_pos = 1,
	.opts = answer_opts,
	.run = run_revoke,
};
static const struct px_cmd *const subs[] = { &load, &list, &explain, &propose,
	&accept, &revoke, NULL };

const struct px_cmd px_cmd_routing = {
	.name = "routing",
	.summary = "delegation files, constituencies and routing overrides",
	.subs = subs,
};
