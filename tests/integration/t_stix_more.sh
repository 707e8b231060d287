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

SRC=${PX_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
VEC=$SRC/tests/vectors
AJV=$SRC/tests/e2e/node_modules/.bin/ajv
A=cert-a.example
B=cert-b.example

validate() { # FILE...: every file is a valid STIX 2.1 bundle
	local refs=() f
	[ -x "$AJV" ] || { echo "SKIP ajv: $AJV is missing (scripts/deps.sh --e2e)" >&2; return 0; }
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

finish
