#!/usr/bin/env bash
# --kmod-param NAME=VALUE: a parameter of hpchaos.ko for every guest of a
# run, replayed by repro. With bar_map=page the BAR provider maps its pages
# as refcounted pages (the mode of kernels without devmap ptes, 6.17 on)
# on this 6.1 guest, and the BAR scenarios pass in that mode too: the
# surprise revocation zaps the mapping instead of leaving devmap ptes.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"

plan 12

hpc run --kmod-param bar_map --results "$T_RESULTS" boot-idle
is "$T_RC" 2 "--kmod-param without =VALUE: exit 2"
like "$T_OUT" "*expected NAME=VALUE*" "... saying what it expected"
hpc run --kmod-param 'bar_map=page;reboot' --results "$T_RESULTS" boot-idle
is "$T_RC" 2 "--kmod-param with a value that is not a plain word: exit 2"

hpc run --kmod-param bar_map=page --seed 42 --results "$T_RESULTS" bar-mirror bar-surprise
diag "$T_OUT"
is "$T_RC" 0 "bar-mirror and bar-surprise with bar_map=page: exit 0"
run=$(latest)
is "$(json "$run/run.json" '.kmod_params | join(" ")')" bar_map=page "run.json keeps the parameter"
for s in bar-mirror bar-surprise; do
	d=$(echo "$run"/*-"$s")
	is "$(json "$d/verdict.json" .verdict)" PASS "$s: PASS with refcounted BAR pages"
	t "$s: the module mapped the BAR as refcounted pages" grep -q "mapped as refcounted pages" "$d/console.log"
done
t "bar-mirror: the surprise revocation zapped the mapping" \
	grep -q "bar_map=page: the surprise revocation zapped the mapping" "$(echo "$run"/*-bar-mirror)/ktap.txt"

hpc repro --tries 1 --results "$T_RESULTS" "$(echo "$run"/*-bar-surprise)"
is "$T_RC" 0 "repro of bar-surprise: exit 0"
t "repro boots with the recorded parameter" grep -q "mapped as refcounted pages" "$(echo "$(latest)"/*-bar-surprise-t1)/console.log"
done_testing
