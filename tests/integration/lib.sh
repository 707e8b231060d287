# Shared helpers for the integration tests (tests/integration/t_*.sh).
#
# ctest runs each test as `bash FILE` with PARLEY (the binary under test)
# and PX_SOURCE_DIR (the repository root) in the environment.  A test
# sources this file, then drives the binary in a private temporary
# directory that is removed when the test exits, whatever the outcome.
#
# Helpers:
#   fail MSG...                 print MSG (and the last command's output) and exit 1
#   expect_rc N CMD...          run CMD, stdout to $OUT, stderr to $ERR; exit code must be N
#   expect_eq WHAT WANT GOT     string equality
#   expect_in FILE TEXT         FILE contains TEXT (fixed string)
#   expect_not_in FILE TEXT     FILE does not contain TEXT
#   json_get FILE PY_EXPR       evaluate PY_EXPR with `d` bound to FILE's JSON;
#                               strings print bare, everything else as JSON
#   expect_json FILE PY_EXPR WANT
#   px ARGS...                  the binary, shorthand for "$PARLEY" ARGS...
#   at TIME                     set PARLEY_FAKE_NOW (RFC 3339) for what follows
#   mknode DIR NAME ZONE [LANGS]    parley init + card DIR.card
#   enrol DIR1 DIR2             pin each node's card at the other
#   hop FROM TO TONAME FROMNAME FILE  export FROM's outbox for TO, import at TO,
#                               import the receipts back at FROM
#   refusal_only FILE SEQ       FILE is a reply with no receipt and a signed refusal of SEQ
#   agree FROM TO FROMNAME TONAME KEY=VALUE...  FROM proposes a new agreement
#                               version with those settings, TO accepts it (both
#                               hops over files); sets $AGREED to the version
#   expect_state DIR ID WANT    the case's state as DIR sees it (case show --json)
#   show_json DIR ID FILE       case show --json into FILE
#   shared_view FILE...         strip from case views what is each node's own
#                               (our_role, actions, related, internal_notes,
#                               messages[].log_index)
#   ok MSG                      print a progress line
#   soft FUNC ARGS...           run FUNC in a subshell: a failure in it is
#                               reported and counted but does not stop the test
#   finish                      exit 1 if any soft check failed, else print PASS

set -u
set -o pipefail

: "${PARLEY:?PARLEY must name the parley binary (ctest sets it)}"
case $PARLEY in
/*) ;;
*) PARLEY=$PWD/$PARLEY ;;
esac
[ -x "$PARLEY" ] || { echo "FAIL: $PARLEY is not executable" >&2; exit 1; }
command -v python3 >/dev/null || { echo "FAIL: python3 is required" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/parley-it.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1
OUT=$TMP/.stdout
ERR=$TMP/.stderr
: >"$OUT"
: >"$ERR"
unset PARLEY_DIR PARLEY_FAKE_NOW
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
LAST_CMD=

_show_last() {
	if [ -n "$LAST_CMD" ]; then
		printf '  last command: %s\n' "$LAST_CMD" >&2
		printf '  --- stdout ---\n' >&2
		head -c 4000 "$OUT" | sed 's/^/  | /' >&2
		printf '  --- stderr ---\n' >&2
		head -c 4000 "$ERR" | sed 's/^/  | /' >&2
	fi
}

# The line of the test script that led to the failure.
_where() {
	local i
	for ((i = 0; i < ${#BASH_LINENO[@]} - 1; i++)); do
		if [ "${BASH_SOURCE[i + 1]}" = "$0" ]; then
			printf '%s:%s' "${0##*/}" "${BASH_LINENO[i]}"
			return
		fi
	done
	printf '%s' "${0##*/}"
}

fail() {
	printf 'FAIL (%s): %s\n' "$(_where)" "$*" >&2
	_show_last
	exit 1
}

ok() {
	printf 'ok - %s\n' "$*"
}

px() {
	"$PARLEY" "$@"
}

at() {
	export PARLEY_FAKE_NOW=$1
}

# expect_rc N CMD...: runs CMD capturing its output; the exit code must be N
# and the sanitizers must have stayed quiet.
expect_rc() {
	local want=$1 got
	shift
	LAST_CMD="$*"
	"$@" >"$OUT" 2>"$ERR"
	got=$?
	if grep -qE 'runtime error:|AddressSanitizer|LeakSanitizer' "$ERR"; then
		fail "sanitizer report from: $*"
	fi
	if [ "$got" != "$want" ]; then
		fail "exit code of '$*': expected $want, got $got"
	fi
}

