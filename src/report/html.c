/*
 * The review report as one self-contained HTML page.
 *
 * The page is read twice a year across a table by people who are not
 * engineers, often printed: so every section opens with a heading and a
 * sentence saying what it shows, figures are in tables with right-aligned
 * numbers, charts repeat what the tables say, and in print each section
 * starts a new A4 page.  Nothing is loaded from anywhere (no fonts,
 * scripts, images or style sheets by address): the page must open the
 * same on an air-gapped laptop in a meeting room years later.
 *
 * Everything that came from the report (node names, refs, the checkpoint
 * note) goes through px_html_escape; texts from the i18n table are ours
 * and free of markup characters (the unit test checks), so they are
 * written as they are.
 *
 * The page is built in a buffer of our own, which only fails by aborting
 * on a bug; the caller's buffer, which may have a cap, gets it in one
 * append at the end.
 */
#include <inttypes.h>

#include "report/data.h"
#include "report/i18n.h"
#include "report/render.h"
#include "report/svg.h"
#include "util/tz.h"
#include "util/util.h"

struct page {
	struct px_buf b;
	enum px_lang lang;
	const struct px_report *r;
	const struct px_tz *tz; /* the report's zone, or NULL */
	char *node, *peer;      /* escaped for HTML */
	int sec;                /* sections written so far, for their numbers */
	int fig;                /* figures likewise */
};

static const char style[] =
    "@page{size:A4;margin:18mm 16mm 20mm}\n"
    ":root{--ink:#1d2430;--muted:#5b6573;--rule:#c9d1db;--head:#1f3a5f;"
    "--tint:#f2f4f7}\n"
    "html{background:#fff}\n"
    "body{margin:0 auto;max-width:190mm;padding:28px 32px 48px;"
    "color:var(--ink);font-size:10.5pt;line-height:1.5;"
    "font-family:\"Helvetica Neue\",Helvetica,Arial,\"Noto Sans CJK SC\","
    "\"Source Han Sans SC\",\"PingFang SC\",\"Microsoft YaHei\","
    "sans-serif}\n"
    "h1,h2{font-family:Georgia,\"Times New Roman\",\"Noto Serif CJK SC\","
    "\"Source Han Serif SC\",\"Songti SC\",SimSun,serif;"
    "color:var(--head);font-weight:600}\n"
    "header.cover{border-top:6px solid var(--head);padding-top:16px}\n"
    ".kicker{text-transform:uppercase;letter-spacing:.08em;font-size:8.5pt;"
    "color:var(--muted);margin:0}\n"
    "h1{font-size:22pt;line-height:1.2;margin:6px 0 16px}\n"
    "dl.meta{display:grid;grid-template-columns:max-content 1fr;"
    "gap:3px 20px;margin:0 0 8px}\n"
    "dl.meta dt{color:var(--muted)}dl.meta dd{margin:0}\n"
    ".note{color:var(--muted);font-size:9pt}\n"
    "section{margin-top:30px}\n"
    "h2{font-size:15pt;border-bottom:1px solid var(--rule);"
    "padding-bottom:4px;margin:0 0 8px}\n"
    "h2 .num{color:var(--muted);font-weight:400;margin-right:.35em}\n"
    "h3{font-size:11pt;margin:18px 0 6px}\n"
    "p{margin:0 0 10px;max-width:46em}\n"
    "ul.dirs{margin:0 0 10px;padding-left:1.2em}\n"
    "table{border-collapse:collapse;width:100%;margin:6px 0 16px;"
    "font-size:9.5pt}\n"
    "table.dirs{width:auto;min-width:62%}table.dirs .n{padding-left:3em}"
    "\n"
    "th,td{padding:4px 8px;border-bottom:1px solid #e3e7ec;"
    "text-align:left;vertical-align:top}\n"
    "thead th{background:var(--tint);border-bottom:1.5px solid "
    "var(--head);font-weight:600;vertical-align:bottom}\n"
    "tbody th{font-weight:400}\n"
    ".n{text-align:right;font-variant-numeric:tabular-nums;"
    "white-space:nowrap}\n"
    "tr.grp th{color:var(--head);font-weight:600;padding-top:10px;"
    "border-bottom:1px solid var(--rule)}\n"
    "th small,dt small{display:block;font-weight:400;color:var(--muted);"
    "font-size:8.5pt}\n"
    ".cards{display:grid;grid-template-columns:repeat(4,1fr);gap:10px;"
    "margin:8px 0 4px}\n"
    ".card{border:1px solid var(--rule);border-top:3px solid var(--head);"
    "padding:8px 10px;break-inside:avoid}\n"
    ".card h3{margin:0 0 6px;font-size:9pt;color:var(--muted);"
    "font-weight:600;min-height:2.6em}\n"
    ".card dl{margin:0;display:grid;grid-template-columns:1fr 1fr;"
    "gap:4px}\n"
    ".card dt{font-size:8.5pt;color:var(--muted)}.card dd{margin:0}\n"
    "p.key{font-size:9pt;color:var(--muted);margin:0 0 6px}\n"
    ".fig{font-size:13pt;font-weight:600;font-variant-numeric:tabular-nums}"
    "\n"
    "dl.clocks{display:grid;grid-template-columns:max-content 1fr;"
    "gap:2px 14px;margin:0 0 12px}dl.clocks dt{font-weight:600}"
    "dl.clocks dd{margin:0}\n"
    "figure{margin:10px 0 18px;break-inside:avoid}\n"
    "figcaption{font-size:9pt;color:var(--muted);margin-top:2px}\n"
    "svg.chart{display:block;width:100%;max-width:680px;height:auto;"
    "font-family:inherit}\n"
    ".nodata{border:1px dashed var(--rule);padding:22px;"
    "color:var(--muted);text-align:center;font-style:italic;"
    "max-width:640px}\n"
    "pre{background:var(--tint);border:1px solid var(--rule);"
    "padding:8px 10px;font-size:8.5pt;white-space:pre-wrap;"
    "word-break:break-all}\n"
    "code,pre{font-family:\"DejaVu Sans Mono\",Menlo,Consolas,monospace}"
    "\n"
    "code{font-size:9pt;word-break:break-all}\n"
    "tr.stale td,tr.stale th{background:#fbeeee}\n"
    ".flag{color:#8a1c1c;font-weight:600}\n"
    "table.cases{font-size:8.5pt}table.cases ul{list-style:none;"
    "margin:0;padding:0}table.cases td{padding:3px 5px}\n"
    "table.cases code,ul.log li{white-space:nowrap}\n"
    "@page wide{size:A4 landscape;margin:14mm 14mm 16mm}\n"
    "section#cases{page:wide}\n"
    "footer{margin-top:34px;border-top:1px solid var(--rule);"
    "padding-top:6px;font-size:8.5pt;color:var(--muted)}\n"
    "@media print{body{max-width:none;padding:0}"
    "section{break-before:page;margin-top:0}section.cont{"
    "break-before:auto;margin-top:24px}"
    "thead{display:table-header-group}tr{break-inside:avoid}"
    "h2,h3{break-after:avoid}}\n";

