#!/bin/bash
# STIX 2.1 exports of what the case mapping (t_interop) does not cover
# (docs/interop.md):
#
#   - evidence items as `file` cyber-observables: hashes equal to the
#     item's manifest (SHA-256 and the rest), size, name, media type,
#     x_parley_evidence naming the item, exhibit and root; referenced by
#     the case's grouping; under the item's own marking, and left out where
#     that marking stops it (a TLP:RED item of a GREEN case reaches the
#     parties only); ids stable across re-export and between the parties.
#
# Every export validates against the STIX 2.1 schemas with ajv.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v sqlite3 >/dev/null || fail "sqlite3 is required"

SRC=${PX_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
VEC=$SRC/tests/vectors
AJV=$SRC/tests/e2e/node_modules/.bin/ajv
A=cert-a.example
B=cert-b.example

validate() { # FILE...: every file is a valid STIX 2.1 bundle
	local refs=() f
	[ -x "$AJV" ] || fail "ajv is missing: $AJV (scripts/deps.sh --e2e installs tests/e2e's npm packages)"
	for f in "$VEC"/stix-schemas/*.json; do
		[ "${f##*/}" = bundle.json ] || refs+=(-r "$f")
	done
	for f in "$@"; do
		expect_rc 0 "$AJV" validate --spec=draft7 --strict=false \
			-s "$VEC/stix-schemas/bundle.json" "${refs[@]}" -d "$f"
	done
}

at 2026-11-20T10:00:00Z
mknode a $A UTC
mknode b $B UTC
sed -i 's|^countries =$|countries = DE|' b/parley.conf
expect_rc 0 px card --dir b -o b.card
enrol a b

# --- evidence ------------------------------------------------------------------
printf 'kit.php contents\n' >kit.php
head -c 5000 /dev/zero | tr '\0' 'x' >mail.eml
expect_rc 0 px case new --dir a --to $B --kind report --category phishing \
	--tlp green --title "Phish kit with evidence" --text "Kit and the lure." \
	--observable domain:evil.example
ID=$(cat "$OUT")
expect_rc 0 px evidence add --dir a "$ID" kit.php --exhibit A-1 --tool wget \
	--tool-version 1.21.3 --media-type application/x-php --json
ITEM1=$(json_get "$OUT" 'd["item"]')
expect_rc 0 px evidence add --dir a "$ID" mail.eml --exhibit A-2 --tool cp \
	--tool-version 9.1 --media-type message/rfc822 --tlp red --json
ITEM2=$(json_get "$OUT" 'd["item"]')
hop a b $B $A a1.bundle
expect_rc 0 px evidence show --dir a A-1 --json
ROOT1=$(json_get "$OUT" 'd["manifest"]["root"]')

expect_rc 0 px export --dir a --format stix -o ev-community.json "$ID"
expect_rc 0 px export --dir a --format stix -o ev-community2.json "$ID"
cmp ev-community.json ev-community2.json || fail "re-export with evidence is not byte-identical"
expect_rc 0 px export --dir a --format stix --to $B -o ev-party.json "$ID"
expect_rc 0 px export --dir b --format stix --to $A -o ev-party-b.json "$ID"
cmp ev-party.json ev-party-b.json || fail "B's export of the case with evidence differs from A's"
python3 - ev-community.json ev-party.json "$(sha256sum kit.php | cut -d' ' -f1)" \
	"$(sha256sum mail.eml | cut -d' ' -f1)" \
	"$ITEM1" "$ITEM2" "$ROOT1" "$ID" <<'PY' || fail "evidence in the bundle"
import json, sys, uuid
com, party, sha1, sha2, item1, item2, root1, case = sys.argv[1:]
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
NS = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
def files(path):
    d = json.load(open(path))
    g = [o for o in d["objects"] if o["type"] == "grouping"][0]
    fs = {o["hashes"]["SHA-256"]: o for o in d["objects"] if o["type"] == "file"}
    for f in fs.values():
        assert f["id"] in g["object_refs"], "the grouping names " + f["id"]
    return d, fs
