#!/usr/bin/env bash
# Expected outcomes: a program reports how a device loss ended by writing
# 'outcome reset' to $HPC_EVENTS. A scenario that expects it is RESET
# (counted as passed); one that expects nothing lost is FAIL CHECK; one
# that expects a reset and hears none is FAIL CHECK too.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"

declare -A want=(
	[outcome-reset]="RESET  all 2 steps done; the device was lost (outcome reset at * s), as expect at line 9 allows"
	[outcome-unexpected]="FAIL CHECK CHECK: unexpected outcome: reset"
	[outcome-missing]="FAIL CHECK CHECK: expected outcome reset, none reported"
)
plan $((${#want[@]} + 5))

hpc run --results "$T_RESULTS" outcome-reset outcome-unexpected outcome-missing
diag "$T_OUT"
is "$T_RC" 1 "exit status 1 (there are FAILs)"
check_verdicts want
run=$(latest)
v=$(echo "$run"/*-outcome-reset/verdict.json)
is "$(json "$v" '"\(.expect | join(",")) \(.outcomes[0].outcome)"')" "reset reset" "verdict.json: what was expected, what came"
is "$(json "$run/summary.json" '"\(.counts.RESET) \(.counts.FAIL)"')" "1 2" "summary.json counts"
like "$(grep -E '^(ok|not ok) ' "$run/ktap.txt" | tr '\n' '|')" \
	"ok 1 outcome-reset # RESET*|not ok 2 outcome-unexpected # FAIL CHECK: unexpected outcome: reset|not ok 3 *" "run ktap.txt"
like "$(json "$(echo "$run"/*-outcome-unexpected/verdict.json)" .reason)" \
	"the guest reported outcome reset at * s; the scenario expects no device loss*" "the reason says why"
done_testing
