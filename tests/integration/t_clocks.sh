#!/bin/bash
# Deadlines, worked out by hand and compared with `case show --json`.
#
# A is cert-cn.example in Beijing (UTC+8, no DST); B is cert-us.example in
# New York.  November/December 2026 are EST (UTC-5): DST ended on Sunday
# 1 November 2026.  B keeps the default business hours, Mon-Fri
# 09:00-17:00 New York time, i.e. 14:00Z-22:00Z.  Deadlines are counted in
# the responder's (B's) calendar, from the time B imported the request.
#
# Default agreement: P1 calendar 30m/1h/4h/24h; P2 calendar 4h/1d/3d/30d;
# P3 business 1d/2d/5d/20d (a business day = 8 business hours).
#
# Calendar used below (2026): Fri 20 Nov, Sat 21, Sun 22, Mon 23, ...,
# Thu 26 Nov (Thanksgiving), Fri 27, Mon 30 Nov, Fri 4 Dec, Fri 25 Dec.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

A=cert-cn.example
B=cert-us.example

at 2026-11-19T00:00:00Z
mknode a $A Asia/Shanghai "zh, en"
mknode b $B America/New_York
enrol a b

# new_case TIME PRIORITY TITLE: A opens a request at TIME; sets $CID.
new_case() {
	at "$1"
	expect_rc 0 px case new --dir a --to $B --kind request --category botnet \
		--priority "$2" --title "$3" --text "C2 traffic" --observable ip:203.0.113.7
	CID=$(cat "$OUT")
}
# deliver TIME: carry A's outbox to B at TIME, receipts back to A.
deliver() {
	at "$1"
	hop a b $B $A "d-$1.bundle"
}
# reply TIME: carry B's outbox to A at TIME, receipts back to B.
reply() {
	at "$1"
	hop b a $A $B "r-$1.bundle"
}
# clock DIR ID CLOCK FIELD WANT
clock() {
	expect_rc 0 px case show --dir "$1" --json "$2"
	expect_json "$OUT" "d[\"clocks\"][\"$3\"][\"$4\"]" "$5"
}
# deadlines DIR ID WANT: the four deadlines, acknowledge triage
# first_response resolution, as one space-separated line.
deadlines() {
	expect_rc 0 px case show --dir "$1" --json "$2"
	expect_json "$OUT" '" ".join(str(d["clocks"][k]["deadline"]) for k in ("acknowledge", "triage", "first_response", "resolution"))' "$3"
}
# overdue_ids DIR: the ids `case list --overdue --json` shows, one line.
in_overdue() {
	expect_rc 0 px case list --dir "$1" --json --overdue
	expect_json "$OUT" "\"$2\" in [c[\"id\"] for c in d]" "$3"
}

# --- 1. Friday evening in Beijing, before opening in New York -------------
# Sent Fri 2026-11-20 11:00Z = 19:00 Beijing = 06:00 New York; B imports
# it at 11:05Z = 06:05 NY, before the 09:00 opening.  P3, business basis.
#   acknowledge 8h : Fri 09:00-17:00 (8h)                   -> Fri 17:00 NY = 2026-11-20T22:00Z
#   triage     16h : Fri (8) + Mon 23 (8)                   -> Mon 17:00 NY = 2026-11-23T22:00Z
#   first resp 40h : Fri, Mon, Tue, Wed, Thu 26 (5 x 8)     -> Thu 17:00 NY = 2026-11-26T22:00Z
#   resolution 160h: 20 business days from Fri 20 Nov:
#                    Fri 20 (1), 23-27 (2-6), 30-4 Dec (7-11), 7-11 (12-16),
#                    14-17 (17-20)                          -> Thu 17 Dec 17:00 NY = 2026-12-17T22:00Z
new_case 2026-11-20T11:00:00Z P3 "Friday evening"
C1=$CID
# Until B's receipt is known, A counts from its own send time (same result
# here: both are before the opening).
clock a "$C1" acknowledge start 2026-11-20T11:00:00.000Z
clock a "$C1" acknowledge deadline 2026-11-20T22:00:00.000Z
deliver 2026-11-20T11:05:00Z
for d in a b; do
	clock $d "$C1" acknowledge start 2026-11-20T11:05:00.000Z
	clock $d "$C1" acknowledge basis business
	clock $d "$C1" acknowledge budget 1d
	clock $d "$C1" acknowledge state running
	deadlines $d "$C1" "2026-11-20T22:00:00.000Z 2026-11-23T22:00:00.000Z 2026-11-26T22:00:00.000Z 2026-12-17T22:00:00.000Z"
