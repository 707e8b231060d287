/*
 * Notifications: the e-mail as it goes on the wire (headers, RFC 2047
 * subjects, CRLF, quoted-printable for long lines, refused header
 * injection), the webhook signature against a fixed vector, the retry
 * schedule, and the queue on a real node: rows per channel mask, inside a
 * caller's transaction, failures, give-up and retry.
 */
#include <unistd.h>

#include "helpers.h"
#include "node/node.h"
#include "notify/notify.h"
#include "notify/smtp.h"
#include "notify/webhook.h"

/* --- the message --------------------------------------------------------- */

static const struct px_mail_header case_hdr[] = {
	{ "X-Parley-Case", "01a1f89c-fb80-7f31-a549-974dc849cde9" },
};

static struct px_mail
mail(const char *subject, const char *body)
{
	struct px_mail m = { .from = "parley@cert-a.example",
		.to = "duty@cert-b.example",
		.subject = subject,
		.body = body,
		.date_ms = T0,
		.message_id = "fixed-id@cert-a.example",
		.extra = case_hdr,
		.nextra = 1 };

	return m;
}

static char *
format(const struct px_mail *m)
{
	struct px_buf b;

	px_buf_init(&b, PX_BUF_NOCAP);
	if (px_mail_format(&b, m) != 0)
		fail_msg("px_mail_format: %s", px_error_last());
	return px_buf_detach(&b, NULL);
}

/* Every LF is the end of a CRLF, and no line passes `max` characters. */
static void
assert_crlf_lines(const char *s, size_t max)
{
	size_t col = 0;

	for (const char *p = s; *p; p++) {
		if (*p == '\n') {
			assert_true(p > s && p[-1] == '\r');
			assert_true(col - 1 <= max);
			col = 0;
		} else {
			col++;
		}
		if (*p == '\r')
			assert_int_equal(p[1], '\n');
	}
}

static void
test_format_plain(void **state)
{
	struct px_mail m = mail("Escalation: acknowledge overdue",
	    "Line one\nLine two\r\nLine three\rLast line without end");
	char *s = format(&m);

	(void)state;
	assert_string_equal(s,
	    "Date: Fri, 20 Nov 2026 09:30:00 +0000\r\n"
	    "From: parley@cert-a.example\r\n"
	    "To: duty@cert-b.example\r\n"
	    "Subject: Escalation: acknowledge overdue\r\n"
	    "Message-ID: <fixed-id@cert-a.example>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "X-Parley-Case: 01a1f89c-fb80-7f31-a549-974dc849cde9\r\n"
	    "\r\n"
	    "Line one\r\nLine two\r\nLine three\r\nLast line without "
	    "end\r\n");
	free(s);

	/* Blank lines survive, in every line-ending style. */
	m = mail("x", "a\n\nb\r\n\r\nc\r\rd\n");
	s = format(&m);
	assert_non_null(strstr(s, "\r\n\r\na\r\n\r\nb\r\n\r\nc\r\n\r\nd\r\n"));
	assert_crlf_lines(s, 998);
	free(s);

	/* A generated Message-ID is <UUIDv7@domain>. */
	m = mail("x", "y");
	m.message_id = NULL;
	m.msgid_domain = "cert-a.example";
	s = format(&m);
	{
		const char *p = strstr(s, "Message-ID: <");

		assert_non_null(p);
		p += 13;
		assert_int_equal(p[36], '@');
		assert_true(strncmp(p + 37, "cert-a.example>\r\n", 17) == 0);
		{
			char uuid[PX_UUID_STRLEN];

			memcpy(uuid, p, 36);
			uuid[36] = '\0';
			assert_true(px_uuid_valid(uuid));
		}
	}
	free(s);
}

static void
test_date(void **state)
{
	char d[32];

	(void)state;
	px_mail_date(d, T0);
	assert_string_equal(d, "Fri, 20 Nov 2026 09:30:00 +0000");
	px_mail_date(d, 0);
	assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 +0000");
	px_mail_date(d, 1709251199999LL);
	assert_string_equal(d, "Thu, 29 Feb 2024 23:59:59 +0000");
	px_mail_date(d, -1);
	assert_string_equal(d, "Wed, 31 Dec 1969 23:59:59 +0000");
}

/* Decodes the Subject header's encoded words into out; checks each word's
 * form, that each folded line fits in 76 characters, and that no word
 * splits a UTF-8 character. */
