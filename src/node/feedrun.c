/*
 * The feeds thread (feedrun.h).
 */
#include "node/feedrun.h"
#include "node/feeds.h"
#include "node/override.h"
#include "node/worker.h"
#include "util/util.h"

#define SPOOL_EVERY_MS 2000
#define FLUSH_EVERY_MS 30000

struct px_feedrun {
	struct px_worker *w;
	int64_t last_flush;
	uint64_t overrides; /* the hash of the overrides in effect */
	bool known;         /* `overrides` was computed once */
	void (*after)(void *);
	void *arg;
};

/* When the overrides in effect change (the peer accepted one of ours,
 * one expired, a new one was accepted here), the queued events are
 * routed again: those an override now covers go to their party.  Once
 * at start too, for acceptances that arrived while the node was down. */
static void
overrides_changed(struct px_feedrun *r, struct px_node *n, int64_t now)
{
	json_t *list = NULL, *o;
	uint64_t h = 0;
	size_t i, k = 0;

	if (px_override_list(&list, n, NULL, now) < 0) {
		fprintf(
		    stderr, "parley serve: overrides: %s\n", px_error_last());
		return;
	}
	json_array_foreach(list, i, o)
	{
		const char *id = json_string_value(json_object_get(o, "id"));
		const char *st = json_string_value(json_object_get(o, "state"));

		if (id && st && strcmp(st, "active") == 0)
			h ^= px_hash64(id, strlen(id), 5);
	}
	json_decref(list);
	if (r->known && h == r->overrides)
		return;
	if (px_feed_reroute(n, "override in effect", &k) < 0) {
		fprintf(stderr, "parley serve: re-route the queue: %s\n",
		    px_error_last());
		return;
	}
	r->known = true;
	r->overrides = h;
	if (k > 0)
		fprintf(stderr,
		    "parley serve: %zu queued events routed by an override\n",
		    k);
}

static void
step(void *arg, struct px_node *n)
{
	struct px_feedrun *r = arg;
	int64_t now = px_time_now_ms();
	size_t files = 0;

	overrides_changed(r, n, now);

	if (px_feed_spool(n, &files) < 0)
		fprintf(
		    stderr, "parley serve: feed spool: %s\n", px_error_last());
	if (files > 0 || now - r->last_flush >= FLUSH_EVERY_MS) {
		struct px_flush_report rep;

		r->last_flush = now;
		if (px_feed_flush(n, now, false, &rep) < 0)
			fprintf(stderr, "parley serve: feed flush: %s\n",
			    px_error_last());
		else if (rep.parts + rep.closed + rep.digests > 0 && r->after)
			r->after(r->arg);
	}
}

int
px_feedrun_start(struct px_feedrun **out, const char *dir,
    void (*after)(void *arg), void *arg)
{
	struct px_feedrun *r = px_calloc(1, sizeof(*r));
	int rc;

	r->after = after;
	r->arg = arg;
	if ((rc = px_worker_start(
	         &r->w, dir, SPOOL_EVERY_MS, step, r, "feeds")) < 0) {
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void
px_feedrun_kick(struct px_feedrun *r)
{
	if (r != NULL)
		px_worker_kick(r->w);
}

void
px_feedrun_stop(struct px_feedrun *r)
{
	if (r == NULL)
		return;
	px_worker_stop(r->w);
	free(r);
}
