/* TEMPORARY during bring-up: removed as each command lands. */
#include "cli/commands.h"
#include "util/util.h"

static int
todo(struct px_args *a)
{
	(void)a;
	fprintf(stderr, "not built yet\n");
	return 1;
}
#define TODO(n) const struct px_cmd px_cmd_##n = { .name = #n, .summary = "todo", .run = todo };
TODO(init)
TODO(card)
TODO(peer)
TODO(case)
TODO(outbox)
TODO(inbox)
TODO(demo)
