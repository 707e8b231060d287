/*
 * The review report renderers (report/render.h): the HTML page and the CSV
 * drawn from tests/unit/data/report_sample.json, a six-month report
 * between cn-cert and us-cert with both directions, a hotline, a stale
 * contact, null figures and months with nothing measured; and the i18n
 * table behind both.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "model/case.h"
#include "model/types.h"
#include "report/i18n.h"
#include "report/render.h"
#include "util/tz.h"
#include "util/util.h"

#define SAMPLE PX_SOURCE_DIR "/tests/unit/data/report_sample.json"

static json_t *
sample(void)
{
	json_error_t e;
	json_t *j = json_load_file(SAMPLE, 0, &e);

	if (j == NULL)
		fail_msg("%s: %s (line %d)", SAMPLE, e.text, e.line);
	return j;
}

/* Renders `j`; fails the test on an error.  Caller frees. */
static char *
render(const json_t *j, const char *lang, bool csv)
{
	struct px_buf b;
	int rc;

	px_buf_init(&b, PX_BUF_NOCAP);
	rc = csv ? px_report_csv(&b, j, lang)
	         : px_report_html(&b, j, lang, NULL);
	if (rc != 0)
		fail_msg("render: %d %s", rc, px_error_last());
	return px_buf_detach(&b, NULL);
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += len;
	}
	return n;
}

/* The text from `from` (inclusive) up to the next `to` (exclusive), as a
 * new string; the test fails if either is missing. */
static char *
between(const char *s, const char *from, const char *to)
{
	const char *a = strstr(s, from), *b;
	char *out;

	if (a == NULL)
		fail_msg("'%s' not found", from);
	b = strstr(a, to);
	if (b == NULL)
		fail_msg("'%s' not found after '%s'", to, from);
	out = px_malloc((size_t)(b - a) + 1);
	memcpy(out, a, (size_t)(b - a));
	out[b - a] = '\0';
	return out;
}

/* Points of each <polyline class="line sK"> in `svg`, in order, into
 * pts[]; returns how many polylines. */
static size_t
polylines(const char *svg, int k, size_t *pts, size_t max)
{
	char tag[48];
	const char *p = svg;
	size_t n = 0;

	snprintf(tag, sizeof(tag), "<polyline class=\"line s%d\"", k);
	while ((p = strstr(p, tag)) != NULL && n < max) {
		const char *q = strstr(p, "points=\""), *e;
		size_t c = 1;

		assert_non_null(q);
		q += 8;
		e = strchr(q, '"');
		for (; q < e; q++)
			c += *q == ' ';
		pts[n++] = c;
		p = e;
	}
	return n;
}

/* Removes the member at a dotted path ("a.b.c"; "cases[2].ref" too). */
static void
drop(json_t *j, const char *path)
{
	char buf[128], *seg, *dot;
	json_t *cur = j;

	snprintf(buf, sizeof(buf), "%s", path);
	seg = buf;
	while ((dot = strchr(seg, '.')) != NULL) {
		char *br = strchr(seg, '[');

		*dot = '\0';
		if (br != NULL && br < dot) {
			*br = '\0';
			cur = json_array_get(json_object_get(cur, seg),
			    (size_t)strtoul(br + 1, NULL, 10));
		} else {
			cur = json_object_get(cur, seg);
		}
		assert_non_null(cur);
		seg = dot + 1;
	}
	assert_int_equal(json_object_del(cur, seg), 0);
}

