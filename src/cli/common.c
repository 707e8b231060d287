#include "cli/common.h"
#include "report/make.h"
#include "node/channel.h"
#include "util/util.h"

int
px_cli_open(struct px_node **out, const struct px_args *a)
{
	int rc;

	if (px_arg_dir(a) == NULL)
		return px_cli_usage(a,
		    "no node directory: give --dir DIR or "
		    "set PARLEY_DIR");
	rc = px_node_open(out, px_arg_dir(a));

	return rc < 0 ? px_cli_fail(a, rc) : 0;
}

void
px_cli_print_json(const json_t *v)
{
	char *s = json_dumps(
	    v, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII * 0);

	if (s) {
		puts(s);
		free(s);
	}
}

void
px_cli_time(char *out, size_t n, const struct px_tz *tz, int64_t ms)
{
	if (ms < 0 || ms == INT64_MAX)
		snprintf(out, n, "-");
	else
		px_tz_format(out, n, tz, ms);
}

int
px_cli_read(struct px_buf *out, const char *path, size_t cap)
{
	return px_file_read(out, path, cap);
}

void
px_cli_queued(struct px_node *n, const char *peer)
{
	struct px_peer *p = NULL;
	json_t *st = NULL;
	const json_t *out;
	const char *state;

	if (px_peer_load(&p, n, peer) < 0)
		return;
	if (p->card.url == NULL || *p->card.url == '\0') {
		fprintf(stderr,
		    "It waits in the outbox: %s's card names no URL, so it "
		    "leaves only when carried by hand (parley outbox export "
		    "--peer %s -o FILE).\n",
		    peer, peer);
		goto out;
	}
	if (px_channel_status(&st, n, peer, px_time_now_ms()) < 0)
		st = NULL;
	out = json_object_get(json_array_get(st, 0), "out");
	state = json_string_value(json_object_get(out, "state"));
	if (state && strcmp(state, "refused") == 0)
		fprintf(stderr,
		    "It waits in the outbox BEHIND A REFUSAL: %s refused our "
		    "seq %lld (parley channel show %s says why and what to "
		    "do).\n",
		    peer,
		    (long long)json_integer_value(json_object_get(out, "seq")),
		    peer);
	else if (state)
		fprintf(stderr,
		    "It waits in the outbox: %s has not answered since %s; it "
		    "goes when it does.\n",
		    peer, json_string_value(json_object_get(out, "since")));
	else
		fprintf(stderr,
		    "It is queued in the outbox; a serving node (parley serve) "
		    "delivers it within a second, and parley channel show %s "
		    "says when it was delivered.\n",
		    peer);
out:
	json_decref(st);
	px_peer_free(p);
}

const char *
px_cli_str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "-";
}

/* The format from --format, else from the output file's extension (JSON
 * without one).  An extension that names another format than the one
 * written is refused: a .pdf holding JSON helps nobody. */
int
px_cli_report_format(const char **out, const char *given, const char *file)
{
	const char *slash = file ? strrchr(file, '/') : NULL;
	const char *dot = file ? strrchr(slash ? slash : file, '.') : NULL;
	const char *by_ext = NULL;

	if (dot && (strcmp(dot, ".html") == 0 || strcmp(dot, ".htm") == 0))
		by_ext = "html";
	else if (dot && strcmp(dot, ".csv") == 0)
		by_ext = "csv";
	else if (dot && strcmp(dot, ".json") == 0)
		by_ext = "json";
	else if (dot && given == NULL)
		return px_error_set(PX_EINVAL,
		    "cannot write a report as '%s': parley writes html, csv "
		    "or json (name the file .html, .csv or .json; for a PDF, "
		    "print the HTML report from a browser)",
		    dot);
	*out = by_ext ? by_ext : "json";
	if (given == NULL)
		return 0;
	for (size_t i = 0; i < px_report_formats_n; i++)
		if (strcmp(given, px_report_formats[i]) == 0) {
			if (by_ext && strcmp(by_ext, given) != 0)
				return px_error_set(PX_EINVAL,
				    "--format %s does not match the file "
				    "name '%s'",
				    given, file);
			*out = px_report_formats[i];
			return 0;
		}
	return px_error_set(PX_EINVAL,
	    "unknown format '%s' (expected one of: html, csv, json)", given);
}
