#!/bin/bash
# A node under connection and memory floods keeps serving its peers.
#
#   A cert-beijing.example serves; B cert-washington.example serves and
#   is A's peer; C cert-brussels.example is pinned at A but never serves:
#   its certificate is the "pinned peer gone rogue" of the upload flood.
#
# For 20 s, from 127.0.0.1 (tests/integration/flood.py, self-stopping):
#   - 500 TCP connections that each send the first 3 bytes of a TLS
#     ClientHello and wait, reopened as soon as A closes them;
#   - 256 TLS 1.3 sessions trickling one header line every 3 s, reopened
#     likewise;
#   - 30 connections with C's certificate each POSTing 16 MiB bodies to
#     /peer/v1/bundles, over and over (with Expect: 100-continue, as curl
#     and libcurl send large bodies).
# Meanwhile:
#   1. GET /healthz (a fresh connection each time, as a monitor does)
#      answers 200 every time, each within 3 s (before: timed out for the
#      whole attack);
#   2. a P1 hotline raised through B's API reaches A within 15 s, over a
#      connection B opens during the attack (before: 39 s late);
#   3. A's RSS grows by less than 160 MB (before: +480 MB; this is the
#      sanitizer build, bench/bench_flood.c measures the release build);
#   4. A's serve.log gains at most 12 lines (before: 773 a minute);
# and afterwards:
#   5. /metrics is 401 without a token; with one it shows connections
#      closed at their deadline, 503 answers to the uploads, a peer
#      connection, nothing held;
#   6. the uploads were answered 503 while C's share of the upload budget
#      was in use (none was accepted: the bodies are no bundles), and B's
#      deliveries never failed;
#   7. A and B stop cleanly, sanitizers quiet.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v curl >/dev/null || fail "curl is required"
trap live_cleanup EXIT
mkdir -p "$TMP/pids"
# Freed memory goes back to the allocator at once, so that RSS says what
# the node holds (the default quarantine keeps 256 MB of it).
export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=4:thread_local_quarantine_size_kb=64"

