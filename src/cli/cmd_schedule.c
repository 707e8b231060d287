/*
 * parley schedule: run one scheduler tick by hand (what `parley serve`
 * does every second): ladder steps, hotline pages, scheduled checks.
 */
#include "cli/commands.h"
#include "cli/common.h"
#include "node/sched.h"
#include "util/util.h"

static int
run_schedule(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_sched_stats st = { 0 };
	int64_t now = px_time_now_ms();
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_sched_tick(n, now, 0, &st)) < 0 ||
	    (!px_flag(a, "no-checks") &&
	        (rc = px_sched_checks(n, now, &st)) < 0)) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		json_t *o = json_pack("{sIsIsIsIsIsI}", "cases",
		    (json_int_t)st.cases, "ladder", (json_int_t)st.ladder,
		    "pages", (json_int_t)st.pages, "checks",
		    (json_int_t)st.checks, "notifications",
		    (json_int_t)st.notices, "errors", (json_int_t)st.errors);

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("Looked at %zu case(s): %zu ladder step(s), %zu "
		       "page(s), %zu scheduled check(s), %zu notification(s) "
		       "queued%s.\n",
		    st.cases, st.ladder, st.pages, st.checks, st.notices,
		    st.errors ? " (some cases failed: see above)" : "");
	}
	rc = st.errors ? PX_EXIT_FAIL : 0;
out:
	px_node_free(n);
	return rc;
}

static const struct px_opt opts[] = {
	{ "no-checks", NULL, "skip scheduled communication checks", 0 },
	{ 0 },
};

const struct px_cmd px_cmd_schedule = { .name = "schedule",
	.summary = "run one scheduler tick now (serve does it every second)",
	.opts = opts,
	.run = run_schedule };