static const char *
T(const struct page *p, const char *id)
{
	return px_tr(p->lang, id);
}

static void
put(struct page *p, const char *s)
{
	px_buf_puts(&p->b, s);
}

static void
esc(struct page *p, const char *s)
{
	px_html_escape(&p->b, s);
}

/* A message of the table with {1} = node and {2} = peer. */
static void
say(struct page *p, const char *id)
{
	px_tr_fill(&p->b, T(p, id), p->node, p->peer);
}

static const char *
wire(const struct page *p, const char *group, const char *w)
{
	return px_tr_wire(p->lang, group, w);
}

static char *
escaped(const char *s)
{
	struct px_buf b;

	px_buf_init(&b, PX_BUF_NOCAP);
	px_html_escape(&b, s);
	return px_buf_detach(&b, NULL);
}

static void
fmt_count(char *out, size_t n, int64_t v)
{
	snprintf(out, n, "%lld", (long long)v);
}

static void
fmt_pct(char *out, size_t n, double share)
{
	char v[PX_RFIG];

	px_rfmt_pct(v, sizeof(v), share);
	if (share < 0)
		snprintf(out, n, "%s", "\xe2\x80\x94"); /* em dash */
	else
		snprintf(out, n, "%s%%", v);
}

static void
fmt_dur(const struct page *p, char *out, size_t n, int64_t ms)
{
	if (ms < 0)
		snprintf(out, n, "%s", "\xe2\x80\x94");
	else
		px_i18n_duration(out, n, p->lang, ms);
}

static void
fmt_mean(char *out, size_t n, double mean)
{
	if (mean < 0)
		snprintf(out, n, "%s", "\xe2\x80\x94");
	else
		px_rfmt_mean(out, n, mean);
}

static void
fmt_utc(const struct page *p, char *out, size_t n, int64_t ms)
{
	char t[PX_RFIG];
	struct px_buf b;

	px_rfmt_time(t, sizeof(t), ms, false);
	px_buf_init(&b, PX_BUF_NOCAP);
	px_tr_fill(&b, T(p, "gen.utc"), t, "");
	snprintf(out, n, "%s", b.data);
	px_buf_dispose(&b);
}

/* "Outbound, answered by us-cert" as plain text (for SVG legends); the
 * caller frees. */
static char *
dir_plain(const struct page *p, enum px_rdir d)
{
	struct px_buf by, all;

	px_buf_init(&by, PX_BUF_NOCAP);
	px_buf_init(&all, PX_BUF_NOCAP);
	px_tr_fill(&by,
	    T(p, d == PX_RD_OUT ? "dir.outbound.by" : "dir.inbound.by"),
	    p->r->node, p->r->peer);
	px_tr_fill(&all, T(p, "dir.with_by"),
	    T(p, d == PX_RD_OUT ? "dir.outbound" : "dir.inbound"), by.data);
	px_buf_dispose(&by);
	return px_buf_detach(&all, NULL);
}

/* The direction's name with "answered by X" under it. */
static void
dir_head(struct page *p, enum px_rdir d)
{
	put(p, T(p, d == PX_RD_OUT ? "dir.outbound" : "dir.inbound"));
	put(p, "<small>");
	say(p, d == PX_RD_OUT ? "dir.outbound.by" : "dir.inbound.by");
	put(p, "</small>");
}

static void
section(struct page *p, const char *id, const char *title_id,
    const char *text_id, bool cont)
{
	px_buf_putf(&p->b,
	    "<section id=\"%s\"%s>\n<h2><span class=\"num\">%d"
	    ".</span>",
	    id, cont ? " class=\"cont\"" : "", ++p->sec);
	put(p, T(p, title_id));
	put(p, "</h2>\n");
	if (text_id != NULL) {
		put(p, "<p>");
		say(p, text_id);
		put(p, "</p>\n");
	}
}

/* A table with one row per figure and a column per direction. */
static void
dtable_open(struct page *p, const char *corner)
{
	enum px_rdir d;

	put(p, "<table class=\"dirs\">\n<thead><tr><th scope=\"col\">");
	if (corner != NULL)
		put(p, corner);
	put(p, "</th>");
	for (d = 0; d < PX_RD__N; d++) {
		put(p, "<th scope=\"col\" class=\"n\">");
		dir_head(p, d);
		put(p, "</th>");
	}
	put(p, "</tr></thead>\n<tbody>\n");
}

/* `label` is plain text (escaped here); the figures are ours. */
static void
dtable_row(
    struct page *p, const char *label, const char *out_fig, const char *in_fig)
{
	put(p, "<tr><th scope=\"row\">");
	esc(p, label);
	put(p, "</th><td class=\"n\">");
	put(p, out_fig);
	put(p, "</td><td class=\"n\">");
	put(p, in_fig);
	put(p, "</td></tr>\n");
}

enum figkind { FIG_COUNT, FIG_SHARE, FIG_DURATION, FIG_MEAN };

/* A figure of either direction as the page shows it (null: a dash). */
static void
fmt_fig(const struct page *p, char *out, size_t n, enum figkind k, double v)
{
	switch (k) {
	case FIG_COUNT:
		fmt_count(out, n, (int64_t)v);
		break;
	case FIG_SHARE:
		fmt_pct(out, n, v);
		break;
	case FIG_DURATION:
		fmt_dur(p, out, n, (int64_t)v);
		break;
	case FIG_MEAN:
		fmt_mean(out, n, v);
		break;
	}
}

