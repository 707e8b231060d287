/*
 * The notification queue: rows in the store, one per person and channel,
 * and the notifier that delivers them (see notify.h and docs/notify.md).
 *
 * Delivery reads its settings from the node's parley.conf at the moment it
 * sends, not when the notification is queued: an operator who fixes the
 * relay or a webhook secret fixes every notification still waiting, and a
 * secret never sits in the queue.
 */
#include "model/ladder.h"
#include "notify/notify.h"
#include "notify/smtp.h"
#include "notify/webhook.h"
#include "util/util.h"

#define BACKOFF_FIRST_MS   (30 * 1000LL)
#define BACKOFF_MAX_MS     (30 * 60 * 1000LL)
#define WEBHOOK_TIMEOUT_MS 10000L
#define SMTP_TIMEOUT_MAX_S 600

int64_t
px_notify_backoff_ms(int64_t attempts)
{
	int64_t d = BACKOFF_FIRST_MS;

	for (int64_t i = 1; i < attempts && d < BACKOFF_MAX_MS; i++)
		d *= 2;
	return d < BACKOFF_MAX_MS ? d : BACKOFF_MAX_MS;
}

int
px_notify_parse_uint(int64_t *out, const char *s, int64_t max, const char *what)
{
	int64_t v = 0;
	const char *p = s;

	if (s == NULL || *s == '\0')
		goto bad;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || v > (max - (*p - '0')) / 10)
			goto bad;
		v = v * 10 + (*p - '0');
	}
	if (v < 1)
		goto bad;
	*out = v;
	return 0;
bad:
	return px_error_set(PX_EINVAL,
	    "%s '%.40s' is not a whole number from 1 to %lld", what, s ? s : "",
	    (long long)max);
}

static const char *
card_str(const json_t *card, const char *key)
{
	const char *v = json_string_value(json_object_get(card, key));

	return v && *v ? v : NULL;
}

/* The webhook body: what happened, for whom, and the caller's data.
 * For an exercise's case it begins with the member "exercise" and ends
 * with "exercise_end", both saying EXERCISE (docs/exercises.md): a
 * receiver reading either end of the body sees it. */
static char *
webhook_body(const struct px_node *n, const struct px_notify_item *it,
    const char *exercise)
{
	char tm[PX_TIME_STRLEN];
	json_t *o;
	char *s;

	px_time_format(tm, it->now);
	/* Every string was checked to be UTF-8: packing cannot fail. */
	o = json_pack("{ss ss ss ss ss ss}", "type",
	    it->event ? it->event : "notify", "node", n->name, "time", tm,
	    "contact", it->contact, "subject", it->subject, "text", it->text);
	if (o == NULL)
		abort();
	if (it->case_id)
		json_object_set_new(o, "case", json_string(it->case_id));
	if (it->msg_hash)
		json_object_set_new(o, "message", json_string(it->msg_hash));
	if (it->data)
		json_object_set(o, "data", (json_t *)it->data);
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (s == NULL)
		abort();
	if (exercise) {
		/* s is "{...}" with at least one member. */
		char *w = px_asprintf("{\"exercise\":\"EXERCISE %s: not a "
		                      "real incident\",%.*s,\"exercise_end\":"
		                      "\"EXERCISE\"}",
		    exercise, (int)strlen(s) - 2, s + 1);

		free(s);
		s = w;
	}
	return s;
}

/* What marks every notification of an exercise's case, at the start and
 * the end of its text (docs/exercises.md). */
#define EXERCISE_LINE                                                         \
	"EXERCISE EXERCISE EXERCISE -- %s -- not a real incident / 演练，" \
	"非真实事件"

static bool
utf8_valid(const char *s)
{
	size_t n, ill, k;

	if (s == NULL)
		return true;
	n = strlen(s);
	for (size_t i = 0; i < n; i += k)
		if ((k = px_utf8_seq(
		         (const unsigned char *)s + i, n - i, &ill)) == 0)
			return false;
	return true;
}

