#!/bin/bash
# The analyst API for evidence, findings, assessments and requests
# (docs/api.md), on two live nodes:
#
#   - an upload in 1 MiB pieces becomes an item (its SHA-256 that of the
#     file), listed, shown with its custody, offered; B's policy accepts
#     and the serving nodes move it; B's view says received;
#   - a piece of the wrong size is refused (422); a decline needs a reason;
#   - a preservation request lacking a field is refused naming it (422),
#     "check": true shows what a receiver would miss and sends nothing, a
#     report's answer lists it; B asks for more with needs-info citing the
#     missing fields by name, which A's view shows;
#   - a finding with "probably" is refused (422), a clean one is taken; an
#     assessment over the confidence rule is refused (409); the case view
#     carries findings and assessments with their scales in words.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
trap live_cleanup EXIT

command -v curl >/dev/null || fail "curl is required"
A=cert-beijing.example
B=cert-washington.example
read -r PA PB <<<"$(free_ports 2 | tr '\n' ' ')"
live_node a $A Asia/Shanghai "$PA"
live_node b $B America/New_York "$PB"
expect_rc 0 px card --dir a -o a.card
expect_rc 0 px card --dir b -o b.card
enrol a b
expect_rc 0 px token create --dir a --role analyst --name li.wei
TA=$(cat "$OUT")
expect_rc 0 px token create --dir b --role analyst
TB=$(cat "$OUT")
# B decides by hand, so that a chunk can be damaged between the offer and
# the transfer below.
printf '\n[evidence]\nauto_accept = no\n' >>b/parley.conf
serve a
serve b

put_piece() { # TOKEN PATH FILE: PUT FILE's bytes
	CODE=$(curl -sk --max-time 30 -o "$OUT" -w '%{http_code}' -X PUT \
		-H "Authorization: Bearer $1" -H 'Content-Type: application/octet-stream' \
		-H 'Expect:' --data-binary @"$3" "$(url a)$2") || CODE=curl-failed
}

call a "$TA" POST /api/v1/cases '{"to":"'$B'","kind":"report","category":"malware","title":"Dropper sample","text":"Seen at 09:30"}'
want_code 201
ID=$(json_get "$OUT" 'd["case"]')
expect_json "$OUT" '[m["field"] for m in d["completeness"]]' \
	'["times-with-zones", "observables", "log-excerpts", "hashes", "acquisition-tool"]'

# --- an upload in pieces --------------------------------------------------------
python3 -c "
import random
open('sample.bin','wb').write(random.Random(3).randbytes(2*1048576 + 4321))"
SHA=$(sha256sum sample.bin | cut -d' ' -f1)
split -b 1048576 -d -a 2 sample.bin piece.
call a "$TA" POST /api/v1/uploads '{"size": 2101473}'
want_code 201
UP=$(json_get "$OUT" 'd["upload"]')
expect_json "$OUT" 'd["pieces"]' 3
head -c 1000 sample.bin >short.bin
put_piece "$TA" "/api/v1/uploads/$UP/0" short.bin
want_code 422
for i in 0 1 2; do
	put_piece "$TA" "/api/v1/uploads/$UP/$i" "piece.0$i"
	want_code 200
done
call a "$TA" POST "/api/v1/cases/$ID/evidence" '{"upload":"'$UP'","exhibit":"A-1","tool":"curl","tool_version":"8.5","media_type":"application/x-dosexec","why":"sample from the victim"}'
want_code 201
ITEM=$(json_get "$OUT" 'd["item"]')
expect_json "$OUT" 'd["manifest"]["hashes"]["sha256"]' "$SHA"
expect_json "$OUT" 'd["manifest"]["acquisition"]["operator"]' li.wei
[ ! -e "a/evidence/uploads/$UP" ] || fail "the upload file stayed"
call a "$TA" GET /api/v1/evidence
want_code 200
expect_json "$OUT" '[r["exhibit"] for r in d]' '["A-1"]'
call a "$TA" GET "/api/v1/cases/$ID/evidence/A-1"
want_code 200
expect_json "$OUT" 'd["state"]' held
expect_json "$OUT" '[e["event"] for e in d["custody"]["events"]]' '["acquired"]'
ok "an upload in three pieces became exhibit A-1 (sha256 ${SHA:0:16}...); a short piece refused"

