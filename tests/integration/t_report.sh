#!/bin/bash
# parley report: a quarter of history between two real nodes, carried by
# bundle files at chosen times, then the review report's figures checked
# against arithmetic done by hand below, and `parley audit verify` on the
# report (and on altered copies of it).
#
# A is cert-cn.example (Asia/Shanghai, UTC+8), B is cert-us.example.  A
# writes the report over 2026-01-01 .. 2026-04-01 (midnight in Beijing:
# 2025-12-31T16:00Z .. 2026-03-31T16:00Z), generated on 2026-04-02, so
# as_of = to.  Outbound cases (A opened them) measure B's timeliness.
#
# Default agreement, calendar basis: P2 ack 4h, triage 24h, first
# response 72h, resolution 30d; P1 (hotline) 30m, 1h, 4h, 24h.  Clocks
# start at the receiver's import time.  All times below are UTC.
#
#   R1 request P2  Jan 5 02:00, imported 02:10; B acks 02:40 (30m, met),
#                  accepts 03:10 (1h, met), result "resolved" Jan 6 02:10
#                  (first response and resolution 24h, met); A rates 5;
#                  A closes it on Feb 2 04:30 (after a January report's
#                  end: the January report must not see it).
#   R2 request P2  Jan 12 02:00, imported 02:00; B acks 08:00 (6h: LATE,
#                  breached), accepts 09:00 (7h, met), update Jan 13
#                  02:00 (first response 24h, met), result "partial" Jan
#                  20 02:00 (resolution 8d = 192h, met).
#   R3 request P2  Jan 20 02:00, imported 02:00; B declines 03:00, reason
#                  no-data-held: all four clocks stop at 1h, met.
#   R4 request P2  Feb 2 02:00, imported 02:00; B acks 03:00 (1h, met); A
#                  withdraws 04:00: triage, first response and resolution
#                  cancelled (not measured).
#   R5 inject P1   Feb 3 02:00, B acks: an exercise, counted nowhere.
#   H1 hotline P1  Feb 5 01:00, imported 01:00; B acks 01:07 (7m, met)
#                  naming nobody (no page went out: not "answered"),
#                  result 02:00 (triage 1h = its budget: met; first
#                  response and resolution met, 1h).
#   R6 request P2  Feb 10 02:00, imported 02:00, never answered: at as_of
#                  ack (due Feb 10 06:00), triage (Feb 11 02:00), first
#                  response (Feb 13 02:00) and resolution (Mar 12 02:00)
#                  are all overdue: measured, not within, no elapsed time.
#   I1 request P2  inbound: B opens Jan 15 14:00, A imports 14:05; A acks
#                  14:20 (15m), accepts 15:05 (1h), result Jan 16 14:05
#                  (24h, 24h): all met; B rates 4.
#   H2 hotline P1  Mon Jan 26 15:00 (10:00 in New York: duty on call),
#                  imported 15:00.  B's scheduler pages duty at 15:00 and
#                  deputy at 15:05 (page_every 5m); deputy acknowledges at
#                  15:08 (8m, met; answered_by deputy).  Triage runs: B's
#                  ladder takes level 1 (75%, 15:45) and level 2 (100%,
#                  16:00), A's takes level 2 (100% is both sides').  B
#                  accepts at 16:10 (70m: breached), answers at 16:20
#                  (first response and resolution 80m, met).
#   C1 check       A checks B's duty Jan 27 01:00; the reply with the
#                  e-mailed token comes at 01:30 (30m).
#   C2 check       A checks B's night Jan 27 02:00; night replies without
#                  the token (an auto-reply): auto_only.
#   C3 check       inbound: B checks A's duty Jan 28 02:00; answered with
#                  the token at 04:00 (2h).
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

A=cert-cn.example
B=cert-us.example

at 2026-01-01T00:00:00Z
mknode a $A Asia/Shanghai "zh, en"
mknode b $B America/New_York
cat >>b/parley.conf <<'CONF'

[contact "deputy"]
role = technical
name = Deputy Officer
email = deputy@us.example

[contact "night"]
role = technical
name = Night Desk
email = night@us.example

[roster]
handover = Mon 00:00 duty, Wed 00:00 deputy, Fri 00:00 night
CONF
expect_rc 0 px card --dir b -o b.card
enrol a b

