#!/bin/bash
# Assignment and watchers (issue 17, item 2): a case is given to one of
# our people (a [contact] of parley.conf) and watched by others; a local
# record, never sent.  The CLI and the API set and clear it, the inbox
# filters "mine" and "unassigned", the case's header names the assignee,
# and the peer's store and view hold nothing of it.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
trap live_cleanup EXIT
mkdir -p "$TMP/pids"

A=cert-cn.example
B=cert-us.example
read -r PA PB < <(free_ports 2 | tr '\n' ' ')
live_node a $A Asia/Shanghai $PA "zh, en"
live_node b $B America/New_York $PB
add_people b us.example alice bob
for d in a b; do expect_rc 0 px card --dir $d -o $d.card; done
enrol a b

expect_rc 0 px case new --dir a --to $B --kind request --category botnet \
	--title "C2 at 203.0.113.7" --text "Please investigate" --lang en
ID1=$(cat "$OUT")
expect_rc 0 px case new --dir a --to $B --kind report --category phishing \
	--title "Phishing kit" --text "FYI" --lang en
ID2=$(cat "$OUT")
hop a b $B $A to-b.bundle

# --- the command line --------------------------------------------------------
expect_rc 0 px case assign --dir b "$ID1" alice
expect_in "$OUT" "assigned to alice"
expect_in "$OUT" "never sent to the peer"
expect_rc 0 px case watch --dir b "$ID1" bob --json
expect_json "$OUT" '[d["assignee"], d["watchers"]]' '["alice", ["bob"]]'
expect_rc 0 px case show --dir b "$ID1"
expect_in "$OUT" "assigned to alice; watched by bob"
expect_rc 0 px case show --dir b "$ID2"
expect_in "$OUT" "assigned to nobody (unassigned)"
px case show --dir b "$ID1" --json >b1.json
expect_json b1.json '[d["desk"]["assignee"], d["desk"]["watchers"]]' '["alice", ["bob"]]'
expect_rc 0 px case list --dir b --assignee alice --json
expect_json "$OUT" '[[c["id"], c["assignee"]] for c in d]' "[[\"$ID1\", \"alice\"]]"
expect_rc 0 px case list --dir b --unassigned --json
expect_json "$OUT" '[c["id"] for c in d]' "[\"$ID2\"]"
expect_rc 0 px case list --dir b --assignee bob --json
expect_json "$OUT" 'd' '[]'
# Mistakes: a person we do not have, no person, both, a case we do not have.
expect_rc 4 px case assign --dir b "$ID1" mallory
expect_in "$ERR" "'mallory' is not one of this node's people"
expect_in "$ERR" "known: duty, alice, bob"
expect_rc 2 px case assign --dir b "$ID1"
expect_rc 2 px case assign --dir b "$ID1" bob --none
expect_rc 4 px case assign --dir b 0123456789ab bob
expect_rc 2 px case list --dir b --assignee alice --unassigned
expect_rc 4 px case list --dir b --assignee mallory
# Reassigning replaces; --none clears; watching twice is once.
expect_rc 0 px case assign --dir b "$ID1" bob --json
expect_json "$OUT" 'd["assignee"]' bob
expect_rc 0 px case watch --dir b "$ID1" bob --json
expect_json "$OUT" 'd["watchers"]' '["bob"]'
expect_rc 0 px case watch --dir b "$ID1" bob --off --json
expect_json "$OUT" 'd["watchers"]' '[]'
expect_rc 0 px case assign --dir b "$ID1" --none --json
expect_json "$OUT" 'd["assignee"]' null
ok "case assign and watch at the command line: set, replaced, cleared, filtered"

# --- the API -----------------------------------------------------------------
expect_rc 0 px token create --dir b --role analyst --name alice
TAL=$(cat "$OUT")
expect_rc 0 px token create --dir b --role analyst --name night-shift
TNS=$(cat "$OUT")
expect_rc 0 px token create --dir b --role viewer
TV=$(cat "$OUT")
serve a
serve b
call b "$TAL" GET /api/v1/me
want_code 200
expect_json "$OUT" 'd["person"]' alice
call b "$TNS" GET /api/v1/me
expect_json "$OUT" 'd["person"]' null
call b "$TAL" POST "/api/v1/cases/$ID2/assign" '{"person":"alice"}'
want_code 200
expect_json "$OUT" 'd["assignee"]' alice
# Watching without a name watches as the token's own person.
call b "$TAL" POST "/api/v1/cases/$ID1/watch" '{}'
want_code 200
expect_json "$OUT" 'd["watchers"]' '["alice"]'
call b "$TAL" GET "/api/v1/cases?assignee=me"
want_code 200
expect_json "$OUT" '[[c["id"], c["assignee"]] for c in d]' "[[\"$ID2\", \"alice\"]]"
call b "$TAL" GET "/api/v1/cases?assignee=none"
expect_json "$OUT" '[c["id"] for c in d]' "[\"$ID1\"]"
call b "$TAL" GET "/api/v1/cases"
expect_json "$OUT" 'sorted([c["id"], c["assignee"]] for c in d)' \
	"$(python3 -c "import json; print(json.dumps(sorted([['$ID1', None], ['$ID2', 'alice']])))")"
