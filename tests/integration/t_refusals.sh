#!/bin/bash
# What an importing node must refuse, and that a refusal leaves no trace:
# altered bundles (one flipped byte at many places, a doubled final
# newline, truncation, empty and non-JSON files), bundles signed by a key
# other than the pinned one, bundles and receipts addressed to another node,
# altered or re-keyed cards, card rollback, and the out-of-sequence and
# equivocation cases (produced with the CLI by restoring a node directory
# from a backup, the one ordinary way a gap or a fork arises).
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

A=cert-cn.example
B=cert-us.example
C=cert-fr.example

at 2026-11-20T10:00:00Z
mknode a $A Asia/Shanghai "zh, en"
mknode b $B America/New_York
mknode c $C Europe/Paris
enrol a b
enrol a c

expect_rc 0 px peer show --dir b --json $A
A_FP=$(json_get "$OUT" 'd["fingerprint"]') || exit 1
[[ $A_FP =~ ^[0-9a-f]{8}( [0-9a-f]{8}){4}$ ]] || fail "fingerprint looks wrong: [$A_FP]"

at 2026-11-20T11:00:00Z
expect_rc 0 px case new --dir a --to $B --kind request --category botnet \
	--priority P2 --title "C2" --text "Please look at 203.0.113.7" \
	--observable ip:203.0.113.7 --observable 'domain:evil[.]example'
ID=$(cat "$OUT")
expect_rc 0 px outbox export --dir a --peer $B -o good.bundle
SIZE=$(wc -c <good.bundle)
[ "$(tail -c 1 good.bundle | od -An -c | tr -d ' ')" = '\n' ] ||
	fail "a bundle file should end with one newline"

# snapshot: what must not change at b when an import is refused.
snapshot() {
	expect_rc 0 px case list --dir b --json
	cp "$OUT" "$1.list.json"
	sqlite3 b/parley.db .dump >"$1.sql" || fail "sqlite3 .dump failed"
}
same_as() {
	snapshot now
	cmp -s "$1.list.json" now.list.json || fail "$2: case list --json changed at b"
	cmp -s "$1.sql" now.sql || fail "$2: b's database changed: $(diff "$1.sql" now.sql | head -20)"
}

# flip FILE OFFSET OUT: OUT is FILE with the low bit of one byte flipped
# (a negative OFFSET counts from the end).
flip() {
	python3 - "$@" <<'EOF' || fail "flip $*"
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = int(sys.argv[2])
b[i] ^= 1
open(sys.argv[3], "wb").write(b)
EOF
}
# flip_b64 FILE OFFSET OUT: change the base64 digit at OFFSET to another
# base64 digit (a bit flip can turn '+' or '/' into a non-digit, which is a
# different error from a bad signature).
flip_b64() {
	python3 - "$@" <<'EOF' || fail "flip_b64 $*"
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = int(sys.argv[2])
b[i] = ord("B") if b[i] == ord("A") else ord("A")
open(sys.argv[3], "wb").write(b)
EOF
}
# offset_of FILE TEXT [NTH]: byte offset of the NTH (from 1) occurrence of TEXT.
offset_of() {
	python3 - "$@" <<'EOF'
import sys
b = open(sys.argv[1], "rb").read()
t = sys.argv[2].encode()
n = int(sys.argv[3]) if len(sys.argv) > 3 else 1
i = -1
for _ in range(n):
    i = b.index(t, i + 1)
print(i)
EOF
}

snapshot before
[ "$(json_get before.list.json 'len(d)')" = 0 ] || fail "b should hold no case yet"

