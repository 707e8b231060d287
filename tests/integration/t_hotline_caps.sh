#!/bin/bash
# One pinned peer cannot flood the duty staff (issue 12, item 5): the
# agreement caps the hotlines B pages for at once and the pages it sends
# for A's hotlines per hour; what exceeds a cap is held (nobody paged),
# merged into one notice to B's duty officer, and recorded in each case as
# a signed escalate that A sees and the review report counts.  Driven tick
# by tick with PARLEY_FAKE_NOW and offline bundles.
#
# Agreed terms (A proposes, B accepts): hotline_open_max 2, pages_per_hour
# 3, page_every 5m.  A raises four hotlines at 10:00:01..04 (the open cap
# takes the oldest first: by opening time, then id); B receives them at
# 10:00:10 and ticks at 10:00:20, 10:05:20, 10:40:00 and 11:01:00.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

A=cert-a.example
B=cert-b.example

at 2026-11-23T09:00:00Z
mknode a $A Asia/Shanghai
mknode b $B Europe/Brussels
enrol a b
agree a b $A $B hotline_open_max=2 pages_per_hour=3 page_every=5m check_every=0
expect_rc 0 px peer agreement --dir b $A --json
expect_json "$OUT" '[d["terms"]["hotline_open_max"], d["terms"]["pages_per_hour"]]' '["2", "3"]'
expect_rc 3 px peer agreement --dir a $B --set hotline_open_max=0
expect_in "$ERR" "hotline_open_max '0' must be a whole number from 1 to 1000"

for i in 1 2 3 4; do
	at 2026-11-23T10:00:0${i}Z
	expect_rc 0 px hotline raise --dir a --peer $B --text "Outage $i"
	eval "H$i=\$(cat "\$OUT")"
done
at 2026-11-23T10:00:10Z
hop a b $B $A h1

# 10:00:20: the two oldest are paged; the other two are held by the open
# cap, each hold signed in its case, and the duty officer told once.
at 2026-11-23T10:00:20Z
expect_rc 0 px schedule --dir b --json --no-checks
expect_json "$OUT" 'd["pages"]' 2
expect_eq "H1 caps" '[]' "$(hotline_caps b "$H1")"
expect_eq "H3 caps" '["hotline_open_max"]' "$(hotline_caps b "$H3")"
expect_eq "H4 caps" '["hotline_open_max"]' "$(hotline_caps b "$H4")"
expect_rc 0 px hotline status --dir b --json "$H4"
expect_json "$OUT" '[d[0]["capped"][0]["limit"], d[0]["capped"][0]["count"], len(d[0]["pages"])]' '[2, 4, 0]'
expect_rc 0 px notify list --dir b --json
expect_json "$OUT" 'len([x for x in d if "over the agreed cap" in x["subject"]])' 1
ok "four hotlines: two paged, two held by the open cap, one notice"

# A second tick does not sign the hold again.
at 2026-11-23T10:01:00Z
expect_rc 0 px schedule --dir b --json --no-checks
expect_eq "H3 caps, once" '["hotline_open_max"]' "$(hotline_caps b "$H3")"

# 10:05:20: page 2 is due for H1 and H2, but only one fits the hour's 3
# pages: the other is held by the page cap.  Still one notice.
at 2026-11-23T10:05:20Z
expect_rc 0 px schedule --dir b --json --no-checks
expect_json "$OUT" 'd["pages"]' 1
held=0
for h in "$H1" "$H2"; do
	[ "$(hotline_caps b "$h")" = '["pages_per_hour"]' ] && held=$((held + 1))
done
expect_eq "held by the page cap" 1 "$held"
expect_rc 0 px notify list --dir b --json
expect_json "$OUT" 'len([x for x in d if "over the agreed cap" in x["subject"]])' 1

# 10:40: duty acknowledges H1 and H2; H3 and H4 are now within the open
# cap, but the hour's 3 pages are spent: held by the page cap.
at 2026-11-23T10:40:00Z
expect_rc 0 px case ack --dir b "$H1" --by duty
expect_rc 0 px case ack --dir b "$H2" --by duty
expect_rc 0 px schedule --dir b --json --no-checks
expect_json "$OUT" 'd["pages"]' 0
expect_eq "H3 caps" '["hotline_open_max", "pages_per_hour"]' "$(hotline_caps b "$H3")"
# 11:01: the hour has passed for the first pages: H3 and H4 are paged.
at 2026-11-23T11:01:00Z
expect_rc 0 px schedule --dir b --json --no-checks
expect_json "$OUT" 'd["pages"]' 2
ok "the page cap holds pages past 3 an hour and lets them go after"

# A sees every hold, signed by B; its review report counts them.
at 2026-11-23T11:02:00Z
hop b a $A $B h2
expect_eq "H4 caps at A" '["hotline_open_max", "pages_per_hour"]' "$(hotline_caps a "$H4")"
expect_rc 0 px hotline status --dir a "$H4"
expect_in "$OUT" "HELD by the agreed cap hotline_open_max (2, now 4)"
at 2026-11-24T00:00:00Z
expect_rc 0 px report --dir a --peer $B --from 2026-11-01 --to 2026-11-23 --format json -o q.json
expect_json q.json 'd["hotline"]["outbound"]["raised"]' 4
expect_json q.json 'd["hotline"]["outbound"]["capped"]' 3
expect_json q.json 'd["hotline"]["outbound"]["answered"]' 2
expect_json q.json "sorted(c[\"hotline\"][\"capped\"] for c in d[\"cases\"])" '[0, 1, 2, 2]'
expect_rc 0 px audit verify --dir a q.json
ok "A sees each hold; the review report counts the capped hotlines and verifies"
finish
