/*
 * parley notify: the notification queue (docs/notify.md).  `list` shows
 * what was sent, what waits and why it failed; `run` delivers what is due
 * (for a cron job, or by hand after fixing the relay); `retry` puts one
 * back in the queue; `test` checks a channel end to end.
 */
#include "cli/common.h"
#include "cli/commands.h"
#include "node/hotline.h"
#include "notify/notify.h"
#include "notify/smtp.h"
#include "notify/webhook.h"
#include "model/canon.h"
#include "util/util.h"

#define LIST_DEFAULT 100
#define LIST_MAX     100000
/* `run` takes batches until nothing is due, at most this many. */
#define RUN_MAX_BATCHES 64

static json_t *
opt_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *
row_json(const struct px_notify_row *r)
{
	json_t *o = json_pack("{sI ss ss ss ss ss sI}", "id", (json_int_t)r->id,
	    "contact", r->contact, "channel", r->channel, "address", r->address,
	    "subject", r->subject, "status", r->status, "attempts",
	    (json_int_t)r->attempts);

	json_object_set_new(o, "created", px_json_time(r->created_ms));
	json_object_set_new(o, "case", opt_str(r->case_id));
	json_object_set_new(o, "message", opt_str(r->msg_hash));
	json_object_set_new(o, "next",
	    px_json_time(strcmp(r->status, "pending") == 0 ? r->next_ms : -1));
	json_object_set_new(o, "sent", px_json_time(r->sent_ms));
	json_object_set_new(o, "last_error", opt_str(r->last_error));
	return o;
}

/* What the output goes to: the node (for its time zone) and, with
 * --json, the array of rows printed at the end. */
struct view {
	struct px_node *n;
	json_t *rows;
};

/* --- list ---------------------------------------------------------------- */

static int
list_one(const struct px_notify_row *r, void *arg)
{
	struct view *lc = arg;
	char local[PX_TZ_FORMAT_MAX], utc[PX_TIME_STRLEN];

	if (lc->rows) {
		json_array_append_new(lc->rows, row_json(r));
		return 0;
	}
	px_cli_time(local, sizeof(local), lc->n->tz, r->created_ms);
	px_time_format(utc, r->created_ms);
	printf("%-5lld %-30s %.10s %.5s  %-12.12s %-8s %-30s %-8s %-5lld %s\n",
	    (long long)r->id, local, utc, utc + 11, r->contact, r->channel,
	    r->address, r->status, (long long)r->attempts,
	    r->last_error ? r->last_error : "-");
	return 0;
}

static const char *const statuses[] = { "pending", "sent", "failed", "manual",
	NULL };

