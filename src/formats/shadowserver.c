/*
 * Shadowserver report CSV.
 *
 * The report type is in the file name Shadowserver gives each download
 * ("2026-12-01-event4_sinkhole-germany-geo.csv": date, report name,
 * filter), and the columns are named in the header by the names
 * Shadowserver publishes for each report.  Five families are mapped (the
 * columns each reads are in docs/feeds.md); any other column of a row
 * becomes an extra, within the event's bound.
 *
 *   sinkhole             event4_sinkhole, event6_sinkhole,
 *                        event4_sinkhole_http, event4_microsoft_sinkhole*:
 *                        infected systems talking to a sinkholed C2
 *   scan                 scan_<service>, scan6_<service>: accessible
 *                        services (amplifiers for the UDP reflectors)
 *   compromised-website  compromised_website
 *   phishing             any report name with "phish"
 *   blocklist            blocklist
 */
#include <strings.h>

#include "formats/decoder.h"
#include "util/util.h"

const char *const px_ss_family_names[PX_SS__N] = { "sinkhole", "scan",
	"compromised-website", "phishing", "blocklist" };

struct col {
	const char *name;
	int field;
};

/* Columns every family reads. */
static const struct col common_cols[] = {
	{ "timestamp", PX_F_TIME_SOURCE },
	{ "severity", PX_F_SEVERITY },
	{ "ip", PX_F_SRC_IP },
	{ "asn", PX_F_SRC_ASN },
	{ "geo", PX_F_SRC_CC },
	{ "port", PX_F_SRC_PORT },
	{ "protocol", PX_F_TRANSPORT },
	{ NULL, 0 },
};

static const struct col sinkhole_cols[] = {
	{ "src_ip", PX_F_SRC_IP },
	{ "src_port", PX_F_SRC_PORT },
	{ "src_asn", PX_F_SRC_ASN },
	{ "src_geo", PX_F_SRC_CC },
	{ "dst_ip", PX_F_DST_IP },
	{ "dst_port", PX_F_DST_PORT },
	{ "dst_asn", PX_F_DST_ASN },
	{ "dst_geo", PX_F_DST_CC },
	{ "infection", PX_F_MALWARE },
	{ "http_host", PX_F_DST_FQDN },
	{ "application", PX_F_APPLICATION },
	{ NULL, 0 },
};

static const struct col website_cols[] = {
	{ "http_host", PX_F_SRC_FQDN },
	{ "url", PX_F_SRC_URL_PATH },
	{ "application", PX_F_APPLICATION },
	{ NULL, 0 },
};

static const struct col phish_cols[] = {
	{ "url", PX_F_SRC_URL },
	{ "http_host", PX_F_SRC_FQDN },
	{ "host", PX_F_SRC_FQDN },
	{ NULL, 0 },
};

static const struct col no_cols[] = { { NULL, 0 } };

/* Accessible UDP services that reflect and amplify traffic. */
static const char *const amplifiers[] = { "chargen", "qotd", "ntp",
	"ntpmonitor", "ntp_monitor", "ssdp", "snmp", "mdns", "memcached",
	"cldap", "portmapper", "netbios", "dns", "ubiquiti", "ws_discovery",
	"ard", "coap", "tftp", NULL };

static const struct {
	const struct col *cols;
	int type;
	const char *identifier; /* NULL: from the data */
	/* Columns that must be in the header (any one of each pair). */
	const char *need[3][2];
} families[PX_SS__N] = {
	[PX_SS_SINKHOLE] = { sinkhole_cols, PX_EVT_INFECTED_SYSTEM, NULL,
	    { { "timestamp", NULL }, { "src_ip", "ip" },
	        { "infection", NULL } } },
	[PX_SS_SCAN] = { no_cols, PX_EVT_VULNERABLE_SYSTEM, NULL,
	    { { "timestamp", NULL }, { "ip", NULL }, { NULL, NULL } } },
	[PX_SS_COMPROMISED_WEBSITE] = { website_cols, PX_EVT_SYSTEM_COMPROMISE,
	    "compromised-website",
	    { { "timestamp", NULL }, { "ip", "http_host" }, { NULL, NULL } } },
	[PX_SS_PHISHING] = { phish_cols, PX_EVT_PHISHING, "phishing",
	    { { "timestamp", NULL }, { "url", NULL }, { NULL, NULL } } },
	[PX_SS_BLOCKLIST] = { no_cols, PX_EVT_BLOCKLIST, "blocklisted-ip",
	    { { "timestamp", NULL }, { "ip", NULL }, { NULL, NULL } } },
};

/* The report name in a Shadowserver file name: after the date, up to
 * the filter ("2026-12-01-scan_rdp-asn.csv" gives "scan_rdp"). */
