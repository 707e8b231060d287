#!/bin/bash
# Feed ingestion with the real binary (issue 15): each Shadowserver report
# family mapped by its published column names, IntelMQ JSON Lines, X-ARF,
# a CSV with a mapping file; bad records (a bad address, a bad time, a
# missing column, an over-long field) each reported with its line; the
# spool; a file ingested twice; an ingest killed in the middle of a
# large file that, run again, loses and duplicates nothing; and a case's
# remediation counts over the days until it is closed as resolved.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v sqlite3 >/dev/null || fail "sqlite3 is required"
GEN=$PX_SOURCE_DIR/tests/integration/feeds_gen.py
VEC=$PX_SOURCE_DIR/tests/vectors/xarf/samples/v4
A=cert-a.example
B=cert-b.example

at 2026-12-01T09:00:00Z
mknode a $A UTC
mknode b $B Europe/Berlin
sed -i 's|^countries =$|countries = DE|' b/parley.conf
expect_rc 0 px card --dir b -o b.card
enrol a b
cat >deleg.txt <<'EOF'
2|ripencc|20261130|3|19830705|20261129|+0100
ripencc|DE|ipv4|192.0.2.0|256|20100101|allocated
ripencc|DE|ipv4|198.51.100.0|256|20100101|allocated
ripencc|DE|ipv6|2001:db8::|32|20100101|allocated
EOF
expect_rc 0 px routing load --dir a deleg.txt

# 0. A flush with nothing to share (what the feeds thread of a serving
# node does every 30 s) leaves the signed record as it was: no
# checkpoint of an unchanged log.
record_dump a/parley.db "$TMP/a0.dump"
expect_rc 0 px feed flush --dir a --json
expect_json "$OUT" '[d["messages"], d["digests"], d["closed"]]' '[0, 0, 0]'
record_dump a/parley.db "$TMP/a1.dump"
cmp -s "$TMP/a0.dump" "$TMP/a1.dump" ||
	fail "an empty flush changed the record: $(diff "$TMP/a0.dump" "$TMP/a1.dump" | head -5)"
ok "a flush with nothing to share writes nothing to the record"

# event: the JSON of the stored event whose address is $2 (of file $1).
event() {
	local id
	px feed events --dir a --json --limit 1 --host "$1" >"$TMP/evs.json" || fail "finding event $1"
	id=$(json_get "$TMP/evs.json" 'd[0]["id"]') || fail "no event about $1"
	px feed event --dir a --json "$id" >"$TMP/ev1.json" || fail "reading event $1 ($id)"
	json_get "$TMP/ev1.json" 'd["event"]' >"$TMP/ev.json"
}

# 1. Every Shadowserver family, by its published column names.
cat >2026-12-01-event4_sinkhole-de.csv <<'EOF'
"timestamp","protocol","src_ip","src_port","src_asn","src_geo","src_region","src_city","src_hostname","src_naics","src_sector","device_vendor","device_type","device_model","severity","dst_ip","dst_port","dst_asn","dst_geo","dst_region","dst_city","dst_hostname","dst_naics","dst_sector","public_source","infection","family","tag","application","version","event_id"
"2026-12-01 00:00:07","tcp","192.0.2.10","51234","64500","DE","Hessen","Frankfurt","","","Communications","MikroTik","router","","critical","203.0.113.5","443","64496","US","","","","","","","mirai","mirai","mirai","https","",""
"2026-12-01 00:05:07","tcp","192.0.2.999","1","64500","DE","","","","","","","","","high","203.0.113.5","443","","","","","","","","","mirai","","","","",""
"yesterday","tcp","192.0.2.11","1","64500","DE","","","","","","","","","high","203.0.113.5","443","","","","","","","","","mirai","","","","",""
"2026-12-01 00:06:07","tcp","192.0.2.12"
EOF
expect_rc 0 px feed ingest --dir a --json 2026-12-01-event4_sinkhole-de.csv
expect_json "$OUT" 'd[0]["feed"]' event4_sinkhole
expect_json "$OUT" 'd[0]["events"]' 1
expect_json "$OUT" 'd[0]["bad"]' 3
expect_json "$OUT" '[b["line"] for b in d[0]["bad_rows"]]' '[3, 4, 5]'
expect_in "$OUT" "src_ip '192.0.2.999' is not an IP address"
expect_in "$OUT" "column 'timestamp': timestamp 'yesterday' is not a time"
expect_in "$OUT" "the row has 3 fields where the header has 31 columns"
event 192.0.2.10
expect_json "$TMP/ev.json" 'd["classification"]' '{"identifier": "mirai", "taxonomy": "malicious-code", "type": "infected-system"}'
expect_json "$TMP/ev.json" 'd["source"]' '{"asn": 64500, "cc": "DE", "ip": "192.0.2.10", "port": 51234}'
expect_json "$TMP/ev.json" 'd["destination"]' '{"asn": 64496, "cc": "US", "ip": "203.0.113.5", "port": 443}'
expect_json "$TMP/ev.json" 'd["severity"]' critical
expect_json "$TMP/ev.json" 'd["time"]["source"]' 2026-12-01T00:00:07.000Z
expect_json "$TMP/ev.json" 'd["feed"]' '{"name": "event4_sinkhole", "provider": "Shadowserver"}'
expect_json "$TMP/ev.json" 'd["extra"]["device_vendor"]' MikroTik

