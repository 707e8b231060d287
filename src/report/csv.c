/*
 * The review report as CSV (RFC 4180) for people who want the figures in
 * a spreadsheet: a table of figures (section, direction, metric, value),
 * a blank line, then one row per case.
 *
 * RFC 4180 details: records end in CRLF; a field holding a comma, a double
 * quote, CR or LF is quoted, with quotes doubled.  Text is UTF-8.  The
 * Chinese file starts with a UTF-8 byte order mark because Excel on
 * Windows reads a CSV without one in the system's ANSI code page and shows
 * the Chinese as mojibake; the English one has none (the RFC defines none
 * and other tools may show it as a stray character).
 *
 * Values are for computing with: counts as integers, shares as percentages
 * with one decimal (the same digits the HTML page shows, without the %
 * sign), durations in minutes with one decimal, times as
 * "YYYY-MM-DD hh:mm:ss" UTC (which spreadsheets read as dates), a null
 * as an empty field.  Labels (sections, metrics, wire names) are
 * translated.
 *
 * Text from the report that starts with = + - @ or a tab is prefixed with
 * an apostrophe: spreadsheets would run it as a formula, and node names,
 * refs and contacts come partly from the peer.
 */
#include "report/data.h"
#include "report/i18n.h"
#include "report/render.h"
#include "util/util.h"

struct sheet {
	struct px_buf b;
	enum px_lang lang;
	const struct px_report *r;
	const char *sec, *dir; /* of the figure rows being written */
};

static const char *
T(const struct sheet *s, const char *id)
{
	return px_tr(s->lang, id);
}

static const char *
wire(const struct sheet *s, const char *group, const char *w)
{
	return px_tr_wire(s->lang, group, w);
}

static void
field(struct sheet *s, const char *v, bool first)
{
	const char *p;

	if (!first)
		px_buf_puts(&s->b, ",");
	if (strpbrk(v, ",\"\r\n") == NULL) {
		px_buf_puts(&s->b, v);
		return;
	}
	px_buf_puts(&s->b, "\"");
	for (p = v; *p != '\0'; p++) {
		if (*p == '"')
			px_buf_puts(&s->b, "\"");
		px_buf_put(&s->b, p, 1);
	}
	px_buf_puts(&s->b, "\"");
}

/* A field of text that came from the report (see the top of the file). */
static void
text_field(struct sheet *s, const char *v, bool first)
{
	struct px_buf t;

	if (v == NULL || strchr("=+-@\t", v[0]) == NULL || v[0] == '\0') {
		field(s, v ? v : "", first);
		return;
	}
	px_buf_init(&t, PX_BUF_NOCAP);
	px_buf_putf(&t, "'%s", v);
	field(s, t.data, first);
	px_buf_dispose(&t);
}

static void
end_row(struct sheet *s)
{
	px_buf_puts(&s->b, "\r\n");
}

/* One figure row under the current section and direction. */
static void
fig(struct sheet *s, const char *metric, const char *value)
{
	field(s, s->sec, true);
	field(s, s->dir, false);
	field(s, metric, false);
	text_field(s, value, false);
	end_row(s);
}

static void
fig_count(struct sheet *s, const char *metric, int64_t v)
{
	char t[PX_RFIG];

	snprintf(t, sizeof(t), "%lld", (long long)v);
	fig(s, metric, t);
}

static void
fig_pct(struct sheet *s, const char *metric, double share)
{
	char t[PX_RFIG];

	px_rfmt_pct(t, sizeof(t), share);
	fig(s, metric, t);
}

static void
fig_min(struct sheet *s, const char *metric, int64_t ms)
{
	char t[PX_RFIG];

	px_rfmt_minutes(t, sizeof(t), ms);
	fig(s, metric, t);
}

static void
fig_time(struct sheet *s, const char *metric, int64_t ms)
{
	char t[PX_RFIG] = "";

	if (ms != PX_RNULL)
		px_rfmt_time(t, sizeof(t), ms, true);
	fig(s, metric, t);
}

