#!/bin/bash
# The agreement as a signed exchange (docs/protocol.md, "Agreements";
# docs/clocks.md, "Which terms a case counts under").
#
# Part 1, bundles over files, fake time.  A is cert-cn.example (Beijing),
# B cert-us.example (New York, EST = UTC-5 in November 2026, business
# hours 09:00-17:00 = 14:00Z-22:00Z).  Thursday 19 November 2026:
#   13:00Z A proposes version 1 (P1 acknowledge 15m, P3 acknowledge 2h)
#   13:05Z B receives it: pending at both ends
#   13:10Z B accepts it; the acceptance stays in B's outbox for now
#   13:20Z A opens C1 (P3), still holding version 0: it names 0
#   13:25Z B receives C1: version 1 was in force there since 13:10, so
#          both sides show the disagreement, and both count C1 under 0,
#          as named: acknowledge 1 business day from 13:25Z = 08:25 NY,
#          i.e. the whole of Thursday -> 17:00 NY = 22:00Z
#   13:30Z B acknowledges C1; 13:35Z A receives the acceptance and the ack
#          (no refusal: the channel flows)
#   14:30Z A opens C2 (P3) naming 1; B receives it at 14:35Z:
#          acknowledge 2 business hours -> 16:35Z
#   14:40Z A opens C3 (P1) naming 1; B receives it at 14:45Z:
#          acknowledge 15 calendar minutes -> 15:00Z
#   15:00Z B proposes version 2, A declines it with a reason
#   15:20Z B proposes version 3 and withdraws it
# Then A's review report of November: it carries versions 0 and 1, is
# signed, verifies at A and at B, and a changed term, message time or
# deadline is refused with a named reason.
#
# Part 2, the analyst API between two live nodes: roles, propose and
# accept over HTTP, a live case naming the version.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v curl >/dev/null || fail "curl is required"

A=cert-cn.example
B=cert-us.example

at 2026-11-19T12:00:00Z
mknode a $A Asia/Shanghai "zh, en"
mknode b $B America/New_York
enrol a b

# view DIR PEER: `peer agreement --json` into $OUT.
view() { expect_rc 0 px peer agreement --dir "$1" "$2" --json; }
# case_agreement DIR ID WANT: the case view's "agreement" member.
case_agreement() {
	expect_rc 0 px case show --dir "$1" --json "$2"
	expect_json "$OUT" '[d["agreement"]["version"], d["agreement"]["named"], d["agreement"]["in_force"], d["agreement"]["disagreement"] is not None]' "$3"
}

# --- 1. A proposes, B sees it pending ------------------------------------
at 2026-11-19T13:00:00Z
expect_rc 0 px peer agreement --dir a $B --set P3.acknowledge=2h \
	--set P1.acknowledge=15m --note "As agreed on the phone"
expect_in "$OUT" "Proposed agreement version 1 to $B"
expect_in "$OUT" "P3.acknowledge: 1d -> 2h"
expect_in "$OUT" "It takes effect when $B accepts it."
view a $B
expect_json "$OUT" '[d["version"], d["pending"], d["proposals"][0]["state"]]' \
	'[0, {"ours": [1], "theirs": []}, "pending"]'
# Nothing changed is nothing to propose.
expect_rc 5 px peer agreement --dir a $B --set P1.acknowledge=30m
expect_in "$ERR" "nothing to propose"
expect_rc 3 px peer agreement --dir a $B --set P3.acknowledge=soon
expect_rc 3 px peer agreement --dir a $B --set P3.acknowledge=2h --accept 1
expect_in "$ERR" "give one of --set (propose), --accept, --decline or --withdraw"
at 2026-11-19T13:05:00Z
hop a b $B $A p1.bundle
view b $A
expect_json "$OUT" '[d["version"], d["pending"]]' '[0, {"ours": [], "theirs": [1]}]'
expect_json "$OUT" 'd["proposals"][0]["changes"]' '["P1.acknowledge: 30m -> 15m", "P3.acknowledge: 1d -> 2h"]'
expect_json "$OUT" '[d["proposals"][0]["from"], d["proposals"][0]["terms"]["P3"]["acknowledge"]]' "[\"$A\", \"2h\"]"
expect_rc 0 px peer agreement --dir b $A
expect_in "$OUT" "version 0 in force (the defaults; no version accepted yet)"
expect_in "$OUT" "accept: parley peer agreement $A --accept 1"
expect_rc 0 px case list --dir b --json
expect_json "$OUT" '[(c["kind"], c["state"], c["title"]) for c in d]' '[["agreement", "delivered", "Agreement version 1"]]'
# Only the receiver answers, and only what is pending.
expect_rc 4 px peer agreement --dir a $B --accept 1
expect_in "$ERR" "there is no pending proposal of version 1 from $B"
expect_rc 4 px peer agreement --dir b $A --accept 2
expect_rc 3 px peer agreement --dir b $A --accept one
expect_in "$ERR" "--accept takes a version number"
ok "A proposes version 1; B sees it pending with what it changes; wrong answers refused"

