/*
 * Evidence, findings and assessments, completeness (model/evidence.h,
 * model/attrib.h, model/complete.h): the Merkle root of chunk digests,
 * manifests, chunk frames, the custody rules of a case and its chain
 * check, the estimative-word lint in English and Chinese, the confidence
 * rule, and the completeness rules of reports and requests.
 */
#include "helpers.h"
#include "ledger/merkle.h"
#include "model/attrib.h"
#include "model/case.h"
#include "model/complete.h"
#include "model/evidence.h"

#define CASE_A "cert-a.example"
#define CASE_B "cert-b.example"

/* ---- roots and frames -------------------------------------------------- */

static void
test_root(void **state)
{
	uint8_t d[3][32], out[32], l0[32], l1[32], l2[32], n01[32], want[32];
	char hex[65];

	(void)state;
	px_ev_root(out, NULL, 0);
	px_hex_encode(hex, out, 32);
	assert_string_equal(hex,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	for (int i = 0; i < 3; i++)
		px_sha256(d[i], &i, sizeof(i));
	/* One chunk: its leaf hash, H(0x00 || digest). */
	px_ev_root(out, (const uint8_t(*)[32])d, 1);
	px_merkle_leaf_hash(l0, d[0], 32);
	assert_memory_equal(out, l0, 32);
	/* Three: NH(NH(L0, L1), L2), RFC 9162's split at 2. */
	px_merkle_leaf_hash(l1, d[1], 32);
	px_merkle_leaf_hash(l2, d[2], 32);
	px_merkle_node_hash(n01, l0, l1);
	px_merkle_node_hash(want, n01, l2);
	px_ev_root(out, (const uint8_t(*)[32])d, 3);
	assert_memory_equal(out, want, 32);
	assert_int_equal(px_ev_chunk_count(0), 0);
	assert_int_equal(px_ev_chunk_count(1), 1);
	assert_int_equal(px_ev_chunk_count(PX_EV_CHUNK), 1);
	assert_int_equal(px_ev_chunk_count(PX_EV_CHUNK + 1), 2);
}

static void
test_frame(void **state)
{
	const char data[] = "some chunk bytes";
	char head[PX_EV_FRAME_MAX_HEADER], item[65], sha[65], buf[512];
	uint8_t h[32];
	struct px_ev_frame f;
	size_t hl;

	(void)state;
	memset(item, 'a', 64);
	item[64] = '\0';
	px_sha256(h, data, strlen(data));
	px_hex_encode(sha, h, 32);
	hl = px_ev_frame_header(head, item, 12, strlen(data), sha);
	memcpy(buf, head, hl);
	memcpy(buf + hl, data, strlen(data));
	assert_int_equal(px_ev_frame_parse(&f, buf, hl + strlen(data)), 0);
	assert_int_equal(f.index, 12);
	assert_int_equal(f.len, strlen(data));
	assert_memory_equal(f.data, data, f.len);
	assert_string_equal(f.sha256, sha);
	/* Truncated: names both lengths. */
	assert_int_equal(
	    px_ev_frame_parse(&f, buf, hl + strlen(data) - 3), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "says 16 bytes, 13 follow"));
	/* Padded, a leading zero, a capital hex digit: refused. */
	buf[hl + strlen(data)] = 'x';
	assert_int_equal(
	    px_ev_frame_parse(&f, buf, hl + strlen(data) + 1), PX_EINVAL);
	hl = (size_t)snprintf(
	    head, sizeof(head), "PXCHUNK1 %s 012 16 %s\n", item, sha);
	assert_int_equal(px_ev_frame_parse(&f, head, hl), PX_EINVAL);
	item[0] = 'A';
	hl = (size_t)snprintf(
	    head, sizeof(head), "PXCHUNK1 %s 1 0 %s\n", item, sha);
	assert_int_equal(px_ev_frame_parse(&f, head, hl), PX_EINVAL);
}

