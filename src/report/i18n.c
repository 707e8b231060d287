/*
 * The report's words in two languages.  The English is written for a
 * reader who is not a specialist (a diplomat at the review meeting); the
 * Chinese uses the terms Chinese CERTs use in their own reports (应急响应,
 * 通报, 协查, 研判, 处置, 逾期, 联络核查), not a word-for-word rendering.
 *
 * Wire names that are signed protocol vocabulary keep a row per spelling
 * the report may carry (the reason codes have a long wire form and a short
 * one used in docs/report.md's example), so either shows translated.  The
 * message types ("type.*") stay wire names in English on purpose: the
 * appendix lists log entries as "#17 msg request" so that they can be
 * matched against `parley log` output.
 */
#include "report/i18n.h"
#include "util/util.h"

/* Sorted by id in strcmp order (tests/unit/test_report_render.c checks).
 * One row a line, unwrapped, so that a translator reads both languages
 * side by side: clang-format would fold them apart. */
/* clang-format off */
static const struct px_i18n_msg table[] = {
	{ "aar.allowed", { "allowed {1}", "时限 {1}" } },
	{ "aar.banner", { "EXERCISE — not a real incident", "EXERCISE 演练——非真实事件" } },
	{ "aar.chan.check", { "communication check", "联络核查" } },
	{ "aar.chan.hotline", { "hotline", "热线" } },
	{ "aar.chan.report", { "report", "通报" } },
	{ "aar.chan.request", { "request", "协查请求" } },
	{ "aar.chan.update", { "update in the case", "案件内进展" } },
	{ "aar.chart.ack.desc", { "Bar chart of the minutes each played inject took to be acknowledged by the party it went to.", "柱状图：各已注入事项获得对方确认所用的分钟数。" } },
	{ "aar.chart.ack.title", { "Time to acknowledge, by inject", "各注入的确认用时" } },
	{ "aar.chart.axis.inject", { "Inject", "注入" } },
	{ "aar.chart.axis.minutes", { "Minutes", "分钟" } },
	{ "aar.chart.axis.objective", { "Objective", "目标" } },
	{ "aar.chart.axis.score", { "Score", "得分" } },
	{ "aar.chart.obj.desc", { "Bar chart of each objective's score in percent of what it could reach.", "柱状图：各目标得分占满分的百分比。" } },
	{ "aar.chart.obj.title", { "Score by objective", "各目标得分" } },
	{ "aar.checks.summary", { "{1} checks sent, {2} answered with the token.", "共发出 {1} 次核查，其中 {2} 次以核查码应答。" } },
	{ "aar.col.answer", { "Decided by", "判定依据" } },
	{ "aar.col.capability", { "Capability", "核心能力" } },
	{ "aar.col.channel", { "Channel", "渠道" } },
	{ "aar.col.computed", { "Computed", "计算评级" } },
	{ "aar.col.deadline", { "Deadline", "时限" } },
	{ "aar.col.due", { "Due", "期限" } },
	{ "aar.col.evaluator", { "Evaluator", "评估员" } },
	{ "aar.col.expectation", { "Expectation", "预期" } },
	{ "aar.col.inject", { "Inject", "注入" } },
	{ "aar.col.item", { "Item", "事项" } },
	{ "aar.col.log", { "Log entries", "日志条目" } },
	{ "aar.col.max", { "Longest", "最长" } },
	{ "aar.col.measured", { "Measured", "计量数" } },
	{ "aar.col.median", { "Median", "中位数" } },
	{ "aar.col.met", { "Met", "达成" } },
	{ "aar.col.missed", { "Missed", "未达成" } },
	{ "aar.col.objective", { "Objective", "目标" } },
	{ "aar.col.owner", { "Owner", "负责人" } },
	{ "aar.col.p90", { "90th percentile", "第 90 百分位" } },
	{ "aar.col.partial", { "Partial", "部分达成" } },
	{ "aar.col.pending", { "Pending", "待定" } },
	{ "aar.col.rating", { "Rating", "评级" } },
	{ "aar.col.response", { "Response", "响应" } },
	{ "aar.col.score", { "Score", "得分" } },
	{ "aar.col.sent", { "Sent", "发出时间" } },
	{ "aar.col.state", { "State", "状态" } },
	{ "aar.col.status", { "Status", "结果" } },
	{ "aar.col.text", { "What", "内容" } },
	{ "aar.col.time", { "Time", "时间" } },
	{ "aar.col.updated", { "Updated", "更新时间" } },
	{ "aar.ended", { "Ended", "结束时间" } },
	{ "aar.fig.acknowledge", { "Time to acknowledge", "确认用时" } },
	{ "aar.fig.checks", { "Check answered", "核查应答用时" } },
	{ "aar.fig.first", { "Time to first response", "首次答复用时" } },
	{ "aar.fig.hotline", { "Hotline answered", "热线应答用时" } },
	{ "aar.fig.triage", { "Time to triage", "研判用时" } },
	{ "aar.figures.text", { "How long the party an inject went to took to acknowledge it, triage it and give a first answer, how the hotline was answered and how deep its roster walk went, and how the communication checks were answered.", "各注入的接收方确认、研判与首次答复所用时间，热线的应答情况及值班轮换呼叫的深度，以及联络核查的应答情况。" } },
	{ "aar.hotline.summary", { "{1} hotline injects raised; the deepest roster page reached: {2}.", "共发起 {1} 次热线注入；值班轮换最深呼叫至第 {2} 位。" } },
	{ "aar.improvements", { "Areas for improvement", "改进领域" } },
	{ "aar.istate.due", { "due", "待发出" } },
	{ "aar.istate.hidden", { "controller-only, not revealed", "仅控制组可见，尚未公开" } },
	{ "aar.istate.not-played", { "not played", "未注入" } },
	{ "aar.istate.played", { "played", "已注入" } },
	{ "aar.istate.skipped", { "skipped", "已跳过" } },
	{ "aar.istate.waiting", { "waiting", "等待中" } },
	{ "aar.kicker", { "After-action report, exercise {1}", "演练总结报告（演练 {1}）" } },
	{ "aar.never_started", { "Never: it ended before it started", "从未开始：演练在开始前即已结束" } },
	{ "aar.none", { "None.", "无。" } },
	{ "aar.objectives.text", { "Each expectation was resolved from the signed messages of both parties: met counts 2, partial 1 and missed 0, times its weight. The rating is HSEEP's: P performed without challenges, S performed with some challenges, M performed with major challenges, U unable to be performed; an evaluator may confirm or change the computed one.", "每项预期均依据双方签名消息判定：达成计 2 分，部分达成计 1 分，未达成计 0 分，再乘以权重。评级采用 HSEEP 四级：P 顺利完成，S 完成但存在一些困难，M 完成但存在重大困难，U 未能完成；评估员可确认或调整计算评级。" } },
	{ "aar.parties", { "Parties", "参演方" } },
	{ "aar.plan.status.cancelled", { "cancelled", "已取消" } },
	{ "aar.plan.status.done", { "done", "已完成" } },
	{ "aar.plan.status.in-progress", { "in progress", "进行中" } },
	{ "aar.plan.status.open", { "open", "待办" } },
	{ "aar.proposer", { "{1} proposed it to {2}", "由 {1} 向 {2} 提议" } },
	{ "aar.provenance.text", { "Computed by {1} from its own record at checkpoint {2}. Either party can check this file against its record with parley audit verify.", "由 {1} 依据本方记录在检查点 {2} 计算。任一方均可使用 parley audit verify 对照本方记录核验本文件。" } },
	{ "aar.rating.M", { "M: performed with major challenges", "M：完成但存在重大困难" } },
	{ "aar.rating.P", { "P: performed without challenges", "P：顺利完成" } },
	{ "aar.rating.S", { "S: performed with some challenges", "S：完成但存在一些困难" } },
	{ "aar.rating.U", { "U: unable to be performed", "U：未能完成" } },
	{ "aar.scale", { "Time scale", "时间倍率" } },
	{ "aar.scenario", { "Scenario", "演练脚本" } },
	{ "aar.scores_hash", { "Scores (SHA-256)", "评分摘要（SHA-256）" } },
	{ "aar.sec.figures", { "Times and reachability", "响应时间与可达性" } },
	{ "aar.sec.findings", { "Strengths and areas for improvement", "优势与改进领域" } },
	{ "aar.sec.objectives", { "Objectives and ratings", "目标与评级" } },
	{ "aar.sec.plan", { "Improvement plan", "改进计划" } },
	{ "aar.sec.provenance", { "Where these figures come from", "数据来源" } },
	{ "aar.sec.timeline", { "Timeline of injects and responses", "注入与响应时间线" } },
	{ "aar.sign.match", { "signed these scores", "已签署本评分" } },
	{ "aar.sign.none", { "has not signed yet", "尚未签署" } },
	{ "aar.sign.other", { "signed other scores", "签署的评分与本报告不同" } },
	{ "aar.signed", { "Signatures", "签署情况" } },
	{ "aar.started", { "Started", "开始时间" } },
	{ "aar.state", { "State", "状态" } },
	{ "aar.status.met", { "met", "达成" } },
	{ "aar.status.missed", { "missed", "未达成" } },
	{ "aar.status.partial", { "partial", "部分达成" } },
	{ "aar.status.pending", { "pending", "待定" } },
	{ "aar.stop", { "REAL-WORLD STOP by {1}: {2}", "{1} 因真实紧急情况中止演练：{2}" } },
	{ "aar.strengths", { "Strengths", "优势" } },
	{ "aar.timeline.text", { "Each inject as it was played, and under it the expectations it carried and the responses it drew, at times in UTC and in both parties' zones. #N is the entry holding the message in each party's log.", "逐条列出各注入的发出情况，其下为所设预期及所获响应，时间以 UTC 及双方时区显示。“#N”为该消息在各方日志中的条目号。" } },
	{ "aar.title", { "After-action report", "演练总结报告" } },
	{ "aar.what.ack", { "acknowledged", "确认" } },
	{ "aar.what.check-answered", { "check answered with the token", "以核查码应答核查" } },
	{ "aar.what.close", { "closed", "关闭" } },
	{ "aar.what.escalate", { "escalated", "升级" } },
	{ "aar.what.feedback", { "feedback given", "给予评价" } },
	{ "aar.what.first-response", { "first response", "首次答复" } },
	{ "aar.what.hotline-answered", { "hotline answered by a person", "热线由人员应答" } },
	{ "aar.what.note", { "note", "备注" } },
	{ "aar.what.result", { "result", "处置结果" } },
	{ "aar.what.triage", { "triaged", "研判" } },
	{ "aar.what.update", { "update", "进展" } },
	{ "aar.zones", { "Time zones", "时区" } },
	{ "app.text", { "Every case of the period with its clocks and the entries of {1}'s log that it rests on. #17 means entry 17 of that log; msg is a message, receipt the receipt {1} issued for a message it received.", "评估期间全部案件及其计时项，并列出所依据的 {1} 日志条目。“#17”指该日志第 17 条；“消息”为消息本身，“回执”为 {1} 对所收到消息出具的回执。" } },
	{ "axis.cases", { "Cases", "案件数" } },
	{ "axis.date", { "End of period", "统计日期" } },
	{ "axis.month", { "Month", "月份" } },
	{ "axis.rating", { "Rating", "评分" } },
	{ "axis.share", { "Share within deadline", "按时比例" } },
	{ "axis.time", { "Time taken", "用时" } },
	{ "bl.text", { "Cases of the period not yet ended when the figures were taken, and how many of them have a clock past its deadline. The chart shows the open cases at the end of each month (or of each week for a short period).", "截至数据截止时尚未办结的案件数，以及其中有计时项已超过时限的案件数。图表显示每月末（期间较短时为每周末）的未结案件数。" } },
	{ "cat.botnet", { "Botnet / infected host", "僵尸网络/受感染主机" } },
	{ "cat.ddos", { "Denial of service", "拒绝服务攻击" } },
	{ "cat.intrusion", { "Intrusion", "网络入侵" } },
	{ "cat.malware", { "Malware", "恶意软件" } },
	{ "cat.other", { "Other", "其他" } },
	{ "cat.phishing", { "Phishing", "网络钓鱼" } },
	{ "cat.vulnerable-site", { "Vulnerable website", "网站漏洞" } },
	{ "cat.vulnerable-website", { "Vulnerable website", "网站漏洞" } },
	{ "chart.bl.desc", { "Line chart of the number of open cases at each date, outbound and inbound.", "折线图：各统计日期的未结案件数，分我方发起与对方发起。" } },
	{ "chart.bl.title", { "Open cases over time", "未结案件数变化" } },
	{ "chart.cat.title", { "Cases by category", "按类别统计的案件数" } },
	{ "chart.dist.desc", { "Bar chart of the number of answered cases in each band of time taken, outbound and inbound side by side.", "柱状图：各用时区间内已答复的案件数，我方发起与对方发起并列。" } },
	{ "chart.dist.title", { "{1}: time taken", "{1}：用时分布" } },
	{ "chart.kind.title", { "Cases by kind", "按类型统计的案件数" } },
	{ "chart.q.desc", { "Bar chart of the number of answers given each rating from 1 to 5, outbound and inbound side by side.", "柱状图：获评 1 至 5 分的答复数，我方发起与对方发起并列。" } },
	{ "chart.q.title", { "Ratings given", "评分分布" } },
	{ "chart.trend.desc", { "Line chart of the share of measured clocks that were within their deadline, by month, outbound and inbound. Months with nothing measured are left empty.", "折线图：各月已计量计时项中按时完成的比例，分我方发起与对方发起。当月无计量数据的留空。" } },
	{ "chart.trend.title", { "Share within deadline by month", "各月按时比例" } },
	{ "chart.vol.desc", { "Bar chart of the number of cases opened in the period, outbound and inbound side by side.", "柱状图：评估期间新开案件数，我方发起与对方发起并列。" } },
	{ "ck.answered", { "Answered by a person", "人工回复" } },
	{ "ck.auto", { "Automatic reply only", "仅自动回复" } },
	{ "ck.current", { "Current", "有效" } },
	{ "ck.median", { "Median time to answer", "回复用时中位数" } },
	{ "ck.median_min", { "Median time to answer (minutes)", "回复用时中位数（分钟）" } },
	{ "ck.never", { "Never", "从未核实" } },
	{ "ck.rate", { "Response rate", "回复率" } },
	{ "ck.rate_pct", { "Response rate (%)", "回复率（%）" } },
	{ "ck.sent", { "Checks sent", "发出核查" } },
	{ "ck.stale", { "Stale: verify again", "已过期，需重新核实" } },
	{ "ck.stale_col", { "Stale", "已过期" } },
	{ "ck.stale_note", { "A contact is stale when it was never verified, or was last verified longer ago than the agreement allows.", "联络人从未核实，或距上次核实的时间超过协议规定期限的，视为已过期。" } },
	{ "ck.text", { "Test messages that check that the other side's points of contact are reachable and that a person answers.", "为核实对方联络人可以联系且有人值守而发送的测试消息。" } },
	{ "ck.unanswered", { "Unanswered", "未回复" } },
	{ "clock.acknowledge", { "Acknowledge", "确认" } },
	{ "clock.first_response", { "First response", "首次答复" } },
	{ "clock.resolution", { "Resolution", "处置完成" } },
	{ "clock.triage", { "Triage", "研判" } },
	{ "clockdesc.acknowledge", { "a person confirms that the case was received.", "由值守人员确认已收到案件。" } },
	{ "clockdesc.first_response", { "the first answer of substance.", "作出首次实质性答复。" } },
	{ "clockdesc.resolution", { "the final result is given.", "给出最终处置结果。" } },
	{ "clockdesc.triage", { "the responder accepts, declines, forwards or asks for more information.", "答复方决定受理、不予受理、转交或要求补充信息。" } },
	{ "col.case_id", { "Case ID", "案件标识" } },
	{ "col.category", { "Category", "类别" } },
	{ "col.clock", { "Clock", "计时项" } },
	{ "col.clock_min", { "{1}: time taken (minutes)", "{1}：用时（分钟）" } },
	{ "col.clock_state", { "{1}: state", "{1}：状态" } },
	{ "col.clocks", { "Clocks", "计时项" } },
	{ "col.contact", { "Contact", "联络人" } },
	{ "col.direction", { "Direction", "方向" } },
	{ "col.entries", { "Log entries", "日志条目" } },
	{ "col.escalations", { "Escalations", "升级次数" } },
	{ "col.kind", { "Kind", "类型" } },
	{ "col.last_verified", { "Last verified", "最近核实" } },
	{ "col.level", { "Level", "级别" } },
	{ "col.measured", { "Measured", "已计量" } },
	{ "col.median", { "Median", "中位数" } },
	{ "col.opened", { "Opened (UTC)", "开启时间（UTC）" } },
	{ "col.outcome", { "Outcome", "处置结果" } },
	{ "col.p90", { "90th percentile", "第 90 百分位" } },
	{ "col.party", { "Party", "机构" } },
	{ "col.priority", { "Priority", "优先级" } },
	{ "col.reason", { "Reason", "理由" } },
	{ "col.ref", { "Ref.", "编号" } },
	{ "col.score", { "Rating", "评分" } },
	{ "col.share", { "Share within deadline", "按时比例" } },
	{ "col.state", { "State", "状态" } },
	{ "col.status", { "Status", "状态" } },
	{ "col.total", { "Total", "合计" } },
	{ "col.within", { "Within deadline", "按时" } },
	{ "cp.note", { "Signed checkpoint, as recorded", "签名检查点原文" } },
	{ "cp.origin", { "Log", "日志" } },
	{ "cp.root", { "Root hash", "根哈希值" } },
	{ "cp.size", { "Entries in the log", "日志条目数" } },
	{ "cp.verify", { "To check this report independently, run {1} on its JSON version: it verifies the signature of the checkpoint, finds every listed entry in the log, and recomputes every figure from the cases.", "如需独立核验本报告，请对其 JSON 版本运行 {1}：该命令核验检查点签名，逐一查验所列日志条目，并依据案件明细重新计算全部数字。" } },
	{ "cstate.breached", { "Breached", "超时" } },
	{ "cstate.cancelled", { "Cancelled", "已取消" } },
	{ "cstate.met", { "Met", "按时" } },
	{ "cstate.n/a", { "Not applicable", "不适用" } },
	{ "cstate.overdue", { "Overdue", "逾期" } },
	{ "cstate.paused", { "Paused", "暂停计时" } },
	{ "cstate.running", { "Running", "计时中" } },
	{ "csv.direction", { "Direction", "方向" } },
	{ "csv.metric", { "Metric", "指标" } },
	{ "csv.section", { "Section", "部分" } },
	{ "csv.value", { "Value", "数值" } },
	{ "dir.inbound", { "Inbound", "对方发起" } },
	{ "dir.inbound.by", { "answered by {1}", "由 {1} 答复" } },
	{ "dir.outbound", { "Outbound", "我方发起" } },
	{ "dir.outbound.by", { "answered by {2}", "由 {2} 答复" } },
	{ "dir.with_by", { "{1}, {2}", "{1}，{2}" } },
	{ "dist.all", { "all", "全部" } },
	{ "dist.text", { "How long answers took, in bands of time, with outbound and inbound side by side. Only clocks that stopped are counted.", "答复所用时间按区间分布，我方发起与对方发起并列对比。仅统计已停止计时的计时项。" } },
	{ "doc.footer", { "Prepared by parley from the signed record of the exchange. The JSON version of this report is authoritative.", "本报告由 parley 依据经签名的交换记录生成，以本报告的 JSON 版本为准。" } },
	{ "doc.kicker", { "Bilateral review of incident response cooperation", "双边网络安全事件应急响应合作评估" } },
	{ "doc.title", { "Review of cooperation: {1} and {2}", "合作情况评估：{1} 与 {2}" } },
	{ "esc.cases", { "Cases escalated", "涉及案件数" } },
	{ "esc.level", { "Level {1}", "第 {1} 级" } },
	{ "esc.text", { "Reminders and escalations sent when a deadline approached or passed, by step of the agreed escalation ladder.", "临近或超过时限时，按约定升级梯度发出的提醒与升级，按级别统计。" } },
	{ "esc.total", { "Escalation steps", "升级次数" } },
	{ "fig.caption", { "Figure {1}. {2}", "图 {1}　{2}" } },
	{ "gen.no", { "no", "否" } },
	{ "gen.none", { "None recorded.", "无记录。" } },
	{ "gen.utc", { "{1} UTC", "{1}（UTC）" } },
	{ "gen.yes", { "yes", "是" } },
	{ "hl.acked", { "Acknowledged", "已确认" } },
	{ "hl.answered", { "Answered by a person paged", "由被呼叫人员接听" } },
	{ "hl.capped", { "Held by the agreed caps", "因约定上限暂停呼叫" } },
	{ "hl.median", { "Median time to answer", "接听用时中位数" } },
	{ "hl.median_min", { "Median time to answer (minutes)", "接听用时中位数（分钟）" } },
	{ "hl.p90", { "90th percentile time to answer", "接听用时第 90 百分位" } },
	{ "hl.p90_min", { "90th percentile time to answer (minutes)", "接听用时第 90 百分位（分钟）" } },
	{ "hl.pages", { "Pages sent", "呼叫次数" } },
	{ "hl.raised", { "Calls raised", "发起呼叫" } },
	{ "hl.rate", { "Answer rate", "接听率" } },
	{ "hl.rate_pct", { "Answer rate (%)", "接听率（%）" } },
	{ "hl.text", { "Urgent calls raised on the hotline: how many a person answered, how quickly, and how many pages it took.", "通过热线发起的紧急呼叫：由人员接听的数量、接听速度及呼叫次数。" } },
	{ "intro.excluded", { "Exercise injects are not counted. Communication checks appear only in their own section.", "演练注入不计入统计；联络核查仅在其专门章节中列示。" } },
	{ "intro.inbound", { "cases {2} opened and {1} answered: these figures measure {1}'s timeliness.", "由 {2} 发起、{1} 答复的案件，反映 {1} 的响应及时性。" } },
	{ "intro.outbound", { "cases {1} opened and {2} answered: these figures measure {2}'s timeliness.", "由 {1} 发起、{2} 答复的案件，反映 {2} 的响应及时性。" } },
	{ "intro.text", { "This review sets out how promptly and how well {1} and {2} answered each other's incident reports, requests and hotline calls during the period. It is computed from {1}'s signed record of the exchange, and every figure can be traced to entries of that record (see the appendix).", "本评估说明评估期间 {1} 与 {2} 对彼此的事件通报、协查请求和热线呼叫作出答复的及时性与质量。数据依据 {1} 保存的经签名的交换记录计算，每一项数字均可追溯至该记录中的具体条目（见附录）。" } },
	{ "kind.agreement", { "Agreement proposal", "协议提案" } },
	{ "kind.check", { "Communication check", "联络核查" } },
	{ "kind.exercise", { "Exercise", "演练" } },
	{ "kind.feed", { "Routine sharing", "例行共享" } },
	{ "kind.hotline", { "Hotline", "热线" } },
	{ "kind.inject", { "Exercise inject", "演练注入" } },
	{ "kind.report", { "Report", "事件通报" } },
	{ "kind.request", { "Request", "协查请求" } },
	{ "kind.verification", { "Verification", "中立核验" } },
	{ "leaf.msg", { "msg", "消息" } },
	{ "leaf.receipt", { "receipt", "回执" } },
	{ "m.median_min", { "Median (minutes)", "中位数（分钟）" } },
	{ "m.metric", { "{1}: {2}", "{1}：{2}" } },
	{ "m.open", { "Open", "未结" } },
	{ "m.overdue", { "Overdue", "逾期" } },
	{ "m.p90_min", { "90th percentile (minutes)", "第 90 百分位（分钟）" } },
	{ "m.share_pct", { "Share within deadline (%)", "按时比例（%）" } },
	{ "m.total", { "Cases", "案件数" } },
	{ "meta.as_of", { "Figures as of", "数据截至" } },
	{ "meta.as_of_utc", { "Figures as of (UTC)", "数据截至（UTC）" } },
	{ "meta.days", { "{1} to {2}, both days included", "{1} 至 {2}（含首尾两日）" } },
	{ "meta.from_utc", { "Period start (UTC)", "期间起始（UTC）" } },
	{ "meta.generated", { "Generated", "生成时间" } },
	{ "meta.generated_utc", { "Generated (UTC)", "生成时间（UTC）" } },
	{ "meta.in_zone", { "{1}, {2} time", "{1}，按 {2} 时间" } },
	{ "meta.node", { "Prepared by", "编制方" } },
	{ "meta.peer", { "Partner", "合作方" } },
	{ "meta.period", { "Period", "评估期间" } },
	{ "meta.period_utc", { "Period in UTC", "评估期间（UTC）" } },
	{ "meta.period_value", { "{1} to {2} (end not included)", "{1} 至 {2}（不含结束时刻）" } },
	{ "meta.times_utc", { "Times are given in UTC. Months are counted in the node's time zone.", "本报告所列时间均为协调世界时（UTC），按月统计以本节点时区为准。" } },
	{ "meta.timezone", { "Node time zone", "本节点时区" } },
	{ "meta.to_utc", { "Period end, not included (UTC)", "期间结束，不含（UTC）" } },
	{ "nodata", { "No data in this period.", "本期间无数据。" } },
	{ "oc.text", { "How the cases of the period ended, and the reasons given when a request was declined or referred elsewhere.", "评估期间案件的处置结果，以及不予受理或移交他方时所述理由。" } },
	{ "outcome.closed", { "Closed without result", "关闭（无结果）" } },
	{ "outcome.declined", { "Declined", "不予受理" } },
	{ "outcome.forwarded", { "Forwarded", "已转交" } },
	{ "outcome.open", { "Open", "未结" } },
	{ "outcome.partial", { "Partly resolved", "部分解决" } },
	{ "outcome.resolved", { "Resolved", "已解决" } },
	{ "outcome.unable", { "Unable to act", "无法处置" } },
	{ "outcome.withdrawn", { "Withdrawn", "已撤回" } },
	{ "prov.text", { "The figures were computed at the signed checkpoint of {1}'s log shown here.", "以下数字依据 {1} 日志在此签名检查点处的记录计算。" } },
	{ "q.mean", { "Mean rating", "平均评分" } },
	{ "q.rated", { "Cases rated", "已评分案件" } },
	{ "q.score", { "Rating {1}", "{1} 分" } },
	{ "q.text", { "Ratings from 1 (poor) to 5 (excellent) that the requesting side gave to the answers it received.", "请求方对所收到答复给出的评分，1 分为差，5 分为优。" } },
	{ "reason.competent-authority", { "Referred to the competent authority", "已移交主管部门" } },
	{ "reason.duplicate", { "Duplicate", "重复案件" } },
	{ "reason.insufficient-info", { "Insufficient information", "信息不足" } },
	{ "reason.insufficient-information", { "Insufficient information", "信息不足" } },
	{ "reason.no-data", { "No data held", "无相关数据" } },
	{ "reason.no-data-held", { "No data held", "无相关数据" } },
	{ "reason.no-resources", { "No resources available", "资源不足" } },
	{ "reason.not-permitted", { "Not permitted by law", "法律不允许" } },
	{ "reason.not-permitted-by-law", { "Not permitted by law", "法律不允许" } },
	{ "reason.other", { "Other", "其他" } },
	{ "reason.out-of-scope", { "Outside our remit", "超出职责范围" } },
	{ "sec.appendix", { "Appendix: case by case", "附录：案件明细" } },
	{ "sec.backlog", { "Backlog", "积压案件" } },
	{ "sec.checks", { "Communication checks", "联络核查" } },
	{ "sec.contacts", { "Points of contact", "联络人" } },
	{ "sec.distribution", { "Distribution of answer times", "答复用时分布" } },
	{ "sec.escalations", { "Escalations", "升级" } },
	{ "sec.hotline", { "Hotline", "热线" } },
	{ "sec.intro", { "About this review", "关于本评估" } },
	{ "sec.outcomes", { "Outcomes", "处置结果" } },
	{ "sec.provenance", { "Record and verification", "记录与核验" } },
	{ "sec.quality", { "Quality of answers", "答复质量" } },
	{ "sec.reasons", { "Reasons given", "所述理由" } },
	{ "sec.report", { "Report", "报告" } },
	{ "sec.summary", { "Summary", "摘要" } },
	{ "sec.timeliness", { "Timeliness", "响应及时性" } },
	{ "sec.trend", { "Monthly trend", "月度趋势" } },
	{ "sec.volumes", { "Volumes", "案件数量" } },
	{ "state.accepted", { "Accepted", "已接受" } },
	{ "state.acknowledged", { "Acknowledged", "已确认" } },
	{ "state.closed", { "Closed", "已关闭" } },
	{ "state.declined", { "Declined", "不予受理" } },
	{ "state.delivered", { "Delivered", "已送达" } },
	{ "state.forwarded", { "Forwarded", "已转交" } },
	{ "state.in-progress", { "In progress", "处置中" } },
	{ "state.needs-info", { "Waiting for information", "待补充信息" } },
	{ "state.resolved", { "Resolved", "已解决" } },
	{ "state.sent", { "Sent", "已发送" } },
	{ "state.triaged", { "Triaged", "已研判" } },
	{ "state.withdrawn", { "Withdrawn", "已撤回" } },
	{ "sum.checks", { "Check response rate", "联络核查回复率" } },
	{ "sum.hotline", { "Hotline answer rate", "热线接听率" } },
	{ "sum.rating", { "Mean rating (1 to 5)", "平均评分（1–5 分）" } },
	{ "sum.text", { "The main figures for each direction. A share within deadline counts the measured cases answered in time.", "各方向的主要数字。按时比例指已计量案件中在约定时限内答复的比例。" } },
	{ "sum.within", { "{1} within deadline", "{1}按时比例" } },
	{ "tl.text", { "For each clock: how many cases were measured, how many were answered within the agreed deadline, and the median and 90th percentile of the time taken (wall-clock time from receipt, for clocks that stopped). The clocks are:", "各计时项的已计量案件数、在约定时限内答复的案件数，以及所用时间的中位数和第 90 百分位数（自收到时起按自然时间计算，仅统计已停止计时的计时项）。各计时项含义如下：" } },
	{ "type.accept", { "accept", "接受协议" } },
	{ "type.ack", { "ack", "确认" } },
	{ "type.assessment", { "assessment", "研判评估" } },
	{ "type.check", { "check", "联络核查" } },
	{ "type.check-reply", { "check-reply", "核查回复" } },
	{ "type.close", { "close", "关闭" } },
	{ "type.control", { "control", "演练控制" } },
	{ "type.decline", { "decline", "拒绝协议" } },
	{ "type.digest", { "digest", "每日摘要" } },
	{ "type.disclose", { "disclose", "提交核验" } },
	{ "type.escalate", { "escalate", "升级" } },
	{ "type.evidence", { "evidence", "证据" } },
	{ "type.exercise", { "exercise", "提议演练" } },
	{ "type.feedback", { "feedback", "评价" } },
	{ "type.finding", { "finding", "事实认定" } },
	{ "type.note", { "note", "备注" } },
	{ "type.propose", { "propose", "提议协议" } },
	{ "type.report", { "report", "通报" } },
	{ "type.request", { "request", "请求" } },
	{ "type.result", { "result", "处置结果" } },
	{ "type.review", { "review", "核验意见" } },
	{ "type.routing", { "routing", "路由约定" } },
	{ "type.triage", { "triage", "研判" } },
	{ "type.update", { "update", "进展" } },
	{ "type.withdraw", { "withdraw", "撤回" } },
	{ "unit.d", { "d", "天" } },
	{ "unit.h", { "h", "小时" } },
	{ "unit.min", { "min", "分钟" } },
	{ "unit.s", { "s", "秒" } },
	{ "vol.by_cat", { "By category", "按类别" } },
	{ "vol.by_kind", { "By kind", "按类型" } },
	{ "vol.text", { "Cases opened in the period, by kind and by category.", "评估期间新开案件数，按类型和类别统计。" } },
};
/* clang-format on */

