#!/usr/bin/env bash
# Installs the Debian packages parley needs to build, test and run, and only
# those that are missing.  Called by `make`, `make run` and `make test`, so a
# fresh Debian machine needs nothing installed by hand.
set -eu

need_pkgs="build-essential cmake pkg-config tzdata libsodium-dev libjansson-dev
libsqlite3-dev libzstd-dev libgnutls28-dev libcmocka-dev libmicrohttpd-dev
libcurl4-gnutls-dev libjsmn-dev libidn2-dev libxml2-dev libxml2-utils sqlite3 curl
python3 python3-cryptography python3-aiosmtpd"
# (libjsmn-dev is header-only: the JSON tokenizer of the IntelMQ feed
# decoder.  curl, python3 and its cryptography module drive the integration tests:
# an independent signed-note and Merkle-proof check is written in Python;
# aiosmtpd is the real SMTP server the notification tests deliver to;
# libxml2 reads IODEF documents, and its xmllint checks those we write
# against the RFC 7970 schema kept in tests/vectors/iodef.)
# --fuzz: clang builds the libFuzzer targets (`make fuzz`); the ordinary
# build uses cc.  --bench: wrk drives bench/api_get.sh (`make bench`).
# --e2e: the web console's browser tests and benchmark (`make test`, `make
# bench`): Debian's chromium, a CJK font so Chinese pages render, node and
# npm (unless some node is already installed), then the npm packages
# pinned in tests/e2e/package-lock.json (playwright-core drives the
# system chromium; no browser is ever downloaded); and clang-format, since
# t_format checks every C file against .clang-format; and clang, since
# t_clang compiles every source with it as well as with cc.
e2e=0
for arg in "$@"; do
	case $arg in
	--fuzz) need_pkgs="$need_pkgs clang" ;;
	--bench) need_pkgs="$need_pkgs wrk" ;;
	--e2e) e2e=1 ;;
	*)
		echo "usage: scripts/deps.sh [--fuzz] [--bench] [--e2e]" >&2
		exit 2
		;;
	esac
done
if [ $e2e = 1 ]; then
	need_pkgs="$need_pkgs chromium fonts-noto-cjk clang-format clang"
	command -v node >/dev/null 2>&1 || need_pkgs="$need_pkgs nodejs"
	command -v npm >/dev/null 2>&1 || need_pkgs="$need_pkgs npm"
fi

# npm_packages: install tests/e2e's pinned packages when the lock file is
# newer than what is installed (npm ci is exact and offline-safe to rerun).
npm_packages() {
	local d
	d="$(cd "$(dirname "$0")/.." && pwd)/tests/e2e"
	[ $e2e = 1 ] || return 0
	if [ ! -f "$d/node_modules/.package-lock.json" ] ||
	    [ "$d/package-lock.json" -nt "$d/node_modules/.package-lock.json" ]; then
		echo "parley: installing the console tests' npm packages (tests/e2e)" >&2
		(cd "$d" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit \
		    --no-fund --loglevel=error) || exit 1
	fi
}

missing=""
for p in $need_pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	npm_packages
	exit 0
fi

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
npm_packages
