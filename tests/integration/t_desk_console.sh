#!/bin/bash
# The duty desk's rough edges in the console (tests/e2e/desk.test.mjs), in
# Debian's chromium against two live nodes on 127.0.0.1:
#   A = cert-beijing.example (Asia/Shanghai, "zh, en"),
#   B = cert-washington.example (America/New_York).
# Observables read by the node's parser (the CLI's), shown in both forms,
# added by an update and seen at the peer; close and rate hidden before an
# answer; limits in characters, said in Chinese; the 400 px inbox as cards
# with title and peer in both languages; the review's default period;
# assignment on the case page and the inbox's "mine" and "unassigned".
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

browser_ready desk
live_pair duty
# A's people: alice (the token's name, so the console acts as her) and
# carol, for assignment.
add_people a beijing.example alice carol
expect_rc 0 px card --dir a -o a.card
expect_rc 0 px peer add --dir b a.card
serve a
serve b
ok "two live nodes on 127.0.0.1"

rm -rf "$ART"
URL_A=$(url a) URL_B=$(url b) NAME_A=$A NAME_B=$B TOKEN_A=$TA TOKEN_B=$TB \
	ARTIFACTS="$ART" PARLEY="$PARLEY" DIR_B="$PWD/b" \
	timeout 330 node "$E2E/desk.test.mjs" >"$TMP/e2e.log" 2>&1
rc=$?
cat "$TMP/e2e.log"
[ $rc = 0 ] || fail "the browser tests failed (exit $rc); screenshots in $ART"
for p in desk-narrow-inbox-en desk-narrow-inbox-zh; do
	[ -s "$ART/$p.png" ] || fail "no screenshot $p.png"
done
finish
