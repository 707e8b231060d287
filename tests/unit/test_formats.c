/*
 * The feed codecs (src/formats/): CSV records, field normal forms, the
 * canonical event JSON, and each input format on rows that carry the
 * published field names.
 */
#include <dirent.h>

#include "helpers.h"

#include "formats/csv.h"
#include "formats/decoder.h"
#include "formats/event.h"
#include "formats/rir.h"
#include "model/canon.h"

static void
test_csv_records(void **state)
{
	const char in[] = "a,\"b,\"\"c\"\"\nd\",e\r\nx,y,\n\"unterminated";
	struct px_csv c;
	unsigned lines;
	size_t n;

	(void)state;
	px_csv_init(&c, ',');
	n = px_csv_record_end(in, sizeof(in) - 1, ',', false, &lines);
	assert_int_equal(n, 17);
	assert_int_equal(lines, 2);
	assert_int_equal(px_csv_split(&c, in, n), 0);
	assert_int_equal(c.nf, 3);
	assert_int_equal(c.f[1].n, 7);
	assert_memory_equal(c.f[1].p, "b,\"c\"\nd", 7);
	assert_memory_equal(c.f[2].p, "e", 1);
	assert_int_equal(c.f[2].n, 1);
	/* A trailing delimiter is one more empty field. */
	n = px_csv_record_end(in + 17, sizeof(in) - 18, ',', false, &lines);
	assert_int_equal(n, 5);
	assert_int_equal(px_csv_split(&c, in + 17, n), 0);
	assert_int_equal(c.nf, 3);
	assert_int_equal(c.f[2].n, 0);
	/* An open quote waits for more input, and is an error at EOF. */
	assert_int_equal(
	    px_csv_record_end(in + 22, sizeof(in) - 23, ',', false, &lines), 0);
	n = px_csv_record_end(in + 22, sizeof(in) - 23, ',', true, &lines);
	assert_int_equal(n, sizeof(in) - 23);
	assert_int_equal(px_csv_split(&c, in + 22, n), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "not closed"));
	assert_int_equal(px_csv_split(&c, "\"a\"b", 4), PX_EINVAL);
	px_csv_dispose(&c);
}

static void
addr_is(const char *in, const char *want)
{
	struct px_addr a;
	char out[46];

	if (px_ev_parse_ip(&a, in, strlen(in), "ip") != 0)
		fail_msg("%s: %s", in, px_error_last());
	px_addr_format(out, &a);
	assert_string_equal(out, want);
}

static void
test_fields(void **state)
{
	struct px_addr a;
	uint8_t len;
	int64_t t, asn;
	int32_t port;
	int v;

	(void)state;
	addr_is("192.0.2.1", "192.0.2.1");
	addr_is("2001:DB8:0:0:0:0:0:1", "2001:db8::1");
	addr_is("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
	addr_is("2001:0:0:1:0:0:0:1", "2001:0:0:1::1");
	addr_is("::ffff:192.0.2.1", "::ffff:192.0.2.1");
	addr_is("::", "::");
	addr_is("fe80:0:0:0:1::", "fe80::1:0:0:0");
	assert_int_equal(px_ev_parse_ip(&a, "192.0.2.01", 10, "ip"), PX_EINVAL);
	assert_int_equal(
	    px_ev_parse_ip(&a, "192.0.2.256", 11, "ip"), PX_EINVAL);
	assert_int_equal(px_ev_parse_ip(&a, "1.2.3", 5, "src_ip"), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "src_ip '1.2.3'"));
	assert_int_equal(
	    px_ev_parse_net(&a, &len, "192.0.2.0/24", 12, "net"), 0);
	assert_int_equal(len, 24);
	assert_int_equal(
	    px_ev_parse_net(&a, &len, "192.0.2.1/24", 12, "net"), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "host bits"));
	assert_int_equal(
	    px_ev_parse_time(&t, "2026-12-01 10:00:07", 19, "t"), 0);
	assert_int_equal(t, INT64_C(1796119207000));
	assert_int_equal(
	    px_ev_parse_time(&t, "2026-12-01T12:00:07+02:00", 25, "t"), 0);
	assert_int_equal(t, INT64_C(1796119207000));
	assert_int_equal(
	    px_ev_parse_time(&t, "2026-12-01 10:00:07.5 UTC", 25, "t"), 0);
	assert_int_equal(t, INT64_C(1796119207500));
	assert_int_equal(px_ev_parse_time(&t, "1796119207", 10, "t"), 0);
	assert_int_equal(t, INT64_C(1796119207000));
	assert_int_equal(
	    px_ev_parse_time(&t, "2026-02-30 10:00:00", 19, "t"), PX_EINVAL);
	assert_int_equal(px_ev_parse_time(&t, "yesterday", 9, "t"), PX_EINVAL);
	assert_int_equal(px_ev_parse_asn(&asn, "AS64500", 7, "asn"), 0);
	assert_int_equal(asn, 64500);
	assert_int_equal(
	    px_ev_parse_asn(&asn, "4294967296", 10, "asn"), PX_EINVAL);
	assert_int_equal(px_ev_parse_port(&port, "65536", 5, "p"), PX_EINVAL);
	assert_int_equal(px_ev_parse_tlp(&v, "TLP:AMBER+STRICT", 16, "tlp"), 0);
	assert_int_equal(v, PX_TLP_AMBER_STRICT);
	assert_int_equal(px_ev_parse_tlp(&v, "white", 5, "tlp"), 0);
	assert_int_equal(v, PX_TLP_CLEAR);
}