static void
dtable_figs(
    struct page *p, const char *label, enum figkind k, double o, double i)
{
	char a[PX_RFIG], b[PX_RFIG];

	fmt_fig(p, a, sizeof(a), k, o);
	fmt_fig(p, b, sizeof(b), k, i);
	dtable_row(p, label, a, b);
}

static void
dtable_counts(struct page *p, const char *label, int64_t o, int64_t i)
{
	dtable_figs(p, label, FIG_COUNT, (double)o, (double)i);
}

static void
dtable_close(struct page *p)
{
	put(p, "</tbody></table>\n");
}

/* "Figure 3. Title", numbered through the page. */
static void
caption(struct page *p, const char *title)
{
	struct px_buf t;
	char n[16];

	px_buf_init(&t, PX_BUF_NOCAP);
	px_html_escape(&t, title);
	snprintf(n, sizeof(n), "%d", ++p->fig);
	put(p, "<figcaption>");
	px_tr_fill(&p->b, T(p, "fig.caption"), n, t.data);
	put(p, "</figcaption>");
	px_buf_dispose(&t);
}

static void
nodata(struct page *p, const char *title)
{
	put(p, "<figure><div class=\"nodata\">");
	put(p, T(p, "nodata"));
	put(p, "</div>");
	caption(p, title);
	put(p, "</figure>\n");
}

/* A chart with both directions as its series, or the no-data note. */
static void
chart(struct page *p, struct px_svg_chart *c, const double *v[PX_RD__N],
    const bool *have[PX_RD__N], bool lines, bool nonzero)
{
	struct px_svg_series s[PX_RD__N];
	char *names[PX_RD__N];
	enum px_rdir d;

	for (d = 0; d < PX_RD__N; d++) {
		names[d] = dir_plain(p, d);
		s[d].name = names[d];
		s[d].v = v[d];
		s[d].have = have ? have[d] : NULL;
	}
	c->s = s;
	c->ns = PX_RD__N;
	if (c->n == 0 || !px_svg_has_data(c, nonzero)) {
		nodata(p, c->title);
	} else {
		put(p, "<figure>");
		if (lines)
			px_svg_lines(&p->b, c);
		else
			px_svg_bars(&p->b, c);
		caption(p, c->title);
		put(p, "</figure>\n");
	}
	for (d = 0; d < PX_RD__N; d++)
		free(names[d]);
}

static void
head(struct page *p)
{
	put(p, "<!DOCTYPE html>\n<html lang=\"");
	put(p, px_lang_tag(p->lang));
	put(p,
	    "\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>");
	say(p, "doc.title");
	put(p, "</title>\n<style>\n");
	put(p, style);
	put(p, "</style>\n</head>\n<body>\n");
}

static void
meta_row(struct page *p, const char *label_id, const char *value_html)
{
	put(p, "<dt>");
	put(p, T(p, label_id));
	put(p, "</dt><dd>");
	put(p, value_html);
	put(p, "</dd>\n");
}

/* The period as a reader chose it: whole days in the report's zone
 * ("2026-06-01 to 2026-11-30, both days included") when both ends are
 * local midnights, else local times; "" without a zone. */
static void
local_period(const struct page *p, struct px_buf *out)
{
	struct px_localtime f, t;
	char a[40], b[40];
	struct px_buf v;

	if (p->tz == NULL || p->r->timezone == NULL ||
	    strcmp(px_tz_name(p->tz), p->r->timezone) != 0)
		return;
	px_tz_local(&f, p->tz, p->r->from_ms);
	px_tz_local(&t, p->tz, p->r->to_ms);
	px_buf_init(&v, PX_BUF_NOCAP);
	if (f.hour == 0 && f.minute == 0 && t.hour == 0 && t.minute == 0 &&
	    f.second == 0 && t.second == 0 && f.ms == 0 && t.ms == 0) {
		/* The last day included is the one before the end. */
		px_tz_local(&t, p->tz, p->r->to_ms - 1);
		snprintf(a, sizeof(a), "%04" PRId64 "-%02u-%02u", f.year,
		    f.month, f.day);
		snprintf(b, sizeof(b), "%04" PRId64 "-%02u-%02u", t.year,
		    t.month, t.day);
		px_tr_fill(&v, T(p, "meta.days"), a, b);
	} else {
		snprintf(a, sizeof(a), "%04" PRId64 "-%02u-%02u %02u:%02u",
		    f.year, f.month, f.day, f.hour, f.minute);
		snprintf(b, sizeof(b), "%04" PRId64 "-%02u-%02u %02u:%02u",
		    t.year, t.month, t.day, t.hour, t.minute);
		px_tr_fill(&v, T(p, "meta.period_value"), a, b);
	}
	px_tr_fill(out, T(p, "meta.in_zone"), v.data, p->r->timezone);
	px_buf_dispose(&v);
}

static void
cover(struct page *p)
{
	const struct px_report *r = p->r;
	char a[PX_RFIG], b[PX_RFIG];
	struct px_buf v;

	put(p, "<header class=\"cover\">\n<p class=\"kicker\">");
	put(p, T(p, "doc.kicker"));
	put(p, "</p>\n<h1>");
	say(p, "doc.title");
	put(p, "</h1>\n<dl class=\"meta\">\n");
	meta_row(p, "meta.node", p->node);
	meta_row(p, "meta.peer", p->peer);
	fmt_utc(p, a, sizeof(a), r->from_ms);
	fmt_utc(p, b, sizeof(b), r->to_ms);
	px_buf_init(&v, PX_BUF_NOCAP);
	local_period(p, &v);
	if (v.len) {
		meta_row(p, "meta.period", v.data);
		px_buf_reset(&v);
		px_tr_fill(&v, T(p, "meta.period_value"), a, b);
		meta_row(p, "meta.period_utc", v.data);
	} else {
		px_tr_fill(&v, T(p, "meta.period_value"), a, b);
		meta_row(p, "meta.period", v.data);
	}
	px_buf_dispose(&v);
	fmt_utc(p, a, sizeof(a), r->as_of_ms);
	meta_row(p, "meta.as_of", a);
	fmt_utc(p, a, sizeof(a), r->generated_ms);
	meta_row(p, "meta.generated", a);
	put(p, "<dt>");
	put(p, T(p, "meta.timezone"));
	put(p, "</dt><dd>");
	esc(p, r->timezone);
	put(p, "</dd>\n</dl>\n<p class=\"note\">");
	put(p, T(p, "meta.times_utc"));
	put(p, "</p>\n</header>\n");
}

