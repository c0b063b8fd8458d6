#!/usr/bin/env bash
# Config verification: an option chaos.config asks for that is missing from
# the final .config stops the build, named, with what it depends on.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=runner/lib/common.sh
. "$T_TOP/runner/lib/common.sh"
# shellcheck source=runner/lib/deps.sh
. "$T_TOP/runner/lib/deps.sh"
# shellcheck source=runner/lib/kernel.sh
. "$T_TOP/runner/lib/kernel.sh"
plan 4

kdir=$(kernel_built chaos)
src=$(_src_unpack)
out=$( (kconfig_verify "$kdir/config" "$src") 2>&1) && rc=0 || rc=$?
is "$rc" 0 "the built kernel's .config has every required option"
grep -v '^CONFIG_TEST_HMM=' "$kdir/config" >"$T_TMP/config"
out=$( (kconfig_verify "$T_TMP/config" "$src") 2>&1) && rc=0 || rc=$?
is "$rc" 1 "a dropped option stops the build"
like "$out" "*CONFIG_TEST_HMM=m was dropped by Kconfig*" "and names it"
like "$out" "*depends on TRANSPARENT_HUGEPAGE*" "and what it depends on"
done_testing
