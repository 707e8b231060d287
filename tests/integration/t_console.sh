#!/bin/bash
# The web console in a real browser: Debian's chromium driven by
# playwright-core (tests/e2e/console.test.mjs) against two live nodes on
# 127.0.0.1 with a real SMTP server (aiosmtpd) for the check e-mail.
#
#   A = cert-beijing.example (Asia/Shanghai), B = cert-washington.example
#   (America/New_York).  Duty tokens at both, a viewer token at A.
#
# The browser logs in, sends a request from B, works it at A (acknowledge,
# ask for information, triage, result) while the clocks change and pause,
# B answers the question, rates and closes it, raises and
# acknowledges a hotline across two browsers, answers a check with the
# e-mailed token, shows a review report, switches language, and runs axe
# (WCAG 2.1 A/AA) on every page.  It also covers the inbox's filters and
# ended cases, a node that stops answering, a token revoked mid-session,
# an unknown case, a narrow window, and a channel blocked by a peer's
# refusal (both banners, then "Deliver now" once the clocks agree).
# Screenshots of the main pages are kept
# in build-test/artifacts/console/.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

browser_ready console

A=cert-beijing.example
B=cert-washington.example
read -r PA PB PS < <(free_ports 3 | tr '\n' ' ')
smtp_start "$PS"

live_node a $A Asia/Shanghai $PA "zh, en"
live_node b $B America/New_York $PB
smtp_use a "$PS"
smtp_use b "$PS"
cat >>b/parley.conf <<'CONF'

[contact "deputy"]
role = policy
name = Deputy Officer
email = deputy@washington.example

[roster]
handover = Sun 00:00 duty, Sat 23:59 deputy
CONF
# B answers for the United States: A routes feed events about its
# addresses to it (the Feeds page step).
sed -i 's|^countries =$|countries = US|' b/parley.conf
for d in a b; do expect_rc 0 px card --dir $d -o $d.card; done
enrol a b
# B pages its people every 5 s until someone acknowledges.
agree b a $B $A page_every=5s check_every=0
expect_rc 0 px token create --dir a --role duty --name alice
TA=$(cat "$OUT")
expect_rc 0 px token create --dir b --role duty --name bob
TB=$(cat "$OUT")
expect_rc 0 px token create --dir a --role viewer --name victor
TAV=$(cat "$OUT")
# A duty token the browser test revokes while it is signed in with it.
expect_rc 0 px token create --dir a --role duty --name tempo
TAT=$(cat "$OUT")
# A sinkhole report of yesterday, which the Feeds step has A ingest (as
# of yesterday) and share today, with yesterday's digest.
cat >deleg.txt <<'EOF2'
2|arin|20261201|2|19830705|20261130|-0500
arin|US|ipv4|198.51.100.0|256|20100101|allocated
arin|US|ipv4|203.0.113.0|200|20100101|allocated
EOF2
expect_rc 0 px routing load --dir a deleg.txt
expect_rc 0 px routing load --dir b deleg.txt
FEED_DAY=$(date -u -d yesterday +%Y-%m-%d)
{
	echo "timestamp,protocol,src_ip,src_port,src_asn,src_geo,dst_ip,dst_port,infection,severity"
	for i in $(seq 1 40); do
		echo "$FEED_DAY 10:$((i + 10)):00,tcp,198.51.100.$i,$((40000 + i)),64501,US,192.0.2.1,80,mirai,high"
		echo "$FEED_DAY 11:$((i + 10)):00,tcp,203.0.113.$i,$((40000 + i)),64502,US,192.0.2.1,443,emotet,medium"
	done
} >"$FEED_DAY-event4_sinkhole-us.csv"
# Each node's clock can be stepped while it runs (the blocked-channel
# step of the browser test).
echo 0 >a.step
echo 0 >b.step
PARLEY_CLOCK_STEP_FILE=$TMP/a.step serve a
PARLEY_CLOCK_STEP_FILE=$TMP/b.step serve b
ok "two live nodes and an SMTP server on 127.0.0.1"

rm -rf "$ART"
URL_A=$(url a) URL_B=$(url b) NAME_A=$A NAME_B=$B TOKEN_A=$TA TOKEN_B=$TB \
	TOKEN_AV=$TAV TOKEN_AT=$TAT ARTIFACTS="$ART" MAILDIR="$TMP/mail" \
	PARLEY="$PARLEY" DIR_A="$PWD/a" DIR_B="$PWD/b" \
	STEP_A="$TMP/a.step" STEP_B="$TMP/b.step" FEED_DAY="$FEED_DAY" \
	FEED_CSV="$PWD/$FEED_DAY-event4_sinkhole-us.csv" \
	timeout 330 node "$E2E/console.test.mjs" >"$TMP/e2e.log" 2>&1
rc=$?
cat "$TMP/e2e.log"
[ $rc = 0 ] || fail "the browser tests failed (exit $rc); screenshots in $ART"
for p in 01-login 02-inbox 04-case-new 04b-needs-info 05-case-resolved \
    06-record 07-hotline-banner 08-contacts 09-review 10-case-zh \
    11-inbox-zh 12-offline 13-narrow 14-channel-blocked 15-feeds \
    16-feed-event 17-feeds-zh; do
	[ -s "$ART/$p.png" ] || fail "no screenshot $p.png"
done
ok "screenshots in $ART"
finish
