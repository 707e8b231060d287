/*
 * X-ARF v4 abuse reports (xarf.org; samples and schemas in
 * tests/vectors/xarf/).  One report is one JSON object; a file holds one
 * report, or several one after another (JSON Lines, or simply
 * concatenated).
 *
 * The core members the schema requires are checked (xarf_version 4.x.y,
 * report_id, timestamp, reporter, sender, source_identifier, category,
 * type), and the (category, type) pair is mapped onto a classification
 * type (docs/feeds.md has the table).  source_identifier is an address or
 * a host name.  Known members go to their event member; every other
 * scalar member becomes an extra (arrays of scalars joined with ","),
 * within the event's bound.  Evidence payloads are not copied: only
 * their count is kept, since they may be large and the feed's file is
 * the evidence.
 */
#include "formats/decoder.h"
#include "model/canon.h"
#include "util/util.h"

static const struct {
	const char *category, *type; /* X-ARF names, with '_' */
	int evt;
	const char *identifier; /* default identifier */
} xtypes[] = {
	{ "connection", "ddos", PX_EVT_DDOS, "ddos" },
	{ "connection", "infected_host", PX_EVT_INFECTED_SYSTEM,
	    "infected-host" },
	{ "connection", "login_attack", PX_EVT_BRUTE_FORCE, "login-attack" },
	{ "connection", "port_scan", PX_EVT_SCANNER, "port-scan" },
	{ "connection", "reconnaissance", PX_EVT_SCANNER, "reconnaissance" },
	{ "connection", "scraping", PX_EVT_UNAUTHORIZED_USE_OF_RESOURCES,
	    "scraping" },
	{ "connection", "sql_injection", PX_EVT_EXPLOIT, "sql-injection" },
	{ "connection", "vulnerability_scan", PX_EVT_SCANNER,
	    "vulnerability-scan" },
	{ "content", "brand_infringement", PX_EVT_MASQUERADE,
	    "brand-infringement" },
	{ "content", "csam", PX_EVT_VIOLENCE, "csam" },
	{ "content", "csem", PX_EVT_VIOLENCE, "csem" },
	{ "content", "exposed_data", PX_EVT_DATA_LEAK, "exposed-data" },
	{ "content", "fraud", PX_EVT_MASQUERADE, "fraud" },
	{ "content", "malware", PX_EVT_MALWARE_DISTRIBUTION, "malware" },
	{ "content", "phishing", PX_EVT_PHISHING, "phishing" },
	{ "content", "remote_compromise", PX_EVT_SYSTEM_COMPROMISE,
	    "remote-compromise" },
	{ "content", "suspicious_registration", PX_EVT_MASQUERADE,
	    "suspicious-registration" },
	{ "copyright", "copyright", PX_EVT_COPYRIGHT, "copyright" },
	{ "copyright", "cyberlocker", PX_EVT_COPYRIGHT, "cyberlocker" },
	{ "copyright", "link_site", PX_EVT_COPYRIGHT, "link-site" },
	{ "copyright", "p2p", PX_EVT_COPYRIGHT, "p2p" },
	{ "copyright", "ugc_platform", PX_EVT_COPYRIGHT, "ugc-platform" },
	{ "copyright", "usenet", PX_EVT_COPYRIGHT, "usenet" },
	{ "infrastructure", "botnet", PX_EVT_INFECTED_SYSTEM, "botnet" },
	{ "infrastructure", "compromised_server", PX_EVT_SYSTEM_COMPROMISE,
	    "compromised-server" },
	{ "messaging", "bulk_messaging", PX_EVT_SPAM, "bulk-messaging" },
	{ "messaging", "spam", PX_EVT_SPAM, "spam" },
	{ "reputation", "blocklist", PX_EVT_BLOCKLIST, "blocklist" },
	{ "reputation", "threat_intelligence", PX_EVT_OTHER,
	    "threat-intelligence" },
	{ "vulnerability", "cve", PX_EVT_VULNERABLE_SYSTEM, "cve" },
	{ "vulnerability", "misconfiguration", PX_EVT_VULNERABLE_SYSTEM,
	    "misconfiguration" },
	{ "vulnerability", "open_service",
	    PX_EVT_POTENTIALLY_UNWANTED_ACCESSIBLE, "open-service" },
};