done
expect_rc 0 px case show --dir b "$C1"
expect_in "$OUT" "Clocks (P3, counted in $B's business hours):"
grep -qE '^  acknowledge +1d +running +due 2026-11-20 17:00 EST \(-05:00\)' "$OUT" ||
	fail "human case show should give the acknowledge deadline in New York time: $(grep acknowledge "$OUT")"
ok "Friday 19:00 Beijing -> acknowledge by Friday 17:00 New York (22:00Z)"

# --overdue: not at the deadline, one second after it.
at 2026-11-20T21:59:59Z
in_overdue b "$C1" false
at 2026-11-20T22:00:00Z
in_overdue b "$C1" false
in_overdue a "$C1" false
clock b "$C1" acknowledge state running
at 2026-11-20T22:00:01Z
in_overdue b "$C1" true
in_overdue a "$C1" true
clock b "$C1" acknowledge state overdue
expect_rc 0 px case list --dir b --json
expect_json "$OUT" "[c[\"overdue\"] for c in d if c[\"id\"] == \"$C1\"]" '[true]'
expect_rc 0 px case list --dir b --overdue
expect_in "$OUT" "OVERDUE by"
ok "case list --overdue: absent at 22:00:00Z, present at 22:00:01Z, on both sides"

# --- 2. Friday after hours in New York --------------------------------------
# Sent 2026-11-20T23:30Z = Sat 07:30 Beijing = Fri 18:30 NY (after 17:00),
# imported at once.  Nothing counts until Mon 23 Nov 09:00 NY:
#   acknowledge 8h -> Mon 17:00 NY = 2026-11-23T22:00Z
#   triage     16h -> Tue 24 17:00 NY = 2026-11-24T22:00Z
new_case 2026-11-20T23:30:00Z P3 "Friday after hours"
C2=$CID
deliver 2026-11-20T23:30:00Z
for d in a b; do
	clock $d "$C2" acknowledge start 2026-11-20T23:30:00.000Z
	clock $d "$C2" acknowledge deadline 2026-11-23T22:00:00.000Z
	clock $d "$C2" triage deadline 2026-11-24T22:00:00.000Z
done
ok "Friday 18:30 New York -> acknowledge by Monday 17:00 (22:00Z)"

# --- 3. P1: calendar minutes, weekends count ---------------------------------
# Sat 21 Nov 03:00Z, imported 03:10Z:
#   acknowledge 30m -> 03:40Z; triage 1h -> 04:10Z; first response 4h ->
#   07:10Z; resolution 24h -> Sun 22 Nov 03:10Z.
new_case 2026-11-21T03:00:00Z P1 "Crisis"
C4=$CID
deliver 2026-11-21T03:10:00Z
for d in a b; do
	deadlines $d "$C4" "2026-11-21T03:40:00.000Z 2026-11-21T04:10:00.000Z 2026-11-21T07:10:00.000Z 2026-11-22T03:10:00.000Z"
	clock $d "$C4" acknowledge basis calendar
	clock $d "$C4" acknowledge budget 30m
done
at 2026-11-21T03:40:00Z
in_overdue b "$C4" false
at 2026-11-21T03:40:01Z
in_overdue b "$C4" true
expect_rc 0 px case ack --dir b "$C4"
clock b "$C4" acknowledge state breached
ok "P1: acknowledge within 30 calendar minutes, on a Saturday"

# A hotline case is P1 by default.
at 2026-11-21T05:00:00Z
expect_rc 0 px case new --dir a --to $B --kind hotline --category ddos --title "DDoS now" --text "now"
H=$(cat "$OUT")
clock a "$H" acknowledge budget 30m
clock a "$H" acknowledge deadline 2026-11-21T05:30:00.000Z
expect_rc 0 px case show --dir a --json "$H"
expect_json "$OUT" 'd["priority"]' P1
ok "hotline defaults to P1"

