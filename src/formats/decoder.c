/*
 * The decoder facade (decoder.h): record framing per format, the CSV
 * column mapping shared by Shadowserver and mapped CSV, and JSON string
 * unescaping shared by the JSON formats.
 */
#include "formats/decoder.h"
#include "util/util.h"

const char *const px_fmt_names[PX_FMT__N] = { "shadowserver", "intelmq", "xarf",
	"csv" };

int
px_fmt_lookup(enum px_fmt *out, const char *name)
{
	for (int i = 0; i < PX_FMT__N; i++)
		if (strcmp(name, px_fmt_names[i]) == 0) {
			*out = (enum px_fmt)i;
			return 0;
		}
	return px_error_set(PX_EINVAL,
	    "unknown feed format '%s' (expected one of: shadowserver, "
	    "intelmq, xarf, csv)",
	    name);
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

int
px_fmt_guess(enum px_fmt *out, const char *name, const char *head, size_t n)
{
	size_t i = 0;

	while (i < n &&
	    (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' ||
	        head[i] == '\n'))
		i++;
	if (i < n && head[i] == '{') {
		/* X-ARF names its version near the top of every report. */
		for (size_t k = i; k + 14 <= n; k++)
			if (memcmp(head + k, "\"xarf_version\"", 14) == 0) {
				*out = PX_FMT_XARF;
				return 0;
			}
		*out = PX_FMT_INTELMQ;
		return 0;
	}
	{
		struct px_decoder probe;

		memset(&probe, 0, sizeof(probe));
		bool ss = name && px_ss_open(&probe, name) == 0;

		free(probe.report);
		free(probe.feed);
		free(probe.provider);
		if (ss) {
			*out = PX_FMT_SHADOWSERVER;
			return 0;
		}
	}
	return px_error_set(PX_EINVAL,
	    "cannot tell the format of %s: it is not JSON and its name is "
	    "not a Shadowserver report's (give --format, and --mapping for "
	    "another CSV)",
	    name ? base_name(name) : "the input");
}

int
px_decoder_open(struct px_decoder *d, enum px_fmt fmt, const char *name,
    const char *mapping, size_t mlen, const char *feed, const char *provider,
    int default_tlp)
{
	int rc = 0;

	memset(d, 0, sizeof(*d));
	d->fmt = fmt;
	d->delim = ',';
	d->default_tlp = default_tlp;
	d->feed = px_strdup(feed);
	d->provider = px_strdup(provider);
	switch (fmt) {
	case PX_FMT_SHADOWSERVER:
		rc = px_ss_open(d, name ? name : "");
		break;
	case PX_FMT_CSV:
		if (mapping == NULL)
			rc = px_error_set(PX_EINVAL,
			    "a CSV feed needs a mapping file (--mapping "
			    "FILE; docs/feeds.md)");
		else
			rc = px_csvmap_open(d, mapping, mlen);
		break;
	default:
		break;
	}
	px_csv_init(&d->csv, d->delim);
	if (rc < 0)
		px_decoder_dispose(d);
	return rc;
}

void
px_decoder_dispose(struct px_decoder *d)
{
	free(d->feed);
	free(d->provider);
	free(d->report);
	for (int i = 0; i < PX_F__N; i++)
		free(d->map_col[i]);
	px_colmap_dispose(&d->map);
	px_csv_dispose(&d->csv);
	free(d->scratch);
	free(d->tokens);
	memset(d, 0, sizeof(*d));
}

/* The end of one JSON value starting at the first '{': braces are
 * balanced outside strings.  The whitespace and line break after it
 * belong to the record. */
static size_t
json_value_end(const char *buf, size_t n, bool eof, unsigned *lines)
{
	size_t i = 0;
	int depth = 0;
	bool str = false, esc = false, started = false;

	*lines = 0;
	for (; i < n; i++) {
		char c = buf[i];

		if (c == '\n')
			(*lines)++;
		if (str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				str = false;
			continue;
		}
		if (c == '"')
			str = true;
		else if (c == '{' || c == '[')
			depth++, started = true;
		else if (c == '}' || c == ']')
			depth--;
		if (started && depth <= 0) {
			/* Up to and including the next line break. */
			for (i++; i < n; i++)
				if (buf[i] == '\n') {
					(*lines)++;
					return i + 1;
				} else if (buf[i] != ' ' && buf[i] != '\t' &&
				    buf[i] != '\r') {
					return i;
				}
			return i;
		}
		if (!started && c != ' ' && c != '\t' && c != '\r' &&
		    c != '\n') {
			/* Not JSON: a record up to the line break, which
			 * the decoder refuses with a message. */
			const char *nl = memchr(buf + i, '\n', n - i);

			if (nl) {
				(*lines)++;
				return (size_t)(nl - buf) + 1;
			}
			return eof ? n : 0;
		}
	}
	if (eof && n > 0) {
		if (n && buf[n - 1] != '\n')
			(*lines)++;
		return n;
	}
	*lines = 0;
	return 0;
}

size_t
px_decoder_record_end(const struct px_decoder *d, const char *buf, size_t n,
    bool eof, unsigned *lines)
{
	const char *nl;

	switch (d->fmt) {
	case PX_FMT_INTELMQ:
		/* JSON Lines: a raw line break never occurs in a value. */
		*lines = 1;
		if ((nl = memchr(buf, '\n', n)) != NULL)
			return (size_t)(nl - buf) + 1;
		if (eof && n > 0)
			return n;
		*lines = 0;
		return 0;
	case PX_FMT_XARF:
		return json_value_end(buf, n, eof, lines);
	default:
		return px_csv_record_end(buf, n, d->delim, eof, lines);
	}
}

static bool
blank(const char *rec, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rec[i] != ' ' && rec[i] != '\t' && rec[i] != '\r' &&
		    rec[i] != '\n')
			return false;
	return true;
}

