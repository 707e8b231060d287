/* Fuzzes what an exercise proposal feeds the node (model/scenario.h): any
 * JSON either fails cleanly as a scenario or parses; a full scenario's
 * public form parses as a public form with the same injects, each hidden
 * one committing to the inject it hides; and a control message body is
 * either refused or has a known action. */
#include <assert.h>

#include "model/canon.h"
#include "model/message.h"
#include "model/scenario.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_scenario s, p;
	json_t *j = NULL, *pub = NULL;
	char h[PX_HASH_HEX];

	if (px_json_parse(&j, (const char *)data, size, 1 << 20, "fuzz") < 0)
		return 0;
	if (px_scenario_parse(&s, j, false) == 0) {
		if (!px_scenario_salt_needed(j) &&
		    px_scenario_public(&pub, j) == 0) {
			assert(px_scenario_parse(&p, pub, true) == 0);
			assert(p.ninjects == s.ninjects);
			for (size_t i = 0; i < s.ninjects; i++) {
				assert(p.injects[i].hidden ==
				    s.injects[i].controller_only);
				if (p.injects[i].hidden) {
					assert(px_inject_commit(
					           h, s.injects[i].obj) == 0);
					assert(strcmp(h, p.injects[i].commit) ==
					    0);
				}
			}
			px_scenario_dispose(&p);
		}
		(void)!px_scenario_hash(h, j);
		px_scenario_dispose(&s);
	}
	if (px_scenario_parse(&s, j, true) == 0)
		px_scenario_dispose(&s);
	if (json_is_object(j) && px_check_control(j) == 0) {
		const char *a = json_string_value(json_object_get(j, "action"));
		bool known = false;

		for (size_t i = 0; px_control_actions[i]; i++)
			known |= strcmp(px_control_actions[i], a) == 0;
		assert(known);
	}
	json_decref(pub);
	json_decref(j);
	return 0;
}
