# A node directory is its owner's alone (issue 12, item 7): parley init
# closes it to other users whatever the umask or the directory's mode, and
# every command refuses a node whose directory or files others could read
# or write, saying which file and the chmod that fixes it.
. "$PX_SOURCE_DIR/tests/integration/lib.sh"

mode() { stat -c %a "$1"; }

umask 022

# An existing empty directory with mode 755: init closes it.
mkdir -m 755 a
expect_rc 0 px init --dir a --name cert-a.example --timezone UTC
expect_eq "dir mode" 700 "$(mode a)"
for f in parley.conf parley.db keys/sign.key keys/cosign.key tls/key.pem tls/cert.pem; do
	expect_eq "$f mode" 600 "$(mode a/$f)"
done
expect_eq "keys mode" 700 "$(mode a/keys)"
expect_eq "tls mode" 700 "$(mode a/tls)"
# The store's -wal and -shm files take the database's mode.
expect_rc 0 px token create --dir a --name ops --role admin
for f in parley.db-wal parley.db-shm; do
	[ -e "a/$f" ] && expect_eq "$f mode" 600 "$(mode a/$f)"
done
ok "init: directory 700, every file 600, under umask 022"

# A directory that already holds other files and is open to others is
# refused, not changed under its owner; nothing is created in it.
mkdir -m 755 b
echo hello >b/readme.txt
expect_rc 3 px init --dir b --name cert-b.example
expect_in "$ERR" "node directory"
expect_in "$ERR" "mode 755"
expect_in "$ERR" "chmod 700"
[ -e b/parley.conf ] && fail "init wrote into a refused directory"
expect_eq "b untouched" 755 "$(mode b)"
ok "init: a non-empty directory open to others is refused"

# Every command refuses a node opened up to others, and says how to fix
# it; nothing is read or changed meanwhile.
chmod 755 a
expect_rc 3 px case list --dir a
expect_in "$ERR" "node directory"
expect_in "$ERR" "chmod 700"
chmod 700 a
chmod 644 a/parley.conf
expect_rc 3 px case list --dir a
expect_in "$ERR" "parley.conf"
expect_in "$ERR" "mode 644"
expect_in "$ERR" "chmod 600"
chmod 600 a/parley.conf
chmod 640 a/parley.db
expect_rc 3 px token list --dir a
expect_in "$ERR" "parley.db"
chmod 600 a/parley.db
expect_rc 0 px token list --dir a
expect_in "$OUT" "ops"
ok "open: a directory or file open to others is refused with the fix"

# As another user (possible only when the test runs as root): nothing of
# the node can be read.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 755 "$TMP"
	for f in parley.conf parley.db keys/sign.key; do
		if setpriv --reuid=65534 --regid=65534 --clear-groups \
			cat "$TMP/a/$f" >/dev/null 2>&1; then
			fail "user nobody could read $f"
		fi
	done
	if setpriv --reuid=65534 --regid=65534 --clear-groups \
		ls "$TMP/a" >/dev/null 2>&1; then
		fail "user nobody could list the node directory"
	fi
	chmod 700 "$TMP"
	ok "another user reads nothing of the node"
fi

finish