static void
test_i18n_table(void **state)
{
	const struct px_name *const groups[] = { px_kind_names,
		px_category_names, px_msg_type_names, px_state_names,
		px_reason_names, px_clock_names };
	const size_t sizes[] = { PX_KIND__N, PX_CAT__N, PX_MSG__N, PX_ST__N,
		PX_RS__N, PX_CLK__N };
	const char *const gname[] = { "kind", "cat", "type", "state", "reason",
		"clock" };
	static const char *const outcomes[] = { "resolved", "partial", "unable",
		"declined", "forwarded", "withdrawn", "closed", "open" };
	size_t i, g, n = px_i18n_count();

	(void)state;
	assert_true(n > 150);
	for (i = 0; i < n; i++) {
		const struct px_i18n_msg *m = px_i18n_at(i);
		const char *en = m->text[PX_LANG_EN], *zh = m->text[PX_LANG_ZH];

		assert_non_null(en);
		assert_non_null(zh);
		assert_true(en[0] != '\0' && zh[0] != '\0');
		if (i > 0 && strcmp(px_i18n_at(i - 1)->id, m->id) >= 0)
			fail_msg("table not sorted at %s", m->id);
		if (strpbrk(en, "<>&") || strpbrk(zh, "<>&"))
			fail_msg("markup character in %s", m->id);
		/* Same placeholders in both languages. */
		assert_int_equal(count(en, "{1}"), count(zh, "{1}"));
		assert_int_equal(count(en, "{2}"), count(zh, "{2}"));
		/* Every message is translated, not copied. */
		if (strcmp(en, zh) == 0)
			fail_msg("%s is the same in both languages", m->id);
	}
	assert_null(px_i18n_at(n));

	/* Every wire name of the protocol has a label in both languages. */
	for (g = 0; g < PX_ARRAY_LEN(groups); g++)
		for (i = 0; i < sizes[g]; i++)
			assert_string_not_equal(
			    px_tr_wire(PX_LANG_ZH, gname[g], groups[g][i].wire),
			    groups[g][i].wire);
	for (i = 0; i < 7; i++)
		assert_string_not_equal(
		    px_tr_wire(PX_LANG_ZH, "cstate", px_clock_state_names[i]),
		    px_clock_state_names[i]);
	for (i = 0; i < PX_ARRAY_LEN(outcomes); i++)
		assert_string_not_equal(
		    px_tr_wire(PX_LANG_ZH, "outcome", outcomes[i]),
		    outcomes[i]);
	assert_string_equal(
	    px_tr_wire(PX_LANG_ZH, "clock", "first_response"), "首次答复");
	assert_string_equal(
	    px_tr_wire(PX_LANG_ZH, "cstate", "overdue"), "逾期");
	assert_string_equal(
	    px_tr_wire(PX_LANG_EN, "reason", "no-data"), "No data held");
	assert_string_equal(px_tr_wire(PX_LANG_EN, "cat", "vulnerable-site"),
	    "Vulnerable website");
	/* An unknown wire name shows as itself. */
	assert_string_equal(
	    px_tr_wire(PX_LANG_ZH, "kind", "carrier-pigeon"), "carrier-pigeon");
}

static void
test_i18n_duration_and_lang(void **state)
{
	char s[48];
	enum px_lang l;

	(void)state;
	px_i18n_duration(s, sizeof(s), PX_LANG_EN, 45 * 60000);
	assert_string_equal(s, "45 min");
	px_i18n_duration(s, sizeof(s), PX_LANG_EN, 200 * 60000 + 59999);
	assert_string_equal(s, "3 h 20 min");
	px_i18n_duration(s, sizeof(s), PX_LANG_EN, 52 * 3600000LL);
	assert_string_equal(s, "2 d 4 h");
	px_i18n_duration(s, sizeof(s), PX_LANG_EN, 2 * 3600000LL);
	assert_string_equal(s, "2 h");
	px_i18n_duration(s, sizeof(s), PX_LANG_EN, 72 * 3600000LL);
	assert_string_equal(s, "3 d");
	px_i18n_duration(s, sizeof(s), PX_LANG_EN, 45000);
	assert_string_equal(s, "45 s");
	px_i18n_duration(s, sizeof(s), PX_LANG_ZH, 45 * 60000);
	assert_string_equal(s, "45 分钟");
	px_i18n_duration(s, sizeof(s), PX_LANG_ZH, 200 * 60000);
	assert_string_equal(s, "3 小时 20 分钟");
	px_i18n_duration(s, sizeof(s), PX_LANG_ZH, 52 * 3600000LL);
	assert_string_equal(s, "2 天 4 小时");

	assert_int_equal(px_lang_parse(&l, "zh"), 0);
	assert_int_equal(l, PX_LANG_ZH);
	assert_string_equal(px_lang_tag(l), "zh-Hans");
	assert_int_equal(px_lang_parse(&l, "fr"), PX_EINVAL);
	assert_int_equal(px_lang_parse(&l, NULL), PX_EINVAL);
}