# --- 1. One flipped byte, anywhere, refuses the bundle -------------------
MSG_SIG=$(offset_of good.bundle '"sig":"' 1) || fail offset
BUNDLE_SIG=$(offset_of good.bundle '"sig":"' 2) || fail offset
TEXT=$(offset_of good.bundle 'Please look') || fail offset
SEQ=$(offset_of good.bundle '"seq":1') || fail offset
OBS=$(offset_of good.bundle '203.0.113.7') || fail offset
declare -A WHERE=(
	[0]="first byte"
	[1]="second byte"
	[9]="bundle header"
	[$((TEXT + 3))]="message text"
	[$((SEQ + 6))]="message seq"
	[$((OBS + 2))]="observable value"
	[$((MSG_SIG + 12))]="message signature"
	[$((BUNDLE_SIG + 12))]="bundle signature"
	[$((BUNDLE_SIG + 90))]="bundle signature padding"
	[$((SIZE / 2))]="middle of the file"
	[$((SIZE - 2))]="last brace"
	[$((SIZE - 1))]="final newline"
)
for off in "${!WHERE[@]}"; do
	flip good.bundle "$off" bad.bundle
	cmp -s good.bundle bad.bundle && fail "flip at $off changed nothing"
	expect_rc 3 px inbox import --dir b bad.bundle
	expect_in "$ERR" "bad.bundle"
	expect_in "$ERR" "parley: "
	[ -e bad.bundle.receipts ] && fail "a refused bundle wrote receipts (${WHERE[$off]})"
	same_as before "flipped byte at $off (${WHERE[$off]})"
done
ok "a flipped byte at ${#WHERE[@]} offsets: exit 3, the file named, b unchanged"

# The error says what is wrong, for the common kinds of damage.
flip_b64 good.bundle $((BUNDLE_SIG + 12)) bad.bundle
expect_rc 3 px inbox import --dir b bad.bundle
expect_in "$ERR" "bad.bundle: the bundle's signature does not verify against the key pinned for $A (fingerprint $A_FP)"
flip good.bundle $((TEXT + 3)) bad.bundle
expect_rc 3 px inbox import --dir b bad.bundle
expect_in "$ERR" "does not verify"
ok "altered content: signature does not verify, the pinned fingerprint named"

# A doubled final newline, CRLF line ending, or pretty-printing: not the
# canonical bytes, refused.
{ cat good.bundle; echo; } >bad.bundle
expect_rc 3 px inbox import --dir b bad.bundle
expect_in "$ERR" "bad.bundle is not in canonical form (first difference at byte $SIZE)"
sed 's/$/\r/' good.bundle >bad.bundle
expect_rc 3 px inbox import --dir b bad.bundle
expect_in "$ERR" "bad.bundle is not in canonical form"
python3 -c 'import json,sys; json.dump(json.load(open("good.bundle")), open("bad.bundle","w"), indent=1)'
expect_rc 3 px inbox import --dir b bad.bundle
expect_in "$ERR" "bad.bundle is not in canonical form"
same_as before "non-canonical bundles"
ok "doubled newline, CRLF, re-indented: exit 3, not in canonical form"

# Truncated, empty, not JSON, a card instead of a bundle, no such file.
head -c $((SIZE / 2)) good.bundle >half.bundle
expect_rc 3 px inbox import --dir b half.bundle
expect_in "$ERR" "half.bundle: "
# jansson says "end of file" or "end of input" depending on where the cut
# falls.
expect_in "$ERR" "end of"
: >empty.bundle
expect_rc 3 px inbox import --dir b empty.bundle
expect_in "$ERR" "empty.bundle"
printf 'Subject: incident\n\nhello\n' >mail.bundle
expect_rc 3 px inbox import --dir b mail.bundle
expect_in "$ERR" "mail.bundle: invalid token"
printf '[1,2,3]\n' >array.bundle
expect_rc 3 px inbox import --dir b array.bundle
expect_in "$ERR" "array.bundle is not a signed bundle"
expect_rc 3 px inbox import --dir b a.card
expect_in "$ERR" "a.card is not a signed bundle"
expect_rc 4 px inbox import --dir b no-such.bundle
expect_in "$ERR" "no-such.bundle"
same_as before "truncated/empty/non-JSON bundles"
ok "truncated, empty, non-JSON, wrong kind of file: exit 3; missing file: exit 4"

# The final newline is optional (documented: canonical JSON "optionally
# followed by a single newline"); the signed bytes are the same, so a
# bundle whose newline was lost in transit is still accepted.  Checked on a
# copy of b, after everything else above.
head -c $((SIZE - 1)) good.bundle >nonl.bundle
cp -a b b-copy
expect_rc 0 px inbox import --dir b-copy --json nonl.bundle
expect_json "$OUT" 'd["applied"]' 1
rm -rf b-copy
ok "missing final newline: accepted (same signed bytes)"

