/*
 * The notification queue (docs/deadlines.md, docs/notify.md).
 *
 * A notification is one person on one channel.  Whoever decides that
 * people must hear about something (an escalation step, a hotline page, a
 * communication check, `parley notify test`) queues it with
 * px_notify_enqueue, in the same store transaction as the signed message
 * that caused it, so a message is never recorded without its
 * notifications or the other way round.  The notifier later delivers
 * what is due with px_notify_deliver_due, outside any transaction: the
 * network is slow and a relay may hang, and the store must not be locked
 * meanwhile.
 *
 * Channels: e-mail through the node's `[smtp]` relay, a signed webhook
 * POST (the secret is the node's own `[contact "ID"] webhook_secret`,
 * read at delivery time, never queued and never published), and phone,
 * which is recorded as `manual`: a person must dial.
 *
 * Failed deliveries are retried with growing delays (px_notify_backoff_ms)
 * and given up after PX_NOTIFY_MAX_ATTEMPTS; a notification that can never
 * be delivered (a malformed address) is given up at once.  Delivery is at
 * least once: a row is claimed (its next try moved PX_NOTIFY_LEASE_MS
 * ahead) in a short transaction before it is sent, so two notifiers do
 * not send it twice, but a crash between the relay's "accepted" and the
 * write of the result sends it again after the lease.
 */
#ifndef PX_NOTIFY_H
#define PX_NOTIFY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "node/node.h"
#include "store/store.h"

/* Channel mask bits. */
#define PX_NOTIFY_EMAIL   0x1u
#define PX_NOTIFY_WEBHOOK 0x2u
#define PX_NOTIFY_PHONE   0x4u
#define PX_NOTIFY_ALL     0x7u
#define PX_NOTIFY_NCHAN   3

/* Failed attempts after which a notification is given up. */
#define PX_NOTIFY_MAX_ATTEMPTS 10
/* How many due notifications one px_notify_deliver_due call takes. */
#define PX_NOTIFY_BATCH 16
/* How long a claimed notification is left alone by other notifiers. */
#define PX_NOTIFY_LEASE_MS (15 * 60 * 1000LL)

/* What to tell one person.  Everything is borrowed for the call. */
struct px_notify_item {
	const char *case_id;  /* may be NULL */
	const char *msg_hash; /* the message it belongs to; may be NULL */
	const char *contact;  /* contact id ("duty"), or an address */
	/* The contact's card object; its string members "email",
	 * "webhook" and "phone" say where to reach the person. */
	const json_t *card;
	unsigned channels; /* PX_NOTIFY_* bits allowed */
	const char *event; /* webhook event type; NULL means "notify" */
	const char *subject;
	const char *text;   /* plain text, UTF-8 */
	const json_t *data; /* extra JSON for webhooks; may be NULL */
	int64_t now;
	/* About a real event in an exercise's case (a real-world stop): not
	 * marked as an exercise, whatever case it belongs to. */
	bool real;
};

/* What a delivery round did; px_notify_deliver_* add to the counts. */
struct px_notify_stats {
	size_t sent;   /* delivered */
	size_t retry;  /* failed, tried again later */
	size_t failed; /* failed and given up */
	/* Optional: called with each notification after its attempt (status,
	 * attempts, last_error and next_ms updated). */
	px_notify_cb on_result;
	void *arg;
};

/*
 * Queues one notification per channel the contact lists and `channels`
 * allows: e-mail and webhook rows `pending`, due at it->now; phone rows
 * `manual`.  Only store operations, no begin or commit: call it inside
 * the transaction of the message that caused it.  Returns 0 (also when no
 * channel applies), or PX_EINVAL for a missing contact, subject or text.
 */
PX_MUST_CHECK int px_notify_enqueue(
    struct px_node *n, const struct px_notify_item *it);

/* Queues it->subject/text/event/data (e-mail and webhook) to each of this
 * node's people on duty at it->now by its roster (`contacts` and `roster`
 * as px_node_directory gives them); it->contact, card and channels are
 * set here.  For notices about the node itself: a blocked channel, a
 * flood held by a cap.  Same rules as px_notify_enqueue. */
PX_MUST_CHECK int px_notify_duty(struct px_node *n, const json_t *contacts,
    const json_t *roster, const struct px_notify_item *it);

/* The same; ids[] gets the ids of the rows written and *count how many
 * (at most PX_NOTIFY_NCHAN). */
PX_MUST_CHECK int px_notify_enqueue_ids(struct px_node *n,
    const struct px_notify_item *it, int64_t ids[PX_NOTIFY_NCHAN],
    size_t *count);

/*
 * Delivers pending notifications due at `now` (at most PX_NOTIFY_BATCH,
 * oldest first).  Each is claimed, sent without a transaction open, and
 * its result written: `sent`, or one more attempt with last_error and the
 * next try at now + px_notify_backoff_ms(attempts), or `failed`.  A failed
 * delivery is not an error of this call (see st); a store error is, and
 * stops the round.  `st` may be NULL.
 */
PX_MUST_CHECK int px_notify_deliver_due(
    struct px_node *n, int64_t now, struct px_notify_stats *st);

/*
 * Delivers the notifications `ids` now if they are still pending and due
 * (others are skipped), as above.  `secret` (may be NULL) signs webhooks
 * instead of the contact's configured webhook_secret: for `notify test
 * --webhook URL --secret S`.
 */
PX_MUST_CHECK int px_notify_deliver_ids(struct px_node *n, const int64_t *ids,
    size_t count, int64_t now, const char *secret, struct px_notify_stats *st);

/*
 * Puts a failed or pending notification back to pending, due at `now`;
 * the attempts made stay counted.  PX_ENOTFOUND for no such id,
 * PX_ECONFLICT for one already sent or manual.
 */
PX_MUST_CHECK int px_notify_retry(struct px_node *n, int64_t id, int64_t now);

/* The delay before the next try after `attempts` failed ones (>= 1):
 * 30 s, 1 min, 2 min, 4 min, ... at most 30 min. */
int64_t px_notify_backoff_ms(int64_t attempts);

/*
 * The card object of the node's own contact `id` from parley.conf
 * (members email, webhook, phone where set; never the webhook secret).
 * *out is a new reference.  PX_ENOTFOUND if there is no [contact "id"].
 */
PX_MUST_CHECK int px_notify_contact_card(
    json_t **out, const struct px_node *n, const char *id);

/*
 * Parses a decimal number 1..max ("12"; no sign, no spaces) for `what`
 * ("notification id").  Returns 0 or PX_EINVAL.
 */
PX_MUST_CHECK int px_notify_parse_uint(
    int64_t *out, const char *s, int64_t max, const char *what);

#endif
