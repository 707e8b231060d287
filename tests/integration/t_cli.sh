#!/bin/bash
# The command line as a new user meets it: help, usage errors (exit 2),
# the node directory (--dir, PARLEY_DIR, not a node: exit 4), unknown
# cases (4), invalid values named in the message (3), actions the case's
# state or the sender's role forbid (5), `init` over a node (5), --json
# output that parses, and `parley version`.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

A=cert-cn.example
B=cert-us.example

# --- help ------------------------------------------------------------------
expect_rc 0 px --help
expect_in "$OUT" "usage: parley <command> [options]"
for c in init card peer case outbox inbox demo version; do
	grep -qE "^  $c " "$OUT" || fail "parley --help should list '$c'"
done
expect_in "$OUT" "Exit codes: 0 ok, 1 failure, 2 usage error, 3 invalid input,"
expect_in "$OUT" "4 not found, 5 conflict."
expect_rc 0 px help
expect_in "$OUT" "usage: parley <command> [options]"

expect_rc 0 px case --help
expect_in "$OUT" "usage: parley case <command> [options]"
for c in new list show ack triage update result close withdraw rate note; do
	grep -qE "^  $c " "$OUT" || fail "parley case --help should list '$c'"
done

expect_rc 0 px case new --help
expect_in "$OUT" "usage: parley case new [options]"
for o in --to --kind --category --priority --tlp --title --text \
	--request-type --observable --lang --translation --dir --json --help; do
	grep -qE "^ +(-., )?$o( |$)" "$OUT" || fail "case new --help should list $o"
done
expect_in "$OUT" "(required)"
expect_in "$OUT" "Prints the new case id on stdout."

# Every command and subcommand has help that exits 0 and names itself.
for c in "init" "card" "version" "demo" "peer add" "peer list" "peer show" \
	"peer agreement" "case list" "case show" "case ack" "case triage" \
	"case update" "case result" "case close" "case withdraw" "case rate" \
	"case note" "outbox export" "inbox import" "peer" "outbox" "inbox"; do
	# shellcheck disable=SC2086
	expect_rc 0 px $c --help
	expect_in "$OUT" "usage: parley $c "
	[ -s "$ERR" ] && fail "parley $c --help wrote to stderr"
	# shellcheck disable=SC2086
	expect_rc 0 px $c -h
	expect_in "$OUT" "usage: parley $c "
done
ok "help: top level, groups and every command exit 0 and list their options"

# --- usage errors: exit 2, naming the culprit ------------------------------
expect_rc 2 px
expect_in "$ERR" "usage: parley <command>"
expect_rc 2 px frobnicate
expect_in "$ERR" "parley: 'frobnicate' is not a command of 'parley'."
expect_in "$ERR" "Try 'parley --help'."
expect_rc 2 px case frobnicate
expect_in "$ERR" "'frobnicate' is not a command of 'parley case'"
expect_rc 2 px case list --frobnicate
expect_in "$ERR" "parley: unknown option '--frobnicate'"
expect_in "$ERR" "Try 'parley case list --help'."
expect_rc 2 px case list -Z
expect_in "$ERR" "unknown option '-Z'"
expect_rc 2 px case new --dir x --to $B --category botnet --title t --text t
expect_in "$ERR" "missing required option --kind"
expect_rc 2 px case new --dir x --to $B --kind request --title t --text t
expect_in "$ERR" "missing required option --category"
expect_rc 2 px case triage --dir x 0123456789
expect_in "$ERR" "missing required option --decision"
expect_rc 2 px case show --dir x
expect_in "$ERR" "expected ID (none given)"
expect_rc 2 px case show --dir x one two
expect_in "$ERR" "expected ID"
expect_rc 2 px case list --dir
expect_in "$ERR" "option '--dir' needs a value"
expect_rc 2 px case list --json=yes
expect_in "$ERR" "option '--json' takes no value"
expect_rc 2 px case new --to a --to b
expect_in "$ERR" "option '--to' given twice"
expect_rc 2 px init --name cert-x.example
expect_in "$ERR" "give --dir DIR (or set PARLEY_DIR) for the new node"
ok "usage errors exit 2 and name the command, option or argument"

# --- init ------------------------------------------------------------------
at 2026-11-20T11:00:00Z
expect_rc 0 px init --dir a --name $A --timezone Asia/Shanghai --languages "zh, en" --json
expect_json "$OUT" 'd["name"]' $A
expect_json "$OUT" 'd["dir"]' a
expect_json "$OUT" 'd["timezone"]' Asia/Shanghai
expect_json "$OUT" 'bool(__import__("re").fullmatch(r"[0-9a-f]{8}( [0-9a-f]{8}){4}", d["fingerprint"]))' true
expect_json "$OUT" 'd["tls"].startswith("sha256:") and len(d["tls"]) == 71' true
for f in a/parley.conf a/parley.db; do [ -f $f ] || fail "init should create $f"; done
expect_in a/parley.conf "name = $A"
expect_in a/parley.conf "timezone = Asia/Shanghai"
expect_rc 0 px init --dir b --name $B --timezone America/New_York
expect_in "$OUT" "Created node $B in b"

