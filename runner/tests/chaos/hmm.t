#!/usr/bin/env bash
# The kernel's own hmm-tests with test_hmm.ko on the chaos kernel: KTAP with
# per-test results, alone (all pass) and while a pc-dimm's memory goes
# offline and online again under it (hmm-tests-unplug: XFAIL, because the
# device-private migration and exclusive-access tests assume nothing else
# migrates their pages; any other failure is FAIL, see the scenario).
# Long (about 6 minutes under TCG): run by make check-long, not make check.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/../lib.sh"

declare -A want=(
	[hmm-selftest]="PASS *"
	[hmm-tests-unplug]="XFAIL *"
)
plan $((${#want[@]} + 3))

hpc run -j 1 --kernel chaos --results "$T_RESULTS" --heartbeat 120 "${!want[@]}"
diag "$T_OUT"
is "$T_RC" 0 "exit status 0 (XFAIL is no failure)"
check_verdicts want
ktap=$(echo "$T_RESULTS"/latest/*-hmm-selftest/ktap.txt)
t "hmm-selftest: per-test KTAP results are nested" grep -Eq '^ +ok [0-9]+ ' "$ktap"
v=$(echo "$T_RESULTS"/latest/*-hmm-tests-unplug/verdict.json)
t "hmm-tests-unplug: the expected failures are named in the reason" \
	test "$(json "$v" '.reason | test("_device_private")')" = true
done_testing
