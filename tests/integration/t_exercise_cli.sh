#!/bin/bash
# An exercise driven from the command line only, offline (bundles carried
# by hand, the scheduler ticked with `parley schedule` at fake times), on
# a scenario written here by hand as a user would (docs/exercises.md):
# every `parley exercise` command that t_exercise does not drive, and the
# scores checked against arithmetic done here.
#
#   1. The file is checked (a bad one is refused naming the inject and
#      member), shown as parsed, kept as a draft, exported to CEXF and read
#      back to the same scenario.
#   2. A proposes it; B declines.  A proposes a shipped one and withdraws
#      it.  A proposes the file again; B accepts; A schedules it for 10:00.
#   3. It starts at 10:00.  I1 (report, 0m): B acks at 10:05 (met) and accepts
#      it at 10:20 (met, 30m).  I2 (request, 10m): B acks at 10:30, 5
#      minutes late (partial).  I3 (update in I1, 20m): nobody answers
#      (missed at 10:40), so the contingency C1 (report) is played then;
#      B acks it at 10:45 (met).  The persona "isp" speaks in I1's case.
#   4. Pause 10:50-11:00; I4 skipped, I5 delayed past the end, I6 fired
#      early.  End 11:10, reveal, evaluate, plan, both sign.
#   5. Both after-action reports hold the same scores; the audit bundle
#      tags the exercise's cases; the review report holds nothing of it.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

A=cert-a.example
B=cert-b.example

at 2026-11-23T09:00:00Z
mknode a $A Europe/Paris
mknode b $B Asia/Shanghai "zh, en"
enrol a b

cat >mine.json <<'EOF'
{"parley_scenario": 1, "id": "phish-drill", "version": 1,
 "name": {"en": "Phishing drill", "zh": "钓鱼演练"},
 "duration": "3h",
 "personas": [{"id": "isp", "name": "Hosting ISP", "party": "a", "simulated": true}],
 "objectives": [{"id": "O1", "text": "Acknowledge quickly"},
                {"id": "O2", "text": {"en": "Triage and follow", "zh": "分诊与跟进"}}],
 "injects": [
  {"id": "I1", "offset": "0", "from": "a", "to": {"party": "b"}, "channel": "report",
   "payload": {"title": "Phishing kit on your host",
     "text": {"en": "A kit at 203.0.113.7", "zh": "203.0.113.7 上的钓鱼工具包"},
     "category": "phishing", "priority": "P3", "tlp": "green",
     "observables": [{"type": "ipv4-addr", "value": "203.0.113.7"}]},
   "expect": [{"id": "E1", "what": "ack", "within": "15m", "objective": "O1"},
              {"id": "E2", "what": "triage", "decision": "accepted", "within": "30m",
               "objective": "O2", "weight": 2}]},
  {"id": "I2", "offset": "10m", "from": "a", "to": {"party": "b"}, "channel": "request",
   "request_type": "mitigation",
   "payload": {"title": "Please take it down", "text": "The kit is still up",
     "category": "phishing", "priority": "P2", "tlp": "amber"},
   "expect": [{"id": "E1", "what": "ack", "within": "15m", "objective": "O1"}]},
  {"id": "I3", "offset": "20m", "from": "a", "channel": "update", "in": "I1",
   "payload": {"text": "Also 203.0.113.8"},
   "expect": [{"id": "E1", "what": "update", "names": ["203.0.113.8"], "within": "20m",
               "objective": "O2"}]},
  {"id": "C1", "offset": "0", "from": "a", "to": {"party": "b"}, "channel": "report",
   "contingency": true,
   "after": [{"inject": "I3", "expectation": "E1", "status": ["missed"]}],
   "payload": {"title": "Are you there?", "text": "No word on 203.0.113.8",
     "category": "phishing", "priority": "P2", "tlp": "amber"},
   "expect": [{"id": "E1", "what": "ack", "within": "10m", "objective": "O1"}]},
  {"id": "I4", "offset": "60m", "from": "a", "to": {"party": "b"}, "channel": "report",
   "payload": {"title": "Skipped", "text": "never sent", "category": "phishing",
     "priority": "P4", "tlp": "green"}},
  {"id": "I5", "offset": "90m", "from": "a", "to": {"party": "b"}, "channel": "report",
   "payload": {"title": "Delayed", "text": "sent too late", "category": "phishing",
     "priority": "P4", "tlp": "green"}},
  {"id": "I6", "offset": "150m", "from": "a", "to": {"party": "b"}, "channel": "report",
   "payload": {"title": "Fired early", "text": "brought forward", "category": "phishing",
     "priority": "P4", "tlp": "green"}}
 ]}
EOF