expect_eq() {
	if [ "$2" != "$3" ]; then
		fail "$1: expected [$2], got [$3]"
	fi
}

expect_in() {
	grep -qF -- "$2" "$1" || fail "expected $1 to contain [$2]; it holds: $(head -c 2000 "$1")"
}

expect_not_in() {
	if grep -qF -- "$2" "$1"; then
		fail "expected $1 not to contain [$2]; it holds: $(head -c 2000 "$1")"
	fi
}

json_get() {
	python3 -c '
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
v = eval(sys.argv[2], {"d": d, "len": len, "sorted": sorted, "sum": sum,
                       "set": set, "list": list, "any": any, "all": all})
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
' "$1" "$2" || fail "json_get $1 '$2': not JSON or the expression failed"
}

# feed_event DIR HOST OUT: the stored JSON of the newest feed event of
# node DIR about HOST (empty: any), read through `parley feed events`
# (events live in compressed packs, not in rows).
feed_event() {
	px feed events --dir "$1" --json --limit 1 ${2:+--host "$2"} >"$TMP/feed_event.json" ||
		fail "reading the feed event about '$2'"
	json_get "$TMP/feed_event.json" 'd[0]["event"]' >"$3" || fail "no feed event about '$2'"
}

expect_json() {
	local got
	got=$(json_get "$1" "$2") || exit 1
	expect_eq "$1: $2" "$3" "$got"
}

# is_json FILE: FILE parses as one JSON document.
is_json() {
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null
}

mknode() {
	local dir=$1 name=$2 zone=$3 langs=${4:-en}
	expect_rc 0 px init --dir "$dir" --name "$name" --timezone "$zone" --languages "$langs"
	expect_rc 0 px card --dir "$dir" -o "$dir.card"
}

enrol() {
	expect_rc 0 px peer add --dir "$1" "$2.card"
	expect_rc 0 px peer add --dir "$2" "$1.card"
}

# hop FROM TO TONAME FROMNAME FILE: carry FROM's outbox to TO and TO's
# receipts back.  Leaves the import report of TO in $TMP/FILE.import.json.
hop() {
	local from=$1 to=$2 toname=$3 fromname=$4 file=$5
	expect_rc 0 px outbox export --dir "$from" --peer "$toname" -o "$file"
	expect_rc 0 px inbox import --dir "$to" --json "$file"
	cp "$OUT" "$file.import.json"
	expect_json "$file.import.json" 'd["refused"]' 0
	expect_json "$file.import.json" 'd["peer"]' "$fromname"
	expect_rc 0 px inbox import --dir "$from" --json "$file.receipts"
	cp "$OUT" "$file.receipts.import.json"
	expect_json "$file.receipts.import.json" 'd["refused"]' 0
}

# refusal_only FILE SEQ: FILE is a reply bundle that gives no receipt and
# carries the importer's signed refusal of seq SEQ (0: the whole bundle),
# so the sender learns where its channel is held up (docs/channel.md).
refusal_only() {
	[ -e "$1" ] || fail "no reply $1 carrying the refusal"
	expect_json "$1" 'len(d["bundle"]["receipts"])' 0
	expect_json "$1" 'd["bundle"]["refusal"]["seq"]' "$2"
}

# agree FROM TO FROMNAME TONAME KEY=VALUE...: FROM proposes the settings
# as a new version of the agreement, TO accepts it, and the acceptance is
# carried back: both nodes then hold it in force.  $AGREED is the version.
agree() {
	local from=$1 to=$2 fromname=$3 toname=$4 kv args=()
	shift 4
	for kv in "$@"; do args+=(--set "$kv"); done
	expect_rc 0 px peer agreement --dir "$from" "$toname" --json "${args[@]}"
	AGREED=$(json_get "$OUT" 'd["sent"]["version"]')
	hop "$from" "$to" "$toname" "$fromname" "agree-$AGREED-p.bundle"
	expect_rc 0 px peer agreement --dir "$to" "$fromname" --json --accept "$AGREED"
	expect_json "$OUT" 'd["version"]' "$AGREED"
	hop "$to" "$from" "$fromname" "$toname" "agree-$AGREED-a.bundle"
	expect_rc 0 px peer agreement --dir "$from" "$toname" --json
	expect_json "$OUT" 'd["version"]' "$AGREED"
}

