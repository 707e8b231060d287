#!/bin/bash
# Routine sharing between two live nodes (issue 15): A ingests a day of
# feeds in every format and every way (the CLI, the API's upload, the
# spool), routes them with a delegation file both load, and at the end of
# the day sends the aggregated report cases and its signed digest.  B
# receives the cases, acknowledges some, recomputes the digest from the
# events it was sent and agrees; follows one event from the digest to the
# delegation line that routed it; and, once an event in an attachment is
# changed, the check disagrees and names that event and its line.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v curl >/dev/null || fail "curl is required"
command -v sqlite3 >/dev/null || fail "sqlite3 is required"
trap live_cleanup EXIT
mkdir -p "$TMP/pids"
GEN=$PX_SOURCE_DIR/tests/integration/feeds_gen.py
VEC=$PX_SOURCE_DIR/tests/vectors/xarf/samples/v4
A=cert-a.example
B=cert-b.example
read -r PA PB < <(free_ports 2 | tr '\n' ' ')
echo 0 >step
export PARLEY_CLOCK_STEP_FILE=$TMP/step

live_node a $A UTC $PA
live_node b $B Europe/Berlin $PB
sed -i 's|^countries =$|countries = CN|' a/parley.conf
sed -i 's|^countries =$|countries = DE, AT|; s|^#asns =.*$|asns = AS64500-AS64501|' b/parley.conf
for d in a b; do expect_rc 0 px card --dir $d -o $d.card; done
enrol a b
expect_rc 0 px token create --dir a --name feeder --role admin
TA=$(cat "$OUT")
expect_rc 0 px token create --dir b --name analyst --role analyst
TB=$(cat "$OUT")
python3 "$GEN" deleg deleg.txt 3 || fail "generating the delegation file"
expect_rc 0 px routing load --dir a deleg.txt
expect_rc 0 px routing load --dir b deleg.txt
serve a
serve b

DAY=$(date -u +%Y-%m-%d)
# The day's feeds, addresses drawn from the delegated blocks.
python3 "$GEN" sinkhole "$DAY-event4_sinkhole-all.csv" 3000 5 "$DAY" 30 deleg.txt >/dev/null ||
	fail "generating the sinkhole report"
echo "$DAY 10:00:00,tcp,300.1.2.3,1,64500,DE,,,,,,,,,mirai,high,x" >>"$DAY-event4_sinkhole-all.csv"
python3 - "$PX_SOURCE_DIR/tests/integration" "$DAY" <<'EOF' || fail "generating the feeds"
import json, random, sys
sys.path.insert(0, sys.argv[1])
import feeds_gen as g
day = sys.argv[2]
r = random.Random(9)
ips = g.deleg_addresses("deleg.txt", r, 400)
with open(day + "-scan_rdp-all.csv", "w") as f:
    f.write("timestamp,ip,protocol,port,hostname,tag,asn,geo,region,city\n")
    for i, ip in enumerate(ips):
        f.write("%s 03:%02d:00,%s,tcp,3389,h%d.example,rdp,%d,DE,R,C\n" % (
            day, i % 60, ip, i, r.choice([64500, 64501, 64502])))
with open("events.jsonl", "w") as f:
    for ip in g.deleg_addresses("deleg.txt", r, 300):
        f.write(json.dumps({"source.ip": ip, "source.port": 443,
            "classification.type": "c2-server", "malware.name": "qakbot",
            "classification.identifier": "qakbot", "source.asn": 64501,
            "time.source": day + "T05:00:00+00:00", "feed.name": "c2-list",
            "feed.provider": "Example"}) + "\n")
EOF
# 1. The CLI.
expect_rc 0 px feed ingest --dir a --json "$DAY-event4_sinkhole-all.csv"
expect_json "$OUT" 'd[0]["bad"]' 1
expect_json "$OUT" 'd[0]["bad_rows"][0]["line"]' 3002
expect_in "$OUT" "src_ip '300.1.2.3' is not an IP address"
expect_json "$OUT" 'd[0]["records"] == d[0]["events"] + d[0]["duplicates"] + d[0]["bad"]' true
# 2. The API (a buffered upload; files of any size take the spool or CLI).
call a "$TA" POST "/api/v1/feeds/$DAY-scan_rdp-all.csv" "$(cat "$DAY-scan_rdp-all.csv")"
want_code 200
expect_json "$OUT" 'd["source"]' api
expect_json "$OUT" 'd["format"]' shadowserver
expect_json "$OUT" 'd["records"]' 400
expect_json "$OUT" 'd["events"] + d["duplicates"]' 400
call a "$TB" POST "/api/v1/feeds/x.csv" "a,b"
[ "$CODE" = 401 ] || fail "a token of another node uploaded: $CODE"
# 3. The spool: IntelMQ events and two X-ARF reports.
mkdir -p a/spool
cp "$VEC/infrastructure-botnet.json" a/spool/.tmp-x && mv a/spool/.tmp-x a/spool/botnet.json
cp events.jsonl a/spool/.tmp-e && mv a/spool/.tmp-e a/spool/c2.jsonl
spooled() { [ -e a/spool/done/c2.jsonl ] && [ -e a/spool/done/botnet.json ]; }
wait_for 30 "the spool is ingested" spooled
expect_rc 0 px feed status --dir a --json
expect_json "$OUT" 'sorted(f["source"] for f in d)' '["api", "cli", "spool", "spool"]'
expect_json "$OUT" 'sum(f["bad"] for f in d)' 1
ROUTED=$(json_get "$OUT" 'sum(f["routed"] for f in d)')
ok "a day of feeds in through the CLI, the API and the spool: $ROUTED events routed to $B"

