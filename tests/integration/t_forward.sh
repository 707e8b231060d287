#!/bin/bash
# Forwarding through the TLP choke point, three nodes over files
# (docs/interop.md, "Forwarding"):
#
#   A (cert-a) sends B (cert-b) one request per TLP marking; B forwards
#   each to C (cert-c) with `case triage --decision forwarded --to C`.
#
# Checked: CLEAR and GREEN go; AMBER goes only once A and B agree
# amber_constituency=yes; AMBER+STRICT and RED never go, the refusal names
# the marking, and nothing is signed (B's case stays as it was, nothing
# waits for C).  A forwarded case reaches C with the original's title,
# marking and observables and its link back; A sees where it went; C's
# case is a new case between B and C; C cannot pass a RED case on.
# (The message rules for forwarded_to and linked: tests/unit/test_message.c.)
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

A=cert-a.example
B=cert-b.example
C=cert-c.example

at 2026-11-20T10:00:00Z
mknode a $A UTC
mknode b $B UTC
mknode c $C UTC
enrol a b
enrol b c

declare -A ID
LINK=()
XID=()
for t in clear green amber amber+strict red; do
	expect_rc 0 px case new --dir a --to $B --kind request --category botnet \
		--priority P2 --tlp "$t" --title "C2 $t at 198.51.100.7" \
		--text "Please look at the C2 ($t)." \
		--observable ip:198.51.100.7 --observable domain:c2.example
	ID[$t]=$(cat "$OUT")
done
hop a b $B $A a1.bundle
at 2026-11-20T10:05:00Z

outbox_for_c() {
	expect_rc 0 px outbox export --dir b --peer $C -o "$1" --json
	json_get "$OUT" 'd["messages"]'
}

# Refused: the marking named, nothing signed, nothing queued for C.
for t in amber+strict red amber; do
	expect_rc 0 px case show --dir b --json "${ID[$t]}"
	before=$(json_get "$OUT" 'len(d["messages"])')
	expect_rc 5 px case triage --dir b "${ID[$t]}" --decision forwarded \
		--reason competent-authority --to $C
	label=$(echo "$t" | tr a-z A-Z)
	expect_in "$ERR" "TLP:$label stops case ${ID[$t]}"
	expect_in "$ERR" "by forwarding"
	[ "$t" = amber ] && expect_in "$ERR" "where the agreement allows, its constituency"
	expect_rc 0 px case show --dir b --json "${ID[$t]}"
	expect_json "$OUT" 'len(d["messages"])' "$before"
	expect_json "$OUT" 'd["state"]' delivered
done
expect_eq "messages waiting for C" 0 "$(outbox_for_c none.bundle)"
ok "AMBER+STRICT, RED and (without the agreement) AMBER are not forwarded"

# The forward itself: only with the decision forwarded, only to a third party.
expect_rc 3 px case triage --dir b "${ID[green]}" --decision declined --to $C
expect_in "$ERR" "only with the decision forwarded"
expect_rc 3 px case triage --dir b "${ID[green]}" --decision forwarded --to $A
expect_in "$ERR" "is a party of case"
expect_rc 4 px case triage --dir b "${ID[green]}" --decision forwarded --to cert-z.example

