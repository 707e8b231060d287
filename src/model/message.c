/*
 * Message construction and validation.  Validation is strict: unknown
 * members are refused, every value is checked against its type, and
 * identifiers and times must be in their one canonical spelling, so that
 * two honest implementations can never disagree about what was signed.
 */
#include "model/agreement.h"
#include "model/attrib.h"
#include "model/canon.h"
#include "model/complete.h"
#include "model/evidence.h"
#include "model/feedmsg.h"
#include "model/message.h"
#include "model/observable.h"
#include "util/util.h"

static const char *const msg_members[] = { "v", "id", "case", "type", "from",
	"to", "seq", "prev", "time", "body", NULL };

int
px_check_lang(const char *s, const char *what)
{
	size_t run = 0, n = s ? strlen(s) : 0, i;

	if (n < 2 || n > 35)
		goto bad;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '-') {
			if (run == 0 || i == n - 1)
				goto bad;
			run = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9')))
			goto bad;
		if (++run > 8)
			goto bad;
	}
	return 0;
bad:
	return px_error_set(PX_EINVAL,
	    "%s: '%s' is not a language tag (expected e.g. en, zh-Hans)", what,
	    s ? s : "");
}

json_t *
px_text_new(const char *value, const char *lang, const char *tr_value,
    const char *tr_lang, const char *tr_by)
{
	json_t *t =
	    json_pack("{ssss}", "lang", lang ? lang : "en", "value", value);

	if (tr_value)
		json_object_set_new(t, "translation",
		    json_pack("{ssssss}", "by", tr_by ? tr_by : "human", "lang",
		        tr_lang ? tr_lang : "en", "value", tr_value));
	return t;
}

int
px_check_printable(const char *s, bool multiline, const char *what)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; p[i]; i++) {
		unsigned c = p[i];

		if ((c < 0x20 && !(multiline && (c == '\n' || c == '\t'))) ||
		    c == 0x7f ||
		    (c == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f))
			return px_error_set(PX_EINVAL,
			    "%s contains a control character (byte %zu): "
			    "only printable text%s is allowed",
			    what, i + 1,
			    multiline ? ", newlines and tabs" : "");
	}
	return 0;
}

int
px_check_text(const json_t *t, const char *what)
{
	static const char *const mem[] = { "lang", "value", "translation",
		NULL };
	static const char *const trmem[] = { "lang", "value", "by", NULL };
	const char *lang, *value, *by;
	const json_t *tr;
	int rc;

	if ((rc = px_j_only(t, mem, what)) < 0 ||
	    (rc = px_j_str(&lang, t, "lang", 35, what)) < 0 ||
	    (rc = px_check_lang(lang, what)) < 0 ||
	    (rc = px_j_chars(&value, t, "value", PX_TEXT_MAX, what)) < 0 ||
	    (rc = px_check_printable(value, true, what)) < 0)
		return rc;
	if ((tr = json_object_get(t, "translation")) == NULL)
		return 0;
	if ((rc = px_j_only(tr, trmem, "translation")) < 0 ||
	    (rc = px_j_str(&lang, tr, "lang", 35, "translation")) < 0 ||
	    (rc = px_check_lang(lang, "translation")) < 0 ||
	    (rc = px_j_chars(&value, tr, "value", PX_TEXT_MAX, "translation")) <
	        0 ||
	    (rc = px_check_printable(value, true, "translation")) < 0 ||
	    (rc = px_j_str(&by, tr, "by", 16, "translation")) < 0)
		return rc;
	if (strcmp(by, "human") != 0 && strcmp(by, "machine") != 0)
		return px_error_set(PX_EINVAL,
		    "translation: 'by' must be human or machine, not '%s'", by);
	return 0;
}

static int
check_observables(const json_t *a)
{
	size_t i;
	const json_t *o;

	if (!json_is_array(a))
		return px_error_set(PX_EINVAL,
		    "case: 'observables' must be "
		    "an array");
	if (json_array_size(a) > 10000)
		return px_error_set(
		    PX_EINVAL, "case: more than 10000 observables");
	json_array_foreach(a, i, o)
	{
		static const char *const mem[] = { "type", "value", NULL };
		struct px_observable ob;
		const char *type, *value;
		int rc;

		if ((rc = px_j_only(o, mem, "observable")) < 0 ||
		    (rc = px_j_str(&type, o, "type", 64, "observable")) < 0 ||
		    (rc = px_j_str(&value, o, "value", 4096, "observable")) < 0)
			return rc;
		if ((rc = px_obs_from_wire(&ob, type, value)) < 0) {
			px_error_prefix("observable %zu", i + 1);
			return rc;
		}
		px_obs_dispose(&ob);
	}
	return 0;
}

/* The case header carried by opening messages (report, request). */
/* A link between a forwarded case and the case it came from
 * (docs/interop.md, "Forwarding"): {"case": UUID, NAME_KEY: node, "by":
 * node} in a case header, {"case": UUID, "node": node} in a triage. */
static int
check_link(const json_t *l, const char *what, const char *name_key)
{
	const char *mem[] = { "case", name_key, "by", NULL };
	const char *s;
	int rc;

	if (strcmp(name_key, "node") == 0)
		mem[2] = NULL;
	if (!json_is_object(l))
		return px_error_set(PX_EINVAL, "%s must be an object", what);
	if ((rc = px_j_only(l, mem, what)) < 0 ||
	    (rc = px_j_str(&s, l, "case", 36, what)) < 0)
		return rc;
	if (!px_uuid_valid(s))
		return px_error_set(
		    PX_EINVAL, "%s: case '%s' is not a UUID", what, s);
	for (int i = 1; mem[i]; i++)
		if ((rc = px_j_str(&s, l, mem[i], 253, what)) < 0 ||
		    (rc = px_check_printable(s, false, what)) < 0)
			return rc;
	return 0;
}

