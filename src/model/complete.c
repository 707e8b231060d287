/*
 * Completeness of reports and requests (complete.h).
 */
#include "model/canon.h"
#include "model/complete.h"
#include "model/message.h"
#include "model/signed.h"
#include "model/types.h"
#include "util/util.h"

/* Art. 29(2) of the Convention on Cybercrime (ETS 185): a request for
 * expedited preservation specifies (a) the authority seeking it, (b) the
 * offence and a brief summary of the facts, (c) the stored data to be
 * preserved and its relationship to the offence, (d) what identifies the
 * custodian or the location of the system, (e) why preservation is
 * necessary, (f) that a request for mutual assistance will follow. */
static const char *const pres_members[] = { "authority", "offence", "facts",
	"data", "relation", "custodian", "necessity", "mla_intent", NULL };
/* The first preservation field in px_complete_fields; the rest follow
 * in pres_members' order. */
#define PRES_FIRST 6

const char *const px_complete_fields[] = { "times-with-zones", "observables",
	"log-excerpts", "hashes", "acquisition-tool", "wanted",
	"preservation.authority", "preservation.offence", "preservation.facts",
	"preservation.data", "preservation.relation", "preservation.custodian",
	"preservation.necessity", "preservation.mla_intent", NULL };

const char *const px_complete_labels[] = {
	"times of the events, each with its time zone or UTC offset",
	"observables (addresses, domains, URLs, hashes)",
	"log excerpts showing the activity",
	"hashes of the files or evidence concerned",
	"the tool (name and version) that acquired the data",
	"the technical detail an evidence request wants",
	"the authority seeking the preservation (Art. 29(2)(a))",
	"the offence under investigation (Art. 29(2)(b))",
	"a brief summary of the related facts (Art. 29(2)(b))",
	"the stored computer data to be preserved (Art. 29(2)(c))",
	"the data's relationship to the offence (Art. 29(2)(c))",
	("what identifies the custodian or the system's location "
	 "(Art. 29(2)(d))"),
	"why preservation is necessary (Art. 29(2)(e))",
	"the intent to submit a mutual assistance request (Art. 29(2)(f))",
};

const char *const px_wanted_fields[] = { "log-excerpts", "times-with-zones",
	"hashes", "observables", "acquisition-tool", "packet-capture",
	"netflow", "disk-image", "memory-image", "malware-sample",
	"server-logs", "subscriber-data", "account-data", "configuration",
	NULL };

static bool
listed(const char *const *t, const char *s)
{
	for (; s && *t; t++)
		if (strcmp(*t, s) == 0)
			return true;
	return false;
}

bool
px_complete_field_known(const char *name)
{
	return listed(px_complete_fields, name) ||
	    listed(px_wanted_fields, name);
}

static int
check_field_list(const json_t *a, const char *what, bool wanted_only)
{
	const json_t *v;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) > 32)
		return px_error_set(PX_EINVAL,
		    "%s must be an array of at most 32 field names", what);
	json_array_foreach(a, i, v)
	{
		const char *s = json_string_value(v);

		if (wanted_only ? !listed(px_wanted_fields, s)
		                : !px_complete_field_known(s))
			return px_error_set(PX_EINVAL,
			    "%s: '%s' is not a field name parley knows "
			    "(docs/evidence.md lists them)",
			    what, s ? s : "(not a string)");
	}
	return 0;
}

int
px_complete_missing_check(const json_t *a)
{
	return check_field_list(a, "missing", false);
}

int
px_complete_body_check(const json_t *b)
{
	static const char *const emem[] = { "source", "tool", "text", NULL };
	const json_t *ex = json_object_get(b, "excerpts");
	const json_t *pr = json_object_get(b, "preservation");
	const json_t *v;
	const char *s;
	size_t i;
	int rc;

	if (ex) {
		if (!json_is_array(ex) || json_array_size(ex) > 64)
			return px_error_set(PX_EINVAL,
			    "body: 'excerpts' must be an array of at most 64 "
			    "log excerpts");
		json_array_foreach(ex, i, v)
		{
			if ((rc = px_j_only(v, emem, "excerpt")) < 0 ||
			    (rc = px_j_str(&s, v, "source", 200, "excerpt")) <
			        0 ||
			    (rc = px_check_printable(
			         s, false, "excerpt source")) < 0 ||
			    (rc = px_j_str_opt(&s, v, "tool", 200, "excerpt")) <
			        0 ||
			    (s &&
			        (rc = px_check_printable(
			             s, false, "excerpt tool")) < 0) ||
			    (rc = px_j_str(&s, v, "text", 65536, "excerpt")) <
			        0 ||
			    (rc = px_check_printable(s, true, "excerpt text")) <
			        0)
				return rc;
		}
	}
	if (pr) {
		if ((rc = px_j_only(pr, pres_members, "preservation")) < 0)
			return rc;
		for (i = 0; pres_members[i]; i++) {
			char w[48];

			snprintf(w, sizeof(w), "preservation: '%s'",
			    pres_members[i]);
			if ((rc = px_j_str_opt(&s, pr, pres_members[i], 8192,
			         "preservation")) < 0 ||
			    (s && (rc = px_check_printable(s, true, w)) < 0))
				return rc;
		}
	}
	if (json_object_get(b, "wanted") &&
	    (rc = check_field_list(
	         json_object_get(b, "wanted"), "wanted", true)) < 0)
		return rc;
	return 0;
}

