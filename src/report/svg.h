/*
 * Small inline SVG charts for the review page: grouped bars and lines with
 * gaps, drawn for print and for readers who cannot tell colours apart.
 *
 * Each series has a colour, and also a shape that survives greyscale and
 * colour blindness: series 0 is solid dark blue with round markers; series
 * 1 is orange, hatched as bars and dashed with hollow square markers as a
 * line.  Every chart has a <title> and <desc> (named by aria-labelledby),
 * axes with tick labels, and a legend.  Nothing outside the <svg> element
 * is referenced, so the page renders offline.
 *
 * Elements a test may count: bars are <rect class="bar sK">, line runs
 * are <polyline class="line sK">, point markers have class "mk sK".
 */
#ifndef PX_REPORT_SVG_H
#define PX_REPORT_SVG_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

#define PX_SVG_MAX_SERIES 2

struct px_svg_series {
	const char *name; /* legend text, plain (escaped here) */
	const double *v;  /* one value per x label */
	const bool *have; /* NULL: all present; have[i] false: a gap */
};

struct px_svg_chart {
	const char *id;           /* unique in the page; ids inside derive */
	const char *title, *desc; /* plain text */
	const char *x_title, *y_title;
	const char *const *x; /* n labels, plain text */
	size_t n;
	const struct px_svg_series *s;
	size_t ns;         /* 1 .. PX_SVG_MAX_SERIES */
	bool percent;      /* values 0..100, axis shown in % */
	bool label_values; /* write each value by its bar or point */
};

/* True when the chart has something to show: at least one x label and
 * one present value, and with `nonzero`, one value above 0. */
bool px_svg_has_data(const struct px_svg_chart *c, bool nonzero);
/* Append an <svg> element: grouped bars, one group per x label. */
void px_svg_bars(struct px_buf *out, const struct px_svg_chart *c);
/* Append an <svg> element: one line per series, broken where a value is
 * absent; a point with no neighbour shows as its marker alone. */
void px_svg_lines(struct px_buf *out, const struct px_svg_chart *c);

#endif