static void
test_html_en(void **state)
{
	json_t *j = sample();
	char *h = render(j, "en", false), *svg, *sec;
	size_t pts[8];

	(void)state;
	assert_true(strncmp(h, "<!DOCTYPE html>\n<html lang=\"en\">", 32) == 0);
	assert_non_null(strstr(h, "<meta charset=\"utf-8\">"));
	assert_non_null(strstr(
	    h, "<title>Review of cooperation: cn-cert and us-cert</title>"));

	/* Self-contained: nothing fetched, nothing run. */
	assert_null(strstr(h, "http://"));
	assert_null(strstr(h, "https://"));
	assert_null(strstr(h, "<script"));
	assert_null(strstr(h, "<link"));
	assert_null(strstr(h, "<img"));
	assert_null(strstr(h, "src="));
	assert_null(strstr(h, "@import"));
	assert_null(strstr(h, "@font-face"));

	/* Provenance: the checkpoint and how to verify. */
	assert_non_null(strstr(h, "<pre>cn-cert\n4021\n3k1mJw2yq8sS0v4n5bXr7"));
	assert_non_null(
	    strstr(h, "<code>parley audit verify REPORT.json</code>"));

	/* Summary cards: shares with one decimal, nulls as a dash. */
	sec = between(h, "<section id=\"summary\"", "</section>");
	assert_int_equal(count(sec, "<dd class=\"fig\">"), 16);
	assert_non_null(strstr(sec, "<dd class=\"fig\">90.9%</dd>"));
	assert_non_null(strstr(sec, "<dd class=\"fig\">66.7%</dd>"));
	assert_non_null(strstr(sec, "<dd class=\"fig\">4.17</dd>"));
	assert_int_equal(count(sec, "<dd class=\"fig\">\xe2\x80\x94</dd>"), 3);
	free(sec);

	/* Timeliness: medians and p90s for people. */
	sec = between(h, "<section id=\"timeliness\"", "</section>");
	assert_non_null(strstr(sec, "<td class=\"n median\">9 min</td>"));
	assert_non_null(strstr(sec, "<td class=\"n median\">3 h 20 min</td>"));
	assert_non_null(strstr(sec, "<td class=\"n median\">45 min</td>"));
	assert_non_null(strstr(sec, "<td class=\"n p90\">2 d 4 h</td>"));
	assert_non_null(strstr(sec, "<td class=\"n p90\">11 d</td>"));
	assert_int_equal(count(sec, "<td class=\"n median\">"), 8);
	assert_int_equal(
	    count(sec, "<td class=\"n median\">\xe2\x80\x94</td>"), 1);
	free(sec);

	/* Histograms: one bar per bin per direction, bins labelled. */
	svg = between(
	    h, "<svg class=\"chart\" id=\"chart-dist-acknowledge\"", "</svg>");
	assert_int_equal(count(svg, "class=\"bar s0\""), 6);
	assert_int_equal(count(svg, "class=\"bar s1\""), 6);
	assert_non_null(strstr(svg, ">&lt; 15 min</text>"));
	assert_non_null(strstr(svg,
	    ">15 min\xe2\x80\x93"
	    "1 h</text>"));
	assert_non_null(strstr(svg, ">\xe2\x89\xa5 3 d</text>"));
	assert_non_null(strstr(svg, "<title id=\"chart-dist-acknowledge-t\">"));
	assert_non_null(strstr(svg, "<desc id=\"chart-dist-acknowledge-d\">"));
	free(svg);
	assert_int_equal(count(h, "<svg class=\"chart\" id=\"chart-dist-"), 4);

	/* Monthly trend: March has nothing outbound, April nothing inbound:
	 * each line breaks there, every measured month has its marker. */
	svg = between(h, "<svg class=\"chart\" id=\"chart-trend\"", "</svg>");
	assert_int_equal(polylines(svg, 0, pts, 8), 2);
	assert_int_equal(pts[0], 2); /* Jan, Feb */
	assert_int_equal(pts[1], 3); /* Apr, May, Jun */
	assert_int_equal(polylines(svg, 1, pts, 8), 2);
	assert_int_equal(pts[0], 3); /* Jan, Feb, Mar */
	assert_int_equal(pts[1], 2); /* May, Jun */
	assert_int_equal(count(svg, "class=\"mk s0\""), 5 + 1); /* + legend */
	assert_int_equal(count(svg, "class=\"mk s1\""), 5 + 1);
	assert_non_null(strstr(svg, ">75.0%</text>")); /* Jan outbound 3/4 */
	assert_non_null(strstr(svg, ">2026-03</text>"));
	assert_non_null(strstr(svg, "stroke-dasharray"));
	free(svg);

	/* Backlog over time: two series of six points, no gap. */
	svg = between(h, "<svg class=\"chart\" id=\"chart-backlog\"", "</svg>");
	assert_int_equal(polylines(svg, 0, pts, 8), 1);
	assert_int_equal(pts[0], 6);
	assert_int_equal(polylines(svg, 1, pts, 8), 1);
	assert_int_equal(pts[0], 6);
	free(svg);

	/* Checks: the two stale contacts stand out. */
	sec = between(h, "<section id=\"checks\"", "</section>");
	assert_int_equal(count(sec, "<tr class=\"stale\">"), 2);
	assert_int_equal(count(sec, "Stale: verify again"), 2);
	assert_non_null(strstr(sec, "<td>Never</td>"));
	free(sec);

	/* Appendix: every case, each figure traced to log positions. */
	sec = between(h, "<section id=\"cases\"", "</section>");
	assert_int_equal(count(sec, "<tr><td title=\""), 7);
	assert_non_null(strstr(sec, "<li>#17 msg request</li>"));
	assert_non_null(strstr(sec, "<li>#18 receipt ack</li>"));
	assert_non_null(strstr(sec, "<li>First response: Overdue</li>"));
	assert_non_null(strstr(sec, "<li>Acknowledge: Met, 9 min</li>"));
	assert_non_null(strstr(sec, "<small>No data held</small>"));
	free(sec);

	free(h);
	json_decref(j);
}

