#!/bin/bash
# The outbox's pipelining (docs/transport.md section 5.1) across a
# receiver crash and across a refusal, with real processes on 127.0.0.1.
#
#   A cert-beijing.example and B cert-washington.example.  A queues many
#   messages to B while B is down, so that A's outbox has several bundles
#   (512 messages each) to send in a row when B comes up.
#
#   1. Crash.  B is killed (SIGKILL) once it holds the first bundle and A
#      has sent a bundle pipelined (parley_deliveries_pipelined_total > 0):
#      the next bundle is on its way or being applied.  B is started again.
#      Checked once A's outbox is empty: B holds exactly the messages A
#      sent, same hashes in the same seq order 1..N, one receipt each (B's
#      log) and A holds a receipt for each (exactly N).
#   2. Refusal.  B is stopped; A queues 200 messages, then its clock runs
#      10 minutes fast and it queues 900 more.  When B is back, B takes the
#      200 and refuses the first message dated in the future, in the middle
#      of a bundle.  The bundle after it, exported while that one was on
#      its way, must never reach B: B's refusal stays at that seq with the
#      clock's reason (a bundle sent past it would have been refused "out
#      of sequence" at a later seq), B holds exactly the messages before it,
#      and A's channel records the same seq.
#
# Both servers exit 0 on SIGTERM with quiet sanitizers; log verify passes.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v curl >/dev/null || fail "curl is required"
command -v sqlite3 >/dev/null || fail "sqlite3 is required"
POST=$PX_SOURCE_DIR/tests/integration/post_cases.py

A=cert-beijing.example
B=cert-washington.example
N1=1300 # part 1: bundles of 512, 512 and 276
N2=200  # part 2: accepted before the refusal
N3=900  # part 2: dated 10 minutes ahead (the first is refused)
trap live_cleanup EXIT

