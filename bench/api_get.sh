#!/usr/bin/env bash
# Analyst API read throughput over TLS keep-alive, beside its floor.
#
# Starts one node serving on a free loopback port (the release build), makes
# a viewer token and a few cases (to a second node that is enrolled but not
# serving: nothing is delivered, the cases just exist), then runs
#     wrk -t2 -c16 -d10s -H "Authorization: Bearer <token>"
# against GET /api/v1/cases/{id} (rotating over the cases), and the same
# against GET /healthz, which does no store work: the floor of the HTTPS
# server itself, measured on the same server in the same run.
# DESIGN.md target: >= 20,000 GET requests/s.
#
# Usage: bench/api_get.sh   (PARLEY=path/to/parley, default build/parley;
# WRK_DURATION, default 10s).  Needs wrk (scripts/deps.sh --bench).
set -u
set -o pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
PARLEY=${PARLEY:-$root/build/parley}
case $PARLEY in /*) ;; *) PARLEY=$PWD/$PARLEY ;; esac
DURATION=${WRK_DURATION:-10s}
[ -x "$PARLEY" ] || { echo "api_get: no parley binary at $PARLEY (set PARLEY)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "api_get: wrk is missing (scripts/deps.sh --bench)" >&2; exit 1; }
command -v curl >/dev/null || { echo "api_get: curl is missing" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/px-api-get.XXXXXX") || exit 1
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() {
	echo "api_get: $*" >&2
	[ -f "$tmp/a.log" ] && tail -20 "$tmp/a.log" >&2
	exit 1
}

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
	die "cannot pick a port"
A=cert-beijing.example
B=cert-washington.example
cd "$tmp" || exit 1
"$PARLEY" init --dir a --name $A --url "https://127.0.0.1:$port" \
	--listen "127.0.0.1:$port" >/dev/null 2>&1 || die "init a failed"
"$PARLEY" init --dir b --name $B >/dev/null 2>&1 || die "init b failed"
"$PARLEY" card --dir b -o b.card >/dev/null 2>&1 || die "card b failed"
"$PARLEY" peer add --dir a b.card >/dev/null 2>&1 || die "peer add failed"
token=$("$PARLEY" token create --dir a --role viewer 2>/dev/null) || die "token create failed"
ids=()
for i in 1 2 3 4 5 6 7 8; do
	id=$("$PARLEY" case new --dir a --to $B --kind request --category botnet \
		--priority P2 --tlp amber --title "Case $i" --text "Benchmark case $i" \
		--observable "ip:203.0.113.$i" 2>/dev/null) || die "case new failed"
	ids+=("$id")
done

"$PARLEY" serve --dir a >a.log 2>&1 &
pid=$!
for _ in $(seq 1 150); do
	[ "$(curl -sk --max-time 2 -o /dev/null -w '%{http_code}' "https://127.0.0.1:$port/healthz")" = 200 ] && break
	kill -0 "$pid" 2>/dev/null || die "parley serve exited"
	sleep 0.1
done
code=$(curl -sk --max-time 5 -o case.json -w '%{http_code}' -H "Authorization: Bearer $token" \
	"https://127.0.0.1:$port/api/v1/cases/${ids[0]}")
[ "$code" = 200 ] || die "GET /api/v1/cases/{id} answered $code: $(head -c 300 case.json)"

# Requests rotate over the cases; wrk.format adds the -H headers.
{
	printf 'local ids = {'
	printf '"%s",' "${ids[@]}"
	printf '}\nlocal i = 0\n'
	printf 'request = function()\n  i = i + 1\n'
	printf '  return wrk.format("GET", "/api/v1/cases/" .. ids[i %% #ids + 1])\nend\n'
} >rotate.lua

# run_wrk NAME ARGS...: runs wrk, prints nothing; leaves NAME.out.
run_wrk() {
	local name=$1
	shift
	timeout 120 wrk -t2 -c16 -d"$DURATION" --latency "$@" >"$name.out" 2>&1 ||
		die "wrk ($name) failed: $(cat "$name.out")"
	if grep -q 'Non-2xx or 3xx responses' "$name.out"; then
		die "wrk ($name) got error answers: $(grep 'Non-2xx' "$name.out")"
	fi
	grep -q '^Requests/sec:' "$name.out" || die "wrk ($name) printed no rate: $(cat "$name.out")"
}
field() { awk -v k="$2" '$1 == k { print $2 }' "$1.out"; }

run_wrk floor "https://127.0.0.1:$port/healthz"
run_wrk api -H "Authorization: Bearer $token" -s rotate.lua "https://127.0.0.1:$port/api/v1/cases"

floor=$(awk '/^Requests\/sec:/ { print $2 }' floor.out)
api=$(awk '/^Requests\/sec:/ { print $2 }' api.out)
pct=$(awk -v a="$api" -v f="$floor" 'BEGIN { printf "%.0f", 100 * a / f }')
echo "api_get: wrk -t2 -c16 -d$DURATION over TLS keep-alive, one node ($PARLEY)"
printf '  floor  GET /healthz (no store work)           %10.0f req/s   p50 %s  p99 %s\n' \
	"$floor" "$(field floor 50%)" "$(field floor 99%)"
printf '  parley GET /api/v1/cases/{id} (viewer token) %10.0f req/s   p50 %s  p99 %s   (target >= 20,000 req/s; %s%% of the floor)\n' \
	"$api" "$(field api 50%)" "$(field api 99%)" "$pct"