/* "A: B" in the sheet's language, into a buffer the caller disposes. */
static const char *
pair(struct sheet *s, struct px_buf *tmp, const char *a, const char *b)
{
	px_buf_reset(tmp);
	px_tr_fill(tmp, T(s, "m.metric"), a, b);
	return tmp->data;
}

static void
begin(struct sheet *s, const char *sec_id, enum px_rdir d)
{
	s->sec = T(s, sec_id);
	s->dir = T(s, d == PX_RD_OUT ? "dir.outbound" : "dir.inbound");
}

static void
report_rows(struct sheet *s)
{
	const struct px_report *r = s->r;

	s->sec = T(s, "sec.report");
	s->dir = "";
	fig(s, T(s, "meta.node"), r->node);
	fig(s, T(s, "meta.peer"), r->peer);
	fig_time(s, T(s, "meta.from_utc"), r->from_ms);
	fig_time(s, T(s, "meta.to_utc"), r->to_ms);
	fig_time(s, T(s, "meta.as_of_utc"), r->as_of_ms);
	fig_time(s, T(s, "meta.generated_utc"), r->generated_ms);
	fig(s, T(s, "meta.timezone"), r->timezone);
	fig(s, T(s, "cp.origin"), r->cp_origin);
	fig_count(s, T(s, "cp.size"), r->cp_size);
	fig(s, T(s, "cp.root"), r->cp_root);
}

/* Rows "<prefix>: <label>" for each key of the two directions' maps. */
static void
map_figs(struct sheet *s, struct px_buf *tmp, const char *prefix,
    const json_t *m, const json_t *other, const char *group,
    const char *const *known, size_t n_known, bool all)
{
	size_t n, k;
	const char **keys = px_rkeys(m, other, known, n_known, all, &n);

	for (k = 0; k < n; k++) {
		const char *label = wire(s, group, keys[k]);

		fig_count(s, prefix ? pair(s, tmp, prefix, label) : label,
		    px_rcount(m, keys[k]));
	}
	free(keys);
}