# review_without DIR PEER STRING...: DIR's review report of its exchange
# with PEER (all time) holds none of the strings, nor the EXERCISE mark:
# an exercise never enters it (docs/exercises.md "Marking").
review_without() {
	local dir=$1 peer=$2 s
	shift 2
	expect_rc 0 px report --dir "$dir" --peer "$peer" --from 2020-01-01 --to 2100-01-01 -o "review-$dir.json"
	for s in "$@" EXERCISE; do
		expect_not_in "review-$dir.json" "$s"
	done
}

# expect_state DIR ID WANT: the case's state as DIR sees it.
expect_state() {
	expect_rc 0 px case show --dir "$1" --json "$2"
	expect_json "$OUT" 'd["state"]' "$3"
}

# show_json DIR ID FILE: case show --json into FILE.
show_json() {
	expect_rc 0 px case show --dir "$1" --json "$2"
	cp "$OUT" "$3"
}

# shared_view FILE...: rewrite each case view (case show --json) without
# the members that are the viewing node's own (our_role, actions, each
# message's log_index), leaving the record both parties must agree on.
shared_view() {
	python3 - "$@" <<'PYEOF' || fail "shared_view $*: not a case view"
import json, sys
for f in sys.argv[1:]:
    with open(f, encoding="utf-8") as fh:
        d = json.load(fh)
    for k in ("our_role", "actions", "related", "internal_notes", "desk"):
        d.pop(k)
    for m in d["messages"]:
        m.pop("log_index")
    # Each node's own view of an evidence item (docs/evidence.md).
    for e in d.get("evidence", []):
        for k in ("state", "local", "progress"):
            e.pop(k, None)
    with open(f, "w", encoding="utf-8") as fh:
        json.dump(d, fh, sort_keys=True, indent=2, ensure_ascii=False)
PYEOF
}

SOFT_FAILS=0

# soft FUNC ARGS...: independent checks that should all run even when one of
# them fails (each is reported; `finish` turns any failure into exit 1).
soft() {
	( "$@" ) || SOFT_FAILS=$((SOFT_FAILS + 1))
}

finish() {
	if [ "$SOFT_FAILS" -ne 0 ]; then
		printf 'FAIL %s: %d check(s) failed (see above)\n' "${0##*/}" "$SOFT_FAILS" >&2
		exit 1
	fi
	printf 'PASS %s\n' "${0##*/}"
}

# record_dump DB OUT: the conversation as stored (messages, receipts, cases,
# this node's own log and the peer entries it holds proofs for), without
# the witness record (peer checkpoints, cosignatures, alerts), which a
# refused bundle legitimately extends: every checkpoint shown is kept.
# The cases' due_ms is left out: it is the scheduler's own bookkeeping (when
# to look next), which a serving node updates by itself every tick.
record_dump() {
	{
		for t in messages receipts log_entries log_nodes \
		    log_checkpoints entry_proofs; do
			sqlite3 "$1" ".dump $t"
		done
		sqlite3 "$1" "SELECT id, peer, requester, responder, kind, category,
		    priority, tlp, title, state, opened_ms, updated_ms, contact
		    FROM cases ORDER BY id"
	} >"$2" || fail "sqlite3 .dump of $1 failed"
}

# Live nodes (t_live*.sh): DIR.port holds the node's port, $TMP/pids/DIR
# the PID of its `parley serve` (the test's EXIT trap stops them).
url() { printf 'https://127.0.0.1:%s' "$(cat "$1.port")"; }

healthy() {
	[ "$(curl -sk --max-time 3 -o /dev/null -w '%{http_code}' "$(url "$1")/healthz")" = 200 ]
}

# serve DIR: start `parley serve` for DIR (output appended to DIR.log) and
# wait until /healthz answers.
serve() {
	local dir=$1 pid end=$((SECONDS + 30))
	mkdir -p "$TMP/pids"
	"$PARLEY" serve --dir "$dir" >>"$dir.log" 2>&1 &
	pid=$!
	echo $pid >"$TMP/pids/$dir"
	until healthy "$dir"; do
		kill -0 $pid 2>/dev/null ||
			fail "parley serve --dir $dir exited at start: $(tail -20 "$dir.log")"
		[ $SECONDS -ge $end ] && fail "parley serve --dir $dir not healthy after 30 s"
		sleep 0.1
	done
}

# free_ports N: N distinct free loopback ports, one per line (held open
# together while chosen, so they differ).
free_ports() {
	python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])
