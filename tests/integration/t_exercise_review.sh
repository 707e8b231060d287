#!/bin/bash
# What an outside review of exercises found (docs/exercises.md), each
# checked as a user meets it, offline at fake times and then over the API:
#
#   1. Marks in the text's own language: a node whose first language is
#      zh sends injects in Chinese with an English translation; each text,
#      the title and the persona's "From" are marked in their own language.
#   2. An exercise stopped while still scheduled never started: started
#      is null in the view, the scores and the after-action report.
#   3. An unknown inject or objective is not found (exit 4, HTTP 404); an
#      unknown exercise names the exercise and 'parley exercise list'
#      (exit 4 / 404), a malformed one the exercise id's form (exit 3 /
#      422).
#   4. `exercise report -o r.pdf` is refused as `parley report` refuses it.
#   5. The exercise routes refuse unknown members of their bodies (422).
#   6. Scenario text limits are in characters, not bytes.
#   7. A real-world stop's notice is real (never EXERCISE), and the
#      withdrawals it causes alert nobody.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v curl >/dev/null || fail "curl is required"
trap live_cleanup EXIT

A=cert-a.example
B=cert-b.example
read -r PA < <(free_ports 1)

at 2026-11-23T09:00:00Z
live_node a $A Asia/Shanghai "$PA" "zh, en"
expect_rc 0 px card --dir a -o a.card
mknode b $B Europe/Paris en
enrol a b

# A 100-character Chinese title: 300 bytes, well within 280 characters.
ZH100=$(python3 -c 'print("标" * 100)')
ZH281=$(python3 -c 'print("标" * 281)')
cat >zh.json <<EOF
{"parley_scenario": 1, "id": "zh-drill", "version": 1,
 "name": {"en": "Bilingual drill", "zh": "双语演练"},
 "duration": "3h",
 "personas": [{"id": "isp", "name": {"en": "Hosting ISP", "zh": "托管服务商"}, "party": "a", "simulated": true}],
 "objectives": [{"id": "O1", "text": "Acknowledge quickly"}],
 "injects": [
  {"id": "I1", "offset": "0", "from": "isp", "to": {"party": "b"}, "channel": "report",
   "payload": {"title": {"en": "Please take down the kit", "zh": "请下线钓鱼工具包"},
     "text": {"en": "A kit at 203.0.113.7", "zh": "203.0.113.7 上的钓鱼工具包"},
     "category": "phishing", "priority": "P3", "tlp": "green"},
   "expect": [{"id": "E1", "what": "ack", "within": "15m", "objective": "O1"}]},
  {"id": "I2", "offset": "0", "from": "a", "to": {"party": "b"}, "channel": "report",
   "payload": {"title": "English only", "text": "Only in English",
     "category": "phishing", "priority": "P4", "tlp": "green"}},
  {"id": "I3", "offset": "2h", "from": "a", "to": {"party": "b"}, "channel": "report",
   "payload": {"title": {"en": "Long", "zh": "$ZH100"}, "text": "later",
     "category": "phishing", "priority": "P4", "tlp": "green"}}
 ]}
EOF

# 6. Limits in characters.
expect_rc 0 px exercise show --dir a zh.json
sed "s/\"$ZH100\"/\"$ZH281\"/" zh.json >long.json
expect_rc 3 px exercise show --dir a long.json
expect_in "$ERR" "1 to 280 characters"
ok "scenario titles are limited in characters: 100 Chinese ones pass, 281 do not"

# play TAG TIME: A proposes zh.json, B accepts, A starts it and at TIME
# ticks its first injects to B; the exercise's id in $XID.
play() {
	expect_rc 0 px exercise propose --dir a --json --peer $B zh.json
	XID=$(json_get "$OUT" 'd["exercise"]')
	hop a b $B $A "p-$1"
	expect_rc 0 px exercise accept --dir b "$XID"
	hop b a $A $B "a-$1"
	expect_rc 0 px exercise start --dir a "$XID"
	at "$2"
	expect_rc 0 px schedule --dir a --json --no-checks
	hop a b $B $A "t-$1"
}
inject_case() { # DIR INJECT [EXERCISE]
	expect_rc 0 px exercise show --dir "$1" --json "${3:-$X}"
	json_get "$OUT" "[i['case'] for i in d['injects'] if i['id'] == '$2'][0]"
}

