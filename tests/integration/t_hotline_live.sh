#!/bin/bash
# The hotline, the ladder and communication checks between two live nodes
# on 127.0.0.1, with a real SMTP server (aiosmtpd, from Debian) taking the
# mail.  Budgets are shortened to seconds so the walk happens in the test:
#
#   B proposes and A accepts agreement version 1: page every 10s, P1
#   acknowledge 40s, ladder 100%:duty:both, no scheduled checks.
#   B's roster puts duty on call all week, then deputy, then night.
#
#   1. A raises a hotline through its API (duty token).  B's scheduler
#      pages duty at once, deputy 10 s later, night 10 s after that; each
#      page reaches A as a signed escalate message and each person gets an
#      e-mail through the relay.
#   2. Nobody answers in 40 s: both nodes take the duty step of the
#      ladder, and each side sees the other's.
#   3. deputy acknowledges through B's API: A shows the hotline answered by
#      deputy, the right page marked answered with its latency.
#   4. A checks two of B's contacts; the tokens go by e-mail; duty answers
#      with the token (counted), deputy's reply carries none (recorded, not
#      counted).
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v curl >/dev/null || fail "curl is required"
trap live_cleanup EXIT
mkdir -p "$TMP/pids"

A=cert-beijing.example
B=cert-washington.example
read -r PA PB PS < <(free_ports 3 | tr '\n' ' ')

# The SMTP relay: every message lands in the maildir $TMP/mail.
smtp_start "$PS"

live_node a $A Asia/Shanghai $PA "zh, en"
live_node b $B America/New_York $PB
# Both nodes send mail through it.
smtp_use a "$PS"
smtp_use b "$PS"
cat >>b/parley.conf <<'CONF'

[contact "deputy"]
role = technical
name = Deputy Officer
email = deputy@washington.example

[contact "night"]
role = technical
name = Night Desk
email = night@washington.example

[roster]
handover = Sun 00:00 duty, Sat 23:58 deputy, Sat 23:59 night
CONF
for d in a b; do expect_rc 0 px card --dir $d -o $d.card; done
enrol a b
agree b a $B $A page_every=10s P1.acknowledge=40s 'ladder=100%:duty:both' \
	check_every=0
expect_rc 0 px token create --dir a --role duty
TA=$(cat "$OUT")
expect_rc 0 px token create --dir b --role duty
TB=$(cat "$OUT")
expect_rc 0 px token create --dir a --role viewer
TV=$(cat "$OUT")
serve a
serve b

# The pinned peers as the API lists them (this crashed serve once: a
# json_pack format that did not match its arguments).
call a "$TV" GET /api/v1/peers
want_code 200
expect_json "$OUT" '[(p["name"], p["timezone"], p["card_version"]) for p in d]' \
	"[[\"$B\", \"America/New_York\", 2]]"
expect_json "$OUT" 'd[0]["url"]' "https://127.0.0.1:$PB"

# 1. The hotline.  A viewer may not raise one.
call a "$TV" POST /api/v1/hotlines "{\"peer\":\"$B\",\"text\":\"Payment gateway down\"}"
want_code 403
call a "$TA" POST /api/v1/hotlines "{\"peer\":\"$B\",\"text\":\"bad\",\"observables\":[\"ip:300.1.2.3\"]}"
want_code 422
expect_json "$OUT" 'd["detail"]' "'300.1.2.3' is not an IPv4 address: 300 is larger than 255"
call a "$TA" POST /api/v1/hotlines "{\"peer\":\"$B\",\"text\":\"bad\",\"observables\":\"ip:198.51.100.1\"}"
want_code 422
expect_json "$OUT" 'd["detail"]' 'observables must be an array of "type:value" strings'
call a "$TA" POST /api/v1/hotlines "{\"peer\":\"$B\",\"text\":\"DDoS on the national payment gateway\",\"lang\":\"en\",\"translation\":{\"lang\":\"zh\",\"value\":\"国家支付网关遭受拒绝服务攻击\",\"by\":\"human\"},\"observables\":[\"ip:198.51.100.23\",\"cidr:203.0.113.0/24\"]}"
want_code 201
HID=$(json_get "$OUT" 'd["case"]') || exit 1
call a "$TA" GET "/api/v1/cases/$HID"
expect_json "$OUT" '[(o["type"], o["value"]) for o in d["observables"]]' '[["ipv4-addr", "198.51.100.23"], ["ipv4-addr", "203.0.113.0/24"]]'
expect_json "$OUT" 'd["messages"][0]["body"]["text"]["translation"]["value"]' 国家支付网关遭受拒绝服务攻击
t0=$SECONDS

pages() {
	call a "$TA" GET "/api/v1/hotlines/$HID"
	[ "$CODE" = 200 ] && [ "$(json_get "$OUT" 'len(d["pages"])')" -ge "$1" ]
}
wait_for 20 "A sees B's first page" pages 1
expect_json "$OUT" 'd["pages"][0]["contact"]' duty
wait_for 25 "A sees the second page" pages 2
expect_json "$OUT" 'd["pages"][1]["contact"]' deputy
# Pages are 10 s apart in B's signed record (the scheduler ticks every
# second, so within a second and a half of their time).
gap=$(json_get "$OUT" '__import__("datetime").datetime.fromisoformat(d["pages"][1]["at"][:-1]).timestamp() - __import__("datetime").datetime.fromisoformat(d["pages"][0]["at"][:-1]).timestamp()')
python3 -c "import sys; g=float(sys.argv[1]); sys.exit(0 if 9.0 <= g <= 11.5 else 1)" "$gap" ||
	fail "pages 1 and 2 are $gap s apart, not 10"
