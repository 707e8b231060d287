#!/bin/bash
# Search between two serving nodes (issue 18: indexing was on every
# message's path, and now runs in batches off it):
#
#   1. A request opened through A's API reaches B.  Neither node is ever
#      asked to search, yet each node's scheduler empties its search queue
#      (search_pending) within seconds, and each node's full-text index
#      then finds the case by a word of its text and its observable.
#   2. A search through the API finds the case on both nodes.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v curl >/dev/null || fail "curl is required"
command -v sqlite3 >/dev/null || fail "sqlite3 is required"
trap live_cleanup EXIT

live_pair analyst
serve a
serve b

call a "$TA" POST /api/v1/cases "{\"to\":\"$B\",\"kind\":\"request\",\"category\":\"botnet\",\"priority\":\"P2\",\"tlp\":\"amber\",\"title\":\"Beacon to a sinkhole\",\"text\":\"Please look at the quokka beacon\",\"observables\":[\"198.51.100.23\"]}"
want_code 201
ID=$(json_get "$OUT" 'd["case"]')

held() { test "$(sqlite3 "$1/parley.db" "SELECT count(*) FROM messages WHERE case_id = '$ID'")" = 1; }
wait_for 30 "B holds the case" held b

drained() { test "$(sqlite3 "$1/parley.db" "SELECT count(*) FROM search_pending")" = 0; }
for d in a b; do
	wait_for 30 "$d's scheduler indexes what it stored" drained $d
	expect_eq "$d: text index" "$(sqlite3 $d/parley.db "SELECT case_id FROM search_text WHERE search_text MATCH '\"quokka\"'")" "$ID"
	expect_eq "$d: observables" "$(sqlite3 $d/parley.db "SELECT case_id FROM case_observables WHERE value = '198.51.100.23'")" "$ID"
done
ok "the serving nodes index new messages for search by themselves"

call a "$TA" GET "/api/v1/search?q=quokka"
want_code 200
expect_json "$OUT" '[c["id"] for c in d["cases"]]' "[\"$ID\"]"
call b "$TB" GET "/api/v1/search?q=198.51.100.23"
want_code 200
expect_json "$OUT" '[c["id"] for c in d["cases"]]' "[\"$ID\"]"
ok "the API's search finds the case on both nodes"

stop_node a
stop_node b
finish
