#!/bin/bash
# People who sign in (issue 17, item 1, first part): a user account named
# after one of our contacts, a password (Argon2id) and a TOTP second
# factor; POST /api/v1/session gives a session token bound to that person
# (8 hours); every attempt is in the sign-in audit, which only an admin
# reads.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
trap live_cleanup EXIT
mkdir -p "$TMP/pids"

B=cert-us.example
PB=$(free_ports 1)
live_node b $B America/New_York $PB
add_people b us.example alice bob carol
printf 'correct horse battery\n' >pw
printf 'short\n' >short

expect_rc 0 px user add --dir b alice --role duty --json <pw
SECRET=$(json_get "$OUT" 'd["totp_secret"]')
[ ${#SECRET} = 32 ] || fail "a 20-byte secret is 32 base32 characters: $SECRET"
expect_json "$OUT" 'd["otpauth"]' "otpauth://totp/parley%20$B:alice?secret=$SECRET&issuer=parley%20$B"
expect_rc 5 px user add --dir b alice --role duty <pw
expect_in "$ERR" "a user named 'alice' exists already"
expect_rc 4 px user add --dir b mallory --role duty <pw
expect_in "$ERR" "'mallory' is not one of this node's people"
expect_rc 3 px user add --dir b bob --role duty <short
expect_in "$ERR" "a password is 8 to 1024 bytes (this one has 5)"
expect_rc 3 px user add --dir b bob --role boss <pw
expect_rc 0 px user list --dir b --json
expect_json "$OUT" '[[u["user"], u["detail"]] for u in d]' '[["alice", "duty"]]'
# The password is stored as an Argon2id hash, never as written.
sqlite3 b/parley.db "SELECT pwhash FROM users" >pwhash
expect_in pwhash '$argon2id$'
sqlite3 b/parley.db .dump >b.sql
expect_not_in b.sql "correct horse"
ok "user add: named after a contact, password hashed, TOTP secret shown once"

expect_rc 0 px token create --dir b --role admin --name root
TADM=$(cat "$OUT")
expect_rc 0 px token create --dir b --role viewer --name v
TV=$(cat "$OUT")
serve b
code() { # the code of SECRET now, or N steps ago; or of secret $2 at step $3
	if [ -n "${3:-}" ]; then
		totp_code "$2" "$3"
	else
		totp_code "${2:-$SECRET}" $(($(date +%s) / 30 - ${1:-0}))
	fi
}
C=$(code)
# Every refusal is the same 401 with the same detail, whatever was wrong:
# the answer never tells that the password was right (docs/desk.md).
REFUSED="wrong user name, password or one-time code (or the device's clock is off by more than 30 seconds)"
refused() {
	want_code 401
	expect_json "$OUT" '[d["type"], d["detail"]]' "[\"urn:parley:problem:signin\", \"$REFUSED\"]"
}
call b "" POST /api/v1/session "{\"user\":\"alice\",\"password\":\"wrong password\",\"code\":\"$C\"}"
refused
call b "" POST /api/v1/session "{\"user\":\"nobody\",\"password\":\"correct horse battery\",\"code\":\"$C\"}"
refused
call b "" POST /api/v1/session '{"user":"alice","password":"correct horse battery","code":"12345"}'
refused
call b "" POST /api/v1/session "{\"user\":\"alice\",\"password\":\"correct horse battery\",\"code\":\"$(code 5)\"}"
refused
# A body without a code is malformed whatever the password: 422 before
# anything secret is looked at, and not an attempt.
call b "" POST /api/v1/session '{"user":"alice","password":"correct horse battery"}'
want_code 422
expect_in "$OUT" "member 'code' is missing or not a string"
call b "" POST /api/v1/session '{"user":"alice","password":"wrong password"}'
want_code 422
expect_in "$OUT" "member 'code' is missing or not a string"
call b "" POST /api/v1/session "{\"user\":\"alice\",\"password\":\"correct horse battery\",\"code\":\"$C\"}"
want_code 201
expect_json "$OUT" '[d["person"], d["role"], d["token"][:4]]' '["alice", "duty", "pxs_"]'
S=$(json_get "$OUT" 'd["token"]')
# The same code twice is a replay.
call b "" POST /api/v1/session "{\"user\":\"alice\",\"password\":\"correct horse battery\",\"code\":\"$C\"}"
refused
ok "sign-in needs the password and a fresh one-time code"

# The session acts as alice: /me says so, and the desk knows her.
call b "$S" GET /api/v1/me
want_code 200
expect_json "$OUT" '[d["token"], d["person"], d["role"]]' '["alice", "alice", "duty"]'
expect_eq "session lifetime (ms)" 28800000 \
	"$(sqlite3 b/parley.db 'SELECT expires_ms - created_ms FROM sessions')"
call b "pxs_0000" GET /api/v1/me
want_code 401
ok "a session is a bearer token bound to its person, for 8 hours"

# The audit: every attempt, newest first; an admin's to read.
call b "$TV" GET /api/v1/signins
want_code 403
call b "$TADM" GET /api/v1/signins
want_code 200
expect_json "$OUT" '[[x["user"], x["ok"]] for x in d]' \
	'[["alice", false], ["alice", true], ["alice", false], ["alice", false], ["nobody", false], ["alice", false]]'
# The audit keeps the true reasons, for the admin.
expect_json "$OUT" '[x["detail"] for x in d]' \
	"[\"this one-time code was used already; wait for the next one\", \"ok\", \"the one-time code is wrong (or the device's clock is off by more than 30 seconds)\", \"the one-time code is six digits from the authenticator app\", \"unknown user\", \"wrong password\"]"
expect_rc 0 px user signins --dir b --json
expect_json "$OUT" 'len(d)' 6
ok "the sign-in audit lists every attempt and why it failed"

# Bob's password change and sign-out.  He needs three fresh one-time
# codes, the previous, current and next step (the node takes one step
# either side, each once): start early enough in a step to use them all.
expect_rc 0 px user add --dir b bob --role analyst --json <pw
SB=$(json_get "$OUT" 'd["totp_secret"]')
while (($(date +%s) % 30 > 12)); do sleep 1; done
ST=$(($(date +%s) / 30))
signin_bob() { # PASSWORD STEP
	call b "" POST /api/v1/session "{\"user\":\"bob\",\"password\":\"$1\",\"code\":\"$(code 0 "$SB" "$2")\"}"
}
signin_bob "correct horse battery" $((ST - 1))
want_code 201
S1=$(json_get "$OUT" 'd["token"]')
signin_bob "correct horse battery" "$ST"
want_code 201
S2=$(json_get "$OUT" 'd["token"]')
call b "$S1" GET /api/v1/me
expect_json "$OUT" '[d["person"], d["session"]]' '["bob", true]'
call b "$TADM" GET /api/v1/me
expect_json "$OUT" 'd["session"]' false
NEXT=$(code 0 "$SB" $((ST + 1)))
call b "$S1" PUT /api/v1/me/password "{\"old\":\"wrong password\",\"new\":\"battery staple horse\",\"code\":\"$NEXT\"}"
want_code 422
expect_in "$OUT" "$REFUSED"
call b "$S1" PUT /api/v1/me/password "{\"old\":\"correct horse battery\",\"new\":\"short\",\"code\":\"$NEXT\"}"
want_code 422
expect_in "$OUT" "a password is 8 to 1024 bytes (this one has 5)"
call b "$S1" PUT /api/v1/me/password "{\"old\":\"correct horse battery\",\"new\":\"battery staple horse\",\"code\":\"$(code 0 "$SB" "$ST")\"}"
want_code 422
expect_in "$OUT" "$REFUSED"
call b "$TADM" PUT /api/v1/me/password "{\"old\":\"correct horse battery\",\"new\":\"battery staple horse\",\"code\":\"$NEXT\"}"
want_code 404
expect_in "$OUT" "only a person signed in with their password may change it"
call b "$S1" PUT /api/v1/me/password "{\"old\":\"correct horse battery\",\"new\":\"battery staple horse\",\"code\":\"$NEXT\"}"
want_code 204
# The old password is refused; the new one passes (only its code, used
# already, is refused now).
signin_bob "correct horse battery" $((ST + 1))
refused
signin_bob "battery staple horse" $((ST + 1))
refused
# The change ended bob's other session, not the one that made it.
call b "$S2" GET /api/v1/me
want_code 401
call b "$S1" GET /api/v1/me
want_code 200
ok "a person changes their password with the old one and a fresh code; their other sessions end"

# Signing out ends the session on the node at once; an API token is not
# a session to end.
call b "$S1" DELETE /api/v1/session
want_code 204
call b "$S1" GET /api/v1/me
want_code 401
call b "$TADM" DELETE /api/v1/session
want_code 404
expect_in "$OUT" "not a session"
call b "$TADM" GET /api/v1/me
want_code 200
expect_rc 0 px user signins --dir b --json
expect_json "$OUT" '[x["detail"] for x in d if x["user"] == "bob"]' \
	'["this one-time code was used already; wait for the next one", "wrong password", "password changed", "password change refused: this one-time code was used already; wait for the next one", "password change refused: wrong password", "ok", "ok"]'
call b "$TADM" GET /api/v1/signins
expect_json "$OUT" '[x["ok"] for x in d if x["user"] == "bob"]' '[false, false, true, false, false, true, true]'
ok "sign-out ends a session at once; password changes are in the audit"

# Throttling: five failures in a row lock the name; then every attempt,
# even with the right password and code, is 429 with Retry-After, saying
# nothing of the password; a success before the fifth ends the streak.
expect_rc 0 px user add --dir b carol --role viewer --json <pw
SC=$(json_get "$OUT" 'd["totp_secret"]')
signin_carol() {
	call b "" POST /api/v1/session "{\"user\":\"carol\",\"password\":\"$1\",\"code\":\"$(code 0 "$SC")\"}"
}
for _ in 1 2 3 4; do
	signin_carol "wrong password"
	refused
done
signin_carol "correct horse battery"
want_code 201
for _ in 1 2 3 4; do
	signin_carol "wrong password"
	refused
done
expect_eq "consecutive failures since carol's success" 4 \
	"$(sqlite3 b/parley.db "SELECT count(*) FROM signins WHERE name = 'carol' AND ok = 0 AND rowid > (SELECT max(rowid) FROM signins WHERE name = 'carol' AND ok = 1)")"
signin_carol "wrong password"
refused
locked() {
	want_code 429
	expect_json "$OUT" '[d["type"], d["detail"][:50]]' '["urn:parley:problem:locked", "too many failed sign-ins for this user: try again "]'
}
signin_carol "wrong password"
locked
R1=$OUT
signin_carol "correct horse battery"
locked
expect_eq "the lock's answer does not depend on the password" \
	"$(json_get "$R1" 'd["detail"][:50]')" "$(json_get "$OUT" 'd["detail"][:50]')"
curl -sk -D hdr -o /dev/null -H "Content-Type: application/json" --data-binary \
	"{\"user\":\"carol\",\"password\":\"correct horse battery\",\"code\":\"$(code 0 "$SC")\"}" "$(url b)/api/v1/session"
grep -qiE '^Retry-After: ([1-9]|[12][0-9]|30)\s*$' hdr || fail "no Retry-After of 1..30 s: $(cat hdr)"
# An unknown name is locked the same way: the lock does not tell who exists.
for _ in 1 2 3 4 5; do
	call b "" POST /api/v1/session "{\"user\":\"mallory\",\"password\":\"x\",\"code\":\"$(code)\"}"
	refused
done
call b "" POST /api/v1/session "{\"user\":\"mallory\",\"password\":\"x\",\"code\":\"$(code)\"}"
locked
expect_rc 0 px user signins --dir b --json
expect_json "$OUT" '[x["detail"] for x in d if x["user"] == "carol"][:4]' \
	'["refused unchecked: too many failed sign-ins", "refused unchecked: too many failed sign-ins", "refused unchecked: too many failed sign-ins", "wrong password"]'
ok "five failures in a row lock a name (known or not) with 429 and Retry-After; a success ends the streak"
finish
