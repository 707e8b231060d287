#!/usr/bin/env bash
# The README's run command: `parley demo` starts three live nodes, plays a
# scenario over the real channel and (with --once) stops them; the offline
# walkthrough exchanges bundles by hand.  Both must work on a new machine.
. "$(dirname "$0")/lib.sh"

expect_rc 0 timeout 120 "$PARLEY" demo --once --dir live
expect_in "$OUT" "Three nodes are serving:"
expect_in "$OUT" "Washington's signed receipt is back: delivered"
expect_in "$OUT" "-> at Beijing the request is now: resolved"
expect_in "$OUT" "-> at Washington: closed"
expect_in "$OUT" "state: closed; rated 5/5"
expect_in "$OUT" "export TOKEN_BEIJING=pxt_"
# The nodes were stopped: no serve process of ours is left.
for d in live/*/; do
	[ -f "$d/serve.log" ] || fail "no serve.log in $d"
	expect_rc 0 grep -q "stopping (signal 15)" "$d/serve.log"
done
# Both sides hold the same record of the request, witnessed.
ID=$(px case list --dir live/cert-cn.example --json |
	python3 -c 'import json,sys; print([c["id"] for c in json.load(sys.stdin) if c["kind"]=="request"][0])')
at 2026-12-01T00:00:00Z
px case show --dir live/cert-cn.example "$ID" --json >cn.json
px case show --dir live/cert-us.example "$ID" --json >us.json
shared_view cn.json us.json
cmp -s cn.json us.json || fail "the two sides disagree: $(diff cn.json us.json | head)"
expect_rc 0 px log verify --dir live/cert-us.example
expect_rc 0 px audit export --dir live/cert-cn.example --peer cert-us.example -o audit.json
expect_rc 0 px audit verify audit.json
ok "live demo: three nodes, scenario delivered and witnessed, both sides agree, audit verifies"

expect_rc 0 timeout 120 "$PARLEY" demo --offline --dir offline
expect_in "$OUT" "state: closed; rated 5/5"
ok "offline demo: the bundle walkthrough completes"
finish