static void
direction_rows(struct sheet *s, enum px_rdir d, struct px_buf *tmp)
{
	static const char *const levels[] = { "1", "2", "3", "4", "5", "6", "7",
		"8", "9" };
	static const char *const scores[] = { "1", "2", "3", "4", "5" };
	const struct px_rdirdata
	    *o = &s->r->dir[d],
	    *x = &s->r->dir[d == PX_RD_OUT ? PX_RD_IN : PX_RD_OUT];
	size_t c, k;

	begin(s, "sec.volumes", d);
	fig_count(s, T(s, "m.total"), o->total);
	map_figs(s, tmp, T(s, "vol.by_kind"), o->by_kind, x->by_kind, "kind",
	    px_rkinds, px_rkinds_n, false);
	map_figs(s, tmp, T(s, "vol.by_cat"), o->by_category, x->by_category,
	    "cat", px_rcategories, px_rcategories_n, false);

	begin(s, "sec.timeliness", d);
	for (c = 0; c < PX_RC__N; c++) {
		const struct px_rtime *t = &o->clk[c];
		const char *cl = wire(s, "clock", px_rclock_wire[c]);

		fig_count(
		    s, pair(s, tmp, cl, T(s, "col.measured")), t->measured);
		fig_count(s, pair(s, tmp, cl, T(s, "col.within")), t->within);
		fig_pct(s, pair(s, tmp, cl, T(s, "m.share_pct")), t->share);
		fig_min(
		    s, pair(s, tmp, cl, T(s, "m.median_min")), t->median_ms);
		fig_min(s, pair(s, tmp, cl, T(s, "m.p90_min")), t->p90_ms);
	}

	begin(s, "sec.outcomes", d);
	map_figs(s, tmp, NULL, o->outcomes, x->outcomes, "outcome",
	    px_routcomes, px_routcomes_n, true);
	begin(s, "sec.reasons", d);
	map_figs(s, tmp, NULL, o->reasons, x->reasons, "reason", px_rreasons,
	    px_rreasons_n, false);

	begin(s, "sec.backlog", d);
	fig_count(s, T(s, "m.open"), o->open);
	fig_count(s, T(s, "m.overdue"), o->overdue);

	begin(s, "sec.escalations", d);
	fig_count(s, T(s, "esc.total"), o->esc_total);
	fig_count(s, T(s, "esc.cases"), o->esc_cases);
	{
		size_t n;
		const char **keys = px_rkeys(o->esc_levels, x->esc_levels,
		    levels, PX_ARRAY_LEN(levels), false, &n);

		for (k = 0; k < n; k++) {
			px_buf_reset(tmp);
			px_tr_fill(tmp, T(s, "esc.level"), keys[k], "");
			fig_count(
			    s, tmp->data, px_rcount(o->esc_levels, keys[k]));
		}
		free(keys);
	}

	begin(s, "sec.hotline", d);
	fig_count(s, T(s, "hl.raised"), o->hl_raised);
	fig_count(s, T(s, "hl.acked"), o->hl_acked);
	fig_count(s, T(s, "hl.answered"), o->hl_answered);
	fig_pct(s, T(s, "hl.rate_pct"), o->hl_rate);
	fig_min(s, T(s, "hl.median_min"), o->hl_median_ms);
	fig_min(s, T(s, "hl.p90_min"), o->hl_p90_ms);
	fig_count(s, T(s, "hl.pages"), o->hl_pages);
	fig_count(s, T(s, "hl.capped"), o->hl_capped);

	begin(s, "sec.checks", d);
	fig_count(s, T(s, "ck.sent"), o->ck_sent);
	fig_count(s, T(s, "ck.answered"), o->ck_answered);
	fig_count(s, T(s, "ck.auto"), o->ck_auto);
	fig_count(s, T(s, "ck.unanswered"), o->ck_unanswered);
	fig_pct(s, T(s, "ck.rate_pct"), o->ck_rate);
	fig_min(s, T(s, "ck.median_min"), o->ck_median_ms);

	begin(s, "sec.quality", d);
	fig_count(s, T(s, "q.rated"), o->q_rated);
	{
		char t[PX_RFIG];

		px_rfmt_mean(t, sizeof(t), o->q_mean);
		fig(s, T(s, "q.mean"), t);
	}
	for (k = 0; k < PX_ARRAY_LEN(scores); k++) {
		px_buf_reset(tmp);
		px_tr_fill(tmp, T(s, "q.score"), scores[k], "");
		fig_count(s, tmp->data, px_rcount(o->q_scores, scores[k]));
	}
}

static void
contact_rows(struct sheet *s, struct px_buf *tmp)
{
	struct px_buf who;
	size_t k;

	s->sec = T(s, "sec.contacts");
	s->dir = "";
	px_buf_init(&who, PX_BUF_NOCAP);
	for (k = 0; k < s->r->n_contacts; k++) {
		const struct px_rcontact *c = &s->r->contacts[k];

		px_buf_reset(&who);
		px_buf_putf(&who, "%s/%s", c->party, c->contact);
		fig_count(s, pair(s, tmp, who.data, T(s, "ck.sent")), c->sent);
		fig_count(s, pair(s, tmp, who.data, T(s, "ck.answered")),
		    c->answered);
		fig_min(s, pair(s, tmp, who.data, T(s, "ck.median_min")),
		    c->median_ms);
		fig_time(s, pair(s, tmp, who.data, T(s, "col.last_verified")),
		    c->last_verified_ms);
		fig(s, pair(s, tmp, who.data, T(s, "ck.stale_col")),
		    T(s, c->stale ? "gen.yes" : "gen.no"));
	}
	px_buf_dispose(&who);
}

