#!/bin/bash
# The receiver killed with SIGKILL in the middle of a stream of messages,
# and restarted: every message still arrives exactly once.
#
#   A cert-beijing.example and B cert-washington.example serve on
#   127.0.0.1.  A small Python client posts PX_CRASH_MESSAGES requests to
#   A's API (8 keep-alive TLS connections); A's outbox streams them to B
#   while they are being posted.  When B holds about 30% of them, B gets
#   SIGKILL; it is started again at once and the stream goes on.
#
# Checked once A's outbox is empty: B holds exactly the messages A sent on
# that channel (same count, same hashes in the same order, seqs 1..N with
# no gap or duplicate), B issued exactly one receipt per message and A
# holds a receipt for each, `log verify` passes at both, both databases
# pass integrity_check, `case list` counts agree, A's latest checkpoint
# carries B's cosignature, and after a final exchange (B acknowledges one
# case) B's latest checkpoint carries A's.  Both servers exit 0 on SIGTERM
# with quiet sanitizers.
#
# PX_CRASH_MESSAGES: how many messages (default 10000).  Measured on 2
# cores under ASan, with other work on the machine: 10000 in 1 min 2 s
# (posted in 43 s, about 230/s; B kept up and held all of them at 43 s).
# Deadlines scale with the count; set a smaller one for a quicker run.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v curl >/dev/null || fail "curl is required"
command -v sqlite3 >/dev/null || fail "sqlite3 is required"

A=cert-beijing.example
B=cert-washington.example
N=${PX_CRASH_MESSAGES:-10000}
if ! [[ $N =~ ^[1-9][0-9]*$ ]] || [ "$N" -lt 10 ]; then
	fail "PX_CRASH_MESSAGES must be a whole number >= 10, not [$N]"
fi
# Deadlines scale with N (about 20 messages/s is the slowest tolerated).
DEADLINE=$((60 + N / 20))