static void
intro(struct page *p)
{
	section(p, "about", "sec.intro", "intro.text", true);
	put(p, "<ul class=\"dirs\">\n<li><strong>");
	put(p, T(p, "dir.outbound"));
	put(p, "</strong>: ");
	say(p, "intro.outbound");
	put(p, "</li>\n<li><strong>");
	put(p, T(p, "dir.inbound"));
	put(p, "</strong>: ");
	say(p, "intro.inbound");
	put(p, "</li>\n</ul>\n<p>");
	put(p, T(p, "intro.excluded"));
	put(p, "</p>\n</section>\n");
}

static void
provenance(struct page *p)
{
	const struct px_report *r = p->r;
	char n[PX_RFIG];

	section(p, "record", "sec.provenance", "prov.text", true);
	put(p, "<dl class=\"meta\">\n<dt>");
	put(p, T(p, "cp.origin"));
	put(p, "</dt><dd>");
	esc(p, r->cp_origin);
	put(p, "</dd>\n");
	fmt_count(n, sizeof(n), r->cp_size);
	meta_row(p, "cp.size", n);
	put(p, "<dt>");
	put(p, T(p, "cp.root"));
	put(p, "</dt><dd><code>");
	esc(p, r->cp_root);
	put(p, "</code></dd>\n</dl>\n<p>");
	px_tr_fill(&p->b, T(p, "cp.verify"),
	    "<code>parley audit verify REPORT.json</code>", "");
	put(p, "</p>\n<h3>");
	put(p, T(p, "cp.note"));
	put(p, "</h3>\n<pre>");
	esc(p, r->cp_note);
	put(p, "</pre>\n</section>\n");
}

/* A summary card: a label (ours, no markup) and a figure per direction. */
static void
card(struct page *p, const char *label, enum figkind k, double o, double i)
{
	const double v[PX_RD__N] = { o, i };
	char f[PX_RFIG];
	enum px_rdir d;

	put(p, "<div class=\"card\"><h3>");
	put(p, label);
	put(p, "</h3><dl>");
	for (d = 0; d < PX_RD__N; d++) {
		fmt_fig(p, f, sizeof(f), k, v[d]);
		put(p, "<div><dt>");
		put(p, T(p, d == PX_RD_OUT ? "dir.outbound" : "dir.inbound"));
		put(p, "</dt><dd class=\"fig\">");
		put(p, f);
		put(p, "</dd></div>");
	}
	put(p, "</dl></div>\n");
}

static void
summary(struct page *p)
{
	const struct px_rdirdata *o = &p->r->dir[PX_RD_OUT],
	                         *i = &p->r->dir[PX_RD_IN];
	struct px_buf t;
	size_t c;

	px_buf_init(&t, PX_BUF_NOCAP);
	section(p, "summary", "sec.summary", "sum.text", false);
	put(p, "<p class=\"key\">");
	for (c = 0; c < PX_RD__N; c++) {
		char *k = dir_plain(p, (enum px_rdir)c);

		put(p, c ? " &#183; " : "");
		esc(p, k);
		free(k);
	}
	put(p, "</p>\n<div class=\"cards\">\n");
	card(p, T(p, "m.total"), FIG_COUNT, (double)o->total, (double)i->total);
	for (c = 0; c < PX_RC__N; c++) {
		px_buf_reset(&t);
		px_tr_fill(&t, T(p, "sum.within"),
		    wire(p, "clock", px_rclock_wire[c]), "");
		card(p, t.data, FIG_SHARE, o->clk[c].share, i->clk[c].share);
	}
	card(p, T(p, "sum.hotline"), FIG_SHARE, o->hl_rate, i->hl_rate);
	card(p, T(p, "sum.checks"), FIG_SHARE, o->ck_rate, i->ck_rate);
	card(p, T(p, "sum.rating"), FIG_MEAN, o->q_mean, i->q_mean);
	px_buf_dispose(&t);
	put(p, "</div>\n</section>\n");
}

/* A table and a bar chart of one kind of count (by kind, by category). */
static void
volume_block(struct page *p, const char *sub_id, const char *col_id,
    const char *group, const char *chart_id, const char *title_id,
    const json_t *mo, const json_t *mi, const char *const *known,
    size_t n_known)
{
	const char **keys, **labels;
	double *v[PX_RD__N];
	const double *cv[PX_RD__N];
	struct px_svg_chart c = { 0 };
	size_t n, k;
	char a[PX_RFIG], b[PX_RFIG], t[PX_RFIG];

	keys = px_rkeys(mo, mi, known, n_known, false, &n);
	labels = px_calloc(n + 1, sizeof(*labels));
	v[0] = px_calloc(n + 1, sizeof(double));
	v[1] = px_calloc(n + 1, sizeof(double));
	put(p, "<h3>");
	put(p, T(p, sub_id));
	put(p, "</h3>\n");
	dtable_open(p, T(p, col_id));
	for (k = 0; k < n; k++) {
		int64_t x = px_rcount(mo, keys[k]), y = px_rcount(mi, keys[k]);

		labels[k] = wire(p, group, keys[k]);
		v[0][k] = (double)x;
		v[1][k] = (double)y;
		fmt_count(a, sizeof(a), x);
		fmt_count(b, sizeof(b), y);
		dtable_row(p, labels[k], a, b);
	}
	put(p, "</tbody><tfoot><tr><th scope=\"row\">");
	put(p, T(p, "col.total"));
	fmt_count(t, sizeof(t), p->r->dir[PX_RD_OUT].total);
	px_buf_putf(&p->b, "</th><td class=\"n\"><strong>%s</strong></td>", t);
	fmt_count(t, sizeof(t), p->r->dir[PX_RD_IN].total);
	px_buf_putf(&p->b,
	    "<td class=\"n\"><strong>%s</strong></td></tr>"
	    "</tfoot></table>\n",
	    t);
	c.id = chart_id;
	c.title = T(p, title_id);
	c.desc = T(p, "chart.vol.desc");
	c.x_title = T(p, col_id);
	c.y_title = T(p, "axis.cases");
	c.x = labels;
	c.n = n;
	c.label_values = true;
	cv[0] = v[0];
	cv[1] = v[1];
	chart(p, &c, cv, NULL, false, true);
	free(v[0]);
	free(v[1]);
	free(labels);
	free(keys);
}

