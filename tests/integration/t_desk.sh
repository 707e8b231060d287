#!/bin/bash
# The duty desk's rough edges (issue 17), each at the command line: limits
# counted in characters, observables given the same way as in the console
# (bare values, defanged forms, internationalised names converted to
# punycode), observables added in an update, `hotline raise --help` listing
# only accepted categories, `report -o` refusing an extension it cannot
# write, unique token names, close and rate only after a result.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

A=cert-cn.example
B=cert-us.example
at 2026-12-01T02:00:00Z
mknode a $A Asia/Shanghai "zh, en"
mknode b $B America/New_York
enrol a b

# --- limits in characters --------------------------------------------------
# 129 Chinese characters are 387 bytes: under the 300-character limit.
T129=$(python3 -c 'print("钓" * 129)')
T301=$(python3 -c 'print("钓" * 301)')
expect_rc 0 px case new --dir a --to $B --kind report --category phishing \
	--title "$T129" --text "见附件" --lang zh
ID=$(cat "$OUT")
px case show --dir a "$ID" --json >c.json
expect_json c.json 'len(d["title"])' 129
expect_rc 3 px case new --dir a --to $B --kind report --category phishing \
	--title "$T301" --text t
expect_in "$ERR" "the title must be 1 to 300 characters (it has 301)"
ok "title limit counted in characters"

# --- observables as the console takes them ----------------------------------
# Bare and defanged values, and an internationalised name, which is sent as
# punycode and shown in both forms.
expect_rc 0 px case new --dir a --to $B --kind request --category phishing \
	--title "Counterfeit bank" --text t --observable "hxxps://bank-login[.]example/verify" \
	--observable 203.0.113.7 --observable "例子.中国"
OID=$(cat "$OUT")
px case show --dir a "$OID" --json >o.json
expect_json o.json '[o["type"] + " " + o["value"] for o in d["observables"]]' \
	'["url https://bank-login.example/verify", "ipv4-addr 203.0.113.7", "domain-name xn--fsqu00a.xn--fiqs8s"]'
expect_json o.json 'd["observables"][2]["unicode"]' "例子.中国"
expect_rc 0 px case show --dir a "$OID"
expect_in "$OUT" "domain-name        xn--fsqu00a.xn--fiqs8s (例子.中国)"
expect_rc 3 px case new --dir a --to $B --kind request --category phishing \
	--title t --text t --observable "hello"
expect_in "$ERR" "'hello' is not an observable parley recognises"
ok "observables: bare, defanged and internationalised"

# Observables learnt later are added by an update; the peer's case lists
# them too, once each.
expect_rc 0 px case update --dir a "$OID" --text "Also this one" \
	--observable "cidr:198.51.100.0/24" --observable 203.0.113.7
expect_rc 2 px case note --dir a "$OID" --text t --observable 192.0.2.1
hop a b $B $A to-b.bundle
px case show --dir b "$OID" --json >ob.json
expect_json ob.json '[o["value"] for o in d["observables"]]' \
	'["https://bank-login.example/verify", "203.0.113.7", "xn--fsqu00a.xn--fiqs8s", "198.51.100.0/24"]'
ok "observables added by an update reach the peer"

# --- close and rate only after the answer -----------------------------------
at 2026-12-01T03:00:00Z
expect_rc 5 px case close --dir a "$OID"
expect_in "$ERR" "has no answer yet; it can be closed after a result, decline or forward"
expect_rc 5 px case rate --dir a "$OID" --score 4
expect_in "$ERR" "feedback rates an answer, so it comes after a result"
px case show --dir a "$OID" --json >o.json
expect_json o.json '"close" in d["actions"] or "rate" in d["actions"]' false
expect_json o.json '"withdraw" in d["actions"]' true
expect_rc 0 px case result --dir b "$OID" --text "Taken down"
hop b a $A $B to-a.bundle
px case show --dir a "$OID" --json >o.json
expect_json o.json '"close" in d["actions"] and "rate" in d["actions"]' true
expect_rc 0 px case rate --dir a "$OID" --score 4
expect_rc 0 px case close --dir a "$OID"
ok "close and rate only once there is an answer"

# --- hotline raise lists the categories the node takes -----------------------
expect_rc 0 px hotline raise --help
expect_in "$OUT" "botnet, phishing, vulnerable-website, intrusion, ddos, malware, other"
expect_not_in "$OUT" "vulnerable-site,"
ok "hotline raise --help names the categories the node accepts"

# --- report -o refuses what it cannot write ----------------------------------
expect_rc 3 px report --dir a --peer $B --from 2026-12-01 --to 2026-12-01 -o r.pdf
expect_in "$ERR" "cannot write a report as '.pdf': parley writes html, csv or json"
[ -e r.pdf ] && fail "report -o r.pdf wrote a file"
expect_rc 3 px report --dir a --peer $B --from 2026-12-01 --to 2026-12-01 --format csv -o r.html
expect_in "$ERR" "--format csv does not match the file name 'r.html'"
expect_rc 0 px report --dir a --peer $B --from 2026-12-01 --to 2026-12-01 -o r.csv
head -c 200 r.csv | grep -q '^[a-z_,]*' || fail "r.csv is not CSV"
python3 -c 'import json,sys; json.load(open("r.csv"))' 2>/dev/null && fail "r.csv holds JSON"
ok "report -o: the extension decides the format, one it cannot write is refused"

# --- token names are unique among live tokens --------------------------------
expect_rc 0 px token create --dir a --role duty --name alice
expect_rc 5 px token create --dir a --role viewer --name alice
expect_in "$ERR" "a live token is named 'alice' already"
expect_rc 5 px token create --dir a --role viewer --name alice --json
expect_json "$OUT" 'd["error"]["kind"]' conflict
expect_rc 0 px token list --dir a --json
expect_json "$OUT" '[t["role"] for t in d if t["name"] == "alice"]' '["duty"]'
expect_rc 0 px token revoke --dir a alice
expect_rc 0 px token create --dir a --role viewer --name alice
ok "a second live token of the same name is refused (exit 5); after a revoke the name is free"

# --- review periods include their last day -----------------------------------
# The cases above were opened on 1 December (10:00 in Shanghai, a's zone):
# a period from 1 December to 1 December holds them.
expect_rc 0 px report --dir a --peer $B --from 2026-12-01 --to 2026-12-01 -o day.json
expect_json day.json 'len(d["cases"])' 2
expect_json day.json 'd["report"]["to"]' 2026-12-01T16:00:00.000Z
ok "report --to DATE includes that day"

finish
