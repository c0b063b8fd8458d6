# shellcheck shell=bash
# TAP helpers for the runner's integration tests (run by prove).
set -euo pipefail
shopt -s inherit_errexit

T_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Integration tests use the sanitized tools when they are built.
if [[ -x $T_TOP/framework/build-san/bin/hpc-conductor ]]; then
	export HPC_BIN=$T_TOP/framework/build-san/bin
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hpchaos-test.XXXXXX")
T_RESULTS=$T_TMP/results
T_N=0
T_FAILED=0
# On exit: a failed test keeps its results (prove shows stderr), the rest
# goes away.
t_cleanup() {
	local keep
	if [[ $T_FAILED -gt 0 && -d $T_RESULTS ]]; then
		keep=${HPC_TEST_KEEP:-$T_TOP/results/failed-tests}/$(basename "$0")-$$
		mkdir -p "$(dirname "$keep")" && mv "$T_RESULTS" "$keep" &&
			printf '# %s: results of the failed test kept in %s\n' "$(basename "$0")" "$keep" >&2
	fi
	rm -rf "$T_TMP"
}
trap t_cleanup EXIT

plan() { printf '1..%d\n' "$1"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# ok COND_STATUS NAME: report a result from the status of the last command.
ok() {
	local status=$1 name=$2
	T_N=$((T_N + 1))
	if [[ $status -eq 0 ]]; then
		printf 'ok %d - %s\n' "$T_N" "$name"
	else
		printf 'not ok %d - %s\n' "$T_N" "$name"
		printf '# %s: not ok %d - %s\n' "$(basename "$0")" "$T_N" "$name" >&2
		T_FAILED=$((T_FAILED + 1))
	fi
}

# skip NAME REASON: a TAP skip (counted as run, not as passed)
skip() {
	T_N=$((T_N + 1))
	printf 'ok %d - %s # SKIP %s\n' "$T_N" "$1" "$2"
}

# is GOT WANT NAME
is() {
	if [[ $1 == "$2" ]]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "got:  '$1'" "want: '$2'" >&2
	fi
}

# t NAME CMD...: ok if CMD succeeds (safe under set -e).
t() {
	local name=$1
	shift
	if "$@"; then ok 0 "$name"; else ok 1 "$name"; fi
}

# like GOT GLOB NAME
like() {
	# shellcheck disable=SC2053
	if [[ $1 == $2 ]]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "got:  '$1'" "want: $2" >&2
	fi
}

# sanitizer_check: a sanitizer report from any conductor is a failed test.
sanitizer_check() {
	local f
	for f in $(grep -rl --include=conductor.log -e Sanitizer -e 'runtime error:' "$T_TMP" 2>/dev/null || true); do
		grep -q "^$f\$" "$T_TMP/.sanitizer-seen" 2>/dev/null && continue
		echo "$f" >>"$T_TMP/.sanitizer-seen"
		T_N=$((T_N + 1))
		T_FAILED=$((T_FAILED + 1))
		printf 'not ok %d - sanitizer report in %s\n' "$T_N" "$f"
		sed 's/^/# /' "$f" | head -n 30
	done
}

# hpc ARGS...: run the runner; output in $T_OUT, status in $T_RC.
# shellcheck disable=SC2034 # T_RC and T_OUT are read by the tests
hpc() {
	T_RC=0
	T_OUT=$("$T_TOP/runner/hpchaos" "$@" 2>&1) || T_RC=$?
	sanitizer_check
}

# json FILE FILTER: a jq query on a results file.
json() { jq -r "$2" "$1"; }

# qemu_count: QEMU processes started by this test (their cwd is under T_TMP).
qemu_count() {
	local pid n=0 cwd
	for pid in $(pgrep qemu-system || true); do
		cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null || true)
		[[ $cwd == "$T_TMP"/* ]] && n=$((n + 1))
	done
	echo "$n"
}

# The runner's latest run directory under T_RESULTS.
latest() { readlink -f "$T_RESULTS/latest" || true; }

# check_verdicts ARRAY: ARRAY (an associative array's name) maps scenario
# names to a glob for "VERDICT CLASS TITLE-OR-REASON" in the latest run.
check_verdicts() {
	local -n _want=$1
	local s v got
	for s in $(printf '%s\n' "${!_want[@]}" | sort); do
		v=$(echo "$(latest)"/*-"$s")/verdict.json
		got=$(json "$v" '"\(.verdict) \(.class // "") \(.title // .reason // "")"')
		like "$got" "${_want[$s]}" "$s: $got"
	done
}

# results_check: every ktap.txt, junit.xml ... this test file made validates
# (runner/tools/check-results.sh); an invalid one is a failed test.
results_check() {
	local o
	o=$("$T_TOP/runner/tools/check-results.sh" "$T_TMP" 2>&1) && return 0
	T_N=$((T_N + 1))
	T_FAILED=$((T_FAILED + 1))
	printf 'not ok %d - result files this test made validate\n' "$T_N"
	printf '%s\n' "$o" | head -n 40 | sed 's/^/# /'
}

done_testing() {
	results_check
	exit $((T_FAILED > 0))
}

# Facts one test file leaves for a later one of the same make check (the
# QEMU backend's quick verdicts, compared by the libvirt test): a directory
# make check makes for the run; unset when a test file runs alone.
# shellcheck disable=SC2034 # read by the tests
T_STATE=${HPC_CHECK_STATE:-}

# verdict_table RUN_DIR: "name verdict class" per scenario, sorted.
verdict_table() {
	local d
	for d in "$1"/[0-9]*-*/; do
		json "$d/verdict.json" '"\(.scenario) \(.verdict) \(.class // "-")"'
	done | sort
}

# "${AS_AT_TERMINAL[@]}" CMD...: run CMD with SIGINT and SIGQUIT at their
# default action, as a terminal's job has them. A make check started in the
# background (nohup, `make check &`, some CI runners) hands them down
# ignored, and a shell cannot trap a signal that was ignored when it
# started: the runner would then not notice the test's SIGINT at all.
# A command prefix, not a function: started with &, CMD itself must be $!
# (a function would run in a subshell, and SIGKILL to $! would miss CMD).
# shellcheck disable=SC2034,SC2054 # used by the tests that source this; the comma is env's list
AS_AT_TERMINAL=(env --default-signal=INT,QUIT)