sqlite3 a/parley.db .dump >a.sql
cp a/parley.conf a.conf
expect_rc 5 px init --dir a --name $A
expect_in "$ERR" "a already holds a node"
expect_rc 5 px init --dir a --name cert-other.example --json
expect_json "$OUT" 'd["error"]["code"]' 5
expect_json "$OUT" 'd["error"]["kind"]' conflict
sqlite3 a/parley.db .dump | cmp -s - a.sql || fail "a refused init changed the store"
cmp -s a/parley.conf a.conf || fail "a refused init changed parley.conf"
expect_rc 3 px init --dir bad --name "Bad Name"
expect_in "$ERR" "'Bad Name' is not a node name"
[ -e bad/parley.conf ] && fail "a refused init left a node behind"
expect_rc 4 px init --dir bad --name cert-x.example --timezone Mars/Olympus
expect_in "$ERR" "unknown time zone 'Mars/Olympus'"
ok "init: creates a node; exit 5 over an existing one (unchanged); bad name 3, unknown zone 4"

expect_rc 0 px card --dir a -o a.card
expect_in "$ERR" "Wrote the card of $A (version 1) to a.card"
expect_rc 0 px card --dir b -o b.card
expect_rc 0 px peer add --dir a b.card
expect_in "$OUT" "Pinned peer $B"
expect_rc 0 px peer add --dir b a.card

# --- the node directory -----------------------------------------------------
mkdir notanode
expect_rc 4 px case list --dir notanode
expect_in "$ERR" "notanode is not a parley node directory (no parley.conf); create one with 'parley init'"
expect_rc 4 px case list --dir does-not-exist
expect_in "$ERR" "does-not-exist is not a parley node directory"
expect_rc 4 px case list --dir notanode --json
expect_json "$OUT" 'd["error"]["kind"]' not-found
expect_json "$OUT" 'd["error"]["code"]' 4
expect_rc 0 env PARLEY_DIR=a "$PARLEY" peer list --json
expect_json "$OUT" '[p["name"] for p in d]' "[\"$B\"]"
expect_rc 0 env PARLEY_DIR=b "$PARLEY" peer list --json
expect_json "$OUT" '[p["name"] for p in d]' "[\"$A\"]"
# --dir wins over PARLEY_DIR.
expect_rc 0 env PARLEY_DIR=b "$PARLEY" peer list --json --dir a
expect_json "$OUT" '[p["name"] for p in d]' "[\"$B\"]"
expect_rc 4 env PARLEY_DIR=notanode "$PARLEY" case list
expect_in "$ERR" "notanode is not a parley node directory"
ok "--dir: a non-node exits 4 with a clear message; PARLEY_DIR works; --dir wins"

# --- cases: not found, invalid values, forbidden actions -------------------
expect_rc 4 px case show --dir a 01a1f89c-fb80-7f31-a549-974dc849cde9
expect_in "$ERR" "no case '01a1f89c-fb80-7f31-a549-974dc849cde9'"
expect_rc 4 px case show --dir a deadbeef
expect_in "$ERR" "deadbeef"
expect_rc 4 px case ack --dir b deadbeef
expect_rc 4 px case new --dir a --to cert-zz.example --kind request --category botnet --title t --text t
expect_in "$ERR" "unknown peer 'cert-zz.example'"
expect_rc 4 px peer show --dir a cert-zz.example
expect_rc 4 px outbox export --dir a --peer cert-zz.example -o x.bundle
[ -e x.bundle ] && fail "export to an unknown peer wrote a file"
ok "unknown case, peer: exit 4"

NEW=(px case new --dir a --to "$B" --kind request --category botnet --title t --text t)
sqlite3 a/parley.db .dump >a.sql
for bad in "ip:999.1.1.1|'999.1.1.1' is not an IPv4 address" \
	"cidr:10.0.0.1/8|'10.0.0.1/8' is not a network address: host bits are set (did you mean 10.0.0.0/8?)" \
	"cve:CVE-1|'CVE-1' is not a CVE identifier" \
	"domain:-evil-.example|'-evil-.example' is not a domain name" \
	"url:javascript:alert(1)|'javascript:alert(1)' is not a URL" \
	"sha256:abc|'abc' is not an SHA-256 hash" \
	"email:nobody|'nobody' is not an e-mail address" \
	"asn:AS99999999999|is not an AS number" \
	"colour:blue|'colour' is not an observable type"; do
	expect_rc 3 "${NEW[@]}" --observable "${bad%%|*}"
	expect_in "$ERR" "${bad#*|}"