mkdir -p "$TMP/pids"
cleanup() {
	local f i alive
	for f in "$TMP"/pids/*; do
		[ -e "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null
	done
	for ((i = 0; i < 100; i++)); do
		alive=0
		for f in "$TMP"/pids/*; do
			[ -e "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && alive=1
		done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for f in "$TMP"/pids/*; do
		[ -e "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
	done
	cd / && rm -rf "$TMP"
}
trap cleanup EXIT


mknode_live() {
	expect_rc 0 px init --dir "$1" --name "$2" --timezone "$3" \
		--url "https://127.0.0.1:$4" --listen "127.0.0.1:$4"
	expect_rc 0 px card --dir "$1" -o "$1.card"
	echo "$4" >"$1.port"
}



until_ok() {
	local secs=$1 desc=$2 end
	shift 2
	end=$((SECONDS + secs))
	until "$@"; do
		[ $SECONDS -ge $end ] && fail "timed out after ${secs}s waiting until $desc"
		sleep 0.2
	done
}

# metric DIR KEY: one /metrics sample (it needs a token: TA or TB).
metric() {
	local tok=$TA
	[ "$1" = b ] && tok=$TB
	curl -sk --max-time 10 -H "Authorization: Bearer $tok" "$(url "$1")/metrics" |
		awk -v k="$2" '$1 == k { print $2 }'
}
metric_is() { [ "$(metric "$1" "$2")" = "$3" ]; }

q() { sqlite3 "$1/parley.db" "$2"; }
at_b() { q b "select count(*) from messages where sender = '$A'"; }
b_holds() { [ "$(at_b)" -ge "$1" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }

read -r PA PB <<<"$(free_ports 2 | tr '\n' ' ')"
mknode_live a $A Asia/Shanghai "$PA"
mknode_live b $B America/New_York "$PB"
enrol a b
expect_rc 0 px token create --dir a --role analyst
TA=$(cat "$OUT")
expect_rc 0 px token create --dir b --role analyst
TB=$(cat "$OUT")
serve a
serve b

# The client (post_cases.py): 8 threads, one keep-alive TLS connection
# each.
T0=$SECONDS
python3 "$PX_SOURCE_DIR/tests/integration/post_cases.py" "$PA" "$TA" $B "$N" 8 \
	posted.ids >post.out 2>post.err &
echo $! >"$TMP/pids/poster"

# --- SIGKILL at about 30% ----------------------------------------------------
KILL_AT=$((N * 3 / 10))
until_ok $DEADLINE "B holds $KILL_AT messages" b_holds "$KILL_AT"
BPID=$(cat "$TMP/pids/b")
kill -KILL "$BPID"
{ wait "$BPID"; } 2>/dev/null # no "Killed" job notice
RC=$?
rm -f "$TMP/pids/b"
expect_eq "B's exit status after SIGKILL" 137 "$RC"
POSTING=no
kill -0 "$(cat "$TMP/pids/poster")" 2>/dev/null && POSTING=yes
expect_eq "B's database after SIGKILL: integrity_check" ok "$(q b 'pragma integrity_check')"
AFTER_KILL=$(at_b)
[ "$AFTER_KILL" -ge "$KILL_AT" ] || fail "B lost messages it had committed: $KILL_AT seen before SIGKILL, $AFTER_KILL after"
ok "B killed (SIGKILL) holding $AFTER_KILL of $N messages at $((SECONDS - T0))s (API still posting: $POSTING)"
serve b

# --- the stream completes ----------------------------------------------------
PPID_=$(cat "$TMP/pids/poster")
until_ok $DEADLINE "the client has posted all $N" gone "$PPID_"
wait "$PPID_"
PRC=$?
rm -f "$TMP/pids/poster"
[ $PRC = 0 ] || fail "the client's posts did not all get 201: $(head -c 2000 post.err)"
expect_eq "ids posted" "$N" "$(sort -u posted.ids | grep -c .)"
POST_S=$((SECONDS - T0))
delivered_all() {
	metric_is a "parley_outbox_depth{peer=\"$B\"}" 0 && b_holds "$N"
}
until_ok $DEADLINE "A's outbox to B is empty" delivered_all
ALL_S=$((SECONDS - T0))
ok "$N messages posted in ${POST_S}s, all at B after ${ALL_S}s; A's outbox empty"

# --- exactly once ------------------------------------------------------------
CH="sender = '$A' and receiver = '$B'"
expect_eq "A's sent count on the channel" "$N" "$(q a "select count(*) from messages where $CH")"
expect_eq "B's count on the channel" "$N" "$(q b "select count(*) from messages where $CH")"
for d in a b; do
	expect_eq "$d: distinct seqs, min, max" "$N|1|$N" \
		"$(q $d "select count(distinct seq), min(seq), max(seq) from messages where $CH")"
done
q a "select seq || ' ' || hash from messages where $CH order by seq" >a.hashes
q b "select seq || ' ' || hash from messages where $CH order by seq" >b.hashes
cmp -s a.hashes b.hashes || fail "the messages at B differ from those A sent: $(diff a.hashes b.hashes | head)"
sort posted.ids >posted.sorted
q b "select case_id from messages where $CH" | sort >b.cases
cmp -s posted.sorted b.cases || fail "B's cases differ from the ones posted: $(diff posted.sorted b.cases | head)"
expect_eq "receipts B issued (log entries)" "$N" "$(q b "select count(*) from log_entries where kind = 'receipt' and peer = '$A'")"
expect_eq "A's messages without B's receipt" 0 \
	"$(q a "select count(*) from messages m where $CH and not exists (select 1 from receipts r where r.msg_hash = m.hash)")"
for d in a b; do
	expect_eq "$d: integrity_check" ok "$(q $d 'pragma integrity_check')"
done
ok "exactly once: same $N hashes in seq order 1..$N on both sides, $N receipts, each received"

for d in a b; do
	expect_rc 0 px log verify --dir $d
	expect_in "$OUT" "OK"
done
export PARLEY_FAKE_NOW=2030-01-01T00:00:00Z
expect_rc 0 px case list --dir a --json
expect_json "$OUT" 'len(d)' "$N"
expect_rc 0 px case list --dir b --json
expect_json "$OUT" 'len(d)' "$N"
expect_json "$OUT" 'sorted(set(c["direction"] for c in d))' '["in"]'
unset PARLEY_FAKE_NOW
ok "log verify passes on both; case list shows $N at each"

# cosigned_by NOTE_JSON WITNESS_DIR: the checkpoint note carries a
# signature line from WITNESS_DIR's witness key (name and key id).
cosigned_by() {
	local wk
	expect_rc 0 px log checkpoint --dir "$2" --json
	wk=$(json_get "$OUT" 'd["witness_key"]') || exit 1
	python3 - "$1" "$wk" <<'EOF' || fail "the checkpoint in $1 has no cosignature by $wk: $(cat "$1")"
import base64, json, sys
note = json.load(open(sys.argv[1]))["note"]
name, keyid = sys.argv[2].split("+")[:2]
for line in note.split("\n\n", 1)[1].splitlines():
    if line.startswith("\u2014 " + name + " "):
        sig = base64.b64decode(line.split(" ")[2])
        if sig[:4].hex() == keyid:
            sys.exit(0)
sys.exit(1)
EOF
}
expect_rc 0 px log checkpoint --dir a --json
cp "$OUT" a.ckpt.json
expect_json a.ckpt.json 'd["size"]' "$N"
cosigned_by a.ckpt.json b
ok "A's latest checkpoint (size $N) is cosigned by B"

# Final exchange: B acknowledges one case; the bundle carries B's latest
# checkpoint, and A's receipts bring back A's cosignature on it.
ID=$(head -1 posted.ids)
LAST_CMD="curl POST /api/v1/cases/$ID/ack at B"
CODE=$(curl -sk --max-time 30 -o "$OUT" -w '%{http_code}' -H "Authorization: Bearer $TB" \
	-H 'Content-Type: application/json' --data-binary '{"text":"Seen"}' "$(url b)/api/v1/cases/$ID/ack")
expect_eq "status of B's ack" 200 "$CODE"
acked_at_a() {
	[ "$(curl -sk --max-time 10 -H "Authorization: Bearer $TA" "$(url a)/api/v1/cases/$ID" |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get("state"))' 2>/dev/null)" = acknowledged ]
}
until_ok 60 "A sees the ack" acked_at_a
until_ok 30 "B's outbox to A is empty" metric_is b "parley_outbox_depth{peer=\"$A\"}" 0
expect_rc 0 px log checkpoint --dir b --json
cp "$OUT" b.ckpt.json
expect_json b.ckpt.json 'd["size"]' $((N + 1))
cosigned_by b.ckpt.json a
ok "after B's ack, B's latest checkpoint (size $((N + 1))) is cosigned by A"

ERRS=$(metric a parley_delivery_errors_total)
stop_node a
stop_node b
ok "both servers exit 0 on SIGTERM (A counted $ERRS failed deliveries around the kill)"

finish
