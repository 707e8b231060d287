/*
 * Command dispatch and option parsing for `parley`.
 *
 * Commands form a tree (`parley case new ...`): a command either runs or
 * has subcommands.  Options are GNU-style long options (`--name value`,
 * `--name=value`, flags without a value); `--` ends options.  Unknown
 * options, missing values and missing required options are usage errors
 * (exit 2) that name what was wrong and point at --help.
 */
#include <stdarg.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "crypto/sign.h"
#include "util/util.h"

#define MAX_VALUES 64

static const struct px_opt common_opts[] = {
	{ "dir", "DIR", "node directory (default: $PARLEY_DIR)", 0 },
	{ "json", NULL, "machine-readable JSON output", 0 },
	{ "help", NULL, "show this help", 0, 'h' },
	{ 0 },
};

struct px_args {
	const struct px_cmd *cmd;
	const char *path; /* "case new" */
	struct {
		const struct px_opt *opt;
		const char *vals[MAX_VALUES];
		size_t n;
		bool seen;
	} o[64];
	size_t nopts;
	const char *pos[16];
	size_t npos;
};

static const struct px_cmd *const commands[] = {
	&px_cmd_init,
	&px_cmd_card,
	&px_cmd_peer,
	&px_cmd_case,
	&px_cmd_outbox,
	&px_cmd_inbox,
	&px_cmd_log,
	&px_cmd_proof,
	&px_cmd_audit,
	&px_cmd_report,
	&px_cmd_serve,
	&px_cmd_token,
	&px_cmd_user,
	&px_cmd_hotline,
	&px_cmd_check,
	&px_cmd_contacts,
	&px_cmd_schedule,
	&px_cmd_notify,
	&px_cmd_channel,
	&px_cmd_exercise,
	&px_cmd_evidence,
	&px_cmd_attribution,
	&px_cmd_verifier,
	&px_cmd_feed,
	&px_cmd_routing,
	&px_cmd_export,
	&px_cmd_import,
	&px_cmd_taxii,
	&px_cmd_demo,
	&px_cmd_version,
	NULL,
};

static void
print_opts(FILE *f, const struct px_opt *opts)
{
	for (const struct px_opt *o = opts; o && o->name; o++) {
		char left[64];

		snprintf(left, sizeof(left), "%s%c%s--%s%s%s",
		    o->shortname ? "-" : "", o->shortname ? o->shortname : ' ',
		    o->shortname ? ", " : "   ", o->name, o->arg ? " " : "",
		    o->arg ? o->arg : "");
		fprintf(f, "  %-26s %s%s%s\n", left, o->help,
		    (o->flags & PX_OPT_REQUIRED) ? " (required)" : "",
		    (o->flags & PX_OPT_MULTI) ? " (repeatable)" : "");
	}
}

static void
help(FILE *f, const struct px_cmd *cmd, const char *path)
{
	if (cmd->subs) {
		fprintf(f, "usage: %s <command> [options]\n\n%s\n\ncommands:\n",
		    path, cmd->summary);
		for (const struct px_cmd *const *s = cmd->subs; *s; s++)
			fprintf(f, "  %-12s %s\n", (*s)->name, (*s)->summary);
		fprintf(f,
		    "\nRun '%s <command> --help' for a command's "
		    "options.\n",
		    path);
		if (cmd->details)
			fprintf(f, "\n%s\n", cmd->details);
		return;
	}
	fprintf(f, "usage: %s [options]%s%s\n\n%s\n\noptions:\n", path,
	    cmd->usage ? " " : "", cmd->usage ? cmd->usage : "", cmd->summary);
	print_opts(f, cmd->opts);
	print_opts(f, common_opts);
	if (cmd->details)
		fprintf(f, "\n%s\n", cmd->details);
}

static const char top_details[] =
    "Exit codes: 0 ok, 1 failure, 2 usage error, 3 invalid input,\n"
    "4 not found, 5 conflict.  See docs/cli.md.";

static const struct px_cmd top = {
	.name = "parley",
	.summary = "parley - verifiable incident exchange and crisis hotline "
	           "between CERTs",
	.subs = commands,
	.details = top_details,
};

