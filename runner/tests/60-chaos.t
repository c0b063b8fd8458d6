#!/usr/bin/env bash
# The chaos kernel: built from linux-source-6.1 (cold: 5 min 45 s on 2 idle
# cores, then cached; make check builds it before the tests start), its
# detectors turn real bugs into KASAN and LOCKDEP verdicts (the kernel's own hmm-tests are in
# chaos/hmm.t, make check-long), the hpchaos module's own tests pass on it (the device-private
# ones run, not skip: among them owners and clusters), and the chaos group's provider scenarios: a revocation
# racing migration (RESET), allocation failures aimed at the workload and at
# a revocation's eviction (RESET), kprobe delays in the migration path. Its
# boot and dimm hotplug are in `hpchaos run --kernel chaos quick`.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"

declare -A want=(
	[report-kasan]="FAIL KASAN KASAN: use-after-free in hpc_trigger_uaf"
	[report-lockdep]="FAIL LOCKDEP *"
	[report-stuck]="FAIL TIMEOUT TIMEOUT: step trigger stuck in hpc_trigger_hung"
	[mirror-selftest]="PASS *"
	[devpriv-revoke-race]="RESET *"
	[alloc-fail-migrate]="PASS *"
	[kprobe-delay-migrate]="PASS *"
	[alloc-fail-evict]="RESET *"
)
devpriv=(mirror.provider_bad_args provider.device_private.info device_private.migrate
	device_private.cpu_fault device_private.revoke device_private.revoke_race
	device_private.surprise device_private.faults
	owners.args owners.cross_owner_fault owners.cluster_in_place owners.reown
	owners.reown_traffic owners.reown_window)
plan $((${#want[@]} + ${#devpriv[@]} + 6))

hpc run --kernel chaos --results "$T_RESULTS" --heartbeat 120 "${!want[@]}"
diag "$T_OUT"
is "$T_RC" 1 "exit status 1 (there are FAILs)"
check_verdicts want
# the device-private provider exists on this kernel: its tests ran, not skipped
ktap=$(echo "$T_RESULTS"/latest/*-mirror-selftest/ktap.txt)
for name in "${devpriv[@]}"; do
	t "mirror-selftest: $name ran and passed (not skipped)" grep -Eq "^ *ok [0-9]+ $name\$" "$ktap"
done
# source lines in the KASAN report (docs/verdicts.md): the bad read in our
# module, at the line that reads; the allocator's frames in mm/
v=$(echo "$T_RESULTS"/latest/*-report-kasan/verdict.json)
uaf_line=$(grep -n 'trigger_sink = p\[3\];' "$T_TOP/kmod/hpchaos_trigger.c" | cut -d: -f1)
is "$(jq -r '[.reports[] | select(.class == "KASAN") | .frames[] | select(.symbol == "hpc_trigger_uaf" and .reliable)][0] | "\(.file):\(.line)"' "$v")" \
	"kmod/hpchaos_trigger.c:$uaf_line" "report-kasan: the reading frame is kmod/hpchaos_trigger.c:$uaf_line"
is "$(jq -r '[.reports[] | select(.class == "KASAN") | .frames[] | select((.file // "") | startswith("mm/")) | select(.line > 0)] | length > 2' "$v")" true \
	"report-kasan: its mm/ frames (KASAN, the slab allocator) have file:line"
like "$(grep -m1 -E '\]  hpc_trigger_uaf\+0x' "$(dirname "$v")/console.symbolized.log")" "* kmod/hpchaos_trigger.c:*" \
	"report-kasan: console.symbolized.log annotates the frame lines"
# a step stuck in the kernel: the stack of its task, with source lines
s=$(echo "$T_RESULTS"/latest/*-report-stuck/verdict.json)
is "$(jq -r '.stuck as $st | $st.tasks[] | select(.pid == $st.pid) | .state' "$s")" D \
	"report-stuck: the stuck task (state D) is in verdict.json"
is "$(jq -r '[.stuck.tasks[].frames[] | select(.symbol == "hpc_trigger_hung" or .symbol == "msleep") | .file] | join(" ")' "$s")" \
	"kernel/time/timer.c kmod/hpchaos_trigger.c" "report-stuck: its frames have source lines (msleep, hpc_trigger_hung)"
done_testing