# --- 2. Same name as A, different key: refused, the pinned key named ----
mknode impostor $A Asia/Shanghai
expect_rc 0 px peer add --dir impostor b.card
expect_rc 0 px case new --dir impostor --to $B --kind request --category botnet \
	--title "Urgent: take down 192.0.2.1" --text "Do it now"
expect_rc 0 px outbox export --dir impostor --peer $B -o impostor.bundle
expect_rc 3 px inbox import --dir b impostor.bundle
expect_in "$ERR" "impostor.bundle: the bundle's signature does not verify against the key pinned for $A (fingerprint $A_FP)"
same_as before "impostor bundle"
ok "bundle from an impostor with A's name: exit 3 naming A's pinned key"

# A node nobody pinned: refused, told how to enrol.
mknode stranger cert-xx.example UTC
expect_rc 0 px peer add --dir stranger b.card
expect_rc 0 px case new --dir stranger --to $B --kind report --category other \
	--title "hi" --text "hi"
expect_rc 0 px outbox export --dir stranger --peer $B -o stranger.bundle
expect_rc 3 px inbox import --dir b stranger.bundle
expect_in "$ERR" "stranger.bundle comes from 'cert-xx.example', which is not a pinned peer of $B"
same_as before "bundle from an unknown node"
ok "bundle from an unpinned node: exit 3"

# --- 3. Addressed to another node ----------------------------------------
expect_rc 0 px case new --dir a --to $C --kind report --category phishing \
	--title "Counterfeit bank site" --text "See URL" --observable 'url:hxxp://bank-login[.]example/'
expect_rc 0 px outbox export --dir a --peer $C -o for-c.bundle
expect_rc 3 px inbox import --dir b for-c.bundle
expect_in "$ERR" "for-c.bundle is addressed to $C, not to this node ($B)"
same_as before "bundle for another node"
expect_rc 0 px inbox import --dir c --json for-c.bundle
expect_json "$OUT" 'd["applied"]' 1
ok "bundle addressed to C refused at B (exit 3), accepted at C"

# --- 4. Receipts imported at the wrong node -------------------------------
expect_rc 3 px inbox import --dir b for-c.bundle.receipts
expect_in "$ERR" "for-c.bundle.receipts is addressed to $A, not to this node ($B)"
expect_rc 3 px inbox import --dir c for-c.bundle.receipts
expect_in "$ERR" "for-c.bundle.receipts is addressed to $A, not to this node ($C)"
same_as before "receipts for another node"
expect_rc 0 px inbox import --dir a --json for-c.bundle.receipts
expect_json "$OUT" 'd["receipts_new"]' 1
ok "receipts refused at B and at their own issuer C (exit 3), accepted at A"

# B's receipts for the good bundle, imported at C: not addressed to C.
cp -a b b-tmp
expect_rc 0 px inbox import --dir b-tmp good.bundle --reply good.receipts
expect_rc 3 px inbox import --dir c good.receipts
expect_in "$ERR" "good.receipts is addressed to $A, not to this node ($C)"
rm -rf b-tmp

# --- 5. Cards --------------------------------------------------------------
expect_rc 0 px peer list --dir b --json
cp "$OUT" peers.before.json
expect_json peers.before.json '[p["name"] for p in d]' "[\"$A\"]"
CARD_SIZE=$(wc -c <a.card)
CARD_SIG=$(offset_of a.card '"sig":"') || fail offset
CARD_KEY=$(offset_of a.card '"sign":"') || fail offset
CARD_TZ=$(offset_of a.card 'Asia/Shanghai') || fail offset
for off in 0 5 $((CARD_KEY + 10)) $((CARD_TZ + 2)) $((CARD_SIG + 10)) $((CARD_SIZE / 2)) $((CARD_SIZE - 2)); do
	flip a.card "$off" bad.card
	expect_rc 3 px peer add --dir b bad.card
	expect_in "$ERR" "bad.card"
	expect_rc 0 px peer list --dir b --json
	cmp -s "$OUT" peers.before.json || fail "peer list changed after a refused card (offset $off)"
done
flip a.card $((CARD_TZ + 2)) bad.card
expect_rc 3 px peer add --dir b bad.card
expect_in "$ERR" "signature does not verify"
ok "card with a flipped byte: exit 3, peers unchanged"

