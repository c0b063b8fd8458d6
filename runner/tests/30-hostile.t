#!/usr/bin/env bash
# Hostile guest output does not change the verdict or break a parser.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
plan 6

hpc run --results "$T_RESULTS" hostile-output
diag "$T_OUT"
is "$T_RC" 0 "exit status 0"
run=$(latest)
d=$(echo "$run"/*-hostile-output)
is "$(json "$d/verdict.json" .verdict)" PASS "verdict PASS"
is "$(json "$run/summary.json" .counts.FAIL)" 0 "no FAIL counted"
is "$(sed -n 2p "$d/ktap.txt")" "1..3" "scenario KTAP plan is the host's, not the guest's"
t "the guest's KTAP is nested, not top level" grep -q '^    not ok 1 fake # SKIP' "$d/ktap.txt"
t "no 10 MB line in the timeline" test "$(wc -L <"$d/timeline.jsonl")" -lt 20000
done_testing