int
px_notify_enqueue_ids(struct px_node *n, const struct px_notify_item *it,
    int64_t ids[PX_NOTIFY_NCHAN], size_t *count)
{
	static const struct {
		unsigned bit;
		const char *channel, *status;
	} chans[PX_NOTIFY_NCHAN] = {
		{ PX_NOTIFY_EMAIL, "email", "pending" },
		{ PX_NOTIFY_WEBHOOK, "webhook", "pending" },
		{ PX_NOTIFY_PHONE, "phone", "manual" },
	};
	char *hook = NULL, *ex = NULL, *subj = NULL, *text = NULL;
	struct px_notify_item marked;
	int rc = 0;

	*count = 0;
	/* A notification of an exercise's case says so, whoever queued it,
	 * unless it tells of something real (docs/exercises.md). */
	if (it->case_id && !it->real) {
		rc = PX_STORE_CALL(n->store, case_exercise, it->case_id, &ex);
		if (rc == PX_ENOTFOUND)
			rc = 0;
		if (rc < 0)
			return rc;
	}
	if (ex && it->subject && it->text) {
		size_t len = strlen(ex);
		char ref[12], *line;

		snprintf(
		    ref, sizeof(ref), "EX-%s", len >= 8 ? ex + len - 8 : ex);
		line = px_asprintf(EXERCISE_LINE, ref);
		subj = px_asprintf("[EXERCISE] %s", it->subject);
		text = px_asprintf("%s\n\n%s\n\n%s", line, it->text, line);
		free(line);
		marked = *it;
		marked.subject = subj;
		marked.text = text;
		free(ex);
		ex = px_strdup(ref);
		it = &marked;
	}
	if (it->contact == NULL || *it->contact == '\0')
		return px_error_set(
		    PX_EINVAL, "a notification needs a contact");
	if (it->subject == NULL || it->text == NULL ||
	    !utf8_valid(it->subject) || !utf8_valid(it->text) ||
	    !utf8_valid(it->contact) || !utf8_valid(it->case_id) ||
	    !utf8_valid(it->msg_hash))
		return px_error_set(PX_EINVAL,
		    "a notification needs a subject and a text, and all its "
		    "strings in UTF-8");
	if (it->event &&
	    (*it->event == '\0' ||
	        strspn(it->event, "abcdefghijklmnopqrstuvwxyz0123456789._-") !=
	            strlen(it->event)))
		return px_error_set(PX_EINVAL,
		    "notification event '%.40s' is not lowercase letters, "
		    "digits, '.', '_' and '-'",
		    it->event);
	if (!json_is_object(it->card))
		return px_error_set(PX_EINVAL,
		    "the card of contact %s is not a JSON object", it->contact);
	for (int c = 0; c < PX_NOTIFY_NCHAN && rc == 0; c++) {
		const char *addr = card_str(it->card, chans[c].channel);
		struct px_notify_row r = { .created_ms = it->now,
			.case_id = (char *)it->case_id,
			.msg_hash = (char *)it->msg_hash,
			.contact = (char *)it->contact,
			.channel = (char *)chans[c].channel,
			.address = (char *)addr,
			.subject = (char *)it->subject,
			.body = (char *)it->text,
			.status = (char *)chans[c].status,
			.next_ms = it->now,
			.sent_ms = -1 };

		if (!(it->channels & chans[c].bit) || addr == NULL)
			continue;
		if (chans[c].bit == PX_NOTIFY_WEBHOOK)
			r.body = hook = webhook_body(n, it, ex);
		if ((rc = PX_STORE_CALL(n->store, notify_put, &r)) == 0 && ids)
			ids[(*count)++] = r.id;
		else if (rc == 0)
			(*count)++;
	}
	free(hook);
	free(ex);
	free(subj);
	free(text);
	return rc;
}

int
px_notify_enqueue(struct px_node *n, const struct px_notify_item *it)
{
	size_t count;

	return px_notify_enqueue_ids(n, it, NULL, &count);
}

int
px_notify_contact_card(json_t **out, const struct px_node *n, const char *id)
{
	static const char *const keys[] = { "email", "webhook", "phone" };
	const char *sub;
	size_t i;
	json_t *o;

	*out = NULL;
	for (i = 0; (sub = px_conf_sub(&n->conf, "contact", i)) != NULL; i++)
		if (strcmp(sub, id) == 0)
			break;
	if (sub == NULL)
		return px_error_set(PX_ENOTFOUND,
		    "no contact '%s' in %s (expected a [contact \"%s\"] "
		    "section)",
		    id, n->conf.path ? n->conf.path : "parley.conf", id);
	o = json_object();
	for (i = 0; i < PX_ARRAY_LEN(keys); i++) {
		const char *v = px_conf_get(&n->conf, "contact", id, keys[i]);

		if (v && *v)
			json_object_set_new(o, keys[i], json_string(v));
	}
	*out = o;
	return 0;
}

/* The [smtp] section.  Mistakes in it are PX_ERR: the notification is
 * fine and goes out once the operator corrects the file. */