static int
check_case_header(const json_t *c, enum px_msg_type type)
{
	static const char *const mem[] = { "kind", "category", "priority",
		"tlp", "title", "request_type", "observables", "agreement",
		"linked", NULL };
	const char *title;
	const json_t *obs;
	int64_t v;
	int kind, x, rc;

	if ((rc = px_j_only(c, mem, "case")) < 0 ||
	    (rc = px_j_enum(
	         &kind, c, "kind", px_kind_names, PX_KIND__N, "case")) < 0 ||
	    (rc = px_j_enum(&x, c, "category", px_category_names, PX_CAT__N,
	         "case")) < 0 ||
	    (rc = px_j_enum(&x, c, "priority", px_priority_names, PX_PRIO__N,
	         "case")) < 0 ||
	    (rc = px_j_enum(&x, c, "tlp", px_tlp_names, PX_TLP__N, "case")) <
	        0 ||
	    (rc = px_j_chars(&title, c, "title", PX_TITLE_MAX, "case")) < 0 ||
	    (rc = px_check_printable(title, false, "case title")) < 0)
		return rc;
	if ((type == PX_MSG_REPORT) !=
	        (kind == PX_KIND_REPORT || kind == PX_KIND_FEED) ||
	    (type == PX_MSG_CHECK) != (kind == PX_KIND_CHECK) ||
	    (type == PX_MSG_PROPOSE) != (kind == PX_KIND_AGREEMENT) ||
	    (type == PX_MSG_EXERCISE) != (kind == PX_KIND_EXERCISE) ||
	    (type == PX_MSG_DISCLOSE || type == PX_MSG_REVIEW) !=
	        (kind == PX_KIND_VERIFICATION))
		return px_error_set(PX_EINVAL,
		    "case: kind '%s' cannot be opened by a '%s' message",
		    px_kind_names[kind].wire, px_msg_type_names[type].wire);
	if (json_object_get(c, "request_type")) {
		if (kind == PX_KIND_REPORT || kind == PX_KIND_FEED)
			return px_error_set(
			    PX_EINVAL, "case: a report has no request_type");
		if ((rc = px_j_enum(&x, c, "request_type",
		         px_request_type_names, PX_RQ__N, "case")) < 0)
			return rc;
	}
	if ((obs = json_object_get(c, "observables")) != NULL &&
	    (rc = check_observables(obs)) < 0)
		return rc;
	if (json_object_get(c, "linked") &&
	    (rc = check_link(
	         json_object_get(c, "linked"), "case: linked", "from")) < 0)
		return rc;
	/* The agreement version the sender held in force (docs/clocks.md);
	 * any value is kept: the receiver says when it differs. */
	if (json_object_get(c, "agreement") &&
	    (rc = px_j_int(&v, c, "agreement", 0, PX_JSON_MAX_INT, "case")) < 0)
		return rc;
	return 0;
}

/* The terms of a proposal are checked for shape only: settings are
 * strings, or objects of strings one level down (the priorities).  What
 * they mean is the agreement model's business (model/accord.h): a
 * receiver keeps terms it cannot read and says so, rather than refuse
 * the message and jam the channel when a newer peer adds a setting. */
static int
check_terms(const json_t *t)
{
	const char *k, *k2;
	const json_t *v, *v2;
	int rc;

	if (!json_is_object(t) || json_object_size(t) > 256)
		return px_error_set(PX_EINVAL,
		    "proposal: 'terms' must be an object of at most 256 "
		    "settings");
	json_object_foreach((json_t *)t, k, v)
	{
		if (json_is_object(v)) {
			if (json_object_size(v) > 64)
				return px_error_set(PX_EINVAL,
				    "proposal: terms '%s' has more than 64 "
				    "settings",
				    k);
			json_object_foreach((json_t *)v, k2, v2)
			{
				if (!json_is_string(v2) ||
				    strlen(json_string_value(v2)) > 1024)
					return px_error_set(PX_EINVAL,
					    "proposal: terms '%s.%s' must be "
					    "a string of at most 1024 bytes",
					    k, k2);
				if ((rc = px_check_printable(
				         json_string_value(v2), false,
				         "proposal terms")) < 0)
					return rc;
			}
			continue;
		}
		if (!json_is_string(v) || strlen(json_string_value(v)) > 1024)
			return px_error_set(PX_EINVAL,
			    "proposal: terms '%s' must be a string of at most "
			    "1024 bytes or an object of strings",
			    k);
		if ((rc = px_check_printable(
		         json_string_value(v), false, "proposal terms")) < 0)
			return rc;
	}
	return 0;
}

/* An agreement proposal: {"version": N, "terms": {...}}. */
static int
check_proposal(const json_t *b)
{
	static const char *const mem[] = { "version", "terms", NULL };
	const json_t *p = json_object_get(b, "proposal");
	int64_t v;
	int rc;

	if (!json_is_object(p))
		return px_error_set(PX_EINVAL,
		    "body: a propose message needs a 'proposal' object");
	if ((rc = px_j_only(p, mem, "proposal")) < 0 ||
	    (rc = px_j_int(&v, p, "version", 1, PX_JSON_MAX_INT, "proposal")) <
	        0)
		return rc;
	return check_terms(json_object_get(p, "terms"));
}

/* An answer to a proposal names the version and the proposal's hash, so
 * the signature binds the exact terms accepted. */
static int
check_answer(const json_t *b)
{
	char h[PX_HASH_HEX];
	int64_t v;
	int rc;

	if ((rc = px_j_int(&v, b, "version", 1, PX_JSON_MAX_INT, "body")) < 0 ||
	    (rc = px_j_hash(h, b, "proposal", "body")) < 0)
		return rc;
	return 0;
}

/* A contact id as in parley.conf's [contact "ID"]: 1-64 of [a-z0-9._-]. */
int
px_check_contact_id(const char *s, const char *what)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 64)
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		        (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		        s[i] == '_' || s[i] == '-'))
			goto bad;
	return 0;
