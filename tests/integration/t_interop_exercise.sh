#!/bin/bash
# Exercises stay out of every export, TAXII collection and MISP feed
# unless the exercise is asked for by name (issue 14's rule;
# docs/exercises.md "Marking", docs/interop.md):
#
#   A (serving) reports a real GREEN case to B, and plays a GREEN inject to
#   B in an agreed, started exercise.
#
# Checked: the inject case and the exercise case are refused (exit 5,
# naming the exercise) by every export format and the MISP feed, with
# nothing written; with --exercise naming another exercise they still are;
# an unknown exercise is exit 4; with --exercise naming theirs they leave,
# tagged as an exercise (STIX label and x_parley_case.exercise, MISP tag,
# IODEF AdditionalData); the MISP feeds served leave them out.
# the TAXII collections and the MISP feeds served hold the real case and
# nothing of the exercise.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

A=cert-a.example
B=cert-b.example
trap live_cleanup EXIT
PA=$(free_ports 1)
live_node a $A UTC "$PA"
expect_rc 0 px card --dir a -o a.card
mknode b $B UTC
enrol a b

expect_rc 0 px case new --dir a --to $B --kind report --category phishing \
	--priority P3 --tlp green --title "Real kit" --text "A real one." \
	--observable domain:real.example
REAL=$(cat "$OUT")
cat >drill.json <<'JSON'
{"parley_scenario": 1, "id": "export-drill", "version": 1,
 "name": "Export drill", "duration": "3h",
 "objectives": [{"id": "O1", "text": "Acknowledge"}],
 "injects": [
  {"id": "I1", "offset": "0", "from": "a", "to": {"party": "b"}, "channel": "report",
   "payload": {"title": "Drill kit", "text": "A drill at drill.example",
     "category": "phishing", "priority": "P3", "tlp": "green",
     "observables": [{"type": "domain-name", "value": "drill.example"}]},
   "expect": [{"id": "E1", "what": "ack", "within": "15m", "objective": "O1"}]}]}
JSON
expect_rc 0 px exercise propose --dir a --json --peer $B drill.json
X=$(json_get "$OUT" 'd["exercise"]')
REF=$(json_get "$OUT" 'd["ref"]')
expect_rc 0 px exercise propose --dir a --json --peer $B drill.json
OTHER=$(json_get "$OUT" 'd["ref"]')
hop a b $B $A p1
expect_rc 0 px exercise accept --dir b "$REF"
hop b a $A $B a1
expect_rc 0 px exercise start --dir a "$X"
expect_rc 0 px schedule --dir a --json --no-checks
expect_rc 0 px exercise show --dir a --json "$X"
I1=$(json_get "$OUT" "[i['case'] for i in d['injects'] if i['id'] == 'I1'][0]")
[ -n "$I1" ] && [ "$I1" != None ] || fail "the inject was not played"
expect_rc 0 px case show --dir a --json "$I1"
expect_json "$OUT" 'd["title"]' "[EXERCISE] Drill kit"
ok "a real GREEN case and a GREEN inject of exercise $REF"

for f in stix misp xarf iodef; do
	for c in "$I1" "$X"; do
		expect_rc 5 px export --dir a --format $f -o out.$f "$c"
		expect_in "$ERR" "case $c belongs to exercise $REF, and an export leaves an exercise out unless it is asked for by name (--exercise $REF)"
		[ -e out.$f ] && fail "a refused export of $c wrote out.$f"
		expect_rc 5 px export --dir a --format $f --exercise "$OTHER" "$c"
		expect_in "$ERR" "belongs to exercise $REF"
	done
done
# One exercise case among real ones stops the whole file.
for f in stix misp iodef; do
	expect_rc 5 px export --dir a --format $f "$REAL" "$I1"
	[ -s "$OUT" ] && fail "a refused $f export wrote [$(head -c 200 "$OUT")]"
done
expect_rc 5 px export --dir a --format misp-feed -o feed "$REAL" "$I1"
expect_in "$ERR" "belongs to exercise $REF"
[ -e feed ] && fail "a refused MISP feed wrote a directory"
expect_rc 4 px export --dir a --format stix --exercise EX-00000000 "$I1"
ok "every export format and the MISP feed refuse an exercise's cases not asked for"

expect_rc 0 px export --dir a --format stix --exercise "$REF" "$REAL" "$I1"
expect_json "$OUT" "sorted((o['name'], 'exercise' in o['labels'], o['x_parley_case'].get('exercise')) for o in d['objects'] if o['type'] == 'grouping')" \
	"[[\"Real kit\", false, null], [\"[EXERCISE] Drill kit\", true, \"$X\"]]"
expect_rc 0 px export --dir a --format misp --exercise "$X" "$I1"
expect_json "$OUT" '[t["name"] for t in d["Event"]["Tag"] if t["name"].startswith("parley:exercise")]' \
	"[\"parley:exercise=\\\"$X\\\"\"]"
expect_rc 0 px export --dir a --format iodef --exercise "$REF" "$I1"
expect_in "$OUT" "<AdditionalData dtype=\"string\" meaning=\"parley:exercise\">$X</AdditionalData>"
expect_rc 0 px export --dir a --format misp-feed --json --exercise "$REF" -o feed "$REAL" "$I1"
expect_json "$OUT" 'd["events"]' 2
ok "named by --exercise, its cases leave, marked as an exercise's"

expect_rc 0 px token create --dir a --role analyst --name xena
TX=$(cat "$OUT")
serve a
taxii() {
	curl -sk --max-time 10 -u "t:$TX" -H 'Accept: application/taxii+json;version=2.1' \
		"$(url a)/taxii2/api/collections/$1" >"$2" || fail "TAXII GET $1"
}
taxii "" colls.json
for c in $(json_get colls.json '" ".join(c["id"] for c in d["collections"])'); do
	taxii "$c/objects/?match%5Btype%5D=grouping&limit=100" "g-$c.json"
	json_get "g-$c.json" "sorted(o['name'] for o in d.get('objects', []))" >>names.txt
done
expect_in names.txt "Real kit"
expect_not_in names.txt "EXERCISE"
expect_not_in names.txt "Export drill"
ok "the TAXII collections hold the real case and nothing of the exercise"

curl -sk --max-time 10 -u "t:$TX" "$(url a)/misp/" >feeds.json || fail "GET /misp/"
: >infos.txt
for f in $(json_get feeds.json '" ".join(f["id"] for f in d["feeds"])'); do
	curl -sk --max-time 10 -u "t:$TX" "$(url a)/misp/$f/manifest.json" >m.json || fail "GET feed $f"
	json_get m.json 'sorted(e["info"] for e in d.values())' >>infos.txt
done
expect_in infos.txt "Real kit"
expect_not_in infos.txt "EXERCISE"
expect_not_in infos.txt "Export drill"
ok "the MISP feeds served hold the real case and nothing of the exercise"
finish