static void
test_html_escapes(void **state)
{
	json_t *j = sample();
	json_t *contacts;
	char *h;
	const char *p;

	(void)state;
	json_object_set_new(
	    json_object_get(j, "report"), "node", json_string("<script>&\"'"));
	contacts = json_object_get(json_object_get(j, "checks"), "contacts");
	json_object_set_new(json_array_get(contacts, 0), "contact",
	    json_string("https://duty.example/<b>"));
	h = render(j, "en", false);
	assert_null(strstr(h, "<script"));
	assert_null(strstr(h, "<b>"));
	assert_non_null(strstr(h,
	    "<title>Review of cooperation: &lt;script&gt;&amp;&quot;&#39; "
	    "and us-cert</title>"));
	assert_non_null(strstr(h,
	    "<h1>Review of cooperation: &lt;script&gt;&amp;&quot;&#39; and "
	    "us-cert</h1>"));
	/* The one address is the user's text, escaped. */
	assert_null(strstr(h, "http://"));
	assert_int_equal(count(h, "https://"), 1);
	p = strstr(h, "https://");
	assert_true(strncmp(p, "https://duty.example/&lt;b&gt;", 30) == 0);
	free(h);
	json_decref(j);
}

static void
test_html_zh(void **state)
{
	json_t *j = sample();
	char *h = render(j, "zh", false);
	char *c = render(j, "zh", true);
	size_t i;

	(void)state;
	assert_non_null(strstr(h, "<html lang=\"zh-Hans\">"));
	assert_non_null(
	    strstr(h, "<title>合作情况评估：cn-cert 与 us-cert</title>"));
	assert_non_null(strstr(h, "摘要</h2>"));
	assert_non_null(strstr(h, "响应及时性</h2>"));
	assert_non_null(strstr(h, "附录：案件明细</h2>"));
	assert_non_null(
	    strstr(h, "<td class=\"n median\">3 小时 20 分钟</td>"));
	assert_non_null(strstr(h, "<td class=\"n median\">45 分钟</td>"));
	assert_non_null(strstr(h, "<td class=\"n p90\">2 天 4 小时</td>"));
	assert_non_null(strstr(h, "<li>#17 消息 请求</li>"));
	assert_non_null(strstr(h, "<li>首次答复：逾期</li>"));
	assert_non_null(strstr(h, "<li>确认：按时，9 分钟</li>"));
	/* No English label from the table is left in the Chinese page or
	 * sheet: neither as an element's whole text nor as a CSV field. */
	for (i = 0; i < px_i18n_count(); i++) {
		const struct px_i18n_msg *m = px_i18n_at(i);
		const char *en = m->text[PX_LANG_EN];
		char pat[512];

		if (strchr(en, '{') != NULL)
			continue;
		snprintf(pat, sizeof(pat), ">%s<", en);
		if (strstr(h, pat) != NULL)
			fail_msg("English '%s' (%s) in the zh page", en, m->id);
		snprintf(pat, sizeof(pat), ",%s,", en);
		if (strstr(c, pat) != NULL)
			fail_msg("English '%s' (%s) in the zh CSV", en, m->id);
		snprintf(pat, sizeof(pat), ",%s\r\n", en);
		if (strstr(c, pat) != NULL)
			fail_msg("English '%s' (%s) in the zh CSV", en, m->id);
	}
	free(h);
	free(c);
	json_decref(j);
}

