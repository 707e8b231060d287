#!/bin/bash
# The IODEF 2 schema kept in tests/vectors/iodef/ (RFC 7970 Section 8 with
# erratum 5544, see SOURCES.md there) validates documents offline: xmllint
# --nonet resolves every import from the folder, from any working directory.
# The hand-written samples are valid or invalid as their names say, and the
# invalid one fails only because of erratum 5544: the schema as published
# (erratum-5544.patch reversed) accepts it.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v xmllint >/dev/null ||
	fail "xmllint is missing: scripts/deps.sh installs it (Debian package libxml2-utils)"
command -v patch >/dev/null || fail "patch is missing (build-essential brings it)"
SRC=${PX_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
IODEF=$SRC/tests/vectors/iodef
XSD=$IODEF/iodef-2.0.xsd
[ -f "$XSD" ] || fail "no schema at $XSD"

# Every import names a file of the folder: nothing is fetched.  (The
# attributes are read with XPath: xml.xsd quotes web addresses in its prose.)
: >"$TMP/locations"
for xsd in "$IODEF"/*.xsd; do
	xmllint --nonet --xpath '//*[local-name()="import" or local-name()="include" or local-name()="redefine"]/@schemaLocation' \
		"$xsd" >>"$TMP/locations" 2>/dev/null
	echo >>"$TMP/locations"
done
expect_in "$TMP/locations" 'schemaLocation="xmldsig-core-schema.xsd"'
expect_in "$TMP/locations" 'schemaLocation="xml.xsd"'
expect_not_in "$TMP/locations" '://'
grep -o 'schemaLocation="[^"]*"' "$TMP/locations" | cut -d'"' -f2 >"$TMP/files"
while read -r loc; do
	[ -f "$IODEF/$loc" ] || fail "schemaLocation $loc names no file of $IODEF"
done <"$TMP/files"
ok "every schemaLocation in tests/vectors/iodef names a file of the folder"

# validate SCHEMA DOC: xmllint's verdict, run from $TMP (not the schema's
# folder); the output must not mention a network load or a skipped import.
validate() {
	# shellcheck disable=SC2034 # read by fail() in lib.sh
	LAST_CMD="xmllint --nonet --noout --schema $1 $2"
	xmllint --nonet --noout --schema "$1" "$2" >"$OUT" 2>"$ERR"
	local rc=$?
	if grep -qiE 'network|failed to load|skipping import' "$ERR"; then
		fail "xmllint tried to leave the folder for $2: $(cat "$ERR")"
	fi
	return $rc
}

for doc in minimal.xml flow-node.xml; do
	validate "$XSD" "$IODEF/samples/$doc" || fail "$doc does not validate: $(cat "$ERR")"
	expect_in "$ERR" "$doc validates"
	ok "$doc is valid IODEF 2"
done

bad=$IODEF/samples/node-without-address.invalid.xml
validate "$XSD" "$bad"
expect_eq "xmllint exit code for ${bad##*/}" 3 "$?"
expect_in "$ERR" "Element '{urn:ietf:params:xml:ns:iodef-2.0}Location': This element is not expected. Expected is one of ( {urn:ietf:params:xml:ns:iodef-2.0}DomainData, {urn:ietf:params:xml:ns:iodef-2.0}Address )."
expect_in "$ERR" "${bad##*/} fails to validate"
ok "a Node with neither Address nor DomainData is refused"

# The same folder with the erratum taken back out: the published schema
# accepts the invalid sample, so the erratum alone makes it invalid.
mkdir "$TMP/rfc" || fail "cannot make $TMP/rfc"
cp "$IODEF"/*.xsd "$TMP/rfc/" || fail "cannot copy the schemas"
(cd "$TMP/rfc" && patch -s -R iodef-2.0.xsd <"$IODEF/erratum-5544.patch") ||
	fail "erratum-5544.patch does not reverse cleanly on iodef-2.0.xsd"
# The erratum touches two lines, and nothing else differs.
diff "$XSD" "$TMP/rfc/iodef-2.0.xsd" >"$TMP/erratum.diff"
expect_eq "lines changed by erratum 5544" 4 "$(grep -c '^[<>]' "$TMP/erratum.diff")"
expect_eq "lines gaining minOccurs=\"0\" when the erratum is reversed" 2 \
	"$(grep -c '^> *minOccurs="0" maxOccurs="unbounded"/>$' "$TMP/erratum.diff")"
validate "$TMP/rfc/iodef-2.0.xsd" "$bad" ||
	fail "${bad##*/} fails the schema as published too, so not because of erratum 5544: $(cat "$ERR")"
for doc in minimal.xml flow-node.xml; do
	validate "$TMP/rfc/iodef-2.0.xsd" "$IODEF/samples/$doc" || fail "$doc fails the published schema"
done
ok "the schema as published (erratum 5544 reversed) accepts ${bad##*/}"
finish
