/*
 * parley check: communication checks of peers' contacts.
 */
#include "cli/commands.h"
#include "cli/common.h"
#include "node/hotline.h"
#include "node/sched.h"
#include "model/agreement.h"
#include "util/util.h"

static int
run_send(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_peer *p = NULL;
	struct px_check_sent s;
	int64_t within = 0;
	const char *contact = px_arg(a, "contact");
	char ref[9], due[PX_TZ_FORMAT_MAX];
	size_t sent = 0;
	int rc;

	if (px_arg(a, "within") &&
	    px_duration_parse(&within, px_arg(a, "within"), 0) < 0)
		return px_cli_usage(a, "--within: %s", px_error_last());
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_peer_load(&p, n, px_arg(a, "peer"))) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	json_t *res = json_array();
	for (size_t i = 0; i < json_array_size(p->card.contacts); i++) {
		const json_t *ct = json_array_get(p->card.contacts, i);
		const char *id = json_string_value(json_object_get(ct, "id"));

		if (contact ? strcmp(id, contact) != 0
		            : !json_string_value(json_object_get(ct, "email")))
			continue;
		if ((rc = px_check_send(n, p->row.name, id, within, &s)) < 0) {
			json_decref(res);
			rc = px_cli_fail(a, rc);
			goto out;
		}
		sent++;
		px_case_ref(ref, s.case_id);
		px_cli_time(due, sizeof(due), n->tz, s.due_ms);
		json_array_append_new(res,
		    json_pack("{ssssss}", "case", s.case_id, "ref", ref,
		        "contact", id));
		if (!px_json(a))
			printf("Check %s to %s/%s signed and queued; answer "
			       "due by %s.\n",
			    ref, p->row.name, id, due);
	}
	if (px_json(a))
		px_cli_print_json(res);
	json_decref(res);
	if (sent == 0) {
		rc = px_cli_fail(a,
		    contact ? px_error_set(PX_ENOTFOUND,
		                  "%s's card lists no contact '%s'",
		                  p->row.name, contact)
		            : px_error_set(PX_ENOTFOUND,
		                  "%s's card lists no contact with an e-mail",
		                  p->row.name));
		goto out;
	}
	if (!px_json(a))
		fprintf(stderr,
		    "The token went by e-mail to each person (see `parley "
		    "notify list`); only a reply carrying it counts.\n");
out:
	px_peer_free(p);
	px_node_free(n);
	return rc;
}

static int
run_reply(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_msg *m = NULL;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_check_reply(n, px_pos(a, 0), px_arg(a, "token"),
	         px_arg(a, "by"), px_arg(a, "text"), &m)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		json_t *o = json_pack("{sssssb}", "case", m->case_id, "message",
		    m->hash, "token", px_arg(a, "token") != NULL);

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("Reply to %s signed and queued%s.\n", m->to,
		    px_arg(a, "token") ? " with the token: the check counts "
		                         "as answered"
		                       : " without a token: it is recorded "
		                         "but does not count as answered");
	}
out:
	px_msg_free(m);
	px_node_free(n);
	return rc;
}

static int
run_list(struct px_args *a)
{
	struct px_node *n = NULL;
	json_t *list = NULL, *c;
	int64_t now = px_time_now_ms();
	size_t i;
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_check_list(&list, n, NULL, px_arg(a, "peer"),
	         px_flag(a, "open"), now)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		px_cli_print_json(list);
		goto out;
	}
	if (json_array_size(list) == 0)
		printf("No checks.\n");
	else
		printf("%-9s %-9s %-14s %-12s %-10s %-26s %s\n", "REF",
		    "DIRECTION", "PARTY", "CONTACT", "STATUS", "SENT",
		    "RESPONSE");
	json_array_foreach(list, i, c)
	{
		char t[PX_TZ_FORMAT_MAX] = "-", r[32] = "-";
		int64_t ms;
		bool out =
		    strcmp(json_string_value(json_object_get(c, "direction")),
		        "outbound") == 0;

		if (px_time_parse(&ms,
		        json_string_value(json_object_get(c, "sent")), 0) == 0)
			px_cli_time(t, sizeof(t), n->tz, ms);
		if (json_is_integer(json_object_get(c, "response_ms")))
			snprintf(r, sizeof(r), "%lld min",
			    (long long)(json_integer_value(
			                    json_object_get(c, "response_ms")) /
			        60000));
		printf("%-9s %-9s %-14s %-12s %-10s %-26s %s\n",
		    json_string_value(json_object_get(c, "ref")),
		    out ? "sent" : "received",
		    json_string_value(
		        json_object_get(c, out ? "checked" : "checker")),
		    json_string_value(json_object_get(c, "contact")),
		    json_string_value(json_object_get(c, "status")), t, r);
	}
out:
	json_decref(list);
	px_node_free(n);
	return rc;
}

static const struct px_opt send_opts[] = {
	{ "peer", "NAME", "the peer whose contacts to check", PX_OPT_REQUIRED },
	{ "contact", "ID", "one contact (default: every contact with e-mail)",
	    0 },
	{ "within", "DURATION",
	    "how long they have to answer (default: the agreement's "
	    "check_within)",
	    0 },
	{ 0 },
};
static const struct px_opt reply_opts[] = {
	{ "token", "TOKEN",
	    "the token from the check e-mail (without it the reply does not "
	    "count)",
	    0 },
	{ "by", "CONTACT", "who is answering (one of this node's contacts)",
	    0 },
	{ "text", "TEXT", "a note to go with it", 0 },
	{ 0 },
};
static const struct px_opt list_opts[] = {
	{ "peer", "NAME", "only checks with this peer", 0 },
	{ "open", NULL, "only checks not yet answered", 0 },
	{ 0 },
};

static const struct px_cmd send_cmd = { .name = "send",
	.summary = "send an unannounced check; the token goes by e-mail to the "
	           "person",
	.opts = send_opts,
	.run = run_send };
static const struct px_cmd reply_cmd = { .name = "reply",
	.summary = "answer a check this node received, with the e-mailed "
	           "token",
	.usage = "REF",
	.min_pos = 1,
	.max_pos = 1,
	.opts = reply_opts,
	.run = run_reply };
static const struct px_cmd list_cmd = { .name = "list",
	.summary = "checks sent and received, answered or not, response times",
	.opts = list_opts,
	.run = run_list };
static const struct px_cmd *const subs[] = { &send_cmd, &reply_cmd, &list_cmd,
	NULL };

const struct px_cmd px_cmd_check = { .name = "check",
	.summary = "communication checks: can a human be reached?",
	.subs = subs };
