#!/bin/bash
# Every source compiles as the release build compiles it (-O2, the
# project's warnings as errors).  The tests run a Debug build (-O0), and
# some of gcc's warnings need the optimiser: -Wstringop-overread broke
# the release build that `make run` makes while every test passed.  Code
# is generated and thrown away; nothing is linked.
# shellcheck source=tests/integration/lib.sh
. "${PX_SOURCE_DIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

DB="${PX_BUILD_DIR:-}/compile_commands.json"
[ -f "$DB" ] || fail "no $DB: configure with cmake (CMAKE_EXPORT_COMPILE_COMMANDS is on)"

python3 - "$DB" >"$TMP/cmds" <<'PY' || fail "could not read $DB"
import json, shlex, sys
n = 0
for e in json.load(open(sys.argv[1])):
    args = e.get("arguments") or shlex.split(e["command"])
    # The release build's flags (CMAKE_BUILD_TYPE=RelWithDebInfo: -O2),
    # without the sanitizers of the test build and without debug info.
    # -DNDEBUG first: the fuzz targets' own -UNDEBUG comes later.
    out, skip = [args[0], "-O2", "-DNDEBUG"], False
    for a in args[1:]:
        if skip:
            skip = False
            continue
        if a == "-o":
            skip = True
            continue
        if a.startswith("-fsanitize") or a.startswith("-O") or a == "-g":
            continue
        out.append(a)
    out += ["-o", "/dev/null"]
    print(shlex.quote(e["directory"]) + "\t" + " ".join(shlex.quote(x) for x in out))
    n += 1
sys.stderr.write(f"{n} sources\n")
PY
compile_each "$TMP/cmds" "the release build (-O2 -Werror)"
ok "$COMPILED sources compile as the release build does (-O2 -Werror)"
finish