/* ---- manifests and the custody rules ----------------------------------- */

static json_t *
manifest(const char *exhibit, int64_t size, const char *sha)
{
	char root[65];

	memset(root, 'b', 64);
	root[64] = '\0';
	return json_pack("{si ss ss s{ss s{ssss} ss ss ss} s{ssss} sI ss ss "
	                 "s{ss} si sI ss}",
	    "v", 1, "nonce", "00112233445566778899aabbccddeeff", "exhibit",
	    exhibit, "acquisition", "method", "disk image", "tool", "name",
	    "dc3dd", "version", "7.2.646", "operator", "Li Wei", "time",
	    "2026-11-20T09:00:00.000Z", "place", "Beijing", "legal_basis",
	    "type", "court-order", "reference", "2026-118", "size",
	    (json_int_t)size, "media_type", "application/octet-stream", "tlp",
	    "amber", "hashes", "sha256", sha, "chunk_size", (int)PX_EV_CHUNK,
	    "chunks", (json_int_t)px_ev_chunk_count(size), "root", root);
}

#define SHA  "5555555555555555555555555555555555555555555555555555555555555555"
#define SHA2 "6666666666666666666666666666666666666666666666666666666666666666"

static void
test_manifest(void **state)
{
	struct px_manifest m, m2;
	json_t *j = manifest("A-1", 3 * PX_EV_CHUNK + 5, SHA);

	(void)state;
	assert_int_equal(px_manifest_parse(&m, j, "m"), 0);
	assert_int_equal(m.chunks, 4);
	assert_string_equal(m.exhibit, "A-1");
	assert_string_equal(m.sha256, SHA);
	/* The item's hash moves with any change, and the nonce makes two
	 * acquisitions of the same bytes two items. */
	json_object_set_new(
	    j, "nonce", json_string("ffeeddccbbaa99887766554433221100"));
	assert_int_equal(px_manifest_parse(&m2, j, "m"), 0);
	assert_string_not_equal(m.item, m2.item);
	json_object_set_new(j, "chunks", json_integer(3));
	assert_int_equal(px_manifest_parse(&m2, j, "m"), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "make 4 chunks"));
	json_object_set_new(j, "chunks", json_integer(4));
	json_object_set_new(j, "media_type", json_string("Text/Plain"));
	assert_int_equal(px_manifest_parse(&m2, j, "m"), PX_EINVAL);
	json_object_set_new(j, "media_type", json_string("text/plain"));
	json_object_set_new(j, "name", json_string("../etc/passwd"));
	assert_int_equal(px_manifest_parse(&m2, j, "m"), PX_EINVAL);
	json_object_del(j, "name");
	json_object_del(j, "legal_basis");
	assert_int_equal(px_manifest_parse(&m2, j, "m"), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "legal_basis"));
	json_decref(j);
}

static json_t *
event(const char *ev, const char *item, json_t *extra)
{
	json_t *b = json_pack("{ssss}", "event", ev, "item", item);

	if (extra) {
		json_object_update(b, extra);
		json_decref(extra);
	}
	return b;
}