d, fs = files(com)
assert list(fs) == [sha1], "community: only the GREEN item (the RED one stays): %r" % list(fs)
f = fs[sha1]
assert f["size"] == 17 and f["name"] == "kit.php" and f["mime_type"] == "application/x-php", f
assert f["object_marking_refs"] == [GREEN]
assert [e["item"] for e in f["x_parley_evidence"]] == [item1]
e = f["x_parley_evidence"][0]
assert e["exhibit"] == "A-1" and e["root"] == root1 and e["case"] == case and e["chunks"] == 1, e
# No artifact: the bytes are not in the bundle.
assert not [o for o in d["objects"] if o["type"] == "artifact"]
assert RED not in json.dumps(d), "the community file names no RED marking"
# The id as STIX 2.1 derives a file's: its name and one hash, the first
# of MD5, SHA-1, SHA-256, SHA-512 it has.
k = [h for h in ("MD5", "SHA-1", "SHA-256", "SHA-512") if h in f["hashes"]][0]
want = "file--" + str(uuid.uuid5(NS, json.dumps({"hashes": {k: f["hashes"][k]}, "name": "kit.php"},
                                              sort_keys=True, separators=(",", ":"))))
assert f["id"] == want, (f["id"], want)
d, fs = files(party)
assert sorted(fs) == sorted([sha1, sha2]), "party: both items"
r = fs[sha2]
assert r["object_marking_refs"] == [RED] and r["size"] == 5000 and r["mime_type"] == "message/rfc822"
assert r["x_parley_evidence"][0]["exhibit"] == "A-2" and r["x_parley_evidence"][0]["item"] == item2
assert RED in [o["id"] for o in d["objects"] if o["type"] == "marking-definition"], "RED's definition is in the bundle"
PY
validate ev-community.json ev-party.json
# Re-imported, an evidence file is not made an observable of the case.
expect_rc 0 px import --dir b --to $A --json ev-party.json
expect_rc 0 px case show --dir b --json "$(json_get "$OUT" 'd["case"]')"
expect_json "$OUT" '[o["type"] + " " + o["value"] for o in d["observables"]]' '["domain-name evil.example"]'
ok "evidence: file SCOs with the items' hashes, under their own markings, validated"

# --- a feed digest --------------------------------------------------------------
cat >deleg.txt <<'EOF'
2|ripencc|20261130|2|19830705|20261129|+0100
ripencc|DE|ipv4|192.0.2.0|256|20100101|allocated
ripencc|DE|ipv4|198.51.100.0|256|20100101|allocated
EOF
expect_rc 0 px routing load --dir a deleg.txt
python3 - <<'PY'
import json
with open("ev.jsonl", "w") as f:
    for i, (ip, tlp) in enumerate([("192.0.2.10", "green"), ("192.0.2.11", "amber"),
                                   ("198.51.100.7", "red"), ("192.0.2.10", "green")]):
        f.write(json.dumps({"source.ip": ip, "source.port": 443, "source.asn": 64500,
            "classification.type": "c2-server", "classification.identifier": "qakbot",
            "malware.name": "qakbot", "time.source": "2026-12-01T0%d:00:00+00:00" % (i + 1),
            "feed.name": "c2-list", "feed.provider": "Example Feeds", "tlp": tlp}) + "\n")
PY
at 2026-12-01T09:00:00Z
expect_rc 0 px feed ingest --dir a --json ev.jsonl
expect_json "$OUT" '[d[0]["events"], d[0]["routed"], d[0]["duplicates"]]' '[3, 2, 1]'
at 2026-12-02T00:10:00Z
expect_rc 0 px feed flush --dir a --all --json
expect_json "$OUT" 'd["digests"]' 1
expect_rc 0 px feed digests --dir a --json
ROOT=$(json_get "$OUT" '[x["root"] for x in d if x["dir"] == "out" and x["day"] == "2026-12-01"][0]')

