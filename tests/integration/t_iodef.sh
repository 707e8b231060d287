#!/bin/bash
# IODEF 2 (RFC 7970) export and import (docs/interop.md, "IODEF 2"):
#
#   A (cert-a.example) sends B (cert-b.example) a request per TLP marking
#   with observables of every kind parley knows.
#
# Checked: the export passes the choke point (a marking that keeps a case
# from the file's readers stops it, exit 5, nothing written); the
# document is well-formed XML (xmllint), in the IODEF 2 namespace, and
# says what the case says, element by element (restriction, purpose,
# status, IncidentID, times, Descriptions, Contacts, each observable in
# its place, parley's AdditionalData); a re-export is byte-identical;
# B imports it into a case with the same title, text, marking, kind,
# category, priority and observables; malformed documents (not XML,
# truncated, a DOCTYPE with entities, IODEF 1, no Incident, a bad
# address, an empty file) are refused with a message saying what was
# wrong and nothing is stored.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

SRC=${PX_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
A=cert-a.example
B=cert-b.example
SHA=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
command -v xmllint >/dev/null || fail "xmllint is required (scripts/deps.sh installs libxml2-utils)"

at 2026-11-20T10:00:00Z
mknode a $A UTC
mknode b $B UTC
enrol a b
declare -A ID
for t in clear green amber amber+strict red; do
	expect_rc 0 px case new --dir a --to $B --kind request --category phishing \
		--priority P1 --tlp "$t" --title "Phish kit <$t> & co at evil.example" \
		--text "Please take down the kit ($t)." \
		--observable ip:203.0.113.7 --observable cidr:2001:db8::/32 \
		--observable domain:evil.example --observable "url:https://evil.example/it's/kit.php?a=1&b=2" \
		--observable email:ops@evil.example --observable "sha256:$SHA" \
		--observable cve:CVE-2021-44228 --observable asn:64500
	ID[$t]=$(cat "$OUT")
done
hop a b $B $A a1.bundle
at 2026-11-20T10:05:00Z
expect_rc 0 px case ack --dir b "${ID[amber]}" --text "On it."
hop b a $A $B b1.bundle
ok "five requests, one per marking"

# --- the choke point ----------------------------------------------------------
for t in clear green; do
	expect_rc 0 px export --dir a --format iodef "${ID[$t]}"
	expect_in "$OUT" "<Description>Phish kit &lt;$t&gt; &amp; co at evil.example</Description>"
done
for t in amber amber+strict red; do
	expect_rc 5 px export --dir a --format iodef -o refused.xml "${ID[$t]}"
	expect_in "$ERR" "TLP:$(echo "$t" | tr a-z A-Z) stops case ${ID[$t]}"
	[ -e refused.xml ] && fail "a refused IODEF export wrote a file"
done
expect_rc 5 px export --dir a --format iodef --internal "${ID[red]}"
expect_rc 0 px export --dir a --format iodef --to $B -o all.xml \
	"${ID[clear]}" "${ID[green]}" "${ID[amber]}" "${ID[amber+strict]}" "${ID[red]}"
ok "the export passes the choke point; a refusal writes nothing"

# --- what the document says -----------------------------------------------------
xmllint --noout all.xml 2>"$ERR" || fail "xmllint: all.xml is not well-formed: $(cat "$ERR")"
XSD="$SRC/tests/vectors/iodef/iodef-2.0.xsd"
[ -f "$XSD" ] || fail "RFC 7970's schema is missing: $XSD"
xmllint --noout --nonet --schema "$XSD" all.xml 2>"$ERR" ||
	fail "xmllint: all.xml does not validate against RFC 7970's schema (erratum 5544 applied): $(cat "$ERR")"
ok "the export validates against RFC 7970's schema with xmllint"
python3 - all.xml "${ID[clear]}" "${ID[amber]}" "${ID[amber+strict]}" "${ID[red]}" "$SHA" <<'PY' >"$OUT" 2>"$ERR" || fail "IODEF content: $(cat "$ERR")"
import sys
import xml.etree.ElementTree as ET
NS = "{urn:ietf:params:xml:ns:iodef-2.0}"
XL = "{http://www.w3.org/XML/1998/namespace}lang"
path, clear, amber, strict, red, sha = sys.argv[1:]
root = ET.parse(path).getroot()
def eq(what, got, want):
    if got != want:
        sys.exit(f"{what}: expected {want!r}, got {got!r}")
eq("root", root.tag, NS + "IODEF-Document")
eq("version", root.get("version"), "2.00")
eq("xml:lang", root.get(XL), "en")
incs = root.findall(NS + "Incident")
eq("incidents", len(incs), 5)
by = {i.find(NS + "IncidentID").text: i for i in incs}

want = {clear: ("white", None), amber: ("amber", None), strict: ("ext-value", "amber+strict"), red: ("red", None)}
for cid, (r, x) in want.items():
    eq(f"{cid} restriction", (by[cid].get("restriction"), by[cid].get("ext-restriction")), (r, x))
i = by[red]
eq("purpose", i.get("purpose"), "mitigation")
eq("status new", i.get("status"), "new")
eq("status acked", by[amber].get("status"), "in-progress")
eq("IncidentID name", i.find(NS + "IncidentID").get("name"), "cert-a.example")
eq("child order", [c.tag[len(NS):] for c in i], ["IncidentID", "ReportTime", "GenerationTime", "Description", "Description", "Contact", "Contact", "EventData", "AdditionalData", "AdditionalData", "AdditionalData"])
eq("ReportTime", i.find(NS + "ReportTime").text, "2026-11-20T10:00:00.000Z")
eq("GenerationTime acked", by[amber].find(NS + "GenerationTime").text, "2026-11-20T10:05:00.000Z")
eq("descriptions", [d.text for d in i.findall(NS + "Description")], ["Phish kit <red> & co at evil.example", "Please take down the kit (red)."])
eq("contacts", [(c.get("role"), c.get("type"), c.find(NS + "ContactName").text) for c in i.findall(NS + "Contact")],
   [("creator", "organization", "cert-a.example"), ("irt", "organization", "cert-b.example")])
ev = i.find(NS + "EventData")
eq("EventData order", [c.tag[len(NS):] for c in ev], ["Method", "Flow", "AdditionalData"])
ref = ev.find(NS + "Method/" + NS + "Reference")
eq("CVE", (ref.find(NS + "URL").text, ref.find(NS + "Description").text), ("https://www.cve.org/CVERecord?id=CVE-2021-44228", "CVE-2021-44228"))
addrs = [(a.get("category"), a.text) for a in ev.iter(NS + "Address")]
eq("addresses", addrs, [("ipv4-addr", "203.0.113.7"), ("ipv6-net", "2001:db8::/32"), ("site-uri", "https://evil.example/it's/kit.php?a=1&b=2"), ("e-mail", "ops@evil.example"), ("asn", "64500")])
dd = ev.find(f"{NS}Flow/{NS}System/{NS}Node/{NS}DomainData")
eq("domain", (dd.get("system-status"), dd.get("domain-status"), dd.find(NS + "Name").text), ("unknown", "unknown", "evil.example"))
eq("systems", {s.get("category") for s in ev.iter(NS + "System")}, {"source"})
h = ev.find(NS + "AdditionalData")
eq("hash", (h.get("dtype"), h.get("meaning"), h.text), ("string", "sha256", sha))
eq("parley data", [(a.get("dtype"), a.get("meaning"), a.text) for a in i.findall(NS + "AdditionalData")],
   [("string", "parley:kind", "request"), ("string", "parley:category", "phishing"), ("string", "parley:priority", "P1")])
print("content ok")
PY
expect_in "$OUT" "content ok"
expect_rc 0 px export --dir a --format iodef --to $B -o again.xml \
	"${ID[clear]}" "${ID[green]}" "${ID[amber]}" "${ID[amber+strict]}" "${ID[red]}"
cmp -s all.xml again.xml || fail "a re-export of the same cases is not byte-identical"
ok "the document is well-formed IODEF 2 and says what the cases say; re-export identical"

# --- import: the round trip -------------------------------------------------------
case_of() { # DIR ID: title, text, tlp, kind, category, priority, observables
	expect_rc 0 px case show --dir "$1" --json "$2"
	json_get "$OUT" '[d["title"], [m["body"].get("text") for m in d["messages"]][0], d["tlp"], d["kind"], d["category"], d["priority"], sorted(o["type"] + ":" + o["value"] for o in d["observables"])]'
}
for t in green amber+strict; do
	expect_rc 0 px export --dir a --format iodef --to $B -o one.xml "${ID[$t]}"
	expect_rc 0 px import --dir b --to $A one.xml
	NEW=$(cat "$OUT")
	expect_eq "round trip of the $t case" "$(case_of a "${ID[$t]}")" "$(case_of b "$NEW")"
done
expect_json "$OUT" 'd["tlp"]' "amber+strict"
expect_json "$OUT" 'len(d["observables"])' 8
ok "import gives back the case: title, text, marking, kind, category, priority, observables"

# --- malformed documents -------------------------------------------------------
expect_rc 0 px case list --dir b --json
BEFORE=$(json_get "$OUT" 'len(d)')
head -c 700 one.xml >trunc.xml
printf '<?xml version="1.0"?>\n<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>\n<IODEF-Document xmlns="urn:ietf:params:xml:ns:iodef-2.0" version="2.00"><Incident purpose="reporting"><IncidentID name="x">&b;</IncidentID></Incident></IODEF-Document>\n' >doctype.xml
sed 's/iodef-2.0/iodef-1.0/; s/version="2.00"/version="1.00"/' one.xml >v1.xml
printf '<IODEF-Document xmlns="urn:ietf:params:xml:ns:iodef-2.0" version="2.00"/>\n' >empty-doc.xml
sed 's/>203.0.113.7</>203.0.113.999</' one.xml >badip.xml
printf '<IODEF-Document xmlns="urn:ietf:params:xml:ns:iodef-2.0"><Incident>\x00</Incident></IODEF-Document>' >nul.xml
: >empty.xml
declare -A WHY=(
	[trunc.xml]="not an IODEF document: the XML is malformed (line"
	[doctype.xml]="the IODEF document has a DOCTYPE, which is not accepted"
	[v1.xml]="not an IODEF 2 document: the root is <IODEF-Document> in namespace urn:ietf:params:xml:ns:iodef-1.0"
	[empty-doc.xml]="the IODEF document has no Incident to open a case with"
	[badip.xml]="IODEF Address on line"
	[nul.xml]="not an IODEF document: the XML is malformed"
)
for f in "${!WHY[@]}"; do
	expect_rc 3 px import --dir b --to $A "$f"
	expect_in "$ERR" "${WHY[$f]}"
done
expect_rc 3 px import --dir b --to $A badip.xml
expect_in "$ERR" "'203.0.113.999' is not an IPv4 address"
expect_rc 3 px import --dir b --to $A empty.xml
expect_rc 0 px case list --dir b --json
expect_json "$OUT" 'len(d)' "$BEFORE"
ok "malformed IODEF refused, saying what was wrong; nothing stored"
finish
