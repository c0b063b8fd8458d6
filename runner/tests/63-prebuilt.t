#!/usr/bin/env bash
# build:DIR, a kernel the user already built: it boots as it is (no build,
# seconds), the directory is never written to, and a directory that is not
# a usable build says which file is wrong before anything boots.
# The kernel "built beforehand" is the chaos kernel's own build directory.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=runner/lib/common.sh
. "$T_TOP/runner/lib/common.sh"
# shellcheck source=runner/lib/deps.sh
. "$T_TOP/runner/lib/deps.sh"
# shellcheck source=runner/lib/kernel.sh
. "$T_TOP/runner/lib/kernel.sh"
plan 10

b=$(_src_unpack)/build-hpchaos
sum() { find "$1" -printf '%P %s %T@ %m\n' | LC_ALL=C sort | sha256sum; }
before=$(sum "$b")
t0=$SECONDS
hpc run --kernel "build:$b" --results "$T_RESULTS" boot-idle
took=$((SECONDS - t0))
diag "$(printf '%s\n' "$T_OUT" | tail -n 3)"
is "$(json "$(echo "$(latest)"/*-boot-idle/verdict.json)" .verdict 2>/dev/null || echo none)" PASS "boot-idle PASS on build:DIR"
t "no kernel was built (no 'building the kernel' in the output)" test -z "$(printf '%s\n' "$T_OUT" | grep 'building the kernel' || true)"
t "build:DIR to a verdict in seconds, not minutes ($took s)" test "$took" -lt 120
is "$(sum "$b")" "$before" "the build directory is unchanged (names, sizes, times, modes)"

# Broken build directories: each error names the file.
bad=$T_TMP/bad
broken() { # NAME GLOB: hpchaos image --kernel build:$bad fails with GLOB
	hpc image --kernel "build:$bad"
	like "$T_RC:$T_OUT" "2:*$2*" "$1"
}
mkdir -p "$bad"
broken "an empty directory: not configured" "not configured (no $bad/.config)"
cp "$b/.config" "$bad/"
broken "configured, never built" "not built (no $bad/include/config/kernel.release"
mkdir -p "$bad/include/config" && cp "$b/include/config/kernel.release" "$bad/include/config/"
broken "no bzImage" "no kernel image $bad/arch/x86/boot/bzImage"
mkdir -p "$bad/arch/x86/boot" && cp "$b/arch/x86/boot/bzImage" "$bad/arch/x86/boot/"
echo 9.9.9-other >"$bad/include/config/kernel.release"
broken "a bzImage of another build" "bzImage is version $(<"$b/include/config/kernel.release"), but $bad/include/config/kernel.release says 9.9.9-other"
cp "$b/include/config/kernel.release" "$bad/include/config/"
cp "$b/modules.order" "$b/Module.symvers" "$bad/"
first=$(head -n 1 "$b/modules.order")
first=${first%.o}
first=${first%.ko}
broken "a module of modules.order missing" "module $bad/$first.ko"
# every module present, one of them from another kernel (stock)
while read -r m; do
	m=${m%.o}
	m=${m%.ko}
	install -D -m 0644 "$b/$m.ko" "$bad/$m.ko"
done <"$b/modules.order"
other=$(find "$HPC_CACHE"/kernels/stock-*/root/lib/modules -name '*.ko' -print -quit 2>/dev/null || true)
[[ -n $other ]] && cp "$other" "$bad/$first.ko"
broken "a module built for another kernel" "module $bad/$first.ko is for"
done_testing