static void
decode_subject(const char *msg, struct px_buf *out)
{
	const char *p = strstr(msg, "\r\nSubject:") + 2;
	const char *end = strstr(p, "\r\nMessage-ID:");
	const char *line = p;

	assert_non_null(end);
	for (const char *q = p; q <= end; q++) {
		if (q == end || (q[0] == '\r' && q[1] == '\n')) {
			assert_true(q - line <= 76);
			line = q + 2;
		}
	}
	p += strlen("Subject:");
	while (p < end) {
		const char *w, *e;
		uint8_t raw[64];
		size_t n, ill;
		char b64[80];

		while (*p == ' ' || *p == '\r' || *p == '\n')
			p++;
		assert_true(strncmp(p, "=?UTF-8?B?", 10) == 0);
		w = p + 10;
		e = strstr(w, "?=");
		assert_non_null(e);
		assert_true((size_t)(e - w) < sizeof(b64));
		memcpy(b64, w, (size_t)(e - w));
		b64[e - w] = '\0';
		assert_int_equal(px_b64_decode(raw, sizeof(raw), &n, b64), 0);
		for (size_t i = 0, k; i < n; i += k)
			assert_true(
			    (k = px_utf8_seq(raw + i, n - i, &ill)) > 0);
		px_buf_put(out, raw, n);
		p = e + 2;
	}
}

static void
test_subject_rfc2047(void **state)
{
	const char *zh = "紧急：僵尸网络控制服务器 203.0.113.7 "
	                 "仍在运行，请立即确认收到并处理（升级第二级）";
	struct px_mail m = mail("紧急", "正文：请处理。\n");
	struct px_buf dec;
	char *s = format(&m);

	(void)state;
	/* A short one: one word, verified with Python's base64 module. */
	assert_non_null(strstr(s, "\r\nSubject: =?UTF-8?B?57Sn5oCl?=\r\n"));
	/* The body goes as 8bit UTF-8, untouched. */
	assert_non_null(strstr(s, "\r\n\r\n正文：请处理。\r\n"));
	free(s);

	/* A long one: folded into several words, none splitting a
	 * character, that decode back to the text. */
	m = mail(zh, "x");
	s = format(&m);
	px_buf_init(&dec, PX_BUF_NOCAP);
	decode_subject(s, &dec);
	assert_string_equal(dec.data, zh);
	assert_non_null(strstr(strstr(s, "Subject:"), "?=\r\n =?UTF-8?B?"));
	assert_crlf_lines(s, 998);
	px_buf_dispose(&dec);
	free(s);

	/* ASCII that looks like an encoded word is encoded, so a reader
	 * does not decode what the sender never encoded. */
	m = mail("=?UTF-8?B?SGk=?=", "x");
	s = format(&m);
	px_buf_init(&dec, PX_BUF_NOCAP);
	decode_subject(s, &dec);
	assert_string_equal(dec.data, "=?UTF-8?B?SGk=?=");
	px_buf_dispose(&dec);
	free(s);
}

static void
test_quoted_printable(void **state)
{
	struct px_buf body, dec;
	const char *p;
	char *s;
	struct px_mail m;

	(void)state;
	/* A 1,200-byte line cannot go as 8bit (998 octets at most). */
	px_buf_init(&body, PX_BUF_NOCAP);
	for (int i = 0; i < 600; i++)
		px_buf_puts(&body, i % 2 ? "é" : "a=");
	px_buf_puts(&body, " \nshort line \t\n");
	m = mail("long", body.data);
	s = format(&m);
	assert_non_null(
	    strstr(s, "Content-Transfer-Encoding: quoted-printable\r\n"));
	assert_crlf_lines(s, 76);
	/* Decode it back: soft breaks vanish, =XX are bytes. */
	px_buf_init(&dec, PX_BUF_NOCAP);
	p = strstr(s, "\r\n\r\n") + 4;
	while (*p) {
		if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
			p += 3;
		} else if (p[0] == '=') {
			int hi = px_hex_digit(p[1]), lo = px_hex_digit(p[2]);
			char c = (char)(hi * 16 + lo);

			assert_true(hi >= 0 && lo >= 0);
			px_buf_put(&dec, &c, 1);
			p += 3;
		} else if (p[0] == '\r' && p[1] == '\n') {
			px_buf_putf(&dec, "\n");
			p += 2;
		} else {
			/* Trailing spaces and tabs must have been encoded. */
			if (*p == ' ' || *p == '\t')
				assert_false(p[1] == '\r');
			px_buf_put(&dec, p, 1);
			p++;
		}
	}
	assert_string_equal(dec.data, body.data);
	px_buf_dispose(&dec);
	px_buf_dispose(&body);
	free(s);
}