cat >2026-12-01-scan_rdp-asn64500.csv <<'EOF'
"timestamp","ip","protocol","port","hostname","tag","asn","geo","region","city","naics","sic","sector","rdp_protocol","cert_length","severity"
"2026-12-01 01:00:00","192.0.2.20","tcp","3389","rdp.example.net","rdp","64500","DE","","","","","","RDP","2048","medium"
EOF
cat >2026-12-01-compromised_website-de.csv <<'EOF'
"timestamp","ip","port","hostname","tag","application","asn","geo","region","city","naics","sic","sector","http_host","category","system","detected_since","server","redirect_target","severity","url"
"2026-12-01 02:00:00","192.0.2.30","80","","hidden-iframe","http","64500","DE","","","","","","www.Shop.example.","Hidden iframe","","","Apache","","high","/index.php?x=1"
EOF
cat >2026-12-01-phish_url-de.csv <<'EOF'
"timestamp","url","http_host","ip","asn","geo","tag","severity"
"2026-12-01 03:00:00","https://login.bank.example/verify","login.bank.example","192.0.2.40","64500","DE","bank-brand","high"
EOF
cat >2026-12-01-blocklist-de.csv <<'EOF'
"timestamp","ip","asn","geo","region","city","hostname","naics","sic","source","reason","severity"
"2026-12-01 04:00:00","192.0.2.50","64500","DE","","","","","","spamhaus","spam source","low"
EOF
expect_rc 0 px feed ingest --dir a --json 2026-12-01-scan_rdp-asn64500.csv \
	2026-12-01-compromised_website-de.csv 2026-12-01-phish_url-de.csv \
	2026-12-01-blocklist-de.csv
expect_json "$OUT" '[f["events"] for f in d]' '[1, 1, 1, 1]'
expect_json "$OUT" '[f["feed"] for f in d]' '["scan_rdp", "compromised_website", "phish_url", "blocklist"]'
event 192.0.2.20
expect_json "$TMP/ev.json" 'd["classification"]' '{"identifier": "accessible-rdp", "taxonomy": "vulnerable", "type": "vulnerable-system"}'
expect_json "$TMP/ev.json" 'd["protocol"]' '{"application": "rdp", "transport": "tcp"}'
expect_json "$TMP/ev.json" 'd["source"]["port"]' 3389
event 192.0.2.30
expect_json "$TMP/ev.json" 'd["classification"]["type"]' system-compromise
expect_json "$TMP/ev.json" 'd["source"]["fqdn"]' www.shop.example
expect_json "$TMP/ev.json" 'd["source"]["url"]' 'http://www.shop.example/index.php?x=1'
event 192.0.2.40
expect_json "$TMP/ev.json" 'd["classification"]["type"]' phishing
expect_json "$TMP/ev.json" 'd["source"]["url"]' https://login.bank.example/verify
event 192.0.2.50
expect_json "$TMP/ev.json" 'd["classification"]' '{"identifier": "blocklisted-ip", "taxonomy": "other", "type": "blocklist"}'
expect_json "$TMP/ev.json" 'd["extra"]["reason"]' "spam source"
ok "the five Shadowserver families map their published columns; bad rows named by line"

