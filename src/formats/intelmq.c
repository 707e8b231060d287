/*
 * IntelMQ events as JSON Lines: one flat object per line, with the
 * harmonisation's dotted keys ("source.ip", "classification.type",
 * "extra.*").
 *
 *   {"feed.name": "abusech-feodo-c2-tracker", "source.ip": "192.0.2.7",
 *    "source.port": 443, "classification.type": "c2-server",
 *    "classification.taxonomy": "malicious-code",
 *    "malware.name": "qakbot", "time.source": "2026-12-01T09:00:00+00:00"}
 *
 * The keys parley has a member for are read into it (docs/feeds.md has
 * the list); "extra.NAME" (or an "extra" object) and every other key
 * become extras, within the event's bound; "raw" (the original line,
 * base64) is left out.  Lines are tokenised with jsmn in strict mode
 * (DESIGN.md: the JSON hot path) into a token array the decoder keeps,
 * and strings are unescaped only when they hold an escape.
 */

#include "formats/decoder.h"
#include "util/jsmntok.h"
#include "util/util.h"

#define MAX_TOKENS 1024

/* The text of a primitive or string token, unescaped. */
static int
value(struct px_decoder *d, const char *js, const jsmntok_t *v,
    const char **out, size_t *n)
{
	const char *s = js + v->start;
	size_t len = (size_t)(v->end - v->start);

	if (v->type == JSMN_STRING)
		return px_json_unescape(d, out, n, s, len);
	if (len == 4 && memcmp(s, "null", 4) == 0)
		len = 0;
	*out = s;
	*n = len;
	return 0;
}

static int
put(struct px_decoder *d, struct px_event *e, const char *key, size_t klen,
    const char *js, const jsmntok_t *v)
{
	const char *s;
	size_t n;
	int f, rc;
	char name[PX_EV_MAX_KEY + 8];

	if (v->type == JSMN_OBJECT || v->type == JSMN_ARRAY)
		return 0; /* nested data other than "extra" is not kept */
	if (klen == 3 && memcmp(key, "raw", 3) == 0)
		return 0;
	if ((rc = value(d, js, v, &s, &n)) < 0)
		return rc;
	if (klen > 6 && memcmp(key, "extra.", 6) == 0)
		return px_event_extra(e, key + 6, klen - 6, s, n);
	f = px_ev_field_lookup(key, klen);
	if (f < 0 || f == PX_F_SRC_URL_PATH) {
		if (klen > PX_EV_MAX_KEY)
			return 0;
		return px_event_extra(e, key, klen, s, n);
	}
	if (klen >= sizeof(name))
		klen = sizeof(name) - 1;
	memcpy(name, key, klen);
	name[klen] = '\0';
	return px_event_set(e, f, s, n, name);
}

int
px_intelmq_record(
    struct px_decoder *d, const char *rec, size_t n, struct px_event *e)
{
	jsmn_parser p;
	jsmntok_t *t;
	int nt, i;

	if (d->tokens == NULL) {
		d->ntokens = MAX_TOKENS;
		d->tokens = px_calloc(d->ntokens, sizeof(jsmntok_t));
	}
	t = d->tokens;
	while (n && (rec[n - 1] == '\n' || rec[n - 1] == '\r'))
		n--;
	jsmn_init(&p);
	nt = jsmn_parse(&p, rec, n, t, (unsigned)d->ntokens);
	if (nt == JSMN_ERROR_NOMEM)
		return px_error_set(PX_EINVAL,
		    "the line holds more than %d JSON values", MAX_TOKENS);
	if (nt < 0)
		return px_error_set(PX_EINVAL,
		    "the line is not one JSON object (%s)",
		    nt == JSMN_ERROR_PART ? "it ends too early"
		                          : "invalid JSON");
	if (nt < 1 || t[0].type != JSMN_OBJECT)
		return px_error_set(
		    PX_EINVAL, "the line is not a JSON object (an event)");
	if (px_jsmn_skip(t, 0, nt) != nt)
		return px_error_set(
		    PX_EINVAL, "the line holds more than one JSON value");
	for (i = 1; i < nt;) {
		const jsmntok_t *k = &t[i];
		const char *key;
		size_t klen;
		int rc;

		if (i + 1 >= nt)
			return px_error_set(PX_EINVAL, "a key has no value");
		if ((rc = px_json_unescape(d, &key, &klen, rec + k->start,
		         (size_t)(k->end - k->start))) < 0)
			return rc;
		/* The key may live in the scratch buffer that the value's
		 * unescaping reuses: keep a copy. */
		{
			char kb[256];

			if (klen >= sizeof(kb))
				return px_error_set(PX_EINVAL,
				    "a key is longer than %zu bytes",
				    sizeof(kb) - 1);
			memcpy(kb, key, klen);
			kb[klen] = '\0';
			if (klen == 5 && memcmp(kb, "extra", 5) == 0 &&
			    t[i + 1].type == JSMN_OBJECT) {
				/* An "extra" object: its members are the
				 * extras. */
				int j = i + 2, end = px_jsmn_skip(t, i + 1, nt);

				while (j < end) {
					const char *ek;
					size_t eklen;
					char ekb[PX_EV_MAX_KEY + 1];

					if ((rc = px_json_unescape(d, &ek,
					         &eklen, rec + t[j].start,
					         (size_t)(t[j].end -
					             t[j].start))) < 0)
						return rc;
					if (eklen <= PX_EV_MAX_KEY &&
					    j + 1 < end &&
					    t[j + 1].type != JSMN_OBJECT &&
					    t[j + 1].type != JSMN_ARRAY) {
						const char *s;
						size_t sn;

						memcpy(ekb, ek, eklen);
						if ((rc = value(d, rec,
						         &t[j + 1], &s, &sn)) <
						        0 ||
						    (rc = px_event_extra(e, ekb,
						         eklen, s, sn)) < 0)
							return rc;
					}
					j = px_jsmn_skip(t, j + 1, nt);
				}
				i = end;
				continue;
			}
			if ((rc = put(d, e, kb, klen, rec, &t[i + 1])) < 0)
				return rc;
		}
		i = px_jsmn_skip(t, i + 1, nt);
	}
	return 0;
}