static void
expect_refused(const struct px_mail *m, const char *why)
{
	struct px_buf b;

	px_buf_init(&b, PX_BUF_NOCAP);
	assert_int_equal(px_mail_format(&b, m), PX_EINVAL);
	if (strstr(px_error_last(), why) == NULL)
		fail_msg("expected '%s' in: %s", why, px_error_last());
	px_buf_dispose(&b);
}

static void
test_header_injection(void **state)
{
	struct px_mail m;
	struct px_mail_header bad[1];
	struct px_smtp_conf c = { .host = "127.0.0.1", .port = 1 };

	(void)state;
	m = mail("Hello\r\nBcc: victim@example.org", "x");
	expect_refused(&m, "mail header Subject contains a line break");
	m = mail("Hello\nBcc: victim@example.org", "x");
	expect_refused(&m, "line break (CR or LF)");
	m = mail("tab\tis fine but \x01 is not", "x");
	expect_refused(&m, "control character 0x01");
	m = mail("ok", "x");
	m.to = "duty@cert-b.example\r\nBcc: victim@example.org";
	expect_refused(&m, "the recipient address contains a line break");
	m.to = "duty@cert-b.example\nX: y";
	expect_refused(&m, "line break");
	m = mail("ok", "x");
	m.from = "parley@cert-a.example\r\nReply-To: evil@example.org";
	expect_refused(&m, "the sender address contains a line break");
	m = mail("ok", "x");
	bad[0] = (struct px_mail_header){ "X-Parley-Case", "1\r\nBcc: x@y" };
	m.extra = bad;
	expect_refused(&m, "mail header X-Parley-Case contains a line break");
	bad[0] = (struct px_mail_header){ "Bcc", "victim@example.org" };
	expect_refused(&m, "Bcc is set by parley");
	bad[0] = (struct px_mail_header){ "X Bad", "v" };
	expect_refused(&m, "is not letters, digits and '-'");
	bad[0] = (struct px_mail_header){ "X-Note", "caf\xc3\xa9" };
	expect_refused(&m, "must be ASCII");
	/* Malformed addresses and text. */
	m = mail("ok", "x");
	m.to = "Duty <duty@cert-b.example>";
	expect_refused(&m, "space");
	m.to = "<duty@cert-b.example>";
	expect_refused(&m, "contains '<'");
	m.to = "duty";
	expect_refused(&m, "not an address of the form local@domain");
	m.to = "duty@";
	expect_refused(&m, "not an address");
	m.to = "a@b@c";
	expect_refused(&m, "not an address");
	m = mail("bad \xff utf-8", "x");
	expect_refused(&m, "the mail subject is not valid UTF-8");
	m = mail("ok", "bad \xc3\x28 body");
	expect_refused(&m, "the mail body is not valid UTF-8");
	assert_int_equal(px_mail_address_check("duty@cert.example", "x"), 0);

	/* px_smtp_send refuses before connecting anywhere. */
	m = mail("ok", "x");
	m.to = "a@b\r\nRCPT TO:<victim@example.org>";
	assert_int_equal(px_smtp_send(&c, &m), PX_EINVAL);
	/* No relay configured is a failure to retry, not a bad message. */
	c.host = "";
	m = mail("ok", "x");
	assert_int_equal(px_smtp_send(&c, &m), PX_ERR);
	assert_string_equal(px_error_last(),
	    "no SMTP relay configured ([smtp] host in parley.conf)");
}

/* --- the webhook signature ----------------------------------------------- */

static void
test_signature(void **state)
{
	char sig[PX_WEBHOOK_SIG_MAX];
	const char *body = "{\"type\":\"test\"}";

	(void)state;
	/* Expected value from Python:
	 * hmac.new(b"It is a secret", b'1795167000.{"type":"test"}',
	 *          hashlib.sha256).hexdigest() */
	px_webhook_signature(
	    sig, "It is a secret", 1795167000, body, strlen(body));
	assert_string_equal(sig,
	    "t=1795167000,v1=37fcca09371667fd72ed3a286a987f953a0b95e70084719"
	    "c0e54639a303cb173");
	/* The timestamp is covered: another t, another MAC. */
	px_webhook_signature(
	    sig, "It is a secret", 1795167001, body, strlen(body));
	assert_true(strncmp(sig, "t=1795167001,v1=", 16) == 0);
	assert_true(strcmp(sig + 16,
	                "37fcca09371667fd72ed3a286a987f953a0b95e70084719c0"
	                "e54639a303cb173") != 0);

	assert_int_equal(px_webhook_url_check("https://h.example/x", "u"), 0);
	assert_int_equal(px_webhook_url_check("http://127.0.0.1:8/", "u"), 0);
	assert_int_equal(px_webhook_url_check("ftp://h/", "u"), PX_EINVAL);
	assert_int_equal(px_webhook_url_check("https:///x", "u"), PX_EINVAL);
	assert_int_equal(
	    px_webhook_url_check("https://h/x\r\nX: y", "u"), PX_EINVAL);
	assert_int_equal(px_webhook_url_check("https://h/a b", "u"), PX_EINVAL);
}