A=cert-beijing.example
B=cert-washington.example
C=cert-brussels.example
ATTACK_S=20
FLOOD=${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/flood.py

read -r PA PB PC < <(free_ports 3 | tr '\n' ' ')
live_node a $A Asia/Shanghai "$PA"
live_node b $B America/New_York "$PB"
live_node c $C Europe/Brussels "$PC"
for d in a b c; do
	expect_rc 0 px card --dir $d -o $d.card
done
enrol a b
expect_rc 0 px peer add --dir a c.card
expect_rc 0 px token create --dir a --role viewer
TAV=$(cat "$OUT")
expect_rc 0 px token create --dir a --role analyst
TA=$(cat "$OUT")
expect_rc 0 px token create --dir b --role duty
TBD=$(cat "$OUT")
serve a
serve b
APID=$(cat "$TMP/pids/a")

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$APID/status"; }

# A settles (its first scheduler ticks, the outbox threads).
sleep 2
IDLE_KB=$(rss_kb)
LINES0=$(wc -l <a.log)

# --- the attack -------------------------------------------------------------
python3 "$FLOOD" --port "$PA" --seconds $ATTACK_S --half-open 500 --slow-tls 256 \
	--uploads 30 --cert c/tls/cert.pem --key c/tls/key.pem --ready ready \
	>flood.json 2>flood.err &
echo $! >"$TMP/pids/flood"
wait_for 30 "the flood's connections are open" test -e ready
T_ATTACK=$SECONDS

# RSS every 0.5 s, /healthz every 0.25 s, until the flood stops.
(
	while kill -0 "$(cat "$TMP/pids/flood")" 2>/dev/null; do
		rss_kb
		sleep 0.5
	done
) >rss.txt &
echo $! >"$TMP/pids/rss"
(
	while kill -0 "$(cat "$TMP/pids/flood")" 2>/dev/null; do
		curl -sk --max-time 5 -o /dev/null -w '%{http_code} %{time_total}\n' \
			"$(url a)/healthz" || echo "curl-failed 5"
		sleep 0.25
	done
) >probes.txt &
echo $! >"$TMP/pids/probes"

# The peer raises a P1 hotline 3 s into the attack.
sleep 3
T_RAISED=$(date +%s%N)
call b "$TBD" POST /api/v1/hotlines "{\"peer\":\"$A\",\"text\":\"Payment gateway down during a flood\"}"
want_code 201
HID=$(json_get "$OUT" 'd["case"]') || exit 1
at_a() { [ "$(sqlite3 a/parley.db "select count(*) from cases where id = '$HID'")" = 1 ]; }
until at_a; do
	[ $((($(date +%s%N) - T_RAISED) / 1000000)) -gt 15000 ] &&
		fail "the P1 hotline raised at B has not reached A after 15 s of flood"
	sleep 0.1
done
DELIVERY_MS=$((($(date +%s%N) - T_RAISED) / 1000000))
kill -0 "$(cat "$TMP/pids/flood")" 2>/dev/null ||
	fail "the flood ended before the hotline arrived: it proves nothing"
ok "a P1 hotline from B reached A in ${DELIVERY_MS} ms, $((SECONDS - T_ATTACK)) s into the attack"

wait "$(cat "$TMP/pids/flood")" || fail "flood.py failed: $(cat flood.err)"
wait "$(cat "$TMP/pids/probes")" "$(cat "$TMP/pids/rss")"
rm -f "$TMP/pids/flood" "$TMP/pids/probes" "$TMP/pids/rss"
LINES=$(($(wc -l <a.log) - LINES0))
cat flood.json

# --- what the attack got ----------------------------------------------------
expect_json flood.json 'd["half_open_opened"] > 500 and d["half_open_closed_by_server"] > 0' true
expect_json flood.json 'd.get("slow_tls_opened", 0) >= 256' true
expect_json flood.json 'd["upload_statuses"].get("503", 0) > 0' true
expect_json flood.json 'd["upload_statuses"].get("200", 0)' 0

probes_ok() {
	python3 - probes.txt <<'EOF'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
bad = [r for r in rows if r[0] != "200" or float(r[1]) > 3.0]
times = sorted(float(r[1]) for r in rows if r[0] == "200")
n = len(times)
print("%d probes, %d bad; p50 %.3f s, p90 %.3f s, max %.3f s" % (
    len(rows), len(bad), times[n // 2], times[int(n * 0.9)], times[-1]))
sys.exit(1 if bad or len(rows) < 20 else 0)
EOF
}
SUMMARY=$(probes_ok) || fail "GET /healthz during the flood: $SUMMARY; $(grep -v '^200 0\.' probes.txt | head -5)"
ok "GET /healthz answered 200 throughout: $SUMMARY"

MAX_KB=$(sort -n rss.txt | tail -1)
GROWTH_MB=$(((MAX_KB - IDLE_KB) / 1024))
[ "$GROWTH_MB" -lt 160 ] ||
	fail "A's RSS grew by ${GROWTH_MB} MB under the upload flood (idle ${IDLE_KB} kB, peak ${MAX_KB} kB)"
ok "A's RSS: idle $((IDLE_KB / 1024)) MB, peak $((MAX_KB / 1024)) MB (+${GROWTH_MB} MB) with 30 connections pushing 16 MiB each"

[ "$LINES" -le 12 ] || fail "serve.log gained $LINES lines during the attack: $(tail -n "$LINES" a.log | cut -c1-200)"
grep -q "connections from 127.0.0.1: .* closed before completing a request" a.log ||
	fail "serve.log does not say which address was cut off: $(tail -n "$LINES" a.log)"
ok "serve.log: $LINES lines for the whole attack"

# --- /metrics ---------------------------------------------------------------
call a "" GET /metrics
want_code 401
expect_json "$OUT" 'd["status"]' 401
call a "$TAV" GET /metrics
want_code 200
sample() { awk -v k="$1" '$1 == k { print $2 }' "$OUT"; }
# The attack fits the default pool: held connections are closed at their
# 10 s deadline (unit tests cover eviction).
[ "$(sample parley_http_timed_out_total)" -gt 0 ] || fail "no deadline closes counted: $(grep http_ "$OUT")"
[ "$(sample parley_http_busy_total)" -gt 0 ] || fail "no 503 answers counted"
[ "$(sample parley_http_connections_peer)" -ge 1 ] || fail "B's connection is not counted as a peer's"
expect_eq "upload bytes held after the attack" 0 "$(sample parley_http_upload_bytes)"
[ "$(sample parley_messages_in_total)" -ge 1 ] || fail "A counted no message from B"
expect_eq "A's outbox depth for B" 0 "$(sample "parley_outbox_depth{peer=\"$B\"}")"
ok "/metrics: 401 without a token; timed out $(sample parley_http_timed_out_total), evicted $(sample parley_http_evicted_total), 503 $(sample parley_http_busy_total), peer connections $(sample parley_http_connections_peer)"

# B delivered without an error and saw no "busy" answer: its share of
# A's upload budget is its own.
call b "" GET /healthz
want_code 200
expect_not_in b.log "delivery to $A failed"

# --- the end ------------------------------------------------------------------
for d in a b; do
	pid=$(cat "$TMP/pids/$d")
	kill -TERM "$pid"
	wait "$pid" || fail "parley serve --dir $d exited $? after SIGTERM: $(tail -5 $d.log)"
	rm -f "$TMP/pids/$d"
	if grep -qE 'runtime error:|AddressSanitizer|LeakSanitizer' "$d.log"; then
		fail "sanitizer report in $d.log: $(grep -m1 -A20 -E 'runtime error:|Sanitizer' "$d.log")"
	fi
done
ok "A and B stop cleanly"
finish
