#!/bin/bash
# Alerts on arrival (issue 17, item 4): a new inbound case, or an answer
# we were waiting for, is told to the case's assignee and watchers, else
# to the person on duty, by the rules of [alert "KIND"] / [alert] (per
# kind and priority), through the notification queue and a real SMTP
# relay on 127.0.0.1.  Asserts who got which mail, and who did not.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
trap live_cleanup EXIT
mkdir -p "$TMP/pids"

A=cert-cn.example
B=cert-us.example
PS=$(free_ports 1)
smtp_start "$PS"
at 2026-12-01T02:00:00Z
mknode a $A Asia/Shanghai "zh, en"
mknode b $B America/New_York
smtp_use b "$PS"
add_people b us.example alice bob
cat >>b/parley.conf <<'CONF'

[roster]
handover = Sun 00:00 duty

# New cases of priority P1 and P2 alert; answers always; reports only
# when P1.
[alert]
new = P1, P2
answer = all

[alert "report"]
new = P1
CONF
expect_rc 0 px card --dir b -o b.card
enrol a b

# mails: "TO | SUBJECT" of each message the relay holds, decoded, sorted.
mails() {
	python3 - "$TMP/mail/new" <<'PYEOF'
import email, email.header, os, sys
d = sys.argv[1]
out = []
for f in (os.listdir(d) if os.path.isdir(d) else []):
    with open(os.path.join(d, f), "rb") as fh:
        m = email.message_from_binary_file(fh)
    subj = str(email.header.make_header(email.header.decode_header(m["Subject"])))
    out.append(f'{m["To"]} | {subj}')
print("\n".join(sorted(out)))
PYEOF
}
# deliver: B's notifier sends what is due, and every row is sent.
deliver() {
	expect_rc 0 px notify run --dir b --json
	px notify list --dir b --json >nl.json
	expect_json nl.json '[x["status"] for x in d if x["status"] != "sent"]' '[]'
}
new_case() { # KIND PRIORITY TITLE
	expect_rc 0 px case new --dir a --to $B --kind "$1" --category botnet \
		--priority "$2" --title "$3" --text "Please look" --lang en
	cat "$OUT"
}

# --- new cases, by kind and priority ----------------------------------------
R2=$(new_case request P2 "C2 at 203.0.113.7")
new_case request P3 "Low request" >/dev/null
new_case report P2 "Medium report" >/dev/null
new_case report P1 "Critical report" >/dev/null
hop a b $B $A to-b1.bundle
deliver
expect_eq "mail after four new cases" \
"duty@cert-us.example | [parley] New P1 report from cert-cn.example: Critical report / 新案件
duty@cert-us.example | [parley] New P2 request from cert-cn.example: C2 at 203.0.113.7 / 新案件" "$(mails)"
expect_json nl.json '[[x["contact"], x["channel"]] for x in d]' '[["duty", "email"], ["duty", "email"]]'
MSG=$(grep -rl "C2 at 203.0.113.7" "$TMP/mail/new" | head -1)
expect_in "$MSG" "cert-cn.example opened a P2 request with us (botnet, TLP:"
expect_in "$MSG" "You are told as on duty (nobody holds the case)."
expect_in "$MSG" "parley case show ${R2: -8}"
ok "new cases alert the person on duty by the rules: P1/P2 requests, P1 reports only"

