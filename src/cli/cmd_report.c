/*
 * parley report: the twice-yearly review of the exchange with one peer
 * (docs/report.md), as JSON (the source of truth), CSV or an HTML page.
 */
#include <unistd.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "report/make.h"
#include "util/util.h"

static const struct px_opt opts[] = {
	{ "peer", "NAME", "the peer whose exchange to review",
	    PX_OPT_REQUIRED },
	{ "from", "DATE",
	    "start of the period: YYYY-MM-DD (midnight in this node's time "
	    "zone) or an RFC 3339 time",
	    PX_OPT_REQUIRED },
	{ "to", "DATE",
	    "last day of the period, included (YYYY-MM-DD in this node's time zone), or an RFC 3339 time at which it ends",
	    PX_OPT_REQUIRED },
	{ "format", "F",
	    "html, csv or json (default: from the extension of -o, else "
	    "json)",
	    0 },
	{ "lang", "L", "en or zh, for html and csv (default en)", 0 },
	{ "output", "FILE", "where to write it (default: standard output)", 0,
	    'o' },
	{ "progress", NULL,
	    "show progress on stderr even when it is not a terminal", 0 },
	{ 0 },
};

struct progress {
	bool show;
};

static void
progress(size_t done, size_t total, void *arg)
{
	struct progress *pr = arg;

	if (!pr->show || total < 1000)
		return;
	fprintf(stderr, "\rparley: %zu of %zu cases", done, total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

static int
run(struct px_args *a)
{
	struct px_node *n = NULL;
	struct progress pr = {
		.show = px_flag(a, "progress") || isatty(STDERR_FILENO),
	};
	const char *out = px_arg(a, "output"), *format = "json";
	const char *lang = px_arg(a, "lang");
	json_t *rep = NULL;
	struct px_buf b;
	int64_t from, to;
	int rc;

	px_buf_init(&b, PX_BUF_NOCAP);
	if (lang == NULL)
		lang = "en";
	if ((rc = px_cli_report_format(&format, px_arg(a, "format"), out)) <
	    0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if ((rc = px_cli_open(&n, a)) != 0)
		goto out;
	if ((rc = px_report_when(
	         &from, px_arg(a, "from"), n->tz, false, "--from")) < 0 ||
	    (rc = px_report_when(&to, px_arg(a, "to"), n->tz, true, "--to")) <
	        0 ||
	    (rc = px_report_make(&b, &rep, n, px_arg(a, "peer"), from, to,
	         px_time_now_ms(), format, lang, progress, &pr)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (out == NULL) {
		fwrite(b.data, 1, b.len, stdout);
		goto out;
	}
	if ((rc = px_file_write(out, b.data, b.len, 0644)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		json_t *o = json_pack("{ss ss ss sO sO sI}", "file", out,
		    "format", format, "peer", px_arg(a, "peer"), "from",
		    json_object_get(json_object_get(rep, "report"), "from"),
		    "to", json_object_get(json_object_get(rep, "report"), "to"),
		    "cases",
		    (json_int_t)json_array_size(json_object_get(rep, "cases")));

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("Wrote the review of the exchange with %s (%zu cases) "
		       "as %s to %s.\n",
		    px_arg(a, "peer"),
		    json_array_size(json_object_get(rep, "cases")), format,
		    out);
		if (strcmp(format, "json") == 0)
			printf("Check it: parley audit verify %s\n", out);
	}
out:
	px_buf_dispose(&b);
	json_decref(rep);
	px_node_free(n);
	return rc;
}

const struct px_cmd px_cmd_report = {
	.name = "report",
	.summary = "the review report of the exchange with a peer (JSON, CSV "
	           "or HTML)",
	.opts = opts,
	.run = run,
	.details = "Cases opened from the start of --from to the end of --to "
	           "count (both days\nincluded; an RFC 3339 time as --to is "
	           "the instant the period ends).\nMessages dated after the "
	           "period are left out, so a report over a\nclosed period is "
	           "the same whenever it is run.  Exercise (inject) cases\n"
	           "never count.  See docs/report.md.",
};
