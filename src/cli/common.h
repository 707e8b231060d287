/*
 * Helpers shared by the command files: opening the node, reading input
 * files, printing JSON and times.
 */
#ifndef PX_CLI_COMMON_H
#define PX_CLI_COMMON_H

#include <jansson.h>

#include "cli/cli.h"
#include "node/node.h"

/* Opens the node named by --dir / PARLEY_DIR; on failure prints the error
 * and returns the exit code (non-zero). */
int px_cli_open(struct px_node **out, const struct px_args *a);
/* Prints a JSON value on stdout, indented, with a newline. */
void px_cli_print_json(const json_t *v);
/* "2026-11-20 22:30 CST (+08:00)" for `ms` in `tz`; "-" for -1. */
void px_cli_time(char *out, size_t n, const struct px_tz *tz, int64_t ms);
/* Reads a file named on the command line ("-" = stdin) with a cap. */
int px_cli_read(struct px_buf *out, const char *path, size_t cap);

/* The format of a report (parley report, parley exercise report): from
 * `given` (--format; may be NULL), else from the extension of `file` (may
 * be NULL), else json; *out is one of html, csv, json.  An extension that
 * names no format parley writes (.pdf), or another format than `given`,
 * is PX_EINVAL: a .pdf holding JSON helps nobody. */
PX_MUST_CHECK int px_cli_report_format(
    const char **out, const char *given, const char *file);

/* Prints on stderr, for a message just queued for `peer`, what actually
 * happens to it next: carried by hand (no URL), held behind a refusal,
 * waiting for an unreachable peer, or delivered by the serving node.
 * The CLI never says "sent" for a message that is only queued. */
void px_cli_queued(struct px_node *n, const char *peer);

/* Prints one channel's status (an element of px_channel_status) for
 * people; cmd_channel.c. */
void px_cli_print_channel(const json_t *st);

/* The string member `k` of `o`, or "-" when absent (for printing). */
const char *px_cli_str(const json_t *o, const char *k);

/* The live demo (cmd_demo_live.c), run by `parley demo`. */
int px_demo_live(struct px_args *a);

#endif
