#!/usr/bin/env bash
# 'hpchaos repro' replays a result (the scenario file kept in it, its seed,
# kernel and module variant) and counts the tries that gave the same
# verdict and title. Bad input is exit 2 without booting.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
plan 13

hpc run --results "$T_RESULTS" crash-sysrq
is "$T_RC" 1 "crash-sysrq: exit 1"
orig=$(latest)
is "$(json "$orig/run.json" '"\(.kernel.spec) \(.kmod_planted)"')" "stock none" "run.json records the kernel spec and the module variant"
t "the result keeps the scenario file" test -f "$orig/01-crash-sysrq/crash-sysrq.scn"
seed=$(json "$orig/01-crash-sysrq/verdict.json" .seed)

hpc repro "$orig" --tries 2 --results "$T_RESULTS"
diag "$T_OUT"
is "$T_RC" 0 "repro of the run: exit 0 (every try reproduced)"
like "$T_OUT" "*repro: 2/2 tries gave FAIL CRASH: Kernel panic: sysrq triggered crash (same verdict and title)*" \
	"the count line"
rep=$(latest)
is "$(json "$rep/run.json" .repro_of)" "$orig" "run.json says what was replayed"
is "$(json "$rep/summary.json" '[.results[] | "\(.dir) \(.verdict) \(.seed)"] | join(",")')" \
	"01-crash-sysrq-t1 FAIL $seed,01-crash-sysrq-t2 FAIL $seed" "each try ran with the original seed"

# a result the tries cannot reproduce: its title edited
cp -a "$orig" "$T_TMP/edited"
v=$T_TMP/edited/01-crash-sysrq/verdict.json
jq '.title = "Kernel panic: something else"' "$v" >"$v.new" && mv "$v.new" "$v"
hpc repro "$T_TMP/edited/01-crash-sysrq" --tries 1 --results "$T_RESULTS"
diag "$T_OUT"
is "$T_RC" 1 "repro that does not reproduce: exit 1"
like "$T_OUT" "*repro: 0/1 tries gave FAIL CRASH: Kernel panic: something else (same verdict and title)*" "0/1"
like "$T_OUT" "*repro:   try 1 (01-crash-sysrq-t1): FAIL CRASH: Kernel panic: sysrq triggered crash*" "the other try is listed"

hpc repro "$T_TMP" --results "$T_RESULTS"
is "$T_RC" 2 "not a result: exit 2"
like "$T_OUT" "*is not a hpchaos result: it has no verdict.json*" "...saying what is missing"
rm "$T_TMP/edited/01-crash-sysrq/crash-sysrq.scn"
hpc repro "$T_TMP/edited/01-crash-sysrq" --results "$T_RESULTS"
like "$T_RC $T_OUT" "2 *has no copy of the scenario (crash-sysrq.scn)*" "no scenario copy: exit 2, named"
done_testing