# --- an awaited answer goes to the assignee and the watchers -----------------
expect_rc 0 px case assign --dir b "$R2" alice
expect_rc 0 px case watch --dir b "$R2" bob
rm -f "$TMP"/mail/new/*
at 2026-12-01T02:10:00Z
expect_rc 0 px case triage --dir b "$R2" --decision needs-info \
	--reason insufficient-information --text "Which port?"
hop b a $A $B to-a1.bundle
at 2026-12-01T02:20:00Z
expect_rc 0 px case update --dir a "$R2" --text "Port 8443" --lang en
hop a b $B $A to-b2.bundle
deliver
REF2=${R2: -8}
expect_eq "mail after the requester's answer" \
"alice@us.example | [parley] cert-cn.example answered case $REF2 (update): C2 at 203.0.113.7 / 对方已答复
bob@us.example | [parley] cert-cn.example answered case $REF2 (update): C2 at 203.0.113.7 / 对方已答复" "$(mails)"
expect_in "$(grep -rl '^To: alice@' "$TMP/mail/new")" "You are told as the case's assignee."
expect_in "$(grep -rl '^To: bob@' "$TMP/mail/new")" "You are told as a watcher of the case."
expect_in "$(grep -rl '^To: alice@' "$TMP/mail/new")" "it is now waiting on us."
ok "the answer we waited for (information after needs-info) goes to the assignee and the watcher, not duty"

# --- our own request: its result is an answer; its acknowledgement is not ----
rm -f "$TMP"/mail/new/*
expect_rc 0 px case new --dir b --to $A --kind request --category phishing \
	--priority P4 --title "Kit on your host" --text "Please take it down"
O=$(cat "$OUT")
expect_rc 0 px case assign --dir b "$O" bob
hop b a $A $B to-a2.bundle
at 2026-12-01T02:30:00Z
expect_rc 0 px case ack --dir a "$O"
hop a b $B $A to-b3.bundle
deliver
expect_eq "mail after an acknowledgement" "" "$(mails)"
at 2026-12-01T02:40:00Z
expect_rc 0 px case result --dir a "$O" --text "Taken down" --outcome resolved
hop a b $B $A to-b4.bundle
deliver
expect_eq "mail after the result" \
"bob@us.example | [parley] cert-cn.example answered case ${O: -8} (result): Kit on your host / 对方已答复" "$(mails)"
# Queued in the import's transaction, with the case and the message.
px notify list --dir b --case "$O" --json >o.json
expect_json o.json '[[x["contact"], x["status"]] for x in d]' '[["bob", "sent"]]'
ok "our own request: the result alerts its assignee (bob), the acknowledgement nobody"

# --- a hotline we raised: the peer's acknowledgement is the answer ----------
# It stays with them (their move) after the ack, yet the person who raised
# it must know at once that a person answered; nobody holds it here, so
# the person on duty is told.
rm -f "$TMP"/mail/new/*
expect_rc 0 px hotline raise --dir b --peer $A --category ddos \
	--text "Our bank's portal is down"
H=$(cat "$OUT")
hop b a $A $B to-a3.bundle
at 2026-12-01T02:50:00Z
expect_rc 0 px case ack --dir a "$H"
hop a b $B $A to-b6.bundle
deliver
expect_eq "mail after the hotline's acknowledgement" \
"duty@cert-us.example | [parley] cert-cn.example answered case ${H: -8} (ack): $(px case show --dir b "$H" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["title"])') / 对方已答复" "$(mails)"
px notify list --dir b --case "$H" --json >h.json
expect_json h.json '[[x["contact"], x["status"]] for x in d]' '[["duty", "sent"]]'
ok "a hotline we raised: the peer's acknowledgement alerts the person on duty"

# --- an unreadable rule still alerts, and says why ---------------------------
rm -f "$TMP"/mail/new/*
printf '\n[alert "inject"]\nnew = P9\n' >>b/parley.conf
expect_rc 0 px case new --dir a --to $B --kind inject --category botnet \
	--priority P4 --title "Exercise inject" --text "Drill"
expect_rc 0 px outbox export --dir a --peer $B -o to-b5.bundle
expect_rc 0 px inbox import --dir b to-b5.bundle
expect_in "$ERR" "[alert \"inject\"] new: 'P9' is not a priority"
deliver
expect_eq "mail after an inject under a bad rule" \
"duty@cert-us.example | [parley] New P4 inject from cert-cn.example: Exercise inject / 新案件" "$(mails)"
ok "a rule that cannot be read alerts anyway and says what is wrong"
finish