static int
run_list(struct px_args *a)
{
	struct px_node *n = NULL;
	struct view lc = { .rows = px_json(a) ? json_array() : NULL };
	struct px_notify_filter f = { .status = px_arg(a, "status"),
		.limit = LIST_DEFAULT };
	char *case_id = NULL;
	int rc, known = 0;

	for (int i = 0; f.status && statuses[i]; i++)
		known |= strcmp(f.status, statuses[i]) == 0;
	if (f.status && !known) {
		rc = px_cli_fail(a,
		    px_error_set(PX_EINVAL,
		        "unknown status '%s' (expected pending, sent, failed "
		        "or manual)",
		        f.status));
		goto out;
	}
	if (px_arg(a, "limit") &&
	    (rc = px_notify_parse_uint(
	         &f.limit, px_arg(a, "limit"), LIST_MAX, "--limit")) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if ((rc = px_cli_open(&n, a)) != 0)
		goto out;
	lc.n = n;
	if (px_arg(a, "case") &&
	    (rc = PX_STORE_CALL(
	         n->store, case_find, px_arg(a, "case"), &case_id)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	f.case_id = case_id;
	if (!lc.rows)
		printf("%-5s %-30s %-16s  %-12s %-8s %-30s %-8s %-5s %s\n",
		    "ID", "CREATED", "UTC", "CONTACT", "CHANNEL", "ADDRESS",
		    "STATUS", "TRIES", "LAST ERROR");
	if ((rc = PX_STORE_CALL(n->store, notify_list, &f, list_one, &lc)) <
	    0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (lc.rows)
		px_cli_print_json(lc.rows);
	rc = 0;
out:
	json_decref(lc.rows);
	free(case_id);
	px_node_free(n);
	return rc;
}

/* --- run ----------------------------------------------------------------- */

/* One line per attempt: what was sent, or why not and what happens next. */
static int
report(const struct px_notify_row *r, void *arg)
{
	struct view *v = arg;
	char next[PX_TZ_FORMAT_MAX];

	/* A hotline page's outcome goes into the case for both sides. */
	if (px_hotline_note_delivery(v->n, r) < 0)
		fprintf(stderr,
		    "parley: cannot report the delivery of notification "
		    "%lld in its case: %s\n",
		    (long long)r->id, px_error_last());

	if (v->rows) {
		json_array_append_new(v->rows, row_json(r));
		return 0;
	}
	if (strcmp(r->status, "sent") == 0) {
		printf("Notification %lld: %s to %s sent.\n", (long long)r->id,
		    r->channel, r->address);
	} else if (strcmp(r->status, "pending") == 0) {
		px_cli_time(next, sizeof(next), v->n->tz, r->next_ms);
		printf("Notification %lld: %s to %s not delivered (attempt "
		       "%lld; next try %s): %s\n",
		    (long long)r->id, r->channel, r->address,
		    (long long)r->attempts, next,
		    r->last_error ? r->last_error : "?");
	} else {
		printf("Notification %lld: %s to %s failed after %lld "
		       "attempt%s, given up: %s\n",
		    (long long)r->id, r->channel, r->address,
		    (long long)r->attempts, r->attempts == 1 ? "" : "s",
		    r->last_error ? r->last_error : "?");
	}
	return 0;
}

static int
run_run(struct px_args *a)
{
	struct px_node *n = NULL;
	struct view ctx = { .rows = px_json(a) ? json_array() : NULL };
	struct px_notify_stats st = { .on_result = report, .arg = &ctx };
	int64_t now = px_time_now_ms();
	int rc;

	if ((rc = px_cli_open(&n, a)) != 0)
		goto out;
	ctx.n = n;
	for (int b = 0; b < RUN_MAX_BATCHES; b++) {
		size_t before = st.sent + st.retry + st.failed;

		if ((rc = px_notify_deliver_due(n, now, &st)) < 0) {
			rc = px_cli_fail(a, rc);
			goto out;
		}
		if (st.sent + st.retry + st.failed - before < PX_NOTIFY_BATCH)
			break;
	}
	if (ctx.rows) {
		json_t *o = json_pack("{sI sI sI sO}", "sent",
		    (json_int_t)st.sent, "retry", (json_int_t)st.retry,
		    "failed", (json_int_t)st.failed, "notifications", ctx.rows);

		px_cli_print_json(o);
		json_decref(o);
	} else if (st.sent + st.retry + st.failed == 0) {
		printf("Nothing to deliver.\n");
	} else {
		printf("Delivered %zu; %zu to try again later; %zu given "
		       "up.\n",
		    st.sent, st.retry, st.failed);
	}
	rc = st.retry + st.failed ? PX_EXIT_FAIL : PX_EXIT_OK;
out:
	json_decref(ctx.rows);
	px_node_free(n);
	return rc;
}

/* --- retry --------------------------------------------------------------- */

static int
run_retry(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_notify_row r = { 0 };
	int64_t id;
	int rc;

	if ((rc = px_notify_parse_uint(
	         &id, px_pos(a, 0), INT64_MAX, "notification id")) < 0)
		return px_cli_fail(a, rc);
	if ((rc = px_cli_open(&n, a)) != 0)
		return rc;
	if ((rc = px_notify_retry(n, id, px_time_now_ms())) < 0 ||
	    (rc = PX_STORE_CALL(n->store, notify_get, id, &r)) < 0) {
		rc = px_cli_fail(a, rc);
		goto out;
	}
	if (px_json(a)) {
		json_t *o = row_json(&r);

		px_cli_print_json(o);
		json_decref(o);
	} else {
		printf("Notification %lld (%s to %s) is pending again; "
		       "'parley notify run' delivers it.\n",
		    (long long)id, r.channel, r.address);
	}
out:
	px_notify_row_dispose(&r);
	px_node_free(n);
	return rc;
}

/* --- test ---------------------------------------------------------------- */

static const struct px_opt test_opts[] = {
	{ "contact", "ID",
	    "a contact of parley.conf, on every channel it lists", 0 },
	{ "email", "ADDR", "an e-mail address, through the [smtp] relay", 0 },
	{ "webhook", "URL", "a webhook URL (http:// or https://)", 0 },
	{ "secret", "S", "sign the webhook with this secret (with --webhook)",
	    0 },
	{ "subject", "TEXT", "the subject (default: a test notice)", 0 },
	{ "text", "TEXT", "the text (default: a test notice)", 0 },
	{ 0 },
};

/* The card and contact name the test goes to; PX_EINVAL or PX_ENOTFOUND
 * with a message, or 0. */
static int
test_target(json_t **card, const char **contact, struct px_args *a,
    const struct px_node *n)
{
	const char *v;
	int rc;

	if ((v = px_arg(a, "contact")) != NULL) {
		*contact = v;
		return px_notify_contact_card(card, n, v);
	}
	if ((v = px_arg(a, "email")) != NULL) {
		if ((rc = px_mail_address_check(v, "--email")) < 0)
			return rc;
		*contact = v;
		*card = json_pack("{ss}", "email", v);
		return 0;
	}
	v = px_arg(a, "webhook");
	if ((rc = px_webhook_url_check(v, "--webhook")) < 0)
		return rc;
	*contact = v;
	*card = json_pack("{ss}", "webhook", v);
	return 0;
}

/* Prints what became of one test notification; true if it was sent. */
static bool
test_report(const struct px_notify_row *r, struct view *ctx, bool *sendable)
{
	if (strcmp(r->status, "manual") != 0) {
		*sendable = true;
		report(r, ctx);
	} else if (ctx->rows) {
		json_array_append_new(ctx->rows, row_json(r));
	} else {
		printf("Notification %lld: phone %s is manual: a person must "
		       "dial; parley sends nothing.\n",
		    (long long)r->id, r->address);
	}
	return strcmp(r->status, "sent") == 0;
}

static int
run_test(struct px_args *a)
{
	struct px_node *n = NULL;
	struct px_notify_item it = { .channels = PX_NOTIFY_ALL,
		.event = "test",
		.now = px_time_now_ms() };
	int64_t ids[PX_NOTIFY_NCHAN];
	size_t count = 0;
	struct view ctx = { .rows = px_json(a) ? json_array() : NULL };
	json_t *card = NULL;
	char tm[PX_TIME_STRLEN], *subject = NULL, *text = NULL;
	bool delivered = true, sendable = false, waiting = false;
	int rc,
	    given = (px_arg(a, "contact") != NULL) +
	    (px_arg(a, "email") != NULL) + (px_arg(a, "webhook") != NULL);

	if (given != 1) {
		rc = px_cli_usage(a,
		    "give exactly one of --contact ID, --email ADDR or "
		    "--webhook URL");
		goto out;
	}
	if (px_arg(a, "secret") && !px_arg(a, "webhook")) {
		rc = px_cli_usage(a, "--secret goes with --webhook URL");
		goto out;
	}
	if ((rc = px_cli_open(&n, a)) != 0)
		goto out;
	ctx.n = n;
	if ((rc = test_target(&card, &it.contact, a, n)) < 0)
		goto fail;
	px_time_format(tm, it.now);
	subject = px_arg(a, "subject")
	    ? px_strdup(px_arg(a, "subject"))
	    : px_asprintf("parley test notification from %s", n->name);
	text = px_arg(a, "text")
	    ? px_strdup(px_arg(a, "text"))
	    : px_asprintf("This is a test notification from the parley node "
	                  "%s,\nsent at %s by 'parley notify test'.\n\nIf "
	                  "you read this, the channel works; nothing needs "
	                  "to be done.\n",
	          n->name, tm);
	it.card = card;
	it.subject = subject;
	it.text = text;
	if ((rc = PX_STORE_CALL0(n->store, begin)) < 0)
		goto fail;
	if ((rc = px_notify_enqueue_ids(n, &it, ids, &count)) < 0) {
		PX_STORE_CALL0(n->store, rollback);
		goto fail;
	}
	if ((rc = PX_STORE_CALL0(n->store, commit)) < 0)
		goto fail;
	if (count == 0) {
		rc = px_error_set(PX_EINVAL,
		    "contact %s lists no email, webhook or phone to notify",
		    it.contact);
		goto fail;
	}
	if ((rc = px_notify_deliver_ids(
	         n, ids, count, it.now, px_arg(a, "secret"), NULL)) < 0)
		goto fail;
	for (size_t i = 0; i < count; i++) {
		struct px_notify_row r = { 0 };

		if ((rc = PX_STORE_CALL(n->store, notify_get, ids[i], &r)) < 0)
			goto fail;
		if (!test_report(&r, &ctx, &sendable) &&
		    strcmp(r.status, "manual") != 0)
			delivered = false;
		waiting |= strcmp(r.status, "pending") == 0;
		px_notify_row_dispose(&r);
	}
	delivered = delivered && sendable;
	if (ctx.rows) {
		json_t *o = json_pack("{sb sO}", "delivered", delivered,
		    "notifications", ctx.rows);

		px_cli_print_json(o);
		json_decref(o);
	}
	if (!sendable)
		fprintf(stderr,
		    "parley: contact %s lists only a phone number; phone "
		    "notifications are made by a person, so nothing was "
		    "delivered\n",
		    it.contact);
	else if (!delivered)
		fprintf(stderr,
		    "parley: the test notification was not delivered (see "
		    "above)%s\n",
		    waiting ? "; it stays queued and 'parley notify run' tries "
		              "again"
		            : "");
	rc = delivered ? PX_EXIT_OK : PX_EXIT_FAIL;
	goto out;
fail:
	rc = px_cli_fail(a, rc);
out:
	json_decref(card);
	json_decref(ctx.rows);
	free(subject);
	free(text);
	px_node_free(n);
	return rc;
}

static const struct px_opt list_opts[] = {
	{ "status", "S", "only pending, sent, failed or manual ones", 0 },
	{ "case", "REF", "only those of this case (id, prefix or reference)",
	    0 },
	{ "limit", "N", "at most N, newest first (default 100)", 0 },
	{ 0 },
};

static const struct px_cmd c_list = {
	.name = "list",
	.summary = "list notifications, newest first, with their last error",
	.opts = list_opts,
	.run = run_list,
};
static const struct px_cmd c_run = {
	.name = "run",
	.summary = "deliver the notifications that are due now",
	.run = run_run,
	.details = "Exits 1 if any delivery failed in this round (it is "
	           "retried later,\nor given up after 10 attempts).",
};
static const struct px_cmd c_retry = {
	.name = "retry",
	.summary = "put a failed or waiting notification back, due now",
	.usage = "ID",
	.min_pos = 1,
	.max_pos = 1,
	.run = run_retry,
};
static const struct px_cmd c_test = {
	.name = "test",
	.summary = "send a test notification now and say whether it arrived",
	.opts = test_opts,
	.run = run_test,
	.details = "Exits 0 only if every e-mail and webhook was delivered; "
	           "phone numbers\nare recorded as manual.  A failed test "
	           "stays queued and is retried.",
};
static const struct px_cmd *const subs[] = { &c_list, &c_run, &c_retry, &c_test,
	NULL };

const struct px_cmd px_cmd_notify = {
	.name = "notify",
	.summary = "notifications to people: list, deliver, retry, test",
	.subs = subs,
	.details = "E-mail goes through the [smtp] relay of parley.conf; "
	           "webhooks are signed\nwith the contact's webhook_secret.  "
	           "See docs/notify.md.",
};
