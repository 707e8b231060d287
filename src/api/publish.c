/*
 * The publishing card (docs/deadlines.md, "Points of contact and the
 * roster"): an administrator edits our contacts and the on-call roster in
 * the console.  The node writes parley.conf (every other line kept),
 * checks it by opening the node with it (put back as it was if that
 * fails), re-signs its card with a higher version, and has every thread
 * reopen the node.  Peers pin the new card as they pin any: `parley peer
 * add` with the card from GET /peer/v1/card or `parley card`.
 *
 *   PUT    /api/v1/contacts/own/{id}  {"role", "name", "title"?,
 *          "languages"?, "email"?, "phone"?, "hours"?, "timezone"?}
 *   DELETE /api/v1/contacts/own/{id}
 *   PUT    /api/v1/roster             {"handover": "Mon 09:00 duty, ..."}
 *
 * Each answers 200 {"card_version"}; 422 with the reason when the result
 * would not open (an unknown role, an e-mail address or phone number
 * that is not one, a roster naming no contact, ...); 404 for a contact
 * to delete that is not there.
 */
#include <pthread.h>
#include <string.h>

#include "api/json.h"
#include "api/routes.h"
#include "net/problem.h"
#include "util/conf.h"
#include "util/fs.h"
#include "util/util.h"

/* One edit at a time: each reads the file the previous one wrote. */
static pthread_mutex_t edit_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *const contact_keys[] = { "role", "name", "title",
	"languages", "email", "phone", "hours", "timezone", NULL };

/* Applies one px_conf_edit to dir/parley.conf and answers. */
static int
publish(const struct px_http_req *req, struct px_http_resp *r,
    const char *section, const char *sub, const char *const *keys,
    const char *const *vals)
{
	struct px_node *n = px_api_node(req, r), *fresh = NULL;
	struct px_buf old;
	char *path, *text = NULL;
	json_t *card = NULL;
	int rc;

	if (n == NULL)
		return 0;
	path = px_asprintf("%s/parley.conf", n->dir);
	px_buf_init(&old, PX_CONF_MAX_SIZE + 1);
	pthread_mutex_lock(&edit_mu);
	if ((rc = px_file_read(&old, path, PX_CONF_MAX_SIZE)) < 0 ||
	    (rc = px_buf_addc(&old, '\0')) < 0 ||
	    (rc = px_conf_edit(old.data, section, sub, keys, vals, &text)) < 0)
		goto out;
	/* Removing a section that is not there changes nothing: no new
	 * card for it. */
	if (vals == NULL && sub && strcmp(text, old.data) == 0) {
		rc = px_error_set(PX_ENOTFOUND,
		    "no [%s \"%s\"] in parley.conf: nothing to remove", section,
		    sub);
		goto out;
	}
	if ((rc = px_file_write(path, text, strlen(text), 0600)) < 0)
		goto out;
	if ((rc = px_node_open(&fresh, n->dir)) < 0 ||
	    (rc = px_node_card(&card, fresh)) < 0) {
		char why[512];

		snprintf(why, sizeof(why), "%s", px_error_last());
		if (px_file_write(path, old.data, old.len - 1, 0600) < 0)
			px_error_prefix("and putting parley.conf back failed");
		rc = px_error_set(PX_EINVAL,
		    "not published: with this change %s (parley.conf is as "
		    "it was)",
		    why);
		goto out;
	}
	px_app_reload(req->app);
	rc = px_api_json(r, 200,
	    json_pack("{sO}", "card_version",
	        json_object_get(json_object_get(card, "card"), "version")));
out:
	pthread_mutex_unlock(&edit_mu);
	if (rc < 0)
		px_api_fail(r, rc);
	json_decref(card);
	px_node_free(fresh);
	free(text);
	free(path);
	px_buf_dispose(&old);
	return 0;
}

static int
contact_put(const struct px_http_req *req, struct px_http_resp *r)
{
	const char *vals[PX_ARRAY_LEN(contact_keys)] = { 0 };
	json_t *b = px_api_body(req, r);
	int rc;

	if (b == NULL)
		return 0;
	for (size_t i = 0; contact_keys[i]; i++) {
		json_t *v = json_object_get(b, contact_keys[i]);

		if (v && !json_is_string(v)) {
			px_error_set(
			    PX_EINVAL, "%s must be a string", contact_keys[i]);
			rc = px_api_fail(r, PX_EINVAL);
			goto out;
		}
		vals[i] = json_string_value(v);
	}
	if (vals[0] == NULL || vals[1] == NULL || !*vals[0] || !*vals[1]) {
		px_error_set(
		    PX_EINVAL, "a contact needs a role and a name at least");
		rc = px_api_fail(r, PX_EINVAL);
		goto out;
	}
	rc = publish(req, r, "contact", req->params[0], contact_keys, vals);
out:
	json_decref(b);
	return rc;
}

static int
contact_delete(const struct px_http_req *req, struct px_http_resp *r)
{
	return publish(req, r, "contact", req->params[0], contact_keys, NULL);
}

static int
roster_put(const struct px_http_req *req, struct px_http_resp *r)
{
	static const char *const keys[] = { "handover", NULL };
	const char *vals[2] = { 0 };
	json_t *b = px_api_body(req, r);
	int rc;

	if (b == NULL)
		return 0;
	vals[0] = json_string_value(json_object_get(b, "handover"));
	if (vals[0] == NULL) {
		px_error_set(PX_EINVAL,
		    "handover must be a string: \"Mon 09:00 duty, Fri 18:00 "
		    "night\" (empty: no roster)");
		rc = px_api_fail(r, PX_EINVAL);
	} else {
		/* No hand-overs: no [roster] section at all. */
		rc = publish(
		    req, r, "roster", NULL, keys, *vals[0] ? vals : NULL);
	}
	json_decref(b);
	return rc;
}

const struct px_route px_routes_publish[] = {
	{ "PUT", "/api/v1/contacts/own/{id}", contact_put, PX_AUTH_TOKEN, 8192,
	    "application/json" },
	{ "DELETE", "/api/v1/contacts/own/{id}", contact_delete, PX_AUTH_TOKEN,
	    0, NULL },
	{ "PUT", "/api/v1/roster", roster_put, PX_AUTH_TOKEN, 8192,
	    "application/json" },
};
const size_t px_routes_publish_n = PX_ARRAY_LEN(px_routes_publish);