# 1. Marks in each text's own language.
play x 2026-11-23T09:00:05Z
X=$XID
REF=EX-${X: -8}
I1=$(inject_case b I1)
I2=$(inject_case b I2)
expect_rc 0 px case show --dir b --json "$I1"
cp "$OUT" i1.json
python3 - i1.json <<'PY' || fail "I1 is not marked in each text's language: $(cat i1.json)"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["title"] == "[演练] 请下线钓鱼工具包", d["title"]
b = d["messages"][0]["body"]
t = b["text"] if "text" in b else b["case"]["text"]
texts = {t["lang"]: t["value"]}
if t.get("translation"):
    texts[t["translation"]["lang"]] = t["translation"]["value"]
assert texts["zh"] == "[演练] 来自托管服务商：\n\n203.0.113.7 上的钓鱼工具包\n\n[演练]", texts
assert texts["en"] == "[EXERCISE] From Hosting ISP:\n\nA kit at 203.0.113.7\n\n[EXERCISE]", texts
PY
expect_rc 0 px case show --dir b --json "$I2"
expect_json "$OUT" 'd["title"]' "[EXERCISE] English only"
ok "each text, title and persona is marked in its own language"

# 3. Unknown injects and objectives are not found; so are unknown
# exercises, named as exercises.
expect_rc 4 px exercise fire --dir a "$REF" NOPE
expect_in "$ERR" "exercise $REF has no inject 'NOPE'"
expect_rc 4 px exercise skip --dir a "$REF" NOPE
expect_rc 4 px exercise evaluate --dir a "$REF" --rating O9=P --by Eva
expect_in "$ERR" "exercise $REF has no objective 'O9'"
expect_rc 4 px exercise accept --dir b EX-00000000
expect_in "$ERR" "no exercise 'EX-00000000'"
expect_in "$ERR" "parley exercise list"
expect_not_in "$ERR" "case"
expect_rc 3 px exercise accept --dir b "EX-nonsense!"
expect_in "$ERR" "is not an exercise id"
expect_rc 4 px exercise show --dir b "$I1"
expect_in "$ERR" "no exercise '$I1'"
mknode c cert-c.example Europe/Paris en
expect_rc 4 px exercise report --dir c "$REF"
expect_in "$ERR" "no exercise '$REF' at cert-c.example"
ok "unknown injects, objectives and exercises are not found, named as such"

# 4. A report file named for a format parley does not write is refused.
expect_rc 3 px exercise report --dir a "$REF" -o r.pdf
expect_in "$ERR" "cannot write a report as '.pdf'"
[ ! -e r.pdf ] || fail "exercise report wrote r.pdf"
expect_rc 3 px exercise report --dir a "$REF" --format json -o r.html
expect_in "$ERR" "does not match"
expect_rc 0 px exercise report --dir a "$REF" -o r.htm
expect_in r.htm "<html"
ok "exercise report refuses a file it cannot write, as parley report does"

# 2. Stopped while still scheduled: it never started.
expect_rc 0 px exercise propose --dir a --json --peer $B zh.json --start 2026-11-23T12:00:00Z
Y=$(json_get "$OUT" 'd["exercise"]')
hop a b $B $A p2
expect_rc 0 px exercise accept --dir b "$Y"
hop b a $A $B a2
expect_rc 0 px exercise show --dir a --json "$Y"
expect_json "$OUT" 'd["state"], d["started"]' '["scheduled", null]'
at 2026-11-23T11:00:00Z
expect_rc 0 px exercise stop --dir a "$Y" --text "A real emergency"
expect_rc 0 px exercise show --dir a --json "$Y"
expect_json "$OUT" 'd["state"], d["started"], d["ended"]' '["ended", null, "2026-11-23T11:00:00.000Z"]'
expect_rc 0 px exercise show --dir a "$Y"
expect_in "$OUT" "never: it ended before it started"
expect_rc 0 px exercise report --dir a "$Y" -o y.json
expect_json y.json 'd["aar"]["started"], d["scores"]["started"], d["aar"]["ended"]' '[null, null, "2026-11-23T11:00:00.000Z"]'
expect_rc 0 px audit verify --dir a y.json
expect_rc 0 px exercise report --dir a "$Y" -o y.html
expect_in y.html "Never: it ended before it started"
ok "an exercise stopped while scheduled never started, in the view, scores and report"

