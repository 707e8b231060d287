#include "cli/commands.h"
#include "util/util.h"

static int
run(struct px_args *a)
{
	if (px_json(a))
		printf(
		    "{\"name\":\"parley\",\"version\":\"%s\"}\n", PX_VERSION);
	else
		printf("parley %s\n", PX_VERSION);
	return PX_EXIT_OK;
}

const struct px_cmd px_cmd_version = {
	.name = "version",
	.summary = "print the program version",
	.run = run,
};
