#!/usr/bin/env bash
# The README's run command: `parley demo` starts three live nodes, plays a
# scenario over the real channel and (with --once) stops them; the offline
# walkthrough exchanges bundles by hand.  Both must work on a new machine.
. "$(dirname "$0")/lib.sh"

expect_rc 0 timeout 120 "$PARLEY" demo --once --dir live
cp "$OUT" demo.out
expect_in "$OUT" "Three nodes are serving:"
expect_in "$OUT" "Washington's signed receipt is back: delivered"
expect_in "$OUT" "-> at Beijing the request is now: resolved"
expect_in "$OUT" "-> at Washington: closed"
expect_in "$OUT" "state: closed; rated 5/5"
expect_in "$OUT" "export TOKEN_BEIJING=pxt_"
# The nodes were stopped: no serve process of ours is left.
for d in live/cert-*/; do
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

# The crisis path: Li Wei (on call at Beijing) raises a hotline; the
# roster at Washington puts Sam Carter on call, whose page goes through
# the demo's own SMTP relay into live/mail/; Sam acknowledges, signed in
# by password and one-time code, and Beijing's record says so.
expect_in demo.out "-> at cert-cn.example the hotline is answered by Sam Carter (sam.carter)"
HID=$(grep -o 'hotline status --dir live/cert-cn.example [0-9a-f-]*' demo.out | awk '{print $5}')
[ -n "$HID" ] || fail "the demo printed no hotline"
EML=$(grep -A1 "the relay delivered the e-mail to sam.carter@cert-us.example" demo.out | tail -1 | tr -d ' ')
[ -f "$EML" ] || fail "the page's e-mail '$EML' the demo printed is not there"
python3 - "$EML" "$HID" <<'PY' || fail "the page in $EML is not Sam Carter's page of the hotline: $(head -20 "$EML")"
import email, email.header, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
subject = str(email.header.make_header(email.header.decode_header(m["Subject"])))
assert m["To"] == "sam.carter@cert-us.example", m["To"]
assert m["X-Envelope-To"] == "<sam.carter@cert-us.example>", m["X-Envelope-To"]
assert m["X-Parley-Case"] == sys.argv[2], m["X-Parley-Case"]
assert "HOTLINE from cert-cn.example" in subject, subject
assert "DDoS on the national payment gateway" in subject, subject
assert "--by sam.carter" in m.get_payload(), m.get_payload()
PY
# Every message in the mailbox went through real SMTP: the relay filed
# nothing else, and Li Wei was told of the answer at Beijing too.
for f in live/mail/*; do case $f in *.eml) ;; *) fail "stray file in the mailbox: $f" ;; esac; done
expect_rc 0 grep -lq "^To: li.wei@cert-cn.example" live/mail/*.eml
expect_rc 0 px hotline status --dir live/cert-cn.example --json "$HID"
expect_json "$OUT" 'd[0]["answered_by"]' sam.carter
expect_json "$OUT" 'd[0]["answer"]' paged-person
expect_json "$OUT" '[(p["contact"], p["name"], p["answered"], [x["status"] for x in p["delivery"]]) for p in d[0]["pages"]]' \
	"[[\"sam.carter\", \"Sam Carter\", true, [\"delivered\"]]]"
# The signed acknowledgement names Sam, and each side's record says who
# acted: Li Wei raised it, Sam Carter answered.
expect_rc 0 px case show --dir live/cert-us.example "$HID" --json
expect_json "$OUT" '[m["body"].get("by") for m in d["messages"] if m["type"] == "ack"]' '["sam.carter"]'
expect_json "$OUT" '[(m["type"], (m.get("acted_by") or {}).get("person")) for m in d["messages"] if m["type"] in ("request", "ack")]' \
	'[["request", null], ["ack", "sam.carter"]]'
expect_rc 0 px case show --dir live/cert-cn.example "$HID" --json
expect_json "$OUT" '(d["messages"][0].get("acted_by") or {}).get("person")' li.wei
expect_rc 0 px user list --dir live/cert-us.example --json
expect_in "$OUT" sam.carter
expect_rc 0 grep -q "^password [0-9a-f]\{24\}$" live/people.txt
ok "live demo: the hotline paged Sam Carter through the demo's relay and was answered by him"

# Every curl line the demo prints works when pasted as printed, in a shell
# that ran the printed exports: the token expands, the body is taken as
# JSON.  A line whose action already happened may be refused by the case's
# rules (409); never unauthorised (401) or unreadable (400, 415, 422).
"$PARLEY" demo --dir paste >paste.out 2>paste.err &
DEMO=$!
for _ in $(seq 1 240); do
	grep -q "The nodes keep running" paste.out && break
	kill -0 $DEMO 2>/dev/null || break
	sleep 0.5
done
grep -q "The nodes keep running" paste.out || { kill $DEMO; fail "the demo did not start: $(tail -5 paste.err)"; }
python3 - paste.out >calls.sh <<'PY' || fail "cannot read the demo's output"
import re, sys
lines = open(sys.argv[1]).read().split("\n")
out, i = [], 0
exports = [l.strip() for l in lines if re.match(r"^  export (TOKEN_[A-Z]+=pxt|SESSION_[A-Z_]+=pxs)_[0-9a-f]+$", l)]
assert len(exports) >= 5, exports
while i < len(lines):
    l = lines[i]
    if l.startswith("$ curl ") or l.startswith("  curl "):
        cmd = l[2:]
        while cmd.endswith("\\"):
            i += 1
            cmd = cmd[:-1] + lines[i].strip()
        out.append(cmd)
    i += 1
print("\n".join(exports))
for c in out:
    print(c + " -o /dev/null -w '%{http_code}\\n'")
PY
n=$(grep -c '^curl ' calls.sh)
[ "$n" -ge 11 ] || fail "only $n curl lines in the demo's output"
bash calls.sh >codes.txt 2>&1 || true
kill -INT $DEMO
wait $DEMO
paste -d' ' <(grep '^curl ' calls.sh | cut -c1-90) codes.txt >paste.report
grep -Ev ' (200|201|409)$' paste.report && fail "printed curl lines failed when pasted (above)"
grep -E 'POST .*/api/v1/cases -H.* 201$' paste.report >/dev/null ||
	fail "pasting the demo's first request did not open a case: $(head -3 paste.report)"