# --- 4. Late acknowledgement ------------------------------------------------
# An ack after the deadline: the clock is breached, and stays so.
at 2026-11-23T14:30:00Z
expect_rc 0 px case ack --dir b "$C1"
clock b "$C1" acknowledge state breached
clock b "$C1" acknowledge stopped 2026-11-23T14:30:00.000Z
reply 2026-11-23T14:35:00Z
clock a "$C1" acknowledge state breached
in_overdue a "$C1" false
ok "late ack: acknowledge breached"

# --- 5. Holidays in the responder's card ---------------------------------------
# B declares Thanksgiving (Thu 26 Nov 2026) a holiday, re-issues its card and
# A re-pins it: A counts in B's calendar as published in B's card.
# Request imported Wed 25 Nov 14:00Z = 09:00 NY, P3:
#   acknowledge 8h : Wed 17:00 NY                     = 2026-11-25T22:00Z
#   triage     16h : Wed (8), Thu holiday, Fri 27 (8) = 2026-11-27T22:00Z
#                    (without the holiday: Thu 26 17:00 NY = 2026-11-26T22:00Z)
grep -q '^holidays =' b/parley.conf || fail "b/parley.conf has no holidays line under [hours]"
sed -i 's/^holidays =.*/holidays = 2026-11-26/' b/parley.conf
expect_in b/parley.conf "holidays = 2026-11-26"
expect_rc 0 px card --dir b -o b2.card
expect_in "$ERR" "(version 2)"
expect_json b2.card 'd["card"]["hours"]["holidays"]' '["2026-11-26"]'
expect_json b2.card 'd["card"]["version"]' 2
new_case 2026-11-25T13:00:00Z P3 "Over Thanksgiving"
C7=$CID
deliver 2026-11-25T14:00:00Z
# B counts in its own configuration at once; A still holds card version 1.
clock b "$C7" triage deadline 2026-11-27T22:00:00.000Z
clock a "$C7" triage deadline 2026-11-26T22:00:00.000Z
expect_rc 0 px peer add --dir a --json b2.card
expect_json "$OUT" 'd["result"]' updated
expect_rc 0 px peer show --dir a --json $B
expect_json "$OUT" 'd["card"]["card"]["version"]' 2
expect_json "$OUT" 'd["agreement"]["P3"]["acknowledge"]' 1d
for d in a b; do
	clock $d "$C7" acknowledge deadline 2026-11-25T22:00:00.000Z
	clock $d "$C7" triage deadline 2026-11-27T22:00:00.000Z
done
at 2026-11-25T15:00:00Z
expect_rc 0 px case ack --dir b "$C7"
reply 2026-11-25T15:05:00Z
at 2026-11-26T22:00:01Z
in_overdue b "$C7" false
in_overdue a "$C7" false
at 2026-11-27T22:00:01Z
in_overdue b "$C7" true
# Same view on both sides, byte for byte, at the same moment.
at 2026-11-27T12:00:00Z
show_json a "$C7" c7.a.json
show_json b "$C7" c7.b.json
shared_view c7.a.json c7.b.json
cmp -s c7.a.json c7.b.json || fail "views differ: $(diff c7.a.json c7.b.json | head)"
ok "Thanksgiving in B's card: triage skips it (Fri 27 22:00Z), on both sides"