# metric KEY: one sample of A's /metrics.
metric() {
	curl -sk --max-time 10 -H "Authorization: Bearer $TA" "$(url a)/metrics" |
		awk -v k="$1" '$1 == k { print $2 }'
}
q() { sqlite3 "$1/parley.db" "$2"; }
CH="sender = '$A' and receiver = '$B'"
at_b() { q b "select count(*) from messages where $CH"; }
# post N: N new cases to B through A's API (4 clients); ids appended to
# posted.ids.
post() {
	python3 "$POST" "$PA" "$TA" $B "$1" 4 batch.ids 2>post.err ||
		fail "the API did not take all $1 cases: $(head -c 2000 post.err)"
	cat batch.ids >>posted.ids
}
# retry: A's outbox tries B at once (its backoff cut short).
retry() {
	call a "$TD" POST "/api/v1/channels/$B/retry"
	want_code 202
}
delivered_all() {
	[ "$(metric "parley_outbox_depth{peer=\"$B\"}")" = 0 ] && [ "$(at_b)" -ge "$1" ]
}

read -r PA PB < <(free_ports 2 | tr '\n' ' ')
live_node a $A Asia/Shanghai "$PA"
live_node b $B America/New_York "$PB"
for d in a b; do expect_rc 0 px card --dir $d -o $d.card; done
enrol a b
expect_rc 0 px token create --dir a --role analyst --name alice
TA=$(cat "$OUT")
expect_rc 0 px token create --dir a --role duty --name ops
TD=$(cat "$OUT")
: >posted.ids
PARLEY_CLOCK_STEP_FILE=$TMP/a.step serve a

# --- 1. a receiver crash in the middle of the pipeline ------------------------
post $N1
expect_eq "A's queue to B while B is down" $N1 "$(q a "select count(*) from messages where $CH")"
serve b
retry
mid_pipeline() {
	[ "$(at_b)" -ge 512 ] && [ "$(metric parley_deliveries_pipelined_total)" -ge 1 ]
}
wait_for 120 "B holds a bundle and A has pipelined the next" mid_pipeline
BPID=$(cat "$TMP/pids/b")
kill -KILL "$BPID"
{ wait "$BPID"; } 2>/dev/null
rm -f "$TMP/pids/b"
AFTER_KILL=$(at_b)
expect_eq "B's database after SIGKILL: integrity_check" ok "$(q b 'pragma integrity_check')"
ok "B killed holding $AFTER_KILL of $N1 with A's pipeline running"
serve b
retry
wait_for 120 "A's outbox to B is empty and B holds $N1" delivered_all $N1

expect_eq "B's count on the channel" $N1 "$(q b "select count(*) from messages where $CH")"
for d in a b; do
	expect_eq "$d: distinct seqs, min, max" "$N1|1|$N1" \
		"$(q $d "select count(distinct seq), min(seq), max(seq) from messages where $CH")"
done
q a "select seq || ' ' || hash from messages where $CH order by seq" >a.hashes
q b "select seq || ' ' || hash from messages where $CH order by seq" >b.hashes
cmp -s a.hashes b.hashes || fail "the messages at B differ from those A sent: $(diff a.hashes b.hashes | head)"
# Applied in seq order at B, and B's receipts imported in seq order at A
# (rowids are the order of insertion).
seq 1 $N1 >want.order
q b "select seq from messages where $CH order by rowid" >b.order
cmp -s b.order want.order || fail "B did not store A's messages in seq order: $(diff want.order b.order | head)"
q a "select m.seq from receipts r join messages m on m.hash = r.msg_hash
	where r.issuer = '$B' order by r.rowid" >a.order
cmp -s a.order want.order || fail "A did not import B's receipts in seq order: $(diff want.order a.order | head)"
expect_eq "receipts B issued (log entries)" $N1 "$(q b "select count(*) from log_entries where kind = 'receipt' and peer = '$A'")"
expect_eq "receipts A holds from B" $N1 "$(q a "select count(*) from receipts where issuer = '$B'")"
expect_eq "A's messages without B's receipt" 0 \
	"$(q a "select count(*) from messages m where $CH and not exists (select 1 from receipts r where r.msg_hash = m.hash)")"
# Every failed attempt is a line in A's log: around the crash B was
# unreachable (the transport's error), but it never refused a bundle (a pipelined bundle that left
# out or repeated a message would have been refused out of sequence, and
# then sent again whole after a backoff).
if grep -E 'delivery to .* failed' a.log | grep -qv '/peer/v1/bundles failed: '; then
	fail "A's deliveries failed for another cause than B's crash: $(grep -E 'delivery to .* failed' a.log | grep -v '/peer/v1/bundles failed: ' | head -5)"
fi
PIPED=$(metric parley_deliveries_pipelined_total)
[ "$PIPED" -ge 1 ] || fail "A never pipelined a bundle"
expect_rc 0 px channel show --dir a --json $B
expect_json "$OUT" 'd[0]["blocked"]' false
ok "exactly once across the crash: $N1 in seq order at B, one receipt each ($PIPED bundle(s) pipelined)"

# --- 2. a refusal in the middle of a bundle stops the pipeline there ----------
stop_node b
post $N2
echo 600000 >a.step
post $N3
echo 0 >a.step
S=$((N1 + N2 + 1))
serve b
retry
refused_at() {
	px channel show --dir "$1" --json "$2" >"$TMP/ch.json" 2>/dev/null &&
		[ "$(json_get "$TMP/ch.json" "d[0][\"$3\"] and d[0][\"$3\"][\"state\"]")" = refused ]
}
wait_for 60 "B records that it refuses A's message" refused_at b $A in
wait_for 60 "A records B's refusal" refused_at a $B out
# The outbox retries (1 s, then 2 s ...): give it a few attempts, each of
# which must stop at the refusal again.
sleep 4
expect_rc 0 px channel show --dir b --json $A
expect_json "$OUT" 'd[0]["in"]["seq"]' $S
expect_json "$OUT" '"the sender'"'"'s clock is wrong" in d[0]["in"]["reason"]' true
expect_json "$OUT" 'd[0]["received"]' $((S - 1))
expect_eq "B's count on the channel" $((S - 1)) "$(at_b)"
expect_eq "B's highest seq from A" $((S - 1)) "$(q b "select max(seq) from messages where $CH")"
expect_rc 0 px channel show --dir a --json $B
expect_json "$OUT" 'd[0]["out"]["seq"]' $S
expect_json "$OUT" 'd[0]["delivered"]' $((S - 1))
expect_json "$OUT" 'd[0]["undelivered"]' $((N1 + N2 + N3 - S + 1))
ok "refused at seq $S mid-bundle: B holds 1..$((S - 1)), nothing past the refusal reached it"

for d in a b; do
	expect_rc 0 px log verify --dir $d
	expect_in "$OUT" "OK"
done
stop_node a
stop_node b
finish