int
px_decoder_record(
    struct px_decoder *d, const char *rec, size_t n, struct px_event *e)
{
	int rc;

	/* A byte order mark before the first record is not data. */
	if (!d->bom_checked) {
		d->bom_checked = true;
		if (n >= 3 && memcmp(rec, "\xef\xbb\xbf", 3) == 0)
			rec += 3, n -= 3;
	}
	if (blank(rec, n))
		return 1;
	if (n > PX_CSV_MAX_RECORD)
		return px_error_set(PX_EINVAL,
		    "the record is %zu bytes long, more than the %d allowed", n,
		    PX_CSV_MAX_RECORD);
	px_event_reset(e);
	switch (d->fmt) {
	case PX_FMT_INTELMQ:
		rc = px_intelmq_record(d, rec, n, e);
		break;
	case PX_FMT_XARF:
		rc = px_xarf_record(d, rec, n, e);
		break;
	default:
		if ((rc = px_csv_split(&d->csv, rec, n)) < 0)
			return rc;
		if (!d->header_done &&
		    (d->fmt == PX_FMT_SHADOWSERVER || d->csv_header)) {
			d->header_done = true;
			rc = d->fmt == PX_FMT_SHADOWSERVER
			    ? px_ss_header(d)
			    : px_csvmap_header(d);
			return rc < 0 ? PX_ECONFLICT : 1;
		}
		if (!d->header_done) {
			d->header_done = true;
			if ((rc = px_csvmap_header(d)) < 0)
				return PX_ECONFLICT;
		}
		rc = px_colmap_row(&d->map, &d->csv, e);
		/* A sinkhole's identifier is the infection it saw. */
		if (rc == 0 && d->fmt == PX_FMT_SHADOWSERVER &&
		    e->identifier == NULL)
			e->identifier = e->malware;
		break;
	}
	if (rc < 0)
		return rc;
	if (e->feed == NULL && d->feed &&
	    (rc = px_event_str(e, &e->feed, d->feed, strlen(d->feed),
	         PX_EV_MAX_NAME, "feed.name")) < 0)
		return rc;
	if (e->provider == NULL && d->provider &&
	    (rc = px_event_str(e, &e->provider, d->provider,
	         strlen(d->provider), PX_EV_MAX_NAME, "feed.provider")) < 0)
		return rc;
	return px_event_finish(e, d->default_tlp);
}