static void
test_charts_without_data(void **state)
{
	json_t *j = sample(), *charts, *dist, *months;
	const char *const dirs[] = { "outbound", "inbound" };
	char *h, *sec, *svg;
	size_t d, pts[4];

	(void)state;
	charts = json_object_get(j, "charts");
	dist = json_object_get(charts, "distribution");
	for (d = 0; d < 2; d++)
		json_object_set_new(dist, dirs[d], json_object());
	json_object_set_new(charts, "monthly", json_array());
	json_object_set_new(charts, "backlog", json_array());
	h = render(j, "en", false);
	sec = between(h, "<section id=\"distribution\"", "</section>");
	assert_null(strstr(sec, "<svg"));
	assert_int_equal(count(sec, "No data in this period."), 2);
	free(sec);
	sec = between(h, "<section id=\"trend\"", "</section>");
	assert_null(strstr(sec, "<svg"));
	assert_int_equal(count(sec, "No data in this period."), 1);
	free(sec);
	sec = between(h, "<section id=\"backlog\"", "</section>");
	assert_null(strstr(sec, "<svg"));
	free(sec);
	free(h);

	/* A single measured month: its marker, and no line to draw. */
	months = json_pack("[{sssisisisi}]", "month", "2026-05",
	    "outbound_measured", 4, "outbound_within", 1, "inbound_measured", 0,
	    "inbound_within", 0);
	json_object_set_new(charts, "monthly", months);
	h = render(j, "en", false);
	svg = between(h, "<svg class=\"chart\" id=\"chart-trend\"", "</svg>");
	assert_int_equal(polylines(svg, 0, pts, 4), 0);
	assert_int_equal(polylines(svg, 1, pts, 4), 0);
	assert_int_equal(count(svg, "class=\"mk s0\""), 1 + 1);
	assert_int_equal(count(svg, "class=\"mk s1\""), 0 + 1);
	assert_non_null(strstr(svg, ">25.0%</text>"));
	free(svg);
	free(h);
	json_decref(j);
}

/* Every line of `csv` ends in CRLF; returns how many lines. */
static size_t
crlf_lines(const char *csv)
{
	size_t n = 0;
	const char *p;

	for (p = csv; *p; p++) {
		if (*p == '\n') {
			assert_true(p > csv && p[-1] == '\r');
			n++;
		}
	}
	return n;
}

