#!/bin/bash
# The console's Exercises page in a real browser: Debian's chromium driven
# by playwright-core (tests/e2e/exercise.test.mjs) against two live nodes
# on 127.0.0.1.  A (cert-a, Europe/Paris, English) proposes the shipped
# botnet scenario and runs the control cell; B (cert-b, Asia/Shanghai,
# read in Chinese) accepts and plays; the test ends with the evaluator's
# ratings, both signatures and the after-action report.  Screenshots in
# build-test/artifacts/exercise/.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

E2E="$PX_SOURCE_DIR/tests/e2e"
command -v node >/dev/null || fail "node is required (scripts/deps.sh --e2e installs it)"
[ -x /usr/bin/chromium ] || fail "Debian's chromium is required (scripts/deps.sh --e2e installs it)"
[ -d "$E2E/node_modules/playwright-core" ] ||
	fail "tests/e2e/node_modules is missing: run scripts/deps.sh --e2e (make test does)"
ART="$(cd "$(dirname "$PARLEY")" && pwd)/artifacts/exercise"
trap live_cleanup EXIT
mkdir -p "$TMP/pids"

A=cert-a.example
B=cert-b.example
read -r PA PB < <(free_ports 2 | tr '\n' ' ')
live_node a $A Europe/Paris $PA "en, zh"
live_node b $B Asia/Shanghai $PB "zh, en"
for d in a b; do expect_rc 0 px card --dir $d -o $d.card; done
enrol a b
expect_rc 0 px token create --dir a --role duty --name alice
TA=$(cat "$OUT")
expect_rc 0 px token create --dir b --role duty --name bob
TB=$(cat "$OUT")
expect_rc 0 px token create --dir b --role viewer --name vera
TBV=$(cat "$OUT")
serve a
serve b
ok "two live nodes on 127.0.0.1"

rm -rf "$ART"
URL_A=$(url a) URL_B=$(url b) NAME_A=$A NAME_B=$B TOKEN_A=$TA TOKEN_B=$TB \
	TOKEN_BV=$TBV ARTIFACTS="$ART" \
	timeout 270 node "$E2E/exercise.test.mjs" >"$TMP/e2e.log" 2>&1
rc=$?
cat "$TMP/e2e.log"
[ $rc = 0 ] || fail "the browser tests failed (exit $rc); screenshots in $ART"
finish
