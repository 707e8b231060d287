#include "model/agreement.h"
#include "util/util.h"

#define MIN  (60 * INT64_C(1000))
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
	a->default_tlp = PX_TLP_AMBER;
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
	    "a unit m, h, d or w, like 30m, 4h, 3d)",
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
	else
		snprintf(out, n, "%lldm", (long long)(ms / MIN));
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
	json_object_set_new(
	    j, "default_tlp", json_string(px_tlp_names[a->default_tlp].wire));
	return j;
}

static int
set_one(struct px_agreement *a, const char *key, const char *val)
{
	char prio[8];
	const char *dot = strchr(key, '.');
	int p, k, rc;

	if (strcmp(key, "default_tlp") == 0) {
		if ((rc = PX_LOOKUP(px_tlp_names, "TLP marking", val)) < 0)
			return rc;
		a->default_tlp = (enum px_tlp)rc;
		return 0;
	}
	if (dot == NULL || (size_t)(dot - key) >= sizeof(prio))
		return px_error_set(PX_EINVAL,
		    "'%s' is not an agreement setting (expected P1..P4.<clock>, "
		    "P1..P4.basis or default_tlp)",
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
