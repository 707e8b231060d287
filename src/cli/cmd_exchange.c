/*
 * parley outbox / parley inbox: offline exchange by signed bundles.
 */
#include "cli/common.h"
#include "cli/commands.h"
#include "model/bundle.h"
#include "util/util.h"

static const struct px_opt export_opts[] = {
	{ "peer", "NAME", "the peer the bundle is for", PX_OPT_REQUIRED },
	{ "output", "FILE", "where to write the bundle", PX_OPT_REQUIRED, 'o' },
	{ 0 },
};

static int
run_export(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_buf b;
	size_t count = 0;
	int rc;

	px_buf_init(&b, PX_BUNDLE_MAX_BYTES);
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_node_export(n, px_arg(a, "peer"), &b, &count)) < 0 ||
	    (rc = px_file_write(px_arg(a, "output"), b.data, b.len, 0600)) <
	        0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		json_t *o = json_pack("{ss ss sI}", "peer", px_arg(a, "peer"),
		    "file", px_arg(a, "output"), "messages", (json_int_t)count);

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("Wrote %zu undelivered message%s for %s to %s.\n", count,
		    count == 1 ? "" : "s", px_arg(a, "peer"),
		    px_arg(a, "output"));
		if (count)
			printf("They stay in the outbox until %s's receipts "
			       "are imported.\n",
			    px_arg(a, "peer"));
	}
out:
	px_buf_dispose(&b);
	px_node_free(n);
	return rc;
}

static const struct px_opt import_opts[] = {
	{ "reply", "FILE",
	    "where to write the signed receipts for the sender (default "
	    "BUNDLE.receipts)",
	    0, 'o' },
	{ 0 },
};

static int
run_import(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_buf in, reply;
	struct px_import_report rep;
	const char *file = px_pos(a, 0);
	char *reply_path = NULL;
	int rc, wrc = 0;

	px_buf_init(&in, PX_BUNDLE_MAX_BYTES);
	px_buf_init(&reply, PX_BUNDLE_MAX_BYTES);
	px_import_report_init(&rep);
	if ((rc = px_cli_open(&n, a)) != 0)
		goto out;
	if ((rc = px_file_read(&in, file, PX_BUNDLE_MAX_BYTES)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	rc = px_node_import(n, in.data, in.len, file, &rep, &reply);
	reply_path = px_arg(a, "reply") ? px_strdup(px_arg(a, "reply"))
	                                : px_asprintf("%s.receipts", file);
	if (reply.len)
		wrc = px_file_write(reply_path, reply.data, reply.len, 0600);
	if (px_json(a)) {
		json_t *o = json_pack("{ss? sI sI sI sI sI sI ss?}", "peer",
		    rep.peer, "applied", (json_int_t)rep.applied, "duplicate",
		    (json_int_t)rep.duplicate, "no_effect",
		    (json_int_t)rep.no_effect, "refused",
		    (json_int_t)rep.refused, "receipts_new",
		    (json_int_t)rep.receipts_new, "receipts_duplicate",
		    (json_int_t)rep.receipts_dup, "reply",
		    reply.len ? reply_path : NULL);

		if (rep.refused_by_peer)
			json_object_set_new(o, "peer_refused_seq",
			    json_integer(rep.peer_refused_seq));
		if (rc < 0)
			json_object_set_new(
			    o, "error", json_string(px_error_last()));
		px_cli_print_json(o);
		json_decref(o);
	} else if (rep.peer) {
		fputs(rep.log.data ? rep.log.data : "", stdout);
		printf("Imported %s from %s: %zu applied, %zu already held, "
		       "%zu stored without effect, %zu receipts",
		    file, rep.peer, rep.applied, rep.duplicate, rep.no_effect,
		    rep.receipts_new);
		if (rep.refused)
			printf(", %zu refused", rep.refused);
		printf(".\n");
		if (rep.refused_by_peer)
			printf("%s refused our message seq %lld: the channel "
			       "to it is blocked there (parley channel show "
			       "%s says what to do).\n",
			    rep.peer, (long long)rep.peer_refused_seq,
			    rep.peer);
		else if (rep.applied + rep.no_effect + rep.receipts_new == 0 &&
		    rc == 0)
			printf("Nothing new: this bundle was already "
			       "imported.\n");
		if (reply.len && wrc == 0)
			printf("%s for %s written to %s; send that file "
			       "back.\n",
			    rc < 0 ? "Receipts and our refusal" : "Receipts",
			    rep.peer, reply_path);
	}
	if (rc == 0 && wrc < 0)
		rc = wrc;
	if (rc < 0 && px_json(a)) {
		/* The report above already carries the error. */
		fprintf(stderr, "parley: %s\n", px_error_last());
		rc = px_exit_for(rc);
	} else if (rc < 0) {
		rc = px_cli_fail(a, rc);
	}
out:
	free(reply_path);
	px_import_report_dispose(&rep);
	px_buf_dispose(&in);
	px_buf_dispose(&reply);
	px_node_free(n);
	return rc;
}

static const struct px_cmd export_cmd = {
	.name = "export",
	.summary = "write undelivered messages for a peer as a signed bundle",
	.opts = export_opts,
	.run = run_export,
};
static const struct px_cmd *const outbox_subs[] = { &export_cmd, NULL };

const struct px_cmd px_cmd_outbox = {
	.name = "outbox",
	.summary = "messages waiting for delivery",
	.subs = outbox_subs,
};

static const struct px_cmd import_cmd = {
	.name = "import",
	.summary = "verify and apply a peer's bundle; write receipts back",
	.usage = "BUNDLE",
	.min_pos = 1,
	.max_pos = 1,
	.opts = import_opts,
	.run = run_import,
	.details = "Importing the same bundle again changes nothing and "
	           "writes the same receipts.\nA forged, altered, replayed or "
	           "out-of-sequence message is refused by name.",
};
static const struct px_cmd *const inbox_subs[] = { &import_cmd, NULL };

const struct px_cmd px_cmd_inbox = {
	.name = "inbox",
	.summary = "receive bundles from peers",
	.subs = inbox_subs,
};