# An over-long field, and a report type parley does not map.
python3 -c '
print("\"timestamp\",\"url\",\"http_host\",\"ip\"")
print("\"2026-12-01 03:00:00\",\"https://a.example/" + "x" * 3000 + "\",\"a.example\",\"192.0.2.41\"")
print("\"2026-12-01 03:00:00\",\"https://b.example/\",\"b.example\",\"192.0.2.42\"")' >2026-12-01-phish_url-long.csv
expect_rc 0 px feed ingest --dir a --json 2026-12-01-phish_url-long.csv
expect_json "$OUT" 'd[0]["bad_rows"]' '[{"line": 2, "reason": "column '"'"'url'"'"': url is 3018 bytes long, more than the 2048 allowed"}]'
expect_json "$OUT" 'd[0]["events"]' 1
echo "timestamp,ip" >2026-12-01-device_id-de.csv
expect_rc 3 px feed ingest --dir a 2026-12-01-device_id-de.csv
expect_in "$ERR" "cannot tell the format of 2026-12-01-device_id-de.csv"
expect_rc 3 px feed ingest --dir a --format shadowserver 2026-12-01-device_id-de.csv
expect_in "$ERR" "'device_id' is not a Shadowserver report name this parley maps"
# A header without the family's columns fails the file, saying why.
printf 'time,address\n2026-12-01 00:00:00,192.0.2.1\n' >2026-12-01-blocklist-x.csv
expect_rc 3 px feed ingest --dir a 2026-12-01-blocklist-x.csv
expect_in "$ERR" "has no column 'timestamp'"
expect_rc 0 px feed status --dir a --json
expect_json "$OUT" '[f["state"] for f in d if f["name"] == "2026-12-01-blocklist-x.csv"]' '["failed"]'
ok "an over-long field is its row's error; unknown reports and foreign headers are refused"

# 2. IntelMQ JSON Lines, X-ARF and a mapped CSV.
cat >events.jsonl <<'EOF'
{"feed.name": "feodo", "source.ip": "198.51.100.7", "source.port": 443, "classification.type": "c2-server", "classification.taxonomy": "malicious-code", "malware.name": "qakbot", "time.source": "2026-12-01T09:00:00+00:00", "extra.status": "online", "raw": "aGk="}
{"source.ip": "198.51.100.8", "classification.type": "bot", "time.source": "2026-12-01T09:00:00Z"}
{"source.url": "http://phish.example/x", "classification.type": "phishing", "time.observation": "2026-12-01T09:00:00Z", "tlp": "RED"}
EOF
expect_rc 0 px feed ingest --dir a --json events.jsonl
expect_json "$OUT" 'd[0]["format"]' intelmq
expect_json "$OUT" 'd[0]["events"]' 2
expect_json "$OUT" 'd[0]["bad_rows"][0]["line"]' 2
expect_in "$OUT" "classification.type 'bot' is not a classification type"
expect_json "$OUT" 'd[0]["withheld"]' 1
event 198.51.100.7
expect_json "$TMP/ev.json" 'd["extra"]' '{"status": "online"}'
cp "$VEC/connection-ddos.json" ddos.json
cp "$VEC/content-phishing.json" xphish.json
expect_rc 0 px feed ingest --dir a --json ddos.json xphish.json
expect_json "$OUT" '[f["format"] for f in d]' '["xarf", "xarf"]'
expect_json "$OUT" '[f["events"] for f in d]' '[1, 1]'
cat >acme.csv <<'EOF'
family;addr;seen;junk
mirai;192.0.2.60;1796115600;x
mirai;192.0.2.61;not-a-time;x
EOF
cat >acme.json <<'EOF'
{"name": "acme-bots", "provider": "ACME", "delimiter": ";",
 "columns": {"time.source": "seen", "source.ip": "addr", "malware.name": "family"},
 "constants": {"classification.type": "infected-system", "classification.identifier": "acme-bot", "tlp": "green"},
 "extras": false}
