#!/bin/bash
# An exercise between two live nodes on 127.0.0.1 (docs/exercises.md),
# with a real SMTP server and a webhook receiver taking B's pages, at a
# compressed clock: the shipped botnet-c2-takedown scenario at time scale
# 150 (its three hours in 72 seconds: at 300 an acknowledgement "at
# once" could miss its 6 real seconds on a loaded machine).
#
#   1. A proposes it through the API; B sees it proposed, its
#      controller-only inject only as a commitment, and accepts (CLI).
#   2. A's control cell starts it.  The schedulers play I1 (a request
#      from A), I2 (a report from the simulated hosting provider); B
#      acknowledges I1 at once (met) and I2 only after its deadline
#      (partial, late); nobody triages I1, so its E2 is missed and the
#      contingency C1 (a hotline from the simulated hospital) is played
#      at that deadline.  B's node pages duty: the e-mail and the webhook
#      body begin and end with EXERCISE; every message of the exercise's
#      cases carries the exercise's id.
#   3. A pauses: both nodes show it paused and nothing is played; resume.
#   4. The scenario's time runs out: A ends it and reveals the scenario.
#      An evaluator confirms a rating; both sign the same scores.
#   5. Both after-action reports: the same scores at both nodes, each
#      verified at both; the objectives' figures recomputed here; HTML and
#      CSV in Chinese.  The review report holds none of it.
#   6. A second run, of the other shipped scenario: B's real-world stop
#      ends it at both nodes at once, A withdraws its open inject cases,
#      nothing more is played, B's pending pages are cancelled and both
#      duty officers are told.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v curl >/dev/null || fail "curl is required"
trap live_cleanup EXIT
mkdir -p "$TMP/pids" hooks

A=cert-a.example
B=cert-b.example
read -r PA PB PS PH < <(free_ports 4 | tr '\n' ' ')
smtp_start "$PS"

# A webhook receiver: files each POST's body as hooks/N.json.
cat >hook.py <<'EOF'
import http.server, os, sys
n = 0
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global n
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        n += 1
        with open(os.path.join(sys.argv[2], "%d.json" % n), "wb") as f:
            f.write(body)
        self.send_response(204)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
python3 hook.py "$PH" hooks >hook.log 2>&1 &
echo $! >"$TMP/pids/hook"
wait_for 10 "the webhook receiver listens" _listening "$PH"

live_node a $A Europe/Paris "$PA" "en, zh"
live_node b $B Asia/Shanghai "$PB" "zh, en"
smtp_use a "$PS"
smtp_use b "$PS"
sed -i "s|^#webhook = https://pager.example/hook|webhook = http://127.0.0.1:$PH/hook|; s|^#webhook_secret =|webhook_secret = s3cret|" b/parley.conf
for d in a b; do expect_rc 0 px card --dir $d -o $d.card; done
enrol a b
expect_rc 0 px token create --dir a --role duty
TA=$(cat "$OUT")
expect_rc 0 px token create --dir b --role duty
TB=$(cat "$OUT")
expect_rc 0 px token create --dir b --role analyst
TBA=$(cat "$OUT")
serve a
serve b

# 1. The proposal.  An analyst may read exercises but not run them.
call a "$TA" GET /api/v1/exercises/scenarios
want_code 200
expect_json "$OUT" '[s["name"] for s in d]' \
	'["botnet-c2-takedown", "critical-infrastructure-evidence"]'
call a "$TA" POST /api/v1/exercises "{\"scenario\":\"botnet-c2-takedown\",\"peer\":\"$B\",\"time_scale\":150,\"control\":[\"Exercise director\"],\"text\":\"Tabletop, December\"}"
want_code 201
X=$(json_get "$OUT" 'd["id"]') || exit 1
REF=$(json_get "$OUT" 'd["ref"]')
expect_json "$OUT" 'd["state"]' proposed
expect_json "$OUT" 'd["control"]' true
expect_json "$OUT" '[i["state"] for i in d["injects"]]' \
	'["waiting", "waiting", "waiting", "waiting", "waiting", "waiting", "waiting", "waiting"]'