int
px_lang_parse(enum px_lang *out, const char *s)
{
	if (s != NULL && strcmp(s, "en") == 0) {
		*out = PX_LANG_EN;
		return 0;
	}
	if (s != NULL && strcmp(s, "zh") == 0) {
		*out = PX_LANG_ZH;
		return 0;
	}
	return px_error_set(PX_EINVAL,
	    "unknown report language '%s' (expected en or zh)",
	    s ? s : "(none)");
}

const char *
px_lang_tag(enum px_lang lang)
{
	return lang == PX_LANG_ZH ? "zh-Hans" : "en";
}

static int
cmp_id(const void *key, const void *elem)
{
	return strcmp(key, ((const struct px_i18n_msg *)elem)->id);
}

static const struct px_i18n_msg *
find(const char *id)
{
	return bsearch(
	    id, table, PX_ARRAY_LEN(table), sizeof(table[0]), cmp_id);
}

const char *
px_tr(enum px_lang lang, const char *id)
{
	const struct px_i18n_msg *m = find(id);

	return m ? m->text[lang] : id;
}

const char *
px_tr_wire(enum px_lang lang, const char *group, const char *wire)
{
	const struct px_i18n_msg *m;
	char key[96];
	int n = snprintf(key, sizeof(key), "%s.%s", group, wire);

	if (n < 0 || (size_t)n >= sizeof(key))
		return wire;
	m = find(key);
	return m ? m->text[lang] : wire;
}

