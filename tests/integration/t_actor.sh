#!/bin/bash
# The acting person inside signed messages (issue 17, item 1; docs/
# protocol.md "The acting person"): every action a person takes through
# the API, signed in with a session, names them in our own record, and
# the peer sees what our publish_actor policy lets it: the role only (the
# default), a pseudonym, the contact id, or nothing.  Two live nodes on
# 127.0.0.1: A acts through alice's session, B through its token.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
trap live_cleanup EXIT
mkdir -p "$TMP/pids"

live_pair duty
add_people a beijing.example alice
printf 'correct horse battery\n' >pw
expect_rc 0 px user add --dir a alice --role duty --json <pw
SECRET=$(json_get "$OUT" 'd["totp_secret"]')
# pseudonym: what B sees of alice is a stable id that only A can tell.
sed -i '0,/^name = /s//publish_actor = pseudonym\nname = /' a/parley.conf
serve a
serve b
C=$(totp_code "$SECRET")
call a "" POST /api/v1/session "{\"user\":\"alice\",\"password\":\"correct horse battery\",\"code\":\"$C\"}"
want_code 201
S=$(json_get "$OUT" 'd["token"]')
ok "alice signs in at A; A publishes a pseudonym"

# acts NODE TOKEN METHOD PATH BODY: one action; its message's hash is
# added to $SIGNED (A's) and its kind to $KINDS.
SIGNED=() KINDS=()
acts() {
	call "$1" "$2" "$3" "$4" "$5"
	[ "$CODE" = 200 ] || [ "$CODE" = 201 ] || fail "$3 $4: HTTP $CODE: $(head -c 400 "$OUT")"
	if [ "$1" = a ]; then
		SIGNED+=("$(json_get "$OUT" 'd["message"]')")
		KINDS+=("$(json_get "$OUT" 'd["type"]')")
	fi
}
# at NODE ID TYPE: wait until NODE holds a message of TYPE in case ID.
at() {
	local end=$((SECONDS + 60))
	until [ "$(sqlite3 "$1/parley.db" "SELECT count(*) FROM messages WHERE case_id = '$2' AND type = '$3'")" -gt 0 ]; do
		if [ $SECONDS -ge $end ]; then
			px channel show --dir a >&2; cat "$OUT" >&2
			px channel show --dir b >&2; cat "$OUT" >&2
			tail -n 20 a.log b.log >&2
			fail "$1 does not hold the $3 of $2 after 60 s"
		fi
		sleep 0.5
	done
}
opening() { # KIND TITLE [MORE]
	printf '{"to":"%s","kind":"%s","category":"botnet","priority":"P3","tlp":"amber","title":"%s","text":"Please look at %s"%s}' \
		"$B" "$1" "$2" "$2" "${3:+,$3}"
}

# A's side as requester: open a report and a request, then every action
# a requester takes on them.
acts a "$S" POST /api/v1/cases "$(opening report "Botnet report")"
acts a "$S" POST /api/v1/cases "$(opening request "C2 at 203.0.113.7" '"request_type":"mitigation"')"
R1=$(json_get "$OUT" 'd["case"]')
acts a "$S" POST "/api/v1/cases/$R1/update" '{"text":"More logs attached"}'
acts a "$S" POST "/api/v1/cases/$R1/note" '{"text":"We are around all night"}'
acts a "$S" POST "/api/v1/cases/$R1/escalate" '{"text":"This is urgent"}'
acts a "$S" POST "/api/v1/cases/$R1/findings" '{"statement":"The host serves the panel on port 8443.","method":"passive DNS"}'
at b "$R1" escalate
acts b "$TB" POST "/api/v1/cases/$R1/ack" '{}'
acts b "$TB" POST "/api/v1/cases/$R1/result" '{"outcome":"resolved","text":"Taken down"}'
at a "$R1" result
acts a "$S" POST "/api/v1/cases/$R1/close" '{"text":"Thanks"}'
acts a "$S" POST "/api/v1/cases/$R1/rate" '{"score":5}'
acts a "$S" POST /api/v1/cases "$(opening request "Second C2" '"request_type":"mitigation"')"
R2=$(json_get "$OUT" 'd["case"]')
acts a "$S" POST "/api/v1/cases/$R2/withdraw" '{"text":"Found it ourselves"}'
acts a "$S" POST /api/v1/hotlines "{\"peer\":\"$B\",\"text\":\"DDoS on the payment gateway\",\"lang\":\"en\",\"observables\":[\"ip:198.51.100.23\"]}"
# A's side as responder: B asks, alice answers with every responder
# action.
acts b "$TB" POST /api/v1/cases "$(opening request "Phishing at your ISP" '"request_type":"mitigation"' | sed "s/\"to\":\"$B\"/\"to\":\"$A\"/")"
R3=$(json_get "$OUT" 'd["case"]')
at a "$R3" request
acts a "$S" POST "/api/v1/cases/$R3/ack" '{}'
acts a "$S" POST "/api/v1/cases/$R3/triage" '{"decision":"accepted"}'
acts a "$S" POST "/api/v1/cases/$R3/result" '{"outcome":"resolved","text":"Removed"}'
# Each kind the API signs for a case, at least once.
expect_eq "kinds signed through alice's session" \
	"ack close escalate feedback finding note report request result triage update withdraw" \
	"$(printf '%s\n' "${KINDS[@]}" | sort -u | tr '\n' ' ' | sed 's/ $//')"