# go FROM TO TONAME FROMNAME TIME: carry FROM's outbox to TO at TIME.
go() {
	at "$5"
	hop "$1" "$2" "$3" "$4" "h-$1-$5.bundle"
}
# new DIR PEER TIME KIND PRIO CATEGORY: open a case; sets $CID.
new() {
	at "$3"
	expect_rc 0 px case new --dir "$1" --to "$2" --kind "$4" --priority "$5" \
		--category "$6" --title "case $3" --text "please look"
	CID=$(cat "$OUT")
}
# tick DIR TIME WHAT N: the scheduler at TIME takes N WHAT (pages, ladder).
tick() {
	at "$2"
	expect_rc 0 px schedule --dir "$1" --json --no-checks
	expect_json "$OUT" "d[\"$3\"]" "$4"
}
# check DIR PEER CONTACT TIME: send a check; sets $CID and $TOKEN (read
# from the e-mail queued for the contact).
check() {
	at "$4"
	expect_rc 0 px check send --dir "$1" --peer "$2" --contact "$3" --json
	CID=$(json_get "$OUT" 'd[0]["case"]')
	TOKEN=$(sqlite3 "$1/parley.db" "SELECT body FROM notifications WHERE case_id = '$CID'" |
		sed -n 's/^Your token: //p' | head -1)
	[ -n "$TOKEN" ] || fail "no token in the e-mail queued for check $CID"
}
# act DIR TIME ACTION ID ARGS...
act() {
	local dir=$1 t=$2 what=$3 id=$4
	shift 4
	at "$t"
	expect_rc 0 px case "$what" --dir "$dir" "$id" "$@"
}

new a $B 2026-01-05T02:00:00Z request P2 botnet
R1=$CID
go a b $B $A 2026-01-05T02:10:00Z
act b 2026-01-05T02:40:00Z ack "$R1"
act b 2026-01-05T03:10:00Z triage "$R1" --decision accepted
go b a $A $B 2026-01-05T03:15:00Z
act b 2026-01-06T02:10:00Z result "$R1" --text "taken down" --outcome resolved
go b a $A $B 2026-01-06T02:15:00Z
act a 2026-01-06T03:00:00Z rate "$R1" --score 5
go a b $B $A 2026-01-06T03:05:00Z

new a $B 2026-01-12T02:00:00Z request P2 botnet
R2=$CID
go a b $B $A 2026-01-12T02:00:00Z
act b 2026-01-12T08:00:00Z ack "$R2"
act b 2026-01-12T09:00:00Z triage "$R2" --decision accepted
go b a $A $B 2026-01-12T09:05:00Z
act b 2026-01-13T02:00:00Z update "$R2" --text "found the host"
go b a $A $B 2026-01-13T02:05:00Z

new b $A 2026-01-15T14:00:00Z request P2 phishing
I1=$CID
go b a $A $B 2026-01-15T14:05:00Z
act a 2026-01-15T14:20:00Z ack "$I1"
act a 2026-01-15T15:05:00Z triage "$I1" --decision accepted
go a b $B $A 2026-01-15T15:10:00Z
act a 2026-01-16T14:05:00Z result "$I1" --text "site removed"
go a b $B $A 2026-01-16T14:10:00Z
act b 2026-01-16T15:00:00Z rate "$I1" --score 4
go b a $A $B 2026-01-16T15:05:00Z

new a $B 2026-01-20T02:00:00Z request P2 botnet
R3=$CID
go a b $B $A 2026-01-20T02:00:00Z
act b 2026-01-20T02:00:00Z result "$R2" --text "partly cleaned" --outcome partial
act b 2026-01-20T03:00:00Z triage "$R3" --decision declined --reason no-data-held \
	--text "we hold no logs for that range"
go b a $A $B 2026-01-20T03:05:00Z
ok "January: R1 resolved and rated, R2 acknowledged late, I1 answered, R3 declined"

at 2026-01-26T15:00:00Z
expect_rc 0 px hotline raise --dir a --peer $B --category ddos --text "DDoS on the payment gateway"
H2=$(cat "$OUT")
go a b $B $A 2026-01-26T15:00:00Z
tick b 2026-01-26T15:00:00Z pages 1
tick b 2026-01-26T15:05:00Z pages 1
act b 2026-01-26T15:08:00Z ack "$H2" --by deputy
go b a $A $B 2026-01-26T15:10:00Z
tick b 2026-01-26T15:45:00Z ladder 1
tick a 2026-01-26T16:00:00Z ladder 1
tick b 2026-01-26T16:00:00Z ladder 1
act b 2026-01-26T16:10:00Z triage "$H2" --decision accepted
act b 2026-01-26T16:20:00Z result "$H2" --text "filtered upstream"
go b a $A $B 2026-01-26T16:25:00Z
go a b $B $A 2026-01-26T16:30:00Z

