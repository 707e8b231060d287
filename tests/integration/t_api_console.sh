#!/bin/bash
# The analyst API the web console is built on, between two live nodes on
# 127.0.0.1: /api/v1/me (preferences kept across a restart), the case
# view's our_role / actions / parties / log_index, the case list's ETag,
# the review report over HTTP, and the record of one message (its log
# entry, inclusion proof, witnesses and the peer's entry).
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v curl >/dev/null || fail "curl is required"
trap live_cleanup EXIT
mkdir -p "$TMP/pids"

live_pair analyst
expect_rc 0 px token create --dir a --role viewer --name val
TV=$(cat "$OUT")
serve a
serve b

stop_serve() {
	local pid
	pid=$(cat "$TMP/pids/$1")
	kill -TERM "$pid"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && fail "serve $1 did not stop"
	rm -f "$TMP/pids/$1"
}

# --- 1. /api/v1/me ---------------------------------------------------------
call a "$TV" GET /api/v1/me
want_code 200
expect_json "$OUT" 'd' "{\"lang\": null, \"languages\": [\"zh\", \"en\"], \"node\": \"$A\", \"person\": null, \"role\": \"viewer\", \"session\": false, \"timezone\": \"Asia/Shanghai\", \"token\": \"val\"}"
call a "$TV" PUT /api/v1/me '{"lang":"fr"}'
want_code 422
expect_in "$OUT" 'expected en or zh'
call a "$TV" PUT /api/v1/me '{"lang":"zh"}'
want_code 200
expect_json "$OUT" 'd["lang"]' zh
expect_json "$OUT" 'd["token"]' val
# A viewer may set its own preference, but not open a case.
call a "$TV" POST /api/v1/cases "{\"to\":\"$B\",\"kind\":\"request\",\"category\":\"phishing\",\"priority\":\"P3\",\"tlp\":\"AMBER\",\"title\":\"x\",\"text\":\"x\",\"request_type\":\"takedown\"}"
want_code 403
call a "$TA" GET /api/v1/me
want_code 200
expect_json "$OUT" '[d["token"], d["role"], d["lang"]]' '["alice", "analyst", null]'
stop_serve a
serve a
call a "$TV" GET /api/v1/me
want_code 200
expect_json "$OUT" 'd["lang"]' zh
ok "me: GET, PUT (viewer may), 422 on a bad lang, kept across a restart of serve"

# --- 2. The case view: our_role, actions, parties, log_index -------------
# cview DIR TOKEN ID: the case as DIR's API serves it, in $OUT.
cview() {
	call "$1" "$2" GET "/api/v1/cases/$3"
	want_code 200
}
state_is() {
	call "$1" "$2" GET "/api/v1/cases/$3"
	[ "$CODE" = 200 ] && [ "$(json_get "$OUT" 'd["state"]')" = "$4" ]
}
call a "$TA" POST /api/v1/cases "{\"to\":\"$B\",\"kind\":\"request\",\"category\":\"botnet\",\"priority\":\"P2\",\"tlp\":\"amber\",\"title\":\"C2 at 203.0.113.7\",\"text\":\"Please look\",\"request_type\":\"information\"}"
want_code 201
ID=$(json_get "$OUT" 'd["case"]') || exit 1
wait_for 30 "B holds $ID" state_is b "$TB" "$ID" delivered
cview b "$TB" "$ID"
expect_json "$OUT" 'd["our_role"]' responder
expect_json "$OUT" '"ack" in d["actions"], "rate" in d["actions"], "close" in d["actions"]' '[true, false, false]'
expect_json "$OUT" 'd["parties"]' "{\"requester\": {\"node\": \"$A\", \"timezone\": \"Asia/Shanghai\"}, \"responder\": {\"node\": \"$B\", \"timezone\": \"America/New_York\"}}"
expect_json "$OUT" '[type(m["log_index"]).__name__ for m in d["messages"]]' '["int"]'
# The clocks count in B's calendar (its default: Mon-Fri 09:00-17:00).
expect_json "$OUT" 'd["calendar"]' '{"holidays": [], "hours": "09:00-17:00", "timezone": "America/New_York", "workdays": [1, 2, 3, 4, 5]}'
cp "$OUT" b.case1.json
wait_for 30 "A sees $ID delivered" state_is a "$TA" "$ID" delivered
cview a "$TA" "$ID"
expect_json "$OUT" 'd["our_role"]' requester
expect_json "$OUT" '"ack" in d["actions"], "withdraw" in d["actions"], "note" in d["actions"]' '[false, true, true]'
expect_json "$OUT" 'd["parties"]["responder"]["timezone"]' America/New_York
expect_json "$OUT" 'd["calendar"]["timezone"], d["calendar"]["workdays"]' '["America/New_York", [1, 2, 3, 4, 5]]'
ok "case view: B is responder and may ack (not rate or close); A is requester and may withdraw; both time zones"

