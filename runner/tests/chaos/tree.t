#!/usr/bin/env bash
# A user's kernel tree: built out of tree into the cache, boots, and the
# tree is left exactly as it was.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=runner/lib/common.sh
. "$T_TOP/runner/lib/common.sh"
# shellcheck source=runner/lib/deps.sh
. "$T_TOP/runner/lib/deps.sh"
# shellcheck source=runner/lib/kernel.sh
. "$T_TOP/runner/lib/kernel.sh"
plan 3

# An unpacked linux-source-6.1 stands in for the user's tree.
tree=$T_TMP/linux
cp -a "$(_src_unpack)" "$tree"
sum() { find "$tree" -printf '%P %s %T@ %m\n' | LC_ALL=C sort | sha256sum; }
before=$(sum)
hpc run --kernel "tree:$tree" --results "$T_RESULTS" boot-idle
diag "$T_OUT"
is "$T_RC" 0 "hpchaos run --kernel tree:PATH boot-idle exits 0"
is "$(json "$(echo "$(latest)"/*-boot-idle/verdict.json)" .verdict)" PASS "boot-idle PASS on the tree's kernel"
is "$(sum)" "$before" "the tree is unchanged (names, sizes, times, modes)"
done_testing
