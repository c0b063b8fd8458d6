#!/usr/bin/env bash
# The kernel's own hmm-tests with test_hmm.ko on the chaos kernel: KTAP with
# per-test results. Long (about 2 minutes under TCG): run by make
# check-long, not make check. (hmm-tests-unplug is not here: see its file.)
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/../lib.sh"

declare -A want=(
	[hmm-selftest]="PASS *"
)
plan $((${#want[@]} + 2))

hpc run -j 1 --kernel chaos --results "$T_RESULTS" --heartbeat 120 "${!want[@]}"
diag "$T_OUT"
is "$T_RC" 0 "exit status 0"
check_verdicts want
ktap=$(echo "$T_RESULTS"/latest/*-hmm-selftest/ktap.txt)
t "hmm-selftest: per-test KTAP results are nested" grep -Eq '^ +ok [0-9]+ ' "$ktap"
done_testing
