#!/usr/bin/env bash
# Bad input: errors name file and line, exit 2, nothing is booted.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"

broken=("$T_TOP"/runner/tests/broken/*.scn)
plan $((${#broken[@]} + 20))

hpc lint "$T_TOP/scenarios"
is "$T_RC" 0 "every shipped scenario lints"

# Each broken file carries '# expect: LINE: TEXT' lines: hpc-scenario must
# report exactly that line with that text.
for f in "${broken[@]}"; do
	want=$(sed -n 's/^# expect: //p' "$f" | head -n 1)
	hpc lint "$f"
	line=${want%%: *}
	text=${want#*: }
	if [[ $T_RC -eq 2 && $T_OUT == *"$f:$line: "*"$text"* ]]; then
		ok 0 "lint $(basename "$f"): $want"
	else
		ok 1 "lint $(basename "$f"): $want"
		diag "exit $T_RC: $T_OUT"
	fi
done

hpc run --results "$T_RESULTS" no-such-scenario
is "$T_RC" 2 "unknown scenario: exit 2"
like "$T_OUT" "*no scenario or group named 'no-such-scenario'*" "unknown scenario: says what is wrong"
t "unknown scenario: no run directory was made" test ! -e "$T_RESULTS"

hpc run --results "$T_RESULTS" "$T_TOP/runner/tests/broken/bad-directive.scn"
is "$T_RC" 2 "broken scenario file: exit 2 before booting"

hpc run --results "$T_RESULTS" --kernel nonsense boot-idle
is "$T_RC" 2 "unknown kernel: exit 2"

HPC_STOCK_META_PKG=linux-image-does-not-exist hpc run --results "$T_RESULTS" boot-idle
is "$T_RC" 2 "kernel package that does not exist: exit 2"

hpc run --results "$T_RESULTS" --seed 9223372036854775808 boot-idle
like "$T_RC $T_OUT" "2 *--seed: expected a decimal number from 0 to 9223372036854775807*" "seed above 2^63-1: exit 2"
hpc run --results "$T_RESULTS" --repeat 0 boot-idle
like "$T_RC $T_OUT" "2 *--repeat: expected a number from 1 to 100000*" "--repeat 0: exit 2"
hpc run --results "$T_RESULTS" --duration 10x boot-idle
like "$T_RC $T_OUT" "2 *--duration: expected a time like 90s, 10m, 2h or 1d*" "--duration 10x: exit 2"
hpc repro --results "$T_RESULTS"
like "$T_RC $T_OUT" "2 *repro: expected a result directory*" "repro without a directory: exit 2"
hpc repro "$T_TMP/nowhere" --results "$T_RESULTS"
like "$T_RC $T_OUT" "2 *repro: $T_TMP/nowhere: no such directory*" "repro of a missing directory: exit 2"
mkdir -p "$T_TMP/notresult"
hpc repro "$T_TMP/notresult" --results "$T_RESULTS"
like "$T_RC $T_OUT" "2 *is not a hpchaos result: it has no verdict.json*and no plan*" "repro of another directory: exit 2, says what is missing"
mkdir -p "$T_TMP/norunjson/01-x"
printf '{"schema": 1, "scenario": "x", "verdict": "FAIL", "seed": 1}\n' >"$T_TMP/norunjson/01-x/verdict.json"
hpc repro "$T_TMP/norunjson/01-x" --results "$T_RESULTS"
like "$T_RC $T_OUT" "2 *run.json is missing*" "repro of a scenario result without its run.json: exit 2"
printf '{"kernel": {"release": "6.1"}}\n' >"$T_TMP/norunjson/run.json"
hpc repro "$T_TMP/norunjson/01-x" --results "$T_RESULTS"
like "$T_RC $T_OUT" "2 *records no kernel spec*" "repro of a result that does not record the kernel spec: exit 2"
hpc repro "$T_TMP/norunjson/01-x" --tries 0 --results "$T_RESULTS"
like "$T_RC $T_OUT" "2 *--tries: expected a number from 1 to 1000*" "--tries 0: exit 2"
t "nothing was booted for bad input" test ! -e "$T_RESULTS"

(unset HPC_RESULTS; hpc help; echo "$T_RC" >"$T_TMP/help.rc"; printf "%s\n" "$T_OUT" >"$T_TMP/help.out")
is "$(cat "$T_TMP/help.rc")" 0 "help with HPC_RESULTS unset: exit 0"
t "help lists the commands" grep -q "^  run " "$T_TMP/help.out"
t "help lists repro" grep -q "^  repro RESULT_DIR" "$T_TMP/help.out"
done_testing
