/*
 * parley contacts: the directory of this node's and its peers' points of
 * contact, who is on call, when each was last verified by a check.
 */
#include "cli/commands.h"
#include "cli/common.h"
#include "node/sched.h"
#include "util/util.h"

static int
run_contacts(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *dir = NULL, *party, *c;
	size_t i, k;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_node_contacts(
	         &dir, n, px_arg(a, "peer"), px_time_now_ms())) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		px_cli_print_json(dir);
		goto out;
	}
	json_array_foreach(dir, i, party)
	{
		const char *oc =
		    json_string_value(json_object_get(party, "on_call"));

		printf("%s%s (card version %lld)%s%s\n", i ? "\n" : "",
		    json_string_value(json_object_get(party, "party")),
		    (long long)json_integer_value(
		        json_object_get(party, "card_version")),
		    oc && *oc ? "; on call now: " : "", oc ? oc : "");
		json_array_foreach(json_object_get(party, "contacts"), k, c)
		{
			const char *lv = json_string_value(
			    json_object_get(c, "last_verified"));
			const char *em =
			    json_string_value(json_object_get(c, "email"));
			const char *ph =
			    json_string_value(json_object_get(c, "phone"));

			printf("  %-12s %-16s %-22s %-28s %s\n",
			    json_string_value(json_object_get(c, "id")),
			    json_string_value(json_object_get(c, "role")),
			    json_string_value(json_object_get(c, "name")),
			    em ? em : (ph ? ph : "-"),
			    json_is_true(json_object_get(c, "stale"))
			        ? (lv ? "STALE (verified long ago)"
			              : "STALE (never verified)")
			        : lv);
		}
	}
out:
	json_decref(dir);
	px_node_free(n);
	return rc;
}

static const struct px_opt opts[] = {
	{ "peer", "NAME", "only this peer's contacts", 0 },
	{ 0 },
};

const struct px_cmd px_cmd_contacts = { .name = "contacts",
	.summary = "points of contact: own and peers', on call, last verified",
	.opts = opts,
	.run = run_contacts,
	.details = "A contact is stale when no communication check reached it "
	           "within the agreement's verify_within (default 90 days)." };