static char *
report_name(const char *path)
{
	const char *b = strrchr(path, '/'), *end;
	size_t n;

	b = b ? b + 1 : path;
	if (strlen(b) > 11 && b[4] == '-' && b[7] == '-' && b[10] == '-' &&
	    b[0] >= '0' && b[0] <= '9')
		b += 11;
	end = b;
	while (*end && *end != '-' && *end != '.')
		end++;
	n = (size_t)(end - b);
	return n ? px_strndup(b, n) : NULL;
}

int
px_ss_open(struct px_decoder *d, const char *name)
{
	char *r = report_name(name);
	int fam = -1;

	if (r == NULL)
		goto unknown;
	if (strstr(r, "sinkhole"))
		fam = PX_SS_SINKHOLE;
	else if (strncmp(r, "scan_", 5) == 0 || strncmp(r, "scan6_", 6) == 0)
		fam = PX_SS_SCAN;
	else if (strstr(r, "compromised_website"))
		fam = PX_SS_COMPROMISED_WEBSITE;
	else if (strstr(r, "phish"))
		fam = PX_SS_PHISHING;
	else if (strstr(r, "blocklist"))
		fam = PX_SS_BLOCKLIST;
	if (fam < 0)
		goto unknown;
	d->family = fam;
	d->report = r;
	if (d->feed == NULL)
		d->feed = px_strdup(r);
	if (d->provider == NULL)
		d->provider = px_strdup("Shadowserver");
	return 0;
unknown : {
	int rc = px_error_set(PX_EINVAL,
	    "'%s' is not a Shadowserver report name this parley maps "
	    "(the name must hold the report type, e.g. "
	    "2026-12-01-event4_sinkhole-de.csv; mapped: *sinkhole*, "
	    "scan_*, compromised_website, *phish*, blocklist)",
	    r ? r : name);

	free(r);
	return rc;
}
}

static int
lookup(const struct col *t, const char *name, size_t n)
{
	for (; t->name; t++)
		if (strlen(t->name) == n && strncasecmp(t->name, name, n) == 0)
			return t->field;
	return -1;
}

static bool
has_col(const struct px_colmap *m, const char *name)
{
	for (size_t i = 0; name && i < m->ncols; i++)
		if (strcasecmp(m->name[i], name) == 0)
			return true;
	return false;
}

static bool
amplifier(const char *svc)
{
	for (const char *const *a = amplifiers; *a; a++)
		if (strcmp(svc, *a) == 0)
			return true;
	return false;
}

int
px_ss_header(struct px_decoder *d)
{
	struct px_colmap *m = &d->map;
	int fam = d->family;

	px_colmap_dispose(m);
	m->extras = true;
	m->ncols = d->csv.nf;
	for (size_t i = 0; i < d->csv.nf; i++) {
		const char *p = d->csv.f[i].p;
		size_t n = d->csv.f[i].n;
		int f;

		while (n && (p[n - 1] == ' ' || p[n - 1] == '\r'))
			n--;
		m->name[i] = px_strndup(p, n);
		for (size_t k = 0; k < i; k++)
			if (strcasecmp(m->name[k], m->name[i]) == 0) {
				m->ncols = i + 1;
				return px_error_set(PX_EINVAL,
				    "the header names column '%s' twice",
				    m->name[i]);
			}
		f = lookup(families[fam].cols, p, n);
		if (f < 0)
			f = lookup(common_cols, p, n);
		m->field[i] = (signed char)(f < 0 ? PX_F_EXTRA : f);
	}
	for (int k = 0; k < 3; k++) {
		const char *a = families[fam].need[k][0];
		const char *b = families[fam].need[k][1];

		if (a && !has_col(m, a) && !has_col(m, b))
			return px_error_set(PX_EINVAL,
			    "this %s report (%s) has no column '%s'%s%s%s: "
			    "the header is not Shadowserver's",
			    px_ss_family_names[fam], d->report, a,
			    b ? " (or '" : "", b ? b : "", b ? "')" : "");
	}
	/* The constants of the family. */
	if (fam == PX_SS_SCAN) {
		const char *svc = strchr(d->report, '_') + 1;
		char id[PX_EV_MAX_NAME];

		snprintf(id, sizeof(id), "accessible-%s", svc);
		for (char *c = id; *c; c++)
			if (*c == '_')
				*c = '-';
		m->cval[PX_F_IDENTIFIER] = px_strdup(id);
		m->cval[PX_F_APPLICATION] = px_strdup(svc);
		m->cval[PX_F_TYPE] = px_strdup(
		    px_ev_types[amplifier(svc) ? PX_EVT_DDOS_AMPLIFIER
		                               : PX_EVT_VULNERABLE_SYSTEM]
		        .name);
	} else {
		m->cval[PX_F_TYPE] =
		    px_strdup(px_ev_types[families[fam].type].name);
		if (families[fam].identifier)
			m->cval[PX_F_IDENTIFIER] =
			    px_strdup(families[fam].identifier);
	}
	if (d->feed == NULL)
		d->feed = px_strdup(d->report);
	if (d->provider == NULL)
		d->provider = px_strdup("Shadowserver");
	return 0;
}
