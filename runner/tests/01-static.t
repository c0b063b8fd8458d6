#!/usr/bin/env bash
# Static checks: the bash is shellcheck-clean; the kernel modules build with
# W=1 and no warning against the stock 6.1 headers (the ones the runner
# boots), Debian 12's newest 6.12 headers (make deps-check installs them)
# and, under make check, the chaos tree it built; every planted variant too.
# A planted variant differs from the default build in -DHPC_PLANTED_* only,
# which hpchaos_main.c, hpchaos_mirror.c and hpchaos_devpriv.c read: those
# objects are built for each variant (devpriv only where the tree has
# CONFIG_DEVICE_PRIVATE).
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=runner/lib/common.sh
. "$T_TOP/runner/lib/common.sh"
# shellcheck source=runner/lib/deps.sh
. "$T_TOP/runner/lib/deps.sh"
# shellcheck source=runner/lib/image.sh
. "$T_TOP/runner/lib/image.sh"
# shellcheck source=runner/lib/kernel.sh
. "$T_TOP/runner/lib/kernel.sh"

cd "$T_TOP"
planted=$(sed -n 's/^hpc_planted_macro_\([a-z-]*\) :=.*/\1/p' kmod/Kbuild | tr '\n' ' ')
planted=${planted% }
[[ -n $planted ]] || planted="(none found in kmod/Kbuild)"

kdir=$(image_stock_kernel)
rel=$(<"$kdir/release")
trees=("$rel=$kdir/root/usr/src/linux-headers-$rel")
h612=$(find /usr/src -maxdepth 1 -name 'linux-headers-6.12.*+deb12-amd64' -printf '%f\n' 2>/dev/null | sort -V | tail -n 1)
if [[ -n $h612 ]]; then
	trees+=("${h612#linux-headers-}=/usr/src/$h612")
else
	trees+=("6.12=")
fi
# The chaos tree only under make check, which has built it before the tests.
if [[ -n ${HPC_CHECK_STATE:-} ]]; then
	cdir=$(kernel_built chaos)
	trees+=("chaos $(<"$cdir/release")=$cdir/build")
fi
plan $((1 + 3 * ${#trees[@]}))

out=$(shellcheck -x runner/hpchaos runner/lib/*.sh runner/tests/*.t runner/tests/chaos/*.t runner/bench/*.sh guest-images/init .ci/run 2>&1 || true)
is "$out" "" "shellcheck: runner, libraries, tests, guest init, CI script"

# kmod_w1 NAME KDIR: the default build, then the planted variants' objects.
kmod_w1() {
	local name=$1 kd=$2 src=$T_TMP/kmod-${1//[^a-zA-Z0-9.]/_} log p rc=0 bad=() objs
	log=$src.log
	if [[ -z $kd || ! -f $kd/Makefile ]]; then
		ok 1 "kmod builds against $name with W=1 (no such tree: install linux-headers-6.12.*+deb12-amd64, make deps-check does)"
		ok 1 "kmod W=1 build against $name has no warnings"
		ok 1 "every planted variant builds against $name with W=1, no warnings"
		return
	fi
	cp -r "$T_TOP/kmod" "$src"
	make -C "$src" KDIR="$kd" W=1 >"$log" 2>&1 || rc=$?
	is "$rc" 0 "kmod builds against $name with W=1"
	is "$(grep -E 'warning:|error:' "$log" || true)" "" "kmod W=1 build against $name has no warnings"
	objs="hpchaos_main.o hpchaos_mirror.o"
	[[ -f $src/hpchaos_devpriv.o ]] && objs+=" hpchaos_devpriv.o"
	for p in $planted; do
		rc=0
		# shellcheck disable=SC2086 # objs is a list of words
		make -C "$kd" M="$src" W=1 PLANTED="$p" $objs >"$log.$p" 2>&1 || rc=$?
		if [[ $rc != 0 ]] || grep -qE 'warning:|error:' "$log.$p"; then
			bad+=("$p")
			diag "PLANTED=$p: $({ grep -E 'warning:|error:' "$log.$p" || tail -n 5 "$log.$p"; } | head -n 5)" >&2
		fi
	done
	is "${bad[*]}" "" "every planted variant ($planted) builds against $name with W=1, no warnings"
}

for tree in "${trees[@]}"; do
	kmod_w1 "${tree%%=*}" "${tree#*=}"
done
done_testing
