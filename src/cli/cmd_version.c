/* parley version */
#include "cli/common.h"
#include "cli/commands.h"
#include "util/util.h"

static int
run(struct px_args *a)
{
	if (px_json(a)) {
		json_t *o = json_pack(
		    "{ssss}", "name", "parley", "version", PX_VERSION);

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("parley %s\n", PX_VERSION);
	}
	return PX_EXIT_OK;
}

const struct px_cmd px_cmd_version = {
	.name = "version",
	.summary = "print the program version",
	.run = run,
};
