#!/usr/bin/env bash
# 'hpchaos minimise' on a real failure: a WARN from the trigger module among
# steps and actions it does not need. The minimised scenario keeps the two
# steps the WARN needs, lints, and still fails the same way under
# 'hpchaos run'. Bad input is exit 2 without booting; a result that does not
# reproduce is exit 1.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
plan 21
bin=${HPC_BIN:-$T_TOP/framework/build/bin}

scn=$T_TMP/mini-warn.scn
cat >"$scn" <<'SCN'
# a WARN among steps and actions it does not need
name        mini-warn
description a WARN among steps and actions it does not need
groups      selftest
timeout     240

run   noise : sleep 1
emit  ping
on    ping after=100-900 signal pong
wait  pong timeout=30
on    @200-800 signal tick
run   load : modprobe hpchaos_trigger
run   trigger timeout=90 : echo warn >/sys/kernel/debug/hpchaos_trigger/trigger; sleep 1
SCN

hpc run --results "$T_RESULTS" "$scn"
is "$T_RC" 1 "the scenario fails"
orig=$(latest)
like "$(json "$orig/01-mini-warn/verdict.json" '"\(.verdict) \(.class) \(.title)"')" "FAIL WARN WARNING in hpc_trigger_warn" \
	"... with a WARN from the trigger module"

# bad input: nothing is booted
hpc minimise --results "$T_RESULTS" "$T_TMP"
like "$T_RC $T_OUT" "2 *is not a hpchaos result: it has no verdict.json*" "not a result: exit 2"
cp -a "$orig" "$T_TMP/passed"
v=$T_TMP/passed/01-mini-warn/verdict.json
jq '.verdict = "PASS" | .class = null | .title = null' "$v" >"$v.new" && mv "$v.new" "$v"
hpc minimise --results "$T_RESULTS" "$T_TMP/passed/01-mini-warn"
like "$T_RC $T_OUT" "2 *nothing to minimise: *01-mini-warn is PASS*not a FAIL*" "a passing result: exit 2, said so"
hpc minimise --results "$T_RESULTS" "$T_TMP/passed"
like "$T_RC $T_OUT" "2 *has 0 FAIL results*" "a run without a FAIL: exit 2"
hpc minimise --results "$T_RESULTS" "$orig" nosuch
like "$T_RC $T_OUT" "2 *has 0 results of 'nosuch'*" "a run and a name it does not have: exit 2"
hpc minimise --tries 0 "$orig"
like "$T_RC $T_OUT" "2 *--tries: expected a number from 1 to 100*" "--tries 0: exit 2"
is "$(readlink -f "$T_RESULTS/latest")" "$orig" "and none of these booted (no new run directory)"

# a failure that does not come back: the original's title edited
cp -a "$orig" "$T_TMP/edited"
v=$T_TMP/edited/01-mini-warn/verdict.json
jq '.title = "WARNING in somewhere_else"' "$v" >"$v.new" && mv "$v.new" "$v"
hpc minimise --results "$T_RESULTS" --tries 1 --max-runs 1 "$T_TMP/edited/01-mini-warn"
diag "$T_OUT"
like "$T_RC $T_OUT" "1 *the original did not reproduce: 0/1 tries gave FAIL WARN: WARNING in somewhere_else*" \
	"the original does not reproduce: exit 1, said so"
is "$(json "$(latest)/minimise.json" .status)" not-reproduced "minimise.json: not-reproduced"

# the real thing: the run directory and the scenario's name
hpc minimise --results "$T_RESULTS" --tries 1 --max-runs 12 "$orig" mini-warn
diag "$T_OUT"
is "$T_RC" 0 "minimise: exit 0"
m=$(latest)
mj=$m/minimise.json
min=$m/minimised/mini-warn.scn
like "$T_OUT" "*trying: without run noise*" "progress lines name what each candidate drops"
like "$T_OUT" "*minimise: 7 -> 2 steps and actions, 13 -> 8 lines, * runs, * candidates (1 did not lint): reduced*" \
	"the summary line"
is "$("$bin/hpc-scenario" units "$min" | cut -f3,4 | paste -sd,)" "step	run load,step	run trigger" \
	"the minimised scenario keeps the two steps the WARN needs, nothing else"
t "it lints" "$bin/hpc-scenario" lint "$min"
is "$(json "$mj" '[.status, .original.units, .final.units, (.removed | length)] | map(tostring) | join(" ")')" \
	"reduced 7 2 5" "minimise.json: status, sizes, what was removed"
d=$(json "$orig/01-mini-warn/verdict.json" '.schedule[] | select(.line == 9) | .firings[0].delay_ms')
is "$(json "$mj" '.candidates[1] | "\(.outcome) \(.change)"')" \
	"same delays pinned to those that fired: on ping signal pong after=100-900 -> after=$d, on @200-800 signal tick @200-800 -> @$(json "$orig/01-mini-warn/verdict.json" '.schedule[] | select(.line == 11) | .firings[0].delay_ms')" \
	"the drawn delays are pinned to those that fired first"
t "... in the candidate's file" grep -q "^on    ping after=$d signal pong\$" "$m/candidates/c2/mini-warn.scn"
is "$(json "$mj" '[.candidates[] | select(.outcome == "invalid") | .runs | length] | map(tostring) | join(",")')" "0" \
	"the candidate that does not lint is not booted"
is "$(json "$mj" '[.candidates[].runs[]] | length')" "$(json "$mj" .runs)" "every run of a candidate is listed"

# the minimised scenario fails the same way on its own
hpc run --results "$T_RESULTS" --seed "$(json "$orig/01-mini-warn/verdict.json" .seed)" "$min"
like "$T_RC $(json "$(latest)/01-mini-warn/verdict.json" '"\(.verdict) \(.class) \(.title)"')" \
	"1 FAIL WARN WARNING in hpc_trigger_warn" "hpchaos run of the minimised scenario: the same failure"
done_testing