# --- 2. B accepts; A opens a case before the acceptance reaches it --------
at 2026-11-19T13:10:00Z
expect_rc 0 px peer agreement --dir b $A --accept 1
expect_in "$OUT" "Accepted agreement version 1 of $A"
expect_in "$OUT" "version 1 in force (proposed by $A, accepted by $B at 2026-11-19T13:10:00.000Z)"
at 2026-11-19T13:20:00Z
expect_rc 0 px case new --dir a --to $B --kind request --category botnet \
	--priority P3 --title "C2 before the acceptance" --text "C2 traffic"
C1=$(cat "$OUT")
case_agreement a "$C1" '[0, 0, 0, false]'
at 2026-11-19T13:25:00Z
hop a b $B $A c1.bundle
# B held version 1 since 13:10; the case names 0: shown, not refused.
case_agreement b "$C1" '[0, 0, 1, true]'
expect_json "$OUT" 'd["agreement"]["disagreement"]' "the case names agreement version 0, but version 1 was in force when it was opened (accepted by $B at 2026-11-19T13:10:00.000Z); its clocks count under version 0, as named"
expect_json "$OUT" '[d["clocks"]["acknowledge"]["budget"], d["clocks"]["acknowledge"]["deadline"]]' '["1d", "2026-11-19T22:00:00.000Z"]'
expect_rc 0 px case show --dir b "$C1"
expect_in "$OUT" "DISAGREEMENT: the case names agreement version 0"
view b $A
expect_json "$OUT" '[(x["kind"], x["ref"], x["named"], x["in_force"]) for x in d["disagreements"]]' "[[\"case\", \"${C1: -8}\", 0, 1]]"
at 2026-11-19T13:30:00Z
expect_rc 0 px case ack --dir b "$C1"
at 2026-11-19T13:35:00Z
hop b a $A $B r1.bundle
expect_json r1.bundle.import.json '[d["applied"], d["refused"], d["no_effect"]]' '[2, 0, 0]'
# A now holds the acceptance: the same disagreement, the same deadlines.
case_agreement a "$C1" '[0, 0, 1, true]'
at 2026-11-19T14:00:00Z
show_json a "$C1" c1.a.json
show_json b "$C1" c1.b.json
shared_view c1.a.json c1.b.json
cmp -s c1.a.json c1.b.json || fail "views of C1 differ: $(diff c1.a.json c1.b.json | head)"
expect_json c1.a.json '[d["clocks"]["acknowledge"]["state"], d["clocks"]["acknowledge"]["deadline"], d["clocks"]["triage"]["deadline"]]' \
	'["met", "2026-11-19T22:00:00.000Z", "2026-11-20T22:00:00.000Z"]'
view a $B
expect_json "$OUT" '[d["version"], d["accepted"]["accepted_by"], d["pending"], d["disagreements_total"]]' \
	"[1, \"$B\", {\"ours\": [], \"theirs\": []}, 1]"
ok "a case opened under version 0 after B accepted 1: the disagreement shows on both sides, both count under 0, the channel flows"

# --- 3. Cases opened afterwards name version 1 on both sides --------------
at 2026-11-19T14:30:00Z
expect_rc 0 px case new --dir a --to $B --kind request --category phishing \
	--priority P3 --title "Under version 1" --text "kit at example.net"
C2=$(cat "$OUT")
at 2026-11-19T14:40:00Z
expect_rc 0 px case new --dir a --to $B --kind request --category ddos \
	--priority P1 --title "P1 under version 1" --text "flood"