check a $B duty 2026-01-27T01:00:00Z
C1=$CID
go a b $B $A 2026-01-27T01:00:00Z
at 2026-01-27T01:30:00Z
expect_rc 0 px check reply --dir b "$C1" --token "$TOKEN" --by duty
go b a $A $B 2026-01-27T01:35:00Z
check a $B night 2026-01-27T02:00:00Z
C2=$CID
go a b $B $A 2026-01-27T02:00:00Z
at 2026-01-27T02:10:00Z
expect_rc 0 px check reply --dir b "$C2" --by night --text "Out of office"
go b a $A $B 2026-01-27T02:15:00Z
check b $A duty 2026-01-28T02:00:00Z
C3=$CID
go b a $A $B 2026-01-28T02:00:00Z
at 2026-01-28T04:00:00Z
expect_rc 0 px check reply --dir a "$C3" --token "$TOKEN" --by duty
go a b $B $A 2026-01-28T04:05:00Z
ok "late January: a hotline walked through B's roster with ladder steps; three communication checks"

# A January report, written on 3 February: a closed period.
at 2026-02-03T00:00:00Z
# The help says what the period is: both days included, as it is.
expect_rc 0 px report --help
expect_in "$OUT" "end of --to"
expect_in "$OUT" "count (both days"
expect_not_in "$OUT" "[--from, --to)"
expect_rc 0 px report --dir a --peer $B --from 2026-01-01 --to 2026-01-31 -o jan-early.json

new a $B 2026-02-02T02:00:00Z request P2 botnet
R4=$CID
go a b $B $A 2026-02-02T02:00:00Z
act b 2026-02-02T03:00:00Z ack "$R4"
go b a $A $B 2026-02-02T03:05:00Z
act a 2026-02-02T04:00:00Z withdraw "$R4"
act a 2026-02-02T04:30:00Z close "$R1"
go a b $B $A 2026-02-02T04:35:00Z

new a $B 2026-02-03T02:00:00Z inject P1 other
R5=$CID
go a b $B $A 2026-02-03T02:00:00Z
act b 2026-02-03T02:30:00Z ack "$R5"
go b a $A $B 2026-02-03T02:35:00Z

new a $B 2026-02-05T01:00:00Z hotline P1 ddos
H1=$CID
go a b $B $A 2026-02-05T01:00:00Z
act b 2026-02-05T01:07:00Z ack "$H1"
act b 2026-02-05T02:00:00Z result "$H1" --text "mitigated upstream"
go b a $A $B 2026-02-05T02:05:00Z

new a $B 2026-02-10T02:00:00Z request P2 botnet
R6=$CID
go a b $B $A 2026-02-10T02:00:00Z
ok "February: R4 withdrawn, R1 closed, an exercise, a hotline call, R6 never answered"

# --- The quarter's report -------------------------------------------------
at 2026-04-02T00:00:00Z
expect_rc 0 px report --dir a --peer $B --from 2026-01-01 --to 2026-03-31 -o q1.json --json
expect_json "$OUT" 'd["cases"]' 11
expect_json "$OUT" 'd["format"]' json
is_json q1.json || fail "q1.json is not JSON"

