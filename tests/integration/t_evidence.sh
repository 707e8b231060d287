#!/bin/bash
# Evidence over files (bundle directories), and every refusal by name:
#
#   - the handshake in the record: offered -> accepted by B's policy ->
#     the bundle directory -> B's receipt; custody at both ends;
#   - a flipped byte in a chunk file: refused naming the chunk and both
#     digests, the round rejected, nothing stored as evidence;
#   - a truncated chunk file: refused naming the lengths, rejected;
#   - a third, clean round after re-offering: accepted, the copy verifies;
#   - an offer over B's limit (max_item = 1M): declined with the limit named;
#   - custody by hand: accessed, sealed (then access refused), released;
#     an altered copy in A's store is named by `evidence verify`, refused
#     by `evidence get`, and once an "accessed" event records the changed
#     hash, `audit verify` fails naming the exhibit;
#   - destroyed: the bytes go, `evidence verify` finds none.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

A=cert-beijing.example
B=cert-washington.example
mknode a $A Asia/Shanghai
mknode b $B America/New_York
enrol a b

python3 - <<'EOF'
import random
r = random.Random(7)
open("item.bin", "wb").write(r.randbytes(3 * 1048576 + 12345))
open("big.bin", "wb").write(r.randbytes(2 * 1048576))
EOF
SHA=$(sha256sum item.bin | cut -d' ' -f1)
expect_rc 0 px case new --dir a --to $B --kind report --category phishing \
	--title "Counterfeit bank site" --text "Site copy and server logs."
ID=$(cat "$OUT")

# Required manifest fields are asked for by name.
expect_rc 2 px evidence add --dir a "$ID" item.bin --exhibit A-1 --tool wget
expect_in "$ERR" "tool-version"
expect_rc 4 px evidence add --dir a "$ID" nosuch.bin --exhibit A-1 --tool wget --tool-version 1.21
expect_rc 0 px evidence add --dir a "$ID" item.bin --exhibit A-1 --tool wget \
	--tool-version 1.21.3 --tool-args "--mirror https://bank.example" \
	--media-type application/x-tar --json
ITEM=$(json_get "$OUT" 'd["item"]')
expect_rc 5 px evidence add --dir a "$ID" item.bin --exhibit A-1 --tool wget --tool-version 1.21.3
expect_in "$ERR" "already has an exhibit A-1"
expect_rc 0 px evidence show --dir a A-1 --json
expect_json "$OUT" 'd["sha256"]' "$SHA"
expect_json "$OUT" 'd["manifest"]["chunks"]' 4
expect_json "$OUT" 'd["state"]' held
expect_rc 0 px evidence verify --dir a A-1
ok "A-1 added (4 chunks) and verifies; missing and duplicate fields named"

# --- round 1: a flipped byte ---------------------------------------------------
offer_round() { # N: offer, carry, B decides, carry back, export to dirN
	expect_rc 0 px evidence offer --dir a A-1
	hop a b $B $A "o$1.bundle"
	expect_rc 0 px evidence decide --dir b --json
	expect_json "$OUT" 'd["decided"]' 1
	expect_rc 0 px evidence show --dir b A-1 --json
	expect_json "$OUT" 'd["state"]' receiving
	hop b a $A $B "d$1.bundle"
	expect_rc 0 px evidence export --dir a A-1 -o "dir$1"
	[ -f "dir$1/chunks/00000003" ] || fail "dir$1 lacks chunk 3"
}
offer_round 1
python3 - <<'EOF'
f = open("dir1/chunks/00000002", "r+b")
f.seek(50000)
b = f.read(1)
f.seek(50000)
f.write(bytes([b[0] ^ 0x20]))
EOF
expect_rc 3 px evidence import --dir b dir1
expect_in "$ERR" "chunk 2 of item A-1: its bytes hash to"
expect_in "$ERR" "chunk list"
expect_rc 0 px evidence show --dir b A-1 --json
expect_json "$OUT" 'd["state"]' rejected
expect_json "$OUT" 'd["local"]' false
expect_in "$OUT" "chunk 2 of item A-1"
[ -z "$(ls b/evidence/items)" ] || fail "B stored an item: $(ls b/evidence/items)"
[ -z "$(ls b/evidence/staging)" ] || fail "B kept staged chunks: $(ls b/evidence/staging)"
hop b a $A $B r1.bundle
expect_rc 0 px evidence show --dir a A-1 --json
expect_json "$OUT" 'd["status"]' rejected
ok "a flipped byte in chunk 2: refused by name, round rejected, nothing stored at B"

# --- round 2: a truncated chunk -------------------------------------------------
offer_round 2
truncate -s 100000 dir2/chunks/00000001
expect_rc 3 px evidence import --dir b dir2
expect_in "$ERR" "chunk 1 is truncated or padded"
expect_rc 0 px evidence show --dir b A-1 --json
expect_json "$OUT" 'd["state"]' rejected
[ -z "$(ls b/evidence/items)" ] || fail "B stored an item after a truncated chunk"
hop b a $A $B r2.bundle
ok "a truncated chunk 1: refused naming the lengths, nothing stored"

# --- round 3: clean -----------------------------------------------------------------
offer_round 3
expect_rc 0 px evidence import --dir b dir3 --json
expect_json "$OUT" 'd["state"]' received
expect_json "$OUT" 'd["sha256"]' "$SHA"
expect_rc 0 px evidence verify --dir b A-1
hop b a $A $B r3.bundle
hop a b $B $A t3.bundle
expect_rc 0 px evidence custody --dir b A-1 --json
cp "$OUT" custody.json
expect_json custody.json '[e["event"] for e in d["events"]]' \
	'["acquired", "offered", "accepted", "transferred", "received", "offered", "accepted", "transferred", "received", "offered", "accepted", "transferred", "received"]'
