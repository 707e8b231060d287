#!/bin/bash
# Routing against an independent oracle (issue 15): a generated delegation
# file (non-power-of-two IPv4 counts, IPv6, AS ranges), four parties whose
# cards state their constituencies (countries, networks, AS numbers, own
# networks), and overrides agreed by signed messages: two nested ones for
# different parties, two equal ones (a dispute), and one that expired.
# Every event's status and destination must be what Python's ipaddress
# module computes with the rules of docs/routing.md (feeds_gen.py oracle).
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

GEN=$PX_SOURCE_DIR/tests/integration/feeds_gen.py
A=cert-a.example
B=cert-b.example
C=cert-c.example
D=cert-d.example

at 2026-12-01T08:00:00Z
mknode a $A UTC
mknode b $B Europe/Berlin
mknode c $C Europe/Vienna
mknode d $D Europe/Paris
python3 "$GEN" deleg deleg.txt 7 || fail "generating the delegation file"
# Constituencies: b holds DE and a network inside an AT block, c holds AT,
# its own network, and AS numbers; d holds FR and, like b, NL (disputes).
sed -i 's|^countries =$|countries = CN|' a/parley.conf
sed -i 's|^countries =$|countries = DE, NL|; s|^#networks =.*$|networks = 100.64.40.0/22, 2001:db8:8::/45|' b/parley.conf
sed -i 's|^countries =$|countries = AT|; s|^#asns =.*$|asns = AS64500-AS64504, AS64520|; s|^#own_networks =.*$|own_networks = 100.64.40.0/24|' c/parley.conf
sed -i 's|^countries =$|countries = FR, NL|' d/parley.conf
for n in a b c d; do expect_rc 0 px card --dir $n -o $n.card; done
expect_json b.card 'd["card"]["constituency"]["networks"]' '["100.64.40.0/22", "2001:db8:8::/45"]'
for n in b c d; do enrol a $n; done
expect_rc 0 px routing load --dir a deleg.txt
expect_in "$OUT" "registry ripencc, serial 20261201"
ok "four parties with constituencies in their cards; a delegation file loaded"

# A bad constituency is refused when the node opens, naming the entry.
cp -r d d2
sed -i 's|^countries = FR, NL$|countries = FR, nl|' d2/parley.conf
expect_rc 3 px card --dir d2 -o d2.card
expect_in "$ERR" "two-letter code"
rm -rf d2

# Overrides: proposed by a, accepted by b and c.
at 2026-12-01T08:10:00Z
expect_rc 0 px routing propose --dir a 100.64.8.0/24 --peer $B --to $B --until 2026-12-01T12:00:00Z --json
O1=$(json_get "$OUT" 'd["id"]')
expect_rc 0 px routing propose --dir a 100.64.8.0/26 --peer $C --to $C --until 2026-12-01T12:00:00Z --json
O2=$(json_get "$OUT" 'd["id"]')
expect_rc 0 px routing propose --dir a 100.64.16.0/24 --peer $B --to $B --until 2026-12-01T12:00:00Z
expect_rc 0 px routing propose --dir a 100.64.16.0/24 --peer $C --to $C --until 2026-12-01T12:00:00Z
expect_rc 0 px routing propose --dir a AS64510 --peer $B --to $B --until 2026-12-01T09:00:00Z --json
O5=$(json_get "$OUT" 'd["id"]')
# An override naming a third party is refused before it is signed.
expect_rc 3 px routing propose --dir a 100.64.9.0/24 --peer $B --to $C --until 2026-12-01T12:00:00Z
expect_in "$ERR" "names one of them"
hop a b $B $A ab1
hop a c $C $A ac1
expect_rc 0 px routing list --dir b --json
expect_json "$OUT" 'sorted(o["state"] for o in d["overrides"])' '["proposed", "proposed", "proposed"]'
at 2026-12-01T08:20:00Z
for id in $(json_get "$OUT" '" ".join(o["id"] for o in d["overrides"])'); do
	expect_rc 0 px routing accept --dir b "$id"
done
expect_rc 0 px routing list --dir c --json
for id in $(json_get "$OUT" '" ".join(o["id"] for o in d["overrides"])'); do
	expect_rc 0 px routing accept --dir c "$id"
