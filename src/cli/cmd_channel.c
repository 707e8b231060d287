/*
 * parley channel: what holds the channels with peers up, and delivering
 * now once the cause is mended (docs/channel.md).
 */
#include "cli/commands.h"
#include "cli/common.h"
#include "node/channel.h"
#include "node/outbox.h"
#include "util/util.h"

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static long long
num(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static void
print_problem(const json_t *p, const char *peer, bool out)
{
	if (json_is_null(p) || p == NULL) {
		printf("    flowing\n");
		return;
	}
	if (strcmp(str(p, "state"), "unreachable") == 0) {
		printf("    UNREACHABLE since %s (%lld attempt%s): %s\n",
		    str(p, "since"), num(p, "count"),
		    num(p, "count") == 1 ? "" : "s", str(p, "reason"));
	} else if (num(p, "seq") > 0) {
		printf("    BLOCKED at seq %lld since %s (%lld time%s): %s "
		       "refused it:\n      %s\n",
		    num(p, "seq"), str(p, "since"), num(p, "count"),
		    num(p, "count") == 1 ? "" : "s", out ? peer : "this node",
		    str(p, "reason"));
	} else {
		printf("    BLOCKED since %s (%lld time%s): %s refused a "
		       "whole bundle:\n      %s\n",
		    str(p, "since"), num(p, "count"),
		    num(p, "count") == 1 ? "" : "s", out ? peer : "this node",
		    str(p, "reason"));
	}
	printf("    %s\n    What to do: %s\n",
	    json_is_true(json_object_get(p, "notified"))
	        ? "The duty officer was notified."
	        : "Nobody was notified yet.",
	    str(p, "advice"));
}

void
px_cli_print_channel(const json_t *st)
{
	const char *peer = str(st, "peer");
	const json_t *off = json_object_get(st, "clock_offset_ms");

	printf("Channel with %s%s\n", peer,
	    json_is_true(json_object_get(st, "blocked")) ? "  ** BLOCKED **"
	                                                 : "");
	printf("  out (our messages to %s): sent through seq %lld, "
	       "delivered through %lld, %lld waiting\n",
	    peer, num(st, "sent"), num(st, "delivered"),
	    num(st, "undelivered"));
	print_problem(json_object_get(st, "out"), peer, true);
	printf("  in (%s's messages to us): received through seq %lld\n", peer,
	    num(st, "received"));
	print_problem(json_object_get(st, "in"), peer, false);
	if (json_is_integer(off)) {
		long long ms = (long long)json_integer_value(off);

		printf("  clocks: %s's clock is %lld.%03lld s %s ours (seen "
		       "%s)%s\n",
		    peer, (ms < 0 ? -ms : ms) / 1000,
		    (ms < 0 ? -ms : ms) % 1000, ms < 0 ? "behind" : "ahead of",
		    str(st, "clock_seen"),
		    ms > 240000 || ms < -240000
		        ? "; beyond 5 minutes one side refuses the other's "
		          "messages"
		        : "");
	}
}

static int
run_show(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *st = NULL, *v;
	size_t i;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_channel_status(&st, n, px_pos(a, 0), px_time_now_ms())) <
	    0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		px_cli_print_json(st);
	} else if (json_array_size(st) == 0) {
		printf("No peers yet.  Enrol one with 'parley peer add "
		       "CARDFILE'.\n");
	} else {
		json_array_foreach(st, i, v)
		{
			if (i)
				printf("\n");
			px_cli_print_channel(v);
		}
	}
out:
	json_decref(st);
	px_node_free(n);
	return rc;
}

static int
run_retry(struct px_args *a)
{
	struct px_node *n = NULL;
	const char *peer = px_pos(a, 0);
	json_t *st = NULL;
	char *why = NULL;
	int rc, got;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	got = px_outbox_deliver_now(n, peer);
	/* The status is read after the attempt (it records what the peer
	 * said); the attempt's own error is kept for the message. */
	if (got < 0)
		why = px_strdup(px_error_last());
	if (got < 0 && px_channel_status(&st, n, peer, px_time_now_ms()) < 0)
		st = NULL;
	if (px_json(a)) {
		json_t *o = json_pack("{sssbsI}", "peer", peer, "delivered_ok",
		    got >= 0, "delivered", (json_int_t)(got > 0 ? got : 0));

		if (got < 0)
			json_object_set_new(o, "error", json_string(why));
		if (st)
			json_object_set(o, "channel", json_array_get(st, 0));
		px_cli_print_json(o);
		json_decref(o);
	} else if (got >= 0) {
		printf("Delivered %d message%s to %s; nothing is waiting "
		       "behind a refusal.\n",
		    got, got == 1 ? "" : "s", peer);
	} else {
		fprintf(
		    stderr, "parley: delivery to %s failed: %s\n", peer, why);
		if (st)
			px_cli_print_channel(json_array_get(st, 0));
	}
	if (got < 0)
		rc = px_exit_for(got);
	free(why);
	json_decref(st);
	px_node_free(n);
	return rc;
}

static const struct px_cmd show = {
	.name = "show",
	.summary = "what holds each channel with a peer up, and what to do",
	.usage = "[PEER]",
	.min_pos = 0,
	.max_pos = 1,
	.run = run_show,
	.details = "For each peer and direction: the last seq sent, delivered "
	           "and received, a refusal (which seq, why, since when, "
	           "whether the duty officer was told, what to do) or an "
	           "unreachable peer, and how far the peer's clock is from "
	           "ours.  docs/channel.md explains each case.",
};
static const struct px_cmd retry = {
	.name = "retry",
	.summary = "deliver to a peer now, once a refusal's cause is mended",
	.usage = "PEER",
	.min_pos = 1,
	.max_pos = 1,
	.run = run_retry,
	.details = "Sends what waits for PEER from this process (a serving "
	           "node keeps retrying by itself, with a growing wait), "
	           "imports the receipts, and shows the channel if it is "
	           "still held up.  Exit code 0 when delivered.",
};
static const struct px_cmd *const subs[] = { &show, &retry, NULL };

const struct px_cmd px_cmd_channel = {
	.name = "channel",
	.summary = "see and mend what holds a channel with a peer up",
	.subs = subs,
};