static int
find_opt(struct px_args *a, const char *name, size_t len)
{
	for (size_t i = 0; i < a->nopts; i++)
		if (strlen(a->o[i].opt->name) == len &&
		    strncmp(a->o[i].opt->name, name, len) == 0)
			return (int)i;
	return -1;
}

static int
find_short(struct px_args *a, char c)
{
	for (size_t i = 0; i < a->nopts; i++)
		if (a->o[i].opt->shortname == c)
			return (int)i;
	return -1;
}

static void
add_opts(struct px_args *a, const struct px_opt *opts)
{
	for (const struct px_opt *o = opts; o && o->name; o++)
		if (a->nopts < PX_ARRAY_LEN(a->o))
			a->o[a->nopts++].opt = o;
}

int
px_cli_usage(const struct px_args *a, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "parley: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", a ? a->path : "parley");
	return PX_EXIT_USAGE;
}

static int
parse(struct px_args *a, int argc, char **argv)
{
	bool only_pos = false;

	add_opts(a, a->cmd->opts);
	add_opts(a, common_opts);
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i], *eq, *val = NULL;
		int k;

		if (only_pos || s[0] != '-' || s[1] == '\0') {
			if (a->npos >= PX_ARRAY_LEN(a->pos))
				return px_cli_usage(a, "too many arguments");
			a->pos[a->npos++] = s;
			continue;
		}
		if (strcmp(s, "--") == 0) {
			only_pos = true;
			continue;
		}
		if (s[1] != '-') {
			k = s[2] == '\0' ? find_short(a, s[1]) : -1;
			if (k < 0)
				return px_cli_usage(
				    a, "unknown option '%s'", s);
			s = a->o[k].opt->name;
			eq = NULL;
		} else {
			s += 2;
			eq = strchr(s, '=');
			k = find_opt(a, s, eq ? (size_t)(eq - s) : strlen(s));
		}
		if (k < 0)
			return px_cli_usage(a, "unknown option '--%.*s'",
			    eq ? (int)(eq - s) : (int)strlen(s), s);
		if (a->o[k].opt->arg == NULL) {
			if (eq)
				return px_cli_usage(a,
				    "option '--%s' takes no value",
				    a->o[k].opt->name);
			a->o[k].seen = true;
			continue;
		}
		if (eq) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			return px_cli_usage(a, "option '--%s' needs a value %s",
			    a->o[k].opt->name, a->o[k].opt->arg);
		}
		if (a->o[k].n > 0 && !(a->o[k].opt->flags & PX_OPT_MULTI))
			return px_cli_usage(
			    a, "option '--%s' given twice", a->o[k].opt->name);
		if (a->o[k].n >= MAX_VALUES)
			return px_cli_usage(a, "option '--%s' given too often",
			    a->o[k].opt->name);
		a->o[k].vals[a->o[k].n++] = val;
		a->o[k].seen = true;
	}
	return 0;
}

static int
run(const struct px_cmd *cmd, char *path, int argc, char **argv)
{
	struct px_args *a;
	int rc;

	if (cmd->subs) {
		const char *name = argc > 0 ? argv[0] : NULL;

		if (name == NULL || strcmp(name, "--help") == 0 ||
		    strcmp(name, "help") == 0 || strcmp(name, "-h") == 0) {
			help(name ? stdout : stderr, cmd, path);
			return name ? PX_EXIT_OK : PX_EXIT_USAGE;
		}
		for (const struct px_cmd *const *s = cmd->subs; *s; s++) {
			if (strcmp((*s)->name, name) == 0) {
				char *sub = px_asprintf("%s %s", path, name);

				rc = run(*s, sub, argc - 1, argv + 1);
				free(sub);
				return rc;
			}
		}
		fprintf(stderr,
		    "parley: '%s' is not a command of '%s'.\n"
		    "Try '%s --help'.\n",
		    name, path, path);
		return PX_EXIT_USAGE;
	}
	a = px_calloc(1, sizeof(*a));
	a->cmd = cmd;
	a->path = path;
	if ((rc = parse(a, argc, argv)) != 0)
		goto out;
	if (px_flag(a, "help")) {
		help(stdout, cmd, path);
		goto out;
	}
	for (size_t i = 0; i < a->nopts; i++) {
		if ((a->o[i].opt->flags & PX_OPT_REQUIRED) && !a->o[i].seen) {
			rc = px_cli_usage(a, "missing required option --%s %s",
			    a->o[i].opt->name,
			    a->o[i].opt->arg ? a->o[i].opt->arg : "");
			goto out;
		}
	}
	if ((int)a->npos < cmd->min_pos || (int)a->npos > cmd->max_pos) {
		rc = px_cli_usage(a, "expected %s%s",
		    cmd->usage ? cmd->usage : "no arguments",
		    a->npos ? "" : " (none given)");
		goto out;
	}
	px_error_clear();
	rc = cmd->run(a);
out:
	free(a);
	return rc;
}