done
# A party cannot accept its own proposal: it has no effect.
expect_rc 0 px routing accept --dir a "$O1"
hop b a $A $B ba1
hop c a $A $C ca1
# (Each reply is dated a millisecond after the last message of its case.)
at 2026-12-01T08:25:00Z
expect_rc 0 px routing list --dir a --json
expect_json "$OUT" 'sorted(o["state"] for o in d["overrides"])' '["active", "active", "active", "active", "active"]'
expect_json "$OUT" '[o["accepted"][:19] for o in d["overrides"] if o["id"] == "'"$O1"'"][0]' "2026-12-01T08:20:00"
ok "overrides proposed by a and accepted by b and c: both sides hold them"

# Events: addresses from every kind of block and outside them all, with
# AS numbers, routed at 10:00 (the AS override has expired by then).
python3 - "$PX_SOURCE_DIR/tests/integration" <<'EOF' || fail "generating events"
import json, random, sys
sys.path.insert(0, sys.argv[1])
import feeds_gen as g
r = random.Random(11)
ips = g.deleg_addresses("deleg.txt", r, 1500) + \
    g.deleg_addresses("deleg.txt", r, 200, fam=6)
ips += ["100.64.8.%d" % i for i in range(0, 256, 3)]
ips += ["100.64.16.%d" % i for i in range(0, 256, 7)]
ips += ["100.64.40.%d" % i for i in range(0, 256, 5)]
ips += ["100.64.41.%d" % i for i in range(0, 256, 9)]
ips += ["203.0.113.%d" % i for i in range(1, 40)]
ips += ["2001:db8:8::%x" % i for i in range(1, 30)]
seen = set()
at = 1796119200000  # 2026-12-01T10:00:00Z
with open("events.jsonl", "w") as f, open("oracle-in.jsonl", "w") as o:
    for ip in ips:
        if ip in seen:
            continue
        seen.add(ip)
        asn = r.choice([-1, -1, 64500, 64502, 64510, 64520, 64999])
        ev = {"source.ip": ip, "classification.type": "infected-system",
              "classification.identifier": "bot",
              "time.source": "2026-12-01T09:00:00Z", "tlp": "amber"}
        if asn > 0:
            ev["source.asn"] = asn
        f.write(json.dumps(ev) + "\n")
        o.write(json.dumps({"ip": ip, "asn": asn, "at": at}) + "\n")
EOF
python3 - <<EOF || fail "writing the oracle's constituencies"
import json
h = lambda t: __import__("datetime").datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() * 1000
acc = h("2026-12-01T08:20:00Z")
cons = {"self": "$A", "parties": {
  "$A": {"countries": ["CN"]},
  "$B": {"countries": ["DE", "NL"], "networks": ["100.64.40.0/22", "2001:db8:8::/45"]},
  "$C": {"countries": ["AT"], "asns": ["AS64500-AS64504", "AS64520"], "own": {"networks": ["100.64.40.0/24"]}},
  "$D": {"countries": ["FR", "NL"]}},
 "overrides": [
  {"network": "100.64.8.0/24", "to": "$B", "from": acc, "until": h("2026-12-01T12:00:00Z")},
  {"network": "100.64.8.0/26", "to": "$C", "from": acc, "until": h("2026-12-01T12:00:00Z")},
  {"network": "100.64.16.0/24", "to": "$B", "from": acc, "until": h("2026-12-01T12:00:00Z")},
  {"network": "100.64.16.0/24", "to": "$C", "from": acc, "until": h("2026-12-01T12:00:00Z")},
  {"asn": 64510, "to": "$B", "from": acc, "until": h("2026-12-01T09:00:00Z")}]}
json.dump(cons, open("cons.json", "w"))
EOF
python3 "$GEN" oracle deleg.txt cons.json oracle-in.jsonl >oracle.jsonl || fail "the oracle failed"

