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
plan 10

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
# tree:PATH with the user's own .config (here Debian's stock 6.1 config):
# chaos.config merged on top, the user's choices kept, and what changed said.
userconf=$(find "$HPC_CACHE"/kernels/stock-*/config -print -quit 2>/dev/null || true)
mkdir -p "$T_TMP/ub"
out=$( (_kernel_configure "$src" "$T_TMP/ub" "$T_TMP/ub.log" "$userconf") 2>&1) && rc=0 || rc=$?
is "$rc" 0 "a user config with chaos.config merged on top configures"
t "the user's choices stay (CONFIG_EXT4_FS=m from the stock config)" grep -qx 'CONFIG_EXT4_FS=m' "$T_TMP/ub/.config"
# shellcheck disable=SC2317 # called through t
both() { grep -qx "$1" "$3" && grep -qx "$2" "$3"; }
t "and ours are in (KASAN, DEVICE_PRIVATE)" both CONFIG_KASAN=y CONFIG_DEVICE_PRIVATE=y "$T_TMP/ub/.config"
like "$out" "*config: *CONFIG_KASAN*option(s) added or changed on top of your config*" "the run says what it added or changed"
done_testing
