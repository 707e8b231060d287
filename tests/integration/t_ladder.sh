#!/bin/bash
# The escalation ladder and the hotline's roster walk, driven tick by tick
# with PARLEY_FAKE_NOW and offline bundles, every figure worked out by hand.
#
# A (cert-cn.example, Beijing) raises a hotline to B (cert-us.example, New
# York).  B's roster: duty from Monday 00:00, deputy from Wednesday,
# night from Friday (New York time).  Monday 23 November 2026 15:00Z is
# 10:00 in New York: duty is on call, so B's walk is duty, deputy, night.
# B's agreement with A pages every 5 minutes.  P1 budgets (default):
# acknowledge 30m, triage 1h, first response 4h, resolution 24h; the
# default ladder is 75%:assignee:responder, 100%:duty:both,
# 150%:principal:both.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

A=cert-cn.example
B=cert-us.example

at 2026-11-20T00:00:00Z
mknode a $A Asia/Shanghai "zh, en"
mknode b $B America/New_York
cat >>b/parley.conf <<'CONF'

[contact "deputy"]
role = technical
name = Deputy Officer
email = deputy@us.example
phone = +1 202 555 0100

[contact "night"]
role = technical
name = Night Desk
email = night@us.example

[contact "chief"]
role = policy
name = Head of CERT
email = chief@us.example
principal = yes

[roster]
handover = Mon 00:00 duty, Wed 00:00 deputy, Fri 00:00 night
CONF
expect_rc 0 px card --dir b -o b.card
enrol a b
# No version agreed yet: both count under version 0, the defaults, which
# page every 5 minutes.
expect_rc 0 px peer agreement --dir b $A --json
expect_json "$OUT" '[d["version"], d["terms"]["page_every"]]' '[0, "5m"]'
expect_rc 5 px peer agreement --dir b $A --set page_every=5m
expect_in "$ERR" "nothing to propose: these are the terms of version 0"

# A bad roster is refused when the node opens, naming the problem.
cp -r b bad
sed -i 's/^handover = .*/handover = Mon 09:00 nobody/' bad/parley.conf
expect_rc 3 px contacts --dir bad
expect_in "$ERR" "names 'nobody'"

# B's contact directory: on call now, never verified, so stale.
at 2026-11-23T15:00:00Z
expect_rc 0 px contacts --dir b --json
expect_json "$OUT" '[p["on_call"] for p in d if p["self"]][0]' duty
expect_json "$OUT" '[c["stale"] for p in d if p["self"] for c in p["contacts"]]' '[true, true, true, true]'
expect_rc 0 px contacts --dir a --peer $B --json
expect_json "$OUT" '[c["id"] for c in d[0]["contacts"]]' '["duty", "deputy", "night", "chief"]'
expect_json "$OUT" 'd[0]["roster"][1]' '{"at": "Wed 00:00", "contact": "deputy"}'

# 15:00:00Z A raises the hotline; B receives it at 15:00:10Z.
expect_rc 0 px hotline raise --dir a --peer $B --text "DDoS on the national payment gateway"
CID=$(cat "$OUT")
at 2026-11-23T15:00:10Z
hop a b $B $A h1

# B's first tick pages duty (attempt 1, at B's receipt time).
at 2026-11-23T15:00:20Z
expect_rc 0 px schedule --dir b --json --no-checks
expect_json "$OUT" 'd["pages"]' 1
expect_json "$OUT" 'd["ladder"]' 0
# duty lists email (the default template) only: one notification.
expect_json "$OUT" 'd["notifications"]' 1
# Running again at once takes nothing twice.
expect_rc 0 px schedule --dir b --json --no-checks
expect_json "$OUT" 'd["pages"]' 0
# 15:05:10Z is page 2's time (receipt + 5m): deputy, e-mail and phone.
at 2026-11-23T15:05:09Z
expect_rc 0 px schedule --dir b --json --no-checks
expect_json "$OUT" 'd["pages"]' 0
at 2026-11-23T15:05:10Z
expect_rc 0 px schedule --dir b --json --no-checks
expect_json "$OUT" 'd["pages"]' 1
expect_json "$OUT" 'd["notifications"]' 2

