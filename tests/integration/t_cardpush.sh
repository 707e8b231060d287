#!/bin/bash
# A node publishes its re-signed card to its peers by itself (issue 17,
# item 6; docs/protocol.md "Card updates"): two live nodes on 127.0.0.1.
# A's administrator adds a contact through the API and B pins the new
# card within seconds, with no card carried by hand; an edit made while B
# is down reaches it when it is back.  PUT /peer/v1/card refuses a card
# that is not the caller's, not signed by the pinned key, not newer, or
# not a card, and B's pin stays as it was.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

trap live_cleanup EXIT
live_pair admin
serve a
serve b
ok "two live nodes on 127.0.0.1"

# pinned_version DIR PEER: the card version DIR has pinned for PEER.
pinned_version() {
	call "$1" "$2" GET "/api/v1/contacts?peer=$3"
	[ "$CODE" = 200 ] && json_get "$OUT" 'd[0]["card_version"]'
}
b_pins() { [ "$(pinned_version b "$TB" $A)" = "$1" ]; }

expect_eq "B's pin of A before" 1 "$(pinned_version b "$TB" $A)"
call a "$TA" PUT /api/v1/contacts/own/night '{"role":"technical","name":"Zhang Min","email":"night@beijing.example"}'
want_code 200
expect_json "$OUT" 'd["card_version"]' 2
wait_for 20 "B pins A's card version 2" b_pins 2
call b "$TB" GET "/api/v1/contacts?peer=$A"
expect_json "$OUT" '[[c["id"], c.get("email")] for c in d[0]["contacts"] if c["id"] == "night"]' '[["night", "night@beijing.example"]]'
expect_in b.log "$A published its card version 2 (was 1); pinned"
expect_in b.log '"night"'
expect_eq "A's record of what B holds" 2 \
	"$(sqlite3 a/parley.db "select value from meta where key = 'card_pushed.$B'")"
ok "A's new contact reached B's pinned card by itself"

# An edit while B is down goes out when B is back.
stop_node b
call a "$TA" PUT /api/v1/roster '{"handover":"Mon 09:00 duty, Fri 18:00 night"}'
want_code 200
expect_json "$OUT" 'd["card_version"]' 3
serve b
wait_for 30 "B pins A's card version 3 after its restart" b_pins 3
call b "$TB" GET "/api/v1/contacts?peer=$A"
expect_json "$OUT" '[r["contact"] for r in d[0]["roster"]]' '["duty", "night"]'
ok "an edit made while B was down reached it when it came back"

# What PUT /peer/v1/card refuses, sent with A's own client certificate.
push() {
	CODE=$(curl -sk --max-time 10 --cert a/tls/cert.pem --key a/tls/key.pem \
		-o "$OUT" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
		-H 'Expect:' --data-binary "@$1" "$(url b)/peer/v1/card") || CODE="curl-failed-$?"
}
sqlite3 b/parley.db "select card from peers where name = '$A'" >pin.before
expect_rc 0 px card --dir a -o a3.card
python3 - <<'PY' || fail "making the cards"
import json
c = json.load(open("a3.card"))
c["card"]["contacts"][0]["email"] = "mallory@evil.example"
json.dump(c, open("tampered.card", "w"))
PY
mknode c $A UTC
cp c.card other-key.card
printf '{"card": ' >not-a-card.json
push tampered.card
want_code 422
expect_in "$OUT" "signature"
push b.card
want_code 403
expect_in "$OUT" "may publish only its own card"
push a.card
want_code 409
expect_in "$OUT" "not newer than the pinned version 3"
push other-key.card
want_code 409
expect_in "$OUT" "pinned with another signing key"
push not-a-card.json
want_code 422
push a3.card
want_code 200
expect_json "$OUT" 'd["updated"]' false
sqlite3 b/parley.db "select card from peers where name = '$A'" >pin.after
cmp -s pin.before pin.after || fail "a refused card changed B's pin of A"
expect_eq "B's pin of A after the refusals" 3 "$(pinned_version b "$TB" $A)"
ok "a tampered, foreign, older, re-keyed or broken card is refused; the pin stays"

# Carried by hand (a peer with no channel up), the same card is pinned by
# `peer add`, which says what changed.
mknode d cert-brussels.example Europe/Brussels
expect_rc 0 px peer add --dir d a.card
expect_rc 0 px peer add --dir d a3.card
expect_in "$OUT" "Card version 1 -> 3."
expect_in "$OUT" "contact added: night"
expect_in "$OUT" "the on-call roster changed"
ok "peer add of a newer card by hand says what changed"
finish
