#!/usr/bin/env bash
# Bad input: errors name file and line, exit 2, nothing is booted.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"

broken=("$T_TOP"/runner/tests/broken/*.scn)
plan $((${#broken[@]} + 33))

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

# Hostile files that cannot be fixtures in git (issue 17 items 5 and 10):
# NUL bytes, over-long lines, FIFOs, devices, links to other files.
h=$T_TMP/hostile
bin=${HPC_BIN:-$T_TOP/framework/build/bin}
mkdir -p "$h"
printf 'name nul-cmd\ngroups broken\nrun a : true\0; rm -rf /\n' >"$h/nul-cmd.scn"
hpc lint "$h/nul-cmd.scn"
like "$T_RC $T_OUT" "2 *$h/nul-cmd.scn:3: NUL byte in line*" "a NUL in a command: an error naming file and line"
{
	printf 'name nul-comment\ngroups broken\nrun a : true\n#\0'
	printf '%04200d' 0
	printf ' run evil : reboot\n'
} >"$h/nul-comment.scn"
hpc lint "$h/nul-comment.scn"
like "$T_RC $T_OUT" "2 *$h/nul-comment.scn:4: NUL byte in line*" "a NUL in a comment running past 4097 bytes: an error naming file and line"
like "$T_OUT" "*hpc-scenario: 1 of 1 files have errors*" "... and its tail is not read as a directive (one error)"
t "... one error line only" test "$(grep -c 'nul-comment.scn:' <<<"$T_OUT")" -eq 1
{
	printf 'name long-line\ngroups broken\nrun a : true\n# '
	printf '%05000d\n' 0
} >"$h/long-line.scn"
hpc lint "$h/long-line.scn"
like "$T_RC $T_OUT" "2 *$h/long-line.scn:4: line too long (5002 bytes; at most 4096)*" "an over-long line: an error naming file and line"

mkdir -p "$h/fifo-dir"
mkfifo "$h/fifo-dir/x.scn"
T_RC=0
T_OUT=$(timeout 60 "$T_TOP/runner/hpchaos" lint "$h/fifo-dir" 2>&1) || T_RC=$?
like "$T_RC $T_OUT" "2 *$h/fifo-dir/x.scn:0: a FIFO, not a regular file*" "lint DIR with a FIFO named *.scn: refused, no hang"
T_RC=0
T_OUT=$(timeout 60 "$T_TOP/runner/hpchaos" lint "$h/fifo-dir/x.scn" 2>&1) || T_RC=$?
like "$T_RC $T_OUT" "2 *$h/fifo-dir/x.scn:0: a FIFO, not a regular file*" "lint FIFO: says it is a FIFO (not 'no such file')"
T_RC=0
T_OUT=$(timeout 60 "$bin/hpc-scenario" lint /dev/null 2>&1) || T_RC=$?
like "$T_RC $T_OUT" "2 /dev/null:0: a character device, not a regular file*" "hpc-scenario on a character device: refused, no hang"
hpc run --results "$T_RESULTS" "$h/fifo-dir/x.scn"
like "$T_RC $T_OUT" "2 *x.scn: not a regular file*" "run FIFO: refused as not a regular file"
printf 'hunter2 is the password\n' >"$h/secret"
ln -s secret "$h/link.scn"
hpc lint "$h/link.scn"
like "$T_RC $T_OUT" "2 *$h/link.scn:0: not a scenario file*" "a symbolic link to another file: refused"
t "... and not one word of that file is shown" test "${T_OUT/hunter2/}" == "$T_OUT"

# The conductor reads scenarios with the same parser (a second groups line
# crashed it too).
T_RC=0
T_OUT=$("$bin/hpc-conductor" --scenario "$T_TOP/runner/tests/broken/groups-thrice.scn" --seed 1 --print-schedule 2>&1) || T_RC=$?
like "$T_RC $T_OUT" "2 *groups-thrice.scn:5: groups given twice (first at line 4)*" "conductor: three groups lines are an error, not a crash"

# A crash of the linter is said as such (a SIGSEGV used to show as exit 2).
mkdir -p "$h/bin"
for b in "$bin"/*; do ln -s "$b" "$h/bin/"; done
rm "$h/bin/hpc-scenario"
printf '#!/bin/sh\nkill -SEGV $$\n' >"$h/bin/hpc-scenario"
chmod +x "$h/bin/hpc-scenario"
T_RC=0
T_OUT=$(HPC_BIN=$h/bin "$T_TOP/runner/hpchaos" lint "$T_TOP/runner/tests/broken/groups-twice.scn" 2>&1) || T_RC=$?
like "$T_RC $T_OUT" "2 *hpc-scenario died of signal 11*" "lint: a crashed hpc-scenario is reported as a crash"

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