# --- 6. needs-info pauses the answer clocks --------------------------------
# Imported Mon 30 Nov 14:00Z = 09:00 NY (opening).  P3:
#   first response 40h -> Fri 4 Dec 17:00 NY  = 2026-12-04T22:00Z
#   resolution    160h -> Fri 25 Dec 17:00 NY = 2026-12-25T22:00Z
# B triages needs-info at 16:00Z (11:00 NY); A answers at 18:00Z (13:00
# NY): a pause of exactly 2 business hours, which moves both deadlines by
# 2 business hours into the next business day:
#   first response -> Mon 7 Dec 11:00 NY  = 2026-12-07T16:00Z
#   resolution     -> Mon 28 Dec 11:00 NY = 2026-12-28T16:00Z
# Acknowledge and triage stopped at the triage (16:00Z) and do not move.
new_case 2026-11-30T13:00:00Z P3 "Needs info"
C3=$CID
deliver 2026-11-30T14:00:00Z
deadlines b "$C3" "2026-11-30T22:00:00.000Z 2026-12-01T22:00:00.000Z 2026-12-04T22:00:00.000Z 2026-12-25T22:00:00.000Z"
at 2026-11-30T16:00:00Z
expect_rc 0 px case triage --dir b "$C3" --decision needs-info --text "Since when?"
reply 2026-11-30T16:10:00Z
for d in a b; do
	clock $d "$C3" first_response state paused
	clock $d "$C3" first_response deadline null
	clock $d "$C3" resolution state paused
	clock $d "$C3" acknowledge state met
	clock $d "$C3" triage state met
	clock $d "$C3" triage stopped 2026-11-30T16:00:00.000Z
done
# A paused case is never overdue, however long it waits.
at 2026-12-20T00:00:00Z
in_overdue b "$C3" false
in_overdue a "$C3" false
at 2026-11-30T18:00:00Z
expect_rc 0 px case update --dir a "$C3" --text "Since 2026-11-18, TCP 443"
deliver 2026-11-30T18:05:00Z
for d in a b; do
	deadlines $d "$C3" "2026-11-30T22:00:00.000Z 2026-12-01T22:00:00.000Z 2026-12-07T16:00:00.000Z 2026-12-28T16:00:00.000Z"
	clock $d "$C3" first_response state running
done
ok "needs-info for 2 business hours moves first response and resolution by 2 business hours"

# Overdue once past the moved deadline, not before (and not at the old one).
at 2026-12-04T22:00:01Z
in_overdue b "$C3" false
at 2026-12-07T16:00:00Z
in_overdue b "$C3" false
at 2026-12-07T16:00:01Z
in_overdue b "$C3" true
in_overdue a "$C3" true
expect_rc 0 px case list --dir b --json --overdue
expect_json "$OUT" "[c[\"next_clock\"][\"clock\"] for c in d if c[\"id\"] == \"$C3\"]" '["first_response"]'
ok "overdue after the moved first-response deadline, not after the original one"

# --- 7. The agreement changes the deadline -----------------------------------
# B proposes version 1 (P3 acknowledge 2h), A accepts it; both count under
# it for cases opened afterwards.
at 2026-12-01T12:00:00Z
agree b a $B $A P3.acknowledge=2h
expect_json "$OUT" 'd["terms"]["P3"]["acknowledge"]' 2h
expect_json "$OUT" 'd["terms"]["P3"]["basis"]' business
expect_rc 0 px peer agreement --dir a $B
expect_in "$OUT" "Agreement with $B: version 1 in force (proposed by $B, accepted by $A"
expect_rc 0 px peer show --dir a --json $B
expect_json "$OUT" '[d["agreement_version"], d["agreement"]["P3"]["acknowledge"]]' '[1, "2h"]'
# Tue 1 Dec 13:00Z = 08:00 NY, imported at once: 2 business hours from the
# 09:00 opening -> 11:00 NY = 16:00Z.  Triage keeps its 16h: Wed 2 Dec 17:00 NY.
new_case 2026-12-01T13:00:00Z P3 "Under the new agreement"
C5=$CID
deliver 2026-12-01T13:00:00Z
for d in a b; do
	clock $d "$C5" acknowledge budget 2h
	clock $d "$C5" acknowledge deadline 2026-12-01T16:00:00.000Z
	clock $d "$C5" triage deadline 2026-12-02T22:00:00.000Z
	expect_json "$OUT" 'd["agreement"]' '{"disagreement": null, "in_force": 1, "named": 1, "version": 1}'