expect_rc 0 px peer add --dir b a.card
expect_in "$OUT" "Peer $A is already pinned with this card; nothing changed."
expect_rc 0 px peer add --dir b --json a.card
expect_json "$OUT" 'd["result"]' unchanged
expect_json "$OUT" 'd["fingerprint"]' "$A_FP"
expect_rc 0 px peer list --dir b --json
cmp -s "$OUT" peers.before.json || fail "re-adding the same card changed peer list"
ok "re-adding the same card: no-op, 'already pinned'"

expect_rc 3 px peer add --dir b b.card
expect_in "$ERR" "b.card is this node's own card ($B)"
ok "own card refused"

# A card of a known peer with another key: conflict unless --replace.
expect_rc 5 px peer add --dir b impostor.card
expect_in "$ERR" "impostor.card: peer $A is pinned with another signing key"
expect_in "$ERR" "--replace"
IMP_FP=$(sed -n 's/.*check the new fingerprint \([0-9a-f ]*\) with them.*/\1/p' "$ERR")
[[ $IMP_FP =~ ^[0-9a-f]{8}( [0-9a-f]{8}){4}$ ]] || fail "the conflict should name the new fingerprint: [$IMP_FP]"
[ "$IMP_FP" != "$A_FP" ] || fail "impostor and A have the same fingerprint"
expect_rc 0 px peer list --dir b --json
cmp -s "$OUT" peers.before.json || fail "a conflicting card changed peer list"
ok "card with a different key for a known peer: exit 5"

# Card rollback: once a newer card is pinned, the older one is refused.
printf '\n[contact "night"]\nrole = technical\nname = Night desk\nemail = night@cert-cn.example\n' >>a/parley.conf
expect_rc 0 px card --dir a -o a2.card
expect_in "$ERR" "(version 2)"
cp -a b b-card
expect_rc 0 px peer add --dir b-card --json a2.card
expect_json "$OUT" 'd["result"]' updated
expect_rc 5 px peer add --dir b-card a.card
expect_in "$ERR" "a.card: card version 1 for $A is not newer than the pinned version 2"
rm -rf b-card
ok "older card of a pinned peer: exit 5"

# --replace: the operator accepts the new key; from then on the old key's
# bundles are refused and the new key's accepted.
cp -a b b-replaced
expect_rc 0 px peer add --dir b-replaced --json --replace impostor.card
expect_json "$OUT" 'd["result"]' updated
expect_json "$OUT" 'd["name"]' $A
expect_json "$OUT" 'd["fingerprint"]' "$IMP_FP"
expect_rc 3 px inbox import --dir b-replaced good.bundle
expect_in "$ERR" "does not verify against the key pinned for $A"
expect_rc 0 px inbox import --dir b-replaced --json impostor.bundle
expect_json "$OUT" 'd["applied"]' 1
rm -rf b-replaced
ok "--replace re-pins: the old key's bundle is then refused"

# b itself was never touched by any of the above.
same_as before "all refusals"

# --- 6. Out of sequence and equivocation ---------------------------------
# `outbox export` always carries every undelivered message, so a gap can
# only arise when the receiver loses messages it had acknowledged (restored
# from a backup), and a fork when the sender is restored and signs another
# message for a seq already delivered.  Both are produced here that way.
at 2026-11-20T12:00:00Z
expect_rc 0 px inbox import --dir b good.bundle
expect_rc 0 px inbox import --dir a good.bundle.receipts
cp -a a a-backup
cp -a b b-backup
expect_rc 0 px case note --dir a "$ID" --text "note two"
expect_rc 0 px outbox export --dir a --peer $B -o n2.bundle
expect_rc 0 px inbox import --dir b n2.bundle
expect_rc 0 px inbox import --dir a n2.bundle.receipts
expect_rc 0 px case note --dir a "$ID" --text "note three"
expect_rc 0 px outbox export --dir a --peer $B -o n3.bundle
expect_json n3.bundle '[m["msg"]["seq"] for m in d["bundle"]["messages"]]' '[3]'

