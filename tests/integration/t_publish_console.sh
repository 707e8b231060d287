#!/bin/bash
# Roster and contacts edited in the console's publishing card (issue 17,
# item 6; tests/e2e/publish.test.mjs), in Debian's chromium against two
# live nodes on 127.0.0.1: A's administrator adds a contact and a roster,
# A re-signs its card, and B pins the new card and sees both.  The API's
# refusals keep parley.conf as it was.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

browser_ready publish
live_pair admin
expect_rc 0 px token create --dir a --role duty --name d
TD=$(cat "$OUT")
serve a
serve b
ok "two live nodes on 127.0.0.1"

rm -rf "$ART"
URL_A=$(url a) TOKEN_A=$TA ARTIFACTS="$ART" \
	timeout 200 node "$E2E/publish.test.mjs" >"$TMP/e2e.log" 2>&1
rc=$?
cat "$TMP/e2e.log"
[ $rc = 0 ] || fail "the browser tests failed (exit $rc); screenshots in $ART"
for p in publish-en publish-zh-400; do
	[ -s "$ART/$p.png" ] || fail "no screenshot $p.png"
done
expect_in a/parley.conf '[contact "night"]'
expect_in a/parley.conf 'email = night@beijing.example'
expect_in a/parley.conf 'handover = Mon 09:00 duty, Fri 18:00 night'

# The API's refusals: a duty officer may not publish; a value the file
# could not hold as given; a contact the roster still names.  Each leaves
# parley.conf byte for byte.
cp a/parley.conf conf.before
call a "$TD" PUT /api/v1/roster '{"handover":""}'
want_code 403
call a "$TA" PUT /api/v1/contacts/own/night '{"role":"technical","name":"\"Zhang\""}'
want_code 422
expect_in "$OUT" "name: a value is one line"
call a "$TA" PUT /api/v1/contacts/own/night '{"role":"boss","name":"Zhang Min"}'
want_code 422
expect_in "$OUT" "not published"
call a "$TA" DELETE /api/v1/contacts/own/night
want_code 422
expect_in "$OUT" "night"
# A contact that is not there is 404, and no new card.
call a "$TA" DELETE /api/v1/contacts/own/ghost
want_code 404
expect_json "$OUT" 'd["detail"]' 'no [contact "ghost"] in parley.conf: nothing to remove'
# An e-mail address or phone number that is not one is refused, naming it.
call a "$TA" PUT /api/v1/contacts/own/x2 '{"role":"technical","name":"X","email":"not-an-email"}'
want_code 422
expect_in "$OUT" '[contact \"x2\"] email: the address '"'"'not-an-email'"'"' is not an address of the form local@domain'
call a "$TA" PUT /api/v1/contacts/own/x2 '{"role":"technical","name":"X","email":"x2@a.example\r\nBcc: all@a.example"}'
want_code 422
expect_in "$OUT" 'email: a value is one line'
call a "$TA" PUT /api/v1/contacts/own/x2 '{"role":"technical","name":"X","phone":"call me"}'
want_code 422
expect_in "$OUT" '[contact \"x2\"] phone: '"'"'call me'"'"' is not a telephone number'
cmp -s a/parley.conf conf.before || fail "a refused edit changed parley.conf: $(diff conf.before a/parley.conf)"
ok "refused edits leave parley.conf and the card as they were"

# A publishes its new card to B by itself (node/cardpush.h): B pins
# version 3 (the two edits in the browser, none for the refusals above)
# with the new contact and roster, nobody carrying a card.
expect_rc 0 px card --dir a -o a2.card
expect_json a2.card 'd["card"]["version"]' 3
expect_json a2.card '[r["contact"] for r in d["card"]["roster"]]' '["duty", "night"]'
b_pins_v3() {
	call b "$TB" GET "/api/v1/contacts?peer=$A"
	[ "$CODE" = 200 ] && [ "$(json_get "$OUT" 'd[0]["card_version"]')" = 3 ]
}
wait_for 20 "B pins A's card version 3" b_pins_v3
expect_json "$OUT" '[[c["id"], c.get("email")] for c in d[0]["contacts"] if c["id"] == "night"]' '[["night", "night@beijing.example"]]'
expect_json "$OUT" '[r["contact"] for r in d[0]["roster"]]' '["duty", "night"]'
expect_in b.log "$A published its card version"
ok "B pins A's card version 3 with the new contact and roster, published by A itself"

# Removing the contact: the roster first, then the contact.
call a "$TA" PUT /api/v1/roster '{"handover":""}'
want_code 200
expect_json "$OUT" 'd["card_version"]' 4
call a "$TA" DELETE /api/v1/contacts/own/night
want_code 200
expect_json "$OUT" 'd["card_version"]' 5
expect_not_in a/parley.conf 'night'
expect_not_in a/parley.conf '[roster]'
ok "a roster cleared and a contact removed, each a new card version"
finish