static void
test_backoff(void **state)
{
	static const int64_t want[] = { 30000, 60000, 120000, 240000, 480000,
		960000, 1800000, 1800000, 1800000, 1800000 };

	(void)state;
	for (int i = 0; i < 10; i++)
		assert_int_equal(px_notify_backoff_ms(i + 1), want[i]);
	assert_int_equal(px_notify_backoff_ms(1000), 1800000);
}

/* --- the queue on a real node -------------------------------------------- */

struct fx {
	char root[64];
	char *dir;
	struct px_node *n;
};

static int
setup(void **state)
{
	struct fx *f = px_calloc(1, sizeof(*f));
	struct px_node_params p = { .name = "cert-a.example",
		.timezone = "Asia/Shanghai" };
	char *conf;
	FILE *fp;

	snprintf(f->root, sizeof(f->root), "/tmp/px-test-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	f->dir = px_asprintf("%s/a", f->root);
	p.dir = f->dir;
	assert_int_equal(px_node_create(&p), 0);
	/* The template ends in [contact "duty"]: these lines join it. */
	conf = px_asprintf("%s/parley.conf", f->dir);
	fp = fopen(conf, "a");
	assert_non_null(fp);
	fputs("webhook = http://127.0.0.1:1/hook\n"
	      "webhook_secret = s3cret-never-published\n"
	      "phone = +86 10 0000 0000\n",
	    fp);
	fclose(fp);
	free(conf);
	assert_int_equal(px_node_open(&f->n, f->dir), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char *cmd = px_asprintf("rm -rf '%s'", f->root);

	px_node_free(f->n);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f->dir);
	free(f);
	return 0;
}

struct rows {
	struct px_notify_row r[8];
	size_t n;
};

static int
keep_row(const struct px_notify_row *r, void *arg)
{
	struct rows *rs = arg;
	struct px_notify_row *c = &rs->r[rs->n++];

	assert_true(rs->n <= PX_ARRAY_LEN(rs->r));
	*c = *r;
	c->case_id = px_strdup(r->case_id);
	c->msg_hash = px_strdup(r->msg_hash);
	c->contact = px_strdup(r->contact);
	c->channel = px_strdup(r->channel);
	c->address = px_strdup(r->address);
	c->subject = px_strdup(r->subject);
	c->body = px_strdup(r->body);
	c->status = px_strdup(r->status);
	c->last_error = px_strdup(r->last_error);
	return 0;
}

/* All rows, oldest first. */
static void
rows_load(struct rows *rs, struct px_node *n)
{
	struct px_notify_filter f = { 0 };

	rs->n = 0;
	assert_int_equal(
	    PX_STORE_CALL(n->store, notify_list, &f, keep_row, rs), 0);
	for (size_t i = 0; i < rs->n / 2; i++) {
		struct px_notify_row t = rs->r[i];

		rs->r[i] = rs->r[rs->n - 1 - i];
		rs->r[rs->n - 1 - i] = t;
	}
}

static void
rows_free(struct rows *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		px_notify_row_dispose(&rs->r[i]);
	rs->n = 0;
}

static struct px_notify_item
item(const json_t *card, unsigned mask)
{
	struct px_notify_item it = { .case_id =
		                         "01a1f89c-fb80-7f31-a549-974dc849cde9",
		.msg_hash = "ab12",
		.contact = "duty",
		.card = card,
		.channels = mask,
		.event = "escalate",
		.subject = "升级：确认超时",
		.text = "Acknowledge is overdue.\n",
		.now = T0 };

	return it;
}

static void
test_contact_card(void **state)
{
	struct fx *f = *state;
	json_t *card = NULL, *pub = NULL;
	char *s;

	assert_int_equal(px_notify_contact_card(&card, f->n, "duty"), 0);
	assert_string_equal(json_string_value(json_object_get(card, "email")),
	    "duty@cert-a.example");
	assert_string_equal(json_string_value(json_object_get(card, "webhook")),
	    "http://127.0.0.1:1/hook");
	assert_string_equal(json_string_value(json_object_get(card, "phone")),
	    "+86 10 0000 0000");
	assert_int_equal(json_object_size(card), 3);
	json_decref(card);
	assert_int_equal(
	    px_notify_contact_card(&card, f->n, "nobody"), PX_ENOTFOUND);
	assert_null(card);
	/* The secret is not in the signed card either. */
	assert_int_equal(px_node_card(&pub, f->n), 0);
	s = json_dumps(pub, 0);
	assert_null(strstr(s, "s3cret"));
	assert_null(strstr(s, "webhook_secret"));
	assert_non_null(strstr(s, "http://127.0.0.1:1/hook"));
	free(s);
	json_decref(pub);
}

static void
test_enqueue_channels(void **state)
{
	struct fx *f = *state;
	json_t *card = json_pack("{ss ss ss}", "email", "duty@cert-a.example",
	    "webhook", "https://pager.example/hook", "phone", "+1 555 0100");
	json_t *body, *data = json_pack("{si}", "level", 2);
	struct px_notify_item it = item(card, PX_NOTIFY_ALL);
	struct rows rs = { .n = 0 };
	int64_t ids[PX_NOTIFY_NCHAN];
	size_t count;

	it.data = data;
	assert_int_equal(px_notify_enqueue_ids(f->n, &it, ids, &count), 0);
	assert_int_equal(count, 3);
	rows_load(&rs, f->n);
	assert_int_equal(rs.n, 3);
	assert_int_equal(rs.r[0].id, ids[0]);
	assert_string_equal(rs.r[0].channel, "email");
	assert_string_equal(rs.r[0].address, "duty@cert-a.example");
	assert_string_equal(rs.r[0].status, "pending");
	assert_string_equal(rs.r[0].body, "Acknowledge is overdue.\n");
	assert_string_equal(rs.r[0].subject, "升级：确认超时");
	assert_string_equal(rs.r[0].case_id, it.case_id);
	assert_string_equal(rs.r[0].msg_hash, "ab12");
	assert_int_equal(rs.r[0].next_ms, T0);
	assert_int_equal(rs.r[0].created_ms, T0);
	assert_int_equal(rs.r[0].attempts, 0);
	assert_int_equal(rs.r[0].sent_ms, -1);
	assert_string_equal(rs.r[1].channel, "webhook");
	assert_string_equal(rs.r[1].address, "https://pager.example/hook");
	assert_string_equal(rs.r[1].status, "pending");
	body = json_loads(rs.r[1].body, 0, NULL);
	assert_non_null(body);
	assert_string_equal(
	    json_string_value(json_object_get(body, "type")), "escalate");
	assert_string_equal(
	    json_string_value(json_object_get(body, "node")), "cert-a.example");
	assert_string_equal(
	    json_string_value(json_object_get(body, "case")), it.case_id);
	assert_string_equal(json_string_value(json_object_get(body, "time")),
	    "2026-11-20T09:30:00.000Z");
	assert_int_equal(json_integer_value(json_object_get(
	                     json_object_get(body, "data"), "level")),
	    2);
	json_decref(body);
	assert_string_equal(rs.r[2].channel, "phone");
	assert_string_equal(rs.r[2].address, "+1 555 0100");
	assert_string_equal(rs.r[2].status, "manual");
	rows_free(&rs);

	/* The mask decides among what the card lists. */
	it.channels = PX_NOTIFY_EMAIL | PX_NOTIFY_PHONE;
	assert_int_equal(px_notify_enqueue_ids(f->n, &it, ids, &count), 0);
	assert_int_equal(count, 2);
	rows_load(&rs, f->n);
	assert_int_equal(rs.n, 5);
	assert_string_equal(rs.r[3].channel, "email");
	assert_string_equal(rs.r[4].channel, "phone");
	rows_free(&rs);
	/* A channel the card does not list, or an empty one, gives no row. */
	json_object_set_new(card, "email", json_string(""));
	it.channels = PX_NOTIFY_EMAIL;
	assert_int_equal(px_notify_enqueue_ids(f->n, &it, ids, &count), 0);
	assert_int_equal(count, 0);

	/* Inside the caller's transaction: a rollback takes the rows away,
	 * so enqueue itself neither begins nor commits. */
	it.channels = PX_NOTIFY_ALL;
	assert_int_equal(PX_STORE_CALL0(f->n->store, begin), 0);
	assert_int_equal(px_notify_enqueue(f->n, &it), 0);
	PX_STORE_CALL0(f->n->store, rollback);
	rows_load(&rs, f->n);
	assert_int_equal(rs.n, 5);
	rows_free(&rs);
	assert_int_equal(PX_STORE_CALL0(f->n->store, begin), 0);
	assert_int_equal(px_notify_enqueue(f->n, &it), 0);
	assert_int_equal(PX_STORE_CALL0(f->n->store, commit), 0);
	rows_load(&rs, f->n);
	assert_int_equal(rs.n, 7);
	rows_free(&rs);

	/* The worked example of docs/notify.md: this body, this signature. */
	it = item(card, PX_NOTIFY_WEBHOOK);
	it.msg_hash = NULL;
	it.subject = "Acknowledge overdue";
	it.text = "Case c849cde9: acknowledge is overdue.";
	assert_int_equal(px_notify_enqueue_ids(f->n, &it, ids, &count), 0);
	assert_int_equal(count, 1);
	{
		struct px_notify_row r = { 0 };
		char sig[PX_WEBHOOK_SIG_MAX];

		assert_int_equal(
		    PX_STORE_CALL(f->n->store, notify_get, ids[0], &r), 0);
		assert_string_equal(r.body,
		    "{\"case\":\"01a1f89c-fb80-7f31-a549-974dc849cde9\","
		    "\"contact\":\"duty\",\"node\":\"cert-a.example\","
		    "\"subject\":\"Acknowledge overdue\",\"text\":\"Case "
		    "c849cde9: acknowledge is overdue.\",\"time\":\"2026-11-"
		    "20T09:30:00.000Z\",\"type\":\"escalate\"}");
		px_webhook_signature(sig, "whsec-example-2026", T0 / 1000,
		    r.body, strlen(r.body));
		assert_string_equal(sig,
		    "t=1795167000,v1=d02aa276eb620f1f8773e14b1282fd37d0f304f06"
		    "66a1a8a5369c871165623bb");
		px_notify_row_dispose(&r);
	}

	/* Bad items are refused. */
	it.contact = NULL;
	assert_int_equal(px_notify_enqueue(f->n, &it), PX_EINVAL);
	it.contact = "duty";
	it.text = "\xff";
	assert_int_equal(px_notify_enqueue(f->n, &it), PX_EINVAL);
	it.text = "ok";
	it.event = "Bad Event";
	assert_int_equal(px_notify_enqueue(f->n, &it), PX_EINVAL);
	json_decref(card);
	json_decref(data);
}

static int
count_result(const struct px_notify_row *r, void *arg)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

static void
test_deliver_failures(void **state)
{
	struct fx *f = *state;
	json_t *card = json_pack("{ss}", "email", "duty@cert-a.example");
	struct px_notify_item it = item(card, PX_NOTIFY_ALL);
	struct px_notify_row r = { 0 };
	int calls = 0;
	struct px_notify_stats st = { .on_result = count_result,
		.arg = &calls };
	int64_t ids[PX_NOTIFY_NCHAN], id, now = T0;
	size_t count;

	/* [smtp] host is empty in the template: every attempt fails, and
	 * the delays grow until the notification is given up. */
	assert_int_equal(px_notify_enqueue_ids(f->n, &it, ids, &count), 0);
	id = ids[0];
	for (int k = 1; k <= PX_NOTIFY_MAX_ATTEMPTS; k++) {
		/* Not due a millisecond early. */
		assert_int_equal(px_notify_deliver_due(f->n, now - 1, &st), 0);
		assert_int_equal(calls, k - 1);
		assert_int_equal(px_notify_deliver_due(f->n, now, &st), 0);
		assert_int_equal(calls, k);
		assert_int_equal(
		    PX_STORE_CALL(f->n->store, notify_get, id, &r), 0);
		assert_int_equal(r.attempts, k);
		assert_string_equal(r.last_error,
		    "no SMTP relay configured ([smtp] host in parley.conf)");
		if (k < PX_NOTIFY_MAX_ATTEMPTS) {
			assert_string_equal(r.status, "pending");
			assert_int_equal(
			    r.next_ms, now + px_notify_backoff_ms(k));
			now = r.next_ms;
		} else {
			assert_string_equal(r.status, "failed");
		}
		px_notify_row_dispose(&r);
	}
	assert_int_equal(st.retry, PX_NOTIFY_MAX_ATTEMPTS - 1);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.sent, 0);
	/* Given up: nothing more is due. */
	assert_int_equal(px_notify_deliver_due(f->n, now + 86400000, &st), 0);
	assert_int_equal(calls, PX_NOTIFY_MAX_ATTEMPTS);

	/* retry puts it back, due now; one more failure gives it up again,
	 * with every attempt counted. */
	assert_int_equal(px_notify_retry(f->n, id, now), 0);
	assert_int_equal(PX_STORE_CALL(f->n->store, notify_get, id, &r), 0);
	assert_string_equal(r.status, "pending");
	assert_int_equal(r.next_ms, now);
	px_notify_row_dispose(&r);
	assert_int_equal(px_notify_deliver_due(f->n, now, &st), 0);
	assert_int_equal(PX_STORE_CALL(f->n->store, notify_get, id, &r), 0);
	assert_string_equal(r.status, "failed");
	assert_int_equal(r.attempts, PX_NOTIFY_MAX_ATTEMPTS + 1);
	px_notify_row_dispose(&r);
	assert_int_equal(px_notify_retry(f->n, 999999, now), PX_ENOTFOUND);
	json_decref(card);
}