static bool
digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Scans `s` for clock times (HH:MM), and says whether it found any and
 * whether each is followed by a zone: Z, UTC, GMT, an offset (+08:00,
 * -0500) or an upper-case abbreviation (CST, EDT). */
static void
scan_times(const char *s, int *with, int *without)
{
	for (size_t i = 0; s && s[i]; i++) {
		size_t k;

		if (!(digit(s[i]) && s[i + 1] && s[i + 2] == ':' &&
		        digit(s[i + 1]) && digit(s[i + 3]) &&
		        digit(s[i + 4])) ||
		    (i > 0 && digit(s[i - 1])))
			continue;
		k = i + 5;
		if (s[k] == ':' && digit(s[k + 1]) && digit(s[k + 2]))
			k += 3;
		if (s[k] == '.' || s[k] == ',')
			for (k++; digit(s[k]); k++)
				;
		while (s[k] == ' ')
			k++;
		if ((s[k] == '+' || s[k] == '-') && digit(s[k + 1]) &&
		    digit(s[k + 2])) {
			/* An offset: step over it, it is not a time. */
			k += 3;
			if (s[k] == ':')
				k++;
			while (digit(s[k]))
				k++;
			(*with)++;
		} else if (s[k] == 'Z' || strncmp(s + k, "UTC", 3) == 0 ||
		    strncmp(s + k, "GMT", 3) == 0 ||
		    (s[k] >= 'A' && s[k] <= 'Z' && s[k + 1] >= 'A' &&
		        s[k + 1] <= 'Z' && s[k + 2] >= 'A' &&
		        s[k + 2] <= 'Z')) {
			(*with)++;
		} else {
			(*without)++;
		}
		i = k > i ? k - 1 : i;
	}
}

static void
add(json_t *out, const char *field, bool required, const char *detail)
{
	json_array_append_new(out,
	    json_pack("{sssbss}", "field", field, "required", required,
	        "detail", detail));
}

json_t *
px_complete_check(const json_t *body, const json_t *manifests)
{
	const json_t *h = json_object_get(body, "case");
	const json_t *obs = json_object_get(h, "observables");
	const json_t *ex = json_object_get(body, "excerpts");
	const json_t *pr = json_object_get(body, "preservation");
	const char *rt = json_string_value(json_object_get(h, "request_type"));
	const json_t *v;
	json_t *out = json_array();
	int with = 0, without = 0;
	bool hashes = false, tool = false;
	size_t i;

	if (rt && strcmp(rt, "preservation") == 0) {
		for (i = 0; pres_members[i]; i++) {
			const char *s = json_string_value(
			    json_object_get(pr, pres_members[i]));
			char f[48];

			if (s && *s)
				continue;
			snprintf(
			    f, sizeof(f), "preservation.%s", pres_members[i]);
			add(out, f, true, px_complete_labels[PRES_FIRST + i]);
		}
		return out;
	}
	if (rt && strcmp(rt, "evidence") == 0 &&
	    json_array_size(json_object_get(body, "wanted")) == 0)
		add(out, "wanted", true,
		    "an evidence request names the technical detail it "
		    "wants (wanted: log-excerpts, packet-capture, ...)");
	scan_times(json_string_value(
	               json_object_get(json_object_get(body, "text"), "value")),
	    &with, &without);
	json_array_foreach(ex, i, v)
	{
		scan_times(json_string_value(json_object_get(v, "text")), &with,
		    &without);
		if (json_object_get(v, "tool"))
			tool = true;
	}
	if (without > 0)
		add(out, "times-with-zones", false,
		    "a time is given without its zone or UTC offset "
		    "(write 2026-11-20T09:30Z or 09:30 +08:00)");
	else if (with == 0)
		add(out, "times-with-zones", false,
		    "no time of the events is given");
	if (json_array_size(obs) == 0)
		add(out, "observables", false,
		    "no observables: addresses, domains, URLs or file hashes "
		    "let the receiver search its own data");
	if (json_array_size(ex) == 0)
		add(out, "log-excerpts", false,
		    "no log excerpts: the receiver cannot see the activity "
		    "itself");
	json_array_foreach(obs, i, v)
	{
		const char *t = json_string_value(json_object_get(v, "type"));

		if (t && strcmp(t, "file") == 0)
			hashes = true;
	}
	json_array_foreach(manifests, i, v)
	{
		hashes = true;
		if (json_object_get(json_object_get(v, "acquisition"), "tool"))
			tool = true;
	}
	if (!hashes)
		add(out, "hashes", false,
		    "no file hashes and no evidence items: the receiver cannot "
		    "check what it is given");
	if (!tool)
		add(out, "acquisition-tool", false,
		    "the tool (name and version) that acquired the data is "
		    "not named");
	return out;
}