# A sees the walk so far, signed by B.
at 2026-11-23T15:06:00Z
hop b a $A $B h2
expect_rc 0 px hotline status --dir a --json "$CID"
expect_json "$OUT" '[p["contact"] for p in d[0]["pages"]]' '["duty", "deputy"]'
expect_json "$OUT" '[p["answered"] for p in d[0]["pages"]]' '[false, false]'
expect_json "$OUT" 'd[0]["ack_deadline"]' 2026-11-23T15:30:10.000Z
expect_rc 0 px hotline status --dir a "$CID"
expect_in "$OUT" "NOT ANSWERED"

# 15:10:10Z page 3 goes to night; at 15:12:10Z deputy answers.
at 2026-11-23T15:10:30Z
expect_rc 0 px schedule --dir b --json --no-checks
expect_json "$OUT" 'd["pages"]' 1
at 2026-11-23T15:12:10Z
expect_rc 4 px case ack --dir b "$CID" --by nobody
expect_rc 0 px case ack --dir b "$CID" --by deputy
at 2026-11-23T15:13:00Z
hop b a $A $B h3
expect_rc 0 px hotline status --dir a --json "$CID"
expect_json "$OUT" '[p["answered"] for p in d[0]["pages"]]' '[false, true, false]'
# deputy was paged at 15:05:10Z and answered at 15:12:10Z: 7 minutes.
expect_json "$OUT" 'd[0]["pages"][1]["latency_ms"]' 420000
# The hotline was received at 15:00:10Z: answered 12 minutes later.
expect_json "$OUT" 'd[0]["answer_ms"]' 720000
expect_json "$OUT" 'd[0]["answered_by"]' deputy
expect_json "$OUT" 'd[0]["ack_clock"]' met
# No more pages once acknowledged.
at 2026-11-23T15:20:00Z
expect_rc 0 px schedule --dir b --json --no-checks
expect_json "$OUT" 'd["pages"]' 0

# The triage clock (1h from 15:00:10Z) still runs.  75% = 45m -> 15:45:10Z
# B (responder) reminds its assignee (deputy, who acknowledged).
at 2026-11-23T15:45:09Z
expect_rc 0 px schedule --dir b --json --no-checks
expect_json "$OUT" 'd["ladder"]' 0
at 2026-11-23T15:45:10Z
expect_rc 0 px schedule --dir b --json --no-checks
expect_json "$OUT" 'd["ladder"]' 1
# A is the requester: 75% is the responder's step only.
expect_rc 0 px schedule --dir a --json --no-checks
expect_json "$OUT" 'd["ladder"]' 0
# 100% at 16:00:10Z: both sides notify their duty officer.  B was down
# until 16:31:00Z (past 150% = 16:30:10Z): it takes both missed steps.
at 2026-11-23T16:00:10Z
expect_rc 0 px schedule --dir a --json --no-checks
expect_json "$OUT" 'd["ladder"]' 1
at 2026-11-23T16:31:00Z
expect_rc 0 px schedule --dir b --json --no-checks
expect_json "$OUT" 'd["ladder"]' 2
hop b a $A $B h4
hop a b $B $A h5
expect_rc 0 px hotline status --dir a --json "$CID"
expect_json "$OUT" '[(e["by"], e["clock"], e["level"], e["notify"]) for e in d[0]["escalations"]]' \
	"[[\"$B\", \"triage\", 1, \"assignee\"], [\"$A\", \"triage\", 2, \"duty\"], [\"$B\", \"triage\", 2, \"duty\"], [\"$B\", \"triage\", 3, \"principal\"]]"
expect_json "$OUT" '[e["deadline"] for e in d[0]["escalations"]][0]' 2026-11-23T16:00:10.000Z
# The principal step on B's side went to chief (principal = yes).
sqlite3 -json b/parley.db "SELECT contact, channel, status FROM notifications" >notes.json
expect_json notes.json 'sorted(set(n["contact"] for n in d))' '["chief", "deputy", "duty", "night"]'
# deputy lists a phone: the page and the assignee reminder are left for a
# person to dial.
expect_json notes.json '[n["status"] for n in d if n["channel"] == "phone"]' '["manual", "manual"]'

