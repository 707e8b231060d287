/*
 * parley hotline: raise a crisis call to a peer and watch who answers.
 */
#include "cli/commands.h"
#include "cli/common.h"
#include "node/actions.h"
#include "node/hotline.h"
#include "util/util.h"

static int
run_raise(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_msg *m = NULL;
	json_t *body = NULL;
	enum px_msg_type type;
	const char *text = px_arg(a, "text");
	char title[128], ref[9];
	struct px_new_case nc = {
		.to = px_arg(a, "peer"),
		.kind = "hotline",
		.category =
		    px_arg(a, "category") ? px_arg(a, "category") : "other",
		.priority = "P1",
		.tlp = px_arg(a, "tlp"),
		.title = px_arg(a, "title"),
		.text = { .text = text,
		    .lang = px_arg(a, "lang"),
		    .prefix = "--" },
	};
	int rc;

	if (nc.title == NULL) {
		/* The first line of the text, cut at a character boundary. */
		size_t k = 0;

		while (text[k] && text[k] != '\n' && k < 100)
			k++;
		while (k > 0 && k < strlen(text) &&
		    ((unsigned char)text[k] & 0xC0) == 0x80)
			k--;
		snprintf(title, sizeof(title), "HOTLINE: %.*s", (int)k, text);
		nc.title = title;
	}
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_body_new_case(&body, &type, n, &nc)) < 0 ||
	    (rc = px_node_send(n, nc.to, NULL, type, body, &m)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	px_case_ref(ref, m->case_id);
	if (px_json(a)) {
		json_t *o = json_pack(
		    "{ssssss}", "case", m->case_id, "ref", ref, "peer", m->to);

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("%s\n", m->case_id);
		fprintf(stderr,
		    "Hotline %s to %s (P1) signed and queued.  Once it is "
		    "delivered, %s's node pages its on-call person and walks "
		    "its roster until someone acknowledges; each page and its "
		    "delivery come back as signed messages.\n",
		    ref, m->to, m->to);
		px_cli_queued(n, m->to);
		fprintf(
		    stderr, "Watch it with: parley hotline status %s\n", ref);
	}
out:
	json_decref(body);
	px_msg_free(m);
	px_node_free(n);
	return rc;
}

static void
print_ms(char *out, size_t n, const json_t *v)
{
	int64_t ms = json_integer_value(v);

	if (!json_is_integer(v))
		snprintf(out, n, "-");
	else if (ms < 60000)
		snprintf(out, n, "%llds", (long long)(ms / 1000));
	else
		snprintf(out, n, "%lldm%02llds", (long long)(ms / 60000),
		    (long long)(ms / 1000 % 60));
}

static void
local(char *out, size_t n, const struct px_node *nd, const json_t *t)
{
	int64_t ms;

	if (!json_is_string(t) || px_time_parse(&ms, json_string_value(t), 0))
		snprintf(out, n, "-");
	else
		px_cli_time(out, n, nd->tz, ms);
}

/* How each channel of a page went out, as the paging node reported it
 * in the case (or, at the paging node, as its queue knows it). */
static void
print_deliveries(const json_t *dl)
{
	const json_t *d;
	size_t i;

	json_array_foreach(dl, i, d)
	{
		const char *st =
		    json_string_value(json_object_get(d, "status"));
		const char *det =
		    json_string_value(json_object_get(d, "detail"));
		const char *at = json_string_value(json_object_get(d, "at"));

		printf("          %-8s %s%s%s%s%s\n",
		    json_string_value(json_object_get(d, "channel")),
		    strcmp(st, "delivered") == 0 ? "delivered"
		        : strcmp(st, "retrying") == 0
		        ? "NOT DELIVERED (retrying)"
		        : strcmp(st, "failed") == 0 ? "NOT DELIVERED (gave up)"
		        : strcmp(st, "manual") == 0
		        ? "manual: a person must dial"
		        : strcmp(st, "unreported") == 0
		        ? "no delivery reported yet"
		        : "not delivered yet",
		    at ? " at " : "", at ? at : "",
		    det && strcmp(st, "manual") != 0 ? ": " : "",
		    det && strcmp(st, "manual") != 0 ? det : "");
	}
}

