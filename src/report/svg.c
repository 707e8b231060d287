/*
 * The charts are drawn on a canvas 680 wide (viewBox) that the page scales
 * to its width; coordinates are written with one decimal.  The plot area
 * is fixed; below it the canvas grows when bar labels are too wide for
 * their slot and are set at a slant (categories are never dropped), while
 * a line chart's time axis shows every k-th label instead.  Text
 * widths are estimated (no font metrics offline): a CJK character counts
 * one em, anything else a little over half, which is enough to space the
 * legend and thin out crowded axis labels.
 */
#include <assert.h>

#include "report/data.h"
#include "report/svg.h"
#include "util/util.h"

#define W       680.0
#define X0      60.0 /* plot area */
#define X1      664.0
#define Y0      46.0
#define Y1      236.0
#define FONT_PX 11.0

static const char *const fill[PX_SVG_MAX_SERIES] = { "#1f4e79", "#e69f00" };
static const char *const ink[PX_SVG_MAX_SERIES] = { "#1f4e79", "#a35f00" };

struct layout {
	double h;     /* canvas height */
	size_t every; /* label every k-th x value */
	bool slant;   /* labels at -30 degrees */
};

static double
text_width(const char *s, double px)
{
	const unsigned char *p = (const unsigned char *)s;
	double w = 0;

	for (; *p != '\0'; p++) {
		if ((*p & 0xc0) == 0x80)
			continue; /* continuation byte */
		w += *p >= 0xe3 ? px : px * 0.58;
	}
	return w;
}

bool
px_svg_has_data(const struct px_svg_chart *c, bool nonzero)
{
	size_t k, i;

	for (k = 0; k < c->ns; k++)
		for (i = 0; i < c->n; i++)
			if ((c->s[k].have == NULL || c->s[k].have[i]) &&
			    (!nonzero || c->s[k].v[i] > 0))
				return true;
	return false;
}

/* The top of the y axis and its tick step: 0..100 by 25 for shares, else
 * a step of 1, 2 or 5 times a power of ten giving at most five intervals. */
static void
y_scale(const struct px_svg_chart *c, double *top, double *step)
{
	double m = 0, base = 1;
	size_t k, i;

	if (c->percent) {
		*top = 100;
		*step = 25;
		return;
	}
	for (k = 0; k < c->ns; k++)
		for (i = 0; i < c->n; i++)
			if ((c->s[k].have == NULL || c->s[k].have[i]) &&
			    c->s[k].v[i] > m)
				m = c->s[k].v[i];
	for (;;) {
		static const double mult[] = { 1, 2, 5 };

		for (i = 0; i < PX_ARRAY_LEN(mult); i++) {
			if (m <= mult[i] * base * 5) {
				*step = mult[i] * base;
				*top = *step;
				while (*top < m)
					*top += *step;
				return;
			}
		}
		base *= 10;
	}
}

static double
y_of(double v, double top)
{
	return Y1 - (v / top) * (Y1 - Y0);
}

static void
plan(struct layout *l, const struct px_svg_chart *c, bool categorical)
{
	double band = (X1 - X0) / (double)c->n, widest = 0;
	size_t i;

	for (i = 0; i < c->n; i++) {
		double w = text_width(c->x[i], FONT_PX);

		if (w > widest)
			widest = w;
	}
	l->h = Y1 + 64;
	l->every = 1;
	l->slant = false;
	if (widest + 8 <= band)
		return;
	if (categorical) {
		l->slant = true;
		l->h = Y1 + 20 + widest * 0.5 + FONT_PX + 28;
		return;
	}
	while (band * (double)l->every < widest + 8 && l->every < c->n)
		l->every++;
}

static void
fmt_value(char *out, size_t n, const struct px_svg_chart *c, double v)
{
	if (c->percent)
		snprintf(out, n, "%.1f%%", v);
	else
		snprintf(out, n, "%.0f", v);
}

static void
open_svg(struct px_buf *o, const struct px_svg_chart *c, const struct layout *l)
{
	assert(c->ns >= 1 && c->ns <= PX_SVG_MAX_SERIES);
	px_buf_puts(o, "<svg class=\"chart\" id=\"");
	px_html_escape(o, c->id);
	px_buf_putf(o,
	    "\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
	    "aria-labelledby=\"",
	    W, l->h);
	px_html_escape(o, c->id);
	px_buf_puts(o, "-t ");
	px_html_escape(o, c->id);
	px_buf_puts(o, "-d\" font-size=\"11\">\n<title id=\"");
	px_html_escape(o, c->id);
	px_buf_puts(o, "-t\">");
	px_html_escape(o, c->title);
	px_buf_puts(o, "</title>\n<desc id=\"");
	px_html_escape(o, c->id);
	px_buf_puts(o, "-d\">");
	px_html_escape(o, c->desc);
	px_buf_puts(o, "</desc>\n");
	/* Hatching for series 1 bars: diagonal dark strokes on orange. */
	px_buf_puts(o, "<defs><pattern id=\"");
	px_html_escape(o, c->id);
	px_buf_putf(o,
	    "-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
	    "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" "
	    "fill=\"%s\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" "
	    "stroke=\"%s\" stroke-width=\"2.4\"/></pattern></defs>\n",
	    fill[1], ink[1]);
}

