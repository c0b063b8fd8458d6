#!/usr/bin/env bash
# The kernel x scenario table of docs/kernels.md, made from result
# directories (one hpchaos run per kernel), never typed:
#
#   runner/bench/kernel-table.sh results/<run on stock> results/<run on stock:6.12> ...
#
# One column per run, headed by its kernel spec and release; one row per
# scenario; a cell is "VERDICT CLASS" (SKIP with its reason shortened, "-"
# where the run did not have the scenario). Markdown on stdout.
set -euo pipefail
shopt -s inherit_errexit
(($# > 0)) || {
	printf 'usage: %s RUN_DIR...\n' "$0" >&2
	exit 2
}
runs=()
for r in "$@"; do
	r=$(readlink -f "$r")
	[[ -f $r/run.json ]] || {
		printf 'kernel-table: %s is not a hpchaos run directory (no run.json)\n' "$r" >&2
		exit 2
	}
	runs+=("$r")
done
header="| scenario |"
rule="|---|"
for r in "${runs[@]}"; do
	header+=" $(jq -r '"\(.kernel.spec // "?") (\(.kernel.release // "?"))"' "$r/run.json") |"
	rule+="---|"
done
printf '%s\n%s\n' "$header" "$rule"
for name in $(for r in "${runs[@]}"; do
	for v in "$r"/[0-9]*-*/verdict.json; do
		[[ -f $v ]] && jq -r .scenario "$v"
	done
done | LC_ALL=C sort -u); do
	row="| \`$name\` |"
	for r in "${runs[@]}"; do
		cell=-
		for v in "$r"/[0-9]*-"$name"/verdict.json; do
			[[ -f $v ]] || continue
			cell=$(jq -r 'if .verdict == "SKIP" then "SKIP: \((.reason // "") | .[0:48])"
				else "\(.verdict)\(if (.class // "") != "" then " " + .class else "" end)" end' "$v")
		done
		row+=" $cell |"
	done
	printf '%s\n' "$row"
done