/* The rules of a case's evidence events: who may sign what, when. */
static void
test_custody_rules(void **state)
{
	struct chan ab, ba;
	struct px_case c;
	struct px_msg *open, *m;
	struct px_manifest man;
	json_t *mj = manifest("A-1", 10, SHA);
	char item[PX_HASH_HEX], why[400];
	int64_t t = T0;

	(void)state;
	chan_init(&ab, CASE_A, CASE_B, 1);
	chan_init(&ba, CASE_B, CASE_A, 2);
	assert_int_equal(px_manifest_parse(&man, mj, "m"), 0);
	memcpy(item, man.item, sizeof(item));
	px_case_init(&c);
	open =
	    chan_send(&ab, NULL, PX_MSG_REPORT, t, open_body("report", "P3"));
	assert_int_equal(px_case_apply(&c, open), 0);
#define SEND(ch, ev, extra)                                       \
	(m = chan_send(&(ch), c.id, PX_MSG_EVIDENCE, t += MIN_MS, \
	     event(ev, item, extra)))
	/* B cannot accept what nobody offered. */
	SEND(ba, "accepted", NULL);
	assert_int_equal(px_case_apply(&c, m), PX_ECONFLICT);
	assert_non_null(strstr(px_error_last(), "not in case"));
	px_msg_free(m);
	SEND(ab, "acquired",
	    json_pack("{sOss}", "manifest", mj, "hash_after", SHA));
	assert_int_equal(px_case_apply(&c, m), 0);
	px_msg_free(m);
	assert_int_equal(c.nev, 1);
	assert_true(c.ev[0].holds[0]);
	assert_false(c.ev[0].holds[1]);
	/* B holds no copy: it cannot access it. */
	SEND(ba, "accessed",
	    json_pack(
	        "{ssssss}", "hash_before", SHA, "hash_after", SHA, "by", "x"));
	assert_int_equal(px_case_apply(&c, m), PX_ECONFLICT);
	px_msg_free(m);
	SEND(ab, "offered",
	    json_pack("{sOssss}", "manifest", mj, "hash_before", SHA,
	        "hash_after", SHA));
	assert_int_equal(px_case_apply(&c, m), 0);
	px_msg_free(m);
	/* The offerer cannot accept its own offer. */
	SEND(ab, "accepted", NULL);
	assert_int_equal(px_case_apply(&c, m), PX_ECONFLICT);
	assert_non_null(strstr(px_error_last(), "only its receiver decides"));
	px_msg_free(m);
	SEND(ba, "accepted", NULL);
	assert_int_equal(px_case_apply(&c, m), 0);
	px_msg_free(m);
	assert_int_equal(c.ev[0].round, PX_EVR_ACCEPTED);
	SEND(ba, "received",
	    json_pack("{ssssss}", "status", "accepted", "hash_before", SHA,
	        "hash_after", SHA));
	assert_int_equal(px_case_apply(&c, m), 0);
	px_msg_free(m);
	assert_true(c.ev[0].holds[1]);
	assert_int_equal(c.ev[0].status, PX_EVS_ACCEPTED);
	SEND(ab, "transferred",
	    json_pack("{ssss}", "hash_before", SHA, "hash_after", SHA));
	assert_int_equal(px_case_apply(&c, m), 0);
	px_msg_free(m);
	/* Once only. */
	SEND(ab, "transferred",
	    json_pack("{ssss}", "hash_before", SHA, "hash_after", SHA));
	assert_int_equal(px_case_apply(&c, m), PX_ECONFLICT);
	/* A receiver keeps it, with no effect (px_case_replay). */
	assert_int_equal(px_case_replay(&c, m), 0);
	assert_non_null(c.why[c.n - 1]);
	px_msg_free(m);
	assert_int_equal(px_ev_chain_check(&c, &c.ev[0], why, sizeof(why)), 0);
	/* B sealed: no access after, a release yes. */
	SEND(ba, "sealed",
	    json_pack(
	        "{ssssss}", "hash_before", SHA, "hash_after", SHA, "by", "x"));
	assert_int_equal(px_case_apply(&c, m), 0);
	px_msg_free(m);
	SEND(ba, "accessed",
	    json_pack(
	        "{ssssss}", "hash_before", SHA, "hash_after", SHA, "by", "x"));
	assert_int_equal(px_case_apply(&c, m), PX_ECONFLICT);
	px_msg_free(m);
	/* A's copy changed: recorded, and the chain check says where. */
	SEND(ab, "accessed",
	    json_pack(
	        "{ssssss}", "hash_before", SHA, "hash_after", SHA2, "by", "x"));
	assert_int_equal(px_case_apply(&c, m), 0);
	px_msg_free(m);
	assert_int_equal(px_ev_chain_check(&c, &c.ev[0], why, sizeof(why)), -1);
	assert_non_null(strstr(why, "the copy changed"));
	assert_non_null(strstr(why, "accessed by cert-a.example"));
	/* A's next event starts from what it attested last. */
	assert_string_equal(px_ev_last_hash(&c, &c.ev[0], 0), SHA2);
	assert_ptr_equal(px_ev_find(&c, "A-1"), &c.ev[0]);
	assert_ptr_equal(px_ev_find(&c, item), &c.ev[0]);
	assert_null(px_ev_find(&c, "A-2"));
#undef SEND
	px_msg_free(open);
	px_case_dispose(&c);
	json_decref(mj);
}

