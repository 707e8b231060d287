/*
 * The after-action report as a self-contained HTML page (with SVG charts)
 * and as CSV, drawn from its JSON (aar.h).  Pure: the zones the times are
 * shown in are loaded by the caller.
 *
 * The page says EXERCISE in a band at its top and its bottom and in its
 * title, so a printed page cannot be taken for a real incident's.  Text
 * from the record goes through px_html_escape; words from the i18n table
 * are ours and free of markup characters.
 */
#include "report/aar.h"
#include "report/data.h"
#include "report/i18n.h"
#include "report/svg.h"
#include "util/tz.h"
#include "util/util.h"

#define DASH "\xe2\x80\x94"

struct page {
	struct px_buf b;
	enum px_lang lang;
	const json_t *r;
	const struct px_tz *zone[2]; /* the node's and its peer's */
	const char *party[2];
	int sec;
};

static const char style[] =
    ":root{--ink:#1d2430;--muted:#5b6573;--rule:#c9d1db;--head:#1f3a5f;"
    "--tint:#f2f4f7;--ex:#9b1c1c}\n"
    "body{margin:0 auto;max-width:200mm;padding:24px 28px 40px;"
    "color:var(--ink);font-size:10.5pt;line-height:1.5;"
    "font-family:\"Helvetica Neue\",Helvetica,Arial,\"Noto Sans CJK SC\","
    "\"PingFang SC\",\"Microsoft YaHei\",sans-serif}\n"
    ".band{background:var(--ex);color:#fff;font-weight:700;"
    "letter-spacing:.2em;text-align:center;padding:6px;margin:0 0 14px}\n"
    ".stop{border:3px solid var(--ex);padding:8px 12px;font-weight:600}\n"
    "h1,h2{color:var(--head)}h1{font-size:20pt;margin:4px 0 12px}\n"
    "h2{font-size:14pt;border-bottom:1px solid var(--rule);"
    "padding-bottom:3px;margin:26px 0 8px}\n"
    ".kicker{text-transform:uppercase;letter-spacing:.08em;font-size:8.5pt;"
    "color:var(--muted);margin:0}\n"
    "dl.meta{display:grid;grid-template-columns:max-content 1fr;"
    "gap:3px 18px}dl.meta dt{color:var(--muted)}dl.meta dd{margin:0}\n"
    "table{border-collapse:collapse;width:100%;margin:6px 0 14px;"
    "font-size:9pt}th,td{padding:3px 6px;border-bottom:1px solid #e3e7ec;"
    "text-align:left;vertical-align:top}thead th{background:var(--tint);"
    "border-bottom:1.5px solid var(--head)}\n"
    ".n{text-align:right;font-variant-numeric:tabular-nums;"
    "white-space:nowrap}\n"
    "tr.inj th,tr.inj td{border-top:2px solid var(--rule);"
    "background:#fafbfc}\n"
    ".met{color:#1e6b32;font-weight:600}.partial{color:#8a5a00;"
    "font-weight:600}.missed{color:#9b1c1c;font-weight:600}"
    ".pending{color:var(--muted)}\n"
    "small{color:var(--muted)}code{font-size:8.5pt;word-break:break-all}"
    "\nfigure{margin:8px 0 16px}figcaption{font-size:9pt;"
    "color:var(--muted)}svg.chart{display:block;width:100%;"
    "max-width:680px;height:auto}\n"
    "footer{margin-top:28px;border-top:1px solid var(--rule);"
    "padding-top:6px;font-size:8.5pt;color:var(--muted)}\n"
    "@media print{thead{display:table-header-group}tr{break-inside:"
    "avoid}}\n";

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
	px_html_escape(&p->b, s ? s : "");
}

static const char *
str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A scenario text (string or {"en", "zh"}) in the page's language. */
static const char *
txt(const struct page *p, const json_t *t)
{
	const char *lang = p->lang == PX_LANG_ZH ? "zh" : "en";
	const char *k;
	const json_t *v;

	if (t == NULL || json_is_null(t))
		return "";
	if (json_is_string(t))
		return json_string_value(t);
	if ((v = json_object_get(t, lang)) || (v = json_object_get(t, "en")))
		return json_string_value(v);
	json_object_foreach((json_t *)t, k, v) return json_string_value(v);
	return "";
}