done
# Cases opened before keep the version they named (0): C3's deadlines
# are those worked out above.
deadlines b "$C3" "2026-11-30T22:00:00.000Z 2026-12-01T22:00:00.000Z 2026-12-07T16:00:00.000Z 2026-12-28T16:00:00.000Z"
expect_json "$OUT" 'd["agreement"]["version"]' 0
# P3 on a calendar basis, 2h: 13:00Z + 2h = 15:00Z (version 2, proposed by
# A this time).
at 2026-12-01T13:00:00Z
agree a b $A $B P3.basis=calendar
expect_eq "version" 2 "$AGREED"
new_case 2026-12-01T13:00:00Z P3 "Calendar basis"
C6=$CID
deliver 2026-12-01T13:00:00Z
clock b "$C6" acknowledge basis calendar
clock b "$C6" acknowledge deadline 2026-12-01T15:00:00.000Z
clock a "$C6" acknowledge deadline 2026-12-01T15:00:00.000Z
# Bad settings: exit 3, the agreement unchanged.
expect_rc 0 px peer agreement --dir a $B --json
cp "$OUT" agreement.json
for kv in P3.acknowledge=0h P3.acknowledge=soon P9.acknowledge=2h P3.lunch=1h P3.basis=lunar default_tlp=purple nokey; do
	expect_rc 3 px peer agreement --dir a $B --set "$kv"
	expect_in "$ERR" "parley: "
done
expect_in "$ERR" "'nokey' is not KEY=VALUE"
expect_rc 0 px peer agreement --dir a $B --json
cmp -s "$OUT" agreement.json || fail "a refused agreement change altered the agreement"
ok "peer agreement: P3.acknowledge=2h moves the deadline; bad settings exit 3"

# --- 8. Daylight saving time, and a pause over a weekend -------------------
# A fresh pair of nodes for March 2026 (New York moves to EDT, UTC-4, on
# Sunday 8 March 2026 at 02:00): business hours become 13:00Z-21:00Z.
mv a a-nov
mv b b-nov
at 2026-03-01T00:00:00Z
mknode a $A Asia/Shanghai "zh, en"
mknode b $B America/New_York
enrol a b
# Imported Fri 6 Mar 23:00Z = 18:00 EST, after hours:
#   acknowledge 8h -> Mon 9 Mar 17:00 EDT = 2026-03-09T21:00Z (not 22:00Z)
new_case 2026-03-06T23:00:00Z P3 "Over the DST change"
deliver 2026-03-06T23:00:00Z
clock b "$CID" acknowledge deadline 2026-03-09T21:00:00.000Z
clock a "$CID" acknowledge deadline 2026-03-09T21:00:00.000Z
# Imported Fri 13 Mar 14:00Z = 10:00 EDT:
#   acknowledge     8h : Fri 10-17 (7) + Mon 16 09-10 (1)    -> 2026-03-16T14:00Z
#   first response 40h : 7 + 4 x 8 = 39, + Fri 20 09-10 (1)  -> 2026-03-20T14:00Z
# needs-info from Fri 17:00 EDT (21:00Z) to Mon 10:00 EDT (14:00Z): 1
# business hour (Mon 09-10) inside the pause, so first response and
# resolution move by 1h only, not by the 65 calendar hours:
#   first response -> 2026-03-20T15:00Z; resolution 2026-04-10T14:00Z -> 15:00Z
new_case 2026-03-13T14:00:00Z P3 "Pause over a weekend"
C8=$CID
deliver 2026-03-13T14:00:00Z
deadlines b "$C8" "2026-03-16T14:00:00.000Z 2026-03-17T14:00:00.000Z 2026-03-20T14:00:00.000Z 2026-04-10T14:00:00.000Z"
at 2026-03-13T21:00:00Z
expect_rc 0 px case triage --dir b "$C8" --decision needs-info
reply 2026-03-13T21:01:00Z
at 2026-03-16T14:00:00Z
expect_rc 0 px case update --dir a "$C8" --text "here it is"
deliver 2026-03-16T14:01:00Z
for d in a b; do
	deadlines $d "$C8" "2026-03-16T14:00:00.000Z 2026-03-17T14:00:00.000Z 2026-03-20T15:00:00.000Z 2026-04-10T15:00:00.000Z"
done
ok "DST: Monday 17:00 EDT is 21:00Z; a weekend needs-info pause moves deadlines by its business hours only"

finish
