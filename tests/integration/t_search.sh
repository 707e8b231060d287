#!/bin/bash
# Search and correlation (issue 17, item 5): `case search` finds cases,
# open and ended, by any three characters of a title, text or translation
# (Chinese too: FTS5 trigrams) and by an observable given as pasted (exact,
# normal form); `case show` lists the other cases sharing an observable,
# with the peer and when; the receiver's index holds what it imported.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

A=cert-cn.example
B=cert-us.example
at 2026-11-02T02:00:00Z
mknode a $A Asia/Shanghai "zh, en"
mknode b $B America/New_York
enrol a b

# Last month: a request with an IP, answered and closed.
expect_rc 0 px case new --dir a --to $B --kind request --category botnet \
	--title "C2 at 203.0.113.7" --text "Please investigate the beacon" --lang en \
	--translation "请调查该信标" --translation-lang zh --observable 203.0.113.7
OLD=$(cat "$OUT")
hop a b $B $A to-b.bundle
at 2026-11-03T02:00:00Z
expect_rc 0 px case result --dir b "$OLD" --text "Sinkholed"
hop b a $A $B to-a.bundle
expect_rc 0 px case close --dir a "$OLD"
expect_state a "$OLD" closed

# Today: a report in Chinese naming the same IP, defanged.
at 2026-12-01T02:00:00Z
expect_rc 0 px case new --dir a --to $B --kind report --category phishing \
	--title "钓鱼网站仿冒银行登录页" --text "见附件" --lang zh --observable "203.0.113[.]7"
NEW=$(cat "$OUT")

# Storing a message only queues it for the index (issue 18); a search
# indexes the queue first, so it still sees everything stored.
expect_eq "queued" "$(sqlite3 a/parley.db "SELECT count(*) > 0 FROM search_pending WHERE hash IN (SELECT hash FROM messages WHERE case_id = '$NEW')")" 1
expect_eq "indexed before a search" "$(sqlite3 a/parley.db "SELECT count(*) FROM search_text WHERE case_id = '$NEW'")" 0

# By observable, as pasted: both cases, the closed one too, newest first.
expect_rc 0 px case search --dir a "203.0.113[.]7" --json
expect_json "$OUT" 'd["observable"]' '{"type": "ipv4-addr", "value": "203.0.113.7"}'
expect_json "$OUT" '[c["id"] for c in d["cases"]]' "[\"$NEW\", \"$OLD\"]"
expect_json "$OUT" '[c["state"] for c in d["cases"]]' '["sent", "closed"]'
expect_rc 0 px case search --dir a 198.51.100.1 --json
expect_json "$OUT" 'd["cases"]' '[]'
expect_eq "queue after a search" "$(sqlite3 a/parley.db "SELECT count(*) FROM search_pending")" 0
ok "search by an observable finds open and ended cases"

# By text: three characters of a Chinese title, a word of an English text,
# a word of a translation; one or two characters (a Chinese word is often
# two) are found too, by a scan the trigram index cannot do for them, with
# LIKE's own characters taken literally.
for q in "仿冒银" "beacon" "调查该" "C2 at"; do
	expect_rc 0 px case search --dir a "$q" --json
	expect_json "$OUT" 'len(d["cases"])' 1
done
expect_rc 0 px case search --dir a "仿冒" --json
expect_json "$OUT" '[c["id"] for c in d["cases"]]' "[\"$NEW\"]"
expect_rc 0 px case search --dir a "附" --json
expect_json "$OUT" '[c["id"] for c in d["cases"]]' "[\"$NEW\"]"
expect_rc 0 px case search --dir a "c2" --json
expect_json "$OUT" '[c["id"] for c in d["cases"]]' "[\"$OLD\"]"
for q in "%" "_" "%%" '\'; do
	expect_rc 0 px case search --dir a "$q" --json
	expect_json "$OUT" 'len(d["cases"])' 0
done
expect_rc 0 px case search --dir a '"beacon" OR x' --json
expect_json "$OUT" 'len(d["cases"])' 0
expect_rc 3 px case search --dir a ""
ok "full-text search over titles, texts and translations, any language"

# The case page's "seen before": the other case, its peer and when.
px case show --dir a "$NEW" --json >new.json
expect_json new.json '[(r["id"], r["peer"], r["opened"][:10], r["observable"]["value"]) for r in d["related"]]' \
	"[[\"$OLD\", \"$B\", \"2026-11-02\", \"203.0.113.7\"]]"
expect_rc 0 px case show --dir a "$NEW"
expect_in "$OUT" "Seen before (other cases with these observables):"
expect_in "$OUT" "203.0.113.7  in ${OLD: -8}  with $B, opened 2026-11-02 (closed): C2 at 203.0.113.7"
# The receiver indexes what it imports.
hop a b $B $A to-b2.bundle
expect_rc 0 px case search --dir b 203.0.113.7 --json
expect_json "$OUT" 'len(d["cases"])' 2
expect_rc 0 px case search --dir b "银行登" --json
expect_json "$OUT" '[c["id"] for c in d["cases"]]' "[\"$NEW\"]"
ok "a case lists the other cases sharing its observables; the peer's index holds what it received"
finish