/* An i18n word of a group ("aar.status", "met"), or the wire word. */
static const char *
W(const struct page *p, const char *group, const char *w)
{
	char id[96];
	const char *t;

	if (w == NULL)
		return DASH;
	snprintf(id, sizeof(id), "%s.%s", group, w);
	t = px_tr(p->lang, id);
	return strcmp(t, id) == 0 ? w : t;
}

static void
dur(const struct page *p, char *out, size_t n, const json_t *ms)
{
	if (!json_is_integer(ms))
		snprintf(out, n, DASH);
	else
		px_i18n_duration(out, n, p->lang, json_integer_value(ms));
}

/* A time in UTC and in both parties' zones. */
static void
when(struct page *p, const json_t *t)
{
	int64_t ms;
	char s[PX_TZ_FORMAT_MAX];

	if (px_time_parse(&ms, json_string_value(t), 0) < 0) {
		put(p, DASH);
		return;
	}
	px_tz_format(s, sizeof(s), px_tz_utc(), ms);
	esc(p, s);
	for (int i = 0; i < 2; i++)
		if (p->zone[i]) {
			px_tz_format(s, sizeof(s), p->zone[i], ms);
			put(p, "<br><small>");
			esc(p, p->party[i]);
			put(p, ": ");
			esc(p, s);
			put(p, "</small>");
		}
}

static void
logs(struct page *p, const json_t *log)
{
	const char *k;
	const json_t *v;
	bool first = true;

	json_object_foreach((json_t *)log, k, v)
	{
		char n[32];

		if (!json_is_integer(v))
			continue;
		snprintf(
		    n, sizeof(n), " #%lld", (long long)json_integer_value(v));
		put(p, first ? "" : "<br>");
		esc(p, k);
		put(p, n);
		first = false;
	}
	if (first)
		put(p, DASH);
}

/* A table's head: the columns' words, numbers right-aligned from column
 * `from` to `to` (inclusive; to < from for none). */
static void
thead(struct page *p, const char *const *cols, size_t n, size_t from, size_t to)
{
	put(p, "<table><thead><tr>");
	for (size_t k = 0; k < n; k++) {
		put(p, k >= from && k <= to ? "<th class=\"n\">" : "<th>");
		put(p, cols[k] ? T(p, cols[k]) : "");
		put(p, "</th>");
	}
	put(p, "</tr></thead><tbody>\n");
}

/* A bar chart with its caption, when it has something to show. */
static void
bars(struct page *p, const struct px_svg_chart *c)
{
	if (c->n == 0 || !px_svg_has_data(c, false))
		return;
	put(p, "<figure>");
	px_svg_bars(&p->b, c);
	put(p, "<figcaption>");
	put(p, c->title);
	put(p, "</figcaption></figure>\n");
}

static void
h2(struct page *p, const char *id)
{
	char n[16];

	snprintf(n, sizeof(n), "%d. ", ++p->sec);
	put(p, "<h2>");
	put(p, n);
	put(p, T(p, id));
	put(p, "</h2>\n");
}