EOF
expect_rc 0 px feed ingest --dir a --json --mapping acme.json acme.csv
expect_json "$OUT" 'd[0]["events"]' 1
expect_json "$OUT" 'd[0]["bad_rows"][0]["line"]' 3
event 192.0.2.60
expect_json "$TMP/ev.json" 'd["feed"]' '{"name": "acme-bots", "provider": "ACME"}'
expect_json "$TMP/ev.json" 'd["tlp"]' green
expect_json "$TMP/ev.json" '"extra" in d' false
echo '{"columns": {"source.ipp": "addr"}}' >bad.json
expect_rc 3 px feed ingest --dir a --mapping bad.json acme.csv
expect_in "$ERR" "'source.ipp' is not an event member"
ok "IntelMQ JSON Lines, X-ARF reports and a CSV with a mapping file"

# 3. The same file again is refused unless asked; then all duplicates.
expect_rc 5 px feed ingest --dir a 2026-12-01-blocklist-de.csv
expect_in "$ERR" "was ingested already"
expect_rc 0 px feed ingest --dir a --again --json 2026-12-01-blocklist-de.csv
expect_json "$OUT" '[d[0]["events"], d[0]["duplicates"]]' '[0, 1]'
ok "a file ingested twice is refused; with --again its events are duplicates"

# 4. The queue: events waiting for a person.
expect_rc 0 px feed queue --dir a --json
expect_json "$OUT" 'sorted(set(e["status"] for e in d))' '["unroutable", "withheld"]'
expect_json "$OUT" '[e["route"]["reason"] for e in d if e["status"] == "withheld"]' '["TLP:RED events are never routed"]'
ok "unroutable and withheld events are queued, with the reason"

# 5. A large ingest killed in the middle resumes: nothing lost, nothing
#    counted twice.
ROWS=160000
UNIQUE=$(python3 "$GEN" sinkhole 2026-12-01-event4_sinkhole-big.csv $ROWS 42 2026-12-01 30 deleg.txt) ||
	fail "generating the big file"
at 2026-12-01T10:00:00Z
"$PARLEY" feed ingest --dir a --quiet 2026-12-01-event4_sinkhole-big.csv >big1.out 2>&1 &
PID=$!
committed() {
	[ "$(sqlite3 a/parley.db "SELECT offset > 0 FROM feed_files WHERE name = '2026-12-01-event4_sinkhole-big.csv'" 2>/dev/null)" = 1 ]
}
# Polled often: a chunk is 65,536 records, and an optimised build reads
# the rest of the file in well under a second.
end=$((SECONDS + 120))
until committed; do
	[ $SECONDS -ge $end ] && fail "timed out waiting until the first chunk of the big file is committed"
	sleep 0.02
done
kill -9 $PID
wait $PID 2>/dev/null
STATE=$(sqlite3 a/parley.db "SELECT state || ' ' || offset || ' ' || records FROM feed_files WHERE name = '2026-12-01-event4_sinkhole-big.csv'")
case $STATE in
running*) ;;
*) fail "the killed ingest left state '$STATE' (it finished before the kill: use more rows)" ;;
esac
ok "ingest killed at $STATE"
expect_rc 0 px feed ingest --dir a --json 2026-12-01-event4_sinkhole-big.csv
expect_json "$OUT" 'd[0]["records"]' $ROWS
expect_json "$OUT" 'd[0]["bad"]' 0
expect_json "$OUT" 'd[0]["events"]' "$UNIQUE"
expect_json "$OUT" 'd[0]["duplicates"]' $((ROWS - UNIQUE))
FID=$(json_get "$OUT" 'd[0]["id"]')
ROUTED=$(json_get "$OUT" 'd[0]["routed"]')
"$PARLEY" feed events --dir a --json --file "$FID" --limit 10000000 >big.json || fail "listing the events of the big file"
expect_eq "stored events of the big file" "$UNIQUE" "$(json_get big.json 'len(d)')"
expect_eq "distinct event numbers" "$UNIQUE" "$(json_get big.json 'len(set(e["id"] for e in d))')"
expect_eq "counted observations" $ROWS "$(json_get big.json 'sum(e["seen"]["count"] for e in d)')"
ok "resumed: $ROWS records, $UNIQUE events and $((ROWS - UNIQUE)) duplicates, as a clean run gives"

