#!/bin/bash
# A channel that never jams, and a block that is never silent (issue 12,
# items 1 and 2), between two live nodes on 127.0.0.1.
#
#   1. B acknowledges case 1; B's clock is then stepped a minute back (an
#      NTP correction, a restored VM) while its CLI, its API writer and its
#      scheduler (paging for a hotline) all sign messages to A.  A accepts
#      every one of them: B dates each no earlier than its previous one.
#      Before the fix A refused the first and, with it, everything after.
#   2. B's clock then runs 10 minutes fast: A refuses B's next message (a
#      real refusal, for its date).  Both sides see the block, at which seq
#      and why: channel show, peer show, the API, /metrics, and a notice
#      to each node's duty officer.  Recovery is a command: once the
#      clocks agree again, `parley channel retry` delivers, and both sides
#      show the channel flowing.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v curl >/dev/null || fail "curl is required"
trap live_cleanup EXIT
mkdir -p "$TMP/pids"

A=cert-a.example
B=cert-b.example
read -r PA PB < <(free_ports 2 | tr '\n' ' ')
echo 0 >a.step
echo 0 >b.step

live_node a $A Asia/Shanghai $PA
live_node b $B Europe/Brussels $PB
for d in a b; do expect_rc 0 px card --dir $d -o $d.card; done
enrol a b
expect_rc 0 px token create --dir a --name ops --role duty
TA=$(cat "$OUT")
expect_rc 0 px token create --dir b --name ops --role duty
TB=$(cat "$OUT")

# Each node (its server and its CLI) reads its own clock step.
pa() { PARLEY_CLOCK_STEP_FILE=$TMP/a.step px "$@" --dir a; }
pb() { PARLEY_CLOCK_STEP_FILE=$TMP/b.step px "$@" --dir b; }
PARLEY_CLOCK_STEP_FILE=$TMP/a.step serve a
PARLEY_CLOCK_STEP_FILE=$TMP/b.step serve b

# delivered_to DIR PEER N: DIR's channel to PEER has N messages delivered
# and nothing waiting.
delivered_to() {
	px channel show --dir "$1" --json "$2" >"$TMP/ch.json" 2>/dev/null &&
		[ "$(json_get "$TMP/ch.json" 'd[0]["delivered"]')" = "$3" ] &&
		[ "$(json_get "$TMP/ch.json" 'd[0]["undelivered"]')" = 0 ]
}

expect_rc 0 pa case new --to $B --kind request --category botnet \
	--title "C2 one" --text "Please look"
C1=$(cat "$OUT")
expect_rc 0 pa case new --to $B --kind request --category phishing \
	--title "Site two" --text "Please take down"
C2=$(cat "$OUT")
wait_for 20 "A's two requests reach B" delivered_to a $B 2

# 1. B acknowledges case 1 with its clock right, then the clock steps a
#    minute back and three writers sign at once.
expect_rc 0 pb case ack "$C1" --text "Looking"
echo -60000 >b.step
call b "$TB" POST "/api/v1/cases/$C2/ack" '{"text":"On it","lang":"en"}'
want_code 200
expect_rc 0 pa hotline raise --peer $B --text "Bank outage now"
HL=$(json_get <(pa case list --json) '[c["id"] for c in d if c["kind"]=="hotline"][0]')
expect_rc 0 pb case note "$C1" --text "More soon"
# B's scheduler pages its duty officer for the hotline (a signed escalate
# dated by the stepped clock).
paged() {
	pa hotline status --json >"$TMP/hl.json" 2>/dev/null &&
		[ "$(json_get "$TMP/hl.json" 'len(d[0]["pages"])')" -ge 1 ]
}
wait_for 30 "B's page for the hotline reaches A" paged
# B also signs a delivery report for its page (it has no mail relay), so
# it has sent at least four messages; all must reach A.
all_out() {
	px channel show --dir b --json $A >"$TMP/ch.json" 2>/dev/null &&
		[ "$(json_get "$TMP/ch.json" 'd[0]["delivered"] >= 4 and d[0]["undelivered"] == 0')" = true ]
}
wait_for 30 "all of B's messages reach A" all_out
N=$(json_get "$TMP/ch.json" 'd[0]["delivered"]')
expect_rc 0 px channel show --dir a --json $B
expect_json "$OUT" 'd[0]["in"]' null
expect_json "$OUT" 'd[0]["received"]' "$N"
expect_json "$OUT" 'd[0]["blocked"]' false
expect_rc 0 px channel show --dir b --json $A
expect_json "$OUT" 'd[0]["out"]' null
# B's messages to A, in seq order, never go back in time, and those after
# the step carry the first ack's time.
sqlite3 b/parley.db "SELECT seq, time_ms FROM messages WHERE sender='$B' ORDER BY seq" >times.txt
python3 - times.txt <<'EOF' || fail "B's messages go back in time: $(cat times.txt)"
import sys
rows = [tuple(map(int, l.split("|"))) for l in open(sys.argv[1])]
assert [r[0] for r in rows] == list(range(1, len(rows) + 1)), rows
assert len(rows) >= 4, rows
assert all(b[1] >= a[1] for a, b in zip(rows, rows[1:])), rows
assert rows[1][1] == rows[0][1], rows
EOF
expect_state a "$C1" acknowledged
expect_state a "$C2" acknowledged
ok "a clock stepped back a minute: CLI, API and scheduler all signed, A accepted all $N"

