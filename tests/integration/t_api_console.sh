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

A=cert-beijing.example
B=cert-washington.example
read -r PA PB < <(free_ports 2 | tr '\n' ' ')
live_node a $A Asia/Shanghai $PA "zh, en"
live_node b $B America/New_York $PB
for d in a b; do expect_rc 0 px card --dir $d -o $d.card; done
enrol a b
expect_rc 0 px token create --dir a --role analyst --name alice
TA=$(cat "$OUT")
expect_rc 0 px token create --dir b --role analyst --name bob
TB=$(cat "$OUT")
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
expect_json "$OUT" 'd' "{\"lang\": null, \"languages\": [\"zh\", \"en\"], \"node\": \"$A\", \"role\": \"viewer\", \"timezone\": \"Asia/Shanghai\", \"token\": \"val\"}"
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
ok "me"
finish