# B changes its points of contact; A pins the new card and is shown what
# changed (the card's version rises).
sed -i 's/^email = deputy@us.example/email = deputy2@us.example/; s/^handover = .*/handover = Mon 00:00 duty, Thu 00:00 deputy/' b/parley.conf
expect_rc 0 px card --dir b -o b2.card
expect_rc 0 px peer add --dir a --json b2.card
expect_json "$OUT" 'd["result"]' updated
expect_json "$OUT" '[(c["id"], c["fields"]) for c in d["contacts_changed"]["changed"]]' '[["deputy", ["email"]]]'
expect_json "$OUT" 'd["contacts_changed"]["roster_changed"]' true
expect_json "$OUT" 'd["contacts_changed"]["to_version"] - d["contacts_changed"]["from_version"]' 1

# Scheduled checks (default check_every 30d): by January every one of B's
# contacts that lists an e-mail is due one, at a moment in the last
# quarter of the 30 days; once sent, the next is weeks away.
at 2027-01-01T00:00:00Z
expect_rc 0 px schedule --dir a --json
expect_json "$OUT" 'd["checks"]' 4
expect_rc 0 px schedule --dir a --json
expect_json "$OUT" 'd["checks"]' 0
expect_rc 0 px check list --dir a --json --peer $B
expect_json "$OUT" 'sorted(c["contact"] for c in d)' '["chief", "deputy", "duty", "night"]'
expect_json "$OUT" 'sorted(set(c["status"] for c in d))' '["waiting"]'
# Each token went to the person's own address, never to B's node.
sqlite3 -json a/parley.db "SELECT address FROM notifications WHERE subject LIKE '%Communication check%'" >checks.json
expect_json checks.json 'sorted(r["address"] for r in d)' '["chief@us.example", "deputy2@us.example", "duty@cert-us.example", "night@us.example"]'

# A stored message sets when the scheduler must look at its case next
# from the case's clocks (issue 18), not "now": no tick loads the request
# until the time its row names, when the first ladder step is taken.
# (B's hotline, which B answers, is still looked at on every change: its
# roster walk is not the clocks' alone.)
at 2027-01-02T00:00:00Z
expect_rc 0 px case new --dir a --to $B --kind request --category botnet \
	--title "Beacon" --text "Please look at the beacon"
RID=$(cat "$OUT")
DUE=$(sqlite3 a/parley.db "SELECT due_ms FROM cases WHERE id = '$RID'")
[ -z "$DUE" ] || [ "$DUE" -gt 1798848000000 ] || fail "A's request is due at '$DUE', not later"
at 2027-01-02T00:00:10Z
hop a b $B $A r1
DUE=$(sqlite3 b/parley.db "SELECT due_ms FROM cases WHERE id = '$RID'")
[ "$DUE" -gt 1798848010000 ] || fail "B's request is due at '$DUE', not after its receipt"
steps() { sqlite3 b/parley.db "SELECT count(*) FROM messages WHERE case_id = '$RID' AND type = 'escalate'"; }
expect_rc 0 px schedule --dir b --json --no-checks
expect_eq "ladder steps before the time" "$(steps)" 0
at "$(python3 -c 'import datetime, sys; print(datetime.datetime.fromtimestamp(int(sys.argv[1]) / 1000 - 1, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))' "$DUE")"
expect_rc 0 px schedule --dir b --json --no-checks
expect_eq "ladder steps a second before the time" "$(steps)" 0
at "$(python3 -c 'import datetime, sys; print(datetime.datetime.fromtimestamp(int(sys.argv[1]) / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")' "$DUE")"
expect_rc 0 px schedule --dir b --json --no-checks
[ "$(steps)" -ge 1 ] || fail "no ladder step at the time the request was due"

# The record both sides hold verifies.
expect_rc 0 px log verify --dir a
expect_rc 0 px log verify --dir b
finish