cat >expected.json <<'EOF'
{
  "report": {"v": 1, "node": "cert-cn.example", "peer": "cert-us.example",
             "from": "2025-12-31T16:00:00.000Z", "to": "2026-03-31T16:00:00.000Z",
             "as_of": "2026-03-31T16:00:00.000Z",
             "generated": "2026-04-02T00:00:00.000Z", "timezone": "Asia/Shanghai"},
  "volumes": {
    "outbound": {"total": 7, "by_kind": {"request": 5, "hotline": 2},
                 "by_category": {"botnet": 5, "ddos": 2}},
    "inbound": {"total": 1, "by_kind": {"request": 1}, "by_category": {"phishing": 1}}
  },
  "timeliness": {
    "outbound": {
      "acknowledge": {"measured": 7, "within": 5, "share_within": 0.714,
                      "median_ms": 1800000, "p90_ms": 21600000},
      "triage": {"measured": 6, "within": 4, "share_within": 0.667,
                 "median_ms": 3600000, "p90_ms": 25200000},
      "first_response": {"measured": 6, "within": 5, "share_within": 0.833,
                         "median_ms": 4800000, "p90_ms": 86400000},
      "resolution": {"measured": 6, "within": 5, "share_within": 0.833,
                     "median_ms": 4800000, "p90_ms": 691200000}
    },
    "inbound": {
      "acknowledge": {"measured": 1, "within": 1, "share_within": 1.0,
                      "median_ms": 900000, "p90_ms": 900000},
      "triage": {"measured": 1, "within": 1, "share_within": 1.0,
                 "median_ms": 3600000, "p90_ms": 3600000},
      "first_response": {"measured": 1, "within": 1, "share_within": 1.0,
                         "median_ms": 86400000, "p90_ms": 86400000},
      "resolution": {"measured": 1, "within": 1, "share_within": 1.0,
                     "median_ms": 86400000, "p90_ms": 86400000}
    }
  },
  "outcomes": {
    "outbound": {"resolved": 3, "partial": 1, "unable": 0, "declined": 1,
                 "forwarded": 0, "withdrawn": 1, "closed": 0, "open": 1},
    "inbound": {"resolved": 1, "partial": 0, "unable": 0, "declined": 0,
                "forwarded": 0, "withdrawn": 0, "closed": 0, "open": 0}
  },
  "reasons": {"outbound": {"no-data-held": 1}, "inbound": {}},
  "backlog": {"outbound": {"open": 1, "overdue": 1},
              "inbound": {"open": 0, "overdue": 0}},
  "escalations": {"outbound": {"total": 3, "cases": 1, "by_level": {"1": 1, "2": 2}},
                  "inbound": {"total": 0, "cases": 0, "by_level": {}}},
  "hotline": {
    "outbound": {"raised": 2, "acknowledged": 2, "answered": 1, "answer_rate": 0.5,
                 "median_answer_ms": 480000, "p90_answer_ms": 480000, "pages": 2,
                 "capped": 0},
    "inbound": {"raised": 0, "acknowledged": 0, "answered": 0, "answer_rate": null,
                "median_answer_ms": null, "p90_answer_ms": null, "pages": 0,
                "capped": 0}
  },
  "checks": {
    "outbound": {"sent": 2, "answered": 1, "auto_only": 1, "unanswered": 0,
                 "response_rate": 0.5, "median_ms": 1800000},
    "inbound": {"sent": 1, "answered": 1, "auto_only": 0, "unanswered": 0,
                "response_rate": 1.0, "median_ms": 7200000},
    "contacts": [
      {"party": "cert-cn.example", "contact": "duty", "sent": 1, "answered": 1,
       "median_ms": 7200000, "verified_before": null,
       "last_verified": "2026-01-28T04:00:00.000Z", "stale": false},
      {"party": "cert-us.example", "contact": "deputy", "sent": 0, "answered": 0,
       "median_ms": null, "verified_before": null, "last_verified": null,
       "stale": true},
      {"party": "cert-us.example", "contact": "duty", "sent": 1, "answered": 1,
       "median_ms": 1800000, "verified_before": null,
       "last_verified": "2026-01-27T01:30:00.000Z", "stale": false},
      {"party": "cert-us.example", "contact": "night", "sent": 1, "answered": 0,
       "median_ms": null, "verified_before": null, "last_verified": null,
       "stale": true}
    ]
  },
  "quality": {
    "outbound": {"rated": 1, "mean": 5.0,
                 "scores": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}},
    "inbound": {"rated": 1, "mean": 4.0,
                "scores": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}}
  },
  "charts": {
    "distribution": {
      "bins_ms": [0, 900000, 3600000, 14400000, 86400000, 259200000],
      "outbound": {"acknowledge": [2, 1, 2, 1, 0, 0],
                   "first_response": [0, 0, 3, 0, 2, 0]},
      "inbound": {"acknowledge": [0, 1, 0, 0, 0, 0],
                  "first_response": [0, 0, 0, 0, 1, 0]}
    },
    "monthly": [
      {"month": "2026-01", "outbound_measured": 16, "outbound_within": 14,
       "inbound_measured": 4, "inbound_within": 4},
      {"month": "2026-02", "outbound_measured": 8, "outbound_within": 5,
       "inbound_measured": 0, "inbound_within": 0},
      {"month": "2026-03", "outbound_measured": 1, "outbound_within": 0,
       "inbound_measured": 0, "inbound_within": 0}
    ],
    "backlog": [
      {"date": "2026-01-31", "outbound": 0, "inbound": 0},
      {"date": "2026-02-28", "outbound": 1, "inbound": 0},
      {"date": "2026-03-31", "outbound": 1, "inbound": 0}
    ]
  }
}
EOF
# How the figures above come out of the history:
#
# Outbound (R1 R2 R3 R4 H1 H2 R6; R5 is an exercise, C1 C2 are checks):
# 5 requests (botnet) and 2 hotlines (ddos).  Inbound: I1 (phishing).
#
# acknowledge: R1 30m met, R2 6h breached, R3 1h met (the decline stops
#   it), R4 1h met, H1 7m met, H2 8m met, R6 overdue -> measured 7,
#   within 5, 5/7 = 0.714.  Elapsed (stopped clocks only) 7m 8m 30m 1h
#   1h 6h: median rank 3 -> 30m; p90 rank ceil(5.4) = 6 -> 6h = 21600000.
# triage: R1 1h, R2 7h, R3 1h, H1 1h (the result at exactly its 1h
#   budget is met), H2 70m breached, R6 overdue; R4 cancelled -> measured
#   6, within 4, 0.667.  Elapsed 1h 1h 1h 70m 7h: median rank 3 -> 1h;
#   p90 rank 5 -> 7h.
# first response: R1 24h, R2 24h (the update), R3 1h, H1 1h, H2 80m, R6
#   overdue; R4 cancelled -> 6, 5, 0.833.  1h 1h 80m 24h 24h: median 80m
#   = 4800000, p90 24h.
# resolution: R1 24h, R2 192h, R3 1h, H1 1h, H2 80m met, R6 overdue (due
#   Mar 12) -> 6, 5, 0.833.  1h 1h 80m 24h 192h: median 80m, p90 192h =
#   691200000.
# Inbound I1: 15m, 1h, 24h, 24h, all met.
#
# outcomes: R1 resolved (its result; closed later), H1 and H2 resolved (a
#   result with no outcome), R2 partial, R3 declined (reason
#   no-data-held), R4 withdrawn, R6 open.  backlog at as_of: R6, overdue.
# hotline: H1 acknowledged after 7m but naming nobody (no page was sent:
#   not answered by a paged person), H2 answered by deputy, paged, after
#   8m: acknowledged 2, answered 1, rate 0.5, median = p90 = 480000;
#   H2's 2 pages.
# escalations: H2's ladder steps, B level 1, A level 2, B level 2.
# checks: outbound C1 answered (30m), C2 auto-reply only: rate 1/2;
#   inbound C3 answered in 2h.  Contacts: A's duty and B's duty verified
#   in January (about 63 days before as_of, under the 90-day
#   verify_within); B's night (only an auto-reply) and deputy (never
#   checked) never verified: stale.
# quality: R1 rated 5 by A; I1 rated 4 by B.
#
# distribution bins [0,15m) [15m,1h) [1h,4h) [4h,24h) [24h,72h) [72h,..):
#   outbound acknowledge 7m 8m | 30m | 1h 1h | 6h -> [2,1,2,1,0,0];
#   outbound first response 1h 1h 80m | 24h 24h -> [0,0,3,0,2,0];
#   inbound acknowledge 15m -> bin 1; first response 24h -> bin 4.
# monthly (Beijing months; H2's clocks stop by 16:20Z = 00:20 on 27
#   January there): January outbound R1 4 met, R2 3 met + 1 breached, R3
#   4 met, H2 3 met + 1 breached -> 16 measured, 14 within; inbound I1
#   4/4.  February: R4 ack met (1), H1 4 met, R6 ack/triage/first
#   response overdue (deadlines Feb 10, 11, 13) -> 8 measured, 5 within.
#   March: R6 resolution overdue (due Mar 12) -> 1, 0.
# backlog chart (a quarter: month ends in Beijing): end of January no case
#   open (R1, R2, R3, I1, H2 all ended); end of February and of March
#   only R6.
cat >compare.py <<'EOF'
import json, sys