static void
case_rows(struct sheet *s, struct px_buf *tmp)
{
	static const char *const cols[] = { "col.case_id", "col.ref",
		"col.direction", "col.kind", "col.category", "col.priority",
		"col.opened", "col.state", "col.outcome", "col.reason",
		"col.score", "col.escalations" };
	char t[PX_RFIG];
	size_t k, c, i;

	for (k = 0; k < PX_ARRAY_LEN(cols); k++)
		field(s, T(s, cols[k]), k == 0);
	for (c = 0; c < PX_RC__N; c++) {
		const char *cl = wire(s, "clock", px_rclock_wire[c]);

		px_buf_reset(tmp);
		px_tr_fill(tmp, T(s, "col.clock_state"), cl, "");
		field(s, tmp->data, false);
		px_buf_reset(tmp);
		px_tr_fill(tmp, T(s, "col.clock_min"), cl, "");
		field(s, tmp->data, false);
	}
	field(s, T(s, "col.entries"), false);
	end_row(s);

	for (k = 0; k < s->r->n_cases; k++) {
		const struct px_rcase *e = &s->r->cases[k];

		text_field(s, e->id, true);
		text_field(s, e->ref, false);
		field(s,
		    T(s, e->dir == PX_RD_OUT ? "dir.outbound" : "dir.inbound"),
		    false);
		text_field(s, wire(s, "kind", e->kind), false);
		text_field(
		    s, e->category ? wire(s, "cat", e->category) : "", false);
		text_field(s, e->priority, false);
		px_rfmt_time(t, sizeof(t), e->opened_ms, true);
		field(s, t, false);
		text_field(s, wire(s, "state", e->state), false);
		text_field(s, wire(s, "outcome", e->outcome), false);
		text_field(
		    s, e->reason ? wire(s, "reason", e->reason) : "", false);
		if (e->score == PX_RNULL)
			t[0] = '\0';
		else
			snprintf(t, sizeof(t), "%lld", (long long)e->score);
		field(s, t, false);
		snprintf(t, sizeof(t), "%lld", (long long)e->escalations);
		field(s, t, false);
		for (c = 0; c < PX_RC__N; c++) {
			text_field(s,
			    e->clock_state[c]
			        ? wire(s, "cstate", e->clock_state[c])
			        : "",
			    false);
			px_rfmt_minutes(t, sizeof(t), e->clock_ms[c]);
			field(s, t, false);
		}
		px_buf_reset(tmp);
		for (i = 0; i < e->n_entries; i++)
			px_buf_putf(tmp, "%s#%lld %s %s", i ? "; " : "",
			    (long long)e->entries[i].log,
			    wire(s, "leaf", e->entries[i].leaf),
			    wire(s, "type", e->entries[i].type));
		text_field(s, tmp->data ? tmp->data : "", false);
		end_row(s);
	}
}

int
px_report_csv(struct px_buf *out, const json_t *report, const char *lang)
{
	struct px_report r;
	struct sheet s;
	struct px_buf tmp;
	int rc;

	memset(&s, 0, sizeof(s));
	if ((rc = px_lang_parse(&s.lang, lang)) < 0)
		return rc;
	if ((rc = px_report_load(&r, report)) < 0)
		return rc;
	px_buf_init(&s.b, PX_BUF_NOCAP);
	px_buf_init(&tmp, PX_BUF_NOCAP);
	s.r = &r;
	if (s.lang == PX_LANG_ZH)
		px_buf_puts(&s.b, "\xef\xbb\xbf");
	field(&s, T(&s, "csv.section"), true);
	field(&s, T(&s, "csv.direction"), false);
	field(&s, T(&s, "csv.metric"), false);
	field(&s, T(&s, "csv.value"), false);
	end_row(&s);
	report_rows(&s);
	direction_rows(&s, PX_RD_OUT, &tmp);
	direction_rows(&s, PX_RD_IN, &tmp);
	contact_rows(&s, &tmp);
	end_row(&s);
	case_rows(&s, &tmp);

	rc = px_buf_add(out, s.b.data, s.b.len);
	px_buf_dispose(&s.b);
	px_buf_dispose(&tmp);
	px_report_dispose(&r);
	return rc;
}