static void
cover(struct page *p)
{
	const json_t *h = json_object_get(p->r, "aar");
	const json_t *sg = json_object_get(p->r, "signatures");
	const json_t *stop = json_object_get(h, "stop");
	char scale[32];

	put(p, "<p class=\"band\">");
	put(p, T(p, "aar.banner"));
	put(p, "</p>\n<header><p class=\"kicker\">");
	px_tr_fill(&p->b, T(p, "aar.kicker"), str(h, "ref"), "");
	put(p, "</p><h1>");
	esc(p, txt(p, json_object_get(h, "name")));
	put(p, "</h1>\n");
	if (json_is_object(stop)) {
		struct px_buf a, t;

		px_buf_init(&a, PX_BUF_NOCAP);
		px_buf_init(&t, PX_BUF_NOCAP);
		px_html_escape(&a, str(stop, "by"));
		px_html_escape(&t, str(stop, "text") ? str(stop, "text") : "");
		put(p, "<p class=\"stop\">");
		px_tr_fill(&p->b, T(p, "aar.stop"), a.data, t.data);
		put(p, "</p>\n");
		px_buf_dispose(&a);
		px_buf_dispose(&t);
	}
	put(p, "<dl class=\"meta\"><dt>");
	put(p, T(p, "aar.parties"));
	put(p, "</dt><dd>");
	{
		struct px_buf a, b;
		const char *prop = str(h, "proposer");
		const char *other = strcmp(prop, str(h, "node")) == 0
		    ? str(h, "peer")
		    : str(h, "node");

		px_buf_init(&a, PX_BUF_NOCAP);
		px_buf_init(&b, PX_BUF_NOCAP);
		px_html_escape(&a, prop);
		px_html_escape(&b, other);
		px_tr_fill(&p->b, T(p, "aar.proposer"), a.data, b.data);
		px_buf_dispose(&a);
		px_buf_dispose(&b);
	}
	put(p, "</dd><dt>");
	put(p, T(p, "aar.state"));
	put(p, "</dt><dd>");
	esc(p, str(h, "state"));
	put(p, "</dd><dt>");
	put(p, T(p, "aar.started"));
	put(p, "</dt><dd>");
	if (json_is_null(json_object_get(h, "started")) &&
	    json_is_string(json_object_get(h, "ended")))
		put(p, T(p, "aar.never_started"));
	else
		when(p, json_object_get(h, "started"));
	put(p, "</dd><dt>");
	put(p, T(p, "aar.ended"));
	put(p, "</dt><dd>");
	when(p, json_object_get(h, "ended"));
	put(p, "</dd><dt>");
	put(p, T(p, "aar.zones"));
	put(p, "</dt><dd>");
	for (int i = 0; i < 2; i++) {
		const char *z =
		    str(json_object_get(h, "timezones"), p->party[i]);

		put(p, i ? "<br>" : "");
		esc(p, p->party[i]);
		put(p, ": ");
		esc(p, z ? z : "UTC");
	}
	put(p, "</dd><dt>");
	put(p, T(p, "aar.scale"));
	snprintf(scale, sizeof(scale), "%lld",
	    (long long)json_integer_value(json_object_get(h, "time_scale")));
	put(p, "</dt><dd>");
	put(p, scale);
	put(p, "</dd><dt>");
	put(p, T(p, "aar.scenario"));
	put(p, "</dt><dd>");
	esc(p, str(json_object_get(h, "scenario"), "id"));
	put(p, " <code>");
	esc(p, str(json_object_get(h, "scenario"), "hash"));
	put(p, "</code></dd><dt>");
	put(p, T(p, "aar.scores_hash"));
	put(p, "</dt><dd><code>");
	esc(p, str(p->r, "scores_hash"));
	put(p, "</code></dd><dt>");
	put(p, T(p, "aar.signed"));
	put(p, "</dt><dd>");
	for (int i = 0; i < 2; i++) {
		const json_t *s = json_object_get(sg, p->party[i]);

		put(p, i ? "<br>" : "");
		esc(p, p->party[i]);
		put(p, ": ");
		put(p,
		    !json_is_object(s) ? T(p, "aar.sign.none")
		        : json_is_true(json_object_get(s, "matches"))
		        ? T(p, "aar.sign.match")
		        : T(p, "aar.sign.other"));
	}
	put(p, "</dd></dl></header>\n");
}

