/*
 * Creating and opening a node directory, and the node's own card.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger/note.h"
#include "model/canon.h"
#include "model/ladder.h"
#include "model/message.h"
#include "model/routing.h"
#include "node/node.h"
#include "notify/smtp.h"
#include "util/util.h"

static const char conf_template[] =
    "# parley node configuration.\n"
    "# Lines are `key = value`; `[section]` and `[section \"name\"]` start\n"
    "# sections; lines starting with # or ; are comments.  See docs/cli.md.\n"
    "# After editing, run `parley card` and send the new card to your "
    "peers.\n"
    "\n"
    "# This node's name as peers know it (lowercase, DNS-style).\n"
    "name = %s\n"
    "\n"
    "# The https:// URL where peers reach this node (used by `parley "
    "serve`).\n"
    "# Leave empty for a node that exchanges bundles offline only.\n"
    "url = %s\n"
    "\n"
    "# Address and port `parley serve` listens on.\n"
    "listen = %s\n"
    "\n"
    "# IANA time zone of the duty desk: local times and business hours.\n"
    "timezone = %s\n"
    "\n"
    "# Working languages, preferred first (BCP 47 tags).\n"
    "languages = %s\n"
    "\n"
    "# This node's part: party (one side of the exchange) or verifier (a\n"
    "# neutral verifier both parties enrolled; docs/attribution.md).\n"
    "role = %s\n"
    "\n"
    "# Evidence offered by peers (docs/evidence.md): the largest item taken,\n"
    "# the media types taken (* for any; type/* for a family), those held\n"
    "# apart once verified, the disk kept free, and whether the policy\n"
    "# accepts by itself (no: an operator runs parley evidence accept).\n"
    "[evidence]\n"
    "#max_item = 4G\n"
    "#media_types = *\n"
    "#quarantine_types = application/x-dosexec\n"
    "#min_free = 1G\n"
    "#auto_accept = yes\n"
    "\n"
    "[hours]\n"
    "# Business-hour deadlines owed by this node count only these hours,\n"
    "# in `timezone`.  Days: a range like Mon-Fri or a list like "
    "Sun,Mon,Tue.\n"
    "days = Mon-Fri\n"
    "time = 09:00-17:00\n"
    "# Public holidays, YYYY-MM-DD separated by commas.\n"
    "holidays =\n"
    "\n"
    "# The SMTP relay that e-mail notifications go through (docs/notify.md).\n"
    "# While host is empty no e-mail is sent; `parley notify list` shows\n"
    "# what could not go out.\n"
    "[smtp]\n"
    "host =\n"
    "#port = 25\n"
    "#from = parley@%s\n"
    "#user =\n"
    "#password =\n"
    "# yes: STARTTLS with a certificate the system trusts, or no mail.\n"
    "#starttls = no\n"
    "# Seconds for the whole exchange with the relay.\n"
    "#timeout = 30\n"
    "\n"
    "# The constituency this node answers for, published in its card: peers\n"
    "# route feed events here by it (docs/routing.md).  Countries are ISO\n"
    "# 3166 codes; AS numbers and networks are more specific; own_* are the\n"
    "# organisation's own (TLP:AMBER+STRICT events go only there).\n"
    "[constituency]\n"
    "countries =\n"
    "#asns = AS64500, AS64510-AS64519\n"
    "#networks = 192.0.2.0/24, 2001:db8::/32\n"
    "#own_asns =\n"
    "#own_networks =\n"
    "\n"
    "# Routine sharing of feed events (docs/feeds.md).\n"
    "[feeds]\n"
    "# TLP of events whose feed gives none.\n"
    "#tlp = amber\n"
    "# Aggregation interval, and the one for critical events.\n"
    "#interval = 24h\n"
    "#critical_interval = 1h\n"
    "# The daily digest's cut-off, UTC.\n"
    "#cutoff = 00:00\n"
    "# Classification types routed by their destination, not source.\n"
    "#destination =\n"
    "# A case is resolved when none of its hosts was seen for this many\n"
    "# days; hosts still seen this many days after first are persistent.\n"
    "#expire_days = 7\n"
    "#persistent_days = 3\n"
    "# The directory `parley serve` watches for feed files.\n"
    "#spool = spool\n"
    "\n"
    "# Points of contact published in the card.  role is one of technical,\n"
    "# policy, law-enforcement; channels: email, phone, webhook.\n"
    "[contact \"duty\"]\n"
    "role = technical\n"
    "name = Duty officer\n"
    "email = %s\n"
    "hours = 24x7\n"
    "#phone = +1 555 0100\n"
    "#webhook = https://pager.example/hook\n"
    "# Signs the webhook's POSTs (X-Parley-Signature); stays in this file,\n"
    "# never published in the card.\n"
    "#webhook_secret =\n"
    "\n"
    "# Alerts on arrival (docs/desk.md): a new case from a peer (new), or\n"
    "# an answer we were waiting for (answer), is told to the case's\n"
    "# assignee and watchers, else to whoever is on duty.  Each rule lists\n"
    "# the priorities that alert (P1 P2 ...), all or none; [alert \"KIND\"]\n"
    "# (report, request, hotline, inject) overrides [alert].  Unset: new\n"
    "# and answer for every report, request and inject; a hotline's\n"
    "# answers only (its arrival is paged by the roster walk).\n"
    "#[alert]\n"
    "#new = all\n"
    "#answer = all\n"
    "#[alert \"report\"]\n"
    "#new = P1 P2\n";

static int check_contacts(const struct px_conf *c);

/* A constituency typo in parley.conf is reported when the node opens. */
static int
check_constituency(const struct px_conf *c)
{
	json_t *o = px_node_constituency(c);
	int rc = o ? px_constituency_check(o, "parley.conf [constituency]") : 0;

	json_decref(o);
	return rc;
}