def walk(path, want, got, errs):
    if isinstance(want, dict):
        if not isinstance(got, dict):
            errs.append(f"{path}: expected an object, got {got!r}")
            return
        for k, v in want.items():
            if k not in got:
                errs.append(f"{path}.{k}: missing")
            else:
                walk(f"{path}.{k}", v, got[k], errs)
        # Every by_* and reasons object is complete: no extra keys.
        if path.split(".")[-1] in ("by_kind", "by_category", "by_level") or path.startswith(".reasons"):
            for k in got:
                if k not in want:
                    errs.append(f"{path}.{k}: unexpected ({got[k]!r})")
    elif isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            errs.append(f"{path}: expected {want!r}, got {got!r}")
            return
        for i, (w, g) in enumerate(zip(want, got)):
            walk(f"{path}[{i}]", w, g, errs)
    elif isinstance(want, float):
        if not isinstance(got, (int, float)) or isinstance(got, bool) or abs(got - want) > 1e-9:
            errs.append(f"{path}: expected {want!r}, got {got!r}")
    elif want != got or type(want) != type(got):
        errs.append(f"{path}: expected {want!r}, got {got!r}")

want = json.load(open(sys.argv[1]))
got = json.load(open(sys.argv[2]))
errs = []
walk("", want, got, errs)
for e in errs:
    print(e)