/* Members read into event members, or deliberately not kept. */
static const struct {
	const char *name;
	int field; /* PX_F_IGNORE: handled elsewhere or not kept */
} known[] = {
	{ "xarf_version", PX_F_IGNORE },
	{ "category", PX_F_IGNORE },
	{ "type", PX_F_IGNORE },
	{ "reporter", PX_F_IGNORE },
	{ "sender", PX_F_IGNORE },
	{ "evidence", PX_F_IGNORE },
	{ "source_identifier", PX_F_IGNORE },
	{ "protocol", PX_F_IGNORE },
	{ "cve_id", PX_F_IGNORE },
	{ "geographic_location", PX_F_IGNORE },
	{ "timestamp", PX_F_TIME_SOURCE },
	{ "source_port", PX_F_SRC_PORT },
	{ "destination_ip", PX_F_DST_IP },
	{ "destination_port", PX_F_DST_PORT },
	{ "url", PX_F_SRC_URL },
	{ "infringing_url", PX_F_SRC_URL },
	{ "target_url", PX_F_DST_URL },
	{ "malware_family", PX_F_MALWARE },
	{ "asn", PX_F_SRC_ASN },
	{ "severity", PX_F_SEVERITY },
};

/* The text of a scalar (a number as JSON writes it); NULL for others. */
static const char *
scalar(const json_t *v, char *buf, size_t n)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_real(v)) {
		snprintf(buf, n, "%.15g", json_real_value(v));
		return buf;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	return NULL;
}

static int
need_str(const char **out, const json_t *o, const char *k)
{
	*out = json_string_value(json_object_get(o, k));
	if (*out == NULL || **out == '\0')
		return px_error_set(PX_EINVAL,
		    "the X-ARF report has no '%s' (a required member)", k);
	return 0;
}

static void
underscored(char *out, size_t n, const char *s)
{
	size_t i = 0;

	for (; s[i] && i + 1 < n; i++)
		out[i] = s[i] == '-' ? '_' : s[i];
	out[i] = '\0';
}

static int
extra_from(struct px_event *e, const char *k, const json_t *v)
{
	char num[64];
	const char *s;

	if (json_is_array(v)) {
		struct px_buf b;
		size_t i;
		const json_t *x;
		int rc;

		px_buf_init(&b, PX_EV_MAX_VALUE);
		json_array_foreach(v, i, x)
		{
			if ((s = scalar(x, num, sizeof(num))) == NULL)
				continue;
			if ((b.len && px_buf_addc(&b, ',') < 0) ||
			    px_buf_adds(&b, s) < 0) {
				/* Too long for one extra: the start of it
				 * is kept. */
				break;
			}
		}
		rc = b.len ? px_event_extra(e, k, strlen(k), b.data, b.len) : 0;
		px_buf_dispose(&b);
		return rc;
	}
	if ((s = scalar(v, num, sizeof(num))) == NULL)
		return 0;
	return px_event_extra(e, k, strlen(k), s,
	    strlen(s) > PX_EV_MAX_VALUE ? PX_EV_MAX_VALUE : strlen(s));
}

int
px_xarf_record(
    struct px_decoder *d, const char *rec, size_t n, struct px_event *e)
{
	json_t *j = NULL, *v;
	const char *ver, *id, *cat, *typ, *src, *k, *s;
	char c1[64], t1[64], num[64];
	int rc, x = -1;

