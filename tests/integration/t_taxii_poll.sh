#!/bin/bash
# Scheduled TAXII pulls in `parley serve` (docs/interop.md, "Scheduled
# pulls"), against the node's own TAXII server, over HTTPS on 127.0.0.1:
#
#   X (cert-x, serving) holds two GREEN cases and a RED one from B; A
#   (cert-a, serving) has [taxii_pull "from-x"] on X's TLP:GREEN collection
#   every 10s (its certificate is the credential), and [taxii_pull
#   "broken"] naming no collection.
#
# Checked: a bad section stops serve at start naming it; the first run
# opens the two GREEN cases (never the RED one); a case added at X after
# it is opened by a later run, and only it: the cursor (the server's last
# date-added) moved forward, and the cases A opened, which reach X and its
# GREEN collection, are not pulled back; after a restart the state is
# still there and the next run opens nothing again; the broken pull is FAILING in `parley taxii status`
# with the server's answer, while the good one runs; /metrics counts the
# runs and failures.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

A=cert-a.example
X=cert-x.example
trap live_cleanup EXIT
read -r PA PX < <(free_ports 2 | tr '\n' ' ')
live_node a $A UTC "$PA"
live_node x $X UTC "$PX"
mknode b cert-b.example UTC
expect_rc 0 px card --dir a -o a.card
expect_rc 0 px card --dir x -o x.card
enrol a x
enrol b x
expect_rc 0 px token create --dir x --role analyst --name xena
TX=$(cat "$OUT")
expect_rc 0 px token create --dir a --role admin --name ann
TA=$(cat "$OUT")
for t in green-1 green-2 red; do
	expect_rc 0 px case new --dir b --to $X --kind report --category phishing \
		--priority P3 --tlp "${t%-*}" --title "Phish $t" --text "Kit ($t)." \
		--observable url:https://login.example.net/$t
done
hop b x $X cert-b.example b-x.bundle
serve x
curl -sk --max-time 10 -u "t:$TX" -H 'Accept: application/taxii+json;version=2.1' \
	"$(url x)/taxii2/api/collections/" >colls.json || fail "listing collections"
CA=$(json_get colls.json "[c['id'] for c in d['collections'] if c['title'] == 'TLP:GREEN cases'][0]")

pull_conf() { # NAME COLLECTION INTERVAL: a [taxii_pull] section
	printf '\n[taxii_pull "%s"]\nurl = %s/taxii2/api/\ncollection = %s\npeer = %s\ninterval = %s\n' \
		"$1" "$(url x)" "$2" "$X" "$3"
}
cp a/parley.conf conf.orig
pull_conf from-x "$CA" 5s >>a/parley.conf
expect_rc 3 px serve --dir a
expect_in "$ERR" "parley.conf [taxii_pull \"from-x\"]: interval '5s' is under 10s"
cp conf.orig a/parley.conf
pull_conf from-x "$CA" 10s >>a/parley.conf
pull_conf broken 00000000-0000-4000-8000-000000000000 10s >>a/parley.conf
expect_rc 0 px taxii status --dir a --json
expect_json "$OUT" '[(p["name"], p["interval"], p["runs"], p["last_run"]) for p in d]' \
	'[["from-x", "10s", 0, null], ["broken", "10s", 0, null]]'