done
for bad in "--priority|P9|unknown priority 'P9' (expected one of: P1, P2, P3, P4)" \
	"--tlp|purple|unknown TLP marking 'purple' (expected one of: clear, green, amber, amber+strict, red)" \
	"--request-type|gossip|unknown request type 'gossip'" \
	"--lang|!!|--lang"; do
	IFS='|' read -r opt val msg <<<"$bad"
	expect_rc 3 "${NEW[@]}" "$opt" "$val"
	expect_in "$ERR" "$msg"
done
expect_rc 3 px case new --dir a --to $B --kind request --category spam --title t --text t
expect_in "$ERR" "unknown category 'spam' (expected one of: botnet, phishing, vulnerable-website, intrusion, ddos, malware, other)"
expect_rc 3 px case new --dir a --to $B --kind gossip --category botnet --title t --text t
expect_in "$ERR" "unknown kind 'gossip'"
expect_rc 3 px case new --dir a --to $B --kind request --category botnet --title t --text ""
expect_in "$ERR" "--text is empty"
expect_rc 3 px case new --dir a --to $B --kind report --category botnet --title t --text t --request-type information
expect_in "$ERR" "--request-type is for requests, not reports"
sqlite3 a/parley.db .dump | cmp -s - a.sql || fail "a refused case new changed the store"
expect_rc 0 px case list --dir a --json
expect_json "$OUT" 'len(d)' 0
ok "invalid observables, priority, TLP, category, kind: exit 3 naming the value and the choices; nothing stored"

# A valid case, carried to b, to try the forbidden actions on.
expect_rc 0 "${NEW[@]}" --observable 'ip:203.0.113.7' --json
expect_json "$OUT" 'd["type"]' request
expect_json "$OUT" 'd["seq"]' 1
expect_json "$OUT" 'd["state"]' sent
ID=$(json_get "$OUT" 'd["case"]') || exit 1
REF=$(json_get "$OUT" 'd["ref"]') || exit 1
expect_eq "ref is the id's last 8 characters" "${ID: -8}" "$REF"
expect_rc 0 px outbox export --dir a --peer $B -o a1.bundle --json
expect_json "$OUT" 'd["messages"]' 1
expect_json "$OUT" 'd["file"]' a1.bundle
expect_json "$OUT" 'd["peer"]' $B
expect_rc 0 px inbox import --dir b a1.bundle
expect_rc 0 px inbox import --dir a a1.bundle.receipts

# The id, a unique prefix of it, and the 8-character reference all work.
for r in "$ID" "${ID:0:13}" "$REF"; do
	expect_rc 0 px case show --dir b --json "$r"
	expect_json "$OUT" 'd["id"]' "$ID"
done
expect_rc 3 px case show --dir b 01a
expect_in "$ERR" "too short"

sqlite3 b/parley.db .dump >b.sql
expect_rc 5 px case ack --dir a "$REF"
expect_in "$ERR" "only the responder ($B) may send ack"
expect_rc 5 px case result --dir a "$REF" --text "I answer myself"
expect_in "$ERR" "only the responder ($B) may send result"
expect_rc 5 px case triage --dir a "$REF" --decision accepted
expect_rc 5 px case rate --dir a "$REF" --score 5
expect_in "$ERR" "feedback rates an answer, so it comes after a result, decline or forward"
expect_rc 5 px case close --dir b "$REF"
expect_in "$ERR" "only the requester ($A) may close case $ID"
expect_rc 5 px case withdraw --dir b "$REF"
expect_in "$ERR" "only the requester ($A) may withdraw case $ID"
expect_rc 5 px case rate --dir b "$REF" --score 5
expect_in "$ERR" "only the requester ($A) rates"
sqlite3 b/parley.db .dump | cmp -s - b.sql || fail "a forbidden action changed b's store"
expect_rc 0 px case ack --dir b "$REF" --json
expect_json "$OUT" 'd["state"]' acknowledged
expect_json "$OUT" 'd["type"]' ack
expect_rc 5 px case ack --dir b "$REF"
expect_in "$ERR" "case $ID is already acknowledged (state acknowledged)"
expect_rc 5 px case ack --dir b "$REF" --json
expect_json "$OUT" 'd["error"]["kind"]' conflict
expect_rc 3 px case rate --dir a "$REF" --score 6
expect_in "$ERR" "--score must be a whole number from 1 to 5, not '6'"
expect_rc 3 px case rate --dir a "$REF" --score 0
expect_rc 3 px case triage --dir b "$REF" --decision maybe
expect_in "$ERR" "unknown decision 'maybe' (expected one of: accepted, needs-info, declined, forwarded)"
expect_rc 3 px case triage --dir b "$REF" --decision declined --reason because
expect_in "$ERR" "unknown reason code 'because'"
expect_rc 3 px case triage --dir b "$REF" --decision accepted --reason duplicate
expect_in "$ERR" "--reason goes with needs-info, declined or forwarded, not with accepted"
expect_rc 3 px case result --dir b "$REF" --text "done" --outcome bogus
expect_in "$ERR" "'bogus' is not one of resolved, partial, unable"
expect_rc 2 px case update --dir b "$REF"
expect_in "$ERR" "missing required option --text"
# After the result, close by the responder is still refused, and nothing
# but notes, feedback and close is taken.
expect_rc 0 px case result --dir b "$REF" --text "Done" --outcome partial
expect_rc 5 px case result --dir b "$REF" --text "again"
expect_in "$ERR" "is resolved; it takes no result"
expect_rc 5 px case close --dir b "$REF"
expect_rc 0 px case note --dir b "$REF" --text "a note is always fine" --json
expect_json "$OUT" 'd["type"]' note
expect_json "$OUT" 'd["seq"]' 3
ok "forbidden actions: exit 5 (role, state); bad values: exit 3; nothing stored"

