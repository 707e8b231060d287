#!/bin/bash
# Every C file of the project is formatted as .clang-format says (CI
# refuses a tree that is not; `make format` fixes it).
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v clang-format >/dev/null ||
	fail "clang-format is missing: scripts/deps.sh --e2e installs it (make test does)"
SRC=${PX_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$SRC" || fail "no source directory $SRC"
mapfile -t files < <(find src tests bench -name '*.[ch]' -not -path '*/node_modules/*' | sort)
[ "${#files[@]}" -gt 100 ] || fail "only ${#files[@]} C files found under $SRC"
bad=$(clang-format --dry-run -Werror "${files[@]}" 2>&1 | grep -o '^[^: ]*\.[ch]:' | sort -u | tr -d ':' | tr '\n' ' ')
[ -z "$bad" ] || fail "not formatted per .clang-format (run make format): $bad"
ok "${#files[@]} C files formatted per .clang-format"
finish
