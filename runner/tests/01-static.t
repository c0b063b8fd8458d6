#!/usr/bin/env bash
# Static checks: the bash is shellcheck-clean; the kernel modules build with
# W=1 and no warning against the stock 6.1 headers (the ones the runner
# boots), Debian 12's newest 6.12 headers (stock:6.12, in the cache)
# and, under make check, the chaos tree it built; every planted variant
# against the last of these.
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
# Debian 12's newest 6.12 (stock:6.12): its headers, unpacked into the cache
# like the stock 6.1 ones (never installed on the host).
k612=$(STOCK_LINE=6.12 image_stock_kernel || true)
if [[ -n $k612 && -f $k612/release ]]; then
	trees+=("$(<"$k612/release")=$k612/root/usr/src/linux-headers-$(<"$k612/release")")
else
	trees+=("6.12=")
fi
# The chaos tree only under make check, which has built it before the tests.
if [[ -n ${HPC_CHECK_STATE:-} ]]; then
	# chaos:6.12: configured like its chaos kernel and prepared
	# (modules_prepare), not built: a compile check of the module against
	# the debug config of the newer line; modpost has no symbols there.
	p612=$(with_lock "$HPC_CACHE/kernel.lock" kernel_prepared chaos:6.12)
	trees+=("chaos 6.12 (prepared)=$p612")
	cdir=$(kernel_built chaos)
	trees+=("chaos $(<"$cdir/release")=$cdir/build")
fi
# The planted variants once, against the last tree (chaos under make check:
# it compiles the device-private objects too; else stock 6.1).
plan $((1 + 2 * ${#trees[@]} + 1))

out=$(shellcheck -x runner/hpchaos runner/lib/*.sh runner/completion/*.bash runner/tests/*.t runner/tests/lib.sh runner/tests/chaos/*.t runner/bench/*.sh runner/tools/*.sh framework/fuzz/run.sh guest-images/init .ci/run 2>&1 || true)
is "$out" "" "shellcheck: runner, libraries, tests, guest init, CI script"

# kmod_w1 NAME KDIR [planted]: the default build, then the planted variants' objects.
kmod_w1() {
	local name=$1 kd=$2 with=${3:-} src=$T_TMP/kmod-${1//[^a-zA-Z0-9.]/_} log p rc=0 bad=() objs
	log=$src.log
	if [[ -z $kd || ! -f $kd/Makefile ]]; then
		ok 1 "kmod builds against $name with W=1 (no such tree: hpchaos image --kernel stock:6.12 fetches it)"
		ok 1 "kmod W=1 build against $name has no warnings"
		[[ -z $with ]] || ok 1 "every planted variant builds against $name with W=1, no warnings"
		return
	fi
	cp -r "$T_TOP/kmod" "$src"
	# a prepared tree has no Module.symvers: modpost cannot resolve symbols
	# (its own WARNINGs are upper case, not what is counted below)
	local -a extra=()
	[[ -f $kd/Module.symvers ]] || extra=(KBUILD_MODPOST_WARN=1)
	make -C "$src" KDIR="$kd" W=1 "${extra[@]}" >"$log" 2>&1 || rc=$?
	is "$rc" 0 "kmod builds against $name with W=1"
	is "$(grep -E 'warning:|error:' "$log" || true)" "" "kmod W=1 build against $name has no warnings"
	[[ -n $with ]] || return 0
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

for ((i = 0; i < ${#trees[@]}; i++)); do
	tree=${trees[i]}
	with=
	((i < ${#trees[@]} - 1)) || with=planted
	kmod_w1 "${tree%%=*}" "${tree#*=}" "$with"
done
done_testing