bad:
	return px_error_set(PX_EINVAL,
	    "%s: '%s' is not a contact id (1 to 64 of a-z, 0-9, '.', '_', "
	    "'-')",
	    what, s ? s : "");
}

static bool
str_in(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

/* How one page of a hotline reached its person, as the paging node
 * signs it so that both sides see an undelivered page as undelivered. */
static int
check_delivery(const json_t *d)
{
	static const char *const dmem[] = { "page", "channel", "status",
		"detail", NULL };
	static const char *const chans[] = { "email", "webhook", "phone",
		NULL };
	static const char *const states[] = { "delivered", "retrying", "failed",
		"manual", NULL };
	const char *s;
	char h[PX_HASH_HEX];
	int rc;

	if (!json_is_object(d))
		return px_error_set(PX_EINVAL, "delivery: must be an object");
	if ((rc = px_j_only(d, dmem, "delivery")) < 0 ||
	    (rc = px_j_hash(h, d, "page", "delivery")) < 0 ||
	    (rc = px_j_str(&s, d, "channel", 16, "delivery")) < 0)
		return rc;
	if (!str_in(s, chans))
		return px_error_set(PX_EINVAL,
		    "delivery: channel '%s' is not one of email, webhook, "
		    "phone",
		    s);
	if ((rc = px_j_str(&s, d, "status", 16, "delivery")) < 0)
		return rc;
	if (!str_in(s, states))
		return px_error_set(PX_EINVAL,
		    "delivery: status '%s' is not one of delivered, "
		    "retrying, failed, manual",
		    s);
	if (json_object_get(d, "detail") &&
	    ((rc = px_j_str(&s, d, "detail", 300, "delivery")) < 0 ||
	        (rc = px_check_printable(s, false, "delivery detail")) < 0))
		return rc;
	return 0;
}

/* The agreement's flood cap holding a hotline back (docs/deadlines.md,
 * "Caps"): which rule, its limit, and the count that passed it. */
static int
check_capped(const json_t *d)
{
	static const char *const cmem[] = { "rule", "limit", "count", NULL };
	static const char *const rules[] = { "hotline_open_max",
		"pages_per_hour", NULL };
	const char *s;
	int64_t v;
	int rc;

	if (!json_is_object(d))
		return px_error_set(PX_EINVAL, "capped: must be an object");
	if ((rc = px_j_only(d, cmem, "capped")) < 0 ||
	    (rc = px_j_str(&s, d, "rule", 32, "capped")) < 0)
		return rc;
	if (!str_in(s, rules))
		return px_error_set(PX_EINVAL,
		    "capped: rule '%s' is not hotline_open_max or "
		    "pages_per_hour",
		    s);
	if ((rc = px_j_int(&v, d, "limit", 1, 100000, "capped")) < 0 ||
	    (rc = px_j_int(&v, d, "count", 0, 1000000, "capped")) < 0)
		return rc;
	return 0;
}

/* An escalate message carries one ladder step, one page, one page's
 * delivery, or a cap's hold (or none: a person escalating by hand). */
static int
check_escalate(const json_t *b)
{
	static const char *const mem[] = { "ladder", "page", "delivery",
		"capped", "text", NULL };
	static const char *const lmem[] = { "clock", "level", "notify",
		"deadline", NULL };
	static const char *const pmem[] = { "attempt", "contact", "name",
		"channels", NULL };
	const json_t *l = json_object_get(b, "ladder");
	const json_t *p = json_object_get(b, "page");
	const char *s;
	int64_t v;
	int x, rc;

	if ((rc = px_j_only(b, mem, "body")) < 0)
		return rc;
	if (!!l + !!p + !!json_object_get(b, "delivery") +
	        !!json_object_get(b, "capped") >
	    1)
		return px_error_set(PX_EINVAL,
		    "body: an escalation is one of a ladder step, a page, a "
		    "page's delivery or a cap's hold");
	if (json_object_get(b, "delivery") &&
	    (rc = check_delivery(json_object_get(b, "delivery"))) < 0)
		return rc;
	if (json_object_get(b, "capped") &&
	    (rc = check_capped(json_object_get(b, "capped"))) < 0)
		return rc;
	if (l) {
		if ((rc = px_j_only(l, lmem, "ladder")) < 0 ||
		    (rc = px_j_enum(&x, l, "clock", px_clock_names, PX_CLK__N,
		         "ladder")) < 0 ||
		    (rc = px_j_int(&v, l, "level", 1, 16, "ladder")) < 0 ||
		    (rc = px_j_time(&v, l, "deadline", "ladder")) < 0 ||
		    (rc = px_j_str(&s, l, "notify", 16, "ladder")) < 0)
			return rc;
		if (strcmp(s, "assignee") && strcmp(s, "duty") &&
		    strcmp(s, "principal"))
			return px_error_set(PX_EINVAL,
			    "ladder: notify '%s' is not one of assignee, duty, "
			    "principal",
			    s);
	}
	if (p) {
		const json_t *ch = json_object_get(p, "channels"), *c;
		size_t i;

		if ((rc = px_j_only(p, pmem, "page")) < 0 ||
		    (rc = px_j_int(&v, p, "attempt", 1, 1000, "page")) < 0 ||
		    (rc = px_j_str(&s, p, "contact", 64, "page")) < 0 ||
		    (rc = px_check_contact_id(s, "page")) < 0)
			return rc;
		if (json_object_get(p, "name") &&
		    ((rc = px_j_str(&s, p, "name", 200, "page")) < 0 ||
		        (rc = px_check_printable(s, false, "page name")) < 0))
			return rc;
		if (!json_is_array(ch) || json_array_size(ch) > 3)
			return px_error_set(PX_EINVAL,
			    "page: 'channels' must be an array of email, "
			    "webhook, phone");
		json_array_foreach(ch, i, c)
		{
			s = json_string_value(c);
			if (!s ||
			    (strcmp(s, "email") && strcmp(s, "webhook") &&
			        strcmp(s, "phone")))
				return px_error_set(PX_EINVAL,
				    "page: channel %zu is not one of email, "
				    "webhook, phone",
				    i + 1);
		}
	}
	return 0;
}

static bool
is_hex64(const char *s)
{
	if (s == NULL || strlen(s) != 64)
		return false;
	for (int i = 0; i < 64; i++)
		if (px_hex_digit(s[i]) < 0 || (s[i] >= 'A' && s[i] <= 'F'))
			return false;
	return true;
}

static int
check_check(const json_t *b)
{
	static const char *const mem[] = { "contact", "token_sha256", "due",
		NULL };
	const json_t *c = json_object_get(b, "check");
	const char *s;
	int64_t v;
	int rc;

	if (!json_is_object(c))
		return px_error_set(
		    PX_EINVAL, "body: a check message needs a 'check' object");
	if ((rc = px_j_only(c, mem, "check")) < 0 ||
	    (rc = px_j_str(&s, c, "contact", 64, "check")) < 0 ||
	    (rc = px_check_contact_id(s, "check")) < 0 ||
	    (rc = px_j_time(&v, c, "due", "check")) < 0 ||
	    (rc = px_j_str(&s, c, "token_sha256", 64, "check")) < 0)
		return rc;
	if (!is_hex64(s))
		return px_error_set(PX_EINVAL,
		    "check: token_sha256 must be 64 lowercase hex digits");
	return 0;
}

static int
check_by(const json_t *b)
{
	const char *s;
	int rc;

	if (json_object_get(b, "by") == NULL)
		return 0;
	if ((rc = px_j_str(&s, b, "by", 64, "body")) < 0 ||
	    (rc = px_check_contact_id(s, "body: by")) < 0)
		return rc;
	return 0;
}

int
px_check_xid(const char *s, const char *what)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 64 ||
	    strspn(s,
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	        "0123456789._-") != n)
		return px_error_set(PX_EINVAL,
		    "%s: '%.80s' is not an identifier (1 to 64 of A-Z, a-z, "
		    "0-9, '.', '_', '-')",
		    what, s ? s : "");
	return 0;
}

