#!/bin/bash
# The acceptance conversation, carried entirely by bundle files:
#
#   A (cert-cn.example, Beijing) sends B (cert-us.example, New York) a P2
#   request about a botnet C2 with observables; B acknowledges, triages
#   needs-info; A answers with an update; B sends the result; A rates it and
#   closes the case.  After every bundle hop the receipts are carried back.
#
# Checked at each hop: the state on both sides.  At the end: the two nodes'
# `case show --json` are byte-identical, observables are in normal form,
# clocks are met with the deadlines worked out below, the score, the
# message count and per-sender seqs; the outbox is empty once receipts are
# in; importing the same bundle again applies nothing and changes nothing.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

A=cert-cn.example
B=cert-us.example

at 2026-11-20T10:00:00Z
mknode a $A Asia/Shanghai "zh, en"
mknode b $B America/New_York
enrol a b

# --- 1. A opens the request (11:00Z) --------------------------------------
at 2026-11-20T11:00:00Z
expect_rc 0 px case new --dir a --to $B --kind request --category botnet \
	--priority P2 --tlp amber --title "C2 at 203.0.113.7" \
	--text "请调查该僵尸网络控制服务器" --translation "Please investigate this C2" \
	--translation-lang en --translation-by machine \
	--observable ip:203.0.113.7 --observable 'domain:EVIL[.]Example.' \
	--observable 'url:hxxps://evil[.]example:443/gate.php' \
	--observable 'email:ops[@]evil[.]example' \
	--observable 'cidr:198.51.100.0/24' --observable cve:cve-2021-44228
