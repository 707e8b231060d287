#!/bin/bash
# The MISP feed served by the node (docs/interop.md, "Serving the MISP
# feed") over real HTTPS on 127.0.0.1, read by curl as a MISP instance
# would (manifest.json, hashes.csv, EVENT-UUID.json under the feed's URL):
#
#   A (cert-a) sends X (cert-x, serving) a CLEAR, a GREEN, an AMBER and a
#   RED case; B (cert-b) is enrolled at X with no case; X has a token.
#
# Checked: no credentials 401; the feeds each asker sees (a token: the
# community's two and one per peer; a peer's certificate: the community's
# and its own); the GREEN feed holds the GREEN case only, its files the
# same bytes as `parley export --format misp-feed` of that case (manifest,
# event, hashes.csv whose MD5s are those of the attribute values); A's
# feed holds all four cases, RED included, read with A's certificate; B
# gets 404 for A's feed and finds no trace of the RED case in what it may
# read; unknown files 404; the feed is read-only (POST 405).
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

A=cert-a.example
X=cert-x.example
trap live_cleanup EXIT
PX=$(free_ports 1)
mknode a $A UTC
mknode b cert-b.example UTC
live_node x $X UTC "$PX"
expect_rc 0 px card --dir x -o x.card
enrol a x
enrol b x
expect_rc 0 px token create --dir x --role analyst --name xena
TX=$(cat "$OUT")
declare -A ID
for t in clear green amber red; do
	expect_rc 0 px case new --dir a --to $X --kind report --category phishing \
		--priority P3 --tlp "$t" --title "Phish $t" --text "Kit at the URL ($t)." \
		--observable url:https://login.example.net/$t --observable ip:192.0.2.1
	ID[$t]=$(cat "$OUT")
done
hop a x $X $A a-x.bundle
expect_rc 0 px export --dir x --format misp-feed -o exported "${ID[green]}"
GU=$(json_get exported/manifest.json 'list(d)[0]')
serve x

# get WHO PATH FILE: GET as WHO (tok: X's token; a, b: the peer's
# certificate) into FILE; the status in $CODE.
get() {
	local args=(-sk --max-time 10 -o "$3" -w '%{http_code}')
	case $1 in
	tok) args+=(-u "misp:$TX") ;;
	none) ;;
	*) args+=(--cert "$1/tls/cert.pem" --key "$1/tls/key.pem") ;;
	esac
	CODE=$(curl "${args[@]}" "$(url x)$2") || CODE="curl-failed-$?"
}
get none /misp/ feeds0.json
expect_eq "no credentials" "$CODE" 401
get tok /misp/ feeds.json
expect_eq "token: feeds" "$CODE" 200
expect_json feeds.json '[f["title"] for f in d["feeds"]]' \
	'["TLP:CLEAR cases", "TLP:GREEN cases", "Cases with cert-a.example", "Cases with cert-b.example"]'
feed() { json_get "$1" "[f['id'] for f in d['feeds'] if f['title'] == '$2'][0]"; }
FG=$(feed feeds.json "TLP:GREEN cases")
FA=$(feed feeds.json "Cases with $A")
expect_json feeds.json "[f['url'] for f in d['feeds'] if f['id'] == '$FG'][0]" "https://127.0.0.1:$PX/misp/$FG"
get a /misp/ feeds-a.json
expect_json feeds-a.json '[f["title"] for f in d["feeds"]]' \
	'["TLP:CLEAR cases", "TLP:GREEN cases", "Cases with cert-a.example"]'
ok "the feeds each asker may read"

get tok "/misp/$FG/manifest.json" manifest.json
expect_eq "manifest" "$CODE" 200
cmp -s manifest.json exported/manifest.json || fail "the served manifest differs from the exported one: $(diff manifest.json exported/manifest.json | head -20)"
get tok "/misp/$FG/$GU.json" event.json
expect_eq "event" "$CODE" 200
cmp -s event.json "exported/$GU.json" || fail "the served event differs from the exported one"
expect_json event.json 'd["Event"]["info"]' "Phish green"
get tok "/misp/$FG/hashes.csv" hashes.csv
expect_eq "hashes" "$CODE" 200
cmp -s hashes.csv exported/hashes.csv || fail "the served hashes.csv differs from the exported one"
python3 - event.json hashes.csv <<'PY' || fail "hashes.csv is not the MD5 of each attribute value"
import csv, hashlib, json, sys
ev = json.load(open(sys.argv[1]))["Event"]
want = sorted([hashlib.md5(a["value"].encode()).hexdigest(), ev["uuid"]] for a in ev["Attribute"])
got = sorted(list(r) for r in csv.reader(open(sys.argv[2])))
sys.exit(0 if got == want and len(got) >= 3 else f"{got} != {want}")
PY
ok "the GREEN feed: the GREEN case only, the same bytes as the exported feed"

get a "/misp/$FA/manifest.json" ma.json
expect_eq "A's feed, A's certificate" "$CODE" 200
expect_json ma.json 'sorted(e["info"] for e in d.values())' '["Phish amber", "Phish clear", "Phish green", "Phish red"]'
RU=$(json_get ma.json '[u for u, e in d.items() if e["info"] == "Phish red"][0]')
get a "/misp/$FA/$RU.json" red.json
expect_eq "A reads the RED event" "$CODE" 200
expect_json red.json '[t["name"] for t in d["Event"]["Tag"]][0]' "tlp:red"
get b "/misp/$FA/manifest.json" mb.json
expect_eq "B reads A's feed" "$CODE" 404
get b "/misp/$FA/$RU.json" mb.json
expect_eq "B reads A's RED event" "$CODE" 404
: >b-all.txt
for f in $(json_get feeds.json '" ".join(f["id"] for f in d["feeds"])'); do
	get b "/misp/$f/manifest.json" m.json
	[ "$CODE" = 200 ] && cat m.json >>b-all.txt
	get b "/misp/$f/$RU.json" m.json
	[ "$CODE" = 200 ] && fail "B read the RED event in feed $f"
done
expect_in b-all.txt "Phish green"
expect_not_in b-all.txt "Phish red"
expect_not_in b-all.txt "Phish amber"
ok "A's feed holds every marking for A; B gets nothing of it"

get tok "/misp/$FG/nosuch.json" x.json
expect_eq "unknown file" "$CODE" 404
get tok "/misp/00000000-0000-4000-8000-000000000000/manifest.json" x.json
expect_eq "unknown feed" "$CODE" 404
CODE=$(curl -sk --max-time 10 -o x.json -w '%{http_code}' -u "misp:$TX" -X POST --data '{}' "$(url x)/misp/$FG/manifest.json")
expect_eq "POST" "$CODE" 405
ok "unknown files and feeds 404; read-only"
finish
