#!/bin/bash
# The TAXII 2.1 server (docs/interop.md, "TAXII 2.1") over real HTTPS on
# 127.0.0.1, driven by tests/integration/taxii_client.py:
#
#   A (cert-a) sends X (cert-x, serving) a CLEAR, a GREEN and a RED case;
#   B (cert-b) is enrolled at X with no case; X has an analyst token.
#
# Checked there: discovery and API root (Basic and Bearer), 401 without
# credentials, 406 for every Accept the spec does not allow, 415 for a
# POST that is not taxii+json 2.1, the collections each asker sees (a
# peer: the community's two and its own), which case is in which
# collection (RED only in A's), B gets nothing from A's collection and no
# trace of the RED case anywhere; 1,000 objects of which 500 share one
# date-added page back exactly once at limits 1, 7 and 100; every filter
# (match[id|type|version|spec_version], added_after), versions, one
# object, manifest, the date-added headers, the status after each POST,
# malformed queries 400, a RED object refused from the GREEN collection.
# Then POSTs to the GREEN collection: TLP 1.0 RED, RED in
# granular_markings and GREEN+AMBER (1.0) refused and not served to B;
# invalid STIX (no spec_version, no created, bad modified, bad pattern,
# bad valid_from, id type not the object's type) failures with reasons.
# Then the client: `taxii pull` as cases (once per grouping version) and
# `--as events` into B's feed pipeline (once: a second pull is all
# duplicates); `taxii push` through the choke point.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v sqlite3 >/dev/null || fail "sqlite3 is required"

A=cert-a.example
X=cert-x.example
trap live_cleanup EXIT
PX=$(free_ports 1)
mknode a $A UTC
mknode b cert-b.example UTC
live_node x $X UTC "$PX"
expect_rc 0 px card --dir x -o x.card
enrol a x
enrol b x
expect_rc 0 px token create --dir x --role analyst --name xena
TX=$(cat "$OUT")
declare -A ID
for t in clear green red; do
	expect_rc 0 px case new --dir a --to $X --kind report --category phishing \
		--priority P3 --tlp "$t" --title "Phish $t" --text "Kit at the URL ($t)." \
		--observable url:https://login.example.net/$t
	ID[$t]=$(cat "$OUT")
done
hop a x $X $A a-x.bundle
serve x
python3 "$PX_SOURCE_DIR/tests/integration/taxii_client.py" "$(url x)" "$TX" \
	"$TMP/a" "$TMP/b" "${ID[red]}" "${ID[green]}" "${ID[clear]}" >"$OUT" 2>"$ERR" ||
	fail "taxii_client.py: $(cat "$ERR")"
cat "$OUT"
ok "TAXII 2.1 server: collections, paging, filters, status, media types, TLP"

# The client, against the node's own server: A pulls its collection at X
# (A's certificate is the credential, X's pinned one the server's).
coll() {
	curl -sk --max-time 10 -u "t:$TX" -H 'Accept: application/taxii+json;version=2.1' \
		"$(url x)/taxii2/api/collections/" >colls.json || fail "listing collections"
	json_get colls.json "[c['id'] for c in d['collections'] if c['title'] == '$1'][0]"
}
ROOT="$(url x)/taxii2/api/"
CA=$(coll "Cases with $A")
CG=$(coll "TLP:GREEN cases")
# A holds every case of "Cases with A" (it exchanged them with X): a pull
# opens none of them again, which would echo them to X as new cases.
expect_rc 0 px taxii pull --dir a --json "$ROOT" "$CA" --to $X
expect_json "$OUT" 'd["cases"]' '[]'
# B, a community member holding none, pulls the GREEN collection as cases:
# one case per grouping, with its marking, once.
expect_rc 0 px taxii pull --dir b --json "$ROOT" "$CG" --to $X
cp "$OUT" pull1.json
expect_json pull1.json 'len(d["cases"])' 1
for id in $(json_get pull1.json '" ".join(d["cases"])'); do
	expect_rc 0 px case show --dir b --json "$id"
	echo "$(json_get "$OUT" 'd["tlp"]') $(json_get "$OUT" 'd["title"]')" >>pulled.txt
done
expect_eq "pulled cases" "$(sort pulled.txt | tr '\n' '|')" "green Phish green|"
expect_rc 0 px taxii pull --dir b --json "$ROOT" "$CG" --to $X
expect_json "$OUT" 'd["cases"]' '[]'
ok "taxii pull opens one case per grouping not held here, with its marking, once"

# --as events: B (a community member) pulls the GREEN collection into its
# feed pipeline: the case's indicator becomes an event under its marking;
# a second pull finds it known.
expect_rc 0 px taxii pull --dir b --json "$ROOT" "$CG" --to $X --as events
expect_json "$OUT" '[d["name"], d["source"], d["records"], d["events"], d["bad"]]' "[\"taxii-$CG\", \"taxii\", 1, 1, 0]"
feed_event b "" ev-green.json
expect_json ev-green.json '[d["source"]["url"], d["tlp"], d["classification"]["type"]]' \
	'["https://login.example.net/green", "green", "blocklist"]'
expect_rc 0 px taxii pull --dir b --json "$ROOT" "$CG" --to $X --as events
expect_json "$OUT" '[d["records"], d["events"], d["duplicates"]]' '[1, 0, 1]'
expect_rc 2 px taxii pull --dir b "$ROOT" "$CG" --to $X --as things
expect_rc 2 px taxii pull --dir b "$ROOT" "$CG" --to $X --as events --tlp red
ok "taxii pull --as events: the collection's indicators into the feed pipeline, once"

# A pushes a case X has not seen yet into its collection at X.
expect_rc 0 px case new --dir a --to $X --kind report --category malware \
	--priority P3 --tlp amber --title "Pushed amber" --text "Loader." \
	--observable domain:loader.example