/* Checks the acting person of a body: {"role", "person"? | "pseudonym"?}.
 * Other members are ignored, so later versions may add some. */
static int
check_actor(const json_t *x)
{
	const char *s;
	int rc;

	if (!json_is_object(x))
		return px_error_set(PX_EINVAL,
		    "body: 'actor' must be an object {\"role\": ROLE, ...}");
	if ((rc = px_j_str(&s, x, "role", 32, "actor")) < 0 ||
	    (rc = px_check_xid(s, "actor: role")) < 0)
		return rc;
	if (json_object_get(x, "person") && json_object_get(x, "pseudonym"))
		return px_error_set(
		    PX_EINVAL, "actor: a person or a pseudonym, not both");
	if (json_object_get(x, "person") &&
	    ((rc = px_j_str(&s, x, "person", 64, "actor")) < 0 ||
	        (rc = px_check_xid(s, "actor: person")) < 0))
		return rc;
	if (json_object_get(x, "pseudonym") &&
	    ((rc = px_j_str(&s, x, "pseudonym", 64, "actor")) < 0 ||
	        (rc = px_check_xid(s, "actor: pseudonym")) < 0))
		return rc;
	return 0;
}

/* The exercise a message belongs to (docs/exercises.md): every message a
 * node signs in an exercise's cases carries it, so that no message of an
 * exercise can be read, forwarded or quoted as a real one. */
static int
check_marker(const json_t *x)
{
	static const char *const mem[] = { "id", "inject", "persona",
		"scenario_time", NULL };
	const char *s;
	int rc;

	if (!json_is_object(x))
		return px_error_set(PX_EINVAL,
		    "body: 'exercise' must be an object {\"id\": EXERCISE, "
		    "...}");
	if ((rc = px_j_only(x, mem, "exercise")) < 0 ||
	    (rc = px_j_str(&s, x, "id", 36, "exercise")) < 0)
		return rc;
	if (!px_uuid_valid(s))
		return px_error_set(
		    PX_EINVAL, "exercise: id '%s' is not a lowercase UUID", s);
	if (json_object_get(x, "inject") &&
	    ((rc = px_j_str(&s, x, "inject", 64, "exercise")) < 0 ||
	        (rc = px_check_xid(s, "exercise: inject")) < 0))
		return rc;
	if (json_object_get(x, "persona") &&
	    ((rc = px_j_str(&s, x, "persona", 64, "exercise")) < 0 ||
	        (rc = px_check_xid(s, "exercise: persona")) < 0))
		return rc;
	if (json_object_get(x, "scenario_time") &&
	    ((rc = px_j_str(&s, x, "scenario_time", 64, "exercise")) < 0 ||
	        (rc = px_check_printable(s, false, "scenario_time")) < 0))
		return rc;
	return 0;
}

/* An exercise proposal: the scenario's hash and its public form, and the
 * terms of play.  Only the shape is checked here: what the scenario
 * means is the exercise model's business (model/exercise.h), and a
 * receiver keeps one it cannot read, with the reason, rather than jam
 * the channel. */
static int
check_exercise(const json_t *b)
{
	static const char *const smem[] = { "hash", "public", NULL };
	const json_t *sc = json_object_get(b, "scenario");
	char h[PX_HASH_HEX];
	int rc;

	if (!json_is_object(sc))
		return px_error_set(PX_EINVAL,
		    "body: an exercise message needs a 'scenario' object");
	if ((rc = px_j_only(sc, smem, "scenario")) < 0 ||
	    (rc = px_j_hash(h, sc, "hash", "scenario")) < 0)
		return rc;
	if (!json_is_object(json_object_get(sc, "public")))
		return px_error_set(PX_EINVAL,
		    "scenario: 'public' must be an object (the scenario as "
		    "the players may see it)");
	if (!json_is_object(json_object_get(b, "play")))
		return px_error_set(PX_EINVAL,
		    "body: an exercise message needs a 'play' object");
	return 0;
}