sys.exit(1 if errs else 0)
EOF
python3 compare.py expected.json q1.json >cmp.out || fail "report figures differ from the hand computation: $(cat cmp.out)"
ok "the quarter's figures are the ones worked out by hand"

# Rows: the exercise is absent, every other case is there once, with its
# outcome, and its entries are in A's log.
expect_json q1.json "sorted(c[\"id\"] for c in d[\"cases\"]) == sorted([\"$R1\", \"$R2\", \"$R3\", \"$R4\", \"$H1\", \"$H2\", \"$R6\", \"$I1\", \"$C1\", \"$C2\", \"$C3\"])" true
expect_json q1.json "[c for c in d[\"cases\"] if c[\"id\"] == \"$R5\"]" '[]'
expect_json q1.json "[(c[\"state\"], c[\"outcome\"], c[\"score\"]) for c in d[\"cases\"] if c[\"id\"] == \"$R1\"]" '[["closed", "resolved", 5]]'
expect_json q1.json "[(c[\"decision\"], c[\"reason\"]) for c in d[\"cases\"] if c[\"id\"] == \"$R3\"]" '[["declined", "no-data-held"]]'
expect_json q1.json "[c[\"hotline\"] for c in d[\"cases\"] if c[\"id\"] == \"$H1\"]" '[{"acknowledged": true, "answer": "not-named", "answer_ms": 420000, "answered": false, "answered_by": null, "capped": 0, "pages": 0}]'
expect_json q1.json "[(c[\"hotline\"], c[\"ladder\"], c[\"escalations\"]) for c in d[\"cases\"] if c[\"id\"] == \"$H2\"]" \
	'[[{"acknowledged": true, "answer": "paged-person", "answer_ms": 480000, "answered": true, "answered_by": "deputy", "capped": 0, "pages": 2}, [1, 2, 2], 3]]'
expect_json q1.json "[c[\"check\"] for c in d[\"cases\"] if c[\"id\"] == \"$C1\"]" \
	"[{\"answer_ms\": 1800000, \"answered\": true, \"answered_by\": \"duty\", \"auto_only\": false, \"contact\": \"duty\", \"party\": \"$B\", \"sent\": \"2026-01-27T01:00:00.000Z\"}]"
expect_json q1.json "[(c[\"check\"][\"auto_only\"], c[\"check\"][\"answered\"]) for c in d[\"cases\"] if c[\"id\"] == \"$C2\"]" '[[true, false]]'
expect_json q1.json "[(c[\"direction\"], c[\"check\"][\"party\"]) for c in d[\"cases\"] if c[\"id\"] == \"$C3\"]" "[[\"inbound\", \"$A\"]]"
# H2's record at A: B's pages and ladder steps came as escalate messages
# (receipts at A), A's own ladder step is a message in A's log.
expect_json q1.json "[[(e[\"type\"], e[\"leaf\"]) for e in c[\"entries\"] if e[\"type\"] == \"escalate\"] for c in d[\"cases\"] if c[\"id\"] == \"$H2\"]" \
	'[[["escalate", "receipt"], ["escalate", "receipt"], ["escalate", "receipt"], ["escalate", "msg"], ["escalate", "receipt"]]]'
# R1's record at A: request, feedback and close are A's messages; ack,
# triage and result came from B and are covered by A's receipts.
expect_json q1.json "[[(e[\"type\"], e[\"leaf\"]) for e in c[\"entries\"]] for c in d[\"cases\"] if c[\"id\"] == \"$R1\"]" \
	'[[["request", "msg"], ["ack", "receipt"], ["triage", "receipt"], ["result", "receipt"], ["feedback", "msg"], ["close", "msg"]]]'