expect_rc 0 px export --dir a --format stix --digest 2026-12-01 --peer $B -o dg-com.json
expect_rc 0 px export --dir a --format stix --digest 2026-12-01 --peer $B -o dg-com2.json
cmp dg-com.json dg-com2.json || fail "re-export of the digest is not byte-identical"
expect_rc 0 px export --dir a --format stix --digest 2026-12-01 --peer $B --to $B -o dg-party.json --json
expect_json "$OUT" 'd["format"]' stix
python3 - dg-com.json dg-party.json "$ROOT" <<'PY' || fail "the digest bundle"
import hashlib, json, sys
com, party, root = sys.argv[1:]
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
def load(path):
    d = json.load(open(path))
    by = {}
    for o in d["objects"]:
        by.setdefault(o["type"], []).append(o)
    return d, by
def mth(leaves):  # RFC 9162 over sorted 32-byte ids
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\0" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\1" + mth(leaves[:k]) + mth(leaves[k:])).digest()
d, by = load(com)
g = by["grouping"][0]
x = g["x_parley_digest"]
assert x["root"] == root and x["day"] == "2026-12-01" and x["events"] == 2, x
assert x["exported"] == 1 and x["left_out"] == 1, x
assert g["object_marking_refs"] == [GREEN]
assert [s["x_parley_event"]["event"]["source"]["ip"] for s in by["sighting"]] == ["192.0.2.10"]
assert "192.0.2.11" not in json.dumps(d), "the AMBER event stays out of the community file"
d, by = load(party)
g = by["grouping"][0]
assert g["object_marking_refs"] == [AMBER], "the strictest marking of its events"
assert g["x_parley_digest"]["exported"] == 2 and g["x_parley_digest"]["left_out"] == 0
s = {o["x_parley_event"]["event"]["source"]["ip"]: o for o in by["sighting"]}
assert sorted(s) == ["192.0.2.10", "192.0.2.11"], sorted(s)
a = s["192.0.2.10"]
assert (a["count"], a["first_seen"], a["last_seen"]) == (2, "2026-12-01T01:00:00.000Z", "2026-12-01T04:00:00.000Z"), a
assert s["192.0.2.11"]["object_marking_refs"] == [AMBER] and a["object_marking_refs"] == [GREEN]
ind = {o["id"]: o for o in by["indicator"]}
assert ind[a["sighting_of_ref"]]["pattern"] == "[ipv4-addr:value = '192.0.2.10']"
prov = [o for o in by["identity"] if o["id"] == a["where_sighted_refs"][0]]
assert prov and prov[0]["name"] == "Example Feeds", prov
assert set(g["object_refs"]) <= {o["id"] for o in d["objects"]}
# Every event the digest covers is here: their ids give the signed root.
ids = sorted(bytes.fromhex(o["x_parley_event"]["id"]) for o in by["sighting"])
assert mth(ids).hex() == root, (mth(ids).hex(), root)
PY
validate dg-com.json dg-party.json
# The receiver exports the same bytes from what it received.
hop a b $B $A f1.bundle
expect_rc 0 px export --dir b --format stix --digest 2026-12-01 --peer $A --received --to $A -o dg-b.json
cmp dg-party.json dg-b.json || fail "B's export of the received digest differs from A's"
# Refusals: no such digest, the public, a wrong shape.
expect_rc 4 px export --dir a --format stix --digest 2026-11-30 --peer $B
expect_in "$ERR" "no digest of 2026-11-30 was signed for $B"
expect_rc 4 px export --dir b --format stix --digest 2026-12-01 --peer $A
expect_rc 5 px export --dir a --format stix --digest 2026-12-01 --peer $B --public -o pub.json
expect_in "$ERR" "TLP:GREEN"
[ -e pub.json ] && fail "a refused digest export wrote pub.json"
expect_rc 2 px export --dir a --format stix --digest 2026-12-01
expect_rc 2 px export --dir a --format misp --digest 2026-12-01 --peer $B
expect_rc 2 px export --dir a --format stix --peer $B "$ID"
ok "feed digest: grouping with the signed root, events as sightings under their markings, validated"