/* The JSON the event writes is what RFC 8785 makes of it. */
static void
assert_canonical(const char *json, size_t n)
{
	json_t *j = NULL;
	char *c;

	if (px_json_parse(&j, json, n, n + 1, "event") != 0)
		fail_msg("%.*s: %s", (int)n, json, px_error_last());
	c = px_canon_string(j);
	assert_non_null(c);
	if (strlen(c) != n || memcmp(c, json, n) != 0)
		fail_msg("not canonical:\n%.*s\n%s", (int)n, json, c);
	free(c);
	json_decref(j);
}

/* Decodes `text` (all records) with a decoder; returns the events'
 * JSON lines, and the errors "line N: msg" in *errs. */
static char *
decode_all(enum px_fmt fmt, const char *name, const char *map, const char *text,
    char **errs, size_t *nev)
{
	struct px_decoder d;
	struct px_event *e = px_malloc(sizeof(*e));
	struct px_buf out, eb;
	size_t at = 0, n = strlen(text);
	unsigned line = 1, lines;

	px_buf_init(&out, PX_BUF_NOCAP);
	px_buf_init(&eb, PX_BUF_NOCAP);
	*nev = 0;
	if (px_decoder_open(&d, fmt, name, map, map ? strlen(map) : 0, NULL,
	        NULL, PX_TLP_AMBER) != 0)
		fail_msg("open: %s", px_error_last());
	while (at < n) {
		size_t k =
		    px_decoder_record_end(&d, text + at, n - at, true, &lines);
		int rc;

		assert_true(k > 0);
		rc = px_decoder_record(&d, text + at, k, e);
		if (rc == 0) {
			size_t start = out.len;

			assert_int_equal(px_event_json(&out, e), 0);
			assert_canonical(out.data + start, out.len - start);
			px_buf_puts(&out, "\n");
			(*nev)++;
		} else if (rc < 0) {
			px_buf_putf(
			    &eb, "line %u: %s\n", line, px_error_last());
		}
		line += lines;
		at += k;
	}
	px_decoder_dispose(&d);
	free(e);
	*errs = px_buf_detach(&eb, NULL);
	return px_buf_detach(&out, NULL);
}

