#!/bin/bash
# POST /api/v1/feeds/{name} streams (issue 15): a 100 MiB feed file is
# written to disk as it arrives and ingested from there, the serving
# node's peak memory staying far below the file's size; an upload that
# stops half-way is never ingested and leaves no file behind; a body
# announced above the limit is refused with a 413 problem before a byte
# of it is read; a body file a crash left behind is removed at start.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v curl >/dev/null || fail "curl is required"
trap live_cleanup EXIT
mkdir -p "$TMP/pids"
A=cert-a.example
read -r PA < <(free_ports 1)
live_node a $A UTC "$PA"
expect_rc 0 px token create --dir a --name feeder --role admin
TA=$(cat "$OUT")
# The sanitizers' quarantine keeps freed blocks (256 MiB by default),
# which would count as the server's memory: keep it small.
export ASAN_OPTIONS=$ASAN_OPTIONS:quarantine_size_mb=8:thread_local_quarantine_size_kb=64
mkdir -p a/tmp/http
echo stale >a/tmp/http/body-AbC123
serve a
[ -e a/tmp/http/body-AbC123 ] && fail "a body file left by a crash survived the start"
ok "a body file left by a crash is removed at start"

# 100 MiB of IntelMQ events: 110 events, each carrying ~950 KiB of "raw"
# (the original record, which parley does not keep).
python3 - <<'EOF' || fail "generating the upload"
import json
pad = "A" * (950 * 1024)
with open("big.jsonl", "w") as f:
    for i in range(110):
        f.write(json.dumps({"source.ip": "192.0.2.%d" % (i + 1),
            "classification.type": "infected-system", "malware.name": "mirai",
            "time.source": "2026-12-01T10:00:00Z", "raw": pad}) + "\n")
EOF
SIZE=$(stat -c %s big.jsonl)
[ "$SIZE" -gt $((100 << 20)) ] || fail "the upload is only $SIZE bytes"
PID=$(cat "$TMP/pids/a")
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$PID/status"; }
BEFORE=$(hwm)
CODE=$(curl -sk --max-time 120 -o "$OUT" -w '%{http_code}' -X POST \
	-H "Authorization: Bearer $TA" -H 'Content-Type: application/x-ndjson' \
	--data-binary @big.jsonl "$(url a)/api/v1/feeds/big.jsonl") || fail "curl failed"
want_code 200
expect_json "$OUT" '[d["source"], d["format"], d["size"], d["records"], d["events"], d["bad"], d["state"]]' \
	"[\"api\", \"intelmq\", $SIZE, 110, 110, 0, \"done\"]"
AFTER=$(hwm)
GREW=$(((AFTER - BEFORE) / 1024))
# Buffered, the body alone would take 100 MiB (and the old limit was 16).
[ "$GREW" -lt 48 ] || fail "the server's peak RSS grew by $GREW MiB for a $((SIZE >> 20)) MiB upload"
[ -z "$(ls a/tmp/http)" ] || fail "the body file stayed: $(ls a/tmp/http)"
ok "a $((SIZE >> 20)) MiB upload streamed and ingested; peak RSS grew by $GREW MiB; its file removed"

# An upload that stops half-way: 20 MiB of an announced 100, then the
# client goes away.  Nothing is ingested, no file stays.
python3 - "$PA" "$TA" <<'EOF' || fail "sending the truncated upload"
import socket, ssl, sys
port, token = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)))
s.sendall(("POST /api/v1/feeds/cut.jsonl HTTP/1.1\r\nHost: x\r\n"
           "Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n"
           % (token, 100 << 20)).encode())
line = open("big.jsonl", "rb").read(20 << 20)
s.sendall(line)
s.close()
EOF
nofile() { [ -z "$(ls a/tmp/http)" ]; }
wait_for 30 "the truncated body's file is removed" nofile
expect_rc 0 px feed status --dir a --json
expect_json "$OUT" '[f["name"] for f in d]' '["big.jsonl"]'
healthy a || fail "the server is not healthy after a truncated upload"
ok "a truncated upload ingested nothing and left no file"

# Announced above the limit: 413 problem+json before the body is sent.
python3 - "$PA" "$TA" >resp.txt <<'EOF' || fail "sending the oversized request"
import socket, ssl, sys
port, token = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)))
s.settimeout(10)
s.sendall(("POST /api/v1/feeds/huge.csv HTTP/1.1\r\nHost: x\r\n"
           "Authorization: Bearer %s\r\nContent-Length: %d\r\n"
           "Expect: 100-continue\r\n\r\n" % (token, 70 << 30)).encode())
data = b""
while b"}" not in data:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
print(data.decode())
EOF
expect_in resp.txt "HTTP/1.1 413"
expect_in resp.txt "application/problem+json"
expect_in resp.txt "may be at most 68719476736 bytes"
ok "a body announced above the limit is refused with a 413 problem"
finish
