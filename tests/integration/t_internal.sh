#!/bin/bash
# Internal notes (issue 17, item 3): kept in our own store and our own
# log, never sent.  The peer's store, its case view and our audit export
# for it never hold the note's text; our view and our log do, marked
# apart from the notes both sides see; a changed note fails `log verify`.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

A=cert-cn.example
B=cert-us.example
at 2026-12-01T02:00:00Z
mknode a $A Asia/Shanghai "zh, en"
mknode b $B America/New_York
enrol a b

expect_rc 0 px case new --dir a --to $B --kind request --category botnet \
	--title "C2 at 203.0.113.7" --text "Please investigate" --lang en
ID=$(cat "$OUT")
at 2026-12-01T02:05:00Z
SECRET="SECRET-PLAN-42: legal says wait before we name them"
expect_rc 0 px case note --dir a "$ID" --internal --text "$SECRET" --lang en
expect_in "$ERR" "never sent to the peer"
expect_rc 0 px case note --dir a "$ID" --text "Shared words" --lang en
at 2026-12-01T02:10:00Z
# A second internal note, in Chinese, by the JSON path.
expect_rc 0 px case note --dir a "$ID" --internal --text "内部：先别告诉对方" --lang zh --json
expect_json "$OUT" 'd["internal"]' true
hop a b $B $A to-b.bundle

# Ours: in the view (apart from the messages) and in the text view.
px case show --dir a "$ID" --json >a.json
expect_json a.json '" | ".join(x["text"]["value"] for x in d["internal_notes"])' \
	"$SECRET | 内部：先别告诉对方"
expect_json a.json '[m["type"] for m in d["messages"]]' '["request", "note"]'
expect_rc 0 px case show --dir a "$ID"
expect_in "$OUT" "Internal notes (kept here only, never sent):"
expect_in "$OUT" "[INTERNAL]"
expect_in "$OUT" "$SECRET"
# In our log (so our history is complete), which still verifies.
expect_rc 0 px log verify --dir a
expect_eq "internal leaves" 2 "$(sqlite3 a/parley.db "SELECT count(*) FROM log_entries WHERE kind = 'internal' AND peer = ''")"
ok "internal notes are in our view, marked, and in our own log"

# Theirs: nothing of it, anywhere.
px case show --dir b "$ID" --json >b.json
expect_json b.json '[m["type"] for m in d["messages"]]' '["request", "note"]'
expect_json b.json 'd["internal_notes"]' '[]'
expect_not_in b.json "SECRET-PLAN-42"
sqlite3 b/parley.db .dump >b.sql
expect_not_in b.sql "SECRET-PLAN-42"
expect_not_in b.sql "先别告诉对方"
for f in to-b.bundle to-b.bundle.receipts; do
	expect_not_in "$f" "SECRET-PLAN-42"
done
expect_rc 0 px audit export --dir a --peer $B -o audit.json
expect_not_in audit.json "SECRET-PLAN-42"
expect_not_in audit.json "internal_note"
expect_rc 0 px audit verify audit.json
ok "the peer's store, view, bundles and our audit export for it hold no internal note"

# A note changed in the store no longer verifies.
sqlite3 a/parley.db "UPDATE log_entries SET entry = replace(entry, 'wait', 'WAIT') WHERE kind = 'internal'"
expect_rc 3 px log verify --dir a
ok "an altered internal note fails log verify"
finish