/* ---- the estimative-word lint ----------------------------------------- */

static void
test_lint(void **state)
{
	static const struct {
		const char *text, *word;
	} cases[] = {
		{ "The actor likely used the relay.", "likely" },
		{ "This is Almost Certainly the same host.",
		    "almost certainly" },
		{ "It was probably exfiltrated.", "probably" },
		{ "Roughly even odds", "roughly even" },
		{ "We assess that the domain is theirs.", "we assess" },
		{ "该服务器很可能位于境外。", "很可能" },
		{ "攻击者可能使用了跳板。", "可能" },
		{ "几乎可以肯定是同一组织。", "几乎可以肯定" },
		{ "疑似同一团伙所为。", "疑似" },
		{ "The host 192.0.2.7 sent 4.1 GB to 203.0.113.9 between "
		  "02:10Z and 02:40Z.",
		    NULL },
		{ "The likelihoods are not stated here: likewise, unlikelier.",
		    NULL },
		{ "服务器于2026-11-20T02:10Z向203.0.113.9发送了4.1 GB数据。",
		    NULL },
	};
	char word[64];
	size_t at = 0;

	(void)state;
	for (size_t i = 0; i < PX_ARRAY_LEN(cases); i++) {
		int hit =
		    px_lint_estimative(cases[i].text, word, sizeof(word), &at);

		if (cases[i].word == NULL) {
			if (hit)
				fail_msg(
				    "'%s' flagged '%s'", cases[i].text, word);
			continue;
		}
		if (!hit)
			fail_msg("'%s' not flagged", cases[i].text);
		assert_string_equal(word, cases[i].word);
	}
	assert_int_equal(px_lint_estimative("a likely b", word, 64, &at), 1);
	assert_int_equal(at, 2);
}

/* A finding with estimative words has no effect at a receiver and is
 * refused by a sender; an assessment rests on effective findings. */
