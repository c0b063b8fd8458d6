#!/usr/bin/env bash
# Run the libFuzzer harnesses (docs/internals.md, "Fuzzing") and print one
# table row per harness: executions, corpus size, result. Exit 1 if any
# harness found a crash, a leak, a hang (an input over FUZZ_TIMEOUT, default
# 10 s, of CPU time when run again alone) or ran out of
# memory; its reproducer is left in the artifacts directory the table names.
#
#   fuzz/run.sh [--seconds S | --runs N] [--seed N] [--work DIR] [NAME...]
#
#   --seconds S  fuzz each harness for S seconds (default $FUZZ_SECONDS or 60)
#   --runs N     instead, N executions in all, the seed corpus included
#                (--runs check: each harness's fixed count for make check)
#   --seed N     libFuzzer's random seed (default: libFuzzer picks one)
#   --work DIR   corpus, artifacts and logs under DIR (default build-fuzz;
#                the corpus in build-fuzz/corpus/NAME grows from run to run)
#   NAME         harnesses to run (default: every build-fuzz/bin/fuzz_*)
#
# Each harness reads, besides its working corpus: its seed corpus
# (build-fuzz/seeds/NAME, made by make fuzzers) and its regression inputs
# (tests/fixtures/fuzz/NAME), but those listed in tests/fixtures/fuzz/KNOWN
# (inputs of bugs not fixed yet; make check replays them as TODO tests).
# Run from framework/ after make fuzzers; make fuzz does both.
set -euo pipefail
shopt -s inherit_errexit nullglob

seconds=${FUZZ_SECONDS:-60}
runs=""
seed=""
work=""
timeout=${FUZZ_TIMEOUT:-10}

usage() {
	sed -n '8,16s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

while [[ $# -gt 0 ]]; do
	case $1 in
	--seconds) seconds=${2:?}; shift 2 ;;
	--runs) runs=${2:?}; shift 2 ;;
	--seed) seed=${2:?}; shift 2 ;;
	--work) work=${2:?}; shift 2 ;;
	-h | --help) usage ;;
	-*) usage ;;
	*) break ;;
	esac
done
[[ $seconds =~ ^[0-9]+$ ]] || usage
[[ -z $runs || $runs == check || $runs =~ ^[0-9]+$ ]] || usage
[[ -z $seed || $seed =~ ^[0-9]+$ ]] || usage
# --work is relative to where we were called from
if [[ -n $work ]]; then
	mkdir -p "$work"
	work=$(cd "$work" && pwd)
fi
cd "$(dirname "$0")/.."
work=${work:-$PWD/build-fuzz}

# Per harness: longest input, and executions for make check (the seed
# corpus counts: a triage execution compiles the whole pattern table and is
# about 100 times slower than the others).
declare -A max_len=(
	[agent]=8192 [kmerge]=65536 [ktap]=16384 [linebuf]=16384 [proto]=16384
	[qmp]=65536 [scenario]=16384 [symbolize]=16384 [triage_line]=16384 [triage_stream]=16384
)
declare -A check_runs=(
	[agent]=20000 [kmerge]=100 [ktap]=20000 [linebuf]=10000 [proto]=20000
	[qmp]=400 [scenario]=2000 [symbolize]=20000 [triage_line]=120 [triage_stream]=100
)

names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
	for b in build-fuzz/bin/fuzz_*; do
		names+=("${b#build-fuzz/bin/fuzz_}")
	done