static void
volumes(struct page *p)
{
	const struct px_report *r = p->r;

	section(p, "volumes", "sec.volumes", "vol.text", false);
	volume_block(p, "vol.by_kind", "col.kind", "kind", "chart-kind",
	    "chart.kind.title", r->dir[PX_RD_OUT].by_kind,
	    r->dir[PX_RD_IN].by_kind, px_rkinds, px_rkinds_n);
	volume_block(p, "vol.by_cat", "col.category", "cat", "chart-category",
	    "chart.cat.title", r->dir[PX_RD_OUT].by_category,
	    r->dir[PX_RD_IN].by_category, px_rcategories, px_rcategories_n);
	put(p, "</section>\n");
}

static void
timeliness(struct page *p)
{
	static const char *const cols[] = { "col.measured", "col.within",
		"col.share", "col.median", "col.p90" };
	enum px_rdir d;
	size_t c, k;

	section(p, "timeliness", "sec.timeliness", "tl.text", false);
	put(p, "<dl class=\"clocks\">\n");
	for (c = 0; c < PX_RC__N; c++) {
		char id[48];

		snprintf(id, sizeof(id), "clockdesc.%s", px_rclock_wire[c]);
		put(p, "<dt>");
		put(p, wire(p, "clock", px_rclock_wire[c]));
		put(p, "</dt><dd>");
		put(p, T(p, id));
		put(p, "</dd>\n");
	}
	put(p,
	    "</dl>\n<table class=\"timeliness\">\n<thead><tr>"
	    "<th scope=\"col\">");
	put(p, T(p, "col.clock"));
	put(p, "</th>");
	for (k = 0; k < PX_ARRAY_LEN(cols); k++) {
		put(p, "<th scope=\"col\" class=\"n\">");
		put(p, T(p, cols[k]));
		put(p, "</th>");
	}
	put(p, "</tr></thead>\n");
	for (d = 0; d < PX_RD__N; d++) {
		put(p,
		    "<tbody><tr class=\"grp\"><th colspan=\"6\" "
		    "scope=\"rowgroup\">");
		dir_head(p, d);
		put(p, "</th></tr>\n");
		for (c = 0; c < PX_RC__N; c++) {
			const struct px_rtime *t = &p->r->dir[d].clk[c];
			char m[PX_RFIG], w[PX_RFIG], s[PX_RFIG], md[PX_RFIG],
			    p9[PX_RFIG];

			fmt_count(m, sizeof(m), t->measured);
			fmt_count(w, sizeof(w), t->within);
			fmt_pct(s, sizeof(s), t->share);
			fmt_dur(p, md, sizeof(md), t->median_ms);
			fmt_dur(p, p9, sizeof(p9), t->p90_ms);
			put(p, "<tr><th scope=\"row\">");
			put(p, wire(p, "clock", px_rclock_wire[c]));
			px_buf_putf(&p->b,
			    "</th><td class=\"n\">%s</td><td class=\"n\">%s"
			    "</td><td class=\"n\">%s</td><td class=\"n "
			    "median\">%s</td><td class=\"n p90\">%s</td>"
			    "</tr>\n",
			    m, w, s, md, p9);
		}
		put(p, "</tbody>\n");
	}
	put(p, "</table>\n</section>\n");
}

/* "< 15 min", "15 min–1 h", "≥ 3 d": the bins are [b[i], b[i+1]). */
static char *
bin_label(const struct page *p, size_t i)
{
	const struct px_report *r = p->r;
	char a[PX_RFIG], b[PX_RFIG];
	struct px_buf o;

	px_buf_init(&o, PX_BUF_NOCAP);
	px_i18n_duration(a, sizeof(a), p->lang, r->bins[i]);
	if (i + 1 == r->n_bins) {
		if (r->bins[i] == 0)
			px_buf_puts(&o, T(p, "dist.all"));
		else
			px_buf_putf(&o, "\xe2\x89\xa5 %s", a); /* ≥ */
	} else {
		px_i18n_duration(b, sizeof(b), p->lang, r->bins[i + 1]);
		if (r->bins[i] == 0)
			px_buf_putf(&o, "< %s", b);
		else
			px_buf_putf(&o, "%s\xe2\x80\x93%s", a, b); /* – */
	}
	return px_buf_detach(&o, NULL);
}

static void
distribution(struct page *p)
{
	const struct px_report *r = p->r;
	char **labels = px_calloc(r->n_bins + 1, sizeof(*labels));
	double *v[PX_RD__N];
	size_t i, c;

	section(p, "distribution", "sec.distribution", "dist.text", false);
	for (i = 0; i < r->n_bins; i++)
		labels[i] = bin_label(p, i);
	v[0] = px_calloc(r->n_bins + 1, sizeof(double));
	v[1] = px_calloc(r->n_bins + 1, sizeof(double));
	for (c = 0; c < PX_RC__N; c++) {
		const int64_t *h[PX_RD__N] = { r->dir[PX_RD_OUT].dist[c],
			r->dir[PX_RD_IN].dist[c] };
		const double *cv[PX_RD__N] = { v[0], v[1] };
		struct px_svg_chart ch = { 0 };
		struct px_buf title;
		char id[48];
		size_t d;

		/* Acknowledge and first response always have their chart
		 * (or a note); the others only when the report has them. */
		if (c != PX_RC_ACK && c != PX_RC_FIRST && h[0] == NULL &&
		    h[1] == NULL)
			continue;
		for (d = 0; d < PX_RD__N; d++)
			for (i = 0; i < r->n_bins; i++)
				v[d][i] = h[d] ? (double)h[d][i] : 0;
		px_buf_init(&title, PX_BUF_NOCAP);
		px_tr_fill(&title, T(p, "chart.dist.title"),
		    wire(p, "clock", px_rclock_wire[c]), "");
		snprintf(id, sizeof(id), "chart-dist-%s", px_rclock_wire[c]);
		ch.id = id;
		ch.title = title.data;
		ch.desc = T(p, "chart.dist.desc");
		ch.x_title = T(p, "axis.time");
		ch.y_title = T(p, "axis.cases");
		ch.x = (const char *const *)labels;
		ch.n = r->n_bins;
		ch.label_values = true;
		chart(p, &ch, cv, NULL, false, true);
		px_buf_dispose(&title);
	}
	put(p, "</section>\n");
	for (i = 0; i < r->n_bins; i++)
		free(labels[i]);
	free(labels);
	free(v[0]);
	free(v[1]);
}