static void
test_shadowserver(void **state)
{
	const char *csv =
	    "\xef\xbb\xbf\"timestamp\",\"protocol\",\"src_ip\",\"src_port\","
	    "\"src_asn\",\"src_geo\",\"dst_ip\",\"dst_port\",\"infection\","
	    "\"device_vendor\",\"severity\"\n"
	    "\"2026-12-01 10:00:07\",\"tcp\",\"192.0.2.7\",\"51234\","
	    "\"64500\",\"DE\",\"203.0.113.9\",\"80\",\"mirai\",\"Acme\","
	    "\"critical\"\n"
	    "\"2026-12-01 10:00:08\",\"tcp\",\"192.0.2.300\",\"1\",\"64500\","
	    "\"DE\",\"\",\"\",\"mirai\",\"\",\"\"\n"
	    "\"yesterday\",\"tcp\",\"192.0.2.8\",\"1\",\"64500\",\"DE\",\"\","
	    "\"\",\"mirai\",\"\",\"\"\n"
	    "\"2026-12-01 10:00:09\",\"tcp\",\"192.0.2.9\"\n";
	char *errs, *ev;
	size_t n;

	(void)state;
	ev = decode_all(PX_FMT_SHADOWSERVER,
	    "/tmp/2026-12-01-event4_sinkhole-germany-geo.csv", NULL, csv, &errs,
	    &n);
	if (n != 1)
		fail_msg("%s", errs);
	assert_string_equal(ev,
	    "{\"classification\":{\"identifier\":\"mirai\",\"taxonomy\":"
	    "\"malicious-code\",\"type\":\"infected-system\"},"
	    "\"destination\":{\"ip\":\"203.0.113.9\",\"port\":80},"
	    "\"extra\":{\"device_vendor\":\"Acme\"},"
	    "\"feed\":{\"name\":\"event4_sinkhole\",\"provider\":"
	    "\"Shadowserver\"},\"malware\":\"mirai\",\"protocol\":"
	    "{\"transport\":\"tcp\"},\"severity\":\"critical\",\"source\":"
	    "{\"asn\":64500,\"cc\":\"DE\",\"ip\":\"192.0.2.7\",\"port\":"
	    "51234},\"time\":{\"source\":\"2026-12-01T10:00:07.000Z\"},"
	    "\"tlp\":\"amber\"}\n");
	assert_non_null(strstr(errs,
	    "line 3: column 'src_ip': src_ip "
	    "'192.0.2.300' is not an IP address"));
	assert_non_null(strstr(errs, "line 4: column 'timestamp'"));
	assert_non_null(strstr(errs,
	    "line 5: the row has 3 fields where the "
	    "header has 11 columns"));
	free(errs);
	free(ev);

	/* A scan report: the service from the file name. */
	ev =
	    decode_all(PX_FMT_SHADOWSERVER, "2026-12-01-scan_ntp-asn.csv", NULL,
	        "timestamp,ip,protocol,port,hostname,tag,asn,geo\n"
	        "2026-12-01 00:01:02,198.51.100.4,udp,123,host.example,ntp,"
	        "64501,AT\n",
	        &errs, &n);
	assert_int_equal(n, 1);
	assert_string_equal(errs, "");
	assert_non_null(strstr(ev,
	    "\"identifier\":\"accessible-ntp\",\"taxonomy\":\"vulnerable\","
	    "\"type\":\"ddos-amplifier\""));
	assert_non_null(strstr(ev, "\"application\":\"ntp\""));
	free(errs);
	free(ev);

	/* An over-long field is that row's error. */
	{
		struct px_buf b;

		px_buf_init(&b, PX_BUF_NOCAP);
		px_buf_puts(&b,
		    "timestamp,url,http_host,ip\n"
		    "2026-12-01 00:00:00,http://a.example/");
		for (int i = 0; i < 3000; i++)
			px_buf_puts(&b, "x");
		px_buf_puts(&b,
		    ",a.example,192.0.2.1\n"
		    "2026-12-01 00:00:00,http://b.example/p,"
		    "B.Example.,192.0.2.2\n");
		ev = decode_all(PX_FMT_SHADOWSERVER, "2026-12-01-phish_url.csv",
		    NULL, b.data, &errs, &n);
		assert_int_equal(n, 1);
		assert_non_null(strstr(errs,
		    "line 2: column 'url': url is "
		    "3017 bytes long, more than the "
		    "2048 allowed"));
		assert_non_null(strstr(ev, "\"fqdn\":\"b.example\""));
		px_buf_dispose(&b);
		free(errs);
		free(ev);
	}
	/* A header without the columns the family needs stops the file;
	 * an unknown report type cannot be opened. */
	ev = decode_all(PX_FMT_SHADOWSERVER, "2026-12-01-blocklist.csv", NULL,
	    "time,address\n2026-12-01 00:00:00,192.0.2.1\n", &errs, &n);
	assert_int_equal(n, 0);
	assert_non_null(strstr(errs,
	    "line 1: this blocklist report "
	    "(blocklist) has no column 'timestamp'"));
	free(errs);
	free(ev);
	{
		struct px_decoder d;

		assert_int_equal(px_decoder_open(&d, PX_FMT_SHADOWSERVER,
		                     "2026-12-01-device_id-x.csv", NULL, 0,
		                     NULL, NULL, PX_TLP_AMBER),
		    PX_EINVAL);
	}
}