const char *const px_control_actions[] = { "accept", "decline", "withdraw",
	"schedule", "start", "pause", "resume", "fire", "skip", "delay", "end",
	"stop", "reveal", "evaluate", "sign", "plan", NULL };

/* A date "YYYY-MM-DD". */
static int
check_date(const json_t *o, const char *key, const char *what)
{
	const char *s;
	int64_t v;
	int rc;

	if ((rc = px_j_str(&s, o, key, 10, what)) < 0)
		return rc;
	if (strlen(s) != 10 || px_time_parse(&v, s, 1) < 0)
		return px_error_set(
		    PX_EINVAL, "%s: '%s' must be a date YYYY-MM-DD", what, key);
	return 0;
}

static int
check_person(const json_t *o, const char *key, const char *what)
{
	const char *s;
	int rc;

	if ((rc = px_j_str(&s, o, key, 200, what)) < 0 ||
	    (rc = px_check_printable(s, false, what)) < 0)
		return rc;
	if (*s == '\0')
		return px_error_set(
		    PX_EINVAL, "%s: '%s' must not be empty", what, key);
	return 0;
}

static int
check_ratings(const json_t *a)
{
	static const char *const mem[] = { "objective", "rating", "comment",
		NULL };
	const json_t *r;
	const char *s;
	size_t i;
	int rc;

	if (!json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > 256)
		return px_error_set(PX_EINVAL,
		    "evaluate: 'ratings' must be an array of 1 to 256 "
		    "{objective, rating, comment}");
	json_array_foreach(a, i, r)
	{
		if ((rc = px_j_only(r, mem, "rating")) < 0 ||
		    (rc = px_j_str(&s, r, "objective", 64, "rating")) < 0 ||
		    (rc = px_check_xid(s, "rating: objective")) < 0 ||
		    (rc = px_j_str(&s, r, "rating", 1, "rating")) < 0)
			return rc;
		if (strchr("PSMU", *s) == NULL || *s == '\0')
			return px_error_set(PX_EINVAL,
			    "rating: '%s' is not one of P, S, M, U (HSEEP: "
			    "performed without challenges, with some, with "
			    "major challenges, unable to be performed)",
			    s);
		if (json_object_get(r, "comment") &&
		    ((rc = px_j_str(&s, r, "comment", 4096, "rating")) < 0 ||
		        (rc = px_check_printable(s, true, "rating comment")) <
		            0))
			return rc;
	}
	return 0;
}

int
px_check_control(const json_t *b)
{
	/* Per action: the members it takes besides "action" and "text". */
	static const struct {
		const char *action;
		const char *const mem[6];
	} acts[] = {
		{ "accept", { "proposal" } },
		{ "decline", { "proposal" } },
		{ "withdraw", { 0 } },
		{ "schedule", { "start" } },
		{ "start", { 0 } },
		{ "pause", { 0 } },
		{ "resume", { 0 } },
		{ "fire", { "inject" } },
		{ "skip", { "inject" } },
		{ "delay", { "inject", "by" } },
		{ "end", { 0 } },
		{ "stop", { 0 } },
		{ "reveal", { "scenario" } },
		{ "evaluate", { "ratings", "by" } },
		{ "sign", { "report", "by" } },
		{ "plan", { "item", "owner", "due", "status" } },
	};
	const char *allowed[10], *act, *s;
	const json_t *v;
	char h[PX_HASH_HEX];
	size_t k = 0, a;
	int64_t t;
	int rc;

	if ((rc = px_j_str(&act, b, "action", 32, "body")) < 0)
		return rc;
	for (a = 0; a < PX_ARRAY_LEN(acts); a++)
		if (strcmp(acts[a].action, act) == 0)
			break;
	if (a == PX_ARRAY_LEN(acts))
		return px_error_set(PX_EINVAL,
		    "body: action '%.32s' is not one of accept, decline, "
		    "withdraw, schedule, start, pause, resume, fire, skip, "
		    "delay, end, stop, reveal, evaluate, sign, plan",
		    act);
	allowed[k++] = "action";
	allowed[k++] = "text";
	allowed[k++] = "exercise";
	for (size_t i = 0; i < 6 && acts[a].mem[i]; i++)
		allowed[k++] = acts[a].mem[i];
	allowed[k] = NULL;
	if ((rc = px_j_only(b, allowed, "body")) < 0)
		return rc;
	/* Every member listed is required, but the optional ones here. */
	for (size_t i = 0; i < 6 && acts[a].mem[i]; i++) {
		const char *m = acts[a].mem[i];

		rc = 0;
		v = json_object_get(b, m);
		if (v == NULL) {
			if (strcmp(m, "by") == 0 && strcmp(act, "sign") == 0)
				continue;
			return px_error_set(
			    PX_EINVAL, "body: a %s control needs '%s'", act, m);
		}
		if (strcmp(m, "proposal") == 0 || strcmp(m, "report") == 0)
			rc = px_j_hash(h, b, m, "body");
		else if (strcmp(m, "start") == 0)
			rc = px_j_time(&t, b, m, "body");
		else if (strcmp(m, "inject") == 0 || strcmp(m, "item") == 0)
			rc = (rc = px_j_str(&s, b, m, 64, "body")) < 0
			    ? rc
			    : px_check_xid(s, m);
		else if (strcmp(m, "by") == 0 || strcmp(m, "owner") == 0)
			rc = check_person(b, m, "body");
		else if (strcmp(m, "due") == 0)
			rc = check_date(b, m, "body");
		else if (strcmp(m, "scenario") == 0)
			rc = json_is_object(v) ? 0
			                       : px_error_set(PX_EINVAL,
			                             "body: 'scenario' must be "
			                             "an object");
		else if (strcmp(m, "ratings") == 0)
			rc = check_ratings(v);
		if (rc < 0)
			return rc;
	}
	if (strcmp(act, "delay") == 0) {
		if ((rc = px_j_str(&s, b, "by", 16, "body")) < 0)
			return rc;
		if (px_duration_parse(&t, s, PX_BASIS_CALENDAR) < 0 || t <= 0)
			return px_error_set(PX_EINVAL,
			    "body: delay 'by' must be a duration like 10m, "
			    "not '%s'",
			    s);
	}
	if (strcmp(act, "plan") == 0) {
		static const char *const st[] = { "open", "in-progress", "done",
			"cancelled", NULL };

		if ((rc = px_j_str(&s, b, "status", 16, "body")) < 0)
			return rc;
		if (!str_in(s, st))
			return px_error_set(PX_EINVAL,
			    "body: plan status '%s' is not one of open, "
			    "in-progress, done, cancelled",
			    s);
		if (json_object_get(b, "text") == NULL)
			return px_error_set(PX_EINVAL,
			    "body: a plan item needs text (what to improve)");
	}
	if (strcmp(act, "stop") == 0 && json_object_get(b, "text") == NULL)
		return px_error_set(
		    PX_EINVAL, "body: a real-world stop needs text saying why");
	return 0;
}