expect_json custody.json '[e["status"] for e in d["events"] if e["event"] == "received"]' \
	'["rejected", "rejected", "accepted"]'
expect_json custody.json 'd["chain_ok"]' true
expect_json custody.json 'all(e["log"] is not None for e in d["events"])' true
ok "third round accepted; B's custody shows all three rounds, the chain holds"

# --- over the limit -------------------------------------------------------------------
printf '\n[evidence]\nmax_item = 1M\n' >>b/parley.conf
expect_rc 0 px evidence add --dir a "$ID" big.bin --exhibit A-2 --tool wget --tool-version 1.21.3
expect_rc 0 px evidence offer --dir a A-2
hop a b $B $A o4.bundle
expect_rc 0 px evidence decide --dir b
hop b a $A $B d4.bundle
expect_rc 0 px evidence show --dir a A-2 --json
expect_json "$OUT" 'd["round"]' declined
expect_in "$OUT" "over this node's limit of 1048576 bytes"
expect_rc 5 px evidence export --dir a A-2 -o dir4
expect_rc 0 px evidence show --dir b A-2 --json
expect_json "$OUT" 'd["state"]' declined
ok "an offer over B's limit: declined naming the limit; nothing can be carried"

# --- custody by hand ---------------------------------------------------------------
expect_rc 2 px evidence event --dir b A-1 accessed
expect_rc 0 px evidence event --dir b A-1 accessed --by "Jane Roe" --why "timeline analysis"
expect_rc 0 px evidence event --dir b A-1 sealed --why "hold for court"
expect_rc 5 px evidence event --dir b A-1 accessed --why "again"
expect_in "$ERR" "sealed its copy"
expect_rc 0 px evidence event --dir b A-1 released --to "Prosecutor's office" --why "court order 7"
hop b a $A $B c1.bundle
ok "B: accessed, sealed, access after sealing refused, released to a third party"

# --- an altered copy at A -----------------------------------------------------------
CHUNK2=$(python3 -c "
import hashlib
d = open('item.bin','rb').read()[2*1048576:3*1048576]
print(hashlib.sha256(d).hexdigest())")
F=a/evidence/chunks/${CHUNK2:0:2}/$CHUNK2
[ -f "$F" ] || fail "no chunk file $F"
chmod u+w "$F"
printf 'X' | dd of="$F" bs=1 seek=10 conv=notrunc 2>/dev/null
expect_rc 3 px evidence verify --dir a A-1
expect_in "$ERR" "chunk 2 of 4"
expect_rc 3 px evidence get --dir a A-1 -o out.bin --why "check"
[ ! -e out.bin ] || fail "get wrote a file from an altered copy"
expect_rc 0 px evidence event --dir a A-1 accessed --why "found it altered"
expect_rc 0 px evidence custody --dir a A-1 --json
expect_json "$OUT" 'd["chain_ok"]' false
expect_in "$OUT" "the copy changed"
expect_rc 0 px audit export --dir a --peer $B -o audit.json
expect_rc 3 px audit verify audit.json
expect_in "$ERR" "chain of custody of exhibit A-1 is broken"
ok "an altered chunk at A: named by verify, refused by get, and audit verify fails once recorded"

# --- destroyed --------------------------------------------------------------------------
expect_rc 0 px evidence event --dir b A-1 destroyed --why "retention ended"
expect_rc 4 px evidence verify --dir b A-1
expect_rc 0 px evidence show --dir b A-1 --json
expect_json "$OUT" 'd["state"]' destroyed
[ -z "$(find b/evidence/chunks -type f)" ] || fail "B kept chunks after destroying its only item"
ok "destroyed at B: the bytes are gone, the record says so"

# --- killed between keeping the chunks and signing the receipt ------------------
# B's store already holds the whole item (as after a crash at that point):
# the import checks the copy and receipts it instead of taking the chunks.
head -c 1500000 /dev/urandom >third.bin
expect_rc 0 px evidence add --dir a "$ID" third.bin --exhibit A-3 --tool dd --tool-version 9.1
expect_rc 0 px evidence offer --dir a A-3
hop a b $B $A o5.bundle
sed -i 's/^max_item = 1M$/max_item = 4G/' b/parley.conf
expect_rc 0 px evidence decide --dir b
hop b a $A $B d5.bundle
expect_rc 0 px evidence export --dir a A-3 -o dir5
expect_rc 0 px evidence show --dir a A-3 --json
R3=$(json_get "$OUT" 'd["root"]')
cp "a/evidence/items/$R3" b/evidence/items/
python3 - <<'PYEOF'
import hashlib, os, shutil
d = open("third.bin", "rb").read()
for i in range(0, len(d), 1048576):
    h = hashlib.sha256(d[i:i + 1048576]).hexdigest()
    os.makedirs("b/evidence/chunks/" + h[:2], exist_ok=True)
    shutil.copy("a/evidence/chunks/%s/%s" % (h[:2], h), "b/evidence/chunks/%s/%s" % (h[:2], h))
PYEOF
rm dir5/chunks/00000001
expect_rc 0 px evidence import --dir b dir5 --json
expect_json "$OUT" 'd["state"]' received
expect_rc 0 px evidence verify --dir b A-3
ok "a copy kept before a crash is checked and receipted, not sent again"

expect_rc 0 px evidence list --dir a --json
expect_json "$OUT" 'sorted(r["exhibit"] for r in d)' '["A-1", "A-2", "A-3"]'
finish
