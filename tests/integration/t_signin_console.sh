#!/bin/bash
# People signing in to the console (tests/e2e/signin.test.mjs), in
# Debian's chromium against one live node on 127.0.0.1: a person's name,
# password and one-time code (TOTP), a password change with the old one
# and a fresh code, and "Log out" ending the session on the node; in
# English at 1280 px and in Chinese at 400 px.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

browser_ready signin
N=cert-us.example
live_node n $N America/New_York "$(free_ports 1)"
add_people n us.example alice carol
printf 'correct horse battery\n' >pw
expect_rc 0 px user add --dir n alice --role duty --json <pw
SA=$(json_get "$OUT" 'd["totp_secret"]')
expect_rc 0 px user add --dir n carol --role analyst --json <pw
SC=$(json_get "$OUT" 'd["totp_secret"]')
serve n
ok "a live node with two people, alice and carol"

rm -rf "$ART"
URL=$(url n) SECRET_ALICE=$SA SECRET_CAROL=$SC ARTIFACTS="$ART" \
	timeout 200 node "$E2E/signin.test.mjs" >"$TMP/e2e.log" 2>&1
rc=$?
cat "$TMP/e2e.log"
[ $rc = 0 ] || fail "the browser tests failed (exit $rc); screenshots in $ART"

# What the node kept: every session the console opened was ended by
# "Log out" (none left), and the audit has each attempt.
expect_eq "sessions left after logging out" 0 \
	"$(sqlite3 n/parley.db 'SELECT count(*) FROM sessions')"
expect_rc 0 px user signins --dir n --json
expect_json "$OUT" '[[x["user"], x["detail"]] for x in reversed(d)]' \
	'[["alice", "wrong password"], ["alice", "ok"], ["alice", "password change refused: wrong password"], ["alice", "password changed"], ["alice", "ok"], ["carol", "the one-time code is wrong (or the device'"'"'s clock is off by more than 30 seconds)"], ["carol", "ok"]]'
for p in signin-en signin-alice-en password-en signin-zh-400 password-zh-400; do
	[ -s "$ART/$p.png" ] || fail "no screenshot $p.png"
done
ok "every session ended on the node; the audit has each attempt"
finish
