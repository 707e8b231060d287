/*
 * parley export / parley import: cases in the formats other CERT tools
 * speak (docs/interop.md).  Exports pass the TLP choke point: who the
 * file is for decides what may go in it.
 */
#include <sys/stat.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "formats/stix.h"
#include "node/interop.h"
#include "util/util.h"

static const struct px_opt export_opts[] = {
	{ "format", "F",
	    "stix (STIX 2.1 bundle), misp (MISP event), misp-feed (a "
	    "directory a MISP instance subscribes to), xarf (X-ARF v4 "
	    "reports) or iodef (an IODEF 2 document, RFC 7970)",
	    PX_OPT_REQUIRED },
	{ "to", "PEER",
	    "the file is for this peer (a party of the cases: every "
	    "marking; another peer: as the community)",
	    0 },
	{ "internal", NULL,
	    "the file is for our own organisation's tools (TLP:RED stays on "
	    "the node)",
	    0 },
	{ "public", NULL, "the file is for anyone (TLP:CLEAR only)", 0 },
	{ "exercise", "EX-ID",
	    "the cases of this exercise may be exported too (an exercise's "
	    "cases stay out of every export unless it is named)",
	    0 },
	{ "digest", "DAY",
	    "instead of cases: the feed digest of DAY (2026-12-01) with "
	    "--peer, as a STIX bundle of its routed events",
	    0 },
	{ "peer", "PEER",
	    "--digest: the peer the digest was signed for (with --received: "
	    "by)",
	    0 },
	{ "received", NULL,
	    "--digest: the digest the peer signed for us, not ours to it", 0 },
	{ "output", "FILE", "where to write it (default: standard output)", 0,
	    'o' },
	{ 0 },
};

static int
audience(enum px_audience *out, const struct px_args *a)
{
	int given = (px_arg(a, "to") != NULL) + px_flag(a, "internal") +
	    px_flag(a, "public");

	if (given > 1)
		return px_cli_usage(
		    a, "give at most one of --to, --internal and --public");
	*out = px_arg(a, "to")       ? PX_AUD_PARTY
	    : px_flag(a, "internal") ? PX_AUD_ORG
	    : px_flag(a, "public")   ? PX_AUD_PUBLIC
	                             : PX_AUD_COMMUNITY;
	return 0;
}

/* --format iodef: XML, written as it is. */
static int
export_iodef(struct px_args *a, struct px_node *n, const char **refs,
    enum px_audience aud, const char *exid)
{
	const char *out = px_arg(a, "output");
	char *xml = NULL;
	size_t len = 0;
	int rc;

	if ((rc = px_node_export_iodef(&xml, &len, n, refs, px_npos(a), aud,
	         px_arg(a, "to"), exid)) < 0)
		return px_cli_fail(a, rc);
	if (out == NULL) {
		fwrite(xml, 1, len, stdout);
		free(xml);
		return 0;
	}
	rc = px_file_write(out, xml, len, 0600);
	free(xml);
	if (rc < 0)
		return px_cli_fail(a, rc);
	if (px_json(a)) {
		json_t *o = json_pack("{ss ss sI}", "file", out, "format",
		    "iodef", "cases", (json_int_t)px_npos(a));

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("Wrote %zu case%s as an IODEF 2 document to %s.\n",
		    px_npos(a), px_npos(a) == 1 ? "" : "s", out);
	}
	return 0;
}