static void
trend(struct page *p)
{
	const struct px_report *r = p->r;
	size_t n = r->n_months, i, d;
	const char **labels = px_calloc(n + 1, sizeof(*labels));
	double *v[PX_RD__N];
	bool *have[PX_RD__N];
	const double *cv[PX_RD__N];
	const bool *ch[PX_RD__N];
	struct px_svg_chart c = { 0 };

	section(p, "trend", "sec.trend", NULL, false);
	put(p, "<p>");
	put(p, T(p, "chart.trend.desc"));
	put(p, "</p>\n");
	for (d = 0; d < PX_RD__N; d++) {
		v[d] = px_calloc(n + 1, sizeof(double));
		have[d] = px_calloc(n + 1, sizeof(bool));
		cv[d] = v[d];
		ch[d] = have[d];
	}
	for (i = 0; i < n; i++) {
		const struct px_rmonth *m = &r->months[i];

		labels[i] = m->month;
		for (d = 0; d < PX_RD__N; d++) {
			have[d][i] = m->measured[d] > 0;
			if (have[d][i])
				v[d][i] = 100.0 * (double)m->within[d] /
				    (double)m->measured[d];
		}
	}
	c.id = "chart-trend";
	c.title = T(p, "chart.trend.title");
	c.desc = T(p, "chart.trend.desc");
	c.x_title = T(p, "axis.month");
	c.y_title = T(p, "axis.share");
	c.x = labels;
	c.n = n;
	c.percent = true;
	c.label_values = true;
	chart(p, &c, cv, ch, true, false);
	put(p, "</section>\n");
	for (d = 0; d < PX_RD__N; d++) {
		free(v[d]);
		free(have[d]);
	}
	free(labels);
}

static void
backlog(struct page *p)
{
	const struct px_report *r = p->r;
	size_t n = r->n_backlog, i, d;
	const char **labels = px_calloc(n + 1, sizeof(*labels));
	double *v[PX_RD__N];
	const double *cv[PX_RD__N];
	struct px_svg_chart c = { 0 };

	section(p, "backlog", "sec.backlog", "bl.text", false);
	dtable_open(p, NULL);
	dtable_counts(
	    p, T(p, "m.open"), r->dir[PX_RD_OUT].open, r->dir[PX_RD_IN].open);
	dtable_counts(p, T(p, "m.overdue"), r->dir[PX_RD_OUT].overdue,
	    r->dir[PX_RD_IN].overdue);
	dtable_close(p);
	for (d = 0; d < PX_RD__N; d++) {
		v[d] = px_calloc(n + 1, sizeof(double));
		cv[d] = v[d];
	}
	for (i = 0; i < n; i++) {
		labels[i] = r->backlog[i].date;
		for (d = 0; d < PX_RD__N; d++)
			v[d][i] = (double)r->backlog[i].open[d];
	}
	c.id = "chart-backlog";
	c.title = T(p, "chart.bl.title");
	c.desc = T(p, "chart.bl.desc");
	c.x_title = T(p, "axis.date");
	c.y_title = T(p, "axis.cases");
	c.x = labels;
	c.n = n;
	c.label_values = n <= 12;
	chart(p, &c, cv, NULL, true, false);
	put(p, "</section>\n");
	for (d = 0; d < PX_RD__N; d++)
		free(v[d]);
	free(labels);
}

/* Rows of counts under the keys of two maps, labelled from `group`. */
static void
map_rows(struct page *p, const json_t *a, const json_t *b, const char *group,
    const char *const *known, size_t n_known, bool all)
{
	size_t n, k;
	const char **keys = px_rkeys(a, b, known, n_known, all, &n);

	for (k = 0; k < n; k++)
		dtable_counts(p, wire(p, group, keys[k]), px_rcount(a, keys[k]),
		    px_rcount(b, keys[k]));
	free(keys);
}

static void
outcomes(struct page *p)
{
	const struct px_rdirdata *o = &p->r->dir[PX_RD_OUT],
	                         *i = &p->r->dir[PX_RD_IN];

	section(p, "outcomes", "sec.outcomes", "oc.text", false);
	dtable_open(p, T(p, "col.outcome"));
	map_rows(p, o->outcomes, i->outcomes, "outcome", px_routcomes,
	    px_routcomes_n, true);
	dtable_close(p);
	put(p, "<h3>");
	put(p, T(p, "sec.reasons"));
	put(p, "</h3>\n");
	if (json_object_size(o->reasons) + json_object_size(i->reasons) == 0) {
		put(p, "<p class=\"note\">");
		put(p, T(p, "gen.none"));
		put(p, "</p>\n");
	} else {
		dtable_open(p, T(p, "col.reason"));
		map_rows(p, o->reasons, i->reasons, "reason", px_rreasons,
		    px_rreasons_n, false);
		dtable_close(p);
	}
	put(p, "</section>\n");
}

