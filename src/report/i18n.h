/*
 * The words of the review report in English and Simplified Chinese.
 *
 * How to add a message: add a row to the table in i18n.c, keeping it
 * sorted by id (strcmp order: the lookup is a binary search and the unit
 * test checks the order), with both languages filled in.  Ids are
 * "group.name"; wire names of the protocol (kinds, categories, clocks,
 * states, outcomes, reasons, message types) are looked up as
 * "<group>.<wire name>" through px_tr_wire(), which falls back to the wire
 * name itself for a value the table does not know, so a newer peer's
 * vocabulary still shows.
 *
 * Texts may hold placeholders {1} and {2}, filled by px_tr_fill(); both
 * languages of a message use the same ones.  Texts never contain '<', '>'
 * or '&', so they may be written into HTML unescaped.
 */
#ifndef PX_REPORT_I18N_H
#define PX_REPORT_I18N_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

enum px_lang { PX_LANG_EN, PX_LANG_ZH, PX_LANG__N };

struct px_i18n_msg {
	const char *id;
	const char *text[PX_LANG__N];
};

/* "en" or "zh" to a language; anything else (NULL too) is PX_EINVAL. */
PX_MUST_CHECK int px_lang_parse(enum px_lang *out, const char *s);
/* The BCP 47 tag for HTML's lang attribute: "en" or "zh-Hans". */
const char *px_lang_tag(enum px_lang lang);

/* The text of message `id`; an id the table lacks is a bug of ours, and
 * gives the id itself.  Static storage, never NULL. */
const char *px_tr(enum px_lang lang, const char *id);
/* The label of wire name `wire` in `group` ("kind", "cat", "clock",
 * "cstate", "state", "outcome", "reason", "type", "leaf", "dir"), or
 * `wire` itself (borrowed) when the table does not know it. */
const char *px_tr_wire(enum px_lang lang, const char *group, const char *wire);
/* Appends `text` with {1} and {2} replaced by a1 and a2 (written as they
 * are: the caller escapes them for its format).  Unbounded buffers only. */
void px_tr_fill(
    struct px_buf *out, const char *text, const char *a1, const char *a2);

/* Writes a duration for people: "45 min", "3 h 20 min", "2 d 4 h" (in
 * Chinese "45 分钟", "3 小时 20 分钟", "2 天 4 小时"); under a minute in
 * seconds.  Truncates to the unit shown.  48 bytes always suffice. */
void px_i18n_duration(char *out, size_t n, enum px_lang lang, int64_t ms);

/* The table, for tests: its length and its i-th row. */
size_t px_i18n_count(void);
const struct px_i18n_msg *px_i18n_at(size_t i);

#endif