static void
test_csv(void **state)
{
	json_t *j = sample(), *c0;
	char *c = render(j, "en", true), *h, *cases, *p;
	size_t lines;

	(void)state;
	assert_true(strncmp(c, "Section,Direction,Metric,Value\r\n", 32) == 0);
	lines = crlf_lines(c);
	assert_non_null(strstr(c, "\r\nReport,,Prepared by,cn-cert\r\n"));
	assert_non_null(strstr(c,
	    "\r\nReport,,\"Period end, not included (UTC)\",2026-06-30 "
	    "16:00:00\r\n"));
	assert_non_null(strstr(c,
	    "\r\nTimeliness,Outbound,Acknowledge: Share within deadline "
	    "(%),90.9\r\n"));
	assert_non_null(strstr(
	    c, "\r\nTimeliness,Outbound,Triage: Median (minutes),200.0\r\n"));
	assert_non_null(strstr(c,
	    "\r\nTimeliness,Inbound,Resolution: Share within deadline "
	    "(%),\r\n"));
	assert_non_null(strstr(c, "\r\nHotline,Outbound,Pages sent,3\r\n"));
	assert_non_null(
	    strstr(c, "\r\nQuality of answers,Outbound,Mean rating,4.17\r\n"));
	assert_non_null(strstr(
	    c, "\r\nPoints of contact,,us-cert/night-desk: Stale,yes\r\n"));
	assert_non_null(strstr(
	    c, "\r\nPoints of contact,,us-cert/policy: Last verified,\r\n"));

	/* After a blank line, a header and one row per case. */
	cases = strstr(c, "\r\n\r\n");
	assert_non_null(cases);
	cases += 4;
	assert_true(strncmp(cases, "Case ID,Ref.,Direction,Kind,", 28) == 0);
	assert_int_equal(count(cases, "\r\n"), 1 + 7);
	assert_non_null(strstr(cases,
	    "\r\n019b7a10-5c00-7a01-8c3e-1f2a3b4c5d01,1a2b3c4d,Outbound,"
	    "Request,Phishing,P2,2026-01-05 01:30:00,Closed,Resolved,,5,0,"
	    "Met,9.0,Met,200.0,Met,480.0,Met,5760.0,#17 msg request; #18 "
	    "receipt ack; #21 receipt triage; #30 receipt result; #31 msg "
	    "feedback\r\n"));
	assert_true(lines > 100);

	/* Every number of the page's summary is in the sheet. */
	h = render(j, "en", false);
	p = between(h, "<section id=\"summary\"", "</section>");
	{
		const char *q = p;

		while ((q = strstr(q, "<dd class=\"fig\">")) != NULL) {
			char fig[32], pat[48];
			const char *e;
			size_t n;

			q += 16;
			e = strchr(q, '<');
			n = (size_t)(e - q);
			assert_true(n < sizeof(fig));
			memcpy(fig, q, n);
			fig[n] = '\0';
			if (strcmp(fig, "\xe2\x80\x94") == 0)
				continue;
			if (n > 0 && fig[n - 1] == '%')
				fig[n - 1] = '\0';
			snprintf(pat, sizeof(pat), ",%s\r\n", fig);
			if (strstr(c, pat) == NULL)
				fail_msg("summary figure %s not in CSV", fig);
		}
	}
	free(p);
	free(h);
	free(c);

	/* Quoting, and text a spreadsheet would run as a formula. */
	c0 = json_array_get(json_object_get(j, "cases"), 0);
	json_object_set_new(c0, "ref", json_string("=1+1"));
	json_object_set_new(
	    json_array_get(
	        json_object_get(json_object_get(j, "checks"), "contacts"), 0),
	    "contact", json_string("duty, \"night\"\r\nline"));
	c = render(j, "en", true);
	assert_non_null(strstr(c, ",'=1+1,Outbound,"));
	assert_non_null(strstr(c,
	    "\r\nPoints of contact,,\"us-cert/duty, \"\"night\"\"\r\nline: "
	    "Checks sent\",2\r\n"));
	free(c);

	/* Chinese: a BOM for Excel, translated header. */
	c = render(j, "zh", true);
	assert_true(
	    strncmp(c, "\xef\xbb\xbf部分,方向,指标,数值\r\n", 3 + 28) == 0);
	assert_non_null(strstr(c, ",确认：按时比例（%）,90.9\r\n"));
	free(c);
	json_decref(j);
}

/* Given the report's zone, the cover shows the period as the days the
 * reader chose (the end day is the one before the exclusive end), beside
 * the UTC instants; a zone of another name is not used. */
