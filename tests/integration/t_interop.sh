#!/bin/bash
# STIX 2.1 export and import, and the TLP choke point on every path that
# can carry a case off a node here (docs/interop.md):
#
#   A (cert-a.example) reports five cases to B (cert-b.example), one per TLP
#   marking, with observables of every kind; B answers one, A rates it.
#
# Checked: the export matrix (marking x audience: what leaves, what is
# refused, and that a refusal names the marking); the exported bundle
# validates against STIX 2.1 JSON schemas with ajv (tests/e2e's npm
# packages), carries the official TLP 2.0 marking-definition, SCO ids as
# STIX 2.1 derives them, valid patterns; re-export and the peer's export of
# the same case are byte-identical; import opens a case that exports the
# same observables, title and marking; the public samples import; malformed
# bundles are refused with nothing stored; a TLP:RED case's title never
# rides on e-mail or webhooks while a GREEN one's does; the record view
# and the review report still serve a RED case to their own audiences.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

SRC=${PX_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
VEC=$SRC/tests/vectors
AJV=$SRC/tests/e2e/node_modules/.bin/ajv
# The schema checks are part of the test: no ajv, no pass.
[ -x "$AJV" ] || fail "ajv is missing: $AJV (scripts/deps.sh --e2e installs tests/e2e's npm packages)"
A=cert-a.example
B=cert-b.example
SHA=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef

at 2026-11-20T10:00:00Z
mknode a $A UTC
expect_rc 0 px init --dir b --name $B --timezone UTC --email duty@b.example
expect_rc 0 px card --dir b -o b.card
enrol a b
# C: a peer of A with no part in A's cases (the export matrix's "another
# peer"; export --to must name a pinned peer).
mknode c cert-c.example UTC
expect_rc 0 px peer add --dir a c.card

declare -A ID
for t in clear green amber amber+strict red; do
	expect_rc 0 px case new --dir a --to $B --kind request --category phishing \
		--priority P1 --tlp "$t" --title "Phish kit $t at evil.example" \
		--text "Please take down the kit ($t)." \
		--observable ip:203.0.113.7 --observable cidr:2001:db8::/32 \
		--observable domain:evil.example --observable "url:https://evil.example/it's/kit.php" \
		--observable email:ops@evil.example --observable "sha256:$SHA" \
		--observable cve:CVE-2021-44228 --observable asn:64500
	ID[$t]=$(cat "$OUT")
done
hop a b $B $A a1.bundle
at 2026-11-20T10:05:00Z
expect_rc 0 px case ack --dir b "${ID[green]}" --text "On it."
expect_rc 0 px case result --dir b "${ID[green]}" --text "Taken down." --outcome resolved
hop b a $A $B b1.bundle
at 2026-11-20T10:06:00Z
expect_rc 0 px case rate --dir a "${ID[green]}" --score 4 --comment "Fast."
hop a b $B $A a2.bundle
ok "five cases, one per marking; the GREEN one answered and rated"

# --- the export matrix ------------------------------------------------------
# audience flags -> the markings that leave (the rest are refused, exit 5).
# Every export that leaves is kept for the schema check below.
MATRIX=()
keep_export() {
	local f="matrix-${#MATRIX[@]}.json"
	cp "$OUT" "$f"
	MATRIX+=(-d "$f")
}
check_matrix() {
	local flags=$1 allowed=$2 t
	for t in clear green amber amber+strict red; do
		# shellcheck disable=SC2086
		if [[ " $allowed " == *" $t "* ]]; then
			expect_rc 0 px export --dir a --format stix $flags "${ID[$t]}"
			expect_in "$OUT" "\"name\": \"Phish kit $t at evil.example\""
			keep_export
		else
			expect_rc 5 px export --dir a --format stix $flags "${ID[$t]}"
			[ -s "$OUT" ] && fail "a refused export wrote [$(head -c 200 "$OUT")]"
			label=$(echo "$t" | tr a-z A-Z)
			expect_in "$ERR" "TLP:$label stops case ${ID[$t]}"
		fi
	done
}
check_matrix "" "clear green"
check_matrix "--public" "clear"
check_matrix "--to $B" "clear green amber amber+strict red"
check_matrix "--to cert-c.example" "clear green"
expect_rc 0 px export --dir a --format stix --internal "${ID[amber+strict]}"
keep_export
expect_rc 5 px export --dir a --format stix --internal "${ID[red]}"
expect_in "$ERR" "TLP:RED lets only the reference of case ${ID[red]} leave"
# One refused case stops the whole file.
expect_rc 5 px export --dir a --format stix -o mixed.json "${ID[green]}" "${ID[red]}"
[ -e mixed.json ] && fail "a refused export left mixed.json"
ok "export matrix: community, public, party, non-party, internal"

# --- the bundle ---------------------------------------------------------------
expect_rc 0 px export --dir a --format stix -o green.json --json "${ID[green]}"
expect_rc 0 px export --dir a --format stix -o green2.json "${ID[green]}"
cmp green.json green2.json || fail "re-export is not byte-identical"
expect_rc 0 px export --dir b --format stix -o green-b.json "${ID[green]}"
cmp green.json green-b.json || fail "B's export of the same case differs from A's"
expect_rc 0 px export --dir a --format stix -o two.json "${ID[clear]}" "${ID[green]}"
python3 - green.json two.json <<'PY' || fail "bundle contents"
import json, re, sys, uuid
d = json.load(open(sys.argv[1]))
objs = d["objects"]
ids = [o["id"] for o in objs]
assert ids == sorted(ids) and len(set(ids)) == len(ids), "objects sorted by id, once each"
by = {}
for o in objs:
    by.setdefault(o["type"], []).append(o)
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
md = by["marking-definition"]
assert [m["id"] for m in md] == [GREEN], md
assert md[0]["extensions"]["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"]["tlp_2_0"] == "green"
for o in objs:
    # Identities name the parties, the same object in every bundle.
    if o["type"] not in ("marking-definition", "identity"):
        assert o.get("object_marking_refs") == [GREEN], o["id"]
g = by["grouping"][0]
assert g["name"] == "Phish kit green at evil.example"
assert g["x_parley_case"]["priority"] == "P1" and g["x_parley_case"]["category"] == "phishing"
assert set(g["object_refs"]) <= set(ids)
# SCO ids as STIX 2.1 section 2.9 derives them, so other tools agree.
NS = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
def sco(t, props):
    return t + "--" + str(uuid.uuid5(NS, json.dumps(props, sort_keys=True, separators=(",", ":"))))
want = {sco("ipv4-addr", {"value": "203.0.113.7"}), sco("ipv6-addr", {"value": "2001:db8::/32"}),
        sco("domain-name", {"value": "evil.example"}), sco("email-addr", {"value": "ops@evil.example"}),
        sco("autonomous-system", {"number": 64500}),
        sco("file", {"hashes": {"SHA-256": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}})}
assert want <= set(ids), want - set(ids)
urls = [o for o in by["url"]]
assert len(urls) == 1 and sco("url", {"value": urls[0]["value"]}) == urls[0]["id"]
# Patterns: one comparison each, quotes escaped.
pat = re.compile(r"^\[(ipv4-addr|ipv6-addr|domain-name|url|email-addr):value = '((?:[^'\\]|\\['\\])*)'\]$|^\[file:hashes\.'SHA-256' = '[0-9a-f]{64}'\]$|^\[autonomous-system:number = [0-9]+\]$")
assert len(by["indicator"]) == 7, len(by["indicator"])
for i in by["indicator"]:
    assert pat.match(i["pattern"]), i["pattern"]
    assert i["pattern_type"] == "stix" and i["valid_from"] == g["created"]
assert any("\\'" in i["pattern"] for i in by["indicator"]), "the quote in the URL is escaped"
assert [v["name"] for v in by["vulnerability"]] == ["CVE-2021-44228"]
assert len(by["relationship"]) == 7
names = sorted(i["name"] for i in by["identity"])
assert names == ["cert-a.example", "cert-b.example"], names
notes = sorted(n["x_parley_message"]["type"] for n in by["note"])
assert notes == ["ack", "request", "result"], notes
assert [o["opinion"] for o in by["opinion"]] == ["agree"] and by["opinion"][0]["explanation"] == "Fast."
# Two cases share their observables: one SCO each, the stricter marking
# (both are CLEAR/GREEN here: GREEN).
t = json.load(open(sys.argv[2]))
tid = [o["id"] for o in t["objects"]]
assert len(tid) == len(set(tid))
assert len([o for o in t["objects"] if o["type"] == "grouping"]) == 2
assert [o["object_marking_refs"] for o in t["objects"] if o["type"] == "ipv4-addr"] == [[GREEN]]
PY
ok "bundle: sorted unique ids, official TLP marking, STIX SCO ids, patterns, notes, opinion"

refs=()
for f in "$VEC"/stix-schemas/*.json; do
	[ "${f##*/}" = bundle.json ] || refs+=(-r "$f")
