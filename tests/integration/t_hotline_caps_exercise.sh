#!/bin/bash
# A real hotline held by a cap is never told only inside a notice marked
# EXERCISE.  The cap notice is marked by the case it names (notify.c), and
# it goes out at most once an hour: when an exercise's hotline was the
# first held, a real hotline held after it was folded into that EXERCISE
# notice, which a duty officer may rightly put aside.  Holds of an
# exercise's hotlines and of real ones are now told apart, each at most
# once an hour.
#
# Agreed terms: hotline_open_max 1.  At 10:00:01 A raises a real hotline
# R1 (paged: the only one within the cap); the exercise starts at 10:00:02
# and plays its hotline X; at 10:00:03 A raises the real hotline R2.  B
# ticks at 10:00:20: X and R2 are both held, so B's duty officer gets one
# notice marked EXERCISE naming X and one unmarked naming R2.  At 10:10 a
# second real hold (R3) adds no third notice within the hour.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

A=cert-a.example
B=cert-b.example

at 2026-11-23T09:00:00Z
mknode a $A Europe/Paris
mknode b $B Europe/Brussels
enrol a b
agree a b $A $B hotline_open_max=1 page_every=5m check_every=0

cat >drill.json <<'EOF'
{"parley_scenario": 1, "id": "hotline-drill", "version": 1,
 "name": {"en": "Hotline drill", "zh": "热线演练"},
 "duration": "1h",
 "objectives": [{"id": "O1", "text": "Answer the hotline"}],
 "injects": [
  {"id": "I1", "offset": "0", "from": "a", "to": {"party": "b"}, "channel": "hotline",
   "payload": {"title": "Drill: portal down", "text": "This is the drill's hotline",
     "priority": "P1", "tlp": "amber"},
   "expect": [{"id": "E1", "what": "hotline-answered", "within": "15m", "objective": "O1"}]}
 ]}
EOF

expect_rc 0 px exercise propose --dir a --json --peer $B drill.json
X=$(json_get "$OUT" 'd["exercise"]')
REF=$(json_get "$OUT" 'd["ref"]')
hop a b $B $A p1
expect_rc 0 px exercise accept --dir b "$REF"
hop b a $A $B a1
expect_rc 0 px exercise schedule --dir a "$X" --start 2026-11-23T10:00:02Z
hop a b $B $A s1

at 2026-11-23T10:00:01Z
expect_rc 0 px hotline raise --dir a --peer $B --text "Real outage one"
R1=$(cat "$OUT")
at 2026-11-23T10:00:02Z
expect_rc 0 px schedule --dir a --json --no-checks
expect_rc 0 px exercise show --dir a --json "$X"
XH=$(json_get "$OUT" "[i['case'] for i in d['injects'] if i['id'] == 'I1'][0]")
[ -n "$XH" ] && [ "$XH" != None ] || fail "the exercise did not play its hotline"
at 2026-11-23T10:00:03Z
expect_rc 0 px hotline raise --dir a --peer $B --text "Real outage two"
R2=$(cat "$OUT")
at 2026-11-23T10:00:10Z
hop a b $B $A h1

at 2026-11-23T10:00:20Z
expect_rc 0 px schedule --dir b --json --no-checks
expect_json "$OUT" 'd["pages"]' 1
expect_eq "R1 caps" '[]' "$(hotline_caps b "$R1")"
expect_eq "X caps" '["hotline_open_max"]' "$(hotline_caps b "$XH")"
expect_eq "R2 caps" '["hotline_open_max"]' "$(hotline_caps b "$R2")"

notices() { # the cap notices B queued: [[marked EXERCISE, case id]...]
	expect_rc 0 px notify list --dir b --json
	json_get "$OUT" 'sorted([x["subject"].startswith("[EXERCISE]"), x["case"]] for x in d if "over the agreed cap" in x["subject"])'
}
N=$(notices)
expect_eq "cap notices" "$(python3 -c "import json; print(json.dumps(sorted([[False, '$R2'], [True, '$XH']])))")" "$N"
ok "an exercise hotline held first and a real one held after: two notices, the real one unmarked"

# A further real hold within the hour is covered by the unmarked notice.
at 2026-11-23T10:10:00Z
expect_rc 0 px hotline raise --dir a --peer $B --text "Real outage three"
R3=$(cat "$OUT")
hop a b $B $A h2
at 2026-11-23T10:10:20Z
expect_rc 0 px schedule --dir b --json --no-checks
expect_eq "R3 caps" '["hotline_open_max"]' "$(hotline_caps b "$R3")"
expect_eq "cap notices, an hour's worth" "$N" "$(notices)"
ok "a further real hold within the hour: no third notice"

finish