# 1. The file.
sed 's/"within": "15m"/"within": "1h30m"/' mine.json >bad.json
expect_rc 3 px exercise import --dir a bad.json
expect_in "$ERR" "inject I1: expectation E1: 'within' is '1h30m', not a duration"
sed 's/"in": "I1"/"in": "I9"/' mine.json >bad.json
expect_rc 3 px exercise show --dir a bad.json
expect_in "$ERR" "inject I3: 'in' is 'I9', not an earlier inject"
expect_rc 0 px exercise show --dir a mine.json
expect_in "$OUT" "SCENARIO phish-drill  Phishing drill"
expect_in "$OUT" "C1       +0m     report   a -> b  (contingency)  Are you there?"
expect_in "$OUT" "expects E2: triage within 30m"
expect_rc 0 px exercise import --dir a --json mine.json
D1=$(json_get "$OUT" 'd["draft"]')
expect_rc 0 px exercise show --dir a --json "$D1"
expect_json "$OUT" '[d["draft"], len(d["scenario"]["injects"])]' "[\"$D1\", 7]"
expect_rc 4 px exercise show --dir a nosuch
expect_in "$ERR" "nor is it a draft, a scenario file or a shipped scenario"
expect_rc 0 px exercise export --dir a "$D1" --format cexf -o mine.cexf.json
expect_rc 0 px exercise import --dir a --json mine.cexf.json
D2=$(json_get "$OUT" 'd["draft"]')
expect_rc 0 px exercise export --dir a "$D1" -o d1.json
expect_rc 0 px exercise export --dir a "$D2" -o d2.json
cmp -s d1.json d2.json || fail "the CEXF export of a hand-written scenario did not read back the same"
expect_rc 0 px exercise list --dir a --json
expect_json "$OUT" 'sorted(x["state"] for x in d)' '["draft", "draft"]'
expect_rc 0 px exercise scenarios --dir a
expect_in "$OUT" "botnet-c2-takedown"
ok "a hand-written scenario: checked, shown, kept, CEXF both ways"

# 2. Declined, then agreed.
expect_rc 0 px exercise propose --dir a --json --peer $B "$D1" --text "Drill?"
X0=$(json_get "$OUT" 'd["exercise"]')
hop a b $B $A p0
expect_rc 0 px exercise decline --dir b "$X0" --text "Not this week"
hop b a $A $B d0
expect_rc 0 px exercise show --dir a --json "$X0"
expect_json "$OUT" 'd["state"]' declined
expect_rc 5 px exercise start --dir a "$X0"
expect_in "$ERR" "the exercise was declined"
expect_rc 0 px exercise propose --dir a --json --peer $B botnet-c2-takedown
X1=$(json_get "$OUT" 'd["exercise"]')
expect_rc 0 px exercise withdraw --dir a "$X1"
hop a b $B $A w1
expect_rc 0 px exercise show --dir b --json "$X1"
expect_json "$OUT" 'd["state"]' withdrawn
expect_rc 5 px exercise accept --dir b "$X1"
expect_in "$ERR" "withdrawn"
expect_rc 0 px exercise propose --dir a --json --peer $B mine.json
X=$(json_get "$OUT" 'd["exercise"]')
REF=$(json_get "$OUT" 'd["ref"]')
hop a b $B $A p1
expect_rc 0 px exercise accept --dir b "$REF"
hop b a $A $B a1
expect_rc 5 px exercise start --dir b "$X"
expect_in "$ERR" "control cell"
expect_rc 0 px exercise schedule --dir a "$X" --start 2026-11-23T10:00:00Z
hop a b $B $A sc1
expect_rc 0 px exercise show --dir b --json "$X"
expect_json "$OUT" '[d["state"], d["planned_start"]]' '["scheduled", "2026-11-23T10:00:00.000Z"]'
ok "declined, withdrawn, proposed again, accepted, scheduled; only the control cell starts it"

inject_case() { # DIR INJECT: the case an inject opened, as DIR sees it
	expect_rc 0 px exercise show --dir "$1" --json "$X"
	json_get "$OUT" "[i['case'] for i in d['injects'] if i['id'] == '$2'][0]"
}
tick() { # TIME: A ticks at TIME and its messages reach B
	at "$1"
	expect_rc 0 px schedule --dir a --json --no-checks
	hop a b $B $A "t-$1"
}

# 3. Play: it starts at its planned time by itself.
tick 2026-11-23T10:00:01Z
I1=$(inject_case b I1)
at 2026-11-23T10:05:00Z
expect_rc 0 px case ack --dir b "$I1"
tick 2026-11-23T10:10:01Z
I2=$(inject_case b I2)
at 2026-11-23T10:12:00Z
expect_rc 0 px exercise say --dir a "$X" --inject I1 --as isp --text "We see it too"
at 2026-11-23T10:20:00Z
expect_rc 0 px case triage --dir b "$I1" --decision accepted
tick 2026-11-23T10:20:01Z
at 2026-11-23T10:30:00Z
expect_rc 0 px case ack --dir b "$I2"
hop b a $A $B r1
# I3's deadline is 10:40:01: its miss fires C1 at the next tick.
tick 2026-11-23T10:40:30Z
C1=$(inject_case b C1)
expect_rc 0 px case show --dir b --json "$I1"
expect_json "$OUT" '[m["body"].get("exercise", {}).get("persona") for m in d["messages"] if m["type"] == "update"]' '["isp", null]'
at 2026-11-23T10:45:00Z
expect_rc 0 px case ack --dir b "$C1"
hop b a $A $B r2
ok "injects played at their offsets; a missed update fires the contingency"