static void
print_hotline(const struct px_node *n, const json_t *h, int64_t now)
{
	char t1[PX_TZ_FORMAT_MAX], t2[PX_TZ_FORMAT_MAX], d[32];
	const json_t *p, *pages = json_object_get(h, "pages");
	const json_t *esc = json_object_get(h, "escalations");
	int64_t dl = 0;
	size_t i;

	printf("HOTLINE %s  %s -> %s  %s\n",
	    json_string_value(json_object_get(h, "ref")),
	    json_string_value(json_object_get(h, "requester")),
	    json_string_value(json_object_get(h, "responder")),
	    json_string_value(json_object_get(h, "title")));
	local(t1, sizeof(t1), n, json_object_get(h, "raised"));
	local(t2, sizeof(t2), n, json_object_get(h, "delivered"));
	printf("  state %s; raised %s; delivered %s\n",
	    json_string_value(json_object_get(h, "state")), t1, t2);
	local(t1, sizeof(t1), n, json_object_get(h, "ack_deadline"));
	if (json_is_string(json_object_get(h, "acknowledged"))) {
		const char *ans =
		    json_string_value(json_object_get(h, "answer"));
		const char *by =
		    json_string_value(json_object_get(h, "answered_by"));

		print_ms(d, sizeof(d), json_object_get(h, "answer_ms"));
		if (ans && strcmp(ans, "paged-person") == 0)
			printf("  ANSWERED by %s, who was paged, after %s "
			       "(acknowledge clock %s)\n",
			    by, d,
			    json_string_value(json_object_get(h, "ack_clock")));
		else
			printf(
			    "  ACKNOWLEDGED after %s (acknowledge clock %s), "
			    "%s%s%s: no page counts as answered\n",
			    d,
			    json_string_value(json_object_get(h, "ack_clock")),
			    by ? "by " : "naming no person", by ? by : "",
			    by ? ", who was not paged" : "");
	} else if (px_time_parse(&dl,
	               json_string_value(json_object_get(h, "ack_deadline")),
	               0) == 0) {
		json_t *left = json_integer(dl > now ? dl - now : now - dl);

		print_ms(d, sizeof(d), left);
		json_decref(left);
		printf("  NOT ANSWERED: acknowledge by %s (%s %s)\n", t1, d,
		    dl > now ? "left" : "overdue");
	}
	if (json_array_size(pages) == 0)
		printf("  roster walk: no page recorded yet (the responder's "
		       "node pages on receipt)\n");
	else
		printf("  roster walk:\n");
	json_array_foreach(pages, i, p)
	{
		char ch[64] = "";
		size_t k;
		const json_t *c;

		json_array_foreach(json_object_get(p, "channels"), k, c)
		{
			if (k)
				strncat(ch, ", ", sizeof(ch) - strlen(ch) - 1);
			strncat(ch, json_string_value(c),
			    sizeof(ch) - strlen(ch) - 1);
		}
		local(t1, sizeof(t1), n, json_object_get(p, "at"));
		print_ms(d, sizeof(d), json_object_get(p, "latency_ms"));
		printf("    #%lld  %s  %-12s %-20s %-22s %s%s\n",
		    (long long)json_integer_value(
		        json_object_get(p, "attempt")),
		    t1, json_string_value(json_object_get(p, "contact")),
		    json_is_string(json_object_get(p, "name"))
		        ? json_string_value(json_object_get(p, "name"))
		        : "",
		    ch,
		    json_is_true(json_object_get(p, "answered")) ? "answered "
		                                                 : "no answer",
		    json_is_true(json_object_get(p, "answered")) ? d : "");
		print_deliveries(json_object_get(p, "delivery"));
	}
	json_array_foreach(json_object_get(h, "capped"), i, p)
	{
		local(t1, sizeof(t1), n, json_object_get(p, "at"));
		printf("  HELD by the agreed cap %s (%lld, now %lld) at %s: "
		       "nobody paged while it holds\n",
		    json_string_value(json_object_get(p, "rule")),
		    (long long)json_integer_value(json_object_get(p, "limit")),
		    (long long)json_integer_value(json_object_get(p, "count")),
		    t1);
	}
	json_array_foreach(esc, i, p)
	{
		local(t1, sizeof(t1), n, json_object_get(p, "at"));
		printf("  escalation: %s level %lld (%s, %s clock) at %s\n",
		    json_string_value(json_object_get(p, "by")),
		    (long long)json_integer_value(json_object_get(p, "level")),
		    json_string_value(json_object_get(p, "notify")),
		    json_string_value(json_object_get(p, "clock")), t1);
	}
}

static int
run_status(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *list = NULL, *h;
	int64_t now = px_time_now_ms();
	size_t i;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_hotline_status(&list, n, px_pos(a, 0),
	         !px_flag(a, "all") && px_pos(a, 0) == NULL, now)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a))
		px_cli_print_json(list);
	else if (json_array_size(list) == 0)
		printf("No open hotline.  (--all shows past ones.)\n");
	json_array_foreach(list, i, h) if (!px_json(a))
	    print_hotline(n, h, now);
out:
	json_decref(list);
	px_node_free(n);
	return rc;
}

static const struct px_opt raise_opts[] = {
	{ "peer", "NAME", "the peer to call", PX_OPT_REQUIRED },
	{ "text", "TEXT", "what is happening, in a few lines",
	    PX_OPT_REQUIRED },
	{ "title", "TITLE", "a short title (default: the text's first line)",
	    0 },
	{ "category", "C", PX_CATEGORY_LIST " (default other)", 0 },
	{ "tlp", "TLP", "marking (default: the agreement's)", 0 },
	{ "lang", "TAG", "language of the text (default: the node's first)",
	    0 },
	{ 0 },
};
static const struct px_opt status_opts[] = {
	{ "all", NULL, "also hotlines that have ended", 0 },
	{ 0 },
};

static const struct px_cmd raise_cmd = { .name = "raise",
	.summary = "open a P1 hotline case: the peer pages its on-call "
	           "person and walks its roster",
	.opts = raise_opts,
	.run = run_raise };
static const struct px_cmd status_cmd = { .name = "status",
	.summary = "who was paged, on which channels, who answered, how fast",
	.usage = "[REF]",
	.max_pos = 1,
	.opts = status_opts,
	.run = run_status };
static const struct px_cmd *const subs[] = { &raise_cmd, &status_cmd, NULL };

const struct px_cmd px_cmd_hotline = { .name = "hotline",
	.summary = "raise a hotline and follow its roster walk",
	.subs = subs,
	.details = "A hotline is a P1 case whose acknowledge clock is minutes. "
	           "The responder's node pages its on-call contact on every "
	           "channel listed, then the next person of its roster every "
	           "page_every (agreement), until someone acknowledges with "
	           "`parley case ack REF --by CONTACT`.  Every page and "
	           "escalation is a signed message in the case." };
