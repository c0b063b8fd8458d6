#!/usr/bin/env bash
# The kernel x scenario table of docs/kernels.md, made from result
# directories (hpchaos runs), never typed:
#
#   runner/bench/kernel-table.sh RUN_DIR[,RUN_DIR...] ...
#
# One column per argument, headed by the kernel spec and release of its
# first run; several runs joined by commas make one column (runs of the same
# kernel with different scenarios). One row per scenario; a cell is
# "VERDICT CLASS" (SKIP with its reason shortened, "-" where the column's
# runs did not have the scenario). Markdown on stdout.
set -euo pipefail
shopt -s inherit_errexit
(($# > 0)) || {
	printf 'usage: %s RUN_DIR[,RUN_DIR...]...\n' "$0" >&2
	exit 2
}
cols=() # one per argument: its run directories, comma-separated
all=()  # every run directory
for arg in "$@"; do
	col=
	IFS=, read -r -a dirs <<<"$arg"
	for r in "${dirs[@]}"; do
		r=$(readlink -f "$r")
		[[ -f $r/run.json ]] || {
			printf 'kernel-table: %s is not a hpchaos run directory (no run.json)\n' "$r" >&2
			exit 2
		}
		col+=${col:+,}$r
		all+=("$r")
	done
	cols+=("$col")
done
header="| scenario |"
rule="|---|"
for col in "${cols[@]}"; do
	header+=" $(jq -r '"\(.kernel.spec // "?") (\(.kernel.release // "?"))"' "${col%%,*}/run.json") |"
	rule+="---|"
done
printf '%s\n%s\n' "$header" "$rule"
for name in $(for r in "${all[@]}"; do
	for v in "$r"/[0-9]*-*/verdict.json; do
		[[ -f $v ]] && jq -r .scenario "$v"
	done
done | LC_ALL=C sort -u); do
	row="| \`$name\` |"
	for col in "${cols[@]}"; do
		cell=-
		IFS=, read -r -a dirs <<<"$col"
		for r in "${dirs[@]}"; do
			for v in "$r"/[0-9]*-"$name"/verdict.json; do
				[[ -f $v ]] || continue
				cell=$(jq -r 'if .verdict == "SKIP" then "SKIP: \((.reason // "") | .[0:48])"
					else "\(.verdict)\(if (.class // "") != "" then " " + .class else "" end)" end' "$v")
			done
		done
		row+=" $cell |"
	done
	printf '%s\n' "$row"
done