# 4. Control.
at 2026-11-23T10:50:00Z
expect_rc 0 px exercise pause --dir a "$X"
expect_rc 0 px exercise skip --dir a "$X" I4
expect_rc 0 px exercise delay --dir a "$X" I5 --by 90m
tick 2026-11-23T11:00:00Z
expect_rc 0 px exercise show --dir b --json "$X"
expect_json "$OUT" 'd["state"]' paused
at 2026-11-23T11:00:00Z
expect_rc 0 px exercise resume --dir a "$X"
expect_rc 0 px exercise fire --dir a "$X" I6
expect_rc 5 px exercise fire --dir a "$X" I6
expect_in "$ERR" "already fired"
tick 2026-11-23T11:05:00Z
at 2026-11-23T11:10:00Z
expect_rc 0 px exercise end --dir a "$X"
expect_rc 0 px exercise reveal --dir a "$X"
expect_rc 0 px exercise evaluate --dir a "$X" --rating O1=S --comment "O1=Late on I2" --by Eva
expect_rc 0 px exercise plan --dir a "$X" --item IP1 --text "Watch the queue" --owner "B duty" --due 2026-12-31
expect_rc 0 px exercise sign --dir a "$X" --by Eva
tick 2026-11-23T11:10:01Z
at 2026-11-23T11:15:00Z
expect_rc 0 px exercise sign --dir b "$X" --by Li
hop b a $A $B s1
expect_rc 0 px exercise show --dir a --json "$X"
cp "$OUT" show-a.json
python3 - show-a.json <<'PY' || fail "the exercise's injects and statuses are not as played"
import json, sys
d = json.load(open(sys.argv[1]))
st = {i["id"]: i["state"] for i in d["injects"]}
assert st == {"I1": "played", "I2": "played", "I3": "played", "C1": "played",
              "I4": "skipped", "I5": "not-played", "I6": "played"}, st
ex = {(i["id"], e["id"]): e["status"] for i in d["injects"] for e in i.get("expectations", [])}
assert ex == {("I1", "E1"): "met", ("I1", "E2"): "met", ("I2", "E1"): "partial",
              ("I3", "E1"): "missed", ("C1", "E1"): "met"}, ex
assert d["state"] == "signed", d["state"]
PY
ok "pause, skip, delay, fire, end, reveal, evaluate, plan, sign"

# 5. Reports.  My arithmetic: O1 = I1.E1 met + I2.E1 partial + C1.E1 met
# = (2+1+2) of 2*3 -> 833 per mille, S; O2 = I1.E2 met (weight 2) + I3.E1
# missed = (4+0) of 2*3 -> 666, S.
expect_rc 0 px exercise report --dir a "$X" -o aar-a.json
expect_rc 0 px exercise report --dir b "$X" -o aar-b.json
python3 - aar-a.json aar-b.json <<'PY' || fail "the after-action reports do not hold my figures"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
assert a["scores"] == b["scores"] and a["scores_hash"] == b["scores_hash"]
o = {x["id"]: (x["permille"], x["computed"], x["rating"]) for x in a["scores"]["objectives"]}
assert o == {"O1": (833, "S", "S"), "O2": (666, "S", "S")}, o
t = {r["id"]: r for r in a["timeline"]}
sent = {k: t[k]["sent"] for k in ("I1", "I2", "I3", "C1", "I6")}
assert sent == {"I1": "2026-11-23T10:00:01.000Z", "I2": "2026-11-23T10:10:01.000Z",
                "I3": "2026-11-23T10:20:01.000Z", "C1": "2026-11-23T10:40:30.000Z",
                "I6": "2026-11-23T11:05:00.000Z"}, sent
# Acknowledged after 4:59, 19:59 and 4:30: median 4:59, longest 19:59.
ack = [t[k]["times"]["acknowledge_ms"] for k in ("I1", "I2", "C1")]
assert ack == [299000, 1199000, 270000], ack
f = a["figures"]["acknowledge"]
assert (f["measured"], f["median_ms"], f["max_ms"]) == (3, 299000, 1199000), f
assert t["I1"]["times"]["triage_ms"] == 1199000, t["I1"]["times"]
plan = a["plan"]
assert [(p["item"], p["owner"], p["due"], p["status"]) for p in plan] == [("IP1", "B duty", "2026-12-31", "open")], plan
PY
expect_rc 0 px audit verify --dir b aar-a.json
# The audit bundle tags every case of an exercise.
expect_rc 0 px audit export --dir a --peer $B -o audit.jsonl
expect_rc 0 px audit verify --json audit.jsonl
expect_json "$OUT" "[{c['id']: c['exercise'] for c in d['cases']}[k] for k in ['$X0', '$X', '$I1', '$C1']]" "[\"$X0\", \"$X\", \"$X\", \"$X\"]"
expect_rc 0 px audit verify audit.jsonl
expect_in "$OUT" "EXERCISE EX-${X: -8}: not a real incident"
review_without a $B "$X" "$I1" "$C1"
review_without b $A "$X" "$I1" "$C1"
ok "both after-action reports agree with my arithmetic; the review report holds none of it"