call b "$TAL" GET "/api/v1/cases/$ID2"
expect_json "$OUT" 'd["desk"]["assignee"]' alice
# Mistakes: a token bound to nobody asking for "mine", a stranger, a
# missing person, a viewer.
# A stranger is the same 404 everywhere, naming our people; a missing
# person the same 422.
call b "$TNS" GET "/api/v1/cases?assignee=me"
want_code 422
expect_in "$OUT" "acts as none of our people"
stranger() {
	want_code 404
	expect_json "$OUT" 'd["type"]' urn:parley:problem:unknown-person
	expect_in "$OUT" "'mallory' is not one of this node's people"
	expect_in "$OUT" "alice, bob)"
}
call b "$TAL" GET "/api/v1/cases?assignee=mallory"
stranger
call b "$TAL" POST "/api/v1/cases/$ID2/assign" '{"person":"mallory"}'
stranger
call b "$TAL" POST "/api/v1/cases/$ID2/watch" '{"person":"mallory"}'
stranger
missing() {
	want_code 422
	expect_json "$OUT" 'd["type"]' urn:parley:problem:invalid
	expect_in "$OUT" "member 'person' is required"
}
call b "$TAL" POST "/api/v1/cases/$ID2/assign" '{}'
missing
call b "$TNS" POST "/api/v1/cases/$ID2/watch" '{}'
missing
# A body member the route does not take, or of the wrong type, is
# refused (not dropped), naming it.
call b "$TAL" POST "/api/v1/cases/$ID2/assign" '{"persn":"bob"}'
want_code 422
expect_in "$OUT" "assign: unknown member 'persn' (expected person)"
call b "$TAL" POST "/api/v1/cases/$ID2/assign" '{"person":7}'
want_code 422
expect_in "$OUT" "assign: member 'person' must be a string or null"
call b "$TV" POST "/api/v1/cases/$ID2/assign" '{"person":"bob"}'
want_code 403
call b "$TAL" POST "/api/v1/cases/$ID2/assign" '{"person":null}'
want_code 200
expect_json "$OUT" 'd["assignee"]' null
call b "$TAL" POST "/api/v1/cases/$ID2/assign" '{"person":"bob"}'
want_code 200
ok "the API assigns, watches as the token's person and filters mine and unassigned"

# --- case write routes refuse members they do not take ------------------------
NCASES=$(sqlite3 b/parley.db 'SELECT count(*) FROM cases')
NMSGS=$(sqlite3 b/parley.db 'SELECT count(*) FROM messages')
call b "$TAL" POST /api/v1/cases "{\"to\":\"$A\",\"kind\":\"report\",\"category\":\"botnet\",\"title\":\"Bot\",\"text\":\"Bot at\",\"lang\":\"en\",\"observabels\":[\"198.51.100.9\"]}"
want_code 422
expect_json "$OUT" '[d["type"], d["detail"].split(" (")[0]]' \
	'["urn:parley:problem:invalid", "a new case: unknown member '"'"'observabels'"'"'"]'
expect_rc 0 px token create --dir b --role duty --name hl
THL=$(cat "$OUT")
call b "$THL" POST /api/v1/hotlines "{\"peer\":\"$A\",\"text\":\"Down\",\"priority\":\"P2\"}"
want_code 422
expect_in "$OUT" "a hotline: unknown member 'priority'"
call b "$TAL" POST "/api/v1/cases/$ID1/ack" '{"txt":"on it"}'
want_code 422
expect_in "$OUT" "ack: unknown member 'txt'"
# A note's lang must be a language tag, internal or not.
call b "$TAL" POST "/api/v1/cases/$ID1/internal-note" '{"text":"x","lang":5}'
want_code 422
expect_in "$OUT" "an internal note: member 'lang' must be a string"
call b "$TAL" POST "/api/v1/cases/$ID1/note" '{"text":"y","lang":5}'
want_code 422
expect_in "$OUT" "note: member 'lang' must be a string"
call b "$TAL" POST "/api/v1/cases/$ID1/note" '{"text":"y","lang":"not a tag"}'
want_code 422
expect_in "$OUT" "is not a language tag"
expect_eq "cases after the refusals" "$NCASES" "$(sqlite3 b/parley.db 'SELECT count(*) FROM cases')"
expect_eq "messages after the refusals" "$NMSGS" "$(sqlite3 b/parley.db 'SELECT count(*) FROM messages')"
# Without lang, a text mostly in Chinese is labelled zh at this English
# node; other text takes the node's first language.
call b "$TAL" POST "/api/v1/cases/$ID1/internal-note" '{"text":"内部：先别告诉对方"}'
want_code 201
call b "$TAL" POST "/api/v1/cases/$ID1/internal-note" '{"text":"Hold until Monday"}'
want_code 201
px case show --dir b "$ID1" --json >n.json
expect_json n.json '[x["text"]["lang"] for x in d["internal_notes"]]' '["zh", "en"]'
ok "case write routes refuse unknown or mistyped members, and a note without lang in Chinese is zh"

# --- never sent ---------------------------------------------------------------
# B answers, so a bundle goes to A after the assignment; A holds nothing
# of who holds the case at B.
call b "$TAL" POST "/api/v1/cases/$ID1/ack" '{}'
want_code 200
wait_for 20 "A has B's acknowledgement" sh -c \
	"'$PARLEY' case show --dir a '$ID1' --json | grep -q '\"acknowledged\"'"
px case show --dir a "$ID1" --json >a1.json
expect_json a1.json '[d["desk"]["assignee"], d["desk"]["watchers"]]' '[null, []]'
expect_eq "desk rows at A" 0 "$(sqlite3 a/parley.db 'SELECT count(*) FROM case_people')"
sqlite3 a/parley.db "SELECT raw FROM messages" >a.msgs
expect_in a.msgs '"type":"ack"'
expect_not_in a.msgs "assignee"
expect_not_in a.msgs "watchers"
ok "the peer's store and view hold nothing of who holds the case"
finish