static void
test_html_local_period(void **state)
{
	json_t *j = sample();
	struct px_tz *tz = NULL, *ny = NULL;
	struct px_buf b;
	char *html, *row;

	(void)state;
	assert_int_equal(px_tz_load(&tz, "Asia/Shanghai"), 0);
	assert_int_equal(px_tz_load(&ny, "America/New_York"), 0);
	px_buf_init(&b, PX_BUF_NOCAP);
	assert_int_equal(px_report_html(&b, j, "en", tz), 0);
	html = px_buf_detach(&b, NULL);
	row = between(html, "<dt>Period</dt>", "</dd>");
	assert_string_equal(row,
	    "<dt>Period</dt><dd>2026-01-01 to 2026-06-30, both days "
	    "included, Asia/Shanghai time");
	free(row);
	row = between(html, "<dt>Period in UTC</dt>", "</dd>");
	assert_non_null(strstr(row,
	    "2025-12-31 16:00 UTC to 2026-06-30 16:00 "
	    "UTC (end not included)"));
	free(row);
	free(html);

	px_buf_init(&b, PX_BUF_NOCAP);
	assert_int_equal(px_report_html(&b, j, "zh", tz), 0);
	html = px_buf_detach(&b, NULL);
	assert_non_null(strstr(html,
	    "2026-01-01 至 2026-06-30（含首尾两日），按 Asia/Shanghai 时间"));
	free(html);

	/* Not the report's zone: only the UTC period, as without one. */
	px_buf_init(&b, PX_BUF_NOCAP);
	assert_int_equal(px_report_html(&b, j, "en", ny), 0);
	html = px_buf_detach(&b, NULL);
	assert_null(strstr(html, "Period in UTC"));
	assert_null(strstr(html, "both days included"));
	free(html);
	px_tz_free(tz);
	px_tz_free(ny);
	json_decref(j);
}

static void
test_refusals(void **state)
{
	static const char *const required[] = { "checkpoint.root",
		"report.node", "timeliness.inbound.triage.p90_ms",
		"hotline.outbound.pages", "charts.monthly",
		"charts.distribution.bins_ms", "checks.contacts",
		"quality.inbound.scores", "cases[2].ref", "cases[0].entries" };
	struct px_buf b;
	json_t *j;
	size_t i;

	(void)state;
	px_buf_init(&b, PX_BUF_NOCAP);
	for (i = 0; i < PX_ARRAY_LEN(required); i++) {
		j = sample();
		drop(j, required[i]);
		assert_int_equal(px_report_html(&b, j, "en", NULL), PX_EINVAL);
		if (strstr(px_error_last(), required[i]) == NULL)
			fail_msg(
			    "'%s' not named: %s", required[i], px_error_last());
		assert_int_equal(px_report_csv(&b, j, "zh"), PX_EINVAL);
		assert_non_null(strstr(px_error_last(), required[i]));
		assert_int_equal(b.len, 0);
		json_decref(j);
	}

	/* Wrong types and values are named too. */
	j = sample();
	json_object_set_new(
	    json_object_get(json_object_get(j, "volumes"), "outbound"), "total",
	    json_string("12"));
	assert_int_equal(px_report_html(&b, j, "en", NULL), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "'volumes.outbound.total'"));
	assert_non_null(strstr(px_error_last(), "non-negative integer"));
	json_decref(j);
	j = sample();
	json_object_set_new(
	    json_object_get(
	        json_object_get(json_object_get(j, "timeliness"), "inbound"),
	        "acknowledge"),
	    "share_within", json_real(1.5));
	assert_int_equal(px_report_csv(&b, j, "en"), PX_EINVAL);
	assert_non_null(strstr(
	    px_error_last(), "'timeliness.inbound.acknowledge.share_within'"));
	json_decref(j);
	j = sample();
	json_object_set_new(json_array_get(json_object_get(j, "cases"), 1),
	    "direction", json_string("sideways"));
	assert_int_equal(px_report_html(&b, j, "en", NULL), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "'cases[1].direction'"));
	json_decref(j);

	/* An unknown language, and a buffer too small for the page. */
	j = sample();
	assert_int_equal(px_report_html(&b, j, "fr", NULL), PX_EINVAL);
	assert_non_null(strstr(px_error_last(), "'fr'"));
	assert_int_equal(px_report_csv(&b, j, NULL), PX_EINVAL);
	assert_int_equal(b.len, 0);
	px_buf_dispose(&b);
	px_buf_init(&b, 4096);
	assert_int_equal(px_buf_adds(&b, "kept"), 0);
	assert_int_equal(px_report_html(&b, j, "en", NULL), PX_ETOOBIG);
	assert_string_equal(b.data, "kept");
	px_buf_dispose(&b);
	json_decref(j);
	j = json_array();
	assert_int_equal(px_report_html(&b, j, "en", NULL), PX_EINVAL);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_i18n_table),
		cmocka_unit_test(test_i18n_duration_and_lang),
		cmocka_unit_test(test_html_en),
		cmocka_unit_test(test_html_escapes),
		cmocka_unit_test(test_html_zh),
		cmocka_unit_test(test_html_local_period),
		cmocka_unit_test(test_charts_without_data),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