seen_at_b() { call b "$TB" GET "/api/v1/exercises/$X"; [ "$CODE" = 200 ]; }
wait_for 20 "B holds the proposal" seen_at_b
expect_json "$OUT" 'd["state"]' proposed
expect_json "$OUT" 'd["our_party"]' b
# C1 is controller-only: B sees its commitment, nothing of it.
expect_json "$OUT" '[(i["id"], i["hidden"]) for i in d["injects"] if i["controller_only"]]' '[["C1", true]]'
expect_json "$OUT" '"title" in d["injects"][3] or "notes" in d["injects"][0]' false
expect_json "$OUT" 'd["scenario"]["held"]' false
call b "$TBA" POST "/api/v1/exercises/$X/accept" '{}'
want_code 403
expect_rc 0 px exercise accept --dir b "$REF"
expect_in "$OUT" "Acceptance of exercise $REF: signed and queued"
agreed() { call a "$TA" GET "/api/v1/exercises/$X"; [ "$(json_get "$OUT" 'd["state"]')" = agreed ]; }
wait_for 20 "A sees the acceptance" agreed
ok "proposed through the API, accepted at B"

# 2. Play.  B's player acts through the CLI, as a person would.
call a "$TA" POST "/api/v1/exercises/$X/start" '{"text":"StartEx"}'
want_code 201
expect_json "$OUT" 'd["state"]' running
inject_case() { # DIR INJECT: the case an inject was played in, as DIR sees it
	"$PARLEY" exercise show --dir "$1" --json "$X" 2>/dev/null |
		python3 -c "import json,sys; d=json.load(sys.stdin); print([i['case'] for i in d['injects'] if i['id']=='$2' and i['case']][0])" 2>/dev/null
}
played_at() { [ -n "$(inject_case "$1" "$2")" ]; }
wait_for 20 "B has I1" played_at b I1
I1=$(inject_case b I1)
expect_rc 0 px case ack --dir b "$I1" --text "On it"
expect_rc 0 px case show --dir b --json "$I1"
expect_json "$OUT" 'd["title"]' "[EXERCISE] Botnet C2 servers in your territory"
expect_json "$OUT" 'd["kind"], d["request_type"], d["priority"]' '["request", "mitigation", "P2"]'
expect_json "$OUT" 'd["messages"][0]["body"]["exercise"]["inject"]' I1
# Every message of the case, the player's answer too, says whose
# exercise it is.
expect_json "$OUT" 'sorted(set(m["body"]["exercise"]["id"] for m in d["messages"]))' "[\"$X\"]"
expect_json "$OUT" 'd["messages"][0]["body"]["text"]["value"].startswith("[EXERCISE] ")' true
# In the sender's first language (A's is English), with the other the
# scenario gives as its translation.
expect_json "$OUT" '[d["messages"][0]["body"]["text"]["lang"], d["messages"][0]["body"]["text"]["translation"]["lang"]]' '["en", "zh"]'
ok "I1 played as a real request, acknowledged at once"

# 3. Pause while I2 is on its way, then resume.
call a "$TA" POST "/api/v1/exercises/$X/pause" '{}'
want_code 201
paused_at_b() { call b "$TB" GET "/api/v1/exercises/$X"; [ "$(json_get "$OUT" 'd["state"]')" = paused ]; }
wait_for 20 "B sees the pause" paused_at_b
call a "$TA" GET "/api/v1/exercises/$X"
BEFORE=$(json_get "$OUT" '[i["id"] for i in d["injects"] if i["state"] == "played"]')
sleep 5
call a "$TA" GET "/api/v1/exercises/$X"
expect_json "$OUT" '[i["id"] for i in d["injects"] if i["state"] == "played"]' "$BEFORE"
expect_json "$OUT" 'd["state"]' paused
call a "$TA" POST "/api/v1/exercises/$X/resume" '{}'
want_code 201
expect_json "$OUT" 'len(d["pauses"]) == 1 and d["pauses"][0]["to"] is not None' true
ok "paused 5 s: nothing played, both nodes paused"

# I2: the hosting provider (simulated by A's control cell) reports to B,
# which answers it only once its deadline has passed.
wait_for 30 "B has I2" played_at b I2
I2=$(inject_case b I2)
expect_rc 0 px case show --dir b --json "$I2"
expect_json "$OUT" 'd["messages"][0]["body"]["exercise"]["persona"]' hoster
i2_missed() { call a "$TA" GET "/api/v1/exercises/$X"; [ "$(json_get "$OUT" '[e["status"] for i in d["injects"] if i["id"]=="I2" for e in i["expectations"]][0]')" = missed ]; }
wait_for 30 "I2's acknowledgement is overdue" i2_missed
expect_rc 0 px case ack --dir b "$I2" --text "Sorry, late"