/* Values written into parley.conf must read back as written. */
static int
check_value(const char *what, const char *v)
{
	for (const char *p = v; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '"' || *p == 0x7f)
			return px_error_set(PX_EINVAL,
			    "%s '%s' contains a quote or a control character",
			    what, v);
	return 0;
}

static int
check_languages(const char *list)
{
	char *copy = px_strdup(list), *save = NULL;
	int rc = 0;

	for (char *t = strtok_r(copy, ", ", &save); t && rc == 0;
	     t = strtok_r(NULL, ", ", &save))
		rc = px_check_lang(t, "--languages");
	free(copy);
	return rc;
}

static char *
path_in(const char *dir, const char *rel)
{
	return px_asprintf("%s/%s", dir, rel);
}

static int
create_private(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return px_error_set(
		    PX_ERR, "cannot create %s: %s", path, strerror(errno));
	close(fd);
	return 0;
}

/* Everything in a node directory is its owner's alone: TLP:RED cases,
 * token hashes, SMTP passwords and webhook secrets live there.  Checked
 * on every open, so a directory copied or restored with the wrong mode
 * is caught before anything is read from it. */
static int
check_private(const char *dir)
{
	static const char *const files[] = { "parley.conf", "parley.db",
		"parley.db-wal", "parley.db-shm" };
	int rc;

	if ((rc = px_path_private(dir, "node directory")) < 0)
		return rc;
	for (size_t i = 0; i < PX_ARRAY_LEN(files); i++) {
		char *f = path_in(dir, files[i]);

		rc = px_path_private(f, "node file");
		free(f);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
px_node_create(const struct px_node_params *p)
{
	char *conf = NULL, *db = NULL, *keys = NULL, *tls = NULL;
	char *skey = NULL, *ckey = NULL, *cert = NULL, *tkey = NULL;
	char *text = NULL, *email = NULL;
	struct px_key k;
	struct px_tz *tz = NULL;
	struct px_store *st = NULL;
	int rc;

	if ((rc = px_check_node_name(p->name, "node name")) < 0)
		return rc;
	if ((rc = px_tz_load(&tz, p->timezone ? p->timezone : "UTC")) < 0)
		return rc;
	px_tz_free(tz);
	if ((p->languages && (rc = check_languages(p->languages)) < 0) ||
	    (rc = check_value("--email", p->email)) < 0 ||
	    (rc = check_value("--url", p->url)) < 0)
		return rc;
	if (p->role && strcmp(p->role, "party") && strcmp(p->role, "verifier"))
		return px_error_set(PX_EINVAL,
		    "--role is party or verifier, not '%s'", p->role);
	if (p->email &&
	    (strchr(p->email, '@') == NULL || strchr(p->email, ' ')))
		return px_error_set(PX_EINVAL,
		    "--email '%s' is not an e-mail address", p->email);
	if (p->url && *p->url && strncmp(p->url, "https://", 8) != 0)
		return px_error_set(PX_EINVAL,
		    "URL '%s' must start with https:// (peers talk TLS only)",
		    p->url);
	conf = path_in(p->dir, "parley.conf");
	db = path_in(p->dir, "parley.db");
	if (px_file_exists(conf) || px_file_exists(db)) {
		rc = px_error_set(PX_ECONFLICT,
		    "%s already holds a node; choose another --dir", p->dir);
		goto out;
	}
	keys = path_in(p->dir, "keys");
	tls = path_in(p->dir, "tls");
	/* An existing directory keeps its mode through mkdir: an empty one
	 * (made for the node) is closed to others here; one that already
	 * holds other files and is open to others is refused rather than
	 * changed under its owner. */
	if (px_dir_empty(p->dir) && chmod(p->dir, 0700) < 0) {
		rc = px_error_set(PX_ERR, "cannot restrict %s to its owner: %s",
		    p->dir, strerror(errno));
		goto out;
	}
	if ((rc = px_path_private(p->dir, "node directory")) < 0)
		goto out;
	if ((rc = px_mkdir_p(p->dir, 0700)) < 0 ||
	    (rc = px_mkdir_p(keys, 0700)) < 0 ||
	    (rc = px_mkdir_p(tls, 0700)) < 0)
		goto out;
	skey = path_in(p->dir, "keys/sign.key");
	ckey = path_in(p->dir, "keys/cosign.key");
	px_key_generate(&k);
	rc = px_key_save(&k, skey);
	px_key_dispose(&k);
	if (rc < 0)
		goto out;
	px_key_generate(&k);
	rc = px_key_save(&k, ckey);
	px_key_dispose(&k);
	if (rc < 0)
		goto out;
	cert = path_in(p->dir, "tls/cert.pem");
	tkey = path_in(p->dir, "tls/key.pem");
	if ((rc = px_tls_generate(cert, tkey, p->name, 3650)) < 0)
		goto out;
	email =
	    p->email ? px_strdup(p->email) : px_asprintf("duty@%s", p->name);
	text = px_asprintf(conf_template, p->name, p->url ? p->url : "",
	    p->listen ? p->listen : "127.0.0.1:8443",
	    p->timezone ? p->timezone : "UTC",
	    p->languages ? p->languages : "en", p->role ? p->role : "party",
	    p->name, email);
	if ((rc = px_file_write(conf, text, strlen(text), 0600)) < 0)
		goto out;
	/* SQLite creates the database (and later its -wal and -shm files,
	 * which copy the database's mode) with the umask's mode: create it
	 * first, for the owner only. */
	if ((rc = create_private(db)) < 0)
		goto out;
	rc = px_store_open_sqlite(&st, db, true);
	px_store_close(st);
out:
	free(conf);
	free(db);
	free(keys);
	free(tls);
	free(skey);
	free(ckey);
	free(cert);
	free(tkey);
	free(text);
	free(email);
	return rc;
}

static int
load_calendar(struct px_calendar *cal, const struct px_tz *tz, const char *days,
    const char *time, const char *holidays)
{
	int rc = 0;

	px_calendar_init(cal, tz);
	if (days && *days && (rc = px_calendar_set_workdays(cal, days)) < 0)
		return rc;
	if (time && *time && (rc = px_calendar_set_hours(cal, time)) < 0)
		return rc;
	if (holidays && (rc = px_calendar_set_holidays(cal, holidays)) < 0)
		return rc;
	return 0;
}

/* Which parley.conf a handle read: inode, size and modification time
 * (0s when it cannot be read). */
static void
conf_identity(const char *path, int64_t *ino, int64_t *size, int64_t *mtime)
{
	struct stat st;

	*ino = *size = *mtime = 0;
	if (stat(path, &st) == 0) {
		*ino = (int64_t)st.st_ino;
		*size = (int64_t)st.st_size;
		*mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 +
		    st.st_mtim.tv_nsec;
	}
}

/* Whether parley.conf is still the file this handle read. */
static bool
conf_current(const struct px_node *n)
{
	char *p = path_in(n->dir, "parley.conf");
	int64_t ino, size, mtime;

	conf_identity(p, &ino, &size, &mtime);
	free(p);
	return ino == n->conf_ino && size == n->conf_size &&
	    mtime == n->conf_mtime_ns;
}

int
px_node_open(struct px_node **out, const char *dir)
{
	struct px_node *n = px_calloc(1, sizeof(*n));
	char *p = NULL;
	int rc;

	if (dir == NULL) {
		rc = px_error_set(PX_EINVAL,
		    "no node directory: give --dir DIR or set PARLEY_DIR "
		    "(create one with 'parley init')");
		goto fail;
	}
	n->dir = px_strdup(dir);
	p = path_in(dir, "parley.conf");
	if (px_file_exists(p) && (rc = check_private(dir)) < 0)
		goto fail;
	conf_identity(p, &n->conf_ino, &n->conf_size, &n->conf_mtime_ns);
	if ((rc = px_conf_load(&n->conf, p)) < 0) {
		if (rc == PX_ENOTFOUND)
			px_error_set(PX_ENOTFOUND,
			    "%s is not a parley node directory (no "
			    "parley.conf); create one with 'parley init'",
			    dir);
		goto fail;
	}
	n->name = px_conf_get(&n->conf, "", NULL, "name");
	if ((rc = px_check_node_name(n->name, "parley.conf: name")) < 0)
		goto fail;
	if ((rc = px_tz_load(&n->tz,
	         px_conf_get(&n->conf, "", NULL, "timezone") ?: "UTC")) < 0) {
		px_error_prefix("parley.conf: timezone");
		goto fail;
	}
	if ((rc = load_calendar(&n->cal, n->tz,
	         px_conf_get(&n->conf, "hours", NULL, "days"),
	         px_conf_get(&n->conf, "hours", NULL, "time"),
	         px_conf_get(&n->conf, "hours", NULL, "holidays"))) < 0) {
		px_error_prefix("parley.conf [hours]");
		goto fail;
	}
	if ((rc = check_contacts(&n->conf)) < 0 ||
	    (rc = check_constituency(&n->conf)) < 0)
		goto fail;
	{
		const char *role = px_conf_get(&n->conf, "", NULL, "role");

		const char *pub =
		    px_conf_get(&n->conf, "", NULL, "publish_actor");

		if (role && *role && strcmp(role, "party") &&
		    strcmp(role, "verifier")) {
			rc = px_error_set(PX_EINVAL,
			    "parley.conf: role is party or verifier, not '%s'",
			    role);
			goto fail;
		}
		if (pub && px_node_publish_actor(&n->conf) < 0) {
			rc = px_error_set(PX_EINVAL,
			    "parley.conf: publish_actor is role, pseudonym, "
			    "name or none, not '%s'",
			    pub);
			goto fail;
		}
	}
	free(p);
	p = path_in(dir, "keys/sign.key");
	if ((rc = px_key_load(&n->sign, p)) < 0)
		goto fail;
	free(p);
	p = path_in(dir, "keys/cosign.key");
	if ((rc = px_key_load(&n->cosign, p)) < 0)
		goto fail;
	free(p);
	p = path_in(dir, "tls/cert.pem");
	if ((rc = px_tls_fingerprint_file(n->tls_fp, p)) < 0)
		goto fail;
	free(p);
	p = path_in(dir, "parley.db");
	if (!px_file_exists(p)) {
		rc = px_error_set(PX_ENOTFOUND, "store %s is missing", p);
		goto fail;
	}
	if ((rc = px_store_open_sqlite(&n->store, p, false)) < 0)
		goto fail;
	free(p);
	*out = n;
	return 0;
fail:
	free(p);
	px_node_free(n);
	return rc;
}

void
px_node_free(struct px_node *n)
{
	if (n == NULL)
		return;
	px_store_close(n->store);
	for (size_t i = 0; i < n->ntzs; i++)
		px_tz_free(n->tzs[i]);
	free(n->tzs);
	json_decref(n->dir_contacts);
	json_decref(n->dir_roster);
	px_calendar_dispose(&n->cal);
	px_tz_free(n->tz);
	px_key_dispose(&n->sign);
	px_key_dispose(&n->cosign);
	px_conf_dispose(&n->conf);
	free(n->actor);
	free(n->actor_role);
	free(n->dir);
	free(n);
}

int
px_node_publish_actor(const struct px_conf *c)
{
	static const char *const names[] = { [PX_PUB_NONE] = "none",
		[PX_PUB_ROLE] = "role",
		[PX_PUB_PSEUDONYM] = "pseudonym",
		[PX_PUB_NAME] = "name" };
	const char *v = px_conf_get(c, "", NULL, "publish_actor");

	if (v == NULL || *v == '\0')
		return PX_PUB_ROLE;
	for (size_t i = 0; i < PX_ARRAY_LEN(names); i++)
		if (strcmp(v, names[i]) == 0)
			return (int)i;
	return -1;
}

void
px_node_act(struct px_node *n, const char *person, const char *role)
{
	free(n->actor);
	free(n->actor_role);
	n->actor = person ? px_strdup(person) : NULL;
	n->actor_role = person ? px_strdup(role ? role : "") : NULL;
}

int
px_node_tz(const struct px_tz **out, struct px_node *n, const char *name)
{
	struct px_tz *tz = NULL;
	int rc;

	for (size_t i = 0; i < n->ntzs; i++)
		if (strcmp(px_tz_name(n->tzs[i]), name) == 0) {
			*out = n->tzs[i];
			return 0;
		}
	if ((rc = px_tz_load(&tz, name)) < 0)
		return rc;
	n->tzs = px_realloc(n->tzs, (n->ntzs + 1) * sizeof(*n->tzs));
	n->tzs[n->ntzs++] = tz;
	*out = tz;
	return 0;
}

/* "zh, en" -> ["zh", "en"] */
static json_t *
split_list(const char *s)
{
	json_t *a = json_array();
	const char *p = s ? s : "";

	while (*p) {
		const char *e;

		while (*p == ' ' || *p == ',')
			p++;
		e = p;
		while (*e && *e != ',' && *e != ' ')
			e++;
		if (e > p) {
			char *item = px_strndup(p, (size_t)(e - p));

			json_array_append_new(a, json_string(item));
			free(item);
		}
		p = e;
	}
	return a;
}

/* A telephone number as a person writes it: an optional leading '+',
 * then digits (4 to 20) with spaces, '-', '.', '(' and ')' between. */
static int
check_phone(const char *sub, const char *v)
{
	size_t digits = 0, n = strlen(v);

	for (size_t i = 0; i < n; i++) {
		if (v[i] >= '0' && v[i] <= '9')
			digits++;
		else if (!(strchr(" -.()", v[i]) || (v[i] == '+' && i == 0)))
			goto bad;
	}
	if (digits >= 4 && digits <= 20 && n <= 40)
		return 0;
bad:
	return px_error_set(PX_EINVAL,
	    "parley.conf [contact \"%s\"] phone: '%s' is not a telephone "
	    "number (expected digits, spaces, '-', '.', '(' and ')', "
	    "optionally after '+', like +1 202 555 0100)",
	    sub, v);
}

/* Contact ids, roles, addresses and the roster are checked when the node
 * opens, so a typo in parley.conf is reported at once, not when a page
 * goes out (and an address cannot carry a mail header of its own). */
static int
check_contacts(const struct px_conf *c)
{
	const char *sub, *v;
	json_t *roster = NULL;
	char what[128];
	int rc;

	for (size_t i = 0; (sub = px_conf_sub(c, "contact", i)) != NULL; i++) {
		if ((rc = px_check_contact_id(sub, "parley.conf [contact]")) <
		    0)
			return rc;
		snprintf(what, sizeof(what),
		    "parley.conf [contact \"%s\"] email: the address", sub);
		if (((v = px_conf_get(c, "contact", sub, "email")) && *v &&
		        (rc = px_mail_address_check(v, what)) < 0) ||
		    ((v = px_conf_get(c, "contact", sub, "phone")) && *v &&
		        (rc = check_phone(sub, v)) < 0))
			return rc;
		v = px_conf_get(c, "contact", sub, "role");
		if (v && *v && strcmp(v, "technical") && strcmp(v, "policy") &&
		    strcmp(v, "law-enforcement"))
			return px_error_set(PX_EINVAL,
			    "parley.conf [contact \"%s\"]: role '%s' is not "
			    "one of technical, policy, law-enforcement",
			    sub, v);
		v = px_conf_get(c, "contact", sub, "principal");
		if (v && *v && strcmp(v, "yes") && strcmp(v, "no"))
			return px_error_set(PX_EINVAL,
			    "parley.conf [contact \"%s\"]: principal must be "
			    "yes or no",
			    sub);
	}
	if ((rc = px_roster_parse(
	         &roster, px_conf_get(c, "roster", NULL, "handover"))) < 0) {
		px_error_prefix("parley.conf [roster] handover");
		return rc;
	}
	for (size_t i = 0; i < json_array_size(roster); i++) {
		const char *who = json_string_value(
		    json_object_get(json_array_get(roster, i), "contact"));

		if (px_conf_get(c, "contact", who, "name") == NULL &&
		    px_conf_get(c, "contact", who, "email") == NULL &&
		    px_conf_get(c, "contact", who, "role") == NULL) {
			rc = px_error_set(PX_EINVAL,
			    "parley.conf [roster] names '%s', which no "
			    "[contact \"%s\"] section describes",
			    who, who);
			json_decref(roster);
			return rc;
		}
	}
	json_decref(roster);
	return 0;
}

/* The constituency published in the card ([constituency] in
 * parley.conf; docs/routing.md), or NULL when none is configured. */
json_t *
px_node_constituency(const struct px_conf *c)
{
	const char *countries =
	    px_conf_get(c, "constituency", NULL, "countries");
	const char *asns = px_conf_get(c, "constituency", NULL, "asns");
	const char *nets = px_conf_get(c, "constituency", NULL, "networks");
	const char *oasns = px_conf_get(c, "constituency", NULL, "own_asns");
	const char *onets =
	    px_conf_get(c, "constituency", NULL, "own_networks");
	json_t *o = json_object(), *own = json_object();

	if (countries && *countries)
		json_object_set_new(o, "countries", split_list(countries));
	if (asns && *asns)
		json_object_set_new(o, "asns", split_list(asns));
	if (nets && *nets)
		json_object_set_new(o, "networks", split_list(nets));
	if (oasns && *oasns)
		json_object_set_new(own, "asns", split_list(oasns));
	if (onets && *onets)
		json_object_set_new(own, "networks", split_list(onets));
	if (json_object_size(own))
		json_object_set_new(o, "own", own);
	else
		json_decref(own);
	if (json_object_size(o) == 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
contacts(const struct px_conf *c)
{
	/* webhook_secret is deliberately not here: it never leaves the
	 * node. */
	static const char *const fields[] = { "role", "name", "title", "email",
		"phone", "webhook", "hours", "timezone", "verified", NULL };
	json_t *a = json_array();
	const char *sub;

	for (size_t i = 0; (sub = px_conf_sub(c, "contact", i)) != NULL; i++) {
		json_t *o = json_object();
		const char *v;

		json_object_set_new(o, "id", json_string(sub));
		if ((v = px_conf_get(c, "contact", sub, "principal")) &&
		    strcmp(v, "yes") == 0)
			json_object_set_new(o, "principal", json_true());

		for (int f = 0; fields[f]; f++)
			if ((v = px_conf_get(c, "contact", sub, fields[f])) &&
			    *v)
				json_object_set_new(
				    o, fields[f], json_string(v));
		if ((v = px_conf_get(c, "contact", sub, "languages")) && *v)
			json_object_set_new(o, "languages", split_list(v));
		if (!json_object_get(o, "name"))
			json_object_set_new(o, "name", json_string(sub));
		if (!json_object_get(o, "role"))
			json_object_set_new(
			    o, "role", json_string("technical"));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *
px_node_languages(const struct px_node *n)
{
	return split_list(px_conf_get(&n->conf, "", NULL, "languages"));
}

/* Wraps a heap string in a JSON string and frees it. */
static json_t *
json_string_nocheck_own(char *s)
{
	json_t *j = json_string(s);

	free(s);
	return j;
}

/* The card's content from config and keys, without version and time. */
static json_t *
card_content(struct px_node *n)
{
	const struct px_conf *c = &n->conf;
	char *sign = px_b64_encode(n->sign.pk, PX_PUBKEY_LEN);
	char *cosign = px_b64_encode(n->cosign.pk, PX_PUBKEY_LEN);
	const char *url = px_conf_get(c, "", NULL, "url");
	const char *days, *time;
	json_t *hours, *o;

	days = px_conf_get(c, "hours", NULL, "days");
	time = px_conf_get(c, "hours", NULL, "time");
	hours = json_pack("{ssss}", "days", days && *days ? days : "Mon-Fri",
	    "time", time && *time ? time : "09:00-17:00");
	json_object_set_new(hours, "holidays",
	    split_list(px_conf_get(c, "hours", NULL, "holidays")));
	o = json_pack("{sisssssss{ssss}sssoso}", "v", 1, "name", n->name, "url",
	    url ? url : "", "tls", n->tls_fp, "keys", "sign", sign, "cosign",
	    cosign, "timezone", px_tz_name(n->tz), "languages",
	    px_node_languages(n), "hours", hours);
	json_object_set_new(o, "contacts", contacts(c));
	/* A neutral verifier says so on its card (docs/attribution.md);
	 * a party's card has no role, as before. */
	{
		const char *role = px_conf_get(c, "", NULL, "role");

		if (role && strcmp(role, "verifier") == 0)
			json_object_set_new(o, "role", json_string(role));
	}
	{
		json_t *cons = px_node_constituency(c);

		if (cons)
			json_object_set_new(o, "constituency", cons);
	}
	{
		json_t *roster = NULL;

		/* Checked when the node opened. */
		if (px_roster_parse(&roster,
		        px_conf_get(c, "roster", NULL, "handover")) < 0)
			roster = json_array();
		json_object_set_new(o, "roster", roster);
	}
	json_object_set_new(o, "log_key",
	    json_string_nocheck_own(px_vkey_format(n->name, 0x01, n->sign.pk)));
	json_object_set_new(o, "witness_key",
	    json_string_nocheck_own(
	        px_vkey_format(n->name, 0x04, n->cosign.pk)));
	free(sign);
	free(cosign);
	return o;
}

int
px_node_card(json_t **out, struct px_node *n)
{
	json_t *content = card_content(n), *old = NULL, *env = NULL;
	char *stored = NULL, *a = NULL, *b = NULL;
	char tm[PX_TIME_STRLEN];
	int64_t version = 1;
	int rc;

	if (PX_STORE_CALL(n->store, meta_get, "card", &stored) == 0 &&
	    px_json_parse(&old, stored, strlen(stored), PX_CARD_MAX_BYTES,
	        "stored card") == 0) {
		json_t *oc = json_deep_copy(json_object_get(old, "card"));

		version = json_integer_value(json_object_get(oc, "version"));
		json_object_del(oc, "version");
		json_object_del(oc, "issued");
		a = px_canon_string(oc);
		b = px_canon_string(content);
		json_decref(oc);
		/* The same content, or a handle older than parley.conf (it
		 * was rewritten since this handle read it: another process
		 * has signed or will sign the card from the file as it is
		 * now, and signing the old settings at a higher version
		 * would undo that publish). */
		if ((a && b && strcmp(a, b) == 0) || !conf_current(n)) {
			*out = json_incref(old);
			rc = 0;
			goto out;
		}
		version++;
	}
	px_time_format(tm, px_time_now_ms());
	json_object_set_new(content, "version", json_integer(version));
	json_object_set_new(content, "issued", json_string(tm));
	if ((rc = px_card_sign(&env, content, &n->sign)) < 0)
		goto out;
	free(stored);
	if ((stored = px_canon_string(env)) == NULL) {
		rc = PX_ERR;
		goto out;
	}
	if ((rc = PX_STORE_CALL(n->store, meta_set, "card", stored)) < 0)
		goto out;
	*out = env;
	env = NULL;
out:
	json_decref(content);
	json_decref(old);
	json_decref(env);
	free(stored);
	free(a);
	free(b);
	return rc;
}

bool
px_node_is_verifier(const struct px_node *n)
{
	const char *role = px_conf_get(&n->conf, "", NULL, "role");

	return role && strcmp(role, "verifier") == 0;
}