C3=$(cat "$OUT")
at 2026-11-19T14:45:00Z
hop a b $B $A c2.bundle
# C2 was received at 14:45 too (one bundle): 2 business hours -> 16:45Z.
for d in a b; do
	case_agreement $d "$C2" '[1, 1, 1, false]'
	expect_json "$OUT" '[d["clocks"]["acknowledge"]["budget"], d["clocks"]["acknowledge"]["start"], d["clocks"]["acknowledge"]["deadline"]]' \
		'["2h", "2026-11-19T14:45:00.000Z", "2026-11-19T16:45:00.000Z"]'
	case_agreement $d "$C3" '[1, 1, 1, false]'
	expect_json "$OUT" '[d["clocks"]["acknowledge"]["budget"], d["clocks"]["acknowledge"]["deadline"]]' \
		'["15m", "2026-11-19T15:00:00.000Z"]'
done
at 2026-11-19T15:00:01Z
expect_rc 0 px case list --dir b --json --overdue
expect_json "$OUT" '[c["ref"] for c in d]' "[\"${C3: -8}\"]"
expect_rc 0 px case ack --dir b "$C2"
at 2026-11-19T15:01:00Z
hop b a $A $B r2.bundle
ok "cases opened after the acceptance name version 1: 2h and 15m deadlines, the same at A and B"

# --- 4. A declines version 2; B withdraws version 3 ------------------------
at 2026-11-19T15:05:00Z
expect_rc 0 px peer agreement --dir b $A --json --set P2.triage=2d
expect_json "$OUT" 'd["sent"]["version"]' 2
hop b a $A $B p2.bundle
at 2026-11-19T15:10:00Z
expect_rc 0 px peer agreement --dir a $B --decline 2 --reason "We cannot triage P2 in two days"
expect_in "$OUT" "Declined agreement version 2 of $B"
hop a b $B $A d2.bundle
view b $A
expect_json "$OUT" '[(p["version"], p["state"], p["reason"]) for p in d["proposals"]]' \
	'[[1, "accepted", null], [2, "declined", "We cannot triage P2 in two days"]]'
at 2026-11-19T15:20:00Z
expect_rc 0 px peer agreement --dir b $A --set P4.triage=4d
expect_in "$OUT" "Proposed agreement version 3"
expect_rc 0 px peer agreement --dir b $A --json --withdraw 3
expect_json "$OUT" '[d["proposals"][2]["state"], d["pending"]["ours"], d["version"]]' '["withdrawn", [], 1]'
hop b a $A $B w3.bundle
view a $B
expect_json "$OUT" '[p["state"] for p in d["proposals"]]' '["accepted", "declined", "withdrawn"]'
ok "a declined version keeps its reason; a withdrawn one never takes effect; version 1 stays in force"

# --- 5. The review report carries the versions and is signed ---------------
at 2026-11-20T00:00:00Z
expect_rc 0 px report --dir a --peer $B --from 2026-11-01 --to 2026-11-30 -o nov.json
expect_json nov.json '[d["report"]["agreement"], [a["version"] for a in d["agreements"]]]' '[1, [0, 1]]'
expect_json nov.json "[c[\"agreement\"][\"version\"] for c in d[\"cases\"] if c[\"id\"] in (\"$C1\", \"$C2\")]" '[0, 1]'
expect_json nov.json "[c[\"agreement\"][\"disagreement\"] is not None for c in d[\"cases\"]]" '[true, false, false]'
expect_json nov.json 'd["agreements"][1]["proposal"]["msg"]["body"]["proposal"]["terms"]["P3"]["acknowledge"]' 2h
expect_json nov.json '[d["agreements"][1]["answer"]["msg"]["type"], d["agreements"][1]["answer"]["msg"]["from"]]' "[\"accept\", \"$B\"]"
expect_json nov.json '[len(d["sig"]), [c["card"]["name"] for c in d["cards"]]]' "[88, [\"$A\", \"$B\"]]"
expect_json nov.json 'all(e["msg"] for c in d["cases"] for e in c["entries"])' true
# Proposals are not cases of the review.
expect_json nov.json '[c["kind"] for c in d["cases"]]' '["request", "request", "request"]'
for d in a b; do
	expect_rc 0 px audit verify --dir $d --json nov.json
	expect_json "$OUT" 'd["mismatches"]' '[]'
	expect_json "$OUT" "any(\"signed as a whole with $A's key\" in s for s in d[\"checked\"])" true
	expect_json "$OUT" "any(\"agreement version 1: proposed by $A, accepted by $B, both signatures verify\" in s for s in d[\"checked\"])" true
	expect_json "$OUT" 'any("3 of 3 cases\u0027 clocks recomputed" in s and ": 3 agree" in s for s in d["checked"])' true