static void
objectives(struct page *p)
{
	const json_t *o;
	size_t i, n = json_array_size(json_object_get(p->r, "objectives"));
	double *v = px_calloc(n + 1, sizeof(double));
	bool *have = px_calloc(n + 1, sizeof(bool));
	const char **x = px_calloc(n + 1, sizeof(char *));
	struct px_svg_series s = {
		.name = T(p, "aar.chart.axis.score"), .v = v, .have = have
	};
	struct px_svg_chart c = { .id = "obj",
		.title = T(p, "aar.chart.obj.title"),
		.desc = T(p, "aar.chart.obj.desc"),
		.x_title = T(p, "aar.chart.axis.objective"),
		.y_title = T(p, "aar.chart.axis.score"),
		.x = x,
		.n = n,
		.s = &s,
		.ns = 1,
		.percent = true,
		.label_values = true };

	h2(p, "aar.sec.objectives");
	put(p, "<p>");
	put(p, T(p, "aar.objectives.text"));
	put(p, "</p>\n");
	static const char *const cols[] = { "aar.col.objective",
		"aar.col.capability", "aar.col.met", "aar.col.partial",
		"aar.col.missed", "aar.col.pending", "aar.col.score",
		"aar.col.computed", "aar.col.rating", "aar.col.evaluator" };
	thead(p, cols, PX_ARRAY_LEN(cols), 2, 6);
	json_array_foreach(json_object_get(p->r, "objectives"), i, o)
	{
		const json_t *pm = json_object_get(o, "permille");
		const json_t *cf = json_object_get(o, "confirmed");
		char num[32];

		x[i] = str(o, "id");
		have[i] = json_is_integer(pm);
		v[i] = have[i] ? (double)json_integer_value(pm) / 10.0 : 0;
		put(p, "<tr><th>");
		esc(p, str(o, "id"));
		put(p, " ");
		esc(p, txt(p, json_object_get(o, "text")));
		put(p, "</th><td>");
		esc(p, str(o, "capability") ? str(o, "capability") : DASH);
		put(p, "</td>");
		static const char *const k4[] = { "met", "partial", "missed",
			"pending" };
		for (int k = 0; k < 4; k++) {
			snprintf(num, sizeof(num), "<td class=\"n\">%lld</td>",
			    (long long)json_integer_value(
			        json_object_get(o, k4[k])));
			put(p, num);
		}
		if (json_is_integer(pm))
			snprintf(num, sizeof(num),
			    "<td class=\"n\">%lld.%lld%%</td>",
			    (long long)json_integer_value(pm) / 10,
			    (long long)json_integer_value(pm) % 10);
		else
			snprintf(
			    num, sizeof(num), "<td class=\"n\">%s</td>", DASH);
		put(p, num);
		put(p, "<td>");
		put(p, W(p, "aar.rating", str(o, "computed")));
		put(p, "</td><td><strong>");
		put(p, W(p, "aar.rating", str(o, "rating")));
		put(p, "</strong></td><td>");
		if (json_is_object(cf)) {
			esc(p,
			    str(cf, "by") ? str(cf, "by") : str(cf, "party"));
			if (str(cf, "comment")) {
				put(p, "<br><small>");
				esc(p, str(cf, "comment"));
				put(p, "</small>");
			}
		} else {
			put(p, DASH);
		}
		put(p, "</td></tr>\n");
	}
	put(p, "</tbody></table>\n");
	bars(p, &c);
	free(v);
	free(have);
	free(x);
}

static void
fig_row(struct page *p, const char *label, const json_t *s)
{
	static const char *const k[] = { "median_ms", "p90_ms", "max_ms" };
	char d[48], num[32];

	put(p, "<tr><th>");
	put(p, T(p, label));
	snprintf(num, sizeof(num), "</th><td class=\"n\">%lld</td>",
	    (long long)json_integer_value(json_object_get(s, "measured")));
	put(p, num);
	for (int i = 0; i < 3; i++) {
		dur(p, d, sizeof(d), json_object_get(s, k[i]));
		put(p, "<td class=\"n\">");
		put(p, d);
		put(p, "</td>");
	}
	put(p, "</tr>\n");
}