call b "$TB" POST "/api/v1/cases/$ID/ack" '{"text":"Received"}'
want_code 200
call b "$TB" POST "/api/v1/cases/$ID/result" '{"outcome":"resolved","text":"Taken down"}'
want_code 200
wait_for 30 "A sees $ID resolved" state_is a "$TA" "$ID" resolved
cview a "$TA" "$ID"
expect_json "$OUT" '"close" in d["actions"], "rate" in d["actions"]' '[true, true]'
call a "$TA" POST "/api/v1/cases/$ID/close" '{"text":"Thanks"}'
want_code 200
wait_for 30 "B sees $ID closed" state_is b "$TB" "$ID" closed
for d in a b; do
	tok=$TA
	[ $d = b ] && tok=$TB
	cview $d "$tok" "$ID"
	expect_json "$OUT" '[x for x in d["actions"] if x in ("ack", "triage", "close", "result")]' '[]'
	expect_json "$OUT" 'all(isinstance(m["log_index"], int) for m in d["messages"])' true
	cp "$OUT" $d.case.json
done
ok "after close neither side may ack, triage, result or close; every message has a log_index"

# --- 3. The case list: updated, ETag, 304 ---------------------------------
# list_call DIR TOKEN QUERY [ETAG]: GET /api/v1/cases?QUERY, with
# If-None-Match when ETAG is given; status in $CODE, the tag in $TAG.
list_call() {
	local args=(-sk --max-time 30 -o "$OUT" -D "$TMP/.hdr" -w '%{http_code}'
		-H "Authorization: Bearer $2")
	[ $# -ge 4 ] && args+=(-H "If-None-Match: $4")
	CODE=$(curl "${args[@]}" "$(url "$1")/api/v1/cases?$3") || CODE="curl-failed-$?"
	TAG=$(tr -d '\r' <"$TMP/.hdr" | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
}
list_call a "$TA" "peer=$B"
want_code 200
T1=$TAG
[ -n "$T1" ] || fail "GET /api/v1/cases has no ETag"
expect_json "$OUT" '[c["updated"][:2] for c in d]' '["20"]'
expect_json "$OUT" '[c["id"] for c in d]' "[\"$ID\"]"
list_call a "$TA" "peer=$B" "$T1"
want_code 304
expect_eq "the tag of an unchanged list" "$T1" "$TAG"
list_call a "$TA" "peer=$B&open=0" "$T1"
want_code 200
[ "$TAG" != "$T1" ] || fail "another query string has the same ETag $T1"
# B sends a note: the case changes at A, and so does the tag.
call b "$TB" POST "/api/v1/cases/$ID/note" '{"text":"For the record"}'
want_code 200
changed() {
	list_call a "$TA" "peer=$B" "$T1"
	[ "$CODE" = 200 ]
}
wait_for 30 "A's list changes after B's note" changed
[ "$TAG" != "$T1" ] || fail "the list changed but kept its ETag"
T2=$TAG
list_call a "$TA" "peer=$B" "$T2"
want_code 304
ok "case list: updated per row; ETag, 304 on a repeat, another tag for another query and after a message arrives"

# --- 4. The review report over HTTP --------------------------------------
# rep_call DIR TOKEN QUERY: GET /api/v1/reports?QUERY; headers in $TMP/.hdr.
rep_call() {
	CODE=$(curl -sk --max-time 60 -o "$OUT" -D "$TMP/.hdr" -w '%{http_code}' \
		-H "Authorization: Bearer $2" "$(url "$1")/api/v1/reports?$3") || CODE="curl-failed-$?"
}
header() { tr -d '\r' <"$TMP/.hdr" | sed -n "s/^$1: //Ip"; }
P="peer=$B&from=2020-01-01&to=2099-01-01"
rep_call a "$TV" "$P"
want_code 200
expect_eq "Content-Type of json" application/json "$(header Content-Type)"
expect_json "$OUT" 'len(d["cases"])' 1
expect_json "$OUT" '[c["id"] for c in d["cases"]]' "[\"$ID\"]"
expect_json "$OUT" 'd["report"]["peer"]' $B
[ -z "$(header Content-Disposition)" ] || fail "Content-Disposition without download=1"
# The same figures as parley report over the same period.
expect_rc 0 px report --dir a --peer $B --from 2020-01-01 --to 2099-01-01 -o cli.json
expect_json cli.json 'len(d["cases"])' 1
rep_call a "$TV" "$P&format=html&lang=zh"
want_code 200
expect_eq "Content-Type of html" "text/html; charset=utf-8" "$(header Content-Type)"
expect_in "$OUT" "<svg"
expect_in "$OUT" 'lang="zh-Hans"'
rep_call a "$TV" "$P&format=csv&download=1"
want_code 200
expect_eq "Content-Type of csv" "text/csv; charset=utf-8" "$(header Content-Type)"
expect_eq "Content-Disposition" "attachment; filename=\"parley-report-$B-2020-01-01-2099-01-01.csv\"" "$(header Content-Disposition)"
cp "$OUT" api.csv
expect_rc 0 px report --dir a --peer $B --from 2020-01-01 --to 2099-01-01 -o cli.csv
expect_eq "the CSV header" "$(head -1 cli.csv)" "$(head -1 api.csv)"
expect_eq "the CSV header" "Section,Direction,Metric,Value" "$(head -1 api.csv | tr -d '\r')"
rep_call a "$TV" "peer=$B&from=2026-13-01&to=2099-01-01"
want_code 422
expect_in "$OUT" "from '2026-13-01'"
rep_call a "$TV" "peer=$B&from=2026-05-01&to=2026-04-01"
want_code 422
expect_in "$OUT" "from (2026-05-01) must not be after to (2026-04-01)"
rep_call a "$TV" "$P&format=pdf"
want_code 422
expect_in "$OUT" "unknown format 'pdf'"
rep_call a "$TV" "peer=cert-nobody.example"
want_code 404
# Defaults: to today, from six months before.
rep_call a "$TV" "peer=$B&download=1"
want_code 200
header Content-Disposition | grep -Eq "parley-report-$B-[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{4}-[0-9]{2}-[0-9]{2}\.json" ||
	fail "default period file name: $(header Content-Disposition)"
ok "reports: json (case count as parley report), html with SVG, csv with its header, download=1 names the file; bad date, reversed period, bad format 422; unknown peer 404"

# --- 5. The record of a message --------------------------------------------
# Each message's log_index in the case view is the entry parley log record
# names, on both sides.
for d in a b; do
	n=$(json_get $d.case.json 'len(d["messages"])')
	[ "$n" -ge 4 ] || fail "$d.case.json holds $n messages"
	for ((i = 0; i < n; i++)); do
		h=$(json_get $d.case.json "d[\"messages\"][$i][\"hash\"]")
		want=$(json_get $d.case.json "d[\"messages\"][$i][\"log_index\"]")
		expect_rc 0 px log record --dir $d --json "$h"
		expect_json "$OUT" 'd["entry"]["index"]' "$want"
	done
done
ok "log_index of every message equals the entry parley log record names, on both nodes"

REQ=$(json_get a.case.json 'd["messages"][0]["hash"]')
call a "$TV" GET "/api/v1/record/$REQ"
want_code 200
cp "$OUT" rec.json
expect_json rec.json '[d["hash"], d["case"], d["from"], d["to"], d["type"], d["seq"], d["ours"]]' "[\"$REQ\", \"$ID\", \"$A\", \"$B\", \"request\", 1, true]"
expect_json rec.json 'd["entry"]["index"]' "$(json_get a.case.json 'd["messages"][0]["log_index"]')"
expect_json rec.json '[d["entry"]["what"], len(d["entry"]["leaf_hash"])]' '["message", 64]'
expect_json rec.json 'd["proof"]["verified"]' true
expect_json rec.json 'd["proof"]["size"] == d["checkpoint"]["size"] > d["entry"]["index"]' true
expect_json rec.json 'd["checkpoint"]["note"].startswith(d["checkpoint"]["note"].split("\n")[0]) and d["checkpoint"]["time"][:2]' 20
# B cosigned a checkpoint of A's covering the request when the request
# reached it, and A holds B's receipt with the proof from B's log.
expect_json rec.json '[w["peer"] for w in d["witnesses"]]' "[\"$B\"]"
expect_json rec.json 'd["witnesses"][0]["size"] > d["entry"]["index"]' true
expect_json rec.json '[d["peer_entry"]["peer"], d["peer_entry"]["verified"]]' "[\"$B\", true]"
# The same at B, where the request is theirs: the entry is B's receipt.
call b "$TB" GET "/api/v1/record/${REQ:0:12}"
want_code 200
expect_json "$OUT" '[d["hash"], d["ours"], d["entry"]["what"], d["proof"]["verified"]]' "[\"$REQ\", false, \"receipt\", true]"
expect_json "$OUT" '[d["peer_entry"]["peer"], d["peer_entry"]["verified"]]' "[\"$A\", true]"
expect_rc 0 px log record --dir a "$REQ"
expect_in "$OUT" "entry $(json_get rec.json 'd["entry"]["index"]') in our log (message); proof to checkpoint"
expect_in "$OUT" "verified; witnessed by $B at 20"
expect_in "$OUT" "the peer's log holds it at $(json_get rec.json 'd["peer_entry"]["index"]') (verified)"
call a "$TV" GET "/api/v1/record/$(printf '0%.0s' $(seq 64))"
want_code 404
call a "$TV" GET /api/v1/record/nothex
want_code 422
call a "$TV" GET /api/v1/record/abc123
want_code 422
ok "record: entry, verified proof, B's witness and B's verified receipt entry; prefix; 404 and 422"
finish
