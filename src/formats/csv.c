/*
 * CSV records and fields (csv.h).  The fast path is the common one: a
 * line with no quote at all is a record, and its fields are found with
 * memchr; quotes only cost when they occur.
 */
#include "formats/csv.h"
#include "util/util.h"

void
px_csv_init(struct px_csv *c, char delim)
{
	memset(c, 0, sizeof(*c));
	c->delim = delim;
}

void
px_csv_dispose(struct px_csv *c)
{
	free(c->scratch);
	c->scratch = NULL;
	c->cap = 0;
}

size_t
px_csv_record_end(
    const char *buf, size_t n, char delim, bool eof, unsigned *lines)
{
	size_t at = 0;
	bool quoted = false;

	(void)delim;
	*lines = 0;
	while (at < n) {
		const char *nl = memchr(buf + at, '\n', n - at);
		size_t end = nl ? (size_t)(nl - buf) : n;
		const char *q = memchr(buf + at, '"', end - at);

		/* The parity of the quotes so far says whether the line
		 * break is inside a quoted field. */
		while (q) {
			quoted = !quoted;
			q = memchr(q + 1, '"', (size_t)(buf + end - q - 1));
		}
		if (nl == NULL)
			break;
		(*lines)++;
		at = end + 1;
		if (!quoted)
			return at;
	}
	if (eof && n > 0) {
		if (at < n)
			(*lines)++;
		return n;
	}
	*lines = 0;
	return 0;
}

static void
reserve(struct px_csv *c, size_t n)
{
	if (n <= c->cap)
		return;
	c->cap = n < 4096 ? 4096 : n;
	c->scratch = px_realloc(c->scratch, c->cap);
}

int
px_csv_split(struct px_csv *c, const char *rec, size_t n)
{
	size_t i = 0, out = 0;
	const char d = c->delim;

	/* The line terminator is not part of the last field. */
	if (n && rec[n - 1] == '\n')
		n--;
	if (n && rec[n - 1] == '\r')
		n--;
	c->nf = 0;
	/* Unescaped quoted fields never outgrow the record: reserve once,
	 * so fields already split keep pointing at valid bytes. */
	if (memchr(rec, '"', n))
		reserve(c, n + 1);
	for (;;) {
		struct px_csv_field *f;

		if (c->nf == PX_CSV_MAX_FIELDS)
			return px_error_set(PX_EINVAL,
			    "more than %d fields in one record",
			    PX_CSV_MAX_FIELDS);
		f = &c->f[c->nf++];
		if (i < n && rec[i] == '"') {
			size_t start = out;

			i++;
			for (;;) {
				const char *q;

				if (i >= n)
					return px_error_set(PX_EINVAL,
					    "a quoted field is not closed "
					    "(a '\"' is missing)");
				q = memchr(rec + i, '"', n - i);
				if (q == NULL)
					return px_error_set(PX_EINVAL,
					    "a quoted field is not closed "
					    "(a '\"' is missing)");
				memcpy(c->scratch + out, rec + i,
				    (size_t)(q - rec - i));
				out += (size_t)(q - rec - i);
				i = (size_t)(q - rec) + 1;
				if (i < n && rec[i] == '"') {
					c->scratch[out++] = '"';
					i++;
					continue;
				}
				break;
			}
			f->p = c->scratch + start;
			f->n = out - start;
			if (i < n && rec[i] != d)
				return px_error_set(PX_EINVAL,
				    "'%c' after the closing quote of field "
				    "%zu (expected the delimiter)",
				    rec[i], c->nf);
		} else {
			const char *e = memchr(rec + i, d, n - i);
			size_t end = e ? (size_t)(e - rec) : n;

			f->p = rec + i;
			f->n = end - i;
			i = end;
		}
		if (i >= n)
			break;
		i++; /* the delimiter */
		if (i == n) {
			/* A trailing delimiter: one more empty field. */
			if (c->nf == PX_CSV_MAX_FIELDS)
				return px_error_set(PX_EINVAL,
				    "more than %d fields in one record",
				    PX_CSV_MAX_FIELDS);
			c->f[c->nf].p = rec + n;
			c->f[c->nf].n = 0;
			c->nf++;
			break;
		}
	}
	return 0;
}

int
px_csv_delim(char *out, const char *name)
{
	if (strcmp(name, ",") == 0 || strcmp(name, ";") == 0 ||
	    strcmp(name, "|") == 0) {
		*out = name[0];
		return 0;
	}
	if (strcmp(name, "tab") == 0 || strcmp(name, "\t") == 0) {
		*out = '\t';
		return 0;
	}
	return px_error_set(PX_EINVAL,
	    "delimiter '%s' is not one of \",\", \";\", \"|\", \"tab\"", name);
}