static int
smtp_settings(struct px_smtp_conf *c, const struct px_conf *conf)
{
	const char *port = px_conf_get(conf, "smtp", NULL, "port");
	const char *tls = px_conf_get(conf, "smtp", NULL, "starttls");
	const char *tmo = px_conf_get(conf, "smtp", NULL, "timeout");
	int64_t v;

	memset(c, 0, sizeof(*c));
	c->host = px_conf_get(conf, "smtp", NULL, "host");
	c->user = px_conf_get(conf, "smtp", NULL, "user");
	c->password = px_conf_get(conf, "smtp", NULL, "password");
	if (port && *port) {
		if (px_notify_parse_uint(&v, port, 65535, "[smtp] port") < 0)
			return px_error_set(PX_ERR,
			    "parley.conf: [smtp] port '%.40s' is not a port "
			    "number (1-65535)",
			    port);
		c->port = (unsigned)v;
	}
	if (tls == NULL || *tls == '\0' || strcmp(tls, "no") == 0)
		c->starttls = PX_SMTP_TLS_NONE;
	else if (strcmp(tls, "yes") == 0)
		c->starttls = PX_SMTP_TLS_REQUIRED;
	else
		return px_error_set(PX_ERR,
		    "parley.conf: [smtp] starttls '%.40s' is not yes or no",
		    tls);
	if (tmo && *tmo) {
		size_t k = strlen(tmo);
		char *num = px_strndup(tmo, tmo[k - 1] == 's' ? k - 1 : k);
		int bad = px_notify_parse_uint(
		    &v, num, SMTP_TIMEOUT_MAX_S, "[smtp] timeout");

		free(num);
		if (bad < 0)
			return px_error_set(PX_ERR,
			    "parley.conf: [smtp] timeout '%.40s' is not a "
			    "number of seconds from 1 to %d (like 30 or 30s)",
			    tmo, SMTP_TIMEOUT_MAX_S);
		c->timeout_ms = (long)v * 1000;
	}
	return 0;
}

static int
send_email(struct px_node *n, const struct px_notify_row *r, int64_t now)
{
	struct px_smtp_conf c;
	struct px_mail_header extra[2];
	struct px_mail m = { .to = r->address,
		.subject = r->subject,
		.body = r->body,
		.date_ms = now,
		.msgid_domain = n->name,
		.extra = extra };
	const char *from = px_conf_get(&n->conf, "smtp", NULL, "from");
	char *dflt = NULL, idbuf[24];
	int rc;

	/* A bad recipient can never work (PX_EINVAL, given up); a bad
	 * [smtp] section can be fixed (PX_ERR, retried). */
	if ((rc = px_mail_address_check(r->address, "the e-mail address")) < 0)
		return rc;
	if ((rc = smtp_settings(&c, &n->conf)) < 0)
		return rc;
	c.helo = n->name;
	if (from == NULL || *from == '\0')
		from = dflt = px_asprintf("parley@%s", n->name);
	else if (px_mail_address_check(from, "parley.conf: [smtp] from") < 0)
		return PX_ERR; /* message set; retried once it is fixed */
	m.from = from;
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)r->id);
	extra[m.nextra++] =
	    (struct px_mail_header){ "X-Parley-Notification", idbuf };
	if (r->case_id)
		extra[m.nextra++] =
		    (struct px_mail_header){ "X-Parley-Case", r->case_id };
	rc = px_smtp_send(&c, &m);
	free(dflt);
	return rc;
}

static int
send_webhook(struct px_node *n, const struct px_notify_row *r, int64_t now,
    const char *secret)
{
	json_t *body = json_loads(r->body, 0, NULL);
	const char *type = json_string_value(json_object_get(body, "type"));
	struct px_webhook w = { .url = r->address,
		.event = type ? type : "notify",
		.secret = secret ? secret
		                 : px_conf_get(&n->conf, "contact", r->contact,
		                       "webhook_secret"),
		.body = r->body,
		.len = strlen(r->body),
		.time_s = now / 1000,
		.timeout_ms = WEBHOOK_TIMEOUT_MS };
	int rc = px_webhook_post(&w, NULL);

	json_decref(body);
	return rc;
}

/* One attempt: 0, PX_EINVAL (can never work) or another code (may work
 * later). */
static int
attempt(struct px_node *n, const struct px_notify_row *r, int64_t now,
    const char *secret)
{
	if (strcmp(r->channel, "email") == 0)
		return send_email(n, r, now);
	if (strcmp(r->channel, "webhook") == 0)
		return send_webhook(n, r, now, secret);
	return px_error_set(PX_EINVAL,
	    "channel '%.20s' is not delivered by parley (phone calls are "
	    "made by a person)",
	    r->channel);
}

/* Takes row `id` for delivery if it is pending and due: moves its next
 * try a lease ahead in one short transaction, so that another notifier
 * leaves it alone.  Returns 1 if claimed (*r filled), 0 if not, or a
 * store error. */