static void
test_intelmq(void **state)
{
	const char *in =
	    "{\"feed.name\": \"feodo\", \"source.ip\": \"192.0.2.7\", "
	    "\"source.port\": 443, \"classification.type\": \"c2-server\", "
	    "\"classification.taxonomy\": \"malicious-code\", "
	    "\"malware.name\": \"qak\\u00e9bot\", \"raw\": \"aGk=\", "
	    "\"time.source\": \"2026-12-01T09:00:00+00:00\", "
	    "\"extra.status\": \"online\", \"extra\": {\"first\": 1}, "
	    "\"source.as_name\": \"EXAMPLE\", \"tlp\": \"GREEN\"}\n"
	    "{\"source.ip\": \"192.0.2.8\", \"classification.type\": "
	    "\"no-such-type\", \"time.source\": \"2026-12-01T09:00:00Z\"}\n"
	    "not json\n"
	    "{\"source.ip\": \"192.0.2.9\", \"time.source\": "
	    "\"2026-12-01T09:00:00Z\"}\n";
	char *errs, *ev;
	size_t n;

	(void)state;
	ev = decode_all(PX_FMT_INTELMQ, "x.jsonl", NULL, in, &errs, &n);
	assert_int_equal(n, 1);
	assert_string_equal(ev,
	    "{\"classification\":{\"identifier\":\"qak\xc3\xa9"
	    "bot\",\"taxonomy\":\"malicious-code\",\"type\":"
	    "\"c2-server\"},\"extra\":{\"first\":\"1\",\"source.as_name\":"
	    "\"EXAMPLE\",\"status\":\"online\"},\"feed\":{\"name\":"
	    "\"feodo\"},\"malware\":\"qak\xc3\xa9"
	    "bot\",\"source\":{\"ip\":\"192.0.2.7\",\"port\":443},\"time\":"
	    "{\"source\":\"2026-12-01T09:00:00.000Z\"},\"tlp\":\"green\"}\n");
	assert_non_null(strstr(errs,
	    "line 2: classification.type "
	    "'no-such-type' is not"));
	assert_non_null(strstr(errs, "line 3: the line is not one JSON"));
	assert_non_null(strstr(errs, "line 4: no classification type"));
	free(errs);
	free(ev);
}

