#!/usr/bin/env bash
# Benchmark: does a kernel stall in early boot on a loaded host?
#
# Boots KERNEL (default chaos) N times (default 20) with boot-idle, two
# guests at a time, with a CPU hog at nice 19 on every core beside them
# (the condition make check's two chains and a busy CI host create), and
# counts the verdicts. A boot that printed and then never reached the agent
# is FAIL HANG "guest did not reach the agent"; for each, the last console
# line is printed (where the kernel stopped).
#
# usage: runner/bench/boot-stall.sh [N] [KERNEL]
set -euo pipefail
shopt -s inherit_errexit
N=${1:-20}
KERNEL=${2:-chaos}
HPC_TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=runner/lib/common.sh
. "$HPC_TOP/runner/lib/common.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/hpchaos-stall.XXXXXX")
hogs=()
cleanup() {
	local rc=$? p
	for p in "${hogs[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 3' INT TERM HUP

"$HPC_TOP/runner/hpchaos" image --kernel "$KERNEL" >/dev/null
for ((i = 0; i < $(nproc); i++)); do
	nice -n 19 sh -c 'while :; do :; done' &
	hogs+=($!)
done
t0=$SECONDS
rc=0
"$HPC_TOP/runner/hpchaos" run --kernel "$KERNEL" --repeat "$N" -j 2 --results "$work/results" boot-idle \
	>"$work/out" 2>&1 || rc=$?
took=$((SECONDS - t0))
run=$(readlink -f "$work/results/latest")
declare -A count=()
stalls=()
for v in "$run"/*/verdict.json; do
	k=$(jq -r '"\(.verdict) \(.class // "")"' "$v")
	count[$k]=$((${count[$k]:-0} + 1))
	if [[ $(jq -r '.title // ""' "$v") == "HANG: guest did not reach the agent" ]]; then
		stalls+=("$(basename "$(dirname "$v")"): $(jq -r .reason "$v")")
	fi
done
printf 'boot-stall: %s boots of %s boot-idle, -j 2, %s CPU hogs at nice 19, %s s (runner exit %s)\n' \
	"$N" "$KERNEL" "$(nproc)" "$took" "$rc"
for k in "${!count[@]}"; do
	printf '  %-14s %s\n' "$k" "${count[$k]}"
done | sort
printf '  early-boot stalls: %d\n' "${#stalls[@]}"
((${#stalls[@]} == 0)) || printf '    %s\n' "${stalls[@]}"
((${#stalls[@]} == 0))
