#!/bin/bash
# The TAXII 2.1 server (docs/interop.md, "TAXII 2.1") over real HTTPS on
# 127.0.0.1, driven by tests/integration/taxii_client.py:
#
#   A (cert-a) sends X (cert-x, serving) a CLEAR, a GREEN and a RED case;
#   B (cert-b) is enrolled at X with no case; X has an analyst token.
#
# Checked there: discovery and API root (Basic and Bearer), 401 without
# credentials, 406 for every Accept the spec does not allow, 415 for a
# POST that is not taxii+json 2.1, the collections each asker sees (a
# peer: the community's two and its own), which case is in which
# collection (RED only in A's), B gets nothing from A's collection and no
# trace of the RED case anywhere; 1,000 objects of which 500 share one
# date-added page back exactly once at limits 1, 7 and 100; every filter
# (match[id|type|version|spec_version], added_after), versions, one
# object, manifest, the date-added headers, the status after each POST,
# malformed queries 400, a RED object refused from the GREEN collection.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

A=cert-a.example
X=cert-x.example
trap live_cleanup EXIT
PX=$(free_ports 1)
mknode a $A UTC
mknode b cert-b.example UTC
live_node x $X UTC "$PX"
expect_rc 0 px card --dir x -o x.card
enrol a x
enrol b x
expect_rc 0 px token create --dir x --role analyst --name xena
TX=$(cat "$OUT")
declare -A ID
for t in clear green red; do
	expect_rc 0 px case new --dir a --to $X --kind report --category phishing \
		--priority P3 --tlp "$t" --title "Phish $t" --text "Kit at the URL ($t)." \
		--observable url:https://login.example.net/$t
	ID[$t]=$(cat "$OUT")
done
hop a x $X $A a-x.bundle
serve x
python3 "$PX_SOURCE_DIR/tests/integration/taxii_client.py" "$(url x)" "$TX" \
	"$TMP/a" "$TMP/b" "${ID[red]}" "${ID[green]}" "${ID[clear]}" >"$OUT" 2>"$ERR" ||
	fail "taxii_client.py: $(cat "$ERR")"
cat "$OUT"
ok "TAXII 2.1 server: collections, paging, filters, status, media types, TLP"
finish