int
px_cli_main(int argc, char **argv)
{
	char path[] = "parley";

	if (px_crypto_init() < 0) {
		fprintf(stderr, "parley: %s\n", px_error_last());
		return PX_EXIT_FAIL;
	}
	if (getenv("PARLEY_FAKE_NOW") && *getenv("PARLEY_FAKE_NOW")) {
		int64_t t;

		if (px_time_parse(&t, getenv("PARLEY_FAKE_NOW"), 0) < 0) {
			fprintf(stderr, "parley: PARLEY_FAKE_NOW: %s\n",
			    px_error_last());
			return PX_EXIT_USAGE;
		}
	}
	if (argc > 1 && (strcmp(argv[1], "--version") == 0)) {
		printf("parley %s\n", PX_VERSION);
		return 0;
	}
	return run(&top, path, argc - 1, argv + 1);
}

int
px_cli_run(int argc, char **argv)
{
	char path[] = "parley";

	return run(&top, path, argc, argv);
}

static int
opt_index(const struct px_args *a, const char *name)
{
	for (size_t i = 0; i < a->nopts; i++)
		if (strcmp(a->o[i].opt->name, name) == 0)
			return (int)i;
	return -1;
}

const char *
px_arg(const struct px_args *a, const char *name)
{
	int k = opt_index(a, name);

	return k >= 0 && a->o[k].n ? a->o[k].vals[0] : NULL;
}

bool
px_flag(const struct px_args *a, const char *name)
{
	int k = opt_index(a, name);

	return k >= 0 && a->o[k].seen;
}

const char *const *
px_arg_all(const struct px_args *a, const char *name, size_t *n)
{
	int k = opt_index(a, name);

	*n = k >= 0 ? a->o[k].n : 0;
	return k >= 0 ? a->o[k].vals : NULL;
}

size_t
px_npos(const struct px_args *a)
{
	return a->npos;
}

const char *
px_pos(const struct px_args *a, size_t i)
{
	return i < a->npos ? a->pos[i] : NULL;
}

const char *
px_arg_dir(const struct px_args *a)
{
	const char *d = px_arg(a, "dir");

	if (d == NULL || *d == '\0')
		d = getenv("PARLEY_DIR");
	return d && *d ? d : NULL;
}

bool
px_json(const struct px_args *a)
{
	return px_flag(a, "json");
}

int
px_exit_for(int err)
{
	switch (err) {
	case 0:
		return PX_EXIT_OK;
	case PX_EINVAL:
	case PX_ETOOBIG:
		return PX_EXIT_INVALID;
	case PX_ENOTFOUND:
		return PX_EXIT_NOTFOUND;
	case PX_ECONFLICT:
	case PX_EPERM: /* the marking forbids it in this state of things */
		return PX_EXIT_CONFLICT;
	default:
		return PX_EXIT_FAIL;
	}
}

static void
json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

int
px_cli_fail(const struct px_args *a, int err)
{
	int code = px_exit_for(err);
	static const char *const kinds[] = { "ok", "failure", "usage",
		"invalid", "not-found", "conflict" };

	fprintf(stderr, "parley: %s\n", px_error_last());
	if (a && px_json(a)) {
		printf("{\"error\":{\"code\":%d,\"kind\":\"%s\",\"message\":",
		    code, kinds[code]);
		json_string(stdout, px_error_last());
		printf("}}\n");
	}
	return code;
}