static void
test_findings(void **state)
{
	struct chan ab, ba;
	struct px_case c;
	struct px_msg *open, *f1, *f2, *m;
	int64_t t = T0;
	json_t *stmt;

	(void)state;
	chan_init(&ab, CASE_A, CASE_B, 1);
	chan_init(&ba, CASE_B, CASE_A, 2);
	px_case_init(&c);
	open =
	    chan_send(&ab, NULL, PX_MSG_REQUEST, t, open_body("request", "P2"));
	assert_int_equal(px_case_apply(&c, open), 0);
	stmt = json_pack("{s{ssss}ss}", "statement", "lang", "en", "value",
	    "The relay very likely belongs to the actor.", "method", "whois");
	m = chan_send(&ab, c.id, PX_MSG_FINDING, t += MIN_MS, stmt);
	assert_int_equal(px_case_apply(&c, m), PX_ECONFLICT);
	assert_non_null(strstr(px_error_last(), "'very likely'"));
	assert_int_equal(px_case_replay(&c, m), 0);
	assert_non_null(c.why[c.n - 1]);
	px_msg_free(m);
	/* The translation is checked too. */
	stmt = json_pack("{s{sssss{ssssss}}ss}", "statement", "lang", "en",
	    "value", "The relay is registered to Example Ltd.", "translation",
	    "lang", "zh", "value", "该跳板可能属于某公司。", "by", "human",
	    "method", "whois");
	m = chan_send(&ab, c.id, PX_MSG_FINDING, t += MIN_MS, stmt);
	assert_int_equal(px_case_apply(&c, m), PX_ECONFLICT);
	assert_non_null(strstr(px_error_last(), "translation"));
	px_msg_free(m);
	/* Two clean findings: one with steps and a tool, one bare. */
	f1 = chan_send(&ab, c.id, PX_MSG_FINDING, t += MIN_MS,
	    json_pack("{s{ssss}sss{ssss}s{ssss}}", "statement", "lang", "en",
	        "value", "The relay answered on TCP 8443 with certificate X.",
	        "method", "active scan", "tool", "name", "zgrab2", "version",
	        "0.1.8", "reproduction", "lang", "en", "value",
	        "zgrab2 tls -p 8443 <<< 203.0.113.7"));
	assert_int_equal(px_case_apply(&c, f1), 0);
	f2 = chan_send(&ab, c.id, PX_MSG_FINDING, t += MIN_MS,
	    json_pack("{s{ssss}ss}", "statement", "lang", "en", "value",
	        "The domain was registered on 2026-10-01.", "method", "whois"));
	assert_int_equal(px_case_apply(&c, f2), 0);
	assert_int_equal(px_finding_ceiling(f1->body), PX_CONF_MODERATE);
	assert_int_equal(px_finding_ceiling(f2->body), PX_CONF_LOW);
	/* Moderate confidence on f1 alone: allowed. */
	m = chan_send(&ab, c.id, PX_MSG_ASSESSMENT, t += MIN_MS,
	    json_pack("{ss s{ssss} s[s] ss ss ss ss s{ssss} si}", "kind",
	        "technical", "claim", "lang", "en", "value",
	        "The relay is likely run by the actor.", "supporting", f1->hash,
	        "likelihood", "likely", "confidence", "moderate",
	        "source_reliability", "B", "information_credibility", "2",
	        "would_change", "lang", "en", "value",
	        "A lease record for the relay", "version", 1));
	assert_int_equal(px_case_apply(&c, m), 0);
	/* Version 2, high confidence with f2 added: over the ceiling. */
	{
		struct px_msg *v2 = chan_send(&ab, c.id, PX_MSG_ASSESSMENT,
		    t += MIN_MS,
		    json_pack("{ss s{ssss} s[ss] ss ss ss ss s{ssss} si ss}",
		        "kind", "technical", "claim", "lang", "en", "value",
		        "x", "supporting", f1->hash, f2->hash, "likelihood",
		        "very-likely", "confidence", "high",
		        "source_reliability", "B", "information_credibility",
		        "2", "would_change", "lang", "en", "value", "y",
		        "version", 2, "supersedes", m->hash));

		assert_int_equal(px_case_apply(&c, v2), PX_ECONFLICT);
		assert_non_null(
		    strstr(px_error_last(), "exceeds what its weakest"));
		px_msg_free(v2);
	}
	/* Version 2 with low confidence: supersedes version 1. */
	{
		struct px_msg *v2 = chan_send(&ab, c.id, PX_MSG_ASSESSMENT,
		    t += MIN_MS,
		    json_pack("{ss s{ssss} s[ss] ss ss ss ss s{ssss} si ss}",
		        "kind", "technical", "claim", "lang", "en", "value",
		        "x", "supporting", f1->hash, f2->hash, "likelihood",
		        "likely", "confidence", "low", "source_reliability",
		        "B", "information_credibility", "2", "would_change",
		        "lang", "en", "value", "y", "version", 2, "supersedes",
		        m->hash));

		assert_int_equal(px_case_apply(&c, v2), 0);
		assert_true(px_attrib_superseded(&c, m->hash));
		assert_false(px_attrib_superseded(&c, v2->hash));
		px_msg_free(v2);
	}
	/* B cannot supersede A's assessment. */
	{
		struct px_msg *v3 =
		    chan_send(&ba, c.id, PX_MSG_ASSESSMENT, t += MIN_MS,
		        json_pack("{ss s{ssss} s[] ss ss ss ss s{ssss} si ss}",
		            "kind", "legal", "claim", "lang", "en", "value",
		            "x", "supporting", "likelihood", "unlikely",
		            "confidence", "low", "source_reliability", "C",
		            "information_credibility", "3", "would_change",
		            "lang", "en", "value", "y", "version", 2,
		            "supersedes", m->hash));

		assert_int_equal(px_case_apply(&c, v3), PX_ECONFLICT);
		px_msg_free(v3);
	}
	px_msg_free(m);
	px_msg_free(f1);
	px_msg_free(f2);
	px_msg_free(open);
	px_case_dispose(&c);
}

