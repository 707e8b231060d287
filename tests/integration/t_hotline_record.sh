#!/bin/bash
# The record must not overstate (issue 12, item 8), between two live nodes
# on 127.0.0.1 where the responder B has NO mail relay:
#
#   1. A raises a hotline; B's node pages its duty officer, whose e-mail
#      cannot go out.  B signs a delivery report into the case, so both
#      sides show the page as NOT delivered, with the reason.
#   2. A console user at B acknowledges with a token that names no person:
#      the hotline is acknowledged, but no page counts as answered, on
#      both sides ("not-named").
#   3. A second hotline is acknowledged with a token named after B's duty
#      contact, the person paged: that page is answered ("paged-person").
#   4. Raising a hotline toward a peer with no URL says it waits for a
#      hand carry, not that anyone is being paged.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v curl >/dev/null || fail "curl is required"
trap live_cleanup EXIT
mkdir -p "$TMP/pids"

A=cert-a.example
B=cert-b.example
read -r PA PB < <(free_ports 2 | tr '\n' ' ')
live_node a $A Asia/Shanghai $PA
live_node b $B Europe/Brussels $PB
for d in a b; do expect_rc 0 px card --dir $d -o $d.card; done
enrol a b
# B pages every 30 minutes: one page is enough for this test.  Agreed
# over files before the nodes serve (B proposes, A accepts).
agree b a $B $A page_every=30m check_every=0
expect_rc 0 px token create --dir a --name ops --role duty
TA=$(cat "$OUT")
expect_rc 0 px token create --dir b --name console --role duty
TB=$(cat "$OUT")
expect_rc 0 px token create --dir b --name duty --role duty
TDUTY=$(cat "$OUT")
serve a
serve b

# 1. The page cannot be delivered (no relay): both sides say so.
call a "$TA" POST /api/v1/hotlines "{\"peer\":\"$B\",\"text\":\"Grid control down\"}"
want_code 201
H1=$(json_get "$OUT" 'd["ref"]')
reported() {
	call "$1" "$2" GET "/api/v1/hotlines/$H1"
	[ "$CODE" = 200 ] &&
		[ "$(json_get "$OUT" '[x["status"] for p in d["pages"] for x in p["delivery"] if x["channel"] == "email"]')" = '["retrying"]' ]
}
wait_for 30 "B reports the undelivered page" reported b "$TB"
wait_for 30 "A sees B's report of the undelivered page" reported a "$TA" || { tail -20 b.log; exit 1; }
expect_json "$OUT" 'd["pages"][0]["delivery"][0]["signed"]' true
expect_json "$OUT" '"no SMTP relay configured" in d["pages"][0]["delivery"][0]["detail"]' true
expect_json "$OUT" 'd["pages"][0]["answered"]' false
expect_rc 0 px hotline status --dir a "$H1"
expect_in "$OUT" "NOT DELIVERED (retrying)"
expect_in "$OUT" "no SMTP relay configured"
ok "an undelivered page shows as undelivered at both ends, with why"

# 2. Acknowledged from a console token that names nobody.
call b "$TB" POST "/api/v1/cases/$H1/ack" '{"text":"Acknowledged from the console.","lang":"en"}'
want_code 200
acked() {
	call a "$TA" GET "/api/v1/hotlines/$H1"
	[ "$(json_get "$OUT" 'd["acknowledged"] is not None')" = true ]
}
wait_for 30 "A sees the acknowledgement" acked
for side in a b; do
	[ $side = a ] && tok=$TA || tok=$TB
	call $side "$tok" GET "/api/v1/hotlines/$H1"
	expect_json "$OUT" 'd["answer"]' not-named
	expect_json "$OUT" 'd["answered_by"]' null
	expect_json "$OUT" '[p["answered"] for p in d["pages"]]' '[false]'
	expect_json "$OUT" '[p["latency_ms"] for p in d["pages"]]' '[null]'
done
expect_rc 0 px hotline status --dir a "$H1"
expect_in "$OUT" "ACKNOWLEDGED after"
expect_in "$OUT" "naming no person: no page counts as answered"
expect_not_in "$OUT" "answered "
ok "an acknowledgement naming nobody answers no page, on both sides"

# 3. The person paged acknowledges with a token of their own.
call a "$TA" POST /api/v1/hotlines "{\"peer\":\"$B\",\"text\":\"Second outage\"}"
want_code 201
H2=$(json_get "$OUT" 'd["ref"]')
paged2() {
	call b "$TB" GET "/api/v1/hotlines/$H2"
	[ "$CODE" = 200 ] && [ "$(json_get "$OUT" 'len(d["pages"])')" -ge 1 ]
}
wait_for 30 "B pages for the second hotline" paged2
call b "$TDUTY" POST "/api/v1/cases/$H2/ack" '{"text":"Duty here","lang":"en"}'
want_code 200
acked2() {
	call a "$TA" GET "/api/v1/hotlines/$H2"
	[ "$(json_get "$OUT" 'd["answer"]')" = paged-person ]
}
wait_for 30 "A sees the paged person's answer" acked2
expect_json "$OUT" 'd["answered_by"]' duty
expect_json "$OUT" '[p["answered"] for p in d["pages"]]' '[true]'
ok "the person paged answers with their own token: that page is answered"

# 4. A peer with no URL: the CLI says the hotline waits for a hand carry.
expect_rc 0 px init --dir c --name cert-c.example
expect_rc 0 px card --dir c -o c.card
expect_rc 0 px peer add --dir a c.card
expect_rc 0 px hotline raise --dir a --peer cert-c.example --text "Anyone?"
expect_in "$ERR" "signed and queued"
expect_in "$ERR" "names no URL"
expect_in "$ERR" "parley outbox export --peer cert-c.example"
expect_not_in "$ERR" "pages its on-call person now"
ok "a hotline to a peer without URL says it waits for a hand carry"
finish