static int
run_export(struct px_args *a)
{
	struct px_node *n = NULL;
	enum px_audience aud = PX_AUD_COMMUNITY;
	const char *fmt = px_arg(a, "format"), *out = px_arg(a, "output");
	const char **refs = NULL;
	json_t *bundle = NULL;
	char *text = NULL, ex[PX_UUID_STRLEN];
	const char *exid = NULL;
	int rc;

	if ((rc = audience(&aud, a)) != 0)
		return rc;
	if (px_arg(a, "digest") != NULL &&
	    (strcmp(fmt, "stix") != 0 || px_arg(a, "peer") == NULL ||
	        px_npos(a) > 0))
		return px_cli_usage(a,
		    "--digest DAY takes --format stix and --peer PEER, and no "
		    "CASE");
	if (px_arg(a, "digest") == NULL &&
	    (px_npos(a) == 0 || px_arg(a, "peer") || px_flag(a, "received")))
		return px_cli_usage(a,
		    px_npos(a) == 0 ? "name at least one CASE (or --digest DAY)"
		                    : "--peer and --received go with --digest");
	if (strcmp(fmt, "misp-feed") == 0 && out == NULL)
		return px_cli_usage(
		    a, "--format misp-feed writes a directory: give -o DIR");
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	/* --to names the party the file is for: a typo must not quietly
	 * make it a file for someone else. */
	if (px_arg(a, "to") != NULL) {
		struct px_peer *p = NULL;

		if ((rc = px_peer_load(&p, n, px_arg(a, "to"))) < 0) {
			rc = px_cli_fail(a, rc);
			goto out;
		}
		px_peer_free(p);
	}
	if (px_arg(a, "exercise") != NULL) {
		if ((rc = px_node_exercise_id(ex, n, px_arg(a, "exercise"))) <
		    0) {
			rc = px_cli_fail(a, rc);
			goto out;
		}
		exid = ex;
	}
	refs = px_calloc(px_npos(a), sizeof(*refs));
	for (size_t i = 0; i < px_npos(a); i++)
		refs[i] = px_pos(a, i);
	if (strcmp(fmt, "misp-feed") == 0) {
		size_t ne = 0;

		if ((rc = px_node_export_misp_feed(n, out, refs, px_npos(a),
		         aud, px_arg(a, "to"), exid, &ne)) < 0) {
			rc = px_cli_fail(a, rc);
		} else if (px_json(a)) {
			json_t *o = json_pack("{ss ss sI}", "dir", out,
			    "format", fmt, "events", (json_int_t)ne);

			px_cli_print_json(o);
			json_decref(o);
		} else {
			printf("Wrote a MISP feed of %zu event%s to %s "
			       "(manifest.json and one file per event).\n",
			    ne, ne == 1 ? "" : "s", out);
		}
		goto out;
	}
	if (strcmp(fmt, "iodef") == 0) {
		rc = export_iodef(a, n, refs, aud, exid);
		goto out;
	}
	if (px_arg(a, "digest") != NULL)
		rc = px_node_export_digest(&bundle, n, px_arg(a, "peer"),
		    px_arg(a, "digest"), px_flag(a, "received"), aud,
		    px_arg(a, "to"));
	else
		rc = px_node_export_as(&bundle, n, fmt, refs, px_npos(a), aud,
		    px_arg(a, "to"), exid);
	if (rc < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	text = json_dumps(bundle, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (out == NULL) {
		printf("%s\n", text);
		goto out;
	}
	{
		char *line = px_asprintf("%s\n", text);

		rc = px_file_write(out, line, strlen(line), 0600);
		free(line);
	}
	if (rc < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		json_t *o = json_pack("{ss ss sI}", "file", out, "format", fmt,
		    "cases", (json_int_t)px_npos(a));

		if (json_object_get(bundle, "objects")) {
			json_object_set_new(o, "objects",
			    json_integer((json_int_t)json_array_size(
			        json_object_get(bundle, "objects"))));
			json_object_set(o, "id", json_object_get(bundle, "id"));
		}
		px_cli_print_json(o);
		json_decref(o);
	} else if (strcmp(fmt, "xarf") == 0) {
		printf("Wrote %zu X-ARF v4 report%s to %s.\n",
		    json_array_size(bundle),
		    json_array_size(bundle) == 1 ? "" : "s", out);
	} else if (px_arg(a, "digest") != NULL) {
		printf("Wrote the feed digest of %s as a STIX 2.1 bundle of "
		       "%zu objects to %s.\n",
		    px_arg(a, "digest"),
		    json_array_size(json_object_get(bundle, "objects")), out);
	} else if (strcmp(fmt, "stix") == 0) {
		printf("Wrote %zu case%s as a STIX 2.1 bundle of %zu objects "
		       "to %s.\n",
		    px_npos(a), px_npos(a) == 1 ? "" : "s",
		    json_array_size(json_object_get(bundle, "objects")), out);
	} else {
		printf("Wrote %zu case%s as MISP event%s to %s.\n", px_npos(a),
		    px_npos(a) == 1 ? "" : "s", px_npos(a) == 1 ? "" : "s",
		    out);
	}
out:
	free(text);
	free(refs);
	json_decref(bundle);
	px_node_free(n);
	return rc;
}

const struct px_cmd px_cmd_export = {
	.name = "export",
	.summary = "cases as a STIX 2.1 bundle, MISP events, X-ARF reports or "
	           "IODEF 2, within what their TLP markings allow",
	.usage = "CASE... | --digest DAY --peer PEER",
	.min_pos = 0,
	.max_pos = 1000,
	.opts = export_opts,
	.run = run_export,
	.details = "Without --to, --internal or --public the file is for the "
	           "community:\nTLP:CLEAR and TLP:GREEN cases only.  A case "
	           "its marking keeps from\nthe file's readers stops the "
	           "export (exit 5) and names the marking; so does a case of "
	           "an\nexercise not named by --exercise.  Re-exporting "
	           "the same cases writes the same bytes.\n--digest DAY "
	           "--peer PEER writes a day's feed digest and its routed "
	           "events\n(those their markings let reach the file's "
	           "readers).  See docs/interop.md.",
};

static const struct px_opt import_opts[] = {
	{ "to", "PEER", "open the case with this peer", PX_OPT_REQUIRED },
	{ "tlp", "MARKING",
	    "the case's marking (default: the bundle's, else amber)", 0 },
	{ 0 },
};

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
run_import(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_buf b;
	char id[PX_UUID_STRLEN], ref[9];
	int rc;

	px_buf_init(&b, PX_BUF_NOCAP);
	if (is_dir(px_pos(a, 0))) {
		size_t count = 0;

		if ((rc = px_cli_open(&n, a)) != 0)
			goto out;
		if ((rc = px_node_import_misp_feed(&count, n, px_arg(a, "to"),
		         px_pos(a, 0), px_arg(a, "tlp"))) < 0) {
			rc = px_cli_fail(a, rc);
			goto out;
		}
		if (px_json(a)) {
			json_t *o = json_pack("{sI ss}", "cases",
			    (json_int_t)count, "peer", px_arg(a, "to"));

			px_cli_print_json(o);
			json_decref(o);
		} else {
			printf("Opened %zu case%s with %s from the MISP feed "
			       "in %s.\n",
			    count, count == 1 ? "" : "s", px_arg(a, "to"),
			    px_pos(a, 0));
			px_cli_queued(n, px_arg(a, "to"));
		}
		goto out;
	}
	if ((rc = px_file_read(&b, px_pos(a, 0), PX_STIX_MAX_BYTES)) < 0)
		return px_cli_fail(a, rc);
	if ((rc = px_cli_open(&n, a)) != 0)
		goto out;
	if ((rc = px_node_import_stix(id, n, px_arg(a, "to"), b.data, b.len,
	         px_arg(a, "tlp"))) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	px_case_ref(ref, id);
	if (px_json(a)) {
		json_t *o =
		    json_pack("{ss ss}", "case", id, "peer", px_arg(a, "to"));

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("%s\n", id);
		fprintf(stderr, "Opened case %s (%s) with %s from %s.\n", ref,
		    id, px_arg(a, "to"), px_pos(a, 0));
		px_cli_queued(n, px_arg(a, "to"));
	}
out:
	px_buf_dispose(&b);
	px_node_free(n);
	return rc;
}

const struct px_cmd px_cmd_import = {
	.name = "import",
	.summary = "open a case with a peer from a STIX 2.1 bundle, a MISP "
	           "event, X-ARF reports or an IODEF 2 document (a MISP feed "
	           "directory: one case per event)",
	.usage = "FILE|DIR",
	.min_pos = 1,
	.max_pos = 1,
	.opts = import_opts,
	.run = run_import,
	.details = "The bundle's first grouping, report or incident gives the "
	           "title, text and\nmarking; its observables and indicators "
	           "with simple patterns give the\nobservables.  An IODEF "
	           "document (XML) gives its first Incident.  A\nmalformed "
	           "document is refused and nothing is stored.",
};