	(void)d;
	if ((rc = px_json_parse(&j, rec, n, PX_CSV_MAX_RECORD, "report")) < 0)
		return rc;
	if (!json_is_object(j)) {
		rc = px_error_set(
		    PX_EINVAL, "an X-ARF report must be a JSON object");
		goto out;
	}
	if ((rc = need_str(&ver, j, "xarf_version")) < 0 ||
	    (rc = need_str(&id, j, "report_id")) < 0 ||
	    (rc = need_str(&s, j, "timestamp")) < 0 ||
	    (rc = need_str(&src, j, "source_identifier")) < 0 ||
	    (rc = need_str(&cat, j, "category")) < 0 ||
	    (rc = need_str(&typ, j, "type")) < 0)
		goto out;
	if (ver[0] != '4' || ver[1] != '.') {
		rc = px_error_set(PX_EINVAL,
		    "xarf_version '%s' is not 4.x.y (parley reads X-ARF v4)",
		    ver);
		goto out;
	}
	if (!json_is_object(json_object_get(j, "reporter")) ||
	    !json_is_object(json_object_get(j, "sender"))) {
		rc = px_error_set(PX_EINVAL,
		    "the X-ARF report has no 'reporter' or 'sender' object "
		    "(required members)");
		goto out;
	}
	underscored(c1, sizeof(c1), cat);
	underscored(t1, sizeof(t1), typ);
	for (size_t i = 0; i < PX_ARRAY_LEN(xtypes); i++)
		if (strcmp(xtypes[i].category, c1) == 0 &&
		    strcmp(xtypes[i].type, t1) == 0)
			x = (int)i;
	if (x < 0) {
		rc = px_error_set(PX_EINVAL,
		    "X-ARF category '%s' type '%s' is not one parley maps "
		    "(docs/feeds.md lists them)",
		    cat, typ);
		goto out;
	}
	e->type = xtypes[x].evt;
	/* The source: an address, else a host name. */
	if (px_ev_parse_ip(&e->src.ip, src, strlen(src), "source_identifier") <
	    0) {
		memset(&e->src.ip, 0, sizeof(e->src.ip));
		if ((rc = px_ev_parse_fqdn(e, &e->src.fqdn, src, strlen(src),
		         "source_identifier")) < 0) {
			rc = px_error_set(PX_EINVAL,
			    "source_identifier '%.80s' is neither an IP "
			    "address nor a host name",
			    src);
			goto out;
		}
	}
	if ((s = json_string_value(json_object_get(j, "protocol"))) != NULL &&
	    *s &&
	    (rc = px_event_set(e,
	         strcmp(s, "tcp") == 0 || strcmp(s, "udp") == 0 ||
	                 strcmp(s, "icmp") == 0 || strcmp(s, "sctp") == 0
	             ? PX_F_TRANSPORT
	             : PX_F_APPLICATION,
	         s, strlen(s), "protocol")) < 0)
		goto out;
	if ((s = json_string_value(
	         json_object_get(j, "geographic_location"))) &&
	    strlen(s) == 2 &&
	    (rc = px_event_set(e, PX_F_SRC_CC, s, 2, "geographic_location")) <
	        0)
		goto out;
	if ((s = json_string_value(
	         json_object_get(json_object_get(j, "reporter"), "org"))) &&
	    *s &&
	    (rc = px_event_str(e, &e->provider, s, strlen(s), PX_EV_MAX_NAME,
	         "reporter.org")) < 0)
		goto out;
	json_object_foreach(j, k, v)
	{
		int f = -2;

		for (size_t i = 0; i < PX_ARRAY_LEN(known); i++)
			if (strcmp(known[i].name, k) == 0)
				f = known[i].field;
		if (f == PX_F_IGNORE)
			continue;
		if (f >= 0) {
			if ((s = scalar(v, num, sizeof(num))) == NULL) {
				rc = px_error_set(PX_EINVAL,
				    "'%s' must be a string or a number", k);
				goto out;
			}
			if ((rc = px_event_set(e, f, s, strlen(s), k)) < 0)
				goto out;
			continue;
		}
		if (strlen(k) > PX_EV_MAX_KEY)
			continue;
		if ((rc = extra_from(e, k, v)) < 0)
			goto out;
	}
	if ((v = json_object_get(j, "evidence")) && json_is_array(v)) {
		snprintf(num, sizeof(num), "%zu", json_array_size(v));
		if ((rc = px_event_extra(
		         e, "evidence_items", 14, num, strlen(num))) < 0)
			goto out;
	}
	/* The identifier: the CVE, the malware family, or the X-ARF type. */
	s = json_string_value(json_object_get(j, "cve_id"));
	if (s == NULL || *s == '\0')
		s = e->malware;
	if (s == NULL)
		s = xtypes[x].identifier;
	if ((rc = px_event_str(e, &e->identifier, s, strlen(s), PX_EV_MAX_NAME,
	         "identifier")) < 0)
		goto out;
	rc = 0;
out:
	json_decref(j);
	return rc;
}