EOF
}

# --- live helpers shared by the serving tests -----------------------------
# no_sanitizer LOG: fails if LOG holds a sanitizer's report.
no_sanitizer() {
	if grep -qE 'runtime error:|AddressSanitizer|LeakSanitizer' "$1"; then
		fail "sanitizer report in $1: $(grep -m1 -A20 -E 'runtime error:|Sanitizer' "$1")"
	fi
}

# stop_node DIR [MAXSECS]: SIGTERM to DIR's `parley serve`; it must exit 0
# within MAXSECS (15) with quiet sanitizers.  Sets STOP_MS to how long it
# took.
STOP_MS=0
stop_node() {
	local dir=$1 max=${2:-15} pid rc t0
	pid=$(cat "$TMP/pids/$dir")
	t0=$(date +%s%N)
	kill -TERM "$pid"
	while kill -0 "$pid" 2>/dev/null; do
		if [ $((($(date +%s%N) - t0) / 1000000)) -gt $((max * 1000)) ]; then
			fail "parley serve --dir $dir still running ${max}s after SIGTERM"
		fi
		sleep 0.05
	done
	STOP_MS=$((($(date +%s%N) - t0) / 1000000))
	wait "$pid"
	rc=$?
	rm -f "$TMP/pids/$dir"
	no_sanitizer "$dir.log"
	[ $rc = 0 ] || fail "parley serve --dir $dir exited $rc after SIGTERM: $(tail -20 "$dir.log")"
}