/* ---- the confidence rule ------------------------------------------------ */

static void
test_confidence_rule(void **state)
{
	json_t *hi = json_pack("{s[s]s{}s{}}", "evidence",
	    "0000000000000000000000000000000000000000000000000000000000000000",
	    "tool", "reproduction");
	json_t *mid = json_pack("{s{}}", "reproduction");
	json_t *lo = json_object();
	const json_t *all[3] = { hi, mid, lo };

	(void)state;
	assert_int_equal(px_finding_ceiling(hi), PX_CONF_HIGH);
	assert_int_equal(px_finding_ceiling(mid), PX_CONF_MODERATE);
	assert_int_equal(px_finding_ceiling(lo), PX_CONF_LOW);
	/* The weakest supporting finding sets the ceiling. */
	assert_int_equal(px_confidence_ceiling(all, 1, "A", "1"), PX_CONF_HIGH);
	assert_int_equal(
	    px_confidence_ceiling(all, 2, "A", "1"), PX_CONF_MODERATE);
	assert_int_equal(px_confidence_ceiling(all, 3, "A", "1"), PX_CONF_LOW);
	/* No supporting finding: low only. */
	assert_int_equal(px_confidence_ceiling(NULL, 0, "A", "1"), PX_CONF_LOW);
	/* The Admiralty scale lowers it. */
	assert_int_equal(
	    px_confidence_ceiling(all, 1, "D", "1"), PX_CONF_MODERATE);
	assert_int_equal(
	    px_confidence_ceiling(all, 1, "A", "4"), PX_CONF_MODERATE);
	assert_int_equal(px_confidence_ceiling(all, 1, "E", "1"), PX_CONF_LOW);
	assert_int_equal(px_confidence_ceiling(all, 1, "F", "2"), PX_CONF_LOW);
	assert_int_equal(px_confidence_ceiling(all, 1, "B", "6"), PX_CONF_LOW);
	assert_int_equal(px_confidence_ceiling(all, 1, "C", "3"), PX_CONF_HIGH);
	json_decref(hi);
	json_decref(mid);
	json_decref(lo);
}

/* ---- completeness ----------------------------------------------------------
 */

static bool
has_field(const json_t *a, const char *f, bool required)
{
	const json_t *v;
	size_t i;

	json_array_foreach(a, i,
	    v) if (strcmp(json_string_value(json_object_get(v, "field")), f) ==
	    0) return json_is_true(json_object_get(v, "required")) == required;
	return false;
}

