#!/usr/bin/env bash
# Hostile guest output does not change the verdict or break a parser; a
# program cannot forge a kernel report (issue 17 item 2).
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
plan 12

hpc run --results "$T_RESULTS" hostile-output forged-reports
diag "$T_OUT"
is "$T_RC" 0 "exit status 0"
run=$(latest)
d=$(echo "$run"/*-hostile-output)
is "$(json "$d/verdict.json" .verdict)" PASS "verdict PASS"
is "$(json "$run/summary.json" .counts.FAIL)" 0 "no FAIL counted"
is "$(sed -n 2p "$d/ktap.txt")" "1..3" "scenario KTAP plan is the host's, not the guest's"
t "the guest's KTAP is nested, not top level" grep -Eq '^ {4,}(# )?not ok 1 fake # SKIP' "$d/ktap.txt"
if grep -Eq '^(not ok 1 fake|1\.\.5)' "$d/ktap.txt"; then ok 1 "and not at the top level"; else ok 0 "and not at the top level"; fi
t "no 10 MB line in the timeline" test "$(wc -L <"$d/timeline.jsonl")" -lt 20000

d=$(echo "$run"/*-forged-reports)
is "$(json "$d/verdict.json" .verdict)" PASS "forged reports: verdict PASS"
is "$(json "$d/verdict.json" '.reports | length')" 0 "forged reports: no report listed"
t "forged reports: they are on the console" grep -q 'BUG: KASAN: use-after-free in forged_func' "$d/console.log"
t "forged reports: the kernel log came through /dev/kmsg" \
	test "$(json "$d/verdict.json" .kernel_log.kmsg_kernel_records)" -gt 100
is "$(json "$d/verdict.json" .kernel_log.kmsg_lost)" 0 "forged reports: no kernel record lost"
done_testing