# --- --json everywhere ---------------------------------------------------------
for c in "version --json" "card --dir a --json" "peer list --dir a --json" \
	"peer show --dir a $B --json" "peer agreement --dir a $B --json" \
	"case list --dir a --json" "case list --dir b --json --open" \
	"case show --dir b $REF --json" "outbox export --dir b --peer $A -o b1.bundle --json" \
	"inbox import --dir a --json b1.bundle" "peer add --dir a --json b.card"; do
	# shellcheck disable=SC2086
	expect_rc 0 px $c
	is_json "$OUT" || fail "parley $c: stdout is not one JSON document: $(head -c 300 "$OUT")"
done
expect_rc 0 px card --dir a --json
expect_json "$OUT" 'd["card"]["name"]' $A
expect_json "$OUT" 'sorted(d)' '["card", "sig"]'
expect_rc 0 px peer agreement --dir a $B --json
expect_json "$OUT" 'd["terms"]["P3"]' '{"acknowledge": "1d", "basis": "business", "first_response": "5d", "resolution": "20d", "triage": "2d"}'
expect_json "$OUT" 'd["terms"]["P1"]["acknowledge"]' 30m
expect_json "$OUT" '[d["version"], d["local"]["default_tlp"]]' '[0, "amber"]'
expect_rc 0 px case list --dir b --json
expect_json "$OUT" '[(c["ref"], c["state"], c["direction"]) for c in d]' "[[\"$REF\", \"resolved\", \"in\"]]"
ok "--json output parses, with the expected members"

# --- version ----------------------------------------------------------------
expect_rc 0 px version
[[ $(cat "$OUT") =~ ^parley\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "parley version printed [$(cat "$OUT")]"
V=$(sed 's/^parley //' "$OUT")
expect_rc 0 px --version
expect_eq "parley --version" "parley $V" "$(cat "$OUT")"
expect_rc 0 px version --json
expect_json "$OUT" 'd' "{\"name\": \"parley\", \"version\": \"$V\"}"
ok "version $V"

# --- rough edges, asserted as they should be ----------------------------------
# `card -o FILE --json` must still print JSON (it prints nothing).
card_file_json() {
	expect_rc 0 px card --dir a -o a-again.card --json
	is_json "$OUT" || fail "card -o FILE --json printed no JSON on stdout: [$(head -c 200 "$OUT")]"
	ok "card -o FILE --json prints JSON"
}
# No node directory at all (neither --dir nor PARLEY_DIR) is a usage error,
# as it is for init.
no_dir_is_usage() {
	expect_rc 2 px case list
	expect_in "$ERR" "give --dir DIR or set PARLEY_DIR"
	ok "no --dir and no PARLEY_DIR: exit 2"
}
# The demo is a walkthrough for people: --json is a usage error that says
# so, and --dir names the scratch directory for its two nodes.
demo_json() {
	expect_rc 2 px demo --dir demo-json --json
	expect_in "$ERR" "no --json output"
	[ ! -e demo-json/cert-cn/parley.conf ] ||
		fail "demo --json created nodes before refusing"
	ok "demo --json: exit 2, nothing created"
}
soft card_file_json
soft no_dir_is_usage
soft demo_json

finish
