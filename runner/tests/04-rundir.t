#!/usr/bin/env bash
# The run directory and a signal at any moment of making it: run_dir_open
# gives private directories with distinct ids, and on_signal, wherever
# run_dir_open was cut off, leaves either no run directory or one that
# 'latest' names and whose summary.json says interrupted. (40-interrupt.t
# sends real signals to real runs; the window between the directory and
# its link is too short for it to hit on purpose, and a signal before the
# guest slots exist killed the handler itself under set -u.)
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=runner/lib/common.sh
. "$T_TOP/runner/lib/common.sh"
# shellcheck source=runner/lib/slots.sh
. "$T_TOP/runner/lib/slots.sh"
# shellcheck source=runner/lib/run.sh
. "$T_TOP/runner/lib/run.sh"
plan 11

res=$T_RESULTS/open
ids=()
for _ in $(seq 50); do
	run_dir_open "$res"
	ids+=("$RUN_ID")
done
is "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" 50 "50 run directories made at once have 50 ids"
is "$(stat -c %a "$RUN_DIR")" 700 "a run directory is private (0700)"
is "$(readlink "$res/latest")" "$RUN_ID" "latest names the last one"
t "it has a plan, empty" test -f "$RUN_DIR/plan" -a ! -s "$RUN_DIR/plan"

# interrupt CUT: on_signal TERM (results in $res) in a runner whose run_dir_open stopped at
# CUT (none: RUN_DIR not yet set; nodir: set, directory not made yet;
# dir: made, no plan, no link; plan: no link; all: done).
interrupt() {
	local cut=$1 rc=0
	mkdir -p "$res"
	(
		RUN_DIR=
		case $cut in
		none) ;;
		nodir) RUN_DIR=$res/20261203-000000-0000000a ;;
		*)
			RUN_DIR=$res/20261203-000000-0000000b
			mkdir -m 0700 "$RUN_DIR"
			[[ $cut == dir ]] || : >"$RUN_DIR/plan"
			[[ $cut != all ]] || ln -s "${RUN_DIR##*/}" "$res/latest"
			;;
		esac
		on_signal TERM
	) 2>"$T_TMP/err" &
	# waited for apart, so that errexit holds in it as in the runner
	wait $! || rc=$?
	echo "$rc"
}
for cut in none nodir; do
	res=$T_RESULTS/$cut
	is "$(interrupt "$cut")" 3 "cut at $cut: exit 3 (interrupted)"
	t "cut at $cut: no run directory, no latest" test ! -e "$res/latest" -a -z "$(ls -A "$res")"
done
for cut in dir plan all; do
	res=$T_RESULTS/$cut
	interrupt "$cut" >/dev/null
	s=$(readlink -f "$res/latest")/summary.json
	is "$(json "$s" .interrupted 2>/dev/null || echo missing)" true "cut at $cut: latest has a summary.json that says interrupted"
done
done_testing
