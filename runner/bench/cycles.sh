#!/usr/bin/env bash
# Benchmark: unplug + re-plug + verify cycles per hour under a live mirror,
# many per boot (scenarios/provider/bar-cycles.scn: 100 cycles of the PCI
# BAR provider in one boot), beside what a boot costs: the same cycle run
# as one boot per cycle (bar-surprise, --repeat) is bounded by the boot.
#
#   runner/bench/cycles.sh [RUNS]      (make bench; RUNS default 1)
#
# Prints, per provider: cycles, time per cycle, cycles per hour in one boot,
# and the boot's own cost (QEMU start to the agent's hello, from
# verdict.json) with the cycles per hour one boot per cycle would give.
# The dimm and devdax providers have no cycle driver yet: said as such.
# Writes bench/results/cycles.json.
set -euo pipefail
shopt -s inherit_errexit
RUNS=${1:-1}
HPC_TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=runner/lib/common.sh
. "$HPC_TOP/runner/lib/common.sh"

[[ $RUNS =~ ^[1-9][0-9]?$ ]] || die 2 "cycles.sh: RUNS: expected 1..99, got '$RUNS'"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$HPC_TOP/bench/results
mkdir -p "$out"

rows=()
for ((i = 1; i <= RUNS; i++)); do
	progress "cycles: bar-cycles run $i/$RUNS"
	"$HPC_TOP/runner/hpchaos" run --results "$tmp/results" -j 1 --seed "$i" bar-cycles >"$tmp/run.log" 2>&1 ||
		die 1 "bar-cycles failed (run $i): $(tail -n 3 "$tmp/run.log" | tr '\n' ' ')"
	d=$(echo "$(readlink -f "$tmp/results/latest")"/*-bar-cycles)
	# "# 100 cycles in 11.744 s: 117.4 ms per cycle, 30653 per hour"
	line=$(grep -m1 -E '^\[cycles\] # [0-9]+ cycles in [0-9.]+ s: ' "$d/steps.log") ||
		die 1 "no cycle timing in $d/steps.log"
	read -r n secs < <(sed -E 's/.*# ([0-9]+) cycles in ([0-9.]+) s: .*/\1 \2/' <<<"$line")
	boot=$(jq -r '.hello_s' "$d/verdict.json")
	total=$(jq -r '.duration_s' "$d/verdict.json")
	[[ $(jq -r '.cycles.passed' "$d/verdict.json") == "$n" ]] ||
		die 1 "verdict.json counts $(jq -c .cycles "$d/verdict.json") cycles, the guest said $n"
	rows+=("$n $secs $boot $total")
done
progress_done

acc=$(jq -r .accel "$(readlink -f "$tmp/results/latest")/run.json")
printf 'cycles (%s, %d run(s) of bar-cycles, %s cores, load %s)\n' "$acc" "$RUNS" "$(nproc)" "$(cut -d' ' -f1 /proc/loadavg)"
printf '%-9s %7s %12s %14s %10s %22s\n' provider cycles "per cycle" "in one boot/h" "boot (s)" "one boot per cycle/h"
json='[]'
for r in "${rows[@]}"; do
	read -r n secs boot total <<<"$r"
	awk -v n="$n" -v s="$secs" -v b="$boot" 'BEGIN {
		printf "%-9s %7d %9.1f ms %14.0f %10.1f %22.0f\n", "bar", n, 1000 * s / n, 3600 * n / s, b, 3600 / (b + s / n) }'
	json=$(jq -c --argjson n "$n" --argjson s "$secs" --argjson b "$boot" --argjson t "$total" \
		'. + [{provider: "bar", cycles: $n, cycles_s: $s, per_cycle_ms: (1000 * $s / $n),
		       per_hour: (3600 * $n / $s), boot_s: $b, run_s: $t,
		       per_hour_one_boot_per_cycle: (3600 / ($b + $s / $n))}]' <<<"$json")
done
printf '%-9s %s\n' dimm "not measured: no cycle driver for the dimm provider yet" devdax "not measured: no cycle driver for the devdax provider yet"
jq -n --argjson runs "$json" --arg accel "$acc" --arg load "$(cut -d' ' -f1 /proc/loadavg)" \
	'{accel: $accel, load: $load, runs: $runs, not_measured: ["dimm", "devdax"]}' >"$out/cycles.json"
printf 'written: %s\n' "$out/cycles.json"