status() { # the status of pull $1 into $1.json
	px taxii status --dir a --json >status.json 2>"$ERR" || fail "taxii status: $(cat "$ERR")"
	json_get status.json "[p for p in d if p['name'] == '$1'][0]" >"$1.json"
}
runs_at_least() { status "$1" && [ "$(json_get "$1.json" 'd["runs"]')" -ge "$2" ]; }
ncases() { # how many cases A holds
	px case list --dir a --json >list.json 2>"$ERR" || fail "case list: $(cat "$ERR")"
	json_get list.json 'len(d)'
}
titles() { ncases >/dev/null && json_get list.json 'sorted(c["title"] for c in d)'; }
BEFORE=$(ncases)
serve a
wait_for 20 "the first scheduled pull ran" runs_at_least from-x 1
expect_json from-x.json '[d["runs"], d["failures"], d["cases"], d["failing"], d["last_error"]]' '[1, 0, 2, false, null]'
CUR1=$(json_get from-x.json 'd["cursor"]')
[ -n "$CUR1" ] && [ "$CUR1" != None ] || fail "no cursor kept after the first pull"
expect_eq "cases after the first run" "$(ncases)" $((BEFORE + 2))
expect_eq "titles" "$(titles)" '["Phish green-1", "Phish green-2"]'
ok "the first run opened the collection's two GREEN cases; cursor $CUR1"

wait_for 20 "the broken pull ran" runs_at_least broken 1
expect_json broken.json '[d["failing"], d["failures"] >= 1, d["cases"]]' '[true, true, 0]'
expect_in broken.json "the server answered 404"
expect_rc 0 px taxii status --dir a
expect_in "$OUT" "FAILING"
expect_in "$OUT" "last error at"
call a "$TA" GET /metrics
want_code 200
python3 - "$OUT" <<'PY' || fail "metrics: $(grep taxii "$OUT")"
import sys
m = {l.split()[0]: float(l.split()[1]) for l in open(sys.argv[1]) if l.startswith("parley_taxii")}
sys.exit(0 if m["parley_taxii_pulls_total"] >= 2 and m["parley_taxii_pull_errors_total"] >= 1 else str(m))
PY
ok "a failing pull is FAILING in taxii status with the server's answer, and counted in /metrics"

# A case added to the collection after the first run.
expect_rc 0 px case new --dir x --to cert-b.example --kind report --category malware \
	--priority P3 --tlp green --title "Loader at X" --text "New." \
	--observable domain:loader.example
wait_for 30 "a second scheduled pull ran" runs_at_least from-x 2
# A's two cases reach X and its GREEN collection; make sure a run has
# seen them there too.
back_at_x() {
	curl -sk --max-time 10 -u "t:$TX" -H 'Accept: application/taxii+json;version=2.1' \
		"$(url x)/taxii2/api/collections/$CA/objects/?match%5Btype%5D=grouping&limit=100" >g.json &&
		[ "$(json_get g.json "len([o for o in d.get('objects', []) if o['name'] == 'Phish green-1'])")" -ge 2 ]
}
wait_for 30 "A's pulled cases are in X's GREEN collection" back_at_x
status from-x
R=$(json_get from-x.json 'd["runs"]')
wait_for 30 "a pull ran after that" runs_at_least from-x $((R + 1))
expect_json from-x.json '[d["failures"], d["cases"]]' '[0, 3]'
expect_eq "titles" "$(titles)" '["Loader at X", "Phish green-1", "Phish green-2"]'
CUR2=$(json_get from-x.json 'd["cursor"]')
[[ "$CUR2" > "$CUR1" ]] || fail "the cursor did not move forward: $CUR1 then $CUR2"
ok "later runs opened the one new case, and none of A's own back (cursor $CUR2)"

kill -TERM "$(cat "$TMP/pids/a")"
wait_for 15 "serve a stopped" bash -c "! kill -0 $(cat "$TMP/pids/a") 2>/dev/null"
status from-x
expect_json from-x.json 'd["cases"]' 3
CUR2=$(json_get from-x.json 'd["cursor"]')
RUNS=$(json_get from-x.json 'd["runs"]')
N=$(ncases)
serve a
wait_for 30 "a run after the restart" runs_at_least from-x $((RUNS + 1))
expect_json from-x.json "[d['cursor'] >= '$CUR2', d['cases'], d['failures']]" '[true, 3, 0]'
expect_eq "cases after the restart's run" "$(ncases)" "$N"
ok "after a restart the pull resumes from its cursor and opens nothing twice"
finish