done
ok "A's report carries versions 0 and 1, the cards and a signature; it verifies at A and at B, every clock recomputed"

# tamper FILE PYTHON: nov.json changed by PYTHON (d bound) into FILE.
tamper() {
	python3 - "$1" "$2" <<'EOF' || fail "tamper $1"
import json, sys
d = json.load(open("nov.json"))
exec(sys.argv[2])
json.dump(d, open(sys.argv[1], "w"), indent=2, sort_keys=True)
EOF
}
tamper t-term.json 'd["agreements"][1]["proposal"]["msg"]["body"]["proposal"]["terms"]["P3"]["acknowledge"] = "3h"'
for d in a b; do
	expect_rc 3 px audit verify --dir $d t-term.json
	expect_in "$OUT" "MISMATCH: signature: the report's signature does not verify"
	expect_in "$OUT" "MISMATCH: agreement version 1: the report's copy of the proposal differs from the signed one this node holds"
	expect_in "$OUT" "P3.acknowledge: 2h -> 3h"
	expect_in "$OUT" "MISMATCH: agreement version 1: the proposal's signature by $A does not verify"
done
tamper t-time.json "c = [c for c in d['cases'] if c['id'] == '$C2'][0]; c['entries'][1]['time'] = '2026-11-19T15:30:00.000Z'"
expect_rc 3 px audit verify --dir a t-time.json
expect_in "$OUT" "MISMATCH: case $C2 entry 2: entry "
expect_in "$OUT" "is a ack signed at 2026-11-19T15:00:01.000Z, not the ack at 2026-11-19T15:30:00.000Z the report gives"
expect_rc 3 px audit verify --dir b t-time.json
expect_in "$OUT" "MISMATCH: case $C2 entry 2: the message it names is a ack signed at 2026-11-19T15:00:01.000Z, not the ack at 2026-11-19T15:30:00.000Z the report gives"
tamper t-deadline.json "c = [c for c in d['cases'] if c['id'] == '$C2'][0]; c['clocks']['acknowledge']['deadline'] = '2026-11-19T22:00:00.000Z'; c['clocks']['acknowledge']['state'] = 'met'"
expect_rc 3 px audit verify --dir b t-deadline.json
expect_in "$OUT" "MISMATCH: case $C2 clock acknowledge: the file says met, deadline 2026-11-19T22:00:00.000Z, stopped 2026-11-19T15:00:01.000Z; recomputed from its messages under agreement version 1 in $B's calendar: met, deadline 2026-11-19T16:45:00.000Z, stopped 2026-11-19T15:00:01.000Z"
tamper t-v0.json 'd["agreements"][0]["terms"]["P3"]["acknowledge"] = "2h"'
expect_rc 3 px audit verify --dir a t-v0.json
expect_in "$OUT" "MISMATCH: agreement version 0: its terms are not the defaults ([\"P3.acknowledge: 1d -> 2h\"])"
tamper t-used.json "c = [c for c in d['cases'] if c['id'] == '$C1'][0]; c['agreement']['version'] = 1"
expect_rc 3 px audit verify --dir b t-used.json
expect_in "$OUT" "MISMATCH: case $C1 names agreement version 0, which the report carries, yet counts under version 1"
expect_in "$OUT" "MISMATCH: case $C1 clock acknowledge: the file says met, deadline 2026-11-19T22:00:00.000Z"
tamper t-unsigned.json 'del d["sig"]'
expect_rc 3 px audit verify --dir a t-unsigned.json
expect_in "$OUT" "MISMATCH: signature: the report is not signed"
ok "a changed term, message time, deadline, default or version is refused, each with a named reason"

# The audit bundle holds the proposals and acceptances too: a neutral
# verifier counts each case under the version it names.
expect_rc 0 px audit export --dir a --peer $B -o nov.audit
expect_rc 0 px audit verify --json nov.audit
expect_json "$OUT" "[(c[\"agreement\"], c[\"clocks\"][\"acknowledge\"][\"budget\"], c[\"clocks\"][\"acknowledge\"][\"deadline\"]) for c in d[\"cases\"] if c[\"id\"] in (\"$C1\", \"$C2\")]" \
	'[[0, "1d", "2026-11-19T22:00:00.000Z"], [1, "2h", "2026-11-19T16:45:00.000Z"]]'
ok "audit verify of an audit bundle counts each case under the version it names"

