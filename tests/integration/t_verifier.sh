#!/bin/bash
# Findings apart from assessments, and a neutral verifier: three nodes
# over files.
#
#   A cert-beijing.example and B cert-washington.example are the parties;
#   V cert-geneva.example (role verifier) is enrolled by both.  In a case
#   A->B, A adds two items (A-1, A-2), states two findings and an
#   assessment.  A finding with "likely" or "很可能" is refused; an
#   assessment above its findings' confidence is refused.  A discloses
#   F1, F2, the assessment and A-1 to V, withholding A-2.  V receives A-1
#   (every chunk checked), checks each disclosed signature against the
#   keys it pinned and the cards in the disclosure, reproduces F1 and
#   disputes F2, agrees with the assessment, and sends the review to both
#   parties: both logs witness it (a receipt leaf in each), and both hold
#   the same review hash.  V's store never holds A-2: no index row, no
#   chunk of it, neither its root nor its SHA-256 in any message, only
#   its hash in the disclosure's withheld list.  A bundle of A and V
#   verifies offline with `audit verify` (and so does one of B and V).
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

A=cert-beijing.example
B=cert-washington.example
V=cert-geneva.example
mknode a $A Asia/Shanghai "zh, en"
mknode b $B America/New_York
expect_rc 0 px init --dir v --name $V --timezone Europe/Zurich --role verifier
expect_rc 0 px card --dir v -o v.card
expect_json v.card 'd["card"]["role"]' verifier
enrol a b
enrol a v
enrol b v
expect_rc 0 px peer show --dir a $V --json
ok "three nodes; V's card says role verifier"

python3 - <<'EOF'
import random
r = random.Random(11)
open("relay.img", "wb").write(r.randbytes(2 * 1048576 + 999))
open("informant.txt", "wb").write(b"SECRET-WITHHELD-CONTENT " * 4000)
EOF
SHA1=$(sha256sum relay.img | cut -d' ' -f1)
SHA2=$(sha256sum informant.txt | cut -d' ' -f1)
expect_rc 0 px case new --dir a --to $B --kind request --category intrusion \
	--title "Who ran the relay at 203.0.113.7" --text "Attribution request" \
	--request-type investigation
ID=$(cat "$OUT")
expect_rc 0 px evidence add --dir a "$ID" relay.img --exhibit A-1 --tool dc3dd --tool-version 7.2.646
expect_rc 0 px evidence add --dir a "$ID" informant.txt --exhibit A-2 --tool vim --tool-version 9.0 --json
ITEM2=$(json_get "$OUT" 'd["item"]')
expect_rc 0 px evidence show --dir a A-2 --json
ROOT2=$(json_get "$OUT" 'd["root"]')

# Findings hold no judgment.
expect_rc 3 px attribution finding --dir a "$ID" --method whois \
	--statement "The relay is likely run by the actor."
expect_in "$ERR" "estimative word 'likely'"
expect_rc 3 px attribution finding --dir a "$ID" --method whois \
	--statement "The relay is registered to Example Ltd." \
	--statement-translation "该跳板很可能属于某公司。" --statement-translation-lang zh
expect_in "$ERR" "'很可能'"
expect_rc 0 px attribution finding --dir a "$ID" --method "TLS scan" \
	--statement "203.0.113.7 answered on TCP 8443 with the certificate in A-1." \
	--tool zgrab2 --tool-version 0.1.8 --steps "zgrab2 tls -p 8443 <<< 203.0.113.7" \
	--evidence A-1 --json
F1=$(json_get "$OUT" 'd["message"]')
expect_rc 0 px attribution finding --dir a "$ID" --method "informant" \
	--statement "The operator of 203.0.113.7 met the actor on 2026-10-02." \
	--evidence A-2 --json
F2=$(json_get "$OUT" 'd["message"]')
# F2 has no steps nor tool: an assessment resting on it stays low.
expect_rc 5 px attribution assessment --dir a "$ID" --kind technical \
	--claim "The actor runs the relay." --support "${F1:0:12}" --support "${F2:0:12}" \
	--likelihood very-likely --confidence high --reliability B --credibility 2 \
	--would-change "A hosting lease in another name"