static void
figures(struct page *p)
{
	const json_t *f = json_object_get(p->r, "figures"), *in;
	const json_t *hl = json_object_get(f, "hotline");
	const json_t *ck = json_object_get(f, "checks");
	size_t i, n = 0,
	          total = json_array_size(json_object_get(p->r, "timeline"));
	double *v = px_calloc(total + 1, sizeof(double));
	bool *have = px_calloc(total + 1, sizeof(bool));
	const char **x = px_calloc(total + 1, sizeof(char *));
	char a[32], b[32];
	struct px_svg_series s = {
		.name = T(p, "aar.fig.acknowledge"), .v = v, .have = have
	};
	struct px_svg_chart c = { .id = "ack",
		.title = T(p, "aar.chart.ack.title"),
		.desc = T(p, "aar.chart.ack.desc"),
		.x_title = T(p, "aar.chart.axis.inject"),
		.y_title = T(p, "aar.chart.axis.minutes"),
		.x = x,
		.s = &s,
		.ns = 1,
		.label_values = true };

	h2(p, "aar.sec.figures");
	put(p, "<p>");
	put(p, T(p, "aar.figures.text"));
	put(p, "</p>\n");
	static const char *const cols[] = { NULL, "aar.col.measured",
		"aar.col.median", "aar.col.p90", "aar.col.max" };
	thead(p, cols, PX_ARRAY_LEN(cols), 1, 4);
	fig_row(p, "aar.fig.acknowledge", json_object_get(f, "acknowledge"));
	fig_row(p, "aar.fig.triage", json_object_get(f, "triage"));
	fig_row(p, "aar.fig.first", json_object_get(f, "first_response"));
	fig_row(p, "aar.fig.hotline", json_object_get(hl, "answer"));
	fig_row(p, "aar.fig.checks", json_object_get(ck, "answer"));
	put(p, "</tbody></table>\n<p>");
	snprintf(a, sizeof(a), "%lld",
	    (long long)json_integer_value(json_object_get(hl, "raised")));
	snprintf(b, sizeof(b), "%lld",
	    (long long)json_integer_value(json_object_get(hl, "max_depth")));
	px_tr_fill(&p->b, T(p, "aar.hotline.summary"), a, b);
	put(p, " ");
	snprintf(a, sizeof(a), "%lld",
	    (long long)json_integer_value(json_object_get(ck, "sent")));
	snprintf(b, sizeof(b), "%lld",
	    (long long)json_integer_value(json_object_get(ck, "answered")));
	px_tr_fill(&p->b, T(p, "aar.checks.summary"), a, b);
	put(p, "</p>\n");
	json_array_foreach(json_object_get(p->r, "timeline"), i, in)
	{
		const json_t *t = json_object_get(
		    json_object_get(in, "times"), "acknowledge_ms");

		if (str(in, "sent") == NULL)
			continue;
		x[n] = str(in, "id");
		have[n] = json_is_integer(t);
		v[n] = have[n] ? (double)json_integer_value(t) / 60000.0 : 0;
		n++;
	}
	c.n = n;
	bars(p, &c);
	free(v);
	free(have);
	free(x);
}

