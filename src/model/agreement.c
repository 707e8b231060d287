#include "model/agreement.h"
#include "util/util.h"

#define SEC  INT64_C(1000)
#define MIN  (60 * SEC)
#define HOUR (60 * MIN)
#define DAY  (24 * HOUR)
#define BDAY (8 * HOUR) /* a business day is 8 working hours */

void
px_agreement_default(struct px_agreement *a)
{
	static const int64_t d[PX_PRIO__N][PX_CLK__N] = {
		/* P1 crisis: calendar minutes and hours */
		{ 30 * MIN, 1 * HOUR, 4 * HOUR, 24 * HOUR },
		/* P2: 24 h notification, 72 h report, one month closure */
		{ 4 * HOUR, 24 * HOUR, 72 * HOUR, 30 * DAY },
		/* P3: business days of the responder */
		{ 1 * BDAY, 2 * BDAY, 5 * BDAY, 20 * BDAY },
		/* P4 routine */
		{ 2 * BDAY, 5 * BDAY, 10 * BDAY, 40 * BDAY },
	};

	memcpy(a->budget, d, sizeof(d));
	a->basis[PX_P1] = PX_BASIS_CALENDAR;
	a->basis[PX_P2] = PX_BASIS_CALENDAR;
	a->basis[PX_P3] = PX_BASIS_BUSINESS;
	a->basis[PX_P4] = PX_BASIS_BUSINESS;
	/* A reminder to whoever holds the case at three quarters of the
	 * time, the duty officers of both sides at the deadline, the
	 * principals at half as much again. */
	a->ladder[0] =
	    (struct px_ladder_step){ 75, PX_NR_ASSIGNEE, PX_SIDE_RESPONDER };
	a->ladder[1] = (struct px_ladder_step){ 100, PX_NR_DUTY,
		PX_SIDE_REQUESTER | PX_SIDE_RESPONDER };
	a->ladder[2] = (struct px_ladder_step){ 150, PX_NR_PRINCIPAL,
		PX_SIDE_REQUESTER | PX_SIDE_RESPONDER };
	a->nladder = 3;
	a->page_every = 5 * MIN;
	/* Three crises at once is already a bad day; at a page every five
	 * minutes a walk sends 12 pages an hour, so 30 an hour leaves room
	 * for two and a half walks before the cap holds the rest. */
	a->hotline_open_max = 3;
	a->pages_per_hour = 30;
	a->check_every = 30 * DAY;
	a->check_within = 4 * HOUR;
	a->verify_within = 90 * DAY;
	a->amber_constituency = false;
}

const char *const px_notify_role_names[PX_NR__N] = { "assignee", "duty",
	"principal" };

static const char *const side_names[4] = { "none", "requester", "responder",
	"both" };

int
px_ladder_parse(struct px_agreement *a, const char *s)
{
	char *copy = px_strdup(s), *save = NULL, *tok;
	struct px_ladder_step l[PX_LADDER_MAX];
	size_t n = 0;
	int rc = 0;

	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *who, *side, *end = NULL;
		long pct;
		int w = -1, sd = -1;

		while (*tok == ' ')
			tok++;
		for (end = tok + strlen(tok); end > tok && end[-1] == ' ';)
			*--end = '\0';
		if (n == PX_LADDER_MAX) {
			rc = px_error_set(PX_EINVAL, "ladder: at most %d steps",
			    PX_LADDER_MAX);
			goto out;
		}
		pct = strtol(tok, &end, 10);
		who = end && end[0] == '%' && end[1] == ':' ? end + 2 : NULL;
		side = who ? strchr(who, ':') : NULL;
		if (side)
			*side++ = '\0';
		if (end == tok || !who || !side || pct < 1 || pct > 1000) {
			rc = px_error_set(PX_EINVAL,
			    "ladder step '%s' is not PERCENT%%:WHO:SIDES (like "
			    "100%%:duty:both)",
			    tok);
			goto out;
		}
		for (int i = 0; i < PX_NR__N; i++)
			if (strcmp(who, px_notify_role_names[i]) == 0)
				w = i;
		for (int i = 1; i < 4; i++)
			if (strcmp(side, side_names[i]) == 0)
				sd = i;
		if (w < 0 || sd < 0) {
			rc = px_error_set(PX_EINVAL,
			    "ladder step '%s': WHO is assignee, duty or "
			    "principal; SIDES is requester, responder or both",
			    tok);
			goto out;
		}
		if (n > 0 && pct <= l[n - 1].pct) {
			rc = px_error_set(PX_EINVAL,
			    "ladder: steps must climb (%ld%% after %d%%)", pct,
			    l[n - 1].pct);
			goto out;
		}
		l[n++] = (struct px_ladder_step){ (int)pct,
			(enum px_notify_role)w, (unsigned)sd };
	}
	memcpy(a->ladder, l, sizeof(l));
	a->nladder = n;