static void
escalations(struct page *p)
{
	static const char *const levels[] = { "1", "2", "3", "4", "5", "6", "7",
		"8", "9" };
	const struct px_rdirdata *o = &p->r->dir[PX_RD_OUT],
	                         *i = &p->r->dir[PX_RD_IN];
	const char **keys;
	size_t n, k;

	section(p, "escalations", "sec.escalations", "esc.text", false);
	dtable_open(p, NULL);
	dtable_counts(p, T(p, "esc.total"), o->esc_total, i->esc_total);
	dtable_counts(p, T(p, "esc.cases"), o->esc_cases, i->esc_cases);
	keys = px_rkeys(o->esc_levels, i->esc_levels, levels,
	    PX_ARRAY_LEN(levels), false, &n);
	for (k = 0; k < n; k++) {
		struct px_buf l;

		px_buf_init(&l, PX_BUF_NOCAP);
		px_tr_fill(&l, T(p, "esc.level"), keys[k], "");
		dtable_counts(p, l.data, px_rcount(o->esc_levels, keys[k]),
		    px_rcount(i->esc_levels, keys[k]));
		px_buf_dispose(&l);
	}
	free(keys);
	dtable_close(p);
	put(p, "</section>\n");
}

static void
hotline(struct page *p)
{
	const struct px_rdirdata *o = &p->r->dir[PX_RD_OUT],
	                         *i = &p->r->dir[PX_RD_IN];

	section(p, "hotline", "sec.hotline", "hl.text", false);
	dtable_open(p, NULL);
	dtable_counts(p, T(p, "hl.raised"), o->hl_raised, i->hl_raised);
	dtable_counts(p, T(p, "hl.acked"), o->hl_acked, i->hl_acked);
	dtable_counts(p, T(p, "hl.answered"), o->hl_answered, i->hl_answered);
	dtable_figs(p, T(p, "hl.rate"), FIG_SHARE, o->hl_rate, i->hl_rate);
	dtable_figs(p, T(p, "hl.median"), FIG_DURATION, o->hl_median_ms,
	    i->hl_median_ms);
	dtable_figs(
	    p, T(p, "hl.p90"), FIG_DURATION, o->hl_p90_ms, i->hl_p90_ms);
	dtable_counts(p, T(p, "hl.pages"), o->hl_pages, i->hl_pages);
	dtable_counts(p, T(p, "hl.capped"), o->hl_capped, i->hl_capped);
	dtable_close(p);
	put(p, "</section>\n");
}

static void
contacts(struct page *p)
{
	const struct px_report *r = p->r;
	size_t k;

	put(p, "<h3>");
	put(p, T(p, "sec.contacts"));
	put(p, "</h3>\n");
	if (r->n_contacts == 0) {
		put(p, "<p class=\"note\">");
		put(p, T(p, "gen.none"));
		put(p, "</p>\n");
		return;
	}
	put(p, "<table class=\"contacts\">\n<thead><tr><th scope=\"col\">");
	put(p, T(p, "col.party"));
	put(p, "</th><th scope=\"col\">");
	put(p, T(p, "col.contact"));
	put(p, "</th><th scope=\"col\" class=\"n\">");
	put(p, T(p, "ck.sent"));
	put(p, "</th><th scope=\"col\" class=\"n\">");
	put(p, T(p, "ck.answered"));
	put(p, "</th><th scope=\"col\" class=\"n\">");
	put(p, T(p, "ck.median"));
	put(p, "</th><th scope=\"col\">");
	put(p, T(p, "col.last_verified"));
	put(p, "</th><th scope=\"col\">");
	put(p, T(p, "col.status"));
	put(p, "</th></tr></thead>\n<tbody>\n");
	for (k = 0; k < r->n_contacts; k++) {
		const struct px_rcontact *c = &r->contacts[k];
		char a[PX_RFIG], b[PX_RFIG], m[PX_RFIG], t[PX_RFIG];

		fmt_count(a, sizeof(a), c->sent);
		fmt_count(b, sizeof(b), c->answered);
		fmt_dur(p, m, sizeof(m), c->median_ms);
		if (c->last_verified_ms == PX_RNULL)
			snprintf(t, sizeof(t), "%s", T(p, "ck.never"));
		else
			fmt_utc(p, t, sizeof(t), c->last_verified_ms);
		put(p, c->stale ? "<tr class=\"stale\"><td>" : "<tr><td>");
		esc(p, c->party);
		put(p, "</td><td>");
		esc(p, c->contact);
		px_buf_putf(&p->b,
		    "</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
		    "<td class=\"n\">%s</td><td>%s</td>",
		    a, b, m, t);
		if (c->stale) {
			put(p, "<td><span class=\"flag\">");
			put(p, T(p, "ck.stale"));
			put(p, "</span></td></tr>\n");
		} else {
			put(p, "<td>");
			put(p, T(p, "ck.current"));
			put(p, "</td></tr>\n");
		}
	}
	put(p, "</tbody></table>\n<p class=\"note\">");
	put(p, T(p, "ck.stale_note"));
	put(p, "</p>\n");
}

static void
checks(struct page *p)
{
	const struct px_rdirdata *o = &p->r->dir[PX_RD_OUT],
	                         *i = &p->r->dir[PX_RD_IN];

	section(p, "checks", "sec.checks", "ck.text", false);
	dtable_open(p, NULL);
	dtable_counts(p, T(p, "ck.sent"), o->ck_sent, i->ck_sent);
	dtable_counts(p, T(p, "ck.answered"), o->ck_answered, i->ck_answered);
	dtable_counts(p, T(p, "ck.auto"), o->ck_auto, i->ck_auto);
	dtable_counts(
	    p, T(p, "ck.unanswered"), o->ck_unanswered, i->ck_unanswered);
	dtable_figs(p, T(p, "ck.rate"), FIG_SHARE, o->ck_rate, i->ck_rate);
	dtable_figs(p, T(p, "ck.median"), FIG_DURATION, o->ck_median_ms,
	    i->ck_median_ms);
	dtable_close(p);
	contacts(p);
	put(p, "</section>\n");
}

