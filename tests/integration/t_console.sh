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
	STEP_A="$TMP/a.step" STEP_B="$TMP/b.step" \
	timeout 330 node "$E2E/console.test.mjs" >"$TMP/e2e.log" 2>&1
rc=$?
cat "$TMP/e2e.log"
[ $rc = 0 ] || fail "the browser tests failed (exit $rc); screenshots in $ART"
for p in 01-login 02-inbox 04-case-new 04b-needs-info 05-case-resolved \
    06-record 07-hotline-banner 08-contacts 09-review 10-case-zh \
    11-inbox-zh 12-offline 13-narrow 14-channel-blocked; do
	[ -s "$ART/$p.png" ] || fail "no screenshot $p.png"
done
ok "screenshots in $ART"
finish
