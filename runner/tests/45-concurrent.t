#!/usr/bin/env bash
# Two runs at once on a cold cache: the image is built once (under a lock),
# both guests boot from it, both PASS, and their run ids differ even when
# they start in the same second.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
plan 5

# A private, cold cache; the downloaded packages are shared (hard links).
# HPC_CACHE, when make check runs with one, names the real cache and would
# win over XDG_CACHE_HOME: the runs get the private one through it too.
real_cache=${HPC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hpchaos}
export XDG_CACHE_HOME=$T_TMP/xdg
export HPC_CACHE=$XDG_CACHE_HOME/hpchaos
mkdir -p "$XDG_CACHE_HOME/hpchaos"
if [[ -d $real_cache/debs ]]; then
	cp -al "$real_cache/debs" "$XDG_CACHE_HOME/hpchaos/debs" 2>/dev/null ||
		cp -a "$real_cache/debs" "$XDG_CACHE_HOME/hpchaos/debs"
fi

rcs=()
for i in 1 2; do
	"$T_TOP/runner/hpchaos" run --results "$T_RESULTS" boot-idle >"$T_TMP/out$i" 2>&1 &
	pids+=("$!")
done
for pid in "${pids[@]}"; do
	rc=0
	wait "$pid" || rc=$?
	rcs+=("$rc")
done
is "${rcs[*]}" "0 0" "both runs exit 0"
n=$(find "$T_RESULTS" -name verdict.json | wc -l)
is "$n" 2 "two verdicts"
is "$(cat "$T_RESULTS"/*/*/verdict.json | jq -r .verdict | sort -u)" PASS "both PASS"
is "$(find "$T_RESULTS" -mindepth 1 -maxdepth 1 -type d | wc -l)" 2 "two distinct run directories"
is "$(find "$XDG_CACHE_HOME/hpchaos/initramfs" -name '*.cpio.gz' | wc -l)" 1 "one initramfs built for both"
done_testing
