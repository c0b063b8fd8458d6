#!/usr/bin/env bash
# Static checks: the bash is shellcheck-clean, the kernel modules build
# against the stock kernel's headers with W=1 and no warning.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=runner/lib/common.sh
. "$T_TOP/runner/lib/common.sh"
# shellcheck source=runner/lib/image.sh
. "$T_TOP/runner/lib/image.sh"
plan 3

cd "$T_TOP"
out=$(shellcheck -x runner/hpchaos runner/lib/*.sh runner/tests/*.t runner/tests/chaos/*.t runner/bench/*.sh framework/fuzz/run.sh guest-images/init .ci/run 2>&1 || true)
is "$out" "" "shellcheck: runner, libraries, tests, guest init, CI script"

kdir=$(image_stock_kernel)
rel=$(<"$kdir/release")
cp -r "$T_TOP/kmod" "$T_TMP/kmod"
log=$T_TMP/kmod.log
rc=0
make -C "$T_TMP/kmod" KDIR="$kdir/root/usr/src/linux-headers-$rel" W=1 >"$log" 2>&1 || rc=$?
is "$rc" 0 "kmod builds against $rel with W=1"
is "$(grep -E 'warning:|error:' "$log" || true)" "" "kmod W=1 build has no warnings"
done_testing