# Nobody triages I1: E2 is missed and the hospital's hotline comes.
wait_for 40 "B has the contingency C1" played_at b C1
C1=$(inject_case b C1)
expect_rc 0 px case ack --dir b "$C1" --by duty --text "Duty here"
page_mail() { grep -rl "HOTLINE" "$TMP/mail/new" 2>/dev/null | xargs -r grep -l "^To: duty@" | head -1; }
has_page_mail() { [ -n "$(page_mail)" ]; }
wait_for 20 "duty's page e-mail" has_page_mail
python3 - "$(page_mail)" <<'PY' || fail "the page e-mail is not marked EXERCISE at both ends"
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
assert m["Subject"] and "EXERCISE" in str(email.header.make_header(email.header.decode_header(m["Subject"]))), m["Subject"]
body = m.get_payload(decode=True).decode("utf-8").strip().splitlines()
assert body[0].startswith("EXERCISE EXERCISE EXERCISE"), body[0]
assert body[-1].startswith("EXERCISE EXERCISE EXERCISE"), body[-1]
PY
has_hook() { ls hooks/*.json >/dev/null 2>&1; }
wait_for 20 "duty's page webhook" has_hook
python3 - hooks/1.json <<'PY' || fail "the webhook body is not marked EXERCISE at both ends"
import json, sys
raw = open(sys.argv[1], encoding="utf-8").read()
assert raw.startswith('{"exercise":"EXERCISE EX-'), raw[:60]
assert raw.endswith('"exercise_end":"EXERCISE"}'), raw[-60:]
d = json.loads(raw)
assert d["text"].startswith("EXERCISE") and d["text"].rstrip().splitlines()[-1].startswith("EXERCISE")
PY
ok "C1 played on the miss; its page marked EXERCISE in the e-mail and the webhook"

# 4. The scenario runs out; A's node ends it and reveals the scenario.
ended_at() { call "$1" "$2" GET "/api/v1/exercises/$X"; [ "$(json_get "$OUT" 'd["state"]')" = ended ]; }
wait_for 90 "A ends it" ended_at a "$TA"
revealed() { call b "$TB" GET "/api/v1/exercises/$X"; [ "$(json_get "$OUT" 'd["scenario"]["revealed"]')" = true ]; }
wait_for 30 "B has the scenario revealed" revealed
expect_json "$OUT" 'd["stopped"]' false
expect_json "$OUT" '[i["hidden"] for i in d["injects"] if i["id"] == "C1"]' '[false]'
expect_json "$OUT" '[[e["id"], e["status"]] for i in d["injects"] if i["id"] == "I1" for e in i["expectations"]][:2]' '[["E1", "met"], ["E2", "missed"]]'
expect_json "$OUT" '[[e["status"], e["late"]] for i in d["injects"] if i["id"] == "I2" for e in i["expectations"]]' '[["partial", true]]'
expect_json "$OUT" '[i["state"] for i in d["injects"] if i["id"] == "C1"]' '["played"]'
expect_json "$OUT" '[e["status"] for i in d["injects"] if i["id"] == "I6" for e in i["expectations"]]' '["missed"]'
expect_json "$OUT" 'all(e["status"] != "pending" for i in d["injects"] for e in i["expectations"])' true
# A's open cases of the exercise are closed by A, so no ladder runs on.
closed() { expect_rc 0 px case show --dir b --json "$I1"; [ "$(json_get "$OUT" 'd["state"]')" = withdrawn ]; }
wait_for 20 "I1's case withdrawn by A" closed
call a "$TA" POST "/api/v1/exercises/$X/evaluate" '{"ratings":[{"objective":"O3","rating":"S","comment":"duty answered, late"}],"by":"Eva Evaluator"}'
want_code 201
expect_json "$OUT" '[o["confirmed"]["rating"] for o in d["objectives"] if o["id"] == "O3"]' '["S"]'
# B signs what it holds: wait until the evaluation has reached it.
evaluated_at_b() { call b "$TB" GET "/api/v1/exercises/$X"; [ "$(json_get "$OUT" 'd["state"]')" = evaluated ] || [ "$(json_get "$OUT" '[o["confirmed"] is not None for o in d["objectives"] if o["id"] == "O3"]')" = '[true]' ]; }
wait_for 20 "B has the evaluation" evaluated_at_b
expect_rc 0 px exercise sign --dir a "$X" --by "Director A"
expect_rc 0 px exercise sign --dir b "$X" --by "Director B"
signed_at() { call "$1" "$2" GET "/api/v1/exercises/$X"; [ "$(json_get "$OUT" 'd["state"]')" = signed ]; }
wait_for 20 "A sees both signatures" signed_at a "$TA"
wait_for 20 "B sees both signatures" signed_at b "$TB"
ok "ended, revealed, rated by an evaluator, signed by both"

# 5. The after-action reports.
expect_rc 0 px exercise report --dir a "$X" -o aar-a.json
call b "$TB" GET "/api/v1/exercises/$X/report?format=json"
want_code 200
cp "$OUT" aar-b.json
python3 - aar-a.json aar-b.json <<'PY' || fail "the two nodes' after-action reports differ"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert a["scores"] == b["scores"], "scores"
assert a["scores_hash"] == b["scores_hash"]
for k in ("figures", "objectives", "findings", "plan"):
    assert a[k] == b[k], k
assert a["signatures"] == b["signatures"] and all(s["matches"] for s in a["signatures"].values())
assert a["aar"]["node"] != b["aar"]["node"] and a["marking"] == "EXERCISE"
PY
for f in aar-a.json aar-b.json; do
	for d in a b; do
		expect_rc 0 px audit verify --dir $d --json $f
		expect_json "$OUT" 'd["ok"], d["kind"]' '[true, "aar"]'
	done
done
# My own arithmetic: each objective from the statuses and weights.
python3 - aar-a.json <<'PY' || fail "the objectives do not add up"
import json, sys
d = json.load(open(sys.argv[1]))
for o in d["objectives"]:
    w = p = 0
    for i in d["timeline"]:
        for e in i.get("expectations", []):
            if e["objective"] != o["id"] or e["status"] == "pending":
                continue
            w += e["weight"]
            p += e["weight"] * {"met": 2, "partial": 1, "missed": 0}[e["status"]]
    assert o["permille"] == (p * 1000 // (2 * w) if w else None), (o, p, w)
    r = o["permille"]
    want = None if r is None else "P" if r >= 900 else "S" if r >= 600 else "M" if r >= 300 else "U"
    assert o["computed"] == want, (o, want)
ack = sorted(i["times"]["acknowledge_ms"] for i in d["timeline"] if i.get("times") and i["times"]["acknowledge_ms"] is not None)
assert d["figures"]["acknowledge"]["measured"] == len(ack)
assert d["figures"]["acknowledge"]["median_ms"] == ack[(len(ack) + 1) // 2 - 1]
assert d["figures"]["hotline"]["raised"] >= 2 and d["figures"]["hotline"]["max_depth"] >= 1
PY
# A changed figure is caught and named.
python3 - aar-a.json aar-bad.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["scores"]["injects"][0]["expectations"][1]["status"] = "met"
json.dump(d, open(sys.argv[2], "w"))
PY
expect_rc 3 px audit verify --dir b aar-bad.json
expect_in "$OUT" "inject I1 expectation E2: the file says met"
expect_in "$OUT" "signature"
expect_rc 0 px exercise report --dir a "$X" --lang zh -o aar.html
expect_in aar.html "EXERCISE 演练——非真实事件"
expect_in aar.html "<svg"
expect_in aar.html "Asia/Shanghai"
expect_rc 0 px exercise report --dir b "$X" --lang zh -o aar.csv
expect_in aar.csv "EXERCISE,$REF"
ok "after-action reports agree at both nodes and verify at both"

# The review report of either node holds nothing of the exercise.
review_without a $B "$X" "$I1"
review_without b $A "$X" "$I1"
ok "the review reports hold none of it"

# 6. A real-world stop.  The hook receiver is gone: B's pages wait.
kill "$(cat "$TMP/pids/hook")"
call a "$TA" POST /api/v1/exercises "{\"scenario\":\"critical-infrastructure-evidence\",\"peer\":\"$B\",\"time_scale\":300}"
want_code 201
Y=$(json_get "$OUT" 'd["id"]')
X2=$Y
accept_y() { "$PARLEY" exercise accept --dir b "$Y" >/dev/null 2>&1; }
wait_for 20 "B accepts the second exercise" accept_y
startable() { call a "$TA" POST "/api/v1/exercises/$Y/start" '{}'; [ "$CODE" = 201 ]; }
wait_for 20 "A starts it" startable
X=$Y
wait_for 30 "B has the hotline I4" played_at b I4
pending_pages() { "$PARLEY" notify list --dir b --json | python3 -c "import json,sys; sys.exit(0 if any(n['channel']=='webhook' and n['status']=='pending' and n['attempts']>0 for n in json.load(sys.stdin)) else 1)"; }
wait_for 20 "a page of B's waits for its webhook" pending_pages
expect_rc 2 px exercise stop --dir b "$Y"
expect_rc 0 px exercise stop --dir b "$Y" --text "This is a real-world emergency: the water utility is under attack for real"
expect_in "$OUT" "REAL-WORLD STOP"
stopped_at() { call "$1" "$2" GET "/api/v1/exercises/$Y"; [ "$(json_get "$OUT" 'd["stopped"]')" = true ]; }
wait_for 10 "B shows the stop" stopped_at b "$TB"
wait_for 10 "A shows the stop" stopped_at a "$TA"
expect_json "$OUT" 'd["state"], d["stop"]["by"]' "[\"ended\", \"$B\"]"
expect_json "$OUT" 'd["stop"]["text"]' "This is a real-world emergency: the water utility is under attack for real"
PLAYED=$(json_get "$OUT" '[i["id"] for i in d["injects"] if i["state"] == "played"]')
expect_rc 0 px notify list --dir b --json
# Only the stop's own notice may still wait for the dead webhook.
expect_json "$OUT" '[n["id"] for n in d if n["channel"] == "webhook" and n["status"] == "pending" and "REAL-WORLD STOP" not in n["subject"]]' '[]'
expect_json "$OUT" 'any(n["status"] == "cancelled" for n in d)' true
stop_mail() { grep -rl "with a real-world stop" "$TMP/mail/new" 2>/dev/null | xargs -r grep -l "^To: duty@$1" | head -1; }
has_stop_mail() { [ -n "$(stop_mail "$1")" ]; }
wait_for 20 "B's duty hears of the stop" has_stop_mail cert-b
wait_for 20 "A's duty hears of the stop" has_stop_mail cert-a
# The stop's notice is real: never marked or tagged EXERCISE, and its
# webhook body carries no "not a real incident" member.
mail_text() { # FILE: its decoded subject and body
	python3 - "$1" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print("Subject:", m["subject"])
print(m.get_body().get_content())
PY
}
for who in cert-a cert-b; do
	mail_text "$(stop_mail $who)" >stop-$who.txt
	grep -q "^Subject: \[REAL-WORLD STOP\] " stop-$who.txt || fail "$who's stop mail: $(head -1 stop-$who.txt)"
	! grep -q "EXERCISE\]\|not a real incident\|EXERCISE EXERCISE" stop-$who.txt || fail "$who's stop mail is marked EXERCISE: $(cat stop-$who.txt)"
	expect_eq "$who's stop mail's first line" "REAL-WORLD STOP -- EX-${Y: -8} -- this is real, not an exercise / 真实紧急情况，不是演练" "$(sed -n 2p stop-$who.txt)"
done
sqlite3 b/parley.db "SELECT body FROM notifications WHERE channel='webhook' AND subject LIKE '%REAL-WORLD STOP%'" >stop-hook.json
expect_json stop-hook.json 'd["type"], "exercise" in d, "exercise_end" in d, d["data"]["ref"]' \
	"[\"parley.exercise.stop\", false, false, \"EX-${Y: -8}\"]"
expect_json stop-hook.json '"not a real incident" in str(d), d["subject"].startswith("[REAL-WORLD STOP]")' '[false, true]'
withdrawn_at_b() { expect_rc 0 px case show --dir b --json "$(inject_case b I4)"; [ "$(json_get "$OUT" 'd["state"]')" = withdrawn ]; }
wait_for 20 "A's hotline I4 withdrawn at both" withdrawn_at_b
sleep 4
call a "$TA" GET "/api/v1/exercises/$Y"
expect_json "$OUT" '[i["id"] for i in d["injects"] if i["state"] == "played"]' "$PLAYED"
# That the stop's withdrawals alert nobody is checked in
# t_exercise_review, where a case waits on A when the stop comes (here
# none does, so the check could not fail).
call a "$TA" POST "/api/v1/exercises/$Y/pause" '{}'
want_code 409
ok "a real-world stop ended it everywhere at once"
finish