for k in "${!SIGNED[@]}"; do
	h=${SIGNED[$k]}
	expect_eq "who acted for ${KINDS[$k]} $h in A's record" "alice|duty" \
		"$(sqlite3 a/parley.db "SELECT person || '|' || role FROM msg_actors WHERE hash = '$h'")"
done
ok "every action through alice's session (${#SIGNED[@]} messages, each kind) names her in A's record"

# A's case view says who acted; B's messages and A's own (the node's
# scheduler) name no one.
call a "$S" GET "/api/v1/cases/$R1"
want_code 200
expect_json "$OUT" '[[m["type"], m["acted_by"]] for m in d["messages"] if m["type"] in ("update", "ack", "result")]' \
	'[["update", {"person": "alice", "role": "duty"}], ["ack", null], ["result", null]]'
ok "A's case view names the person who acted for each of its messages"

# What B holds: the role and a pseudonym in every one of them, never the
# name.
for h in "${SIGNED[@]}"; do
	wait_for 30 "B holds $h" test "$(sqlite3 b/parley.db "SELECT count(*) FROM messages WHERE hash = '$h'")" = 1
done
sqlite3 b/parley.db "SELECT raw FROM messages WHERE sender = '$A'" >b-raw
expect_not_in b-raw '"person"'
# (Only an ack's "by" names her: who answered the page, one of the
# contacts the card publishes, which publish_actor does not govern.)
python3 -c 'import sys, json
for l in open(sys.argv[1]):
    b = json.loads(l)["msg"]["body"]
    b.pop("by", None)
    print(json.dumps(b))' b-raw >b-bodies
expect_not_in b-bodies alice
P=$(python3 -c 'import sys, json
ids = {json.dumps(json.loads(l)["msg"]["body"]["actor"], sort_keys=True) for l in open(sys.argv[1]) if "actor" in json.loads(l)["msg"]["body"]}
print(len(ids), *ids)' b-raw)
echo "$P" >pseudonyms
expect_in pseudonyms '1 {"pseudonym": "p-'
expect_in pseudonyms '"role": "duty"}'
expect_eq "messages at B naming an actor" "${#SIGNED[@]}" \
	"$(python3 -c 'import sys, json; print(sum("actor" in json.loads(l)["msg"]["body"] for l in open(sys.argv[1])))' b-raw)"
ok "B sees the role and one stable pseudonym, never alice's name"

# The other policies, after a reload: the name; the role only; nothing.
policy() {
	sed -i "s/^publish_actor = .*/publish_actor = $1/" a/parley.conf
	kill -HUP "$(cat "$TMP/pids/a")"
	sleep 1
	acts a "$S" POST "/api/v1/cases/$R3/note" "{\"text\":\"policy $1\"}"
	wait_for 30 "B holds the note under policy $1" \
		test "$(sqlite3 b/parley.db "SELECT count(*) FROM messages WHERE hash = '${SIGNED[-1]}'")" = 1
	sqlite3 b/parley.db "SELECT raw FROM messages WHERE hash = '${SIGNED[-1]}'" >"b-$1"
}
policy name
expect_json b-name 'd["msg"]["body"].get("actor")' '{"person": "alice", "role": "duty"}'
policy role
expect_json b-role 'd["msg"]["body"].get("actor")' '{"role": "duty"}'
policy none
expect_json b-none 'd["msg"]["body"].get("actor")' 'null'
expect_eq "A's record under none" "alice" \
	"$(sqlite3 a/parley.db "SELECT person FROM msg_actors WHERE hash = '${SIGNED[-1]}'")"
sed -i "s/^publish_actor = .*/publish_actor = everyone/" a/parley.conf
expect_rc 3 px case list --dir a
expect_in "$ERR" "publish_actor is role, pseudonym, name or none, not 'everyone'"
ok "name, role and none publish what they say; A's record keeps the person; a wrong policy is named"
finish