static void
test_xarf_samples(void **state)
{
	const char *dir = PX_CONFORMANCE_DIR "/xarf/samples/v4";
	DIR *dh = opendir(dir);
	struct dirent *de;
	size_t total = 0;

	(void)state;
	assert_non_null(dh);
	while ((de = readdir(dh)) != NULL) {
		struct px_buf b;
		char *path, *errs, *ev;
		size_t n;

		if (strstr(de->d_name, ".json") == NULL)
			continue;
		path = px_asprintf("%s/%s", dir, de->d_name);
		px_buf_init(&b, PX_BUF_NOCAP);
		assert_int_equal(px_file_read(&b, path, 1 << 20), 0);
		ev = decode_all(PX_FMT_XARF, path, NULL, b.data, &errs, &n);
		if (n != 1)
			fail_msg("%s: %s", de->d_name, errs);
		total++;
		if (strcmp(de->d_name, "infrastructure-botnet.json") == 0) {
			assert_non_null(strstr(ev,
			    "\"classification\":{\"identifier\":\"Conficker\","
			    "\"taxonomy\":\"malicious-code\",\"type\":"
			    "\"infected-system\"}"));
			assert_non_null(strstr(ev, "\"ip\":\"198.51.100.25\""));
			assert_non_null(strstr(ev, "\"evidence_items\":\"1\""));
		}
		if (strcmp(de->d_name, "content-fraud.json") == 0)
			assert_non_null(strstr(
			    ev, "\"fqdn\":\"crypto-scam-invest.example.com\""));
		free(path);
		free(errs);
		free(ev);
		px_buf_dispose(&b);
	}
	closedir(dh);
	assert_int_equal(total, 32);
	/* A report without a required member is refused, naming it. */
	{
		char *errs, *ev;
		size_t n;

		ev = decode_all(PX_FMT_XARF, "r.json", NULL,
		    "{\"xarf_version\": \"4.2.0\", \"report_id\": \"x\",\n"
		    " \"timestamp\": \"2026-12-01T00:00:00Z\",\n"
		    " \"category\": \"connection\", \"type\": \"ddos\"}\n",
		    &errs, &n);
		assert_int_equal(n, 0);
		assert_non_null(strstr(errs, "no 'source_identifier'"));
		free(errs);
		free(ev);
	}
}

static void
test_csvmap(void **state)
{
	const char *map =
	    "{\"name\": \"acme\", \"delimiter\": \";\", \"columns\": "
	    "{\"time.source\": \"seen\", \"source.ip\": \"addr\", "
	    "\"malware.name\": \"family\"}, \"constants\": "
	    "{\"classification.type\": \"infected-system\", "
	    "\"classification.identifier\": \"acme-bot\", \"tlp\": "
	    "\"clear\"}, \"extras\": false}";
	char *errs, *ev;
	size_t n;
	struct px_decoder d;

	(void)state;
	ev = decode_all(PX_FMT_CSV, "acme.csv", map,
	    "family;addr;seen;junk\nmirai;192.0.2.1;1796119207;x\n"
	    "mirai;;1796119207;x\n",
	    &errs, &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(ev, "\"identifier\":\"acme-bot\""));
	assert_non_null(strstr(ev, "\"tlp\":\"clear\""));
	assert_null(strstr(ev, "junk"));
	assert_non_null(strstr(errs, "line 3: no address"));
	free(errs);
	free(ev);
	/* Bad mappings are refused when opening, naming what is wrong. */
	{
		const char *m1 = "{\"columns\": {\"source.ipp\": \"a\"}}";

		assert_int_equal(px_decoder_open(&d, PX_FMT_CSV, "x.csv", m1,
		                     strlen(m1), NULL, NULL, 0),
		    PX_EINVAL);
	}
	assert_non_null(strstr(px_error_last(), "'source.ipp'"));
	{
		const char *m2 = "{\"columns\": {\"source.ip\": \"a\"}, "
		                 "\"constants\": {\"classification.type\": "
		                 "\"bot\"}}";

		assert_int_equal(px_decoder_open(&d, PX_FMT_CSV, "x.csv", m2,
		                     strlen(m2), NULL, NULL, 0),
		    PX_EINVAL);
	}
	assert_non_null(strstr(px_error_last(), "mapping constants"));
	/* Columns by number, no header. */
	ev = decode_all(PX_FMT_CSV, "x.csv",
	    "{\"header\": false, \"columns\": {\"source.ip\": 2, "
	    "\"time.source\": 1, \"classification.type\": 3}}",
	    "2026-12-01 00:00:00,192.0.2.1,scanner\n", &errs, &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(ev, "\"type\":\"scanner\""));
	free(errs);
	free(ev);
}