fi
[[ ${#names[@]} -gt 0 ]] || { echo "fuzz/run.sh: no harness built (make fuzzers)" >&2; exit 2; }

# Inputs of open bugs, "NAME/FILE" on each line (after '#': why).
known=()
if [[ -f tests/fixtures/fuzz/KNOWN ]]; then
	mapfile -t known < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' tests/fixtures/fuzz/KNOWN)
fi
is_known() {
	local k
	for k in "${known[@]}"; do
		[[ $k == "$1" ]] && return 0
	done
	return 1
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# cpu_seconds CMD...: run CMD with its output discarded; print the CPU
# seconds (user + system) it used; return its exit status.
cpu_seconds() {
	local out
	out=$( { rc=0; "$@" >/dev/null 2>&1 || rc=$?; times; echo "$rc"; } )
	# times: the shell's own line, then its children's
	awk 'NR == 2 {
		n = 0
		for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60 + a[2] }
		printf "%.2f\n", n }' <<<"$out"
	return "${out##*$'\n'}"
}

# slow_not_hung BIN FILE: was a timeout-* reproducer slow rather than hung?
# libFuzzer's timeout is wall time; a harness starved on a loaded host (at
# nice 19 beside a kernel build) exceeds it on inputs that take a fraction
# of a second. The input runs again alone, bounded by ten timeouts of wall
# time, and is judged by its CPU time: under one timeout and a clean exit is
# slow (true; the CPU seconds printed), anything else a hang.
slow_not_hung() {
	local cpu
	cpu=$(TMPDIR=$tmp cpu_seconds "$1" -timeout=$((timeout * 10)) -rss_limit_mb=2048 "$2") || return 1
	awk -v c="$cpu" -v t="$timeout" 'BEGIN { exit !(c < t) }' || return 1
	printf '%s' "$cpu"
}

rows=()
failed=0
for name in "${names[@]}"; do
	bin=build-fuzz/bin/fuzz_$name
	[[ -x $bin ]] || { echo "fuzz/run.sh: no harness $bin (make fuzzers)" >&2; exit 2; }
	corpus=$work/corpus/$name
	art=$work/artifacts/$name
	regress=$work/regress/$name
	# harness temporary files (a crashed harness cannot remove its own)
	tmp=$work/tmp/$name
	log=$work/logs/$name.log
	rm -rf "$art" "$regress" "$tmp"
	mkdir -p "$corpus" "$art" "$regress" "$tmp" "$(dirname "$log")"
	for f in tests/fixtures/fuzz/"$name"/*; do
		is_known "$name/${f##*/}" || cp "$f" "$regress/"
	done

	args=(-timeout="$timeout" -rss_limit_mb=2048 -detect_leaks=1
		-max_len="${max_len[$name]:-16384}" -print_final_stats=1
		-artifact_prefix="$art/")
	[[ -f fuzz/dict/$name.dict ]] && args+=(-dict="fuzz/dict/$name.dict")
	[[ -n $seed ]] && args+=(-seed="$seed")
	total_runs=""
	if [[ $runs == check ]]; then
		total_runs=${check_runs[$name]:-2000}
	elif [[ -n $runs ]]; then
		total_runs=$runs
	fi
	printf 'fuzz/run.sh: %s ...\n' "$name" >&2
	# One libFuzzer run, or more: a timeout that run_again finds was not a
	# hang is renamed slow-under-load-*, and the harness goes on for the
	# time or executions left (at most 5 times).
	: >"$log"
	deadline=$((SECONDS + seconds))
	execs=0
	restarts=0
	while :; do
		budget=()
		if [[ -n $total_runs ]]; then
			left=$((total_runs - execs))
			budget=(-runs="$left")
		else
			left=$((deadline - SECONDS))
			budget=(-max_total_time="$left")
		fi
		[[ $left -gt 0 ]] || break
		rc=0
		TMPDIR=$tmp "$bin" "${args[@]}" "${budget[@]}" "$corpus" "build-fuzz/seeds/$name" "$regress" >"$log.part" 2>&1 || rc=$?
		cat "$log.part" >>"$log"
		# executions: the final stats, else the last status line
		e=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log.part" | tail -n 1)
		[[ -n $e ]] || e=$(sed -n 's/^#\([0-9]*\)[[:space:]].*/\1/p' "$log.part" | tail -n 1)
		execs=$((execs + ${e:-0}))
		[[ $rc -ne 0 ]] || break
		hung=("$art"/timeout-*)
		[[ ${#hung[@]} -eq 1 && $restarts -lt 5 ]] || break
		cpu=$(slow_not_hung "$bin" "${hung[0]}") || break
		mv "${hung[0]}" "$art/slow-under-load-${hung[0]##*/timeout-}"
		printf 'fuzz/run.sh: %s: %s took %s s of CPU alone (timeout %s s of wall time): slow under load, not a hang; goes on\n' \
			"$name" "${hung[0]##*/}" "$cpu" "$timeout" | tee -a "$log" >&2
		restarts=$((restarts + 1))
		rc=0
	done
	rm -rf "$tmp" "$log.part"
	size=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' "$log" | tail -n 1)
	# a crash, leak, timeout (hang) or out-of-memory leaves a reproducer;
	# libFuzzer's slow-unit-* files only say an input took more than 10 s
	# of wall time, which a starved process does without hanging: named,
	# not a failure
	found=()
	slow=0
	for f in "$art"/*; do
		if [[ ${f##*/} == slow-unit-* || ${f##*/} == slow-under-load-* ]]; then slow=$((slow + 1)); else found+=("$f"); fi
	done
	if [[ $rc -eq 0 && ${#found[@]} -eq 0 ]]; then
		result=ok
		[[ $slow == 0 ]] || result="ok ($slow slow units, in $art)"
	else
		failed=$((failed + 1))
		if [[ ${#found[@]} -gt 0 ]]; then
			result="${found[0]##*/}"
			result="${result%%-*} ${found[0]}"
		else
			result="error (exit $rc, see $log)"
		fi
	fi
	rows+=("$(printf '%-14s %12s %8s  %s' "$name" "${execs:-?}" "${size:-?}" "$result")")
done

printf '%-14s %12s %8s  %s\n' harness executions corpus result
printf '%s\n' "${rows[@]}"
if [[ $failed -gt 0 ]]; then
	printf '%d of %d harnesses failed; logs in %s/logs, reproducers above\n' "$failed" "${#names[@]}" "$work"
	exit 1
fi
