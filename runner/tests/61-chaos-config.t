#!/usr/bin/env bash
# Config verification: an option chaos.config asks for that is missing from
# the final .config stops the build, named, with what it depends on; and
# kmod builds against the chaos tree with W=1 and no warning.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=runner/lib/common.sh
. "$T_TOP/runner/lib/common.sh"
# shellcheck source=runner/lib/deps.sh
. "$T_TOP/runner/lib/deps.sh"
# shellcheck source=runner/lib/kernel.sh
. "$T_TOP/runner/lib/kernel.sh"
plan 6

kdir=$(kernel_built chaos)
src=$(_src_unpack)
out=$( (kconfig_verify "$kdir/config" "$src") 2>&1) && rc=0 || rc=$?
is "$rc" 0 "the built kernel's .config has every required option"
grep -v '^CONFIG_TEST_HMM=' "$kdir/config" >"$T_TMP/config"
out=$( (kconfig_verify "$T_TMP/config" "$src") 2>&1) && rc=0 || rc=$?
is "$rc" 1 "a dropped option stops the build"
like "$out" "*CONFIG_TEST_HMM=m was dropped by Kconfig*" "and names it"
like "$out" "*depends on TRANSPARENT_HUGEPAGE*" "and what it depends on"

# the module also builds cleanly against the chaos tree (DEVICE_PRIVATE on:
# the device-private provider is compiled here, not against stock headers)
cp -r "$T_TOP/kmod" "$T_TMP/kmod"
rc=0
make -C "$T_TMP/kmod" KDIR="$kdir/build" W=1 >"$T_TMP/kmod.log" 2>&1 || rc=$?
is "$rc" 0 "kmod builds against the chaos kernel with W=1"
is "$(grep -E 'warning:|error:' "$T_TMP/kmod.log" || true)" "" "kmod W=1 build against chaos has no warnings"
done_testing