for t in clear green; do
	expect_rc 0 px case triage --dir b --json "${ID[$t]}" --decision forwarded \
		--reason competent-authority --to $C --text "C is competent for this network."
	expect_json "$OUT" 'd["forwarded_to"]' $C
	LINK[${#LINK[@]}]=$(json_get "$OUT" 'd["linked_case"]')
done
expect_eq "messages waiting for C" 2 "$(outbox_for_c c1.bundle)"
ok "CLEAR and GREEN forwarded"

# AMBER once A and B agree that it may reach B's constituency.
agree a b $A $B amber_constituency=yes
expect_rc 0 px case triage --dir b --json "${ID[amber]}" --decision forwarded --to $C
LINK[2]=$(json_get "$OUT" 'd["linked_case"]')
ok "AMBER forwarded under amber_constituency=yes"

at 2026-11-20T10:10:00Z
hop b c $C $B b-c.bundle
expect_json b-c.bundle.import.json 'd["applied"]' 3
hop b a $A $B b-a.bundle
for i in 0 1 2; do
	t=$(echo "clear green amber" | cut -d' ' -f$((i + 1)))
	expect_rc 0 px case show --dir c --json "${LINK[$i]}"
	cp "$OUT" c.json
	expect_json c.json 'd["title"]' "C2 $t at 198.51.100.7"
	expect_json c.json 'd["tlp"]' "$t"
	expect_json c.json 'd["requester"]' $B
	expect_json c.json 'd["responder"]' $C
	expect_json c.json 'd["linked"]' "{\"by\": \"$B\", \"case\": \"${ID[$t]}\", \"from\": \"$A\"}"
	expect_json c.json 'sorted(o["value"] for o in d["observables"])' '["198.51.100.7", "c2.example"]'
	expect_json c.json 'd["messages"][0]["body"]["text"]["value"]' "Please look at the C2 ($t)."
	expect_rc 0 px case show --dir a --json "${ID[$t]}"
	expect_json "$OUT" 'd["state"]' forwarded
	expect_json "$OUT" 'd["forwarded_to"]' "{\"case\": \"${LINK[$i]}\", \"node\": \"$C\"}"
done
expect_rc 0 px case show --dir b --json "${ID[green]}"
expect_json "$OUT" 'd["forwarded_to"]["case"]' "${LINK[1]}"
ok "C holds the linked cases with their link back; A and B see where they went"

# The STIX export of C's case names the case it came from.
expect_rc 0 px export --dir c --format stix --to $B -o linked.json "${LINK[1]}"
expect_json linked.json '[r for o in d["objects"] if o["type"] == "grouping" for r in o["external_references"]][1]' \
	"{\"description\": \"forwarded from $A by $B\", \"external_id\": \"${ID[green]}\", \"source_name\": \"parley\"}"
ok "the STIX grouping of a forwarded case references the original"

# C cannot forward a RED case it holds either (no path out of a RED case).
at 2026-11-20T10:20:00Z
expect_rc 0 px case new --dir b --to $C --kind request --category botnet --priority P2 \
	--tlp red --title "RED for C only" --text "x"
RED_BC=$(cat "$OUT")
hop b c $C $B b-c2.bundle
enrol a c
expect_rc 5 px case triage --dir c "$RED_BC" --decision forwarded --to $A
expect_in "$ERR" "TLP:RED stops case $RED_BC"
ok "the third party cannot pass a RED case on"

# The analyst API forwards the same way: POST .../triage with "to".
trap live_cleanup EXIT
PX=$(free_ports 1)
live_node x cert-x.example UTC "$PX"
expect_rc 0 px card --dir x -o x.card
enrol a x
enrol x c
expect_rc 0 px token create --dir x --role analyst --name xena
TX=$(cat "$OUT")
at 2026-11-20T10:30:00Z
for t in green red; do
	expect_rc 0 px case new --dir a --to cert-x.example --kind request --category botnet \
		--priority P2 --tlp "$t" --title "API $t" --text "x"
	XID[${#XID[@]}]=$(cat "$OUT")
done
hop a x cert-x.example $A a-x.bundle
unset PARLEY_FAKE_NOW
serve x
call x "$TX" POST "/api/v1/cases/${XID[1]}/triage" '{"decision": "forwarded", "to": "'$C'"}'
want_code 403
expect_json "$OUT" 'd["type"]' urn:parley:problem:tlp
expect_in "$OUT" "TLP:RED stops case ${XID[1]}"
call x "$TX" POST "/api/v1/cases/${XID[0]}/triage" '{"decision": "forwarded", "to": "'$C'", "reason": "competent-authority"}'
want_code 200
expect_json "$OUT" 'd["state"]' forwarded
expect_json "$OUT" 'd["forwarded_to"]' $C
XL=$(json_get "$OUT" 'd["linked_case"]')
call x "$TX" GET "/api/v1/cases/$XL"
want_code 200
expect_json "$OUT" '[d["title"], d["tlp"], d["linked"]["case"], d["responder"]]' \
	"[\"API green\", \"green\", \"${XID[0]}\", \"$C\"]"
call x "$TX" GET "/api/v1/cases/${XID[1]}"
# (serve's scheduler has meanwhile escalated the overdue case: only the
# triage must be missing)
expect_json "$OUT" '[d["state"], [m["type"] for m in d["messages"] if m["type"] == "triage"]]' '["delivered", []]'
ok "the API forwards GREEN (200, the linked case) and refuses RED (403 naming the marking)"

finish