# 2. B's clock runs 10 minutes fast: A refuses B's next message for its
#    date, and both sides say so.
echo 600000 >b.step
expect_rc 0 pb case note "$C2" --text "From the future"
refused_at() {
	px channel show --dir "$1" --json "$2" >"$TMP/ch.json" 2>/dev/null &&
		[ "$(json_get "$TMP/ch.json" "d[0][\"$3\"] and d[0][\"$3\"][\"state\"]")" = refused ]
}
wait_for 30 "A records that it refuses a message of B" refused_at a $B in
wait_for 30 "B records A's refusal of its message" refused_at b $A out
# The seq held up is the first B's A does not hold (B's scheduler may
# have paged again before the note: then the page is the one refused).
expect_rc 0 px channel show --dir a --json $B
S=$(json_get "$OUT" 'd[0]["received"] + 1')
[ "$S" -ge 5 ] || fail "A holds fewer of B's messages than part 1 delivered"
expect_json "$OUT" 'd[0]["in"]["seq"]' "$S"
expect_json "$OUT" 'd[0]["blocked"]' true
expect_json "$OUT" '"the sender'"'"'s clock is wrong" in d[0]["in"]["reason"]' true
expect_json "$OUT" 'd[0]["in"]["notified"]' true
expect_json "$OUT" '"clock" in d[0]["in"]["advice"]' true
expect_rc 0 px channel show --dir b --json $A
expect_json "$OUT" 'd[0]["out"]["seq"]' "$S"
expect_json "$OUT" 'd[0]["delivered"]' $((S - 1))
expect_json "$OUT" 'd[0]["out"]["msg"]' \
	"$(sqlite3 b/parley.db "SELECT hash FROM messages WHERE sender='$B' AND seq=$S")"
expect_json "$OUT" '"the sender'"'"'s clock is wrong" in d[0]["out"]["reason"]' true
expect_json "$OUT" 'd[0]["undelivered"] >= 1' true
expect_json "$OUT" 'd[0]["out"]["notified"]' true
# B saw A's clock in A's answers: about 10 minutes behind its own.
expect_json "$OUT" '-660000 < d[0]["clock_offset_ms"] < -540000' true
# In words, on the peer's page.
expect_rc 0 px channel show --dir b $A
expect_in "$OUT" "BLOCKED at seq $S"
expect_in "$OUT" "What to do:"
expect_rc 0 px peer show --dir a $B
expect_in "$OUT" "BLOCKED at seq $S"
expect_rc 0 px peer show --dir b --json $A
expect_json "$OUT" 'd["channel"]["out"]["seq"]' "$S"
# The API and /metrics, at both ends.
call a "$TA" GET /api/v1/channels
want_code 200
expect_json "$OUT" '[(c["peer"], c["in"]["seq"]) for c in d]' "[[\"$B\", $S]]"
call b "$TB" GET "/api/v1/channels/$B" 
want_code 404
call b "$TB" GET "/api/v1/channels/$A"
want_code 200
expect_json "$OUT" 'd["out"]["state"]' refused
call a "$TA" GET /metrics
want_code 200
expect_in "$OUT" "parley_channel_blocked{peer=\"$B\",direction=\"in\"} 1"
expect_in "$OUT" "parley_channel_blocked_seq{peer=\"$B\",direction=\"in\"} $S"
expect_in "$OUT" "parley_channel_blocked{peer=\"$B\",direction=\"out\"} 0"
call b "$TB" GET /metrics
expect_in "$OUT" "parley_channel_blocked{peer=\"$A\",direction=\"out\"} 1"
# Each node's duty officer is told, once.
for d in a b; do
	expect_rc 0 px notify list --dir $d --json
	expect_json "$OUT" "len([x for x in d if 'blocked at seq $S' in x['subject']])" 1
done
ok "a refusal is seen at both ends: seq $S, why, what to do, metrics, notice"

# 3. Recovery.  The clocks are put right (B 3 minutes fast is within the
#    5 minutes A allows for the future; A's clock 6 minutes on stands in
#    for the time passing until B's message is no longer ahead), then one
#    command delivers.
echo 180000 >b.step
echo 360000 >a.step
expect_rc 0 pb channel retry $A
all_delivered() {
	px channel show --dir b --json $A >"$TMP/ch.json" 2>/dev/null &&
		[ "$(json_get "$TMP/ch.json" 'd[0]["undelivered"]')" = 0 ]
}
wait_for 30 "B's held-up messages are delivered" all_delivered
flowing() {
	px channel show --dir "$1" --json "$2" >"$TMP/ch.json" 2>/dev/null &&
		[ "$(json_get "$TMP/ch.json" 'd[0]["blocked"]')" = false ] &&
		[ "$(json_get "$TMP/ch.json" 'd[0]["in"]')" = null ] &&
		[ "$(json_get "$TMP/ch.json" 'd[0]["out"]')" = null ]
}
wait_for 20 "A shows the channel from B flowing" flowing a $B
wait_for 20 "B shows the channel to A flowing" flowing b $A
call a "$TA" GET /metrics
expect_in "$OUT" "parley_channel_blocked{peer=\"$B\",direction=\"in\"} 0"
expect_rc 0 px case show --dir a --json "$C2"
expect_json "$OUT" '[m["type"] for m in d["messages"]]' '["request", "ack", "note"]'
ok "after the clocks agree, channel retry delivers and both sides flow again"

# A retry to a peer with no URL says what to do instead.
expect_rc 0 px init --dir c --name cert-c.example
expect_rc 0 px card --dir c -o c.card
expect_rc 0 px peer add --dir b c.card
expect_rc 3 px channel retry --dir b cert-c.example
expect_in "$ERR" "no URL"
expect_rc 4 px channel show --dir b nobody.example
expect_in "$ERR" "no peer 'nobody.example'"
finish
