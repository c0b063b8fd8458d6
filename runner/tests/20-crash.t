#!/usr/bin/env bash
# A deliberate kernel crash is a FAIL with class CRASH and a title.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
plan 6

hpc run --results "$T_RESULTS" crash-sysrq
diag "$T_OUT"
is "$T_RC" 1 "exit status 1"
d=$(echo "$(latest)"/*-crash-sysrq)
is "$(json "$d/verdict.json" .verdict)" FAIL "verdict FAIL"
is "$(json "$d/verdict.json" .class)" CRASH "class CRASH"
is "$(json "$d/verdict.json" .title)" "Kernel panic: sysrq triggered crash" "title names the crash"
is "$(json "$d/verdict.json" '.reports[0].source')" console "the panic came from the console, after the last forwarded record"
like "$T_OUT" "*FAIL CRASH*sysrq triggered crash*" "the table shows it"
done_testing
