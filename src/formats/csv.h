/*
 * CSV (RFC 4180, as feeds actually write it): records end in LF or
 * CRLF; a field may be double-quoted, and then holds delimiters, line
 * breaks and doubled quotes ("").  The delimiter is a parameter (comma,
 * semicolon, tab, pipe).
 *
 * Streaming: the caller holds a window of the input and asks where the
 * first complete record ends (px_csv_record_end); a record that runs past
 * the window's end waits for more bytes.  Fields of one record are then
 * split in place (px_csv_split): unquoted fields point into the record,
 * quoted ones into the splitter's scratch buffer.  Nothing is allocated
 * per record once the scratch buffer has grown to the longest record.
 */
#ifndef PX_FORMATS_CSV_H
#define PX_FORMATS_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#define PX_CSV_MAX_FIELDS 256
#define PX_CSV_MAX_RECORD (1024 * 1024) /* one record, line breaks and all */

struct px_csv_field {
	const char *p;
	size_t n;
};

struct px_csv {
	char delim;
	size_t nf;
	struct px_csv_field f[PX_CSV_MAX_FIELDS];
	char *scratch; /* owned: unescaped quoted fields */
	size_t cap;
};

/* Starts a splitter for `delim`; dispose with px_csv_dispose. */
void px_csv_init(struct px_csv *c, char delim);
void px_csv_dispose(struct px_csv *c);

/*
 * The length of the first record in buf[0..n), its line terminator
 * included, or 0 when the record is not complete within the window
 * (unless `eof`, when the rest is the last record).  *lines gets the
 * number of line breaks inside it (1 for an ordinary record; more for
 * quoted line breaks), so callers can keep line numbers right.
 */
size_t px_csv_record_end(
    const char *buf, size_t n, char delim, bool eof, unsigned *lines);

/*
 * Splits one record (as delimited by px_csv_record_end; its line
 * terminator may be included) into c->f[0..c->nf).  PX_EINVAL for an
 * unterminated quoted field, a character after a closing quote, or more
 * than PX_CSV_MAX_FIELDS fields.  The fields stay valid until the next
 * call or until the record's bytes change.
 */
PX_MUST_CHECK int px_csv_split(struct px_csv *c, const char *rec, size_t n);

/* The field delimiter named in a mapping file: ",", ";", "|", or "tab"
 * ("\t"); PX_EINVAL otherwise. */
PX_MUST_CHECK int px_csv_delim(char *out, const char *name);

#endif