# The day ends: both clocks move past midnight UTC together.
python3 -c "
import time
now = time.time()
print(int(((now // 86400 + 1) * 86400 + 300 - now) * 1000))" >step
# The day's batches and its digest go out once, whether this flush or
# the serving node's feeds thread (which sees the same clock) gets there
# first: what A holds afterwards is asserted, not who sent it.
expect_rc 0 px feed flush --dir a --json
expect_rc 0 px feed digests --dir a --json
expect_json "$OUT" '[[x["day"], x["events"]] for x in d if x["dir"] == "out"]' "[[\"$DAY\", $ROUTED]]"
expect_rc 0 px case list --dir a --json
OPENED=$(json_get "$OUT" 'len([c for c in d if c["kind"] == "report"])')
[ "$OPENED" -gt 0 ] || fail "A opened no report case"
got_digest() {
	px feed digests --dir b --json >"$TMP/dg.json" 2>/dev/null &&
		[ "$(json_get "$TMP/dg.json" 'len([x for x in d if x["dir"] == "in"])')" = 1 ]
}
wait_for 60 "B receives the digest" got_digest
expect_rc 0 px case list --dir b --json
expect_json "$OUT" 'len([c for c in d if c["kind"] == "report"])' "$OPENED"
expect_json "$OUT" 'len([c for c in d if c["kind"] == "feed"])' 1
ok "$OPENED report cases and the digest delivered to B"

# B recomputes the digest from what it received: it agrees.
call b "$TB" POST "/api/v1/feeds/digests/$A/$DAY/verify"
want_code 200
cp "$OUT" verify1.json
expect_json verify1.json 'd["agree"]' true
expect_json verify1.json 'd["recomputed"]["events"]' "$ROUTED"
expect_json verify1.json 'd["signed"]["root"] == d["recomputed"]["root"]' true
expect_json verify1.json 'len(d["signed"]["delegation"])' 1
expect_json verify1.json 'd["signed"]["unroutable"] > 0' true
expect_json verify1.json 'sum(d["signed"]["by_type"].values())' "$ROUTED"
call b "$TB" GET "/api/v1/feeds/digests/$A/$DAY"
want_code 200
expect_json "$OUT" 'd["verdict"]' agree
ok "B's recomputation of the digest agrees: $ROUTED events, the same Merkle root"

# B acknowledges two of the cases; A sees it.
REPORTS=$(px case list --dir b --json | python3 -c '
import json, sys
print(" ".join(c["id"] for c in json.load(sys.stdin) if c["kind"] == "report"))')
set -- $REPORTS
expect_rc 0 px case ack --dir b "$1" --text "Forwarded to the ISP"
expect_rc 0 px case ack --dir b "$2"
acked() {
	[ "$(px case show --dir a --json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')" = acknowledged ]
}
wait_for 30 "A sees the first ack" acked "$1"
wait_for 30 "A sees the second ack" acked "$2"
# The case carries the batch, its attachment and remediation counts.
expect_rc 0 px case show --dir b --json "$1"
expect_in "$OUT" "events of this part are in the attachment"
SHA=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["messages"][0]["body"]["feed"]["attachment"]["sha256"])' "$OUT" 2>/dev/null) ||
	SHA=$(sqlite3 b/parley.db "SELECT attachment FROM feed_parts WHERE case_id = '$1' LIMIT 1")
[ ${#SHA} = 64 ] || fail "no attachment named in case $1"
call b "$TB" GET "/api/v1/attachments/$SHA?format=csv"
want_code 200
expect_in "$OUT" "id,routed,time_source"
ok "B acknowledged two cases and A sees it; the attachment reads as CSV"

# Follow one event from the digest to the delegation line that routed it.
EID=$(python3 - <<'PY'
import glob, json
for path in sorted(glob.glob("b/attachments/*/*")):
    for line in open(path):
        o = json.loads(line)
        if o["route"].get("by") == "country":
            print(o["id"])
            raise SystemExit
PY
)
[ ${#EID} = 64 ] || fail "no event routed by country arrived at B"
call b "$TB" GET "/api/v1/feeds/events/$EID"
want_code 200
cp "$OUT" event.json
LINE=$(json_get event.json 'd["entry"]["route"]["line"]')
expect_eq "the delegation line" "$(sed -n "${LINE}p" deleg.txt)" "$(json_get event.json 'd["delegation_line"]')"
expect_json event.json 'd["entry"]["id"]' "$EID"
expect_json event.json 'd["entry"]["route"]["to"]' "$B"
ok "event $EID followed to line $LINE of the delegation file"

# Someone changes an event in a received attachment: the check says so,
# naming the event and the line.
TSHA=$(json_get event.json 'd["attachment"]')
TLINE=$(json_get event.json 'd["line"]')
F=b/attachments/${TSHA:0:2}/$TSHA
python3 - "$F" "$TLINE" <<'EOF' || fail "tampering"
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
lines = open(path).read().split("\n")
o = json.loads(lines[n - 1])
o["event"]["source"]["port"] = o["event"]["source"].get("port", 0) + 1
lines[n - 1] = json.dumps(o, separators=(",", ":"), sort_keys=True)
open(path, "w").write("\n".join(lines))
EOF
call b "$TB" POST "/api/v1/feeds/digests/$A/$DAY/verify"
want_code 200
expect_json "$OUT" 'd["agree"]' false
expect_json "$OUT" '[t["line"] for t in d["tampered"] if t.get("event")]' "[$TLINE]"
expect_json "$OUT" '[t["event"] for t in d["tampered"] if t.get("event")]' "[\"$EID\"]"
expect_json "$OUT" '[x["member"] for x in d["differences"]]' '["root"]'
expect_rc 3 px feed verify --dir b --peer $A "$DAY"
expect_in "$OUT" "line $TLINE: event $EID"
ok "a changed event makes the check fail, naming event $EID on line $TLINE"
finish