expect_json q1.json 'all(e["log"] < d["checkpoint"]["size"] for c in d["cases"] for e in c["entries"])' true
expect_json q1.json 'd["checkpoint"]["origin"]' $A
expect_rc 0 px log checkpoint --dir a
expect_in "$OUT" "$(json_get q1.json 'd["checkpoint"]["root"]')"
ok "rows: the exercise left out, R1 closed but resolved, entries below the checkpoint"

# --- A closed period reads the same whenever it is run ---------------------
# January, written on 3 February and again on 2 April: R1's close (Feb 2)
# is after the period's end and is left out both times.
expect_rc 0 px report --dir a --peer $B --from 2026-01-01 --to 2026-01-31 -o jan-late.json
python3 - jan-early.json jan-late.json <<'EOF' || fail "the January report changed between 3 Feb and 2 Apr"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for d in (a, b):
    # The signature covers "generated", so it differs too.
    del d["report"]["generated"], d["checkpoint"], d["sig"]
    for c in d["cases"]:
        c.pop("entries")
sys.exit(0 if a == b else 1)
EOF
expect_json jan-late.json "[(c[\"state\"], c[\"ended\"]) for c in d[\"cases\"] if c[\"id\"] == \"$R1\"]" '[["resolved", "2026-01-06T02:10:00.000Z"]]'
expect_json jan-late.json 'd["report"]["as_of"]' 2026-01-31T16:00:00.000Z
expect_json jan-late.json 'd["volumes"]["outbound"]["total"]' 4
ok "a closed period's report is the same on 3 Feb and 2 Apr"

# --- audit verify on the report ----------------------------------------------
expect_rc 0 px audit verify --dir a q1.json
expect_in "$OUT" "checkpoint signed by $A's log key (this node)"
expect_in "$OUT" "is the one this node's store holds"
expect_in "$OUT" "proven included in the embedded root"
expect_in "$OUT" "every figure"
expect_in "$OUT" "OK:"
expect_rc 0 px audit verify --dir a --json q1.json
expect_json "$OUT" 'd["ok"]' true
expect_json "$OUT" 'd["kind"]' report
expect_json "$OUT" 'd["own"]' true
expect_json "$OUT" 'd["cases"]' 11
expect_json "$OUT" 'd["mismatches"]' '[]'
# B checks A's report with A's pinned card, and the entries it holds
# proofs for.
expect_rc 0 px audit verify --dir b --json q1.json
expect_json "$OUT" 'd["ok"]' true
expect_json "$OUT" 'd["own"]' false
expect_json "$OUT" 'any("is one cert-cn.example showed this node" in s for s in d["checked"])' true
ok "audit verify accepts the report at A and at B"

# One figure changed: acknowledged within 5 -> 6.
python3 - q1.json bad-figure.json <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["timeliness"]["outbound"]["acknowledge"]["within"] = 6
json.dump(d, open(sys.argv[2], "w"), indent=2, sort_keys=True)
EOF
expect_rc 3 px audit verify --dir a bad-figure.json
expect_in "$OUT" "MISMATCH: timeliness.outbound.acknowledge.within: the file says 6, the case rows give 5"
# ... and the report, signed as a whole, no longer matches its signature.
expect_in "$OUT" "MISMATCH: signature: the report's signature does not verify"
expect_in "$ERR" "2 check(s) failed"
expect_rc 3 px audit verify --dir a --json bad-figure.json
expect_json "$OUT" 'd["ok"]' false
expect_json "$OUT" 'd["failed"]' 2
expect_rc 3 px audit verify --dir b bad-figure.json
ok "a changed figure is named, at A and at B"

# One entry hash changed (the first entry of R2: its request).
python3 - q1.json bad-hash.json "$R2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
c = [c for c in d["cases"] if c["id"] == sys.argv[3]][0]
h = c["entries"][0]["hash"]
c["entries"][0]["hash"] = ("0" if h[0] != "0" else "1") + h[1:]
json.dump(d, open(sys.argv[2], "w"), indent=2, sort_keys=True)
EOF
expect_rc 3 px audit verify --dir a bad-hash.json
expect_in "$OUT" "MISMATCH: case $R2 entry 1: this node's log entry"
ok "a changed entry hash is caught against A's log"

