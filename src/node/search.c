#include <string.h>

#include "model/observable.h"
#include "node/search.h"
#include "node/view.h"
#include "util/util.h"

#define SEARCH_MAX  200
#define RELATED_MAX 20

struct collect {
	json_t *out;
	const json_t *obs; /* added to each row, or NULL */
};

static int
row(const struct px_case_row *c, void *arg)
{
	struct collect *k = arg;
	size_t n = strlen(c->id);
	json_t *o = json_pack("{ss ss ss ss ss ss so}", "id", c->id, "ref",
	    c->id + (n > 8 ? n - 8 : 0), "title", c->title, "peer", c->peer,
	    "kind", c->kind, "state", c->state, "opened",
	    px_view_time(c->opened_ms));

	if (k->obs)
		json_object_set(o, "observable", (json_t *)k->obs);
	json_array_append_new(k->out, o);
	return 0;
}

int
px_search(struct px_node *n, const char *q, json_t **out)
{
	struct px_observable ob = { 0 };
	struct collect k = { .out = json_array() };
	const char *type = NULL, *value = NULL;
	int rc;

	*out = NULL;
	if (q == NULL || *q == '\0') {
		json_decref(k.out);
		return px_error_set(PX_EINVAL, "give something to search for");
	}
	if (px_obs_parse_cli(&ob, q) == 0) {
		type = px_obs_type_name(ob.type);
		value = ob.value;
	}
	px_error_clear();
	rc = PX_STORE_CALL(
	    n->store, case_search, q, type, value, NULL, SEARCH_MAX, row, &k);
	if (rc == 0)
		*out = json_pack("{ss so so}", "query", q, "observable",
		    value ? json_pack("{ssss}", "type", type, "value", value)
		          : json_null(),
		    "cases", k.out);
	else
		json_decref(k.out);
	px_obs_dispose(&ob);
	return rc;
}

json_t *
px_search_related(
    struct px_node *n, const json_t *observables, const char *case_id)
{
	json_t *out = json_array();
	const json_t *o;
	size_t i;

	json_array_foreach(observables, i, o)
	{
		struct collect k = { .out = out, .obs = o };

		if (PX_STORE_CALL(n->store, case_search, NULL,
		        json_string_value(json_object_get(o, "type")),
		        json_string_value(json_object_get(o, "value")), case_id,
		        RELATED_MAX, row, &k) < 0)
			break;
	}
	return out;
}
