#!/usr/bin/env bash
# make bench-detect: does hpchaos find the bugs planted in its own module?
#
#   runner/bench/detect.sh [--seeds N] [--only BUG[,BUG...]]
#                          [--scenarios SCN[,SCN...]] [--out FILE]
#
# For every row of runner/bench/detect.table: build that variant of the
# module (hpchaos run --planted), run the scenario on the kernel named there
# with N seeds (default 1), and compare each verdict class with the
# expected ones. Prints a matrix (bug, kernel, scenario, expected, runs
# detected, median time to the verdict, the verdict seen) and writes it as
# JSON to bench/results/detect.json (or --out). Exit 0 when every planted
# bug was detected in every run with an expected class and the correct
# module (bug "none") passed every run; 1 otherwise.
set -euo pipefail
shopt -s inherit_errexit
HPC_TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=runner/lib/common.sh
. "$HPC_TOP/runner/lib/common.sh"

seeds=1 only='' scns='' out=$HPC_TOP/bench/results/detect.json
while [[ $# -gt 0 ]]; do
	case $1 in
	--seeds) seeds=${2:?--seeds needs a value}; shift 2 ;;
	--only) only=${2:?--only needs a value}; shift 2 ;;
	--scenarios) scns=${2:?--scenarios needs a value}; shift 2 ;;
	--out) out=${2:?--out needs a value}; shift 2 ;;
	-h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die 2 "detect: unknown argument '$1' (see --help)" ;;
	esac
done
[[ $seeds =~ ^[0-9]{1,3}$ && $seeds -ge 1 ]] || die 2 "--seeds: expected 1..999, got '$seeds'"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rows=$tmp/rows.jsonl
: >"$rows"

median() { sort -n | awk '{ v[NR] = $1 } END { if (!NR) { print "-"; exit } m = int((NR + 1) / 2); printf "%.1f", (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'; }

# run_row BUG KERNEL SCENARIO EXPECT: N seeded runs, one JSON line.
run_row() {
	local bug=$1 kernel=$2 scn=$3 expect=$4 i seed res verdict cls title dur got hit=0
	local -a times=() seen=()
	for ((i = 1; i <= seeds; i++)); do
		seed=$((1000 + i))
		res=$tmp/$bug-$kernel-$i
		progress "bench-detect: $bug on $kernel, $scn, seed $seed ($i/$seeds)"
		"$HPC_TOP/runner/hpchaos" run --kernel "$kernel" --planted "$bug" --seed "$seed" \
			--results "$res" "$scn" >"$tmp/last.log" 2>&1 || true
		progress_done
		if [[ ! -f $res/latest/summary.json ]]; then
			msg "$bug: no result (see below)"
			tail -n 5 "$tmp/last.log" >&2
			verdict=ERROR cls=null title='no result' dur=0
		else
			verdict=$(jq -r '.results[0].verdict' "$res/latest/summary.json")
			cls=$(jq -r '.results[0].class' "$res/latest/summary.json")
			title=$(jq -r '.results[0].title // .results[0].reason' "$res/latest/summary.json")
			dur=$(jq -r '.results[0].duration_s' "$res/latest/summary.json")
		fi
		got=$verdict
		[[ $verdict == FAIL ]] && got=$cls
		if [[ ,$expect, == *",$got,"* ]]; then
			hit=$((hit + 1))
			times+=("$dur")
		fi
		seen+=("$(jq -cn --arg v "$verdict" --arg c "$cls" --arg t "$title" \
			--argjson d "$dur" --argjson s "$seed" \
			'{seed: $s, verdict: $v, class: (if $c == "null" then null else $c end), title: $t, duration_s: $d}')")
		[[ $cls == null ]] && cls=''
		msg "$bug/$kernel seed $seed: $verdict${cls:+ $cls} ${title:0:70} (${dur}s)"
	done
	printf '%s\n' "${seen[@]}" | jq -sc --arg b "$bug" --arg k "$kernel" --arg s "$scn" \
		--arg e "$expect" --argjson h "$hit" --argjson n "$seeds" \
		--arg m "$( ((${#times[@]})) && printf '%s\n' "${times[@]}" | median || echo -)" \
		'{bug: $b, kernel: $k, scenario: $s, expect: ($e | split(",")), runs: $n,
		  detected: $h, median_s: (if $m == "-" then null else ($m | tonumber) end), seen: .}' >>"$rows"
}

while read -r bug kernel scn expect; do
	[[ -z $bug || $bug == \#* ]] && continue
	[[ -z $only || ,$only, == *",$bug,"* ]] || continue
	[[ -z $scns || ,$scns, == *",$scn,"* ]] || continue
	run_row "$bug" "$kernel" "$scn" "$expect"
done <"$HPC_TOP/runner/bench/detect.table"

mkdir -p "$(dirname "$out")"
jq -s --arg when "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --argjson seeds "$seeds" \
	'{schema: 1, finished: $when, seeds: $seeds, rows: .}' "$rows" >"$out"

printf '\n%-22s %-6s %-20s %-12s %-9s %-9s %s\n' bug kernel scenario expect detected median_s 'verdict (first run)'
jq -r '.rows[] | [.bug, .kernel, .scenario, (.expect | join(",")),
	"\(.detected)/\(.runs)", (.median_s // "-" | tostring),
	((.seen[0].verdict) + (if .seen[0].class then " " + .seen[0].class else "" end) + ": " + (.seen[0].title // ""))[0:70]] | @tsv' "$out" |
	while IFS=$'\t' read -r b k s e d m v; do
		printf '%-22s %-6s %-20s %-12s %-9s %-9s %s\n' "$b" "$k" "$s" "$e" "$d" "$m" "$v"
	done
missed=$(jq '[.rows[] | select(.detected < .runs)] | length' "$out")
msg "matrix: $out"
if [[ $missed -gt 0 ]]; then
	msg "$missed row(s) not as expected"
	exit 1
fi
msg "every planted bug detected with its expected class; the correct module passed"
