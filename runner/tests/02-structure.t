#!/usr/bin/env bash
# The size rules of the code (docs/internals.md, "Map"): no source file over
# 1,000 lines and no function over 80 lines outside tests, fuzz harnesses and
# fixtures; runner/tools/structure.sh lists every breach. Its own rules are
# checked on a planted tree first, so that a checker that finds nothing
# cannot pass for one that looks.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"

plan 4

# A tree with one file of 1,001 lines and one C and one bash function of 81.
p=$T_TMP/planted
mkdir -p "$p/framework/lib" "$p/framework/tests" "$p/kmod" "$p/runner/lib" "$p/runner/tools" "$p/guest-images"
printf '#!/bin/sh\n' >"$p/guest-images/init"
printf '#!/bin/sh\n' >"$p/runner/hpchaos"
{ printf 'static int big(int x)\n{\n'; for ((i = 0; i < 81; i++)); do printf '\tx++;\n'; done; printf '\treturn x;\n}\n'; } >"$p/kmod/big.c"
{ printf 'int ok(void)\n{\n'; for ((i = 0; i < 79; i++)); do printf '\t;\n'; done; printf '}\n'; } >"$p/framework/lib/ok.c"
for ((i = 0; i < 1001; i++)); do printf '/* %d */\n' "$i"; done >"$p/framework/lib/long.h"
{ printf 'f() {\n'; for ((i = 0; i < 81; i++)); do printf '\t:\n'; done; printf '}\n'; } >"$p/runner/lib/f.sh"
{ printf 'int t(void)\n{\n'; for ((i = 0; i < 200; i++)); do printf '\t;\n'; done; printf '}\n'; } >"$p/framework/tests/test_t.c"
out=$("$T_TOP/runner/tools/structure.sh" "$p" || true)
want="framework/lib/long.h: 1001 lines (over 1000)
kmod/big.c:2: big: 82 lines (over 80)
runner/lib/f.sh:1: f(): 81 lines (over 80)"
is "$out" "$want" "structure.sh finds a planted long file, C function and bash function, and nothing in tests"

out=$("$T_TOP/runner/tools/structure.sh" "$T_TOP" 2>&1) && rc=0 || rc=$?
files=$(grep -c 'lines (over 1000)$' <<<"$out" || true)
fns=$(grep -c 'lines (over 80)$' <<<"$out" || true)
is "$files" 0 "no source file over 1,000 lines"
is "$fns" 0 "no function over 80 lines"
is "$rc" 0 "structure.sh exits 0 on the tree"
[[ $rc == 0 ]] || diag "$out" >&2
