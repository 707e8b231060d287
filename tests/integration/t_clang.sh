#!/bin/bash
# Every source file compiles with clang as well as with cc, with the
# project's warnings as errors: `make fuzz` builds with clang, and clang
# warns where gcc does not (-Wstring-concatenation broke the fuzz build
# twice after merges no test looked at).  Syntax only, no code generated.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v clang >/dev/null ||
	fail "clang is missing: scripts/deps.sh --e2e installs it (make test does)"
DB="${PX_BUILD_DIR:-}/compile_commands.json"
[ -f "$DB" ] || fail "no $DB: configure with cmake (CMAKE_EXPORT_COMPILE_COMMANDS is on)"

python3 - "$DB" >"$TMP/cmds" <<'PY' || fail "could not read $DB"
import json, shlex, sys
n = 0
for e in json.load(open(sys.argv[1])):
    args = e.get("arguments") or shlex.split(e["command"])
    out, skip = ["clang"], False
    for a in args[1:]:
        if skip:
            skip = False
            continue
        if a == "-o":
            skip = True
            continue
        if a.startswith("-fsanitize") or a == "-c":
            continue
        out.append(a)
    out += ["-fsyntax-only", "-Wno-unknown-warning-option", "-Wstring-concatenation"]
    print(shlex.quote(e["directory"]) + "\t" + " ".join(shlex.quote(x) for x in out))
    n += 1
sys.stderr.write(f"{n} sources\n")
PY
compile_each "$TMP/cmds" "clang"
ok "$COMPILED sources compile with clang (-Werror, -Wstring-concatenation)"
finish
