#!/usr/bin/env bash
# Benchmark: the edit-build-verdict loop of a kernel developer.
#
# In one run, with a cache directory and a ccache directory of its own (both
# empty at the start, so the first row is a true cold build):
#   cold         'hpchaos image --kernel chaos': download and unpack
#                linux-source, configure, build, modules, initramfs
#   tree first   the same source as a user's tree (tree:PATH, a hard-linked
#                copy): mirrored into the cache and built in a build
#                directory of its own; ccache, filled by the row above,
#                should answer nearly every compile
#   no change    the tree again, nothing changed, kernel entry removed so
#                that Kbuild really runs through the build directory
#   one file     one file of mm/ edited; 'hpchaos run --kernel tree:PATH
#                boot-idle' from the command to the verdict
# Prints a table and writes bench/results/build.json. Targets (issue 12):
# cold <= 10 min, one file to boot-idle verdict <= 3 min.
#
# usage: runner/bench/build.sh [--keep]   (--keep: leave the cache directory)
set -euo pipefail
shopt -s inherit_errexit
HPC_TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=runner/lib/common.sh
. "$HPC_TOP/runner/lib/common.sh"
keep_cache=0
[[ ${1:-} == --keep ]] && keep_cache=1

work=$(mktemp -d "${TMPDIR:-/tmp}/hpchaos-bench.XXXXXX")
export HPC_CACHE=$work/cache CCACHE_DIR=$work/ccache
mkdir -p "$HPC_CACHE" "$CCACHE_DIR"
cleanup() {
	local rc=$?
	kill_children
	if [[ $keep_cache == 1 ]]; then
		msg "cache left in $work"
	else
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 3' INT TERM HUP

hpc() { "$HPC_TOP/runner/hpchaos" "$@"; }
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }
# compiled LOG: files the kernel build compiled, from its log.
compiled() { grep -c -E '^  CC ' "$1" || true; }
# hits: ccache's direct+preprocessed hits so far.
hits() { ccache -s 2>/dev/null | awk -F: '/^ *Hits:/ { gsub(/ /, "", $2); split($2, a, "/"); print a[1]; exit }'; }
misses() { ccache -s 2>/dev/null | awk -F: '/^ *Misses:/ { gsub(/ /, "", $2); split($2, a, "/"); print a[1]; exit }'; }
newest_entry() { find "$HPC_CACHE/kernels" -mindepth 1 -maxdepth 1 -type d -name "$1-*" -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2; }

rows=()
row() { # name seconds compiled hits misses note
	rows+=("$(printf '%-11s %8s s %9s %8s %8s  %s' "$@")")
	printf '%s\n' "${rows[-1]}" >&2
}
ccache -z >/dev/null 2>&1 || true
load=$(cut -d' ' -f1-3 /proc/loadavg)

# 1. cold
t0=$(now)
hpc image --kernel chaos >/dev/null
t_cold=$(sub "$(now)" "$t0")
chaos=$(newest_entry chaos)
c_cold=$(compiled "$chaos/build.log")
row cold "$t_cold" "$c_cold" "$(hits)" "$(misses)" "empty cache and ccache"

# 2. the same source as a user's tree
src=$(find "$HPC_CACHE/src" -mindepth 1 -maxdepth 1 -type d -name 'linux-source-*' | head -n 1)
tree=$work/linux
mkdir -p "$tree"
(cd "$src" && find . -path ./build-hpchaos -prune -o -type d -print0 | (cd "$tree" && xargs -0 mkdir -p))
(cd "$src" && find . -path ./build-hpchaos -prune -o ! -type d -print0 | cpio -0 -pdl --quiet "$tree")
ccache -z >/dev/null 2>&1 || true
t0=$(now)
hpc image --kernel "tree:$tree" >/dev/null
t_tree=$(sub "$(now)" "$t0")
entry=$(newest_entry tree)
row "tree first" "$t_tree" "$(compiled "$entry/build.log")" "$(hits)" "$(misses)" "mirror + build dir of its own, ccache warm"

# 3. no change, through Kbuild
rm -rf "$entry"
ccache -z >/dev/null 2>&1 || true
t0=$(now)
hpc image --kernel "tree:$tree" >/dev/null
t_nochg=$(sub "$(now)" "$t0")
entry=$(newest_entry tree)
row "no change" "$t_nochg" "$(compiled "$entry/build.log")" "$(hits)" "$(misses)" "kernel entry removed, Kbuild finds nothing to do"

# 4. one file of mm/ to a boot-idle verdict
f=$tree/mm/memremap.c
sed -i '$a /* hpchaos bench: one-file edit */' "$f"
ccache -z >/dev/null 2>&1 || true
t0=$(now)
rc=0
hpc run --kernel "tree:$tree" --results "$work/results" boot-idle >"$work/run.out" 2>&1 || rc=$?
t_one=$(sub "$(now)" "$t0")
entry=$(newest_entry tree)
verdict=$(jq -r .verdict "$work"/results/latest/*-boot-idle/verdict.json 2>/dev/null || echo none)
row "one file" "$t_one" "$(compiled "$entry/build.log")" "$(hits)" "$(misses)" "mm/memremap.c edited; boot-idle $verdict (exit $rc)"

printf '\nbuild bench (%s cores, load before: %s, %s)\n' "$(nproc)" "$load" "$(gcc --version | head -n 1)"
printf '%-11s %10s %9s %8s %8s  %s\n' step time compiled "cc hits" "cc miss" note
printf '%s\n' "${rows[@]}"
mkdir -p "$HPC_TOP/bench/results"
jq -n --arg date "$(date -u +%FT%TZ)" --arg host "$(uname -n)" --arg load "$load" \
	--argjson cores "$(nproc)" --argjson cold "$t_cold" --argjson cold_files "$c_cold" \
	--argjson tree "$t_tree" --argjson nochange "$t_nochg" --argjson onefile "$t_one" \
	--arg verdict "$verdict" \
	'{date: $date, host: $host, cores: $cores, load_before: $load,
	  cold_s: $cold, cold_files: $cold_files, tree_first_s: $tree,
	  no_change_s: $nochange, one_file_to_verdict_s: $onefile, boot_idle: $verdict,
	  targets: {cold_s: 600, one_file_to_verdict_s: 180}}' >"$HPC_TOP/bench/results/build.json"
msg "written to bench/results/build.json"
awk -v c="$t_cold" -v o="$t_one" 'BEGIN { exit !(c <= 600 && o <= 180) }' ||
	msg "a target was missed (cold <= 600 s, one file to verdict <= 180 s)"
[[ $verdict == PASS ]]