static int
claim(struct px_node *n, int64_t id, int64_t now, struct px_notify_row *r)
{
	int rc, c;

	if ((rc = PX_STORE_CALL0(n->store, begin)) < 0)
		return rc;
	rc = PX_STORE_CALL(n->store, notify_get, id, r);
	if (rc == PX_ENOTFOUND) {
		rc = 0;
	} else if (rc == 0) {
		if (strcmp(r->status, "pending") == 0 && r->next_ms <= now) {
			int64_t due = r->next_ms;

			r->next_ms = now + PX_NOTIFY_LEASE_MS;
			rc = PX_STORE_CALL(n->store, notify_update, r);
			r->next_ms = due;
			rc = rc < 0 ? rc : 1;
		}
	}
	if (rc < 0) {
		PX_STORE_CALL0(n->store, rollback);
		return rc;
	}
	if ((c = PX_STORE_CALL0(n->store, commit)) < 0)
		return c;
	return rc;
}

/* Writes the outcome of one attempt into r. */
static void
settle(struct px_notify_row *r, int result, int64_t now)
{
	free(r->status);
	free(r->last_error);
	r->last_error = NULL;
	r->attempts++;
	if (result == 0) {
		r->status = px_strdup("sent");
		r->sent_ms = now;
		return;
	}
	r->last_error = px_strdup(px_error_last());
	if (result == PX_EINVAL || r->attempts >= PX_NOTIFY_MAX_ATTEMPTS) {
		r->status = px_strdup("failed");
	} else {
		r->status = px_strdup("pending");
		r->next_ms = now + px_notify_backoff_ms(r->attempts);
	}
}

int
px_notify_deliver_ids(struct px_node *n, const int64_t *ids, size_t count,
    int64_t now, const char *secret, struct px_notify_stats *st)
{
	struct px_notify_stats local = { 0 };
	int rc = 0;

	if (st == NULL)
		st = &local;
	for (size_t i = 0; i < count && rc == 0; i++) {
		struct px_notify_row r = { 0 };

		if ((rc = claim(n, ids[i], now, &r)) == 1) {
			settle(&r, attempt(n, &r, now, secret), now);
			rc = PX_STORE_CALL(n->store, notify_update, &r);
			if (rc == 0) {
				if (strcmp(r.status, "sent") == 0)
					st->sent++;
				else if (strcmp(r.status, "failed") == 0)
					st->failed++;
				else
					st->retry++;
				if (st->on_result)
					(void)st->on_result(&r, st->arg);
			}
		}
		px_notify_row_dispose(&r);
	}
	return rc;
}

struct due_ids {
	int64_t id[PX_NOTIFY_BATCH];
	size_t n;
};

static int
collect_id(const struct px_notify_row *r, void *arg)
{
	struct due_ids *d = arg;

	if (d->n < PX_ARRAY_LEN(d->id))
		d->id[d->n++] = r->id;
	return 0;
}

int
px_notify_deliver_due(
    struct px_node *n, int64_t now, struct px_notify_stats *st)
{
	struct due_ids d = { .n = 0 };
	int rc;

	if ((rc = PX_STORE_CALL(n->store, notify_due, now, PX_NOTIFY_BATCH,
	         collect_id, &d)) < 0)
		return rc;
	return px_notify_deliver_ids(n, d.id, d.n, now, NULL, st);
}

int
px_notify_retry(struct px_node *n, int64_t id, int64_t now)
{
	struct px_notify_row r = { 0 };
	char tm[PX_TIME_STRLEN];
	int rc;

	if ((rc = PX_STORE_CALL(n->store, notify_get, id, &r)) < 0)
		return rc;
	if (strcmp(r.status, "sent") == 0) {
		px_time_format(tm, r.sent_ms);
		rc = px_error_set(PX_ECONFLICT,
		    "notification %lld was sent at %s; there is nothing to "
		    "retry",
		    (long long)id, tm);
	} else if (strcmp(r.status, "manual") == 0) {
		rc = px_error_set(PX_ECONFLICT,
		    "notification %lld is a phone call for a person to make "
		    "(status manual); parley sends nothing",
		    (long long)id);
	} else {
		free(r.status);
		r.status = px_strdup("pending");
		r.next_ms = now;
		rc = PX_STORE_CALL(n->store, notify_update, &r);
	}
	px_notify_row_dispose(&r);
	return rc;
}

int
px_notify_duty(struct px_node *n, const json_t *contacts, const json_t *roster,
    const struct px_notify_item *it)
{
	const char *who[16];
	size_t nwho = px_role_contacts(who, PX_ARRAY_LEN(who), PX_NR_DUTY, NULL,
	    roster, contacts, n->tz, it->now);
	int rc = 0;

	for (size_t i = 0; i < nwho && rc == 0; i++) {
		struct px_notify_item one = *it;

		one.contact = who[i];
		one.card = px_contact_find(contacts, who[i]);
		one.channels = PX_NOTIFY_EMAIL | PX_NOTIFY_WEBHOOK;
		if (one.card)
			rc = px_notify_enqueue(n, &one);
	}
	return rc;
}