/* A preservation request carries the preservation fields, an evidence
 * request what it wants; nothing else carries either. */
static int
check_request_extras(const json_t *b)
{
	const char *rt = json_string_value(
	    json_object_get(json_object_get(b, "case"), "request_type"));
	bool pres = rt && strcmp(rt, "preservation") == 0;
	bool ev = rt && strcmp(rt, "evidence") == 0;

	if (!pres && json_object_get(b, "preservation"))
		return px_error_set(PX_EINVAL,
		    "body: only a preservation request carries "
		    "'preservation'");
	if (!ev && json_object_get(b, "wanted"))
		return px_error_set(PX_EINVAL,
		    "body: only an evidence request carries 'wanted'");
	return 0;
}

/* Which body members each type takes; "text" is a free-text object. */
static int
check_body(const json_t *b, enum px_msg_type type)
{
	static const char *const open_mem[] = { "case", "text", "excerpts",
		"preservation", "wanted", "feed", NULL };
	static const char *const update_mem[] = { "text", "feed", "observables",
		NULL };
	static const char *const digest_mem[] = { "digest", "verdict", "text",
		NULL };
	static const char *const routing_mem[] = { "routing", "text", NULL };
	static const char *const check_mem[] = { "case", "check", "text",
		NULL };
	static const char *const ack_mem[] = { "by", "text", NULL };
	static const char *const reply_mem[] = { "token", "by", "text", NULL };
	static const char *const text_mem[] = { "text", NULL };
	static const char *const triage_mem[] = { "decision", "reason", "text",
		"missing", "forwarded_to", NULL };
	static const char *const result_mem[] = { "outcome", "text", NULL };
	static const char *const fb_mem[] = { "score", "text", NULL };
	static const char *const prop_mem[] = { "case", "proposal", "text",
		NULL };
	static const char *const answer_mem[] = { "version", "proposal", "text",
		NULL };
	const json_t *t = json_object_get(b, "text");
	int rc, x, dec;
	int64_t score;
	bool text_required = false;

	/* So may the acting person (docs/protocol.md, "The acting
	 * person"), on every type. */
	if (json_object_get(b, "actor")) {
		json_t *rest;

		if ((rc = check_actor(json_object_get(b, "actor"))) < 0)
			return rc;
		rest = json_copy((json_t *)b);
		json_object_del(rest, "actor");
		rc = check_body(rest, type);
		json_decref(rest);
		return rc;
	}
	/* The exercise marker may ride on any body: checked here, and the
	 * rest of the body checked without it. */
	if (json_object_get(b, "exercise") && type != PX_MSG_CONTROL) {
		json_t *rest;

		if ((rc = check_marker(json_object_get(b, "exercise"))) < 0)
			return rc;
		rest = json_copy((json_t *)b);
		json_object_del(rest, "exercise");
		rc = check_body(rest, type);
		json_decref(rest);
		return rc;
	}
	switch (type) {
	case PX_MSG_REPORT:
	case PX_MSG_REQUEST:
		if ((rc = px_j_only(b, open_mem, "body")) < 0)
			return rc;
		if (!json_is_object(json_object_get(b, "case")))
			return px_error_set(PX_EINVAL,
			    "body: an opening message needs a 'case' header");
		if ((rc = check_case_header(json_object_get(b, "case"), type)) <
		        0 ||
		    (rc = px_complete_body_check(b)) < 0 ||
		    (rc = check_request_extras(b)) < 0)
			return rc;
		if (json_object_get(b, "feed")) {
			const char *k = json_string_value(json_object_get(
			    json_object_get(b, "case"), "kind"));

			if (type != PX_MSG_REPORT || strcmp(k, "report") != 0)
				return px_error_set(PX_EINVAL,
				    "body: only a report carries a feed batch");
			if ((rc = px_feedmsg_check_batch(
			         json_object_get(b, "feed"))) < 0)
				return rc;
		}
		text_required = true;
		break;
	case PX_MSG_EVIDENCE:
		if ((rc = px_ev_body_check(b)) < 0)
			return rc;
		break;
	case PX_MSG_FINDING:
		return px_finding_body_check(b);
	case PX_MSG_ASSESSMENT:
		return px_assessment_body_check(b);
	case PX_MSG_DISCLOSE:
	case PX_MSG_REVIEW:
		if (!json_is_object(json_object_get(b, "case")))
			return px_error_set(PX_EINVAL,
			    "body: a %s message opens a verification case and "
			    "needs a 'case' header",
			    px_msg_type_names[type].wire);
		if ((rc = check_case_header(json_object_get(b, "case"), type)) <
		        0 ||
		    (rc = type == PX_MSG_DISCLOSE
		            ? px_disclose_body_check(b)
		            : px_review_body_check(b)) < 0)
			return rc;
		break;
	case PX_MSG_DIGEST:
		if ((rc = px_j_only(b, digest_mem, "body")) < 0 ||
		    (rc = px_feedmsg_check_digest(b)) < 0)
			return rc;
		break;
	case PX_MSG_ROUTING:
		if ((rc = px_j_only(b, routing_mem, "body")) < 0 ||
		    (rc = px_feedmsg_check_routing(b)) < 0)
			return rc;
		break;
	case PX_MSG_CHECK:
		if ((rc = px_j_only(b, check_mem, "body")) < 0)
			return rc;
		if (!json_is_object(json_object_get(b, "case")))
			return px_error_set(PX_EINVAL,
			    "body: a check message needs a 'case' header");
		if ((rc = check_case_header(json_object_get(b, "case"), type)) <
		        0 ||
		    (rc = check_check(b)) < 0)
			return rc;
		break;
	case PX_MSG_PROPOSE:
		if ((rc = px_j_only(b, prop_mem, "body")) < 0)
			return rc;
		if (!json_is_object(json_object_get(b, "case")))
			return px_error_set(PX_EINVAL,
			    "body: a propose message needs a 'case' header");
		if ((rc = check_case_header(json_object_get(b, "case"), type)) <
		        0 ||
		    (rc = check_proposal(b)) < 0)
			return rc;
		break;
	case PX_MSG_EXERCISE: {
		static const char *const ex_mem[] = { "case", "scenario",
			"play", "text", NULL };

		if ((rc = px_j_only(b, ex_mem, "body")) < 0)
			return rc;
		if (!json_is_object(json_object_get(b, "case")))
			return px_error_set(PX_EINVAL,
			    "body: an exercise message needs a 'case' header");
		if ((rc = check_case_header(json_object_get(b, "case"), type)) <
		        0 ||
		    (rc = check_exercise(b)) < 0)
			return rc;
		break;
	}
	case PX_MSG_CONTROL:
		if ((rc = px_check_control(b)) < 0)
			return rc;
		if (json_object_get(b, "exercise") &&
		    (rc = check_marker(json_object_get(b, "exercise"))) < 0)
			return rc;
		break;
	case PX_MSG_ACCEPT:
	case PX_MSG_DECLINE:
		if ((rc = px_j_only(b, answer_mem, "body")) < 0 ||
		    (rc = check_answer(b)) < 0)
			return rc;
		break;
	case PX_MSG_CHECK_REPLY:
		if ((rc = px_j_only(b, reply_mem, "body")) < 0 ||
		    (rc = check_by(b)) < 0)
			return rc;
		if (json_object_get(b, "token")) {
			const char *tok;

			if ((rc = px_j_str(&tok, b, "token", 64, "body")) < 0 ||
			    (rc = px_check_printable(tok, false, "token")) < 0)
				return rc;
		}
		break;
	case PX_MSG_ACK:
		if ((rc = px_j_only(b, ack_mem, "body")) < 0 ||
		    (rc = check_by(b)) < 0)
			return rc;
		break;
	case PX_MSG_ESCALATE:
		if ((rc = check_escalate(b)) < 0)
			return rc;
		break;
	case PX_MSG_TRIAGE:
		if ((rc = px_j_only(b, triage_mem, "body")) < 0 ||
		    (rc = px_j_enum(&dec, b, "decision", px_decision_names,
		         PX_DEC__N, "body")) < 0)
			return rc;
		if (json_object_get(b, "reason") &&
		    (rc = px_j_enum(&x, b, "reason", px_reason_names, PX_RS__N,
		         "body")) < 0)
			return rc;
		/* A needs-info cites what is missing by field name
		 * (model/complete.h). */
		if (json_object_get(b, "missing") &&
		    ((dec != PX_DEC_NEEDS_INFO &&
		         (rc = px_error_set(PX_EINVAL,
		              "body: only a needs-info triage cites "
		              "'missing' fields")) < 0) ||
		        (rc = px_complete_missing_check(
		             json_object_get(b, "missing"))) < 0))
			return rc;
		if (json_object_get(b, "forwarded_to")) {
			int d;

			if ((rc = px_j_enum(&d, b, "decision",
			         px_decision_names, PX_DEC__N, "body")) < 0)
				return rc;
			if (d != PX_DEC_FORWARDED)
				return px_error_set(PX_EINVAL,
				    "body: forwarded_to goes with the "
				    "decision forwarded");
			if ((rc = check_link(json_object_get(b, "forwarded_to"),
			         "body: forwarded_to", "node")) < 0)
				return rc;
		}
		break;
	case PX_MSG_RESULT:
		if ((rc = px_j_only(b, result_mem, "body")) < 0)
			return rc;
		if (json_object_get(b, "outcome")) {
			const char *o;

			if ((rc = px_j_str(&o, b, "outcome", 32, "body")) < 0)
				return rc;
			if (strcmp(o, "resolved") && strcmp(o, "partial") &&
			    strcmp(o, "unable"))
				return px_error_set(PX_EINVAL,
				    "body: outcome '%s' is not one of "
				    "resolved, partial, unable",
				    o);
		}
		text_required = true;
		break;
	case PX_MSG_FEEDBACK:
		if ((rc = px_j_only(b, fb_mem, "body")) < 0 ||
		    (rc = px_j_int(&score, b, "score", 1, 5, "body")) < 0)
			return rc;
		break;
	case PX_MSG_UPDATE:
		/* Observables learnt after the case opened join its list. */
		if ((rc = px_j_only(b, update_mem, "body")) < 0)
			return rc;
		if (json_object_get(b, "feed") &&
		    (rc = px_feedmsg_check_batch(json_object_get(b, "feed"))) <
		        0)
			return rc;
		if (json_object_get(b, "observables") &&
		    (rc = check_observables(
		         json_object_get(b, "observables"))) < 0)
			return rc;
		text_required = true;
		break;
	case PX_MSG_NOTE:
		text_required = true;
		/* fall through */
	default:
		if ((rc = px_j_only(b, text_mem, "body")) < 0)
			return rc;
		break;
	}
	if (t == NULL && text_required)
		return px_error_set(PX_EINVAL, "body: a %s message needs text",
		    px_msg_type_names[type].wire);
	if (t && (rc = px_check_text(t, "text")) < 0)
		return rc;
	return 0;
}