NEW=$(cat "$OUT")
expect_rc 0 px taxii push --dir a --json "$ROOT" "$CA" "$NEW" --to $X
expect_json "$OUT" '[d["status"], d["failure_count"], d["success_count"] > 5]' '["complete", 0, true]'
curl -sk --max-time 10 -u "t:$TX" -H 'Accept: application/taxii+json;version=2.1' \
	"$(url x)/taxii2/api/collections/$CA/objects/?match%5Btype%5D=grouping&limit=100" >g.json
expect_json g.json "sorted(o['name'] for o in d['objects'])" '["Phish clear", "Phish green", "Phish red", "Pushed amber"]'
ok "taxii push posts a case's objects; they are served"
# The choke point before anything is sent: RED to a non-party (exit 5,
# naming the marking); the server's own rule: RED never into GREEN.
enrol a b
expect_rc 5 px taxii push --dir a "$ROOT" "$CG" "${ID[red]}" --to cert-b.example
expect_in "$ERR" "TLP:RED"
expect_rc 3 px taxii push --dir a --token "$TX" --json "$ROOT" "$CG" "${ID[red]}" --to $X
expect_json "$OUT" '[sorted({s["id"].split("--")[0] for s in d["successes"]}) == ["identity", "marking-definition"], d["failure_count"] > 3, all("TLP:RED" in f["message"] for f in d["failures"]), any(f["id"].startswith("grouping--") for f in d["failures"])]' '[true, true, true, true]'
ok "taxii push: RED stops before sending to a non-party, and the GREEN collection refuses it"
# What the server lets into the GREEN collection (the analyst posts, B
# reads): TLP 1.0 ids count as TLP 2.0 ones, a TLP marking on a property
# (granular_markings) as one on the object, the most restrictive of
# several decides; an object that is not valid STIX 2.1 is a failure with
# its reason, never stored.
python3 - >post.json <<'PY'
import json
T = "2026-12-01T10:00:00.000Z"
RED1 = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
AMBER1 = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
WHITE1 = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
RED2 = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
GREEN2 = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
def ind(n, **kw):
    o = {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-0000000000%02d" % n,
         "created": T, "modified": T, "name": "ind %d" % n, "pattern_type": "stix",
         "pattern": "[ipv4-addr:value = '198.51.100.%d']" % n, "valid_from": T}
    o.update(kw)
    return {k: v for k, v in o.items() if v is not None}
objs = [
    ind(1, object_marking_refs=[RED1]),
    ind(2, object_marking_refs=[GREEN2], granular_markings=[{"marking_ref": RED2, "selectors": ["name"]}]),
    ind(3, object_marking_refs=[GREEN2, AMBER1]),
    ind(4, object_marking_refs=[WHITE1, GREEN2],
        pattern="([ipv4-addr:value = '198.51.100.4'] AND [url:value LIKE 'http://x.example/%']) WITHIN 300 SECONDS"),
    ind(5, spec_version=None),
    ind(6, created=None),
    ind(7, modified="yesterday"),
    ind(8, pattern="not a pattern"),
    ind(9, valid_from="x"),
    ind(10, id="malware--00000000-0000-4000-8000-000000000010"),
]
print(json.dumps({"objects": objs}))
PY
curl -sk --max-time 10 -u "t:$TX" -H 'Accept: application/taxii+json;version=2.1' \
	-H 'Content-Type: application/taxii+json;version=2.1' --data-binary @post.json \
	"$(url x)/taxii2/api/collections/$CG/objects/" >st.json || fail "posting to $CG"
cat st.json; echo
expect_json st.json '[d["total_count"], d["success_count"], d["failure_count"], [s["id"][-2:] for s in d["successes"]]]' '[10, 1, 9, ["04"]]'
expect_json st.json '{f["id"][-2:]: f["message"] for f in d["failures"]}' "$(
	printf '{"01": "TLP:RED may not enter the TLP:GREEN collection", '
	printf '"02": "TLP:RED may not enter the TLP:GREEN collection", '
	printf '"03": "TLP:AMBER may not enter the TLP:GREEN collection", '
	printf '"05": "spec_version must be \\"2.1\\"", "06": "the object has no created", '
	printf '"07": "modified is not an RFC 3339 timestamp", '
	printf '"08": "the pattern is not a STIX pattern (at character 1)", '
	printf '"09": "valid_from is not an RFC 3339 timestamp", '
	printf '"10": "the id'"'"'s type \\"malware\\" and the object'"'"'s type \\"indicator\\" differ"}')"
SID=$(json_get st.json 'd["id"]')
curl -sk --max-time 10 -u "t:$TX" -H 'Accept: application/taxii+json;version=2.1' \
	"$(url x)/taxii2/api/status/$SID/" >st2.json || fail "status $SID"
expect_json st2.json '[d["success_count"], d["failure_count"], all(f["message"] for f in d["failures"])]' '[1, 9, true]'
peer_get() {
	curl -sk --max-time 10 -o /dev/null -w '%{http_code}' --cert b/tls/cert.pem --key b/tls/key.pem \
		-H 'Accept: application/taxii+json;version=2.1' \
		"$(url x)/taxii2/api/collections/$CG/objects/indicator--00000000-0000-4000-8000-0000000000$1/"
}
for k in 01 02 03 05 06 07 08 09; do
	expect_eq "B's GET of indicator $k" "$(peer_get $k)" 404
done
expect_eq "B's GET of indicator 04" "$(peer_get 04)" 200
ok "POST: TLP 1.0 ids and granular markings count, the most restrictive decides; invalid STIX is a failure with its reason, not stored"
finish