# b restored from the backup misses seq 2: seq 3 is refused, by name.
record_dump b-backup/parley.db gap.before.sql
expect_rc 3 px inbox import --dir b-backup n3.bundle
expect_in "$OUT" "Imported n3.bundle from $A: 0 applied, 0 already held, 0 stored without effect, 0 receipts, 1 refused."
expect_in "$OUT" "refused  $A seq 3 is out of sequence: expected seq 2 (earlier messages are missing; import the bundles in order)"
expect_in "$ERR" "$A seq 3 is out of sequence: expected seq 2"
refusal_only n3.bundle.receipts 3
record_dump b-backup/parley.db gap.after.sql
cmp -s gap.before.sql gap.after.sql || fail "the refused out-of-sequence import changed the store"
# Importing the missing bundle first, then the later one, works.
expect_rc 0 px inbox import --dir b-backup --json n2.bundle
expect_json "$OUT" 'd["applied"]' 1
expect_rc 0 px inbox import --dir b-backup --json n3.bundle
expect_json "$OUT" 'd["applied"]' 1
ok "gap (receiver restored from backup): exit 3, 'out of sequence', fixed by importing in order"

# a restored from the backup signs a different seq 2: equivocation, refused.
expect_rc 0 px case note --dir a-backup "$ID" --text "a different note two"
expect_rc 0 px outbox export --dir a-backup --peer $B -o fork.bundle
expect_json fork.bundle '[m["msg"]["seq"] for m in d["bundle"]["messages"]]' '[2]'
record_dump b/parley.db fork.before.sql
# b witnessed a's log at size 3 with the original seq 2; the restored a
# now shows a checkpoint of size 3 with another root: a split view, caught
# by the witness before any message is looked at, with evidence on disk.
expect_rc 3 px inbox import --dir b fork.bundle
expect_in "$OUT" "0 applied, 0 already held, 0 stored without effect, 0 receipts, 1 refused."
expect_in "$OUT" "ALERT    fork: $A showed checkpoint size"
expect_in "$ERR" "cannot be joined to the one we witnessed; the bundle is refused and the evidence kept"
record_dump b/parley.db fork.after.sql
cmp -s fork.before.sql fork.after.sql || fail "the refused equivocating import changed the store"
EVID=$(ls b/evidence/fork-$A-*.txt 2>/dev/null | head -1)
[ -n "$EVID" ] || fail "no fork evidence file under b/evidence"
expect_rc 0 grep -q "checkpoint A (held before)" "$EVID"
[ "$(grep -c "^— $A " "$EVID")" -ge 2 ] ||
	fail "the evidence does not hold two checkpoints signed by $A"
expect_rc 0 px log alerts --dir b --json
expect_json "$OUT" '[a["kind"] for a in d]' '["fork"]'
ok "equivocation (sender restored from backup): fork caught by the witness, exit 3, evidence kept, conversation unchanged"

# The restored sender is shown a receipt for the seq 2 it no longer holds.
record_dump a-backup/parley.db rcpt.before.sql
# b's cosignature in that bundle covers the original a's checkpoint, not
# the restored one: the restored node learns its own log was rolled back.
expect_rc 3 px inbox import --dir a-backup n2.bundle.receipts
expect_in "$ERR" "this node's log was rolled back or forked"
record_dump a-backup/parley.db rcpt.after.sql
cmp -s rcpt.before.sql rcpt.after.sql || fail "a refused receipt changed the store"
ok "receipts and cosignature for another history of our own log: exit 3, store unchanged"

# --- 7. --json on a refusal: one JSON document, with the error ----------
# (stdout of every --json command must parse as JSON, also when it fails.)
json_refused_bundle() {
	expect_rc 3 px inbox import --dir b --json half.bundle
	is_json "$OUT" || fail "inbox import --json printed more than one JSON document on a refused bundle"
	expect_json "$OUT" '"end of" in __import__("json").dumps(d["error"])' true
	ok "--json refused bundle: one JSON document naming the error"
}
json_refused_message() {
	expect_rc 3 px inbox import --dir b-backup --json fork.bundle
	is_json "$OUT" || fail "inbox import --json printed more than one JSON document on a refused message"
	expect_json "$OUT" 'd["refused"]' 1
	expect_json "$OUT" 'd["applied"]' 0
	expect_json "$OUT" '"cannot be joined" in __import__("json").dumps(d["error"])' true
	ok "--json refused message: one JSON document with the counts and the error"
}
soft json_refused_bundle
soft json_refused_message

finish