static void
test_deliver_permanent(void **state)
{
	struct fx *f = *state;
	json_t *card = json_pack("{ss ss ss}", "email", "not-an-address",
	    "webhook", "http://127.0.0.1:1/hook", "phone", "+1 555 0100");
	struct px_notify_item it = item(card, PX_NOTIFY_ALL);
	struct px_notify_stats st = { 0 };
	struct px_notify_row r = { 0 };
	int64_t ids[PX_NOTIFY_NCHAN];
	size_t count;

	assert_int_equal(px_notify_enqueue_ids(f->n, &it, ids, &count), 0);
	assert_int_equal(count, 3);
	assert_int_equal(
	    px_notify_deliver_ids(f->n, ids, count, T0, NULL, &st), 0);
	/* The malformed address can never work: given up at once. */
	assert_int_equal(PX_STORE_CALL(f->n->store, notify_get, ids[0], &r), 0);
	assert_string_equal(r.status, "failed");
	assert_int_equal(r.attempts, 1);
	assert_non_null(strstr(r.last_error, "not-an-address"));
	px_notify_row_dispose(&r);
	/* Nobody listens on port 1: tried again later. */
	assert_int_equal(PX_STORE_CALL(f->n->store, notify_get, ids[1], &r), 0);
	assert_string_equal(r.status, "pending");
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.next_ms, T0 + 30000);
	assert_non_null(
	    strstr(r.last_error, "webhook http://127.0.0.1:1/hook"));
	px_notify_row_dispose(&r);
	/* The phone row is for a person: skipped, and not retryable. */
	assert_int_equal(PX_STORE_CALL(f->n->store, notify_get, ids[2], &r), 0);
	assert_string_equal(r.status, "manual");
	assert_int_equal(r.attempts, 0);
	px_notify_row_dispose(&r);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.retry, 1);
	assert_int_equal(st.sent, 0);
	assert_int_equal(px_notify_retry(f->n, ids[2], T0), PX_ECONFLICT);
	assert_non_null(strstr(px_error_last(), "manual"));
	/* A pending one not yet due is skipped by deliver_ids too. */
	assert_int_equal(
	    px_notify_deliver_ids(f->n, &ids[1], 1, T0 + 1000, NULL, &st), 0);
	assert_int_equal(st.retry, 1);
	json_decref(card);
}