ID=$(cat "$OUT")
[[ $ID =~ ^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] ||
	fail "case new should print a UUIDv7 case id on stdout, printed [$ID]"
REF=${ID: -8}
expect_in "$ERR" "Opened case $REF ($ID) with $B"
expect_state a "$ID" sent
ok "A opened request $REF (state sent)"

# Until B's receipts are in, every export carries the message again.
expect_rc 0 px outbox export --dir a --peer $B -o early.bundle --json
expect_json "$OUT" 'd["messages"]' 1
expect_json early.bundle 'len(d["bundle"]["messages"])' 1

at 2026-11-20T11:10:00Z # B imports ten minutes later: the clocks start here
hop a b $B $A a1.bundle
expect_json a1.bundle.import.json 'd["applied"]' 1
expect_json a1.bundle.import.json 'd["duplicate"]' 0
expect_json a1.bundle.import.json 'd["reply"]' a1.bundle.receipts
expect_json a1.bundle.receipts.import.json 'd["receipts_new"]' 1
expect_json a1.bundle.receipts.import.json 'd["applied"]' 0
expect_state b "$ID" delivered
expect_state a "$ID" delivered
ok "request delivered; receipt back at A"

expect_rc 0 px outbox export --dir a --peer $B -o empty.bundle --json
expect_json "$OUT" 'd["messages"]' 0
expect_json empty.bundle 'd["bundle"]["messages"]' '[]'
ok "outbox export after receipts holds 0 messages"

# The receiver's case list shows it incoming, by its reference.
expect_rc 0 px case list --dir b --json
expect_json "$OUT" 'len(d)' 1
expect_json "$OUT" 'd[0]["ref"]' "$REF"
expect_json "$OUT" 'd[0]["direction"]' in
expect_json "$OUT" 'd[0]["peer"]' $A
expect_rc 0 px case list --dir a --json
expect_json "$OUT" 'd[0]["direction"]' out
expect_json "$OUT" 'd[0]["peer"]' $B

# --- 2. B acknowledges (11:30Z) ------------------------------------------
at 2026-11-20T11:30:00Z
expect_rc 0 px case ack --dir b "$REF" --text "Received, looking"
expect_in "$OUT" "Case $REF: ack to $A signed and queued (seq 1); state now"
expect_state b "$ID" acknowledged
expect_state a "$ID" delivered
at 2026-11-20T11:35:00Z
hop b a $A $B b1.bundle
expect_json b1.bundle.import.json 'd["applied"]' 1
expect_state a "$ID" acknowledged
expect_state b "$ID" acknowledged
ok "ack carried: acknowledged on both sides"

# --- 3. B triages: needs-info (12:00Z) -----------------------------------
at 2026-11-20T12:00:00Z
expect_rc 0 px case triage --dir b "$REF" --decision needs-info \
	--reason insufficient-information --text "Which ports and since when?"
expect_state b "$ID" needs-info
at 2026-11-20T12:05:00Z
hop b a $A $B b2.bundle
expect_state a "$ID" needs-info
expect_json "$OUT" 'd["clocks"]["first_response"]["state"]' paused
expect_json "$OUT" 'd["clocks"]["resolution"]["state"]' paused
expect_json "$OUT" 'd["clocks"]["resolution"]["deadline"]' null
expect_json "$OUT" 'd["decision"]' needs-info
expect_json "$OUT" 'd["reason"]' insufficient-information
expect_state b "$ID" needs-info
ok "needs-info on both sides; answer clocks paused"

# --- 4. A answers with an update (13:00Z) --------------------------------
at 2026-11-20T13:00:00Z
expect_rc 0 px case update --dir a "$REF" --text "TCP 443 and 8443, since 2026-11-18"
expect_state a "$ID" triaged
at 2026-11-20T13:05:00Z
hop a b $B $A a2.bundle
expect_json a2.bundle.import.json 'd["applied"]' 1
expect_state b "$ID" triaged
expect_json "$OUT" 'd["clocks"]["resolution"]["state"]' running
expect_state a "$ID" triaged
ok "update carried: back to triaged, clocks running"

# --- 5. B sends the result (15:00Z) --------------------------------------
at 2026-11-20T15:00:00Z
expect_rc 0 px case result --dir b "$REF" --outcome resolved \
	--text "Host taken down; logs preserved"
expect_state b "$ID" resolved
at 2026-11-20T15:05:00Z
hop b a $A $B b3.bundle
expect_state a "$ID" resolved
expect_state b "$ID" resolved
ok "result carried: resolved on both sides"

# --- 6. A rates and closes (16:00Z); both travel in one bundle ----------
at 2026-11-20T16:00:00Z
expect_rc 0 px case rate --dir a "$REF" --score 4 --comment "Fast and complete"
expect_state a "$ID" resolved
expect_json "$OUT" 'd["score"]' 4
expect_rc 0 px case close --dir a "$REF" --text "Thanks"
expect_state a "$ID" closed
expect_rc 0 px outbox export --dir a --peer $B -o a3.bundle --json
expect_json "$OUT" 'd["messages"]' 2
at 2026-11-20T16:05:00Z
expect_rc 0 px inbox import --dir b --json a3.bundle
cp "$OUT" a3.import.json
expect_json a3.import.json 'd["applied"]' 2
expect_json a3.import.json 'd["duplicate"]' 0
expect_json a3.import.json 'd["refused"]' 0
expect_json a3.import.json 'd["no_effect"]' 0
expect_json a3.bundle.receipts 'len(d["bundle"]["receipts"])' 2
expect_json a3.bundle.receipts '[r["receipt"]["seq"] for r in d["bundle"]["receipts"]]' '[3, 4]'
expect_rc 0 px inbox import --dir a --json a3.bundle.receipts
expect_json "$OUT" 'd["receipts_new"]' 2
expect_state b "$ID" closed
expect_state a "$ID" closed
ok "rate + close carried in one bundle: closed on both sides"

for d in a b; do
	peer=$B
	[ $d = b ] && peer=$A
	expect_rc 0 px outbox export --dir $d --peer $peer -o $d.final.bundle --json
	expect_json "$OUT" 'd["messages"]' 0
done
ok "both outboxes empty after the last receipts"

# --- 7. The record is the same on both sides -----------------------------
at 2026-11-21T00:00:00Z
show_json a "$ID" a.show.json
show_json b "$ID" b.show.json
shared_view a.show.json b.show.json
cmp -s a.show.json b.show.json ||
	fail "case show --json differs between the nodes: $(diff a.show.json b.show.json | head -40)"
ok "case show --json is byte-identical on both nodes"

S=a.show.json
expect_json $S 'd["id"]' "$ID"
expect_json $S 'd["ref"]' "$REF"
expect_json $S 'd["state"]' closed
expect_json $S 'd["requester"]' $A
expect_json $S 'd["responder"]' $B
expect_json $S 'd["kind"]' request
expect_json $S 'd["request_type"]' information
expect_json $S 'd["priority"]' P2
expect_json $S 'd["tlp"]' amber
expect_json $S 'd["category"]' botnet
expect_json $S 'd["score"]' 4
expect_json $S 'd["escalated"]' false
expect_json $S 'd["opened"]' 2026-11-20T11:00:00.000Z
expect_json $S 'd["delivered"]' 2026-11-20T11:10:00.000Z
# Observables in their normal form (refanged, lowercased, defaults dropped).
expect_json $S '[o["type"] + "=" + o["value"] for o in d["observables"]]' \
	'["ipv4-addr=203.0.113.7", "domain-name=evil.example", "url=https://evil.example/gate.php", "email-addr=ops@evil.example", "ipv4-addr=198.51.100.0/24", "vulnerability=CVE-2021-44228"]'
ok "observables normalised"

# Messages: 7, in causal order, each sender numbering its own from 1.
expect_json $S 'len(d["messages"])' 7
expect_json $S '[m["type"] for m in d["messages"]]' \
	'["request", "ack", "triage", "update", "result", "feedback", "close"]'
expect_json $S '[m["from"] + ":" + str(m["seq"]) for m in d["messages"]]' \
	"[\"$A:1\", \"$B:1\", \"$B:2\", \"$A:2\", \"$B:3\", \"$A:3\", \"$A:4\"]"
expect_json $S '[m["time"] for m in d["messages"]]' \
	'["2026-11-20T11:00:00.000Z", "2026-11-20T11:30:00.000Z", "2026-11-20T12:00:00.000Z", "2026-11-20T13:00:00.000Z", "2026-11-20T15:00:00.000Z", "2026-11-20T16:00:00.000Z", "2026-11-20T16:00:00.001Z"]'
expect_json $S '[m["received"] for m in d["messages"]]' \
	'["2026-11-20T11:10:00.000Z", "2026-11-20T11:35:00.000Z", "2026-11-20T12:05:00.000Z", "2026-11-20T13:05:00.000Z", "2026-11-20T15:05:00.000Z", "2026-11-20T16:05:00.000Z", "2026-11-20T16:05:00.000Z"]'
expect_json $S '[m["effect"] for m in d["messages"]]' '[null, null, null, null, null, null, null]'
expect_json $S 'all(len(m["hash"]) == 64 for m in d["messages"])' true
expect_json $S 'len(set(m["hash"] for m in d["messages"]))' 7
expect_json $S 'd["messages"][0]["body"]["text"]["lang"]' zh
expect_json $S 'd["messages"][0]["body"]["text"]["translation"]["lang"]' en
expect_json $S 'd["messages"][0]["body"]["text"]["translation"]["by"]' machine
expect_json $S 'd["messages"][5]["body"]["score"]' 4
expect_json $S 'd["messages"][4]["body"]["outcome"]' resolved
# B's default language is en (no --languages given): its texts say so.
expect_json $S 'd["messages"][1]["body"]["text"]["lang"]' en
ok "7 messages, seqs 1..4 (A) and 1..3 (B), times and receipt times"

# Clocks (P2: calendar; 4h / 1d / 3d / 30d) start at B's receipt time,
# 11:10Z.  needs-info paused the answer clocks from 12:00Z (triage) to
# 13:00Z (A's update): one hour added to first response and resolution.
#   acknowledge     11:10 + 4h                = 15:10Z, met at 11:30 (ack)
#   triage          11:10 + 24h               = 21st 11:10Z, met at 12:00
#   first response  11:10 + 72h + 1h pause    = 23rd 12:10Z, met at 15:00 (result)
#   resolution      11:10 + 30d + 1h pause    = Dec 20th 12:10Z, met at 15:00
expect_json $S '{k: v["state"] for k, v in d["clocks"].items()}' \
	'{"acknowledge": "met", "first_response": "met", "resolution": "met", "triage": "met"}'
expect_json $S '{k: v["basis"] for k, v in d["clocks"].items()}' \
	'{"acknowledge": "calendar", "first_response": "calendar", "resolution": "calendar", "triage": "calendar"}'
expect_json $S '[d["clocks"][k]["budget"] for k in ("acknowledge", "triage", "first_response", "resolution")]' \
	'["4h", "1d", "3d", "30d"]'
expect_json $S '{k: v["start"] for k, v in d["clocks"].items()}' \
	'{"acknowledge": "2026-11-20T11:10:00.000Z", "first_response": "2026-11-20T11:10:00.000Z", "resolution": "2026-11-20T11:10:00.000Z", "triage": "2026-11-20T11:10:00.000Z"}'
expect_json $S 'd["clocks"]["acknowledge"]["deadline"]' 2026-11-20T15:10:00.000Z
expect_json $S 'd["clocks"]["acknowledge"]["stopped"]' 2026-11-20T11:30:00.000Z
expect_json $S 'd["clocks"]["triage"]["deadline"]' 2026-11-21T11:10:00.000Z
expect_json $S 'd["clocks"]["triage"]["stopped"]' 2026-11-20T12:00:00.000Z
expect_json $S 'd["clocks"]["first_response"]["deadline"]' 2026-11-23T12:10:00.000Z
expect_json $S 'd["clocks"]["first_response"]["stopped"]' 2026-11-20T15:00:00.000Z
expect_json $S 'd["clocks"]["resolution"]["deadline"]' 2026-12-20T12:10:00.000Z
expect_json $S 'd["clocks"]["resolution"]["stopped"]' 2026-11-20T15:00:00.000Z
ok "clocks met, deadlines as computed by hand"

# --- 8. Duplicates: importing a bundle again changes nothing -------------
# Same time as the first import: the receipts written are byte-identical.
cp a3.bundle.receipts a3.first.receipts
at 2026-11-20T16:05:00Z
expect_rc 0 px inbox import --dir b --json a3.bundle
expect_json "$OUT" 'd["applied"]' 0
expect_json "$OUT" 'd["duplicate"]' 2
expect_json "$OUT" 'd["refused"]' 0
cmp -s a3.bundle.receipts a3.first.receipts ||
	fail "re-import at the same time should rewrite the same receipts"
ok "re-import of a3 at the same time: 0 applied, 2 duplicate, same receipts"

at 2026-11-22T09:00:00Z
sqlite3 b/parley.db .dump >b.before.sql
expect_rc 0 px inbox import --dir b a1.bundle --reply again.receipts
expect_in "$OUT" "0 applied, 1 already held"
expect_in "$OUT" "Imported a1.bundle from $A"
expect_rc 0 px inbox import --dir b --json a1.bundle --reply again.receipts
expect_json "$OUT" 'd["applied"]' 0
expect_json "$OUT" 'd["duplicate"]' 1
expect_json "$OUT" 'd["no_effect"]' 0
expect_json "$OUT" 'd["reply"]' again.receipts
# The receipt inside is the one given the first time (received 11:10).
expect_json again.receipts '[r["receipt"]["received"] for r in d["bundle"]["receipts"]]' '["2026-11-20T11:10:00.000Z"]'
expect_json again.receipts 'd["bundle"]["receipts"] == [r for r in __import__("json").load(open("a1.bundle.receipts"))["bundle"]["receipts"]]' true
sqlite3 b/parley.db .dump >b.after.sql
cmp -s b.before.sql b.after.sql ||
	fail "re-importing a1.bundle changed b's database: $(diff b.before.sql b.after.sql | head -20)"
at 2026-11-21T00:00:00Z
show_json b "$ID" b.show2.json
shared_view b.show2.json
cmp -s b.show.json b.show2.json || fail "re-import changed case show --json at b"
# ... and the receipts for the duplicate are a duplicate at A too.
expect_rc 0 px inbox import --dir a --json again.receipts
expect_json "$OUT" 'd["receipts_new"]' 0
expect_json "$OUT" 'd["receipts_duplicate"]' 1
show_json a "$ID" a.show2.json
shared_view a.show2.json
cmp -s a.show.json a.show2.json || fail "duplicate receipts changed case show --json at a"
# Receipts bundles imported twice are duplicates, not errors.
expect_rc 0 px inbox import --dir b --json b3.bundle.receipts
expect_json "$OUT" 'd["receipts_duplicate"]' 1
expect_json "$OUT" 'd["receipts_new"]' 0
ok "duplicates: 0 applied, counted as already held; store and view unchanged"

# The human import report prints the same counts.
expect_rc 0 px inbox import --dir a b1.bundle --reply /dev/null
expect_in "$OUT" "Imported b1.bundle from $B: 0 applied, 1 already held, 0 stored without effect, 0 receipts."

# Case list agrees on both sides, and filters work.
expect_rc 0 px case list --dir a --json --state closed
expect_json "$OUT" '[c["ref"] for c in d]' "[\"$REF\"]"
expect_rc 0 px case list --dir a --json --state resolved
expect_json "$OUT" 'len(d)' 0
expect_rc 0 px case list --dir b --json --peer $A
expect_json "$OUT" '[(c["ref"], c["state"], c["overdue"]) for c in d]' "[[\"$REF\", \"closed\", false]]"
expect_rc 0 px case list --dir b --json --open
expect_json "$OUT" 'len(d)' 0
ok "case list --state/--peer/--open"

# --- 9. Crossing messages converge ---------------------------------------
# A withdraws (15:00Z) while B, not yet aware, sends its result (15:30Z).
# Each side applies the other's message on import.  A case's state is a
# function of its messages in time order, so both sides must agree: the
# withdraw came first, the case is withdrawn, and the result is kept with
# no effect.  `case list` (and its --state filter) must agree with
# `case show` at every moment, including right after the import.
crossing() {
	at 2026-11-23T14:00:00Z
	expect_rc 0 px case new --dir a --to $B --kind request --category phishing \
		--priority P3 --title "Fake bank" --text "Please take it down" \
		--observable 'url:hxxp://bank[.]example/login'
	local id2
	id2=$(cat "$OUT")
	hop a b $B $A c1.bundle
	at 2026-11-23T15:00:00Z
	expect_rc 0 px case withdraw --dir a "$id2" --text "Resolved elsewhere"
	at 2026-11-23T15:30:00Z
	expect_rc 0 px case result --dir b "$id2" --text "Taken down"
	at 2026-11-23T16:00:00Z
	expect_rc 0 px outbox export --dir a --peer $B -o c2.bundle
	expect_rc 0 px outbox export --dir b --peer $A -o c3.bundle
	expect_rc 0 px inbox import --dir b --json c2.bundle
	expect_json "$OUT" 'd["refused"]' 0
	expect_rc 0 px inbox import --dir a --json c3.bundle
	expect_json "$OUT" 'd["refused"]' 0
	for d in a b; do
		expect_state $d "$id2" withdrawn
		expect_json "$OUT" '[(m["type"], m["effect"] is None) for m in d["messages"]]' \
			'[["request", true], ["withdraw", true], ["result", false]]'
		expect_json "$OUT" 'd["clocks"]["acknowledge"]["state"]' cancelled
		expect_rc 0 px case list --dir $d --json
		expect_json "$OUT" "[c[\"state\"] for c in d if c[\"id\"] == \"$id2\"]" '["withdrawn"]'
		expect_rc 0 px case list --dir $d --json --state withdrawn
		expect_json "$OUT" '[c["id"] for c in d]' "[\"$id2\"]"
		expect_rc 0 px case list --dir $d --json --state resolved
		expect_json "$OUT" '[c["id"] for c in d]' '[]'
	done
	expect_rc 0 px inbox import --dir a c2.bundle.receipts
	expect_rc 0 px inbox import --dir b c3.bundle.receipts
	show_json a "$id2" a.c.json
	show_json b "$id2" b.c.json
	shared_view a.c.json b.c.json
	cmp -s a.c.json b.c.json || fail "crossing: case show --json differs: $(diff a.c.json b.c.json | head)"
	for d in a b; do
		expect_rc 0 px case list --dir $d --json --state withdrawn
		expect_json "$OUT" '[c["id"] for c in d]' "[\"$id2\"]"
	done
	ok "crossing withdraw/result: both sides withdrawn, result without effect, list agrees with show"
}
soft crossing

finish
