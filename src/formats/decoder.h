/*
 * Feed decoders: bytes of one input format in, internal events out
 * (formats/event.h).  One file per format:
 *
 *   shadowserver.c  Shadowserver report CSV; the report type comes from
 *                   the file name ("2026-12-01-event4_sinkhole-de.csv"),
 *                   the columns from the header, by their published names
 *   intelmq.c       IntelMQ events as JSON Lines, flat dotted keys
 *   xarf.c          X-ARF v4 reports (one JSON document per report)
 *   csvmap.c        any CSV, with a mapping file (docs/feeds.md)
 *
 * The decoder is streaming and pure: the caller (node/ingest.c) reads the
 * input in windows, asks where the next record ends, and hands each
 * record over.  A record that does not decode is the caller's to count
 * and report with its line number and the message; it never stops the
 * file.  Only a header the format cannot work with (a Shadowserver file
 * without an address column, a mapping that names a column the file
 * lacks) stops it.
 *
 * How to add a format: write src/formats/<name>.c with an open function
 * and a record function, add it to enum px_fmt and the tables in
 * decoder.c, and give it a fuzz target (tests/fuzz/fuzz_<name>.c).
 */
#ifndef PX_FORMATS_DECODER_H
#define PX_FORMATS_DECODER_H

#include <stdbool.h>
#include <stddef.h>

#include "formats/csv.h"
#include "formats/event.h"

enum px_fmt {
	PX_FMT_SHADOWSERVER,
	PX_FMT_INTELMQ,
	PX_FMT_XARF,
	PX_FMT_CSV, /* with a mapping file */
	PX_FMT__N
};
extern const char *const px_fmt_names[PX_FMT__N];

/* A CSV column mapping: where each column goes, constants applied to
 * every row, and whether unmapped columns become extras. */
struct px_colmap {
	size_t ncols;
	signed char field[PX_CSV_MAX_FIELDS]; /* enum px_ev_field */
	char *name[PX_CSV_MAX_FIELDS];        /* owned: column names */
	char *cval[PX_F__N];                  /* owned: constants, or NULL */
	bool extras;
};

/* Shadowserver report families (shadowserver.c). */
enum px_ss_family {
	PX_SS_SINKHOLE,
	PX_SS_SCAN,
	PX_SS_COMPROMISED_WEBSITE,
	PX_SS_PHISHING,
	PX_SS_BLOCKLIST,
	PX_SS__N
};
extern const char *const px_ss_family_names[PX_SS__N];

struct px_decoder {
	enum px_fmt fmt;
	char delim;
	bool header_done; /* CSV formats: the header was read */
	bool bom_checked; /* the first record was looked at for a BOM */
	bool csv_header;  /* mapped CSV: the first record names columns */
	int default_tlp;  /* enum px_tlp for events that carry none */
	char *feed;       /* owned: the feed name events get by default */
	char *provider;   /* owned */
	/* Shadowserver: the family and the report name from the file. */
	int family;
	char *report;
	/* Mapped CSV: the mapping as read (columns by name or number). */
	char *map_col[PX_F__N]; /* owned: column name or "#N" per field */
	struct px_colmap map;
	struct px_csv csv;
	char *scratch; /* owned: JSON string unescaping */
	size_t scap;
	void *tokens; /* owned: jsmn tokens (intelmq.c) */
	size_t ntokens;
};

/* Starts a decoder.  `name` is the input's file name (Shadowserver takes
 * the report type from it; it may be a path), `mapping` the text of a
 * mapping file for PX_FMT_CSV (NULL otherwise), `feed` and `provider`
 * defaults (may be NULL).  PX_EINVAL names what is wrong (an unknown
 * report type, a bad mapping file).  Dispose with px_decoder_dispose. */
PX_MUST_CHECK int px_decoder_open(struct px_decoder *d, enum px_fmt fmt,
    const char *name, const char *mapping, size_t mlen, const char *feed,
    const char *provider, int default_tlp);
void px_decoder_dispose(struct px_decoder *d);

/* Guesses the format from the file name and its first bytes: a JSON
 * document with "xarf_version" is X-ARF, other JSON is IntelMQ, a CSV
 * named like a Shadowserver report is Shadowserver.  PX_EINVAL when it
 * cannot tell (name the format with --format). */
PX_MUST_CHECK int px_fmt_guess(
    enum px_fmt *out, const char *name, const char *head, size_t n);
PX_MUST_CHECK int px_fmt_lookup(enum px_fmt *out, const char *name);

/* Where the first record in buf[0..n) ends (see px_csv_record_end): 0
 * when it is incomplete and more input may follow (not `eof`).  *lines
 * gets the line breaks inside it. */
size_t px_decoder_record_end(const struct px_decoder *d, const char *buf,
    size_t n, bool eof, unsigned *lines);

/*
 * Decodes one record into *e.  Returns 0 with an event, 1 for a record
 * that holds none (a blank line, the CSV header), PX_EINVAL for a bad
 * record (the message says what was wrong with it: the caller adds the
 * line), or, for a CSV header the decoder cannot use, PX_ECONFLICT: the
 * file cannot be read at all.
 */
PX_MUST_CHECK int px_decoder_record(
    struct px_decoder *d, const char *rec, size_t n, struct px_event *e);

/* Format internals, shared by decoder.c and the format files. */
void px_colmap_dispose(struct px_colmap *m);
PX_MUST_CHECK int px_colmap_row(
    const struct px_colmap *m, const struct px_csv *c, struct px_event *e);
PX_MUST_CHECK int px_ss_open(struct px_decoder *d, const char *name);
PX_MUST_CHECK int px_ss_header(struct px_decoder *d);
PX_MUST_CHECK int px_csvmap_open(
    struct px_decoder *d, const char *mapping, size_t mlen);
PX_MUST_CHECK int px_csvmap_header(struct px_decoder *d);
PX_MUST_CHECK int px_intelmq_record(
    struct px_decoder *d, const char *rec, size_t n, struct px_event *e);
PX_MUST_CHECK int px_xarf_record(
    struct px_decoder *d, const char *rec, size_t n, struct px_event *e);
/* Unescapes the JSON string body s[0..n) (no quotes) into d->scratch;
 * *out points there.  PX_EINVAL for a bad escape or lone surrogate. */
PX_MUST_CHECK int px_json_unescape(struct px_decoder *d, const char **out,
    size_t *outn, const char *s, size_t n);

#endif