wait_for 25 "A sees the third page" pages 3
expect_json "$OUT" 'd["pages"][2]["contact"]' night

mail_to() { grep -rl "^To: $1" "$TMP/mail/new" 2>/dev/null | head -1; }
has_mail() { [ -n "$(mail_to "$1")" ]; }
wait_for 20 "duty's page is in the mailbox" has_mail duty@
wait_for 20 "deputy's page is in the mailbox" has_mail deputy@
expect_in "$(mail_to deputy@)" "HOTLINE"
# How each page went out: B signs a delivery report into the case as each
# e-mail leaves its relay, so A reads the same account as B.
delivered() {
	call "$1" "$2" GET "/api/v1/hotlines/$HID"
	[ "$CODE" = 200 ] && [ "$(json_get "$OUT" '[x["status"] for p in d["pages"][:3] for x in p["delivery"]]')" = '["delivered", "delivered", "delivered"]' ]
}
wait_for 20 "B's view shows the three pages delivered" delivered b "$TB"
wait_for 20 "A's view shows B's reports of the three pages" delivered a "$TA"
expect_json "$OUT" '[[x["channel"], x["signed"], x["detail"]] for x in d["pages"][0]["delivery"]]' '[["email", true, null]]'
expect_json "$OUT" 'd["pages"][0]["delivery"][0]["at"] >= d["pages"][0]["at"]' true

# 2. 40 s after B received it, nobody has answered: both sides escalate.
steps() {
	call a "$TA" GET "/api/v1/hotlines/$HID"
	[ "$CODE" = 200 ] && [ "$(json_get "$OUT" 'len(d["escalations"])')" -ge 2 ]
}
wait_for 45 "both sides' duty steps show at A" steps
expect_json "$OUT" 'sorted(e["by"] for e in d["escalations"])' "[\"$A\", \"$B\"]"
expect_json "$OUT" 'd["ack_clock"]' overdue

# 3. deputy answers through B's API.
call b "$TB" POST "/api/v1/cases/$HID/ack" '{"by":"deputy","text":"On it"}'
want_code 200
answered() {
	call a "$TA" GET "/api/v1/hotlines/$HID"
	[ "$CODE" = 200 ] && [ "$(json_get "$OUT" 'd["answered_by"]')" = deputy ]
}
wait_for 20 "A sees deputy's answer" answered
# Exactly one page is marked answered: deputy's latest before the ack (the
# walk may have started its second round by then).
expect_json "$OUT" '[p["contact"] for p in d["pages"] if p["answered"]]' '["deputy"]'
expect_json "$OUT" 'd["ack_clock"]' breached
expect_json "$OUT" '[p["latency_ms"] > 0 for p in d["pages"] if p["answered"]]' '[true]'

# 4. Checks.  A viewer may not send one.
call a "$TV" POST /api/v1/checks "{\"peer\":\"$B\",\"contact\":\"duty\"}"
want_code 403
call a "$TA" POST /api/v1/checks "{\"peer\":\"$B\",\"contact\":\"nobody\"}"
want_code 404
call a "$TA" POST /api/v1/checks "{\"peer\":\"$B\",\"contact\":\"duty\",\"within\":\"1h\"}"
want_code 201
C1=$(json_get "$OUT" 'd["case"]') || exit 1
expect_not_in "$OUT" token
call a "$TA" POST /api/v1/checks "{\"peer\":\"$B\",\"contact\":\"deputy\"}"
want_code 201
C2=$(json_get "$OUT" 'd["case"]') || exit 1
check_mail() { grep -rl "Your token:" "$TMP/mail/new" 2>/dev/null | xargs -r grep -l "^To: duty@" | head -1; }
has_check_mail() { [ -n "$(check_mail)" ]; }
wait_for 20 "duty's check e-mail arrives" has_check_mail
TOKEN=$(grep -o -m1 'Your token: [0-9A-Z-]*' "$(check_mail)" | cut -d' ' -f3)
[ ${#TOKEN} = 14 ] || fail "no token in the check e-mail: $(cat "$(check_mail)")"
arrived() { PARLEY_FAKE_NOW= "$PARLEY" case show --dir b --json "$1" >/dev/null 2>&1; }
wait_for 20 "B has both checks" arrived "$C2"
wait_for 20 "B has both checks" arrived "$C1"
# A typing slip is refused at B before anything is signed.
expect_rc 3 px check reply --dir b "$C1" --token AAAA-BBBB-CCCC --by duty
expect_in "$ERR" "not the token of check"
expect_rc 0 px check reply --dir b "$C1" --token "$TOKEN" --by duty
call b "$TB" POST "/api/v1/checks/$C2/reply" '{"text":"auto: received"}'
want_code 200
expect_json "$OUT" 'd["counted"]' false
checked() {
	call a "$TA" GET "/api/v1/checks?peer=$B"
	[ "$CODE" = 200 ] && [ "$(json_get "$OUT" 'sorted(c["status"] for c in d)')" = '["answered", "auto-only"]' ]
}
wait_for 20 "A counts one answered and one auto-only check" checked
call a "$TA" GET "/api/v1/contacts?peer=$B"
want_code 200
expect_json "$OUT" '[c["stale"] for c in d[0]["contacts"] if c["id"] == "duty"]' '[false]'
expect_json "$OUT" '[c["stale"] for c in d[0]["contacts"] if c["id"] == "deputy"]' '[true]'

# The notification queue shows what went out.
call b "$TB" GET "/api/v1/notifications"
want_code 200
expect_json "$OUT" 'sorted(set(n["status"] for n in d))' '["sent"]'
expect_not_in "$OUT" "$TOKEN"
finish
