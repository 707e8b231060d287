#!/usr/bin/env bash
# Installs the Debian packages parley needs to build, test and run, and only
# those that are missing.  Called by `make`, `make run` and `make test`, so a
# fresh Debian machine needs nothing installed by hand.
set -eu

need_pkgs="build-essential cmake pkg-config tzdata libsodium-dev libjansson-dev
libsqlite3-dev libgnutls28-dev libcmocka-dev libmicrohttpd-dev
libcurl4-gnutls-dev sqlite3 curl python3 python3-cryptography
python3-aiosmtpd"
# (curl, python3 and its cryptography module drive the integration tests:
# an independent signed-note and Merkle-proof check is written in Python;
# aiosmtpd is the real SMTP server the notification tests deliver to.)
# --fuzz: clang builds the libFuzzer targets (`make fuzz`); the ordinary
# build uses cc.  --bench: wrk drives bench/api_get.sh (`make bench`).
for arg in "$@"; do
	case $arg in
	--fuzz) need_pkgs="$need_pkgs clang" ;;
	--bench) need_pkgs="$need_pkgs wrk" ;;
	*)
		echo "usage: scripts/deps.sh [--fuzz] [--bench]" >&2
		exit 2
		;;
	esac
done

missing=""
for p in $need_pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "parley: installing missing Debian packages:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "parley: these packages are missing and I am not root:" >&2
		echo "    apt-get install$missing" >&2
		exit 1
	fi
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
