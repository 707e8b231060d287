#include "cli/common.h"
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