/* Grid, y ticks, x labels, axis titles. */
static void
axes(struct px_buf *o, const struct px_svg_chart *c, const struct layout *l,
    double top, double step)
{
	double band = (X1 - X0) / (double)c->n, v;
	size_t i;
	char t[32];

	for (v = 0; v <= top + step / 2; v += step) {
		double y = y_of(v, top);

		px_buf_putf(o,
		    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		    "stroke=\"%s\" stroke-width=\"1\"/>",
		    X0, y, X1, y, v == 0 ? "#5b6573" : "#dde2e8");
		if (c->percent)
			snprintf(t, sizeof(t), "%.0f%%", v);
		else
			snprintf(t, sizeof(t), "%.0f", v);
		px_buf_putf(o,
		    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
		    "fill=\"#3d4652\">%s</text>\n",
		    X0 - 6, y + 4, t);
	}
	px_buf_putf(o,
	    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
	    "stroke=\"#5b6573\" stroke-width=\"1\"/>\n",
	    X0, Y0, X0, Y1);

	for (i = 0; i < c->n; i += l->every) {
		double x = X0 + band * ((double)i + 0.5);

		px_buf_putf(o,
		    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		    "stroke=\"#5b6573\"/>",
		    x, Y1, x, Y1 + 4);
		if (l->slant)
			px_buf_putf(o,
			    "<text transform=\"translate(%.1f %.1f) "
			    "rotate(-30)\" text-anchor=\"end\" "
			    "fill=\"#3d4652\">",
			    x + 4, Y1 + 16);
		else
			px_buf_putf(o,
			    "<text x=\"%.1f\" y=\"%.1f\" "
			    "text-anchor=\"middle\" fill=\"#3d4652\">",
			    x, Y1 + 17);
		px_html_escape(o, c->x[i]);
		px_buf_puts(o, "</text>\n");
	}
	px_buf_putf(o,
	    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
	    "fill=\"#1d2430\" font-weight=\"600\">",
	    (X0 + X1) / 2, l->h - 14);
	px_html_escape(o, c->x_title);
	px_buf_putf(o,
	    "</text>\n<text transform=\"translate(16 %.1f) rotate(-90)\" "
	    "text-anchor=\"middle\" fill=\"#1d2430\" font-weight=\"600\">",
	    (Y0 + Y1) / 2);
	px_html_escape(o, c->y_title);
	px_buf_puts(o, "</text>\n");
}

/* Opens the <svg> and draws what every chart has; returns the top of the
 * y axis, for placing values. */
static double
frame(struct px_buf *o, const struct px_svg_chart *c, bool categorical)
{
	struct layout l;
	double top, step;

	plan(&l, c, categorical);
	open_svg(o, c, &l);
	y_scale(c, &top, &step);
	axes(o, c, &l, top, step);
	return top;
}

static void
marker(struct px_buf *o, size_t k, double x, double y)
{
	if (k == 0)
		px_buf_putf(o,
		    "<circle class=\"mk s0\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.8\" "
		    "fill=\"%s\"/>",
		    x, y, fill[0]);
	else
		px_buf_putf(o,
		    "<rect class=\"mk s1\" x=\"%.1f\" y=\"%.1f\" width=\"7\" "
		    "height=\"7\" fill=\"#ffffff\" stroke=\"%s\" "
		    "stroke-width=\"1.8\"/>",
		    x - 3.5, y - 3.5, ink[1]);
}

static void
legend(struct px_buf *o, const struct px_svg_chart *c, bool lines)
{
	double x = X0;
	size_t k;

	for (k = 0; k < c->ns; k++) {
		if (lines) {
			px_buf_putf(o,
			    "<line x1=\"%.1f\" y1=\"18\" x2=\"%.1f\" y2=\"18\" "
			    "stroke=\"%s\" stroke-width=\"2\"%s/>",
			    x, x + 22, k ? ink[1] : fill[0],
			    k ? " stroke-dasharray=\"6 4\"" : "");
			marker(o, k, x + 11, 18);
		} else if (k == 0) {
			px_buf_putf(o,
			    "<rect class=\"key s0\" x=\"%.1f\" y=\"12\" "
			    "width=\"22\" height=\"12\" fill=\"%s\"/>",
			    x, fill[0]);
		} else {
			px_buf_putf(o,
			    "<rect class=\"key s1\" x=\"%.1f\" y=\"12\" "
			    "width=\"22\" height=\"12\" fill=\"url(#",
			    x);
			px_html_escape(o, c->id);
			px_buf_putf(o, "-hatch)\" stroke=\"%s\"/>", ink[1]);
		}
		px_buf_putf(
		    o, "<text x=\"%.1f\" y=\"22\" fill=\"#1d2430\">", x + 28);
		px_html_escape(o, c->s[k].name);
		px_buf_puts(o, "</text>\n");
		x += 28 + text_width(c->s[k].name, FONT_PX) + 22;
	}
}

