#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/canon.h"
#include "model/card.h"
#include "net/client.h"
#include "node/cardpush.h"
#include "node/internal.h"
#include "util/util.h"

/* What a refusal means for the operator, by status. */
static const char *
refusal_advice(long status)
{
	if (status == 404 || status == 405)
		return "it does not take pushed cards (an older parley): give "
		       "it the card by hand (parley card -o FILE there, "
		       "parley peer add FILE at the peer)";
	return "give it the card by hand (parley card -o FILE, then "
	       "parley peer add FILE at the peer), after checking the "
	       "fingerprint with them";
}

int
px_card_push(struct px_node *n, struct px_client *c, const char *peer)
{
	char *key = px_asprintf("card_pushed.%s", peer);
	char *stored = NULL, *done = NULL, v[32];
	json_t *card = NULL, *ans = NULL;
	long long version, pushed = 0;
	long status = 0;
	struct px_buf in;
	int rc = 0;
	/* Called after every delivery round: the stored card is read and
	 * parsed at most once a second per worker thread, not per bundle. */
	static _Thread_local int64_t next_look_ms;
	int64_t now = px_time_now_ms();

	if (now < next_look_ms) {
		free(key);
		return 0;
	}
	next_look_ms = now + 1000;
	px_buf_init(&in, 64 * 1024);
	/* The card as last signed (by whichever process re-signed it), not
	 * as this handle's configuration would make it: a worker opened
	 * before a publish holds the old configuration. */
	if (PX_STORE_CALL(n->store, meta_get, "card", &stored) < 0 ||
	    px_json_parse(&card, stored, strlen(stored), PX_CARD_MAX_BYTES,
	        "stored card") < 0) {
		px_error_clear();
		goto out; /* no card signed yet: nothing to publish */
	}
	version = json_integer_value(
	    json_object_get(json_object_get(card, "card"), "version"));
	if (PX_STORE_CALL(n->store, meta_get, key, &done) == 0 && done)
		pushed = strtoll(done, NULL, 10);
	else
		px_error_clear();
	if (version <= pushed)
		goto out;
	if ((rc = px_client_request(c, "PUT", "/peer/v1/card",
	         "application/json", stored, strlen(stored), &status, &in,
	         30000)) < 0)
		goto out;
	if (status >= 500) {
		rc = px_error_set(PX_ERR,
		    "%s answered %ld to our card version %lld", peer, status,
		    version);
		goto out;
	}
	/* 200: pinned.  409 "not newer": it holds this one already (pinned
	 * by hand).  Anything else is a refusal that trying again will not
	 * mend: said once, with what to do. */
	if (status != 200 && status != 409) {
		const char *d = NULL;

		if (in.len > 0 &&
		    px_json_parse(
		        &ans, in.data, in.len, in.len + 1, "answer") == 0)
			d = json_string_value(json_object_get(ans, "detail"));
		else
			px_error_clear();
		fprintf(stderr,
		    "parley: %s did not take our card version %lld (%ld: "
		    "%s); %s\n",
		    peer, version, status, d ? d : "no detail",
		    refusal_advice(status));
	}
	snprintf(v, sizeof(v), "%lld", version);
	rc = PX_STORE_CALL(n->store, meta_set, key, v);
out:
	px_buf_dispose(&in);
	json_decref(ans);
	json_decref(card);
	free(stored);
	free(done);
	free(key);
	return rc;
}
