#include <strings.h>

#include "model/types.h"
#include "util/util.h"

const struct px_name px_kind_names[PX_KIND__N] = {
	{ "report", "report" },
	{ "request", "request" },
	{ "hotline", "hotline" },
	{ "check", "communication check" },
	{ "inject", "exercise inject" },
	{ "agreement", "agreement proposal" },
	{ "exercise", "exercise" },
	{ "verification", "review by a neutral verifier" },
	{ "feed", "routine sharing (feeds)" },
};

const struct px_name px_category_names[PX_CAT__N] = {
	{ "botnet", "botnet / infected host" },
	{ "phishing", "phishing or counterfeit site" },
	{ "vulnerable-website", "website vulnerability" },
	{ "intrusion", "intrusion / data theft" },
	{ "ddos", "denial of service" },
	{ "malware", "malware" },
	{ "other", "other" },
};

const struct px_name px_priority_names[PX_PRIO__N] = {
	{ "P1", "P1 crisis" },
	{ "P2", "P2 high" },
	{ "P3", "P3 normal" },
	{ "P4", "P4 routine" },
};

const struct px_name px_tlp_names[PX_TLP__N] = {
	{ "clear", "TLP:CLEAR" },
	{ "green", "TLP:GREEN" },
	{ "amber", "TLP:AMBER" },
	{ "amber+strict", "TLP:AMBER+STRICT" },
	{ "red", "TLP:RED" },
};

int
px_tlp_from_tag(const char *tag)
{
	if (tag == NULL || strncasecmp(tag, "tlp:", 4) != 0)
		return -1;
	if (strcasecmp(tag + 4, "white") == 0)
		return PX_TLP_CLEAR;
	for (int t = 0; t < PX_TLP__N; t++)
		if (strcasecmp(tag + 4, px_tlp_names[t].wire) == 0)
			return t;
	return -1;
}

const struct px_name px_request_type_names[PX_RQ__N] = {
	{ "information", "request for information" },
	{ "investigation", "request to investigate" },
	{ "evidence", "request to collect electronic evidence" },
	{ "mitigation", "request to mitigate / take down" },
	{ "preservation",
	    "request to preserve stored data (Budapest Art. 29)" },
};

const struct px_name px_msg_type_names[PX_MSG__N] = {
	{ "report", "report" },
	{ "request", "request" },
	{ "ack", "acknowledged" },
	{ "triage", "triaged" },
	{ "update", "update" },
	{ "result", "result" },
	{ "close", "closed" },
	{ "withdraw", "withdrawn" },
	{ "escalate", "escalated" },
	{ "feedback", "feedback" },
	{ "check", "communication check" },
	{ "check-reply", "check reply" },
	{ "note", "note" },
	{ "propose", "agreement proposed" },
	{ "accept", "agreement accepted" },
	{ "decline", "agreement declined" },
	{ "exercise", "exercise proposed" },
	{ "control", "exercise control" },
	{ "evidence", "evidence" },
	{ "finding", "finding" },
	{ "assessment", "assessment" },
	{ "disclose", "disclosed to the verifier" },
	{ "review", "verifier's review" },
	{ "digest", "daily digest" },
	{ "routing", "routing override" },
};

const struct px_name px_state_names[PX_ST__N] = {
	{ "sent", "sent" },
	{ "delivered", "delivered" },
	{ "acknowledged", "acknowledged" },
	{ "triaged", "triaged" },
	{ "needs-info", "waiting for information" },
	{ "in-progress", "in progress" },
	{ "resolved", "resolved" },
	{ "closed", "closed" },
	{ "declined", "declined" },
	{ "forwarded", "forwarded" },
	{ "withdrawn", "withdrawn" },
	{ "accepted", "accepted" },
};

const struct px_name px_decision_names[PX_DEC__N] = {
	{ "accepted", "accepted" },
	{ "needs-info", "needs more information" },
	{ "declined", "declined" },
	{ "forwarded", "forwarded to another party" },
};

const struct px_name px_reason_names[PX_RS__N] = {
	{ "not-permitted-by-law", "not permitted under national law" },
	{ "no-data-held", "no data held" },
	{ "out-of-scope", "outside our remit" },
	{ "insufficient-information", "insufficient information" },
	{ "duplicate", "duplicate of another case" },
	{ "competent-authority", "forwarded to the competent authority" },
	{ "no-resources", "no resources available" },
	{ "other", "other" },
};

const struct px_name px_clock_names[PX_CLK__N] = {
	{ "acknowledge", "acknowledge" },
	{ "triage", "triage" },
	{ "first_response", "first response" },
	{ "resolution", "resolution" },
};

int
px_name_lookup(
    const struct px_name *t, size_t n, const char *what, const char *s)
{
	struct px_buf b;
	int rc;

	for (size_t i = 0; s && i < n; i++)
		if (strcasecmp(t[i].wire, s) == 0)
			return (int)i;
	px_buf_init(&b, PX_BUF_NOCAP);
	for (size_t i = 0; i < n; i++)
		px_buf_putf(&b, "%s%s", i ? ", " : "", t[i].wire);
	rc = px_error_set(PX_EINVAL, "unknown %s '%s' (expected one of: %s)",
	    what, s ? s : "", b.data);
	px_buf_dispose(&b);
	return rc;
}

int
px_name_wire(const struct px_name *t, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(t[i].wire, s) == 0)
			return (int)i;
	return -1;
}