static void
timeline(struct page *p)
{
	const json_t *in, *e, *r;
	size_t i, k;

	h2(p, "aar.sec.timeline");
	put(p, "<p>");
	put(p, T(p, "aar.timeline.text"));
	put(p, "</p>\n");
	static const char *const cols[] = { "aar.col.inject", "aar.col.channel",
		"aar.col.time", "aar.col.status", "aar.col.log" };
	thead(p, cols, PX_ARRAY_LEN(cols), 1, 0);
	json_array_foreach(json_object_get(p->r, "timeline"), i, in)
	{
		put(p, "<tr class=\"inj\"><th>");
		esc(p, str(in, "id"));
		if (str(in, "scenario_time")) {
			put(p, " <small>");
			esc(p, str(in, "scenario_time"));
			put(p, "</small>");
		}
		put(p, "<br>");
		esc(p, txt(p, json_object_get(in, "title")));
		put(p, "</th><td>");
		put(p, W(p, "aar.chan", str(in, "channel")));
		if (str(in, "from")) {
			put(p, "<br><small>");
			esc(p, str(in, "from"));
			put(p, " \xe2\x86\x92 ");
			esc(p, str(in, "to"));
			if (str(in, "persona")) {
				put(p, " (");
				esc(p, str(in, "persona"));
				put(p, ")");
			}
			put(p, "</small>");
		}
		put(p, "</td><td>");
		when(p, json_object_get(in, "sent"));
		put(p, "</td><td>");
		put(p, W(p, "aar.istate", str(in, "state")));
		put(p, "</td><td>");
		logs(p, json_object_get(in, "log"));
		put(p, "</td></tr>\n");
		json_array_foreach(json_object_get(in, "expectations"), k, e)
		{
			const json_t *ans = json_object_get(e, "answer");
			char d[48];
			const char *st = str(e, "status");

			put(p, "<tr><td>");
			esc(p, str(e, "id"));
			put(p, " ");
			put(p, W(p, "aar.what", str(e, "what")));
			put(p, "<br><small>");
			dur(p, d, sizeof(d), json_object_get(e, "within_ms"));
			px_tr_fill(&p->b, T(p, "aar.allowed"), d, "");
			put(p, " \xc2\xb7 ");
			esc(p, str(e, "objective"));
			put(p, "</small></td><td>");
			put(p, T(p, "aar.col.deadline"));
			put(p, "</td><td>");
			when(p, json_object_get(e, "deadline"));
			put(p, "</td><td class=\"");
			esc(p, st);
			put(p, "\">");
			put(p, W(p, "aar.status", st));
			if (json_is_object(ans)) {
				dur(p, d, sizeof(d),
				    json_object_get(ans, "latency_ms"));
				put(p, "<br><small>");
				esc(p, W(p, "type", str(ans, "type")));
				put(p, ", ");
				put(p, d);
				put(p, "</small>");
			}
			put(p, "</td><td>");
			if (json_is_object(ans))
				logs(p, json_object_get(ans, "log"));
			else
				put(p, DASH);
			put(p, "</td></tr>\n");
		}
		json_array_foreach(json_object_get(in, "responses"), k, r)
		{
			put(p, "<tr><td><small>");
			put(p, T(p, "aar.col.response"));
			put(p, "</small></td><td>");
			esc(p, px_tr_wire(p->lang, "type", str(r, "type")));
			if (str(r, "decision") || str(r, "outcome") ||
			    str(r, "by")) {
				put(p, " <small>");
				esc(p,
				    str(r, "decision")      ? str(r, "decision")
				        : str(r, "outcome") ? str(r, "outcome")
				                            : str(r, "by"));
				put(p, "</small>");
			}
			put(p, "</td><td>");
			when(p, json_object_get(r, "time"));
			put(p, "</td><td>");
			esc(p, str(r, "from"));
			put(p, "</td><td>");
			logs(p, json_object_get(r, "log"));
			put(p, "</td></tr>\n");
		}
	}
	put(p, "</tbody></table>\n");
}

static void
finding_list(struct page *p, const json_t *a)
{
	const json_t *f;
	size_t i;

	if (json_array_size(a) == 0) {
		put(p, "<p>");
		put(p, T(p, "aar.none"));
		put(p, "</p>\n");
		return;
	}
	put(p, "<ul>\n");
	json_array_foreach(a, i, f)
	{
		char d[48], w[48];

		dur(p, d, sizeof(d), json_object_get(f, "latency_ms"));
		dur(p, w, sizeof(w), json_object_get(f, "within_ms"));
		put(p, "<li><strong>");
		esc(p, str(f, "inject"));
		put(p, " ");
		esc(p, str(f, "expectation"));
		put(p, "</strong> (");
		esc(p, str(f, "objective"));
		put(p, ") ");
		esc(p, txt(p, json_object_get(f, "title")));
		put(p, ": ");
		put(p, W(p, "aar.what", str(f, "what")));
		put(p, " \xe2\x80\x94 ");
		put(p, W(p, "aar.status", str(f, "status")));
		put(p, " (");
		put(p, d);
		put(p, "; ");
		px_tr_fill(&p->b, T(p, "aar.allowed"), w, "");
		put(p, ")</li>\n");
	}
	put(p, "</ul>\n");
}

static void
findings(struct page *p)
{
	const json_t *f = json_object_get(p->r, "findings");

	h2(p, "aar.sec.findings");
	put(p, "<h3>");
	put(p, T(p, "aar.strengths"));
	put(p, "</h3>\n");
	finding_list(p, json_object_get(f, "strengths"));
	put(p, "<h3>");
	put(p, T(p, "aar.improvements"));
	put(p, "</h3>\n");
	finding_list(p, json_object_get(f, "improvements"));
}

