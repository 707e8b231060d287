#!/bin/bash
# parley notify against real servers on 127.0.0.1: an SMTP server (Debian's
# aiosmtpd, writing a Maildir) and a small webhook receiver that checks the
# X-Parley-Signature HMAC itself.  `notify test --contact duty` must deliver
# the e-mail (To, RFC 2047 subject, UTF-8 body), the signed webhook, and
# record the phone as manual; a wrong relay port leaves the notification
# pending with the reason, visible in `notify list --json`, and after the
# config is fixed `notify retry` + `notify run` deliver it.  Also: no relay
# configured, a wrong webhook secret, usage errors and exit codes, and the
# secret staying out of the card.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

# Debian's python3-aiosmtpd installs for the system Python, which need not
# be the python3 first on PATH.
PYSMTP=
for py in python3 /usr/bin/python3; do
	if "$py" -c 'import aiosmtpd' 2>/dev/null; then
		PYSMTP=$py
		break
	fi
done
[ -n "$PYSMTP" ] || fail "aiosmtpd is missing (scripts/deps.sh installs python3-aiosmtpd)"

# Only the servers this test starts are stopped, by their PIDs.
PIDS=()
cleanup() {
	local p i
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for ((i = 0; i < 50; i++)); do
		local alive=0
		for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	cd / && rm -rf "$TMP"
}
trap cleanup EXIT

# wait_port PORT PID WHAT: until something accepts on 127.0.0.1:PORT
# (at most 20 s), while PID lives.
wait_port() {
	local end=$((SECONDS + 20))
	until python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" 2>/dev/null; do
		kill -0 "$2" 2>/dev/null || fail "$3 exited at start: $(tail -20 "$3.log")"
		[ $SECONDS -ge $end ] && fail "$3 not listening on 127.0.0.1:$1 after 20 s"
		sleep 0.1
	done
}

read -r SMTP_PORT HOOK_PORT DEAD_PORT <<<"$(free_ports 3 | tr '\n' ' ')"
SECRET='wh-secret-0123456789'

# --- the servers -------------------------------------------------------------
"$PYSMTP" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" \
	-c aiosmtpd.handlers.Mailbox "$TMP/maildir" >smtpd.log 2>&1 &
PIDS+=($!)
wait_port "$SMTP_PORT" $! smtpd

cat >hook.py <<'EOF'
# A webhook receiver: checks X-Parley-Signature the way docs/notify.md tells
# an operator to, records each request in OUTDIR/hook-N.json, and answers
# 204 for a valid signature, 401 otherwise.
import hashlib, hmac, http.server, json, os, sys, time