static void
test_dedup_key(void **state)
{
	struct px_event *a = px_malloc(sizeof(*a)), *b = px_malloc(sizeof(*b));

	(void)state;
	px_event_reset(a);
	a->type = PX_EVT_INFECTED_SYSTEM;
	assert_int_equal(px_ev_parse_ip(&a->src.ip, "192.0.2.1", 9, "ip"), 0);
	a->t_source = INT64_C(1796119207000);
	px_event_copy(b, a);
	assert_true(px_event_dedup_key(a) == px_event_dedup_key(b));
	/* Later the same day: the same key; the next day: another. */
	b->t_source += 3600 * 1000;
	assert_true(px_event_dedup_key(a) == px_event_dedup_key(b));
	b->t_source += 86400 * 1000;
	assert_true(px_event_dedup_key(a) != px_event_dedup_key(b));
	/* A C2 server's bucket is seven days. */
	a->type = b->type = PX_EVT_C2_SERVER;
	b->t_source = a->t_source + 86400 * 1000;
	assert_int_equal(px_event_bucket(a), px_event_bucket(b));
	b->src.port = 80;
	assert_true(px_event_dedup_key(a) != px_event_dedup_key(b));
	free(a);
	free(b);
}

static int
count_rec(const struct px_rir_record *r, void *arg)
{
	char lo[46], hi[46];

	px_addr_format(lo, &r->lo);
	px_addr_format(hi, &r->hi);
	px_buf_putf(arg, "%u %s %d %s %s %u %u\n", r->line, r->cc, r->type, lo,
	    hi, r->asn_lo, r->asn_hi);
	return 0;
}

static void
test_rir(void **state)
{
	const char *f = "# comment\n"
	                "2|ripencc|20261201|4|19830705|20261130|+0100\n"
	                "ripencc|*|ipv4|*|2|summary\n"
	                "ripencc|DE|ipv4|192.0.2.0|768|20100101|allocated\n"
	                "ripencc|ZZ|ipv4|198.51.100.0|256||available\n"
	                "ripencc|at|ipv6|2001:db8::|32|20100101|allocated|x|e\n"
	                "ripencc|DE|asn|64500|16|20100101|assigned\n";
	struct px_rir_header h;
	struct px_buf b;

	(void)state;
	px_buf_init(&b, PX_BUF_NOCAP);
	assert_int_equal(px_rir_parse(f, strlen(f), &h, count_rec, &b, "f"), 0);
	assert_string_equal(h.registry, "ripencc");
	assert_string_equal(h.serial, "20261201");
	assert_int_equal(h.delegated, 3);
	assert_int_equal(h.skipped, 1);
	assert_string_equal(b.data,
	    "4 DE 1 192.0.2.0 192.0.4.255 0 0\n"
	    "6 AT 2 2001:db8:: 2001:db8:ffff:ffff:ffff:ffff:ffff:ffff 0 0\n"
	    "7 DE 0   64500 64515\n");
	{
		const char *g = "2|arin|1|1\narin|US|ipv4|255.255.255.0|512|x|"
		                "allocated\n";

		assert_int_equal(
		    px_rir_parse(g, strlen(g), &h, NULL, NULL, "f"), PX_EINVAL);
	}
	assert_non_null(strstr(px_error_last(), "f line 2"));
	{
		const char *g = "arin|US|ipv4|1.0.0.0|1|x|allocated\n";

		assert_int_equal(
		    px_rir_parse(g, strlen(g), &h, NULL, NULL, "g"), PX_EINVAL);
	}
	assert_non_null(strstr(px_error_last(), "version line"));
	{
		const char *g = "2|arin|1|1\narin|US|ipv6|2001:db8::1|32|x|"
		                "allocated\n";

		assert_int_equal(
		    px_rir_parse(g, strlen(g), &h, NULL, NULL, "f"), PX_EINVAL);
	}
	px_buf_dispose(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_records),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_shadowserver),
		cmocka_unit_test(test_intelmq),
		cmocka_unit_test(test_xarf_samples),
		cmocka_unit_test(test_csvmap),
		cmocka_unit_test(test_dedup_key),
		cmocka_unit_test(test_rir),
	};

	if (px_crypto_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
