#!/bin/bash
# Acting on the queue (issue 15, docs/routing.md "The queue"), with two
# live nodes: A ingests events its delegation file cannot place; a person
# routes one to B by hand (CLI) and one through the API, dismisses others
# with a reason, is refused for a TLP:RED event, a non-peer, an event no
# longer queued and a dismissal without reason; then an override A
# proposed and B accepted re-routes the queued events it covers, in A's
# serving node, without anyone asking.  Every action is listed with who
# did it and why; B receives the hand-routed and re-routed events in its
# report cases with their explanations, and its digest check agrees.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v curl >/dev/null || fail "curl is required"
trap live_cleanup EXIT
mkdir -p "$TMP/pids"
A=cert-a.example
B=cert-b.example
read -r PA PB < <(free_ports 2 | tr '\n' ' ')
echo 0 >step
export PARLEY_CLOCK_STEP_FILE=$TMP/step

live_node a $A UTC $PA
live_node b $B Europe/Berlin $PB
sed -i 's|^countries =$|countries = CN|' a/parley.conf
sed -i 's|^countries =$|countries = DE|' b/parley.conf
for d in a b; do expect_rc 0 px card --dir $d -o $d.card; done
enrol a b
expect_rc 0 px token create --dir a --name triage --role analyst
TA=$(cat "$OUT")
expect_rc 0 px token create --dir b --name analyst --role analyst
TB=$(cat "$OUT")
# One block delegated to B's country; 203.0.113.0/24 and 198.51.100.0/24
# to no one.
cat >deleg.txt <<'EOF'
2|ripencc|20261201|2|19830705|20261201|+0100
ripencc|*|ipv4|*|2|summary
ripencc|DE|ipv4|192.0.2.0|256|20100101|allocated
ripencc|CN|ipv4|198.18.0.0|256|20100101|allocated
EOF
expect_rc 0 px routing load --dir a deleg.txt
expect_rc 0 px routing load --dir b deleg.txt
serve a
serve b

DAY=$(date -u +%Y-%m-%d)
python3 - "$DAY" <<'EOF' || fail "generating the feed"
import json, sys
day = sys.argv[1]
def ev(ip, port, tlp=None):
    o = {"source.ip": ip, "source.port": port, "source.asn": 64500,
         "classification.type": "infected-system", "malware.name": "mirai",
         "time.source": day + "T01:00:00+00:00", "feed.name": "bots"}
    if tlp:
        o["tlp"] = tlp
    return json.dumps(o) + "\n"
with open("bots.jsonl", "w") as f:
    f.write(ev("192.0.2.5", 1))           # routed to B by country
    for i in range(1, 5):
        f.write(ev("198.51.100.%d" % i, 2))  # unroutable
    f.write(ev("198.51.100.9", 3, "red"))  # withheld: TLP:RED
    for i in range(7, 10):
        f.write(ev("203.0.113.%d" % i, 4))   # unroutable until the override
EOF
expect_rc 0 px feed ingest --dir a --json bots.jsonl
expect_json "$OUT" '[d[0][k] for k in ("events", "routed", "unroutable", "withheld")]' '[9, 1, 7, 1]'
expect_rc 0 px feed queue --dir a --json
cp "$OUT" q0.json
id_of() { json_get q0.json "[e['id'] for e in d if e['host'] == '$1'][0]"; }
E1=$(id_of 198.51.100.1)
E2=$(id_of 198.51.100.2)
E3=$(id_of 198.51.100.3)
E4=$(id_of 198.51.100.4)
ERED=$(id_of 198.51.100.9)
expect_json q0.json 'sorted(e["status"] for e in d)' \
	'["unroutable", "unroutable", "unroutable", "unroutable", "unroutable", "unroutable", "unroutable", "withheld"]'

# A person routes one by hand, from the command line.
expect_rc 0 px feed route --dir a "$E1" --to $B --reason "AS64500 is a DE provider"
expect_in "$OUT" "Event $E1 routed to $B"
# What is refused, and why.
expect_rc 3 px feed route --dir a "$ERED" --to $B
expect_in "$ERR" "TLP:RED"
expect_rc 4 px feed route --dir a "$E2" --to cert-z.example
expect_in "$ERR" "not a pinned peer"
expect_rc 4 px feed route --dir a "$E2" --to $A
expect_rc 5 px feed route --dir a "$E1" --to $B
expect_in "$ERR" "not waiting in the queue (it is routed)"
expect_rc 4 px feed dismiss --dir a 999999 --reason x
expect_rc 2 px feed dismiss --dir a "$E2"
expect_in "$ERR" "--reason is required"
expect_rc 2 px feed route --dir a "$E2"
# Dismissed from the command line, with the reason.
expect_rc 0 px feed dismiss --dir a "$E2" "$ERED" --reason "sinkhole test traffic"
ok "routed and dismissed from the command line; RED, non-peers, done events and missing reasons refused"

