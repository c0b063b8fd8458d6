#!/usr/bin/env bash
# Bad input: errors name file and line, exit 2, nothing is booted.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"

broken=("$T_TOP"/runner/tests/broken/*.scn)
plan $((${#broken[@]} + 9))

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

(unset HPC_RESULTS; hpc help; echo "$T_RC" >"$T_TMP/help.rc"; printf "%s\n" "$T_OUT" >"$T_TMP/help.out")
is "$(cat "$T_TMP/help.rc")" 0 "help with HPC_RESULTS unset: exit 0"
t "help lists the commands" grep -q "^  run " "$T_TMP/help.out"
done_testing
