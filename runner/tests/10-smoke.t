#!/usr/bin/env bash
# The default suite on the stock kernel: real guests, real verdicts, and
# reports that agree with the verdicts.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
plan 12

before=$(qemu_count)
hpc run --results "$T_RESULTS" --seed 42 quick
diag "$T_OUT"
is "$T_RC" 0 "hpchaos run quick exits 0"
run=$(latest)
for s in boot-idle dimm-hotplug; do
	d=$(echo "$run"/*-"$s")
	is "$(json "$d/verdict.json" .verdict)" PASS "$s: PASS"
	is "$(json "$d/verdict.json" .seed)" 42 "$s: seed recorded"
done
is "$(json "$run/summary.json" '.counts.PASS')" 2 "summary.json counts 2 PASS"
is "$(json "$run/summary.json" '[.results[].verdict] | join(",")')" "PASS,PASS" "summary.json agrees with the verdicts"
t "junit.xml: 2 tests, 0 failures" grep -q '<testsuite[^>]*tests="2"[^>]*failures="0"' "$run/junit.xml"
is "$(grep -c '^ok ' "$run/ktap.txt")" 2 "ktap.txt: 2 ok lines"
d=$(echo "$run"/*-dimm-hotplug)
t "dimm-hotplug: DEVICE_DELETED is in the timeline" grep -q '"DEVICE_DELETED"' "$d/timeline.jsonl"
is "$(stat -c %a "$run")" 700 "run directory is private (0700)"
is "$(qemu_count)" "$before" "no QEMU left running"
done_testing