port, secret, outdir = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]
count = 0


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        fields = dict(p.split("=", 1) for p in
                      self.headers.get("X-Parley-Signature", "").split(",")
                      if "=" in p)
        why = "no signature"
        if "t" in fields and "v1" in fields:
            mac = hmac.new(secret, fields["t"].encode() + b"." + body,
                           hashlib.sha256).hexdigest()
            if not hmac.compare_digest(mac, fields["v1"]):
                why = "bad signature"
            elif abs(time.time() - int(fields["t"])) > 300:
                why = "stale timestamp"
            else:
                why = "ok"
        count += 1
        rec = {"why": why, "event": self.headers.get("X-Parley-Event"),
               "type": self.headers.get("Content-Type"),
               "agent": self.headers.get("User-Agent"),
               "body": body.decode("utf-8")}
        tmp = os.path.join(outdir, ".hook.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(rec, f, ensure_ascii=False)
        os.rename(tmp, os.path.join(outdir, "hook-%d.json" % count))
        self.send_response(204 if why == "ok" else 401)
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", port), Hook).serve_forever()
EOF
mkdir hooks
python3 hook.py "$HOOK_PORT" "$SECRET" hooks >hook.log 2>&1 &
PIDS+=($!)
wait_port "$HOOK_PORT" $! hook

# mail_to ADDR FILE: the message for ADDR in the Maildir (waits up to 10 s),
# parsed into FILE as JSON: headers decoded, body as text.
mail_to() {
	local end=$((SECONDS + 10))
	until python3 - "$TMP/maildir" "$1" "$2" <<'EOF'; do
import email, email.policy, json, mailbox, re, sys

md = mailbox.Maildir(sys.argv[1], factory=None, create=False)
found = []
for key in md.keys():
    raw = md.get_bytes(key)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if msg["To"] == sys.argv[2]:
        found.append({h: str(msg[h]) for h in (
            "From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
            "Content-Type", "Content-Transfer-Encoding",
            "X-Parley-Notification", "X-Parley-Case") if msg[h] is not None}
            | {"body": msg.get_content(), "raw_subject":
               raw.split(b"\nSubject:")[1].split(b"\nMessage-ID:")[0]
               .decode("ascii"), "raw_head": re.split(
                   rb"\r?\n\r?\n", raw, maxsplit=1)[0].decode("ascii")
               .replace("\r\n", "\n").split("\n")})
if len(found) != 1:
    sys.exit(1)
with open(sys.argv[3], "w", encoding="utf-8") as f:
    json.dump(found[0], f, ensure_ascii=False)
EOF
		[ $SECONDS -ge $end ] && fail "no single mail to $1 in the Maildir after 10 s"
		sleep 0.2
	done
}

# --- help and usage ------------------------------------------------------------
expect_rc 0 px --help
grep -qE '^  notify ' "$OUT" || fail "parley --help should list notify"
expect_rc 0 px notify --help
for c in list run retry test; do
	grep -qE "^  $c " "$OUT" || fail "parley notify --help should list $c"
done
for c in "notify list" "notify run" "notify retry" "notify test"; do
	# shellcheck disable=SC2086
	expect_rc 0 px $c --help
	expect_in "$OUT" "usage: parley $c "
	expect_in "$OUT" "--json"
done
expect_rc 0 px notify list --help
for o in --status --case --limit; do expect_in "$OUT" "$o"; done
expect_rc 0 px notify test --help
for o in --contact --email --webhook --secret; do expect_in "$OUT" "$o"; done
ok "help: notify and its four commands"

mknode a cert-a.example Asia/Shanghai
expect_rc 2 px notify test --dir a
expect_in "$ERR" "give exactly one of --contact ID, --email ADDR or --webhook URL"
expect_rc 2 px notify test --dir a --email x@example.org --webhook http://127.0.0.1:1/
expect_in "$ERR" "give exactly one of"
expect_rc 2 px notify test --dir a --email x@example.org --secret s
expect_in "$ERR" "--secret goes with --webhook URL"
expect_rc 2 px notify retry --dir a
expect_in "$ERR" "expected ID"
expect_rc 3 px notify retry --dir a abc
expect_in "$ERR" "notification id 'abc' is not a whole number"
expect_rc 4 px notify retry --dir a 99999
expect_in "$ERR" "no notification 99999"
expect_rc 3 px notify list --dir a --status bogus
expect_in "$ERR" "unknown status 'bogus' (expected pending, sent, failed or manual)"
expect_rc 3 px notify list --dir a --limit 0 --json
expect_json "$OUT" 'd["error"]["kind"]' invalid
expect_rc 4 px notify list --dir a --case deadbeef
expect_rc 4 px notify test --dir a --contact nobody
expect_in "$ERR" "no contact 'nobody'"
expect_rc 3 px notify test --dir a --email "Duty <duty@example.org>"
expect_in "$ERR" "--email contains a space"
expect_rc 3 px notify test --dir a --webhook ftp://127.0.0.1/x
expect_in "$ERR" "does not start with http:// or https://"
expect_rc 4 px notify list --dir nowhere
ok "usage errors exit 2, bad values 3, unknown things 4"

expect_rc 0 px notify list --dir a --json
expect_json "$OUT" 'd' '[]'
expect_rc 0 px notify run --dir a
expect_in "$OUT" "Nothing to deliver."
ok "an empty queue lists nothing and runs clean"

# --- no relay configured ---------------------------------------------------------
expect_rc 1 px notify test --dir a --email norelay@example.org
expect_in "$OUT" "no SMTP relay configured ([smtp] host in parley.conf)"
expect_rc 0 px notify list --dir a --json
expect_json "$OUT" 'd[0]["last_error"]' "no SMTP relay configured ([smtp] host in parley.conf)"
expect_json "$OUT" '[d[0]["status"], d[0]["attempts"], d[0]["address"]]' \
	'["pending", 1, "norelay@example.org"]'
ok "no [smtp] host: the notification waits with the reason"

# --- configure the relay and the duty contact ------------------------------------
sed -i "s/^host =\$/host = 127.0.0.1\nport = $SMTP_PORT\ntimeout = 10/" a/parley.conf
cat >>a/parley.conf <<EOF
webhook = http://127.0.0.1:$HOOK_PORT/parley
webhook_secret = $SECRET
phone = +86 10 0000 0000
EOF
expect_rc 0 px card --dir a -o a2.card
expect_in a2.card "http://127.0.0.1:$HOOK_PORT/parley"
expect_in a2.card "+86 10 0000 0000"
expect_not_in a2.card "$SECRET"
expect_not_in a2.card webhook_secret
ok "the card lists the webhook and phone, never the webhook secret"

SUBJECT='测试通知：升级第二级 — parley notify test from cert-a.example, please confirm'
TEXT=$'值班同事您好：\n这是一条测试通知。\n.a line that starts with a dot\nEnd.\n'
printf '%s' "$TEXT" >text.txt
expect_rc 0 px notify test --dir a --contact duty --subject "$SUBJECT" --text "$TEXT" --json
cp "$OUT" test1.json
expect_json test1.json 'd["delivered"]' true
expect_json test1.json '[(n["channel"], n["status"]) for n in d["notifications"]]' \
	'[["email", "sent"], ["webhook", "sent"], ["phone", "manual"]]'
expect_json test1.json '[n["attempts"] for n in d["notifications"]]' '[1, 1, 0]'
expect_json test1.json 'd["notifications"][2]["address"]' "+86 10 0000 0000"

mail_to duty@cert-a.example mail1.json
expect_json mail1.json 'd["To"]' duty@cert-a.example
expect_json mail1.json 'd["From"]' parley@cert-a.example
expect_json mail1.json 'd["Subject"]' "$SUBJECT"
expect_json mail1.json 'd["body"] == open("text.txt", encoding="utf-8").read()' true
expect_json mail1.json 'd["raw_subject"].strip().startswith("=?UTF-8?B?")' true
expect_json mail1.json 'all(len(l) <= 76 for l in ("Subject:" + d["raw_subject"]).split("\n"))' true
expect_json mail1.json '"Content-Type: text/plain; charset=utf-8" in d["raw_head"]' true
expect_json mail1.json '"Content-Transfer-Encoding: 8bit" in d["raw_head"]' true
expect_json mail1.json 'd["MIME-Version"]' "1.0"
expect_json mail1.json 'bool(__import__("re").fullmatch(r"<[0-9a-f-]{36}@cert-a\.example>", d["Message-ID"]))' true
expect_json mail1.json 'bool(__import__("re").fullmatch(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000", d["Date"]))' true
expect_json mail1.json 'd["X-Parley-Notification"]' "$(json_get test1.json 'd["notifications"][0]["id"]')"
ok "e-mail: delivered to the relay with To, RFC 2047 subject, UTF-8 body, Date and Message-ID"

[ -f hooks/hook-1.json ] || fail "the webhook receiver got nothing"
expect_json hooks/hook-1.json 'd["why"]' ok
expect_json hooks/hook-1.json 'd["event"]' test
expect_json hooks/hook-1.json 'd["type"]' application/json
expect_json hooks/hook-1.json 'd["agent"].startswith("parley/")' true
expect_json hooks/hook-1.json '__import__("json").loads(d["body"])["type"]' test
expect_json hooks/hook-1.json '__import__("json").loads(d["body"])["contact"]' duty
expect_json hooks/hook-1.json '__import__("json").loads(d["body"])["node"]' cert-a.example
expect_json hooks/hook-1.json '__import__("json").loads(d["body"])["subject"]' "$SUBJECT"
expect_json hooks/hook-1.json '__import__("json").loads(d["body"])["text"] == open("text.txt", encoding="utf-8").read()' true
ok "webhook: a valid X-Parley-Signature over t.body, event test, the JSON body"

expect_rc 0 px notify list --dir a --status manual --json
expect_json "$OUT" '[(n["channel"], n["contact"], n["status"]) for n in d]' '[["phone", "duty", "manual"]]'
PHONE_ID=$(json_get "$OUT" 'd[0]["id"]')
expect_rc 5 px notify retry --dir a "$PHONE_ID"
expect_in "$ERR" "status manual"
EMAIL_ID=$(json_get test1.json 'd["notifications"][0]["id"]')
expect_rc 5 px notify retry --dir a "$EMAIL_ID"
expect_in "$ERR" "was sent at"
expect_rc 0 px notify list --dir a
expect_in "$OUT" "LAST ERROR"
expect_in "$OUT" "(+08:00)"
grep -qE "^$PHONE_ID +.* duty +phone +\+86 10 0000 0000 +manual +0 " "$OUT" ||
	fail "notify list should show the phone row: $(cat "$OUT")"
ok "phone: recorded as manual, not retryable; list shows local and UTC times"

# --- a wrong relay port, then fixed ----------------------------------------------
sed -i "s/^port = $SMTP_PORT\$/port = $DEAD_PORT/" a/parley.conf
expect_rc 1 px notify test --dir a --email late@example.org
expect_in "$OUT" "not delivered (attempt 1; next try"
expect_in "$ERR" "it stays queued"
expect_rc 0 px notify list --dir a --status pending --json
LATE=$(python3 -c 'import json,sys; print([n["id"] for n in json.load(open(sys.argv[1])) if n["address"] == "late@example.org"][0])' "$OUT")
expect_json "$OUT" "[n for n in d if n['id'] == $LATE][0]['attempts']" 1
expect_json "$OUT" "'127.0.0.1:$DEAD_PORT' in [n for n in d if n['id'] == $LATE][0]['last_error']" true
expect_json "$OUT" "'connect' in [n for n in d if n['id'] == $LATE][0]['last_error']" true
expect_json "$OUT" "[n for n in d if n['id'] == $LATE][0]['next'] is not None" true
ok "wrong relay port: pending, attempt 1, the error names the relay and the failure"

sed -i "s/^port = $DEAD_PORT\$/port = $SMTP_PORT/" a/parley.conf
# Not due yet (the first retry waits 30 s): run leaves it alone.
expect_rc 0 px notify run --dir a --json
expect_json "$OUT" "[n for n in d['notifications'] if n['id'] == $LATE]" '[]'
expect_rc 0 px notify retry --dir a "$LATE"
expect_in "$OUT" "is pending again"
expect_rc 0 px notify run --dir a --json
expect_json "$OUT" "[n['status'] for n in d['notifications'] if n['id'] == $LATE]" '["sent"]'
expect_json "$OUT" "[n['attempts'] for n in d['notifications'] if n['id'] == $LATE]" '[2]'
expect_json "$OUT" 'd["sent"] >= 1' true
mail_to late@example.org mail2.json
expect_json mail2.json 'd["Subject"]' "parley test notification from cert-a.example"
expect_json mail2.json '"If you read this, the channel works" in d["body"]' true
expect_rc 0 px notify list --dir a --json
expect_json "$OUT" "[n['last_error'] for n in d if n['id'] == $LATE]" '[null]'
ok "after fixing the port: notify retry + notify run deliver it"

# --- webhooks with a wrong and the right secret -----------------------------------
expect_rc 1 px notify test --dir a --webhook "http://127.0.0.1:$HOOK_PORT/x" --secret wrong
expect_in "$OUT" "answered HTTP 401"
expect_rc 0 px notify test --dir a --webhook "http://127.0.0.1:$HOOK_PORT/x" --secret "$SECRET"
expect_in "$OUT" "sent."
N=$(find hooks -name 'hook-*.json' | wc -l)
expect_json "hooks/hook-$N.json" 'd["why"]' ok
expect_json "hooks/hook-$((N - 1)).json" 'd["why"]' "bad signature"
expect_rc 1 px notify test --dir a --webhook "http://127.0.0.1:$DEAD_PORT/x"
expect_in "$OUT" "webhook http://127.0.0.1:$DEAD_PORT/x"
ok "webhook: a wrong secret is refused by the receiver (401), the right one accepted"

expect_rc 0 px notify list --dir a --limit 2 --json
expect_json "$OUT" 'len(d)' 2
expect_json "$OUT" 'd[0]["id"] > d[1]["id"]' true

finish