at 2026-12-01T10:00:00Z
expect_rc 0 px feed ingest --dir a --json events.jsonl
expect_json "$OUT" 'd[0]["bad"]' 0
TOTAL=$(wc -l <events.jsonl)
expect_json "$OUT" 'd[0]["events"]' "$TOTAL"
"$PARLEY" feed events --dir a --json --limit 10000000 >events.json || fail "reading the routes"
python3 -c '
import json
names = ["routed", "own", "unroutable", "disputed", "withheld", "dismissed"]
with open("routes.txt", "w") as f:
    for e in json.load(open("events.json")):
        f.write("%s|%d|%s\n" % (e["host"], names.index(e["status"]), json.dumps(e["route"])))
' || fail "reading the routes"
python3 - <<'EOF' || fail "parley and the oracle disagree (see above)"
import json
names = ["routed", "own", "unroutable", "disputed", "withheld"]
got = {}
for line in open("routes.txt"):
    host, status, route = line.rstrip("\n").split("|", 2)
    r = json.loads(route)
    got[host] = (names[int(status)], r.get("to") if int(status) in (0, 1) else None, r.get("by", ""))
bad = 0
counts = {}
for line in open("oracle.jsonl"):
    o = json.loads(line)
    import ipaddress
    key = str(ipaddress.ip_address(o["ip"]))
    want = (o["status"], o["to"] if o["status"] in ("routed", "own") else None)
    have = got.get(key)
    counts[o["status"]] = counts.get(o["status"], 0) + 1
    if have is None or have[:2] != want:
        bad += 1
        if bad <= 10:
            print("MISMATCH", key, "oracle", want, o["by"], "parley", have)
print("oracle:", counts)
if bad:
    raise SystemExit("%d of %d events routed differently" % (bad, len(got)))
for s in ("routed", "own", "unroutable", "disputed"):
    if counts.get(s, 0) == 0:
        raise SystemExit("the generated events never exercise " + s)
EOF
ok "every routing decision agrees with the ipaddress oracle ($TOTAL events)"

# Each kind of decision cites what decided it.
expect_rc 0 px routing explain --dir a 100.64.8.5 --json
expect_json "$OUT" 'd["route"]["by"]' override
expect_json "$OUT" 'd["route"]["to"]' $C
expect_json "$OUT" 'd["route"]["override"]' "$O2"
expect_rc 0 px routing explain --dir a 100.64.16.5 --json
expect_json "$OUT" 'd["status"]' disputed
expect_json "$OUT" 'd["route"]["claimants"]' "[\"$B\", \"$C\"]"
expect_rc 0 px routing explain --dir a 100.64.41.7 --json
expect_json "$OUT" 'd["route"]["by"]' network
expect_json "$OUT" 'd["route"]["network"]' 100.64.40.0/22
# TLP: AMBER+STRICT only to a party's own networks; RED never.
expect_rc 0 px routing explain --dir a 100.64.41.7 --tlp amber+strict --json
expect_json "$OUT" 'd["status"]' withheld
expect_rc 0 px routing explain --dir a 100.64.40.7 --tlp amber+strict --json
expect_json "$OUT" 'd["status"]' routed
expect_json "$OUT" 'd["route"]["to"]' $C
expect_rc 0 px routing explain --dir a 100.64.40.7 --tlp red --json
expect_json "$OUT" 'd["status"]' withheld
# By country: the file, its serial and SHA-256, and the very line.
IP=$(python3 -c '
import json
for l in open("oracle.jsonl"):
    o = json.loads(l)
    if o["by"] == "country" and o["status"] == "routed" and ":" not in o["ip"]:
        print(o["ip"]); break')
expect_rc 0 px routing explain --dir a "$IP" --json
expect_json "$OUT" 'd["route"]["by"]' country
LINE=$(json_get "$OUT" 'd["route"]["line"]')
expect_eq "the line cited is the file's line" "$(sed -n "${LINE}p" deleg.txt)" "$(json_get "$OUT" 'd["line"]')"
expect_json "$OUT" 'd["route"]["file"]["sha256"]' "$(sha256sum deleg.txt | cut -d' ' -f1)"
ok "explanations cite the override, the network, the claimants, and the delegation line"

# A revoked override stops at once.
at 2026-12-01T10:30:00Z
expect_rc 0 px routing revoke --dir a "$O2"
expect_rc 0 px routing explain --dir a 100.64.8.5 --json
expect_json "$OUT" 'd["route"]["to"]' $B
ok "a revoked override no longer routes"
finish