expect_in "$ERR" "exceeds what its weakest supporting finding"
expect_rc 0 px attribution assessment --dir a "$ID" --kind technical \
	--claim "The actor runs the relay." --support "${F1:0:12}" \
	--contrary "${F2:0:12}" --assumption "The certificate is not shared" \
	--alternative "A hosting customer reuses the certificate" \
	--likelihood likely --confidence high --reliability B --credibility 2 \
	--would-change "A hosting lease in another name" --json
AS1=$(json_get "$OUT" 'd["message"]')
expect_rc 0 px attribution show --dir a "$ID" --json
expect_json "$OUT" 'len(d["findings"])' 2
expect_json "$OUT" '[f["ceiling"] for f in d["findings"]]' '["high", "moderate"]'
expect_json "$OUT" 'd["assessments"][0]["words"]["likelihood"]' "likely (probable), 55-80%"
hop a b $B $A ab1.bundle
ok "findings with estimative words refused (en, zh); the confidence rule holds; B has the record"

# --- disclosure to V ------------------------------------------------------------
expect_rc 3 px verifier disclose --dir a "$ID" --to $B --item A-1
expect_in "$ERR" "does not say role verifier"
expect_rc 0 px verifier disclose --dir a "$ID" --to $V --item A-1 \
	--finding "${F1:0:12}" --finding "${F2:0:12}" --assessment "${AS1:0:12}" \
	--text "Please check F1 and F2" --json
VC=$(json_get "$OUT" 'd["case"]')
expect_json "$OUT" 'd["withheld"]' "[\"$ITEM2\"]"
# A cannot offer the withheld item there.
expect_rc 5 px evidence offer --dir a "$VC" A-2
expect_in "$ERR" "not among the items disclosed"
hop a v $V $A av1.bundle
expect_rc 0 px verifier show --dir v "$VC" --json
cp "$OUT" disclosure.json
expect_json disclosure.json 'len(d["disclosure"]["messages"])' 4
expect_json disclosure.json 'sorted(set(m["with_pinned_key"] for m in d["disclosure"]["messages"]))' '["verified"]'
expect_json disclosure.json 'sorted(set(m["with_disclosed_card"] for m in d["disclosure"]["messages"]))' '["verified"]'
expect_rc 0 px evidence decide --dir v
hop v a $A $V va1.bundle
expect_rc 0 px evidence export --dir a "$VC" A-1 -o a1.dir
expect_rc 0 px evidence import --dir v a1.dir --json
expect_json "$OUT" 'd["state"]' received
expect_rc 0 px evidence verify --dir v "$VC" A-1
ok "A disclosed F1, F2, the assessment and A-1 to V; V checked every signature and holds A-1"

# --- the review ----------------------------------------------------------------------
expect_rc 3 px verifier review --dir v "$VC" --finding "${F1:0:12}=reproduced"
expect_in "$ERR" "every disclosed finding and assessment is judged"
expect_rc 3 px verifier review --dir a "$VC" --finding "${F1:0:12}=reproduced"
expect_rc 0 px verifier review --dir v "$VC" \
	--finding "${F1:0:12}=reproduced:same certificate served on 8443" \
	--finding "${F2:0:12}=disputed:rests on a single informant" \
	--assessment "${AS1:0:12}=agree:consistent with F1" \
	--text "Reviewed on 2026-12-07" --json