static void
test_parse_uint(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(px_notify_parse_uint(&v, "42", 100, "n"), 0);
	assert_int_equal(v, 42);
	assert_int_equal(px_notify_parse_uint(&v, "100", 100, "n"), 0);
	assert_int_equal(px_notify_parse_uint(&v, "101", 100, "n"), PX_EINVAL);
	assert_int_equal(px_notify_parse_uint(&v, "0", 100, "n"), PX_EINVAL);
	assert_int_equal(px_notify_parse_uint(&v, "-1", 100, "n"), PX_EINVAL);
	assert_int_equal(px_notify_parse_uint(&v, "1x", 100, "n"), PX_EINVAL);
	assert_int_equal(px_notify_parse_uint(&v, "", 100, "n"), PX_EINVAL);
	assert_int_equal(
	    px_notify_parse_uint(&v, "9223372036854775807", INT64_MAX, "n"), 0);
	assert_int_equal(
	    px_notify_parse_uint(&v, "9223372036854775808", INT64_MAX, "n"),
	    PX_EINVAL);
}

/* A notification of an exercise's case says EXERCISE at both ends of its
 * text and its webhook body, whoever queued it; after a real-world stop
 * its pending rows are cancelled. */
static void
test_exercise_marking(void **state)
{
	struct fx *f = *state;
	const char *ex = "01a1f89c-fb80-7f31-a549-000000000e0e";
	json_t *card = json_pack("{ss ss}", "email", "duty@cert-a.example",
	    "webhook", "https://pager.example/hook");
	struct px_notify_item it = item(card, PX_NOTIFY_ALL);
	struct px_case_row cr = { .id = (char *)it.case_id,
		.peer = (char *)"cert-b.example",
		.requester = (char *)"cert-b.example",
		.responder = (char *)"cert-a.example",
		.kind = (char *)"hotline",
		.category = (char *)"other",
		.priority = (char *)"P1",
		.tlp = (char *)"amber",
		.title = (char *)"[EXERCISE] x",
		.state = (char *)"sent",
		.opened_ms = T0,
		.updated_ms = T0 };
	struct rows rs = { .n = 0 };
	const char *line = "EXERCISE EXERCISE EXERCISE -- EX-00000e0e -- not "
	                   "a real incident";
	int64_t count = 0;
	json_t *body;
	size_t len;

	assert_int_equal(PX_STORE_CALL(f->n->store, case_put, &cr), 0);
	assert_int_equal(
	    PX_STORE_CALL(f->n->store, case_set_exercise, it.case_id, ex), 0);
	assert_int_equal(px_notify_enqueue(f->n, &it), 0);
	rows_load(&rs, f->n);
	assert_int_equal(rs.n, 2);
	assert_string_equal(rs.r[0].subject, "[EXERCISE] 升级：确认超时");
	assert_int_equal(strncmp(rs.r[0].body, line, strlen(line)), 0);
	len = strlen(rs.r[0].body);
	assert_non_null(strstr(rs.r[0].body, "\n\nAcknowledge is overdue.\n"));
	/* The same line closes it. */
	assert_non_null(strstr(rs.r[0].body + strlen(line), line));
	assert_string_equal(
	    rs.r[0].body + len - strlen("非真实事件"), "非真实事件");
	{
		static const char start[] =
		    "{\"exercise\":\"EXERCISE "
		    "EX-00000e0e: not a real incident\",";

		assert_int_equal(
		    strncmp(rs.r[1].body, start, sizeof(start) - 1), 0);
	}
	len = strlen(rs.r[1].body);
	assert_string_equal(
	    rs.r[1].body + len - 27, ",\"exercise_end\":\"EXERCISE\"}");
	body = json_loads(rs.r[1].body, 0, NULL);
	assert_non_null(body);
	assert_int_equal(
	    strncmp(json_string_value(json_object_get(body, "text")), line,
	        strlen(line)),
	    0);
	assert_string_equal(
	    json_string_value(json_object_get(body, "case")), it.case_id);
	json_decref(body);
	rows_free(&rs);
	/* The stop gives both pending rows up. */
	assert_int_equal(PX_STORE_CALL(f->n->store, notify_cancel_exercise, ex,
	                     "cancelled: stop", T0 + 1, &count),
	    0);
	assert_int_equal(count, 2);
	rows_load(&rs, f->n);
	assert_string_equal(rs.r[0].status, "cancelled");
	assert_string_equal(rs.r[1].last_error, "cancelled: stop");
	rows_free(&rs);
	/* Another case is not marked. */
	it.case_id = "01a1f89c-fb80-7f31-a549-974dc849cd00";
	it.channels = PX_NOTIFY_EMAIL;
	assert_int_equal(px_notify_enqueue(f->n, &it), 0);
	rows_load(&rs, f->n);
	assert_string_equal(rs.r[2].subject, "升级：确认超时");
	assert_string_equal(rs.r[2].body, "Acknowledge is overdue.\n");
	rows_free(&rs);
	json_decref(card);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_plain),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_subject_rfc2047),
		cmocka_unit_test(test_quoted_printable),
		cmocka_unit_test(test_header_injection),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_parse_uint),
		cmocka_unit_test_setup_teardown(
		    test_contact_card, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_enqueue_channels, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_deliver_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_deliver_permanent, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_exercise_marking, setup, teardown),
	};

	if (px_crypto_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