# 7. A real-world stop: its notice is real, and the withdrawals it causes
# alert nobody.  B asks for more on I1, so the case waits on A and A's
# withdrawal would be an answer to alert of.
at 2026-11-23T13:00:00Z
play z 2026-11-23T13:00:05Z
Z=$XID
ZI1=$(inject_case b I1 "$Z")
expect_rc 0 px case triage --dir b "$ZI1" --decision needs-info --text "Which kit?"
hop b a $A $B r3
at 2026-11-23T13:10:00Z
expect_rc 0 px exercise stop --dir a "$Z" --text "This is a real-world emergency"
at 2026-11-23T13:10:05Z
expect_rc 0 px schedule --dir a --json --no-checks
hop a b $B $A t4
expect_rc 0 px case show --dir b --json "$ZI1"
expect_json "$OUT" 'd["state"]' withdrawn
expect_rc 0 px notify list --dir b --json
cp "$OUT" notes-b.json
expect_json notes-b.json "[n['subject'] for n in d if '${ZI1: -8}' in n['subject']]" '[]'
expect_json notes-b.json "sorted(set(n['subject'][:18] for n in d if 'REAL-WORLD STOP' in n['subject']))" '["[REAL-WORLD STOP] "]'
expect_rc 0 px notify list --dir a --json
expect_json "$OUT" "[n['subject'] for n in d if 'REAL-WORLD STOP' in n['subject'] and 'EXERCISE' in n['subject']]" '[]'
ok "a stop's notice is marked real at both nodes; its withdrawals alert nobody"

# The API.
unset PARLEY_FAKE_NOW
expect_rc 0 px token create --dir a --role duty
TA=$(cat "$OUT")
serve a
call a "$TA" GET "/api/v1/exercises/$X"
NCTL=$(json_get "$OUT" 'len(d["controls"])')
call a "$TA" POST "/api/v1/exercises/$X/fire" '{"inject":"NOPE"}'
want_code 404
expect_in "$OUT" "has no inject 'NOPE'"
call a "$TA" POST "/api/v1/exercises/$X/evaluate" '{"ratings":[{"objective":"O9","rating":"P"}],"by":"Eva"}'
want_code 404
expect_in "$OUT" "has no objective 'O9'"
call a "$TA" POST /api/v1/exercises/EX-deadbeef/start '{}'
want_code 404
expect_in "$OUT" "no exercise 'EX-deadbeef'"
expect_not_in "$OUT" "case"
call a "$TA" GET /api/v1/exercises/nonsense
want_code 422
expect_in "$OUT" "'nonsense' is not an exercise id"
# 5. Unknown members are refused, not ignored.
call a "$TA" POST /api/v1/exercises "{\"scenario\":\"critical-infrastructure-evidence\",\"peer\":\"$B\",\"time_sacle\":60}"
want_code 422
expect_in "$OUT" "unexpected member 'time_sacle'"
call a "$TA" POST /api/v1/exercises '{"scenario":"critical-infrastructure-evidence","nmae":"x"}'
want_code 422
expect_in "$OUT" "unexpected member 'nmae'"
call a "$TA" POST /api/v1/exercises/stop '{"text":"real","reason":"x"}'
want_code 422
expect_in "$OUT" "unexpected member 'reason'"
call a "$TA" POST "/api/v1/exercises/$X/pause" '{"txet":"x"}'
want_code 422
expect_in "$OUT" "unexpected member 'txet'"
call a "$TA" POST "/api/v1/exercises/$X/fire" '{"inejct":"I3"}'
want_code 422
expect_in "$OUT" "unexpected member 'inejct'"
call a "$TA" POST "/api/v1/exercises/$X/say" '{"inject":"I1","text":"x","persona":"isp"}'
want_code 422
expect_in "$OUT" "unexpected member 'persona'"
# None of the refused calls left a trace.
call a "$TA" GET "/api/v1/exercises/$X"
want_code 200
expect_json "$OUT" 'len(d["controls"])' "$NCTL"
ok "not found is 404, malformed 422, unknown members 422, all naming the exercise"
finish