# The API: route one, dismiss one; the token's name is recorded.
call a "$TA" POST "/api/v1/feeds/queue/$E3/route" "{\"peer\": \"$B\", \"reason\": \"looked up by hand\"}"
want_code 200
expect_json "$OUT" 'd["status"]' routed
call a "$TA" POST "/api/v1/feeds/queue/$E4/dismiss" '{}'
want_code 422
expect_in "$OUT" "a reason is required"
expect_in "$OUT" '"type"'
call a "$TA" POST "/api/v1/feeds/queue/$E4/dismiss" '{"reason": "researcher scanning"}'
want_code 200
call a "$TA" POST "/api/v1/feeds/queue/$E4/route" "{\"peer\": \"$B\"}"
want_code 409
call a "$TA" POST "/api/v1/feeds/queue/abc/route" "{\"peer\": \"$B\"}"
want_code 422
call a "$TA" GET "/api/v1/feeds/queue"
want_code 200
expect_json "$OUT" 'sorted(e["host"] for e in d)' '["203.0.113.7", "203.0.113.8", "203.0.113.9"]'
call a "$TA" GET "/api/v1/feeds/queue?status=dismissed"
want_code 200
expect_json "$OUT" 'sorted(e["host"] for e in d)' '["198.51.100.2", "198.51.100.4", "198.51.100.9"]'
call a "$TA" GET "/api/v1/feeds/actions"
want_code 200
expect_json "$OUT" '[(x["event"], x["action"], x["was"], x["peer"], x["who"], x["reason"]) for x in reversed(d)]' \
	"[[$E1, \"route\", \"unroutable\", \"$B\", \"cli:${USER:-unknown}\", \"AS64500 is a DE provider\"], [$E2, \"dismiss\", \"unroutable\", null, \"cli:${USER:-unknown}\", \"sinkhole test traffic\"], [$ERED, \"dismiss\", \"withheld\", null, \"cli:${USER:-unknown}\", \"sinkhole test traffic\"], [$E3, \"route\", \"unroutable\", \"$B\", \"triage\", \"looked up by hand\"], [$E4, \"dismiss\", \"unroutable\", null, \"triage\", \"researcher scanning\"]]"
call a "$TA" GET "/api/v1/feeds/actions?event=$E3"
expect_json "$OUT" 'len(d)' 1
ok "routed and dismissed through the API; every action listed with who and why"

# An override A proposes and B accepts: A's serving node re-routes the
# three queued events of 203.0.113.0/24 once the acceptance arrives.
expect_rc 0 px routing propose --dir a --json 203.0.113.0/24 --peer $B --to $B --until 2099-01-01
OVR=$(json_get "$OUT" 'd["id"]')
got_proposal() { px routing list --dir b --json 2>/dev/null | grep -q "$OVR"; }
wait_for 30 "B receives the proposal" got_proposal
expect_rc 0 px routing accept --dir b "$OVR"
queue_empty() {
	px feed queue --dir a --json >"$TMP/q.json" 2>/dev/null &&
		[ "$(json_get "$TMP/q.json" 'len(d)')" = 0 ]
}
wait_for 40 "A re-routes the queued events the override covers" queue_empty
expect_rc 0 px feed actions --dir a --json
RR="[\"reroute\", \"$B\", \"override $OVR\", \"override in effect\"]"
expect_json "$OUT" '[(x["action"], x["peer"], x["reason"], x["who"]) for x in d if x["action"] == "reroute"]' \
	"[$RR, $RR, $RR]"
expect_rc 0 px feed actions --dir a
expect_in "$OUT" "reroute (was unroutable) -> $B  by override in effect: override $OVR"
ok "the accepted override routed the 3 queued events it covers"

# The day ends; B receives the batches with the explanations and agrees.
python3 -c "
import time
now = time.time()
print(int(((now // 86400 + 1) * 86400 + 300 - now) * 1000))" >step
expect_rc 0 px feed flush --dir a --json
got_digest() {
	px feed digests --dir b --json >"$TMP/dg.json" 2>/dev/null &&
		[ "$(json_get "$TMP/dg.json" 'len([x for x in d if x["dir"] == "in"])')" = 1 ]
}
wait_for 60 "B receives the digest" got_digest
python3 - "$B" "$OVR" <<'EOF' >routes.txt || fail "reading B's attachments"
import glob, json, sys
for path in sorted(glob.glob("b/attachments/*/*")):
    for line in open(path):
        o = json.loads(line)
        r = o["route"]
        print("|".join([o["event"]["source"]["ip"], r["by"], r.get("was", ""),
              r.get("reason", r.get("override", "")), r["to"]]))
EOF
expect_eq "what B received" "$(LC_ALL=C sort routes.txt)" "192.0.2.5|country|||$B
198.51.100.1|person|unroutable|AS64500 is a DE provider|$B
198.51.100.3|person|unroutable|looked up by hand|$B
203.0.113.7|override||$OVR|$B
203.0.113.8|override||$OVR|$B
203.0.113.9|override||$OVR|$B"
call b "$TB" POST "/api/v1/feeds/digests/$A/$DAY/verify"
want_code 200
expect_json "$OUT" 'd["agree"]' true
expect_json "$OUT" 'd["recomputed"]["events"]' 6
ok "B received the 6 events with their explanations; its digest check agrees"
finish