void
px_svg_bars(struct px_buf *o, const struct px_svg_chart *c)
{
	double top = frame(o, c, true), band, group, bw;
	size_t i, k;
	char t[32];

	band = (X1 - X0) / (double)c->n;
	group = band * 0.72;
	bw = group / (double)c->ns;
	for (k = 0; k < c->ns; k++) {
		for (i = 0; i < c->n; i++) {
			double v = c->s[k].have == NULL || c->s[k].have[i]
			    ? c->s[k].v[i]
			    : 0;
			double x = X0 + band * (double)i + (band - group) / 2 +
			    bw * (double)k;
			double y = y_of(v, top);

			px_buf_putf(o,
			    "<rect class=\"bar s%zu\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.1f\" ",
			    k, x + 1, y, bw - 2, Y1 - y);
			if (k == 0) {
				px_buf_putf(o, "fill=\"%s\"", fill[0]);
			} else {
				px_buf_puts(o, "fill=\"url(#");
				px_html_escape(o, c->id);
				px_buf_putf(o,
				    "-hatch)\" stroke=\"%s\" "
				    "stroke-width=\"0.8\"",
				    ink[1]);
			}
			fmt_value(t, sizeof(t), c, v);
			px_buf_puts(o, "><title>");
			px_html_escape(o, c->s[k].name);
			px_buf_puts(o, ", ");
			px_html_escape(o, c->x[i]);
			px_buf_putf(o, ": %s</title></rect>", t);
			if (c->label_values && v > 0)
				px_buf_putf(o,
				    "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" "
				    "text-anchor=\"middle\" font-size=\"9.5\" "
				    "fill=\"#1d2430\">%s</text>",
				    x + bw / 2, y - 3, t);
			px_buf_puts(o, "\n");
		}
	}
	legend(o, c, false);
	px_buf_puts(o, "</svg>\n");
}

/* Writes the polylines of series k: one per run of two or more present
 * points, so that an absent value leaves a visible gap. */
static void
runs(struct px_buf *o, const struct px_svg_chart *c, size_t k, double top)
{
	const struct px_svg_series *s = &c->s[k];
	double band = (X1 - X0) / (double)c->n;
	size_t i = 0, j, first;

	while (i < c->n) {
		if (s->have != NULL && !s->have[i]) {
			i++;
			continue;
		}
		j = i;
		while (j < c->n && (s->have == NULL || s->have[j]))
			j++;
		if (j - i >= 2) {
			px_buf_putf(o,
			    "<polyline class=\"line s%zu\" fill=\"none\" "
			    "stroke=\"%s\" stroke-width=\"2\" "
			    "stroke-linejoin=\"round\"%s points=\"",
			    k, k ? ink[1] : fill[0],
			    k ? " stroke-dasharray=\"6 4\"" : "");
			for (first = i; i < j; i++)
				px_buf_putf(o, "%s%.1f,%.1f",
				    i == first ? "" : " ",
				    X0 + band * ((double)i + 0.5),
				    y_of(s->v[i], top));
			px_buf_puts(o, "\"/>\n");
		}
		i = j;
	}
}

void
px_svg_lines(struct px_buf *o, const struct px_svg_chart *c)
{
	double top = frame(o, c, false), band;
	size_t i, k;
	char t[32];

	band = (X1 - X0) / (double)c->n;
	for (k = 0; k < c->ns; k++)
		runs(o, c, k, top);
	for (k = 0; k < c->ns; k++) {
		for (i = 0; i < c->n; i++) {
			double x = X0 + band * ((double)i + 0.5), y;

			if (c->s[k].have != NULL && !c->s[k].have[i])
				continue;
			y = y_of(c->s[k].v[i], top);
			marker(o, k, x, y);
			if (c->label_values) {
				/* Series 0 labels above its points, series 1
				 * below (unless that is under the axis), so
				 * the two rarely collide. */
				double ty =
				    k == 0 || y + 16 > Y1 - 2 ? y - 8 : y + 16;

				fmt_value(t, sizeof(t), c, c->s[k].v[i]);
				px_buf_putf(o,
				    "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" "
				    "text-anchor=\"middle\" font-size=\"9.5\" "
				    "fill=\"%s\">%s</text>",
				    x, ty, k ? ink[1] : fill[0], t);
			}
			px_buf_puts(o, "\n");
		}
	}
	legend(o, c, true);
	px_buf_puts(o, "</svg>\n");
}