out:
	free(copy);
	return rc;
}

void
px_ladder_unparse(char *out, size_t n, const struct px_agreement *a)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < a->nladder && off < n; i++)
		off += (size_t)snprintf(out + off, n - off, "%s%d%%:%s:%s",
		    i ? ", " : "", a->ladder[i].pct,
		    px_notify_role_names[a->ladder[i].who],
		    side_names[a->ladder[i].sides & 3]);
}

int
px_duration_parse(int64_t *out, const char *s, enum px_basis basis)
{
	int64_t v = 0, unit;
	const char *p = s;

	if (s == NULL || *s < '0' || *s > '9')
		goto bad;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p++ - '0');
		if (v > 1000000)
			goto bad;
	}
	switch (*p++) {
	case 's':
		unit = SEC;
		break;
	case 'm':
		unit = MIN;
		break;
	case 'h':
		unit = HOUR;
		break;
	case 'd':
		unit = basis == PX_BASIS_BUSINESS ? BDAY : DAY;
		break;
	case 'w':
		unit = basis == PX_BASIS_BUSINESS ? 5 * BDAY : 7 * DAY;
		break;
	default:
		goto bad;
	}
	if (*p != '\0' || v == 0 || v * unit > 3650 * DAY)
		goto bad;
	*out = v * unit;
	return 0;
bad:
	return px_error_set(PX_EINVAL,
	    "'%s' is not a duration (expected a positive whole number and "
	    "a unit s, m, h, d or w, like 30m, 4h, 3d)",
	    s ? s : "");
}

void
px_duration_unparse(char *out, size_t n, int64_t ms, enum px_basis b)
{
	int64_t day = b == PX_BASIS_BUSINESS ? BDAY : DAY;

	if (ms % day == 0)
		snprintf(out, n, "%lldd", (long long)(ms / day));
	else if (ms % HOUR == 0)
		snprintf(out, n, "%lldh", (long long)(ms / HOUR));
	else if (ms % MIN == 0)
		snprintf(out, n, "%lldm", (long long)(ms / MIN));
	else
		snprintf(out, n, "%llds", (long long)(ms / SEC));
}

json_t *
px_agreement_to_json(const struct px_agreement *a)
{
	json_t *j = json_object();

	for (int p = 0; p < PX_PRIO__N; p++) {
		json_t *o = json_object();

		json_object_set_new(o, "basis",
		    json_string(a->basis[p] == PX_BASIS_BUSINESS ? "business"
		                                                 : "calendar"));
		for (int k = 0; k < PX_CLK__N; k++) {
			char d[32];

			px_duration_unparse(
			    d, sizeof(d), a->budget[p][k], a->basis[p]);
			json_object_set_new(
			    o, px_clock_names[k].wire, json_string(d));
		}
		json_object_set_new(j, px_priority_names[p].wire, o);
	}
	{
		char buf[512], d[32];

		px_ladder_unparse(buf, sizeof(buf), a);
		json_object_set_new(j, "ladder", json_string(buf));
		px_duration_unparse(d, sizeof(d), a->page_every, 0);
		json_object_set_new(j, "page_every", json_string(d));
		snprintf(d, sizeof(d), "%lld", (long long)a->hotline_open_max);
		json_object_set_new(j, "hotline_open_max", json_string(d));
		snprintf(d, sizeof(d), "%lld", (long long)a->pages_per_hour);
		json_object_set_new(j, "pages_per_hour", json_string(d));
		if (a->check_every)
			px_duration_unparse(d, sizeof(d), a->check_every, 0);
		else
			snprintf(d, sizeof(d), "0");
		json_object_set_new(j, "check_every", json_string(d));
		px_duration_unparse(d, sizeof(d), a->check_within, 0);
		json_object_set_new(j, "check_within", json_string(d));
		px_duration_unparse(d, sizeof(d), a->verify_within, 0);
		json_object_set_new(j, "verify_within", json_string(d));
		if (a->amber_constituency)
			json_object_set_new(
			    j, "amber_constituency", json_string("yes"));
	}
	return j;
}