call a "$TA" POST "/api/v1/cases/$ID/evidence/A-1/decline" '{}'
want_code 422
call a "$TA" POST "/api/v1/cases/$ID/evidence/A-1/offer" '{"why":"for analysis"}'
want_code 200
b_to_decide() {
	call b "$TB" GET "/api/v1/cases/$ID/evidence"
	[ "$(json_get "$OUT" 'd[0]["state"] if d else ""')" = to-decide ]
}
wait_for 30 "B is asked to decide" b_to_decide
call b "$TB" POST "/api/v1/cases/$ID/evidence/A-1/accept" '{}'
want_code 200
b_received() {
	call b "$TB" GET "/api/v1/cases/$ID/evidence"
	[ "$(json_get "$OUT" 'd[0]["state"] if d else ""')" = received ]
}
wait_for 60 "B received A-1" b_received
call b "$TB" GET "/api/v1/cases/$ID"
want_code 200
expect_json "$OUT" 'd["evidence"][0]["sha256"]' "$SHA"
expect_json "$OUT" 'd["evidence"][0]["local"]' true
ok "offered through the API; B accepted; the nodes moved it; B's case view says received"

# --- a chunk damaged at the sender after the offer ---------------------------
head -c 2500000 /dev/urandom >second.bin
expect_rc 0 px evidence add --dir a "$ID" second.bin --exhibit A-2 --tool dd --tool-version 9.1
expect_rc 0 px evidence offer --dir a A-2
C1=$(python3 -c "
import hashlib
print(hashlib.sha256(open('second.bin','rb').read()[1048576:2097152]).hexdigest())")
printf 'X' | dd of="a/evidence/chunks/${C1:0:2}/$C1" bs=1 seek=777 conv=notrunc 2>/dev/null
b_decides2() {
	call b "$TB" GET "/api/v1/cases/$ID/evidence/A-2"
	[ "$CODE" = 200 ] && [ "$(json_get "$OUT" 'd["state"]')" = to-decide ]
}
wait_for 30 "B is asked about A-2" b_decides2
call b "$TB" POST "/api/v1/cases/$ID/evidence/A-2/accept" '{}'
want_code 200
b_rejected() {
	call b "$TB" GET "/api/v1/cases/$ID/evidence/A-2"
	[ "$(json_get "$OUT" 'd["state"]')" = rejected ]
}
wait_for 60 "B rejects A-2" b_rejected
expect_in "$OUT" "chunk 1 of item A-2: its bytes hash to"
expect_json "$OUT" 'd["local"]' false
ROOT2=$(json_get "$OUT" 'd["root"]')
[ ! -e "b/evidence/items/$ROOT2" ] || fail "B stored the damaged item"
a_sees() {
	call a "$TA" GET "/api/v1/cases/$ID/evidence/A-2"
	[ "$(json_get "$OUT" 'd["status"]')" = rejected ]
}
wait_for 30 "A sees the rejection" a_sees
expect_in "$OUT" "chunk 1 of item A-2"
a_logged() { grep -q "our own copy is damaged" a.log; }
wait_for 20 "A's log says its own copy was damaged" a_logged
ok "a byte flipped in A's chunk 1 after the offer: B refused it by name, the round is rejected, nothing stored"

# --- requests and completeness ------------------------------------------------------
PRES='"preservation":{"authority":"MPS","offence":"Art. 285","facts":"Mail server breached","data":"Logs of 203.0.113.7","relation":"relay","custodian":"Example Hosting"}'
call a "$TA" POST /api/v1/cases '{"to":"'$B'","kind":"request","category":"intrusion","title":"Preserve","text":"Please preserve","request_type":"preservation",'"$PRES"'}'
want_code 422
expect_in "$OUT" "preservation.necessity"
expect_in "$OUT" "preservation.mla_intent"
call a "$TA" POST /api/v1/cases '{"check":true,"to":"'$B'","kind":"request","category":"intrusion","title":"Logs","text":"At 2026-11-20T09:30Z","request_type":"evidence","wanted":["server-logs"]}'
want_code 200
expect_json "$OUT" '[m["field"] for m in d["completeness"]]' '["observables", "log-excerpts", "hashes", "acquisition-tool"]'
call a "$TA" POST /api/v1/cases '{"to":"'$B'","kind":"request","category":"intrusion","title":"Preserve","text":"Please preserve","request_type":"preservation",'"${PRES%\}}"',"necessity":"Logs rotate in 7 days","mla_intent":"An MLA request follows within 60 days"}}'
want_code 201
RQ=$(json_get "$OUT" 'd["case"]')
b_has() { call b "$TB" GET "/api/v1/cases/$RQ"; [ "$CODE" = 200 ]; }
wait_for 30 "B has the request" b_has
expect_json "$OUT" 'd["messages"][0]["body"]["preservation"]["necessity"]' "Logs rotate in 7 days"
call b "$TB" POST "/api/v1/cases/$RQ/triage" '{"decision":"needs-info","reason":"insufficient-information","missing":["log-excerpts","nonsense"]}'
want_code 422
call b "$TB" POST "/api/v1/cases/$RQ/triage" '{"decision":"needs-info","reason":"insufficient-information","missing":["log-excerpts","times-with-zones"],"text":"Which accounts?"}'
want_code 200
a_needs_info() { call a "$TA" GET "/api/v1/cases/$RQ"; [ "$(json_get "$OUT" 'd["state"]')" = needs-info ]; }
wait_for 30 "A sees needs-info" a_needs_info
expect_json "$OUT" 'd["messages"][-1]["body"]["missing"]' '["log-excerpts", "times-with-zones"]'
ok "preservation fields named when missing; check sends nothing; needs-info cites fields by name"

# --- findings and assessments ----------------------------------------------------------
call a "$TA" POST "/api/v1/cases/$ID/findings" '{"statement":"The sample probably beacons to 203.0.113.7.","method":"sandbox"}'
want_code 422
expect_in "$OUT" "'probably'"
call a "$TA" POST "/api/v1/cases/$ID/findings" '{"statement":{"lang":"en","value":"The sample connects to 203.0.113.7:443 within 5 s of start.","translation":{"lang":"zh","value":"样本启动5秒内连接203.0.113.7:443。","by":"human"}},"method":"sandbox run","tool":"cape","tool_version":"2.4","steps":"run A-1 in CAPE, 60 s","evidence":["A-1"]}'
want_code 201
F1=$(json_get "$OUT" 'd["message"]')
call a "$TA" POST "/api/v1/cases/$ID/assessments" '{"kind":"technical","claim":"Operated by the actor","supporting":["'${F1:0:12}'"],"likelihood":"likely","confidence":"high","source_reliability":"E","information_credibility":"2","would_change":"Another operator of the address"}'
want_code 409
expect_in "$OUT" "exceeds what its weakest supporting finding"
call a "$TA" POST "/api/v1/cases/$ID/assessments" '{"kind":"technical","claim":"Operated by the actor","supporting":["'${F1:0:12}'"],"likelihood":"likely","confidence":"high","source_reliability":"B","information_credibility":"2","would_change":"Another operator of the address","alternatives":["A shared sinkhole"]}'
want_code 201
call a "$TA" GET "/api/v1/cases/$ID"
want_code 200
expect_json "$OUT" 'd["findings"][0]["ceiling"]' high
expect_json "$OUT" 'd["assessments"][0]["words"]["confidence"]' "high confidence"
expect_json "$OUT" 'd["assessments"][0]["words"]["source_reliability"]' "usually reliable"
ok "findings: estimative words refused, a clean one taken; assessment over the rule refused, then taken"
finish