static int
fill(struct px_msg *m, const json_t *o, const char *what)
{
	const char *s;
	int64_t v;
	int type, rc;

	if ((rc = px_j_only(o, msg_members, what)) < 0 ||
	    (rc = px_j_int(&v, o, "v", 1, 1, what)) < 0)
		return rc;
	if ((rc = px_j_str(&s, o, "id", 36, what)) < 0)
		return rc;
	if (!px_uuid_valid(s))
		return px_error_set(PX_EINVAL,
		    "%s: id '%s' is not a "
		    "lowercase UUID",
		    what, s);
	memcpy(m->id, s, PX_UUID_STRLEN);
	if ((rc = px_j_str(&s, o, "case", 36, what)) < 0)
		return rc;
	if (!px_uuid_valid(s))
		return px_error_set(PX_EINVAL,
		    "%s: case '%s' is not a "
		    "lowercase UUID",
		    what, s);
	memcpy(m->case_id, s, PX_UUID_STRLEN);
	if ((rc = px_j_enum(
	         &type, o, "type", px_msg_type_names, PX_MSG__N, what)) < 0)
		return rc;
	m->type = (enum px_msg_type)type;
	if ((rc = px_j_str(&m->from, o, "from", 253, what)) < 0 ||
	    (rc = px_check_node_name(m->from, "sender")) < 0 ||
	    (rc = px_j_str(&m->to, o, "to", 253, what)) < 0 ||
	    (rc = px_check_node_name(m->to, "receiver")) < 0)
		return rc;
	if (strcmp(m->from, m->to) == 0)
		return px_error_set(PX_EINVAL,
		    "%s: sender and receiver are "
		    "both '%s'",
		    what, m->from);
	if ((rc = px_j_int(&m->seq, o, "seq", 1, INT64_C(1) << 53, what)) < 0 ||
	    (rc = px_j_hash(m->prev, o, "prev", what)) < 0 ||
	    (rc = px_j_time(&m->time_ms, o, "time", what)) < 0)
		return rc;
	if (m->seq == 1 && strcmp(m->prev, PX_ZERO_HASH) != 0)
		return px_error_set(PX_EINVAL,
		    "%s: the first message (seq 1) must have prev = 64 zeros",
		    what);
	if (!json_is_object(m->body = json_object_get(o, "body")))
		return px_error_set(
		    PX_EINVAL, "%s: 'body' must be an object", what);
	if ((rc = check_body(m->body, m->type)) < 0) {
		px_error_prefix("%s (%s)", what, px_msg_type_names[type].wire);
		return rc;
	}
	return 0;
}