# live_cleanup: stop every process whose PID is in $TMP/pids (TERM, then
# KILL after 10 s), then remove $TMP.  Install with `trap live_cleanup EXIT`.
live_cleanup() {
	local f i alive
	for f in "$TMP"/pids/*; do
		[ -e "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null
	done
	for ((i = 0; i < 100; i++)); do
		alive=0
		for f in "$TMP"/pids/*; do
			[ -e "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && alive=1
		done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for f in "$TMP"/pids/*; do
		[ -e "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
	done
	cd / && rm -rf "$TMP"
}

# browser_ready NAME: checks that the console's browser tests can run
# (node, Debian's chromium, tests/e2e's npm packages), sets E2E to
# tests/e2e and ART to build-test/artifacts/NAME (screenshots), and
# stops live nodes when the test exits.
browser_ready() {
	E2E="$PX_SOURCE_DIR/tests/e2e"
	command -v node >/dev/null || fail "node is required (scripts/deps.sh --e2e installs it)"
	[ -x /usr/bin/chromium ] || fail "Debian's chromium is required (scripts/deps.sh --e2e installs it)"
	[ -d "$E2E/node_modules/playwright-core" ] ||
		fail "tests/e2e/node_modules is missing: run scripts/deps.sh --e2e (make test does)"
	ART="$(cd "$(dirname "$PARLEY")" && pwd)/artifacts/$1"
	trap live_cleanup EXIT
	mkdir -p "$TMP/pids"
}

# live_pair ROLE: nodes a (A = cert-beijing.example, Asia/Shanghai,
# "zh, en") and b (B = cert-washington.example, America/New_York) on free
# ports, enrolled with each other, with a ROLE token at each (TA "alice",
# TB "bob"); not started.
live_pair() {
	A=cert-beijing.example
	B=cert-washington.example
	read -r PA PB < <(free_ports 2 | tr '\n' ' ')
	live_node a $A Asia/Shanghai $PA "zh, en"
	live_node b $B America/New_York $PB
	for d in a b; do expect_rc 0 px card --dir $d -o $d.card; done
	enrol a b
	expect_rc 0 px token create --dir a --role "$1" --name alice
	TA=$(cat "$OUT")
	expect_rc 0 px token create --dir b --role "$1" --name bob
	TB=$(cat "$OUT")
}

# live_node DIR NAME ZONE PORT [LANGS]: a node that serves on PORT.
live_node() {
	expect_rc 0 px init --dir "$1" --name "$2" --timezone "$3" \
		--languages "${5:-en}" --url "https://127.0.0.1:$4" \
		--listen "127.0.0.1:$4"
	echo "$4" >"$1.port"
}

# call DIR TOKEN METHOD PATH [BODY]: the analyst API; body to $OUT, status
# in $CODE.
call() {
	local args=(-sk --max-time 30 -o "$OUT" -w '%{http_code}' -X "$3")
	[ -n "$2" ] && args+=(-H "Authorization: Bearer $2")
	[ $# -ge 5 ] && args+=(-H "Content-Type: application/json" -H 'Expect:' --data-binary "$5")
	CODE=$(curl "${args[@]}" "$(url "$1")$4") || CODE="curl-failed-$?"
}

# want_code N: the last call answered N.
want_code() {
	[ "$CODE" = "$1" ] || fail "expected HTTP $1, got $CODE: $(head -c 600 "$OUT")"
}

# wait_for SECS DESC CMD...: CMD every 0.5 s until it succeeds; fail after SECS.
wait_for() {
	local secs=$1 desc=$2 end
	shift 2
	end=$((SECONDS + secs))
	until "$@"; do
		[ $SECONDS -ge $end ] && fail "timed out after ${secs}s waiting until $desc"
		sleep 0.5
	done
}

# smtp_start PORT: a real SMTP server (Debian's aiosmtpd, which lives in
# the system python, not necessarily the first python3 on PATH) on
# 127.0.0.1:PORT that files every message in the maildir $TMP/mail.
smtp_start() {
	local py pysmtp=
	for py in python3 /usr/bin/python3; do
		"$py" -c 'import aiosmtpd' 2>/dev/null && { pysmtp=$py; break; }
	done
	[ -n "$pysmtp" ] || fail "python3-aiosmtpd is required (scripts/deps.sh installs it)"
	mkdir -p "$TMP/pids"
	"$pysmtp" -m aiosmtpd -n -l "127.0.0.1:$1" -c aiosmtpd.handlers.Mailbox \
		"$TMP/mail" >smtp.log 2>&1 &
	echo $! >"$TMP/pids/smtp"
	wait_for 10 "the SMTP server listens" _listening "$1"
}
_listening() { python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 1)" 2>/dev/null; }

# add_people DIR DOMAIN ID...: one of DIR's people per ID, a [contact "ID"]
# (technical) reached at ID@DOMAIN, appended to DIR's parley.conf.
add_people() {
	local dir=$1 dom=$2 id
	shift 2
	for id in "$@"; do
		printf '\n[contact "%s"]\nrole = technical\nname = %s\nemail = %s@%s\n' \
			"$id" "${id^}" "$id" "$dom" >>"$dir/parley.conf"
	done
}

# totp_code SECRET [STEP]: the six-digit TOTP code (RFC 6238, HMAC-SHA-1,
# 30 s) of the base32 SECRET now, or at time step STEP.
totp_code() {
	python3 - "$1" "${2:-}" <<'PYEOF'
import base64, hashlib, hmac, struct, sys, time
key = base64.b32decode(sys.argv[1])
step = int(sys.argv[2]) if sys.argv[2] else int(time.time()) // 30
h = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))
PYEOF
}

# smtp_use DIR PORT: DIR's node sends its mail through 127.0.0.1:PORT
# (parley init wrote an empty [smtp]).
smtp_use() {
	sed -i "s/^host =\$/host = 127.0.0.1/; s/^#port = 25\$/port = $2/" "$1/parley.conf"
	grep -q "^port = $2" "$1/parley.conf" || fail "could not set [smtp] in $1/parley.conf"
}

# hotline_caps DIR CASE: the rules that held CASE by a cap, as DIR's
# hotline status says (docs/deadlines.md "Caps").
hotline_caps() {
	expect_rc 0 px hotline status --dir "$1" --json "$2"
	json_get "$OUT" '[c["rule"] for c in d[0]["capped"]]'
}

# compile_each CMDS WHAT: runs each line of CMDS ("DIR<TAB>COMMAND", as
# t_clang and t_release_warnings write them from compile_commands.json),
# two at a time (the machine has two cores), and fails naming WHAT and
# the first errors if any command reports one.  At least 100 lines.
compile_each() {
	local n errs="$TMP/compile-errs"
	n=$(wc -l <"$1")
	[ "$n" -gt 100 ] || fail "only $n sources in the compile database"
	: >"$errs"
	while IFS=$'\t' read -r dir cmd; do
		printf '%s\0' "cd $(printf %q "$dir") && $cmd"
	done <"$1" |
		xargs -0 -P 2 -I{} bash -c '{} 2>&1' >>"$errs" || true
	if grep -q "error:" "$errs"; then
		grep -B2 -A3 "error:" "$errs" | head -40 >&2
		fail "$2 refuses $(grep -c 'error:' "$errs") place(s) the test build accepts (see above)"
	fi
	COMPILED=$n
}