# --- 6. The analyst API between two live nodes ------------------------------
trap live_cleanup EXIT
mkdir -p "$TMP/pids"
unset PARLEY_FAKE_NOW
C=cert-paris.example
D=cert-lima.example
read -r PC PD < <(free_ports 2 | tr '\n' ' ')
live_node c $C Europe/Paris $PC
live_node d $D America/Lima $PD
for x in c d; do expect_rc 0 px card --dir $x -o $x.card; done
enrol c d
expect_rc 0 px token create --dir c --role duty --name carol
TC=$(cat "$OUT")
expect_rc 0 px token create --dir c --role analyst --name ann
TCA=$(cat "$OUT")
expect_rc 0 px token create --dir d --role duty --name dan
TD=$(cat "$OUT")
expect_rc 0 px token create --dir d --role viewer --name vic
TDV=$(cat "$OUT")
serve c
serve d
call d "$TDV" GET /api/v1/peers/$C/agreement
want_code 200
expect_json "$OUT" '[d["peer"], d["version"], d["terms"]["P2"]["acknowledge"]]' "[\"$C\", 0, \"4h\"]"
# post DIR TOKEN PEER BODY CODE [TEXT]: POST DIR's agreement with PEER;
# the answer must be CODE (and hold TEXT).
post() {
	call "$1" "$2" POST "/api/v1/peers/$3/agreement" "$4"
	want_code "$5"
	[ $# -lt 6 ] || expect_in "$OUT" "$6"
}
post c "$TCA" $D '{"set": {"P2.acknowledge": "2h"}}' 403
post c "$TC" $D '{}' 400
post c "$TC" $D '{"set": {"P2.acknowledge": 2}}' 422 "'set.P2.acknowledge' must be a string"
post c "$TC" $D '{"set": {"P9.acknowledge": "2h"}}' 422 "unknown priority 'P9'"
post c "$TC" cert-nobody.example '{"set": {"P2.acknowledge": "2h"}}' 404
post c "$TC" $D '{"set": {"P2.acknowledge": "2h"}, "note": "shorter for P2"}' 201
expect_json "$OUT" '[d["sent"]["type"], d["sent"]["version"], d["pending"]["ours"], d["sent"]["changes"]]' \
	'["propose", 1, [1], ["P2.acknowledge: 4h -> 2h"]]'
pending_at_d() {
	call d "$TD" GET /api/v1/peers/$C/agreement
	[ "$CODE" = 200 ] && [ "$(json_get "$OUT" 'd["pending"]["theirs"]')" = "[1]" ]
}
wait_for 20 "D sees version 1 pending" pending_at_d
post d "$TDV" $C '{"accept": 1}' 403
post d "$TD" $C '{"accept": "1"}' 422
post d "$TD" $C '{"accept": 1}' 201
expect_json "$OUT" '[d["sent"]["type"], d["version"], d["terms"]["P2"]["acknowledge"]]' '["accept", 1, "2h"]'
in_force_at_c() {
	call c "$TC" GET /api/v1/peers/$D/agreement
	[ "$CODE" = 200 ] && [ "$(json_get "$OUT" 'd["version"]')" = 1 ]
}
wait_for 20 "C holds version 1 in force" in_force_at_c
post d "$TD" $C '{"accept": 1}' 404 "no pending proposal of version 1"
post c "$TC" $D '{"set": {"P2.acknowledge": "2h"}}' 409 "nothing to propose"
post c "$TC" $D '{"local": {"default_tlp": "red"}}' 200
expect_json "$OUT" '[d["local"], d["sent"], d["version"]]' '[{"default_tlp": "red"}, null, 1]'
call c "$TC" POST /api/v1/cases "{\"to\":\"$D\",\"kind\":\"request\",\"category\":\"phishing\",\"priority\":\"P2\",\"title\":\"kit\",\"text\":\"kit at example.org\"}"
want_code 201
CID=$(json_get "$OUT" 'd["case"]')
case_at_d() {
	call d "$TD" GET "/api/v1/cases/$CID"
	[ "$CODE" = 200 ]
}
wait_for 20 "D holds the case" case_at_d
expect_json "$OUT" '[d["tlp"], d["agreement"], d["clocks"]["acknowledge"]["budget"]]' \
	'["red", {"disagreement": null, "in_force": 1, "named": 1, "version": 1}, "2h"]'
ok "API: viewers and analysts may not propose or accept; duty proposes and accepts; a live case names the version"

finish
