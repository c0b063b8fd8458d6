#!/usr/bin/env bash
# Host actions at drawn times: the delays come from the seed (the same seed
# draws the same ones, another seed others), actions fire within
# milliseconds of their planned time, and verdict.json and timeline.jsonl
# record the schedule that ran. --repeat runs each scenario N times with
# seeds seed, seed+1, ... and counts per scenario; --duration stops cycling
# once its time is up.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
plan 19

# the drawn delays of a verdict.json, in schedule order
delays() { json "$1" '[.schedule[].firings[].delay_ms | tostring] | join(" ")'; }

hpc run -j 1 --results "$T_RESULTS" --seed 1000 --repeat 2 schedule-draw # firing times measured one guest at a time
diag "$T_OUT"
is "$T_RC" 0 "--repeat 2: exit 0"
run=$(latest)
is "$(paste -sd ' ' "$run/plan")" "01-schedule-draw-r1 01-schedule-draw-r2" "one result directory per repetition"
is "$(json "$run/summary.json" '[.by_scenario[] | "\(.scenario) \(.runs) \(.counts.PASS)"] | join(",")')" \
	"schedule-draw 2 2" "summary.json: per scenario, 2 runs, 2 PASS"
like "$T_OUT" "*per scenario:*schedule-draw*2 runs: 2 PASS*" "the table counts per scenario"
v1=$run/01-schedule-draw-r1/verdict.json
v2=$run/01-schedule-draw-r2/verdict.json
is "$(json "$v1" .seed) $(json "$v2" .seed)" "1000 1001" "repetition r runs with seed + r - 1"
is "$(json "$v1" '[.schedule[].fired | tostring] | join(" ")')" "1 1 3" "every action fired (the tick 3 times)"
# shellcheck disable=SC2016 # $s is jq's
t "each drawn delay is in its range" test "$(json "$v1" '.schedule as $s |
	($s[0].firings[0].delay_ms | . >= 300 and . <= 3000) and
	($s[1].firings[0].delay_ms | . >= 100 and . <= 2000) and
	($s[2].firings[0].delay_ms == 0) and
	([$s[2].firings[1:][].delay_ms | . >= 200 and . <= 400] | all)')" = true
d1=$(delays "$v1")
t "another seed draws other delays ($d1 / $(delays "$v2"))" test "$d1" != "$(delays "$v2")"
diag "late (ms): $(json "$v1" '[.schedule[].firings[].late_ms | tostring] | join(" ")')"
t "every firing within 50 ms of its planned time" test "$(json "$v1" '[.schedule[].firings[].late_ms] | max < 50')" = true
t "@300-3000 is planned from the agent's hello" \
	test "$(json "$v1" '(.schedule[0].firings[0] | .planned_s - .delay_ms / 1000) - .hello_s | fabs < 0.05')" = true
t "a repeated action is planned from its previous planned time" \
	test "$(json "$v1" '.schedule[2].firings | (.[2].planned_s - .[1].planned_s) * 1000 - .[2].delay_ms | fabs < 0.01')" = true
tl=$run/01-schedule-draw-r1/timeline.jsonl
is "$(grep -c '"type":"action"' "$tl")" 5 "timeline.jsonl: one line per firing"
t "timeline.jsonl: each firing has its trigger, drawn delay, planned time and lateness" \
	test "$(jq -s '[.[] | select(.type == "action") | has("trigger") and has("delay_ms") and has("planned_t") and has("late_ms")] | all' "$tl")" = true

# the recorded schedule is checked against the seed without booting
scn=$run/01-schedule-draw-r1/schedule-draw.scn
t "the result keeps the scenario file as it ran" cmp -s "$T_TOP/scenarios/selftest/schedule-draw.scn" "$scn"
rc=0
out=$("$HPC_BIN/hpc-conductor" --scenario "$scn" --seed 1000 --check-schedule "$v1") || rc=$?
like "$rc $out" "0 schedule: 5 delays of 3 actions re-derived from seed 1000: the same as recorded" \
	"--check-schedule: the same seed re-derives the recorded delays"
jq '.schedule[1].firings[0].delay_ms += 1' "$v1" >"$T_TMP/edited.json"
rc=0
out=$("$HPC_BIN/hpc-conductor" --scenario "$scn" --seed 1000 --check-schedule "$T_TMP/edited.json") || rc=$?
is "$rc" 1 "--check-schedule: a recorded delay the seed does not give: status 1"
like "$out" "*action 1 (line 14) firing 0: recorded delay * ms, seed 1000 gives * ms*" "...naming the action and firing"

hpc run -j 1 --results "$T_RESULTS" --seed 1000 --duration 1s schedule-draw
diag "$T_OUT"
run=$(latest)
is "$T_RC/$(paste -sd ' ' "$run/plan")" "0/01-schedule-draw-r1" "--duration 1s -j 1: the running scenario finishes, no other starts"
is "$(delays "$run/01-schedule-draw-r1/verdict.json")" "$d1" "the same seed draws the same delays"
done_testing