/* A whole number from min to max, in decimal digits only. */
static int
count(int64_t *out, const char *key, const char *val, int64_t min, int64_t max)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; val[i] >= '0' && val[i] <= '9' && v <= max; i++)
		v = v * 10 + (val[i] - '0');
	if (i == 0 || val[i] != '\0' || v < min || v > max)
		return px_error_set(PX_EINVAL,
		    "%s '%s' must be a whole number from %lld to %lld", key,
		    val, (long long)min, (long long)max);
	*out = v;
	return 0;
}

static int
set_one(struct px_agreement *a, const char *key, const char *val)
{
	char prio[8];
	const char *dot = strchr(key, '.');
	int p, k;

	if (strcmp(key, "ladder") == 0)
		return px_ladder_parse(a, val);
	if (strcmp(key, "check_every") == 0 && strcmp(val, "0") == 0) {
		a->check_every = 0;
		return 0;
	}
	if (strcmp(key, "page_every") == 0)
		return px_duration_parse(&a->page_every, val, 0);
	if (strcmp(key, "hotline_open_max") == 0)
		return count(&a->hotline_open_max, key, val, 1, 1000);
	if (strcmp(key, "pages_per_hour") == 0)
		return count(&a->pages_per_hour, key, val, 1, 100000);
	if (strcmp(key, "check_every") == 0)
		return px_duration_parse(&a->check_every, val, 0);
	if (strcmp(key, "check_within") == 0)
		return px_duration_parse(&a->check_within, val, 0);
	if (strcmp(key, "verify_within") == 0)
		return px_duration_parse(&a->verify_within, val, 0);
	if (strcmp(key, "amber_constituency") == 0) {
		if (strcmp(val, "yes") && strcmp(val, "no"))
			return px_error_set(PX_EINVAL,
			    "amber_constituency '%s' must be yes or no", val);
		a->amber_constituency = strcmp(val, "yes") == 0;
		return 0;
	}
	if (strcmp(key, "default_tlp") == 0)
		return px_error_set(PX_EINVAL,
		    "default_tlp is this node's own choice, not a term agreed "
		    "with the peer: set it with --local default_tlp=%s",
		    val);
	if (dot == NULL || (size_t)(dot - key) >= sizeof(prio))
		return px_error_set(PX_EINVAL,
		    "'%s' is not an agreement setting (expected P1..P4.<clock>, "
		    "P1..P4.basis, ladder, page_every, hotline_open_max, "
		    "pages_per_hour, check_every, check_within, "
		    "verify_within or amber_constituency)",
		    key);
	snprintf(prio, sizeof(prio), "%.*s", (int)(dot - key), key);
	if ((p = PX_LOOKUP(px_priority_names, "priority", prio)) < 0)
		return p;
	if (strcmp(dot + 1, "basis") == 0) {
		enum px_basis nb;

		if (strcmp(val, "calendar") == 0)
			nb = PX_BASIS_CALENDAR;
		else if (strcmp(val, "business") == 0)
			nb = PX_BASIS_BUSINESS;
		else
			return px_error_set(PX_EINVAL,
			    "basis '%s' must be calendar or business", val);
		a->basis[p] = nb;
		return 0;
	}
	if ((k = PX_LOOKUP(px_clock_names, "clock", dot + 1)) < 0)
		return k;
	return px_duration_parse(&a->budget[p][k], val, a->basis[p]);
}

