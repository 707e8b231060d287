/*
 * Any CSV, with a mapping file (docs/feeds.md has the reference):
 *
 *   {"name": "acme-bots", "provider": "ACME", "delimiter": ",",
 *    "header": true, "extras": true,
 *    "columns": {"time.source": "seen", "source.ip": "addr",
 *                "malware.name": "family"},
 *    "constants": {"classification.type": "infected-system",
 *                  "classification.identifier": "acme-bot",
 *                  "tlp": "amber"}}
 *
 * "columns" maps an event member to a column, by its name in the header
 * or, with "header": false, by its number from 1.  "constants" gives
 * members every row shares.  Unmapped columns become extras when
 * "extras" is true (the default).  A mapping is checked whole when the
 * decoder opens: an unknown member, a constant that does not parse, no
 * classification type, no address: each is an error naming it.
 */
#include "formats/decoder.h"
#include "model/canon.h"
#include "util/util.h"

#define MAP_MAX_BYTES (64 * 1024)

static int
member(int *out, const char *key, const char *where)
{
	int f = px_ev_field_lookup(key, strlen(key));

	if (f < 0 || f == PX_F_SRC_URL_PATH)
		return px_error_set(PX_EINVAL,
		    "mapping %s: '%s' is not an event member (e.g. "
		    "time.source, source.ip, source.port, source.asn, "
		    "classification.type, malware.name; docs/feeds.md lists "
		    "them)",
		    where, key);
	*out = f;
	return 0;
}

int
px_csvmap_open(struct px_decoder *d, const char *mapping, size_t mlen)
{
	json_t *j = NULL, *v;
	const char *k, *s;
	struct px_event probe;
	int rc, f = 0;
	bool addr = false;

	if ((rc = px_json_parse(
	         &j, mapping, mlen, MAP_MAX_BYTES, "mapping file")) < 0)
		return rc;
	if (!json_is_object(j)) {
		rc = px_error_set(
		    PX_EINVAL, "the mapping file must hold a JSON object");
		goto out;
	}
	json_object_foreach(j, k, v)
	{
		if (strcmp(k, "name") && strcmp(k, "provider") &&
		    strcmp(k, "delimiter") && strcmp(k, "header") &&
		    strcmp(k, "extras") && strcmp(k, "columns") &&
		    strcmp(k, "constants")) {
			rc = px_error_set(PX_EINVAL,
			    "mapping: unknown member '%s' (expected name, "
			    "provider, delimiter, header, extras, columns, "
			    "constants)",
			    k);
			goto out;
		}
	}
	if ((s = json_string_value(json_object_get(j, "name")))) {
		free(d->feed);
		d->feed = px_strdup(s);
	}
	if ((s = json_string_value(json_object_get(j, "provider")))) {
		free(d->provider);
		d->provider = px_strdup(s);
	}
	if ((v = json_object_get(j, "delimiter")) &&
	    (!json_is_string(v) ||
	        (rc = px_csv_delim(&d->delim, json_string_value(v))) < 0)) {
		if (rc == 0)
			rc = px_error_set(
			    PX_EINVAL, "mapping: 'delimiter' must be a string");
		goto out;
	}
	v = json_object_get(j, "header");
	d->csv_header = v == NULL || json_is_true(v);
	v = json_object_get(j, "extras");
	d->map.extras = v == NULL || json_is_true(v);
	v = json_object_get(j, "columns");
	if (!json_is_object(v) || json_object_size(v) == 0) {
		rc = px_error_set(PX_EINVAL,
		    "mapping: 'columns' must map event members to columns");
		goto out;
	}
	{
		const char *key;
		json_t *col;

		json_object_foreach(v, key, col)
		{
			if ((rc = member(&f, key, "columns")) < 0)
				goto out;
			if (json_is_string(col) && d->csv_header &&
			    json_string_length(col) > 0)
				d->map_col[f] =
				    px_strdup(json_string_value(col));
			else if (json_is_integer(col) && !d->csv_header &&
			    json_integer_value(col) >= 1 &&
			    json_integer_value(col) <= PX_CSV_MAX_FIELDS)
				d->map_col[f] = px_asprintf("#%lld",
				    (long long)json_integer_value(col));
			else {
				rc = px_error_set(PX_EINVAL,
				    "mapping: column for '%s' must be %s", key,
				    d->csv_header
				        ? "a column name of the header"
				        : "a column number from 1 (the file "
				          "has no header)");
				goto out;
			}
			if (f == PX_F_SRC_IP || f == PX_F_SRC_FQDN ||
			    f == PX_F_SRC_URL || f == PX_F_DST_IP ||
			    f == PX_F_DST_FQDN || f == PX_F_DST_URL)
				addr = true;
		}
	}
	/* Constants are parsed once here, so a bad one is the mapping's
	 * error, not every row's. */
	px_event_reset(&probe);
	if ((v = json_object_get(j, "constants")) != NULL) {
		const char *key;
		json_t *c;

		if (!json_is_object(v)) {
			rc = px_error_set(PX_EINVAL,
			    "mapping: 'constants' must be an object");
			goto out;
		}
		json_object_foreach(v, key, c)
		{
			const char *cs = json_string_value(c);

			if ((rc = member(&f, key, "constants")) < 0)
				goto out;
			if (cs == NULL) {
				rc = px_error_set(PX_EINVAL,
				    "mapping: constant '%s' must be a string",
				    key);
				goto out;
			}
			if ((rc = px_event_set(
			         &probe, f, cs, strlen(cs), key)) < 0) {
				px_error_prefix("mapping constants");
				goto out;
			}
			d->map.cval[f] = px_strdup(cs);
		}
	}
	if (d->map_col[PX_F_TYPE] == NULL && d->map.cval[PX_F_TYPE] == NULL) {
		rc = px_error_set(PX_EINVAL,
		    "mapping: no classification.type, neither a column nor a "
		    "constant");
		goto out;
	}
	if (!addr) {
		rc = px_error_set(PX_EINVAL,
		    "mapping: no column for an address, host name or URL "
		    "(source.ip, source.fqdn, source.url or the destination's)");
		goto out;
	}
	rc = 0;
out:
	json_decref(j);
	return rc;
}

int
px_csvmap_header(struct px_decoder *d)
{
	struct px_colmap *m = &d->map;
	const struct px_csv *c = &d->csv;

	m->ncols = c->nf;
	for (size_t i = 0; i < c->nf; i++) {
		m->field[i] = PX_F_EXTRA;
		m->name[i] = d->csv_header ? px_strndup(c->f[i].p, c->f[i].n)
		                           : px_asprintf("column%zu", i + 1);
	}
	for (int f = 0; f < PX_F__N; f++) {
		const char *want = d->map_col[f];
		size_t i;

		if (want == NULL)
			continue;
		if (want[0] == '#' && !d->csv_header) {
			i = (size_t)strtoul(want + 1, NULL, 10) - 1;
			if (i >= c->nf)
				return px_error_set(PX_EINVAL,
				    "the mapping reads column %zu for %s, but "
				    "the first row has %zu columns",
				    i + 1, px_ev_field_names[f], c->nf);
		} else {
			for (i = 0; i < c->nf; i++)
				if (strcmp(m->name[i], want) == 0)
					break;
			if (i == c->nf)
				return px_error_set(PX_EINVAL,
				    "the mapping reads column '%s' for %s, "
				    "which the header does not have",
				    want, px_ev_field_names[f]);
		}
		m->field[i] = (signed char)f;
	}
	return 0;
}