static void
quality(struct page *p)
{
	static const char *const scores[] = { "1", "2", "3", "4", "5" };
	const struct px_rdirdata *o = &p->r->dir[PX_RD_OUT],
	                         *i = &p->r->dir[PX_RD_IN];
	double v[PX_RD__N][PX_ARRAY_LEN(scores)];
	const double *cv[PX_RD__N] = { v[0], v[1] };
	struct px_svg_chart c = { 0 };
	size_t k;

	section(p, "quality", "sec.quality", "q.text", false);
	dtable_open(p, NULL);
	dtable_counts(p, T(p, "q.rated"), o->q_rated, i->q_rated);
	dtable_figs(p, T(p, "q.mean"), FIG_MEAN, o->q_mean, i->q_mean);
	for (k = 0; k < PX_ARRAY_LEN(scores); k++) {
		struct px_buf l;

		v[0][k] = (double)px_rcount(o->q_scores, scores[k]);
		v[1][k] = (double)px_rcount(i->q_scores, scores[k]);
		px_buf_init(&l, PX_BUF_NOCAP);
		px_tr_fill(&l, T(p, "q.score"), scores[k], "");
		dtable_counts(p, l.data, px_rcount(o->q_scores, scores[k]),
		    px_rcount(i->q_scores, scores[k]));
		px_buf_dispose(&l);
	}
	dtable_close(p);
	c.id = "chart-quality";
	c.title = T(p, "chart.q.title");
	c.desc = T(p, "chart.q.desc");
	c.x_title = T(p, "axis.rating");
	c.y_title = T(p, "axis.cases");
	c.x = scores;
	c.n = PX_ARRAY_LEN(scores);
	c.label_values = true;
	chart(p, &c, cv, NULL, false, true);
	put(p, "</section>\n");
}

static void
case_row(struct page *p, const struct px_rcase *k)
{
	char t[PX_RFIG], e[PX_RFIG];
	struct px_buf st;
	size_t c, i;

	px_buf_init(&st, PX_BUF_NOCAP);
	put(p, "<tr><td");
	if (k->id != NULL) {
		put(p, " title=\"");
		esc(p, k->id);
		put(p, "\"");
	}
	put(p, "><code>");
	esc(p, k->ref);
	put(p, "</code></td><td>");
	put(p, T(p, k->dir == PX_RD_OUT ? "dir.outbound" : "dir.inbound"));
	put(p, "</td><td>");
	esc(p, wire(p, "kind", k->kind));
	put(p, "</td><td>");
	esc(p, k->category ? wire(p, "cat", k->category) : "\xe2\x80\x94");
	put(p, "</td><td>");
	esc(p, k->priority ? k->priority : "\xe2\x80\x94");
	px_rfmt_time(t, sizeof(t), k->opened_ms, false);
	px_buf_putf(&p->b, "</td><td class=\"n\">%s</td><td>", t);
	esc(p, wire(p, "state", k->state));
	put(p, "</td><td>");
	esc(p, wire(p, "outcome", k->outcome));
	if (k->reason != NULL) {
		put(p, "<br><small>");
		esc(p, wire(p, "reason", k->reason));
		put(p, "</small>");
	}
	put(p, "</td><td><ul>");
	for (c = 0; c < PX_RC__N; c++) {
		if (k->clock_state[c] == NULL)
			continue;
		/* "Acknowledge: Met, 9 min" / "确认：按时，9 分钟" */
		px_buf_reset(&st);
		px_html_escape(&st, wire(p, "cstate", k->clock_state[c]));
		if (k->clock_ms[c] != PX_RNULL) {
			char *s = px_buf_detach(&st, NULL);

			fmt_dur(p, e, sizeof(e), k->clock_ms[c]);
			px_tr_fill(&st, T(p, "dir.with_by"), s, e);
			free(s);
		}
		put(p, "<li>");
		px_tr_fill(&p->b, T(p, "m.metric"),
		    wire(p, "clock", px_rclock_wire[c]), st.data);
		put(p, "</li>");
	}
	put(p, "</ul></td><td><ul class=\"log\">");
	for (i = 0; i < k->n_entries; i++) {
		px_buf_putf(&p->b, "<li>#%lld ", (long long)k->entries[i].log);
		esc(p, wire(p, "leaf", k->entries[i].leaf));
		put(p, " ");
		esc(p, wire(p, "type", k->entries[i].type));
		put(p, "</li>");
	}
	put(p, "</ul></td></tr>\n");
	px_buf_dispose(&st);
}

static void
appendix(struct page *p)
{
	static const char *const cols[] = { "col.ref", "col.direction",
		"col.kind", "col.category", "col.priority", "col.opened",
		"col.state", "col.outcome", "col.clocks", "col.entries" };
	size_t k;

	section(p, "cases", "sec.appendix", "app.text", false);
	if (p->r->n_cases == 0) {
		put(p, "<p class=\"nodata\">");
		put(p, T(p, "nodata"));
		put(p, "</p>\n</section>\n");
		return;
	}
	put(p, "<table class=\"cases\">\n<thead><tr>");
	for (k = 0; k < PX_ARRAY_LEN(cols); k++) {
		put(p, "<th scope=\"col\">");
		put(p, T(p, cols[k]));
		put(p, "</th>");
	}
	put(p, "</tr></thead>\n<tbody>\n");
	for (k = 0; k < p->r->n_cases; k++)
		case_row(p, &p->r->cases[k]);
	put(p, "</tbody></table>\n</section>\n");
}

int
px_report_html(struct px_buf *out, const json_t *report, const char *lang,
    const struct px_tz *tz)
{
	struct px_report r;
	struct page p;
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = px_lang_parse(&p.lang, lang)) < 0)
		return rc;
	if ((rc = px_report_load(&r, report)) < 0)
		return rc;
	px_buf_init(&p.b, PX_BUF_NOCAP);
	p.r = &r;
	p.tz = tz;
	p.node = escaped(r.node);
	p.peer = escaped(r.peer);

	head(&p);
	cover(&p);
	intro(&p);
	provenance(&p);
	summary(&p);
	volumes(&p);
	timeliness(&p);
	distribution(&p);
	trend(&p);
	outcomes(&p);
	backlog(&p);
	escalations(&p);
	hotline(&p);
	checks(&p);
	quality(&p);
	appendix(&p);
	put(&p, "<footer>");
	put(&p, T(&p, "doc.footer"));
	put(&p, "</footer>\n</body>\n</html>\n");

	rc = px_buf_add(out, p.b.data, p.b.len);
	px_buf_dispose(&p.b);
	free(p.node);
	free(p.peer);
	px_report_dispose(&r);
	return rc;
}