# Li Wei's session, as printed, raises a hotline again.
grep -E 'POST .*/api/v1/hotlines -H "Authorization: Bearer \$SESSIO.* 201$' paste.report >/dev/null ||
	fail "pasting Li Wei's hotline did not raise one: $(grep hotlines paste.report)"
expect_eq "curl lines answered" "$n" "$(wc -l <codes.txt)"
ok "every curl line the demo prints ($n) works when pasted"

# The README's offline tour, run as written (with this build's binary):
# the English text is tagged English, the answer travels back, and both
# sides end up holding the same record of the case.
mkdir tour
python3 - "$PX_SOURCE_DIR/README.md" >tour/tour.sh <<'PY' || fail "no tour in README.md"
import sys
s = open(sys.argv[1]).read()
i = s.index("```sh\nP=build/parley")
block = s[i + 6:s.index("```", i + 6)]
print("set -eu")
print(block.replace("P=build/parley", 'P="$PARLEY"', 1))
print('echo "$ID" >id.txt')
PY
(cd tour && PARLEY=$PARLEY bash tour.sh >out.txt 2>err.txt) ||
	fail "the README's tour failed: $(tail -5 tour/err.txt)"
TID=$(cat tour/id.txt)
px case show --dir tour/cn "$TID" --json >tcn.json
px case show --dir tour/us "$TID" --json >tus.json
expect_json tcn.json 'd["messages"][0]["body"]["text"]["lang"]' en
expect_json tcn.json 'd["state"]' needs-info
expect_json tus.json 'd["state"]' needs-info
expect_json tcn.json '[m["type"] for m in d["messages"]]' '["request", "ack", "triage"]'
shared_view tcn.json tus.json
cmp -s tcn.json tus.json || fail "after the tour the two sides disagree: $(diff tcn.json tus.json | head)"
expect_not_in tour/err.txt "sent to"
expect_in tour/err.txt "queued"
ok "the README's offline tour runs as written and both sides agree"

expect_rc 0 timeout 120 "$PARLEY" demo --offline --dir offline
expect_in "$OUT" "state: closed; rated 5/5"
ok "offline demo: the bundle walkthrough completes"
finish