int
px_agreement_set(struct px_agreement *a, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char *key;
	int rc;

	if (eq == NULL)
		return px_error_set(PX_EINVAL,
		    "'%s' is not KEY=VALUE (e.g. P2.acknowledge=4h)", kv);
	key = px_strndup(kv, (size_t)(eq - kv));
	rc = set_one(a, key, eq + 1);
	free(key);
	return rc;
}

int
px_agreement_from_json(struct px_agreement *out, const json_t *j)
{
	struct px_agreement a;
	const char *key;
	json_t *v;
	int rc;

	px_agreement_default(&a);
	if (!json_is_object(j))
		return px_error_set(PX_EINVAL, "agreement must be an object");
	json_object_foreach((json_t *)j, key, v)
	{
		const char *ck;
		json_t *cv;

		/* Local copies from before agreements were signed (and the
		 * audit bundles exported from them) carried the sender's
		 * default marking: not a term, so it is read past. */
		if (strcmp(key, "default_tlp") == 0 && json_is_string(v))
			continue;
		if (json_is_string(v)) {
			if ((rc = set_one(&a, key, json_string_value(v))) < 0)
				return rc;
			continue;
		}
		if (!json_is_object(v))
			return px_error_set(PX_EINVAL,
			    "agreement: '%s' must be an object", key);
		/* basis first: it decides what "d" means below */
		if ((cv = json_object_get(v, "basis")) != NULL) {
			char *k2 = px_asprintf("%s.basis", key);

			rc = json_is_string(cv)
			    ? set_one(&a, k2, json_string_value(cv))
			    : px_error_set(PX_EINVAL,
			          "agreement: %s not a "
			          "string",
			          k2);
			free(k2);
			if (rc < 0)
				return rc;
		}
		json_object_foreach(v, ck, cv)
		{
			char *k2;

			if (strcmp(ck, "basis") == 0)
				continue;
			if (!json_is_string(cv))
				return px_error_set(PX_EINVAL,
				    "agreement: %s.%s must be a string", key,
				    ck);
			k2 = px_asprintf("%s.%s", key, ck);
			rc = set_one(&a, k2, json_string_value(cv));
			free(k2);
			if (rc < 0)
				return rc;
		}
	}
	*out = a;
	return 0;
}

bool
px_agreement_equal(const struct px_agreement *a, const struct px_agreement *b)
{
	json_t *x = px_agreement_to_json(a), *y = px_agreement_to_json(b);
	bool eq = json_equal(x, y);

	json_decref(x);
	json_decref(y);
	return eq;
}

/* Appends "KEY: OLD -> NEW" for one setting that differs. */
static void
diff_one(json_t *out, const char *key, const json_t *x, const json_t *y)
{
	const char *a = json_string_value(x), *b = json_string_value(y);

	if (a && b && strcmp(a, b) == 0)
		return;
	json_array_append_new(out,
	    json_sprintf(
	        "%s: %s -> %s", key, a ? a : "(none)", b ? b : "(none)"));
}

json_t *
px_agreement_diff(
    const struct px_agreement *from, const struct px_agreement *to)
{
	json_t *x = px_agreement_to_json(from), *y = px_agreement_to_json(to);
	json_t *out = json_array();
	const char *k, *k2;
	json_t *v, *v2;

	json_object_foreach(x, k, v)
	{
		json_t *w = json_object_get(y, k);

		if (!json_is_object(v)) {
			diff_one(out, k, v, w);
			continue;
		}
		json_object_foreach(v, k2, v2)
		{
			char *key = px_asprintf("%s.%s", k, k2);

			diff_one(out, key, v2, json_object_get(w, k2));
			free(key);
		}
	}
	/* Settings written only when set (amber_constituency). */
	json_object_foreach(y, k, v) if (!json_is_object(v) &&
	    json_object_get(x, k) == NULL) diff_one(out, k, NULL, v);
	json_decref(x);
	json_decref(y);
	return out;
}