static void
test_completeness(void **state)
{
	json_t *b, *r, *m;

	(void)state;
	/* A bare report: every general field is listed, none required. */
	b = json_pack("{s{ssss}s{ssss}}", "case", "kind", "report", "title",
	    "t", "text", "lang", "en", "value", "Phishing seen yesterday.");
	r = px_complete_check(b, NULL);
	assert_true(has_field(r, "times-with-zones", false));
	assert_true(has_field(r, "observables", false));
	assert_true(has_field(r, "log-excerpts", false));
	assert_true(has_field(r, "hashes", false));
	assert_true(has_field(r, "acquisition-tool", false));
	json_decref(r);
	/* Times without a zone are named; with zones, excerpts with a tool,
	 * a file hash and an item: nothing is missing. */
	json_object_set_new(b, "text",
	    json_pack("{ssss}", "lang", "en", "value",
	        "Seen at 2026-11-20 09:30 and 10:00."));
	r = px_complete_check(b, NULL);
	assert_true(has_field(r, "times-with-zones", false));
	{
		char *t = json_dumps(r, 0);

		assert_non_null(strstr(t, "without its zone"));
		free(t);
	}
	json_decref(r);
	json_object_set_new(b, "text",
	    json_pack("{ssss}", "lang", "en", "value",
	        "Seen at 2026-11-20T09:30Z and 17:30 +08:00, 10:05 CST."));
	json_object_set_new(json_object_get(b, "case"), "observables",
	    json_pack("[{ssss}]", "type", "file", "value",
	        "sha256:"
	        "5555555555555555555555555555555555555555555555555555555555555555"));
	json_object_set_new(b, "excerpts",
	    json_pack("[{ssssss}]", "source", "mail01", "tool",
	        "journalctl 252", "text", "09:30:01Z relay accepted"));
	r = px_complete_check(b, NULL);
	if (json_array_size(r) != 0)
		fail_msg("missing: %s", json_dumps(r, 0));
	json_decref(r);
	json_decref(b);
	/* A preservation request lacking two Art. 29 fields: both named,
	 * both required. */
	b = json_pack("{s{ssssss}s{ssss}s{ssssssssssss}}", "case", "kind",
	    "request", "title", "t", "request_type", "preservation", "text",
	    "lang", "en", "value", "x", "preservation", "authority",
	    "Ministry of Public Security", "offence", "Art. 285 intrusion",
	    "facts", "Mail server breached", "data", "Logs of host 203.0.113.7",
	    "relation", "It relayed the data", "custodian",
	    "Example Hosting Ltd");
	r = px_complete_check(b, NULL);
	assert_int_equal(json_array_size(r), 2);
	assert_true(has_field(r, "preservation.necessity", true));
	assert_true(has_field(r, "preservation.mla_intent", true));
	json_decref(r);
	json_decref(b);
	/* An evidence request must say what it wants. */
	b = json_pack("{s{ssssss}s{ssss}}", "case", "kind", "request", "title",
	    "t", "request_type", "evidence", "text", "lang", "en", "value",
	    "x");
	r = px_complete_check(b, NULL);
	assert_true(has_field(r, "wanted", true));
	json_decref(r);
	m = json_pack("[{s{s{}}}]", "acquisition", "tool");
	json_object_set_new(
	    b, "wanted", json_pack("[ss]", "packet-capture", "log-excerpts"));
	r = px_complete_check(b, m);
	assert_false(has_field(r, "wanted", true));
	assert_false(has_field(r, "hashes", false));
	assert_false(has_field(r, "acquisition-tool", false));
	assert_int_equal(px_complete_body_check(b), 0);
	json_decref(r);
	json_decref(m);
	/* Field names are checked where they are cited. */
	json_object_set_new(b, "wanted", json_pack("[s]", "everything"));
	assert_int_equal(px_complete_body_check(b), PX_EINVAL);
	json_decref(b);
	m = json_pack("[ss]", "preservation.necessity", "times-with-zones");
	assert_int_equal(px_complete_missing_check(m), 0);
	json_array_append_new(m, json_string("nonsense"));
	assert_int_equal(px_complete_missing_check(m), PX_EINVAL);
	json_decref(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_custody_rules),
		cmocka_unit_test(test_lint),
		cmocka_unit_test(test_findings),
		cmocka_unit_test(test_confidence_rule),
		cmocka_unit_test(test_completeness),
	};

	if (px_crypto_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