int
px_msg_parse_known(
    struct px_msg **out, json_t *env, const char *hash, const char *what)
{
	struct px_msg *m = px_calloc(1, sizeof(*m));
	const json_t *o;
	int rc;

	m->env = json_incref(env);
	if ((rc = hash
	            ? px_signed_open_known(&o, m->hash, env, "msg", hash, what)
	            : px_signed_open(&o, m->hash, env, "msg", NULL, what)) <
	        0 ||
	    (rc = fill(m, o, what)) < 0)
		goto out;
	*out = m;
	m = NULL;
out:
	px_msg_free(m);
	return rc;
}

int
px_msg_parse(struct px_msg **out, json_t *env, const char *what)
{
	return px_msg_parse_known(out, env, NULL, what);
}

int
px_msg_verify(const struct px_msg *m, const uint8_t pk[PX_PUBKEY_LEN])
{
	const json_t *o;
	char what[80];

	snprintf(what, sizeof(what), "message %s seq %lld", m->from,
	    (long long)m->seq);
	return px_signed_open(&o, NULL, m->env, "msg", pk, what);
}

int
px_msg_new(struct px_msg **out, const struct px_msg_fields *f, json_t *body,
    const struct px_key *k)
{
	char id[PX_UUID_STRLEN], case_id[PX_UUID_STRLEN];
	char tm[PX_TIME_STRLEN], hash[PX_HASH_HEX];
	json_t *o, *env = NULL;
	int rc;

	px_uuid7(id, f->time_ms);
	if (f->case_id == NULL)
		memcpy(case_id, id, sizeof(id));
	px_time_format(tm, f->time_ms);
	o = json_pack("{sisssssssssssIsssssO}", "v", 1, "id", id, "case",
	    f->case_id ? f->case_id : case_id, "type",
	    px_msg_type_names[f->type].wire, "from", f->from, "to", f->to,
	    "seq", (json_int_t)f->seq, "prev", f->prev ? f->prev : PX_ZERO_HASH,
	    "time", tm, "body", body);
	if (o == NULL)
		return px_error_set(PX_EINVAL, "cannot build the message");
	/* Signing hashed the canonical bytes already: not again. */
	if ((rc = px_signed_wrap(&env, hash, "msg", o, k)) < 0)
		goto out;
	rc = px_msg_parse_known(out, env, hash, "new message");
out:
	json_decref(o);
	json_decref(env);
	return rc;
}

struct px_msg *
px_msg_dup(const struct px_msg *m)
{
	struct px_msg *d = px_malloc(sizeof(*d));

	*d = *m;
	json_incref(d->env);
	return d;
}

void
px_msg_free(struct px_msg *m)
{
	if (m == NULL)
		return;
	json_decref(m->env);
	free(m);
}

const char *
px_msg_text(const struct px_msg *m)
{
	return json_string_value(
	    json_object_get(json_object_get(m->body, "text"), "value"));
}

const char *
px_msg_text_lang(const struct px_msg *m)
{
	return json_string_value(
	    json_object_get(json_object_get(m->body, "text"), "lang"));
}