static void
plan(struct page *p)
{
	const json_t *it;
	size_t i;

	h2(p, "aar.sec.plan");
	if (json_array_size(json_object_get(p->r, "plan")) == 0) {
		put(p, "<p>");
		put(p, T(p, "aar.none"));
		put(p, "</p>\n");
		return;
	}
	static const char *const cols[] = { "aar.col.item", "aar.col.text",
		"aar.col.owner", "aar.col.due", "aar.col.status",
		"aar.col.updated" };
	thead(p, cols, PX_ARRAY_LEN(cols), 1, 0);
	json_array_foreach(json_object_get(p->r, "plan"), i, it)
	{
		put(p, "<tr><th>");
		esc(p, str(it, "item"));
		put(p, "</th><td>");
		esc(p, str(it, "text"));
		put(p, "</td><td>");
		esc(p, str(it, "owner"));
		put(p, "</td><td>");
		esc(p, str(it, "due"));
		put(p, "</td><td>");
		put(p, W(p, "aar.plan.status", str(it, "status")));
		put(p, "</td><td>");
		when(p, json_object_get(it, "updated"));
		put(p, "</td></tr>\n");
	}
	put(p, "</tbody></table>\n");
}

static void
provenance(struct page *p)
{
	const json_t *ck = json_object_get(p->r, "checkpoint");
	struct px_buf a;
	char size[32];

	h2(p, "aar.sec.provenance");
	px_buf_init(&a, PX_BUF_NOCAP);
	px_html_escape(&a, str(json_object_get(p->r, "aar"), "node"));
	snprintf(size, sizeof(size), "%lld",
	    (long long)json_integer_value(json_object_get(ck, "size")));
	put(p, "<p>");
	px_tr_fill(&p->b, T(p, "aar.provenance.text"), a.data, size);
	put(p, "</p>\n");
	px_buf_dispose(&a);
	put(p, "<footer><p class=\"band\">");
	put(p, T(p, "aar.banner"));
	put(p, "</p></footer>\n");
}

int
px_aar_html_zones(struct px_buf *out, const json_t *aar, const char *lang,
    const struct px_tz *zone[2])
{
	struct page p = { .r = aar };
	const json_t *h = json_object_get(aar, "aar");
	int rc;

	if ((rc = px_lang_parse(&p.lang, lang)) < 0)
		return rc;
	if (!json_is_object(h) || !str(h, "node") || !str(h, "peer"))
		return px_error_set(
		    PX_EINVAL, "not an after-action report (no 'aar' header)");
	p.party[0] = str(h, "node");
	p.party[1] = str(h, "peer");
	if (zone) {
		p.zone[0] = zone[0];
		p.zone[1] = zone[1];
	}
	px_buf_init(&p.b, PX_BUF_NOCAP);
	put(&p, "<!DOCTYPE html>\n<html lang=\"");
	put(&p, px_lang_tag(p.lang));
	put(&p, "\">\n<head>\n<meta charset=\"utf-8\">\n<title>EXERCISE ");
	esc(&p, str(h, "ref"));
	put(&p, " \xe2\x80\x94 ");
	put(&p, T(&p, "aar.title"));
	put(&p, "</title>\n<style>\n");
	put(&p, style);
	put(&p, "</style>\n</head>\n<body>\n");
	cover(&p);
	objectives(&p);
	figures(&p);
	timeline(&p);
	findings(&p);
	plan(&p);
	provenance(&p);
	put(&p, "</body>\n</html>\n");
	rc = px_buf_add(out, p.b.data, p.b.len);
	px_buf_dispose(&p.b);
	return rc;
}

int
px_aar_html(struct px_buf *out, const json_t *aar, const char *lang)
{
	return px_aar_html_zones(out, aar, lang, NULL);
}

/* ---- CSV ---- */

static void
cell(struct px_buf *b, const char *s, bool last)
{
	bool q = s && strpbrk(s, ",\"\r\n") != NULL;

	if (q)
		px_buf_puts(b, "\"");
	for (; s && *s; s++) {
		if (*s == '"')
			px_buf_puts(b, "\"");
		px_buf_put(b, s, 1);
	}
	if (q)
		px_buf_puts(b, "\"");
	px_buf_puts(b, last ? "\r\n" : ",");
}