RH=$(json_get "$OUT" 'd["hash"]')
expect_json "$OUT" '[f["verdict"] for f in d["review"]["findings"]]' '["reproduced", "disputed"]'
expect_json "$OUT" 'd["review"]["items"]' "[{\"item\": \"$(json_get disclosure.json 'd["disclosure"]["items"][0]')\", \"sha256\": \"$SHA1\", \"status\": \"verified\"}]"
expect_json "$OUT" 'd["review"]["withheld"]' "[\"$ITEM2\"]"
hop v a $A $V va2.bundle
hop v b $B $V vb2.bundle
review_at() { # DIR: the review's hash as the node's case view shows it
	expect_rc 0 px case list --dir "$1" --json
	local rc
	rc=$(json_get "$OUT" '[c["id"] for c in d if c["kind"] == "verification" and c["direction"] == "in" and c["peer"] == "'$V'"][0]')
	expect_rc 0 px verifier show --dir "$1" "$rc" --json
	json_get "$OUT" 'd["review"]["hash"]'
}
expect_eq "review hash at A" "$RH" "$(review_at a)"
expect_eq "review hash at B" "$RH" "$(review_at b)"
# Both logs witness it: each party's receipt of V's review is a leaf of
# its own log (log record), and V holds both receipts.
for d in a b; do
	expect_rc 0 px case list --dir $d --json
	RC=$(json_get "$OUT" '[c["id"] for c in d if c["kind"] == "verification" and c["direction"] == "in" and c["peer"] == "'$V'"][0]')
	expect_rc 0 px case show --dir $d "$RC" --json
	MH=$(json_get "$OUT" 'd["messages"][0]["hash"]')
	expect_rc 0 px log record --dir $d "$MH" --json
	expect_json "$OUT" 'd["entry"]["what"]' receipt
	expect_json "$OUT" 'd["peer_entry"]["peer"]' $V
done
expect_eq "V holds receipts for both copies" 2 \
	"$(sqlite3 v/parley.db "select count(*) from receipts r join messages m on m.hash = r.msg_hash where m.type = 'review'")"
ok "V reproduced F1, disputed F2, agreed with the assessment; A and B hold the same review ($RH), each receipted in its log"

# --- what V never received ----------------------------------------------------------
expect_eq "V's index rows for A-2" 0 "$(sqlite3 v/parley.db "select count(*) from evidence where item = '$ITEM2'")"
for s in "$ROOT2" "$SHA2" "SECRET-WITHHELD"; do
	expect_eq "messages at V containing $s" 0 \
		"$(sqlite3 v/parley.db "select count(*) from messages where raw like '%$s%'")"
done
python3 - "$SHA2" <<'EOF' || fail "a chunk of the withheld item is in V's store"
import hashlib, os, sys
data = open("informant.txt", "rb").read()
digests = {hashlib.sha256(data[i:i + 1048576]).hexdigest() for i in range(0, len(data), 1048576)}
for root, dirs, files in os.walk("v/evidence"):
    for f in files:
        if f in digests:
            sys.exit(1)
        with open(os.path.join(root, f), "rb") as fh:
            if b"SECRET-WITHHELD" in fh.read():
                sys.exit(1)
EOF
ok "V's store holds nothing of A-2 but its hash"

# --- verified elsewhere ----------------------------------------------------------------
expect_rc 0 px audit export --dir a --peer $V -o av.audit
expect_rc 0 px audit export --dir b --peer $V -o bv.audit
mkdir third && cp av.audit bv.audit third/
(cd third && expect_rc 0 px audit verify av.audit --json && cp "$OUT" av.json &&
	expect_rc 0 px audit verify bv.audit --json && cp "$OUT" bv.json) || exit 1
expect_json third/av.json 'd["ok"]' true
expect_json third/av.json 'sorted(c["kind"] for c in d["cases"])' '["verification", "verification"]'
expect_json third/bv.json 'd["ok"]' true
expect_json third/av.json '[len(c["custody"]) for c in d["cases"]]' '[1, 0]'
expect_json third/av.json '[c["disclosure"]["verified"] for c in d["cases"] if "disclosure" in c]' '[4]'
expect_json third/av.json '[c["review"]["hash"] for c in d["cases"] if "review" in c]' "[\"$RH\"]"
expect_json third/bv.json '[c["review"]["hash"] for c in d["cases"] if "review" in c]' "[\"$RH\"]"
expect_json third/bv.json '[[f["verdict"] for f in c["review"]["findings"]] for c in d["cases"] if "review" in c]' '[["reproduced", "disputed"]]'
ok "audit bundles of A-V and B-V verify on a machine with no node"
finish