# Shared once each: every routed event in exactly one attachment line.
at 2026-12-02T00:10:00Z
expect_rc 0 px feed flush --dir a --json
"$PARLEY" feed events --dir a --json --status routed --limit 10000000 >routed.json || fail "listing the routed events"
TOTAL_ROUTED=$(json_get routed.json 'len(d)')
expect_json "$OUT" 'd["events"]' "$TOTAL_ROUTED"
python3 - <<'EOF' || fail "the attachments do not hold each event once"
import glob, json, sqlite3
db = sqlite3.connect("a/parley.db")
parts = db.execute("SELECT attachment, events FROM feed_parts WHERE dir = 'out'").fetchall()
ids = []
for sha, n in parts:
    lines = open("a/attachments/%s/%s" % (sha[:2], sha)).read().splitlines()
    assert len(lines) == n, (sha, len(lines), n)
    ids += [json.loads(l)["id"] for l in lines]
routed = len(json.load(open("routed.json")))
assert len(ids) == routed == len(set(ids)), (len(ids), routed, len(set(ids)))
print("attachments hold", len(ids), "events, each once")
EOF
ok "after the flush, each of the $TOTAL_ROUTED routed events is in exactly one attachment"
# Remediation: a case's hosts over the days, then closed as resolved.
rem_csv() { # FILE DATE IP...
	local f=$1 d=$2
	shift 2
	echo '"timestamp","protocol","src_ip","src_port","src_asn","src_geo","severity","dst_ip","dst_port","infection"' >"$f"
	for ip in "$@"; do
		echo "\"$d 09:00:00\",\"tcp\",\"$ip\",\"4000\",\"64500\",\"DE\",\"medium\",\"203.0.113.9\",\"80\",\"remtest\"" >>"$f"
	done
}
# case_text CASE N: the text of the case's message N (0-based), into
# $TMP/text.
case_text() {
	px case show --dir a --json "$1" >"$TMP/case.json" || fail "case show $1"
	python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["messages"][int(sys.argv[2])]; print(json.dumps(m["body"].get("text")))' "$TMP/case.json" "$2" >"$TMP/text"
}
at 2026-12-03T10:00:00Z
rem_csv 2026-12-03-event4_sinkhole-rem1.csv 2026-12-03 192.0.2.101 192.0.2.102
expect_rc 0 px feed ingest --dir a 2026-12-03-event4_sinkhole-rem1.csv
at 2026-12-04T00:10:00Z
expect_rc 0 px feed flush --dir a --json
REM=$(sqlite3 a/parley.db "SELECT case_id FROM feed_groups WHERE identifier = 'remtest'")
[ -n "$REM" ] || fail "no case for the remediation group"
case_text "$REM" 0
expect_in "$TMP/text" "Hosts in this case: 2; 2 seen in this interval (2 new), 0 still seen 3 or more days after first, 0 not seen for 3 days."
at 2026-12-06T10:00:00Z
rem_csv 2026-12-06-event4_sinkhole-rem2.csv 2026-12-06 192.0.2.101 192.0.2.103
expect_rc 0 px feed ingest --dir a 2026-12-06-event4_sinkhole-rem2.csv
# The expiry looks once a day: a host waiting in an open batch keeps the
# case open.
at 2026-12-07T00:10:00Z
expect_rc 0 px feed flush --dir a --json
expect_json "$OUT" 'd["updates"]' 1
case_text "$REM" 1
expect_in "$TMP/text" "Hosts in this case: 3; 2 seen in this interval (1 new), 1 still seen 3 or more days after first, 1 not seen for 3 days."
ok "remediation: new, persistent and gone hosts counted across the case's batches"
# (The cases of 1 December, whose hosts were last seen then, close on
# the 13th.)
at 2026-12-13T00:10:00Z
expect_rc 0 px feed flush --dir a --json
expect_state a "$REM" sent
at 2026-12-14T00:10:00Z
expect_rc 0 px feed flush --dir a --json
expect_json "$OUT" 'd["closed"]' 1
case_text "$REM" 2
expect_in "$TMP/text" "Resolved: none of the hosts of this case was seen since 2026-12-06T09:00:00.000Z (7 days without a sighting)."
expect_state a "$REM" closed
ok "a case whose hosts were not seen for 7 days is closed as resolved"
finish
