#!/usr/bin/env bash
# Baseline failures declared with known-fail are XFAIL (counted as passed,
# never shown as PASS); any other failure is FAIL with the test's name.
# Scenarios that need a kernel option the stock kernel lacks are SKIP with
# the option named.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
plan 6

hpc run --results "$T_RESULTS" known-fail-baseline known-fail-unexpected hmm-selftest
diag "$T_OUT"
is "$T_RC" 1 "exit status 1 (one FAIL)"
run=$(latest)
v=$(echo "$run"/*-known-fail-baseline/verdict.json)
is "$(json "$v" .verdict)" XFAIL "only known failures: XFAIL"
v=$(echo "$run"/*-known-fail-unexpected/verdict.json)
is "$(json "$v" '"\(.verdict) \(.class) \(.title)"')" \
	"FAIL CHECK CHECK: selftest: unexpected failure in demo2.migrate" "an unknown failure: FAIL, named"
v=$(echo "$run"/*-hmm-selftest/verdict.json)
is "$(json "$v" .verdict)" SKIP "hmm selftest on the stock kernel: SKIP"
like "$(json "$v" .reason)" "kernel lacks CONFIG_DEVICE_PRIVATE*" "with the missing option named"
like "$(grep -E '^(ok|not ok) ' "$run/ktap.txt" | tr '\n' '|')" \
	"ok 1 known-fail-baseline # XFAIL*|not ok 2 known-fail-unexpected*|ok 3 hmm-selftest # SKIP*" "run ktap.txt"
done_testing
