/* Shared by unit tests: deterministic keys and message builders. */
#ifndef PX_TEST_HELPERS_H
#define PX_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "crypto/sign.h"
#include "model/canon.h"
#include "model/message.h"
#include "node/node.h"
#include "util/util.h"

#define T0      1795167000000LL /* 2026-11-20T09:30:00Z, a Friday */
#define MIN_MS  60000LL
#define HOUR_MS 3600000LL

static inline void
test_key(struct px_key *k, uint8_t fill)
{
	uint8_t seed[32];

	memset(seed, fill, sizeof(seed));
	px_key_from_seed(k, seed);
}

/* A channel from one party to the other, to keep seq and prev right. */
struct chan {
	const char *from, *to;
	struct px_key key;
	int64_t seq;
	char prev[PX_HASH_HEX];
};

static inline void
chan_init(struct chan *c, const char *from, const char *to, uint8_t fill)
{
	memset(c, 0, sizeof(*c));
	c->from = from;
	c->to = to;
	test_key(&c->key, fill);
	snprintf(c->prev, sizeof(c->prev), "%s", PX_ZERO_HASH);
}

/* Sends `body` (a JSON literal, stolen) on the channel at time t. */
static inline struct px_msg *
chan_send(struct chan *c, const char *case_id, enum px_msg_type type, int64_t t,
    json_t *body)
{
	struct px_msg_fields f = { .case_id = case_id,
		.type = type,
		.from = c->from,
		.to = c->to,
		.seq = c->seq + 1,
		.prev = c->prev,
		.time_ms = t };
	struct px_msg *m = NULL;
	int rc = px_msg_new(&m, &f, body, &c->key);

	if (rc != 0)
		fail_msg("px_msg_new: %s", px_error_last());
	json_decref(body);
	c->seq++;
	memcpy(c->prev, m->hash, PX_HASH_HEX);
	return m;
}

static inline json_t *
open_body(const char *kind, const char *prio)
{
	return json_pack("{s{sssssssssss[{ssss}]}s{ssss}}", "case", "kind",
	    kind, "category", "botnet", "priority", prio, "tlp", "amber",
	    "title", "C2 at 203.0.113.7", "observables", "type", "ipv4-addr",
	    "value", "203.0.113.7", "text", "lang", "en", "value",
	    "Please investigate");
}

/* `to` pins `from`'s card, a new peer. */
static inline void
enrol(struct px_node *from, struct px_node *to)
{
	json_t *card = NULL;
	char *text, fp[45], *name = NULL;
	enum px_peer_added how;

	assert_int_equal(px_node_card(&card, from), 0);
	text = px_canon_string(card);
	assert_int_equal(
	    px_peer_add(to, text, strlen(text), "card", false, &how, fp, &name),
	    0);
	assert_int_equal(how, PX_PEER_NEW);
	assert_string_equal(name, from->name);
	free(name);
	free(text);
	json_decref(card);
}

#endif
