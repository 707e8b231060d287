/*
 * The command table and option parser.
 *
 * How to add a command: write src/cli/cmd_<name>.c that defines one
 * `const struct px_cmd px_cmd_<name>` (name, summary, usage, option table,
 * run function, or a table of subcommands), then add one line to the
 * `commands` table in cli.c.  The option table also produces --help.
 *
 * Every command also takes the common options --dir DIR (or PARLEY_DIR),
 * --json and --help.
 *
 * Exit codes (documented in docs/cli.md):
 *   0 ok, 1 failure, 2 usage error, 3 invalid input (malformed, forged,
 *   refused), 4 not found, 5 conflict (exists already, or the case state
 *   does not allow it).
 */
#ifndef PX_CLI_H
#define PX_CLI_H

#include <stdbool.h>
#include <stddef.h>

enum px_exit {
	PX_EXIT_OK = 0,
	PX_EXIT_FAIL = 1,
	PX_EXIT_USAGE = 2,
	PX_EXIT_INVALID = 3,
	PX_EXIT_NOTFOUND = 4,
	PX_EXIT_CONFLICT = 5,
};

#define PX_OPT_REQUIRED 0x1 /* must be given */
#define PX_OPT_MULTI    0x2 /* may be repeated */

struct px_opt {
	const char *name; /* long name, without "--" */
	const char *arg;  /* metavariable, or NULL for a flag */
	const char *help;
	unsigned flags;
	char shortname; /* single-letter alias, e.g. 'o' for -o; or 0 */
};

struct px_args;
typedef int (*px_cmd_fn)(struct px_args *a);

struct px_cmd {
	const char *name;
	const char *summary;
	const char *usage;    /* positional arguments, e.g. "ID" or "FILE" */
	int min_pos, max_pos; /* how many positionals are allowed */
	const struct px_opt *opts;        /* ends with {0}; may be NULL */
	px_cmd_fn run;                    /* NULL when `subs` is set */
	const struct px_cmd *const *subs; /* NULL-terminated */
	const char *details; /* more text for --help, may be NULL */
};

/* Runs the program; returns the process exit code. */
int px_cli_main(int argc, char **argv);
/* Runs one command line (argv[0] is the first word after "parley"),
 * as the demo does; crypto must be initialised. */
int px_cli_run(int argc, char **argv);

/* Accessors for the parsed arguments of the running command.  Strings are
 * borrowed from argv and live as long as the process. */
const char *px_arg(const struct px_args *a, const char *name);
bool px_flag(const struct px_args *a, const char *name);
/* All values of a repeatable option; *n gets the count. */
const char *const *px_arg_all(
    const struct px_args *a, const char *name, size_t *n);
size_t px_npos(const struct px_args *a);
const char *px_pos(const struct px_args *a, size_t i);
/* The node directory: --dir, else PARLEY_DIR, else NULL. */
const char *px_arg_dir(const struct px_args *a);
bool px_json(const struct px_args *a);

/* Maps a px_err code to an exit code. */
int px_exit_for(int err);
/* Prints "parley: <message>" to stderr and returns the exit code for
 * `err`; with --json also prints {"error": ...} on stdout. */
int px_cli_fail(const struct px_args *a, int err);
/* Prints a usage error and returns PX_EXIT_USAGE. */
int px_cli_usage(const struct px_args *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
