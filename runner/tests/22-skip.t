#!/usr/bin/env bash
# A guest step that exits 4 (kselftest's skip code) makes the run SKIP,
# with the step's last output line as the reason; the plan stops there.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
plan 5

hpc run --results "$T_RESULTS" skip-step
diag "$T_OUT"
is "$T_RC" 0 "exit status 0 (a SKIP is no failure)"
d=$(echo "$(latest)"/*-skip-step)
is "$(json "$d/verdict.json" .verdict)" SKIP "verdict SKIP"
is "$(json "$d/verdict.json" .reason)" "check probe (line 11) exited 4 (skip): SKIP: no /dev/nosuch here" \
	"the reason: the step and its last output line"
is "$(json "$d/verdict.json" '.steps[2].status')" null "the plan stopped: the step after it did not run"
like "$T_OUT" "*skip-step*SKIP*" "the table shows it"
done_testing