done
# Every export of this test: the matrix (all five markings' definitions)
# and the bundles checked above (green-b.json and green2.json are
# byte-identical to green.json).
expect_rc 0 "$AJV" validate --spec=draft7 --strict=false \
	-s "$VEC/stix-schemas/bundle.json" "${refs[@]}" \
	-d green.json -d two.json "${MATRIX[@]}"
[ "$(grep -c ' valid$' "$OUT")" = $((${#MATRIX[@]} / 2 + 2)) ] ||
	fail "ajv did not report every export valid: $(cat "$OUT" "$ERR")"
# The schemas can fail: an unknown property, a bad timestamp.
python3 -c '
import json; d = json.load(open("green.json"))
d["objects"][0]["colour"] = "red"; json.dump(d, open("bad1.json", "w"))
d = json.load(open("green.json"))
[o for o in d["objects"] if o["type"] == "grouping"][0]["created"] = "2026-11-20 10:00"
json.dump(d, open("bad2.json", "w"))'
for f in bad1.json bad2.json; do
	expect_rc 1 "$AJV" validate --spec=draft7 --strict=false \
		-s "$VEC/stix-schemas/bundle.json" "${refs[@]}" -d "$f"
done
ok "ajv validates the exports against the STIX 2.1 schemas (and refuses altered ones)"

# --- import -------------------------------------------------------------------
count_cases() {
	expect_rc 0 px case list --dir "$1" --json
	json_get "$OUT" 'len(d)'
}
before=$(count_cases b)
expect_rc 0 px import --dir b --to $A --json green.json
NEW=$(json_get "$OUT" 'd["case"]')
expect_rc 0 px case show --dir b --json "$NEW"
expect_json "$OUT" 'd["title"]' "Phish kit green at evil.example"
expect_json "$OUT" 'd["tlp"]' green
expect_json "$OUT" 'd["kind"]' request
expect_json "$OUT" 'd["priority"]' P1
expect_json "$OUT" 'd["category"]' phishing
cp "$OUT" new.json
expect_rc 0 px case show --dir a --json "${ID[green]}"
expect_eq "observables after a round trip" "$(json_get "$OUT" 'sorted((o["type"], o["value"]) for o in d["observables"])')" \
	"$(json_get new.json 'sorted((o["type"], o["value"]) for o in d["observables"])')"
expect_eq "cases at B" $((before + 1)) "$(count_cases b)"
ok "import opens a case with the same title, marking, kind and observables"

# Malformed input: refused, named, nothing stored.
printf '{"type": "bundle", "objects": [' >trunc.json
printf '{"type": "bundle", "id": "bundle--x", "objects": []}' >empty.json
python3 -c '
import json; d = json.load(open("green.json"))
d["objects"] = [o for o in d["objects"] if o["type"] != "grouping"]
json.dump(d, open("nohead.json", "w"))
d = json.load(open("green.json"))
[o for o in d["objects"] if o["type"] == "ipv4-addr"][0]["value"] = "300.1.2.3"
json.dump(d, open("badip.json", "w"))
d = json.load(open("green.json"))
[o for o in d["objects"] if o["type"] == "indicator"][0]["pattern"] = "[url:value = '"'"'unterminated]"
json.dump(d, open("badpat.json", "w"))'
for f in trunc.json empty.json nohead.json badip.json badpat.json; do
	expect_rc 3 px import --dir b --to $A "$f"
	[ -s "$ERR" ] || fail "import of $f refused without a word"
done
expect_in "$ERR" "unterminated string in pattern"
expect_rc 3 px import --dir b --to $A badip.json
expect_in "$ERR" "300.1.2.3"
expect_rc 4 px import --dir b --to $A missing.json
expect_eq "cases at B after refused imports" $((before + 1)) "$(count_cases b)"
ok "malformed bundles refused by name, nothing stored"

# Public samples: an incident with an e-mail observable, and a bundle with
# no grouping (refused: nothing to open a case with).
expect_rc 0 px import --dir b --to $A --json \
	"$VEC/stix/cti-stix-common-objects/extension-definition-specifications/incident-core/examples/incident_ransom.json"
expect_rc 0 px case show --dir b --json "$(json_get "$OUT" 'd["case"]')"
expect_json "$OUT" 'd["title"]' "Sample ransomware incident"
expect_json "$OUT" '[(o["type"], o["value"]) for o in d["observables"]]' '[["email-addr", "evil@decryptyourstuff.zip"]]'
expect_json "$OUT" 'd["tlp"]' amber
expect_rc 3 px import --dir b --to $A \
	"$VEC/stix/cti-stix-common-objects/extension-definition-specifications/tlp-2.0/examples/using-tlp2.0-green.json"
expect_in "$ERR" "no grouping, report or incident"
ok "public samples: the ransomware incident imports with its observable"

# --- MISP ----------------------------------------------------------------------
expect_rc 5 px export --dir a --format misp "${ID[amber]}"
expect_in "$ERR" "TLP:AMBER stops case ${ID[amber]}"
expect_rc 0 px export --dir a --format misp -o misp.json "${ID[green]}"
expect_rc 0 px export --dir b --format misp -o misp-b.json "${ID[green]}"
cmp misp.json misp-b.json || fail "the two parties' MISP events of one case differ"
python3 - misp.json <<'PY' || fail "MISP event"
import json, sys
d = json.load(open(sys.argv[1])); e = d.get("Event", d)
assert e["info"] == "Phish kit green at evil.example"
assert e["distribution"] == "2" and e["threat_level_id"] == "1" and e["published"] is False
assert {"name": "tlp:green"} in e["Tag"], e["Tag"]
assert e["Orgc"]["name"] == "cert-a.example"
got = sorted((a["type"], a["category"], a["value"]) for a in e["Attribute"] if a["type"] != "text")
want = sorted([("ip-dst", "Network activity", "203.0.113.7"), ("ip-dst", "Network activity", "2001:db8::/32"),
    ("domain", "Network activity", "evil.example"), ("email", "Network activity", "ops@evil.example"),
    ("sha256", "Payload delivery", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
    ("vulnerability", "External analysis", "CVE-2021-44228"), ("AS", "Network activity", "64500"),
    ("url", "Network activity", [a["value"] for a in e["Attribute"] if a["type"] == "url"][0])])
assert got == want, got
texts = [a["value"] for a in e["Attribute"] if a["type"] == "text"]
assert texts == ["Please take down the kit (green).", "On it.", "Taken down.", "Fast."], texts
assert len({a["uuid"] for a in e["Attribute"]}) == len(e["Attribute"])
for a in e["Attribute"]:
    assert a["distribution"] == "5" and a["timestamp"].isdigit()
PY
expect_rc 0 px import --dir b --to $A --json misp.json
expect_rc 0 px case show --dir b --json "$(json_get "$OUT" 'd["case"]')"
cp "$OUT" misp-new.json
expect_json misp-new.json '[d["title"], d["tlp"], d["priority"]]' '["Phish kit green at evil.example", "green", "P1"]'
expect_eq "observables after a MISP round trip" \
	"$(json_get new.json 'sorted((o["type"], o["value"]) for o in d["observables"])')" \
	"$(json_get misp-new.json 'sorted((o["type"], o["value"]) for o in d["observables"])')"
expect_json misp-new.json 'd["messages"][0]["body"]["text"]["value"]' "Please take down the kit (green)."
# PyMISP's real-world event: TLP:WHITE read as CLEAR, its indicators kept.
expect_rc 0 px import --dir b --to $A --json "$VEC/misp/existing_event.json"
expect_rc 0 px case show --dir b --json "$(json_get "$OUT" 'd["case"]')"
cp "$OUT" sednit.json
expect_json sednit.json '[d["title"], d["tlp"]]' '["OSINT - Sednit update: How Fancy Bear Spent the Year", "clear"]'
python3 - "$VEC/misp/existing_event.json" sednit.json <<'PY' || fail "Sednit observables"
import json, sys
d = json.load(open(sys.argv[1])); e = d.get("Event", d)
want = set()
for a in e["Attribute"] + [x for o in e.get("Object", []) for x in o["Attribute"]]:
    if a["type"] in ("domain", "hostname"):
        want.add(("domain-name", a["value"].lower().rstrip(".")))
    if a["type"] in ("sha1", "md5", "sha256"):
        want.add(("file", a["type"] + ":" + a["value"].lower()))
got = {(o["type"], o["value"]) for o in json.load(open(sys.argv[2]))["observables"]}
assert want and want <= got, sorted(want - got)[:5]
PY
# What MISP's API answers: {"response": [EVENT]} (PyMISP's sample has the
# event bare inside it); several events are refused by count, not guessed.
expect_rc 0 px import --dir b --to $A --json "$VEC/misp/malware_exist.json"
expect_rc 0 px case show --dir b --json "$(json_get "$OUT" 'd["case"]')"
expect_json "$OUT" 'd["title"]' "Test existing malware PyMISP"
printf '{"response": [{"Event": {"info": "one"}}, {"Event": {"info": "two"}}]}' >m-two.json
expect_rc 3 px import --dir b --to $A m-two.json
expect_in "$ERR" "a MISP API response with 2 events"
# A lone STIX report (no bundle around it) opens a case; a lone object of
# another type, a bundle of indicators only, JSON that is none of the
# formats and a JSON array are refused saying what they are.
python3 - "$VEC/stix/cti-stix2-json-schemas/examples/threat-reports/apt1.json" <<'PY' || fail "lone report"
import json, sys
b = json.load(open(sys.argv[1]))
json.dump([o for o in b["objects"] if o["type"] == "report"][0], open("lone-report.json", "w"))
json.dump([o for o in b["objects"] if o["type"] == "identity"][0], open("lone-identity.json", "w"))
json.dump({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects":
    [o for o in b["objects"] if o["type"] in ("indicator", "malware")]}, open("no-head.json", "w"))
PY
expect_rc 0 px import --dir b --to $A --json lone-report.json
expect_rc 0 px case show --dir b --json "$(json_get "$OUT" 'd["case"]')"
expect_json "$OUT" 'd["title"]' "APT1: Exposing One of China's Cyber Espionage Units"
before=$(count_cases b)
expect_rc 3 px import --dir b --to $A lone-identity.json
expect_in "$ERR" "a lone STIX identity object"
expect_rc 3 px import --dir b --to $A no-head.json
expect_in "$ERR" "no grouping, report or incident to open a case with (it holds"
printf '{"name": "x"}' >unknown.json
expect_rc 3 px import --dir b --to $A unknown.json
expect_in "$ERR" "not a document parley imports"
printf '[{"Event": {"info": "x"}}]' >array.json
expect_rc 3 px import --dir b --to $A array.json
expect_in "$ERR" "a JSON array, not an object"
expect_eq "cases after refused imports" "$before" "$(count_cases b)"
before=$(count_cases b)
printf '{"Event": {"info": ""}}' >m-empty.json
printf '{"Event": {"info": "x", "Attribute": [{"uuid": "u-1", "type": "ip-dst", "value": "not-an-ip"}]}}' >m-badip.json
printf '{"Event": {"info": "x", "Attribute": [{"type": 7}]}}' >m-badattr.json
for f in m-empty.json m-badip.json m-badattr.json; do
	expect_rc 3 px import --dir b --to $A "$f"
done
expect_rc 3 px import --dir b --to $A m-badip.json
expect_in "$ERR" "attribute u-1 (ip-dst)"
expect_eq "cases at B after refused MISP imports" "$before" "$(count_cases b)"
ok "MISP: event export (types, categories, tlp tag, distribution), round trip, PyMISP sample, malformed refused"

# The MISP feed layout: manifest.json and one file per event.
expect_rc 5 px export --dir a --format misp-feed -o redfeed "${ID[green]}" "${ID[red]}"
[ -e redfeed ] && fail "a refused feed export left redfeed/"
expect_rc 0 px export --dir a --format misp-feed -o feed --json "${ID[clear]}" "${ID[green]}"
expect_json "$OUT" 'd["events"]' 2
U=$(json_get misp.json 'd["Event"]["uuid"]')
cmp misp.json "feed/$U.json" || fail "the feed's event differs from the event export"
expect_json feed/manifest.json 'len(d)' 2
expect_json feed/manifest.json 'd["'"$U"'"]["info"]' "Phish kit green at evil.example"
expect_json feed/manifest.json 'sorted(t["name"] for t in d["'"$U"'"]["Tag"])[-1]' "tlp:green"
before=$(count_cases b)
# The green event is misp.json byte for byte, imported at B above: one
# case per document, so only the clear event opens a case.
expect_rc 0 px import --dir b --to $A --json feed
expect_json "$OUT" 'd["cases"]' 1
expect_eq "cases at B after the feed" $((before + 1)) "$(count_cases b)"
cp -r feed badfeed
printf '{"Event": {"info": "x", "Attribute": [{"uuid": "u-2", "type": "url", "value": "nope"}]}}' >"badfeed/$U.json"
expect_rc 3 px import --dir b --to $A badfeed
expect_in "$ERR" "badfeed/$U.json"
expect_eq "cases at B after a refused feed" $((before + 1)) "$(count_cases b)"
ok "MISP feed: manifest and one file per event, imported whole or not at all"

# --- X-ARF v4 -------------------------------------------------------------------
expect_rc 0 px case new --dir a --to $B --kind report --category botnet --priority P3 \
	--tlp clear --title "Bots in 198.51.100.0/24" --text "Two bots seen." \
	--observable ip:198.51.100.7 --observable domain:c2.example --observable "sha256:$SHA"
BOT=$(cat "$OUT")
expect_rc 0 px export --dir a --format xarf -o bot.xarf.json "$BOT"
expect_rc 0 px export --dir a --format xarf -o ph.xarf.json "${ID[green]}"
expect_rc 5 px export --dir a --format xarf "${ID[red]}"
expect_in "$ERR" "TLP:RED stops case ${ID[red]}"
python3 - bot.xarf.json ph.xarf.json <<'PY' || fail "X-ARF reports"
import json, sys
bot = json.load(open(sys.argv[1]))
assert sorted(r["source_identifier"] for r in bot) == ["198.51.100.7", "c2.example"], bot
for i, r in enumerate(bot):
    assert (r["category"], r["type"], r["compromise_evidence"]) == ("infrastructure", "botnet", "Bots in 198.51.100.0/24")
    assert r["reporter"]["org"] == "cert-a.example" and "@" in r["reporter"]["contact"]
    assert "tlp:clear" in r["tags"]
    json.dump(r, open("bot-%d.json" % i, "w"))
ph = json.load(open(sys.argv[2]))
assert len(ph) == 1 and (ph[0]["category"], ph[0]["type"], ph[0]["source_identifier"]) == ("content", "phishing", "evil.example")
assert ph[0]["url"].startswith("https://evil.example/")
json.dump(ph[0], open("ph-0.json", "w"))
r = dict(bot[0]); del r["compromise_evidence"]; json.dump(r, open("bad-xarf.json", "w"))
PY
xrefs=()
for f in "$VEC"/xarf/schemas/v4/types/*.json "$VEC"/xarf/schemas/v4/xarf-core.json; do
	xrefs+=(-r "$f")
done
for f in bot-0.json bot-1.json ph-0.json; do
	expect_rc 0 "$AJV" validate --spec=draft2020 --strict=false -c ajv-formats \
		-s "$VEC/xarf/schemas/v4/xarf-v4-master.json" "${xrefs[@]}" -d "$f"
done
expect_rc 1 "$AJV" validate --spec=draft2020 --strict=false -c ajv-formats \
	-s "$VEC/xarf/schemas/v4/xarf-v4-master.json" "${xrefs[@]}" -d bad-xarf.json
ok "ajv validates the X-ARF reports against the xarf.org v4 schemas (and refuses an altered one)"
before=$(count_cases b)
expect_rc 0 px import --dir b --to $A --json bot.xarf.json
expect_rc 0 px case show --dir b --json "$(json_get "$OUT" 'd["case"]')"
expect_json "$OUT" '[d["category"], d["tlp"], sorted(o["value"] for o in d["observables"])]' \
	'["botnet", "clear", ["198.51.100.7", "c2.example"]]'
for f in "$VEC"/xarf/samples/v4/*.json; do
	expect_rc 0 px import --dir b --to $A "$f"
done
expect_eq "cases at B after the X-ARF samples" $((before + 1 + 32)) "$(count_cases b)"
expect_rc 0 px case list --dir b --json
expect_in "$OUT" "X-ARF infrastructure/botnet about 198.51.100.25"
printf '[]' >x-empty.json
printf '{"xarf_version": "3.0.0", "category": "content", "type": "phishing", "source_identifier": "a.example"}' >x-v3.json
printf '{"xarf_version": "4.2.0", "report_id": "r-9", "category": "content", "type": "phishing", "source_identifier": "999.1.1.1"}' >x-badip.json
for f in x-empty.json x-v3.json x-badip.json; do
	expect_rc 3 px import --dir b --to $A "$f"
done
expect_in "$ERR" "report 1 (r-9)"
expect_eq "cases at B after refused X-ARF" $((before + 1 + 32)) "$(count_cases b)"
ok "X-ARF: reports per source by category, round trip, the 32 public samples import, malformed refused"

# --- notices, the record view and the report ------------------------------------
# B owes acknowledgements on the P1 cases; 31 minutes on, the ladder tells
# B's duty officer by e-mail.  The RED case's title stays on the node.
at 2026-11-20T10:45:00Z
expect_rc 0 px schedule --dir b --json --no-checks
sqlite3 -json b/parley.db "SELECT case_id, subject, body FROM notifications" >notes.json
python3 - notes.json "${ID[red]}" "${ID[clear]}" <<'PY' || fail "notices"
import json, sys
n = json.load(open(sys.argv[1]))
red = [x for x in n if x["case_id"] == sys.argv[2]]
clear = [x for x in n if x["case_id"] == sys.argv[3]]
assert red and clear, (len(red), len(clear))
for x in red:
    assert "Phish kit" not in x["subject"] + x["body"], x
    assert "title withheld under TLP:RED" in x["body"], x
assert any("Phish kit clear" in x["body"] for x in clear)
PY
ok "e-mail notices: a RED title withheld, a CLEAR one carried"

expect_rc 0 px case show --dir a --json "${ID[red]}"
H=$(json_get "$OUT" 'd["messages"][0]["hash"]')
expect_rc 0 px log record --dir a --json "$H"
expect_json "$OUT" 'd["case"]' "${ID[red]}"
expect_rc 0 px report --dir a --peer $B --from 2026-11-01 --to 2026-12-01 -o rep.json
expect_json rep.json 'set(["'"${ID[clear]}"'", "'"${ID[green]}"'", "'"${ID[amber]}"'", "'"${ID[amber+strict]}"'", "'"${ID[red]}"'"]) <= set(c["id"] for c in d["cases"])' true
expect_not_in rep.json "Phish kit"
ok "record view serves RED to the node's users; the report lists RED by reference only"

# An audit bundle is for a neutral verifier: the messages of RED and
# AMBER+STRICT cases stay out, everything else still verifies.
expect_rc 0 px audit export --dir a --peer $B -o audit.jsonl --json
expect_json "$OUT" 'd["withheld"]' 2
expect_not_in audit.jsonl "Phish kit red"
expect_not_in audit.jsonl "Phish kit amber+strict"
expect_in audit.jsonl "Phish kit amber at"
expect_in audit.jsonl "Phish kit green at"
expect_rc 0 px audit verify --json audit.jsonl
expect_json "$OUT" 'd["ok"]' true
expect_json "$OUT" 'sorted(c["title"] for c in d["cases"] if c["title"].startswith("Phish"))' \
	'["Phish kit amber at evil.example", "Phish kit clear at evil.example", "Phish kit green at evil.example"]'
expect_in "$OUT" "withheld under its TLP marking"
ok "audit bundle: RED and AMBER+STRICT messages withheld, the rest verifies"

# Markings on import (an outside review found each lowering): the
# strictest of all stated markings wins, granular ones included; TLP tags
# in any case; a MISP attribute's tag counts; distribution 0 without a
# tag is AMBER+STRICT; --tlp may raise a stated marking, never lower it;
# the same document imported twice opens one case; export --to an
# unknown peer is not found.
python3 - "$VEC/xarf/samples/v4/content-phishing.json" <<'PY' || fail "making the marked documents"
import json, sys
CLEAR = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
def bundle(title, refs=None, gran=None):
    r = {"type": "report", "spec_version": "2.1",
         "id": "report--6f1b3c1e-4b7e-4f51-9d7e-0c2a4e2b9d%02d" % len(title),
         "created": "2026-12-01T00:00:00.000Z", "modified": "2026-12-01T00:00:00.000Z",
         "name": title, "published": "2026-12-01T00:00:00Z", "object_refs": []}
    if refs: r["object_marking_refs"] = refs
    if gran: r["granular_markings"] = [{"marking_ref": gran, "selectors": ["description"]}]
    return {"type": "bundle", "id": "bundle--0c6ed7a4-9a55-4e43-9d3f-1c1d2f6b70%02d" % len(title), "objects": [r]}
json.dump(bundle("clear then red", [CLEAR, RED]), open("m-clear-red.json", "w"))
json.dump(bundle("granular red on the text", [CLEAR], RED), open("m-granular.json", "w"))
json.dump(bundle("plain green", ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]), open("m-green.json", "w"))
ip = {"type": "ip-dst", "category": "Network activity", "value": "203.0.113.6"}
json.dump({"Event": {"info": "upper case", "Tag": [{"name": "TLP:RED"}], "Attribute": [ip]}}, open("m-misp-upper.json", "w"))
json.dump({"Event": {"info": "attribute red", "Tag": [{"name": "tlp:green"}],
           "Attribute": [dict(ip, Tag=[{"name": "tlp:red"}])]}}, open("m-misp-attr.json", "w"))
json.dump({"Event": {"info": "org only", "distribution": "0", "Attribute": [ip]}}, open("m-misp-dist0.json", "w"))
x = json.load(open(sys.argv[1]))
x["tags"] = ["TLP:RED"]
json.dump(x, open("m-xarf-red.json", "w"))
PY
imported_tlp() {
	expect_rc 0 px import --dir b --to $A --json "$1" ${2:+--tlp "$2"}
	expect_rc 0 px case show --dir b --json "$(json_get "$OUT" 'd["case"]')"
	expect_json "$OUT" 'd["tlp"]' "$3"
}
imported_tlp m-clear-red.json "" red
imported_tlp m-granular.json "" red
imported_tlp m-misp-upper.json "" red
imported_tlp m-misp-attr.json "" red
imported_tlp m-misp-dist0.json "" amber+strict
imported_tlp m-xarf-red.json "" red
imported_tlp m-green.json red red
before=$(count_cases b)
cp m-clear-red.json m-clear-red-2.json
echo >>m-clear-red-2.json
expect_rc 5 px import --dir b --to $A m-clear-red-2.json --tlp clear
expect_in "$ERR" "the document is marked TLP:RED; --tlp clear would lower it"
expect_rc 5 px import --dir b --to $A m-misp-upper.json
expect_in "$ERR" "this document was imported already, as case"
expect_eq "cases after a lowering and a re-import" "$before" "$(count_cases b)"
expect_rc 0 px case list --dir b --json
CLEAR_CASE=$(json_get "$OUT" '[c["id"] for c in d if c["tlp"] == "clear"][0]')
expect_rc 4 px export --dir b --format stix --to nosuch.example "$CLEAR_CASE"
ok "imports keep the strictest stated marking; --tlp never lowers it; one case per document; export --to checks the peer"
finish