/* --- column mappings ------------------------------------------------ */

void
px_colmap_dispose(struct px_colmap *m)
{
	for (size_t i = 0; i < m->ncols; i++)
		free(m->name[i]);
	for (int i = 0; i < PX_F__N; i++)
		free(m->cval[i]);
	memset(m, 0, sizeof(*m));
}

int
px_colmap_row(
    const struct px_colmap *m, const struct px_csv *c, struct px_event *e)
{
	int rc;

	if (c->nf != m->ncols)
		return px_error_set(PX_EINVAL,
		    "the row has %zu field%s where the header has %zu "
		    "columns (a missing or extra column)",
		    c->nf, c->nf == 1 ? "" : "s", m->ncols);
	for (int f = 0; f < PX_F__N; f++)
		if (m->cval[f] &&
		    (rc = px_event_set(e, f, m->cval[f], strlen(m->cval[f]),
		         px_ev_field_names[f])) < 0)
			return rc;
	for (size_t i = 0; i < m->ncols; i++) {
		const struct px_csv_field *v = &c->f[i];
		int f = m->field[i];

		if (v->n == 0 || f == PX_F_IGNORE)
			continue;
		if (f == PX_F_EXTRA) {
			if (!m->extras)
				continue;
			rc = px_event_extra(
			    e, m->name[i], strlen(m->name[i]), v->p, v->n);
			if (rc < 0) {
				px_error_prefix("column '%s'", m->name[i]);
				return rc;
			}
			continue;
		}
		if ((rc = px_event_set(e, f, v->p, v->n, m->name[i])) < 0) {
			px_error_prefix("column '%s'", m->name[i]);
			return rc;
		}
	}
	return 0;
}

/* --- JSON strings --------------------------------------------------- */

static int
hex4(const char *s, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		int h = px_hex_digit((unsigned char)s[i]);

		if (h < 0)
			return -1;
		v = v << 4 | (unsigned)h;
	}
	*out = v;
	return 0;
}

static size_t
put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

int
px_json_unescape(struct px_decoder *d, const char **out, size_t *outn,
    const char *s, size_t n)
{
	size_t k = 0;

	if (memchr(s, '\\', n) == NULL) {
		*out = s;
		*outn = n;
		return 0;
	}
	if (d->scap < n + 1) {
		d->scap = n + 64;
		d->scratch = px_realloc(d->scratch, d->scap);
	}
	for (size_t i = 0; i < n; i++) {
		unsigned cp, lo;

		if (s[i] != '\\') {
			d->scratch[k++] = s[i];
			continue;
		}
		if (++i >= n)
			goto bad;
		switch (s[i]) {
		case '"':
			d->scratch[k++] = '"';
			break;
		case '\\':
			d->scratch[k++] = '\\';
			break;
		case '/':
			d->scratch[k++] = '/';
			break;
		case 'b':
			d->scratch[k++] = '\b';
			break;
		case 'f':
			d->scratch[k++] = '\f';
			break;
		case 'n':
			d->scratch[k++] = '\n';
			break;
		case 'r':
			d->scratch[k++] = '\r';
			break;
		case 't':
			d->scratch[k++] = '\t';
			break;
		case 'u':
			if (i + 4 >= n || hex4(s + i + 1, &cp) < 0)
				goto bad;
			i += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				goto bad;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (i + 6 >= n || s[i + 1] != '\\' ||
				    s[i + 2] != 'u' ||
				    hex4(s + i + 3, &lo) < 0 || lo < 0xdc00 ||
				    lo > 0xdfff)
					goto bad;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
				i += 6;
			}
			if (cp == 0)
				goto bad;
			k += put_utf8(d->scratch + k, cp);
			break;
		default:
			goto bad;
		}
	}
	*out = d->scratch;
	*outn = k;
	return 0;
bad:
	return px_error_set(PX_EINVAL,
	    "a string has a bad escape sequence (or \\u0000, or a lone "
	    "surrogate)");
}