# --- STIX bundles in as feed events ----------------------------------------------
at 2026-12-02T01:00:00Z
nev() { "$PARLEY" feed events --dir a --json --limit 1000000 | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'; }
nfiles() { sqlite3 a/parley.db "SELECT count(*) FROM feed_files"; }
# A's own export of the digest comes back as the same events: the
# pipeline knows them all (same event ids), nothing new is stored.
before=$(nev)
expect_rc 0 px feed ingest --dir a --format stix --json dg-party.json
expect_json "$OUT" '[d[0]["records"], d[0]["events"], d[0]["duplicates"], d[0]["bad"]]' '[2, 0, 2, 0]'
expect_eq "events after re-ingesting the exported digest" "$before" "$(nev)"
# Another tool's bundle: a sighted indicator, an unsighted one, and a
# pattern with two comparisons (skipped).
cp "$SRC/tests/fuzz/corpus/stix_feed/sighted.json" other.json
expect_rc 0 px feed ingest --dir a --format stix --json other.json
expect_json "$OUT" '[d[0]["name"], d[0]["records"], d[0]["events"], d[0]["bad"]]' '["other.json", 2, 2, 0]'
expect_json "$OUT" 'd[0]["routed"]' 1
feed_event a 192.0.2.20 ev20.json
expect_json ev20.json '[d["source"]["ip"], d["classification"]["type"], d["time"]["source"], d["tlp"], d["feed"]["provider"], d["extra"]["count"]]' \
	'["192.0.2.20", "system-compromise", "2026-12-01T05:00:00.000Z", "green", "Example Sensors", "5"]'
feed_event a bad.example evbad.json
expect_json evbad.json '[d["source"]["fqdn"], d["classification"]["type"], d["time"]["source"]]' \
	'["bad.example", "blocklist", "2026-12-01T02:00:00.000Z"]'
ok "STIX bundles in as feed events: sightings and simple indicators, routed and deduplicated"
# Malformed bundles: refused (exit 3) naming what is wrong, nothing stored.
before=$(nev)
files=$(nfiles)
python3 - <<'PY'
import json
good = json.load(open("other.json"))
bad = json.loads(json.dumps(good))
bad["objects"][1]["pattern"] = "[ipv4-addr:value = '300.1.2.3']"
json.dump(bad, open("bad-addr.json", "w"))
open("bad-json.json", "w").write(json.dumps(good)[:-20])
json.dump({"type": "bundle", "objects": [{"type": "identity", "id": "identity--1", "name": "x"}]},
          open("no-events.json", "w"))
json.dump({"type": "bundle", "objects": [{"type": "sighting", "id": "sighting--1"}]},
          open("bad-sighting.json", "w"))
PY
# An unknown format names every format the CLI reads, stix among them.
expect_rc 2 px feed ingest --dir a --format stx bad-addr.json
expect_in "$ERR" "unknown feed format 'stx' (expected one of: shadowserver, intelmq, xarf, csv, stix)"
expect_rc 3 px feed ingest --dir a --format stix bad-addr.json
expect_in "$ERR" "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
expect_in "$ERR" "300.1.2.3"
expect_rc 3 px feed ingest --dir a --format stix bad-json.json
expect_in "$ERR" "the STIX bundle"
expect_rc 3 px feed ingest --dir a --format stix no-events.json
expect_in "$ERR" "holds no feed event"
expect_rc 3 px feed ingest --dir a --format stix bad-sighting.json
expect_in "$ERR" "sighting--1: a sighting needs a sighting_of_ref"
expect_eq "events after refused bundles" "$before" "$(nev)"
expect_eq "feed files after refused bundles" "$files" "$(nfiles)"
[ -z "$(ls a/feeds | grep stix-)" ] || fail "a converted bundle was left in a/feeds: $(ls a/feeds)"
ok "malformed STIX bundles refused with nothing stored"

finish