# A row changed consistently with nothing else: R2's ack made "met".
python3 - q1.json bad-row.json "$R2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
c = [c for c in d["cases"] if c["id"] == sys.argv[3]][0]
c["clocks"]["acknowledge"]["state"] = "met"
json.dump(d, open(sys.argv[2], "w"), indent=2, sort_keys=True)
EOF
expect_rc 3 px audit verify --dir a bad-row.json
expect_in "$OUT" "MISMATCH: case $R2: clock acknowledge is met but stopped after its deadline"
expect_in "$OUT" "timeliness.outbound.acknowledge.within: the file says 5, the case rows give 6"
# An entry index past the checkpoint.
python3 - q1.json bad-index.json <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["cases"][0]["entries"][0]["log"] = d["checkpoint"]["size"]
json.dump(d, open(sys.argv[2], "w"), indent=2, sort_keys=True)
EOF
expect_rc 3 px audit verify --dir a bad-index.json
expect_in "$OUT" "is not below the checkpoint's size"
# The checkpoint's signature broken.
python3 - q1.json bad-sig.json <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["checkpoint"]["note"] = d["checkpoint"]["note"].replace("\n" + str(d["checkpoint"]["size"]) + "\n", "\n" + str(d["checkpoint"]["size"] + 1) + "\n", 1)
json.dump(d, open(sys.argv[2], "w"), indent=2, sort_keys=True)
EOF
expect_rc 3 px audit verify --dir a bad-sig.json
expect_in "$OUT" "MISMATCH: checkpoint:"
# A report needs a node to be checked against; an audit bundle does not.
expect_rc 2 px audit verify q1.json
expect_in "$ERR" "no node directory"
ok "a changed row, an index past the checkpoint and a forged checkpoint fail; a report needs --dir"

# --- Errors -------------------------------------------------------------
expect_rc 4 px report --dir a --peer cert-nobody.example --from 2026-01-01 --to 2026-03-31
expect_in "$ERR" "unknown peer 'cert-nobody.example'"
expect_rc 3 px report --dir a --peer $B --from 2026-04-01 --to 2026-03-31
expect_in "$ERR" "the period is empty"
expect_rc 3 px report --dir a --peer $B --from 2026-04-01 --to 2026-01-01
expect_rc 3 px report --dir a --peer $B --from 2026-13-01 --to 2026-03-31
expect_in "$ERR" "--from '2026-13-01' is not a date"
expect_rc 3 px report --dir a --peer $B --from 2026-01-01 --to yesterday
expect_rc 3 px report --dir a --peer $B --from 2026-01-01 --to 2026-03-31 --format pdf
expect_in "$ERR" "unknown format 'pdf' (expected one of: html, csv, json)"
expect_rc 3 px report --dir a --peer $B --from 2026-01-01 --to 2026-03-31 --lang fr
expect_in "$ERR" "unknown language 'fr'"
expect_rc 2 px report --dir a --from 2026-01-01 --to 2026-03-31
expect_in "$ERR" "missing required option --peer"
[ ! -e none.json ] || fail "a refused report wrote a file"
# RFC 3339 bounds work as well as dates; without -o the JSON goes to stdout.
expect_rc 0 px report --dir a --peer $B --from 2025-12-31T16:00:00Z --to 2026-03-31T16:00:00Z
is_json "$OUT" || fail "report without -o should print JSON"
expect_json "$OUT" 'd["report"]["from"]' 2025-12-31T16:00:00.000Z
expect_json "$OUT" 'd["volumes"]["outbound"]["total"]' 7
ok "report errors: unknown peer 4, empty or reversed period 3, bad date 3, bad format or language 3"

# --- CSV and HTML ---------------------------------------------------------
expect_rc 0 px report --dir a --peer $B --from 2026-01-01 --to 2026-03-31 -o q1.csv
[ -s q1.csv ] || fail "q1.csv is empty"
head -1 q1.csv | grep -q , || fail "q1.csv has no comma in its first line"
expect_rc 0 px report --dir a --peer $B --from 2026-01-01 --to 2026-03-31 --lang zh -o q1.html
expect_in q1.html 'lang="zh-Hans"'
expect_in q1.html '<svg'
expect_not_in q1.html 'https://'
expect_rc 0 px report --dir a --peer $B --from 2026-01-01 --to 2026-03-31 --format html -o q1.out
expect_in q1.out 'lang="en"'
ok "CSV and HTML files written (format from the extension or --format)"

finish