void
px_tr_fill(struct px_buf *out, const char *text, const char *a1, const char *a2)
{
	const char *p = text, *q;

	while ((q = strchr(p, '{')) != NULL) {
		px_buf_put(out, p, (size_t)(q - p));
		if ((q[1] == '1' || q[1] == '2') && q[2] == '}') {
			px_buf_puts(out, q[1] == '1' ? a1 : a2);
			p = q + 3;
		} else {
			px_buf_put(out, q, 1);
			p = q + 1;
		}
	}
	px_buf_puts(out, p);
}

void
px_i18n_duration(char *out, size_t n, enum px_lang lang, int64_t ms)
{
	const char *d = px_tr(lang, "unit.d"), *h = px_tr(lang, "unit.h"),
	           *mi = px_tr(lang, "unit.min");
	long long s = (long long)((ms < 0 ? -ms : ms) / 1000), m = s / 60;

	if (s < 60)
		snprintf(out, n, "%lld %s", s, px_tr(lang, "unit.s"));
	else if (m < 60)
		snprintf(out, n, "%lld %s", m, mi);
	else if (m < 1440 && m % 60 == 0)
		snprintf(out, n, "%lld %s", m / 60, h);
	else if (m < 1440)
		snprintf(out, n, "%lld %s %lld %s", m / 60, h, m % 60, mi);
	else if (m % 1440 / 60 == 0)
		snprintf(out, n, "%lld %s", m / 1440, d);
	else
		snprintf(
		    out, n, "%lld %s %lld %s", m / 1440, d, m % 1440 / 60, h);
}

size_t
px_i18n_count(void)
{
	return PX_ARRAY_LEN(table);
}

const struct px_i18n_msg *
px_i18n_at(size_t i)
{
	return i < PX_ARRAY_LEN(table) ? &table[i] : NULL;
}
