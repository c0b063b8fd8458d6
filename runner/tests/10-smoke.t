#!/usr/bin/env bash
# The default suite on the stock kernel: real guests, real verdicts, and
# reports that agree with the verdicts.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
plan 19

before=$(qemu_count)
hpc run --results "$T_RESULTS" --seed 42 quick
diag "$T_OUT"
is "$T_RC" 0 "hpchaos run quick exits 0"
run=$(latest)
for s in boot-idle dimm-hotplug mirror-selftest; do
	d=$(echo "$run"/*-"$s")
	is "$(json "$d/verdict.json" .verdict)" PASS "$s: PASS"
	is "$(json "$d/verdict.json" .seed)" 42 "$s: seed recorded"
done
# the quick group grows: count what it holds
n=$(wc -l <"$run/plan")
is "$n" "$("$T_TOP/runner/hpchaos" list quick | wc -l)" "one result per scenario of the quick group"
# each ends as it expects: RESET where it says "expect reset", else PASS
want_reset=0 bad=''
for d in "$run"/[0-9]*-*/; do
	v=$(json "$d/verdict.json" .verdict)
	if grep -qE '^expect +.*reset' "$d"/*.scn; then
		want_reset=$((want_reset + 1)); [[ $v == RESET ]] || bad+=" $(basename "$d")=$v"
	else
		[[ $v == PASS ]] || bad+=" $(basename "$d")=$v"
	fi
done
is "$bad" "" "every quick scenario PASS, or RESET where it expects a reset"
is "$(json "$run/summary.json" '"\(.counts.PASS) \(.counts.RESET)"')" "$((n - want_reset)) $want_reset" "summary.json counts them"
t "junit.xml: $n tests, 0 failures" grep -q "<testsuite[^>]*tests=\"$n\"[^>]*failures=\"0\"" "$run/junit.xml"
is "$(grep -c '^ok ' "$run/ktap.txt")" "$n" "ktap.txt: $n ok lines"
# TCG: the guest is told the host's TSC rate instead of calibrating it
# against an emulated timer on a loaded host (backend-qemu.sh, guest_tsc_khz)
d=$(echo "$run"/*-boot-idle)
if [[ $(json "$run/run.json" .accel) == tcg && $(uname -m) == x86_64 ]] && khz=$("$T_TOP/framework/build/bin/hpc-tsc-khz"); then
	like "$(grep -m1 'Command line:' "$d/console.log")" "* tsc_early_khz=[1-9]*" "boot-idle: tsc_early_khz= on the guest command line"
	mhz=$(printf '%d.%03d' $((khz / 1000)) $((khz % 1000)))
	# tsc_early_khz= sets tsc_khz; the "processor" line prints cpu_khz,
	# which keeps its own calibration when within 10% of tsc_khz, and
	# then a second line "Detected N MHz TSC" gives tsc_khz
	# (arch/x86/kernel/tsc.c, determine_cpu_tsc_frequencies)
	t "boot-idle: the guest took the host's TSC rate ($mhz MHz), not a calibration" \
		grep -qE "tsc: Detected ${mhz/./\\.} MHz (processor|TSC)" "$d/console.log"
else
	skip "boot-idle: tsc_early_khz= on the guest command line" "not a TCG guest on an x86-64 host with a steady TSC"
	skip "boot-idle: the guest took the host's TSC rate" "not a TCG guest on an x86-64 host with a steady TSC"
fi
d=$(echo "$run"/*-dimm-hotplug)
t "dimm-hotplug: DEVICE_DELETED is in the timeline" grep -q '"DEVICE_DELETED"' "$d/timeline.jsonl"
d=$(echo "$run"/*-mirror-selftest)
t "mirror-selftest: the module's own tests report no failure and some passes" \
	test "$(json "$d/verdict.json" '"\(.guest_ktap.fail) \(.guest_ktap.pass > 20)"')" = "0 true"
is "$(stat -c %a "$run")" 700 "run directory is private (0700)"
# issue 17 item 11: the reports and the conductor's outputs are private too
is "$(stat -c %a "$run"/summary.json "$run"/junit.xml "$run"/ktap.txt "$run"/*-*/verdict.json "$run"/*-*/ktap.txt | sort -u)" 600 "summary.json, junit.xml, ktap.txt and each verdict.json and ktap.txt are private (0600)"
# the libvirt test (48) compares its quick verdicts with these
[[ -z $T_STATE ]] || verdict_table "$run" >"$T_STATE/quick-seed42.qemu"
is "$(qemu_count)" "$before" "no QEMU left running"
done_testing