static void
cell_int(struct px_buf *b, const json_t *v, bool last)
{
	char n[32];

	if (json_is_integer(v))
		snprintf(
		    n, sizeof(n), "%lld", (long long)json_integer_value(v));
	else
		n[0] = '\0';
	cell(b, n, last);
}

int
px_aar_csv(struct px_buf *out, const json_t *aar, const char *lang)
{
	struct page p = { .r = aar };
	const json_t *in, *e, *o;
	struct px_buf b;
	size_t i, k;
	int rc;

	if ((rc = px_lang_parse(&p.lang, lang)) < 0)
		return rc;
	if (!json_is_object(json_object_get(aar, "aar")))
		return px_error_set(
		    PX_EINVAL, "not an after-action report (no 'aar' header)");
	px_buf_init(&b, PX_BUF_NOCAP);
	/* Which exercise, marked as one. */
	cell(&b, "EXERCISE", false);
	cell(&b, str(json_object_get(aar, "aar"), "ref"), false);
	cell(&b, txt(&p, json_object_get(json_object_get(aar, "aar"), "name")),
	    false);
	cell(&b, str(aar, "scores_hash"), true);
	/* One row per expectation, then one per objective. */
	cell(&b, T(&p, "aar.col.inject"), false);
	cell(&b, T(&p, "aar.col.channel"), false);
	cell(&b, T(&p, "aar.col.sent"), false);
	cell(&b, T(&p, "aar.col.state"), false);
	cell(&b, T(&p, "aar.col.expectation"), false);
	cell(&b, T(&p, "aar.col.objective"), false);
	cell(&b, T(&p, "aar.col.deadline"), false);
	cell(&b, T(&p, "aar.col.status"), false);
	cell(&b, T(&p, "aar.col.answer"), false);
	cell(&b, "latency_ms", true);
	json_array_foreach(json_object_get(aar, "timeline"), i, in)
	{
		const json_t *ex = json_object_get(in, "expectations");

		if (json_array_size(ex) == 0) {
			cell(&b, str(in, "id"), false);
			cell(&b, W(&p, "aar.chan", str(in, "channel")), false);
			cell(&b, str(in, "sent"), false);
			cell(&b, W(&p, "aar.istate", str(in, "state")), false);
			for (int c = 0; c < 5; c++)
				cell(&b, "", false);
			cell(&b, "", true);
			continue;
		}
		json_array_foreach(ex, k, e)
		{
			const json_t *ans = json_object_get(e, "answer");

			cell(&b, str(in, "id"), false);
			cell(&b, W(&p, "aar.chan", str(in, "channel")), false);
			cell(&b, str(in, "sent"), false);
			cell(&b, W(&p, "aar.istate", str(in, "state")), false);
			cell(&b, str(e, "id"), false);
			cell(&b, str(e, "objective"), false);
			cell(&b, str(e, "deadline"), false);
			cell(&b, W(&p, "aar.status", str(e, "status")), false);
			cell(&b, str(ans, "msg"), false);
			cell_int(&b, json_object_get(ans, "latency_ms"), true);
		}
	}
	cell(&b, T(&p, "aar.col.objective"), false);
	cell(&b, T(&p, "aar.col.met"), false);
	cell(&b, T(&p, "aar.col.partial"), false);
	cell(&b, T(&p, "aar.col.missed"), false);
	cell(&b, T(&p, "aar.col.pending"), false);
	cell(&b, "permille", false);
	cell(&b, T(&p, "aar.col.computed"), false);
	cell(&b, T(&p, "aar.col.rating"), true);
	json_array_foreach(json_object_get(aar, "objectives"), i, o)
	{
		cell(&b, str(o, "id"), false);
		cell_int(&b, json_object_get(o, "met"), false);
		cell_int(&b, json_object_get(o, "partial"), false);
		cell_int(&b, json_object_get(o, "missed"), false);
		cell_int(&b, json_object_get(o, "pending"), false);
		cell_int(&b, json_object_get(o, "permille"), false);
		cell(&b, str(o, "computed") ? str(o, "computed") : "", false);
		cell(&b, str(o, "rating") ? str(o, "rating") : "", true);
	}
	rc = px_buf_add(out, b.data, b.len);
	px_buf_dispose(&b);
	return rc;
}
